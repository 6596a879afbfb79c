"""Fallacy 7: transport cost is zero."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dsworkbook.reliability import RetryPolicy, run_request_reply

if TYPE_CHECKING:  # pragma: no cover
    pass

from dsworkbook.fallacies._result import FallacyResult, _check_seed, _result


# -- 7. transport cost is zero ----------------------------------------------------------------------------

HEADER_BYTES = 40  # per message, an assumption (roughly the IP and TCP headers)


def _upload_run(seed: int, items: int, batch: int) -> dict[str, Any]:
    ops = [("incr", batch)] * (items // batch)
    r = run_request_reply(seed, ops=ops, policy=RetryPolicy(timeout=100, max_attempts=5), dedup=True,
                          latency=(2, 6), service_time=0.5)
    done = max((op.complete_time or 0.0) for op in r.sim.history)  # type: ignore[union-attr]
    return {"items": items, "per message": batch, "messages": r.messages, "elapsed ms": round(done, 1),
            "header bytes": r.messages * HEADER_BYTES, "items stored": r.final_value}


def transport_cost_is_zero(seed: int = 0, budget_ms: float = 250.0) -> FallacyResult:
    """A chatty protocol (one request-reply per item) vs batching, against a time budget."""
    seed = _check_seed(seed)
    naive, fixed = _upload_run(seed, 200, 1), _upload_run(seed, 200, 50)
    broke = naive["elapsed ms"] > budget_ms
    held = fixed["elapsed ms"] <= budget_ms and fixed["items stored"] == fixed["items"]
    return _result(7, seed, f"""
        A client uploads 200 items and must finish within {budget_ms:g} ms. Every message costs a
        round trip of a few milliseconds, header bytes and server work, however little it
        carries. The naive client sends one item per request and waits for each reply, as if
        messages were free; the fixed client sends batches of 50. Both store every item; only
        one of them fits the budget, with a fraction of the messages.""", naive, fixed, broke, held,
        f"naive: {naive['messages']} messages, {naive['elapsed ms']} ms; fixed: {fixed['messages']} messages, "
        f"{fixed['elapsed ms']} ms (budget {budget_ms:g} ms).")
