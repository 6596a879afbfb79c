"""Exercise ``03-pair-events``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import copy
import random
from typing import Any

from dsworkbook.checkers.history import freeze
from dsworkbook.grading.consistency._common import need_callable
from dsworkbook.grading.core import attempt, exercise, fail, random_cases

RANDOM_SEED, RANDOM_COUNT = 300, 120
OUTCOME = {"ok": "ok", "fail": "fail", "info": "unknown"}
_VALUES = (0, 1, 2, 3, None)


def reference(events: list[dict[str, Any]]) -> list[tuple[Any, str, Any, Any, str]]:
    """The rule the statement gives, written out: one row per invoke, in invoke order."""
    rows: list[list[Any]] = []
    open_of: dict[Any, int] = {}
    for ev in events:
        if ev["type"] == "invoke":
            value = freeze(ev.get("value"))
            open_of[ev["process"]] = len(rows)
            rows.append([ev["process"], ev["f"], value, value, "unknown"])
            continue
        row = rows[open_of.pop(ev["process"])]
        row[4] = OUTCOME[ev["type"]]
        if ev["type"] == "ok" and "value" in ev:
            row[3] = freeze(ev["value"])  # only an ok completion's value is the output
    return [tuple(r) for r in rows]


def event_stream(seed: int, *, processes: int | None = None, ops: int | None = None) -> list[dict[str, Any]]:
    """A seeded Jepsen-style event stream over the whole domain the statement allows.

    Interleaved processes (2 to 12, named by ints or by strings such as ``"n9"`` and ``"n10"``),
    reads, writes and compare-and-sets (values as lists, as JSON has them), the same value
    written by several processes, ``ok``/``fail``/``info`` completions - a ``fail`` often
    carrying an error instead of a value, completions with no ``value`` key - and operations
    still open when the stream ends.
    """
    rng = random.Random(seed)
    n = processes or rng.choice((2, 3, 4, 5, 8, 12))
    procs: list[Any] = list(range(n)) if rng.random() < 0.5 else [f"n{i}" for i in range(1, n + 1)]
    total = ops if ops is not None else rng.randint(3, 28)
    events: list[dict[str, Any]] = []
    open_ops: dict[Any, dict[str, Any]] = {}
    invoked = 0
    while invoked < total:
        p = rng.choice(procs)
        if p in open_ops:
            events.append(_completion(rng, open_ops.pop(p)))
            continue
        f = rng.choice(("read", "write", "write", "cas"))
        value = None if f == "read" else rng.choice(_VALUES[:4]) if f == "write" else \
            [rng.choice(_VALUES[:4]), rng.choice(_VALUES[:4])]
        ev = {"process": p, "type": "invoke", "f": f, "value": value}
        events.append(ev)
        open_ops[p] = ev
        invoked += 1
    for p in list(open_ops):
        if rng.random() < 0.6:
            events.append(_completion(rng, open_ops.pop(p)))  # the rest never heard back
    return events


def _completion(rng: random.Random, inv: dict[str, Any]) -> dict[str, Any]:
    kind = rng.choices(("ok", "fail", "info"), (0.6, 0.2, 0.2))[0]
    ev: dict[str, Any] = {"process": inv["process"], "type": kind, "f": inv["f"]}
    r = rng.random()
    if kind == "ok":
        if inv["f"] == "read":
            ev["value"] = rng.choice(_VALUES)
        elif inv["f"] == "cas" and r < 0.3:
            ev["value"] = False  # the register held another value
        elif r < 0.75:
            ev["value"] = copy.deepcopy(inv["value"])
        # else: an ok completion that carries no value
    elif r < 0.4:
        ev["value"] = rng.choice(("timeout", "refused", None, -1))  # an error report, not a result
    elif r < 0.7:
        ev["value"] = copy.deepcopy(inv["value"])
    return ev


def _ev(process: Any, kind: str, f: str, *value: Any) -> dict[str, Any]:
    ev = {"process": process, "type": kind, "f": f}
    if value:
        ev["value"] = value[0]
    return ev


#: Hand-made streams, each aimed at one rule of the statement.
HAND: list[tuple[str, list[dict[str, Any]], str]] = [
    ("a failed write whose completion reports an error",
     [_ev(0, "invoke", "write", 4), _ev(0, "fail", "write", "refused")],
     "a fail completion's value is an error report: the output of a failed operation is its invoke's value"),
    ("an ok write whose completion carries no value",
     [_ev(1, "invoke", "write", 2), _ev(1, "ok", "write")],
     "an ok completion without a value leaves the invoke's value as the output"),
    ("a timed-out read with no value",
     [_ev(0, "invoke", "read", None), _ev(0, "info", "read")],
     "info means the outcome is unknown - not a failure - and the output stays the invoke's value"),
    ("two processes write the same value; the later invoke completes first",
     [_ev("n1", "invoke", "write", 3), _ev("n2", "invoke", "write", 3), _ev("n2", "ok", "write", 3),
      _ev("n1", "info", "write", 3)],
     "pair a completion with the open invoke of the same process, not with one that has the same value"),
    ("processes n9 and n10; n10 invokes first",
     [_ev("n10", "invoke", "read", None), _ev("n9", "invoke", "write", 1), _ev("n9", "ok", "write", 1),
      _ev("n10", "ok", "read", 1)],
     "list the operations in the order of their invokes"),
    ("an invoke that never completes",
     [_ev(0, "invoke", "write", 1), _ev(1, "invoke", "read", None), _ev(1, "ok", "read", 1)],
     "an invoke with no completion before the end is still an operation: outcome 'unknown'"),
    ("one process, three operations in a row",
     [_ev(0, "invoke", "write", 1), _ev(0, "ok", "write", 1), _ev(0, "invoke", "read", None),
      _ev(0, "fail", "read"), _ev(0, "invoke", "read", None), _ev(0, "ok", "read", 1)],
     "a process's next completion closes its open operation; the process then invokes again"),
    ("a compare-and-set that found another value",
     [_ev(2, "invoke", "cas", [1, 2]), _ev(2, "ok", "cas", False)],
     "an ok completion's value is the output, whatever it is (here False)"),
    ("an empty history", [], "no events, no operations: return []"),
]


def _normal(rows: Any) -> Any:
    try:
        return [tuple(freeze(x) for x in row) for row in rows]
    except TypeError:
        return rows


def _compare(pair_events: Any, events: list[dict[str, Any]], case: str, hint: str = "") -> None:
    want = reference(events)
    got = attempt(pair_events, copy.deepcopy(events), input=events, case=case)
    got_rows = _normal(got)
    if not isinstance(got, (list, tuple)) or got_rows != want:
        fail(case=case, input=events, expected=want, got=got, hint=hint or _hint(want, got_rows))


@exercise("03-pair-events", title="Histories: pair invokes with completions", theme="T03", concepts=("M01",),
          reference="dsworkbook.checkers.formats._Builder")
def grade_pair_events(pair_events: Any) -> str:
    """A function ``pair_events(events) -> list of (process, f, input, output, outcome)``.

    ``events`` is a Jepsen-style history: dicts with ``process``, ``type`` (``invoke``, ``ok``,
    ``fail`` or ``info``), ``f`` and usually ``value``, in the order they happened. Each invoke
    opens an operation of its process; that process's next completion closes it. One tuple per
    operation, in the order of the invokes: ``input`` is the invoke's value; ``output`` is the
    ``ok`` completion's value (an ``ok`` completion without a ``value`` leaves the invoke's);
    a ``fail`` or ``info`` completion's value is ignored - the output stays the invoke's value,
    as for an invoke never completed; ``outcome`` is ``"ok"``, ``"fail"``, or ``"unknown"``
    (``info``, or never completed). Graded on hand-made streams, 120 seeded random streams
    (2-12 processes, equal values written twice, errors in ``fail`` completions, completions
    without a value, operations left open) and two long streams (1,000 and 2,000 operations).
    """
    need_callable(pair_events, "function pair_events(events)")
    for case, events, hint in HAND:
        _compare(pair_events, events, case, hint)
    for case, seed in random_cases(RANDOM_SEED, RANDOM_COUNT, lambda rng: rng.randrange(10**6)):
        _compare(pair_events, event_stream(seed), case)
    for n, procs in ((1000, 12), (2000, 40)):
        _compare(pair_events, event_stream(n, processes=procs, ops=n), f"a long stream: {n} operations, "
                 f"{procs} processes")
    return (f"{len(HAND)} hand-made streams, {RANDOM_COUNT} random ones (seed {RANDOM_SEED}) and two long ones "
            "paired exactly as the statement says")


def _hint(want: list[tuple[Any, ...]], got: Any) -> str:
    if not isinstance(got, list) or len(got) != len(want):
        return ("one tuple per invoke, including operations still open at the end (outcome 'unknown'); "
                f"expected {len(want)} tuples")
    if sorted(map(repr, want)) == sorted(map(repr, got)):
        return "the right operations, in the wrong order: list them in the order of their invokes"
    for w, g in zip(want, got):
        if w != g and isinstance(g, tuple) and len(g) == 5:
            if w[:3] != g[:3]:
                return "pair each completion with the open invoke of the same process"
            if w[4] != g[4]:
                return (f"operation {w[:3]}: outcome {w[4]!r}, not {g[4]!r} - info means unknown (it may have "
                        "happened), fail means it did not, and an invoke with no completion is unknown")
            return (f"operation {w[:3]} ({w[4]}): output {w[3]!r}, not {g[3]!r} - only an ok completion's value is "
                    "the output; a fail or info completion, an ok one without a value, and a missing completion "
                    "leave the invoke's value")
    return "return tuples (process, f, input, output, outcome) in the order of the invokes"
