"""Helpers shared by the T03 graders: answer shapes, the graded "why", and strings salted per world."""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping

from dsworkbook.checkers.history import History
from dsworkbook.grading.core import fail, need_choice
from dsworkbook.grading.core import need_callable as need_callable  # re-exported for this theme's graders

__all__ = ["need_callable", "need_dict", "graded_why", "variant"]


def need_dict(answer: Any, keys: list[str], what: str) -> dict[str, Any]:
    if not isinstance(answer, dict) or set(answer) != set(keys):
        fail(case="the form of the answer", input=f"a dict with the keys {keys}", expected=f"{{name: {what}}}",
             got=answer, hint=f"answer with a dict that has exactly these keys: {keys}")
    return answer


def graded_why(why: Any, options: Mapping[str, str], outcomes: Mapping[str, Any], truth: Any, *, case: str,
               shown: str) -> str:
    """Grade a ``why`` whose options are readings of a scenario, each with the outcome it leads to.

    ``outcomes[letter]`` is what the checker finds when the scenario is read as option ``letter``
    says; ``truth`` is what it finds on the scenario itself. The right reason is the one reading
    whose outcome is the truth (the graders' tests make sure exactly one is).
    """
    letter = need_choice(why, options)
    right = [k for k in options if outcomes[k] == truth]
    if letter not in right:
        fail(case=case, input=shown, expected=f"({right[0]}) {options[right[0]]}" if right else truth,
             got=f"({letter}) {options[letter]}",
             hint=f"read the scenario as ({letter}) says and the checker finds {outcomes[letter]!r}, "
                  f"not what it finds on the history itself ({truth!r})")
    return letter


def variant(h: History, index: int, outcome: str, *, at_invoke: bool = False) -> History:
    """``h`` with operation ``index`` given another outcome (``at_invoke``: an ok op that took no time)."""
    ops = []
    for op in h:
        if op.index == index:
            end = op.invoke_time if at_invoke else op.complete_time
            if outcome == "ok" and end == float("inf"):
                end = op.invoke_time
            op = dataclasses.replace(op, outcome=outcome, complete_time=end)
        ops.append(op)
    return History(ops)

