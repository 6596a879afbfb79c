"""What every consensus campaign shares: ending every fault before the system settles.

:func:`repair` is the end of a campaign run's fault phase: heal the network, stop loss,
duplication and reordering, disarm torn crashes that have not struck, restart crashed servers.
"""

from __future__ import annotations

from typing import Iterable

from dsworkbook.sim import DOWN, Simulation

__all__ = ["repair"]


def repair(sim: Simulation, servers: Iterable[str]) -> None:
    """End every fault: heal the network, stop loss/duplication/reordering, disarm torn crashes that
    have not struck, restart crashed servers."""
    sim.net.heal()
    sim.net.configure(loss=0.0, duplicate=0.0, reorder=0.0)
    for n in servers:
        sim.cancel_crash(n)
        if sim.status(n) == DOWN:
            sim.restart(n)
