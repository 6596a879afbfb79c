"""Exercise ``15-tradeoffs``: answer one trade-off question per theme, with its reason (I02).

Theory of operation
-------------------
The exercise asks a fixed selection of the bank's *choice* questions
(:mod:`dsworkbook.interview.questions`): one per theme, T01 to T14. :func:`selection` picks, in
each theme, the choice question whose id has the smallest BLAKE2b digest under :data:`SEED` - a
seeded draw that is the same in every process and that changes for a theme only when a question
added to that theme beats the one drawn. :func:`show` prints the selected questions (prompt,
lettered choices, lettered reasons, the notebook sections that show why) in theme order.

The learner answers a dict ``{question_id: ("letters", "reason letter")}``: the letters of every
right choice and no other (in any order, upper or lower case, spaces and commas ignored) and the
one letter of the reason that explains them. The check reads the form first (every selected id
once and nothing else; a pair of strings for each; only letters the question offers), then
grades each question in theme order, the letters before the reason, and fails on the first
wrong one with the expected letters. The truth is the bank's: each question's ``answer`` and
``reason``, read at check time.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Callable, Sequence

from dsworkbook.grading.core import exercise, fail, need_choice
from dsworkbook.interview.questions import Question, bank

__all__ = ["SEED", "selection", "show", "check_tradeoffs"]

#: The seed of the graded selection.
SEED = 15
_THEMES = tuple(f"T{n:02d}" for n in range(1, 15))


def _rank(seed: int, question_id: str) -> bytes:
    return hashlib.blake2b(f"{seed}:{question_id}".encode(), digest_size=16).digest()


def selection(questions: Sequence[Question] | None = None, *, seed: int = SEED) -> list[Question]:
    """One choice question per theme (T01-T14, those that have one), drawn with ``seed``, in theme order."""
    pool = bank() if questions is None else questions
    chosen = []
    for theme in _THEMES:
        candidates = [q for q in pool if q.theme == theme and q.kind == "choice"]
        if candidates:
            chosen.append(min(candidates, key=lambda q: _rank(seed, q.id)))
    return chosen


def _lettered(options: dict[str, str] | Any) -> list[str]:
    return [f"    ({k}) {v}" for k, v in sorted(options.items())]


def show(questions: Sequence[Question] | None = None, *, print: Callable[..., None] = print) -> None:
    """Print the selected questions as the exercise asks them: prompt, choices, reasons, sections."""
    for n, q in enumerate(selection(questions), 1):
        print(f"{n}. {q.id}\n   {q.prompt}\n   Choices (one or more are right):")
        for line in _lettered(q.choices):
            print(line)
        print("   Reasons (exactly one explains the right choices):")
        for line in _lettered(q.reasons):
            print(line)
        print("   Shown in: " + "; ".join(link.replace("#", " § ", 1) for link in q.links) + "\n")


_FORM_HINT = 'give each question id a pair of strings: the letters of every right choice, then one reason letter, e.g. ("bd", "a")'


def _form(answer: Any, asked: list[Question]) -> dict[str, tuple[Any, Any]]:
    ids = [q.id for q in asked]
    if not isinstance(answer, dict):
        fail(case="the form of the answer", input=f"questions {ids}", expected="a dict keyed by question id",
             got=type(answer).__name__, hint=_FORM_HINT)
    missing = [i for i in ids if i not in answer]
    extra = sorted(map(str, set(answer) - set(ids)))
    if missing or extra:
        fail(case="the form of the answer", input=f"questions {ids}",
             expected=f"exactly these {len(ids)} question ids as keys",
             got=f"missing {missing or 'none'}; not asked {extra or 'none'}",
             hint="answer every question the statement lists, once, under its id as printed (and no other)")
    for qid in ids:
        pair = answer[qid]
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2 and all(isinstance(p, str) for p in pair)):
            fail(case=f"the form of the answer to {qid}", input=qid, expected='a pair of strings, e.g. ("bd", "a")',
                 got=pair, hint=_FORM_HINT)
    return {qid: tuple(answer[qid]) for qid in ids}


def _letters(text: str, q: Question) -> set[str]:
    given = [ch.lower() for ch in re.sub(r"[\s,()]", "", text)]
    unknown = [ch for ch in given if ch not in q.choices]
    if not given or unknown:
        fail(case=f"the form of the answer to {q.id}", input=f"the choices {', '.join(sorted(q.choices))}",
             expected="one or more of these letters, as one string", got=text,
             hint="write the letters of the choices you pick, e.g. \"bd\"; the reason goes in the second string")
    return set(given)


def _letters_hint(given: set[str], right: set[str]) -> str:
    if given > right:
        return "you picked a choice that is wrong: read each choice on its own and ask whether it is always true"
    if given < right:
        return "more than one choice is right here: read every choice, not only the first true one"
    return "re-read the question and the section of the notebook it names, then judge each choice on its own"


@exercise("15-tradeoffs", title="Trade-off questions, one per theme", theme="T15", concepts=("I02",), kind="design")
def check_tradeoffs(answer: Any) -> str:
    """Grade one choice question per theme: the right letters, then the right reason."""
    asked = selection()
    pairs = _form(answer, asked)
    for q in asked:
        letters, reason = pairs[q.id]
        given, right = _letters(letters, q), set(q.answer)
        why = need_choice(reason, q.reasons, what=f"the reason of {q.id}")
        if given != right:
            fail(case=f"question {q.id}", input=q.prompt, expected=f'"{"".join(sorted(right))}"',
                 got=f'"{"".join(sorted(given))}"', hint=_letters_hint(given, right))
        if why != q.reason:
            fail(case=f"the reason of {q.id}", input=q.prompt, expected=f'"{q.reason}": {q.reasons[q.reason]}',
                 got=f'"{why}": {q.reasons[why]}',
                 hint="your choices are right, the reason is not: pick the one that explains why they are right, "
                      "not one that is merely true or that argues for a wrong choice")
    return (f"{len(asked)} questions (one per theme, seed {SEED}): every choice and every reason right "
            f"({sum(len(q.answer) for q in asked)} right choices among {sum(len(q.choices) for q in asked)})")
