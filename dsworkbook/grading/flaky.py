"""The flakiness meter: run one exercise's graded experiment over many seeds against an answer.

Theory of operation
-------------------
A check runs an answer on a handful of seeds. An answer that is wrong only under some
interleavings (a vote persisted on some terms only, a backoff that forgets its jitter now and
then) can pass on those seeds and fail on the next, or the other way round. The meter tells the
learner how often it fails and hands them the smallest failing run to study.

An exercise declares its *graded experiment over seeds* when it registers
(``exercise(..., experiment=fn)``): ``fn(answer, seed, schedule=None, until=None)`` runs the
answer once, on one seed, exactly as the check's seeded runs do, and returns None (the run kept
every property the check demands of it) or a :class:`Failure` (what broke, when, and the fault
schedule the run had). ``schedule`` replaces the seed's own fault schedule (a replay, or a
candidate while shrinking); ``until`` stops the run early at that time.

:func:`flaky` runs the experiment on seeds ``0..N-1`` and returns a :class:`FlakyReport`:

* the pass rate;
* the *shortest* failing seed: the one whose failure needed the fewest faults - those scheduled
  up to the moment it broke (faults after it cannot have caused it) - then the earliest failure;
* that seed's schedule shrunk with :func:`dsworkbook.sim.shrink` (delta debugging, then milder
  faults), every candidate replayed up to the failure time plus :data:`SHRINK_SLACK` and kept
  only if the *same* property breaks, as the Raft campaign's ``shrink_violation`` does; the
  result is replayed in full once more;
* the one call that replays it, :func:`replay`.

Rules it keeps: everything is decided by the seed and the schedule (runs are deterministic, so
a replay gives the same failure); each seed runs in the check's world 0 and under the
exercise's event budget, as :func:`dsworkbook.grading.core.check` runs a grader; an answer still
holding its stub raises :class:`~dsworkbook.grading.core.NotAttempted`; a crash of the answer in
one seed is that seed's failure. With ``processes > 1`` seeds run in forked worker processes
(the answer is inherited, never pickled); the result is the same as on one process.
"""

from __future__ import annotations

import ast
import contextlib
import io
import multiprocessing
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from dsworkbook.errors import ConfigError, OutOfBudget
from dsworkbook.grading import core
from dsworkbook.sim import FaultSchedule, shrink

__all__ = ["experiment_of", "Failure", "FlakyReport", "Experiment", "flaky", "replay", "run_seed", "meter_line", "name_of",
           "SHRINK_SLACK", "DEFAULT_SEEDS", "DEFAULT_SHRINK_RUNS", "notebook_answer",
           "workspace_answer"]

#: ms a shrink candidate runs past the original failure time (a smaller schedule may break the
#: same property a little later); the Raft campaign's shrinker uses the same slack.
SHRINK_SLACK = 500.0
DEFAULT_SEEDS = 500
DEFAULT_SHRINK_RUNS = 80
#: faults of the shrunk schedule the report prints (all of them are in ``report.schedule``)
SHOWN_FAULTS = 12

#: ``experiment(answer, seed, schedule=None, until=None) -> Failure | None``
Experiment = Callable[..., "Failure | None"]


@dataclass(frozen=True)
class Failure:
    """What broke in one seeded run: in words, when (ms of simulated time), under which faults."""

    what: str
    time: float | None = None
    schedule: FaultSchedule | None = None
    #: the property that broke ("election safety", "stale write", ...): a shrunk run must break the same one
    property: str = ""
    #: the simulation itself, to study its trace (not kept across processes)
    run: Any = field(default=None, compare=False, repr=False)

    def faults_before(self) -> int | None:
        """How many faults were scheduled up to the failure (None: the run had no fault schedule)."""
        if self.schedule is None:
            return None
        if self.time is None:
            return len(self.schedule)
        return sum(1 for f in self.schedule if f.at <= self.time)

    def line(self) -> str:
        when = f" at t={self.time:.1f} ms" if self.time is not None and "t=" not in self.what else ""
        return f"{self.what}{when}"


@dataclass(frozen=True)
class FlakyReport:
    """The meter's verdict on one answer over ``seeds``."""

    exercise: str
    seeds: tuple[int, ...]
    failures: dict[int, Failure]
    #: the shortest failing seed (None: every seed passed)
    seed: int | None = None
    #: its failure, replayed with the shrunk schedule
    failure: Failure | None = None
    #: the shrunk fault schedule (None when the experiment runs no fault schedule)
    schedule: FaultSchedule | None = None
    shrunk_from: int = 0
    shrink_runs: int = 0
    #: how the printed calls name the answer (its ``__name__`` when it has a usable one)
    answer_name: str = "answer"

    @property
    def passed(self) -> int:
        return len(self.seeds) - len(self.failures)

    @property
    def pass_rate(self) -> float:
        return self.passed / len(self.seeds)

    def replay_call(self) -> str:
        """The one call that replays the shortest failing seed ('' when nothing failed)."""
        if self.seed is None:
            return ""
        tail = ", schedule=report.schedule" if self.schedule is not None else ""
        return f'dw.grading.replay("{self.exercise}", {self.answer_name}, seed={self.seed}{tail})'

    def describe(self) -> str:
        n = len(self.seeds)
        first = self.seeds[0]
        span = f"seeds {first}-{self.seeds[-1]}" if self.seeds == tuple(range(first, first + n)) else f"{n} seeds"
        lines = [f"{self.exercise}: {self.passed} of {n} runs pass ({100 * self.pass_rate:.1f}%), {span}"]
        if self.seed is None or self.failure is None:
            return lines[0]
        fails = sorted(self.failures)
        lines.append(f"failing seeds: {', '.join(map(str, fails[:12]))}{' ...' if len(fails) > 12 else ''}")
        lines.append(f"shortest failing seed: {self.seed} - {self.failure.line()}")
        if self.schedule is not None:
            lines.append(f"its fault schedule, shrunk from {self.shrunk_from} to {len(self.schedule)} faults "
                         f"({self.shrink_runs} runs):")
            shown = self.schedule.describe().splitlines()
            lines += ["  " + line for line in shown[:SHOWN_FAULTS]]
            if len(shown) > SHOWN_FAULTS:
                lines.append(f"  ... and {len(shown) - SHOWN_FAULTS} more (all of them: report.schedule)")
        lines.append(f"replay it: {self.replay_call()}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.describe()


def name_of(answer: Any) -> str:
    """The answer's ``__name__`` when it is a plain identifier (a class, a def), else ``"answer"``."""
    name = getattr(answer, "__name__", "")
    return name if isinstance(name, str) and name.isidentifier() else "answer"


def meter_line(exercise_id: str, answer: Any = None) -> str:
    """The line a check's failure message gets when the failure came from a seeded run."""
    return (f'this failure depends on the seed: dw.grading.flaky("{exercise_id}", {name_of(answer)}, '
            f'seeds={DEFAULT_SEEDS})')


def experiment_of(exercise_id: str) -> tuple[core.Exercise, Experiment]:
    ex = core.get(exercise_id)
    if ex.experiment is None:
        # only the themes loaded so far (loading all fifteen takes seconds): the exercise's own at least
        having = sorted(i for i, e in core._REGISTRY.items() if e.experiment is not None)
        raise ConfigError(f"{ex.id} declares no experiment over seeds (its check runs no seeded simulation); "
                          f"the meter runs, among others, {', '.join(having) or '(none loaded)'}")
    return ex, ex.experiment


def run_seed(exercise_id: str, answer: Any, seed: int, schedule: FaultSchedule | None = None,
             until: float | None = None) -> Failure | None:
    """One run of the experiment, in the check's world 0 and under its event budget.

    A stub raises NotAttempted; a crash of the answer (or a runaway run) is this seed's failure.
    """
    ex, experiment = experiment_of(exercise_id)
    previous = core._Current.exercise
    core._Current.exercise = ex.id
    try:
        with core._budget.event_budget(ex.events), core._world(0):
            return experiment(answer, seed, schedule=schedule, until=until)
    except NotImplementedError:
        raise core.NotAttempted(ex.id) from None
    except core.NotAttempted:
        raise
    except core.GradingError as exc:
        got = getattr(exc, "got", None)
        return Failure(f"the answer crashed: {got}" if got is not None else str(exc).splitlines()[0],
                       property="crash")
    except OutOfBudget as exc:
        return Failure(f"the run {exc}", property="budget")
    finally:
        core._Current.exercise = previous


# -- many seeds, maybe in forked processes -------------------------------------------------------------

_JOB: tuple[str, Any] | None = None  # (exercise id, answer): what a forked worker inherits


def _worker(seed: int) -> tuple[int, Failure | None]:
    assert _JOB is not None
    found = run_seed(_JOB[0], _JOB[1], seed)
    if found is not None:
        found = Failure(found.what, found.time, found.schedule, found.property)  # the simulation stays here
    return seed, found


def _run_all(exercise_id: str, answer: Any, seeds: Sequence[int], processes: int,
             progress: Callable[[int, int], None] | None) -> dict[int, Failure]:
    global _JOB
    failures: dict[int, Failure] = {}
    can_fork = "fork" in multiprocessing.get_all_start_methods()
    if processes <= 1 or not can_fork or len(seeds) < 2:
        for done, seed in enumerate(seeds, 1):
            found = run_seed(exercise_id, answer, seed)
            if found is not None:
                failures[seed] = found
            if progress is not None:
                progress(done, len(seeds))
        return failures
    first = run_seed(exercise_id, answer, seeds[0])  # here, so a stub is NotAttempted before any fork
    if first is not None:
        failures[seeds[0]] = first
    _JOB = (exercise_id, answer)
    try:
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            chunk = max(1, len(seeds) // (8 * processes))
            for done, (seed, found) in enumerate(pool.imap(_worker, seeds[1:], chunksize=chunk), 2):
                if found is not None:
                    failures[seed] = found
                if progress is not None:
                    progress(done, len(seeds))
    finally:
        _JOB = None
    return failures


def _shortest(failures: dict[int, Failure]) -> int:
    """The failing seed that needed the fewest faults, then the earliest failure, then the lowest seed."""
    def key(seed: int) -> tuple:
        f = failures[seed]
        faults = f.faults_before()
        return (faults if faults is not None else 0, f.time if f.time is not None else 0.0, seed)

    return min(failures, key=key)


def _shrink(exercise_id: str, answer: Any, seed: int, found: Failure, max_runs: int
            ) -> tuple[Failure, FaultSchedule | None, int, int]:
    """(the failure replayed, its shrunk schedule, faults before shrinking, runs the search took)."""
    if found.schedule is None:
        return run_seed(exercise_id, answer, seed) or found, None, 0, 0
    cut = found.time
    head = FaultSchedule(f for f in found.schedule if cut is None or f.at <= cut)
    until = None if cut is None else cut + SHRINK_SLACK

    def fails(candidate: FaultSchedule) -> bool:
        again = run_seed(exercise_id, answer, seed, candidate, until=until)
        return again is not None and again.property == found.property

    if not fails(head):  # the faults after the failure mattered after all (cannot happen in a deterministic run)
        head = found.schedule
        until = None
    result = shrink(head, fails, max_runs=max_runs)
    replayed = run_seed(exercise_id, answer, seed, result.schedule)
    if replayed is None or replayed.property != found.property:  # only up to the cut: keep what surely fails
        replayed = run_seed(exercise_id, answer, seed, head) or found
        return replayed, head, len(found.schedule), result.runs + 2
    return replayed, result.schedule, len(found.schedule), result.runs + 2


def _seed_list(seeds: int | Iterable[int]) -> tuple[int, ...]:
    if isinstance(seeds, bool) or not isinstance(seeds, int):
        listed = tuple(seeds)  # type: ignore[arg-type]
        if not listed or not all(isinstance(s, int) and not isinstance(s, bool) for s in listed):
            raise ConfigError(f"seeds must be a count (500) or a non-empty list of ints, got {seeds!r}")
        return listed
    if seeds < 1:
        raise ConfigError(f"seeds must be at least 1 (the meter runs seeds 0..N-1), got {seeds}")
    return tuple(range(seeds))


def flaky(exercise_id: str, answer: Any, seeds: int | Iterable[int] = DEFAULT_SEEDS, *, processes: int = 1,
          shrink_runs: int = DEFAULT_SHRINK_RUNS, show: bool = True,
          progress: Callable[[int, int], None] | None = None) -> FlakyReport:
    """Run ``exercise_id``'s graded experiment on ``seeds`` (a count N: seeds 0..N-1) against ``answer``.

    Prints the report (unless ``show=False``) and returns it: the pass rate, the shortest
    failing seed with its shrunk fault schedule (at most ``shrink_runs`` replays), and the call
    that replays it. ``processes`` > 1 runs the seeds in forked worker processes.
    """
    if not isinstance(processes, int) or processes < 1:
        raise ConfigError(f"processes must be an int >= 1, got {processes!r}")
    if not isinstance(shrink_runs, int) or shrink_runs < 1:
        raise ConfigError(f"shrink_runs must be an int >= 1, got {shrink_runs!r}")
    ex, _ = experiment_of(exercise_id)
    if answer is core.UNANSWERED:
        raise core.NotAttempted(ex.id, "replace the `...` with your answer")
    listed = _seed_list(seeds)
    failures = _run_all(ex.id, answer, listed, processes, progress)
    report = FlakyReport(ex.id, listed, failures, answer_name=name_of(answer))
    if failures:
        seed = _shortest(failures)
        failure, schedule, before, runs = _shrink(ex.id, answer, seed, failures[seed], shrink_runs)
        report = FlakyReport(ex.id, listed, failures, seed, failure, schedule, before, runs, name_of(answer))
    if show:
        print(report.describe())
    return report


def replay(exercise_id: str, answer: Any, seed: int, schedule: FaultSchedule | None = None, *,
           show: bool = True) -> Failure | None:
    """Run ``answer`` once on ``seed`` (with ``schedule`` instead of the seed's own faults, if given).

    Returns the :class:`Failure` (its ``run`` holds the simulation, to read its trace) or None;
    prints one line saying which.
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ConfigError(f"seed must be an int, got {seed!r}")
    if schedule is not None and not isinstance(schedule, FaultSchedule):
        schedule = FaultSchedule(schedule)
    found = run_seed(exercise_id, answer, seed, schedule)
    if show:
        faults = "" if schedule is None else f" with {len(schedule)} faults"
        print(f"{exercise_id}, seed {seed}{faults}: " + ("passed" if found is None else f"failed - {found.line()}"))
    return found



# -- the learner's answer, from a workspace notebook (for `dsworkbook check --flaky`) -------------------


def _check_call_answer(source: str, exercise_id: str) -> str | None:
    """The source of the answer passed to ``check("<exercise_id>", answer, ...)`` in ``source``, or None."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and len(node.args) >= 2 and isinstance(node.args[0], ast.Constant)
                and node.args[0].value == exercise_id
                and (getattr(node.func, "attr", None) or getattr(node.func, "id", None)) == "check"):
            return ast.unparse(node.args[1])
    return None


def _runnable(source: str) -> str:
    """A cell's source without IPython's magics and shell escapes (lines starting with % or !)."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def notebook_answer(notebook: Path, exercise_id: str) -> Any:
    """The learner's answer to ``exercise_id`` in ``notebook``: its cells run up to the check cell.

    Every code cell before the check cell runs in one fresh namespace, in this process (output
    hidden, figures not shown); other check cells are skipped, so an earlier wrong answer does
    not stop this one. The answer is the expression the check cell passes to ``check``.
    """
    from dsworkbook.grading.build import _source, check_cells, read_notebook

    nb = read_notebook(notebook)
    code = [c for c in nb.cells if c.cell_type == "code"]
    checks = check_cells(nb)
    here = [n for n, i in checks if i == exercise_id]
    if not here:
        raise ConfigError(f"{notebook.name} has no check cell for {exercise_id}")
    expression = _check_call_answer(_source(code[here[0]]), exercise_id)
    if expression is None:
        raise ConfigError(f"cannot read the answer in the check cell of {exercise_id} in {notebook.name}; "
                          f'use the notebook helper there: dw.grading.flaky("{exercise_id}", answer)')
    skip = {n for n, _ in checks}
    namespace: dict[str, Any] = {"__name__": "__workspace__"}
    os.environ.setdefault("MPLBACKEND", "Agg")
    for number in range(here[0]):
        if number in skip:
            continue
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(_runnable(_source(code[number])), f"{notebook.name} cell {number}", "exec"), namespace)
        except Exception as exc:  # the learner's notebook: say which cell, and go no further
            raise ConfigError(f"{notebook.name}, code cell {number} raised {type(exc).__name__}: {exc}; fix it "
                              "(run the notebook top to bottom), then try again") from None
    try:
        return eval(expression, namespace)
    except Exception as exc:
        raise ConfigError(f"the answer `{expression}` of {exercise_id} is not defined after the cells above its "
                          f"check cell in {notebook.name} ({type(exc).__name__}: {exc})") from None


def workspace_answer(workspace: Path, exercise_id: str) -> Any:
    """The answer to ``exercise_id`` in the workspace notebook that checks it (see :func:`notebook_answer`)."""
    from dsworkbook.grading.build import check_cells
    from dsworkbook.grading.workspace import workspace_notebooks

    for notebook in workspace_notebooks(Path(workspace)):
        if any(i == exercise_id for _, i in check_cells(notebook)):
            return notebook_answer(notebook, exercise_id)
    raise ConfigError(f"no notebook in {workspace} checks {exercise_id}; run `dsworkbook start` to copy "
                      "the exercises there")
