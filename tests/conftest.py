"""When the browser tour can run, it replaces nbval for notebooks/ (solutions/ keep nbval).

nbval (``--nbval-lax``) executes every notebook in ``make test``; tests/browser/ runs every
notebook in notebooks/ again in JupyterLab, checking all nbval-lax checks (each cell ran, no
exception) and more (widgets answer in a real browser). Running both would add minutes, so:

* Chromium and playwright present (``tests.browser.lab.browser_available``), and tour tests
  for some notebooks selected in this run -> the nbval items of *those* notebooks are
  deselected (reported as deselected by pytest).
* No browser -> nothing changes: nbval runs notebooks/ as before, and the tour skips (or fails
  under ``CI=true``).

The hook runs last (``trylast``), after ``-k``/``-m`` have filtered the items, so a tour test
that was filtered out never hides its notebook from nbval. Each xdist worker takes the same
decision (it depends only on the machine and the command line), as xdist requires.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.lab import ROOT, browser_available
from tests.browser.tour import toured_notebook


def nbval_items_to_deselect(items: list[pytest.Item], browser: bool) -> list[pytest.Item]:
    """The nbval items of notebooks/*.ipynb that a selected tour test covers (none without a browser)."""
    if not browser:
        return []
    toured = {nb for nb in map(toured_notebook, items) if nb is not None}
    notebooks = ROOT / "notebooks"
    return [item for item in items
            if Path(item.path).suffix == ".ipynb" and Path(item.path).parent == notebooks
            and Path(item.path).name in toured]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    dropped = nbval_items_to_deselect(items, browser_available())
    if dropped:
        drop = set(map(id, dropped))
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if id(item) not in drop]
