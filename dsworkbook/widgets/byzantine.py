"""The PBFT panel of notebook 08: one request's three phases, with a traitor you choose.

Theory of operation
-------------------
A cluster of n = 4 replicas (f = 1) and one client runs :data:`OPS` requests on the simulator
(:func:`~dsworkbook.consensus.pbft.pbft_sim`). The reader picks which replica, if any, is a
traitor and the strategy it plays (:data:`~dsworkbook.consensus.pbft.STRATEGIES`), which of the
client's requests to look at, and how far through it to show: the pre-prepare, the prepare
phase, the commit phase, or up to the client's f+1 matching replies.

The diagram is the run's space-time diagram (:func:`dsworkbook.viz.spacetime`) over that
request, every arrow named after its PBFT message (:func:`pbft_label`); a message whose
signature does not verify is drawn as ``rejected: bad signature``. On each honest replica's
lane the **certificates fill up**: a small number at each matching prepare (``p1``, ``p2``)
and commit (``c1``...) it collects - its own vote included, the primary's prepare never
counted - a square where it is *prepared* (the pre-prepare and 2f prepares), a diamond where it
is *committed-local* (2f+1 commits) and a star where it executes the request. The table gives
the same per replica, with what each honest replica rejected; the verdict line says whether a
view change replaced the primary and what :func:`~dsworkbook.consensus.pbft.check_pbft` found.

Everything is computed once per (seed, traitor, strategy) - :class:`PbftRun`, about 10 ms - and
kept; the runs of every traitor and strategy for the panel's seed are made when the panel is
built (:attr:`PbftPanel.precomputed`), so a control change only redraws.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

import ipywidgets as widgets

from dsworkbook.consensus.pbft import (STRATEGIES, Checkpoint, Commit, Keyring, NewView, Prepare, PrePrepare, Reply,
                                       Request, Signed, ViewChange, check_pbft, clients_done, honest_replicas,
                                       pbft_sim)
from dsworkbook.errors import ConfigError
from dsworkbook.sim import Simulation
from dsworkbook.viz import spacetime
from dsworkbook.widgets.panel import ExperimentPanel, ExperimentResult, Progress

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["PbftPanel", "pbft_panel", "PbftRun", "CertLine", "pbft_run_for", "pbft_label", "certificate_table",
           "draw_request", "KIND_COLORS", "PHASES", "TRAITORS",
           "OPS", "F", "REPLICAS", "DURATION"]

F = 1
REPLICAS = tuple(f"r{i}" for i in range(3 * F + 1))
TRAITORS = ("none",) + REPLICAS
OPS = 4
DURATION = 1500.0
PHASES = ("pre-prepare", "prepare", "commit", "reply", "whole request")
_NAMES = {Request: "REQUEST", PrePrepare: "PRE-PREPARE", Prepare: "PREPARE", Commit: "COMMIT", Reply: "REPLY",
          Checkpoint: "CHECKPOINT", ViewChange: "VIEW-CHANGE", NewView: "NEW-VIEW"}
#: one colour per message kind, the same in every picture (a forgery in red)
KIND_COLORS = {"REQUEST": "#1f5fa8", "PRE-PREPARE": "#2ca02c", "PREPARE": "#8e44ad", "COMMIT": "#17a589",
               "REPLY": "#d4ac0d", "CHECKPOINT": "#7f8c8d", "VIEW-CHANGE": "#e67e22", "NEW-VIEW": "#a04000",
               "other": "#bdc3c7", "rejected: bad signature": "#c0392b"}
_SHORT = {PrePrepare: "PP", Prepare: "P", Commit: "C"}
_WIDE: dict[str, Any] = {"style": {"description_width": "80px"}, "layout": {"width": "300px"}}
_PREPARED, _COMMITTED, _EXECUTED = "#8e44ad", "#2e8b57", "#c0392b"


def pbft_label(keys: Keyring) -> Callable[[Any], tuple[str, str]]:
    """``msg -> (kind, text)`` for :func:`dsworkbook.viz.spacetime`: PBFT's names, forgeries marked.

    The kind is the message's name in Castro and Liskov (``PRE-PREPARE``, ``PREPARE``...), or
    ``rejected: bad signature`` when its signature does not verify with the key of the sender it
    names; the text adds the view or sequence number (``PP 3``, ``P 3``, ``C 3``, ``VC v1``).
    """
    def label(msg: Any) -> tuple[str, str]:
        if type(msg) is not Signed:
            return "other", type(msg).__name__
        if not keys.verify(msg):
            return "rejected: bad signature", "forged"
        body = msg.body
        kind = _NAMES.get(type(body), "other")
        if type(body) in (PrePrepare, Prepare, Commit):
            return kind, f"{_SHORT[type(body)]} {body.seq}"
        if type(body) is ViewChange:
            return kind, f"VC v{body.new_view}"
        if type(body) is NewView:
            return kind, f"NV v{body.view}"
        if type(body) is Checkpoint:
            return kind, f"CP {body.seq}"
        if type(body) is Reply:
            return kind, "reply"
        if type(body) is Request:
            return kind, f"req {body.timestamp}"
        return kind, type(body).__name__
    return label


@dataclass
class CertLine:
    """One honest replica's certificates for one request: when each vote arrived and each threshold was met."""

    replica: str
    pre_prepare: float | None = None
    prepares: list[tuple[float, int]] = field(default_factory=list)   # (time, matching prepares so far)
    commits: list[tuple[float, int]] = field(default_factory=list)    # (time, matching commits so far)
    prepared: float | None = None
    committed: float | None = None
    executed: float | None = None


@dataclass
class PbftRun:
    """One seeded run with at most one traitor, and what the panel reads from it."""

    seed: int
    traitor: str
    strategy: str
    sim: Simulation
    problems: list[str]
    done: bool
    honest: list[str]
    rejected: dict[str, dict[str, int]]
    evidence: int
    views: dict[str, int]
    primaries: list[tuple[float, int, str]]  # (time, view, primary) as honest replicas entered views
    _memo: dict[tuple[str, int], Any] = field(default_factory=dict, repr=False)

    @property
    def keys(self) -> Keyring:
        return self.sim.pbft["keys"]  # type: ignore[attr-defined]

    def request_seq(self, k: int) -> tuple[int, str] | None:
        """(sequence number, digest) at which honest replicas executed the client's request ``k``."""
        for rec in self.sim.trace.notes(key="executed"):
            d = rec.detail
            if rec.node in self.honest and d.get("client") == "c1" and d.get("timestamp") == k:
                return d["executed"], d["digest"]
        return None

    def certificates(self, k: int) -> dict[str, CertLine]:
        """Per honest replica, how its certificates for request ``k`` filled up (see the module docstring)."""
        if ("certificates", k) not in self._memo:
            self._memo[("certificates", k)] = self._certificates(k)
        return self._memo[("certificates", k)]

    def _certificates(self, k: int) -> dict[str, CertLine]:
        found = self.request_seq(k)
        lines = {r: CertLine(r) for r in self.honest}
        if found is None:
            return lines
        seq, digest = found
        members = self.sim.pbft["members"]  # type: ignore[attr-defined]
        votes: dict[tuple[str, str, int], set[str]] = {}
        for t, kind, node, _peer, _mid, msg in self.sim.trace.records:
            if kind not in ("send", "deliver") or node not in lines or type(msg) is not Signed:
                continue
            if kind == "send" and msg.signer != node:
                continue
            body, line = msg.body, lines[node]
            pps = [body] if type(body) is PrePrepare else (
                [s.body for s in body.pre_prepares] if type(body) is NewView else [])
            if any(p.seq == seq and p.digest == digest for p in pps) and line.pre_prepare is None:
                if self.keys.verify(msg):
                    line.pre_prepare = t
            if type(body) not in (Prepare, Commit) or (body.seq, body.digest) != (seq, digest):
                continue
            if not self.keys.verify(msg):
                continue
            if type(body) is Prepare and body.replica == members[body.view % len(members)]:
                continue  # the primary's pre-prepare stands for its vote
            which = "p" if type(body) is Prepare else "c"
            voters = votes.setdefault((node, which, body.view), set())
            if body.replica in voters:
                continue
            voters.add(body.replica)
            (line.prepares if which == "p" else line.commits).append((t, len(voters)))
            if which == "p" and len(voters) == 2 * F and line.prepared is None:
                line.prepared = t
            if which == "c" and len(voters) == 2 * F + 1 and line.committed is None:
                line.committed = t
        for rec in self.sim.trace.notes(key="executed"):
            if rec.node in lines and rec.detail["executed"] == seq and lines[rec.node].executed is None:
                lines[rec.node].executed = rec.time
        for line in lines.values():  # prepared also needs the pre-prepare; committed-local needs prepared
            if line.prepared is not None and line.pre_prepare is not None:
                line.prepared = max(line.prepared, line.pre_prepare)
            if line.committed is not None and line.prepared is not None:
                line.committed = max(line.committed, line.prepared)
        return lines

    def window(self, k: int) -> dict[str, tuple[float, float]]:
        """Per phase, the time window (ms) to draw for request ``k``.

        The four phases zoom on the normal case that committed the request (from shortly before the
        first honest replica accepted its pre-prepare) and end where the last honest replica finished
        that phase; ``whole request`` runs from the client's first send - timeouts and view changes
        included - to the client's acceptance.
        """
        ops = [op for op in self.sim.history if op.process == "c1"]
        if not 1 <= k <= len(ops):
            raise ConfigError(f"request must be between 1 and {len(ops)}, got {k}")
        op = ops[k - 1]
        start = op.invoke_time - 2.0
        end = op.complete_time if op.complete_time is not None else self.sim.now
        lines = list(self.certificates(k).values())
        firsts = [ln.pre_prepare for ln in lines if ln.pre_prepare is not None]
        zoom = max(start, min(firsts) - 8.0) if firsts else start  # the normal case that committed it
        out, last = {}, zoom
        for phase, attr in zip(PHASES[:3], ("pre_prepare", "prepared", "committed")):
            ts = [getattr(ln, attr) for ln in lines if getattr(ln, attr) is not None]
            last = min(max(last, max(ts) if ts else end), end)
            out[phase] = (zoom, last + 3.0)
        out["reply"] = (zoom, end + 3.0)
        out["whole request"] = (start, end + 3.0)
        return out


_RUNS: dict[tuple[int, str, str], PbftRun] = {}


def pbft_run_for(seed: int, traitor: str = "none", strategy: str = "silent") -> PbftRun:
    """The panel's run for ``seed`` with ``traitor`` (``"none"`` or ``r0``-``r3``) playing ``strategy`` (cached)."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ConfigError(f"seed must be an int, got {seed!r}")
    if traitor not in TRAITORS:
        raise ConfigError(f"traitor must be one of {list(TRAITORS)}, got {traitor!r}")
    if strategy not in STRATEGIES[1:]:
        raise ConfigError(f"strategy must be one of {list(STRATEGIES[1:])}, got {strategy!r}")
    key = (seed, traitor, strategy if traitor != "none" else "-")
    if key in _RUNS:
        return _RUNS[key]
    traitors = [] if traitor == "none" else [traitor]
    sim = pbft_sim(seed, f=F, traitors=traitors, strategy=strategy, clients=1, ops=OPS)
    sim.run(until=DURATION)
    honest = honest_replicas(sim)
    rejected = {r: dict(sim.node(r).rejected) for r in honest}
    primaries = [(rec.time, rec.detail["view"], rec.detail["primary"]) for rec in sim.trace.notes(key="primary")
                 if rec.node in honest]
    run = PbftRun(seed, traitor, strategy, sim, check_pbft(sim), clients_done(sim), honest, rejected,
                  sum(len(sim.node(r).evidence) for r in honest), {r: sim.node(r).view for r in honest}, primaries)
    if len(_RUNS) > 400:
        _RUNS.clear()
    _RUNS[key] = run
    return run


def _fmt(t: float | None) -> str:
    return "-" if t is None else f"{t:.0f}"


def certificate_table(run: PbftRun, k: int) -> "pd.DataFrame":
    """One row per replica: its role, its certificates for request ``k``, and what it rejected in the run."""
    import pandas as pd

    lines = run.certificates(k)
    rows = []
    for r in REPLICAS:
        if r == run.traitor:
            rows.append({"replica": r, "role": f"traitor: {run.strategy}"})
            continue
        ln = lines[r]
        rej = run.rejected[r]
        rows.append({"replica": r, "role": "honest", "pre-prepare at": _fmt(ln.pre_prepare),
                     f"prepares (2f={2 * F} needed)": ln.prepares[-1][1] if ln.prepares else 0,
                     "prepared at": _fmt(ln.prepared),
                     f"commits (2f+1={2 * F + 1} needed)": ln.commits[-1][1] if ln.commits else 0,
                     "committed at": _fmt(ln.committed), "executed at": _fmt(ln.executed),
                     "rejected": ", ".join(f"{v} {k_}" for k_, v in sorted(rej.items())) or "nothing",
                     "final view": run.views[r]})
    return pd.DataFrame(rows).set_index("replica").astype(object).fillna("").astype(str)


def _verdict(run: PbftRun, k: int) -> str:
    who = "no traitor" if run.traitor == "none" else f"traitor {run.traitor} plays {run.strategy}"
    total = sum(sum(v.values()) for v in run.rejected.values())
    parts = [who]
    if run.traitor != "none":
        evidence = f", and hold {run.evidence} signed proof(s) of equivocation" if run.evidence else ""
        parts.append(f"honest replicas rejected {total} messages{evidence}")
    views = sorted(set(run.views.values()))
    if run.primaries:
        last = run.primaries[-1]
        parts.append(f"view change: now view {last[1]}, primary {last[2]}")
    else:
        parts.append(f"no view change (view {views[0]}, primary r0)" if views == [0] else f"views {views}")
    found = run.request_seq(k)
    parts.append(f"request {k} at sequence number {found[0]}" if found else f"request {k} not executed")
    safety = "SAFETY BROKEN: " + run.problems[0] if run.problems else "safety check green (agreement, order, " \
                                                                      "client validity)"
    parts.append(safety)
    parts.append(f"{'all' if run.done else 'not all'} {OPS} requests answered")
    return "; ".join(parts)


def draw_request(run: PbftRun, k: int, phase: str, ax: Any) -> None:
    """The space-time diagram of request ``k`` up to the end of ``phase``, with the certificates filling up."""
    if phase not in PHASES:
        raise ConfigError(f"phase must be one of {list(PHASES)}, got {phase!r}")
    start, end = run.window(k)[phase]
    lanes = ["c1", *REPLICAS]
    what = phase if phase == "whole request" else f"up to its {phase} phase"
    spacetime(run.sim, nodes=lanes, start=start, end=end, ax=ax, label=pbft_label(run.keys), max_labels=0,
              title=f"seed {run.seed}: request {k}, {what}")
    y = {n: float(len(lanes) - 1 - i) for i, n in enumerate(lanes)}
    dots: dict[str, tuple[list[float], list[float]]] = {"p": ([], []), "c": ([], [])}
    for r, ln in run.certificates(k).items():
        for which, votes, dy in (("p", ln.prepares, 0.17), ("c", ln.commits, -0.17)):
            for i, (t, _count) in enumerate(votes):
                if t <= end:  # one dot per vote collected, stacked: the certificate filling up
                    dots[which][0].append(t)
                    dots[which][1].append(y[r] + dy * (1 + 0.35 * i))
        for t, marker, color in ((ln.prepared, "s", _PREPARED), (ln.committed, "D", _COMMITTED),
                                 (ln.executed, "*", _EXECUTED)):
            if t is not None and t <= end:
                ax.plot([t], [y[r]], marker=marker, ms=8 if marker == "*" else 6, color=color, zorder=5,
                        linestyle="none")
    for which, color in (("p", _PREPARED), ("c", _COMMITTED)):
        ax.scatter(*dots[which], s=7, color=color, zorder=4, marker="o" if which == "p" else "v")
    if run.traitor != "none":
        ax.axhspan(y[run.traitor] - 0.3, y[run.traitor] + 0.3, color="#c0392b", alpha=0.08, zorder=0)
        ax.text(start, y[run.traitor] + 0.32, f"traitor ({run.strategy})", fontsize=7, color="#c0392b",
                va="bottom")
    handles = [ax.plot([], [], marker=m, color=c, linestyle="none", label=lab)[0]
               for m, c, lab in (("o", _PREPARED, "a matching PREPARE collected"),
                                 ("v", _COMMITTED, "a matching COMMIT collected"),
                                 ("s", _PREPARED, "prepared (PP + 2f prepares)"),
                                 ("D", _COMMITTED, "committed-local (2f+1 commits)"),
                                 ("*", _EXECUTED, "executed"))]
    for coll in ax.collections:  # fixed colours per kind, whatever order the kinds appear in
        gid = coll.get_gid() or ""
        if gid.startswith("spacetime:delivered:") and gid[len("spacetime:delivered:"):] in KIND_COLORS:
            coll.set_color(KIND_COLORS[gid[len("spacetime:delivered:"):]])
    legend = ax.get_legend()
    old = list(legend.legend_handles) if legend is not None else []
    for h in old:
        if h.get_label() in KIND_COLORS:
            h.set_color(KIND_COLORS[h.get_label()])
    ax.legend(old + handles, [h.get_label() for h in old + handles], fontsize=7, loc="upper left",
              bbox_to_anchor=(1.01, 1.0), frameon=False)


class PbftPanel(ExperimentPanel):
    """PBFT, one request at a time, with a traitor of your choice (notebook 08, theme T08).

    Headless: ``p = PbftPanel(); p.set(traitor="r0", strategy="equivocate"); p.result.table``.
    """

    title = "PBFT: one request's three phases, and a traitor"
    figsize = (10.0, 3.8)
    dpi = 80
    margins = {"left": 0.06, "right": 0.74, "top": 0.9, "bottom": 0.12}

    def __init__(self, *, auto_run: bool = True, run_now: bool = True, precompute: bool = True,
                 **initial: Any) -> None:
        super().__init__(auto_run=auto_run, run_now=False, initial=initial)
        self.precomputed = 0
        if precompute:
            self.precompute(self.values["seed"])
        if run_now:
            self.run()

    def precompute(self, seed: int) -> int:
        """Run every traitor and strategy for ``seed`` now, so control changes only redraw; returns the count."""
        for traitor in TRAITORS:
            for strategy in STRATEGIES[1:] if traitor != "none" else ("silent",):
                run = pbft_run_for(seed, traitor, strategy)
                for k in range(1, OPS + 1):
                    run.certificates(k)
                self.precomputed += 1
        return self.precomputed

    def make_controls(self) -> dict[str, widgets.ValueWidget]:
        return {
            "traitor": widgets.Dropdown(options=list(TRAITORS), value="none", description="traitor", **_WIDE),
            "strategy": widgets.Dropdown(options=list(STRATEGIES[1:]), value="equivocate", description="strategy",
                                         **_WIDE),
            "request": widgets.IntSlider(value=1, min=1, max=OPS, description="request", **_WIDE),
            "phase": widgets.SelectionSlider(options=list(PHASES), value="reply", description="up to", **_WIDE),
            "seed": widgets.IntText(value=1, description="seed", **_WIDE),
        }

    def compute(self, params: dict[str, Any], progress: Progress) -> ExperimentResult:
        run = pbft_run_for(params["seed"], params["traitor"], params["strategy"])
        progress(0.5)
        k = params["request"]
        return ExperimentResult(params=params, seed=params["seed"], table=certificate_table(run, k),
                                verdict=_verdict(run, k), data={"run": run})

    def draw(self, result: ExperimentResult, ax: Any) -> None:
        draw_request(result.data["run"], result.params["request"], result.params["phase"], ax)


def pbft_panel(**initial: Any) -> PbftPanel:
    """The PBFT panel of notebook 08, run once with ``initial`` settings; it reruns on every change."""
    return PbftPanel(**initial)
