"""Links from the interview layer to the workbook: ``notebooks/NN_name.ipynb#<heading>``.

Theory of operation
-------------------
Every decision, every real-systems row and every trade-off question points at the notebook
section that shows why. A link is the notebook's path under the repository, a ``#`` and the text
of one of its markdown headings exactly as written, without the leading ``#`` marks (for example
``notebooks/02_cap_and_quorums.ipynb#6 · PACELC: the price of consistency without a partition
(Q04)``); a numbered section may be named without its number (``#PACELC: the price of ...``),
which keeps the link right when sections are added before it. A link *resolves* when that
notebook exists and has that heading; :func:`check_link`
says which part is wrong when it does not. The notebooks are read only here, and only when a
link is checked (tests, a catalog check), never when a drill is graded.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from dsworkbook.errors import ConfigError

__all__ = ["LINK", "ROOT", "notebook_headings", "check_link", "link"]

LINK = re.compile(r"^notebooks/(?P<file>\d{2}[a-z]?_[a-z0-9_]+\.ipynb)#(?P<heading>.+)$")
_NUMBER = re.compile(r"^\d+ · ")
#: The repository root (where notebooks/ is) when the package runs from a checkout.
ROOT = Path(__file__).resolve().parents[2]


def link(notebook: str, heading: str) -> str:
    """The link to ``heading`` of ``notebooks/<notebook>`` (checked for form, not existence)."""
    text = f"notebooks/{notebook}#{heading}"
    if not LINK.match(text):
        raise ConfigError(f"{text!r} is not a link 'notebooks/NN_name.ipynb#Heading'")
    return text


@lru_cache(maxsize=64)
def _headings(path: Path, mtime: float) -> tuple[str, ...]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    found = []
    for cell in cells:
        if cell.get("cell_type") != "markdown":
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        for line in source.splitlines():
            if line.startswith("#"):
                heading = line.lstrip("#").strip()
                found.append(heading)
                unnumbered = _NUMBER.sub("", heading)
                if unnumbered != heading:
                    found.append(unnumbered)
    return tuple(found)


def notebook_headings(notebook: str, root: Path | None = None) -> tuple[str, ...]:
    """The headings of ``notebooks/<notebook>``, as links name them (no ``#`` marks; numbered ones twice,
    with and without their number)."""
    path = (root or ROOT) / "notebooks" / notebook
    if not path.is_file():
        raise ConfigError(f"no notebook {path}; links name a notebook under notebooks/")
    return _headings(path, path.stat().st_mtime)


def check_link(text: str, root: Path | None = None) -> None:
    """Raise ConfigError unless ``text`` names an existing notebook and one of its headings."""
    m = LINK.match(text)
    if m is None:
        raise ConfigError(f"{text!r} is not a link 'notebooks/NN_name.ipynb#Heading'")
    headings = notebook_headings(m["file"], root)
    if m["heading"] not in headings:
        raise ConfigError(f"{text!r}: {m['file']} has no heading {m['heading']!r}; its headings: {list(headings)}")
