"""Sequential consistency: one legal order of all operations that keeps each process's own order.

Theory of operation
-------------------
Lamport (1979): "the result of any execution is the same as if the operations of all the
processors were executed in some sequential order, and the operations of each individual
processor appear in this sequence in the order specified by its program." Unlike
linearizability there is no real-time constraint between processes - a read may return a value
that was overwritten long ago, as long as every process agrees on one order. Checking it is
NP-complete even for registers (Gibbons & Korach 1997), and it is not *local* (Herlihy & Wing
1990, §3.3): a key-value history is searched as a whole, with one joint state.

The search (:class:`SeqSearch`) is a depth-first walk over *configurations* - how far each
process has got, which deferred operations are still floating, and the model state - memoised
like Lowe's linearizability search, so each configuration is expanded once. From a
configuration it may take the next operation of any process (legal steps only), trying the
earliest-invoked first (a history that is nearly linearizable then goes straight through). An
operation with an unknown outcome may also be *deferred*: the process moves on, and the
operation floats - it can take effect at any later point, or never (the request may still be in
flight). The history is sequentially consistent when every process reaches its end.
"""

from __future__ import annotations

import sys
import time
from typing import Any, Hashable, Iterator, Sequence

from dsworkbook.checkers.datatypes import ILLEGAL, Model
from dsworkbook.checkers.history import Operation

__all__ = ["SeqSearch"]

_Config = tuple[tuple[int, ...], int, Any]   # (positions, floating bit set, state)


class SeqSearch:
    """A bounded search for a sequentially consistent order of ``ops`` (fails and unknown reads removed)."""

    def __init__(self, ops: Sequence[Operation], model: Model) -> None:
        self.ops = sorted(ops, key=lambda o: o.invoke_time)
        self.model = model
        by_process: dict[Hashable, list[int]] = {}
        for i, op in enumerate(self.ops):
            by_process.setdefault(op.process, []).append(i)
        self.chains = list(by_process.values())
        self.steps = [model.compile(op) for op in self.ops]
        self.unknown = [op.outcome != "ok" for op in self.ops]
        self.seen: set[_Config] = set()
        self.iterations = 0
        self.order: list[int] | None = None
        self._entry_bytes = 200 + 8 * len(self.chains) + sys.getsizeof(1 << max(len(self.ops), 1)) // 4

    def memory_bytes(self) -> int:
        return len(self.seen) * self._entry_bytes

    def _moves(self, config: _Config) -> Iterator[tuple[int, bool, _Config]]:
        """(op, placed?, next configuration) for every legal move, earliest invoke first."""
        pos, floating, state = config
        heads = sorted((self.chains[p][pos[p]], p) for p in range(len(pos)) if pos[p] < len(self.chains[p]))
        for i, p in heads:
            new = self.steps[i](state)
            advanced = pos[:p] + (pos[p] + 1,) + pos[p + 1:]
            if new is not ILLEGAL:
                yield i, True, (advanced, floating, new)
            if self.unknown[i]:
                yield i, False, (advanced, floating | (1 << i), state)
        f = floating
        while f:
            low = f & -f
            i = low.bit_length() - 1
            f ^= low
            new = self.steps[i](state)
            if new is not ILLEGAL:
                yield i, True, (pos, floating & ~low, new)

    def _done(self, config: _Config) -> bool:
        pos = config[0]
        return all(pos[p] == len(self.chains[p]) for p in range(len(pos)))

    def run(self, time_limit: float, memory_bytes: float, max_iterations: int | None = None) -> bool | None:
        """True (found an order: see :attr:`order`), False (none exists), or None (a budget ran out)."""
        start: _Config = (tuple(0 for _ in self.chains), 0, self.model.init())
        if self._done(start):
            self.order = []
            return True
        deadline = time.perf_counter() + time_limit
        stack: list[tuple[Iterator[tuple[int, bool, _Config]], int, bool]] = [(self._moves(start), -1, False)]
        self.seen.add(start)
        while stack:
            self.iterations += 1
            if not self.iterations % 2048 and (time.perf_counter() > deadline or self.memory_bytes() > memory_bytes):
                return None
            if max_iterations is not None and self.iterations > max_iterations:
                return None
            move = next(stack[-1][0], None)
            if move is None:
                stack.pop()
                continue
            i, placed, config = move
            if config in self.seen:
                continue
            self.seen.add(config)
            stack.append((self._moves(config), i, placed))
            if self._done(config):
                self.order = [op for _, op, placed_ in stack[1:] if placed_]
                return True
        return False

    def witness(self) -> list[Operation]:
        return [self.ops[i] for i in (self.order or [])]
