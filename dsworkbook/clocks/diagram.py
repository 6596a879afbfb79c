"""A space-time diagram as data: events, messages, happens-before, and the clocks of each event.

Theory of operation
-------------------
:class:`SpaceTimeDiagram` is the model behind the T04 widget, notebook 04's diagrams and the
puzzle of exercise ``04-predict-concurrent``: a few processes (lanes), and on each a sequence
of events - ``local``, ``send`` (creates a message to another process) or ``receive``
(consumes a message addressed to this process that was sent and not yet received). Events
are kept in the order they were added, which is always a valid causal order: a message is
received only after it was sent.

**Happens-before is computed from the graph, not from any clock.** Each event's *past* (the
set of events that happen before it, Lamport 1978 §2) is a bit set built when the event is
added: the past of its predecessor on the same process plus that predecessor, and for a
receive also the past of the matching send plus the send. So ``a -> b`` is one bit test, and
the clocks (lamport.py, vector.py) can be *checked* against it rather than trusted.

Lamport and vector timestamps are computed by replaying the events through
:class:`~dsworkbook.clocks.lamport.LamportClock` and
:class:`~dsworkbook.clocks.vector.VectorClock`; they are cached until the diagram changes.
:meth:`undo` removes the last event (a send takes its message with it; a receive makes its
message pending again), :meth:`reset` removes everything. Mistakes - an unknown process, a
message that was never sent, or is addressed elsewhere, or was already received - raise a
:class:`~dsworkbook.errors.ConfigError` that says what is possible instead.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from dsworkbook.clocks.lamport import LamportClock
from dsworkbook.clocks.vector import Order, VectorClock, VectorTimestamp
from dsworkbook.errors import ConfigError, UnknownNodeError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Event", "Message", "SpaceTimeDiagram", "EVENT_KINDS", "Step", "puzzle_diagram", "PUZZLE_PAIRS",
           "PUZZLE_WHY_PAIR"]

EVENT_KINDS = ("local", "send", "receive")
#: One step of a script: ("local", node), ("send", node, to) or ("receive", node, message_id).
Step = tuple


@dataclass(frozen=True, slots=True)
class Event:
    """One event: ``id`` such as ``"B2"`` (the second event on B), its kind, and its message if any."""

    id: str
    node: str
    index: int
    kind: str
    message: str | None = None
    label: str = ""

    def __str__(self) -> str:
        return self.id


@dataclass(frozen=True, slots=True)
class Message:
    """A message ``id`` (``"m3"``) from ``src`` to ``dst``, sent by event ``send``."""

    id: str
    src: str
    dst: str
    send: str
    label: str = ""


def _event_id(node: str, index: int) -> str:
    return f"{node}.{index}" if node[-1].isdigit() else f"{node}{index}"


class SpaceTimeDiagram:
    """Processes, events and messages; happens-before from the graph; Lamport and vector clocks by replay."""

    def __init__(self, nodes: Sequence[str] = ("A", "B", "C")) -> None:
        if isinstance(nodes, str):
            raise ConfigError(f"nodes must be a list of process ids, got the string {nodes!r}; write [{nodes!r}]")
        nodes = tuple(nodes)
        if not nodes or len(set(nodes)) != len(nodes) or not all(isinstance(n, str) and n for n in nodes):
            raise ConfigError(f"nodes must be distinct non-empty strings, got {nodes!r}")
        self.nodes: tuple[str, ...] = nodes
        self.reset()

    # -- building ----------------------------------------------------------------------------------

    def reset(self) -> None:
        """Remove every event and message."""
        self._events: list[Event] = []
        self._pos: dict[str, int] = {}
        self._last: dict[str, int] = {}
        self._count: dict[str, int] = {}
        self._past: list[int] = []
        self._messages: dict[str, Message] = {}
        self._received: dict[str, str] = {}
        self._cache: dict[str, Any] = {}

    def _node(self, node: Any) -> str:
        if node not in self.nodes:
            raise UnknownNodeError(node, self.nodes)
        return node

    def _append(self, node: str, kind: str, message: str | None, label: str, also: int | None = None) -> Event:
        index = self._count[node] = self._count.get(node, 0) + 1
        event = Event(_event_id(node, index), node, index, kind, message, label)
        past = 0
        prev = self._last.get(node)
        if prev is not None:
            past |= self._past[prev] | (1 << prev)
        if also is not None:
            past |= self._past[also] | (1 << also)
        pos = len(self._events)
        self._events.append(event)
        self._pos[event.id] = pos
        self._past.append(past)
        self._last[node] = pos
        self._cache.clear()
        return event

    def local(self, node: str, label: str = "") -> Event:
        """A local event on ``node``."""
        return self._append(self._node(node), "local", None, label)

    def send(self, node: str, to: str, label: str = "") -> Event:
        """``node`` sends a new message to ``to``; the event's ``message`` is its id (``"m1"``...)."""
        self._node(node), self._node(to)
        if node == to:
            raise ConfigError(f"{node} cannot send a message to itself; use a local event, or pick another process")
        mid = f"m{len(self._messages) + 1}"
        event = self._append(node, "send", mid, label)
        self._messages[mid] = Message(mid, node, to, event.id, label)
        return event

    def receive(self, node: str, message: str, label: str = "") -> Event:
        """``node`` receives ``message`` (an id such as ``"m2"``): it must be pending and addressed to ``node``."""
        self._node(node)
        msg = self._messages.get(message)
        if msg is None:
            sent = ", ".join(self._messages) or "none yet"
            raise ConfigError(f"message {message!r} was never sent (messages so far: {sent}); send it first")
        if msg.dst != node:
            raise ConfigError(f"{message} is addressed to {msg.dst}, not {node}; only {msg.dst} can receive it")
        if message in self._received:
            raise ConfigError(f"{message} was already received by event {self._received[message]}; "
                              f"pending for {node}: {[m.id for m in self.pending(node)] or 'none'}")
        event = self._append(node, "receive", message, label, also=self._pos[msg.send])
        self._received[message] = event.id
        return event

    def apply(self, step: Step) -> Event:
        """Apply one script step: ``("local", n)``, ``("send", n, to)`` or ``("receive", n, message)``."""
        if not isinstance(step, (tuple, list)) or not step or step[0] not in EVENT_KINDS:
            raise ConfigError(f"a step is ('local', node), ('send', node, to) or ('receive', node, message), "
                              f"got {step!r}")
        want = 2 if step[0] == "local" else 3
        if len(step) not in (want, want + 1):
            raise ConfigError(f"step {step!r} has {len(step)} parts; {step[0]!r} takes {want} (plus a label)")
        return getattr(self, step[0])(*step[1:])

    def undo(self) -> Event:
        """Remove the last event and return it."""
        if not self._events:
            raise ConfigError("there is nothing to undo: the diagram is empty")
        event = self._events.pop()
        self._past.pop()
        del self._pos[event.id]
        self._count[event.node] -= 1
        if event.kind == "send":
            del self._messages[event.message]  # the last message created: its send was the last event
        elif event.kind == "receive":
            del self._received[event.message]
        prev = [i for i, e in enumerate(self._events) if e.node == event.node]
        if prev:
            self._last[event.node] = prev[-1]
        else:
            self._last.pop(event.node, None)
        self._cache.clear()
        return event

    @classmethod
    def from_steps(cls, steps: Iterable[Step], nodes: Sequence[str] = ("A", "B", "C")) -> "SpaceTimeDiagram":
        """A diagram built from a script of steps (see :meth:`apply`)."""
        diagram = cls(nodes)
        for step in steps:
            diagram.apply(step)
        return diagram

    @classmethod
    def random(cls, seed: int, *, nodes: Sequence[str] = ("A", "B", "C"), events: int = 12,
               p_send: float = 0.4, p_receive: float = 0.6) -> "SpaceTimeDiagram":
        """``events`` random events from ``random.Random(seed)``: at each step a random process receives a
        pending message (probability ``p_receive``, if it has one), sends (``p_send``), or does a local event."""
        if isinstance(events, bool) or not isinstance(events, int) or events < 0:
            raise ConfigError(f"events must be an int >= 0, got {events!r}")
        rng = random.Random(seed)
        diagram = cls(nodes)
        for _ in range(events):
            node = rng.choice(diagram.nodes)
            pending = diagram.pending(node)
            if pending and rng.random() < p_receive:
                diagram.receive(node, rng.choice(pending).id)
            elif len(diagram.nodes) > 1 and rng.random() < p_send:
                diagram.send(node, rng.choice([n for n in diagram.nodes if n != node]))
            else:
                diagram.local(node)
        return diagram

    def copy(self) -> "SpaceTimeDiagram":
        return SpaceTimeDiagram.from_steps(self.steps(), self.nodes)

    def steps(self) -> list[Step]:
        """The script that rebuilds this diagram."""
        out: list[Step] = []
        for e in self._events:
            if e.kind == "local":
                out.append(("local", e.node))
            elif e.kind == "send":
                out.append(("send", e.node, self._messages[e.message].dst))
            else:
                out.append(("receive", e.node, e.message))
        return out

    # -- reading -----------------------------------------------------------------------------------

    @property
    def events(self) -> tuple[Event, ...]:
        return tuple(self._events)

    @property
    def messages(self) -> tuple[Message, ...]:
        return tuple(self._messages.values())

    def __len__(self) -> int:
        return len(self._events)

    def event(self, event: Event | str) -> Event:
        """The event with this id (an :class:`Event` is accepted too)."""
        key = event.id if isinstance(event, Event) else event
        pos = self._pos.get(key) if isinstance(key, str) else None
        if pos is None:
            known = ", ".join(self._pos) or "none yet"
            raise ConfigError(f"no event {event!r} in the diagram; events: {known}")
        return self._events[pos]

    def message(self, message: str) -> Message:
        try:
            return self._messages[message]
        except (KeyError, TypeError):
            raise ConfigError(f"no message {message!r}; messages: {', '.join(self._messages) or 'none yet'}") from None

    def receiver(self, message: str) -> Event | None:
        """The event that received ``message``, or None while it is pending."""
        self.message(message)
        eid = self._received.get(message)
        return None if eid is None else self.event(eid)

    def pending(self, node: str | None = None) -> list[Message]:
        """Messages sent and not yet received (addressed to ``node``, if given)."""
        if node is not None:
            self._node(node)
        return [m for m in self._messages.values()
                if m.id not in self._received and (node is None or m.dst == node)]

    def on(self, node: str) -> list[Event]:
        """The events of ``node``, in order."""
        self._node(node)
        return [e for e in self._events if e.node == node]

    # -- happens-before ----------------------------------------------------------------------------

    def happens_before(self, a: Event | str, b: Event | str) -> bool:
        """``a -> b``: a chain of process order and messages leads from ``a`` to ``b``."""
        pa, pb = self._pos[self.event(a).id], self._pos[self.event(b).id]
        return bool(self._past[pb] >> pa & 1)

    def relation(self, a: Event | str, b: Event | str) -> Order:
        """How ``a`` relates to ``b``: before, after, equal (the same event) or concurrent."""
        ea, eb = self.event(a), self.event(b)
        if ea.id == eb.id:
            return Order.EQUAL
        if self.happens_before(ea, eb):
            return Order.BEFORE
        if self.happens_before(eb, ea):
            return Order.AFTER
        return Order.CONCURRENT

    def chain(self, a: Event | str, b: Event | str) -> list[Event]:
        """A shortest chain of edges (process order, send -> receive) from ``a`` to ``b``; [] if none."""
        ea, eb = self.event(a), self.event(b)
        if not self.happens_before(ea, eb):
            return []
        succ: dict[str, list[str]] = {}
        for n in self.nodes:
            evs = [e.id for e in self._events if e.node == n]
            for x, y in zip(evs, evs[1:]):
                succ.setdefault(x, []).append(y)
        for mid, rid in self._received.items():
            succ.setdefault(self._messages[mid].send, []).append(rid)
        parent: dict[str, str | None] = {ea.id: None}
        frontier = [ea.id]
        while frontier and eb.id not in parent:
            nxt = []
            for x in frontier:
                for y in succ.get(x, []):
                    if y not in parent:
                        parent[y] = x
                        nxt.append(y)
            frontier = nxt
        path, cur = [], eb.id
        while cur is not None:
            path.append(self.event(cur))
            cur = parent[cur]
        return path[::-1]

    def past(self, event: Event | str) -> list[Event]:
        """Every event that happens before ``event``."""
        bits = self._past[self._pos[self.event(event).id]]
        return [e for i, e in enumerate(self._events) if bits >> i & 1]

    def future(self, event: Event | str) -> list[Event]:
        """Every event that ``event`` happens before."""
        p = self._pos[self.event(event).id]
        return [e for i, e in enumerate(self._events) if self._past[i] >> p & 1]

    def concurrent_with(self, event: Event | str) -> list[Event]:
        """Every other event that is neither before nor after ``event``."""
        e = self.event(event)
        related = {x.id for x in self.past(e)} | {x.id for x in self.future(e)} | {e.id}
        return [x for x in self._events if x.id not in related]

    def concurrent_pairs(self) -> list[tuple[Event, Event]]:
        """Every unordered pair of concurrent events, in diagram order."""
        ev, past = self._events, self._past
        return [(ev[i], ev[j]) for j in range(len(ev)) for i in range(j)
                if not past[j] >> i & 1 and not past[i] >> j & 1]

    # -- clocks -------------------------------------------------------------------------------------

    def lamport(self) -> dict[str, int]:
        """Each event's Lamport time (lamport.py's rules, replayed in diagram order)."""
        if "lamport" not in self._cache:
            clocks = {n: LamportClock(n) for n in self.nodes}
            carried: dict[str, int] = {}
            out: dict[str, int] = {}
            for e in self._events:
                c = clocks[e.node]
                if e.kind == "receive":
                    out[e.id] = c.receive(carried[e.message])
                else:
                    out[e.id] = c.tick()
                    if e.kind == "send":
                        carried[e.message] = out[e.id]
            self._cache["lamport"] = out
        return dict(self._cache["lamport"])

    def vector(self) -> dict[str, VectorTimestamp]:
        """Each event's vector timestamp (vector.py's rules, replayed in diagram order)."""
        if "vector" not in self._cache:
            clocks = {n: VectorClock(n, self.nodes) for n in self.nodes}
            carried: dict[str, VectorTimestamp] = {}
            out: dict[str, VectorTimestamp] = {}
            for e in self._events:
                c = clocks[e.node]
                out[e.id] = c.receive(carried[e.message]) if e.kind == "receive" else c.tick()
                if e.kind == "send":
                    carried[e.message] = out[e.id]
            self._cache["vector"] = out
        return dict(self._cache["vector"])

    def to_dataframe(self, focus: Event | str | None = None) -> "pd.DataFrame":
        """One row per event: node, kind, message, peer, Lamport time, vector; with ``focus``, its relation to it."""
        import pandas as pd

        lam, vec = self.lamport(), self.vector()
        rows = []
        for e in self._events:
            msg = self._messages.get(e.message) if e.message else None
            peer = "" if msg is None else (msg.dst if e.kind == "send" else msg.src)
            rows.append({"event": e.id, "node": e.node, "kind": e.kind, "message": e.message or "", "peer": peer,
                         "lamport": lam[e.id], "vector": vec[e.id].as_list(self.nodes)})
        df = pd.DataFrame(rows, columns=["event", "node", "kind", "message", "peer", "lamport", "vector"])
        if focus is not None:
            f = self.event(focus)
            df[f"vs {f.id}"] = [str(self.relation(e, f)) for e in self._events]
        return df.set_index("event")

    def __repr__(self) -> str:
        return (f"SpaceTimeDiagram(nodes={list(self.nodes)}, events={len(self._events)}, "
                f"messages={len(self._messages)}, pending={len(self.pending())})")


#: The pairs that exercise ``04-predict-concurrent`` asks about: how does the first relate to the second?
PUZZLE_PAIRS: tuple[tuple[str, str], ...] = (("A2", "D3"), ("D1", "C3"), ("D3", "B2"), ("C4", "D3"), ("B4", "A4"))
#: The pair whose reason the exercise asks for (its ``why`` part).
PUZZLE_WHY_PAIR: tuple[str, str] = ("D1", "C3")


def puzzle_diagram() -> SpaceTimeDiagram:
    """The fixed four-process diagram of exercise ``04-predict-concurrent`` (notebook 04 does not show it).

    It is built so that reading Lamport times as happens-before goes wrong both ways: a chain
    through two other processes orders events far apart (A2 -> ... -> D3), a message from D to
    C arrives only after the C event it is compared with, and concurrent events get smaller,
    larger and equal Lamport times.
    """
    return SpaceTimeDiagram.from_steps([
        ("local", "A"), ("send", "A", "B"), ("local", "C"), ("local", "B"), ("send", "D", "C"),
        ("receive", "B", "m1"), ("send", "B", "C"), ("receive", "C", "m3"), ("local", "A"),
        ("send", "C", "D"), ("local", "D"), ("receive", "D", "m4"), ("receive", "C", "m2"),
        ("send", "A", "B"), ("local", "B"), ("receive", "B", "m5"),
    ], nodes=("A", "B", "C", "D"))
