"""The checks of theme T07: Paxos.

Theory of operation
-------------------
Each grader compares the learner's answer with the reference, case by case: hand-driven
scripts (an acceptor crashed and restarted before a lower-ballot Accept, a duplicated Prepare,
ballots of rounds 9 and 10 and of proposers p9 and p10), differential cases drawn from a seeded
generator over the whole domain (the winning promise first, last or in the middle; n in the
thousands), each answer asked twice in two *worlds* (see
:func:`dsworkbook.grading.core.same_everywhere`), and then runs inside seeded simulations under
faults - the Paxos fuzz campaign of :mod:`dsworkbook.consensus.fuzzing` (four proposers, five
acceptors, crashes and partitions), or a Multi-Paxos key-value store with leader changes - with
agreement, validity, integrity and termination checked from the trace. Predictions and designs
are judged against the runs they describe.

===========================  ==========  ========================================================
``07-acceptor``              implement   ``on_prepare`` / ``on_accept`` of a PaxosNode subclass
``07-choose-value``          implement   ``choose(promises, own)``: phase 2's value
``07-predict-duel``          predict     which of four duels choose a value, and why
``07-drill-ballots``         drill       fix ballots that are not unique and promises that ignore the id
``07-fast-quorum``           implement   ``fast_quorum(n, classic)``: Fast Paxos's quorum size
``07-multipaxos-recovery``   implement   ``recover(promises, first)``: a new leader's proposals
``07-consensus-check``       implement   ``consensus_violations(proposed, decisions)``
``07-design-quorums``        design      Flexible Paxos: (q1, q2) for four deployments' goals
===========================  ==========  ========================================================
"""

from dsworkbook.grading.paxos.acceptor import grade_acceptor
from dsworkbook.grading.paxos.choose_value import grade_choose_value
from dsworkbook.grading.paxos.consensus_check import grade_consensus_check
from dsworkbook.grading.paxos.design_quorums import grade_design_quorums
from dsworkbook.grading.paxos.drill_ballots import EXPOSING_SEEDS, grade_drill_ballots
from dsworkbook.grading.paxos.fast_quorum import grade_fast_quorum
from dsworkbook.grading.paxos.multipaxos_recovery import grade_multipaxos_recovery
from dsworkbook.grading.paxos.predict_duel import grade_predict_duel

__all__ = ["grade_acceptor", "grade_choose_value", "grade_predict_duel", "grade_fast_quorum",
           "grade_multipaxos_recovery", "grade_consensus_check", "grade_drill_ballots", "grade_design_quorums",
           "EXPOSING_SEEDS"]
