"""The T14 cache checks discriminate, and the runs inside them catch broken rules on their own.

tests/test_exercises.py proves every right answer passes and every listed wrong answer fails;
here: kinds, concepts and references, stubs reported as not attempted, wrong answers rejected
(also while the exercise notebook is not yet assembled), and that the simulated scenarios of each
check catch the racy rules without the hand cases around them.
"""

from __future__ import annotations

import pytest

from dsworkbook import grading
from dsworkbook.grading import NotAttempted
from dsworkbook.grading.regions import single_flight as sf
from dsworkbook.grading.regions import versioned_cache as vc
from tests.wrong_answers import submit
from tests.wrong_answers.regions_cache import ALSO_RIGHT, RIGHT, WRONG

EXERCISES = {
    "14-versioned-cache": ("implement", {"G03"}, "dsworkbook.regions.cache.apply_versioned"),
    "14-single-flight": ("implement", {"G03"}, "dsworkbook.regions.cache.single_flight"),
}


def test_the_cache_exercises_are_registered_with_kind_concepts_and_reference():
    reg = grading.registry()
    assert {i: (reg[i].kind, set(reg[i].concepts), reg[i].reference) for i in EXERCISES} == EXERCISES
    assert all(reg[i].theme == "T14" for i in EXERCISES)


@pytest.mark.parametrize("exercise_id", sorted(EXERCISES))
def test_a_stub_is_not_attempted(exercise_id):
    def stub(*args):
        raise NotImplementedError

    with pytest.raises(NotAttempted):
        grading.check(exercise_id, stub)


@pytest.mark.parametrize("exercise_id", sorted(EXERCISES))
def test_the_right_answers_pass(exercise_id, capsys):
    for answer in [RIGHT[exercise_id], *ALSO_RIGHT[exercise_id]]:
        submit(exercise_id, answer)
    assert capsys.readouterr().out.count(f"✔ {exercise_id}") == 1 + len(ALSO_RIGHT[exercise_id])


@pytest.mark.parametrize("exercise_id, answer", [
    pytest.param(i, a, id=f"{i}-{a.__name__}") for i in sorted(EXERCISES) for a in WRONG[i]])
def test_every_wrong_answer_is_rejected_with_a_hint(exercise_id, answer):
    with pytest.raises(grading.WrongAnswer) as info:
        submit(exercise_id, answer)
    assert info.value.hint


def test_there_are_at_least_ten_wrong_answers_each():
    assert all(len(WRONG[i]) >= 10 for i in EXERCISES)


@pytest.mark.parametrize("name", ["fill_always", "tombstones_ignored_by_fill", "delete_removes"])
def test_the_race_runs_alone_catch_a_racy_rule(name, monkeypatch):
    from tests.wrong_answers import regions_cache as answers

    monkeypatch.setattr(grading.core._Current, "exercise", "14-versioned-cache")
    with pytest.raises(grading.WrongAnswer):
        vc._race(getattr(answers, name))
    assert vc._race(RIGHT["14-versioned-cache"]) == 10


def test_the_herd_replay_alone_catches_no_coalescing(capsys):
    from dsworkbook.regions.cache_races import thundering_herd
    from tests.wrong_answers.regions_cache import no_coalescing

    herd = thundering_herd(False)
    timeline = [(round(t, 1), k) for t, k in herd.arrivals]
    right = sum(RIGHT["14-single-flight"](timeline, round(herd.fetch_ms), herd.ttl))
    assert sum(no_coalescing(timeline, round(herd.fetch_ms), herd.ttl)) > 20 * right
    assert sum(sf.single_flight(timeline, round(herd.fetch_ms), herd.ttl)) == right


def test_the_random_cases_reach_every_boundary():
    hits = {"at completion": 0, "at expiry": 0, "ties": 0}
    for _case, (requests, fetch_ms, ttl) in grading.random_cases(141, 500, sf.draw_int):
        done = {}
        for t, k in requests:
            f = done.get(k)
            hits["at completion"] += f is not None and t == f
            hits["at expiry"] += f is not None and t == f + ttl
            if f is None or t >= f + ttl:
                done[k] = t + fetch_ms
        hits["ties"] += len({t for t, _ in requests}) < len(requests)
    assert all(n >= 20 for n in hits.values()), hits
