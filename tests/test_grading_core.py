"""The grading machinery every check shares: budgets, worlds, parts, and messages shown whole.

Each rule is proven with a throw-away exercise registered for the test: a runaway answer ends
with a message that says what grew; an answer leaning on hash(), the global random module or
the clock is caught by running it in two worlds; a prediction's ``why`` is a graded part.
"""

from __future__ import annotations

import random
import time

import pandas as pd
import pytest

from dsworkbook import grading
from dsworkbook.errors import ConfigError
from dsworkbook.grading import core
from dsworkbook.sim import Node, Simulation


@pytest.fixture
def register():
    """Register throw-away exercises; remove them afterwards."""
    added: list[str] = []

    def add(exercise_id: str, grader, **options):
        options.setdefault("title", "a test exercise")
        options.setdefault("theme", "T00")
        options.setdefault("concepts", ())
        grading.exercise(exercise_id, **options)(grader)
        added.append(exercise_id)

    yield add
    for exercise_id in added:
        core._REGISTRY.pop(exercise_id, None)


# -- budgets ------------------------------------------------------------------------------------------------


def _call_on_ten(answer):
    for n in range(10):
        grading.attempt(answer, n, input=f"n={n}", case=f"n={n}")
    return "called on ten inputs"


def test_an_answer_that_never_returns_fails_at_the_time_budget_naming_the_case(register):
    register("zz-time", _call_on_ten, seconds=0.5)

    def spin(n):
        while n >= 3:
            pass
        return n

    started = time.perf_counter()
    with pytest.raises(grading.WrongAnswer) as info:
        grading.check("zz-time", spin)
    assert time.perf_counter() - started < 5
    text = str(info.value)
    assert "wrong answer on n=3" in text and "time budget of 0.5 s" in text and "hint:" in text


def test_the_alarm_is_gone_after_a_check(register):
    import signal

    register("zz-time2", _call_on_ten, seconds=0.5)
    grading.check("zz-time2", lambda n: n)
    assert signal.getitimer(signal.ITIMER_REAL)[0] == 0
    time.sleep(0.6)  # no stray alarm fires later


class _Flooder(Node):
    """Answers every message with two: the traffic doubles until something stops it."""

    def on_start(self):
        if self.id == "a":
            self.send("b", ("grow", 0))

    def on_message(self, src, msg):
        self.send(src, ("grow", msg[1] + 1))
        self.send(src, ("grow", msg[1] + 1))


def _run_flood(node_class):
    sim = Simulation(seed=4)
    sim.add_node("a", node_class)
    sim.add_node("b", node_class)
    sim.run(until=10_000)
    return "ran"


def test_a_node_that_floods_the_network_fails_at_the_event_budget_saying_what_grew(register):
    register("zz-events", _run_flood, events=20_000)
    with pytest.raises(grading.WrongAnswer) as info:
        grading.check("zz-events", _Flooder)
    text = str(info.value)
    assert "20,000 simulation events" in text
    assert "seed 4" in text and "pending" in text and "tuple x" in text


def test_the_event_budget_is_shared_by_every_run_of_a_check(register):
    def three_runs(node_class):
        for seed in (1, 2, 3):
            sim = Simulation(seed=seed)
            sim.add_node("a", node_class)
            sim.add_node("b", node_class)
            sim.run(until=40)  # 234, 93 and 222 events: each fits in 300, all three do not
        return "three runs"

    register("zz-shared", three_runs, events=300)
    with pytest.raises(grading.WrongAnswer, match="300 simulation events"):
        grading.check("zz-shared", _Flooder)


# -- worlds -------------------------------------------------------------------------------------------------


def _winner_check(answer):
    for case, (a, b) in grading.random_cases(5, 50, lambda rng: (f"r{rng.randrange(9)}", f"r{rng.randrange(9)}")):
        grading.same_everywhere(answer, a, b, input=(a, b), case=case)
    return "deterministic"


@pytest.mark.parametrize("answer", [
    lambda a, b: a if hash(a) > hash(b) else b,                  # differs from one process to the next
    lambda a, b: random.choice([a, b]),                         # the global random module
    lambda a, b: a if int(time.time()) % 2 else b,                # the clock
    lambda a, b: a if time.perf_counter_ns() % 2 else b,
])
def test_an_answer_leaning_on_hash_random_or_the_clock_is_rejected(register, answer):
    register("zz-worlds", _winner_check)
    with pytest.raises(grading.WrongAnswer) as info:
        grading.check("zz-worlds", answer)
    assert "run twice" in str(info.value) and "hash()" in str(info.value)


def test_a_deterministic_answer_passes_in_every_world_and_the_worlds_leave_no_trace(register):
    register("zz-worlds2", _winner_check)
    state = random.getstate()
    grading.check("zz-worlds2", lambda a, b: max(a, b))
    assert random.getstate() == state
    assert hash("x") == hash("x") and abs(time.time() - time.time()) < 1
    assert hash is core._REAL_HASH


def test_the_library_hashes_as_usual_inside_a_world():
    from dsworkbook.clocks.vector import VectorTimestamp

    outside = VectorTimestamp({"a": 1})
    with core._world(1):
        inside = VectorTimestamp({"a": 1})
        assert {outside: 1}[inside] == 1


def test_random_cases_are_labelled_with_their_number_and_seed_and_replay():
    first = list(grading.random_cases(8, 3, lambda rng: rng.random()))
    assert [label for label, _ in first] == [f"random case {k} of 3 (seed 8)" for k in (1, 2, 3)]
    assert first == list(grading.random_cases(8, 3, lambda rng: rng.random()))


# -- parts --------------------------------------------------------------------------------------------------


def _prediction(answer, *, why):
    if answer != 3:
        grading.fail(case="the prediction", input="q", expected=3, got=answer, hint="count again")
    if why != "b":
        grading.fail(case="the reason", input="q", expected="b", got=why, hint="reason b")
    return "right for the right reason"


def test_a_prediction_is_graded_with_its_reason(register, capsys):
    register("zz-why", _prediction, kind="predict", parts=("why",))
    assert grading.check("zz-why", 3, why="b").endswith("right for the right reason")
    with pytest.raises(grading.WrongAnswer, match="the reason"):
        grading.check("zz-why", 3, why="a")
    with pytest.raises(grading.NotAttempted, match="`why`"):
        grading.check("zz-why", 3, why=...)
    with pytest.raises(grading.NotAttempted, match="`why`"):
        grading.check("zz-why", 3)
    with pytest.raises(ConfigError, match="no part named because"):
        grading.check("zz-why", 3, because="b")


# -- messages -----------------------------------------------------------------------------------------------


def test_a_small_input_is_shown_whole_and_a_table_keeps_every_row():
    stream = list(range(300))
    assert core._show(stream) == repr(stream)
    table = pd.DataFrame({"process": [f"c{i}" for i in range(40)], "value": range(40)})
    shown = core._show(table)
    assert "c39" in shown and "..." not in shown and shown.count("\n") == 41


def test_a_huge_input_is_cut_and_says_how_much_is_left():
    shown = core._show("x" * 10_000)
    assert len(shown) < 2100 and "more characters" in shown


def test_salted_text_moves_the_order_of_a_set_of_strings_and_equals_the_plain_text():
    from dsworkbook.checkers.replicas import Version

    names = {f"n{i}" for i in range(12)}
    orders = {tuple(str(x) for x in core.salted(names, salt)) for salt in range(1, 6)}
    assert len(orders) > 1 and all(set(o) == names for o in orders)
    v = Version("x", (("n1", 1), ("n2", 0)), "n1")
    assert core.salted(v, 3) == v and type(core.salted(v, 3).node) is core.SaltedStr


def _first_of_set_check(answer):
    for case, names in grading.random_cases(3, 20, lambda rng: sorted({f"r{rng.randrange(30)}" for _ in range(6)})):
        grading.same_everywhere(answer, set(names), input=names, case=case, salt_text=True)
    return "the same pick in every world"


def test_an_answer_that_picks_by_a_sets_order_is_rejected_with_salted_text(register):
    register("zz-setorder", _first_of_set_check)
    with pytest.raises(grading.WrongAnswer, match="run twice"):
        grading.check("zz-setorder", lambda names: next(iter(names)))
    grading.check("zz-setorder", lambda names: min(names))


def test_an_answer_leaning_on_the_global_random_module_gets_the_same_verdict_every_time(register):
    def coin_check(answer):
        got = [answer() for _ in range(3)]
        if got != [1, 1, 1]:
            grading.fail(case="three calls", input="()", expected=[1, 1, 1], got=got, hint="always 1")
        return "three ones"

    register("zz-coin", coin_check)
    coin = lambda: random.randrange(2)  # noqa: E731
    verdicts = set()
    for seed in range(5):
        random.seed(seed)  # whatever the notebook did to the global random before the check
        try:
            grading.check("zz-coin", coin)
            verdicts.add("pass")
        except grading.WrongAnswer:
            verdicts.add("fail")
    assert len(verdicts) == 1


def test_worlds_nest_and_restore_what_was_there_before():
    with core._world(0):
        inside = hash("abc")
        with core._world(1):
            assert hash("abc") != inside
        assert hash("abc") == inside
    assert hash is core._REAL_HASH


@pytest.mark.parametrize("given, letter", [("b", "b"), ("(b)", "b"), (" B ", "b"), ("b.", "b"), ("(B).", "b")])
def test_a_choice_is_read_the_same_however_it_is_written(given, letter):
    assert core.need_choice(given, {"a": "one reason", "b": "another"}) == letter


@pytest.mark.parametrize("given", ["e", "", None, 2, ["b"], "ab"])
def test_a_choice_outside_the_options_fails_naming_them(register, given):
    register("zz-choice", lambda answer: core.need_choice(answer, {"a": "x", "b": "y", "c": "z"}))
    with pytest.raises(grading.WrongAnswer, match="one letter among a, b, c") as info:
        grading.check("zz-choice", given)
    assert info.value.case == "the form of `why`"


def test_each_exercise_id_names_the_grader_package_that_holds_its_check():
    import pkgutil

    from dsworkbook import grading

    packages = {i.name for i in pkgutil.iter_modules(grading.__path__)} - set(grading.MACHINERY)
    assert set(grading.THEME_PACKAGES.values()) == {p for p in packages if not p.startswith("_")}
    for exercise_id, ex in grading.registry().items():
        if ex.theme == "T99":  # the fixtures' own exercises
            continue
        package = grading.THEME_PACKAGES[exercise_id[:2]]
        assert ex.grader.__module__.startswith(f"dsworkbook.grading.{package}"), (exercise_id, ex.grader.__module__)


def test_a_check_imports_only_its_own_themes_checks():
    import subprocess
    import sys

    code = ("import sys, dsworkbook.grading as g; g.get('14-read-router'); "
            "print(sorted(m for m in sys.modules if m.startswith('dsworkbook.grading.') and m.count('.') == 2))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert eval(out) == ["dsworkbook.grading.core", "dsworkbook.grading.regions"]
