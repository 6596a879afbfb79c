"""The base of every replica in theme 02: membership, client-request parsing, durable items.

Theory of operation
-------------------
A :class:`Replica` knows the ids of all replicas of its store (``replicas``; clients are other
nodes of the same simulation and are not replicas) and a per-operation ``timeout``. It gives
its subclasses four small services:

* :meth:`Replica.parse_request` checks a client's :class:`~dsworkbook.sim.Request` (``op`` is
  ``read`` or ``write``, ``arg`` is ``(key, value)``) and refuses anything else with a
  :class:`~dsworkbook.storage.common.Refused` reply, so a malformed request is an answer, not
  a crash. It also drops a request it has already seen (same client, same ``req_id``): the
  network duplicates messages, and running a write twice - the second time after other
  writes - would bring an overwritten value back. The table of seen requests is volatile: a
  duplicate that arrived after a crash and restart would run again (network duplicates come
  within milliseconds of the original, restarts much later);
* :meth:`Replica.new_op_id` makes operation ids ``(replica, incarnation, n)`` that stay unique
  across crashes (the incarnation is persisted), so a reply to an operation from before a
  crash can never be mistaken for one of a new operation;
* :meth:`Replica.save_item` / :meth:`Replica.load_items` persist one key's entry at a time (a
  crash keeps what was saved, nothing else).
"""

from __future__ import annotations

import math
from typing import Any, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.sim import Node, Request
from dsworkbook.storage.common import Refused

__all__ = ["Replica", "check_replicas"]

_ITEM = "item:"


def check_replicas(node_id: str, replicas: Sequence[str]) -> tuple[str, ...]:
    reps = tuple(replicas)
    if not reps or len(set(reps)) != len(reps) or not all(isinstance(r, str) and r for r in reps):
        raise ConfigError(f"replicas must be a non-empty list of distinct replica ids, got {replicas!r}")
    if node_id not in reps:
        raise ConfigError(f"replica {node_id!r} is not in its own replica list {list(reps)}; list every replica")
    return reps


class Replica(Node):
    """A node that is one replica of a store (see the module docstring)."""

    def __init__(self, node_id: str, *, replicas: Sequence[str], timeout: float = 150.0) -> None:
        super().__init__(node_id)
        self.replicas = check_replicas(node_id, replicas)
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not math.isfinite(timeout) \
                or timeout <= 0:
            raise ConfigError(f"timeout must be a number of ms > 0, got {timeout!r}")
        self.timeout = float(timeout)

    def on_start(self) -> None:
        self.incarnation = self.storage.get("incarnation", 0) + 1
        self.persist(incarnation=self.incarnation)
        self._op_seq = 0
        self._seen: set[tuple[str, int]] = set()

    def new_op_id(self) -> tuple[str, int, int]:
        self._op_seq += 1
        return (self.id, self.incarnation, self._op_seq)

    def parse_request(self, src: str, request: Request) -> tuple[str, Any, Any] | None:
        """``(f, key, value)`` of a well-formed, first-seen request; otherwise None (refused or dropped)."""
        if (src, request.req_id) in self._seen:
            self.note(duplicate_request=request.req_id, client=src)
            return None
        self._seen.add((src, request.req_id))
        arg = request.arg
        if request.op not in ("read", "write") or not (isinstance(arg, tuple) and len(arg) == 2):
            self.reply(src, request, Refused(f"unknown request {request.op!r} {arg!r}: send ('read' or 'write', "
                                             "(key, value))"), ok=False)
            return None
        return request.op, arg[0], arg[1]

    def save_item(self, key: Any, entry: Any) -> None:
        """Persist ``entry`` as this replica's durable copy of ``key``."""
        self.persist(**{f"{_ITEM}{key!r}": (key, entry)})

    def load_items(self) -> dict[Any, Any]:
        """Every key's durable entry, as saved by :meth:`save_item`."""
        return {v[0]: v[1] for name, v in self.storage.items() if name.startswith(_ITEM)}
