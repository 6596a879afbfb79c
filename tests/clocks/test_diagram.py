"""The space-time diagram model: building, undo, happens-before from the graph, clear errors."""

from __future__ import annotations

import pytest

from dsworkbook.clocks import PUZZLE_PAIRS, Order, SpaceTimeDiagram, draw_diagram, puzzle_diagram
from dsworkbook.errors import ConfigError, UnknownNodeError


def small() -> SpaceTimeDiagram:
    d = SpaceTimeDiagram(["A", "B", "C"])
    d.local("A")            # A1
    d.send("A", "B")        # A2 -> m1
    d.local("C")            # C1
    d.receive("B", "m1")    # B1
    d.send("B", "C")        # B2 -> m2
    return d


def test_events_are_named_per_process_and_messages_in_order():
    d = small()
    assert [e.id for e in d.events] == ["A1", "A2", "C1", "B1", "B2"]
    assert [(m.id, m.src, m.dst, m.send) for m in d.messages] == [("m1", "A", "B", "A2"), ("m2", "B", "C", "B2")]
    assert [m.id for m in d.pending()] == ["m2"] and d.pending("A") == []
    assert d.receiver("m1").id == "B1" and d.receiver("m2") is None


def test_process_ids_ending_in_a_digit_get_a_dot():
    d = SpaceTimeDiagram(["n1", "n2"])
    assert d.local("n1").id == "n1.1"


def test_happens_before_follows_process_order_messages_and_transitivity():
    d = small()
    assert d.happens_before("A1", "A2")          # process order
    assert d.happens_before("A2", "B1")          # a message
    assert d.happens_before("A1", "B2")          # transitivity
    assert not d.happens_before("B1", "A1")
    assert d.relation("C1", "B2") is Order.CONCURRENT
    assert d.relation("B2", "A1") is Order.AFTER and d.relation("A1", "A1") is Order.EQUAL
    assert [e.id for e in d.concurrent_with("C1")] == ["A1", "A2", "B1", "B2"]
    assert [e.id for e in d.chain("A1", "B2")] == ["A1", "A2", "B1", "B2"] and d.chain("C1", "A1") == []


def test_undo_takes_back_the_last_event_and_its_message():
    d = small()
    assert d.undo().id == "B2" and d.messages[-1].id == "m1"
    assert d.undo().id == "B1" and [m.id for m in d.pending("B")] == ["m1"]
    d.receive("B", "m1")
    assert d.events[-1].id == "B1"
    d.reset()
    assert len(d) == 0 and d.messages == ()


@pytest.mark.parametrize("action, error, match", [
    (lambda d: d.local("Z"), UnknownNodeError, "'Z'"),
    (lambda d: d.send("A", "A"), ConfigError, "itself"),
    (lambda d: d.receive("B", "m9"), ConfigError, "never sent"),
    (lambda d: d.receive("A", "m2"), ConfigError, "addressed to C"),
    (lambda d: d.receive("B", "m1"), ConfigError, "already received"),
    (lambda d: d.event("Q7"), ConfigError, "no event 'Q7'"),
    (lambda d: d.apply(("jump", "A")), ConfigError, "a step is"),
    (lambda d: SpaceTimeDiagram(["A", "A"]), ConfigError, "distinct"),
    (lambda d: SpaceTimeDiagram("ABC"), ConfigError, "the string"),
])
def test_mistakes_are_clear_errors(action, error, match):
    with pytest.raises(error, match=match):
        action(small())


def test_undo_on_an_empty_diagram_is_an_error():
    with pytest.raises(ConfigError, match="nothing to undo"):
        SpaceTimeDiagram().undo()


def test_random_diagrams_are_a_function_of_their_seed_and_steps_rebuild_them():
    a, b = SpaceTimeDiagram.random(3, events=20), SpaceTimeDiagram.random(3, events=20)
    assert a.steps() == b.steps() != SpaceTimeDiagram.random(4, events=20).steps()
    assert a.copy().steps() == a.steps() and a.copy().vector() == a.vector()


def test_the_puzzle_has_concurrent_pairs_with_different_lamport_times():
    d = puzzle_diagram()
    lam = d.lamport()
    relations = [d.relation(a, b) for a, b in PUZZLE_PAIRS]
    assert Order.BEFORE in relations and Order.AFTER in relations
    assert any(r is Order.CONCURRENT and lam[a] != lam[b] for r, (a, b) in zip(relations, PUZZLE_PAIRS))


def test_the_table_has_clocks_and_the_relation_to_a_focus():
    df = small().to_dataframe(focus="C1")
    assert list(df.columns) == ["node", "kind", "message", "peer", "lamport", "vector", "vs C1"]
    assert df.loc["B1", "vector"] == [2, 1, 0] and df.loc["B2", "vs C1"] == "concurrent"


def test_the_drawing_colours_events_by_their_relation_to_the_focus():
    import matplotlib

    matplotlib.use("Agg")
    d = small()
    d.receive("C", "m2")
    ax = draw_diagram(d, focus="C1")
    dots = [a for a in ax.collections if a.get_gid() == "clocks:events"]
    assert len(dots) == 1 and len(dots[0].get_offsets()) == len(d)
    assert sum(1 for t in ax.texts if t.get_gid() == "clocks:stamp") == len(d)
    assert "4 concurrent with C1" in ax.get_title()
    d.send("A", "C")
    draw_diagram(d, ax=ax)  # redrawn into the same axes
    gids = [a.get_gid() for a in ax.texts]
    assert gids.count("clocks:message") == 2 and gids.count("clocks:pending") == 1
    assert len(ax.figure.axes) == 1
    with pytest.raises(ConfigError, match="no event"):
        draw_diagram(d, ax=ax, focus="Z9")
