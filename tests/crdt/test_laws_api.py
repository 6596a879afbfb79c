"""The law checkers return counterexamples a reader can act on, and refuse what they cannot check."""

from __future__ import annotations

from fractions import Fraction

import pytest

from dsworkbook.crdt import GCounter
from dsworkbook.crdt.laws import LAW_STATEMENTS, LAWS, check_convergence, check_laws, check_monotonic
from dsworkbook.errors import ConfigError


def test_a_correct_merge_has_no_violations():
    assert check_laws(max, [1, 5, 3], leq=lambda a, b: a <= b) == []


def test_each_violation_names_the_law_the_states_and_both_sides():
    (v,) = check_laws(lambda a, b: a + b, [1, 2], laws=["idempotent"])
    assert v.law == "idempotent" and v.states == (1,) and (v.left, v.right) == (2, 1)
    assert v.describe() == "idempotent fails: merge(a, a) != a with a=1: 2 != 1"


def test_the_average_is_caught_only_by_associativity():
    average = lambda a, b: (a + b) / 2  # noqa: E731
    assert [v.law for v in check_laws(average, [Fraction(0), Fraction(1), Fraction(4)])] == ["associative"]


def test_keeping_the_first_argument_breaks_commutativity_only():
    assert [v.law for v in check_laws(lambda a, b: a, [1, 2, 3])] == ["commutative"]


def test_the_order_laws_need_an_order_and_catch_a_merge_that_forgets():
    forgetful = lambda a, b: min(a, b)  # noqa: E731  a lattice, but the wrong direction
    laws = {v.law for v in check_laws(forgetful, [1, 2], leq=lambda a, b: a <= b)}
    assert laws == {"upper bound", "order agrees"}
    assert {v.law for v in check_laws(forgetful, [1, 2])} == set()  # without leq those two are skipped


def test_per_law_keeps_several_counterexamples():
    assert len(check_laws(lambda a, b: a + b, [1, 2, 3], laws=["idempotent"], per_law=3)) == 3


def test_monotonic_catches_an_update_that_goes_down():
    c = GCounter(["A"]).increment("A", 2)
    assert check_monotonic(lambda s: s.increment("A"), [c], leq=lambda a, b: a <= b) == []
    (v,) = check_monotonic(lambda s: GCounter(["A"]), [c], leq=lambda a, b: a <= b)
    assert v.law == "monotonic"


def test_convergence_finds_an_order_that_ends_elsewhere():
    assert check_convergence(max, 0, [3, 1, 2], seed=1) == []
    (v,) = check_convergence(lambda a, b: b, 0, [3, 1, 2], seed=1)  # last writer by arrival
    assert v.law == "convergent" and "seed 1" in v.detail


def test_unknown_laws_are_refused_and_every_law_has_its_statement():
    with pytest.raises(ConfigError, match="unknown law"):
        check_laws(max, [1], laws=["commutativity"])
    assert set(LAW_STATEMENTS) == set(LAWS)
