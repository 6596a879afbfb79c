"""Histories: what clients asked for and what they were told, with times.

A history is the input of every consistency checker. Each operation has an *invoke* (process,
function, input, time) and, later, a *completion* with one of three outcomes, following
Jepsen:

* ``ok``      - it happened, and ``output`` is what it returned;
* ``fail``    - it certainly did **not** happen (the server refused it);
* ``unknown`` - it may or may not have happened, at any time after its invoke, including
  never. A timeout is ``unknown``, never ``fail``: the request may have been applied and only
  the reply lost. Treating a timeout as a failure is one of the classic mistakes.

An operation that has no completion when the run ends is also ``unknown``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator

from dsworkbook.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Op", "History", "OUTCOMES"]

OUTCOMES = ("ok", "fail", "unknown")


@dataclass
class Op:
    """One client operation. ``complete_time`` is None while it is pending."""

    index: int
    process: str
    f: str
    input: Any
    invoke_time: float
    key: Any = None
    outcome: str | None = None
    output: Any = None
    complete_time: float | None = None
    meta: dict = field(default_factory=dict)

    @property
    def pending(self) -> bool:
        return self.outcome is None


class History:
    """An ordered list of operations, appended to as clients invoke and complete them."""

    def __init__(self) -> None:
        self.ops: list[Op] = []
        # The last op of each process: the only one of its ops that can still be pending, since a
        # process does one operation at a time. Keeps invoke() O(1) on long histories.
        self._last: dict[str, Op] = {}

    def invoke(self, process: str, f: str, input: Any, time: float, *, key: Any = None) -> Op:
        if self.ops and time < self.ops[-1].invoke_time:
            raise ConfigError(
                f"invoke at t={time} is earlier than the previous invoke at t={self.ops[-1].invoke_time}; "
                "a history must be recorded in time order"
            )
        last = self._last.get(process)
        if last is not None and last.pending:
            raise ConfigError(
                f"process {process!r} invoked {f!r} while its op #{last.index} ({last.f}) is still pending; "
                "a process does one operation at a time (use another process id for concurrency)"
            )
        op = Op(len(self.ops), process, f, input, time, key=key)
        self.ops.append(op)
        self._last[process] = op
        return op

    def complete(self, op: Op, outcome: str, output: Any, time: float) -> Op:
        if outcome not in OUTCOMES:
            raise ConfigError(f"outcome must be one of {OUTCOMES}, got {outcome!r}")
        if not op.pending:
            raise ConfigError(f"op #{op.index} ({op.f}) already completed with {op.outcome!r}")
        if time < op.invoke_time:
            raise ConfigError(f"op #{op.index} cannot complete at t={time}, before its invoke at t={op.invoke_time}")
        op.outcome, op.complete_time = outcome, time
        # Jepsen: an indeterminate completion keeps the invoke's value.
        op.output = op.input if outcome == "unknown" and output is None else output
        return op

    def __len__(self) -> int:
        return len(self.ops)

    def __iter__(self) -> Iterator[Op]:
        return iter(self.ops)

    def __getitem__(self, i: int) -> Op:
        return self.ops[i]

    def counts(self) -> dict[str, int]:
        """How many operations ended ok / fail / unknown (pending counts as unknown)."""
        c = {o: 0 for o in OUTCOMES}
        for op in self.ops:
            c[op.outcome or "unknown"] += 1
        return c

    def to_dataframe(self) -> "pd.DataFrame":
        import pandas as pd

        rows = [
            (op.index, op.process, op.f, op.key, op.input, op.outcome or "unknown", op.output,
             op.invoke_time, op.complete_time)
            for op in self.ops
        ]
        return pd.DataFrame(rows, columns=["index", "process", "f", "key", "input", "outcome", "output",
                                           "invoke_time", "complete_time"])
