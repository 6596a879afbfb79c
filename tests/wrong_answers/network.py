"""Right and plausible wrong answers to the T01 exercises, for proving the checks discriminate.

``RIGHT[exercise_id]`` is a correct answer; ``WRONG[exercise_id]`` lists wrong ones, each with
a comment naming the mistake it makes; ``ALSO_RIGHT`` holds other correct answers.
tests/test_exercises.py and tests/test_grading_network.py run every one of them.
"""

from __future__ import annotations

import math
import random
import time
from typing import Any

from dsworkbook.reliability import NaiveRetryClient, backoff_delay
from dsworkbook.sim.examples import NaiveGossip
from tests.wrong_answers import Answer

# -- 01-backoff -------------------------------------------------------------------------------------


def _ceiling(attempt: int, base: float, cap: float) -> float:
    return cap if attempt >= 64 else min(cap, base * 2 ** attempt)


def backoff_right(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    return rng.uniform(0, _ceiling(attempt, base, cap))


def backoff_right_other_draw(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    # also right: a different way of drawing the same uniform distribution
    return _ceiling(attempt, base, cap) * (1.0 - rng.random())


def backoff_right_beta(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    # also right: Beta(1, 1) is the uniform distribution, drawn another way
    return _ceiling(attempt, base, cap) * rng.betavariate(1, 1)


def backoff_right_log2(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    # also right: compare exponents instead of computing a huge power
    if base == 0 or attempt >= math.log2(cap / base):
        return rng.uniform(0, cap)
    return rng.uniform(0, base * 2 ** attempt)


def backoff_no_jitter(attempt, base, cap, rng):
    return _ceiling(attempt, base, cap)  # no jitter: every client waits the same


def backoff_no_cap(attempt, base, cap, rng):
    return rng.uniform(0, base * 2 ** min(attempt, 60))  # no cap: waits grow without bound


def backoff_linear(attempt, base, cap, rng):
    return rng.uniform(0, min(cap, base * (attempt + 1)))  # linear growth, not exponential


def backoff_global_random(attempt, base, cap, rng):
    return random.uniform(0, _ceiling(attempt, base, cap))  # the global random: not reproducible from the seed


def backoff_equal_jitter(attempt, base, cap, rng):
    c = _ceiling(attempt, base, cap)
    return c / 2 + rng.uniform(0, c / 2)  # equal jitter, not the full jitter asked for


def backoff_off_by_one(attempt, base, cap, rng):
    return rng.uniform(0, _ceiling(attempt + 1, base, cap))  # first retry waits up to 2*base, not base


def backoff_triangular(attempt, base, cap, rng):
    return rng.triangular(0, _ceiling(attempt, base, cap))  # jittered, but bunched in the middle: not uniform


def backoff_jitter_added(attempt, base, cap, rng):
    return _ceiling(attempt, base, cap) + rng.uniform(0, base)  # jitter added on top: exceeds the cap


def backoff_overflows(attempt, base, cap, rng):
    return rng.uniform(0, min(cap, base * 2 ** attempt))  # right until attempt ~1030: then the float overflows


def backoff_clamped_after(attempt, base, cap, rng):
    return min(cap, rng.uniform(0, base * 2 ** min(attempt, 60)))  # clamps the draw: a pile of waits on the cap


def backoff_cap_on_base(attempt, base, cap, rng):
    return rng.uniform(0, min(cap, base) * 2 ** min(attempt, 60))  # caps the base, not the wait


def backoff_integer_ms(attempt, base, cap, rng):
    return float(rng.randint(0, int(_ceiling(attempt, base, cap))))  # whole ms only: 0 for a ceiling below 1 ms


def backoff_from_base(attempt, base, cap, rng):
    return rng.uniform(base, max(base, _ceiling(attempt, base, cap)))  # never shorter than base: not full jitter


def backoff_private_rng(attempt, base, cap, rng):
    return random.Random(attempt).uniform(0, _ceiling(attempt, base, cap))  # a fixed generator: ignores rng


# -- 01-dedup ---------------------------------------------------------------------------------------


class DedupRight:
    def __init__(self) -> None:
        self.value = 0
        self.first: dict[str, int] = {}

    def handle(self, req_id: int, idem_key: str, amount: int) -> int:
        if idem_key not in self.first:
            self.value += amount
            self.first[idem_key] = self.value
        return self.first[idem_key]


class DedupSetdefault:
    # also right: one dict, value computed on first sight of the key
    def __init__(self):
        self.total, self.seen = 0, {}

    def handle(self, req_id, idem_key, amount):
        if idem_key not in self.seen:
            self.total += amount
            self.seen[idem_key] = self.total
        return self.seen[idem_key]


class DedupNone:
    """Applies every request: no de-duplication at all."""

    def __init__(self) -> None:
        self.value = 0

    def handle(self, req_id, idem_key, amount):
        self.value += amount
        return self.value


class DedupByReqId(DedupRight):
    """Keys the table on req_id, which is new for every attempt: retries get applied again."""

    def handle(self, req_id, idem_key, amount):
        return super().handle(req_id, str(req_id), amount)


class DedupCurrentValue(DedupRight):
    """Skips a retry but answers it with the current value instead of the cached result."""

    def handle(self, req_id, idem_key, amount):
        if idem_key in self.first:
            return self.value
        return super().handle(req_id, idem_key, amount)


class DedupByAmount(DedupRight):
    """Keys the table on the amount: two different ops with the same amount look like one."""

    def handle(self, req_id, idem_key, amount):
        return super().handle(req_id, f"amount={amount}", amount)


class DedupShared:
    """Keeps its table as a class attribute: every counter object shares one table."""

    value = 0
    first: dict = {}

    def handle(self, req_id, idem_key, amount):
        if idem_key not in DedupShared.first:
            DedupShared.value += amount
            DedupShared.first[idem_key] = DedupShared.value
        return DedupShared.first[idem_key]


class DedupKeyAndAmount(DedupRight):
    """Keys the table on (key, amount): a repeated key with another amount is applied again."""

    def handle(self, req_id, idem_key, amount):
        return super().handle(req_id, f"{idem_key}|{amount}", amount)


class DedupLastKeyOnly(DedupRight):
    """Remembers only the last key: a retry of an older op, after another op, is applied again."""

    def handle(self, req_id, idem_key, amount):
        if idem_key != getattr(self, "last", None):
            self.first = {k: v for k, v in self.first.items() if k == idem_key}
        self.last = idem_key
        return super().handle(req_id, idem_key, amount)


class DedupBounded(DedupRight):
    """Keeps the 1,000 most recent keys: a retry that comes back later than that is applied again."""

    def handle(self, req_id, idem_key, amount):
        got = super().handle(req_id, idem_key, amount)
        while len(self.first) > 1000:
            del self.first[next(iter(self.first))]
        return got


class DedupValueBefore(DedupRight):
    """Remembers the value before the increment: a retry gets an answer one increment short."""

    def handle(self, req_id, idem_key, amount):
        if idem_key in self.first:
            return self.first[idem_key]
        self.first[idem_key] = self.value
        self.value += amount
        return self.value


class DedupReturnsAmount(DedupRight):
    """Applies once, but answers with the amount instead of the counter's value."""

    def handle(self, req_id, idem_key, amount):
        super().handle(req_id, idem_key, amount)
        return amount


class DedupSetOrderEviction(DedupRight):
    """Evicts an arbitrary key (a set's order: hash-salted) once 40 are kept: forgets keys, differently per process."""

    def __init__(self):
        super().__init__()
        self.keys: set[str] = set()

    def handle(self, req_id, idem_key, amount):
        got = super().handle(req_id, idem_key, amount)
        self.keys.add(idem_key)
        if len(self.keys) > 40:
            gone = next(iter(self.keys))
            self.keys.discard(gone)
            self.first.pop(gone, None)
        return got


# -- 01-partition-detect ------------------------------------------------------------------------------


def _components(nodes, linked) -> list[set[str]]:
    groups: list[set[str]] = []
    for n in nodes:
        joined = [g for g in groups if any(linked(n, m) for m in g)]
        merged = {n}.union(*joined) if joined else {n}
        groups = [g for g in groups if g not in joined] + [merged]
    return groups


def groups_right(last_heard: dict, now: float, timeout: float) -> list[set[str]]:
    def hears(a, b):
        return b in last_heard[a] and now - last_heard[a][b] <= timeout

    return _components(list(last_heard), lambda a, b: hears(a, b) and hears(b, a))


def groups_networkx(last_heard, now, timeout):
    # also right: networkx connected components
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(last_heard)
    for a, row in last_heard.items():
        for b, t in row.items():
            back = last_heard.get(b, {}).get(a)
            if now - t <= timeout and back is not None and now - back <= timeout:
                g.add_edge(a, b)
    return list(nx.connected_components(g))


def groups_bfs(last_heard, now, timeout):
    # also right: breadth-first search over each node's own row
    seen, out = set(), []
    for start in last_heard:
        if start in seen:
            continue
        group, todo = {start}, [start]
        while todo:
            a = todo.pop()
            for b, t in last_heard[a].items():
                back = last_heard.get(b, {}).get(a)
                if b not in group and now - t <= timeout and back is not None and now - back <= timeout:
                    group.add(b)
                    todo.append(b)
        seen |= group
        out.append(group)
    return out


def groups_one_way(last_heard, now, timeout):
    def hears(a, b):
        return b in last_heard[a] and now - last_heard[a][b] <= timeout

    return _components(list(last_heard), lambda a, b: hears(a, b) or hears(b, a))  # one way is enough: wrong


def groups_ignore_now(last_heard, now, timeout):
    # anyone ever heard counts as alive: stale heartbeats are trusted
    return _components(list(last_heard), lambda a, b: b in last_heard[a] and a in last_heard[b])


def groups_cliques(last_heard, now, timeout):
    # only direct pairs: a chain a-b-c is split instead of being one group
    def hears(a, b):
        return b in last_heard[a] and now - last_heard[a][b] <= timeout

    groups: list[set[str]] = []
    for n in last_heard:
        for g in groups:
            if all(hears(n, m) and hears(m, n) for m in g):
                g.add(n)
                break
        else:
            groups.append({n})
    return groups


def groups_drop_loners(last_heard, now, timeout):
    return [g for g in groups_bfs(last_heard, now, timeout) if len(g) > 1]  # forgets isolated nodes


def groups_strict(last_heard, now, timeout):
    # a heartbeat exactly `timeout` old is wrongly treated as too old (< instead of <=)
    return groups_bfs(last_heard, now, timeout - 1e-9)


def groups_union_find_bug(last_heard, now, timeout):
    # union-find that links a to b without finding their roots: chains seen in some orders break apart
    parent = {n: n for n in last_heard}

    def root(n):
        while parent[n] != n:
            n = parent[n]
        return n

    for a, row in last_heard.items():
        for b, t in row.items():
            back = last_heard.get(b, {}).get(a)
            if now - t <= timeout and back is not None and now - back <= timeout:
                parent[a] = b
    out: dict[str, set[str]] = {}
    for n in last_heard:
        out.setdefault(root(n), set()).add(n)
    return list(out.values())


def groups_one_direction_by_id(last_heard, now, timeout):
    # checks only the direction from the smaller id to the larger one ("n10" < "n9" as strings)
    def hears(a, b):
        return b in last_heard[a] and now - last_heard[a][b] <= timeout

    return _components(list(last_heard), lambda a, b: hears(a, b) if a < b else hears(b, a))


def groups_newest_as_now(last_heard, now, timeout):
    # measures age from the newest heartbeat in the table instead of from `now`
    newest = max((t for row in last_heard.values() for t in row.values()), default=now)
    return groups_bfs(last_heard, newest, timeout)


def groups_neighbourhoods(last_heard, now, timeout):
    # each node's direct neighbours as a group: overlapping groups, not connected components
    out = []
    for a, row in last_heard.items():
        g = {a} | {b for b, t in row.items() if now - t <= timeout and now - last_heard.get(b, {}).get(a, -1e18) <= timeout}
        if g not in out:
            out.append(g)
    return out


def groups_recursive(last_heard, now, timeout):
    # depth-first search by recursion: fine for small clusters, RecursionError on a chain of 2,000 nodes
    def hears(a, b):
        t = last_heard.get(a, {}).get(b)
        return t is not None and now - t <= timeout

    seen: set[str] = set()

    def visit(a, group):
        group.add(a)
        seen.add(a)
        for b in last_heard[a]:
            if b not in seen and b in last_heard and hears(a, b) and hears(b, a):
                visit(b, group)

    out = []
    for n in last_heard:
        if n not in seen:
            group: set[str] = set()
            visit(n, group)
            out.append(group)
    return out


# -- 01-trace-stats -------------------------------------------------------------------------------------


def _stats(messages, sent_fn=None, delivered_fn=None, *, lost_fn=None, dup_fn=None, lat_fn=None, q=None,
           all_row=True):
    import pandas as pd

    sent_fn = sent_fn or (lambda g: g["msg_id"].nunique())
    delivered_fn = delivered_fn or (lambda g: g["outcome"] == "delivered")

    def summarise(g):
        delivered = g[delivered_fn(g)]
        per_msg = delivered.groupby("msg_id").size()
        sent = sent_fn(g)
        lat = lat_fn(g) if lat_fn else delivered["latency"]
        quant = q or (lambda s, p: s.quantile(p) if len(s) else float("nan"))
        return {"sent": sent, "delivered": len(delivered),
                "lost": lost_fn(g, sent, per_msg) if lost_fn else sent - len(per_msg),
                "duplicates": dup_fn(g, sent, per_msg, delivered) if dup_fn else int((per_msg - 1).sum()),
                "p50": quant(lat, 0.5), "p99": quant(lat, 0.99)}

    rows = {k: summarise(g) for k, g in messages.groupby(["src", "dst"])}
    if all_row:
        rows[("all", "all")] = summarise(messages)
    df = pd.DataFrame.from_dict(rows, orient="index")
    df.index = pd.MultiIndex.from_tuples(list(rows), names=["src", "dst"])
    return df


def stats_right(messages):
    return _stats(messages)


def stats_reordered(messages):
    # also right: rows in another order, counts as floats
    return stats_right(messages).iloc[::-1].astype(float)


def stats_copies_as_sent(messages):
    return _stats(messages, sent_fn=len)  # each copy counted as a send


def stats_dropped_as_delivered(messages):
    return _stats(messages, delivered_fn=lambda g: g["outcome"] != "in flight")  # drops "arrived"


def stats_no_all_row(messages):
    return _stats(messages, all_row=False)  # forgets the total row


def stats_lost_is_dropped_rows(messages):
    # lost = copies dropped: counts a dropped duplicate of a delivered message, misses messages in flight
    return _stats(messages, lost_fn=lambda g, sent, per_msg: int((g["outcome"] == "dropped").sum()))


def stats_lost_from_copies(messages):
    # lost = sent - delivered copies: duplicates hide losses (and can make it negative)
    return _stats(messages, lost_fn=lambda g, sent, per_msg: sent - int((g["outcome"] == "delivered").sum()))


def stats_duplicates_minus_sent(messages):
    # duplicates = delivered - sent: goes negative when messages are lost
    return _stats(messages, dup_fn=lambda g, sent, per_msg, delivered: len(delivered) - sent)


def stats_latency_of_all_copies(messages):
    # quantiles over every copy with a latency, dropped ones included
    return _stats(messages, lat_fn=lambda g: g["latency"].dropna())


def stats_nearest_rank(messages):
    # quantiles by nearest rank, not Series.quantile's linear interpolation
    return _stats(messages, q=lambda s, p: s.quantile(p, interpolation="nearest") if len(s) else float("nan"))


def stats_zero_when_none(messages):
    # 0 instead of NaN when a link delivered nothing: a latency that never happened
    return _stats(messages, q=lambda s, p: s.quantile(p) if len(s) else 0.0)


def stats_all_row_mean_of_links(messages):
    # the 'all' row's latencies averaged over the links instead of computed over every copy
    df = _stats(messages)
    links = df.drop(index=("all", "all"))
    df.loc[("all", "all"), ["p50", "p99"]] = links[["p50", "p99"]].mean().values
    return df


# -- 01-predict-timeout and 01-predict-retry ----------------------------------------------------------------

RIGHT_TIMEOUT = Answer({"first": "unknown", "second": "unknown", "balance": 40}, why="b")
RIGHT_RETRY = Answer({"counter": 20, "outcome": "unknown"}, why="b")

# -- 01-drill-retry -------------------------------------------------------------------------------------


class FixedRetryClient(NaiveRetryClient):
    def idempotency_key(self, index: int, attempt: int) -> str | None:
        return f"{self.id}/{index}"

    def retry_delay(self, retry: int) -> float:
        return backoff_delay(retry, self.policy.base, self.policy.cap, self.rng)

    def on_reply(self, response: Any) -> None:
        self.finish("ok" if response.ok else "fail", response.value)


class DrillEqualJitter(FixedRetryClient):
    # also right: equal jitter stays within [0, min(cap, base * 2**retry)] and is still jitter
    def retry_delay(self, retry):
        return backoff_delay(retry, self.policy.base, self.policy.cap, self.rng, "equal")


class DrillKeyTuple(FixedRetryClient):
    # also right: another spelling of a key unique to the client and the op
    def idempotency_key(self, index, attempt):
        return f"op-{index}-of-{self.id}"


class DrillKeyPerAttempt(FixedRetryClient):
    def idempotency_key(self, index, attempt):
        return f"{self.id}/{index}/{attempt}"  # a fresh key per attempt: retries applied twice


class DrillNoJitter(FixedRetryClient):
    def retry_delay(self, retry):
        return min(self.policy.cap, self.policy.base * 2 ** retry)  # no jitter: lock-step retries


class DrillRetriesErrors(FixedRetryClient):
    def on_reply(self, response):
        if response.ok:
            self.finish("ok", response.value)
        else:
            self.resend()  # an error reply resent forever


class DrillRetriesErrorsBounded(FixedRetryClient):
    def on_reply(self, response):
        if response.ok or self.attempt >= self.policy.max_attempts:
            self.finish("ok" if response.ok else "fail", response.value)
        else:
            self.resend()  # still retries an answer that will not change


class DrillKeySharedAcrossClients(FixedRetryClient):
    def idempotency_key(self, index, attempt):
        return f"op{index}"  # stable per attempt, but two clients' op 0 share a key


class DrillKeyPerClient(FixedRetryClient):
    def idempotency_key(self, index, attempt):
        return self.id  # one key for all of a client's ops: the second op is answered from the first


class DrillKeyFromHash(FixedRetryClient):
    def idempotency_key(self, index, attempt):
        return str(hash((self.id, index)))  # differs from one process to the next: a restarted client loses it


class DrillGlobalRandom(FixedRetryClient):
    def retry_delay(self, retry):
        return random.uniform(0, min(self.policy.cap, self.policy.base * 2 ** retry))  # not replayable


class DrillNoCap(FixedRetryClient):
    def retry_delay(self, retry):
        return self.rng.uniform(0, self.policy.base * 2 ** retry)  # jittered, but no cap


class DrillLinear(FixedRetryClient):
    def retry_delay(self, retry):
        return self.rng.uniform(0, min(self.policy.cap, self.policy.base * (retry + 1)))  # linear, not exponential


class DrillErrorUnknown(FixedRetryClient):
    def on_reply(self, response):
        self.finish("ok" if response.ok else "unknown", response.value)  # an error is a definite answer, not unknown


class DrillForgetsValue(FixedRetryClient):
    def on_reply(self, response):
        self.finish("ok" if response.ok else "fail")  # drops the reply's value


class DrillPrivateRandom(FixedRetryClient):
    def retry_delay(self, retry):  # a generator of its own, seeded by the client's id: deaf to the simulation's seed
        if not hasattr(self, "own"):
            self.own = random.Random(self.id)
        return self.own.uniform(0, min(self.policy.cap, self.policy.base * 2 ** retry))


class DrillOffByOne(FixedRetryClient):
    def retry_delay(self, retry):
        return self.rng.uniform(0, min(self.policy.cap, self.policy.base * 2 ** (retry + 1)))  # first wait up to 2*base


class DrillDecorrelated(FixedRetryClient):
    # decorrelated jitter waits up to 3x the previous wait: beyond min(cap, base * 2**retry), which the drill asks for
    def retry_delay(self, retry):
        return backoff_delay(retry, self.policy.base, self.policy.cap, self.rng, "decorrelated",
                             previous=self.previous_delay)


# -- 01-drill-determinism ----------------------------------------------------------------------------


class GossipRight(NaiveGossip):
    def on_start(self) -> None:
        self.knows = self.id == "n1"
        self.learned_at = self.now() if self.knows else None
        self.told = []
        self.set_timer("gossip", self.rng.uniform(0, self.period))

    def on_timer(self, name):
        if self.knows:
            peer = self.rng.choice(self.peers)
            self.told.append(peer)
            self.send(peer, ("rumour",))
        self.set_timer("gossip", self.period)

    def on_message(self, src, msg):
        if not self.knows:
            self.knows, self.learned_at = True, self.now()


class GossipSortedPeers(GossipRight):
    # also right: a sorted copy of the peers is as replayable as the list itself
    def on_timer(self, name):
        if self.knows:
            peer = sorted(self.peers)[self.rng.randrange(len(self.peers))]
            self.told.append(peer)
            self.send(peer, ("rumour",))
        self.set_timer("gossip", self.period)


class GossipWallClock(GossipRight):
    def on_message(self, src, msg):
        if not self.knows:
            self.knows, self.learned_at = True, time.time() * 1000  # the wall clock, not the node's own


class GossipFirstPeer(GossipRight):
    def on_timer(self, name):
        if self.knows:
            self.told.append(self.peers[0])  # always the same peer: replayable, but not random
            self.send(self.peers[0], ("rumour",))
        self.set_timer("gossip", self.period)


class GossipPrivateRng(GossipRight):
    def on_start(self) -> None:
        self.private = random.Random(42)  # replayable, but deaf to the simulation's seed
        super().on_start()

    def on_timer(self, name):
        if self.knows:
            peer = self.private.choice(self.peers)
            self.told.append(peer)
            self.send(peer, ("rumour",))
        self.set_timer("gossip", self.period)


class GossipTrueTime(GossipRight):
    def on_message(self, src, msg):
        if not self.knows:
            self.knows, self.learned_at = True, self._sim.now  # the simulation's true time: no node can read it


class GossipSetOrder(GossipRight):
    def on_timer(self, name):
        if self.knows:
            peer = list(set(self.peers))[self.rng.randrange(len(self.peers))]  # a set's order depends on hash()
            self.told.append(peer)
            self.send(peer, ("rumour",))
        self.set_timer("gossip", self.period)


class GossipHashChoice(GossipRight):
    def on_timer(self, name):
        if self.knows:
            peer = self.peers[hash((self.id, len(self.told))) % len(self.peers)]  # hash(): differs per process
            self.told.append(peer)
            self.send(peer, ("rumour",))
        self.set_timer("gossip", self.period)


class GossipReseeds(GossipRight):
    def on_start(self) -> None:
        self.rng.seed(7)  # "for reproducibility": re-seeds the simulation's generator, so every seed runs alike
        super().on_start()


class GossipClockSeeded(GossipRight):
    def on_start(self) -> None:
        self.private = random.Random(time.time_ns())  # a generator seeded from the clock: never replays
        super().on_start()

    def on_timer(self, name):
        if self.knows:
            peer = self.private.choice(self.peers)
            self.told.append(peer)
            self.send(peer, ("rumour",))
        self.set_timer("gossip", self.period)


class GossipRestampsEveryMessage(GossipRight):
    def on_message(self, src, msg):
        self.knows, self.learned_at = True, self.now()  # moves learned_at on every rumour, not only the first


class GossipGlobalTimer(GossipRight):
    def on_start(self) -> None:
        super().on_start()
        self.set_timer("gossip", random.uniform(0, self.period))  # the first timer from the global random


class GossipTellsAnyone(GossipRight):
    def on_timer(self, name):
        if self.knows:
            peer = self.rng.choice(self._sim.node_ids)  # may pick itself: only peers should be told
            self.told.append(peer)
            self.send(peer, ("rumour",))
        self.set_timer("gossip", self.period)


# -- 01-design-retry --------------------------------------------------------------------------------------


def _design(timeout=100, max_attempts=15, base=10, cap=300, jitter="full") -> dict[str, Any]:
    return {"timeout": timeout, "max_attempts": max_attempts, "base": base, "cap": cap, "jitter": jitter}


# -- the tables ------------------------------------------------------------------------------------------

RIGHT: dict[str, Any] = {
    "01-backoff": backoff_right,
    "01-dedup": DedupRight,
    "01-partition-detect": groups_bfs,
    "01-trace-stats": stats_right,
    "01-predict-retry": RIGHT_RETRY,
    "01-predict-timeout": RIGHT_TIMEOUT,
    "01-drill-retry": FixedRetryClient,
    "01-drill-determinism": GossipRight,
    "01-design-retry": _design(),
}

#: Other right answers: a check must accept these too.
ALSO_RIGHT: dict[str, list[Any]] = {
    "01-backoff": [backoff_right_other_draw, backoff_right_beta, backoff_right_log2,
                   lambda a, b, c, rng: backoff_delay(a, b, c, rng)],
    "01-predict-timeout": [Answer({"balance": 40, "second": "unknown", "first": "unknown"}, why="(b)"),
                           Answer({"first": "unknown", "second": "unknown", "balance": 40}, why=" B ")],
    "01-predict-retry": [Answer({"outcome": "unknown", "counter": 20}, why="(b)")],
    "01-drill-retry": [DrillEqualJitter, DrillKeyTuple],
    "01-drill-determinism": [GossipSortedPeers],
    "01-dedup": [DedupSetdefault],
    "01-partition-detect": [groups_right, groups_networkx],
    "01-trace-stats": [stats_reordered],
    "01-design-retry": [_design(jitter="equal"), _design(jitter="decorrelated"), _design(timeout=150, max_attempts=12,
                        base=20, cap=500), _design(timeout=60, max_attempts=20, base=10, cap=200)],
}

WRONG: dict[str, list[Any]] = {
    "01-backoff": [backoff_no_jitter, backoff_no_cap, backoff_linear, backoff_global_random, backoff_equal_jitter,
                   backoff_off_by_one, backoff_jitter_added, backoff_triangular, backoff_overflows,
                   backoff_clamped_after, backoff_cap_on_base, backoff_integer_ms, backoff_from_base,
                   backoff_private_rng],
    "01-dedup": [DedupNone, DedupByReqId, DedupCurrentValue, DedupByAmount, DedupShared, DedupKeyAndAmount,
                 DedupLastKeyOnly, DedupBounded, DedupValueBefore, DedupReturnsAmount, DedupSetOrderEviction],
    "01-partition-detect": [groups_one_way, groups_ignore_now, groups_cliques, groups_drop_loners, groups_strict,
                            groups_union_find_bug, groups_one_direction_by_id, groups_newest_as_now,
                            groups_neighbourhoods, groups_recursive],
    "01-trace-stats": [stats_copies_as_sent, stats_dropped_as_delivered, stats_no_all_row, stats_lost_is_dropped_rows,
                       stats_lost_from_copies, stats_duplicates_minus_sent, stats_latency_of_all_copies,
                       stats_nearest_rank, stats_zero_when_none, stats_all_row_mean_of_links],
    "01-predict-timeout": [
        Answer({"first": "fail", "second": "fail", "balance": 100}, why="a"),  # "a timeout means it failed"
        Answer({"first": "unknown", "second": "unknown", "balance": 100}, why="a"),  # unknown, yet "nothing happened"
        Answer({"first": "unknown", "second": "unknown", "balance": -20}, why="b"),  # both applied: withdraw refuses
        Answer({"first": "ok", "second": "fail", "balance": 40}, why="b"),  # what the server did, not what the client saw
        Answer({"first": "unknown", "second": "unknown", "balance": 40}, why="c"),  # right numbers, wrong reason
        Answer({"first": "unknown", "second": "unknown", "balance": 40}, why="d"),  # right numbers, wrong reason
        Answer({"first": "unknown", "second": "fail", "balance": 40}, why="b"),  # the refusal never reached the client
        Answer({"first": "unknown", "second": "unknown", "balance": 100}, why="c"),  # "the server drops late requests"
        Answer({"first": "unknown", "second": "unknown", "balance": "40"}, why="b"),  # right number, wrong type
        Answer({"first": "unknown", "balance": 40}, why="b"),  # a key missing
    ],
    "01-predict-retry": [
        Answer({"counter": 5, "outcome": "ok"}, why="c"),  # "the retries replace each other"
        Answer({"counter": 5, "outcome": "unknown"}, why="c"),  # one application only
        Answer({"counter": 0, "outcome": "fail"}, why="d"),  # "the timeouts cancelled everything"
        Answer({"counter": 0, "outcome": "unknown"}, why="d"),  # the paused server never applies them
        Answer({"counter": 20, "outcome": "ok"}, why="b"),  # no reply came in time: not ok
        Answer({"counter": 20, "outcome": "fail"}, why="b"),  # silence is not a failure
        Answer({"counter": 20, "outcome": "unknown"}, why="a"),  # right numbers, but nothing was duplicated
        Answer({"counter": 15, "outcome": "unknown"}, why="b"),  # counts retries, forgets the first attempt
        Answer({"counter": 10, "outcome": "unknown"}, why="a"),  # "one request, duplicated once"
        Answer({"counter": 20.0, "outcome": "unknown"}, why="b"),  # a float: the counter holds an int
    ],
    "01-drill-retry": [NaiveRetryClient, DrillKeyPerAttempt, DrillNoJitter, DrillRetriesErrors,
                       DrillRetriesErrorsBounded, DrillKeySharedAcrossClients, DrillKeyPerClient, DrillKeyFromHash,
                       DrillGlobalRandom, DrillNoCap, DrillLinear, DrillErrorUnknown, DrillForgetsValue,
                       DrillDecorrelated, DrillPrivateRandom, DrillOffByOne],
    "01-drill-determinism": [NaiveGossip, GossipWallClock, GossipFirstPeer, GossipPrivateRng, GossipTrueTime,
                             GossipSetOrder, GossipHashChoice, GossipReseeds, GossipClockSeeded,
                             GossipRestampsEveryMessage, GossipGlobalTimer, GossipTellsAnyone],
    "01-design-retry": [
        _design(timeout=30),  # about the median round trip: healthy slow replies trigger retries
        _design(timeout=25, base=5, cap=200, max_attempts=10),  # "a bit above the median": still below the tail
        _design(timeout=400),  # far above the tail: a lost message costs 400 ms
        _design(base=300, cap=1000),  # the first wait alone blows the latency budget
        _design(max_attempts=1),  # no retries: 4% of operations end unknown
        _design(max_attempts=6),  # too few attempts to outlast a 1 s outage
        _design(jitter="none"),  # lock-step retries flood the recovering server
        _design(cap=10, max_attempts=60),  # jittered, but squeezed into 10 ms: 100 clients at once
        _design(base=0, cap=0, jitter="none", max_attempts=40),  # retry at once, forever
        _design(cap=5000),  # waits so long that the storm ends late
        _design(cap=2000, max_attempts=25, base=20),  # still too long a cap for a quick recovery
        _design(base=500, cap=100),  # cap below base: not a policy
        {"timeout": 100, "max_attempts": 15, "base": 10, "cap": 300},  # jitter forgotten
        _design(jitter="random"),  # not one of the four rules
    ],
}
