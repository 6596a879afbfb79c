"""Which is the strongest consistency model a history satisfies? One verdict per level, with evidence.

Theory of operation
-------------------
:data:`LADDER` lists the models from strongest to weakest::

    linearizable > sequential > causal > read-your-writes, monotonic reads > convergent

Every level holds whenever a stronger one does, except that read-your-writes and monotonic
reads are incomparable, and convergence, which is a different kind of promise: a sequential or
causal store may serve a stale value forever. :func:`classify` walks the ladder from the
top. With ``derive=True`` (the default) a level implied by one that already holds is not
checked again: it inherits the stronger level's evidence (``method`` says "implied by ..."), and
a causal violation also settles sequential consistency. Convergence is always checked.
``derive=False`` runs every check on its own - slower, and a good test that the implications
hold.

``strongest`` is the first level of the ladder whose check said yes (``"none"`` if none did);
``levels`` maps every level to its :class:`~dsworkbook.checkers.result.CheckResult`, so the
incomparable ones and any ``unknown`` are visible too.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

from dsworkbook.checkers.datatypes import Model
from dsworkbook.checkers.linearizability import check_linearizable
from dsworkbook.checkers.models import (CAUSAL, CONVERGENT, MONOTONIC_READS, RYW, SEQUENTIAL, check_causal,
                                        check_convergence, check_monotonic_reads, check_read_your_writes,
                                        check_sequential)
from dsworkbook.checkers.result import CheckResult

__all__ = ["classify", "Classification", "LADDER", "LINEARIZABLE"]

LINEARIZABLE = "linearizable"
LADDER = (LINEARIZABLE, SEQUENTIAL, CAUSAL, RYW, MONOTONIC_READS, CONVERGENT)
#: What each level implies. Convergence is left out: it is always checked on its own, because an
#: unknown-outcome write may land after the last reads even in a linearizable history.
IMPLIES = {
    LINEARIZABLE: (SEQUENTIAL, CAUSAL, RYW, MONOTONIC_READS),
    SEQUENTIAL: (CAUSAL, RYW, MONOTONIC_READS),
    CAUSAL: (RYW, MONOTONIC_READS),
}


@dataclass(repr=False)
class Classification:
    """The verdict of every level of :data:`LADDER` for one history."""

    levels: dict[str, CheckResult]
    model: str
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def strongest(self) -> str:
        """The strongest level that holds (``"none"`` when none does)."""
        return next((lvl for lvl in LADDER if self.levels[lvl].ok), "none")

    @property
    def holds(self) -> list[str]:
        return [lvl for lvl in LADDER if self.levels[lvl].ok]

    @property
    def fails(self) -> list[str]:
        return [lvl for lvl in LADDER if self.levels[lvl].ok is False]

    @property
    def undecided(self) -> list[str]:
        return [lvl for lvl in LADDER if self.levels[lvl].ok is None]

    def __getitem__(self, level: str) -> CheckResult:
        return self.levels[level]

    def table(self) -> Any:
        """A DataFrame: level, verdict, method, and the one-sentence reason."""
        import pandas as pd

        return pd.DataFrame([{"level": lvl, "verdict": r.verdict, "method": r.method, "why": r.reason}
                             for lvl, r in self.levels.items()])

    def summary(self) -> str:
        parts = [f"strongest: {self.strongest}"]
        weaker_fails = [lvl for lvl in self.fails]
        if weaker_fails:
            first = weaker_fails[0]
            parts.append(f"not {first}: {self.levels[first].reason}")
        return " — ".join(parts)

    def __repr__(self) -> str:
        marks = ", ".join(f"{lvl}={'yes' if r.ok else 'no' if r.ok is False else '?'}" for lvl, r in self.levels.items())
        return f"Classification(strongest={self.strongest!r}: {marks})"


def _implied(result: CheckResult, level: str, by: str) -> CheckResult:
    return replace(result, level=level, method=f"implied by {by}",
                   reason=f"{by} implies {level} ({result.reason})", counterexample=None)


def classify(history: Any, model: "str | Model" = "register", *, time_limit: float = 5.0, derive: bool = True,
             settle: float = 0.0) -> Classification:
    """Check ``history`` against every level of :data:`LADDER` (see the module docstring).

    ``time_limit`` bounds each search (linearizability, sequential consistency) separately.
    """
    start = time.perf_counter()
    levels: dict[str, CheckResult] = {}
    levels[LINEARIZABLE] = check_linearizable(history, model, time_limit=time_limit)
    checks = {
        SEQUENTIAL: lambda: check_sequential(history, model, time_limit=time_limit),
        CAUSAL: lambda: check_causal(history, model),
        RYW: lambda: check_read_your_writes(history, model),
        MONOTONIC_READS: lambda: check_monotonic_reads(history, model),
        CONVERGENT: lambda: check_convergence(history, model, settle=settle),
    }
    if derive and levels[LINEARIZABLE].ok is False:
        causal = checks[CAUSAL]()
        levels[CAUSAL] = causal
        if causal.ok is False:
            levels[SEQUENTIAL] = replace(causal, level=SEQUENTIAL, method=f"{causal.method} (not causal)",
                                         reason=f"not even causal, so not sequential: {causal.reason}")
    for level in LADDER[1:]:
        if level in levels:
            continue
        strong = next((s for s in LADDER if derive and s in levels and levels[s].ok and level in IMPLIES.get(s, ())),
                      None)
        levels[level] = _implied(levels[strong], level, strong) if strong else checks[level]()
    name = model if isinstance(model, str) else model.name
    return Classification({lvl: levels[lvl] for lvl in LADDER}, name, time.perf_counter() - start)
