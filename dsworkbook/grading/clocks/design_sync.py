"""Exercise ``04-design-clock-sync``: see its grader's docstring for what the learner designs."""

from __future__ import annotations

import math
from typing import Any, Mapping

from dsworkbook.clocks.sync import SYNC_GOALS, SyncRun, sync_run
from dsworkbook.grading.core import exercise, fail
from dsworkbook.grading.clocks._common import guarded

KEYS = ("poll_every", "eps")
LATENCY_SEEDS = (1, 2, 3)
WORST_SEED = 0
_WHY = ("right after a poll a leader's clock may be off by half the poll's round trip, and from then on it drifts "
        "until the next poll: eps must cover both, at the end of the longest gap between polls")


def _setup(answer: Any) -> tuple[float, float]:
    if not isinstance(answer, Mapping) or set(answer) != set(KEYS):
        fail(case="the form of the answer", input=repr(answer), expected='a dict {"poll_every": ms, "eps": ms}',
             got=answer, hint='two keys, "poll_every" (ms between polls) and "eps" (ms), each a positive number')
    values = []
    for key in KEYS:
        v = answer[key]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
            fail(case="the form of the answer", input=repr(dict(answer)), expected=f"{key}: a positive number of ms",
                 got=f"{key}: {v!r}", hint="times are in ms; a clock that is never wrong does not exist, so eps > 0")
        values.append(float(v))
    return values[0], values[1]


def _check_load(poll_every: float) -> None:
    g = SYNC_GOALS
    if poll_every < g.min_poll_every - g.tolerance:
        fail(case="the time masters' load budget", input={"poll_every": poll_every},
             expected=f"poll_every >= {g.min_poll_every:g} ms (each leader polls at most once per "
                      f"{g.min_poll_every:g} ms)",
             got=f"a poll every {poll_every:g} ms: {1000 / poll_every:.3g} polls per second per leader",
             hint="poll less often (times are in ms), and pay for it with a larger eps")


def _check_latency(poll_every: float, eps: float) -> tuple[int, float]:
    g = SYNC_GOALS
    commits, total = 0, 0.0
    for seed in LATENCY_SEEDS:
        case = (f"the latency runs (seed={seed}: 3 leaders drifting within ±{g.drift * 1e6:g} ppm, 2 clients, "
                f"{g.hop:g} ms each way)")
        run = guarded(lambda: sync_run(seed, poll_every=poll_every, eps=eps), case=case,
                      input={"poll_every": poll_every, "eps": eps})
        _no_violation(run, case, poll_every, eps)
        commits += run.commits()
        total += run.mean_latency() * run.commits()
    mean = total / max(commits, 1)
    if mean > g.latency_budget + g.tolerance:
        fail(case=f"the latency runs (seeds {LATENCY_SEEDS})", input={"poll_every": poll_every, "eps": eps},
             expected=f"mean commit latency <= {g.latency_budget:g} ms",
             got=f"{mean:.3f} ms (commit wait about 2 x eps = {2 * eps:g} ms, plus {2 * g.hop:g} ms of network)",
             hint="a commit waits about 2 x eps: a smaller eps needs a clock kept closer to the truth, i.e. more "
                  "frequent polls")
    return commits, mean


def _no_violation(run: SyncRun, case: str, poll_every: float, eps: float) -> None:
    if not run.violations:
        return
    t1, t2, s1, s2 = run.violations[0]
    ops = {op.input: op for op in run.sim.history if op.outcome == "ok"}
    where = {r.detail["commit"]: r.node for r in run.sim.trace.notes(key="commit")}
    a, b = ops[t1], ops[t2]
    fail(case=case, input={"poll_every": poll_every, "eps": eps},
         expected=f"txn {t1} (on {where[t1]}, acknowledged at true time {a.complete_time:.3f}) gets a smaller "
                  f"timestamp than txn {t2} (on {where[t2]}, begun at {b.invoke_time:.3f})",
         got=f"s({t1}) = {s1:.4f} >= s({t2}) = {s2:.4f}: two transactions in the wrong order; at that moment "
             f"{where[t1]}'s clock was {run.error_at(where[t1], a.complete_time):+.4f} ms off and {where[t2]}'s "
             f"{run.error_at(where[t2], b.invoke_time):+.4f} ms, with eps = {eps:g} ms",
         hint="the leaders' clocks were further from true time than eps: " + _WHY)


def _check_worst(poll_every: float, eps: float) -> SyncRun:
    g = SYNC_GOALS
    case = (f"the worst case (seed={WORST_SEED}: L1 fast and L2 slow by exactly {g.drift * 1e6:g} ppm, each left "
            f"{g.rtt / 2:g} ms off by every poll, a client committing on L1 then L2, again and again for two poll periods)")
    run = guarded(lambda: sync_run(WORST_SEED, poll_every=poll_every, eps=eps, worst_case=True), case=case,
                  input={"poll_every": poll_every, "eps": eps})
    _no_violation(run, case, poll_every, eps)
    t, leader, err = run.worst_error()
    if abs(err) > eps + g.tolerance:
        fail(case=case, input={"poll_every": poll_every, "eps": eps},
             expected=f"every TT.now() interval contains true time: |clock error| <= eps = {eps:g} ms",
             got=f"at true time {t:.1f} ms {leader}'s clock was {err:+.4f} ms off",
             hint="TrueTime's promise is broken, so commit wait no longer guarantees the order: " + _WHY)
    return run


@exercise("04-design-clock-sync", title="Design: how often to poll, and which eps to wait out", theme="T04",
          concepts=("C01", "C06"), kind="design")
def grade_design_clock_sync(setup: Any) -> str:
    """A dict ``{"poll_every": ms, "eps": ms}``: how often each leader polls the time master, and its eps.

    The leaders serve commits with Spanner's rules on ``TT.now() = [clock - eps, clock + eps]``
    over clocks disciplined by those polls, in the setting of ``dw.clocks.SYNC_GOALS``. Any setup
    that meets the three goals passes: the time masters' load budget (``poll_every`` at least
    ``min_poll_every``), the latency budget (mean commit latency over three seeded runs with
    random drifts and delays), and no transaction out of order - shown in the worst case the
    bounds allow (one clock fast and one slow by exactly the drift bound, each poll leaving it
    off by exactly half the round trip, a client committing on one and at once on the other,
    again and again for two poll periods), where every ``TT.now()`` interval must also contain
    true time.
    """
    poll_every, eps = _setup(setup)
    _check_load(poll_every)
    commits, mean = _check_latency(poll_every, eps)
    worst = _check_worst(poll_every, eps)
    _, leader, err = worst.worst_error()
    return (f"poll every {poll_every:g} ms ({1000 / poll_every:.3g} per second per leader), eps {eps:g} ms: mean commit "
            f"latency {mean:.2f} ms over {commits} commits (seeds {LATENCY_SEEDS}); in the worst case (seed "
            f"{WORST_SEED}) {worst.commits()} commits, {worst.pairs:,} ordered pairs, no violation, largest clock "
            f"error {abs(err):.4f} ms <= eps")
