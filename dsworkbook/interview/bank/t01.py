"""Trade-off questions for theme T01: the network, its faults, and the eight fallacies.

Theory of operation
-------------------
Each :class:`~dsworkbook.interview.questions.Question` here is something a senior system-design
interviewer asks about unreliable networks: what a timeout means, how to retry, why a crash and a
partition look alike, exactly-once delivery, timeouts, the eight fallacies. The rules the bank
keeps (checked by :func:`dsworkbook.interview.questions.bank` and the bank's tests):

* every ``choice`` question has one or more right choices and exactly one right reason, and every
  wrong option is a mistake candidates or popular prep notes make;
* every ``links`` entry names a real heading of ``notebooks/01_network_and_fallacies.ipynb``, and
  the reference answer names the experiment there that shows it;
* every claim about a paper or a product is cited in ``sources``.
"""

from __future__ import annotations

from dsworkbook.interview.questions import Question

__all__ = ["QUESTIONS"]

_NB = "notebooks/01_network_and_fallacies.ipynb#"

QUESTIONS = [
    Question(
        id="T01-timeout-outcome",
        theme="T01",
        kind="choice",
        prompt=(
            "A checkout service calls a payment service to charge a card; the call times out after "
            "2 s with no reply. Which statements are right?"
        ),
        choices={
            "a": "The charge may have been applied: the reply may have been lost, or the server may still be working on it.",
            "b": "The charge failed, so the checkout can tell the user to try again with a new payment request.",
            "c": "Retrying with the same idempotency key is safe if the payment service stores the key with the charge and answers repeats with the first result.",
            "d": "A longer timeout removes the ambiguity: after 30 s of silence the request certainly did not arrive.",
            "e": "Retrying with a fresh request id is safe, because the first attempt clearly did not complete.",
        },
        answer=("a", "c"),
        reasons={
            "a": "Silence looks the same whether the request was lost, the server crashed before or after applying it, the reply was lost, or the server is slow, so the outcome is unknown and only a de-duplicated retry (or a read-back) resolves it.",
            "b": "TCP acknowledges every request, so a timeout means the server never received it.",
            "c": "A server that cannot deliver its reply rolls the operation back, so a timed-out request never takes effect.",
        },
        reason="a",
        rubric=(
            "The outcome of a timed-out request is unknown, not failed.",
            "Retries need an idempotency key that the server de-duplicates on, or they can apply the operation twice.",
            "Without keys, reconcile by reading back or asking a status endpoint before retrying.",
        ),
        reference=(
            "A timeout tells the client nothing about whether the charge happened: the request may have "
            "been lost, or applied with the reply lost, or still be in flight. So the honest outcome is "
            "unknown, and telling the user it failed invites a second charge. The fix is an idempotency "
            "key sent with every attempt of one operation, stored by the server with the effect, so a "
            "retry gets the first answer instead of a second charge. Section 5.1 of notebook 01 runs "
            "five clients over a network that loses 20% of messages: without keys the counter ends above "
            "the number of increments, with keys it is exact, and an operation that gave up is recorded "
            "as unknown. A longer timeout only changes how long the client waits, never what it knows."
        ),
        links=(
            _NB + "Reliable request-reply (N04)",
            _NB + "5.1 Retries without idempotency keys apply operations twice",
        ),
        sources=(
            "Kleppmann, Designing Data-Intensive Applications, O'Reilly 2017, ch. 8 (unreliable networks and timeouts)",
        ),
    ),
    Question(
        id="T01-retry-storm",
        theme="T01",
        kind="choice",
        prompt=(
            "A server restarts and, for half a second, every one of 40 clients' requests fails at the same "
            "moment. Which retry policy gives the server the best chance of recovering?"
        ),
        choices={
            "a": "Retry immediately, so the clients see the shortest outage.",
            "b": "Retry every 100 ms until it works.",
            "c": "Exponential backoff (10, 20, 40, ... ms) with a cap, no jitter.",
            "d": "Capped exponential backoff with full jitter, a bounded number of attempts and a retry budget.",
            "e": "Exponential backoff with jitter and unlimited attempts, so no request is ever given up.",
        },
        answer=("d",),
        reasons={
            "a": "Exponential growth alone reduces the number of retries enough; jitter only makes each client finish sooner.",
            "b": "Clients that failed together and back off by the same deterministic schedule retry together, so each wave hits the server at once; a random wait spreads the arrivals, and a budget stops retries from multiplying the load of an outage.",
            "c": "Jitter matters only for clients with unsynchronised clocks; with NTP the waves are already spread.",
        },
        reason="b",
        rubric=(
            "Deterministic backoff keeps failed clients synchronised: the retries arrive in waves.",
            "Jitter (a random wait up to the exponential ceiling) spreads the retries over time.",
            "Cap the backoff and the attempts, and keep a retry budget so retries cannot amplify an outage.",
        ),
        reference=(
            "Exponential backoff spaces the retries out, but clients that failed at the same moment follow "
            "the same schedule and come back at the same moments. Section 5.2 of notebook 01 shows it: "
            "with no jitter, client c0's sends fall at 40, 90, 160, 270, 460 and 810 ms like everybody "
            "else's, and the first wave after the server's return overflows its queue of 20; with full "
            "jitter the same retries arrive spread out (on seed 7 the peak falls from 41 to 8 requests per "
            "10 ms, and none is shed). "
            "Full jitter draws the wait uniformly between 0 and the capped exponential ceiling (Brooker, "
            "AWS Architecture Blog 2015). A cap on attempts and a retry budget (retries allowed only "
            "while they are a small share of requests, as in Google's SRE book) keep retries from "
            "turning a short outage into a long one."
        ),
        links=(_NB + "5.2 Backoff without jitter: the retry storm",),
        sources=(
            "Brooker, Exponential Backoff and Jitter, AWS Architecture Blog, 2015",
            "Beyer et al., Site Reliability Engineering, O'Reilly 2016, ch. 21 (retry budgets)",
        ),
    ),
    Question(
        id="T01-silence",
        theme="T01",
        kind="choice",
        prompt=(
            "Node A has not heard a heartbeat from node B for three heartbeat intervals. Which conclusions "
            "are justified?"
        ),
        choices={
            "a": "B has crashed.",
            "b": "The network is partitioned between A and B.",
            "c": "A may suspect B, and whatever it does on that suspicion must stay safe if B is in fact alive.",
            "d": "B cannot hear A either.",
            "e": "B may still be running and serving its own clients.",
        },
        answer=("c", "e"),
        reasons={
            "a": "Links are symmetric: if A cannot hear B, B cannot hear A, so both sides reach the same verdict.",
            "b": "Three missed heartbeats are enough for certainty on a data-centre network, where latency is bounded.",
            "c": "A crash, a partition, a one-way cut, a long GC pause and a slow link all produce the same silence, so a timeout yields a suspicion, never a certainty.",
        },
        reason="c",
        rubric=(
            "From inside, a crash, a partition, a one-way cut, a pause and a slow node look alike.",
            "A failure detector can only suspect; it can be wrong.",
            "Actions on a suspicion must be safe when it is wrong: terms or epochs, leases, fencing tokens.",
        ),
        reference=(
            "All A knows is that nothing arrived. Section 3.2 of notebook 01 partitions five heartbeating "
            "nodes and both sides suspect each other, unable to tell the partition from a crash; after a "
            "one-way cut n1 -> n3, n3 suspects n1 while n1 still hears n3. Section 3.4 pauses a node for "
            "300 ms: it is alive, and the world moves on without it. So A may suspect B, and B may still "
            "be serving clients or believe it holds a lease. Any action A takes - electing a new leader, "
            "taking over a lock - must remain safe if B comes back, which is why real systems pair "
            "failure detection with terms or epochs, leases and fencing tokens."
        ),
        links=(
            _NB + "3.2 Partitions, and the one-way cut",
            _NB + "3.4 A GC pause: the world moves on without you",
        ),
        sources=(
            "Kleppmann, Designing Data-Intensive Applications, O'Reilly 2017, ch. 8 (detecting faults; process pauses)",
        ),
    ),
    Question(
        id="T01-exactly-once",
        theme="T01",
        kind="choice",
        prompt=(
            "A product manager wants every payment event delivered from service A to service B exactly "
            "once, over an ordinary network. What do you build?"
        ),
        choices={
            "a": "Send over TCP: its sequence numbers and acknowledgements make delivery exactly-once.",
            "b": "At-least-once delivery (retry until acknowledged) plus an idempotent consumer that records each event id together with its effect.",
            "c": "At-most-once delivery, because a lost payment event is better than a duplicate one.",
            "d": "Kafka's idempotent producer; it makes the whole pipeline exactly-once end to end.",
        },
        answer=("b",),
        reasons={
            "a": "A sender cannot tell a lost message from a lost acknowledgement, so it must either retry (risking duplicates) or not (risking loss); a receiver that de-duplicates by id, atomically with the effect, makes the duplicates harmless.",
            "b": "TCP de-duplicates across reconnects and process restarts, so only the application's own retries need care.",
            "c": "Idempotency keys are needed only for reads; a write delivered twice is overwritten by the second copy.",
        },
        reason="a",
        rubric=(
            "Exactly-once delivery is impossible over a lossy network; effectively-once processing is what is built.",
            "At-least-once delivery with retries, plus de-duplication by an idempotency key or event id.",
            "The de-duplication record must be stored atomically with the effect.",
        ),
        reference=(
            "No protocol can deliver exactly once over a network that loses messages: after a missing "
            "acknowledgement the sender must choose between retrying and risking a duplicate, or not and "
            "risking a loss. So the design is at-least-once delivery plus idempotent processing: B keeps a "
            "table of processed event ids, written in the same transaction as the payment's effect, and "
            "answers a repeat without applying it again - effectively once. TCP only de-duplicates within "
            "one connection, not across reconnects or restarts. Kafka's idempotent producer removes "
            "duplicates caused by producer retries to a partition, which does not cover the consumer's "
            "side. Section 5.1 of notebook 01 shows the server's de-duplication table at work."
        ),
        links=(
            _NB + "Reliable request-reply (N04)",
            _NB + "5.1 Retries without idempotency keys apply operations twice",
        ),
        sources=(
            "Apache Kafka documentation, producer configuration enable.idempotence (https://kafka.apache.org/documentation/#producerconfigs_enable.idempotence)",
        ),
    ),
    Question(
        id="T01-choose-timeout",
        theme="T01",
        kind="open",
        prompt=(
            "Service A calls service B on every user request. How do you choose the timeout for that "
            "call, and what goes wrong if it is too short or too long?"
        ),
        rubric=(
            "Derive it from B's latency distribution under healthy load: above the p99 or p99.9, not the mean.",
            "Too short: healthy requests are retried, adding load and duplicates (and a retry storm under stress).",
            "Too long: users and threads wait on a dead or stuck server; resources pile up.",
            "Per-attempt timeout plus an overall deadline for the user request, passed down the call chain.",
            "Pair it with bounded, jittered retries and a retry budget.",
        ),
        reference=(
            "A timeout should mean that something is wrong, not that B is a little slow, so I set it from "
            "B's measured latency distribution under healthy load - above its p99 or p99.9 - and not from "
            "the median or mean. The shape matters: the playground of notebook 01 compares uniform and "
            "long-tail latency at the same mean, and the long tail lowers the median while raising the p99, "
            "so a timeout tuned on the median fires on healthy requests. Too short a timeout turns slow "
            "requests into retries, which add load exactly when B is struggling and create duplicates "
            "unless the calls are idempotent. Too long a timeout keeps users and threads waiting on a dead "
            "server and lets resources pile up. I use a per-attempt timeout plus an overall deadline for "
            "the user request, passed down so that B stops working on requests nobody waits for, and "
            "bounded retries with jitter and a retry budget."
        ),
        links=(
            _NB + "The network playground",
            _NB + "Reliable request-reply (N04)",
        ),
        sources=(
            "Beyer et al., Site Reliability Engineering, O'Reilly 2016, ch. 21 and 22 (handling overload; deadlines and cascading failures)",
        ),
    ),
    Question(
        id="T01-fallacies",
        theme="T01",
        kind="open",
        prompt=(
            "Pick three of the eight fallacies of distributed computing. For each, describe a production "
            "failure it causes and the design habit that prevents it."
        ),
        rubric=(
            "Names three genuine fallacies (the network is reliable; latency is zero; bandwidth is infinite; the network is secure; topology doesn't change; there is one administrator; transport cost is zero; the network is homogeneous).",
            "Gives a concrete failure for each, not a restatement of the fallacy.",
            "Gives a fix for each (e.g. retries with idempotency keys; timeouts from the tail; bounding what is in flight; authentication and replay protection; re-resolving addresses; batching).",
            "Notes that the failures combine: a fix for one (retries) creates another problem (duplicates, load) that needs its own fix.",
        ),
        reference=(
            "The network is reliable: a message or its reply is lost, a naive client waits forever or "
            "reports failure for a request that was applied; the fix is timeouts, retries and idempotency "
            "keys. Latency is zero: a page makes 50 sequential calls and one slow dependency drags every "
            "request to its tail; the fix is timeouts set from the p99, parallel or batched calls, and "
            "fewer round trips. Topology doesn't change: a client caches a server's address and keeps "
            "calling it after a failover; the fix is to look the address up again when the server stops "
            "answering. The list is L Peter Deutsch's seven (1994) plus James Gosling's 'the network is "
            "homogeneous'. Section 6 of notebook 01 runs each fallacy as a naive program and a fixed one on "
            "the same seed, and the fixes interact: retries fix loss but create duplicates and load, which "
            "need idempotency and jittered backoff."
        ),
        links=(_NB + "Break it: the eight fallacies (N03)",),
        sources=(
            "Deutsch, the fallacies of distributed computing (seven, 1994), with Gosling's eighth (about 1997)",
        ),
    ),
]
