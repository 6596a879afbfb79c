"""Scripted scenarios: a director node that makes chosen things happen at chosen times, and Figure 8.

Theory of operation
-------------------
Random timeouts decide who campaigns in a normal run. A famous situation needs them decided
by hand: a :class:`Director` is a node that sends scripted messages at scripted times -
:class:`~dsworkbook.consensus.raft.messages.TimeoutNow` to make a server campaign, a client
``Request`` to hand a leader a command - while the script's faults (crashes, one-way cuts) run
as ordinary scheduled calls. With election timeouts far longer than the script, nothing else
happens: the run is the story, the same every time.

:func:`figure8` plays Figure 8 of the paper (§5.4.2): an entry of term 2 reaches a majority
under the leader of term 4 and is then overwritten by the leader of term 5. Correct Raft never
counted it as committed, so nothing is lost; ``variant="commit_old_term_by_count"`` commits it
by counting and the safety checker reports the broken Leader Completeness. With
``current_term_entry=True`` the leader of term 4 also replicates an entry of its own term
before it crashes - panel (e) of the figure - and the server with the term 3 entry can no
longer win.
"""

from __future__ import annotations

from typing import Any, Sequence

from dsworkbook.consensus.raft.cluster import server_ids
from dsworkbook.consensus.raft.config import RaftConfig
from dsworkbook.consensus.raft.messages import Command, TimeoutNow
from dsworkbook.consensus.raft.node import RaftNode
from dsworkbook.sim import DOWN, Constant, FaultSchedule, Node, Request, Simulation

__all__ = ["Director", "figure8", "FIGURE8_STEPS", "crash_leader", "restart_crashed", "isolate_leader", "heal",
           "ACTIONS", "SCENARIOS", "scenario_sim", "election_experiment"]


class Director(Node):
    """Sends ``script`` entries ``(time, dst, msg)`` at those (true = its own, unskewed) times."""

    def __init__(self, node_id: str, *, script: Sequence[tuple[float, str, Any]]) -> None:
        super().__init__(node_id)
        self.script = sorted(script, key=lambda s: s[0])

    def on_start(self) -> None:
        for i, (t, _dst, _msg) in enumerate(self.script):
            self.set_timer(i, t)

    def on_timer(self, name: Any) -> None:
        _t, dst, msg = self.script[name]
        self.send(dst, msg)


def _command(seq: int, value: str) -> Request:
    return Request(seq, "put", Command("ctl", seq, "put", "x", value))


#: The story of Figure 8, one line per panel, with the script times (ms) that play it.
FIGURE8_STEPS = (
    "t=0-100: n2 is elected (term 1); entry 1 ('a', term 1) reaches every server and commits",
    "(a) t=200-320: n1 is re-elected in term 2; its links to n3-n5 are cut; entry 2 ('b', term 2) reaches n2 only",
    "(b) t=400-520: n1 crashes; n5 is elected in term 3 by n3, n4; cut off, it appends entry 2 ('c', term 3) alone",
    "(c) t=550-700: n5 crashes; n1 restarts, is elected in term 4 and copies entry 2 ('b', term 2) to n3: a majority",
    "(d) t=760-950: n1 crashes; n5 restarts and is elected in term 5 by n2, n3, n4; it overwrites entry 2 with 'c'",
)


def figure8(variant: str = "correct", *, current_term_entry: bool = False, seed: int = 8,
            node_class: type[RaftNode] = RaftNode) -> Simulation:
    """Play Figure 8 (see the module docstring) and return the finished simulation."""
    config = RaftConfig(election_timeout=(10_000.0, 20_000.0), heartbeat=30.0, noop_on_election=False,
                        variant=variant)
    sim = Simulation(seed, latency=Constant(4.0))
    members = server_ids(5)
    for n in members:
        sim.add_node(n, node_class, members=members, config=config)
    script: list[tuple[float, str, Any]] = [
        (0, "n2", TimeoutNow()), (50, "n2", _command(1, "a")),
        (200, "n1", TimeoutNow()), (300, "n1", _command(2, "b")),
        (450, "n5", TimeoutNow()), (500, "n5", _command(3, "c")),
        (600, "n1", TimeoutNow()), (640, "n1", TimeoutNow()),
        (800, "n5", TimeoutNow()), (840, "n5", TimeoutNow()), (900, "n5", _command(4, "d")),
    ]
    if current_term_entry:
        script.append((670, "n1", _command(5, "e")))
    sim.add_node("ctl", Director, script=script)
    cut = lambda src, dsts: [sim.net.cut(src, d) for d in dsts]  # noqa: E731
    restore = lambda src, dsts: [sim.net.restore(src, d) for d in dsts]  # noqa: E731
    sim.at(280, cut, "n1", ["n3", "n4", "n5"])
    sim.at(400, sim.crash, "n1")
    sim.at(410, restore, "n1", ["n3", "n4", "n5"])
    sim.at(490, cut, "n5", ["n1", "n2", "n3", "n4"])
    sim.at(550, sim.crash, "n5")
    sim.at(560, restore, "n5", ["n1", "n2", "n3", "n4"])
    sim.at(570, sim.restart, "n1")
    sim.at(600 + 160, sim.crash, "n1")
    sim.at(780, sim.restart, "n5")
    sim.run(until=1200)
    return sim


# -- actions that name no server in advance: they act on whoever leads when they run ----------------


def _leader(sim: Simulation) -> str | None:
    best = None
    for n in sim.node_ids:
        if n.startswith("n") and sim.status(n) != DOWN:
            node = sim.node(n)
            if node.is_leader and (best is None or node.current_term > best.current_term):
                best = node
    return best.id if best is not None else None


def crash_leader(sim: Simulation) -> None:
    """Crash the server that leads (the one with the highest term, if two think they do)."""
    leader = _leader(sim)
    if leader is not None:
        sim.crash(leader)


def restart_crashed(sim: Simulation) -> None:
    for n in sim.node_ids:
        if n.startswith("n") and sim.status(n) == DOWN:
            sim.restart(n)


def isolate_leader(sim: Simulation) -> None:
    """Cut the leader off from everyone (a partition of one)."""
    leader = _leader(sim)
    if leader is not None:
        sim.net.partition([leader])


def heal(sim: Simulation) -> None:
    sim.net.heal()


#: What the cluster widget's buttons do, at the moment on its time slider.
ACTIONS = {"crash leader": crash_leader, "restart crashed": restart_crashed, "isolate leader": isolate_leader,
           "heal": heal}

#: name -> a one-line description; :func:`scenario_sim` builds them.
SCENARIOS = {
    "calm": "three clients, no faults",
    "leader crash": "the leader crashes at 600 ms and restarts at 1300 ms",
    "leader isolated": "the leader is cut off at 600 ms; the network heals at 1300 ms",
    "random faults": "a random fault schedule drawn from the seed (crashes, partitions, loss...)",
    "figure 8": "the story of Figure 8, scripted (see figure8)",
}


def scenario_sim(name: str, seed: int, *, variant: str = "correct", clients: int = 3,
                 actions: Sequence[tuple[float, str]] = (), until: float = 2000.0) -> Simulation:
    """Build and run scenario ``name`` with ``actions`` - (time, name in :data:`ACTIONS`) - added."""
    from dsworkbook.consensus.raft_kv import kv_sim
    from dsworkbook.errors import ConfigError

    if name not in SCENARIOS:
        raise ConfigError(f"unknown scenario {name!r}; choose one of {list(SCENARIOS)}")
    bad = [a for _, a in actions if a not in ACTIONS]
    if bad:
        raise ConfigError(f"unknown action(s) {bad}; choose from {list(ACTIONS)}")
    if name == "figure 8":
        return figure8(variant)  # scripted to the millisecond: actions would spoil the story
    sim = kv_sim(seed, clients=clients, ops=40, config=RaftConfig(variant=variant), think=20.0)
    if name == "leader crash":
        sim.at(600, crash_leader, sim)
        sim.at(1300, restart_crashed, sim)
    elif name == "leader isolated":
        sim.at(600, isolate_leader, sim)
        sim.at(1300, heal, sim)
    elif name == "random faults":
        FaultSchedule.random(seed, server_ids(5), duration=until * 0.8).apply_to(sim)
    for t, action in sorted(actions):
        sim.at(t, ACTIONS[action], sim)
    sim.run(until=until)
    return sim


def election_experiment(logs: dict[str, Sequence[int]], *, seed: int = 1) -> "Any":
    """Who can win? For each server, a run in which it alone times out, with the given logs (terms).

    Returns a table: candidate, its last (term, index), who granted it a vote, and whether it won.
    Every server starts at the highest term in the logs; timeouts are too long for anyone else
    to campaign, so each row is one candidate's election and nothing else.
    """
    import pandas as pd

    from dsworkbook.consensus.raft.harness import entries

    names = sorted(logs)
    term = max((t for log in logs.values() for t in log), default=0)
    rows = []
    for candidate in names:
        initial = {n: {"term": term, "log": entries(*logs[n])} for n in names}
        sim = Simulation(seed, latency=Constant(3.0))
        config = RaftConfig(election_timeout=(10_000.0, 20_000.0), heartbeat=50.0, noop_on_election=False)
        for n in names:
            sim.add_node(n, RaftNode, members=names, config=config, initial=initial[n])
        sim.add_node("ctl", Director, script=[(1.0, candidate, TimeoutNow())])
        sim.run(until=100)
        votes = sorted(r.node for r in sim.trace.notes(key="vote") if r.detail["vote"] == candidate)
        log = logs[candidate]
        rows.append({"candidate": candidate, "last term": log[-1] if log else 0, "last index": len(log),
                     "votes from": ", ".join(votes), "won": sim.node(candidate).is_leader})
    return pd.DataFrame(rows).set_index("candidate")
