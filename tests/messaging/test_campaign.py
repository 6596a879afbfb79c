"""The ``queue`` campaign: the correct system clean, every broken variant caught, shrunk and replayed."""

import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.messaging.campaign import (QUEUE_VARIANTS, delivery_table, fuzz_queue, queue_run, queue_schedule,
                                           variant_settings)
from dsworkbook.messaging.delivery import delivery_violation
from dsworkbook.messaging.replication import CONTROLLER
from dsworkbook.sim.fuzz import campaigns

SEEDS = range(40)


def test_correct_system_is_clean_and_makes_progress():
    report = fuzz_queue(SEEDS)
    assert report.violations == []
    assert report.progress == report.seeds == 40
    assert report.line("queue") == ("queue: 40 seeds, 0 violations, 40/40 made progress, first failing seed -, "
                                    "shrunk to - faults")


def test_the_schedules_really_fail_over_and_retry():
    failovers = retries = 0
    for seed in range(20):
        sim = queue_run(seed, queue_schedule(seed))
        failovers += sim.node(CONTROLLER).epoch > 1
        retries += sim.node("p").attempts > len(sim.node("p").acked)
    assert failovers >= 3 and retries >= 3


@pytest.mark.parametrize("variant, what", [("at-most-once", "lost"), ("at-least-once", "duplicated"),
                                           ("volatile-dedup", "duplicated"), ("offset-only", "duplicated"),
                                           ("acks1", "lost")])
def test_each_broken_variant_is_caught_shrunk_and_replays(variant, what):
    report = fuzz_queue(range(60), variant=variant, max_shrink_runs=150)
    first = report.first
    assert first is not None and what in first.message
    assert 1 <= len(first.shrunk.schedule) <= 10
    replay = queue_run(first.seed, first.shrunk.schedule, variant=variant)
    assert delivery_violation(replay) is not None


def test_same_seed_same_trace():
    def records(seed):
        sim = queue_run(seed, queue_schedule(seed), variant="at-least-once", trace=True)
        return list(sim.trace.records)
    assert records(6) == records(6)


def test_the_campaign_is_registered_with_the_guarantees_as_variants():
    camp = campaigns()["queue"]
    assert camp.variants == tuple(QUEUE_VARIANTS) and camp.variants[0] == "correct"
    assert {"at-most-once", "at-least-once"} <= set(camp.variants)
    assert camp.aliases == {"effectively-once": "correct"} and camp.parallel
    with pytest.raises(ConfigError, match="unknown queue variant"):
        variant_settings("exactly-once")


def test_processes_give_the_same_verdict():
    one = fuzz_queue(range(16), variant="at-most-once", shrink_first=False)
    two = fuzz_queue(range(16), variant="at-most-once", processes=2, shrink_first=False)
    assert [v.seed for v in one.violations] == [v.seed for v in two.violations]


def test_delivery_table_counts_losses_and_duplicates_per_mode():
    df = delivery_table(range(20)).set_index(["mode", "producer"])
    amo, alo, eo = (df.loc[(m, "idempotent")] for m in ("at-most-once", "at-least-once", "effectively-once"))
    assert amo["lost"] > 0 and amo["duplicated"] == 0
    assert alo["duplicated"] > 0 and alo["lost"] == 0
    assert eo["lost"] == 0 and eo["duplicated"] == 0
    assert df.loc[("at-least-once", "plain"), "duplicated"] > alo["duplicated"]  # retried produces add more
    assert df.loc[("effectively-once", "plain"), ["lost", "duplicated"]].sum() == 0
