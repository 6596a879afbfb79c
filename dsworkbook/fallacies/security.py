"""Fallacy 4: the network is secure."""

from __future__ import annotations

import hashlib
import hmac
import random
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from dsworkbook.sim import Node, Simulation

if TYPE_CHECKING:  # pragma: no cover
    pass

from dsworkbook.fallacies._result import FallacyResult, _check_seed, _result


# -- 4. the network is secure -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Transfer:
    """Move ``amount`` from ``sender``'s account to ``to``; ``mac`` authenticates the fields."""

    sender: str
    to: str
    amount: int
    seq: int
    mac: str = ""

    def payload(self) -> bytes:
        return f"{self.sender}|{self.to}|{self.amount}|{self.seq}".encode()


def sign(key: bytes, transfer: Transfer) -> Transfer:
    """``transfer`` with an HMAC-SHA256 over its fields (RFC 2104), keyed with the sender's key."""
    return replace(transfer, mac=hmac.new(key, transfer.payload(), hashlib.sha256).hexdigest())


class Payer(Node):
    """Sends prepared messages to ``bank`` at the given times (``[(at_ms, message), ...]``)."""

    def __init__(self, node_id: str, *, bank: str, messages: Sequence[tuple[float, Any]]) -> None:
        super().__init__(node_id)
        self.bank, self.messages = bank, list(messages)

    def on_start(self) -> None:
        for i, (at, _msg) in enumerate(self.messages):
            self.set_timer(i, at)

    def on_timer(self, name: Any) -> None:
        self.send(self.bank, self.messages[name][1])


class Bank(Node):
    """Applies transfers. ``keys=None`` trusts the ``sender`` field (naive); with per-account
    keys it checks the HMAC and that ``seq`` grows, which rejects forgeries and replays."""

    def __init__(self, node_id: str, *, balances: Mapping[str, int], keys: Mapping[str, bytes] | None) -> None:
        super().__init__(node_id)
        self.initial, self.keys = dict(balances), keys

    def on_start(self) -> None:
        self.balances = dict(self.initial)
        self.last_seq: dict[str, int] = {}
        self.accepted: list[tuple[str, Transfer]] = []

    def authentic(self, msg: Transfer) -> bool:
        if self.keys is None:
            return msg.sender in self.balances
        key = self.keys.get(msg.sender)
        if key is None or not hmac.compare_digest(sign(key, msg).mac, msg.mac):
            return False
        return msg.seq > self.last_seq.get(msg.sender, 0)

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, Transfer) and self.authentic(msg) and msg.to in self.balances:
            self.last_seq[msg.sender] = msg.seq
            self.balances[msg.sender] -= msg.amount
            self.balances[msg.to] += msg.amount
            self.accepted.append((src, msg))


def _bank_run(seed: int, verify: bool) -> dict[str, Any]:
    # Keys are drawn from the seed so the run can be replayed; real keys come from `secrets`.
    keyrng = random.Random(seed)
    keys = {name: keyrng.randbytes(32) for name in ("alice", "mallory")}
    genuine = [sign(keys["alice"], Transfer("alice", "bob", 10, seq)) for seq in (1, 2, 3)]
    forged = sign(keys["mallory"], Transfer("alice", "mallory", 500, 100))  # signed with the wrong key
    sim = Simulation(seed=seed, latency=(1, 9))
    bank = sim.add_node("bank", Bank, balances={"alice": 1000, "bob": 0, "mallory": 0}, keys=keys if verify else None)
    sim.add_node("alice", Payer, bank="bank", messages=[(10.0 * i, m) for i, m in enumerate(genuine)])
    sim.add_node("mallory", Payer, bank="bank", messages=[(40.0, forged), (50.0, genuine[0])])  # forge, replay
    sim.run(until=200)
    from_mallory = [m for src, m in bank.accepted if src == "mallory"]
    return {"genuine accepted": sum(1 for src, _ in bank.accepted if src == "alice"),
            "forged accepted": sum(1 for m in from_mallory if m.to == "mallory"),
            "replays accepted": sum(1 for m in from_mallory if m.to != "mallory"),
            "alice's balance": bank.balances["alice"]}


def network_is_secure(seed: int = 0) -> FallacyResult:
    """A bank that trusts a message's ``sender`` field vs one that checks an HMAC and a sequence number."""
    seed = _check_seed(seed)
    naive, fixed = _bank_run(seed, verify=False), _bank_run(seed, verify=True)
    broke = naive["forged accepted"] > 0 or naive["replays accepted"] > 0
    held = fixed["forged accepted"] == 0 and fixed["replays accepted"] == 0 and fixed["genuine accepted"] == 3
    return _result(4, seed, """
        Alice sends the bank three signed transfers. Mallory, another customer on the same
        network, sends one message claiming to come from Alice ("pay Mallory 500") and re-sends a
        copy of Alice's first transfer that she saw on the wire. The naive bank believes the
        sender field, as if nobody could write a message but its owner, and pays both. The fixed
        bank checks an HMAC-SHA256 over the fields with Alice's key (which Mallory does not have),
        compared in constant time, and a sequence number that must grow, so the forgery and the
        replay are rejected while Alice's own transfers go through.""", naive, fixed, broke, held,
        f"naive: forged {naive['forged accepted']}, replayed {naive['replays accepted']} accepted; "
        f"fixed: forged {fixed['forged accepted']}, replayed {fixed['replays accepted']}, genuine "
        f"{fixed['genuine accepted']}/3.")
