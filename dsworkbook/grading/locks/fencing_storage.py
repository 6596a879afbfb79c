"""Exercise ``09-fencing-storage``: see its grader's docstring for what the learner writes.

One run of the fenced ``locks`` campaign with the learner's storage is the exercise's
experiment over seeds (:func:`campaign_experiment`), which the flakiness meter runs on many
(``dw.grading.flaky("09-fencing-storage", FencedStorage)``): no stale write accepted.
"""

from __future__ import annotations

import inspect
import random
from typing import Any

from dsworkbook.grading.core import attempt, exercise, fail, in_simulation, random_cases, same_everywhere, seeded
from dsworkbook.locks import scenarios
from dsworkbook.locks.campaign import locks_progress, locks_run, locks_schedule, locks_violation
from dsworkbook.locks.fencing import Storage

RANDOM_SEED = 41
CAMPAIGN_SEEDS = (3, 4, 5, 6)

HINTS = {
    "form": "return \"\" (an empty string) when the request may go on, else a non-empty reason",
    "unfenced": "when self.fenced is False the storage checks nothing: every request may go on",
    "missing": "a fenced storage refuses a request without an int token (None)",
    "equal": "a token equal to self.max_token is the current holder's own: its read and then its write carry the "
             "same token, and both must go on",
    "stale": "refuse a token below self.max_token, and count it in self.rejected",
    "remember": "every request that goes on must raise self.max_token to its token - a read too: once the new "
                "holder has read, the old holder's write must be refused",
    "keep": "a refused request must not change self.max_token",
    "newer": "a token above self.max_token is a newer holder's: let it go on - compare tokens as ints, and do not "
             "ask for consecutive ones (a holder may never reach the storage, so 7 can follow 4)",
}


def need_storage_class(answer: Any) -> None:
    if not (inspect.isclass(answer) and issubclass(answer, Storage)):
        fail(case="the answer itself", input=repr(answer), expected="a subclass of dw.locks.Storage",
             got=type(answer).__name__, hint="write class FencedStorage(dw.locks.Storage) with a method _fence")


def run_fence(cls: type, fenced: bool, tokens: list[Any]) -> list[tuple[Any, int, int]]:
    """For each token in turn: (the reason, or '' ; max_token after; rejected after) on a fresh storage."""
    store = cls("store", fenced=fenced)
    store.max_token, store.rejected = 0, 0
    out = []
    for token in tokens:
        reason = store._fence(token)
        if isinstance(reason, str):
            reason = "" if reason == "" else "refused"
        out.append((reason, store.max_token, store.rejected))
    return out


#: (case, fenced, tokens, the rule it tests)
HAND: list[tuple[str, bool, list[Any], str]] = [
    ("a holder reads and writes with token 1", True, [1, 1], "equal"),
    ("token 2 read, then token 1 written (the paused holder)", True, [1, 2, 1], "remember"),
    ("a stale token, then the newer holder again", True, [3, 2, 3], "keep"),
    ("tokens 9 then 10", True, [9, 10, 10], "newer"),
    ("tokens 4 then 7 (holders 5 and 6 never reached the storage)", True, [4, 7, 7, 5], "newer"),
    ("a request without a token", True, [None], "missing"),
    ("an unfenced storage sees tokens going down, and none", False, [5, 2, None], "unfenced"),
]


def _draw(rng: random.Random) -> tuple[bool, list[Any]]:
    fenced = rng.random() < 0.85
    tokens: list[Any] = []
    current = 0
    for _ in range(rng.randint(1, 12)):
        r = rng.random()
        if r < 0.45:
            current += rng.choice((1, 1, 2, 5, 90))
            tokens.append(current)
        elif r < 0.7 and tokens:
            tokens.append(tokens[-1])
        elif r < 0.93:
            tokens.append(max(0, current - rng.randint(0, 3)))
        else:
            tokens.append(None)
    return fenced, tokens


def _key(fenced: bool, tokens: list[Any], k: int) -> str:
    if not fenced:
        return "unfenced"
    token = tokens[k]
    best = max([t for t in tokens[:k] if isinstance(t, int)] + [0])
    if token is None:
        return "missing"
    if token == best:
        return "equal"
    if token < best:
        return "stale"
    return "newer"


def _compare(cls: type, fenced: bool, tokens: list[Any], case: str) -> None:
    shown = f"a {'fenced' if fenced else 'unfenced'} storage (max_token 0) gets tokens {tokens} in turn"
    expected = run_fence(Storage, fenced, tokens)
    got = attempt(run_fence, cls, fenced, tokens, input=shown, case=case)
    for k, (e, g) in enumerate(zip(expected, got)):
        if e != g:
            hint = HINTS["form"] if g[0] not in ("", "refused") else HINTS[_key(fenced, tokens, k)]
            if g[0] == e[0] and g[1] == e[1] and g[2] != e[2]:
                hint = HINTS["stale"]
            elif g[0] == e[0] and g[1] != e[1]:
                hint = HINTS["keep"] if e[0] else HINTS["remember"]
            fail(case=f"{case}, request {k + 1} (token {tokens[k]!r})", input=shown,
                 expected=f"{'go on' if e[0] == '' else 'refuse'}; then max_token={e[1]}, rejected={e[2]}",
                 got=(f"{'go on' if g[0] == '' else 'refuse' if g[0] == 'refused' else repr(g[0])}; then "
                      f"max_token={g[1]!r}, rejected={g[2]!r}"), hint=hint)


def _campaign_run(cls: type, seed: int) -> tuple[str | None, bool, int]:
    sim = locks_run(seed, locks_schedule(seed, variant="correct"), variant="correct", storage=cls)
    return locks_violation(sim), locks_progress(sim), len(sim.node(scenarios.STORAGE).accepted)


def campaign_experiment(storage: type, seed: int, schedule: Any = None, until: float | None = None) -> Any:
    """One fenced campaign run on ``seed`` (or under ``schedule``): None, or a Failure naming the stale write.

    The campaign's violation carries no time, so a shrink replays the whole run (``until`` is ignored).
    """
    from dsworkbook.grading.flaky import Failure

    faults = locks_schedule(seed, variant="correct") if schedule is None else schedule
    with in_simulation(case=f"the fenced locks campaign, seed {seed}", input=f"seed {seed}"):
        sim = locks_run(seed, faults, variant="correct", storage=storage)
    violation = locks_violation(sim)
    return None if violation is None else Failure(violation, None, faults, "stale write", sim)


@exercise("09-fencing-storage", title="A storage that fences out stale tokens", theme="T09", concepts=("L03",),
          reference="dsworkbook.locks.fencing.Storage._fence", experiment=campaign_experiment)
def grade_fencing_storage(FencedStorage: Any) -> str:
    """A subclass of :class:`~dsworkbook.locks.fencing.Storage` whose ``_fence(token)`` returns
    ``""`` when a request may go on (raising ``self.max_token`` to its token) and a reason when
    not (counting it in ``self.rejected``): a fenced storage refuses a missing token and a token
    below the highest it has seen; an unfenced one lets everything through.

    Checked on hand-made token sequences (equal tokens, a read by the newer holder before the
    older one's write, gaps, 9 then 10, a missing token, an unfenced storage) and 400 random
    ones, comparing after each request the verdict, ``max_token`` and ``rejected``; then as the
    storage of Kleppmann's three scenarios with fencing (the stale write must be refused and the
    second client's write kept), and of the fenced ``locks`` campaign on four seeds (no stale
    write, every client writes); and one campaign run in two worlds.
    """
    need_storage_class(FencedStorage)
    for case, fenced, tokens, _key_rule in HAND:
        _compare(FencedStorage, fenced, tokens, case)
    cases = list(random_cases(RANDOM_SEED, 400, _draw))
    for case, (fenced, tokens) in cases:
        _compare(FencedStorage, fenced, tokens, case)
    for name, scenario in scenarios.SCENARIOS.items():
        case = f"the {name.replace('_', ' ')} scenario, fenced (seed 0)"
        with in_simulation(case=case, input="seed 0"):
            result = scenario(fenced=True, seed=0, storage=FencedStorage)
        if result.stale_writes or result.rejected < 1 or "c2#1" not in result.final_value:
            fail(case=case, input="c1's lease runs out before its write; c2 takes the lock and writes",
                 expected="c1's stale request refused, c2's entry kept",
                 got=f"refused {result.rejected}; stale writes accepted {list(result.stale_writes)}; final value "
                     f"{result.final_value!r}", hint=HINTS["remember"])
    writes = 0
    for seed in CAMPAIGN_SEEDS:
        case = f"the fenced locks campaign, seed {seed} (pauses, clock jumps, slow links, crashes)"
        with seeded(seed):
            with in_simulation(case=case, input=f"seed {seed}"):
                violation, progress, accepted = _campaign_run(FencedStorage, seed)
            if violation or not progress:
                fail(case=case, input=f"seed {seed}", expected="no stale write accepted, and every client wrote",
                     got=violation or "a client never got a write accepted",
                     hint=HINTS["remember"] if violation else HINTS["equal"])
        writes += accepted
    same_everywhere(_campaign_run, FencedStorage, CAMPAIGN_SEEDS[0], input=f"seed {CAMPAIGN_SEEDS[0]}",
                    case="a campaign run in two worlds")
    return (f"right on {len(HAND)} hand-made token sequences and {len(cases)} random ones; the stale write refused "
            f"in all three scenarios; seeds {CAMPAIGN_SEEDS[0]}-{CAMPAIGN_SEEDS[-1]} of the campaign with no stale "
            f"write ({writes} writes accepted); the same in two worlds")
