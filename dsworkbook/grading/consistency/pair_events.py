"""Exercise ``03-pair-events``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any

from dsworkbook.checkers.formats import parse_jsonl, to_jsonl
from dsworkbook.checkers.workloads import random_history
from dsworkbook.grading.core import attempt, exercise, fail
from dsworkbook.grading.consistency._common import need_callable

SEEDS = tuple(range(300, 340))


def event_stream(seed: int) -> list[dict[str, Any]]:
    """A seeded Jepsen-style event stream: concurrent processes, some fail/info, a few left open at the end."""
    import json

    rng = random.Random(seed)
    h = random_history(seed, ops=rng.randint(4, 14), clients=rng.randint(2, 4), model="cas-register", values=3,
                       unknown=0.25, fail=0.15)
    events = [json.loads(line) for line in to_jsonl(h).splitlines()]
    for ev in events:
        ev.pop("time", None)
    last_of: dict[Any, int] = {}
    for i, ev in enumerate(events):
        last_of[ev["process"]] = i
    finals = sorted(i for i in last_of.values() if events[i]["type"] != "invoke")
    for i in sorted(rng.sample(finals, min(len(finals), rng.randint(0, 2))), reverse=True):
        del events[i]  # these processes never heard back before the history ended
    return events


def reference(events: list[dict[str, Any]]) -> list[tuple[Any, str, Any, Any, str]]:
    """The checkers' own reader, as (process, f, input, output, outcome) in invoke order."""
    import json

    h = parse_jsonl("\n".join(json.dumps(ev) for ev in events))
    return [(op.process, op.f, op.input, op.output, op.outcome) for op in h]


def _normal(rows: Any) -> list[tuple[Any, ...]]:
    def freeze(v: Any) -> Any:
        return tuple(freeze(x) for x in v) if isinstance(v, (list, tuple)) else v
    return [tuple(freeze(x) for x in row) for row in rows]


@exercise("03-pair-events", title="Histories: pair invokes with completions", theme="T03", concepts=("M01",))
def grade_pair_events(pair_events: Any) -> str:
    """A function ``pair_events(events) -> list of (process, f, input, output, outcome)``.

    ``events`` is a Jepsen-style history: dicts with ``process``, ``type`` (``invoke``, ``ok``,
    ``fail`` or ``info``), ``f`` and ``value``, in the order they happened. Each invoke opens an
    operation of its process; that process's next completion closes it. Return one tuple per
    operation, in the order of the invokes: ``input`` is the invoke's value; ``output`` is the
    ``ok`` completion's value, and for ``fail``/``info`` and for an invoke never completed it is
    the invoke's value (Jepsen: an indeterminate completion keeps the invoke's value); ``outcome``
    is ``"ok"``, ``"fail"``, or ``"unknown"`` (``info``, or never completed). Graded on 40 seeded
    streams of 2-4 concurrent processes with fails, infos and operations left open.
    """
    need_callable(pair_events, "function pair_events(events)")
    for seed in SEEDS:
        events = event_stream(seed)
        want = reference(events)
        got = attempt(pair_events, [dict(ev) for ev in events], input=events, case=f"stream seed={seed}")
        try:
            got_rows = _normal(got)
        except TypeError:
            got_rows = got
        if got_rows != _normal(want):
            fail(case=f"the event stream with seed={seed}", input=events, expected=want, got=got,
                 hint=_hint(want, got_rows))
    return f"{len(SEEDS)} event streams (seeds {SEEDS[0]}-{SEEDS[-1]}) paired exactly like the checkers' reader"


def _hint(want: list[tuple[Any, ...]], got: Any) -> str:
    if not isinstance(got, list) or len(got) != len(want):
        return ("one tuple per invoke, including operations still open at the end (outcome 'unknown'); "
                f"expected {len(want)} tuples")
    if sorted(map(repr, want)) == sorted(map(repr, got)):
        return "the right operations, in the wrong order: list them in the order of their invokes"
    for w, g in zip(want, got):
        if w != g and isinstance(g, tuple) and len(g) == 5:
            if w[4] != g[4]:
                return (f"operation {w[:3]}: outcome {w[4]!r}, not {g[4]!r} - info means unknown (it may have "
                        "happened), fail means it did not, and an invoke with no completion is unknown")
            if w[3] != g[3]:
                return (f"operation {w[:3]}: output {w[3]!r}, not {g[3]!r} - an ok completion carries the output; "
                        "otherwise the operation keeps its invoke's value")
            return "pair each completion with the open invoke of the same process"
    return "return tuples (process, f, input, output, outcome) in the order of the invokes"
