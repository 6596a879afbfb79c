"""Designing an application's replicated state: one CRDT per field, run and judged field by field.

Theory of operation
-------------------
An application's record is rarely one CRDT: each field needs the merge its meaning asks for,
and a record of CRDTs merged field by field is itself a CRDT (a product of semilattices is a
semilattice; Shapiro, Preguiça, Baquero & Zawirski, INRIA RR-7506, 2011, compose maps and
graphs from simpler CRDTs this way; Riak's maps nest counters, sets, registers and flags the
same way). Choosing the type per field is a design decision with a visible cost: an LWW
register loses one of two concurrent writes, a multi-value register shows them all, a 2P-Set
cannot take an item back, a textbook OR-Set keeps a tombstone per removal.

This module describes one small application, :data:`TRIP`: a trip planner shared by three
travellers whose phones (replicas ``A``, ``B``, ``C``) keep working offline. Each
:class:`Field` has a kind (``number``, ``value``, ``set`` or ``text``), an initial value, the
operations each phone makes at stated times, and the requirement the application states.
A *design* maps every field to a type name of :data:`MENU`.

:func:`run_design` runs every field on its own simulation (:func:`~dsworkbook.crdt.replication.
run_replicas`): three replicas of the chosen type start from the initial value; at 5 ms the
network splits ``A | B C``; the scripted operations run; at 300 ms the network heals; the
replicas gossip their whole states every 10 ms until 900 ms. How an operation becomes an
update depends on the type (:func:`apply_op`): a CRDT made for the kind applies it directly; a
register reads the whole value, changes it and writes it back (an MV register reads a number
as its largest sibling and a set as the union of its siblings, and edits a value or a text
from its first sibling in alphabetical order). A type that cannot do an operation (a G-Counter
asked to count down, a 2P-Set asked to take an item back) makes the field fail. Then the
field's requirement is judged from what each phone shows (:func:`read`), at the end and, for
a field that asks for it, at a stated moment after the heal; the merge laws are checked on the
states the run went through; and a field whose requirement bounds storage counts what each
phone stores (:func:`stored`).

Every verdict is computed from the run; nothing is looked up. More than one type can meet a
field's requirement, and every one that does passes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from dsworkbook.crdt.counters import GCounter, PNCounter
from dsworkbook.crdt.laws import check_laws
from dsworkbook.crdt.orset import ORSet, TombstoneORSet
from dsworkbook.crdt.registers import LWWRegister, MVRegister
from dsworkbook.crdt.replication import replica_states, run_replicas
from dsworkbook.crdt.rga import RGA
from dsworkbook.crdt.sets import GSet, TwoPSet
from dsworkbook.crdt.workloads import ReplicatedType, show
from dsworkbook.errors import ConfigError
from dsworkbook.sim import Simulation

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["MENU", "KINDS", "HOLDS", "article", "Field", "TRIP", "FieldResult", "DesignReport", "Unsupported",
           "initial_state", "apply_op", "read", "stored", "run_field", "run_design", "check_design_form"]

REPLICAS = ("A", "B", "C")
#: The types a design chooses from (the names of :data:`dsworkbook.crdt.workloads.TYPES`).
MENU = ("G-Counter", "PN-Counter", "LWW-Register", "MV-Register", "G-Set", "2P-Set", "OR-Set", "OR-Set (tombstones)",
        "RGA")
KINDS = ("number", "value", "set", "text")
#: What each type can hold; the two registers hold any kind (the whole value is one write).
HOLDS = {"G-Counter": ("number",), "PN-Counter": ("number",), "LWW-Register": KINDS, "MV-Register": KINDS,
         "G-Set": ("set",), "2P-Set": ("set",), "OR-Set": ("set",), "OR-Set (tombstones)": ("set",), "RGA": ("text",)}
SPLIT_AT, HEAL_AT, END = 5.0, 300.0, 900.0
RULES = ("exact", "one", "visible", "runs")
_NOUN = {"number": "a number", "value": "a single value", "set": "a set of items", "text": "a text"}


def article(name: str) -> str:
    """``"an OR-Set"``, ``"a G-Counter"``: the article as the name is spoken (letters read as letters)."""
    return f"{'an' if name[:1] in 'AEFHILMNORSX' else 'a'} {name}"


class Unsupported(Exception):
    """The chosen type cannot do an operation the application makes (a G-Counter counting down...)."""


#: An operation: ("add", n) on a number; ("set", v) on a value; ("add", x) / ("remove", x) on a set;
#: ("type", position, text) on a text, position an index or "end".
Op = tuple


@dataclass(frozen=True)
class Field:
    """One field of the application: its kind, initial value, operations per phone, and requirement."""

    name: str
    kind: str
    initial: Any
    ops: Mapping[str, Sequence[tuple[float, Op]]]
    requirement: str
    #: a number or set: the value every phone must show at the end; a value: the values it may show
    intended: Any = None
    #: "exact": show ``intended``; "one": one value, the same everywhere; "visible": every concurrent
    #: write shown at ``look_at``, then only the later write; "runs": one text holding every typed run
    rule: str = "exact"
    look_at: float | None = None
    #: at most (items shown + this many numbers) stored per phone, when set
    storage: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ConfigError(f"field {self.name!r}: kind must be one of {list(KINDS)}, got {self.kind!r}")
        if self.rule not in RULES:
            raise ConfigError(f"field {self.name!r}: rule must be one of {list(RULES)}, got {self.rule!r}")
        unknown = set(self.ops) - set(REPLICAS)
        if unknown:
            raise ConfigError(f"field {self.name!r}: operations for unknown phones {sorted(unknown)}; the phones "
                              f"are {list(REPLICAS)}")
        if (self.rule == "visible") != (self.look_at is not None):
            raise ConfigError(f"field {self.name!r}: the rule 'visible' needs look_at (the moment to look at the "
                              "phones), and only that rule takes one")


TRIP: tuple[Field, ...] = (
    Field("budget", "number", 0,
          {"A": [(20, ("add", 120)), (60, ("add", -30)), (400, ("add", 10))], "B": [(25, ("add", 45))],
           "C": [(30, ("add", 80)), (70, ("add", -45))]},
          "money spent is added and refunds are subtracted, on any phone: after the trip every phone shows the sum "
          "of every change made anywhere - none lost, none counted twice", intended=180),
    Field("views", "number", 0,
          {"A": [(20, ("add", 1)), (40, ("add", 1)), (60, ("add", 1))], "B": [(25, ("add", 1)), (400, ("add", 1))],
           "C": [(30, ("add", 1)), (50, ("add", 1))]},
          "each phone adds 1 whenever someone opens the trip: every phone ends with the number of openings",
          intended=7),
    Field("destination", "value", "undecided",
          {"A": [(20, ("set", "Porto"))], "C": [(30, ("set", "Seville"))], "B": [(400, ("set", "Seville"))]},
          "two travellers propose a destination while offline: once the phones reconnect, every phone must show "
          "both proposals (no proposal silently lost) until someone who has seen them picks one", rule="visible",
          intended=frozenset({"Porto", "Seville"}), look_at=380.0),
    Field("cover_photo", "value", "default.jpg",
          {"A": [(20, ("set", "beach.jpg"))], "C": [(30, ("set", "castle.jpg"))]},
          "any one photo will do, but every phone must show exactly one photo, the same on every phone", rule="one",
          intended=frozenset({"beach.jpg", "castle.jpg"})),
    Field("packing", "set", frozenset({"passport", "charger"}),
          {"A": [(20, ("remove", "charger")), (40, ("add", "hat")), (500, ("add", "towel"))],
           "B": [(25, ("add", "towel")), (400, ("remove", "towel"))],
           "C": [(30, ("add", "charger")), (50, ("remove", "passport"))]},
          "items are added, ticked off (removed) and added again; an item added on one phone while another ticks it "
          "off stays; an item removed never comes back unless someone adds it again; and phones are short of "
          "storage: a phone may store at most one entry per item on the list plus one number per traveller",
          intended=frozenset({"charger", "hat", "towel"}), storage=3),
    Field("members", "set", frozenset({"ana"}),
          {"B": [(20, ("add", "ben"))], "C": [(30, ("add", "chloe"))], "A": [(40, ("add", "dev"))]},
          "travellers join from any phone and nobody leaves: every phone lists everyone who joined",
          intended=frozenset({"ana", "ben", "chloe", "dev"})),
    Field("notes", "text", "",
          {"A": [(20, ("type", 0, "sunscreen "))], "C": [(30, ("type", 0, "tickets "))],
           "B": [(400, ("type", "end", "!"))]},
          "everyone types into shared notes offline: every phone ends with one and the same text, holding every "
          "run of typing whole", rule="runs"),
)


# -- one type, one kind: initial state, operations, what the application shows, what a phone stores -------

def initial_state(type_name: str, kind: str, initial: Any) -> Any:
    """The state every phone starts from: ``initial`` held by ``type_name`` (written by A at time 0)."""
    if type_name == "LWW-Register":
        return LWWRegister(REPLICAS).assign(initial, 0.0, "A")
    if type_name == "MV-Register":
        return MVRegister(REPLICAS).assign(initial, "A")
    if type_name == "G-Counter":
        return GCounter(REPLICAS, {"A": initial} if initial else None)
    if type_name == "PN-Counter":
        return PNCounter(REPLICAS, {"A": initial} if initial else None)
    if type_name == "G-Set":
        return GSet(initial)
    if type_name == "2P-Set":
        return TwoPSet(initial)
    if type_name in ("OR-Set", "OR-Set (tombstones)"):
        state: Any = ORSet(REPLICAS) if type_name == "OR-Set" else TombstoneORSet(REPLICAS)
        for item in sorted(initial):
            state = state.add(item, "A")
        return state
    if type_name == "RGA":
        return RGA(REPLICAS).insert_text(0, initial, "A") if initial else RGA(REPLICAS)
    raise ConfigError(f"unknown type {type_name!r}; choose one of {list(MENU)}")


def read(type_name: str, kind: str, state: Any) -> Any:
    """What the application shows: a number; a frozenset of values, items or texts (one for a single value)."""
    if type_name == "MV-Register":
        siblings = state.value
        if kind == "number":
            return max(siblings)
        if kind == "set":
            return frozenset().union(*siblings)
        return frozenset(siblings)
    value = state.value
    if kind in ("value", "text"):
        return frozenset({value})
    return value


def _edited(type_name: str, kind: str, state: Any) -> Any:
    """The whole value a register's edit starts from (an MV register: as :func:`read`, or its first sibling)."""
    shown = read(type_name, kind, state)
    if kind in ("value", "text"):
        return sorted(shown)[0]
    return shown


def _changed(kind: str, value: Any, op: Op) -> Any:
    what = op[0]
    if kind == "number":
        return value + op[1]
    if kind == "value":
        return op[1]
    if kind == "set":
        return value | {op[1]} if what == "add" else value - {op[1]}
    position = len(value) if op[1] == "end" else op[1]
    return value[:position] + op[2] + value[position:]


def apply_op(type_name: str, kind: str, state: Any, replica: str, now: float, op: Op) -> Any:
    """The state after ``replica`` makes ``op`` at local time ``now``; :class:`Unsupported` if the type cannot."""
    if type_name == "LWW-Register":
        return state.assign(_changed(kind, _edited(type_name, kind, state), op), now, replica)
    if type_name == "MV-Register":
        return state.assign(_changed(kind, _edited(type_name, kind, state), op), replica)
    what, arg = op[0], op[1]
    if type_name in ("G-Counter", "PN-Counter"):
        if arg < 0 and type_name == "G-Counter":
            raise Unsupported(f"a G-Counter cannot count down: {replica} subtracts {-arg}")
        return state.increment(replica, arg) if arg > 0 else state.decrement(replica, -arg)
    if type_name == "RGA":
        position = len(state) if arg == "end" else arg
        return state.insert_text(position, op[2], replica)
    if what == "remove":
        if type_name == "G-Set":
            raise Unsupported(f"a G-Set cannot remove: {replica} removes {arg!r}")
        return state.remove(arg) if arg in state else state  # a phone removes only an item it shows
    if type_name == "2P-Set" and arg in state.removed:
        raise Unsupported(f"a 2P-Set cannot take an item back: {replica} adds {arg!r} again after its removal")
    return state.add(arg) if type_name in ("G-Set", "2P-Set") else state.add(arg, replica)


def stored(type_name: str, state: Any) -> int:
    """How many things a phone stores for the field (entries, tombstones, numbers)."""
    if type_name in ("OR-Set", "OR-Set (tombstones)"):
        return state.metadata
    if type_name == "G-Set":
        return len(state.elements)
    if type_name == "2P-Set":
        return len(state.added) + len(state.removed)
    if type_name == "MV-Register":
        return sum(len(v) if isinstance(v, frozenset) else 1 for v, _ in state.entries) + \
            len(REPLICAS) * len(state.entries)
    if type_name == "LWW-Register":
        return (len(state.value) if isinstance(state.value, frozenset) else 1) + 2
    return len(REPLICAS)


# -- running a field, judging its requirement --------------------------------------------------------------

@dataclass
class FieldResult:
    """One field under one type: what each phone showed, and the first requirement broken (None: met)."""

    field: str
    type_name: str
    seed: int
    problem: str | None
    shown: dict[str, Any] = field(default_factory=dict)
    looked: dict[str, Any] = field(default_factory=dict)
    laws_checked: int = 0

    @property
    def ok(self) -> bool:
        return self.problem is None


def _kind(type_name: str, kind: str) -> ReplicatedType:
    def no_random_updates(*args: Any) -> Any:
        raise ConfigError("design replicas only run scripted operations")

    return ReplicatedType(type_name, lambda replicas: None, no_random_updates, value=lambda s: read(type_name, kind, s))


def _script(type_name: str, kind: str, op: Op) -> Callable[[Any, str, float], tuple[Any, Any]]:
    def run(state: Any, replica: str, now: float) -> tuple[Any, Any]:
        try:
            return ("op", op), apply_op(type_name, kind, state, replica, now, op)
        except Unsupported as exc:
            return ("unsupported", str(exc)), state
    return run


def _states_at(sim: Simulation, t: float, initial: Any) -> dict[str, Any]:
    """Each replica's state at time ``t``: the last one it persisted by then (or the initial one)."""
    out = {}
    for r in REPLICAS:
        persisted = [rec.detail["state"] for rec in sim.trace.of_kind("persist")
                     if rec.node == r and rec.time <= t and "state" in rec.detail]
        out[r] = persisted[-1] if persisted else initial
    return out


def _say(shown: Mapping[str, Any]) -> str:
    return "; ".join(f"{r} shows {show(v)}" for r, v in shown.items())


def _judge(f: Field, type_name: str, sim: Simulation, start: Any) -> tuple[str | None, dict, dict]:
    unsupported = [rec.detail["update"][1] for rec in sim.trace.notes(key="update")
                   if rec.detail["update"] and rec.detail["update"][0] == "unsupported"]
    states = replica_states(sim)
    shown = {r: read(type_name, f.kind, s) for r, s in states.items()}
    looked = ({r: read(type_name, f.kind, s) for r, s in _states_at(sim, f.look_at, start).items()}
              if f.look_at is not None else {})
    if unsupported:
        return unsupported[0], shown, looked
    first = next(iter(states.values()))
    if any(s != first for s in states.values()) or len(set(map(show, shown.values()))) > 1:
        return f"the phones did not converge: {_say(shown)}", shown, looked
    final = next(iter(shown.values()))
    if f.rule == "exact" and final != f.intended:
        lost, extra = _diff(f.intended, final)
        return f"every phone shows {show(final)} instead of {show(f.intended)}{lost}{extra}", shown, looked
    if f.rule == "one" and (len(final) != 1 or not final <= f.intended):
        return f"the phones show {len(final)} values, {show(final)}, where exactly one was asked for", shown, looked
    if f.rule == "visible":
        hidden = {r: f.intended - v for r, v in looked.items() if f.intended - v}
        if hidden:
            r, missing = next(iter(hidden.items()))
            return (f"at {f.look_at:g} ms, after the phones reconnected, {_say(looked)}: the concurrent proposal "
                    f"{show(missing)} is invisible on {r}"), shown, looked
        last = _last_value(f)
        if final != frozenset({last}):
            return f"after {last!r} was picked, every phone shows {show(final)} instead of {{{last}}}", shown, looked
    if f.rule == "runs":
        problem = _runs_problem(f, final)
        if problem:
            return problem, shown, looked
    if f.storage is not None:
        for r, s in states.items():
            limit = len(final) + f.storage
            if stored(type_name, s) > limit:
                return (f"phone {r} stores {stored(type_name, s)} things for {show(final)}: more than one entry per "
                        f"item plus one number per traveller ({limit})"), shown, looked
    return None, shown, looked


def _diff(intended: Any, final: Any) -> tuple[str, str]:
    if isinstance(intended, frozenset):
        lost, extra = intended - final, final - intended
        return (f": lost {show(lost)}" if lost else "", f", came back or never left: {show(extra)}" if extra else "")
    return (f": {intended - final} lost" if final < intended else f": {final - intended} too many", "")


def _last_value(f: Field) -> Any:
    return max(((t, op[1]) for ops in f.ops.values() for t, op in ops), key=lambda x: x[0])[1]


def _runs_problem(f: Field, final: frozenset) -> str | None:
    if len(final) != 1:
        return f"the phones show {len(final)} texts, {show(final)}, where one shared text was asked for"
    (text,) = final
    runs = [op[2] for ops in f.ops.values() for _, op in ops]
    missing = [run for run in runs if run not in text]
    if missing or sorted(text) != sorted(f.initial + "".join(runs)):
        return (f"every phone shows {text!r}, which does not hold every run typed whole ({runs!r})"
                + (f": {missing!r} is gone" if missing else ""))
    return None


def run_field(f: Field, type_name: str, seed: int = 1, *, duplicate: float = 0.0) -> FieldResult:
    """Run field ``f`` held by ``type_name`` on three simulated phones and judge its requirement."""
    if type_name not in MENU:
        raise ConfigError(f"unknown type {type_name!r} for {f.name!r}; choose one of {list(MENU)}")
    if f.kind not in HOLDS[type_name]:
        holds = " or ".join(_NOUN[k] for k in HOLDS[type_name])
        return FieldResult(f.name, type_name, seed, f"{article(type_name)} holds {holds}; {f.name} is {_NOUN[f.kind]}")
    start = initial_state(type_name, f.kind, f.initial)
    scripts = {r: [(t, _script(type_name, f.kind, op)) for t, op in f.ops.get(r, ())] for r in REPLICAS}

    def timeline(sim: Simulation) -> None:
        sim.at(SPLIT_AT, sim.net.partition, ("A",), ("B", "C"))
        sim.at(HEAL_AT, sim.net.heal)

    sim = run_replicas(_kind(type_name, f.kind), seed, replicas=REPLICAS, updates=0, scripts=scripts, initial=start,
                       until=END, sample_every=50.0, duplicate=duplicate, before_run=timeline)
    problem, shown, looked = _judge(f, type_name, sim, start)
    seen = [rec.detail["state"] for rec in sim.trace.of_kind("persist") if "state" in rec.detail]
    sample = [start] + seen[:: max(1, len(seen) // 4)][:4]
    if problem is None:
        broken = check_laws(lambda a, b: a.merge(b), sample, leq=lambda a, b: a <= b)
        if broken:
            problem = f"the merge breaks the law '{broken[0].law}': {broken[0].describe()}"
    return FieldResult(f.name, type_name, seed, problem, shown, looked, laws_checked=len(sample) ** 3)


def check_design_form(design: Any, fields: Sequence[Field] = TRIP) -> None:
    """Raise ConfigError unless ``design`` maps every field name to a type name of :data:`MENU`."""
    names = [f.name for f in fields]
    if not isinstance(design, Mapping) or set(design) != set(names):
        raise ConfigError(f"a design is a dict with exactly the keys {names}, each mapped to a type name of "
                          f"{list(MENU)}; got {design!r}")
    bad = {k: v for k, v in design.items() if v not in MENU}
    if bad:
        raise ConfigError(f"unknown type name(s) {bad}; choose each from {list(MENU)} (spelled as listed)")


@dataclass
class DesignReport:
    """Every field of a design, run on the simulator: met or not, and why."""

    design: dict[str, str]
    results: list[FieldResult]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def first_problem(self) -> FieldResult | None:
        return next((r for r in self.results if not r.ok), None)

    def table(self) -> "pd.DataFrame":
        import pandas as pd

        return pd.DataFrame([{"field": r.field, "type": r.type_name, "seed": r.seed,
                              "phones show at the end": "; ".join(sorted({show(v) for v in r.shown.values()})),
                              "requirement": "met" if r.ok else f"NOT met: {r.problem}"} for r in self.results])


def run_design(design: Mapping[str, str], *, fields: Sequence[Field] = TRIP, seeds: Sequence[int] = (1, 2),
               duplicate: float = 0.3) -> DesignReport:
    """Run every field of ``design`` on the simulator, once per seed (the second run duplicates messages).

    Returns a :class:`DesignReport`; a field's first failing run is the one reported.
    """
    check_design_form(design, fields)
    results = []
    for f in fields:
        result = None
        for k, seed in enumerate(seeds):
            result = run_field(f, design[f.name], seed, duplicate=duplicate if k else 0.0)
            if not result.ok:
                break
        assert result is not None
        results.append(result)
    return DesignReport(dict(design), results)
