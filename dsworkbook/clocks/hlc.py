"""Hybrid logical clocks: physical time when it is good enough, logic when it is not (concept C05).

Theory of operation
-------------------
Kulkarni, Demirbas, Madeppa, Avva and Leone, "Logical Physical Clocks" (OPODIS 2014), combine a
node's physical clock ``pt`` with a Lamport-style counter. A timestamp is ``(l, c)``:

* ``l`` is the largest physical time the node has *heard of* (its own, or one carried by a
  message), so ``l >= pt`` always, and ``l - pt`` is at most the clock skew ``eps`` between
  nodes (§3, Theorem 2): the timestamp stays close to wall-clock time and fits in the same
  64 bits as one (CockroachDB, YugabyteDB and MongoDB use it);
* ``c`` counts events that share the same ``l``, like a Lamport clock, so that
  ``a -> b  =>  (l, c)(a) < (l, c)(b)`` in lexicographic order, whatever the clocks do.

The update rules (Figure 5 of the paper), with ``l', c'`` the node's previous values:

======================  ==============================================================
send or local event     ``l = max(l', pt)``;  ``c = c' + 1`` if ``l == l'`` else ``0``
receive m = (lm, cm)    ``l = max(l', lm, pt)``; ``c`` =
                        ``max(c', cm) + 1`` if ``l == l' == lm``,
                        ``c' + 1`` if only ``l == l'``, ``cm + 1`` if only ``l == lm``,
                        else ``0``
======================  ==============================================================

:func:`hlc_update` is the whole algorithm; :class:`HybridClock` wraps it for one node. What
the paper proves - ``l`` is monotonic, ``l - pt <= eps``, and happens-before implies a smaller
timestamp - is measured on simulated runs by :func:`hlc_experiment` (and
:meth:`dsworkbook.clocks.run.ClockRun.hlc_check`). A clock stepped *backwards* keeps ``l``
monotonic but can no longer keep ``l - pt`` small until its clock catches up: the bound
assumes clocks that never go back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dsworkbook.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    from dsworkbook.clocks.run import ClockRun

__all__ = ["HybridTimestamp", "HybridClock", "hlc_update", "hlc_experiment"]


@dataclass(frozen=True, order=True, slots=True)
class HybridTimestamp:
    """``(l, c)``, compared lexicographically: ``l`` physical-ish time in ms, ``c`` a counter."""

    l: float  # noqa: E741 - the paper's name
    c: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.l, bool) or not isinstance(self.l, (int, float)) or not math.isfinite(self.l):
            raise ConfigError(f"a hybrid timestamp's l must be a finite time in ms, got {self.l!r}")
        if isinstance(self.c, bool) or not isinstance(self.c, int) or self.c < 0:
            raise ConfigError(f"a hybrid timestamp's c must be an int >= 0, got {self.c!r}")

    def __str__(self) -> str:
        return f"({self.l:g}, {self.c})"


def _as_hybrid(value: Any, name: str) -> HybridTimestamp:
    if isinstance(value, HybridTimestamp):
        return value
    if isinstance(value, tuple) and len(value) == 2:
        return HybridTimestamp(*value)
    raise ConfigError(f"{name} must be a HybridTimestamp or an (l, c) pair, got {value!r}")


def _physical(pt: Any) -> float:
    if isinstance(pt, bool) or not isinstance(pt, (int, float)) or not math.isfinite(pt):
        raise ConfigError(f"pt (the node's physical clock) must be a finite time in ms, got {pt!r}")
    return pt


def hlc_update(state: HybridTimestamp | tuple[float, int], pt: float,
               msg: HybridTimestamp | tuple[float, int] | None = None) -> HybridTimestamp:
    """The next timestamp of a node at ``state`` whose physical clock reads ``pt``.

    ``msg`` is None for a send or local event, else the timestamp the received message carried
    (Kulkarni et al. 2014, Figure 5).
    """
    old, pt = _as_hybrid(state, "state"), _physical(pt)
    if msg is None:
        l = max(old.l, pt)  # noqa: E741
        return HybridTimestamp(l, old.c + 1 if l == old.l else 0)
    m = _as_hybrid(msg, "msg")
    l = max(old.l, m.l, pt)  # noqa: E741
    if l == old.l and l == m.l:
        c = max(old.c, m.c) + 1
    elif l == old.l:
        c = old.c + 1
    elif l == m.l:
        c = m.c + 1
    else:
        c = 0
    return HybridTimestamp(l, c)


class HybridClock:
    """The hybrid logical clock of one node. Pass the node's physical clock reading ``pt`` each time."""

    __slots__ = ("node", "time")

    def __init__(self, node: str, time: HybridTimestamp | tuple[float, int] = HybridTimestamp(0.0, 0)) -> None:
        if not isinstance(node, str) or not node:
            raise ConfigError(f"a node id must be a non-empty string, got {node!r}")
        self.node = node
        self.time = _as_hybrid(time, "time")

    def tick(self, pt: float) -> HybridTimestamp:
        """A local event at physical time ``pt``."""
        self.time = hlc_update(self.time, pt)
        return self.time

    def send(self, pt: float) -> HybridTimestamp:
        """A send at physical time ``pt``: returns the timestamp the message carries."""
        return self.tick(pt)

    def receive(self, pt: float, msg: HybridTimestamp | tuple[float, int]) -> HybridTimestamp:
        """A receive at physical time ``pt`` of a message stamped ``msg``."""
        self.time = hlc_update(self.time, pt, msg)
        return self.time

    def __repr__(self) -> str:
        return f"HybridClock({self.node!r}, time={self.time})"


def hlc_experiment(seed: int, *, skew: float = 20.0, drift: float = 0.0, jump: float = 0.0,
                   **kwargs: Any) -> "ClockRun":
    """A :func:`~dsworkbook.clocks.run.clock_run` whose nodes' clocks are offset by up to ``skew`` ms.

    ``drift`` (each node drifts by a random rate within ``±drift``) and ``jump`` (one node's
    clock steps by ``jump`` ms half way through) break the clocks further. Read the outcome
    with ``run.hlc_check()``.
    """
    from dsworkbook.clocks.run import clock_run

    return clock_run(seed, skew=skew, drift=drift, jump=jump, **kwargs)
