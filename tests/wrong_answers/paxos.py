"""Right and plausible wrong answers to the T07 (Paxos) exercises, for proving the checks discriminate."""

from __future__ import annotations

import math
import random
from collections import Counter
from typing import Any

from dsworkbook.consensus.multipaxos import MultiPaxosNode
from dsworkbook.consensus.paxos import Accepted, Ballot, NaiveBallots, Nack, PaxosNode, Promise, choose_value
from dsworkbook.consensus.paxos.quorums import fast_quorum
from tests.wrong_answers import Answer

# -- 07-acceptor ----------------------------------------------------------------------------------------


class AcceptorRight(PaxosNode):
    def on_prepare(self, src, msg):
        if msg.ballot >= self.promised:
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


class AcceptorViaPromiseOk(PaxosNode):
    def on_prepare(self, src, msg):  # also right: the base class's promise_ok() is the same rule
        if not self.promise_ok(msg.ballot):
            self.send(src, Nack(msg.ballot, self.promised))
            return
        self.promised = msg.ballot
        self.persist(promised=msg.ballot)
        self.send(src, Promise(msg.ballot, *(self.accepted or (None, None))))

    def on_accept(self, src, msg):
        if self.promised > msg.ballot:
            self.send(src, Nack(msg.ballot, self.promised))
            return
        self.promised, self.accepted = msg.ballot, (msg.ballot, msg.value)
        self.persist(promised=self.promised, accepted=self.accepted)
        self.send(src, Accepted(msg.ballot, msg.value))


class AcceptorForgetsValue(AcceptorRight):
    def on_prepare(self, src, msg):
        if msg.ballot >= self.promised:
            self.promised = msg.ballot
            self.persist(promised=self.promised)
            self.send(src, Promise(msg.ballot, None, None))  # never reports what it accepted
        else:
            self.send(src, Nack(msg.ballot, self.promised))


class AcceptorNotPersisted(AcceptorRight):
    def persist(self, **values):
        pass  # promises and acceptances live in memory only: a restart forgets them


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


class AcceptorStrictPrepare(AcceptorRight):
    def on_prepare(self, src, msg):
        if msg.ballot > self.promised:  # a duplicated Prepare of the promised ballot is refused
            self.promised = msg.ballot
            self.persist(promised=self.promised)
            ballot, value = self.accepted if self.accepted else (None, None)
            self.send(src, Promise(msg.ballot, ballot, value))
        else:
            self.send(src, Nack(msg.ballot, self.promised))


class AcceptorRoundsOnly(AcceptorRight):
    def on_prepare(self, src, msg):
        if msg.ballot.round >= self.promised.round:  # ignores the proposer id: promises 3.p10 after 3.p9
            self.promised = msg.ballot
            self.persist(promised=self.promised)
            ballot, value = self.accepted if self.accepted else (None, None)
            self.send(src, Promise(msg.ballot, ballot, value))
        else:
            self.send(src, Nack(msg.ballot, self.promised))


class AcceptorTextBallots(AcceptorRight):
    def on_prepare(self, src, msg):
        if str(msg.ballot) >= str(self.promised):  # compares "10.a1" < "9.a3" as text
            self.promised = msg.ballot
            self.persist(promised=self.promised)
            ballot, value = self.accepted if self.accepted else (None, None)
            self.send(src, Promise(msg.ballot, ballot, value))
        else:
            self.send(src, Nack(msg.ballot, self.promised))


class AcceptorPersistAfterSend(AcceptorRight):
    def on_prepare(self, src, msg):
        if msg.ballot >= self.promised:
            self.promised = msg.ballot
            ballot, value = self.accepted if self.accepted else (None, None)
            self.send(src, Promise(msg.ballot, ballot, value))
            self.persist(promised=self.promised)  # a crash between send and persist loses a promise made
        else:
            self.send(src, Nack(msg.ballot, self.promised))


class AcceptorNackSwapped(AcceptorRight):
    def on_prepare(self, src, msg):
        if msg.ballot >= self.promised:
            super().on_prepare(src, msg)
        else:
            self.send(src, Nack(self.promised, msg.ballot))  # the two ballots swapped in the refusal


class AcceptorForgetsAcceptanceOnDisk(AcceptorRight):
    def on_accept(self, src, msg):
        if msg.ballot >= self.promised:
            self.promised = msg.ballot
            self.accepted = (msg.ballot, msg.value)
            self.persist(promised=self.promised)  # the acceptance itself is never written to disk
            self.send(src, Accepted(msg.ballot, msg.value))
        else:
            self.send(src, Nack(msg.ballot, self.promised))


class AcceptorRaisedPromiseNotOnDisk(AcceptorRight):
    def on_accept(self, src, msg):
        if msg.ballot >= self.promised:
            self.promised = msg.ballot
            self.accepted = (msg.ballot, msg.value)
            self.persist(accepted=self.accepted)  # the promise raised by this Accept is not saved
            self.send(src, Accepted(msg.ballot, msg.value))
        else:
            self.send(src, Nack(msg.ballot, self.promised))


class AcceptorRecordsRefused(AcceptorRight):
    def on_accept(self, src, msg):
        self.accepted = (msg.ballot, msg.value)  # records the value before deciding whether to accept
        super().on_accept(src, msg)


class AcceptorKeepsFirst(AcceptorRight):
    def on_accept(self, src, msg):
        if msg.ballot >= self.promised:
            self.promised = msg.ballot
            if self.accepted is None:  # keeps the first acceptance, not the last
                self.accepted = (msg.ballot, msg.value)
            self.persist(promised=self.promised, accepted=self.accepted)
            self.send(src, Accepted(msg.ballot, msg.value))
        else:
            self.send(src, Nack(msg.ballot, self.promised))


class AcceptorSilentRefusal(AcceptorRight):
    def on_prepare(self, src, msg):
        if msg.ballot >= self.promised:
            super().on_prepare(src, msg)  # a lower ballot gets no answer at all: its proposer waits a timeout

    def on_accept(self, src, msg):
        if msg.ballot >= self.promised:
            super().on_accept(src, msg)


class AcceptorComparesAccepted(AcceptorRight):
    def on_accept(self, src, msg):
        floor = self.accepted[0] if self.accepted else self.promised.__class__(0, "")
        if msg.ballot >= floor:  # checks against the last acceptance, not the promise
            self.promised = max(self.promised, msg.ballot)
            self.accepted = (msg.ballot, msg.value)
            self.persist(promised=self.promised, accepted=self.accepted)
            self.send(src, Accepted(msg.ballot, msg.value))
        else:
            self.send(src, Nack(msg.ballot, self.promised))


# -- 07-choose-value ---------------------------------------------------------------------------------------


def choose_right(promises, own):
    accepted = [p for p in promises if p.accepted_ballot is not None]
    return max(accepted, key=lambda p: p.accepted_ballot).accepted_value if accepted else own


def choose_sorted(promises, own):  # also right: sort by ballot, take the last
    accepted = sorted((p.accepted_ballot, i, p.accepted_value) for i, p in enumerate(promises)
                      if p.accepted_ballot is not None)
    return accepted[-1][2] if accepted else own


def choose_own(promises, own):
    return own  # the classic mistake: a chosen value can be overwritten


def choose_first(promises, own):
    for p in promises:  # the first acceptance found, not the highest
        if p.accepted_ballot is not None:
            return p.accepted_value
    return own


def choose_last(promises, own):
    found = own
    for p in promises:  # the last acceptance listed wins
        if p.accepted_ballot is not None:
            found = p.accepted_value
    return found


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


def choose_text_ballot(promises, own):
    accepted = [p for p in promises if p.accepted_ballot is not None]
    return max(accepted, key=lambda p: str(p.accepted_ballot)).accepted_value if accepted else own  # "9.a1" > "10.a1"


def choose_truthy(promises, own):
    accepted = [p for p in promises if p.accepted_value]  # a falsy accepted value (0, "") looks like "nothing"
    return max(accepted, key=lambda p: p.accepted_ballot).accepted_value if accepted else own


def choose_numeric_ids(promises, own):
    accepted = [p for p in promises if p.accepted_ballot is not None]  # orders ids by their number: p10 above p9
    key = lambda p: (p.accepted_ballot.round, int("".join(c for c in p.accepted_ballot.proposer if c.isdigit()) or 0))
    return max(accepted, key=key).accepted_value if accepted else own


def choose_from_set(promises, own):
    values = {p.accepted_value for p in promises if p.accepted_ballot is not None}
    return next(iter(values)) if values else own  # any accepted value: hash order decides


def choose_max_value(promises, own):
    values = [p.accepted_value for p in promises if p.accepted_ballot is not None]
    return max(values, key=str) if values else own  # the largest value, not the highest ballot


# -- 07-predict-duel ---------------------------------------------------------------------------------------

DUEL = {"small-values": True, "big-values": False, "slow-retry": True, "seven-acceptors": False}


def _flip(*names: str) -> dict[str, bool]:
    return {k: (not v if k in names else v) for k, v in DUEL.items()}


# -- 07-drill-ballots ----------------------------------------------------------------------------------------


class FixedBallots(NaiveBallots):
    def new_ballot(self):
        self.round = max(self.round, self.highest_seen.round) + 1
        return Ballot(self.round, self.id)

    def promise_ok(self, ballot):
        return ballot >= self.promised


class FixedBallotsOnly(NaiveBallots):
    def new_ballot(self):
        self.round = max(self.round, self.highest_seen.round) + 1
        return Ballot(self.round, self.id)  # promise_ok still compares rounds only


class FixedPromiseOnly(NaiveBallots):
    def promise_ok(self, ballot):
        return ballot >= self.promised  # ballots still shared between proposers


class FixedBallotsTimestamp(FixedBallots):
    def new_ballot(self):
        return Ballot(int(self.now()), self.id)  # a clock reading: not above what was seen when clocks lag


class FixedStrictPromise(FixedBallots):
    def promise_ok(self, ballot):
        return ballot > self.promised  # refuses a duplicated Prepare of the promised ballot


class FixedRoundsStrict(FixedBallots):
    def promise_ok(self, ballot):
        return ballot.round > self.promised.round  # refuses a higher proposer id in the same round


class FixedGluedNumber(FixedBallots):
    def new_ballot(self):
        number = int("".join(c for c in self.id if c.isdigit()))
        self.round = max(self.round, self.highest_seen.round // 10) + 1
        return Ballot(self.round * 10 + number, "")  # p1 in round 2 and p11 in round 1 both make 21


class FixedNoOwnRound(FixedBallots):
    def new_ballot(self):
        return Ballot(self.highest_seen.round + 1, self.id)  # asking twice gives the same ballot twice


class FixedIgnoresSeen(FixedBallots):
    def new_ballot(self):
        self.round += 1
        return Ballot(self.round, self.id)  # never jumps past the ballots it has seen


class FixedNoIncrement(FixedBallots):
    def new_ballot(self):
        self.round = max(self.round, self.highest_seen.round)
        return Ballot(self.round, self.id)  # same round as the highest seen: below it when its id is higher


class FixedHashTieBreak(FixedBallots):
    def new_ballot(self):
        self.round = max(self.round, self.highest_seen.round) + 1
        return Ballot(self.round * 1000 + hash(self.id) % 1000, "")  # hash() of a string differs per process


class FixedTextPromise(FixedBallots):
    def promise_ok(self, ballot):
        return str(ballot) >= str(self.promised)  # compares "10.a1" and "9.a1" as text


class FixedRandomRound(FixedBallots):
    def new_ballot(self):
        self.round = max(self.round, self.highest_seen.round) + random.randint(1, 3)  # the global random module
        return Ballot(self.round, self.id)


# -- 07-fast-quorum ----------------------------------------------------------------------------------------


def fast_right(n, classic):
    return max((2 * n - classic) // 2 + 1, (2 * n) // 3 + 1)


def fast_search(n, classic):  # also right: the smallest f that passes both counts
    return next(f for f in range(1, n + 1) if 2 * f + classic > 2 * n and 3 * f > 2 * n)


def fast_three_quarters(n, classic):
    return math.ceil(3 * n / 4)  # right for majority classic quorums only


def fast_majority(n, classic):
    return n // 2 + 1  # the classic size: two fast quorums can miss each other


def fast_off_by_one(n, classic):
    return max((2 * n - classic) // 2, (2 * n) // 3 + 1)  # 2f + c >= 2n is not enough: it must be >


def fast_all(n, classic):
    return n  # safe, but needlessly large


def fast_no_three_fast(n, classic):
    return (2 * n - classic) // 2 + 1  # forgets that three fast quorums must meet (binds when classic > 2n/3)


def fast_ceil(n, classic):
    return math.ceil((2 * n - classic) / 2)  # wrong when 2n - classic is even


def fast_at_least_classic(n, classic):
    return max(classic, fast_right(n, classic))  # a fast quorum need not be as big as the classic one


def fast_round(n, classic):
    return max(round((2 * n - classic) / 2 + 0.5), (2 * n) // 3 + 1)  # round() rounds half to even


def fast_float(n, classic):
    return int(n * (1 - classic / (2 * n))) + 1  # float error: n - classic/2 computed in floating point


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


def recover_last_seen(promises, first):
    out = {}
    for p in promises:
        for slot, ballot, value in p.accepted:
            if slot >= first:
                out[slot] = value  # the last promise's value, whatever its ballot
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


def recover_most_common(promises, first):
    votes = {}
    for p in promises:
        for slot, ballot, value in p.accepted:
            if slot >= first:
                votes.setdefault(slot, Counter())[value] += 1  # a vote per slot, not the highest ballot
    top = max(votes, default=first - 1)
    return {s: votes[s].most_common(1)[0][0] if s in votes else None for s in range(first, top + 1)}


def recover_text_ballot(promises, first):
    best = {}
    for p in promises:
        for slot, ballot, value in p.accepted:
            if slot >= first and (slot not in best or str(ballot) > str(best[slot][0])):  # "9.n1" > "10.n1" as text
                best[slot] = (ballot, value)
    top = max(best, default=first - 1)
    return {s: best[s][1] if s in best else None for s in range(first, top + 1)}


def recover_stops_before_top(promises, first):
    full = recover_right(promises, first)
    return {s: v for s, v in full.items() if s < max(full, default=first)}  # range(first, top): the top slot is lost


def recover_skips_first(promises, first):
    full = recover_right(promises, first)
    return {s: v for s, v in full.items() if s > first}  # slot > first instead of >=: slot first is never re-proposed


def recover_none_when_empty(promises, first):
    full = recover_right(promises, first)
    return full or None  # nothing to recover is {}, not None


def recover_holes_from_one(promises, first):
    full = recover_right(promises, first)
    if not full:
        return full
    return {s: full.get(s) for s in range(1, max(full) + 1)}  # no-ops for applied slots below first too


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


def consensus_validity_reversed(proposed, decisions):
    broken = consensus_right(proposed, decisions) - {"validity"}
    decided = {v for vs in decisions.values() for v in vs}
    if set(proposed) - decided:
        broken.add("validity")  # "every proposed value is decided": validity read backwards
    return broken


def consensus_first_decisions(proposed, decisions):
    firsts = {vs[0] for vs in decisions.values() if vs}  # only each node's first decision counts
    broken = set()
    if len(firsts) > 1:
        broken.add("agreement")
    if firsts - set(proposed):
        broken.add("validity")
    if any(len(vs) > 1 for vs in decisions.values()):
        broken.add("integrity")
    return broken


def consensus_truthy(proposed, decisions):
    values = {v for vs in decisions.values() for v in vs if v}  # a decided 0 or "" is not seen
    broken = set()
    if len(values) > 1:
        broken.add("agreement")
    if values - set(proposed):
        broken.add("validity")
    if any(len(vs) > 1 for vs in decisions.values()):
        broken.add("integrity")
    return broken


def consensus_vs_first_node(proposed, decisions):
    broken = consensus_right(proposed, decisions) - {"agreement"}
    lists = list(decisions.values())
    if lists and lists[0]:  # compares everyone with the first node, so an undecided first node hides a split
        ref = lists[0][0]
        if any(v != ref for vs in lists for v in vs):
            broken.add("agreement")
    return broken


def consensus_integrity_count(proposed, decisions):
    broken = consensus_right(proposed, decisions) - {"integrity"}
    if sum(len(vs) for vs in decisions.values()) > len(decisions):  # counts decisions overall, not per node
        broken.add("integrity")
    return broken


def consensus_agreement_majority(proposed, decisions):
    broken = consensus_right(proposed, decisions) - {"agreement"}
    counts = Counter(v for vs in decisions.values() for v in set(vs))
    if sum(1 for c in counts.values() if c >= 2) > 1:  # two values count only if each was decided by two nodes
        broken.add("agreement")
    return broken


def consensus_list(proposed, decisions):
    return sorted(consensus_right(proposed, decisions))  # also right: a list of the names


# -- 07-design-quorums ---------------------------------------------------------------------------------------

DESIGN = {"one-region": (3, 3), "three-regions": (4, 2), "seven-replicas": (5, 3), "four-nodes": None}


def _design(**changes: Any) -> dict[str, Any]:
    return {**DESIGN, **{k.replace("_", "-"): v for k, v in changes.items()}}


# -- the tables -------------------------------------------------------------------------------------------

RIGHT: dict[str, Any] = {
    "07-acceptor": AcceptorRight,
    "07-choose-value": choose_right,
    "07-predict-duel": Answer(DUEL, why="a"),
    "07-fast-quorum": fast_right,
    "07-multipaxos-recovery": recover_right,
    "07-consensus-check": consensus_right,
    "07-drill-ballots": FixedBallots,
    "07-design-quorums": DESIGN,
}

ALSO_RIGHT: dict[str, list[Any]] = {
    "07-acceptor": [AcceptorViaPromiseOk],
    "07-choose-value": [choose_value, choose_sorted],
    "07-predict-duel": [Answer({k: ("yes" if v else "no") for k, v in DUEL.items()}, why="(a)")],
    "07-fast-quorum": [fast_search, fast_quorum],
    "07-multipaxos-recovery": [recover_library],
    "07-consensus-check": [consensus_list],
    "07-design-quorums": [_design(one_region=(2, 4)), _design(one_region=(3, 4))],
}

WRONG: dict[str, list[Any]] = {
    "07-acceptor": [AcceptorForgetsValue, AcceptorNotPersisted, AcceptorStrictAccept, AcceptorNoRaiseOnAccept,
                    AcceptorStrictPrepare, AcceptorRoundsOnly, AcceptorTextBallots, AcceptorPersistAfterSend,
                    AcceptorNackSwapped, AcceptorForgetsAcceptanceOnDisk, AcceptorRaisedPromiseNotOnDisk,
                    AcceptorRecordsRefused, AcceptorKeepsFirst, AcceptorSilentRefusal, AcceptorComparesAccepted],
    "07-choose-value": [choose_own, choose_first, choose_last, choose_round_only, choose_most_common, choose_lowest,
                        choose_text_ballot, choose_truthy, choose_numeric_ids, choose_from_set, choose_max_value],
    "07-predict-duel": [
        Answer(_flip("small-values"), why="a"),  # small values: the Accept is no longer slow enough to be overtaken
        Answer(_flip("big-values"), why="a"),  # a later start does not help when the value is bigger still
        Answer(_flip("slow-retry"), why="a"),  # a long retry lets the other Accept land first
        Answer(_flip("seven-acceptors"), why="a"),  # more acceptors change nothing in the timing
        Answer({k: False for k in DUEL}, why="a"),  # "fixed retries never agree"
        Answer({k: True for k in DUEL}, why="a"),  # "Paxos always terminates"
        Answer(DUEL, why="b"),  # right runs, wrong reason: the cluster size
        Answer(DUEL, why="c"),  # right runs, wrong reason: ids break ties
        Answer(DUEL, why="d"),  # right runs, wrong reason: conflicting values
        Answer((False, True), why="a"),  # the old form: a pair for fixed and random retries
    ],
    "07-fast-quorum": [fast_three_quarters, fast_majority, fast_off_by_one, fast_all, fast_no_three_fast, fast_ceil,
                       fast_at_least_classic, fast_round, fast_float],
    "07-multipaxos-recovery": [recover_first_seen, recover_last_seen, recover_no_holes, recover_round_only,
                               recover_all_slots, recover_most_common, recover_text_ballot, recover_stops_before_top,
                               recover_skips_first, recover_none_when_empty, recover_holes_from_one],
    "07-consensus-check": [consensus_termination_too, consensus_per_node, consensus_integrity_distinct,
                           consensus_validity_reversed, consensus_first_decisions, consensus_truthy,
                           consensus_vs_first_node, consensus_integrity_count, consensus_agreement_majority],
    "07-drill-ballots": [NaiveBallots, FixedBallotsOnly, FixedPromiseOnly, FixedBallotsTimestamp, FixedStrictPromise,
                         FixedRoundsStrict, FixedGluedNumber, FixedNoOwnRound, FixedIgnoresSeen, FixedNoIncrement,
                         FixedHashTieBreak, FixedTextPromise, FixedRandomRound],
    "07-design-quorums": [
        {k: (3, 3) if v is not None else None for k, v in DESIGN.items()},  # majorities everywhere: too slow
        _design(three_regions=(3, 2)),  # q1 + q2 = n: two quorums can miss each other
        _design(three_regions=(5, 2)),  # phase 1 needs all five: no leader change with one down
        _design(three_regions=(4, 3)),  # q2 = 3 waits for a 70 ms acceptor
        _design(seven_replicas=(4, 4)),  # majorities: a commit waits for the 30 ms acceptors
        _design(seven_replicas=(6, 2)),  # q1 = 6: no leader change with two down
        _design(four_nodes=(2, 2)),  # unsafe: two pairs of four can be disjoint
        _design(four_nodes=(3, 2)),  # no leader change with two of four down
        _design(one_region=(2, 3)),  # q1 + q2 = n again
        _design(one_region=(4, 2)),  # q1 = 4: no leader change with two down
        _design(one_region=(1, 5)),  # q2 = 5: no commit with one down
        _design(three_regions=None),  # gives up where (4, 2) works
    ],
}
