"""The trade-off question bank, themes T08-T14: it loads, each theme has enough questions of each
kind, every link resolves to a real heading of a real notebook, and no two prompts say the same.

A link's '#' part is a heading's text without its leading '#'s and, for a section, without its
number: '## 3 · Title' is linked as 'Title'; a subsection is linked as written, '### 3.2 Title'
as '3.2 Title' (the convention of the whole bank, T01-T14).
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from pathlib import Path

import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.interview import questions as record
from dsworkbook.interview.links import check_link, notebook_headings
from dsworkbook.interview.bank import t08, t09, t10, t11, t12, t13, t14

ROOT = Path(__file__).resolve().parents[2]
THEMES = ("T08", "T09", "T10", "T11", "T12", "T13", "T14")
MODULES = {"T08": t08, "T09": t09, "T10": t10, "T11": t11, "T12": t12, "T13": t13, "T14": t14}
OURS = tuple(q for theme in THEMES for q in MODULES[theme].QUESTIONS)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(`])")


def headings(notebook: str) -> tuple[str, ...]:
    """The linkable text of every markdown heading of ``notebook`` (the library's parser, see the module doc)."""
    return notebook_headings(notebook, ROOT)


def sentences(text: str) -> int:
    return len([s for s in _SENTENCE_END.split(text.strip()) if s])


# --- the bank loads, with these themes in it ---------------------------------------------------

def test_bank_loads_and_holds_every_question_of_t08_to_t14():
    loaded = {q.id: q for q in record.bank(ROOT)}
    for q in OURS:
        assert loaded[q.id] == q


@pytest.mark.parametrize("theme", THEMES)
def test_each_theme_has_five_questions_and_three_choice_ones(theme):
    qs = [q for q in record.bank(ROOT) if q.theme == theme]
    assert len(qs) >= 5, f"{theme}: {len(qs)} questions"
    assert sum(q.kind == "choice" for q in qs) >= 3
    assert all(q.theme == theme for q in MODULES[theme].QUESTIONS), "a module holds its own theme only"


# --- links: a real notebook and a real heading of it -------------------------------------------

@pytest.mark.parametrize("q", OURS, ids=lambda q: q.id)
def test_every_link_names_a_heading_of_an_existing_notebook(q):
    for link in q.links:
        assert "#" in link, f"{q.id}: link {link!r} names no section"
        check_link(link, ROOT)  # the notebook exists and has that heading


def test_heading_parser_strips_section_numbers_and_keeps_subsections_as_written():
    found = headings("08_byzantine.ipynb")
    assert "The idea" in found and "1 · The idea" in found  # '## 1 · The idea', with or without its number
    assert "2.1 The normal case (B01)" in found         # '### 2.1 The normal case (B01)'
    assert "The normal case (B01)" not in found
    assert "In AWS terms" in headings("14_replication_and_regions.ipynb")
    assert "Honest histories: `fail` versus `unknown`" in headings("02_cap_and_quorums.ipynb")   # unnumbered ###


def test_a_wrong_section_is_not_a_heading():
    assert "3.2 Byzantine quorums: why 2f+1 (B03)" not in headings("08_byzantine.ipynb")


# --- prompts do not repeat --------------------------------------------------------------------
# Two prompts are alike when they share most of their content words (the stems of the question,
# not its "which statements ... choose all that apply" frame), or when one is a light rewording
# of the other word for word.
_STOP = frozenset(
    "which what that with this from they their them your when does about true apply choose statements "
    "would there each have will into then than only more must should could these those were been being "
    "also some every other after before".split()
)


def content_words(prompt: str) -> frozenset[str]:
    return frozenset(t for t in re.findall(r"[a-z0-9]+", prompt.lower()) if len(t) >= 4 and t not in _STOP)


def alike(a: str, b: str) -> bool:
    wa, wb = content_words(a), content_words(b)
    jaccard = len(wa & wb) / max(1, len(wa | wb))
    words = difflib.SequenceMatcher(None, re.findall(r"\w+", a.lower()), re.findall(r"\w+", b.lower())).ratio()
    return jaccard >= 0.5 or words >= 0.8


def test_no_two_prompts_alike():
    every = record.bank(ROOT)
    for i, a in enumerate(every):
        for b in every[i + 1:]:
            if a.theme not in THEMES and b.theme not in THEMES:
                continue                                 # the other themes' own test judges those
            assert not alike(a.prompt, b.prompt), f"{a.id} and {b.id} ask the same thing"


@pytest.mark.parametrize("q", OURS[::5], ids=lambda q: q.id)
def test_alike_catches_a_reworded_copy(q):
    words = q.prompt.split()
    reworded = " ".join("something" if i % 8 == 3 else w for i, w in enumerate(words))   # 1 word in 8 replaced
    assert alike(q.prompt, reworded)
    assert not alike(q.prompt, "How would you shard a photo store across cheap disks in three data centres?")


# --- the shape the brief asks for ---------------------------------------------------------------

@pytest.mark.parametrize("q", [q for q in OURS if q.kind == "choice"], ids=lambda q: q.id)
def test_choice_questions_are_machine_gradable(q):
    assert all(re.fullmatch(r"[a-z]", k) for k in (*q.choices, *q.reasons))
    assert list(q.answer) == sorted(set(q.answer)), "answer letters sorted and unique"
    assert len(q.reasons) >= 3 and q.reason in q.reasons
    assert len(q.choices) > len(q.answer), "at least one wrong choice"


@pytest.mark.parametrize("q", [q for q in OURS if q.kind == "open"], ids=lambda q: q.id)
def test_open_questions_have_a_rubric_of_three_to_six_and_a_reference_of_four_to_ten_sentences(q):
    assert 3 <= len(q.rubric) <= 6
    assert 4 <= sentences(q.reference) <= 10, f"{q.id}: {sentences(q.reference)} sentences"


@pytest.mark.parametrize("q", OURS, ids=lambda q: q.id)
def test_every_question_cites_a_source_and_names_its_experiment(q):
    assert q.sources and all(s.strip() for s in q.sources)
    assert "notebook" in q.reference.lower(), f"{q.id}: the reference should point at the experiment"


def test_sentence_counter_ignores_abbreviations_and_section_marks():
    assert sentences("It holds (§4.2). Then e.g. this one. And 3 more.") == 3


# --- the record's rules catch a broken question -------------------------------------------------

@pytest.mark.parametrize("change, words", [
    # a choice question whose right reason is not among its reasons
    (dict(reason="z"), "right one among them"),
    # a link to a notebook that does not exist
    (dict(links=("notebooks/99_nowhere.ipynb#The idea",)), "does not exist"),
    # an id outside the theme
    (dict(id="T07-replicas-for-f"), "id is"),
])
def test_check_question_rejects_a_broken_copy(change, words):
    broken = dataclasses.replace(t08.QUESTIONS[0], **change)
    with pytest.raises(ConfigError, match=words):
        record.check_question(broken, ROOT)
