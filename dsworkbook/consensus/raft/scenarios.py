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
longer win. ``noop=True`` plays the same story with every new leader appending its no-op
(§8), as real deployments do (:data:`FIGURE8_NOOP_STEPS`): the old-term entry reaches a
majority while the new leader's own last entry - its no-op - is of the current term but on a
minority, so a commit rule that checks only the term of the leader's *last* entry is caught
too.

:func:`figure7` gives a new leader of term 8 the log of Figure 7 and one follower one of the
figure's logs (a)-(f), and :func:`backoff_table` counts, for each back-off rule of
``RaftConfig.backoff``, the AppendEntries round trips the leader needs before that follower
accepts (§5.3).
"""

from __future__ import annotations

from typing import Any, Sequence

from dsworkbook.consensus.raft.cluster import server_ids
from dsworkbook.consensus.raft.config import RaftConfig
from dsworkbook.consensus.raft.messages import Command, TimeoutNow
from dsworkbook.consensus.raft.node import RaftNode
from dsworkbook.sim import DOWN, Constant, FaultSchedule, Node, Request, Simulation

__all__ = ["Director", "figure8", "FIGURE8_STEPS", "FIGURE8_NOOP_STEPS", "FIGURE7", "figure7", "backoff_table",
           "crash_leader", "restart_crashed", "isolate_leader", "heal", "ACTIONS", "SCENARIOS", "scenario_sim",
           "election_experiment"]


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


#: Figure 8 with every new leader appending its no-op (``figure8(noop=True)``), one line per step.
FIGURE8_NOOP_STEPS = (
    "t=0-120: n1 is elected (term 1; its no-op, entry 1, reaches every server); cut off from n3-n5, it appends "
    "entry 2 ('b', term 1), which reaches n2 only",
    "t=200-250: n1 crashes; n5 is elected in term 2 by n3, n4 and appends its no-op as entry 2 (term 2); cut off, "
    "it keeps it alone, then crashes",
    "t=260-330: n1 restarts and is elected in term 3 by n2, n3 (its link to n4 is cut); its no-op, entry 3 "
    "(term 3), reaches n2; it copies entry 2 ('b', term 1) to n3 - now on a majority: n1, n2, n3 - and crashes "
    "before its no-op reaches n3",
    "t=380-520: n5 restarts and is elected in term 4 by n3, n4 (its last term, 2, beats their 1); it overwrites "
    "entry 2 on every server",
)


def figure8(variant: str = "correct", *, current_term_entry: bool = False, noop: bool = False, seed: int = 8,
            node_class: type[RaftNode] = RaftNode) -> Simulation:
    """Play Figure 8 (see the module docstring) and return the finished simulation."""
    if noop:
        return _figure8_noop(variant, seed, node_class)
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


def _figure8_noop(variant: str, seed: int, node_class: type[RaftNode]) -> Simulation:
    """The story of :data:`FIGURE8_NOOP_STEPS`, timed to the millisecond (4 ms links)."""
    config = RaftConfig(election_timeout=(10_000.0, 20_000.0), heartbeat=30.0, noop_on_election=True,
                        variant=variant)
    sim = Simulation(seed, latency=Constant(4.0))
    members = server_ids(5)
    for n in members:
        sim.add_node(n, node_class, members=members, config=config)
    script: list[tuple[float, str, Any]] = [
        (0, "n1", TimeoutNow()), (110, "n1", _command(1, "b")),
        (220, "n5", TimeoutNow()),
        (270, "n1", TimeoutNow()), (300, "n1", TimeoutNow()),
        (400, "n5", TimeoutNow()), (440, "n5", TimeoutNow()), (500, "n5", _command(2, "d")),
    ]
    sim.add_node("ctl", Director, script=script)
    cut = lambda src, dsts: [sim.net.cut(src, d) for d in dsts]  # noqa: E731
    restore = lambda src, dsts: [sim.net.restore(src, d) for d in dsts]  # noqa: E731
    sim.at(100, cut, "n1", ["n3", "n4", "n5"])
    sim.at(200, sim.crash, "n1")
    sim.at(205, restore, "n1", ["n3", "n4", "n5"])
    sim.at(233, cut, "n5", ["n1", "n2", "n3", "n4"])  # n5's no-op, just sent, is lost
    sim.at(250, sim.crash, "n5")
    sim.at(255, restore, "n5", ["n1", "n2", "n3", "n4"])
    sim.at(260, sim.restart, "n1")
    sim.at(290, cut, "n1", ["n4"])
    sim.at(329, cut, "n1", ["n3"])  # n3 acknowledged entry 2 at t=328; the no-op sent then is lost
    sim.at(330, sim.crash, "n1")
    sim.at(335, restore, "n1", ["n3", "n4"])
    sim.at(380, sim.restart, "n5")
    sim.run(until=700)
    return sim


#: Figure 7: the log of the leader of term 8 (before its no-op) and of followers (a)-(f), as terms.
FIGURE7: dict[str, tuple[int, ...]] = {
    "leader": (1, 1, 1, 4, 4, 5, 5, 6, 6, 6),
    "a": (1, 1, 1, 4, 4, 5, 5, 6, 6),
    "b": (1, 1, 1, 4),
    "c": (1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6),
    "d": (1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7),
    "e": (1, 1, 1, 4, 4, 4, 4),
    "f": (1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3),
}


def figure7(follower: str, *, backoff: str = "length", seed: int = 7, max_batch: int = 1,
            node_class: type[RaftNode] = RaftNode, until: float = 400.0) -> Simulation:
    """Three servers: n1 and n3 hold the leader's log of Figure 7, n2 follower ``follower``'s; n1 is elected in term 8.

    Links take 2 ms each way. Returns the finished simulation (``until`` ms).
    """
    from dsworkbook.consensus.raft.cluster import raft_sim
    from dsworkbook.consensus.raft.harness import entries
    from dsworkbook.errors import ConfigError

    if follower not in FIGURE7 or follower == "leader":
        raise ConfigError(f"follower must be one of a-f (Figure 7), got {follower!r}")
    initial = {"n1": {"term": 7, "log": entries(*FIGURE7["leader"])},
               "n2": {"term": 7, "log": entries(*FIGURE7[follower])},
               "n3": {"term": 7, "log": entries(*FIGURE7["leader"])}}
    sim = raft_sim(seed, servers=3, initial=initial, latency=(2, 2), node_class=node_class,
                   config=RaftConfig(election_timeout=(1000, 2000), backoff=backoff, max_batch=max_batch))
    sim.add_node("ctl", Director, script=[(1, "n1", TimeoutNow())])
    sim.run(until=until)
    return sim


def _refusals_before_accept(sim: Simulation, leader: str = "n1", follower: str = "n2") -> tuple[int, int, float]:
    """(refused AppendEntries, AppendEntries sent up to the first accepted one, when it was accepted)."""
    from dsworkbook.consensus.raft.messages import AppendEntries, AppendEntriesReply

    refused = sent = 0
    for r in sim.trace.records:
        t, kind, node, peer, _mid, msg = r
        if kind == "send" and node == leader and peer == follower and type(msg) is AppendEntries:
            sent += 1
        elif kind == "deliver" and node == leader and peer == follower and type(msg) is AppendEntriesReply:
            if not msg.success:
                refused += 1
            else:
                return refused, sent, t
    return refused, sent, float("nan")


def backoff_table(follower: str = "f", *, seed: int = 7) -> "Any":
    """For each back-off rule of ``RaftConfig.backoff``: round trips until Figure 7's ``follower`` accepts.

    One row per rule: where it comes from, the AppendEntries the follower refused, the
    requests sent up to the first one it accepted, when that was (ms after the start; links
    take 2 ms), and the follower's log at the end (the same for every rule).
    """
    import pandas as pd

    from dsworkbook.consensus.raft.cluster import log_terms
    from dsworkbook.consensus.raft.config import BACKOFFS

    rows = []
    for rule in BACKOFFS:
        sim = figure7(follower, backoff=rule, seed=seed)
        refused, sent, when = _refusals_before_accept(sim)
        rows.append({"backoff": rule, "from": BACKOFFS[rule], "refused": refused,
                     "round trips to the first accept": refused + 1, "accepted at (ms)": when,
                     "follower's log after": log_terms(sim.node("n2"))})
    return pd.DataFrame(rows)


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
