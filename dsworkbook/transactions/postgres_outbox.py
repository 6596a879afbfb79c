"""Several outbox relays on one PostgreSQL table, kept apart by ``FOR UPDATE SKIP LOCKED``.

Each relay (a thread with its own psycopg 3 connection) repeats: BEGIN; claim up to ``batch``
unpublished rows with ``SELECT ... ORDER BY id LIMIT n FOR UPDATE SKIP LOCKED``; publish them;
mark them published; COMMIT. The row locks taken by FOR UPDATE keep a claimed row from every other
relay until the claimer commits, and SKIP LOCKED makes the others pass over locked rows instead
of waiting for them (PostgreSQL documentation, SELECT, "The Locking Clause": "With SKIP LOCKED,
any selected rows that cannot be immediately locked are skipped"; the page notes this suits
queue-like tables). The broken variant ``locking="none"`` claims with a plain SELECT: relays that
start together claim the same rows and publish them twice (Richardson, microservices.io,
"Pattern: Transactional outbox", notes that a relay may publish a message more than once).

A shared in-process register records which relay holds which row *right now* (between its claim
and its commit); a row claimed while another relay holds it is an overlap.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dsworkbook.errors import ConfigError

if TYPE_CHECKING:
    from dsworkbook.realservers.servers import PostgresServer

__all__ = ["RelayRun", "run_relays", "LOCKING"]

LOCKING = {"skip_locked": " FOR UPDATE SKIP LOCKED", "none": ""}


@dataclass
class RelayRun:
    """Per-message publish counts, per-relay claims, overlaps seen, and the wall time."""
    messages: int
    publishes: Counter[int]
    by_relay: Counter[str]
    overlaps: int
    seconds: float

    @property
    def duplicates(self) -> int:
        return sum(n - 1 for n in self.publishes.values() if n > 1)

    @property
    def unpublished(self) -> int:
        return self.messages - len(self.publishes)


def run_relays(server: PostgresServer, *, relays: int = 3, messages: int = 60, batch: int = 5,
               locking: str = "skip_locked", publish_delay_s: float = 0.002, dbname: str = "postgres") -> RelayRun:
    """Fill ``outbox`` with ``messages`` rows and let ``relays`` threads drain it concurrently."""
    if locking not in LOCKING:
        raise ConfigError(f"unknown locking {locking!r}; choose one of {sorted(LOCKING)}")
    if relays < 1 or messages < 1 or batch < 1:
        raise ConfigError(f"relays, messages and batch must be >= 1, got {relays}, {messages}, {batch}")
    with server.connect(dbname) as c:
        c.execute("DROP TABLE IF EXISTS outbox")
        c.execute("CREATE TABLE outbox (id serial PRIMARY KEY, payload text NOT NULL, "
                  "published boolean NOT NULL DEFAULT false)")
        with c.cursor() as cur:
            cur.executemany("INSERT INTO outbox (payload) VALUES (%s)", [(f"event-{i}",) for i in range(messages)])
    published: list[tuple[str, int]] = []
    holding: dict[int, str] = {}
    overlaps = [0]
    guard = threading.Lock()
    start = threading.Barrier(relays)
    errors: list[BaseException] = []

    def relay(name: str) -> None:
        try:
            with server.connect(dbname) as conn:
                start.wait()
                while True:
                    conn.execute("BEGIN")
                    rows = conn.execute("SELECT id FROM outbox WHERE NOT published ORDER BY id LIMIT %s"
                                        + LOCKING[locking], (batch,)).fetchall()
                    ids = [r[0] for r in rows]
                    with guard:
                        overlaps[0] += sum(1 for i in ids if i in holding)
                        holding.update({i: name for i in ids})
                    if not ids:
                        conn.execute("COMMIT")
                        return
                    for i in ids:
                        time.sleep(publish_delay_s)              # the broker round trip
                        with guard:
                            published.append((name, i))
                    conn.execute("UPDATE outbox SET published = true WHERE id = ANY(%s)", (ids,))
                    conn.execute("COMMIT")
                    with guard:
                        for i in ids:
                            if holding.get(i) == name:
                                del holding[i]
        except BaseException as e:  # noqa: BLE001 - re-raised in the caller's thread
            errors.append(e)

    began = time.perf_counter()
    threads = [threading.Thread(target=relay, args=(f"relay-{k}",)) for k in range(relays)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return RelayRun(messages, Counter(i for _, i in published), Counter(n for n, _ in published), overlaps[0],
                    time.perf_counter() - began)
