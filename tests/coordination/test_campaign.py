"""The coordination campaign: always-properties on every seed, and every broken variant caught."""

from __future__ import annotations

import re

import pytest

from dsworkbook.coordination.campaign import (VARIANTS, coordination_invariant, coordination_run,
                                              coordination_schedule, fuzz_coordination)
from dsworkbook.errors import ConfigError
from dsworkbook.sim.fuzz import campaigns

LINE = re.compile(r"^coordination: \d+ seeds, \d+ violations, \d+/\d+ made progress, first failing seed (-|\d+), "
                  r"shrunk to (-|\d+) faults$")


def test_always_the_correct_service_and_recipe_keep_every_property_and_usually_finish():
    report = fuzz_coordination(60)
    assert report.violations == [], report.first.describe()
    assert report.progress >= 50
    assert LINE.match(report.line("coordination"))


@pytest.mark.parametrize("variant, seeds, property_", [
    ("herd", 5, "no herd"),
    ("watch-twice", 5, "one-shot watches"),
    ("seq-reuse", 20, "sequence numbers"),
    ("keep-ephemerals", 20, "ephemerals"),
    ("trust-watch", 40, "mutual exclusion"),
])
def test_the_campaign_catches_each_broken_variant_and_shrinks_it(variant, seeds, property_):
    report = fuzz_coordination(seeds, variant=variant, max_shrink_runs=120)
    assert report.violations, f"{variant} was not caught on {seeds} seeds"
    first = report.first
    assert first.message.startswith(property_)
    assert first.shrunk is not None and len(first.shrunk.schedule) <= 10
    replay = coordination_invariant(coordination_run(first.seed, first.shrunk.schedule, variant=variant))
    assert replay is not None
    assert LINE.match(report.line("coordination"))


def test_the_campaign_is_registered_with_every_variant():
    campaign = campaigns()["coordination"]
    assert campaign.variants == tuple(VARIANTS) and campaign.variants[0] == "correct"


def test_same_seed_same_run():
    a = coordination_run(7, coordination_schedule(7))
    b = coordination_run(7, coordination_schedule(7))
    assert a.trace.digest() == b.trace.digest()


def test_bad_campaign_arguments_are_config_errors():
    with pytest.raises(ConfigError, match="unknown coordination variant"):
        fuzz_coordination(1, variant="nope")
    with pytest.raises(ConfigError, match="faults"):
        coordination_schedule(0, faults=-1)
