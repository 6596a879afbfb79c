"""Q04 · PACELC: even with no partition, consistency costs latency. Measured per setting.

Theory of operation
-------------------
CAP speaks only of partitions. Abadi's PACELC (IEEE Computer, 2012) completes it: **if** there
is a **P**artition, choose **A**vailability or **C**onsistency; **e**lse, choose **L**atency or
**C**onsistency. The "else" half is the one users feel every day, because an operation that
must hear from more replicas waits for the slower of them:

===========================  =====================================  ==============================
setting                      a write waits for                      a read waits for
===========================  =====================================  ==============================
AP, R = W = 1                the coordinator alone                  the coordinator alone
quorum, R = W = 2 of N = 3   the 2nd fastest replica                the 2nd fastest replica
CP (ABD), majority of 3      a majority, twice (query, propagate)   a majority, and a write-back
                                                                    when replicas disagree
===========================  =====================================  ==============================

:func:`latency_table` runs each setting on the same seeds and workloads with **no faults** and
reports p50 and p99 of the client-observed latency of reads and writes, and the messages each
operation cost. On a network with a long tail the p99 column shows the price most: waiting for
the k-th of N replies turns one slow link into a slow operation less often than waiting for
one particular replica, but more often than waiting for none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.storage.common import op_latencies, percentile
from dsworkbook.storage.experiment import AP, CP, Setting, quorum_setting, run_setting

if TYPE_CHECKING:  # pragma: no cover
    from dsworkbook.sim import Simulation

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["PACELC_SETTINGS", "latencies", "latency_table", "FAR_SETTINGS", "far_replica", "far_latencies"]

#: The settings compared, cheapest first.
PACELC_SETTINGS: tuple[Setting, ...] = (AP(3), quorum_setting(3, 1, 3), quorum_setting(3, 2, 2), CP(3),
                                        CP(5))


def latencies(setting: Setting, seeds: Iterable[int], **options: Any) -> dict[str, list[float]]:
    """Client-observed latencies (ms) of the ok reads and writes of ``setting`` over ``seeds``, no faults."""
    out: dict[str, list[float]] = {"read": [], "write": [], "messages": [], "ops": []}
    for seed in seeds:
        sim = run_setting(setting, seed, **options)
        out["read"] += op_latencies(sim, f="read")
        out["write"] += op_latencies(sim, f="write")
        out["messages"].append(sum(1 for r in sim.trace.records if r[1] == "send"))
        out["ops"].append(len(sim.history))
    return out


def latency_table(settings: Sequence[Setting] = PACELC_SETTINGS, seeds: Iterable[int] = range(10), *,
                  latency: Any = "tail:5:100", **options: Any) -> "pd.DataFrame":
    """p50 / p99 latency of reads and writes per setting, pooled over ``seeds`` (no partition)."""
    import pandas as pd

    seeds = list(seeds)
    if not seeds:
        raise ConfigError("latency_table needs at least one seed")
    rows = []
    for s in settings:
        lat = latencies(s, seeds, latency=latency, **options)
        rows.append({"setting": s.label(),
                     "read p50": round(percentile(lat["read"], 0.5), 1),
                     "read p99": round(percentile(lat["read"], 0.99), 1),
                     "write p50": round(percentile(lat["write"], 0.5), 1),
                     "write p99": round(percentile(lat["write"], 0.99), 1),
                     "msgs/op": round(sum(lat["messages"]) / max(1, sum(lat["ops"])), 1),
                     "ok ops": len(lat["read"]) + len(lat["write"])})
    return pd.DataFrame(rows).set_index("setting")


#: Five replicas, one of them far away: write one, four, all, and the CP store.
FAR_SETTINGS: dict[str, Setting] = {"W=1": AP(5), "W=4": quorum_setting(5, 2, 4), "W=5": quorum_setting(5, 1, 5),
                                    "CP": CP(5)}


def far_replica(far: Any = (40, 50)) -> "Callable[[Simulation], None]":
    """A ``prepare`` hook for :func:`run_setting`: every link to and from the last replica takes ``far`` ms."""
    def prepare(sim: "Simulation") -> None:
        reps = sorted((n for n in sim.node_ids if n.startswith("n")), key=lambda n: int(n[1:]))
        for other in reps[:-1]:
            sim.net.set_link(reps[-1], other, latency=far, both=True)
    return prepare


def far_latencies(settings: dict[str, Setting] | None = None, seeds: Iterable[int] = range(10), *,
                  far: Any = (40, 50), latency: Any = (1, 5)) -> dict[str, dict[str, float]]:
    """p50 / p99 of writes and reads, and messages per operation, per setting, with the last replica far away.

    No fault: the near links take ``latency`` ms, every link to the last replica ``far`` ms;
    clients send their operations to the first replicas (never to the far one). Returns
    ``{name: {"write p50", "write p99", "read p50", "read p99", "msgs/op"}}``.
    """
    chosen = FAR_SETTINGS if settings is None else settings
    seeds = list(seeds)
    if not seeds:
        raise ConfigError("far_latencies needs at least one seed")
    out: dict[str, dict[str, float]] = {}
    for name, setting in chosen.items():
        lat = latencies(setting, seeds, latency=latency, prepare=far_replica(far))
        out[name] = {"write p50": percentile(lat["write"], 0.5), "write p99": percentile(lat["write"], 0.99),
                     "read p50": percentile(lat["read"], 0.5), "read p99": percentile(lat["read"], 0.99),
                     "msgs/op": sum(lat["messages"]) / max(1, sum(lat["ops"]))}
    return out
