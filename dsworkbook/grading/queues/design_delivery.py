"""Exercise ``12-design-delivery``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any

from dsworkbook.grading.core import exercise, fail
from dsworkbook.messaging.campaign import FAULT_PHASE, MESSAGES, SETTLE
from dsworkbook.messaging.delivery import (CONSUMER, MODES, PRODUCER, SINK, Consumer, Sink, delivery_progress,
                                           delivery_sim, effect_counts)
from dsworkbook.messaging.producer import Producer
from dsworkbook.messaging.replication import ACKS, broker_names, replicated_sim
from dsworkbook.sim import DOWN, Crash, Cut, FaultSchedule, Restart, Restore

KEYS = ("brokers", "min_insync", "acks", "mode", "idempotent")
MAX_BROKERS = 5
#: the seeds of the crash-and-cut schedules of goal 1
SEEDS = tuple(range(8))
EXAMPLE = '{"brokers": 4, "min_insync": 1, "acks": 1, "mode": "at-least-once", "idempotent": False} (the form)'

HINTS = {
    "exactly": "a crash between the consumer's effect and its progress, or a retried produce, must neither lose "
               "nor repeat an effect: the effect, the offset and a de-dup table keyed by message id go in one "
               "sink transaction",
    "acks": "an acknowledgement must mean the record is on more than one broker: with acks=0 or acks=1 the "
            "leader answers before any follower has it",
    "disk": "while the followers lag, the ISR shrinks to the leader alone; acks=all then waits for nobody else "
            "unless min.insync.replicas refuses the write",
    "available": "with one broker down for good, another broker must lead, and the ISR has at most brokers - 1 "
                 "members: acks=all writes need min_insync <= brokers - 1",
    "cheaper": "the statement asks for the fewest brokers that meet every goal",
}


def design_from(answer: Any) -> tuple[int, int, Any, str, bool]:
    if not isinstance(answer, dict) or set(answer) != set(KEYS):
        fail(case="the form of the answer", input=repr(answer), expected=f"a dict with exactly the keys {list(KEYS)}",
             got=answer, hint=f"e.g. {EXAMPLE}")
    b, m, acks, mode, idem = (answer[k] for k in KEYS)
    ok = (isinstance(b, int) and not isinstance(b, bool) and 1 <= b <= MAX_BROKERS
          and isinstance(m, int) and not isinstance(m, bool) and 1 <= m <= b
          and any(acks == a and type(acks) is type(a) for a in ACKS) and mode in MODES and isinstance(idem, bool))
    if not ok:
        fail(case="the form of the answer", input=repr(answer),
             expected=f"brokers an int 1..{MAX_BROKERS}, min_insync an int 1..brokers, acks one of {list(ACKS)}, "
                      f"mode one of {list(MODES)}, idempotent True or False", got=answer, hint=f"e.g. {EXAMPLE}")
    return b, m, acks, mode, idem


def _sim(design: tuple, seed: int, trace: bool = False, start_at: float | None = None) -> Any:
    """The delivery lab with the design's settings (the producer starts at ``start_at`` ms if given)."""
    b, m, acks, mode, idem = design
    if start_at is None:
        return delivery_sim(seed, mode=mode, idempotent=idem, acks=acks, messages=MESSAGES, brokers=b,
                            min_insync=m, trace=trace)
    sim = replicated_sim(seed, brokers=b, min_insync=m, trace=trace)
    sim.add_node(SINK, Sink)
    sim.add_node(CONSUMER, Consumer, mode=mode)
    sim.add_node(PRODUCER, Producer, messages=MESSAGES, acks=acks, idempotent=idem, every=15.0, start_at=start_at)
    return sim


def _settle(sim: Any, keep_down: tuple = ()) -> Any:
    sim.run(until=FAULT_PHASE)
    sim.net.heal()
    for node in sim.node_ids:
        if node in keep_down:
            continue
        if sim.status(node) == DOWN:
            sim.restart(node)
        sim.cancel_crash(node)
    sim.run(until=FAULT_PHASE + SETTLE)
    return sim


def crash_schedule(seed: int, brokers: int) -> FaultSchedule:
    """The ``queue`` campaign's kind of schedule for any number of brokers."""
    names = broker_names(brokers)
    rng = random.Random(f"design:{seed}")
    sched = FaultSchedule.random(seed * 4 + 1, ["c1"], duration=FAULT_PHASE, faults=rng.randint(1, 3),
                                 kinds=("crash",), max_down=1)
    sched += FaultSchedule.random(seed * 4 + 2, names, duration=FAULT_PHASE, faults=rng.randint(0, 2),
                                  kinds=("crash",), max_down=1)
    cuts = []
    for _ in range(rng.randint(0, 3)):
        src = rng.choice(names)
        dst = rng.choice(["p"] + [x for x in names if x != src])
        t0 = round(rng.uniform(0, FAULT_PHASE * 0.8), 1)
        cuts += [Cut(t0, src, dst), Restore(round(t0 + rng.uniform(20, 200), 1), src, dst)]
    return sched + cuts


def hand_schedules(brokers: int) -> list[tuple[str, FaultSchedule]]:
    names = broker_names(brokers)
    out = [("the consumer crashes at t=103 ms, between its two steps for a record, and restarts at t=163 ms",
            FaultSchedule([Crash(103.0, "c1"), Restart(163.0, "c1")]))]
    if brokers > 1:
        cuts = [Cut(120.0, "b1", f) for f in names[1:]]
        out.append(("the leader b1 is cut off from its followers at t=120 ms, crashes at t=200 ms and restarts at "
                    "t=400 ms", FaultSchedule(cuts + [Crash(200.0, "b1"), Restart(400.0, "b1")])))
    return out


def lost_disk(design: tuple, seed: int = 3) -> list[str]:
    """The followers' fetches fail from the start (the ISR shrinks to b1 alone); the producer starts at
    t=200 ms; at t=320 ms the leader b1 is lost for good (its disk gone).

    Returns the acknowledged records that no surviving broker has in its log.
    """
    sim = _sim(design, seed, start_at=200.0)
    names = broker_names(design[0])
    for f in names[1:]:
        sim.net.cut("b1", f, both=True)
    sim.at(320.0, sim.crash, "b1")
    _settle(sim, keep_down=("b1",))
    kept = {e.msg_id for b in names[1:] for e in sim.node(b).log}
    return [m for m in sim.node("p").acked if m not in kept]


def one_down(design: tuple, broker: str, seed: int = 4) -> tuple[bool, dict[str, Any]]:
    """``broker`` is down from the start and never returns; did every record get acknowledged and applied?"""
    sim = _sim(design, seed)
    sim.crash(broker)
    _settle(sim, keep_down=(broker,))
    return delivery_progress(sim, MESSAGES), effect_counts(sim)


def goal_failure(design: tuple) -> tuple[str, str, str] | None:
    """``(case, what happened, hint)`` for the first goal ``design`` misses, else None."""
    b, m, acks, mode, idem = design
    for broker in broker_names(b):
        done, c = one_down(design, broker)
        if not done:
            return (f"goal 3, {broker} down from the start, for good",
                    f"{c['acked']} of {MESSAGES} records acknowledged, {c['applied']} applied",
                    HINTS["acks" if c["acked"] == MESSAGES else "available"])
    gone = lost_disk(design)
    if gone:
        return ("goal 2, the followers' fetches fail from the start, the producer starts at t=200 ms and the leader b1 "
                "is lost for good at t=320 ms",
                f"acknowledged records that no surviving broker has: {gone}",
                HINTS["acks" if acks != "all" else "disk"])
    runs = [(f"goal 1, {case}", 5, sched) for case, sched in hand_schedules(b)]
    runs += [(f"goal 1, crash-and-cut schedule seed {s}", s, crash_schedule(s, b)) for s in SEEDS]
    for case, seed, sched in runs:
        sim = _sim(design, seed)
        sched.apply_to(sim)
        c = effect_counts(_settle(sim))
        if c["lost"] or c["duplicated"]:
            hint = "acks" if c["lost"] and acks != "all" else "exactly"
            return case, f"schedule {[f.describe() for f in sched]}: lost {c['lost']}, duplicated {c['duplicated']}", \
                HINTS[hint]
    return None


def cheaper(design: tuple) -> tuple | None:
    """A design with fewer brokers that meets every goal (the answer's acks, mode and producer), if any."""
    b, m, acks, mode, idem = design
    for fewer in range(1, b):
        for mi in range(1, fewer + 1):
            if goal_failure((fewer, mi, acks, mode, idem)) is None:
                return fewer, mi, acks, mode, idem
    return None


@exercise("12-design-delivery", title="Design: no lost, no repeated effect, one broker down", theme="T12",
          concepts=("Q11", "Q13"), kind="design")
def grade_design_delivery(answer: Any) -> str:
    """A dict ``{"brokers", "min_insync", "acks", "mode", "idempotent"}`` for the delivery lab.

    Run in the simulator: (1) no acknowledged record's effect lost or applied twice under a
    consumer crash between its two steps, a leader cut off from its followers that crashes, and
    eight crash-and-cut schedules of the ``queue`` campaign's kind; (2) no acknowledged record's
    effect lost when the followers lag and the leader's disk is then lost for good; (3) with any
    one broker down for good from the start, every record acknowledged and applied; (4) no design
    with fewer brokers (and the answer's acks, mode and producer) meets 1-3. Several answers are
    right (an idempotent or plain producer; any consumer mode that is exactly-once here).
    """
    design = design_from(answer)
    shown = ", ".join(f"{k}={answer[k]!r}" for k in KEYS)
    wrong = goal_failure(design)
    if wrong:
        case, got, hint = wrong
        fail(case=case, input=shown, expected="the goal met", got=got, hint=hint)
    cheap = cheaper(design)
    if cheap is not None:
        fail(case="goal 4, the fewest brokers", input=shown, expected=f"no design with fewer than {design[0]} "
             "brokers meets goals 1-3", got="this one does: " + ", ".join(f"{k}={v!r}" for k, v in zip(KEYS, cheap)),
             hint=HINTS["cheaper"])
    return (f"{shown}: no effect lost or repeated under consumer crashes, failovers and cuts; nothing acknowledged "
            f"lost with a lost disk; progress with any one broker down; no design with fewer brokers does all that")
