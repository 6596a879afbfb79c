"""Pictures of runs: space-time diagrams, cluster graphs and history timelines (matplotlib, networkx).

Every function draws into a given Axes (cleared first) or a new figure, and returns the Axes,
so a widget can redraw in place and a notebook can call it as a statement.
"""

from dsworkbook.viz.cluster import cluster_graph
from dsworkbook.viz.spacetime import COLORS, spacetime
from dsworkbook.viz.timeline import TIMELINE_COLORS, timeline

__all__ = ["spacetime", "cluster_graph", "COLORS", "timeline", "TIMELINE_COLORS"]
