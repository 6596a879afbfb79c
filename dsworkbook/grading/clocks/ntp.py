"""Exercise ``04-ntp-offset``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any

from dsworkbook.clocks.physical import ntp_experiment, ntp_offset
from dsworkbook.grading.core import attempt, exercise, fail
from dsworkbook.grading.clocks._common import close, guarded, need_callable, pair

NTP_SEEDS = (41, 42, 43)
#: (client offset, client drift, server drift, latency out, latency back, server processing ms)
NTP_SETUPS = ((37.0, 0.0, 0.0, (1, 5), (1, 40), 0.0),
              (-120.0, 0.0002, -0.0001, (5, 60), (1, 3), 4.0),
              (8.5, -0.0003, 0.0, (2, 20), (2, 20), 1.5))

_HINT = ("offset = ((t1 - t0) + (t2 - t3)) / 2 and bound = ((t3 - t0) - (t2 - t1)) / 2: the round trip "
         "minus the server's own time, halved")


def _unit_cases(rng: random.Random) -> list[tuple[float, float, float, float]]:
    cases = [(0.0, 10.0, 10.0, 4.0), (100.0, 60.0, 60.0, 110.0), (0.0, 5.0, 9.0, 20.0), (50.0, 50.0, 50.0, 50.0)]
    for _ in range(20):
        t0 = rng.uniform(0, 1000)
        theta, out, back, hold = rng.uniform(-200, 200), rng.uniform(0, 50), rng.uniform(0, 50), rng.uniform(0, 10)
        t1 = t0 + theta + out
        cases.append((t0, t1, t1 + hold, t0 + out + hold + back))
    return cases


def _check_units(estimate: Any) -> int:
    cases = _unit_cases(random.Random(404))
    for t in cases:
        got = pair(attempt(estimate, *t, input=t, case=f"t0..t3 = {t}"), "(offset, bound)", f"t0..t3 = {t}", t)
        want = ntp_offset(*t)
        if not (close(got[0], want[0]) and close(got[1], want[1])):
            fail(case=f"t0, t1, t2, t3 = {tuple(round(x, 3) for x in t)}", input=t, expected=want, got=got, hint=_HINT)
    return len(cases)


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


@exercise("04-ntp-offset", title="NTP: the clock offset and its error bound", theme="T04", concepts=("C01",))
def grade_ntp_offset(ntp_estimate: Any) -> str:
    """A function ``ntp_estimate(t0, t1, t2, t3) -> (offset, bound)``.

    ``t0`` request sent and ``t3`` reply received (client's clock), ``t1`` request received and
    ``t2`` reply sent (server's clock). ``offset`` estimates server clock minus client clock;
    ``bound`` is the largest possible error of that estimate. Checked on 24 exchanges, then as
    the estimator of a simulated client polling a time server over asymmetric links, with
    drifting clocks and a server that holds requests: it must agree with NTP's formulas and the
    true offset must lie within ``offset ± bound`` in every sample.
    """
    need_callable(ntp_estimate, "function ntp_estimate(t0, t1, t2, t3)")
    units = _check_units(ntp_estimate)
    samples, worst = _check_runs(ntp_estimate)
    return (f"{units} exchanges and {samples} simulated samples (seeds {NTP_SEEDS}, asymmetric links): every "
            f"true offset within offset ± bound; largest error {worst:.2f} ms")
