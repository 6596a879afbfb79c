"""Trade-off questions for T14, replication and multi-region patterns (notebook 14).

The follow-up to any multi-region design is "what do you lose, and when?": acknowledged writes
in a failover, reads that go back in time, updates that last-write-wins discards, minutes of
DNS failover, stale cache entries. Each question links the section of
``notebooks/14_replication_and_regions.ipynb`` that measures the answer; claims about MySQL,
Route 53, Aurora, DynamoDB and memcache cite their documentation or papers.
"""

from __future__ import annotations

from dsworkbook.interview.questions import Question

__all__ = ["QUESTIONS"]

_NB = "notebooks/14_replication_and_regions.ipynb#"
_DDIA5 = 'Kleppmann, Designing Data-Intensive Applications, ch. 5 ("Replication")'
_ROUTE53 = (
    'Amazon Route 53 Developer Guide, "How Amazon Route 53 determines whether a health check is healthy", '
    "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html"
)

QUESTIONS = [
    Question(
        id="T14-failover-loss",
        theme="T14",
        kind="choice",
        prompt=(
            "A database leader in one region replicates to followers in two other regions, and a detector "
            "promotes the most up-to-date follower when the leader's region fails. Which statements are true? "
            "Choose all that apply."
        ),
        choices={
            "a": "With asynchronous replication, writes the leader acknowledged that no follower had received are lost when its region crashes.",
            "b": "With semi-synchronous replication that waits for one follower's acknowledgement (and never falls back to asynchronous), no acknowledged write is lost when the leader's region crashes.",
            "c": "With asynchronous replication, if the old leader is only cut off and not fenced, the writes it keeps acknowledging to clients in its own region are lost too.",
            "d": "With asynchronous replication, nothing acknowledged is lost as long as the most up-to-date follower is promoted.",
        },
        answer=("a", "b", "c"),
        reasons={
            "a": "After a failover the new leader fetches the writes it missed from the old leader's log.",
            "b": "When the leader acknowledges decides what a failure costs: an asynchronous leader answers before any follower has the write, a semi-synchronous one only after a follower has it, and promoting the most up-to-date replica keeps whatever some follower holds.",
            "c": "Asynchronous replication loses only writes that were never acknowledged, so clients are not affected.",
        },
        reason="b",
        rubric=(
            "async: the writes in flight when the leader's region fails are lost",
            "under a partition, also everything the unfenced old leader keeps acknowledging",
            "sync and semi-sync acknowledge only once a follower has the write, and pay an inter-region round trip per write",
            "MySQL semi-sync falls back to async after a timeout, and Aurora Global Database's unplanned failover can lose unreplicated writes",
        ),
        reference=(
            "Statements a, b and c. An asynchronous leader acknowledges a write before any follower has it, so "
            "the writes still in flight when its region fails are gone, and promoting the most up-to-date "
            "follower cannot recover what no follower received. If the region is only cut off, an unfenced old "
            "leader keeps acknowledging its local clients' writes until it learns it was replaced, and those are "
            "discarded too. A semi-synchronous leader acknowledges only after one follower has the write, and the "
            "most up-to-date replica is promoted, so nothing acknowledged is lost, at the price of a round trip "
            "to the nearest follower on every write; MySQL's semisynchronous replication, however, falls back to "
            "asynchronous after a timeout. Notebook 14 measures the lost writes per mode and detector timeout "
            "for a crash and for a cut-off region: synchronous and semi-synchronous lost none."
        ),
        links=(
            _NB + "Failover: lost writes, split brain, and epochs (G04)",
            _NB + "Single-leader replication: modes, lag, and the three read anomalies (G04)",
            _NB + "In AWS terms",
        ),
        sources=(
            _DDIA5,
            'MySQL Reference Manual, "Semisynchronous Replication"',
            'Amazon Aurora User Guide, "Using Amazon Aurora Global Database"',
        ),
    ),
    Question(
        id="T14-read-your-writes",
        theme="T14",
        kind="choice",
        prompt=(
            "Reads are served by asynchronous followers. A user edits their profile, reloads the page, and sees "
            "the old version. Which fixes give every user read-your-writes? Choose all that apply."
        ),
        choices={
            "a": "Pin each user to one follower (sticky routing)",
            "b": "Carry the log position of the session's last write and read from a follower that has applied at least that position, else from the leader",
            "c": "Always read data the user can edit, such as their own profile, from the leader",
            "d": "Spread each user's reads randomly over the nearest followers",
        },
        answer=("b", "c"),
        reasons={
            "a": "A sticky follower applies the log in order, so it always has the session's own writes.",
            "b": "A read must reach a replica that has applied at least the session's last write; only the leader, or a follower known to have applied that position, qualifies.",
            "c": "Replication lag is bounded by the round trip between regions, so the next read will see the write anyway.",
        },
        reason="b",
        rubric=(
            "the anomaly is a read from a follower that has not applied the session's write yet",
            "a position token (last write, and last read for monotonic reads) routes to a caught-up follower, else the leader",
            "reading user-editable data from the leader also works, at the cost of offload",
            "sticky followers give monotonic reads, not read-your-writes",
        ),
        reference=(
            "Fixes b and c. The user's write reached the leader, and the follower that served the reload had "
            "not applied it yet, so the fix is to send the read only where the write has arrived. Carrying the "
            "log position of the session's last write, and reading from a follower whose applied position is at "
            "least that, else from the leader, does it while keeping most reads on followers; adding the last "
            "read's position also gives monotonic reads. Reading what the user can edit from the leader is the "
            "simpler version. A sticky follower keeps time from going backwards but may still lag behind the "
            "user's own write. Notebook 14 judges each router with the session checkers of notebook 03: the "
            "nearest follower breaks read-your-writes, sticky routing fixes only monotonic reads, and the "
            "position token had no violation."
        ),
        links=(_NB + "Single-leader replication: modes, lag, and the three read anomalies (G04)",),
        sources=(_DDIA5 + ', "Problems with Replication Lag"',),
    ),
    Question(
        id="T14-dns-failover-time",
        theme="T14",
        kind="choice",
        prompt=(
            "Route 53 failover routing checks a region's endpoint every 30 s with a failure threshold of 3, and "
            "the record's TTL is 60 s. The region fails. About how long can the slowest client, whose resolver "
            "honours the TTL, keep being sent to the dead region?"
        ),
        choices={
            "a": "About 30 s: one health-check interval",
            "b": "About 60 s: one TTL",
            "c": "About 90 s: three failed checks",
            "d": "About 150 s: three failed checks plus one TTL, plus a request period and a few round trips",
            "e": "A few seconds: Route 53 pushes the change to resolvers",
        },
        answer=("d",),
        reasons={
            "a": "Resolvers ignore the TTL once a health check has failed, so detection is the only delay.",
            "b": "Detection takes interval x threshold, and a resolver that fetched the old answer just before detection keeps it for a whole TTL.",
            "c": "The TTL restarts with each health check, so the two delays overlap.",
        },
        reason="b",
        rubric=(
            "detection: request interval x failure threshold = 90 s",
            "plus up to one TTL of cached answers = 60 s",
            "plus a request period and round trips: the bound is approached, not exceeded",
            "lower TTLs and check intervals before you need them",
        ),
        reference=(
            "About two and a half minutes. Route 53's health checkers each need the failure threshold of "
            "consecutive failed checks, here 3 x 30 s = 90 s, before the endpoint is judged unhealthy, and a resolver that cached the old answer just "
            "before that keeps using it for up to the 60 s TTL. A client then needs one more request and a few "
            "round trips before it succeeds in the healthy region. Notebook 14 plays this out on the simulator "
            "in milliseconds and checks that every client's recovery stays within interval x threshold + TTL + a "
            "request period + the round trips, reaching a large fraction of it. Failover designs therefore "
            "lower TTLs and check intervals ahead of time."
        ),
        links=(_NB + "Routing and DNS failover (G01)", _NB + "In AWS terms"),
        sources=(_ROUTE53, "Amazon Route 53 API Reference, HealthCheckConfig"),
    ),
    Question(
        id="T14-lww-active-active",
        theme="T14",
        kind="choice",
        prompt=(
            "In an active-active design every region accepts writes to any key, acknowledges at once, and "
            "replicates in the background; an incoming write replaces the local one when its wall-clock "
            "timestamp is greater. Which statements are true? Choose all that apply."
        ),
        choices={
            "a": "When two regions update one key concurrently, one acknowledged update is silently discarded.",
            "b": "With clock skew, a write can lose to an earlier write that its own region had already seen.",
            "c": "With a strict > and no tie-break, regions that receive writes with equal timestamps can disagree forever.",
            "d": "Replacing the timestamps with version vectors would detect the concurrent writes and let each region keep both as siblings for the application to merge.",
            "e": "With NTP-synchronised clocks, last-write-wins loses no acknowledged write.",
        },
        answer=("a", "b", "c", "d"),
        reasons={
            "a": "Replication retries make sure every write is applied in every region, so nothing is lost.",
            "b": "NTP keeps clocks within microseconds, so timestamps order writes as they really happened.",
            "c": "Last-write-wins picks by timestamp, not by causality: concurrent writes are discarded, skew reorders causally related ones, and equal timestamps need a deterministic tie-break.",
        },
        reason="c",
        rubric=(
            "LWW converges by discarding concurrent writes silently",
            "clock skew lets a causally later write lose",
            "ties need a total order (e.g. by region) or regions diverge",
            "alternatives: version vectors with siblings, CRDTs, or a home region per key",
        ),
        reference=(
            "Statements a to d. Last-write-wins converges by throwing writes away: of two concurrent updates to "
            "a key, the lower timestamp loses without anyone being told. Because the timestamps come from wall "
            "clocks, skew can make a write lose even to one its own region had already seen, so a user's change "
            "vanishes after they saw the old value; NTP narrows skew but does not remove it, and concurrent "
            "writes are lost even with perfect clocks. A strict > with no tie-break leaves tied regions each "
            "keeping their own value. Version vectors tell concurrent writes apart and can keep both, as "
            "Dynamo does, and CRDTs or a single home region per key avoid the loss altogether. Notebook 14 runs "
            "the seed notes' design and a fixed one, counts conflicts and lost writes with and without skew, "
            "and compares five resolutions on one workload."
        ),
        links=(
            _NB + "Multi-leader: the seeds' active-active design and what it loses (G02, G05)",
            _NB + "In AWS terms",
        ),
        sources=(
            _DDIA5 + ', "Multi-Leader Replication"',
            "Kleppmann, Designing Data-Intensive Applications, ch. 8",
            'DeCandia et al., "Dynamo: Amazon\'s Highly Available Key-value Store", SOSP 2007, §4.4',
        ),
    ),
    Question(
        id="T14-split-brain",
        theme="T14",
        kind="open",
        prompt=(
            "Your failover orchestrator promotes a follower when the leader misses heartbeats. How do you make "
            "sure two replicas never both accept writes as leader?"
        ),
        rubric=(
            "every promotion opens a higher epoch (term); replicas reject requests from a lower epoch",
            "an old leader that hears of a higher epoch steps down",
            "promote the most up-to-date replica, and decide promotions by a majority rather than one observer",
            "a timeout near the heartbeat interval causes false failovers",
            "a cut-off old leader can still acknowledge its own clients: fence it, or require a quorum for acknowledgements",
        ),
        reference=(
            "Make leadership carry a number. Each promotion opens a higher epoch, the replicas are told to reject "
            "anything stamped with a lower one, and a leader that hears of a higher epoch steps down at once, so "
            "an old leader that comes back from a partition cannot get its writes accepted. Promote the replica "
            "with the most complete log, as Raft's election restriction does, and let a majority decide the "
            "promotion rather than one observer's view of the network. Keep the detector timeout well above the "
            "heartbeat interval, or jitter and lost heartbeats trigger failovers with no fault. Notebook 14 "
            "cuts the leader's region off for 600 ms with a 150 ms timeout: without fencing the old leader "
            "keeps acknowledging writes at positions the new leader also fills, and with epochs it steps down "
            "at first contact. Its failover campaign catches the variants without fencing and with promote-any."
        ),
        links=(_NB + "Failover: lost writes, split brain, and epochs (G04)",),
        sources=(
            _DDIA5 + ', "Handling Node Outages"',
            'Ongaro and Ousterhout, "In Search of an Understandable Consensus Algorithm (Extended Version)", 2014, §5.4.1',
        ),
    ),
    Question(
        id="T14-cache-aside",
        theme="T14",
        kind="open",
        prompt=(
            "You put a cache-aside cache in each region in front of a database in one region. What can go wrong, "
            "and how do you fix each problem?"
        ),
        rubric=(
            "staleness up to the TTL; writes should delete (or version) the entry",
            "thundering herd when a hot key expires: coalesce requests (memcache leases)",
            "the invalidation race: a slow fill of the old value lands after the delete; versioned entries or leases refuse it",
            "write-behind loses acknowledged writes that were not flushed when the cache crashes",
        ),
        reference=(
            "Cache-aside reads the cache, and on a miss reads the store and fills the cache with a TTL; a write "
            "goes to the store and deletes the entry, which is idempotent, unlike updating it. Without that "
            "delete a cached value stays wrong until it expires. When a hot key expires, every application "
            "server misses at once and the store takes the herd; coalescing, one fetch per key in flight with "
            "the other readers waiting, as memcache's leases do, turns it into one store read. The classic race "
            "is a reader that misses, reads the old value, and fills the cache after a writer's delete, so the "
            "old value is served until the TTL; versioned entries with tombstones, or a lease the delete "
            "invalidates, make the cache refuse that fill. Write-behind caches acknowledge before flushing, so a "
            "cache crash loses writes. Notebook 14 measures hit rate and staleness against TTL, the herd with "
            "and without coalescing, and the race with and without versions."
        ),
        links=(_NB + "Caches in front of a store (G03)",),
        sources=(
            'Nishtala et al., "Scaling Memcache at Facebook", NSDI 2013, §2 and §3.2.1',
            'Amazon ElastiCache User Guide, "Caching strategies"',
        ),
    ),
]
