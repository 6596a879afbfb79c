"""Right and plausible wrong answers to the T06 (Raft) exercises, for proving the checks discriminate.

``RIGHT[exercise_id]`` is a correct answer; ``WRONG[exercise_id]`` lists wrong ones, each with a
comment naming the mistake; ``ALSO_RIGHT`` holds other correct answers the checks must accept.
"""

from __future__ import annotations

import random
from typing import Any

from dsworkbook.consensus.raft import (AppendEntriesReply, RaftNode, RequestVoteReply, at_least_as_up_to_date,
                                       majority_commit_index)
from dsworkbook.consensus.raft.commit_rules import count_replicas, every_server, half_the_servers, last_entry_term
from dsworkbook.consensus.raft.drills import SeedRaft
from dsworkbook.consensus.raft_kv import KVStore, KVStoreNoSessions
from dsworkbook.grading.raft.safety_check import reference_violations
from tests.wrong_answers import Answer

# -- 06-request-vote -----------------------------------------------------------------------------------


def _up_to_date(node, msg):
    return at_least_as_up_to_date(msg.last_log_term, msg.last_log_index, node.log.last_term, node.log.last_index)


def _grant(node, src):
    node.voted_for = src
    node.save_term_and_vote()
    node.reset_election_timer()
    node.send(src, RequestVoteReply(node.current_term, True))


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


class VoteTimerFirst(RaftNode):
    def handle_request_vote(self, src, msg):
        # also right: restart the timer before persisting; the reply still leaves last
        if msg.term == self.current_term and self.voted_for in (None, msg.candidate_id) and _up_to_date(self, msg):
            self.reset_election_timer()
            self.voted_for = msg.candidate_id
            self.persist(term=self.current_term, voted_for=self.voted_for)
            self.send(src, RequestVoteReply(self.current_term, True))
            return
        self.send(src, RequestVoteReply(self.current_term, False))


class VoteNoRepersist(RaftNode):
    def handle_request_vote(self, src, msg):
        # also right: a retry from the candidate already voted for is granted without writing the disk again
        if msg.term == self.current_term and self.voted_for in (None, msg.candidate_id) and _up_to_date(self, msg):
            if self.voted_for is None:
                self.voted_for = msg.candidate_id
                self.save_term_and_vote()
            self.reset_election_timer()
            self.send(src, RequestVoteReply(self.current_term, True))
        else:
            self.send(src, RequestVoteReply(self.current_term, False))


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
        grant = msg.term == self.current_term and self.voted_for in (None, msg.candidate_id) and _up_to_date(self, msg)
        if grant:
            self.voted_for = msg.candidate_id
            self.reset_election_timer()
        self.send(src, RequestVoteReply(self.current_term, grant))
        if grant:
            self.save_term_and_vote()  # persisted after the reply left: a crash in between forgets the vote


class VoteTwicePerTerm(RaftNode):
    def handle_request_vote(self, src, msg):
        grant = msg.term == self.current_term and _up_to_date(self, msg)  # votedFor ignored: votes for everyone
        if grant:
            _grant(self, msg.candidate_id)
        else:
            self.send(src, RequestVoteReply(self.current_term, False))


class VoteLengthOnly(RaftNode):
    def handle_request_vote(self, src, msg):
        ok = msg.last_log_index >= self.log.last_index  # compares lengths only, not last terms
        if msg.term == self.current_term and self.voted_for in (None, msg.candidate_id) and ok:
            _grant(self, msg.candidate_id)
        else:
            self.send(src, RequestVoteReply(self.current_term, False))


class VoteTermsOnly(RaftNode):
    def handle_request_vote(self, src, msg):
        ok = msg.last_log_term >= self.log.last_term  # equal last terms: grants a shorter log too
        if msg.term == self.current_term and self.voted_for in (None, msg.candidate_id) and ok:
            _grant(self, msg.candidate_id)
        else:
            self.send(src, RequestVoteReply(self.current_term, False))


class VoteStrictlyLonger(RaftNode):
    def handle_request_vote(self, src, msg):
        # with equal last terms demands a strictly longer log: refuses a log equal to its own
        ok = msg.last_log_term > self.log.last_term or (msg.last_log_term == self.log.last_term
                                                        and msg.last_log_index > self.log.last_index)
        if msg.term == self.current_term and self.voted_for in (None, msg.candidate_id) and ok:
            _grant(self, msg.candidate_id)
        else:
            self.send(src, RequestVoteReply(self.current_term, False))


class VoteNoRetry(RaftNode):
    def handle_request_vote(self, src, msg):
        grant = msg.term == self.current_term and self.voted_for is None and _up_to_date(self, msg)  # retry refused
        if grant:
            _grant(self, msg.candidate_id)
        else:
            self.send(src, RequestVoteReply(self.current_term, False))


class VoteNoTimerReset(RaftNode):
    def handle_request_vote(self, src, msg):
        grant = msg.term == self.current_term and self.voted_for in (None, msg.candidate_id) and _up_to_date(self, msg)
        if grant:
            self.voted_for = msg.candidate_id
            self.save_term_and_vote()  # the election timer keeps running: the voter may campaign right away
        self.send(src, RequestVoteReply(self.current_term, grant))


class VoteResetsTimerOnRefusal(RaftNode):
    def handle_request_vote(self, src, msg):
        self.reset_election_timer()  # restarts the timer for every candidate, granted or not: a liveness bug
        if msg.term == self.current_term and self.voted_for in (None, msg.candidate_id) and _up_to_date(self, msg):
            self.voted_for = msg.candidate_id
            self.save_term_and_vote()
            self.send(src, RequestVoteReply(self.current_term, True))
        else:
            self.send(src, RequestVoteReply(self.current_term, False))


class VoteSpendsVoteOnRefusal(RaftNode):
    def handle_request_vote(self, src, msg):
        if msg.term < self.current_term:
            self.send(src, RequestVoteReply(self.current_term, False))
            return
        if self.voted_for is None:
            self.voted_for = msg.candidate_id  # claims the vote before the log check: a refused candidate spends it
            self.save_term_and_vote()
        if self.voted_for == msg.candidate_id and _up_to_date(self, msg):
            self.reset_election_timer()
            self.send(src, RequestVoteReply(self.current_term, True))
        else:
            self.send(src, RequestVoteReply(self.current_term, False))


class VoteRetryBeforeTermCheck(VoteRight):
    def handle_request_vote(self, src, msg):
        if self.voted_for == msg.candidate_id:  # "I voted for you" answered before the stale-term check
            self.send(src, RequestVoteReply(self.current_term, True))
            return
        super().handle_request_vote(src, msg)


class VoteComparesCurrentTerm(RaftNode):
    def handle_request_vote(self, src, msg):
        # compares the candidate's last log term with the voter's current term, not its last log term
        ok = (msg.last_log_term, msg.last_log_index) >= (self.current_term, self.log.last_index)
        if msg.term == self.current_term and self.voted_for in (None, msg.candidate_id) and ok:
            _grant(self, msg.candidate_id)
        else:
            self.send(src, RequestVoteReply(self.current_term, False))


class VoteReplyWithCandidateTerm(VoteRight):
    def send(self, dst, msg):
        if isinstance(msg, RequestVoteReply):
            msg = RequestVoteReply(self._asked, msg.vote_granted)  # replies with the request's term
        super().send(dst, msg)

    def handle_request_vote(self, src, msg):
        self._asked = msg.term
        super().handle_request_vote(src, msg)


class VoteTermsAsText(RaftNode):
    def handle_request_vote(self, src, msg):
        # compares terms as text: "9" > "10"
        ok = (str(msg.last_log_term), msg.last_log_index) >= (str(self.log.last_term), self.log.last_index)
        if msg.term == self.current_term and self.voted_for in (None, msg.candidate_id) and ok:
            _grant(self, msg.candidate_id)
        else:
            self.send(src, RequestVoteReply(self.current_term, False))


class VoteCoinOnTies(RaftNode):
    def handle_request_vote(self, src, msg):
        ok = _up_to_date(self, msg)
        if ok and (msg.last_log_term, msg.last_log_index) == (self.log.last_term, self.log.last_index):
            ok = random.random() < 0.9  # breaks ties between equal logs with the global random module
        if msg.term == self.current_term and self.voted_for in (None, msg.candidate_id) and ok:
            _grant(self, msg.candidate_id)
        else:
            self.send(src, RequestVoteReply(self.current_term, False))


class VoteArgumentsSwapped(RaftNode):
    def handle_request_vote(self, src, msg):
        # asks whether the VOTER is at least as up-to-date as the candidate: the arguments swapped
        ok = at_least_as_up_to_date(self.log.last_term, self.log.last_index, msg.last_log_term, msg.last_log_index)
        if msg.term == self.current_term and self.voted_for in (None, msg.candidate_id) and ok:
            _grant(self, msg.candidate_id)
        else:
            self.send(src, RequestVoteReply(self.current_term, False))


class VoteHashTieBreak(RaftNode):
    def handle_request_vote(self, src, msg):
        ok = _up_to_date(self, msg)
        if ok and (msg.last_log_term, msg.last_log_index) == (self.log.last_term, self.log.last_index):
            ok = hash(msg.candidate_id) % 7 != 0  # breaks ties with hash() of a string: differs per process
        if msg.term == self.current_term and self.voted_for in (None, msg.candidate_id) and ok:
            _grant(self, msg.candidate_id)
        else:
            self.send(src, RequestVoteReply(self.current_term, False))


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


class AppendWithHints(AppendRight):
    def handle_append_entries(self, src, msg):
        # also right: a refusal also carries §5.3's hint (conflicting term and its first index)
        if msg.term >= self.current_term and self.log.term_at(msg.prev_log_index) != msg.prev_log_term:
            self.leader_id = src
            self.reset_election_timer()
            term, first = self.conflict_hint(msg.prev_log_index)
            self.send(src, AppendEntriesReply(self.current_term, False, msg.prev_log_index, self.log.last_index,
                                              term, first))
            return
        super().handle_append_entries(src, msg)


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


class AppendTruncateOnHeartbeat(AppendRight):
    def handle_append_entries(self, src, msg):
        if msg.term >= self.current_term and self.log.term_at(msg.prev_log_index) == msg.prev_log_term \
                and not msg.entries and len(self.log.entries) > msg.prev_log_index:
            del self.log.entries[msg.prev_log_index:]  # a heartbeat cuts everything after prev
            self.log_changed(msg.prev_log_index + 1)
        super().handle_append_entries(src, msg)


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


class AppendPersistAfterReply(AppendRight):
    def log_changed(self, first):
        self._first = first  # remembered, persisted only after the reply has left

    def handle_append_entries(self, src, msg):
        self._first = None
        super().handle_append_entries(src, msg)
        if self._first is not None:
            RaftNode.log_changed(self, self._first)


class AppendReplyLogLength(AppendRight):
    def send(self, dst, msg):
        if isinstance(msg, AppendEntriesReply) and msg.success:
            msg = AppendEntriesReply(msg.term, True, self.log.last_index, self.log.last_index)  # claims the whole log
        super().send(dst, msg)


class AppendNoTimerOnRefusal(AppendRight):
    def reset_election_timer(self):
        self._reset = True

    def handle_append_entries(self, src, msg):
        self._reset = False
        super().handle_append_entries(src, msg)
        ok = self.log.term_at(msg.prev_log_index) == msg.prev_log_term
        if self._reset and ok:  # restarts the timer only when the consistency check passes
            RaftNode.reset_election_timer(self)


class AppendTimerOnStaleTerm(AppendRight):
    def handle_append_entries(self, src, msg):
        if msg.term < self.current_term:
            self.reset_election_timer()  # a deposed leader's requests keep this follower from campaigning
        super().handle_append_entries(src, msg)


class AppendNoStaleCheck(AppendRight):
    def handle_append_entries(self, src, msg):
        if msg.term < self.current_term:  # forgets the stale-term refusal: a deposed leader is obeyed
            msg = type(msg)(self.current_term, msg.leader_id, msg.prev_log_index, msg.prev_log_term, msg.entries,
                            msg.leader_commit)
        super().handle_append_entries(src, msg)


class AppendKeepsConflictingEntry(AppendRight):
    def handle_append_entries(self, src, msg):
        if msg.term < self.current_term or self.log.term_at(msg.prev_log_index) != msg.prev_log_term:
            super().handle_append_entries(src, msg)
            return
        self.leader_id = src
        self.reset_election_timer()
        for k, entry in enumerate(msg.entries):
            index = msg.prev_log_index + 1 + k
            if self.log.term_at(index) == entry.term:
                continue
            del self.log.entries[index:]  # off by one: keeps the conflicting entry itself
            self.log.entries.extend(msg.entries[k:])
            self.log_changed(index)
            break
        last_new = msg.prev_log_index + len(msg.entries)
        if msg.leader_commit > self.commit_index:
            self.commit_to(min(msg.leader_commit, last_new))
        self.send(src, AppendEntriesReply(self.current_term, True, last_new, self.log.last_index))


class AppendOverwriteKeepsTail(AppendRight):
    def handle_append_entries(self, src, msg):
        if msg.term < self.current_term or self.log.term_at(msg.prev_log_index) != msg.prev_log_term:
            super().handle_append_entries(src, msg)
            return
        self.leader_id = src
        self.reset_election_timer()
        changed = None
        for k, entry in enumerate(msg.entries):  # overwrites in place, never deletes the stale tail after them
            index = msg.prev_log_index + 1 + k
            if index <= self.log.last_index:
                if self.log.entries[index - 1].term != entry.term:
                    self.log.entries[index - 1] = entry
                    changed = changed or index
            else:
                self.log.entries.append(entry)
                changed = changed or index
        if changed:
            self.log_changed(changed)
        last_new = msg.prev_log_index + len(msg.entries)
        if msg.leader_commit > self.commit_index:
            self.commit_to(min(msg.leader_commit, last_new))
        self.send(src, AppendEntriesReply(self.current_term, True, last_new, self.log.last_index))


class AppendRefusalReportsLastIndex(AppendRight):
    def send(self, dst, msg):
        if isinstance(msg, AppendEntriesReply) and not msg.success:
            msg = AppendEntriesReply(msg.term, False, self.log.last_index, self.log.last_index)  # not prev_log_index
        super().send(dst, msg)


class AppendSetsCommitDirectly(AppendRight):
    def handle_append_entries(self, src, msg):
        super().handle_append_entries(src, msg)
        ok = msg.term >= self.current_term and self.log.term_at(msg.prev_log_index) == msg.prev_log_term
        if ok and msg.leader_commit < self.commit_index:
            self.commit_index = msg.leader_commit  # follows a late request's lower leader_commit: goes back


class AppendNoLeaderNoted(AppendRight):
    def handle_append_entries(self, src, msg):
        before = self.leader_id
        super().handle_append_entries(src, msg)
        self.leader_id = before  # never notes the leader: clients are not redirected to it


class AppendOnlyFirstNewEntry(AppendRight):
    def handle_append_entries(self, src, msg):
        if msg.term < self.current_term or self.log.term_at(msg.prev_log_index) != msg.prev_log_term:
            super().handle_append_entries(src, msg)
            return
        self.leader_id = src
        self.reset_election_timer()
        for k, entry in enumerate(msg.entries):
            index = msg.prev_log_index + 1 + k
            if self.log.term_at(index) == entry.term:
                continue
            del self.log.entries[index - 1:]
            self.log.entries.append(entry)  # appends the first new entry only, drops the rest
            self.log_changed(index)
            break
        last_new = msg.prev_log_index + len(msg.entries)
        if msg.leader_commit > self.commit_index:
            self.commit_to(min(msg.leader_commit, last_new, self.log.last_index))
        self.send(src, AppendEntriesReply(self.current_term, True, last_new, self.log.last_index))


class AppendGlobalRandomTimer(AppendRight):
    def reset_election_timer(self):
        low, high = self.config.election_timeout
        self.set_timer("election", random.uniform(low, high))  # the global random module, not self.rng


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


def commit_last_entry_term(matches, term_at, current_term, commit_index):
    n = sorted(matches, reverse=True)[len(matches) // 2]
    return max(n, commit_index) if term_at(max(matches)) == current_term else commit_index  # the last entry's term


def commit_ascending_median(matches, term_at, current_term, commit_index):
    n = sorted(matches)[len(matches) // 2]  # the median from below: one server short in even clusters
    return n if n > commit_index and term_at(n) == current_term else commit_index


def commit_unsorted(matches, term_at, current_term, commit_index):
    n = matches[len(matches) // 2]  # assumes the list is already sorted
    return n if n > commit_index and term_at(n) == current_term else commit_index


def commit_half_count(matches, term_at, current_term, commit_index):
    for n in sorted(set(matches), reverse=True):  # "at least half" is not a majority in an even cluster
        if n > commit_index and sum(m >= n for m in matches) * 2 >= len(matches) and term_at(n) == current_term:
            return n
    return commit_index


def commit_next_entry_term(matches, term_at, current_term, commit_index):
    n = sorted(matches, reverse=True)[len(matches) // 2]
    ok = term_at(commit_index + 1) == current_term  # checks the term of the next entry, not of entry n
    return n if n > commit_index and ok else commit_index


def commit_stops_at_old_term(matches, term_at, current_term, commit_index):
    n = commit_index  # walks up from the commit index and stops at the first earlier-term entry
    while sum(m >= n + 1 for m in matches) * 2 > len(matches) and term_at(n + 1) == current_term:
        n += 1
    return n


def commit_median_high(matches, term_at, current_term, commit_index):
    import statistics

    n = statistics.median_high(matches)  # the upper median: on half the servers only, in an even cluster
    return n if n > commit_index and term_at(n) == current_term else commit_index


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


class FixedCeilHalf(FixedRaft):
    def votes_needed(self):
        return -(-len(self.members) // 2)  # half rounded up: right for odd clusters, two halves in even ones


class FixedPeersMajority(FixedRaft):
    def votes_needed(self):
        return len(self.peers) // 2 + 1  # a majority of the others: one short in an even cluster


class FixedAscending(FixedRaft):
    def replicated_index(self, matches):
        return sorted(matches)[len(matches) // 2]  # the median from below: one server short in even clusters


class FixedUnsorted(FixedRaft):
    def replicated_index(self, matches):
        return matches[len(matches) // 2]  # assumes the match indexes arrive sorted


class FixedLastTerm(FixedRaft):
    def may_commit(self, index):
        return index > self.commit_index and self.log.last_term == self.current_term  # the last entry's term


class FixedNoCommitCheck(FixedRaft):
    def may_commit(self, index):
        return self.log.term_at(index) == self.current_term  # an index already committed counts again


class FixedThree(FixedRaft):
    def votes_needed(self):
        return 3  # right for five servers only


# -- 06-safety-check ---------------------------------------------------------------------------------


def safety_leaders_only(notes):
    seen, broken = {}, set()
    for r in notes:  # only election safety: never rebuilds the logs
        if r.detail.get("role") == "leader" and seen.setdefault(r.detail["term"], r.node) != r.node:
            broken.add("election safety")
    return broken


def _safety(notes, *, cut=True, compare=lambda e: e, restart=True, forget_log_on_start=False, only_last=False,
            leader_key=None, per_node=False):
    broken, leader_of, logs, commit, applied = set(), {}, {}, {}, {}
    for r in notes:
        d = r.detail
        if d.get("role") == "leader":
            key = leader_key(r) if leader_key else d["term"]
            if leader_of.setdefault(key, r.node) != r.node:
                broken.add("election safety")
        if d.get("start"):
            if restart:
                commit[r.node] = 0
            if forget_log_on_start:
                logs[r.node] = []
        if "log" in d:
            log = logs.setdefault(r.node, [])
            if cut:
                del log[d["log"] - 1:]
            log.extend(d["entries"])
        if "commit" in d:
            log = logs.get(r.node, [])
            first = d["commit"] if only_last else commit.get(r.node, 0) + 1
            for i in range(first, min(d["commit"], len(log)) + 1):
                key = (r.node, i) if per_node else i
                if compare(applied.setdefault(key, log[i - 1])) != compare(log[i - 1]):
                    broken.add("state machine safety")
            commit[r.node] = max(commit.get(r.node, 0), d["commit"])
    return broken


def safety_append_not_replace(notes):
    return _safety(notes, cut=False)  # appends log notes, never truncates at index k


def safety_any_two_leader_notes(notes):
    broken = reference_violations(notes) - {"election safety"}
    leaders = [r.detail["term"] for r in notes if r.detail.get("role") == "leader"]
    if len(leaders) != len(set(leaders)):
        broken.add("election safety")  # the same server noted twice in a term counts as two leaders
    return broken


def safety_terms_only(notes):
    return _safety(notes, compare=lambda e: e.term)  # compares the terms of entries, not whole entries


def safety_no_restart(notes):
    return _safety(notes, restart=False)  # after a restart, never applies from index 1 again


def safety_forgets_log_on_restart(notes):
    return _safety(notes, forget_log_on_start=True)  # a restart empties the log (it is durable)


def safety_only_commit_index(notes):
    return _safety(notes, only_last=True)  # applies only the entry at the commit index, not everything up to it


def safety_per_server(notes):
    return _safety(notes, per_node=True)  # compares each server with itself only, never across servers


def safety_candidates_count(notes):
    # counts candidates as leaders: a split vote looks like two leaders
    broken = reference_violations(notes) - {"election safety"}
    seen = {}
    for r in notes:
        if r.detail.get("role") in ("leader", "candidate") and seen.setdefault(r.detail["term"], r.node) != r.node:
            broken.add("election safety")
    return broken


def safety_leader_per_node(notes):
    # one leader per server instead of per term: a server leading two terms counts as a violation
    broken = reference_violations(notes) - {"election safety"}
    seen = {}
    for r in notes:
        if r.detail.get("role") == "leader" and seen.setdefault(r.node, r.detail["term"]) != r.detail["term"]:
            broken.add("election safety")
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


class SessionsGoesBack(KVStore):
    def apply(self, command):
        last = self.sessions.get(command.client)
        if last is not None and command.seq == last[0]:
            return last[1]
        if last is not None and command.seq < last[0]:
            self.sessions[command.client] = (command.seq, None)  # a stale duplicate moves the session back
            return None
        output = self.execute(command)
        self.sessions[command.client] = (command.seq, output)
        return output


class SessionsOldReexecuted(KVStore):
    def apply(self, command):
        last = self.sessions.get(command.client)
        if last is not None and command.seq == last[0]:
            return last[1]  # only the latest seq is recognised: an older duplicate runs again
        output = self.execute(command)
        self.sessions[command.client] = (max(command.seq, last[0]) if last else command.seq, output)
        return output


class SessionsSeqAsText(KVStore):
    def apply(self, command):
        last = self.sessions.get(command.client)
        if last is not None and str(command.seq) <= str(last[0]):  # "10" < "9": seq 10 looks old
            return last[1] if command.seq == last[0] else None
        output = self.execute(command)
        self.sessions[command.client] = (command.seq, output)
        return output


class SessionsClientPrefix(KVStore):
    def apply(self, command):
        client = command.client[:2]  # "c1" and "c10" share a session
        last = self.sessions.get(client)
        if last is not None and command.seq <= last[0]:
            return last[1] if command.seq == last[0] else None
        output = self.execute(command)
        self.sessions[client] = (command.seq, output)
        return output


class SessionsExpectNextSeq(KVStore):
    def apply(self, command):
        last = self.sessions.get(command.client, (0, None))
        if command.seq != last[0] + 1:  # demands seq to be exactly the next one; a gap is taken as a repeat
            return last[1] if command.seq == last[0] else None
        output = self.execute(command)
        self.sessions[command.client] = (command.seq, output)
        return output


class SessionsOldGetsOldOutput(KVStore):
    def apply(self, command):
        seen = self.__dict__.setdefault("_outputs", {})
        key = (command.client, command.seq)
        if key in seen:
            return seen[key]  # an older seq gets its old output back instead of None
        last = self.sessions.get(command.client)
        if last is not None and command.seq < last[0]:
            return None
        output = self.execute(command)
        seen[key] = output
        self.sessions[command.client] = (command.seq, output)
        return output


class SessionsWritesOnly(KVStore):
    def apply(self, command):
        if command.op == "get":
            return self.execute(command)  # reads are not de-duplicated: a retried get runs again
        last = self.sessions.get(command.client)
        if last is not None and command.seq <= last[0]:
            return last[1] if command.seq == last[0] else None
        output = self.execute(command)
        self.sessions[command.client] = (command.seq, output)
        return output


class SessionsNoOutputKept(KVStore):
    def apply(self, command):
        last = self.sessions.get(command.client)
        if last is not None and command.seq <= last[0]:
            return last[1] if command.seq == last[0] else None
        self.sessions[command.client] = (command.seq, None)  # remembers the seq, never the output
        return self.execute(command)


# -- 06-design-commit-rule ---------------------------------------------------------------------------


def rule_raft(matches, term_at, current_term, commit_index):
    n = sorted(matches, reverse=True)[len(matches) // 2]
    return n if n > commit_index and term_at(n) == current_term else commit_index


def rule_every_server_too(matches, term_at, current_term, commit_index):
    # also right: Raft's rule, plus an old entry once every server stores it (§5.4.2's remark)
    raft = rule_raft(matches, term_at, current_term, commit_index)
    return max(raft, min(matches))


def rule_all_but_one_old(matches, term_at, current_term, commit_index):
    raft = rule_raft(matches, term_at, current_term, commit_index)
    ranked = sorted(matches, reverse=True)
    return max(raft, ranked[-2] if len(ranked) > 1 else ranked[0])  # an old entry on all but one server: unsafe


def rule_even_wrong(matches, term_at, current_term, commit_index):
    n = sorted(matches, reverse=True)[(len(matches) - 1) // 2]  # two of four servers is not a majority
    return n if n > commit_index and term_at(n) == current_term else commit_index


def rule_followers_only(matches, term_at, current_term, commit_index):
    others = sorted(matches[1:], reverse=True)  # drops the first match as "the leader's", wherever it is
    if not others:
        return max(commit_index, matches[0])
    n = others[len(others) // 2]
    return n if n > commit_index and term_at(n) == current_term else commit_index


# -- the tables -------------------------------------------------------------------------------------------


class VoteForgetsOnEvenTerms(RaftNode):
    """Wrong only sometimes (the flakiness meter's example): the vote is persisted in odd terms only,
    so a crash in an even term loses it. Not in WRONG: a check on a few seeds may pass it."""

    def handle_request_vote(self, src: str, msg: Any) -> None:
        if msg.term < self.current_term:
            self.send(src, RequestVoteReply(self.current_term, False))
            return
        if self.voted_for in (None, msg.candidate_id) and self.candidate_log_ok(msg):
            self.voted_for = msg.candidate_id
            if self.current_term % 2:
                self.save_term_and_vote()
            self.reset_election_timer()
            self.send(src, RequestVoteReply(self.current_term, True))
        else:
            self.send(src, RequestVoteReply(self.current_term, False))


RIGHT: dict[str, Any] = {
    "06-request-vote": VoteRight,
    "06-append-entries": AppendRight,
    "06-commit-index": commit_right,
    "06-predict-election": Answer({"n2", "n3", "n4"}, why="c"),
    "06-drill-seed-raft": FixedRaft,
    "06-safety-check": reference_violations,
    "06-predict-batching": Answer(("c", "b"), why="b"),
    "06-kv-session": SessionsRight,
    "06-design-commit-rule": rule_raft,
}

ALSO_RIGHT: dict[str, list[Any]] = {
    "06-request-vote": [VoteTupleCompare, VoteTimerFirst, VoteNoRepersist],
    "06-append-entries": [AppendWithHints],
    "06-commit-index": [commit_scan, lambda m, t, c, ci: majority_commit_index(m, t, c, ci)],
    "06-predict-election": [Answer(["n4", "n3", "n2"], why="(c)"), Answer({"N2", "n3", " n4"}, why="C")],
    "06-predict-batching": [Answer(["C", "b"], why="(b)")],
    "06-design-commit-rule": [rule_every_server_too, commit_scan],
}

WRONG: dict[str, list[Any]] = {
    "06-request-vote": [VoteNoLogCheck, VoteNotPersisted, VotePersistAfterReply, VoteTwicePerTerm, VoteLengthOnly,
                        VoteTermsOnly, VoteStrictlyLonger, VoteNoRetry, VoteNoTimerReset, VoteResetsTimerOnRefusal,
                        VoteSpendsVoteOnRefusal, VoteRetryBeforeTermCheck, VoteComparesCurrentTerm,
                        VoteReplyWithCandidateTerm, VoteTermsAsText, VoteCoinOnTies, VoteArgumentsSwapped,
                        VoteHashTieBreak],
    "06-append-entries": [AppendTruncateAlways, AppendTruncateOnHeartbeat, AppendCommitToLogEnd, AppendIndexOnlyCheck,
                          AppendNoPersist, AppendPersistAfterReply, AppendReplyLogLength, AppendNoTimerOnRefusal,
                          AppendTimerOnStaleTerm, AppendNoStaleCheck, AppendKeepsConflictingEntry,
                          AppendOverwriteKeepsTail, AppendRefusalReportsLastIndex, AppendSetsCommitDirectly,
                          AppendNoLeaderNoted, AppendOnlyFirstNewEntry, AppendGlobalRandomTimer],
    "06-commit-index": [commit_no_term_rule, commit_median_minus_one, commit_lowest, commit_may_go_back,
                        commit_last_entry_term, commit_ascending_median, commit_unsorted, commit_half_count,
                        commit_next_entry_term, commit_stops_at_old_term, commit_median_high],
    "06-predict-election": [
        Answer({"n3"}, why="d"),  # only the server with every term-10 entry
        Answer({"n2", "n3"}, why="c"),  # forgets that n4's longer log beats n1 and n5
        Answer({"n1", "n2", "n3", "n4", "n5"}, why="b"),  # any last term at least the voter's
        Answer({"n1", "n3", "n4"}, why="a"),  # the longest logs win
        Answer({"n1", "n4", "n5"}, why="c"),  # terms compared as text: "9" > "10"
        Answer({"n2", "n3", "n4"}, why="a"),  # the right servers, for the wrong reason
        Answer({"n2", "n3", "n4"}, why="d"),  # the right servers, for another wrong reason
        Answer({"n2", "n3", "n4", "n1"}, why="c"),  # n1 too: it has as many entries as n3
        Answer("n2 n3 n4", why="c"),  # a string, not a set
    ],
    "06-drill-seed-raft": [SeedRaft, FixedVotesOnly, FixedAllButTerm, FixedAllButCount, FixedAllButVotes, FixedHalf,
                           FixedCeilHalf, FixedPeersMajority, FixedAscending, FixedUnsorted, FixedLastTerm,
                           FixedNoCommitCheck, FixedThree],
    "06-safety-check": [safety_leaders_only, safety_append_not_replace, safety_any_two_leader_notes,
                        safety_terms_only, safety_no_restart, safety_forgets_log_on_restart, safety_only_commit_index,
                        safety_per_server, safety_leader_per_node, safety_candidates_count],
    "06-predict-batching": [
        Answer(("b", "b"), why="b"),  # batching has the lower latency: it does at 20 clients, not at 8 on slow links
        Answer(("c", "c"), why="b"),  # pipelining sends the fewest messages: one per entry, the most
        Answer(("c", "d"), why="b"),  # both combined saves messages: here it sends one entry per message too
        Answer(("c", "a"), why="b"),  # stop-and-wait sends the fewest: it sends the most per command
        Answer(("c", "b"), why="a"),  # right modes, wrong reason: pipelining sends more messages, not fewer
        Answer(("c", "b"), why="c"),  # right modes, wrong reason: batches are small, the leader never waits
        Answer(("c", "b"), why="d"),  # right modes, wrong reason: a pipelined request carries one entry
        Answer("c", why="b"),  # one letter, not a pair
    ],
    "06-kv-session": [SessionsReexecute, KVStoreNoSessions, SessionsNoneForRepeat, SessionsBySeqOnly,
                      SessionsRereadOnRepeat, SessionsGoesBack, SessionsOldReexecuted, SessionsSeqAsText,
                      SessionsClientPrefix, SessionsExpectNextSeq, SessionsOldGetsOldOutput, SessionsWritesOnly,
                      SessionsNoOutputKept],
    "06-design-commit-rule": [count_replicas, last_entry_term, every_server, half_the_servers, commit_may_go_back,
                              rule_all_but_one_old, rule_even_wrong, commit_next_entry_term, commit_stops_at_old_term,
                              rule_followers_only],
}
