"""Right and plausible wrong answers to the T06 (Raft) exercises, for proving the checks discriminate.

``RIGHT[exercise_id]`` is a correct answer; ``WRONG[exercise_id]`` lists wrong ones, each with a
comment naming the mistake; ``ALSO_RIGHT`` holds other correct answers the checks must accept.
"""

from __future__ import annotations

from typing import Any

from dsworkbook.consensus.raft import (AppendEntriesReply, RaftNode, RequestVoteReply, at_least_as_up_to_date,
                                       majority_commit_index)
from dsworkbook.consensus.raft.drills import SeedRaft
from dsworkbook.consensus.raft_kv import KVStore, KVStoreNoSessions
from dsworkbook.grading.raft.safety_check import reference_violations

# -- 06-request-vote -----------------------------------------------------------------------------------


class VoteRight(RaftNode):
    def handle_request_vote(self, src, msg):
        if msg.term < self.current_term:
            self.send(src, RequestVoteReply(self.current_term, False))
            return
        up_to_date = at_least_as_up_to_date(msg.last_log_term, msg.last_log_index, self.log.last_term,
                                            self.log.last_index)
        if self.voted_for in (None, msg.candidate_id) and up_to_date:
            self.voted_for = msg.candidate_id
            self.save_term_and_vote()
            self.reset_election_timer()
            self.send(src, RequestVoteReply(self.current_term, True))
        else:
            self.send(src, RequestVoteReply(self.current_term, False))


class VoteTupleCompare(RaftNode):
    def handle_request_vote(self, src, msg):
        # also right: compare (last term, last index) pairs as tuples
        ok = (msg.last_log_term, msg.last_log_index) >= (self.log.last_term, self.log.last_index)
        grant = msg.term == self.current_term and self.voted_for in (None, msg.candidate_id) and ok
        if grant:
            self.voted_for = msg.candidate_id
            self.save_term_and_vote()
            self.reset_election_timer()
        self.send(src, RequestVoteReply(self.current_term, grant))


class VoteNoLogCheck(VoteRight):
    def handle_request_vote(self, src, msg):
        grant = msg.term >= self.current_term and self.voted_for in (None, msg.candidate_id)  # no §5.4.1 check
        if grant:
            self.voted_for = msg.candidate_id
            self.save_term_and_vote()
            self.reset_election_timer()
        self.send(src, RequestVoteReply(self.current_term, grant))


class VoteNotPersisted(VoteRight):
    def save_term_and_vote(self):
        pass  # the vote is never written to disk: a restart forgets it


class VotePersistAfterReply(RaftNode):
    def handle_request_vote(self, src, msg):
        ok = at_least_as_up_to_date(msg.last_log_term, msg.last_log_index, self.log.last_term, self.log.last_index)
        grant = msg.term == self.current_term and self.voted_for in (None, msg.candidate_id) and ok
        if grant:
            self.voted_for = msg.candidate_id
            self.reset_election_timer()
        self.send(src, RequestVoteReply(self.current_term, grant))
        if grant:
            self.save_term_and_vote()  # persisted after the reply left: a crash in between forgets the vote


class VoteTwicePerTerm(RaftNode):
    def handle_request_vote(self, src, msg):
        ok = at_least_as_up_to_date(msg.last_log_term, msg.last_log_index, self.log.last_term, self.log.last_index)
        grant = msg.term == self.current_term and ok  # votedFor ignored: votes for everyone who asks
        if grant:
            self.voted_for = msg.candidate_id
            self.save_term_and_vote()
            self.reset_election_timer()
        self.send(src, RequestVoteReply(self.current_term, grant))


class VoteLengthOnly(RaftNode):
    def handle_request_vote(self, src, msg):
        ok = msg.last_log_index >= self.log.last_index  # compares lengths only, not last terms
        grant = msg.term == self.current_term and self.voted_for in (None, msg.candidate_id) and ok
        if grant:
            self.voted_for = msg.candidate_id
            self.save_term_and_vote()
            self.reset_election_timer()
        self.send(src, RequestVoteReply(self.current_term, grant))


class VoteNoRetry(RaftNode):
    def handle_request_vote(self, src, msg):
        ok = at_least_as_up_to_date(msg.last_log_term, msg.last_log_index, self.log.last_term, self.log.last_index)
        grant = msg.term == self.current_term and self.voted_for is None and ok  # a retry of the same candidate refused
        if grant:
            self.voted_for = msg.candidate_id
            self.save_term_and_vote()
            self.reset_election_timer()
        self.send(src, RequestVoteReply(self.current_term, grant))


class VoteNoTimerReset(RaftNode):
    def handle_request_vote(self, src, msg):
        ok = at_least_as_up_to_date(msg.last_log_term, msg.last_log_index, self.log.last_term, self.log.last_index)
        grant = msg.term == self.current_term and self.voted_for in (None, msg.candidate_id) and ok
        if grant:
            self.voted_for = msg.candidate_id
            self.save_term_and_vote()  # the election timer keeps running: the voter may campaign right away
        self.send(src, RequestVoteReply(self.current_term, grant))


# -- 06-append-entries -------------------------------------------------------------------------------


class AppendRight(RaftNode):
    def handle_append_entries(self, src, msg):
        if msg.term < self.current_term:
            self.send(src, AppendEntriesReply(self.current_term, False, msg.prev_log_index, self.log.last_index))
            return
        self.leader_id = src
        self.reset_election_timer()
        if self.log.term_at(msg.prev_log_index) != msg.prev_log_term:
            self.send(src, AppendEntriesReply(self.current_term, False, msg.prev_log_index, self.log.last_index))
            return
        for k, entry in enumerate(msg.entries):
            index = msg.prev_log_index + 1 + k
            if self.log.term_at(index) == entry.term:
                continue
            del self.log.entries[index - 1:]
            self.log.entries.extend(msg.entries[k:])
            self.log_changed(index)
            break
        last_new = msg.prev_log_index + len(msg.entries)
        if msg.leader_commit > self.commit_index:
            self.commit_to(min(msg.leader_commit, last_new))
        self.send(src, AppendEntriesReply(self.current_term, True, last_new, self.log.last_index))


class AppendTruncateAlways(AppendRight):
    def handle_append_entries(self, src, msg):
        if msg.term < self.current_term or self.log.term_at(msg.prev_log_index) != msg.prev_log_term:
            if msg.term >= self.current_term:
                self.leader_id = src
                self.reset_election_timer()
            self.send(src, AppendEntriesReply(self.current_term, False, msg.prev_log_index, self.log.last_index))
            return
        self.leader_id = src
        self.reset_election_timer()
        if msg.entries:
            # the seed notes' merge: cut at prev and append, even when the entries agree
            self.log.entries[msg.prev_log_index:] = list(msg.entries)
            self.log_changed(msg.prev_log_index + 1)
        last_new = msg.prev_log_index + len(msg.entries)
        if msg.leader_commit > self.commit_index:
            self.commit_to(min(msg.leader_commit, last_new))
        self.send(src, AppendEntriesReply(self.current_term, True, last_new, self.log.last_index))


class AppendCommitToLogEnd(AppendRight):
    def commit_to(self, index):
        # the seed notes' commit: min(leaderCommit, the length of the log) - stale entries may be applied
        super().commit_to(max(index, min(self._leader_commit, self.log.last_index)))

    def handle_append_entries(self, src, msg):
        self._leader_commit = msg.leader_commit
        super().handle_append_entries(src, msg)


class AppendIndexOnlyCheck(AppendRight):
    def handle_append_entries(self, src, msg):
        if msg.term >= self.current_term and msg.prev_log_index <= self.log.last_index:
            # the consistency check looks at the length only, never at the term
            msg = type(msg)(msg.term, msg.leader_id, msg.prev_log_index, self.log.term_at(msg.prev_log_index),
                            msg.entries, msg.leader_commit)
        super().handle_append_entries(src, msg)


class AppendNoPersist(AppendRight):
    def log_changed(self, first):
        pass  # the log never reaches the disk (nor the trace)


class AppendReplyLogLength(AppendRight):
    def send(self, dst, msg):
        if isinstance(msg, AppendEntriesReply) and msg.success:
            msg = AppendEntriesReply(msg.term, True, self.log.last_index, self.log.last_index)  # claims the whole log
        super().send(dst, msg)


# -- 06-commit-index ---------------------------------------------------------------------------------


def commit_right(matches, term_at, current_term, commit_index):
    n = sorted(matches, reverse=True)[len(matches) // 2]
    return n if n > commit_index and term_at(n) == current_term else commit_index


def commit_scan(matches, term_at, current_term, commit_index):
    # also right: try every candidate index from the top, counting replicas
    for n in sorted(set(matches), reverse=True):
        if n <= commit_index:
            break
        if sum(m >= n for m in matches) * 2 > len(matches) and term_at(n) == current_term:
            return n
    return commit_index


def commit_no_term_rule(matches, term_at, current_term, commit_index):
    n = sorted(matches, reverse=True)[len(matches) // 2]
    return max(n, commit_index)  # Figure 8: commits old-term entries by counting


def commit_median_minus_one(matches, term_at, current_term, commit_index):
    ranked = sorted(matches, reverse=True)
    n = ranked[max(len(matches) // 2 - 1, 0)]  # the seed notes' count: on one server too few
    return n if n > commit_index and term_at(n) == current_term else commit_index


def commit_lowest(matches, term_at, current_term, commit_index):
    n = min(matches)  # waits for every server: safe, but one slow server stops all commits
    return n if n > commit_index and term_at(n) == current_term else commit_index


def commit_may_go_back(matches, term_at, current_term, commit_index):
    n = sorted(matches, reverse=True)[len(matches) // 2]
    return n if term_at(n) == current_term else commit_index  # can return less than commit_index


# -- 06-drill-seed-raft ------------------------------------------------------------------------------


class FixedRaft(SeedRaft):
    def votes_needed(self):
        return len(self.members) // 2 + 1

    def replicated_index(self, matches):
        return sorted(matches, reverse=True)[len(matches) // 2]

    def may_commit(self, index):
        return index > self.commit_index and self.log.term_at(index) == self.current_term


class FixedVotesOnly(SeedRaft):
    def votes_needed(self):
        return len(self.members) // 2 + 1  # bugs 2 and 3 left


class FixedAllButTerm(FixedRaft):
    def may_commit(self, index):
        return index > self.commit_index  # bug 3 left: Figure 8


class FixedAllButCount(FixedRaft):
    def replicated_index(self, matches):
        ranked = sorted(matches, reverse=True)
        return ranked[len(matches) // 2 - 1] if len(matches) > 1 else ranked[0]  # bug 2 left


class FixedAllButVotes(FixedRaft):
    def votes_needed(self):
        return (len(self.members) + 1) // 2 + 1  # bug 1 left


class FixedHalf(FixedRaft):
    def votes_needed(self):
        return len(self.members) // 2  # half is not a majority: two leaders in a 4-server cluster


# -- 06-safety-check ---------------------------------------------------------------------------------


def safety_leaders_only(notes):
    seen, broken = {}, set()
    for r in notes:  # only election safety: never rebuilds the logs
        if r.detail.get("role") == "leader" and seen.setdefault(r.detail["term"], r.node) != r.node:
            broken.add("election safety")
    return broken


def safety_append_not_replace(notes):
    broken, leader_of, logs, commit, applied = set(), {}, {}, {}, {}
    for r in notes:
        d = r.detail
        if d.get("role") == "leader" and leader_of.setdefault(d["term"], r.node) != r.node:
            broken.add("election safety")
        if d.get("start"):
            commit[r.node] = 0
        if "log" in d:
            logs.setdefault(r.node, []).extend(d["entries"])  # appends, never truncates at index k
        if "commit" in d:
            log = logs.get(r.node, [])
            for i in range(commit.get(r.node, 0) + 1, min(d["commit"], len(log)) + 1):
                if applied.setdefault(i, log[i - 1]) != log[i - 1]:
                    broken.add("state machine safety")
            commit[r.node] = max(commit.get(r.node, 0), d["commit"])
    return broken


def safety_any_two_leader_notes(notes):
    broken = reference_violations(notes) - {"election safety"}
    leaders = [r.detail["term"] for r in notes if r.detail.get("role") == "leader"]
    if len(leaders) != len(set(leaders)) or len(leaders) > 1:
        broken.add("election safety")  # two leaders over the whole run, not two in one term
    return broken


# -- 06-kv-session ------------------------------------------------------------------------------------


class SessionsRight(KVStore):
    def apply(self, command):
        last = self.sessions.get(command.client)
        if last is not None and command.seq <= last[0]:
            return last[1] if command.seq == last[0] else None
        output = self.execute(command)
        self.sessions[command.client] = (command.seq, output)
        return output


class SessionsReexecute(KVStore):
    def apply(self, command):
        return self.execute(command)  # no sessions at all: every copy in the log runs again


class SessionsNoneForRepeat(KVStore):
    def apply(self, command):
        last = self.sessions.get(command.client)
        if last is not None and command.seq <= last[0]:
            return None  # skips the repeat but forgets its answer
        output = self.execute(command)
        self.sessions[command.client] = (command.seq, output)
        return output


class SessionsBySeqOnly(KVStore):
    def apply(self, command):
        last = self.sessions.get("all")  # one session for every client: c2's seq 1 looks like c1's
        if last is not None and command.seq <= last[0]:
            return last[1] if command.seq == last[0] else None
        output = self.execute(command)
        self.sessions["all"] = (command.seq, output)
        return output


class SessionsRereadOnRepeat(KVStore):
    def apply(self, command):
        last = self.sessions.get(command.client)
        if last is not None and command.seq <= last[0]:
            return self.data.get(command.key) if command.op == "get" else last[1]  # a retried get reads again
        output = self.execute(command)
        self.sessions[command.client] = (command.seq, output)
        return output


# -- the tables -------------------------------------------------------------------------------------------

RIGHT: dict[str, Any] = {
    "06-request-vote": VoteRight,
    "06-append-entries": AppendRight,
    "06-commit-index": commit_right,
    "06-predict-election": {"n2", "n3", "n5"},
    "06-drill-seed-raft": FixedRaft,
    "06-safety-check": reference_violations,
    "06-predict-batching": ("d", "b"),
    "06-kv-session": SessionsRight,
}

ALSO_RIGHT: dict[str, list[Any]] = {
    "06-request-vote": [VoteTupleCompare],
    "06-commit-index": [commit_scan, lambda m, t, c, ci: majority_commit_index(m, t, c, ci)],
    "06-predict-election": [["n5", "n3", "n2"], {"N2", "n3", " n5"}],
    "06-predict-batching": [["D", "b"]],
}

WRONG: dict[str, list[Any]] = {
    "06-request-vote": [VoteNoLogCheck, VoteNotPersisted, VotePersistAfterReply, VoteTwicePerTerm, VoteLengthOnly,
                        VoteNoRetry, VoteNoTimerReset],
    "06-append-entries": [AppendTruncateAlways, AppendCommitToLogEnd, AppendIndexOnlyCheck, AppendNoPersist,
                          AppendReplyLogLength],
    "06-commit-index": [commit_no_term_rule, commit_median_minus_one, commit_lowest, commit_may_go_back],
    "06-predict-election": [{"n3"}, {"n2", "n3"}, {"n1", "n2", "n3", "n4", "n5"}, {"n3", "n5"}, "n3"],
    "06-drill-seed-raft": [SeedRaft, FixedVotesOnly, FixedAllButTerm, FixedAllButCount, FixedAllButVotes, FixedHalf],
    "06-safety-check": [safety_leaders_only, safety_append_not_replace, safety_any_two_leader_notes],
    "06-predict-batching": [("b", "b"), ("d", "d"), ("c", "b"), ("a", "a"), "d"],
    "06-kv-session": [SessionsReexecute, KVStoreNoSessions, SessionsNoneForRepeat, SessionsBySeqOnly,
                      SessionsRereadOnRepeat],
}
