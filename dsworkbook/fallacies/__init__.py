"""The eight fallacies of distributed computing, each shown by an experiment.

Theory of operation
-------------------
At Sun Microsystems, Bill Joy and Tom Lyon named the first four false assumptions that
programmers new to distributed systems make; L Peter Deutsch listed seven in 1994, and James
Gosling added the eighth ("the network is homogeneous") around 1997. Arnon Rotem-Gal-Oz's
"Fallacies of Distributed Computing Explained" (2006) gives the consequences of each. Here every
fallacy is a pair of programs run on the simulator with the same seed:

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

from typing import TYPE_CHECKING, Callable, Sequence

from dsworkbook.fallacies._result import FALLACIES, FallacyResult, _check_seed
from dsworkbook.fallacies.administrators import Firewall, IdleTimeout, Operator, Packet, PooledClient, one_administrator
from dsworkbook.fallacies.bandwidth import (BulkSender, Chunk, ChunkAck, Heartbeat, HeartbeatMonitor,
                                            bandwidth_is_infinite)
from dsworkbook.fallacies.homogeneous import (HEADER, PLATEAUS, Ping, Pong, Replica, Replicator, Segment, SegmentAck,
                                              TunnelGateway, network_is_homogeneous)
from dsworkbook.fallacies.reliable import latency_is_zero, network_is_reliable
from dsworkbook.fallacies.security import Bank, Payer, Transfer, network_is_secure, sign
from dsworkbook.fallacies.topology import (Location, Lookup, Register, RegisteredCounter, Registry, ResolvingClient,
                                           topology_does_not_change)
from dsworkbook.fallacies.transport import HEADER_BYTES, transport_cost_is_zero

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "FALLACIES", "FallacyResult", "run_all", "EXPERIMENTS", "summary_table",
    "network_is_reliable", "latency_is_zero", "bandwidth_is_infinite", "network_is_secure",
    "topology_does_not_change", "one_administrator", "transport_cost_is_zero", "network_is_homogeneous",
    # the nodes and messages of the experiments, for reading their source in a notebook
    "BulkSender", "HeartbeatMonitor", "Chunk", "ChunkAck", "Heartbeat", "Transfer", "sign", "Payer", "Bank",
    "Registry", "RegisteredCounter", "ResolvingClient", "Register", "Lookup", "Location",
    "Packet", "IdleTimeout", "Firewall", "Operator", "PooledClient",
    "HEADER", "PLATEAUS", "Segment", "SegmentAck", "Ping", "Pong", "Replica", "Replicator", "TunnelGateway",
    "HEADER_BYTES",
]

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
