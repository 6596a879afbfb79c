"""The decision drill widget, headless: pick, choose, check; errors shown; a check is fast."""

from __future__ import annotations

import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.interview.decisions import OPTIONS, decide, facts_of
from dsworkbook.widgets.interview import DecisionDrill, decision_drill


def test_a_right_answer_checks_all_right():
    drill = decision_drill("usernames", **decide(facts_of("usernames")), check=True)
    assert drill.error is None and drill.verdict_text == "unique usernames: 7 of 7 right (wrong: none)"
    assert set(drill.result.table["verdict"]) == {"right"}


def test_a_wrong_choice_is_named_with_its_reason_and_link():
    drill = decision_drill("seat-booking", **dict(decide(facts_of("seat-booking")), transaction="single-key"))
    drill.run()
    assert drill.verdict_text.endswith("6 of 7 right (wrong: transaction)")
    row = drill.result.table.set_index("dimension").loc["transaction"]
    assert row["verdict"] == "wrong" and row["accepted"] == "outbox"
    assert row["link"] == "notebooks/13_transactions.ipynb#7 · The transactional outbox on sqlite3 (X04)"


def test_the_story_follows_the_requirement_and_the_button_says_check():
    drill = DecisionDrill()
    drill.set(requirement="flash-sale")
    assert "10,000 units" in drill.story.value and drill.run_button.description == "Check"
    drill.run()
    assert drill.run_button.description == "Check" and drill.runs == 1


def test_every_dimension_has_a_dropdown_with_its_options():
    drill = DecisionDrill()
    assert {k: tuple(w.options) for k, w in drill.controls.items() if k != "requirement"} == OPTIONS


def test_unknown_values_are_config_errors():
    drill = DecisionDrill()
    with pytest.raises(ConfigError, match="cap must be one of"):
        drill.set(cap="CA")
    with pytest.raises(ConfigError, match="requirement must be one of"):
        decision_drill("no-such-requirement")
    with pytest.raises(ConfigError, match="unknown control"):
        decision_drill(colour="blue")
