"""The Anki export: one deck per theme, one note per question, read back from the package's sqlite
collection; ids stable across exports and processes, so a re-import updates instead of duplicating."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.interview.flashcards import MODEL, deck_id, export_deck, note_fields, note_guid, stable_id
from dsworkbook.interview.questions import bank
from tests.interview.sample_questions import ELECTION, QUORUM, SAMPLE, STALE

ROOT = Path(__file__).resolve().parents[2]


def read_apkg(path: Path, tmp: Path) -> dict:
    """The decks, note types and notes of an .apkg, read with sqlite3 (a zip holding collection.anki2)."""
    with zipfile.ZipFile(path) as z:
        assert "collection.anki2" in z.namelist() and json.loads(z.read("media")) == {}
        z.extract("collection.anki2", tmp)
    con = sqlite3.connect(tmp / "collection.anki2")
    try:
        decks_json, models_json = con.execute("select decks, models from col").fetchone()
        notes = con.execute("select id, guid, mid, mod, tags, flds from notes order by guid").fetchall()
        cards = con.execute("select nid, did from cards").fetchall()
    finally:
        con.close()
    decks = {int(k): v["name"] for k, v in json.loads(decks_json).items() if int(k) != 1}   # 1: Anki's Default
    return {"decks": decks, "models": {int(k): v for k, v in json.loads(models_json).items()},
            "notes": [dict(zip(("id", "guid", "mid", "mod", "tags", "fields"), n)) for n in notes],
            "cards": cards}


def export(tmp_path: Path, name: str, **kwargs) -> dict:
    out = tmp_path / name
    export_deck(out, **kwargs)
    folder = tmp_path / (name + ".d")
    folder.mkdir()
    return read_apkg(out, folder)


def test_one_deck_per_theme_and_one_note_per_question(tmp_path):
    apkg = export(tmp_path, "deck.apkg", questions=SAMPLE, timestamp=1_000_000)
    assert sorted(apkg["decks"].values()) == ["dsworkbook::T02 CAP and quorums", "dsworkbook::T04 Time and ordering",
                                              "dsworkbook::T06 Consensus: Raft"]
    assert len(apkg["notes"]) == len(SAMPLE) == len(apkg["cards"])
    deck_of = {nid: did for nid, did in apkg["cards"]}
    by_guid = {n["guid"]: n for n in apkg["notes"]}
    for q in SAMPLE:
        note = by_guid[note_guid(q.id)]
        assert apkg["decks"][deck_of[note["id"]]].split("::")[1].startswith(q.theme)
        assert note["mid"] == MODEL.model_id and set(note["tags"].split()) == {q.theme, q.kind}


def test_the_front_shows_the_prompt_and_choices_and_the_back_the_answer_reason_reference_rubric_links(tmp_path):
    apkg = export(tmp_path, "deck.apkg", questions=[QUORUM, STALE], timestamp=1_000_000)
    names = [f["name"] for f in apkg["models"][MODEL.model_id]["flds"]]
    fields = {n["guid"]: dict(zip(names, n["fields"].split("\x1f"))) for n in apkg["notes"]}
    choice, open_ = fields[note_guid(QUORUM.id)], fields[note_guid(STALE.id)]
    assert QUORUM.prompt in choice["Prompt"] and "<b>(c)</b> A write needs 2 acknowledgements" in choice["Choices"]
    assert "<b>(a), (b)</b>" in choice["Answer"] and "Why: <b>(a)</b> Two majorities" in choice["Answer"]
    assert "R + W &gt; N" in choice["Reference"]                                       # escaped, shown as written
    assert all(point in choice["Rubric"] for point in QUORUM.rubric)
    assert "02_cap_and_quorums.ipynb</code> § Tunable consistency: N, R, W" in choice["Links"]
    assert open_["Choices"] == "" and open_["Answer"] == ""                              # an open question
    template = apkg["models"][MODEL.model_id]["tmpls"][0]
    assert "{{Prompt}}{{Choices}}" in template["qfmt"] and "{{Answer}}" not in template["qfmt"]
    assert all(f"{{{{{f}}}}}" in template["afmt"] for f in ("Answer", "Reference", "Rubric", "Links"))


def test_two_exports_keep_every_id_so_a_reimport_updates(tmp_path):
    first = export(tmp_path, "one.apkg", questions=SAMPLE, timestamp=1_000_000)
    second = export(tmp_path, "two.apkg", questions=SAMPLE, timestamp=2_000_000)
    assert first["decks"] == second["decks"] and set(first["models"]) == set(second["models"]) == {MODEL.model_id}
    assert [n["guid"] for n in first["notes"]] == [n["guid"] for n in second["notes"]]
    # the later export is newer, which is what makes Anki update the notes it already has
    assert {n["mod"] for n in first["notes"]} == {1_000_000} and {n["mod"] for n in second["notes"]} == {2_000_000}


def test_ids_are_the_same_in_another_python_process():
    code = ("from dsworkbook.interview.flashcards import deck_id, note_guid, MODEL;"
            "print(deck_id('T02'), note_guid('T02-sample-majority'), MODEL.model_id)")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                           env={"PYTHONHASHSEED": str(seed), "PATH": ""}).stdout.split() for seed in (1, 2)]
    assert runs[0] == runs[1] == [str(deck_id("T02")), note_guid(QUORUM.id), str(MODEL.model_id)]


def test_ids_are_anki_sized_and_distinct():
    ids = [deck_id(f"T{n:02d}") for n in range(1, 16)] + [MODEL.model_id]
    assert len(set(ids)) == len(ids) and all(1 << 30 <= i < 1 << 31 for i in ids)
    assert stable_id("x") == stable_id("x") != stable_id("y")


def test_one_theme_only(tmp_path):
    apkg = export(tmp_path, "t06.apkg", questions=SAMPLE, theme="06", timestamp=1)
    assert list(apkg["decks"]) == [deck_id("T06")]
    assert {n["guid"] for n in apkg["notes"]} == {note_guid(ELECTION.id), note_guid("T06-sample-commit")}


@pytest.mark.parametrize("out, kwargs, message", [
    ("deck.zip", {}, "ends in .apkg"),
    ("missing/deck.apkg", {}, "does not exist"),
    ("deck.apkg", {"theme": "T09"}, "no question of theme T09"),
    ("deck.apkg", {"theme": "raft"}, "not a theme number"),
])
def test_a_bad_export_is_a_clear_error(tmp_path, out, kwargs, message):
    with pytest.raises(ConfigError, match=message):
        export_deck(tmp_path / out, questions=SAMPLE, **kwargs)


def test_the_whole_bank_exports_every_question(tmp_path):
    questions = bank(ROOT)
    report = export_deck(tmp_path / "all.apkg", timestamp=1)
    folder = tmp_path / "all.d"
    folder.mkdir()
    apkg = read_apkg(tmp_path / "all.apkg", folder)
    assert {n["guid"] for n in apkg["notes"]} == {note_guid(q.id) for q in questions}
    assert report.notes == {t: sum(q.theme == t for q in questions) for t in sorted({q.theme for q in questions})}
    assert set(apkg["decks"]) == {deck_id(t) for t in report.notes}
    assert all(len(note_fields(q)) == len(MODEL.fields) for q in questions)
