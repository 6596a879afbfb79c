"""Last-write-wins on physical timestamps, and how many writes it loses as clocks drift apart (C01).

Theory of operation
-------------------
Many stores (Cassandra's cells, DynamoDB global tables, a cache with "newest wins") resolve
two writes of one key by their timestamps: the write with the larger timestamp wins, the other
is silently discarded. When the timestamps come from the writers' physical clocks, a clock
that runs behind makes its writes look older than they are.

:class:`LwwRegister` is such a store: it keeps the write with the largest ``(ts, writer)`` and
acknowledges every :class:`Put` - also the ones it discards, as LWW stores do (the client is
never told). :class:`LwwWriter` s write unique values one after another, each stamped with
the writer's own clock, and record the history (invoke/complete at true time).

A write ``w`` is **lost** when the store discarded it in favour of a write ``k`` that had
already *completed* (been acknowledged) before ``w`` was even *invoked*, in true time. That
is not a tie between concurrent writes - ``k`` is over before ``w`` begins, so every reader
expects ``w`` to win - it is the clock lying. With perfectly synchronised clocks no write is
ever lost (``ts(k) <= invoke(k) < complete(k) < invoke(w) = ts(w)``);
:func:`lost_writes_vs_skew` measures how the count grows with the skew between writers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.sim import Node, Simulation

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Put", "PutAck", "LwwRegister", "LwwWriter", "LwwResult", "lww_experiment", "lost_writes_vs_skew"]


@dataclass(frozen=True, slots=True)
class Put:
    req: int
    value: Any
    ts: float


@dataclass(frozen=True, slots=True)
class PutAck:
    req: int


class LwwRegister(Node):
    """One register: keeps the write with the largest ``(ts, writer)``; acknowledges every write."""

    def on_start(self) -> None:
        self.best: tuple[float, str] = (float("-inf"), "")
        self.value: Any = None

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, Put):
            applied = (msg.ts, src) > self.best
            if applied:
                self.best, self.value = (msg.ts, src), msg.value
            self.note(put=msg.value, ts=msg.ts, applied=applied, kept=self.value)
            self.send(src, PutAck(msg.req))


class LwwWriter(Node):
    """Writes ``writes`` unique values, one at a time, pausing ``think * U(0, 2)`` ms between them."""

    def __init__(self, node_id: str, store: str = "store", writes: int = 50, think: float = 10.0) -> None:
        super().__init__(node_id)
        self.store, self.writes, self.think = store, writes, think

    def on_start(self) -> None:
        self.done = 0
        self.handle: int | None = None
        self.set_timer("write", self.rng.uniform(0, 2 * self.think))

    def on_timer(self, name: Any) -> None:
        value = f"{self.id}-{self.done + 1}"
        self.handle = self.invoke("write", value)
        self.send(self.store, Put(self.done + 1, value, self.now()))

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, PutAck) and self.handle is not None:
            self.complete(self.handle, "ok")
            self.handle = None
            self.done += 1
            if self.done < self.writes:
                self.set_timer("write", self.rng.uniform(0, 2 * self.think))


@dataclass
class LwwResult:
    """A finished :func:`lww_experiment`: counts and the lost writes (value, and the write it lost to)."""

    seed: int
    skew: float
    offsets: dict[str, float]
    writes: int
    rejected: int
    lost: list[tuple[Any, Any]] = field(default_factory=list)
    sim: Simulation | None = field(default=None, repr=False)

    def as_row(self) -> dict[str, Any]:
        return {"seed": self.seed, "skew (ms)": self.skew, "writes": self.writes, "discarded": self.rejected,
                "lost": len(self.lost), "lost %": round(100 * len(self.lost) / max(self.writes, 1), 1)}


def _lost(sim: Simulation) -> tuple[int, list[tuple[Any, Any]]]:
    ops = {op.input: op for op in sim.history}
    rejected, lost = 0, []
    for r in sim.trace.notes("store", "put"):
        d = r.detail
        if d["applied"]:
            continue
        rejected += 1
        w, k = ops[d["put"]], ops.get(d["kept"])
        if k is not None and k.complete_time is not None and k.complete_time < w.invoke_time:
            lost.append((d["put"], d["kept"]))
    return rejected, lost


def lww_experiment(seed: int, *, skew: float = 20.0, writers: int = 3, writes: int = 50, think: float = 10.0,
                   latency: Any = (1, 5)) -> LwwResult:
    """``writers`` clients write to one LWW register; their clocks are spread evenly over ``skew`` ms."""
    if isinstance(skew, bool) or not isinstance(skew, (int, float)) or skew < 0:
        raise ConfigError(f"skew must be a number of ms >= 0, got {skew!r}")
    if isinstance(writers, bool) or not isinstance(writers, int) or writers < 1:
        raise ConfigError(f"writers must be an int >= 1, got {writers!r}")
    sim = Simulation(seed, latency=latency)
    sim.add_node("store", LwwRegister)
    names = [f"w{i + 1}" for i in range(writers)]
    spread = [skew * i / max(writers - 1, 1) for i in range(writers)]
    random.Random(seed * 7919 + 23).shuffle(spread)
    offsets = dict(zip(names, spread))
    for n in names:
        sim.add_node(n, LwwWriter, store="store", writes=writes, think=think)
        sim.set_clock_offset(n, offsets[n])
    sim.run()
    rejected, lost = _lost(sim)
    return LwwResult(seed, float(skew), offsets, len(sim.history), rejected, lost, sim)


def lost_writes_vs_skew(skews: Iterable[float] = (0, 1, 2, 5, 10, 20, 50, 100), seeds: Sequence[int] = (1, 2, 3),
                        **kwargs: Any) -> "pd.DataFrame":
    """Lost writes for each skew, summed over ``seeds`` (see :func:`lww_experiment` for ``kwargs``)."""
    import pandas as pd

    rows = []
    for skew in skews:
        results = [lww_experiment(s, skew=skew, **kwargs) for s in seeds]
        writes = sum(r.writes for r in results)
        lost = sum(len(r.lost) for r in results)
        rows.append({"skew (ms)": skew, "seeds": ", ".join(map(str, seeds)), "writes": writes,
                     "discarded": sum(r.rejected for r in results), "lost": lost,
                     "lost %": round(100 * lost / max(writes, 1), 1)})
    return pd.DataFrame(rows).set_index("skew (ms)")
