"""Every panel redraws into its emptied Axes (ticks kept) exactly as into cleared ones.

``ExperimentPanel.reuse_axes`` (on by default) empties the Axes with ``empty_axes`` instead of
``Axes.clear``, which is faster but only correct if every drawing function sets, on every draw,
whatever it relies on. So each panel is moved through seeded random settings, and after every
change its picture is rendered a second time from the same result into cleared Axes: the pixels
must be identical. The garbage collector is back on after every run, as it was.

The panels draw with an Agg renderer that keeps the bitmaps of the texts it has drawn
(``viz._agg``); each picture is also rendered by matplotlib's own Agg canvas: identical pixels.
"""

from __future__ import annotations

import gc
import random
from typing import Any

import matplotlib

matplotlib.use("Agg")

import ipywidgets as widgets  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import dsworkbook as dw  # noqa: E402
from dsworkbook.widgets import ExperimentPanel  # noqa: E402

CHANGES_PER_PANEL = 5
PANELS = [getattr(dw.widgets, name) for name in dw.widgets.__all__
          if isinstance(getattr(dw.widgets, name), type) and issubclass(getattr(dw.widgets, name), ExperimentPanel)
          and getattr(dw.widgets, name) is not ExperimentPanel]


def _random_value(w: widgets.ValueWidget, rng: random.Random) -> Any:
    if hasattr(w, "_options_values"):
        return rng.choice(list(w._options_values))
    if isinstance(w, widgets.Checkbox):
        return not w.value
    if isinstance(w, (widgets.IntSlider, widgets.FloatSlider)):
        v = w.min + w.step * rng.randrange(int(round((w.max - w.min) / w.step)) + 1)
        return int(v) if isinstance(w, widgets.IntSlider) else round(v, 10)
    if isinstance(w, (widgets.IntText, widgets.BoundedIntText)):
        return rng.randrange(0, 60)
    return None  # free text: left alone


def _pixels(panel: ExperimentPanel) -> np.ndarray:
    panel.fig.canvas.draw()
    return np.asarray(panel.fig.canvas.buffer_rgba()).copy()


def _fresh_canvas_pixels(panel: ExperimentPanel, canvas_class: type) -> np.ndarray:
    """The picture drawn by a new canvas of ``canvas_class`` with the panel's drawing settings.

    A new canvas has a new renderer: matplotlib caches text sizes per renderer, whatever the
    hinting they were measured with, so a renderer that drew with other settings may place a text
    a pixel away.
    """
    canvas_class(panel.fig)
    with matplotlib.rc_context(panel.render_rc):
        return _pixels(panel)


def test_the_panel_list_is_not_empty_and_every_panel_reuses_its_axes_by_default():
    assert len(PANELS) >= 12
    assert all(cls.reuse_axes for cls in PANELS)


@pytest.mark.parametrize("cls", PANELS, ids=lambda c: c.__name__)
def test_a_redraw_into_emptied_axes_has_the_pixels_of_one_into_cleared_axes(cls: type[ExperimentPanel]):
    panel = cls()
    if panel.result is None and panel.error is None:
        panel.run()
    if panel.fig is None:
        pytest.skip(f"{cls.__name__} draws no diagram")
    rng = random.Random(f"redraw:{cls.__name__}")
    movable = [(name, w) for name, w in panel.controls.items() if _random_value(w, rng) is not None]
    compared = 0
    for _ in range(CHANGES_PER_PANEL):
        name, w = rng.choice(movable)
        value = _random_value(w, rng)
        try:
            panel.set(**{name: value})
        except dw.errors.ConfigError:
            continue
        if not panel.auto_run or panel.stale:
            panel.run()
        assert gc.isenabled(), "a run left the garbage collector off"
        if panel.result is None:
            continue  # a refused combination: the error text is drawn the same way both times
        reused = _pixels(panel)
        panel.reuse_axes = False
        try:
            with panel.drawing():
                panel.draw(panel.result, panel.axes)
        finally:
            panel.reuse_axes = True
        cleared = _pixels(panel)
        assert reused.shape == cleared.shape
        differ = int((reused != cleared).any(axis=-1).sum())
        assert differ == 0, (f"{cls.__name__} after {name}={value!r}: {differ} pixels differ between a redraw into "
                             f"emptied axes and one into cleared axes (settings {panel.values}); the draw relies on a "
                             f"default it changed on an earlier run: set it on every draw, or reuse_axes = False")
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        from dsworkbook.viz._agg import TextCachingCanvasAgg

        assert isinstance(panel.fig.canvas, TextCachingCanvasAgg)
        plain = _fresh_canvas_pixels(panel, FigureCanvasAgg)
        caching = _fresh_canvas_pixels(panel, TextCachingCanvasAgg)  # its texts' bitmaps mostly kept from before
        differ = int((caching != plain).any(axis=-1).sum())
        assert differ == 0, (f"{cls.__name__} after {name}={value!r}: {differ} pixels differ between the panel's "
                             f"text-caching Agg canvas and matplotlib's own (settings {panel.values})")
        compared += 1
    assert compared >= 1, f"{cls.__name__}: no setting could be drawn"
