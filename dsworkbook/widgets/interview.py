"""The decision drill of notebook 15: pick a requirement, choose per dimension, press Check.

Theory of operation
-------------------
:class:`DecisionDrill` is an :class:`~dsworkbook.widgets.panel.ExperimentPanel` without a
diagram: one dropdown for the requirement (its story is shown above the controls) and one per
dimension of :data:`dsworkbook.interview.decisions.DIMENSIONS`. The button reads *Check*; a check
grades the choices with :func:`dsworkbook.interview.decisions.grade_table` and shows, per
dimension, the verdict, the reason and the notebook section that shows why. Nothing is random
(there is no seed), nothing is simulated: a check is a table lookup and answers in well under
100 ms. Headless use: ``drill.set(requirement="usernames", consistency="linearizable")`` then
``drill.run()``; ``drill.result.table`` is the graded table.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from dsworkbook.interview.decisions import DIMENSIONS, OPTIONS, grade_table, requirement
from dsworkbook.interview.requirements import REQUIREMENTS
from dsworkbook.widgets.panel import ExperimentPanel, ExperimentResult, Progress

__all__ = ["DecisionDrill", "decision_drill"]


class DecisionDrill(ExperimentPanel):
    """The I01 drill (see the module doc)."""

    title = "Decision drill: choose per dimension, then Check"

    def make_controls(self) -> dict[str, widgets.ValueWidget]:
        style = {"description_width": "96px"}
        controls: dict[str, widgets.ValueWidget] = {
            "requirement": widgets.Dropdown(options=[(r.title, r.id) for r in REQUIREMENTS],
                                            value=REQUIREMENTS[0].id, description="requirement",
                                            layout=widgets.Layout(width="460px"), style=style)}
        for dim, (question, _) in DIMENSIONS.items():
            controls[dim] = widgets.Dropdown(options=list(OPTIONS[dim]), value=OPTIONS[dim][0], description=dim,
                                             tooltip=question, layout=widgets.Layout(width="300px"), style=style)
        return controls

    def _build_widgets(self) -> None:
        self.story = widgets.HTML()
        super()._build_widgets()
        self.run_button.description = "Check"
        self.run_button.icon = "check"
        self.controls["requirement"].observe(lambda _change: self._show_story(), names="value")
        self._show_story()

    def _layout_children(self) -> list[widgets.Widget]:
        children = super()._layout_children()
        children.insert(1 if self.title else 0, self.story)
        return children

    def _show_story(self) -> None:
        r = requirement(self.controls["requirement"].value)
        self.story.value = f"<b>{html.escape(r.title)}</b>: {html.escape(r.story)}"

    def run(self) -> ExperimentResult | None:
        result = super().run()
        self.run_button.description = "Check"
        return result

    def compute(self, params: dict[str, Any], progress: Progress) -> ExperimentResult:
        req = requirement(params["requirement"])
        choices = {dim: params[dim] for dim in DIMENSIONS}
        table = grade_table(req.id, choices)
        right = int((table["verdict"] == "right").sum())
        wrong = ", ".join(table.loc[table["verdict"] == "wrong", "dimension"]) or "none"
        verdict = f"{req.title}: {right} of {len(table)} right (wrong: {wrong})"
        return ExperimentResult(params, None, table, verdict, {"requirement": req, "choices": choices})


def decision_drill(requirement: str | None = None, *, check: bool = False, **choices: str) -> DecisionDrill:
    """A decision drill, optionally on ``requirement`` with some ``choices`` set (checked like ``set``).

    ``check=True`` grades the starting choices at once.
    """
    initial: dict[str, Any] = dict(choices)
    if requirement is not None:
        initial["requirement"] = requirement
    return DecisionDrill(initial=initial, run_now=check)
