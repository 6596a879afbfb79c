"""Right and plausible wrong answers to the T14 multi-leader exercises (14-drill-lww-merge, 14-predict-conflicts).

``RIGHT[exercise_id]`` is a correct answer; ``WRONG[exercise_id]`` lists wrong ones, each with a
comment naming its mistake; ``ALSO_RIGHT`` holds other correct answers. tests/test_exercises.py
and tests/test_grading_regions_multileader.py run every one of them.
"""

from __future__ import annotations

import random as _random
import re as _re
from typing import Any

from dsworkbook.regions.resolution import Version
from tests.wrong_answers import Answer

# -- 14-drill-lww-merge ------------------------------------------------------------------------------------


def resolve_right(existing, incoming):
    if existing is None:
        return incoming
    if (incoming.timestamp, incoming.region) > (existing.timestamp, existing.region):
        return incoming
    return existing


def resolve_right_max(existing, incoming):
    # also right: a Version compares as (timestamp, region, value); one (timestamp, region) is one version
    return incoming if existing is None else max(existing, incoming)


def resolve_right_slices(existing, incoming):
    # also right: compare the (timestamp, region) head of the tuples, keep existing when they are equal
    if existing is None or incoming[:2] > existing[:2]:
        return incoming
    return existing


def resolve_seed(existing, incoming):
    # the seed notes: strict > and no tie-break - on a tie each region keeps its own version
    if existing is None or incoming.timestamp > existing.timestamp:
        return incoming
    return existing


def resolve_ge(existing, incoming):
    # >=: incoming wins ties, so the winner is whichever arrived last - it differs by region
    if existing is None or incoming.timestamp >= existing.timestamp:
        return incoming
    return existing


def resolve_smaller_region(existing, incoming):
    # a tie goes to the SMALLER region name: a total order, but not the one every region was told to use
    if existing is None or incoming.timestamp > existing.timestamp:
        return incoming
    if incoming.timestamp == existing.timestamp and incoming.region < existing.region:
        return incoming
    return existing


def resolve_value_as_text(existing, incoming):
    # a tie broken by the value compared as text: 1 and "1" tie again, and existing keeps them
    if existing is None:
        return incoming
    if (incoming.timestamp, str(incoming.value)) > (existing.timestamp, str(existing.value)):
        return incoming
    return existing


def resolve_region_only(existing, incoming):
    # compares only the region names, as if a region's writes were always newer than another's
    if existing is None or incoming.region > existing.region:
        return incoming
    return existing


def resolve_max_value(existing, incoming):
    # "the larger value wins": the timestamps are never looked at
    if existing is None:
        return incoming
    return max(existing, incoming, key=lambda v: repr(v.value))


def resolve_region_first(existing, incoming):
    # (region, timestamp): the region decides first, the time only within one region
    if existing is None or (incoming.region, incoming.timestamp) > (existing.region, existing.timestamp):
        return incoming
    return existing


def resolve_ts_as_text(existing, incoming):
    # timestamps compared as strings: '9' > '10', '5.0' != '5'
    if existing is None or (str(incoming.timestamp), incoming.region) > (str(existing.timestamp), existing.region):
        return incoming
    return existing


def resolve_int_ts(existing, incoming):
    # int(timestamp): 5.25 and 5.5 become a tie, and the region decides
    if existing is None or (int(incoming.timestamp), incoming.region) > (int(existing.timestamp), existing.region):
        return incoming
    return existing


def resolve_delete_is_empty(existing, incoming):
    # a stored delete (value None) is taken for "nothing stored": any incoming version replaces it
    if existing is None or existing.value is None:
        return incoming
    return resolve_right(existing, incoming)


def resolve_falsy_is_empty(existing, incoming):
    # `if not existing.value`: a stored 0, "" or False counts as nothing stored
    if existing is None or not existing.value:
        return incoming
    return resolve_right(existing, incoming)


def resolve_none_returns_existing(existing, incoming):
    # nothing stored yet: returns existing (None), so the first version of a key is never kept
    if existing is None:
        return existing
    return resolve_right(existing, incoming)


def resolve_ignore_case(existing, incoming):
    # region names compared ignoring case: 'Z' and 'a', 'B' and 'b' order differently
    if existing is None or (incoming.timestamp, incoming.region.lower()) > (existing.timestamp,
                                                                           existing.region.lower()):
        return incoming
    return existing


def resolve_natural_region(existing, incoming):
    # region names in "natural" order (r9 < r10): not string order
    def key(v):
        return (v.timestamp, [int(p) if p.isdigit() else p for p in _re.split(r"(\d+)", v.region)])
    if existing is None or key(incoming) > key(existing):
        return incoming
    return existing


def resolve_hash_tie(existing, incoming):
    # a tie broken by hash(region): differs from one Python process to the next
    if existing is None or (incoming.timestamp, hash(incoming.region)) > (existing.timestamp, hash(existing.region)):
        return incoming
    return existing


def resolve_random_tie(existing, incoming):
    # a tie broken by a coin: every region flips its own
    if existing is None or incoming.timestamp > existing.timestamp:
        return incoming
    if incoming.timestamp == existing.timestamp and _random.random() < 0.5:
        return incoming
    return existing


def resolve_mixed_fields(existing, incoming):
    # builds a new version from the larger timestamp and incoming's region and value
    if existing is None:
        return incoming
    return Version(max(existing.timestamp, incoming.timestamp), incoming.region, incoming.value)


def resolve_tie_keeps_value_larger(existing, incoming):
    # a tie goes to the version with the larger value when both are numbers, else to the larger region
    if existing is None or incoming.timestamp > existing.timestamp:
        return incoming
    if incoming.timestamp < existing.timestamp:
        return existing
    a, b = existing.value, incoming.value
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and a != b:
        return incoming if b > a else existing
    return incoming if incoming.region > existing.region else existing


RIGHT: dict[str, Any] = {"14-drill-lww-merge": resolve_right}
def resolve_rebuilt(existing, incoming):
    # returns an equal copy (timestamp as a float) instead of the argument itself
    if existing is None:
        return incoming
    w = incoming if (incoming.timestamp, incoming.region) > (existing.timestamp, existing.region) else existing
    return Version(float(w.timestamp), w.region, w.value)


ALSO_RIGHT: dict[str, list[Any]] = {"14-drill-lww-merge": [resolve_right_max, resolve_right_slices]}
WRONG: dict[str, list[Any]] = {
    "14-drill-lww-merge": [resolve_seed, resolve_ge, resolve_smaller_region, resolve_value_as_text, resolve_region_only,
                           resolve_max_value, resolve_region_first, resolve_ts_as_text, resolve_int_ts,
                           resolve_delete_is_empty, resolve_falsy_is_empty, resolve_none_returns_existing,
                           resolve_ignore_case, resolve_natural_region, resolve_hash_tie, resolve_random_tie,
                           resolve_rebuilt,
                           resolve_mixed_fields, resolve_tie_keeps_value_larger],
}

# -- 14-predict-conflicts ----------------------------------------------------------------------------------

_SURVIVE = {"LWW, clocks in sync": 4, "LWW, Tokyo 500 ms behind": 2, "version vectors with siblings": 5, "OR-Set": 5}
RIGHT["14-predict-conflicts"] = Answer(_SURVIVE, why="a")
ALSO_RIGHT["14-predict-conflicts"] = [Answer(dict(_SURVIVE), why=" (A) ")]
WRONG["14-predict-conflicts"] = [
    Answer(dict(_SURVIVE, **{"LWW, clocks in sync": 5}), why="a"),        # in-sync clocks taken to lose nothing
    Answer(dict(_SURVIVE, **{"LWW, clocks in sync": 2}), why="a"),        # "one survivor per key": forgets that
    # C had seen A and B (overwritten knowingly)
    Answer(dict(_SURVIVE, **{"LWW, clocks in sync": 3}), why="a"),        # A and B counted lost although C saw both
    Answer(dict(_SURVIVE, **{"LWW, Tokyo 500 ms behind": 4}), why="a"),   # skew taken to change nothing
    Answer(dict(_SURVIVE, **{"LWW, Tokyo 500 ms behind": 3}), why="a"),   # only C lost: forgets A then loses to B
    Answer(dict(_SURVIVE, **{"version vectors with siblings": 4}), why="a"),  # siblings taken to drop D or E
    Answer(dict(_SURVIVE, **{"version vectors with siblings": 3}), why="a"),  # "one version per key at the end"
    Answer(dict(_SURVIVE, **{"OR-Set": 4}), why="a"),                     # the OR-Set taken to drop a concurrent add
    Answer(dict(_SURVIVE, **{"LWW, clocks in sync": 5, "LWW, Tokyo 500 ms behind": 3}), why="b"),  # skew is the
    # only way LWW loses
    Answer(_SURVIVE, why="b"),  # right counts, wrong reason: LWW with clocks in sync lost E's rival D
    Answer(_SURVIVE, why="c"),  # right counts, wrong reason: siblings kept both D and E
    Answer(_SURVIVE, why="d"),  # right counts, wrong reason: the OR-Set kept Tokyo's add
    Answer({"LWW": 4, "siblings": 5, "OR-Set": 5}, why="a"),              # the wrong keys
    Answer(dict(_SURVIVE, **{"OR-Set": "all"}), why="a"),                 # not a number
]
