"""Right and plausible wrong answers to the membership-change exercises of T06 (F08).

``RIGHT[exercise_id]`` is a correct answer; ``WRONG[exercise_id]`` lists wrong ones, each with a
comment naming the mistake; ``ALSO_RIGHT`` holds other correct answers the checks must accept.
"""

from __future__ import annotations

from typing import Any

from tests.wrong_answers import Answer

# -- 06-config-quorum --------------------------------------------------------------------------------


def _value(s, match, leader, last_index):
    return last_index if s == leader else match.get(s, 0)


def quorum_right(voters, old_voters, match, leader, last_index):
    def majority(group):
        if not group:
            return 0
        ranked = sorted((_value(s, match, leader, last_index) for s in group), reverse=True)
        return ranked[len(group) // 2]

    index = majority(voters)
    if old_voters is not None:
        index = min(index, majority(old_voters))
    return index


def quorum_counting(voters, old_voters, match, leader, last_index):
    # also right: the highest candidate index that more than half of each group reaches
    values = {**match, leader: last_index}
    groups = [voters] + ([old_voters] if old_voters is not None else [])
    best = 0
    for candidate in sorted(set(values.values()) | {0}):
        if all(2 * sum(1 for s in g if values.get(s, 0) >= candidate) > len(g) for g in groups):
            best = candidate
    return best if all(groups) else 0


def quorum_ascending(voters, old_voters, match, leader, last_index):
    # also right: ascending order, position (n - 1) // 2
    def majority(group):
        if not group:
            return 0
        ranked = sorted(_value(s, match, leader, last_index) for s in group)
        return ranked[(len(group) - 1) // 2]

    return min([majority(voters)] + ([majority(old_voters)] if old_voters is not None else []))


def _plain(values):
    return sorted(values, reverse=True)[len(values) // 2] if values else 0


def counts_learners(voters, old_voters, match, leader, last_index):
    # counts every server in match (learners, departed servers) as a voter
    index = _plain(list({**match, leader: last_index}.values()))
    return index


def counts_leader_always(voters, old_voters, match, leader, last_index):
    # counts the leader even when it is not a voter (the leader being removed)
    def majority(group):
        group = set(group) | {leader}
        return _plain([_value(s, match, leader, last_index) for s in group]) if voters else 0

    index = majority(voters)
    if old_voters is not None:
        index = min(index, majority(old_voters))
    return index


def union_majority(voters, old_voters, match, leader, last_index):
    # while joint, one majority of the union of old and new voters instead of a majority of each
    group = set(voters) | set(old_voters or ())
    return _plain([_value(s, match, leader, last_index) for s in group]) if voters else 0


def max_of_two(voters, old_voters, match, leader, last_index):
    # while joint, the higher of the two majorities' indexes (either majority is enough)
    index = quorum_right(voters, None, match, leader, last_index)
    if old_voters is not None:
        index = max(index, quorum_right(old_voters, None, match, leader, last_index))
    return index


def half_is_enough(voters, old_voters, match, leader, last_index):
    # >= half instead of > half: in an even configuration a tie (2 of 4) commits
    def majority(group):
        if not group:
            return 0
        ranked = sorted((_value(s, match, leader, last_index) for s in group), reverse=True)
        return ranked[(len(group) - 1) // 2]

    return min([majority(voters)] + ([majority(old_voters)] if old_voters is not None else []))


def missing_ignored(voters, old_voters, match, leader, last_index):
    # a voter missing from match is left out (the majority taken of those present) instead of holding 0
    values = {**match, leader: last_index}

    def majority(group):
        present = [values[s] for s in group if s in values]
        return _plain(present)

    index = majority(voters)
    if old_voters is not None:
        index = min(index, majority(old_voters))
    return index


def median_of_all(voters, old_voters, match, leader, last_index):
    # the median of every match value, the leader's own included, whatever the configuration
    values = sorted(list(match.values()) + [last_index])
    return values[len(values) // 2] if voters else 0


def old_voters_only(voters, old_voters, match, leader, last_index):
    # while joint, uses only the old voters (the new configuration not yet "in force")
    return quorum_right(old_voters if old_voters is not None else voters, None, match, leader, last_index)


def new_voters_only(voters, old_voters, match, leader, last_index):
    # ignores joint consensus: the new voters alone decide
    return quorum_right(voters, None, match, leader, last_index)


def leader_not_counted(voters, old_voters, match, leader, last_index):
    # forgets the leader's own log: only the followers' match indexes count
    def majority(group):
        return sorted((match.get(s, 0) for s in group), reverse=True)[len(group) // 2] if group else 0

    return min([majority(voters)] + ([majority(old_voters)] if old_voters is not None else []))


def old_size_for_both(voters, old_voters, match, leader, last_index):
    # copy-paste slip: the old voters' majority is taken at the new configuration's position
    index = quorum_right(voters, None, match, leader, last_index)
    if old_voters is not None:
        ranked = sorted((_value(s, match, leader, last_index) for s in old_voters), reverse=True)
        index = min(index, ranked[min(len(voters) // 2, len(ranked) - 1)] if ranked else 0)
    return index


def no_voters_last_index(voters, old_voters, match, leader, last_index):
    # with no voters, returns the leader's last index (nothing is on a majority of nobody)
    return quorum_right(voters, old_voters, match, leader, last_index) if voters else last_index


def every_voter(voters, old_voters, match, leader, last_index):
    # too cautious: only what every voter stores (a slow voter stalls all commits)
    groups = [voters] + ([old_voters] if old_voters is not None else [])
    return min((_value(s, match, leader, last_index) for g in groups for s in g), default=0)


QUORUM_WRONG = [counts_learners, counts_leader_always, union_majority, max_of_two, half_is_enough, missing_ignored,
                median_of_all, old_voters_only, new_voters_only, leader_not_counted, old_size_for_both,
                no_voters_last_index, every_voter]

# -- 06-predict-membership ---------------------------------------------------------------------------

MEMBERSHIP_RIGHT = {"correct": False, "change_before_term_commit": True}

RIGHT: dict[str, Any] = {
    "06-config-quorum": quorum_right,
    "06-predict-membership": Answer(MEMBERSHIP_RIGHT, why="a"),
}

ALSO_RIGHT: dict[str, list[Any]] = {
    "06-config-quorum": [quorum_counting, quorum_ascending],
    "06-predict-membership": [Answer(MEMBERSHIP_RIGHT, why="(a)"),
                              Answer(dict(reversed(list(MEMBERSHIP_RIGHT.items()))), why=" A ")],
}

WRONG: dict[str, list[Any]] = {
    "06-config-quorum": QUORUM_WRONG,
    "06-predict-membership": [
        Answer(MEMBERSHIP_RIGHT, why="b"),                                    # the partition alone breaks Raft (no)
        Answer(MEMBERSHIP_RIGHT, why="c"),                                    # single-server changes always safe (no)
        Answer(MEMBERSHIP_RIGHT, why="d"),                                    # the rule does harm (no)
        Answer({"correct": True, "change_before_term_commit": True}, why="b"),   # both break
        Answer({"correct": False, "change_before_term_commit": False}, why="c"),  # the thesis's overlap argument
        Answer({"correct": True, "change_before_term_commit": False}, why="d"),   # the roles swapped
        Answer({"correct": True, "change_before_term_commit": True}, why="a"),   # right reason, thinks both break
        Answer({"correct": False, "change_before_term_commit": False}, why="a"),  # right reason, thinks both safe
        Answer({"correct": False}, why="a"),                                  # leaves out the variant
        Answer({"correct": "no", "change_before_term_commit": "yes"}, why="a"),  # not bools
        Answer({"correct": 0, "change_before_term_commit": 1}, why="a"),      # ints instead of bools
        Answer(MEMBERSHIP_RIGHT, why="e"),                                    # a reason that is not offered
    ],
}
