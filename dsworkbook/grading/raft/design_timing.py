"""Exercise ``06-design-timing``: tune a Raft cluster's timers for three deployments, graded by running them.

Theory of operation
-------------------
§5.6 of the paper asks for ``broadcastTime << electionTimeout << MTBF``. The learner is given
three deployments (:data:`DEPLOYMENTS`: the links' latency, the MTBF, an availability target and
a failover budget) and answers, per deployment, a heartbeat and an election timeout range (and,
optionally, PreVote). The check keeps three rules, in this order, and stops at the first broken:

1. **form** - a dict with exactly the deployments' names; each choice a dict with ``heartbeat``
   (ms) and ``election_timeout`` (a ``(low, high)`` pair of ms), optionally ``prevote``; the
   choice must make a valid ``RaftConfig`` (a heartbeat at or above ``low`` is refused: the
   followers would time out between heartbeats);
2. **above the broadcast time** - ``low`` must be above the deployment's broadcast time, measured
   at check time on its links (:func:`~dsworkbook.consensus.raft.timing.broadcast_time`, seed 1);
3. **by running** - on each of :data:`SEEDS`, :func:`~dsworkbook.consensus.raft.timing.timing_run`
   (three servers, a client writing, leader crashes at the deployment's MTBF, 400 ms down, four
   MTBFs measured): the availability reaches the target, every failure settles (a write is answered
   before the next failure), and the mean failover stays within the budget.

Nothing is compared with a stored answer: every target is met or missed by a run. The
deployments are chosen so that no one choice meets all three (a failover budget bounds the
timeout from above on fast links, the broadcast time from below on slow ones), and the hints
name the likely cause of a miss from the runs: a range without spread (split votes again and
again), a timeout near the broadcast time (spurious elections), or one so long that failover
eats the budget.
"""

from __future__ import annotations

from typing import Any

from dsworkbook.consensus.raft.config import RaftConfig
from dsworkbook.consensus.raft.timing import broadcast_time, timing_run
from dsworkbook.errors import ConfigError
from dsworkbook.grading.core import exercise, fail

__all__ = ["DEPLOYMENTS", "SEEDS", "DOWNTIME", "MTBFS", "grade_design_timing", "measure_choice"]

#: name -> links (ms), MTBF (ms), availability target (share of time), failover budget (ms, mean per run)
DEPLOYMENTS: dict[str, dict[str, Any]] = {
    "one-zone": {"latency": (1.0, 5.0), "mtbf": 2000.0, "availability": 0.93, "failover": 150.0},
    "three-zones": {"latency": (5.0, 20.0), "mtbf": 2000.0, "availability": 0.78, "failover": 350.0},
    "three-regions": {"latency": (20.0, 60.0), "mtbf": 4000.0, "availability": 0.70, "failover": 1100.0},
}
SEEDS = (11, 12, 13)
#: how long a crashed leader stays down (ms); each run measures four MTBFs after its warm-up
DOWNTIME, MTBFS = 400.0, 4
HINT_FORM = ('answer a dict with the keys "one-zone", "three-zones" and "three-regions", each a dict such as '
             '{"heartbeat": 10, "election_timeout": (50, 100)} (ms; "prevote": True is optional)')


def _config(name: str, choice: Any) -> RaftConfig:
    """The RaftConfig of one choice, or a clear failure naming what is wrong with it."""
    if isinstance(choice, RaftConfig):
        return choice
    if not isinstance(choice, dict) or not {"heartbeat", "election_timeout"} <= set(choice) \
            or not set(choice) <= {"heartbeat", "election_timeout", "prevote"}:
        fail(case=f"the form of the choice for {name!r}", input=name,
             expected='a dict with "heartbeat" and "election_timeout" (and optionally "prevote")', got=choice,
             hint=HINT_FORM)
    try:
        return RaftConfig(heartbeat=choice["heartbeat"], election_timeout=choice["election_timeout"],
                          prevote=choice.get("prevote", False))
    except ConfigError as exc:
        hint = ("the leader's heartbeats must come more often than the shortest election timeout, or followers "
                "start elections while the leader is healthy (§5.6)") if "heartbeat" in str(exc) else HINT_FORM
        fail(case=f"the choice for {name!r} is not a valid configuration", input=f"{name}: {choice}",
             expected="a heartbeat shorter than the lowest election timeout, and (low, high) with low <= high",
             got=str(exc), hint=hint)
    raise AssertionError("unreachable")  # pragma: no cover


def measure_choice(config: RaftConfig, deployment: dict[str, Any], seed: int) -> dict[str, Any]:
    """One graded run of ``config`` in ``deployment`` (a row of :func:`timing_run`)."""
    return timing_run(seed, latency=deployment["latency"], election_timeout=config.election_timeout,
                      heartbeat=config.heartbeat, prevote=config.prevote, mtbf=deployment["mtbf"], downtime=DOWNTIME,
                      duration=MTBFS * deployment["mtbf"])


def _miss_hint(config: RaftConfig, bt: float, dep: dict[str, Any], row: dict[str, Any]) -> str:
    low, high = config.election_timeout
    if high - low < bt:
        return (f"the range {low:g}-{high:g} ms has {'no' if high == low else 'too little'} spread: after a crash "
                "the two survivors time out within one broadcast time of each other, both stand and split the votes, "
                f"again and again (§5.2: randomized timeouts); spread the range well beyond the broadcast time "
                f"({bt:g} ms)")
    if row["failover (ms)"] is not None and row["failover (ms)"] > dep["failover"]:
        return (f"each failure costs about an election timeout before anyone notices: {low:g}-{high:g} ms is too "
                f"long for a {dep['failover']:g} ms budget on these links")
    if low < 3 * bt:
        return (f"a lowest timeout of {low:g} ms is within a few broadcast times ({bt:g} ms): followers time out "
                f"while the leader is alive and candidates collide ({row['elections']} elections in {MTBFS * dep['mtbf'] / 1000:g} s); "
                "broadcastTime << electionTimeout (§5.6)")
    return (f"with failures every {dep['mtbf']:g} ms on average, a timeout of {low:g}-{high:g} ms leaves the "
            "cluster leaderless too long; electionTimeout << MTBF (§5.6)")


@exercise("06-design-timing", title="Design: the timers of three deployments, graded by running them",
          theme="T06", concepts=("F01",), kind="design", seconds=30.0)
def grade_design_timing(choices: Any) -> str:
    """``choices`` maps each deployment to a heartbeat and an election timeout range; see the module doc."""
    if not isinstance(choices, dict) or set(choices) != set(DEPLOYMENTS):
        fail(case="the form of the answer", input=f"deployments {list(DEPLOYMENTS)}",
             expected="a dict with exactly these keys", got=choices, hint=HINT_FORM)
    configs = {name: _config(name, choices[name]) for name in DEPLOYMENTS}
    broadcasts = {}
    for name, dep in DEPLOYMENTS.items():
        bt = broadcasts[name] = broadcast_time(dep["latency"], 1)
        low = configs[name].election_timeout[0]
        if low <= bt:
            fail(case=f"{name}: the lowest election timeout against the broadcast time",
                 input=f"{name}: links {dep['latency'][0]:g}-{dep['latency'][1]:g} ms, broadcast time {bt:g} ms "
                       "(measured)",
                 expected=f"an election timeout whose low end is above {bt:g} ms", got=f"low = {low:g} ms",
                 hint="followers would time out before a heartbeat round can even come back: broadcastTime << "
                      "electionTimeout (§5.6); check the units too (milliseconds)")
    lines = []
    for name, dep in DEPLOYMENTS.items():
        config, bt = configs[name], broadcasts[name]
        rows = [measure_choice(config, dep, seed) for seed in SEEDS]
        for seed, row in zip(SEEDS, rows):
            shown = (f"{name} (links {row['latency (ms)']} ms, MTBF {dep['mtbf']:g} ms), heartbeat "
                     f"{config.heartbeat:g} ms, election timeout {row['timeout (ms)']} ms, seed {seed}")
            got = (f"availability {row['availability']:.3f}, {row['failures']} failures, {row['never settled']} "
                   f"never settled, failover {row['failover (ms)']} ms, {row['elections']} elections")
            if row["never settled"] or row["availability"] < dep["availability"]:
                fail(case=f"{name}: availability", input=shown,
                     expected=f"availability >= {dep['availability']:g} and every failure settled", got=got,
                     hint=_miss_hint(config, bt, dep, row))
            if row["failover (ms)"] is None or row["failover (ms)"] > dep["failover"]:
                fail(case=f"{name}: failover budget", input=shown,
                     expected=f"mean failover <= {dep['failover']:g} ms", got=got, hint=_miss_hint(config, bt, dep, row))
        worst = min(r["availability"] for r in rows)
        slowest = max(r["failover (ms)"] for r in rows)
        lines.append(f"{name}: availability >= {worst:.3f}, failover <= {slowest:g} ms")
    return (f"every deployment met its targets on seeds {', '.join(map(str, SEEDS))} (leader crashes, four MTBFs each): "
            + "; ".join(lines))
