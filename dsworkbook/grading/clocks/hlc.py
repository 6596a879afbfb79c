"""Exercise ``04-hlc-update``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any

from dsworkbook.clocks.hlc import HybridTimestamp, hlc_update
from dsworkbook.clocks.run import clock_run
from dsworkbook.grading.core import attempt, exercise, fail, random_cases
from dsworkbook.grading.clocks._common import guarded, need_callable, pair

HLC_SEEDS = (91, 92, 93)
H = HybridTimestamp
#: (state, pt, msg, which rule of the paper's Figure 5 it exercises)
CASES = [
    (H(10, 0), 12, None, "send: the physical clock is ahead, so l = pt and c restarts at 0"),
    (H(10, 3), 12, None, "send: pt passed l, so c restarts at 0 even if it was 3"),
    (H(10, 3), 9, None, "send: the physical clock is behind l, so l stays and c counts up"),
    (H(10, 3), 10, None, "send: pt equals l, so l stays and c counts up"),
    (H(10, 2), 11, H(15, 4), "receive: the message's l is largest, so c = msg.c + 1"),
    (H(15, 2), 11, H(12, 7), "receive: the node's own l is largest, so c = state.c + 1"),
    (H(15, 2), 11, H(15, 7), "receive: own l and the message's l tie, so c = max(state.c, msg.c) + 1"),
    (H(15, 9), 11, H(15, 7), "receive: own l and the message's l tie, so c = max(state.c, msg.c) + 1"),
    (H(10, 2), 20, H(15, 4), "receive: the physical clock beats both, so l = pt and c = 0"),
    (H(10, 2), 15, H(15, 4), "receive: pt ties the message's l, which wins, so c = msg.c + 1"),
    (H(15, 2), 15, H(12, 4), "receive: pt ties the node's own l, which wins, so c = state.c + 1"),
    (H(0, 0), 0, None, "the very first event at time 0"),
    (H(0, 0), 0, H(0, 0), "a receive at time 0 of a message sent at time 0: everything ties"),
    (H(15, 2), 15, H(15, 7), "receive: pt, own l and the message's l all tie, so c = max(state.c, msg.c) + 1"),
    (H(15, 9), 15, None, "send: pt equals l with a large c: c counts on"),
    (H(15, 2), 16, H(15, 7), "receive: pt is ahead of both by one, so l = pt and c = 0"),
    (H(10.5, 0), 10.25, H(10.5, 3), "times in fractions of a ms: own l and the message's l tie"),
    (H(1_700_000_000_000, 4), 1_700_000_000_000, H(1_699_999_999_999, 9),
     "epoch-sized times: own l equals pt, the message is 1 ms behind, so c = state.c + 1"),
]
RANDOM_SEED, RANDOM_COUNT = 909, 600
_HINT = ("Kulkarni et al. 2014, Figure 5: l takes the max of what the node knows; c counts events that share "
         "that l, and restarts at 0 when l comes from the physical clock alone")


def _result(got: Any, case: str, input: Any) -> tuple[float, int]:
    if isinstance(got, HybridTimestamp):
        return got.l, got.c
    return pair(got, "(l, c)", case, input)


def _one(fn: Any, state: HybridTimestamp, pt: float, msg: HybridTimestamp | None, case: str, why: str = "") -> None:
    shown = f"state={state!r}, pt={pt!r}, msg={msg!r}"
    got = _result(attempt(fn, state, pt, msg, input=shown, case=case), case, shown)
    want = hlc_update(state, pt, msg)
    if got != (want.l, want.c):
        fail(case=case, input=shown, expected=(want.l, want.c), got=got,
             hint=(why + ". " if why else "") + _HINT)


def _draw(rng: random.Random) -> tuple[HybridTimestamp, float, HybridTimestamp | None]:
    """A state, a physical reading and maybe a message, drawn so that the three times often tie."""
    base = rng.choice([0, 10, 1_700_000_000_000])
    times = [base + d for d in range(rng.choice([1, 2, 3, 5]))]
    c = lambda: rng.choice([0, 0, 1, 2, rng.randint(0, 50)])  # noqa: E731
    state = H(rng.choice(times), c())
    pt = rng.choice(times + [base - 1] if base else times)
    msg = None if rng.random() < 0.3 else H(rng.choice(times), c())
    return state, pt, msg


def _check_units(fn: Any) -> int:
    for state, pt, msg, why in CASES:
        _one(fn, state, pt, msg, why, why)
    for case, (state, pt, msg) in random_cases(RANDOM_SEED, RANDOM_COUNT, _draw):
        _one(fn, state, pt, msg, case)
    return len(CASES) + RANDOM_COUNT


def _check_runs(fn: Any) -> tuple[int, float, float, int]:
    events, div, eps, most_c = 0, 0.0, 0.0, 0
    for seed in HLC_SEEDS:
        case = (f"a simulated run (seed={seed}: 4 nodes, clocks spread over 25 ms, drifting up to 1%, 1 ms "
                f"clock resolution, 10% loss)")
        kwargs = dict(nodes=("A", "B", "C", "D"), events=25, skew=25.0, drift=0.01, loss=0.1)
        run = guarded(lambda: clock_run(seed, hlc_rule=fn, **kwargs), case=case, input=f"seed={seed}")
        ref = clock_run(seed, **kwargs)
        for e, s in run.stamps.items():
            want = ref.stamps[e]
            if s.hlc != want.hlc:
                fail(case=case, input=f"event {e} ({s.kind} on {s.node}, pt={s.pt:g})", expected=str(want.hlc),
                     got=str(s.hlc), hint="compare the rule you used for this kind of event with Figure 5")
        check = run.hlc_check()
        for name in ("not_monotonic", "hb_violations", "bound_violations"):
            if check[name]:
                fail(case=case, input=f"{name}: {check[name][:3]}", expected="none", got=len(check[name]),
                     hint="l must never decrease, must grow along happens-before, and stay within the skew of pt")
        events += check["events"]
        div, eps, most_c = max(div, check["max_divergence"]), max(eps, check["epsilon"]), max(most_c, check["max_c"])
    return events, div, eps, most_c


@exercise("04-hlc-update", title="The hybrid logical clock's update rules", theme="T04", concepts=("C05",),
          reference="dsworkbook.clocks.hlc.hlc_update")
def grade_hlc_update(hlc_update_rule: Any) -> str:
    """A function ``hlc_update(state, pt, msg) -> (l, c)``.

    ``state`` is the node's current ``dw.clocks.HybridTimestamp`` (fields ``l`` and ``c``),
    ``pt`` its physical clock now, and ``msg`` the timestamp a received message carried, or
    None for a send or local event. Checked on 18 cases covering every branch and its ties
    (equal physical times, times in fractions of a ms, epoch-sized times) and 600 random ones
    whose times often tie, then as the clock of simulated nodes with skewed, drifting clocks:
    every timestamp must match, ``l`` must be monotonic, happens-before must give a smaller
    ``(l, c)``, and ``l - pt`` must stay within the clocks' skew.
    """
    need_callable(hlc_update_rule, "function hlc_update(state, pt, msg)")
    units = _check_units(hlc_update_rule)
    events, div, eps, most_c = _check_runs(hlc_update_rule)
    return (f"{units} cases (random ones: seed {RANDOM_SEED}) and {events} simulated events (seeds {HLC_SEEDS}): "
            f"monotonic, consistent with happens-before, l - pt at most {div:g} ms with clocks up to {eps:g} ms "
            f"apart, c at most {most_c}")
