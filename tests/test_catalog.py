"""The concept map lists every concept once, and its status is computed, never claimed."""

from __future__ import annotations

import importlib
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from dsworkbook import catalog
from dsworkbook.errors import ConfigError
from dsworkbook.grading import Exercise
from tests.fixtures.notebooks import write

#: Every concept id of the concept map, theme by theme.
CONCEPT_IDS = (
    [f"N0{i}" for i in range(1, 6)] + [f"Q0{i}" for i in range(1, 5)] + [f"M0{i}" for i in range(1, 6)]
    + [f"C0{i}" for i in range(1, 7)] + [f"R0{i}" for i in range(1, 7)]
    + [f"F0{i}" for i in range(1, 10)] + ["F10"]
    + [f"P0{i}" for i in range(1, 4)] + [f"B0{i}" for i in range(1, 5)] + [f"L0{i}" for i in range(1, 8)]
    + [f"Z0{i}" for i in range(1, 5)] + [f"H0{i}" for i in range(1, 6)] + ["Q11", "Q12", "Q13"]
    + [f"X0{i}" for i in range(1, 6)] + [f"G0{i}" for i in range(1, 6)] + [f"I0{i}" for i in range(1, 4)])


@pytest.fixture(scope="module")
def real_rows() -> list[dict]:
    return catalog.rows()


def test_every_concept_id_is_listed_exactly_once_in_map_order(real_rows):
    assert len(CONCEPT_IDS) == 75
    ids = [row["id"] for row in real_rows]
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    assert ids == CONCEPT_IDS


def test_every_row_has_the_fields_and_a_known_theme_and_status(real_rows):
    for row in real_rows:
        assert {"id", "title", "theme", "theme_title", "module", "notebook", "exercises", "status",
                "missing"} <= set(row)
        assert row["theme"] in catalog.THEMES and row["title"]
        assert row["status"] in catalog.STATUSES
        assert (row["status"] == "complete") == (row["missing"] == [])
    assert sorted({row["theme"] for row in real_rows}) == [f"T{i:02d}" for i in range(1, 16)]


def test_t01_rows_name_their_modules_and_notebook(real_rows):
    t01 = {row["id"]: row for row in real_rows if row["theme"] == "T01"}
    assert {i: r["module"] for i, r in t01.items()} == {
        "N01": "dsworkbook.sim", "N02": "dsworkbook.sim", "N03": "dsworkbook.fallacies",
        "N04": "dsworkbook.reliability", "N05": "dsworkbook.sim.trace"}
    assert {r["notebook"] for r in t01.values()} == {"notebooks/01_network_and_fallacies.ipynb"}


def test_modules_of_rows_that_are_not_planned_import(real_rows):
    for row in real_rows:
        if row["status"] != "planned":
            assert row["module"], row["id"]
            importlib.import_module(row["module"])


def test_exercises_come_from_the_grading_registry(real_rows):
    registry = catalog.load_registry()
    for row in real_rows:
        covering = sorted(ex.id for ex in registry.values() if row["id"] in ex.concepts)
        assert row["exercises"] == covering, row["id"]


def test_a_concept_without_a_notebook_is_never_complete(real_rows):
    later = [row for row in real_rows if row["theme"] != "T01"]
    for row in later:  # no notebook yet: a module alone makes a concept partial, never complete
        if not row["notebook"]:
            assert row["status"] != "complete", row["id"]
            assert row["status"] == ("partial" if row["module"] and not row["missing"][0].startswith("module")
                                     else "planned"), row
    for row in later:  # a declared module that does not exist yet is reported, not trusted
        if row["status"] == "planned" and row["module"]:
            assert any(m.startswith(f"module {row['module']} does not import") for m in row["missing"])


def test_a_theme_filter_and_an_unknown_theme(real_rows):
    assert [r["id"] for r in catalog.rows(theme="04")] == ["C01", "C02", "C03", "C04", "C05", "C06"]
    with pytest.raises(ConfigError, match="unknown theme 'T16'; themes: T01, T02"):
        catalog.rows(theme="T16")


# --------------------------------------------------------------------------- honest status

def _grader(answer):
    return "ok"


FAKE = {"01-fake": Exercise("01-fake", "Fake", "T01", ("N01",), "implement", _grader)}
NOTEBOOK = "notebooks/01_network_and_fallacies.ipynb"


PANEL = new_code_cell("dw.widgets.network_playground(seed=1)")


def _complete_repo(root: Path) -> Path:
    write(new_notebook(cells=[new_markdown_cell("## N01 The simulator\nRun it."), PANEL]), root / NOTEBOOK)
    write(new_notebook(cells=[new_code_cell('dw.grading.check("01-fake", f)')]),
          root / "solutions" / "01_network_and_fallacies.ipynb")
    return root


def _n01(root: Path, registry=FAKE, concepts=catalog.CONCEPTS) -> dict:
    return catalog.rows(root, theme="T01", registry=registry, concepts=concepts)[0]


def test_a_concept_with_all_its_pieces_is_complete(tmp_path):
    row = _n01(_complete_repo(tmp_path))
    assert (row["status"], row["missing"], row["exercises"]) == ("complete", [], ["01-fake"])


@pytest.mark.parametrize("remove, missing", [
    # no solutions notebook grades the exercise
    (lambda root: (root / "solutions" / "01_network_and_fallacies.ipynb").unlink(),
     'a solutions notebook calling check("ID", ...) for one of 01-fake'),
    # the notebook is gone, or no longer mentions the concept
    (lambda root: (root / NOTEBOOK).unlink(), [f"notebook {NOTEBOOK} does not exist",
                                              "an experiment widget (no notebook yet)"]),
    (lambda root: write(new_notebook(cells=[new_markdown_cell("## The simulator"), PANEL]), root / NOTEBOOK),
     f"notebook {NOTEBOOK} does not mention N01"),
    # the notebook no longer shows an experiment widget (T01 asks for one)
    (lambda root: write(new_notebook(cells=[new_markdown_cell("## N01 The simulator")]), root / NOTEBOOK),
     f"an experiment widget: {NOTEBOOK} displays no dw.widgets panel"),
])
def test_removing_a_piece_demotes_the_status_to_partial(tmp_path, remove, missing):
    root = _complete_repo(tmp_path)
    remove(root)
    row = _n01(root)
    assert (row["status"], row["missing"]) == ("partial", missing if isinstance(missing, list) else [missing])


def test_without_a_registered_exercise_the_concept_is_partial(tmp_path):
    row = _n01(_complete_repo(tmp_path), registry={})
    assert row["status"] == "partial" and row["exercises"] == []
    assert "a registered exercise covering N01" in row["missing"]


def test_a_module_that_does_not_import_demotes_the_status(tmp_path):
    broken = tuple(replace(c, module="dsworkbook.no_such_module") if c.id == "N01" else c
                   for c in catalog.CONCEPTS)
    row = _n01(_complete_repo(tmp_path), concepts=broken)
    assert row["status"] == "partial"
    assert row["missing"][0].startswith("module dsworkbook.no_such_module does not import (ModuleNotFoundError")


def test_with_nothing_in_place_a_concept_is_planned(tmp_path):
    nothing = tuple(replace(c, module="") if c.id == "N01" else c for c in catalog.CONCEPTS)
    row = _n01(tmp_path, registry={}, concepts=nothing)
    assert row["status"] == "planned" and len(row["missing"]) == len(catalog.PIECES)


# --------------------------------------------------------------------------- where the repository is

def test_the_root_is_the_source_checkout_unless_the_environment_says_otherwise(monkeypatch, tmp_path):
    monkeypatch.delenv("DSWORKBOOK_ROOT", raising=False)
    assert catalog.repo_root() == Path(catalog.__file__).resolve().parent.parent
    monkeypatch.setenv("DSWORKBOOK_ROOT", str(tmp_path))
    assert catalog.repo_root() == tmp_path.resolve()
    monkeypatch.setenv("DSWORKBOOK_ROOT", str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="DSWORKBOOK_ROOT"):
        catalog.repo_root()


def test_a_theme_without_a_widget_never_misses_one(tmp_path):
    row = catalog.rows(tmp_path, theme="T15", registry={})[0]  # its module imports; nothing else is in tmp_path
    assert row["status"] == "partial" and len(row["missing"]) == len(catalog.PIECES) - 2
    assert not any(m.startswith("an experiment widget") for m in row["missing"])
