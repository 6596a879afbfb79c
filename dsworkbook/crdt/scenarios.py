"""Conflicts you can watch: three replicas, a partition, edits on both sides, then the merge (R01).

Theory of operation
-------------------
A scenario is an object with an initial value (a shopping cart ``{eggs, milk}``, a counter at
10) and, for each of three replicas A, B, C, a list of operations written as text: ``+coffee,
-eggs`` for a cart, ``+2, -1`` for a counter. :func:`run_scenario` runs it once per
**strategy**, each on its own simulation with the same seed:

=========  =============================================================================
strategy   what a replica stores, and how an operation is applied
=========  =============================================================================
LWW        an :class:`~dsworkbook.crdt.registers.LWWRegister` holding the whole value; an
           operation reads it, changes it, and writes it back stamped with the local clock
MV         an :class:`~dsworkbook.crdt.registers.MVRegister`; an operation reads the
           siblings, merges them the application's way (a cart: **union**; a counter: the
           largest), changes that, and writes it back (superseding the siblings it read)
CRDT       the data type that merges by itself: an :class:`~dsworkbook.crdt.orset.ORSet` for
           a cart, a :class:`~dsworkbook.crdt.counters.PNCounter` for a counter
=========  =============================================================================

Timeline: every replica starts from the same initial state; at t=5 ms the network splits
(``partition``, e.g. ``"A | B C"``); the operations run from t=20 ms, one every 20 ms per
replica, A first; at t=200 ms the network heals (unless ``heal=False``) and the replicas gossip
every 10 ms until t=500 ms. ``skew`` sets B's clock offset, which decides who "wrote last".

The result compares each strategy's final value with the **intended** one - the initial value
with every operation of every side applied (for a cart, an item added on one side and removed
on the other stays: add wins) - and names what went missing and what came back.
:func:`shopping_cart` is the notebook's example: A adds coffee, B removes eggs and adds bread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping

from dsworkbook.crdt.counters import PNCounter
from dsworkbook.crdt.orset import ORSet
from dsworkbook.crdt.registers import LWWRegister, MVRegister
from dsworkbook.crdt.replication import replica_states, run_replicas
from dsworkbook.crdt.workloads import ReplicatedType, show
from dsworkbook.errors import ConfigError
from dsworkbook.sim import Simulation

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["SCENARIOS", "STRATEGIES", "PARTITIONS", "ScenarioResult", "run_scenario", "shopping_cart",
           "parse_ops", "CART_OPS"]

REPLICAS = ("A", "B", "C")
STRATEGIES = ("LWW", "MV", "CRDT")
#: Partition choices: label -> groups.
PARTITIONS: dict[str, tuple[tuple[str, ...], ...]] = {
    "A | B C": (("A",), ("B", "C")),
    "A B | C": (("A", "B"), ("C",)),
    "A | B | C": (("A",), ("B",), ("C",)),
    "none": (),
}
SPLIT_AT, FIRST_OP, OP_GAP, HEAL_AT, END = 5.0, 20.0, 20.0, 200.0, 500.0
#: The notebook's cart: A adds coffee; B removes eggs, then adds bread.
CART_OPS = {"A": "+coffee", "B": "-eggs, +bread", "C": ""}


@dataclass(frozen=True)
class Scenario:
    name: str
    initial: Any
    crdt: str
    app_merge: str


SCENARIOS = {
    "cart": Scenario("cart", frozenset({"eggs", "milk"}), "OR-Set", "union of the siblings"),
    "counter": Scenario("counter", 10, "PN-Counter", "the largest sibling"),
}

_CART_OP = re.compile(r"^([+-])\s*([A-Za-z0-9_]+)$")
_COUNTER_OP = re.compile(r"^([+-])\s*(\d+)$")


def parse_ops(scenario: str, text: str) -> list[tuple[str, Any]]:
    """``"+coffee, -eggs"`` -> ``[("add", "coffee"), ("remove", "eggs")]``; ``"+2, -1"`` for a counter."""
    ops = []
    for part in (p.strip() for p in str(text).split(",")):
        if not part:
            continue
        if scenario == "cart" and (m := _CART_OP.match(part)):
            ops.append(("add" if m[1] == "+" else "remove", m[2]))
        elif scenario == "counter" and (m := _COUNTER_OP.match(part)) and int(m[2]) > 0:
            ops.append(("inc" if m[1] == "+" else "dec", int(m[2])))
        else:
            example = "+coffee, -eggs" if scenario == "cart" else "+2, -1"
            raise ConfigError(f"cannot read the operation {part!r} for a {scenario}; write operations "
                              f"separated by commas, like {example!r}")
    return ops


def _check_scenario(scenario: str) -> Scenario:
    if scenario not in SCENARIOS:
        raise ConfigError(f"scenario must be one of {list(SCENARIOS)}, got {scenario!r}")
    return SCENARIOS[scenario]


def _apply(value: Any, op: tuple[str, Any]) -> Any:
    kind, arg = op
    if kind == "add":
        return value | {arg}
    if kind == "remove":
        return value - {arg}
    return value + arg if kind == "inc" else value - arg


def _app_merge(scenario: Scenario, siblings: tuple) -> Any:
    if scenario.name == "cart":
        return frozenset().union(*siblings)
    return max(siblings)


# -- one strategy: the replicated type, its initial state, and how an operation becomes an update -----

def _kind(name: str, value: Callable[[Any], Any]) -> ReplicatedType:
    def no_random_updates(*args: Any) -> Any:
        raise ConfigError("scenario replicas only run scripted operations")

    return ReplicatedType(name, lambda replicas: None, no_random_updates, value=value)


def _strategy(scenario: Scenario, strategy: str) -> tuple[ReplicatedType, Any, Callable]:
    ids = REPLICAS
    if strategy == "LWW":
        def op(state: LWWRegister, r: str, now: float, o: tuple) -> tuple[Any, Any]:
            return o, state.assign(_apply(state.value, o), now, r)
        return _kind("LWW", lambda s: s.value), LWWRegister(ids).assign(scenario.initial, 0.0, "A"), op
    if strategy == "MV":
        def op(state: MVRegister, r: str, now: float, o: tuple) -> tuple[Any, Any]:  # type: ignore[misc]
            return o, state.assign(_apply(_app_merge(scenario, state.value), o), r)
        return _kind("MV", lambda s: s.value), MVRegister(ids).assign(scenario.initial, "A"), op
    if strategy != "CRDT":
        raise ConfigError(f"strategy must be one of {list(STRATEGIES)}, got {strategy!r}")
    if scenario.name == "cart":
        start = ORSet(ids)
        for item in sorted(scenario.initial):
            start = start.add(item, "A")

        def op(state: ORSet, r: str, now: float, o: tuple) -> tuple[Any, Any]:  # type: ignore[misc]
            kind, item = o
            if kind == "remove" and item not in state:
                return ("skipped", o), state  # nothing to remove here: the replica does not see it
            return o, state.add(item, r) if kind == "add" else state.remove(item)
        return _kind("OR-Set", lambda s: s.value), start, op

    def op(state: PNCounter, r: str, now: float, o: tuple) -> tuple[Any, Any]:  # type: ignore[misc]
        kind, n = o
        return o, state.increment(r, n) if kind == "inc" else state.decrement(r, n)
    return _kind("PN-Counter", lambda s: s.value), PNCounter(ids).increment("A", scenario.initial), op


# -- running and judging ---------------------------------------------------------------------------

@dataclass
class ScenarioResult:
    """Per strategy: each replica's value during the partition and at the end; the verdicts."""

    scenario: str
    seed: int
    ops: dict[str, list[tuple[str, Any]]]
    intended: Any
    during: dict[str, dict[str, Any]] = field(default_factory=dict)
    final: dict[str, dict[str, Any]] = field(default_factory=dict)
    siblings: dict[str, int] = field(default_factory=dict)
    verdicts: dict[str, str] = field(default_factory=dict)
    sims: dict[str, Simulation] = field(default_factory=dict)

    def read(self, strategy: str, replica: str = "A") -> Any:
        """What an application reads at ``replica`` at the end (MV: its merge of the siblings)."""
        value = self.final[strategy][replica]
        return _app_merge(SCENARIOS[self.scenario], value) if strategy == "MV" else value

    @property
    def verdict(self) -> str:
        return "; ".join(f"{s}: {v}" for s, v in self.verdicts.items())

    def table(self) -> "pd.DataFrame":
        import pandas as pd

        rows = []
        for s in self.final:
            for r in REPLICAS:
                rows.append({"strategy": s, "replica": r, "during the partition": show(self.during[s][r]),
                             "at the end": show(self.final[s][r]),
                             "application reads": show(self.read(s, r)), "verdict": self.verdicts[s]})
        return pd.DataFrame(rows)


def _intended(scenario: Scenario, ops: Mapping[str, list[tuple[str, Any]]]) -> Any:
    if scenario.name == "counter":
        return scenario.initial + sum(n if k == "inc" else -n for o in ops.values() for k, n in o)
    added = {x for o in ops.values() for k, x in o if k == "add"}
    removed = {x for o in ops.values() for k, x in o if k == "remove"}
    return frozenset((scenario.initial - removed) | added)


def _judge(scenario: Scenario, got: Any, intended: Any) -> str:
    if got == intended:
        return f"{show(got)} as intended"
    if scenario.name == "counter":
        return f"{got} instead of {intended}: {abs(got - intended)} " + ("lost" if got < intended else "too many")
    parts = []
    if intended - got:
        parts.append(f"lost {show(intended - got)}")
    if got - intended:
        parts.append(f"resurrected {show(got - intended)}" if (got - intended) <= scenario.initial
                     else f"extra {show(got - intended)}")
    return ", ".join(parts)


def _op_time(replica: str, i: int) -> float:
    return FIRST_OP + OP_GAP * i + 5.0 * REPLICAS.index(replica)


def _heal_time(ops: Mapping[str, list]) -> float:
    last_op = max((_op_time(r, i) for r in REPLICAS for i in range(len(ops[r]))), default=FIRST_OP)
    return max(HEAL_AT, last_op + 30.0)


def run_scenario(scenario: str = "cart", ops: Mapping[str, str] | None = None, *, partition: str = "A | B C",
                 heal: bool = True, skew: float = 0.0, seed: int = 1,
                 strategies: tuple[str, ...] = STRATEGIES) -> ScenarioResult:
    """Run one scenario under every strategy (see the module docstring); returns what each replica held."""
    sc = _check_scenario(scenario)
    if partition not in PARTITIONS:
        raise ConfigError(f"partition must be one of {list(PARTITIONS)}, got {partition!r}")
    texts = dict(CART_OPS if ops is None and scenario == "cart" else ops or {})
    unknown = set(texts) - set(REPLICAS)
    if unknown:
        raise ConfigError(f"operations for unknown replicas {sorted(unknown)}; the replicas are {list(REPLICAS)}")
    parsed = {r: parse_ops(scenario, texts.get(r, "")) for r in REPLICAS}
    result = ScenarioResult(scenario, seed, parsed, _intended(sc, parsed))
    heal_at = _heal_time(parsed)
    for strategy in strategies:
        sim = _run_strategy(sc, strategy, parsed, partition, heal_at if heal else None, skew, seed)
        states = replica_states(sim)
        result.sims[strategy] = sim
        result.final[strategy] = {r: s.value for r, s in states.items()}
        result.during[strategy] = _before(sim, heal_at - 1.0)
        result.siblings[strategy] = max(len(s.value) for s in states.values()) if strategy == "MV" else 1
        reads = {show(result.read(strategy, r)) for r in REPLICAS}
        result.verdicts[strategy] = (_judge(sc, result.read(strategy), result.intended) if len(reads) == 1
                                     else "the replicas disagree: " + " / ".join(sorted(reads)))
    return result


def _run_strategy(sc: Scenario, strategy: str, ops: Mapping[str, list], partition: str, heal_at: float | None,
                  skew: float, seed: int) -> Simulation:
    kind, start, op = _strategy(sc, strategy)
    scripts = {r: [(_op_time(r, i), _bind(op, o)) for i, o in enumerate(ops[r])] for r in REPLICAS}
    end = _heal_time(ops) + (END - HEAL_AT)

    def faults(sim: Simulation) -> None:
        sim.set_clock_offset("B", skew)
        if PARTITIONS[partition]:
            sim.at(SPLIT_AT, sim.net.partition, *PARTITIONS[partition])
            if heal_at is not None:
                sim.at(heal_at, sim.net.heal)

    return run_replicas(kind, seed, replicas=REPLICAS, updates=0, scripts=scripts, initial=start,
                        until=end, sample_every=10.0, before_run=faults)


def _before(sim: Simulation, t: float) -> dict[str, Any]:
    """Each replica's value at time ``t``: the last state it persisted by then (or its initial one)."""
    out = {}
    for r in REPLICAS:
        persisted = [rec.detail["state"] for rec in sim.trace.of_kind("persist")
                     if rec.node == r and rec.time <= t and "state" in rec.detail]
        out[r] = persisted[-1].value if persisted else sim.node(r).initial.value  # type: ignore[attr-defined]
    return out


def _bind(op: Callable, o: tuple) -> Callable[[Any, str, float], tuple[Any, Any]]:
    return lambda state, r, now: op(state, r, now, o)


def shopping_cart(seed: int = 1, *, ops: Mapping[str, str] | None = None, partition: str = "A | B C",
                  skew: float = 0.0) -> ScenarioResult:
    """The shopping cart of R01: {eggs, milk}; A adds coffee while B removes eggs and adds bread.

    LWW keeps one side's whole cart (an item is lost), the MV register's union of siblings brings
    the deleted eggs back, and the OR-Set holds exactly {bread, coffee, milk}. Run, not asserted:
    the verdicts are computed from the replicas' final states.
    """
    return run_scenario("cart", ops if ops is not None else CART_OPS, partition=partition, skew=skew, seed=seed)
