"""Interview mode (I02): the seeded draw, grading both parts of a choice answer, rubric scores, the
time budget, the reference hidden until an answer is written, and the results kept in the workspace
and shown by `progress`."""

from __future__ import annotations

import json

import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.grading.workspace import progress
from dsworkbook.interview.results import (INTERVIEW_FILE, Result, append_results, load_results, next_session,
                                          progress_lines, theme_id, theme_scores)
from dsworkbook.interview.session import (ask, choice_result, default_count, draw, grade_choice, interview,
                                          parse_letters, rubric_result)
from tests.interview.sample_questions import CLOCKS, ELECTION, LOG, QUORUM, SAMPLE, STALE


class Terminal:
    """A fake terminal: scripted input lines, captured output, a clock that moves `step` s per input."""

    def __init__(self, lines: list[str], step: float = 30.0) -> None:
        self.lines, self.step, self.now = list(lines), step, 0.0
        self.out: list[str] = []
        self.before_input: list[str] = []     # everything printed before each input was asked

    def input(self, prompt: str) -> str:
        self.out.append(prompt)
        self.before_input.append("\n".join(self.out))
        self.now += self.step
        if not self.lines:
            raise EOFError
        return self.lines.pop(0)

    def print(self, *args: object, **_: object) -> None:
        self.out.append(" ".join(map(str, args)))

    def clock(self) -> float:
        return self.now

    @property
    def text(self) -> str:
        return "\n".join(self.out)


def flat(text: str) -> str:
    """Text with its line breaks and runs of spaces as single spaces (the terminal output is wrapped)."""
    return " ".join(text.split())


def run(drawn, lines, *, minutes=45.0, step=30.0):
    term = Terminal(lines, step)
    results = ask(drawn, minutes=minutes, session=1, seed=7, input=term.input, print=term.print, clock=term.clock)
    return results, term


# --------------------------------------------------------------------------- the draw

def test_the_same_seed_draws_the_same_questions_in_the_same_order():
    assert draw(SAMPLE, count=4, seed=3) == draw(SAMPLE, count=4, seed=3)


def test_some_seeds_draw_a_different_order():
    orders = {tuple(q.id for q in draw(SAMPLE, count=5, seed=s)) for s in range(20)}
    assert len(orders) > 5


@pytest.mark.parametrize("seed", range(10))
def test_a_draw_of_as_many_questions_as_themes_covers_every_theme_once(seed):
    drawn = draw(SAMPLE, count=3, seed=seed)
    assert sorted(q.theme for q in drawn) == ["T02", "T04", "T06"]


def test_a_draw_of_every_question_holds_each_once():
    assert sorted(q.id for q in draw(SAMPLE, count=5, seed=1)) == sorted(q.id for q in SAMPLE)


@pytest.mark.parametrize("theme", ["T06", "t6", "06", "6"])
def test_a_theme_draws_only_its_questions(theme):
    assert {q.id for q in draw(SAMPLE, count=2, seed=0, theme=theme)} == {ELECTION.id, LOG.id}


@pytest.mark.parametrize("kwargs, message", [
    ({"count": 0}, "ask for 1 to 5"),                          # nothing to ask
    ({"count": 6}, "the bank has 5"),                           # more than there are
    ({"count": 3, "theme": "T06"}, "theme T06 has 2"),          # more than the theme has
    ({"count": 1, "theme": "T09"}, "no question of theme T09"),  # a theme without questions
    ({"count": 1, "theme": "raft"}, "not a theme number"),       # not a theme
])
def test_a_draw_that_cannot_be_made_is_a_clear_error(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        draw(SAMPLE, seed=0, **kwargs)


@pytest.mark.parametrize("minutes, available, count", [(45, 70, 9), (4, 70, 1), (45, 3, 3), (10, 70, 2)])
def test_the_default_count_is_one_question_per_five_minutes(minutes, available, count):
    assert default_count(minutes, available) == count


@pytest.mark.parametrize("minutes", [0, -5])
def test_a_budget_of_no_time_is_a_clear_error(minutes):
    with pytest.raises(ConfigError, match="above 0 minutes"):
        default_count(minutes, 10)
    with pytest.raises(ConfigError, match="above 0 minutes"):
        ask([QUORUM], minutes=minutes, session=1, seed=0, input=input, print=print)


# --------------------------------------------------------------------------- grading

@pytest.mark.parametrize("text, letters", [
    ("a, b", ("a", "b")), ("AB", ("a", "b")), ("(b) (a)", ("a", "b")), ("ba", ("a", "b")), ("a a", ("a",)),
])
def test_letters_are_read_in_any_order_and_case(text, letters):
    assert parse_letters(text, QUORUM.choices) == letters


@pytest.mark.parametrize("text, one, message", [
    ("", False, "one or more letters among a, b, c, d"),
    ("e", False, "e is not among the letters a, b, c, d"),
    ("ab", True, "one letter among a, b, c, not 2"),
    ("the leader, z", False, "the, leader, z are not among"),    # a sentence typed in the wrong place
])
def test_letters_that_name_nothing_or_too_much_are_a_clear_error(text, one, message):
    options = QUORUM.reasons if one else QUORUM.choices
    with pytest.raises(ConfigError, match=message):
        parse_letters(text, options, one=one)


@pytest.mark.parametrize("letters, reason, right, why, hit", [
    ("ab", "a", True, True, 2),     # both parts right
    ("ba", "b", True, False, 1),    # the right choices for the wrong reason
    ("abc", "a", False, True, 1),   # an extra choice: wrong, however right the rest
    ("a", "a", False, True, 1),     # a missing choice
    ("cd", "c", False, False, 0),   # the classic n // 2 mistake, with its reason
])
def test_a_choice_answer_is_graded_in_both_parts(letters, reason, right, why, hit):
    grade = grade_choice(QUORUM, letters, reason)
    assert (grade.letters_right, grade.reason_right, grade.hit) == (right, why, hit)
    result = choice_result(QUORUM, grade, session=1, seed=0, seconds=12.34)
    assert (result.points, result.score, result.seconds) == (2, hit / 2, 12.3)


def test_an_open_answer_scores_the_fraction_of_rubric_points_hit():
    result = rubric_result(STALE, "the replica read may have missed it", [True, False, True], session=1, seed=0,
                           seconds=60)
    assert (result.hit, result.points) == (2, 3) and result.score == pytest.approx(2 / 3)


@pytest.mark.parametrize("q, answer, marks, message", [
    (STALE, "  ", [True, True, True], "cannot be empty"),        # the reference is earned by an answer
    (STALE, "x", [True], "has 3 rubric points; got 1 marks"),     # one mark per point
    (QUORUM, "x", [True, True], "is a choice question"),           # choice questions are graded, not marked
])
def test_an_open_answer_without_text_or_marks_is_a_clear_error(q, answer, marks, message):
    with pytest.raises(ConfigError, match=message):
        rubric_result(q, answer, marks, session=1, seed=0, seconds=1)


def test_grading_an_open_question_as_a_choice_is_a_clear_error():
    with pytest.raises(ConfigError, match="open question"):
        grade_choice(STALE, "a", "a")


# --------------------------------------------------------------------------- the interactive loop

def test_a_choice_question_is_graded_at_once_and_shows_the_reasons_only_after_the_letters():
    results, term = run([QUORUM], ["a b", "b"])
    [result] = results
    assert (result.question, result.hit, result.points, result.answer) == (QUORUM.id, 1, 2, "ab / b")
    first_input = term.before_input[0]
    assert QUORUM.choices["a"] in first_input and QUORUM.reasons["a"] not in first_input
    assert "✔ answer a, b" in term.text and "✘ reason (b) - it is (a)" in term.text


def test_an_open_answer_must_be_written_before_the_reference_is_shown():
    lines = ["", "the replica read may be behind", "it needs R + W > N", "", "y", "maybe", "n", "y"]
    results, term = run([STALE], lines)
    [result] = results
    assert (result.hit, result.points) == (2, 3)
    assert result.answer == "the replica read may be behind\nit needs R + W > N"
    # always: the reference is never on screen before the last line of the answer was given
    answer_done = 4                              # inputs 1-4: empty (refused), two lines, the closing empty line
    assert all(flat(STALE.reference) not in flat(seen) for seen in term.before_input[:answer_done])
    # sometimes: it is shown once the answer is in, before the first mark is asked
    assert flat(STALE.reference) in flat(term.before_input[answer_done])
    assert "an answer cannot be empty" in term.text and "answer y (the point is in your answer) or n" in term.text


def test_each_answer_time_is_recorded_without_the_self_assessment():
    # choice: 2 inputs of 30 s each; open: 2 inputs for the answer (60 s), 2 marks not counted
    results, _ = run([ELECTION, LOG], ["a", "a", "split votes and Figure 8", "", "y", "y", "n", "n"], minutes=45)
    assert [r.seconds for r in results] == [60.0, 60.0]


def test_no_question_starts_once_the_budget_is_spent():
    # 1 minute budget, 30 s per input: the first choice question takes 60 s, then time is up
    results, term = run([ELECTION, CLOCKS, QUORUM], ["a", "a", "a", "a"], minutes=1)
    assert [r.question for r in results] == [ELECTION.id]
    assert "Time is up: 2 question(s) not reached." in term.text


def test_the_end_of_input_stops_the_session_and_keeps_what_was_answered():
    results, term = run([CLOCKS, ELECTION], ["a", "a", "a"])          # input ends inside the second question
    assert [r.question for r in results] == [CLOCKS.id] and "Stopped." in term.text


def test_a_letter_typed_wrong_is_asked_again_not_graded():
    results, term = run([CLOCKS], ["z", "a", "ab", "a"])
    assert results[0].hit == 2 and "z is not among the letters a, b, c" in term.text


# --------------------------------------------------------------------------- results in the workspace

def _result(question="T02-q", theme="T02", hit=1, points=2, session=1, seed=0) -> Result:
    return Result(session, seed, question, theme, "choice", hit, points, 10.0, "a / a")


def test_a_session_appends_its_results_and_the_next_one_draws_anew(tmp_path):
    ws = tmp_path / "workspace"
    term = Terminal(["a", "a"] * 3 + ["x", ""] + ["y"] * 4)
    first = interview(ws, minutes=45, count=2, questions=SAMPLE, input=term.input, print=term.print, clock=term.clock)
    assert {r.session for r in first} == {1} and {r.seed for r in first} == {0}
    term2 = Terminal(["a", "a", "x", "", "y", "y", "y", "y", "a", "a"])
    second = interview(ws, minutes=45, count=1, questions=SAMPLE, input=term2.input, print=term2.print,
                       clock=term2.clock)
    assert {r.session for r in second} == {2} and {r.seed for r in second} == {1}   # seed = sessions saved
    assert load_results(ws) == first + second
    assert "seed 1 (draw it again with --seed 1)" in term2.text and "Saved to" in term2.text


def test_an_interview_seed_repeats_the_draw(tmp_path):
    drawn = []
    for ws in (tmp_path / "a", tmp_path / "b"):
        term = Terminal([])                                            # stops at the first input
        interview(ws, seed=11, count=3, questions=SAMPLE, input=term.input, print=term.print, clock=term.clock)
        drawn.append(term.out[1])                                      # the first question's heading
    assert drawn[0] == drawn[1] and not (tmp_path / "a" / INTERVIEW_FILE).exists()


def test_a_line_cut_short_is_skipped_and_the_rest_is_read(tmp_path):
    append_results(tmp_path, [_result("T02-a"), _result("T03-b", "T03")])
    with open(tmp_path / INTERVIEW_FILE, "a", encoding="utf-8") as f:
        f.write('{"session": 1, "seed": 0, "quest')
    assert [r.question for r in load_results(tmp_path)] == ["T02-a", "T03-b"]
    assert next_session(load_results(tmp_path)) == 2


@pytest.mark.parametrize("kwargs, message", [({"hit": 3, "points": 2}, "is not a score"),
                                             ({"hit": 0, "points": 0}, "is not a score")])
def test_a_result_that_is_not_a_score_is_a_clear_error(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        _result(**kwargs)


def test_results_need_a_workspace(tmp_path):
    with pytest.raises(ConfigError, match="dsworkbook start"):
        load_results(tmp_path / "missing")


def test_the_latest_answer_to_a_question_is_the_one_that_counts():
    scores = theme_scores([_result("T02-a", hit=0), _result("T02-b", hit=2), _result("T02-a", hit=2, session=2)])
    assert scores["T02"].questions == 2 and scores["T02"].score == 1.0


def test_progress_lines_put_the_weakest_theme_first_beside_its_exercises():
    results = [_result("T02-a", hit=2), _result("T06-a", "T06", hit=1), _result("T04-a", "T04", hit=0)]
    lines = progress_lines({"T02": (1, 4), "T06": (2, 2), "T01": (1, 2)}, results)
    themes = [line.split()[0] for line in lines[2:]]
    # T04: 0.0; T02: (1.0 + 0.25) / 2; T01: 0.5 (exercises only); T06: (0.5 + 1.0) / 2
    assert themes == ["T04", "T01", "T02", "T06"]
    assert lines[0].startswith("Interview: 1 session, 3 answers, mean score 0.50")
    assert lines[1].split() == ["THEME", "INTERVIEW", "EXERCISES"]
    assert "1/4 passed" in lines[4] and "1.00 over 1 question" in lines[4]
    assert progress_lines({"T02": (1, 4)}, []) == []


def test_progress_shows_interview_results_beside_the_exercises(tmp_path, capsys):
    ws = tmp_path / "workspace"
    ws.mkdir()
    card = [{"theme": "T02", "notebook": "02_x.ipynb", "cell": 1, "exercise": "02-a", "status": "pass", "message": ""},
            {"theme": "T02", "notebook": "02_x.ipynb", "cell": 2, "exercise": "02-b", "status": "fail", "message": ""}]
    (ws / ".progress.json").write_text(json.dumps({"version": 1, "notebooks": {"02_x.ipynb": {"exercises": card}}}))
    sums = progress(ws)
    before = capsys.readouterr().out.splitlines()
    assert before == ["T02: 1/2 passed (1 fail)", "overall: 1/2 passed (1 fail)"]   # unchanged without answers
    append_results(ws, [_result("T06-a", "T06", hit=0), _result("T02-a", hit=2)])
    assert progress(ws) == sums                                      # the sums are the exercises' as before
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == before and out[2].startswith("Interview: 1 session, 2 answers")
    assert [line.split()[0] for line in out[4:]] == ["T06", "T02"]


def test_progress_with_interview_answers_only(tmp_path, capsys):
    append_results(tmp_path, [_result("T06-a", "T06", hit=1)])
    assert progress(tmp_path) == {}
    out = capsys.readouterr().out
    assert "No exercise results saved yet" in out and "T06    0.50 over 1 question  -" in out


@pytest.mark.parametrize("given, theme", [("T03", "T03"), ("t3", "T03"), ("03", "T03"), ("14", "T14")])
def test_theme_spellings(given, theme):
    assert theme_id(given) == theme

