"""Notebook tour, shard b (one slice of notebooks/; see tests/browser/__init__.py for why shards)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.lab import LabServer
from tests.browser.tour import check_tour, shard

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("notebook", shard("b"))
def test_notebook_runs_in_jupyterlab_and_its_widgets_respond(notebook: str, lab: LabServer, page: Any,
                                                              tmp_path: Path) -> None:
    check_tour(page, lab, notebook, tmp_path)
