"""Space-time diagrams and cluster graphs: the right marks for a known trace, redrawn in place."""

from __future__ import annotations

from collections import defaultdict

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from dsworkbook.errors import ConfigError, UnknownNodeError  # noqa: E402
from dsworkbook.sim import Simulation, Trace  # noqa: E402
from dsworkbook.sim.examples import Heartbeater  # noqa: E402
from dsworkbook.viz import cluster_graph, spacetime  # noqa: E402
from dsworkbook.viz.cluster import GROUP_COLORS  # noqa: E402
from dsworkbook.viz.spacetime import COLORS  # noqa: E402


def known_trace() -> Trace:
    """Three nodes (lanes a, b, c at y = 2, 1, 0) and one of every kind of mark (faults as text and as data)."""
    tr = Trace()
    add = tr.add
    for n in ("a", "b", "c"):
        add(0, "fault", n, None, None, "add")
    add(1, "send", "a", "b", 1, "m1")
    add(2, "send", "b", "c", 2, "m2")
    add(2, "drop", "c", "b", 2, "loss")  # lost as it was sent
    add(3, "deliver", "b", "a", 1, "m1")
    add(4, "send", "c", "a", 3, "m3")
    add(4, "duplicate", "a", "c", 3, "m3")
    add(5, "fault", None, None, None, "partition {a} | {b,c}")
    tr.fault_began("partition", ("a", "b", "c"), 5, (("a",), ("b", "c")))
    add(5, "send", "a", "c", 4, "m4")
    add(5, "drop", "c", "a", 4, "partition")
    add(6, "deliver", "a", "c", 3, "m3")
    add(7, "fault", None, None, None, "heal")
    tr.fault_ended("partition", 7)
    add(8, "fault", "b", None, None, "crash")
    tr.fault_began("crash", ("b",), 8)
    add(8.5, "send", "a", "b", 5, "m5")
    add(9, "deliver", "a", "c", 3, "m3")  # the duplicate copy
    add(10, "drop", "b", "a", 5, "node down")
    add(11, "fault", "b", None, None, "restart")
    tr.fault_ended("crash", 11, nodes=("b",))
    add(12, "timer", "c", None, None, "tick")
    add(13, "timer", "a", None, None, "tick")
    add(14, "fault", "c", None, None, "pause 3ms")
    tr.fault_began("pause", ("c",), 14, 3)
    add(15, "send", "b", "c", 6, "m6")  # still in flight at the end: not drawn
    add(17, "fault", "c", None, None, "resume")
    tr.fault_ended("pause", 17, nodes=("c",))
    add(18, "fault", None, None, None, "cut a->b")
    tr.fault_began("cut", ("a", "b"), 18, ("a", "b"))
    add(20, "timer", "b", None, None, "tick")
    return tr


def new_axes():
    return Figure(figsize=(8, 3)).add_subplot()


def by_gid(ax) -> dict[str, list]:
    found: dict[str, list] = defaultdict(list)
    for artist in [*ax.collections, *ax.patches]:
        if artist.get_gid():
            found[artist.get_gid()].append(artist)
    return found


def count(ax, gid: str) -> int:
    """How many marks the artists with ``gid`` draw (arrows, markers, bands or spans)."""
    total = 0
    for a in by_gid(ax).get(gid, []):
        if hasattr(a, "N") and hasattr(a, "U"):  # a Quiver: one arrow per row
            total += a.N
        elif hasattr(a, "get_offsets") and len(a.get_offsets()) and type(a).__name__ == "PathCollection":
            total += len(a.get_offsets())
        elif type(a).__name__ == "PolyCollection":
            total += len(a.get_paths())
        else:
            total += 1
    return total


def quiver(ax, category: str):
    (q,) = by_gid(ax)[f"spacetime:{category}"]
    return q


# -- counts for a known trace -----------------------------------------------------------------

@pytest.mark.parametrize("gid, expected", [
    # one arrow per delivered copy; the duplicate's second copy is drawn apart
    ("spacetime:delivered", 2),
    ("spacetime:duplicate", 1),
    ("spacetime:duplicate-mark", 1),
    # one short arrow and one cross per drop, by reason
    ("spacetime:loss", 1), ("spacetime:loss-mark", 1),
    ("spacetime:partition", 1), ("spacetime:partition-mark", 1),
    ("spacetime:node down", 1), ("spacetime:node down-mark", 1),
    # timers, crash -> restart, pause -> resume, partition -> heal and the last cut
    ("spacetime:timer", 3),
    ("spacetime:down", 1),
    ("spacetime:pause", 1),
    ("spacetime:partitioned", 2),
])
def test_a_known_trace_draws_the_right_number_of_marks(gid, expected):
    ax = spacetime(known_trace(), ax=new_axes())
    assert count(ax, gid) == expected


def test_arrows_go_from_send_on_the_sender_lane_to_arrival_on_the_receiver_lane():
    ax = spacetime(known_trace(), ax=new_axes())
    q = quiver(ax, "delivered")
    arrows = sorted(zip(q.X, q.Y, q.U, q.V))
    # m1: a(y=2) at t=1 -> b(y=1) at t=3; m3 first copy: c(y=0) at t=4 -> a(y=2) at t=6
    assert arrows == [(1.0, 2.0, 2.0, -1.0), (4.0, 0.0, 2.0, 2.0)]
    dup = quiver(ax, "duplicate")
    assert (dup.X[0], dup.Y[0], dup.U[0], dup.V[0]) == (4.0, 0.0, 5.0, 2.0)


def test_drops_stop_half_way_except_at_a_down_node():
    ax = spacetime(known_trace(), ax=new_axes())
    loss = quiver(ax, "loss")  # b(1) -> c(0), dropped at the send: ends half way, a little to the right
    assert loss.Y[0] == 1.0 and loss.V[0] == -0.5 and loss.U[0] > 0
    down = quiver(ax, "node down")  # a(2) -> b(1) at 8.5, dropped on arrival at 10: reaches b's lane
    assert (down.X[0], down.Y[0], down.U[0], down.V[0]) == (8.5, 2.0, 1.5, -1.0)


def test_drop_categories_have_their_own_colours():
    ax = spacetime(known_trace(), ax=new_axes())
    colours = {cat: tuple(quiver(ax, cat).get_facecolor()[0][:3]) for cat in ("loss", "partition", "node down")}
    assert len(set(colours.values())) == 3
    assert colours["partition"] == pytest.approx(matplotlib.colors.to_rgb(COLORS["partition"]))


def test_crash_and_pause_bands_cover_their_periods_on_their_lanes():
    ax = spacetime(known_trace(), ax=new_axes())
    (down,) = by_gid(ax)["spacetime:down"]
    xs, ys = down.get_paths()[0].vertices.T
    assert (xs.min(), xs.max()) == (8.0, 11.0) and ys.min() < 1.0 < ys.max()  # b is lane 1
    (pause,) = by_gid(ax)["spacetime:pause"]
    xs, ys = pause.get_paths()[0].vertices.T
    assert (xs.min(), xs.max()) == (14.0, 17.0) and ys.min() < 0.0 < ys.max()  # c is lane 0
    assert pause.get_hatch()


def test_partition_periods_run_from_the_partition_to_the_heal():
    ax = spacetime(known_trace(), ax=new_axes())
    spans = sorted((p.get_x(), p.get_x() + p.get_width()) for p in by_gid(ax)["spacetime:partitioned"])
    assert spans == [(5.0, 7.0), (18.0, 20.0)]
    labels = {t.get_text().strip() for t in ax.texts}
    assert {"{a} | {b,c}", "cut a→b"} <= labels


def test_lanes_put_the_first_node_on_top_and_the_legend_names_what_is_drawn():
    ax = spacetime(known_trace(), ax=new_axes())
    assert [t.get_text() for t in ax.get_yticklabels()] == ["c", "b", "a"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"delivered", "duplicate copy", "dropped: loss", "dropped: partition", "dropped: node down",
            "timer fired", "crashed (down)", "paused", "partitioned / cut"} == set(legend)


def test_choosing_nodes_keeps_only_messages_between_them():
    ax = spacetime(known_trace(), nodes=["b", "a"], ax=new_axes())
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]  # b on top, as asked
    assert count(ax, "spacetime:delivered") == 1  # m1; m3 involves c
    assert count(ax, "spacetime:node down") == 1  # m5
    assert count(ax, "spacetime:loss") == count(ax, "spacetime:duplicate") == 0
    assert count(ax, "spacetime:timer") == 2  # a at 13, b at 20; c's timer is not shown


def test_the_window_selects_messages_by_send_time():
    ax = spacetime(known_trace(), start=4.5, end=9, ax=new_axes())
    assert count(ax, "spacetime:partition") == 1 and count(ax, "spacetime:node down") == 1
    assert count(ax, "spacetime:delivered") == 0
    assert ax.get_xlim()[0] < 4.5 < 9 < ax.get_xlim()[1]


def test_too_many_messages_draws_the_first_ones_and_says_so():
    ax = spacetime(known_trace(), max_messages=2, ax=new_axes())
    assert "first 2 of 6 messages" in ax.get_title()
    assert count(ax, "spacetime:delivered") == 1 and count(ax, "spacetime:loss") == 1
    assert count(ax, "spacetime:duplicate") == 0
    assert ax.get_xlim()[1] == pytest.approx(4.0, abs=0.1)  # stops where m3, the first one left out, was sent


def test_a_custom_title_keeps_the_truncation_note():
    ax = spacetime(known_trace(), max_messages=3, title="my run", ax=new_axes())
    assert ax.get_title().startswith("my run") and "first 3 of 6" in ax.get_title()
    ax = spacetime(known_trace(), title="my run", ax=new_axes())
    assert ax.get_title() == "my run"


def test_redrawing_reuses_the_figure_and_replaces_the_marks():
    fig = Figure()
    ax = fig.add_subplot()
    first = spacetime(known_trace(), ax=ax)
    n_collections = len(ax.collections)
    second = spacetime(known_trace(), nodes=["a", "b"], ax=ax)
    assert first is second is ax and fig.axes == [ax]
    assert len(ax.collections) < n_collections  # cleared, not drawn on top
    spacetime(known_trace(), ax=ax)
    assert len(ax.collections) == n_collections


def test_without_an_axes_it_makes_a_figure():
    import matplotlib.pyplot as plt

    ax = spacetime(known_trace())
    try:
        assert ax.figure is not None and count(ax, "spacetime:delivered") == 2
    finally:
        plt.close(ax.figure)


def test_a_simulation_is_drawn_with_one_arrow_per_copy_of_its_trace():
    sim = Simulation(seed=11, loss=0.2, duplicate=0.2)
    sim.add_nodes(["n1", "n2", "n3"], Heartbeater, every=10)
    sim.schedule(25, sim.crash, "n2")
    sim.schedule(31, sim.net.partition, ["n1"], ["n2", "n3"])
    sim.run(until=60)
    msgs = sim.trace.messages()
    ax = spacetime(sim, ax=new_axes())
    delivered = count(ax, "spacetime:delivered") + count(ax, "spacetime:duplicate")
    assert delivered == (msgs["outcome"] == "delivered").sum() > 0
    assert count(ax, "spacetime:duplicate") == len(msgs[msgs.outcome == "delivered"]) - msgs[msgs.outcome == "delivered"].msg_id.nunique()
    dropped = msgs[msgs.outcome == "dropped"].reason.str.replace(" (in flight)", "", regex=False).value_counts()
    for reason in ("loss", "partition", "node down"):
        assert count(ax, f"spacetime:{reason}") == dropped.get(reason, 0)
    assert dropped.sum() > 0 and dropped.get("partition", 0) > 0


@pytest.mark.parametrize("kwargs, message", [
    (dict(nodes=["a", "zz"]), "unknown node 'zz'"),
    (dict(nodes="a"), "write ['a']"),
    (dict(nodes=[]), "nodes is empty"),
    (dict(start=5, end=1), "start (5 ms) is after end (1 ms)"),
    (dict(start="soon"), "start must be a time in ms"),
    (dict(max_messages=0), "max_messages must be a positive int"),
    (dict(ax="not an axes"), "ax must be a matplotlib Axes"),
    (dict(label="yes"), "label must be True, False or a function"),
    (dict(label=True, max_labels=-1), "max_labels must be an int >= 0"),
])
def test_bad_arguments_raise_clear_errors(kwargs, message):
    with pytest.raises(ConfigError) as info:
        spacetime(known_trace(), **kwargs)
    assert message in str(info.value)


# -- message kinds -----------------------------------------------------------------------------


def labels(ax) -> list[str]:
    return [t.get_text() for t in ax.texts if t.get_gid() == "spacetime:label"]


def test_labels_colour_delivered_messages_by_kind_and_name_each_kind_in_the_legend():
    ax = spacetime(known_trace(), label=True, ax=new_axes())
    # m1 and m3 (first copy) are delivered; the message text is a str, so each kind is "str"
    assert count(ax, "spacetime:delivered:str") == 2 and count(ax, "spacetime:delivered") == 0
    assert count(ax, "spacetime:duplicate") == 1 and count(ax, "spacetime:loss") == 1  # fates keep their colours
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0] == "str" and "dropped: loss" in legend
    assert len(labels(ax)) == 6  # one per arrow: 2 delivered, 1 duplicate, 3 drops


def test_a_label_function_names_kinds_and_arrow_texts_and_many_arrows_keep_only_the_legend():
    kind = lambda m: ("even" if int(m[1:]) % 2 == 0 else "odd", f"#{m}")  # noqa: E731
    ax = spacetime(known_trace(), label=kind, ax=new_axes())
    assert {t.get_text() for t in ax.get_legend().get_texts()} >= {"odd"}
    assert sorted(labels(ax)) == sorted(["#m1", "#m3", "#m3", "#m2", "#m4", "#m5"])
    quiet = spacetime(known_trace(), label=kind, max_labels=3, ax=new_axes())
    assert labels(quiet) == [] and "odd" in [t.get_text() for t in quiet.get_legend().get_texts()]


def test_a_raft_election_is_labelled_with_its_message_types():
    from dsworkbook.consensus.raft import message_label, raft_sim

    sim = raft_sim(3)
    sim.run(until=260)
    ax = spacetime(sim, label=message_label, ax=new_axes())
    legend = {t.get_text() for t in ax.get_legend().get_texts()}
    assert {"RequestVote", "RequestVote reply", "AppendEntries reply"} <= legend
    assert any(g.startswith("spacetime:delivered:RequestVote") for g in by_gid(ax))


def test_unknown_nodes_list_the_known_ones():
    with pytest.raises(UnknownNodeError, match=r"\['a', 'b', 'c'\]"):
        spacetime(known_trace(), nodes=["d"])


@pytest.mark.parametrize("source, message", [
    ("a trace", "draws a Simulation or its Trace"),
    (Trace(enabled=False), "trace=False"),
])
def test_what_cannot_be_drawn_is_refused(source, message):
    with pytest.raises(ConfigError, match=message):
        spacetime(source, ax=new_axes())


# -- cluster graph ----------------------------------------------------------------------------

def broken_cluster() -> Simulation:
    sim = Simulation(seed=1)
    sim.add_nodes(["n1", "n2", "n3", "n4", "n5"], Heartbeater)
    sim.net.partition(["n1", "n2"], ["n3", "n4", "n5"])
    sim.net.cut("n3", "n4")
    sim.crash("n5")
    sim.pause("n2", 50)
    return sim


def node_styles(ax) -> tuple[list, list]:
    (nodes,) = by_gid(ax)["cluster:nodes"]
    return [tuple(c[:3]) for c in nodes.get_facecolors()], list(nodes.get_linewidths())


def test_cluster_nodes_are_coloured_by_side_and_state():
    ax = cluster_graph(broken_cluster(), ax=new_axes())
    faces, widths = node_styles(ax)
    rgb = matplotlib.colors.to_rgb
    assert faces[0] == faces[1] == pytest.approx(rgb(GROUP_COLORS[0]))
    assert faces[2] == faces[3] == pytest.approx(rgb(GROUP_COLORS[1]))
    assert faces[4] == pytest.approx(rgb(COLORS["down"]))  # n5 crashed
    assert widths[1] > widths[0]  # n2 paused: a thick ring


def test_cluster_draws_two_way_links_and_one_way_cuts_as_arrows():
    ax = cluster_graph(broken_cluster(), ax=new_axes())
    (links,) = by_gid(ax)["cluster:links"]
    # n1-n2 inside one side; n3-n5 and n4-n5 inside the other; n3-n4 only works one way
    assert len(links.get_segments()) == 3
    cuts = by_gid(ax)["cluster:cut"]
    assert len(cuts) == 1
    assert "cut n3→n4" in ax.get_title() and "{n1,n2} | {n3,n4,n5}" in ax.get_title()


def test_a_healthy_cluster_is_one_colour_and_fully_linked():
    sim = Simulation(seed=1)
    sim.add_nodes(["a", "b", "c", "d"], Heartbeater)
    ax = cluster_graph(sim, ax=new_axes())
    faces, _ = node_styles(ax)
    assert len(set(faces)) == 1
    assert len(by_gid(ax)["cluster:links"][0].get_segments()) == 6
    assert "cluster:cut" not in by_gid(ax)


def test_cluster_redraw_reuses_the_axes():
    ax = new_axes()
    sim = broken_cluster()
    cluster_graph(sim, ax=ax)
    before = (len(ax.collections), len(ax.patches), len(ax.texts))
    cluster_graph(sim, ax=ax)
    assert (len(ax.collections), len(ax.patches), len(ax.texts)) == before


def test_cluster_layout_is_a_fixed_circle_starting_at_the_top():
    from dsworkbook.viz.cluster import circle_layout

    pos = circle_layout(["a", "b", "c", "d"])
    assert pos["a"] == pytest.approx((0.0, 1.0)) and pos["b"] == pytest.approx((1.0, 0.0))
    assert pos == circle_layout(["a", "b", "c", "d"])


@pytest.mark.parametrize("sim, message", [
    ("n1", "draws a Simulation"),
    (Simulation(seed=1), "no nodes yet"),
])
def test_cluster_refuses_what_it_cannot_draw(sim, message):
    with pytest.raises(ConfigError, match=message):
        cluster_graph(sim, ax=new_axes())


# -- the panels' text-caching Agg canvas ----------------------------------------------------------


def _agg_picture(canvas_class: type, texts: list[tuple[str, float, float]]):
    import numpy as np

    fig = Figure(figsize=(4, 3), dpi=72)
    canvas = canvas_class(fig)
    ax = fig.add_subplot()
    for i, (s, size, angle) in enumerate(texts):
        ax.text(0.1 + 0.07 * (i % 10), 0.1 + 0.15 * (i // 10), s, fontsize=size, rotation=angle,
                fontweight="bold" if i % 3 == 0 else "normal", ha=("left", "center", "right")[i % 3])
    ax.set_title("$x^2$ and a title")  # math text goes the usual way
    for i, kind in enumerate(["RequestVote", "AppendEntries reply", "a long label (with descenders)"]):
        ax.plot([0, 1], [i, i + 1], marker="o>s"[i], label=kind)
    ax.legend(loc="best", fontsize=7, title="kinds")  # each box measured once per draw
    ax.get_figure().legend(loc="lower right", fontsize=6)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


def test_the_text_caching_canvas_draws_the_pixels_of_matplotlibs_agg_and_keeps_a_bounded_cache(monkeypatch):
    """Texts of every angle, weight and alignment, math text, an axes legend and a figure legend."""
    import random

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from dsworkbook.viz import _agg

    rng = random.Random(5)
    texts = [(rng.choice(["n1", "term 3", "leader", "ü ✓", "42 ms", "gossip (y)", "quorum, p99"]) + str(rng.randrange(3)),
              rng.choice([6.5, 8, 9]), rng.choice([0, 0, 30, 90])) for _ in range(40)]
    monkeypatch.setattr(_agg, "MAX_TEXTS", 12)
    monkeypatch.setattr(_agg.TextCachingRendererAgg, "_bitmaps", {})
    plain = _agg_picture(FigureCanvasAgg, texts)
    first = _agg_picture(_agg.TextCachingCanvasAgg, texts)  # bitmaps made
    again = _agg_picture(_agg.TextCachingCanvasAgg, texts)  # bitmaps reused (those still kept)
    assert (first == plain).all() and (again == plain).all()
    assert 0 < len(_agg.TextCachingRendererAgg._bitmaps) <= 12
    fig = Figure()
    _agg.TextCachingCanvasAgg(fig)
    fig.add_subplot().plot([1, 2], label="x")
    fig.axes[0].legend()
    fig.canvas.draw()
    assert not any(name in box.__dict__ for box in fig.axes[0].get_legend().findobj() for name in _agg._MEASURES)
