"""The checks of theme T06: Raft.

Theory of operation
-------------------
A protocol handler is graded three ways (see :mod:`dsworkbook.grading.raft._common`): driven by
hand next to the reference on the same server state - hand-made adversarial cases with pointed
hints, then seeded random ones over the whole domain - then **inside 5- and 7-server clusters**
under the fuzz campaign's heavy fault schedules (:mod:`dsworkbook.consensus.fuzzing`), with the
five safety properties checked from the trace and every client command required to commit, and
once more in two worlds that differ in string hashing, the global ``random`` and the clock.
Functions are compared with the reference on hand-made and random inputs and then run as part
of a server. Predictions are compared with the truth computed by running the experiment they
describe, and so is their reason. The first wrong case raises
:class:`~dsworkbook.grading.core.WrongAnswer` with its input, expected and actual result, and a
hint; a right answer gets one line naming the seeds.

==========================  ==========  ===========================================================
``06-request-vote``         implement   ``handle_request_vote`` of a RaftNode subclass
``06-predict-election``     predict     the servers that could win an election, and why
``06-append-entries``       implement   ``handle_append_entries``: consistency check, truncation
``06-commit-index``         implement   ``commit_index(matches, term_at, current_term, commit)``
``06-drill-seed-raft``      drill       fix the seed notes' majority counting and commit rule
``06-safety-check``         implement   ``safety_violations(notes)``: two of the five properties
``06-predict-batching``     predict     batching or pipelining on slow links, and why
``06-kv-session``           implement   ``apply`` of a KVStore subclass: exactly once per client
``06-design-commit-rule``   design      a commit rule that survives the traces that break others
``06-lease-expiry``         implement   ``lease_holds(sent_at, now, election_timeout_min, drift_bound)``
``06-read-index``           implement   ``serve_read`` and ``serve_reads``: ReadIndex at the leader
``06-predict-prevote``      predict     a cut-off follower rejoins, with and without PreVote, and why
``06-predict-read-modes``   predict     which read paths stay linearizable when clocks step back, why
``06-install-snapshot``     implement   ``handle_install_snapshot``: what a follower keeps (Figure 13)
``06-config-quorum``        implement   the commit index of a configuration, joint consensus included
``06-predict-membership``   predict     does the single-server race break Raft, with and without the rule
``06-design-timing``        design      heartbeat and election timeouts for three deployments, run
==========================  ==========  ===========================================================
"""

from dsworkbook.grading.raft.append_entries import grade_append_entries
from dsworkbook.grading.raft.design_timing import grade_design_timing
from dsworkbook.grading.raft.install_snapshot import grade_install_snapshot
from dsworkbook.grading.raft.commit_index import grade_commit_index
from dsworkbook.grading.raft.config_quorum import grade_config_quorum
from dsworkbook.grading.raft.design_commit_rule import grade_design_commit_rule
from dsworkbook.grading.raft.drill_seed import grade_drill_seed_raft
from dsworkbook.grading.raft.kv_session import grade_kv_session
from dsworkbook.grading.raft.lease_expiry import grade_lease_expiry
from dsworkbook.grading.raft.predict_batching import grade_predict_batching
from dsworkbook.grading.raft.predict_election import ELECTION_LOGS, grade_predict_election
from dsworkbook.grading.raft.predict_membership import grade_predict_membership
from dsworkbook.grading.raft.predict_prevote import grade_predict_prevote
from dsworkbook.grading.raft.predict_read_modes import grade_predict_read_modes
from dsworkbook.grading.raft.read_index import grade_read_index
from dsworkbook.grading.raft.request_vote import grade_request_vote
from dsworkbook.grading.raft.safety_check import grade_safety_check, reference_violations

__all__ = ["grade_request_vote", "grade_append_entries", "grade_commit_index", "grade_predict_election",
           "grade_drill_seed_raft", "grade_safety_check", "grade_predict_batching", "grade_kv_session",
           "grade_design_commit_rule", "ELECTION_LOGS", "reference_violations", "grade_lease_expiry", "grade_read_index",
           "grade_predict_prevote", "grade_predict_read_modes", "grade_install_snapshot", "grade_design_timing",
           "grade_config_quorum", "grade_predict_membership"]
