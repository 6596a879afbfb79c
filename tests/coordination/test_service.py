"""The service on the simulator: sessions, ephemerals, one-shot watches in order, conditional writes."""

from __future__ import annotations

import pytest

from dsworkbook.coordination import SERVER, WatcherEvent, ZooClient, coordination_sim
from dsworkbook.errors import ConfigError, NodeStateError


class Script(ZooClient):
    """Runs ``steps(self)`` once connected and keeps every callback result in ``results``."""

    def __init__(self, node_id, *, steps=None, **kw):
        super().__init__(node_id, **kw)
        self.steps = steps
        self.results = []
        self.fired = []

    def on_connected(self):
        if self.steps is not None:
            self.steps(self)
            self.steps = None

    def keep(self, tag):
        return lambda err, value: self.results.append((tag, err, value))

    def watcher(self, tag):
        return lambda event: self.fired.append((tag, event))


def run(steps, *, until=200.0, seed=1, others=()):
    sim = coordination_sim(seed)
    sim.add_node("a", Script, steps=steps)
    for name, st in others:
        sim.add_node(name, Script, steps=st)
    sim.run(until=until)
    return sim


def test_a_live_client_keeps_its_session_by_pinging():
    sim = run(None, until=1000.0)
    a = sim.node("a")
    assert a.session is not None and a.expirations == 0
    assert a.session in sim.node(SERVER).sessions


def test_create_returns_the_path_and_a_stat_with_the_creating_zxid():
    sim = run(lambda c: c.create("/x", "hello", callback=c.keep("create")))
    (_, err, (path, stat)), = sim.node("a").results
    assert err is None and path == "/x" and stat.czxid == stat.mzxid == sim.node(SERVER).zxid


def test_a_conditional_set_on_an_old_version_is_refused_with_bad_version():
    def steps(c):
        c.create("/x", 0)
        c.set("/x", 1, version=0, callback=c.keep("first"))
        c.set("/x", 2, version=0, callback=c.keep("stale"))
        c.get("/x", callback=c.keep("read"))

    results = run(steps).node("a").results
    assert [(tag, err) for tag, err, _ in results] == [("first", None), ("stale", "BadVersion"), ("read", None)]
    assert results[2][2][0] == 1


def test_errors_come_back_as_codes_not_crashes():
    def steps(c):
        c.create("/p/c", callback=c.keep("orphan"))
        c.create("/p")
        c.create("/p/c")
        c.delete("/p", callback=c.keep("not empty"))

    assert [err for _, err, _ in run(steps).node("a").results] == ["NoNode", "NotEmpty"]


def test_a_bad_path_raises_at_the_client_before_anything_is_sent():
    sim = run(None)
    with pytest.raises(ConfigError, match="must start with '/'"):
        sim.node("a").create("locks")
    assert not sim.node("a").outbox


def test_an_operation_before_the_session_opens_is_a_clear_error():
    client = Script("solo")
    with pytest.raises(NodeStateError, match="no open session"):
        client.get("/x")


def test_watches_are_one_time_triggers():
    def watcher(c):
        c.get("/x", watch=c.watcher("data"))

    def writer(c):
        c.set("/x", 1)
        c.set("/x", 2)

    sim = coordination_sim(3)
    sim.add_node("w", Script, steps=lambda c: c.create("/x", 0))
    sim.run(until=50)
    sim.add_node("a", Script, steps=watcher)
    sim.run(until=100)
    sim.add_node("b", Script, steps=writer)
    sim.run(until=300)
    assert sim.node("a").fired == [("data", WatcherEvent("NodeDataChanged", "/x"))]
    fires = [r.detail["fired"] for r in sim.trace.notes(SERVER, "fired")]
    assert len(fires) == len(set(fires)) == 1


def test_watch_events_arrive_in_order_and_before_the_data_that_follows():
    def steps(c):
        c.create("/d")
        c.get_children("/d", watch=c.watcher("children"))
        c.exists("/d/k", watch=c.watcher("exists"))
        c.create("/d/k", "v")
        c.get("/d/k", callback=c.keep("read"))

    a = run(steps).node("a")
    assert [e.type for e in a.events] == ["NodeCreated", "NodeChildrenChanged"]
    assert [tag for tag, _ in a.fired] == ["exists", "children"]


def test_on_session_expiry_the_server_deletes_its_ephemerals_and_fires_watches():
    def owner(c):
        c.create("/e", ephemeral=True)

    sim = coordination_sim(5)
    sim.add_node("a", Script, steps=owner)
    sim.run(until=60)
    sim.add_node("b", Script, steps=lambda c: c.exists("/e", watch=c.watcher("gone"), callback=c.keep("there")))
    sim.run(until=120)
    assert sim.node("b").results[0][2] is not None
    sim.pause("a", 400)
    sim.run(until=400)
    server = sim.node(SERVER)
    assert server.tree.exists("/e") is None and server.ended
    assert sim.node("b").fired == [("gone", WatcherEvent("NodeDeleted", "/e"))]
    sim.run(until=700)
    assert sim.node("a").expirations == 1 and sim.node("a").session is not None  # it learnt, and reconnected


def test_closing_a_session_deletes_its_ephemerals_at_once():
    def steps(c):
        c.create("/e", ephemeral=True)
        c.close()

    sim = run(steps)
    assert sim.node(SERVER).tree.exists("/e") is None


def test_the_server_refuses_bad_settings():
    with pytest.raises(ConfigError, match="tick"):
        coordination_sim(0, tick=0)
    with pytest.raises(ConfigError, match="session_timeout"):
        ZooClient("x", session_timeout=-1)


def test_same_seed_same_trace():
    def steps(c):
        c.create("/x", ephemeral=True, sequential=True)
        c.get_children("/", watch=c.watcher("kids"))

    assert run(steps, seed=4).trace.digest() == run(steps, seed=4).trace.digest()
