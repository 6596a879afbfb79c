"""solutions/ -> exercises/: stubs, dropped cells, cleared outputs, determinism, marker errors, staleness."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from dsworkbook.errors import ConfigError
from dsworkbook.grading.build import (build_exercises, check_cells, exercise_notebook, exercise_source,
                                      exercise_text, stale_exercises)
from tests.fixtures.notebooks import make_repo, solution_notebook, write


def _sources(nb: nbformat.NotebookNode) -> list[str]:
    return ["".join(c.source) for c in nb.cells]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path)


# --------------------------------------------------------------------------- regions in one cell

def test_a_region_in_a_function_body_becomes_a_raise_at_the_marker_indentation():
    src = 'def f(x):\n    """Doc."""\n    # BEGIN SOLUTION\n    y = x + 1\n    return y\n    # END SOLUTION\n'
    assert exercise_source(src, "nb, cell 1") == (
        'def f(x):\n    """Doc."""\n    raise NotImplementedError(\'write the body of f()\')\n')


def test_a_region_in_a_method_under_a_loop_keeps_the_rest_and_takes_the_hint_after_the_marker():
    src = ("class A:\n    def m(self, xs):\n        total = 0\n        for x in xs:\n"
           "            # BEGIN SOLUTION: add x to total\n            total += x\n            # END SOLUTION\n"
           "        return total")
    out = exercise_source(src, "nb, cell 1")
    assert out == ("class A:\n    def m(self, xs):\n        total = 0\n        for x in xs:\n"
                   "            raise NotImplementedError('add x to total')\n        return total")
    ast.parse(out)


def test_a_top_level_region_of_assignments_becomes_one_unanswered_line_per_name():
    src = "# predict\n# BEGIN SOLUTION\nanswer = 2\nlost: int = 1\na = b = 3\n# END SOLUTION\ncheck('x', answer)"
    assert exercise_source(src, "nb, cell 1") == (
        "# predict\nanswer = ...  # your answer\nlost = ...  # your answer\n"
        "a = ...  # your answer\nb = ...  # your answer\ncheck('x', answer)")


def test_a_cell_without_markers_is_unchanged():
    src = "%xmode Minimal\nimport dsworkbook as dw\n"
    assert exercise_source(src, "nb, cell 0") == src


@pytest.mark.parametrize("src, words", [
    # unbalanced markers
    ("# BEGIN SOLUTION\nx = 1\n", "never closed"),
    ("x = 1\n# END SOLUTION\n", "no matching"),
    ("def f():\n    # BEGIN SOLUTION\n    return 1\n# END SOLUTION", "indented differently"),
    # nested markers
    ("def f():\n    # BEGIN SOLUTION\n    # BEGIN SOLUTION\n    return 1\n    # END SOLUTION\n    # END SOLUTION",
     "nested"),
    # near misses that would leak the solution if they were ignored
    ("def f():\n    #BEGIN SOLUTION\n    return 1\n    # END SOLUTION", "looks like a solution marker"),
    ("def f():\n    # BEGIN SOLUTIONS\n    return 1\n    # END SOLUTION", "looks like a solution marker"),
    ("x = 1  # begin solution", "looks like a solution marker"),
    # top-level code that is not a simple assignment
    ("# BEGIN SOLUTION\ndef f():\n    return 1\n# END SOLUTION", "only simple assignments"),
    ("# BEGIN SOLUTION\nprint(1)\n# END SOLUTION", "only simple assignments"),
    ("# BEGIN SOLUTION\nx.y = 1\n# END SOLUTION", "only simple assignments"),
    ("# BEGIN SOLUTION\n# END SOLUTION", "empty"),
    # an indented region outside any function, or code less indented than its markers
    ("if True:\n    # BEGIN SOLUTION\n    x = 1\n    # END SOLUTION", "not inside a function body"),
    ("def f():\n    # BEGIN SOLUTION\n  return 1\n    # END SOLUTION", "indented less"),
])
def test_bad_markers_are_errors_naming_notebook_and_cell(src, words):
    with pytest.raises(ConfigError, match=words) as info:
        exercise_source(src, "solutions/99_fixture.ipynb, cell 4")
    assert str(info.value).startswith("solutions/99_fixture.ipynb, cell 4")


def test_a_marker_error_in_a_notebook_names_the_file_the_cell_index_and_its_first_line(tmp_path):
    nb = new_notebook(cells=[new_code_cell("x = 1"), new_code_cell("print(2)\n# BEGIN SOLUTION\ny = 2")])
    path = write(nb, tmp_path / "solutions" / "05_bad.ipynb")
    with pytest.raises(ConfigError, match=r'solutions/05_bad.ipynb, cell 1 \(.*starting "print\(2\)"\).*never closed'):
        exercise_notebook(path, "solutions/05_bad.ipynb")


# --------------------------------------------------------------------------- whole notebooks

def test_the_exercise_notebook_stubs_regions_drops_solution_only_cells_and_clears_outputs(repo):
    nb = exercise_notebook(repo / "solutions" / "99_fixture.ipynb")
    sources = _sources(nb)
    assert not any("SOLUTION" in s for s in sources)
    assert not any("gives the answer away" in s for s in sources)          # tagged solution-only
    assert not any("assert double(-3)" in s for s in sources)            # "# SOLUTION ONLY" first line
    assert "    raise NotImplementedError('write the body of double()')" in sources[3]
    assert '"""Twice x."""' in sources[3]
    assert "answer = ...  # your answer" in sources[-1]
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert [c.id for c in nb.cells] == ["sol-0", "sol-1", "sol-2", "sol-3", "sol-4", "sol-5", "sol-8"]
    assert nb.metadata["kernelspec"]["name"] == "python3"


def test_building_twice_gives_the_same_bytes_and_does_not_touch_unchanged_files(repo):
    first = build_exercises(repo)
    assert first == [repo / "exercises" / "99_fixture.ipynb"]
    before = first[0].read_bytes()
    mtime = first[0].stat().st_mtime_ns
    build_exercises(repo)
    assert first[0].read_bytes() == before
    assert first[0].stat().st_mtime_ns == mtime
    assert before == exercise_text(repo / "solutions" / "99_fixture.ipynb").encode()
    json.loads(before)                                                   # valid JSON
    nbformat.validate(nbformat.reads(before.decode(), as_version=4))


def test_cells_without_ids_get_the_same_ids_on_every_build(tmp_path):
    data = json.loads(nbformat.writes(solution_notebook()))
    for cell in data["cells"]:
        cell.pop("id", None)
    path = tmp_path / "solutions" / "07_noids.ipynb"
    path.parent.mkdir()
    path.write_text(json.dumps(data))
    texts = {exercise_text(path) for _ in range(3)}
    assert len(texts) == 1
    ids = [c["id"] for c in json.loads(texts.pop())["cells"]]
    assert len(set(ids)) == len(ids) and all(ids)


def test_a_marker_error_leaves_exercises_untouched(repo):
    build_exercises(repo)
    before = (repo / "exercises" / "99_fixture.ipynb").read_bytes()
    write(new_notebook(cells=[new_code_cell("# BEGIN SOLUTION\nx = 1")]), repo / "solutions" / "00_broken.ipynb")
    with pytest.raises(ConfigError, match="00_broken.ipynb, cell 0"):
        build_exercises(repo)
    assert sorted(p.name for p in (repo / "exercises").iterdir()) == ["99_fixture.ipynb"]
    assert (repo / "exercises" / "99_fixture.ipynb").read_bytes() == before


# --------------------------------------------------------------------------- staleness

def test_staleness_reports_missing_out_of_date_and_extra_files_and_a_build_fixes_them(repo):
    assert stale_exercises(repo) == ["exercises/99_fixture.ipynb (missing)"]
    build_exercises(repo)
    assert stale_exercises(repo) == []

    nb = solution_notebook()
    nb.cells[3].source = nb.cells[3].source.replace("x + x", "2 * x")     # inside the region: same exercise
    write(nb, repo / "solutions" / "99_fixture.ipynb")
    assert stale_exercises(repo) == []
    nb.cells[3].source = nb.cells[3].source.replace("Twice x.", "Double x.")  # the docstring is shown
    write(nb, repo / "solutions" / "99_fixture.ipynb")
    assert stale_exercises(repo) == ["exercises/99_fixture.ipynb (out of date)"]

    (repo / "exercises" / "98_old.ipynb").write_text("{}")
    assert stale_exercises(repo) == ["exercises/99_fixture.ipynb (out of date)",
                                     "exercises/98_old.ipynb (no solutions/98_old.ipynb)"]
    build_exercises(repo)
    assert stale_exercises(repo) == []
    assert not (repo / "exercises" / "98_old.ipynb").exists()


def test_a_learner_edit_in_exercises_counts_as_stale(repo):
    build_exercises(repo)
    path = repo / "exercises" / "99_fixture.ipynb"
    path.write_text(path.read_text().replace("raise NotImplementedError", "return 2 * x  #"))
    assert stale_exercises(repo) == ["exercises/99_fixture.ipynb (out of date)"]


# --------------------------------------------------------------------------- check cells

def test_check_cells_number_code_cells_as_nbval_does_and_skip_comments(repo):
    sol = repo / "solutions" / "99_fixture.ipynb"
    # code cells: 0 setup, 1 double, 2 check, 3 print, 4 solution-only, 5 predict
    assert check_cells(sol) == [(2, "99-double"), (5, "99-predict")]
    nb = new_notebook(cells=[new_code_cell("# dw.grading.check('x', f)\ndw.grading.check('01-a', f)"),
                             new_code_cell("grading.check(\n  \"01-b\", g)"),
                             new_code_cell("history.check('no', h)\ncheck(\"01-c\", k)")])
    assert check_cells(nb) == [(0, "01-a"), (2, "01-c")]
