"""Experiment panels, headless: set controls, run, read the result; and the network playground."""

from __future__ import annotations

import re
from typing import Any

import matplotlib

matplotlib.use("Agg")

import ipywidgets as widgets  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from dsworkbook.errors import ConfigError  # noqa: E402
from dsworkbook.widgets import (ExperimentPanel, ExperimentResult, NetworkPlayground, network_playground,  # noqa: E402
                                ping_workload)
from dsworkbook.widgets.network import LATENCY_MODELS, latency_model  # noqa: E402

PNG = b"\x89PNG"


class Squares(ExperimentPanel):
    """A tiny panel: the first n numbers, doubled or squared; fails on n == 4 (a 'bad combination')."""

    def make_controls(self) -> dict[str, widgets.ValueWidget]:
        return {"n": widgets.IntSlider(value=3, min=1, max=10, description="n"),
                "mode": widgets.Dropdown(options=[("double it", "x2"), ("square it", "sq")], value="x2"),
                "seed": widgets.IntText(value=5)}

    def compute(self, params: dict[str, Any], progress) -> ExperimentResult:
        if params["n"] == 4:
            raise ConfigError("n=4 does not go with this mode; pick another n")
        f = (lambda i: 2 * i) if params["mode"] == "x2" else (lambda i: i * i)
        rows = []
        for i in range(params["n"]):
            rows.append((i, f(i)))
            progress((i + 1) / params["n"] / 2)
        table = pd.DataFrame(rows, columns=["i", "f(i)"])
        return ExperimentResult(params, table=table, verdict=f"sum {table['f(i)'].sum()}")

    def draw(self, result: ExperimentResult, ax) -> None:
        ax.plot(result.table["i"], result.table["f(i)"], "o-", gid="squares")


# -- the panel base -----------------------------------------------------------------------------

def test_run_computes_draws_and_shows_the_seed():
    panel = Squares()
    result = panel.run()
    assert result is panel.result and panel.error is None and panel.runs == 1
    assert result.params == {"n": 3, "mode": "x2", "seed": 5}
    assert result.seed == 5  # taken from the seed control
    assert list(result.table["f(i)"]) == [0, 2, 4]
    assert panel.verdict_text == "seed: 5 — sum 6"
    assert "seed: 5" in panel.verdict.value
    (line,) = panel.axes.get_lines()
    assert list(line.get_ydata()) == [0, 2, 4]
    assert bytes(panel.diagram.value).startswith(PNG)


def test_nothing_runs_until_asked_unless_run_now():
    assert Squares().runs == 0 and Squares().result is None
    assert Squares(run_now=True).runs == 1


def test_set_changes_controls_and_a_choice_can_be_given_by_its_label():
    panel = Squares()
    panel.set(n=6, mode="square it")
    assert panel.values == {"n": 6, "mode": "sq", "seed": 5}
    assert panel.run().verdict == "sum 55"


@pytest.mark.parametrize("values, message", [
    (dict(m=3), "unknown control(s) ['m']; this panel has ['n', 'mode', 'seed']"),
    (dict(n=11), "n must be between 1 and 10, got 11"),
    (dict(n=2.5), "n must be a whole number"),
    (dict(n="3"), "n must be a number"),
    (dict(mode="cube it"), "mode must be one of ['double it', 'square it']"),
    (dict(seed=True), "seed must be a number"),
])
def test_set_rejects_bad_values_with_a_clear_error(values, message):
    panel = Squares()
    with pytest.raises(ConfigError) as info:
        panel.set(**values)
    assert message in str(info.value)
    assert panel.values == {"n": 3, "mode": "x2", "seed": 5}  # nothing half-applied


def test_auto_run_reruns_once_per_change():
    panel = Squares(auto_run=True)
    panel.set(n=5)
    assert panel.runs == 1 and panel.result.verdict == "sum 20"
    panel.set(n=5)  # no change, no run
    assert panel.runs == 1
    panel.set(n=6, mode="sq")  # two changes, one run
    assert panel.runs == 2 and panel.result.verdict == "sum 55"
    panel.controls["n"].value = 2  # the reader moves the slider
    assert panel.runs == 3 and panel.result.verdict == "sum 1"


def test_without_auto_run_changes_wait_for_the_run_button():
    panel = Squares()
    panel.controls["n"].value = 2
    assert panel.runs == 0
    panel.run_button.click()
    assert panel.runs == 1 and panel.result.verdict == "sum 2"


class SlowAboveEight(Squares):
    """Squares whose runs for n > 8 are declared too slow to follow a control."""

    def runs_on_change(self, params) -> bool:
        return params["n"] <= 8


def test_a_change_to_slow_settings_keeps_the_previous_result_and_waits_for_run():
    panel = SlowAboveEight(auto_run=True, run_now=True)
    before_image, before_verdict = bytes(panel.diagram.value), panel.verdict_text
    panel.controls["n"].value = 9  # the reader moves the slider into the slow range
    assert panel.runs == 1 and panel.stale and panel.result.params["n"] == 3  # no run; the old result stays
    assert bytes(panel.diagram.value) == before_image and panel.verdict_text == before_verdict
    assert "press Run" in panel.verdict.value and panel.run_button.button_style == "warning"
    assert panel.progress_value == 0.0
    panel.run_button.click()
    assert panel.runs == 2 and not panel.stale and panel.result.verdict == "sum 72"
    assert panel.run_button.button_style == "primary" and panel.progress_value == 1.0


def test_fast_settings_still_run_on_change_and_set_always_runs():
    panel = SlowAboveEight(auto_run=True)
    panel.controls["n"].value = 2
    assert panel.runs == 1 and not panel.stale
    panel.set(n=10)  # a script asked for the result: it runs whatever it costs
    assert panel.runs == 2 and panel.result.verdict == "sum 90"


def test_sliders_report_only_when_released():
    panel = Squares(auto_run=True)
    assert panel.controls["n"].continuous_update is False


def test_an_error_is_shown_in_red_and_kept_not_raised():
    panel = Squares(run_now=True)
    panel.set(n=4)
    assert panel.run() is None
    assert isinstance(panel.error, ConfigError) and panel.result is None
    assert panel.verdict_text == "seed: 5 — ConfigError: n=4 does not go with this mode; pick another n"
    assert "color:#c0392b" in panel.verdict.value and "n=4 does not go" in panel.verdict.value
    assert not panel.axes.get_lines()  # the old diagram is gone
    panel.set(n=2)
    assert panel.run() is not None and panel.error is None and panel.verdict_text == "seed: 5 — sum 2"


def test_an_error_during_auto_run_is_shown_too():
    panel = Squares(auto_run=True)
    panel.controls["n"].value = 4
    assert panel.runs == 1 and isinstance(panel.error, ConfigError)


def test_compute_must_return_an_experiment_result():
    panel = ExperimentPanel(controls={"x": widgets.IntSlider()}, compute=lambda params, progress: 42)
    panel.run()
    assert isinstance(panel.error, TypeError) and "must return an ExperimentResult" in panel.verdict_text


def test_progress_goes_from_zero_to_one():
    seen: list[float] = []
    panel = Squares()
    report = panel.report_progress
    panel.report_progress = lambda f: (seen.append(f), report(f))  # type: ignore[method-assign]
    panel.set(n=8)
    panel.run()
    # 0, eight steps of compute, the same fraction again before drawing, 1
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen) and len(seen) == 11 and seen[-3] == seen[-2]
    assert panel.progress_bar.value == panel.progress_value == 1.0


def _watch(panel: ExperimentPanel) -> list[tuple[str, object]]:
    """Every change the page would hear of from the Run button and the progress bar, in order."""
    seen: list[tuple[str, object]] = []
    panel.run_button.observe(lambda c: seen.append(("button " + c["name"], c["new"])), names=["description", "disabled"])
    panel.progress_bar.observe(lambda c: seen.append(("bar", c["new"])), names="value")
    return seen


def test_a_quick_run_sends_no_running_state_and_no_progress_before_its_answer():
    panel = Squares()
    panel.run()
    seen = _watch(panel)
    panel.set(n=9)
    panel.run()
    assert seen == [] and panel.run_button.description == "Run" and not panel.run_button.disabled
    assert panel.progress_bar.value == panel.progress_value == 1.0


def test_a_long_run_shows_running_and_moves_the_bar_then_gives_the_button_back():
    import time

    def slow(params, progress):
        for i in range(1, 5):
            time.sleep(0.06)
            progress(i / 5)
        return ExperimentResult(params, verdict="done")

    panel = ExperimentPanel(controls={"seed": widgets.IntText(value=1)}, compute=slow)
    seen = _watch(panel)
    panel.run()
    assert ("button description", "Running…") in seen and ("button disabled", True) in seen
    bars = [v for k, v in seen if k == "bar"]
    assert 0.0 < bars[0] < 1.0 and bars[-1] == 1.0 and bars == sorted(bars)
    assert seen.index(("button description", "Running…")) < seen.index(("bar", bars[0]))
    assert panel.run_button.description == "Run" and not panel.run_button.disabled


def test_a_run_whose_compute_reports_nothing_shows_running_before_it_draws():
    """A long compute that never calls progress: the page hears "Running…" before the drawing starts."""
    import time

    shown_while_drawing: list[str] = []

    def slow(params, progress):
        time.sleep(0.15)
        return ExperimentResult(params, verdict="done")

    panel = ExperimentPanel(controls={"seed": widgets.IntText(value=1)}, compute=slow,
                            draw=lambda result, ax: shown_while_drawing.append(panel.run_button.description))
    panel.run()
    assert shown_while_drawing == ["Running…"] and panel.run_button.description == "Run"


def test_the_table_is_the_dataframes_own_html_headless_too_and_a_bug_shows_its_traceback():
    panel = Squares()
    panel.set(n=3)
    panel.run()
    assert panel.table_output.value == panel.result.table._repr_html_() and "<table" in panel.table_output.value

    def buggy(params, progress):
        return {}["missing"]

    broken = ExperimentPanel(controls={"seed": widgets.IntText(value=1)}, compute=buggy)
    broken.run()
    assert "KeyError" in broken.verdict_text and "Traceback" in broken.table_output.value
    assert "in buggy" in broken.table_output.value  # the frame where it broke


def test_a_bad_progress_value_is_an_error_the_reader_sees():
    panel = ExperimentPanel(controls={"x": widgets.IntSlider()},
                            compute=lambda params, progress: progress("half") or ExperimentResult(params))
    panel.run()
    assert "progress() takes a fraction between 0 and 1, got 'half'" in panel.verdict_text


def test_the_figure_is_made_once_and_redrawn_in_place():
    panel = Squares()
    fig, ax = panel.fig, panel.axes
    panel.run()
    first = bytes(panel.diagram.value)
    panel.set(n=7)
    panel.run()
    assert panel.fig is fig and panel.axes is ax and fig.axes == [ax]
    assert len(ax.get_lines()) == 1  # cleared, not drawn on top
    assert bytes(panel.diagram.value) != bytes(first) and bytes(panel.diagram.value).startswith(PNG)


def test_a_function_panel_without_draw_has_no_figure():
    panel = ExperimentPanel(controls={"seed": widgets.IntText(value=3)},
                            compute=lambda params, progress: ExperimentResult(params, verdict="ok"),
                            title="quick")
    assert panel.fig is None and not panel.has_diagram
    assert panel.run().seed == 3 and panel.verdict_text == "seed: 3 — ok"
    assert panel.diagram.layout.display == "none"


@pytest.mark.parametrize("kwargs, message", [
    (dict(controls={"x": widgets.IntSlider()}), "needs a compute step"),
    (dict(controls={}, compute=lambda p, g: None), "non-empty dict"),
    (dict(controls={"x": 3}, compute=lambda p, g: None), "control 'x' must be an ipywidget"),
    (dict(controls={"a b": widgets.IntSlider()}, compute=lambda p, g: None), "Python identifiers"),
])
def test_a_panel_without_controls_or_compute_is_refused(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        ExperimentPanel(**kwargs)


def test_initial_values_are_checked_and_do_not_run_by_themselves():
    panel = Squares(auto_run=True, initial={"n": 7})
    assert panel.values["n"] == 7 and panel.runs == 0
    with pytest.raises(ConfigError, match="unknown control"):
        Squares(initial={"k": 1})


def test_layout_controls_then_run_then_verdict_table_diagram():
    panel = Squares(title="Squares")
    title, controls, run_row, verdict, table, diagram = panel.widget.children
    assert list(controls.children) == list(panel.controls.values())
    assert run_row.children == (panel.run_button, panel.progress_bar)
    assert (verdict, table, diagram) == (panel.verdict, panel.table_output, panel.diagram)
    assert "dsw-verdict" in panel.verdict._dom_classes
    assert "dsw-control-seed" in panel.controls["seed"]._dom_classes


def test_the_text_form_is_stable_for_nbval():
    panel = Squares()
    bundle = panel._repr_mimebundle_()
    assert bundle["text/plain"] == "Squares(n=3, mode='x2', seed=5)"
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "0x" not in repr(panel.run())


# -- the network playground ---------------------------------------------------------------------

VERDICT = re.compile(r"^seed: (\d+) — (\d+) sent, (\d+) delivered, (\d+) lost( \(.*\))?, (\d+) duplicates; "
                     r"p50 [\d.]+ ms, p99 [\d.]+ ms$")


@pytest.fixture(scope="module")
def playground() -> NetworkPlayground:
    return network_playground()


def totals(panel: NetworkPlayground) -> pd.Series:
    return panel.result.data["stats"].loc[("all", "all")]


def test_the_playground_runs_at_once_and_shows_seed_table_and_verdict():
    panel = network_playground()
    assert panel.runs == 1 and panel.error is None
    m = VERDICT.match(panel.verdict_text)
    assert m, panel.verdict_text
    all_row = totals(panel)
    assert m.group(1) == "7" and int(m.group(2)) == all_row["sent"] and int(m.group(4)) == all_row["lost"]
    assert panel.result.table.index[0] == ("all", "all") and len(panel.result.table) == 6
    assert 200 <= all_row["sent"] <= 400  # 200 pings, and a pong for each ping that arrived


def test_the_same_seed_gives_the_same_table_and_another_seed_another():
    a, b = network_playground(seed=3), network_playground(seed=3)
    pd.testing.assert_frame_equal(a.result.table, b.result.table)
    assert a.result.data["sim"].trace.digest() == b.result.data["sim"].trace.digest()
    b.set(seed=4)
    assert b.runs == 2 and not a.result.table.equals(b.result.table)
    assert b.verdict_text.startswith("seed: 4 — ")


def test_changing_a_control_reruns_and_changes_the_outputs(playground):
    before, runs = playground.verdict_text, playground.runs
    playground.controls["loss"].value = 0.4
    assert playground.runs == runs + 1 and playground.verdict_text != before
    assert playground.result.data["drops"]["loss"] > 50
    playground.set(loss=0.05)


def test_a_perfect_network_delivers_everything_once(playground):
    playground.set(loss=0.0, duplicate=0.0, reorder=0.0, partition="none", pings=200)
    t = totals(playground)
    assert t["lost"] == t["duplicates"] == 0 and t["delivered"] == t["sent"] == 400
    assert playground.result.data["drops"] == {}


def test_duplication_shows_up_as_duplicates(playground):
    playground.set(loss=0.0, duplicate=0.3, partition="none")
    t = totals(playground)
    assert t["duplicates"] > 50 and t["delivered"] == t["sent"] + t["duplicates"]
    playground.set(duplicate=0.0)


def link(panel: NetworkPlayground, src: str, dst: str) -> pd.Series:
    return panel.result.data["stats"].loc[(src, dst)]


def test_a_split_partition_drops_exactly_the_messages_across_it(playground):
    playground.set(loss=0.0, duplicate=0.0, partition="{n1,n2} | {n3,n4,n5}")
    assert playground.result.data["drops"]["partition"] > 50
    for a in ("n1", "n2"):
        for b in ("n3", "n4", "n5"):
            assert link(playground, a, b)["delivered"] == link(playground, b, a)["delivered"] == 0
    assert link(playground, "n1", "n2")["lost"] == 0 and link(playground, "n3", "n5")["lost"] == 0
    assert "spacetime:partitioned" in {p.get_gid() for p in playground.axes.patches}


def test_isolating_n1_cuts_it_off_both_ways(playground):
    playground.set(loss=0.0, duplicate=0.0, partition="isolate")
    stats = playground.result.data["stats"].drop(index=("all", "all"))
    touching = [i for i in stats.index if "n1" in i]
    assert stats.loc[touching, "delivered"].sum() == 0 and stats.loc[touching, "sent"].sum() > 0
    assert stats.drop(index=touching)["lost"].sum() == 0


def test_a_one_way_cut_blocks_only_one_direction(playground):
    playground.set(loss=0.0, duplicate=0.0, partition="cut")
    forward, back = link(playground, "n1", "n2"), link(playground, "n2", "n1")
    assert forward["sent"] > 0 and forward["delivered"] == 0
    assert back["delivered"] == back["sent"] > 0
    assert playground.result.data["drops"] == {"partition": forward["sent"]}
    assert playground.result.table.index[1] == ("n1", "n2")  # the worst link comes first


def test_the_partition_choice_changes_the_delivery_numbers(playground):
    lost = {}
    for choice in ("none", "split", "isolate", "cut"):
        playground.set(loss=0.0, duplicate=0.0, partition=choice)
        lost[choice] = totals(playground)["lost"]
    assert lost["none"] == 0 < lost["cut"] < lost["isolate"] < lost["split"]
    playground.set(partition="none")


def test_constant_latency_gives_the_same_delay_for_every_message(playground):
    playground.set(latency_model="constant", mean_latency=8.0, reorder=0.0, partition="none")
    t = totals(playground)
    assert t["p50"] == pytest.approx(8.0) and t["p99"] == pytest.approx(8.0)
    playground.set(latency_model="uniform", mean_latency=5.0)


@pytest.mark.parametrize("model", LATENCY_MODELS)
def test_every_latency_model_has_the_mean_asked_for(model):
    assert latency_model(model, 8.0).mean == pytest.approx(8.0)
    sim = ping_workload(3, latency_model=model, mean_latency=8.0, pings=1000)
    assert sim.trace.messages()["latency"].mean() == pytest.approx(8.0, rel=0.2)


def test_a_long_tail_has_a_p99_far_above_its_p50(playground):
    playground.set(latency_model="long tail", mean_latency=5.0, reorder=0.0)
    t = totals(playground)
    assert t["p99"] > 5 * t["p50"]
    playground.set(latency_model="uniform")


def test_the_diagram_shows_the_first_messages_only(playground):
    playground.set(pings=400)
    assert "first 60 of" in playground.axes.get_title()
    assert bytes(playground.diagram.value).startswith(PNG)


def test_the_playground_reports_progress_to_the_end():
    panel = NetworkPlayground(run_now=False)
    seen: list[float] = []
    report = panel.report_progress
    panel.report_progress = lambda f: (seen.append(f), report(f))  # type: ignore[method-assign]
    panel.run()
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen) and len(seen) >= 10


def test_the_convenience_constructor_takes_initial_settings():
    panel = network_playground(loss=0.2, partition="isolate n1", seed=11)
    assert panel.values["loss"] == 0.2 and panel.values["partition"] == "isolate"
    assert panel.runs == 1 and panel.result.seed == 11
    with pytest.raises(ConfigError, match="unknown control"):
        network_playground(los=0.2)


@pytest.mark.parametrize("kwargs, message", [
    (dict(latency_model="gamma"), "latency_model must be one of"),
    (dict(partition="halves"), "partition must be one of"),
    (dict(pings=-1), "pings must be a whole number"),
    (dict(mean_latency=0), "mean_latency must be a number of ms > 0"),
    (dict(loss=2.0), "loss is a probability"),
])
def test_the_workload_refuses_bad_settings(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        ping_workload(1, **kwargs)


@pytest.mark.parametrize("seed", range(12))
def test_the_playgrounds_drop_reasons_are_the_dropped_copies_counted_by_reason(seed):
    """The verdict's "(N reason, ...)": dropped copies by reason, "(in flight)" merged into its reason."""
    import random

    from dsworkbook.widgets.network import _drop_reasons, ping_workload

    r = random.Random(seed)
    messages = ping_workload(seed, loss=r.choice([0, 0.1, 0.6]), duplicate=r.choice([0, 0.2]), pings=r.choice([0, 3, 150]),
                             partition=r.choice(["none", "isolate", "split", "cut"])).trace.messages()
    dropped = messages.loc[messages["outcome"] == "dropped", "reason"].str.replace(" (in flight)", "", regex=False)
    assert _drop_reasons(messages) == {str(k): int(v) for k, v in dropped.value_counts().sort_index().items()}
