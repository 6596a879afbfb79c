"""Trade-off questions for theme T05: conflict resolution and CRDTs.

Theory of operation
-------------------
What senior interviewers ask about concurrent writes without coordination: how a counter merges,
which cart design keeps everyone's intent, what makes an LWW tie-break converge, how to bound
tombstones, state-based against operation-based CRDTs, and which policy to choose per field. The
rules the bank keeps (checked by :func:`dsworkbook.interview.questions.bank` and the bank's tests):
``choice`` questions have one or more right choices and exactly one right reason, with wrong
options taken from common mistakes (including the source notes' summing merge); every link names a
real heading of ``notebooks/05_crdts.ipynb``; every claim about a paper or a product is cited in
``sources``.
"""

from __future__ import annotations

from dsworkbook.interview.questions import Question

__all__ = ["QUESTIONS"]

_NB = "notebooks/05_crdts.ipynb#"

QUESTIONS = [
    Question(
        id="T05-gcounter-merge",
        theme="T05",
        kind="choice",
        prompt=(
            "A global like counter is a G-Counter - one entry per replica - on three replicas that gossip "
            "their whole state to each other. How must two states merge?"
        ),
        choices={
            "a": "Entry by entry, take the maximum.",
            "b": "Entry by entry, add the two values, so that every increment is counted.",
            "c": "Keep the state whose total is larger.",
            "d": "Keep the state with the later timestamp (last write wins).",
        },
        answer=("a",),
        reasons={
            "a": "Merge has to be commutative, and addition is commutative, so summing is safe.",
            "b": "The replica that counted more likes has the more recent view, so its state should win.",
            "c": "A state may arrive twice or by two paths, so merge must be idempotent, commutative and associative; each entry only grows and only its own replica increments it, so the larger copy of an entry has seen every increment of the smaller.",
        },
        reason="c",
        rubric=(
            "Merge = entrywise max; value = sum of the entries.",
            "Sum double-counts a state delivered twice (not idempotent).",
            "Whole-state choices (larger total, LWW) lose the other replicas' increments.",
        ),
        reference=(
            "Each replica increments only its own entry, so an entry only grows and the larger of two "
            "copies of it has seen every increment the smaller one has: merge takes the maximum per entry, "
            "and the value is the sum. That merge is commutative, associative and idempotent, so gossip "
            "that delivers a state twice or by two paths changes nothing (Shapiro et al. 2011). Summing the "
            "entries - the source notes' merge - counts a duplicate delivery twice; section 3 of notebook 05 "
            "finds the idempotence counterexample, and its fuzz campaign shows the summing counter never "
            "stops counting the same increments. Keeping the larger total or the later state drops the "
            "other replicas' increments."
        ),
        links=(_NB + "2.1 Counters (R02)", _NB + "The laws, checked (R05)"),
        sources=("Shapiro, Preguiça, Baquero and Zawirski, Conflict-free Replicated Data Types, SSS 2011",),
    ),
    Question(
        id="T05-cart",
        theme="T05",
        kind="choice",
        prompt=(
            "A shopping cart holds {eggs, milk} on three replicas. During a partition, replica A adds "
            "coffee while replica B removes eggs and adds bread. Which design ends, after the heal, with "
            "{milk, coffee, bread} on every replica?"
        ),
        choices={
            "a": "The whole cart in one last-write-wins register.",
            "b": "The whole cart in a multi-value register, with the reader taking the union of the siblings.",
            "c": "The cart as an OR-Set (observed-remove set).",
            "d": "The cart as a G-Set.",
        },
        answer=("c",),
        reasons={
            "a": "An OR-Set tags every add uniquely and a remove deletes only the tags it observed, so concurrent adds survive and observed removes stick; whole-cart values can only keep one side or union them, which undoes removes.",
            "b": "A union never loses data, and an extra item in a cart is harmless.",
            "c": "In an OR-Set a remove beats every concurrent add, so B's removal of the eggs sticks.",
        },
        reason="a",
        rubric=(
            "LWW keeps one side's whole cart and drops the other's edits.",
            "Union of siblings keeps every add but resurrects removed items (Dynamo §4.4).",
            "An OR-Set merges the effects of operations: adds win over concurrent removes, observed removes stick.",
        ),
        reference=(
            "A last-write-wins register keeps one side's whole cart, so either coffee or B's edits are "
            "lost. A multi-value register keeps both carts as siblings; taking their union keeps every add "
            "but brings back the eggs B removed - the Dynamo paper's cart never loses an add but can "
            "resurrect a delete (DeCandia et al. 2007, §4.4). A G-Set cannot remove at all. The OR-Set "
            "merges the operations' effects: each add carries a unique tag, a remove deletes the tags it "
            "saw, so the result is {milk, coffee, bread}. Section 5 of notebook 05 runs the three designs "
            "on the simulator, and with B's clock 100 ms behind, LWW keeps the wrong cart while the OR-Set "
            "does not look at clocks at all."
        ),
        links=(_NB + "The application merge: a shopping cart (R01)", _NB + "2.3 Sets (R03, R04)"),
        sources=(
            "DeCandia et al., Dynamo: Amazon's Highly Available Key-value Store, SOSP 2007, §4.4",
            "Shapiro, Preguiça, Baquero and Zawirski, A comprehensive study of Convergent and Commutative Replicated Data Types, INRIA RR-7506, 2011 (OR-Set)",
        ),
    ),
    Question(
        id="T05-lww-tiebreak",
        theme="T05",
        kind="choice",
        prompt=(
            "Two writes to an LWW register carry the same timestamp. Which tie-breaks make every replica "
            "end with the same value?"
        ),
        choices={
            "a": "Compare (timestamp, replica id).",
            "b": "On a tie, keep the value the replica already holds.",
            "c": "On a tie, keep the value whose Python hash() is larger.",
            "d": "On a tie, pick one at random.",
            "e": "Compare (timestamp, a unique write id drawn when the write was made and carried with it).",
        },
        answer=("a", "e"),
        reasons={
            "a": "With millisecond clocks ties never happen, so any tie-break will do.",
            "b": "Merge must be commutative: two replicas that see the writes in opposite orders must pick the same winner, so the tie-break must be a total order on data carried in the stamps, identical on every machine.",
            "c": "Any deterministic function of the replica's own state makes the replicas agree.",
        },
        reason="b",
        rubric=(
            "The tie-break must be total and computed the same way everywhere from the stamps.",
            "Keeping the local value or choosing at random makes merge non-commutative: replicas disagree forever.",
            "Python's hash() of a string differs between processes (hash randomisation).",
        ),
        reference=(
            "An LWW register converges only if its merge is commutative: replicas that receive the two "
            "writes in opposite orders must keep the same one. So the stamp must be totally ordered, and "
            "computed the same way on every machine from data the write carries: (timestamp, replica id), "
            "as in Shapiro et al.'s LWW-Register, or (timestamp, unique write id). Keeping the local value "
            "on a tie makes each replica keep its own; a random choice differs per replica; Python's hash() "
            "of a string is salted per process. Section 2.2 of notebook 05 shows the (time, replica) "
            "tie-break, and section 3's law checker catches the register that keeps its own value on a tie, "
            "with the states that break commutativity."
        ),
        links=(_NB + "2.2 Registers (R01, R03)", _NB + "The laws, checked (R05)"),
        sources=(
            "Shapiro, Preguiça, Baquero and Zawirski, A comprehensive study of Convergent and Commutative Replicated Data Types, INRIA RR-7506, 2011 (LWW-Register)",
            "Python documentation, object.__hash__ and PYTHONHASHSEED (hash randomisation of str and bytes)",
        ),
    ),
    Question(
        id="T05-tombstones",
        theme="T05",
        kind="choice",
        prompt="An OR-Set's tombstones grow without bound. Which ways of shrinking its metadata are safe?",
        choices={
            "a": "Drop every tombstone older than 24 hours.",
            "b": "Keep no tombstones; keep a version vector of every add tag seen, and treat an entry missing on one side as removed if that side's vector covers its tag.",
            "c": "Drop a tombstone once every replica is known to have seen the removal.",
            "d": "Compress the tombstones away whenever the set grows large.",
        },
        answer=("b", "c"),
        reasons={
            "a": "Tombstones are only needed to order adds, and a Merkle tree does that job more cheaply.",
            "b": "Replicas that were offline for a day resynchronise from scratch, so age is a safe criterion.",
            "c": "A tombstone tells a replica that still holds an element's tag that the tag was removed; it may go only when no replica can still present that tag as new, or when a summary such as a version vector records that the tag was seen.",
        },
        reason="c",
        rubric=(
            "Dropping a tombstone early resurrects removed elements on the next merge.",
            "The optimised OR-Set (Bieniusa et al. 2012) replaces tombstones with a version vector.",
            "Causal stability: drop once every replica has seen the removal.",
            "Time-based expiry is safe only if every replica is guaranteed to sync within the window.",
        ),
        reference=(
            "A tombstone exists so that a replica still holding the removed element's tag learns it was "
            "removed rather than newly added. The optimised OR-Set of Bieniusa et al. (2012) keeps no "
            "tombstones: a version vector of every tag it has seen tells it that a tag missing here was "
            "removed, while a tag it has not seen is new. Alternatively a tombstone can go once every "
            "replica is known to have seen the removal (causal stability; Baquero, Almeida and Shoker 2014). "
            "Dropping by age is safe only if every replica is guaranteed to sync within the window, and "
            "compressing whenever convenient is the broken OR-Set of notebook 05: its fuzz campaign shows "
            "removed items coming back, often with no fault at all."
        ),
        links=(_NB + "2.3 Sets (R03, R04)", _NB + "Break it: replicas on the simulator"),
        sources=(
            "Bieniusa, Zawirski, Preguiça, Shapiro, Baquero, Balegas and Duarte, An optimized conflict-free replicated set, 2012",
            "Baquero, Almeida and Shoker, Making Operation-based CRDTs Operation-based, DAIS 2014",
        ),
    ),
    Question(
        id="T05-state-vs-op",
        theme="T05",
        kind="open",
        prompt=(
            "State-based or operation-based CRDTs: what does each ask of the network, and when would you "
            "pick which?"
        ),
        rubric=(
            "State-based: merge is a join (commutative, associative, idempotent), updates inflate; tolerates loss, duplication and reordering, needs only eventual delivery.",
            "Operation-based: every operation delivered exactly once to every replica, in causal order; concurrent operations commute.",
            "Trade-off: whole states are big; operations are small but need a reliable causal broadcast.",
            "Delta-state CRDTs ship small state fragments that merge like whole states.",
        ),
        reference=(
            "A state-based CRDT ships whole states and merges them with a join, which is commutative, "
            "associative and idempotent, while every update goes up in the order; then loss (a later round "
            "resends), duplication and reordering do no harm, and replicas that received the same updates "
            "are equal (Shapiro et al. 2011, Theorem 2.1). An operation-based CRDT ships each update as an "
            "operation, much smaller, but needs every operation delivered exactly once to every replica in "
            "causal order, with concurrent operations commuting (Theorem 2.2) - in practice a reliable "
            "causal broadcast layer. Notebook 05 uses state-based types because its simulator loses, "
            "duplicates and reorders messages, and its fuzz campaign shows them converging under those "
            "faults. Delta-state CRDTs (Almeida, Shoker and Baquero 2018) ship small fragments that merge "
            "like states, getting most of both."
        ),
        links=(_NB + "The idea", _NB + "Break it: replicas on the simulator"),
        sources=(
            "Shapiro, Preguiça, Baquero and Zawirski, Conflict-free Replicated Data Types, SSS 2011, Theorems 2.1 and 2.2",
            "Almeida, Shoker and Baquero, Delta state replicated data types, JPDC 2018",
        ),
    ),
    Question(
        id="T05-conflict-policy",
        theme="T05",
        kind="open",
        prompt=(
            "Two users edit the same document record on different sides of a partition. Walk through your "
            "options for resolving the conflict and what each costs."
        ),
        rubric=(
            "LWW: simple, silently loses one write, trusts clocks - acceptable for fields where the latest value is all that matters.",
            "Siblings returned to the application: nothing lost, but every reader must merge, and a naive union resurrects deletes.",
            "A CRDT per data type (counter, set, map, text) merges by construction.",
            "Choose per field; converging is not the same as losing nothing.",
        ),
        reference=(
            "First, last-write-wins: simple and convergent, but it silently drops one of the concurrent "
            "writes, and 'last' is by the writers' clocks - fine for a profile picture, wrong for a cart. "
            "Second, keep both versions as siblings, as Dynamo and Riak do, and let the application merge: "
            "nothing is lost, but every reader must merge, and a naive union brings deleted items back "
            "(DeCandia et al. 2007, §4.4). Third, a CRDT for the data type - counters, OR-Sets, maps, a "
            "sequence CRDT for text - whose merge keeps every update's effect by construction. Real designs "
            "choose per field, as Riak's maps nest counters, sets, registers and flags. Notebook 05's "
            "conflict playground runs the three policies side by side on the same partition."
        ),
        links=(_NB + "The idea", _NB + "The conflict playground"),
        sources=(
            "DeCandia et al., Dynamo: Amazon's Highly Available Key-value Store, SOSP 2007, §4.4",
            "Riak KV documentation, 'Data Types' (maps, counters, sets, registers, flags)",
        ),
    ),
]
