"""A Jepsen-style test of a real etcd cluster: clients and a nemesis record a history, the checker judges it.

Theory of operation
-------------------
Client threads run a workload of reads, writes and compare-and-sets on a few keys through
etcd's HTTP JSON API (:mod:`dsworkbook.realservers.etcd`) while a nemesis thread pauses
(SIGSTOP/SIGCONT) and kills/restarts members. Every operation is recorded as a Jepsen event
pair - ``:invoke`` then ``:ok``, ``:fail`` or ``:info`` - and the history is written as EDN, one
map per line, which ``dsworkbook history check FILE --model kv`` reads: the kv model is one
compare-and-set register per key, read as ``nil`` until written.

The rules the recording keeps (Jepsen tutorial, "Writing a client" and "Refining Tests"):

* an operation is ``:ok`` only when etcd answered it; a compare-and-set whose comparison failed
  happened and found another value (``:ok`` with value ``false``);
* a connection refused means the request was never sent: ``:fail``;
* a timeout or a server error leaves a write indeterminate: ``:info``, and the process gets a new
  id, because the old request may still take effect later; a read that did not answer changed
  nothing, so it is recorded as ``:fail``;
* the workload, as in the tutorial, draws values from 0..4 and uses each key for a bounded run of
  operations (``ops_per_key``), so that the indeterminate operations, concurrent with everything
  after them, stay few per key and the check stays fast.

Determinism: the workload (each client's operations, keys, values and think times) and the
nemesis schedule (which fault, which member, how long) come from ``seed``. The interleaving with
a real server, the outcomes and the timings cannot: the same seed gives the same plan, not the
same history. Times are milliseconds of a monotonic clock since the run began.

The lesson (*probes*, after the workload): etcd serves a serializable read from the member it
reaches, without consensus, so it "may access stale data with respect to quorum" (etcd v3.4
documentation, "KV API guarantees"). Each probe writes a fresh key through the leader, waits
until a follower has it, pauses that follower, writes ``probe_writes`` more values through the
leader, sends a read to the follower and resumes it, so the read is the first request the member
meets when it wakes (measured here: a read sent 1-2 ms *after* SIGCONT found the follower caught
up in 1 of 3 probes). The read uses the run's read mode. With
linearizable reads the follower first confirms the leader's commit index (etcd's ReadIndex) and
the read is fresh; with serializable reads it answers from its own, still old, state and the
checker reports the stale read with its smallest counterexample.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dsworkbook.checkers.formats import edn_value, parse_edn
from dsworkbook.checkers.history import History
from dsworkbook.checkers.linearizability import check_linearizable
from dsworkbook.checkers.result import LinearizabilityResult
from dsworkbook.errors import ConfigError
from dsworkbook.realservers.etcd import (EtcdCluster, EtcdFailure, EtcdTimeout, EtcdUnreachable, decode, encode,
                                         etcd_call, etcd_cluster)

__all__ = ["NEMESES", "READ_MODES", "Probe", "EtcdRun", "run_etcd_test", "etcd_test", "plan_workload"]

NEMESES = ("pause", "kill")
READ_MODES = ("linearizable", "serializable")
MODEL = "kv"
#: How long a probe's read waits in the paused member's socket before SIGCONT (loopback: ample).
READ_HEAD_START_S = 0.02


@dataclass(frozen=True, slots=True)
class Probe:
    """One stale-read probe: the follower paused, what was last written, what it read at once."""

    key: str
    follower: str
    last_written: int | None
    read: int | None
    read_ok: bool

    @property
    def stale(self) -> bool:
        """The read answered, every write was acknowledged before it, and it missed the last one."""
        return self.read_ok and self.last_written is not None and self.read != self.last_written


def _event_line(ev: dict[str, Any]) -> str:
    parts = []
    for name, value in ev.items():
        keyword = name in ("type", "f") or (name == "process" and value == "nemesis")
        parts.append(f":{name} {':' + value if keyword else edn_value(value)}")
    return "{" + ", ".join(parts) + "}"


@dataclass(frozen=True)
class EtcdRun:
    """A recorded run: its events (Jepsen maps, in real order), the probes, and how it was set up."""

    events: tuple[dict[str, Any], ...]
    probes: tuple[Probe, ...]
    reads: str
    nemesis: tuple[str, ...]
    seed: int
    ops: int
    seconds: float

    def edn(self) -> str:
        """The history as Jepsen EDN, one event map per line (nemesis events included)."""
        return "".join(_event_line(ev) + "\n" for ev in self.events)

    def write(self, path: str | Path) -> Path:
        p = Path(path)
        p.write_text(self.edn(), encoding="utf-8")
        return p

    def history(self) -> History:
        """The operations, read back from :meth:`edn` exactly as ``dsworkbook history check`` reads the file."""
        return parse_edn(self.edn(), source="etcd run")

    def counts(self) -> dict[str, int]:
        """How the client operations completed: ok, fail, info (indeterminate)."""
        out = {"ok": 0, "fail": 0, "info": 0}
        for ev in self.events:
            if ev["process"] != "nemesis" and ev["type"] in out:
                out[ev["type"]] += 1
        return out

    def faults(self) -> list[str]:
        return [f"{ev['f']} {ev['value']}" for ev in self.events if ev["process"] == "nemesis"]

    @property
    def stale_reads(self) -> int:
        return sum(p.stale for p in self.probes)

    def check(self, time_limit: float = 30.0) -> LinearizabilityResult:
        """Is the history linearizable as a compare-and-set register per key?"""
        return check_linearizable(self.history(), MODEL, time_limit=time_limit)

    def summary(self, result: LinearizabilityResult) -> str:
        c = self.counts()
        nemesis = ",".join(self.nemesis) or "none"
        return (f"etcd: {self.ops} ops + {len(self.probes)} probes ({c['ok']} ok, {c['fail']} fail, {c['info']} info), "
                f"nemesis {nemesis} ({len(self.faults()) // 2 - len(self.probes)} faults), reads {self.reads}, seed {self.seed}, "
                f"{self.seconds:.1f} s: {result.verdict}; stale probe reads {self.stale_reads}/{len(self.probes)}")


class _Recorder:
    """Appends events under a lock, so their order is the order in which they happened."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._t0 = time.monotonic()
        self.events: list[dict[str, Any]] = []
        self._next = 0

    def process(self) -> int:
        with self._lock:
            self._next += 1
            return self._next - 1

    def add(self, process: Any, kind: str, f: str, value: Any, key: str | None = None, **extra: Any) -> None:
        with self._lock:
            ev: dict[str, Any] = {"process": process, "type": kind, "f": f}
            if key is not None:
                ev["key"] = key
            ev["value"] = value
            ev.update(extra)
            ev["time"] = round((time.monotonic() - self._t0) * 1000.0, 3)
            self.events.append(ev)


def plan_workload(seed: int, ops: int, clients: int, ops_per_key: int = 50,
                  think_s: float = 0.02) -> list[list[tuple[str, str, Any, float]]]:
    """Each client's operations ``(f, key, value, think time)``, drawn from ``seed`` alone."""
    rng = random.Random(seed)
    plan: list[tuple[str, str, Any, float]] = []
    for j in range(ops):
        f = rng.choice(("read", "write", "cas"))
        value = None if f == "read" else rng.randrange(5) if f == "write" else (rng.randrange(5), rng.randrange(5))
        plan.append((f, f"k{j // ops_per_key}", value, rng.uniform(0.0, 2 * think_s)))
    return [plan[c::clients] for c in range(clients)]


class _Runner:
    def __init__(self, cluster: EtcdCluster, reads: str, timeout: float) -> None:
        self.cluster, self.reads, self.timeout = cluster, reads, timeout
        self.rec = _Recorder()
        self.prefix = f"jepsen/{uuid.uuid4().hex[:8]}/"   # a fresh namespace: keys start unwritten (nil)
        self.errors: list[BaseException] = []

    def apply(self, member: int, f: str, key: str, value: Any, reads: str | None = None) -> Any:
        """One operation on member ``member``; returns the ok value (raises the etcd exceptions)."""
        url, k = self.cluster.urls[member], encode(self.prefix + key)
        if f == "read":
            body: dict[str, Any] = {"key": k, "serializable": (reads or self.reads) == "serializable"}
            kvs = etcd_call(url, "/v3/kv/range", body, self.timeout).get("kvs") or []
            return int(decode(kvs[0]["value"])) if kvs else None
        if f == "write":
            etcd_call(url, "/v3/kv/put", {"key": k, "value": encode(str(value))}, self.timeout)
            return value
        expected, new = value
        answer = etcd_call(url, "/v3/kv/txn", {
            "compare": [{"key": k, "result": "EQUAL", "target": "VALUE", "value": encode(str(expected))}],
            "success": [{"request_put": {"key": k, "value": encode(str(new))}}]}, self.timeout)
        return list(value) if answer.get("succeeded") else False

    def op(self, process: int, member: int, f: str, key: str, value: Any) -> tuple[str, Any]:
        """Invoke, apply, complete; returns (outcome type, ok value or None)."""
        self.rec.add(process, "invoke", f, value, key)
        try:
            out = self.apply(member, f, key, value)
        except EtcdUnreachable:
            self.rec.add(process, "fail", f, value, key, error="refused")
            return "fail", None
        except (EtcdTimeout, EtcdFailure) as exc:
            kind = "fail" if f == "read" else "info"
            self.rec.add(process, kind, f, value, key, error=str(exc)[:80])
            return kind, None
        self.rec.add(process, "ok", f, out, key)
        return "ok", out

    def client(self, c: int, plan: list[tuple[str, str, Any, float]]) -> None:
        """Client ``c`` works through its plan on its home member; after a failure it tries the next one."""
        try:
            process, home = self.rec.process(), c % len(self.cluster)
            member = home
            for f, key, value, think in plan:
                time.sleep(think)
                kind, _ = self.op(process, member, f, key, value)
                member = home if kind == "ok" else (member + 1) % len(self.cluster)
                if kind == "info":
                    process = self.rec.process()            # the old request may still be in flight
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread, which raises it
            self.errors.append(exc)

    def nemesis(self, kinds: tuple[str, ...], rng: random.Random, hold_s: float, calm_s: float,
                done: threading.Event) -> None:
        """One member at a time: fault it, hold, heal it, stay calm; heals before returning, whatever happens."""
        try:
            while not done.wait(calm_s):
                kind, i = rng.choice(kinds), rng.randrange(len(self.cluster))
                name = self.cluster.members[i].name
                try:
                    (self.cluster.pause if kind == "pause" else self.cluster.kill)(i)
                    self.rec.add("nemesis", "info", kind, name)
                    done.wait(hold_s)
                finally:
                    (self.cluster.resume if kind == "pause" else self.cluster.restart)(i)
                    self.rec.add("nemesis", "info", "resume" if kind == "pause" else "restart", name)
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread, which raises it
            self.errors.append(exc)

    def probe(self, index: int, rng: random.Random, writes: int) -> Probe:
        leader = _wait_leader(self.cluster)
        follower = rng.choice([i for i in range(len(self.cluster)) if i != leader])
        key, writer, reader = f"probe{index}", self.rec.process(), self.rec.process()
        kind, _ = self.op(writer, leader, "write", key, 0)
        last = 0 if kind == "ok" else None
        if kind == "ok":
            _wait_has(self, follower, key, 0)
        self.cluster.pause(follower)
        self.rec.add("nemesis", "info", "pause", self.cluster.members[follower].name)
        answer: list[tuple[str, Any]] = []
        reading = threading.Thread(target=lambda: answer.append(self.op(reader, follower, "read", key, None)),
                                   daemon=True)
        try:
            for v in range(1, writes + 1):
                kind, _ = self.op(writer, leader, "write", key, v)
                last = v if kind == "ok" and last is not None else None
                if kind == "info":
                    writer = self.rec.process()
            reading.start()              # the read's request waits in the paused member's socket ...
            _await_queued(self.cluster.members[follower].client_port)
        finally:
            self.cluster.resume(follower)  # ... and is the first thing it meets when it wakes
            self.rec.add("nemesis", "info", "resume", self.cluster.members[follower].name)
        reading.join()
        kind, got = answer[0] if answer else ("fail", None)
        return Probe(key, self.cluster.members[follower].name, last, got, kind == "ok")


def _queued_bytes(port: int) -> int | None:
    """Bytes waiting unread in established TCP sockets on local ``port`` (Linux's /proc/net/tcp*), or None."""
    total, seen = 0, False
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        seen = True
        for line in lines:
            fields = line.split()
            local, state, queues = fields[1], fields[3], fields[4]
            if state == "01" and int(local.rsplit(":", 1)[1], 16) == port:  # ESTABLISHED, on the member's port
                total += int(queues.split(":")[1], 16)                      # rx_queue
    return total if seen else None


def _await_queued(port: int, timeout: float = 2.0) -> None:
    """Wait until a request sits unread in the paused member's socket (at least READ_HEAD_START_S).

    A fixed head start is not enough on a loaded machine: the reading thread may not have sent
    its request yet when the member resumes, and then the member catches up first. Where the
    kernel's socket table cannot be read, the fixed head start is all there is.
    """
    time.sleep(READ_HEAD_START_S)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        queued = _queued_bytes(port)
        if queued is None or queued > 0:
            return
        time.sleep(0.005)


def _wait_leader(cluster: EtcdCluster, timeout: float = 15.0) -> int:
    deadline = time.monotonic() + timeout
    while (leader := cluster.leader()) is None:
        if time.monotonic() > deadline:
            raise TimeoutError(f"no etcd member reported itself leader within {timeout} s")
        time.sleep(0.05)
    return leader


def _wait_has(runner: _Runner, member: int, key: str, value: int, timeout: float = 5.0) -> None:
    """Set-up, not part of the history: poll ``member`` locally until it has applied ``value``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if runner.apply(member, "read", key, None, reads="serializable") == value:
                return
        except (EtcdUnreachable, EtcdTimeout, EtcdFailure):
            pass
        time.sleep(0.01)
    raise TimeoutError(f"member {runner.cluster.members[member].name} did not apply {key}={value} in {timeout} s")


def _check_args(ops: int, nemesis: tuple[str, ...], reads: str, clients: int, ops_per_key: int, probes: int,
                probe_writes: int, timeout: float) -> None:
    for name, value, low in (("ops", ops, 0), ("clients", clients, 1), ("ops_per_key", ops_per_key, 1),
                             ("probes", probes, 0), ("probe_writes", probe_writes, 1)):
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise ConfigError(f"{name} must be a whole number >= {low}, got {value!r}")
    unknown = [n for n in nemesis if n not in NEMESES]
    if unknown:
        raise ConfigError(f"unknown nemesis {unknown}; choose from {list(NEMESES)} (comma-separated), or none")
    if reads not in READ_MODES:
        raise ConfigError(f"reads must be one of {list(READ_MODES)}, got {reads!r}")
    if not timeout > 0:
        raise ConfigError(f"timeout must be > 0 seconds (0.3 keeps a paused member from stalling a client), "
                          f"got {timeout!r}")


def run_etcd_test(cluster: EtcdCluster, *, ops: int = 500, nemesis: tuple[str, ...] | list[str] = NEMESES,
                  reads: str = "linearizable", seed: int = 0, clients: int = 5, ops_per_key: int = 50,
                  probes: int = 3, probe_writes: int = 50, timeout: float = 0.3, hold_s: float = 1.0,
                  calm_s: float = 0.5, think_s: float = 0.02) -> EtcdRun:
    """Run the workload with the nemesis on ``cluster``, then the stale-read probes; return the record.

    The nemesis faults one member at a time for ``hold_s`` seconds, with ``calm_s`` between
    faults, so a majority stays up; every fault is healed before the probes begin.
    """
    nemesis = tuple(nemesis)
    _check_args(ops, nemesis, reads, clients, ops_per_key, probes, probe_writes, timeout)
    runner = _Runner(cluster, reads, timeout)
    began = time.monotonic()
    done = threading.Event()
    threads = [threading.Thread(target=runner.client, args=(c, plan), daemon=True)
               for c, plan in enumerate(plan_workload(seed, ops, clients, ops_per_key, think_s))]
    if nemesis:
        rng = random.Random(f"etcd-nemesis-{seed}")
        faults = threading.Thread(target=runner.nemesis, args=(nemesis, rng, hold_s, calm_s, done), daemon=True)
        faults.start()
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        done.set()
        if nemesis:
            faults.join()
    if runner.errors:
        raise runner.errors[0]
    cluster.wait_ready()
    rng = random.Random(f"etcd-probes-{seed}")
    found = tuple(runner.probe(i, rng, probe_writes) for i in range(probes))
    return EtcdRun(tuple(runner.rec.events), found, reads, nemesis, seed, ops, time.monotonic() - began)


def etcd_test(*, members: int = 3, **options: Any) -> EtcdRun:
    """:func:`run_etcd_test` on a fresh ``members``-member cluster, stopped afterwards."""
    with etcd_cluster(members) as cluster:
        return run_etcd_test(cluster, **options)
