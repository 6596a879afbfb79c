"""The anomaly zoo: seven classic anomalies, each reproduced on a seed, next to the setting that prevents it.

Theory of operation
-------------------
Each :class:`Anomaly` is a small scripted scenario - a store setting, two or three clients with
fixed operations and start times, and the faults that expose the problem - plus a detector
that reads the history. :func:`reproduce` runs the scenario twice on the same seed: with the
setting that shows the anomaly and with the one that prevents it, and detects in both. Nothing
is asserted up front: the verdicts come from the runs.

==========================  ==============================  ============================================
anomaly                     shown by                        prevented by
==========================  ==============================  ============================================
stale read                  AP (R=W=1), client on the       CP store: the minority write is refused,
                            minority side writes            so nobody can read around it
write lost to clock skew    AP, last write wins, the        CP store: tags come from a quorum read,
                            first writer's clock is ahead   not from clocks
lost update                 two read-modify-write cycles    compare-and-set at the key's one leader:
                            (read x, write x + 1)           the loser re-reads and retries
                            interleave; no fault at all
non-monotonic read          AP, R=W=1, a replica that       strict quorums R=W=2 of N=3: every read
                            missed the write                meets a replica that has it
read-your-writes            AP, W=1, client reads from a    sticky sessions: the client reads where it
                            different replica than it       wrote
                            wrote to
split brain                 AP, both sides of a partition   CP store: only the majority side accepts
                            accept writes to one key        writes
new-old inversion           CP store without the read's     the full ABD read: a read writes back what
                            write-back; a write stuck on    it returns before answering
                            two of five replicas
==========================  ==============================  ============================================

"Write lost to clock skew" and "lost update" are different anomalies that are often confused:
the first loses a write *whole* because last-write-wins compared skewed clocks; the second
loses an *increment* because two read-modify-write cycles started from the same read - it
happens on a perfectly linearizable store (:mod:`~dsworkbook.storage.rmw`).

The detectors work on histories with one value per write (as every workload here has):
``value_order`` ranks the written values by their write's invoke time, which is the order a
single writer (or writers one after another) meant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from dsworkbook.errors import ConfigError
from dsworkbook.sim import Constant, History, Simulation
from dsworkbook.storage.common import KVClient
from dsworkbook.storage.experiment import AP, CP, Script, Setting, quorum_setting, scripted_run
from dsworkbook.storage.quorum import stale_reads
from dsworkbook.storage.rmw import IncrementClient, LeaderKV, detect_lost_update

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Anomaly", "ZooResult", "ZOO", "reproduce", "zoo_table", "value_order", "detect_lost_write",
           "detect_lost_update"]


@dataclass(frozen=True)
class Anomaly:
    """A scenario that shows an anomaly under ``bad`` and not under ``good``.

    Most anomalies are store settings with scripted clients; one whose clients are not
    scripted (the lost update's read-modify-write cycles) gives ``run(which, seed)`` instead,
    ``which`` being ``"bad"`` or ``"good"``, and names both sides in ``labels``.
    """

    name: str
    story: str
    bad: Setting | None
    good: Setting | None
    clients: dict[str, Script]
    faults: Callable[[Simulation], None] | None
    detect: Callable[[History], list[str]]
    until: float = 2000.0
    good_clients: dict[str, Script] | None = None
    good_note: str = ""
    latency: Any = (2, 8)
    run: Callable[[str, int], Simulation] | None = None
    labels: tuple[str, str] = ("", "")

    def bad_label(self) -> str:
        if self.labels[0] or self.bad is None:
            return self.labels[0]
        return self.bad.label()

    def good_label(self) -> str:
        if self.labels[1] or self.good is None:
            return self.labels[1]
        return self.good.label() + (f" + {self.good_note}" if self.good_note else "")


@dataclass
class ZooResult:
    """Both runs of one anomaly on one seed, with what the detector found in each."""

    anomaly: Anomaly
    seed: int
    bad: Simulation
    good: Simulation
    bad_evidence: list[str] = field(default_factory=list)
    good_evidence: list[str] = field(default_factory=list)

    @property
    def reproduced(self) -> bool:
        return bool(self.bad_evidence)

    @property
    def prevented(self) -> bool:
        return not self.good_evidence

    def table(self) -> "pd.DataFrame":
        import pandas as pd

        a = self.anomaly
        rows = [(a.bad_label(), "yes" if self.bad_evidence else "no", "; ".join(self.bad_evidence) or "-"),
                (a.good_label(), "yes" if self.good_evidence else "no", "; ".join(self.good_evidence) or "-")]
        return pd.DataFrame(rows, columns=["setting", f"{a.name}?", "evidence"])

    def summary(self) -> str:
        return (f"{self.anomaly.name} (seed {self.seed}): {'reproduced' if self.reproduced else 'NOT reproduced'} "
                f"with {self.anomaly.bad_label()}; {'prevented' if self.prevented else 'NOT prevented'} "
                f"with {self.anomaly.good_label()}")


# -- detectors -------------------------------------------------------------------------------------


def value_order(history: History) -> dict[Any, float]:
    """Each written value's rank: its write's invoke time (None, the initial value, ranks first)."""
    ranks: dict[Any, float] = {None: float("-inf")}
    for op in history:
        if op.f == "write":
            ranks[op.input] = op.invoke_time
    return ranks


def _reads(history: History) -> list[Any]:
    return [op for op in history if op.f == "read" and op.outcome == "ok"]


def detect_stale(history: History) -> list[str]:
    return [s.describe() for s in stale_reads(history)]


def detect_non_monotonic(history: History) -> list[str]:
    rank, found = value_order(history), []
    last: dict[tuple[str, Any], Any] = {}
    for op in _reads(history):
        k = (op.process, op.key)
        if k in last and rank.get(op.output, 0) < rank.get(last[k].output, 0):
            found.append(f"{op.process} read {op.key}={last[k].output!r} at t={last[k].invoke_time:.0f}, then "
                         f"the older {op.key}={op.output!r} at t={op.invoke_time:.0f}")
        last[k] = op
    return found


def detect_ryw(history: History) -> list[str]:
    rank, found = value_order(history), []
    mine: dict[tuple[str, Any], Any] = {}
    for op in sorted(history, key=lambda o: o.invoke_time):
        if op.f == "write" and op.outcome == "ok":
            mine[(op.process, op.key)] = op
        elif op.f == "read" and op.outcome == "ok" and (op.process, op.key) in mine:
            w = mine[(op.process, op.key)]
            if w.complete_time < op.invoke_time and rank.get(op.output, 0) < rank[w.input]:
                found.append(f"{op.process} wrote {op.key}={w.input!r} (ok at t={w.complete_time:.0f}), then read "
                             f"{op.key}={op.output!r}")
    return found


def detect_lost_write(history: History) -> list[str]:
    """An acknowledged write that no read after it ever returned, though a later read returned an older value."""
    rank, found = value_order(history), []
    for w in history:
        if w.f != "write" or w.outcome != "ok":
            continue
        later = [r for r in _reads(history) if r.key == w.key and r.invoke_time > w.complete_time]
        if later and all(rank.get(r.output, 0) < rank[w.input] for r in later):
            found.append(f"{w.process}'s write {w.key}={w.input!r} was acknowledged at t={w.complete_time:.0f}, but "
                         f"every later read returned an older value ({sorted({repr(r.output) for r in later})})")
    return found


def detect_inversion(history: History) -> list[str]:
    """A read that began after another read had returned a newer value, yet returned an older one."""
    rank, found = value_order(history), []
    reads = _reads(history)
    for first in reads:
        for later in reads:
            if later.key == first.key and later.invoke_time > first.complete_time and \
                    rank.get(later.output, 0) < rank.get(first.output, 0):
                found.append(f"{first.process} read {first.key}={first.output!r} (done at "
                             f"t={first.complete_time:.0f}), "
                             f"then {later.process} read the older {later.key}={later.output!r} at "
                             f"t={later.invoke_time:.0f}")
    return found


def detect_split_brain(history: History) -> list[str]:
    """Two acknowledged writes to one key, each read back on its own side while the other was current."""
    writes = [op for op in history if op.f == "write" and op.outcome == "ok"]
    found = []
    for a in writes:
        for b in writes:
            if a.index >= b.index or a.key != b.key or a.process == b.process:
                continue
            seen_a = [r for r in _reads(history) if r.output == a.input and r.invoke_time > b.complete_time]
            seen_b = [r for r in _reads(history) if r.output == b.input and r.invoke_time > a.complete_time]
            if {r.process for r in seen_a} and {r.process for r in seen_b}:
                found.append(f"both {a.process}'s {a.key}={a.input!r} and {b.process}'s {b.key}={b.input!r} were "
                             f"acknowledged, and each was read as current after the other had been acknowledged")
    return found


# -- the scenarios -----------------------------------------------------------------------------------

R3 = ("n1", "n2", "n3")


def _split(sim: Simulation) -> None:
    sim.net.partition(["n1", "c1"], ["n2", "n3", "c2", "c3"])
    sim.at(1200, sim.net.heal)


def _skew(sim: Simulation) -> None:
    sim.set_clock_offset("n1", 500.0)  # n1's clock runs half a second ahead


def _lagging_n3(sim: Simulation) -> None:
    sim.net.cut("n1", "n3")  # n3 never hears from n1 directly: it misses n1's writes
    sim.net.cut("n2", "n3")
    sim.at(1500, sim.net.heal)


def _half_write(sim: Simulation) -> None:
    # every message takes 5 ms: the write's queries arrive at t=20, its propagates leave n1 at t=25
    sim.at(22, sim.net.cut, "n1", "n3")  # so its propagate reaches n1 and n2 only
    sim.at(22, sim.net.cut, "n1", "n4")
    sim.net.cut("n1", "n5")
    sim.net.cut("n2", "n5")              # and n5 cannot hear n1 or n2: its reads ask n3, n4


def _lagging_n2(sim: Simulation) -> None:
    sim.net.cut("n1", "n2")
    sim.at(1500, sim.net.heal)


def _increments(which: str, seed: int) -> Simulation:
    """c1 and c2 increment x three times each on one server; c3 reads x once they are done."""
    sim = Simulation(seed=seed, latency=(2, 8))
    sim.add_node("n1", LeaderKV)
    for c in ("c1", "c2"):
        sim.add_node(c, IncrementClient, server="n1", key="x", increments=3, mode="blind" if which == "bad" else "cas")
    sim.add_node("c3", KVClient, servers=("n1",), ops=(("read", "x", None),), start_at=1000.0)
    sim.run(until=2000.0)
    return sim


ZOO: dict[str, Anomaly] = {a.name: a for a in [
    Anomaly("stale read",
            "c1 writes on the minority side of a partition; c2 then reads on the majority side",
            AP(3), CP(3),
            {"c1": Script(R3, (("write", "x", 1),), start_at=50),
             "c2": Script(("n2", "n3", "n1"), (("read", "x", None),) * 3, start_at=300)},
            _split, detect_stale),
    Anomaly("write lost to clock skew",
            "c1 writes through n1, whose clock is 500 ms ahead; c2 overwrites later through n2, and last write "
            "wins keeps c1's value: c2's acknowledged write is gone",
            AP(3), CP(3),
            {"c1": Script(R3, (("write", "x", 1),), start_at=10),
             "c2": Script(("n2", "n3", "n1"), (("write", "x", 2), ("read", "x", None), ("read", "x", None)),
                          start_at=200),
             "c3": Script(("n3", "n1", "n2"), (("read", "x", None),) * 2, start_at=600)},
            _skew, detect_lost_write),
    Anomaly("lost update",
            "c1 and c2 each increment x three times by reading it and writing it plus one, on one server, no fault",
            None, None, {}, None, detect_lost_update, run=_increments,
            labels=("one server, read then write (every single operation atomic)",
                    "the same server, compare-and-set, retried on a mismatch")),
    Anomaly("non-monotonic read",
            "n3 is cut off from the writers; c2 reads through n2, then through n3",
            AP(3), quorum_setting(3, 2, 2),
            {"c1": Script(R3, (("write", "x", 1),), start_at=10),
             "c2": Script(("n2", "n3"), (("read", "x", None),) * 2, start_at=200, routing="round-robin")},
            _lagging_n3, detect_non_monotonic),
    Anomaly("read-your-writes violation",
            "c1 writes through n1, then reads through n2, which has not heard from n1",
            AP(3), AP(3),
            {"c1": Script(("n1", "n2"), (("write", "x", 1), ("read", "x", None)), start_at=10,
                          routing="round-robin")},
            _lagging_n2, detect_ryw,
            good_clients={"c1": Script(("n1", "n2"), (("write", "x", 1), ("read", "x", None)), start_at=10,
                                       routing="sticky")},
            good_note="sticky session"),
    Anomaly("split brain",
            "a partition splits {n1, c1} from {n2, n3, c2, c3}; both sides write x",
            AP(3), CP(3),
            {"c1": Script(R3, (("write", "x", "A"), ("read", "x", None), ("read", "x", None)), start_at=50),
             "c2": Script(("n2", "n3", "n1"), (("write", "x", "B"), ("read", "x", None), ("read", "x", None)),
                          start_at=60)},
            _split, detect_split_brain),
    Anomaly("new-old inversion",
            "c1's write is stuck on n1 and n2; c2 reads x through n2, then c3 reads x through n5",
            Setting("CP without write-back", "cp", 5, 3, 3, (("write_back", False),)), CP(5),
            {"c1": Script(("n1",), (("write", "x", 1),), start_at=10),
             "c2": Script(("n2",), (("read", "x", None),), start_at=60),
             "c3": Script(("n5",), (("read", "x", None),), start_at=200)},
            _half_write, detect_inversion, latency=Constant(5)),
]}


def _run(a: Anomaly, setting: Setting, clients: dict[str, Script], seed: int) -> Simulation:
    # c1..c3 always exist (idle if the scenario does not use them): the partitions name them
    scripts = {c: Script(tuple(setting.replicas), ()) for c in ("c1", "c2", "c3")} | clients
    return scripted_run(setting.build, seed, scripts, faults=a.faults, until=a.until, latency=a.latency)


def reproduce(name: str, seed: int = 1) -> ZooResult:
    """Run anomaly ``name`` under its showing setting and its preventing setting, same seed."""
    if name not in ZOO:
        raise ConfigError(f"unknown anomaly {name!r}; the zoo has {list(ZOO)}")
    a = ZOO[name]
    if a.run is not None:
        bad, good = a.run("bad", seed), a.run("good", seed)
    else:
        assert a.bad is not None and a.good is not None
        bad = _run(a, a.bad, a.clients, seed)
        good = _run(a, a.good, a.good_clients or a.clients, seed)
    return ZooResult(a, seed, bad, good, a.detect(bad.history), a.detect(good.history))


def zoo_table(seed: int = 1) -> "pd.DataFrame":
    """Every anomaly of the zoo on ``seed``: reproduced under which setting, prevented under which."""
    import pandas as pd

    rows = []
    for name in ZOO:
        r = reproduce(name, seed)
        rows.append({"anomaly": name, "shown with": r.anomaly.bad_label(), "reproduced": r.reproduced,
                     "prevented with": r.anomaly.good_label(),
                     "prevented": r.prevented, "evidence": (r.bad_evidence or ["-"])[0]})
    return pd.DataFrame(rows).set_index("anomaly")
