"""L06: transfers deadlock without a global lock order and never with it; the wait-for graph finds the cycle."""

from __future__ import annotations

import networkx as nx
import pytest
from matplotlib.figure import Figure

from dsworkbook.errors import ConfigError
from dsworkbook.locks.deadlock import (Transfer, deadlock_counts, draw_wait_for, find_deadlock, lock_order,
                                       random_transfers, run_transfers, two_transfers, wait_for_graph)


def test_two_opposite_transfers_without_an_order_deadlock_in_a_two_cycle():
    run = two_transfers(ordered=False)
    assert run.deadlock == ["T1", "T2"]
    assert run.finished == []
    assert {(u, v, d["account"]) for u, v, d in run.wait_for.edges(data=True)} == {("T1", "T2", "B"), ("T2", "T1", "A")}


def test_the_same_interleaving_with_the_global_order_finishes_both_and_conserves_money():
    run = two_transfers(ordered=True)
    assert run.deadlock is None and run.finished == ["T1", "T2"]
    assert run.balances == {"A": 110, "B": 90}


def test_ordered_locking_takes_the_smaller_account_first():
    t = Transfer("T", "b", "a")
    assert lock_order(t, ordered=True) == ("a", "b") and lock_order(t, ordered=False) == ("b", "a")


def test_three_transfers_in_a_ring_deadlock_and_the_detector_names_all_three():
    ring = [Transfer("T1", "A", "B"), Transfer("T2", "B", "C"), Transfer("T3", "C", "A")]
    run = run_transfers(ring, ordered=False, script=["T1", "T2", "T3"])
    assert sorted(run.deadlock or []) == ["T1", "T2", "T3"]
    assert run_transfers(ring, ordered=True, script=["T1", "T2", "T3"]).deadlock is None


def test_the_detector_finds_no_cycle_in_a_chain_of_waits():
    graph = wait_for_graph({"A": "T2", "B": "T3"}, {"T1": "A", "T2": "B"})
    assert list(graph.edges) == [("T1", "T2"), ("T2", "T3")]
    assert find_deadlock(graph) is None


def test_over_many_seeds_random_workloads_deadlock_without_the_order_and_never_with_it():
    counts = deadlock_counts(range(500), transfers=4, accounts=4)
    assert counts == {"runs": 500, "unordered": 118, "ordered": 0}


@pytest.mark.parametrize("transfers, accounts", [(2, 2), (8, 6), (12, 3)])
def test_ordered_locking_never_deadlocks_at_other_sizes(transfers, accounts):
    counts = deadlock_counts(range(200), transfers=transfers, accounts=accounts)
    assert counts["ordered"] == 0 and counts["unordered"] > 0


def test_same_seed_same_steps():
    work = random_transfers(6, 4, seed=9)
    assert run_transfers(work, ordered=False, seed=9).steps == run_transfers(work, ordered=False, seed=9).steps
    assert random_transfers(6, 4, seed=9) == work


def test_draw_wait_for_returns_a_figure_with_the_cycle_in_its_title():
    fig = draw_wait_for(two_transfers(ordered=False))
    assert isinstance(fig, Figure)
    assert "T1 -> T2 -> T1" in fig.axes[0].get_title()
    assert "no deadlock" in draw_wait_for(nx.DiGraph()).axes[0].get_title()


# -- bad input --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("args, words", [
    (("T", "A", "A"), "two\\s+different accounts"), (("T", "A", "B", 0), "amount"), (("T", "A", "B", -3), "amount"),
    (("", "A", "B"), "name"),
])
def test_a_bad_transfer_is_refused(args, words):
    with pytest.raises(ConfigError, match=words):
        Transfer(*args)


@pytest.mark.parametrize("call, words", [
    (lambda: run_transfers([], ordered=True), "at least one"),
    (lambda: run_transfers([Transfer("T", "A", "B"), Transfer("T", "B", "A")], ordered=True), "unique"),
    (lambda: run_transfers([Transfer("T", "A", "B")], ordered=True, balances={"A": 1}), "no balance"),
    (lambda: random_transfers(0, 3, 1), "n must"), (lambda: random_transfers(3, 1, 1), "accounts"),
    (lambda: draw_wait_for("graph"), "DiGraph"),
])
def test_bad_arguments_raise_a_config_error(call, words):
    with pytest.raises(ConfigError, match=words):
        call()
