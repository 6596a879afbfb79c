"""The interview layer's commands: `dsworkbook interview`, `progress` beside it, `flashcards`, `cheatsheet`."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from dsworkbook import cli
from dsworkbook.interview import session
from tests.interview.sample_questions import SAMPLE


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def sample_bank(monkeypatch):
    monkeypatch.setattr(session, "bank", lambda: list(SAMPLE))


def test_the_commands_are_registered_and_listed_in_help(capsys):
    assert {"interview", "flashcards", "cheatsheet"} <= set(cli.all_commands())
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    assert all(name in out for name in ("interview", "flashcards", "cheatsheet"))


def test_an_interview_on_the_terminal_is_saved_and_progress_shows_it(tmp_path, capsys, monkeypatch, sample_bank):
    ws = tmp_path / "ws"
    # T06 has one choice and one open question; with seed 2 the choice question comes first
    order = [q.id for q in session.draw(SAMPLE, count=2, seed=2, theme="T06")]
    assert order == ["T06-sample-election", "T06-sample-commit"]
    monkeypatch.setattr("sys.stdin", io.StringIO("a\nb\nOnly current-term entries count.\n\ny\nn\ny\nn\n"))
    code, out, err = run(capsys, "interview", "--theme", "T06", "--count", "2", "--seed", "2", "--minutes", "20",
                         "--workspace", str(ws))
    assert code == 0 and not err
    assert "Session 1, seed 2" in out and "Score 1/2." in out and "Score 2/4." in out
    code, out, _ = run(capsys, "progress", "--workspace", str(ws))
    assert code == 0
    assert out.splitlines()[1:] == ["Interview: 1 session, 2 answers, mean score 0.50 (the latest answer to each "
                                    "question counts); weakest theme first:",
                                    "THEME  INTERVIEW              EXERCISES",
                                    "T06    0.50 over 2 questions  -"]


def test_the_default_seed_is_the_number_of_sessions_saved(tmp_path, capsys, monkeypatch, sample_bank):
    ws = tmp_path / "ws"
    for expected in ("seed 0", "seed 1"):
        monkeypatch.setattr("sys.stdin", io.StringIO("a\na\n"))
        code, out, _ = run(capsys, "interview", "--theme", "T04", "--count", "1", "--workspace", str(ws))
        assert code == 0 and expected in out


@pytest.mark.parametrize("argv, message", [
    (["--minutes", "0"], "above 0 minutes"),
    (["--theme", "T09"], "no question of theme T09"),
    (["--count", "99"], "cannot draw 99 questions"),
])
def test_a_bad_interview_is_a_clear_error_with_exit_code_2(tmp_path, capsys, sample_bank, argv, message):
    code, _, err = run(capsys, "interview", *argv, "--workspace", str(tmp_path / "ws"))
    assert code == 2 and message in err and not (tmp_path / "ws").exists()


def test_flashcards_write_an_anki_package(tmp_path, capsys):
    code, out, _ = run(capsys, "flashcards", "--out", str(tmp_path / "deck.apkg"), "--theme", "T02")
    assert code == 0 and out.startswith(f"wrote {tmp_path / 'deck.apkg'}: 1 deck(s)")
    assert "collection.anki2" in zipfile.ZipFile(tmp_path / "deck.apkg").namelist()
    code, _, err = run(capsys, "flashcards", "--out", str(tmp_path / "deck.txt"))
    assert code == 2 and "ends in .apkg" in err


def test_cheatsheet_writes_one_html_page(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("DSWORKBOOK_ROOT", raising=False)
    code, out, _ = run(capsys, "cheatsheet", "--out", str(tmp_path / "sheet.html"))
    assert code == 0 and "one per printed page" in out
    assert Path(tmp_path / "sheet.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
