"""Figures of theme 02 (CAP and quorums), measured: run ``python bench/storage.py``.

Prints the A/B scorecard under one partition, the 500-seed CP fuzz campaign and its time, the
first seed on which the AP store is not linearizable, stale-read rates against R + W, PACELC
latencies (uniform and with a far replica), Merkle anti-entropy savings, the anomaly zoo (the
lost update included), the cheapest design for the SLOs of exercise ``02-design-quorum`` and
the CAP panel's update time. Nothing here is
asserted: these are the numbers the README and the notebook quote, re-measured.
"""

from __future__ import annotations

import time

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402

from dsworkbook.storage import (cp_campaign, far_latencies, find_ap_violation, latency_table,  # noqa: E402
                                stale_read_table, zoo_table)
from dsworkbook.storage.antientropy import anti_entropy_run  # noqa: E402
from dsworkbook.storage.design import cheapest, design_table  # noqa: E402
from dsworkbook.widgets.cap import CapScorecard, scorecard  # noqa: E402

pd.set_option("display.width", 160)
pd.set_option("display.max_columns", 20)


def timed(label: str, fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    print(f"[{label}: {time.perf_counter() - start:.2f} s]")
    return out


def main() -> None:
    print("== A/B scorecard: seed 1, partition {n1, n2, c1} | rest during [100, 900) ms, N=5, yours R=W=3")
    table, _ = timed("scorecard", scorecard, 1, side_a=("n1", "n2", "c1"), window=(100, 900), n=5, r=3, w=3)
    print(table.to_string(), "\n")

    print("== CP store fuzz campaign: 500 seeds, 5 replicas, 4 clients, crashes/pauses/partitions/cuts/loss")
    report = timed("campaign", cp_campaign, range(500))
    print(report.line("cp"), "\n")

    print("== AP store: first non-linearizable seed")
    v = timed("search", find_ap_violation, range(500))
    print(v.describe() if v else "none found", "\n")

    print("== stale reads vs R + W (one writer, random replica per request, a far replica), seeds 0-19")
    print(timed("stale-read table", stale_read_table, seeds=range(20)).to_string(), "\n")

    print("== PACELC: latency with no partition, seeds 0-9")
    print(timed("latency table", latency_table, seeds=range(10)).to_string(), "\n")

    print("== PACELC with a far replica: N=5, n5 40-50 ms away, no faults, seeds 0-9")
    far = timed("far-replica latencies", far_latencies, seeds=range(10))
    print(pd.DataFrame(far).T.round(1).to_string(), "\n")

    print("== the anomaly zoo, seed 1")
    with pd.option_context("display.max_colwidth", None):
        print(timed("zoo", zoo_table, 1).to_string(), "\n")

    print("== the cheapest design for the SLOs of 02-design-quorum")
    found = timed("search", cheapest)
    print(found.describe() if found else "none")
    if found:
        with pd.option_context("display.max_colwidth", None):
            print(design_table(found).to_string(), "\n")

    print("== Merkle anti-entropy: 1000 keys, n3 cut off during the load, 256 buckets")
    r = timed("anti-entropy run", anti_entropy_run, seed=1)
    print({k: v for k, v in r.items() if k != "sim"}, "\n")

    print("== CAP panel")
    start = time.perf_counter()
    panel = CapScorecard()
    print(f"first run (construction included): {time.perf_counter() - start:.3f} s")
    times = []
    for change in [{"r": 1}, {"w": 1}, {"side_a": ("n1", "n2", "c1")}, {"n": 5}, {"seed": 2}, {"window": (0, 500)}]:
        start = time.perf_counter()
        panel.set(**change)
        times.append(time.perf_counter() - start)
    print(f"updates: {', '.join(f'{t:.3f}' for t in times)} s (max {max(times):.3f} s)")


if __name__ == "__main__":
    main()
