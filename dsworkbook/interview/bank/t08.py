"""Trade-off questions for T08, Byzantine fault tolerance (notebook 08).

What senior interviews ask about BFT: why 3f+1 and the 2f+1 quorum, how many replies a client
needs, why PBFT has two voting phases, what a malicious primary can and cannot do, and when BFT
is worth its price. Every question links the section of ``notebooks/08_byzantine.ipynb`` that
shows the answer, and cites Castro and Liskov for every claim about PBFT.
"""

from __future__ import annotations

from dsworkbook.interview.questions import Question

__all__ = ["QUESTIONS"]

_NB = "notebooks/08_byzantine.ipynb#"
_PBFT = 'Castro and Liskov, "Practical Byzantine Fault Tolerance", OSDI 1999'

QUESTIONS = [
    Question(
        id="T08-replicas-for-f",
        theme="T08",
        kind="choice",
        prompt=(
            "You replicate a service with a PBFT-style protocol (asynchronous network, signed "
            "messages) and must tolerate f = 2 Byzantine replicas. Which cluster size and quorum "
            "size are the smallest that keep it safe?"
        ),
        choices={
            "a": "5 replicas, quorums of 3 (a majority, as for crash faults)",
            "b": "7 replicas, quorums of 5",
            "c": "7 replicas, quorums of 3 (f+1: at least one honest replica in every quorum)",
            "d": "6 replicas, quorums of 4",
        },
        answer=("b",),
        reasons={
            "a": "Signatures stop a traitor from lying about what others said, so a crash-style majority of 2f+1 replicas suffices.",
            "b": "A quorum only has to contain one honest replica, so f+1 votes are enough whatever n is.",
            "c": "A replica can wait for only n - f answers, so two quorums of n - f must share f+1 replicas to share an honest one: n - 2f >= f+1, i.e. n >= 3f+1 and quorums of 2f+1.",
            "d": "With an even n, two quorums of more than half always overlap, which is all safety needs.",
        },
        reason="c",
        rubric=(
            "n >= 3f+1, so 7 replicas for f = 2",
            "quorum 2f+1 = 5: two quorums of 5 among 7 meet in f+1 = 3 replicas, at least one honest",
            "you can wait for only n - f answers because f traitors may stay silent",
            "f+1 is the client's reply threshold, not a quorum: two sets of f+1 can be disjoint",
        ),
        reference=(
            "Seven replicas with quorums of five. A replica can never wait for more than n - f answers, "
            "because the f traitors may simply stay silent, and f of the answers it gets may be lies. Two "
            "quorums therefore have to overlap in at least f+1 replicas so that the overlap holds an honest "
            "replica that will not vote for two conflicting requests: 2(n - f) - n >= f+1 gives n >= 3f+1. "
            "Signatures do not lower the bound for asynchronous replication: a traitor can still sign two "
            "conflicting votes or stay silent. Notebook 08 checks the intersection by enumerating every pair "
            "of quorums up to n = 10 rather than trusting the formula, and shows that n = 3f or quorums of "
            "f+1 leave pairs whose overlap can be all traitors; the campaign's n_3f and prepare_f_plus_1 "
            "variants break agreement exactly that way."
        ),
        links=(_NB + "3.2 Byzantine quorums: why 3f+1 (B03)", _NB + "3.3 The campaign and its negative controls"),
        sources=(
            _PBFT + ", §3",
            'Malkhi and Reiter, "Byzantine Quorum Systems", Distributed Computing, 1998',
            'Lamport, Shostak and Pease, "The Byzantine Generals Problem", ACM TOPLAS, 1982',
        ),
    ),
    Question(
        id="T08-client-replies",
        theme="T08",
        kind="choice",
        prompt=(
            "A PBFT client with n = 4 replicas (f = 1) sends a request. What is the smallest number of "
            "replies it must collect before it may safely accept a result?"
        ),
        choices={
            "a": "1: the primary's reply, since the primary ordered the request",
            "b": "2 matching replies (same result) from distinct replicas",
            "c": "3 matching replies (2f+1), a full quorum",
            "d": "4 replies: every replica must have executed the request",
        },
        answer=("b",),
        reasons={
            "a": "At most f replicas lie, so among f+1 matching replies from distinct replicas at least one comes from an honest replica, whose result is the committed one.",
            "b": "The primary assigns the sequence number, so its reply is the authoritative one.",
            "c": "A result is only durable once a quorum has it, so the client must see the quorum itself.",
            "d": "Accepting fewer than all replies risks a replica that has not yet executed the request returning a different result later.",
        },
        reason="a",
        rubric=(
            "f+1 = 2 matching replies from distinct replicas",
            "at most f replicas lie, so one of the f+1 is honest",
            "durability is the replicas' job (commit at 2f+1), not the client's",
            "accepting a single early reply lets a liar decide the result",
        ),
        reference=(
            "Two matching replies from distinct replicas, f+1 in general. At most f replicas are faulty, so "
            "any f+1 that agree include an honest one, and an honest replica only replies with the result of "
            "executing the committed request in sequence order. The replicas already needed 2f+1 commits "
            "before executing, so the client does not have to see a quorum itself. Accepting the first reply "
            "is the classic mistake: notebook 08's accept_first variant lets a lying replica that answers "
            "first be believed, and the campaign catches it as a client-validity violation."
        ),
        links=(_NB + "2.1 The normal case (B01)", _NB + "3.3 The campaign and its negative controls", _NB + "What interviewers ask"),
        sources=(_PBFT + ", §4.1",),
    ),
    Question(
        id="T08-two-phases",
        theme="T08",
        kind="choice",
        prompt=(
            "Which statements about PBFT's PREPARE and COMMIT phases are true? Choose all that apply."
        ),
        choices={
            "a": "Once a replica is prepared (the pre-prepare plus 2f matching prepares), no honest replica can prepare a different request at the same view and sequence number.",
            "b": "Once a request is committed-local at an honest replica (2f+1 matching commits), any later view change keeps it at the same sequence number.",
            "c": "The COMMIT phase exists so that the client can collect f+1 replies.",
            "d": "A replica may execute a request as soon as it is committed-local, whatever its sequence number.",
            "e": "The PREPARE phase can be skipped when the primary signs its pre-prepare, because a signed message cannot be forged.",
        },
        answer=("a", "b"),
        reasons={
            "a": "Messages can be lost, so the second phase is a retransmission that makes delivery reliable.",
            "b": "Prepare orders a request within a view; commit carries that order across views, because 2f+1 commits mean f+1 honest replicas are prepared, and any 2f+1 view-change messages include one of them.",
            "c": "The commit phase lets the primary confirm its own proposal before replicas execute it.",
            "d": "The second phase makes all replicas execute at the same moment, so clients see one result.",
        },
        reason="b",
        rubric=(
            "prepared = pre-prepare + 2f matching prepares: one request per (view, n) among honest replicas",
            "committed-local = prepared + 2f+1 commits: the request survives view changes at its number",
            "execution strictly in sequence-number order",
            "a signed pre-prepare does not stop equivocation: the primary can sign two",
        ),
        reference=(
            "Statements a and b. The prepare phase orders a request within one view: 2f matching prepares plus "
            "the pre-prepare mean a quorum agreed, so a conflicting request cannot gather a quorum at the same "
            "view and number. The commit phase orders it across views: 2f+1 matching commits come from at least "
            "f+1 honest replicas, each of them prepared, and every NEW-VIEW is built from 2f+1 VIEW-CHANGE "
            "messages, which must include a prepared certificate from one of them. Execution must still follow sequence numbers, "
            "which notebook 08 shows by certifying sequence number 2 before 1 on one backup. A signature does "
            "not remove the need for prepares: a faulty primary can sign two different pre-prepares, as the "
            "equivocation run shows."
        ),
        links=(_NB + "2.1 The normal case (B01)", _NB + "2.3 The view change (B02)", _NB + "What interviewers ask"),
        sources=(_PBFT + ", §4.2 and §4.4",),
    ),
    Question(
        id="T08-malicious-primary",
        theme="T08",
        kind="open",
        prompt=(
            "In a PBFT cluster the primary turns malicious. What can it do to the service, what can it not "
            "do, and how does the protocol recover?"
        ),
        rubric=(
            "it cannot forge client requests or other replicas' votes (they are signed)",
            "it can stall, delay, or equivocate (different pre-prepares for one sequence number)",
            "water marks bound the sequence numbers it can assign",
            "backups' timers fire and they send VIEW-CHANGE with prepared certificates; the next primary is (v+1) mod n",
            "NEW-VIEW re-proposes prepared requests at their numbers and fills gaps with null requests",
            "an equivocation leaves two signed messages as evidence",
        ),
        reference=(
            "A malicious primary cannot invent a request, because requests carry the client's signature, and "
            "it cannot fake other replicas' prepares or commits. What it can do is refuse to order requests, "
            "delay them, or equivocate by sending different pre-prepares for one sequence number to different "
            "backups; the low and high water marks stop it from exhausting the sequence-number space. A backup "
            "that knows of a request it has not executed starts a timer, and when it expires it multicasts a "
            "VIEW-CHANGE carrying its latest stable checkpoint and a prepared certificate for each request it "
            "prepared. The primary of view v+1 collects 2f+1 of them and sends NEW-VIEW, which re-proposes "
            "every prepared request at its old number and a null request where no certificate exists, so "
            "execution never stalls at a hole. Notebook 08 runs a silent and an equivocating primary: both are "
            "replaced, every honest replica executes the same sequence, and the replica that received both "
            "pre-prepares keeps them as signed evidence against the primary."
        ),
        links=(
            _NB + "2.3 The view change (B02)",
            _NB + "2.2 Checkpoints, water marks and garbage collection (B02)",
            _NB + "3.1 One traitor, every strategy",
        ),
        sources=(_PBFT + ", §4.2-4.4",),
    ),
    Question(
        id="T08-when-bft",
        theme="T08",
        kind="open",
        prompt=(
            "A team proposes Byzantine fault tolerance instead of Raft for a metadata service inside one "
            "company's data centres. When is BFT worth it, and what does it cost?"
        ),
        rubric=(
            "BFT pays off when replicas do not trust each other or arbitrary faults must be masked (several organisations, compromised hosts)",
            "3f+1 replicas instead of 2f+1 for the same f",
            "O(n^2) messages per request from all-to-all PREPARE and COMMIT, measured against Raft's O(n)",
            "a signature (or MAC) check on every message",
            "inside one trust domain crash-fault consensus is the norm; mitigations: batching, small n, linear protocols such as HotStuff",
        ),
        reference=(
            "BFT is worth it when the replicas cannot trust each other: a ledger run jointly by several "
            "organisations, or a setting where a compromised or memory-corrupted replica must be outvoted rather "
            "than merely detected. Inside one company's data centres the usual threat is crashes, and "
            "crash-fault consensus such as Raft covers it with 2f+1 replicas. BFT needs 3f+1 replicas for the "
            "same f, and PBFT's all-to-all PREPARE and COMMIT phases cost on the order of n squared messages "
            "per request, against Raft's leader round trip of about 2(n-1). Notebook 08 measures both on the "
            "same workload and the ratio grows with n. Every message also needs a signature or MAC check, which "
            "is CPU on the critical path. Deployments keep n small, batch requests into one pre-prepare, or use "
            "a protocol with linear message cost such as HotStuff."
        ),
        links=(_NB + "3.5 The price: messages per request", _NB + "What interviewers ask"),
        sources=(
            _PBFT + ", §3 and §4.2",
            'Yin, Malkhi, Reiter, Gueta and Abraham, "HotStuff: BFT Consensus with Linearity and Responsiveness", PODC 2019',
        ),
    ),
    Question(
        id="T08-macs-or-signatures",
        theme="T08",
        kind="choice",
        prompt=(
            "A PBFT sketch in someone's study notes authenticates every replica message with HMAC-SHA256 keyed "
            "by the sender's public key. Which statements are true? Choose all that apply."
        ),
        choices={
            "a": "The tags authenticate nothing: anyone who knows the public key can compute them.",
            "b": "MACs with pairwise secret keys do authenticate a message to its receiver, but the receiver cannot prove to a third replica who sent it.",
            "c": "Signatures let a VIEW-CHANGE carry a prepared certificate that every replica can check, and let an equivocating primary's two messages serve as evidence.",
            "d": "The scheme is sound, because HMAC is one-way: knowing the key does not let anyone produce a valid tag.",
            "e": "Signatures cost about as much CPU as MACs, so there is no reason to prefer MACs.",
        },
        answer=("a", "b", "c"),
        reasons={
            "a": "HMAC's hash is preimage-resistant, so its key may be public.",
            "b": "Only client requests need authentication; messages between replicas can be trusted.",
            "c": "A MAC can be made by anyone who can check it, so it needs a shared secret and convinces only the holder of that secret; a signature can be checked by anyone and made only by the signer, which is what certificates and evidence need.",
        },
        reason="c",
        rubric=(
            "a MAC keyed by a public key is no authentication",
            "pairwise MACs are not transferable: no third-party proof",
            "signatures are transferable: certificates in VIEW-CHANGE, evidence of equivocation",
            "signatures cost more CPU; Castro and Liskov use MACs for speed and a more involved view change",
        ),
        reference=(
            "Statements a, b and c. A MAC is computed and checked with the same key, so a key everyone knows, "
            "such as a public key, lets everyone forge the tag. Pairwise secret keys fix that but still convince "
            "only the receiver, who could have made the tag itself, so a replica cannot prove to a third what "
            "another sent it. Signatures are transferable: a prepared certificate inside a VIEW-CHANGE can be "
            "checked by every replica, and two conflicting pre-prepares signed by one primary prove it lied. "
            "They cost far more CPU than MACs, which is why Castro and Liskov's implementation authenticates "
            "most messages with MACs and why the journal version works out a view change with MACs alone. "
            "Notebook 08 signs every message with Ed25519 and drives one backup by hand with a forged, a "
            "tampered, an unsigned and a replayed pre-prepare, each rejected and counted."
        ),
        links=(_NB + "2.4 Signatures, replays and recovery (B04)", _NB + "3.4 Common mistakes in PBFT sketches"),
        sources=(
            _PBFT,
            'Castro and Liskov, "Practical Byzantine Fault Tolerance and Proactive Recovery", ACM TOCS, 2002',
            'Krawczyk, Bellare and Canetti, "HMAC: Keyed-Hashing for Message Authentication", RFC 2104, 1997',
            'Josefsson and Liusvaara, "Edwards-Curve Digital Signature Algorithm (EdDSA)", RFC 8032, 2017',
        ),
    ),
]
