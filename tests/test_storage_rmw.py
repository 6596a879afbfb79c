"""The lost update: read-modify-write cycles lose increments on an atomic store; compare-and-set does not."""

from __future__ import annotations

import pytest

from dsworkbook.checkers import check_linearizable, from_sim_history
from dsworkbook.errors import ConfigError
from dsworkbook.sim import Request, Response, Simulation
from dsworkbook.storage import IncrementClient, KVClient, LeaderKV, Refused, detect_lost_update


def _run(mode: str, seed: int, *, clients: int = 2, increments: int = 3) -> Simulation:
    sim = Simulation(seed=seed, latency=(2, 8))
    sim.add_node("n1", LeaderKV)
    for i in range(1, clients + 1):
        sim.add_node(f"c{i}", IncrementClient, server="n1", increments=increments, mode=mode)
    sim.add_node("r", KVClient, servers=("n1",), ops=(("read", "x", None),), start_at=2000.0)
    sim.run(until=3000.0)
    return sim


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_two_blind_read_modify_write_cycles_lose_increments(seed):
    sim = _run("blind", seed)
    acked = sum(1 for op in sim.history if op.f == "write" and op.outcome == "ok")
    assert acked == 6 and sim.history[-1].output < acked
    assert detect_lost_update(sim.history)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_history_that_lost_them_is_linearizable_every_single_operation_was_atomic(seed):
    sim = _run("blind", seed)
    assert check_linearizable(from_sim_history(sim.history), model="kv").ok is True


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_compare_and_set_with_retries_counts_every_increment(seed):
    sim = _run("cas", seed, clients=3)
    assert sim.history[-1].output == 9
    assert not detect_lost_update(sim.history)
    assert any(op.f == "cas" and op.outcome == "fail" for op in sim.history)  # sometimes a retry was needed


def test_a_compare_and_set_applies_only_if_the_value_is_the_expected_one():
    node = LeaderKV("n1")
    node.on_start()
    node.on_client_request("c", Request(1, "cas", ("x", (None, 1))))
    node.on_client_request("c", Request(2, "cas", ("x", (None, 2))))
    node.on_client_request("c", Request(3, "read", ("x", None)))
    replies = [e.msg for e in node.take_effects() if type(e).__name__ == "Send"]
    assert replies[0] == Response(1, True, True)
    assert replies[1].ok is False and isinstance(replies[1].value, Refused) and not replies[1].value.maybe_applied
    assert replies[2] == Response(3, True, 1)


def test_a_duplicated_request_is_applied_once():
    node = LeaderKV("n1")
    node.on_start()
    for _ in range(2):
        node.on_client_request("c", Request(1, "write", ("x", 5)))
    sends = [e for e in node.take_effects() if type(e).__name__ == "Send"]
    assert len(sends) == 1


def test_increment_client_settings_are_checked():
    with pytest.raises(ConfigError, match="mode must be one of"):
        IncrementClient("c1", server="n1", mode="atomic")
    with pytest.raises(ConfigError, match="increments"):
        IncrementClient("c1", server="n1", increments=-1)
