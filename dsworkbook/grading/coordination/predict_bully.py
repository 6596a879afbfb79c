"""Exercise ``10-predict-bully``: who coordinates ten bully members through a partition, a crash and a heal.

Theory of operation
-------------------
Ten :class:`~dsworkbook.coordination.election.BullyNode` members ``b1..b10`` (``b10`` ranks
highest; ids with one and two digits, so ranking them as text gets ``b9`` and ``b10`` backwards)
settle on ``b10``. Then the network splits into {b1, b2, b9, b10} and {b3..b8} (t=500), ``b10``
crashes (t=1000), the network heals (t=1800) and ``b10`` restarts (t=2600). The learner predicts
the set of coordinators the live members follow at the end of each of four phases, and why.

The truth is the run (:func:`truth`), never a constant. Each lettered reason of :data:`REASONS`
is a rule that predicts the four sets from the scenario's groups; the right reason is the one
whose prediction is the run's - computed, so a change to the library that changed the outcome
would change the answer the check expects.
"""

from __future__ import annotations

from typing import Any, Callable

from dsworkbook.coordination.election import bully_sim, coordinators
from dsworkbook.grading.core import exercise, fail, need_choice

SEED = 7
MEMBERS = [f"b{i}" for i in range(1, 11)]
SIDE_A = ["b1", "b2", "b9", "b10"]
SIDE_B = [f"b{i}" for i in range(3, 9)]
#: phase -> (time it ends, the groups of live members that can reach each other then)
PHASES: dict[str, tuple[float, list[list[str]]]] = {
    "split": (950.0, [SIDE_A, SIDE_B]),
    "b10 down": (1750.0, [[m for m in SIDE_A if m != "b10"], SIDE_B]),
    "healed": (2550.0, [[m for m in MEMBERS if m != "b10"]]),
    "b10 back": (3400.0, [MEMBERS]),
}
_RANK = {m: i for i, m in enumerate(MEMBERS)}

Rule = Callable[[str, list[list[str]]], set[str]]


def _highest(groups: list[list[str]], key: Callable[[str], Any] = _RANK.__getitem__,
             keep: Callable[[list[str]], bool] = lambda g: True) -> set[str]:
    return {max(g, key=key) for g in groups if g and keep(g)}


#: letter -> (the reason as the statement words it, the rule it amounts to: phase, groups -> coordinators)
REASONS: dict[str, tuple[str, Rule]] = {
    "a": ("every group of live members that can reach each other ends up following its highest live member; after "
          "the heal the highest live member overall bullies the lower coordinator into line",
          lambda phase, groups: _highest(groups)),
    "b": ("only a group holding a majority of the ten members can elect a coordinator; a minority group follows "
          "no one until the heal", lambda phase, groups: _highest(groups, keep=lambda g: len(g) > len(MEMBERS) // 2)),
    "c": ("members rank ids as text, so b9 outranks b10", lambda phase, groups: _highest(groups, key=str)),
    "d": ("once two coordinators exist, both keep their followers after the heal: only a crash ends a reign",
          lambda phase, groups: _highest(PHASES["b10 down"][1]) if phase == "healed"
          else _highest(groups) | (_highest([SIDE_B]) if phase == "b10 back" else set())),
}


def run() -> dict[str, dict[str, str | None]]:
    """phase -> each live member's coordinator at the end of that phase (seed :data:`SEED`)."""
    sim = bully_sim(SEED, n=len(MEMBERS))
    sim.at(500.0, sim.net.partition, SIDE_A, SIDE_B)
    sim.at(1000.0, sim.crash, "b10")
    sim.at(1800.0, sim.net.heal)
    sim.at(2600.0, sim.restart, "b10")
    out = {}
    for phase, (until, _) in PHASES.items():
        sim.run(until=until)
        out[phase] = coordinators(sim)
    return out


def truth() -> tuple[dict[str, set[str]], str, dict[str, dict[str, str | None]]]:
    """(phase -> the coordinators followed, the letter of the reason that predicts them, the run's table)."""
    table = run()
    sets = {phase: {c for c in row.values() if c is not None} for phase, row in table.items()}
    matching = [k for k, (_, rule) in REASONS.items() if all(rule(p, PHASES[p][1]) == sets[p] for p in PHASES)]
    if len(matching) != 1:  # pragma: no cover - the question is built so that exactly one fits
        raise AssertionError(f"reasons {matching} all predict {sets}")
    return sets, matching[0], table


def _form(answer: Any) -> dict[str, set[str]]:
    example = '{"split": {"b1"}, "b10 down": {"b2"}, "healed": {"b3"}, "b10 back": {"b4"}}'
    if not isinstance(answer, dict) or set(answer) != set(PHASES):
        fail(case="the form of the answer", input="four phases", expected=f"a dict with exactly the keys "
             f"{list(PHASES)}, e.g. {example}", got=answer,
             hint="answer with a dict from each phase name to the set of coordinators followed at its end")
    out = {}
    for phase, value in answer.items():
        if isinstance(value, str) or not hasattr(value, "__iter__"):
            fail(case="the form of the answer", input=f"phase {phase!r}", expected='a set of member ids, e.g. {"b1"}',
                 got=value, hint="give each phase a set (or list) of member ids, even when it holds one")
        ids = {str(v).strip().lower() for v in value}
        unknown = ids - set(MEMBERS)
        if unknown:
            fail(case="the form of the answer", input=f"phase {phase!r}", expected="ids among b1..b10",
                 got=sorted(unknown), hint="name members b1 to b10")
        out[phase] = ids
    return out


def _key(m: str) -> int:
    return _RANK[m]


@exercise("10-predict-bully", title="Predict: the bully coordinators through a partition, a crash and a heal",
          theme="T10", concepts=("Z03",), kind="predict", parts=("why",))
def grade_predict_bully(answer: Any, *, why: Any) -> str:
    """phase -> set of coordinators followed at its end, and ``why``, a letter of REASONS."""
    got = _form(answer)
    letter = need_choice(why, REASONS)
    sets, reason, table = truth()
    for phase in PHASES:
        if got[phase] != sets[phase]:
            row = ", ".join(f"{m} -> {c}" for m, c in sorted(table[phase].items(), key=lambda mc: _key(mc[0])))
            fail(case=f"phase {phase!r} (seed {SEED})", input="partition {b1,b2,b9,b10} | {b3..b8} at t=500, b10 "
                 "crashes at t=1000, heal at t=1800, b10 restarts at t=2600",
                 expected=sorted(sets[phase], key=_key), got=sorted(got[phase], key=_key),
                 hint=f"at the end of {phase!r} the live members followed: {row}. Bully ranks by id number (b10 > b9), "
                      "and a member answers or obeys only members it can reach")
    if letter != reason:
        said = {p: sorted(REASONS[letter][1](p, PHASES[p][1]), key=_key) for p in PHASES}
        fail(case="the reason", input="why those coordinators?", expected=f"({reason})", got=f"({letter})",
             hint=f"reason ({letter}) would give {said}; the run gave "
                  f"{ {p: sorted(s, key=_key) for p, s in sets.items()} }")
    return ("; ".join(f"{p}: {', '.join(sorted(s, key=_key))}" for p, s in sets.items())
            + f" - reason ({reason}): each side elects its highest reachable member, and after the heal the highest "
              "live member bullies the other coordinator")


__all__ = ["grade_predict_bully", "REASONS", "PHASES", "truth", "run"]
