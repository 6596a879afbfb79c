"""Single-leader replication across regions: a leader's log, followers that apply it in order (G04).

Theory of operation
-------------------
One replica leads; it appends every client write to its **log** at the next **position** (1, 2,
...) and pushes the new entries to its followers. Followers keep the log in the leader's order:
an :class:`Append` names the position and epoch of the entry just before the ones it carries,
and a follower takes it only if its own log holds that entry (the log-matching check of Raft,
Ongaro & Ousterhout 2014, §5.3); otherwise it answers with where its log ends and the leader
resends from there. So a follower's log is always a prefix of some leader's log, whatever order
the network delivers in. A follower *receives* an entry (durably: it persists its log, then
acknowledges) and *applies* it later, one at a time, ``apply_ms`` each - MySQL's replica
likewise has a receiver thread writing the relay log and an applier executing it (MySQL
Reference Manual, "Replication Threads") - so under load the applied position lags the received one.

When is a write acknowledged to its client? Each follower has a **mode** (Kleppmann, *Designing
Data-Intensive Applications*, ch. 5, "Synchronous Versus Asynchronous Replication"):

* ``sync``      - the leader waits until this follower has received the entry;
* ``semi-sync`` - the leader waits until at least ``semi_sync_wait`` (default 1) of the
  semi-sync followers have received it: MySQL's semisynchronous replication with the default
  wait point ``AFTER_SYNC`` (the source waits for a replica to acknowledge that it wrote the
  transaction to its relay log before it commits and answers the client) and
  ``rpl_semi_sync_source_wait_for_replica_count`` = 1 (MySQL Reference Manual,
  "Semisynchronous Replication"). MySQL falls back to asynchronous replication when no replica
  answers within ``rpl_semi_sync_source_timeout``; this model never falls back - it waits;
* ``async``     - the leader does not wait for it at all.

With every follower ``async`` a write is acknowledged as soon as the leader has it.

Epochs and fencing
------------------
Leaders are chosen by an orchestrator (:mod:`dsworkbook.regions.failover`), each promotion with a
higher **epoch**; every entry carries the epoch it was written in. With ``fencing`` on, a
replica that has seen epoch ``e`` rejects anything from a lower epoch and says so, and a leader
that hears of a higher epoch steps down at once; without fencing (the broken variant) replicas
take appends from anyone and an old leader never steps down - split brain.

Durable: the log and the epoch (persisted before any acknowledgement). Volatile: the role, the
applied position (a restarted replica re-applies its log), the leader's view of its followers.
A replica restarts as a follower; the orchestrator decides who leads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dsworkbook.errors import ConfigError
from dsworkbook.regions.leader_messages import (Append, AppendAck, Entry, Fence, Heartbeat, LeaderIs, Promote, Read,
                                                ReadReply, Status, WhoLeads, Write, WriteAck)
from dsworkbook.regions.world import World
from dsworkbook.sim import Node

__all__ = ["MODES", "Entry", "Append", "AppendAck", "Write", "WriteAck", "Read", "ReadReply", "Heartbeat", "Fence",
           "Status", "Promote", "LeaderIs", "WhoLeads", "Topology", "topology", "Replica", "apply_log"]

MODES = ("sync", "semi-sync", "async")


# -- configuration ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Topology:
    """Replicas (name -> region), the first leader, each replica's mode as a follower, the semi-sync count.

    ``modes[name]`` applies while ``name`` follows; the first leader's own entry is the mode it
    has when it rejoins as a follower after a failover.
    """

    regions: dict[str, str]
    leader: str
    modes: dict[str, str]
    semi_sync_wait: int = 1

    def __post_init__(self) -> None:
        if self.leader not in self.regions:
            raise ConfigError(f"the leader {self.leader!r} is not one of the replicas {list(self.regions)}")
        for name, mode in self.modes.items():
            if mode not in MODES:
                raise ConfigError(f"replica {name!r}: mode must be one of {MODES}, got {mode!r}")
        if set(self.modes) != set(self.regions):
            raise ConfigError("give every replica a mode (and only replicas): "
                              f"replicas {sorted(self.regions)}, modes {sorted(self.modes)}")
        w = self.semi_sync_wait
        if isinstance(w, bool) or not isinstance(w, int) or w < 1:
            raise ConfigError(f"semi_sync_wait must be an int >= 1 (MySQL's default is 1), got {w!r}")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.regions)

    def followers_of(self, leader: str) -> tuple[str, ...]:
        return tuple(n for n in self.regions if n != leader)

    def needs(self, leader: str) -> tuple[tuple[str, ...], tuple[str, ...], int]:
        """(sync followers, semi-sync followers, how many semi-sync acks) when ``leader`` leads."""
        fs = self.followers_of(leader)
        sync = tuple(f for f in fs if self.modes[f] == "sync")
        semi = tuple(f for f in fs if self.modes[f] == "semi-sync")
        return sync, semi, min(self.semi_sync_wait, len(semi))


def topology(leader_region: str, *followers: tuple[str, str], leader_mode: str = "async", semi_sync_wait: int = 1,
             world: World | None = None) -> Topology:
    """A topology from regions: ``topology("us-east-1", ("eu-west-1", "sync"), ("ap-northeast-1", "async"))``.

    Replicas are named after their region (``eu-west-1``, a second one there ``eu-west-1b``).
    ``leader_mode`` is the first leader's mode once it rejoins as a follower. With ``world`` the
    regions are checked against it.
    """
    if not isinstance(leader_region, str):
        raise ConfigError(f"the leader's region must be a region name, got {leader_region!r}")
    regions: dict[str, str] = {}
    modes: dict[str, str] = {}

    def add(region: str, mode: str) -> None:
        if world is not None:
            world.check_region(region)
        name, k = region, 1
        while name in regions:
            k += 1
            name = f"{region}{chr(ord('a') + k - 1)}"
        regions[name], modes[name] = region, mode

    add(leader_region, leader_mode)
    for spec in followers:
        if not isinstance(spec, tuple) or len(spec) != 2:
            raise ConfigError(f"each follower is a pair (region, mode), got {spec!r}")
        add(*spec)
    return Topology(regions, leader_region, modes, semi_sync_wait)


def apply_log(entries: Any, upto: int) -> dict[Any, Any]:
    """The key -> value state after applying the first ``upto`` entries."""
    state: dict[Any, Any] = {}
    for e in list(entries)[:upto]:
        state[e.key] = e.value
    return state


# -- the replica ------------------------------------------------------------------------------------------

class Replica(Node):
    """A leader or a follower, as the latest epoch it knows says (see the module docstring)."""

    def __init__(self, node_id: str, *, topology: Topology, orchestrator: str | None = None, fencing: bool = True,
                 apply_ms: float = 1.0, heartbeat: float = 50.0, batch: int = 64) -> None:
        super().__init__(node_id)
        if apply_ms < 0 or heartbeat <= 0 or batch < 1:
            raise ConfigError(f"apply_ms must be >= 0, heartbeat > 0 ms and batch >= 1; got {apply_ms}, "
                              f"{heartbeat}, {batch}")
        self.topo, self.orch, self.fencing = topology, orchestrator, fencing
        self.apply_ms, self.heartbeat, self.batch = apply_ms, heartbeat, batch

    # -- shared prologue --------------------------------------------------------------------------------
    def on_start(self) -> None:
        st = self.storage
        self.log: list[Entry] = list(st.get("log", ()))
        self.epoch: int = st.get("epoch", 1)
        self.applied, self.state = 0, {}
        self.applying = False
        self.leader: str | None = None
        self.leading = False
        if not st.get("started"):
            self.persist(started=True)
            if self.id == self.topo.leader:
                self._become_leader(self.epoch)
                return
            self.leader = self.topo.leader
        self._schedule_apply()

    def on_message(self, src: str, msg: Any) -> None:
        kind = type(msg)
        if kind is Append:
            self._on_append(src, msg)
        elif kind is AppendAck:
            self._on_ack(src, msg)
        elif kind is Write:
            self._on_write(src, msg)
        elif kind is Read:
            self.send(src, ReadReply(msg.req_id, self.state.get(msg.key), self.applied))
        elif kind is Fence:
            self._on_fence(src, msg)
        elif kind is Promote or kind is LeaderIs:
            self._on_leader(msg.epoch, msg.leader)

    def on_timer(self, name: Any) -> None:
        if name == "apply":
            self._apply_one()
        elif name == "heartbeat" and self.leading:
            self._beat()

    def _adopt(self, epoch: int) -> None:
        if epoch > self.epoch:
            self.epoch = epoch
            self.persist(epoch=epoch)

    def _step_down(self, epoch: int, leader: str | None) -> None:
        if self.leading:
            self.note(role="follower", epoch=epoch, stepped_down=True)
        self.leading = False
        self.pending: dict[int, tuple[str, int]] = {}
        self.cancel_timer("heartbeat")
        self.leader = leader

    def _on_leader(self, epoch: int, leader: str) -> None:
        if self.fencing and epoch < self.epoch:
            return
        if self.leading and not self.fencing:
            return  # without fencing an old leader never believes anyone else leads
        if leader == self.id:
            if not (self.leading and epoch == self.epoch):
                self._adopt(epoch)
                self._become_leader(epoch)
            return
        self._adopt(epoch)
        self._step_down(epoch, leader)

    def _on_fence(self, src: str, msg: Fence) -> None:
        if msg.epoch < self.epoch and self.fencing:
            return
        if self.fencing:
            self._adopt(msg.epoch)
            if self.leading:
                self._step_down(msg.epoch, None)
        last = self.log[-1].epoch if self.log else 0
        self.send(src, Status(msg.epoch, len(self.log), last))

    # -- follower -----------------------------------------------------------------------------------------
    def _on_append(self, src: str, msg: Append) -> None:
        if self.fencing and msg.epoch < self.epoch:
            self.send(src, AppendAck(self.epoch, len(self.log), False))  # you are fenced: step down
            return
        if self.leading:
            if not self.fencing or msg.epoch == self.epoch:
                return
            self._step_down(msg.epoch, src)
        self._adopt(msg.epoch)
        self.leader = src
        log, prev = self.log, msg.prev
        if prev > len(log) or (prev > 0 and log[prev - 1].epoch != msg.prev_epoch):
            if prev > len(log):
                hint = len(log)
            else:  # drop the whole run of the conflicting epoch
                e, hint = log[prev - 1].epoch, prev - 1
                while hint > 0 and log[hint - 1].epoch == e:
                    hint -= 1
            self.send(src, AppendAck(msg.epoch, hint, False))
            return
        changed = False
        for i, entry in enumerate(msg.entries):
            pos = prev + 1 + i
            if pos <= len(log):
                if log[pos - 1].epoch == entry.epoch and log[pos - 1].value == entry.value:
                    continue
                del log[pos - 1:]
                if self.applied >= pos:
                    self.applied = pos - 1
                    self.state = apply_log(log, self.applied)
            log.append(entry)
            changed = True
        if changed:
            self.persist(log=tuple(log))
        self.send(src, AppendAck(msg.epoch, prev + len(msg.entries), True))
        self._schedule_apply()

    def _schedule_apply(self) -> None:
        if self.applying or self.applied >= len(self.log):
            return
        if self.apply_ms == 0:
            while self.applied < len(self.log):
                self._apply_entry()
            return
        self.applying = True
        self.set_timer("apply", self.apply_ms)

    def _apply_entry(self) -> None:
        e = self.log[self.applied]
        self.state[e.key] = e.value
        self.applied += 1

    def _apply_one(self) -> None:
        self.applying = False
        if self.applied < len(self.log):
            self._apply_entry()
        self._schedule_apply()

    # -- leader -------------------------------------------------------------------------------------------
    def _become_leader(self, epoch: int) -> None:
        self.leading, self.leader = True, self.id
        self.pending = {}
        fs = self.topo.followers_of(self.id)
        self.match = {f: 0 for f in fs}
        self.next = {f: len(self.log) for f in fs}
        self.probed: dict[str, bool] = {}  # has f been sent an append this epoch (it learns the epoch from it)
        self.sync, self.semi, self.semi_need = self.topo.needs(self.id)
        self.commit = len(self.log)  # earlier epochs' entries are never acknowledged by this leader
        while self.applied < len(self.log):  # a leader serves reads from its whole log
            self._apply_entry()
        self.note(role="leader", epoch=epoch, position=len(self.log))
        self._beat()

    def _beat(self) -> None:
        if self.orch is not None:
            self.send(self.orch, Heartbeat(self.epoch, len(self.log)))
        for f in self.match:  # resend what is not acknowledged (a lost message, a healed partition)
            if self.match[f] < len(self.log) or not self.probed.get(f):
                self.next[f] = self.match[f]
                self._push(f, empty_ok=True)
                self.probed[f] = True
        self.set_timer("heartbeat", self.heartbeat)

    def _push(self, f: str, empty_ok: bool = False) -> None:
        start = min(self.next[f], len(self.log))
        entries = tuple(self.log[start:start + self.batch])
        if not entries and not empty_ok:
            return
        prev_epoch = self.log[start - 1].epoch if start > 0 else 0
        self.send(f, Append(self.epoch, start, prev_epoch, entries))
        self.next[f] = start + len(entries)

    def _on_write(self, src: str, msg: Write) -> None:
        if not self.leading:
            self.send(src, WriteAck(msg.req_id, False, leader=self.leader))
            return
        self.log.append(Entry(self.epoch, msg.key, msg.value, self.now()))
        self.persist(log=tuple(self.log))
        self._apply_entry()
        self.pending[len(self.log)] = (src, msg.req_id)
        for f in self.match:
            self._push(f)
        self._advance()

    def _on_ack(self, src: str, msg: AppendAck) -> None:
        if msg.epoch > self.epoch and self.fencing:
            self._adopt(msg.epoch)
            self._step_down(msg.epoch, None)
            return
        if not self.leading or msg.epoch != self.epoch or src not in self.match:
            return
        if msg.ok:
            self.match[src] = max(self.match[src], msg.position)
            self.next[src] = max(self.next[src], self.match[src])
            self._advance()
        else:  # the follower's log ends earlier or differs: resend from where it says
            self.next[src] = min(msg.position, len(self.log))
            self._push(src, empty_ok=True)

    def _durable(self, pos: int) -> bool:
        m = self.match
        if any(m[f] < pos for f in self.sync):
            return False
        return sum(1 for f in self.semi if m[f] >= pos) >= self.semi_need

    def _advance(self) -> None:
        while self.commit < len(self.log) and self._durable(self.commit + 1):
            self.commit += 1
            waiting = self.pending.pop(self.commit, None)
            if waiting is not None:
                self.send(waiting[0], WriteAck(waiting[1], True, self.commit, self.epoch))
