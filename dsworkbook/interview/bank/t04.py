"""Trade-off questions for theme T04: time and ordering.

Theory of operation
-------------------
What senior interviewers ask about clocks: last-write-wins under skew, what a Lamport timestamp
does and does not tell, comparing version vectors, TrueTime's commit wait, hybrid logical clocks,
NTP's error bound, and keeping vector clocks small. The rules the bank keeps (checked by
:func:`dsworkbook.interview.questions.bank` and the bank's tests): ``choice`` questions have one or
more right choices and exactly one right reason, with wrong options taken from common mistakes
(including the source notes' resolver that compares a node's own counter); every link names a real
heading of ``notebooks/04_time_and_clocks.ipynb`` (or another theme's notebook); every claim about a
paper or a product is cited in ``sources``.
"""

from __future__ import annotations

from dsworkbook.interview.questions import Question

__all__ = ["QUESTIONS"]

_NB = "notebooks/04_time_and_clocks.ipynb#"

QUESTIONS = [
    Question(
        id="T04-lww-skew",
        theme="T04",
        kind="choice",
        prompt=(
            "A last-write-wins store stamps each write with the writer's wall clock. NTP keeps the writers "
            "within about 10 ms of each other, and writes to one key come about 10 ms apart. Which "
            "statements are right?"
        ),
        choices={
            "a": "A write can be silently dropped even though it began after the write that beats it had completed.",
            "b": "Because NTP bounds the skew, LWW is safe as long as the skew stays below a second.",
            "c": "Hybrid logical clock timestamps would order a write after any write its writer had read before it.",
            "d": "A conditional write (compare-and-set on a version) would stop a read-modify-write from silently overwriting a newer value.",
            "e": "Breaking timestamp ties by replica id prevents every lost write.",
        },
        answer=("a", "c", "d"),
        reasons={
            "a": "Once the skew is comparable to the gap between writes, a writer whose clock is behind stamps a later write with a smaller timestamp, and LWW keeps the larger one without telling anybody; causal (HLC) or conditional (version-checked) writes do not trust the wall clock for order.",
            "b": "NTP keeps clocks within a millisecond everywhere, so skew only matters across regions.",
            "c": "LWW compares the order in which the replica received the writes, not their timestamps.",
        },
        reason="a",
        rubric=(
            "Skew comparable to the gap between writes makes LWW drop later writes, silently.",
            "A tie-break makes replicas agree; it does not recover the dropped write.",
            "Remedies: logical or hybrid timestamps for causally related writes, conditional writes, or CRDTs/siblings.",
        ),
        reference=(
            "LWW keeps the largest timestamp, and timestamps come from clocks that disagree: when the skew "
            "is comparable to the time between writes, a writer whose clock is behind keeps losing to "
            "writes that completed before its own began, and nobody is told. Section 7.1 of notebook 04 "
            "measures it on seeds 1-5: with perfect clocks nothing is lost, and once the skew is comparable "
            "to the 10 ms between writes a growing share of writes is lost. A replica-id tie-break only makes the "
            "replicas agree on which write to drop. A hybrid logical clock orders a write after anything "
            "its writer had seen (happens-before implies a larger timestamp), and a compare-and-set on a "
            "version refuses a write based on a stale read. Writes with no causal link at all still need a "
            "real-time order, which only something like commit wait provides."
        ),
        links=(_NB + "7.1 Last-write-wins under clock skew (C01)",),
        sources=(
            "Kulkarni, Demirbas et al., Logical Physical Clocks, OPODIS 2014",
            "Kleppmann, Designing Data-Intensive Applications, O'Reilly 2017, ch. 8 (timestamps for ordering events)",
        ),
    ),
    Question(
        id="T04-lamport-converse",
        theme="T04",
        kind="choice",
        prompt="Events a and b have Lamport timestamps L(a) = 3 and L(b) = 7. What can you conclude?",
        choices={
            "a": "a happened before b.",
            "b": "b did not happen before a.",
            "c": "a and b may be concurrent.",
            "d": "Some process must have sent a message between a and b.",
        },
        answer=("b", "c"),
        reasons={
            "a": "A Lamport clock is a vector clock with a single entry, so it detects concurrency the same way.",
            "b": "Lamport's clock condition goes one way: if a happened before b then L(a) < L(b); the converse fails, since concurrent events get arbitrary relative timestamps - only vector clocks make it an equivalence.",
            "c": "Lamport timestamps count milliseconds of real time, so a smaller one is earlier.",
        },
        reason="b",
        rubric=(
            "a -> b implies L(a) < L(b); the converse does not hold.",
            "So L(a) < L(b) rules out b -> a and nothing more.",
            "Vector clocks: a -> b iff V(a) < V(b), which detects concurrency.",
        ),
        reference=(
            "Lamport's clock condition (1978) says that if a happened before b then L(a) < L(b). Its "
            "contrapositive gives the one safe conclusion: since L(b) is not smaller than L(a), b did not "
            "happen before a. Everything else is open - a may have happened before b, or the two may be "
            "concurrent. Section 3.2 of notebook 04 draws a random diagram where the events concurrent with "
            "B3 have Lamport times both smaller and larger than B3's, while vector timestamps (Fidge 1988, "
            "Mattern 1989) call exactly those events concurrent. With a node-id tie-break Lamport "
            "timestamps still give a total order consistent with causality, which is what they are used for."
        ),
        links=(_NB + "3.2 A diagram, its happens-before, and its clocks", _NB + "3.1 The rules"),
        sources=(
            "Lamport 1978, Time, Clocks, and the Ordering of Events in a Distributed System, CACM",
            "Fidge 1988, Timestamps in message-passing systems that preserve the partial ordering",
            "Mattern 1989, Virtual time and global states of distributed systems",
        ),
    ),
    Question(
        id="T04-version-vectors",
        theme="T04",
        kind="choice",
        prompt=(
            "A Dynamo-style store holds two versions of a key with version vectors {A: 2, B: 1} and "
            "{A: 1, B: 3}. What should it do?"
        ),
        choices={
            "a": "Keep both as siblings and return both to the next reader.",
            "b": "Keep {A: 1, B: 3}: its counters add up to more.",
            "c": "Keep {A: 2, B: 1}: on replica A, A's own counter is larger.",
            "d": "Let a write whose context merges both, {A: 2, B: 3}, replace them both.",
        },
        answer=("a", "d"),
        reasons={
            "a": "The version with the larger sum has seen more writes, so it is the newer one.",
            "b": "Each replica trusts its own entry, because counters of other replicas may be out of date.",
            "c": "Each vector is ahead of the other in some entry, so neither dominates: the versions are concurrent, and only a write that has seen both - its context dominates both - may replace them.",
        },
        reason="c",
        rubric=(
            "Compare entry by entry: dominates, dominated, equal, or concurrent.",
            "Concurrent versions become siblings; the reader merges and writes back with the merged context.",
            "Comparing sums or one replica's own counter picks an arbitrary winner and loses writes.",
        ),
        reference=(
            "{A: 2, B: 1} is ahead in A and {A: 1, B: 3} is ahead in B, so neither dominates: the writes "
            "were concurrent. Dynamo keeps both as siblings, the next reader gets both with their merged "
            "context, and its write, carrying a vector that dominates both, replaces them (Dynamo §4.4). "
            "Picking by sums or by one replica's own counter - the resolver of the source notes - chooses an "
            "arbitrary winner and loses writes: section 5 of notebook 03 runs that naive resolver and shows "
            "sessions losing their own writes. Section 4 of notebook 04 runs version vectors under a "
            "partition and shows the siblings they keep."
        ),
        links=(
            _NB + "Run it: version vectors and siblings (C04)",
            "notebooks/03_consistency_models.ipynb#Break it: a store whose resolver goes back in time",
        ),
        sources=("DeCandia et al., Dynamo: Amazon's Highly Available Key-value Store, SOSP 2007, §4.4",),
    ),
    Question(
        id="T04-commit-wait",
        theme="T04",
        kind="choice",
        prompt="Which statements about Spanner's TrueTime and commit wait are right?",
        choices={
            "a": "The commit timestamp s is at least TT.now().latest when the commit request arrives, and nobody sees the commit until TT.now().earliest > s.",
            "b": "The expected commit wait is about twice the clock uncertainty ε.",
            "c": "Commit wait makes correctness independent of how accurate the clocks are.",
            "d": "A machine whose clock leaves the advertised ε breaks external consistency.",
            "e": "TrueTime needs perfectly synchronised clocks; the GPS receivers make ε zero.",
        },
        answer=("a", "b", "d"),
        reasons={
            "a": "After the wait, true time has passed s, so any transaction that starts later anywhere gets a larger timestamp - but only if TT.now() really contains true time, which is the promise ε must keep.",
            "b": "Commit wait orders only transactions on the same Paxos leader, so clocks do not matter across leaders.",
            "c": "Spanner waits a fixed 7 ms on every commit, whatever the uncertainty.",
        },
        reason="a",
        rubric=(
            "Start rule: s >= TT.now().latest; commit wait: until TT.now().earliest > s.",
            "Then timestamp order is real-time order (external consistency).",
            "Cost: about 2ε per commit, overlapped with the Paxos round.",
            "Correctness rests on the clocks staying within ε; machines that drift too far are evicted.",
        ),
        reference=(
            "TrueTime's TT.now() returns an interval [earliest, latest] that contains true time. A leader "
            "picks a commit timestamp s no smaller than TT.now().latest and lets nobody see the commit until "
            "TT.now().earliest > s; true time has then passed s, so any transaction that starts afterwards "
            "gets a larger timestamp (Corbett et al. 2012, §4.1.2). The expected wait is at least twice the "
            "average ε, and Spanner overlaps it with Paxos replication. Section 6.1 of notebook 04 finds "
            "violations without the wait and none with it; section 7.5 gives one leader a clock 9 ms ahead "
            "while it claims ε = 5 ms and the violations come back. That is why Spanner's time daemons "
            "evict machines whose clocks drift beyond the derived bound."
        ),
        links=(_NB + "6.1 Commit wait", _NB + "7.5 TrueTime with a clock that breaks its promise (C06)"),
        sources=("Corbett et al., Spanner: Google's Globally-Distributed Database, OSDI 2012, §3 and §4.1.2",),
    ),
    Question(
        id="T04-hlc",
        theme="T04",
        kind="choice",
        prompt=(
            "CockroachDB timestamps its transactions with hybrid logical clocks rather than plain wall "
            "clocks or Lamport clocks. Which statements about HLC are right?"
        ),
        choices={
            "a": "HLC detects concurrent events, as vector clocks do.",
            "b": "An HLC timestamp stays within the clock skew of the node's physical clock, so it can stand in for wall time.",
            "c": "If a happened before b, then hlc(a) < hlc(b).",
            "d": "HLC removes the need to bound the clock offset between nodes.",
        },
        answer=("b", "c"),
        reasons={
            "a": "HLC reads GPS time, so its timestamps are true time.",
            "b": "An HLC is a pair (l, c): l is the largest physical time the node has heard of and c counts events sharing it, so it orders causally like a Lamport clock while l stays within the skew of physical time.",
            "c": "HLC is a vector clock compressed into 64 bits, so it keeps every property of a vector clock.",
        },
        reason="b",
        rubric=(
            "HLC = (l, c): physical time when it is good enough, a counter when it is not.",
            "Happens-before implies a smaller timestamp; it does not detect concurrency.",
            "l - pt is bounded by the clock skew; a clock far ahead drags everyone's l with it, hence a configured maximum offset.",
        ),
        reference=(
            "A hybrid logical clock (Kulkarni, Demirbas et al. 2014) keeps (l, c): l is the largest "
            "physical time the node has heard of, its own or a message's, and c counts events that share "
            "that l. Happens-before gives a smaller timestamp, as with Lamport, and l stays within the skew "
            "of the node's physical clock, so the timestamp can stand in for wall time in MVCC. It does not "
            "detect concurrency. Section 5 of notebook 04 measures both properties; section 7.4 steps one "
            "clock 500 ms ahead and every node that hears from it drags its l along. CockroachDB therefore "
            "still configures a maximum clock offset and shuts down a node whose clock is too far out of "
            "sync."
        ),
        links=(
            _NB + "Run it: hybrid logical clocks (C05)",
            _NB + "7.4 A hybrid clock next to a clock that jumped (C05)",
        ),
        sources=(
            "Kulkarni, Demirbas et al., Logical Physical Clocks, OPODIS 2014",
            "CockroachDB documentation, Recommended Production Settings, 'Clock synchronization' (https://www.cockroachlabs.com/docs/stable/recommended-production-settings)",
        ),
    ),
    Question(
        id="T04-ntp-bound",
        theme="T04",
        kind="open",
        prompt=(
            "How does NTP estimate a clock's offset from a server, how wrong can the estimate be, and "
            "what follows for a system that uses wall-clock time?"
        ),
        rubric=(
            "Four timestamps t0..t3: offset = ((t1 - t0) + (t2 - t3)) / 2, delay = (t3 - t0) - (t2 - t1).",
            "The true offset lies within offset +- delay / 2: the one-way delays cannot be measured; asymmetric paths bias the estimate.",
            "Prefer the sample with the smallest delay; the bound grows with drift since the last poll.",
            "Clocks can be stepped, even backwards: measure durations with a monotonic clock; do not order events across machines by wall time.",
        ),
        reference=(
            "One exchange gives four timestamps: the client's send t0, the server's receive t1 and reply "
            "t2, and the client's receive t3. The offset estimate is ((t1 - t0) + (t2 - t3)) / 2 and the "
            "time on the wire is (t3 - t0) - (t2 - t1); because the client cannot tell how the wire time "
            "split between the two directions, the true offset lies within plus or minus half of it (RFC "
            "5905). Section 2.2 of notebook 04 runs NTP over an asymmetric link: almost every estimate is "
            "biased the same way, yet the true offset never leaves the error bars, which is why NTP prefers "
            "the sample with the smallest delay. Between polls the bound grows with the oscillator's drift, "
            "and a clock too far off can be stepped, even backwards. So a system should time durations "
            "with a monotonic clock and never order events across machines by wall time alone."
        ),
        links=(_NB + "2.2 NTP: estimating an offset, and knowing how wrong the estimate can be",),
        sources=("RFC 5905, Network Time Protocol Version 4, §8 and §10",),
    ),
    Question(
        id="T04-vector-growth",
        theme="T04",
        kind="open",
        prompt=(
            "Vector clocks grow with the number of writers. What are your options to keep them small, "
            "and what does each cost?"
        ),
        rubric=(
            "Per-replica actors (Dynamo) keep vectors small but can silently drop a write when two clients write through one coordinator with the same stale context.",
            "Per-client actors or dotted version vectors keep both writes.",
            "Pruning the least recently updated entries beyond a threshold (Dynamo §4.4) costs false conflicts (extra siblings), not lost writes, while the writer's own entry is kept.",
            "Pruning by counter value is wrong: counters are not times.",
        ),
        reference=(
            "The first choice is whose counter a write increments. Counting per coordinating replica, as "
            "the Dynamo paper does, keeps vectors small, but section 4 of notebook 04 shows its cost: two "
            "clients writing through one replica with the same stale context get vectors where the second "
            "dominates the first, and an acknowledged write vanishes. Per-client actors, or dotted version "
            "vectors, keep both writes at the price of larger vectors. The second choice is pruning: Dynamo "
            "drops the least recently updated entry beyond a threshold of about ten (§4.4). Section 7.3 "
            "measures that every mistake pruning makes is a false conflict, an extra sibling, never a "
            "false order, because the entry just updated is never dropped. Pruning by counter value, as "
            "some notes suggest, drops quiet but recent writers and makes several times more mistakes."
        ),
        links=(_NB + "Run it: version vectors and siblings (C04)", _NB + "7.3 Pruned vector clocks (C04)"),
        sources=(
            "DeCandia et al., Dynamo: Amazon's Highly Available Key-value Store, SOSP 2007, §4.4",
            "Preguiça, Baquero, Almeida, Fonte and Gonçalves, Dotted Version Vectors: Logical Clocks for Optimistic Replication, 2010 (arXiv:1011.5808)",
        ),
    ),
]
