"""Trade-off questions for theme T06: consensus with Raft (notebooks 06 and 06b).

Theory of operation
-------------------
What senior interviewers ask about Raft, from the paper's core (notebook ``06_raft``: who can win an
election, the commit rule of Figure 8, what must be on disk, a partitioned leader) to what a
production cluster adds (notebook ``06b_raft_in_production``: linearizable reads without the log,
membership changes, PreVote and CheckQuorum, snapshots, the timing requirement). The rules the bank
keeps (checked by :func:`dsworkbook.interview.questions.bank` and the bank's tests): ``choice``
questions have one or more right choices and exactly one right reason, with wrong options taken from
common mistakes; every link names a real heading of one of the two notebooks; every claim about the
paper, the thesis or a product is cited in ``sources``.
"""

from __future__ import annotations

from dsworkbook.interview.questions import Question

__all__ = ["QUESTIONS"]

_CORE = "notebooks/06_raft.ipynb#"
_PROD = "notebooks/06b_raft_in_production.ipynb#"
_PAPER = "Ongaro and Ousterhout, In Search of an Understandable Consensus Algorithm (Extended Version), 2014"
_THESIS = "Ongaro, Consensus: Bridging Theory and Practice, PhD thesis, Stanford 2014"

QUESTIONS = [
    Question(
        id="T06-who-can-win",
        theme="T06",
        kind="choice",
        prompt=(
            "Five Raft servers hold logs whose entries have these terms: n1 [1, 1, 2], n2 [1, 1, 2, 3], "
            "n3 [1, 1, 2, 3, 3], n4 [1, 1], n5 [1, 2, 2, 2]. If only one server times out and campaigns, "
            "which of them can win the election?"
        ),
        choices={"a": "n1", "b": "n2", "c": "n3", "d": "n4", "e": "n5"},
        answer=("b", "c", "e"),
        reasons={
            "a": "A voter grants its vote only to a log at least as up-to-date as its own - a later last term, or the same last term and at least the same length - and a candidate needs 3 of 5 votes, its own included.",
            "b": "Only the server with the longest log can win, since it holds every entry.",
            "c": "A candidate must hold every entry that any server holds, or it would lose committed data.",
        },
        reason="a",
        rubric=(
            "Up-to-date = compare last terms, then lengths (§5.4.1).",
            "A majority of 3 of 5 votes, the candidate's own included.",
            "n5 wins without the term-3 entries: they sit on two servers only, so they were never committed and may be lost.",
        ),
        reference=(
            "A voter refuses a candidate whose log is less up-to-date than its own: the later last term "
            "wins, and with equal last terms the longer log (§5.4.1). n3 (last term 3, length 5) gets every "
            "vote and n2 (3, 4) gets all but n3's. n5 (last term 2, length 4) gets n1's, n4's and its own: "
            "three of five, so it wins although it lacks the term-3 entries - they are on two servers only, "
            "were never committed, and may be lost. n1 (2, 3) gets only n4's vote besides its own, and n4 "
            "only its own. Section 2.1 of notebook 06 runs exactly these logs, one election per candidate, "
            "and shows the voters of each."
        ),
        links=(_CORE + "2.1 Leader election (F01)",),
        sources=(_PAPER + ", §5.4.1",),
    ),
    Question(
        id="T06-figure8-commit",
        theme="T06",
        kind="choice",
        prompt=(
            "The leader of term 4 finds that an entry of term 2, which it holds at index 2, is now stored "
            "on a majority of servers. May it advance its commit index to 2?"
        ),
        choices={
            "a": "Yes: an entry stored on a majority is committed.",
            "b": "Not by counting: it becomes committed when an entry of term 4 after it is stored on a majority and committed.",
            "c": "Only once every server stores it.",
            "d": "Yes, as soon as the leader has appended its term-4 no-op, even before the no-op reaches a majority.",
        },
        answer=("b",),
        reasons={
            "a": "The followers may not have applied the entry to their state machines yet.",
            "b": "An old-term entry on a majority can still be overwritten by a server elected later with a log whose last term is higher (Figure 8); once an entry of the current term sits on a majority, no server lacking it can win an election, and everything before it is safe.",
            "c": "Terms never repeat, so an entry from an older term must be re-proposed under the new term.",
        },
        reason="b",
        rubric=(
            "Only entries of the leader's current term are committed by counting replicas (§5.4.2).",
            "Earlier-term entries are committed indirectly, with a later current-term entry.",
            "The danger: Figure 8 - a majority-stored old entry overwritten by a later leader.",
            "The rule looks at the term of the entry it commits, not the term of the leader's last entry.",
        ),
        reference=(
            "No. A leader counts replicas only for entries of its own term (§5.4.2); an entry of an earlier "
            "term is committed indirectly, once a current-term entry after it is committed. The reason is "
            "Figure 8 of the paper: a term-2 entry on a majority can still be replaced, because a server "
            "whose last entry is of term 3 can win an election without it and overwrite it. Section 2.3 of "
            "notebook 06 plays Figure 8 to the millisecond: with commit-by-counting, the checker reports "
            "leader completeness and state machine safety broken; with the correct rule, nothing committed "
            "is lost. The same section shows why appending the no-op is not enough: the rule checks the "
            "term of the entry being committed, and the no-op must itself reach a majority."
        ),
        links=(_CORE + "2.3 Committing, and why only current-term entries count (F03)",),
        sources=(_PAPER + ", §5.4.2 and Figure 8",),
    ),
    Question(
        id="T06-stable-storage",
        theme="T06",
        kind="choice",
        prompt="What must a Raft server have on stable storage before it answers an RPC?",
        choices={
            "a": "currentTerm",
            "b": "votedFor",
            "c": "the log entries",
            "d": "commitIndex",
            "e": "lastApplied",
            "f": "the leader's nextIndex and matchIndex for each follower",
        },
        answer=("a", "b", "c"),
        reasons={
            "a": "Everything must be persisted, or a restart would corrupt the state machine.",
            "b": "Only the log matters; the term and the vote can be recomputed from the last entry.",
            "c": "A server that forgot its vote could vote twice in one term and help elect two leaders, and one that lost acknowledged entries could make a committed entry vanish; the commit index, the state machine and the leader's bookkeeping can be rebuilt from the log and from the other servers.",
        },
        reason="c",
        rubric=(
            "Persistent: currentTerm, votedFor, log[] - written before replying (Figure 2).",
            "Volatile: commitIndex, lastApplied; leaders' nextIndex[] and matchIndex[].",
            "Why: a forgotten vote allows two leaders in a term; a lost acknowledged entry can undo a commit.",
        ),
        reference=(
            "Figure 2 of the paper lists currentTerm, votedFor and the log as persistent state, updated on "
            "stable storage before the server responds to RPCs; commitIndex and lastApplied are volatile, "
            "and so are the leader's nextIndex and matchIndex, reinitialised after each election. Forget "
            "the vote and a restarted server can vote twice in one term; lose log entries it acknowledged "
            "and a committed entry can disappear. The commit index is learnt again from the leader and the "
            "state machine is rebuilt by re-applying the log. Section 2.4 of notebook 06 drives one server "
            "by hand to show the order of its effects, and the fuzzer of section 3 catches the "
            "forget_voted_for and reply_before_persist variants."
        ),
        links=(
            _CORE + "2.4 Persistence, crash recovery and the five safety properties (F04)",
            _CORE + "Break it: the fuzzer and six broken variants",
        ),
        sources=(_PAPER + ", Figure 2",),
    ),
    Question(
        id="T06-reads-without-log",
        theme="T06",
        kind="choice",
        prompt=(
            "You want linearizable reads from a Raft-based store without appending every read to the log. "
            "Which approaches are right?"
        ),
        choices={
            "a": "The leader answers from its state machine at once: it is the leader, so it is up to date.",
            "b": "ReadIndex: the leader (having committed an entry of its term) records its commit index, confirms it still leads with a heartbeat round to a majority, and answers once it has applied that far.",
            "c": "A lease: after a heartbeat round acknowledged by a majority, the leader answers locally for a while - safe only if clock rates are bounded.",
            "d": "Any follower answers from its state machine if it heard from the leader in the last heartbeat interval.",
            "e": "A follower asks the leader for a read index and answers once it has applied that far.",
        },
        answer=("b", "c", "e"),
        reasons={
            "a": "A leader may have been deposed without knowing it; a round acknowledged by a majority (or a lease the majority has promised to respect) proves that no newer leader can have committed anything it has not seen.",
            "b": "Followers are always at least as up to date as the leader, since they apply entries first.",
            "c": "Committed entries are never lost, so every read of committed state is linearizable.",
        },
        reason="a",
        rubric=(
            "A deposed leader, or a follower, answering from its own state can be stale.",
            "ReadIndex: commit an entry of the term first, record the commit index, confirm leadership with a majority, apply, answer.",
            "Lease reads skip the round trip but assume bounded clock drift.",
            "Followers can serve linearizable reads by asking the leader for the read index.",
        ),
        reference=(
            "A leader cannot answer from its own state straight away: it may have been replaced by a "
            "majority it can no longer hear (§8). ReadIndex (thesis §6.4): once it has committed an entry of "
            "its own term, the leader records its commit index, confirms with a heartbeat round that a "
            "majority still follows it, and answers once it has applied up to that index - one round trip, "
            "no disk write. A follower can do the same by asking the leader for that index (thesis §6.4). A "
            "lease (thesis §6.4.1) skips the round but assumes clocks run at about the same rate. Section 6 "
            "of notebook 06b measures the three read paths, and section 7 steps a clock back: the "
            "wall-clock lease returns an overwritten value and the checker names it, while ReadIndex never "
            "answers from the cut-off leader."
        ),
        links=(
            _PROD + "Reads without a log entry: ReadIndex and leases (F10)",
            _PROD + "Break it: a lease and a clock stepped back (F10)",
        ),
        sources=(_PAPER + ", §8", _THESIS + ", §6.4 and §6.4.1"),
    ),
    Question(
        id="T06-grow-cluster",
        theme="T06",
        kind="choice",
        prompt="You must grow a 3-server Raft cluster to 5 servers without downtime. Which plans are safe?",
        choices={
            "a": "Append one configuration entry that adds both new servers as voters at once.",
            "b": "Add each new server as a learner, promote it once it has caught up, one voter at a time, each change only after the previous one is committed.",
            "c": "Use joint consensus: C_old,new (majorities of both) first, then C_new.",
            "d": "Edit the configuration file on every server and restart them one by one.",
            "e": "Add both servers one at a time, the first change proposed by a leader in the same instant it is elected, before it has committed anything in its term.",
        },
        answer=("b", "c"),
        reasons={
            "a": "A configuration takes effect only when committed, so any number of servers can be added in one step.",
            "b": "Every majority of the old configuration must share a server with every majority of the new one at each step: one voter at a time or joint consensus guarantees it, and a new leader must first commit an entry of its own term so that two uncommitted changes cannot be alive at once.",
            "c": "Raft cannot replicate to more than three voters at once, which is why learners exist.",
        },
        reason="b",
        rubric=(
            "One voter at a time: old and new majorities always intersect (thesis §4.1).",
            "Learners (non-voting members) catch up before they count in majorities (thesis §4.2.1).",
            "Joint consensus for several changes at once (paper §6).",
            "A new leader commits an entry of its term before changing the configuration (the 2015 fix).",
            "A server uses the latest configuration in its log, committed or not.",
        ),
        reference=(
            "Going from 3 to 5 voters in one step is unsafe: a majority of the old three (two servers) and "
            "a majority of the new five (three servers) need not share anyone, so two leaders could be "
            "elected in one term. Adding one voter at a time keeps every old and new majority overlapping "
            "(thesis §4.1); adding each server first as a learner lets it copy the log without counting in "
            "majorities, so commits do not stall (§4.2.1). Joint consensus does several changes safely by "
            "requiring majorities of both configurations in between (paper §6). And since Ongaro's 2015 "
            "correction, a new leader may change the configuration only after committing an entry of its "
            "own term - section 3 of notebook 06b shows the race that breaks leader completeness without "
            "that rule. Section 2 runs a learner's promotion and a joint change on the simulator."
        ),
        links=(_PROD + "Membership changes (F08)", _PROD + "Break it: the single-server bug (F08)"),
        sources=(
            _THESIS + ", §4.1 and §4.2.1",
            _PAPER + ", §6",
            "Ongaro, 'bug in single-server membership changes', raft-dev mailing list, July 2015",
        ),
    ),
    Question(
        id="T06-rejoining-server",
        theme="T06",
        kind="choice",
        prompt=(
            "A follower was cut off for 30 s. When it rejoins, the healthy leader steps down and the "
            "cluster holds an election. Which statements are right?"
        ),
        choices={
            "a": "Cut off, it timed out repeatedly and raised its term; its higher term made the leader step down. PreVote prevents it.",
            "b": "CheckQuorum is the matching guard for the opposite fault: a leader that has not heard from a majority for an election timeout steps down.",
            "c": "A shorter election timeout would prevent the disruption.",
            "d": "The rejoining follower will become leader, since its term is the highest.",
        },
        answer=("a", "b"),
        reasons={
            "a": "The rejoining follower has the longest log, so the others must adopt it.",
            "b": "The leader's heartbeats to the follower timed out, and a leader whose heartbeat times out must step down.",
            "c": "Any message with a higher term makes a leader step down (§5.1); with PreVote a server first asks whether it could win, changing no term, and servers that heard from a leader recently say no.",
        },
        reason="c",
        rubric=(
            "The cut-off follower keeps campaigning and raising its term; the higher term deposes the leader (§5.1).",
            "PreVote: ask whether it could win before raising the term (thesis §9.6).",
            "It usually cannot win (its log is behind), so the election is pure disruption.",
            "CheckQuorum: a leader without a majority steps down, so clients stop using it.",
        ),
        reference=(
            "While cut off, the follower heard no heartbeats, timed out again and again, and raised its "
            "term each time. When it comes back, any message carrying that higher term makes the leader "
            "step down (§5.1) - an election for nothing, which the follower itself usually cannot win, "
            "since its log is behind. PreVote (thesis §9.6) has a server ask first whether it could win, "
            "changing no term, and servers that heard from a leader recently refuse. CheckQuorum answers "
            "the opposite fault: a leader that has not heard from a majority within an election timeout "
            "steps down, so clients stuck with a cut-off leader look elsewhere. Section 4 of notebook 06b "
            "measures the longest gap in answered writes with and without each."
        ),
        links=(_PROD + "A server rejoins: PreVote and CheckQuorum (F09)",),
        sources=(_PAPER + ", §5.1", _THESIS + ", §9.6 and §6.2"),
    ),
    Question(
        id="T06-partitioned-leader",
        theme="T06",
        kind="open",
        prompt=(
            "A Raft leader is cut off from the rest of the cluster together with one follower (5 servers "
            "in all). What happens to the writes its clients send it, during the partition and after it "
            "heals?"
        ),
        rubric=(
            "It appends them but cannot commit them: it needs a majority (3 of 5).",
            "The majority side elects a new leader in a higher term and goes on committing.",
            "On heal the old leader sees the higher term, steps down, and its uncommitted entries are overwritten.",
            "Clients get timeouts or redirects: outcome unknown - an entry replicated to a majority before the cut can still commit; retries need (client id, sequence number) de-duplication.",
            "CheckQuorum makes the old leader step down early instead of accepting writes it can never commit.",
        ),
        reference=(
            "The old leader keeps appending its clients' commands but cannot commit any of them: it and "
            "one follower are two of five, not a majority (§5.3). Meanwhile the other three elect a new "
            "leader in a higher term and keep committing. When the partition heals, the first message of "
            "the higher term makes the old leader step down (§5.1), and the new leader's log overwrites its "
            "uncommitted entries. Its clients saw timeouts or redirects, which they must treat as unknown "
            "outcomes: a command it had replicated to a majority before the cut can still commit. So clients "
            "retry with the same (client id, sequence number) and the store applies each once (§8); section "
            "2.6 of notebook 06 shows a store without those sessions applying a retried put twice. "
            "CheckQuorum (thesis §6.2) shortens the time the old leader goes on accepting writes."
        ),
        links=(
            _CORE + "What interviewers ask",
            _CORE + "2.6 A linearizable key-value store (F06)",
            _PROD + "A server rejoins: PreVote and CheckQuorum (F09)",
        ),
        sources=(_PAPER + ", §5.1, §5.3 and §8", _THESIS + ", §6.2"),
    ),
    Question(
        id="T06-log-after-a-week",
        theme="T06",
        kind="open",
        prompt=(
            "A Raft-based store has run for a month. What happens to its log, what must a snapshot contain, "
            "and how does a follower that was down for a day catch up?"
        ),
        rubric=(
            "Each server snapshots its applied state on its own, with the last included index and term, and drops the entries covered.",
            "The snapshot holds the whole state machine, including the client-session (de-duplication) table.",
            "A follower that needs entries the leader has dropped gets InstallSnapshot, then the entries after it.",
            "A restarted server loads its snapshot and replays only the tail.",
            "Why each server snapshots itself: the data is already everywhere; shipping it from the leader costs bandwidth.",
        ),
        reference=(
            "Without compaction the log only grows, restarts replay everything, and a lagging follower is "
            "sent every entry it missed. Each server instead snapshots its state machine after its last "
            "applied entry, records that entry's index and term so the consistency check still works at the "
            "boundary, and drops the entries the snapshot covers (§7) - each on its own, because the data is "
            "already on every server. The snapshot must hold everything that decides a later command, "
            "including the client-session table; section 1 of notebook 06b shows a snapshot without "
            "sessions re-executing retried commands and the checker catching a non-linearizable history, "
            "while the five safety properties notice nothing. A follower that needs entries the leader has "
            "dropped receives InstallSnapshot and then the entries after it; a restarted server loads its "
            "snapshot and replays only the tail."
        ),
        links=(_PROD + "Log compaction: snapshots and InstallSnapshot (F07)",),
        sources=(_PAPER + ", §7 and §8",),
    ),
    Question(
        id="T06-timeouts",
        theme="T06",
        kind="open",
        prompt=(
            "You deploy Raft across three regions 40-60 ms apart. How do you choose the election timeout "
            "and the heartbeat interval?"
        ),
        rubric=(
            "broadcastTime << electionTimeout << MTBF (§5.6).",
            "Too short relative to the broadcast time: elections under a live leader, split votes, no availability.",
            "Too long: each leader failure costs about an election timeout of unavailability.",
            "Randomise the timeout over a range (§5.2); heartbeats a fraction of the lowest timeout.",
            "Measure the broadcast time on the real links (disk writes included); PreVote and leadership transfer reduce needless elections.",
        ),
        reference=(
            "Raft's safety never depends on timing, but its availability does: broadcastTime << "
            "electionTimeout << MTBF (§5.6). The broadcast time here is a round trip to the slowest needed "
            "follower plus a disk write, so the election timeout must sit well above it, or followers time "
            "out between heartbeats and candidates split the votes; it must sit well below the time between "
            "failures, because every leader crash costs about one election timeout of silence. Randomise it "
            "over a range (§5.2) and send heartbeats at a fraction of its lowest value. Section 9 of notebook "
            "06b sweeps seven timeouts on three kinds of links: on the slowest links the two shortest "
            "timeouts never settle at all, and on every line the longest timeout costs the most availability. For "
            "planned maintenance, leadership transfer avoids paying the timeout at all."
        ),
        links=(
            _PROD + "The timing requirement: broadcast time ≪ election timeout ≪ MTBF (F01)",
            _PROD + "Planned maintenance: leadership transfer (F09)",
        ),
        sources=(_PAPER + ", §5.2 and §5.6", _THESIS + ", §3.10"),
    ),
]
