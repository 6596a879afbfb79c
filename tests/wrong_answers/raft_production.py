"""Right and plausible wrong answers to the "Raft in production" exercises of T06 (F09, F10, M05).

``RIGHT[exercise_id]`` is a correct answer; ``WRONG[exercise_id]`` lists wrong ones, each with a
comment naming the mistake; ``ALSO_RIGHT`` holds other correct answers the checks must accept.
"""

from __future__ import annotations

from typing import Any

from dsworkbook.consensus.raft import RaftNode
from dsworkbook.sim import Response
from tests.wrong_answers import Answer

# -- 06-lease-expiry ---------------------------------------------------------------------------------


def lease_right(sent_at, now, election_timeout_min, drift_bound):
    return now < sent_at + election_timeout_min / (1 + drift_bound)


def lease_elapsed(sent_at, now, election_timeout_min, drift_bound):
    # also right: the time since the send, against the lease's length
    return now - sent_at < election_timeout_min / (1 + drift_bound)


def lease_scaled(sent_at, now, election_timeout_min, drift_bound):
    # also right: scale the elapsed time by the fastest rate instead of dividing the timeout
    return (now - sent_at) * (1 + drift_bound) < election_timeout_min


LEASE_WRONG = [
    lambda s, n, m, b: n < s + m,                  # ignores the drift bound: the whole minimum election timeout
    lambda s, n, m, b: n < s + m * (1 - b),        # shortens by multiplying with (1 - bound) instead of dividing
    lambda s, n, m, b: n <= s + m / (1 + b),       # not strict: still holds at the very instant the lease ends
    lambda s, n, m, b: n < s + m / (1 - b),        # divides by (1 - bound): a lease longer than the timeout
    lambda s, n, m, b: n < s + m * (1 + b),        # multiplies by (1 + bound): a longer lease
    lambda s, n, m, b: n < s + m - b,              # subtracts the bound as if it were milliseconds
    lambda s, n, m, b: n < s + m / 1 + b,          # precedence: divides by 1, then adds the bound
    lambda s, n, m, b: n < m / (1 + b),            # forgets the send time: measures from time 0
    lambda s, n, m, b: n < s + int(m / (1 + b)),   # rounds the lease's length down to whole milliseconds
    lambda s, n, m, b: n - s < m / (1 + b) - 1,    # a "safety margin" of 1 ms the rule does not have
    lambda s, n, m, b: round(n) < round(s + m / (1 + b)),  # rounds the times to whole milliseconds
    lambda s, n, m, b: True,                       # a lease never ends: a deposed leader answers stale reads
]

# -- 06-read-index -----------------------------------------------------------------------------------


class ReadIndexRight(RaftNode):
    def serve_read(self, src, request, command):
        if command.op not in self.state_machine.READS:
            return False
        if self.log.term_at(self.commit_index) != self.current_term:
            return False
        self.reads.append((self.round + 1, self.commit_index, src, request.req_id, command))
        self.start_round()
        for peer in self.peers:
            self.replicate(peer, force=True)
        self.serve_reads()
        return True

    def serve_reads(self):
        confirmed = self.confirmed_round()
        waiting = []
        for read in self.reads:
            needed, index, src, req_id, command = read
            if needed <= confirmed and index <= self.last_applied:
                self.send(src, Response(req_id, True, self.state_machine.query(command)))
            else:
                waiting.append(read)
        self.reads = waiting


class ReadIndexFilter(ReadIndexRight):
    def serve_reads(self):
        # also right: split the waiting reads with two comprehensions
        confirmed = self.confirmed_round()
        ready = [r for r in self.reads if r[0] <= confirmed and r[1] <= self.last_applied]
        self.reads = [r for r in self.reads if not (r[0] <= confirmed and r[1] <= self.last_applied)]
        for _needed, _index, src, req_id, command in ready:
            self.send(src, Response(req_id, True, self.state_machine.query(command)))


class ReadNoTermCheck(ReadIndexRight):
    def serve_read(self, src, request, command):
        # skips step 1: a new leader's commit index may be of an earlier term (thesis §6.4)
        if command.op not in self.state_machine.READS:
            return False
        self.reads.append((self.round + 1, self.commit_index, src, request.req_id, command))
        self.start_round()
        for peer in self.peers:
            self.replicate(peer, force=True)
        self.serve_reads()
        return True


class ReadCommitPositive(ReadIndexRight):
    def serve_read(self, src, request, command):
        # "something is committed" instead of "an entry of this term is committed"
        if self.commit_index == 0:
            return False
        return ReadNoTermCheck.serve_read(self, src, request, command)


class ReadLastTerm(ReadIndexRight):
    def serve_read(self, src, request, command):
        # looks at the term of the last entry (the uncommitted no-op), not of the committed one
        if self.log.last_term != self.current_term:
            return False
        return ReadNoTermCheck.serve_read(self, src, request, command)


class ReadAtOnce(ReadIndexRight):
    def serve_read(self, src, request, command):
        # answers from the state machine at once: no proof that this leader still leads
        if command.op not in self.state_machine.READS or self.log.term_at(self.commit_index) != self.current_term:
            return False
        self.send(src, Response(request.req_id, True, self.state_machine.query(command)))
        return True


class ReadCurrentRound(ReadIndexRight):
    def serve_read(self, src, request, command):
        # records the round already running: a reply to a round sent before the read arrived confirms it
        if command.op not in self.state_machine.READS or self.log.term_at(self.commit_index) != self.current_term:
            return False
        self.reads.append((self.round, self.commit_index, src, request.req_id, command))
        self.start_round()
        for peer in self.peers:
            self.replicate(peer, force=True)
        self.serve_reads()
        return True


class ReadAnyAck(ReadIndexRight):
    def serve_reads(self):
        # one follower's reply is taken as confirmation: not a majority
        best = max([self.round if not self.peers else 0, *self.acked_round.values()])
        waiting = []
        for read in self.reads:
            if read[0] <= best:
                self.send(read[2], Response(read[3], True, self.state_machine.query(read[4])))
            else:
                waiting.append(read)
        self.reads = waiting


class ReadNoNewRound(ReadIndexRight):
    def serve_read(self, src, request, command):
        # waits for the next heartbeat instead of starting a round and sending it now
        if command.op not in self.state_machine.READS or self.log.term_at(self.commit_index) != self.current_term:
            return False
        self.reads.append((self.round + 1, self.commit_index, src, request.req_id, command))
        self.serve_reads()
        return True


class ReadNoServeAtEnd(ReadIndexRight):
    def serve_read(self, src, request, command):
        # never calls serve_reads itself: a cluster of one never answers
        if command.op not in self.state_machine.READS or self.log.term_at(self.commit_index) != self.current_term:
            return False
        self.reads.append((self.round + 1, self.commit_index, src, request.req_id, command))
        self.start_round()
        for peer in self.peers:
            self.replicate(peer, force=True)
        return True


class ReadAllWhenFirst(ReadIndexRight):
    def serve_reads(self):
        # answers every waiting read as soon as the oldest one is confirmed
        if self.reads and self.reads[0][0] <= self.confirmed_round():
            for _n, _i, src, req_id, command in self.reads:
                self.send(src, Response(req_id, True, self.state_machine.query(command)))
            self.reads = []


class ReadKeepAnswered(ReadIndexRight):
    def serve_reads(self):
        # never removes an answered read: it is answered again at every later reply
        confirmed = self.confirmed_round()
        for needed, index, src, req_id, command in self.reads:
            if needed <= confirmed and index <= self.last_applied:
                self.send(src, Response(req_id, True, self.state_machine.query(command)))


class ReadStrict(ReadIndexRight):
    def serve_reads(self):
        # needs a round *after* the read's own: waits one heartbeat longer than it must
        confirmed = self.confirmed_round()
        waiting = []
        for read in self.reads:
            if read[0] < confirmed:
                self.send(read[2], Response(read[3], True, self.state_machine.query(read[4])))
            else:
                waiting.append(read)
        self.reads = waiting


class ReadWritesToo(ReadIndexRight):
    def serve_read(self, src, request, command):
        # treats every command as a read: writes are never appended to the log
        if self.log.term_at(self.commit_index) != self.current_term:
            return False
        self.reads.append((self.round + 1, self.commit_index, src, request.req_id, command))
        self.start_round()
        for peer in self.peers:
            self.replicate(peer, force=True)
        self.serve_reads()
        return True


# -- predictions -------------------------------------------------------------------------------------

PREVOTE_RIGHT = {"paper": True, "PreVote": False, "CheckQuorum": True, "PreVote + CheckQuorum": False}
READS_RIGHT = {"log": True, "read_index": True, "lease": True, "wall-clock lease": False}


def _with(base: dict, **changes: Any) -> dict:
    out = dict(base)
    out.update({k.replace("_plus_", " + ").replace("wall_clock_lease", "wall-clock lease"): v
                for k, v in changes.items()})
    return out


RIGHT: dict[str, Any] = {
    "06-lease-expiry": lease_right,
    "06-read-index": ReadIndexRight,
    "06-predict-prevote": Answer(PREVOTE_RIGHT, why="a"),
    "06-predict-read-modes": Answer(READS_RIGHT, why="a"),
}

ALSO_RIGHT: dict[str, list[Any]] = {
    "06-lease-expiry": [lease_elapsed, lease_scaled],
    "06-read-index": [ReadIndexFilter],
    "06-predict-prevote": [Answer(PREVOTE_RIGHT, why="(a)"), Answer(dict(reversed(list(PREVOTE_RIGHT.items()))),
                                                                   why=" A ")],
    "06-predict-read-modes": [Answer(READS_RIGHT, why="(A)")],
}

WRONG: dict[str, list[Any]] = {
    "06-lease-expiry": LEASE_WRONG,
    "06-read-index": [ReadNoTermCheck, ReadCommitPositive, ReadLastTerm, ReadAtOnce, ReadCurrentRound, ReadAnyAck,
                      ReadNoNewRound, ReadNoServeAtEnd, ReadAllWhenFirst, ReadKeepAnswered, ReadStrict, ReadWritesToo],
    "06-predict-prevote": [
        Answer(PREVOTE_RIGHT, why="b"),                                   # CheckQuorum deposes the leader (no)
        Answer(PREVOTE_RIGHT, why="c"),                                   # PreVote lets the term grow (it does not)
        Answer(PREVOTE_RIGHT, why="d"),                                   # the leader ignores a stale log's term (no)
        Answer(_with(PREVOTE_RIGHT, paper=False), why="a"),               # thinks the paper's Raft keeps its leader
        Answer(_with(PREVOTE_RIGHT, CheckQuorum=False), why="a"),         # thinks CheckQuorum protects the leader
        Answer(_with(PREVOTE_RIGHT, PreVote=True), why="a"),              # thinks PreVote still disrupts
        Answer(_with(PREVOTE_RIGHT, PreVote_plus_CheckQuorum=True), why="a"),  # thinks the pair disrupts
        Answer({k: True for k in PREVOTE_RIGHT}, why="a"),                # every rejoin disrupts
        Answer({k: False for k in PREVOTE_RIGHT}, why="d"),               # no rejoin disrupts
        Answer({"paper": True, "PreVote": False, "CheckQuorum": False, "PreVote + CheckQuorum": True}, why="b"),
        # ^ swaps the roles of PreVote and CheckQuorum
        Answer({"paper": True, "PreVote": False}, why="a"),               # leaves out two configurations
        Answer(PREVOTE_RIGHT, why="e"),                                   # a reason that is not offered
    ],
    "06-predict-read-modes": [
        Answer(READS_RIGHT, why="b"),                                     # ReadIndex broken by clocks (no)
        Answer(READS_RIGHT, why="c"),                                     # the log path breaks (no)
        Answer(READS_RIGHT, why="d"),                                     # nothing breaks (the wall-clock lease does)
        Answer(_with(READS_RIGHT, lease=False), why="a"),                 # thinks every lease is unsafe here
        Answer(_with(READS_RIGHT, read_index=False), why="a"),            # thinks ReadIndex trusts clocks
        Answer(_with(READS_RIGHT, wall_clock_lease=True), why="a"),       # thinks a stepped-back clock is harmless
        Answer(_with(READS_RIGHT, log=False), why="c"),                   # thinks the log path answers at once
        Answer({k: True for k in READS_RIGHT}, why="d"),                  # clock faults never matter
        Answer({"log": True, "read_index": False, "lease": False, "wall-clock lease": False}, why="b"),
        # ^ every path that skips the log is broken
        Answer({k: False for k in READS_RIGHT}, why="b"),                 # everything breaks
        Answer({"log": True, "read_index": True, "lease": True}, why="a"),  # leaves out the wall-clock lease
        Answer({"log": "yes", "read_index": True, "lease": True, "wall-clock lease": False}, why="a"),  # not a bool
    ],
}
