"""The clock diagram builder of notebook 04: draw events and messages, read their clocks.

Theory of operation
-------------------
:class:`ClockDiagramPanel` is an :class:`~dsworkbook.widgets.panel.ExperimentPanel` around one
:class:`~dsworkbook.clocks.SpaceTimeDiagram`, its :attr:`~ClockDiagramPanel.model` (events,
messages, happens-before, Lamport and vector timestamps - plain Python, tested on its own;
``diagram`` stays the panel's image widget, as in every panel). The reader *builds* the
diagram: pick a process and an action - a local event, a send to another process, or the
receipt of a message addressed to it that is still in flight - and press **Add**; **Undo**
removes the last event, **Reset** clears everything, **Random** adds events drawn from the seed.
Picking an event under *focus* colours every other event by its relation to it (before,
after, concurrent), and the verdict line says how many concurrent events Lamport time orders
anyway, and checks that the vector timestamps agree with happens-before on every pair.

Each change redraws into the panel's one Figure (no new figure per change). The action list
follows the diagram: a process can only receive messages that are pending for it. Headless,
the same steps are methods - ``local("A")``, ``send("A", "B")``, ``receive("B", "m1")``,
``add(node, action)``, ``undo()``, ``reset()``, ``random_fill(seed, events)`` - and
``set(focus="B2")``; the result is in :attr:`result`. Mistakes made with the buttons (nothing
to undo...) show in red in the verdict line; the methods raise them.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import ipywidgets as widgets

from dsworkbook.clocks.diagram import Event, SpaceTimeDiagram
from dsworkbook.clocks.draw import draw_diagram
from dsworkbook.clocks.vector import Order
from dsworkbook.errors import ConfigError
from dsworkbook.widgets.panel import ExperimentPanel, ExperimentResult, Progress

__all__ = ["ClockDiagramPanel", "clock_diagram", "STAMPS"]

#: What to write under each event.
STAMPS = {"Lamport and vector": "both", "Lamport": "lamport", "vector": "vector", "none": "none"}
_NONE = ""
_STYLE: dict[str, Any] = {"style": {"description_width": "70px"}, "layout": {"width": "240px"}}


class ClockDiagramPanel(ExperimentPanel):
    """Build a space-time diagram by hand; see Lamport and vector clocks and the concurrent events."""

    title = "Clock diagram: add events and messages; pick an event to see what is concurrent with it"
    figsize = (10.0, 3.6)
    margins = {"left": 0.05, "right": 0.80, "top": 0.88, "bottom": 0.04}

    def __init__(self, nodes: Sequence[str] = ("A", "B", "C"), *, steps: Sequence[tuple] = (), focus: str | None = None,
                 stamps: str = "both", random_seed: int = 7, run_now: bool = True) -> None:
        self.model = SpaceTimeDiagram(nodes)
        self.origin_seed: int | None = None
        self._refreshing = False
        super().__init__(auto_run=False, run_now=False)
        for step in steps:
            self.model.apply(step)
        self._refresh_choices()
        values = {"stamps": stamps, "random_seed": random_seed} | ({} if focus is None else {"focus": focus})
        self._apply(self._checked_values(values))
        self.controls["node"].observe(lambda _c: self._refresh_actions(), names="value")
        for name in ("focus", "stamps"):
            self.controls[name].observe(self._redraw_on_change, names="value")
        if run_now:
            self.run()

    # -- controls and layout --------------------------------------------------------------------

    def make_controls(self) -> dict[str, widgets.ValueWidget]:
        nodes = list(self.model.nodes)
        return {
            "node": widgets.Dropdown(options=nodes, value=nodes[0], description="process", **_STYLE),
            "action": widgets.Dropdown(options=[("local event", "local")], value="local", description="action",
                                       **_STYLE),
            "focus": widgets.Dropdown(options=[("(none)", _NONE)], value=_NONE, description="focus", **_STYLE),
            "stamps": widgets.Dropdown(options=list(STAMPS.items()), value="both", description="show", **_STYLE),
            "random_seed": widgets.IntText(value=7, description="seed", **_STYLE),
            "random_events": widgets.IntSlider(value=8, min=1, max=30, description="events", **_STYLE),
        }

    def _layout_children(self) -> list[widgets.Widget]:
        def button(text: str, icon: str, tip: str, fn: Callable[[], Any], style: str = "") -> widgets.Button:
            b = widgets.Button(description=text, icon=icon, tooltip=tip, button_style=style,
                               layout=widgets.Layout(width="90px"))
            b.on_click(lambda _b: self._guarded(fn))
            b.add_class(f"dsw-button-{text.lower()}")
            return b

        c = self.controls
        self.add_button = button("Add", "plus", "add the chosen action as the next event", self.add, "primary")
        self.undo_button = button("Undo", "undo", "remove the last event", self.undo)
        self.reset_button = button("Reset", "trash", "remove every event", self.reset)
        self.random_button = button("Random", "random", "add random events drawn from the seed", self.random_fill)
        rows = [widgets.HBox([c["node"], c["action"], self.add_button, self.undo_button, self.reset_button]),
                widgets.HBox([c["focus"], c["stamps"]]),
                widgets.HBox([c["random_seed"], c["random_events"], self.random_button])]
        title = [widgets.HTML(value=f"<b>{self.title}</b>")] if self.title else []
        return title + rows + [self.verdict, self.diagram, self.table_output]

    # -- choices that follow the diagram ------------------------------------------------------------

    def _action_options(self, node: str) -> list[tuple[str, str]]:
        d = self.model
        return ([("local event", "local")] + [(f"send to {n}", f"send:{n}") for n in d.nodes if n != node]
                + [(f"receive {m.id} (from {m.src})", f"receive:{m.id}") for m in d.pending(node)])

    def _refresh_actions(self) -> None:
        w = self.controls["action"]
        keep = w.value
        options = self._action_options(self.controls["node"].value)
        self._refreshing = True
        try:
            w.options = options
            w.value = keep if keep in [v for _, v in options] else options[0][1]
        finally:
            self._refreshing = False

    def _refresh_choices(self) -> None:
        self._refresh_actions()
        w = self.controls["focus"]
        keep = w.value
        options = [("(none)", _NONE)] + [(e.id, e.id) for e in self.model.events]
        self._refreshing = True
        try:
            w.options = options
            w.value = keep if keep in [v for _, v in options] else _NONE
        finally:
            self._refreshing = False

    def _redraw_on_change(self, change: Any) -> None:
        if not self._refreshing and not self._holding:
            self.run()

    def set(self, **values: Any) -> None:
        """Set controls by name; a change of ``focus`` or ``stamps`` redraws, ``node`` updates the actions."""
        before = (self.controls["focus"].value, self.controls["stamps"].value)
        if "node" in values:  # first, so that the actions offered are the new process's
            super().set(node=values.pop("node"))
            self._refresh_actions()
        super().set(**values)
        if (self.controls["focus"].value, self.controls["stamps"].value) != before:
            self.run()

    # -- building the diagram ---------------------------------------------------------------------

    def _changed(self) -> None:
        self._refresh_choices()
        self.run()

    def _guarded(self, fn: Callable[[], Any]) -> None:
        try:
            fn()
        except ConfigError as exc:  # a button press that cannot be done: say so, keep the diagram
            self._show_error(self.values, exc)

    def add(self, node: str | None = None, action: str | None = None) -> Event:
        """Add ``action`` at ``node`` (default: the controls): ``"local"``, ``"send:B"`` or ``"receive:m2"``."""
        node = self.controls["node"].value if node is None else node
        action = self.controls["action"].value if action is None else action
        kind, _, arg = str(action).partition(":")
        if kind == "local" and not arg:
            event = self.model.local(node)
        elif kind == "send" and arg:
            event = self.model.send(node, arg)
        elif kind == "receive" and arg:
            event = self.model.receive(node, arg)
        else:
            raise ConfigError(f"action must be 'local', 'send:<process>' or 'receive:<message>', got {action!r}")
        self._changed()
        return event

    def local(self, node: str) -> Event:
        return self.add(node, "local")

    def send(self, node: str, to: str) -> Event:
        return self.add(node, f"send:{to}")

    def receive(self, node: str, message: str) -> Event:
        return self.add(node, f"receive:{message}")

    def undo(self) -> Event:
        """Remove the last event."""
        event = self.model.undo()
        self._changed()
        return event

    def reset(self) -> None:
        """Remove every event."""
        self.model.reset()
        self.origin_seed = None
        self._changed()

    def random_fill(self, seed: int | None = None, events: int | None = None) -> None:
        """Add ``events`` random events drawn from ``seed`` (default: the seed and events controls)."""
        seed = self.controls["random_seed"].value if seed is None else seed
        events = self.controls["random_events"].value if events is None else events
        extra = SpaceTimeDiagram.random(seed, nodes=self.model.nodes, events=events)
        base = len(self.model.messages)
        for step in extra.steps():  # renumber the random diagram's messages after the ones already here
            if step[0] == "receive":
                step = ("receive", step[1], f"m{int(step[2][1:]) + base}")
            self.model.apply(step)
        self.origin_seed = seed
        self._changed()

    # -- compute and draw -----------------------------------------------------------------------------

    def compute(self, params: dict[str, Any], progress: Progress) -> ExperimentResult:
        d = self.model
        focus = params["focus"] or None
        verdict = f"{len(d)} events, {len(d.messages)} messages ({len(d.pending())} pending)"
        if focus is not None:
            lam = d.lamport()
            conc = d.concurrent_with(focus)
            ordered = [e.id for e in conc if lam[e.id] != lam[focus]]
            verdict += (f"; {focus}: {len(d.past(focus))} events before it, {len(d.future(focus))} after, "
                        f"{len(conc)} concurrent ({', '.join(e.id for e in conc) or 'none'}); Lamport times "
                        f"differ for {len(ordered)} of those, which looks like an order but is not")
        verdict += "; " + self._vector_agreement()
        return ExperimentResult(params, seed=self.origin_seed, table=d.to_dataframe(focus), verdict=verdict,
                                data={"diagram": d.copy(), "focus": focus})

    def _vector_agreement(self) -> str:
        d = self.model
        vec, evs = d.vector(), d.events
        pairs = [(a, b) for j, b in enumerate(evs) for a in evs[:j]]
        wrong = sum(1 for a, b in pairs if vec[a.id].compare(vec[b.id]) is not d.relation(a, b))
        conc = sum(1 for a, b in pairs if d.relation(a, b) is Order.CONCURRENT)
        if wrong:
            return f"vector clocks disagree with happens-before on {wrong} of {len(pairs)} pairs"
        return f"vector clocks agree with happens-before on all {len(pairs)} pairs ({conc} concurrent)"

    def draw(self, result: ExperimentResult, ax: Any) -> None:
        stamps = result.params["stamps"]
        draw_diagram(result.data["diagram"], ax, focus=result.data["focus"], lamport=stamps in ("both", "lamport"),
                     vector=stamps in ("both", "vector"), clear=False)  # the panel has just cleared ax

    def __repr__(self) -> str:
        return (f"ClockDiagramPanel(nodes={list(self.model.nodes)}, events={len(self.model)}, "
                f"focus={self.controls['focus'].value or None!r})")


def clock_diagram(nodes: Sequence[str] = ("A", "B", "C"), **kwargs: Any) -> ClockDiagramPanel:
    """The diagram builder of notebook 04 (``steps=`` starts it with a script of events)."""
    return ClockDiagramPanel(nodes, **kwargs)
