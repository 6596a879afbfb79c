"""Exercise ``08-drill-pre-prepare``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any

from dsworkbook.consensus.pbft.crypto import Keyring
from dsworkbook.consensus.pbft.messages import PrePrepare, Prepare, Signed
from dsworkbook.grading.byzantine.common import forge, keyring, show, tamper
from dsworkbook.grading.core import attempt, exercise, fail, need_callable, random_cases, same_everywhere

RANDOM_SEED = 86
LABELS = ("accepted", "duplicate", "equivocation", "rejected")


class NotesBackup:
    """The notes' backup: stores every pre-prepare it is given, a later one overwriting an earlier one."""

    def __init__(self, keys: Keyring, n: int, view: int = 0, low: int = 0, window: int = 8) -> None:
        self.keys, self.n = keys, n
        self.view, self.low, self.window = view, low, window
        self.accepted: dict[tuple[int, int], Signed] = {}
        self.evidence: list[tuple[Signed, Signed]] = []

    def on_pre_prepare(self, signed: Signed) -> str:
        pp = signed.body
        self.accepted[(pp.view, pp.seq)] = signed
        return "accepted"


class ReferenceBackup(NotesBackup):
    """A backup's acceptance test for pre-prepares (Castro and Liskov §4.2)."""

    def on_pre_prepare(self, signed: Signed) -> str:
        pp = signed.body
        if (type(pp) is not PrePrepare or not self.keys.verify(signed) or pp.replica != f"r{pp.view % self.n}"
                or pp.view != self.view or not self.low < pp.seq <= self.low + self.window):
            return "rejected"
        first = self.accepted.get((pp.view, pp.seq))
        if first is None:
            self.accepted[(pp.view, pp.seq)] = signed
            return "accepted"
        if first.body.digest == pp.digest:
            return "duplicate"
        self.evidence.append((first, signed))
        return "equivocation"


HINTS = {
    "primary": "accept a pre-prepare only from the primary of its view, f'r{view % n}': a backup's pre-prepare "
               "assigns nothing",
    "view": "accept a pre-prepare only for the view the backup is in (self.view)",
    "marks": "the sequence number must lie between the water marks: low < seq <= low + window (low itself is "
             "already stable; low + window is still inside)",
    "verify": "reject a pre-prepare whose signature does not verify (self.keys.verify): a traitor can write the "
              "primary's name on its own message",
    "type": "reject a message that is not a PrePrepare",
    "equivocation": "a second pre-prepare with the same view and number and another digest is equivocation: keep the "
                    "first in self.accepted, append (first, second) to self.evidence, return \"equivocation\"",
    "duplicate": "the same digest again for an accepted (view, seq) is a duplicate: change nothing, return "
                 "\"duplicate\"",
    "key": "key self.accepted by (view, seq): the same number in a new view is a new proposal, not equivocation",
}


def _diagnose(signed: Signed, before: ReferenceBackup, expected: str) -> str:
    pp = signed.body
    if type(pp) is not PrePrepare:
        return "type"
    if not before.keys.verify(signed):
        return "verify"
    if pp.replica != f"r{pp.view % before.n}":
        return "primary"
    if pp.view != before.view:
        return "view"
    if not before.low < pp.seq <= before.low + before.window:
        return "marks"
    if expected == "duplicate":
        return "duplicate"
    if expected == "equivocation":
        return "equivocation"
    if any(k[1] == pp.seq for k in before.accepted):
        return "key"
    return "equivocation"


Step = tuple[str, Any]  # ("offer", signed) or ("view", v) or ("low", h)


def _draw(rng: random.Random) -> tuple[int, int, list[Step]]:
    keys = keyring()
    f = rng.choice((1, 1, 2, 3, 20))
    n = 3 * f + 1
    window = rng.choice((2, 4, 8, 100))
    view, low = 0, 0
    steps: list[Step] = []
    sent: list[Signed] = []
    for _ in range(rng.randrange(3, 40)):
        r = rng.random()
        if r < 0.05:
            view += rng.choice((1, 1, 2))
            steps.append(("view", view))
            continue
        if r < 0.1:
            low += rng.choice((1, window // 2 or 1, window))
            steps.append(("low", low))
            continue
        v = view if rng.random() < 0.85 else max(0, view + rng.choice((-1, 1)))
        primary = f"r{v % n}"
        seq = low + rng.choice((0, 1, 1, 2, 3, window - 1, window, window, window + 1))
        digest = rng.choice(("d1", "d2", "d3"))
        kind = rng.random()
        if kind < 0.1 and sent:
            msg = rng.choice(sent)  # the same message again (a replay)
        elif kind < 0.17:
            b = f"r{(v + 1) % n}"
            msg = keys.sign(b, PrePrepare(v, seq, digest, None, b))  # a backup's own pre-prepare
        elif kind < 0.22:
            msg = forge(keys, f"r{(v + 1) % n}", PrePrepare(v, seq, digest, None, primary))
        elif kind < 0.26:
            msg = tamper(keys.sign(primary, PrePrepare(v, seq, "d0", None, primary)), PrePrepare(v, seq, digest, None,
                                                                                                   primary))
        elif kind < 0.29:
            msg = keys.sign(primary, Prepare(v, seq, digest, primary))
        else:
            msg = keys.sign(primary, PrePrepare(v, seq, digest, None, primary))
        sent.append(msg)
        steps.append(("offer", msg))
    return n, window, steps


def _hand() -> list[tuple[str, int, int, list[Step]]]:
    k = keyring()

    def pp(v: int, seq: int, d: str, r: str = "") -> Signed:
        who = r or f"r{v % 4}"
        return k.sign(who, PrePrepare(v, seq, d, None, who))

    return [
        ("two pre-prepares for (0, 1) with different digests", 4, 8, [("offer", pp(0, 1, "d1")), ("offer", pp(0, 1, "d2")),
                                                                      ("offer", pp(0, 2, "d2"))]),
        ("the same pre-prepare twice", 4, 8, [("offer", pp(0, 1, "d1")), ("offer", pp(0, 1, "d1"))]),
        ("the same digest twice, the second with a request attached (the statement: same digest, duplicate)", 4, 8,
         [("offer", pp(0, 1, "d1")), ("offer", k.sign("r0", PrePrepare(0, 1, "d1", ("c1", 1, ("get", "x")), "r0")))]),
        ("a pre-prepare from backup r2", 4, 8, [("offer", pp(0, 1, "d1", "r2"))]),
        ("a pre-prepare forged in r0's name by r3", 4, 8, [("offer", forge(k, "r3", PrePrepare(0, 1, "d1", None, "r0")))]),
        ("r0's pre-prepare with its digest changed", 4, 8,
         [("offer", tamper(pp(0, 1, "d1"), PrePrepare(0, 1, "d9", None, "r0")))]),
        ("a pre-prepare of view 1 while in view 0", 4, 8, [("offer", pp(1, 1, "d1"))]),
        ("the water marks: number 8 of window 8, then 9", 4, 8, [("offer", pp(0, 8, "d1")), ("offer", pp(0, 9, "d1"))]),
        ("number 0, and number 4 after low moved to 4", 4, 8, [("offer", pp(0, 0, "d1")), ("low", 4),
                                                               ("offer", pp(0, 4, "d1")), ("offer", pp(0, 5, "d1"))]),
        ("number 1 in view 0, then in view 1 with another digest", 4, 8,
         [("offer", pp(0, 1, "d1")), ("view", 1), ("offer", pp(1, 1, "d2"))]),
        ("view 5 of 4 replicas: the primary is r1", 4, 8, [("view", 5), ("offer", pp(5, 1, "d1", "r1")),
                                                            ("offer", pp(5, 2, "d1", "r0"))]),
        ("a prepare offered as a pre-prepare", 4, 8, [("offer", k.sign("r0", Prepare(0, 1, "d1", "r0")))]),
        ("three digests for one number", 4, 8, [("offer", pp(0, 3, "d1")), ("offer", pp(0, 3, "d2")),
                                                ("offer", pp(0, 3, "d3")), ("offer", pp(0, 3, "d1"))]),
    ]


def _state(b: Any) -> tuple[Any, Any]:
    acc = {k: show(v, keyring()) for k, v in sorted(getattr(b, "accepted", {}).items())}
    ev = [(show(a, keyring()), show(c, keyring())) for a, c in getattr(b, "evidence", [])]
    return acc, ev


def _play(cls: Any, n: int, window: int, steps: list[Step]) -> list[Any]:
    b = cls(keyring(), n, window=window)
    out: list[Any] = []
    for kind, x in steps:
        if kind == "view":
            b.view = x
        elif kind == "low":
            b.low = x
        else:
            out.append(b.on_pre_prepare(x))
    out.append(_state(b))
    return out


def _shown(n: int, window: int, steps: list[Step]) -> str:
    lines = [f"backup = CheckedBackup(keys, n={n}, window={window})  # view 0, low 0"]
    for kind, x in steps:
        lines.append(f"backup.{kind} = {x}" if kind != "offer" else f"backup.on_pre_prepare({show(x, keyring())})")
    return "\n".join(lines)


@exercise("08-drill-pre-prepare", title="Drill: the checks before accepting a pre-prepare", theme="T08",
          concepts=("B04", "B01"), kind="drill",
          reference=("dsworkbook.consensus.pbft.replica.Replica.on_pre_prepare",
                     "dsworkbook.consensus.pbft.replica.Replica.accept_pre_prepare"))
def grade_drill_pre_prepare(answer: Any) -> str:
    """A subclass ``CheckedBackup`` of :class:`NotesBackup` whose ``on_pre_prepare(signed)`` rejects
    what is not a verified pre-prepare from the primary of the backup's view within the water
    marks, accepts a first pre-prepare per (view, seq), reports a duplicate, and keeps the first
    of two conflicting ones with both as evidence. Compared with :class:`ReferenceBackup` step by
    step (each label, then the accepted log and the evidence) on hand-made sequences and 300
    random ones (views and water marks moving, replays, forgeries, window edges), in two worlds.
    """
    need_callable(answer, "class CheckedBackup (a subclass of NotesBackup)")
    steps_done = 0
    for case, n, window, steps in _hand() + [(c, *x) for c, x in random_cases(RANDOM_SEED, 300, _draw)]:
        ref = ReferenceBackup(keyring(), n, window=window)
        b = attempt(answer, keyring(), n, window=window, input=_shown(n, window, []), case=case)
        for i, (kind, x) in enumerate(steps):
            if kind == "view":
                b.view = ref.view = x
                continue
            if kind == "low":
                b.low = ref.low = x
                continue
            before = ReferenceBackup(keyring(), n, view=ref.view, low=ref.low, window=window)
            before.accepted, before.evidence = dict(ref.accepted), list(ref.evidence)
            expected = ref.on_pre_prepare(x)
            got = attempt(b.on_pre_prepare, x, input=_shown(n, window, steps[: i + 1]), case=case)
            steps_done += 1
            if got != expected:
                fail(case=case, input=_shown(n, window, steps[: i + 1]), expected=expected, got=got,
                     hint=HINTS[_diagnose(x, before, expected)] if got in LABELS else
                     f"return one of {', '.join(repr(s) for s in LABELS)}")
            if _state(b) != _state(ref):
                fail(case=case, input=_shown(n, window, steps[: i + 1]),
                     expected="accepted and evidence: " + repr(_state(ref)),
                     got="accepted and evidence: " + repr(_state(b)), hint=HINTS[_diagnose(x, before, expected)])
    case, n, window, steps = _hand()[11]
    same_everywhere(_play, answer, n, window, steps, input=_shown(n, window, steps), case=f"{case}, in two worlds")
    return (f"the same labels, log and evidence as PBFT's backup on {len(_hand())} hand-made sequences and 300 random "
            f"ones ({steps_done:,} pre-prepares: forgeries, replays, other views, the water marks); the same in two worlds")
