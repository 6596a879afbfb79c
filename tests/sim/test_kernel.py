"""The kernel: determinism, node lifecycle, durable vs volatile state, pauses, timers, errors."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsworkbook.errors import ConfigError, NodeError, NodeStateError, UnknownNodeError
from dsworkbook.sim import DOWN, PAUSED, UP, Node, Persist, Send, SetTimer, Simulation
from dsworkbook.sim.examples import Echo, Pinger


def ping_sim(seed: int, **net: Any) -> Simulation:
    sim = Simulation(seed=seed, **net)
    sim.add_node("a", Pinger, target="b", count=20, every=5)
    sim.add_node("b", Echo)
    sim.run(until=500)
    return sim


# -- determinism -----------------------------------------------------------------------------

def test_same_seed_gives_identical_trace():
    one = ping_sim(42, latency=(1, 10), loss=0.2, duplicate=0.1, reorder=0.1)
    two = ping_sim(42, latency=(1, 10), loss=0.2, duplicate=0.1, reorder=0.1)
    assert len(one.trace) > 50
    assert one.trace.digest() == two.trace.digest()


def test_different_seed_gives_different_trace():
    assert ping_sim(1, latency=(1, 10)).trace.digest() != ping_sim(2, latency=(1, 10)).trace.digest()


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32), loss=st.floats(0, 0.5), dup=st.floats(0, 0.5))
def test_determinism_holds_for_any_seed_and_fault_rates(seed, loss, dup):
    a = ping_sim(seed, latency="exp:5", loss=loss, duplicate=dup)
    b = ping_sim(seed, latency="exp:5", loss=loss, duplicate=dup)
    assert a.trace.digest() == b.trace.digest()


def test_trace_digest_refuses_messages_without_stable_repr():
    class Opaque:  # default repr holds a memory address
        pass

    class Sender(Node):
        def on_start(self) -> None:
            self.send("b", Opaque())

    sim = Simulation(seed=0)
    sim.add_node("a", Sender)
    sim.add_node("b", Echo)
    with pytest.raises(NodeError):  # Echo indexes msg[0]; the run stops and names the seed
        sim.run(until=100)
    with pytest.raises(ConfigError, match="memory address"):
        sim.trace.digest()


# -- virtual time and ordering ------------------------------------------------------------------

def test_events_at_equal_times_run_in_scheduling_order():
    sim = Simulation(seed=0)
    order: list[int] = []
    for i in range(5):
        sim.schedule(10, order.append, i)
    sim.run(until=10)
    assert order == [0, 1, 2, 3, 4]


def test_run_until_advances_time_even_without_events():
    sim = Simulation(seed=0)
    sim.run(until=250)
    assert sim.now == 250


def test_running_backwards_is_refused():
    sim = Simulation(seed=0)
    sim.run(until=100)
    with pytest.raises(ConfigError, match="backwards"):
        sim.run(until=50)


def test_run_without_limit_stops_with_a_clear_error_on_endless_timers():
    class Ticker(Node):
        def on_start(self) -> None:
            self.set_timer("t", 1)

        def on_timer(self, name: Any) -> None:
            self.set_timer("t", 1)

    sim = Simulation(seed=0)
    sim.add_node("a", Ticker)
    from dsworkbook.sim import kernel

    old = kernel.DEFAULT_EVENT_LIMIT
    kernel.DEFAULT_EVENT_LIMIT = 1000
    try:
        with pytest.raises(ConfigError, match="periodic timers"):
            sim.run()
    finally:
        kernel.DEFAULT_EVENT_LIMIT = old


def test_step_processes_one_event_at_a_time():
    sim = Simulation(seed=0)
    sim.add_node("a", Pinger, target="b", count=1)
    sim.add_node("b", Echo)
    steps = 0
    while sim.step():
        steps += 1
    assert steps == sim.steps and steps >= 5  # two starts, a timer, a ping, a pong...
    assert sim.node("a").pongs == [0]


# -- nodes: start, crash, restart, durable vs volatile ---------------------------------------------

def test_crash_loses_volatile_state_and_restart_rebuilds_from_storage():
    sim = Simulation(seed=3, latency=1)
    sim.add_node("a", Pinger, target="b", count=5, every=10)
    sim.add_node("b", Echo)
    sim.run(until=30)
    before = sim.node("b")
    assert before.seen and before.starts == 1
    sim.crash("b")
    assert sim.status("b") == DOWN
    with pytest.raises(NodeStateError, match="down"):
        sim.node("b")
    sim.run(until=45)  # a ping arrives while b is down: dropped
    drops = [r for r in sim.trace.of_kind("drop") if r.detail == "node down"]
    assert drops, "a message to a crashed node must be dropped and traced"
    after = sim.restart("b")
    sim.run(until=46)
    assert after is not before
    assert not hasattr(after, "seen") or after.seen == []  # volatile state is gone
    assert after.starts == 2 and sim.storage("b")["starts"] == 2  # durable state survived


def test_crash_cancels_timers():
    sim = Simulation(seed=0, latency=1)
    sim.add_node("a", Pinger, target="b", count=100, every=10)
    sim.add_node("b", Echo)
    sim.run(until=25)
    sent = sim.node("a").sent
    sim.crash("a")
    sim.run(until=200)
    sends = [r for r in sim.trace.of_kind("send") if r.node == "a"]
    assert len(sends) == sent  # nothing was sent by a dead node's timers


def test_restart_of_a_running_node_and_double_crash_are_refused():
    sim = Simulation(seed=0)
    sim.add_node("a", Echo)
    with pytest.raises(NodeStateError, match="only a crashed node"):
        sim.restart("a")
    sim.crash("a")
    with pytest.raises(NodeStateError, match="already down"):
        sim.crash("a")


def test_storage_is_read_only_for_nodes():
    sim = Simulation(seed=0)
    node = sim.add_node("a", Echo)
    sim.run(until=1)
    with pytest.raises(TypeError):
        node.storage["starts"] = 99  # type: ignore[index]


def test_handler_exception_stops_the_run_naming_seed_and_step():
    class Broken(Node):
        def on_start(self) -> None:
            raise RuntimeError("boom")

    sim = Simulation(seed=1234)
    sim.add_node("a", Broken)
    with pytest.raises(NodeError, match=r"node 'a' raised RuntimeError in on_start: boom \(seed=1234, step=1"):
        sim.run(until=10)


def test_sending_to_an_unknown_node_names_sender_and_known_nodes():
    class Lost(Node):
        def on_start(self) -> None:
            self.send("zz", "hello")

    sim = Simulation(seed=0)
    sim.add_node("a", Lost)
    with pytest.raises(NodeError, match=r"'a' sent 'hello' to unknown node 'zz'"):
        sim.run(until=10)


@pytest.mark.parametrize("call", [
    lambda s: s.crash("nope"),
    lambda s: s.pause("nope", 5),
    lambda s: s.clock_jump("nope", 5),
    lambda s: s.net.cut("a", "nope"),
    lambda s: s.net.partition(["nope"]),
])
def test_unknown_node_ids_are_refused_everywhere(call):
    sim = Simulation(seed=0)
    sim.add_node("a", Echo)
    with pytest.raises(UnknownNodeError, match=r"unknown node 'nope'; the simulation has \['a'\]"):
        call(sim)


@pytest.mark.parametrize("bad", [None, 1.5, "7", True])
def test_seed_must_be_an_int(bad):
    with pytest.raises(ConfigError, match="seed must be an int"):
        Simulation(seed=bad)


def test_duplicate_node_ids_are_refused():
    sim = Simulation(seed=0)
    sim.add_node("a", Echo)
    with pytest.raises(ConfigError, match="already exists"):
        sim.add_node("a", Echo)


def test_negative_delays_are_refused():
    sim = Simulation(seed=0)
    with pytest.raises(ConfigError, match=">= 0"):
        sim.schedule(-1, print)
    sim.add_node("a", Echo)
    with pytest.raises(ConfigError, match=">= 0"):
        sim.pause("a", -5)

    class BadTimer(Node):
        def on_start(self) -> None:
            self.set_timer("t", -3)

    sim.add_node("b", BadTimer)
    with pytest.raises(NodeError, match=r"timer 't' needs a delay >= 0 ms, got -3"):
        sim.run(until=5)


# -- pauses (GC pauses) -------------------------------------------------------------------------

def test_pause_holds_messages_and_timers_until_resume_in_order():
    sim = Simulation(seed=0, latency=1)
    sim.add_node("a", Pinger, target="b", count=10, every=2)
    sim.add_node("b", Echo)
    sim.run(until=3)
    sim.pause("b", 50)
    assert sim.status("b") == PAUSED
    sim.run(until=52)
    held = len(sim.node("b").seen)
    sim.run(until=53.5)
    assert sim.status("b") == UP
    seen = [m[1][1] for m in sim.node("b").seen]
    assert seen == sorted(seen) == list(range(10))  # nothing lost, order kept
    assert held < 10
    deliveries = [r.time for r in sim.trace.of_kind("deliver") if r.node == "b"]
    assert sum(1 for t in deliveries if t == 53.0) >= 8  # handed over at resume time


def test_paused_node_clock_keeps_running():
    sim = Simulation(seed=0)
    node = sim.add_node("a", Echo)
    sim.pause("a", 100)
    sim.run(until=150)
    assert node.now() == 150


# -- clocks ----------------------------------------------------------------------------------

def test_node_reads_its_local_clock_with_offset_drift_and_jump():
    sim = Simulation(seed=0)
    node = sim.add_node("a", Echo)
    sim.set_clock_offset("a", 50)
    sim.run(until=100)
    assert node.now() == pytest.approx(150)
    sim.set_drift("a", 0.01)
    sim.run(until=1100)
    assert node.now() == pytest.approx(150 + 1000 * 1.01)
    sim.clock_jump("a", -500)
    assert node.now() == pytest.approx(150 + 1010 - 500)


def test_timers_follow_clock_rate_but_not_jumps():
    class Once(Node):
        def on_start(self) -> None:
            self.fired_at: float | None = None
            self.set_timer("t", 100)

        def on_timer(self, name: Any) -> None:
            self.fired_at = self._sim.now  # true time, read for the test only

    sim = Simulation(seed=0)
    fast = sim.add_node("a", Once)
    sim.set_drift("a", 1.0)  # twice real speed: a 100 ms timer waits 50 ms of true time
    jumped = sim.add_node("b", Once)
    sim.clock_jump("b", 10_000)
    sim.run(until=200)
    assert fast.fired_at == pytest.approx(50)
    assert jumped.fired_at == pytest.approx(100)


def test_clock_drift_must_keep_the_clock_moving_forward():
    sim = Simulation(seed=0)
    sim.add_node("a", Echo)
    with pytest.raises(ConfigError, match="drift must be > -1"):
        sim.set_drift("a", -1.5)


# -- effects, driven by hand ------------------------------------------------------------------

def test_a_detached_node_can_be_driven_by_hand():
    node = Pinger("a", target="b", count=1)
    node.on_start()
    node.on_timer("tick")
    effects = node.take_effects()
    assert effects[0] == SetTimer("tick", 0)
    assert Send("b", ("ping", 0)) in effects
    e = Echo("b")
    e.on_start()
    assert e.take_effects() == [Persist({"starts": 1})]


def test_history_records_invoke_and_completion_and_crash_makes_pending_unknown():
    class Client(Node):
        def on_start(self) -> None:
            self.h = self.invoke("write", 1)
            self.set_timer("done", 10)

        def on_timer(self, name: Any) -> None:
            self.complete(self.h, "ok")
            self.h2 = self.invoke("write", 2)

    sim = Simulation(seed=0)
    sim.add_node("c", Client)
    sim.run(until=20)
    sim.crash("c")
    ops = sim.history.ops
    assert [(o.f, o.input, o.outcome, o.invoke_time, o.complete_time) for o in ops] == [
        ("write", 1, "ok", 0.0, 10.0),
        ("write", 2, "unknown", 10.0, 20.0),
    ]
    assert ops[1].output == 2  # an indeterminate op keeps its invoke value (Jepsen)


def test_trace_digest_does_not_depend_on_string_hashing():
    import subprocess
    import sys

    code = ("from dsworkbook.sim import Simulation, Node\n"
            "class N(Node):\n"
            "    def on_start(self):\n"
            "        self.note(peers={'alpha', 'beta', 'gamma', 'delta'})\n"
            "        self.send('b', ('set', frozenset({'x', 'y', 'z', 'w'})))\n"
            "sim = Simulation(seed=1)\n"
            "sim.add_node('a', N); sim.add_node('b', N)\n"
            "sim.run(until=50)\n"
            "print(sim.trace.digest())\n")
    digests = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              env={"PYTHONHASHSEED": str(h)}).stdout for h in (1, 2, 3, 4)}
    assert len(digests) == 1


def test_a_message_due_at_the_instant_of_a_restart_waits_for_on_start():
    class Strict(Node):
        def on_start(self) -> None:
            self.ready = True

        def on_message(self, src: str, msg: Any) -> None:
            assert self.ready, "a message reached the node before on_start"

    class Sender(Node):
        def on_start(self) -> None:
            self.send("b", "hello")

    sim = Simulation(seed=0, latency=10)
    sim.add_node("a", Sender)
    sim.add_node("b", Strict)
    sim.crash("b")
    sim.at(10, sim.restart, "b")  # the message arrives at t=10 too, scheduled before the restart
    sim.run(until=20)
    assert [r.node for r in sim.trace.of_kind("deliver")] == ["b"]


def test_a_node_paused_before_it_started_starts_when_it_resumes():
    sim = Simulation(seed=0, latency=1)
    sim.add_node("a", Pinger, target="b", count=3, every=5)
    sim.add_node("b", Echo)
    sim.pause("b", 40)  # before the run, so before b's on_start
    sim.run(until=100)
    assert sim.node("b").starts == 1 and len(sim.node("b").seen) == 3


def test_a_monotonic_clock_runs_at_the_local_rate_and_ignores_jumps_and_offsets():
    from dsworkbook.sim.clock import LocalClock

    clock = LocalClock(offset=500.0, drift=0.1)
    assert clock.monotonic(100.0) == pytest.approx(110.0)          # rate 1.1 from the start, offset ignored
    clock.jump(100.0, -1000.0)                                     # the wall clock steps back a second
    assert clock.read(100.0) == pytest.approx(-390.0)
    assert clock.monotonic(200.0) == pytest.approx(220.0)          # the monotonic one does not notice
    clock.set_drift(200.0, 0.0)
    clock.set_offset(250.0, 0.0)
    assert clock.monotonic(300.0) == pytest.approx(320.0)          # rate 1 after t=200; the offset change ignored


def test_a_node_reads_its_monotonic_clock_in_a_simulation():
    class Idle(Node):
        pass

    sim = Simulation(1)
    sim.add_node("a", Idle)
    sim.run(until=10.0)
    sim.set_drift("a", 0.5)
    sim.run(until=20.0)
    sim.clock_jump("a", -100.0)
    assert sim.node("a").monotonic() == pytest.approx(25.0)
    assert sim.node("a").now() == pytest.approx(-75.0)
