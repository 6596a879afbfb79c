"""The 15-tradeoffs check: registered, a stub is not attempted, it asks one choice question per theme
drawn with its seed, and its truth is the bank's, read at check time (tests/test_exercises.py proves
the right answers pass and the wrong ones fail)."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest

from dsworkbook import grading
from dsworkbook.grading import NotAttempted, WrongAnswer
from dsworkbook.grading.build import exercise_sections
from dsworkbook.grading.interview import tradeoffs
from dsworkbook.interview.questions import bank
from tests.wrong_answers.interview_tradeoffs import RIGHT

ROOT = Path(__file__).resolve().parents[1]
ANSWER = RIGHT["15-tradeoffs"]


def test_it_is_registered_as_a_design_exercise_of_i02():
    ex = grading.registry()["15-tradeoffs"]
    assert (ex.theme, ex.kind, ex.concepts, ex.parts) == ("T15", "design", ("I02",), ())


def test_an_unanswered_cell_is_not_attempted():
    with pytest.raises(NotAttempted):
        grading.check("15-tradeoffs", ...)


def test_the_selection_is_one_choice_question_per_theme_in_theme_order():
    chosen = tradeoffs.selection()
    assert [q.theme for q in chosen] == [f"T{n:02d}" for n in range(1, 15)]
    assert all(q.kind == "choice" for q in chosen)
    assert [q.id for q in chosen] == list(ANSWER)          # the ids the answers (and the statement) list


def test_another_seed_draws_other_questions_and_the_same_seed_the_same():
    assert tradeoffs.selection(seed=15) == tradeoffs.selection()
    assert tradeoffs.selection(seed=16) != tradeoffs.selection()


def test_a_question_added_to_one_theme_changes_at_most_that_theme():
    questions = bank()
    chosen = tradeoffs.selection(questions)
    for n, extra_id in enumerate(f"T02-added-{k}" for k in range(6)):
        extra = dataclasses.replace(chosen[1], id=extra_id)
        after = tradeoffs.selection([*questions, extra])
        assert [q.id for i, q in enumerate(after) if i != 1] == [q.id for i, q in enumerate(chosen) if i != 1], n


def test_the_truth_is_the_banks_at_check_time(monkeypatch):
    questions = bank()
    first = tradeoffs.selection(questions)[0]
    wrong_letter = sorted(set(first.choices) - set(first.answer))[0]
    edited = dataclasses.replace(first, answer=(wrong_letter,))
    monkeypatch.setattr(tradeoffs, "bank", lambda: [edited if q.id == first.id else q for q in questions])
    with pytest.raises(WrongAnswer, match=f"wrong answer on question {first.id}"):
        grading.check("15-tradeoffs", ANSWER)
    grading.check("15-tradeoffs", {**ANSWER, first.id: (wrong_letter, first.reason)})


def test_show_prints_every_question_with_its_choices_reasons_and_sections():
    lines: list[str] = []
    tradeoffs.show(print=lambda *a: lines.append(" ".join(map(str, a))))
    text = "\n".join(lines)
    for q in tradeoffs.selection():
        assert q.id in text and q.prompt in text
        assert all(choice in text for choice in q.choices.values())
        assert all(reason in text for reason in q.reasons.values())


def test_the_check_of_a_right_answer_takes_well_under_three_seconds(capsys):
    start = time.perf_counter()
    grading.check("15-tradeoffs", ANSWER)
    assert time.perf_counter() - start < 3.0


def test_the_statement_lists_every_question_it_asks():
    sections = {ex: text for nb in sorted((ROOT / "exercises").glob("15*.ipynb"))
                for ex, text in exercise_sections(nb).items()}
    if "15-tradeoffs" not in sections:
        pytest.skip("the statement of 15-tradeoffs is not in an exercise notebook yet")
    missing = [q.id for q in tradeoffs.selection() if q.id not in sections["15-tradeoffs"]]
    assert not missing, f"the statement does not list {missing}; update it from tradeoffs.selection()"
