"""dsworkbook: distributed systems you can run, break and fix, in a Jupyter workbook.

``import dsworkbook as dw`` reaches everything a notebook needs:

=================  ======================================================================
``dw.sim``         the deterministic network simulator (nodes, network, faults, trace)
``dw.reliability`` request-reply with timeouts, retries, backoff with jitter, idempotency
``dw.fallacies``   the eight fallacies of distributed computing, one experiment each
``dw.viz``         space-time diagrams and cluster graphs
``dw.widgets``     the experiment panels notebooks display
``dw.grading``     the checks that exercise notebooks call
``dw.catalog``     the concept map: every concept, its module, notebook and exercises
=================  ======================================================================

Submodules other than ``sim`` load on first use, so the command line starts quickly.
"""

from __future__ import annotations

import importlib
from typing import Any

from dsworkbook import errors, sim
from dsworkbook.display import source
from dsworkbook.errors import ConfigError, DSWorkbookError, InvariantViolation, NodeError

__version__ = "0.1.0"

_LAZY = ("reliability", "fallacies", "viz", "widgets", "grading", "catalog")

__all__ = ["sim", "errors", "source", "ConfigError", "DSWorkbookError", "InvariantViolation", "NodeError",
           "__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f"dsworkbook.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'dsworkbook' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
