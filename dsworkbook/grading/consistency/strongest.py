"""Exercise ``03-strongest``: see its grader's docstring for what the learner writes.

The histories are the exercise's own (notebook 03 never draws them); two hold an operation whose
outcome is not ``ok``. The ``why`` offers readings of the timed-out write in ``late landing``;
the grader classifies the history read each way, and the right reason is the reading under
which the classifier finds what it finds on the history itself.
"""

from __future__ import annotations

from typing import Any

from dsworkbook.checkers.classify import LADDER, classify
from dsworkbook.checkers.gallery import model_of
from dsworkbook.checkers.history import parse_timeline
from dsworkbook.grading.consistency._common import graded_why, need_dict, variant
from dsworkbook.grading.core import exercise, fail

#: The histories to classify.
STRONGEST = {
    "late landing": """
A: [w 1]  [w 2 ?]  [r 1]
B:                        [r 2]
""",
    "refused in between": """
A: [w x=1] [w x=2]
B:                 [r x=1] [w x=3 !] [r x=2]
""",
    "crossed flags": """
A: [w x=1]   [r y=nil]
B: [w y=1]   [r x=nil]
""",
    "own older write": """
A: [w 1]  [w 2]  [r 1]
B:            [r 2]
""",
}
#: Why is "late landing" classified as it is? Each reason is a reading of its ``w 2 ?``.
WHY = {
    "a": "`w 2 ?` timed out, so it did not happen: B's `r 2` then returns a value nobody wrote",
    "b": "`w 2 ?` took effect before its client gave up, so A's `r 1` returned a value older than A's own write",
    "c": "`w 2 ?` may take effect at any time after its invoke - here after A's `r 1` and before B's `r 2`",
}
LEVELS = (*LADDER, "none")


def _strongest(h: Any, text: str) -> str:
    return classify(h, model_of(text)).strongest


def readings() -> dict[str, str]:
    """The strongest level of ``late landing`` under each reading of its ``w 2 ?``."""
    text = STRONGEST["late landing"]
    h = parse_timeline(text)
    i = next(op.index for op in h if op.outcome == "unknown")
    return {"a": _strongest(variant(h, i, "fail"), text), "b": _strongest(variant(h, i, "ok"), text),
            "c": _strongest(h, text)}


@exercise("03-strongest", title="Predict: the strongest model of four histories", theme="T03",
          concepts=("M01", "M03"), kind="predict", parts=("why",))
def grade_strongest(answer: Any, *, why: Any) -> str:
    """A dict ``{name: level}`` for the histories of :data:`STRONGEST`, each level a name of
    ``LADDER`` ("linearizable", "sequential", "causal", "read-your-writes", "monotonic reads",
    "convergent") or "none": the strongest model the history satisfies, in that order; and
    ``why`` ``late landing`` gets its answer, a letter of :data:`WHY`.

    The truth is what :func:`~dsworkbook.checkers.classify` finds, run now.
    """
    got = need_dict(answer, list(STRONGEST), "a level name")
    found = {}
    for name, text in STRONGEST.items():
        cls = classify(parse_timeline(text), model_of(text))
        found[name] = cls.strongest
        shown = text.strip("\n")
        if got[name] not in LEVELS:
            fail(case=f"history {name!r}", input=shown, expected=f"one of {list(LEVELS)}", got=got[name],
                 hint="spell the level exactly as the ladder of the statement does, or \"none\"")
        if got[name] != cls.strongest:
            stronger = got[name] == "none" or LEVELS.index(got[name]) < LEVELS.index(cls.strongest)
            hint = (f"it satisfies more: {cls.strongest} holds - {cls[cls.strongest].reason}" if not stronger else
                    f"too strong: it is not {got[name]} - {cls[got[name]].reason}" if got[name] != "none" else
                    f"{cls.strongest} holds - {cls[cls.strongest].reason}")
            fail(case=f"history {name!r}", input=shown, expected=cls.strongest, got=got[name], hint=hint)
    found_readings = readings()
    graded_why(why, WHY, found_readings, found["late landing"], case="why: 'late landing'",
               shown=STRONGEST["late landing"].strip("\n") + "\n(the strongest level when `w 2 ?` is read as each "
               "reason says: " + ", ".join(f"({k}) {v}" for k, v in found_readings.items()) + ")")
    return "; ".join(f"{n}: {level}" for n, level in found.items())
