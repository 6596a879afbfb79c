"""Build exercises/ from solutions/: the solutions notebook is the single source of each exercise set.

Theory of operation
-------------------
``solutions/NN_theme.ipynb`` holds the reference answers between marker lines::

    def backoff_delay(attempt, base, cap):
        \"\"\"Delay before retry number ``attempt``.\"\"\"
        # BEGIN SOLUTION
        return min(cap, base * 2 ** attempt)
        # END SOLUTION

:func:`exercise_notebook` turns it into the learner's ``exercises/NN_theme.ipynb``:

* an **indented** region (inside a function or method body, possibly under a loop or an ``if``
  within it) becomes ``raise NotImplementedError("...")`` at the marker's indentation; the
  ``def`` line and the docstring sit outside the region and stay. The hint is the text after
  ``# BEGIN SOLUTION`` (``# BEGIN SOLUTION: use min()``), or "write the body of NAME()";
* a **top-level** region may hold only simple assignments (``answer = 2``, a prediction); each
  assigned name becomes ``name = ...  # your answer``, which the check reports as "not
  attempted yet" (``...`` is :data:`dsworkbook.grading.UNANSWERED`);
* a code or markdown cell whose first line is ``# SOLUTION ONLY``, or that is tagged
  ``solution-only``, is dropped;
* every output and execution count is cleared; cell ids and metadata are kept, so building twice
  gives the same bytes, and :func:`stale_exercises` can compare files exactly.

Anything else (an unclosed, unopened or nested region, a top-level region holding other code, an
indented region outside any function) is a :class:`~dsworkbook.errors.ConfigError` naming the
notebook and the cell, and saying how to restructure it.

:func:`check_cells` finds a notebook's check cells (``dw.grading.check("ID", ...)``); it numbers
code cells the way nbval names its test items (``Cell 0``, ``Cell 1``, ... counting code cells only).
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from dsworkbook.errors import ConfigError

__all__ = [
    "BEGIN", "END", "SOLUTION_ONLY", "SOLUTION_ONLY_TAGS",
    "read_notebook", "notebook_text", "exercise_source", "exercise_notebook", "exercise_text",
    "build_exercises", "stale_exercises", "check_cells", "exercise_sections", "CHECK_CALL",
]

BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"
SOLUTION_ONLY = "# SOLUTION ONLY"
SOLUTION_ONLY_TAGS = frozenset({"solution-only", "solution_only"})

_BEGIN_RE = re.compile(r"^(?P<indent>[ \t]*)# BEGIN SOLUTION\b[ \t]*[:\-]?[ \t]*(?P<hint>.*?)\s*$")
_END_RE = re.compile(r"^(?P<indent>[ \t]*)# END SOLUTION\b.*$")
_ANY_MARKER = re.compile(r"(?:BEGIN|END)[ \t_-]*SOLUTION", re.IGNORECASE)
_SOLUTION_ONLY_RE = re.compile(r"^(?:#|<!--)\s*SOLUTION ONLY\b")
_DEF_RE = re.compile(r"^[ \t]*(?:async[ \t]+)?def[ \t]+(?P<name>\w+)")

#: A check call: ``dw.grading.check("ID", ...)``, ``grading.check('ID', ...)`` or a bare ``check("ID", ...)``.
CHECK_CALL = re.compile(r"(?:\bgrading\.|(?<![\w.]))check\(\s*(?P<q>['\"])(?P<id>[^'\"\n]+)(?P=q)")

_HOW_TO = ("put solution code inside a function body (indent the markers under the `def`), or keep "
           "only simple assignments such as `answer = 2` in a top-level region, or mark a whole "
           f"demonstration cell with `{SOLUTION_ONLY}` on its first line")


# --------------------------------------------------------------------------- reading and writing

def read_notebook(path: Path) -> nbformat.NotebookNode:
    """Read a notebook without letting validation add (random) cell ids."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read notebook {path}: {exc}") from None
    if data.get("nbformat") != 4:
        raise ConfigError(f"{path}: expected an nbformat 4 notebook, found nbformat {data.get('nbformat')}")
    return nbformat.from_dict(data)


def notebook_text(nb: nbformat.NotebookNode) -> str:
    """The exact text written for ``nb`` (nbformat's layout: indent 1, sorted keys, final newline)."""
    text = nbformat.writes(nb, version=4)
    return text if text.endswith("\n") else text + "\n"


def _source(cell: Any) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _where(name: str, index: int, cell: Any) -> str:
    first = next((ln.strip() for ln in _source(cell).splitlines() if ln.strip()), "")
    first = first if len(first) <= 50 else first[:47] + "..."
    cell_id = cell.get("id")
    ident = f", id {cell_id}" if cell_id else ""
    return f'{name}, cell {index} (counting from 0{ident}, starting "{first}")'


# --------------------------------------------------------------------------- one cell

@dataclass(frozen=True)
class _Region:
    begin: int          # line index of the BEGIN marker
    end: int            # line index of the END marker
    indent: str
    hint: str


def _marker(line: str, number: int, where: str) -> tuple[str, re.Match[str]] | None:
    """``("begin", match)``, ``("end", match)``, or None for an ordinary line; a near miss is an error."""
    for kind, pattern in (("begin", _BEGIN_RE), ("end", _END_RE)):
        if (m := pattern.match(line)) is not None:
            return kind, m
    if _ANY_MARKER.search(line):
        raise ConfigError(f"{where}: line {number} looks like a solution marker but is not one "
                          f"({line.strip()!r}); write `{BEGIN}` or `{END}` alone on its line, "
                          "so that the solution cannot leak into the exercise")
    return None


def _regions(lines: list[str], where: str) -> list[_Region]:
    regions: list[_Region] = []
    opened: tuple[int, re.Match[str]] | None = None
    for i, line in enumerate(lines):
        if (found := _marker(line, i + 1, where)) is None:
            continue
        kind, m = found
        if kind == "begin" and opened is not None:
            raise ConfigError(f"{where}: nested `{BEGIN}` on line {i + 1} (the region opened on "
                              f"line {opened[0] + 1} is not closed); close each region before opening another")
        if kind == "begin":
            opened = (i, m)
            continue
        if opened is None:
            raise ConfigError(f"{where}: `{END}` on line {i + 1} has no matching `{BEGIN}` above it")
        begin, begin_match = opened
        if m["indent"] != begin_match["indent"]:
            raise ConfigError(f"{where}: `{END}` on line {i + 1} is indented differently from its "
                              f"`{BEGIN}` on line {begin + 1}; indent both markers alike")
        regions.append(_Region(begin, i, begin_match["indent"], begin_match["hint"]))
        opened = None
    if opened is not None:
        raise ConfigError(f"{where}: `{BEGIN}` on line {opened[0] + 1} is never closed; add `{END}` "
                          "in the same cell (a region cannot span cells)")
    return regions


def _enclosing_def(lines: list[str], region: _Region) -> str | None:
    """The name of the function whose body holds the region, or None."""
    width = len(region.indent.expandtabs())
    for line in reversed(lines[: region.begin]):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        line_width = len(line) - len(line.lstrip())
        if line_width < width:
            if (m := _DEF_RE.match(line)) is not None:
                return m["name"]
            width = line_width
            if width == 0:
                return None
    return None


def _stub_body(lines: list[str], region: _Region, where: str) -> list[str]:
    body = lines[region.begin + 1: region.end]
    for offset, line in enumerate(body):
        if line.strip() and not line.startswith(region.indent):
            raise ConfigError(f"{where}: line {region.begin + offset + 2} is indented less than its "
                              f"`{BEGIN}` marker; indent the markers like the code between them")
    name = _enclosing_def(lines, region)
    if name is None:
        raise ConfigError(f"{where}: the indented solution region on line {region.begin + 1} is not "
                          f"inside a function body; {_HOW_TO}")
    hint = region.hint or f"write the body of {name}()"
    return [f"{region.indent}raise NotImplementedError({hint!r})"]


def _stub_predictions(lines: list[str], region: _Region, where: str) -> list[str]:
    text = "".join(lines[region.begin + 1: region.end])
    try:
        statements = ast.parse(text).body
    except SyntaxError as exc:
        raise ConfigError(f"{where}: the solution region on line {region.begin + 1} is not valid "
                          f"Python ({exc.msg}); {_HOW_TO}") from None
    names: list[str] = []
    for stmt in statements:
        targets = (stmt.targets if isinstance(stmt, ast.Assign)
                   else [stmt.target] if isinstance(stmt, ast.AnnAssign) and stmt.value is not None
                   else [None])
        if not all(isinstance(t, ast.Name) for t in targets):
            code = ast.unparse(stmt).splitlines()[0]
            raise ConfigError(f"{where}: a top-level solution region may hold only simple assignments "
                              f"(`answer = 2`), but the region on line {region.begin + 1} holds "
                              f"`{code}`; {_HOW_TO}")
        names += [t.id for t in targets if isinstance(t, ast.Name) and t.id not in names]
    if not names:
        raise ConfigError(f"{where}: the top-level solution region on line {region.begin + 1} is empty; "
                          "put the answer (`answer = 2`) between the markers")
    return [f"{name} = ...  # your answer" for name in names]


def _parses(source: str) -> bool:
    """Whether ``source`` is valid Python once IPython magics and shell lines are blanked out."""
    plain = "\n".join("" if ln.lstrip().startswith(("%", "!")) else ln for ln in source.splitlines())
    try:
        ast.parse(plain)
    except SyntaxError:
        return False
    return True


def exercise_source(source: str, where: str) -> str:
    """One code cell's source with every solution region replaced by its stub."""
    lines = source.splitlines(keepends=True)
    out: list[str] = []
    last = 0
    for region in _regions(lines, where):
        out += lines[last: region.begin]
        stub = (_stub_body if region.indent else _stub_predictions)(lines, region, where)
        newline = "\n" if lines[region.end].endswith("\n") else ""
        out.append("\n".join(stub) + newline)
        last = region.end + 1
    out += lines[last:]
    result = "".join(out)
    if result != source and _parses(source) and not _parses(result):
        raise ConfigError(f"{where}: replacing the solution regions leaves invalid Python; {_HOW_TO}")
    return result


# --------------------------------------------------------------------------- one notebook

def _solution_only(cell: Any) -> bool:
    tags = set(cell.get("metadata", {}).get("tags", []))
    first = _source(cell).lstrip("\n").split("\n", 1)[0].strip()
    return bool(tags & SOLUTION_ONLY_TAGS) or _SOLUTION_ONLY_RE.match(first) is not None


def _stable_id(name: str, index: int) -> str:
    return hashlib.sha1(f"{name}:{index}".encode()).hexdigest()[:8]


def exercise_notebook(solution: Path, name: str | None = None) -> nbformat.NotebookNode:
    """The exercise notebook generated from the solutions notebook at ``solution``."""
    label = name or str(solution)
    nb = read_notebook(solution)
    cells = []
    for index, cell in enumerate(nb.cells):
        if _solution_only(cell):
            continue
        if nb.get("nbformat_minor", 0) >= 5 and not cell.get("id"):
            cell["id"] = _stable_id(Path(solution).name, index)
        if cell.cell_type == "code":
            cell.source = exercise_source(_source(cell), _where(label, index, cell))
            cell.outputs = []
            cell.execution_count = None
        cells.append(cell)
    nb.cells = cells
    nb.metadata["dsworkbook"] = {
        "generated_from": f"solutions/{Path(solution).name}",
        "note": "generated by `dsworkbook build-exercises`; edit the solutions notebook instead",
    }
    return nb


def exercise_text(solution: Path, name: str | None = None) -> str:
    """The exact bytes (as text) of the exercise notebook generated from ``solution``."""
    return notebook_text(exercise_notebook(solution, name))


# --------------------------------------------------------------------------- the whole folder

def _solutions(root: Path) -> list[Path]:
    return sorted((Path(root) / "solutions").glob("*.ipynb"))


def build_exercises(root: Path, *, prune: bool = True) -> list[Path]:
    """Generate ``exercises/X.ipynb`` for every ``solutions/X.ipynb``; return their paths.

    Every solutions notebook is converted before any file is written, so a marker error leaves
    exercises/ untouched. A file whose bytes would not change is not rewritten (an open
    JupyterLab tab does not see it change). With ``prune`` (the default), exercise notebooks that
    no longer have a solutions source are removed: exercises/ holds generated files only.
    """
    root = Path(root)
    texts = {sol.name: exercise_text(sol, f"solutions/{sol.name}") for sol in _solutions(root)}
    target = root / "exercises"
    target.mkdir(exist_ok=True)
    paths = []
    for file_name, text in texts.items():
        path = target / file_name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8", newline="\n")
        paths.append(path)
    if prune:
        for extra in sorted(target.glob("*.ipynb")):
            if extra.name not in texts:
                extra.unlink()
    return paths


def stale_exercises(root: Path) -> list[str]:
    """Exercise files that differ from what :func:`build_exercises` would write, with the reason.

    Each entry reads ``"exercises/X.ipynb (missing)"``, ``"... (out of date)"`` or
    ``"... (no solutions/X.ipynb)"``; an empty list means exercises/ is up to date.
    """
    root = Path(root)
    stale = []
    names = set()
    for sol in _solutions(root):
        names.add(sol.name)
        path = root / "exercises" / sol.name
        if not path.exists():
            stale.append(f"exercises/{sol.name} (missing)")
        elif path.read_text(encoding="utf-8") != exercise_text(sol, f"solutions/{sol.name}"):
            stale.append(f"exercises/{sol.name} (out of date)")
    for extra in sorted((root / "exercises").glob("*.ipynb")):
        if extra.name not in names:
            stale.append(f"exercises/{extra.name} (no solutions/{extra.name})")
    return stale


# --------------------------------------------------------------------------- check cells

def check_cells(notebook: Path | nbformat.NotebookNode) -> list[tuple[int, str]]:
    """``(cell number, exercise id)`` of every check call, in notebook order.

    The cell number counts code cells only, from 0, as nbval names its items (``Cell 3``), so a
    result from :func:`dsworkbook.grading.workspace.run_nbval` can be matched to it. Commented-out
    calls are ignored.
    """
    nb = read_notebook(notebook) if isinstance(notebook, (str, Path)) else notebook
    found = []
    code_cells = [cell for cell in nb.cells if cell.cell_type == "code"]
    for number, cell in enumerate(code_cells):
        for line in _source(cell).splitlines():
            if line.lstrip().startswith("#"):
                continue
            found += [(number, m["id"]) for m in CHECK_CALL.finditer(line)]
    return found


_SECTION_RE = re.compile(r"^## ", re.MULTILINE)


def exercise_sections(notebook: Path | nbformat.NotebookNode) -> dict[str, str]:
    """The statement of each exercise, by exercise id: everything a learner reads before checking.

    A statement runs from the ``## `` heading above an exercise's check cell down to that check
    cell (cells after it, which observe the result, are not part of it). Markdown and code
    sources are joined with blank lines; in a generated exercise notebook the code holds the
    stubs, not the solutions.
    """
    nb = read_notebook(notebook) if isinstance(notebook, (str, Path)) else notebook
    sections: dict[str, str] = {}
    start = 0
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and _SECTION_RE.search(_source(cell)):
            start = i
        if cell.cell_type != "code":
            continue
        for line in _source(cell).splitlines():
            if not line.lstrip().startswith("#"):
                for m in CHECK_CALL.finditer(line):
                    sections[m["id"]] = "\n\n".join(_source(c) for c in nb.cells[start:i + 1])
    return sections
