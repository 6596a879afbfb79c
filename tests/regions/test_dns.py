"""Health checks and DNS failover on the simulator (dsworkbook.regions.dns).

Always: every affected client recovers within interval * threshold + ttl + period + R, on every
row of a sweep. Sometimes: the bound is approached (some row reaches 80% of it), errors happen,
traffic moves to another region. A resolver that ignores its TTL is proven caught by the always check.
"""

from __future__ import annotations

import math

import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.regions import dns
from dsworkbook.regions.dns import DnsFailoverConfig, dns_failover_run, dns_failover_sweep, recovery_bound

SWEEP = dict(intervals=(100.0, 400.0), thresholds=(1, 3), ttls=(100.0, 1000.0))


@pytest.fixture(scope="module")
def sweep():
    return dns_failover_sweep(**SWEEP, seed=1)


def test_always_recovery_is_within_the_bound_on_every_row(sweep):
    assert len(sweep) == 8
    assert (sweep["recovery"] <= sweep["bound"]).all(), sweep


def test_sometimes_the_bound_is_approached_and_every_row_saw_errors(sweep):
    assert sweep["ratio"].max() >= 0.8, sweep
    assert (sweep["errors"] > 0).all()


def test_detection_takes_at_most_interval_times_threshold_plus_a_round_trip(sweep):
    cfg = DnsFailoverConfig()
    rtt = cfg.world().rtt(cfg.dns_region, cfg.fail) * 1.05
    assert ((sweep["detect"] > 0) & (sweep["detect"] <= sweep["interval"] * sweep["threshold"] + rtt)).all()


def test_a_longer_ttl_or_slower_detection_never_recovers_sooner_here(sweep):
    by = sweep.set_index(["interval", "threshold", "ttl"])["recovery"]
    assert by[(100.0, 1, 1000.0)] > by[(100.0, 1, 100.0)]
    assert by[(400.0, 3, 100.0)] > by[(100.0, 1, 100.0)]


def test_only_clients_routed_to_the_failed_region_see_errors_and_they_end_elsewhere():
    run = dns_failover_run(seed=2)
    table = run.client_table()
    assert set(table[table["errors"] > 0]["location"]) == {"dublin"}
    assert (table["region"] != "eu-west-1").all()
    assert (table[table["errors"] > 0]["recovery"] > 0).all()
    assert run.last_error > 0 and run.errors == table["errors"].sum()


def test_traffic_moves_from_the_failed_region_to_the_next_nearest():
    run = dns_failover_run(seed=2)
    traffic = run.traffic(500.0)
    before, after = traffic.loc[1000.0], traffic.loc[traffic.index.max() - 500.0]
    assert before["eu-west-1"] > 0 and after["eu-west-1"] == 0
    assert after["eu-central-1"] > before["eu-central-1"]


def test_the_same_seed_gives_the_same_run_and_another_seed_another():
    a, b, c = dns_failover_run(seed=5), dns_failover_run(seed=5), dns_failover_run(seed=6)
    assert a.requests == b.requests and a.clients == b.clients
    assert a.requests != c.requests


def test_every_policy_runs_and_failover_moves_to_the_secondary():
    for policy in ("latency", "geolocation", "weighted"):
        assert dns_failover_run(seed=1, policy=policy).recovery <= dns_failover_run(seed=1, policy=policy).bound
    run = dns_failover_run(seed=1, policy="failover", fail="us-east-1", dns_region="eu-west-1")
    assert run.errors > 0 and {c["region"] for c in run.clients} == {"us-west-2"}


def test_a_resolver_that_ignores_its_ttl_is_caught_by_the_bound(monkeypatch):
    class Sticky(dns.DnsClient):  # caches its first answer for ever: the broken variant
        def on_message(self, src, msg):
            super().on_message(src, msg)
            if type(msg) is dns.Answer:
                self.expires = math.inf

    monkeypatch.setattr(dns, "DnsClient", Sticky)
    run = dns_failover_run(seed=1)
    assert run.recovery > run.bound


def test_the_bound_adds_its_terms():
    cfg = DnsFailoverConfig(interval=100.0, threshold=2, ttl=300.0, period=50.0)
    w = cfg.world()
    plain = recovery_bound(cfg, "dublin", "eu-central-1", w)
    assert recovery_bound(DnsFailoverConfig(interval=100.0, threshold=2, ttl=400.0, period=50.0), "dublin",
                          "eu-central-1") == pytest.approx(plain + 100)
    assert plain > 100 * 2 + 300 + 50


@pytest.mark.parametrize("changes, match", [
    (dict(ttl=0), "ttl must be > 0"), (dict(ttl=-5), "ttl must be > 0"),
    (dict(interval=0), "interval"), (dict(threshold=0), "threshold"), (dict(threshold=1.5), "threshold"),
    (dict(period=-1), "period"), (dict(policy="random"), "unknown routing policy"),
    (dict(fail="sa-east-1"), "must be among the regions"), (dict(locations=()), "at least one client"),
    (dict(locations=("sydney",)), "not homed"),
])
def test_bad_configuration_is_a_config_error(changes, match):
    with pytest.raises(ConfigError, match=match):
        dns_failover_run(**changes)
