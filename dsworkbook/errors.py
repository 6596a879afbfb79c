"""The workbook's exceptions.

Two kinds of failure are kept apart, never confused:

* **Usage errors** (:class:`ConfigError` and its subclasses) are mistakes a reader can make: an
  unknown node id, a negative delay, a probability above 1, a quorum larger than the cluster.
  They subclass :class:`ValueError` so ordinary ``except ValueError`` code still works, and
  their messages say what was wrong *and* how to fix it.
* **Bugs** (:class:`InvariantViolation`, :class:`NodeError`) mean a protocol or a node did
  something impossible. They name the seed (and the step) so the run can be reproduced.

:class:`OutOfBudget` is neither: a run used up the time or events a check allowed it.
"""

from __future__ import annotations

__all__ = [
    "DSWorkbookError",
    "ConfigError",
    "UnknownNodeError",
    "NodeStateError",
    "NodeError",
    "InvariantViolation",
    "OutOfBudget",
]


class DSWorkbookError(Exception):
    """Base class of every exception the workbook raises on purpose."""


class ConfigError(DSWorkbookError, ValueError):
    """A bad argument or an impossible request; the message says how to fix it."""


class UnknownNodeError(ConfigError):
    """A node id that the simulation does not know."""

    def __init__(self, node: object, known: object) -> None:
        known_list = ", ".join(repr(n) for n in sorted(map(str, known)))  # type: ignore[call-overload]
        super().__init__(
            f"unknown node {node!r}; the simulation has [{known_list}]. "
            "Add it first with sim.add_node(...) or check the spelling."
        )
        self.node = node


class NodeStateError(ConfigError):
    """An operation that does not fit a node's current state (e.g. restarting a running node)."""


class NodeError(DSWorkbookError):
    """A node's handler raised: the run stops and names the seed and the step.

    ``node`` is the node whose handler raised and ``cause`` the exception it raised (None when
    the kernel itself refused an effect, e.g. a message to an unknown node).
    """

    def __init__(self, message: str, *, seed: int, step: int, time: float) -> None:
        super().__init__(f"{message} (seed={seed}, step={step}, t={time:g})")
        self.seed = seed
        self.step = step
        self.time = time
        self.node: str | None = None
        self.cause: BaseException | None = None


class InvariantViolation(DSWorkbookError, AssertionError):
    """A safety property broke. Carries the seed so the run can be replayed."""

    def __init__(self, message: str, *, seed: int | None = None) -> None:
        suffix = f" (seed={seed})" if seed is not None else ""
        super().__init__(message + suffix)
        self.seed = seed


class OutOfBudget(BaseException):
    """A run used up the time or the events it was given (a check's budget).

    A ``BaseException`` on purpose, like ``KeyboardInterrupt``: it must pass through a node
    handler's ``except Exception`` and through learner code, so that a runaway answer ends the
    check instead of being swallowed where it runs. The message says what grew.
    """
