"""The eight fallacies: every naive program breaks and every fixed one holds, measured, on several seeds."""

from __future__ import annotations

import pytest

from dsworkbook import fallacies as F
from dsworkbook.errors import ConfigError
from dsworkbook.reliability import CounterServer
from dsworkbook.sim import Request, Send, Simulation

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


def test_homogeneous_verdicts_follow_the_tunnel_mtu():
    assert not F.network_is_homogeneous(0, tunnel_mtu=1500).naive_broke  # every link alike: the naive writer is fine


def test_one_administrator_verdicts_follow_the_new_idle_timeout():
    assert not F.one_administrator(0, new_idle_timeout=120_000).naive_broke  # the settings still agree


# -- fallacy 6: two administrators' settings in conflict --------------------------------------------------------


def _firewall() -> F.Firewall:
    fw = F.Firewall("fw", client="app", server="server", idle_timeout=100.0)
    fw.on_start()
    return fw


def test_a_firewall_lets_a_new_connection_through_and_remembers_it():
    fw = _firewall()
    fw.on_message("app", F.Packet(1, Request(1, "incr", 1, "k"), opens=True))
    fw.on_message("app", F.Packet(1, Request(2, "incr", 1, "k2")))
    sends = [e for e in fw.take_effects() if isinstance(e, Send)]
    assert [e.dst for e in sends] == ["server", "server"] and fw.dropped == 0


def test_a_firewall_silently_drops_packets_of_a_connection_it_never_saw():
    fw = _firewall()
    fw.on_message("app", F.Packet(7, Request(1, "incr", 1, "k")))
    assert not [e for e in fw.take_effects() if isinstance(e, Send)] and fw.dropped == 1


def test_a_firewall_forgets_an_idle_connection_after_its_own_idle_timeout():
    sim = Simulation(seed=0, latency=1)  # only to move the firewall's clock on
    fw = sim.add_node("fw", F.Firewall, client="app", server="server", idle_timeout=50.0)
    sim.run(until=1)
    fw.on_message("app", F.Packet(1, Request(1, "incr", 1, "a"), opens=True))
    fw.take_effects()
    sim.run(until=60)  # 59 ms of silence > 50 ms
    fw.on_message("app", F.Packet(1, Request(2, "incr", 1, "b")))
    assert not [e for e in fw.take_effects() if isinstance(e, Send)] and fw.dropped == 1


def test_the_operator_changes_the_firewall_setting_at_its_time():
    sim = Simulation(seed=0, latency=1)
    sim.add_node("server", CounterServer)
    fw = sim.add_node("fw", F.Firewall, client="app", server="server", idle_timeout=300_000.0)
    sim.add_node("netops", F.Operator, changes=[(100.0, "fw", F.IdleTimeout(10_000.0))])
    sim.run(until=100.5)
    assert fw.idle_timeout == 300_000.0
    sim.run(until=102)
    assert fw.idle_timeout == 10_000.0 and sim.trace.notes("fw", "idle_timeout")


def test_after_the_change_the_naive_client_loses_its_requests_and_the_fixed_one_reconnects():
    r = F.one_administrator(2)
    naive, fixed = r.figures.loc["naive"], r.figures.loc["fixed"]
    assert naive["connections opened"] == 1 and naive["packets dropped by the firewall"] > 0
    assert fixed["connections opened"] > 1 and fixed["increments applied"] == fixed["ops"]


def test_a_firewall_refuses_a_bad_idle_timeout():
    with pytest.raises(ConfigError, match="idle_timeout must be a positive number"):
        F.Firewall("fw", client="a", server="b", idle_timeout=0)


# -- fallacy 8: mixed links --------------------------------------------------------------------------------------


def test_the_tunnel_drops_exactly_the_packets_bigger_than_its_mtu():
    gw = F.TunnelGateway("gw", inside="app", outside="r2", mtu=1400)
    gw.on_start()
    for size in (1400, 1401, 64):
        gw.on_message("app", F.Segment(0, 0, 1, size))
    assert [e.msg.size for e in gw.take_effects() if isinstance(e, Send)] == [1400, 64] and gw.dropped == 1


def test_the_fixed_writer_settles_on_a_packet_size_the_tunnel_carries_and_keeps_the_lan_size():
    r = F.network_is_homogeneous(1)
    naive, fixed = r.figures.loc["naive"], r.figures.loc["fixed"]
    assert naive["packet size to r2"] == 1500 and fixed["packet size to r2"] == 1280
    assert naive["r2 heartbeats answered"] > 0 and naive["r2 has"] < naive["records"] == naive["r1 has"]


def test_a_record_is_split_into_packets_of_at_most_the_packet_size():
    w = F.Replicator("app", routes={"r1": "r1"}, records=[3000], discover=False)
    w.on_start()
    segments = [e.msg for e in w.take_effects() if isinstance(e, Send) and isinstance(e.msg, F.Segment)]
    assert [s.size for s in segments] == [1500, 1500, 3000 - 2 * 1460 + F.HEADER]
    assert {(s.part, s.parts) for s in segments} == {(0, 3), (1, 3), (2, 3)}


def test_the_gateway_refuses_an_mtu_below_the_header():
    with pytest.raises(ConfigError, match="mtu must be an int"):
        F.TunnelGateway("gw", inside="a", outside="b", mtu=20)


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


