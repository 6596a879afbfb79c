"""The check of ``15-spot-the-pitfall``: registered right, its truth from runs, and it discriminates."""

from __future__ import annotations

import dataclasses
import re
import pytest

from dsworkbook import grading
from dsworkbook.errors import ConfigError, InvariantViolation
from dsworkbook.grading.interview import pitfalls
from tests.test_exercises import names_missing_from
from tests.wrong_answers import submit
from tests.wrong_answers.interview_pitfalls import ALSO_RIGHT, RIGHT, WRONG

ID = "15-spot-the-pitfall"

#: each snippet with its bug fixed: the same demonstration must then show nothing wrong
FIXED = {
    "quorum": "def write_ok(acks, n):\n    return acks >= n // 2 + 1\n",
    "retry": ("def send_with_retries(server, op, attempts=3):\n    key = f'{op}#once'\n"
              "    for attempt in range(attempts):\n        if server.apply(key, op):\n            return True\n"
              "    return False\n"),
    "lease": ("def still_mine(reply_arrived_local, now_local, ttl):\n"
              "    return now_local < reply_arrived_local - 10 + ttl * 0.85\n"),
    "release": ("def release(table, resource, client, now):\n"
                "    if table.get(resource, (None, 0))[0] == client and table[resource][1] > now:\n"
                "        del table[resource]\n"),
    "merge": ("def merge(mine, theirs):\n    return max(mine, theirs, key=lambda w: (w[0], w[1]))\n"),
    "consume": "def consume(consumer, db, record):\n    db.apply(record)\n    consumer.commit(record.offset + 1)\n",
    "vote": ("def on_prepare(self, txn):\n    self.disk.append(('prepared', txn))\n"
             "    self.send('coordinator', ('yes', txn))\n"),
    "partition": "def partition(h, n):\n    return (h & 0x7fffffff) % n\n",
    "before": ("def happened_before(a, b):\n    nodes = set(a) | set(b)\n"
               "    return all(a.get(x, 0) <= b.get(x, 0) for x in nodes) and any(a.get(x, 0) < b.get(x, 0) "
               "for x in nodes)\n"),
}


def test_it_is_registered_as_a_prediction_of_i03_with_a_why_part():
    ex = grading.get(ID)
    assert (ex.theme, ex.concepts, ex.kind, ex.parts) == ("T15", ("I03",), "predict", ("why",))


@pytest.mark.parametrize("answer, why", [(..., {}), ({}, ...)])
def test_an_unanswered_prediction_is_not_attempted(answer, why):
    with pytest.raises(grading.NotAttempted):
        grading.check(ID, answer, why=why)


def test_the_draw_is_seeded_and_the_graded_one_is_fixed():
    assert [s.name for s in pitfalls.draw()] == ["consume", "partition", "release", "lease", "vote", "retry"]
    assert pitfalls.draw(3) == pitfalls.draw(3)
    assert {s.name for k in range(40) for s in pitfalls.draw(k)} == {s.name for s in pitfalls.SNIPPETS}


@pytest.mark.parametrize("snippet", pitfalls.SNIPPETS, ids=lambda s: s.name)
def test_every_snippet_breaks_something_in_its_run_and_its_fix_breaks_nothing(snippet):
    # sometimes: the snippet as shown breaks a property; always: the fixed code, same demo, breaks none
    assert pitfalls.demonstrate(snippet.name) in pitfalls.CONSEQUENCES
    fixed = dataclasses.replace(snippet, code=FIXED[snippet.name])
    assert fixed.demo(pitfalls._compile(fixed)) is None


def test_the_truth_of_why_comes_from_the_run_not_a_constant(monkeypatch):
    fixed = tuple(dataclasses.replace(s, code=FIXED[s.name]) if s.name == "lease" else s for s in pitfalls.SNIPPETS)
    monkeypatch.setattr(pitfalls, "_BY_NAME", {s.name: s for s in fixed})
    with pytest.raises(InvariantViolation, match="lease"):
        pitfalls.demonstrate("lease")


def test_a_right_answer_passes_and_says_what_it_checked(capsys):
    line = submit(ID, RIGHT[ID])
    assert line.startswith(f"✔ {ID}: 6 snippets (seed 16)")
    for answer in ALSO_RIGHT[ID]:
        submit(ID, answer)


@pytest.mark.parametrize("answer", WRONG[ID], ids=[f"wrong-{n}" for n in range(len(WRONG[ID]))])
def test_every_plausible_wrong_answer_is_rejected_with_a_hint_the_learner_can_see(answer, capsys):
    shown = pitfalls.show(seed=16)  # what the statement's cell prints
    with pytest.raises(grading.WrongAnswer) as info:
        submit(ID, answer)
    text = str(info.value)
    assert all(part in text for part in ("input:", "expected:", "got:", "hint:"))
    assert not names_missing_from(info.value.hint, shown)


def test_there_are_at_least_ten_wrong_answers():
    assert len(WRONG[ID]) >= 10


@pytest.mark.parametrize("call", [
    lambda: pitfalls.draw(seed="16"),       # a seed is an int
    lambda: pitfalls.draw(count=0),         # at least one snippet
    lambda: pitfalls.draw(count=10),        # at most the nine there are
    lambda: pitfalls.demonstrate("nope"),   # no such snippet
])
def test_bad_input_raises_config_error(call):
    with pytest.raises(ConfigError):
        call()


def test_show_prints_the_snippets_and_both_lists(capsys):
    text = pitfalls.show(seed=16)
    assert capsys.readouterr().out.strip() == text.strip()
    assert all(f"--- {s.name} ---" in text for s in pitfalls.draw(16))
    assert re.search(r"\(i\) ", text) and re.search(r"\(t\) ", text)
