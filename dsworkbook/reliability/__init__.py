"""Reliable request-reply: timeouts, retries, exponential backoff with jitter, idempotency keys.

Theory of operation
-------------------
A client that sent a request and heard nothing cannot tell a lost request from a lost reply, a
crashed server or a slow one: all four look like silence until its timeout fires. So it
retries, and two habits decide whether retrying is safe and kind:

* **Idempotency keys.** Every attempt of one logical operation carries the same key, and the
  server keeps a table ``key -> first response``: a retried (or network-duplicated) request is
  applied once and answered with the original result (Amazon Builders' Library, "Making retries
  safe with idempotent APIs"; Stripe's ``Idempotency-Key`` header).
* **Capped exponential backoff with jitter.** Retries wait longer and longer, up to a cap, and
  the wait is randomised, so clients that failed together do not retry together and a
  recovering server is not flattened by synchronised waves (AWS Architecture Blog, Marc
  Brooker, "Exponential Backoff and Jitter", 2015).

Rules this module keeps
-----------------------
* A timeout is never a failure. An operation that gives up after ``max_attempts`` ends
  ``unknown`` (it may have been applied); it ends ``fail`` only on an explicit error reply,
  and an error reply is not retried (the server answered: asking again gets the same answer).
* ``Request.req_id`` is unique per *attempt*; ``Request.idem_key`` is shared by every attempt of
  one logical operation (``None`` when the policy turns idempotency off).
* The nodes are sans-IO: time comes from timers and ``self.now()``, randomness from
  ``self.rng``, so a run is reproduced exactly by its seed.
* The server writes a trace note ``applied=req_id, client=src`` every time it applies a
  mutating operation; :func:`summarize` reads the trace, so the counts it reports (duplicates
  applied, operations never applied, peak load) are measured, not assumed.

The modules
-----------
``policy`` (:class:`RetryPolicy`, :func:`backoff_delay`), ``client`` (:class:`RetryClient`,
:class:`NaiveRetryClient`), ``server`` (:class:`CounterServer`), ``experiments`` (runs, their
measures and the named scenarios) and ``design`` (a policy against stated goals); everything
is reachable from ``dw.reliability``.

Experiments
-----------
:func:`run_request_reply` builds, runs and measures a client/server run. Named scenarios: the
four causes of a timeout (:func:`timeout_scenario`) and a lost reply without keys
(:func:`lost_reply_run`), shown in notebook 01; a slow server and two withdrawals
(:func:`slow_server_run`) and a paused server meeting retries without keys
(:func:`paused_server_run`), the scenarios of the predictions ``01-predict-timeout`` and
``01-predict-retry``. :func:`retry_goals` measures a :class:`RetryPolicy` against the goals of
the design exercise ``01-design-retry`` (:data:`DESIGN_GOALS`): a success rate, a p99 latency
and a retry budget in steady state under loss and a long-tailed latency (Dean and Barroso, "The
Tail at Scale"; the retry budget of Google's SRE book, ch. 21), and a recovery storm after an
outage that must not overload the server.
"""

from dsworkbook.reliability.client import Attempt, NaiveRetryClient, RetryClient
from dsworkbook.reliability.design import (DESIGN_GOALS, DESIGN_LATENCY, DESIGN_SEEDS, GoalCheck, goals_table,
                                           retry_goals, steady_run, storm_run)
from dsworkbook.reliability.experiments import (TIMEOUT_CAUSES, RequestReplyResult, attempts_by_op, client_view,
                                                lost_reply_run, paused_server_run, peak_load, request_reply_sim,
                                                run_request_reply, slow_server_run, summarize, timeout_scenario)
from dsworkbook.reliability.policy import JITTERS, BackoffFn, RetryPolicy, backoff_delay
from dsworkbook.reliability.server import CounterServer

__all__ = [
    "JITTERS", "RetryPolicy", "backoff_delay", "BackoffFn", "Attempt", "RetryClient", "NaiveRetryClient",
    "CounterServer", "RequestReplyResult", "request_reply_sim", "run_request_reply", "summarize",
    "attempts_by_op", "peak_load", "TIMEOUT_CAUSES", "timeout_scenario", "lost_reply_run", "client_view",
    "slow_server_run", "paused_server_run",
    "DESIGN_LATENCY", "DESIGN_SEEDS", "DESIGN_GOALS", "GoalCheck", "steady_run", "storm_run", "retry_goals",
    "goals_table",
]
