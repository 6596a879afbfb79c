"""Driving membership changes on a running cluster: an administrator, an operator, and seeded plans (F08).

Theory of operation
-------------------
:class:`MembershipAdmin` is a client node that sends a list of
:class:`~dsworkbook.consensus.raft.membership.ChangeMembership` requests one after another: it
follows ``NotLeader`` hints, tries the next server after a timeout, retries a refusal that says
``retry`` after a short pause and drops one that never can succeed, and records when each change
was asked for and when the leader answered that it is committed (``done``, with the resulting
configuration). A retried request is harmless: one already in effect is answered at once.

:func:`start_spares` adds servers that are not in the cluster yet (``joining=True``: they know
no configuration and never campaign until a leader's log names them). :func:`operate` plays the
operator of thesis §4.2.2: once a committed configuration leaves a server out, it is shut down
(else, hearing no heartbeats, it would time out and disturb the cluster with elections, thesis
§4.2.3); a server added back is started again first.

:func:`membership_plan` draws a seeded sequence of changes for the campaign (``single``: learners
added, caught up and promoted, voters added and removed one at a time, between three and six
voters; ``joint``: whole voter sets replaced through C_old,new); :func:`membership_sim` builds a
cluster with spares, administrators and clients of the key-value store, and
:func:`membership_table` shows one run's changes with their latencies.

:func:`race_nemesis` is a targeted fault injector, as Jepsen's partition-the-leader nemeses are:
it waits until a leader holds a configuration entry that is not committed yet while an
administrator is asking to remove some other voter X, then splits the network three ways for
``hold`` ms - the leader with the servers its entry adds, X alone, everyone else. The majority
elects a new leader, which takes the removal; X, cut off, keeps the log of the old term. That
is the interleaving the single-server rule exists for: a correct leader cannot commit its
removal before its own term's first entry is on a majority of the *old* voters, and then the
first leader can no longer win; a leader without the rule commits it at once under the new
voters, and the first leader, back with the new server and X, is elected under its own
configuration and overwrites the committed entry.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any, Sequence

from dsworkbook.consensus.raft.config import RaftConfig
from dsworkbook.consensus.raft.membership import ChangeMembership, Configuration, MembershipRefused
from dsworkbook.consensus.raft.messages import NotLeader
from dsworkbook.consensus.raft.roles import LEADER
from dsworkbook.errors import ConfigError
from dsworkbook.sim import DOWN, Node, Request, Response, Simulation

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["MembershipAdmin", "MODES", "membership_plan", "start_spares", "operate", "membership_sim",
           "membership_table", "admins_of", "spare_ids", "committed_members", "race_nemesis", "race_plans"]

#: mode -> what the campaign's administrators do
MODES = {
    "single": "single-server changes: a spare added as a learner, then promoted; a voter added at once; a voter "
              "(sometimes the leader) removed; between 3 and 6 voters",
    "joint": "joint consensus: the voters replaced by a random set of 3 to 5 servers through C_old,new",
}


class MembershipAdmin(Node):
    """Sends ``changes`` to the cluster in order (see the module doc); ``done`` once all are answered.

    Between two changes it waits ``gap`` ms, give or take half (drawn from its seeded stream).
    """

    def __init__(self, node_id: str, *, servers: Sequence[str], changes: Sequence[ChangeMembership],
                 start_at: float = 0.0, gap: float = 150.0, timeout: float = 100.0, retry: float = 10.0) -> None:
        super().__init__(node_id)
        if not servers:
            raise ConfigError("a MembershipAdmin needs the servers it may talk to")
        bad = [c for c in changes if not isinstance(c, ChangeMembership)]
        if bad:
            raise ConfigError(f"changes must be ChangeMembership(...) requests, got {bad[0]!r}")
        self.servers = list(servers)
        self.changes = tuple(changes)
        self.start_at, self.gap, self.timeout, self.retry = start_at, gap, timeout, retry

    def on_start(self) -> None:
        self.index = -1
        self.req = 0
        self.current: set[int] = set()
        self.target = self.servers[0]
        self.asked_at = 0.0
        self.log: list[dict[str, Any]] = []     # one record per change: asked, answered, outcome, configuration
        self.configuration: Configuration | None = None   # the latest one a leader said is committed
        self.configured_at = 0.0
        self.refusals = 0
        self.set_timer("next", self.start_at)

    @property
    def done(self) -> bool:
        return self.index >= len(self.changes)

    def on_timer(self, name: Any) -> None:
        if name == "next":
            self.index += 1
            if not self.done:
                self.asked_at = self.now()
                self.send_change()
        elif name == "timeout":
            self.rotate()
            self.send_change()
        elif name == "retry":
            self.send_change()

    def asking_for(self) -> set[str]:
        """The servers the change in progress adds (they must be running before it can commit)."""
        if self.done or self.index < 0:
            return set()
        change = self.changes[self.index]
        if change.op == "set":
            return set(change.voters) | set(change.learners)
        return set() if change.op == "remove" else {change.server}

    def rotate(self) -> None:
        i = self.servers.index(self.target) if self.target in self.servers else -1
        self.target = self.servers[(i + 1) % len(self.servers)]

    def send_change(self) -> None:
        if self.done:
            return
        self.req += 1
        self.current.add(self.req)
        self.send(self.target, Request(self.req, "membership", self.changes[self.index]))
        self.set_timer("timeout", self.timeout)

    def finish(self, outcome: str, configuration: Configuration | None) -> None:
        change = self.changes[self.index]
        self.log.append({"change": change.describe(), "asked (ms)": round(self.asked_at, 1),
                         "answered (ms)": round(self.now(), 1), "outcome": outcome,
                         "configuration": configuration.describe() if configuration is not None else ""})
        if configuration is not None:
            self.configuration, self.configured_at = configuration, self.now()
            for s in configuration.members:
                if s not in self.servers:
                    self.servers.append(s)
        self.note(membership=change.describe(), outcome=outcome)
        self.current = set()
        self.cancel_timer("timeout")
        self.set_timer("next", self.rng.uniform(0.5, 1.5) * self.gap)  # administrators act at their own pace

    def on_message(self, src: str, msg: Any) -> None:
        if not isinstance(msg, Response) or msg.req_id not in self.current or self.done:
            return
        if msg.ok:
            self.finish("committed", msg.value)
            return
        value = msg.value
        if isinstance(value, MembershipRefused):
            self.refusals += 1
            if not value.retry:
                self.finish(f"refused: {value.reason}", None)
                return
        elif isinstance(value, NotLeader) and value.leader is not None and value.leader != src:
            self.target = value.leader
        else:
            self.rotate()
        self.cancel_timer("timeout")
        self.set_timer("retry", self.retry)


def spare_ids(servers: int, spares: int) -> list[str]:
    return [f"n{i}" for i in range(servers + 1, servers + spares + 1)]


def admins_of(sim: Simulation) -> list[MembershipAdmin]:
    return [sim.node(n) for n in sim.node_ids if n.startswith("admin") and sim.status(n) != DOWN]


def committed_members(sim: Simulation) -> set[str] | None:
    """The members of the latest configuration a leader told an administrator is committed (None: none yet)."""
    known = [a for a in admins_of(sim) if a.configuration is not None]
    if not known:
        return None
    return set(max(known, key=lambda a: a.configured_at).configuration.members)


def start_spares(sim: Simulation, spares: Sequence[str], *, config: RaftConfig, state_machine: Any,
                 node_class: Any) -> None:
    """Start servers that are not in the cluster yet: they wait, with no configuration, to be added."""
    for s in spares:
        sim.add_node(s, node_class, members=(), config=config, state_machine=state_machine, joining=True)


def operate(sim: Simulation, pool: Sequence[str], *, every: float = 25.0, grace: float = 1000.0,
            until: float | None = None) -> set[str]:
    """The operator (see the module doc): every ``every`` ms, shut down servers that have been out of the
    committed configuration for ``grace`` ms, and start again those added back.

    Returns the set of servers it has shut down (kept up to date as the run goes on).
    """
    shut: set[str] = set()
    out_since: dict[str, float] = {}

    def tick() -> None:
        keep = committed_members(sim)
        if keep is not None:
            keep.update(s for a in admins_of(sim) for s in a.asking_for())  # started before they are added
            for s in pool:
                if s in keep:
                    out_since.pop(s, None)
                else:
                    out_since.setdefault(s, sim.now)
                if s not in keep and s not in shut and sim.status(s) != DOWN and sim.now - out_since[s] >= grace:
                    shut.add(s)
                    sim.crash(s)
                elif s in keep and s in shut:
                    shut.discard(s)
                    if sim.status(s) == DOWN:
                        sim.restart(s)
        if until is None or sim.now + every <= until:
            sim.schedule(every, tick)

    sim.schedule(every, tick)
    return shut


def race_nemesis(sim: Simulation, pool: Sequence[str], *, every: float = 5.0, hold: float = 300.0,
                 until: float | None = None) -> list[tuple[float, tuple[str, ...], str]]:
    """The targeted partition of the module doc, checked every ``every`` ms; returns what it did (time, groups)."""
    done: list[tuple[float, tuple[str, ...], str]] = []
    seen: set[tuple[str, int, int]] = set()
    busy = [0.0]
    cutting: list[Any] = []   # (first leader's term, its side, X) until X is cut off

    def tick() -> None:
        if cutting:
            term, side, victim = cutting[0]
            for s in pool:
                node = sim.node(s) if sim.status(s) != DOWN else None
                if (node is not None and s not in side and getattr(node, "role", None) is LEADER
                        and node.current_term > term):
                    sim.net.partition(side, (victim,))  # the new leader was elected; its entries must miss X
                    cutting.clear()
                    break
        elif sim.now >= busy[0]:
            for s in pool:
                node = sim.node(s) if sim.status(s) != DOWN else None
                if node is None or getattr(node, "role", None) is not LEADER or not node.config_entries:
                    continue
                index, entry = node.config_entries[-1]
                if index <= node.commit_index or (s, node.current_term, index) in seen:
                    continue
                before = node.configuration_at(index - 1)
                added = sorted(entry.voters - before.voters)
                removing = [c.server for a in admins_of(sim) if not a.done and a.index >= 0
                            for c in (a.changes[a.index],) if c.op == "remove" and c.server not in (s, None)
                            and c.server in before.voters and c.server in entry.voters]
                if not added or not removing:
                    continue
                seen.add((s, node.current_term, index))
                side = (s, *added)
                sim.net.partition(side)  # X is on the majority's side: it helps elect the next leader
                cutting.append((node.current_term, side, removing[0]))
                done.append((sim.now, side, removing[0]))
                busy[0] = sim.now + hold
                sim.schedule(hold, lambda: (cutting.clear(), sim.net.heal()))
                break
        if until is None or sim.now + every <= until:
            sim.schedule(every, tick)

    sim.schedule(every, tick)
    return done


def membership_plan(seed: int, mode: str, servers: Sequence[str], spares: Sequence[str], *,
                    changes: int = 6) -> list[ChangeMembership]:
    """A seeded list of ``changes`` requests for one administrator (see :data:`MODES`)."""
    if mode not in MODES:
        raise ConfigError(f"unknown membership mode {mode!r}; choose one of {list(MODES)}")
    rng = random.Random(f"membership/{seed}")
    voters, pool = set(servers), sorted(set(servers) | set(spares))
    plan: list[ChangeMembership] = []
    while len(plan) < changes:
        if mode == "joint":
            new = set(rng.sample(pool, rng.randint(3, min(5, len(pool)))))
            plan.append(ChangeMembership("set", voters=tuple(sorted(new)), joint=True))
            voters = new
            continue
        outside = [s for s in pool if s not in voters]
        grow = len(voters) < 4 or (len(voters) < 6 and outside and rng.random() < 0.5)
        if grow and outside:
            s = rng.choice(outside)
            if rng.random() < 0.6:
                plan += [ChangeMembership("add_learner", s), ChangeMembership("promote", s)]
            else:
                plan.append(ChangeMembership("add", s))
            voters.add(s)
        else:
            s = rng.choice(sorted(voters))
            plan.append(ChangeMembership("remove", s))
            voters.discard(s)
    return plan[:changes]


def race_plans(seed: int, servers: Sequence[str], spares: Sequence[str], *,
               changes: int = 6) -> list[list[ChangeMembership]]:
    """Two administrators at cross purposes: one adds spares as voters (and takes them out again), the other
    removes servers of the cluster (and puts them back) - so that additions and removals race."""
    rng = random.Random(f"race/{seed}")
    grow, shrink = [], []
    for k in range(changes):
        s = spares[(k // 2) % len(spares)]
        grow.append(ChangeMembership("add" if k % 2 == 0 else "remove", s))
    for k in range(changes):
        if k % 2 == 0:
            victim = rng.choice(list(servers))
        shrink.append(ChangeMembership("remove" if k % 2 == 0 else "add", victim))
    return [grow, shrink]


def membership_sim(seed: int, *, mode: str = "single", servers: int = 5, spares: int = 2, admins: int = 2,
                   changes: int = 6, config: RaftConfig | None = None, clients: int = 3, ops: int = 20,
                   gap: float = 150.0, node_class: Any = None, store: Any = None,
                   plans: Sequence[Sequence[ChangeMembership]] | None = None) -> Simulation:
    """A key-value store on ``servers`` servers, ``spares`` joining ones, and ``admins`` administrators.

    Each administrator runs its own :func:`membership_plan` (seeded by ``seed`` and its number),
    or the given ``plans`` (one per administrator); the operator (:func:`operate`) shuts removed
    servers down. Nothing has run yet.
    """
    from dsworkbook.consensus.raft.node import RaftNode
    from dsworkbook.consensus.raft_kv import KVStore, kv_sim

    for name, value, low in (("servers", servers, 1), ("spares", spares, 0), ("admins", admins, 0),
                             ("changes", changes, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ConfigError(f"{name} must be an int >= {low}, got {value!r}")
    extra = {"node_class": node_class} if node_class is not None else {}
    if store is not None:
        extra["store"] = store
    sim = kv_sim(seed, clients=clients, ops=ops, servers=servers, config=config, client_timeout=100.0, think=10.0,
                 **extra)
    initial = [f"n{i}" for i in range(1, servers + 1)]
    extra_ids = spare_ids(servers, spares)
    cfg = sim.node(initial[0]).config
    start_spares(sim, extra_ids, config=cfg, state_machine=store or KVStore, node_class=node_class or RaftNode)
    if plans is None:
        plans = [membership_plan(seed * 31 + k, mode, initial, extra_ids, changes=changes)
                 for k in range(1, admins + 1)]
    for k, plan in enumerate(plans, start=1):
        sim.add_node(f"admin{k}", MembershipAdmin, servers=initial, changes=plan, start_at=100.0 * k, gap=gap)
    operate(sim, initial + extra_ids)
    return sim


def membership_table(sim: Simulation) -> "pd.DataFrame":
    """One row per change of every administrator: asked, answered, latency, outcome, resulting configuration."""
    import pandas as pd

    rows = []
    for admin in admins_of(sim):
        for rec in admin.log:
            rows.append({"admin": admin.id, **rec,
                         "latency (ms)": round(rec["answered (ms)"] - rec["asked (ms)"], 1)})
    columns = ["admin", "change", "asked (ms)", "answered (ms)", "latency (ms)", "outcome", "configuration"]
    return pd.DataFrame(rows, columns=columns).sort_values("answered (ms)").reset_index(drop=True)
