"""Physical clocks: NTP's offset and bound (always holds), and last-write-wins losing writes under skew."""

from __future__ import annotations

import pytest

from dsworkbook.clocks import NtpSample, lost_writes_vs_skew, lww_experiment, ntp_experiment, ntp_offset
from dsworkbook.errors import ConfigError


@pytest.mark.parametrize("t, offset, bound", [
    ((0, 10, 10, 4), 8.0, 2.0),       # server 8 ms ahead, 2 ms each way
    ((0, 5, 9, 20), -3.0, 8.0),       # the server's 4 ms of holding time is not wire time
    ((100, 60, 60, 110), -45.0, 5.0),  # server behind
    ((50, 50, 50, 50), 0.0, 0.0),     # an instantaneous exchange is exact
])
def test_rfc5905_offset_is_the_mean_of_the_two_one_way_differences_and_the_bound_half_the_wire_time(t, offset, bound):
    assert ntp_offset(*t) == (offset, bound)
    s = NtpSample(*t)
    assert (s.offset, s.delay / 2, s.bound) == (offset, bound, bound)


@pytest.mark.parametrize("t, match", [((10, 0, 0, 5), "t3 .* before t0"), ((0, 9, 5, 20), "t2 .* before t1"),
                                      ((0, "x", 1, 2), "clock reading")])
def test_impossible_exchanges_are_refused(t, match):
    with pytest.raises(ConfigError, match=match):
        NtpSample(*t)


SETUPS = [  # client offset, client drift, server drift, latency out, latency back, processing
    (37.0, 0.0, 0.0, (1, 5), (1, 40), 0.0),
    (-120.0, 0.0005, -0.0002, (5, 60), (1, 3), 4.0),
    (0.0, 0.001, 0.0, "exp:10", "exp:10", 2.0),
]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("setup", SETUPS)
def test_the_true_offset_always_lies_within_estimate_plus_minus_bound(seed, setup):
    off, cd, sd, out, back, hold = setup
    run = ntp_experiment(seed, client_offset=off, client_drift=cd, server_drift=sd, latency_out=out,
                         latency_back=back, processing=hold, polls=10)
    assert len(run.rows) == 10 and run.all_within(), run.table()


def test_asymmetric_links_bias_the_estimate_but_the_smallest_delay_sample_is_the_tightest():
    run = ntp_experiment(3, client_offset=-37.0, latency_out=(1, 5), latency_back=(1, 40))
    t = run.table()
    assert (t["error"] < 0).mean() > 0.8 and t["error"].mean() < -5  # the slow reply link pulls estimates down
    assert run.best()["bound"] == t["bound"].min() and abs(run.best()["error"]) <= run.best()["bound"]
    assert run.sim.node("client").best() == (run.best()["offset"], run.best()["bound"])


def test_the_client_corrects_its_clock_with_the_best_estimate():
    run = ntp_experiment(5, client_offset=25.0, latency_out=(1, 3), latency_back=(1, 3))
    client = run.sim.node("client")
    server_time = run.sim.clock("server").read(run.sim.now)
    assert abs(client.corrected_now() - server_time) <= client.best()[1] + 1e-9


# -- last-write-wins under skew -------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(8))
def test_with_synchronised_clocks_lww_never_loses_a_write(seed):
    r = lww_experiment(seed, skew=0.0)
    assert r.writes == 150 and r.lost == []


def test_lost_writes_grow_with_the_skew():
    table = lost_writes_vs_skew(skews=(0, 5, 20, 100), seeds=(1, 2))
    lost = list(table["lost"])
    assert lost[0] == 0 and lost[-1] > lost[1] and lost[2] > 0
    assert lost == sorted(lost)


def test_a_lost_write_is_one_that_lost_to_a_write_already_finished_before_it_began():
    r = lww_experiment(2, skew=50.0)
    ops = {op.input: op for op in r.sim.history}
    assert r.lost
    for lost, winner in r.lost:
        assert ops[winner].complete_time < ops[lost].invoke_time
        assert r.offsets[ops[winner].process] > r.offsets[ops[lost].process]  # the winner's clock was ahead


def test_lww_experiments_are_a_function_of_their_seed():
    assert lww_experiment(4, skew=20).lost == lww_experiment(4, skew=20).lost


@pytest.mark.parametrize("kwargs, match", [({"skew": -1}, "skew"), ({"writers": 0}, "writers")])
def test_lww_arguments_are_checked(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        lww_experiment(1, **kwargs)
