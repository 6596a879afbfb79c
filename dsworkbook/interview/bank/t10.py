"""Trade-off questions for T10, coordination and leader election (notebook 10).

Interviewers probe what a coordination service gives (sessions, ephemeral znodes, one-shot
watches), how to elect a leader with and without one, and the trade-off every timeout inherits:
detection time against false suspicions. Every question links the section of
``notebooks/10_coordination.ipynb`` that shows the answer; claims about ZooKeeper cite its
documentation or Hunt et al., and the algorithms cite their papers.
"""

from __future__ import annotations

from dsworkbook.interview.questions import Question

__all__ = ["QUESTIONS"]

_NB = "notebooks/10_coordination.ipynb#"
_ZK_GUIDE = "ZooKeeper Programmer's Guide, https://zookeeper.apache.org/doc/current/zookeeperProgrammers.html"
_ZK_RECIPES = "ZooKeeper Recipes and Solutions, https://zookeeper.apache.org/doc/current/recipes.html"
_HUNT = 'Hunt, Konar, Junqueira and Reed, "ZooKeeper: Wait-free coordination for Internet-scale systems", USENIX ATC 2010'

QUESTIONS = [
    Question(
        id="T10-one-shot-watch",
        theme="T10",
        kind="choice",
        prompt=(
            "A service reads its configuration from a ZooKeeper znode with getData and a standard watch. An "
            "operator then changes the znode three times in a row, all before the service's re-read reaches "
            "the server. What does the service observe?"
        ),
        choices={
            "a": "Three watch events, in order, each carrying the new value",
            "b": "One watch event; when it re-reads with a new watch it gets the current value, and it may never see the intermediate ones",
            "c": "Nothing until its session reconnects, because watches are delivered only on reconnection",
            "d": "Three watch events, but the data must be re-read for each because events carry no data",
        },
        answer=("b",),
        reasons={
            "a": "ZooKeeper queues every change for each watcher in zxid order, so a watcher never misses one.",
            "b": "A standard watch stays registered until the session ends and fires on every change.",
            "c": "A standard watch is a one-time trigger that says only that something changed; the client reads the current state when it re-arms, so it converges on the latest value, not on every value.",
            "d": "Watch events are sent only when the client polls with exists().",
        },
        reason="c",
        rubric=(
            "a standard watch fires once and is removed",
            "the event says that something changed, not the new value",
            "re-read with a new watch; intermediate values can be missed, the latest is always seen",
            "needing every change calls for a log, not watches",
        ),
        reference=(
            "One event, then the latest value. A standard ZooKeeper watch is a one-time trigger: the first "
            "change fires it and removes it, and the event says only that the znode changed. The service must "
            "read again with a new watch, and whatever happened between the event and that read is collapsed "
            "into the current value. That is what configuration, membership and election need, and it keeps "
            "the server's work per change bounded; a client that needs every change needs a log instead. "
            "Notebook 10 shows a reader whose watch fired for the first of two writes only, and a lazy reader "
            "that never re-arms and hears nothing after the first change. Since ZooKeeper 3.6 persistent "
            "watches (addWatch) also exist, but they still carry no data."
        ),
        links=(
            _NB + "1.1 Sessions and one-shot watches, on the simulator",
            _NB + "2.1 Configuration with watches",
        ),
        sources=(_ZK_GUIDE + ' ("ZooKeeper Watches")', _HUNT),
    ),
    Question(
        id="T10-bully-partition",
        theme="T10",
        kind="choice",
        prompt=(
            "Five members b1..b5 elect a coordinator with the bully algorithm (highest id wins). A partition "
            "splits them into {b1, b2, b3} and {b4, b5} for a while. What happens during the partition?"
        ),
        choices={
            "a": "b5 stays the only coordinator; the minority side waits without one",
            "b": "b3 becomes coordinator of its side while b5 stays coordinator of the other: two coordinators",
            "c": "b3 becomes the only coordinator, because its side holds a majority",
            "d": "No side has a coordinator until the partition heals",
        },
        answer=("b",),
        reasons={
            "a": "The Coordinator announcement must be acknowledged by a majority before it takes effect.",
            "b": "The highest id in the cluster always wins, wherever the partition falls.",
            "c": "Bully uses timeouts as its failure detector, and a timeout cannot tell an unreachable member from a crashed one, so each side elects its highest reachable member.",
            "d": "Members stop electing when they detect that a partition exists.",
        },
        reason="c",
        rubric=(
            "each side elects its highest reachable member: two coordinators",
            "bully assumes a synchronous system in which a timeout means a crash",
            "it has no majority rule, so nothing prevents split brain",
            "after the heal the highest member bullies the other back; use a majority or fencing when a double coordinator is harmful",
        ),
        reference=(
            "Two coordinators, b3 and b5. The bully algorithm treats a member that does not answer within a "
            "timeout as crashed, and from b3's side b4 and b5 look exactly like crashed members, so b3 wins the "
            "election on its side while b5 remains coordinator on the other. Nothing in the algorithm asks for "
            "a majority, which is why it assumes a synchronous system whose timeouts are a perfect failure "
            "detector. Notebook 10 runs this partition and prints both coordinators; when the network heals, b5 "
            "bullies b3 back into line. Where a double coordinator would do harm, use a majority vote (Raft, or "
            "a coordination service) or fence what the coordinator writes."
        ),
        links=(_NB + "5.1 The bully algorithm", _NB + "5.3 Raft's election, for comparison"),
        sources=('Garcia-Molina, "Elections in a distributed computing system", IEEE Transactions on Computers, 1982',),
    ),
    Question(
        id="T10-lease-election",
        theme="T10",
        kind="choice",
        prompt=(
            "A leader holds a 10 s lease from a lease store and renews it while it leads. Which practices make "
            "this election safe against clock drift and pauses? Choose all that apply."
        ),
        choices={
            "a": "Renew early, around half the lease, rather than near its end",
            "b": "Time the lease from when the request was sent and stop acting a margin (at least the bounded drift) before it ends on the leader's own clock",
            "c": "Fence what the leader writes with a token that grows with every grant",
            "d": "Renew at 90% of the lease to cut the load on the store",
            "e": "Time the lease from when the grant arrives, since that is when the leader learns of it",
        },
        answer=("a", "b", "c"),
        reasons={
            "a": "A lease granted by a consensus-backed store is safe however the holder's clock behaves.",
            "b": "Holder and store time the same lease on two clocks and the holder can pause, so renew early, keep a drift margin, and fence what no margin covers.",
            "c": "Frequent renewal is all a lease needs: a live leader never loses it.",
            "d": "Network delay lengthens the lease, so timing it from the arrival of the grant is conservative.",
        },
        reason="b",
        rubric=(
            "the store and the holder measure the lease on different clocks",
            "time from the send, stop at start + lease x (1 - drift bound)",
            "renew early so one late renewal does not lose the lease",
            "no margin covers an unbounded pause: fence the writes",
        ),
        reference=(
            "Practices a, b and c. The store and the leader time one lease on two clocks, so the leader must "
            "assume its clock may run slow and stop acting a margin before the lease ends, and it must start "
            "timing when it sent the request, because network delay only shortens what is left of the lease. "
            "Renewing around half the lease leaves room for a late or lost renewal; renewing at 90% leaves "
            "almost none. Notebook 10 sums the time two candidates believed they led: the naive rule overlaps "
            "once clocks drift and renewals come late, while the safe rule with a 0.1 drift bound never did "
            "in its runs. A pause longer than the margin still lets a deposed leader act late, which is why its "
            "writes need a fencing token."
        ),
        links=(_NB + "5.2 Lease-based election",),
        sources=(
            'Gray and Cheriton, "Leases: An Efficient Fault-Tolerant Mechanism for Distributed File Cache Consistency", SOSP 1989',
            'Kleppmann, "How to do distributed locking", 2016 (martin.kleppmann.com)',
        ),
    ),
    Question(
        id="T10-heartbeat-timeout",
        theme="T10",
        kind="choice",
        prompt=(
            "A monitor suspects a peer when 200 ms pass without one of its heartbeats, sent every 100 ms. "
            "The network's delays grow, though nothing crashes. Which statements are true? Choose all that apply."
        ),
        choices={
            "a": "False suspicions of the live peer become more frequent",
            "b": "Raising the timeout cuts false suspicions and delays the detection of a real crash by about as much",
            "c": "A phi accrual detector removes the trade-off between detection time and false suspicions",
            "d": "A timeout of twice the median one-way delay is safe on any network",
        },
        answer=("a", "b"),
        reasons={
            "a": "Heartbeats arrive in order, so a late one can only mean the sender crashed.",
            "b": "In an asynchronous network a slow heartbeat and a dead sender look alike for a while, so every detector trades detection time against false suspicions, and the right setting depends on the tail of the delay, not its median.",
            "c": "Phi accrual computes the probability that the peer failed, so it is never wrong above its threshold.",
            "d": "False suspicions depend on the median delay only, so a timeout scaled to the median fixes them.",
        },
        reason="b",
        rubric=(
            "a fixed timeout is tuned for one network: slower delays mean false suspicions",
            "longer timeout: fewer false suspicions, slower detection",
            "set it from the delay's tail; phi accrual adapts but still trades",
            "make the action on suspicion cheap and safe (suspect, then confirm)",
        ),
        reference=(
            "Statements a and b. The monitor cannot tell a delayed heartbeat from a missing one, so as delays "
            "grow it suspects a peer that is alive, and each false suspicion can cost a needless election or "
            "failover. Raising the timeout trades those false suspicions for slower detection of real crashes, "
            "and the value that works depends on the tail of the delay distribution. Phi accrual outputs a "
            "suspicion level from recent inter-arrival times, so its effective timeout grows when the network "
            "slows, but it moves along the same trade-off rather than escaping it. Notebook 10 measures false "
            "suspicions per minute for a fixed 200 ms timeout as the median delay grows, and compares it with "
            "phi accrual through a calm period, a storm and a crash."
        ),
        links=(
            _NB + "6.1 A fixed timeout and its false suspicions",
            _NB + "6.2 Phi accrual against a fixed timeout",
        ),
        sources=('Hayashibara, Défago, Yared and Katayama, "The φ accrual failure detector", SRDS 2004',),
    ),
    Question(
        id="T10-elect-a-scheduler",
        theme="T10",
        kind="open",
        prompt=(
            "Twenty workers run a job scheduler, and exactly one of them should schedule at a time. How would "
            "you elect it, and what can still go wrong?"
        ),
        rubric=(
            "do not write your own: use a coordination service (ZooKeeper, etcd) or a consensus library",
            "ZooKeeper recipe: ephemeral sequential znodes, lowest leads, each watches its predecessor",
            "leadership lasts as long as the session: a crashed leader's znode disappears and exactly one candidate wakes",
            "a paused leader can act after its session expired: fence its writes (czxid, Chubby's sequencers)",
            "majority-based election gives one leader per term; bully or timeouts alone can split",
        ),
        reference=(
            "Use a coordination service rather than a home-made protocol. With ZooKeeper each worker creates an "
            "ephemeral sequential znode under /election, the lowest number leads, and every other worker "
            "watches only the znode just before its own, re-listing the children when the watch fires. The "
            "leader keeps the role as long as its session lives; if it crashes, its znode is deleted and exactly "
            "one successor wakes, and the service itself is replicated by majority, so a partition cannot elect "
            "two leaders through it. What it does not prevent is a leader that paused past its session timeout "
            "and keeps scheduling, so whatever the scheduler writes must check a fencing token such as the "
            "znode's czxid. Notebook 10 runs the recipe through a leader crash and counts the herd that watching "
            "the parent would cause; notebook 09 shows the pause and the fence."
        ),
        links=(
            _NB + "2.3 Leader election with ephemeral sequential znodes",
            _NB + "What interviewers ask",
            "notebooks/09_locks_and_leases.ipynb#Fencing tokens (L03)",
        ),
        sources=(
            _ZK_RECIPES + ' ("Leader Election")',
            _HUNT,
            'Burrows, "The Chubby lock service for loosely-coupled distributed systems", OSDI 2006',
        ),
    ),
    Question(
        id="T10-membership-at-scale",
        theme="T10",
        kind="open",
        prompt=(
            "How would you track which of 5,000 nodes are alive, so that every node learns of a crash or a "
            "join within seconds?"
        ),
        rubric=(
            "all-to-all heartbeats cost n^2 messages; a central monitor is a bottleneck and a single point of failure",
            "SWIM: each member probes one member per protocol period, with k indirect probes before suspecting",
            "a suspect state that the member itself can refute with a higher incarnation number",
            "updates piggybacked on probes spread like an epidemic: O(log n) periods, constant load per member",
        ),
        reference=(
            "Not with all-to-all heartbeats, which cost n squared messages, nor with one central monitor. SWIM "
            "separates detection from dissemination. Each protocol period every member pings one member; if no "
            "ack arrives it asks k others to ping the target indirectly, and only then marks it suspect, a state "
            "the member itself can refute with a higher incarnation number, so a slow link does not evict a live "
            "node. Membership changes ride on the pings and acks that flow anyway, so they spread like an "
            "epidemic in a number of periods that grows with log n, at constant load per member. Notebook 10 "
            "measures it: going from 8 to 64 members cost a join only about two more protocol periods to reach "
            "everyone, and a crash takes longer because it must first be detected."
        ),
        links=(_NB + "6.4 Gossip: SWIM-style membership",),
        sources=(
            'Das, Gupta and Motivala, "SWIM: Scalable Weakly-consistent Infection-style Process Group Membership Protocol", DSN 2002',
        ),
    ),
]
