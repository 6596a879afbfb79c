"""Linearizability (M02): one sentence of the definition per test, the fast path against the search,
both against brute force, budgets that end in 'unknown', and counterexamples that are real."""

from __future__ import annotations

import math
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsworkbook.checkers import (CasRegisterModel, CounterModel, History, KVModel, Operation, RegisterModel, SetModel,
                                 check_linearizable, parse_timeline)
from dsworkbook.checkers.datatypes import ILLEGAL
from dsworkbook.checkers.linearizability import FAST_PATH, SEARCH
from dsworkbook.checkers.workloads import random_history
from dsworkbook.errors import ConfigError
from tests.checkers.reference import brute_linearizable, hard_history


def verdict(text: str, model: str = "register", method: str = "auto") -> str:
    return check_linearizable(parse_timeline(text), model, method=method).verdict


def replay_ok(result, model) -> bool:
    """The witness is legal, each point lies inside its op's interval, and the points never go back."""
    state, last = model.init(), -math.inf
    for op, p in zip(result.witness, result.points):
        if not (op.invoke_time <= p <= op.latest and p >= last):
            return False
        state, last = model.step(state, op), p
        if state is ILLEGAL:
            return False
    return True


# -- the definition, sentence by sentence (Herlihy & Wing 1990; Jepsen's outcomes) -----------------------

CASES = [
    # "each operation appears to take effect at one instant between its invoke and its completion"
    ("a read after a completed write sees it", "A: [w 1]\nB:       [r 1]", "linearizable"),
    ("a stale read after a completed overwrite", "A: [w 1] [w 2]\nB:             [r 1]", "not linearizable"),
    ("a read concurrent with a write may see either value (old)", "A: [w 1] [  w 2  ]\nB:           [r 1]",
     "linearizable"),
    ("a read concurrent with a write may see either value (new)", "A: [w 1] [  w 2  ]\nB:           [r 2]",
     "linearizable"),
    ("a read of the initial value before any write", "A:      [w 1]\nB: [r nil]", "linearizable"),
    ("the initial value after a completed write", "A: [w 1]\nB:       [r nil]", "not linearizable"),
    ("a read that completes before its write begins", "A:        [w 1]\nB: [r 1]", "not linearizable"),
    ("a value nobody wrote", "A: [w 1]\nB:       [r 7]", "not linearizable"),
    # "... the same order for every observer": once a newer value is seen, older ones are gone
    ("two readers see concurrent writes in opposite orders",
     "A: [w 1]\nB: [w 2]\nC:       [r 1] [r 2]\nD:       [r 2] [r 1]", "not linearizable"),
    ("a new value seen, then the old one by someone who started later",
     "A: [     w 2      ]\nB:  [r 2]\nC:        [r nil]", "not linearizable"),
    # outcomes: fail did not happen; unknown may happen at any time after its invoke, or never
    ("a failed write did not happen", "A: [w 1 !]\nB:         [r 1]", "not linearizable"),
    ("a timed-out write may take effect much later", "A: [w 1 ?]\nB:           [r nil] [r 1]", "linearizable"),
    ("a timed-out write may never take effect", "A: [w 1 ?]\nB:           [r nil] [r nil]", "linearizable"),
    ("but not take effect twice", "A: [w 1][w 2 ?]\nB:              [r 2] [r 1]", "not linearizable"),
]


@pytest.mark.parametrize("method", ["auto", "search"])
@pytest.mark.parametrize("name, text, expected", CASES, ids=[c[0] for c in CASES])
def test_the_definition(name, text, expected, method):
    assert verdict(text, method=method) == expected


CAS_CASES = [
    ("a cas that succeeds after a write", "A: [w 1] [cas 1>2]\nB:                  [r 2]", "linearizable"),
    ("a cas cannot succeed on another value", "A: [w 3] [cas 1>2]", "not linearizable"),
    ("a failed cas did not happen", "A: [w 1] [cas 1>2 !]\nB:                    [r 1]", "linearizable"),
    ("two cas from the same value cannot both succeed", "A: [w 0] [cas 0>1]\nB:      [cas 0>2]",
     "not linearizable"),
]


@pytest.mark.parametrize("name, text, expected", CAS_CASES, ids=[c[0] for c in CAS_CASES])
def test_compare_and_set(name, text, expected):
    assert verdict(text, "cas-register") == expected


def test_key_value_histories_split_per_key_and_report_each_key():
    h = parse_timeline("""
        A: [w x=1]     [w y=1] [r y=1]
        B:          [w x=2] [r x=1]
    """)
    r = check_linearizable(h, "kv")
    assert r.verdict == "not linearizable" and r.parts["x"] == "not linearizable"
    assert r.reason.startswith("key 'x'") and all(op.key == "x" for op in r.counterexample)


def test_the_fast_path_takes_distinct_writes_and_the_search_the_rest():
    distinct = random_history(1, ops=200, clients=5)
    repeated = random_history(1, ops=200, clients=5, values=3)
    assert check_linearizable(distinct).method == FAST_PATH
    assert check_linearizable(repeated).method == SEARCH
    assert check_linearizable(distinct, method="search").method == SEARCH
    with pytest.raises(ConfigError, match="distinct written values"):
        check_linearizable(repeated, method="fast")


@pytest.mark.parametrize("model", [RegisterModel(), CasRegisterModel(), KVModel()])
@pytest.mark.parametrize("seed", range(3))
def test_generated_atomic_histories_are_linearizable_with_a_witness_that_replays(seed, model):
    kind = {"register": "register", "cas-register": "cas-register", "kv": "kv"}[model.name]
    h = random_history(seed, ops=300, clients=6, model=kind, keys=4 if kind == "kv" else 1,
                       values=None if kind == "register" else 4, unknown=0.05, fail=0.05)
    r = check_linearizable(h, model)
    assert r.ok is True and len(r.witness) == len([o for o in h if o.outcome != "fail" and
                                                   not (o.outcome == "unknown" and o.f == "read")])
    if model.partitioned:
        for key in r.parts:
            sub = [op for op in r.witness if op.key == key]
            assert replay_ok(type(r)(ok=True, witness=sub, points=[r.points[r.witness.index(o)] for o in sub]),
                             RegisterModel() if kind == "register" else CasRegisterModel())
    else:
        assert replay_ok(r, model)


@pytest.mark.parametrize("seed", range(4))
def test_an_injected_stale_read_is_found_and_shrunk_to_a_few_ops(seed):
    h = random_history(seed, ops=2000, clients=5, stale_reads=1)
    for method in ("auto", "search"):
        r = check_linearizable(h, method=method)
        assert r.ok is False and 1 <= len(r.counterexample) <= 6, r.explain()
        assert brute_linearizable(History(r.counterexample), RegisterModel()) is False
        assert r.stuck is not None and r.reason


@pytest.mark.parametrize("text, labels", [
    ("A: [w 1] [cas 1>2]\nB:   [r 7]   [w 1]", ["r 7"]),                  # nobody wrote 7
    ("A: [w 1]        [cas 1>3]\nB:   [r 3] [w 1]", ["r 3", "cas 1>3"]),    # 3 was written after the read
])
def test_a_value_read_before_anyone_wrote_it_is_found_without_a_search(text, labels):
    r = check_linearizable(parse_timeline(text), "cas-register")
    assert r.ok is False and [op.label() for op in r.counterexample] == labels
    assert r.stats["iterations"] == 0 and "before it was written" in r.method


def test_sets_and_counters():
    counter = parse_timeline("A: [incr 1] [incr 2]\nB:                 [r 3]")
    assert check_linearizable(counter, CounterModel()).ok
    assert not check_linearizable(parse_timeline("A: [incr 1]\nB:          [r 0]"), "counter").ok
    s = parse_timeline("A: [add 1] [add 2]\nB:    [r {1}]    [r {1,2}]")
    assert check_linearizable(s, SetModel()).ok
    assert not check_linearizable(parse_timeline("A: [add 1] [add 2]\nB:               [r {2}]"), "set").ok


# -- budgets: unknown, never a crash ------------------------------------------------------------------------

def test_a_search_that_runs_out_of_iterations_says_unknown_and_why():
    r = check_linearizable(hard_history(), "kv", max_iterations=20_000)
    assert r.ok is None and r.verdict == "unknown" and "max_iterations" in r.reason
    assert r.witness is None and r.counterexample is None and 20_000 <= r.stats["iterations"] < 25_000


def test_a_memory_budget_gives_unknown_instead_of_running_out_of_memory():
    r = check_linearizable(hard_history(), "kv", memory_limit_mb=0.5, time_limit=30)
    assert r.ok is None and "memory limit" in r.reason


def test_a_time_budget_gives_unknown_on_time():
    start = time.perf_counter()
    r = check_linearizable(hard_history(), "kv", time_limit=0.3)
    assert r.ok is None and "time limit" in r.reason and time.perf_counter() - start < 0.3 * 1.05 + 0.05


def test_keys_are_checked_in_rotation_so_a_hard_key_cannot_hide_an_easy_violation():
    hard_ops = list(hard_history())
    n = len(hard_ops)
    easy = [Operation(n, "e1", "write", 5, 5, 0.0, 1.0, "ok", "easy"),
            Operation(n + 1, "e2", "cas", (4, 6), (4, 6), 50.0, 51.0, "ok", "easy")]  # 4 was never there
    r = check_linearizable(History(hard_ops + easy), "kv", max_iterations=200_000)
    assert r.ok is False and r.parts["easy"] == "not linearizable"


def test_bad_arguments_are_refused():
    h = parse_timeline("A: [w 1]")
    with pytest.raises(ConfigError, match="method must be"):
        check_linearizable(h, method="magic")
    with pytest.raises(ConfigError, match="time_limit"):
        check_linearizable(h, time_limit=0)
    with pytest.raises(ConfigError, match="model must be one of"):
        check_linearizable(h, "queue")
    with pytest.raises(ConfigError, match="has no function 'push'"):
        check_linearizable(parse_timeline("A: [push 1]"))
    with pytest.raises(ConfigError, match="model='kv'"):
        check_linearizable(parse_timeline("A: [w x=1]"))
    with pytest.raises(ConfigError, match="expected a History"):
        check_linearizable("A: [w 1]")


# -- property: fast path == search == brute force on tiny histories ------------------------------------------

@st.composite
def tiny_histories(draw, distinct: bool, cas: bool = False):
    n = draw(st.integers(1, 6))
    ops = []
    for i in range(n):
        start = draw(st.integers(0, 12))
        end = start + draw(st.integers(0, 6))
        f = draw(st.sampled_from(["read", "write", "cas"] if cas else ["read", "write"]))
        outcome = draw(st.sampled_from(["ok"] * 6 + ["unknown", "fail"]))
        if f == "write":
            inp = i + 1 if distinct else draw(st.integers(1, 3))
            out = inp
        elif f == "read":
            inp, out = None, draw(st.sampled_from([None] + list(range(1, (n + 1) if distinct else 4))))
        else:
            inp = (draw(st.sampled_from([None, 1, 2])), draw(st.integers(1, 3)))
            out = draw(st.sampled_from([inp, False])) if outcome == "ok" else inp
        ops.append(Operation(i, draw(st.integers(0, 3)), f, inp, out, float(start), float(end), outcome))
    return History(ops)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_histories(distinct=True))
def test_fast_path_agrees_with_the_search_and_brute_force(h):
    model = RegisterModel()
    fast = check_linearizable(h, model)
    search = check_linearizable(h, model, method="search")
    assert fast.method in (FAST_PATH, "nothing to order")
    assert fast.ok == search.ok == brute_linearizable(h, model)
    if fast.ok:
        assert replay_ok(fast, model) and replay_ok(search, model)
    else:
        for r in (fast, search):
            assert brute_linearizable(History(r.counterexample), model) is False


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_histories(distinct=False, cas=True))
def test_search_agrees_with_brute_force_on_cas_registers_with_repeated_values(h):
    model = CasRegisterModel()
    r = check_linearizable(h, model)
    assert r.ok == brute_linearizable(h, model)
    if r.ok:
        assert replay_ok(r, model)
    else:
        assert brute_linearizable(History(r.counterexample), model) is False


def test_a_deliberately_broken_fast_path_is_caught_by_the_cross_check(monkeypatch):
    """The property tests can fail: drop condition 4 (backward zones inside forward ones) and watch."""
    from dsworkbook.checkers import _zones

    h = parse_timeline("A: [w 1]  [w 2]\nB:             [r 1]")
    monkeypatch.setattr(_zones, "_zone_violation", lambda clusters: (
        sorted((c for c in clusters if c.forward), key=lambda c: c.f), None))
    with pytest.raises(AssertionError):  # the built order fails its replay (InvariantViolation) or the verdicts differ
        r = check_linearizable(h)
        assert r.ok == brute_linearizable(h, RegisterModel())
