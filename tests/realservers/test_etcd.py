"""A real etcd cluster, a Jepsen-style history, and the workbook's checker (M05).

Without etcd these tests skip with the install command; under CI=true they fail instead. The
real-server part is bounded (a 150-operation workload, a handful of probes) to stay well under
60 s in total.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from dsworkbook.cli import main
from dsworkbook.errors import ConfigError
from dsworkbook.realservers import etcd
from dsworkbook.realservers.jepsen_etcd import EtcdRun, plan_workload, run_etcd_test
from tests.fixtures.servers import require


def require_etcd() -> None:
    """Skip (or, under CI=true, fail) when etcd is not installed."""
    require("etcd")


@pytest.fixture(scope="module")
def cluster() -> Iterator[etcd.EtcdCluster]:
    """One three-member cluster per module (about 2.5 s to start); each run writes its own fresh keys."""
    require_etcd()
    with etcd.etcd_cluster(3) as c:
        yield c


# -- no server needed ------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, says", [
    # the cluster's shape
    ({"n": 0}, "n >= 1"),
    ({"n": True}, "n >= 1"),
    ({"heartbeat_ms": 100, "election_ms": 400}, "5 x heartbeat_ms"),
    ({"heartbeat_ms": 0}, "heartbeat_ms > 0"),
])
def test_a_bad_cluster_shape_is_refused_before_anything_starts(kwargs, says):
    with pytest.raises(ConfigError, match=says):
        with etcd.etcd_cluster(**kwargs):
            pass


@pytest.mark.parametrize("kwargs, says", [
    ({"ops": -1}, "ops must be"),
    ({"nemesis": ("partition",)}, "unknown nemesis"),
    ({"reads": "stale"}, "reads must be one of"),
    ({"clients": 0}, "clients must be"),
    ({"timeout": 0}, "timeout must be > 0"),
    ({"probe_writes": 0}, "probe_writes must be"),
])
def test_a_bad_run_is_refused_with_what_to_change(kwargs, says):
    with pytest.raises(ConfigError, match=says):
        run_etcd_test(None, **kwargs)  # type: ignore[arg-type] - refused before the cluster is touched


def test_the_workload_comes_from_the_seed_alone():
    first, again, other = plan_workload(4, 120, 5), plan_workload(4, 120, 5), plan_workload(5, 120, 5)
    assert first == again and first != other
    ops = [op for plan in first for op in plan]
    assert len(ops) == 120 and {f for f, *_ in ops} == {"read", "write", "cas"}
    assert {key for _, key, *_ in ops} == {"k0", "k1", "k2"}        # 50 operations per key, then a fresh key


def test_the_history_file_is_jepsen_edn_that_history_check_reads(tmp_path):
    events = ({"process": 0, "type": "invoke", "f": "write", "key": "k0", "value": 1, "time": 1.0},
              {"process": 0, "type": "ok", "f": "write", "key": "k0", "value": 1, "time": 2.0},
              {"process": "nemesis", "type": "info", "f": "pause", "value": "m1", "time": 2.5},
              {"process": 1, "type": "invoke", "f": "cas", "key": "k0", "value": [1, 2], "time": 3.0},
              {"process": 1, "type": "ok", "f": "cas", "key": "k0", "value": False, "time": 4.0},
              {"process": 2, "type": "invoke", "f": "read", "key": "k0", "value": None, "time": 5.0},
              {"process": 2, "type": "ok", "f": "read", "key": "k0", "value": 1, "time": 6.0})
    run = EtcdRun(events, (), "linearizable", ("pause",), 0, 3, 0.1)
    path = run.write(tmp_path / "h.edn")
    assert path.read_text().splitlines()[2] == '{:process :nemesis, :type :info, :f :pause, :value "m1", :time 2.5}'
    assert len(run.history()) == 3
    # the cas found 1 and reported that it failed to compare: impossible, so not linearizable
    assert run.check().verdict == "not linearizable"
    assert main(["history", "check", str(path), "--model", "kv"]) == 1


# -- a real cluster ----------------------------------------------------------------------------------

def test_every_member_is_stopped_and_its_data_removed_even_when_the_body_raises():
    require_etcd()
    with pytest.raises(RuntimeError, match="boom"):
        with etcd.etcd_cluster(1) as c:
            pid, root = c.pid(0), c.members[0].data_dir.parent
            c.pause(0)                          # a paused member must be resumed to be stopped
            raise RuntimeError("boom")
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert not root.exists()


def test_with_linearizable_reads_the_history_under_pauses_and_kills_is_linearizable(cluster):
    run = run_etcd_test(cluster, ops=150, nemesis=("pause", "kill"), seed=1, probes=2, hold_s=0.6, calm_s=0.3)
    result = run.check()
    # always: linearizable, and every probe read the last acknowledged write
    assert result.verdict == "linearizable", result.explain()
    assert run.stale_reads == 0 and all(p.read_ok for p in run.probes)
    # sometimes: faults were injected while clients worked, and most operations succeeded
    assert any(f.startswith(("pause", "kill")) for f in run.faults()[:-4])
    assert run.counts()["ok"] > 100


def test_a_serializable_read_from_a_follower_just_resumed_is_stale_and_the_checker_shows_it(cluster):
    run = run_etcd_test(cluster, ops=0, nemesis=(), reads="serializable", seed=2, probes=2)
    result = run.check()
    assert run.stale_reads == 2, run.probes
    assert result.verdict == "not linearizable"
    bad = result.counterexample
    assert len(bad) <= 3
    read = next(op for op in bad if op.f == "read")
    assert read.key.startswith("probe") and read.output == 0      # 50 newer writes were acknowledged before it


def test_the_command_writes_the_history_and_prints_the_verdict(tmp_path, capsys):
    require_etcd()
    out = tmp_path / "etcd.edn"
    code = main(["jepsen", "etcd", "--ops", "30", "--nemesis", "none", "--reads", "serializable", "--probes", "1",
                 "--seed", "3", "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 1 and "not linearizable; stale probe reads 1/1" in printed
    assert "smallest violating sub-history found (3 ops)" in printed
    assert main(["history", "check", str(out), "--model", "kv"]) == 1
