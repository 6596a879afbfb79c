"""PBFT's messages, named as in Castro and Liskov, "Practical Byzantine Fault Tolerance" (OSDI 1999).

Theory of operation
-------------------
Every message is a frozen dataclass that names who sent it (``replica`` or ``client``) and is
carried inside :class:`Signed`, which adds a signature over the message's canonical encoding
(:func:`encode`). A receiver verifies the signature with the public key of the sender the
message *names*, so a replica cannot speak for another one (a forgery fails verification) and
no field can change in flight (a tampered message fails too). The paper's §4.1 normal case uses
:class:`Request`, :class:`PrePrepare`, :class:`Prepare`, :class:`Commit` and :class:`Reply`;
§4.3 adds :class:`Checkpoint`; §4.4 :class:`ViewChange` and :class:`NewView`.
:class:`Status` is the retransmission of Castro's thesis: a replica that made no progress for a
while says where it stands, and its peers re-send the signed messages it lacks - their own and
others', which signatures make forwardable. :class:`FetchState` / :class:`StateReply` are the state transfer of Castro's thesis and the
TOCS 2002 paper, reduced to one message each way: a replica behind asks for the state at a
stable checkpoint and accepts it only if its digest matches 2f+1 signed checkpoint messages.

A :class:`PrePrepare` carries the client's signed request (the paper piggybacks it too, §4.2);
the ``digest`` fields are :func:`digest_of` of that request, and a *null request* (``None``,
used by a new primary to fill gaps, §4.4) has the digest :data:`NULL_DIGEST`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

__all__ = ["Request", "PrePrepare", "Prepare", "Commit", "Reply", "Checkpoint", "ViewChange", "NewView",
           "FetchState", "StateReply", "Status", "Signed", "PreparedCert", "NULL_DIGEST", "digest_of", "encode",
           "PBFT_MESSAGES"]


def encode(msg: Any) -> bytes:
    """The canonical bytes a signature covers: the repr of a frozen dataclass of plain values.

    Every field is a str, int, bytes, None or a tuple of those or of other messages, so the
    repr is deterministic across runs and processes.
    """
    return repr(msg).encode()


def digest_of(request: "Request | None") -> str:
    """A request's digest (SHA-256 of its encoding, 16 hex digits); ``None`` is the null request."""
    if request is None:
        return NULL_DIGEST
    return hashlib.sha256(encode(request)).hexdigest()[:16]


NULL_DIGEST = "null"


@dataclass(frozen=True, slots=True)
class Request:
    """<REQUEST, o, t, c>: operation ``op`` of ``client``, ``timestamp`` increasing per client (§4.1)."""

    op: tuple
    timestamp: int
    client: str


@dataclass(frozen=True, slots=True)
class Signed:
    """A message with its sender's signature over :func:`encode` of the message."""

    body: Any
    signature: bytes

    @property
    def signer(self) -> str:
        """Who the message says sent it: the key that must verify it."""
        body = self.body
        return body.client if type(body) is Request else body.replica


@dataclass(frozen=True, slots=True)
class PrePrepare:
    """<PRE-PREPARE, v, n, d> with the request m: the primary assigns sequence number ``seq``."""

    view: int
    seq: int
    digest: str
    request: "Signed | None"
    replica: str


@dataclass(frozen=True, slots=True)
class Prepare:
    """<PREPARE, v, n, d, i>: backup ``replica`` accepted the pre-prepare."""

    view: int
    seq: int
    digest: str
    replica: str


@dataclass(frozen=True, slots=True)
class Commit:
    """<COMMIT, v, n, D(m), i>: ``replica`` is prepared for (v, n, d)."""

    view: int
    seq: int
    digest: str
    replica: str


@dataclass(frozen=True, slots=True)
class Reply:
    """<REPLY, v, t, c, i, r>: the result ``result`` of the client's request with ``timestamp``."""

    view: int
    timestamp: int
    client: str
    replica: str
    result: Any


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """<CHECKPOINT, n, d, i>: ``replica``'s state after executing ``seq`` has digest ``state_digest``."""

    seq: int
    state_digest: str
    replica: str


@dataclass(frozen=True, slots=True)
class PreparedCert:
    """A prepared certificate: a signed pre-prepare and 2f signed matching prepares of distinct backups."""

    pre_prepare: Signed
    prepares: tuple[Signed, ...]


@dataclass(frozen=True, slots=True)
class ViewChange:
    """<VIEW-CHANGE, v+1, n, C, P, i>: the stable checkpoint ``stable_seq`` with its proof C and the
    prepared certificates P for every sequence number above it (§4.4)."""

    new_view: int
    stable_seq: int
    checkpoint_proof: tuple[Signed, ...]
    prepared: tuple[PreparedCert, ...]
    replica: str


@dataclass(frozen=True, slots=True)
class NewView:
    """<NEW-VIEW, v+1, V, O>: 2f+1 view-change messages V and the pre-prepares O they imply (§4.4)."""

    view: int
    view_changes: tuple[Signed, ...]
    pre_prepares: tuple[Signed, ...]
    replica: str


@dataclass(frozen=True, slots=True)
class FetchState:
    """Ask ``to`` for the state at checkpoint ``seq`` (state transfer, Castro's thesis)."""

    seq: int
    replica: str


@dataclass(frozen=True, slots=True)
class StateReply:
    """The state ``snapshot`` at checkpoint ``seq``; checked against a stable checkpoint's digest."""

    seq: int
    snapshot: tuple
    replica: str


@dataclass(frozen=True, slots=True)
class Status:
    """Where ``replica`` stands; peers answer by re-sending the signed messages it lacks (Castro's thesis)."""

    view: int
    active: bool
    last_executed: int
    stable_seq: int
    replica: str


PBFT_MESSAGES = (Status, Request, PrePrepare, Prepare, Commit, Reply, Checkpoint, ViewChange, NewView, FetchState,
                 StateReply)
