"""The T14 routing checks (14-drill-route, 14-predict-failover) discriminate, and their truth is measured.

tests/test_exercises.py proves every right answer passes and every listed wrong answer fails;
here: kinds and concepts, stubs reported as not attempted, the drill's hand cases each catch a
bug of the seeds' router on their own, and the prediction's order and reason come from runs.
"""

from __future__ import annotations

import pytest

from dsworkbook import grading
from dsworkbook.grading import NotAttempted
from dsworkbook.grading.regions import drill_route, predict_failover
from dsworkbook.regions.routing import choose
from tests.wrong_answers.regions_routing import RIGHT, WRONG

EXERCISES = {"14-drill-route": ("drill", {"G01"}), "14-predict-failover": ("predict", {"G01"})}


def test_the_routing_exercises_are_registered_with_their_kinds_and_concepts():
    reg = grading.registry()
    assert {i: (reg[i].kind, set(reg[i].concepts)) for i in EXERCISES} == EXERCISES
    assert reg["14-predict-failover"].parts == ("why",)
    assert reg["14-drill-route"].reference == "dsworkbook.regions.routing.choose"


def test_a_stub_route_is_not_attempted():
    def route(policy, client, regions, u):
        raise NotImplementedError

    with pytest.raises(NotAttempted):
        grading.check("14-drill-route", route)


def test_an_unanswered_prediction_is_not_attempted():
    with pytest.raises(NotAttempted):
        grading.check("14-predict-failover", ..., why="a")
    with pytest.raises(NotAttempted):
        grading.check("14-predict-failover", ["Y", "X", "W", "Z"], why=...)


def test_the_library_reference_passes_the_drill(capsys):
    grading.check("14-drill-route", choose)
    assert "✔ 14-drill-route" in capsys.readouterr().out


def test_the_hand_cases_alone_catch_every_wrong_route():
    """Each wrong answer differs from the reference on some hand case, without the random worlds."""
    for wrong in WRONG["14-drill-route"]:
        if wrong.__name__ == "route_global_random":  # caught by the two worlds, not by a fixed case
            continue
        assert any(drill_route.outcome(wrong, p, c, r, u) != drill_route.reference(p, c, r, u)
                   for _case, p, c, r, u, _hint in drill_route.HAND), wrong


def test_the_random_worlds_cover_every_policy_none_errors_and_boundaries():
    cases = [c for _label, c in grading.random_cases(drill_route.SEED, drill_route.RANDOM, drill_route._draw)]
    results = [drill_route.reference(*c) for c in cases]
    assert {c[0] for c in cases} >= {"latency", "geolocation", "weighted", "failover", "closest"}
    assert None in results and drill_route.RAISES in results
    assert sum(isinstance(r, str) and r != drill_route.RAISES for r in results) > len(cases) // 2


def test_the_prediction_is_measured_by_running_each_configuration():
    runs = predict_failover.runs()
    assert set(runs) == set(predict_failover.CONFIGS)
    for name, run in runs.items():
        interval, threshold, ttl = predict_failover.CONFIGS[name]
        assert (run.config.interval, run.config.threshold, run.config.ttl) == (interval, threshold, ttl)
        assert 0 < run.detect <= run.recovery <= run.bound
    assert predict_failover.order(runs) == RIGHT["14-predict-failover"].value
    assert predict_failover.reasons_that_hold(runs) == ["a"]


def test_the_reason_follows_the_runs_not_a_constant():
    """On runs where the TTL is tiny everywhere, detection alone orders them: reason (b), not (a)."""
    from dsworkbook.regions.dns import dns_failover_run

    runs = {n: dns_failover_run(seed=14, interval=i, threshold=t, ttl=50.0, fail_at=3000.0)
            for n, (i, t, _ttl) in predict_failover.CONFIGS.items()}
    assert predict_failover.reasons_that_hold(runs) == ["b"]
