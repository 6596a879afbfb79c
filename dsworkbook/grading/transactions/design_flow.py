"""Exercise ``13-design-flow``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

from typing import Any, Callable

from dsworkbook.grading.core import exercise, fail
from dsworkbook.transactions.commit_campaign import fuzz_commit
from dsworkbook.transactions.outbox import outbox_campaign
from dsworkbook.transactions.saga import saga_sim
from dsworkbook.transactions.saga_campaign import fuzz_saga
from dsworkbook.transactions.twophase import commit_sim, lock_hold_vs_downtime

MECHANISMS = ("2pc", "saga", "outbox")
SEEDS = range(8)
#: What each flow needs (the statement lists the same goals in words).
FLOWS: dict[str, tuple[str, ...]] = {
    "ledger": ("all-or-nothing", "no half state visible"),
    "trip": ("all-or-nothing", "no lock across an outage", "no prepare phase at the partners"),
    "order-event": ("event iff commit",),
}
GOALS = ("all-or-nothing", "no half state visible", "no lock across an outage", "no prepare phase at the partners",
         "event iff commit")


def _atomic_2pc() -> tuple[bool, str]:
    r = fuzz_commit(SEEDS, shrink_first=False)
    return not r.violations, f"commit campaign, seeds 0-7: {len(r.violations)} atomicity violations"


def _atomic_saga() -> tuple[bool, str]:
    r = fuzz_saga(SEEDS, shrink_first=False)
    return not r.violations, f"saga campaign, seeds 0-7: {len(r.violations)} sagas half done"


def _half_2pc() -> tuple[bool, str]:
    """A transaction committed somewhere before every participant had logged its yes vote?"""
    for seed in SEEDS:
        sim = commit_sim(seed, txns=3, no_prob=0.2, trace=False)
        sim.run(until=1500.0)
        for t in ("t1", "t2", "t3"):
            recs = [sim.storage(p).get(f"txn/{t}", {}) for p in ("rm1", "rm2", "rm3")]
            done = [r["released_at"] for r in recs if r.get("state") == "committed" and "released_at" in r]
            if done and any(r.get("locked_at", float("inf")) > min(done) for r in recs):
                return False, f"seed {seed}: {t} committed at one participant before another locked it"
    return True, "2PC runs, seeds 0-7: no participant commits before every participant holds its lock"


def _half_saga() -> tuple[bool, str]:
    for seed in SEEDS:
        sim = saga_sim(seed, sagas=4, fail_prob=0.5, trace=False)
        sim.run(until=3000.0)
        for s in ("s1", "s2", "s3", "s4"):
            rec = sim.storage("orders").get(f"op/{s}:0", {})
            if rec.get("do") == "ok" and "undo" in rec:
                return False, f"saga seed {seed}: {s}'s first step was applied (visible) and compensated later"
    return True, "no saga step was ever applied and then undone"


def _lock_2pc() -> tuple[bool, str]:
    held = float(lock_hold_vs_downtime([600.0], seed=3)["max_lock_held_ms"].iloc[0])
    return held < 600.0, f"2PC, coordinator down 600 ms after the votes: locks held {held:.0f} ms"


def _outbox() -> tuple[bool, str]:
    good = outbox_campaign("outbox", seeds=range(20))
    return not good.failing, good.line


def _dual_write() -> tuple[bool, str]:
    bad = outbox_campaign("dual_write_commit_then_publish", seeds=range(20))
    return not bad.failing, bad.line


NO = (False, "")
#: (mechanism, goal) -> how to measure it; structural facts carry their reason
MEASURE: dict[tuple[str, str], Callable[[], tuple[bool, str]]] = {
    ("2pc", "all-or-nothing"): _atomic_2pc,
    ("saga", "all-or-nothing"): _atomic_saga,
    ("outbox", "all-or-nothing"): lambda: (False, "an outbox publishes one service's event; nothing undoes "
                                                   "another service's step when a later one fails"),
    ("2pc", "no half state visible"): _half_2pc,
    ("saga", "no half state visible"): _half_saga,
    ("outbox", "no half state visible"): lambda: (False, "the consumer applies the event after the producer "
                                                         "committed: in between one side shows the change"),
    ("2pc", "no lock across an outage"): _lock_2pc,
    ("saga", "no lock across an outage"): lambda: (True, "a saga's steps commit locally and hold nothing"),
    ("outbox", "no lock across an outage"): lambda: (True, "the producer's transaction is local"),
    ("2pc", "no prepare phase at the partners"): lambda: (False, "2PC needs every participant to prepare and vote"),
    ("saga", "no prepare phase at the partners"): lambda: (True, "a saga needs a step and a compensation per partner"),
    ("outbox", "no prepare phase at the partners"): lambda: (True, "an outbox needs only a local transaction"),
    ("2pc", "event iff commit"): lambda: (False, "the broker is no 2PC participant here: the publish is a dual write"),
    ("saga", "event iff commit"): lambda: (False, "a saga step that publishes after its commit is a dual write"),
    ("outbox", "event iff commit"): _outbox,
}
#: experiment -> (the mechanism whose choice it defends, the goal it demonstrates, how to run it)
EXPERIMENTS: dict[str, tuple[str, str, Callable[[], tuple[bool, str]]]] = {
    "commit-campaign": ("2pc", "all-or-nothing", _atomic_2pc),
    "lock-hold": ("saga", "no lock across an outage", lambda: (not _lock_2pc()[0], _lock_2pc()[1])),
    "saga-campaign": ("saga", "all-or-nothing", _atomic_saga),
    "outbox-campaign": ("outbox", "event iff commit", _outbox),
    "dual-write-campaign": ("outbox", "event iff commit", lambda: (not _dual_write()[0], _dual_write()[1])),
}
HINT_FORM = ('answer a dict with the keys "ledger", "trip" and "order-event", each a pair (mechanism, experiment): '
             'mechanism one of "2pc", "saga", "outbox", experiment one of the listed experiment names')


@exercise("13-design-flow", title="2PC, a saga or an outbox: choose per flow and defend it with an experiment",
          theme="T13", concepts=("X01", "X03", "X04"), kind="design")
def grade_design_flow(choices: Any) -> str:
    """``choices`` maps each flow to ``(mechanism, experiment)``.

    For each flow, every goal the flow states is measured for the chosen mechanism - by running
    the commit campaign, 2PC runs with a coordinator outage, saga runs and the saga campaign, and
    the outbox campaign (structural facts, such as "2PC needs a prepare phase", carry their
    reason) - and every goal must hold. The experiment must be one that defends the chosen
    mechanism on one of the flow's goals, and running it must show what it claims.
    """
    if not isinstance(choices, dict) or set(choices) != set(FLOWS):
        fail(case="the form of the answer", input=f"flows {list(FLOWS)}", expected="a dict with exactly these keys",
             got=choices, hint=HINT_FORM)
    cache: dict[Any, tuple[bool, str]] = {}

    def measure(key: Any, fn: Callable[[], tuple[bool, str]]) -> tuple[bool, str]:
        if key not in cache:
            cache[key] = fn()
        return cache[key]

    lines = []
    for flow, goals in FLOWS.items():
        choice = choices[flow]
        if (not isinstance(choice, tuple) or len(choice) != 2 or choice[0] not in MECHANISMS
                or choice[1] not in EXPERIMENTS):
            fail(case=f"the form of the choice for {flow!r}", input=flow,
                 expected=f"(mechanism, experiment) with mechanism in {list(MECHANISMS)} and experiment in "
                          f"{list(EXPERIMENTS)}", got=choice, hint=HINT_FORM)
        mech, experiment = choice
        for goal in goals:
            ok, why = measure((mech, goal), MEASURE[(mech, goal)])
            if not ok:
                fail(case=f"flow {flow!r}, goal {goal!r}", input=f"{flow}: needs {', '.join(goals)}",
                     expected=f"a mechanism that meets {goal!r}", got=f"{mech}: {why or 'it does not'}",
                     hint=f"{mech} does not meet this flow's goal {goal!r}; weigh the three mechanisms against every "
                          "goal the flow states")
        defends, shows, run = EXPERIMENTS[experiment]
        if defends != mech or shows not in goals:
            fail(case=f"flow {flow!r}, experiment {experiment!r}", input=f"{flow}: needs {', '.join(goals)}; "
                 f"you chose {mech}", expected=f"an experiment that shows {mech} meets one of this flow's goals",
                 got=f"{experiment} defends {defends} on {shows!r}",
                 hint="pick the experiment whose result supports your mechanism on a goal of this flow")
        ok, why = measure(("experiment", experiment), run)
        if not ok:  # pragma: no cover - the library's runs show what they claim
            fail(case=f"flow {flow!r}, experiment {experiment!r}", input=flow, expected="the run shows its claim",
                 got=why, hint="the experiment did not show what it claims")
        lines.append(f"{flow}: {mech} ({experiment}: {why})")
    return "; ".join(lines)
