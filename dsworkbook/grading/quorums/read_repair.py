"""Exercise ``02-read-repair``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any, Callable, Mapping

from dsworkbook.grading.core import attempt, exercise, fail, random_cases, same_everywhere
from dsworkbook.grading.quorums._common import need_callable, run_learner
from dsworkbook.sim import Simulation
from dsworkbook.storage.ap import APReplica, Stamp, Versioned, resolve_lww
from dsworkbook.storage.common import replica_ids
from dsworkbook.storage.experiment import Script, scripted_run

R3 = tuple(replica_ids(3))
KEYS = ("a", "b", "c", "d")
SEEDS = (3, 4, 5)


def _v(t: float, r: str, value: Any) -> Versioned:
    return Versioned(Stamp(t, r, 1), value)


UNITS: list[tuple[str, dict[str, Versioned | None]]] = [
    ("every replica agrees", {"n1": _v(5, "n1", "x"), "n2": _v(5, "n1", "x"), "n3": _v(5, "n1", "x")}),
    ("one replica is behind", {"n1": _v(9, "n2", "new"), "n2": _v(9, "n2", "new"), "n3": _v(4, "n1", "old")}),
    ("one replica never heard of the key", {"n1": None, "n2": _v(3, "n3", "v"), "n3": _v(3, "n3", "v")}),
    ("nobody has the key", {"n1": None, "n2": None}),
    ("the newest is on one replica only", {"n1": _v(2, "n1", "a"), "n2": _v(7, "n3", "c"), "n3": _v(5, "n2", "b")}),
    ("equal clocks: the replica id breaks the tie", {"n1": _v(5, "n1", "p"), "n2": _v(5, "n2", "q")}),
    ("only the coordinator answered", {"n2": _v(1, "n2", "z")}),
    ("equal clocks, replicas n9 and n10 (n9 sorts after n10)", {"n10": _v(5, "n10", "p"), "n9": _v(5, "n9", "q"),
                                                               "n1": _v(4, "n1", "r")}),
    ("equal clock and replica: the counter n breaks the tie", {"n1": Versioned(Stamp(5, "n2", 1), "old"),
                                                               "n2": Versioned(Stamp(5, "n2", 2), "new"),
                                                               "n3": None}),
    ("the newest is listed first, the value is the smallest", {"n1": _v(9, "n1", 1), "n2": _v(3, "n2", 99),
                                                               "n3": _v(6, "n3", 50)}),
    ("the newest is in the middle, one replica has nothing", {"n3": _v(2, "n1", "a"), "n1": _v(8, "n2", "b"),
                                                              "n2": None, "n4": _v(2, "n1", "a")}),
]

RANDOM_SEED, RANDOM_COUNT = 31, 400


def _draw(rng: random.Random) -> dict[str, Versioned | None]:
    """The replies of k replicas (up to 40): versions of a few writes, ties on time, replica or counter; Nones."""
    n = rng.choice((1, 2, 3, 5, 9, 10, 12, 25, 40))
    reps = [f"n{i}" for i in range(1, n + 1)]
    k = rng.randint(1, n)
    writes: set[Stamp] = set()
    for _ in range(rng.randint(1, 5)):
        writes.add(Stamp(float(rng.choice((1, 2, 5, 5, 7))), rng.choice(reps), rng.choice((1, 1, 2, 10))))
    values = rng.sample(range(1000), len(writes))
    pool: list[Versioned | None] = [Versioned(st, values[i]) for i, st in enumerate(sorted(writes))]
    pool += [None] * rng.randint(0, 2)
    chosen = rng.sample(reps, k)
    return {r: rng.choice(pool) for r in chosen}


def _check_case(resolve: Callable[..., Any], replies: Mapping[str, Versioned | None], case: str) -> None:
    shown = f"resolve_read({dict(replies)!r})"
    got = attempt(resolve, dict(replies), input=shown, case=case)
    newest, stale = resolve_lww(replies)
    if not (isinstance(got, tuple) and len(got) == 2):
        fail(case=case, input=shown, expected=f"a pair (newest, replicas to repair): {(newest, stale)!r}", got=got,
             hint="return a tuple: the newest Versioned (or None) and a list of replica ids")
    g_newest, g_stale = got
    try:
        g_set = set(g_stale)
    except TypeError:
        g_set = None
    if isinstance(g_stale, (str, bytes)):
        g_set = None
    if g_newest != newest:
        fail(case=case, input=shown, expected=newest, got=g_newest,
             hint="last write wins: the Versioned with the highest stamp (compare the Versioned objects, or their "
                  ".stamp: time, then replica id, then counter); None only if nobody has the key")
    if g_set != set(stale):
        fail(case=case, input=shown, expected=f"repair {sorted(stale)}", got=f"repair {g_stale!r}",
             hint="repair exactly the replicas that answered with an older version or with None - not those "
                  "already holding the newest, and not replicas that did not answer")


def _learner_replica(resolve: Callable[..., Any], seen: list) -> type:
    class LearnerReplica(APReplica):
        def resolve_read(self, replies: Mapping[str, Versioned | None]) -> Any:
            seen.append(dict(replies))
            return resolve(dict(replies))
    return LearnerReplica


def _build(cls: type) -> Callable[[Simulation], None]:
    def build(sim: Simulation) -> None:
        for r in R3:
            sim.add_node(r, cls, replicas=R3, r=2, w=1, hinted_handoff=False, read_repair=True,
                         anti_entropy_every=None)
    return build


def _faults(sim: Simulation) -> None:
    sim.net.isolate("n3")            # n3 misses c1's writes
    sim.at(300, sim.net.isolate, "n2")  # then n2 misses c2's
    sim.at(600, sim.net.heal)


def _scenario(seed: int, resolve: Callable[..., Any], seen: list) -> Simulation:
    scripts = {"c1": Script(("n1",), tuple(("write", k, f"{k}1") for k in KEYS), start_at=20, think=5),
               "c2": Script(("n3",), tuple(("write", k, f"{k}2") for k in KEYS[:2]), start_at=350, think=5),
               "c3": Script(("n2", "n3", "n1"), tuple(("read", k, None) for k in KEYS) * 2, start_at=700,
                            routing="round-robin", think=30)}
    return scripted_run(_build(_learner_replica(resolve, seen)), seed, scripts, faults=_faults, until=2000)


@exercise("02-read-repair", title="Read repair: the newest version, and who needs it", theme="T02",
          concepts=("Q02",), reference="dsworkbook.storage.ap.resolve_lww")
def grade_read_repair(resolve_read: Any) -> str:
    """``resolve_read(replies) -> (newest, to_repair)``.

    ``replies`` maps each replica that answered a read to its ``Versioned`` copy of the key (or
    None if it has none); a ``Versioned`` has ``.stamp`` (``Stamp(time, replica, n)``, ordered
    by time, then replica, then n) and ``.value``, and ``Versioned`` objects compare by stamp.
    Return the newest ``Versioned`` (None if nobody has the key) and the replicas that need a
    repair: those that answered something older, or None. Checked on hand-made replies (ties on
    time broken by replica id, ``n9`` against ``n10``, and by counter; the newest first, last or in
    the middle), on 400 random reads of up to 40 replicas against the reference
    (:func:`~dsworkbook.storage.ap.resolve_lww`), in two worlds (string hashes, the global random
    and the clock differ), then
    as the read path of a three-replica AP store (R=2, no hinted handoff, no anti-entropy) on
    seeds 3-5: partitions make n2 and n3 miss writes, reads after the heal must return the newest
    version and, by read repair alone, bring every replica up to date.
    """
    need_callable(resolve_read, "function resolve_read(replies)")
    for case, replies in UNITS:
        _check_case(resolve_read, replies, case)
    drawn = list(random_cases(RANDOM_SEED, RANDOM_COUNT, _draw))
    for case, replies in drawn:
        _check_case(resolve_read, replies, case)
    sample = [replies for _, replies in drawn[:80]]

    def everything() -> list:
        out = []
        for replies in sample:
            newest, stale = resolve_read(dict(replies))
            out.append((newest, frozenset(stale)))
        return out

    same_everywhere(everything, input=f"the first 80 random cases (seed {RANDOM_SEED})",
                    case="the first 80 random cases")
    repaired = 0
    for seed in SEEDS:
        seen: list = []
        case = f"seed {seed}: n3 then n2 cut off while c1 and c2 write, c3 reads every key after the heal"
        sim = run_learner(lambda seed=seed, seen=seen: _scenario(seed, resolve_read, seen), case=case)
        for replies in seen:
            _check_case(resolve_read, replies, case)
        states = {r: {k: sim.node(r).data.get(k) for k in KEYS} for r in R3}
        if any(states[r] != states["n1"] for r in R3):
            fail(case=case, input="the replicas' data after c3 read every key twice",
                 expected="the same newest version of every key on n1, n2 and n3",
                 got={r: {k: (v.value if v else None) for k, v in s.items()} for r, s in states.items()},
                 hint="send the newest version to every replica that answered with something older")
        repaired += len(sim.trace.notes(key="read_repair"))
    return (f"right on {len(UNITS)} hand-made reads and {RANDOM_COUNT} random ones (seed {RANDOM_SEED}); on seeds "
            f"{SEEDS[0]}-{SEEDS[-1]} read repair alone made the "
            f"three replicas agree ({repaired} repairs sent)")
