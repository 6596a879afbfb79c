"""Single-decree Paxos (Lamport, "Paxos Made Simple", 2001): one value, chosen once, by majorities.

Theory of operation
-------------------
Three roles, here played by two kinds of node:

* an **acceptor** (every :class:`PaxosNode`) keeps ``promised`` - the highest ballot it promised
  to honour - and ``accepted`` - the last (ballot, value) it accepted - and **persists both
  before replying**. It answers ``Prepare(b)`` with ``Promise(b, accepted)`` if ``b`` is higher
  than any ballot it promised, and ``Accept(b, v)`` with ``Accepted(b, v)`` unless it promised a
  higher ballot; otherwise it answers :class:`Nack` with the ballot that beat ``b``;
* a **proposer** (a :class:`PaxosNode` given a value) picks a ballot higher than any it has seen,
  sends ``Prepare`` to all acceptors, and with promises from a majority proposes the value of
  the highest-ballot acceptance among them - or its own value if none accepted anything -
  in ``Accept``. Accepted by a majority, the value is **chosen**: the proposer tells everyone
  with ``Learn``;
* a **learner** (every node) decides the value a ``Learn`` names; one that has not decided
  asks the others now and then (:class:`LearnRequest`), so a node that was down when the value
  was chosen still learns it.

Ballots are :class:`Ballot` pairs ``(round, proposer)``: ordered by round, then by proposer id,
so two proposers never use the same ballot (§2.2 of the paper: "different proposers choose
their numbers from disjoint sets").

Safety holds under any loss, delay, duplication, reordering and crash (with restart from
storage): at most one value is chosen (agreement), only a proposed value (validity), and each
node decides at most once (integrity). Termination does not: two proposers can pre-empt each
other forever (**duelling proposers**) - :func:`duel` shows it with fixed, equal retry delays,
and shows randomized backoff ending it. That is FLP (Fischer, Lynch and Paterson, 1985) in one
experiment: no deterministic protocol can guarantee that consensus terminates in an
asynchronous system; Paxos keeps safety always and terminates once one proposer runs alone
long enough. :func:`check_consensus` checks the three safety properties from the trace.

:mod:`~dsworkbook.consensus.paxos.quorums` holds the quorum arithmetic of Fast Paxos and Flexible
Paxos (by counting, and by brute force for small ``n``); :mod:`~dsworkbook.consensus.paxos.flexible`
runs Flexible Paxos's phase-1 and phase-2 quorums on deployments with stated goals.
"""

from dsworkbook.consensus.paxos.messages import (PAXOS_MESSAGES, ZERO, Accept, Accepted, Ballot, Learn, LearnRequest,
                                                 Nack, Payload, Prepare, Promise)
from dsworkbook.consensus.paxos.node import BACKOFFS, PaxosNode, choose_value
from dsworkbook.consensus.paxos.runs import (PROPERTIES, ConsensusReport, assert_consensus, check_consensus,
                                             consensus_violations, decided_values, duel, paxos_sim)
from dsworkbook.consensus.paxos.variants import PAXOS_VARIANTS, ForgetfulAcceptor, NaiveBallots, OwnValueProposer

from dsworkbook.consensus.paxos import quorums, flexible  # noqa: E402 - they build on the modules above

__all__ = ["Ballot", "ZERO", "Payload", "Prepare", "Promise", "Accept", "Accepted", "Nack", "Learn", "LearnRequest",
           "PAXOS_MESSAGES", "PaxosNode", "choose_value", "BACKOFFS", "paxos_sim", "ConsensusReport", "check_consensus",
           "assert_consensus", "duel", "decided_values", "PROPERTIES", "consensus_violations", "OwnValueProposer",
           "ForgetfulAcceptor", "NaiveBallots", "PAXOS_VARIANTS", "quorums", "flexible"]
