"""Exercise ``04-predict-concurrent``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

from typing import Any

from dsworkbook.clocks.diagram import PUZZLE_PAIRS, PUZZLE_WHY_PAIR, SpaceTimeDiagram, puzzle_diagram
from dsworkbook.grading.core import exercise, fail, need_choice

CHOICES = ("before", "after", "concurrent")

#: The reasons offered for the pair PUZZLE_WHY_PAIR = (x, y): (the relation it claims, the reason it gives).
WHY_OPTIONS = {
    "a": ("before", "lamport"),      # x before y, because x's Lamport time is smaller
    "b": ("before", "message"),      # x before y, because x sends a message to y's process
    "c": ("concurrent", "no chain"),  # concurrent: no chain of lane steps and arrows joins them either way
    "d": ("concurrent", "processes"),  # concurrent, because they are on different processes
}


def _holds(d: SpaceTimeDiagram, x: str, y: str, relation: str, reason: str) -> bool:
    """Does option (relation, reason) hold for the pair (x, y) of diagram ``d``?

    A smaller Lamport time never proves happened-before, and being on different processes never
    proves concurrency: those reasons are never valid. A message from x proves x -> y only if it
    is received on y's process no later than y. "No chain" is valid exactly when the events are
    concurrent.
    """
    truth = str(d.relation(x, y))
    if relation != truth:
        return False
    if reason == "no chain":
        return truth == "concurrent"
    if reason == "message":
        ex, ey = d.event(x), d.event(y)
        if ex.kind != "send":
            return False
        r = d.receiver(ex.message)
        return r is not None and r.node == ey.node and r.index <= ey.index
    return False


def why_truth(d: SpaceTimeDiagram | None = None, pair: tuple[str, str] = PUZZLE_WHY_PAIR) -> str:
    """The letter of the one reason in :data:`WHY_OPTIONS` that holds for ``pair``, computed from the diagram."""
    d = d if d is not None else puzzle_diagram()
    right = [k for k, (rel, reason) in WHY_OPTIONS.items() if _holds(d, *pair, rel, reason)]
    if len(right) != 1:  # pragma: no cover - a broken puzzle, not a learner's mistake
        raise AssertionError(f"the puzzle's why-pair {pair} has {len(right)} valid reasons: {right}")
    return right[0]


def _explain(d: SpaceTimeDiagram, a: str, b: str) -> str:
    lam = d.lamport()
    rel = str(d.relation(a, b))
    if rel == "concurrent":
        return (f"no chain of lane steps and message arrows leads from {a} to {b} or back; their Lamport times "
                f"({lam[a]} and {lam[b]}) do not order them")
    first, second = (a, b) if rel == "before" else (b, a)
    return f"follow the lanes and the arrows: {' -> '.join(e.id for e in d.chain(first, second))}"


@exercise("04-predict-concurrent", title="Predict: which events are concurrent?", theme="T04", concepts=("C02", "C03"),
          kind="predict", parts=("why",))
def grade_predict_concurrent(answer: Any, *, why: Any) -> str:
    """A list of five words, one per pair of ``dw.clocks.PUZZLE_PAIRS`` in ``dw.clocks.puzzle_diagram()``, and a why.

    For each pair ``(x, y)``: "before" if x happens before y, "after" if y happens before x,
    "concurrent" otherwise. The statement shows the diagram with Lamport times only. ``why`` is
    the letter of the reason, among :data:`WHY_OPTIONS`, that explains the relation of the pair
    ``dw.clocks.PUZZLE_WHY_PAIR``. Both truths are computed from the diagram's happens-before
    (the graph of process order and messages).
    """
    d = puzzle_diagram()
    truth = [str(d.relation(a, b)) for a, b in PUZZLE_PAIRS]
    pairs = [f"{a}, {b}" for a, b in PUZZLE_PAIRS]
    if (not isinstance(answer, (list, tuple)) or len(answer) != len(PUZZLE_PAIRS)
            or not all(isinstance(x, str) and x.strip().lower() in CHOICES for x in answer)):
        fail(case="the form of the answer", input=f"the pairs {pairs}",
             expected=f"a list of {len(PUZZLE_PAIRS)} words, each one of {list(CHOICES)}", got=answer,
             hint=f"one word per pair, in the order of the pairs: {len(PUZZLE_PAIRS)} words in a list")
    for (a, b), got, want in zip(PUZZLE_PAIRS, answer, truth):
        if got.strip().lower() != want:
            fail(case=f"the pair ({a}, {b})", input=f"how does {a} relate to {b}?", expected=want,
                 got=got.strip().lower(), hint=_explain(d, a, b))
    letter = need_choice(why, WHY_OPTIONS)
    right = why_truth(d)
    x, y = PUZZLE_WHY_PAIR
    if letter != right:
        rel, reason = WHY_OPTIONS[letter]
        if rel != str(d.relation(x, y)):
            hint = f"reason ({letter}) claims {x} is {rel} {y}, but your own answer for the pair says otherwise"
        elif reason == "processes":
            hint = "events on different processes can be ordered - by a chain of messages - so that is not the reason"
        else:
            hint = "check where the message from the first event is received, and what a Lamport time can prove"
        fail(case=f"why, for the pair ({x}, {y})", input=f"why is {x} {rel} {y}?", expected=f"({right})",
             got=f"({letter})", hint=hint)
    lam = d.lamport()
    fooled = sum(1 for (a, b), t in zip(PUZZLE_PAIRS, truth) if t == "concurrent" and lam[a] != lam[b])
    return (f"all {len(truth)} relations right, from the diagram's happens-before, and the reason ({right}); in "
            f"{fooled} of the concurrent pairs the Lamport times differ anyway")
