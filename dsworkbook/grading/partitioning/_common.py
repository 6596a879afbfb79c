"""Helpers the T11 checks share: rings with hand-placed points, and calls that may raise ValueError."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from dsworkbook.partitioning.ring import HashRing, key_position

#: The circle of the md5 scheme has 2**128 positions; Q is a sixteenth of it.
CIRCLE = 1 << 128
Q = 1 << 124


def placed_ring(points: Mapping[str, list[int]]) -> HashRing:
    """A ring whose nodes sit exactly at ``points`` (node -> positions, in index order).

    Real rings hash their points; a check needs rings that random hashing almost never makes
    (every virtual node of one node side by side, a point exactly on a key's position).
    """
    ring = HashRing(list(points), vnodes=1)
    ring._vpoints = {n: [p % CIRCLE for p in ps] for n, ps in points.items()}
    ring._rebuild()
    return ring


def ring_text(ring: HashRing, limit: int = 24) -> str:
    """The ring as the learner sees it: its points clockwise, with their nodes (small rings whole)."""
    arcs = ring.arcs()
    shown = ", ".join(f"{end:#034x}: {node}" for _, end, node in arcs[:limit])
    more = f", ... ({len(arcs) - limit} more points)" if len(arcs) > limit else ""
    return f"HashRing with points [{shown}{more}]"


def at(key: object) -> int:
    """The position of ``key`` on the md5 circle."""
    return key_position(key)


@dataclass(frozen=True)
class Raised:
    """What a call that raised ValueError (or ConfigError, a ValueError) returned instead."""

    error: str

    def __repr__(self) -> str:
        return f"raised {self.error}"


def calling(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` with a ValueError turned into a :class:`Raised` value (any other error still escapes)."""

    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ValueError as exc:
            return Raised(f"{type(exc).__name__}: {exc}")

    return call
