"""Flashcards: the trade-off questions as an Anki package, one deck per theme.

Theory of operation
-------------------
:func:`export_deck` writes an ``.apkg`` (a zip holding an sqlite collection) with genanki: one
deck per theme (``dsworkbook::T02 CAP and quorums``), one note per question of the bank. The
front of a card is the prompt and, for a choice question, its lettered choices; the back is the
answer and its reason (choice questions), the reference answer, the rubric's key points, the
notebook sections that show why, and the sources.

Re-importing a newer export must update the learner's cards, not add copies next to them, and
keep their review history. Anki matches notes by their ``guid`` and decks and note types by id,
so all three are derived from stable text - the question id, the theme id, the model's name -
with a cryptographic hash (genanki's ``guid_for`` is SHA-256; ids here are BLAKE2b), never with
``hash()`` of a string, which Python salts per process. The export's *timestamp* is the one
thing that changes between exports, on purpose: Anki updates an existing note on import only
when the imported one is newer, and not at all when the note type changed (the Anki Manual,
"Packaged Decks", section "Updating", https://docs.ankiweb.net/importing/packaged-decks.html).
So the timestamp is the time of the export unless a caller fixes it (tests do), and the note
type's fields stay as they are: a change to them takes a new model name (``v2``), hence a new id.

Text fields are Markdown in the bank; they are rendered to HTML with mistune (which nbconvert
uses), with raw HTML escaped, so ``R + W > N`` shows as written.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import genanki
import mistune

from dsworkbook.catalog import THEMES
from dsworkbook.errors import ConfigError
from dsworkbook.interview.questions import Question, bank
from dsworkbook.interview.results import theme_id

__all__ = ["MODEL", "DECK_PREFIX", "stable_id", "deck_id", "note_guid", "note_fields", "build_decks",
           "export_deck", "DeckReport"]

#: The parent deck every theme's deck sits under in Anki's deck list.
DECK_PREFIX = "dsworkbook"
_MARKDOWN = mistune.create_markdown(escape=True)


def stable_id(text: str) -> int:
    """An Anki id (between 2**30 and 2**31, as genanki advises) that is the same for ``text`` everywhere."""
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return (1 << 30) + int.from_bytes(digest, "big") % (1 << 30)


def deck_id(theme: str) -> int:
    """The id of a theme's deck: derived from the theme id alone, so a re-import finds the same deck."""
    return stable_id(f"{DECK_PREFIX} deck {theme}")


def note_guid(question_id: str) -> str:
    """The guid of a question's note: derived from the question id alone (genanki's SHA-256 guid)."""
    return genanki.guid_for(DECK_PREFIX, question_id)


_FIELDS = ("Prompt", "Choices", "Answer", "Reference", "Rubric", "Links", "Sources", "Id", "Theme")

_CSS = """.card { font-family: sans-serif; font-size: 18px; text-align: left; color: #222; background: #fff; }
.meta { color: #777; font-size: 13px; } ol.lettered { list-style: none; padding-left: 0; }
h4 { margin: 14px 0 4px; } code { background: #f3f3f3; padding: 0 3px; }"""

#: The note type of every card: the same id in every export, so notes keep their type on re-import.
MODEL = genanki.Model(
    stable_id(f"{DECK_PREFIX} model trade-off question v1"),
    "dsworkbook trade-off question",
    fields=[{"name": name} for name in _FIELDS],
    templates=[{
        "name": "Question",
        "qfmt": '<div class="meta">{{Theme}} · {{Id}}</div>{{Prompt}}{{Choices}}',
        "afmt": '{{FrontSide}}<hr id="answer">{{#Answer}}<h4>Answer</h4>{{Answer}}{{/Answer}}'
                "<h4>Reference</h4>{{Reference}}<h4>Key points</h4>{{Rubric}}"
                "<h4>Where the workbook shows it</h4>{{Links}}{{#Sources}}<h4>Sources</h4>{{Sources}}{{/Sources}}",
    }],
    css=_CSS,
)


def _md(text: str) -> str:
    return str(_MARKDOWN(text)).strip()


def _lettered(options: Mapping[str, str]) -> str:
    items = "".join(f"<li><b>({k})</b> {_md(v).removeprefix('<p>').removesuffix('</p>')}</li>"
                    for k, v in sorted(options.items()))
    return f'<ol class="lettered">{items}</ol>'


def _items(lines: Sequence[str]) -> str:
    return "<ul>" + "".join(f"<li>{_md(x).removeprefix('<p>').removesuffix('</p>')}</li>" for x in lines) + "</ul>"


def note_fields(q: Question) -> list[str]:
    """The HTML of each field of ``q``'s note, in the order of :data:`MODEL`'s fields."""
    answer = ""
    if q.kind == "choice":
        right = ", ".join(f"({k})" for k in sorted(q.answer))
        answer = (f"<p><b>{right}</b></p><p>Why: <b>({q.reason})</b> "
                  f"{_md(q.reasons[q.reason]).removeprefix('<p>').removesuffix('</p>')}</p>"
                  f"<p>The reasons offered:</p>{_lettered(q.reasons)}")
    links = _items([f"`{link.split('#', 1)[0]}` § {link.split('#', 1)[1]}" if "#" in link else f"`{link}`"
                    for link in q.links])
    return [_md(q.prompt), _lettered(q.choices) if q.choices else "", answer, _md(q.reference),
            _items(q.rubric), links, _items(q.sources) if q.sources else "", q.id, q.theme]


def _theme_title(theme: str) -> str:
    return f"{theme} {THEMES[theme].title}" if theme in THEMES else theme


def build_decks(questions: Sequence[Question], *, theme: str | None = None) -> list[genanki.Deck]:
    """One deck per theme (only ``theme``'s when given), one note per question, sorted by theme."""
    wanted = theme_id(theme) if theme is not None else None
    decks: dict[str, genanki.Deck] = {}
    for q in sorted(questions, key=lambda q: (q.theme, q.id)):
        if wanted is not None and q.theme != wanted:
            continue
        if q.theme not in decks:
            decks[q.theme] = genanki.Deck(deck_id(q.theme), f"{DECK_PREFIX}::{_theme_title(q.theme)}",
                                          description=f"Trade-off questions of theme {q.theme} (dsworkbook).")
        decks[q.theme].add_note(genanki.Note(model=MODEL, fields=note_fields(q), guid=note_guid(q.id),
                                             tags=[q.theme, q.kind]))
    if not decks:
        have = sorted({q.theme for q in questions})
        raise ConfigError(f"no question of theme {wanted} to export; themes with questions: "
                          f"{', '.join(have) or '(none)'}" if wanted else "the question bank is empty; nothing to export")
    return list(decks.values())


@dataclass(frozen=True)
class DeckReport:
    """What :func:`export_deck` wrote."""

    path: Path
    notes: dict[str, int]          # theme -> notes in its deck

    def __str__(self) -> str:
        per = ", ".join(f"{t} {n}" for t, n in self.notes.items())
        return (f"wrote {self.path}: {len(self.notes)} deck(s), {sum(self.notes.values())} note(s) ({per}). "
                "Import it in Anki (File > Import); importing a newer export updates these cards.")


def export_deck(out: Path, *, theme: str | None = None, questions: Sequence[Question] | None = None,
                timestamp: float | None = None) -> DeckReport:
    """Write the Anki package ``out`` (``.apkg``) of the bank's questions (or ``questions``).

    ``timestamp`` (seconds since the epoch) is the notes' modification time; it defaults to now,
    so that Anki treats a later export as newer and updates the cards it already has.
    """
    out = Path(out)
    if out.suffix != ".apkg":
        raise ConfigError(f"an Anki package ends in .apkg; got {out.name!r} (e.g. --out deck.apkg)")
    if not out.parent.is_dir():
        raise ConfigError(f"cannot write {out}: the folder {out.parent} does not exist")
    decks = build_decks(bank() if questions is None else questions, theme=theme)
    genanki.Package(decks).write_to_file(str(out), timestamp=time.time() if timestamp is None else timestamp)
    return DeckReport(out, {d.name.split("::", 1)[1].split()[0]: len(d.notes) for d in decks})
