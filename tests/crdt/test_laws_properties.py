"""The CRDT laws, property-tested for every type with 1000 examples - and broken merges caught.

One Hypothesis property per type draws a small replicated history (updates and merges on three
replicas) and three states it produced, and checks, on every one of its 1000 examples, every
law of :mod:`dsworkbook.crdt.laws`:

* merge is commutative, associative and idempotent, an upper bound, and agrees with ``<=``;
* every update of the history is an inflation (``state <= update(state)``);
* the states the updates produced, delivered in three random orders with duplicates, fold
  into one state; and all replicas merged together show the value the updates specify.

The property is built by a factory, so exactly the same test runs on deliberately broken
types - a G-Counter that merges by summing, an LWW register that keeps its own value on a tie,
an OR-Set that compresses its tombstones away - and must FAIL there: Hypothesis finds (and
shrinks) the counterexample, which proves the property can fail at all.
"""

from __future__ import annotations

from typing import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dsworkbook.crdt.laws import LAWS, check_convergence, check_laws, check_monotonic, check_type
from dsworkbook.crdt.pitfalls import BROKEN
from dsworkbook.crdt.workloads import TYPES, ReplicatedType, show
from tests.crdt.strategies import LAW_SETTINGS, state_triples


def crdt_laws(kind: ReplicatedType) -> Callable[[], None]:
    """The property of the module docstring, for one replicated type."""

    @LAW_SETTINGS
    @given(state_triples(kind), st.integers(0, 1 << 16))
    def check(sample, seed) -> None:
        run, states = sample
        violations = check_laws(kind.merge, states, leq=kind.leq, eq=kind.equal)
        if kind.leq is not None:  # each update of the history, as a function of the state it was made on
            for before, after in run.updates:
                violations += check_monotonic(lambda s, after=after: after, [before], leq=kind.leq)
        violations += check_convergence(kind.merge, kind.initial(run.replicas), [a for _, a in run.updates],
                                        eq=kind.equal, orders=3, seed=seed)
        assert not violations, violations[0].describe()
        merged = run.finals[0]
        for other in run.finals[1:]:
            merged = kind.merge(merged, other)
        if kind.expected is not None:
            want = kind.expected(run.effects)
            assert kind.value(merged) == want, (f"convergent, but the value {show(kind.value(merged))} does not "
                                                f"reflect every update: they specify {show(want)}")

    return check


@pytest.mark.parametrize("name", TYPES)
def test_every_type_keeps_every_law_on_1000_examples(name):
    crdt_laws(TYPES[name])()


@pytest.mark.parametrize("name", BROKEN)
def test_a_broken_merge_is_caught_by_the_same_property(name):
    with pytest.raises(AssertionError) as failure:
        crdt_laws(BROKEN[name])()
    message = str(failure.value)
    assert message.startswith(tuple(f"{law} fails" for law in LAWS)) or message.startswith("convergent, but")


@pytest.mark.parametrize("name, laws", [
    ("G-Counter (sum merge)", {"idempotent", "order agrees", "convergent"}),  # a re-delivered state counts again
    ("LWW-Register (keeps its own on a tie)", {"commutative", "upper bound", "order agrees", "convergent"}),
    ("OR-Set (compress)", {"monotonic"}),  # compress shrinks the state: an update that is not an inflation
])
def test_the_law_checker_names_exactly_the_laws_each_broken_merge_breaks(name, laws):
    report = check_type(BROKEN[name], seed=1, runs=30)
    assert {v.law for v in report.violations} == laws
    assert all(v.states for v in report.violations)  # each with its counterexample


def test_the_real_types_break_no_law_in_the_same_check():
    assert all(check_type(kind, seed=1, runs=10).violations == [] for kind in TYPES.values())
