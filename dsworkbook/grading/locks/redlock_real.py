"""Exercise ``09-redlock-real``: one Redlock round, run on real Redis servers (L07).

The learner's ``redlock_round(servers, resource, token, ttl_ms, clock)`` talks to real
``redis-server`` processes on 127.0.0.1. What the network would do to it is arranged around the
real servers, per case and reproducibly:

* a server that is **down** is a client pointed at a loopback port nobody listens on: redis-py
  raises a real ``ConnectionError`` (connection refused);
* a **lost reply**: the ``SET`` reaches the server and runs there, and the client then raises
  ``TimeoutError`` - the case for which redis.io's step 5 unlocks every server;
* a server **held by another client** has the key set beforehand, with a long expiry;
* **latency**: each command a client sends moves the case's clock on by that server's latency, so
  ``clock()`` reads the time a real round would have taken, the same on every run.

After the round the grader reads every server's key (value, remaining expiry) and compares it, and
the returned validity, with the reference round run in the same arrangement.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from dsworkbook.grading.core import attempt, exercise, fail, need_callable, random_cases, same_everywhere
from dsworkbook.realservers.redlock import acquire_round
from dsworkbook.realservers.servers import HOST, free_port, redis_servers

RANDOM_SEED = 31
RESOURCE = "lock:orders"
TOKEN = "c1-7f3a9e"
OTHER = "c2-51b0d4"
OTHER_TTL_MS = 60_000
MAX_SERVERS = 7
#: how far apart two readings of a key's expiry may be beyond the real time each run took (PTTL rounds to ms)
PTTL_SLACK_MS = 50
TTLS = (900, 2500, 7300, 10_000, 30_000)


class CaseClock:
    """The case's clock in ms: it moves only when a client sends a command."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


class CaseServer(redis.Redis):
    """A redis-py client for one server of a case: latency on the case clock, maybe a lost SET reply."""

    def __init__(self, port: int, clock: CaseClock, latency_ms: float, lose_set_reply: bool) -> None:
        super().__init__(host=HOST, port=port, decode_responses=True, socket_timeout=2.0,
                         socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0))
        self._case_clock = clock
        self._latency_ms = latency_ms
        self._lose_set_reply = lose_set_reply
        self.commands: list[str] = []

    def execute_command(self, *args: Any, **options: Any) -> Any:
        self._case_clock.now += self._latency_ms
        self.commands.append(str(args[0]).upper() if args else "")
        result = super().execute_command(*args, **options)
        if self._lose_set_reply and args and str(args[0]).upper() == "SET":
            raise redis.TimeoutError("Timeout reading from socket (the SET ran on the server; its reply was lost)")
        return result

    def pipeline(self, *args: Any, **kwargs: Any) -> Any:
        raise redis.RedisError("this exercise's servers take one command at a time; send SET and EVAL directly")

    def transaction(self, *args: Any, **kwargs: Any) -> Any:
        return self.pipeline()


@dataclass(frozen=True)
class Slot:
    """One server of a case: its state before the round and what the network does to it."""

    state: str          # "free", "other" (held by another client), "down" (refuses connections), "lost"
    latency_ms: float

    def describe(self) -> str:
        what = {"free": "free", "other": f"held by {OTHER!r}", "down": "down (connection refused)",
                "lost": "free, but the reply to your SET is lost"}[self.state]
        return f"{what}, {self.latency_ms:g} ms per command"


@dataclass(frozen=True)
class Case:
    slots: tuple[Slot, ...]
    ttl_ms: int

    def describe(self) -> str:
        lines = [f"redlock_round(servers, {RESOURCE!r}, {TOKEN!r}, ttl_ms={self.ttl_ms}, clock)"]
        lines += [f"  servers[{i}]: {s.describe()}" for i, s in enumerate(self.slots)]
        return "\n".join(lines)


@dataclass(frozen=True)
class Outcome:
    """The answer and, per server that runs, its key after the round: (value, remaining expiry in ms,
    real ms from the start of the run to that reading - the most the expiry can have run down)."""

    result: Any
    keys: tuple[tuple[str | None, int, int] | None, ...]
    #: the commands each server's client sent, in order (for the hint only)
    commands: tuple[tuple[str, ...], ...] = ()

    def comparable(self) -> tuple[Any, tuple[str | None, ...]]:
        return self.result, tuple(None if k is None else k[0] for k in self.keys)


def _show_key(key: tuple[str | None, int, int] | None) -> str:
    if key is None:
        return "(down)"
    value, pttl, _ = key
    if value is None:
        return "no key"
    expiry = "no expiry" if pttl == -1 else f"expires in about {round(pttl, -2):g} ms"
    return f"{value!r}, {expiry}"


def show(outcome: Outcome) -> str:
    keys = "; ".join(f"servers[{i}]: {_show_key(k)}" for i, k in enumerate(outcome.keys))
    return f"returned {outcome.result!r}; then {keys}"


class Rig:
    """Real servers for the whole check, and a closed port for the ones that are down."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.admins = [redis.Redis(host=HOST, port=p, decode_responses=True, socket_timeout=2.0) for p in ports]
        self.closed_port = free_port()

    def run(self, fn: Any, case: Case, label: str) -> Outcome:
        for admin in self.admins[: len(case.slots)]:
            admin.flushall()
        began = time.monotonic()
        clock = CaseClock()
        clients = []
        for i, slot in enumerate(case.slots):
            if slot.state == "other":
                self.admins[i].set(RESOURCE, OTHER, px=OTHER_TTL_MS)
            port = self.closed_port if slot.state == "down" else self.ports[i]
            clients.append(CaseServer(port, clock, slot.latency_ms, slot.state == "lost"))
        try:
            result = attempt(fn, clients, RESOURCE, TOKEN, case.ttl_ms, clock, input=case.describe(), case=label,
                             crash_hints=((redis.RedisError, HINTS["errors"]),))
        finally:
            for c in clients:
                c.close()
        keys: list[tuple[str | None, int, int] | None] = []
        for i, slot in enumerate(case.slots):
            if slot.state == "down":
                keys.append(None)
                continue
            admin = self.admins[i]
            value, pttl = admin.get(RESOURCE), int(admin.pttl(RESOURCE))
            keys.append((value, pttl, math.ceil((time.monotonic() - began) * 1000)))
            extra = sorted(set(admin.keys("*")) - {RESOURCE})
            if extra:
                fail(case=label, input=case.describe(), expected=f"only the key {RESOURCE!r} touched",
                     got=f"servers[{i}] also holds the keys {extra}",
                     hint="a Redlock round sets and deletes the resource's key and nothing else")
        return Outcome(result, tuple(keys), tuple(tuple(c.commands) for c in clients))


def reference(servers: list[redis.Redis], resource: str, token: str, ttl_ms: int, clock: Any) -> float | None:
    return acquire_round(servers, resource, token, ttl_ms, clock).validity_ms


HINTS = {
    "start": "read clock() once before the first SET and once after the last one: elapsed is everything the "
             "SETs took, the first server's latency included",
    "all": "send SET to every server in order, even after a majority said yes: a Redlock round asks all N",
    "quorum": "the lock needs a majority, n // 2 + 1 of len(servers) - for an even number of servers too",
    "validity": "validity = ttl_ms - elapsed - (0.01 * ttl_ms + 2), and the lock is held only when it is "
                "strictly above zero; return it as a number, or None",
    "errors": "a server that raises redis.RedisError (refused connection, timeout) counts as a no; catch it "
              "around every command, the releases too, and go on with the next server",
    "set": "acquire with server.set(resource, token, nx=True, px=ttl_ms): only if absent (nx), expiring after "
           "ttl_ms milliseconds (px)",
    "release_all": "when the round fails, unlock every server with RELEASE_SCRIPT - those that said no too: a "
                   "SET whose reply was lost holds the key although it looked like a no",
    "clock": "measure the round only with clock() (milliseconds): the check's servers run on that clock",
    "release_own": "unlock with RELEASE_SCRIPT (server.eval(RELEASE_SCRIPT, 1, resource, token)): a plain "
                   "delete frees a lock another client holds",
    "keep": "when the round succeeds, keep the keys: do not unlock anything",
}


def _hint(case: Case, expected: Outcome, got: Outcome) -> str | None:
    """The rule a wrong outcome breaks, when the outcome itself shows it (None: it does not)."""
    if got.result is not None and (isinstance(got.result, bool) or not isinstance(got.result, (int, float))):
        return HINTS["validity"]
    n = len(case.slots)
    granted = sum(s.state == "free" for s in case.slots)
    if (expected.result is None) != (got.result is None):
        return HINTS["quorum"] if granted in (n // 2, n // 2 + 1) else HINTS["validity"]
    for e, g in zip(expected.keys, got.keys):
        if e is None or g is None or e == g:
            continue
        if e[0] == OTHER and g[0] != OTHER:
            return HINTS["release_own"] if g[0] is None else HINTS["set"]
        if e[0] == TOKEN and g[0] == TOKEN and _expiry_differs(e, g):
            return HINTS["set"]
        if e[0] is None and g[0] == TOKEN:
            return HINTS["release_all"]
        if e[0] == TOKEN and g[0] is None:
            asked = [sum(c == "SET" for c in cmds) for cmds in got.commands]
            return HINTS["all"] if 0 in asked else HINTS["keep"]
    if isinstance(got.result, float) and got.result != round(got.result):
        return HINTS["clock"]
    if got.result is not None and expected.result is not None and case.slots[0].latency_ms > 0 \
            and math.isclose(got.result - expected.result, case.slots[0].latency_ms, abs_tol=1e-6):
        return HINTS["start"]
    return None


def _same(expected: Outcome, got: Outcome) -> bool:
    if expected.result is None or got.result is None:
        if expected.result is not got.result:
            return False
    elif isinstance(got.result, bool) or not isinstance(got.result, (int, float)) \
            or not math.isclose(got.result, expected.result, rel_tol=1e-9, abs_tol=1e-6):
        return False
    for e, g in zip(expected.keys, got.keys):
        if e is None:
            continue
        assert g is not None
        if e[0] != g[0]:
            return False
        if e[0] is not None and _expiry_differs(e, g):
            return False
    return True


def _expiry_differs(e: tuple[str | None, int, int], g: tuple[str | None, int, int]) -> bool:
    """Whether two readings of a key cannot come from the same expiry: each reading is the expiry set
    during its run minus at most the real time the run took, so each gives a range [pttl, pttl + age]."""
    if e[1] < 0 or g[1] < 0:
        return e[1] != g[1]
    return g[1] > e[1] + e[2] + PTTL_SLACK_MS or e[1] > g[1] + g[2] + PTTL_SLACK_MS


def _compare(rig: Rig, fn: Any, case: Case, label: str, hint: str | None = None) -> None:
    expected = rig.run(reference, case, f"{label} (reference)")
    got = rig.run(fn, case, label)
    if not _same(expected, got):
        fail(case=label, input=case.describe(), expected=show(expected), got=show(got),
             hint=_hint(case, expected, got) or hint or HINTS["validity"])


def _free(n: int, latency: float = 1.0) -> list[Slot]:
    return [Slot("free", latency) for _ in range(n)]


#: (case, arrangement, hint key)
HAND: list[tuple[str, Case, str | None]] = [
    ("five free servers, 1 ms each", Case(tuple(_free(5)), 10_000), None),
    ("the first server is slow (400 ms)", Case((Slot("free", 400),) + tuple(_free(4)), 2500), None),
    ("the last server is slow (700 ms)", Case(tuple(_free(4)) + (Slot("free", 700),), 2500), "all"),
    ("two of five held by another client: three is a majority",
     Case((Slot("other", 2), Slot("free", 2), Slot("other", 2), Slot("free", 2), Slot("free", 2)), 7300), None),
    ("three of five held by another client: the round fails",
     Case((Slot("free", 2), Slot("other", 2), Slot("other", 2), Slot("free", 2), Slot("other", 2)), 7300),
     None),
    ("a server is down", Case((Slot("free", 3), Slot("down", 50), Slot("free", 3), Slot("free", 3), Slot("free", 3)),
                              10_000), None),
    ("three servers down: the round fails and the releases meet them again",
     Case((Slot("down", 30), Slot("free", 3), Slot("down", 30), Slot("free", 3), Slot("down", 30)), 10_000),
     None),
    ("the round fails, and one SET's reply was lost",
     Case((Slot("other", 2), Slot("lost", 2), Slot("other", 2), Slot("free", 2), Slot("other", 2)), 7300),
     None),
    ("a lost reply while the round succeeds",
     Case((Slot("lost", 2), Slot("free", 2), Slot("free", 2), Slot("free", 2), Slot("free", 2)), 7300), None),
    ("two of four servers said yes (half is not a majority)",
     Case((Slot("free", 1), Slot("other", 1), Slot("free", 1), Slot("other", 1)), 10_000), "quorum"),
    ("one server, free", Case((Slot("free", 5),), 900), None),
    ("the validity comes out exactly zero (ttl 2500, drift 27, the SETs take 2473 ms)",
     Case((Slot("free", 473), Slot("free", 500), Slot("free", 500), Slot("free", 500), Slot("free", 500)), 2500),
     "validity"),
    ("the SETs take longer than the ttl", Case(tuple(_free(5, 300)), 900), "validity"),
    ("a ttl of 900 ms: the expiry is in milliseconds", Case(tuple(_free(3)), 900), None),
    ("a ttl of 2500 ms", Case(tuple(_free(3)), 2500), None),
]


def _draw(rng: random.Random) -> Case:
    n = rng.choice((1, 2, 3, 3, 4, 5, 5, 5, 6, 7))
    ttl = rng.choice(TTLS)
    states = rng.choices(("free", "other", "down", "lost"), weights=(6, 2, 1, 1), k=n)
    latencies = [float(rng.choice((0, 0, 1, 2, 5, 20, ttl // 20, ttl // 8, ttl // 4))) for _ in range(n)]
    if rng.random() < 0.15:  # aim at validity exactly zero: the latencies add up to ttl - drift
        latencies = [0.0] * n
        latencies[rng.randrange(n)] = float(ttl - (ttl // 100 + 2))
    return Case(tuple(Slot(s, lat) for s, lat in zip(states, latencies)), ttl)


def _round_summary(rig: Rig, fn: Any, case: Case) -> tuple[Any, tuple[str | None, ...]]:
    return rig.run(fn, case, "run in two worlds").comparable()


@exercise("09-redlock-real", title="One Redlock round on real Redis servers", theme="T09", concepts=("L07", "L02"),
          reference="dsworkbook.realservers.redlock.acquire_round", seconds=60.0, servers=("redis",))
def grade_redlock_real(redlock_round: Any) -> str:
    """``redlock_round(servers, resource, token, ttl_ms, clock)`` runs steps 1-5 of Redlock on
    redis-py clients of real Redis servers and returns the validity in ms, or None.

    Checked on real ``redis-server`` processes (started for the check, stopped after it) on
    hand-made arrangements with pointed hints (a slow first or last server, exactly a majority,
    a failed round with another client's locks, refused connections - during the releases too -,
    a lost ``SET`` reply on a failed and on a successful round, an even number of servers, a
    validity of exactly zero, rounds longer than the ttl, ttls that are not whole seconds), then
    on 120 random arrangements of 1-7 servers; after every round the returned validity and every
    server's key (value and remaining expiry, to 250 ms) must be the reference round's. One
    arrangement also runs in two worlds.
    """
    need_callable(redlock_round, "function redlock_round(servers, resource, token, ttl_ms, clock)", allow_class=False)
    with redis_servers(MAX_SERVERS) as running:
        rig = Rig([s.port for s in running])
        try:
            for label, case, key in HAND:
                _compare(rig, redlock_round, case, label, HINTS[key] if key else None)
            cases = list(random_cases(RANDOM_SEED, 120, _draw))
            for label, case in cases:
                _compare(rig, redlock_round, case, label)
            case = cases[3][1]
            same_everywhere(_round_summary, rig, redlock_round, case, input=case.describe(),
                            case="random case 4, run in two worlds")
        finally:
            for admin in rig.admins:
                admin.close()
    return (f"the round right on {len(HAND)} hand-made arrangements and {len(cases)} random ones of real Redis "
            "servers (slow, down, held by another client, lost replies, validity exactly zero); the same in two worlds")
