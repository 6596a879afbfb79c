"""The Raft campaign: a key-value store on Raft, on many seeds of faults; what it checks and how it shrinks.

Theory of operation
-------------------
One Raft fuzz run (:func:`raft_run`) builds a 5-server cluster (or ``servers`` servers) serving
the key-value store to five clients (30 random gets and puts each), applies a fault schedule
for :data:`FAULT_PHASE` ms, then repairs everything (heal the network, end loss and
duplication, restart crashed servers) and lets it settle for :data:`SETTLE` ms. Two verdicts
come out of every run, the always/sometimes pair of :func:`dsworkbook.sim.fuzz`:

* *always* (:func:`raft_problem`): the five safety properties of Figure 3, checked from the
  trace (:mod:`dsworkbook.consensus.raft_invariants`), **and** the clients' history checked
  for linearizability against a key-value store (:func:`~dsworkbook.consensus.raft_kv.kv_violation`).
  A store can keep every internal property and still answer a client wrongly - a leader that
  answers reads from its own state after it was deposed breaks none of the five - so the
  campaign checks what the clients saw, too;
* *sometimes* (:func:`raft_progress`): every client got every one of its commands committed
  and answered.

Seeds come in two **families** (:func:`family_of`; a third for reads that skip the log, below):

* ``random`` (three seeds in four; :func:`raft_schedule`): drawn with
  :meth:`FaultSchedule.random` in two layers. *Episodes* - two faults of any kind in each
  400 ms slice: partitions (clients on either side, so a client can be stuck with a minority
  and its old leader), one-way cuts (between servers, or a client and a server), crashes
  (one in three tears a handler: it keeps only its first few effects), loss and duplication
  bursts with reordering, pauses, clock jumps and drift. *Blips* - a crash and a restart a
  few ms later in each 20 ms slice, at a random server, one in three of them torn. Blips make
  elections frequent and catch servers in the middle of a handler, between a reply and a
  write to disk, which is where the persistence bugs show (a forgotten vote, a lost entry).
* ``stale tail`` (one seed in four, ``seed % 4 == 3``; :func:`stale_tail_schedule`): a
  scenario generator for the follower's side of the commit rule. Again and again, a random
  pair of servers is cut off with two clients: if the leader is in the pair it keeps
  appending the clients' commands, which reach only the other server of the pair - a *stale
  tail*. Meanwhile the majority elects new leaders (crashes on its side make it go through
  several terms) and commits past the tail's indexes. When the network heals, the latest
  leader's heartbeats carry a commit index above the tail. Its servers use the term back-off
  of §5.3: with the one-entry or length back-off, the first AppendEntries a follower accepts
  in a term always carries the first entry where its log conflicts with the leader's, so it
  cuts the tail before any commit index is applied to it; the term back-off can land below
  the tail, on entries that agree, and leave it in place (for correct Raft, safely: Figure 2
  commits only up to the last *new* entry).

A campaign whose reads skip the log (``options={"read_mode": "read_index"}`` or ``"lease"``, or
the ``lease_read_clock_drift`` variant) swaps one random seed in four (``seed % 4 == 1``) for a
third family, ``clock`` (:func:`clock_schedule`): a random pair of servers is cut off and their
clocks are stepped back by 500-1000 ms; once the others have moved on, three clients are moved
to their side; clocks drift within the drift bound. When the pair held the leader, a lease
timed on its wall clock still holds, and it answers the clients' reads from a state the new
leader's writes have overwritten; a lease timed by timers, and ReadIndex, do not care.
Campaigns with reads through the log are unchanged.

Timeouts are short (50-100 ms elections, 20 ms heartbeats) so that a run of a few seconds sees
dozens of terms.

:func:`fuzz_raft` runs a campaign, optionally in several processes (seeds are independent),
and shrinks the first violation (:func:`shrink_violation`): faults after the violation cannot
have caused it (the run is deterministic and every node and link draws from its own random
stream), so they are dropped first, and the shrinking replays only run up to that moment.
:func:`explain` turns a violation into plain words. ``options`` sets further
:class:`~dsworkbook.consensus.raft.RaftConfig` fields for every server of a campaign - for
instance ``{"backoff": "term"}`` to fuzz the back-off optimisation of §5.3 (the stale-tail
family runs with it whatever ``options`` say), or ``{"snapshot_every": 8}`` (``--snapshot_every
8`` on the command line; ``"off"`` is the default) to fuzz log compaction (§7): every server
snapshots every 8 applied entries, and the followers that the episodes' partitions and crashes
leave behind catch up by InstallSnapshot. The same families, checks and shrinking apply; the
``snapshot_without_sessions`` variant switches compaction on by itself.

``{"membership": "single"}`` or ``"joint"`` (``--membership single|joint``) changes the cluster
while the faults run (:mod:`~dsworkbook.consensus.raft.membership_run`): two spare servers
``n6``, ``n7`` wait to be added, and two administrators each send :data:`MEMBERSHIP_CHANGES`
changes (learners added and promoted, voters added and removed - the leader too - one at a
time, or whole voter sets replaced by joint consensus), so that changes race each other,
elections and every fault; the spares are in the fault schedule too, and the operator shuts
down what a committed configuration leaves out. The same checks apply (the safety checker counts
each server's own configuration), and *progress* also needs every administrator answered. The
``change_before_term_commit`` variant switches single-server changes on by itself. Membership
campaigns run with PreVote (thesis §4.2.3: a removed server that missed its removal must not
depose the leader with ever higher terms) and batches of up to 8 entries (a server added from
nothing catches up in a few round trips) unless ``options`` say otherwise, and swap one random
seed in four (``seed % 4 == 2``) for a fourth family, ``membership race``: episodes without
blips, plus the targeted :func:`~dsworkbook.consensus.raft.membership_run.race_nemesis`, which
isolates a leader whose configuration entry is not committed yet while another administrator
removes a voter - the interleaving of the single-server bug.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

from dsworkbook.consensus.fuzzing.common import repair
from dsworkbook.consensus.raft import RaftConfig, client_ids, server_ids
from dsworkbook.consensus.raft.membership_run import (MODES, admins_of, committed_members, membership_sim, race_nemesis,
                                                      race_plans, spare_ids)
from dsworkbook.consensus.raft_invariants import check_safety
from dsworkbook.consensus.raft_kv import kv_sim, kv_violation
from dsworkbook.errors import ConfigError
from dsworkbook.sim import (ClockDrift, ClockJump, Crash, FaultSchedule, FuzzReport, Heal, Partition, Restart,
                            ShrinkResult, Simulation, fuzz, shrink)
from dsworkbook.sim.fuzz import fuzz_in_processes

__all__ = ["FAULT_PHASE", "SETTLE", "SERVERS", "CLIENTS", "FAMILIES", "STALE_TAIL_OPTIONS", "raft_config",
           "snapshot_option",
           "raft_schedule", "stale_tail_schedule", "clock_schedule", "family_of", "campaign_schedule", "campaign_run",
           "raft_run", "raft_progress", "Problem", "raft_problem", "raft_invariant", "shrink_violation", "fuzz_raft",
           "explain", "membership_option", "MEMBERSHIP_CHANGES", "SPARES"]

SERVERS = tuple(server_ids(5))
CLIENTS = 5
OPS = 30
FAULT_PHASE = 4000.0
SETTLE = 1500.0
EPISODE, BLIP = 400.0, 20.0
#: ms after the violation by which a shrinking candidate must break the same property (shrink_violation)
SHRINK_SLACK = 500.0
#: membership campaigns: servers waiting to be added, and the changes each of the two administrators sends
SPARES = 2
MEMBERSHIP_CHANGES = 6
#: the variants that switch membership changes on by themselves (and in which mode)
MEMBERSHIP_VARIANTS = {"change_before_term_commit": "single"}
#: seed % STALE_TAIL_EVERY == STALE_TAIL_EVERY - 1: a stale-tail scenario
STALE_TAIL_EVERY = 4
#: RaftConfig fields the stale-tail family sets (see the module docstring)
STALE_TAIL_OPTIONS: dict[str, Any] = {"backoff": "term"}
#: seed % STALE_TAIL_EVERY == CLOCK_FAMILY: a clock scenario, in campaigns whose reads skip the log
CLOCK_FAMILY = 1
FAMILIES = {"random": "random fault schedules in two layers: episodes and blips (raft_schedule)",
            "stale tail": "a pair cut off with two clients, again and again, while the majority changes leaders "
                          "(stale_tail_schedule; term back-off)",
            "clock": "a pair cut off while their clocks are stepped back, then clients moved to their side; clocks "
                     "drifting within the lease's bound (clock_schedule; only for reads that skip the log)",
            "membership race": "episodes without blips, and a leader with an uncommitted configuration entry cut off "
                               "while a voter is being removed (race_nemesis; only with membership changes)"}
#: seed % STALE_TAIL_EVERY == RACE_FAMILY: a membership race, in membership campaigns
RACE_FAMILY = 2


def snapshot_option(value: Any) -> int | None:
    """``snapshot_every`` as the command line gives it (``"off"``, ``"8"``) or as a RaftConfig takes it."""
    if value is None or value == "off":
        return None
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            raise ConfigError(f"snapshot_every must be 'off' or a whole number of entries, got {value!r}") from None
    return value


def membership_option(value: Any, variant: str = "correct") -> str | None:
    """``membership`` as the command line gives it (``"off"``, ``"single"``, ``"joint"``); a variant may imply it."""
    if value is None or value == "off":
        return MEMBERSHIP_VARIANTS.get(variant)
    if value not in MODES:
        raise ConfigError(f"membership must be 'off' or one of {list(MODES)}, got {value!r}")
    return value


def raft_config(variant: str = "correct", **overrides: Any) -> RaftConfig:
    """The campaign's configuration: short timeouts so that a run sees many terms."""
    base: dict[str, Any] = {"election_timeout": (50.0, 100.0), "heartbeat": 20.0, "variant": variant}
    base.update(overrides)
    if "snapshot_every" in base:
        base["snapshot_every"] = snapshot_option(base["snapshot_every"])
    return RaftConfig(**base)


# -- schedules -------------------------------------------------------------------------------------


def raft_schedule(seed: int, nodes: Sequence[str] = SERVERS, duration: float = FAULT_PHASE,
                  clients: Sequence[str] | None = None, blips: bool = True) -> FaultSchedule:
    """The random family: episodes (two faults of any kind per 400 ms) plus blips (a crash-restart per 20 ms).

    ``clients`` (default: the campaign's five, ``c1..c5``) are put on partition sides and in cuts.
    """
    clients = client_ids(CLIENTS) if clients is None else list(clients)
    out: list[Any] = []
    for k in range(int(duration // EPISODE)):
        out += FaultSchedule.random(seed * 10_007 + k, nodes, duration=EPISODE / 1.1, faults=2, start=k * EPISODE,
                                    clients=clients)
    for k in range(int(duration // BLIP) if blips else 0):
        out += FaultSchedule.random(seed * 100_003 + k, nodes, duration=BLIP / 1.1, faults=1, start=k * BLIP,
                                    kinds=("crash",))
    return FaultSchedule(out)


def stale_tail_schedule(seed: int, nodes: Sequence[str] = SERVERS, duration: float = FAULT_PHASE,
                        clients: Sequence[str] | None = None) -> FaultSchedule:
    """The stale-tail family (see the module docstring): isolate a pair with two clients, change leaders, heal.

    In each 500 ms round: at 100-200 ms a random pair of servers and two random clients are cut
    off from the rest for 250-350 ms; two crashes of 20-40 ms each hit servers of the majority
    side during the cut (a crash of its leader forces a new term there). Everything heals
    before the next round.
    """
    clients = client_ids(CLIENTS) if clients is None else list(clients)
    if len(nodes) < 3:
        raise ConfigError(f"a stale-tail scenario needs at least 3 servers, got {list(nodes)}")
    rng = random.Random(f"raft-stale-tail:{seed}")
    out: list[Any] = []
    for start in range(0, int(duration) - 499, 500):
        t0 = round(start + rng.uniform(100, 200), 1)
        t1 = round(t0 + rng.uniform(250, 350), 1)
        pair = rng.sample(list(nodes), 2)
        side = sorted(pair + rng.sample(clients, min(2, len(clients))))
        out += [Partition(t0, (tuple(side),)), Heal(t1)]
        majority = [n for n in nodes if n not in pair]
        for k in range(2):
            at = round(t0 + 60 + k * (t1 - t0 - 100) / 2 + rng.uniform(0, 40), 1)
            node = rng.choice(majority)
            out += [Crash(at, node), Restart(round(at + rng.uniform(20, 40), 1), node)]
    return FaultSchedule(out)


def clock_schedule(seed: int, nodes: Sequence[str] = SERVERS, duration: float = FAULT_PHASE,
                   clients: Sequence[str] | None = None) -> FaultSchedule:
    """The clock family (see the module docstring): cut a pair off, step their clocks back, send them clients.

    Every 600 ms: at 100-150 ms a random pair of servers is cut off, and within 20 ms their
    clocks jump back by 500-1000 ms; 110-150 ms into the cut, three random clients are moved to
    their side (they can reach only the pair); everything heals 300-350 ms later. A random
    server's drift is set within +-4% each round (two clocks then differ by at most 8.4%, inside
    the default ``clock_drift_bound`` of 20%). If the pair held the leader, the majority has
    elected another leader and taken writes by the time the clients arrive.
    """
    clients = client_ids(CLIENTS) if clients is None else list(clients)
    rng = random.Random(f"raft-clock:{seed}")
    out: list[Any] = []
    for start in range(0, int(duration) - 649, 600):
        t0 = round(start + rng.uniform(100, 150), 1)
        t1 = round(t0 + rng.uniform(110, 150), 1)
        t2 = round(t1 + rng.uniform(300, 350), 1)
        pair = sorted(rng.sample(list(nodes), 2))
        side = sorted([*pair, *rng.sample(clients, min(3, len(clients)))])
        out += [Partition(t0, (tuple(pair),)), Partition(t1, (tuple(side),)), Heal(t2)]
        out += [ClockJump(round(t0 + rng.uniform(0, 20), 1), server, -round(rng.uniform(500, 1000), 1))
                for server in pair]
        out.append(ClockDrift(round(start + rng.uniform(0, 100), 1), rng.choice(list(nodes)),
                              round(rng.uniform(-0.04, 0.04), 4)))
    return FaultSchedule(out)


def _reads_skip_log(variant: str, options: Mapping[str, Any] | None) -> bool:
    return variant == "lease_read_clock_drift" or dict(options or {}).get("read_mode", "log") != "log"


def family_of(seed: int, *, variant: str = "correct", options: Mapping[str, Any] | None = None) -> str:
    """Which family seed ``seed`` belongs to: ``"stale tail"`` for one seed in four, ``"clock"`` for another
    when reads skip the log (``variant``/``options`` say), else ``"random"``."""
    if seed % STALE_TAIL_EVERY == STALE_TAIL_EVERY - 1:
        return "stale tail"
    if seed % STALE_TAIL_EVERY == CLOCK_FAMILY and _reads_skip_log(variant, options):
        return "clock"
    if seed % STALE_TAIL_EVERY == RACE_FAMILY and membership_option(dict(options or {}).get("membership"), variant):
        return "membership race"
    return "random"


def campaign_schedule(seed: int, *, variant: str = "correct",
                      options: Mapping[str, Any] | None = None) -> FaultSchedule:
    """The schedule the campaign runs for ``seed`` (its family's)."""
    family = family_of(seed, variant=variant, options=options)
    if family == "stale tail":
        return stale_tail_schedule(seed)
    if family == "clock":
        return clock_schedule(seed)
    if membership_option(dict(options or {}).get("membership"), variant) is not None:
        pool = SERVERS + tuple(spare_ids(len(SERVERS), SPARES))  # the spares fail too
        return raft_schedule(seed, pool, blips=family != "membership race")
    return raft_schedule(seed)


# -- one run ---------------------------------------------------------------------------------------


def raft_run(seed: int, schedule: FaultSchedule, *, variant: str = "correct", config: RaftConfig | None = None,
             clients: int = CLIENTS, ops: int = OPS, node_class: Any = None, store: Any = None, servers: int = 5,
             options: Mapping[str, Any] | None = None, until: float | None = None, nemesis: bool = False) -> Simulation:
    """One fuzz run (see the module docstring); deterministic in (seed, schedule).

    ``nemesis`` adds the membership race's targeted partitions (membership campaigns only).

    ``node_class`` and ``store`` swap in another server class or state machine (exercises do);
    ``servers`` sizes the cluster (``n1..nN``; draw its schedule with ``raft_schedule(seed,
    server_ids(N))``); ``options`` are further RaftConfig fields (ignored when ``config`` is given).
    ``until`` stops the run early, at that time (the run up to then is the same as the full run's).
    """
    extra = {"store": store} if store is not None else {}
    opts = dict(options or {})
    membership = membership_option(opts.pop("membership", None), variant)
    if membership is not None:
        opts.setdefault("prevote", True)  # thesis §4.2.3: removed servers must not disrupt the cluster
        opts.setdefault("max_batch", 8)   # a server added from nothing catches up in a few round trips
    config = config or raft_config(variant, **opts)
    if membership is None:
        sim = kv_sim(seed, clients=clients, ops=ops, servers=servers, config=config, client_timeout=100.0,
                     think=10.0, node_class=node_class, **extra)
        pool = server_ids(servers)
    else:
        spares = SPARES
        if nemesis:  # the race starts from four voters (any majority of 4 + 1 and of 4 - 1 may miss each other)
            servers, spares = servers - 1, SPARES + 1
        pool = server_ids(servers) + spare_ids(servers, spares)
        plans = race_plans(seed, server_ids(servers), spare_ids(servers, spares), changes=2 * MEMBERSHIP_CHANGES) \
            if nemesis else None
        sim = membership_sim(seed, mode=membership, servers=servers, spares=spares, admins=2,
                             changes=MEMBERSHIP_CHANGES, gap=60.0 if nemesis else 200.0, config=config, clients=clients,
                             ops=ops, node_class=node_class, plans=plans, **extra)
        if nemesis:
            race_nemesis(sim, pool, until=FAULT_PHASE)
    schedule.apply_to(sim)
    end = FAULT_PHASE + SETTLE if until is None else min(until, FAULT_PHASE + SETTLE)
    sim.run(until=min(end, FAULT_PHASE))
    if end > FAULT_PHASE:
        keep = committed_members(sim)  # servers the operator shut down stay down
        repair(sim, [s for s in pool if keep is None or s in keep])
        sim.run(until=end)
    return sim


def campaign_run(seed: int, schedule: FaultSchedule, *, variant: str = "correct",
                 options: Mapping[str, Any] | None = None, until: float | None = None) -> Simulation:
    """:func:`raft_run` as the campaign runs ``seed``: with its family's options (see :data:`STALE_TAIL_OPTIONS`)."""
    opts = dict(options or {})
    if family_of(seed) == "stale tail":
        opts.update(STALE_TAIL_OPTIONS)
    race = family_of(seed, variant=variant, options=options) == "membership race"
    return raft_run(seed, schedule, variant=variant, options=opts, until=until, nemesis=race)


def raft_progress(sim: Simulation) -> bool:
    """The *sometimes* half: every client's commands were all committed and answered."""
    return all(sim.node(n).done for n in sim.node_ids if n.startswith("c")) and all(a.done for a in admins_of(sim))


# -- what is checked -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """The first thing a run got wrong: a safety property or linearizability, when, in plain words."""

    property: str
    time: float
    message: str


def raft_problem(sim: Simulation) -> Problem | None:
    """The campaign's *always* check: the five safety properties, then the clients' history (linearizable kv).

    A safety violation is reported first when both break (it is usually the cause).
    """
    report = check_safety(sim, limit=5)
    if not report.ok:
        v = report.violations[0]
        return Problem(v.property, v.time, v.describe())
    kv = kv_violation(sim.history)
    if kv is not None:
        return Problem(kv.property, kv.time, kv.describe())
    return None


def raft_invariant(sim: Simulation) -> str | None:
    """None when the run is fine, else one line: what broke first (see :func:`raft_problem`)."""
    problem = raft_problem(sim)
    return None if problem is None else problem.message


def shrink_violation(seed: int, schedule: FaultSchedule, *, variant: str = "correct",
                     options: Mapping[str, Any] | None = None, max_runs: int = 200) -> tuple[ShrinkResult, Problem]:
    """The smallest schedule found that still breaks, on ``seed``, the property ``schedule`` broke first.

    The violation happened at some time t: the faults after t are dropped at once (they cannot
    have caused it), and every replay runs only up to t + :data:`SHRINK_SLACK` - a candidate
    must break the same property by then. (Up to t exactly is too strict: a smaller schedule
    often breaks the property a little later, and demanding it by t leaves the search stuck at
    a dozen faults; running every replay to the end costs five times more.) Returns the shrink
    result and the problem the shrunk schedule causes in a full run.
    """
    run = functools.partial(campaign_run, variant=variant, options=options)
    problem = raft_problem(run(seed, schedule))
    if problem is None:
        raise ConfigError(f"seed {seed}: this schedule breaks nothing ({variant}); there is nothing to shrink")
    cut = problem.time
    head = FaultSchedule(f for f in schedule if f.at <= cut)

    def fails(candidate: FaultSchedule) -> bool:
        found = raft_problem(run(seed, candidate, until=cut + SHRINK_SLACK))
        return found is not None and found.property == problem.property

    result = shrink(head, fails, max_runs=max_runs)
    replayed = raft_problem(run(seed, result.schedule))
    if replayed is None:  # the run up to `cut + SHRINK_SLACK` is the same in the full run: this cannot happen
        raise AssertionError(f"seed {seed}: the shrunk schedule broke {problem.property} up to "
                             f"t={cut + SHRINK_SLACK:g} but not in a full replay; the run is not deterministic")
    return ShrinkResult(schedule, result.schedule, result.runs + 2), replayed


# -- campaigns -------------------------------------------------------------------------------------


def _campaign(seeds: Sequence[int], variant: str, stop_after: int | None,
              on_seed: Callable[[int, FuzzReport], None] | None = None,
              options: Mapping[str, Any] | None = None) -> FuzzReport:
    return fuzz(functools.partial(campaign_run, variant=variant, options=options), raft_invariant, seeds=seeds,
                schedule=functools.partial(campaign_schedule, variant=variant, options=options), progress=raft_progress,
                shrink_first=False, stop_after=stop_after, on_seed=on_seed)


def fuzz_raft(seeds: int | Iterable[int], *, variant: str = "correct", processes: int = 1, shrink_first: bool = True,
              stop_after: int | None = None, max_shrink_runs: int = 200,
              on_seed: Callable[[int, FuzzReport], None] | None = None,
              options: Mapping[str, Any] | None = None) -> FuzzReport:
    """Run the Raft campaign on ``seeds`` (an int N means seeds 0..N-1).

    With ``processes`` > 1 the seeds are split over that many processes; the first violation
    (lowest seed) is then shrunk here (:func:`shrink_violation`, at most ``max_shrink_runs``
    replays). ``on_seed(seed, report)`` is called as seeds finish. ``options`` are further
    RaftConfig fields for every server (e.g. ``{"backoff": "term"}``).
    """
    seed_list = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    if isinstance(processes, bool) or not isinstance(processes, int) or processes < 1:
        raise ConfigError(f"processes must be an int >= 1, got {processes!r}")
    options = dict(options or {})
    if "variant" in options:
        raise ConfigError("pass the variant as variant=..., not inside options")
    try:
        membership_option(options.get("membership"), variant)
        raft_config(variant, **{k: v for k, v in options.items() if k != "membership"})  # fail before any work
    except TypeError as exc:
        raise ConfigError(f"options must be RaftConfig fields: {exc}") from None
    if processes == 1 or len(seed_list) < 2 * processes:
        report = _campaign(seed_list, variant, stop_after, on_seed, options)
    else:
        report = fuzz_in_processes(functools.partial(_campaign, variant=variant, stop_after=None, options=options),
                                   seed_list, processes, stop_after=stop_after, on_seed=on_seed)
    if shrink_first and report.violations:
        first = report.violations[0]
        shrunk, _ = shrink_violation(first.seed, first.schedule, variant=variant, options=options,
                                     max_runs=max_shrink_runs)
        report.violations[0] = type(first)(first.seed, first.message, first.schedule, shrunk)
    return report


def explain(seed: int, schedule: FaultSchedule, *, variant: str = "correct",
            options: Mapping[str, Any] | None = None) -> str:
    """Replay ``seed`` with ``schedule`` (as the campaign runs it) and say, in plain words, what broke."""
    sim = campaign_run(seed, schedule, variant=variant, options=options)
    report = check_safety(sim)
    kv = kv_violation(sim.history)
    if report.ok and kv is None:
        return f"seed {seed}: no safety property broke ({report.summary()}) and the clients' history is linearizable"
    lines = [f"seed {seed}, variant {variant!r} ({family_of(seed, variant=variant, options=options)} family):"]
    lines += [f"  - {v.describe()}" for v in report.violations[:5]]
    if kv is not None:
        lines.append(f"  - {kv.describe()}")
    return "\n".join(lines)
