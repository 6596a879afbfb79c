"""Right and plausible wrong answers to the T07 (Paxos) exercises, for proving the checks discriminate."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from dsworkbook.consensus.multipaxos import MultiPaxosNode
from dsworkbook.consensus.paxos import Accepted, Ballot, NaiveBallots, Nack, PaxosNode, Promise, choose_value

# -- 07-acceptor ----------------------------------------------------------------------------------------


class AcceptorRight(PaxosNode):
    def on_prepare(self, src, msg):
        if msg.ballot > self.promised:
            self.promised = msg.ballot
            self.persist(promised=self.promised)
            ballot, value = self.accepted if self.accepted else (None, None)
            self.send(src, Promise(msg.ballot, ballot, value))
        else:
            self.send(src, Nack(msg.ballot, self.promised))

    def on_accept(self, src, msg):
        if msg.ballot >= self.promised:
            self.promised = msg.ballot
            self.accepted = (msg.ballot, msg.value)
            self.persist(promised=self.promised, accepted=self.accepted)
            self.send(src, Accepted(msg.ballot, msg.value))
        else:
            self.send(src, Nack(msg.ballot, self.promised))


class AcceptorForgetsValue(AcceptorRight):
    def on_prepare(self, src, msg):
        if msg.ballot > self.promised:
            self.promised = msg.ballot
            self.persist(promised=self.promised)
            self.send(src, Promise(msg.ballot, None, None))  # never reports what it accepted
        else:
            self.send(src, Nack(msg.ballot, self.promised))


class AcceptorNotPersisted(AcceptorRight):
    def persist(self, **values):
        pass  # promises and acceptances live in memory only


class AcceptorStrictAccept(AcceptorRight):
    def on_accept(self, src, msg):
        if msg.ballot > self.promised:  # refuses the very ballot it promised: nothing is ever accepted
            self.promised = msg.ballot
            self.accepted = (msg.ballot, msg.value)
            self.persist(promised=self.promised, accepted=self.accepted)
            self.send(src, Accepted(msg.ballot, msg.value))
        else:
            self.send(src, Nack(msg.ballot, self.promised))


class AcceptorNoRaiseOnAccept(AcceptorRight):
    def on_accept(self, src, msg):
        if msg.ballot >= self.promised:
            self.accepted = (msg.ballot, msg.value)  # accepts a higher ballot without promising it
            self.persist(promised=self.promised, accepted=self.accepted)
            self.send(src, Accepted(msg.ballot, msg.value))
        else:
            self.send(src, Nack(msg.ballot, self.promised))


class AcceptorPromisesEqual(AcceptorRight):
    def on_prepare(self, src, msg):
        if msg.ballot >= self.promised:  # promises the same ballot twice
            self.promised = msg.ballot
            self.persist(promised=self.promised)
            ballot, value = self.accepted if self.accepted else (None, None)
            self.send(src, Promise(msg.ballot, ballot, value))
        else:
            self.send(src, Nack(msg.ballot, self.promised))


# -- 07-choose-value ---------------------------------------------------------------------------------------


def choose_right(promises, own):
    accepted = [p for p in promises if p.accepted_ballot is not None]
    return max(accepted, key=lambda p: p.accepted_ballot).accepted_value if accepted else own


def choose_own(promises, own):
    return own  # the classic mistake: a chosen value can be overwritten


def choose_first(promises, own):
    for p in promises:  # the first acceptance found, not the highest
        if p.accepted_ballot is not None:
            return p.accepted_value
    return own


def choose_round_only(promises, own):
    best = None
    for p in promises:  # compares rounds only: a tie between two proposers goes to the first seen
        if p.accepted_ballot is not None and (best is None or p.accepted_ballot.round > best.accepted_ballot.round):
            best = p
    return own if best is None else best.accepted_value


def choose_most_common(promises, own):
    values = [p.accepted_value for p in promises if p.accepted_ballot is not None]
    return Counter(values).most_common(1)[0][0] if values else own  # a vote among values, not the highest ballot


def choose_lowest(promises, own):
    accepted = [p for p in promises if p.accepted_ballot is not None]
    return min(accepted, key=lambda p: p.accepted_ballot).accepted_value if accepted else own  # the oldest one


# -- 07-fast-quorum ----------------------------------------------------------------------------------------


def fast_right(n, classic):
    return max(1, (2 * n - classic) // 2 + 1)


def fast_three_quarters(n, classic):
    return math.ceil(3 * n / 4)  # right for majority classic quorums only


def fast_majority(n, classic):
    return n // 2 + 1  # the classic size: two fast quorums can miss each other


def fast_off_by_one(n, classic):
    return max(1, (2 * n - classic) // 2)  # 2f + c >= 2n is not enough: it must be >


def fast_all(n, classic):
    return n  # safe, but needlessly large


# -- 07-multipaxos-recovery --------------------------------------------------------------------------------


def recover_right(promises, first):
    best = {}
    for p in promises:
        for slot, ballot, value in p.accepted:
            if slot >= first and (slot not in best or ballot > best[slot][0]):
                best[slot] = (ballot, value)
    top = max(best, default=first - 1)
    return {s: best[s][1] if s in best else None for s in range(first, top + 1)}


def recover_library(promises, first):
    return MultiPaxosNode.recover(promises, first)  # also right: the library's own


def recover_first_seen(promises, first):
    out = {}
    for p in promises:
        for slot, ballot, value in p.accepted:
            if slot >= first:
                out.setdefault(slot, value)  # the first promise's value, whatever its ballot
    top = max(out, default=first - 1)
    return {s: out.get(s) for s in range(first, top + 1)}


def recover_no_holes(promises, first):
    best = {}
    for p in promises:
        for slot, ballot, value in p.accepted:
            if slot >= first and (slot not in best or ballot > best[slot][0]):
                best[slot] = (ballot, value)
    return {s: v for s, (b, v) in best.items()}  # holes left empty: later slots can never be applied


def recover_round_only(promises, first):
    best = {}
    for p in promises:
        for slot, ballot, value in p.accepted:
            if slot >= first and (slot not in best or ballot.round > best[slot][0].round):  # ignores the proposer id
                best[slot] = (ballot, value)
    top = max(best, default=first - 1)
    return {s: best[s][1] if s in best else None for s in range(first, top + 1)}


def recover_all_slots(promises, first):
    best = {}
    for p in promises:
        for slot, ballot, value in p.accepted:  # re-proposes applied slots too (ignores first)
            if slot not in best or ballot > best[slot][0]:
                best[slot] = (ballot, value)
    top = max(best, default=0)
    return {s: best[s][1] if s in best else None for s in range(1, top + 1)}


# -- 07-consensus-check -------------------------------------------------------------------------------------


def consensus_right(proposed, decisions):
    values = {v for vs in decisions.values() for v in vs}
    broken = set()
    if len(values) > 1:
        broken.add("agreement")
    if values - set(proposed):
        broken.add("validity")
    if any(len(vs) > 1 for vs in decisions.values()):
        broken.add("integrity")
    return broken


def consensus_termination_too(proposed, decisions):
    broken = consensus_right(proposed, decisions)
    if any(not vs for vs in decisions.values()) or not decisions:
        broken.add("termination")  # an undecided node is not a safety violation
    return broken


def consensus_per_node(proposed, decisions):
    broken = set()
    for vs in decisions.values():  # compares a node with itself only: two nodes with two values pass
        if len(set(vs)) > 1:
            broken.add("agreement")
        if set(vs) - set(proposed):
            broken.add("validity")
        if len(vs) > 1:
            broken.add("integrity")
    return broken


def consensus_integrity_distinct(proposed, decisions):
    broken = consensus_right(proposed, decisions) - {"integrity"}
    if any(len(set(vs)) > 1 for vs in decisions.values()):
        broken.add("integrity")  # deciding the same value twice is still deciding twice
    return broken


# -- 07-drill-ballots ----------------------------------------------------------------------------------------


class FixedBallots(NaiveBallots):
    def new_ballot(self):
        self.round = max(self.round, self.highest_seen.round) + 1
        return Ballot(self.round, self.id)

    def promise_ok(self, ballot):
        return ballot > self.promised


class FixedBallotsOnly(NaiveBallots):
    def new_ballot(self):
        self.round = max(self.round, self.highest_seen.round) + 1
        return Ballot(self.round, self.id)  # promise_ok still accepts an equal ballot


class FixedPromiseOnly(NaiveBallots):
    def promise_ok(self, ballot):
        return ballot > self.promised  # ballots still shared between proposers


class FixedBallotsTimestamp(FixedBallots):
    def new_ballot(self):
        return Ballot(int(self.now()), self.id)  # a clock reading: not above what was seen when clocks lag


# -- the tables -------------------------------------------------------------------------------------------

RIGHT: dict[str, Any] = {
    "07-acceptor": AcceptorRight,
    "07-choose-value": choose_right,
    "07-predict-duel": (False, True),
    "07-fast-quorum": fast_right,
    "07-multipaxos-recovery": recover_right,
    "07-consensus-check": consensus_right,
    "07-drill-ballots": FixedBallots,
}

ALSO_RIGHT: dict[str, list[Any]] = {
    "07-choose-value": [choose_value],
    "07-predict-duel": [("no", "yes"), [False, True]],
    "07-fast-quorum": [lambda n, c: next(f for f in range(1, n + 1) if 2 * f + c > 2 * n)],
    "07-multipaxos-recovery": [recover_library],
}

WRONG: dict[str, list[Any]] = {
    "07-acceptor": [AcceptorForgetsValue, AcceptorNotPersisted, AcceptorStrictAccept,
                    AcceptorNoRaiseOnAccept, AcceptorPromisesEqual],
    "07-choose-value": [choose_own, choose_first, choose_round_only, choose_most_common, choose_lowest],
    "07-predict-duel": [(True, True), (False, False), (True, False), True],
    "07-fast-quorum": [fast_three_quarters, fast_majority, fast_off_by_one, fast_all],
    "07-multipaxos-recovery": [recover_first_seen, recover_no_holes, recover_round_only, recover_all_slots],
    "07-consensus-check": [consensus_termination_too, consensus_per_node, consensus_integrity_distinct],
    "07-drill-ballots": [NaiveBallots, FixedBallotsOnly, FixedPromiseOnly, FixedBallotsTimestamp],
}
