"""Exercise ``02-cp-outcome``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

from typing import Any, Callable

from dsworkbook.grading.core import attempt, exercise, fail
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
]


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
    if tuple(got) != expected:
        fail(case=case, input=shown, expected=expected, got=got, hint=_hint(f, reply, got))


def _hint(f: str, reply: Response | None, got: Any) -> str:
    if reply is None:
        return "a timeout is never a failure: the request may have been applied and only the reply lost"
    if reply.ok:
        return "an ok read's output is the value it returned; an ok write has no output (None)"
    if isinstance(reply.value, Refused) and reply.value.maybe_applied:
        return ("the store says the write may sit on some replicas (maybe_applied): it can be read later, so "
                "recording 'fail' (it did not happen) would be a lie")
    return "the store refused and guarantees nothing changed (maybe_applied is False): that is a 'fail'"


@exercise("02-cp-outcome", title="An honest history: ok, fail or unknown", theme="T02", concepts=("Q01",))
def grade_cp_outcome(record_outcome: Any) -> str:
    """``record_outcome(f, reply) -> (outcome, output)``: what a client writes in the history.

    ``f`` is ``"read"`` or ``"write"``; ``reply`` is the store's :class:`~dsworkbook.sim.Response`
    or None when the client timed out. ``ok`` replies give ``("ok", value)`` for a read and
    ``("ok", None)`` for a write; a refusal (``reply.ok`` False, ``reply.value`` a
    :class:`~dsworkbook.storage.Refused`) gives ``("fail", None)`` unless
    ``reply.value.maybe_applied``, then ``("unknown", None)``; a timeout gives
    ``("unknown", None)``. Checked on hand-made replies, then inside four clients of the CP
    store in the simulator: one write is refused after its coordinator stored it and is read
    later, one coordinator crashes; the history must match and be linearizable.
    """
    need_callable(record_outcome, "function record_outcome(f, reply)")
    for case, f, reply in UNITS:
        _check(record_outcome, f, reply, case)
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
    return (f"right on {len(UNITS)} hand-made replies and {len(seen)} replies in the partition scenario (seed 5: "
            f"outcomes {', '.join(kinds)}); the recorded history is linearizable")
