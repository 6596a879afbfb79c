"""Exercise ``03-strongest``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

from typing import Any

from dsworkbook.checkers.classify import LADDER, classify
from dsworkbook.checkers.gallery import GALLERY, history, model_of
from dsworkbook.grading.core import exercise, fail
from dsworkbook.grading.consistency._common import need_dict

#: The histories to classify.
STRONGEST = ("stale read", "opposite orders", "lost own write")


@exercise("03-strongest", title="Predict: the strongest model of three histories", theme="T03", concepts=("M03",),
          kind="predict")
def grade_strongest(answer: Any) -> str:
    """A dict ``{name: level}`` for the gallery histories in ``STRONGEST``, each level a name of
    ``LADDER`` ("linearizable", "sequential", "causal", "read-your-writes", "monotonic reads",
    "convergent") or "none": the strongest model the history satisfies, in that order.

    The truth is what :func:`~dsworkbook.checkers.classify` finds, run now.
    """
    got = need_dict(answer, list(STRONGEST), "a level name")
    for name in STRONGEST:
        cls = classify(history(name), model_of(GALLERY[name]))
        if got[name] not in (*LADDER, "none"):
            fail(case=f"gallery history {name!r}", input=GALLERY[name].strip("\n"), expected=f"one of {LADDER}",
                 got=got[name], hint="spell the level exactly as in dw.checkers.LADDER")
        if got[name] != cls.strongest:
            stronger = LADDER.index(got[name]) < LADDER.index(cls.strongest) if got[name] in LADDER else False
            hint = (f"too strong: it is not {got[name]} - {cls[got[name]].reason}" if stronger else
                    f"it satisfies more: {cls.strongest} holds - {cls[cls.strongest].reason}")
            fail(case=f"gallery history {name!r}", input=GALLERY[name].strip("\n"), expected=cls.strongest,
                 got=got[name], hint=hint)
    return "; ".join(f"{n}: {classify(history(n), model_of(GALLERY[n])).strongest}" for n in STRONGEST)
