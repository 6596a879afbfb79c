"""One replicated partition (Q11): ISR, high watermark, acks, failover, idempotent produce."""

import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.messaging.producer import Producer, acks_failover_demo
from dsworkbook.messaging.replication import CONTROLLER, ReadRecords, Records, replicated_sim
from dsworkbook.sim import Node


class Reader(Node):
    """Asks the leader for records from offset 0 and keeps the answer."""

    def __init__(self, node_id, at=0.0):
        super().__init__(node_id)
        self.at, self.answers = at, []

    def on_start(self):
        self.set_timer("read", self.at)

    def on_timer(self, name):
        self.send("b1", ReadRecords(1, 0))

    def on_message(self, src, msg):
        if isinstance(msg, Records):
            self.answers.append(msg)


def test_all_replicas_in_sync_and_the_high_watermark_reaches_the_log_end():
    sim = replicated_sim(1, min_insync=2)
    sim.add_node("p", Producer, messages=5)
    sim.run(until=500)
    assert sim.node("p").acked == ["m0", "m1", "m2", "m3", "m4"]
    for b in ("b1", "b2", "b3"):
        assert [e.msg_id for e in sim.node(b).log] == ["m0", "m1", "m2", "m3", "m4"]
    assert sim.node("b1").hw == 5
    assert sim.node(CONTROLLER).isr == ("b1", "b2", "b3")


def test_a_follower_that_falls_behind_leaves_the_isr_and_rejoins_when_caught_up():
    sim = replicated_sim(2)
    sim.add_node("p", Producer, messages=20, every=10.0)
    sim.run(until=50)
    sim.net.cut("b1", "b3")  # b3's fetches get no answers
    sim.run(until=250)
    assert sim.node(CONTROLLER).isr == ("b1", "b2")
    sim.net.restore("b1", "b3")
    sim.run(until=600)
    assert set(sim.node(CONTROLLER).isr) == {"b1", "b2", "b3"}


def test_consumers_read_only_up_to_the_high_watermark():
    sim = replicated_sim(3, lag_max=10_000)
    sim.add_node("p", Producer, messages=4, acks=1, start_at=60.0)
    sim.add_node("r", Reader, at=300.0)
    sim.run(until=50)
    sim.net.cut("b1", "b2")
    sim.net.cut("b1", "b3")
    sim.run(until=300)
    leader = sim.node("b1")
    assert len(leader.log) == 4 and leader.hw == 0  # acked with acks=1, committed nowhere
    sim.run(until=320)
    answer = sim.node("r").answers[-1]
    assert answer.entries == () and answer.hw == 0


def test_failover_elects_an_isr_member_and_keeps_committed_records():
    sim = replicated_sim(4, min_insync=2)
    sim.add_node("p", Producer, messages=6, every=20.0)
    sim.run(until=80)
    sim.crash("b1")
    sim.run(until=700)
    ctl = sim.node(CONTROLLER)
    assert ctl.leader in ("b2", "b3") and ctl.epoch > 1
    assert "b1" not in ctl.isr
    assert [e.msg_id for e in sim.node(ctl.leader).log] == [f"m{i}" for i in range(6)]


def test_acks_1_loses_acknowledged_records_on_failover_and_acks_all_does_not():
    lossy = acks_failover_demo(1)
    assert lossy["acked"] and lossy["lost"] == lossy["acked"]
    assert lossy["b1_log"] == lossy["log"]  # the returning old leader truncated what was never committed
    safe = acks_failover_demo("all")
    assert safe["acked"] == [f"m{i}" for i in range(5)] and safe["lost"] == []


@pytest.mark.parametrize("idempotent, copies", [(True, 1), (False, 2)])
def test_a_retried_produce_after_a_lost_ack_duplicates_only_without_idempotence(idempotent, copies):
    sim = replicated_sim(5)
    sim.add_node("p", Producer, messages=1, idempotent=idempotent, start_at=20.0)
    sim.run(until=15)
    sim.net.cut("b1", "p")  # the append happens, its acknowledgement is lost
    sim.run(until=70)
    sim.net.restore("b1", "p")
    sim.run(until=400)
    assert sim.node("p").acked == ["m0"] and sim.node("p").attempts >= 2
    assert [e.msg_id for e in sim.node("b1").log] == ["m0"] * copies


def test_min_insync_refuses_acks_all_while_the_isr_is_too_small():
    sim = replicated_sim(6, min_insync=3, lag_max=40)
    sim.run(until=30)
    sim.crash("b3")
    sim.run(until=200)
    sim.add_node("p", Producer, messages=1)
    sim.run(until=400)
    assert sim.node("p").acked == [] and sim.node(CONTROLLER).isr == ("b1", "b2")
    sim.restart("b3")
    sim.run(until=900)
    assert sim.node("p").acked == ["m0"]


def test_bad_replication_config_is_refused():
    with pytest.raises(ConfigError, match="min_insync=4 is above|below min_insync"):
        replicated_sim(1, brokers=3, min_insync=4)
    with pytest.raises(ConfigError, match="acks must be one of"):
        Producer("p", acks=2)
