"""Exercise ``04-siblings``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from dsworkbook.clocks.vector import VectorTimestamp
from dsworkbook.clocks.version import Sibling, reconcile, siblings_experiment
from dsworkbook.grading.core import attempt, exercise, fail, random_cases
from dsworkbook.grading.clocks._common import guarded, need_callable

SIBLING_SEEDS = (71, 72, 73)
RANDOM_SEED, RANDOM_COUNT = 707, 400
_HINT = ("keep every version that no other version (stored or incoming) strictly dominates, and keep one copy of a "
         "version that arrives twice; compare whole vectors, not one node's counter")


def _s(value: str, **version: int) -> Sibling:
    return Sibling(VectorTimestamp(version), value)


def _many(n: int) -> list[Sibling]:
    """``n`` concurrent siblings: each written on its own replica (R1..Rn) on top of a shared past."""
    return [Sibling(VectorTimestamp({"R0": 3, f"R{i}": 1}), f"w{i}") for i in range(1, n + 1)]


_FORTY = _many(40)

#: (stored, incoming, what it tests)
EDGE_CASES = [
    ([], [_s("x", R1=1)], "a first write is kept"),
    ([_s("x", R1=1)], [_s("y", R1=2)], "a write that saw x supersedes it"),
    ([_s("y", R1=2)], [_s("x", R1=1)], "an old version arriving late (anti-entropy) is dropped"),
    ([_s("x", R1=1)], [_s("y", R2=1)], "concurrent writes are both kept: siblings"),
    ([_s("x", R1=1)], [_s("x", R1=1)], "the same version arriving twice is kept once, not dropped"),
    ([_s("x", R1=3, R2=1)], [_s("y", R1=1, R2=2)], "each is ahead on one replica: siblings (do not compare one counter)"),
    ([_s("x", R1=1), _s("y", R2=1)], [_s("z", R1=1, R2=1, R3=1)], "a write that read both siblings supersedes both"),
    ([_s("x", R1=1), _s("y", R2=1)], [_s("z", R1=1, R3=1)], "z saw x but not y: y stays, x goes"),
    ([_s("x", R1=2), _s("y", R2=5)], [_s("y", R2=5), _s("x", R1=2)], "a replica's whole state arriving again changes nothing"),
    ([_s("x", R1=1), _s("y", R2=1)], [_s("x", R1=1), _s("x", R1=1)], "a version arriving twice in one batch is kept once"),
    ([_s("cart", R1=1)], [_s("cart", R2=1)], "equal values, concurrent versions: two siblings (versions decide, not values)"),
    ([_s("x", R9=1)], [_s("y", R10=1)], "R9 and R10 are different replicas: siblings"),
    ([_s("x", R9=2, R10=1)], [_s("y", R9=2, R10=2)], "y is ahead on R10 only, equal on R9: y supersedes x"),
    ([], [_s("a", R1=1), _s("b", R1=2), _s("c", R1=3)], "a chain in one batch: only the last survives"),
    ([], [_s("c", R1=3), _s("b", R1=2), _s("a", R1=1)], "the same chain, the newest first"),
    ([], [_s("b", R1=2), _s("c", R1=3), _s("a", R1=1)], "the same chain, the newest in the middle"),
    ([_s("x", R1=1), _s("y", R2=1), _s("z", R3=1), _s("w", R4=1)], [_s("v", R1=1, R2=1, R3=1, R4=1, R5=1)],
     "one write that read four siblings supersedes all four"),
    (_FORTY, [Sibling(VectorTimestamp({"R0": 3, **{f"R{i}": 1 for i in range(1, 41)}}), "merged")],
     "forty siblings, and a write that read them all"),
    (_FORTY, [Sibling(VectorTimestamp({"R0": 4}), "late")], "forty siblings and a write that saw only their shared past"),
]


def _key(sibs: Any) -> Counter:
    return Counter((s.version, s.value) for s in sibs)


def _show(sibs: list) -> list[str]:
    return [f"{s.value}:{s.version}" for s in sibs]


def _valid(got: Any, case: str, input: Any, given: int) -> list[Sibling]:
    if not isinstance(got, (list, tuple)) or not all(isinstance(s, Sibling) for s in got):
        fail(case=case, input=input, expected="a list of Sibling", got=got,
             hint="return the surviving Sibling objects in a list")
    if len(got) > given:
        fail(case=case, input=input, expected=f"at most {given} siblings (the inputs hold {given})",
             got=f"{len(got)} siblings", hint="the merge keeps copies: " + _HINT)
    return list(got)


def _check(fn: Any, stored: list, incoming: list, case: str, why: str = "") -> None:
    shown = {"stored": _show(stored), "incoming": _show(incoming)}
    got = _valid(attempt(fn, list(stored), list(incoming), input=shown, case=case), case, shown,
                 len(stored) + len(incoming))
    want = reconcile(stored, incoming)
    if _key(got) != _key(want):
        fail(case=case, input=shown, expected=sorted(_show(want)), got=sorted(_show(got)),
             hint=(why + ". " if why else "") + _HINT)


def _draw(rng: random.Random) -> tuple[list, list]:
    """A replica's siblings and an arriving batch: replicas R1..R11, repeated versions, equal values, any order."""
    replicas = [f"R{i}" for i in rng.choice([(1, 2, 3), (1, 2, 3, 9, 10), range(1, 12)])]
    top = rng.choice([1, 2, 3])
    versions: dict[VectorTimestamp, str] = {}

    def sib() -> Sibling:
        v = VectorTimestamp({r: rng.randint(0, top) for r in rng.sample(replicas, rng.randint(1, len(replicas)))})
        value = versions.setdefault(v, rng.choice(["x", "y", "z", f"v{len(versions)}"]))  # one value per version
        return Sibling(v, value)

    stored = reconcile([], [sib() for _ in range(rng.randint(0, 5))])
    incoming = [sib() for _ in range(rng.randint(1, 5))]
    if stored and rng.random() < 0.4:  # part of the stored state arrives again (anti-entropy)
        incoming += rng.sample(stored, rng.randint(1, len(stored)))
    if incoming and rng.random() < 0.2:
        incoming.append(rng.choice(incoming))
    rng.shuffle(incoming)
    return stored, incoming


def _check_runs(fn: Any) -> tuple[int, int]:
    writes = most = 0
    for seed in SIBLING_SEEDS:
        case = f"a replicated store (seed={seed}: 3 replicas, 4 clients, R1 cut off from 30 to 150 ms)"
        run = guarded(lambda: siblings_experiment(seed, merge=fn), case=case, input=f"seed={seed}")
        ref = siblings_experiment(seed)
        if not run.converged:
            fail(case=case, input="the replicas after anti-entropy",
                 expected="every replica holds the same siblings",
                 got={r: sorted(s.value for s in sibs) for r, sibs in run.final.items()}, hint=_HINT)
        if run.lost:
            fail(case=case, input="the writes the clients were told succeeded", expected="none lost",
                 got=f"lost {run.lost}", hint=_HINT)
        got, want = next(iter(run.final.values())), next(iter(ref.final.values()))
        if _key(got) != _key(want):
            fail(case=case, input="the final siblings", expected=sorted(s.value for s in want),
                 got=sorted(s.value for s in got), hint=_HINT)
        writes += len(run.acked)
        most = max(most, run.max_siblings)
    return writes, most


@exercise("04-siblings", title="Version vectors: which siblings survive", theme="T04", concepts=("C04",),
          reference="dsworkbook.clocks.version.reconcile")
def grade_siblings(reconcile_siblings: Any) -> str:
    """A function ``reconcile_siblings(stored, incoming) -> list[Sibling]``.

    Both arguments are lists of ``dw.clocks.Sibling`` (``.version``, a vector timestamp, and
    ``.value``). Return the siblings a replica keeps: every version not strictly dominated by
    another, a version that arrives twice kept once. Checked on 19 edge cases (duplicates in
    one batch, equal values on concurrent versions, replicas R9 and R10, chains with the newest
    first, last or in the middle, forty siblings), 400 random ones, then as the merge rule of a
    simulated 3-replica store with a partition: the replicas must converge, no acknowledged
    write may be lost, and the final siblings must be right. A merge that returns more siblings
    than it was given is stopped at once.
    """
    need_callable(reconcile_siblings, "function reconcile_siblings(stored, incoming)")
    for stored, incoming, why in EDGE_CASES:
        _check(reconcile_siblings, stored, incoming, why, why)
    for case, (stored, incoming) in random_cases(RANDOM_SEED, RANDOM_COUNT, _draw):
        _check(reconcile_siblings, stored, incoming, case)
    writes, most = _check_runs(reconcile_siblings)
    return (f"{len(EDGE_CASES)} edge cases, {RANDOM_COUNT} random ones (seed {RANDOM_SEED}), and 3 simulated stores "
            f"(seeds {SIBLING_SEEDS}): {writes} writes, none lost, replicas converged, up to {most} siblings at once")
