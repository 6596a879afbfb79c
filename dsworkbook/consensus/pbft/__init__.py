"""Practical Byzantine Fault Tolerance (theme 08): Castro and Liskov's PBFT on the simulator.

Theory of operation
-------------------
n = 3f+1 replicas run a key-value service for signed clients while up to f replicas are
traitors. The normal case (pre-prepare, prepare, commit; prepared at 2f matching prepares,
committed-local at 2f+1 commits; clients wait for f+1 matching replies), checkpoints with
garbage collection and the view change follow Castro and Liskov, "Practical Byzantine Fault
Tolerance" (OSDI 1999) §4; messages are signed with Ed25519 (RFC 8032) from ``cryptography``.
Traitors equivocate, forge, replay, lie, vote for everything, stay silent or delay, and collude.
The campaign ``dsworkbook fuzz pbft --f {1,2} --strategy S`` checks agreement among honest
replicas, in-order execution and client validity on every run, and catches three broken
variants (n = 3f, f+1 thresholds, a client that takes the first reply).

=================  ==================================================================
``messages``       the messages named as in the paper, and :class:`Signed`
``crypto``         :class:`Keyring`: Ed25519 keys, signing, memoized verification
``replica``        :class:`Replica`: normal case, checkpoints, state transfer
``viewchange``     the view change (VIEW-CHANGE, NEW-VIEW, null requests)
``client``         :class:`Client`: f+1 matching replies
``traitors``       :class:`Traitor` strategies and their :class:`Cabal`
``cluster``        :func:`pbft_sim`, :func:`check_pbft`, the broken variants
``campaign``       :func:`fuzz_pbft` and the registered campaign ``pbft``
``quorums``        Byzantine quorum intersection by enumeration (n <= 10)
``complexity``     messages per request against n, with Raft's
=================  ==================================================================
"""

from __future__ import annotations

from dsworkbook.consensus.pbft.campaign import (PBFT_CAMPAIGN, choose_traitors, fuzz_pbft, pbft_invariant,
                                                pbft_progress, pbft_run, pbft_schedule)
from dsworkbook.consensus.pbft.client import Client
from dsworkbook.consensus.pbft.cluster import (PBFT_VARIANTS, check_pbft, clients_done, honest_replicas, pbft_sim,
                                               replica_ids)
from dsworkbook.consensus.pbft.complexity import messages_per_request
from dsworkbook.consensus.pbft.crypto import Keyring, signing_cost
from dsworkbook.consensus.pbft.messages import (Checkpoint, Commit, NewView, PrePrepare, Prepare, Reply, Request,
                                                Signed, ViewChange, digest_of)
from dsworkbook.consensus.pbft.quorums import byzantine_quorum, min_intersection, quorum_table
from dsworkbook.consensus.pbft.replica import Replica, check_config
from dsworkbook.consensus.pbft.traitors import STRATEGIES, Cabal, Traitor
from dsworkbook.consensus.pbft.viewchange import equivocation_evidence

__all__ = ["Request", "PrePrepare", "Prepare", "Commit", "Reply", "Checkpoint", "ViewChange", "NewView", "Signed",
           "digest_of", "Keyring", "signing_cost", "Replica", "check_config", "Client", "Traitor", "Cabal",
           "STRATEGIES", "PBFT_VARIANTS", "pbft_sim", "check_pbft", "clients_done", "honest_replicas", "replica_ids",
           "fuzz_pbft", "pbft_run", "pbft_schedule", "pbft_invariant", "pbft_progress", "choose_traitors",
           "PBFT_CAMPAIGN", "min_intersection", "byzantine_quorum", "quorum_table", "messages_per_request",
           "equivocation_evidence"]
