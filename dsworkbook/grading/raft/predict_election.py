"""Exercise ``06-predict-election``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

from typing import Any

from dsworkbook.consensus.raft.scenarios import election_experiment
from dsworkbook.grading.core import exercise, fail

#: The five logs of the question (the terms of their entries).
ELECTION_LOGS = {"n1": (1, 1, 2), "n2": (1, 1, 2, 3), "n3": (1, 1, 2, 3, 3), "n4": (1, 1), "n5": (1, 2, 2, 2)}


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
          kind="predict")
def grade_predict_election(answer: Any) -> str:
    """A set of server ids: the servers that would win an election if their timer fired first.

    Five servers hold logs with the terms in ``ELECTION_LOGS`` (n1: 1 1 2; n2: 1 1 2 3; n3: 1 1 2 3 3;
    n4: 1 1; n5: 1 2 2 2), all at the same current term, nobody has voted. The grader runs five
    elections - in each, one server alone times out - and compares with who actually won.
    """
    got = _as_set(answer)
    table = election_experiment({k: list(v) for k, v in ELECTION_LOGS.items()})
    truth = {n for n, won in table["won"].items() if won}
    if got != truth:
        wrong = sorted(got ^ truth)
        detail = "; ".join(f"{n}: votes from {table.loc[n, 'votes from'] or 'nobody'} -> "
                           f"{'wins' if table.loc[n, 'won'] else 'loses'}" for n in wrong)
        fail(case="five elections, one per candidate (seed 1)", input={k: list(v) for k, v in ELECTION_LOGS.items()},
             expected=sorted(truth), got=sorted(got),
             hint=f"a voter grants only if the candidate's last term is later, or equal with a log at least as long "
                  f"(§5.4.1); a candidate needs 3 of 5 votes, its own included. {detail}")
    return (f"{', '.join(sorted(truth))} can win: "
            + "; ".join(f"{n} gets {table.loc[n, 'votes from']}" for n in sorted(truth))
            + " - an uncommitted entry (term 3 on n2, n3 only) does not stop n5")
