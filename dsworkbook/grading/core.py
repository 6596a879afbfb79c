"""Exercise checks: run the learner's code on many seeded cases and say exactly what went wrong.

Theory of operation
-------------------
Every exercise has a stable id (``"01-backoff"``: theme number, then a name), a title, the
concept ids of CONCEPTS it trains, and a *grader*: a function that takes the learner's answer
(a function, a class, or a prediction), runs it on seeded cases - often inside the simulator
under a fault schedule - compares with the reference, and returns a one-line summary.

A notebook's check cell is one call::

    dw.grading.check("01-backoff", backoff_delay)

and it ends one of three ways:

* the answer is right: one line is printed, ``✔ 01-backoff: ...``;
* the answer is wrong: :class:`WrongAnswer` (an ``AssertionError``) says which case, the input,
  what was expected, what came back, and a hint;
* the exercise is untouched (its stub raises ``NotImplementedError``, or a prediction is still
  ``...``): :class:`NotAttempted` says "not attempted yet".

An exercise graded on a real server (``servers=("redis",)``) that is not installed on this
machine is *skipped* instead: one line, ``- 09-redlock-real: skipped ...``, gives the command that
installs it. Under ``CI=true`` the missing server is an error: CI must grade every check.

Graders use :func:`attempt` to call learner code (so a crash in it becomes a clear
:class:`WrongAnswer` naming the input) and :func:`fail` to report a wrong case.

What every grader does (the rules that keep a wrong answer from passing):

* **Differential cases.** Besides hand-made cases with pointed hints, a grader compares the
  answer with the reference on inputs drawn over the whole domain from a seeded generator
  (:func:`random_cases`), including the boundaries learners miss: values exactly at a limit,
  ties, sizes far beyond the small range, items in every order.
* **Outcomes.** A grader that reads a history is tried against answers that mistreat unknown
  (``:info``) operations, ``:fail`` completions and completions without a value.
* **Hidden nondeterminism.** Every grader runs in world 0 (string hashes salted, the global
  ``random`` seeded), so one answer always gets one verdict; :func:`same_everywhere` runs the
  answer in two more *worlds* that differ
  in what a correct answer must not depend on - the salt of ``hash()`` on strings (it differs
  from process to process), the state of the global ``random`` module, and the wall clock - and
  rejects an answer whose result changes. With ``salt_text=True`` the strings inside the
  arguments become :class:`SaltedStr` s hashed differently in each world, so an answer that
  leans on the iteration order of a set or dict of strings changes too.
* **Budgets.** :func:`check` runs every grader under a time budget (``seconds``) and an event
  budget for the simulations it runs (``events``); a runaway answer fails with a message that
  says what grew, instead of hanging the cell.
* **Parts.** A prediction names its answer and, as a second graded part, the reason for it
  (``dw.grading.check("02-predict-stale", stale_possible, why=why)``): an exercise declares its
  ``parts`` and the grader receives them as keyword arguments.
* **Messages.** Inputs, expectations and answers are shown whole up to about 2,000 characters;
  a law is stated in words; the hint names the method or rule that is wrong.

When the environment variable ``DSWORKBOOK_RESULTS`` names a file, each check appends one JSON
line ``{"exercise", "status", "message"}`` to it; ``dsworkbook check`` builds its score card
from these.
"""

from __future__ import annotations

import builtins
import dataclasses
import hashlib
import json
import os
import random
import signal
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator, TypeVar

from dsworkbook.errors import ConfigError, NodeError, OutOfBudget
from dsworkbook.sim import budget as _budget

T = TypeVar("T")

__all__ = [
    "need_bool_table",
    "GradingError",
    "WrongAnswer",
    "NotAttempted",
    "Exercise",
    "exercise",
    "registry",
    "get",
    "check",
    "attempt",
    "fail",
    "in_simulation",
    "need_callable",
    "need_choice",
    "same_everywhere",
    "SaltedStr",
    "salted",
    "random_cases",
    "UNANSWERED",
    "DEFAULT_SECONDS",
    "DEFAULT_EVENTS",
    "seeded",
]

#: What an unanswered prediction holds in a generated exercise notebook (``answer = ...``).
UNANSWERED = Ellipsis

#: implement: write a function or class; predict: say what a run will do, and why; drill: fix
#: a buggy snippet from the source notes; design: choose a configuration or a rule for stated goals.
KINDS = ("implement", "predict", "drill", "design")
#: The budgets every check runs under unless its exercise sets others.
DEFAULT_SECONDS = 20.0
DEFAULT_EVENTS = 1_000_000


class GradingError(AssertionError):
    """Base of the two ways a check fails. An AssertionError, so nbval reports the cell as failed."""

    exercise: str = ""


class NotAttempted(GradingError):
    """The exercise still holds its stub."""

    def __init__(self, exercise: str, where: str = "") -> None:
        self.exercise = exercise
        how = where or "replace the `raise NotImplementedError` (or the `...`) with your answer"
        super().__init__(f"{exercise}: not attempted yet - {how}, then run this cell again.")


class WrongAnswer(GradingError):
    """A case on which the learner's answer differs from the reference."""

    def __init__(self, exercise: str, *, case: str, input: Any, expected: Any, got: Any, hint: str = "") -> None:
        self.exercise, self.case, self.input, self.expected, self.got, self.hint = (
            exercise, case, input, expected, got, hint)
        lines = [f"{exercise}: wrong answer on {case}",
                 f"  input:    {_show(input)}",
                 f"  expected: {_show(expected)}",
                 f"  got:      {_show(got)}"]
        if hint:
            lines.append(f"  hint:     {hint}")
        super().__init__("\n".join(lines))


def _show(value: Any, limit: int = 2000) -> str:
    """The value whole when it fits in ``limit`` characters (tables keep their lines), else cut."""
    if isinstance(value, str):
        text = value
    elif hasattr(value, "to_string") and callable(value.to_string):  # a pandas table: every row and column
        text = value.to_string()
    else:
        text = repr(value)
    if len(text) > limit:
        text = text[: limit - 40] + f" ... ({len(text) - limit + 40:,} more characters)"
    if "\n" in text:
        text = "\n" + "\n".join("            " + line for line in text.splitlines())
    return text


@dataclass(frozen=True)
class Exercise:
    """One graded exercise."""

    id: str
    title: str
    theme: str
    concepts: tuple[str, ...]
    kind: str
    grader: Callable[..., str]
    #: names of further answers the check takes as keywords (a prediction's ``why``)
    parts: tuple[str, ...] = ()
    #: dotted path(s) of the reference(s) the learner re-implements; a notebook must not print their source
    reference: str | tuple[str, ...] = ""
    seconds: float = DEFAULT_SECONDS
    events: int = DEFAULT_EVENTS
    #: real servers the check runs the answer against (``"redis"``, ``"zookeeper"``)
    servers: tuple[str, ...] = ()
    #: the graded experiment over seeds, ``fn(answer, seed, schedule=None, until=None) -> Failure | None``:
    #: what the flakiness meter (:mod:`dsworkbook.grading.flaky`) runs on many seeds
    experiment: Callable[..., Any] | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ConfigError(f"exercise kind must be one of {KINDS}, got {self.kind!r}")


_REGISTRY: dict[str, Exercise] = {}


def exercise(id: str, *, title: str, theme: str, concepts: tuple[str, ...] | list[str],
             kind: str = "implement", parts: tuple[str, ...] = (), reference: str | tuple[str, ...] = "",
             seconds: float = DEFAULT_SECONDS, events: int = DEFAULT_EVENTS, servers: tuple[str, ...] = (),
             experiment: Callable[..., Any] | None = None) -> Callable[[Callable[..., str]], Callable[..., str]]:
    """Register the decorated function as the grader of exercise ``id``.

    ``parts`` names the further answers the grader takes as keyword arguments (a prediction's
    ``why``); ``reference`` is the dotted path (or a tuple of them) of the library objects the
    learner re-implements; ``seconds`` and ``events`` are the check's budgets; ``servers`` names
    the real servers the grader starts (see :func:`check` for what happens when one is missing);
    ``experiment`` is the graded experiment over seeds that the flakiness meter runs
    (:mod:`dsworkbook.grading.flaky`).
    """

    def register(grader: Callable[..., str]) -> Callable[..., str]:
        if id in _REGISTRY:
            raise ConfigError(f"exercise id {id!r} is registered twice")
        _REGISTRY[id] = Exercise(id, title, theme, tuple(concepts), kind, grader, tuple(parts), reference,
                                 seconds, events, tuple(servers), experiment)
        return grader

    return register


def _load_nothing(exercise_id: str | None) -> None:
    """The loader until :mod:`dsworkbook.grading` installs its own: everything is registered by hand."""


#: Imports the checks an exercise id needs (its theme's grader package), or every theme's for None.
#: :mod:`dsworkbook.grading` sets it, so a check cell loads one theme's checks, not fifteen.
_LOADER: Callable[[str | None], None] = _load_nothing


def registry() -> dict[str, Exercise]:
    """Every registered exercise, by id (every theme's checks are imported first)."""
    _LOADER(None)
    return dict(_REGISTRY)


def get(exercise_id: str) -> Exercise:
    if exercise_id not in _REGISTRY and isinstance(exercise_id, str):
        _LOADER(exercise_id)
    try:
        return _REGISTRY[exercise_id]
    except (KeyError, TypeError):
        known = ", ".join(sorted(registry())) or "(none)"
        raise ConfigError(f"no exercise {exercise_id!r}; known exercises: {known}") from None


class _Current:
    exercise = ""
    case = ""      # the case the last attempt() ran, named in a budget message
    input: Any = None


def attempt(fn: Callable[..., Any], *args: Any, input: Any = None, case: str = "a case",
            crash_hints: tuple[tuple[type[BaseException], str], ...] = (), **kwargs: Any) -> Any:
    """Call the learner's ``fn``; a stub or a crash becomes a clear grading error.

    ``crash_hints`` pairs exception types with the hint to give when the answer lets one escape
    (a Redis error it should have caught, say); any other crash gets a general hint.
    """
    _Current.case, _Current.input = case, input if input is not None else (args, kwargs)
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        raise NotAttempted(_Current.exercise) from None
    except GradingError:
        raise
    except Exception as exc:  # the learner's code crashed: say where, on what input
        hint = next((h for kind, h in crash_hints if isinstance(exc, kind)), "your code raised an exception on this input")
        raise WrongAnswer(_Current.exercise, case=case,
                          input=input if input is not None else (args, kwargs),
                          expected="a result", got=f"{type(exc).__name__}: {exc}", hint=hint) from None


def need_callable(answer: Any, what: str, *, allow_class: bool = True) -> None:
    """Fail early, and clearly, when the answer is not something that can be called."""
    import inspect

    if not callable(answer) or (not allow_class and inspect.isclass(answer)):
        fail(case="the answer itself", input=repr(answer), expected=what, got=type(answer).__name__,
             hint=f"pass the {what} itself (its name, without calling it)")


def need_choice(value: Any, options: Any, *, what: str = "why") -> str:
    """The letter that ``value`` names among ``options`` (``"b"``, ``"(b)"`` and ``" B "`` all name b).

    ``options`` holds the letters (a dict of letter -> reason, or any collection). Anything
    else fails with the letters to choose from; the grader then compares the letter with the
    one the run bears out.
    """
    letters = sorted(options)
    letter = value.strip().strip("().").strip().lower() if isinstance(value, str) else None
    if letter not in letters:
        fail(case=f"the form of `{what}`", input="the reasons " + ", ".join(f"({k})" for k in letters),
             expected=f'one letter among {", ".join(letters)}, as a string, e.g. "{letters[0]}"', got=value,
             hint=f"answer `{what}` with the letter of one of the reasons the statement lists")
    return letter


def need_bool_table(answer: Any, keys: Any, *, meaning: str) -> dict[Any, bool]:
    """``answer`` when it is a dict with exactly ``keys``, each True or False; else a clear failure.

    ``meaning`` says what True stands for ("a write was lost"), for the hint. A prediction over
    several runs answers this way; the grader then compares each value with its run.
    """
    if not isinstance(answer, dict) or set(answer) != set(keys):
        fail(case="the form of the answer", input=f"runs {list(keys)}",
             expected="a dict with exactly these keys, each True or False", got=answer,
             hint=f"copy the keys of the question and put True ({meaning}) or False after each")
    for key, value in answer.items():
        if not isinstance(value, bool):
            fail(case=key, input=key, expected="True or False", got=value, hint="answer with a bool")
    return answer


@contextmanager
def in_simulation(*, case: str, input: Any,
                  hint: str = "your code raised inside a node; the message names the node, the handler and the time"
                  ) -> Iterator[None]:
    """Around a run whose nodes call learner code: the simulator's NodeError becomes a verdict.

    A stub raising NotImplementedError inside a node is "not attempted"; a grading error raised
    inside a node (a check the node itself made) passes through; any other crash is a
    :class:`WrongAnswer` on ``case`` naming the node, the handler and the seed.
    """
    try:
        yield
    except NodeError as exc:
        if isinstance(exc.cause, NotImplementedError):
            raise NotAttempted(_Current.exercise) from None
        if isinstance(exc.cause, GradingError):
            raise exc.cause from None
        fail(case=case, input=input, expected="a run without errors", got=str(exc), hint=hint)


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Around one seeded run of a check: a failure inside it is marked as depending on ``seed``.

    :func:`check` then adds one line to the message pointing at the flakiness meter, when the
    exercise declares an experiment over seeds: a seeded failure may come and go with the seed.
    """
    try:
        yield
    except WrongAnswer as exc:
        exc.seed = seed  # type: ignore[attr-defined]
        raise


def random_cases(seed: int, count: int, draw: Callable[[random.Random], T]) -> Iterator[tuple[str, T]]:
    """``count`` inputs drawn by ``draw(rng)`` from one seeded generator, each with a case label.

    The label names the case's number and the seed, so a learner can reproduce it:
    ``"random case 17 of 300 (seed 8)"``.
    """
    rng = random.Random(seed)
    for k in range(1, count + 1):
        yield f"random case {k} of {count} (seed {seed})", draw(rng)


# -- worlds: what a correct answer must not depend on --------------------------------------------

_REAL_HASH = builtins.hash
_REAL_CLOCKS = {name: getattr(time, name) for name in ("time", "time_ns", "monotonic", "monotonic_ns",
                                                       "perf_counter", "perf_counter_ns")}


def _stable_hash(salt: Any, obj: Any) -> int:
    """A hash of ``obj`` under ``salt`` that is the same in every Python process.

    Python salts the hash of ``str`` and ``bytes`` per process (PYTHONHASHSEED); a world must
    not, or an answer that leans on ``hash()`` would pass in one process and fail in the next.
    Text is hashed with BLAKE2b; tuples combine their items in order, frozensets without order;
    anything else keeps its own hash.
    """
    if isinstance(obj, (str, bytes)):
        data = obj.encode("utf-8", "surrogatepass") if isinstance(obj, str) else b"\x00" + obj
        digest = hashlib.blake2b(data, digest_size=8, person=repr(salt).encode()[:16]).digest()
        return int.from_bytes(digest, "big", signed=True)
    if isinstance(obj, tuple):
        return _REAL_HASH(tuple(_stable_hash(salt, o) for o in obj))
    if isinstance(obj, frozenset):
        return _REAL_HASH(frozenset(_stable_hash(salt, o) for o in obj))
    return _REAL_HASH(obj)


def _holds_text(obj: Any) -> bool:
    if isinstance(obj, (str, bytes)):
        return True
    if isinstance(obj, (tuple, frozenset)):
        return any(_holds_text(o) for o in obj)
    return False


@contextmanager
def _world(n: int) -> Iterator[None]:
    """World ``n``: string hashes salted with ``n``, the global random seeded with ``n``, the clock moved.

    Only calls of ``hash()`` made outside the workbook's own modules are salted (the library's
    own hashing stays as it is, so its cached hashes stay valid). Worlds nest: leaving one
    restores whatever was in place before it. :func:`check` runs every grader in world 0, so
    an answer that leans on ``hash()``, ``random`` or the clock gets the same verdict every
    time it is checked; :func:`same_everywhere` compares worlds 1 and 2.
    """
    def salted_hash(obj: Any) -> int:
        caller = sys._getframe(1).f_globals.get("__name__", "")
        if _holds_text(obj) and not caller.startswith("dsworkbook"):
            return _stable_hash(("world", n), obj)
        return _REAL_HASH(obj)

    shift = n * 1_000_003.0
    fakes = {"time": lambda: _REAL_CLOCKS["time"]() + shift,
             "time_ns": lambda: _REAL_CLOCKS["time_ns"]() + int(shift * 1e9),
             "monotonic": lambda: _REAL_CLOCKS["monotonic"]() + shift,
             "monotonic_ns": lambda: _REAL_CLOCKS["monotonic_ns"]() + int(shift * 1e9),
             "perf_counter": lambda: _REAL_CLOCKS["perf_counter"]() + shift,
             "perf_counter_ns": lambda: _REAL_CLOCKS["perf_counter_ns"]() + int(shift * 1e9)}
    state = random.getstate()
    previous_hash = builtins.hash
    previous_clocks = {name: getattr(time, name) for name in _REAL_CLOCKS}
    random.seed(7919 * n)
    builtins.hash = salted_hash
    for name, fake in fakes.items():
        setattr(time, name, fake)
    try:
        yield
    finally:
        builtins.hash = previous_hash
        for name, fn in previous_clocks.items():
            setattr(time, name, fn)
        random.setstate(state)


class SaltedStr(str):
    """A string whose hash depends on a salt, as a ``str``'s hash depends on the Python process.

    It equals the plain string and prints like it; only its hash - and so its place in the
    iteration order of a set or a dict - moves with the salt. :func:`salted` builds them.
    """

    __slots__ = ("salt",)

    def __new__(cls, text: str, salt: int) -> "SaltedStr":
        obj = super().__new__(cls, text)
        obj.salt = salt
        return obj

    def __hash__(self) -> int:
        return _stable_hash(("salted", self.salt), str(self))

    def __reduce__(self) -> Any:
        return (SaltedStr, (str(self), self.salt))


def salted(value: Any, salt: int) -> Any:
    """``value`` with every string inside it (in tuples, lists, dicts, sets, dataclasses) a :class:`SaltedStr`."""
    if isinstance(value, str):
        return SaltedStr(str(value), salt)
    if isinstance(value, tuple):
        items = [salted(v, salt) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)
    if isinstance(value, list):
        return [salted(v, salt) for v in value]
    if isinstance(value, dict):
        return type(value)((salted(k, salt), salted(v, salt)) for k, v in value.items())
    if isinstance(value, (set, frozenset)):
        return type(value)(salted(v, salt) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{f.name: salted(getattr(value, f.name), salt)
                                             for f in dataclasses.fields(value) if f.init})
    return value


def same_everywhere(fn: Callable[..., T], *args: Any, input: Any = None, case: str = "a case",
                    same: Callable[[Any, Any], bool] | None = None, salt_text: bool = False,
                    **kwargs: Any) -> T:
    """Call the learner's ``fn`` in two worlds and fail unless both calls give the same result.

    The worlds differ in the salt of ``hash()`` on strings (which differs from process to
    process in real Python), the global ``random`` module's state and the wall clock; an answer
    that leans on any of them would disagree with itself on two machines. With ``salt_text``
    the strings inside ``args`` and ``kwargs`` are salted per world too (:func:`salted`), which
    moves the iteration order of sets and dicts of strings. Salt only strings an answer treats as
    opaque names (node ids, keys, step names): a salted string equals the plain one but hashes
    differently, so a correct answer that looks a fixed word of the statement (``"done"``) up in a
    set or dict of literals would not find it - leave such words plain. ``fn`` must build everything it
    returns afresh (a function of its arguments, or a whole simulation run); ``same`` compares
    the two results (``==`` by default). Returns the first result.
    """
    results = []
    for n in (1, 2):
        call_args, call_kwargs = (salted(args, n), salted(kwargs, n)) if salt_text else (args, kwargs)
        with _world(n):
            results.append(attempt(fn, *call_args, input=input, case=case, **call_kwargs))
    first, second = results
    equal = same(first, second) if same is not None else first == second
    if not equal:
        fail(case=f"{case}, run twice", input=input if input is not None else (args, kwargs),
             expected="the same result both times",
             got=f"first run: {_show(first, 900)}\nsecond run: {_show(second, 900)}",
             hint="your answer depends on something outside its input: hash() of a string (it differs "
                  "from one Python process to the next), the global random module, or the clock; "
                  "use only the arguments (and the seeded generator passed in, if the exercise gives one)")
    return first


# -- budgets ---------------------------------------------------------------------------------------------


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise OutOfBudget after ``seconds`` of wall time (where a SIGALRM timer is available)."""
    usable = (hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()
              and signal.getitimer(signal.ITIMER_REAL)[0] == 0)
    if not usable:
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        sim = _budget.running()
        grew = f"; {_budget.describe_growth(sim)}" if sim is not None else ""
        raise OutOfBudget(f"ran longer than its time budget of {seconds:g} s{grew}")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _out_of_budget(ex: Exercise, exc: OutOfBudget) -> WrongAnswer:
    case = _Current.case or "the check"
    return WrongAnswer(
        ex.id, case=case, input=_Current.input if _Current.input is not None else "(see the case)",
        expected=f"an answer that finishes within {ex.seconds:g} s and {ex.events:,} simulation events",
        got=f"the check {exc}",
        hint="something keeps growing or never ends: a loop with no exit, a collection that gains copies "
             "on every call (a merge that keeps duplicates), or a node that answers every message with "
             "more messages")


def fail(*, case: str, input: Any, expected: Any, got: Any, hint: str = "") -> None:
    """Report a wrong case of the exercise being checked (raises :class:`WrongAnswer`)."""
    raise WrongAnswer(_Current.exercise, case=case, input=input, expected=expected, got=got, hint=hint)


def _record(exercise_id: str, status: str, message: str) -> None:
    path = os.environ.get("DSWORKBOOK_RESULTS")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"exercise": exercise_id, "status": status, "message": message}) + "\n")


def missing_server(ex: Exercise) -> str | None:
    """The install hint of the first real server ``ex`` needs that is not installed here (None: all are).

    Under ``CI=true`` a missing server is an error, never a skip: CI must run every check.
    """
    if not ex.servers:
        return None
    from dsworkbook.realservers import servers as real

    available = {"redis": real.redis_available, "zookeeper": real.zookeeper_available,
                 "postgresql": real.postgres_available}
    for name in ex.servers:
        if not available[name]():
            hint = real.install_hint(name)
            if os.environ.get("CI", "").lower() == "true":
                raise real.ServerUnavailable(f"CI=true but {ex.id} needs a real server: {hint}")
            return hint
    return None


def check(exercise_id: str, answer: Any, **parts: Any) -> str:
    """Grade ``answer`` (and its ``parts``, e.g. ``why=``) for ``exercise_id``; print one line or raise.

    An exercise graded on real servers (``servers=``) that are not installed here is *skipped*:
    one line says so and gives the install command (under ``CI=true`` it raises instead).
    """
    ex = get(exercise_id)
    unknown = sorted(set(parts) - set(ex.parts))
    if unknown:
        raise ConfigError(f"{ex.id} takes no part named {', '.join(unknown)}; its parts are "
                          f"{', '.join(ex.parts) or '(none)'}")
    _Current.exercise, _Current.case, _Current.input = ex.id, "", None
    try:
        if answer is UNANSWERED:
            raise NotAttempted(ex.id, "replace the `...` with your answer")
        for name in ex.parts:
            if parts.get(name, UNANSWERED) is UNANSWERED:
                raise NotAttempted(ex.id, f"give `{name}` an answer (it is still `...`)")
        hint = missing_server(ex)
        if hint is not None:
            line = f"- {ex.id}: skipped, it runs your answer on a real server. {hint}"
            _record(ex.id, "skipped", line)
            print(line)
            return line
        try:
            with _time_limit(ex.seconds), _budget.event_budget(ex.events), _world(0):
                summary = ex.grader(answer, **parts)
        except OutOfBudget as exc:
            raise _out_of_budget(ex, exc) from None
    except NotAttempted as exc:
        _record(ex.id, "not attempted", str(exc))
        raise
    except WrongAnswer as exc:
        if ex.experiment is not None and getattr(exc, "seed", None) is not None:
            from dsworkbook.grading.flaky import meter_line

            exc.args = (f"{exc.args[0]}\n  {meter_line(ex.id, answer)}",)
        _record(ex.id, "fail", str(exc))
        raise
    except NotImplementedError:
        exc2 = NotAttempted(ex.id)
        _record(ex.id, "not attempted", str(exc2))
        raise exc2 from None
    finally:
        _Current.exercise, _Current.case, _Current.input = "", "", None
    line = f"✔ {ex.id}: {summary}"
    _record(ex.id, "pass", line)
    print(line)
    return line
