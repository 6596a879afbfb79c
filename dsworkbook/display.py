"""Small display helpers for notebooks: source code to read, and tables shown whole.

:func:`source` shows the code a notebook runs (notebooks import the package instead of defining
library code). :func:`table` shows a DataFrame with every row and the whole text of every cell -
pandas' defaults cut long text with "..." and hide rows - wrapping long text instead of
widening the page; its plain-text form (what a console or a test sees) is the full
``to_string()``.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from dsworkbook.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["source", "table", "Table"]


def source(obj: Any) -> Any:
    """The source code of a class or function, highlighted, for reading in a notebook.

    Notebooks import the package instead of defining library code; this lets them still show
    the code they run.
    """
    from IPython.display import Code

    return Code(inspect.getsource(obj), language="python")


class Table:
    """A DataFrame shown whole: no cut cells, no hidden rows, long text wrapped at ``wrap`` characters."""

    def __init__(self, frame: "pd.DataFrame", *, wrap: int = 60, index: bool = False) -> None:
        import pandas as pd

        if not isinstance(frame, pd.DataFrame):
            raise ConfigError(f"table() shows a pandas DataFrame, got {type(frame).__name__}; "
                              "build one with pd.DataFrame(rows)")
        if isinstance(wrap, bool) or not isinstance(wrap, int) or wrap < 10:
            raise ConfigError(f"wrap is the width of a text column in characters (10 or more), got {wrap!r}")
        self.frame, self.wrap, self.index = frame, wrap, index

    def _repr_html_(self) -> str:
        styler = self.frame.style.set_table_styles([
            {"selector": "td, th", "props": [("white-space", "pre-wrap"), ("text-align", "left"),
                                             ("vertical-align", "top"), ("max-width", f"{self.wrap}ch")]}])
        if not self.index:
            styler = styler.hide(axis="index")
        return styler.format(precision=3).to_html()

    def __repr__(self) -> str:
        import pandas as pd

        with pd.option_context("display.max_colwidth", None, "display.max_rows", None,
                               "display.max_columns", None, "display.width", 100_000):
            return self.frame.to_string(index=self.index)


def table(frame: "pd.DataFrame", *, wrap: int = 60, index: bool = False) -> Table:
    """Show ``frame`` whole in a notebook: every row, every cell's full text, wrapped at ``wrap`` characters."""
    return Table(frame, wrap=wrap, index=index)
