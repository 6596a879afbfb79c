"""Exercise ``06-predict-prevote``: a cut-off follower rejoins - with and without PreVote and CheckQuorum (F09).

Theory of operation
-------------------
The scenario of :func:`~dsworkbook.consensus.raft.availability.disruption_run` ("follower
rejoins"): three servers, a client writing every 10 ms, a follower cut off for 500 ms once a
leader is up (t=400 ms), then the network heals. The grader runs it at check time under the four
configurations of :data:`~dsworkbook.consensus.raft.availability.DISRUPTION_CONFIGS` on seed
:data:`SEED` and reads, for each, whether the leader of t=400 ms lost its leadership by the end of
the run (:func:`deposed_run`, which repeats the scenario and looks at the roles) - the answer - and
the term the follower gained while cut off, elections and the longest write gap (from
:func:`disruption_run`) - the evidence the reasons are graded on (:func:`reasons_that_hold`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from dsworkbook.consensus.raft.availability import DISRUPTION_CONFIGS, FAULT_AT, writer_sim, disruption_run
from dsworkbook.consensus.raft.cluster import leaders, server_ids
from dsworkbook.consensus.raft.config import RaftConfig
from dsworkbook.grading.core import exercise, fail, need_bool_table, need_choice

__all__ = ["grade_predict_prevote", "REASONS", "CONFIGS", "SEED", "truth", "runs", "reasons_that_hold", "deposed_run"]

SEED, ISOLATE_FOR = 1, 500.0
CONFIGS = tuple(DISRUPTION_CONFIGS)  # "paper", "PreVote", "CheckQuorum", "PreVote + CheckQuorum"

REASONS = {
    "a": "cut off, the follower times out again and again; without PreVote each timeout starts an election and "
         "raises its term, and when it rejoins its higher term makes the healthy leader step down (§5.1); with "
         "PreVote it asks first, gets no majority, and keeps its term; CheckQuorum does not matter here, because "
         "the leader still hears from a majority",
    "b": "CheckQuorum makes the leader step down as soon as one follower stops answering",
    "c": "with PreVote the follower's term grows too, but the leader ignores a term that comes without a vote",
    "d": "the rejoining follower's log is behind, so the leader ignores its higher term and stays in place",
}


def deposed_run(seed: int, opts: dict[str, bool]) -> bool:
    """Did the leader of t=400 ms lose its leadership (stop leading, or a later term got a leader) by the end?"""
    sim = writer_sim(seed, RaftConfig(**opts), 3)
    sim.run(until=FAULT_AT)
    led = leaders(sim)
    term = max(led)
    leader = led[term]
    victim = next(n for n in server_ids(3) if n != leader)
    sim.net.partition([victim])
    sim.run(until=FAULT_AT + ISOLATE_FOR)
    sim.net.heal()
    sim.run(until=FAULT_AT + ISOLATE_FOR + 400.0)
    return max(leaders(sim)) != term or not sim.node(leader).is_leader


@lru_cache(maxsize=4)
def runs(seed: int = SEED) -> dict[str, dict[str, Any]]:
    """Per configuration: deposed (the answer), and disruption_run's row (the evidence)."""
    out = {}
    for label, opts in DISRUPTION_CONFIGS.items():
        row = disruption_run(seed, "follower rejoins", isolate_for=ISOLATE_FOR, **opts)
        out[label] = {"deposed": deposed_run(seed, opts), **row}
    return out


def reasons_that_hold(r: dict[str, dict[str, Any]]) -> list[str]:
    gain = {k: v["isolated server's term gain"] for k, v in r.items()}
    holds = []
    if (all(gain[k] > 0 and r[k]["deposed"] for k in ("paper", "CheckQuorum"))
            and all(gain[k] == 0 and not r[k]["deposed"] for k in ("PreVote", "PreVote + CheckQuorum"))):
        holds.append("a")
    if r["CheckQuorum"]["deposed"] and not r["paper"]["deposed"]:
        holds.append("b")
    if gain["PreVote"] > 0 and not r["PreVote"]["deposed"]:
        holds.append("c")
    if not r["paper"]["deposed"]:
        holds.append("d")
    return holds


def truth(seed: int = SEED) -> tuple[dict[str, bool], str]:
    r = runs(seed)
    holds = reasons_that_hold(r)
    if len(holds) != 1:  # a broken invariant of the exercise, not a learner's mistake
        raise AssertionError(f"06-predict-prevote: expected exactly one reason to hold, got {holds}")
    return {k: v["deposed"] for k, v in r.items()}, holds[0]


def _evidence(r: dict[str, dict[str, Any]]) -> str:
    gain, gap = "isolated server's term gain", "longest write gap (ms)"
    return "; ".join(f"{k}: term gain {v[gain]}, {v['elections']} elections, longest write gap {v[gap]} ms"
                     for k, v in r.items())


@exercise("06-predict-prevote", title="Predict: a cut-off follower rejoins, with and without PreVote", theme="T06",
          concepts=("F09",), kind="predict", parts=("why",))
def grade_predict_prevote(answer: Any, *, why: Any) -> str:
    """A dict from each configuration to True (the healthy leader loses its leadership) or False, and ``why``."""
    got = need_bool_table(answer, CONFIGS, meaning="the leader loses its leadership")
    letter = need_choice(why, REASONS)
    r = runs()
    want, reason = truth()
    for label in CONFIGS:
        if got[label] != want[label]:
            fail(case=label, input=f"{label}, seed {SEED}: a follower cut off for 500 ms, then the network heals",
                 expected=want[label], got=got[label],
                 hint="follow the cut-off follower's term: does it grow while the follower cannot reach anyone, "
                      "and what does a leader do when it sees a higher term?")
    if letter != reason:
        fail(case="why", input="the reasons " + ", ".join(f"({k})" for k in REASONS),
             expected="the reason the runs bear out", got=f"({letter}) {REASONS[letter]}",
             hint=f"the runs measured: {_evidence(r)}")
    return ", ".join(f"{k}: {'deposed' if v else 'kept'}" for k, v in want.items()) + f"; why ({reason})"
