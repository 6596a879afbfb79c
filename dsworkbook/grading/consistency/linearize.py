"""Exercises ``03-linearize-by-hand`` and ``03-predict-linearizable``: see the graders' docstrings."""

from __future__ import annotations

from typing import Any

from dsworkbook.checkers.datatypes import ILLEGAL, RegisterModel
from dsworkbook.checkers.gallery import GALLERY, history
from dsworkbook.checkers.history import History
from dsworkbook.checkers.linearizability import check_linearizable
from dsworkbook.grading.core import exercise, fail
from dsworkbook.grading.consistency._common import need_dict

#: The history of ``03-linearize-by-hand`` (gallery "concurrent writes").
BY_HAND = "concurrent writes"
#: The histories of ``03-predict-linearizable``.
PREDICT = ("stale read", "concurrent writes", "late timeout", "opposite orders")


def order_problem(h: History, order: Any) -> str:
    """Why ``order`` (a list of op indices) is not a linearization of ``h`` ('' when it is one)."""
    indices = sorted(op.index for op in h)
    if not isinstance(order, (list, tuple)) or sorted(order, key=repr) != sorted(indices, key=repr):
        return f"an order must list every operation index {indices} exactly once"
    ops = [h.by_index(i) for i in order]
    for i, early in enumerate(ops):
        for late in ops[i + 1:]:
            if late.complete_time < early.invoke_time:
                return (f"#{late.index} ({late.label()}) completed at t={late.complete_time:g}, before "
                        f"#{early.index} ({early.label()}) began at t={early.invoke_time:g}, so it must come first")
    model, state = RegisterModel(), RegisterModel().init()
    for op in ops:
        new = model.step(state, op)
        if new is ILLEGAL:
            return f"at #{op.index} ({op.label()}) the register holds {model.describe(state)}, so that read is illegal"
        state = new
    return ""


@exercise("03-linearize-by-hand", title="Linearize a tiny history by hand", theme="T03", concepts=("M02",),
          kind="predict")
def grade_linearize_by_hand(order: Any) -> str:
    """A list of the operation indices of gallery history ``"concurrent writes"`` in a legal order.

    The order must respect real time (an operation that completed before another began comes
    first) and be legal for a register that starts at ``nil`` (each read returns the last value
    written before it). Any such order is accepted; the grader replays it, and shows what the
    checker found.
    """
    h = history(BY_HAND)
    problem = order_problem(h, order)
    truth = check_linearizable(h)
    if problem:
        fail(case=f"gallery history {BY_HAND!r}", input=GALLERY[BY_HAND].strip("\n"),
             expected=f"a legal order, e.g. the checker's {[op.index for op in truth.witness]}", got=order,
             hint=problem)
    return (f"{list(order)} is a linearization ({' -> '.join(h.by_index(i).label() for i in order)}); "
            f"the checker's witness: {' -> '.join(op.label() for op in truth.witness)}")


@exercise("03-predict-linearizable", title="Predict: is this history linearizable?", theme="T03",
          concepts=("M02",), kind="predict")
def grade_predict_linearizable(answer: Any) -> str:
    """A dict ``{name: True/False}`` for the gallery histories in ``PREDICT``: linearizable or not.

    The truth is what :func:`~dsworkbook.checkers.check_linearizable` finds, run now.
    """
    got = need_dict(answer, list(PREDICT), "True or False")
    for name in PREDICT:
        truth = check_linearizable(history(name))
        if got[name] is not truth.ok:
            hint = ("a timed-out write may take effect at any time after its invoke - even after the client gave up"
                    if name == "late timeout" else truth.reason)
            fail(case=f"gallery history {name!r}", input=GALLERY[name].strip("\n"), expected=truth.ok, got=got[name],
                 hint=hint)
    return "all four right: " + "; ".join(f"{n}: {check_linearizable(history(n)).verdict}" for n in PREDICT)
