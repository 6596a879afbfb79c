"""Figures for theme 05: law checks, convergence fuzzing, the playground's update time, and design runs.

Four measurements, each printed as a table:

1. **Laws** (``dsworkbook.crdt.laws.check_type``): for every CRDT type and the three broken
   merges of ``dsworkbook.crdt.pitfalls``, the laws checked on the states of ``--law-runs``
   random histories: how many cases, which laws failed, and the time taken.
2. **Convergence** (``dsworkbook.crdt.replication.convergence_campaign``): three replicas per
   seed under a random fault schedule (partitions, cuts, loss and duplication bursts, crashes,
   pauses, clock jumps), ``--seeds`` seeds per type: runs that converged to the specified value
   (always), runs that diverged during a partition (sometimes), violations, and seconds.
3. **Widget**: the median time of one update of ``dw.widgets.conflict_playground`` (compute and
   redraw), over the control changes a reader makes.
4. **Design**: every field of the trip planner (``dsworkbook.crdt.design.TRIP``) under every
   type that can hold it: whether the field's requirement is met, and the time of one run -
   the cost of one design check is the sum over its seven fields, twice.

Nothing is asserted: the tests check behaviour, this script reports speed and counts.
"""

from __future__ import annotations

import argparse
import statistics
import time

import matplotlib

matplotlib.use("Agg")

from dsworkbook.crdt.laws import check_type  # noqa: E402
from dsworkbook.crdt.pitfalls import BROKEN  # noqa: E402
from dsworkbook.crdt.replication import convergence_campaign  # noqa: E402
from dsworkbook.crdt.workloads import TYPES  # noqa: E402


def laws(runs: int, seed: int) -> None:
    print(f"laws: {runs} random histories per type, seed {seed}")
    print(f"{'type':40s} {'cases':>7s} {'seconds':>8s}  broken laws")
    for kind in list(TYPES.values()) + list(BROKEN.values()):
        started = time.perf_counter()
        report = check_type(kind, seed=seed, runs=runs)
        took = time.perf_counter() - started
        broken = ", ".join(sorted({v.law for v in report.violations})) or "none"
        print(f"{kind.name:40s} {sum(report.checked.values()):7d} {took:8.2f}  {broken}")


def convergence(seeds: int) -> None:
    print(f"\nconvergence: seeds 0-{seeds - 1}, 3 replicas, 10 updates each, a random fault schedule per seed")
    print(f"{'type':40s} {'converged':>9s} {'diverged':>9s} {'violations':>10s} {'seconds':>8s}")
    for kind in list(TYPES.values()) + list(BROKEN.values()):
        report = convergence_campaign(kind, seeds=range(seeds), shrink_first=False)
        ok = report.seeds - len(report.violations)
        print(f"{kind.name:40s} {ok:9d} {report.progress:9d} {len(report.violations):10d} {report.seconds:8.2f}")


def widget(repeats: int) -> None:
    import dsworkbook as dw

    panel = dw.widgets.conflict_playground()
    changes = [{"ops_B": "-eggs"}, {"ops_B": "-eggs, +bread"}, {"skew": -100}, {"skew": 0}, {"heal": False},
               {"heal": True}, {"partition": "A | B | C"}, {"partition": "A | B C"}, {"scenario": "counter"},
               {"scenario": "cart"}]
    times = []
    for _ in range(repeats):
        for change in changes:
            started = time.perf_counter()
            panel.set(**change)
            times.append(time.perf_counter() - started)
    print(f"\nwidget: {len(times)} updates of the conflict playground: median {statistics.median(times) * 1000:.0f} ms, "
          f"max {max(times) * 1000:.0f} ms")


def design_space() -> None:
    from dsworkbook.crdt.design import HOLDS, MENU, TRIP, run_field

    print("\ndesign: every field of the trip planner under every type that can hold it (seed 1)")
    print(f"{'field':12s} {'type':20s} {'met':>4s} {'ms':>6s}")
    for f in TRIP:
        for type_name in MENU:
            if f.kind in HOLDS[type_name]:
                started = time.perf_counter()
                result = run_field(f, type_name)
                took = (time.perf_counter() - started) * 1000
                print(f"{f.name:12s} {type_name:20s} {'yes' if result.ok else 'no':>4s} {took:6.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--law-runs", type=int, default=200)
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--widget-repeats", type=int, default=3)
    args = parser.parse_args()
    laws(args.law_runs, args.seed)
    convergence(args.seeds)
    widget(args.widget_repeats)
    design_space()


if __name__ == "__main__":
    main()
