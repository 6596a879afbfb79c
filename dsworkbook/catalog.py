"""The concept map: every idea the workbook covers, where it lives, and how finished it is.

Theory of operation
-------------------
:data:`CONCEPTS` lists every concept id of the workbook's concept map (N01 ... I03, themes T01
to T15) with a short title, its theme, and - once a theme is built - the module that implements
it and the themed notebook that teaches it. That is all that is declared here. Everything else
in a row is **computed** from the repository, so the map cannot claim more than exists:

* ``exercises``: the registered exercises (:func:`dsworkbook.grading.registry`) whose
  ``concepts`` include the id;
* ``status``: ``"complete"`` only when all four pieces are there - the module imports, the
  notebook exists and mentions the id, a registered exercise covers it, and a notebook under
  ``solutions/`` calls ``check("<that exercise>"`` - ``"planned"`` when none is, and
  ``"partial"`` otherwise; ``missing`` says which pieces are absent and why.

:func:`repo_root` finds the repository: ``$DSWORKBOOK_ROOT`` if set, else the folder holding the
``dsworkbook`` package when it is a source checkout (an editable install), else the current
directory.
"""

from __future__ import annotations

import importlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from dsworkbook.errors import ConfigError

__all__ = ["Theme", "Concept", "THEMES", "CONCEPTS", "STATUSES", "repo_root", "rows", "concept_ids",
           "load_registry"]

STATUSES = ("complete", "partial", "planned")
#: What a concept needs before it is complete (the widget only in themes that ask for one).
PIECES = ("module", "notebook", "exercise", "solution check", "widget")


@dataclass(frozen=True)
class Theme:
    id: str
    title: str
    notebook: str = ""     # path under the repository root, once the theme is built
    widget: bool = True    # the concept map asks for an experiment widget in this theme's notebook


@dataclass(frozen=True)
class Concept:
    id: str
    title: str
    theme: str
    module: str = ""       # an importable dotted path, once implemented
    notebook: str = ""     # defaults to the theme's notebook


THEMES: dict[str, Theme] = {t.id: t for t in [
    Theme("T01", "Network model and the eight fallacies", "notebooks/01_network_and_fallacies.ipynb"),
    Theme("T02", "CAP and quorums", "notebooks/02_cap_and_quorums.ipynb"),
    Theme("T03", "Consistency models", "notebooks/03_consistency_models.ipynb"),
    Theme("T04", "Time and ordering", "notebooks/04_time_and_clocks.ipynb"),
    Theme("T05", "Conflict resolution and CRDTs", "notebooks/05_crdts.ipynb"),
    Theme("T06", "Consensus: Raft", "notebooks/06_raft.ipynb"),
    Theme("T07", "Consensus: Paxos", "notebooks/07_paxos.ipynb"),
    Theme("T08", "Byzantine fault tolerance", "notebooks/08_byzantine.ipynb"),
    Theme("T09", "Distributed locks and leases", "notebooks/09_locks_and_leases.ipynb"),
    Theme("T10", "Coordination and leader election", "notebooks/10_coordination.ipynb"),
    Theme("T11", "Partitioning and DHTs", "notebooks/11_partitioning.ipynb"),
    Theme("T12", "Message queues and delivery guarantees", "notebooks/12_queues.ipynb"),
    Theme("T13", "Distributed transactions", "notebooks/13_transactions.ipynb"),
    Theme("T14", "Replication and multi-region patterns", "notebooks/14_replication_and_regions.ipynb"),
    Theme("T15", "The interview framework", "notebooks/15_interview_framework.ipynb", widget=False),
]}

#: the theme's second notebook: Raft beyond the paper's core (issue-sized themes may have two)
_PRODUCTION = "notebooks/06b_raft_in_production.ipynb"

CONCEPTS: tuple[Concept, ...] = (
    # T01 Network model and the eight fallacies
    Concept("N01", "Deterministic message-passing simulator", "T01", "dsworkbook.sim"),
    Concept("N02", "Faults: latency, loss, partitions, crashes, pauses, skew", "T01", "dsworkbook.sim"),
    Concept("N03", "The eight fallacies, each broken by an experiment", "T01", "dsworkbook.fallacies"),
    Concept("N04", "Request-reply: timeouts, retries, backoff, idempotency keys", "T01",
            "dsworkbook.reliability"),
    Concept("N05", "Run traces as tables and space-time diagrams", "T01", "dsworkbook.sim.trace"),
    # T02 CAP and quorums
    Concept("Q01", "CP store: majority quorums, refuses without quorum", "T02", "dsworkbook.storage.cp"),
    Concept("Q02", "AP store: LWW, hinted handoff, read repair, anti-entropy", "T02", "dsworkbook.storage.ap"),
    Concept("Q03", "Tunable N/R/W and stale reads", "T02", "dsworkbook.storage.quorum"),
    Concept("Q04", "PACELC: the latency cost of consistency", "T02", "dsworkbook.storage.pacelc"),
    # T03 Consistency models
    Concept("M01", "Histories of client operations", "T03", "dsworkbook.checkers.history"),
    Concept("M02", "Linearizability checker", "T03", "dsworkbook.checkers.linearizability"),
    Concept("M03", "Sequential, causal, eventual and session guarantees", "T03", "dsworkbook.checkers.models"),
    Concept("M04", "Eventual, causal and sequential stores", "T03", "dsworkbook.storage.stores"),
    Concept("M05", "A real etcd cluster's history judged by the linearizability checker", "T03",
            "dsworkbook.realservers.jepsen_etcd", notebook="notebooks/06b_raft_in_production.ipynb"),
    # T04 Time and ordering
    Concept("C01", "Physical clocks, NTP sync, LWW under skew", "T04", "dsworkbook.clocks.physical"),
    Concept("C02", "Lamport clocks", "T04", "dsworkbook.clocks.lamport"),
    Concept("C03", "Vector clocks", "T04", "dsworkbook.clocks.vector"),
    Concept("C04", "Version vectors and pruned vector clocks", "T04", "dsworkbook.clocks.version"),
    Concept("C05", "Hybrid logical clocks", "T04", "dsworkbook.clocks.hlc"),
    Concept("C06", "TrueTime intervals and commit wait", "T04", "dsworkbook.clocks.truetime"),
    # T05 Conflict resolution and CRDTs
    Concept("R01", "LWW, siblings and application merge", "T05", "dsworkbook.crdt.registers"),
    Concept("R02", "G-Counter and PN-Counter", "T05", "dsworkbook.crdt.counters"),
    Concept("R03", "G-Set, 2P-Set, LWW-Register, MV-Register", "T05", "dsworkbook.crdt.sets"),
    Concept("R04", "OR-Set with tombstone compaction", "T05", "dsworkbook.crdt.orset"),
    Concept("R05", "CRDT laws and convergence", "T05", "dsworkbook.crdt.laws"),
    Concept("R06", "Sequence CRDT for collaborative text", "T05", "dsworkbook.crdt.rga"),
    # T06 Consensus: Raft
    Concept("F01", "Raft leader election", "T06", "dsworkbook.consensus.raft"),
    Concept("F02", "Raft log replication", "T06", "dsworkbook.consensus.raft"),
    Concept("F03", "Raft commit rule and state machine", "T06", "dsworkbook.consensus.raft"),
    Concept("F04", "Raft persistence, recovery and safety invariants", "T06", "dsworkbook.consensus.raft_invariants"),
    Concept("F05", "Raft batching and pipelining", "T06", "dsworkbook.consensus.raft"),
    Concept("F06", "Linearizable KV store on Raft", "T06", "dsworkbook.consensus.raft_kv"),
    Concept("F07", "Raft log compaction: snapshots and InstallSnapshot", "T06", "dsworkbook.consensus.raft.snapshots",
            notebook=_PRODUCTION),
    Concept("F08", "Raft membership changes: single-server, joint consensus, learners", "T06",
            "dsworkbook.consensus.raft.membership", notebook=_PRODUCTION),
    Concept("F09", "PreVote, CheckQuorum and leadership transfer", "T06", "dsworkbook.consensus.raft.prevote",
            notebook=_PRODUCTION),
    Concept("F10", "Linearizable reads without the log: ReadIndex and leases", "T06", "dsworkbook.consensus.raft.reads",
            notebook=_PRODUCTION),
    # T07 Consensus: Paxos
    Concept("P01", "Single-decree Paxos", "T07", "dsworkbook.consensus.paxos"),
    Concept("P02", "Multi-Paxos, Fast Paxos and Flexible Paxos quorums", "T07", "dsworkbook.consensus.multipaxos"),
    Concept("P03", "Consensus properties, FLP, Raft vs Paxos", "T07", "dsworkbook.consensus.paxos"),
    # T08 Byzantine fault tolerance
    Concept("B01", "PBFT normal case", "T08", "dsworkbook.consensus.pbft.replica"),
    Concept("B02", "PBFT checkpoints and view change", "T08", "dsworkbook.consensus.pbft.viewchange"),
    Concept("B03", "Byzantine quorums (n >= 3f+1)", "T08", "dsworkbook.consensus.pbft.quorums"),
    Concept("B04", "Signed messages, equivocation, BFT state machine", "T08", "dsworkbook.consensus.pbft.crypto"),
    # T09 Distributed locks and leases
    Concept("L01", "Single-instance lock with expiry", "T09", "dsworkbook.locks.server"),
    Concept("L02", "Redlock", "T09", "dsworkbook.locks.redlock"),
    Concept("L03", "Fencing tokens", "T09", "dsworkbook.locks.fencing"),
    Concept("L04", "ZooKeeper-style lock", "T09", "dsworkbook.coordination.lock"),
    Concept("L05", "Conditional-write lease lock", "T09", "dsworkbook.locks.conditional"),
    Concept("L06", "Ordered locking against deadlock", "T09", "dsworkbook.locks.deadlock"),
    Concept("L07", "Redlock against real Redis servers", "T09", "dsworkbook.realservers.redlock"),
    # T10 Coordination and leader election
    Concept("Z01", "ZooKeeper-like coordination service", "T10", "dsworkbook.coordination.service"),
    Concept("Z02", "Configuration, membership and election recipes", "T10",
            "dsworkbook.coordination.recipes"),
    Concept("Z03", "Bully, lease-based and Raft-based election", "T10", "dsworkbook.coordination.election"),
    Concept("Z04", "Failure detection and gossip", "T10", "dsworkbook.coordination.detection"),
    # T11 Partitioning and DHTs
    Concept("H01", "Modulo hashing and the remap storm", "T11", "dsworkbook.partitioning.remap"),
    Concept("H02", "Consistent hashing with virtual nodes", "T11", "dsworkbook.partitioning.ring"),
    Concept("H03", "Replication on N distinct successors", "T11", "dsworkbook.partitioning.replication"),
    Concept("H04", "Rendezvous, jump and bounded-load hashing; Chord", "T11", "dsworkbook.partitioning.alternatives"),
    Concept("H05", "Range partitioning with split and merge; hot keys", "T11", "dsworkbook.partitioning.ranges"),
    # T12 Message queues and delivery guarantees
    Concept("Q11", "Partitioned log: topics, consumer groups, offsets", "T12", "dsworkbook.messaging.log"),
    Concept("Q12", "Broker queue: acks, redelivery, dead letters", "T12", "dsworkbook.messaging.queue"),
    Concept("Q13", "At-most-once, at-least-once, effectively-once", "T12", "dsworkbook.messaging.delivery"),
    # T13 Distributed transactions
    Concept("X01", "Two-phase commit with a write-ahead log", "T13", "dsworkbook.transactions.twophase"),
    Concept("X02", "Three-phase commit", "T13", "dsworkbook.transactions.threephase"),
    Concept("X03", "Sagas: orchestration, choreography, compensation", "T13", "dsworkbook.transactions.saga"),
    Concept("X04", "Transactional outbox", "T13", "dsworkbook.transactions.outbox"),
    Concept("X05", "Isolation levels and their anomalies, simulated and on PostgreSQL", "T13", "dsworkbook.transactions.isolation"),
    # T14 Replication and multi-region patterns
    Concept("G01", "Routing policies and failover", "T14", "dsworkbook.regions.routing"),
    Concept("G02", "Active-active replication across regions", "T14", "dsworkbook.regions.activeactive"),
    Concept("G03", "Cache in front of a store", "T14", "dsworkbook.regions.cache"),
    Concept("G04", "Single-leader replication: lag, failover, lost writes, split brain", "T14",
            "dsworkbook.regions.leader"),
    Concept("G05", "Multi-leader and leaderless replication across regions", "T14", "dsworkbook.regions.conflicts"),
    # T15 The interview framework
    Concept("I01", "Decision checklist drill", "T15", "dsworkbook.interview.decisions"),
    Concept("I02", "Trade-off questions", "T15", "dsworkbook.interview.questions"),
    Concept("I03", "Pitfall drills", "T15", "dsworkbook.grading.interview.pitfalls",
            notebook="notebooks/15b_pitfall_review.ipynb"),
)


def concept_ids() -> list[str]:
    """Every concept id, in the order of the concept map."""
    return [c.id for c in CONCEPTS]


def repo_root() -> Path:
    """The workbook's repository: ``$DSWORKBOOK_ROOT``, the source checkout, or the current directory."""
    env = os.environ.get("DSWORKBOOK_ROOT")
    if env:
        root = Path(env).expanduser().resolve()
        if not root.is_dir():
            raise ConfigError(f"DSWORKBOOK_ROOT={env!r} is not a folder; point it at the repository")
        return root
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "dsworkbook").is_dir():
        return checkout
    return Path.cwd()


def load_registry() -> Mapping[str, Any]:
    """Every registered exercise (importing dsworkbook.grading registers every theme's graders)."""
    import dsworkbook.grading as grading

    return grading.registry()


def _solution_checks(root: Path) -> set[str]:
    from dsworkbook.grading.build import check_cells

    return {ex for nb in sorted((root / "solutions").glob("*.ipynb")) for _, ex in check_cells(nb)}


def _module_problem(module: str) -> str:
    if not module:
        return "module (none yet)"
    try:
        importlib.import_module(module)
    except Exception as exc:  # any failure to import means the code is not there
        return f"module {module} does not import ({type(exc).__name__}: {exc})"
    return ""


def _notebook_problem(root: Path, notebook: str, concept_id: str) -> str:
    if not notebook:
        return "notebook (none yet)"
    path = root / notebook
    if not path.is_file():
        return f"notebook {notebook} does not exist"
    from dsworkbook.grading.build import read_notebook

    text = "\n".join("".join(c.get("source", "")) for c in read_notebook(path).cells)
    if not re.search(rf"\b{re.escape(concept_id)}\b", text):
        return f"notebook {notebook} does not mention {concept_id}"
    return ""


def _widget_problem(root: Path, theme: Theme, notebook: str) -> str:
    """A widget theme's notebook must display one of the package's experiment panels."""
    if not theme.widget:
        return ""
    path = root / notebook if notebook else None
    if path is None or not path.is_file():
        return "an experiment widget (no notebook yet)"
    from dsworkbook.grading.build import read_notebook

    code = "\n".join("".join(c.get("source", "")) for c in read_notebook(path).cells if c.get("cell_type") == "code")
    if not re.search(r"\bwidgets\.\w+\(", code):
        return f"an experiment widget: {notebook} displays no dw.widgets panel"
    return ""


def _row(concept: Concept, root: Path, registry: Mapping[str, Any], checked: set[str]) -> dict[str, Any]:
    theme = THEMES[concept.theme]
    notebook = concept.notebook or theme.notebook
    exercises = sorted(ex_id for ex_id, ex in registry.items() if concept.id in ex.concepts)
    graded = [ex_id for ex_id in exercises if ex_id in checked]
    missing = [p for p in (_module_problem(concept.module), _notebook_problem(root, notebook, concept.id),
                           _widget_problem(root, theme, notebook)) if p]
    if not exercises:
        missing.append(f"a registered exercise covering {concept.id}")
    if not graded:
        which = (f'check("ID", ...) for one of {", ".join(exercises)}' if exercises
                 else "check(...) on such an exercise")
        missing.append(f"a solutions notebook calling {which}")
    # The widget belongs to the theme's notebook; a concept with none of its own four pieces is planned.
    own = [p for p in missing if not p.startswith("an experiment widget")]
    status = "complete" if not missing else "planned" if len(own) == len(PIECES) - 1 else "partial"
    return {"id": concept.id, "title": concept.title, "theme": theme.id, "theme_title": theme.title,
            "module": concept.module, "notebook": notebook, "exercises": exercises,
            "status": status, "missing": missing}


def rows(root: Path | None = None, *, theme: str | None = None, registry: Mapping[str, Any] | None = None,
         concepts: Sequence[Concept] = CONCEPTS) -> list[dict[str, Any]]:
    """The concept map as dicts: id, title, theme, theme_title, module, notebook, exercises, status, missing.

    ``root`` defaults to :func:`repo_root`, ``registry`` to :func:`load_registry`; ``theme``
    (``T01`` or ``01``) keeps one theme.
    """
    root = Path(root) if root is not None else repo_root()
    registry = load_registry() if registry is None else registry
    if theme is not None:
        wanted = _theme_id(theme)
        concepts = [c for c in concepts if c.theme == wanted]
    checked = _solution_checks(root)
    return [_row(c, root, registry, checked) for c in concepts]


def _theme_id(theme: str) -> str:
    m = re.fullmatch(r"[Tt]?(\d{1,2})", theme.strip())
    wanted = f"T{int(m[1]):02d}" if m else theme
    if wanted not in THEMES:
        raise ConfigError(f"unknown theme {theme!r}; themes: {', '.join(THEMES)}")
    return wanted
