"""Right and plausible wrong answers to the warm-up exercise of notebook 00."""

from __future__ import annotations

import math
from typing import Any

RIGHT: dict[str, Any] = {"00-majority": lambda n: n // 2 + 1}

#: Other right answers: a check must accept these too.
ALSO_RIGHT: dict[str, list[Any]] = {
    "00-majority": [
        lambda n: (n + 2) // 2,  # the same number, written another way
        lambda n: int(n / 2) + 1,  # a float division, truncated: exact for every cluster size that exists
        lambda n: math.floor(n / 2) + 1,
    ],
}

WRONG: dict[str, list[Any]] = {
    "00-majority": [
        lambda n: math.ceil(n * 0.51),  # "51%": one too many for many n from 51 on (n = 51 gives 27, not 26)
        lambda n: n // 2,  # half is not a majority: two halves can disagree
        lambda n: math.ceil(n / 2),  # right for odd n, a tie for even n
        lambda n: n / 2 + 1,  # a float, and wrong for odd n
        lambda n: (n + 1) // 2 + 1,  # one too many for odd n
        lambda n: round(n / 2 + 0.5),  # banker's rounding: round(2.5) is 2, so n = 4 gets 2, a tie
        lambda n: 2 * n // 3 + 1,  # a Byzantine-style two-thirds quorum, bigger than a majority
        lambda n: math.floor(n * 0.5 + 0.5),  # rounds half up: ceil(n / 2) in disguise, a tie for even n
        lambda n: n // 2 + 1 if n < 100 else n // 2,  # right on small clusters only
        lambda n: max(2, n // 2 + 1),  # "at least two": a single node is its own majority
        lambda n: str(n // 2 + 1),  # the right number as text
    ],
}
