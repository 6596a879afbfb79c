"""Random histories with known answers: for tests, benchmarks, and the notebook's experiments.

Theory of operation
-------------------
:func:`random_history` plays ``clients`` processes against one *atomic* object. Each process
runs its operations one after another, with random think times and durations; every operation
gets a secret instant inside its interval, and the object applies the operations in the order
of those instants. The recorded history is therefore linearizable by construction - the secret
instants are a witness - unless anomalies are injected on purpose:

* ``stale_reads=k`` rewrites k reads to return a value that was provably overwritten before the
  read began (an older write, followed by a newer write that completed before the read was
  invoked): each such read is a linearizability violation no order can explain;
* ``unknown=p`` makes a fraction p of the operations time out: the client records ``unknown``
  at its timeout, and a write that timed out took effect (or, half the time, never did);
* ``fail=p`` refuses a fraction of the writes (they do not happen and end ``fail``).

``model`` picks the object: ``register`` (reads and writes; written values distinct unless
``values`` bounds them), ``cas-register`` (plus compare-and-set over a few values; a cas
that finds another value fails, as in Jepsen) or ``kv`` (a cas-register per key, Jepsen's
"independent" workload). Everything comes from ``random.Random(seed)``.
"""

from __future__ import annotations

import random
from typing import Any

from dsworkbook.checkers.history import History, Operation
from dsworkbook.errors import ConfigError

__all__ = ["random_history", "WORKLOAD_MODELS"]

WORKLOAD_MODELS = ("register", "cas-register", "kv")


def _check(name: str, value: Any, lo: float, hi: float, integer: bool = False) -> None:
    kind = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kind) or not lo <= value <= hi:
        raise ConfigError(f"{name} must be {'an int' if integer else 'a number'} in [{lo}, {hi}], got {value!r}")


def _choose_f(rng: random.Random, model: str, read_ratio: float) -> str:
    if rng.random() < read_ratio:
        return "read"
    if model == "register":
        return "write"
    return "cas" if rng.random() < 0.5 else "write"


def _schedule(rng: random.Random, ops: int, clients: int) -> list[tuple[int, float, float, float]]:
    """(client, invoke, complete, secret instant) for every op, clients running one op at a time."""
    clocks = [rng.uniform(0, 2) for _ in range(clients)]
    out = []
    for i in range(ops):
        c = i % clients
        start = clocks[c] + rng.expovariate(1.0)
        end = start + 0.2 + rng.expovariate(0.5)
        out.append((c, start, end, rng.uniform(start, end)))
        clocks[c] = end
    return out


def random_history(seed: int, *, ops: int = 100, clients: int = 5, model: str = "register", keys: int = 1,
                   read_ratio: float = 0.5, values: int | None = None, stale_reads: int = 0, unknown: float = 0.0,
                   fail: float = 0.0) -> History:
    """A random history of ``model`` (see the module docstring); linearizable unless anomalies are injected."""
    _check("seed", seed, -2**63, 2**63, integer=True)
    _check("ops", ops, 1, 10**6, integer=True)
    _check("clients", clients, 1, 1000, integer=True)
    _check("keys", keys, 1, 10**6, integer=True)
    for name, p in (("read_ratio", read_ratio), ("unknown", unknown), ("fail", fail)):
        _check(name, p, 0.0, 1.0)
    if model not in WORKLOAD_MODELS:
        raise ConfigError(f"model must be one of {WORKLOAD_MODELS}, got {model!r}")
    if keys > 1 and model != "kv":
        raise ConfigError("several keys need model='kv'")
    rng = random.Random(seed)
    plan = _schedule(rng, ops, clients)
    state: dict[Any, Any] = {}
    records = []
    for counter, idx in enumerate(sorted(range(ops), key=lambda i: plan[i][3]), start=1):
        c, start, end, _ = plan[idx]
        key = f"k{rng.randrange(keys)}" if model == "kv" else None
        f = _choose_f(rng, model, read_ratio)
        new = counter if values is None else rng.randrange(values)
        records.append([idx, c, f, *_apply(rng, state, key, f, new, values, unknown, fail), start, end, key])
    if stale_reads:
        _inject_stale(records, stale_reads, rng)
    records.sort(key=lambda r: (r[6], r[0]))
    return History(Operation(i, r[1], r[2], r[3], r[4], r[6], r[7], r[5], r[8]) for i, r in enumerate(records))


def _apply(rng: random.Random, state: dict[Any, Any], key: Any, f: str, new: Any, values: int | None,
           unknown: float, fail: float) -> tuple[Any, Any, str]:
    """Carry out one op on the atomic object at its secret instant: (input, output, outcome)."""
    if f == "read":
        if rng.random() < unknown:
            return None, None, "unknown"
        return None, state.get(key), "ok"
    inp = new if f == "write" else (state.get(key) if rng.random() < 0.5 else rng.randrange(values or 3), new)
    if rng.random() < fail:
        return inp, None, "fail"
    timed_out = rng.random() < unknown
    if timed_out and rng.random() < 0.5:
        return inp, inp, "unknown"          # the request was lost: it never took effect
    if f == "write":
        state[key] = new
    elif state.get(key) == inp[0]:
        state[key] = new
    else:
        return inp, None, "fail"            # a cas that found another value did not happen
    return inp, inp, "unknown" if timed_out else "ok"


def _inject_stale(records: list[list[Any]], count: int, rng: random.Random) -> None:
    """Rewrite ``count`` reads to return a value provably overwritten before they began.

    For a read r: ``newer`` is the last write of r's key to complete before r was invoked, and
    ``older`` a write (of a value written only once) that completed before ``newer`` was invoked.
    Every linearization puts older < newer < r, so r cannot return older's value.
    """
    from bisect import bisect_left
    from collections import Counter

    uses = Counter(r[3] for r in records if r[2] == "write")
    by_key: dict[Any, list[list[Any]]] = {}
    for r in sorted(records, key=lambda r: r[7]):
        if r[2] == "write" and r[5] == "ok":
            by_key.setdefault(r[8], []).append(r)
    ends = {k: [w[7] for w in ws] for k, ws in by_key.items()}
    order = list(range(len(records)))
    rng.shuffle(order)
    done = 0
    for i in order:
        r = records[i]
        if r[2] != "read" or r[5] != "ok" or r[8] not in by_key:
            continue
        ws, es = by_key[r[8]], ends[r[8]]
        j = bisect_left(es, r[6]) - 1
        if j < 1:
            continue
        k = bisect_left(es, ws[j][6]) - 1
        while k >= 0 and (uses[ws[k][3]] > 1 or ws[k][3] == r[4]):
            k -= 1
        if k >= 0:
            r[4] = ws[k][3]
            done += 1
            if done == count:
                return
    raise ConfigError(f"could inject only {done} stale reads, not {count}; use more operations or fewer clients")
