"""Right and plausible wrong answers to the T01 exercises, for proving the checks discriminate.

``RIGHT[exercise_id]`` is a correct answer; ``WRONG[exercise_id]`` lists wrong ones, each with
a comment naming the mistake it makes. tests/test_grading_network.py runs every one of them.
"""

from __future__ import annotations

import random
import time
from typing import Any

from dsworkbook.reliability import NaiveRetryClient, backoff_delay
from dsworkbook.sim.examples import NaiveGossip

# -- 01-backoff -------------------------------------------------------------------------------------


def backoff_right(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    return rng.uniform(0, min(cap, base * 2 ** attempt))


def backoff_right_other_draw(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    # also right: a different way of drawing the same uniform distribution
    return min(cap, base * 2 ** attempt) * (1.0 - rng.random())


def backoff_no_jitter(attempt, base, cap, rng):
    return min(cap, base * 2 ** attempt)  # no jitter: every client waits the same


def backoff_no_cap(attempt, base, cap, rng):
    return rng.uniform(0, base * 2 ** attempt)  # no cap: waits grow without bound


def backoff_linear(attempt, base, cap, rng):
    return rng.uniform(0, min(cap, base * (attempt + 1)))  # linear growth, not exponential


def backoff_global_random(attempt, base, cap, rng):
    return random.uniform(0, min(cap, base * 2 ** attempt))  # the global random: not reproducible from the seed


def backoff_equal_jitter(attempt, base, cap, rng):
    c = min(cap, base * 2 ** attempt)
    return c / 2 + rng.uniform(0, c / 2)  # equal jitter, not the full jitter asked for


def backoff_off_by_one(attempt, base, cap, rng):
    return rng.uniform(0, min(cap, base * 2 ** (attempt + 1)))  # first retry waits up to 2*base, not base


def backoff_triangular(attempt, base, cap, rng):
    return rng.triangular(0, min(cap, base * 2 ** attempt))  # jittered, but bunched in the middle: not uniform


def backoff_right_beta(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    # also right: Beta(1, 1) is the uniform distribution, drawn another way
    return min(cap, base * 2 ** attempt) * rng.betavariate(1, 1)


def backoff_jitter_added(attempt, base, cap, rng):
    return min(cap, base * 2 ** attempt) + rng.uniform(0, base)  # jitter added on top: exceeds the cap


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
    return [g for g in groups_right(last_heard, now, timeout) if len(g) > 1]  # forgets isolated nodes


# -- 01-trace-stats -------------------------------------------------------------------------------------


def _stats(messages, sent_fn, delivered_mask_fn):
    import pandas as pd

    def summarise(g):
        delivered = g[delivered_mask_fn(g)]
        per_msg = delivered.groupby("msg_id").size()
        sent = sent_fn(g)
        lat = delivered["latency"]
        return {"sent": sent, "delivered": len(delivered), "lost": sent - len(per_msg),
                "duplicates": int((per_msg - 1).sum()),
                "p50": lat.quantile(0.5) if len(lat) else float("nan"),
                "p99": lat.quantile(0.99) if len(lat) else float("nan")}

    rows = {k: summarise(g) for k, g in messages.groupby(["src", "dst"])}
    rows[("all", "all")] = summarise(messages)
    df = pd.DataFrame.from_dict(rows, orient="index")
    df.index = pd.MultiIndex.from_tuples(list(rows), names=["src", "dst"])
    return df


def stats_right(messages):
    return _stats(messages, lambda g: g["msg_id"].nunique(), lambda g: g["outcome"] == "delivered")


def stats_copies_as_sent(messages):
    return _stats(messages, len, lambda g: g["outcome"] == "delivered")  # each copy counted as a send


def stats_dropped_as_delivered(messages):
    return _stats(messages, lambda g: g["msg_id"].nunique(), lambda g: g["outcome"] != "in flight")  # drops "arrived"


def stats_no_all_row(messages):
    return stats_right(messages).drop(index=("all", "all"))  # forgets the total row


# -- 01-drill-retry -------------------------------------------------------------------------------------


class FixedRetryClient(NaiveRetryClient):
    def idempotency_key(self, index: int, attempt: int) -> str | None:
        return f"{self.id}/{index}"

    def retry_delay(self, retry: int) -> float:
        return backoff_delay(retry, self.policy.base, self.policy.cap, self.rng)

    def on_reply(self, response: Any) -> None:
        self.finish("ok" if response.ok else "fail", response.value)


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


class DrillEqualJitter(FixedRetryClient):
    # also right: equal jitter is still jitter
    def retry_delay(self, retry):
        return backoff_delay(retry, self.policy.base, self.policy.cap, self.rng, "equal")


class DrillDecorrelated(FixedRetryClient):
    # also right: decorrelated jitter grows from the previous wait
    def retry_delay(self, retry):
        return backoff_delay(retry, self.policy.base, self.policy.cap, self.rng, "decorrelated",
                             previous=self.previous_delay)


class DedupSetdefault:
    # also right: one dict, value computed on first sight of the key
    def __init__(self):
        self.total, self.seen = 0, {}

    def handle(self, req_id, idem_key, amount):
        if idem_key not in self.seen:
            self.total += amount
            self.seen[idem_key] = self.total
        return self.seen[idem_key]


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


def stats_reordered(messages):
    # also right: rows in another order, counts as floats
    df = stats_right(messages).iloc[::-1]
    return df.astype(float)


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


# -- the tables ------------------------------------------------------------------------------------------

RIGHT: dict[str, Any] = {
    "01-backoff": backoff_right,
    "01-dedup": DedupRight,
    "01-partition-detect": groups_right,
    "01-trace-stats": stats_right,
    "01-predict-retry": 2,
    "01-predict-timeout": "e",
    "01-drill-retry": FixedRetryClient,
    "01-drill-determinism": GossipRight,
}

#: Other right answers: a check must accept these too.
ALSO_RIGHT: dict[str, list[Any]] = {
    "01-backoff": [backoff_right_other_draw, backoff_right_beta, lambda a, b, c, rng: backoff_delay(a, b, c, rng)],
    "01-predict-timeout": ["E", "(e)", " e "],
    "01-drill-retry": [DrillEqualJitter, DrillDecorrelated],
    "01-dedup": [DedupSetdefault],
    "01-partition-detect": [groups_networkx],
    "01-trace-stats": [stats_reordered],
}

WRONG: dict[str, list[Any]] = {
    "01-backoff": [backoff_no_jitter, backoff_no_cap, backoff_linear, backoff_global_random, backoff_equal_jitter,
                   backoff_off_by_one, backoff_jitter_added, backoff_triangular],
    "01-dedup": [DedupNone, DedupByReqId, DedupCurrentValue, DedupByAmount, DedupShared],
    "01-partition-detect": [groups_one_way, groups_ignore_now, groups_cliques, groups_drop_loners],
    "01-trace-stats": [stats_copies_as_sent, stats_dropped_as_delivered, stats_no_all_row],
    "01-predict-retry": [1, 0, 3, "2"],  # 1: "the retry is harmless"; "2": right number, wrong type
    "01-predict-timeout": ["a", "b", "c", "d", "f"],
    "01-drill-retry": [NaiveRetryClient, DrillKeyPerAttempt, DrillNoJitter, DrillRetriesErrors,
                       DrillRetriesErrorsBounded, DrillKeySharedAcrossClients],
    "01-drill-determinism": [NaiveGossip, GossipWallClock, GossipFirstPeer, GossipPrivateRng, GossipTrueTime],
}
