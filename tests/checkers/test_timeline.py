"""History timelines: bars per process, faded context around a counterexample, witness dots."""

from __future__ import annotations

from collections import Counter

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from dsworkbook.checkers import check_linearizable, parse_timeline  # noqa: E402
from dsworkbook.checkers.workloads import random_history  # noqa: E402
from dsworkbook.errors import ConfigError  # noqa: E402
from dsworkbook.viz import timeline  # noqa: E402


def gids(ax) -> Counter:
    found: Counter = Counter()
    for artist in [*ax.patches, *ax.collections, *ax.lines]:
        if artist.get_gid():
            found[artist.get_gid()] += 1
    return found


def new_axes():
    return Figure(figsize=(8, 3)).add_subplot()


def test_one_bar_per_operation_in_its_process_lane():
    h = parse_timeline("A: [w 1]   [r 1]\nB:   [w 2 ?]\nC: [cas 1>2 !]")
    ax = timeline(h, ax=new_axes())
    g = gids(ax)
    assert (g["timeline:write"], g["timeline:read"], g["timeline:fail"]) == (2, 1, 1)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["B", "C", "A"]  # A first, on top
    assert {t.get_text() for t in ax.texts} >= {"w 1", "r 1", "w 2 ?", "cas 1>2 !"}


def test_a_result_alone_draws_its_counterexample_and_where_no_order_works():
    r = check_linearizable(parse_timeline("A: [w 1]  [w 2]\nB:             [r 1]\nC: [w 3 ?]"))
    ax = timeline(r, ax=new_axes())
    assert gids(ax)["timeline:stuck"] == 1 and "smallest violating sub-history (3 ops)" in ax.get_title()
    assert sum(p.get_gid() is not None for p in ax.patches) == 3


def test_a_witness_is_drawn_as_numbered_points():
    h = parse_timeline("A: [w 1]      [r 2]\nB:    [w 2      ]\nC:          [r 1 ]")
    ax = timeline(h, ax=new_axes(), result=check_linearizable(h))
    assert gids(ax)["timeline:witness"] == 1 and "legal order" in ax.get_title()
    assert {"1", "2", "3", "4"} <= {t.get_text() for t in ax.texts}


def test_a_large_history_draws_without_labels_and_a_highlight_fades_the_rest():
    h = random_history(1, ops=500, clients=5)
    ax = timeline(h, ax=new_axes(), highlight=[0, 1])
    assert not ax.texts and sum(1 for p in ax.patches if p.get_alpha() == 0.25) == 498


def test_timeline_refuses_what_it_cannot_draw():
    with pytest.raises(ConfigError, match="timeline\\(\\) draws"):
        timeline("A: [w 1]", ax=new_axes())
