"""The eight fallacies of distributed computing, each shown by an experiment.

Theory of operation
-------------------
Peter Deutsch listed seven false assumptions that programmers new to distributed systems make
(Sun Microsystems, 1994); James Gosling added the eighth. Arnon Rotem-Gal-Oz's "Fallacies of
Distributed Computing Explained" (2006) gives the consequences of each. Here every fallacy is
a pair of programs run on the simulator with the same seed:

* a **naive** program that silently relies on the fallacy, and
* a **fixed** program that does not,

and a :class:`FallacyResult` holding the figures measured from both runs (a small pandas
DataFrame, one row each) and two booleans computed from those figures: ``naive_broke`` (the
naive program lost, doubled, stalled, was fooled or missed its budget) and ``fixed_held``
(the fixed one did not). Nothing about the outcome is written down in advance: change the
seed or a parameter and the booleans follow the run.

Each experiment is small (well under a second) so that :func:`run_all` fits in a notebook
cell. Rules kept: one seed per experiment, passed to every simulation it runs and reported in
its result; the nodes are sans-IO like every node of the workbook.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import textwrap
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.reliability import CounterServer, RequestReplyResult, RetryClient, RetryPolicy, run_request_reply
from dsworkbook.sim import Network, Node, Request, Response, Simulation, Uniform
from dsworkbook.sim.latency import LongTail

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "FALLACIES", "FallacyResult", "run_all", "EXPERIMENTS", "summary_table",
    "network_is_reliable", "latency_is_zero", "bandwidth_is_infinite", "network_is_secure",
    "topology_does_not_change", "one_administrator", "transport_cost_is_zero", "network_is_homogeneous",
    # the nodes and messages of the experiments, for reading their source in a notebook
    "BulkSender", "HeartbeatMonitor", "Chunk", "ChunkAck", "Heartbeat", "Transfer", "sign", "Payer", "Bank",
    "Registry", "RegisteredCounter", "ResolvingClient", "Register", "Lookup", "Location", "Dispatcher",
    "QuorumWriter", "Replica", "Write", "WriteAck", "HEADER_BYTES",
]

FALLACIES = (
    "The network is reliable",
    "Latency is zero",
    "Bandwidth is infinite",
    "The network is secure",
    "Topology doesn't change",
    "There is one administrator",
    "Transport cost is zero",
    "The network is homogeneous",
)


@dataclass(frozen=True, repr=False, eq=False)
class FallacyResult:
    """One fallacy's experiment: what the naive and the fixed program did, measured."""

    number: int
    fallacy: str
    seed: int
    explanation: str
    figures: "pd.DataFrame"
    naive_broke: bool
    fixed_held: bool
    verdict: str

    def summary(self) -> str:
        """Title, explanation, the figures and the verdict, as text."""
        para = textwrap.fill(self.explanation, width=100)
        return (f"{self.number}. {self.fallacy} (seed={self.seed})\n{para}\n\n"
                f"{self.figures.to_string()}\n\n{self.verdict}")

    def __repr__(self) -> str:
        naive = "broke" if self.naive_broke else "did NOT break"
        fixed = "held" if self.fixed_held else "did NOT hold"
        return f"<FallacyResult {self.number} {self.fallacy!r} seed={self.seed}: naive {naive}, fixed {fixed}>"

    def _repr_html_(self) -> str:  # how a notebook shows it
        from html import escape

        return (f"<b>{self.number}. {escape(self.fallacy)}</b> (seed={self.seed})<p>{escape(self.explanation)}</p>"
                f"{self.figures.to_html()}<p>{escape(self.verdict)}</p>")


def _check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ConfigError(f"seed must be an int (it names the run so it can be replayed), got {seed!r}")
    return seed


def _result(number: int, seed: int, explanation: str, naive: dict, fixed: dict, naive_broke: bool,
            fixed_held: bool, verdict: str) -> FallacyResult:
    import pandas as pd

    figures = pd.DataFrame([naive, fixed], index=pd.Index(["naive", "fixed"], name="program"))
    return FallacyResult(number, FALLACIES[number - 1], seed, " ".join(explanation.split()), figures,
                         bool(naive_broke), bool(fixed_held), verdict)


def _rr_row(r: RequestReplyResult) -> dict[str, Any]:
    return {"ops": r.ops, "ok": r.ok, "unknown": r.unknown, "never applied": r.never_applied,
            "duplicates applied": r.duplicates, "requests": r.attempts, "messages": r.messages}


# -- 1. the network is reliable ------------------------------------------------------------------


def network_is_reliable(seed: int = 0) -> FallacyResult:
    """Fire-and-forget increments vs retries with idempotency keys, on a lossy, duplicating network."""
    seed = _check_seed(seed)
    net = dict(clients=6, ops=10, latency=(1, 10), loss=0.1, duplicate=0.1)
    naive = run_request_reply(seed, policy=RetryPolicy(timeout=30, max_attempts=1, idempotency=False), **net)
    fixed = run_request_reply(seed, policy=RetryPolicy(timeout=30, max_attempts=8), dedup=True, **net)
    broke = naive.never_applied > 0 or naive.duplicates > 0
    held = fixed.never_applied == 0 and fixed.duplicates == 0 and fixed.ok == fixed.ops
    return _result(1, seed, """
        Six clients each send ten "add 1" requests over a network that loses 10% of messages and
        duplicates 10%. The naive client sends each request once and trusts it to arrive once:
        some increments never happen and some happen twice (the network copied the request), and
        the client cannot tell which. The fixed client retries after a timeout and tags every
        attempt of one operation with the same idempotency key; the server remembers keys it has
        applied and answers a repeat with the original result, so every increment takes effect
        exactly once.""", _rr_row(naive), _rr_row(fixed), broke, held,
        f"naive: {naive.never_applied} increments lost and {naive.duplicates} applied twice; "
        f"fixed: {fixed.never_applied} lost, {fixed.duplicates} doubled, {fixed.ok}/{fixed.ops} ok.")


# -- 2. latency is zero --------------------------------------------------------------------------


def latency_is_zero(seed: int = 0) -> FallacyResult:
    """A timeout tuned to the typical delay vs one taken from the tail, on a long-tailed network."""
    seed = _check_seed(seed)
    tail = LongTail(median=5, p99=60)
    net = dict(clients=4, ops=10, latency=tail)
    naive = run_request_reply(seed, policy=RetryPolicy(timeout=12, max_attempts=3, base=5, idempotency=False), **net)
    fixed = run_request_reply(seed, policy=RetryPolicy(timeout=2 * tail.p99, max_attempts=3, base=5), dedup=True,
                              **net)
    rows = [dict(_rr_row(r), **{"needless retries": r.attempts - r.ops}) for r in (naive, fixed)]
    broke = naive.duplicates > 0 or naive.unknown > 0
    held = fixed.duplicates == 0 and fixed.unknown == 0
    return _result(2, seed, """
        The server is healthy and nothing is lost, but one-way delays have a long tail: median
        5 ms, 99th percentile 60 ms (Dean and Barroso, "The Tail at Scale"). The naive client
        times out after 12 ms, about one typical round trip, as if delay were negligible and
        steady: every retry it makes is needless (nothing was lost, the reply was only slow),
        and without idempotency keys some of them are applied twice; with fewer attempts it
        would declare a healthy server dead instead. The fixed client takes its timeout from the
        tail (twice the one-way p99) and retries with idempotency keys, so a rare slow reply
        costs one harmless retry.""", rows[0], rows[1], broke, held,
        f"naive: {naive.attempts - naive.ops} needless retries, {naive.duplicates} duplicates applied, "
        f"{naive.unknown} ops given up on a healthy server; fixed: {fixed.duplicates} duplicates, "
        f"{fixed.unknown} given up.")


# -- 3. bandwidth is infinite ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Chunk:
    """A piece of a bulk transfer; ``size`` is what the link's bandwidth is charged for."""

    seq: int
    size: float


@dataclass(frozen=True, slots=True)
class ChunkAck:
    seq: int
    size: float = 1.0


@dataclass(frozen=True, slots=True)
class Heartbeat:
    size: float = 1.0


class BulkSender(Node):
    """Sends ``chunks`` chunks to ``peer`` and a heartbeat every ``every`` ms.

    ``window=None`` hands the whole transfer to the link at once; ``window=k`` keeps at most
    ``k`` unacknowledged chunks on the link (flow control), so a heartbeat never queues behind
    more than ``k`` chunks.
    """

    def __init__(self, node_id: str, *, peer: str, chunks: int, chunk_size: float, window: int | None,
                 every: float) -> None:
        super().__init__(node_id)
        self.peer, self.chunks, self.chunk_size, self.window, self.every = peer, chunks, chunk_size, window, every

    def on_start(self) -> None:
        self.sent = self.acked = 0
        self.on_timer("beat")
        self._pump()

    def _pump(self) -> None:
        limit = self.chunks if self.window is None else min(self.chunks, self.acked + self.window)
        while self.sent < limit:
            self.send(self.peer, Chunk(self.sent, self.chunk_size))
            self.sent += 1

    def on_timer(self, name: Any) -> None:
        self.send(self.peer, Heartbeat())
        self.set_timer("beat", self.every)

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, ChunkAck):
            self.acked += 1
            self._pump()


class HeartbeatMonitor(Node):
    """Suspects ``peer`` when no heartbeat came for ``suspect_after`` ms; acknowledges chunks."""

    def __init__(self, node_id: str, *, peer: str, suspect_after: float, check_every: float = 5.0) -> None:
        super().__init__(node_id)
        self.peer, self.suspect_after, self.check_every = peer, suspect_after, check_every

    def on_start(self) -> None:
        self.last = self.now()
        self.suspected, self.suspicions, self.longest_gap = False, 0, 0.0
        self.chunks, self.last_chunk_at = 0, None
        self.set_timer("check", self.check_every)

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, Heartbeat):
            self.longest_gap = max(self.longest_gap, self.now() - self.last)
            self.last, self.suspected = self.now(), False
        elif isinstance(msg, Chunk):
            self.chunks += 1
            self.last_chunk_at = self.now()
            self.send(src, ChunkAck(msg.seq))

    def on_timer(self, name: Any) -> None:
        if not self.suspected and self.now() - self.last > self.suspect_after:
            self.suspected, self.suspicions = True, self.suspicions + 1
            self.note(suspect=self.peer)
        self.set_timer("check", self.check_every)


def _bulk_run(seed: int, window: int | None, chunks: int) -> dict[str, Any]:
    sim = Simulation(seed=seed, network=Network(Uniform(1, 3), bandwidth=10.0))
    sim.add_node("a", BulkSender, peer="b", chunks=chunks, chunk_size=50.0, window=window, every=20.0)
    monitor = sim.add_node("b", HeartbeatMonitor, peer="a", suspect_after=100.0)
    sim.run(until=1500)
    return {"chunks delivered": monitor.chunks, "transfer done at ms": round(monitor.last_chunk_at or float("nan"), 1),
            "longest heartbeat gap ms": round(monitor.longest_gap, 1), "false suspicions": monitor.suspicions}


def bandwidth_is_infinite(seed: int = 0) -> FallacyResult:
    """A bulk transfer dumped on a thin link vs one paced by a small window of acknowledged chunks."""
    seed = _check_seed(seed)
    chunks = 100
    naive, fixed = _bulk_run(seed, None, chunks), _bulk_run(seed, 2, chunks)
    broke = naive["false suspicions"] > 0
    held = fixed["false suspicions"] == 0 and fixed["chunks delivered"] == chunks
    return _result(3, seed, """
        Node a sends b a 5000-unit file over a link that carries 10 units per ms, and also a tiny
        heartbeat every 20 ms; b suspects a is dead after 100 ms without one. The naive sender
        hands all 100 chunks to the link at once, as if it could carry anything instantly: the
        heartbeats queue behind half a second of data and b falsely suspects a healthy peer (in a
        real cluster: a needless fail-over). The fixed sender keeps at most two unacknowledged
        chunks on the link (flow control), so a heartbeat waits behind at most two chunks; the
        transfer takes about as long and nobody is suspected.""", naive, fixed, broke, held,
        f"naive: longest heartbeat gap {naive['longest heartbeat gap ms']} ms, {naive['false suspicions']} false "
        f"suspicion(s); fixed: gap {fixed['longest heartbeat gap ms']} ms, {fixed['false suspicions']} suspicions, "
        f"{fixed['chunks delivered']}/{chunks} chunks.")


# -- 4. the network is secure -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Transfer:
    """Move ``amount`` from ``sender``'s account to ``to``; ``mac`` authenticates the fields."""

    sender: str
    to: str
    amount: int
    seq: int
    mac: str = ""

    def payload(self) -> bytes:
        return f"{self.sender}|{self.to}|{self.amount}|{self.seq}".encode()


def sign(key: bytes, transfer: Transfer) -> Transfer:
    """``transfer`` with an HMAC-SHA256 over its fields (RFC 2104), keyed with the sender's key."""
    return replace(transfer, mac=hmac.new(key, transfer.payload(), hashlib.sha256).hexdigest())


class Payer(Node):
    """Sends prepared messages to ``bank`` at the given times (``[(at_ms, message), ...]``)."""

    def __init__(self, node_id: str, *, bank: str, messages: Sequence[tuple[float, Any]]) -> None:
        super().__init__(node_id)
        self.bank, self.messages = bank, list(messages)

    def on_start(self) -> None:
        for i, (at, _msg) in enumerate(self.messages):
            self.set_timer(i, at)

    def on_timer(self, name: Any) -> None:
        self.send(self.bank, self.messages[name][1])


class Bank(Node):
    """Applies transfers. ``keys=None`` trusts the ``sender`` field (naive); with per-account
    keys it checks the HMAC and that ``seq`` grows, which rejects forgeries and replays."""

    def __init__(self, node_id: str, *, balances: Mapping[str, int], keys: Mapping[str, bytes] | None) -> None:
        super().__init__(node_id)
        self.initial, self.keys = dict(balances), keys

    def on_start(self) -> None:
        self.balances = dict(self.initial)
        self.last_seq: dict[str, int] = {}
        self.accepted: list[tuple[str, Transfer]] = []

    def authentic(self, msg: Transfer) -> bool:
        if self.keys is None:
            return msg.sender in self.balances
        key = self.keys.get(msg.sender)
        if key is None or not hmac.compare_digest(sign(key, msg).mac, msg.mac):
            return False
        return msg.seq > self.last_seq.get(msg.sender, 0)

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, Transfer) and self.authentic(msg) and msg.to in self.balances:
            self.last_seq[msg.sender] = msg.seq
            self.balances[msg.sender] -= msg.amount
            self.balances[msg.to] += msg.amount
            self.accepted.append((src, msg))


def _bank_run(seed: int, verify: bool) -> dict[str, Any]:
    # Keys are drawn from the seed so the run can be replayed; real keys come from `secrets`.
    keyrng = random.Random(seed)
    keys = {name: keyrng.randbytes(32) for name in ("alice", "mallory")}
    genuine = [sign(keys["alice"], Transfer("alice", "bob", 10, seq)) for seq in (1, 2, 3)]
    forged = sign(keys["mallory"], Transfer("alice", "mallory", 500, 100))  # signed with the wrong key
    sim = Simulation(seed=seed, latency=(1, 9))
    bank = sim.add_node("bank", Bank, balances={"alice": 1000, "bob": 0, "mallory": 0}, keys=keys if verify else None)
    sim.add_node("alice", Payer, bank="bank", messages=[(10.0 * i, m) for i, m in enumerate(genuine)])
    sim.add_node("mallory", Payer, bank="bank", messages=[(40.0, forged), (50.0, genuine[0])])  # forge, replay
    sim.run(until=200)
    from_mallory = [m for src, m in bank.accepted if src == "mallory"]
    return {"genuine accepted": sum(1 for src, _ in bank.accepted if src == "alice"),
            "forged accepted": sum(1 for m in from_mallory if m.to == "mallory"),
            "replays accepted": sum(1 for m in from_mallory if m.to != "mallory"),
            "alice's balance": bank.balances["alice"]}


def network_is_secure(seed: int = 0) -> FallacyResult:
    """A bank that trusts a message's ``sender`` field vs one that checks an HMAC and a sequence number."""
    seed = _check_seed(seed)
    naive, fixed = _bank_run(seed, verify=False), _bank_run(seed, verify=True)
    broke = naive["forged accepted"] > 0 or naive["replays accepted"] > 0
    held = fixed["forged accepted"] == 0 and fixed["replays accepted"] == 0 and fixed["genuine accepted"] == 3
    return _result(4, seed, """
        Alice sends the bank three signed transfers. Mallory, another customer on the same
        network, sends one message claiming to come from Alice ("pay Mallory 500") and re-sends a
        copy of Alice's first transfer that she saw on the wire. The naive bank believes the
        sender field, as if nobody could write a message but its owner, and pays both. The fixed
        bank checks an HMAC-SHA256 over the fields with Alice's key (which Mallory does not have),
        compared in constant time, and a sequence number that must grow, so the forgery and the
        replay are rejected while Alice's own transfers go through.""", naive, fixed, broke, held,
        f"naive: forged {naive['forged accepted']}, replayed {naive['replays accepted']} accepted; "
        f"fixed: forged {fixed['forged accepted']}, replayed {fixed['replays accepted']}, genuine "
        f"{fixed['genuine accepted']}/3.")


# -- 5. topology doesn't change -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Register:
    service: str
    address: str


@dataclass(frozen=True, slots=True)
class Lookup:
    service: str


@dataclass(frozen=True, slots=True)
class Location:
    service: str
    address: str | None


class Registry(Node):
    """A service registry (DNS, Consul, a ZooKeeper node): name -> current address."""

    def on_start(self) -> None:
        self.services: dict[str, str] = {}

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, Register):
            self.services[msg.service] = msg.address
        elif isinstance(msg, Lookup):
            self.send(src, Location(msg.service, self.services.get(msg.service)))


class RegisteredCounter(CounterServer):
    """A counter server that registers itself as ``counter`` when it starts."""

    def on_start(self) -> None:
        super().on_start()
        self.send("registry", Register("counter", self.id))


class ResolvingClient(RetryClient):
    """A retrying client that asks the registry where the service is now before each retry."""

    def before_retry(self, retry: int) -> None:
        self.send("registry", Lookup("counter"))

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, Location):
            if msg.address is not None:
                self.server = msg.address
        else:
            super().on_message(src, msg)


def _move_run(seed: int, client: type[RetryClient], move_at: float) -> dict[str, Any]:
    sim = Simulation(seed=seed, latency=(1, 10))
    sim.add_node("registry", Registry)
    sim.add_node("s1", RegisteredCounter)
    policy = RetryPolicy(timeout=30, max_attempts=4, base=10, cap=200)
    sim.add_node("client", client, server="s1", ops=[("incr", 1)] * 20, policy=policy, start_at=5, think=15)
    sim.at(move_at, sim.crash, "s1")
    sim.at(move_at, sim.add_node, "s2", RegisteredCounter)
    sim.run(until=10_000)
    late = [op for op in sim.history if op.invoke_time >= move_at]
    return {"ops": len(sim.history), "ok": sim.history.counts()["ok"], "unknown": sim.history.counts()["unknown"],
            "ops after the move": len(late), "ok after the move": sum(op.outcome == "ok" for op in late)}


def topology_does_not_change(seed: int = 0) -> FallacyResult:
    """A client with a hard-coded server address vs one that re-resolves through a registry."""
    seed = _check_seed(seed)
    naive, fixed = _move_run(seed, RetryClient, 150.0), _move_run(seed, ResolvingClient, 150.0)
    broke = naive["unknown"] > 0
    held = fixed["unknown"] == 0 and fixed["ok"] == fixed["ops"] and fixed["ops after the move"] > 0
    return _result(5, seed, """
        A client increments a counter twenty times. At 150 ms the operations team replaces the
        server s1 by a new machine, s2, which registers itself in the service registry. The naive client
        looked the address up once and keeps sending to s1, as if the network's shape were
        fixed: every operation after the move times out. The fixed client asks the registry
        again whenever an attempt times out, finds s2 and carries on.""", naive, fixed, broke, held,
        f"naive: {naive['ok after the move']}/{naive['ops after the move']} ops ok after the move; "
        f"fixed: {fixed['ok after the move']}/{fixed['ops after the move']}.")


# -- 6. there is one administrator ------------------------------------------------------------------------


class Dispatcher(Node):
    """Sends ``jobs`` jobs, one every ``every`` ms, to ``backends`` in turn.

    ``check="send"`` (naive) counts a backend alive when sending to it does not fail - and a
    send never fails. ``check="reply"`` pings every backend and counts it alive only while it
    answers; a job is a request that must be answered within ``timeout`` ms, else it is resent
    to the next live backend (backends deduplicate by job key).
    """

    PING = 10**9

    def __init__(self, node_id: str, *, backends: Sequence[str], jobs: int, every: float, check: str,
                 timeout: float = 30.0, suspect_after: float = 50.0) -> None:
        super().__init__(node_id)
        if check not in ("send", "reply"):
            raise ConfigError(f"check must be 'send' or 'reply', got {check!r}")
        self.backends, self.jobs, self.every, self.check = list(backends), jobs, every, check
        self.timeout, self.suspect_after = timeout, suspect_after

    def on_start(self) -> None:
        self.next_job, self.turn, self.pings = 0, 0, 0
        self.heard = {b: self.now() for b in self.backends}
        self.tries: dict[int, int] = {}
        self.detected: dict[str, float] = {}
        self.set_timer("job", 0)
        if self.check == "reply":
            self.set_timer("ping", 0)

    def alive(self, backend: str) -> bool:
        return self.check == "send" or self.now() - self.heard[backend] <= self.suspect_after

    def _pick(self) -> str:
        for _ in self.backends:
            self.turn += 1
            b = self.backends[self.turn % len(self.backends)]
            if self.alive(b):
                return b
            self.detected.setdefault(b, self.now())
        return self.backends[self.turn % len(self.backends)]

    def _send_job(self, job: int) -> None:
        self.tries[job] = self.tries.get(job, 0) + 1
        self.send(self._pick(), Request(job * 100 + self.tries[job], "incr", 1, f"job{job}"))
        if self.check == "reply":
            self.set_timer(("retry", job), self.timeout)

    def on_timer(self, name: Any) -> None:
        if name == "job" and self.next_job < self.jobs:
            self._send_job(self.next_job)
            self.next_job += 1
            self.set_timer("job", self.every)
        elif name == "ping":
            self.pings += 1
            for b in self.backends:
                self.send(b, Request(self.PING + self.pings, "read"))
            self.set_timer("ping", self.suspect_after / 3)
        elif isinstance(name, tuple):
            self._send_job(name[1])

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, Response):
            self.heard[src] = self.now()
            if msg.req_id < self.PING:
                self.cancel_timer(("retry", msg.req_id // 100))


def _dispatch_run(seed: int, check: str, cut_at: float, jobs: int) -> dict[str, Any]:
    sim = Simulation(seed=seed, latency=(1, 10))
    sim.add_nodes(["b1", "b2"], CounterServer, dedup=True)
    lb = sim.add_node("lb", Dispatcher, backends=["b1", "b2"], jobs=jobs, every=10.0, check=check)
    sim.at(cut_at, sim.net.cut, "lb", "b1")  # someone else's firewall rule: lb -> b1 only
    sim.run(until=jobs * 10.0 + 500)
    done = {d["applied"] // 100 for _t, k, n, _p, _m, d in sim.trace.records
            if k == "note" and n in ("b1", "b2") and "applied" in d}
    detected = lb.detected.get("b1")
    return {"jobs": jobs, "processed": len(done), "lost": jobs - len(done),
            "b1 seen as down after ms": None if detected is None else round(detected - cut_at, 1)}


def one_administrator(seed: int = 0) -> FallacyResult:
    """A one-way firewall rule fools an "I can send, so you are alive" check, not request-reply."""
    seed = _check_seed(seed)
    naive, fixed = _dispatch_run(seed, "send", 100.0, 30), _dispatch_run(seed, "reply", 100.0, 30)
    broke = naive["lost"] > 0
    held = fixed["lost"] == 0 and fixed["b1 seen as down after ms"] is not None
    return _result(6, seed, """
        A dispatcher hands thirty jobs to two backends in turn. At 100 ms an administrator of
        another team adds a firewall rule that drops traffic from the dispatcher to backend b1
        (only that direction: b1 can still reach the dispatcher). The naive dispatcher thinks a
        backend is alive because sending to it does not fail, so half the jobs after the change
        vanish and it never notices. The fixed dispatcher asks for replies: it pings both
        backends, stops using b1 once b1 stops answering, and resends a job that got no answer to
        the other backend (the job key makes a resend harmless).""", naive, fixed, broke, held,
        f"naive: {naive['lost']} of {naive['jobs']} jobs lost, b1 never seen as down; fixed: {fixed['lost']} lost, "
        f"b1 seen as down {fixed['b1 seen as down after ms']} ms after the rule.")


# -- 7. transport cost is zero ----------------------------------------------------------------------------

HEADER_BYTES = 40  # per message, an assumption (roughly the IP and TCP headers)


def _upload_run(seed: int, items: int, batch: int) -> dict[str, Any]:
    ops = [("incr", batch)] * (items // batch)
    r = run_request_reply(seed, ops=ops, policy=RetryPolicy(timeout=100, max_attempts=5), dedup=True,
                          latency=(2, 6), service_time=0.5)
    done = max((op.complete_time or 0.0) for op in r.sim.history)  # type: ignore[union-attr]
    return {"items": items, "per message": batch, "messages": r.messages, "elapsed ms": round(done, 1),
            "header bytes": r.messages * HEADER_BYTES, "items stored": r.final_value}


def transport_cost_is_zero(seed: int = 0, budget_ms: float = 250.0) -> FallacyResult:
    """A chatty protocol (one request-reply per item) vs batching, against a time budget."""
    seed = _check_seed(seed)
    naive, fixed = _upload_run(seed, 200, 1), _upload_run(seed, 200, 50)
    broke = naive["elapsed ms"] > budget_ms
    held = fixed["elapsed ms"] <= budget_ms and fixed["items stored"] == fixed["items"]
    return _result(7, seed, f"""
        A client uploads 200 items and must finish within {budget_ms:g} ms. Every message costs a
        round trip of a few milliseconds, header bytes and server work, however little it
        carries. The naive client sends one item per request and waits for each reply, as if
        messages were free; the fixed client sends batches of 50. Both store every item; only
        one of them fits the budget, with a fraction of the messages.""", naive, fixed, broke, held,
        f"naive: {naive['messages']} messages, {naive['elapsed ms']} ms; fixed: {fixed['messages']} messages, "
        f"{fixed['elapsed ms']} ms (budget {budget_ms:g} ms).")


# -- 8. the network is homogeneous --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Write:
    n: int


@dataclass(frozen=True, slots=True)
class WriteAck:
    n: int


class QuorumWriter(Node):
    """Writes ``writes`` values one after another to every replica; a write is done after
    ``wait_for`` acknowledgements (all replicas, or a majority)."""

    def __init__(self, node_id: str, *, replicas: Sequence[str], writes: int, wait_for: int) -> None:
        super().__init__(node_id)
        self.replicas, self.writes, self.wait_for = list(replicas), writes, wait_for

    def on_start(self) -> None:
        self.n, self.latencies = -1, []
        self._next()

    def _next(self) -> None:
        self.n += 1
        if self.n < self.writes:
            self.started, self.acks = self.now(), set()
            for r in self.replicas:
                self.send(r, Write(self.n))

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, WriteAck) and msg.n == self.n:
            self.acks.add(src)
            if len(self.acks) == self.wait_for:
                self.latencies.append(self.now() - self.started)
                self._next()


class Replica(Node):
    """Stores every write it receives and acknowledges it."""

    def on_start(self) -> None:
        self.log: list[int] = []

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, Write):
            self.log.append(msg.n)
            self.send(src, WriteAck(msg.n))


def _replicate_run(seed: int, wait_for: int, writes: int) -> dict[str, Any]:
    import statistics

    sim = Simulation(seed=seed, latency=(1, 10))
    replicas = [f"r{i}" for i in range(5)]
    sim.add_nodes(replicas, Replica)
    writer = sim.add_node("w", QuorumWriter, replicas=replicas, writes=writes, wait_for=wait_for)
    sim.net.set_link("w", "r4", latency=Uniform(100, 200), both=True)  # the replica in another region
    sim.run(until=60_000)
    lat = sorted(writer.latencies)
    p99 = lat[min(len(lat) - 1, int(0.99 * len(lat)))] if lat else float("nan")
    return {"writes done": len(lat), "wait for": wait_for, "p50 ms": round(statistics.median(lat), 1) if lat else None,
            "p99 ms": round(p99, 1), "slow replica has all": len(set(sim.node("r4").log)) == writes}


def network_is_homogeneous(seed: int = 0, slo_ms: float = 50.0) -> FallacyResult:
    """Waiting for every replica vs for the first majority when one link crosses a region."""
    seed = _check_seed(seed)
    naive, fixed = _replicate_run(seed, 5, 20), _replicate_run(seed, 3, 20)
    broke = naive["p99 ms"] > slo_ms
    held = fixed["p99 ms"] <= slo_ms and fixed["writes done"] == 20 and fixed["slow replica has all"]
    return _result(8, seed, f"""
        A writer stores twenty values on five replicas and promises a p99 write latency of
        {slo_ms:g} ms. Four replicas share its data centre (1-10 ms away); the fifth sits in
        another region behind a 100-200 ms link. The naive writer waits for every replica, as if
        all links were alike, so every write pays the slowest link. The fixed writer waits for
        the first majority (3 of 5) and lets the far replica catch up in the background: the
        promise holds and the far replica still receives every write.""", naive, fixed, broke, held,
        f"naive: p99 {naive['p99 ms']} ms; fixed: p99 {fixed['p99 ms']} ms (SLO {slo_ms:g} ms), far replica has "
        f"all writes: {fixed['slow replica has all']}.")


# -- all eight ---------------------------------------------------------------------------------------------

EXPERIMENTS: dict[str, Callable[[int], FallacyResult]] = {
    FALLACIES[0]: network_is_reliable,
    FALLACIES[1]: latency_is_zero,
    FALLACIES[2]: bandwidth_is_infinite,
    FALLACIES[3]: network_is_secure,
    FALLACIES[4]: topology_does_not_change,
    FALLACIES[5]: one_administrator,
    FALLACIES[6]: transport_cost_is_zero,
    FALLACIES[7]: network_is_homogeneous,
}


def run_all(seed: int = 0) -> list[FallacyResult]:
    """Run the eight experiments with one seed, in Deutsch's order."""
    seed = _check_seed(seed)
    return [experiment(seed) for experiment in EXPERIMENTS.values()]


def summary_table(results: Sequence[FallacyResult]) -> "pd.DataFrame":
    """One row per experiment: the fallacy, the seed, whether the naive program broke and the fix held."""
    import pandas as pd

    rows = [(r.number, r.fallacy, r.seed, r.naive_broke, r.fixed_held, r.verdict) for r in results]
    return pd.DataFrame(rows, columns=["#", "fallacy", "seed", "naive broke", "fixed held", "measured"]).set_index("#")
