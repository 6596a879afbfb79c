"""The checks of theme T14: replication and multi-region patterns.

Theory of operation
-------------------
Functions the learner writes (a routing policy, a merge, a read router, a cache's versioned
write) are compared with the library's reference on seeded random inputs over their whole
domain (:func:`~dsworkbook.grading.core.random_cases`), on hand-made boundary cases, and inside
the seeded simulation they belong to (the run must end as the reference's does), and in two
worlds (:func:`~dsworkbook.grading.core.same_everywhere`). Predictions are graded against the
truth measured by running the scenario they describe - never a constant - and so is their
reason. The design exercise runs the learner's placement on the simulator and checks the
stated goals. Each module's docstring gives its exercise's rules.

Importing this package imports every module in it (each registers its exercise).
"""

import importlib as _importlib
import pkgutil as _pkgutil

for _info in sorted(_pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if not _info.name.startswith("_"):
        _importlib.import_module(f"{__name__}.{_info.name}")
