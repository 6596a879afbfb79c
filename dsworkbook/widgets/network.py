"""The network playground of notebook 01: five nodes ping each other over a network you break.

Theory of operation
-------------------
:func:`ping_workload` builds one seeded :class:`~dsworkbook.sim.Simulation` of five nodes
``n1..n5``. Each node sends its share of ``pings`` to peers chosen at random (from its own
random stream, derived from the seed), one about every two mean latencies; every node
answers a :class:`Ping` with a :class:`Pong`. So roughly twice as many messages as pings cross
the network, in both directions on every link. The network is set from the controls: a
latency model with the given mean, loss, duplication and reordering probabilities, and a
partition that holds **for the whole run**: none, ``{n1,n2} | {n3,n4,n5}``, ``n1`` isolated,
or the one-way cut ``n1 → n2``.

:func:`delivery_summary` turns the run into what the panel shows: the per-link statistics of
:func:`~dsworkbook.sim.delivery_stats` (the ``all`` row and the five links that lost most),
and a verdict line: how many messages were sent, delivered, lost (and why), duplicated, and the
p50 / p99 latency. :class:`NetworkPlayground` wires both to widgets, with the first messages of
the run drawn as a space-time diagram. The same seed and settings give the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from dsworkbook.errors import ConfigError
from dsworkbook.sim import Constant, Exponential, Latency, LongTail, Node, Simulation, Uniform, delivery_stats
from dsworkbook.viz.spacetime import spacetime
from dsworkbook.widgets.panel import ExperimentPanel, ExperimentResult, Progress

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["NetworkPlayground", "network_playground", "ping_workload", "delivery_summary", "latency_model",
           "Ping", "Pong", "PingPeer", "NODES", "LATENCY_MODELS", "PARTITIONS"]

NODES = ("n1", "n2", "n3", "n4", "n5")
LATENCY_MODELS = ("constant", "uniform", "exponential", "long tail")
#: Partition choices: label shown in the dropdown -> value.
PARTITIONS = {"none": "none", "{n1,n2} | {n3,n4,n5}": "split", "isolate n1": "isolate",
              "one-way cut n1→n2": "cut"}
_TAIL_RATIO = 20.0  # long tail: p99 = 20 x median


@dataclass(frozen=True, slots=True)
class Ping:
    seq: int


@dataclass(frozen=True, slots=True)
class Pong:
    seq: int


class PingPeer(Node):
    """Sends ``count`` pings to random peers, about one every ``interval`` ms; answers every ping."""

    def __init__(self, node_id: str, count: int = 10, interval: float = 10.0) -> None:
        super().__init__(node_id)
        self.count, self.interval = count, interval

    def on_start(self) -> None:
        self.sent = 0
        self.pongs = 0
        if self.count:
            self.set_timer("ping", self.rng.uniform(0, self.interval))

    def on_timer(self, name: Any) -> None:
        self.send(self.rng.choice(self.peers), Ping(self.sent))
        self.sent += 1
        if self.sent < self.count:
            self.set_timer("ping", self.interval * self.rng.uniform(0.5, 1.5))

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, Ping):
            self.send(src, Pong(msg.seq))
        else:
            self.pongs += 1


def latency_model(model: str, mean: float) -> Latency:
    """A latency distribution named in :data:`LATENCY_MODELS` whose mean is ``mean`` ms.

    uniform: [mean/2, 3 mean/2]; exponential: a floor of mean/5 plus an exponential tail;
    long tail: log-normal with p99 = 20 x median (so the median is well below the mean).
    """
    if isinstance(mean, bool) or not isinstance(mean, (int, float)) or not mean > 0:
        raise ConfigError(f"mean_latency must be a number of ms > 0, got {mean!r}")
    if model == "constant":
        return Constant(mean)
    if model == "uniform":
        return Uniform(mean / 2, 3 * mean / 2)
    if model == "exponential":
        return Exponential(0.8 * mean, minimum=0.2 * mean)
    if model == "long tail":
        tail = LongTail(1.0, _TAIL_RATIO)
        return LongTail(mean / tail.mean, _TAIL_RATIO * mean / tail.mean)
    raise ConfigError(f"latency_model must be one of {list(LATENCY_MODELS)}, got {model!r}")


_latency = latency_model  # ping_workload's keyword argument of the same name hides the function


def _apply_partition(sim: Simulation, partition: str) -> None:
    if partition == "split":
        sim.net.partition(["n1", "n2"], ["n3", "n4", "n5"])
    elif partition == "isolate":
        sim.net.isolate("n1")
    elif partition == "cut":
        sim.net.cut("n1", "n2")
    elif partition != "none":
        raise ConfigError(f"partition must be one of {list(PARTITIONS.values())} "
                          f"(or a label: {list(PARTITIONS)}), got {partition!r}")


def _shares(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def ping_workload(seed: int = 7, *, latency_model: str = "uniform", mean_latency: float = 5.0, loss: float = 0.0,
                  duplicate: float = 0.0, reorder: float = 0.0, partition: str = "none", pings: int = 200,
                  progress: Progress | None = None) -> Simulation:
    """Run the playground's workload (see the module docstring) and return the finished Simulation."""
    if isinstance(pings, bool) or not isinstance(pings, int) or pings < 0:
        raise ConfigError(f"pings must be a whole number >= 0, got {pings!r}")
    partition = PARTITIONS.get(partition, partition)
    sim = Simulation(seed, latency=_latency(latency_model, mean_latency), loss=loss, duplicate=duplicate,
                     reorder=reorder)
    interval = 2.0 * mean_latency
    for node, count in zip(NODES, _shares(pings, len(NODES))):
        sim.add_node(node, PingPeer, count=count, interval=interval)
    _apply_partition(sim, partition)
    _run_in_steps(sim, horizon=1.5 * interval * (pings / len(NODES) + 1), progress=progress)
    return sim


def _run_in_steps(sim: Simulation, horizon: float, progress: Progress | None, steps: int = 10) -> None:
    for i in range(1, steps + 1):
        sim.run(until=horizon * i / steps)
        if progress is not None:
            progress(0.9 * i / steps)
    sim.run()  # the last pings and the replies still in flight


def _drop_reasons(messages: "pd.DataFrame") -> dict[str, int]:
    """Dropped copies by reason, a reason's "(in flight)" variant counted with it, in reason order."""
    counts: dict[str, int] = {}
    for outcome, reason in zip(messages["outcome"].tolist(), messages["reason"].tolist()):
        if outcome == "dropped" and isinstance(reason, str):
            reason = reason.replace(" (in flight)", "")
            counts[reason] = counts.get(reason, 0) + 1
    return dict(sorted(counts.items()))


def _ms(value: float) -> str:
    return "n/a" if value != value else f"{value:.1f} ms"


def delivery_summary(sim: Simulation, *, links: int = 5) -> tuple["pd.DataFrame", str, dict[str, Any]]:
    """(table, verdict, data) for a finished run: the ``all`` row plus the ``links`` worst links."""
    import pandas as pd

    messages = sim.trace.messages()
    stats = delivery_stats(messages)
    total = {k: v for k, v in stats.loc[("all", "all")].items()}  # counts as ints, not the row's floats
    for k in ("sent", "delivered", "lost", "duplicates"):
        total[k] = int(total[k])
    worst = stats.drop(index=("all", "all")).sort_values(["lost", "p99"], ascending=False, kind="stable")
    table = pd.concat([stats.loc[[("all", "all")]], worst.head(links)]).round({"p50": 2, "p99": 2})
    reasons = _drop_reasons(messages)
    why = " (" + ", ".join(f"{n} {r}" for r, n in reasons.items()) + ")" if reasons else ""
    verdict = (f"{total['sent']} sent, {total['delivered']} delivered, {total['lost']} lost{why}, "
               f"{total['duplicates']} duplicates; p50 {_ms(total['p50'])}, p99 {_ms(total['p99'])}")
    return table, verdict, {"sim": sim, "messages": messages, "stats": stats, "drops": reasons}


_WIDE: dict[str, Any] = {"style": {"description_width": "130px"}, "layout": {"width": "370px"}}


def _slider(description: str, value: float, lo: float, hi: float, step: float) -> widgets.FloatSlider:
    return widgets.FloatSlider(value=value, min=lo, max=hi, step=step, description=description,
                               **_WIDE)


class NetworkPlayground(ExperimentPanel):
    """Break the network and watch what happens to the messages (notebook 01, theme T01).

    ``NetworkPlayground(loss=0.2, partition="isolate n1")`` starts with those settings; any
    change reruns the experiment. Headless: ``p.set(seed=8)``, then read ``p.result``.
    """

    title = "Network playground: five nodes ping random peers, and every ping is answered"
    #: How many messages the space-time diagram draws (the first ones of the run).
    diagram_messages = 60

    def __init__(self, *, auto_run: bool = True, run_now: bool = True, **initial: Any) -> None:
        super().__init__(auto_run=auto_run, run_now=run_now, initial=initial)

    def make_controls(self) -> dict[str, widgets.ValueWidget]:
        return {
            "latency_model": widgets.Dropdown(options=list(LATENCY_MODELS), value="uniform",
                                              description="latency model", **_WIDE),
            "mean_latency": _slider("mean latency (ms)", 5.0, 0.5, 50.0, 0.5),
            "loss": _slider("loss", 0.05, 0.0, 0.5, 0.01),
            "duplicate": _slider("duplication", 0.02, 0.0, 0.5, 0.01),
            "reorder": _slider("reordering", 0.05, 0.0, 0.5, 0.01),
            "partition": widgets.Dropdown(options=list(PARTITIONS.items()), value="none",
                                          description="partition", **_WIDE),
            "pings": widgets.IntSlider(value=200, min=10, max=2000, step=10, description="pings", **_WIDE),
            "seed": widgets.IntText(value=7, description="seed", **_WIDE),
        }

    def compute(self, params: dict[str, Any], progress: Progress) -> ExperimentResult:
        sim = ping_workload(progress=progress, **params)
        table, verdict, data = delivery_summary(sim)
        return ExperimentResult(params=params, seed=sim.seed, table=table, verdict=verdict, data=data)

    def draw(self, result: ExperimentResult, ax: Any) -> None:
        spacetime(result.data["sim"], ax=ax, max_messages=self.diagram_messages)


def network_playground(**initial: Any) -> NetworkPlayground:
    """The playground of notebook 01, run once with ``initial`` settings; it reruns on every change."""
    return NetworkPlayground(**initial)
