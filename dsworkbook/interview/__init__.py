"""The interview layer (theme T15): decisions, real systems, trade-off questions, drills, interview mode.

``dw.interview`` ties what the themes teach to what a candidate says in the room:

* :mod:`~dsworkbook.interview.decisions` and :mod:`~dsworkbook.interview.requirements` - the
  decision checklist as rules over a requirement's facts, with 20+ requirements (I01);
* :mod:`~dsworkbook.interview.systems` - real systems mapped to the mechanisms, each row cited;
* :mod:`~dsworkbook.interview.questions` and the bank (:mod:`dsworkbook.interview.bank`) -
  trade-off questions with rubrics (I02), asked by :mod:`~dsworkbook.interview.session`
  (``dsworkbook interview``) and scored into the workspace (:mod:`~dsworkbook.interview.results`);
* :mod:`~dsworkbook.interview.flashcards` (``dsworkbook flashcards``, an Anki deck) and
  :mod:`~dsworkbook.interview.cheatsheet` (``dsworkbook cheatsheet``, one printable page);
* :mod:`~dsworkbook.interview.links` - every link back to a notebook section, checked.
"""

from typing import Any

from dsworkbook.interview.decisions import DIMENSIONS, OPTIONS, accepted, catalog, decide, grade, grade_table
from dsworkbook.interview.links import check_link
from dsworkbook.interview.questions import Question, bank, by_theme, question
from dsworkbook.interview.results import load_results, theme_scores
from dsworkbook.interview.session import ask, draw, grade_choice, interview, parse_letters, rubric_result
from dsworkbook.interview.systems import SYSTEMS, systems_table

__all__ = ["Question", "bank", "by_theme", "question", "draw", "ask", "interview", "grade_choice", "parse_letters",
           "rubric_result", "load_results", "theme_scores", "export_deck", "export_cheatsheet", "check_link",
           "DIMENSIONS", "OPTIONS", "accepted", "decide", "grade", "grade_table", "catalog", "SYSTEMS",
           "systems_table"]


def export_deck(*args: Any, **kwargs: Any) -> Any:
    """:func:`dsworkbook.interview.flashcards.export_deck` (imported on first use: genanki is not needed before)."""
    from dsworkbook.interview.flashcards import export_deck as export

    return export(*args, **kwargs)


def export_cheatsheet(*args: Any, **kwargs: Any) -> Any:
    """:func:`dsworkbook.interview.cheatsheet.export_cheatsheet` (imported on first use: nbconvert is heavy)."""
    from dsworkbook.interview.cheatsheet import export_cheatsheet as export

    return export(*args, **kwargs)
