"""Exercise ``15-decide``: the decision checklist as a function, graded per dimension.

The learner writes ``decide(facts) -> choices``: the checklist's answers about a requirement in,
one option per design dimension out. The check runs it on every requirement of the catalog (in
an order drawn from a seed), on hand-made cases where the checklist's order of precedence
decides, on facts drawn at random (each in two worlds: see ``same_everywhere``), and then on
**every** fact set of the domain - it is small (the product of each fact's values) - each
called twice with a fresh dict that must give the same answer; each dimension's choice must be
one the rules accept (:func:`dsworkbook.interview.decisions.rules`). A rule wrong on a single
combination of facts cannot pass.
"""

from __future__ import annotations

import itertools
import random
from typing import Any

from dsworkbook.grading.core import attempt, exercise, fail, need_callable, random_cases, same_everywhere
from dsworkbook.interview.decisions import FACTS, OPTIONS, rules
from dsworkbook.interview.requirements import REQUIREMENTS

SEED_ORDER, SEED_RANDOM, RANDOM_CASES = 15, 1501, 400

HINTS = {
    "consistency": "consistency follows the first of these facts that is True: one_truth (linearizable), "
                   "same_order (sequential), causal (causal), own_writes (read-your-writes); none: eventual",
    "cap": "one_truth gives PC/EC; else same_order gives PC/EC or PC/EL; else PA/EL",
    "replication": "one_truth gives consensus; else same_order gives consensus or single-leader-sync; else merge "
                   "gives multi-leader or leaderless; else single-leader-async or leaderless",
    "partitioning": 'access "none" gives none, "range" gives range (hot_key or not); "point" gives hash, or '
                    "hash-with-salting when hot_key",
    "coordination": "single_actor comes first (fenced-lock or leader-election), then one_truth "
                    "(conditional-write), then merge (crdt-merge); none of them: none",
    "delivery": 'events "none": not-needed; "lossy": at-most-once or at-least-once; "all": at-least-once or '
                'effectively-once; "effect-once": effectively-once',
    "transaction": 'scope "key": single-key; "rows": local-acid; "shards": 2pc; "services": saga; '
                   '"write-and-event": outbox',
}
HINT_FORM = (f"return a dict with exactly the keys {list(OPTIONS)}, each value one of the options the statement "
             "lists for that dimension")


def _draw(rng: random.Random) -> dict[str, Any]:
    return {name: rng.choice(values) for name, values in FACTS.items()}


def _base(**changes: Any) -> dict[str, Any]:
    facts = {name: values[0] for name, values in FACTS.items()}
    facts["access"] = "point"
    facts.update(changes)
    return facts


#: Cases where the order of the checklist's questions decides, each with the mistake it catches.
ADVERSARIAL: tuple[tuple[str, dict[str, Any]], ...] = (
    ("an invariant and an order: the invariant wins", _base(one_truth=True, same_order=True, causal=True)),
    ("an order and causality: the order wins", _base(same_order=True, causal=True, own_writes=True)),
    ("causality and a session: causality wins", _base(causal=True, own_writes=True)),
    ("an invariant with mergeable updates: the invariant wins", _base(one_truth=True, merge=True)),
    ("an order with mergeable updates: one leader still orders them", _base(same_order=True, merge=True)),
    ("a single actor and an invariant: the single actor wins", _base(one_truth=True, single_actor=True)),
    ("a single actor with nothing else", _base(single_actor=True)),
    ("a hot key with range access: ranges stay", _base(access="range", hot_key=True)),
    ("a hot key with no partitioning at all", _base(access="none", hot_key=True)),
    ("a hot key with point access", _base(hot_key=True)),
    ("mergeable updates and no other fact", _base(merge=True)),
    ("no fact at all", _base(access="none")),
    ("a write and its message together", _base(scope="write-and-event", events="effect-once")),
    ("shards that prepare", _base(scope="shards", one_truth=True)),
    ("lossy messages", _base(events="lossy")),
)


def _all_facts() -> list[dict[str, Any]]:
    names = list(FACTS)
    return [dict(zip(names, values)) for values in itertools.product(*(FACTS[n] for n in names))]


def _check_one(answer: Any, facts: dict[str, Any], case: str, label: str, *, worlds: bool = True) -> None:
    if worlds:
        got = same_everywhere(answer, dict(facts), input=label, case=case)
    else:
        first, second = dict(facts), dict(facts)  # two live dicts: equal facts, different objects
        got = attempt(answer, first, input=label, case=case)
        again = attempt(answer, second, input=label, case=case)
        if again != got:
            fail(case=case, input=label, expected=f"the same answer twice: {got}", got=again,
                 hint="the same facts must always give the same choices; use nothing but the facts")
    if not isinstance(got, dict) or set(got) != set(OPTIONS):
        fail(case=case, input=label, expected=f"a dict with the keys {list(OPTIONS)}", got=got, hint=HINT_FORM)
    for dim, rule in rules(facts).items():
        choice = got[dim]
        if choice not in OPTIONS[dim]:
            fail(case=f"{case}, {dim}", input=label, expected=f"one of {list(OPTIONS[dim])}", got=choice,
                 hint=HINT_FORM)
        if choice not in rule.accepted:
            fail(case=f"{case}, {dim}", input=label, expected=" or ".join(rule.accepted), got=choice,
                 hint=f"{HINTS[dim]} ({rule.reason})")


@exercise("15-decide", title="The decision checklist: seven dimensions from a requirement's facts", theme="T15",
          concepts=("I01",), kind="design", reference="dsworkbook.interview.decisions.decide")
def grade_decide(answer: Any) -> str:
    """``answer(facts) -> dict`` of one option per dimension; graded per dimension against the rules."""
    need_callable(answer, "function decide(facts)", allow_class=False)
    order = list(REQUIREMENTS)
    random.Random(SEED_ORDER).shuffle(order)
    for req in order:
        _check_one(answer, req.facts, f"requirement {req.id!r}", f"{req.title}: {req.facts}")
    for name, facts in ADVERSARIAL:
        _check_one(answer, facts, name, str(facts))
    for case, facts in random_cases(SEED_RANDOM, RANDOM_CASES, _draw):
        _check_one(answer, facts, case, str(facts))
    every = _all_facts()
    for k, facts in enumerate(every, start=1):
        _check_one(answer, facts, f"fact set {k} of {len(every)}", str(facts), worlds=False)
    return (f"{len(order)} catalog requirements (order seed {SEED_ORDER}), {len(ADVERSARIAL)} precedence cases, "
            f"{RANDOM_CASES} random fact sets (seed {SEED_RANDOM}) and all {len(every)} fact sets of the domain: "
            "every choice accepted")
