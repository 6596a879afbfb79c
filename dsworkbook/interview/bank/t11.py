"""Trade-off questions for T11, partitioning and distributed hash tables (notebook 11).

The two interview questions of the theme are "how do you spread data over many machines, and
what happens when you add one?" and "one key gets all the traffic - now what?". The questions
below ask them with numbers, and each links the section of ``notebooks/11_partitioning.ipynb``
that measures the answer; claims about Dynamo, Bigtable and consistent hashing cite the papers.
"""

from __future__ import annotations

from dsworkbook.interview.questions import Question

__all__ = ["QUESTIONS"]

_NB = "notebooks/11_partitioning.ipynb#"
_DYNAMO = 'DeCandia et al., "Dynamo: Amazon\'s Highly Available Key-value Store", SOSP 2007'
_KARGER = 'Karger et al., "Consistent hashing and random trees", STOC 1997'

QUESTIONS = [
    Question(
        id="T11-modulo-remap",
        theme="T11",
        kind="choice",
        prompt=(
            "A cache cluster of 10 servers places keys with server = hash(key) mod n. You add an 11th server. "
            "About what share of the cached keys now map to a different server?"
        ),
        choices={
            "a": "About 1/11 (9%): the new server's fair share",
            "b": "About 1/10 (10%)",
            "c": "About 10/11 (91%)",
            "d": "None until the cache is flushed",
        },
        answer=("c",),
        reasons={
            "a": "A key keeps its server only if h mod 10 equals h mod 11, which holds for 1 hash value in 11, so 10 in 11 keys move - almost every key misses at once.",
            "b": "K/N keys move when a node is added, K keys over N nodes.",
            "c": "Only the keys that the new server takes over move, as on a consistent-hashing ring.",
            "d": "Keys are only remapped when they are next written.",
        },
        reason="a",
        rubric=(
            "n/(n+1) of the keys move with modulo hashing: about 91% here",
            "a ring moves about 1/(n+1), all to the new node",
            "consequence: a cache-miss storm that lands on the database",
        ),
        reference=(
            "About 10/11 of them. A key stays put only when h mod 10 and h mod 11 agree, which is true for one "
            "hash value in eleven, so adding a server invalidates nearly the whole cache and the database behind "
            "it takes the full load at once. A consistent-hashing ring moves only about 1/(n+1) of the keys on a "
            "join, and all of them to the new node; the often-quoted K/N is the figure for a node that leaves. "
            "Notebook 11 measures both on 100,000 seeded keys and shows the modulo share climbing towards 100% "
            "as the cluster grows while the ring's share shrinks."
        ),
        links=(_NB + "The idea: why `hash(key) mod n` is the wrong partitioner (H01)",),
        sources=(_KARGER,),
    ),
    Question(
        id="T11-why-vnodes",
        theme="T11",
        kind="choice",
        prompt="Why does a consistent-hashing ring give each server many virtual nodes? Choose all that apply.",
        choices={
            "a": "To even out the number of keys per server",
            "b": "So that a leaving server's keys are spread over many servers instead of one neighbour",
            "c": "So that a bigger machine can take a proportionally larger share by getting more points",
            "d": "To spread the requests for a single hot key over several servers",
            "e": "To move fewer than 1/(n+1) of the keys when a server joins",
        },
        answer=("a", "b", "c"),
        reasons={
            "a": "A server's share becomes the sum of many random arcs instead of one, so its spread shrinks roughly like 1/sqrt(v); but each key still maps to exactly one point and one server.",
            "b": "More points mean each key is stored on more servers, which spreads its traffic.",
            "c": "Virtual nodes hash requests rather than keys, so they balance load directly.",
        },
        reason="a",
        rubric=(
            "balance: spread of keys per server falls roughly like 1/sqrt(v)",
            "a leaving server's arcs go to many servers",
            "weights as numbers of points",
            "virtual nodes do nothing for a hot key: all its requests still reach one owner",
        ),
        reference=(
            "Reasons a, b and c. With one point per server a server's share is one arc, and random arcs differ "
            "wildly, so the largest server holds several times the mean; with v points its share is a sum of v "
            "arcs and the spread falls roughly like 1/sqrt(v). The same shattering hands a leaving server's arcs "
            "to many servers, and weights become counts of points. What virtual nodes cannot do is split a hot "
            "key, because one key still hashes to one point, and they do not change the 1/(n+1) share that moves "
            "on a join. Notebook 11 plots max/mean and the coefficient of variation against the number of "
            "virtual nodes, and its hot-key experiment shows the layout does not help there."
        ),
        links=(_NB + "Run it: a ring with virtual nodes (H02)", _NB + "5.1 Break it: one hot key"),
        sources=(_DYNAMO + ", §4.2", _KARGER),
    ),
    Question(
        id="T11-zone-replicas",
        theme="T11",
        kind="choice",
        prompt=(
            "A Dynamo-style ring has 6 machines, 100 virtual nodes each, in 3 availability zones (two machines "
            "per zone). Each key must be stored on N = 3 machines and survive the loss of any one zone. How "
            "should the replicas be chosen?"
        ),
        choices={
            "a": "The owners of the next 3 points clockwise from the key",
            "b": "The next 3 distinct machines clockwise, skipping points of machines already chosen",
            "c": "The next machines clockwise, skipping points of machines already chosen and of zones already used",
            "d": "3 machines picked at random for each key and recorded in a directory",
        },
        answer=("c",),
        reasons={
            "a": "Consecutive points on a ring always belong to different machines.",
            "b": "The walk must skip points of machines already chosen and of zones already used; otherwise two replicas can share a machine or a zone, and one failure takes both.",
            "c": "MD5 spreads points uniformly, so three consecutive machines are in three zones with high probability.",
        },
        reason="b",
        rubric=(
            "the preference list holds N distinct physical machines, skipping virtual nodes of machines already chosen",
            "zones as a constraint: take machines from unused zones first",
            "N cannot exceed the number of machines (or zones, for zone safety)",
            "when a machine leaves, each affected key gains the next distinct machine; the others stay",
        ),
        reference=(
            "Walk clockwise and skip points of machines, and of zones, already in the list. With virtual nodes "
            "the next points clockwise often belong to a machine already chosen, so a naive walk can put two "
            "replicas on one machine; skipping machines alone still allows two in one zone, which a zone outage "
            "takes together. Dynamo's preference list is N distinct physical nodes; adding a zone constraint "
            "makes it survive a zone. Notebook 11 prints the walk for one key, the plain list and the zone-aware "
            "list, and refuses N larger than the number of machines instead of looping forever, as ring code in "
            "circulation does."
        ),
        links=(_NB + "Replication: the preference list (H03)",),
        sources=(_DYNAMO + ", §4.3",),
    ),
    Question(
        id="T11-hot-key",
        theme="T11",
        kind="choice",
        prompt=(
            "On a hash-partitioned store with 10 nodes, one celebrity's profile key draws a large share of all "
            "requests, 90% of them reads. Which remedies lower the load on its node? Choose all that apply."
        ),
        choices={
            "a": "Give every node more virtual nodes",
            "b": "Serve reads of that key from any of its replicas in the preference list",
            "c": "Cache the key in front of the store",
            "d": "Salt the key into 4 sub-keys; a read asks all 4 and merges",
            "e": "Switch to range partitioning",
        },
        answer=("b", "c"),
        reasons={
            "a": "Hashing spreads keys, not requests: all requests for one key reach its owner, so only serving that key from more places helps, and for a read-heavy key read copies are the cheap way.",
            "b": "Salting always spreads load, whatever the mix of reads and writes.",
            "c": "Virtual nodes even out hot spots, so more of them reduce the hottest node's share.",
            "d": "Range partitioning can split the hot key's range until the load is even.",
        },
        reason="a",
        rubric=(
            "virtual nodes balance keys, never the requests of one key",
            "read-heavy: read replicas or a cache",
            "write-heavy: salting into sub-keys, paid for by reads that fan out",
            "a range cannot be split inside one key",
        ),
        reference=(
            "Read replicas and a cache. Every request for one key goes to the node that owns it, whatever the "
            "layout, so more virtual nodes change nothing and a range split cannot cut inside a single key. "
            "For a read-heavy key, letting reads go to any replica in its preference list, or caching it, "
            "spreads the reads at almost no extra cost. Salting into k sub-keys spreads writes, but every read "
            "then asks all k nodes. Notebook 11 measures this with a Zipf workload: with 10% writes read "
            "replicas cut the hottest node's share while salting with 4 sub-keys did not help, and with 90% "
            "writes it is the other way round."
        ),
        links=(_NB + "5.1 Break it: one hot key",),
        sources=(_DYNAMO + ", §4.3",),
    ),
    Question(
        id="T11-hash-or-range",
        theme="T11",
        kind="open",
        prompt=(
            "An orders table is keyed by an ever-increasing order id, and most queries ask for the orders of a "
            "time range. Would you partition it by hash or by range? What goes wrong with each, and how do you "
            "fix it?"
        ),
        rubric=(
            "hash partitioning spreads point lookups evenly but a range scan must ask every partition",
            "range partitioning keeps key order for scans and splits and merges ranges to keep them even",
            "ever-increasing keys send every write to the last range: a write hot spot",
            "fix: prefix the key with a hash or bucket (or a compound key), giving up part of the scan order",
        ),
        reference=(
            "Hash partitioning spreads the orders evenly but destroys key order, so a time-range query must ask "
            "every partition. Range partitioning keeps contiguous keys together, splitting a range that grows "
            "too large and merging small neighbours, as Bigtable's tablets do, so a range query touches few "
            "partitions. With an ever-increasing key, however, every new order lands in the last range, on one "
            "node, however many ranges exist: notebook 11 writes 1,000 sequential keys and every one of them "
            "goes to the last range. The usual fix is to prefix the key with a hash or a small bucket number, or "
            "to lead with another attribute such as the customer, so writes spread over several ranges while a "
            "time query asks each bucket. You give up part of the scan order to get write parallelism."
        ),
        links=(_NB + "Range partitioning and hot keys (H05) (+)",),
        sources=('Chang et al., "Bigtable: A Distributed Storage System for Structured Data", OSDI 2006',),
    ),
    Question(
        id="T11-ring-rendezvous-jump",
        theme="T11",
        kind="open",
        prompt=(
            "Besides a consistent-hashing ring there are rendezvous hashing and jump consistent hash. When would "
            "you pick each, and what does each cost?"
        ),
        rubric=(
            "ring: lookups in O(log points), arbitrary membership, weights as numbers of points - the default",
            "rendezvous (highest random weight): no ring state, the ranking doubles as a replica list, O(n) hashes per lookup",
            "jump hash: no memory and even balance, but buckets are numbered and only the last can be removed",
            "so jump hash suits shards of a storage system, not caches whose machines fail at random",
            "bounded loads cap every node at (1+eps) times the mean at the cost of keys off their first choice",
        ),
        reference=(
            "A ring with virtual nodes is the default: a lookup is a binary search over the points, any node can "
            "join or leave, and weights are numbers of points. Rendezvous hashing scores every node for the key "
            "and picks the highest, so there is no ring to keep, removing a node moves only its keys, and the "
            "ranking is a replica list for free; the price is one hash per node per lookup, fine for tens of "
            "nodes. Jump consistent hash maps a 64-bit key to a bucket with a few lines of arithmetic and no "
            "table at all, with even balance, but buckets are numbered, so only the last one can leave: good for "
            "the shards of a storage system, not for a cache whose machines fail at random. When even a good "
            "spread is not enough, bounded loads give every node a capacity of (1+eps) times the mean and send "
            "overflow clockwise. Notebook 11 measures each: rendezvous moving only the leaving node's keys, jump "
            "hash moving about 1/11 of the keys to the new bucket, and the bounded-load maximum never exceeding "
            "its bound."
        ),
        links=(_NB + "Alternatives to the ring (H04)",),
        sources=(
            'Thaler and Ravishankar, "Using name-based mappings to increase hit rates", IEEE/ACM Transactions on Networking, 1998',
            'Lamping and Veach, "A Fast, Minimal Memory, Consistent Hash Algorithm", 2014',
            'Mirrokni, Thorup and Zadimoghaddam, "Consistent Hashing with Bounded Loads", SODA 2018',
        ),
    ),
]
