"""Exercise ``05-predict-cart``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

from typing import Any

from dsworkbook.crdt.orset import ORSet
from dsworkbook.crdt.scenarios import ScenarioResult, run_scenario
from dsworkbook.crdt.workloads import show
from dsworkbook.grading.core import exercise, fail, need_choice

CART_SEED = 3
#: The scenario: a cart {eggs, milk}; A | B C; A removes milk, then adds tea; C adds milk, then removes eggs.
CART_OPS = {"A": "-milk, +tea", "B": "", "C": "+milk, -eggs"}
PARTITION = "A | B C"
#: The answer's keys -> the strategy of dsworkbook.crdt.scenarios that runs it.
STRATEGY_OF = {"LWW": "LWW", "MV": "MV", "OR-Set": "CRDT"}
QUESTION = ("a cart {eggs, milk} on replicas A, B, C; partition A | B C; A removes milk (t=20 ms), then adds tea "
            "(t=40 ms); C adds milk (t=30 ms), then removes eggs (t=50 ms); heal; what does each strategy's cart "
            "hold after the merge, and why does the OR-Set cart hold milk or not?")
#: The reasons the `why` part chooses from (the statement lists them with their letters).
REASONS = {
    "a": "C's write came last by the clocks, so C's whole cart won",
    "b": "C's add of milk carries a new tag (dot) that A's remove never observed, so that add survives: add wins",
    "c": "an OR-Set merges two carts by taking the union of their items",
    "d": "A's remove never reached B and C: the partition dropped it for good",
}


def run_cart(seed: int = CART_SEED) -> ScenarioResult:
    """The exercise's scenario, run on the simulator under the three strategies."""
    return run_scenario("cart", CART_OPS, partition=PARTITION, seed=seed)


def _as_sets(answer: Any) -> dict[str, frozenset]:
    if not isinstance(answer, dict) or set(answer) != set(STRATEGY_OF):
        fail(case="the form of the answer", input=QUESTION, expected=f"a dict with the keys {list(STRATEGY_OF)}",
             got=repr(answer), hint='write {"LWW": {...}, "MV": {...}, "OR-Set": {...}}, each a set of item names')
    out = {}
    for key, items in answer.items():
        if isinstance(items, str) or not all(isinstance(x, str) for x in _iterable(items, key)):
            fail(case=f"the form of the answer for {key!r}", input=QUESTION, expected="a set of item names (strings)",
                 got=repr(items), hint='e.g. {"milk", "tea"} - a set, not one string')
        out[key] = frozenset(items)
    return out


def _iterable(items: Any, key: str) -> Any:
    try:
        return list(items)
    except TypeError:
        fail(case=f"the form of the answer for {key!r}", input=QUESTION, expected="a set of item names",
             got=repr(items), hint='e.g. {"milk", "tea"}')


_WHY = {
    "LWW": "the whole cart is one register: the side whose last write has the larger stamp wins, and every edit of "
           "the other side is lost",
    "MV": "the two carts are concurrent siblings; the union keeps every item that either side still had - "
          "including one the other side removed",
    "OR-Set": "each add has its own tag and a remove removes only the tags it observed: both sides' edits survive",
}


def _milk_reason(run: ScenarioResult) -> str:
    """Why the OR-Set cart holds milk (or not), read from the run: which remove observed which add."""
    sim = run.sims["CRDT"]
    final: ORSet = sim.node("A").state  # type: ignore[attr-defined]
    after_remove = [rec.detail["state"] for rec in sim.trace.of_kind("persist")
                    if rec.node == "A" and "state" in rec.detail and "milk" not in rec.detail["state"]]
    if "milk" not in final or not after_remove:
        return "-"  # the remove won: none of the reasons explains a kept milk
    seen_by_remover = after_remove[0].vv
    if any(not seen_by_remover.covers(dot) for dot in final.dots("milk")):
        return "b"
    return "c"  # milk kept although the remover had seen every add of it: only a union would do that


@exercise("05-predict-cart", title="Predict: what does the cart hold after the merge?", theme="T05",
          concepts=("R01", "R04"), kind="predict", parts=("why",))
def grade_predict_cart(answer: Any, *, why: Any) -> str:
    """A dict ``{"LWW": set, "MV": set, "OR-Set": set}``: each strategy's cart after healing; and why.

    The cart starts as ``{eggs, milk}`` on replicas A, B, C; the network splits A from B and C.
    A removes ``milk`` (20 ms) and adds ``tea`` (40 ms); C adds ``milk`` (30 ms; it is already in
    C's cart, so this is a new add) and removes ``eggs`` (50 ms). Then the network heals. "LWW"
    stores the whole cart in a last-write-wins register; "MV" in a multi-value register read as
    the union of the siblings; "OR-Set" in an OR-Set. ``why`` is the letter of the reason the
    OR-Set cart holds milk. The grader runs the scenario (seed 3) and reads each strategy's
    cart, and which adds of milk A's remove had observed, from the replicas.
    """
    got = _as_sets(answer)
    run = run_cart()
    truth = {key: frozenset(run.read(strategy)) for key, strategy in STRATEGY_OF.items()}
    for key in STRATEGY_OF:
        if got[key] != truth[key]:
            fail(case=f"the {key} cart (the scenario run with seed={CART_SEED})", input=QUESTION,
                 expected=show(truth[key]), got=show(got[key]), hint=_WHY[key])
    reason = _milk_reason(run)
    letter = need_choice(why, REASONS)
    if letter != reason:
        fail(case="why the OR-Set cart holds milk", input=QUESTION,
             expected=f"({reason}) {REASONS.get(reason, 'none of these')}",
             got=f"({letter}) {REASONS[letter]}",
             hint="A's remove removed the tags of milk that A had seen when it removed; look at which add of milk "
                  "A had not seen yet")
    return (f"the run (seed={CART_SEED}) agrees: LWW {show(truth['LWW'])} ({run.verdicts['LWW']}), MV read as a "
            f"union {show(truth['MV'])} ({run.verdicts['MV']}), OR-Set {show(truth['OR-Set'])} - milk stays because "
            "C's add carries a tag A's remove never saw")
