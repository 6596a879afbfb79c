"""Reliable request-reply: the policy, backoff with jitter, the retrying client and the counter server."""

from __future__ import annotations

import random
import statistics

import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.reliability import (JITTERS, CounterServer, NaiveRetryClient, RetryClient, RetryPolicy,
                                    attempts_by_op, backoff_delay, request_reply_sim, run_request_reply,
                                    summarize)
from dsworkbook.sim import Request, Response, Send, Simulation

# -- RetryPolicy: bad settings are refused with a message that says what to change ----------------------


@pytest.mark.parametrize("kwargs, message", [
    ({"timeout": -5}, "timeout must be > 0"),
    ({"timeout": 0}, "timeout must be > 0"),
    ({"timeout": float("inf")}, "finite number"),
    ({"max_attempts": 0}, "max_attempts must be an int >= 1"),
    ({"max_attempts": 2.5}, "max_attempts must be an int"),
    ({"base": -1}, "base must be >= 0"),
    ({"base": 100, "cap": 10}, r"cap \(10.0 ms\) must be >= base"),
    ({"jitter": "random"}, "unknown jitter 'random'"),
    ({"idempotency": "yes"}, "idempotency must be True or False"),
])
def test_policy_refuses_bad_settings(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        RetryPolicy(**kwargs)


def test_policy_is_frozen():
    with pytest.raises(AttributeError):
        RetryPolicy().timeout = 5  # type: ignore[misc]


# -- backoff_delay: the four jitter rules of "Exponential Backoff and Jitter" ---------------------------


def draws(attempt: int, jitter: str, n: int = 3000, base: float = 10, cap: float = 1000, **kw) -> list[float]:
    rng = random.Random(1)
    return [backoff_delay(attempt, base, cap, rng, jitter, **kw) for _ in range(n)]


@pytest.mark.parametrize("attempt, ceiling", [(0, 10), (1, 20), (4, 160), (6, 640), (7, 1000), (40, 1000)])
def test_no_jitter_waits_exactly_the_capped_exponential(attempt, ceiling):
    assert set(draws(attempt, "none", n=10)) == {ceiling}


@pytest.mark.parametrize("attempt, ceiling", [(0, 10), (3, 80), (9, 1000)])
def test_full_jitter_is_uniform_over_zero_to_the_ceiling(attempt, ceiling):
    xs = draws(attempt, "full")
    assert 0 <= min(xs) < 0.02 * ceiling and 0.98 * ceiling < max(xs) <= ceiling
    assert statistics.mean(xs) == pytest.approx(ceiling / 2, rel=0.05)


def test_equal_jitter_keeps_at_least_half_the_ceiling():
    xs = draws(3, "equal")
    assert 40 <= min(xs) < 41 and 79 < max(xs) <= 80


def test_decorrelated_jitter_grows_from_the_previous_wait_and_respects_the_cap():
    xs = draws(0, "decorrelated", previous=100)
    assert 10 <= min(xs) < 15 and 290 < max(xs) <= 300
    assert max(draws(0, "decorrelated", previous=900)) == 1000  # min(cap, ...)


def test_huge_attempt_numbers_do_not_overflow():
    assert backoff_delay(5000, 10, 1000, random.Random(0), "none") == 1000


def test_same_rng_seed_gives_the_same_delays():
    assert draws(5, "full", n=50) == draws(5, "full", n=50)


@pytest.mark.parametrize("args, message", [
    ((-1, 10, 100, random.Random(0)), "attempt must be an int >= 0"),
    ((True, 10, 100, random.Random(0)), "attempt must be an int >= 0"),
    ((1, 10, 5, random.Random(0)), "must be >= base"),
    ((1, 10, 100, 42), "rng must be a random.Random"),
    ((1, 10, 100, random.Random(0), "gaussian"), "unknown jitter"),
])
def test_backoff_refuses_bad_arguments(args, message):
    with pytest.raises(ConfigError, match=message):
        backoff_delay(*args)


# -- the client and the server on a healthy network -------------------------------------------------


def test_without_faults_every_op_is_applied_once_and_ok():
    r = run_request_reply(3, clients=3, ops=7)
    assert (r.ops, r.ok, r.applied, r.duplicates, r.never_applied) == (21, 21, 21, 0, 0)
    assert r.final_value == 21 and r.attempts == 21


def test_req_id_is_unique_per_attempt_and_idem_key_shared_by_the_attempts_of_one_op():
    sim = request_reply_sim(4, clients=2, ops=6, loss=0.3, policy=RetryPolicy(timeout=25, max_attempts=10))
    sim.run(until=20_000)
    requests = [r.detail for r in sim.trace.of_kind("send") if isinstance(r.detail, Request)]
    assert len({q.req_id for q in requests}) == len(requests) > 12  # some retries happened
    attempts, owner = attempts_by_op(sim)
    for op in sim.history:
        keys = {q.idem_key for q in requests if owner.get((op.process, q.req_id)) == op.index}
        assert keys == {f"{op.process}/{sum(1 for o in sim.history if o.process == op.process and o.index < op.index)}"}


# -- loss, duplication and idempotency: always / sometimes pairs ---------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_always_with_keys_and_dedup_each_op_is_applied_exactly_once_under_loss_and_duplication(seed):
    r = run_request_reply(seed, clients=4, ops=10, loss=0.25, duplicate=0.2, dedup=True,
                          policy=RetryPolicy(timeout=25, max_attempts=12))
    assert r.duplicates == 0 and r.never_applied == 0 and r.ok == r.ops == 40
    assert r.final_value == 40
    assert r.attempts > r.ops  # sometimes: retries really happened, so the check was exercised


def test_sometimes_without_keys_a_retry_is_applied_twice():
    r = run_request_reply(1, clients=4, ops=10, loss=0.25, dedup=True,
                          policy=RetryPolicy(timeout=25, max_attempts=12, idempotency=False))
    assert r.duplicates > 0 and r.final_value == 40 + r.duplicates


def test_a_network_duplicate_without_dedup_is_applied_twice_even_without_retries():
    r = run_request_reply(2, clients=4, ops=10, duplicate=0.3, policy=RetryPolicy(max_attempts=1))
    assert r.duplicates > 0 and r.attempts == r.ops


def test_dedup_answers_a_retry_with_the_original_response_not_the_current_value():
    server = CounterServer("s", dedup=True)
    server.on_start()
    server.on_client_request("c1", Request(1, "incr", 5, "k1"))
    server.on_client_request("c2", Request(2, "incr", 10, "k2"))
    server.on_client_request("c1", Request(3, "incr", 5, "k1"))  # a retry of k1
    replies = [e.msg for e in server.take_effects() if isinstance(e, Send)]
    assert [(m.req_id, m.value) for m in replies] == [(1, 5), (2, 15), (3, 5)]
    assert server.value == 15


def test_the_idempotency_table_survives_a_server_crash():
    sim = request_reply_sim(5, ops=1, dedup=True, latency=5, policy=RetryPolicy(timeout=50, base=1))
    sim.net.cut("server", "c0")  # the first reply is lost...
    sim.at(20, sim.crash, "server")  # ...and the server crashes before the retry
    sim.at(40, sim.restart, "server")
    sim.at(40, sim.net.restore, "server", "c0")
    sim.run(until=2000)
    r = summarize(sim)
    replayed = [n for n in sim.trace.of_kind("note") if "replayed" in n.detail]
    assert r.applied == 1 and r.ok == 1 and r.final_value == 1 and len(replayed) == 1


# -- timeouts, giving up, error replies -------------------------------------------------------------------


def test_a_timeout_ends_unknown_never_fail_after_max_attempts():
    sim = request_reply_sim(6, clients=2, ops=2, outage=(0, 10**6), policy=RetryPolicy(timeout=20, max_attempts=3))
    sim.run(until=5000)
    r = summarize(sim)
    assert (r.ok, r.fail, r.unknown) == (0, 0, 4)
    attempts, _ = attempts_by_op(sim)
    assert all(len(a) == 3 for a in attempts.values())


def test_an_error_reply_ends_fail_and_is_not_retried():
    r = run_request_reply(7, ops=[("withdraw", 5), ("incr", 1), ("bogus", 0)])
    ops = list(r.sim.history)
    assert [op.outcome for op in ops] == ["fail", "ok", "fail"]
    assert "insufficient funds" in ops[0].output and "unknown op 'bogus'" in ops[2].output
    assert r.attempts == 3


def test_without_jitter_retries_follow_timeout_plus_the_exponential_exactly():
    sim = request_reply_sim(8, ops=1, outage=(0, 10**6),
                            policy=RetryPolicy(timeout=20, max_attempts=5, base=10, cap=35, jitter="none"))
    sim.run(until=5000)
    sends = [t for t, _ in attempts_by_op(sim)[0][0]]
    gaps = [round(b - a, 9) for a, b in zip(sends, sends[1:])]
    assert gaps == [30, 40, 55, 55]  # timeout 20 + min(35, 10 * 2**k)


# -- overload and retry storms ------------------------------------------------------------------------------


def test_a_server_with_service_time_serves_one_request_at_a_time():
    r = run_request_reply(9, clients=5, ops=1, latency=1, service_time=10)
    done = sorted(op.complete_time for op in r.sim.history)
    assert [round(b - a, 6) for a, b in zip(done, done[1:])] == [10, 10, 10, 10]


def test_a_full_queue_sheds_requests_without_a_reply():
    r = run_request_reply(9, clients=5, ops=1, latency=1, service_time=10, capacity=2,
                          policy=RetryPolicy(max_attempts=1, timeout=500))
    shed = [n for n in r.sim.trace.of_kind("note") if "shed" in n.detail]
    assert len(shed) == 3 and r.ok == 2 and r.unknown == 3


@pytest.mark.parametrize("seed", [1, 2])
def test_jitter_flattens_the_retry_storm_after_an_outage(seed):
    """AWS 'Exponential Backoff and Jitter': without jitter, clients that failed together retry together."""
    def storm(jitter: str):
        policy = RetryPolicy(timeout=20, max_attempts=12, base=10, cap=1000, jitter=jitter)
        return run_request_reply(seed, clients=30, ops=1, policy=policy, dedup=True, latency=5, outage=(0, 500))

    none, full = storm("none"), storm("full")
    assert none.peak_load == 30
    assert full.peak_load <= 10
    assert none.ok == full.ok == 30


# -- the naive client shows its three bugs --------------------------------------------------------------------


def test_naive_client_uses_a_fresh_key_per_attempt_no_jitter_and_retries_errors():
    sim = request_reply_sim(10, clients=3, ops=[("incr", 1), ("withdraw", 99)], dedup=True, client_cls=NaiveRetryClient,
                            outage=(0, 200), policy=RetryPolicy(timeout=20, max_attempts=6, base=10))
    sim.run(until=600)
    attempts, owner = attempts_by_op(sim)
    first_ops = [a for op, a in attempts.items() if sim.history[op].f == "incr"]
    keys = {r.detail.idem_key for r in sim.trace.of_kind("send") if isinstance(r.detail, Request)
            and owner.get((r.node, r.detail.req_id)) == 0}
    assert len(keys) == len(attempts[0]) > 1  # bug 1: one key per attempt
    gaps = {round(a[1][0] - a[0][0], 6) for a in first_ops}
    assert gaps == {30.0}  # bug 2: every client waits timeout + base, in lock-step
    withdraws = [a for op, a in attempts.items() if sim.history[op].f == "withdraw"]
    assert max(len(a) for a in withdraws) > 20  # bug 3: an error reply is resent again and again


# -- determinism, and clear errors ------------------------------------------------------------------------------


def test_same_seed_same_result_and_trace():
    kw = dict(clients=3, ops=6, loss=0.2, duplicate=0.1, dedup=True)
    a, b = run_request_reply(11, **kw), run_request_reply(11, **kw)
    assert a == b and a.sim.trace.digest() == b.sim.trace.digest()
    assert run_request_reply(12, **kw).sim.trace.digest() != a.sim.trace.digest()


@pytest.mark.parametrize("kwargs, message", [
    ({"clients": 0}, "clients must be an int >= 1"),
    ({"ops": -1}, "ops must be >= 0"),
    ({"ops": ["incr"]}, r"list of \(op, arg\) pairs"),
    ({"outage": (100, 50)}, "up > down"),
    ({"capacity": 0, "service_time": 1}, "capacity must be an int >= 1"),
    ({"policy": "fast"}, "policy must be a RetryPolicy"),
])
def test_experiment_refuses_bad_settings(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        request_reply_sim(0, **kwargs)


def test_summarize_needs_a_trace():
    sim = Simulation(seed=0, trace=False)
    sim.add_node("server", CounterServer)
    with pytest.raises(ConfigError, match="trace=True"):
        summarize(sim)


def test_client_ignores_late_replies_to_finished_ops():
    client = RetryClient("c", ops=[("incr", 1)])
    client.on_start()
    client.on_timer("next")
    client.on_message("server", Response(1, True, 1))
    client.on_message("server", Response(1, True, 1))  # a duplicate reply after the op completed
    completes = [e for e in client.take_effects() if type(e).__name__ == "Complete"]
    assert len(completes) == 1 and completes[0].outcome == "ok"


def test_all_jitter_names_are_accepted_by_the_policy():
    assert [RetryPolicy(jitter=j).jitter for j in JITTERS] == list(JITTERS)


def test_the_four_causes_of_a_timeout_look_alike_to_the_client_but_not_to_the_server():
    from dsworkbook.reliability import TIMEOUT_CAUSES, client_view, timeout_scenario

    sims = {cause: timeout_scenario(cause) for cause in TIMEOUT_CAUSES}
    views = {cause: client_view(sim) for cause, sim in sims.items()}
    assert len(set(views.values())) == 1
    assert [kind for _t, kind, _d in views["lost reply"]][:4] == ["timer", "send", "timer", "complete"]
    applied = {cause: len(sim.trace.notes("server", "applied")) for cause, sim in sims.items()}
    assert applied == {"lost request": 0, "crashed server": 0, "lost reply": 1, "slow server": 1}
    with pytest.raises(ConfigError, match="unknown cause"):
        timeout_scenario("cosmic ray")


def test_lost_reply_run_applies_one_logical_increment_twice():
    from dsworkbook.reliability import lost_reply_run

    sim = lost_reply_run()
    assert sim.storage("server")["value"] == 2
    assert sim.history[0].outcome == "ok"


# -- the scenarios of the two predictions ------------------------------------------------------------------


def test_a_slow_server_serves_both_withdrawals_after_the_client_gave_up_on_them():
    from dsworkbook.reliability import slow_server_run

    sim = slow_server_run()
    assert [op.outcome for op in sim.history] == ["unknown", "unknown"]
    assert sim.storage("server")["value"] == 40  # the first applied, the second refused
    replies = [r for r in sim.trace.of_kind("send") if r.node == "server"]
    assert [r.detail.ok for r in replies] == [True, False]
    assert all(r.time > op.complete_time for r, op in zip(replies, sim.history))


def test_a_paused_server_applies_every_retry_without_a_key_when_it_wakes():
    from dsworkbook.reliability import paused_server_run

    sim = paused_server_run()
    op = sim.history[0]
    applied = sim.trace.notes("server", "applied")
    assert op.outcome == "unknown" and len(applied) == 4 and sim.storage("server")["value"] == 20
    assert all(r.time >= 302 > op.complete_time for r in applied)


# -- the goals of the design exercise ------------------------------------------------------------------------


def test_a_policy_tuned_on_the_median_misses_goals_and_a_tail_aware_one_meets_them_all():
    from dsworkbook.reliability import DESIGN_GOALS, goals_table, retry_goals

    good = retry_goals(RetryPolicy(timeout=100, max_attempts=15, base=10, cap=300, jitter="full"))
    assert [c.goal for c in good] == list(DESIGN_GOALS) and all(c.met for c in good)
    bad = {c.goal: c.met for c in retry_goals(RetryPolicy(timeout=50, max_attempts=4, base=10, cap=100, jitter="none"))}
    assert not bad["storm: all ok"] and not all(bad.values())
    table = goals_table(good)
    assert list(table.columns) == ["goal", "asks", "measured", "met"] and len(table) == len(DESIGN_GOALS)


def test_the_design_runs_measure_what_they_claim():
    from dsworkbook.reliability import steady_run, storm_run

    policy = RetryPolicy(timeout=100, max_attempts=15, base=10, cap=300)
    steady, storm = steady_run(policy, 1), storm_run(policy, 1)
    assert steady.ops == 500 and storm.ops == 100
    assert storm.sim.history[0].invoke_time < 50 and all(op.complete_time > 1000 for op in storm.sim.history)


def test_retry_goals_refuses_what_is_not_a_policy():
    from dsworkbook.reliability import retry_goals

    with pytest.raises(ConfigError, match="policy must be a RetryPolicy"):
        retry_goals({"timeout": 100})  # type: ignore[arg-type]
