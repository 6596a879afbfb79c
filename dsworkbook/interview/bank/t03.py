"""Trade-off questions for theme T03: consistency models.

Theory of operation
-------------------
What senior interviewers ask about consistency: linearizability against serializability, what
sequential and causal consistency allow, session guarantees for clients that move between
replicas, ZooKeeper's and etcd's read modes, honest histories, and how to test a store. The rules
the bank keeps (checked by :func:`dsworkbook.interview.questions.bank` and the bank's tests):
``choice`` questions have one or more right choices and exactly one right reason, with wrong
options taken from common mistakes (including the source notes' claim about sequential
consistency); every link names a real heading of ``notebooks/03_consistency_models.ipynb`` (or
another theme's notebook); every claim about a paper or a product is cited in ``sources``.
"""

from __future__ import annotations

from dsworkbook.interview.questions import Question

__all__ = ["QUESTIONS"]

_NB = "notebooks/03_consistency_models.ipynb#"

QUESTIONS = [
    Question(
        id="T03-lin-vs-serial",
        theme="T03",
        kind="choice",
        prompt="Linearizability and serializability are often confused. Which statements are right?",
        choices={
            "a": "Linearizability is about single operations on single objects, and respects real time.",
            "b": "Serializability promises that transactions take effect in the real-time order in which they committed.",
            "c": "Strict serializability is serializability plus the real-time order of linearizability.",
            "d": "A serializable database never returns a stale read of a single key.",
            "e": "A linearizable key-value store makes multi-key transactions serializable.",
        },
        answer=("a", "c"),
        reasons={
            "a": "They are the same guarantee, one for caches and one for databases.",
            "b": "Serializability only promises equivalence to some serial order of whole transactions, which may place a read-only transaction before one that committed earlier in real time; linearizability orders single operations and respects real time.",
            "c": "Linearizability concerns only replicas and serializability only locks, so neither implies anything about the other.",
        },
        reason="b",
        rubric=(
            "Linearizability: single objects, single operations, real time.",
            "Serializability: transactions over many objects, some serial order, no real-time promise.",
            "Strict serializability combines both.",
        ),
        reference=(
            "Linearizability (Herlihy and Wing 1990) gives every single operation an instant inside its own "
            "interval, so the object behaves as one copy and a read that starts after a write completed "
            "sees it. Serializability (Papadimitriou 1979) says a set of transactions, each touching many "
            "objects, is equivalent to some serial order - any order, so a read-only transaction may be "
            "placed before a write that committed earlier, and read stale data. Strict serializability "
            "asks for both. Neither implies the other: per-key linearizable operations say nothing about "
            "transactions that span keys. Section 2 of notebook 03 checks linearizability on histories and "
            "shows a stale read that breaks it."
        ),
        links=(_NB + "Linearizability (M02)", _NB + "What interviewers ask"),
        sources=(
            "Herlihy and Wing 1990, Linearizability: A Correctness Condition for Concurrent Objects, TOPLAS",
            "Papadimitriou 1979, The Serializability of Concurrent Database Updates, JACM",
        ),
    ),
    Question(
        id="T03-opposite-orders",
        theme="T03",
        kind="choice",
        prompt=(
            "A writes x = 1 while B concurrently writes x = 2. Client C reads 1 then 2; client D reads 2 "
            "then 1. Which statements are right?"
        ),
        choices={
            "a": "The history is sequentially consistent: each client saw a consistent order.",
            "b": "The history is causally consistent.",
            "c": "The history is linearizable, because the writes overlap.",
            "d": "The history is not sequentially consistent.",
        },
        answer=("b", "d"),
        reasons={
            "a": "Sequential consistency only constrains each process's own program order, so any order of other processes' writes is allowed.",
            "b": "Only real-time order distinguishes the models, and the writes overlap in real time.",
            "c": "Sequential consistency needs one order of all operations that every process agrees with, and C and D disagree about the order of the two writes; causal consistency orders only causally related writes, and these are concurrent.",
        },
        reason="c",
        rubric=(
            "Sequential consistency: one total order for everyone, keeping each process's program order.",
            "Causal consistency lets concurrent writes be seen in different orders.",
            "Linearizability is stronger than sequential, so it fails too.",
        ),
        reference=(
            "Sequential consistency (Lamport 1979) asks for a single order of all operations that keeps "
            "each process's program order and that every process agrees with; it drops only the real-time "
            "requirement. C's reads put w1 before w2 and D's put w2 before w1, so no single order exists: "
            "not sequential, and so not linearizable either. Causal consistency orders only writes that may "
            "have influenced each other; these two are concurrent, so C and D may see them in different "
            "orders. Notebook 03 checks this very claim from the source notes and the checker rejects it "
            "as sequential and accepts it as causal - the difference between the two models."
        ),
        links=(_NB + "A claim from the notes, checked", _NB + "The weaker models (M03)"),
        sources=(
            "Lamport 1979, How to Make a Multiprocessor Computer That Correctly Executes Multiprocess Programs, IEEE Trans. Computers",
            "Ahamad et al. 1995, Causal memory: definitions, implementation, and programming, Distributed Computing",
        ),
    ),
    Question(
        id="T03-read-own-posts",
        theme="T03",
        kind="choice",
        prompt=(
            "Requirement: after posting, a user always sees their own post, even when the load balancer "
            "sends the next request to another replica of an asynchronously replicated store. What "
            "delivers it?"
        ),
        choices={
            "a": "Sticky sessions that keep each user on one replica (while that replica is up).",
            "b": "A session token naming the writes the user has made; a replica waits, redirects or refuses until it has applied them.",
            "c": "Eventual consistency: the other replica will converge.",
            "d": "Monotonic reads, which imply read-your-writes.",
            "e": "Reading from any one replica with a short cache TTL.",
        },
        answer=("a", "b"),
        reasons={
            "a": "Read-your-writes is a session guarantee: the replica that serves the read must have applied the session's writes, so either keep the session on a replica that has them or carry what it wrote and make the replica catch up first.",
            "b": "Convergence implies read-your-writes once the replicas have exchanged their writes.",
            "c": "Read-your-writes requires linearizability, so only a consensus-based store can give it.",
        },
        reason="a",
        rubric=(
            "Names the guarantee: read-your-writes, a session guarantee (Terry et al. 1994).",
            "Sticky sessions keep it until failover moves the client.",
            "A session token (the versions written) lets any replica serve the client once it has caught up.",
            "Convergence and monotonic reads do not imply it.",
        ),
        reference=(
            "The requirement is read-your-writes, one of Terry et al.'s session guarantees, and it needs "
            "far less than linearizability. A sticky session keeps the user on the replica that applied "
            "their writes; it breaks when a failover or a partition moves them. A session token carrying "
            "what the session wrote (a version or vector) lets any replica serve them once it has applied "
            "that much - it waits, redirects or refuses until then. Eventual consistency promises only "
            "convergence, and monotonic reads is a different guarantee (neither implies the other). "
            "Notebook 03 shows the gallery's 'lost own write' history and the causal store whose session "
            "guarantees come from sticky clients; its design exercise builds the token."
        ),
        links=(
            _NB + "Session guarantees, and convergence",
            _NB + "Three stores, three consistency models (M04)",
        ),
        sources=("Terry et al. 1994, Session Guarantees for Weakly Consistent Replicated Data, PDIS",),
    ),
    Question(
        id="T03-zookeeper-reads",
        theme="T03",
        kind="choice",
        prompt="Is ZooKeeper linearizable? Which statements are right?",
        choices={
            "a": "Yes, for every operation, because all of them go through Zab.",
            "b": "Its writes are linearizable; a plain read is served by the connected server and can be stale.",
            "c": "Calling sync() before a read makes the read see the writes committed before the sync.",
            "d": "A client that reconnects to another server can see an older state than it has already seen.",
            "e": "Reads are linearizable because ZooKeeper is built on Paxos.",
        },
        answer=("b", "c"),
        reasons={
            "a": "Reads are committed through Zab like writes, and only watches can be stale.",
            "b": "Every update goes through the leader and is applied in one order everywhere, but a read is answered from the local server's state without contacting a quorum, and that server may lag the leader.",
            "c": "sync() blocks writes across the whole cluster until every server has caught up.",
        },
        reason="b",
        rubric=(
            "Writes: through the leader, ordered by Zab, linearizable.",
            "Reads: local, may be stale; sync() then read for the latest.",
            "Session order: FIFO per client, and a reconnecting client never goes back (last zxid).",
        ),
        reference=(
            "ZooKeeper's writes are linearizable: each goes through the leader, is ordered by Zab and "
            "applied in that order everywhere. Its reads are not: a read is served locally by whichever "
            "server the client is connected to, which may lag. Each client's requests are applied in the "
            "order it sent them, and a client that reconnects elsewhere never sees an older state than it "
            "saw (the session carries the last zxid). A client that needs the latest value calls sync() "
            "first, so the server catches up with the leader before the read. Notebook 06b runs the same "
            "lesson on a real etcd: its serializable reads, also served locally, come out non-linearizable."
        ),
        links=(_NB + "What interviewers ask", "notebooks/06b_raft_in_production.ipynb#The same lesson on a real etcd (M05)"),
        sources=(
            "Hunt, Konar, Junqueira and Reed, ZooKeeper: Wait-free coordination for Internet-scale systems, USENIX ATC 2010, §2.3 and §4",
            "ZooKeeper Programmer's Guide, 'Consistency Guarantees' (https://zookeeper.apache.org/doc/current/zookeeperProgrammers.html#ch_zkGuarantees)",
        ),
    ),
    Question(
        id="T03-timeout-in-history",
        theme="T03",
        kind="choice",
        prompt=(
            "While testing a store under faults, a client's write of x = 5 times out. How should the "
            "recorded history treat that write?"
        ),
        choices={
            "a": "As failed: the client got no confirmation.",
            "b": "As unknown: it may take effect at any time after its invocation - even after the timeout - or never.",
            "c": "Leave it out of the history altogether.",
            "d": "As succeeded, at the instant the timeout fired.",
        },
        answer=("b",),
        reasons={
            "a": "A timeout means the server rejected the write, so it never happened.",
            "b": "Checkers ignore operations without a reply, so the choice does not matter.",
            "c": "The client cannot tell a lost request from a lost reply or a slow server; a checker told the write failed reports a violation when a later read returns 5, and one told it succeeded at the timeout constrains it wrongly.",
        },
        reason="c",
        rubric=(
            "Three outcomes: ok, fail (certainly did not happen), unknown (may have happened).",
            "An unknown operation may take effect any time after its invocation, or never.",
            "Recording a timeout as a failure makes a correct store look wrong.",
        ),
        reference=(
            "A timed-out operation's outcome is unknown, and the history must say so: the write may have "
            "been applied, may still be applied later, or may never be. A checker then may place it at any "
            "point after its invocation, or leave it out. Recording it as failed is the classic checker "
            "bug: when a later read returns 5, the checker reports a violation the store did not commit. "
            "Section 1 of notebook 03 draws such a write hatched and running off to the right, and a later "
            "read shows it did happen; notebook 02 shows the CP store recording a refusal in its propagate "
            "phase as unknown for the same reason. Jepsen records these as indeterminate (info) operations."
        ),
        links=(
            _NB + "The idea: a history is all a client can see (M01)",
            "notebooks/02_cap_and_quorums.ipynb#Honest histories: `fail` versus `unknown`",
        ),
        sources=("Jepsen (https://jepsen.io): histories of invoke, ok, fail and info (indeterminate) operations",),
    ),
    Question(
        id="T03-causal-bound",
        theme="T03",
        kind="open",
        prompt=(
            "Why is causal consistency called close to the strongest model an always-available store can "
            "offer, and what does it not give you?"
        ),
        rubric=(
            "The bound: no model stronger than real-time causal can be both always available under partition and convergent (Mahajan, Alvisi and Dahlin 2011).",
            "What it rules out: effects before their causes (a reply before its question).",
            "What it allows: concurrent writes seen in different orders - no single order, so no uniqueness or 'last seat' guarantees.",
            "Its session guarantees survive a partition only for sticky clients (sticky availability), or with a session token.",
            "How it is built: writes carry dependencies; a replica applies a write only after its dependencies.",
        ),
        reference=(
            "Mahajan, Alvisi and Dahlin (2011) prove that no model stronger than real-time causal "
            "consistency can be kept by a store that answers every request during a partition and converges "
            "afterwards, and that real-time causal can be. Causal consistency rules out the anomalies users "
            "notice - a comment shown before its post - because every write carries its dependencies and a "
            "replica applies it only after them; notebook 03's 'effect before cause' history is exactly what "
            "it forbids. It does not give one order to everybody: concurrent writes may be seen in "
            "different orders, so it cannot enforce uniqueness (one username, the last seat) without "
            "coordination. And its read-your-writes part holds under a partition only for clients that stay "
            "with their replica - Bailis et al. call that sticky availability - or carry a session token. "
            "Notebook 03's causal store meets causal consistency on every seed and visibly misses "
            "sequential on some."
        ),
        links=(_NB + "Causality broken", _NB + "Three stores, three consistency models (M04)"),
        sources=(
            "Mahajan, Alvisi and Dahlin, Consistency, Availability, and Convergence, UT Austin TR-11-22, 2011",
            "Bailis et al., Highly Available Transactions: Virtues and Limitations, VLDB 2014",
            "Ahamad et al. 1995, Causal memory: definitions, implementation, and programming, Distributed Computing",
        ),
    ),
    Question(
        id="T03-test-store",
        theme="T03",
        kind="open",
        prompt="How would you test whether a replicated key-value store is linearizable?",
        rubric=(
            "Record a history from many concurrent clients under injected faults (partitions, pauses, crashes).",
            "Record timeouts as unknown outcomes, not failures.",
            "Check it with a search for a linearization (Wing-Gong/Lowe style, memoised), split per key by locality.",
            "The problem is NP-complete in general: unique written values and budgets keep it tractable; an 'unknown' verdict is possible.",
            "Prove the test can fail: run it against a broken configuration (stale local reads) and see it caught.",
        ),
        reference=(
            "I would record a Jepsen-style history: many concurrent clients doing reads, writes and "
            "compare-and-sets, each operation's invocation and completion, while a nemesis partitions, "
            "pauses and kills nodes; timeouts go in as unknown. Then a checker searches for a "
            "linearization - Wing and Gong's search with Lowe's memoisation, as Knossos and Porcupine do - "
            "split per key, since a history is linearizable exactly when each key's sub-history is "
            "(locality, Herlihy and Wing 1990). Deciding it is NP-complete in general (Gibbons and Korach "
            "1997), so unique written values and a time budget matter. Finally I would prove the test "
            "can fail: notebook 06b records real etcd histories and the checker accepts them with the "
            "default linearizable reads and rejects them with serializable reads from a member that was "
            "paused."
        ),
        links=(
            _NB + "Linearizability (M02)",
            _NB + "Under the hood (optional): how the checker searches",
            "notebooks/06b_raft_in_production.ipynb#The same lesson on a real etcd (M05)",
        ),
        sources=(
            "Herlihy and Wing 1990, Linearizability: A Correctness Condition for Concurrent Objects, TOPLAS",
            "Wing and Gong 1993, Testing and verifying concurrent objects, JPDC",
            "Lowe 2017, Testing for linearizability, Concurrency and Computation: Practice and Experience",
            "Gibbons and Korach 1997, Testing shared memories, SIAM J. Computing",
            "etcd documentation, 'KV API guarantees' (https://etcd.io/docs/v3.5/learning/api_guarantees/)",
        ),
    ),
]
