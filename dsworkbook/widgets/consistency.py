"""The consistency explorer of notebook 03: pick or draw a history, see its timeline and the strongest model.

Theory of operation
-------------------
:class:`ConsistencyExplorer` is an :class:`~dsworkbook.widgets.panel.ExperimentPanel` with four
controls:

* ``example`` - a history from :data:`~dsworkbook.checkers.gallery.GALLERY`, a *generated* one
  (a random run against an atomic register, with or without an injected stale read, drawn from
  ``seed``), or ``"(my own drawing)"`` to use the text box;
* ``text`` - the history as an ASCII timeline (``A: [w 1]   [r 1]``), editable: choosing a
  gallery entry copies its drawing here; editing it switches ``example`` to ``"(my own
  drawing)"`` and reruns on the edited drawing;
* ``show`` - whose evidence to draw: a level of the ladder (its witness or counterexample);
* ``seed`` - for the generated histories.

Each run parses the history, classifies it (:func:`~dsworkbook.checkers.classify.classify`,
the model - register or key-value - read from the drawing), shows the verdict line
("strongest: sequential — not linearizable: ..."), a table with one row per level (shown whole,
its reasons wrapped), and the
timeline with the chosen level's evidence. A drawing that cannot be read is shown in red with
the line and what was expected.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from dsworkbook.checkers.classify import LADDER, classify
from dsworkbook.checkers.gallery import GALLERY, model_of
from dsworkbook.checkers.history import History, parse_timeline
from dsworkbook.checkers.workloads import random_history
from dsworkbook.display import Table
from dsworkbook.viz.timeline import timeline
from dsworkbook.widgets.panel import ExperimentPanel, ExperimentResult, Progress

__all__ = ["ConsistencyExplorer", "consistency_explorer", "OWN", "GENERATED"]

OWN = "(my own drawing)"
#: Generated examples: label -> random_history arguments (the seed control picks the run).
GENERATED = {
    "generated: atomic register": {"ops": 24, "clients": 4},
    "generated: one stale read": {"ops": 24, "clients": 4, "stale_reads": 1},
    "generated: timeouts": {"ops": 24, "clients": 4, "unknown": 0.25},
}
_WIDE: dict[str, Any] = {"style": {"description_width": "90px"}, "layout": {"width": "330px"}}


def _drawing(history: History) -> str:
    """A generated history does not fit a text drawing; say so in the text box."""
    return f"# a generated history of {len(history)} operations (pick '{OWN}' to draw your own)"


class ConsistencyExplorer(ExperimentPanel):
    """Pick or draw a history; see its timeline and the strongest consistency model it satisfies.

    ``ConsistencyExplorer(example="stale read")`` starts there. Headless:
    ``p.set(text="A: [w 1]\\nB:       [r 1]")`` (with ``example=OWN``), then read ``p.result``:
    ``p.result.data["classification"]`` holds every level's verdict and evidence.
    """

    title = "Consistency explorer: which models does this history satisfy?"
    figsize = (10.0, 3.2)
    margins = {"left": 0.08, "right": 0.97, "top": 0.86, "bottom": 0.16}

    def __init__(self, *, auto_run: bool = True, run_now: bool = True, **initial: Any) -> None:
        self._shown_text = GALLERY["stale read"].strip("\n")  # what the text box showed after the last run
        super().__init__(auto_run=auto_run, run_now=run_now, initial=initial)

    def make_controls(self) -> dict[str, widgets.ValueWidget]:
        options = list(GALLERY) + list(GENERATED) + [OWN]
        return {
            "example": widgets.Dropdown(options=options, value="stale read", description="history", **_WIDE),
            "show": widgets.Dropdown(options=list(LADDER), value="linearizable", description="evidence of",
                                     **_WIDE),
            "seed": widgets.IntText(value=3, description="seed", **_WIDE),
            "text": widgets.Textarea(value=GALLERY["stale read"].strip("\n"), description="drawing",
                                     layout={"width": "680px", "height": "110px"},
                                     style={"description_width": "90px"}),
        }

    def _show_text(self, text: str) -> None:
        self._shown_text = text
        self.controls["text"].value = text  # inside a run: no rerun

    def _history(self, params: dict[str, Any]) -> tuple[History, str]:
        example, text = params["example"], params["text"]
        if example == OWN or text != self._shown_text:    # the reader edited the drawing: use it
            self.controls["example"].value = OWN
            self._shown_text = text
            return parse_timeline(text), model_of(text)
        if example in GENERATED:
            h = random_history(params["seed"], **GENERATED[example])
            self._show_text(_drawing(h))
            return h, "register"
        self._show_text(GALLERY[example].strip("\n"))
        return parse_timeline(GALLERY[example]), model_of(GALLERY[example])

    def compute(self, params: dict[str, Any], progress: Progress) -> ExperimentResult:
        history, model = self._history(params)
        progress(0.3)
        cls = classify(history, model, time_limit=2.0)
        first_no = next((lvl for lvl in cls.fails), None)
        why = f" — not {first_no}: {cls[first_no].reason}" if first_no else ""
        verdict = f"strongest: {cls.strongest}{why}"
        return ExperimentResult(params=params, table=cls.table(), verdict=verdict,
                                data={"history": history, "classification": cls, "model": model})

    def _show_table(self, table: Any) -> None:
        """The level table whole: its reasons are sentences, which pandas would cut with "..."."""
        super()._show_table(None if table is None else Table(table, wrap=60))

    def draw(self, result: ExperimentResult, ax: Any) -> None:
        level = result.params["show"]
        evidence = result.data["classification"][level]
        timeline(result.data["history"], ax=ax, result=evidence,
                 title=f"{level}: {evidence.verdict}" + (" (highlighted: the violation)"
                                                          if evidence.ok is False and evidence.counterexample else ""))


def consistency_explorer(**initial: Any) -> ConsistencyExplorer:
    """The explorer of notebook 03, run once with ``initial`` settings; it reruns on every change."""
    return ConsistencyExplorer(**initial)
