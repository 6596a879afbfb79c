"""The ring panel of notebook 11: add or remove a node, change virtual nodes, see which arcs move.

Theory of operation
-------------------
:func:`ring_change` builds a consistent-hashing ring (:class:`~dsworkbook.partitioning.HashRing`,
MD5 points, Karger et al. 1997; virtual nodes as in Dynamo sec. 4.2) of ``nodes`` nodes
``node0 .. node{n-1}`` with ``vnodes`` points each, applies one membership change and measures
it on ``keys`` keys drawn from ``seed`` (:func:`~dsworkbook.partitioning.keys_for_seed`):

* ``join``: ``node{n}`` joins with weight ``weight`` (``round(vnodes * weight)`` points);
* ``leave``: ``node{n-1}``, of weight ``weight``, leaves;
* ``none``: nothing changes (``node{n-1}`` still has weight ``weight``) - the balance alone.

What it reports is read from the two rings, never assumed: the arcs of the circle that changed
owner (:meth:`HashRing.add_node` / :meth:`HashRing.remove_node` return them), the share of the
seeded keys whose owner changed, what modulo hashing (``md5(key) mod n``) would have moved for
the same change, and the keys per node after the change: the largest over the mean and the
coefficient of variation (standard deviation over mean), as in
:func:`~dsworkbook.partitioning.load_stats`.

Speed: a control change should answer in about 100 ms. The keys' MD5 words are computed once
per seed, for the largest sample asked so far (a smaller sample is a prefix: ``keys_for_seed``
draws keys in order); the last few seeds are kept. Owners are found with one ``searchsorted``
over the points' top 64 bits; a key whose top 64 bits equal a point's (odds of about 1 in 10^10
for 100,000 keys) is settled by :meth:`HashRing.lookup` on all 128 bits, so the owners are
exactly the ring's. Every setting's result is cached, so coming back to a setting only redraws.
The ring is drawn as one small RGBA image (one artist, whatever the number of arcs), the key
shares as one bar chart, and the axes keep their ticks between runs (rebuilding them costs
more than the rest of the drawing).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import numpy as np

from dsworkbook.errors import ConfigError
from dsworkbook.partitioning import Arc, HashRing, keys_for_seed, load_stats, md5_words, moved_arcs
from dsworkbook.widgets.panel import ExperimentPanel, ExperimentResult, Progress

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["CHANGES", "MAX_NODES", "MAX_VNODES", "MAX_KEYS", "RingChange", "ring_change", "ring_table", "ring_image",
           "draw_ring", "node_color", "RingPanel", "ring_panel"]

CHANGES = ("join", "leave", "none")
MAX_NODES = 16
MAX_VNODES = 200
MAX_KEYS = 100_000
_BITS = 128
_WIDE: dict[str, Any] = {"style": {"description_width": "110px"}, "layout": {"width": "320px"}}
# tab20 with its dark shades first, so that neighbouring node numbers get distinct colours
_TAB20 = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
          "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7"]


def node_color(node: str) -> str:
    """The colour of ``nodeK`` in the ring and the bars."""
    return _TAB20[int(node[4:]) % len(_TAB20)]


@dataclass(frozen=True)
class RingChange:
    """One membership change measured on seeded keys (see the module docstring)."""

    nodes: int
    vnodes: int
    change: str
    weight: float
    keys: int
    seed: int
    node: str                      # the node that joins or leaves (or carries ``weight`` when change is none)
    before: HashRing
    after: HashRing
    moved: tuple[Arc, ...]         # arcs of the circle whose owner changed
    loads_before: dict[str, int]   # keys per node
    loads_after: dict[str, int]
    moved_keys: int                # keys whose owner changed
    modulo_moved: int              # keys modulo hashing would move for the same change

    @property
    def moved_fraction(self) -> float:
        return self.moved_keys / self.keys

    @property
    def modulo_fraction(self) -> float:
        return self.modulo_moved / self.keys

    @property
    def moved_circle(self) -> float:
        """The share of the circle that changed owner."""
        return sum(a.fraction(_BITS) for a in self.moved)

    def weight_of(self, node: str) -> float:
        return self.weight if node == self.node else 1.0

    @property
    def stats(self) -> dict[str, float]:
        """max/mean and cv of the keys per node after the change, per unit of weight (a node of weight 2
        is expected to hold twice the keys)."""
        return load_stats([load / self.weight_of(n) for n, load in self.loads_after.items()])

    def verdict(self) -> str:
        s = self.stats
        w = "" if self.weight == 1 else f" (weight {self.weight:g})"
        if self.change == "none":
            named = f", {self.node}{w}" if w else ""
            head = f"{self.nodes} nodes x {self.vnodes} vnodes{named}: no change, 0 keys moved"
        else:
            verb = "joins" if self.change == "join" else "leaves"
            m = self.nodes + 1 if self.change == "join" else self.nodes - 1
            head = (f"{self.node}{w} {verb} {self.nodes} nodes x {self.vnodes} vnodes: "
                    f"{self.moved_fraction:.1%} of {self.keys:,} keys moved ({len(self.moved)} "
                    f"arc{'' if len(self.moved) == 1 else 's'}, "
                    f"{self.moved_circle:.1%} of the circle); modulo {self.nodes} -> {m} would move "
                    f"{self.modulo_fraction:.1%}")
        unit = " per unit of weight" if self.weight != 1 and self.node in self.after else ""
        return f"{head}; keys per node{unit} after: max/mean {s['max/mean']:.2f}, cv {s['cv']:.3f}"


class _KeyCache:
    """Keys and their MD5 words for the last few seeds; a smaller sample of a seed is a prefix of a larger one."""

    SEEDS = 8  # seeds kept (100,000 keys with their words are about 10 MB)

    def __init__(self) -> None:
        self._by_seed: dict[int, tuple[list[str], np.ndarray, np.ndarray]] = {}

    def get(self, seed: int, count: int) -> tuple[list[str], np.ndarray, np.ndarray]:
        """(keys, big-endian MD5 words (count x 4, uint32), top 64 bits (uint64)) of ``count`` keys."""
        held = self._by_seed.pop(seed, None)
        if held is None or len(held[0]) < count:
            keys = keys_for_seed(seed, count)
            be = md5_words(keys).byteswap()
            top = (be[:, 0].astype(np.uint64) << np.uint64(32)) | be[:, 1].astype(np.uint64)
            held = (keys, be, top)
        self._by_seed[seed] = held  # most recently used last
        while len(self._by_seed) > self.SEEDS:
            del self._by_seed[next(iter(self._by_seed))]
        keys, be, top = held
        return keys[:count], be[:count], top[:count]


_KEYS = _KeyCache()


def _owners(ring: HashRing, keys: list[str], top: np.ndarray) -> np.ndarray:
    """Index into ``ring.nodes`` of each key's owner: the first point strictly after the key, wrapping."""
    names = ring.nodes
    # equal positions (an MD5 collision) sort by name, so the first of them owns the arc before them,
    # as in HashRing, where the smaller (node, index) keeps a shared point
    points = sorted((p, n) for n in names for p in ring.points_of(n))
    tops = np.array([p >> 64 for p, _ in points], np.uint64)
    index = {n: k for k, n in enumerate(names)}
    owner = np.array([index[n] for _, n in points], np.int64)
    i = np.searchsorted(tops, top, side="right")
    out = owner[np.where(i == len(points), 0, i)]
    tied = np.flatnonzero((i > 0) & (tops[i - 1] == top))  # same top 64 bits as a point: decide on all 128
    for r in tied:
        out[r] = index[ring.lookup(keys[r])]
    return out


def _modulo(be: np.ndarray, n: int) -> np.ndarray:
    """``md5(key) mod n`` from the big-endian words (as :func:`~dsworkbook.partitioning.modulo_owners`)."""
    r = np.zeros(len(be), np.uint64)
    for k in range(4):
        r = ((r << np.uint64(32)) + be[:, k].astype(np.uint64)) % np.uint64(n)
    return r


def _check(nodes: Any, vnodes: Any, change: Any, weight: Any, keys: Any, seed: Any) -> None:
    def whole(name: str, v: Any, lo: int, hi: int, why: str) -> None:
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise ConfigError(f"{name} must be a whole number in [{lo}, {hi}], got {v!r}{why}")
    whole("nodes", nodes, 2 if change == "leave" else 1, MAX_NODES, "")
    whole("vnodes", vnodes, 1, MAX_VNODES, "; 100-200 points per node give an even spread")
    whole("keys", keys, 100, MAX_KEYS, "")
    if change not in CHANGES:
        raise ConfigError(f"change must be one of {list(CHANGES)}, got {change!r}")
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 < weight <= 8 \
            or not math.isfinite(weight):
        raise ConfigError(f"weight must be a number in (0, 8], got {weight!r}; 1 is an ordinary node")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ConfigError(f"seed must be an int, got {seed!r}")


def ring_change(nodes: int = 5, vnodes: int = 8, change: str = "join", *, weight: float = 1.0,
                keys: int = 20_000, seed: int = 0) -> RingChange:
    """Measure one membership change of a ring on ``keys`` seeded keys (see the module docstring)."""
    _check(nodes, vnodes, change, weight, keys, seed)
    names = [f"node{i}" for i in range(nodes)]
    named = f"node{nodes}" if change == "join" else names[-1]
    weights = {n: (weight if n == named else 1.0) for n in names}
    before = HashRing(weights, vnodes=vnodes)
    if change == "join":
        after = HashRing({**weights, named: weight}, vnodes=vnodes)
    elif change == "leave":
        after = HashRing({n: w for n, w in weights.items() if n != named}, vnodes=vnodes)
    else:
        after = before
    moved = moved_arcs(before, after) if after is not before else []  # what add_node/remove_node return
    ks, be, top = _KEYS.get(seed, keys)
    own_b, own_a = _owners(before, ks, top), _owners(after, ks, top)
    names_b, names_a = np.array(before.nodes), np.array(after.nodes)
    moved_keys = int(np.count_nonzero(names_b[own_b] != names_a[own_a]))
    m = {"join": nodes + 1, "leave": nodes - 1, "none": nodes}[change]
    modulo_moved = int(np.count_nonzero(_modulo(be, nodes) != _modulo(be, m))) if m != nodes else 0
    loads_b = dict(zip(before.nodes, map(int, np.bincount(own_b, minlength=len(before)))))
    loads_a = dict(zip(after.nodes, map(int, np.bincount(own_a, minlength=len(after)))))
    return RingChange(nodes, vnodes, change, float(weight), keys, seed, named, before, after, tuple(moved),
                      loads_b, loads_a, moved_keys, modulo_moved)


def _number(node: str) -> int:
    return int(node[4:])


def ring_table(rc: RingChange) -> "pd.DataFrame":
    """Per node: points, circle share and keys before and after the change."""
    import pandas as pd

    shares_b, shares_a = rc.before.shares(), rc.after.shares()
    rows = []
    for n in sorted(set(rc.before.nodes) | set(rc.after.nodes), key=_number):
        rows.append({"node": n,
                     "points": len(rc.after.points_of(n) if n in rc.after else rc.before.points_of(n)),
                     "circle share before": shares_b.get(n, 0.0), "circle share after": shares_a.get(n, 0.0),
                     "keys before": rc.loads_before.get(n, 0), "keys after": rc.loads_after.get(n, 0)})
    return pd.DataFrame(rows).set_index("node")


_PIXELS = 161  # the ring is drawn as a PIXELS x PIXELS image: one artist, whatever the number of arcs
_R_OUT, _R_MID, _R_IN = 1.05, 0.78, 0.62  # outer band: owners; inner band: moved arcs


def _grid() -> tuple[np.ndarray, np.ndarray]:
    """Each pixel's position on the circle (fraction, clockwise from 12 o'clock) and its radius."""
    c = np.linspace(-1.1, 1.1, _PIXELS)
    x, y = np.meshgrid(c, -c)
    return (np.arctan2(x, y) / (2 * np.pi)) % 1.0, np.hypot(x, y)


_FRACTION, _RADIUS = _grid()
_OUTER = (_RADIUS <= _R_OUT) & (_RADIUS > _R_MID + 0.05)
_INNER = (_RADIUS <= _R_MID) & (_RADIUS > _R_IN)


def _rgba(colors: list[str]) -> np.ndarray:
    from matplotlib.colors import to_rgba_array

    return to_rgba_array(colors) if colors else np.zeros((0, 4))


def ring_image(rc: RingChange) -> np.ndarray:
    """The ring as an RGBA image: the outer band coloured by each arc's owner after the change, the
    inner band by the new owner (join) or the old one (leave) of every arc that moved."""
    scale = float(1 << _BITS)
    img = np.zeros(_FRACTION.shape + (4,))
    arcs = rc.after.arcs()  # (start, end, node); arc k ends at point k, the first arc wraps
    ends = np.array([e for _, e, _ in arcs], dtype=float) / scale
    k = np.searchsorted(ends, _FRACTION[_OUTER], side="right") % len(arcs)  # pixel -> first point after it
    img[_OUTER] = _rgba([node_color(n) for _, _, n in arcs])[k]
    img[_INNER] = (0.93, 0.93, 0.93, 1.0)
    if rc.moved:
        starts = np.array([a.start for a in rc.moved], dtype=float) / scale
        order = np.argsort(starts)
        starts = starts[order]
        moved = [rc.moved[i] for i in order]
        lengths = np.array([a.fraction(_BITS) for a in moved])
        f = _FRACTION[_INNER]
        j = np.searchsorted(starts, f, side="right") - 1  # the last moved arc starting at or before the pixel
        inside = ((f - starts[j]) % 1.0) < lengths[j]      # j = -1 wraps to the last arc: the modulo handles it
        colors = _rgba([node_color(a.to_node if rc.change == "join" else a.from_node) for a in moved])
        band = img[_INNER]
        band[inside] = colors[j[inside]]
        img[_INNER] = band
    return img


def draw_ring(rc: RingChange, axes: Any) -> Any:
    """Left: the ring after the change, arcs coloured by owner, moved arcs on an inner band. Right: key shares."""
    ring_ax, bar_ax = axes
    ring_ax.imshow(ring_image(rc), extent=(-1.1, 1.1, -1.1, 1.1), interpolation="nearest")
    what = {"join": f"inner band: arcs\nmoved to {rc.node}", "leave": f"inner band: arcs\n{rc.node} gave away",
            "none": "no change"}[rc.change]
    ring_ax.text(0, 0, f"{what}\n{rc.moved_fraction:.1%} of keys", ha="center", va="center", fontsize=8)
    ring_ax.set_axis_off()
    ring_ax.set_title(f"the ring after: {len(rc.after)} nodes, {len(rc.after.arcs())} arcs", fontsize=9)

    order = sorted(set(rc.before.nodes) | set(rc.after.nodes), key=_number)
    x = np.arange(len(order))
    after = np.array([rc.loads_after.get(n, 0) for n in order]) / rc.keys
    before = np.array([rc.loads_before.get(n, 0) for n in order]) / rc.keys
    bar_ax.bar(x, after, color=[node_color(n) for n in order], width=0.7)
    bar_ax.scatter(x, before, marker="_", s=160, color="black", linewidths=1.5, zorder=3)
    fair = 1 / sum(rc.weight_of(n) for n in rc.after.nodes)  # the share of a node of weight 1
    bar_ax.axhline(fair, color="#555555", ls="--", lw=1)
    bar_ax.set_xticks(x, [n[4:] for n in order], fontsize=7)
    top = max(after.max(), before.max(), fair) * 1.1
    bar_ax.set_ylim(0, top)
    bar_ax.set_yticks([0, fair], ["0", f"{fair:.3f}"], fontsize=7)
    bar_ax.set_xlabel("node", fontsize=8)
    bar_ax.spines[["top", "right"]].set_visible(False)
    bar_ax.set_title("share of keys: after (bars), before (ticks), fair share (dashed)", fontsize=8.5)
    return axes


class RingPanel(ExperimentPanel):
    """Nodes, virtual nodes, a join or a leave, a weight, the key sample and a seed: see which arcs move.

    Headless: ``p = ring_panel(); p.set(vnodes=100); p.ring.moved_fraction``.
    """

    title = "The ring: add or remove a node, change the virtual nodes, see which arcs move"
    figsize = (9.5, 3.5)
    dpi = 72
    margins = {"left": 0.0, "right": 0.98, "top": 0.9, "bottom": 0.13, "wspace": 0.08}

    def __init__(self, *, auto_run: bool = True, run_now: bool = True, **initial: Any) -> None:
        self.cache: dict[tuple, RingChange] = {}
        self.computed = 0  # settings actually measured (the rest came from the cache)
        super().__init__(auto_run=auto_run, run_now=run_now, initial=initial)

    def make_controls(self) -> dict[str, widgets.ValueWidget]:
        return {
            "nodes": widgets.IntSlider(value=5, min=1, max=MAX_NODES, description="nodes", **_WIDE),
            "vnodes": widgets.IntSlider(value=8, min=1, max=MAX_VNODES, description="vnodes per node", **_WIDE),
            "change": widgets.Dropdown(options=list(CHANGES), value="join", description="change", **_WIDE),
            "weight": widgets.FloatSlider(value=1.0, min=0.25, max=4.0, step=0.25,
                                          description="its weight", **_WIDE),
            "keys": widgets.IntSlider(value=20_000, min=1_000, max=MAX_KEYS, step=1_000, description="keys",
                                      **_WIDE),
            "seed": widgets.IntText(value=0, description="seed", **_WIDE),
        }

    def ring_for(self, params: dict[str, Any]) -> RingChange:
        """The measured change for these settings, computed once."""
        key = tuple(params[k] for k in ("nodes", "vnodes", "change", "weight", "keys", "seed"))
        if key not in self.cache:
            self.cache[key] = ring_change(params["nodes"], params["vnodes"], params["change"],
                                          weight=params["weight"], keys=params["keys"], seed=params["seed"])
            self.computed += 1
        return self.cache[key]

    def compute(self, params: dict[str, Any], progress: Progress) -> ExperimentResult:
        rc = self.ring_for(params)
        progress(0.7)
        return ExperimentResult(params=params, seed=rc.seed, table=ring_table(rc), verdict=rc.verdict(),
                                data={"ring": rc})

    def make_axes(self, fig: Any) -> Any:
        return fig.subplots(1, 2, width_ratios=[1.15, 1.85])

    def draw(self, result: ExperimentResult, axes: Any) -> None:
        draw_ring(result.data["ring"], axes)

    @property
    def ring(self) -> RingChange:
        """The :class:`RingChange` shown now."""
        if self.result is None:
            raise ConfigError(f"no result to show: {self.verdict_text}")
        return self.result.data["ring"]


def ring_panel(**initial: Any) -> RingPanel:
    """The panel of notebook 11, run once with ``initial`` settings (nodes, vnodes, change, weight, keys, seed)."""
    return RingPanel(**initial)
