"""Helpers shared by the T03 graders."""

from __future__ import annotations

from typing import Any

from dsworkbook.grading.core import fail


def need_callable(answer: Any, what: str) -> None:
    if not callable(answer):
        fail(case="the answer itself", input=repr(answer), expected=what, got=type(answer).__name__,
             hint=f"pass the {what} itself (its name, without calling it)")


def need_dict(answer: Any, keys: list[str], what: str) -> dict[str, Any]:
    if not isinstance(answer, dict) or set(answer) != set(keys):
        fail(case="the form of the answer", input=f"a dict with the keys {keys}", expected=f"{{name: {what}}}",
             got=answer, hint=f"answer with a dict that has exactly these keys: {keys}")
    return answer
