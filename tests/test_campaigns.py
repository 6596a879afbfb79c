"""`dsworkbook fuzz NAME`: every registered campaign runs from the command line and ends with one line.

The line has one shape for every campaign - ``NAME: N seeds, V violations, P/N made progress,
first failing seed S, shrunk to K faults`` - and the exit code says whether a violation was
found. (That each broken variant is caught is proven in each campaign's own tests.)
"""

from __future__ import annotations

import re

import pytest

from dsworkbook.campaigns import all_campaigns
from dsworkbook.cli import main
from dsworkbook.errors import ConfigError
from dsworkbook.sim.fuzz import Campaign, FuzzReport, Violation, register_campaign
from dsworkbook.sim.faults import FaultSchedule, ShrinkResult

LINE = re.compile(r"^(?P<name>[\w -]+): (?P<n>\d+) seeds, (?P<v>\d+) violations, (?P<p>\d+)/(?P=n) made progress, "
                  r"first failing seed (?P<s>-|\d+), shrunk to (?P<k>-|\d+) faults$")


def test_the_campaigns_of_every_built_theme_are_registered():
    assert {"raft", "paxos", "multipaxos", "cp", "crdt"} <= set(all_campaigns())
    for camp in all_campaigns().values():
        assert camp.variants[0] == "correct" and len(camp.variants) >= 2, camp.name


@pytest.mark.parametrize("name", sorted(all_campaigns()))
def test_every_campaign_ends_with_the_one_line(name, capsys):
    code = main(["fuzz", name, "--seeds", "2", "--no-shrink"] + (["--processes", "1"] if all_campaigns()[name].parallel
                                                                  else []))
    last = capsys.readouterr().out.splitlines()[-1]
    m = LINE.match(last)
    assert m and m["name"] == name and m["n"] == "2", last
    assert code == (1 if int(m["v"]) else 0)


@pytest.mark.parametrize("argv", [["fuzz", "--help"]] + [["fuzz", name, "--help"] for name in sorted(all_campaigns())])
def test_the_help_of_the_command_and_of_every_campaign_prints(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 0 and "usage: dsworkbook fuzz" in capsys.readouterr().out


def test_a_broken_variant_is_named_in_the_line_and_exits_1(capsys):
    assert main(["fuzz", "crdt", "--seeds", "3", "--variant", "sum_merge"]) == 1
    out = capsys.readouterr().out
    m = LINE.match(out.splitlines()[-1])
    assert m and m["name"] == "crdt --variant sum_merge" and m["s"] == "0" and m["k"] != "-"
    assert "first violation: seed 0" in out and "smallest failing schedule" in out


def test_the_line_of_a_report():
    report = FuzzReport(seeds=10, progress=9)
    assert report.line("x") == "x: 10 seeds, 0 violations, 9/10 made progress, first failing seed -, shrunk to - faults"
    sched = FaultSchedule()
    report.violations.append(Violation(4, "broke", sched, ShrinkResult(sched, sched, 3)))
    assert report.line("x").endswith("first failing seed 4, shrunk to 0 faults")


def test_bad_campaign_arguments_say_what_to_pass(capsys):
    assert main(["fuzz", "cp", "--seeds", "0"]) == 2
    assert "--seeds must be at least 1" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["fuzz", "cp", "--variant", "nope"])
    with pytest.raises(ConfigError, match="first variant must be 'correct'"):
        register_campaign(Campaign("zz", "nothing", lambda *a, **k: FuzzReport(), ("broken",)))


def test_the_queue_campaign_names_its_variants_guarantees(capsys):
    code = main(["fuzz", "queue", "--seeds", "20", "--guarantee", "at-most-once", "--processes", "1", "--no-shrink"])
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.startswith("queue --guarantee at-most-once: 20 seeds, ") and code == 1, last
    code = main(["fuzz", "queue", "--seeds", "20", "--guarantee", "effectively-once", "--processes", "1"])
    last = capsys.readouterr().out.splitlines()[-1]
    assert last == ("queue --guarantee effectively-once: 20 seeds, 0 violations, 20/20 made progress, "
                    "first failing seed -, shrunk to - faults") and code == 0
