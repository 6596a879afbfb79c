"""The clock diagram builder, headless: buttons and methods build the model, one figure is redrawn."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import dsworkbook as dw  # noqa: E402
from dsworkbook.errors import ConfigError  # noqa: E402
from dsworkbook.widgets import ClockDiagramPanel, clock_diagram  # noqa: E402

PNG = b"\x89PNG"


def test_it_starts_from_a_script_and_shows_clocks_and_the_vector_check():
    p = clock_diagram(steps=[("local", "A"), ("send", "A", "B")])
    assert isinstance(p, ClockDiagramPanel) and p.runs == 1 and p.error is None
    assert p.verdict_text.startswith("2 events, 1 messages (1 pending)")
    assert "vector clocks agree with happens-before on all 1 pairs" in p.verdict_text
    assert list(p.result.table["lamport"]) == [1, 2] and bytes(p.diagram.value).startswith(PNG)


def test_the_actions_follow_the_chosen_process_and_its_pending_messages():
    p = clock_diagram(steps=[("send", "A", "B")])
    assert [v for _, v in p.controls["action"].options] == ["local", "send:B", "send:C"]
    p.set(node="B")
    assert [v for _, v in p.controls["action"].options] == ["local", "send:A", "send:C", "receive:m1"]
    p.set(action="receive:m1")
    p.add_button.click()
    assert p.model.events[-1].id == "B1" and p.model.pending() == []
    assert "receive:m1" not in [v for _, v in p.controls["action"].options]


def test_buttons_undo_and_reset_and_random_fill():
    p = clock_diagram()
    p.set(node="C", action="send:A")
    p.add_button.click()
    p.add_button.click()
    assert [e.id for e in p.model.events] == ["C1", "C2"]
    p.undo_button.click()
    assert [e.id for e in p.model.events] == ["C1"] and [m.id for m in p.model.messages] == ["m1"]
    p.set(random_seed=3, random_events=10)
    p.random_button.click()
    assert len(p.model) == 11 and p.result.seed == 3 and p.verdict_text.startswith("seed: 3 — 11 events")
    p.reset_button.click()
    assert len(p.model) == 0 and p.result.seed is None


def test_random_fill_is_a_function_of_its_seed():
    a, b = clock_diagram(), clock_diagram()
    a.random_fill(5, 12)
    b.random_fill(5, 12)
    assert a.model.steps() == b.model.steps()


def test_focus_colours_the_concurrent_events_and_reports_them():
    p = clock_diagram(steps=[("local", "A"), ("send", "A", "B"), ("local", "C"), ("receive", "B", "m1")])
    p.set(focus="C1")
    assert "C1: 0 events before it, 0 after, 3 concurrent (A1, A2, B1)" in p.verdict_text
    assert list(p.result.table["vs C1"]) == ["concurrent", "concurrent", "equal", "concurrent"]
    p.set(focus="A1")
    assert "A1: 0 events before it, 2 after, 1 concurrent (C1)" in p.verdict_text


def test_a_button_that_cannot_act_shows_the_error_and_a_method_raises_it():
    p = clock_diagram()
    p.undo_button.click()
    assert isinstance(p.error, ConfigError) and "nothing to undo" in p.verdict_text
    assert "color:#c0392b" in p.verdict.value
    with pytest.raises(ConfigError, match="never sent"):
        p.receive("A", "m7")
    with pytest.raises(ConfigError, match="action must be"):
        p.add("A", "teleport:B")


def test_every_change_redraws_into_the_one_figure():
    before = plt.get_fignums()
    p = clock_diagram()
    fig = p.fig
    images = set()
    for step in ("send:B", "local", "send:C"):
        p.add("A", step)
        images.add(bytes(p.diagram.value))
    p.set(stamps="lamport")
    assert p.fig is fig and len(fig.axes) == 1 and len(images) == 3
    assert plt.get_fignums() == before  # no pyplot figure created per change
    stamps = [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "clocks:stamp"]
    assert stamps and all(s.startswith("L=") and "[" not in s for s in stamps)


def test_the_panel_is_reachable_from_dw_widgets_and_has_a_stable_repr():
    p = dw.widgets.clock_diagram(["P", "Q"], steps=[("local", "P")], focus="P1")
    assert repr(p) == "ClockDiagramPanel(nodes=['P', 'Q'], events=1, focus='P1')"
    assert p._repr_mimebundle_()["text/plain"] == repr(p)
