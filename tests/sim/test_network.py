"""The network: latency distributions, loss, duplication, reordering, partitions, cuts, bandwidth."""

from __future__ import annotations

import statistics
from typing import Any

import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.sim import Constant, Exponential, LongTail, Network, Simulation, Uniform, latency
from dsworkbook.sim.examples import Burst, Echo, Pinger, Sink


def blast(seed: int = 5, n: int = 1000, **net: Any) -> Simulation:
    sim = Simulation(seed=seed, **net)
    sim.add_node("a", Burst, target="b", n=n)
    sim.add_node("b", Sink)
    sim.run(until=10_000)
    return sim


# -- latency distributions ---------------------------------------------------------------------

@pytest.mark.parametrize("dist, lo, hi", [
    (Constant(5), 5, 5),
    (Uniform(1, 10), 1, 10),
    (Exponential(5, minimum=2), 2, float("inf")),
])
def test_delays_stay_within_the_distribution_support(dist, lo, hi):
    sim = blast(latency=dist)
    lat = sim.trace.messages()["latency"]
    assert lat.min() >= lo and lat.max() <= hi
    assert lat.mean() == pytest.approx(dist.mean, rel=0.1)


def test_long_tail_has_the_requested_median_and_p99():
    sim = blast(n=20_000, latency=LongTail(median=5, p99=100))
    lat = sim.trace.messages()["latency"]
    assert lat.median() == pytest.approx(5, rel=0.05)
    assert lat.quantile(0.99) == pytest.approx(100, rel=0.15)


@pytest.mark.parametrize("spec, expected", [
    (5, Constant(5)),
    ((1, 10), Uniform(1, 10)),
    ("exp:3", Exponential(3)),
    ("tail:5:200", LongTail(5, 200)),
])
def test_latency_shorthand(spec, expected):
    assert latency(spec) == expected


@pytest.mark.parametrize("spec, message", [
    (-1, ">= 0 ms"),
    ((10, 1), "low <= high"),
    ("fast", "cannot read latency"),
    (True, "must be a number"),
    ("tail:100:5", "p99 >= median"),
])
def test_bad_latency_is_refused_with_advice(spec, message):
    with pytest.raises(ConfigError, match=message):
        latency(spec)


# -- loss, duplication, reordering ---------------------------------------------------------------

def test_loss_drops_about_the_requested_fraction_and_traces_each_drop():
    sim = blast(loss=0.3)
    got = len(sim.node("b").got)
    drops = [r for r in sim.trace.of_kind("drop") if r.detail == "loss"]
    assert got + len(drops) == 1000
    assert 250 < len(drops) < 350


def test_duplication_delivers_second_copies_under_the_same_msg_id():
    sim = blast(duplicate=0.2)
    got = sim.node("b").got
    assert 1150 < len(got) < 1250
    assert set(got) == set(range(1000))
    msgs = sim.trace.messages()
    dup_ids = msgs["msg_id"][msgs["msg_id"].duplicated()]
    assert len(dup_ids) == len(got) - 1000


def test_reordering_happens_with_constant_latency_only_when_asked():
    in_order = blast(latency=5).node("b").got
    assert in_order == list(range(1000))
    shuffled = blast(latency=5, reorder=0.2).node("b").got
    assert sorted(shuffled) == list(range(1000)) and shuffled != list(range(1000))


def test_fifo_links_never_reorder_even_with_random_latency():
    assert blast(latency=(1, 50)).node("b").got != list(range(1000))
    sim = Simulation(seed=5, network=Network((1, 50), fifo=True))
    sim.add_node("a", Burst, target="b", n=1000)
    sim.add_node("b", Sink)
    sim.run(until=10_000)
    assert sim.node("b").got == list(range(1000))


@pytest.mark.parametrize("p", [-0.1, 1.5, float("nan"), "0.5"])
def test_probabilities_outside_0_1_are_refused(p):
    with pytest.raises(ConfigError, match=r"probability and must be within \[0, 1\]"):
        Simulation(seed=0, loss=p)


def test_bandwidth_queues_messages_behind_each_other():
    sim = Simulation(seed=0, network=Network(latency=1, bandwidth=0.5))  # 2 ms per message
    sim.add_node("a", Burst, target="b", n=10)
    sim.add_node("b", Sink)
    sim.run(until=100)
    arrivals = list(sim.trace.messages()["arrived"])
    assert arrivals == [1 + 2 * (i + 1) for i in range(10)]


def test_per_link_latency_override():
    sim = Simulation(seed=0, latency=1)
    sim.add_node("a", Pinger, target="b", count=1)
    sim.add_node("b", Echo)
    sim.net.set_link("a", "b", latency=40)
    sim.run(until=100)
    lat = sim.trace.messages().set_index("src")["latency"]
    assert lat["a"] == 40 and lat["b"] == 1


# -- partitions and one-way cuts -------------------------------------------------------------------

def five() -> Simulation:
    sim = Simulation(seed=1, latency=1)
    sim.add_nodes(["n1", "n2", "n3", "n4", "n5"], Sink)
    return sim


def test_partition_blocks_across_groups_both_ways_and_unnamed_nodes_form_a_group():
    sim = five()
    sim.net.partition(["n1", "n2"], ["n3"])
    assert sim.net.groups == [frozenset({"n1", "n2"}), frozenset({"n3"}), frozenset({"n4", "n5"})]
    assert sim.net.can_reach("n1", "n2") and sim.net.can_reach("n4", "n5")
    for a, b in [("n1", "n3"), ("n3", "n1"), ("n2", "n4"), ("n5", "n3")]:
        assert not sim.net.can_reach(a, b)
    sim.net.heal()
    assert not sim.net.partitioned


def test_one_way_cut_blocks_only_one_direction():
    sim = Simulation(seed=0, latency=1)
    sim.add_node("a", Pinger, target="b", count=5)
    sim.add_node("b", Echo)
    sim.net.cut("b", "a")  # a's pings arrive, b's pongs do not
    sim.run(until=100)
    assert len(sim.node("b").seen) == 5
    assert sim.node("a").pongs == []
    drops = [r for r in sim.trace.of_kind("drop") if r.detail == "partition"]
    assert len(drops) == 5 and all(r.peer == "b" for r in drops)


def test_messages_in_flight_are_lost_when_a_partition_starts():
    sim = Simulation(seed=0, latency=10)
    sim.add_node("a", Burst, target="b", n=3)
    sim.add_node("b", Sink)
    sim.run(until=5)
    sim.net.partition(["a"], ["b"])
    sim.run(until=50)
    assert sim.node("b").got == []
    assert [r.detail for r in sim.trace.of_kind("drop")] == ["partition (in flight)"] * 3


def test_partition_naming_a_node_twice_is_refused():
    with pytest.raises(ConfigError, match="named in group 0 and group 1"):
        five().net.partition(["n1", "n2"], ["n2", "n3"])


def test_partition_groups_must_be_lists_not_strings():
    with pytest.raises(ConfigError, match=r"write \['n1'\] for a group of one"):
        five().net.partition("n1", ["n2"])


def test_cutting_a_node_from_itself_is_refused():
    with pytest.raises(ConfigError, match="from itself"):
        five().net.cut("n1", "n1")


def test_network_belongs_to_one_simulation():
    net = Network()
    Simulation(seed=0, network=net)
    with pytest.raises(ConfigError, match="another Simulation"):
        Simulation(seed=1, network=net)


def test_messages_dataframe_has_one_row_per_copy_with_outcomes():
    sim = blast(n=200, loss=0.2, duplicate=0.1, latency=(1, 10))
    df = sim.trace.messages()
    assert set(df["outcome"]) == {"delivered", "dropped"}
    assert (df["outcome"] == "delivered").sum() == len(sim.node("b").got)
    delivered = df[df["outcome"] == "delivered"]
    assert delivered["latency"].between(1, 10).all()
    assert statistics.mean(delivered["latency"]) == pytest.approx(5.5, abs=1)


def test_trace_dataframe_columns():
    df = blast(n=5).trace.to_dataframe()
    assert list(df.columns) == ["time", "kind", "node", "peer", "msg_id", "detail"]
    assert list(df[df.kind == "send"]["msg_id"]) == list(df[df.kind == "deliver"].sort_values("msg_id")["msg_id"])


def test_delivery_stats_counts_sent_lost_and_duplicates_per_link():
    from dsworkbook.sim import delivery_stats

    sim = blast(n=500, loss=0.2, duplicate=0.2, latency=(1, 10))
    stats = delivery_stats(sim.trace.messages())
    row = stats.loc[("a", "b")]
    got = sim.node("b").got
    assert row["sent"] == 500
    assert row["delivered"] == len(got)
    assert row["lost"] == 500 - len(set(got))
    assert row["duplicates"] == len(got) - len(set(got))
    assert 1 <= row["p50"] <= row["p99"] <= 10
    assert stats.loc[("all", "all")]["sent"] == 500


def _stats_one_link_at_a_time(messages):
    """delivery_stats spelled out link by link, as the module docstring defines it."""
    import pandas as pd

    def summarise(group):
        delivered = group[group["outcome"] == "delivered"]
        per_msg = delivered.groupby("msg_id").size()
        sent, lat = group["msg_id"].nunique(), delivered["latency"].astype(float)
        return [sent, len(delivered), sent - len(per_msg), int((per_msg - 1).sum()),
                lat.quantile(0.5) if len(lat) else float("nan"), lat.quantile(0.99) if len(lat) else float("nan")]

    rows = {key: summarise(g) for key, g in messages.groupby(["src", "dst"], sort=True)}
    rows[("all", "all")] = summarise(messages)
    df = pd.DataFrame(list(rows.values()), columns=["sent", "delivered", "lost", "duplicates", "p50", "p99"],
                      index=pd.MultiIndex.from_tuples(list(rows), names=["src", "dst"]))
    return df.astype({"sent": "int64", "delivered": "int64", "lost": "int64", "duplicates": "int64"})


@pytest.mark.parametrize("seed", range(40))
def test_delivery_stats_equals_the_link_by_link_definition(seed):
    import random

    import pandas as pd

    from dsworkbook.sim import delivery_stats
    from dsworkbook.widgets.network import ping_workload

    r = random.Random(seed)
    sim = ping_workload(seed, loss=r.choice([0, 0.1, 0.6]), duplicate=r.choice([0, 0.2, 0.5]),
                        pings=r.choice([0, 1, 3, 10, 150]), partition=r.choice(["none", "isolate", "split", "cut"]),
                        latency_model=r.choice(["constant", "long tail"]))
    messages = sim.trace.messages()
    if seed % 8 == 0:
        messages = messages.iloc[0:0]  # nothing sent at all
    pd.testing.assert_frame_equal(delivery_stats(messages), _stats_one_link_at_a_time(messages))


def test_delivery_stats_refuses_the_wrong_dataframe():
    from dsworkbook.sim import delivery_stats

    with pytest.raises(ConfigError, match=r"trace.messages\(\)"):
        delivery_stats(blast(n=3).trace.to_dataframe())


def test_heartbeats_reveal_a_partition_as_suspicion_of_the_other_side():
    from dsworkbook.sim.examples import Heartbeater

    sim = Simulation(seed=2, latency=(1, 5))
    sim.add_nodes(["n1", "n2", "n3", "n4", "n5"], Heartbeater, every=20)
    sim.run(until=200)
    assert all(sim.node(n).suspects(timeout=50) == set() for n in sim.node_ids)
    sim.net.partition(["n1", "n2"], ["n3", "n4", "n5"])
    sim.run(until=400)
    assert sim.node("n1").suspects(timeout=50) == {"n3", "n4", "n5"}
    assert sim.node("n4").suspects(timeout=50) == {"n1", "n2"}
    sim.net.heal()
    sim.run(until=500)
    assert sim.node("n1").suspects(timeout=50) == set()
