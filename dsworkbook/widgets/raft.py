"""The Raft cluster view of notebook 06: a RaftScope-like picture of a seeded run, with a time slider.

Theory of operation
-------------------
:class:`RaftScope` runs one scenario (:func:`~dsworkbook.consensus.raft.scenarios.scenario_sim`:
calm, leader crash, leader isolated, random faults, Figure 8) for a seed and a Raft variant
(every broken variant but the membership one: no scenario here changes the membership, so it
would change nothing; ``dsworkbook fuzz raft --membership single`` shows it), then replays its
trace **once** into frames, one every 5 ms, each made the first time the slider reaches it
(:class:`~dsworkbook.consensus.raft.timeline.Frames`). The time slider only picks a frame and
redraws the one Figure in place - nothing runs again, so moving it answers in a fraction of a
second.

The picture, left: the five servers on a circle, coloured by role (leader green, candidate
orange, follower blue, down grey, paused hatched) with their term, and every message in flight
as a dot on its way (AppendEntries blue, RequestVote purple, their replies lighter; red if it
will be lost), named in a legend below. Right: each server's log, one cell per entry coloured by
term, committed entries solid, uncommitted pale, the newest 24 entries. Below: the five safety
properties at that moment.

The buttons act **at the slider's time**: crash the leader, restart what is down, isolate the
leader, heal the network. Each adds a timed action and runs the scenario again from the seed;
since everything before that time is the same run, the picture up to the slider does not
change, and what follows shows the effect.
"""

from __future__ import annotations

import math
from typing import Any

import ipywidgets as widgets

from dsworkbook.consensus.fuzzing.raft import MEMBERSHIP_VARIANTS
from dsworkbook.consensus.raft import VARIANTS, cluster_table
from dsworkbook.consensus.raft.scenarios import ACTIONS, SCENARIOS, scenario_sim
from dsworkbook.consensus.raft.timeline import Frame, Frames
from dsworkbook.consensus.raft_invariants import PROPERTIES, check_safety
from dsworkbook.errors import ConfigError
from dsworkbook.widgets.panel import ExperimentPanel, ExperimentResult, Progress

__all__ = ["RaftScope", "raft_scope", "draw_frame", "ROLE_COLORS", "STEP"]

STEP = 5.0
ROLE_COLORS = {"leader": "#2e8b57", "candidate": "#e67e22", "follower": "#1f5fa8", "down": "#bdbdbd"}
MESSAGE_COLORS = {"AppendEntries": "#1f5fa8", "AppendEntriesReply": "#8fb4e3", "RequestVote": "#8e44ad",
                  "RequestVoteReply": "#c39bd3"}
#: what the legend calls each kind of dot
MESSAGE_NAMES = {"RequestVote": "RequestVote", "RequestVoteReply": "RequestVote reply",
                 "AppendEntries": "AppendEntries", "AppendEntriesReply": "AppendEntries reply"}
LOST = "#c0392b"
LOG_WINDOW = 24
_WIDE: dict[str, Any] = {"style": {"description_width": "90px"}, "layout": {"width": "300px"}}


def _positions(names: list[str]) -> dict[str, tuple[float, float]]:
    k = len(names)
    return {n: (math.cos(math.pi / 2 - 2 * math.pi * i / k), math.sin(math.pi / 2 - 2 * math.pi * i / k))
            for i, n in enumerate(names)}


def _draw_cluster(ax: Any, frame: Frame) -> None:
    names = sorted(frame.servers)
    pos = _positions(names)
    dots: dict[str, tuple[list[float], list[float]]] = {}  # colour -> messages in flight: one line per colour
    for m in frame.messages:
        (x0, y0), (x1, y1) = pos[m.src], pos[m.dst]
        p = min(max(m.progress, 0.0), 1.0)
        color = LOST if m.fate == "dropped" else MESSAGE_COLORS.get(m.kind, "#7f8c8d")
        xs, ys = dots.setdefault(color, ([], []))
        xs.append(x0 + (x1 - x0) * p)
        ys.append(y0 + (y1 - y0) * p)
    for color, (xs, ys) in dots.items():
        ax.plot(xs, ys, "o", ls="", ms=5, color=color, zorder=2)
    _message_legend(ax)
    for paused in (False, True):  # the servers: one collection, and one more for paused (hatched) servers
        shown = [n for n in names if (frame.servers[n].status == "paused") == paused]
        if not shown:
            continue
        colors = [ROLE_COLORS["down"] if frame.servers[n].status == "down"
                  else ROLE_COLORS.get(frame.servers[n].role, "#7f8c8d") for n in shown]
        circles = ax.scatter([pos[n][0] for n in shown], [pos[n][1] for n in shown], s=1500, c=colors,
                             edgecolors="black", zorder=3, hatch="//" if paused else None)
        circles.set_gid("raftscope:servers:" + ",".join(shown))
    for n in names:
        v = frame.servers[n]
        x, y = pos[n]
        label = f"{n}\nterm {v.term}" if v.status != "down" else f"{n}\ndown"
        ax.text(x, y, label, ha="center", va="center", fontsize=8, color="white", zorder=4, fontweight="bold")
    ax.set_xlim(-1.45, 1.45)
    ax.set_ylim(-1.45, 1.45)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(f"t = {frame.time:.0f} ms · network: {frame.network}", fontsize=9)


def _message_legend(ax: Any) -> None:
    """Which message each colour of dot is (the same legend on every frame)."""
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], marker="o", lw=0, ms=5, color=MESSAGE_COLORS[k], label=name)
               for k, name in MESSAGE_NAMES.items()]
    handles.append(Line2D([], [], marker="o", lw=0, ms=5, color=LOST, label="will be lost"))
    legend = ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.02), ncol=3, fontsize=6.5,
                       frameon=False, handletextpad=0.2, columnspacing=0.8)
    legend.set_gid("raftscope:messages")


#: Height in points of a term's digits on a log entry (the size of a 6 pt font's digits).
TERM_DIGIT_SIZE = 5.0


def _draw_logs(ax: Any, frame: Frame) -> None:
    from matplotlib import colormaps
    from matplotlib.collections import PolyCollection
    from matplotlib.colors import to_rgba

    names = sorted(frame.servers)
    longest = max((v.last_index for v in frame.servers.values()), default=0)
    first = max(1, longest - LOG_WINDOW + 1)
    palette = colormaps["tab10"]
    # one collection for every entry, made from the corners (an artist per entry took 4x the time,
    # and a Rectangle patch per entry half of what is left)
    cells, faces, edges = [], [], []
    rgba: dict[tuple[int, float], tuple[Any, Any]] = {}  # (colour, alpha) -> face and edge colours
    terms: dict[int, tuple[list[float], list[float]]] = {}  # term -> where its entries are
    for row, n in enumerate(names):
        v = frame.servers[n]
        y = len(names) - 1 - row
        for index in range(max(first, v.base + 1), v.last_index + 1):  # entries in a snapshot are not drawn
            term = v.log[index - v.base - 1]
            alpha = 1.0 if index <= v.commit else 0.3  # solid = committed
            x0, y0 = index - first + 0.05, y + 0.1
            cells.append(((x0, y0), (x0 + 0.9, y0), (x0 + 0.9, y0 + 0.8), (x0, y0 + 0.8)))
            if (term % 10, alpha) not in rgba:
                rgba[term % 10, alpha] = to_rgba(palette(term % 10), alpha), to_rgba("black", alpha)
            face, edge = rgba[term % 10, alpha]
            faces.append(face)
            edges.append(edge)
            xs, ys = terms.setdefault(term, ([], []))
            xs.append(index - first + 0.5)
            ys.append(y + 0.5)
        ax.text(-0.4, y + 0.5, n, ha="right", va="center", fontsize=8)
        if v.last_index < first:
            ax.text(0.2, y + 0.5, f"(its log ends at entry {v.last_index}: behind)", ha="left", va="center",
                    fontsize=7, color="#7f8c8d")
        elif v.base >= first:
            ax.text(0.2, y + 0.5, f"(entries up to {v.base} in a snapshot)", ha="left", va="center", fontsize=7,
                    color="#7f8c8d")
    if cells:
        ax.add_collection(PolyCollection(cells, facecolors=faces, edgecolors=edges, linewidths=0.4), autolim=False)
    for term, (xs, ys) in terms.items():  # each entry's term, written on it: one marker line per term
        digits = str(term)
        ax.plot(xs, ys, ls="", marker=f"${digits}$", ms=TERM_DIGIT_SIZE * max(1.0, 0.62 * len(digits)),
                mew=0, color="black", zorder=3)
    ax.set_xlim(-1.6, LOG_WINDOW + 0.2)
    ax.set_ylim(-1.3, len(names) + 0.1)
    ax.set_axis_off()
    ax.set_title(f"logs (entries {first}..{max(longest, first)}; solid = committed)", fontsize=9)


def draw_frame(frame: Frame, axes: tuple[Any, Any]) -> None:
    """Draw ``frame`` into (cluster axes, log axes): the picture described in the module docstring."""
    _draw_cluster(axes[0], frame)
    _draw_logs(axes[1], frame)
    for i, p in enumerate(PROPERTIES):
        broken = p in frame.broken
        axes[1].text(-1.5 + 8.5 * (i % 3), -0.45 - 0.5 * (i // 3), f"{'✗' if broken else '✓'} {p}", ha="left",
                     va="center", fontsize=7.5,
                     color="#c0392b" if broken else "#2e8b57", fontweight="bold" if broken else "normal")


#: The variants the scope offers: those its scenarios can show (none of them changes the membership).
SCOPE_VARIANTS = [v for v in VARIANTS if v not in MEMBERSHIP_VARIANTS]


class RaftScope(ExperimentPanel):
    """A seeded Raft run you can step through, break at any moment, and check (notebook 06, T06).

    Headless: ``scope.set(seed=3)``, ``scope.seek(850)`` (moves the slider), ``scope.act("crash
    leader")`` (at the slider's time), then read ``scope.frame`` and ``scope.result``.
    """

    title = "Raft cluster: five servers, three clients; slide through time, break it, watch the safety properties"
    figsize = (10.0, 4.2)
    margins = {"left": 0.02, "right": 0.98, "top": 0.90, "bottom": 0.10}

    def __init__(self, *, run_now: bool = True, **initial: Any) -> None:
        self.actions: list[tuple[float, str]] = []
        self.frames: Frames | list[Frame] = []
        self.time_slider = widgets.FloatSlider(value=0.0, min=0.0, max=2000.0, step=STEP, description="time (ms)",
                                               continuous_update=True, readout_format=".0f",
                                               layout=widgets.Layout(width="640px"))
        self.time_slider.add_class("dsw-time")
        self.time_slider.observe(lambda change: self._redraw(), names="value")
        self.buttons = {name: widgets.Button(description=name, tooltip=f"{name} at the slider's time")
                        for name in ACTIONS}
        for name, button in self.buttons.items():
            button.on_click(lambda _b, name=name: self.act(name))
        self.undo_button = widgets.Button(description="clear actions", tooltip="forget the actions you added")
        self.undo_button.on_click(lambda _b: self.clear_actions())
        super().__init__(auto_run=True, run_now=run_now, initial=initial)

    def make_controls(self) -> dict[str, widgets.ValueWidget]:
        return {
            "scenario": widgets.Dropdown(options=list(SCENARIOS), value="leader crash", description="scenario",
                                         **_WIDE),
            "variant": widgets.Dropdown(options=SCOPE_VARIANTS, value="correct", description="variant", **_WIDE),
            "seed": widgets.IntText(value=3, description="seed", **_WIDE),
        }

    def make_axes(self, fig: Any) -> Any:
        grid = fig.add_gridspec(1, 2, width_ratios=(1.0, 1.6))
        return fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])

    def _layout_children(self) -> list[widgets.Widget]:
        children = super()._layout_children()
        extra = [widgets.HBox([self.time_slider]), widgets.HBox([*self.buttons.values(), self.undo_button])]
        return children[:-1] + extra + children[-1:]

    # -- running -------------------------------------------------------------------------------

    def compute(self, params: dict[str, Any], progress: Progress) -> ExperimentResult:
        if getattr(self, "_acted_on", None) != params:
            self.actions = []  # actions belong to the run they were added to
        self._acted_on = dict(params)
        sim = scenario_sim(params["scenario"], params["seed"], variant=params["variant"], actions=self.actions)
        progress(0.5)
        report = check_safety(sim)
        self.frames = Frames(sim, step=STEP, report=report)  # made as the slider reaches them
        table = cluster_table(sim)
        leaders = sorted(report.leaders.items())
        story = ", ".join(f"{n} (term {t})" for t, n in leaders[:6]) + (" ..." if len(leaders) > 6 else "")
        acts = f"; your actions: {', '.join(f'{a} at {t:.0f} ms' for t, a in self.actions)}" if self.actions else ""
        verdict = (f"{params['scenario']}, {params['variant']}: leaders {story or 'none'}; "
                   f"{sim.history.counts()['ok']} client commands answered{acts}; {report.summary()}")
        return ExperimentResult(params=params, seed=params["seed"], table=table, verdict=verdict,
                                data={"sim": sim, "report": report, "frames": self.frames})

    def draw(self, result: ExperimentResult, ax: Any) -> None:
        slider = self.time_slider
        end = self.frames.end if self.frames else 0.0
        if slider.max != end:
            slider.max = end
        draw_frame(self.frame, ax)

    # -- the slider and the buttons --------------------------------------------------------------

    @property
    def frame(self) -> Frame:
        """The frame at the slider's time."""
        if not self.frames:
            raise ConfigError("no run yet: call run() first")
        i = min(int(round(self.time_slider.value / STEP)), len(self.frames) - 1)
        return self.frames[i]

    def seek(self, time: float) -> Frame:
        """Move the slider to ``time`` ms (redraws) and return that frame."""
        if isinstance(time, bool) or not isinstance(time, (int, float)) or time < 0:
            raise ConfigError(f"time must be a number of ms >= 0, got {time!r}")
        self.time_slider.value = min(float(time), self.time_slider.max)
        return self.frame

    def _redraw(self) -> None:
        if self.result is None or self.fig is None or not self.frames:
            return
        with self.drawing() as axes:
            draw_frame(self.frame, axes)

    def act(self, action: str) -> ExperimentResult | None:
        """Add ``action`` (a key of ACTIONS) at the slider's time and run again; the slider stays."""
        if action not in ACTIONS:
            raise ConfigError(f"unknown action {action!r}; choose one of {list(ACTIONS)}")
        if self.values["scenario"] == "figure 8":
            raise ConfigError("the Figure 8 scenario is scripted to the millisecond; pick another scenario to act "
                              "on it")
        at = self.time_slider.value
        self.actions.append((at, action))
        result = self.run()
        self.seek(at)
        return result

    def clear_actions(self) -> ExperimentResult | None:
        self.actions = []
        return self.run()


def raft_scope(**initial: Any) -> RaftScope:
    """The cluster view of notebook 06, run once (``scenario=``, ``variant=``, ``seed=``)."""
    return RaftScope(**initial)
