"""The result of a fallacy experiment, and helpers the experiments share."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dsworkbook.errors import ConfigError
from dsworkbook.reliability import RequestReplyResult

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


FALLACIES = (
    "The network is reliable",
    "Latency is zero",
    "Bandwidth is infinite",
    "The network is secure",
    "Topology doesn't change",
    "There is one administrator",
    "Transport cost is zero",
    "The network is homogeneous",
)


@dataclass(frozen=True, repr=False, eq=False)
class FallacyResult:
    """One fallacy's experiment: what the naive and the fixed program did, measured."""

    number: int
    fallacy: str
    seed: int
    explanation: str
    figures: "pd.DataFrame"
    naive_broke: bool
    fixed_held: bool
    verdict: str

    def summary(self) -> str:
        """Title, explanation, the figures and the verdict, as text."""
        para = textwrap.fill(self.explanation, width=100)
        return (f"{self.number}. {self.fallacy} (seed={self.seed})\n{para}\n\n"
                f"{self.figures.to_string()}\n\n{self.verdict}")

    def __repr__(self) -> str:
        naive = "broke" if self.naive_broke else "did NOT break"
        fixed = "held" if self.fixed_held else "did NOT hold"
        return f"<FallacyResult {self.number} {self.fallacy!r} seed={self.seed}: naive {naive}, fixed {fixed}>"

    def _repr_html_(self) -> str:  # how a notebook shows it
        from html import escape

        return (f"<b>{self.number}. {escape(self.fallacy)}</b> (seed={self.seed})<p>{escape(self.explanation)}</p>"
                f"{self.figures.to_html()}<p>{escape(self.verdict)}</p>")


def _check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ConfigError(f"seed must be an int (it names the run so it can be replayed), got {seed!r}")
    return seed


def _result(number: int, seed: int, explanation: str, naive: dict, fixed: dict, naive_broke: bool,
            fixed_held: bool, verdict: str) -> FallacyResult:
    import pandas as pd

    figures = pd.DataFrame([naive, fixed], index=pd.Index(["naive", "fixed"], name="program"))
    return FallacyResult(number, FALLACIES[number - 1], seed, " ".join(explanation.split()), figures,
                         bool(naive_broke), bool(fixed_held), verdict)


def _rr_row(r: RequestReplyResult) -> dict[str, Any]:
    return {"ops": r.ops, "ok": r.ok, "unknown": r.unknown, "never applied": r.never_applied,
            "duplicates applied": r.duplicates, "requests": r.attempts, "messages": r.messages}
