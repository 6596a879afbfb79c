"""Per-worker fixtures of the notebook tour: one JupyterLab and one Chromium per pytest process.

Session scope means once per xdist worker (each worker is its own session), so a worker that
tours six notebooks pays for one server start and one browser launch, not six.
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from tests.browser.lab import LabServer, browser_or_skip, launch_chromium


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """JupyterLab serving a temporary copy of notebooks/ (skips/fails first if there is no browser)."""
    browser_or_skip()
    server = LabServer(tmp_path_factory.mktemp("lab"))
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="session")
def chromium(lab: LabServer) -> Iterator[Any]:
    """One headless Chromium for the worker; each test opens its own page in it."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch_chromium(pw, browser_or_skip())
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def page(chromium: Any) -> Iterator[Any]:
    """One page (1400 x 1000) for the worker: JupyterLab loads in it once, and each notebook opens in it."""
    p = chromium.new_page(viewport={"width": 1400, "height": 1000})
    try:
        yield p
    finally:
        p.close()
