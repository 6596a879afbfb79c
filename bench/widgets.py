"""How fast every widget answers a control change: run ``python bench/widgets.py``.

Builds every panel ``dw.widgets`` exports (each :class:`~dsworkbook.widgets.ExperimentPanel`
subclass in ``dw.widgets.__all__``) headless, then moves each control through a seeded sequence
of values (``random.Random(seed)``: a different value each time, drawn from the control's own
options or range), the other controls at their starting values (a control goes back to its
starting value, untimed, before the next one moves). Each change is timed with ``time.perf_counter`` from the value assignment
(``widget.value = v``, what the browser's comm message does) until the call returns: for an
auto-run panel that is after compute, draw and the PNG render, i.e. the new result is ready and
redrawn; for a control that only marks the result stale (a panel that waits for its Run button),
it is that marking, and the Run click that follows is timed too, as ``run p50``.

The **anchor** is one empty redraw: a bare ExperimentPanel whose compute returns at once and whose
draw draws nothing, still clearing, drawing and rendering its Figure to a PNG, measured again just
before each panel; ``x anchor`` is the control's p50 / that anchor, so the ratios mean the same on a
fast and a slow (or busy) machine: the ms figures grow with the machine's load, the ratios much less.
The target (issue 17, section 3) is p50 <= 100 ms per control. The browser's own costs (the comm
round trip, decoding the PNG) are not in these figures: ``--browser`` measures them.

``--browser`` measures in real JupyterLab instead: one JupyterLab on 127.0.0.1 serving a copy of
notebooks/ and one headless Chromium (the notebook tour's, tests/browser/lab.py); each notebook
that holds a panel is opened and run, then every control of every panel is moved ``--values``
times from the page itself, forth and back (a number box gets one more, then one less, with its
``change`` event; a dropdown its next option, then the one before; a slider handle the right, then
the left arrow key; a checkbox a click), so that with an even ``--values`` every control is back
where it started before the next one moves. A change's time runs from that
event (``performance.now()``) to the last change the panel's DOM shows (a MutationObserver over
the panel, the moved control excepted; the panel is quiet for 300 ms after it; a control that
changes nothing in 3 s, one that waits for a Run press, is not counted): the comm round
trip to the kernel, the run, and the new verdict, table and image in the page. ``decoded p50``
runs on until the new diagram is also decoded (``img.decode()``), ready to be painted. The
anchor (the empty redraw above) is measured in each notebook's kernel just before its panel,
for ``x anchor``. Nothing here is asserted; exit 0.
"""

from __future__ import annotations

import argparse
import inspect
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import ipywidgets as widgets  # noqa: E402
import pandas as pd  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import dsworkbook as dw  # noqa: E402
from dsworkbook.widgets import ExperimentPanel, ExperimentResult  # noqa: E402

pd.set_option("display.width", 200)
pd.set_option("display.max_columns", 20)
pd.set_option("display.max_rows", 200)

TARGET_MS = 100.0
_CHOICES = (widgets.Dropdown, widgets.RadioButtons, widgets.ToggleButtons, widgets.Select, widgets.SelectionSlider)


def panel_classes() -> list[type[ExperimentPanel]]:
    """Every panel class the package exports (the base class itself excepted)."""
    out = []
    for name in dw.widgets.__all__:
        obj = getattr(dw.widgets, name)
        if isinstance(obj, type) and issubclass(obj, ExperimentPanel) and obj is not ExperimentPanel:
            out.append(obj)
    return out


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(q * (len(xs) - 1))))]


def anchor(repeats: int) -> float:
    """p50 ms of one empty redraw: a bare panel (default Figure) that computes and draws nothing."""
    panel = ExperimentPanel(controls={"seed": widgets.IntText(value=0)},
                            compute=lambda params, progress: ExperimentResult(params),
                            draw=lambda result, ax: None)
    panel.run()  # warm up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        panel.run()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def value_sequence(w: widgets.ValueWidget, rng: random.Random, n: int) -> list[Any] | None:
    """``n`` values for ``w``, each different from the one before (None: a control this bench skips)."""
    if isinstance(w, _CHOICES):
        pool = list(w._options_values)
    elif isinstance(w, widgets.Checkbox):
        return [not w.value if i % 2 == 0 else w.value for i in range(n)]
    elif isinstance(w, (widgets.IntSlider, widgets.FloatSlider)):
        steps = int(round((w.max - w.min) / w.step))
        pool = [w.min + i * w.step for i in range(steps + 1)]
        if isinstance(w, widgets.IntSlider):
            pool = [int(v) for v in pool]
        else:
            pool = [round(v, 10) for v in pool]
    elif isinstance(w, (widgets.IntText, widgets.BoundedIntText)):
        pool = list(range(0, 100))
    else:
        return None  # free text (the CRDT panel's op lists): no meaningful random values
    if len(pool) < 2:
        return None
    out, last = [], w.value
    for _ in range(n):
        v = rng.choice([p for p in pool if p != last])
        out.append(v)
        last = v
    return out


def measure_panel(cls: type[ExperimentPanel], rng: random.Random, n: int) -> list[dict[str, Any]]:
    panel = cls()
    if panel.result is None and panel.error is None:
        panel.run()
    rows = []
    for name, w in list(panel.controls.items()):
        values = value_sequence(w, rng, n)
        if values is None:
            continue
        start = w.value
        if values and w.value == values[0]:
            values = values[1:]
        change, run_times, auto, errors = [], [], 0, 0
        for v in values:
            before = panel.runs
            t0 = time.perf_counter()
            try:
                w.value = v
            except Exception:  # noqa: BLE001 - a value the panel refuses (shown, counted)
                errors += 1
                continue
            change.append((time.perf_counter() - t0) * 1000)
            if panel.runs > before:
                auto += 1
            else:  # the panel waits for its Run button: time the click too
                t0 = time.perf_counter()
                panel.run_button.click()
                run_times.append((time.perf_counter() - t0) * 1000)
            errors += panel.error is not None
        if w.value != start:  # back to where it was (untimed): each control moves with the others at their defaults
            runs = panel.runs
            w.value = start
            if panel.runs == runs:  # a panel that waits for its Run button
                panel.run_button.click()
        if not change:
            continue
        rows.append({
            "widget": cls.__name__, "control": name,
            "runs on": "change" if auto == len(change) else ("Run button" if auto == 0 else "mixed"),
            "n": len(change), "p50 ms": statistics.median(change), "p95 ms": _pct(change, 0.95),
            "max ms": max(change),
            "run p50 ms": statistics.median(run_times) if run_times else float("nan"),
            "errors": errors,
        })
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=17, help="seed of the value sequences")
    ap.add_argument("--values", type=int, default=6, help="values per control")
    ap.add_argument("--only", default="", help="comma-separated panel class names")
    ap.add_argument("--browser", action="store_true", help="measure in JupyterLab in Chromium instead (see above)")
    ap.add_argument("--notebooks", default="", help="with --browser: comma-separated notebook prefixes (01,06b)")
    args = ap.parse_args(argv)
    if args.browser:
        if args.values % 2:
            ap.error("--browser moves each control forth and back: give an even --values")
        return browser_main(args.values, {s for s in args.only.split(",") if s},
                            tuple(s + "_" for s in args.notebooks.split(",") if s))

    only = {s for s in args.only.split(",") if s}
    rows: list[dict[str, Any]] = []
    build: dict[str, float] = {}
    anchors: list[float] = []
    for cls in panel_classes():
        if only and cls.__name__ not in only:
            continue
        rng = random.Random(f"{args.seed}:{cls.__name__}")
        anchors.append(anchor(10))  # again before every panel: a shared machine's load drifts
        t0 = time.perf_counter()
        panel_rows = measure_panel(cls, rng, args.values)
        build[cls.__name__] = time.perf_counter() - t0
        for row in panel_rows:
            row["anchor ms"] = anchors[-1]
            row["x anchor"] = row["p50 ms"] / anchors[-1]
        rows.extend(panel_rows)
    ref = statistics.median(anchors)
    table = pd.DataFrame(rows)
    table["ok"] = (table["p50 ms"] <= TARGET_MS).map({True: "", False: "SLOW"})
    print(f"seed {args.seed}, {args.values} values per control; anchor (one empty redraw, p50 of 10, measured "
          f"before each panel): median {ref:.1f} ms, from {min(anchors):.1f} to {max(anchors):.1f} ms")
    print(table.round(1).to_string(index=False))
    worst = table.sort_values("p50 ms", ascending=False).iloc[0]
    slowest = table.sort_values("max ms", ascending=False).iloc[0]
    print(f"\nworst p50: {worst['widget']}.{worst['control']} {worst['p50 ms']:.1f} ms"
          f" ({worst['x anchor']:.1f}x anchor); slowest single change: {slowest['widget']}.{slowest['control']}"
          f" {slowest['max ms']:.1f} ms")
    print(f"controls over {TARGET_MS:.0f} ms p50: {int((table['p50 ms'] > TARGET_MS).sum())} of {len(table)}")
    print("bench wall time per panel (s): " + ", ".join(f"{k} {v:.1f}" for k, v in build.items()))
    return 0


# -- in the browser ------------------------------------------------------------------------------

# [class name, [[control name, kind], ...]] for every panel in the open notebook, in page order.
PANELS_IN_PAGE = """() => Array.from(document.querySelectorAll('.jp-NotebookPanel .dsw-panel')).map((p, i) => {
  p.setAttribute('data-bench-panel', String(i));
  const cls = Array.from(p.classList).find(c => c.startsWith('dsw-panel-')).slice('dsw-panel-'.length);
  const controls = Array.from(p.querySelectorAll('.dsw-control')).map(c => {
    const name = Array.from(c.classList).find(c2 => c2.startsWith('dsw-control-')).slice('dsw-control-'.length);
    const kind = c.querySelector('select') ? 'select' : c.querySelector('.noUi-handle') ? 'slider'
      : c.querySelector('input[type=checkbox]') ? 'checkbox' : c.querySelector('input[type=number]') ? 'number' : '';
    return [name, kind];
  }).filter(c => c[1]);
  return [cls, controls];
})"""

# Move one control from the page; return [ms until the panel's last DOM change, ms until that and the
# new diagram decoded] (null: nothing changed).
MOVE_AND_TIME = """async ([panel, name, kind, step]) => {
  const root = document.querySelector(`[data-bench-panel='${panel}']`);
  const ctl = root.querySelector('.dsw-control-' + name);
  let last = null, decoding = null, decoded = null;
  const obs = new MutationObserver(muts => {
    if (!muts.some(m => !ctl.contains(m.target))) return;
    last = performance.now();
    for (const m of muts) if (m.target.tagName === 'IMG' && m.attributeName === 'src') {
      decoded = null;
      decoding = m.target.decode().then(() => { decoded = performance.now(); }, () => {});
    }
  });
  obs.observe(root, {subtree: true, childList: true, attributes: true, characterData: true});
  const t0 = performance.now();
  if (kind === 'number') {
    const input = ctl.querySelector('input');
    input.value = String(Number(input.value) + step);
    input.dispatchEvent(new Event('change', {bubbles: true}));
  } else if (kind === 'select') {
    const select = ctl.querySelector('select');
    select.selectedIndex = (select.selectedIndex + step + select.options.length) % select.options.length;
    select.dispatchEvent(new Event('change', {bubbles: true}));
  } else if (kind === 'slider') {
    ctl.querySelector('.noUi-handle').dispatchEvent(new KeyboardEvent('keydown',
      {key: step > 0 ? 'ArrowRight' : 'ArrowLeft', bubbles: true}));
  } else {
    ctl.querySelector('input').click();
  }
  await new Promise(resolve => { const tick = () => { const now = performance.now();
    if ((last !== null && now - last > 300) || (last === null && now - t0 > 3000) || now - t0 > 20000) resolve();
    else setTimeout(tick, 5); }; tick(); });
  obs.disconnect();
  if (last === null) return null;
  if (decoding !== null) await decoding;
  return [last - t0, Math.max(last, decoded === null ? last : decoded) - t0];
}"""

# Run code in the open notebook's kernel and return what it printed.
IN_KERNEL = """async (code) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  let out = '';
  const future = kernel.requestExecute({code, silent: false, store_history: false});
  future.onIOPub = msg => { if (msg.header.msg_type === 'stream') out += msg.content.text; };
  await future.done;
  return out;
}"""

# The anchor, measured in the notebook's kernel (in a namespace of its own) just before its panels.
ANCHOR_IN_KERNEL = ("_bench = {}\nexec(" + repr("import statistics, time\nimport ipywidgets as widgets\n"
                    "from dsworkbook.widgets import ExperimentPanel, ExperimentResult\n" + inspect.getsource(anchor))
                    + ", _bench)\nprint(_bench['anchor'](10))\ndel _bench")


def browser_main(values: int, only: set[str], notebooks: tuple[str, ...] = ()) -> int:
    """Measure every panel control in JupyterLab in Chromium (see the module docstring)."""
    import shutil
    import tempfile

    from playwright.sync_api import sync_playwright

    from tests.browser.lab import ALL_CELLS_RAN, KERNEL_READY, NOTEBOOKS, LabServer, launch_chromium, open_in_lab

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("no Chromium on PATH: sudo apt-get install chromium")
        return 0
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="dsw-bench-") as tmp:
        lab = LabServer(Path(tmp)).start()
        try:
            with sync_playwright() as pw:
                browser = launch_chromium(pw, chromium)
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                for notebook in NOTEBOOKS:
                    if notebooks and not notebook.startswith(notebooks):
                        continue
                    open_in_lab(page, lab, notebook)
                    page.wait_for_function(KERNEL_READY, arg=notebook, timeout=120_000, polling=100)
                    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
                    page.wait_for_function(ALL_CELLS_RAN, timeout=240_000, polling=250)
                    for index, (cls, controls) in enumerate(page.evaluate(PANELS_IN_PAGE)):
                        if only and cls not in only:
                            continue
                        page.locator(f"[data-bench-panel='{index}']").scroll_into_view_if_needed()
                        ref = float(page.evaluate(IN_KERNEL, ANCHOR_IN_KERNEL))
                        for name, kind in controls:
                            times = [page.evaluate(MOVE_AND_TIME, [index, name, kind, 1 if i % 2 == 0 else -1])
                                     for i in range(values)]
                            answered = [t[0] for t in times if t is not None]
                            decoded = [t[1] for t in times if t is not None]
                            if not answered:
                                continue
                            rows.append({"notebook": notebook[:2] + notebook[2:].split("_")[0], "widget": cls,
                                         "control": name, "n": len(answered), "p50 ms": statistics.median(answered),
                                         "p95 ms": _pct(answered, 0.95), "max ms": max(answered),
                                         "decoded p50 ms": statistics.median(decoded), "anchor ms": ref,
                                         "x anchor": statistics.median(answered) / ref})
                    lab.shutdown_kernels()
                    done = [r for r in rows if r["notebook"] == notebook[:2] + notebook[2:].split("_")[0]]
                    if done:  # as it goes: a long run shows its figures early
                        print(f"{notebook}: " + ", ".join(f"{r['widget']}.{r['control']} {r['p50 ms']:.0f}"
                                                          for r in done), flush=True)
                browser.close()
        finally:
            lab.stop()
    table = pd.DataFrame(rows)
    if table.empty:
        print("no panel found")
        return 0
    table["ok"] = (table["p50 ms"] <= TARGET_MS).map({True: "", False: "SLOW"})
    print(f"in JupyterLab (Chromium, headless), {values} changes per control, from the control's event to the panel's "
          f"last DOM change (p50 ms), and to that and the new diagram decoded (decoded p50 ms); anchor: one empty "
          f"redraw in the notebook's kernel just before the panel (p50 of 10), median "
          f"{table['anchor ms'].median():.1f} ms")
    print(table.round(1).to_string(index=False))
    per_widget = table.groupby("widget", sort=False)["p50 ms"].agg(["min", "median", "max"]).round(1)
    print("\nper widget, p50 over its controls (ms):")
    print(per_widget.to_string())
    print(f"controls over {TARGET_MS:.0f} ms p50: {int((table['p50 ms'] > TARGET_MS).sum())} of {len(table)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
