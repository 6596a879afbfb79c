"""Trade-off questions for theme T02: CAP and quorums.

Theory of operation
-------------------
What senior interviewers ask about replicated stores under partitions: what CAP does and does not
say, majority arithmetic, tunable N/R/W and what R + W > N really buys, Aurora's quorums, PACELC,
how real products (ZooKeeper, DynamoDB, Cassandra) sit between the columns, and how replicas catch
up. The rules the bank keeps (checked by :func:`dsworkbook.interview.questions.bank` and the bank's
tests): ``choice`` questions have one or more right choices and exactly one right reason, with wrong
options taken from common mistakes; every link names a real heading of
``notebooks/02_cap_and_quorums.ipynb`` (or another theme's notebook); every claim about a paper or
a product is cited in ``sources``.
"""

from __future__ import annotations

from dsworkbook.interview.questions import Question

__all__ = ["QUESTIONS"]

_NB = "notebooks/02_cap_and_quorums.ipynb#"

QUESTIONS = [
    Question(
        id="T02-cap-says",
        theme="T02",
        kind="choice",
        prompt="Which statements about the CAP theorem are right?",
        choices={
            "a": "Partition tolerance is optional: a system in one data centre can choose CA.",
            "b": "During a partition, a replica cut off from the others must either refuse some requests or risk answering with stale data.",
            "c": "A CP system is unavailable most of the time, even when the network is healthy.",
            "d": "The C of CAP is the C of ACID: transactions keep the database's invariants.",
            "e": "When there is no partition, nothing in CAP stops a store from being both linearizable and answering every request.",
        },
        answer=("b", "e"),
        reasons={
            "a": "A distributed system can pick any two of consistency, availability and partition tolerance at all times.",
            "b": "In Gilbert and Lynch's proof a replica on one side of a partition cannot learn of a write accepted on the other side, so it must answer without it (not consistent) or not answer (not available); the theorem says nothing about runs without a partition.",
            "c": "CAP's consistency means the database never violates its constraints, so CP systems must reject writes.",
        },
        reason="b",
        rubric=(
            "Partitions are not optional; the choice is what to give up while one lasts.",
            "C is linearizability (one copy, real time), A is a non-error answer from every live replica.",
            "Without a partition both are possible; the price then is latency (PACELC).",
        ),
        reference=(
            "CAP (Brewer 2000, proved by Gilbert and Lynch 2002) says that while the network is "
            "partitioned a replicated store cannot be both linearizable and have every live replica "
            "answer every request. Partitions happen whatever one chooses, so 'CA' is not an option "
            "for a distributed store: the real choice is to refuse on the minority side (CP) or answer "
            "possibly stale (AP) while the partition lasts. Section 3 of notebook 02 runs the CP and AP "
            "stores under the same partition and seed: the CP store refuses the cut-off client and stays "
            "linearizable, the AP store answers everyone and is not. Without a partition CAP imposes "
            "nothing; the cost of consistency then is latency, which PACELC names. CAP's C is "
            "linearizability, not ACID's consistency."
        ),
        links=(_NB + "The idea", _NB + "Break it: a partition"),
        sources=(
            "Gilbert and Lynch 2002, Brewer's Conjecture and the Feasibility of Consistent, Available, Partition-Tolerant Web Services, SIGACT News",
            "Brewer, Towards Robust Distributed Systems, PODC keynote, 2000",
        ),
    ),
    Question(
        id="T02-even-cluster",
        theme="T02",
        kind="choice",
        prompt=(
            "You run a majority-quorum store on 6 replicas instead of 5, spread evenly over two data "
            "centres. Which statements are right?"
        ),
        choices={
            "a": "Six replicas tolerate three failures, one more than five.",
            "b": "Six replicas tolerate two failures, the same as five.",
            "c": "If the link between the data centres fails, both sides (3 and 3) can keep accepting writes.",
            "d": "If the link between the data centres fails, neither side can accept writes.",
            "e": "A quorum of 6 is 3, so reads get cheaper.",
        },
        answer=("b", "d"),
        reasons={
            "a": "Half of the replicas suffice, because ties between the two halves are broken by replica id.",
            "b": "A quorum is ceil(n/2), so an even cluster gains one failure of tolerance.",
            "c": "A quorum is a majority, floor(n/2) + 1, so that any two quorums share a replica; 6 needs 4, leaving 2 that may fail, and a 3 | 3 split leaves no side with 4.",
        },
        reason="c",
        rubric=(
            "Majority = floor(n/2) + 1; it tolerates n - majority failures.",
            "An even size adds a replica to every quorum without adding tolerance.",
            "An even split leaves no majority anywhere: the whole store refuses writes.",
        ),
        reference=(
            "A majority of 6 is 4, so six replicas survive two failures - exactly as five do - while every "
            "write now waits for one more acknowledgement. Any two majorities share a replica, which is "
            "what stops two sides of a partition from both accepting writes; with two data centres of "
            "three each, a cut between them leaves neither side a majority and the whole store refuses "
            "writes. That is why consensus clusters are sized 3, 5 or 7, and a third site (even a small "
            "one) is worth more than a sixth replica. Notebook 02's CP store refuses on the side without a "
            "majority in its partition experiment, and its exercise fixes the source notes' quorum "
            "arithmetic."
        ),
        links=(_NB + "Run it: the CP store (Q01)", _NB + "Break it: a partition"),
        sources=(
            "etcd FAQ, 'Why an odd number of cluster members?' (https://etcd.io/docs/v3.5/faq/)",
        ),
    ),
    Question(
        id="T02-cassandra-one-quorum",
        theme="T02",
        kind="choice",
        prompt=(
            "A Cassandra keyspace has replication factor 3. Profile updates are written at consistency "
            "level ONE and read at QUORUM. A user saves a new avatar and reloads the page. Which "
            "statements are right?"
        ),
        choices={
            "a": "The reload always shows the new avatar, because QUORUM reads are strongly consistent.",
            "b": "The reload can show the old avatar: R + W = 2 + 1 = 3 is not greater than N = 3.",
            "c": "Writing at QUORUM as well would make every read quorum share a replica with the last write quorum.",
            "d": "With writes and reads at QUORUM the store is linearizable under every failure.",
            "e": "Writing at ALL would make the store more available for writes.",
        },
        answer=("b", "c"),
        reasons={
            "a": "Any R replicas and any W replicas out of N share at least R + W - N of them; with 2 + 1 - 3 = 0 the read can hear only replicas that have not received the write.",
            "b": "A QUORUM read contacts every replica and returns the newest value it finds.",
            "c": "The coordinator of a read always forwards it to the replica that took the last write.",
        },
        reason="a",
        rubric=(
            "Overlap = R + W - N; it must be at least 1 for the read to meet the write.",
            "ONE/QUORUM with RF 3 gives no overlap; QUORUM/QUORUM does.",
            "Overlap is necessary, not sufficient, for reading the latest write (clocks, sloppy quorums, write-back).",
        ),
        reference=(
            "With replication factor 3, a write at ONE waits for one replica and a read at QUORUM asks two; "
            "one plus two is three, not more than three, so the read can ask exactly the two replicas the "
            "write has not reached yet. Writing at QUORUM too gives 2 + 2 > 3: every read quorum then "
            "shares a replica with every write quorum. Notebook 02's worst_case experiment plays that "
            "adversary for several settings, and the stale-read table measures how often it happens on an "
            "ordinary network - rarely, which is why it surprises people in production. Overlap is not "
            "linearizability, though: last-write-wins under clock skew and reads without write-back can "
            "still go wrong. Writing at ALL makes writes less available, not more: one replica down blocks "
            "them."
        ),
        links=(_NB + "Tunable consistency: N, R, W (Q03)",),
        sources=(
            "Apache Cassandra documentation, 'Tunable consistency' (consistency levels ONE, QUORUM, ALL)",
            "DeCandia et al., Dynamo: Amazon's Highly Available Key-value Store, SOSP 2007, §4.5",
        ),
    ),
    Question(
        id="T02-overlap-not-enough",
        theme="T02",
        kind="choice",
        prompt=(
            "A Dynamo-style store uses N = 3, R = 2, W = 2. Which of these can still make a read miss "
            "the last acknowledged write?"
        ),
        choices={
            "a": "A sloppy quorum: during a failure, stand-ins outside the key's three replicas acknowledge the write.",
            "b": "Last-write-wins timestamps from a writer whose clock runs behind the previous writer's.",
            "c": "One of the acknowledging replicas lost its disk and was restored from a day-old backup.",
            "d": "The read quorum is picked at random instead of from the closest replicas.",
            "e": "Raising the cluster to N = 5, R = 3, W = 3.",
        },
        answer=("a", "b", "c"),
        reasons={
            "a": "R + W > N is a probabilistic guarantee, so a small share of reads is always stale.",
            "b": "R + W > N only guarantees that the read hears a replica that acknowledged the write; the read returns it only if the quorums are strict, that replica still holds what it acknowledged, and its version wins the comparison.",
            "c": "The guarantee holds only when the reads go to the replicas nearest the writer.",
        },
        reason="b",
        rubric=(
            "Overlap guarantees a shared replica, nothing more.",
            "Sloppy quorums, lost or rolled-back replicas and LWW under clock skew break it.",
            "Even with all of that right, no read write-back means two reads can disagree (not linearizable).",
        ),
        reference=(
            "R + W > N means every read quorum shares at least one replica with every write quorum, "
            "whichever replicas are picked - so random choice and a bigger N with the same inequality "
            "change nothing. The shared replica makes the read return the write only under three "
            "conditions, and each listed fault breaks one. A sloppy quorum lets stand-ins outside the key's "
            "N replicas acknowledge, so a strict read quorum can miss all of them (Dynamo §4.6). A replica "
            "restored from an old backup no longer holds what it acknowledged. Under last-write-wins, a "
            "write stamped by a clock that runs behind loses to the older write it replaced. Section 5 of "
            "notebook 02 lists these conditions, and its anomaly zoo reproduces the write lost to clock "
            "skew."
        ),
        links=(_NB + "Tunable consistency: N, R, W (Q03)", _NB + "The anomaly zoo"),
        sources=("DeCandia et al., Dynamo: Amazon's Highly Available Key-value Store, SOSP 2007, §4.5 and §4.6",),
    ),
    Question(
        id="T02-aurora-quorums",
        theme="T02",
        kind="choice",
        prompt=(
            "Amazon Aurora stores six copies of each data segment, two in each of three availability "
            "zones, with a write quorum of 4 and a read quorum of 3. Which statements are right?"
        ),
        choices={
            "a": "Every read quorum shares a copy with every write quorum, since 3 + 4 > 6.",
            "b": "Two writes cannot both gather quorums on disjoint sets of copies, since 4 + 4 > 6.",
            "c": "After losing a whole availability zone, writes can still gather a quorum.",
            "d": "After losing a whole availability zone and one more copy, writes can still gather a quorum.",
            "e": "The write quorum tolerates the loss of any three copies.",
        },
        answer=("a", "b", "c"),
        reasons={
            "a": "Aurora reads all six copies on every read, so the read quorum only matters for writes.",
            "b": "Each availability zone holds a majority of the copies, so one zone can decide alone.",
            "c": "With two copies per zone, losing a zone leaves 4 copies (a write quorum) and losing a zone plus one copy leaves 3 (a read quorum, enough to repair), while both overlap rules still hold.",
        },
        reason="c",
        rubric=(
            "Vr + Vw > V (reads meet writes) and 2 Vw > V (writes meet writes).",
            "Losing an AZ (2 copies) keeps writes available: 4 remain.",
            "Losing an AZ plus one (3 copies) keeps reads (and so repair) possible, not writes.",
        ),
        reference=(
            "Aurora's paper states two rules: a read quorum must overlap every write quorum (Vr + Vw > V) "
            "and two write quorums must overlap (Vw > V/2); with V = 6, Vw = 4 and Vr = 3 both hold. The "
            "layout is chosen for correlated failures: a whole availability zone (two copies) can fail and "
            "four copies remain, enough to write; a zone plus one more copy can fail and three remain, "
            "enough to read and rebuild the lost copies, but not to write. So d and e are wrong: three "
            "lost copies leave only a read quorum. Section 5 of notebook 02 shows the same overlap "
            "arithmetic with its worst-case adversary."
        ),
        links=(_NB + "Tunable consistency: N, R, W (Q03)",),
        sources=(
            "Verbitski et al., Amazon Aurora: Design Considerations for High Throughput Cloud-Native Relational Databases, SIGMOD 2017, §2.1",
        ),
    ),
    Question(
        id="T02-pacelc",
        theme="T02",
        kind="choice",
        prompt="There is no partition and no failure. Which statements about consistency and latency are right?",
        choices={
            "a": "A quorum write returns at the W-th acknowledgement, so its latency tail follows the tail of the slower replicas it waits for.",
            "b": "A W = 1 write returns as soon as its coordinator has stored it.",
            "c": "With no partition, consistency costs nothing, which is why CAP allows both C and A then.",
            "d": "Abadi classifies Dynamo, Cassandra and Riak (in their default set-ups) as PA/EL.",
            "e": "PACELC says a CP system must be unavailable in normal operation.",
        },
        answer=("a", "b", "d"),
        reasons={
            "a": "Every replica an operation waits for adds its delay, so stronger consistency costs round trips - and their tail - even when nothing is broken.",
            "b": "The L in PACELC is the time a leader election takes after a failure.",
            "c": "Consistency costs throughput, not latency, because replicas work in parallel.",
        },
        reason="a",
        rubric=(
            "PACELC: if Partition, Availability or Consistency; Else, Latency or Consistency.",
            "Waiting for more replicas costs latency, and the tail of the slowest waited-for replica becomes yours.",
            "Examples of the classes (Dynamo/Cassandra/Riak PA/EL in their default configurations).",
        ),
        reference=(
            "PACELC (Abadi 2012) adds the half CAP leaves out: if there is a partition, choose availability "
            "or consistency; else, choose latency or consistency. Each replica an operation must hear from "
            "adds its delay, so the W-th acknowledgement sets a quorum write's latency and the slowest "
            "waited-for replica sets its tail. Section 6 of notebook 02 measures it with no fault at all: an "
            "AP write waits for nobody but its coordinator, a quorum write for its W-th acknowledgement, and "
            "a CP (ABD) write for a majority twice. Abadi puts Dynamo, Cassandra and Riak in their default "
            "configurations in PA/EL: they give up consistency both for availability and for latency."
        ),
        links=(_NB + "PACELC: the price of consistency without a partition (Q04)",),
        sources=(
            "Abadi, Consistency Tradeoffs in Modern Distributed Database System Design, IEEE Computer 2012",
        ),
    ),
    Question(
        id="T02-classify-products",
        theme="T02",
        kind="open",
        prompt=(
            "A colleague's design doc says: 'ZooKeeper is CP, DynamoDB is AP.' Make both statements "
            "precise."
        ),
        rubric=(
            "ZooKeeper writes go through the leader and commit on a quorum (Zab): linearizable writes.",
            "ZooKeeper reads are served by the connected server and can be stale; sync() before a read catches up.",
            "DynamoDB reads are eventually consistent by default; ConsistentRead=true gives a strongly consistent read from the partition's leader replica.",
            "The classification belongs to operations (and their settings), not to products.",
        ),
        reference=(
            "Both statements are true of some operations only. ZooKeeper sends every write through its "
            "leader, which commits it once a quorum has logged it (Zab), so writes are linearizable and a "
            "minority side cannot write; but a read is answered locally by whichever server the client is "
            "connected to and can be stale, unless the client calls sync() first. DynamoDB is not a "
            "Dynamo-style leaderless store: each partition has a leader replica that takes the writes; a "
            "read is eventually consistent by default (any replica, may miss a recent write) and strongly "
            "consistent with ConsistentRead=true, served by the leader. So the honest answer is per "
            "operation: which replica serves it, how many it waits for, and what it does on the minority "
            "side of a partition. Notebook 02's table of CP, AP and tunable stores, and its CAP scorecard, "
            "are built the same way."
        ),
        links=(_NB + "The idea", _NB + "What interviewers ask"),
        sources=(
            "ZooKeeper Programmer's Guide, 'Consistency Guarantees' (https://zookeeper.apache.org/doc/current/zookeeperProgrammers.html#ch_zkGuarantees)",
            "Hunt, Konar, Junqueira and Reed, ZooKeeper: Wait-free coordination for Internet-scale systems, USENIX ATC 2010, §2.3 and §4",
            "Amazon DynamoDB Developer Guide, 'Read consistency' (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.ReadConsistency.html)",
            "Elhemali et al., Amazon DynamoDB: A Scalable, Predictably Performant, and Fully Managed NoSQL Database Service, USENIX ATC 2022, §3",
        ),
    ),
    Question(
        id="T02-catch-up",
        theme="T02",
        kind="open",
        prompt=(
            "In a leaderless replicated store, one replica missed writes while it was cut off. How do the "
            "replicas get back in agreement once the partition heals? Compare the mechanisms."
        ),
        rubric=(
            "Hinted handoff: the coordinator keeps (durable) hints for a replica that did not acknowledge, and replays them.",
            "Read repair: on a read that sees disagreeing replicas, write the newest version back - only keys that are read.",
            "Anti-entropy: background comparison of Merkle trees, exchanging only the differing ranges.",
            "The cost of a Merkle walk grows with the number of differences (about d log B hashes), not with the data size.",
            "Each covers a gap of another: hints can be lost with their coordinator, read repair misses cold keys.",
        ),
        reference=(
            "Three mechanisms, each for a different gap. Hinted handoff: a coordinator that could not reach "
            "a replica keeps a hint and replays the write when it is back (Dynamo §4.6) - fast, but hints "
            "wait on, or die with, their coordinator. Read repair: a read that sees replicas disagree writes "
            "the newest version back to the stale ones - free for hot keys, useless for keys nobody reads. "
            "Anti-entropy: replicas periodically compare Merkle trees of their key ranges, descending only "
            "where hashes differ, and exchange only the differing buckets (Dynamo §4.7). Section 4 of "
            "notebook 02 runs all three on a lagging replica and counts what a Merkle walk sends against "
            "sending every entry."
        ),
        links=(_NB + "The AP store and how it heals (Q02)", _NB + "Anti-entropy with Merkle trees"),
        sources=("DeCandia et al., Dynamo: Amazon's Highly Available Key-value Store, SOSP 2007, §4.6 and §4.7",),
    ),
]
