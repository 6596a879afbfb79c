"""What the T08 checks share: one keyring for the hand-made logs, and a readable form of signed messages."""

from __future__ import annotations

import functools
from dataclasses import fields
from typing import Any

from dsworkbook.consensus.pbft.crypto import Keyring
from dsworkbook.consensus.pbft.messages import Signed

#: the replicas r0 ... r99 and the clients c1 ... c5 the checks sign for
PRINCIPALS = tuple(f"r{i}" for i in range(100)) + tuple(f"c{i}" for i in range(1, 6))


@functools.lru_cache(maxsize=1)
def keyring() -> Keyring:
    """The keyring every T08 check signs its messages with (seed 8)."""
    return Keyring(8, PRINCIPALS)


def forge(keys: Keyring, signer: str, body: Any) -> Signed:
    """``body`` signed with ``signer``'s key while it names another sender: it fails verification."""
    return keys.sign(signer, body)


def tamper(signed: Signed, body: Any) -> Signed:
    """``signed``'s signature on another body: it fails verification."""
    return Signed(body, signed.signature)


def show(signed: Any, keys: Keyring) -> str:
    """One message as a line: its type and fields, and whether its signature verifies."""
    if type(signed) is not Signed:
        return repr(signed)
    body = signed.body
    text = f"{type(body).__name__}(" + ", ".join(f"{f.name}={getattr(body, f.name)!r}" for f in fields(body)
                                                 if f.name != "request") + ")"
    return text + ("" if keys.verify(signed) else "  <- signature does not verify")


def show_all(messages: Any, keys: Keyring) -> str:
    """A list of messages, one per line, numbered in order."""
    return "\n".join(f"{i:>3}. {show(m, keys)}" for i, m in enumerate(messages)) or "(empty)"
