"""The lost update: two read-modify-write cycles interleave, and one increment vanishes.

Theory of operation
-------------------
A *lost update* needs no replication and no fault. Two clients increment a counter the usual
way - read ``x``, add one, write the result - and their cycles interleave::

    c1:  read x -> 4 .................. write x = 5
    c2:        read x -> 4 ...................... write x = 5     two increments, x grew by one

Every read and every write here is atomic (the history of such a run is linearizable); what
is not atomic is the *cycle*. The cure is to make the write conditional on what was read: a
**compare-and-set** ``cas(x, expected=4, new=5)`` succeeds only if ``x`` is still 4, and the
loser re-reads and tries again. Real stores offer the same step: a ZooKeeper ``setData(path,
data, version)`` fails unless the node's version matches; an etcd transaction compares a key's
``mod_revision`` before it writes; a DynamoDB ``PutItem`` takes a ``ConditionExpression``.
Each of them decides the comparison and the write in one place - the leader of the key's
replica group - because a compare-and-set cannot be built from quorum reads and writes alone
(it solves consensus; Herlihy, "Wait-free synchronization", 1991).

:class:`LeaderKV` is that one place: a single server that applies ``read``, ``write`` and
``cas`` to its keys one request at a time. :class:`IncrementClient` runs ``increments``
read-modify-write cycles against it, either ``blind`` (read, then write) or with ``cas``
(read, then compare-and-set; on a mismatch, read again). The anomaly zoo
(:mod:`~dsworkbook.storage.anomalies`) runs both on one seed; :func:`detect_lost_update` reads
the histories.
"""

from __future__ import annotations

import math
from typing import Any

from dsworkbook.errors import ConfigError
from dsworkbook.sim import History, Node, Request, Response
from dsworkbook.storage.common import Refused, outcome_of

__all__ = ["LeaderKV", "IncrementClient", "RMW_MODES", "detect_lost_update"]

#: How an :class:`IncrementClient` writes back: ``blind`` (plain write) or ``cas`` (compare-and-set, retried).
RMW_MODES = ("blind", "cas")


class LeaderKV(Node):
    """One server that applies ``read``, ``write`` and ``cas`` atomically, one request at a time.

    Requests: ``read`` with arg ``(key, None)`` answers the value (None if unwritten);
    ``write`` with ``(key, value)`` stores it and answers None; ``cas`` with ``(key,
    (expected, new))`` stores ``new`` only if the value is ``expected`` and answers True,
    otherwise refuses with a :class:`~dsworkbook.storage.common.Refused` that changed nothing
    (the client records ``fail``). A duplicated request (same client, same ``req_id``) is
    answered once.
    """

    def on_start(self) -> None:
        self.data: dict[Any, Any] = {k[len("item:"):]: v for k, v in self.storage.items() if k.startswith("item:")}
        self._seen: set[tuple[str, int]] = set()

    def on_client_request(self, src: str, request: Request) -> None:
        if (src, request.req_id) in self._seen:
            return
        self._seen.add((src, request.req_id))
        arg = request.arg
        if request.op not in ("read", "write", "cas") or not (isinstance(arg, tuple) and len(arg) == 2):
            self.reply(src, request, Refused(f"unknown request {request.op!r} {arg!r}"), ok=False)
            return
        key, value = arg
        if request.op == "read":
            self.reply(src, request, self.data.get(key))
        elif request.op == "write":
            self._store(key, value)
            self.reply(src, request, None)
        else:
            expected, new = value
            current = self.data.get(key)
            if current != expected:
                self.reply(src, request, Refused(f"{key} is {current!r}, not the expected {expected!r}"), ok=False)
                return
            self._store(key, new)
            self.reply(src, request, True)

    def _store(self, key: Any, value: Any) -> None:
        self.data[key] = value
        self.persist(**{f"item:{key}": value})


class IncrementClient(Node):
    """Runs ``increments`` read-modify-write cycles on ``key`` at ``server`` (see the module docstring).

    Each cycle records a ``read`` and then a ``write`` (input: the new value) or a ``cas``
    (input: ``(expected, new)``) in the history. In ``cas`` mode a refused compare-and-set
    (``fail``) sends the client back to read, up to ``retries`` times per increment.
    """

    def __init__(self, node_id: str, *, server: str, key: Any = "x", increments: int = 3, mode: str = "blind",
                 start_at: float = 0.0, think: float = 0.0, timeout: float = 300.0, retries: int = 20) -> None:
        super().__init__(node_id)
        if mode not in RMW_MODES:
            raise ConfigError(f"mode must be one of {list(RMW_MODES)}, got {mode!r}")
        for name, v in (("increments", increments), ("retries", retries)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ConfigError(f"{name} must be a whole number >= 0, got {v!r}")
        for name, t in (("start_at", start_at), ("think", think), ("timeout", timeout)):
            if isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t) or t < 0:
                raise ConfigError(f"{name} must be a number of ms >= 0, got {t!r}")
        self.server, self.key, self.increments, self.mode = server, key, increments, mode
        self.start_at, self.think, self.timeout, self.retries = float(start_at), float(think), float(timeout), retries

    def on_start(self) -> None:
        self.done = 0
        self.tries = 0
        self.next_req = 0
        self.current: tuple[int, Request] | None = None
        self.set_timer("cycle", self.start_at)

    def on_timer(self, name: Any) -> None:
        if name == "cycle":
            self._read()
        elif name == "timeout" and self.current is not None:
            self._finish(None)

    def _send(self, f: str, value: Any, history_input: Any) -> None:
        handle = self.invoke(f, history_input, key=self.key)
        self.next_req += 1
        request = Request(self.next_req, f, (self.key, value))
        self.current = (handle, request)
        self.send(self.server, request)
        self.set_timer("timeout", self.timeout)

    def _read(self) -> None:
        if self.done >= self.increments:
            return
        self._send("read", None, None)

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, Response) and self.current is not None and msg.req_id == self.current[1].req_id:
            self._finish(msg)

    def _finish(self, reply: Response | None) -> None:
        assert self.current is not None
        handle, request = self.current
        self.current = None
        self.cancel_timer("timeout")
        outcome, output = outcome_of("read" if request.op == "read" else "write", reply)
        self.complete(handle, outcome, output)
        if request.op == "read" and outcome == "ok":
            seen = output
            new = (seen or 0) + 1
            if self.mode == "blind":
                self._send("write", new, new)
            else:
                self._send("cas", (seen, new), (seen, new))
            return
        if request.op == "cas" and outcome == "fail" and self.tries < self.retries:
            self.tries += 1  # someone else incremented first: read again
        else:
            self.done += 1
            self.tries = 0
        self.set_timer("cycle", self.think)


def _new_value(op: Any) -> Any:
    return op.input[1] if op.f == "cas" else op.input


def detect_lost_update(history: History) -> list[str]:
    """Increments acknowledged but lost: two ``ok`` writes (or swaps) that stored the same new value.

    In a run of read-modify-write increments every acknowledged increment must produce a value
    no other one produced; two that produced the same value started from the same read, and one
    of them was overwritten without being counted. The last ``ok`` read after every increment
    shows the total.
    """
    found = []
    by_value: dict[tuple[Any, Any], list[Any]] = {}
    for op in history:
        if op.f in ("write", "cas") and op.outcome == "ok":
            by_value.setdefault((op.key, _new_value(op)), []).append(op)
    for (key, value), ops in sorted(by_value.items(), key=lambda kv: repr(kv[0])):
        if len(ops) > 1:
            who = " and ".join(f"{op.process} (ok at t={op.complete_time:.0f})"
                               for op in sorted(ops, key=lambda o: o.complete_time))
            before = f"{key}={value - 1!r}" if isinstance(value, int) else "the same value"
            found.append(f"{who} both wrote {key}={value!r} after reading {before}: "
                         f"{len(ops)} increments acknowledged, {key} grew by one")
    if found:
        acked = sum(1 for op in history if op.f in ("write", "cas") and op.outcome == "ok")
        reads = [op for op in history if op.f == "read" and op.outcome == "ok"]
        if reads:
            last = max(reads, key=lambda op: op.invoke_time)
            found.append(f"{acked} increments were acknowledged; the last read returned {last.output!r}")
    return found
