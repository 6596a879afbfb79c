"""Fallacy 5: topology doesn't change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dsworkbook.reliability import CounterServer, RetryClient, RetryPolicy
from dsworkbook.sim import Node, Simulation

if TYPE_CHECKING:  # pragma: no cover
    pass

from dsworkbook.fallacies._result import FallacyResult, _check_seed, _result


# -- 5. topology doesn't change -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Register:
    service: str
    address: str


@dataclass(frozen=True, slots=True)
class Lookup:
    service: str


@dataclass(frozen=True, slots=True)
class Location:
    service: str
    address: str | None


class Registry(Node):
    """A service registry (DNS, Consul, a ZooKeeper node): name -> current address."""

    def on_start(self) -> None:
        self.services: dict[str, str] = {}

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, Register):
            self.services[msg.service] = msg.address
        elif isinstance(msg, Lookup):
            self.send(src, Location(msg.service, self.services.get(msg.service)))


class RegisteredCounter(CounterServer):
    """A counter server that registers itself as ``counter`` when it starts."""

    def on_start(self) -> None:
        super().on_start()
        self.send("registry", Register("counter", self.id))


class ResolvingClient(RetryClient):
    """A retrying client that asks the registry where the service is now before each retry."""

    def before_retry(self, retry: int) -> None:
        self.send("registry", Lookup("counter"))

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, Location):
            if msg.address is not None:
                self.server = msg.address
        else:
            super().on_message(src, msg)


def _move_run(seed: int, client: type[RetryClient], move_at: float) -> dict[str, Any]:
    sim = Simulation(seed=seed, latency=(1, 10))
    sim.add_node("registry", Registry)
    sim.add_node("s1", RegisteredCounter)
    policy = RetryPolicy(timeout=30, max_attempts=4, base=10, cap=200)
    sim.add_node("client", client, server="s1", ops=[("incr", 1)] * 20, policy=policy, start_at=5, think=15)
    sim.at(move_at, sim.crash, "s1")
    sim.at(move_at, sim.add_node, "s2", RegisteredCounter)
    sim.run(until=10_000)
    late = [op for op in sim.history if op.invoke_time >= move_at]
    return {"ops": len(sim.history), "ok": sim.history.counts()["ok"], "unknown": sim.history.counts()["unknown"],
            "ops after the move": len(late), "ok after the move": sum(op.outcome == "ok" for op in late)}


def topology_does_not_change(seed: int = 0) -> FallacyResult:
    """A client with a hard-coded server address vs one that re-resolves through a registry."""
    seed = _check_seed(seed)
    naive, fixed = _move_run(seed, RetryClient, 150.0), _move_run(seed, ResolvingClient, 150.0)
    broke = naive["unknown"] > 0
    held = fixed["unknown"] == 0 and fixed["ok"] == fixed["ops"] and fixed["ops after the move"] > 0
    return _result(5, seed, """
        A client increments a counter twenty times. At 150 ms the operations team replaces the
        server s1 by a new machine, s2, which registers itself in the service registry. The naive client
        looked the address up once and keeps sending to s1, as if the network's shape were
        fixed: every operation after the move times out. The fixed client asks the registry
        again whenever an attempt times out, finds s2 and carries on.""", naive, fixed, broke, held,
        f"naive: {naive['ok after the move']}/{naive['ops after the move']} ops ok after the move; "
        f"fixed: {fixed['ok after the move']}/{fixed['ops after the move']}.")
