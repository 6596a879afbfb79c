"""The lock client that gets frozen: run in a child process so SIGSTOP freezes all of it.

``python -m dsworkbook.realservers.paused_client redis|zookeeper CONFIG_JSON``

The client acquires the lock, checks that it still holds it (its lease is valid by its own clock,
or kazoo says ``is_acquired``), reports ``checked`` and then waits for one line on stdin before
it writes. That wait marks the one place where a pause does harm, between the check and the write
(Kleppmann, "How to do distributed locking", 2016, the GC-pause example); the parent freezes the
whole process there with SIGSTOP, so every thread stops, lease renewal included.

The write goes to the storage, which lives in the parent process; stdout is the link to it. Each
line the client prints is ``EVENT_NAME JSON``; the parent answers a write with ``accepted`` or
``rejected`` on stdin.
"""

from __future__ import annotations

import json
import sys
import threading
import time

__all__ = ["main"]

_out = threading.Lock()
_t0 = time.monotonic()


def emit(event: str, **data: object) -> None:
    """Print one event line with the time since start (s); safe to call from any thread."""
    data["t"] = round(time.monotonic() - _t0, 4)
    with _out:
        print(event, json.dumps(data), flush=True)


def _write(value: str, token: int | None, **belief: object) -> str:
    emit("write", value=value, token=token, **belief)
    return sys.stdin.readline().strip()


def run_redis(cfg: dict) -> None:
    """Redlock holder with a renewal thread (a watchdog extending every ttl/3)."""
    import redis

    from dsworkbook.realservers.redis_lock import FencingCounter
    from dsworkbook.realservers.redlock import Redlock

    fencing = None
    if cfg["fence_port"] is not None:
        fencing = FencingCounter(redis.Redis(port=cfg["fence_port"], decode_responses=True, socket_timeout=1.0))
    lock = Redlock.connect(cfg["ports"], fencing=fencing, retry_count=20, retry_delay_ms=50)
    ttl = cfg["ttl_ms"]
    lease = lock.acquire(cfg["resource"], ttl)
    if lease is None:
        emit("failed")
        return
    emit("acquired", token=lease.token, validity_ms=lease.validity_ms, fence=lease.fence)
    holding = {"lease": lease}
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(ttl / 3000.0):
            extended = lock.extend(holding["lease"], ttl)
            if extended is None:
                emit("lease_lost")
                return
            holding["lease"] = extended

    threading.Thread(target=renew, daemon=True).start()
    valid = holding["lease"].remaining_ms() > 0
    emit("checked", valid=valid, remaining_ms=holding["lease"].remaining_ms())
    sys.stdin.readline()                           # the pause hits here: after the check, before the write
    reply = _write(cfg["value"], lease.fence, believes_holder=valid)
    stop.set()
    emit("reply", reply=reply, released_on=lock.release(lease))


def run_zookeeper(cfg: dict) -> None:
    """kazoo Lock holder with a 1 s session; records every connection state it sees."""
    from kazoo.client import KazooClient, KazooState

    zk = KazooClient(hosts=cfg["hosts"], timeout=cfg["session_timeout_s"])
    lost = threading.Event()

    def listener(state: str) -> None:
        emit("state", state=str(state))
        if state == KazooState.LOST:
            lost.set()

    zk.add_listener(listener)
    zk.start(timeout=10)
    lock = zk.Lock(cfg["path"], identifier="first")
    if not lock.acquire(timeout=10):
        emit("failed")
        return
    node = f"{cfg['path']}/{lock.node}"
    czxid = zk.exists(node).czxid
    emit("acquired", node=node, czxid=czxid)
    emit("checked", valid=lock.is_acquired)
    sys.stdin.readline()                           # the pause hits here
    reply = _write(cfg["value"], czxid if cfg["fenced"] else None, believes_holder=lock.is_acquired)
    emit("reply", reply=reply)
    saw = lost.wait(10)
    emit("after_lost", saw_lost=saw, still_believes_holder=lock.is_acquired)
    try:
        lock.release()
    finally:
        zk.stop()
        zk.close()


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    kind, cfg = argv[0], json.loads(argv[1])
    {"redis": run_redis, "zookeeper": run_zookeeper}[kind](cfg)
    emit("done")


if __name__ == "__main__":
    main()
