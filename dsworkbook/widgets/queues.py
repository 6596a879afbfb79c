"""The consumer-group panel of notebook 12: kill a consumer, watch the rebalance and the redelivered messages.

Theory of operation
-------------------
Two layers, one run (:func:`group_timeline`):

* **Membership** is the library's group protocol on the simulator
  (:func:`~dsworkbook.messaging.groups.group_sim`): three members ``m1..m3`` join 50 ms apart,
  heartbeat every 30 ms, and one of them can be crashed at ``kill_at``; the coordinator declares
  it dead after ``session_timeout`` ms of silence and rebalances with the chosen strategy. Each
  member's ``history`` says which partitions it believed it owned, from when.
* **Consumption** is replayed here over that ownership (the library's group members do not read
  records): six partitions, each with a backlog of :data:`BACKLOG` records and one more every
  :data:`PRODUCE_EVERY` ms until :data:`PRODUCE_UNTIL`. A member polls its partitions in turn,
  fetches up to :data:`BATCH` records from its position, and handles the batch by ``mode``
  (Kafka documentation, design section "Message Delivery Semantics"):

  - ``at-most-once``: commit the batch's end offset, then apply the effects - a crash mid-batch
    loses the rest of the batch;
  - ``at-least-once``: apply the effects, then commit - a crash mid-batch leaves the batch
    uncommitted, the next owner gets it again and applies its first effects a second time;
  - ``effectively-once``: as at-least-once, but the effect goes through a de-dup table kept with
    the effects (the idempotent consumer): the batch is still redelivered, its repeats are skipped.

  Handoff is *eager*: a survivor that loses a partition finishes its batch, commits what it
  applied and lets go; the new owner starts from the committed offset once both its assignment
  has arrived and the old owner has let go. A crashed member lets go of nothing; its partitions
  wait, unread, until its session expires.

Counts come from the run: a record *redelivered* was fetched more than once, *lost* was never
applied, *duplicated* was applied more than once. Every mode is computed at once per setting
and every setting is cached, so a control change mostly costs the redraw.

What belongs in the library: a consumer-group member that reads records and commits offsets
(the consumption above) would sit beside :class:`~dsworkbook.messaging.groups.GroupMember`.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from dsworkbook.errors import ConfigError
from dsworkbook.messaging.assignment import STRATEGIES
from dsworkbook.messaging.delivery import GUARANTEES
from dsworkbook.messaging.groups import COORDINATOR, group_sim
from dsworkbook.widgets.panel import ExperimentPanel, ExperimentResult, Progress

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["GroupTimeline", "group_timeline", "draw_timeline", "timeline_table", "ConsumerGroupPanel",
           "consumer_group_panel", "MEMBERS", "PARTITIONS", "BACKLOG", "BATCH", "PRODUCE_EVERY", "PRODUCE_UNTIL"]

MEMBERS = ("m1", "m2", "m3")
PARTITIONS = 6
BACKLOG = 20          # records waiting in each partition at t=0
PRODUCE_EVERY = 25.0  # then one more per partition every PRODUCE_EVERY ms
PRODUCE_UNTIL = 600.0
BATCH = 5             # at most this many records per fetch (max.poll.records)
WORK = (6.0, 12.0)     # ms per effect, drawn from the seed
POLL = 10.0           # an idle member polls again after this many ms
HORIZON = 3000.0
COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#17becf"]
_WIDE: dict[str, Any] = {"style": {"description_width": "120px"}, "layout": {"width": "330px"}}


@dataclass
class GroupTimeline:
    """One setting, one mode: who owned what when, each rebalance, and every delivery and effect."""

    strategy: str
    mode: str
    kill: str | None
    kill_at: float
    session_timeout: float
    seed: int
    owned: dict[str, list[tuple[float, float, tuple[int, ...]]]]   # member -> (from, to, partitions)
    rebalances: list[dict[str, Any]]                               # after the initial joins
    deliveries: list[tuple[float, str, int, int, int]]              # (time, member, partition, offset, n-th)
    effects: list[tuple[float, str, int, int]]                     # (time, member, partition, offset)
    produced: dict[int, int]
    crash_batch: tuple[int, int, int] | None = None                # (partition, applied, batch size)
    end: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)

    def verdict(self) -> str:
        if self.kill is None:
            head = f"{self.strategy}, {self.mode}: nobody killed"
        else:
            if self.crash_batch is None:
                where = "between batches"
            else:
                p, j, n = self.crash_batch
                where = f"mid-batch on p{p} ({j} of {n} effects applied)"
            after = self.rebalances[-1] if self.rebalances else None
            reb = (f"rebalance at t={after['time']:.0f} (generation {after['generation']}), "
                   f"{after['moved']} partitions moved" if after else "no rebalance yet")
            head = f"{self.strategy}, {self.mode}: {self.kill} killed at t={self.kill_at:.0f} {where}; {reb}"
        c = self.counts
        return (f"{head}; {c['redelivered']} messages redelivered, {c['lost']} lost, {c['duplicated']} duplicated "
                f"(of {c['produced']})")


def _check(strategy: str, mode: str, kill: str | None, kill_at: float, session_timeout: float, seed: int) -> None:
    if strategy not in STRATEGIES:
        raise ConfigError(f"unknown assignment strategy {strategy!r}; choose one of {list(STRATEGIES)}")
    if mode not in GUARANTEES:
        raise ConfigError(f"unknown delivery mode {mode!r}; choose one of {list(GUARANTEES)}")
    if kill is not None and kill not in MEMBERS:
        raise ConfigError(f"kill must be one of {list(MEMBERS)} or None, got {kill!r}")
    if isinstance(kill_at, bool) or not isinstance(kill_at, (int, float)) or not 120 <= kill_at <= PRODUCE_UNTIL:
        raise ConfigError(f"kill_at must be between 120 ms (all members have joined) and {PRODUCE_UNTIL:g} ms, "
                          f"got {kill_at!r}")
    if isinstance(session_timeout, bool) or not isinstance(session_timeout, (int, float)) or session_timeout < 60:
        raise ConfigError(f"session_timeout must be >= 60 ms (two heartbeats of 30 ms), got {session_timeout!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ConfigError(f"seed must be an int, got {seed!r}")


def _membership(strategy: str, kill: str | None, kill_at: float, session_timeout: float,
                seed: int) -> tuple[dict[str, list[tuple[float, int, tuple[int, ...]]]], list[dict[str, Any]]]:
    """Each member's ownership history (partitions as ints) and the coordinator's generations."""
    def history(m: str) -> list[tuple[float, int, tuple[int, ...]]]:
        return [(t, g, tuple(p for _, p in o)) for t, g, o in sim.node(m).history]

    sim = group_sim(seed, members=len(MEMBERS), partitions=PARTITIONS, strategy=strategy,
                    session_timeout=float(session_timeout), trace=False)
    out = {}
    if kill is not None:
        sim.run(until=float(kill_at))
        out[kill] = history(kill)  # a crashed node has no state to read afterwards
        sim.crash(kill)
    sim.run(until=float(kill_at) + session_timeout + 300.0)
    out.update({m: history(m) for m in MEMBERS if m != kill})
    return out, list(sim.node(COORDINATOR).generations)


def _intervals(history: list[tuple[float, int, tuple[int, ...]]], stop: float) -> list[tuple[float, float, tuple]]:
    """``(from, to, partitions)`` per assignment a member heard of, cut at ``stop`` (its crash or the horizon)."""
    out = []
    for i, (t, _g, owned) in enumerate(history):
        if t >= stop:
            break
        nxt = history[i + 1][0] if i + 1 < len(history) else stop
        out.append((t, min(nxt, stop), owned))
    return out


def _arrivals(seed: int) -> dict[int, list[float]]:
    """When each record of each partition is there to read: a backlog at 0, then one per PRODUCE_EVERY ms."""
    rng = random.Random(f"queues-panel:{seed}")
    out = {}
    for p in range(PARTITIONS):
        phase = rng.uniform(0, PRODUCE_EVERY)
        later = [phase + k * PRODUCE_EVERY for k in range(int((PRODUCE_UNTIL - phase) // PRODUCE_EVERY) + 1)]
        out[p] = [0.0] * BACKLOG + later
    return out


def _replay(mode: str, owned: dict[str, list[tuple[float, float, tuple]]], dead_at: dict[str, float],
            seed: int) -> dict[str, Any]:
    """The consumption over the ownership intervals (see the module docstring)."""
    rng = random.Random(f"queues-work:{seed}")
    work = [rng.uniform(*WORK) for _ in range(512)]
    wi = 0
    arrivals = _arrivals(seed)
    committed = {p: 0 for p in range(PARTITIONS)}
    holder: dict[int, str | None] = {p: None for p in range(PARTITIONS)}   # who reads p now
    position = {p: 0 for p in range(PARTITIONS)}
    seen: set[tuple[int, int]] = set()                                      # the sink's de-dup table
    delivered: dict[tuple[int, int], int] = {}
    deliveries: list[tuple[float, str, int, int, int]] = []
    effects: list[tuple[float, str, int, int]] = []
    crash_batch = None
    turn = {m: 0 for m in MEMBERS}

    def owns(m: str, t: float) -> tuple:
        return next((ps for a, b, ps in owned[m] if a <= t < b), ())

    events = [(0.0, i, m) for i, m in enumerate(MEMBERS)]
    seq = len(events)
    while events:
        t, _, m = heapq.heappop(events)
        if t >= dead_at[m]:
            continue
        ps = owns(m, t)
        for p in range(PARTITIONS):
            h = holder[p]
            if h == m and p not in ps:
                holder[p] = None                      # revoked: its last batch is committed, let go
            elif p in ps and (h is None or t >= dead_at[h]):
                holder[p], position[p] = m, committed[p]  # take over from the committed offset
        ready = [p for p in ps if holder[p] == m and position[p] < len(arrivals[p])
                 and arrivals[p][position[p]] <= t]
        seq += 1
        if not ready:
            if t + POLL <= HORIZON:
                heapq.heappush(events, (t + POLL, seq, m))
            continue
        p = ready[turn[m] % len(ready)]
        turn[m] += 1
        pos = position[p]
        batch = [o for o in range(pos, min(pos + BATCH, len(arrivals[p]))) if arrivals[p][o] <= t]
        for o in batch:
            delivered[(p, o)] = delivered.get((p, o), 0) + 1
            deliveries.append((t, m, p, o, delivered[(p, o)]))
        if mode == "at-most-once":
            committed[p] = pos + len(batch)           # commit first ...
        now, applied = t, 0
        for o in batch:                               # ... or apply first
            dur = work[wi % len(work)]
            wi += 1
            if now + dur > dead_at[m]:
                break
            now += dur
            if mode != "effectively-once" or (p, o) not in seen:
                effects.append((now, m, p, o))
                seen.add((p, o))
            applied += 1
        if applied < len(batch):                      # killed mid-batch: no commit, nothing more
            crash_batch = (p, applied, len(batch))
            continue
        committed[p] = position[p] = pos + len(batch)
        if all(committed[q] >= len(arrivals[q]) for q in range(PARTITIONS)) and now > PRODUCE_UNTIL:
            break
        heapq.heappush(events, (now, seq, m))
    return {"deliveries": deliveries, "effects": effects, "crash_batch": crash_batch, "committed": committed,
            "produced": {p: len(a) for p, a in arrivals.items()}}


def group_timeline(strategy: str = "sticky", mode: str = "at-least-once", *, kill: str | None = "m2",
                   kill_at: float = 250.0, session_timeout: float = 150.0, seed: int = 1) -> GroupTimeline:
    """One run of the panel, headless (see the module docstring)."""
    _check(strategy, mode, kill, kill_at, session_timeout, seed)
    history, gens = _membership(strategy, kill, kill_at, session_timeout, seed)
    dead_at = {m: (float(kill_at) if m == kill else HORIZON) for m in MEMBERS}
    owned = {m: _intervals(history[m], dead_at[m]) for m in MEMBERS}
    run = _replay(mode, owned, dead_at, seed)
    effects, deliveries = run["effects"], run["deliveries"]
    end = max([e[0] for e in effects] + [d[0] for d in deliveries] + [kill_at + session_timeout + 50.0]) + 20.0
    for m in MEMBERS:  # the last interval ends with the run, or with the crash
        owned[m] = [(a, min(b, end), ps) for a, b, ps in owned[m]]
    applied: dict[tuple[int, int], int] = {}
    for _t, _m, p, o in effects:
        applied[(p, o)] = applied.get((p, o), 0) + 1
    produced = run["produced"]
    counts = {"produced": sum(produced.values()),
              "redelivered": sum(1 for d in deliveries if d[4] > 1),
              "lost": sum(1 for p, n in produced.items() for o in range(n) if applied.get((p, o), 0) == 0),
              "duplicated": sum(c - 1 for c in applied.values() if c > 1),
              "moved": sum(g["moved"] for g in gens if g["time"] >= kill_at) if kill else 0}
    rebalances = [g for g in gens if kill is not None and g["time"] >= kill_at]
    return GroupTimeline(strategy, mode, kill, float(kill_at), float(session_timeout), seed, owned, rebalances,
                         deliveries, effects, produced, run["crash_batch"], end, counts)


def timeline_table(run: GroupTimeline) -> "pd.DataFrame":
    """Per partition: owner before the kill, owner at the end, and its redelivered / lost / duplicated records."""
    import pandas as pd

    def owner(t: float, p: int) -> str:
        for m in MEMBERS:
            for a, b, ps in run.owned[m]:
                if a <= t < b and p in ps:
                    return m
        return "-"

    applied: dict[tuple[int, int], int] = {}
    for _t, _m, p, o in run.effects:
        applied[(p, o)] = applied.get((p, o), 0) + 1
    rows = []
    for p in range(PARTITIONS):
        before, after = owner(run.kill_at - 1.0, p), owner(run.end - 1.0, p)
        rows.append({"partition": f"p{p}", "owner before": before, "owner at end": after,
                     "moved": "yes" if before != after else "",
                     "records": run.produced[p],
                     "redelivered": sum(1 for d in run.deliveries if d[2] == p and d[4] > 1),
                     "lost": sum(1 for o in range(run.produced[p]) if applied.get((p, o), 0) == 0),
                     "duplicated": sum(c - 1 for (q, _o), c in applied.items() if q == p and c > 1)})
    return pd.DataFrame(rows).set_index("partition")


def draw_timeline(run: GroupTimeline, ax: Any) -> Any:
    """Lanes per member: a thin bar per owned partition over time; the kill, each rebalance, redeliveries."""
    h = 1.0 / (PARTITIONS + 1)
    base = {m: len(MEMBERS) - 1 - i for i, m in enumerate(MEMBERS)}
    spans: dict[tuple[str, int], list[tuple[float, float]]] = {}
    for m in MEMBERS:
        for a, b, ps in run.owned[m]:
            for p in ps:
                spans.setdefault((m, p), []).append((a, b - a))
    for (m, p), xs in spans.items():  # one collection per lane row: cheap to draw
        ax.broken_barh(xs, (base[m] + (p + 0.1) * h, h * 0.8), color=COLORS[p], alpha=0.85, lw=0)
    if run.kill is not None and run.owned[run.kill]:
        stop = run.rebalances[-1]["time"] if run.rebalances else run.end
        for p in run.owned[run.kill][-1][2]:
            ax.broken_barh([(run.kill_at, stop - run.kill_at)], (base[run.kill] + (p + 0.1) * h, h * 0.8),
                           color=COLORS[p], alpha=0.25, lw=0)
        ax.text(run.kill_at + 4, base[run.kill] + 0.97, "killed; its partitions wait, unread, until its session "
                "expires", fontsize=7, va="top", color="#555555")
    for p in range(PARTITIONS):
        ax.text(-4, base[MEMBERS[0]] + (p + 0.5) * h, f"p{p}", fontsize=6, ha="right", va="center", color=COLORS[p])
    if run.kill is not None:
        ax.axvline(run.kill_at, color="black", lw=1.2)
        ax.text(run.kill_at, len(MEMBERS) + 0.05, f" {run.kill} killed", fontsize=8, va="bottom")
        for g in run.rebalances:
            ax.axvline(g["time"], color="#c0392b", lw=1, ls="--")
            ax.text(g["time"], len(MEMBERS) + 0.05, f" rebalance: {g['moved']} moved", fontsize=8, va="bottom",
                    color="#c0392b")
    redo = [d for d in run.deliveries if d[4] > 1]
    if redo:
        ax.plot([d[0] for d in redo], [base[d[1]] + (d[2] + 0.5) * h for d in redo], "v", color="#c0392b", ms=7,
                label="redelivered", zorder=3)
    applied: dict[tuple[int, int], list[tuple[float, str]]] = {}
    for t, m, p, o in run.effects:
        applied.setdefault((p, o), []).append((t, m))
    dups = [(ts[-1][0], ts[-1][1], p) for (p, _o), ts in applied.items() if len(ts) > 1]
    if dups:
        ax.plot([d[0] for d in dups], [base[d[1]] + (d[2] + 0.5) * h for d in dups], "x", color="black", ms=7,
                mew=2, label="effect applied twice", zorder=4)
    lost = [(p, o) for p, n in run.produced.items() for o in range(n) if (p, o) not in applied]
    if lost and run.kill is not None:
        ax.plot([run.kill_at] * len(lost), [base[run.kill] + (p + 0.5) * h for p, _ in lost], "o", mfc="none",
                color="black", ms=8, label=f"lost ({len(lost)})", zorder=4)
    ax.set_xlim(0, run.end)
    ax.set_ylim(-0.1, len(MEMBERS) + 0.35)
    ax.set_yticks([base[m] + 0.5 for m in MEMBERS], list(MEMBERS))
    ax.tick_params(axis="y", pad=14)
    ax.set_xlabel("time (ms); thin bars: partitions p0..p5 a member owns (colour = partition)")
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(axis="y", length=0)
    if redo or dups or (lost and run.kill is not None):
        ax.legend(loc="upper right", fontsize=7, framealpha=0.9)
    c = run.counts
    ax.set_title(f"{run.strategy}, {run.mode}, seed {run.seed}: {c['redelivered']} redelivered, {c['lost']} lost, "
                 f"{c['duplicated']} duplicated", fontsize=9, pad=14)
    return ax


class ConsumerGroupPanel(ExperimentPanel):
    """Choose the strategy, whom to kill and when, the session timeout, the commit mode and a seed.

    Headless: ``p = consumer_group_panel(); p.set(mode="at-most-once"); p.run_data.counts``.
    """

    title = "A consumer group on a timeline: kill a consumer, watch the rebalance and the redelivered messages"
    figsize = (10.0, 3.6)
    dpi = 80
    margins = {"left": 0.06, "right": 0.98, "top": 0.84, "bottom": 0.14}

    def __init__(self, *, auto_run: bool = True, run_now: bool = True, **initial: Any) -> None:
        self.cache: dict[tuple, GroupTimeline] = {}
        self.computed = 0  # settings actually simulated (each gives all three modes)
        super().__init__(auto_run=auto_run, run_now=run_now, initial=initial)

    def make_controls(self) -> dict[str, widgets.ValueWidget]:
        return {
            "strategy": widgets.Dropdown(options=list(STRATEGIES), value="sticky", description="strategy", **_WIDE),
            "mode": widgets.Dropdown(options=list(GUARANTEES), value="at-least-once", description="commit mode",
                                     **_WIDE),
            "kill": widgets.Dropdown(options=[("nobody", None)] + [(m, m) for m in MEMBERS], value="m2",
                                     description="kill", **_WIDE),
            "kill_at": widgets.IntSlider(value=250, min=120, max=int(PRODUCE_UNTIL), step=10,
                                         description="kill at (ms)", **_WIDE),
            "session_timeout": widgets.IntSlider(value=150, min=60, max=600, step=10,
                                                 description="session timeout (ms)", **_WIDE),
            "seed": widgets.IntText(value=1, description="seed", **_WIDE),
        }

    def timeline(self, strategy: str, mode: str, kill: str | None, kill_at: float, session_timeout: float,
                 seed: int) -> GroupTimeline:
        """The run for these settings; the three modes of one setting are computed together, once."""
        key = (strategy, kill, float(kill_at), float(session_timeout), int(seed))
        if key + (mode,) not in self.cache:
            _check(strategy, mode, kill, kill_at, session_timeout, seed)
            for m in GUARANTEES:
                self.cache[key + (m,)] = group_timeline(strategy, m, kill=kill, kill_at=kill_at,
                                                        session_timeout=session_timeout, seed=seed)
            self.computed += 1
        return self.cache[key + (mode,)]

    def compute(self, params: dict[str, Any], progress: Progress) -> ExperimentResult:
        run = self.timeline(params["strategy"], params["mode"], params["kill"], params["kill_at"],
                            params["session_timeout"], params["seed"])
        progress(0.8)
        return ExperimentResult(params=params, seed=params["seed"], table=timeline_table(run), verdict=run.verdict(),
                                data={"run": run})

    def draw(self, result: ExperimentResult, ax: Any) -> None:
        draw_timeline(result.data["run"], ax)

    @property
    def run_data(self) -> GroupTimeline:
        """The :class:`GroupTimeline` shown now."""
        if self.result is None:
            raise ConfigError(f"no result to show: {self.verdict_text}")
        return self.result.data["run"]


def consumer_group_panel(**initial: Any) -> ConsumerGroupPanel:
    """The panel of notebook 12, run once with ``initial`` settings; it reruns on every change."""
    return ConsumerGroupPanel(**initial)
