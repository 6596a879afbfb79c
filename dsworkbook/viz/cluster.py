"""The cluster as a graph: who can talk to whom right now.

Theory of operation
-------------------
:func:`cluster_graph` draws the simulation's *current* state with networkx:

* nodes sit on a circle in the order they were added, the first at the top, going clockwise,
  so the same cluster is always drawn the same way (no force layout, no randomness);
* a node's colour is its side of the partition (``sim.net.groups``; one colour when there is
  no partition); a crashed node is grey; a paused node has a thick orange ring;
* a grey line joins two nodes that can reach each other both ways; no line joins nodes that
  are cut off both ways (so the sides of a partition fall apart visually);
* a one-way cut (a pair blocked in one direction only, ``sim.net.blocked_links`` minus the
  symmetric pairs) is a red dashed arrow pointing in the *blocked* direction.

Artists carry gids (``cluster:nodes``, ``cluster:links``, ``cluster:cut``) for tests.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from dsworkbook.errors import ConfigError
from dsworkbook.sim.kernel import DOWN, PAUSED, Simulation
from dsworkbook.viz._axes import prepare_axes
from dsworkbook.viz.spacetime import COLORS

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["cluster_graph", "GROUP_COLORS", "circle_layout", "one_way_cuts"]

#: Colours of the sides of a partition, in the order of ``sim.net.groups``.
GROUP_COLORS = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7", "#9c755f"]
_PAUSE_RING = "#e08000"
#: Margins (``Figure.subplots_adjust``) that leave room for the legend on the right.
MARGINS = {"left": 0.02, "right": 0.66, "top": 0.9, "bottom": 0.02}


def circle_layout(nodes: list[str]) -> dict[str, tuple[float, float]]:
    """Positions on the unit circle: first node at the top, then clockwise."""
    n = max(len(nodes), 1)
    return {v: (math.cos(math.pi / 2 - 2 * math.pi * i / n), math.sin(math.pi / 2 - 2 * math.pi * i / n))
            for i, v in enumerate(nodes)}


def one_way_cuts(sim: Simulation) -> list[tuple[str, str]]:
    """Blocked (src, dst) pairs whose reverse direction still works, sorted."""
    blocked = sim.net.blocked_links
    return sorted((a, b) for a, b in blocked if (b, a) not in blocked)


def _node_style(sim: Simulation) -> tuple[list[str], list[str], list[float]]:
    side = {n: i for i, g in enumerate(sim.net.groups) for n in g}
    faces, edges, widths = [], [], []
    for n in sim.node_ids:
        status = sim.status(n)
        faces.append(COLORS["down"] if status == DOWN else GROUP_COLORS[side.get(n, 0) % len(GROUP_COLORS)])
        edges.append(_PAUSE_RING if status == PAUSED else "#333333")
        widths.append(3.5 if status == PAUSED else 1.0)
    return faces, edges, widths


def _title(sim: Simulation) -> str:
    parts = [f"cluster at t = {sim.now:g} ms"]
    groups = sim.net.groups
    if groups:
        parts.append(" | ".join("{" + ",".join(sorted(g)) + "}" for g in groups))
    cuts = one_way_cuts(sim)
    if cuts:
        parts.append("cut " + ", ".join(f"{a}→{b}" for a, b in cuts))
    return "; ".join(parts)


def _legend(ax: "Axes", sim: Simulation) -> None:
    from matplotlib.lines import Line2D

    dot = dict(marker="o", lw=0, markersize=9, markeredgecolor="#333333")
    handles: list[Any] = []
    for i, g in enumerate(sim.net.groups):
        handles.append(Line2D([], [], markerfacecolor=GROUP_COLORS[i % len(GROUP_COLORS)],
                              label="side {" + ",".join(sorted(g)) + "}", **dot))
    statuses = {sim.status(n) for n in sim.node_ids}
    if DOWN in statuses:
        handles.append(Line2D([], [], markerfacecolor=COLORS["down"], label="down (crashed)", **dot))
    if PAUSED in statuses:
        handles.append(Line2D([], [], marker="o", lw=0, markersize=9, markerfacecolor="white",
                              markeredgecolor=_PAUSE_RING, markeredgewidth=2.5, label="paused"))
    if one_way_cuts(sim):
        handles.append(Line2D([], [], color=COLORS["partition"], ls="--", marker=">", label="one-way cut (blocked way)"))
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small", frameon=False)


def cluster_graph(sim: Simulation, ax: "Axes | None" = None) -> "Axes":
    """Draw the cluster's current connectivity and node states; returns the Axes (see module doc)."""
    import networkx as nx

    if not isinstance(sim, Simulation):
        raise ConfigError(f"cluster_graph() draws a Simulation, got {type(sim).__name__}")
    if not sim.node_ids:
        raise ConfigError("the simulation has no nodes yet; add some with sim.add_node(...)")
    ax = prepare_axes(ax, (7, 4.5), MARGINS)
    nodes = sim.node_ids
    pos = circle_layout(nodes)
    blocked = sim.net.blocked_links
    both_ways = nx.Graph()
    both_ways.add_nodes_from(nodes)
    both_ways.add_edges_from((a, b) for i, a in enumerate(nodes) for b in nodes[i + 1:]
                             if (a, b) not in blocked and (b, a) not in blocked)
    links = nx.draw_networkx_edges(both_ways, pos, ax=ax, edge_color="#9a9a9a", width=1.2)
    if links is not None and hasattr(links, "set_gid"):
        links.set_gid("cluster:links")
    _draw_cuts(ax, sim, pos)
    faces, edges, widths = _node_style(sim)
    drawn = nx.draw_networkx_nodes(both_ways, pos, nodelist=nodes, ax=ax, node_color=faces, edgecolors=edges,
                                   linewidths=widths, node_size=900)
    drawn.set_gid("cluster:nodes")
    nx.draw_networkx_labels(both_ways, pos, ax=ax, font_size=10, font_color="white", font_weight="bold")
    ax.set_title(_title(sim), fontsize="medium")
    ax.set_xlim(-1.35, 1.35)
    ax.set_ylim(-1.35, 1.35)
    ax.set_aspect("equal")
    ax.axis("off")
    _legend(ax, sim)
    return ax


def _draw_cuts(ax: "Axes", sim: Simulation, pos: dict[str, tuple[float, float]]) -> None:
    import networkx as nx

    cuts = one_way_cuts(sim)
    if not cuts:
        return
    g = nx.DiGraph(cuts)
    arrows = nx.draw_networkx_edges(g, pos, ax=ax, edgelist=cuts, edge_color=COLORS["partition"], style="--",
                                    width=1.8, arrows=True, arrowstyle="-|>", arrowsize=18, node_size=900)
    for a in arrows:
        a.set_gid("cluster:cut")
