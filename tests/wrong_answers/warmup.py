"""Right and plausible wrong answers to the warm-up exercise of notebook 00."""

from __future__ import annotations

import math
from typing import Any

RIGHT: dict[str, Any] = {"00-majority": lambda n: n // 2 + 1}

WRONG: dict[str, list[Any]] = {
    "00-majority": [
        lambda n: math.ceil(n * 0.51),  # "51%": one too many from n = 51 on
        lambda n: n // 2,  # half is not a majority: two halves can disagree
        lambda n: math.ceil(n / 2),  # right for odd n, a tie for even n
        lambda n: n / 2 + 1,  # a float, and wrong for odd n
    ],
}
