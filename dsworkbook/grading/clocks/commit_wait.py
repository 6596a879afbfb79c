"""Exercise ``04-commit-wait``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

from typing import Any

from dsworkbook.clocks.truetime import TTInterval, spanner_commit, spanner_run
from dsworkbook.grading.core import attempt, exercise, fail
from dsworkbook.grading.clocks._common import guarded, need_callable, pair

COMMIT_SEEDS = range(60)
_INTERVALS = [TTInterval(95.0, 105.0), TTInterval(0.0, 14.0), TTInterval(1000.5, 1001.5), TTInterval(-3.0, 7.0)]
_HINT = ("Spanner (OSDI 2012, §4.1.2): choose s no earlier than TT.now().latest (Start), then wait until "
         "TT.now().earliest has passed s (commit wait); no longer")


def _check_rules(fn: Any) -> None:
    for now in _INTERVALS:
        s, wait = pair(attempt(fn, now, input=str(now), case=f"TT.now() = {now}"), "(s, wait)", f"TT.now() = {now}",
                       str(now))
        if s < now.latest - 1e-9:
            fail(case=f"TT.now() = {now}", input=str(now), expected=f"s >= {now.latest} (TT.now().latest)", got=s,
                 hint="s below latest may be earlier than the true time the commit began: " + _HINT)
        if wait < s - now.earliest - 1e-9:
            fail(case=f"TT.now() = {now} and s = {s}", input=str(now),
                 expected=f"wait >= {s - now.earliest:g} ms (until earliest passes s)", got=wait, hint=_HINT)


def _check_runs(fn: Any) -> tuple[int, int, float, float]:
    pairs = 0
    latency = ref_latency = 0.0
    for seed in COMMIT_SEEDS:
        case = f"the external-consistency experiment (seed={seed}: 3 leaders with clocks within ±5 ms, 2 clients)"
        run = guarded(lambda: spanner_run(seed, commit_rule=fn), case=case, input=f"seed={seed}")
        if run.violations:
            t1, t2, s1, s2 = run.violations[0]
            fail(case=case, input=f"txn {t1} committed before txn {t2} started (true time)",
                 expected=f"s({t1}) < s({t2})", got=f"s({t1}) = {s1:.3f}, s({t2}) = {s2:.3f}", hint=_HINT)
        pairs += run.pairs
        latency += run.mean_latency()
        ref_latency += spanner_run(seed, commit_rule=spanner_commit).mean_latency()
    n = len(COMMIT_SEEDS)
    return pairs, n, latency / n, ref_latency / n


@exercise("04-commit-wait", title="TrueTime: the commit timestamp and the commit wait", theme="T04",
          concepts=("C06",))
def grade_commit_wait(commit_rule: Any) -> str:
    """A function ``commit_rule(now) -> (s, wait)``.

    ``now`` is ``TT.now()`` (a ``dw.clocks.TTInterval`` with ``earliest`` and ``latest``) when
    a leader receives a commit request; return the commit timestamp ``s`` and how many ms to
    wait before acknowledging - the shortest wait that keeps external consistency. Checked by
    running the external-consistency experiment with it on 60 seeds (no transaction that
    started after another committed may get a smaller timestamp, and the mean commit latency
    may not exceed Spanner's by more than 5%), then on four intervals for the two rules.
    """
    need_callable(commit_rule, "function commit_rule(now)")
    pairs, runs, latency, ref = _check_runs(commit_rule)
    if latency > ref * 1.05 + 0.05:
        fail(case=f"the external-consistency experiment (seeds 0..{runs - 1})", input="mean commit latency",
             expected=f"about {ref:.2f} ms (Spanner's rule)", got=f"{latency:.2f} ms",
             hint="safe, but it waits longer than it must: " + _HINT)
    _check_rules(commit_rule)
    return (f"{runs} runs (seeds 0..{runs - 1}), {pairs} ordered pairs of transactions, no violation of external "
            f"consistency; mean commit latency {latency:.2f} ms (Spanner's rule: {ref:.2f} ms)")
