"""Multi-Paxos with a stable leader (P02), its broken variants, and Fast Paxos's quorums.

Theory of operation
-------------------
Multi-Paxos runs one instance of Paxos per log **slot**, and saves phase 1 by running it once
for all future slots (Lamport, "Paxos Made Simple", §3):

* a server that hears no leader for a randomized timeout runs phase 1 with a fresh
  :class:`~dsworkbook.consensus.paxos.Ballot` - above every round it used or saw, never reused;
  each acceptor promises and returns everything it has accepted, slot by slot (:class:`MPromise`);
* with a majority of promises it is the **leader**: for every slot it learned of, it re-proposes
  the value of the highest-ballot acceptance, filling holes with a no-op, then serves clients -
  each command is one phase 2 (:class:`MAccept` to all, :class:`MAccepted` back naming ballot,
  slot and value; a majority chooses it) followed by :class:`Decide` to every replica. Its
  heartbeats carry how far its log is applied, and it re-sends the Accepts of slots not chosen yet;
* every server keeps a durable log of decided slots and applies it in order to its state machine;
  a server behind the leader asks it to re-send (:class:`CatchUp`), and is answered from
  decided slots only.

The client protocol is Raft's (:class:`~dsworkbook.consensus.raft.client.RaftClient` with
:class:`~dsworkbook.consensus.raft.messages.Command`, answers, ``NotLeader`` redirects), and the
state machine is the same key-value store, so :mod:`dsworkbook.consensus.compare` runs Raft and
Multi-Paxos on the same seed, workload and faults.

What goes wrong in practice - "Paxos Made Live" (Chandra, Griesemer and Redstone, 2007) is the
classic account - is rarely the two phases and mostly what surrounds them: catching up,
leader changes, restarts. :mod:`.variants` keeps five such bugs, each caught by the fuzz
campaign ``dsworkbook fuzz multipaxos`` (:mod:`dsworkbook.consensus.fuzzing.multipaxos`), and
:mod:`.scenarios` replays each by hand, message by message.

=================  ==================================================================
``messages``       the messages, named as in the paper, with a slot
``node``           :class:`MultiPaxosNode`: acceptor, replica, and leader when elected
``variants``       the broken variants (``MULTIPAXOS_VARIANTS``)
``runs``           :func:`multipaxos_sim`, :func:`check_multipaxos`, :func:`stalled_replicas`
``scenarios``      each bug replayed by hand, message by message (:class:`Bench`)
``fast``           Fast Paxos's quorum sizes, checked by brute force
=================  ==================================================================
"""

from dsworkbook.consensus.multipaxos.messages import (MULTIPAXOS_MESSAGES, ZERO, CatchUp, Decide, Heartbeat,
                                                      MAccept, MAccepted, MNack, MPrepare, MPromise)
from dsworkbook.consensus.multipaxos.node import MultiPaxosNode
from dsworkbook.consensus.multipaxos.variants import (MULTIPAXOS_VARIANTS, AnonymousAcks, CatchUpFromAccepted,
                                                      NoGapFill, NoSessions, ReuseOldBallot)
from dsworkbook.consensus.multipaxos.runs import (check_multipaxos, client_ids, decided_logs, multipaxos_sim,
                                                  server_ids, stalled_replicas)
from dsworkbook.consensus.multipaxos.fast import fast_paxos_table, fast_quorums, quorums_intersect
from dsworkbook.consensus.multipaxos import scenarios  # noqa: E402 - it builds on the modules above

__all__ = ["ZERO", "MPrepare", "MPromise", "MAccept", "MAccepted", "MNack", "Decide", "Heartbeat", "CatchUp",
           "MULTIPAXOS_MESSAGES", "MultiPaxosNode", "MULTIPAXOS_VARIANTS", "CatchUpFromAccepted", "ReuseOldBallot",
           "AnonymousAcks", "NoGapFill", "NoSessions", "multipaxos_sim", "check_multipaxos", "stalled_replicas",
           "decided_logs", "server_ids", "client_ids", "fast_quorums", "quorums_intersect", "fast_paxos_table",
           "scenarios"]
