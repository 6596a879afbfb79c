"""Each Multi-Paxos bug replayed by hand, message by message: golden scenarios a notebook can show.

Theory of operation
-------------------
A :class:`Bench` holds detached servers and plays the network for them: every message a server
sends waits in flight until the script delivers it or drops it, in whatever order the script
says; persisted values go to a storage dict per server, so a crash and restart behave as in the
simulator. Nothing is random and no clock runs: a timeout or a heartbeat happens when the script
calls :meth:`Bench.timeout` or :meth:`Bench.tick`. The bench writes ``send`` and ``note`` records
to a :class:`~dsworkbook.sim.Trace`, so :func:`~dsworkbook.consensus.multipaxos.check_multipaxos`
judges a scenario exactly as it judges a fuzz run, and keeps a transcript, one line per step.

The scenarios, each for three servers ``n1..n3`` and run with any server class of
:data:`~dsworkbook.consensus.multipaxos.MULTIPAXOS_VARIANTS` (the correct one stays safe):

* :func:`stale_acceptance_catch_up` - a leader's acceptor holds an acceptance that lost; a
  lagging replica's catch-up is answered with it (``catchup_from_accepted``) or, with
  ``stale=False``, with nothing for a slot it never accepted, so the replica stalls there;
* :func:`late_promise` - a deposed leader's late promise makes it lead again under its old ballot,
  which then carries a second value for slot 1 (``reuse_old_ballot``, ``anonymous_acks``);
* :func:`late_acknowledgements` - in that second term, acceptances of the first value arrive and are
  counted for the second (``anonymous_acks``);
* :func:`lost_accepts` - slot 1's Accepts are lost, slot 2 is chosen, and only a leader that
  proposes slot 1 again gets the log moving (``no_gap_fill``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from dsworkbook.consensus.multipaxos.messages import (CatchUp, Decide, Heartbeat, MAccept, MAccepted, MNack,
                                                      MPrepare, MPromise)
from dsworkbook.consensus.multipaxos.node import MultiPaxosNode
from dsworkbook.consensus.multipaxos.runs import check_multipaxos, server_ids
from dsworkbook.consensus.multipaxos.variants import MULTIPAXOS_VARIANTS
from dsworkbook.consensus.raft.messages import Command
from dsworkbook.errors import ConfigError
from dsworkbook.sim import Note, Persist, Request, Response, Send, Trace

__all__ = ["Bench", "ScenarioResult", "stale_acceptance_catch_up", "late_promise", "late_acknowledgements",
           "lost_accepts", "SCENARIOS", "describe"]


def describe(msg: Any) -> str:
    """A message in the notation of notebook 07: ``MAccept(1.n1, slot 1, put x=A)``."""
    def value(v: Any) -> str:
        if v is None:
            return "no-op"
        if isinstance(v, Command):
            return f"{v.op} {v.key}={v.value}" if v.op == "put" else f"{v.op} {v.key}"
        return repr(v)

    if type(msg) is MPrepare:
        return f"MPrepare({msg.ballot})"
    if type(msg) is MPromise:
        acc = ", ".join(f"slot {s}: {b} {value(v)}" for s, b, v in msg.accepted) or "nothing accepted"
        return f"MPromise({msg.ballot}, {acc})"
    if type(msg) in (MAccept, MAccepted):
        return f"{type(msg).__name__}({msg.ballot}, slot {msg.slot}, {value(msg.value)})"
    if type(msg) is MNack:
        return f"MNack({msg.ballot}, promised {msg.promised})"
    if type(msg) is Decide:
        return f"Decide(slot {msg.slot}, {value(msg.value)})"
    if type(msg) is Heartbeat:
        return f"Heartbeat({msg.ballot}, applied up to {msg.decided_upto})"
    if type(msg) is CatchUp:
        return f"CatchUp(from slot {msg.first})"
    return repr(msg)


class Bench:
    """Servers ``n1..`` of ``node_class``, detached; the script delivers, drops, times out and restarts."""

    def __init__(self, node_class: type[MultiPaxosNode] = MultiPaxosNode, servers: int = 3) -> None:
        self.node_class = node_class
        self.members = server_ids(servers)
        self.storage: dict[str, dict[str, Any]] = {n: {} for n in self.members}
        self.inflight: list[tuple[str, str, Any]] = []
        self.answers: list[tuple[str, str, Response]] = []
        self.trace = Trace()
        self.transcript: list[str] = []
        self.step = 0
        self.requests = 0
        self.nodes: dict[str, MultiPaxosNode] = {n: self._boot(n) for n in self.members}
        self.inflight.clear()  # nothing is in flight before the script starts
        self.transcript.clear()

    def _boot(self, n: str) -> MultiPaxosNode:
        node = self.node_class(n, members=self.members)
        node._storage = self.storage[n]
        node.on_start()
        self._collect(n, node)
        return node

    def _collect(self, n: str, node: MultiPaxosNode) -> None:
        self.step += 1
        for e in node.take_effects():
            if type(e) is Send:
                if e.dst in self.members:
                    self.inflight.append((n, e.dst, e.msg))
                    self.trace.add(self.step, "send", n, e.dst, None, e.msg)
                else:
                    self.answers.append((n, e.dst, e.msg))
                    self.trace.add(self.step, "send", n, e.dst, None, e.msg)
                    self.say(f"{n} -> {e.dst}: " + ("ok" if e.msg.ok else "refused (not leader)"))
            elif type(e) is Persist:
                self.storage[n].update(e.values)
            elif type(e) is Note:
                self.trace.add(self.step, "note", n, None, None, dict(e.fields))
                if "decided" in e.fields:
                    self.say(f"    {n} decides slot {e.fields['decided']}: {_short(e.fields['value'])}")
                elif e.fields.get("role") in ("leader", "follower") and not e.fields.get("start"):
                    self.say(f"    {n} is {e.fields['role']}" + (f" with ballot {e.fields['ballot']}"
                                                                  if e.fields["role"] == "leader" else ""))

    def say(self, line: str) -> None:
        self.transcript.append(line)

    def _matches(self, item: tuple[str, str, Any], src: str | None, dst: str | None, kind: type | None,
                 where: Callable[[Any], bool] | None) -> bool:
        s, d, m = item
        return ((src is None or s == src) and (dst is None or d == dst) and (kind is None or type(m) is kind)
                and (where is None or where(m)))

    def deliver(self, src: str | None = None, dst: str | None = None, kind: type | None = None,
                where: Callable[[Any], bool] | None = None) -> int:
        """Deliver every message in flight that matches, oldest first (answers go back in flight)."""
        chosen = [i for i in self.inflight if self._matches(i, src, dst, kind, where)]
        for item in chosen:
            self.inflight.remove(item)
            s, d, m = item
            self.say(f"{s} -> {d}: {describe(m)}")
            node = self.nodes[d]
            self.trace.add(self.step, "deliver", d, s, None, m)
            node.on_message(s, m)
            self._collect(d, node)
        return len(chosen)

    def drop(self, src: str | None = None, dst: str | None = None, kind: type | None = None,
             where: Callable[[Any], bool] | None = None) -> int:
        """Lose every message in flight that matches."""
        lost = [i for i in self.inflight if self._matches(i, src, dst, kind, where)]
        for item in lost:
            self.inflight.remove(item)
            self.say(f"{item[0]} -> {item[1]}: {describe(item[2])} is lost")
        return len(lost)

    def timeout(self, n: str) -> None:
        """``n`` heard from no leader for its election timeout: it campaigns."""
        self.nodes[n].on_timer("election")
        self.say(f"{n} times out and campaigns with ballot {self.nodes[n].ballot}")
        self._collect(n, self.nodes[n])

    def tick(self, n: str) -> None:
        """``n``'s heartbeat timer fires."""
        self.say(f"{n}'s heartbeat timer fires")
        self.nodes[n].on_timer("heartbeat")
        self._collect(n, self.nodes[n])

    def request(self, n: str, client: str, op: str, key: str, value: Any = None, seq: int = 1) -> Command:
        """Client ``client`` sends its ``seq``-th command to ``n``."""
        self.requests += 1
        command = Command(client, seq, op, key, value)
        self.trace.add(self.step, "send", client, n, None, Request(self.requests, op, command))
        self.say(f"{client} -> {n}: {op} {key}" + (f"={value}" if op == "put" else ""))
        self.nodes[n].on_client_request(client, Request(self.requests, op, command))
        self._collect(n, self.nodes[n])
        return command

    @property
    def logs(self) -> dict[str, dict[int, Any]]:
        """Each server's decided log (slot -> value)."""
        return {n: dict(sorted(node.log.items())) for n, node in self.nodes.items()}

    def leading(self) -> list[str]:
        return [n for n, node in self.nodes.items() if node.is_leader]


@dataclass
class ScenarioResult:
    """What a scenario ended with: each server's log, the broken properties, the transcript."""

    variant: str
    logs: dict[str, dict[int, Any]]
    problems: list[str]
    applied: dict[str, int]
    transcript: list[str] = field(repr=False)
    bench: Bench = field(repr=False)

    @property
    def safe(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        logs = "; ".join(f"{n}: " + (", ".join(f"{s}={_short(v)}" for s, v in log.items()) or "-")
                         for n, log in self.logs.items())
        applied = ", ".join(f"{n} {a}" for n, a in self.applied.items())
        verdict = "safe" if self.safe else self.problems[0]
        return f"{self.variant}: decided {logs}; applied up to {applied}; {verdict}"


def _short(v: Any) -> str:
    return "no-op" if v is None else (f"{v.op} {v.key}={v.value}" if isinstance(v, Command) and v.op == "put"
                                      else str(v))


def _bench(variant: str) -> Bench:
    if variant not in MULTIPAXOS_VARIANTS:
        raise ConfigError(f"unknown Multi-Paxos variant {variant!r}; choose one of {list(MULTIPAXOS_VARIANTS)}")
    return Bench(MULTIPAXOS_VARIANTS[variant])


def _result(variant: str, bench: Bench) -> ScenarioResult:
    return ScenarioResult(variant, bench.logs, check_multipaxos(bench.trace), {n: x.applied for n, x in
                                                                               bench.nodes.items()},
                          list(bench.transcript), bench)


def _elect(b: Bench, n: str, voters: tuple[str, ...]) -> None:
    """``n`` campaigns; its Prepares reach ``voters`` and their promises come back."""
    b.timeout(n)
    for v in voters:
        b.deliver(src=n, dst=v, kind=MPrepare)
        b.deliver(src=v, dst=n, kind=MPromise)
    b.drop(src=n, kind=MPrepare)
    b.drop(src=n, kind=Heartbeat)


def stale_acceptance_catch_up(variant: str = "correct", *, stale: bool = True) -> ScenarioResult:
    """A leader answers a lagging replica's catch-up; its own acceptor accepted a value that lost (or nothing).

    n1 leads (ballot 1.n1) and proposes ``put x=A`` in slot 1, but only its own acceptor accepts
    it (with ``stale=False``, not even that). n2 takes over (2.n2) with n3 and gets ``put x=B``
    chosen in slot 1; n1 learns B from n2's Decide, n3's Decide is lost. n1 leads again (3.n1)
    and n3, behind, asks it to catch up from slot 1. A correct n1 answers from its log: B. With
    ``catchup_from_accepted`` it answers from its acceptor: A - which was never chosen - and n3
    decides A; or, with ``stale=False``, it has nothing to say for slot 1 and n3 stalls for ever.
    """
    b = _bench(variant)
    _elect(b, "n1", ("n1", "n2", "n3"))
    b.request("n1", "c1", "put", "x", "A")
    if stale:
        b.deliver(src="n1", dst="n1", kind=MAccept)
        b.deliver(src="n1", dst="n1", kind=MAccepted)
    b.drop(src="n1", kind=MAccept)
    b.timeout("n2")
    for v in ("n2", "n3"):
        b.deliver(src="n2", dst=v, kind=MPrepare)
        b.deliver(src=v, dst="n2", kind=MPromise)
    b.deliver(src="n2", dst="n1", kind=MPrepare)  # n1 promises 2.n2 and steps down; n2 leads already
    b.drop(dst="n2", kind=MPromise)
    b.drop(src="n1", kind=MNack)
    b.drop(kind=Heartbeat)
    b.request("n2", "c2", "put", "x", "B")
    for v in ("n2", "n3"):
        b.deliver(src="n2", dst=v, kind=MAccept)
        b.deliver(src=v, dst="n2", kind=MAccepted)
    b.drop(src="n2", dst="n1", kind=MAccept)
    b.deliver(src="n2", dst="n1", kind=Decide)
    b.drop(src="n2", dst="n3", kind=Decide)
    b.drop(kind=Heartbeat)
    _elect(b, "n1", ("n1", "n3"))
    b.tick("n1")
    b.deliver(src="n1", dst="n3", kind=Heartbeat)
    b.drop(kind=Heartbeat)
    b.deliver(src="n3", dst="n1", kind=CatchUp)
    b.deliver(src="n1", dst="n3", kind=Decide)
    return _result(variant, b)


def _a_chosen_then_n3_campaigns(variant: str) -> Bench:
    """The start of :func:`late_promise` and :func:`late_acknowledgements`: n1 leads with 1.n1 on
    promises from n1 and n2 and gets ``put x=A`` accepted in slot 1 by n1 and n2 (chosen, but the
    acknowledgements are held back; n3's Accept is lost); then n3's election timer fires."""
    b = _bench(variant)
    b.timeout("n1")
    for v in ("n1", "n2", "n3"):
        b.deliver(src="n1", dst=v, kind=MPrepare)
    b.deliver(src="n1", dst="n1", kind=MPromise)
    b.deliver(src="n2", dst="n1", kind=MPromise)
    b.drop(kind=Heartbeat)
    b.request("n1", "c1", "put", "x", "A")
    b.deliver(src="n1", dst="n1", kind=MAccept)
    b.deliver(src="n1", dst="n2", kind=MAccept)
    b.drop(src="n1", dst="n3", kind=MAccept)
    b.timeout("n3")
    return b


def late_promise(variant: str = "correct") -> ScenarioResult:
    """A deposed leader gets one more promise for its old ballot.

    n1 leads with ballot 1.n1 on promises from n1 and n2 (n3's is delayed) and proposes ``put
    x=A`` in slot 1: n1 and n2 accept it, so A is chosen, but their acknowledgements are delayed.
    n3 campaigns with 2.n3; n1 promises it and steps down. Then n3's old promise for 1.n1 arrives.
    A correct n1 has forgotten 1.n1 and ignores it, and refuses ``put x=B`` (not leader). With
    ``reuse_old_ballot`` it leads again under 1.n1 and proposes B in slot 1 - a second value for
    one ballot and slot; n2 and n3 accept B and n1 decides it. n3 then completes phase 1 with
    n1's and n2's promises, which both report ballot 1.n1 - with A and with B - and decides A.
    """
    b = _a_chosen_then_n3_campaigns(variant)
    b.deliver(src="n3", dst="n1", kind=MPrepare)  # n1 promises 2.n3 and steps down
    b.drop(src="n1", dst="n1", kind=MPromise)  # (none: n1 campaigns no more)
    b.deliver(src="n3", dst="n1", kind=MPromise, where=lambda m: str(m.ballot) == "1.n1")  # the late promise
    b.drop(kind=Heartbeat)
    b.request("n1", "c2", "put", "x", "B")
    b.deliver(src="n1", kind=MAccept, where=lambda m: m.value is not None and m.value.value == "B")
    b.deliver(dst="n1", kind=MAccepted, where=lambda m: m.value is not None and m.value.value == "B")
    b.deliver(dst="n1", kind=MNack)
    b.drop(src="n1", kind=Decide)
    b.drop(dst="n1", kind=MAccepted)
    b.deliver(src="n1", dst="n3", kind=MPromise)  # n1's promise for 2.n3, with what n1 accepted
    b.deliver(src="n3", dst="n2", kind=MPrepare)
    b.deliver(src="n2", dst="n3", kind=MPromise)
    b.drop(kind=MPrepare)
    b.drop(kind=MPromise)
    b.drop(kind=Heartbeat)
    for v in ("n1", "n2", "n3"):
        b.deliver(src="n3", dst=v, kind=MAccept)
        b.deliver(src=v, dst="n3", kind=MAccepted)
    b.drop(kind=MNack)
    b.deliver(src="n3", kind=Decide)
    return _result(variant, b)


def late_acknowledgements(variant: str = "correct") -> ScenarioResult:
    """The acknowledgements of a deposed leader's first value arrive in its second term under the same ballot.

    As in :func:`late_promise` up to the request for ``put x=B``, but no acceptor ever sees B: the
    Accepts for it are lost. Then the delayed acknowledgements of A (from n1 and n2) arrive. A
    correct n1 is not leading; ``reuse_old_ballot`` leads again but counts only acknowledgements
    that name B; ``anonymous_acks`` counts them for B and decides B, which no acceptor accepted -
    and n3, completing phase 1 with n2, decides A.
    """
    b = _a_chosen_then_n3_campaigns(variant)
    b.deliver(src="n3", dst="n1", kind=MPrepare)
    b.deliver(src="n3", dst="n1", kind=MPromise, where=lambda m: str(m.ballot) == "1.n1")
    b.drop(kind=Heartbeat)
    b.request("n1", "c2", "put", "x", "B")
    b.drop(src="n1", kind=MAccept)
    b.deliver(dst="n1", kind=MAccepted)  # the acknowledgements of A, late
    b.drop(src="n1", kind=Decide)
    b.drop(src="n1", kind=MPromise)
    b.deliver(src="n3", dst="n2", kind=MPrepare)
    b.deliver(src="n3", dst="n3", kind=MPrepare)
    b.deliver(src="n2", dst="n3", kind=MPromise)
    b.deliver(src="n3", dst="n3", kind=MPromise)
    b.drop(kind=Heartbeat)
    for v in ("n2", "n3"):
        b.deliver(src="n3", dst=v, kind=MAccept)
        b.deliver(src=v, dst="n3", kind=MAccepted)
    b.drop(kind=MAccept)
    b.deliver(src="n3", kind=Decide)
    return _result(variant, b)


def lost_accepts(variant: str = "correct", *, ticks: int = 5) -> ScenarioResult:
    """Slot 1's Accepts are all lost; slot 2 is chosen; then ``ticks`` heartbeats with no loss.

    A correct leader re-sends slot 1's Accepts on its next heartbeat but one (a slot proposed
    since the last heartbeat is not re-sent yet), slot 1 is chosen, and every replica applies
    slots 1 and 2. With ``no_gap_fill`` slot 1 is never proposed again: slot 2 is decided but
    nobody can apply it, whatever the number of heartbeats.
    """
    b = _bench(variant)
    _elect(b, "n1", ("n1", "n2", "n3"))
    b.request("n1", "c1", "put", "x", "A")
    b.drop(src="n1", kind=MAccept)
    b.request("n1", "c2", "put", "x", "B", seq=1)
    b.deliver(src="n1", kind=MAccept)
    b.deliver(dst="n1", kind=MAccepted)
    b.deliver(src="n1", kind=Decide)
    for _ in range(ticks):
        b.tick("n1")
        for _ in range(3):  # Accepts, their acknowledgements, then the Decides, heartbeats and catch-ups
            b.deliver()
    return _result(variant, b)


#: scenario name -> (function, the variants it exposes)
SCENARIOS: dict[str, tuple[Callable[..., ScenarioResult], tuple[str, ...]]] = {
    "stale_acceptance_catch_up": (stale_acceptance_catch_up, ("catchup_from_accepted",)),
    "late_promise": (late_promise, ("reuse_old_ballot", "anonymous_acks")),
    "late_acknowledgements": (late_acknowledgements, ("anonymous_acks",)),
    "lost_accepts": (lost_accepts, ("no_gap_fill",)),
}
