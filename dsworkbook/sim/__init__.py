"""The deterministic network simulator: kernel, nodes, network, clocks, faults, trace, history.

``from dsworkbook import sim`` (or ``dw.sim``) reaches everything below.
"""

from dsworkbook.sim import examples
from dsworkbook.sim.budget import EventBudget, event_budget
from dsworkbook.sim.clock import LocalClock
from dsworkbook.sim.faults import (FAULT_KINDS, ClockDrift, ClockJump, Crash, Cut, Fault, FaultSchedule,
                                   Heal, NetworkChange, Partition, Pause, Restart, Restore, ShrinkResult,
                                   shrink)
from dsworkbook.sim.fuzz import FuzzReport, Violation, fuzz
from dsworkbook.sim.history import OUTCOMES, History, Op
from dsworkbook.sim.kernel import DOWN, PAUSED, STARTING, UP, Simulation
from dsworkbook.sim.latency import Constant, Exponential, Latency, LongTail, Uniform, latency
from dsworkbook.sim.network import LinkConfig, Network
from dsworkbook.sim.node import (CancelTimer, Complete, Effect, Invoke, Node, NodeId, Note, Persist,
                                 Request, Response, Send, SetTimer)
from dsworkbook.sim.stats import STATS_COLUMNS, delivery_stats
from dsworkbook.sim.trace import KINDS, Record, Trace

__all__ = [
    "examples",
    "Simulation", "UP", "DOWN", "PAUSED", "STARTING",
    "Node", "NodeId", "Effect", "Send", "SetTimer", "CancelTimer", "Persist", "Note", "Invoke", "Complete",
    "Request", "Response",
    "Network", "LinkConfig", "Latency", "Constant", "Uniform", "Exponential", "LongTail", "latency",
    "LocalClock",
    "Fault", "Crash", "Restart", "Pause", "Partition", "Cut", "Restore", "Heal", "ClockJump", "ClockDrift",
    "NetworkChange", "FaultSchedule", "ShrinkResult", "shrink", "FAULT_KINDS",
    "Trace", "Record", "KINDS", "delivery_stats", "STATS_COLUMNS",
    "History", "Op", "OUTCOMES",
    "fuzz", "FuzzReport", "Violation",
    "EventBudget", "event_budget",
]
