"""A gallery of small histories, each the smallest picture of one idea about consistency.

Theory of operation
-------------------
Every entry of :data:`GALLERY` is an ASCII timeline (see
:func:`~dsworkbook.checkers.history.parse_timeline`: one lane per process, one ``[...]`` per
operation, the column is the time) with the strongest model it satisfies written next to it in
:data:`EXPECTED` - which the tests recompute with :func:`~dsworkbook.checkers.classify.classify`,
so the gallery cannot drift from the checkers. Notebook 03, its widget and its exercises draw
from here; :func:`history` parses one entry.

Keys with ``x=``/``y=`` make a key-value history (``model="kv"``).
"""

from __future__ import annotations

from dsworkbook.checkers.history import History, parse_timeline
from dsworkbook.errors import ConfigError

__all__ = ["GALLERY", "EXPECTED", "history", "model_of"]

GALLERY: dict[str, str] = {
    "concurrent writes": """
A: [w 1]      [r 2]
B:    [w 2      ]
C:          [r 1 ]
""",
    "stale read": """
A: [w 1]  [w 2]
B:             [r 1]
""",
    "opposite orders": """
A: [w 1]
B: [w 2]
C:       [r 1] [r 2]
D:       [r 2] [r 1]
""",
    "effect before cause": """
A: [w x=1] [w y=2]
B:                 [r y=2] [r x=nil]
""",
    "lost own write": """
A: [w 1]  [r nil]
B:      [r 1]
""",
    "flip-flop": """
A: [w 1]
B: [w 2]
C:       [r 1] [r 2] [r 1]
""",
    "late timeout": """
A: [w 1 ?]
B:          [r nil]  [r 1]
C:                       [r 1]
""",
    "split brain": """
A: [w 1]       [r 1]
B: [w 2]       [r 2]
""",
}

#: The strongest model each entry satisfies (recomputed by the tests).
EXPECTED: dict[str, str] = {
    "concurrent writes": "linearizable",
    "stale read": "sequential",
    "opposite orders": "causal",
    "effect before cause": "read-your-writes",
    "lost own write": "monotonic reads",
    "flip-flop": "read-your-writes",
    "late timeout": "linearizable",
    "split brain": "sequential",   # ... yet never convergent
}


def model_of(text: str) -> str:
    """``kv`` when the drawing names keys (``x=1``), else ``register``."""
    return "kv" if "=" in text else "register"


def history(name: str) -> History:
    """The gallery entry ``name`` as a History."""
    if name not in GALLERY:
        raise ConfigError(f"no gallery history {name!r}; choose one of {list(GALLERY)}")
    return parse_timeline(GALLERY[name])
