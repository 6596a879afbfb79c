"""Consensus on the simulator: Raft (theme 06), Paxos (theme 07) and PBFT (theme 08).

=====================  ==================================================================
``raft``               the Raft protocol: nodes, roles, elections, replication, commit
``raft_invariants``    the five safety properties of Raft, checked from a run's trace
``raft_kv``            a linearizable key-value store on Raft, with client de-duplication
``paxos``              single-decree Paxos, duelling proposers, the consensus properties
``multipaxos``         Multi-Paxos with a stable leader; Fast Paxos quorums
``fuzzing``            seeded fault-schedule campaigns (``dsworkbook fuzz raft``)
``pbft``               PBFT under Byzantine replicas: signed messages, checkpoints, view change
=====================  ==================================================================
"""

from __future__ import annotations

import importlib
from typing import Any

_SUBMODULES = ("raft", "raft_invariants", "raft_kv", "paxos", "multipaxos", "fuzzing", "compare", "pbft")

__all__ = list(_SUBMODULES)


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
