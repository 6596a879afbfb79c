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

Shrinking a counterexample found by a search costs more than the verdict itself (every trial
is another search), and many callers only read ``ok``. So a search failure's evidence -
``counterexample``, ``reason`` and ``stuck`` - is *deferred*: the result carries the verdict at
once and shrinks the first time one of the three is read (within the check's ``shrink_time``;
``stats["shrink seconds"]`` then records how long it took).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Hashable

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

    # -- deferred evidence -------------------------------------------------------------------------

    def _defer(self, fill: "Callable[[LinearizabilityResult], None]") -> None:
        """Let ``fill(self)`` set counterexample, reason and stuck when one of them is first read."""
        self.__dict__["_pending"] = fill

    @property
    def evidence_pending(self) -> bool:
        """True while the counterexample has not been shrunk yet (reading it shrinks it)."""
        return "_pending" in self.__dict__

    def _settle(self) -> None:
        fill = self.__dict__.pop("_pending", None)
        if fill is not None:
            fill(self)

    def __getstate__(self) -> dict[str, Any]:
        self._settle()
        return dict(self.__dict__)

    def __repr__(self) -> str:
        if self.evidence_pending:
            return f"{type(self).__name__}({self.verdict!r}, method={self.method!r}, counterexample not shrunk yet)"
        return super().__repr__()


class _Deferred:
    """A field of :class:`LinearizabilityResult` that a deferred ``fill`` may set on first read."""

    def __init__(self, name: str) -> None:
        self.slot = f"_{name}"

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        if obj is None:
            return self
        if "_pending" in obj.__dict__:
            obj._settle()
        return obj.__dict__[self.slot]

    def __set__(self, obj: Any, value: Any) -> None:
        obj.__dict__[self.slot] = value


# set after the dataclass is built, so its __init__ stores these fields through the descriptors
for _name in ("counterexample", "reason", "stuck"):
    setattr(LinearizabilityResult, _name, _Deferred(_name))
