"""The learner's workflow: a private copy of the exercises, graded on demand, progress saved.

Theory of operation
-------------------
``exercises/`` is generated and may change with every update of the workbook, so the learner
never writes there. :func:`start` copies each exercise notebook into a git-ignored workspace
folder (``workspace/`` at the repository root by default) and **never overwrites** a file that
is already there: those files hold the learner's answers. An exercise added by a later update
is copied on the next ``start``.

:func:`check` grades workspace notebooks exactly as the tests grade the solutions: it runs
``python -m pytest --nbval-lax --nbval-current-env NOTEBOOK`` in a subprocess
(:func:`run_nbval`), with ``DSWORKBOOK_RESULTS`` naming a temporary file that every
``dw.grading.check`` appends its verdict to, and ``--junitxml`` giving the pass/fail of each
cell. The score card has one row per check cell (found by
:func:`dsworkbook.grading.build.check_cells`):

* the check recorded a verdict: ``pass``, ``fail``, ``not attempted`` or ``skipped`` (a check
  that needs a real server not installed here), with its first line;
* it recorded nothing: ``not run``, with the first line of the error that stopped it (an
  earlier cell that failed, the check cell's own error such as a ``NameError``, or the kernel
  dying or timing out). A check cell that passed without recording counts as ``pass``.

The card is printed as a table and merged, per notebook, into ``workspace/.progress.json``;
:func:`progress` sums that file per theme (``T01`` for notebooks named ``01_...``) and sets the
interview answers of ``workspace/.interview.jsonl`` beside them (:mod:`dsworkbook.interview.results`).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.grading.build import check_cells
from dsworkbook.interview.results import load_results, progress_lines

__all__ = [
    "PROGRESS_FILE", "STATUSES", "CellOutcome", "NbvalRun", "StartReport",
    "run_nbval", "score_card", "start", "check", "progress", "theme_of", "normalize_theme",
    "format_table", "workspace_notebooks", "first_error_line",
]

PROGRESS_FILE = ".progress.json"
STATUSES = ("pass", "fail", "not attempted", "not run", "skipped")
_THEME_FILE = re.compile(r"^(?P<num>\d{2})[a-z]?_")


# --------------------------------------------------------------------------- themes

def theme_of(file_name: str) -> str | None:
    """``"T01"`` for ``01_network.ipynb``, ``"T06"`` for ``06b_raft_in_production.ipynb``; else None.

    A theme's second notebook carries a letter after the number and belongs to the same theme.
    """
    m = _THEME_FILE.match(Path(file_name).name)
    return f"T{m['num']}" if m else None


def normalize_theme(theme: str) -> str:
    """Accept ``T01``, ``t1``, ``01`` or ``1``; return ``T01``."""
    m = re.fullmatch(r"[Tt]?(\d{1,2})", theme.strip())
    if m is None:
        raise ConfigError(f"theme {theme!r} is not a theme number; write it as T01 (or 01)")
    return f"T{int(m[1]):02d}"


# --------------------------------------------------------------------------- running nbval

@dataclass(frozen=True)
class CellOutcome:
    """What nbval reported for one code cell (numbered from 0 over code cells, as nbval does)."""

    cell: int
    outcome: str      # "passed", "failed" or "skipped"
    error: str = ""   # the first line of the error, or why it was skipped

    @property
    def passed(self) -> bool:
        return self.outcome == "passed"


@dataclass(frozen=True)
class NbvalRun:
    """One notebook run under nbval in a subprocess."""

    notebook: Path
    returncode: int
    cells: dict[int, CellOutcome]
    records: list[dict[str, str]] = field(default_factory=list)
    problem: str = ""   # why the notebook or its kernel did not run, when it did not

    @property
    def failed_cells(self) -> list[int]:
        return sorted(n for n, c in self.cells.items() if c.outcome == "failed")


_ANSI = re.compile(r"(?:\x1b|#x1B)\[[0-9;]*[A-Za-z]")
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(?::.*)?$")


def first_error_line(text: str) -> str:
    """The line of a junit failure text that names the exception (``NameError: name 'x' ...``)."""
    lines = [ln.rstrip() for ln in _ANSI.sub("", text).splitlines()]
    if "Traceback:" in lines:
        after = lines[len(lines) - lines[::-1].index("Traceback:"):]
        found = [ln for ln in after if _EXCEPTION_LINE.match(ln) and ln[0].isupper()]
        if found:
            return found[0]
    cell_line = next((ln for ln in lines if re.match(r"^Cell \d+: ", ln)), None)
    if cell_line:
        return cell_line.split(": ", 1)[1]
    pytest_e = [ln[1:].strip() for ln in lines if ln.startswith("E ")]
    if pytest_e:
        return pytest_e[-1]
    return next((ln.strip() for ln in lines if ln.strip()), "unknown error")


def _case_outcome(case: ET.Element) -> tuple[str, str]:
    """``(outcome, first error line)`` of one junit testcase."""
    for tag in ("failure", "error"):
        bad = case.find(tag)
        if bad is not None:
            return "failed", first_error_line(bad.text or bad.get("message") or "")
    skipped = case.find("skipped")
    if skipped is not None:
        return "skipped", skipped.get("message") or "skipped"
    return "passed", ""


def _outcomes(junit: Path) -> tuple[dict[int, CellOutcome], str]:
    """Each cell's outcome from nbval's junit report, and any failure that is not a cell's."""
    if not junit.exists():
        return {}, "pytest wrote no report"
    cells: dict[int, CellOutcome] = {}
    problem = ""
    for case in ET.parse(junit).getroot().iter("testcase"):
        outcome, error = _case_outcome(case)
        m = re.fullmatch(r"Cell (\d+)", case.get("name", ""))
        if m is not None:
            cells[int(m[1])] = CellOutcome(int(m[1]), outcome, error)
        elif outcome == "failed":
            problem = problem or error
    return cells, problem


def _records(path: Path) -> list[dict[str, str]]:
    """The verdicts the checks appended; a line cut short by a dying kernel is skipped."""
    records = []
    for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records


#: seconds a kernel may take to start (nbval's default, 60 s, is too short on a loaded two-core machine)
KERNEL_STARTUP = 300


def run_nbval(notebook: Path, *, cell_timeout: float = 120, timeout: float = 1800,
              extra_args: Sequence[str] = ()) -> NbvalRun:
    """Run one notebook under ``pytest --nbval-lax`` in a subprocess; report each code cell.

    The kernel is the current environment's. ``cell_timeout`` bounds one cell (a dead kernel is
    noticed only then); ``timeout`` bounds the whole run.
    """
    notebook = Path(notebook).resolve()
    with tempfile.TemporaryDirectory(prefix="dsworkbook-check-") as tmp:
        junit, results = Path(tmp) / "junit.xml", Path(tmp) / "results.jsonl"
        env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
        env["DSWORKBOOK_RESULTS"] = str(results)
        cmd = [sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env",
               f"--nbval-cell-timeout={cell_timeout:g}", f"--nbval-kernel-startup-timeout={KERNEL_STARTUP:g}",
               "-p", "no:cacheprovider", "-q", "--color=no",
               f"--junitxml={junit}", *extra_args, str(notebook)]
        try:
            proc = subprocess.run(cmd, cwd=notebook.parent, env=env, capture_output=True, text=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired:
            return NbvalRun(notebook, -1, {}, _records(results), f"the run took longer than {timeout:g} s")
        cells, problem = _outcomes(junit)
        if not cells and not problem:
            tail = [ln for ln in (proc.stdout + proc.stderr).splitlines() if ln.strip()]
            problem = f"pytest exited with code {proc.returncode}: {tail[-1] if tail else 'no output'}"
        return NbvalRun(notebook, proc.returncode, cells, _records(results), problem)


# --------------------------------------------------------------------------- the score card

def _not_run_reason(check_cell: int, run: NbvalRun, check_numbers: set[int]) -> str:
    outcome = run.cells.get(check_cell)
    if outcome is None:
        return run.problem or "the notebook did not run"
    earlier = [n for n in run.failed_cells if n < check_cell and n not in check_numbers]
    if earlier:
        return f"cell {earlier[0]} failed: {run.cells[earlier[0]].error}"
    return outcome.error or outcome.outcome


def score_card(notebook: Path, run: NbvalRun) -> list[dict[str, Any]]:
    """One row per check cell of ``notebook``: exercise, status and the first line of the message."""
    verdicts = {r["exercise"]: r for r in run.records}
    checks = check_cells(notebook)
    numbers = {n for n, _ in checks}
    rows = []
    for number, exercise_id in checks:
        record = verdicts.get(exercise_id)
        outcome = run.cells.get(number)
        if record is not None:
            status, message = record["status"], record["message"]
        elif outcome is not None and outcome.passed:
            status, message = "pass", "the check cell ran without error"
        else:
            status, message = "not run", _not_run_reason(number, run, numbers)
        rows.append(_card_row(notebook, number, exercise_id, status, message))
    return rows


def _card_row(notebook: Path, cell: int | None, exercise_id: str, status: str, message: str) -> dict[str, Any]:
    return {"theme": theme_of(Path(notebook).name) or "", "notebook": Path(notebook).name, "cell": cell,
            "exercise": exercise_id, "status": status, "message": (message.strip().splitlines() or [""])[0]}


def format_table(rows: Iterable[dict[str, Any]], columns: Sequence[str], *, width: int = 70) -> str:
    """Rows as an aligned plain-text table; each cell is cut to ``width`` characters."""

    def cut(value: Any) -> str:
        text = ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
        return text if len(text) <= width else text[: width - 3] + "..."

    table = [[c.upper() for c in columns]] + [[cut(row.get(c, "")) for c in columns] for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(line, widths)).rstrip() for line in table)


# --------------------------------------------------------------------------- start

@dataclass(frozen=True)
class StartReport:
    workspace: Path
    copied: list[str]
    kept: list[str]


def _default_workspace(root: Path, workspace: Path | None) -> Path:
    return Path(workspace) if workspace is not None else Path(root) / "workspace"


def start(root: Path, workspace: Path | None = None) -> StartReport:
    """Copy every ``exercises/*.ipynb`` into the workspace, never overwriting a file already there."""
    root, target = Path(root), _default_workspace(root, workspace)
    sources = sorted((root / "exercises").glob("*.ipynb"))
    if not sources:
        raise ConfigError(f"no exercise notebooks in {root / 'exercises'}; build them with "
                          "`make exercises` (or `dsworkbook build-exercises`)")
    target.mkdir(parents=True, exist_ok=True)
    copied, kept = [], []
    for source in sources:
        try:
            with open(target / source.name, "xb") as f:   # "x": fails rather than overwrite
                f.write(source.read_bytes())
            copied.append(source.name)
        except FileExistsError:
            kept.append(source.name)
    for name in copied:
        print(f"copied  {name}")
    for name in kept:
        print(f"kept    {name} (already in the workspace: your answers are untouched)")
    print(f"Open the notebooks in {target}; grade them with `dsworkbook check`.")
    return StartReport(target, copied, kept)


# --------------------------------------------------------------------------- check

def workspace_notebooks(workspace: Path, theme: str | None = None) -> list[Path]:
    """The workspace's notebooks (of one theme, when given); a clear error when there are none."""
    workspace = Path(workspace)
    found = sorted(workspace.glob("*.ipynb")) if workspace.is_dir() else []
    if not found:
        raise ConfigError(f"no workspace notebooks in {workspace}; run `dsworkbook start` first "
                          "to copy the exercises there")
    if theme is None:
        return found
    wanted = normalize_theme(theme)
    chosen = [nb for nb in found if theme_of(nb.name) == wanted]
    if not chosen:
        themes = sorted({t for nb in found if (t := theme_of(nb.name))})
        raise ConfigError(f"no notebook of theme {wanted} in {workspace}; themes there: "
                          f"{', '.join(themes) or '(none)'}")
    return chosen


def _summary(rows: list[dict[str, Any]]) -> str:
    counts = Counter(row["status"] for row in rows)
    others = ", ".join(f"{counts[s]} {s}" for s in STATUSES[1:] if counts[s])
    return f"{counts['pass']}/{len(rows)} passed" + (f" ({others})" if others else "")


def check(root: Path, workspace: Path | None = None, theme: str | None = None, *,
          jobs: int | None = None) -> list[dict[str, Any]]:
    """Grade the workspace notebooks (all, or one theme); print and save the score card.

    Notebooks run in up to ``jobs`` subprocesses at once (default: the number of CPUs, at most 4);
    the card keeps notebook order either way.
    """
    target = _default_workspace(root, workspace)
    card: list[dict[str, Any]] = []
    to_run: list[Path] = []
    for notebook in workspace_notebooks(target, theme):
        try:
            if check_cells(notebook):
                to_run.append(notebook)
        except ConfigError as exc:                       # a notebook that cannot be read
            card.append(_card_row(notebook, None, "?", "not run", str(exc)))
    print(f"checking {', '.join(nb.name for nb in to_run) or 'nothing'} ...", flush=True)
    workers = max(1, min(jobs or min(4, os.cpu_count() or 1), len(to_run) or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        runs = list(pool.map(run_nbval, to_run))
    for notebook, run in zip(to_run, runs):
        card += score_card(notebook, run)
    card.sort(key=lambda row: row["notebook"])
    _save(target, card)  # before printing: the results are kept even if the output is cut short
    if card:
        print(format_table(card, ("theme", "exercise", "status", "message")))
        print(_summary(card))
    else:
        print("no check cells found in the chosen notebooks")
    return card


# --------------------------------------------------------------------------- progress

def _load(workspace: Path) -> dict[str, Any]:
    path = Path(workspace) / PROGRESS_FILE
    if not path.exists():
        return {"version": 1, "notebooks": {}}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path} is not valid JSON ({exc}); delete it and run `dsworkbook check` again") from None


def _save(workspace: Path, card: list[dict[str, Any]]) -> None:
    saved = _load(workspace)
    notebooks = saved.setdefault("notebooks", {})
    checked = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    for name in sorted({row["notebook"] for row in card}):
        notebooks[name] = {"checked": checked, "exercises": [r for r in card if r["notebook"] == name]}
    for name in [n for n in notebooks if not (Path(workspace) / n).exists()]:
        del notebooks[name]
    (Path(workspace) / PROGRESS_FILE).write_text(json.dumps(saved, indent=1, sort_keys=True) + "\n",
                                                encoding="utf-8")


def progress(workspace: Path) -> dict[str, dict[str, int]]:
    """Sum the saved results per theme and overall; print one line each, then the interview scores.

    When ``dsworkbook interview`` has saved answers, a table follows that sets each theme's
    interview score beside its exercises, weakest theme first
    (:func:`dsworkbook.interview.results.progress_lines`).

    Returns ``{"T01": {"pass": 4, "fail": 1, "not attempted": 1, "not run": 0, "skipped": 0, "total": 6}, ...,
    "overall": {...}}`` (empty when nothing is saved yet).
    """
    workspace = Path(workspace)
    if not workspace.is_dir():
        raise ConfigError(f"no workspace at {workspace}; run `dsworkbook start` first")
    rows = [row for entry in _load(workspace).get("notebooks", {}).values() for row in entry["exercises"]]
    answers = load_results(workspace)
    sums: dict[str, dict[str, int]] = {}
    if not rows:
        print(f"No {'exercise ' if answers else ''}results saved yet: run `dsworkbook check` "
              "(or `dsworkbook check T01`) first.")
    for key, group in (_by_theme(rows) if rows else {}).items():
        counts = Counter(row["status"] for row in group)
        sums[key] = {**{s: counts[s] for s in STATUSES}, "total": len(group)}
        print(f"{key}: {_summary(group)}")
    for line in progress_lines({k: (v["pass"], v["total"]) for k, v in sums.items() if k != "overall"}, answers):
        print(line)
    return sums


def _by_theme(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: (r["theme"], r["notebook"], r["cell"] or 0)):
        groups.setdefault(row["theme"] or "other", []).append(row)
    groups["overall"] = rows
    return groups
