"""Real systems, mapped: what production stores and queues do, each claim with its source.

Theory of operation
-------------------
:data:`SYSTEMS` holds one :class:`System` per product: its PACELC class, the consensus or
replication protocol, its read modes, what it assumes of clocks, the sources (a paper or the
official documentation, with a URL where there is one) and the workbook section that simulates
the mechanism (a link ``notebooks/NN_name.ipynb#<heading>``, checked against the notebooks by
the tests). :func:`systems_table` is the same as a pandas DataFrame.

The rules this table keeps: every cell says only what its sources say. A PACELC class that the
vendor or Abadi's paper does not state is marked *(derived)* and says from what; where the
sources are silent the cell says so ("not published") instead of guessing. Documentation moves:
each source names the page's title so a reader can find it again.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dsworkbook.interview.links import link

__all__ = ["System", "SYSTEMS", "systems_table", "ABADI_2012"]

ABADI_2012 = ("Abadi, \"Consistency Tradeoffs in Modern Distributed Database System Design: CAP is Only Part "
              "of the Story\", IEEE Computer 45(2), 2012")


@dataclass(frozen=True)
class System:
    """One row of the real-systems table (see the module doc)."""

    system: str
    pacelc: str
    protocol: str
    read_modes: str
    clocks: str
    sources: tuple[str, ...]
    workbook: str


SYSTEMS: tuple[System, ...] = (
    System("DynamoDB (one Region)",
           "EL by default, EC with strongly consistent reads (derived from the read modes)",
           "each partition is a replication group of replicas in different Availability Zones; Multi-Paxos "
           "elects its leader; the leader acknowledges a write once a quorum of replicas has logged it",
           "eventually consistent (the default; may miss a recent write); strongly consistent "
           "(ConsistentRead=true) on tables and local secondary indexes, not on global secondary indexes or streams",
           "not part of the documented guarantees",
           ("Amazon DynamoDB Developer Guide, \"DynamoDB read consistency\", "
            "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.ReadConsistency.html",
            "Elhemali et al., \"Amazon DynamoDB: A Scalable, Predictably Performant, and Fully Managed NoSQL "
            "Database Service\", USENIX ATC 2022"),
           link("02_cap_and_quorums.ipynb", "6 · PACELC: the price of consistency without a partition (Q04)")),
    System("DynamoDB global tables",
           "PA/EL in the default multi-Region eventual consistency mode (MREC); a multi-Region strong "
           "consistency mode (MRSC) exists for tables that cannot accept conflicts",
           "every Regional replica accepts writes and replicates them asynchronously to the others",
           "a read in one Region may not yet see a write made in another (MREC)",
           "MREC resolves concurrent updates of one item by last writer wins on the writes' timestamps; "
           "the losing write is not reported",
           ("AWS Prescriptive Guidance, \"Using DynamoDB global tables\"",
            "Amazon DynamoDB Developer Guide, \"Global tables\" (consistency modes)"),
           link("14_replication_and_regions.ipynb",
                "4 · Multi-leader: the seeds' active-active design and what it loses (G02, G05)")),
    System("Aurora",
           "not stated by AWS; a write needs 4 of 6 storage copies (PC); Aurora Replicas lag the writer (derived)",
           "one writer instance; the storage volume keeps 6 copies of each segment, 2 in each of 3 Availability "
           "Zones; write quorum 4/6, read quorum 3/6 (Vw + Vr > V and Vw > V/2); in normal operation the writer "
           "tracks which copies are current and reads one without a quorum",
           "the writer reads current data; up to 15 Aurora Replicas share the volume and serve reads that lag "
           "the writer; Global Database secondaries replicate asynchronously",
           "not part of the documented guarantees",
           ("Verbitski et al., \"Amazon Aurora: Design Considerations for High Throughput Cloud-Native "
            "Relational Databases\", SIGMOD 2017, section 2.1",
            "Verbitski et al., \"Amazon Aurora: On Avoiding Distributed Consensus for I/Os, Commits, and "
            "Membership Changes\", SIGMOD 2018",
            "Amazon Aurora User Guide, \"Amazon Aurora DB clusters\", "
            "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Overview.html"),
           link("02_cap_and_quorums.ipynb", "5 · Tunable consistency: N, R, W (Q03)")),
    System("S3",
           "not published",
           "not published",
           "strong read-after-write consistency for PUT and DELETE of objects and for LIST, since December 2020; "
           "bucket configurations are eventually consistent; no atomic update across keys",
           "concurrent PUTs of one key: the request with the latest timestamp wins",
           ("Amazon S3 User Guide, \"Amazon S3 data consistency model\"",
            "AWS News Blog, \"Amazon S3 Update - Strong Read-After-Write Consistency\", 1 December 2020, "
            "https://aws.amazon.com/blogs/aws/amazon-s3-update-strong-read-after-write-consistency/"),
           link("03_consistency_models.ipynb", "2 · Linearizability (M02)")),
    System("Spanner",
           "PC/EC for strong reads and writes; stale reads trade freshness for latency (derived)",
           "each split is replicated by a Paxos group with a leader; transactions across groups use two-phase "
           "commit over Paxos groups",
           "strong reads (see every transaction committed before the read started); stale reads at an exact or "
           "bounded staleness, served by any replica that is current enough",
           "TrueTime: now() returns an interval [earliest, latest] with bounded uncertainty; a commit waits until "
           "its timestamp has surely passed (commit wait), giving external consistency",
           ("Corbett et al., \"Spanner: Google's Globally-Distributed Database\", OSDI 2012",
            "Google Cloud Spanner documentation, \"Spanner: TrueTime and external consistency\", "
            "https://cloud.google.com/spanner/docs/true-time-external-consistency"),
           link("04_time_and_clocks.ipynb", "6 · Run it: TrueTime and commit wait (C06)")),
    System("CockroachDB",
           "PC/EC by default; follower reads trade freshness for latency (derived)",
           "each range is replicated by Raft; a leaseholder serves its reads and coordinates its writes; "
           "transactions span ranges",
           "reads at the leaseholder (current); follower reads at a past timestamp (AS OF SYSTEM TIME) from any "
           "replica",
           "hybrid logical clocks; a configured maximum clock offset (default 500 ms) bounds read uncertainty; "
           "skew beyond it can violate single-key linearizability, so nodes run NTP",
           ("Taft et al., \"CockroachDB: The Resilient Geo-Distributed SQL Database\", SIGMOD 2020",
            "CockroachDB documentation, \"Operational FAQs\" (clock synchronization) and \"Follower reads\""),
           link("04_time_and_clocks.ipynb", "5 · Run it: hybrid logical clocks (C05)")),
    System("Cassandra",
           "PA/EL (Abadi 2012)",
           "leaderless, Dynamo style: consistent hashing, a replication factor per keyspace, hinted handoff, read "
           "repair and Merkle-tree anti-entropy; lightweight transactions use Paxos",
           "a consistency level per request (ONE, QUORUM, LOCAL_QUORUM, ALL, ...); reads see the latest write "
           "when read and write replicas overlap (R + W > RF)",
           "last write wins per cell, by the write's timestamp",
           (ABADI_2012,
            "Lakshman and Malik, \"Cassandra: A Decentralized Structured Storage System\", LADIS 2009",
            "Apache Cassandra documentation, \"Dynamo\" (architecture), "
            "https://cassandra.apache.org/doc/latest/cassandra/architecture/dynamo.html"),
           link("02_cap_and_quorums.ipynb", "5 · Tunable consistency: N, R, W (Q03)")),
    System("etcd",
           "PC/EC with the default linearizable reads; serializable reads are local and may be stale (derived)",
           "Raft",
           "linearizable reads (the default) go through consensus; serializable reads are answered by the "
           "member the client talks to, possibly stale; every KV operation is strictly serializable",
           "none for ordering (revisions); timeouts for heartbeats and elections; lease TTLs",
           ("etcd documentation, \"etcd API guarantees\", https://etcd.io/docs/v3.5/learning/api_guarantees/",
            "Ongaro and Ousterhout, \"In Search of an Understandable Consensus Algorithm (Extended Version)\", 2014"),
           link("06b_raft_in_production.ipynb", "8 · The same lesson on a real etcd (M05)")),
    System("ZooKeeper",
           "PC/EL (derived: writes go through the leader and a quorum; reads are local)",
           "Zab (ZooKeeper Atomic Broadcast): a leader and a quorum of followers",
           "writes are linearizable and each client's operations keep its order; reads are served by the server "
           "the client is connected to and may be stale; sync before a read to catch up",
           "none for ordering (zxids); session timeouts",
           ("Hunt et al., \"ZooKeeper: Wait-free coordination for Internet-scale systems\", USENIX ATC 2010",
            "Junqueira, Reed and Serafini, \"Zab: High-performance broadcast for primary-backup systems\", DSN 2011",
            "ZooKeeper Programmer's Guide, \"Consistency Guarantees\""),
           link("10_coordination.ipynb", "3 · Why the service here is one server, and what Zab adds")),
    System("Kafka",
           "not stated; with acks=all and min.insync.replicas a partition refuses writes when too few replicas "
           "are in sync (derived)",
           "a leader per partition replicates to followers; the in-sync replica set (ISR) decides what is "
           "committed; cluster metadata in a Raft-based quorum (KRaft) instead of ZooKeeper",
           "consumers read committed messages in offset order per partition, from the leader (or a follower)",
           "none for ordering (offsets); retention by time or size",
           ("Apache Kafka documentation, \"Replication\", https://kafka.apache.org/documentation/#replication",
            "KIP-500, \"Replace ZooKeeper with a Self-Managed Metadata Quorum\"",
            "KIP-98, \"Exactly Once Delivery and Transactional Messaging\""),
           link("12_queues.ipynb", "1.2 Producer acks and a replicated partition")),
    System("SQS",
           "not published",
           "not published (messages are stored on multiple servers for redundancy)",
           "standard queues: at-least-once delivery, best-effort ordering; FIFO queues: order per message group "
           "and de-duplication within a 5-minute interval; a received message is hidden for the visibility "
           "timeout (30 s by default), then delivered again unless deleted",
           "durations only (visibility timeout, retention)",
           ("Amazon SQS Developer Guide, \"Amazon SQS standard queues\", \"Amazon SQS FIFO queues\" and "
            "\"Amazon SQS visibility timeout\"",),
           link("12_queues.ipynb", "2 · A broker queue (Q12)")),
    System("Redis",
           "not strongly consistent (Cluster specification); EL: replicas are asynchronous (derived)",
           "asynchronous primary-replica replication; Redis Cluster splits keys into 16384 hash slots and "
           "promotes a replica when a majority of primaries agree its primary failed",
           "reads from the primary, or from replicas that lag; WAIT blocks until replicas acknowledge but does "
           "not make Redis strongly consistent; an acknowledged write can be lost in a failover",
           "key expiry by time; Redlock's safety assumes bounded clock drift",
           ("Redis documentation, \"Redis cluster specification\"",
            "Redis documentation, \"Redis replication\" and \"WAIT\"",
            "Redis documentation, \"Distributed Locks with Redis\""),
           link("14_replication_and_regions.ipynb", "3 · Failover: lost writes, split brain, and epochs (G04)")),
)


def systems_table() -> pd.DataFrame:
    """:data:`SYSTEMS` as a table, one row per system, sources joined by " | "."""
    return pd.DataFrame([{"system": s.system, "PACELC": s.pacelc, "protocol": s.protocol, "read modes": s.read_modes,
                          "clocks": s.clocks, "sources": " | ".join(s.sources), "workbook": s.workbook}
                         for s in SYSTEMS])
