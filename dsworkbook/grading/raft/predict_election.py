"""Exercise ``06-predict-election``: which servers can win an election, and why (§5.2, §5.4.1).

Theory of operation
-------------------
Five servers hold the logs of :data:`ELECTION_LOGS` - their last terms cross 9/10, so a
comparison of terms as text gets them backwards - all at one current term, nobody has voted.
The grader runs five elections (:func:`~dsworkbook.consensus.raft.scenarios.election_experiment`:
in each, one server alone times out) and compares the learner's set with who actually won.

The reason (``why``) is graded the same way: each lettered reason of :data:`REASONS` is a voting
rule, and the grader works out which servers each rule would let win. The right reason is the
rule whose winners are the winners of the run - computed from the run, never a constant.
"""

from __future__ import annotations

from typing import Any, Callable

from dsworkbook.consensus.raft.scenarios import election_experiment
from dsworkbook.grading.core import exercise, fail, need_choice

#: The five logs of the question (the terms of their entries).
ELECTION_LOGS = {"n1": (1, 9, 9, 9), "n2": (1, 9, 10), "n3": (1, 9, 10, 10), "n4": (1, 9, 9, 9, 9, 9),
                 "n5": (1, 9)}

Log = tuple[int, ...]


def _last(log: Log) -> tuple[int, int]:
    return (log[-1] if log else 0), len(log)


#: letter -> (the reason as the statement words it, the voting rule it amounts to: grants(candidate, voter))
REASONS: dict[str, tuple[str, Callable[[Log, Log], bool]]] = {
    "a": ("a voter grants its vote to any candidate whose log is at least as long as its own",
          lambda c, v: len(c) >= len(v)),
    "b": ("a voter grants its vote to any candidate whose last term is at least its own, whatever the lengths",
          lambda c, v: _last(c)[0] >= _last(v)[0]),
    "c": ("a voter grants its vote only if the candidate's last entry has a later term than its own, or the same "
          "term and a log at least as long; a winner needs 3 of the 5 votes, its own included",
          lambda c, v: (_last(c)[0], len(c)) >= (_last(v)[0], len(v))),
    "d": ("only a server that holds every entry of the highest term in the cluster can win",
          lambda c, v: False),
}


def _winners_by(rule: str, logs: dict[str, Log]) -> set[str]:
    if rule == "d":
        top = max(t for log in logs.values() for t in log)
        spots = {(i, t) for log in logs.values() for i, t in enumerate(log) if t == top}
        return {n for n, log in logs.items() if all(i < len(log) and log[i] == t for i, t in spots)}
    grants = REASONS[rule][1]
    need = len(logs) // 2 + 1
    return {n for n, log in logs.items() if sum(1 for v in logs.values() if grants(log, v)) >= need}


def truth() -> tuple[set[str], str, Any]:
    """(who won in the run, the letter of the reason whose rule predicts exactly that, the run's table)."""
    table = election_experiment({k: list(v) for k, v in ELECTION_LOGS.items()})
    won = {n for n, w in table["won"].items() if w}
    matching = [k for k in REASONS if _winners_by(k, ELECTION_LOGS) == won]
    if len(matching) != 1:  # pragma: no cover - the question is built so that exactly one fits
        raise AssertionError(f"reasons {matching} all predict {sorted(won)}")
    return won, matching[0], table


def _as_set(answer: Any) -> set[str]:
    if isinstance(answer, str) or not hasattr(answer, "__iter__"):
        fail(case="the form of the answer", input="which servers could win?", expected='a set such as {"n1", "n2"}',
             got=answer, hint="answer with a set (or list) of server ids")
    out = {str(x).strip().lower() for x in answer}
    unknown = out - set(ELECTION_LOGS)
    if unknown:
        fail(case="the form of the answer", input="which servers could win?",
             expected=f"ids among {sorted(ELECTION_LOGS)}", got=sorted(unknown), hint="name servers n1..n5")
    return out


@exercise("06-predict-election", title="Predict: who can win this election?", theme="T06", concepts=("F01",),
          kind="predict", parts=("why",))
def grade_predict_election(answer: Any, *, why: Any) -> str:
    """A set of server ids - the servers that would win if their timer fired first - and ``why``, a letter.

    Five servers hold logs with the terms in ``ELECTION_LOGS`` (n1: 1 9 9 9; n2: 1 9 10; n3: 1 9
    10 10; n4: 1 9 9 9 9 9; n5: 1 9), all at the same current term, nobody has voted. The grader
    runs five elections - in each, one server alone times out - and compares with who won; the
    reason must be the one whose rule predicts exactly those winners.
    """
    got = _as_set(answer)
    letter = need_choice(why, REASONS)
    won, reason, table = truth()
    logs = {k: " ".join(map(str, v)) for k, v in ELECTION_LOGS.items()}
    if got != won:
        wrong = sorted(got ^ won)
        detail = "; ".join(f"{n}: votes from {table.loc[n, 'votes from'] or 'nobody'} -> "
                           f"{'wins' if table.loc[n, 'won'] else 'loses'}" for n in wrong)
        fail(case="five elections, one per candidate (seed 1)", input=logs, expected=sorted(won), got=sorted(got),
             hint=f"a voter grants only if the candidate's last term is later, or equal with a log at least as long "
                  f"(§5.4.1) - terms compare as numbers, 10 > 9; a candidate needs 3 of 5 votes, its own included. "
                  f"{detail}")
    if letter != reason:
        fail(case="the reason", input=logs, expected=f"({reason})", got=f"({letter})",
             hint=f"reason ({letter}) would let {sorted(_winners_by(letter, ELECTION_LOGS)) or 'nobody'} win; the run "
                  f"elected {sorted(won)}")
    return (f"{', '.join(sorted(won))} can win: "
            + "; ".join(f"{n} gets {table.loc[n, 'votes from']}" for n in sorted(won))
            + f" - reason ({reason}): n4's longer log of term 9 beats n1 and n5, yet loses to every log ending in 10")


__all__ = ["grade_predict_election", "ELECTION_LOGS", "REASONS", "truth"]
