"""The experiment panel: controls -> a run -> a verdict, a table and a diagram.

Theory of operation
-------------------
Every theme's widget is an :class:`ExperimentPanel`. A panel has

* **controls**: a dict ``name -> ipywidget`` (sliders, dropdowns, a seed box...);
* a **compute** step, ``compute(params, progress) -> ExperimentResult``, which runs the
  experiment for the current control values (``params``) and may call ``progress(fraction)``
  to move the progress bar during a long run;
* a **draw** step, ``draw(result, ax)``, which draws the diagram into an Axes of the panel's
  one Figure.

Subclasses override :meth:`make_controls`, :meth:`compute` and :meth:`draw`; a quick panel can
instead pass ``controls=``, ``compute=`` and ``draw=`` functions. The base class does the rest
and keeps these rules:

* **Headless first.** :meth:`set` changes controls, :meth:`run` runs synchronously and returns
  the result; :attr:`result`, :attr:`error`, :attr:`runs`, :attr:`values` and
  :attr:`verdict_text` are plain Python, so tests need no browser and no kernel.
* **One Figure per panel**, cleared and redrawn in place on every run, then shown as a PNG in
  an ``ipywidgets.Image`` whose value is replaced (no new figure per run, no flicker, and no
  dependence on a matplotlib backend being active).
* **Every result shows its seed** (``seed: 7 — ...``) so a reader can reproduce it.
* **Errors are shown, never lost.** An exception from compute or draw (say a ConfigError for a
  bad combination of controls) is kept in :attr:`error` and shown in red in the verdict line,
  instead of vanishing into a widget callback's log.
* ``auto_run=True`` reruns on any control change (sliders report only on release); the Run
  button always works. Several values given to one :meth:`set` call cause one run, not many.
* **A control answers at once** (issue 17: <= 100 ms p50, measured by ``bench/widgets.py``).
  Where a run for the new settings would take longer, the panel says so in
  :meth:`runs_on_change` (a rule on the settings, never a stopwatch: the same settings behave
  the same on every machine). Such a change only marks the result **stale**: the previous
  result, table and diagram stay shown, the verdict line says the settings changed and the Run
  button lights up; pressing it runs with the progress bar. :meth:`set` (the scripted and
  tested path) always runs, since its caller asked for the result.
* **No garbage collection inside a run.** Python's cyclic collector is off while a run computes,
  draws and renders, and on again afterwards (if it was on): a kernel that holds several finished
  simulations has many objects, and a full collection starting mid-run puts its pause between the
  control and its answer (``bench/widgets.py``, every panel alive in one process: 27 of 93
  controls over 100 ms p50 with the collector on, 13 with it off, before the redraw work
  below). The run's garbage is collected once it has answered.
* **Few messages per answer.** The table is the DataFrame's own HTML in an ``ipywidgets.HTML``
  (shown headless too); the Run button turns to "Running…" and the progress bar moves only once
  a run has taken :attr:`ExperimentPanel.busy_after` (0.1 s), so a quick answer is one image, one
  verdict and one table on their way to the page.
"""

from __future__ import annotations

import contextlib
import gc
import html
import io
import math
import time
import traceback
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping

import ipywidgets as widgets
from traitlets import TraitError

from dsworkbook.errors import ConfigError, DSWorkbookError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["ExperimentPanel", "ExperimentResult", "Progress", "ComputeFn", "DrawFn"]

Progress = Callable[[float], None]


@dataclass(repr=False)
class ExperimentResult:
    """What one run of an experiment produced.

    ``params`` are the control values it ran with, ``seed`` the seed (taken from the ``seed``
    control when compute leaves it None), ``table`` a DataFrame to show, ``verdict`` one line of
    text, and ``data`` anything else (the Simulation, raw DataFrames...) for a notebook to explore.
    """

    params: dict[str, Any]
    seed: int | None = None
    table: "pd.DataFrame | None" = None
    verdict: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        shape = "None" if self.table is None else "x".join(map(str, self.table.shape))
        return f"ExperimentResult(seed={self.seed!r}, verdict={self.verdict!r}, table={shape}, data={sorted(self.data)})"


ComputeFn = Callable[[dict[str, Any], Progress], ExperimentResult]
DrawFn = Callable[[ExperimentResult, Any], None]

_CHOICE_WIDGETS = (widgets.Dropdown, widgets.RadioButtons, widgets.ToggleButtons, widgets.Select,
                   widgets.SelectionSlider)
_ERROR_COLOR = "#c0392b"


def _check_choice(name: str, w: Any, value: Any) -> Any:
    labels, values = list(w._options_labels), list(w._options_values)
    if value in values:
        return value
    if isinstance(value, str) and value in labels:
        return values[labels.index(value)]
    raise ConfigError(f"{name} must be one of {labels}, got {value!r}")


def _check_number(name: str, w: Any, value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise ConfigError(f"{name} must be a number, got {value!r}")
    if isinstance(w.value, int) and not isinstance(w.value, bool):
        if value != int(value):
            raise ConfigError(f"{name} must be a whole number, got {value!r}")
        value = int(value)
    lo, hi = getattr(w, "min", None), getattr(w, "max", None)
    if lo is not None and hi is not None and not lo <= value <= hi:
        raise ConfigError(f"{name} must be between {lo} and {hi}, got {value!r}")
    return value


def check_control_value(name: str, w: widgets.ValueWidget, value: Any) -> Any:
    """Validate ``value`` for control ``w`` (a choice may be given by its label); returns the value to set.

    A slider silently clamps an out-of-range value, which would hide a typo in a notebook;
    here it is an error that names the allowed range.
    """
    if isinstance(w, _CHOICE_WIDGETS):
        return _check_choice(name, w, value)
    if isinstance(w.value, (int, float)) and not isinstance(w.value, bool):
        return _check_number(name, w, value)
    return value


class ExperimentPanel:
    """Base of every theme's experiment widget (see the module docstring).

    ``auto_run`` reruns on every control change; ``run_now`` runs once at construction;
    ``initial`` gives starting control values (checked like :meth:`set`).

    After a run: ``result`` (None if it failed), ``error`` (None if it succeeded), ``runs`` (how
    many runs were started, failed ones included), ``verdict_text``, ``progress_value``; the
    widgets are ``controls``, ``run_button``, ``progress_bar``, ``verdict``, ``table_output``,
    ``diagram`` and, laid out, ``widget``; the diagram's one Figure is ``fig``.
    """

    #: Shown above the controls.
    title: str = ""
    #: The diagram's size in inches, its resolution, and its subplot margins.
    figsize: tuple[float, float] = (10.0, 3.8)
    dpi: int = 96
    margins: Mapping[str, float] = {"left": 0.06, "right": 0.80, "top": 0.86, "bottom": 0.13}
    #: Matplotlib settings while the diagram is cleared, drawn and rendered. A title placed at
    #: ``axes.titley`` instead of automatically skips laying the axes out once more to look for
    #: tick labels above them (no panel puts any there), and unhinted glyphs render faster; the
    #: two take 10-25 % off a redraw (``bench/widgets.py``), and the picture does not move.
    render_rc: Mapping[str, Any] = {"axes.titley": 1.0, "text.hinting": "none"}
    #: Redraw into the emptied Axes (keeping their ticks) instead of clearing them: an empty
    #: redraw in 2/3 of the time; tests/test_widgets_redraw.py checks that the pixels are the same.
    reuse_axes: bool = True
    #: Seconds into a run before the page shows it running (the Run button says "Running…") and
    #: between two moves of the progress bar.
    busy_after: float = 0.1
    #: The verdict line as plain text, e.g. "seed: 7 — 412 sent, 371 delivered, ...".
    verdict_text: str = "not run yet"

    def __init__(self, controls: Mapping[str, widgets.ValueWidget] | None = None, compute: ComputeFn | None = None,
                 draw: DrawFn | None = None, *, title: str | None = None, auto_run: bool = False,
                 run_now: bool = False, initial: Mapping[str, Any] | None = None) -> None:
        self._compute_fn, self._draw_fn = compute, draw
        if compute is None and type(self).compute is ExperimentPanel.compute:
            raise ConfigError("an ExperimentPanel needs a compute step: pass compute=fn or override compute()")
        self.controls: dict[str, widgets.ValueWidget] = self._checked_controls(
            controls if controls is not None else self.make_controls())
        if title is not None:
            self.title = title
        self.auto_run = bool(auto_run)
        self.result: ExperimentResult | None = None
        self.error: BaseException | None = None
        self.runs = 0
        self.progress_value = 0.0
        self.stale = False
        self._running = self._holding = self._busy = False
        self._shown_at = 0.0
        self.fig, self.axes = self._make_figure()
        self._build_widgets()
        if initial:
            self._apply(self._checked_values(dict(initial)))
        if run_now:
            self.run()

    # -- what subclasses provide ------------------------------------------------------------

    def make_controls(self) -> dict[str, widgets.ValueWidget]:
        """The controls, name -> widget (override, or pass ``controls=``)."""
        raise ConfigError("an ExperimentPanel needs controls: pass controls={...} or override make_controls()")

    def compute(self, params: dict[str, Any], progress: Progress) -> ExperimentResult:
        """Run the experiment for ``params``; call ``progress(fraction)`` now and then on long runs."""
        assert self._compute_fn is not None  # checked in __init__
        return self._compute_fn(params, progress)

    def draw(self, result: ExperimentResult, ax: Any) -> None:
        """Draw ``result`` into ``ax`` (what :meth:`make_axes` returned, already cleared)."""
        if self._draw_fn is not None:
            self._draw_fn(result, ax)

    def make_axes(self, fig: "Figure") -> Any:
        """The Axes (or several) that :meth:`draw` receives; one Axes by default."""
        return fig.add_subplot()

    def runs_on_change(self, params: Mapping[str, Any]) -> bool:
        """Whether a control change to ``params`` reruns at once (True) or waits for Run (False).

        Override where some settings make a run too slow to follow a control (see the module
        docstring); decide from ``params`` only, so the rule is the same on every machine.
        """
        return True

    @property
    def has_diagram(self) -> bool:
        return self._draw_fn is not None or type(self).draw is not ExperimentPanel.draw

    # -- building -----------------------------------------------------------------------------

    @staticmethod
    def _checked_controls(controls: Mapping[str, Any]) -> dict[str, widgets.ValueWidget]:
        if not isinstance(controls, Mapping) or not controls:
            raise ConfigError(f"controls must be a non-empty dict of name -> ipywidget, got {controls!r}")
        for name, w in controls.items():
            if not isinstance(name, str) or not name.isidentifier():
                raise ConfigError(f"control names must be Python identifiers (they are set with set(name=...)), got {name!r}")
            if not isinstance(w, widgets.ValueWidget):
                raise ConfigError(f"control {name!r} must be an ipywidget with a value (a slider, a dropdown...), "
                                  f"got {type(w).__name__}")
        return dict(controls)

    def _make_figure(self) -> tuple["Figure | None", Any]:
        if not self.has_diagram:
            return None, None
        from matplotlib.figure import Figure

        from dsworkbook.viz._agg import TextCachingCanvasAgg

        fig = Figure(figsize=self.figsize, dpi=self.dpi)
        TextCachingCanvasAgg(fig)  # Agg, rendering each distinct text once (viz/_agg.py)
        fig.subplots_adjust(**self.margins)
        return fig, self.make_axes(fig)

    def _build_widgets(self) -> None:
        for name, w in self.controls.items():
            w.add_class("dsw-control")
            w.add_class(f"dsw-control-{name}")
            if w.has_trait("continuous_update"):
                w.continuous_update = False  # rerun when a slider is released, not for every pixel
            w.observe(self._on_change, names="value")
        self.run_button = widgets.Button(description="Run", button_style="primary", icon="play",
                                         tooltip="run the experiment with these settings")
        self.run_button.on_click(lambda _button: self.run())
        self.progress_bar = widgets.FloatProgress(value=0.0, min=0.0, max=1.0, description="progress",
                                                  layout=widgets.Layout(width="320px"))
        self.verdict = widgets.HTML(value="<i>not run yet: press Run</i>")
        self.verdict.add_class("dsw-verdict")
        # The table as the notebook would show the DataFrame (its _repr_html_), in an HTML widget:
        # one message per run, where an Output widget took two and, in JupyterLab, a third layout
        # pass 50 ms later (it holds its old height while it is emptied)
        self.table_output = widgets.HTML()
        self.table_output.add_class("jp-RenderedHTMLCommon")
        self.table_output.add_class("dsw-table")
        self.diagram = widgets.Image(format="png", layout=widgets.Layout(max_width="100%",
                                                                         display=None if self.fig else "none"))
        self.widget = widgets.VBox(self._layout_children())
        self.widget.add_class("dsw-panel")
        self.widget.add_class(f"dsw-panel-{type(self).__name__}")  # found by name in the page (bench/widgets.py --browser)
        if not self.auto_run:
            self.widget.add_class("dsw-on-request")  # runs when its button is pressed (the browser tour presses it)

    def _layout_children(self) -> list[widgets.Widget]:
        controls = widgets.Box(list(self.controls.values()),
                               layout=widgets.Layout(display="flex", flex_flow="row wrap", grid_gap="2px 16px"))
        children: list[widgets.Widget] = [controls, widgets.HBox([self.run_button, self.progress_bar]),
                                          self.verdict, self.table_output, self.diagram]
        if self.title:
            children.insert(0, widgets.HTML(value=f"<b>{html.escape(self.title)}</b>"))
        return children

    # -- controls -------------------------------------------------------------------------------

    @property
    def values(self) -> dict[str, Any]:
        """The current control values, name -> value."""
        return {name: w.value for name, w in self.controls.items()}

    def _checked_values(self, values: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(values) - set(self.controls))
        if unknown:
            raise ConfigError(f"unknown control(s) {unknown}; this panel has {list(self.controls)}")
        return {name: check_control_value(name, self.controls[name], v) for name, v in values.items()}

    def _apply(self, values: dict[str, Any]) -> bool:
        """Set control values without triggering runs; True if any value changed."""
        changed = False
        self._holding = True
        try:
            for name, v in values.items():
                w = self.controls[name]
                if w.value != v:
                    try:
                        w.value = v
                    except TraitError as exc:
                        raise ConfigError(f"cannot set {name} to {v!r}: {exc}") from None
                    changed = True
        finally:
            self._holding = False
        return changed

    def set(self, **values: Any) -> None:
        """Set control values by name (all checked first); with ``auto_run``, rerun once if any changed."""
        if self._apply(self._checked_values(values)) and self.auto_run:
            self.run()

    def _on_change(self, change: Mapping[str, Any]) -> None:
        if not self.auto_run or self._holding or self._running:
            return
        if self.runs_on_change(self.values):
            self.run()
        else:
            self.mark_stale()

    def mark_stale(self) -> None:
        """Keep the previous result on show, say the settings changed, and light up the Run button."""
        self.stale = True
        self.report_progress(0.0)
        self.run_button.button_style = "warning"
        self.run_button.tooltip = "the settings changed: run the experiment with them (a longer run)"
        shown = self.verdict_text if self.result is not None or self.error is not None else "nothing yet"
        note = "settings changed: press Run to run with them (a longer run); still showing the previous result"
        self.verdict.value = (f"<b>{html.escape(note)}</b><br><span style=\"color:#777\">"
                              f"{html.escape(shown)}</span>")

    # -- running --------------------------------------------------------------------------------

    def report_progress(self, fraction: float) -> None:
        """The ``progress`` callback compute receives: move the bar to ``fraction`` (0..1).

        During a run the page hears of it only once the run has lasted :attr:`busy_after` seconds,
        and then at most every :attr:`busy_after` seconds: a run that answers at once shows no
        "Running…" flicker and sends no progress messages ahead of its answer.
        """
        if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or math.isnan(fraction):
            raise ConfigError(f"progress() takes a fraction between 0 and 1, got {fraction!r}")
        self.progress_value = min(max(float(fraction), 0.0), 1.0)
        if not self._running:
            self.progress_bar.value = self.progress_value
            return
        now = time.monotonic()
        if now - self._shown_at < self.busy_after:
            return
        self._shown_at = now
        if not self._busy:
            self._busy = True
            with self.run_button.hold_sync():
                self.run_button.disabled, self.run_button.description = True, "Running…"
        self.progress_bar.value = self.progress_value

    def run(self) -> ExperimentResult | None:
        """Run the experiment with the current values; returns the result (None if it failed).

        A failure is kept in :attr:`error` and shown in the verdict line, not raised.
        """
        if self._running:  # a control changed by compute itself: do not recurse
            return None
        self._running, self.stale, self._busy = True, False, False
        self._shown_at = time.monotonic()  # progress shows from busy_after seconds into the run
        self.runs += 1
        with self.run_button.hold_sync():
            self.run_button.button_style = "primary"
            self.run_button.tooltip = "run the experiment with these settings"
        params = self.values
        collecting = gc.isenabled()
        gc.disable()  # no collection between the control and its answer (module docstring)
        try:
            try:
                self.report_progress(0.0)
                result = self._execute(params)
            except Exception as exc:  # shown to the reader, kept for tests
                self._show_error(params, exc)
                return None
            finally:
                self._running = False
                if self._busy:
                    with self.run_button.hold_sync():
                        self.run_button.disabled, self.run_button.description = False, "Run"
            self._show(result)
            return result
        finally:
            if collecting:
                gc.enable()

    def _execute(self, params: dict[str, Any]) -> ExperimentResult:
        result = self.compute(dict(params), self.report_progress)
        if not isinstance(result, ExperimentResult):
            raise TypeError(f"{type(self).__name__}.compute must return an ExperimentResult, got {type(result).__name__}")
        if result.seed is None:
            result.seed = params.get("seed")
        if self.fig is not None:
            self.report_progress(self.progress_value)  # a run already long says so before it draws
            with self.drawing():
                self.draw(result, self.axes)
        return result

    @contextlib.contextmanager
    def drawing(self) -> Any:
        """Clear the diagram, let the body draw into :attr:`axes`, then render it (with :attr:`render_rc`).

        ``with panel.drawing(): draw_something(panel.axes)`` is how a subclass redraws outside a run
        (a time slider over a finished run, say).
        """
        assert self.fig is not None
        import matplotlib

        with matplotlib.rc_context(self.render_rc):
            self._clear_axes()
            yield self.axes
            self._render()

    def _clear_axes(self) -> None:
        """Empty every Axes for the next draw: :func:`~dsworkbook.viz._axes.empty_axes` keeps the tick
        objects that ``Axes.clear`` rebuilds (``reuse_axes = False`` clears them the usual way)."""
        assert self.fig is not None
        from dsworkbook.viz._axes import empty_axes

        for ax in self.fig.axes:
            if self.reuse_axes:
                empty_axes(ax)
            else:
                ax.clear()

    def _render(self) -> None:
        """Replace the diagram image with the Figure as it is now (one Figure, redrawn in place)."""
        assert self.fig is not None
        from PIL import Image

        # Draw the canvas once and encode its pixels: savefig would lay the figure out again for
        # the file (about a quarter of an empty redraw's time, measured by bench/widgets.py). zlib
        # level 1: a slightly larger PNG, made in less time than the default level 6 (the image
        # goes to the browser over a local socket; encoding, not size, is what a reader waits for)
        self.fig.canvas.draw()
        buf = io.BytesIO()
        Image.frombuffer("RGBA", self.fig.canvas.get_width_height(), self.fig.canvas.buffer_rgba(),
                         "raw", "RGBA", 0, 1).save(buf, format="png", compress_level=1)
        self.diagram.value = buf.getvalue()

    # -- showing ---------------------------------------------------------------------------------

    @staticmethod
    def _seed_prefix(seed: Any) -> str:
        return "" if seed is None else f"seed: {seed} — "

    def _show(self, result: ExperimentResult) -> None:
        self.result, self.error = result, None
        self.report_progress(1.0)
        self.verdict_text = self._seed_prefix(result.seed) + result.verdict
        seed = "" if result.seed is None else f"<b>seed: {html.escape(str(result.seed))}</b> — "
        self.verdict.value = seed + html.escape(result.verdict)
        self._show_table(result.table)

    def _show_error(self, params: dict[str, Any], exc: BaseException) -> None:
        self.result, self.error = None, exc
        message = f"{type(exc).__name__}: {exc}"
        self.verdict_text = self._seed_prefix(params.get("seed")) + message
        self.verdict.value = f'<span style="color:{_ERROR_COLOR}">{html.escape(self.verdict_text)}</span>'
        self._show_table(None)
        if not isinstance(exc, DSWorkbookError):  # a bug, not a usage error: show where
            self.table_output.value = (f'<pre style="color:{_ERROR_COLOR}">'
                                       f'{html.escape("".join(traceback.format_exception(exc)))}</pre>')
        if self.fig is not None:
            with self.drawing():
                self.fig.axes[0].text(0.5, 0.5, "no diagram: the run failed (see the red line above)", ha="center",
                                      va="center", color=_ERROR_COLOR, transform=self.fig.axes[0].transAxes)
                self.fig.axes[0].set_axis_off()

    def _show_table(self, table: "pd.DataFrame | None") -> None:
        if table is None:
            self.table_output.value = ""
            return
        shown = table._repr_html_() if hasattr(table, "_repr_html_") else None
        self.table_output.value = shown if shown is not None else html.escape(str(table))

    # -- display -----------------------------------------------------------------------------------

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = self.widget._repr_mimebundle_(**kwargs) or {}
        bundle["text/plain"] = repr(self)  # stable under nbval: no model ids, no image bytes
        return bundle

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.values.items())
        return f"{type(self).__name__}({args})"
