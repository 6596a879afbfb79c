"""Histories (M01): operations with three outcomes, read from the simulator, text, EDN and JSON lines."""

from __future__ import annotations

import math

import pytest

from dsworkbook.checkers import (History, HistoryParseError, Operation, from_sim_history, parse_edn, parse_jsonl,
                                 parse_timeline, to_edn, to_jsonl)
from dsworkbook.checkers.formats import read_edn_value, read_history
from dsworkbook.checkers.history import freeze
from dsworkbook.errors import ConfigError
from dsworkbook.sim import History as SimHistory


# -- operations ------------------------------------------------------------------------------------

def test_an_unknown_outcome_may_take_effect_at_any_time_after_its_invoke():
    op = Operation(0, "a", "write", 1, 1, 0.0, 5.0, "unknown")
    assert op.latest == math.inf and not op.ok
    assert Operation(1, "a", "write", 1, 1, 0.0, 5.0, "ok").latest == 5.0


@pytest.mark.parametrize("kwargs, fragment", [
    ({"outcome": "timeout"}, "outcome must be one of"),
    ({"f": ""}, "f must be a function name"),
    ({"invoke_time": 5.0, "complete_time": 1.0}, "before its invoke"),
])
def test_a_malformed_operation_is_refused_with_the_reason(kwargs, fragment):
    base = dict(index=0, process="a", f="write", input=1, output=1, invoke_time=0.0, complete_time=1.0, outcome="ok")
    with pytest.raises(ConfigError, match=fragment):
        Operation(**{**base, **kwargs})


def test_labels_name_the_operation_briefly():
    assert Operation(0, "a", "write", 3).label() == "w 3"
    assert Operation(0, "a", "read", None, None).label() == "r nil"
    assert Operation(0, "a", "cas", (1, 2), None, outcome="unknown").label() == "cas 1>2 ?"
    assert Operation(0, "a", "put", 1, key="x", outcome="fail").label() == "w x=1 !"


def test_a_history_is_ordered_by_invoke_time_and_keeps_indices_in_sub_histories():
    ops = [Operation(0, "a", "write", 1, 1, 5, 6), Operation(1, "b", "read", None, 1, 1, 9)]
    h = History(ops)
    assert [op.index for op in h] == [1, 0]
    assert h.subset([0]).ops == (ops[0],) and h.by_index(1) is ops[1]
    with pytest.raises(ConfigError, match="share index"):
        History([ops[0], ops[0]])
    with pytest.raises(ConfigError, match="Operation objects"):
        History([("a", "read")])


def test_freeze_makes_values_hashable():
    assert freeze([1, [2, {3}]]) == (1, (2, frozenset({3})))
    assert hash(freeze({"b": [1], "a": 2}))


# -- from the simulator ------------------------------------------------------------------------------

def test_from_sim_history_turns_pending_and_timed_out_ops_into_unknown():
    sim = SimHistory()
    w = sim.invoke("c1", "write", 1, 0.0)
    r = sim.invoke("c2", "read", None, 1.0)
    sim.complete(w, "unknown", None, 10.0)  # a timeout: Jepsen keeps the invoke's value
    sim.invoke("c3", "write", 2, 2.0)       # never completed
    sim.complete(r, "ok", 1, 3.0)
    h = from_sim_history(sim)
    assert [(op.process, op.outcome, op.output) for op in h] == [("c1", "unknown", 1), ("c2", "ok", 1),
                                                                  ("c3", "unknown", None)]
    assert h[0].complete_time == 10.0 and h[0].latest == math.inf and h[2].complete_time == math.inf
    assert from_sim_history(h) is h


def test_from_sim_history_refuses_something_else():
    with pytest.raises(ConfigError, match="has no"):
        from_sim_history([1, 2])


# -- the ASCII timeline -------------------------------------------------------------------------------

def test_a_timeline_drawing_gives_one_operation_per_bracket_timed_by_column():
    h = parse_timeline("""
        A: [w 1]    [r x=2 ?]
        B:   [cas 1>2]   [add 3 !]
    """)
    assert [(op.process, op.f, op.input, op.output, op.outcome, op.key) for op in h] == [
        ("A", "write", 1, None, "ok", None), ("B", "cas", (1, 2), None, "ok", None),
        ("A", "read", None, None, "unknown", "x"), ("B", "add", 3, None, "fail", None)]
    first = h[0]
    assert first.complete_time - first.invoke_time == len("[w 1]") - 1


@pytest.mark.parametrize("text, fragment", [
    ("A [w 1]", "expected a lane"),
    ("A: [w 1] junk", "outside"),
    ("A: [r]", "shows what it returned"),
    ("A: [cas 1]", "cas 1>2"),
    ("A: []", "empty operation"),
    ("", "no operations"),
])
def test_a_bad_timeline_says_what_to_write(text, fragment):
    with pytest.raises(ConfigError, match=fragment):
        parse_timeline(text)


# -- EDN and JSON lines --------------------------------------------------------------------------------

EDN = """
{:process 0, :type :invoke, :f :write, :value 3}
{:process 1, :type :invoke, :f :read, :value nil}
{:process 0, :type :ok, :f :write, :value 3}
{:process :nemesis, :type :info, :f :start, :value nil}
{:process 1, :type :ok, :f :read, :value 3}
{:process 2, :type :invoke, :f :cas, :value [3 4]}
{:process 2, :type :info, :f :cas, :value nil}
{:process 3, :type :invoke, :f :write, :value 5, :key "x"}
{:process 1, :type :invoke, :f :write, :value 9}
{:process 1, :type :fail, :f :write, :value 9}
"""


def test_edn_pairs_invokes_with_completions_and_info_keeps_the_invoke_value():
    h = parse_edn(EDN)
    got = [(op.process, op.f, op.input, op.output, op.outcome, op.key) for op in h]
    assert got == [(0, "write", 3, 3, "ok", None), (1, "read", None, 3, "ok", None),
                   (2, "cas", (3, 4), (3, 4), "unknown", None), (3, "write", 5, 5, "unknown", "x"),
                   (1, "write", 9, 9, "fail", None)]
    assert h[3].complete_time == math.inf  # still open at the end


@pytest.mark.parametrize("line2, fragment", [
    ("{:process 0 :type :ok, :f :write, :value [1 2}", "line 2: '}' closes '\\['"),
    ("{:process 0, :type :ok, :f :read}", "line 2: process 0 completes :read but invoked :write on line 1"),
    ("{:process 1, :type :ok, :f :write}", "line 2: a :ok completion for process 1, which has no open"),
    ("{:process 0, :type :invoke, :f :write}", "line 2: process 0 invokes :write while its operation from line 1"),
    ("{:process 0, :type :done, :f :write}", "line 2: :type must be one of"),
    ("{:process 0, :f :write}", "line 2: missing :type"),
    ("[1 2]", "line 2: expected a map"),
    ("{:process 0 :type}", "line 2: a map needs an even number"),
])
def test_unreadable_edn_names_the_line_and_what_was_expected(line2, fragment):
    with pytest.raises(HistoryParseError, match=fragment) as info:
        parse_edn("{:process 0, :type :invoke, :f :write, :value 1}\n" + line2)
    assert info.value.line == 2


def test_edn_values():
    assert read_edn_value('{:a [1 2.5 "s" nil true] :b #{:x} :c (1)}') == {
        "a": (1, 2.5, "s", None, True), "b": frozenset({"x"}), "c": (1,)}


def test_times_come_from_time_fields_when_every_event_has_one():
    h = parse_edn("{:process 0, :type :invoke, :f :read, :time 100}\n{:process 0, :type :ok, :f :read, :value 1, "
                  ":time 250}")
    assert (h[0].invoke_time, h[0].complete_time) == (100.0, 250.0)


def test_round_trips_through_edn_and_both_jsonl_forms():
    h = parse_timeline("""
        A: [w 1]  [cas 1>2 ?]
        B:   [r 1]    [w x=5 !]
    """)
    for text, parse in ((to_edn(h), parse_edn), (to_jsonl(h), parse_jsonl), (to_jsonl(h, events=False), parse_jsonl)):
        back = parse(text)
        assert [(o.process, o.f, o.input, o.outcome, o.key) for o in back] == \
               [(o.process, o.f, o.input, o.outcome, o.key) for o in h]
        assert [o.output for o in back if o.f == "read"] == [1]


@pytest.mark.parametrize("text, fragment", [
    ("{not json", "line 1: not JSON"),
    ("[1]", "line 1: expected a JSON object"),
    ('{"process": 0, "f": "read"}', "line 1: an operation line needs"),
])
def test_unreadable_jsonl_names_the_line(text, fragment):
    with pytest.raises(HistoryParseError, match=fragment):
        parse_jsonl(text)


def test_read_history_detects_the_format_and_reports_a_missing_file(tmp_path):
    (tmp_path / "h.jsonl").write_text('{"process": 0, "type": "invoke", "f": "write", "value": 1}\n')
    (tmp_path / "h.edn").write_text("{:process 0, :type :invoke, :f :write, :value 1}\n")
    assert read_history(tmp_path / "h.jsonl")[0].input == 1
    assert read_history(tmp_path / "h.edn")[0].input == 1
    with pytest.raises(HistoryParseError, match="cannot read the file"):
        read_history(tmp_path / "missing.edn")


def test_a_fail_completion_keeps_the_invoke_value_and_an_ok_one_without_a_value_does_too():
    text = "\n".join([
        '{"process": 0, "type": "invoke", "f": "write", "value": 4}',
        '{"process": 0, "type": "fail", "f": "write", "value": "refused"}',  # an error report, not a result
        '{"process": 1, "type": "invoke", "f": "write", "value": 2}',
        '{"process": 1, "type": "ok", "f": "write"}',
        '{"process": 2, "type": "invoke", "f": "read", "value": null}',
        '{"process": 2, "type": "ok", "f": "read", "value": 2}'])
    got = [(op.input, op.output, op.outcome) for op in parse_jsonl(text)]
    assert got == [(4, 4, "fail"), (2, 2, "ok"), (None, 2, "ok")]


def test_a_read_that_returned_nothing_is_labelled_by_its_mark_alone():
    assert Operation(0, "a", "read", outcome="unknown").label() == "r ?"
    assert Operation(0, "a", "read", outcome="fail").label() == "r !"
