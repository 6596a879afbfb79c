"""Exercise ``10-sequential-create``: the name a create gets, and the parent checks that refuse it.

Theory of operation
-------------------
ZooKeeper's Programmer's Guide ("The ZooKeeper Data Model"): a znode is created under an
existing parent (else ``NoNode``), never under an ephemeral one (``NoChildrenForEphemerals``),
only once (``NodeExists``); a *sequential* create appends the parent's counter formatted
``%010d`` - the parent's ``cversion``, its number of child changes, which only grows, so a number
is never reused even after the znode holding it is deleted.

The learner's ``created_name(tree, path, sequential)`` reads a
:class:`~dsworkbook.coordination.znodes.ZnodeTree` (``tree.exists(p)`` gives a ``Stat`` or None)
and returns the path the create would get, or raises the error the tree would raise. The grader
drives real trees through seeded random histories - creates (plain, sequential, ephemeral, under
the root and deeper, several prefixes under one parent), deletes of the newest sequential child
(where a counter rebuilt from the children reuses a number), creates under missing and ephemeral
parents, duplicate plain names, parents whose counter passes 9 and 99 - and before every create
asks the learner, then compares with what :meth:`ZnodeTree.create` does. Hand cases with pointed
hints come first; 20 histories also run in two worlds.
"""

from __future__ import annotations

import random
from typing import Any

from dsworkbook.coordination.znodes import ZnodeTree, ZooError, parent_of
from dsworkbook.grading.core import attempt, exercise, fail, need_callable, random_cases, same_everywhere
from dsworkbook.grading.core import GradingError

RANDOM_SEED = 1012
HISTORIES = 120
STEPS = 60

Step = tuple[str, str, bool, int]  # (op, path, sequential, ephemeral owner)


def _outcome(tree: ZnodeTree, path: str, sequential: bool, owner: int, zxid: int) -> str:
    try:
        return tree.create(path, None, zxid=zxid, ephemeral_owner=owner, sequential=sequential)
    except (ZooError, ValueError) as exc:
        return type(exc).__name__


def _learner(fn: Any, tree: ZnodeTree, path: str, sequential: bool, shown: Any, case: str) -> str:
    try:
        got = fn(tree, path, sequential)
    except NotImplementedError:
        raise
    except GradingError:
        raise
    except (ZooError, ValueError) as exc:
        return type(exc).__name__
    except Exception:
        return attempt(fn, tree, path, sequential, input=shown, case=case)  # re-raise as a clear verdict
    return got


def _hint(expected: str, got: Any) -> str:
    if got == "BadArguments":
        return "the parent of a top-level path such as /e is the root, '/', not the empty string"
    if expected == "NoNode":
        return "the parent does not exist: raise NoNode (a create never makes missing parents)"
    if expected == "NoChildrenForEphemerals":
        return "the parent is ephemeral (its Stat has ephemeral_owner != 0): raise NoChildrenForEphemerals"
    if expected == "NodeExists":
        return "a znode with that exact path already exists: raise NodeExists"
    if isinstance(got, str) and got[:-10] == expected[:-10] and got[-10:].isdigit():
        return ("the counter is the parent's cversion (tree.exists(parent).cversion): the number of changes to its "
                "children so far, creates and deletes alike; it only grows, so a number is never reused")
    return ("a sequential create appends the parent's cversion as ten digits, zero-padded (%010d); a plain one keeps "
            "the path as given")


def _history(rng: random.Random) -> list[Step]:
    parents = ["/", "/election", "/locks", "/app/jobs"]
    steps: list[Step] = [("create", "/election", False, 0), ("create", "/locks", False, 0), ("create", "/app", False, 0),
                         ("create", "/app/jobs", False, 0)]
    for _ in range(STEPS):
        r = rng.random()
        parent = rng.choice(parents)
        base = "" if parent == "/" else parent
        if r < 0.45:
            steps.append(("create", f"{base}/{rng.choice(('n_', 'lock-', 'job-', 'x-7-n_'))}", True,
                          rng.choice((0, 0, 5))))
        elif r < 0.6:
            steps.append(("create", f"{base}/{rng.choice(('a', 'b', 'cfg', 'owner'))}", False, rng.choice((0, 0, 9))))
        elif r < 0.8:
            steps.append(("delete-newest", parent, False, 0))
        elif r < 0.9:
            steps.append(("create", f"{base}/{rng.choice(('missing', 'gone'))}/child-", rng.random() < 0.5, 0))
        else:
            steps.append(("create-under-ephemeral", parent, rng.random() < 0.5, 0))
    return steps


def _run(fn: Any, steps: list[Step], case: str, *, compare: bool = True) -> list[Any]:
    tree = ZnodeTree()
    answers: list[Any] = []
    done: list[str] = []
    for k, (op, path, sequential, owner) in enumerate(steps, start=1):
        if op == "delete-newest":
            kids = [c for c in tree.get_children(path) if c[-10:].isdigit()] if tree.exists(path) else []
            if kids:
                newest = max(kids, key=lambda c: int(c[-10:]))
                victim = f"{'' if path == '/' else path}/{newest}"
                if not tree.get_children(victim):
                    tree.delete(victim, version=-1)
                    done.append(f"delete {victim}")
            continue
        if op == "create-under-ephemeral":
            eph = [p for p in tree.paths() if p != "/" and tree.exists(p).ephemeral_owner]
            if not eph:
                continue
            path = f"{eph[0]}/{'child-' if sequential else 'child'}"
        stat = tree.exists(parent_of(path)) if tree.exists(parent_of(path)) is not None else None
        shown = {"history so far": done[-12:], "parent": parent_of(path),
                 "parent's Stat": None if stat is None else {"cversion": stat.cversion,
                                                               "ephemeral_owner": stat.ephemeral_owner,
                                                               "num_children": stat.num_children},
                 "children now": tree.get_children(parent_of(path)) if stat is not None else None,
                 "call": f"created_name(tree, {path!r}, {sequential})"}
        got = _learner(fn, tree, path, sequential, shown, case)
        want = _outcome(tree, path, sequential, owner, zxid=k + 10)
        answers.append(got)
        if compare and got != want:
            fail(case=f"{case}, step {k}", input=shown, expected=want if want.startswith("/") else f"raise {want}",
                 got=got if not isinstance(got, str) or got.startswith("/") else f"raise {got}" if got[:1].isupper()
                 else got, hint=_hint(want, got))
        done.append(f"create {path}{' (sequential)' if sequential else ''}{' (ephemeral)' if owner else ''} -> {want}")
    return answers


HAND: list[tuple[str, list[Step]]] = [
    ("the first sequential child of a fresh parent", [("create", "/e", False, 0), ("create", "/e/n_", True, 0)]),
    ("a plain child, then a sequential one: the counter counts every child change",
     [("create", "/e", False, 0), ("create", "/e/cfg", False, 0), ("create", "/e/n_", True, 0)]),
    ("after the newest sequential child is deleted, its number is not reused",
     [("create", "/e", False, 0), ("create", "/e/n_", True, 0), ("create", "/e/n_", True, 0),
      ("delete-newest", "/e", False, 0), ("create", "/e/n_", True, 0)]),
    ("two prefixes share the parent's one counter",
     [("create", "/e", False, 0), ("create", "/e/a-", True, 0), ("create", "/e/b-", True, 0),
      ("create", "/e/a-", True, 0)]),
    ("a sequential child of the root", [("create", "/job-", True, 0), ("create", "/job-", True, 0)]),
    ("a missing parent", [("create", "/nope/n_", True, 0)]),
    ("a plain name that exists", [("create", "/e", False, 0), ("create", "/e", False, 0)]),
    ("under an ephemeral parent", [("create", "/e", False, 3), ("create-under-ephemeral", "/", True, 0)]),
    ("counters past 9 and 99: ten digits, zero-padded",
     [("create", "/e", False, 0)] + [("create", "/e/n_", True, 0)] * 12),
]


@exercise("10-sequential-create", title="The name a create gets, and when it is refused", theme="T10",
          concepts=("Z01",), reference=("dsworkbook.coordination.znodes.ZnodeTree.create",
                                        "dsworkbook.coordination.znodes.ZnodeTree._next_sequence"))
def grade_sequential_create(fn: Any) -> str:
    """``created_name(tree, path, sequential)``: the path ``tree.create`` would give, or its error raised."""
    need_callable(fn, "function created_name(tree, path, sequential)")
    for what, steps in HAND:
        _run(fn, steps, what)
    for label, steps in random_cases(RANDOM_SEED, HISTORIES, _history):
        _run(fn, steps, label)
    for label, steps in random_cases(RANDOM_SEED + 1, 20, _history):
        same_everywhere(lambda s: _run(fn, s, label, compare=False), steps, input="a random history", case=label)
    return (f"{len(HAND)} hand histories and {HISTORIES} random ones (seed {RANDOM_SEED}, {STEPS} steps each: deletes, "
            "missing and ephemeral parents, shared counters) name every create as the tree does")


__all__ = ["grade_sequential_create"]
