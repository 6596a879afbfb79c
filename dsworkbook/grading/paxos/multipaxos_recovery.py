"""Exercise ``07-multipaxos-recovery``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any, Callable

from dsworkbook.consensus.multipaxos import MPromise, MultiPaxosNode, check_multipaxos, multipaxos_sim
from dsworkbook.consensus.paxos import Ballot
from dsworkbook.consensus.raft_kv import kv_verdict
from dsworkbook.grading.core import exercise, fail, in_simulation, need_callable, random_cases, same_everywhere
from dsworkbook.sim import FaultSchedule

B = Ballot
CLUSTER_SEEDS = (3, 4, 5)
RANDOM_SEED, RANDOM_COUNT = 3033, 300
ROUNDS = (1, 2, 8, 9, 10, 11, 99, 100)
IDS = ("n1", "n2", "n9", "n10")
MINE = B(101, "n1")


def _mp(*accepted: tuple[int, Ballot, Any]) -> MPromise:
    return MPromise(MINE, tuple(accepted))


#: (what it tests, promises, first, hint)
CASES: list[tuple[str, list[MPromise], int, str]] = [
    ("nothing accepted anywhere", [_mp(), _mp(), _mp()], 1, "no slot mentioned at all: return {}"),
    ("one acceptance", [_mp((1, B(1, "n2"), "x")), _mp()], 1, "a slot somebody accepted gets that value"),
    ("the higher ballot wins a slot, listed last", [_mp((1, B(2, "n2"), "old")), _mp((1, B(4, "n3"), "new"))], 1,
     "per slot, the value with the highest ballot, wherever its promise is in the list"),
    ("the higher ballot wins a slot, listed first", [_mp((1, B(4, "n3"), "new")), _mp((1, B(2, "n2"), "old")),
                                                      _mp((1, B(2, "n2"), "old"))], 1,
     "per slot, the value with the highest ballot - not the most common one"),
    ("a hole below the highest slot gets a no-op", [_mp((1, B(1, "n2"), "a"), (3, B(2, "n3"), "c"))], 1,
     "every slot from first up to the highest one mentioned: None for a slot nobody accepted"),
    ("slots below the first unapplied one are left out",
     [_mp((1, B(1, "n2"), "a"), (2, B(1, "n2"), "b"), (4, B(2, "n2"), "d"))], 2,
     "slots below first are applied already: leave them out; start at first itself"),
    ("only slots below first", [_mp((1, B(1, "n2"), "a"), (2, B(1, "n2"), "b"))], 3,
     "nothing from first on: return {}"),
    ("the proposer id breaks a tie of rounds", [_mp((1, B(3, "n2"), "p")), _mp((1, B(3, "n4"), "q"))], 1,
     "compare whole Ballots: in one round the proposer id breaks the tie"),
    ("rounds 9 and 10", [_mp((1, B(10, "n2"), "ten")), _mp((1, B(9, "n3"), "nine"))], 1,
     "compare Ballots, not their text: round 10 is above round 9"),
    ("proposers n9 and n10 in one round", [_mp((1, B(3, "n9"), "nine")), _mp((1, B(3, "n10"), "ten"))], 1,
     "compare whole Ballots with < and > (ids compare as text, so 3.n9 is above 3.n10)"),
    ("an accepted no-op", [_mp((1, B(1, "n2"), None), (2, B(1, "n2"), "b"))], 1,
     "an accepted None (a no-op) is a value like any other"),
    ("a hole at first itself", [_mp((3, B(1, "n2"), "c"))], 2, "slot first, if nobody accepted it, gets None too"),
]


def _draw(rng: random.Random) -> tuple[list[MPromise], int]:
    big = rng.random() < 0.02
    top = rng.randint(2000, 5000) if big else rng.randint(1, 14)
    first = rng.randint(1, max(1, top - 1)) if rng.random() < 0.5 else 1
    values: dict[tuple[int, Ballot], Any] = {}
    promises = []
    for _ in range(rng.randint(1, 4)):
        slots = rng.sample(range(1, top + 1), rng.randint(0, top)) if not big else \
            [s for s in range(1, top + 1) if rng.random() < 0.7]
        acc = []
        for s in sorted(slots):
            b = B(rng.choice(ROUNDS), rng.choice(IDS))
            acc.append((s, b, values.setdefault((s, b), rng.choice([f"c{s}.{b}", f"c{s}.{b}", None]))))
        promises.append(_mp(*acc))
    return promises, first


def _shown(promises: list[MPromise], first: int) -> str:
    big = sum(len(p.accepted) for p in promises) > 60

    def one(p: MPromise) -> str:
        items = [f"({s}, {b}, {v!r})" for s, b, v in p.accepted]
        if big and len(items) > 6:
            items = items[:6] + [f"... {len(items)} in all"]
        return "accepted=(" + ", ".join(items) + ")"
    return f"recover([{'; '.join(one(p) for p in promises)}], first={first})"


def _node_class(fn: Callable[..., Any]) -> type[MultiPaxosNode]:
    class WithYourRecovery(MultiPaxosNode):
        @staticmethod
        def recover(promises: Any, first: int) -> dict[int, Any]:
            return fn(promises, first)

    return WithYourRecovery


def _diff(want: dict[int, Any], got: Any) -> str:
    if not isinstance(got, dict):
        return ""
    keys = sorted(set(want) | set(got), key=lambda s: (not isinstance(s, int), s if isinstance(s, int) else 0))
    wrong = [s for s in keys if want.get(s, "-") != got.get(s, "-")]
    if not wrong:
        return ""
    s = wrong[0]
    return (f" (first difference at slot {s}: expected {want.get(s, 'no entry')!r}, got "
            f"{got.get(s, 'no entry')!r})")


def _cluster(cls: type[MultiPaxosNode]) -> int:
    answered = 0
    servers = [f"n{i}" for i in range(1, 6)]
    for seed in CLUSTER_SEEDS:
        case = f"a Multi-Paxos cluster with leader changes, seed {seed}"
        shown = "5 servers, 3 clients, crashes, partitions and pauses for 2.5 s, then 2.5 s to settle"
        sim = multipaxos_sim(seed, clients=3, ops=15, loss=0.05, node_class=cls)
        faults = FaultSchedule.random(seed, servers, duration=2500, faults=5, kinds=("crash", "partition", "pause"))
        faults.apply_to(sim)
        with in_simulation(case=case, input=shown, hint="your recover() raised inside a new leader"):
            sim.run(until=2500)
            sim.net.heal()
            sim.run(until=5000)
        problems = check_multipaxos(sim)
        verdict = kv_verdict(sim)
        done = all(sim.node(f"c{i}").done for i in range(1, 4))
        if problems or verdict != "linearizable" or not done:
            fail(case=case, input=shown, expected="one value per slot, a linearizable history, every command answered",
                 got=(problems[:1] or [f"{verdict}, all answered: {done}"])[0],
                 hint="a new leader must re-propose, per slot, the highest-ballot value it heard of, and fill holes "
                      "with no-ops so later slots can be applied")
        answered += sim.history.counts()["ok"]
    return answered


@exercise("07-multipaxos-recovery", title="Multi-Paxos: what a new leader re-proposes", theme="T07", concepts=("P02",),
          reference="dsworkbook.consensus.multipaxos.MultiPaxosNode.recover")
def grade_multipaxos_recovery(recover: Any) -> str:
    """A function ``recover(promises, first) -> dict[slot, value]``.

    Each promise has ``accepted``: ``(slot, ballot, value)`` triples. For every slot from
    ``first`` up to the highest slot any promise mentions, return the value accepted with the
    highest ballot, or None (a no-op) for a slot nobody accepted; slots below ``first`` (already
    applied) are left out; no slots from ``first`` on gives ``{}``. Checked on hand-made cases
    (the winner listed first or last, rounds 9 and 10, proposers n9 and n10, accepted no-ops,
    holes), on 300 random ones - some with thousands of slots - each in two worlds, then as every
    new leader's rule in a Multi-Paxos key-value store under crashes and partitions (three seeds):
    one value per slot, and a linearizable history.
    """
    need_callable(recover, "function recover(promises, first)", allow_class=False)
    cases = list(CASES)
    for name, (promises, first) in random_cases(RANDOM_SEED, RANDOM_COUNT, _draw):
        cases.append((name, promises, first, "per slot the highest ballot's value (compare whole Ballots); None for "
                      "a hole between first and the top slot; nothing below first"))
    for name, promises, first, hint in cases:
        shown = _shown(promises, first)
        got = same_everywhere(lambda: recover(list(promises), first), input=shown, case=name)
        want = MultiPaxosNode.recover(promises, first)
        if got != want or not isinstance(got, dict):
            fail(case=name, input=shown, expected=want, got=got, hint=hint + _diff(want, got))
    answered = _cluster(_node_class(recover))
    return (f"{len(cases)} cases right, each the same in two worlds; with your recovery the Multi-Paxos store answered "
            f"{answered} commands under leader changes (seeds {CLUSTER_SEEDS}), one value per slot, linearizable")
