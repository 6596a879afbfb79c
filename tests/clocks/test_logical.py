"""Lamport and vector clocks: one test per rule of the papers, laws by Hypothesis, and clear errors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsworkbook.clocks import (LamportClock, LamportTimestamp, Order, SpaceTimeDiagram, VectorClock,
                               VectorTimestamp, compare, lamport_receive, naive_compare)
from dsworkbook.errors import ConfigError, UnknownNodeError

V = VectorTimestamp

# -- Lamport (1978) -------------------------------------------------------------------------------


def test_ir1_each_process_increments_its_clock_between_two_successive_events():
    c = LamportClock("A")
    assert [c.tick(), c.send(), c.tick()] == [1, 2, 3]


@pytest.mark.parametrize("local, received, expected", [
    (0, 0, 1),    # a receive is after the send even when both read 0
    (5, 0, 6),    # ... and after the process's own past
    (0, 5, 6),    # ... and after the send
    (3, 3, 4),
])
def test_ir2_a_receive_sets_the_clock_past_the_message_timestamp(local, received, expected):
    c = LamportClock("A", time=local)
    assert c.receive(received) == lamport_receive(local, received) == expected


def test_ties_are_broken_by_process_id_for_a_total_order():
    assert LamportTimestamp(3, "A") < LamportTimestamp(3, "B") < LamportTimestamp(4, "A")
    assert LamportClock("B", 7).stamp() == LamportTimestamp(7, "B")


@pytest.mark.parametrize("bad", [-1, 1.5, True, "3", None])
def test_lamport_times_are_non_negative_ints(bad):
    with pytest.raises(ConfigError, match="Lamport time"):
        lamport_receive(0, bad)
    with pytest.raises(ConfigError):
        LamportClock("A", time=bad)


# -- vector clocks (Fidge 1988, Mattern 1989) --------------------------------------------------------


@pytest.mark.parametrize("a, b, expected", [
    # equal: same entries, missing entries read 0
    ({"A": 1, "B": 2}, {"A": 1, "B": 2}, Order.EQUAL),
    ({}, {}, Order.EQUAL),
    ({"A": 0, "B": 3}, {"B": 3}, Order.EQUAL),
    # before / after: <= everywhere, < somewhere (including a node only one side names)
    ({"A": 1}, {"A": 1, "B": 1}, Order.BEFORE),
    ({"A": 1, "B": 1}, {"A": 2, "B": 2}, Order.BEFORE),
    ({"A": 2, "B": 1}, {"A": 1}, Order.AFTER),
    # concurrent: each ahead somewhere
    ({"A": 2}, {"A": 1, "B": 1}, Order.CONCURRENT),
    ({"A": 1}, {"B": 1}, Order.CONCURRENT),
])
def test_compare_returns_exactly_one_relation(a, b, expected):
    assert compare(a, b) is expected
    assert compare(b, a) is expected.flip()
    assert (V(a) < V(b)) == (expected is Order.BEFORE)
    assert (V(a) <= V(b)) == (expected in (Order.BEFORE, Order.EQUAL))
    assert V(a).concurrent(b) == (expected is Order.CONCURRENT)


def test_the_process_clock_follows_tick_send_receive():
    a, b = VectorClock("A"), VectorClock("B")
    assert a.tick() == V({"A": 1})
    m = a.send()
    assert m == V({"A": 2})
    b.tick()
    assert b.receive(m) == V({"A": 2, "B": 2})  # merge, then count the receive itself
    assert compare(m, b.time) is Order.BEFORE


def test_zero_entries_are_not_stored_so_equal_vectors_are_equal_values():
    assert V({"A": 0, "B": 1}) == V({"B": 1}) and hash(V({"A": 0, "B": 1})) == hash(V({"B": 1}))
    assert V({"B": 1})["A"] == 0 and "A" not in V({"B": 1})


@pytest.mark.parametrize("other", [3, "A:1", None, [("A", 1)], 2.5])
def test_a_vector_compared_with_a_non_clock_is_a_clear_error(other):
    with pytest.raises(ConfigError, match="only compares with another vector"):
        V({"A": 1}).compare(other)
    with pytest.raises(ConfigError):
        V({"A": 1}) < other  # noqa: B015


@pytest.mark.parametrize("entries, match", [({"A": -1}, ">= 0"), ({"A": 1.0}, "must be an int"),
                                            ({"A": True}, "must be an int"), ({"": 1}, "node ids")])
def test_bad_entries_are_refused(entries, match):
    with pytest.raises(ConfigError, match=match):
        V(entries)


def test_a_clock_with_a_membership_refuses_unknown_node_ids():
    with pytest.raises(UnknownNodeError, match="'Z'"):
        VectorClock("Z", nodes=["A", "B"])
    c = VectorClock("A", nodes=["A", "B"])
    with pytest.raises(UnknownNodeError, match="'C'"):
        c.receive({"C": 1})


# -- laws (Hypothesis) ------------------------------------------------------------------------------------

vectors = st.dictionaries(st.sampled_from("ABCD"), st.integers(0, 4)).map(V)


@given(vectors, vectors, vectors)
def test_merge_is_commutative_associative_idempotent_and_an_upper_bound(a, b, c):
    assert a.merge(b) == b.merge(a)
    assert a.merge(b).merge(c) == a.merge(b.merge(c))
    assert a.merge(a) == a
    assert a <= a.merge(b) and b <= a.merge(b)


@given(vectors, vectors)
def test_compare_is_antisymmetric_and_equal_only_for_equal_vectors(a, b):
    assert compare(a, b) is compare(b, a).flip()
    assert (compare(a, b) is Order.EQUAL) == (a == b)


diagrams = st.builds(lambda seed, n: SpaceTimeDiagram.random(seed, events=n), st.integers(0, 10**6), st.integers(0, 25))


@settings(max_examples=60, deadline=None)
@given(diagrams)
def test_vector_timestamps_characterize_happens_before(d):
    """a -> b  <=>  V(a) < V(b), for every pair of every diagram (Mattern 1989, Theorem 10)."""
    vec = d.vector()
    for a in d.events:
        for b in d.events:
            assert vec[a.id].compare(vec[b.id]) is d.relation(a, b)


@settings(max_examples=60, deadline=None)
@given(diagrams)
def test_lamport_times_respect_happens_before(d):
    lam = d.lamport()
    for a in d.events:
        for b in d.future(a):
            assert lam[a.id] < lam[b.id]


def test_a_broken_compare_is_caught_by_the_characterization():
    d = SpaceTimeDiagram.from_steps([("send", "B", "A"), ("receive", "A", "m1")])  # B1 = {B:1}, A1 = {A:1, B:1}
    vec = d.vector()
    wrong = [(a.id, b.id) for a in d.events for b in d.events
             if naive_compare(dict(vec[a.id]), dict(vec[b.id])) != str(d.relation(a, b))]
    assert ("A1", "A1") in wrong  # equal labelled concurrent
    assert ("B1", "A1") in wrong  # before labelled concurrent: only the first clock's nodes were read
