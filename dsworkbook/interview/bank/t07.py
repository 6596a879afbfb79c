"""Trade-off questions for theme T07: consensus with Paxos.

Theory of operation
-------------------
What senior interviewers ask about Paxos: the phase 2a value rule, duelling proposers and FLP,
Flexible Paxos's quorums, Fast Paxos's bigger quorums, Raft against Multi-Paxos, why two phases,
and what makes Multi-Paxos hard in production. The rules the bank keeps (checked by
:func:`dsworkbook.interview.questions.bank` and the bank's tests): ``choice`` questions have one or
more right choices and exactly one right reason, with wrong options taken from common mistakes;
every link names a real heading of ``notebooks/07_paxos.ipynb``; every claim about a paper or a
product is cited in ``sources``.
"""

from __future__ import annotations

from dsworkbook.interview.questions import Question

__all__ = ["QUESTIONS"]

_NB = "notebooks/07_paxos.ipynb#"
_SIMPLE = "Lamport, Paxos Made Simple, 2001"

QUESTIONS = [
    Question(
        id="T07-phase2a-value",
        theme="T07",
        kind="choice",
        prompt=(
            "A proposer with ballot 5 receives promises from a majority of acceptors: one reports it "
            "accepted (ballot 3, value X), another (ballot 4, value Y), the rest accepted nothing. What "
            "must the proposer send in its Accept?"
        ),
        choices={
            "a": "Its own value: ballot 5 is higher than every reported ballot.",
            "b": "X, the first acceptance reported.",
            "c": "Y, the value of the highest-ballot acceptance reported.",
            "d": "Whichever value most acceptors in the whole cluster have accepted.",
        },
        answer=("c",),
        reasons={
            "a": "If a value was chosen under some ballot b < 5, every acceptance with a ballot between b and 5 carries that value, and the majority that promised includes an acceptor that accepted it; so the highest-ballot acceptance reported carries any value that may already be chosen.",
            "b": "The value accepted by the most acceptors is the one most likely to have been chosen.",
            "c": "A higher ballot overrides all earlier ones, so the proposer is free to propose its own value.",
        },
        reason="a",
        rubric=(
            "Propose the value of the highest-numbered acceptance among the promises; one's own only if none is reported.",
            "Why: any two majorities intersect, and by induction every acceptance above a chosen ballot carries the chosen value.",
            "Skipping the rule lets a later proposer overwrite a chosen value.",
        ),
        reference=(
            "The proposer must propose Y. Paxos Made Simple (§2.2) requires the value of the highest-numbered "
            "proposal among the promises, and the proposer's own value only if no promise reports one. The "
            "argument: if some value v was chosen under ballot b, a majority accepted it; the proposer's "
            "majority of promises shares an acceptor with it, and by induction every acceptance with a "
            "ballot between b and 5 carries v, so the highest-ballot acceptance it hears of carries v. Here "
            "X under ballot 3 cannot have been chosen if a proposer at ballot 4 proposed Y. Section 3.1 of "
            "notebook 07 fuzzes the own_value variant, which proposes its own value anyway, and it breaks "
            "agreement; its first failure shrinks to a single fault."
        ),
        links=(_NB + "The idea", _NB + "3.1 A chosen value is never replaced - unless a rule is broken"),
        sources=(_SIMPLE + ", §2.2",),
    ),
    Question(
        id="T07-duelling-proposers",
        theme="T07",
        kind="choice",
        prompt=(
            "Two Paxos proposers keep pre-empting each other's ballots and no value is ever chosen. Which "
            "statements are right?"
        ),
        choices={
            "a": "The duel can end with two different values chosen.",
            "b": "No deterministic consensus protocol can guarantee termination in an asynchronous system where even one process may crash.",
            "c": "Random backoff, or a distinguished leader, makes the duel end in practice.",
            "d": "Adding acceptors ends the duel, because quorums become easier to reach.",
            "e": "Paxos guarantees termination whenever no message is lost.",
        },
        answer=("b", "c"),
        reasons={
            "a": "Duelling proposers can make two values chosen, so Paxos needs a leader for safety.",
            "b": "Safety never depends on timing, but progress needs one proposer running alone long enough, and electing one reliably takes randomness or timeouts (FLP).",
            "c": "FLP says consensus is impossible, so Paxos gives up safety under contention.",
        },
        reason="b",
        rubric=(
            "Duelling proposers are a liveness failure, never a safety one.",
            "FLP: no deterministic protocol guarantees termination with even one possible crash in an asynchronous system.",
            "Remedies: random backoff, a distinguished proposer (leader) elected with timeouts.",
        ),
        reference=(
            "The duel is a liveness failure: each proposer's Prepare overtakes the other's Accept, so neither "
            "completes phase 2, but nothing unsafe happens. Section 3.2 of notebook 07 stages it with no crash "
            "and no loss, only a message-delay rhythm, and with fixed retry delays it never ends while random "
            "retries end it. That is FLP made concrete: Fischer, Lynch and Paterson (1985) proved that no "
            "deterministic protocol tolerating one crash can guarantee termination in an asynchronous system. "
            "Paxos keeps safety always and terminates once one proposer runs alone long enough; Paxos Made "
            "Simple (§2.4) asks for a distinguished proposer, elected with randomness or timeouts."
        ),
        links=(_NB + "3.2 Duelling proposers, and FLP in one experiment (P01, P03)", _NB + "3.3 The consensus properties (P03)"),
        sources=(
            "Fischer, Lynch and Paterson 1985, Impossibility of Distributed Consensus with One Faulty Process, JACM",
            _SIMPLE + ", §2.4",
        ),
    ),
    Question(
        id="T07-flexible-quorums",
        theme="T07",
        kind="choice",
        prompt=(
            "A Multi-Paxos group has n = 5 acceptors. Which pairs (phase-1 quorum q1, phase-2 quorum q2) "
            "are safe?"
        ),
        choices={
            "a": "q1 = 3, q2 = 3",
            "b": "q1 = 4, q2 = 2",
            "c": "q1 = 2, q2 = 3",
            "d": "q1 = 5, q2 = 1",
            "e": "q1 = 2, q2 = 2",
        },
        answer=("a", "b", "d"),
        reasons={
            "a": "Both quorums must be majorities, or two leaders could commit in parallel.",
            "b": "Phase-2 quorums must intersect each other, so q2 must exceed n / 2.",
            "c": "Only every phase-1 quorum must intersect every phase-2 quorum, so q1 + q2 > n suffices; two phase-2 quorums may be disjoint, because only one leader's ballot can be accepted at a time.",
        },
        reason="c",
        rubric=(
            "Flexible Paxos: q1 + q2 > n.",
            "A small q2 makes every commit faster; the price is a large q1, so leader changes need more acceptors up.",
            "Majorities (3 + 3) are one safe choice, not the only one.",
        ),
        reference=(
            "Howard, Malkhi and Spiegelman (2016) showed that Paxos needs only each phase-1 quorum to meet "
            "each phase-2 quorum: q1 + q2 > n. With n = 5 that admits 3 + 3, 4 + 2 and 5 + 1, and rules out "
            "2 + 3 and 2 + 2. A small q2 means each command waits for fewer, perhaps nearer, acceptors; the "
            "price is a big q1, so electing a new leader needs more acceptors up - with q1 = 5 a single "
            "failure blocks leader changes. Section 4.3 of notebook 07 runs two leaders whose quorums miss "
            "each other when q1 + q2 <= n and gets two different values decided."
        ),
        links=(_NB + "4.3 Flexible Paxos: two quorum sizes",),
        sources=("Howard, Malkhi and Spiegelman, Flexible Paxos: Quorum intersection revisited, 2016",),
    ),
    Question(
        id="T07-fast-quorum",
        theme="T07",
        kind="choice",
        prompt=(
            "Fast Paxos with n = 7 acceptors and majority classic quorums (4). What is the smallest fast "
            "quorum?"
        ),
        choices={"a": "4", "b": "5", "c": "6", "d": "7"},
        answer=("c",),
        reasons={
            "a": "Any two fast quorums and any classic quorum must share an acceptor (2f + c > 2n) and any three fast quorums must too (3f > 2n); with c = 4 the first needs 2f > 10, so f = 6.",
            "b": "A fast quorum is always a majority plus one.",
            "c": "A fast round must reach every acceptor, or concurrent clients could collide.",
        },
        reason="a",
        rubric=(
            "Quorum requirement: 2f + c > 2n and 3f > 2n (with 2c > n).",
            "n = 7, c = 4: f = 6; one fewer fails the check.",
            "Trade-off: one message delay saved when there is no collision, at the price of bigger quorums and a costlier recovery.",
        ),
        reference=(
            "Fast Paxos lets clients send straight to the acceptors, saving a message delay, but a recovery "
            "must still see any value that could have been chosen in a fast round. So any two fast quorums "
            "and any classic quorum must share an acceptor, 2f + c > 2n, and any three fast quorums too, "
            "3f > 2n (Lamport 2006). With n = 7 and c = 4, 2f > 10 gives f = 6, which also satisfies "
            "3f > 14; 'majority plus one' would give 5 and fail. Section 4.2 of notebook 07 checks every "
            "size by brute force and shows one fewer always fails; the fast round then tolerates one failure "
            "where the classic round tolerates three."
        ),
        links=(_NB + "4.2 Fast Paxos: one message delay less, bigger quorums",),
        sources=("Lamport, Fast Paxos, Distributed Computing 19(2), 2006",),
    ),
    Question(
        id="T07-raft-vs-multipaxos",
        theme="T07",
        kind="choice",
        prompt="Compare Raft with Multi-Paxos. Which statements are right?",
        choices={
            "a": "With a stable leader, both commit a command with one round trip to a majority.",
            "b": "A newly elected Raft leader holds every committed entry; a new Multi-Paxos leader may lack chosen values and learns them from the promises of phase 1.",
            "c": "Raft tolerates more failures than Multi-Paxos with the same number of servers.",
            "d": "A newly elected Raft leader has the most up-to-date log in the cluster.",
            "e": "A Multi-Paxos log can have holes; a Raft log cannot.",
        },
        answer=("a", "b", "e"),
        reasons={
            "a": "Raft uses smaller quorums than Paxos, which is why it is faster.",
            "b": "Raft elects only a candidate whose log is at least as up-to-date as a majority's, so the leader already has every committed entry and entries flow only from leader to followers; Multi-Paxos lets any server lead and repairs the log slot by slot after phase 1.",
            "c": "A Raft leader is always the server with the longest log, which is why it never needs to learn entries from the others.",
        },
        reason="b",
        rubric=(
            "Same fault tolerance and common-case cost: one round trip to a majority per command.",
            "Raft: no holes, leader completeness by the election restriction; the leader is not necessarily the most up-to-date server.",
            "Multi-Paxos: phase 1 once per leader, new leader learns chosen values per slot and fills holes with no-ops.",
        ),
        reference=(
            "Both tolerate a minority of failures and, once a leader is established, commit a command with "
            "one round trip to a majority. The logs differ: Raft's has no holes, and its election "
            "restriction (§5.4.1) guarantees that a new leader holds every committed entry (Leader "
            "Completeness, §5.4), so it never learns entries from others. That does not make it the most "
            "up-to-date server: a follower can hold uncommitted entries of a later term, which the leader "
            "overwrites. A Multi-Paxos leader runs phase 1 once for all slots (Paxos Made Simple §3), "
            "learns possibly chosen values from the promises, and fills holes with no-ops. Section 5 of "
            "notebook 07 runs both on the same seed, workload and faults."
        ),
        links=(_NB + "Raft and Multi-Paxos side by side (P03)", _NB + "4.1 Multi-Paxos with a stable leader"),
        sources=(
            "Ongaro and Ousterhout, In Search of an Understandable Consensus Algorithm (Extended Version), 2014, §5.4 and §5.4.1",
            _SIMPLE + ", §3",
        ),
    ),
    Question(
        id="T07-why-two-phases",
        theme="T07",
        kind="open",
        prompt=(
            "Explain why single-decree Paxos needs two phases and majority quorums, and what an acceptor "
            "must keep on disk."
        ),
        rubric=(
            "Phase 1 reserves a ballot (promises to refuse lower ones) and learns what may already be chosen.",
            "Phase 2 proposes a value that is safe: the highest-ballot acceptance reported, else one's own.",
            "Majorities intersect, so a later phase 1 always hears from some acceptor of an earlier chosen majority.",
            "Acceptors persist their promise and their last acceptance before replying; ballots must be unique per proposer.",
        ),
        reference=(
            "Phase 1 does two jobs: the acceptors promise to ignore lower ballots, so no older proposal can "
            "complete behind the proposer's back, and they report what they have accepted, so the proposer "
            "learns any value that may already be chosen. Phase 2 then proposes a safe value - the "
            "highest-ballot acceptance reported, or the proposer's own if none - and it is chosen once a "
            "majority accepts it. Majorities matter because any two intersect: whatever one majority "
            "accepted, the next majority's promises include it. An acceptor must remember its highest "
            "promise and its last acceptance across crashes (Paxos Made Simple §2.2), or a restart could "
            "let it accept what its promise was meant to keep out, and ballots must never be shared by two "
            "proposers. Section 3.1 of notebook 07 fuzzes each mistake - own_value, forget_promises and "
            "naive_ballots - and each breaks agreement."
        ),
        links=(_NB + "The idea", _NB + "3.1 A chosen value is never replaced - unless a rule is broken"),
        sources=(_SIMPLE + ", §2.2",),
    ),
    Question(
        id="T07-multipaxos-production",
        theme="T07",
        kind="open",
        prompt="What is Multi-Paxos, and what makes it hard to run in production?",
        rubric=(
            "One Paxos instance per log slot; phase 1 run once by a leader for all slots; then one round trip per command.",
            "A new leader recovers each slot from the promises and fills holes with no-ops.",
            "The hard parts are around the two phases: catching up lagging replicas, leader changes (epochs, fresh ballots), lost messages, retried client commands (sessions), snapshots, disk corruption.",
            "Production examples: Chubby (Paxos Made Live) and Spanner's Paxos groups with leased leaders.",
        ),
        reference=(
            "Multi-Paxos runs one Paxos instance per log slot, but a leader runs phase 1 once for all future "
            "slots, so each command then costs one phase-2 round trip to a majority (Paxos Made Simple §3). "
            "A new leader re-proposes, slot by slot, the highest-ballot value its promises report and fills "
            "holes with no-ops so that later commands can be applied. Paxos Made Live (Chandra, Griesemer "
            "and Redstone 2007), on the Multi-Paxos under Google's Chubby, contrasts the page of pseudo-code "
            "with the several thousand lines of C++ it took, and its hard problems lie around the phases: "
            "corrupted disks, master leases and epoch numbers, snapshots for lagging replicas. Section 4.1 "
            "of notebook 07 runs a Multi-Paxos key-value store under crashes, partitions and pauses, and its "
            "campaign catches five broken variants, among them a catch-up answered from mere acceptances and "
            "a deposed leader reusing its old ballot."
        ),
        links=(_NB + "4.1 Multi-Paxos with a stable leader", _NB + "Raft and Multi-Paxos side by side (P03)"),
        sources=(
            _SIMPLE + ", §3",
            "Chandra, Griesemer and Redstone, Paxos Made Live: An Engineering Perspective, PODC 2007, §1 and §5",
            "Corbett et al., Spanner: Google's Globally-Distributed Database, OSDI 2012, §2.1",
        ),
    ),
]
