"""Right and plausible wrong answers to the T08 exercises, for proving the checks discriminate.

``RIGHT[exercise_id]`` is a correct answer; ``WRONG[exercise_id]`` lists wrong ones, each with
a comment naming the mistake it makes; ``ALSO_RIGHT`` holds other correct answers.
tests/test_exercises.py and tests/test_grading_byzantine.py run every one of them.
"""

from __future__ import annotations

import math
from typing import Any

from dsworkbook.consensus.pbft.messages import Commit, PrePrepare, Prepare, Reply
from dsworkbook.grading.byzantine.drill_pre_prepare import NotesBackup
from tests.wrong_answers import Answer

# -- 08-quorum-size ----------------------------------------------------------------------------------


def qs_right(n, f):
    return None if n < 3 * f + 1 else (n + f + 2) // 2


def qs_right_ceil(n, f):
    return None if n < 3 * f + 1 else math.ceil((n + f + 1) / 2)


def qs_right_loop(n, f):
    if n < 3 * f + 1:
        return None
    q = 1
    while 2 * q - n < f + 1:
        q += 1
    return q


def qs_two_f_plus_one(n, f):  # 2f+1 whatever n: right only at n = 3f+1
    return None if n < 3 * f + 1 else 2 * f + 1


def qs_n_minus_f(n, f):  # n - f: live, but larger than needed for n > 3f+1
    return None if n < 3 * f + 1 else n - f


def qs_floor(n, f):  # rounds (n+f+1)/2 down
    return None if n < 3 * f + 1 else (n + f + 1) // 2


def qs_f_plus_one(n, f):  # the notes' f+1 quorums
    return None if n < 3 * f + 1 else f + 1


def qs_majority(n, f):  # crash-fault majority, ignores f
    return None if n < 3 * f + 1 else n // 2 + 1


def qs_le_bound(n, f):  # refuses n = 3f+1 too
    return None if n <= 3 * f + 1 else (n + f + 2) // 2


def qs_no_none(n, f):  # never says None: n = 3f gets a size that is not safe and live
    return (n + f + 2) // 2


def qs_float(n, f):  # a float, not an int
    return None if n < 3 * f + 1 else math.ceil((n + f + 1) / 2) * 1.0


def qs_ceil_n_f(n, f):  # ceil((n+f)/2): shares only f replicas when n+f is even
    return None if n < 3 * f + 1 else math.ceil((n + f) / 2)


def qs_bound_3f(n, f):  # n >= 3f is taken as enough
    return None if n < 3 * f else (n + f + 2) // 2


def qs_small_special(n, f):  # 2f+1 at n = 3f+1, n - f otherwise
    if n < 3 * f + 1:
        return None
    return 2 * f + 1 if n == 3 * f + 1 else n - f


# -- 08-drill-prepared ---------------------------------------------------------------------------------


def prep_right(log, keys, n, f, view, seq, digest):
    primary = f"r{view % n}"
    good = [s.body for s in log if keys.verify(s)]
    if not any(type(m) is PrePrepare and (m.view, m.seq, m.digest, m.replica) == (view, seq, digest, primary)
               for m in good):
        return False
    voters = {m.replica for m in good if type(m) is Prepare and (m.view, m.seq, m.digest) == (view, seq, digest)
              and m.replica != primary}
    return len(voters) >= 2 * f


def prep_right_counter(log, keys, n, f, view, seq, digest):
    primary = "r" + str(view % n)
    has_pp, voters = False, []
    for s in reversed(log):
        if not keys.verify(s):
            continue
        m = s.body
        if isinstance(m, PrePrepare) and m.replica == primary and (m.view, m.seq, m.digest) == (view, seq, digest):
            has_pp = True
        elif isinstance(m, Prepare) and not isinstance(m, Commit) and (m.view, m.seq, m.digest) == (view, seq, digest):
            if m.replica != primary and m.replica not in voters:
                voters.append(m.replica)
    return has_pp and len(voters) >= 2 * f


def _prep(*, distinct=True, threshold=lambda f: 2 * f, verify=True, primary_check=True, exclude_primary=True,
          match_view=True, match_digest=True, kinds=(Prepare,), need_pp=True, sender_in_count=False):
    def is_prepared(log, keys, n, f, view, seq, digest):
        primary = f"r{view % n}"
        msgs = [s.body for s in log if keys.verify(s) or not verify]
        pp = [m for m in msgs if type(m) is PrePrepare and m.seq == seq and (m.view == view or not match_view)
              and (m.digest == digest or not match_digest) and (m.replica == primary or not primary_check)]
        if need_pp and not pp:
            return False
        votes = [m.replica for m in msgs if type(m) in kinds and m.seq == seq and (m.view == view or not match_view)
                 and (m.digest == digest or not match_digest) and (m.replica != primary or not exclude_primary)]
        count = len(set(votes)) if distinct else len(votes)
        return count + (1 if sender_in_count else 0) >= threshold(f)
    return is_prepared


def prep_pp_any_view(log, keys, n, f, view, seq, digest):  # the pre-prepare's view never compared
    primary = f"r{view % n}"
    good = [s.body for s in log if keys.verify(s)]
    if not any(type(m) is PrePrepare and (m.seq, m.digest, m.replica) == (seq, digest, primary) for m in good):
        return False
    voters = {m.replica for m in good if type(m) is Prepare and (m.view, m.seq, m.digest) == (view, seq, digest)
              and m.replica != primary}
    return len(voters) >= 2 * f


def prep_pp_any_seq(log, keys, n, f, view, seq, digest):  # the pre-prepare's number never compared
    primary = f"r{view % n}"
    good = [s.body for s in log if keys.verify(s)]
    if not any(type(m) is PrePrepare and (m.view, m.digest, m.replica) == (view, digest, primary) for m in good):
        return False
    voters = {m.replica for m in good if type(m) is Prepare and (m.view, m.seq, m.digest) == (view, seq, digest)
              and m.replica != primary}
    return len(voters) >= 2 * f


def prep_notes(log, keys, n, f, view, seq, digest):  # the notes: any pre-prepare, messages counted, f+1
    pre = [s for s in log if type(s.body) is PrePrepare and s.body.seq == seq]
    if not pre or pre[-1].body.digest != digest:
        return False
    votes = [s for s in log if type(s.body) is Prepare and s.body.seq == seq and s.body.digest == digest]
    return 1 + len(votes) >= f + 1


def prep_last_pre_prepare(log, keys, n, f, view, seq, digest):  # judges only the last pre-prepare seen
    primary = f"r{view % n}"
    pre = [s.body for s in log if keys.verify(s) and type(s.body) is PrePrepare and s.body.replica == primary
           and (s.body.view, s.body.seq) == (view, seq)]
    if not pre or pre[-1].digest != digest:
        return False
    return _prep()(log, keys, n, f, view, seq, digest)


# -- 08-new-view ---------------------------------------------------------------------------------------


def nv_right(view_changes):
    min_s = max(stable for stable, _ in view_changes)
    best = {}
    for _, prepared in view_changes:
        for seq, view, digest in prepared:
            if seq > min_s and (seq not in best or view > best[seq][0]):
                best[seq] = (view, digest)
    max_s = max(best, default=min_s)
    return min_s, max_s, {n: best[n][1] if n in best else "null" for n in range(min_s + 1, max_s + 1)}


def nv_right_sorted(view_changes):
    min_s = max(s for s, _ in view_changes)
    certs = sorted((seq, view, d) for _, p in view_changes for seq, view, d in p if seq > min_s)
    best = {seq: d for seq, view, d in certs}  # sorted by view within seq: the last one is the highest view
    max_s = max(best) if best else min_s
    return min_s, max_s, {n: best.get(n, "null") for n in range(min_s + 1, max_s + 1)}


def _nv(*, min_of=max, key=lambda c: c[1], keep_low=False, nulls=True, start=1, null="null", max_all=False):
    def new_view_requests(view_changes):
        min_s = min_of(s for s, _ in view_changes)
        best = {}
        for _, prepared in view_changes:
            for c in prepared:
                if (c[0] > min_s or keep_low) and (c[0] not in best or key(c) > key(best[c[0]])):
                    best[c[0]] = c
        above = [n for n in best if n > min_s]
        every = [c[0] for _, prepared in view_changes for c in prepared]
        max_s = max(every if max_all else above, default=min_s)
        chosen = {}
        for n in range(min_s + start, max_s + 1):
            if n in best:
                chosen[n] = best[n][2]
            elif nulls:
                chosen[n] = null
        if keep_low:
            chosen.update({n: c[2] for n, c in best.items() if n <= min_s})
        return min_s, max_s, chosen
    return new_view_requests


def nv_most_frequent(view_changes):  # majority vote per number instead of the highest view
    min_s = max(s for s, _ in view_changes)
    counts = {}
    for _, p in view_changes:
        for seq, view, d in p:
            if seq > min_s:
                counts.setdefault(seq, {}).setdefault(d, 0)
                counts[seq][d] += 1
    max_s = max(counts, default=min_s)
    return min_s, max_s, {n: max(sorted(counts[n]), key=lambda d: counts[n][d]) if n in counts else "null"
                          for n in range(min_s + 1, max_s + 1)}


def nv_first_seen(view_changes):  # the first certificate met wins, whatever its view
    min_s = max(s for s, _ in view_changes)
    best = {}
    for _, p in view_changes:
        for seq, view, d in p:
            if seq > min_s:
                best.setdefault(seq, d)
    max_s = max(best, default=min_s)
    return min_s, max_s, {n: best.get(n, "null") for n in range(min_s + 1, max_s + 1)}


def nv_set_order(view_changes):  # picks a digest from a set of the candidates: depends on hash order
    min_s = max(s for s, _ in view_changes)
    cands = {}
    for _, p in view_changes:
        for seq, view, d in p:
            if seq > min_s:
                cands.setdefault(seq, set()).add(d)
    max_s = max(cands, default=min_s)
    return min_s, max_s, {n: next(iter(cands[n])) if n in cands else "null" for n in range(min_s + 1, max_s + 1)}


def nv_string_views(view_changes):  # compares views as strings: "9" > "10"
    return _nv(key=lambda c: str(c[1]))(view_changes)


# -- 08-client-accept ------------------------------------------------------------------------------------


def ca_right(replies, keys, client, timestamp, f):
    voters = []
    for signed in replies:
        r = signed.body
        if type(r) is not Reply or not keys.verify(signed) or r.client != client or r.timestamp != timestamp:
            continue
        if (r.result, r.replica) not in voters:
            voters.append((r.result, r.replica))
        if sum(1 for result, _ in voters if result == r.result) >= f + 1:
            return True, r.result
    return False, None


def ca_right_latest(replies, keys, client, timestamp, f):  # each replica's latest reply is its vote (the library)
    latest = {}
    for signed in replies:
        r = signed.body
        if isinstance(r, Reply) and keys.verify(signed) and (r.client, r.timestamp) == (client, timestamp):
            latest[r.replica] = r.result
            if sum(1 for v in latest.values() if v == r.result) > f:
                return True, r.result
    return False, None


def _ca(*, need=lambda f: f + 1, distinct=True, verify=True, match_ts=True, match_client=True):
    def accepted_result(replies, keys, client, timestamp, f):
        votes = {}
        for signed in replies:
            r = signed.body
            if not isinstance(r, Reply) or (verify and not keys.verify(signed)) or (match_ts and r.timestamp != timestamp) \
                    or (match_client and r.client != client):
                continue
            votes.setdefault(repr(r.result), []).append(r.replica)
            got = votes[repr(r.result)]
            if len(set(got) if distinct else got) >= need(f):
                return True, r.result
        return False, None
    return accepted_result


def ca_first(replies, keys, client, timestamp, f):  # the notes' client: the first verified reply
    for s in replies:
        if keys.verify(s) and s.body.client == client and s.body.timestamp == timestamp:
            return True, s.body.result
    return False, None


def ca_most_common_of_all(replies, keys, client, timestamp, f):  # the most common result once all arrived, no quorum
    counts = {}
    for s in replies:
        r = s.body
        if keys.verify(s) and (r.client, r.timestamp) == (client, timestamp):
            counts.setdefault(repr(r.result), [r.result, set()])[1].add(r.replica)
    if not counts:
        return False, None
    result, who = max(counts.values(), key=lambda c: len(c[1]))
    return True, result


def ca_none_is_missing(replies, keys, client, timestamp, f):  # takes a None result for "no answer"
    ok, result = ca_right(replies, keys, client, timestamp, f)
    return (False, None) if result is None else (ok, result)


def ca_majority_of_n(replies, keys, client, timestamp, f):  # a majority of the 3f+1 replicas
    return _ca(need=lambda f: (3 * f + 1) // 2 + 1)(replies, keys, client, timestamp, f)


# -- 08-predict-traitor ----------------------------------------------------------------------------------

BROKEN = {
    "n=4, r0 equivocates": False,
    "n=4, f+1 thresholds, r0 equivocates": True,
    "n=4, f+1 thresholds, r2 equivocates": False,
    "n=4, f+1 thresholds, r1 lies": False,
    "n=3, r0 equivocates": True,
    "n=4, first-reply client, r2 forges": True,
    "n=4, first-reply client, r0 equivocates": False,
    "n=7, r0 and r1 equivocate": False,
}


def _flip(table, key, why):
    return Answer({**table, key: not table[key]}, why=why)


# -- 08-predict-view-change --------------------------------------------------------------------------------

VIEW = {"final view": 2, "every client done": True, "safety broken": False}


# -- 08-drill-pre-prepare ---------------------------------------------------------------------------------


class BackupRight(NotesBackup):
    def on_pre_prepare(self, signed):
        pp = signed.body
        if (type(pp) is not PrePrepare or not self.keys.verify(signed) or pp.replica != f"r{pp.view % self.n}"
                or pp.view != self.view or not self.low < pp.seq <= self.low + self.window):
            return "rejected"
        first = self.accepted.get((pp.view, pp.seq))
        if first is None:
            self.accepted[(pp.view, pp.seq)] = signed
            return "accepted"
        if first.body.digest == pp.digest:
            return "duplicate"
        self.evidence.append((first, signed))
        return "equivocation"


class BackupRightSteps(NotesBackup):
    """Right, checking one condition at a time."""

    def on_pre_prepare(self, signed):
        if not isinstance(signed.body, PrePrepare):
            return "rejected"
        if not self.keys.verify(signed):
            return "rejected"
        pp = signed.body
        if pp.view != self.view:
            return "rejected"
        if pp.replica != "r" + str(self.view % self.n):
            return "rejected"
        if pp.seq <= self.low or pp.seq > self.low + self.window:
            return "rejected"
        key = (pp.view, pp.seq)
        if key in self.accepted:
            if self.accepted[key].body.digest != pp.digest:
                self.evidence.append((self.accepted[key], signed))
                return "equivocation"
            return "duplicate"
        self.accepted[key] = signed
        return "accepted"


def _backup(*, verify=True, primary=True, view=True, marks=True, low_ok=False, high_ok=True, keep_first=True,
            record=True, dup_is_equivocation=False, type_check=True):
    class Backup(NotesBackup):
        def on_pre_prepare(self, signed):
            pp = signed.body
            if type_check and type(pp) is not PrePrepare:
                return "rejected"
            if verify and not self.keys.verify(signed):
                return "rejected"
            if primary and pp.replica != f"r{pp.view % self.n}":
                return "rejected"
            if view and pp.view != self.view:
                return "rejected"
            if marks:
                above = pp.seq >= self.low if low_ok else pp.seq > self.low
                below = pp.seq <= self.low + self.window if high_ok else pp.seq < self.low + self.window
                if not (above and below):
                    return "rejected"
            key = (pp.view, pp.seq)
            first = self.accepted.get(key)
            if first is None:
                self.accepted[key] = signed
                return "accepted"
            if first.body.digest == pp.digest and not dup_is_equivocation:
                return "duplicate"
            if record:
                self.evidence.append((first, signed))
            if not keep_first:
                self.accepted[key] = signed
            return "equivocation"
    return Backup


class BackupBySeq(NotesBackup):  # keys the log by number alone: the same number in a new view looks like equivocation
    def on_pre_prepare(self, signed):
        pp = signed.body
        if (type(pp) is not PrePrepare or not self.keys.verify(signed) or pp.replica != f"r{pp.view % self.n}"
                or pp.view != self.view or not self.low < pp.seq <= self.low + self.window):
            return "rejected"
        first = next((s for (v, n), s in self.accepted.items() if n == pp.seq), None)
        if first is None:
            self.accepted[(pp.view, pp.seq)] = signed
            return "accepted"
        if first.body.digest == pp.digest:
            return "duplicate"
        self.evidence.append((first, signed))
        return "equivocation"


class BackupPrimaryOfItsView(NotesBackup):  # the primary of the backup's view, but forgets the pre-prepare's view
    def on_pre_prepare(self, signed):
        pp = signed.body
        if (type(pp) is not PrePrepare or not self.keys.verify(signed) or pp.replica != f"r{self.view % self.n}"
                or not self.low < pp.seq <= self.low + self.window):
            return "rejected"
        first = self.accepted.get((pp.view, pp.seq))
        if first is None:
            self.accepted[(pp.view, pp.seq)] = signed
            return "accepted"
        if first.body.digest == pp.digest:
            return "duplicate"
        self.evidence.append((first, signed))
        return "equivocation"


# -- the tables ------------------------------------------------------------------------------------------

RIGHT: dict[str, Any] = {
    "08-quorum-size": qs_right,
    "08-drill-prepared": prep_right,
    "08-new-view": nv_right,
    "08-client-accept": ca_right,
    "08-predict-traitor": Answer(BROKEN, why="a"),
    "08-predict-view-change": Answer(VIEW, why="c"),
    "08-drill-pre-prepare": BackupRight,
    "08-design-pbft": {"n": 7, "checkpoint_interval": 4, "view_timeout": 60},
}

ALSO_RIGHT: dict[str, list[Any]] = {
    "08-quorum-size": [qs_right_ceil, qs_right_loop],
    "08-drill-prepared": [prep_right_counter],
    "08-new-view": [nv_right_sorted],
    "08-client-accept": [ca_right_latest],
    "08-predict-traitor": [Answer(BROKEN, why="(A)"), Answer(BROKEN, why=" a ")],
    "08-predict-view-change": [Answer(VIEW, why="(c)")],
    "08-drill-pre-prepare": [BackupRightSteps],
    "08-design-pbft": [{"n": 7, "checkpoint_interval": 3, "view_timeout": 40},
                       {"n": 7, "checkpoint_interval": 5, "view_timeout": 100.0}],
}

WRONG: dict[str, list[Any]] = {
    "08-quorum-size": [
        qs_two_f_plus_one,  # 2f+1 for every n: two sets of 3 out of 5 share one replica, maybe a traitor
        qs_n_minus_f,  # n - f: safe but not the smallest at n > 3f+1
        qs_floor,  # floor((n+f+1)/2): one short when n+f is even
        qs_f_plus_one,  # the notes' f+1 quorums
        qs_majority,  # a crash-fault majority, ignoring f
        qs_le_bound,  # refuses n = 3f+1 exactly
        qs_no_none,  # never None: answers for n < 3f+1
        qs_float,  # returns a float
        qs_ceil_n_f,  # ceil((n+f)/2): two quorums may share only f
        qs_bound_3f,  # accepts n = 3f
        qs_small_special,  # 2f+1 at n = 3f+1 and n - f elsewhere
    ],
    "08-drill-prepared": [
        prep_notes,  # the notes' counter: messages not replicas, any pre-prepare, f+1
        _prep(distinct=False),  # a replica's duplicate prepare counted twice
        _prep(threshold=lambda f: f + 1),  # f+1 prepares
        _prep(threshold=lambda f: 2 * f + 1),  # 2f+1 prepares on top of the pre-prepare
        _prep(exclude_primary=False),  # the primary's own prepare counted
        _prep(verify=False),  # signatures never checked: forgeries count
        _prep(primary_check=False),  # a backup's pre-prepare accepted
        _prep(match_view=False),  # prepares of any view counted
        _prep(match_digest=False),  # prepares for any digest counted
        _prep(kinds=(Prepare, Commit)),  # commits counted as prepares
        _prep(need_pp=False),  # prepares alone, no pre-prepare needed
        _prep(sender_in_count=True),  # counts itself once more: 2f-1 prepares taken as enough
        prep_last_pre_prepare,  # an equivocating primary's last pre-prepare overwrites the first
        prep_pp_any_view,  # the pre-prepare's view not compared (r0 is the primary of views 0, 4, 8...)
        prep_pp_any_seq,  # the pre-prepare's sequence number not compared
    ],
    "08-new-view": [
        _nv(min_of=min),  # min-s from the oldest stable checkpoint, not the latest
        _nv(key=lambda c: c[2]),  # the largest digest, not the highest view
        _nv(key=lambda c: -c[1]),  # the lowest view wins
        _nv(nulls=False),  # gaps left out instead of null requests
        _nv(null=None),  # a gap as None, not the null request "null"
        _nv(start=0),  # the range starts at min-s itself
        _nv(keep_low=True),  # re-proposes numbers at or below the stable checkpoint
        _nv(max_all=True),  # max-s over every certificate, also those at or below min-s
        nv_most_frequent,  # the digest most view changes report
        nv_first_seen,  # the first certificate seen
        nv_set_order,  # a digest drawn from a set: hash order
        nv_string_views,  # views compared as strings
    ],
    "08-client-accept": [
        ca_first,  # the notes' client: accepts the first reply
        _ca(need=lambda f: 2 * f + 1),  # waits for 2f+1: stalls with f silent replicas
        _ca(need=lambda f: f),  # f matching replies: all may be traitors
        _ca(distinct=False),  # a re-sent reply counted twice
        _ca(verify=False),  # signatures never checked: forged replies count
        _ca(match_ts=False),  # replies to older requests count
        _ca(match_client=False),  # replies to other clients count
        ca_most_common_of_all,  # the most common result, without f+1
        ca_none_is_missing,  # a None result taken for no answer
        ca_majority_of_n,  # a majority of n replicas
    ],
    "08-predict-traitor": [
        _flip(BROKEN, "n=4, r0 equivocates", "a"),  # thinks an equivocating primary breaks correct PBFT
        _flip(BROKEN, "n=4, f+1 thresholds, r0 equivocates", "a"),  # thinks f+1 thresholds survive equivocation
        _flip(BROKEN, "n=4, f+1 thresholds, r2 equivocates", "a"),  # thinks a backup alone can split the f+1 votes
        _flip(BROKEN, "n=4, f+1 thresholds, r1 lies", "a"),  # thinks wrong digests from one backup make a certificate
        _flip(BROKEN, "n=3, r0 equivocates", "a"),  # thinks n = 3f is enough
        _flip(BROKEN, "n=4, first-reply client, r2 forges", "a"),  # thinks a forger cannot fool a first-reply client
        _flip(BROKEN, "n=4, first-reply client, r0 equivocates", "a"),  # thinks an equivocator answers clients wrongly
        _flip(BROKEN, "n=7, r0 and r1 equivocate", "a"),  # thinks two colluding equivocators beat n = 7
        Answer({k: True for k in BROKEN}, why="a"),  # every traitor breaks safety
        Answer({k: False for k in BROKEN}, why="d"),  # nothing breaks: signatures protect everything
        Answer(BROKEN, why="b"),  # blames forged signatures
        Answer(BROKEN, why="c"),  # blames the client
        Answer(BROKEN, why="d"),  # blames the network
        Answer({k: v for k, v in BROKEN.items() if k != "n=3, r0 equivocates"}, why="a"),  # a run left out
    ],
    "08-predict-view-change": [
        Answer({**VIEW, "final view": 1}, why="c"),  # thinks the replicas stop at view 1
        Answer({**VIEW, "final view": 3}, why="c"),  # counts one view too many
        Answer({**VIEW, "final view": 0}, why="c"),  # thinks no view change happens
        Answer({**VIEW, "every client done": False}, why="a"),  # thinks the clients are stuck
        Answer({**VIEW, "safety broken": True}, why="c"),  # thinks two silent traitors break safety
        Answer(VIEW, why="a"),  # thinks 2f+1 view changes cannot be gathered
        Answer(VIEW, why="b"),  # thinks replicas skip the silent primary's view
        Answer(VIEW, why="d"),  # thinks silence is detected by signatures
        Answer({**VIEW, "final view": "2"}, why="c"),  # the view as a string
        Answer({"final view": 2, "every client done": True}, why="c"),  # a key left out
    ],
    "08-drill-pre-prepare": [
        NotesBackup,  # the notes: no check, a later pre-prepare overwrites
        _backup(verify=False),  # signatures never checked: a forgery in the primary's name is accepted
        _backup(primary=False),  # any replica's pre-prepare accepted
        _backup(view=False),  # pre-prepares of other views accepted
        _backup(marks=False),  # no water marks: a traitor primary can exhaust the numbers
        _backup(low_ok=True),  # the low water mark itself accepted
        _backup(high_ok=False),  # the high water mark itself refused
        _backup(keep_first=False),  # the second pre-prepare overwrites the first (evidence kept)
        _backup(record=False),  # equivocation seen but no evidence kept
        _backup(dup_is_equivocation=True),  # a re-sent identical pre-prepare taken for equivocation
        _backup(type_check=False),  # a prepare taken for a pre-prepare
        BackupBySeq,  # the log keyed by number alone, across views
        BackupPrimaryOfItsView,  # checks the backup's view's primary but not the message's view
    ],
    "08-design-pbft": [
        {"n": 6, "checkpoint_interval": 4, "view_timeout": 60},  # n = 3f: one replica short
        {"n": 8, "checkpoint_interval": 4, "view_timeout": 60},  # one replica more than 3f+1: safe, not the fewest
        {"n": 10, "checkpoint_interval": 4, "view_timeout": 60},  # 3f+4 replicas: not the fewest
        {"n": 7, "checkpoint_interval": 2, "view_timeout": 60},  # checkpoints too often
        {"n": 7, "checkpoint_interval": 1, "view_timeout": 60},  # a checkpoint per request
        {"n": 7, "checkpoint_interval": 6, "view_timeout": 60},  # the log grows past 10
        {"n": 7, "checkpoint_interval": 100, "view_timeout": 60},  # checkpoints never: unbounded log
        {"n": 7, "checkpoint_interval": 4, "view_timeout": 160},  # waits too long for the equivocating primary
        {"n": 7, "checkpoint_interval": 4, "view_timeout": 1000},  # the default-ish long timeout
        {"n": 7, "checkpoint_interval": 4, "view_timeout": 20},  # so short that view changes pile up
        {"n": 7, "checkpoint_interval": 0, "view_timeout": 60},  # K = 0
        {"n": 7, "checkpoint_interval": 4},  # a key left out
        {"n": 7, "checkpoint_interval": 4.0, "view_timeout": 60},  # K as a float
    ],
}
