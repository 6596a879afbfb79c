"""Every generated exercise notebook, run unsolved under nbval, fails exactly at its check cells.

Each check cell reports "not attempted" and nothing else fails: the statement cells, the stubs
and the observe cells of an unsolved notebook all run. (The solved notebooks under solutions/
run with the rest of the suite and prove each right answer passes inside a real kernel.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dsworkbook.grading.build import check_cells
from dsworkbook.grading.workspace import run_nbval

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))


@pytest.mark.slow
@pytest.mark.parametrize("name", [p.name for p in SOLUTIONS])
def test_the_unsolved_exercise_fails_exactly_at_its_check_cells(name):
    notebook = ROOT / "exercises" / name
    checks = check_cells(notebook)
    run = run_nbval(notebook)
    assert not run.problem, run.problem
    assert run.failed_cells == [cell for cell, _ in checks], {n: c.error for n, c in run.cells.items() if not c.passed}
    assert {r["exercise"]: r["status"] for r in run.records} == {ex: "not attempted" for _, ex in checks}
