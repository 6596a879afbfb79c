"""Each CRDT does what its paper says, one test per sentence, and misuse raises a clear error."""

from __future__ import annotations

import pytest

from dsworkbook.crdt import (GSet, GCounter, LWWRegister, MVRegister, ORSet, PNCounter, RGA, ROOT, RGAId,
                             TombstoneORSet, TwoPSet, VersionVector, linearise)
from dsworkbook.crdt._base import CRDTMismatchError, UnknownReplicaError
from dsworkbook.crdt.causal import Dot
from dsworkbook.errors import ConfigError

R = ["A", "B", "C"]


# -- G-Counter, PN-Counter (R02) ------------------------------------------------------------------------

def test_gcounter_value_is_the_sum_of_every_replicas_own_entry():
    c = GCounter(R).increment("A", 3).increment("B")
    assert c.value == 4 and c.entries() == {"A": 3, "B": 1, "C": 0}


def test_gcounter_merge_takes_the_maximum_of_each_entry_so_nothing_is_counted_twice():
    a = GCounter(R).increment("A", 3)
    b = a.merge(GCounter(R)).increment("B", 2)  # b has seen a's 3 and added 2
    assert a.merge(b).value == 5 and a.merge(b).merge(b).value == 5


def test_states_are_immutable_and_updates_return_new_states():
    c = GCounter(R)
    c2 = c.increment("A")
    assert c.value == 0 and c2.value == 1
    with pytest.raises(AttributeError, match="immutable"):
        c.counts = (9, 9, 9)


def test_pncounter_counts_down_with_a_second_gcounter():
    c = PNCounter(R).increment("A", 5).decrement("B", 2)
    assert c.value == 3 and c.merge(PNCounter(R).decrement("C")).value == 2


@pytest.mark.parametrize("call, message", [
    (lambda: GCounter(R).increment("A", -1), "only grows; use a PNCounter"),
    (lambda: GCounter(R).increment("A", 0), ">= 1"),
    (lambda: GCounter(R).increment("A", 1.5), "whole number"),
    (lambda: PNCounter(R).increment("A", -2), "call decrement"),
    (lambda: GCounter(R).increment("Z"), "unknown replica 'Z'"),
    (lambda: GCounter(R).merge(GCounter(["A", "B"])), "different replica sets"),
    (lambda: GCounter(R).merge(PNCounter(R)), "cannot merge a G-Counter"),
    (lambda: GCounter(R) <= GSet(), "cannot compare a G-Counter"),
    (lambda: GCounter("ABC"), "the string"),
    (lambda: GCounter(["A", "A"]), "distinct"),
])
def test_misuse_raises_a_config_error_that_says_how_to_fix_it(call, message):
    with pytest.raises(ConfigError, match=message):
        call()


def test_unknown_replica_and_mismatch_errors_are_their_own_classes():
    with pytest.raises(UnknownReplicaError):
        ORSet(R).add("x", "D")
    with pytest.raises(CRDTMismatchError):
        ORSet(R).merge(TombstoneORSet(R))


# -- G-Set, 2P-Set (R03) ----------------------------------------------------------------------------

def test_gset_merge_is_union():
    assert GSet(["a"]).merge(GSet(["b"])).value == {"a", "b"}


def test_twopset_removal_is_never_undone_by_a_merge():
    a = TwoPSet().add("x")
    b = a.remove("x")
    assert a.merge(b).value == frozenset() and b.merge(a).value == frozenset()


def test_twopset_refuses_to_remove_what_it_never_added_and_to_re_add_a_removed_element():
    with pytest.raises(ConfigError, match="never added"):
        TwoPSet().remove("ghost")
    with pytest.raises(ConfigError, match="can never be added again"):
        TwoPSet().add("x").remove("x").add("x")
    with pytest.raises(ConfigError, match="already removed"):
        TwoPSet().add("x").remove("x").remove("x")


# -- registers (R01, R03) ---------------------------------------------------------------------------

def test_lww_keeps_the_write_with_the_larger_time():
    reg = LWWRegister(R)
    a, b = reg.assign("old", 1, "A"), reg.assign("new", 2, "B")
    assert a.merge(b).value == b.merge(a).value == "new"


def test_lww_breaks_a_time_tie_by_replica_id_the_same_way_on_every_replica():
    reg = LWWRegister(R)
    a, b = reg.assign(1, 5, "A"), reg.assign("1", 5, "B")  # str(1) == "1": a text tie-break would tie again
    assert a.merge(b) == b.merge(a) and a.merge(b).value == "1"


def test_lww_a_write_older_than_what_the_replica_holds_loses_at_once():
    reg = LWWRegister(R).assign("x", 10, "A")
    assert reg.assign("y", 3, "A") == reg


def test_lww_two_values_with_one_stamp_is_an_error():
    with pytest.raises(ConfigError, match="two writes"):
        LWWRegister(R).assign("x", 1, "A").assign("y", 1, "A")
    with pytest.raises(ConfigError, match="same stamp"):
        LWWRegister(R, "x", (1, "A")).merge(LWWRegister(R, "y", (1, "A")))


def test_mv_register_keeps_concurrent_writes_as_siblings_and_a_later_write_replaces_them():
    base = MVRegister(R)
    a, b = base.assign("x", "A"), base.assign("y", "B")
    both = a.merge(b)
    assert set(both.value) == {"x", "y"}
    resolved = both.resolve(lambda siblings: "+".join(sorted(siblings)), "C")
    assert resolved.value == ("x+y",) and resolved.merge(a).value == ("x+y",)


def test_mv_register_an_overwrite_after_seeing_a_write_supersedes_it():
    a = MVRegister(R).assign("x", "A")
    b = a.assign("y", "B")
    assert a.merge(b).value == ("y",)


# -- OR-Sets (R04) -----------------------------------------------------------------------------------

@pytest.mark.parametrize("cls", [ORSet, TombstoneORSet])
def test_orset_add_wins_over_a_concurrent_remove(cls):
    a = cls(R).add("x", "A")
    b = a  # B has seen x
    removed, re_added = b.remove("x"), a.add("x", "A")  # concurrently: B removes, A adds again
    assert "x" in removed.merge(re_added) and "x" in re_added.merge(removed)


@pytest.mark.parametrize("cls", [ORSet, TombstoneORSet])
def test_orset_a_remove_is_not_undone_by_a_replica_that_had_seen_the_add(cls):
    a = cls(R).add("x", "A")
    stale = a  # another replica holds x and has not seen the remove
    gone = a.remove("x")
    assert "x" not in gone.merge(stale) and "x" not in stale.merge(gone)


@pytest.mark.parametrize("cls", [ORSet, TombstoneORSet])
def test_orset_can_re_add_an_element(cls):
    assert "x" in cls(R).add("x", "A").remove("x").add("x", "B")


@pytest.mark.parametrize("cls", [ORSet, TombstoneORSet])
def test_orset_remove_of_an_unseen_element_is_an_error(cls):
    with pytest.raises(ConfigError, match="observed"):
        cls(R).remove("ghost")


def test_the_optimised_orset_keeps_no_tombstones_and_the_textbook_one_keeps_every_one():
    opt, tomb = ORSet(R), TombstoneORSet(R)
    for i in range(20):
        opt, tomb = opt.add(f"x{i}", "A").remove(f"x{i}"), tomb.add(f"x{i}", "A").remove(f"x{i}")
    assert opt.value == tomb.value == frozenset()
    assert opt.metadata == len(R) and tomb.metadata == 40
    assert tomb.compacted() == opt  # compaction into a version vector: the same state


def test_the_version_vector_tells_removed_from_not_yet_seen():
    a = ORSet(R).add("x", "A")        # A: x under A:1, vv A=1
    b = ORSet(R).add("y", "B")        # B has not seen A:1
    assert a.merge(b).value == {"x", "y"}               # not seen over there: kept
    assert a.remove("x").merge(a).value == frozenset()  # seen, then removed: dropped


def test_orset_entries_must_be_covered_by_the_version_vector():
    with pytest.raises(ConfigError, match="must cover"):
        ORSet(R, [("x", Dot("A", 2))], VersionVector(R, {"A": 1}))


# -- RGA (R06) ---------------------------------------------------------------------------------------

def test_rga_typing_reads_back_in_order():
    assert RGA(R).insert_text(0, "hello", "A").value == "hello"


def test_rga_concurrent_inserts_at_one_place_keep_each_writers_run_together():
    base = RGA(R).insert_text(0, "x", "A")
    a = base.insert_text(1, "ab", "A")
    b = base.insert_text(1, "ZZ", "B")
    merged = a.merge(b)
    assert merged.value == b.merge(a).value and merged.value in ("xabZZ", "xZZab")


def test_rga_the_newer_insert_after_the_same_character_comes_first():
    nodes = [(RGAId(1, "A"), ROOT, "x"), (RGAId(2, "A"), RGAId(1, "A"), "a"), (RGAId(3, "B"), RGAId(1, "A"), "b")]
    assert "".join(c for _, c in linearise(nodes)) == "xba"


def test_rga_delete_leaves_a_tombstone_that_later_inserts_can_still_anchor_on():
    a = RGA(R).insert_text(0, "abc", "A")
    b = a.insert(2, "X", "B")   # after "b"
    a2 = a.delete(1)            # concurrently delete "b"
    assert a2.merge(b).value == "aXc" and len(a2.tombstones) == 1


@pytest.mark.parametrize("call, message", [
    (lambda: RGA(R).insert(1, "x", "A"), "from 0 to 0"),
    (lambda: RGA(R).insert(0, "xy", "A"), "one character"),
    (lambda: RGA(R).delete(0), "empty text"),
    (lambda: RGA(R).insert(0, "x", "Q"), "unknown replica"),
])
def test_rga_misuse_is_a_clear_error(call, message):
    with pytest.raises(ConfigError, match=message):
        call()


def test_every_state_has_a_stable_repr_without_memory_addresses():
    states = [GCounter(R).increment("A"), PNCounter(R).decrement("B"), GSet(["b", "a"]), TwoPSet(["a"]),
              LWWRegister(R).assign("v", 1, "A"), MVRegister(R).assign("v", "A"), ORSet(R).add("x", "A"),
              TombstoneORSet(R).add("x", "A").remove("x"), RGA(R).insert(0, "h", "A")]
    assert all(" at 0x" not in repr(s) for s in states)
    assert repr(GSet(["b", "a"])) == "GSet({'a', 'b'})"
