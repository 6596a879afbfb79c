"""The ``failover`` campaign: the correct system survives region failures, each broken variant is caught."""

from __future__ import annotations


import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.regions import failover_campaign as fc
from dsworkbook.sim.fuzz import campaigns


def test_the_campaign_is_registered_with_its_variants():
    camp = campaigns()["failover"]
    assert camp.variants == ("correct", "async", "no-fencing", "promote-any")
    assert "no acknowledged write lost" in camp.checks


def test_an_unknown_variant_is_a_clear_error():
    with pytest.raises(ConfigError, match="unknown failover variant"):
        fc.fuzz_failover([1], variant="raft")
    assert fc.failover_variant("no_fencing") == "no-fencing"


def test_a_schedule_is_data_drawn_from_the_seed():
    assert fc.failover_schedule(4) == fc.failover_schedule(4)
    assert all(f.at <= fc.FAULT_PHASE for f in fc.failover_schedule(4))


def test_the_correct_variant_keeps_every_property_and_fails_over_on_most_seeds():
    report = fc.fuzz_failover(range(40))
    assert not report.violations, report.first.describe() if report.first else ""  # always
    assert report.progress >= 25  # sometimes: a failover, then writes acknowledged in a later epoch


@pytest.mark.parametrize("variant, words", [
    ("async", "acknowledged writes are not in the final leader"),
    ("no-fencing", ""),
    ("promote-any", "acknowledged writes are not in the final leader"),
])
def test_each_broken_variant_is_caught_within_ten_seeds(variant, words):
    report = fc.fuzz_failover(range(10), variant=variant, max_shrink_runs=60)
    assert report.violations and words in report.first.message
    assert report.first.shrunk is not None and len(report.first.shrunk.schedule) <= len(report.first.schedule)
    line = report.line("failover")
    assert line.startswith("failover: 10 seeds, ") and f"first failing seed {report.first.seed}" in line


def test_without_fencing_two_writes_are_acknowledged_for_one_position():
    runs = [fc._measure(fc.failover_campaign_run(s, fc.failover_schedule(s), variant="no-fencing")) for s in range(10)]
    assert any(run.conflicts() for run in runs)
    assert not any(fc._measure(fc.failover_campaign_run(s, fc.failover_schedule(s))).conflicts() for s in range(10))
