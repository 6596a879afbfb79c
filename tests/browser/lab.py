"""JupyterLab and Chromium for the notebook tour: find the browser, serve a copy, drive a notebook.

Theory of operation
-------------------
* :func:`browser_available` says, without importing Playwright or starting anything, whether
  this machine can run the tour (a ``chromium`` binary on PATH and the ``playwright`` Python
  package). tests/conftest.py uses it to decide whether nbval or the browser runs notebooks/.
* :func:`browser_or_skip` is the same check inside a test: skip with install instructions, but
  fail under ``CI=true`` so CI can never skip the tour silently.
* :class:`LabServer` starts one ``jupyter lab`` on 127.0.0.1 rooted at a *copy* of notebooks/,
  with throwaway settings, workspaces and runtime folders (the repository is never written),
  no token, the news pop-up off and ``windowingMode: none`` so every cell is in the page.
* :func:`tour_notebook` opens one notebook in the worker's JupyterLab page (loaded once, in a
  fresh workspace; the previous notebook is closed unsaved first), waits for a connected idle kernel,
  starts Run All without awaiting its promise (it can hang), polls the notebook *model* until
  every code cell has an execution count, collects error outputs (cells tagged
  ``raises-exception`` excepted), then moves one control of every widget (the seed box, else a
  dropdown, else a slider; a panel that runs on request also gets its primary button pressed)
  and waits for the widget's output (its text outside the controls, or its image) to change.
  A widget with no control at all (a progress bar) is only displayed, and is reported as such. It leaves a
  screenshot and shuts the kernel down. Facts behind these steps: /work/shared/JUPYTER_NOTES.md.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

__all__ = ["ROOT", "NOTEBOOKS", "HOW_TO_INSTALL", "browser_available", "browser_or_skip", "LabServer",
           "TourReport", "tour_notebook", "launch_chromium"]

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS: tuple[str, ...] = tuple(sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb")))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
HOW_TO_INSTALL = ("install Chromium to run the real-browser test: `sudo apt-get install chromium` on "
                  "Debian/Ubuntu (or put a Chromium binary named `chromium` on PATH)")


def _chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def browser_available() -> bool:
    """True when Chromium is on PATH and Python playwright is importable (nothing is started)."""
    return _chromium_path() is not None and importlib.util.find_spec("playwright") is not None


def browser_or_skip() -> str:
    """Chromium's path; otherwise skip with install advice - or fail when ``CI=true``."""
    path = _chromium_path()
    ci = os.environ.get("CI", "").lower() == "true"
    if path is None:
        if ci:
            pytest.fail("CI=true but no Chromium on PATH: " + HOW_TO_INSTALL)
        pytest.skip("no Chromium found: " + HOW_TO_INSTALL)
    if importlib.util.find_spec("playwright") is None:
        if ci:
            pytest.fail("CI=true but Python playwright is not installed (make install adds it)")
        pytest.skip("Python playwright is not installed: run `make install`")
    return path


def launch_chromium(playwright: Any, path: str) -> Any:
    """A headless Chromium from Debian's package (Playwright downloads no browser of its own)."""
    return playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    """One JupyterLab process serving a temporary copy of notebooks/ (start once, tour many)."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.served = workdir / "served"
        self.proc: subprocess.Popen | None = None
        self.url = ""
        self._log: Any = None

    def start(self, timeout: float = 90) -> "LabServer":
        shutil.copytree(ROOT / "notebooks", self.served)
        settings = self.workdir / "settings"
        for ext, name, value in [("apputils-extension", "notification", {"fetchNews": "false", "checkForUpdates": False}),
                                 ("notebook-extension", "tracker", {"windowingMode": "none"})]:
            folder = settings / "@jupyterlab" / ext
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{name}.jupyterlab-settings").write_text(json.dumps(value))
        port = _free_port()
        env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(settings),
                   JUPYTERLAB_WORKSPACES_DIR=str(self.workdir / "workspaces"),
                   JUPYTER_RUNTIME_DIR=str(self.workdir / "runtime"),
                   MPLBACKEND="module://matplotlib_inline.backend_inline")
        cmd = [sys.executable, "-m", "jupyterlab", "--allow-root", "--no-browser", f"--port={port}",
               "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=", "--ServerApp.password=",
               "--ServerApp.disable_check_xsrf=True", "--LabApp.expose_app_in_browser=True",
               f"--ServerApp.root_dir={self.served}"]
        self._log = open(self.workdir / "jupyter.log", "w")
        self.proc = subprocess.Popen(cmd, cwd=self.served, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited early with code {self.proc.returncode}; "
                                   f"see {self.workdir / 'jupyter.log'}")
            try:
                with urllib.request.urlopen(self.url + "/api/status", timeout=2):
                    return self
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"JupyterLab did not answer at {self.url} within {timeout} s") from None
                time.sleep(0.3)

    def shutdown_kernels(self) -> None:
        """Stop every kernel, so a finished notebook's kernel does not take CPU from the next one."""
        with urllib.request.urlopen(self.url + "/api/sessions", timeout=10) as r:
            sessions = json.load(r)
        for s in sessions:
            req = urllib.request.Request(f"{self.url}/api/sessions/{s['id']}", method="DELETE")
            with urllib.request.urlopen(req, timeout=30):
                pass

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        if self._log is not None:
            self._log.close()


APP_READY = """() => !!(window.jupyterapp && window.jupyterapp.shell && window.jupyterapp.commands
                        && window.jupyterapp.commands.hasCommand('docmanager:open'))"""

# Close every document in the main area without a save prompt (Run All leaves notebooks dirty;
# the tour never saves), then open ``path`` with the notebook editor.
OPEN_NOTEBOOK = """async (path) => {
  const app = window.jupyterapp;
  await app.restored;  // the layout restorer would otherwise rearrange the main area afterwards
  for (const w of Array.from(app.shell.widgets('main'))) {
    if (w.context && w.context.model) { w.context.model.dirty = false; }
    w.close();
  }
  await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
}"""

KERNEL_READY = """(path) => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!(w && w.context && w.context.path === path && w.content && w.content.widgets && k
            && k.connectionStatus === 'connected' && k.status === 'idle');
}"""

ALL_CELLS_RAN = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const k = w.sessionContext.session.kernel;
  if (!k || k.status !== 'idle') return false;
  return w.content.widgets.every(c => c.model.type !== 'code' || c.model.executionCount !== null);
}"""

# [code cells, unrun cells, errors outside cells tagged raises-exception]
CELL_REPORT = """() => {
  const cells = window.jupyterapp.shell.currentWidget.content.widgets.filter(c => c.model.type === 'code');
  const tagged = c => (c.model.getMetadata('tags') || []).includes('raises-exception');
  return [cells.length,
          cells.map((c, i) => c.model.executionCount === null ? i : -1).filter(i => i >= 0),
          cells.flatMap((c, i) => tagged(c) ? [] : c.model.outputs.toJSON()
                .filter(o => o.output_type === 'error').map(o => `code cell ${i}: ${o.ename}: ${o.evalue}`))];
}"""

# Mark each top-level widget view (a widget output not nested in another widget) and count them.
MARK_WIDGETS = """() => {
  const outs = Array.from(document.querySelectorAll('.jp-NotebookPanel .jp-OutputArea-output'))
    .filter(o => o.querySelector('.jupyter-widgets') && !o.parentElement.closest('.jupyter-widgets'));
  outs.forEach((o, i) => o.setAttribute('data-tour-widget', String(i)));
  return outs.length;
}"""

# What a widget shows, outside its controls: text plus a hash of every image (a PNG redraw changes no text).
SIGNATURE = """(root) => {
  const c = root.cloneNode(true);
  c.querySelectorAll('.dsw-control, .widget-readout, input, select, textarea, button, .widget-slider, .widget-dropdown')
    .forEach(n => n.remove());
  let h = 0;
  for (const img of root.querySelectorAll('img')) {
    const s = img.src || '';
    for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  }
  return c.textContent.replace(/\\s+/g, ' ').trim() + ' #img:' + h;
}"""


@dataclass
class TourReport:
    """What touring one notebook found (the test asserts on it; the timings are for reports)."""

    notebook: str
    code_cells: int = 0
    unrun: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    widgets: list[str] = field(default_factory=list)
    frozen: list[str] = field(default_factory=list)
    open_seconds: float = 0.0
    run_seconds: float = 0.0
    widget_ms: list[float] = field(default_factory=list)


def _move_one_control(page: Any, root: Any) -> str:
    """Change one control of a widget; say which. Seed box first, else a dropdown, else a slider."""
    seed = root.locator(".dsw-control-seed input")
    if seed.count():
        seed.first.scroll_into_view_if_needed()
        old = seed.first.input_value()
        seed.first.fill(str(int(old or 0) + 1))
        seed.first.press("Enter")
        return f"seed {old} -> {int(old or 0) + 1}"
    select = root.locator("select")
    if select.count():
        box = select.first
        box.scroll_into_view_if_needed()
        options = box.locator("option")
        current = box.evaluate("e => e.selectedIndex")
        label = options.nth((current + 1) % options.count()).inner_text()
        box.select_option(index=(current + 1) % options.count())
        return f"dropdown -> {label!r}"
    handle = root.locator(".noUi-handle")
    if handle.count():
        handle.first.scroll_into_view_if_needed()
        handle.first.focus()
        handle.first.press("ArrowRight")
        return "slider one step right"
    return ""


def _changed(page: Any, root: Any, before: str, timeout_ms: int) -> bool:
    try:
        page.wait_for_function(f"([sel, old]) => ({SIGNATURE})(document.querySelector(sel)) !== old",
                               arg=[f"[data-tour-widget='{root.get_attribute('data-tour-widget')}']", before],
                               timeout=timeout_ms, polling=50)
        return True
    except Exception as exc:  # playwright's TimeoutError
        if type(exc).__name__ != "TimeoutError":
            raise
        return False


def open_in_lab(page: Any, lab: LabServer, notebook: str) -> None:
    """Open ``notebook`` in the page's JupyterLab, loading JupyterLab first if the page has none.

    A worker's page loads JupyterLab once (a fresh workspace, so nothing is restored) and then
    opens one notebook after another in it: loading the application again for every notebook
    cost about 3 s each.
    """
    if not page.url.startswith(lab.url) or not page.evaluate(APP_READY):
        page.goto(f"{lab.url}/lab/workspaces/tour-{uuid.uuid4().hex[:8]}")
        page.wait_for_function(APP_READY, timeout=120_000, polling=100)
    page.keyboard.press("Escape")  # a dialog left by an earlier notebook would catch the clicks
    page.evaluate(OPEN_NOTEBOOK, notebook)


def tour_notebook(page: Any, lab: LabServer, notebook: str, screenshot: Path) -> TourReport:
    """Open ``notebook``, Run All, check the cells, move one control per widget, save a screenshot."""
    report = TourReport(notebook)
    try:
        t0 = time.perf_counter()
        open_in_lab(page, lab, notebook)
        page.wait_for_function(KERNEL_READY, arg=notebook, timeout=120_000, polling=100)
        report.open_seconds = time.perf_counter() - t0
        t0 = time.perf_counter()
        page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
        page.wait_for_function(ALL_CELLS_RAN, timeout=240_000, polling=250)
        report.run_seconds = time.perf_counter() - t0
        report.code_cells, report.unrun, report.errors = page.evaluate(CELL_REPORT)
        for i in range(page.evaluate(MARK_WIDGETS)):
            root = page.locator(f"[data-tour-widget='{i}']")
            root.scroll_into_view_if_needed()
            before = root.evaluate(SIGNATURE)
            t1 = time.perf_counter()
            moved = _move_one_control(page, root)
            on_request = root.locator(".dsw-on-request").count() > 0  # a panel that waits for its button
            ok = bool(moved) and not on_request and _changed(page, root, before, 5_000)
            if not ok:
                # a panel that runs on request (auto_run off) answers its primary button (Run, Add)
                button = root.locator("button.mod-primary")
                if button.count():
                    button.first.click()
                    moved += " + " + button.first.inner_text().strip()
                    ok = _changed(page, root, before, 30_000)
            if not moved and not root.locator(".dsw-panel, input, select, textarea, .noUi-handle, button").count():
                report.widgets.append(f"widget {i}: display only (no control)")  # e.g. a progress bar
                continue
            label = f"widget {i}: {moved or 'no control found'}"
            report.widgets.append(label)
            if ok:
                report.widget_ms.append(round((time.perf_counter() - t1) * 1000))
            else:
                report.frozen.append(label)
    finally:
        page.screenshot(path=str(screenshot))
        lab.shutdown_kernels()
    return report
