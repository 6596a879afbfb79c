"""Fallacies 1 and 2: the network is reliable; latency is zero."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dsworkbook.reliability import RetryPolicy, run_request_reply
from dsworkbook.sim.latency import LongTail

if TYPE_CHECKING:  # pragma: no cover
    pass

from dsworkbook.fallacies._result import FallacyResult, _check_seed, _result, _rr_row


# -- 1. the network is reliable ------------------------------------------------------------------


def network_is_reliable(seed: int = 0) -> FallacyResult:
    """Fire-and-forget increments vs retries with idempotency keys, on a lossy, duplicating network."""
    seed = _check_seed(seed)
    net = dict(clients=6, ops=10, latency=(1, 10), loss=0.1, duplicate=0.1)
    naive = run_request_reply(seed, policy=RetryPolicy(timeout=30, max_attempts=1, idempotency=False), **net)
    fixed = run_request_reply(seed, policy=RetryPolicy(timeout=30, max_attempts=8), dedup=True, **net)
    broke = naive.never_applied > 0 or naive.duplicates > 0
    held = fixed.never_applied == 0 and fixed.duplicates == 0 and fixed.ok == fixed.ops
    return _result(1, seed, """
        Six clients each send ten "add 1" requests over a network that loses 10% of messages and
        duplicates 10%. The naive client sends each request once and trusts it to arrive once:
        some increments never happen and some happen twice (the network copied the request), and
        the client cannot tell which. The fixed client retries after a timeout and tags every
        attempt of one operation with the same idempotency key; the server remembers keys it has
        applied and answers a repeat with the original result, so every increment takes effect
        exactly once.""", _rr_row(naive), _rr_row(fixed), broke, held,
        f"naive: {naive.never_applied} increments lost and {naive.duplicates} applied twice; "
        f"fixed: {fixed.never_applied} lost, {fixed.duplicates} doubled, {fixed.ok}/{fixed.ops} ok.")


# -- 2. latency is zero --------------------------------------------------------------------------


def latency_is_zero(seed: int = 0) -> FallacyResult:
    """A timeout tuned to the typical delay vs one taken from the tail, on a long-tailed network."""
    seed = _check_seed(seed)
    tail = LongTail(median=5, p99=60)
    net = dict(clients=4, ops=10, latency=tail)
    naive = run_request_reply(seed, policy=RetryPolicy(timeout=12, max_attempts=3, base=5, idempotency=False), **net)
    fixed = run_request_reply(seed, policy=RetryPolicy(timeout=2 * tail.p99, max_attempts=3, base=5), dedup=True,
                              **net)
    rows = [dict(_rr_row(r), **{"needless retries": r.attempts - r.ops}) for r in (naive, fixed)]
    broke = naive.duplicates > 0 or naive.unknown > 0
    held = fixed.duplicates == 0 and fixed.unknown == 0
    return _result(2, seed, """
        The server is healthy and nothing is lost, but one-way delays have a long tail: median
        5 ms, 99th percentile 60 ms (Dean and Barroso, "The Tail at Scale"). The naive client
        times out after 12 ms, about one typical round trip, as if delay were negligible and
        steady: every retry it makes is needless (nothing was lost, the reply was only slow),
        and without idempotency keys some of them are applied twice; with fewer attempts it
        would declare a healthy server dead instead. The fixed client takes its timeout from the
        tail (twice the one-way p99) and retries with idempotency keys, so a rare slow reply
        costs one harmless retry.""", rows[0], rows[1], broke, held,
        f"naive: {naive.attempts - naive.ops} needless retries, {naive.duplicates} duplicates applied, "
        f"{naive.unknown} op{'' if naive.unknown == 1 else 's'} given up on a healthy server; "
        f"fixed: {fixed.duplicates} duplicates, "
        f"{fixed.unknown} given up.")
