"""The decision drill's rules, catalog and grader (I01): one test per rule of the checklist.

Arrange a requirement's facts, act (rules / grade), check the accepted options, the verdicts and
the links. Every link must resolve to a real heading of a real notebook.
"""

from __future__ import annotations

import itertools

import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.interview import decisions as d
from dsworkbook.interview.links import check_link
from dsworkbook.interview.requirements import REQUIREMENTS

ALL_FACTS = [dict(zip(d.FACTS, values)) for values in itertools.product(*d.FACTS.values())]


def base(**changes):
    facts = {"one_truth": False, "same_order": False, "causal": False, "own_writes": False, "merge": False,
             "access": "point", "hot_key": False, "single_actor": False, "events": "none", "scope": "key"}
    facts.update(changes)
    return facts


# -- the catalog ---------------------------------------------------------------------------------------------

def test_the_catalog_has_at_least_twenty_requirements_with_unique_ids():
    ids = [r.id for r in REQUIREMENTS]
    assert len(ids) >= 20 and len(set(ids)) == len(ids)


def test_the_catalog_names_the_issues_examples():
    titles = {r.title for r in REQUIREMENTS}
    assert {"a global like counter", "a payment ledger", "a seat-booking service", "a feature-flag store",
            "an order pipeline across three services"} <= titles


def test_every_requirement_has_valid_facts_and_a_story():
    for r in REQUIREMENTS:
        assert d.check_facts(r.facts) == r.facts and len(r.story) > 80


def test_some_requirements_accept_more_than_one_option_and_every_option_is_used_somewhere():
    used = {dim: set() for dim in d.OPTIONS}
    several = 0
    for r in REQUIREMENTS:
        for dim, opts in d.accepted(r.facts).items():
            used[dim] |= set(opts)
            several += len(opts) > 1
    assert several >= 20
    never = {dim: set(d.OPTIONS[dim]) - used[dim] for dim in d.OPTIONS}
    # PA/EC is an option a learner may pick, but no requirement of the catalog wants it
    assert never == {dim: set() for dim in d.OPTIONS} | {"cap": {"PA/EC"}}


@pytest.mark.parametrize("rid, expected", [
    # golden answers, written by hand: the rules must reproduce them
    ("like-counter", {"consistency": ("eventual",), "coordination": ("crdt-merge",), "partitioning": ("hash",)}),
    ("payment-ledger", {"consistency": ("linearizable",), "cap": ("PC/EC",), "transaction": ("2pc",)}),
    ("seat-booking", {"coordination": ("conditional-write",), "delivery": ("effectively-once",),
                      "transaction": ("outbox",)}),
    ("feature-flags", {"consistency": ("sequential",), "cap": ("PC/EC", "PC/EL"), "partitioning": ("none",)}),
    ("order-pipeline", {"transaction": ("saga",), "delivery": ("effectively-once",)}),
    ("flash-sale", {"partitioning": ("hash-with-salting",)}),
    ("billing-job", {"coordination": ("fenced-lock", "leader-election"), "transaction": ("local-acid",)}),
    ("device-metrics", {"partitioning": ("range",), "delivery": ("at-most-once", "at-least-once")}),
    ("collab-editor", {"consistency": ("causal",), "replication": ("multi-leader", "leaderless")}),
])
def test_golden_requirements(rid, expected):
    got = d.accepted(d.facts_of(rid))
    assert {dim: got[dim] for dim in expected} == expected


# -- the rules, one per sentence of the module doc -----------------------------------------------------------

@pytest.mark.parametrize("facts, option", [
    (base(one_truth=True, same_order=True, causal=True, own_writes=True), "linearizable"),  # invariant first
    (base(same_order=True, causal=True, own_writes=True), "sequential"),                    # then an order
    (base(causal=True, own_writes=True), "causal"),                                         # then causality
    (base(own_writes=True), "read-your-writes"),                                            # then a session
    (base(), "eventual"),
])
def test_consistency_follows_the_precedence(facts, option):
    assert d.accepted(facts)["consistency"] == (option,)


def test_a_single_actor_beats_an_invariant_for_coordination():
    assert d.accepted(base(one_truth=True, single_actor=True))["coordination"] == ("fenced-lock", "leader-election")
    assert d.accepted(base(one_truth=True, merge=True))["coordination"] == ("conditional-write",)


def test_a_hot_key_matters_only_for_point_access():
    assert d.accepted(base(hot_key=True))["partitioning"] == ("hash-with-salting",)
    assert d.accepted(base(hot_key=True, access="range"))["partitioning"] == ("range",)
    assert d.accepted(base(hot_key=True, access="none"))["partitioning"] == ("none",)


def test_always_every_fact_set_gets_a_valid_nonempty_rule_and_decide_picks_an_accepted_option():
    assert len(ALL_FACTS) == 2 ** 7 * 3 * 4 * 5
    for facts in ALL_FACTS:
        rules = d.rules(facts)
        choice = d.decide(facts)
        for dim, rule in rules.items():
            assert rule.accepted and set(rule.accepted) <= set(d.OPTIONS[dim]) and rule.reason
            assert choice[dim] == rule.accepted[0]


def test_every_link_resolves_to_a_real_notebook_heading():
    for url, experiment in d.LINKS.values():
        check_link(url)
        assert experiment


# -- grading -------------------------------------------------------------------------------------------------

def test_the_decided_choices_grade_all_right_and_a_wrong_one_says_what_it_costs():
    for r in REQUIREMENTS:
        assert all(v.right for v in d.grade(r.id, d.decide(r.facts)))
    choices = dict(d.decide(d.facts_of("usernames")), coordination="none")
    verdicts = {v.dimension: v for v in d.grade("usernames", choices)}
    bad = verdicts["coordination"]
    assert not bad.right and bad.accepted == ("conditional-write",)
    assert bad.reason.startswith("none: ") and "Instead:" in bad.reason
    assert bad.link.startswith("notebooks/02_cap_and_quorums.ipynb#")
    assert sum(v.right for v in verdicts.values()) == 6


def test_grade_table_has_one_row_per_dimension():
    table = d.grade_table("seat-booking", d.decide(d.facts_of("seat-booking")))
    assert list(table["dimension"]) == list(d.OPTIONS) and set(table["verdict"]) == {"right"}
    assert list(table.columns) == ["dimension", "choice", "verdict", "accepted", "reason", "link", "experiment"]


def test_a_requirement_object_or_a_facts_dict_grades_like_its_id():
    r = REQUIREMENTS[3]
    choices = d.decide(r.facts)
    assert d.grade(r, choices) == d.grade(r.id, choices) == d.grade(dict(r.facts), choices)


@pytest.mark.parametrize("call, message", [
    (lambda: d.grade("no-such-thing", d.decide(base())), "no requirement 'no-such-thing'"),
    (lambda: d.grade("usernames", dict(d.decide(base()), cap="CA")), "cap must be one of"),
    (lambda: d.grade("usernames", dict(d.decide(base()), colour="blue")), "unknown ['colour']"),
    (lambda: d.grade("usernames", {"cap": "PC/EC"}), "missing ['consistency'"),
    (lambda: d.grade("usernames", ["linearizable"]), "choices must be a dict"),
    (lambda: d.rules(base(access="diagonal")), "fact 'access' must be one of"),
    (lambda: d.rules(base(one_truth=1)), "fact 'one_truth' must be one of"),
    (lambda: d.rules({"one_truth": True}), "missing"),
    (lambda: d.requirement(7), "no requirement 7"),
    (lambda: check_link("notebooks/02_cap_and_quorums.ipynb#No such heading"), "has no heading"),
    (lambda: check_link("notebooks/99_nothing.ipynb#x"), "no notebook"),
    (lambda: check_link("02_cap_and_quorums.ipynb"), "is not a link"),
])
def test_config_errors_say_what_was_wrong(call, message):
    with pytest.raises(ConfigError, match=__import__("re").escape(message)):
        call()


def test_catalog_table_lists_every_requirement():
    table = d.catalog()
    assert len(table) == len(REQUIREMENTS) and list(table.columns)[2:] == list(d.OPTIONS)
