"""Exercise ``02-design-quorum``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

from typing import Any

from dsworkbook.errors import ConfigError
from dsworkbook.grading.core import exercise, fail
from dsworkbook.storage.design import MAX_REPLICAS, REPAIRS, SLOS, cheapest, check_design, design_from

_HINTS = {
    "no stale read": "a read must meet every acknowledged write before any repair runs: every R replicas must "
                     "share one with every W replicas",
    "one down": "with one replica down only N - 1 can answer: neither R nor W may need more",
    "partition": "with n1 and n2 cut off only N - 2 replicas can answer on the clients' side: neither R nor W may "
                 "need more - and R + W must still exceed N",
    "latency": "a write waits for its W-th acknowledgement and a read for its R-th reply: needing the far "
               "replica costs a long round trip",
    "convergence": "the coordinator that held the hints is gone for good and nobody reads: which mechanism "
                   "compares replicas without either?",
}


@exercise("02-design-quorum", title="Design: N, R, W and repair for stated SLOs", theme="T02",
          concepts=("Q02", "Q03"), kind="design")
def grade_design_quorum(answer: Any) -> str:
    """A dict ``{"N": int, "R": int, "W": int, "repair": set of mechanisms}`` meeting every SLO, cheapest in N.

    The mechanisms are ``"hinted handoff"``, ``"read repair"`` and ``"anti-entropy"``. The grader
    runs the design in the simulator once per SLO of :mod:`dsworkbook.storage.design` (no stale
    read in the adversary's schedule; every operation succeeds with one replica down and while
    ``n1``, ``n2`` are cut off; p99 within 30 ms with a far replica; live replicas identical 2 s
    after a partition heals although the coordinator of its writes is gone for good and nobody
    reads), then tries every design with fewer replicas (every ``R``, ``W``, all repairs on):
    if one of them meets every SLO, the answer was not the cheapest. Several answers are right.
    """
    try:
        design = design_from(answer)
    except ConfigError as exc:
        fail(case="the form of the answer", input=repr(answer),
             expected=f'{{"N": 3..{MAX_REPLICAS}, "R": 1..N, "W": 1..N, "repair": a set of {list(REPAIRS)}}}',
             got=str(exc), hint='e.g. {"N": 4, "R": 2, "W": 2, "repair": {"read repair"}} (not the answer)')
    for result in check_design(design, stop_at_first=True):
        if not result.met:
            fail(case=f"SLO {result.slo!r}", input=design.describe(), expected=f"the SLO {result.slo!r} met",
                 got=result.evidence, hint=_HINTS[result.slo])
    cheaper = cheapest(below=design.n)
    if cheaper is not None:
        fail(case="the cheapest design", input=design.describe(), expected=f"no design with fewer than {design.n} "
             "replicas meets every SLO", got=f"{cheaper.describe()} meets every SLO",
             hint="use as few replicas as the partition SLO allows: with n1, n2 cut off, N - 2 replicas must still "
                  "hold a read quorum and a write quorum that overlap")
    return (f"{design.describe()} met all {len(SLOS)} SLOs in the simulator ({', '.join(SLOS)}); no design with "
            f"fewer replicas did")
