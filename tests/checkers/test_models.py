"""The weaker models (M03) and the classifier: golden histories, and the implications between models
checked on random histories."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsworkbook.checkers import (LADDER, History, KVModel, Operation, RegisterModel, check_causal, check_convergence,
                                 check_monotonic_reads, check_read_your_writes, check_sequential, classify,
                                 parse_timeline)
from dsworkbook.checkers.datatypes import ILLEGAL
from dsworkbook.checkers.workloads import random_history
from dsworkbook.errors import ConfigError
from tests.checkers.reference import brute_linearizable, brute_sequential

# Named histories, each the smallest picture of one idea.
STALE = "A: [w 1]  [w 2]\nB:             [r 1]"
OPPOSITE_ORDERS = "A: [w 1]\nB: [w 2]\nC:       [r 1] [r 2]\nD:       [r 2] [r 1]"
CAUSAL_BREAK = "A: [w x=1] [w y=2]\nB:                 [r y=2] [r x=nil]"
OWN_WRITE_LOST = "A: [w 1]  [r nil]\nB:      [r 1]"
FLIP_FLOP = "A: [w 1]\nB: [w 2]\nC:       [r 1] [r 2] [r 1]"
NEVER_AGREE = "A: [w 1]\nB: [w 2]\nC:       [r 1]\nD:       [r 2]"


def kind(text: str) -> str:
    return "kv" if "=" in text else "register"


def strongest(text: str) -> str:
    return classify(parse_timeline(text), kind(text)).strongest


# -- the classifier: one named history per rung ------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("A: [w 1]\nB:       [r 1]", "linearizable"),
    (STALE, "sequential"),
    (OPPOSITE_ORDERS, "causal"),          # the seed notes call this sequentially consistent: it is not
    (CAUSAL_BREAK, "read-your-writes"),
    (FLIP_FLOP, "read-your-writes"),      # ... but not monotonic reads
    (OWN_WRITE_LOST, "monotonic reads"),  # ... but not read-your-writes
])
def test_the_strongest_model_of_each_named_history(text, expected):
    assert strongest(text) == expected


def test_a_classification_carries_evidence_for_every_level():
    cls = classify(parse_timeline(STALE))
    assert list(cls.levels) == list(LADDER)
    assert cls["linearizable"].counterexample and cls["sequential"].witness
    assert [op.label() for op in cls["sequential"].witness] == ["w 1", "r 1", "w 2"]
    assert cls["read-your-writes"].method == "implied by sequential"
    assert cls.holds == ["sequential", "causal", "read-your-writes", "monotonic reads", "convergent"]
    assert "strongest: sequential" in cls.summary() and "Classification(" in repr(cls)
    assert list(cls.table().columns) == ["level", "verdict", "method", "why"]


def test_a_causal_violation_settles_sequential_consistency_too():
    cls = classify(parse_timeline(CAUSAL_BREAK), "kv")
    assert cls["sequential"].ok is False and "not even causal" in cls["sequential"].reason
    assert {op.label() for op in cls["causal"].counterexample} == {"w x=1", "w y=2", "r y=2", "r x=nil"}


def test_no_model_at_all():
    text = "A: [w 1] [r 2]\nB: [w 2] [r 1]\nC:            [r 5]"
    assert strongest(text) == "none"


# -- each check on its own ----------------------------------------------------------------------------------

def test_sequential_consistency_allows_stale_reads_but_not_opposite_orders():
    assert check_sequential(parse_timeline(STALE)).ok is True
    r = check_sequential(parse_timeline(OPPOSITE_ORDERS))
    assert r.ok is False and len(r.counterexample) <= 6 and r.reason
    assert brute_sequential(History(r.counterexample), RegisterModel()) is False


def test_sequential_consistency_of_a_key_value_history_is_checked_as_a_whole():
    # Each key alone is sequentially consistent; together they are not (SC is not local).
    text = "A: [w x=1] [r y=nil]\nB: [w y=1] [r x=nil]"
    h = parse_timeline(text)
    assert check_sequential(h.subset([o for o in h if o.key == "x"]), "kv").ok
    assert check_sequential(h, "kv").ok is False


def test_sequential_allows_a_timed_out_write_to_land_after_the_process_moved_on():
    assert check_sequential(parse_timeline("A: [w 1 ?] [w 2]\nB:                [r 2] [r 1]")).ok


def test_causal_patterns_each_with_a_reason():
    cases = {
        "ThinAirRead": "A: [w 1]\nB:      [r 9]",
        "WriteCOInitRead": CAUSAL_BREAK,
        "WriteCORead": "A: [w x=1] [w x=2] [w y=3]\nB:                          [r y=3] [r x=1]",
        "CyclicHB": FLIP_FLOP,
        "CyclicCO": "A: [r 1] [w 2]\nB: [r 2] [w 1]",
    }
    for pattern, text in cases.items():
        r = check_causal(parse_timeline(text), kind(text))
        assert r.ok is False and r.reason.startswith(pattern), (pattern, r.reason)
    assert check_causal(parse_timeline(OPPOSITE_ORDERS)).ok


def test_causal_and_session_checks_need_distinct_values_and_say_so():
    h = parse_timeline("A: [w 1] [w 1]\nB:           [r 1]")
    for check in (check_causal, check_read_your_writes, check_monotonic_reads):
        r = check(h)
        assert r.ok is None and "distinct written values" in r.reason
    assert check_causal(parse_timeline("A: [add 1]"), "set").ok is None


def test_read_your_writes():
    assert check_read_your_writes(parse_timeline(OWN_WRITE_LOST)).ok is False
    own_older = parse_timeline("A: [w 1] [w 2] [r 1]")
    assert "which it wrote before writing 2" in check_read_your_writes(own_older).reason
    seen_before = parse_timeline("A:      [r 5] [w 1] [r 5]\nB: [w 5]")
    assert "which it had read before writing 1" in check_read_your_writes(seen_before).reason
    assert check_read_your_writes(parse_timeline("A: [w 1]      [r 7]\nB:       [w 7]")).ok  # newer is fine


def test_monotonic_reads():
    assert check_monotonic_reads(parse_timeline(FLIP_FLOP)).ok is False
    assert check_monotonic_reads(parse_timeline("A: [w 1]\nB:      [r 1] [r nil]")).ok is False
    assert check_monotonic_reads(parse_timeline(OPPOSITE_ORDERS)).ok  # each session alone never goes back


def test_convergence_looks_at_each_process_last_read_after_the_writes_stop():
    assert check_convergence(parse_timeline(NEVER_AGREE)).ok is False
    assert check_convergence(parse_timeline(FLIP_FLOP + "\nD:                   [r 1]")).ok
    assert check_convergence(parse_timeline("A: [r nil] [w 1]")).ok is None   # no read after the writes stopped
    late = parse_timeline("A: [w 1]\nB:      [r nil]      [r 1]\nC:                 [r 1]")
    assert check_convergence(late).ok and check_convergence(late, settle=20).ok is None
    with pytest.raises(ConfigError, match="settle"):
        check_convergence(late, settle=-1)


def test_sequential_budget_gives_unknown():
    h = random_history(2, ops=400, clients=8, values=2)
    r = check_sequential(h, max_iterations=50)
    assert r.ok is None and "budget" in r.reason


# -- properties: each check against brute force, and the implications between models ------------------------

@st.composite
def small_histories(draw):
    n = draw(st.integers(1, 6))
    ops, written = [], 0
    for i in range(n):
        start = draw(st.integers(0, 15))
        end = start + draw(st.integers(0, 5))
        f = draw(st.sampled_from(["read", "write"]))
        outcome = draw(st.sampled_from(["ok"] * 7 + ["unknown"]))
        if f == "write":
            written += 1
            inp, out = written, written
        else:
            inp, out = None, draw(st.sampled_from([None, 1, 2, 3]))
        ops.append(Operation(i, draw(st.sampled_from("ABC")), f, inp, out, float(start), float(end), outcome))
    # one op at a time per process: shift each process's ops so they do not overlap
    fixed, free = [], {}
    for op in sorted(ops, key=lambda o: o.invoke_time):
        start = max(op.invoke_time, free.get(op.process, -1.0) + 1)
        end = start + (op.complete_time - op.invoke_time)
        free[op.process] = end
        fixed.append(Operation(op.index, op.process, op.f, op.input, op.output, start, end, op.outcome))
    return History(fixed)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_histories())
def test_sequential_search_agrees_with_brute_force(h):
    model = RegisterModel()
    r = check_sequential(h, model)
    assert r.ok == brute_sequential(h, model)
    if r.ok:
        state = model.init()
        for op in r.witness:
            state = model.step(state, op)
            assert state is not ILLEGAL


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_histories())
def test_every_implication_of_the_ladder_holds_when_each_level_is_checked_on_its_own(h):
    cls = classify(h, derive=False)
    ok = {lvl: r.ok for lvl, r in cls.levels.items()}
    assert ok["linearizable"] == brute_linearizable(h, RegisterModel())
    for strong, weak in [("linearizable", "sequential"), ("sequential", "causal"), ("causal", "read-your-writes"),
                         ("causal", "monotonic reads")]:
        if ok[strong] is True and ok[weak] is not None:
            assert ok[weak] is True, (strong, weak, cls[weak].reason)
    derived = classify(h)
    assert derived.strongest == cls.strongest


def test_kv_classification_of_a_generated_history():
    h = random_history(4, ops=300, clients=5, model="kv", keys=3)
    cls = classify(h, KVModel())
    assert cls.strongest == "linearizable" and cls.seconds < 10
