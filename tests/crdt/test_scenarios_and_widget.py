"""The shopping cart (R01) run, not asserted by hand: LWW loses an item, a union resurrects one, the
OR-Set gets both right; and the conflict playground, driven headless."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from dsworkbook.crdt.scenarios import CART_OPS, parse_ops, run_scenario, shopping_cart  # noqa: E402
from dsworkbook.errors import ConfigError  # noqa: E402
from dsworkbook.widgets import ConflictPlayground, conflict_playground  # noqa: E402

PNG = b"\x89PNG"


def test_the_cart_lww_loses_coffee_the_union_resurrects_eggs_the_orset_is_right():
    r = shopping_cart(seed=1)
    assert r.intended == {"bread", "coffee", "milk"}
    assert r.read("LWW") == {"bread", "milk"} and r.verdicts["LWW"] == "lost {coffee}"
    assert r.read("MV") == {"bread", "coffee", "eggs", "milk"} and r.verdicts["MV"] == "resurrected {eggs}"
    assert r.siblings["MV"] == 2
    assert r.read("CRDT") == r.intended and r.verdicts["CRDT"].endswith("as intended")


def test_the_cart_replicas_disagreed_during_the_partition():
    r = shopping_cart(seed=1)
    assert r.during["CRDT"]["A"] == {"coffee", "eggs", "milk"} and r.during["CRDT"]["B"] == {"bread", "milk"}


def test_with_b_s_clock_behind_lww_keeps_a_s_cart_instead():
    r = shopping_cart(seed=1, skew=-100)
    assert r.read("LWW") == {"coffee", "eggs", "milk"}  # B's later writes carry earlier stamps
    assert r.read("CRDT") == r.intended


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_the_cart_outcome_does_not_depend_on_the_seed(seed):
    assert shopping_cart(seed=seed).verdict == shopping_cart(seed=1).verdict


def test_the_counter_pncounter_adds_up_both_sides():
    r = run_scenario("counter", {"A": "+5", "B": "-2", "C": "+1"})
    assert r.intended == 14 and r.read("CRDT") == 14 and r.read("LWW") != 14


def test_without_healing_the_replicas_disagree_and_the_verdict_says_so():
    r = run_scenario("cart", CART_OPS, heal=False)
    assert all(v.startswith("the replicas disagree") for v in r.verdicts.values())


@pytest.mark.parametrize("scenario, text, message", [
    ("cart", "coffee", "cannot read the operation 'coffee'"),
    ("counter", "+x", "like '\\+2, -1'"),
    ("counter", "+0", "cannot read"),
])
def test_bad_operations_are_clear_errors(scenario, text, message):
    with pytest.raises(ConfigError, match=message):
        parse_ops(scenario, text)


def test_unknown_scenario_partition_and_replica_are_clear_errors():
    with pytest.raises(ConfigError, match="scenario must be one of"):
        run_scenario("queue")
    with pytest.raises(ConfigError, match="partition must be one of"):
        run_scenario("cart", partition="A|B")
    with pytest.raises(ConfigError, match="unknown replicas"):
        run_scenario("cart", {"D": "+x"})


# -- the widget -------------------------------------------------------------------------------------

def test_the_playground_runs_at_once_and_shows_three_panels_and_the_seed():
    p = conflict_playground()
    assert isinstance(p, ConflictPlayground) and p.error is None and p.runs == 1
    assert p.verdict_text.startswith("seed: 1 — LWW: lost {coffee}; MV: resurrected {eggs}")
    assert len(p.fig.axes) == 3 and bytes(p.diagram.value).startswith(PNG)
    assert list(p.result.table["strategy"].unique()) == ["LWW", "MV", "CRDT"]


def test_changing_a_control_reruns_once_and_redraws_the_same_figure():
    p = conflict_playground()
    fig, before = p.fig, bytes(p.diagram.value)
    p.set(ops_A="+coffee, +tea")
    assert p.runs == 2 and p.fig is fig and bytes(p.diagram.value) != before
    assert "tea" in p.result.data["scenario"].verdicts["LWW"]


def test_switching_the_object_loads_its_example_operations():
    p = conflict_playground()
    p.set(scenario="counter")
    assert p.values["ops_A"] == "+5" and p.error is None and "14 as intended" in p.verdict_text
    p.controls["scenario"].value = "cart"  # as from the dropdown: one rerun with the cart's operations
    assert p.values["ops_B"] == "-eggs, +bread" and p.runs == 3 and p.error is None


def test_a_bad_operation_is_shown_in_the_verdict_not_raised():
    p = conflict_playground()
    p.set(ops_B="eggs")
    assert p.result is None and isinstance(p.error, ConfigError) and "cannot read" in p.verdict_text
