"""Exercise ``04-siblings``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from dsworkbook.clocks.vector import VectorTimestamp
from dsworkbook.clocks.version import Sibling, reconcile, siblings_experiment
from dsworkbook.grading.core import attempt, exercise, fail
from dsworkbook.grading.clocks._common import guarded, need_callable

SIBLING_SEEDS = (71, 72, 73)
_HINT = ("keep every version that no other version (stored or incoming) strictly dominates, and keep one copy of a "
         "version that arrives twice; compare whole vectors, not one node's counter")


def _s(value: str, **version: int) -> Sibling:
    return Sibling(VectorTimestamp(version), value)


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
]


def _key(sibs: Any) -> Counter:
    return Counter((s.version, s.value) for s in sibs)


def _valid(got: Any, case: str, input: Any) -> list[Sibling]:
    if not isinstance(got, (list, tuple)) or not all(isinstance(s, Sibling) for s in got):
        fail(case=case, input=input, expected="a list of Sibling", got=got,
             hint="return the surviving Sibling objects in a list")
    return list(got)


def _check(fn: Any, stored: list, incoming: list, case: str, why: str = "") -> None:
    shown = ([f"{s.value}:{s.version}" for s in stored], [f"{s.value}:{s.version}" for s in incoming])
    got = _valid(attempt(fn, list(stored), list(incoming), input=shown, case=case), case, shown)
    want = reconcile(stored, incoming)
    if _key(got) != _key(want):
        fail(case=case, input=f"stored {shown[0]}, incoming {shown[1]}",
             expected=sorted(f"{s.value}:{s.version}" for s in want),
             got=sorted(f"{s.value}:{s.version}" for s in got), hint=why or _HINT)


def _random_cases(rng: random.Random, n: int) -> list[tuple[list, list]]:
    def sib(i: int) -> Sibling:
        return Sibling(VectorTimestamp({r: rng.randint(0, 2) for r in ("R1", "R2", "R3")}), f"v{i}")

    cases = []
    for _ in range(n):
        stored = reconcile([], [sib(i) for i in range(rng.randint(0, 3))])
        cases.append((stored, [sib(10 + i) for i in range(rng.randint(1, 3))]))
    return cases


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


@exercise("04-siblings", title="Version vectors: which siblings survive", theme="T04", concepts=("C04",))
def grade_siblings(reconcile_siblings: Any) -> str:
    """A function ``reconcile_siblings(stored, incoming) -> list[Sibling]``.

    Both arguments are lists of ``dw.clocks.Sibling`` (``.version``, a vector timestamp, and
    ``.value``). Return the siblings a replica keeps: every version not strictly dominated by
    another, a version that arrives twice kept once. Checked on 9 edge cases and 200 random
    ones, then as the merge rule of a simulated 3-replica store with a partition: the replicas
    must converge, no acknowledged write may be lost, and the final siblings must be right.
    """
    need_callable(reconcile_siblings, "function reconcile_siblings(stored, incoming)")
    for stored, incoming, why in EDGE_CASES:
        _check(reconcile_siblings, stored, incoming, why, f"{why}. " + _HINT)
    cases = _random_cases(random.Random(707), 200)
    for i, (stored, incoming) in enumerate(cases):
        _check(reconcile_siblings, stored, incoming, f"random case {i}")
    writes, most = _check_runs(reconcile_siblings)
    return (f"{len(EDGE_CASES)} edge cases, {len(cases)} random ones, and 3 simulated stores (seeds {SIBLING_SEEDS}): "
            f"{writes} writes, none lost, replicas converged, up to {most} siblings at once")
