"""Exercise ``06-predict-membership``: the single-server membership race, with and without the leader's rule (F08).

Theory of operation
-------------------
The campaign's "membership race" (seed :data:`SEED`; see
:func:`~dsworkbook.consensus.raft.membership_run.race_nemesis`): four voters, two administrators
adding spares and removing voters one server at a time, and a targeted partition that cuts a
leader off - with the server its uncommitted configuration entry adds - while the other
administrator is asking to remove a voter. The grader replays it at check time twice, with the
same fault schedule: correct Raft (a leader changes the configuration only once it has committed
an entry of its own term) and the ``change_before_term_commit`` variant (the rule dropped). The
answer is, per run, whether a safety property broke (:func:`runs`); the reason is graded on the
pattern the two runs show (:func:`reason_that_holds`: each lettered reason describes one pattern).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from dsworkbook.consensus.fuzzing.raft import campaign_run, campaign_schedule, family_of
from dsworkbook.consensus.raft_invariants import check_safety
from dsworkbook.grading.core import exercise, fail, need_bool_table, need_choice

__all__ = ["grade_predict_membership", "REASONS", "RUNS", "SEED", "runs", "reason_that_holds", "truth"]

SEED = 10
BROKEN = "change_before_term_commit"
RUNS = ("correct", BROKEN)

REASONS = {
    "a": "without the rule, the new leader commits its removal under the new voters while the cut-off leader's "
         "uncommitted addition is still in that leader's log; a majority of the one configuration and a majority "
         "of the other need not share a server, so the old leader can win again and overwrite what was committed. "
         "With the rule, the new leader must first commit an entry of its own term on a majority of the old "
         "voters, and then the old leader can no longer win",
    "b": "a leader cut off with an uncommitted configuration entry breaks Raft whatever the rule: both runs lose "
         "committed entries",
    "c": "single-server changes are always safe: any majority of the old voters and any majority of the new ones "
         "share a server, whatever the leaders do, so neither run breaks",
    "d": "waiting for an entry of its own term is what does harm: the correct leader's change comes too late and "
         "an entry is lost, while the variant changes at once and stays safe",
}

#: (correct breaks, variant breaks) -> the reason that describes that pattern
_PATTERN = {(False, True): "a", (True, True): "b", (False, False): "c", (True, False): "d"}


def _run(variant: str) -> dict[str, Any]:
    options = {"membership": "single"}
    sim = campaign_run(SEED, campaign_schedule(SEED, variant=variant, options=options), variant=variant,
                       options=options)
    report = check_safety(sim)
    changes = sum(1 for n in sim.node_ids if n.startswith("admin") for rec in sim.node(n).log
                  if rec["outcome"] == "committed")
    return {"breaks": not report.ok, "first violation": report.violations[0].describe() if not report.ok else "",
            "changes committed": changes, "family": family_of(SEED, variant=variant, options=options)}


@lru_cache(maxsize=1)
def runs() -> dict[str, dict[str, Any]]:
    """Per run ("correct", "change_before_term_commit"): breaks (the answer) and the evidence."""
    return {variant: _run(variant) for variant in RUNS}


def reason_that_holds(r: dict[str, dict[str, Any]]) -> str:
    return _PATTERN[(r["correct"]["breaks"], r[BROKEN]["breaks"])]


def truth() -> tuple[dict[str, bool], str]:
    r = runs()
    return {k: v["breaks"] for k, v in r.items()}, reason_that_holds(r)


def _evidence(r: dict[str, dict[str, Any]]) -> str:
    return "; ".join(f"{k}: {v['changes committed']} changes committed, "
                     + (f"first violation: {v['first violation']}" if v["breaks"] else "no safety property broke")
                     for k, v in r.items())


@exercise("06-predict-membership", title="Predict: the single-server membership race, with and without the rule",
          theme="T06", concepts=("F08",), kind="predict", parts=("why",))
def grade_predict_membership(answer: Any, *, why: Any) -> str:
    """A dict from each run to True (a safety property breaks) or False, and ``why`` (a letter of :data:`REASONS`)."""
    got = need_bool_table(answer, RUNS, meaning="a safety property breaks")
    letter = need_choice(why, REASONS)
    want, reason = truth()
    r = runs()
    for label in RUNS:
        if got[label] != want[label]:
            fail(case=label, input=f"the membership race of seed {SEED}, run as {label!r}",
                 expected=want[label], got=got[label],
                 hint="follow the two configurations in play: the cut-off leader's, which adds a server, and the "
                      "new leader's, which removes one - must a majority of the one share a server with a "
                      "majority of the other, and what does the rule make the new leader do first?")
    if letter != reason:
        fail(case="why", input="the reasons " + ", ".join(f"({k})" for k in REASONS),
             expected="the reason the runs bear out", got=f"({letter}) {REASONS[letter]}",
             hint=f"the runs measured: {_evidence(r)}")
    return (", ".join(f"{k}: {'a safety property broke' if v else 'safe'}" for k, v in want.items())
            + f" (seed {SEED}); why ({reason})")
