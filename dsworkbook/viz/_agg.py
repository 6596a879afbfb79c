"""An Agg canvas that keeps the bitmap of every text it has drawn, for the experiment panels.

A panel redraws its figure on every control change, and most of its texts (names, tick labels,
legend entries, titles) are the same from one run to the next. Agg lays each text out and renders
its glyphs into a bitmap on every draw (``RendererAgg.draw_text``); this renderer renders a text
once per font, size, resolution and text settings, keeps the bitmap, and afterwards only composes
it at its new place, as ``RendererAgg.draw_text`` does. The pixels are those of the plain Agg
renderer (tests/test_widgets_redraw.py renders every panel both ways). Drawing the figure of one
of the six slowest panels again takes 0.4 (the CRDT playground, mostly text) to 0.85 of the time.

Math text (``$...$``) goes the usual way.

The canvas also lets each box of a legend measure itself once per draw. A legend is a tree of
boxes (a column of rows of a handle and a text), and matplotlib's boxes measure their children
again at every level of the tree and again to draw them: a legend measured each of its texts
about six times, and the 13-entry legend of the PBFT panel took 45 % of its figure's drawing
time (with each box measured once, the figure draws in 0.8 of the time). While the canvas draws,
each box's measurements are kept (they cannot change within a draw); after it, they are
forgotten. Same pixels again: the same tests compare.
"""

from __future__ import annotations

import contextlib
from math import cos, radians, sin
from typing import Any, Iterator

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.font_manager import fontManager
from matplotlib.offsetbox import OffsetBox

#: How many text bitmaps are kept (the oldest goes first); a panel's figure has tens to hundreds.
MAX_TEXTS = 4096


class TextCachingRendererAgg(RendererAgg):
    """``RendererAgg`` whose ``draw_text`` renders each distinct text once (see the module docstring)."""

    # Shared by every renderer: a key names everything the bitmap depends on, including the dpi.
    _bitmaps: dict[tuple, tuple[np.ndarray, float, float, float]] = {}

    def draw_text(self, gc: Any, x: float, y: float, s: str, prop: Any, angle: float, ismath: Any = False,
                  mtext: Any = None) -> None:
        if ismath:
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        antialiased = gc.get_antialiased()
        key = (s, tuple(fontManager._find_fonts_by_props(prop)), prop.get_size_in_points(), self.dpi, antialiased,
               get_hinting_flag(), mpl.rcParams["text.hinting_factor"], mpl.rcParams["text.kerning_factor"])
        kept = self._bitmaps.get(key)
        if kept is None:
            # What RendererAgg.draw_text does before it places the bitmap: the angle is applied
            # when the bitmap is composed, so the bitmap itself does not depend on it
            font = self._prepare_font(prop)
            font.set_text(s, 0, flags=get_hinting_flag())
            font.draw_glyphs_to_bitmap(antialiased=antialiased)
            xo, yo = font.get_bitmap_offset()
            kept = (np.array(font.get_image()), font.get_descent() / 64.0, xo / 64.0, yo / 64.0)
            if len(self._bitmaps) >= MAX_TEXTS:
                del self._bitmaps[next(iter(self._bitmaps))]
            self._bitmaps[key] = kept
        image, descent, xo, yo = kept
        xd, yd = descent * sin(radians(angle)), descent * cos(radians(angle))
        self._renderer.draw_text_image(image, round(x + xo + xd), round(y + yo + yd) + 1, angle, gc)


#: The methods by which a legend's boxes measure themselves (``OffsetBox`` and its subclasses).
_MEASURES = ("get_bbox", "_get_bbox_and_child_offsets")


@contextlib.contextmanager
def legends_measured_once(figure: Any) -> Iterator[None]:
    """While the body draws ``figure``, each box of each legend measures itself once (module docstring)."""
    legends = [*figure.legends, *(ax.get_legend() for ax in figure.axes)]
    boxes = [box for legend in legends if legend is not None for box in legend.findobj(OffsetBox)]
    kept: dict[tuple[int, str], Any] = {}

    def measured_once(box: OffsetBox, name: str) -> Any:
        measure = getattr(box, name)

        def once(renderer: Any) -> Any:
            key = (id(box), name)
            if key not in kept:
                kept[key] = measure(renderer)
            return kept[key]
        return once

    for box in boxes:
        for name in _MEASURES:
            setattr(box, name, measured_once(box, name))  # on the instance: the class is untouched
    try:
        yield
    finally:
        for box in boxes:
            for name in _MEASURES:
                box.__dict__.pop(name, None)


class TextCachingCanvasAgg(FigureCanvasAgg):
    """``FigureCanvasAgg`` drawing with :class:`TextCachingRendererAgg`, each legend measured once."""

    def draw(self) -> None:
        with legends_measured_once(self.figure):
            super().draw()

    def get_renderer(self) -> RendererAgg:
        w, h = self.figure.bbox.size
        key = w, h, self.figure.dpi
        if self._lastKey != key:  # as FigureCanvasAgg: a new renderer when the size or dpi changes
            self.renderer = TextCachingRendererAgg(w, h, self.figure.dpi)
            self._lastKey = key
        return self.renderer
