"""The eight fallacies: every naive program breaks and every fixed one holds, measured, on several seeds."""

from __future__ import annotations

import pytest

from dsworkbook import fallacies as F
from dsworkbook.errors import ConfigError

SEEDS = range(6)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", list(F.EXPERIMENTS))
def test_naive_breaks_and_fixed_holds(name, seed):
    r = F.EXPERIMENTS[name](seed)
    assert r.naive_broke, r.summary()
    assert r.fixed_held, r.summary()


@pytest.mark.parametrize("name", list(F.EXPERIMENTS))
def test_result_reports_its_seed_explanation_and_figures(name):
    r = F.EXPERIMENTS[name](3)
    assert r.seed == 3 and r.fallacy == name and F.FALLACIES[r.number - 1] == name
    assert list(r.figures.index) == ["naive", "fixed"] and len(r.figures.columns) >= 3
    assert len(r.explanation) > 200 and "\n" not in r.explanation
    text = r.summary()
    assert name in text and "seed=3" in text and r.verdict in text
    assert repr(r).startswith(f"<FallacyResult {r.number} {name!r} seed=3: naive broke, fixed held")


@pytest.mark.parametrize("name", list(F.EXPERIMENTS))
def test_same_seed_same_figures(name):
    a, b = F.EXPERIMENTS[name](5), F.EXPERIMENTS[name](5)
    assert a.figures.equals(b.figures) and a.verdict == b.verdict


def test_run_all_returns_the_eight_in_deutschs_order():
    results = F.run_all(1)
    assert [r.fallacy for r in results] == list(F.FALLACIES) and [r.number for r in results] == list(range(1, 9))
    table = F.summary_table(results)
    assert table.shape == (8, 5) and table["naive broke"].all() and table["fixed held"].all()


# -- the verdicts follow the measurements: change the bar and they change ---------------------------------


def test_transport_cost_verdicts_follow_the_budget():
    assert not F.transport_cost_is_zero(0, budget_ms=10_000).naive_broke  # a generous budget: chatty is fine
    assert not F.transport_cost_is_zero(0, budget_ms=1).fixed_held  # an impossible budget: nothing holds


def test_homogeneous_verdicts_follow_the_slo():
    assert not F.network_is_homogeneous(0, slo_ms=10_000).naive_broke
    assert not F.network_is_homogeneous(0, slo_ms=1).fixed_held


# -- pieces of the experiments ---------------------------------------------------------------------------------


def test_hmac_rejects_a_tampered_transfer_and_accepts_the_signed_one():
    bank = F.Bank("bank", balances={"alice": 100, "bob": 0}, keys={"alice": b"k" * 32})
    bank.on_start()
    good = F.sign(b"k" * 32, F.Transfer("alice", "bob", 10, 1))
    tampered = F.Transfer("alice", "bob", 90, 2, mac=F.sign(b"k" * 32, F.Transfer("alice", "bob", 10, 2)).mac)
    assert bank.authentic(good) and not bank.authentic(tampered)


def test_flow_control_keeps_the_heartbeat_gap_near_the_beat_interval():
    r = F.bandwidth_is_infinite(0)
    naive, fixed = r.figures.loc["naive"], r.figures.loc["fixed"]
    assert naive["longest heartbeat gap ms"] > 100 > fixed["longest heartbeat gap ms"]
    assert naive["chunks delivered"] == fixed["chunks delivered"] == 100


def test_bad_seed_is_refused():
    with pytest.raises(ConfigError, match="seed must be an int"):
        F.network_is_reliable("zero")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="seed must be an int"):
        F.run_all(1.5)  # type: ignore[arg-type]


def test_dispatcher_refuses_an_unknown_check():
    with pytest.raises(ConfigError, match="check must be 'send' or 'reply'"):
        F.Dispatcher("lb", backends=["b1"], jobs=1, every=1, check="ping")
