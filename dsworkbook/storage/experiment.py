"""One experiment harness for every store setting: build, fault, run, measure, classify.

Theory of operation
-------------------
A :class:`Setting` names a store configuration - the CP store (majority ABD) or the
Dynamo-style store with its ``N, R, W`` - and builds its replicas ``n1..nN`` on a
:class:`~dsworkbook.sim.Simulation`. :func:`run_setting` adds seeded clients ``c1..cK`` (client
``ci`` prefers replica ``n((i-1) mod N + 1)`` and fails over to the next after a timeout),
applies a :class:`~dsworkbook.sim.FaultSchedule` and runs. Because the simulation seed, the
workload seed and the schedule are the same for every setting, two settings differ only in
the store: an **A/B comparison under identical faults**.

:func:`measure` reads a finished run: availability (the share of operations that ended ``ok``),
p50 / p99 latency of the ``ok`` operations, messages per operation (every message the run sent,
background repair included, over the operations), stale reads
(:func:`~dsworkbook.storage.quorum.stale_reads`), and - from :mod:`dsworkbook.checkers` - the
linearizability verdict and the strongest consistency model the history satisfies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.sim import FaultSchedule, Simulation
from dsworkbook.storage.ap import APReplica
from dsworkbook.storage.common import (KVClient, check_nrw, client_ids, op_latencies, percentile, random_workload,
                                       replica_ids)
from dsworkbook.storage.cp import CPReplica

__all__ = ["Setting", "CP", "AP", "quorum_setting", "run_setting", "measure", "consistency", "SETTINGS", "Script",
           "scripted_run"]


@dataclass(frozen=True)
class Setting:
    """A store configuration: ``kind`` is ``cp`` (majority ABD) or ``ap`` (Dynamo-style N/R/W)."""

    name: str
    kind: str
    n: int = 3
    r: int = 1
    w: int = 1
    options: tuple[tuple[str, Any], ...] = field(default=())

    def __post_init__(self) -> None:
        if self.kind not in ("cp", "ap"):
            raise ConfigError(f"a setting's kind is 'cp' or 'ap', got {self.kind!r}")
        check_nrw(self.n, self.r, self.w)

    @property
    def replicas(self) -> list[str]:
        return replica_ids(self.n)

    def build(self, sim: Simulation) -> list[str]:
        """Add this setting's replicas to ``sim``; returns their ids."""
        reps = self.replicas
        opts = dict(self.options)
        for rep in reps:
            if self.kind == "cp":
                sim.add_node(rep, CPReplica, replicas=reps, **opts)
            else:
                sim.add_node(rep, APReplica, replicas=reps, n=self.n, r=self.r, w=self.w, **opts)
        return reps

    def label(self) -> str:
        if self.kind == "cp":
            return f"{self.name} (N={self.n}, majority {self.n // 2 + 1})"
        return f"{self.name} (N={self.n}, R={self.r}, W={self.w})"


def CP(n: int = 3, **options: Any) -> Setting:
    """The CP store: majority quorums with ABD's two phases."""
    return Setting("CP", "cp", n, n // 2 + 1, n // 2 + 1, tuple(sorted(options.items())))


def AP(n: int = 3, **options: Any) -> Setting:
    """The AP store: any replica accepts, R = W = 1."""
    return Setting("AP", "ap", n, 1, 1, tuple(sorted(options.items())))


def quorum_setting(n: int, r: int, w: int, **options: Any) -> Setting:
    """The Dynamo-style store with explicit N/R/W."""
    return Setting("quorum", "ap", n, r, w, tuple(sorted(options.items())))


#: The three settings of the A/B scorecard.
SETTINGS = (CP(3), AP(3), quorum_setting(3, 2, 2))


def run_setting(setting: Setting, seed: int, *, clients: int = 3, ops: int = 15, keys: Sequence[Any] = ("x", "y"),
                schedule: FaultSchedule | None = None, latency: Any = (1, 10), until: float = 4000.0,
                think: float = 5.0, client_timeout: float = 300.0, trace: bool = True,
                prepare: Callable[[Simulation], None] | None = None, write_ratio: float = 0.5) -> Simulation:
    """Run ``setting`` with seeded clients under ``schedule``; returns the finished simulation.

    ``prepare(sim)``, if given, runs after the nodes are added and before the run starts (to
    set the latency of particular links, for instance).
    """
    sim = Simulation(seed=seed, latency=latency, trace=trace)
    reps = setting.build(sim)
    cls = client_ids(clients)
    work = random_workload(seed, cls, ops=ops, keys=keys, write_ratio=write_ratio)
    for i, c in enumerate(cls):
        home = i % len(reps)
        sim.add_node(c, KVClient, servers=reps[home:] + reps[:home], ops=work.ops[c], think=think,
                     timeout=client_timeout, req_base=(i + 1) * 100_000)
    if prepare is not None:
        prepare(sim)
    if schedule is not None:
        schedule.apply_to(sim)
    sim.run(until=until)
    return sim


@dataclass(frozen=True)
class Script:
    """One scripted client: its servers (in order of preference), operations, start time, routing."""

    servers: tuple[str, ...]
    ops: tuple[tuple[str, Any, Any], ...]
    start_at: float = 0.0
    routing: str = "sticky"
    think: float = 20.0
    timeout: float = 400.0


def scripted_run(build: Callable[[Simulation], Any], seed: int, clients: Mapping[str, Script], *,
                 faults: Callable[[Simulation], None] | None = None, until: float = 2000.0,
                 latency: Any = (2, 8)) -> Simulation:
    """A hand-written scenario: ``build(sim)`` adds the replicas, ``clients`` run their scripts,
    ``faults(sim)`` schedules what goes wrong; run until ``until`` ms and return the sim."""
    sim = Simulation(seed=seed, latency=latency)
    build(sim)
    for i, (c, s) in enumerate(sorted(clients.items())):
        sim.add_node(c, KVClient, servers=s.servers, ops=s.ops, start_at=s.start_at, routing=s.routing,
                     think=s.think, timeout=s.timeout, req_base=(i + 1) * 100_000)
    if faults is not None:
        faults(sim)
    sim.run(until=until)
    return sim


def _signature(sim: Simulation) -> tuple:
    return tuple((op.process, op.f, op.key, op.input, op.outcome, op.output, op.invoke_time, op.complete_time)
                 for op in sim.history)


_VERDICTS: dict[tuple, dict[str, Any]] = {}
_VERDICTS_KEPT = 256


def consistency(sim: Simulation) -> dict[str, Any]:
    """The checkers' view of a history: linearizable? and the strongest model it satisfies.

    Returns ``{"linearizable": verdict, "strongest": model, "linearizability": result}``. Verdicts
    are remembered by the history's content (a check can take half a second, and a panel
    re-runs identical histories whenever an unrelated control changes).
    """
    key = _signature(sim)
    if key not in _VERDICTS:
        if len(_VERDICTS) >= _VERDICTS_KEPT:
            _VERDICTS.pop(next(iter(_VERDICTS)))
        _VERDICTS[key] = _consistency(sim)
    return _VERDICTS[key]


def _consistency(sim: Simulation) -> dict[str, Any]:
    from dsworkbook.checkers import check_linearizable, classify, from_sim_history

    history = from_sim_history(sim.history)
    lin = check_linearizable(history, model="kv")
    return {"linearizable": lin.verdict, "linearizability": lin, "strongest": classify(history, model="kv").strongest}


def measure(sim: Simulation, *, checkers: bool = True) -> dict[str, Any]:
    """The scorecard row of a finished run (see the module docstring)."""
    from dsworkbook.storage.quorum import stale_reads

    counts = sim.history.counts()
    total = sum(counts.values())
    lat = op_latencies(sim)
    sends = sum(1 for r in sim.trace.records if r[1] == "send")
    row: dict[str, Any] = {
        "ops": total, "ok": counts["ok"], "fail": counts["fail"], "unknown": counts["unknown"],
        "availability %": round(100.0 * counts["ok"] / total, 1) if total else float("nan"),
        "p50 ms": round(percentile(lat, 0.5), 1), "p99 ms": round(percentile(lat, 0.99), 1),
        "msgs/op": round(sends / total, 1) if total else float("nan"),
        "stale reads": len(stale_reads(sim.history)),
    }
    if checkers:
        verdicts = consistency(sim)
        row["linearizable"], row["strongest model"] = verdicts["linearizable"], verdicts["strongest"]
    return row
