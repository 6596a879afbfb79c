"""Exercise ``04-predict-concurrent``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

from typing import Any

from dsworkbook.clocks.diagram import PUZZLE_PAIRS, puzzle_diagram
from dsworkbook.grading.core import exercise, fail

CHOICES = ("before", "after", "concurrent")


def _why(d: Any, a: str, b: str) -> str:
    lam = d.lamport()
    rel = str(d.relation(a, b))
    if rel == "concurrent":
        return (f"no chain of process order and messages leads from {a} to {b} or back; Lamport times "
                f"{lam[a]} and {lam[b]} differ, but that does not order them")
    first, second = (a, b) if rel == "before" else (b, a)
    return f"follow the arrows and the lanes: {' -> '.join(e.id for e in d.chain(first, second))}"


@exercise("04-predict-concurrent", title="Predict: which events are concurrent?", theme="T04", concepts=("C02", "C03"),
          kind="predict")
def grade_predict_concurrent(answer: Any) -> str:
    """A list of four words, one per pair of ``dw.clocks.PUZZLE_PAIRS`` in ``dw.clocks.puzzle_diagram()``.

    For each pair ``(x, y)``: "before" if x happens before y, "after" if y happens before x,
    "concurrent" otherwise. The notebook shows the diagram with Lamport times only. The truth is
    computed from the diagram's happens-before (the graph of process order and messages).
    """
    d = puzzle_diagram()
    truth = [str(d.relation(a, b)) for a, b in PUZZLE_PAIRS]
    if (not isinstance(answer, (list, tuple)) or len(answer) != len(PUZZLE_PAIRS)
            or not all(isinstance(x, str) and x.strip().lower() in CHOICES for x in answer)):
        fail(case="the form of the answer", input=f"pairs {list(PUZZLE_PAIRS)}",
             expected=f"a list of {len(PUZZLE_PAIRS)} words, each one of {list(CHOICES)}", got=answer,
             hint='for example ["before", "concurrent", "after", "before"]')
    for (a, b), got, want in zip(PUZZLE_PAIRS, answer, truth):
        if got.strip().lower() != want:
            fail(case=f"the pair ({a}, {b})", input=f"how does {a} relate to {b}?", expected=want,
                 got=got.strip().lower(), hint=_why(d, a, b))
    lam = d.lamport()
    fooled = sum(1 for (a, b), t in zip(PUZZLE_PAIRS, truth) if t == "concurrent" and lam[a] != lam[b])
    return (f"all {len(truth)} relations right, from the diagram's happens-before; in {fooled} of the concurrent pairs "
            f"the Lamport times differ anyway")
