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

:func:`crash_history` is closer to what a Jepsen test of etcd records (Kingsbury's register
test): one compare-and-set register over a few values (0-4), each process mixing reads, writes
and compare-and-sets evenly, and clients that *crash*. A request whose client times out ends
``:info`` (``unknown``); it took effect at some instant after its invoke - possibly long after
the client gave up - or never, and the process is replaced by a fresh one (Jepsen gives it the
id ``process + processes``), so a history of a few hundred operations holds dozens of
operations still pending at the end. A crashed read is recorded ``fail`` (it changed nothing),
as Jepsen does; a compare-and-set that found another value fails. ``stale_reads=k`` rewrites k
reads so that no order can explain them, provably (see :func:`_inject_stale_cas`).
"""

from __future__ import annotations

import random
from typing import Any

from dsworkbook.checkers.history import History, Operation
from dsworkbook.errors import ConfigError

__all__ = ["random_history", "crash_history", "WORKLOAD_MODELS"]

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


# -- Jepsen's etcd register test: a cas register, with crashes -------------------------------------------------

def crash_history(seed: int, *, ops: int = 200, processes: int = 10, values: int = 5, crash: float = 0.1,
                  stale_reads: int = 0) -> History:
    """A cas-register history with crashed clients (see the module docstring); linearizable unless
    ``stale_reads`` are injected."""
    _check("seed", seed, -2**63, 2**63, integer=True)
    _check("ops", ops, 1, 10**6, integer=True)
    _check("processes", processes, 1, 1000, integer=True)
    _check("values", values, 1, 10**6, integer=True)
    _check("crash", crash, 0.0, 1.0)
    _check("stale_reads", stale_reads, 0, ops, integer=True)
    rng = random.Random(seed)
    clocks = [rng.uniform(0, 1) for _ in range(processes)]
    ids = list(range(processes))
    plan = []  # [process, f, input, invoke, complete, crashed, instant (None: never took effect)]
    for i in range(ops):
        t = i % processes
        start = clocks[t] + rng.expovariate(4.0)
        f = rng.choice(("read", "write", "cas"))
        inp = None if f == "read" else rng.randrange(values) if f == "write" else (rng.randrange(values),
                                                                                   rng.randrange(values))
        crashed = rng.random() < crash
        if crashed:   # the client gives up after its timeout; the request may still land much later, or never
            end = start + 5.0
            instant = start + rng.expovariate(0.2) if rng.random() < 0.5 else None
        else:
            end = start + 0.1 + rng.expovariate(2.0)
            instant = rng.uniform(start, end)
        plan.append([ids[t], f, inp, start, end, crashed, instant])
        clocks[t] = end
        if crashed:
            ids[t] += processes
    state: Any = None
    outputs: dict[int, tuple[Any, str]] = {}
    for i in sorted((i for i, p in enumerate(plan) if p[6] is not None), key=lambda i: plan[i][6]):
        _, f, inp, *_ = plan[i]
        if f == "read":
            outputs[i] = (state, "ok")
        elif f == "write":
            state = inp
            outputs[i] = (inp, "ok")
        elif state == inp[0]:
            state = inp[1]
            outputs[i] = (inp, "ok")
        else:
            outputs[i] = (inp, "fail")
    records = []
    for i, (process, f, inp, start, end, crashed, _) in enumerate(plan):
        out, outcome = outputs.get(i, (inp, "ok"))
        if crashed:
            out, outcome = (None, "fail") if f == "read" else (inp, "unknown")
        records.append(Operation(i, process, f, inp, out, start, end, outcome))
    if stale_reads:
        records = _inject_stale_cas(records, stale_reads, rng)
    records.sort(key=lambda o: (o.invoke_time, o.index))
    return History(Operation(i, o.process, o.f, o.input, o.output, o.invoke_time, o.complete_time, o.outcome)
                   for i, o in enumerate(records))


def _produced(op: Operation) -> Any:
    return op.input if op.f == "write" else op.input[1]


def _inject_stale_cas(records: list[Operation], count: int, rng: random.Random) -> list[Operation]:
    """Rewrite ``count`` ok reads to return a value v that no linearization can give them.

    For a read r: ``newer`` is an ok write or cas that completed before r was invoked and set
    u != v, and every operation that might set v (a write of v or a cas to v, ok or unknown)
    and was invoked before r completed is ok and completed before ``newer`` was invoked (v may
    also be the initial nil, set by nobody). Then in every order newer comes after the last
    setter of v and before r, and nothing sets v again before r: r cannot see v.
    """
    from dataclasses import replace

    setters = [op for op in records if op.f in ("write", "cas") and op.outcome != "fail"]
    reads = [op for op in records if op.f == "read" and op.outcome == "ok"]
    rng.shuffle(reads)
    out = {op.index: op for op in records}
    done = 0
    for r in reads:
        definite = [w for w in setters if w.outcome == "ok" and w.complete_time < r.invoke_time]
        if not definite:
            continue
        newer = max(definite, key=lambda w: w.invoke_time)
        choices = []
        for v in sorted({_produced(w) for w in setters} | {None}, key=repr):
            if v == _produced(newer) or v == r.output:
                continue
            early = [w for w in setters if _produced(w) == v and w.invoke_time < r.complete_time]
            if all(w.outcome == "ok" and w.complete_time < newer.invoke_time for w in early):
                choices.append(v)
        if choices:
            out[r.index] = replace(r, output=rng.choice(choices))
            done += 1
            if done == count:
                return list(out.values())
    raise ConfigError(f"could inject only {done} stale reads, not {count}; try another seed or fewer crashes")
