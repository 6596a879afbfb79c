"""Exercise ``13-predict-isolation``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

from typing import Any

from dsworkbook.grading.core import exercise, fail, need_bool_table, need_choice
from dsworkbook.transactions.isolation import MVStore
from dsworkbook.transactions.isolation_model import LEVELS, Commit, Read, Scenario, ScenarioRun, Write, run_scenario

#: A fresh interleaving (not one of the themed notebook's): T2 moves 40 from x to y and commits
#: between T1's two reads; T1 adds what it read (Berenson et al. 1995, section 4.2, A5A read skew).
TRANSFER = Scenario(
    "transfer between two reads", "A5A",
    (Read("T1", "x", "a"), Read("T2", "x", "x"), Read("T2", "y", "y"),
     Write("T2", "x", lambda v: v["x"] - 40, "x-40"), Write("T2", "y", lambda v: v["y"] + 40, "y+40"),
     Commit("T2"), Read("T1", "y", "b"), Commit("T1")),
    {"x": 50, "y": 50}, lambda v, rows: (v["T1"].get("a") or 0) + (v["T1"].get("b") or 0) != 100,
    "T1 read x before the transfer and y after it: a total other than 100")
REASONS = {
    "a": "below SERIALIZABLE nothing keeps T1 from seeing a transaction that committed between its two reads",
    "b": "READ UNCOMMITTED and READ COMMITTED read each statement from the newest data, so T1's second read sees "
         "T2's committed transfer and its first did not; REPEATABLE READ and SERIALIZABLE read both rows from one "
         "snapshot, taken at T1's first statement",
    "c": "T2's row locks make T1's read of y wait until T2 has committed, at every level",
    "d": "REPEATABLE READ and SERIALIZABLE abort T1 with SQLSTATE 40001 and retry it alone, after T2",
}


def runs() -> dict[str, ScenarioRun]:
    return {level: run_scenario(MVStore(), TRANSFER, level) for level in LEVELS}


def reasons_that_hold(r: dict[str, ScenarioRun]) -> list[str]:
    """Which of :data:`REASONS` the four runs bear out."""
    holds = []
    below = LEVELS[:3]
    if all(r[lv].anomaly for lv in below):
        holds.append("a")
    saw = {lv: (r[lv].vars["T1"].get("a"), r[lv].vars["T1"].get("b")) for lv in LEVELS}
    if (all(saw[lv] == (50, 90) for lv in LEVELS[:2]) and all(saw[lv] == (50, 50) for lv in LEVELS[2:])
            and not any(r[lv].failures or r[lv].blocked for lv in LEVELS)):
        holds.append("b")
    if all(r[lv].blocked for lv in LEVELS):
        holds.append("c")
    if all(r[lv].failures and "T1" in r[lv].retried for lv in LEVELS[2:]):
        holds.append("d")
    return holds


@exercise("13-predict-isolation", title="Predict: a transfer between two reads, at four isolation levels",
          theme="T13", concepts=("X05",), kind="predict", parts=("why",))
def grade_predict_isolation(answer: Any, *, why: Any) -> str:
    """A dict from each of the four levels to a bool (did T1 see a total other than 100?), and ``why``.

    The truth is measured by running :data:`TRANSFER` on the multi-version store at each level;
    the reason is the one the runs bear out (what T1 read, whether anything blocked or failed).
    """
    table = need_bool_table(answer, LEVELS, meaning="T1's two reads add up to something other than 100")
    letter = need_choice(why, REASONS)
    r = runs()
    holds = reasons_that_hold(r)
    if len(holds) != 1:  # a broken invariant of the exercise, not a learner's mistake
        raise AssertionError(f"13-predict-isolation: expected exactly one reason to hold, got {holds}")
    for level in LEVELS:
        if table[level] != r[level].anomaly:
            seen = r[level].vars["T1"]
            fail(case=level, input=f"{TRANSFER.name} at {level}", expected=r[level].anomaly, got=table[level],
                 hint=f"at {level} T1 read x = {seen.get('a')} and y = {seen.get('b')}: ask which snapshot each of "
                      "its two reads uses at this level")
    if letter != holds[0]:
        fail(case="why", input="the reasons " + ", ".join(f"({k})" for k in REASONS),
             expected="the reason the runs bear out", got=f"({letter}) {REASONS[letter]}",
             hint="look at what T1 read at each level, and whether any step waited or failed")
    return ", ".join(f"{lv}: {'anomaly' if r[lv].anomaly else 'total 100'}" for lv in LEVELS) + f"; why ({letter})"
