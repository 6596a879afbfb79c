"""The ``commit`` campaign: 2PC safe, its classic bugs and 3PC caught, shrunk and replayed."""

import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.sim.fuzz import campaigns
from dsworkbook.transactions.commit_campaign import (COMMIT_VARIANTS, commit_run, commit_schedule,
                                                     commit_violation, fuzz_commit)


def test_two_pc_has_no_violation_and_makes_progress():
    report = fuzz_commit(range(100), variant="2pc")
    assert report.line("commit") == ("commit: 100 seeds, 0 violations, 95/100 made progress, "
                                      "first failing seed -, shrunk to - faults")


# each classic bug, and 3PC under partitions, is caught on a few seeds and shrunk to a replayable schedule
@pytest.mark.parametrize("variant, seeds", [("no-wal", 10), ("vote-before-persist", 40),
                                            ("presumed-commit-on-timeout", 10), ("3pc", 40)])
def test_broken_variants_are_caught_and_shrunk(variant, seeds):
    report = fuzz_commit(range(seeds), variant=variant)
    first = report.first
    assert first is not None and first.shrunk is not None
    assert len(first.shrunk.schedule) <= 10
    assert commit_violation(commit_run(first.seed, first.shrunk.schedule, variant=variant)) is not None
    assert report.line("commit").startswith(f"commit: {seeds} seeds, {len(report.violations)} violations")


def test_three_pc_is_safe_under_crashes_alone():
    assert fuzz_commit(range(60), variant="3pc", mix="crash").violations == []


def test_registered_with_its_variants():
    camp = campaigns()["commit"]
    assert camp.variants == tuple(COMMIT_VARIANTS) and camp.variants[0] == "correct"
    assert camp.aliases == {"2pc": "correct"}
    report = camp.run([0, 1, 2], variant="no_wal", processes=2, shrink_first=False, max_shrink_runs=10,
                      on_seed=None, options={"mix": "own"})
    assert report.seeds == 3


def test_unknown_variant_and_mix():
    with pytest.raises(ConfigError, match="unknown commit variant"):
        fuzz_commit([0], variant="4pc")
    with pytest.raises(ConfigError, match="unknown fault mix"):
        commit_schedule(0, mix="meteor")


def test_same_seed_same_report():
    a, b = fuzz_commit(range(30), variant="no-wal"), fuzz_commit(range(30), variant="no-wal")
    assert a.line("x") == b.line("x") and a.first.shrunk.schedule == b.first.shrunk.schedule
