"""Exercise ``02-merkle-diff``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any, Callable

from dsworkbook.grading.core import attempt, exercise, fail, random_cases, same_everywhere
from dsworkbook.grading.quorums._common import need_callable
from dsworkbook.storage.ap import APReplica
from dsworkbook.storage.common import replica_ids
from dsworkbook.storage.experiment import Script, scripted_run
from dsworkbook.storage.merkle import MerkleTree, bucket_of, merkle_diff

R3 = tuple(replica_ids(3))
SEEDS = (11, 12, 13)
BUCKETS = (16, 64)


def _units() -> list[tuple[str, dict, dict, int]]:
    rng = random.Random(2)
    base = {f"k{i}": rng.randint(0, 10**6) for i in range(200)}
    one = dict(base, k7=-1)
    two = dict(base, k3=-3, k150=-150)
    most = {k: v + 1 for k, v in base.items()}
    extra = dict(base, new=5)
    return [("identical replicas", base, dict(base), 16), ("one key differs", base, one, 16),
            ("two keys differ", base, two, 64), ("every key differs", base, most, 16),
            ("one replica has a key the other lacks", base, extra, 32), ("one bucket only", base, one, 1),
            ("both empty", {}, {}, 8), ("one replica empty, the other full", {}, base, 16),
            ("the other replica empty", base, {}, 4), ("two buckets, one key differs", base, one, 2),
            ("a key only one side has, in a bucket the other side leaves empty", {"a": 1}, {"a": 1, "zz": 2}, 1024)]


RANDOM_SEED, RANDOM_COUNT = 41, 150


def _draw(rng: random.Random) -> tuple[dict, dict, int]:
    """Two replicas' data: up to 3,000 keys, a few or many differences, keys one side lacks, 1 to 1,024 buckets."""
    buckets = rng.choice((1, 2, 4, 8, 16, 64, 256, 1024))
    size = rng.choice((0, 1, 3, 20, 200, 3000))
    a = {f"k{i}": rng.randint(0, 10**6) for i in range(size)}
    b = dict(a)
    keys = sorted(a)
    for k in rng.sample(keys, min(len(keys), rng.choice((0, 1, 2, 5, 50)))):
        b[k] = -b[k] - 1
    for k in rng.sample(keys, min(len(keys), rng.choice((0, 0, 1, 3)))):
        del b[k]
    for i in range(rng.choice((0, 0, 1, 4))):
        b[f"new{i}"] = i
    return (a, b, buckets) if rng.random() < 0.5 else (b, a, buckets)


def _diverged(seed: int) -> dict[str, dict]:
    """Replica data after n3 missed some of c1's writes (no hinted handoff, no anti-entropy)."""
    def build(sim: Any) -> None:
        for r in R3:
            sim.add_node(r, APReplica, replicas=R3, hinted_handoff=False, read_repair=False)

    def faults(sim: Any) -> None:
        sim.at(200 + 10 * seed, sim.net.isolate, "n3")
        sim.at(260 + 10 * seed, sim.net.heal)

    ops = tuple(("write", f"key{i}", i) for i in range(80))
    sim = scripted_run(build, seed, {"c1": Script(("n1",), ops, start_at=5, think=1)}, faults=faults, until=3000)
    return {r: dict(sim.node(r).data) for r in R3}


def _check(fn: Callable[..., Any], a: dict, b: dict, buckets: int, case: str) -> int:
    ta, tb = MerkleTree(a, buckets), MerkleTree(b, buckets)
    ref = merkle_diff(ta, tb)
    shown = f"two trees of {buckets} buckets over {len(a)} and {len(b)} keys"
    got = attempt(fn, ta, tb, input=shown, case=case)
    if not (isinstance(got, tuple) and len(got) == 2):
        fail(case=case, input=shown, expected=f"a pair (set of buckets, hashes compared): "
             f"({set(ref.buckets)}, {ref.compared})", got=got, hint="return a tuple (set of leaf indices, int)")
    buckets_got, compared = got
    try:
        as_set = set(buckets_got)
    except TypeError:
        as_set = None
    truth = {bucket_of(k, buckets) for k in set(a) | set(b) if a.get(k) != b.get(k)}
    if as_set != truth:
        fail(case=case, input=shown, expected=sorted(truth), got=buckets_got,
             hint="the differing buckets are the leaves (level tree.depth) whose hashes differ; walk down from the "
                  "root and descend into both children of every node whose hashes differ")
    if isinstance(compared, bool) or not isinstance(compared, int) or compared != ref.compared:
        fail(case=case, input=shown, expected=f"{ref.compared} hash pairs compared (the root, then both children "
             f"of every node whose hashes differ)", got=compared,
             hint="count one comparison for the root and one for each child you look at; descend only into the "
                  "children of nodes whose hashes differ (comparing every leaf costs as much as the tree has "
                  "buckets, every time), and stop at level tree.depth")
    return compared


@exercise("02-merkle-diff", title="Anti-entropy: walk two Merkle trees", theme="T02", concepts=("Q02",),
          reference="dsworkbook.storage.merkle.merkle_diff")
def grade_merkle_diff(merkle_diff_answer: Any) -> str:
    """``merkle_diff(a, b) -> (differing_buckets, compared)`` for two ``dw.storage.MerkleTree``.

    A tree has ``.depth`` (the leaf level; level 0 is the root), ``.hash(level, i)`` and
    ``MerkleTree.children(i) == (2 * i, 2 * i + 1)``. Walk both from the root, comparing the
    hashes of the same node, and descend only into the children of nodes that differ. Return
    the set of leaf indices (buckets) that differ and how many hash pairs you compared (one for
    the root, then both children of every node whose hashes differ). Checked on hand-made
    replicas (one side empty, keys only one side has, 1 to 1,024 buckets), on 150 random pairs
    of up to 3,000 keys against the reference (:func:`~dsworkbook.storage.merkle.merkle_diff`),
    in two worlds, and on replicas of the AP store that diverged in the simulator (seeds 11-13:
    n3 cut off while a client writes, no hinted handoff): the buckets must be exactly those
    holding a differing key, and the count exactly that of the top-down walk.
    """
    need_callable(merkle_diff_answer, "function merkle_diff(a, b)")
    cases = 0
    for case, a, b, buckets in _units():
        _check(merkle_diff_answer, a, b, buckets, case)
        cases += 1
    drawn = list(random_cases(RANDOM_SEED, RANDOM_COUNT, _draw))
    for case, (a, b, buckets) in drawn:
        _check(merkle_diff_answer, a, b, buckets, case)
        cases += 1
    trees = [(MerkleTree(a, k), MerkleTree(b, k)) for _, (a, b, k) in drawn[:20]]

    def everything() -> list:
        return [(frozenset(found), compared) for found, compared in
                (merkle_diff_answer(ta, tb) for ta, tb in trees)]

    same_everywhere(everything, input=f"the first 20 random cases (seed {RANDOM_SEED})",
                    case="the first 20 random cases")
    compared = full = 0
    for seed in SEEDS:
        data = _diverged(seed)
        for x, y in (("n1", "n3"), ("n1", "n2")):
            for buckets in BUCKETS:
                compared += _check(merkle_diff_answer, data[x], data[y], buckets,
                                   f"seed {seed}: {x} vs {y} after n3 was cut off, {buckets} buckets")
                full += len(data[x])
                cases += 1
    return (f"right on {cases} pairs of trees (seeds {SEEDS[0]}-{SEEDS[-1]} from the simulator); the walks "
            f"compared {compared} hash pairs where a full comparison would send {full} entries")
