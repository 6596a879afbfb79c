"""PBFT (theme 08): the normal case, checkpoints, view changes, traitors, the campaign and its broken variants."""

from __future__ import annotations

import pytest

from dsworkbook.consensus.pbft import (PBFT_VARIANTS, STRATEGIES, Keyring, Prepare, PrePrepare, Replica, Request,
                                       Signed, byzantine_quorum, check_pbft, clients_done, digest_of,
                                       equivocation_evidence, fuzz_pbft, honest_replicas, messages_per_request,
                                       min_intersection, pbft_invariant, pbft_run, pbft_sim, quorum_table,
                                       signing_cost)
from dsworkbook.consensus.pbft.campaign import _property
from dsworkbook.errors import ConfigError
from dsworkbook.sim.fuzz import campaigns


def _run(seed: int = 1, until: float = 3000.0, **kw):
    sim = pbft_sim(seed, **kw)
    sim.run(until=until)
    return sim


def _executed(sim, node):
    return [r.detail["executed"] for r in sim.trace.notes(node=node, key="executed")]


# -- B01 normal case ------------------------------------------------------------------------------


def test_normal_case_every_replica_executes_every_request_in_order_and_clients_get_f_plus_1_replies():
    sim = _run(f=1, clients=2, ops=6)
    assert clients_done(sim) and check_pbft(sim) == []
    for r in ("r0", "r1", "r2", "r3"):
        assert _executed(sim, r) == list(range(1, 13))
    kinds = {type(rec.detail.body).__name__ for rec in sim.trace.of_kind("send") if isinstance(rec.detail, Signed)}
    assert {"Request", "PrePrepare", "Prepare", "Commit", "Reply", "Checkpoint"} <= kinds


def test_the_primary_of_view_v_is_v_mod_n_and_does_not_send_prepares():
    sim = _run(f=1, clients=1, ops=2)
    senders = {rec.detail.body.replica for rec in sim.trace.of_kind("send")
               if isinstance(rec.detail, Signed) and type(rec.detail.body) is Prepare}
    assert sim.node("r1").primary(0) == "r0" and sim.node("r1").primary(5) == "r1"
    assert senders == {"r1", "r2", "r3"}


def test_prepared_needs_2f_prepares_from_distinct_backups():
    keys = Keyring(0, ["r0", "r1", "r2", "r3", "c1"])
    node = Replica("r1", members=["r0", "r1", "r2", "r3"], f=1, keys=keys)
    req = keys.sign("c1", Request(("put", "x", 1), 1, "c1"))
    pp = keys.sign("r0", PrePrepare(0, 1, digest_of(req.body), req, "r0"))
    node.on_message("r0", pp)
    assert 1 not in node.prepared  # its own prepare only: 1 of 2f = 2
    node.on_message("r0", keys.sign("r0", Prepare(0, 1, pp.body.digest, "r0")))  # the primary's does not count
    assert 1 not in node.prepared and node.rejected["prepare from the primary"] == 1
    node.on_message("r2", keys.sign("r2", Prepare(0, 1, pp.body.digest, "r2")))
    assert 1 in node.prepared


# -- B02 checkpoints, garbage collection, view change ---------------------------------------------------


def test_checkpoints_become_stable_every_k_requests_and_the_log_below_is_discarded():
    sim = _run(f=1, clients=2, ops=6, checkpoint_interval=4)
    stable = [r.detail["stable"] for r in sim.trace.notes(node="r1", key="stable")]
    assert stable == [4, 8, 12]
    node = sim.node("r1")
    assert node.stable_seq == 12 and not node.pre_prepares and not node.prepared and not node.commits
    assert all(n >= 12 for n in node.snapshots)


@pytest.mark.parametrize("traitor", ["r0", "r1"])
def test_a_silent_replica_is_survived_and_a_silent_primary_is_replaced_by_a_view_change(traitor):
    sim = _run(f=1, traitors=[traitor], strategy="silent")
    assert clients_done(sim) and check_pbft(sim) == []
    views = {sim.node(r).view for r in honest_replicas(sim)}
    assert views == ({1} if traitor == "r0" else {0})


def test_a_slow_primary_is_replaced_too():
    sim = pbft_sim(2, f=1)
    sim.at(20.0, sim.pause, "r0", 1000.0)
    sim.run(until=4000)
    assert clients_done(sim) and check_pbft(sim) == []
    assert all(sim.node(r).view >= 1 for r in ("r1", "r2", "r3"))


# -- traitors: every strategy is contained, as primary and as backup -----------------------------------


@pytest.mark.parametrize("strategy", STRATEGIES[1:])
@pytest.mark.parametrize("f,traitors", [(1, ["r0"]), (1, ["r2"]), (2, ["r0", "r5"])])
def test_every_strategy_is_contained(strategy, f, traitors):
    sim = _run(seed=3, f=f, traitors=traitors, strategy=strategy)
    assert check_pbft(sim) == []
    assert clients_done(sim)


def test_forged_and_tampered_messages_are_rejected_and_counted_never_applied():
    sim = _run(f=1, traitors=["r1"], strategy="forge")
    assert check_pbft(sim) == [] and clients_done(sim)
    assert all(sim.node(r).rejected["bad signature"] > 0 for r in honest_replicas(sim))


def test_a_bad_signature_by_hand_is_rejected_counted_and_not_applied():
    keys = Keyring(0, ["r0", "r1", "r2", "r3", "c1"])
    node = Replica("r1", members=["r0", "r1", "r2", "r3"], f=1, keys=keys)
    req = keys.sign("c1", Request(("put", "x", 1), 1, "c1"))
    good = keys.sign("r0", PrePrepare(0, 1, digest_of(req.body), req, "r0"))
    forged = keys.sign("r2", PrePrepare(0, 1, digest_of(req.body), req, "r0"))  # r2's key, r0's name
    tampered = Signed(PrePrepare(0, 2, digest_of(req.body), req, "r0"), good.signature)
    for msg in (forged, tampered, "not signed"):
        node.on_message("r2", msg)
    assert node.rejected["bad signature"] == 3 and not node.pre_prepares
    node.on_message("r0", good)
    node.on_message("r0", good)  # a replay
    assert node.rejected["duplicate or replay"] == 1 and (0, 1) in node.pre_prepares


def test_replayed_messages_are_counted():
    sim = _run(f=1, traitors=["r2"], strategy="replay")
    assert check_pbft(sim) == [] and clients_done(sim)
    assert sum(sim.node(r).rejected["duplicate or replay"] for r in honest_replicas(sim)) > 50


def test_equivocation_is_detected_with_the_two_signed_pre_prepares_as_evidence():
    sim = _run(f=1, traitors=["r0"], strategy="equivocate")
    assert check_pbft(sim) == [] and clients_done(sim)
    keys = sim.pbft["keys"]
    evidence = [e for r in honest_replicas(sim) for e in sim.node(r).evidence]
    assert evidence and all(equivocation_evidence(keys, a, b) == "r0" for a, b in evidence)
    a, _ = evidence[0]
    assert equivocation_evidence(keys, a, a) is None


# -- B03 Byzantine quorums --------------------------------------------------------------------------------


def test_quorums_of_2f_plus_1_among_3f_plus_1_meet_in_f_plus_1_by_enumeration():
    for f in (1, 2, 3):
        assert min_intersection(3 * f + 1, 2 * f + 1) == f + 1
    table = quorum_table(10)
    ok = table[table["n >= 3f+1"]]
    assert ok["honest in every ceil((n+f+1)/2) pair"].all()
    assert not table["honest in every f+1 pair"].any()  # the seeds' quorums
    short = table[table["n"] == 3 * table["f"]]
    assert not short["honest in every n-f pair"].any()  # n = 3f with live quorums of n - f
    assert byzantine_quorum(4, 1) == 3 and byzantine_quorum(7, 2) == 5


# -- B04 recovery from a stable checkpoint -------------------------------------------------------------------


def test_a_replica_recovers_from_its_latest_stable_checkpoint():
    sim = pbft_sim(4, f=1, clients=2, ops=10)
    sim.run(until=150)
    sim.crash("r2")
    sim.run(until=600)
    sim.restart("r2")
    sim.run(until=4000)
    recovered = [r.detail["recovered"] for r in sim.trace.notes(node="r2", key="recovered")]
    assert recovered and recovered[0] >= 4
    assert check_pbft(sim) == [] and clients_done(sim)
    assert sim.node("r2").last_executed == sim.node("r1").last_executed == 20


# -- determinism -------------------------------------------------------------------------------------


def test_same_seed_same_run_bit_for_bit():
    a = _run(seed=9, f=1, traitors=["r0"], strategy="equivocate")
    b = _run(seed=9, f=1, traitors=["r0"], strategy="equivocate")
    assert a.trace.digest() == b.trace.digest()


# -- the campaign and its negative controls ----------------------------------------------------------------


def test_campaign_is_registered_with_its_options():
    camp = campaigns()["pbft"]
    assert camp.variants == tuple(PBFT_VARIANTS) and camp.options == {"f": ("1", "2"), "strategy": STRATEGIES}
    assert camp.parallel


def test_campaign_f1_finds_nothing_and_makes_progress():
    report = fuzz_pbft(30, f=1)
    assert report.violations == [] and report.progress >= 24
    assert report.line("pbft").startswith("pbft: 30 seeds, 0 violations")


@pytest.mark.slow
def test_campaign_f2_finds_nothing_and_makes_progress():
    report = fuzz_pbft(40, f=2)
    assert report.violations == [] and report.progress >= 32


@pytest.mark.parametrize("variant", ["n_3f", "prepare_f_plus_1", "accept_first"])
def test_negative_controls_are_caught_shrunk_and_replay(variant):
    report = fuzz_pbft(60, f=1, variant=variant, stop_after=1, max_shrink_runs=120)
    first = report.first
    assert first is not None and first.shrunk is not None and len(first.shrunk.schedule) <= 10
    again = pbft_invariant(pbft_run(first.seed, first.shrunk.schedule, f=1, variant=variant))
    assert again is not None and _property(again) == _property(first.message)


# -- message complexity and signing cost --------------------------------------------------------------------


def test_pbft_messages_grow_quadratically_and_exceed_rafts():
    table = messages_per_request(fs=(1, 2), seeds=(1,))
    per_n2 = table["pbft / n²"].tolist()
    assert 1.0 < per_n2[0] < 3.0 and 1.0 < per_n2[1] < 3.0
    assert (table["pbft messages per request"] > 2 * table["raft messages per request"]).all()


def test_signing_cost_is_measured_and_memoized_verification_is_cheaper():
    cost = signing_cost(50)
    assert cost["sign_us"] > 0 and cost["cached_verify_us"] < cost["verify_us"]


# -- bad input ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs,words", [
    (dict(f=1, n=3), "n >= 3f+1"),
    (dict(f=2, n=6), "n >= 3f+1"),
    (dict(f=1, traitors=["r0"], strategy="bribe"), "unknown traitor strategy"),
    (dict(f=1, checkpoint_interval=0), "checkpoint_interval"),
    (dict(f=1, checkpoint_interval=-4), "checkpoint_interval"),
    (dict(f=1, traitors=["r0", "r1"]), "f=1"),
    (dict(f=1, traitors=["r9"]), "not a replica"),
    (dict(f=1, variant="nope"), "unknown PBFT variant"),
])
def test_bad_input_raises_clear_config_errors(kwargs, words):
    with pytest.raises(ConfigError, match=words.replace("+", r"\+").replace("(", r"\(")):
        pbft_sim(1, **kwargs)


def test_campaign_bad_input():
    with pytest.raises(ConfigError, match="unknown traitor strategy"):
        fuzz_pbft(1, strategy="bribe")
    with pytest.raises(ConfigError, match="unknown PBFT variant"):
        fuzz_pbft(1, variant="nope")
