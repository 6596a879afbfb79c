"""Independent random streams, torn handlers and faults recorded as data.

* Every node and every directed link draws from its own stream derived from the seed, so what
  one node or link does never shifts another's draws (that is what lets a schedule shrink).
* A crash can fall inside a handler, after its first k effects: a crash between a Persist and
  a Send.
* Every fault is a record (kind, nodes, start, end) that diagrams read, never trace text.
"""

from __future__ import annotations

import random

import pytest

from dsworkbook.errors import ConfigError, NodeStateError
from dsworkbook.sim import Crash, FaultSchedule, Node, Restart, Simulation


class Ticker(Node):
    """Draws a random delay from its own stream on every tick and pings a peer."""

    def on_start(self):
        self.draws = []
        self.set_timer("tick", self.rng.uniform(1, 5))

    def on_timer(self, name):
        self.draws.append(self.rng.random())
        self.send(self.peers[0], ("ping", len(self.draws)))
        self.set_timer("tick", self.rng.uniform(1, 5))

    def on_message(self, src, msg):
        pass


def _draws(seed: int, crash_b: bool) -> list[float]:
    sim = Simulation(seed=seed)
    sim.add_node("a", Ticker)
    sim.add_node("b", Ticker)
    if crash_b:
        sim.at(20, sim.crash, "b")
    sim.run(until=200)
    return sim.node("a").draws


def test_what_one_node_does_never_shifts_another_nodes_draws():
    # b crashing (and so drawing nothing more) leaves every one of a's draws exactly as it was
    assert _draws(3, crash_b=False) == _draws(3, crash_b=True)


def test_streams_are_named_derived_from_the_seed_and_the_same_in_every_run():
    a, b = Simulation(seed=5), Simulation(seed=5)
    assert a.stream("node/x").random() == b.stream("node/x").random()
    assert Simulation(seed=6).stream("node/x").random() != Simulation(seed=5).stream("node/x").random()
    assert a.stream("node/y") is a.stream("node/y") and a.stream("node/y") is not a.stream("node/z")
    # derived from a string, hashed with SHA-512 by random.Random: no per-process salt involved
    assert a.stream("link/p->q").random() == random.Random("dsworkbook:5:link/p->q").random()
    with pytest.raises(ConfigError, match="stream name"):
        a.stream("")


def test_each_directed_link_draws_its_delays_from_its_own_stream():
    def arrivals(extra_traffic: bool) -> list[float]:
        sim = Simulation(seed=8, latency=(1, 50))

        class Sender(Node):
            def on_start(self):
                for i in range(5):
                    self.send("b", ("m", i))
                if extra_traffic:
                    for i in range(20):
                        self.send("c", ("other", i))

        sim.add_node("a", Sender)
        sim.add_node("b", Node)
        sim.add_node("c", Node)
        sim.run(until=500)
        return [r.time for r in sim.trace.of_kind("deliver") if r.node == "b"]

    assert arrivals(False) == arrivals(True)


class Writer(Node):
    """On a request: persist, then reply - the order "persist before you reply" asks for."""

    def on_message(self, src, msg):
        self.persist(value=msg)
        self.send(src, ("ack", msg))
        self.note(done=msg)


class Asker(Node):
    def on_start(self):
        self.send("w", "x")

    def on_message(self, src, msg):
        self.got = msg


@pytest.mark.parametrize("after, stored, acked", [
    (0, False, False),   # nothing of the handler happened
    (1, True, False),    # persisted, crashed before the reply
    (2, True, True),     # replied too, crashed before the note
    (9, True, True),     # more than it has: the whole handler, then the crash
])
def test_a_torn_handler_keeps_only_its_first_effects_then_the_node_crashes(after, stored, acked):
    sim = Simulation(seed=1)
    sim.add_node("w", Writer)
    sim.add_node("c", Asker)
    sim.crash_within("w", after)
    sim.run(until=100)
    assert sim.status("w") == "down"
    assert ("value" in sim.storage("w")) is stored
    assert hasattr(sim.node("c"), "got") is acked
    [rec] = sim.trace.fault_periods("crash")
    assert rec.nodes == ("w",) and rec.end is None and rec.detail == ("torn", min(after, 3), 3)
    assert any(r.detail == f"crash after {min(after, 3)} of 3 effects" for r in sim.trace.of_kind("fault"))


def test_crash_within_refuses_bad_arguments_and_a_down_node():
    sim = Simulation(seed=1)
    sim.add_node("w", Writer)
    with pytest.raises(ConfigError, match="after must be"):
        sim.crash_within("w", -1)
    sim.run(until=1)
    sim.crash("w")
    with pytest.raises(NodeStateError, match="down"):
        sim.crash_within("w", 1)


def test_a_torn_crash_is_a_fault_in_a_schedule_that_shrinks_to_a_clean_crash():
    torn = Crash(5.0, "w", after=1)
    assert torn.describe() == "t=5: crash(node='w', after=1)"
    assert Crash(5.0, "w").describe() == "t=5: crash(node='w')"
    assert torn.milder() == [Crash(5.0, "w")]
    with pytest.raises(ConfigError, match="Crash.after"):
        Crash(1.0, "w", after=-2)
    sim = Simulation(seed=1)
    sim.add_node("w", Writer)
    sim.add_node("c", Asker)
    FaultSchedule([torn, Restart(50.0, "w")]).apply_to(sim)
    sim.run(until=100)
    assert sim.status("w") == "up" and "value" in sim.storage("w")


def test_random_schedules_tear_some_crashes_and_cut_clients_off_too():
    nodes, clients = ["n1", "n2", "n3", "n4", "n5"], ["c1", "c2"]
    torn = with_clients = 0
    for seed in range(60):
        sched = FaultSchedule.random(seed, nodes, duration=5000, faults=8, clients=clients)
        torn += sum(isinstance(f, Crash) and f.after is not None for f in sched)
        with_clients += any(set(f.nodes()) & set(clients) for f in sched)
        for f in sched:  # a client is never crashed or paused
            assert not (type(f).__name__ in ("Crash", "Restart", "Pause") and f.nodes()[0] in clients)
    assert torn > 10 and with_clients > 20
    with pytest.raises(ConfigError, match="clients"):
        FaultSchedule.random(1, nodes, duration=100, clients=["n1"])


def test_every_fault_is_recorded_as_data_with_its_start_and_end():
    sim = Simulation(seed=2)
    for n in ("a", "b", "c"):
        sim.add_node(n, Node)
    sim.at(10, sim.net.partition, ["a"], ["b", "c"])
    sim.at(20, sim.net.heal)
    sim.at(30, sim.net.cut, "a", "b")
    sim.at(40, sim.net.restore, "a", "b")
    sim.at(50, sim.crash, "c")
    sim.at(60, sim.restart, "c")
    sim.at(70, sim.pause, "b", 5)
    sim.at(80, sim.clock_jump, "a", 3)
    sim.at(90, lambda: sim.net.configure(loss=0.2))
    sim.run(until=100)
    got = [(r.kind, r.nodes, r.start, r.end) for r in sim.trace.faults]
    assert got == [("partition", ("a", "b", "c"), 10, 20), ("cut", ("a", "b"), 30, 40), ("crash", ("c",), 50, 60),
                   ("pause", ("b",), 70, 75), ("clock", ("a",), 80, 80), ("network", (), 90, None)]
    assert sim.trace.faults[0].detail == (("a",), ("b", "c")) and sim.trace.faults[0].label() == "{a} | {b,c}"
    assert sim.trace.faults[1].label() == "cut a→b"
