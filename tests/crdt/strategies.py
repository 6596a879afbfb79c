"""Hypothesis strategies for CRDT states: small replicated histories, and states drawn from one of them.

States must come from one system (one set of replicas, unique dots and stamps), as they do in a
real deployment, so a strategy draws a *history* - a list of updates and merges on three
replicas - plays it with :func:`dsworkbook.crdt.workloads.run_steps`, and then picks states
that history produced. Histories are short (at most 10 steps) so that 1000 examples of every
law for every type stay within seconds.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from dsworkbook.crdt.workloads import REPLICAS, ReplicatedType, Run, run_steps

MAX_STEPS = 10

#: Every law test: 1000 examples, no deadline, the same examples on every run (derandomize),
#: no example database written into the repository.
LAW_SETTINGS = settings(max_examples=1000, deadline=None, derandomize=True, database=None,
                        suppress_health_check=[HealthCheck.too_slow], report_multiple_bugs=False)

steps = st.lists(st.tuples(st.integers(0, len(REPLICAS) - 1), st.sampled_from(["update", "merge"]),
                           st.integers(0, 1 << 20)), max_size=MAX_STEPS)


@st.composite
def histories(draw: st.DrawFn, kind: ReplicatedType) -> Run:
    """One replicated history of ``kind``."""
    return run_steps(kind, draw(steps))


@st.composite
def state_triples(draw: st.DrawFn, kind: ReplicatedType) -> tuple[Run, list]:
    """A history and three (not necessarily distinct) states it produced."""
    run = draw(histories(kind))
    picks = draw(st.lists(st.integers(0, len(run.states) - 1), min_size=3, max_size=3))
    return run, [run.states[i] for i in picks]
