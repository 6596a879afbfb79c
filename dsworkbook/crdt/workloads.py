"""Every CRDT type as a replicated type: random updates, merge, and the value they must reach.

Theory of operation
-------------------
The laws (:mod:`~dsworkbook.crdt.laws`) and the simulator (:mod:`~dsworkbook.crdt.replication`)
need the same five things from a type, whatever its interface: a bottom state, a way to make a
random update, merge, the value a reader sees, and - to check that the value **reflects every
update** - the value a correct replica must show once it has seen a given set of updates,
computed from the updates alone (the type's *specification*, not its merge). A
:class:`ReplicatedType` bundles them as plain functions, so one can also be built around a
learner's function or a deliberately broken merge (:meth:`ReplicatedType.with_merge`).

``update(state, replica, choice, now) -> (effect, new_state)``: ``choice`` is a random integer
the type decodes into an operation (which element, insert where...), so a seeded RNG in the
simulator and a Hypothesis strategy in the tests drive the same code. ``effect`` records what
the update did (``("add", element, dot)``...) for ``expected(effects)``.

:data:`TYPES` has every type of the package; :func:`run_steps` and :func:`random_run` build
the reachable states of one small replicated history, which is what the law checks need:
states from *one* system, so dots and stamps are unique as they are in a real one.
"""

from __future__ import annotations

import operator
import random
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Sequence

from dsworkbook.crdt.causal import Dot, VersionVector
from dsworkbook.crdt.counters import GCounter, PNCounter
from dsworkbook.crdt.orset import ORSet, TombstoneORSet
from dsworkbook.crdt.registers import LWWRegister, MVRegister, Stamp
from dsworkbook.crdt.rga import RGA, linearise
from dsworkbook.crdt.sets import GSet, TwoPSet
from dsworkbook.errors import ConfigError

__all__ = ["ReplicatedType", "TYPES", "Run", "run_steps", "random_run", "show", "ELEMENTS", "REPLICAS",
           "Step"]

#: The elements random set updates draw from (small, so adds and removes collide).
ELEMENTS = ("apple", "bread", "coffee", "eggs", "milk", "tea")
REPLICAS = ("A", "B", "C")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
#: Clock resolution (ms) of random LWW writes: coarse, so writes at two replicas often tie.
LWW_RESOLUTION = 50.0
#: The local clock advances this much per step of :func:`run_steps` (so 2-3 steps share an LWW time).
STEP_MS = 20.0


def _identity(x: Any) -> Any:
    return x


def _merge(a: Any, b: Any) -> Any:
    return a.merge(b)


def _value(s: Any) -> Any:
    return s.value


@dataclass(frozen=True)
class ReplicatedType:
    """One CRDT type as plain functions (see the module docstring)."""

    name: str
    initial: Callable[[tuple[str, ...]], Any]
    update: Callable[[Any, str, int, float], tuple[Any, Any]]
    merge: Callable[[Any, Any], Any] = _merge
    value: Callable[[Any], Any] = _value
    expected: Callable[[Sequence[Any]], Any] | None = None
    leq: Callable[[Any, Any], bool] | None = operator.le
    equal: Callable[[Any, Any], bool] = operator.eq
    copy: Callable[[Any], Any] = _identity
    notes: str = field(default="", compare=False)

    def with_merge(self, merge: Callable[[Any, Any], Any], name: str | None = None) -> "ReplicatedType":
        """The same type with another merge (a learner's, or a broken one)."""
        return replace(self, merge=merge, name=name or f"{self.name} (other merge)")


def show(value: Any) -> str:
    """A value as a reader would write it: ``{bread, milk}``, ``'x' | 'y'`` for siblings, ``7``."""
    if isinstance(value, (frozenset, set)):
        return "{" + ", ".join(sorted(map(str, value))) + "}"
    if isinstance(value, tuple):
        return " | ".join(show(v) for v in value) if value else "(empty)"
    return repr(value) if isinstance(value, str) else str(value)


# -- updates, one per type --------------------------------------------------------------------------

def _gcounter(s: GCounter, r: str, choice: int, now: float) -> tuple[Any, GCounter]:
    amount = 1 + choice % 3
    return ("inc", amount), s.increment(r, amount)


def _pncounter(s: PNCounter, r: str, choice: int, now: float) -> tuple[Any, PNCounter]:
    amount = 1 + (choice // 2) % 3
    if choice % 2:
        return ("dec", amount), s.decrement(r, amount)
    return ("inc", amount), s.increment(r, amount)


def _gset(s: GSet, r: str, choice: int, now: float) -> tuple[Any, GSet]:
    e = ELEMENTS[choice % len(ELEMENTS)]
    return ("add", e), s.add(e)


def _pick_present(value: frozenset, choice: int) -> Any:
    members = sorted(value, key=repr)
    return members[choice % len(members)]


def _twopset(s: TwoPSet, r: str, choice: int, now: float) -> tuple[Any, TwoPSet]:
    addable = [e for e in ELEMENTS if e not in s.removed]
    if s.value and (choice % 3 == 0 or not addable):
        e = _pick_present(s.value, choice // 3)
        return ("remove", e), s.remove(e)
    if not addable:
        return None, s  # everything was added and removed: no update is possible any more
    e = addable[(choice // 3) % len(addable)]
    return ("add", e), s.add(e)


def _lww(s: LWWRegister, r: str, choice: int, now: float) -> tuple[Any, LWWRegister]:
    t = LWW_RESOLUTION * (now // LWW_RESOLUTION)
    value = f"{r}@{t:g}"  # one value per stamp, as a real write has
    return ("write", value, Stamp(t, r)), s.assign(value, t, r)


def _mv(s: MVRegister, r: str, choice: int, now: float) -> tuple[Any, MVRegister]:
    if len(s.value) > 1 and choice % 3 == 0:
        new = s.resolve(lambda siblings: "+".join(sorted(map(str, siblings))), r)
    else:
        new = s.assign(f"{r}{choice % 10}", r)
    ((value, vv),) = new.entries
    return ("write", value, vv), new


def _orset_like(s: Any, r: str, choice: int, new_dot: Callable[[Any, Any], Dot],
                context: Callable[[Any, Any], Any]) -> tuple[Any, Any]:
    if s.value and choice % 3 == 0:
        e = _pick_present(s.value, choice // 3)
        return ("remove", e, context(s, e)), s.remove(e)
    e = ELEMENTS[(choice // 3) % len(ELEMENTS)]
    new = s.add(e, r)
    return ("add", e, new_dot(s, new)), new


def _orset(s: ORSet, r: str, choice: int, now: float) -> tuple[Any, ORSet]:
    # a remove here removes every add of e this state has seen: all dots its version vector covers
    return _orset_like(s, r, choice, lambda old, new: Dot(r, new.vv[r]), lambda st, e: st.vv)


def _tombstone_orset(s: TombstoneORSet, r: str, choice: int, now: float) -> tuple[Any, TombstoneORSet]:
    return _orset_like(s, r, choice, lambda old, new: next(iter(new.adds - old.adds))[1],
                       lambda st, e: frozenset(d for x, d in st.adds if x == e))


def _rga(s: RGA, r: str, choice: int, now: float) -> tuple[Any, RGA]:
    n = len(s)
    if n and choice % 4 == 0:
        index = (choice // 4) % n
        return ("delete", s.visible()[index][0]), s.delete(index)
    new = s.insert((choice // 26) % (n + 1), _LETTERS[choice % 26], r)
    (node,) = new.nodes - s.nodes
    return ("insert", *node), new


# -- specifications: the value after a set of updates, from the updates alone ------------------------

def _sum(effects: Sequence[Any]) -> int:
    return sum(n if kind == "inc" else -n for kind, n in effects)


def _adds(effects: Sequence[Any]) -> frozenset:
    return frozenset(e for _, e in effects)


def _twophase(effects: Sequence[Any]) -> frozenset:
    added = {e for kind, e in effects if kind == "add"}
    return frozenset(added - {e for kind, e in effects if kind == "remove"})


def _last_writer(effects: Sequence[Any]) -> Any:
    return max(effects, key=lambda w: w[2])[1] if effects else None


def _maximal_writes(effects: Sequence[Any]) -> tuple:
    keep = [(v, vv) for _, v, vv in effects if not any(vv < other for _, _, other in effects)]
    return tuple(v for v, _ in sorted(set(keep), key=lambda e: (e[1].counts, repr(e[0]))))


def _observed(context: Any, dot: Dot) -> bool:
    return context.covers(dot) if isinstance(context, VersionVector) else dot in context


def _observed_remove(effects: Sequence[Any]) -> frozenset:
    """Add wins: ``e`` is in the set when some add of ``e`` was observed by no remove of ``e``.

    A remove's effect carries what it observed: a set of dots, or a version vector covering them.
    """
    removes: dict[Any, list[Any]] = {}
    for kind, e, context in effects:
        if kind == "remove":
            removes.setdefault(e, []).append(context)
    return frozenset(e for kind, e, dot in effects
                     if kind == "add" and not any(_observed(c, dot) for c in removes.get(e, ())))


def _text(effects: Sequence[Any]) -> str:
    nodes = [e[1:] for e in effects if e[0] == "insert"]
    return "".join(c for _, c in linearise(nodes, [e[1] for e in effects if e[0] == "delete"]))


TYPES: dict[str, ReplicatedType] = {t.name: t for t in [
    ReplicatedType("G-Counter", GCounter, _gcounter, expected=_sum),
    ReplicatedType("PN-Counter", PNCounter, _pncounter, expected=_sum),
    ReplicatedType("G-Set", lambda replicas: GSet(), _gset, expected=_adds),
    ReplicatedType("2P-Set", lambda replicas: TwoPSet(), _twopset, expected=_twophase),
    ReplicatedType("LWW-Register", LWWRegister, _lww, expected=_last_writer),
    ReplicatedType("MV-Register", MVRegister, _mv, expected=_maximal_writes),
    ReplicatedType("OR-Set", ORSet, _orset, expected=_observed_remove),
    ReplicatedType("OR-Set (tombstones)", TombstoneORSet, _tombstone_orset, expected=_observed_remove),
    ReplicatedType("RGA", RGA, _rga, expected=_text),
]}


# -- small replicated histories, for the laws ---------------------------------------------------------

#: One step of a history: (replica index, "update" or "merge", an int: the update's choice or the
#: index of the replica whose state is merged in).
Step = tuple[int, str, int]


@dataclass
class Run:
    """A replicated history's states: every distinct state seen, each update's (before, after), effects."""

    replicas: tuple[str, ...]
    states: list[Any]
    updates: list[tuple[Any, Any]]
    effects: list[Any]
    finals: list[Any]


def run_steps(kind: ReplicatedType, steps: Sequence[Step], replicas: Sequence[str] = REPLICAS) -> Run:
    """Play ``steps`` on replicas that start at the bottom state; the clock advances ``STEP_MS`` per step."""
    ids = tuple(replicas)
    if not ids:
        raise ConfigError("run_steps needs at least one replica")
    current = [kind.initial(ids) for _ in ids]
    states, updates, effects = [current[0]], [], []
    for t, (i, action, arg) in enumerate(steps):
        i %= len(ids)
        if action == "merge":
            current[i] = kind.merge(current[i], kind.copy(current[arg % len(ids)]))
        elif action == "update":
            effect, new = kind.update(kind.copy(current[i]), ids[i], arg, STEP_MS * t)
            if effect is not None:
                updates.append((current[i], new))
                effects.append(effect)
            current[i] = new
        else:
            raise ConfigError(f"a step's action is 'update' or 'merge', got {action!r}")
        if not any(kind.equal(current[i], s) for s in states):
            states.append(current[i])
    return Run(ids, states, updates, effects, list(current))


def random_run(kind: ReplicatedType, rng: random.Random, *, steps: int = 12, merges: float = 0.35,
               replicas: Sequence[str] = REPLICAS) -> Run:
    """A random history of ``steps`` steps drawn from ``rng`` (see :func:`run_steps`)."""
    plan = [(rng.randrange(len(replicas)), "merge" if rng.random() < merges else "update", rng.randrange(1 << 30))
            for _ in range(steps)]
    return run_steps(kind, plan, replicas)
