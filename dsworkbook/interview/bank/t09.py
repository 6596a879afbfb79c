"""Trade-off questions for T09, distributed locks and leases (notebook 09).

The theme's interview core is one question - "is your lock safe if the holder pauses?" - and its
follow-ups: where fencing tokens come from, Redlock's validity arithmetic, the ZooKeeper recipe
and its herd effect, and which lock a job actually needs. Every question links the section of
``notebooks/09_locks_and_leases.ipynb`` that runs the answer; claims about Redis, Redlock and
ZooKeeper cite their documentation or Kleppmann's analysis.
"""

from __future__ import annotations

from dsworkbook.interview.questions import Question

__all__ = ["QUESTIONS"]

_NB = "notebooks/09_locks_and_leases.ipynb#"
_KLEPPMANN = 'Kleppmann, "How to do distributed locking", 2016 (martin.kleppmann.com)'
_REDIS = 'Redis documentation, "Distributed Locks with Redis" (redis.io)'
_ZK_GUIDE = "ZooKeeper Programmer's Guide, https://zookeeper.apache.org/doc/current/zookeeperProgrammers.html"
_ZK_RECIPES = 'ZooKeeper Recipes and Solutions, "Locks", https://zookeeper.apache.org/doc/current/recipes.html'

QUESTIONS = [
    Question(
        id="T09-pause-safe",
        theme="T09",
        kind="choice",
        prompt=(
            "A worker takes a Redis lock (SET key value NX PX 30000), reads a record from storage, computes, "
            "and writes the record back. It can be stopped by a garbage-collection pause longer than 30 s. "
            "Which measures keep the storage from accepting a stale write? Choose all that apply."
        ),
        choices={
            "a": "Renew the lock from a background thread every 10 s.",
            "b": "Check that the lock is still held just before the write.",
            "c": "Take the lock with Redlock on five independent Redis servers instead of one.",
            "d": "Issue a fencing token with every grant from a consensus-backed counter, and have the storage reject any token lower than the highest it has seen.",
            "e": "Make the write a conditional write on the record's version (compare-and-set) in the storage itself.",
        },
        answer=("d", "e"),
        reasons={
            "a": "A pause can always fall after the last check on the client, so only the storage, which sees every write in order, can reject the late one - by something that only grows.",
            "b": "A renewal thread keeps the lease alive for as long as the process is alive.",
            "c": "A majority of independent servers cannot all expire the key at the same moment.",
            "d": "A TTL longer than any realistic GC pause makes the lease outlive the pause.",
        },
        reason="a",
        rubric=(
            "any lock with an expiry can expire while the holder is paused",
            "a check before the write does not help: the pause can fall between check and write",
            "a renewal thread is frozen by a stop-the-world pause too",
            "fencing token checked by the storage, or the storage's own conditional write",
        ),
        reference=(
            "Only d and e protect the data. Any lease can expire while its holder is stopped, and the holder "
            "wakes up believing it still holds the lock; a check just before the write cannot help because "
            "the pause can fall right after the check, and a renewal thread is frozen along with the rest of "
            "the process. Redlock changes where the lock lives, not the fact that it expires. A fencing token "
            "that grows with every grant, checked by the storage, or the storage's own compare-and-set on a "
            "version, rejects the late write wherever the pause falls. Notebook 09 runs the pause, a clock "
            "jump and a delayed packet: with fencing two clients still believed they held the lock, but the "
            "storage refused the stale write every time."
        ),
        links=(_NB + "Break it: the three golden failures (L03)", _NB + "Fencing tokens (L03)"),
        sources=(_KLEPPMANN, _REDIS),
    ),
    Question(
        id="T09-token-source",
        theme="T09",
        kind="choice",
        prompt=(
            "Your storage checks fencing tokens. Which of these are sound sources of the tokens? Choose all "
            "that apply."
        ),
        choices={
            "a": "INCR on a Redis primary that replicates asynchronously to a replica",
            "b": "The random value Redlock sets on the servers when it acquires the lock",
            "c": "A counter in etcd, ZooKeeper or another Raft group, incremented and committed before the token is handed out",
            "d": "The czxid of the ZooKeeper znode that represents the lock",
            "e": "The lock holder's wall-clock time in milliseconds at acquisition",
        },
        answer=("c", "d"),
        reasons={
            "a": "A token only has to be unique, so that the storage can tell two holders apart.",
            "b": "A token must never repeat or go backwards, even across a crash or a failover, so it must come from a counter that a majority has committed before it is issued.",
            "c": "A token must be cheap to obtain, so it should come from the fastest store at hand.",
            "d": "Timestamps from NTP-synchronised clocks increase, so they order the grants.",
        },
        reason="b",
        rubric=(
            "the token must be monotonic across crashes and failovers, not merely unique",
            "consensus-replicated counter (etcd, ZooKeeper, Raft) or ZooKeeper's czxid qualifies",
            "async-replicated INCR can reissue a token after a failover",
            "Redlock's random values are unique but not ordered",
        ),
        reference=(
            "Sources c and d. A fencing token is useful only if the storage can order the grants, so it must "
            "never repeat or decrease, including after the issuer crashes or fails over. A counter committed by "
            "a majority in a consensus system keeps that property, because a new leader has every committed "
            "increment, and a ZooKeeper znode's czxid is the zxid of the transaction that created it, totally "
            "ordered by ZooKeeper's atomic broadcast. INCR on an asynchronously replicated Redis can lose the "
            "last increments in a failover and hand out a token twice, and Redlock's random value is unique "
            "but carries no order, which is one of Kleppmann's two main objections to it. Wall clocks can step "
            "backwards. Notebook 09 draws its fenced tokens from a three-server Raft group and crashes one of "
            "those servers on every seed of the locks campaign."
        ),
        links=(_NB + "Fencing tokens (L03)", _NB + "The `locks` campaign: fenced against unfenced, on many seeds"),
        sources=(
            _KLEPPMANN,
            _ZK_GUIDE + ' ("ZooKeeper Stat Structure")',
            'Hunt, Konar, Junqueira and Reed, "ZooKeeper: Wait-free coordination for Internet-scale systems", USENIX ATC 2010',
        ),
    ),
    Question(
        id="T09-redlock-validity",
        theme="T09",
        kind="choice",
        prompt=(
            "A Redlock client asks five independent Redis servers for a lock with a TTL of 10,000 ms, using "
            "the reference implementation's drift allowance of 0.01 x TTL + 2 ms. Three servers grant it, and "
            "the whole round took 50 ms. What does the client hold?"
        ),
        choices={
            "a": "The lock, usable for 9,848 ms",
            "b": "The lock, usable for 10,000 ms",
            "c": "The lock, usable for 9,950 ms",
            "d": "Nothing: it must release everywhere and retry, because 3 of 5 is not enough",
        },
        answer=("a",),
        reasons={
            "a": "The TTL starts when the client receives the grant, so the full TTL is usable.",
            "b": "A majority of N servers is N // 2 + 1 = 3, and the lock is usable only for what is left of the TTL after the time spent acquiring and the drift allowance: 10,000 - 50 - 102.",
            "c": "Clock drift matters only when a server's clock jumps, which Redlock detects.",
            "d": "Redlock needs more than half of N + 1 servers to be safe when one server restarts.",
        },
        reason="b",
        rubric=(
            "majority of 5 is 3, so the lock is acquired",
            "validity = ttl - elapsed - drift = 10,000 - 50 - 102 = 9,848 ms",
            "the keys started expiring when the servers set them, not when the client heard back",
            "on failure, release on all servers and retry after a random delay",
        ),
        reference=(
            "It holds the lock for 9,848 ms. Three of five is a majority (N // 2 + 1), so the acquisition "
            "succeeded. The keys began to expire when each server set them, so the time spent acquiring is "
            "already gone, and clocks may run slightly fast, so the reference implementation subtracts "
            "0.01 x 10,000 + 2 = 102 ms more: 10,000 - 50 - 102 = 9,848. Had the result been zero or less, or "
            "fewer than three grants, the client would release on all five servers and retry after a random "
            "delay. Notebook 09 computes this table with the same function its simulated client and its "
            "real-Redis client use. The arithmetic is only as good as Redlock's timing assumptions, which the "
            "break-it section of that notebook violates."
        ),
        links=(_NB + "Redlock and its validity arithmetic (L02)",),
        sources=(_REDIS + ' ("The Redlock Algorithm")',),
    ),
    Question(
        id="T09-zk-lock-herd",
        theme="T09",
        kind="open",
        prompt=(
            "Design a distributed lock on ZooKeeper for a few hundred workers. Why does each waiter watch only "
            "its predecessor, and what does the lock still not protect you from?"
        ),
        rubric=(
            "create an ephemeral sequential znode under the lock's parent; the lowest sequence number holds the lock",
            "each waiter watches only the znode just before its own; on the event it lists the children again",
            "watching the parent wakes every waiter on each release (herd): O(N) per release, O(N^2) in all",
            "ephemeral: a crashed holder's session expires and its znode is deleted",
            "the session is a lease: a paused holder can act after expiry, so fence with the znode's czxid",
        ),
        reference=(
            "Each worker creates an ephemeral sequential znode under the lock's parent, lists the children, and "
            "holds the lock if its number is the lowest. Otherwise it sets a watch on the znode just before its "
            "own and, when that watch fires, lists the children again, because the predecessor may have left "
            "only because its own session died while it was still waiting. Release is deleting your znode, and "
            "because each release changes only one watched znode it wakes one worker; if every waiter watched "
            "the parent, each release would wake all of them and they would all list the children at once. "
            "Notebook 09 counts it: at most one notification per release against a total that grows with the "
            "square of the queue. The ephemeral flag frees the lock when a holder crashes, but the session is "
            "a lease, so a holder paused past its session timeout still acts on a lock it lost; the fix is to "
            "use the lock znode's czxid as a fencing token checked by the storage."
        ),
        links=(_NB + "The ZooKeeper lock recipe and the herd effect (L04)", _NB + "Fencing tokens (L03)"),
        sources=(
            _ZK_RECIPES,
            _ZK_GUIDE,
            'Hunt, Konar, Junqueira and Reed, "ZooKeeper: Wait-free coordination for Internet-scale systems", USENIX ATC 2010',
        ),
    ),
    Question(
        id="T09-efficiency-or-correctness",
        theme="T09",
        kind="open",
        prompt=(
            "One team wants a distributed lock so that a nightly report job does not run twice; another wants "
            "one around updates to a payments ledger. Should they use the same lock? Justify your choice."
        ),
        rubric=(
            "distinguish a lock for efficiency (duplicate work harmless) from one for correctness (duplicate writes corrupt data)",
            "efficiency: a single Redis SET NX PX with an owner-checked release is enough",
            "correctness: fencing tokens checked by the ledger's storage, or its own conditional writes, with the lock in a consensus system",
            "Redlock adds tolerance of failed Redis servers but still rests on timing and has no tokens",
            "release must delete only your own key (compare the value)",
        ),
        reference=(
            "No: the two locks protect different things. For the report job the lock is about efficiency, since "
            "a rare second run wastes work but harms nothing, so a single Redis SET with NX and PX, released by a "
            "script that deletes the key only if it still holds your random value, is enough. For the ledger the "
            "lock is about correctness, and no lease can guarantee it, because a paused holder, a jumped clock "
            "or a delayed packet lets two writers act at once. The ledger's storage has to enforce the order: "
            "fencing tokens from a consensus system such as etcd or ZooKeeper, or the database's own conditional "
            "writes and transactions. Redlock sits in between: it survives failed Redis servers but its safety "
            "still assumes bounded pauses, delays and drift, and it issues no tokens. Notebook 09 shows all "
            "three failures breaking an unfenced lock and the fenced one keeping the data safe."
        ),
        links=(
            _NB + "The idea: a lock with an expiry (L01)",
            _NB + "Fencing tokens (L03)",
            _NB + "What interviewers ask",
        ),
        sources=(_KLEPPMANN, _REDIS, 'Sanfilippo, "Is Redlock safe?", 2016 (antirez.com)'),
    ),
    Question(
        id="T09-deadlock",
        theme="T09",
        kind="choice",
        prompt=(
            "Money transfers each lock two account records on different lock servers: T1 pays A to B and locks "
            "A then B; T2 pays B to A and locks B then A. Which approaches keep such transfers from waiting "
            "forever? Choose all that apply."
        ),
        choices={
            "a": "Every transfer locks its accounts in one global order, for example by sorted account id",
            "b": "Build the wait-for graph, and when it has a cycle abort one transfer on it",
            "c": "On a timeout, give up the locks already held and retry after a random delay",
            "d": "When the second lock is busy, keep the first and retry the second at once in a loop",
            "e": "Put the two lock servers in different availability zones",
        },
        answer=("a", "b", "c"),
        reasons={
            "a": "A deadlock needs a slow network; faster retries let one transfer through before the other arrives.",
            "b": "A deadlock is a cycle in the wait-for graph (circular wait, one of its four necessary conditions): a global order makes a cycle impossible, detection breaks one, and a timeout breaks one by giving up a held lock.",
            "c": "Deadlock needs every lock on one server, so spreading locks over servers avoids it.",
        },
        reason="b",
        rubric=(
            "deadlock = a cycle in the wait-for graph; circular wait is one of the four conditions",
            "ordered locking prevents it: no cycle can form",
            "detection plus aborting a victim, or timeouts that release held locks, resolve it",
            "retrying while holding the first lock keeps the hold-and-wait",
        ),
        reference=(
            "Approaches a, b and c. T1 holds A and waits for B while T2 holds B and waits for A, a cycle in the "
            "wait-for graph; Coffman, Elphick and Shoshani's four conditions must all hold for a deadlock, and "
            "each fix removes one. Locking in a global order removes circular wait: each transfer only ever waits "
            "for a larger id than any it holds, and ids cannot grow all the way round a cycle. Detection builds the graph "
            "and aborts a victim on a cycle, and a timeout that releases held locks breaks the hold-and-wait, at "
            "the risk of repeated collisions that the random delay damps. Spinning on the second lock while "
            "keeping the first is still a deadlock, only a busier one. Notebook 09 interleaves the two transfers "
            "lock by lock, draws the cycle, and counts random interleavings that deadlock with and without the "
            "order."
        ),
        links=(_NB + "Deadlock and ordered locking (L06)",),
        sources=('Coffman, Elphick and Shoshani, "System Deadlocks", ACM Computing Surveys, 1971',),
    ),
]
