"""The checks of theme T07: Paxos.

Theory of operation
-------------------
Each grader runs the learner's answer on hand-made cases (an acceptor driven by hand, the
rule as a function) and then inside seeded runs under faults - the Paxos fuzz campaign of
:mod:`dsworkbook.consensus.fuzzing` (four proposers, five acceptors, crashes and partitions),
or a Multi-Paxos key-value store with leader changes - with agreement, validity and integrity
checked from the trace. Predictions are compared with the runs they describe.

===========================  ==========  ========================================================
``07-acceptor``              implement   ``on_prepare`` / ``on_accept`` of a PaxosNode subclass
``07-choose-value``          implement   ``choose(promises, own)``: phase 2's value
``07-predict-duel``          predict     is a value chosen with fixed / random retries?
``07-fast-quorum``           implement   ``fast_quorum(n, classic)``: Fast Paxos's quorum size
``07-multipaxos-recovery``   implement   ``recover(promises, first)``: a new leader's proposals
``07-consensus-check``       implement   ``consensus_violations(proposed, decisions)``
``07-drill-ballots``         drill       fix ballots that are not unique and promises that are not strict
===========================  ==========  ========================================================
"""

from dsworkbook.grading.paxos.acceptor import grade_acceptor
from dsworkbook.grading.paxos.choose_value import grade_choose_value
from dsworkbook.grading.paxos.consensus_check import grade_consensus_check
from dsworkbook.grading.paxos.drill_ballots import EXPOSING_SEEDS, grade_drill_ballots
from dsworkbook.grading.paxos.fast_quorum import grade_fast_quorum
from dsworkbook.grading.paxos.multipaxos_recovery import grade_multipaxos_recovery
from dsworkbook.grading.paxos.predict_duel import grade_predict_duel

__all__ = ["grade_acceptor", "grade_choose_value", "grade_predict_duel", "grade_fast_quorum",
           "grade_multipaxos_recovery", "grade_consensus_check", "grade_drill_ballots", "EXPOSING_SEEDS"]
