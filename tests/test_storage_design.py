"""Designing a quorum store for stated SLOs: each SLO is checked by a run, and the cheapest design is found."""

from __future__ import annotations

import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.storage.design import REPAIRS, SLOS, Design, cheapest, check_design, design_from, design_table

GOOD = Design(5, 3, 3, frozenset({"anti-entropy"}))


def test_five_replicas_with_quorums_of_three_and_anti_entropy_meet_every_slo():
    results = check_design(GOOD)
    assert [r.slo for r in results] == list(SLOS) and all(r.met for r in results), results


# each SLO, with a design that misses exactly it (one broken variant per property)
@pytest.mark.parametrize("design, missed", [
    (Design(5, 2, 3, frozenset({"anti-entropy"})), "no stale read"),     # R + W = N
    (Design(5, 1, 5, frozenset({"anti-entropy"})), "one down"),          # write-all
    (Design(5, 4, 2, frozenset({"anti-entropy"})), "partition"),         # R = 4 > N - 2
    (Design(5, 3, 3, frozenset({"hinted handoff"})), "convergence"),     # hints die with their coordinator
    (Design(5, 3, 3, frozenset({"read repair"})), "convergence"),        # nobody reads
])
def test_a_design_that_misses_an_slo_is_caught_by_its_run(design, missed):
    failed = [r.slo for r in check_design(design) if not r.met]
    assert failed[0] == missed, failed


def test_waiting_for_the_far_replica_breaks_the_latency_slo():
    result = check_design(Design(5, 1, 5, frozenset()), ["latency"])[0]
    assert not result.met and "p99 write" in result.evidence


def test_no_design_with_fewer_than_five_replicas_meets_every_slo():
    assert cheapest(below=5) is None
    found = cheapest()
    assert found is not None and found.n == 5


def test_a_design_is_read_from_a_dict_and_checked():
    d = design_from({"N": 5, "R": 3, "W": 3, "repair": "anti-entropy"})
    assert d == GOOD and d.describe() == "N=5, R=3, W=3, anti-entropy"
    assert design_from({"N": 3, "R": 1, "W": 1, "repair": set(REPAIRS)}).options()["anti_entropy_every"] == 200.0
    for bad, match in [({"N": 5, "R": 3, "W": 3}, "exactly the keys"),
                       ({"N": 2, "R": 1, "W": 1, "repair": ()}, "N must be"),
                       ({"N": 5, "R": 6, "W": 1, "repair": ()}, "R and W"),
                       ({"N": 5, "R": 3, "W": 3, "repair": {"gossip"}}, "the mechanisms are")]:
        with pytest.raises(ConfigError, match=match):
            design_from(bad)


def test_the_design_table_shows_every_slo_with_its_evidence():
    table = design_table(GOOD)
    assert list(table["SLO"]) == list(SLOS) and table["met"].all()
    with pytest.raises(ConfigError, match="unknown SLO"):
        check_design(GOOD, ["throughput"])
