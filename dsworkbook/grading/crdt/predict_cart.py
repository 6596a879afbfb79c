"""Exercise ``05-predict-cart``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

from typing import Any

from dsworkbook.crdt.scenarios import shopping_cart
from dsworkbook.crdt.workloads import show
from dsworkbook.grading.core import exercise, fail

CART_SEED = 1
#: The answer's keys -> the strategy of dsworkbook.crdt.scenarios that runs it.
STRATEGY_OF = {"LWW": "LWW", "MV": "MV", "OR-Set": "CRDT"}
QUESTION = ("a cart {eggs, milk} on replicas A, B, C; partition A | B C; A adds coffee; B removes eggs, "
            "then adds bread; heal; what does each strategy's cart hold after the merge?")


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
    "LWW": "the whole cart is one register: the side that wrote last (by its clock) wins, the other side's edits "
           "are lost",
    "MV": "the two carts are concurrent siblings; the union keeps every item that either side still had - "
          "including one the other side deleted",
    "OR-Set": "each add has its own tag and a remove removes only the tags it saw: both sides' edits survive",
}


@exercise("05-predict-cart", title="Predict: what does the cart hold after the merge?", theme="T05",
          concepts=("R01", "R04"), kind="predict")
def grade_predict_cart(answer: Any) -> str:
    """A dict ``{"LWW": set, "MV": set, "OR-Set": set}``: each strategy's cart after healing.

    The cart starts as ``{eggs, milk}`` on replicas A, B, C. The network splits A from B and C.
    A adds ``coffee``; then B removes ``eggs`` and adds ``bread``. The network heals and the
    replicas gossip. "LWW" stores the whole cart in a last-write-wins register; "MV" stores it
    in a multi-value register and reads it as the union of the siblings; "OR-Set" stores it in
    an OR-Set. The grader runs the three (``dsworkbook.crdt.scenarios.shopping_cart``, seed 1)
    and compares your sets with what the replicas hold.
    """
    got = _as_sets(answer)
    run = shopping_cart(seed=CART_SEED)
    truth = {key: frozenset(run.read(strategy)) for key, strategy in STRATEGY_OF.items()}
    for key in STRATEGY_OF:
        if got[key] != truth[key]:
            fail(case=f"the {key} cart (the scenario run with seed={CART_SEED})", input=QUESTION,
                 expected=show(truth[key]), got=show(got[key]), hint=_WHY[key])
    intended = show(run.intended)
    return (f"the run (seed={CART_SEED}) agrees: LWW {show(truth['LWW'])} ({run.verdicts['LWW']}), MV read as a "
            f"union {show(truth['MV'])} ({run.verdicts['MV']}), OR-Set {show(truth['OR-Set'])} - the intended cart "
            f"was {intended}")
