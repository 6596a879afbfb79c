"""The transaction timeline of notebook 13: crash the coordinator or a participant, watch what it costs.

Theory of operation
-------------------
:func:`timeline_run` runs one distributed transaction on the simulator - two-phase commit
(:mod:`dsworkbook.transactions.twophase`: coordinator ``tm``, participants ``rm1..rm3``) or a
saga (:mod:`dsworkbook.transactions.saga`: orders -> inventory -> payments, orchestrated by
``orchestrator`` or choreographed) - with one crash placed where the reader chooses
(:data:`CRASH_POINTS`). A crash is a torn handler (:meth:`~dsworkbook.sim.Simulation.crash_within`):
the node's next handler with effects carries out only its first ``k`` effects, so "before its
decision" and "after its decision" differ by exactly one log record. The crashed node restarts
``downtime`` ms later and recovers from its durable state.

What the run shows is read from the run, never assumed: votes, decisions, lock-held intervals
and compensations come from the nodes' persist records (the trace), down periods from the
kernel's fault records. The verdict line says whether the outcome was atomic (2PC: TCConsistent
on the participants' logs; a saga: all applied or all compensated, compensations in reverse),
whether participants were *blocked* (holding their locks, uncertain, while the coordinator was
down) and for how long.

The panel computes every downtime of the slider for a setting at once (a run takes a few
milliseconds), so dragging the downtime only redraws.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from dsworkbook.errors import ConfigError, InvariantViolation
from dsworkbook.sim import DOWN, Simulation
from dsworkbook.transactions.saga import (DEFAULT_STEPS, ChoreoService, Do, Orchestrator, SagaService, Undo,
                                          saga_outcomes, saga_violation)
from dsworkbook.transactions.twophase import (Abort, Commit, Coordinator, Participant, StatusQuery,
                                              atomicity_violation, participant_states)
from dsworkbook.widgets.panel import ExperimentPanel, ExperimentResult, Progress

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["PROTOCOLS", "CRASH_POINTS", "DOWNTIMES", "TimelineRun", "timeline_run", "timeline_table",
           "draw_timeline", "TransactionTimeline", "transaction_panel"]

PROTOCOLS = ("2PC", "saga (orchestrated)", "saga (choreographed)")
#: crash point -> (coordinator?, effects the torn handler keeps); see the module docstring
CRASH_POINTS: dict[str, tuple[bool, int] | None] = {
    "nobody": None,
    "coordinator, before logging its decision": (True, 0),
    "coordinator, after logging its decision": (True, 1),
    "coordinator, after telling one participant": (True, 4),
    "participant, before it answers": (False, 0),
    "participant, after it answers": (False, 3),
}
DOWNTIMES = tuple(range(0, 2001, 250))
TXN, SAGA = "t1", "s1"
RMS = ("rm1", "rm2", "rm3")
SERVICES = tuple(s.service for s in DEFAULT_STEPS)
HORIZON_AFTER = 1500.0
COLORS = {"yes": "#2e8b57", "no": "#c0392b", "decision": "#222222", "commit": "#2e8b57", "abort": "#c0392b",
          "step": "#1f5fa8", "compensate": "#e67e22", "crash": "#c0392b", "restart": "#7f8c8d",
          "lock": "#9ab7d9", "blocked": "#e8a0a0", "down": "#bbbbbb", "duplicate": "#8e44ad"}
_WIDE: dict[str, Any] = {"style": {"description_width": "120px"}, "layout": {"width": "360px"}}


@dataclass(frozen=True)
class TimelineRun:
    """One run of :func:`timeline_run`: the settings, what happened, and the verdict's numbers."""

    protocol: str
    crash: str
    downtime: float
    fail: bool
    duplicate: float
    cooperative: bool
    seed: int
    nodes: tuple[str, ...]
    events: tuple[tuple[float, str, str, str], ...]     # (t, node, kind, what), kind a COLORS key
    down: tuple[tuple[str, float, float], ...]          # (node, from, to)
    locks: tuple[tuple[str, float, float, bool], ...]   # (participant, from, to, released?)
    outcome: str                                        # "committed", "aborted", "applied", "compensated", ...
    violation: str | None
    blocked_ms: float                                   # longest time a participant held its lock while tm was down
    max_lock_ms: float
    finished_at: float | None                           # when the last participant decided (None: never)
    queries: int                                        # StatusQuery messages sent by uncertain participants
    end: float

    @property
    def blocked(self) -> bool:
        """Participants held their locks while the coordinator was down and could only finish after
        it came back (or never): nobody else knew the outcome."""
        back = [b for n, _a, b in self.down if n == "tm"]
        return self.blocked_ms > 0 and (self.finished_at is None or self.finished_at >= min(back))

    @property
    def atomic(self) -> bool:
        return self.violation is None and not self.outcome.startswith(("mixed", "undecided"))

    def verdict(self) -> str:
        where = "no crash" if self.crash == "nobody" else f"{self.crash} crashes, down {self.downtime:g} ms"
        head = f"{self.protocol}, {where}: "
        atomic = (f"atomic ({self.outcome})" if self.atomic
                  else f"NOT atomic: {self.violation or self.outcome}")
        done = (f"finished at t={self.finished_at:.0f} ms" if self.finished_at is not None
                else f"still undecided at t={self.end:.0f} ms")
        if self.protocol != "2PC":
            return head + f"{atomic}; no locks held across steps; {done}"
        if self.blocked:
            locks = (f"BLOCKED: participants held their locks, uncertain, {self.blocked_ms:.0f} ms while the "
                     f"coordinator was down ({self.queries} status queries sent meanwhile)")
        elif self.blocked_ms > 0:
            locks = (f"not blocked: locks held {self.blocked_ms:.0f} ms while the coordinator was down, then the "
                     "outcome was learned from another participant")
        else:
            locks = f"not blocked: locks held at most {self.max_lock_ms:.0f} ms"
        return head + f"{atomic}; {locks}; {done}"


def _check(protocol: str, crash: str, downtime: Any, duplicate: Any) -> None:
    if protocol not in PROTOCOLS:
        raise ConfigError(f"protocol must be one of {list(PROTOCOLS)}, got {protocol!r}")
    if crash not in CRASH_POINTS:
        raise ConfigError(f"crash must be one of {list(CRASH_POINTS)}, got {crash!r}")
    if protocol == "saga (choreographed)" and crash.startswith("coordinator"):
        raise ConfigError("a choreographed saga has no coordinator: crash a participant, or pick the orchestrated saga")
    if isinstance(downtime, bool) or not isinstance(downtime, (int, float)) or not 0 <= downtime <= 5000:
        raise ConfigError(f"downtime must be a number of ms from 0 to 5000, got {downtime!r}")
    if isinstance(duplicate, bool) or not isinstance(duplicate, (int, float)) or not 0 <= duplicate <= 0.5:
        raise ConfigError(f"duplicate must be a probability from 0 to 0.5, got {duplicate!r}")


def _build(protocol: str, seed: int, fail: bool, duplicate: float, cooperative: bool) -> tuple[Simulation, str, str]:
    """The simulation, its coordinator's id (or ""), and the participant a participant crash hits."""
    sim = Simulation(seed, latency=(1.0, 10.0), duplicate=duplicate)
    if protocol == "2PC":
        sim.add_node("tm", Coordinator, participants=list(RMS), txns=[TXN])
        for rm in RMS:
            sim.add_node(rm, Participant, coordinator="tm", others=list(RMS), cooperative=cooperative,
                         no_prob=1.0 if fail and rm == RMS[-1] else 0.0)
        return sim, "tm", "rm2"
    last = SERVICES[-1]
    if protocol == "saga (orchestrated)":
        sim.add_node("orchestrator", Orchestrator, sagas=[SAGA], steps=DEFAULT_STEPS)
        for s in SERVICES:
            sim.add_node(s, SagaService, fail_prob=1.0 if fail and s == last else 0.0)
        return sim, "orchestrator", "inventory"
    for i, s in enumerate(SERVICES):
        sim.add_node(s, ChoreoService, chain=list(SERVICES), sagas=[SAGA] if i == 0 else (),
                     fail_prob=1.0 if fail and s == last else 0.0)
    return sim, "", "inventory"


def timeline_run(protocol: str = "2PC", crash: str = "coordinator, after logging its decision", downtime: float = 750,
                 *, fail: bool = False, duplicate: float = 0.0, cooperative: bool = True, seed: int = 0) -> TimelineRun:
    """One transaction with one crash where ``crash`` says; the node restarts ``downtime`` ms later."""
    _check(protocol, crash, downtime, duplicate)
    sim, coordinator, victim_rm = _build(protocol, seed, fail, duplicate, cooperative)
    point = CRASH_POINTS[crash]
    if point is not None:
        victim = coordinator if point[0] else victim_rm
        sim.run(until=1.5 if point[0] else 0.5)   # the coordinator has sent its first command; a participant has started
        sim.crash_within(victim, point[1])
        while sim.status(victim) != DOWN and sim.now < 500 and sim.step():
            pass
        if sim.status(victim) == DOWN:
            sim.at(sim.now + float(downtime), sim.restart, victim)
        else:
            sim.cancel_crash(victim)
    end = sim.now + float(downtime) + HORIZON_AFTER
    sim.run(until=end)
    return _summarize(sim, protocol, crash, float(downtime), fail, float(duplicate), cooperative, seed, end)


def _events(sim: Simulation, protocol: str) -> list[tuple[float, str, str, str]]:
    out: list[tuple[float, str, str, str]] = []
    seen: dict[tuple[str, str], str] = {}
    steps = {s.service: (i, s) for i, s in enumerate(DEFAULT_STEPS)}
    for t, kind, node, peer, _mid, detail in sim.trace.records:
        if kind == "fault" and isinstance(detail, str) and detail.startswith("crash after"):
            out.append((t, node, "crash", f"crashes: {detail[6:]} of its handler carried out"))
        elif kind == "fault" and detail == "crash" and not (out and out[-1][:3] == (t, node, "crash")):
            out.append((t, node, "crash", "crashes"))
        elif kind == "fault" and detail == "restart":
            out.append((t, node, "restart", "restarts and reads its log"))
        elif kind == "send" and isinstance(detail, (Commit, Abort)):
            out.append((t, node, "decision", f"sends {type(detail).__name__} to {peer}"))
        elif kind == "send" and isinstance(detail, (Do, Undo)) and protocol == "saga (orchestrated)":
            name = DEFAULT_STEPS[detail.step]
            out.append((t, node, "step", f"asks {peer}: {name.action if isinstance(detail, Do) else name.compensation}"))
        elif kind == "duplicate":
            out.append((t, node, "duplicate", f"the network delivers a message from {peer} twice"))
        elif kind == "persist":
            for key, rec in detail.items():
                out.extend(_persist_event(t, node, key, rec, seen, steps))
    return sorted(out, key=lambda e: e[0])


def _persist_event(t: float, node: str, key: str, rec: Any, seen: dict, steps: dict) -> list[tuple[float, str, str, str]]:
    if not isinstance(rec, dict):
        return []
    if key.startswith("txn/"):
        if "decision" in rec:
            return [(t, node, "decision", f"logs its decision: {rec['decision']}")]
        if rec.get("begun") and "state" not in rec:
            return [(t, node, "step", "logs the transaction, sends Prepare")]
        state, before = rec.get("state"), seen.get((node, key), "working")
        seen[(node, key)] = state
        if state == before:
            return []
        what = {"prepared": ("yes", "logs prepared, takes its lock, votes yes"),
                "committed": ("commit", "commits, releases its lock"),
                "aborted": ("abort", "aborts, releases its lock" if before == "prepared" else "aborts (votes no)")}
        return [(t, node, *what[state])] if state in what else []
    if key.startswith("saga/"):
        phase = rec.get("phase")
        text = {"forward": f"logs: step {rec.get('step')} next", "compensating": f"logs: compensate steps {rec.get('todo')}",
                "completed": "logs: saga completed", "compensated": "logs: saga compensated"}.get(phase, str(rec))
        return [(t, node, "decision", text)]
    if key.startswith("op/"):
        i, step = steps[node]
        prev = seen.get((node, key), {})
        seen[(node, key)] = dict(rec)
        out = []
        if rec.get("do") != prev.get("do"):
            kind, text = {"ok": ("commit", f"applies {step.action}"), "failed": ("abort", f"{step.action} FAILS"),
                          "refused": ("abort", f"refuses a late {step.action}")}[rec["do"]]
            out.append((t, node, kind, text))
        if rec.get("undo") is not None and (prev.get("undo") is None or rec.get("net") != prev.get("net")):
            out.append((t, node, "compensate", f"compensates: {step.compensation}"))
        return out
    return []


def _summarize(sim: Simulation, protocol: str, crash: str, downtime: float, fail: bool, duplicate: float,
               cooperative: bool, seed: int, end: float) -> TimelineRun:
    down = tuple((r.nodes[0], r.start, r.end if r.end is not None else end) for r in sim.trace.fault_periods("crash"))
    events = _events(sim, protocol)
    if protocol == "2PC":
        nodes = ("tm",) + RMS
        states = participant_states(sim, RMS, TXN)
        outcome = (states[RMS[0]] if len(set(states.values())) == 1 and states[RMS[0]] in ("committed", "aborted")
                   else "undecided " + str(states) if "prepared" in states.values() or "working" in states.values()
                   else "mixed " + str(states))
        violation = atomicity_violation(sim, RMS, [TXN])
        locks, blocked, longest = [], 0.0, 0.0
        tm_down = [(a, b) for n, a, b in down if n == "tm"]
        for rm in RMS:
            rec = sim.storage(rm).get(f"txn/{TXN}", {})
            if "locked_at" in rec:
                a, released = rec["locked_at"], "released_at" in rec
                b = rec["released_at"] if released else end
                locks.append((rm, a, b, released))
                longest = max(longest, b - a)
                blocked = max(blocked, sum(max(0.0, min(b, y) - max(a, x)) for x, y in tm_down))
        decided = all(s in ("committed", "aborted") for s in states.values())
        finished_at = max([e[0] for e in events if e[1] in RMS and e[2] in ("commit", "abort")], default=None)
        queries = sum(1 for r in sim.trace.records if r[1] == "send" and isinstance(r[5], StatusQuery))
        return TimelineRun(protocol, crash, downtime, fail, duplicate, cooperative, seed, nodes, tuple(events), down,
                           tuple(locks), outcome, violation, blocked, longest, finished_at if decided else None,
                           queries, end)
    nodes = (("orchestrator",) if protocol == "saga (orchestrated)" else ()) + SERVICES
    outcome = saga_outcomes(sim, [SAGA])[SAGA]
    violation = saga_violation(sim, [SAGA])
    finished_at = max([e[0] for e in events if e[1] in SERVICES and e[2] in ("commit", "abort", "compensate")],
                      default=None)
    return TimelineRun(protocol, crash, downtime, fail, duplicate, cooperative, seed, nodes, tuple(events), down,
                       (), outcome, violation, 0.0, 0.0, finished_at, 0, end)


def timeline_table(run: TimelineRun) -> "pd.DataFrame":
    """The run's events, in time order: t (ms), who, what."""
    import pandas as pd

    return pd.DataFrame([(round(t, 1), node, what) for t, node, _kind, what in run.events],
                        columns=["t (ms)", "who", "what"])


def draw_timeline(run: TimelineRun, ax: Any) -> Any:
    """One lane per node: down periods (grey), lock-held bars (red where the coordinator was down), events."""
    lanes = {n: i for i, n in enumerate(reversed(run.nodes))}
    last = max([run.finished_at or 0.0] + [b for _n, _a, b in run.down] + [e[0] for e in run.events[-1:]]) + 40
    tm_down = [(a, b) for n, a, b in run.down if n == "tm"]
    bars: dict[str, dict[str, list[tuple[float, float]]]] = {"down": {}, "lock held": {}, "blocked": {}}
    for node, a, b in run.down:
        bars["down"].setdefault(node, []).append((a, min(b, last) - a))
    for rm, a, b, _released in run.locks:
        bars["lock held"].setdefault(rm, []).append((a, min(b, last) - a))
        for x, y in tm_down:
            lo, hi = max(a, x), min(b, y, last)
            if hi > lo:
                bars["blocked"].setdefault(rm, []).append((lo, hi - lo))
    style = {"down": (0.7, COLORS["down"]), "lock held": (0.35, COLORS["lock"]), "blocked": (0.35, COLORS["blocked"])}
    for label, per_node in bars.items():
        height, color = style[label]
        for i, (node, spans) in enumerate(per_node.items()):
            ax.broken_barh(spans, (lanes[node] - height / 2, height), color=color, label=label if i == 0 else None)
    markers = {"yes": "^", "no": "v", "decision": "*", "commit": "s", "abort": "X", "step": ".", "compensate": "P",
               "crash": "X", "restart": "o", "duplicate": "d"}
    by_kind: dict[str, list[tuple[float, int]]] = {}
    for t, node, kind, _what in run.events:
        if t <= last:
            by_kind.setdefault(kind, []).append((t, lanes[node]))
    for kind, points in by_kind.items():
        xs, ys = zip(*points)
        ax.plot(xs, ys, markers[kind], color=COLORS[kind], ms=8 if kind != "step" else 5, label=kind)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    ax.set_yticks(list(lanes.values()), list(lanes.keys()))
    ax.set_xlim(0, last)
    ax.set_ylim(-0.6, len(lanes) - 0.4)
    ax.set_xlabel("time (ms)")
    blocked = f", blocked {run.blocked_ms:.0f} ms" if run.blocked else ""
    ax.set_title(f"seed {run.seed}: {run.protocol}, {run.outcome if run.atomic else 'NOT atomic'}{blocked}", fontsize=9)
    return ax


class TransactionTimeline(ExperimentPanel):
    """Choose where the coordinator or a participant crashes; read locks, votes, decisions, compensations.

    Headless: ``p = transaction_panel(); p.set(downtime=1500); p.run_data.blocked_ms``.
    """

    title = "Transaction timeline: where does it crash, and what does it cost?"
    figsize = (10.0, 3.4)
    dpi = 80
    margins = {"left": 0.09, "right": 0.84, "top": 0.88, "bottom": 0.15}

    def __init__(self, *, auto_run: bool = True, run_now: bool = True, **initial: Any) -> None:
        self.cache: dict[tuple, TimelineRun] = {}
        self.computed = 0  # simulations actually run (the rest came from the cache)
        super().__init__(auto_run=auto_run, run_now=run_now, initial=initial)

    def make_controls(self) -> dict[str, widgets.ValueWidget]:
        return {
            "protocol": widgets.Dropdown(options=list(PROTOCOLS), value="2PC", description="protocol", **_WIDE),
            "crash": widgets.Dropdown(options=list(CRASH_POINTS), value="coordinator, after logging its decision",
                                      description="who crashes", **_WIDE),
            "downtime": widgets.IntSlider(value=750, min=DOWNTIMES[0], max=DOWNTIMES[-1], step=DOWNTIMES[1],
                                          description="down for (ms)", **_WIDE),
            "fail": widgets.Checkbox(value=False, description="last participant votes no / last step fails",
                                     indent=False, layout={"width": "360px"}),
            "duplicate": widgets.FloatSlider(value=0.0, min=0.0, max=0.5, step=0.05, description="duplicates",
                                             **_WIDE),
            "cooperative": widgets.Checkbox(value=True, description="2PC: participants ask each other",
                                            indent=False, layout={"width": "360px"}),
            "seed": widgets.IntText(value=0, description="seed", **_WIDE),
        }

    def timeline(self, protocol: str, crash: str, downtime: float, fail: bool, duplicate: float, cooperative: bool,
                 seed: int) -> TimelineRun:
        """The run for these settings; every downtime of the slider is computed with the first one."""
        key = (protocol, crash, float(downtime), bool(fail), round(float(duplicate), 3), bool(cooperative), int(seed))
        if key not in self.cache:
            for d in sorted({*DOWNTIMES, float(downtime)}):
                self.cache[key[:2] + (float(d),) + key[3:]] = timeline_run(
                    protocol, crash, d, fail=fail, duplicate=duplicate, cooperative=cooperative, seed=seed)
                self.computed += 1
        return self.cache[key]

    def compute(self, params: dict[str, Any], progress: Progress) -> ExperimentResult:
        run = self.timeline(params["protocol"], params["crash"], params["downtime"], params["fail"],
                            params["duplicate"], params["cooperative"], params["seed"])
        progress(0.8)
        if run.violation is not None:   # these are the correct protocols: a violation is a bug, not a result
            raise InvariantViolation(f"{run.protocol} broke atomicity: {run.violation}", seed=run.seed)
        return ExperimentResult(params=params, seed=params["seed"], table=timeline_table(run), verdict=run.verdict(),
                                data={"run": run})

    def draw(self, result: ExperimentResult, ax: Any) -> None:
        draw_timeline(result.data["run"], ax)

    @property
    def run_data(self) -> TimelineRun:
        """The :class:`TimelineRun` shown now."""
        if self.result is None:
            raise ConfigError(f"no result to show: {self.verdict_text}")
        return self.result.data["run"]


def transaction_panel(**initial: Any) -> TransactionTimeline:
    """The panel of notebook 13, run once with ``initial`` settings (protocol, crash, downtime, fail,
    duplicate, cooperative, seed); it reruns on every change."""
    return TransactionTimeline(**initial)
