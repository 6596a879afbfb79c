"""The region panel of notebook 14, headless: fail a region, watch traffic move, writes lost or conflicted."""

from __future__ import annotations

import time

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

import dsworkbook.widgets.regions as regions_widget  # noqa: E402
from dsworkbook.errors import ConfigError  # noqa: E402
from dsworkbook.regions.world import LOCATIONS  # noqa: E402
from dsworkbook.widgets.regions import (DEPLOYMENTS, LIVE_MULTI_LEADER_RATE, MODES, POLICIES, REGION_LONLAT, RESOLUTIONS,  # noqa: E402
                                        RegionPanel, _pieces, region_panel, region_run, region_table)

PNG = b"\x89PNG"
US_EU_ASIA = "US, EU, Asia"


@pytest.fixture(scope="module")
def panel():
    return region_panel(deployment=US_EU_ASIA, policy="latency", failed="us-east-1", mode="async", timeout=500,
                        seed=0)


def test_the_panel_runs_at_once_and_shows_the_seed_a_verdict_a_table_and_a_map(panel):
    assert panel.error is None and panel.result.seed == 0
    assert panel.verdict_text.startswith("seed: 0 — ")
    assert bytes(panel.diagram.value).startswith(PNG)
    table = panel.result.table
    assert list(table["region"]) == list(DEPLOYMENTS[US_EU_ASIA])
    assert dict(zip(table["region"], table["role"]))["us-east-1"] == "failed"


def test_the_drawing_has_every_region_and_an_arrow_per_client(panel):
    world_ax = panel.axes[0]
    run = panel.run_data
    regions = [c for c in world_ax.collections if c.get_offsets().shape[0] == len(run.regions)]
    assert regions, "the regions are one scatter of len(regions) points"
    points = {tuple(map(float, p)) for p in regions[-1].get_offsets()}
    assert points == {REGION_LONLAT[r] for r in run.regions}
    served = [loc for loc in LOCATIONS if run.routes_after.get(loc) is not None]
    quiver = [c for c in world_ax.collections if type(c).__name__ == "Quiver"]
    assert len(quiver) == 1 and quiver[0].N == len(served)
    assert any(run.title() in t.get_text() for t in world_ax.texts)


def test_failing_the_leaders_region_moves_every_client_away_from_it(panel):
    run = panel.run_data
    assert any(r == "us-east-1" for r in run.routes_before.values())          # it served someone before
    assert all(r != "us-east-1" for r in run.routes_after.values())           # and nobody after
    assert run.leader_before == "us-east-1" and run.leader_after not in (None, "us-east-1")


def test_no_failure_no_move_no_loss():
    run = region_run(US_EU_ASIA, "latency", "none", "async", "lww", 500, 50, 1000, 0)
    assert dict(run.routes_before) == dict(run.routes_after)
    assert run.figures["acknowledged writes lost"] == 0
    assert run.leader_after == run.leader_before == "us-east-1"


@pytest.mark.parametrize("control, values", [
    ("deployment", list(DEPLOYMENTS)),
    ("policy", list(POLICIES)),
    ("failed", ["none", "eu-west-1", "ap-northeast-1", "us-east-1"]),
    ("mode", list(MODES)),
    ("resolution", list(RESOLUTIONS)),
    ("timeout", [100, 1000, 2000]),
    ("rate", [10, 100, 200]),
    ("ttl", [250, 3000]),
    ("seed", [1, 2]),
])
def test_every_control_works(control, values):
    p = RegionPanel(mode="multi-leader" if control == "resolution" else "async")
    for v in values:
        p.set(**{control: v})
        assert p.error is None, p.verdict_text
        assert p.values[control] == v and p.result.params[control] == v
        assert p.verdict_text.startswith(f"seed: {p.values['seed']} — ")


@pytest.mark.parametrize("settings, message", [
    (dict(failed="sa-east-1"), "not in this deployment"),           # a region the service does not run in
    (dict(ttl=0), "ttl"),                                            # a TTL <= 0
])
def test_bad_combinations_are_a_red_error_not_a_crash(settings, message):
    p = RegionPanel()
    p.set(**settings)
    assert p.result is None and p.error is not None and message in str(p.error)
    assert "#c0392b" in p.verdict.value and p.verdict_text.startswith("seed: 0 — ")
    p.set(failed="us-east-1", ttl=1000)
    assert p.error is None                                           # and the panel works again


def test_bad_values_are_refused_before_any_run():
    p = RegionPanel(run_now=False)
    with pytest.raises(ConfigError, match="must be one of"):
        p.set(mode="quorum")
    with pytest.raises(ConfigError, match="between"):
        p.set(timeout=10_000)
    with pytest.raises(ConfigError, match="unknown deployment"):
        region_run("Mars", "latency", "none", "async", "lww", 500, 50, 1000, 0)


def _uncached() -> None:
    for part in (regions_widget._routing, regions_widget._single_leader, regions_widget._multi_leader):
        part.cache_clear()


@pytest.mark.parametrize("mode", ["async", "multi-leader"])
def test_the_same_seed_gives_the_same_figures(mode):
    a = region_run(US_EU_ASIA, "weighted", "us-east-1", mode, "lww", 500, 50, 1000, 3)
    _uncached()                                                   # run it again, not from the cache
    b = region_run(US_EU_ASIA, "weighted", "us-east-1", mode, "lww", 500, 50, 1000, 3)
    assert a == b and region_table(a).equals(region_table(b))
    p, q = RegionPanel(seed=3, policy="weighted", rate=100), RegionPanel(seed=3, policy="weighted", rate=100)
    assert p.verdict_text == q.verdict_text


def test_a_link_across_the_date_line_is_drawn_in_two_pieces():
    tokyo, oregon = REGION_LONLAT["ap-northeast-1"], REGION_LONLAT["us-west-2"]
    first, second = _pieces(tokyo, oregon)
    assert first[0] == tokyo and second[1] == oregon and first[1][0] == 180 and second[0][0] == -180
    assert _pieces(REGION_LONLAT["us-east-1"], REGION_LONLAT["eu-west-1"]) == [
        (REGION_LONLAT["us-east-1"], REGION_LONLAT["eu-west-1"])]


def test_a_control_change_answers_quickly(panel):
    times = []
    for settings in (dict(timeout=700), dict(mode="sync"), dict(policy="geolocation"), dict(ttl=2000),
                     dict(mode="async", policy="latency", timeout=500, ttl=1000)):
        started = time.perf_counter()
        panel.set(**settings)
        times.append(time.perf_counter() - started)
        assert panel.error is None
    assert sorted(times)[len(times) // 2] < 0.5      # about 0.1 s; generous for a busy machine


# -- what the figures say, always and sometimes --------------------------------------------------------

def test_sync_and_semi_sync_never_lose_an_acknowledged_write_and_async_sometimes_does():
    lost = {mode: [region_run(US_EU_ASIA, "latency", "us-east-1", mode, "lww", 500, 100, 1000, seed)
                   .figures["acknowledged writes lost"] for seed in (0, 1)] for mode in ("sync", "semi-sync", "async")}
    assert lost["sync"] == [0, 0] and lost["semi-sync"] == [0, 0]      # always
    assert max(lost["async"]) > 0                                      # sometimes: the in-flight writes
    sync = region_run(US_EU_ASIA, "latency", "us-east-1", "sync", "lww", 500, 100, 1000, 0)
    assert sync.figures["no write accepted for (ms)"] == "ever again"  # it waits for the dead follower


def test_a_cut_off_region_makes_multi_leader_writes_conflict_lww_loses_some_siblings_none():
    lww = region_run(US_EU_ASIA, "latency", "eu-west-1", "multi-leader", "lww", 500, 20, 1000, 0)
    siblings = region_run(US_EU_ASIA, "latency", "eu-west-1", "multi-leader", "siblings", 500, 20, 1000, 0)
    assert lww.figures["conflicts"] > 0 and lww.figures["writes lost"] > 0
    assert siblings.figures["conflicts"] > 0 and siblings.figures["writes lost"] == 0
    assert lww.figures["converged"] and siblings.figures["converged"]   # after the heal
    assert lww.series_label == "conflicts so far" and set(lww.series) == set(DEPLOYMENTS[US_EU_ASIA])
    assert lww.leader_before is None and set(lww.roles().values()) == {"failed", "leader (multi)"}


def test_dns_failover_moves_traffic_and_every_client_recovers():
    run = region_run(US_EU_ASIA, "latency", "eu-west-1", "async", "lww", 500, 100, 500, 0)
    xs, served = run.traffic["eu-west-1"]
    after = [n for x, n in zip(xs, served) if x >= 1000 + 1500]          # well after detection + TTL
    assert sum(served) > 0 and sum(after) == 0
    assert 0 < run.figures["clients failed for (ms)"] < 1500
    rows = {row["region"]: row for row in run.rows}
    assert rows["eu-west-1"]["clients after"] == 0 and rows["eu-west-1"]["role"] == "failed"
    assert sum(row["clients after"] for row in rows.values()) == len(LOCATIONS)


def test_draw_world_draws_on_any_axes_too(panel):
    from matplotlib.figure import Figure

    from dsworkbook.widgets.regions import draw_world

    ax = Figure(figsize=(6, 3)).add_subplot()
    draw_world(panel.run_data, ax)                       # resampled image path: no figure-level pixels
    assert len(ax.images) == 1 and not ax.figure.images
    assert len(panel.fig.images) == 1                    # the panel pastes its static layer as raw pixels


def test_multi_leader_at_a_high_rate_waits_for_run_and_shows_the_previous_result():
    panel = region_panel(deployment=US_EU_ASIA, mode="multi-leader", rate=LIVE_MULTI_LEADER_RATE, seed=0)
    runs, shown = panel.runs, panel.result
    panel.controls["rate"].value = LIVE_MULTI_LEADER_RATE + 10  # the slow side of the line
    assert panel.runs == runs and panel.stale and panel.result is shown
    panel.run_button.click()
    assert panel.runs == runs + 1 and not panel.stale and panel.result.params["rate"] == LIVE_MULTI_LEADER_RATE + 10
    panel.controls["mode"].value = "async"  # single-leader follows the controls again
    assert panel.runs == runs + 2 and not panel.stale
