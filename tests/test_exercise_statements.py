"""Exercises a learner can solve from what they read, and notebooks that do not give them away.

Per theme: every exercise's statement (its section of the generated exercise notebook, from the
heading down to the check cell, with the solutions removed) states its input, its output and a
worked example; a prediction's statement names everything its answer has to name and offers the
reasons its ``why`` chooses from; every prediction asks why; every theme has a design exercise;
every exercise has at least eight plausible wrong answers (protocol handlers at least ten).
Across notebooks: none prints the reference an exercise asks the learner to write, and every
"exercise N" a notebook mentions is exercise N of its exercise notebook.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest

import dsworkbook as dw
from dsworkbook import grading
from dsworkbook.grading.build import exercise_sections, read_notebook
from dsworkbook.sim import Node
from tests.test_exercises import ALSO_RIGHT, RIGHT, WRONG
from tests.wrong_answers import Answer

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = grading.registry()
THEMES = sorted({ex.theme for ex in REGISTRY.values()})
SECTIONS = {ex: text for nb in sorted((ROOT / "exercises").glob("*.ipynb"))
            for ex, text in exercise_sections(nb).items()}
#: Themes whose exercise set must include a design exercise (the warm-up theme has one exercise).
DESIGN_THEMES = [t for t in THEMES if t != "T00"]
MIN_WRONG, MIN_WRONG_HANDLER = 8, 10


def _of(theme: str) -> list[str]:
    return sorted(i for i, ex in REGISTRY.items() if ex.theme == theme)


def _value(answer: Any) -> Any:
    return answer.value if isinstance(answer, Answer) else answer


@pytest.mark.parametrize("theme", THEMES)
def test_every_statement_gives_input_output_and_a_worked_example(theme):
    missing = {}
    for exercise_id in _of(theme):
        text = SECTIONS[exercise_id]
        lacks = [label for label in ("Input", "Output", "Example") if not re.search(rf"\*\*{label}s?\b", text)]
        if lacks:
            missing[exercise_id] = lacks
    assert not missing, ("each statement needs paragraphs starting **Input.**, **Output.** and **Example.**; "
                         f"missing: {missing}")


@pytest.mark.parametrize("theme", THEMES)
def test_every_prediction_asks_why(theme):
    lacking = [i for i in _of(theme) if REGISTRY[i].kind == "predict" and "why" not in REGISTRY[i].parts]
    assert not lacking, f"predictions without a graded `why` part: {lacking}"


def _strings(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*(_strings(k) | _strings(v) for k, v in value.items())) if value else set()
    if isinstance(value, (list, tuple, set, frozenset)):
        return set().union(*(_strings(v) for v in value)) if value else set()
    return set()


@pytest.mark.parametrize("theme", THEMES)
def test_a_prediction_statement_names_everything_its_answer_names(theme):
    problems = {}
    for exercise_id in _of(theme):
        if REGISTRY[exercise_id].kind != "predict":
            continue
        text = SECTIONS[exercise_id]
        answer = RIGHT[exercise_id]
        absent = sorted(s for s in _strings(_value(answer)) if s not in text)
        if isinstance(answer, Answer):
            absent += [f"why option {why!r}" for why in _strings(answer.parts.get("why"))
                       if not re.search(rf"[\"'`(*]{re.escape(why)}[\"'`)*]", text)]
        if absent:
            problems[exercise_id] = absent
    assert not problems, f"the statement does not show what the answer must name: {problems}"


@pytest.mark.parametrize("theme", DESIGN_THEMES)
def test_every_theme_has_a_design_exercise(theme):
    assert any(REGISTRY[i].kind == "design" for i in _of(theme)), f"{theme} has no exercise of kind 'design'"


@pytest.mark.parametrize("theme", THEMES)
def test_every_exercise_has_enough_plausible_wrong_answers(theme):
    short = {}
    for exercise_id in _of(theme):
        right = _value(RIGHT[exercise_id])
        handler = inspect.isclass(right) and issubclass(right, Node)
        need = MIN_WRONG_HANDLER if handler else MIN_WRONG
        have = len(WRONG.get(exercise_id, []))
        if have < need:
            short[exercise_id] = f"{have} of {need}"
    assert not short, f"too few wrong answers in tests/wrong_answers/: {short}"


def test_the_answer_tables_cover_exactly_the_registered_exercises():
    assert set(RIGHT) == set(REGISTRY) and set(WRONG) <= set(REGISTRY) and set(ALSO_RIGHT) <= set(REGISTRY)


# -- notebooks do not give exercises away ------------------------------------------------------------


def _code_cells(path: Path) -> list[str]:
    return ["".join(c.source) if isinstance(c.source, list) else c.source
            for c in read_notebook(path).cells if c.cell_type == "code"]


def _namespace(cells: list[str]) -> dict[str, Any]:
    """What a notebook imports (its import statements, run on their own)."""
    ns: dict[str, Any] = {"dw": dw}
    for src in cells:
        try:
            tree = ast.parse("\n".join(line for line in src.splitlines() if not line.startswith("%")))
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                exec(compile(ast.Module([node], []), "<imports>", "exec"), ns)
    return ns


def _source_calls(path: Path) -> list[tuple[str, Any]]:
    cells = _code_cells(path)
    ns = _namespace(cells)
    shown = []
    for src in cells:
        for m in re.finditer(r"\bdw\.source\(([^()]*)\)", src):
            expr = m.group(1).strip()
            try:
                shown.append((expr, eval(expr, ns)))
            except Exception as exc:  # noqa: BLE001 - the test reports it
                pytest.fail(f"{path.name}: cannot resolve dw.source({expr}) from the notebook's imports: {exc}")
    return shown


def _resolve(dotted: str) -> Any:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(dotted)


def _references() -> dict[str, list[tuple[str, str]]]:
    refs: dict[str, list[tuple[str, str]]] = {}
    for exercise_id, ex in REGISTRY.items():
        paths = (ex.reference,) if isinstance(ex.reference, str) else tuple(ex.reference)
        for dotted in filter(None, paths):
            refs.setdefault(exercise_id, []).append((dotted, textwrap.dedent(inspect.getsource(_resolve(dotted)))))
    return refs


NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "exercises").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_notebook_prints_the_reference_an_exercise_asks_for(path):
    refs = _references()
    leaks = []
    for expr, obj in _source_calls(path):
        shown = textwrap.dedent(inspect.getsource(obj))
        leaks += [f"dw.source({expr}) shows {dotted}, the reference of {ex}"
                  for ex, pairs in refs.items() for dotted, ref in pairs if ref in shown]
    assert not leaks, leaks


def test_every_exercise_that_asks_for_code_names_its_reference():
    lacking = [i for i, ex in REGISTRY.items() if ex.kind in ("implement", "drill") and not ex.reference]
    assert not lacking, f"exercises without a reference= (the library object they re-implement): {lacking}"


_MENTION = re.compile(r"[Ee]xercises? (?P<n>\d+)\b(?P<after>[^.\n]{0,80})")
_ID = re.compile(r"`(?P<id>\d\d-[a-z0-9-]+)`")


def _numbers() -> dict[str, int]:
    out = {}
    for exercise_id, text in SECTIONS.items():
        m = re.match(r"## (\d+) ", text)
        if m:
            out[exercise_id] = int(m.group(1))
    return out


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.name)
def test_exercise_numbers_and_ids_in_a_notebook_match_its_exercise_notebook(path):
    numbers = _numbers()
    text = "\n".join("".join(c.source) if isinstance(c.source, list) else c.source
                     for c in read_notebook(path).cells if c.cell_type == "markdown")
    problems = [f"`{m['id']}` is not an exercise" for m in _ID.finditer(text) if m["id"] not in REGISTRY]
    for m in _MENTION.finditer(text):
        named = _ID.search(m["after"])
        if not named:
            problems.append(f"'exercise {m['n']}' without its id in backticks right after it")
        elif numbers.get(named["id"]) != int(m["n"]):
            problems.append(f"'exercise {m['n']}' names `{named['id']}`, which is exercise "
                            f"{numbers.get(named['id'])} of its notebook")
    assert not problems, problems
