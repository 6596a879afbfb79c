"""The conflict playground of notebook 05: partition three replicas, edit both sides, heal, compare merges.

Theory of operation
-------------------
:class:`ConflictPlayground` is an :class:`~dsworkbook.widgets.panel.ExperimentPanel` over
:func:`dsworkbook.crdt.scenarios.run_scenario`. The controls pick the replicated object (a
shopping cart or a counter), the partition, the operations each replica A, B, C makes while
partitioned (``+coffee, -eggs`` or ``+2, -1``), whether the network heals, B's clock offset
(which decides who "wrote last" for LWW) and the seed. Every change reruns the three
simulations - one per strategy: LWW register, MV register read through the application's merge,
and a CRDT (OR-Set / PN-Counter) - and redraws one figure of three panels side by side: each
replica's value during the partition and at the end, green where it is what the operations
intended, red where something was lost or came back. The table below the verdict has the same
rows with the raw siblings of the MV register.

Three small simulations of 500 ms and one redraw of the same Figure: an update takes well
under a second (``bench/crdt_laws_and_convergence.py`` measures it).
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from dsworkbook.crdt.scenarios import CART_OPS, PARTITIONS, REPLICAS, SCENARIOS, STRATEGIES, ScenarioResult, run_scenario
from dsworkbook.crdt.workloads import show
from dsworkbook.widgets.panel import ExperimentPanel, ExperimentResult, Progress

__all__ = ["ConflictPlayground", "conflict_playground", "DEFAULT_OPS"]

#: The operations each scenario starts with (and switches to when the scenario changes).
DEFAULT_OPS = {"cart": dict(CART_OPS), "counter": {"A": "+5", "B": "-2", "C": "+1"}}
_TITLES = {"LWW": "LWW register", "MV": "MV register, read through {merge}", "CRDT": "{crdt}"}
_GOOD, _BAD, _NEUTRAL = "#d5f5e3", "#fadbd8", "#f2f3f4"
_WIDE: dict[str, Any] = {"style": {"description_width": "110px"}, "layout": {"width": "330px"}}


class ConflictPlayground(ExperimentPanel):
    """LWW vs MV vs CRDT on three partitioned replicas (notebook 05, theme T05).

    ``ConflictPlayground(scenario="counter")`` starts with the counter; any change reruns.
    Headless: ``p.set(ops_B="-eggs")``, then read ``p.result`` (``p.result.data["scenario"]``
    is the :class:`~dsworkbook.crdt.scenarios.ScenarioResult`).
    """

    title = "Conflict playground: partition three replicas, edit both sides, heal, and compare the merges"
    figsize = (10.5, 3.3)
    margins = {"left": 0.01, "right": 0.99, "top": 0.80, "bottom": 0.16, "wspace": 0.08}

    def __init__(self, *, auto_run: bool = True, run_now: bool = True, **initial: Any) -> None:
        scenario = initial.get("scenario", "cart")
        if scenario in DEFAULT_OPS:
            initial = {**{f"ops_{r}": v for r, v in DEFAULT_OPS[scenario].items()}, **initial}
        super().__init__(auto_run=auto_run, run_now=run_now, initial=initial)

    def make_controls(self) -> dict[str, widgets.ValueWidget]:
        scenario = widgets.Dropdown(options=list(SCENARIOS), value="cart", description="object", **_WIDE)
        scenario.observe(self._scenario_changed, names="value")  # before the panel's rerun observer
        controls: dict[str, widgets.ValueWidget] = {
            "scenario": scenario,
            "partition": widgets.Dropdown(options=list(PARTITIONS), value="A | B C", description="partition", **_WIDE),
        }
        for r in REPLICAS:
            controls[f"ops_{r}"] = widgets.Text(value=DEFAULT_OPS["cart"][r], description=f"ops at {r}",
                                                placeholder="+coffee, -eggs", continuous_update=False, **_WIDE)
        controls["heal"] = widgets.Checkbox(value=True, description="heal, then gossip", **_WIDE)
        controls["skew"] = widgets.IntSlider(value=0, min=-200, max=200, step=10, description="B's clock (ms)", **_WIDE)
        controls["seed"] = widgets.IntText(value=1, description="seed", **_WIDE)
        return controls

    def set(self, **values: Any) -> None:
        """Set controls by name; a new ``scenario`` brings its example operations unless ops are given."""
        if values.get("scenario") in DEFAULT_OPS:
            values = {**{f"ops_{r}": v for r, v in DEFAULT_OPS[values["scenario"]].items()}, **values}
        super().set(**values)

    def _scenario_changed(self, change: Any) -> None:
        """A new object from the dropdown: load its example operations (one run follows, not four)."""
        if getattr(self, "_holding", True):
            return  # set(...) gives its own operations
        self._holding = True
        try:
            for r, text in DEFAULT_OPS[change["new"]].items():
                self.controls[f"ops_{r}"].value = text
        finally:
            self._holding = False

    def compute(self, params: dict[str, Any], progress: Progress) -> ExperimentResult:
        ops = {r: params[f"ops_{r}"] for r in REPLICAS}
        result = run_scenario(params["scenario"], ops, partition=params["partition"], heal=params["heal"],
                              skew=float(params["skew"]), seed=params["seed"])
        return ExperimentResult(params=params, seed=result.seed, table=result.table(), verdict=result.verdict,
                                data={"scenario": result})

    def make_axes(self, fig: Any) -> Any:
        return fig.subplots(1, len(STRATEGIES))

    def draw(self, result: ExperimentResult, axes: Any) -> None:
        sc: ScenarioResult = result.data["scenario"]
        spec = SCENARIOS[sc.scenario]
        healed = result.params["heal"] and result.params["partition"] != "none"
        for ax, strategy in zip(axes, STRATEGIES):
            title = _TITLES[strategy].format(merge=spec.app_merge, crdt=spec.crdt)
            _draw_grid(ax, sc, strategy, "at the end (healed)" if healed else "at the end (not healed)")
            ax.set_title(title, fontsize=9, fontweight="bold")
            ax.text(0.5, -0.06, sc.verdicts[strategy], ha="center", va="top", fontsize=8.5,
                    transform=ax.transAxes, color="#1e8449" if "as intended" in sc.verdicts[strategy] else "#b03a2e")
        axes[0].figure.suptitle(f"intended: {show(sc.intended)}   (seed {sc.seed})", fontsize=9)


def _draw_grid(ax: Any, sc: ScenarioResult, strategy: str, end_label: str) -> None:
    """Rows A, B, C; columns: the value during the partition and at the end, coloured by verdict."""
    ax.set_axis_off()
    ax.set_xlim(0, 2.3)
    ax.set_ylim(len(REPLICAS) + 0.9, 0)
    for col, label in enumerate(["during the partition", end_label]):
        ax.text(0.3 + col + 0.5, 0.55, label, ha="center", va="center", fontsize=8, color="#555555")
    for row, r in enumerate(REPLICAS, start=1):
        ax.text(0.12, row + 0.5, r, ha="center", va="center", fontsize=10, fontweight="bold")
        cells = [(show(sc.during[strategy][r]), _NEUTRAL),
                 (show(sc.final[strategy][r]), _GOOD if sc.read(strategy, r) == sc.intended else _BAD)]
        for col, (text, colour) in enumerate(cells):
            ax.add_patch(_box(0.3 + col, row + 0.08, colour))
            ax.text(0.3 + col + 0.5, row + 0.5, _wrap(text), ha="center", va="center", fontsize=7.5)


def _box(x: float, y: float, colour: str) -> Any:
    from matplotlib.patches import FancyBboxPatch

    return FancyBboxPatch((x + 0.03, y), 0.94, 0.84, boxstyle="round,pad=0.0,rounding_size=0.06",
                          facecolor=colour, edgecolor="#aab7b8", linewidth=0.6)


def _wrap(text: str, width: int = 24) -> str:
    if len(text) <= width or " | " not in text:
        return text
    return "\n| ".join(text.split(" | "))


def conflict_playground(**initial: Any) -> ConflictPlayground:
    """The playground of notebook 05, run once with ``initial`` settings; it reruns on every change."""
    return ConflictPlayground(**initial)
