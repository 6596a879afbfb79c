"""The decision drill (I01): seven design dimensions, the checklist that decides them, and a grader.

Theory of operation
-------------------
A system-design answer makes seven decisions (:data:`DIMENSIONS`): the consistency model, the
CAP/PACELC side, the replication scheme, the partitioning, the coordination, the delivery
guarantee of the messages and the transaction pattern. Each has a closed set of options.

What decides them is a short list of yes/no questions about the requirement - the seed notes'
decision checklist, made complete (:data:`FACTS`): must every client see one agreed value at
once (``one_truth``)? must everyone see updates in one order (``same_order``)? must effects
follow their causes (``causal``)? must a user see their own writes (``own_writes``)? do
concurrent updates merge (``merge``)? how is the data reached (``access``), is one key hot
(``hot_key``), may only one worker act at a time (``single_actor``), what must the messages
guarantee (``events``), and what must change together (``scope``)?

:func:`rules` turns the facts into, per dimension, the options an honest answer may pick (more
than one where more than one is defensible), the reason, and the notebook section and experiment
that shows why. The rules keep an order of precedence that the docstring of each branch states:
an invariant beats an order, an order beats causality, causality beats a session guarantee; a
single actor beats an invariant for coordination. :func:`decide` picks the first accepted option
of each; :func:`grade` compares a learner's choices with them: per dimension a verdict, the reason
and the link. Unknown dimensions, options or requirements raise :class:`ConfigError`. Nothing
here is random; the catalog of requirements is :mod:`dsworkbook.interview.requirements`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import pandas as pd

from dsworkbook.errors import ConfigError
from dsworkbook.interview.links import link
from dsworkbook.interview.requirements import REQUIREMENTS, Requirement

__all__ = ["DIMENSIONS", "OPTIONS", "FACTS", "LINKS", "Rule", "Verdict", "check_facts", "check_choices", "rules",
           "accepted", "decide", "requirement", "facts_of", "catalog", "grade", "grade_table"]

#: dimension -> (what it asks, option -> what the option means and costs)
DIMENSIONS: dict[str, tuple[str, dict[str, str]]] = {
    "consistency": ("What may a reader see?", {
        "linearizable": "every read sees the latest acknowledged write, as if there were one copy; costs a quorum "
                        "or leader round trip per operation and refuses service in a minority partition",
        "sequential": "every reader sees the writes in one order, the same for all, possibly behind",
        "causal": "effects never appear before their causes; concurrent writes may be seen in any order",
        "read-your-writes": "a session sees its own writes; other sessions may lag",
        "eventual": "replicas converge once writes stop; a read may be stale or out of order"}),
    "cap": ("Which side in a partition (PA/PC), and else, latency or consistency (EL/EC)?", {
        "PC/EC": "refuses rather than diverge in a partition; pays for consistency on every operation otherwise",
        "PC/EL": "refuses writes in a partition; otherwise serves (possibly stale) reads locally for latency",
        "PA/EC": "answers in a partition; otherwise waits for consistency anyway - rarely what a requirement wants",
        "PA/EL": "answers in a partition and, without one, from the nearest replica"}),
    "replication": ("How are copies kept?", {
        "consensus": "a majority acknowledges every write (Raft, Multi-Paxos); a new leader holds every committed write",
        "single-leader-sync": "one leader, a follower acknowledges before the client hears back",
        "single-leader-async": "one leader, followers apply later; a failover can lose acknowledged writes",
        "multi-leader": "several leaders accept writes and exchange them; concurrent writes conflict",
        "leaderless": "any replica takes writes, quorums of N/R/W, repair in the background (Dynamo style)"}),
    "partitioning": ("How is the data split?", {
        "none": "one replica group holds everything",
        "hash": "consistent hashing of the key, with virtual nodes",
        "range": "contiguous key ranges, split when they grow",
        "hash-with-salting": "hashing, with a hot key split into salted sub-keys"}),
    "coordination": ("What makes concurrent actors agree?", {
        "none": "nothing beyond the store's own writes",
        "crdt-merge": "concurrent updates merge by a commutative, idempotent rule; no coordination",
        "conditional-write": "compare-and-set on a version or put-if-absent; the loser is rejected",
        "fenced-lock": "a lease lock whose fencing token the protected resource checks",
        "leader-election": "one elected leader acts, its epoch checked by what it writes to"}),
    "delivery": ("What must the messages guarantee?", {
        "not-needed": "no asynchronous messages carry this requirement",
        "at-most-once": "send once, never retry: loses messages on a crash or a drop",
        "at-least-once": "retry until acknowledged: repeats messages (and their effects) on a crash",
        "effectively-once": "at-least-once delivery and an idempotent consumer: every effect exactly once"}),
    "transaction": ("What must change together, and how?", {
        "single-key": "each operation changes one key atomically",
        "local-acid": "several rows in one database, one local transaction",
        "2pc": "all-or-nothing across participants that can prepare; blocks while the coordinator is down",
        "saga": "local steps with compensations across services; intermediate states are visible",
        "outbox": "the write and its message in one local transaction; a relay publishes the message"}),
}
OPTIONS: dict[str, tuple[str, ...]] = {d: tuple(opts) for d, (_, opts) in DIMENSIONS.items()}

#: fact -> its allowed values (bools, or a closed set of strings)
FACTS: dict[str, tuple[Any, ...]] = {
    "one_truth": (False, True), "same_order": (False, True), "causal": (False, True), "own_writes": (False, True),
    "merge": (False, True), "access": ("none", "point", "range"), "hot_key": (False, True),
    "single_actor": (False, True), "events": ("none", "lossy", "all", "effect-once"),
    "scope": ("key", "rows", "shards", "services", "write-and-event"),
}

#: name -> (link to the section that shows why, the experiment there that shows it)
LINKS: dict[str, tuple[str, str]] = {
    "lin": (link("03_consistency_models.ipynb", "2 · Linearizability (M02)"),
            "the checker's minimal counterexample of a stale read"),
    "cp": (link("02_cap_and_quorums.ipynb", "CAP, demonstrated on many seeds"),
           "the CP store refuses in a partition, the AP store answers stale"),
    "pacelc": (link("02_cap_and_quorums.ipynb", "6 · PACELC: the price of consistency without a partition (Q04)"),
               "quorum latency against a local replica, no partition"),
    "weak": (link("03_consistency_models.ipynb", "3 · The weaker models (M03)"), "a history per model"),
    "causal": (link("03_consistency_models.ipynb", "Causality broken"), "a reply seen before its question"),
    "session": (link("03_consistency_models.ipynb", "Session guarantees, and convergence"),
                "read-your-writes violated by a client that moves replicas"),
    "ap": (link("02_cap_and_quorums.ipynb", "4 · The AP store and how it heals (Q02)"),
           "writes accepted on both sides, hinted handoff and read repair"),
    "raftkv": (link("06_raft.ipynb", "2.6 A linearizable key-value store (F06)"),
               "the Raft store's history judged linearizable"),
    "failover": (link("14_replication_and_regions.ipynb", "3 · Failover: lost writes, split brain, and epochs (G04)"),
                 "acknowledged writes lost by replication mode"),
    "leader": (link("14_replication_and_regions.ipynb",
                    "2 · Single-leader replication: modes, lag, and the three read anomalies (G04)"),
               "follower lag and the position-token router"),
    "multi": (link("14_replication_and_regions.ipynb",
                   "4 · Multi-leader: the seeds' active-active design and what it loses (G02, G05)"),
              "LWW losses against siblings and CRDTs"),
    "modulo": (link("11_partitioning.ipynb", "1 · The idea: why `hash(key) mod n` is the wrong partitioner (H01)"),
               "keys moved by modulo hashing against a ring"),
    "ring": (link("11_partitioning.ipynb", "2 · Run it: a ring with virtual nodes (H02)"),
             "balance against virtual nodes"),
    "range": (link("11_partitioning.ipynb", "5 · Range partitioning and hot keys (H05) (+)"),
              "ranges that split and merge"),
    "hot": (link("11_partitioning.ipynb", "5.1 Break it: one hot key"), "the hottest node's share with salting"),
    "fencing": (link("09_locks_and_leases.ipynb", "4 · Fencing tokens (L03)"),
                "a paused holder's write rejected by its token"),
    "zoo": (link("02_cap_and_quorums.ipynb", "8 · The anomaly zoo"), "the lost update of read-modify-write"),
    "crdt": (link("05_crdts.ipynb", "2.1 Counters (R02)"), "G- and PN-Counters merging"),
    "delivery": (link("12_queues.ipynb", "3 · Break it: the delivery-guarantee lab (Q13)"),
                 "effects lost or repeated per guarantee over a seed sweep"),
    "2pc": (link("13_transactions.ipynb", "3 · Blocking, shown and measured (X01)"),
            "locks held against coordinator downtime"),
    "saga": (link("13_transactions.ipynb", "6 · Sagas: compensate instead of lock (X03)"),
             "the saga campaign: all applied or all compensated"),
    "outbox": (link("13_transactions.ipynb", "7 · The transactional outbox on sqlite3 (X04)"),
               "dual writes caught over seeded crashes"),
    "isolation": (link("13_transactions.ipynb", "8 · Isolation levels as interleavings (X05)"),
                  "anomalies per isolation level"),
}


@dataclass(frozen=True)
class Rule:
    """What one dimension's rule says: the accepted options, why, and where the workbook shows it."""

    accepted: tuple[str, ...]
    reason: str
    link: str
    experiment: str


@dataclass(frozen=True)
class Verdict:
    """One dimension of a graded answer."""

    dimension: str
    choice: str
    right: bool
    accepted: tuple[str, ...]
    reason: str
    link: str
    experiment: str


def _rule(accepted: tuple[str, ...], reason: str, where: str) -> Rule:
    url, experiment = LINKS[where]
    return Rule(accepted, reason, url, experiment)


def check_facts(facts: Mapping[str, Any]) -> dict[str, Any]:
    """The facts as a dict, or ConfigError naming the missing, unknown or out-of-range one."""
    if not isinstance(facts, Mapping):
        raise ConfigError(f"facts must be a dict with the keys {list(FACTS)}, got {type(facts).__name__}")
    missing, unknown = sorted(set(FACTS) - set(facts)), sorted(set(facts) - set(FACTS))
    if missing or unknown:
        raise ConfigError(f"facts need exactly the keys {list(FACTS)}; missing {missing}, unknown {unknown}")
    for name, value in facts.items():
        allowed = FACTS[name]
        if isinstance(allowed[0], bool) and not isinstance(value, bool) or value not in allowed:
            raise ConfigError(f"fact {name!r} must be one of {list(allowed)}, got {value!r}")
    return dict(facts)


def _consistency(f: Mapping[str, Any]) -> Rule:
    """An invariant beats an order, an order beats causality, causality beats a session guarantee."""
    if f["one_truth"]:
        return _rule(("linearizable",), "every client must see one agreed value at once: anything weaker lets two "
                     "clients act on different values (two buyers, one seat)", "lin")
    if f["same_order"]:
        return _rule(("sequential",), "everyone must see the updates in one order but may lag: one log read in "
                     "order is enough; linearizable reads would add a round trip for nothing", "weak")
    if f["causal"]:
        return _rule(("causal",), "an effect must never show before its cause, and nothing needs a global order: "
                     "causal consistency, which stays available in a partition", "causal")
    if f["own_writes"]:
        return _rule(("read-your-writes",), "only the writer must see its own writes at once: a session guarantee "
                     "(sticky replica or a position token), not a global one", "session")
    return _rule(("eventual",), "no reader needs the latest value or an order: eventual consistency is the "
                 "cheapest and always answers", "ap")


def _cap(f: Mapping[str, Any]) -> Rule:
    if f["one_truth"]:
        return _rule(("PC/EC",), "two sides of a partition must not both accept writes (PC), and a read must "
                     "reach the quorum or leader that knows the latest value even without a partition (EC)", "cp")
    if f["same_order"]:
        return _rule(("PC/EC", "PC/EL"), "one order needs one side to keep writing in a partition (PC); reads may "
                     "go through the leader (EC) or, lagging, to a local replica (EL)", "pacelc")
    return _rule(("PA/EL",), "nothing requires refusing: stay available in a partition and answer from the "
                 "nearest replica without a quorum round trip", "pacelc")


def _replication(f: Mapping[str, Any]) -> Rule:
    if f["one_truth"]:
        return _rule(("consensus",), "a committed write must survive any minority of failures and a new leader "
                     "must hold it: majority replication (Raft, Multi-Paxos); async followers lose writes", "raftkv")
    if f["same_order"]:
        return _rule(("consensus", "single-leader-sync"), "one leader orders every update, and a failover must not "
                     "lose or reorder acknowledged ones: a majority or a synchronous follower", "failover")
    if f["merge"]:
        return _rule(("multi-leader", "leaderless"), "updates merge, so any replica may take a write and the "
                     "replicas converge by merging", "multi")
    return _rule(("single-leader-async", "leaderless"), "some lag is acceptable: asynchronous followers (reads "
                 "routed by session where needed) or leaderless quorums", "leader")


def _partitioning(f: Mapping[str, Any]) -> Rule:
    """A hot key matters only for point access; range access keeps ranges (they split)."""
    if f["access"] == "none":
        return _rule(("none",), "the data fits one replica group: partitioning would only add cross-partition "
                     "work", "modulo")
    if f["access"] == "range":
        return _rule(("range",), "readers scan ordered key ranges: range partitions keep neighbours together and "
                     "split when hot; hashing scatters a range over every node", "range")
    if f["hot_key"]:
        return _rule(("hash-with-salting",), "one key takes most of the writes: hashing sends it all to one node; "
                     "salted sub-keys spread it (reads combine them)", "hot")
    return _rule(("hash",), "point lookups by key: a ring with virtual nodes balances them and moves about "
                 "1/(n+1) of the keys when a node joins", "ring")


def _coordination(f: Mapping[str, Any]) -> Rule:
    """A single actor beats an invariant: a lock or a leader, fenced, is what keeps one actor."""
    if f["single_actor"]:
        return _rule(("fenced-lock", "leader-election"), "at most one worker may act, even after a pause or a "
                     "partition: a lease alone fails, the resource must check a fencing token or epoch", "fencing")
    if f["one_truth"]:
        return _rule(("conditional-write",), "the invariant is checked where the data lives: a conditional write "
                     "rejects the second of two racing updates; read-modify-write loses one", "zoo")
    if f["merge"]:
        return _rule(("crdt-merge",), "concurrent updates commute: a CRDT merges them without coordination and "
                     "without the losses of last-write-wins", "crdt")
    return _rule(("none",), "nothing needs agreement beyond the store's own writes", "leader")


def _delivery(f: Mapping[str, Any]) -> Rule:
    events = f["events"]
    if events == "none":
        return _rule(("not-needed",), "no asynchronous message carries this requirement", "delivery")
    if events == "lossy":
        return _rule(("at-most-once", "at-least-once"), "a lost message now and then does no harm: send once, or "
                     "retry if duplicates are harmless too", "delivery")
    if events == "all":
        return _rule(("at-least-once", "effectively-once"), "every message must arrive and a repeat does no harm: "
                     "retry until acknowledged", "delivery")
    return _rule(("effectively-once",), "every message must arrive and its effect happen once: at-least-once "
                 "delivery with an idempotent consumer; plain retries repeat the effect on a crash", "delivery")


def _transaction(f: Mapping[str, Any]) -> Rule:
    scope = f["scope"]
    if scope == "key":
        return _rule(("single-key",), "each operation changes one key: the store's atomic write is enough",
                     "isolation")
    if scope == "rows":
        return _rule(("local-acid",), "several rows of one database change together: one local transaction",
                     "isolation")
    if scope == "shards":
        return _rule(("2pc",), "all-or-nothing across shards that can prepare, with no intermediate state "
                     "visible: two-phase commit (and its blocking while the coordinator is down)", "2pc")
    if scope == "services":
        return _rule(("saga",), "steps in several services or partners, each with its own database and no "
                     "prepare: local steps and compensations in reverse", "saga")
    return _rule(("outbox",), "a database write and a message must both happen or neither: write the message "
                 "in the same local transaction and relay it; write-then-publish is a dual write", "outbox")


_RULES = {"consistency": _consistency, "cap": _cap, "replication": _replication, "partitioning": _partitioning,
          "coordination": _coordination, "delivery": _delivery, "transaction": _transaction}


def rules(facts: Mapping[str, Any]) -> dict[str, Rule]:
    """Per dimension, the rule the checklist's facts select (see the module doc for the precedence)."""
    f = check_facts(facts)
    return {dim: rule(f) for dim, rule in _RULES.items()}


def accepted(facts: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """Per dimension, the options an honest answer may choose for these facts."""
    return {dim: r.accepted for dim, r in rules(facts).items()}


def decide(facts: Mapping[str, Any]) -> dict[str, str]:
    """The checklist applied: one option per dimension (the first the rules accept)."""
    return {dim: r.accepted[0] for dim, r in rules(facts).items()}


def check_choices(choices: Mapping[str, Any]) -> dict[str, str]:
    """The choices as a dict, or ConfigError naming an unknown dimension or option, or a missing one."""
    if not isinstance(choices, Mapping):
        raise ConfigError(f"choices must be a dict with the keys {list(OPTIONS)}, got {type(choices).__name__}")
    missing, unknown = [d for d in OPTIONS if d not in choices], sorted(set(choices) - set(OPTIONS))
    if missing or unknown:
        raise ConfigError(f"choose one option for each of {list(OPTIONS)}; missing {missing}, unknown {unknown}")
    for dim, value in choices.items():
        if value not in OPTIONS[dim]:
            raise ConfigError(f"{dim} must be one of {list(OPTIONS[dim])}, got {value!r}")
    return {d: choices[d] for d in OPTIONS}


_BY_ID: dict[str, Requirement] = {r.id: r for r in REQUIREMENTS}


def requirement(requirement_id: str) -> Requirement:
    """The catalog's requirement ``requirement_id``, or ConfigError listing the ids."""
    if not isinstance(requirement_id, str) or requirement_id not in _BY_ID:
        raise ConfigError(f"no requirement {requirement_id!r}; the catalog has {sorted(_BY_ID)}")
    return _BY_ID[requirement_id]


def facts_of(what: Any) -> dict[str, Any]:
    """The facts of a requirement given by id, as a Requirement, or as a facts dict (checked)."""
    if isinstance(what, Requirement):
        return check_facts(what.facts)
    if isinstance(what, str):
        return check_facts(requirement(what).facts)
    return check_facts(what)


def catalog() -> pd.DataFrame:
    """The requirements with the options each dimension accepts (" or " between several)."""
    rows = []
    for r in REQUIREMENTS:
        rows.append({"id": r.id, "requirement": r.title,
                     **{dim: " or ".join(opts) for dim, opts in accepted(r.facts).items()}})
    return pd.DataFrame(rows)


def grade(requirement: Any, choices: Mapping[str, Any]) -> list[Verdict]:
    """Grade ``choices`` for a requirement (its id, a Requirement, or a facts dict): one Verdict per dimension.

    A wrong choice's reason says what the chosen option costs, then why the accepted ones fit.
    """
    picked = check_choices(choices)
    out = []
    for dim, r in rules(facts_of(requirement)).items():
        ok = picked[dim] in r.accepted
        reason = r.reason if ok else f"{picked[dim]}: {DIMENSIONS[dim][1][picked[dim]]}. Instead: {r.reason}"
        out.append(Verdict(dim, picked[dim], ok, r.accepted, reason, r.link, r.experiment))
    return out


def grade_table(requirement: Any, choices: Mapping[str, Any]) -> pd.DataFrame:
    """:func:`grade` as a table: dimension, choice, verdict, accepted, reason, link, experiment."""
    rows = [{"dimension": v.dimension, "choice": v.choice, "verdict": "right" if v.right else "wrong",
             "accepted": " or ".join(v.accepted), "reason": v.reason, "link": v.link, "experiment": v.experiment}
            for v in grade(requirement, choices)]
    return pd.DataFrame(rows)
