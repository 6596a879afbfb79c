"""The flakiness meter's figures: pass rates over seeds, the shrunk failure, and seeds per second.

Prints, each with its seeds:

* ``06-request-vote``: the reference and a voter that persists its vote in odd terms only (wrong
  only sometimes) over seeds 0..N-1 - the pass rate, the shortest failing seed, how far its fault
  schedule shrank, and the wall time (1 process, or ``--processes``);
* ``01-backoff`` and ``09-fencing-storage``: the reference over the same seeds.

Timings on a shared machine are noisy; nothing here is asserted. Run:
``python bench/flaky.py [--seeds N] [--processes P]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from dsworkbook.consensus.raft import RaftNode
from dsworkbook.grading.flaky import flaky
from dsworkbook.locks.fencing import Storage
from dsworkbook.reliability import backoff_delay

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.wrong_answers.raft import VoteForgetsOnEvenTerms  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    runs = [("06-request-vote", "reference (RaftNode)", RaftNode),
            ("06-request-vote", "VoteForgetsOnEvenTerms", VoteForgetsOnEvenTerms),
            ("01-backoff", "reference (backoff_delay)", backoff_delay),
            ("09-fencing-storage", "reference (Storage)", Storage)]
    for exercise_id, name, answer in runs:
        started = time.perf_counter()
        report = flaky(exercise_id, answer, seeds=args.seeds, processes=args.processes, show=False)
        seconds = time.perf_counter() - started
        print(f"{exercise_id:20} {name:28} seeds 0-{args.seeds - 1}: {report.passed}/{args.seeds} pass "
              f"({100 * report.pass_rate:.1f}%), {seconds:.1f} s on {args.processes} process(es) "
              f"({args.seeds / seconds:.1f} seeds/s)")
        if report.seed is not None and report.failure is not None:
            shrunk = f"{report.shrunk_from} -> {len(report.schedule)} faults in {report.shrink_runs} runs" \
                if report.schedule is not None else "no fault schedule"
            print(f"    shortest failing seed {report.seed}: {report.failure.line()}; {shrunk}")


if __name__ == "__main__":
    main()
