"""Fault schedules: faults as data that can be drawn at random, replayed, and shrunk.

Theory of operation
-------------------
A fault is a small frozen record with a time ``at`` (true ms) and what happens then:
:class:`Crash` (between two handlers, or - with ``after`` - inside one, after its first few
effects), :class:`Restart`, :class:`Pause`, :class:`Partition`, :class:`Cut`,
:class:`Restore`, :class:`Heal`, :class:`ClockJump`, :class:`ClockDrift`,
:class:`NetworkChange`. A :class:`FaultSchedule` is a sorted tuple of them. Because it is
plain data it can be printed, saved, compared, replayed on another seed, and **shrunk**.

Replaying a schedule is lenient where a direct call would be strict: restarting a node that
is up, or crashing one that is down, is recorded in the trace as ``skipped`` rather than
raised, because shrinking removes events and may leave a restart without its crash. A restart
whose torn crash (``Crash(..., after=k)``) has not struck yet - the node ran no handler with
effects in between - crashes the node cleanly first, so a crash window always ends with the
node up again.

:func:`shrink` takes a schedule that makes a check fail and looks for a smaller one that still
fails: first it removes events (delta debugging: halves, quarters... single events), then it
makes what is left milder (shorter pauses, smaller clock jumps, fewer nodes in a partition).
The check must be deterministic - rebuild the simulation from the same seed every time.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.sim.kernel import DOWN
from dsworkbook.sim.network import check_probability

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from dsworkbook.sim.kernel import Simulation

__all__ = [
    "Fault", "Crash", "Restart", "Pause", "Partition", "Cut", "Restore", "Heal", "ClockJump",
    "ClockDrift", "NetworkChange", "FaultSchedule", "ShrinkResult", "shrink", "FAULT_KINDS",
]


@dataclass(frozen=True)
class Fault:
    """Base class: something that happens to the system at true time ``at``."""

    at: float

    def __post_init__(self) -> None:
        if isinstance(self.at, bool) or not isinstance(self.at, (int, float)) or not self.at >= 0:
            raise ConfigError(f"{type(self).__name__}.at must be a time >= 0 ms, got {self.at!r}")

    def nodes(self) -> tuple[str, ...]:
        """The node ids this fault names (validated against the simulation on apply)."""
        return ()

    def apply(self, sim: "Simulation") -> None:
        raise NotImplementedError

    def milder(self) -> list["Fault"]:
        """Simpler variants of this fault, for shrinking (none by default)."""
        return []

    def describe(self) -> str:
        args = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self) if f.name != "at")
        name = re.sub(r"(?<!^)(?=[A-Z])", "_", type(self).__name__).lower()  # ClockJump -> clock_jump
        return f"t={self.at:g}: {name}({args})"


def _skip(sim: "Simulation", node: str, what: str) -> None:
    sim.trace.add(sim.now, "fault", node, None, None, f"skipped {what}")


@dataclass(frozen=True)
class Crash(Fault):
    """``node`` crashes at ``at`` - or, with ``after``, inside its next handler after that handler's
    first ``after`` effects (a *torn* handler: :meth:`Simulation.crash_within`)."""

    node: str
    after: int | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.after is not None and (isinstance(self.after, bool) or not isinstance(self.after, int)
                                       or self.after < 0):
            raise ConfigError(f"Crash.after must be None or a number of effects >= 0, got {self.after!r}")

    def nodes(self) -> tuple[str, ...]:
        return (self.node,)

    def apply(self, sim: "Simulation") -> None:
        if sim.status(self.node) == DOWN:
            _skip(sim, self.node, "crash (already down)")
        elif self.after is None:
            sim.crash(self.node)
        else:
            sim.crash_within(self.node, self.after)

    def milder(self) -> list[Fault]:
        return [replace(self, after=None)] if self.after is not None else []

    def describe(self) -> str:
        torn = "" if self.after is None else f", after={self.after}"
        return f"t={self.at:g}: crash(node={self.node!r}{torn})"


@dataclass(frozen=True)
class Restart(Fault):
    node: str

    def nodes(self) -> tuple[str, ...]:
        return (self.node,)

    def apply(self, sim: "Simulation") -> None:
        if sim.status(self.node) != DOWN and sim.armed_crash(self.node) is not None:
            # a torn crash that never struck: the node ran no handler with effects since, so
            # crashing it now loses nothing more; then restart it as the schedule says
            sim.crash(self.node)
        if sim.status(self.node) != DOWN:
            _skip(sim, self.node, "restart (not down)")
        else:
            sim.restart(self.node)


@dataclass(frozen=True)
class Pause(Fault):
    node: str
    duration: float

    def nodes(self) -> tuple[str, ...]:
        return (self.node,)

    def apply(self, sim: "Simulation") -> None:
        if sim.status(self.node) == DOWN:
            _skip(sim, self.node, "pause (node down)")
        else:
            sim.pause(self.node, self.duration)

    def milder(self) -> list[Fault]:
        return [replace(self, duration=round(self.duration / 2, 3))] if self.duration > 1 else []


@dataclass(frozen=True)
class Partition(Fault):
    groups: tuple[tuple[str, ...], ...]

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "groups", tuple(tuple(g) for g in self.groups))

    def nodes(self) -> tuple[str, ...]:
        return tuple(n for g in self.groups for n in g)

    def apply(self, sim: "Simulation") -> None:
        sim.net.partition(*self.groups)

    def milder(self) -> list[Fault]:
        # Move one node at a time out of the named groups (into "the rest"), keeping >= 1 group.
        out: list[Fault] = []
        for gi, g in enumerate(self.groups):
            for n in g:
                new = tuple(tuple(x for x in h if x != n) if hi == gi else h for hi, h in enumerate(self.groups))
                new = tuple(h for h in new if h)
                if new:
                    out.append(replace(self, groups=new))
        return out


@dataclass(frozen=True)
class Cut(Fault):
    """A one-way link failure: ``src`` can no longer reach ``dst`` (``dst`` still reaches ``src``)."""

    src: str
    dst: str

    def nodes(self) -> tuple[str, ...]:
        return (self.src, self.dst)

    def apply(self, sim: "Simulation") -> None:
        sim.net.cut(self.src, self.dst)


@dataclass(frozen=True)
class Restore(Fault):
    src: str
    dst: str

    def nodes(self) -> tuple[str, ...]:
        return (self.src, self.dst)

    def apply(self, sim: "Simulation") -> None:
        sim.net.restore(self.src, self.dst)


@dataclass(frozen=True)
class Heal(Fault):
    def apply(self, sim: "Simulation") -> None:
        sim.net.heal()


@dataclass(frozen=True)
class ClockJump(Fault):
    node: str
    delta: float

    def nodes(self) -> tuple[str, ...]:
        return (self.node,)

    def apply(self, sim: "Simulation") -> None:
        sim.clock_jump(self.node, self.delta)

    def milder(self) -> list[Fault]:
        return [replace(self, delta=round(self.delta / 2, 3))] if abs(self.delta) > 1 else []


@dataclass(frozen=True)
class ClockDrift(Fault):
    node: str
    drift: float

    def nodes(self) -> tuple[str, ...]:
        return (self.node,)

    def apply(self, sim: "Simulation") -> None:
        sim.set_drift(self.node, self.drift)

    def milder(self) -> list[Fault]:
        return [replace(self, drift=self.drift / 2)] if abs(self.drift) > 1e-4 else []


@dataclass(frozen=True)
class NetworkChange(Fault):
    """Change the default loss / duplication / reordering probabilities from ``at`` on."""

    loss: float | None = None
    duplicate: float | None = None
    reorder: float | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("loss", "duplicate", "reorder"):
            v = getattr(self, name)
            if v is not None:
                check_probability(name, v)

    def apply(self, sim: "Simulation") -> None:
        sim.net.configure(loss=self.loss, duplicate=self.duplicate, reorder=self.reorder)

    def milder(self) -> list[Fault]:
        out: list[Fault] = []
        for name in ("loss", "duplicate", "reorder"):
            v = getattr(self, name)
            if v:
                out.append(replace(self, **{name: round(v / 2, 4) if v > 0.01 else 0.0}))
        return out


FAULT_KINDS = ("crash", "pause", "partition", "cut", "clock", "network")


class FaultSchedule(Sequence[Fault]):
    """An immutable, time-ordered list of faults."""

    def __init__(self, faults: Iterable[Fault] = ()) -> None:
        items = list(faults)
        for f in items:
            if not isinstance(f, Fault):
                raise ConfigError(f"a FaultSchedule holds Fault records (Crash, Pause, ...), got {f!r}")
        # stable sort: faults at the same time keep the order they were given in
        self._faults: tuple[Fault, ...] = tuple(sorted(items, key=lambda f: f.at))

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return FaultSchedule(self._faults[i])
        return self._faults[i]

    def __len__(self) -> int:
        return len(self._faults)

    def __iter__(self) -> Iterator[Fault]:
        return iter(self._faults)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FaultSchedule) and self._faults == other._faults

    def __hash__(self) -> int:
        return hash(self._faults)

    def __add__(self, other: Iterable[Fault]) -> "FaultSchedule":
        return FaultSchedule(list(self._faults) + list(other))

    def apply_to(self, sim: "Simulation") -> None:
        """Schedule every fault on ``sim`` (node ids are checked now, before anything runs)."""
        for f in self._faults:
            for n in f.nodes():
                sim.check_node(n)
            if f.at < sim.now:
                raise ConfigError(f"{f.describe()} is in the past: the simulation is at t={sim.now:g}")
        for f in self._faults:
            sim.at(f.at, f.apply, sim)

    def describe(self) -> str:
        return "\n".join(f.describe() for f in self._faults) if self._faults else "(no faults)"

    def __repr__(self) -> str:
        return f"FaultSchedule({list(self._faults)!r})"

    def to_dataframe(self) -> "pd.DataFrame":
        import pandas as pd

        return pd.DataFrame([(f.at, type(f).__name__, f.describe().split(": ", 1)[1]) for f in self._faults],
                            columns=["at", "fault", "what"])

    @classmethod
    def random(cls, seed: int, nodes: Sequence[str], *, duration: float, faults: int | None = None,
               kinds: Sequence[str] = FAULT_KINDS, max_down: int | None = None,
               start: float = 0.0, clients: Sequence[str] = ()) -> "FaultSchedule":
        """Draw a schedule of ``faults`` fault episodes over ``[start, start + duration]`` ms.

        Episodes come with their repair (a crash with its restart, a partition with its heal, a
        cut with its restore, a loss burst with its end), so most of the run is not broken for
        good. At most ``max_down`` nodes are down at once (default: a minority, so a majority
        system can still make progress). ``kinds`` picks from :data:`FAULT_KINDS`. One crash in
        three tears a handler (``Crash(..., after=k)``). ``clients`` are never crashed or paused,
        but partitions put each of them on a random side (a client can be stuck with a minority
        and an old leader) and cuts may fall between a client and a node.
        """
        return _Generator(seed, nodes, duration, faults, kinds, max_down, start, clients).draw()


class _Generator:
    def __init__(self, seed: int, nodes: Sequence[str], duration: float, count: int | None,
                 kinds: Sequence[str], max_down: int | None, start: float, clients: Sequence[str] = ()) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ConfigError(f"seed must be an int, got {seed!r}")
        self.nodes = list(nodes)
        if len(set(self.nodes)) != len(self.nodes) or not self.nodes:
            raise ConfigError(f"nodes must be a non-empty list of distinct ids, got {nodes!r}")
        if not isinstance(duration, (int, float)) or duration <= 0:
            raise ConfigError(f"duration must be > 0 ms, got {duration!r}")
        bad = [k for k in kinds if k not in FAULT_KINDS]
        if bad or not kinds:
            raise ConfigError(f"unknown fault kinds {bad}; choose from {list(FAULT_KINDS)}")
        self.rng = random.Random(seed)
        self.duration, self.start = float(duration), float(start)
        self.count = max(1, int(duration // 1000) + 1) if count is None else count
        if self.count < 0:
            raise ConfigError(f"faults must be >= 0, got {count}")
        self.kinds = list(kinds)
        self.clients = list(clients)
        if set(self.clients) & set(self.nodes) or len(set(self.clients)) != len(self.clients):
            raise ConfigError(f"clients must be distinct ids that are not among the nodes, got {clients!r}")
        self.max_down = (len(self.nodes) - 1) // 2 if max_down is None else max_down
        self.down: list[tuple[float, float, str]] = []

    def draw(self) -> FaultSchedule:
        out: list[Fault] = []
        for _ in range(self.count):
            kind = self.rng.choice(self.kinds)
            out.extend(getattr(self, "_" + kind)())
        return FaultSchedule(out)

    def _window(self, lo: float = 0.05, hi: float = 0.3) -> tuple[float, float]:
        r = self.rng
        t = round(self.start + r.uniform(0, self.duration * 0.8), 1)
        return t, round(t + r.uniform(lo, hi) * self.duration, 1)

    def _crash(self) -> list[Fault]:
        t0, t1 = self._window()
        busy = {n for (a, b, n) in self.down if a < t1 and t0 < b}
        overlapping = sum(1 for (a, b, n) in self.down if a < t1 and t0 < b)
        free = [n for n in self.nodes if n not in busy]
        if not free or overlapping >= self.max_down:
            return self._pause()
        node = self.rng.choice(free)
        self.down.append((t0, t1, node))
        # one crash in three tears a handler: it keeps only the first 0-3 effects of the node's next one
        after = self.rng.randint(0, 3) if self.rng.random() < 1 / 3 else None
        return [Crash(t0, node, after), Restart(t1, node)]

    def _pause(self) -> list[Fault]:
        t0, _ = self._window()
        return [Pause(t0, self.rng.choice(self.nodes), round(self.rng.uniform(0.01, 0.1) * self.duration, 1))]

    def _partition(self) -> list[Fault]:
        t0, t1 = self._window()
        shuffled = self.nodes[:]
        self.rng.shuffle(shuffled)
        k = self.rng.randint(1, max(1, len(shuffled) // 2))
        side = shuffled[:k] + [c for c in self.clients if self.rng.random() < 0.5]
        return [Partition(t0, (tuple(sorted(side)),)), Heal(t1)]

    def _cut(self) -> list[Fault]:
        if len(self.nodes) < 2:
            return self._pause()
        t0, t1 = self._window()
        if self.clients and self.rng.random() < 1 / 3:  # between a client and a node, either way
            a, b = self.rng.choice(self.clients), self.rng.choice(self.nodes)
            if self.rng.random() < 0.5:
                a, b = b, a
        else:
            a, b = self.rng.sample(self.nodes, 2)
        return [Cut(t0, a, b), Restore(t1, a, b)]

    def _clock(self) -> list[Fault]:
        t0, _ = self._window()
        node = self.rng.choice(self.nodes)
        if self.rng.random() < 0.5:
            return [ClockJump(t0, node, round(self.rng.uniform(-0.05, 0.05) * self.duration, 1))]
        return [ClockDrift(t0, node, round(self.rng.uniform(-0.05, 0.05), 4))]

    def _network(self) -> list[Fault]:
        t0, t1 = self._window()
        loss = round(self.rng.uniform(0.05, 0.4), 3)
        dup = round(self.rng.uniform(0.0, 0.2), 3)
        return [NetworkChange(t0, loss=loss, duplicate=dup, reorder=0.1),
                NetworkChange(t1, loss=0.0, duplicate=0.0, reorder=0.0)]


@dataclass(frozen=True)
class ShrinkResult:
    """The smallest failing schedule found, and how many runs the search took."""

    original: FaultSchedule
    schedule: FaultSchedule
    runs: int

    def describe(self) -> str:
        return (f"shrunk {len(self.original)} faults to {len(self.schedule)} in {self.runs} runs:\n"
                + self.schedule.describe())


def shrink(schedule: FaultSchedule, fails: Callable[[FaultSchedule], bool], *,
           max_runs: int = 500) -> ShrinkResult:
    """Find a smaller schedule for which ``fails(schedule)`` is still true.

    ``fails`` must be deterministic (rebuild the simulation from the same seed each call).
    Raises :class:`ConfigError` if the given schedule does not fail to begin with.
    """
    if not isinstance(schedule, FaultSchedule):
        schedule = FaultSchedule(schedule)
    runs = 0

    def check(candidate: FaultSchedule) -> bool:
        nonlocal runs
        runs += 1
        return bool(fails(candidate))

    if not check(schedule):
        raise ConfigError("shrink() needs a schedule that fails; this one passes the check")
    current = list(schedule)
    # 1. delta debugging: drop chunks of events, from halves down to single events; then pairs of
    #    events (a crash with a restart, a partition with a heal: dropping either alone may change
    #    the run more than dropping both), nearest pairs first, and back to single events after a hit
    #    - and every fault of one node at once (its crashes, restarts, pauses and clock faults)
    current = _drop_chunks(current, check, lambda: runs < max_runs, max(1, len(current) // 2))
    while runs < max_runs and len(current) > 1:
        smaller = (_drop_a_node(current, check, lambda: runs < max_runs)
                   or _drop_a_pair(current, check, lambda: runs < max_runs))
        if smaller is None:
            break
        current = _drop_chunks(smaller, check, lambda: runs < max_runs, 1)
    # 2. make the remaining faults milder, one at a time, while the check still fails
    improved = True
    while improved and runs < max_runs:
        improved = False
        for i, fault in enumerate(current):
            for simpler in fault.milder():
                if runs >= max_runs:
                    break
                candidate = current[:i] + [simpler] + current[i + 1:]
                if check(FaultSchedule(candidate)):
                    current, improved = candidate, True
                    break
    return ShrinkResult(schedule, FaultSchedule(current), runs)


def _drop_chunks(current: list[Any], check: Callable[[FaultSchedule], bool], budget: Callable[[], bool],
                 chunk: int) -> list[Any]:
    """Delta debugging: drop runs of ``chunk`` events while the check still fails, halving ``chunk`` down to 1."""
    while chunk >= 1 and budget():
        i, removed = 0, False
        while i < len(current) and budget():
            candidate = current[:i] + current[i + chunk:]
            if candidate != current and check(FaultSchedule(candidate)):
                current, removed = candidate, True
            else:
                i += chunk
        if not removed:
            chunk //= 2
    return current


def _drop_a_node(current: list[Any], check: Callable[[FaultSchedule], bool],
                 budget: Callable[[], bool]) -> list[Any] | None:
    """The schedule without every fault of the first node whose faults can all go while it still fails."""
    nodes = sorted({f.node for f in current if isinstance(getattr(f, "node", None), str)})
    for node in nodes:
        candidate = [f for f in current if getattr(f, "node", None) != node]
        if len(candidate) < len(current) - 1:  # one fault alone was tried already
            if not budget():
                return None
            if check(FaultSchedule(candidate)):
                return candidate
    return None


def _drop_a_pair(current: list[Any], check: Callable[[FaultSchedule], bool],
                 budget: Callable[[], bool]) -> list[Any] | None:
    """The schedule without the first pair of events (nearest in time first) whose removal still fails."""
    n = len(current)
    for gap in range(1, n):
        for i in range(n - gap):
            if not budget():
                return None
            candidate = current[:i] + current[i + 1:i + gap] + current[i + gap + 1:]
            if check(FaultSchedule(candidate)):
                return candidate
    return None

