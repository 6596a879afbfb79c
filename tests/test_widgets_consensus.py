"""The Raft cluster view and the duelling-proposers panel, driven headless."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

import dsworkbook as dw  # noqa: E402
from dsworkbook.errors import ConfigError  # noqa: E402
from dsworkbook.widgets import PaxosDuel, RaftScope  # noqa: E402

PNG = b"\x89PNG"


@pytest.fixture(scope="module")
def scope() -> RaftScope:
    return dw.widgets.raft_scope(scenario="leader crash", seed=3)


def test_the_scope_runs_once_and_shows_the_seed_and_the_safety_verdict(scope):
    assert scope.runs == 1 and scope.error is None
    assert scope.verdict_text.startswith("seed: 3 — leader crash, correct")
    assert "all five safety properties held" in scope.verdict_text
    assert bytes(scope.diagram.value).startswith(PNG) and list(scope.result.table["node"]) == ["n1", "n2", "n3", "n4", "n5"]


def test_the_slider_picks_precomputed_frames_without_running_again(scope):
    runs = scope.runs
    before = scope.seek(300)
    image = scope.diagram.value
    after = scope.seek(900)
    assert scope.runs == runs  # only redrawn
    assert before.leaders == {"n4": 1} and after.leaders == {"n3": 2}
    assert scope.diagram.value != image and after.time == 900
    assert scope.time_slider.max == 2000


def test_a_button_acts_at_the_slider_time_and_the_run_before_it_is_unchanged():
    s = RaftScope(scenario="calm", seed=5)
    early = s.seek(400)
    s.seek(700)
    s.act("isolate leader")
    assert s.actions == [(700.0, "isolate leader")] and s.time_slider.value == 700
    assert s.frames[int(400 / 5)] == early  # the same run up to the action
    later = s.seek(1100)
    assert later.network.startswith("partition") and len(s.result.data["report"].leaders) >= 2
    s.buttons["heal"].click()
    assert s.actions[-1] == (1100.0, "heal") and s.seek(1200).network == "connected"
    s.undo_button.click()
    assert s.actions == []


def test_changing_a_control_forgets_the_actions_and_figure8_shows_the_broken_properties():
    s = RaftScope(scenario="calm", seed=5)
    s.seek(500)
    s.act("crash leader")
    s.set(scenario="figure 8", variant="commit_old_term_by_count")
    assert s.actions == []
    assert s.seek(600).broken == () and set(s.seek(700).broken) == {"leader completeness"}
    assert set(s.seek(900).broken) == {"leader completeness", "state machine safety"}
    with pytest.raises(ConfigError, match="scripted"):
        s.act("crash leader")
    with pytest.raises(ConfigError, match="unknown action"):
        s.act("reboot the universe")


def test_the_paxos_panel_shows_a_duel_then_a_decision():
    p = PaxosDuel()
    assert "no value chosen" in p.verdict_text and "agreement, validity, integrity hold" in p.verdict_text
    p.set(backoff="random")
    assert "chosen at t=" in p.verdict_text and set(p.result.table["decided"]) == {"B"}
    p.set(proposers=3, offset=5.0)
    assert p.error is None and len(p.result.table) == 3
    assert bytes(p.diagram.value).startswith(PNG)
    assert repr(p).startswith("PaxosDuel(proposers=3")


def test_the_cluster_view_names_every_kind_of_message_dot_in_a_legend(scope):
    from matplotlib.figure import Figure

    from dsworkbook.widgets.raft import draw_frame

    fig = Figure()
    axes = (fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2))
    draw_frame(scope.seek(300), axes)
    legend = axes[0].get_legend()
    assert legend.get_gid() == "raftscope:messages"
    assert [t.get_text() for t in legend.get_texts()] == ["RequestVote", "RequestVote reply", "AppendEntries",
                                                         "AppendEntries reply", "will be lost"]


def test_the_scope_offers_every_variant_its_scenarios_can_show():
    """Not the membership variant: no scenario of the scope changes the membership, so it would change nothing."""
    from dsworkbook.consensus.fuzzing.raft import MEMBERSHIP_VARIANTS
    from dsworkbook.consensus.raft import VARIANTS
    from dsworkbook.widgets.raft import RaftScope

    scope = RaftScope(run_now=False)
    offered = list(scope.controls["variant"].options)
    assert offered == [v for v in VARIANTS if v not in MEMBERSHIP_VARIANTS] and "change_before_term_commit" not in offered
    with pytest.raises(ConfigError, match="variant must be one of"):
        scope.set(variant="change_before_term_commit")
