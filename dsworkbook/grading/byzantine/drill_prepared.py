"""Exercise ``08-drill-prepared``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any, Callable

from dsworkbook.consensus.pbft.crypto import Keyring
from dsworkbook.consensus.pbft.messages import Commit, PrePrepare, Prepare, Signed
from dsworkbook.grading.byzantine.common import forge, keyring, show_all, tamper
from dsworkbook.grading.core import attempt, exercise, fail, need_callable, random_cases, same_everywhere

RANDOM_SEED = 82
Query = tuple[int, int, int, int, str]  # n, f, view, seq, digest


def _rule(log: list[Signed], keys: Keyring, n: int, f: int, view: int, seq: int, digest: str, *,
          verify: bool = True, primary_check: bool = True, distinct: bool = True, exclude_primary: bool = True,
          match_view: bool = True, match_digest: bool = True, only_prepares: bool = True,
          need_pre_prepare: bool = True, pp_view: bool = True, pp_seq: bool = True,
          threshold: Callable[[int], int] = lambda f: 2 * f) -> bool:
    """The prepared predicate of Castro and Liskov §4.2, with each of its conditions switchable (for hints)."""
    primary = f"r{view % n}"
    ok = (lambda s: keys.verify(s)) if verify else (lambda s: True)
    pre = [s for s in log if type(s.body) is PrePrepare and ok(s) and (s.body.seq == seq or not pp_seq)
           and (s.body.view == view or not (match_view and pp_view)) and (s.body.digest == digest or not match_digest)
           and (s.body.replica == primary or not primary_check)]
    if need_pre_prepare and not pre:
        return False
    kinds = (Prepare,) if only_prepares else (Prepare, Commit)
    votes = [s.body.replica for s in log if type(s.body) in kinds and ok(s) and s.body.seq == seq
             and (s.body.view == view or not match_view) and (s.body.digest == digest or not match_digest)
             and (s.body.replica != primary or not exclude_primary)]
    return len(set(votes) if distinct else votes) >= threshold(f)


def reference(log: list[Signed], keys: Keyring, n: int, f: int, view: int, seq: int, digest: str) -> bool:
    """Prepared for (view, seq, digest): a verified pre-prepare from the view's primary and 2f verified
    matching prepares from distinct backups."""
    return _rule(log, keys, n, f, view, seq, digest)


#: (relaxation, hint): the first relaxation that gives the learner's answer names the mistake
RELAXED: list[tuple[dict[str, Any], str]] = [
    ({"distinct": False}, "count replicas, not messages: a replica that sent its prepare twice (or a replay) is one "
                          "vote - keep a set of senders"),
    ({"threshold": lambda f: f + 1}, "prepared needs 2f prepares (with the pre-prepare, 2f+1 replicas), not f+1: "
                                     "two sets of f+1 out of 3f+1 can share no honest replica"),
    ({"threshold": lambda f: f}, "prepared needs 2f prepares from distinct backups, not f"),
    ({"threshold": lambda f: 2 * f + 1}, "2f prepares are enough: the primary's pre-prepare is the (2f+1)-th vote"),
    ({"exclude_primary": False}, "the primary does not send a prepare: a prepare naming the primary of the view "
                                 "is not one of the 2f"),
    ({"verify": False}, "drop every message whose signature does not verify (keys.verify): a traitor can write "
                        "any replica's name in a message, or change a field of a signed one"),
    ({"primary_check": False}, "the pre-prepare must come from the primary of its view, replica "
                               "f'r{view % n}' - a backup's pre-prepare proves nothing"),
    ({"match_view": False}, "every message must be of the asked view: a prepare of another view is another "
                            "round"),
    ({"match_digest": False}, "every message must carry the asked digest: votes for another request do not count"),
    ({"only_prepares": False}, "count prepares only: a commit is not a prepare"),
    ({"pp_view": False}, "the pre-prepare must be of the asked view too: the same replica is the primary of "
                         "view v and of view v + n"),
    ({"pp_seq": False}, "the pre-prepare must carry the asked sequence number"),
    ({"need_pre_prepare": False}, "without the pre-prepare from the primary (view, seq, digest) nothing is prepared, "
                                  "however many prepares arrived"),
]
GENERIC = ("prepared = a verified pre-prepare of (view, seq, digest) from the view's primary and verified prepares "
           "of (view, seq, digest) from at least 2f distinct replicas other than the primary")


def hint_for(got: Any, log: list[Signed], keys: Keyring, query: Query) -> str:
    if not isinstance(got, bool):
        return "return True or False"
    for relax, hint in RELAXED:
        if _rule(log, keys, *query, **relax) == got:
            return hint
    return GENERIC


def _scene(rng: random.Random, keys: Keyring, n: int, f: int, view: int, seq: int, digest: str,
           voters: int, noise: int) -> list[Signed]:
    primary = f"r{view % n}"
    backups = [f"r{i}" for i in range(n) if f"r{i}" != primary]
    other_digest = "d9" if digest != "d9" else "d8"
    log: list[Signed] = []
    what = rng.random()
    if what < 0.7:
        log.append(keys.sign(primary, PrePrepare(view, seq, digest, None, primary)))
    elif what < 0.78:
        b = rng.choice(backups)
        log.append(keys.sign(b, PrePrepare(view, seq, digest, None, b)))
    elif what < 0.84:
        log.append(forge(keys, rng.choice(backups), PrePrepare(view, seq, digest, None, primary)))
    elif what < 0.9:
        log.append(keys.sign(primary, PrePrepare(view, seq, other_digest, None, primary)))
    elif what < 0.95:
        log.append(keys.sign(f"r{(view + 1) % n}", PrePrepare(view + 1, seq, digest, None, f"r{(view + 1) % n}")))
    for r in rng.sample(backups, min(voters, len(backups))):
        log.append(keys.sign(r, Prepare(view, seq, digest, r)))
    voted = [s.body.replica for s in log if type(s.body) is Prepare]
    for _ in range(noise):
        kind = rng.randrange(12)
        r = rng.choice(backups)
        if kind == 0 and voted:
            r = rng.choice(voted)
            log.append(keys.sign(r, Prepare(view, seq, digest, r)) if rng.random() < 0.5
                       else log[[s.body.replica for s in log].index(r)])  # a duplicate, or the same message again
        elif kind == 1:
            log.append(keys.sign(primary, Prepare(view, seq, digest, primary)))
        elif kind == 2:
            log.append(keys.sign(r, Prepare(view + rng.choice((1, -1 if view else 2)), seq, digest, r)))
        elif kind == 3:
            log.append(keys.sign(r, Prepare(view, seq, other_digest, r)))
        elif kind == 4:
            log.append(keys.sign(r, Prepare(view, seq + 1, digest, r)))
        elif kind == 5:
            victim = rng.choice(backups)
            log.append(forge(keys, r if r != victim else primary, Prepare(view, seq, digest, victim)))
        elif kind == 6:
            honest = keys.sign(r, Prepare(view, seq, other_digest, r))
            log.append(tamper(honest, Prepare(view, seq, digest, r)))
        elif kind == 7:
            log.append(keys.sign(r, Commit(view, seq, digest, r)))
        elif kind == 8:
            log.append(keys.sign(primary, PrePrepare(view, seq, other_digest, None, primary)))
        elif kind == 10:  # the same replica is the primary of view + n: another view's pre-prepare
            log.append(keys.sign(primary, PrePrepare(view + n, seq, digest, None, primary)))
        elif kind == 11:
            log.append(keys.sign(primary, PrePrepare(view, seq + 1, digest, None, primary)))
        else:
            log.append(keys.sign(r, Prepare(view, seq, digest, r)))
    rng.shuffle(log)
    return log


def _draw(rng: random.Random) -> tuple[list[Signed], Query]:
    keys = keyring()
    f = rng.choice((1, 1, 1, 2, 2, 3, 4, 30))
    n = 3 * f + 1 if rng.random() < 0.85 else 3 * f + 2
    view, seq = rng.randrange(0, 6), rng.randrange(1, 5)
    digest = rng.choice(("d1", "d2", "d9"))
    voters = max(0, 2 * f + rng.choice((-2, -1, -1, 0, 0, 0, 1)))
    noise = rng.choice((0, 1, 2, 3, 5, 8)) if f < 10 else rng.choice((3, 10, 30))
    return _scene(rng, keys, n, f, view, seq, digest, voters, noise), (n, f, view, seq, digest)


def _hand() -> list[tuple[str, list[Signed], Query]]:
    k = keyring()
    pp = k.sign("r0", PrePrepare(0, 1, "d1", None, "r0"))
    p = {r: k.sign(r, Prepare(0, 1, "d1", r)) for r in ("r1", "r2", "r3")}
    q = (4, 1, 0, 1, "d1")
    return [
        ("the pre-prepare and 2 prepares (n = 4, f = 1)", [pp, p["r1"], p["r2"]], q),
        ("f = 0, one replica: the primary's pre-prepare alone", [pp], (1, 0, 0, 1, "d1")),
        ("f = 0, two replicas: the primary's pre-prepare alone", [pp], (2, 0, 0, 1, "d1")),
        ("the pre-prepare and one prepare, sent twice", [pp, p["r1"], p["r1"]], q),
        ("the pre-prepare and one prepare, twice, and a second message from the same replica",
         [pp, p["r1"], k.sign("r1", Prepare(0, 1, "d1", "r1")), p["r1"]], q),
        ("f+1 = 2 messages: the pre-prepare and one prepare", [pp, p["r3"]], q),
        ("the primary's own prepare counted as the second", [pp, p["r2"], k.sign("r0", Prepare(0, 1, "d1", "r0"))], q),
        ("a pre-prepare from backup r1, not the primary r0", [k.sign("r1", PrePrepare(0, 1, "d1", None, "r1")),
                                                             p["r2"], p["r3"]], q),
        ("view 1: the primary is r1", [k.sign("r1", PrePrepare(1, 1, "d1", None, "r1")),
                                       k.sign("r2", Prepare(1, 1, "d1", "r2")), k.sign("r3", Prepare(1, 1, "d1", "r3"))],
         (4, 1, 1, 1, "d1")),
        ("view 5 of 4 replicas: the primary is r1", [k.sign("r1", PrePrepare(5, 1, "d1", None, "r1")),
                                                     k.sign("r0", Prepare(5, 1, "d1", "r0")),
                                                     k.sign("r1", Prepare(5, 1, "d1", "r1"))],
         (4, 1, 5, 1, "d1")),
        ("a prepare forged in r2's name by r3", [pp, p["r1"], forge(k, "r3", Prepare(0, 1, "d1", "r2"))], q),
        ("r2's prepare for d2 with its digest changed to d1",
         [pp, p["r1"], tamper(k.sign("r2", Prepare(0, 1, "d2", "r2")), Prepare(0, 1, "d1", "r2"))], q),
        ("one prepare of view 1", [pp, p["r1"], k.sign("r2", Prepare(1, 1, "d1", "r2"))], q),
        ("one prepare for digest d2", [pp, p["r1"], k.sign("r2", Prepare(0, 1, "d2", "r2"))], q),
        ("one commit instead of a prepare", [pp, p["r1"], k.sign("r2", Commit(0, 1, "d1", "r2"))], q),
        ("prepares but no pre-prepare", [p["r1"], p["r2"], p["r3"]], q),
        ("the pre-prepare is for d2", [k.sign("r0", PrePrepare(0, 1, "d2", None, "r0")), p["r1"], p["r2"]], q),
        ("the primary equivocated: pre-prepares for d2 and d1", [k.sign("r0", PrePrepare(0, 1, "d2", None, "r0")),
                                                                 pp, p["r1"], p["r2"]], q),
        ("the prepares first, the pre-prepare last", [p["r3"], p["r1"], pp], q),
        ("r0's pre-prepare is for view 4 (r0 is its primary too)",
         [k.sign("r0", PrePrepare(4, 1, "d1", None, "r0")), p["r1"], p["r2"]], q),
        ("r0's pre-prepare is for number 2", [k.sign("r0", PrePrepare(0, 2, "d1", None, "r0")), p["r1"], p["r2"]], q),
    ]


@exercise("08-drill-prepared", title="Drill: count a prepared certificate right", theme="T08",
          concepts=("B01", "B04"), kind="drill", reference="dsworkbook.consensus.pbft.replica.Replica.check_prepared")
def grade_drill_prepared(is_prepared: Any) -> str:
    """A function ``is_prepared(log, keys, n, f, view, seq, digest)``: True iff ``log`` (a list of
    :class:`Signed` messages) holds a pre-prepare of (view, seq, digest) signed by the view's
    primary ``r{view % n}``, and prepares of (view, seq, digest) from at least 2f distinct
    replicas other than the primary, every one verified with ``keys.verify``.

    Checked on hand-made logs (a prepare sent twice, f+1 messages, the primary's prepare, a
    backup's pre-prepare, a forged and a tampered prepare, other views, digests and types, an
    equivocating primary, messages in any order) and 400 random logs with f from 1 to 30 (f = 0 by hand) and
    every kind of junk, and in two worlds.
    """
    need_callable(is_prepared, "function is_prepared(log, keys, n, f, view, seq, digest)", allow_class=False)
    keys = keyring()
    hand = [(c, log, q) for c, log, q in _hand()]
    cases = hand + [(c, log, q) for c, (log, q) in random_cases(RANDOM_SEED, 400, _draw)]
    for case, log, query in cases:
        n, f, view, seq, digest = query
        shown = (f"n={n}, f={f}, view={view}, seq={seq}, digest={digest!r}; log:\n" + show_all(log, keys))
        got = attempt(is_prepared, list(log), keys, *query, input=shown, case=case)
        expected = reference(log, keys, *query)
        if got is not expected:
            fail(case=case, input=shown, expected=expected, got=got, hint=hint_for(got, log, keys, query))
    case, log, query = hand[3]
    same_everywhere(is_prepared, list(log), keys, *query, input=show_all(log, keys), case=f"{case}, in two worlds")
    return (f"right on {len(hand)} hand-made logs (duplicates, the primary's prepare, forged and tampered votes, "
            f"other views and digests) and 400 random ones with f up to 30; the same in two worlds")
