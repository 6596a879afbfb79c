"""The transactional outbox on sqlite3 under seeded crashes, and the broken variants it must catch."""

from __future__ import annotations

import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.transactions.outbox import CrashAt, outbox_campaign, outbox_sweep, run_outbox


def test_the_outbox_never_loses_and_the_idempotent_consumer_absorbs_every_duplicate():
    df = outbox_sweep(range(40))
    # always: nothing lost, no phantom, nothing applied twice
    assert (df[["lost", "phantom", "double_applied"]] == 0).all().all()
    # sometimes: crashes did happen and did produce duplicates that the dedup table absorbed
    assert df["crashes"].sum() > 40 and df["duplicates_absorbed"].sum() > 0
    assert (df["published"] >= df["committed"]).all()


def test_a_crash_between_publish_and_mark_is_a_duplicate_the_consumer_absorbs():
    run = run_outbox(3, crashes=[CrashAt("relay.after_publish", 1)])
    assert run.ok and run.duplicates_absorbed == 1 and run.published == run.committed + 1


def test_a_crash_between_the_business_write_and_the_outbox_row_commits_neither():
    run = run_outbox(3, crashes=[CrashAt("producer.after_business_write", 2)])
    assert run.ok and run.published == run.committed


# -- each broken variant is caught by the same checks ------------------------------------------
@pytest.mark.parametrize("variant, check", [
    ("dual_write_commit_then_publish", "lost"),
    ("dual_write_publish_then_commit", "phantom"),
    ("relay_marks_first", "lost"),
    ("consumer_not_idempotent", "double applied"),
])
def test_the_campaign_catches_each_broken_variant(variant, check):
    campaign = outbox_campaign(variant, range(15))
    assert campaign.failing, campaign.line
    assert check in campaign.first_message
    assert campaign.shrunk is not None and len(campaign.shrunk) <= 10
    replay = run_outbox(campaign.failing[0], variant=variant, crashes=campaign.shrunk, strict=False)
    assert not replay.ok                                    # the shrunk crash list replays the failure
    assert campaign.line.startswith(f"outbox[{variant}]: 15 seeds, ")


def test_dual_write_loses_exactly_the_message_of_the_crashed_commit():
    run = run_outbox(0, variant="dual_write_commit_then_publish", crashes=[CrashAt("producer.after_commit", 2)])
    assert run.lost == 1 and run.phantom == 0


def test_the_correct_outbox_campaign_line():
    assert outbox_campaign("outbox", range(20)).line == \
        "outbox[outbox]: 20 seeds, 0 violations, 20/20 made progress, first failing seed -, shrunk to - faults"


def test_same_seed_same_run():
    assert run_outbox(7).row() == run_outbox(7).row()


@pytest.mark.parametrize("kwargs, match", [
    (dict(variant="nope"), "unknown outbox variant"),
    (dict(crashes=[CrashAt("relay.after_mark", 1)]), "not a step of variant"),
    (dict(crashes=[CrashAt("relay.after_publish", 0)]), "occurrence counts visits from 1"),
    (dict(crashes=[CrashAt("relay.after_publish", 999)]), "lies outside the run"),
    (dict(orders=0), "orders must be"),
    (dict(crash_rate=1.5), "crash_rate"),
])
def test_bad_input_is_a_config_error(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        run_outbox(1, **kwargs)
