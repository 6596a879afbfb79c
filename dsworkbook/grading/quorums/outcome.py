"""Exercise ``02-cp-outcome``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any, Callable

from dsworkbook.grading.core import attempt, exercise, fail, random_cases, same_everywhere
from dsworkbook.grading.quorums._common import linearizable, need_callable, run_learner
from dsworkbook.sim import Constant, Response, Simulation
from dsworkbook.storage.common import KVClient, Refused, outcome_of, replica_ids
from dsworkbook.storage.cp import CPReplica

R3 = tuple(replica_ids(3))

UNITS: list[tuple[str, str, Response | None]] = [
    ("a read answered ok", "read", Response(1, True, 42)),
    ("a read of a key nobody wrote", "read", Response(2, True, None)),
    ("a write answered ok", "write", Response(3, True, None)),
    ("a read refused: no quorum", "read", Response(4, False, Refused("no quorum", maybe_applied=False))),
    ("a write refused before any replica stored it", "write",
     Response(5, False, Refused("no quorum in the query phase", maybe_applied=False))),
    ("a write refused after some replicas stored it", "write",
     Response(6, False, Refused("no quorum in the propagate phase", maybe_applied=True))),
    ("a write with no reply before the client's timeout", "write", None),
    ("a read with no reply before the client's timeout", "read", None),
    ("a read answered ok with the value 0", "read", Response(7, True, 0)),
    ("a read answered ok with an empty string", "read", Response(8, True, "")),
    ("a write answered ok whose reply carries the stored tag", "write", Response(9, True, ("tag", 3, "n2"))),
    ("a read refused with a reason that mentions the propagate phase", "read",
     Response(10, False, Refused("no quorum in the propagate phase", maybe_applied=False))),
    ("a write refused after some replicas stored it, with a terse reason", "write",
     Response(11, False, Refused("timeout", maybe_applied=True))),
]

_VALUES = (0, 1, -1, None, "", "v", False, True, 0.0, 42, (), ("tag", 1, "n1"), [1, 2], "fail", "unknown", "ok")
_REASONS = ("no quorum", "timeout", "no quorum in the query phase", "no quorum in the propagate phase", "",
            "maybe applied", "only 1 of W=2 replicas acknowledged the write within 150 ms")


def _draw(rng: random.Random) -> tuple[str, Response | None]:
    f = rng.choice(("read", "write"))
    kind = rng.random()
    if kind < 0.2:
        return f, None
    if kind < 0.55:
        return f, Response(rng.randrange(1, 10**6), True, rng.choice(_VALUES))
    return f, Response(rng.randrange(1, 10**6), False, Refused(rng.choice(_REASONS), maybe_applied=rng.random() < 0.5))


RANDOM_SEED, RANDOM_COUNT = 21, 400


def _client(record: Callable[..., Any], seen: list) -> type:
    class LearnerClient(KVClient):
        def outcome(self, f: str, reply: Response | None) -> tuple[str, Any]:
            got = record(f, reply)
            seen.append((self.id, f, reply, got))
            return got
    return LearnerClient


def _scenario(record: Callable[..., Any], seen: list) -> Simulation:
    """c1's write reaches n1's propagate phase, then n1 is cut off; c2 reads x after the heal, through n1."""
    sim = Simulation(seed=5, latency=Constant(5))
    for r in R3:
        sim.add_node(r, CPReplica, replicas=R3)
    cls = _client(record, seen)
    sim.add_node("c1", cls, servers=("n1",), ops=(("write", "x", 1), ("write", "x", 2)), timeout=400.0)
    sim.add_node("c2", cls, servers=("n2",), ops=(("read", "x", None),), start_at=40.0, timeout=400.0)
    sim.add_node("c3", cls, servers=("n3",), ops=(("write", "y", 7),), start_at=100.0, timeout=100.0)
    sim.add_node("c4", cls, servers=("n1",), ops=(("read", "x", None),) * 2, start_at=700.0, timeout=400.0)
    sim.at(16, sim.net.partition, ["n1", "c1"])   # after n1's query phase, before its propagates arrive
    sim.at(102, sim.crash, "n3")                  # c3's coordinator dies with c3's write in hand
    sim.at(600, sim.net.heal)
    sim.at(650, sim.restart, "n3")
    sim.run(until=2000)
    return sim


def _check(record: Callable[..., Any], f: str, reply: Response | None, case: str) -> None:
    shown = f"record_outcome({f!r}, {reply!r})"
    got = attempt(record, f, reply, input=shown, case=case)
    expected = outcome_of(f, reply)
    if not (isinstance(got, tuple) and len(got) == 2):
        fail(case=case, input=shown, expected=f"a pair (outcome, output), e.g. {expected!r}", got=got,
             hint="return a tuple: ('ok', value), ('fail', None) or ('unknown', None)")
    if tuple(got) != expected or any(type(g) is not type(e) for g, e in zip(got, expected)):
        fail(case=case, input=shown, expected=expected, got=got, hint=_hint(f, reply, got))


def _hint(f: str, reply: Response | None, got: Any) -> str:
    if reply is None:
        return "a timeout is never a failure: the request may have been applied and only the reply lost"
    if reply.ok:
        return ("an ok read's output is reply.value, whatever it is (0, '' and None are values too); an ok "
                "write's output is None, even when its reply carries something")
    if isinstance(got, tuple) and len(got) == 2 and got[0] == outcome_of(f, reply)[0]:
        return "a refused or timed-out operation has no output: return None as the second element"
    if isinstance(reply.value, Refused) and reply.value.maybe_applied:
        return ("the store says the write may sit on some replicas (maybe_applied): it can be read later, so "
                "recording 'fail' (it did not happen) would be a lie")
    return ("the store refused and guarantees nothing changed (maybe_applied is False): that is a 'fail', "
            "whatever the reason's text says")


@exercise("02-cp-outcome", title="An honest history: ok, fail or unknown", theme="T02", concepts=("Q01",),
          reference="dsworkbook.storage.common.outcome_of")
def grade_cp_outcome(record_outcome: Any) -> str:
    """``record_outcome(f, reply) -> (outcome, output)``: what a client writes in the history.

    ``f`` is ``"read"`` or ``"write"``; ``reply`` is the store's :class:`~dsworkbook.sim.Response`
    or None when the client timed out. ``ok`` replies give ``("ok", value)`` for a read and
    ``("ok", None)`` for a write; a refusal (``reply.ok`` False, ``reply.value`` a
    :class:`~dsworkbook.storage.Refused`) gives ``("fail", None)`` unless
    ``reply.value.maybe_applied``, then ``("unknown", None)``; a timeout gives
    ``("unknown", None)``. Checked on hand-made replies (values 0 and "" included, reasons whose
    text says nothing or misleads), on 400 random replies against the reference
    (:func:`~dsworkbook.storage.common.outcome_of`), in two worlds (string hashes, the global
    random and the clock differ), then inside four clients of the CP store in the simulator:
    one write is refused after its coordinator stored it and is read later, one coordinator
    crashes; the history must match and be linearizable.
    """
    need_callable(record_outcome, "function record_outcome(f, reply)")
    for case, f, reply in UNITS:
        _check(record_outcome, f, reply, case)
    drawn = list(random_cases(RANDOM_SEED, RANDOM_COUNT, _draw))
    for case, (f, reply) in drawn:
        _check(record_outcome, f, reply, case)
    sample = [(f, reply) for _, (f, reply) in drawn[:60]]
    same_everywhere(lambda: [tuple(record_outcome(f, reply)) for f, reply in sample],
                    input=f"the first 60 random cases (seed {RANDOM_SEED})", case="the first 60 random cases")
    seen: list = []
    sim = run_learner(lambda: _scenario(record_outcome, seen), case="the partition scenario (seed 5)")
    for client, f, reply, got in seen:
        if tuple(got) != outcome_of(f, reply):
            fail(case=f"the partition scenario (seed 5), client {client}", input=f"{f}, reply {reply!r}",
                 expected=outcome_of(f, reply), got=got, hint=_hint(f, reply, got))
    verdict = linearizable(sim)
    if verdict.ok is not True:  # the reference outcomes make this history linearizable
        fail(case="the partition scenario (seed 5)", input="the history your client recorded",
             expected="linearizable", got=verdict.explain(), hint="record exactly what the store said")
    kinds = sorted({o for *_, (o, _) in seen})
    return (f"right on {len(UNITS)} hand-made replies, {RANDOM_COUNT} random ones (seed {RANDOM_SEED}) and "
            f"{len(seen)} replies in the partition scenario (seed 5: "
            f"outcomes {', '.join(kinds)}); the recorded history is linearizable")
