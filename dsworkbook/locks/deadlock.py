"""L06: ordered (hierarchical) locking - transfers that deadlock, and the global order that prevents it.

Theory of operation
-------------------
A transfer moves money from one account to another and must lock both. Each transaction is a
little program - lock its first account, lock its second, move the money, unlock both - and a
**step scheduler** runs several of them interleaved: at each step it picks one runnable
transaction (with a seeded ``random.Random``, or from a given script) and runs its next
instruction. A lock request on an account another transaction holds blocks the requester.

The **wait-for graph** has an edge ``T -> U`` when ``T`` waits for a lock ``U`` holds. A
deadlock is a cycle in it (Coffman, Elphick & Shoshani, "System Deadlocks", Computing Surveys
1971: mutual exclusion, hold-and-wait, no preemption and circular wait, all four needed);
:func:`find_deadlock` finds one with ``networkx.find_cycle`` and names the transactions on it.
When no transaction can run and some are unfinished, the run is stuck and the cycle is reported.

**Ordered locking** breaks circular wait: every transaction locks its accounts in one global
order (sorted by account id). A cycle ``T1 -> T2 -> ... -> T1`` would need each transaction to
hold an account smaller than one it waits for, all the way round the cycle - an account smaller
than itself. So with the order no run deadlocks, on any interleaving (Havender, "Avoiding
deadlock in multitasking systems", IBM Systems Journal 1968; Gray & Reuter, *Transaction
Processing*, §7.11 on lock ordering). :func:`deadlock_counts` measures it over many seeds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Sequence

import networkx as nx

from dsworkbook.errors import ConfigError, InvariantViolation

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["Transfer", "lock_order", "TransferRun", "run_transfers", "wait_for_graph", "find_deadlock",
           "random_transfers", "deadlock_counts", "two_transfers", "draw_wait_for"]


@dataclass(frozen=True, slots=True)
class Transfer:
    """Move ``amount`` from account ``src`` to account ``dst``; ``name`` names the transaction."""

    name: str
    src: str
    dst: str
    amount: int = 1

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ConfigError(f"a transfer needs a non-empty name, got {self.name!r}")
        if self.src == self.dst:
            raise ConfigError(f"transfer {self.name}: src and dst are both {self.src!r}; a transfer needs two "
                              "different accounts")
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount <= 0:
            raise ConfigError(f"transfer {self.name}: amount must be an int > 0, got {self.amount!r}")


def lock_order(transfer: Transfer, ordered: bool) -> tuple[str, str]:
    """The order ``transfer`` takes its locks: source first, or the global (sorted) order."""
    pair = (transfer.src, transfer.dst)
    return tuple(sorted(pair)) if ordered else pair  # type: ignore[return-value]


@dataclass
class TransferRun:
    """The end of a run: who finished, the cycle if it deadlocked, balances and the steps taken."""

    finished: list[str]
    deadlock: list[str] | None
    wait_for: nx.DiGraph
    balances: dict[str, int]
    steps: list[tuple[str, str, str]] = field(default_factory=list)  # (transaction, action, account)

    @property
    def deadlocked(self) -> bool:
        return self.deadlock is not None


def wait_for_graph(holders: dict[str, str], waiting: dict[str, str]) -> nx.DiGraph:
    """Edge ``T -> U`` (labelled with the account) when ``T`` waits for an account ``U`` holds."""
    graph = nx.DiGraph()
    graph.add_nodes_from(sorted(set(holders.values()) | set(waiting)))
    for txn, account in sorted(waiting.items()):
        holder = holders.get(account)
        if holder is not None and holder != txn:
            graph.add_edge(txn, holder, account=account)
    return graph


def find_deadlock(graph: nx.DiGraph) -> list[str] | None:
    """The transactions on a cycle of the wait-for graph, in wait order, or None if there is none."""
    try:
        edges = nx.find_cycle(graph, source=sorted(graph.nodes), orientation="original")
    except nx.NetworkXNoCycle:
        return None
    return [u for u, _v, *_ in edges]


def _check(transfers: Sequence[Transfer], balances: dict[str, int] | None) -> dict[str, int]:
    if not transfers:
        raise ConfigError("give at least one transfer")
    names = [t.name for t in transfers]
    if len(set(names)) != len(names):
        raise ConfigError(f"transaction names must be unique, got {names}")
    accounts = sorted({a for t in transfers for a in (t.src, t.dst)})
    if balances is None:
        return {a: 100 for a in accounts}
    missing = [a for a in accounts if a not in balances]
    if missing:
        raise ConfigError(f"accounts {missing} have no balance; add them to balances")
    return dict(balances)


def run_transfers(transfers: Sequence[Transfer], *, ordered: bool, seed: int = 0,
                  script: Iterable[str] | None = None, balances: dict[str, int] | None = None) -> TransferRun:
    """Interleave ``transfers`` step by step until all finish or no one can move (a deadlock).

    Each step runs one instruction of one runnable transaction, chosen by ``script`` (a list of
    transaction names; a blocked or finished name is skipped) while it lasts, then by a
    ``random.Random(seed)``. Money is conserved on every step (checked).
    """
    balances = _check(transfers, balances)
    total = sum(balances.values())
    by_name = {t.name: t for t in transfers}
    pc = {t.name: 0 for t in transfers}  # 0, 1: lock first/second; 2: move; 3: unlock; 4: done
    holders: dict[str, str] = {}
    waiting: dict[str, str] = {}
    run = TransferRun([], None, nx.DiGraph(), balances)
    rng = random.Random(seed)
    queue = list(script or ())

    def runnable(name: str) -> bool:
        if pc[name] >= 4:
            return False
        if pc[name] < 2:
            holder = holders.get(lock_order(by_name[name], ordered)[pc[name]])
            return holder is None or holder == name
        return True

    while True:
        ready = [n for n in by_name if runnable(n)]
        for n in by_name:  # who is blocked, and on what
            if pc[n] < 2 and not runnable(n):
                waiting[n] = lock_order(by_name[n], ordered)[pc[n]]
            else:
                waiting.pop(n, None)
        if not ready:
            break
        while queue and queue[0] not in ready:
            queue.pop(0)
        name = queue.pop(0) if queue else rng.choice(ready)
        _step(run, by_name[name], pc, holders, ordered)
        if sum(run.balances.values()) != total:
            raise InvariantViolation(f"money not conserved after {run.steps[-1]}", seed=seed)
    run.wait_for = wait_for_graph(holders, waiting)
    run.deadlock = find_deadlock(run.wait_for)
    unfinished = [n for n in by_name if pc[n] < 4]
    if unfinished and run.deadlock is None:
        raise InvariantViolation(f"{unfinished} are stuck without a cycle in the wait-for graph", seed=seed)
    return run


def _step(run: TransferRun, t: Transfer, pc: dict[str, int], holders: dict[str, str], ordered: bool) -> None:
    first, second = lock_order(t, ordered)
    k = pc[t.name]
    if k < 2:
        account = (first, second)[k]
        if holders.get(account) not in (None, t.name):
            raise InvariantViolation(f"{t.name} took {account}, which {holders[account]} holds")
        holders[account] = t.name
        run.steps.append((t.name, "lock", account))
    elif k == 2:
        run.balances[t.src] -= t.amount
        run.balances[t.dst] += t.amount
        run.steps.append((t.name, "move", f"{t.src}->{t.dst}"))
    else:
        for account in (second, first):
            del holders[account]
        run.steps.append((t.name, "unlock", f"{first},{second}"))
        run.finished.append(t.name)
    pc[t.name] = k + 1


def two_transfers(*, ordered: bool) -> TransferRun:
    """T1 pays A->B while T2 pays B->A, interleaved lock by lock: T1 locks its first, T2 its first...

    Without the order, T1 holds A and waits for B while T2 holds B and waits for A: the cycle
    T1 -> T2 -> T1. With it, both start with A; T2 waits and T1 finishes.
    """
    transfers = [Transfer("T1", "A", "B", 10), Transfer("T2", "B", "A", 20)]
    return run_transfers(transfers, ordered=ordered, script=["T1", "T2", "T1", "T2"])


def random_transfers(n: int, accounts: int, seed: int) -> list[Transfer]:
    """``n`` transfers ``T1..Tn`` between two distinct accounts of ``a0..a{accounts-1}``, drawn from ``seed``."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ConfigError(f"n must be an int >= 1 transfers, got {n!r}")
    if isinstance(accounts, bool) or not isinstance(accounts, int) or accounts < 2:
        raise ConfigError(f"accounts must be an int >= 2 (a transfer needs two), got {accounts!r}")
    rng = random.Random(seed)
    names = [f"a{i}" for i in range(accounts)]
    out = []
    for i in range(1, n + 1):
        src, dst = rng.sample(names, 2)
        out.append(Transfer(f"T{i}", src, dst, rng.randint(1, 10)))
    return out


def deadlock_counts(seeds: Iterable[int], *, transfers: int = 4, accounts: int = 4) -> dict[str, int]:
    """Over random workloads and interleavings (one per seed): runs that deadlocked, without and with the order."""
    counts = {"runs": 0, "unordered": 0, "ordered": 0}
    for seed in seeds:
        work = random_transfers(transfers, accounts, seed)
        counts["runs"] += 1
        counts["unordered"] += run_transfers(work, ordered=False, seed=seed).deadlocked
        counts["ordered"] += run_transfers(work, ordered=True, seed=seed).deadlocked
    return counts


def draw_wait_for(run_or_graph: TransferRun | nx.DiGraph, *, title: str | None = None) -> "Figure":
    """Draw the wait-for graph (the deadlock cycle in red, edges labelled with the account); returns the Figure."""
    from matplotlib.figure import Figure

    graph = run_or_graph.wait_for if isinstance(run_or_graph, TransferRun) else run_or_graph
    if not isinstance(graph, nx.DiGraph):
        raise ConfigError(f"draw_wait_for needs a TransferRun or an nx.DiGraph, got {type(run_or_graph).__name__}")
    cycle = find_deadlock(graph) or []
    on_cycle = {(u, v) for u, v in zip(cycle, cycle[1:] + cycle[:1])}
    fig = Figure(figsize=(4.5, 4))
    ax = fig.add_subplot()
    pos = nx.circular_layout(graph) if len(graph) else {}
    colors = ["tab:red" if e in on_cycle else "gray" for e in graph.edges]
    nx.draw_networkx(graph, pos, ax=ax, node_color=["#f4cccc" if n in cycle else "#d9e8f5" for n in graph.nodes],
                     edge_color=colors, node_size=900, arrows=True, arrowsize=18, connectionstyle="arc3,rad=0.15")
    nx.draw_networkx_edge_labels(graph, pos, ax=ax, edge_labels=nx.get_edge_attributes(graph, "account"),
                                 connectionstyle="arc3,rad=0.15")
    ax.set_title(title or ("deadlock: " + " -> ".join(cycle + cycle[:1]) if cycle else "no cycle: no deadlock"))
    ax.set_axis_off()
    return fig
