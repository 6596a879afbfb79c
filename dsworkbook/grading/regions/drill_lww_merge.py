"""Exercise ``14-drill-lww-merge``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import itertools
import random
from typing import Any

from dsworkbook.grading.core import attempt, exercise, fail, in_simulation, need_callable, random_cases, same_everywhere
from dsworkbook.regions.activeactive import FIXED
from dsworkbook.regions.activeactive_run import active_active_run
from dsworkbook.regions.resolution import Version, lww_resolve

RANDOM_SEED, RANDOM_COUNT = 1414, 600
ORDER_SEED, ORDER_COUNT = 1415, 150
SIM_SEEDS = (1401, 1402, 1403)
TIE_SEEDS = (1404, 1405)
#: The simulated runs: three regions, clocks read to 100 ms (so timestamps tie), duplicated and reordered messages.
SIM = dict(rate=20.0, keys=3, duration=1500.0, clock_resolution=100.0, duplicate=0.2, reorder=0.3, variant=FIXED)
#: A scripted run where every region writes every key in the same clock tick (a three-way tie per key), then
#: two regions tie again; values are chosen so that ordering by value disagrees with ordering by region.
TIE_SCRIPT = {
    "us-east-1": [(1030.0, "k0", 1), (1030.0, "k1", "1"), (1030.0, "k2", None), (2030.0, "k0", 9)],
    "eu-west-1": [(1030.0, "k0", "zebra"), (1030.0, "k1", 10), (1030.0, "k2", "9"), (2030.0, "k1", 0)],
    "ap-northeast-1": [(1030.0, "k0", 10), (1030.0, "k1", "apple"), (1030.0, "k2", 2.5), (2030.0, "k0", "10"),
                       (2030.0, "k1", "Zebra")],
}
TIE_SIM = dict(clock_resolution=100.0, duplicate=0.2, reorder=0.3, variant=FIXED)
#: Region names whose order as strings is not their order as numbers, by length or ignoring case.
REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1", "sa-east-1",
           "r9", "r10", "Z", "a", "B", "b")
#: Values that collide when printed or compared as text, false values and a delete (None).
VALUES = (1, "1", 9, 10, "9", "10", "apple", "Zebra", "zebra", 0, "", False, None, 2.5)

HINT_TIE = ("on equal timestamps the version with the LARGER region name wins, compared as strings "
            "('us-east-1' > 'eu-west-1', 'r9' > 'r10', 'a' > 'Z') - whatever the values are, and whichever "
            "version is existing")
HINT_TS = "the version with the larger timestamp wins (compare the numbers: 5 and 5.0 are equal, 5.25 < 5.5)"
HINT_NONE = ("existing is None only when the region holds nothing for the key: then keep incoming. A version whose "
             "value is None (a delete), 0, \"\" or False is a real version")
HINT_SAME = "return one of the two versions you were given, unchanged"


def _same(got: Any, want: Version) -> bool:
    return isinstance(got, tuple) and len(got) == 3 and got == want and type(got[2]) is type(want.value)


def _hint(existing: Version | None, incoming: Version, got: Any, swapped: Any) -> str:
    if not isinstance(got, tuple) or len(got) != 3 or not (got == incoming or got == existing):
        return HINT_SAME
    if existing is None:
        return HINT_NONE
    want = lww_resolve(existing, incoming)
    if existing.timestamp != incoming.timestamp or existing == incoming:
        return HINT_NONE if (want.value is None or not want.value) else HINT_TS
    if swapped is not None and _same(got, existing) and _same(swapped, incoming):
        return ("on a tie you kept existing whichever it was, so two regions that tie each keep their own "
                "version: " + HINT_TIE)
    if swapped is not None and _same(got, incoming) and _same(swapped, existing):
        return "on a tie you took incoming whichever it was, so the result depends on arrival order: " + HINT_TIE
    return HINT_TIE


def _compare(resolve: Any, case: str, existing: Version | None, incoming: Version) -> None:
    want = lww_resolve(existing, incoming)
    got = attempt(resolve, existing, incoming, input={"existing": existing, "incoming": incoming}, case=case)
    if _same(got, want) and got is not existing and got is not incoming:
        fail(case=case, input={"existing": existing, "incoming": incoming}, expected=f"{want} (the argument itself)",
             got=f"{got!r}, a new tuple", hint=HINT_SAME + " - the same object, not a copy")
    if not _same(got, want):
        swapped = None
        if existing is not None:
            swapped = attempt(resolve, incoming, existing, input={"existing": incoming, "incoming": existing},
                              case=case)
        fail(case=case, input={"existing": existing, "incoming": incoming}, expected=want, got=got,
             hint=_hint(existing, incoming, got, swapped))


V = Version
UNITS = [
    ("nothing stored yet", None, V(7, "eu-west-1", "x")),
    ("nothing stored yet, and the incoming value is None (a delete)", None, V(0, "us-east-1", None)),
    ("a later timestamp wins", V(3, "us-east-1", "old"), V(7, "eu-west-1", "new")),
    ("an earlier timestamp loses, whatever its region", V(9, "eu-west-1", "kept"), V(8, "us-east-1", "late")),
    ("timestamps 9 and 10 (as text '9' > '10')", V(9, "eu-west-1", "a"), V(10, "eu-west-1", "b")),
    ("timestamps 5.25 and 5.5", V(5.5, "eu-west-1", "a"), V(5.25, "us-east-1", "b")),
    ("equal timestamps: the larger region name wins", V(5, "eu-west-1", "x"), V(5, "us-east-1", "y")),
    ("equal timestamps, the larger region name is existing", V(5, "us-east-1", "x"), V(5, "eu-west-1", "y")),
    ("equal timestamps where the larger value is on the smaller region", V(4, "eu-west-1", "zebra"),
     V(4, "us-east-1", "apple")),
    ("equal timestamps written 5 and 5.0", V(5, "eu-west-1", "x"), V(5.0, "us-east-1", "y")),
    ("equal timestamps, regions 'r9' and 'r10'", V(4, "r10", "x"), V(4, "r9", "y")),
    ("equal timestamps, regions 'Z' and 'a'", V(4, "a", "x"), V(4, "Z", "y")),
    ("equal timestamps, values 1 and '1'", V(6, "us-east-1", 1), V(6, "ap-northeast-1", "1")),
    ("equal timestamps, values 9 and 10", V(6, "ap-northeast-1", 10), V(6, "eu-central-1", 9)),
    ("a delete (value None) is a real version", V(8, "eu-west-1", None), V(3, "us-east-1", "x")),
    ("a version holding 0 is a real version", V(8, "eu-west-1", 0), V(8, "ap-northeast-1", "x")),
    ("the same version twice (a duplicated message)", V(4, "us-east-1", "x"), V(4, "us-east-1", "x")),
    ("the same delete twice", V(4, "eu-west-1", None), V(4, "eu-west-1", None)),
]


def _version(rng: random.Random) -> Version:
    t: float = rng.choice([rng.randint(0, 3), rng.randint(0, 12), rng.randint(0, 10**9)])
    if rng.random() < 0.2:
        t = float(t)
    if rng.random() < 0.1:
        t += rng.choice([0.25, 0.5])
    return Version(t, rng.choice(REGIONS), rng.choice(VALUES))


def _draw(rng: random.Random) -> tuple[Version | None, Version]:
    """Two versions, half of them tied in time; one (timestamp, region) names one version."""
    a, b = _version(rng), _version(rng)
    if rng.random() < 0.5:
        b = Version(a.timestamp, b.region, b.value)
    if (a.timestamp, a.region) == (b.timestamp, b.region):
        b = a
    return (None if rng.random() < 0.05 else a), b


def _fold(resolve: Any, versions: list[Version]) -> Any:
    kept: Any = None
    for v in versions:
        kept = resolve(kept, v)
    return kept


def check_orders(resolve: Any) -> int:
    """Versions of one key delivered in every order (and twice): the region must end on the reference's."""
    rng = random.Random(ORDER_SEED)
    tried = 0
    for k in range(1, ORDER_COUNT + 1):
        t = rng.randint(0, 2)
        versions = list({(v.timestamp, v.region): v for v in
                         (Version(t if rng.random() < 0.7 else rng.randint(0, 2), rng.choice(REGIONS),
                                  rng.choice(VALUES)) for _ in range(rng.randint(2, 4)))}.values())
        want = _fold(lww_resolve, versions)
        for order in itertools.permutations(versions + [versions[0]]):
            tried += 1
            got = attempt(_fold, resolve, list(order), input=list(order), case=f"order case {k}")
            if not _same(got, want):
                fail(case=f"versions of one key delivered in some order (order case {k} of {ORDER_COUNT}, seed "
                     f"{ORDER_SEED})", input=f"resolve folded over {list(order)}, starting from None",
                     expected=want, got=got, hint="the region must end on the same version whatever order "
                     "replication delivers in, and a duplicate must change nothing: " + HINT_TIE)
    return tried


def _snapshots(resolve: Any, seed: int, scripted: bool) -> dict:
    run = (active_active_run(seed, resolve=resolve, script=TIE_SCRIPT, **TIE_SIM) if scripted
           else active_active_run(seed, resolve=resolve, **SIM))
    return {r: run.stores[r].snapshot() for r in run.regions}


def _describe(seed: int, scripted: bool) -> str:
    faults = "clocks read to 100 ms, 20% of replication messages duplicated and 30% reordered"
    if scripted:
        return (f"seed {seed}: at t=1030 ms us-east-1, eu-west-1 and ap-northeast-1 each write k0, k1 and k2 (equal "
                f"timestamps 1000 everywhere); at t=2030 ms two regions write k0 and two write k1; {faults}")
    return f"seed {seed}: us-east-1, eu-west-1, ap-northeast-1, 3 keys, 20 writes/s per region for 1.5 s, {faults}"


def check_in_simulation(resolve: Any) -> int:
    """The library's three-region runs with the learner's resolve: every region ends on the reference's versions."""
    runs = [(seed, True) for seed in TIE_SEEDS] + [(seed, False) for seed in SIM_SEEDS]
    for seed, scripted in runs:
        want = _snapshots(None, seed, scripted)
        case = f"three regions writing in one clock tick (seed {seed})" if scripted else f"three regions (seed {seed})"
        what = _describe(seed, scripted)
        with in_simulation(case=case, input=what):
            got = _snapshots(resolve, seed, scripted)
        for region, snap in got.items():
            if snap != want[region]:
                diff = {k: (snap.get(k), v) for k, v in want[region].items() if snap.get(k) != v}
                fail(case=case, input=what, expected=f"{region} ends with {want[region]}",
                     got=f"{region} ends with {snap}; keys that differ (yours, expected): {diff}",
                     hint="every region must pick the same winner from the same versions in any order: " + HINT_TIE)
    return len(runs)


@exercise("14-drill-lww-merge", title="Drill: last-write-wins that every region agrees on", theme="T14",
          concepts=("G02",), kind="drill", reference="dsworkbook.regions.resolution.lww_resolve")
def grade_drill_lww_merge(resolve: Any) -> str:
    """``resolve(existing, incoming)`` over ``Version(timestamp, region, value)`` records.

    Return the version to keep: the larger timestamp wins; equal timestamps go to the larger
    region name (strings); the same version twice gives it back; ``existing`` None gives
    ``incoming``. Checked on hand-made pairs and 600 random ones (half tied in time, 5 and
    5.0, regions 'r9'/'r10'/'Z'/'a', values None, 0, '', 1 and '1') in both argument orders, 150
    groups of versions folded in every order with a duplicate, 200 ties in two worlds, then
    the library's three-region active-active run with the answer as every region's resolve
    (clocks read to 100 ms, duplicated and reordered replication; seeds 1404-1405 scripted so
    that all regions write every key in one tick, seeds 1401-1403 random): every region must end
    on the reference's versions.
    """
    need_callable(resolve, "function resolve(existing, incoming)")
    for name, existing, incoming in UNITS:
        _compare(resolve, name, existing, incoming)
        if existing is not None:
            _compare(resolve, name + " (the other way round)", incoming, existing)
    for case, (existing, incoming) in random_cases(RANDOM_SEED, RANDOM_COUNT, _draw):
        _compare(resolve, case, existing, incoming)
        if existing is not None:
            _compare(resolve, case + " (the other way round)", incoming, existing)
    orders = check_orders(resolve)
    rng = random.Random(RANDOM_SEED + 2)
    ties = []
    for _ in range(200):
        a, b = rng.sample(REGIONS, 2)
        t = rng.randint(0, 5)
        ties.append((Version(t, a, rng.choice(VALUES)), Version(t, b, rng.choice(VALUES))))
    same_everywhere(lambda: [resolve(x, y) for x, y in ties], input=f"{len(ties)} ties, e.g. {ties[:2]!r}",
                    case=f"{len(ties)} ties in time (seed {RANDOM_SEED + 2})")
    runs = check_in_simulation(resolve)
    return (f"{len(UNITS)} hand-made pairs and {RANDOM_COUNT} random ones (seed {RANDOM_SEED}) both ways, "
            f"{orders} delivery orders, {len(ties)} ties in two worlds, and {runs} three-region runs (two of them "
            "three-way ties on every key) with duplicated and reordered replication: every region ends on the same "
            "versions as the reference")
