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

__all__ = ["SHARDS", "shard", "check_tour", "toured_notebook", "toured", "TOUR_ENV", "DEFAULT_TOUR"]

SHARDS = ("a", "b", "c")
#: ``DSW_BROWSER_TOUR=all`` tours every notebook; unset, the tour takes DEFAULT_TOUR only. Touring all 18
#: costs about 3.5 minutes more than nbval on 2 cores (opening each notebook, Run All in the browser), which
#: does not fit the suite's 12-minute budget yet; the notebooks not toured stay with nbval (tests/conftest.py).
TOUR_ENV = "DSW_BROWSER_TOUR"
DEFAULT_TOUR = ("01_network_and_fallacies.ipynb",)


def toured() -> tuple[str, ...]:
    """The notebooks this run tours: all of notebooks/ with DSW_BROWSER_TOUR=all, else DEFAULT_TOUR."""
    return NOTEBOOKS if os.environ.get(TOUR_ENV, "").lower() == "all" else DEFAULT_TOUR


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
