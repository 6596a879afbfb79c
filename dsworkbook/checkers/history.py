"""Histories as the checkers read them: operations with an invoke, a completion and an outcome.

Theory of operation
-------------------
A client operation is seen from outside only: it was *invoked* at one time and *completed* at a
later one, and in between the system did whatever it did. A checker never sees the inside; it
asks whether some order of the operations, each placed somewhere inside its own interval, would
explain every result (Herlihy & Wing 1990, §2). Each :class:`Operation` therefore records

* ``process`` (who called it), ``f`` (which function), ``key`` (which object, for key-value
  histories), ``input`` and ``output``;
* ``invoke_time`` and ``complete_time``;
* ``outcome``, with Jepsen's three values:

  - ``ok``: it happened, exactly once, somewhere in ``[invoke_time, complete_time]``;
  - ``fail``: it certainly did **not** happen (the server refused it) - checkers drop it;
  - ``unknown``: it may have happened at any time after its invoke - even long after the
    client gave up - or never. Jepsen calls this ``:info``; as there, an indeterminate
    completion keeps the invoke's value. ``complete_time`` then records when the client
    stopped waiting, for drawing only: :attr:`Operation.latest` is infinite.

:class:`History` is an immutable, time-ordered tuple of operations. A sub-history (a
counterexample) keeps the operations' ``index``, so it can be matched to the full history.

Ways in: :func:`from_sim_history` (a :class:`dsworkbook.sim.History` recorded by simulated
clients), :meth:`History.from_rows` (tuples), :func:`parse_timeline` (a small ASCII drawing,
handy for hand-made examples), and Jepsen-style EDN or JSON lines
(:func:`~dsworkbook.checkers.formats.parse_edn`, :func:`~dsworkbook.checkers.formats.parse_jsonl`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Hashable, Iterable, Iterator, Sequence

from dsworkbook.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from dsworkbook.sim.history import History as SimHistory

__all__ = ["Operation", "History", "OUTCOMES", "from_sim_history", "parse_timeline", "freeze", "HistoryParseError",
           "READ_FS", "WRITE_FS"]

OUTCOMES = ("ok", "fail", "unknown")
#: Function names read as "read" and as "write" by the register-like models and the session checks.
READ_FS = frozenset({"read", "r", "get"})
WRITE_FS = frozenset({"write", "w", "put"})


class HistoryParseError(ConfigError):
    """A history file or text that cannot be read; ``line`` is 1-based (0 when not known)."""

    def __init__(self, message: str, *, line: int = 0, source: str = "") -> None:
        where = f"{source + ' ' if source else ''}line {line}: " if line else (f"{source}: " if source else "")
        super().__init__(where + message)
        self.line = line


def freeze(value: Any) -> Any:
    """A hashable copy of ``value``: lists become tuples, sets frozensets, dicts sorted item tuples.

    Checkers memoise model states in sets, so every value a model stores must be hashable.
    """
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return frozenset(freeze(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted(((freeze(k), freeze(v)) for k, v in value.items()), key=repr))
    return value


@dataclass(frozen=True, slots=True)
class Operation:
    """One client operation (see the module docstring for the meaning of each field)."""

    index: int
    process: Hashable
    f: str
    input: Any = None
    output: Any = None
    invoke_time: float = 0.0
    complete_time: float = math.inf
    outcome: str = "ok"
    key: Any = None

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ConfigError(f"op #{self.index}: outcome must be one of {OUTCOMES}, got {self.outcome!r}")
        if not isinstance(self.f, str) or not self.f:
            raise ConfigError(f"op #{self.index}: f must be a function name such as 'read', got {self.f!r}")
        if not self.complete_time >= self.invoke_time:
            raise ConfigError(f"op #{self.index} ({self.f}) completes at t={self.complete_time}, before its invoke at "
                              f"t={self.invoke_time}; swap the times or fix the record")

    @property
    def latest(self) -> float:
        """The latest time it can take effect: its completion if ``ok``, else infinity."""
        return self.complete_time if self.outcome == "ok" else math.inf

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    @property
    def value(self) -> Any:
        """What a reader cares about: a read's output, anything else's input."""
        return self.output if self.f in READ_FS else self.input

    def label(self) -> str:
        """A short label such as ``w 3``, ``r x=1``, ``cas 1>2`` (``?`` unknown, ``!`` failed)."""
        short = {"read": "r", "write": "w", "get": "r", "put": "w"}.get(self.f, self.f)
        if self.f == "cas" and isinstance(self.input, tuple) and len(self.input) == 2:
            body = f"{_show(self.input[0])}>{_show(self.input[1])}"
        elif self.f in READ_FS:
            if self.outcome != "ok":  # nobody saw what it returned: the mark alone says so (r ?, r x= !)
                mark = "?" if self.outcome == "unknown" else "!"
                return f"{short} {self.key}= {mark}" if self.key is not None else f"{short} {mark}"
            body = _show(self.output)
        else:
            body = _show(self.input)
        if self.key is not None:
            body = f"{self.key}={body}"
        mark = {"ok": "", "unknown": " ?", "fail": " !"}[self.outcome]
        return f"{short} {body}{mark}"

    def __str__(self) -> str:
        end = "inf" if self.complete_time == math.inf else f"{self.complete_time:g}"
        return f"#{self.index} {self.process}: {self.label()} [{self.invoke_time:g}, {end}]"


def _show(value: Any) -> str:
    if value is None:
        return "nil"
    if value == "":
        return '""'

    if isinstance(value, frozenset):
        return "{" + ",".join(sorted(map(_show, value))) + "}"
    return str(value)


class History(Sequence[Operation]):
    """An immutable list of operations ordered by invoke time (ties keep their given order)."""

    __slots__ = ("ops", "_by_index")

    def __init__(self, ops: Iterable[Operation] = ()) -> None:
        items = list(ops)
        for op in items:
            if not isinstance(op, Operation):
                raise ConfigError(f"a History holds Operation objects, got {type(op).__name__}: {op!r}; "
                                  "build one with History.from_rows(...) or parse_timeline(...)")
        seen: set[int] = set()
        for op in items:
            if op.index in seen:
                raise ConfigError(f"two operations share index {op.index}; indices identify operations")
            seen.add(op.index)
        items.sort(key=lambda o: o.invoke_time)
        self.ops: tuple[Operation, ...] = tuple(items)
        self._by_index = {op.index: op for op in self.ops}

    # -- building -------------------------------------------------------------------------------

    @classmethod
    def from_rows(cls, rows: Iterable[Sequence[Any]]) -> "History":
        """Rows ``(process, f, input, output, invoke_time, complete_time[, outcome[, key]])``.

        ``outcome`` defaults to ``"ok"``; ``complete_time`` may be None for an operation that
        never completed (then the outcome must be ``unknown``).
        """
        ops = []
        for i, row in enumerate(rows):
            row = tuple(row)
            if not 6 <= len(row) <= 8:
                raise ConfigError(f"row {i}: expected (process, f, input, output, invoke_time, complete_time"
                                  f"[, outcome[, key]]), got {len(row)} fields: {row!r}")
            process, f, inp, out, start, end = row[:6]
            outcome = row[6] if len(row) > 6 else "ok"
            key = row[7] if len(row) > 7 else None
            if end is None:
                if outcome == "ok":
                    raise ConfigError(f"row {i}: an ok operation needs a complete_time")
                end = math.inf
            ops.append(Operation(i, process, str(f), freeze(inp), freeze(out), float(start), float(end), outcome,
                                 freeze(key)))
        return cls(ops)

    # -- reading ----------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.ops)

    def __iter__(self) -> Iterator[Operation]:
        return iter(self.ops)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return History(self.ops[i])
        return self.ops[i]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, History) and self.ops == other.ops

    def __hash__(self) -> int:
        return hash(self.ops)

    def by_index(self, index: int) -> Operation:
        """The operation whose ``index`` is ``index``."""
        try:
            return self._by_index[index]
        except KeyError:
            raise ConfigError(f"no operation with index {index} in this history") from None

    def subset(self, ops: Iterable[Operation | int]) -> "History":
        """The sub-history of the given operations (or indices), keeping their indices."""
        return History(self.by_index(o) if isinstance(o, int) else o for o in ops)

    @property
    def processes(self) -> list[Hashable]:
        """Processes in order of their first operation."""
        return list(dict.fromkeys(op.process for op in self.ops))

    @property
    def keys(self) -> list[Any]:
        """Keys in order of first use (``[None]`` for a single-object history)."""
        return list(dict.fromkeys(op.key for op in self.ops))

    def counts(self) -> dict[str, int]:
        c = {o: 0 for o in OUTCOMES}
        for op in self.ops:
            c[op.outcome] += 1
        return c

    def to_dataframe(self) -> "pd.DataFrame":
        import pandas as pd

        rows = [(op.index, op.process, op.f, op.key, op.input, op.output, op.outcome, op.invoke_time,
                 op.complete_time) for op in self.ops]
        return pd.DataFrame(rows, columns=["index", "process", "f", "key", "input", "output", "outcome",
                                           "invoke_time", "complete_time"])

    def __repr__(self) -> str:
        c = self.counts()
        return (f"History({len(self)} ops, {len(self.processes)} processes: {c['ok']} ok, {c['fail']} fail, "
                f"{c['unknown']} unknown)")

    def describe(self, limit: int = 40) -> str:
        """One line per operation (the first ``limit``), for printing."""
        lines = [str(op) for op in self.ops[:limit]]
        if len(self.ops) > limit:
            lines.append(f"... and {len(self.ops) - limit} more")
        return "\n".join(lines)


def from_sim_history(history: "SimHistory | History | Iterable[Any]") -> History:
    """Convert what simulated clients recorded (:class:`dsworkbook.sim.History`) for the checkers.

    A pending operation (no completion when the run ended) becomes ``unknown``, as does a
    timeout; a checker History passes through unchanged.
    """
    if isinstance(history, History):
        return history
    ops = []
    for op in history:
        for name in ("index", "process", "f", "input", "invoke_time", "outcome", "output", "complete_time"):
            if not hasattr(op, name):
                raise ConfigError(f"from_sim_history needs dsworkbook.sim.History operations; {op!r} has no {name!r}")
        outcome = op.outcome or "unknown"
        end = op.complete_time if op.complete_time is not None else math.inf
        ops.append(Operation(op.index, op.process, op.f, freeze(op.input), freeze(op.output), float(op.invoke_time),
                             float(end), outcome, freeze(getattr(op, "key", None))))
    return History(ops)


# -- the ASCII timeline --------------------------------------------------------------------------------

_LANE = re.compile(r"^\s*([A-Za-z_][\w-]*)\s*[:|]")
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def _value(text: str, where: str) -> Any:
    text = text.strip()
    if text in ("nil", "None", "none", "_"):
        return None
    if _NUMBER.match(text):
        return float(text) if "." in text else int(text)
    if text.startswith("{") and text.endswith("}"):
        inner = text[1:-1].strip()
        return frozenset(_value(t, where) for t in inner.split(",")) if inner else frozenset()
    if re.fullmatch(r"[\w.-]+", text):
        return text
    raise ConfigError(f"{where}: cannot read the value {text!r}; use a number, a word, nil, or {{a,b}} for a set")


def _segment_op(body: str, where: str) -> tuple[str, Any, Any, str, Any]:
    """``"w x=1 ?"`` -> (f, input, output, outcome, key)."""
    words = body.split()
    outcome = "ok"
    if words and words[-1] in ("?", "!"):
        outcome = "unknown" if words.pop() == "?" else "fail"
    if not words:
        raise ConfigError(f"{where}: an empty operation []; write e.g. [w 1], [r 1], [r x=1], [cas 1>2]")
    f = {"r": "read", "w": "write"}.get(words[0], words[0])
    arg = " ".join(words[1:])
    key = None
    if "=" in arg:
        k, _, arg = arg.partition("=")
        key = _value(k, where)
    if f == "cas":
        a, sep, b = arg.partition(">")
        if not sep:
            raise ConfigError(f"{where}: write a compare-and-set as [cas 1>2] (expected 1, new 2), got [{body}]")
        return f, (_value(a, where), _value(b, where)), None, outcome, key
    if f in READ_FS:
        if not arg and outcome == "ok":
            raise ConfigError(f"{where}: a completed read shows what it returned, e.g. [r 1] or [r nil]")
        seen = _value(arg, where) if arg and outcome == "ok" else None  # nobody saw an unknown read's answer
        return f, None, seen, outcome, key
    return f, (_value(arg, where) if arg else None), None, outcome, key


def parse_timeline(text: str) -> History:
    """Read a small history drawn as text, one lane per process; the column is the time.

    ::

        A: [w 1]      [r 2]
        B:    [w 2      ]
        C:          [r 1 ]

    Each ``[...]`` is one operation from its ``[`` to its ``]``: ``w V`` writes, ``r V`` read
    ``V`` (``nil`` is the initial value), ``cas A>B``, or any ``f V`` (``add 3``, ``incr 1``);
    ``k=V`` names a key (``w x=1``, ``r y=nil``). A trailing ``?`` marks an unknown outcome
    (the client timed out), ``!`` a failure. Lanes are named by their first word.
    """
    if not isinstance(text, str):
        raise ConfigError(f"parse_timeline takes the drawing as a str, got {type(text).__name__}")
    events: list[tuple[int, int, str, tuple[str, Any, Any, str, Any], int]] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _LANE.match(line)
        if not m:
            raise HistoryParseError("expected a lane such as 'A: [w 1]   [r 1]' (a name, a colon, then operations)",
                                    line=lineno, source="timeline")
        process, rest_at = m.group(1), m.end()
        rest = line[rest_at:]
        leftovers = _SEGMENT.sub(lambda s: " " * len(s.group(0)), rest)
        if leftovers.strip():
            raise HistoryParseError(f"unexpected text {leftovers.strip()!r} outside [...]; each operation is "
                                    "written [f value] (is a bracket missing?)", line=lineno, source="timeline")
        for seg in _SEGMENT.finditer(rest):
            where = f"timeline line {lineno}"
            events.append((rest_at + seg.start(), rest_at + seg.end() - 1, process,
                           _segment_op(seg.group(1), where), lineno))
    if not events:
        raise ConfigError("the timeline has no operations; draw lanes like 'A: [w 1]   [r 1]'")
    events.sort(key=lambda e: (e[0], e[4]))
    ops = [Operation(i, process, f, inp, out, float(start), float(end), outcome, key)
           for i, (start, end, process, (f, inp, out, outcome, key), _) in enumerate(events)]
    return History(ops)


def reindexed(ops: Iterable[Operation]) -> History:
    """A history of ``ops`` with indices 0..n-1 in invoke order (for generated histories)."""
    ordered = sorted(ops, key=lambda o: o.invoke_time)
    return History(replace(op, index=i) for i, op in enumerate(ordered))
