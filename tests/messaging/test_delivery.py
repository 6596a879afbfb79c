"""The delivery-guarantee lab (Q13): a crash between the effect and the commit, per mode."""

import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.messaging.delivery import (CONSUMER, GROUP, SINK, delivery_progress, delivery_sim, effect_counts,
                                           delivery_violation)
from dsworkbook.messaging.replication import CONTROLLER


def _run_until(sim, cond, limit=200_000):
    for _ in range(limit):
        if cond():
            return
        assert sim.step(), "the run ended before the condition held"
    raise AssertionError("condition never held")


def _crash_and_finish(sim):
    sim.crash(CONSUMER)
    sim.run(until=sim.now + 50)
    sim.restart(CONSUMER)
    sim.run(until=sim.now + 1500)


def test_at_most_once_a_crash_after_the_commit_and_before_the_effect_loses_it():
    sim = delivery_sim(1, mode="at-most-once")
    _run_until(sim, lambda: sim.storage(CONTROLLER).get("offsets", {}).get(GROUP, 0) == 3)  # m2 committed, its effect not sent
    _crash_and_finish(sim)
    counts = effect_counts(sim)
    assert counts["lost"] == ["m2"] and counts["duplicated"] == []
    assert "lost" in delivery_violation(sim)


def test_at_least_once_a_crash_after_the_effect_and_before_the_commit_duplicates_it():
    sim = delivery_sim(1, mode="at-least-once")
    _run_until(sim, lambda: len(sim.storage(SINK).get("effects", ())) == 3)  # m2 applied, its commit not sent
    _crash_and_finish(sim)
    counts = effect_counts(sim)
    assert counts["duplicated"] == ["m2"] and counts["lost"] == []


@pytest.mark.parametrize("mode", ["effectively-once", "offset-only"])
def test_effect_and_offset_in_one_transaction_neither_loses_nor_duplicates(mode):
    sim = delivery_sim(1, mode=mode)
    _run_until(sim, lambda: len(sim.storage(SINK).get("effects", ())) == 3)
    _crash_and_finish(sim)
    assert delivery_violation(sim) is None and delivery_progress(sim)


def test_a_dedup_table_in_consumer_memory_is_forgotten_by_a_crash():
    sim = delivery_sim(1, mode="volatile-dedup")
    _run_until(sim, lambda: len(sim.storage(SINK).get("effects", ())) == 3)
    _crash_and_finish(sim)
    assert effect_counts(sim)["duplicated"] == ["m2"]


def test_without_faults_every_mode_applies_every_record_once():
    for mode in ("at-most-once", "at-least-once", "effectively-once", "volatile-dedup", "offset-only"):
        sim = delivery_sim(2, mode=mode)
        sim.run(until=1500)
        assert delivery_violation(sim) is None and delivery_progress(sim), mode


def test_bad_lab_input_is_refused():
    with pytest.raises(ConfigError, match="unknown delivery mode"):
        delivery_sim(1, mode="exactly-once")
    with pytest.raises(ConfigError, match="above the replication factor"):
        delivery_sim(1, brokers=1, min_insync=2)
