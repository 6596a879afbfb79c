"""The trade-off question bank, themes T01-T07 (I02): it loads, it is big enough, it links real
notebook sections, and no two prompts say the same thing."""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from pathlib import Path

import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.interview.links import check_link, notebook_headings
from dsworkbook.interview.questions import Question, bank, check_question

ROOT = Path(__file__).resolve().parents[2]
THEMES = ("T01", "T02", "T03", "T04", "T05", "T06", "T07")


@lru_cache(maxsize=None)
def ours() -> tuple[Question, ...]:
    return tuple(q for q in bank(ROOT) if q.theme in THEMES)


def _sentences(text: str) -> int:
    return len(re.findall(r"[.!?](?:\s|$)", text.strip()))


def test_the_bank_loads_with_every_rule_of_the_record() -> None:
    # arrange / act
    questions = bank(ROOT)
    # check: bank() ran check_question on every question; ours are among them
    assert {q.theme for q in questions} >= set(THEMES)


@pytest.mark.parametrize("theme", THEMES)
def test_each_theme_has_five_questions_and_three_choice_ones(theme: str) -> None:
    mine = [q for q in ours() if q.theme == theme]
    assert len(mine) >= 5, f"{theme}: {len(mine)} questions"
    assert sum(q.kind == "choice" for q in mine) >= 3, f"{theme}: fewer than 3 choice questions"


def test_every_link_names_a_real_heading_of_an_existing_notebook() -> None:
    for q in ours():
        for link in q.links:
            assert "#" in link, f"{q.id}: link {link!r} names no section"
            check_link(link, ROOT)  # the notebook exists and has that heading


def test_the_heading_parser_sees_sections_and_subsections() -> None:
    # a check of the checker: known headings are found, with and without the section number
    found = notebook_headings("06b_raft_in_production.ipynb", ROOT)
    assert "Membership changes (F08)" in found and "2 · Membership changes (F08)" in found
    assert "What interviewers ask" in found
    assert "## 2 · Membership changes (F08)" not in found
    assert "3.1 Loss, duplication and reordering" in notebook_headings("01_network_and_fallacies.ipynb", ROOT)
    assert "Membership changes" not in found  # a heading must match whole, concept id included


def test_theme_06_links_both_raft_notebooks() -> None:
    notebooks = {link.split("#")[0] for q in ours() if q.theme == "T06" for link in q.links}
    assert notebooks >= {"notebooks/06_raft.ipynb", "notebooks/06b_raft_in_production.ipynb"}


def likeness(a: str, b: str) -> float:
    """How alike two prompts read, 0..1, ignoring case, punctuation and spacing."""
    words = [" ".join(re.findall(r"[a-z0-9]+", x.lower())) for x in (a, b)]
    return difflib.SequenceMatcher(None, *words).ratio()


def test_no_two_prompts_alike() -> None:
    qs = ours()
    for i, a in enumerate(qs):
        for b in qs[i + 1:]:
            ratio = likeness(a.prompt, b.prompt)
            assert ratio < 0.7, f"{a.id} and {b.id} ask alike ({ratio:.2f})"


@pytest.mark.parametrize("a, b, alike", [
    # a reworded copy is caught
    ("Which statements about the CAP theorem are right?", "Which statements about CAP theorem are true?", True),
    ("Is ZooKeeper linearizable?", "is zookeeper  linearizable", True),
    # different questions on one topic are not
    ("Which statements about the CAP theorem are right?", "Is ZooKeeper linearizable? Which statements are right?", False),
])
def test_the_likeness_check_catches_a_reworded_copy(a: str, b: str, alike: bool) -> None:
    assert (likeness(a, b) >= 0.7) is alike


def test_choice_questions_have_right_and_wrong_options_and_one_reason() -> None:
    for q in (q for q in ours() if q.kind == "choice"):
        assert 1 <= len(q.answer) < len(q.choices), f"{q.id}: every choice right, or none"
        assert len(set(q.answer)) == len(q.answer), f"{q.id}: a letter twice in the answer"
        assert isinstance(q.reason, str) and len(q.reason) == 1, f"{q.id}: exactly one right reason"
        letters = list(q.choices) + list(q.reasons)
        assert all(re.fullmatch(r"[a-h]", x) for x in letters), f"{q.id}: letters a-h"
        assert len(set(q.choices.values())) == len(q.choices), f"{q.id}: two choices alike"


def test_open_questions_have_a_rubric_of_three_to_six_points_and_a_reference_of_four_to_ten_sentences() -> None:
    for q in (q for q in ours() if q.kind == "open"):
        assert 3 <= len(q.rubric) <= 6, f"{q.id}: rubric of {len(q.rubric)} points"
        assert 4 <= _sentences(q.reference) <= 10, f"{q.id}: reference of {_sentences(q.reference)} sentences"


def test_every_question_cites_its_sources_and_links_its_theme() -> None:
    for q in ours():
        assert q.sources and all(s.strip() for s in q.sources), f"{q.id}: no sources"
        number = q.theme[1:]
        assert any(link.startswith(f"notebooks/{number}") for link in q.links), f"{q.id}: no link to its theme"


def test_a_link_to_a_missing_notebook_is_refused() -> None:
    # the record's own check, on a question of ours with its link broken
    q = ours()[0]
    broken = Question(**{**q.__dict__, "links": ("notebooks/99_nothing.ipynb#Nowhere",)})
    with pytest.raises(ConfigError, match="does not exist"):
        check_question(broken, ROOT)


def test_the_position_of_the_right_reason_gives_nothing_away() -> None:
    # a learner who always answers the same letter must not score: the right reasons are spread
    letters = [q.reason for q in ours() if q.kind == "choice"]
    most = max(letters.count(x) for x in set(letters))
    assert len(set(letters)) >= 3 and most <= len(letters) / 2, f"right reasons: {sorted(letters)}"
