"""Right and plausible wrong answers to ``15-spot-the-pitfall``, for proving its check discriminates.

The graded selection (seed 16) shows the snippets consume, partition, release, lease, vote and retry.
``RIGHT`` names each snippet's pitfall and what it breaks; every ``WRONG`` answer makes one mistake a
learner makes, named in its comment.
"""

from __future__ import annotations

from typing import Any

from tests.wrong_answers import Answer

_PITFALL = {"consume": "f", "partition": "h", "release": "d", "lease": "c", "vote": "g", "retry": "b"}
_WHY = {"consume": "q", "partition": "t", "release": "p", "lease": "p", "vote": "r", "retry": "q"}


def _with(table: dict[str, str], **changes: str) -> dict[str, str]:
    return {**table, **changes}


RIGHT: dict[str, Any] = {"15-spot-the-pitfall": Answer(dict(_PITFALL), why=dict(_WHY))}

ALSO_RIGHT: dict[str, list[Any]] = {"15-spot-the-pitfall": [
    # letters written as "(F)", " b " and upper case name the same choices
    Answer({k: f"({v.upper()})" for k, v in _PITFALL.items()}, why={k: f" {v} " for k, v in _WHY.items()}),
]}

WRONG: dict[str, list[Any]] = {"15-spot-the-pitfall": [
    # the lease and the release swapped: both are lock bugs, but only one is about whose clock counts
    Answer(_with(_PITFALL, lease="d", release="c"), why=dict(_WHY)),
    # the retry blamed on a missing majority instead of the key minted per attempt
    Answer(_with(_PITFALL, retry="a"), why=dict(_WHY)),
    # the consumer's commit-before-apply called a vote-before-log (both are "an order of two calls")
    Answer(_with(_PITFALL, consume="g"), why=dict(_WHY)),
    # the participant's vote called an offset bug
    Answer(_with(_PITFALL, vote="f"), why=dict(_WHY)),
    # abs() taken for a fix, so the partitioner is blamed on the vector-clock comparison
    Answer(_with(_PITFALL, partition="i"), why=dict(_WHY)),
    # committing the offset first does not duplicate... but it loses: the answer says replicas disagree
    Answer(dict(_PITFALL), why=_with(_WHY, consume="r")),
    # a vote sent before it is logged called a duplicate effect instead of participants that disagree
    Answer(dict(_PITFALL), why=_with(_WHY, vote="q")),
    # the lease's consequence taken for a stale read rather than two holders at once
    Answer(dict(_PITFALL), why=_with(_WHY, lease="s")),
    # the release's consequence taken for a lost effect rather than two holders
    Answer(dict(_PITFALL), why=_with(_WHY, release="q")),
    # the sign bug taken for harmless (abs looks safe): says it makes replicas disagree
    Answer(dict(_PITFALL), why=_with(_WHY, partition="r")),
    # the retry's duplicate taken for two lock holders
    Answer(dict(_PITFALL), why=_with(_WHY, retry="p")),
    # a snippet left out of the answer (five of the six)
    Answer({k: v for k, v in _PITFALL.items() if k != "vote"}, why=dict(_WHY)),
    # the quorum snippet answered although it was not drawn (answers for a different seed)
    Answer(_with(_PITFALL, quorum="a"), why=dict(_WHY)),
    # two letters for one snippet
    Answer(_with(_PITFALL, lease="c, d"), why=dict(_WHY)),
    # the why part given as a single letter for all snippets
    Answer(dict(_PITFALL), why="p"),
]}
