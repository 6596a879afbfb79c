"""A real browser drives real JupyterLab: open notebook 01, run all cells, move a control.

Chromium (Debian's ``chromium`` package) is driven by Python Playwright against a JupyterLab
server on 127.0.0.1 that serves a temporary copy of notebooks/ with temporary settings and
workspaces, so the repository is never touched. Without Chromium the test is skipped with a
message saying how to install it - except when ``CI=true``, where a missing browser fails, so
CI can never skip this test silently. A screenshot is saved in the test's temporary folder.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "01_network_and_fallacies.ipynb"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
HOW_TO_INSTALL = ("install Chromium to run the real-browser test: `sudo apt-get install chromium` on "
                  "Debian/Ubuntu (or put a Chromium binary named `chromium` on PATH)")


def _browser_or_skip() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    ci = os.environ.get("CI", "").lower() == "true"
    if path is None:
        if ci:
            pytest.fail("CI=true but no Chromium on PATH: " + HOW_TO_INSTALL)
        pytest.skip("no Chromium found: " + HOW_TO_INSTALL)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:  # pragma: no cover - installed by `make test`
        if ci:
            pytest.fail("CI=true but Python playwright is not installed (make install adds it)")
        pytest.skip("Python playwright is not installed: run `make install`")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"jupyter lab exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"JupyterLab did not answer at {url} within {timeout} s")


@pytest.fixture
def lab_server(tmp_path: Path):
    """JupyterLab on 127.0.0.1 serving a copy of notebooks/, with throwaway settings."""
    served = tmp_path / "served"
    shutil.copytree(ROOT / "notebooks", served)
    settings = tmp_path / "settings"
    notify = settings / "@jupyterlab" / "apputils-extension"
    notify.mkdir(parents=True)
    (notify / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    notebook_settings = settings / "@jupyterlab" / "notebook-extension"
    notebook_settings.mkdir(parents=True)
    # render every cell (no virtual scrolling), so the widget far down the notebook exists in the page
    (notebook_settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    port = _free_port()
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(settings),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), MPLBACKEND="module://matplotlib_inline.backend_inline")
    cmd = [sys.executable, "-m", "jupyterlab", "--allow-root", "--no-browser", f"--port={port}",
           "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=", "--ServerApp.password=",
           "--ServerApp.disable_check_xsrf=True", "--LabApp.expose_app_in_browser=True",
           f"--ServerApp.root_dir={served}"]
    log = open(tmp_path / "jupyter.log", "w")
    proc = subprocess.Popen(cmd, cwd=served, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_http(f"http://127.0.0.1:{port}/api/status", proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


KERNEL_READY = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!(k && k.connectionStatus === 'connected' && k.status === 'idle');
}"""

ALL_CELLS_RAN = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const k = w.sessionContext.session.kernel;
  if (!k || k.status !== 'idle') return false;
  return w.content.widgets.every(c => c.model.type !== 'code' || c.model.executionCount !== null);
}"""

CELL_ERRORS = """() => window.jupyterapp.shell.currentWidget.content.widgets
  .filter(c => c.model.type === 'code')
  .flatMap(c => c.model.outputs.toJSON().filter(o => o.output_type === 'error').map(o => o.ename + ': ' + o.evalue))"""


def test_notebook_01_runs_in_jupyterlab_and_its_playground_responds(lab_server: str, tmp_path: Path):
    chromium = _browser_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(f"{lab_server}/lab/tree/{NOTEBOOK}")
            page.wait_for_function(KERNEL_READY, timeout=120_000)
            # Start run-all without awaiting its promise (it can hang), then poll the model.
            page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
            page.wait_for_function(ALL_CELLS_RAN, timeout=180_000, polling=500)
            assert page.evaluate(CELL_ERRORS) == []

            verdict = page.locator(".dsw-verdict").first
            verdict.scroll_into_view_if_needed(timeout=60_000)
            page.wait_for_function(
                "sel => { const e = document.querySelector(sel); return e && e.innerText.includes('seed'); }",
                arg=".dsw-verdict", timeout=60_000)
            before = verdict.inner_text()

            seed_box = page.locator(".dsw-control-seed input").first
            seed_box.scroll_into_view_if_needed()
            seed_box.fill("12345")
            seed_box.press("Enter")
            page.wait_for_function(
                "([sel, old]) => { const e = document.querySelector(sel); return e && e.innerText !== old; }",
                arg=[".dsw-verdict", before], timeout=30_000)
            after = verdict.inner_text()
            assert "12345" in after and after != before
        finally:
            page.screenshot(path=str(tmp_path / "notebook01.png"), full_page=True)
            browser.close()
    assert (tmp_path / "notebook01.png").stat().st_size > 10_000


def test_without_chromium_a_learner_is_told_how_to_install_it_but_ci_fails(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        _browser_or_skip()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true but no Chromium"):
        _browser_or_skip()
