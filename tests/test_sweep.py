"""Sweeps (dsworkbook.sweeps): grid x seeds -> one tidy table, the same on any executor, Dask included."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from contextlib import redirect_stdout

import pandas as pd
import pytest

from dsworkbook.consensus.fuzzing.raft import fuzz_raft
from dsworkbook.errors import ConfigError
from dsworkbook.sim.fuzz import FuzzReport, fuzz_in_processes
from dsworkbook.sweeps import (chunked, grid_points, mean_over_seeds, pareto_front, plot_pareto, run_tasks, sweep,
                               text_progress, using)
from dsworkbook.sweeps.examples import quorum_point, raft_seed

GRID = {"r": [1, 3], "w": [1, 2]}
RAFT_BUG, RAFT_SEEDS = "forget_voted_for", 4


def toy(seed: int, a: int = 0, b: str = "x") -> dict:
    """A cheap seeded experiment (module level, so processes can run it)."""
    return {"value": seed * 10 + a, "label": f"{b}{seed}"}


def not_a_dict(seed: int, a: int = 0) -> list:
    return [seed]


def clashing(seed: int, a: int = 0) -> dict:
    return {"a": 1}


def _chunk_report(seeds: list[int]) -> FuzzReport:
    return FuzzReport(seeds=len(seeds), progress=len(seeds))


# -- the table -------------------------------------------------------------------------------------


def test_grid_points_are_the_cartesian_product_first_key_slowest():
    assert grid_points({"a": [1, 2], "b": ["x", "y"]}) == [
        {"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 2, "b": "x"}, {"a": 2, "b": "y"}]


def test_a_sweep_has_one_row_per_point_and_seed_params_then_seed_then_measurements():
    fractions: list[float] = []
    df = sweep(toy, {"a": [1, 2], "b": ["p", "q"]}, [5, 6, 7], processes=1, progress=fractions.append)
    assert len(df) == 4 * 3
    assert list(df.columns) == ["a", "b", "seed", "value", "label"]
    assert df.iloc[0].to_dict() == {"a": 1, "b": "p", "seed": 5, "value": 51, "label": "p5"}
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert df.attrs["params"] == ["a", "b"] and df.attrs["seeds"] == [5, 6, 7]


def test_local_processes_threads_and_in_process_give_the_same_table():
    here = sweep(quorum_point, {**GRID, "ops": [5]}, 2, processes=1)
    procs = sweep(quorum_point, {**GRID, "ops": [5]}, 2, processes=2)
    with ThreadPoolExecutor(2) as pool:
        threads = sweep(quorum_point, {**GRID, "ops": [5]}, 2, executor=pool)
    pd.testing.assert_frame_equal(here, procs)
    pd.testing.assert_frame_equal(here, threads)
    assert (here["stale %"] > 0).any(), "sometimes: R=1, W=1 lets some read come back stale"


@pytest.mark.parametrize("call, says", [
    (lambda: sweep(toy, {"a": []}, 2, processes=1), "non-empty list"),
    (lambda: sweep(toy, {"seed": [1]}, 2, processes=1), "cannot be a grid key"),
    (lambda: sweep(toy, [("a", [1])], 2, processes=1), "dict of lists"),
    (lambda: sweep(toy, {"a": [1]}, [], processes=1), "at least one seed"),
    (lambda: sweep(toy, {"a": [1]}, ["s"], processes=1), "seeds must be ints"),
    (lambda: sweep(toy, {"a": [1]}, 2, processes=0), "processes must be an int >= 1"),
    (lambda: sweep(toy, {"a": [1]}, 2, progress="yes"), "progress must be a function"),
    (lambda: sweep(not_a_dict, {"a": [1]}, 1, processes=1), "must return a dict"),
    (lambda: sweep(clashing, {"a": [1]}, 1, processes=1), "names of its parameters"),
    (lambda: sweep(lambda seed, a: {}, {"a": [1]}, 2, processes=2), "cannot be sent to another process"),
])
def test_bad_sweeps_raise_config_error_saying_what_to_fix(call, says):
    with pytest.raises(ConfigError, match=says):
        call()


def test_text_progress_draws_a_bar_and_ends_the_line():
    out = io.StringIO()
    bar = text_progress(out, width=10)
    bar(0.5)
    bar(1.0)
    assert "[#####.....]  50%" in out.getvalue() and out.getvalue().endswith("100% runs\n")


# -- the engine --------------------------------------------------------------------------------------


def test_run_tasks_keeps_input_order_and_stops_when_asked():
    seen: list[int] = []
    with ThreadPoolExecutor(3) as pool:
        out = run_tasks(abs, [-3, -1, -2, -5, -4], executor=pool, on_result=lambda i, r: seen.append(r) or r == 2)
    assert out == [3, 1, 2] and seen == [3, 1, 2]


def test_chunks_cover_every_item_once_in_order():
    items = list(range(103))
    parts = chunked(items, workers=2)
    assert [x for p in parts for x in p] == items and max(map(len, parts)) <= 25


def test_a_campaign_runs_on_the_executor_a_using_block_sets():
    calls: list[list[int]] = []

    def spy(seeds: list[int]) -> FuzzReport:
        calls.append(seeds)
        return _chunk_report(seeds)

    with ThreadPoolExecutor(2) as pool, using(pool):
        report = fuzz_in_processes(spy, list(range(40)), processes=1)
    assert report.seeds == 40 and report.progress == 40 and len(calls) > 1


# -- Pareto ------------------------------------------------------------------------------------------


def test_the_pareto_front_keeps_exactly_the_undominated_rows():
    df = pd.DataFrame({"setting": list("ABCDE"), "msgs": [4, 6, 8, 7, 5], "stale": [10, 2, 0, 3, 12],
                       "ok": [1, 1, 1, 1, 0]})
    front = pareto_front(df, minimize=["msgs", "stale"])
    assert list(front["setting"]) == ["A", "B", "C"]  # D loses to B on both, E to A on both
    assert list(pareto_front(df, minimize=["msgs"], maximize=["ok"])["setting"]) == ["A"]


def test_pareto_helpers_refuse_unknown_columns_and_average_over_seeds():
    df = sweep(toy, {"a": [1, 2]}, 3, processes=1)
    means = mean_over_seeds(df)
    assert list(means["value"]) == [11.0, 12.0] and list(means["seeds"]) == [3, 3]
    with pytest.raises(ConfigError, match="does not have"):
        pareto_front(df, minimize=["latency"])
    with pytest.raises(ConfigError, match="at least one column"):
        pareto_front(df)
    ax = plot_pareto(means, "a", "value", label="a")
    assert len(ax.collections) == 1 and len(ax.lines) == 1
    import matplotlib.pyplot as plt
    plt.close(ax.figure)


# -- Dask: one local cluster for the module ------------------------------------------------------------


@pytest.fixture(scope="module")
def dask_cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        yield cluster.scheduler_address, client.get_executor(pure=False)


@pytest.fixture(scope="module")
def raft_reference() -> FuzzReport:
    """The Raft campaign with a classic bug, in this process: the reference every executor must match."""
    return fuzz_raft(RAFT_SEEDS, variant=RAFT_BUG, processes=1, shrink_first=False)


def test_a_sweep_on_a_dask_cluster_matches_the_local_run_seed_by_seed(dask_cluster):
    _, executor = dask_cluster
    here = sweep(quorum_point, {**GRID, "ops": [5]}, 2, processes=1)
    fractions: list[float] = []
    remote = sweep(quorum_point, {**GRID, "ops": [5]}, 2, executor=executor, progress=fractions.append)
    pd.testing.assert_frame_equal(here, remote)
    assert fractions[-1] == 1.0


def test_raft_seeds_on_dask_match_the_local_campaign_seed_by_seed(dask_cluster, raft_reference):
    _, executor = dask_cluster
    table = sweep(raft_seed, {"variant": [RAFT_BUG]}, RAFT_SEEDS, executor=executor)
    failing = {v.seed: v.message for v in raft_reference.violations}
    assert {s: m for s, m in zip(table["seed"], table["violation"]) if m} == failing
    assert int(table["progress"].sum()) == raft_reference.progress
    assert 0 < len(failing) < RAFT_SEEDS, "always/sometimes: the bug is caught, and not on every seed"


def test_the_fuzz_command_on_a_dask_scheduler_prints_the_local_verdict(dask_cluster, raft_reference):
    from dsworkbook.cli import main

    address, _ = dask_cluster
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["fuzz", "raft", "--seeds", str(RAFT_SEEDS), "--variant", RAFT_BUG, "--no-shrink",
                     "--scheduler", address])
    assert code == 1
    assert out.getvalue().rstrip().splitlines()[-1] == raft_reference.line(f"raft --variant {RAFT_BUG}")


def test_an_unknown_executor_or_a_blank_scheduler_is_a_config_error():
    from dsworkbook.sweeps import executor_from_options

    with pytest.raises(ConfigError, match="executor must be one of"):
        with executor_from_options("cloud"):
            pass
    with pytest.raises(ConfigError, match="scheduler must be an address"):
        with executor_from_options("dask", scheduler="  "):
            pass
