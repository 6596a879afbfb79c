"""The checks of theme T15: the interview layer.

Theory of operation
-------------------
A design decision for a requirement is graded per dimension against the options the catalog
accepts, with the reason and the notebook section that shows why; a trade-off question's
letters and its reason are graded against the question bank; a pitfall is named from a lettered
list for snippets drawn by a seed. Each module's docstring gives its exercise's rules.

Importing this package imports every module in it (each registers its exercise).
"""

import importlib as _importlib
import pkgutil as _pkgutil

for _info in sorted(_pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if not _info.name.startswith("_"):
        _importlib.import_module(f"{__name__}.{_info.name}")
