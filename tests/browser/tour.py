"""The tour's shards and its one check, shared by the shard files and tests/conftest.py.

A shard is a fixed slice of the sorted notebook list (``NOTEBOOKS[i::len(SHARDS)]``), so every
xdist worker collects the same items and the split does not depend on the machine. Round-robin
over the sorted list spreads the long notebooks of the later themes over the shards.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.browser.lab import NOTEBOOKS, LabServer, tour_notebook

__all__ = ["SHARDS", "shard", "check_tour", "toured_notebook", "toured", "TOUR_ENV"]

SHARDS = ("a", "b", "c")
#: The tour takes every notebook; ``DSW_BROWSER_TOUR=01,06b`` (notebook prefixes) takes only those, for a
#: quick look at one theme. The notebooks not toured stay with nbval (tests/conftest.py).
TOUR_ENV = "DSW_BROWSER_TOUR"


def toured() -> tuple[str, ...]:
    """The notebooks this run tours: all of notebooks/, or those DSW_BROWSER_TOUR names by prefix."""
    wanted = [p.strip() for p in os.environ.get(TOUR_ENV, "").split(",") if p.strip()]
    if not wanted or wanted == ["all"]:
        return NOTEBOOKS
    chosen = tuple(nb for nb in NOTEBOOKS if any(nb.startswith(p + "_") for p in wanted))
    if not chosen:
        raise pytest.UsageError(f"{TOUR_ENV}={os.environ[TOUR_ENV]!r} names no notebook; give prefixes such as 01,06b "
                                f"(or all)")
    return chosen


def shard(name: str) -> list[str]:
    """The notebooks (file names in notebooks/) that shard ``name`` tours in this run."""
    return list(toured()[SHARDS.index(name)::len(SHARDS)])


def toured_notebook(item: pytest.Item) -> str | None:
    """The notebook a collected tour test covers, or None for any other item."""
    callspec = getattr(item, "callspec", None)
    if callspec is None or item.get_closest_marker("browser") is None:
        return None
    notebook = callspec.params.get("notebook")
    return notebook if notebook in NOTEBOOKS else None


def check_tour(page: Any, lab: LabServer, notebook: str, tmp_path: Path) -> None:
    """Tour ``notebook`` and require: all cells ran, no errors, every widget answered, a screenshot."""
    shot = tmp_path / (Path(notebook).stem + ".png")
    report = tour_notebook(page, lab, notebook, shot)
    print(f"{notebook}: opened in {report.open_seconds:.1f} s, {report.code_cells} code cells ran in {report.run_seconds:.1f} s; "
          f"widgets: {report.widgets}; answered in {report.widget_ms} ms; screenshot {shot}")
    assert report.code_cells > 0, f"{notebook}: no code cell found in JupyterLab's model"
    assert report.unrun == [], f"{notebook}: code cells never ran (indices {report.unrun})"
    assert report.errors == [], f"{notebook}: error outputs: {report.errors}"
    assert report.frozen == [], f"{notebook}: moving a control changed nothing: {report.frozen}"
    assert shot.stat().st_size > 10_000, f"{notebook}: screenshot {shot} looks empty"
