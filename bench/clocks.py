"""Theme 04's figures: what the clock experiments measure, and how fast the diagram builder answers.

Prints, each with its seeds:

* lost writes vs clock skew under last-write-wins (C01);
* NTP: samples whose true offset fell outside ``offset ± bound`` over many seeds (C01);
* pruned vector clocks: wrong relations per size limit, Dynamo's rule and the counter rule (C04);
* version vectors: lost writes with per-client and per-replica actors (C04);
* hybrid logical clocks: largest ``l - pt`` observed against the clock skew, and violations (C05);
* commit wait: external-consistency violations with and without the wait over many seeds (C06);
* TrueTime on NTP: for each poll interval, the worst-case clock error against eps = 1 ms + drift x
  interval, and the violations when eps falls short of it by 0.1 ms (C01, C06);
* the widget: time per update (add an event, change the focus), median and max.

Timings on a shared machine are noisy; nothing here is asserted. Run:
``python bench/clocks.py [--seeds N]``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402

from dsworkbook import clocks  # noqa: E402
from dsworkbook.widgets import clock_diagram  # noqa: E402


def _timed(title: str, fn):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    out = fn()
    print(f"\n== {title} ({time.perf_counter() - started:.2f} s)")
    return out


def ntp(seeds: range) -> str:
    bad = samples = 0
    for seed in seeds:
        for back in ((1, 40), (1, 3)):
            run = clocks.ntp_experiment(seed, client_offset=-37.0, client_drift=0.0003, latency_back=back,
                                        processing=2.0)
            samples += len(run.rows)
            bad += sum(not r["within"] for r in run.rows)
    return f"seeds {seeds.start}..{seeds.stop - 1}: {samples} samples, {bad} outside offset ± bound"


def hlc(seeds: range) -> pd.DataFrame:
    rows = []
    for skew in (5, 20, 100):
        checks = [clocks.hlc_experiment(s, skew=skew, drift=0.001, nodes=("A", "B", "C", "D"), events=30).hlc_check()
                  for s in seeds]
        rows.append({"skew (ms)": skew, "seeds": f"{seeds.start}..{seeds.stop - 1}",
                     "events": sum(c["events"] for c in checks),
                     "max l - pt (ms)": max(c["max_divergence"] for c in checks),
                     "max ε observed (ms)": max(c["epsilon"] for c in checks),
                     "bound violations": sum(len(c["bound_violations"]) for c in checks),
                     "causality violations": sum(len(c["hb_violations"]) for c in checks),
                     "pt order wrong": sum(len(c["physical_violations"]) for c in checks)})
    return pd.DataFrame(rows).set_index("skew (ms)")


def siblings(seeds: range) -> pd.DataFrame:
    rows = []
    for mode in clocks.version.MODES:
        runs = [clocks.siblings_experiment(s, mode=mode) for s in seeds]
        rows.append({"mode": mode, "seeds": f"{seeds.start}..{seeds.stop - 1}", "acked": sum(len(r.acked) for r in runs),
                     "lost": sum(len(r.lost) for r in runs), "converged": sum(r.converged for r in runs)})
    return pd.DataFrame(rows).set_index("mode")


def sync() -> pd.DataFrame:
    rows = []
    for poll_every in (5000, 10_000, 20_000, 30_000):
        bound = 1.0 + clocks.SYNC_GOALS.drift * poll_every
        for eps in (bound, bound - 0.1):
            started = time.perf_counter()
            run = clocks.sync_run(0, poll_every=poll_every, eps=eps, worst_case=True)
            rows.append({"poll every (ms)": poll_every, "eps (ms)": round(eps, 3),
                         "largest |error| (ms)": round(abs(run.worst_error()[2]), 4), "commits": run.commits(),
                         "violations": len(run.violations), "seconds": round(time.perf_counter() - started, 2)})
    return pd.DataFrame(rows).set_index(["poll every (ms)", "eps (ms)"])


def widget(adds: int = 30) -> str:
    panel = clock_diagram(nodes=("A", "B", "C", "D"))
    add, focus = [], []
    for i in range(adds):
        node = "ABCD"[i % 4]
        pending = panel.model.pending(node)
        started = time.perf_counter()
        if pending:
            panel.receive(node, pending[0].id)
        else:
            panel.send(node, "ABCD"[(i + 1) % 4])
        add.append(time.perf_counter() - started)
    for event in panel.model.events[::3]:
        started = time.perf_counter()
        panel.set(focus=event.id)
        focus.append(time.perf_counter() - started)
    ms = lambda xs: f"median {1000 * statistics.median(xs):.0f} ms, max {1000 * max(xs):.0f} ms"  # noqa: E731
    return f"{adds} events on 4 lanes: add {ms(add)}; focus change {ms(focus)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=200, help="seeds for the commit-wait experiment")
    args = parser.parse_args()
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", None)
    print(_timed("C01 lost writes vs skew (LWW)", lambda: clocks.lost_writes_vs_skew(
        skews=(0, 1, 2, 5, 10, 20, 50, 100), seeds=range(1, 11))))
    print(_timed("C01 NTP bound", lambda: ntp(range(50))))
    print(_timed("C04 pruning, Dynamo's rule", lambda: clocks.pruning_table(seeds=range(1, 11))))
    print(_timed("C04 pruning, by counter", lambda: clocks.pruning_table(seeds=range(1, 11), naive=True)))
    print(_timed("C04 version vectors", lambda: siblings(range(50))))
    print(_timed("C05 hybrid logical clocks", lambda: hlc(range(20))))
    print(_timed(f"C06 commit wait, {args.seeds} seeds", lambda: clocks.commit_wait_experiment(seeds=range(args.seeds))))
    print(_timed("C01/C06 TrueTime on NTP, the worst case (seed 0)", sync))
    print(_timed("widget update time", widget))


if __name__ == "__main__":
    main()
