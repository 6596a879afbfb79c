"""The deterministic discrete-event kernel.

Theory of operation
-------------------
A :class:`Simulation` owns virtual time (``now``, in ms), one heap of pending events and the
seed. Every random choice comes from a **stream** derived from the seed and a name
(:meth:`Simulation.stream`): one per node (its timeouts and choices: ``node.rng``), one per
directed link (delays, loss, duplication, reordering), and ``sim.rng`` for the experiment
itself (workloads). Ties in time are broken by a sequence number, so **the same seed gives
the same trace, bit for bit** - and because the streams are independent, removing one fault
from a schedule changes only what that fault touches, which is what lets a failing schedule
shrink (:func:`~dsworkbook.sim.faults.shrink`).

Heap entries are tuples ``(time, seq, kind, node, a, b, c)``:

=========  ============================================================
kind       meaning
=========  ============================================================
DELIVER    message ``b`` from ``a`` arrives at ``node`` (msg id ``c``)
TIMER      timer ``a`` of ``node`` fires if its token ``b`` and incarnation ``c`` still match
CALL       call ``a(*b)`` (starts, faults, resumes, scheduled callbacks)
=========  ============================================================

Nodes are sans-IO (see node.py). After each handler the kernel carries out the effects the
node emitted, in order. A node is ``up``, ``down`` (crashed: its instance and timers are gone,
messages to it are dropped) or ``paused`` (a GC pause: its messages and timers wait and are
handed over, in order, when it resumes). A crash can also **tear a handler**
(:meth:`Simulation.crash_within`): the node's next handler has only its first ``k`` effects
carried out before the node dies - a crash between a ``Persist`` and a ``Send``, which is how
"persist before you reply" is tested. Every fault is also recorded as data in
:attr:`Simulation.fault_log` (kind, nodes, start, end). If a handler raises, the run stops with
a :class:`~dsworkbook.errors.NodeError` that names the seed and the step.
"""

from __future__ import annotations

import gc
import math
import random
from heapq import heappop, heappush
from typing import Any, Callable, Iterable, Mapping

from dsworkbook.errors import ConfigError, NodeError, NodeStateError, OutOfBudget, UnknownNodeError
from dsworkbook.sim import budget as _budget
from dsworkbook.sim.clock import LocalClock
from dsworkbook.sim.history import History
from dsworkbook.sim.latency import LatencySpec, Uniform
from dsworkbook.sim.network import Network
from dsworkbook.sim.node import (CancelTimer, Complete, Invoke, Node, Note, Persist, Request, Send,
                                 SetTimer)
from dsworkbook.sim.trace import Trace

__all__ = ["Simulation", "UP", "DOWN", "PAUSED", "STARTING"]

_DELIVER, _TIMER, _CALL = 0, 1, 2
UP, DOWN, PAUSED, STARTING = "up", "down", "paused", "starting"

#: run() without ``until`` stops with an error after this many events, because a cluster with
#: periodic timers never runs out of work.
DEFAULT_EVENT_LIMIT = 5_000_000


class _Slot:
    """The kernel's book-keeping for one node id, across crashes and restarts."""

    __slots__ = ("id", "factory", "kwargs", "node", "storage", "clock", "status", "timers",
                 "incarnation", "pending", "pause_token", "ops", "started", "tear")

    def __init__(self, node_id: str, factory: Callable[..., Node], kwargs: dict) -> None:
        self.id = node_id
        self.factory = factory
        self.kwargs = kwargs
        self.node: Node | None = None
        self.storage: dict[str, Any] = {}
        self.clock = LocalClock()
        self.status = DOWN
        self.timers: dict[Any, int] = {}
        self.incarnation = 0
        self.pending: list[tuple] = []
        self.pause_token = 0
        self.ops: dict[int, Any] = {}
        self.started = False  # has this incarnation's on_start run?
        self.tear: int | None = None  # crash_within armed: effects the next handler keeps


def _check_time(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise ConfigError(f"{name} must be a number of ms, got {value!r}")
    if value < 0:
        raise ConfigError(f"{name} must be >= 0 ms, got {value}; time in the simulation only moves forward")
    return float(value)


class Simulation:
    """A seeded, reproducible world of nodes, a network and faults.

    >>> sim = Simulation(seed=7, latency=(1, 10), loss=0.1)
    >>> sim.add_node("n1", MyNode)          # doctest: +SKIP
    >>> sim.run(until=1000)                 # doctest: +SKIP
    """

    def __init__(self, seed: int, *, network: Network | None = None, latency: LatencySpec | None = None,
                 loss: float = 0.0, duplicate: float = 0.0, reorder: float = 0.0, trace: bool = True) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ConfigError(f"seed must be an int (it names the run so it can be replayed), got {seed!r}")
        self.seed = seed
        self._streams: dict[str, random.Random] = {}
        #: the experiment's own stream (workloads, start times); nodes and links have their own
        self.rng = self.stream("sim")
        self._tearing = 0  # how many nodes have a torn crash armed (the fast paths check it)
        self.now = 0.0
        self.steps = 0
        self._heap: list[tuple] = []
        self._seq = 0
        self._slots: dict[str, _Slot] = {}
        self.trace = Trace(enabled=trace)
        self.history = History()
        if network is None:
            network = Network(latency if latency is not None else Uniform(1, 10),
                              loss=loss, duplicate=duplicate, reorder=reorder)
        elif latency is not None or loss or duplicate or reorder:
            raise ConfigError("pass either network=Network(...) or latency/loss/duplicate/reorder, not both")
        self.net = network
        network.attach(self)
        self._records = self.trace.records if trace else None
        self._blocked = network._blocked

    # -- randomness ----------------------------------------------------------------------------

    def stream(self, name: str) -> random.Random:
        """The random stream called ``name``, derived from the seed (the same in every process).

        ``node/ID`` is a node's (``node.rng``), ``link/A->B`` a directed link's (delays, loss,
        duplication, reordering) and ``sim`` the experiment's (``sim.rng``). Each stream is
        independent of the others, so one node's or link's activity never shifts another's draws.
        """
        rng = self._streams.get(name)
        if rng is None:
            if not isinstance(name, str) or not name:
                raise ConfigError(f"a stream name must be a non-empty string, got {name!r}")
            # str seeds are hashed with SHA-512 by random.Random: stable across processes and runs
            rng = self._streams[name] = random.Random(f"dsworkbook:{self.seed}:{name}")
        return rng

    # -- nodes ---------------------------------------------------------------------------------

    def add_node(self, node_id: str, factory: Callable[..., Node], /, **kwargs: Any) -> Node:
        """Add a node built by ``factory(node_id, **kwargs)``; it starts at the current time.

        The factory is kept: after a crash, :meth:`restart` builds a fresh instance with it.
        """
        if not isinstance(node_id, str) or not node_id:
            raise ConfigError(f"a node id must be a non-empty string, got {node_id!r}")
        if node_id in self._slots:
            raise ConfigError(f"node {node_id!r} already exists; node ids must be unique")
        if not callable(factory):
            raise ConfigError(f"factory for {node_id!r} must be a Node subclass or callable, got {factory!r}")
        slot = _Slot(node_id, factory, kwargs)
        self._slots[node_id] = slot
        for s in self._slots.values():
            if s.node is not None:
                s.node._peers = self._peers_of(s.id)
        node = self._instantiate(slot)
        self.trace.add(self.now, "fault", node_id, None, None, "add")
        return node

    def add_nodes(self, node_ids: Iterable[str], factory: Callable[..., Node], /, **kwargs: Any) -> list[Node]:
        return [self.add_node(n, factory, **kwargs) for n in node_ids]

    def _peers_of(self, node_id: str) -> tuple[str, ...]:
        return tuple(n for n in self._slots if n != node_id)

    def _instantiate(self, slot: _Slot) -> Node:
        node = slot.factory(slot.id, **slot.kwargs)
        if not isinstance(node, Node):
            raise ConfigError(f"factory for {slot.id!r} returned {node!r}, which is not a dsworkbook Node")
        if node.id != slot.id:
            raise ConfigError(f"factory built a node with id {node.id!r} for slot {slot.id!r}; pass the id through")
        node._sim = self
        node._rng = self.stream(f"node/{slot.id}")
        node._clock = slot.clock
        node._storage = slot.storage
        node._peers = self._peers_of(slot.id)
        slot.node = node
        slot.status = STARTING  # until on_start has run: messages and timers wait for it
        slot.started = False
        slot.incarnation += 1
        self._call_at(self.now, self._start, slot, slot.incarnation)
        return node

    def _start(self, slot: _Slot, incarnation: int) -> None:
        if slot.incarnation != incarnation or slot.node is None:
            return
        if slot.status == PAUSED:  # paused before it could start: start first when it resumes
            slot.pending.insert(0, (self.now, 0, _CALL, None, self._start, (slot, incarnation), None))
            return
        slot.status, slot.started = UP, True
        self._handle(slot, slot.node.on_start, ())

    @property
    def node_ids(self) -> list[str]:
        return list(self._slots)

    def check_node(self, node_id: str) -> _Slot:
        try:
            return self._slots[node_id]
        except (KeyError, TypeError):
            raise UnknownNodeError(node_id, self._slots) from None

    def node(self, node_id: str) -> Node:
        """The live instance of ``node_id`` (raises if it is down: a crashed node has no state)."""
        slot = self.check_node(node_id)
        if slot.node is None:
            raise NodeStateError(f"node {node_id!r} is down; restart it with sim.restart({node_id!r}) to get a new instance")
        return slot.node

    def status(self, node_id: str) -> str:
        """``up``, ``down`` or ``paused``."""
        return self.check_node(node_id).status

    def storage(self, node_id: str) -> Mapping[str, Any]:
        """What ``node_id`` has persisted (survives crashes)."""
        from types import MappingProxyType

        return MappingProxyType(self.check_node(node_id).storage)

    def clock(self, node_id: str) -> LocalClock:
        return self.check_node(node_id).clock

    # -- scheduling ----------------------------------------------------------------------------

    def _call_at(self, time: float, fn: Callable[..., Any], *args: Any) -> None:
        self._seq += 1
        heappush(self._heap, (time, self._seq, _CALL, None, fn, args, None))

    def schedule(self, delay: float, fn: Callable[..., Any], *args: Any) -> None:
        """Call ``fn(*args)`` after ``delay`` ms of true time (a workload step, a fault...)."""
        self._call_at(self.now + _check_time("delay", delay), fn, *args)

    def at(self, time: float, fn: Callable[..., Any], *args: Any) -> None:
        """Call ``fn(*args)`` at true time ``time`` (not in the past)."""
        time = _check_time("time", time)
        if time < self.now:
            raise ConfigError(f"cannot schedule at t={time}: the simulation is already at t={self.now}")
        self._call_at(time, fn, *args)

    @property
    def pending_events(self) -> int:
        return len(self._heap)

    # -- running -------------------------------------------------------------------------------

    def run(self, until: float | None = None, *, max_events: int | None = None) -> int:
        """Process events in time order up to and including ``until`` (ms); returns how many.

        Without ``until`` it runs until no event is left, and stops with an error after
        ``max_events`` (default 5 million) so a cluster with periodic timers cannot hang.
        """
        if until is not None:
            until = _check_time("until", until)
            if until < self.now:
                raise ConfigError(f"cannot run backwards: the simulation is at t={self.now} and until={until}")
        limit = max_events
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
            raise ConfigError(f"max_events must be a non-negative int, got {max_events!r}")
        if limit is None and until is None:
            limit = DEFAULT_EVENT_LIMIT
            strict = True
        else:
            strict = False
        shared = _budget.active()  # a check's event budget (grading), shared by every run inside it
        if shared is not None:
            limit = shared.left if limit is None else min(limit, shared.left)
        # Automatic garbage collection is paused while events run: every collection re-scans the
        # growing trace, which cost about a quarter of the run time (bench/sim_vs_simpy.py).
        # Messages and trace records hold no reference cycles; collection resumes on return.
        collecting = gc.isenabled()
        if collecting:
            gc.disable()
        outer = _budget._set_running(self)
        try:
            done = self._loop(until, limit)
        finally:
            _budget._set_running(outer)
            if collecting:
                gc.enable()
        if shared is not None:
            shared.left -= done
            if shared.left <= 0 and self._heap and (until is None or self._heap[0][0] <= until):
                raise OutOfBudget(f"used up its budget of {shared.total:,} simulation events: "
                                  + _budget.describe_growth(self))
        if strict and done >= DEFAULT_EVENT_LIMIT and self._heap:
            raise ConfigError(
                f"still running after {done} events (t={self.now:g}); nodes with periodic timers never "
                "run out of work - call run(until=...) or run(max_events=...)"
            )
        if until is not None and self.now < until:
            self.now = until
        return done

    def run_for(self, duration: float) -> int:
        """Run ``duration`` ms of virtual time from now."""
        return self.run(until=self.now + _check_time("duration", duration))

    def step(self) -> bool:
        """Process exactly one event; False when there is none."""
        return self._loop(None, 1) == 1

    def _loop(self, until: float | None, limit: int | None) -> int:
        # The hot path of every experiment (bench/sim_vs_simpy.py measures it): names are bound
        # to locals, and a Send on the plain network is carried out inline. Everything else
        # goes through _apply / _transmit, which do the same thing in readable form.
        heap, slots, records, blocked = self._heap, self._slots, self._records, self._blocked
        net = self.net
        samplers = net.samplers
        fast = net.fast_config
        plain = fast is not None and not (fast[0] or fast[1] or fast[2])
        horizon = math.inf if until is None else until
        budget = math.inf if limit is None else limit
        done = 0
        while heap and done < budget:
            if heap[0][0] > horizon:
                break
            t, _, kind, dst, a, b, c = heappop(heap)
            self.now = t
            done += 1
            self.steps += 1
            if kind == _DELIVER:
                slot = slots[dst]
                if slot.status != UP:
                    self._unavailable(slot, (t, 0, kind, dst, a, b, c))
                    continue
                if blocked and (a, dst) in blocked:
                    if records is not None:
                        records.append((t, "drop", dst, a, c, "partition (in flight)"))
                    continue
                if records is not None:
                    records.append((t, "deliver", dst, a, c, b))
                node = slot.node
                try:
                    if type(b) is Request:
                        node.on_client_request(a, b)
                    else:
                        node.on_message(a, b)
                except Exception as exc:
                    raise self._node_error(slot, "on_message", exc) from exc
                out = node.outbox
                if not out:
                    continue
                if not plain or len(out) != 1 or type(out[0]) is not Send or self._tearing:
                    self._apply(slot, node)
                    continue
                # inline: one Send on a network with no loss, duplication or reordering
                dst2, msg = out[0]
                out.clear()
                self._seq = mid = self._seq + 1
                if records is not None:
                    records.append((t, "send", dst, dst2, mid, msg))
                if dst2 not in slots:
                    raise self._unknown_dst(dst, dst2, msg)
                if blocked and (dst, dst2) in blocked:
                    self.trace.add(t, "drop", dst2, dst, mid, "partition")
                    continue
                link = samplers.get((dst, dst2)) or net.sampler(dst, dst2)
                heappush(heap, (t + link[1](), mid, _DELIVER, dst2, dst, msg, mid))
            elif kind == _TIMER:
                slot = slots[dst]
                if c != slot.incarnation:
                    continue
                if slot.status != UP:
                    self._unavailable(slot, (t, 0, kind, dst, a, b, c))
                    continue
                if slot.timers.get(a) != b:
                    continue
                del slot.timers[a]
                if records is not None:
                    records.append((t, "timer", dst, None, None, a))
                self._handle(slot, slot.node.on_timer, (a,))
            else:
                a(*b)
                if net.fast_config is not fast:  # a fault changed the network
                    fast = net.fast_config
                    plain = fast is not None and not (fast[0] or fast[1] or fast[2])
        return done

    def _node_error(self, slot: _Slot, handler: str, exc: BaseException) -> NodeError:
        err = NodeError(f"node {slot.id!r} raised {type(exc).__name__} in {handler}: {exc}",
                        seed=self.seed, step=self.steps, time=self.now)
        err.node, err.cause = slot.id, exc
        return err

    def _handle(self, slot: _Slot, handler: Callable[..., Any], args: tuple) -> None:
        node = slot.node
        try:
            handler(*args)
        except Exception as exc:
            raise self._node_error(slot, handler.__name__, exc) from exc
        if node.outbox:
            self._apply(slot, node)

    def _unavailable(self, slot: _Slot, event: tuple) -> None:
        """A message or timer reached a node that is down (lost), paused (waits for the resume)
        or not started yet (waits until on_start has run, in this same instant)."""
        if slot.status == STARTING:
            self._seq += 1
            heappush(self._heap, (event[0], self._seq) + event[2:])
        elif slot.status == PAUSED:
            slot.pending.append(event)
        elif event[2] == _DELIVER:
            self.trace.add(event[0], "drop", slot.id, event[4], event[6], "node down")

    # -- effects -------------------------------------------------------------------------------

    def _apply(self, slot: _Slot, node: Node) -> None:
        out = node.outbox
        src = slot.id
        torn = slot.tear is not None
        if torn:  # crash_within: carry out the first k effects of this handler, then crash
            kept, total = min(slot.tear, len(out)), len(out)
            del out[kept:]
            slot.tear = None
            self._tearing -= 1
        for eff in out:
            kind = type(eff)
            if kind is Send:
                # The hot path (see bench/sim_vs_simpy.py): _transmit inlined for the plain network.
                fast = self.net.fast_config
                if fast is None:
                    self._transmit(src, eff[0], eff[1])
                    continue
                dst, msg = eff
                self._seq = mid = self._seq + 1
                now = self.now
                records = self._records
                if records is not None:
                    records.append((now, "send", src, dst, mid, msg))
                if dst not in self._slots:
                    raise self._unknown_dst(src, dst, msg)
                if self._blocked and (src, dst) in self._blocked:
                    self.trace.add(now, "drop", dst, src, mid, "partition")
                    continue
                loss, duplicate, reorder = fast
                if loss or duplicate or reorder:
                    self._transmit_faulty(src, dst, msg, mid)
                    continue
                link = self.net.samplers.get((src, dst)) or self.net.sampler(src, dst)
                heappush(self._heap, (now + link[1](), mid, _DELIVER, dst, src, msg, mid))
            elif kind is SetTimer:
                self._set_timer(slot, eff[0], eff[1])
            elif kind is CancelTimer:
                slot.timers.pop(eff[0], None)
            elif kind is Persist:
                slot.storage.update(eff[0])
                self.trace.add(self.now, "persist", src, None, None, dict(eff[0]))
            elif kind is Note:
                self.trace.add(self.now, "note", src, None, None, dict(eff[0]))
            elif kind is Invoke:
                op = self.history.invoke(src, eff.f, eff.input, self.now, key=eff.key)
                slot.ops[eff.handle] = op
                self.trace.add(self.now, "invoke", src, None, None, (op.index, eff.f, eff.input))
            elif kind is Complete:
                op = slot.ops.pop(eff.handle, None)
                if op is None:
                    raise self._node_error(slot, "complete", ConfigError(f"no pending operation with handle {eff.handle}"))
                self.history.complete(op, eff.outcome, eff.output, self.now)
                self.trace.add(self.now, "complete", src, None, None, (op.index, eff.outcome, op.output))
            else:
                out.clear()
                raise self._node_error(slot, "an effect", TypeError(f"unknown effect {eff!r}; use the Node helper methods"))
        out.clear()
        if torn:
            self.trace.add(self.now, "fault", src, None, None, f"crash after {kept} of {total} effects")
            self._crash(slot, torn=(kept, total))

    def _unknown_dst(self, src: str, dst: str, msg: Any) -> NodeError:
        return NodeError(f"node {src!r} sent {msg!r} to unknown node {dst!r}; known: {list(self._slots)}",
                         seed=self.seed, step=self.steps, time=self.now)

    def _transmit(self, src: str, dst: str, msg: Any) -> None:
        """Send on the general path: per-link configs, FIFO links, bandwidth."""
        self._seq = mid = self._seq + 1
        self.trace.add(self.now, "send", src, dst, mid, msg)
        if dst not in self._slots:
            raise self._unknown_dst(src, dst, msg)
        if self._blocked and (src, dst) in self._blocked:
            self.trace.add(self.now, "drop", dst, src, mid, "partition")
            return
        self._transmit_faulty(src, dst, msg, mid)

    def _transmit_faulty(self, src: str, dst: str, msg: Any, mid: int) -> None:
        """Loss, reordering and duplication for one message already traced as sent (the link's stream)."""
        now, net = self.now, self.net
        cfg, sample, rng = net.samplers.get((src, dst)) or net.sampler(src, dst)
        rand = rng.random
        if cfg.loss and rand() < cfg.loss:
            self.trace.add(now, "drop", dst, src, mid, "loss")
            return
        copies = 2 if cfg.duplicate and rand() < cfg.duplicate else 1
        for copy in range(copies):
            delay = sample()
            if cfg.reorder and rand() < cfg.reorder:
                delay += cfg.latency.mean * (1.0 + 4.0 * rand())
            arrival = now + delay if net.fast_config is not None else net.delay(cfg, src, dst, msg, now, delay)
            if copy:
                self._seq += 1
                self.trace.add(now, "duplicate", dst, src, mid, msg)
            heappush(self._heap, (arrival, self._seq if copy else mid, _DELIVER, dst, src, msg, mid))

    def _set_timer(self, slot: _Slot, name: Any, delay: float) -> None:
        if isinstance(delay, bool) or not isinstance(delay, (int, float)) or not delay >= 0:
            raise self._node_error(slot, "set_timer", ConfigError(
                f"timer {name!r} needs a delay >= 0 ms, got {delay!r}"))
        self._seq += 1
        slot.timers[name] = self._seq
        true_delay = delay / slot.clock.rate
        heappush(self._heap, (self.now + true_delay, self._seq, _TIMER, slot.id, name, self._seq, slot.incarnation))

    # -- node faults ---------------------------------------------------------------------------

    def crash(self, node_id: str) -> None:
        """Crash ``node_id`` now: volatile state, timers and queued messages are lost; storage stays.

        Client operations it had in flight end as ``unknown`` (they may have taken effect).
        """
        slot = self.check_node(node_id)
        if slot.status == DOWN:
            raise NodeStateError(f"node {node_id!r} is already down; restart it before crashing it again")
        self._crash(slot)

    def crash_within(self, node_id: str, after: int) -> None:
        """Crash ``node_id`` inside its next handler that emits effects, after the first ``after`` of them.

        The handler runs in full (its volatile state is lost anyway), but only its first
        ``after`` effects - sends, persists, timers, in the order it emitted them - are carried
        out; then the node crashes as :meth:`crash` does. ``after=0`` loses them all. This is
        the crash that falls between a ``Persist`` and a ``Send``. Handlers that emit nothing
        leave the crash armed.
        """
        slot = self.check_node(node_id)
        if isinstance(after, bool) or not isinstance(after, int) or after < 0:
            raise ConfigError(f"after must be a number of effects >= 0, got {after!r}")
        if slot.status == DOWN:
            raise NodeStateError(f"node {node_id!r} is down; restart it before arming a crash")
        if slot.tear is None:
            self._tearing += 1
        slot.tear = after
        self.trace.add(self.now, "fault", node_id, None, None, f"crash armed: after {after} effects")

    def cancel_crash(self, node_id: str) -> None:
        """Disarm a crash armed with :meth:`crash_within` that has not struck yet (nothing if none)."""
        slot = self.check_node(node_id)
        if slot.tear is not None:
            slot.tear = None
            self._tearing -= 1
            self.trace.add(self.now, "fault", node_id, None, None, "crash disarmed")

    def armed_crash(self, node_id: str) -> int | None:
        """The ``after`` of a crash armed with :meth:`crash_within` that has not struck yet, else None."""
        return self.check_node(node_id).tear

    def _crash(self, slot: _Slot, torn: tuple[int, int] | None = None) -> None:
        if slot.tear is not None:
            slot.tear = None
            self._tearing -= 1
        self.trace.fault_ended("pause", self.now, nodes=(slot.id,))
        self.trace.fault_began("crash", (slot.id,), self.now, ("torn", *torn) if torn else None)
        for ev in slot.pending:
            if ev[2] == _DELIVER:
                self.trace.add(self.now, "drop", slot.id, ev[4], ev[6], "node down")
        slot.pending = []
        slot.pause_token += 1
        slot.status = DOWN
        slot.node = None
        slot.timers.clear()
        slot.incarnation += 1
        for op in slot.ops.values():
            self.history.complete(op, "unknown", None, self.now)
            self.trace.add(self.now, "complete", slot.id, None, None, (op.index, "unknown", op.output))
        slot.ops.clear()
        self.trace.add(self.now, "fault", slot.id, None, None, "crash")

    def restart(self, node_id: str) -> Node:
        """Restart a crashed node: a new instance, built by its factory, with its old storage."""
        slot = self.check_node(node_id)
        if slot.status != DOWN:
            raise NodeStateError(f"node {node_id!r} is {slot.status}; only a crashed node can be restarted")
        self.trace.add(self.now, "fault", node_id, None, None, "restart")
        self.trace.fault_ended("crash", self.now, nodes=(node_id,))
        return self._instantiate(slot)

    def pause(self, node_id: str, duration: float) -> None:
        """Freeze ``node_id`` for ``duration`` ms (a stop-the-world GC pause).

        Its clock keeps running; messages and timers that arrive meanwhile wait and are handed
        over in order when it resumes. Pausing a paused node extends the pause.
        """
        duration = _check_time("pause duration", duration)
        slot = self.check_node(node_id)
        if slot.status == DOWN:
            raise NodeStateError(f"node {node_id!r} is down; a crashed node cannot be paused")
        if slot.status != PAUSED:
            self.trace.fault_began("pause", (node_id,), self.now, duration)
        slot.status = PAUSED
        slot.pause_token += 1
        self._call_at(self.now + duration, self._resume, slot, slot.pause_token)
        self.trace.add(self.now, "fault", node_id, None, None, f"pause {duration:g}ms")

    def _resume(self, slot: _Slot, token: int) -> None:
        if slot.pause_token != token or slot.status != PAUSED:
            return
        slot.status = UP if slot.started else STARTING
        self.trace.add(self.now, "fault", slot.id, None, None, "resume")
        self.trace.fault_ended("pause", self.now, nodes=(slot.id,))
        pending, slot.pending = slot.pending, []
        for ev in pending:
            self._seq += 1
            heappush(self._heap, (self.now, self._seq) + ev[2:])

    def clock_jump(self, node_id: str, delta: float) -> None:
        """Step ``node_id``'s clock by ``delta`` ms (may be negative)."""
        self.check_node(node_id).clock.jump(self.now, delta)
        self.trace.add(self.now, "fault", node_id, None, None, f"clock jump {delta:+g}ms")
        self.trace.fault_began("clock", (node_id,), self.now, ("jump", delta), end=self.now)

    def set_drift(self, node_id: str, drift: float) -> None:
        """From now on ``node_id``'s clock runs at ``1 + drift`` times real speed."""
        self.check_node(node_id).clock.set_drift(self.now, drift)
        self.trace.add(self.now, "fault", node_id, None, None, f"clock drift {drift:+g}")
        self.trace.fault_began("clock", (node_id,), self.now, ("drift", drift), end=self.now)

    def set_clock_offset(self, node_id: str, offset: float) -> None:
        """Make ``node_id``'s clock read true time + ``offset`` ms."""
        self.check_node(node_id).clock.set_offset(self.now, offset)
        self.trace.add(self.now, "fault", node_id, None, None, f"clock offset {offset:+g}ms")
        self.trace.fault_began("clock", (node_id,), self.now, ("offset", offset), end=self.now)

    def __repr__(self) -> str:
        return f"Simulation(seed={self.seed}, t={self.now:g}, nodes={len(self._slots)}, events={len(self._heap)})"
