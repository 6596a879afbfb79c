"""What a consistency check returns: a verdict, and the evidence for it.

Theory of operation
-------------------
A checker's answer is only as useful as its evidence, so every check returns a
:class:`CheckResult` with

* ``ok``: True (the history satisfies the model), False (it does not) or None (the check ran out
  of time or memory, or the model's check does not apply to this history - ``verdict`` then says
  ``unknown`` and ``reason`` says why);
* a **witness** when ok - for linearizability and sequential consistency an order of the
  operations that is legal (the caller can replay it), for the other models what the check
  built (a causal order, a version order per key);
* a **counterexample** when not ok - the smallest violating sub-history found (a list of
  operations; draw it with :func:`dsworkbook.viz.timeline`), with ``reason`` saying in one
  sentence why no order works.

:class:`LinearizabilityResult` adds the linearization points, the per-key verdicts, and the
point where the search got stuck.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Hashable

from dsworkbook.checkers.history import History, Operation

__all__ = ["CheckResult", "LinearizabilityResult"]


@dataclass(repr=False)
class CheckResult:
    """The verdict of one consistency check (see the module docstring)."""

    level: str
    ok: bool | None
    witness: Any = None
    counterexample: list[Operation] | None = None
    reason: str = ""
    method: str = ""
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        if self.ok is None:
            return "unknown"
        return self.level if self.ok else f"not {self.level}"

    @property
    def violation(self) -> list[Operation] | None:
        """Another name for :attr:`counterexample`."""
        return self.counterexample

    def explain(self) -> str:
        """A short text: the verdict, how it was reached, and the evidence in a few lines."""
        head = f"{self.verdict}" + (f" ({self.method})" if self.method else "")
        lines = [head]
        if self.reason:
            lines.append(self.reason)
        if self.counterexample:
            lines.append(f"smallest violating sub-history found ({len(self.counterexample)} ops):")
            lines += [f"  {op}" for op in sorted(self.counterexample, key=lambda o: o.invoke_time)]
        return "\n".join(lines)

    def __bool__(self) -> bool:
        return bool(self.ok)

    def __repr__(self) -> str:
        extra = f", counterexample={len(self.counterexample)} ops" if self.counterexample else ""
        return f"{type(self).__name__}({self.verdict!r}, method={self.method!r}{extra})"


@dataclass(repr=False)
class LinearizabilityResult(CheckResult):
    """A linearizability verdict; ``witness`` is a linearization (a list of operations).

    ``points[i]`` is a time inside ``witness[i]``'s interval at which it can take effect
    (non-decreasing); ``parts`` maps each key to its own verdict (``None`` for a single
    object); ``stuck`` is the operation whose completion no order could get past, and
    ``history`` is the history that was checked.
    """

    level: str = "linearizable"
    ok: bool | None = None
    points: list[float] | None = None
    parts: dict[Hashable, str] = field(default_factory=dict)
    stuck: Operation | None = None
    history: History | None = None

    def explain(self) -> str:
        text = super().explain()
        if self.ok and self.witness:
            shown = " -> ".join(op.label() for op in self.witness[:12])
            more = f" -> ... ({len(self.witness)} ops)" if len(self.witness) > 12 else ""
            text += f"\nwitness (a legal order): {shown}{more}"
        return text
