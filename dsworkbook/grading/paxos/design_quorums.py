"""Exercise ``07-design-quorums``: see its grader's docstring for what the learner designs."""

from __future__ import annotations

from typing import Any

from dsworkbook.consensus.paxos import check_consensus
from dsworkbook.consensus.paxos.flexible import (DEPLOYMENTS, Deployment, commit_latency, committed, deployment_sim,
                                                 flexible_campaign, leader_elected, split_brain, valid_quorums)
from dsworkbook.consensus.paxos.quorums import missing_quorums
from dsworkbook.grading.core import exercise, fail

CAMPAIGN_SEEDS = tuple(range(1, 9))


def _fmt(q: set[int] | frozenset[int]) -> str:
    return "{" + ", ".join(f"x{i}" for i in sorted(q)) + "}"


def _form(d: Deployment, choice: Any) -> tuple[int, int] | None:
    if choice is None:
        return None
    if (isinstance(choice, (tuple, list)) and len(choice) == 2
            and all(type(q) is int and 1 <= q <= d.n for q in choice)):
        return int(choice[0]), int(choice[1])
    fail(case=f"the deployment {d.name!r}", input=d.goals(), expected=f"(q1, q2), two ints from 1 to {d.n}, or None",
         got=choice, hint="give each deployment a pair (phase-1 quorum, phase-2 quorum), or None if no pair meets "
                          "all its goals")
    return None  # not reached


def _grade_one(d: Deployment, choice: Any) -> str:
    pick = _form(d, choice)
    valid = valid_quorums(d)
    case = f"the deployment {d.name!r}"
    if pick is None:
        if valid:
            fail(case=case, input=d.goals(), expected=f"a pair (q1, q2), e.g. {valid[0]}", got=None,
                 hint="some pair meets every goal here: a smaller phase-2 quorum can be paid for with a larger "
                      "phase-1 quorum, as long as q1 + q2 > n")
        return f"{d.name}: no pair can do it"
    q1, q2 = pick
    if not valid:
        fail(case=case, input=d.goals(), expected=None, got=pick,
             hint=f"no pair meets every goal: a leader change with {d.leader_change_down} down needs q1 <= "
                  f"{d.n - d.leader_change_down}, commits with {d.commit_down} down need q2 <= {d.n - d.commit_down}, "
                  f"and safety needs q1 + q2 > {d.n} - together more than {d.n} cannot be reached")
    miss = missing_quorums(d.n, q1, q2)
    if miss is not None:
        run = check_consensus(split_brain(d.n, q1, q2))
        fail(case=case, input=d.goals(), expected="every phase-1 quorum shares an acceptor with every phase-2 quorum",
             got=f"phase-1 quorum {_fmt(miss[0])} and phase-2 quorum {_fmt(miss[1])} share none; in the simulator "
                 f"(two leaders, links cut to match) {run.summary()}",
             hint="a new leader must hear, in phase 1, of any value a phase-2 quorum accepted: q1 + q2 must exceed n")
    sim = deployment_sim(d, q1, q2, down=d.nearest(d.leader_change_down))
    if not leader_elected(sim):
        fail(case=case, input=d.goals(),
             expected=f"a new leader elected with {d.leader_change_down} acceptors down",
             got=f"with {', '.join(d.nearest(d.leader_change_down))} down, the leader never gathered {q1} promises "
                 f"(only {d.n - d.leader_change_down} acceptors answer)",
             hint="phase 1 waits for q1 promises: q1 must not exceed the acceptors left during a leader change")
    sim = deployment_sim(d, q1, q2, down_after_phase1=d.nearest(d.commit_down))
    if not committed(sim):
        fail(case=case, input=d.goals(), expected=f"commands still commit with {d.commit_down} acceptors down",
             got=f"with {', '.join(d.nearest(d.commit_down))} down after the leader took over, its command waited for "
                 f"{q2} acceptances from {d.n - d.commit_down} live acceptors and was never chosen",
             hint="phase 2 waits for q2 acceptances: q2 must not exceed the acceptors left in the steady state")
    slow = commit_latency(sim)
    latency = commit_latency(deployment_sim(d, q1, q2))
    if latency is None or latency > d.commit_within:
        fail(case=case, input=d.goals(), expected=f"a commit within {d.commit_within:g} ms with every acceptor up",
             got=f"the leader's command took {latency} ms (its {q2}th-fastest acceptor answers after "
                 f"{sorted(d.rtt)[q2 - 1]:g} ms)",
             hint="a commit waits for the q2-th fastest acceptance: a smaller q2 commits faster (and then q1 must "
                  "grow so that q1 + q2 > n)")
    for seed, report in flexible_campaign(d.n, q1, q2, CAMPAIGN_SEEDS):
        if not report.ok or not report.terminated:
            fail(case=f"{case}, a run with three proposers under faults, seed {seed}", input=d.goals(),
                 expected="agreement, validity and integrity, and every node decides once the faults end",
                 got=report.summary() if not report.ok else f"decisions {report.decisions}",
                 hint="q1 + q2 > n keeps one value; both quorums must fit in the acceptors that are up")
    return (f"{d.name}: ({q1}, {q2}) - commit in {latency:g} ms ({slow:g} ms with {d.commit_down} down), a leader "
            f"change with {d.leader_change_down} down, safe in {len(CAMPAIGN_SEEDS)} faulty runs")


@exercise("07-design-quorums", title="Design: phase-1 and phase-2 quorums for a deployment", theme="T07",
          concepts=("P02",), kind="design")
def grade_design_quorums(answer: Any) -> str:
    """A dict: for each deployment of ``dw.consensus.paxos.flexible.DEPLOYMENTS``, ``(q1, q2)`` or None.

    ``q1`` is how many promises a new leader waits for, ``q2`` how many acceptances each command
    waits for (Flexible Paxos, Howard, Malkhi and Spiegelman, 2016). A pair is right if it meets
    every goal of its deployment - several may: every phase-1 quorum meets every phase-2 quorum
    (checked by brute force over all choices of quorums; a pair that fails is run through the
    two-leader schedule that decides two values); a new leader is elected with
    ``leader_change_down`` acceptors crashed; a command commits with ``commit_down`` crashed after
    the leader took over; a commit with all up takes at most ``commit_within`` ms (all three
    measured in the simulator); and eight runs with three proposers under crashes, partitions,
    loss and duplication keep one value and finish. None is right only where no pair meets all.
    """
    if not isinstance(answer, dict) or set(answer) != set(DEPLOYMENTS):
        fail(case="the form of the answer", input={name: d.goals() for name, d in DEPLOYMENTS.items()},
             expected=f"a dict with the keys {sorted(DEPLOYMENTS)}, each (q1, q2) or None", got=answer,
             hint='for example {"one-region": (3, 3), ...}: one entry per deployment')
    lines = [_grade_one(d, answer[name]) for name, d in DEPLOYMENTS.items()]
    return "every deployment meets its goals - " + "; ".join(lines)
