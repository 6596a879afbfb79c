"""Authenticated messages: Ed25519 signatures from the ``cryptography`` package (RFC 8032).

Theory of operation
-------------------
PBFT needs a replica to be unable to speak for another one. Castro and Liskov's implementation
uses MAC authenticators for speed (OSDI 1999 §5; the TOCS 2002 paper, "Practical Byzantine
Fault Tolerance and Proactive Recovery", explains how view changes work with MACs). Here every
message is signed with **Ed25519** (RFC 8032) through ``cryptography``'s
``Ed25519PrivateKey``: a signature is *transferable* - a third replica can check it - which is
what lets a VIEW-CHANGE carry prepared certificates and an equivocating primary's two
pre-prepares serve as evidence against it. HMAC vectors would need the extra protocol of the
TOCS paper for both; signatures keep the code the paper's §4 protocol.

Keys are derived from the simulation's seed (:class:`Keyring`), and Ed25519 signing is
deterministic (RFC 8032 §5.1.6), so the same seed gives the same signatures, bit for bit.

Cost: one signature takes about 50 µs and one verification about 160 µs here (measure with
:func:`signing_cost`). A broadcast is verified by every receiver, so a run verifies the same
signed bytes n-1 times. Verification is a pure function of (public key, bytes, signature), so
:meth:`Keyring.verify` memoizes it by the signed message itself: the second replica to check
the same :class:`Signed` gets the first answer, and any message that differs in one byte
(forged, tampered) is a new key and is verified for real. Every verification is counted
(``verified``, ``cache_hits``, ``rejected``).
"""

from __future__ import annotations

import hashlib
import time
from typing import Any, Iterable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from dsworkbook.consensus.pbft.messages import Signed, encode
from dsworkbook.errors import ConfigError

__all__ = ["Keyring", "signing_cost"]


class Keyring:
    """Every principal's Ed25519 key pair, derived from ``seed``; signs and verifies :class:`Signed` messages.

    A node may only sign with its own key (:meth:`sign` is called with the node's id); anyone may
    verify with anyone's public key.
    """

    def __init__(self, seed: int, principals: Iterable[str]) -> None:
        self._private: dict[str, Ed25519PrivateKey] = {}
        self._public: dict[str, Ed25519PublicKey] = {}
        for name in principals:
            raw = hashlib.sha256(f"dsworkbook-pbft-key:{seed}:{name}".encode()).digest()
            key = Ed25519PrivateKey.from_private_bytes(raw)
            self._private[name], self._public[name] = key, key.public_key()
        self._cache: dict[Signed, bool] = {}
        self.signed = 0
        self.verified = 0
        self.cache_hits = 0
        self.rejected = 0

    @property
    def principals(self) -> tuple[str, ...]:
        return tuple(self._public)

    def sign(self, signer: str, body: Any) -> Signed:
        """``body`` signed with ``signer``'s private key (whatever sender ``body`` names)."""
        key = self._private.get(signer)
        if key is None:
            raise ConfigError(f"no key for {signer!r}; the keyring holds {sorted(self._private)}")
        self.signed += 1
        signed = Signed(body, key.sign(encode(body)))
        if signed.signer == signer:  # a body naming someone else is a forgery: verified for real later
            self._cache[signed] = True
        return signed

    def verify(self, signed: Any) -> bool:
        """True if ``signed`` is a :class:`Signed` whose signature verifies with the key of the sender it names."""
        if type(signed) is not Signed:
            return False
        known = self._cache.get(signed)
        if known is not None:
            self.cache_hits += 1
            if not known:
                self.rejected += 1
            return known
        try:
            key = self._public.get(signed.signer)
        except AttributeError:
            key = None
        ok = False
        if key is not None and isinstance(signed.signature, bytes):
            self.verified += 1
            try:
                key.verify(signed.signature, encode(signed.body))
                ok = True
            except InvalidSignature:
                ok = False
        self._cache[signed] = ok
        if not ok:
            self.rejected += 1
        return ok

    def verify_uncached(self, signed: Signed) -> bool:
        """Verify for real, without the memo (what :func:`signing_cost` times)."""
        key = self._public.get(signed.signer)
        if key is None:
            return False
        try:
            key.verify(signed.signature, encode(signed.body))
            return True
        except InvalidSignature:
            return False


def signing_cost(samples: int = 500) -> dict[str, float]:
    """Measure the cost in µs of one Ed25519 signature, one verification and one memoized verification.

    Wall-clock timing of this machine (not part of any simulation), with a prepare-sized message.
    """
    from dsworkbook.consensus.pbft.messages import Prepare

    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        raise ConfigError(f"samples must be an int >= 1, got {samples!r}")
    ring = Keyring(0, ["r0"])
    msgs = [Prepare(0, i, "0123456789abcdef", "r0") for i in range(samples)]
    t0 = time.perf_counter()
    signed = [ring.sign("r0", m) for m in msgs]
    t1 = time.perf_counter()
    for s in signed:
        ring.verify_uncached(s)
    t2 = time.perf_counter()
    for s in signed:
        ring.verify(s)
    t3 = time.perf_counter()
    return {"sign_us": (t1 - t0) / samples * 1e6, "verify_us": (t2 - t1) / samples * 1e6,
            "cached_verify_us": (t3 - t2) / samples * 1e6}
