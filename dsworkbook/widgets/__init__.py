"""Experiment panels: ipywidgets the reader drives, testable without a browser.

Every theme's widget subclasses :class:`ExperimentPanel` (controls -> compute -> verdict, table
and diagram); :func:`network_playground` is the one of notebook 01.
"""

from dsworkbook.widgets.cap import CapScorecard, cap_scorecard
from dsworkbook.widgets.clocks import ClockDiagramPanel, clock_diagram
from dsworkbook.widgets.consistency import ConsistencyExplorer, consistency_explorer
from dsworkbook.widgets.network import NetworkPlayground, network_playground, ping_workload
from dsworkbook.widgets.panel import ExperimentPanel, ExperimentResult

__all__ = ["ExperimentPanel", "ExperimentResult", "NetworkPlayground", "network_playground", "ping_workload",
           "ClockDiagramPanel", "clock_diagram", "ConsistencyExplorer", "consistency_explorer",
           "CapScorecard", "cap_scorecard"]
