"""H04 (+): Chord (Stoica et al. 2001) on the simulator - O(log n) hops, correct lookups after churn."""

from __future__ import annotations

import math

import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.partitioning import (ChordNode, check_lookups, chord_campaign, chord_run, chord_schedule,
                                     churn_figures, hop_table, stable_tables, true_successor)
from dsworkbook.partitioning.chord import _half, _open, chord_id
from dsworkbook.sim import FaultSchedule, Simulation
from dsworkbook.sim.fuzz import campaigns


@pytest.mark.parametrize("x, a, b, inside", [
    (5, 1, 9, True), (1, 1, 9, False), (9, 1, 9, False),    # plain arc (a, b)
    (0, 9, 2, True), (10, 9, 2, True), (5, 9, 2, False),    # an arc that wraps past zero
    (3, 4, 4, True), (4, 4, 4, False),                      # (a, a): everything but a
])
def test_open_arcs_on_the_circle(x, a, b, inside):
    assert _open(x, a, b) == inside


def test_half_open_arc_includes_its_end_and_a_ring_of_one_owns_everything():
    assert _half(9, 1, 9) and not _half(1, 1, 9) and _half(1, 4, 4)


def test_the_key_belongs_to_the_first_node_at_or_after_it():
    nodes = ["a", "b", "c"]
    ids = sorted(chord_id(n, 16) for n in nodes)
    assert chord_id(true_successor(ids[1], nodes, 16), 16) == ids[1]             # equal: that node
    assert chord_id(true_successor(ids[1] + 1, nodes, 16), 16) == ids[2]         # after: the next one
    assert chord_id(true_successor(ids[2] + 1, nodes, 16), 16) == ids[0]         # past the last: wraps


def test_lookups_take_about_half_log2_n_hops_and_find_the_successor():
    table = hop_table((8, 32, 128), lookups=200)
    assert (table["wrong owners"] == 0).all() and (table["lookups"] == 200).all()
    for n, row in table.iterrows():
        assert row["mean hops"] <= math.log2(n)          # O(log n), sec. 4.3
    assert table.loc[8, "mean hops"] < table.loc[32, "mean hops"] < table.loc[128, "mean hops"]


def test_nodes_joining_one_by_one_build_a_correct_ring_by_stabilizing():
    sim = Simulation(seed=3, latency=(1, 10), trace=False)
    names = [f"n{i}" for i in range(8)]
    sim.add_node(names[0], ChordNode, m=16)
    for i, name in enumerate(names[1:], 1):
        sim.at(200 * i, lambda name=name: sim.add_node(name, ChordNode, m=16, bootstrap=names[0]))
    sim.run(until=6000)
    want = stable_tables(names, 16, 4)
    for name in names:
        node = sim.node(name)
        assert node.succ[0] == want[name]["succ"][0] and node.pred == want[name]["pred"]
        assert node.fingers == want[name]["fingers"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_after_churn_every_lookup_finds_the_true_successor(seed):
    run = chord_run(seed, n=12, joins=3, churn=(300.0, 1500.0), settle=1500.0, quiet=1500.0)
    assert check_lookups(run) is None
    figures = churn_figures(run)
    assert figures["quiet completed"] > 100 and figures["churn lookups"] > 100   # sometimes: work was done
    assert len(run.live()) == 12 - 3 + 3


@pytest.mark.slow
def test_the_campaign_passes_the_correct_ring_and_catches_the_off_by_one_owner():
    report = chord_campaign(range(4))
    assert report.violations == [] and report.progress == 4
    assert report.line("chord") == "chord: 4 seeds, 0 violations, 4/4 made progress, first failing seed -, shrunk to - faults"
    broken = chord_campaign(range(2), variant="owner_is_predecessor")
    assert len(broken.violations) == 2 and "returned" in broken.first.message
    assert len(broken.first.shrunk.schedule) <= 10
    assert check_lookups(chord_run(broken.first.seed, broken.first.shrunk.schedule, n=12, joins=3,
                                   variant="owner_is_predecessor", churn=(300.0, 1500.0), settle=1500.0,
                                   quiet=1500.0)) is not None  # the shrunk schedule replays


def test_a_node_whose_only_successor_fails_before_its_first_stabilize_joins_again():
    # seed 3: j3 joins at t=1908 with c8 as its one successor; c8 crashes at t=1922 (sec. 5.2's
    # successor list is still empty then), so j3 must look itself up again through a contact
    run = chord_run(3)
    assert run.sim.node("j3").rejoins > 0
    assert check_lookups(run) is None


def test_the_campaign_is_registered_with_correct_first():
    assert campaigns()["chord"].variants[0] == "correct"


def test_a_run_is_the_same_for_the_same_seed():
    a = churn_figures(chord_run(5, n=8, joins=2, churn=(200.0, 800.0), settle=800.0, quiet=500.0))
    b = churn_figures(chord_run(5, n=8, joins=2, churn=(200.0, 800.0), settle=800.0, quiet=500.0))
    assert a == b


@pytest.mark.parametrize("call, words", [
    (lambda: chord_run(0, chord_schedule(0, 8, crashes=4), n=8), "can cut the ring"),
    (lambda: chord_run(0, FaultSchedule(), n=1), "n >= 2"),
    (lambda: ChordNode("x", variant="nope"), "unknown Chord variant"),
    (lambda: ChordNode("x", r=0), "r >= 1"),
])
def test_bad_input(call, words):
    with pytest.raises(ConfigError, match=words):
        call()


@pytest.mark.slow
def test_dsworkbook_fuzz_chord_ends_with_the_one_line(capsys):
    from dsworkbook.cli import main

    code = main(["fuzz", "chord", "--seeds", "2", "--variant", "owner_is_predecessor"])
    last = capsys.readouterr().out.splitlines()[-1]
    assert last == "chord --variant owner_is_predecessor: 2 seeds, 2 violations, 2/2 made progress, first failing seed 0, shrunk to 0 faults"
    assert code == 1
