"""The CAP scorecard of notebook 02: compose a partition, set N/R/W, compare stores under it.

Theory of operation
-------------------
The reader composes a partition - which nodes sit on side A (everyone else is side B) and
when it starts and heals - and picks ``N``, ``R``, ``W`` and a seed. :func:`scorecard` then
runs three stores on the **same seed, workload and fault schedule** (an A/B/C comparison):

* ``CP``: the majority-quorum store of :mod:`dsworkbook.storage.cp` with ``N`` replicas;
* ``AP``: the Dynamo-style store with ``R = W = 1`` and ``N`` replicas;
* ``yours``: the Dynamo-style store with the chosen ``N``, ``R``, ``W``.

Each row of the table is :func:`dsworkbook.storage.experiment.measure` of one run:
availability, p50 / p99 latency, messages per operation, stale reads, the linearizability
verdict and the strongest consistency model the history satisfies. The diagram draws the three
histories as strips (:func:`dsworkbook.storage.plots.history_strips`): what each client saw,
and when. Three clients ``c1..c3`` use replicas ``n1``, ``n2``, ``n3`` first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import ipywidgets as widgets

from dsworkbook.errors import ConfigError
from dsworkbook.sim import FaultSchedule, Heal, Partition
from dsworkbook.storage.common import check_nrw, client_ids, replica_ids
from dsworkbook.storage.experiment import AP, CP, Setting, measure, quorum_setting, run_setting
from dsworkbook.storage.plots import history_strips
from dsworkbook.widgets.panel import ExperimentPanel, ExperimentResult, Progress

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["CapScorecard", "cap_scorecard", "scorecard", "partition_schedule", "MAX_REPLICAS", "CLIENTS"]

MAX_REPLICAS = 7
CLIENTS = tuple(client_ids(3))
_WIDE: dict[str, Any] = {"style": {"description_width": "110px"}, "layout": {"width": "330px"}}


def partition_schedule(side_a: Sequence[str], start: float, end: float, n: int) -> FaultSchedule:
    """A partition of ``side_a`` from everyone else during ``[start, end)`` ms (no fault if empty)."""
    side = list(side_a)
    valid = set(replica_ids(n)) | set(CLIENTS)
    wrong = [x for x in side if x not in valid]
    if wrong:
        raise ConfigError(f"side A names {wrong}, but the cluster has N={n} replicas (n1..n{n}) and clients "
                          f"c1..c3; pick nodes from those or raise N")
    if not 0 <= start < end:
        raise ConfigError(f"the partition window must start before it heals, got start={start}, end={end}")
    if not side:
        return FaultSchedule()
    return FaultSchedule([Partition(float(start), (tuple(sorted(side)),)), Heal(float(end))])


def scorecard(seed: int = 1, *, side_a: Sequence[str] = ("n1", "c1"), window: tuple[float, float] = (100, 900),
              n: int = 3, r: int = 2, w: int = 2, ops: int = 12,
              settings: Sequence[Setting] | None = None) -> tuple["pd.DataFrame", dict[str, Any]]:
    """Run CP, AP and N/R/W under one partition; return (table, {label: sim}) (see the module docstring)."""
    import pandas as pd

    check_nrw(n, r, w)
    schedule = partition_schedule(side_a, window[0], window[1], n)
    chosen = list(settings) if settings is not None else [CP(n), AP(n), quorum_setting(n, r, w)]
    rows, sims = {}, {}
    for s in chosen:
        sim = run_setting(s, seed, clients=len(CLIENTS), ops=ops, schedule=schedule, until=window[1] + 1500)
        label = s.label().replace("quorum", "yours", 1) if settings is None else s.label()
        sims[label], rows[label] = sim, measure(sim)
    table = pd.DataFrame(rows).T
    table.index.name = f"seed {seed}"
    return table, {"sims": sims, "schedule": schedule}


def _verdict(table: "pd.DataFrame", schedule: FaultSchedule) -> str:
    parts = []
    for label, row in table.iterrows():
        name = label.split(" ")[0]
        parts.append(f"{name}: {row['availability %']}% available, {row['stale reads']} stale reads, "
                     f"{row['strongest model']}")
    fault = schedule.describe().replace("\n", ", ") if len(schedule) else "no partition"
    return f"{fault} — " + " | ".join(parts)


class CapScorecard(ExperimentPanel):
    """Compose a partition and compare CP, AP and your N/R/W store under it (notebook 02, theme T02).

    Headless: ``p = CapScorecard(); p.set(side_a=("n1", "n2", "c1"), r=1); p.result.table``.
    """

    title = "CAP scorecard: the same seed and the same partition, three stores"
    figsize = (10.0, 4.6)
    margins = {"left": 0.2, "right": 0.97, "top": 0.9, "bottom": 0.1}

    def __init__(self, *, auto_run: bool = True, run_now: bool = True, **initial: Any) -> None:
        super().__init__(auto_run=auto_run, run_now=run_now, initial=initial)

    def make_controls(self) -> dict[str, widgets.ValueWidget]:
        nodes = replica_ids(MAX_REPLICAS) + list(CLIENTS)
        return {
            "side_a": widgets.SelectMultiple(options=nodes, value=("n1", "c1"), rows=5,
                                             description="side A", **_WIDE),
            "window": widgets.IntRangeSlider(value=(100, 900), min=0, max=2000, step=50,
                                             description="partition (ms)", **_WIDE),
            "n": widgets.IntSlider(value=3, min=1, max=MAX_REPLICAS, description="N replicas", **_WIDE),
            "r": widgets.IntSlider(value=2, min=1, max=MAX_REPLICAS, description="R (yours)", **_WIDE),
            "w": widgets.IntSlider(value=2, min=1, max=MAX_REPLICAS, description="W (yours)", **_WIDE),
            "seed": widgets.IntText(value=1, description="seed", **_WIDE),
        }

    def compute(self, params: dict[str, Any], progress: Progress) -> ExperimentResult:
        table, data = scorecard(params["seed"], side_a=params["side_a"], window=params["window"],
                                n=params["n"], r=params["r"], w=params["w"])
        progress(0.8)
        return ExperimentResult(params=params, seed=params["seed"], table=table,
                                verdict=_verdict(table, data["schedule"]), data=data)

    def draw(self, result: ExperimentResult, ax: Any) -> None:
        history_strips(result.data["sims"], ax=ax)


def cap_scorecard(**initial: Any) -> CapScorecard:
    """The scorecard of notebook 02, run once with ``initial`` settings; it reruns on every change."""
    return CapScorecard(**initial)
