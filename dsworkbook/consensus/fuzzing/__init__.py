"""Fuzz campaigns for the consensus protocols: Raft (``raft``), single-decree Paxos (``paxos``).

Each campaign runs a protocol on many seeds of random fault schedules, checks its safety
properties on every run (*always*) and counts the runs that made progress (*sometimes*), and
shrinks the first violation. Importing this package registers them, so ``dsworkbook fuzz raft``
and ``dsworkbook fuzz paxos`` run them; :mod:`.raft` and :mod:`.paxos` hold the runs.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from dsworkbook.consensus.fuzzing.common import repair
from dsworkbook.consensus.fuzzing.paxos import (PAXOS_ACCEPTORS, fuzz_paxos, paxos_invariant, paxos_progress,
                                                paxos_run, paxos_schedule)
from dsworkbook.consensus.fuzzing.raft import (CLIENTS, FAMILIES, FAULT_PHASE, SERVERS, SETTLE, Problem, campaign_run,
                                               campaign_schedule, explain, family_of, fuzz_raft, raft_config,
                                               raft_invariant, raft_problem, raft_progress, raft_run, raft_schedule,
                                               shrink_violation, stale_tail_schedule, clock_schedule)
from dsworkbook.consensus.paxos import PAXOS_VARIANTS
from dsworkbook.consensus.raft import VARIANTS as RAFT_VARIANTS
from dsworkbook.sim.fuzz import Campaign, FuzzReport, default_processes, register_campaign

__all__ = ["FAULT_PHASE", "SETTLE", "SERVERS", "CLIENTS", "FAMILIES", "raft_config", "raft_schedule", "clock_schedule",
           "stale_tail_schedule", "family_of", "campaign_schedule", "campaign_run", "raft_run", "raft_progress",
           "Problem", "raft_problem", "raft_invariant", "shrink_violation", "fuzz_raft", "explain", "repair",
           "PAXOS_ACCEPTORS", "paxos_schedule", "paxos_run",
           "paxos_invariant", "paxos_progress", "fuzz_paxos", "default_processes"]


def _raft(seeds: Sequence[int], *, variant: str, processes: int, shrink_first: bool, max_shrink_runs: int,
          on_seed: Callable[[int, FuzzReport], None] | None, options: dict[str, Any]) -> FuzzReport:
    return fuzz_raft(seeds, variant=variant, processes=processes, shrink_first=shrink_first,
                     max_shrink_runs=max_shrink_runs, on_seed=on_seed, options=options)


def _paxos(seeds: Sequence[int], *, variant: str, processes: int, shrink_first: bool, max_shrink_runs: int,
           on_seed: Callable[[int, FuzzReport], None] | None, options: dict[str, Any]) -> FuzzReport:
    return fuzz_paxos(seeds, variant=variant, shrink_first=shrink_first, on_seed=on_seed)


register_campaign(Campaign(
    "raft", "Raft's five safety properties and linearizable clients of its key-value store (5 servers, 5 clients, "
    "random faults, a stale-tail family, and a clock family when reads skip the log: --read_mode read_index|lease; "
    "log compaction with InstallSnapshot: --snapshot_every 8|32; servers added and removed while faults run: "
    "--membership single|joint); progress: every command committed (and every membership change answered)",
    _raft, tuple(RAFT_VARIANTS), options={"backoff": ("length", "one", "term"),
                                          "read_mode": ("log", "read_index", "lease"),
                                          "snapshot_every": ("off", "8", "32"),
                                          "membership": ("off", "single", "joint")}, parallel=True))
register_campaign(Campaign(
    "paxos", "single-decree Paxos's agreement, validity, integrity (4 proposers, 5 acceptors); progress: all decide",
    _paxos, tuple(PAXOS_VARIANTS)))


# -- Multi-Paxos ---------------------------------------------------------------------------------------------

from dsworkbook.consensus.fuzzing.multipaxos import fuzz_multipaxos  # noqa: E402
from dsworkbook.consensus.multipaxos import MULTIPAXOS_VARIANTS  # noqa: E402


def _multipaxos(seeds: Sequence[int], *, variant: str, processes: int, shrink_first: bool, max_shrink_runs: int,
                on_seed: Callable[[int, FuzzReport], None] | None, options: dict[str, Any]) -> FuzzReport:
    return fuzz_multipaxos(seeds, variant=variant, processes=processes, shrink_first=shrink_first,
                           max_shrink_runs=max_shrink_runs, on_seed=on_seed)


register_campaign(Campaign(
    "multipaxos", "a key-value store on Multi-Paxos (5 servers, 5 clients, 20 faults, 15% loss): agreement on every "
    "replica's log, one value per ballot and slot, validity, linearizable clients, no replica stuck once the faults "
    "end; progress: every command answered", _multipaxos, tuple(MULTIPAXOS_VARIANTS), parallel=True))
__all__ += ["fuzz_multipaxos"]
