"""Trade-off questions (I02): the record every question of the bank is written in, and the bank.

Theory of operation
-------------------
A :class:`Question` is what an interviewer asks about one theme, with what a grader needs:

* ``kind="choice"``: lettered ``choices`` and the set of right letters (``answer``), then a
  lettered list of ``reasons`` and the one that explains it (``reason``) - a machine grades both
  parts, as the workbook's predictions are graded;
* ``kind="open"``: the learner writes an answer first; only then is the ``reference`` answer shown
  and the learner checks it against the ``rubric``, one key point at a time (self-assessment).

Every question has a rubric (the key points a strong answer makes), a reference answer, the
notebook sections that show why (``links``: ``"notebooks/NN_name.ipynb#Section title"``) and, for
every claim about a paper or a real product, its source (``sources``).

The bank is the modules of :mod:`dsworkbook.interview.bank`, each with a ``QUESTIONS`` list;
:func:`bank` loads and checks them all (unique ids, themes that exist, a right answer among the
choices, links to notebooks that exist).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from dsworkbook.errors import ConfigError

__all__ = ["Question", "KINDS", "bank", "by_theme", "question", "check_question"]

KINDS = ("choice", "open")
_ID = re.compile(r"^T(0[1-9]|1[0-4])-[a-z0-9-]+$")
_LINK = re.compile(r"^notebooks/(\d{2}[a-z]?_[a-z0-9_]+\.ipynb)(#.+)?$")


@dataclass(frozen=True)
class Question:
    """One trade-off question (see the module doc)."""

    id: str
    theme: str
    kind: str
    prompt: str
    rubric: tuple[str, ...]
    reference: str
    links: tuple[str, ...]
    choices: Mapping[str, str] = field(default_factory=dict)
    answer: tuple[str, ...] = ()
    reasons: Mapping[str, str] = field(default_factory=dict)
    reason: str = ""
    sources: tuple[str, ...] = ()


def check_question(q: Question, root: Path | None = None) -> None:
    """Raise ConfigError naming what is wrong with ``q`` (see the module doc for the rules)."""
    where = f"question {q.id!r}"
    if not _ID.match(q.id) or not q.id.startswith(q.theme + "-"):
        raise ConfigError(f"{where}: an id is '<theme>-<slug>' (e.g. 'T03-lin-vs-serial') with the theme T01-T14")
    if q.kind not in KINDS:
        raise ConfigError(f"{where}: kind must be one of {KINDS}, got {q.kind!r}")
    if not q.prompt.strip() or not q.reference.strip():
        raise ConfigError(f"{where}: needs a prompt and a reference answer")
    if len(q.rubric) < 2:
        raise ConfigError(f"{where}: a rubric lists at least two key points")
    if not q.links:
        raise ConfigError(f"{where}: link at least one notebook section that shows why")
    for link in q.links:
        m = _LINK.match(link)
        if m is None:
            raise ConfigError(f"{where}: link {link!r} is not 'notebooks/NN_name.ipynb#Section'")
        if root is not None and not (root / "notebooks" / m[1]).is_file():
            raise ConfigError(f"{where}: link {link!r} names a notebook that does not exist")
        if root is not None and m[2]:
            from dsworkbook.interview.links import check_link

            try:
                check_link(link, root)
            except ConfigError as exc:
                raise ConfigError(f"{where}: {exc}") from None
    if q.kind == "choice":
        if len(q.choices) < 3 or not q.answer or not set(q.answer) <= set(q.choices):
            raise ConfigError(f"{where}: a choice question has at least 3 choices and its answer among them")
        if len(q.reasons) < 3 or q.reason not in q.reasons:
            raise ConfigError(f"{where}: a choice question has at least 3 reasons and the right one among them")
    elif q.choices or q.answer or q.reasons or q.reason:
        raise ConfigError(f"{where}: an open question has no choices, answer or reasons (its rubric grades it)")


def bank(root: Path | None = None) -> tuple[Question, ...]:
    """Every question of :mod:`dsworkbook.interview.bank`, checked, sorted by theme then id."""
    package = importlib.import_module("dsworkbook.interview.bank")  # the package; dw.interview.bank is this function
    found: list[Question] = []
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        found.extend(getattr(module, "QUESTIONS", ()))
    seen: set[str] = set()
    for q in found:
        check_question(q, root)
        if q.id in seen:
            raise ConfigError(f"question id {q.id!r} is used twice; ids must be unique")
        seen.add(q.id)
    return tuple(sorted(found, key=lambda q: (q.theme, q.id)))


def by_theme(root: Path | None = None) -> dict[str, list[Question]]:
    out: dict[str, list[Question]] = {}
    for q in bank(root):
        out.setdefault(q.theme, []).append(q)
    return out


def question(question_id: str) -> Question:
    for q in bank():
        if q.id == question_id:
            return q
    raise ConfigError(f"no question {question_id!r}; see dsworkbook.interview.bank() for the ids")
