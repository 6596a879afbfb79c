"""The requirements of the decision drill (I01): what an interviewer asks you to design, as checklist facts.

Theory of operation
-------------------
A :class:`Requirement` is a short title ("a global like counter"), a story that states in words
everything the checklist asks, and the checklist's answers (``facts``, the keys of
:data:`dsworkbook.interview.decisions.FACTS`). The options each dimension accepts are never
written here: :func:`dsworkbook.interview.decisions.rules` derives them from the facts, so the
drill, the exercise and this catalog cannot disagree. Adding a requirement is adding a story and
its facts; a test checks every story's facts against the rules and every link against the
notebooks.

This module is plain data and imports nothing from the workbook, so the rules can import it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Requirement", "REQUIREMENTS"]


@dataclass(frozen=True)
class Requirement:
    """One requirement of the drill (see the module doc)."""

    id: str
    title: str
    story: str
    facts: dict[str, Any] = field(hash=False)


def _r(id: str, title: str, story: str, *, one_truth: bool = False, same_order: bool = False,
       causal: bool = False, own_writes: bool = False, merge: bool = False, access: str = "point",
       hot_key: bool = False, single_actor: bool = False, events: str = "none", scope: str = "key") -> Requirement:
    return Requirement(id, title, " ".join(story.split()), dict(
        one_truth=one_truth, same_order=same_order, causal=causal, own_writes=own_writes, merge=merge,
        access=access, hot_key=hot_key, single_actor=single_actor, events=events, scope=scope))


REQUIREMENTS: tuple[Requirement, ...] = (
    _r("like-counter", "a global like counter", """Users in every region press like on posts. The count shown
       may lag by seconds, but no like may be lost, and concurrent likes in two regions must both count. Presses
       reach the counting service through a queue and are re-sent until acknowledged; a press is keyed by
       (user, post), so a repeat changes nothing. Counts are read by post id.""",
       merge=True, events="all"),
    _r("payment-ledger", "a payment ledger", """A transfer debits one account and credits another. A balance
       must never go below zero, and every reader must see the same balances right after a transfer. Accounts
       live on different shards of one database whose shards can prepare a transaction; the debit and the
       credit commit together or not at all, and nobody may see one without the other.""",
       one_truth=True, scope="shards"),
    _r("seat-booking", "a seat-booking service", """Fans pick seats for a concert. A seat must never be sold
       twice, even when two fans press buy at the same moment. Seats are looked up by (show, seat). A booking
       must trigger exactly one confirmation e-mail, sent by another service through a queue, and a booking
       that rolls back must send none.""",
       one_truth=True, events="effect-once", scope="write-and-event"),
    _r("feature-flags", "a feature-flag store", """Engineers change flags a few times a day; thousands of
       servers read every flag on every request. A server may apply a change a few seconds late, but all
       servers must see the changes in the order they were made (a kill switch must never be overtaken by an
       older change). All flags fit in memory on one machine. Changes are pushed to the servers through a
       stream and re-sent until acknowledged; each message carries a flag's whole state, so a repeat is
       harmless.""",
       same_order=True, access="none", events="all"),
    _r("order-pipeline", "an order pipeline across three services", """An order reserves stock in the
       inventory service, charges the card in the payments service and books a courier in the shipping
       service; each service has its own database. If a step fails, the earlier steps must be undone. Steps
       talk through a queue, and a card must never be charged twice. Orders are looked up by id; a few seconds
       of lag in the order's status page is fine.""",
       events="effect-once", scope="services"),
    _r("shopping-cart", "a shopping cart that is always writable", """Shoppers add and remove items from any
       region, even while regions cannot reach each other. An added item must never be lost, and two devices
       changing one cart at the same time must both take effect. Carts are read by user id.""",
       merge=True),
    _r("session-store", "a login session store", """A user logs in and each request goes to any web server.
       The next request must see the session the user just created; no one else ever reads it. Sessions are
       looked up by id.""",
       own_writes=True),
    _r("billing-job", "a nightly billing job on a fleet of workers", """A fleet of workers runs a nightly billing
       job. At most one worker may run it at a time, even if a worker pauses for a minute in garbage collection
       and wakes up believing it still holds the job. The job writes its results as several rows of one
       database in one go. The schedule itself is a handful of entries.""",
       one_truth=True, single_actor=True, access="none", scope="rows"),
    _r("partition-leaders", "a registry of partition leaders", """The brokers of a message system must agree on
       which broker leads each partition: two leaders for one partition would let its log diverge. A broker
       that stops answering must be replaced. The registry is small.""",
       one_truth=True, single_actor=True, access="none"),
    _r("collab-editor", "a collaborative document editor", """Several people type into one document at once,
       some of them offline on a train. Everyone must end with the same text and no one's typing may be lost;
       a reply comment must never show before the comment it answers. Documents are opened by id. Edits are
       re-sent to the server until acknowledged; each carries a unique id, so a repeat is recognised.""",
       causal=True, merge=True, events="all"),
    _r("news-feed", "a social news feed with comments", """Users post and comment. A comment must never appear
       before the post it answers; a few seconds of lag is fine otherwise. Feeds are read by user id. New posts
       are copied into followers' feeds through a queue, re-sent until acknowledged; a post copied twice is
       removed by its id.""",
       causal=True, events="all"),
    _r("flash-sale", "stock for a flash sale", """10,000 units of one product go on sale at noon and a million
       buyers try at once. Never sell more than 10,000. Almost every write of the sale hits that one product's
       stock; products are looked up by id.""",
       one_truth=True, hot_key=True),
    _r("device-metrics", "metrics from a million devices", """A million devices send a temperature reading
       every ten seconds; dashboards plot averages per device over time ranges. A lost reading now and then
       does no harm. Readings are stored by (device, time) and read as time ranges of one device.""",
       access="range", events="lossy"),
    _r("audit-log", "an audit log of account changes", """Every change to an account is appended to an audit
       log. Auditors must see each account's changes in the order they happened, every reader in the same
       order, possibly a little behind; no entry may be lost. Entries are read as ranges by (account, time).
       A copier ships the log to cold storage, re-sending until acknowledged; it overwrites by entry id, so a
       repeat is harmless.""",
       same_order=True, access="range", events="all"),
    _r("welcome-email", "sign-up with a welcome e-mail", """A user signs up (a row in the users database) and
       must receive exactly one welcome e-mail, sent by the e-mail service through a queue; a sign-up that rolls
       back must send nothing. The new user must see their own profile on the next page; others may see it
       later. Users are looked up by id.""",
       own_writes=True, events="effect-once", scope="write-and-event"),
    _r("rate-limiter", "a rate limiter across forty gateways", """Forty API gateways enforce 1,000 requests per
       minute per API key. A few percent over the limit for a few seconds is acceptable; added latency on every
       request is not. Each gateway counts locally and gossips its counts to the others; a lost gossip message
       is replaced by the next one. Keys are looked up by id.""",
       merge=True, events="lossy"),
    _r("usernames", "unique usernames", """At sign-up a user picks a name. Two users must never get the same
       name, even if they press sign-up at the same moment in two regions. Names are looked up one at a
       time.""",
       one_truth=True),
    _r("trip-booking", "a trip booked with three partners", """A trip books a flight, a hotel and a car at three
       partner companies through their public APIs; none offers a prepare step. If the car fails, the flight and
       the hotel must be cancelled. Each call carries an idempotency key and is retried until answered, and
       each booking must happen once. The traveller must see their own trip right after booking; trips are
       read by id.""",
       own_writes=True, events="effect-once", scope="services"),
    _r("product-catalog", "a global product catalog", """Merchants edit product pages a few times a day;
       shoppers in every region read them millions of times a minute. A page may be minutes old. Products are
       looked up by id. An edit is sent to every regional cache as an invalidation message, re-sent until
       acknowledged; a repeated invalidation is harmless.""",
       events="all"),
    _r("profile-edits", "a user profile with read-your-own-edits", """Users edit their profile: its row and its
       photo row change together, in one database. The user must see their own edit on the next page; other
       users may see it seconds later. Profiles are looked up by id.""",
       own_writes=True, scope="rows"),
    _r("compactor", "one compactor per storage partition", """Workers compact the files of storage partitions.
       Two compactors on one partition would corrupt it. A worker can pause for a long garbage collection or
       lose its network and come back believing it still holds the partition. The list of partitions is
       small.""",
       one_truth=True, single_actor=True, access="none"),
    _r("chat-room", "messages in a chat room", """Members of a room post messages. All members must see a room's
       messages in one order, the same for everyone, a moment late at most; no message may be lost. Rooms are
       read by id. Messages reach members' devices through a push queue, re-sent until acknowledged; each
       carries an id the device uses to drop repeats.""",
       same_order=True, events="all"),
)
