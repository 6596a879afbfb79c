"""Z04: heartbeat timeout and its false suspicions, phi-accrual, SWIM membership and its dissemination."""

import math

import pytest

from dsworkbook.coordination import detection as d
from dsworkbook.coordination import gossip as g
from dsworkbook.errors import ConfigError
from dsworkbook.sim import Constant, Uniform


# -- heartbeats and timeouts -----------------------------------------------------------------------------


def test_a_steady_live_node_is_never_suspected():
    sim = d.heartbeat_sim(1, latency=Uniform(5, 15))
    sim.run(until=10_000)
    got = d.suspicion(sim.node("m").arrivals, d.FixedTimeout(150), start=500, end=10_000)
    assert got["suspected_fraction"] == 0 and got["false_suspicions"] == 0


def test_a_crashed_node_is_suspected_one_timeout_after_its_last_heartbeat():
    sim = d.heartbeat_sim(1, latency=Constant(10))
    sim.at(5000, sim.crash, "p")
    sim.run(until=7000)
    got = d.suspicion(sim.node("m").arrivals, d.FixedTimeout(150), start=500, end=7000, crashed_at=5000)
    assert got["false_suspicions"] == 0
    assert 50 <= got["detection_ms"] <= 160  # last beat within one interval before the crash, + timeout


def test_false_suspicion_curve_rises_with_latency():
    curve = d.false_suspicion_curve(medians=(5, 20, 60), duration=20_000)
    assert list(curve.columns) == ["median_ms", "p99_ms", "mean_ms", "timeout_ms", "suspected_fraction",
                                   "false_suspicions"]
    fr = curve["suspected_fraction"].tolist()
    assert fr[0] == 0 and fr[2] > fr[1] and fr[2] > 0.001


def test_sender_clock_variant_suspects_a_live_node_whose_clock_is_behind():
    good, bad = (d.heartbeat_sim(1, latency=Uniform(5, 15), variant=v, sender_offset=-500)
                 for v in ("correct", "sender_clock"))
    for sim in (good, bad):
        sim.run(until=5000)
    assert d.suspicion(good.node("m").arrivals, d.FixedTimeout(150), start=500, end=5000)["suspected_fraction"] == 0
    # the bug: ages read on the sender's clock; checked against the monitor's clock the node is always late
    arrivals = bad.node("m").arrivals
    det = d.FixedTimeout(150)
    det.heartbeat(arrivals[-1])
    assert det.suspect(bad.node("m").now())


# -- phi accrual (Hayashibara et al. 2004) ------------------------------------------------------------------


def test_phi_grows_with_silence_and_is_zero_on_time():
    det = d.PhiAccrual(8)
    for k in range(50):
        det.heartbeat(k * 100.0 + (k % 3) * 5)
    last = det.last
    assert det.phi(last + 50) < 1 < det.phi(last + 130) < det.phi(last + 200)
    assert not det.suspect(last + det.onset() - 1) and det.suspect(last + det.onset() + 1)


def test_phi_onset_matches_the_normal_quantile():
    det = d.PhiAccrual(3, min_std=1)
    for t in (0, 100, 210, 300, 390, 500):
        det.heartbeat(t)
    mean, std = det.stats()
    assert math.isclose(det.phi(det.last + det.onset()), 3.0, rel_tol=1e-6)
    assert det.onset() > mean


def test_phi_without_a_std_floor_goes_infinite_on_the_slightest_jitter():
    broken, good = d.PhiAccrual(8, variant="no_min_std"), d.PhiAccrual(8)
    for det in (broken, good):
        for k in range(20):
            det.heartbeat(k * 100.0)
    assert broken.phi(broken.last + 101) == math.inf
    assert good.phi(good.last + 101) < 1


def test_phi_and_timeout_on_the_same_run():
    table = d.compare_detectors(1)
    fixed, phi = table.set_index("detector").loc["fixed timeout"], table.set_index("detector").loc["phi accrual"]
    assert fixed["calm_false_suspicions"] == phi["calm_false_suspicions"] == 0
    assert phi["slow_false_suspicions"] < fixed["slow_false_suspicions"]  # phi adapts to the slower network
    assert phi["detection_ms"] > fixed["detection_ms"]  # and pays for it in detection time


@pytest.mark.parametrize("make, words", [
    (lambda: d.FixedTimeout(0), "timeout"),
    (lambda: d.PhiAccrual(0), "threshold"),
    (lambda: d.PhiAccrual(8, window=1), "window"),
    (lambda: d.PhiAccrual(8, variant="x"), "variant"),
    (lambda: d.Heartbeater("p", monitor="m", interval=-1), "interval"),
    (lambda: d.false_suspicion_curve(tail=0.5), "tail"),
    (lambda: d.suspicion([], d.FixedTimeout(1), start=5, end=5), "end > start"),
    (lambda: d.compare_detectors(slow_at=5000, crash_at=1000), "slow_at"),
])
def test_bad_detector_input_is_refused(make, words):
    with pytest.raises(ConfigError, match=words):
        make()


# -- SWIM (Das, Gupta & Motivala, DSN 2002) -------------------------------------------------------------------


def test_a_crash_is_suspected_then_confirmed_by_every_member():
    sim = g.swim_sim(1, 8)
    sim.run(until=1000)
    sim.crash("m03")
    sim.run(until=4000)
    for m in g.member_ids(8):
        if m != "m03":
            assert sim.node(m).view["m03"][0] == "dead"
    assert g.wrongly_dead(sim) == []


def test_a_suspected_live_member_refutes_with_a_higher_incarnation():
    node = g.SwimNode("m01", members=["m01", "m02"])
    node._apply((g.Update("suspect", "m01", 0),))
    assert node.incarnation == 1
    assert node.queue["m01"][0] == g.Update("alive", "m01", 1)


def test_update_precedence_follows_section_4_2():
    node = g.SwimNode("m01", members=["m01", "m02"])
    node._apply((g.Update("suspect", "m02", 0),))
    node._apply((g.Update("alive", "m02", 0),))  # equal incarnation: suspect wins
    assert node.view["m02"] == ("suspect", 0)
    node._apply((g.Update("alive", "m02", 1),))  # higher incarnation: alive wins
    assert node.view["m02"] == ("alive", 1)
    node._apply((g.Update("dead", "m02", 0),))
    node._apply((g.Update("alive", "m02", 9),))  # dead is final
    assert node.view["m02"] == ("dead", 0)


def test_on_a_lossy_network_refutation_keeps_live_members_alive_and_the_broken_variant_does_not():
    runs = {}
    for v in ("correct", "no_refute"):
        sim = g.swim_sim(1, 16, config=g.SwimConfig(variant=v), loss=0.1)
        sim.run(until=8000)
        suspicions = sum(1 for r in sim.trace.of_kind("note") if r.detail.get("status") == "suspect")
        runs[v] = (g.wrongly_dead(sim), suspicions)
    assert runs["correct"][0] == [] and runs["correct"][1] > 0  # suspicions happened and were refuted
    assert runs["no_refute"][0]


def test_a_join_reaches_every_member():
    got = g.dissemination(1, 16, event="join")
    assert math.isfinite(got["all_ms"]) and got["all_periods"] < 8


@pytest.mark.slow
def test_dissemination_grows_roughly_logarithmically_with_cluster_size():
    table = g.dissemination_table(sizes=(8, 16, 32, 64), seeds=(1, 2))
    join = table["join_known_by_all_ms"].tolist()
    assert join == sorted(join)  # grows with n...
    assert join[-1] < 3 * join[0]  # ...but 8x the members costs far less than 8x the time
    per_doubling = [b - a for a, b in zip(join, join[1:])]
    assert max(per_doubling) < 2.5 * g.SwimConfig().period  # about a constant per doubling: O(log n)
    assert table["failure_known_by_all_ms"].max() < 1500


@pytest.mark.parametrize("make, words", [
    (lambda: g.swim_sim(1, 4, config=g.SwimConfig(k=3)), "k=3"),
    (lambda: g.swim_sim(1, 1), "n >= 2"),
    (lambda: g.SwimConfig(ping_timeout=100, period=100), "ping_timeout"),
    (lambda: g.SwimConfig(k=-1), "k"),
    (lambda: g.SwimConfig(period=0), "period"),
    (lambda: g.SwimConfig(variant="x"), "variant"),
    (lambda: g.dissemination(1, 8, event="boom"), "event"),
])
def test_bad_swim_input_is_refused(make, words):
    with pytest.raises(ConfigError, match=words):
        make()


def test_same_seed_same_swim_trace_and_same_heartbeats():
    a, b = (g.swim_sim(3, 16, loss=0.05) for _ in range(2))
    for sim in (a, b):
        sim.run(until=2000)
    assert a.trace.digest() == b.trace.digest()
    assert d.false_suspicion_curve(medians=(40,), duration=10_000).equals(
        d.false_suspicion_curve(medians=(40,), duration=10_000))
