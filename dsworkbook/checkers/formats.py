"""Jepsen-style history files: EDN (one map per line) and JSON lines, read and written.

Theory of operation
-------------------
Jepsen records a history as a stream of *events*, one map per line::

    {:process 0, :type :invoke, :f :write, :value 3}
    {:process 1, :type :invoke, :f :read, :value nil}
    {:process 0, :type :ok, :f :write, :value 3}
    {:process 1, :type :ok, :f :read, :value 3}

An ``:invoke`` opens an operation of its process; the next ``:ok``, ``:fail`` or ``:info`` of
the same process closes it. ``:info`` means the outcome is unknown and, as in Jepsen, the
operation keeps its invoke's value; so does a ``:fail`` (it did not happen: whatever its
completion carries is an error report, not a result), and an ``:ok`` completion without a
``:value`` (only an ``:ok`` completion's value is the operation's output). A process does one operation at a time (Jepsen gives a
crashed process a new id); an invoke left open at the end is unknown. Events of the
``:nemesis`` process are fault injections, not client operations, and are skipped. ``:key``
names the key of a key-value operation. Times come from ``:time`` when every event has one;
otherwise the line number is the time (only the order of events matters to the checkers).

JSON lines carry the same fields as strings (``{"process": 0, "type": "invoke", "f": "write",
"value": 3}``), or one *operation* per line with the fields of
:class:`~dsworkbook.checkers.history.Operation` (what :func:`to_jsonl` writes with
``events=False``).

The EDN reader is a small recursive-descent parser for the subset histories use: maps,
vectors, lists, sets, keywords, strings, numbers, ``nil``, ``true`` and ``false``. Every error
names the line and says what was expected there.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any, Iterable

from dsworkbook.checkers.history import READ_FS, History, HistoryParseError, Operation, freeze
from dsworkbook.errors import ConfigError

__all__ = ["parse_edn", "parse_jsonl", "read_history", "to_edn", "to_jsonl", "read_edn_value", "edn_value"]

_EXAMPLE = "{:process 0, :type :invoke, :f :write, :value 3}"
_TOKEN = re.compile(r"""\s*(?:(?P<open>\#\{|[{\[(])|(?P<close>[}\])])|(?P<str>"(?:[^"\\]|\\.)*")"""
                    r"""|(?P<atom>[^\s,{}\[\]()"]+))""")
_WS = re.compile(r"[\s,]*")


class _EdnError(ConfigError):
    """Text that is not EDN (parse_edn adds the line number)."""


def read_edn_value(text: str) -> Any:
    """Parse one EDN value (keywords become their name without the colon; vectors and lists tuples)."""
    value, pos = _read(text, _WS.match(text, 0).end())
    pos = _WS.match(text, pos).end()
    if pos != len(text):
        raise _EdnError(f"unexpected {text[pos:pos + 20]!r} after the value")
    return value


def _read(text: str, pos: int) -> tuple[Any, int]:
    m = _TOKEN.match(text, pos)
    if not m or m.end() == pos:
        raise _EdnError("the line ended early" if pos >= len(text.rstrip()) else f"cannot read {text[pos:pos + 20]!r}")
    if m["open"]:
        return _read_collection(text, m.end(), m["open"])
    if m["close"]:
        raise _EdnError(f"unexpected {m['close']!r}")
    if m["str"]:
        try:
            return json.loads(m["str"]), m.end()
        except ValueError:
            raise _EdnError(f"cannot read the string {m['str'][:20]!r} (a bad escape?)") from None
    return _atom(m["atom"]), m.end()


_CLOSERS = {"{": "}", "[": "]", "(": ")", "#{": "}"}


def _read_collection(text: str, pos: int, opener: str) -> tuple[Any, int]:
    items: list[Any] = []
    closer = _CLOSERS[opener]
    while True:
        pos = _WS.match(text, pos).end()
        if pos >= len(text):
            raise _EdnError(f"missing {closer!r} to close {opener!r}")
        if text[pos] in "}])":
            if text[pos] != closer:
                raise _EdnError(f"{text[pos]!r} closes {opener!r}; expected {closer!r}")
            pos += 1
            break
        item, pos = _read(text, pos)
        items.append(item)
    if opener == "{":
        if len(items) % 2:
            raise _EdnError("a map needs an even number of forms (key value key value ...)")
        return {freeze(items[i]): items[i + 1] for i in range(0, len(items), 2)}, pos
    if opener == "#{":
        return frozenset(freeze(i) for i in items), pos
    return tuple(items), pos


def _atom(tok: str) -> Any:
    if tok == "nil":
        return None
    if tok in ("true", "false"):
        return tok == "true"
    if tok.startswith(":"):
        return tok[1:]
    if re.fullmatch(r"[+-]?\d+N?", tok):
        return int(tok.rstrip("N"))
    if re.fullmatch(r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?M?", tok):
        return float(tok.rstrip("M"))
    return tok  # a symbol: keep its name


# -- events -> operations -------------------------------------------------------------------------

_TYPES = {"invoke", "ok", "fail", "info"}


class _Builder:
    """Pairs invokes with their completions, per process."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.open: dict[Any, tuple[int, dict[str, Any], float]] = {}
        self.ops: list[Operation] = []

    def event(self, lineno: int, ev: dict[str, Any], time: float) -> None:
        for field in ("process", "type", "f"):
            if field not in ev:
                raise HistoryParseError(f"missing :{field}; expected a map like {_EXAMPLE}", line=lineno,
                                        source=self.source)
        process, kind, f = ev["process"], ev["type"], ev["f"]
        if process == "nemesis":
            return
        if kind not in _TYPES:
            raise HistoryParseError(f":type must be one of :invoke :ok :fail :info, got {kind!r}", line=lineno,
                                    source=self.source)
        if kind == "invoke":
            if process in self.open:
                first = self.open[process][0]
                raise HistoryParseError(f"process {process!r} invokes :{f} while its operation from line {first} is "
                                        "still open; a process does one operation at a time", line=lineno,
                                        source=self.source)
            self.open[process] = (lineno, ev, time)
            return
        if process not in self.open:
            raise HistoryParseError(f"a :{kind} completion for process {process!r}, which has no open :invoke",
                                    line=lineno, source=self.source)
        first, inv, start = self.open.pop(process)
        if inv["f"] != f:
            raise HistoryParseError(f"process {process!r} completes :{f} but invoked :{inv['f']} on line {first}",
                                    line=lineno, source=self.source)
        self._close(inv, ev, kind, start, time)

    def _close(self, inv: dict[str, Any], ev: dict[str, Any], kind: str, start: float, time: float) -> None:
        outcome = {"ok": "ok", "fail": "fail", "info": "unknown"}[kind]
        value_in = freeze(inv.get("value"))
        # an ok completion carries the output (none given: the invoke's value); a fail or info keeps
        # the invoke's value whatever the completion carries - it reports an error, not a result
        out = freeze(ev.get("value", inv.get("value"))) if kind == "ok" else value_in
        self.ops.append(Operation(len(self.ops), inv["process"], str(inv["f"]), value_in, out, start, time,
                                  outcome, freeze(inv.get("key", ev.get("key")))))

    def finish(self) -> History:
        for process, (lineno, inv, start) in self.open.items():
            value_in = freeze(inv.get("value"))
            self.ops.append(Operation(len(self.ops), process, str(inv["f"]), value_in, value_in, start, math.inf,
                                      "unknown", freeze(inv.get("key"))))
        if not self.ops:
            raise HistoryParseError(f"no operations found; expected one map per line like {_EXAMPLE}",
                                    source=self.source)
        ordered = sorted(self.ops, key=lambda o: (o.invoke_time, o.index))
        return History(Operation(i, o.process, o.f, o.input, o.output, o.invoke_time, o.complete_time, o.outcome,
                                 o.key) for i, o in enumerate(ordered))


def _lines(text: str) -> list[tuple[int, str]]:
    return [(i, line.strip()) for i, line in enumerate(text.splitlines(), start=1)
            if line.strip() and not line.strip().startswith(";")]


def _times(events: list[tuple[int, dict[str, Any]]]) -> list[float]:
    if events and all(isinstance(ev.get("time"), (int, float)) and not isinstance(ev.get("time"), bool)
                      for _, ev in events):
        return [float(ev["time"]) for _, ev in events]
    return [float(lineno) for lineno, _ in events]


def _build(events: list[tuple[int, dict[str, Any]]], source: str) -> History:
    builder = _Builder(source)
    for (lineno, ev), time in zip(events, _times(events)):
        builder.event(lineno, ev, time)
    return builder.finish()


def parse_edn(text: str, *, source: str = "") -> History:
    """Read a Jepsen-style EDN history (one event map per line; see the module docstring)."""
    events = []
    for lineno, line in _lines(text):
        try:
            value = read_edn_value(line)
        except _EdnError as exc:
            raise HistoryParseError(f"{exc}; expected a map like {_EXAMPLE}", line=lineno, source=source) from None
        if not isinstance(value, dict):
            raise HistoryParseError(f"expected a map like {_EXAMPLE}, got {line[:40]!r}", line=lineno, source=source)
        events.append((lineno, {str(k): v for k, v in value.items()}))
    return _build(events, source)


_OP_FIELDS = ("process", "f", "invoke_time", "outcome")


def parse_jsonl(text: str, *, source: str = "") -> History:
    """Read JSON lines: Jepsen-style events (with ``"type"``) or one operation per line."""
    events, ops = [], []
    for lineno, line in _lines(text):
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise HistoryParseError(f"not JSON ({exc.msg} at column {exc.colno}); expected an object like "
                                    '{"process": 0, "type": "invoke", "f": "write", "value": 3}', line=lineno,
                                    source=source) from None
        if not isinstance(value, dict):
            raise HistoryParseError(f"expected a JSON object, got {type(value).__name__}", line=lineno, source=source)
        if "type" in value:
            events.append((lineno, value))
        else:
            ops.append(_op_record(lineno, value, source))
    if events and ops:
        raise HistoryParseError("mixes event lines (with \"type\") and operation lines; use one form", source=source)
    return _build(events, source) if events else History(ops)


def _op_record(lineno: int, rec: dict[str, Any], source: str) -> Operation:
    missing = [f for f in _OP_FIELDS if f not in rec]
    if missing:
        raise HistoryParseError(f"an operation line needs {list(_OP_FIELDS)} (or a \"type\" for an event line); "
                                f"missing {missing}", line=lineno, source=source)
    end = rec.get("complete_time")
    try:
        return Operation(int(rec.get("index", lineno - 1)), freeze(rec["process"]), str(rec["f"]),
                         freeze(rec.get("input")), freeze(rec.get("output")), float(rec["invoke_time"]),
                         math.inf if end is None else float(end), str(rec["outcome"]), freeze(rec.get("key")))
    except (ConfigError, TypeError, ValueError) as exc:
        raise HistoryParseError(str(exc), line=lineno, source=source) from None


def read_history(path: str | Path, fmt: str = "auto") -> History:
    """Read a history file: ``fmt`` is ``edn``, ``jsonl`` or ``auto`` (by the first non-blank character)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise HistoryParseError(f"cannot read the file: {exc}", source=str(p)) from None
    if fmt == "auto":
        first = next((line.strip() for line in text.splitlines() if line.strip()), "")
        fmt = "jsonl" if first.startswith("{\"") or p.suffix in (".json", ".jsonl") else "edn"
    if fmt == "edn":
        return parse_edn(text, source=str(p))
    if fmt == "jsonl":
        return parse_jsonl(text, source=str(p))
    raise ConfigError(f"format must be 'edn', 'jsonl' or 'auto', got {fmt!r}")


# -- writing ---------------------------------------------------------------------------------------

def edn_value(value: Any) -> str:
    """One value as EDN text: nil, true/false, numbers, vectors (tuples, lists), sets, else a string."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (tuple, list)):
        return "[" + " ".join(edn_value(v) for v in value) + "]"
    if isinstance(value, frozenset):
        return "#{" + " ".join(sorted(edn_value(v) for v in value)) + "}"
    return json.dumps(str(value))


def _events(history: Iterable[Operation]) -> list[tuple[float, int, Operation, str]]:
    out = []
    for op in history:
        out.append((op.invoke_time, 0, op, "invoke"))
        if op.complete_time != math.inf:
            out.append((op.complete_time, 1, op, {"ok": "ok", "fail": "fail", "unknown": "info"}[op.outcome]))
    out.sort(key=lambda e: (e[0], e[1], e[2].index))
    return out


def _event_value(op: Operation, kind: str) -> Any:
    """Jepsen's convention: a read's completion carries what it read; anything else keeps its input."""
    if kind == "ok" and op.f in READ_FS:
        return op.output
    if kind == "ok" and op.output is False:
        return False  # a compare-and-set that found another value
    return op.input


def to_edn(history: Iterable[Operation]) -> str:
    """The history as Jepsen EDN events, one map per line (keywords for :f and :type)."""
    lines = []
    for time, _, op, kind in _events(history):
        value = _event_value(op, kind)
        key = f", :key {edn_value(op.key)}" if op.key is not None else ""
        process = op.process if isinstance(op.process, int) else edn_value(op.process)
        lines.append(f"{{:process {process}, :type :{kind}, :f :{op.f}{key}, :value {edn_value(value)}, :time {time!r}}}")
    return "\n".join(lines) + "\n"


def to_jsonl(history: Iterable[Operation], *, events: bool = True) -> str:
    """JSON lines: Jepsen-style events, or (``events=False``) one operation per line."""
    lines = []
    if events:
        for time, _, op, kind in _events(history):
            value = _event_value(op, kind)
            rec = {"process": op.process, "type": kind, "f": op.f, "value": value, "time": time}
            if op.key is not None:
                rec["key"] = op.key
            lines.append(json.dumps(rec, default=_json_default))
    else:
        for op in history:
            rec = {"index": op.index, "process": op.process, "f": op.f, "input": op.input, "output": op.output,
                   "invoke_time": op.invoke_time,
                   "complete_time": None if op.complete_time == math.inf else op.complete_time,
                   "outcome": op.outcome, "key": op.key}
            lines.append(json.dumps(rec, default=_json_default))
    return "\n".join(lines) + "\n"


def _json_default(value: Any) -> Any:
    if isinstance(value, frozenset):
        return sorted(value, key=repr)
    raise TypeError(f"cannot write {value!r} as JSON")
