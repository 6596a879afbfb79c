"""The flakiness meter: pass rate over seeds, the shortest failing seed shrunk, and its replay.

A throw-away exercise with a cheap experiment (it fails exactly when its seed's fault schedule
crashes n1) proves the mechanics quickly: the rate, the choice of the shortest seed, the
shrink, the replay, one process against two, the CLI and the line a seeded check failure gets.
Then the real thing, on few seeds: a RequestVote handler that forgets to persist its vote when
the term is even fails some seeds and passes others, and its failure replays; the reference
passes every seed of every exercise that declares an experiment.
"""

from __future__ import annotations

import json

import pytest

from dsworkbook import grading
from dsworkbook.cli import main
from dsworkbook.consensus.raft import RaftNode
from dsworkbook.consensus.raft_kv import KVStore
from dsworkbook.errors import ConfigError
from dsworkbook.grading import core
from dsworkbook.grading.flaky import Failure, FlakyReport, flaky, meter_line, replay
from dsworkbook.locks.fencing import Storage
from dsworkbook.reliability import backoff_delay
from dsworkbook.sim import Crash, FaultSchedule
from tests.wrong_answers.raft import RIGHT as RAFT_RIGHT
from tests.wrong_answers.raft import VoteForgetsOnEvenTerms

NODES = ("n1", "n2", "n3")


def _schedule(seed: int) -> FaultSchedule:
    return FaultSchedule.random(seed, NODES, duration=400.0, faults=4, kinds=("crash", "partition", "pause"))


def toy_experiment(answer, seed, schedule=None, until=None):
    """Fails when the schedule crashes n1 (the answer picks how to say so); the time is that crash's."""
    faults = _schedule(seed) if schedule is None else schedule
    crashes = [f for f in faults if isinstance(f, Crash) and f.node == "n1" and (until is None or f.at <= until)]
    if not crashes:
        return None
    return Failure(answer(crashes[0].at), crashes[0].at, faults, "n1 crashed")


def _toy_grader(answer):
    with core.seeded(7):
        core.fail(case="seed 7", input="seed 7", expected="no crash", got="a crash")
    return "unreachable"


def _hand_grader(answer):
    core.fail(case="a hand-made case", input=1, expected=2, got=3)
    return "unreachable"


@pytest.fixture
def toy():
    """Register the throw-away exercises; remove them afterwards."""
    added = {"zz-flaky": dict(grader=_toy_grader, experiment=toy_experiment),
             "zz-flaky-hand": dict(grader=_hand_grader, experiment=toy_experiment),
             "zz-flaky-none": dict(grader=_toy_grader)}
    for exercise_id, spec in added.items():
        grading.exercise(exercise_id, title="a test exercise", theme="T00", concepts=(),
                         experiment=spec.get("experiment"))(spec["grader"])
    yield "zz-flaky"
    for exercise_id in added:
        core._REGISTRY.pop(exercise_id, None)


def _say(at):
    return f"n1 went down at {at:.1f}"


# -- the mechanics, on the throw-away exercise -----------------------------------------------------------------


def test_the_pass_rate_is_measured_and_the_shortest_failing_seed_is_shrunk_and_replays(toy):
    # arrange: which of seeds 0..19 crash n1, counted directly
    failing = [s for s in range(20) if toy_experiment(_say, s) is not None]
    assert 0 < len(failing) < 20
    # act
    report = flaky(toy, _say, seeds=20, show=False)
    # check: the rate, the failing seeds, and the shortest (fewest faults up to the failure)
    assert sorted(report.failures) == failing
    assert report.pass_rate == (20 - len(failing)) / 20
    fewest = min(report.failures[s].faults_before() for s in failing)
    assert report.failures[report.seed].faults_before() == fewest
    assert report.schedule is not None and len(report.schedule) < report.shrunk_from
    assert all(isinstance(f, Crash) and f.node == "n1" for f in report.schedule)
    again = replay(toy, _say, seed=report.seed, schedule=report.schedule, show=False)
    assert again == report.failure and again.property == "n1 crashed"
    text = report.describe()
    assert f"{report.passed} of 20 runs pass" in text
    assert f'dw.grading.replay("{toy}", _say, seed={report.seed}, schedule=report.schedule)' in text


def test_two_processes_give_the_same_report_as_one(toy):
    one = flaky(toy, _say, seeds=12, show=False)
    two = flaky(toy, _say, seeds=12, processes=2, show=False)
    assert (two.failures, two.seed, two.schedule) == (one.failures, one.seed, one.schedule)


def test_a_seeded_check_failure_points_at_the_meter_and_a_hand_made_one_does_not(toy):
    with pytest.raises(grading.WrongAnswer) as seeded:
        grading.check("zz-flaky", _say)
    assert str(seeded.value).splitlines()[-1].strip() == meter_line("zz-flaky", _say)
    assert meter_line("zz-flaky", _say).endswith('dw.grading.flaky("zz-flaky", _say, seeds=500)')
    assert 'dw.grading.flaky("zz-flaky", answer, seeds=500)' in meter_line("zz-flaky", lambda at: at)
    for other in ("zz-flaky-hand", "zz-flaky-none"):  # not seeded; seeded but no experiment to offer
        with pytest.raises(grading.WrongAnswer) as plain:
            grading.check(other, _say)
        assert "depends on the seed" not in str(plain.value)


@pytest.mark.parametrize("call, fragment", [
    (lambda: flaky("zz-flaky", _say, seeds=0), "seeds must be at least 1"),
    (lambda: flaky("zz-flaky", _say, seeds=[]), "non-empty list of ints"),
    (lambda: flaky("zz-flaky", _say, seeds=["1"]), "non-empty list of ints"),
    (lambda: flaky("zz-flaky", _say, seeds=3, processes=0), "processes must be an int >= 1"),
    (lambda: flaky("zz-flaky", _say, seeds=3, shrink_runs=0), "shrink_runs must be an int >= 1"),
    (lambda: flaky("zz-flaky-none", _say, seeds=3), "declares no experiment over seeds"),
    (lambda: replay("zz-flaky", _say, seed="3"), "seed must be an int"),
])
def test_bad_input_is_a_config_error_that_says_what_to_do(toy, call, fragment):
    with pytest.raises(ConfigError, match=fragment):
        call()


def test_an_untouched_answer_is_not_attempted(toy):
    def stub(at):
        raise NotImplementedError

    with pytest.raises(grading.NotAttempted):
        flaky(toy, stub, seeds=5, show=False)
    with pytest.raises(grading.NotAttempted):
        flaky(toy, ..., seeds=5, show=False)


def _notebook(path, cells):
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
          "cells": [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": src}
                    for src in cells]}
    path.write_text(json.dumps(nb), encoding="utf-8")


def test_the_cli_reads_the_answer_from_the_workspace_notebook(toy, tmp_path, capsys):
    _notebook(tmp_path / "00_toy.ipynb", [
        "import dsworkbook as dw\n%matplotlib inline",
        'print("noise")\ndef my_say(at):\n    return f"n1 went down at {at:.1f}"',
        'dw.grading.check("zz-flaky-hand", my_say)',  # another check cell: skipped
        'dw.grading.check("zz-flaky", my_say)'])
    expected = flaky(toy, _say, seeds=10, show=False)
    code = main(["check", "--flaky", toy, "--seeds", "10", "--workspace", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1
    assert f"{expected.passed} of 10 runs pass" in out and f"shortest failing seed: {expected.seed}" in out
    assert "noise" not in out
    assert main(["check", "--flaky", "zz-flaky-none", "--workspace", str(tmp_path)]) == 2


# -- the real experiments, on few seeds -------------------------------------------------------------------------


def test_a_vote_forgotten_in_even_terms_fails_some_seeds_and_its_shrunk_failure_replays():
    # seeds 0 (election safety broken at t=356) and 1 (safe) of the campaign's schedule
    report = flaky("06-request-vote", VoteForgetsOnEvenTerms, seeds=2, shrink_runs=12, show=False)
    assert 0 < report.pass_rate < 1
    assert report.seed == 0 and report.failure.property == "election safety"
    assert len(report.schedule) < report.shrunk_from
    again = replay("06-request-vote", VoteForgetsOnEvenTerms, seed=0, schedule=report.schedule, show=False)
    assert again == report.failure
    assert "voted for" in again.what and again.run is not None


class KeepsNoSessions(KVStore):
    def apply(self, command):
        return self.execute(command)


@pytest.mark.parametrize("exercise_id, answer, seeds", [
    ("06-request-vote", RaftNode, [0]),
    ("06-append-entries", RAFT_RIGHT["06-append-entries"], [0]),
    ("06-kv-session", KVStore, [14]),
    ("01-backoff", backoff_delay, [0, 1, 2]),
    ("09-fencing-storage", Storage, [3]),
])
def test_the_reference_passes_every_seed(exercise_id, answer, seeds):
    report = flaky(exercise_id, answer, seeds=seeds, show=False)
    assert isinstance(report, FlakyReport) and report.pass_rate == 1.0 and report.seed is None


def test_an_always_wrong_backoff_fails_every_seed():
    def no_jitter(attempt, base, cap, rng):
        return min(cap, base * 2 ** min(attempt, 64))

    report = flaky("01-backoff", no_jitter, seeds=3, show=False)
    assert report.pass_rate == 0.0 and report.failure.property == "wave" and report.schedule is None
