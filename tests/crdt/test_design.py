"""An application's replicated state, one CRDT per field: every field judged on the simulator.

The table below is the design space of the trip planner (dsworkbook.crdt.design.TRIP): for each
field, the types that meet its requirement, and for a few that do not, the words of the verdict.
Every applicable type of the menu is run on every field, so a change in a type, the workload or
a requirement that moves a verdict shows up here.
"""

from __future__ import annotations

import pytest

from dsworkbook.crdt import design
from dsworkbook.crdt.design import HOLDS, MENU, TRIP, article, run_design, run_field
from dsworkbook.errors import ConfigError

FIELDS = {f.name: f for f in TRIP}

#: field -> the types that meet its requirement (every other applicable type must fail it).
MEETS = {
    "budget": {"PN-Counter"},
    "views": {"G-Counter", "PN-Counter"},
    "destination": {"MV-Register"},
    "cover_photo": {"LWW-Register"},
    "packing": {"OR-Set"},
    "members": {"G-Set", "2P-Set", "OR-Set", "OR-Set (tombstones)", "MV-Register"},
    "notes": {"RGA"},
}


@pytest.mark.parametrize("field, type_name", [(f.name, t) for f in TRIP for t in MENU if f.kind in HOLDS[t]])
def test_a_field_meets_its_requirement_exactly_with_the_types_that_keep_it(field, type_name):
    for seed, duplicate in ((1, 0.0), (2, 0.3)):
        result = run_field(FIELDS[field], type_name, seed, duplicate=duplicate)
        assert result.ok is (type_name in MEETS[field]), (field, type_name, seed, result.problem)


@pytest.mark.parametrize("field, type_name, words", [
    # a type that cannot make an operation fails on it, naming it
    ("budget", "G-Counter", "cannot count down: A subtracts 30"),
    ("packing", "G-Set", "cannot remove"),
    ("packing", "2P-Set", "cannot take an item back"),
    # a register keeps one of two concurrent writes
    ("budget", "LWW-Register", "lost"),
    ("destination", "LWW-Register", "the concurrent proposal {Porto} is invisible"),
    ("notes", "LWW-Register", "is gone"),
    # siblings shown where one value was asked for; a union that undoes a removal
    ("cover_photo", "MV-Register", "2 values"),
    ("packing", "MV-Register", "came back or never left: {passport}"),
    # the right items, but a tombstone per removal
    ("packing", "OR-Set (tombstones)", "stores 9 things"),
    # a type that cannot hold the field's kind
    ("notes", "OR-Set", "an OR-Set holds a set of items; notes is a text"),
])
def test_a_failed_requirement_says_what_the_phones_showed(field, type_name, words):
    result = run_field(FIELDS[field], type_name)
    assert not result.ok and words in result.problem


def test_the_concurrent_proposals_are_looked_at_after_the_heal_and_the_pick_replaces_them():
    result = run_field(FIELDS["destination"], "MV-Register")
    assert result.ok
    assert set(result.looked.values()) == {frozenset({"Porto", "Seville"})}
    assert set(result.shown.values()) == {frozenset({"Seville"})}


def test_the_same_design_and_seed_give_the_same_report():
    ref = {f.name: sorted(MEETS[f.name])[0] for f in TRIP}
    first, second = run_design(ref), run_design(ref)
    assert first.ok and [r.shown for r in first.results] == [r.shown for r in second.results]
    table = first.table()
    assert list(table["field"]) == [f.name for f in TRIP] and set(table["requirement"]) == {"met"}


def test_a_report_names_its_first_failed_field():
    report = run_design({**{f.name: sorted(MEETS[f.name])[0] for f in TRIP}, "views": "LWW-Register"})
    assert not report.ok and report.first_problem.field == "views"
    assert "NOT met" in report.table().set_index("field").loc["views", "requirement"]


@pytest.mark.parametrize("bad, words", [
    ({"budget": "PN-Counter"}, "exactly the keys"),
    ("PN-Counter", "exactly the keys"),
    ({f.name: "ORSet" for f in TRIP}, "unknown type name"),
])
def test_a_malformed_design_is_a_config_error_saying_how_to_fix_it(bad, words):
    with pytest.raises(ConfigError, match=words):
        design.check_design_form(bad)


def test_an_unknown_type_for_one_field_is_a_config_error():
    with pytest.raises(ConfigError, match="choose one of"):
        run_field(FIELDS["views"], "Counter")


@pytest.mark.parametrize("name, said", [("OR-Set", "an OR-Set"), ("G-Counter", "a G-Counter"),
                                        ("MV-Register", "an MV-Register"), ("RGA", "an RGA"), ("2P-Set", "a 2P-Set"),
                                        ("PN-Counter", "a PN-Counter"), ("LWW-Register", "an LWW-Register")])
def test_type_names_take_the_article_they_are_spoken_with(name, said):
    assert article(name) == said


@pytest.mark.parametrize("changes, words", [({"kind": "list"}, "kind must be one of"),
                                            ({"rule": "most"}, "rule must be one of"),
                                            ({"ops": {"D": [(20, ("add", 1))]}}, "unknown phones"),
                                            ({"look_at": 50.0}, "look_at")])
def test_a_field_described_wrongly_is_a_config_error(changes, words):
    with pytest.raises(ConfigError, match=words):
        design.Field(**{"name": "likes", "kind": "number", "initial": 0, "ops": {}, "requirement": "", **changes})
