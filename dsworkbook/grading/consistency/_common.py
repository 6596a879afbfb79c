"""Helpers shared by the T03 graders."""

from __future__ import annotations

from typing import Any

from dsworkbook.grading.core import fail
from dsworkbook.grading.core import need_callable as need_callable  # re-exported for this theme's graders




def need_dict(answer: Any, keys: list[str], what: str) -> dict[str, Any]:
    if not isinstance(answer, dict) or set(answer) != set(keys):
        fail(case="the form of the answer", input=f"a dict with the keys {keys}", expected=f"{{name: {what}}}",
             got=answer, hint=f"answer with a dict that has exactly these keys: {keys}")
    return answer
