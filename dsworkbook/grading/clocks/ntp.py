"""Exercise ``04-ntp-offset``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any

from dsworkbook.clocks.physical import ntp_experiment, ntp_offset
from dsworkbook.grading.core import attempt, exercise, fail, random_cases
from dsworkbook.grading.clocks._common import close, guarded, need_callable, pair

NTP_SEEDS = (41, 42, 43)
RANDOM_SEED, RANDOM_COUNT = 404, 400
#: (client offset, client drift, server drift, latency out, latency back, server processing ms)
NTP_SETUPS = ((37.0, 0.0, 0.0, (1, 5), (1, 40), 0.0),
              (-120.0, 0.0002, -0.0001, (5, 60), (1, 3), 4.0),
              (8.5, -0.0003, 0.0, (2, 20), (2, 20), 1.5))

_HINT = ("offset = ((t1 - t0) + (t2 - t3)) / 2 and bound = ((t3 - t0) - (t2 - t1)) / 2: the round trip "
         "minus the server's own time, halved")

#: Exchanges that each probe one slip: (t0, t1, t2, t3, what it tests).
EDGE_CASES = [
    (0.0, 10.0, 10.0, 4.0, "the server is ahead, no processing time"),
    (100.0, 60.0, 60.0, 110.0, "the server is behind: a negative offset"),
    (0.0, 5.0, 9.0, 20.0, "the server holds the request 4 ms: that is not time on the wire"),
    (50.0, 50.0, 50.0, 50.0, "an instant exchange: offset 0, bound 0"),
    (10.0, 10.0, 10.0, 10.0, "clocks agree and nothing took any time"),
    (0.0, 3.0, 3.0, 6.0, "symmetric 3 ms each way and equal clocks: offset 0, bound 3"),
    (0.0, 0.0, 0.0, 10.0, "the request took no time and the reply 10 ms: the worst split"),
    (0, 7, 8, 4, "whole numbers whose halves are not whole"),
    (1000, 1237, 1240, 1011, "a large offset (about 232 ms) over a short round trip"),
    (0.0, 2.5, 12.5, 10.0, "all of the round trip is the server's own time: bound 0"),
]


def _exchange(rng: random.Random) -> tuple[float, float, float, float]:
    """A physically consistent exchange: offset, one-way delays and holding time drawn, some of them 0."""
    if rng.random() < 0.3:  # whole numbers throughout (a learner's // or round() shows up here)
        t0, theta = rng.randint(0, 10**6), rng.randint(-300, 300)
        out, back, hold = (rng.choice([0, rng.randint(0, 40)]) for _ in range(3))
    else:
        t0 = rng.choice([0.0, rng.uniform(-1e6, 1e6)])
        theta = rng.choice([0.0, rng.uniform(-5000, 5000), rng.uniform(-1, 1)])
        out, back, hold = (rng.choice([0.0, rng.uniform(0, 100), rng.uniform(0, 0.5)]) for _ in range(3))
    t1 = t0 + theta + out
    return t0, t1, t1 + hold, t0 + out + hold + back


def _one(estimate: Any, t: tuple, case: str, why: str = "") -> None:
    got = pair(attempt(estimate, *t, input=t, case=case), "(offset, bound)", case, t)
    want = ntp_offset(*t)
    if not (close(got[0], want[0]) and close(got[1], want[1])):
        fail(case=case, input={"t0": t[0], "t1": t[1], "t2": t[2], "t3": t[3]}, expected=want, got=got,
             hint=(why + ". " if why else "") + _HINT)


def _check_units(estimate: Any) -> int:
    for *t, why in EDGE_CASES:
        _one(estimate, tuple(t), f"t0, t1, t2, t3 = {tuple(t)} ({why})", why)
    for case, t in random_cases(RANDOM_SEED, RANDOM_COUNT, _exchange):
        _one(estimate, t, case)
    return len(EDGE_CASES) + RANDOM_COUNT


def _check_runs(estimate: Any) -> tuple[int, float]:
    samples, worst = 0, 0.0
    for seed, (off, cd, sd, out, back, hold) in zip(NTP_SEEDS, NTP_SETUPS):
        case = (f"the simulated exchange (seed={seed}: client offset {off} ms, links {out} ms out and {back} ms "
                f"back, server holds each request {hold} ms)")
        run = guarded(lambda: ntp_experiment(seed, client_offset=off, client_drift=cd, server_drift=sd,
                                             latency_out=out, latency_back=back, processing=hold, estimator=estimate),
                      case=case, input=f"seed={seed}")
        for row in run.rows:
            want = ntp_offset(row["t0"], row["t1"], row["t2"], row["t3"])
            got = (row["offset"], row["bound"])
            if not (close(got[0], want[0]) and close(got[1], want[1])):
                fail(case=case, input={k: round(row[k], 3) for k in ("t0", "t1", "t2", "t3")}, expected=want, got=got,
                     hint=_HINT)
            if not row["within"]:  # cannot happen with the right formula: the guarantee itself is checked
                fail(case=case, input=f"sample {row['seq']}", expected=f"true offset {row['true offset']:.3f} within "
                     f"{got[0]:.3f} ± {got[1]:.3f}", got="outside", hint=_HINT)
            samples += 1
            worst = max(worst, abs(row["error"]))
    return samples, worst


@exercise("04-ntp-offset", title="NTP: the clock offset and its error bound", theme="T04", concepts=("C01",),
          reference="dsworkbook.clocks.physical.ntp_offset")
def grade_ntp_offset(ntp_estimate: Any) -> str:
    """A function ``ntp_estimate(t0, t1, t2, t3) -> (offset, bound)``.

    ``t0`` request sent and ``t3`` reply received (client's clock), ``t1`` request received and
    ``t2`` reply sent (server's clock). ``offset`` estimates server clock minus client clock;
    ``bound`` is the largest possible error of that estimate. Checked on 10 edge exchanges
    (negative offsets, zero delays, all of the round trip one way, whole numbers with odd
    sums, all of it the server's own time) and 400 random ones over the whole domain, then as
    the estimator of a simulated client polling a time server over asymmetric links, with
    drifting clocks and a server that holds requests: it must agree with NTP's formulas and
    the true offset must lie within ``offset ± bound`` in every sample.
    """
    need_callable(ntp_estimate, "function ntp_estimate(t0, t1, t2, t3)")
    units = _check_units(ntp_estimate)
    samples, worst = _check_runs(ntp_estimate)
    return (f"{units} exchanges (random cases: seed {RANDOM_SEED}) and {samples} simulated samples (seeds "
            f"{NTP_SEEDS}, asymmetric links): every true offset within offset ± bound; largest error {worst:.2f} ms")
