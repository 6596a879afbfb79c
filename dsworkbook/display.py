"""Small display helpers for notebooks."""

from __future__ import annotations

import inspect
from typing import Any

__all__ = ["source"]


def source(obj: Any) -> Any:
    """The source code of a class or function, highlighted, for reading in a notebook.

    Notebooks import the package instead of defining library code; this lets them still show
    the code they run.
    """
    from IPython.display import Code

    return Code(inspect.getsource(obj), language="python")
