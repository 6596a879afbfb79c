"""L03: Kleppmann's three failures of lease locks as golden scenarios, and fencing tokens that fix the data."""

from __future__ import annotations

import pytest

from dsworkbook.locks import Storage, stale_writes
from dsworkbook.locks.fencing import Accepted, CounterStore, Read, ReadReply, Write, WriteReply
from dsworkbook.locks.scenarios import SCENARIOS
from dsworkbook.consensus.raft import Command


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_without_fencing_two_clients_hold_the_lock_and_a_stale_write_destroys_the_newer_one(name):
    result = SCENARIOS[name](fenced=False)
    assert [(a, b) for a, b, _ in result.overlapping] == [("c1", "c2")]
    assert len(result.stale_writes) == 1 and "destroyed c2's 'c2#1'" in result.stale_writes[0]
    assert result.final_value == ("c1#1",) and result.rejected == 0


@pytest.mark.parametrize("tokens", ["raft", "counter"])
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_with_fencing_the_lock_is_no_safer_but_the_storage_rejects_the_stale_request(name, tokens):
    result = SCENARIOS[name](fenced=True, tokens=tokens)
    assert result.two_holders  # the lock still let two clients in
    assert result.stale_writes == () and result.rejected == 1
    assert result.final_value == ("c2#1",)


def test_a_golden_scenario_is_the_same_run_every_time():
    a, b = SCENARIOS["clock_jump"](fenced=True), SCENARIOS["clock_jump"](fenced=True)
    assert a.sim.trace.digest() == b.sim.trace.digest()
    assert "c1 and c2" in a.describe()


def test_fenced_storage_rejects_a_token_older_than_one_it_has_seen_on_a_read_or_a_write():
    store = Storage("store", fenced=True)
    store.on_start()
    store.on_message("c2", Read(1, token=2))
    store.on_message("c1", Write(2, ("c1#1",), "c1#1", token=1))
    store.on_message("c1", Read(3, token=1))
    replies = [e.msg for e in store.take_effects() if hasattr(e, "msg")]
    assert replies[0] == ReadReply(1, True, ())
    assert isinstance(replies[1], WriteReply) and not replies[1].ok and "stale token 1" in replies[1].reason
    assert isinstance(replies[2], ReadReply) and not replies[2].ok
    assert store.accepted == [] and store.rejected == 2


def test_fenced_storage_refuses_a_request_without_a_token():
    store = Storage("store", fenced=True)
    store.on_start()
    store.on_message("c1", Write(1, ("x",), "x"))
    assert "needs a fencing token" in store.take_effects()[-1].msg.reason


def test_a_stale_write_is_one_whose_value_lacks_an_entry_accepted_before_it():
    serial = [Accepted(1, "c1", None, "a", ("a",)), Accepted(2, "c2", None, "b", ("a", "b"))]
    assert stale_writes(serial) == []
    lost = [Accepted(1, "c2", None, "b", ("b",)), Accepted(2, "c1", None, "a", ("a",))]
    assert "destroyed c2's 'b'" in stale_writes(lost)[0]
    backwards = [Accepted(1, "c2", 5, "b", ("b",)), Accepted(2, "c1", 4, "a", ("b", "a"))]
    assert stale_writes(backwards) == [] and "token 4 after token 5" in stale_writes(backwards, fenced=True)[0]


def test_the_raft_counter_store_increments_once_per_client_sequence_number():
    store = CounterStore()
    assert store.apply(Command("c1", 1, "incr", "k", None)) == 1
    assert store.apply(Command("c1", 1, "incr", "k", None)) == 1  # a retry: answered from the session
    assert store.apply(Command("c2", 1, "incr", "k", None)) == 2
