"""The ``locks`` campaign: fenced locks never let a stale write through; each broken variant is caught and shrunk."""

from __future__ import annotations

import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.locks.campaign import LOCK_VARIANTS, fuzz_locks, locks_run, locks_schedule, locks_violation
from dsworkbook.sim.fuzz import campaigns


def test_importing_the_package_registers_the_campaign_with_correct_first():
    import dsworkbook.locks  # noqa: F401

    camp = campaigns()["locks"]
    assert camp.variants == tuple(LOCK_VARIANTS) and camp.variants[0] == "correct"


@pytest.mark.slow
def test_fenced_locks_accept_no_stale_write_on_100_seeds_and_nearly_all_make_progress():
    report = fuzz_locks(range(100), variant="fenced", processes=2)
    assert report.violations == [], report.first.describe()
    assert report.progress >= 95


def test_plain_redlock_is_safe_when_only_servers_crash_so_the_bug_variants_are_caught_for_their_bug():
    report = fuzz_locks(range(40), variant="unfenced", mix="benign")
    assert report.violations == [] and report.progress == 40


@pytest.mark.parametrize("variant,servers,max_faults", [
    ("unfenced", 5, 10),          # Kleppmann's failures: pauses, clock jumps, slow links
    ("unfenced", 1, 10),
    ("no_owner_check", 5, 0),     # a failed attempt's clean-up deletes the winner's keys
    ("auto_release", 5, 0),       # an old timer frees the client's newer lock
    ("loose_majority", 5, 0),     # two disjoint "majorities" of two
])
def test_each_broken_variant_is_caught_shrunk_and_replays(variant, servers, max_faults):
    report = fuzz_locks(range(30), variant=variant, servers=servers, max_shrink_runs=150)
    first = report.first
    assert first is not None, f"{variant} was not caught"
    assert first.shrunk is not None and len(first.shrunk.schedule) <= max_faults
    replay = locks_run(first.seed, first.shrunk.schedule, variant=variant, servers=servers)
    assert locks_violation(replay) is not None


def test_the_same_seed_gives_the_same_trace():
    sched = locks_schedule(7)
    a = locks_run(7, sched, trace=True)
    b = locks_run(7, sched, trace=True)
    assert a.trace.digest() == b.trace.digest() and len(a.trace) > 100


def test_variant_names_take_the_command_line_spellings_and_bad_ones_say_what_to_pass():
    assert fuzz_locks([1], variant="no-owner-check").seeds == 1
    with pytest.raises(ConfigError, match="unknown locks variant"):
        fuzz_locks([1], variant="nope")
    with pytest.raises(ConfigError, match="servers must be an int >= 1"):
        fuzz_locks([1], servers=0)
    with pytest.raises(ConfigError, match="loose_majority needs several lock servers"):
        fuzz_locks([1], variant="loose_majority", servers=1)
