"""Commit rules on trial: a leader's rule for advancing its commit index, judged by runs that break it.

Theory of operation
-------------------
A *commit rule* is a function ``rule(matches, term_at, current_term, commit_index) -> int``:
``matches`` holds one match index per server (the leader's own last index included),
``term_at(i)`` the term of the leader's entry ``i`` (0 for index 0), and the result is the new
commit index. :func:`~dsworkbook.consensus.raft.replication.majority_commit_index` is Raft's
(§5.3, §5.4.2); :func:`rule_node` makes a :class:`~dsworkbook.consensus.raft.node.RaftNode`
whose leaders use any rule instead, so a rule can be put on trial.

:data:`CANDIDATES` are the rules people write first, each wrong in its own way, and
:data:`TRIALS` the runs that tell them apart: Figure 8 as the paper draws it (§5.4.2), Figure 8
with every new leader's no-op (§8), a cluster with two of five servers down for good, and the
fuzz campaign's 5- and 7-server clusters under heavy faults. :func:`commit_trials` runs a rule
through every trial and says, per trial, whether the five safety properties held
(:mod:`dsworkbook.consensus.raft_invariants`) and whether every client command was committed
(progress: a rule that never commits is safe, and useless).

The paper's own remark bounds what else is safe: an entry of an earlier term may also be
counted as committed once it is stored on *every* server (§5.4.2: "there are some situations
where a leader could safely conclude that an older log entry is committed (for example, if that
entry is stored on every server), but Raft takes a more conservative approach for simplicity").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Sequence

from dsworkbook.consensus.raft.cluster import server_ids
from dsworkbook.consensus.raft.node import RaftNode

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from dsworkbook.sim import Simulation

__all__ = ["CommitRule", "rule_node", "CANDIDATES", "TRIALS", "commit_trials", "run_trial"]

CommitRule = Callable[[Sequence[int], Callable[[int], "int | None"], int, int], int]


def rule_node(rule: CommitRule) -> type[RaftNode]:
    """A RaftNode whose leader advances its commit index with ``rule`` (its own last index first in matches)."""

    class WithThisCommitRule(RaftNode):
        def advance_commit_index(self) -> None:
            matches = [self.log.last_index, *(self.match_index[p] for p in self.peers)]
            new = rule(matches, self.log.term_at, self.current_term, self.commit_index)
            if new > self.commit_index:
                self.commit_to(new)

    WithThisCommitRule.__name__ = f"RaftWith_{getattr(rule, '__name__', 'rule')}"
    return WithThisCommitRule


# -- the rules people write first -----------------------------------------------------------------


def count_replicas(matches: Sequence[int], term_at: Callable[[int], int | None], current_term: int,
                   commit_index: int) -> int:
    """(A) The highest index stored on a majority, whatever the term of its entry."""
    n = sorted(matches, reverse=True)[len(matches) // 2]
    return max(n, commit_index)


def last_entry_term(matches: Sequence[int], term_at: Callable[[int], int | None], current_term: int,
                    commit_index: int) -> int:
    """(B) The highest index stored on a majority, once the leader's own last entry is of its term."""
    n = sorted(matches, reverse=True)[len(matches) // 2]
    return max(n, commit_index) if term_at(max(matches)) == current_term else commit_index


def every_server(matches: Sequence[int], term_at: Callable[[int], int | None], current_term: int,
                 commit_index: int) -> int:
    """(C) The highest index stored on every server, if its entry is of the current term."""
    n = min(matches)
    return n if n > commit_index and term_at(n) == current_term else commit_index


def half_the_servers(matches: Sequence[int], term_at: Callable[[int], int | None], current_term: int,
                     commit_index: int) -> int:
    """(D) The highest index stored on half the servers (rounded down), if its entry is of the current term."""
    ranked = sorted(matches, reverse=True)
    n = ranked[max(len(matches) // 2 - 1, 0)]
    return n if n > commit_index and term_at(n) == current_term else commit_index


#: letter -> (what the rule says, the rule)
CANDIDATES: dict[str, tuple[str, CommitRule]] = {
    "A": ("count replicas: the highest index stored on a majority, whatever its term", count_replicas),
    "B": ("the same, but only while the leader's last entry is of its current term", last_entry_term),
    "C": ("the highest index stored on every server, if of the current term", every_server),
    "D": ("the highest index stored on half the servers (rounded down), if of the current term", half_the_servers),
}


# -- the trials ---------------------------------------------------------------------------------------


def _figure8(cls: type[RaftNode]) -> "Simulation":
    from dsworkbook.consensus.raft.scenarios import figure8

    return figure8(node_class=cls)


def _figure8_noop(cls: type[RaftNode]) -> "Simulation":
    from dsworkbook.consensus.raft.scenarios import figure8

    return figure8(noop=True, node_class=cls)


def _two_down(cls: type[RaftNode]) -> "Simulation":
    from dsworkbook.consensus.fuzzing import raft_config
    from dsworkbook.consensus.raft_kv import kv_sim

    sim = kv_sim(21, clients=3, ops=10, config=raft_config(), client_timeout=100.0, think=10.0, node_class=cls)
    sim.at(0.0, sim.crash, "n4")
    sim.at(0.0, sim.crash, "n5")
    sim.run(until=3000.0)
    return sim


def _fuzz(servers: int, seed: int) -> Callable[[type[RaftNode]], "Simulation"]:
    def run(cls: type[RaftNode]) -> "Simulation":
        from dsworkbook.consensus.fuzzing import raft_run, raft_schedule

        return raft_run(seed, raft_schedule(seed, server_ids(servers)), node_class=cls, servers=servers)

    return run


#: name -> (what happens, how to run it with a node class, whether every client command must commit)
TRIALS: dict[str, tuple[str, Callable[[type[RaftNode]], "Simulation"], bool]] = {
    "Figure 8": ("§5.4.2's story: an entry of term 2 reaches a majority under the leader of term 4, which crashes; "
                 "the leader of term 5 overwrites it (figure8())", _figure8, False),
    "Figure 8 with no-ops": ("the same story with every new leader's no-op (§8): the old entry reaches a majority "
                             "while the leader's own no-op is on a minority (figure8(noop=True))", _figure8_noop,
                             False),
    "two of five down": ("5 servers, n4 and n5 crashed for good at t=0; 3 clients, 10 commands each, 3 s (seed 21)",
                         _two_down, True),
    "fuzz, 5 servers": ("the fuzz campaign's cluster, seed 13: 4 s of heavy faults, then 1.5 s to recover",
                        _fuzz(5, 13), True),
    "fuzz, 7 servers": ("the same with 7 servers, seed 13", _fuzz(7, 13), True),
}


def run_trial(name: str, rule: CommitRule) -> tuple["Simulation", str]:
    """Run trial ``name`` with leaders using ``rule``; (the run, a one-line verdict)."""
    from dsworkbook.consensus.raft_invariants import check_safety

    _what, build, must_progress = TRIALS[name]
    sim = build(rule_node(rule))
    report = check_safety(sim)
    if not report.ok:
        v = report.violations[0]
        return sim, f"UNSAFE - {v.property} broke at t={v.time:.0f} ms"
    if must_progress:
        clients = [sim.node(n) for n in sim.node_ids if n.startswith("c")]
        total = sum(len(c.ops) for c in clients)
        if not all(c.done for c in clients):
            return sim, f"STUCK - {sim.history.counts()['ok']} of {total} commands committed"
    return sim, "ok"


def commit_trials(rule: CommitRule, trials: Sequence[str] | None = None) -> "pd.DataFrame":
    """One row per trial (all of :data:`TRIALS` by default): what it is and how ``rule`` fared."""
    import pandas as pd

    rows = []
    for name in trials if trials is not None else TRIALS:
        _sim, verdict = run_trial(name, rule)
        rows.append({"trial": name, "what happens": TRIALS[name][0], "verdict": verdict})
    return pd.DataFrame(rows)
