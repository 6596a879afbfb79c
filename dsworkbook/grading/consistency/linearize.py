"""Exercises ``03-linearize-by-hand`` and ``03-predict-linearizable``: see the graders' docstrings.

The histories are the exercises' own - notebook 03 and its gallery never draw them - and each
holds an operation whose outcome is not ``ok``. Each ``why`` offers readings of such an
operation; the grader re-runs the checker on the history read each way, and the right reason
is the one reading under which the checker finds what it finds on the history itself.
"""

from __future__ import annotations

from typing import Any

from dsworkbook.checkers.datatypes import ILLEGAL, RegisterModel
from dsworkbook.checkers.history import History, parse_timeline
from dsworkbook.checkers.linearizability import check_linearizable
from dsworkbook.grading.consistency._common import graded_why, need_dict, variant
from dsworkbook.grading.core import exercise, fail

#: The history of ``03-linearize-by-hand``.
BY_HAND = """
A: [w 1]        [r 1]         [r 2]
B:   [w 2 ?]
C:      [r ?]         [w 3 !]
"""
#: Where does ``w 2 ?`` go? Each reason is a reading of that operation.
BY_HAND_WHY = {
    "a": "leave `w 2 ?` out: a write whose client timed out did not happen",
    "b": "put `w 2 ?` inside its bar, before `r 1`: it took effect before its client gave up",
    "c": "put `w 2 ?` after `r 1`: a timed-out write may take effect at any time after its invoke, even after "
         "its client gave up",
    "d": "put `w 2 ?` at the instant of its invoke: a write takes effect when it is sent",
}

#: The histories of ``03-predict-linearizable``.
PREDICT = {
    "timed-out write": """
A: [w 1]
B:       [w 2 ?]
C:                 [r 1]  [r 2]
""",
    "refused write": """
A: [w 1]
B:       [w 2 !]
C:                 [r 1]  [r 2]
""",
    "the same value twice": """
A: [w 1]       [w 1]
B:     [w 2]
C:          [r 2]    [r 1]
D:  [r ?]
""",
    "crossed reads": """
A: [w 1]     [r 2]
B: [w 2]     [r 1]
""",
}
#: Why do "timed-out write" and "refused write" get the answers they get? Each reason is a reading
#: of the outcomes ``?`` (unknown) and ``!`` (fail): (unknown becomes, fail becomes).
PREDICT_WHY = {
    "a": "a refused write (`!`) certainly did not happen, while a timed-out one (`?`) may take effect at any "
         "time after its invoke - even after its client gave up - or never",
    "b": "neither happened: a client that gets no ok must assume nothing changed",
    "c": "both may have happened: a store may still apply a write it refused",
    "d": "the timed-out write took effect before its client gave up; the refused one did not happen",
}
_READINGS = {"a": ("unknown", "fail"), "b": ("fail", "fail"), "c": ("unknown", "unknown"), "d": ("ok", "fail")}
_PAIR = ("timed-out write", "refused write")


def _show(text: str) -> str:
    return text.strip("\n")


def order_problem(h: History, order: Any) -> str:
    """Why ``order`` (a list of op indices) is not a linearization of ``h`` ('' when it is one).

    Every ``ok`` operation is listed once, no ``fail`` one is, an ``unknown`` one may be listed
    (it took effect) or left out (it never did); real time is kept - an operation is never
    placed before one that completed before it was invoked - and the reads are legal.
    """
    if not isinstance(order, (list, tuple)) or not all(isinstance(i, int) and not isinstance(i, bool)
                                                      for i in order):
        return "an order is a list of operation indices (ints)"
    known = {op.index for op in h}
    if len(set(order)) != len(order):
        return "an operation may appear only once"
    stray = [i for i in order if i not in known]
    if stray:
        return f"{stray[0]} is not an operation index of this history; the indices are {sorted(known)}"
    ops = [h.by_index(i) for i in order]
    failed = [op for op in ops if op.outcome == "fail"]
    if failed:
        return f"#{failed[0].index} ({failed[0].label()}) failed: it certainly did not happen, so leave it out"
    missing = [op for op in h if op.outcome == "ok" and op.index not in order]
    if missing:
        return f"#{missing[0].index} ({missing[0].label()}) completed ok: it happened, so it must be in the order"
    for i, early in enumerate(ops):
        for late in ops[i + 1:]:
            if late.latest < early.invoke_time:
                return (f"#{late.index} ({late.label()}) completed at t={late.complete_time:g}, before "
                        f"#{early.index} ({early.label()}) began at t={early.invoke_time:g}, so it must come first")
    model, state = RegisterModel(), RegisterModel().init()
    for op in ops:
        new = model.step(state, op)
        if new is ILLEGAL:
            return f"at #{op.index} ({op.label()}) the register holds {model.describe(state)}, so that read is illegal"
        state = new
    return ""


def _unknown_write(h: History) -> int:
    return next(op.index for op in h if op.outcome == "unknown" and op.f == "write")


def by_hand_readings() -> dict[str, bool | None]:
    """The checker's verdict on the by-hand history under each reading of ``w 2 ?``."""
    h = parse_timeline(BY_HAND)
    i = _unknown_write(h)
    variants = {"a": variant(h, i, "fail"), "b": variant(h, i, "ok"), "c": h, "d": variant(h, i, "ok", at_invoke=True)}
    return {k: check_linearizable(v).ok for k, v in variants.items()}


@exercise("03-linearize-by-hand", title="Linearize a tiny history by hand", theme="T03", concepts=("M01", "M02"),
          kind="predict", parts=("why",))
def grade_linearize_by_hand(order: Any, *, why: Any) -> str:
    """A list of the operation indices of :data:`BY_HAND` in a legal order, and why ``w 2 ?`` goes where it does.

    The order lists every ``ok`` operation, no ``fail`` one, and any ``unknown`` one the learner
    decides took effect; it respects real time and is legal for a register that starts at
    ``nil``. Any such order is accepted. ``why`` is a letter of :data:`BY_HAND_WHY`.
    """
    h = parse_timeline(BY_HAND)
    truth = check_linearizable(h)
    problem = order_problem(h, order)
    if problem:
        fail(case="the history of this exercise", input=_show(BY_HAND) + "\n" + h.describe(),
             expected=f"a legal order, e.g. the checker's {[op.index for op in truth.witness]}", got=order,
             hint=problem)
    readings = by_hand_readings()
    graded_why(why, BY_HAND_WHY, readings, truth.ok, case="why: where `w 2 ?` goes",
               shown=_show(BY_HAND) + "\n(the checker's verdict when `w 2 ?` is read as each reason says: "
               + ", ".join(f"({k}) {v}" for k, v in readings.items()) + ")")
    return (f"{list(order)} is a linearization ({' -> '.join(h.by_index(i).label() for i in order)}); "
            f"the checker's witness: {' -> '.join(op.label() for op in truth.witness)}")


def predict_readings() -> dict[str, tuple[bool | None, ...]]:
    """The checker's verdicts on the pair of histories under each reading of ``?`` and ``!``."""
    out = {}
    for letter, (unknown, failed) in _READINGS.items():
        verdicts = []
        for name in _PAIR:
            h = parse_timeline(PREDICT[name])
            for op in h:
                if op.outcome != "ok":
                    h = variant(h, op.index, unknown if op.outcome == "unknown" else failed)
            verdicts.append(check_linearizable(h).ok)
        out[letter] = tuple(verdicts)
    return out


@exercise("03-predict-linearizable", title="Predict: is this history linearizable?", theme="T03",
          concepts=("M01", "M02"), kind="predict", parts=("why",))
def grade_predict_linearizable(answer: Any, *, why: Any) -> str:
    """A dict ``{name: True/False}`` for the histories of :data:`PREDICT`, and why the first two differ.

    The truth is what :func:`~dsworkbook.checkers.check_linearizable` finds, run now; ``why`` is
    a letter of :data:`PREDICT_WHY`, each a reading of the outcomes ``?`` and ``!``.
    """
    got = need_dict(answer, list(PREDICT), "True or False")
    verdicts = {}
    for name, text in PREDICT.items():
        truth = check_linearizable(parse_timeline(text))
        verdicts[name] = truth.ok
        if got[name] is not truth.ok:
            fail(case=f"history {name!r}", input=_show(text), expected=truth.ok, got=got[name],
                 hint=_predict_hint(name, truth))
    readings = predict_readings()
    graded_why(why, PREDICT_WHY, readings, tuple(verdicts[n] for n in _PAIR),
               case="why: 'timed-out write' and 'refused write'",
               shown="\n".join(f"{n}:\n{_show(PREDICT[n])}" for n in _PAIR)
               + "\n(the checker's verdicts on the two when ? and ! are read as each reason says: "
               + ", ".join(f"({k}) {v}" for k, v in readings.items()) + ")")
    return "all four right: " + "; ".join(f"{n}: {'linearizable' if v else 'not linearizable'}"
                                          for n, v in verdicts.items())


def _predict_hint(name: str, truth: Any) -> str:
    if name == "timed-out write":
        return "a timed-out write may take effect at any time after its invoke - even after its client gave up"
    if name == "refused write":
        return "a refused write did not happen, so no read may return its value"
    if name == "the same value twice":
        return ("the same value written twice: a read of 1 may follow either write of 1; a read whose outcome is "
                "unknown returned nothing and constrains nothing")
    return truth.reason
