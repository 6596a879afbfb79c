"""Multi-Paxos: each bug found in review replayed by hand (the correct server stays safe, the broken
one breaks what it should), the rules behind the fixes one by one, the checks each fed a trace that
breaks them, and the fuzz campaign - safe on its seeds, and catching every broken variant with a
small schedule that replays to the same violation."""

from __future__ import annotations

import pytest

from dsworkbook.consensus.fuzzing.multipaxos import (FAULTS, fuzz_multipaxos, multipaxos_invariant,
                                                     multipaxos_run, multipaxos_schedule, shrink_violation,
                                                     violated_property)
from dsworkbook.consensus.multipaxos import (MULTIPAXOS_VARIANTS, MAccept, MAccepted, MPrepare,
                                             MPromise, MultiPaxosNode, check_multipaxos, multipaxos_sim,
                                             stalled_replicas)
from dsworkbook.consensus.multipaxos.scenarios import (Bench, late_acknowledgements, late_promise, lost_accepts,
                                                       stale_acceptance_catch_up)
from dsworkbook.consensus.paxos import Ballot
from dsworkbook.consensus.raft.messages import Command
from dsworkbook.errors import ConfigError
from dsworkbook.sim import Request, Trace
from dsworkbook.sim.fuzz import default_processes

B = Ballot


def _properties(result) -> set[str]:
    return {violated_property(p) for p in result.problems}


# -- the bugs, replayed by hand ---------------------------------------------------------------------------


def test_catch_up_is_answered_from_decided_slots_not_from_acceptances():
    """n1's acceptor accepted put x=A, which lost to put x=B; n3 catches up from n1."""
    right = stale_acceptance_catch_up("correct")
    assert right.safe and {log[1].value for log in right.logs.values()} == {"B"}
    broken = stale_acceptance_catch_up("catchup_from_accepted")
    assert _properties(broken) == {"agreement"}
    assert broken.logs["n3"][1].value == "A" and broken.logs["n2"][1].value == "B"


def test_catch_up_does_not_stall_on_a_slot_the_leader_never_accepted():
    right = stale_acceptance_catch_up("correct", stale=False)
    assert right.safe and right.applied == {"n1": 1, "n2": 1, "n3": 1}
    broken = stale_acceptance_catch_up("catchup_from_accepted", stale=False)
    assert broken.safe and broken.applied["n3"] == 0 and broken.logs["n3"] == {}  # asked, answered nothing


@pytest.mark.parametrize("variant, broken", [
    # a correct deposed leader has forgotten its ballot: the late promise changes nothing
    ("correct", set()),
    # leading again under the old ballot: slot 1 of ballot 1.n1 carries A and B, and both are decided
    ("reuse_old_ballot", {"agreement", "one value per ballot"}),
    ("anonymous_acks", {"agreement", "one value per ballot"}),
])
def test_a_deposed_leader_never_leads_again_under_its_old_ballot(variant, broken):
    result = late_promise(variant)
    assert _properties(result) == broken
    assert result.logs["n3"][1].value == "A"
    assert result.logs["n1"][1].value == ("A" if variant == "correct" else "B")


@pytest.mark.parametrize("variant, broken, n1_decides", [
    ("correct", set(), "A"),
    # the old ballot is reused, but acknowledgements name their value: those of A do not count for B
    ("reuse_old_ballot", {"one value per ballot"}, "A"),
    # ... counted by ballot and slot alone, they decide B, which no acceptor ever accepted
    ("anonymous_acks", {"one value per ballot", "agreement"}, "B"),
])
def test_an_acknowledgement_counts_only_for_the_value_it_names(variant, broken, n1_decides):
    result = late_acknowledgements(variant)
    assert _properties(result) == broken
    assert result.logs["n1"][1].value == n1_decides and result.logs["n3"][1].value == "A"


@pytest.mark.parametrize("ticks", [2, 10])
def test_a_slot_whose_accepts_were_lost_is_proposed_again(ticks):
    right = lost_accepts("correct", ticks=ticks)
    assert right.safe and set(right.applied.values()) == {2}
    assert [c.value for c in right.logs["n2"].values()] == ["A", "B"]
    broken = lost_accepts("no_gap_fill", ticks=ticks)
    assert broken.safe and set(broken.applied.values()) == {0}  # slot 2 is decided, slot 1 never will be
    assert all(list(log) == [2] for log in broken.logs.values())


def test_every_scenario_leaves_the_correct_servers_in_agreement_and_up_to_date():
    for scenario in (stale_acceptance_catch_up, late_promise, late_acknowledgements, lost_accepts):
        result = scenario("correct")
        assert result.safe, (scenario.__name__, result.summary())
        assert len({tuple(log.items()) for log in result.logs.values() if log}) == 1, result.summary()


# -- the rules behind the fixes -----------------------------------------------------------------------------


def test_a_restarted_server_campaigns_with_a_ballot_it_never_used():
    """A ballot's round is persisted before its Prepare goes out, so a crash cannot make it reuse one."""
    for variant, second in (("correct", B(2, "n1")), ("reuse_old_ballot", B(1, "n1"))):
        bench = Bench(MULTIPAXOS_VARIANTS[variant])
        bench.timeout("n1")
        bench.drop()  # every Prepare lost, its own included: n1 promised nothing
        bench.nodes["n1"] = bench._boot("n1")  # crash and restart from storage
        bench.timeout("n1")
        assert bench.nodes["n1"].ballot == second, variant


def test_a_duplicated_prepare_of_the_promised_ballot_gets_the_same_promise():
    node = MultiPaxosNode("n2", members=("n1", "n2", "n3"))
    node.on_start()
    node.take_effects()
    replies = []
    for msg in (MPrepare(B(3, "n1")), MPrepare(B(3, "n1")), MPrepare(B(2, "n3"))):
        node.on_message(msg.ballot.proposer, msg)
        replies.append([e.msg for e in node.take_effects() if type(e).__name__ == "Send"])
    assert replies[0] == replies[1] == [MPromise(B(3, "n1"), ())]
    assert type(replies[2][0]).__name__ == "MNack"


def test_an_acceptor_persists_before_it_acknowledges_and_names_what_it_accepted():
    node = MultiPaxosNode("n2", members=("n1", "n2", "n3"))
    node.on_start()
    node.take_effects()
    node.on_message("n1", MAccept(B(1, "n1"), 4, "v"))
    effects = node.take_effects()
    kinds = [type(e).__name__ for e in effects]
    assert kinds.index("Persist") < kinds.index("Send")
    assert effects[kinds.index("Persist")].values == {"promised": B(1, "n1"), "accepted/4": (B(1, "n1"), "v")}
    assert [e.msg for e in effects if type(e).__name__ == "Send"] == [MAccepted(B(1, "n1"), 4, "v")]


def test_a_restarted_replica_reapplies_its_durable_log():
    bench = lost_accepts("correct").bench
    before = dict(bench.nodes["n2"].state_machine.data)
    bench.nodes["n2"] = bench._boot("n2")
    assert bench.nodes["n2"].applied == 2 and bench.nodes["n2"].state_machine.data == before == {"x": "B"}


def test_multipaxos_errors_say_what_to_fix():
    with pytest.raises(ConfigError, match="members must include"):
        MultiPaxosNode("n9", members=("n1", "n2"))
    with pytest.raises(ConfigError, match="election_timeout"):
        MultiPaxosNode("n1", members=("n1",), election_timeout=(0.0, 10.0))
    with pytest.raises(ConfigError, match="unknown Multi-Paxos variant"):
        late_promise("nope")
    with pytest.raises(ConfigError, match="unknown Multi-Paxos variant"):
        fuzz_multipaxos(1, variant="nope")


# -- the checks, each fed a trace that breaks it -------------------------------------------------------------

X, Y = Command("c1", 1, "put", "x", "X"), Command("c2", 1, "put", "x", "Y")


def _trace(*records) -> Trace:
    t = Trace()
    t.add(0.0, "send", "c1", "n1", None, Request(1, "put", X))
    t.add(0.0, "send", "c2", "n1", None, Request(2, "put", Y))
    for r in records:
        t.add(1.0, *r)
    return t


@pytest.mark.parametrize("records, broken", [
    # two servers decide the same command: nothing broken; a no-op is always valid
    ([("note", "n1", None, None, {"decided": 1, "value": X}), ("note", "n2", None, None, {"decided": 1, "value": X}),
      ("note", "n2", None, None, {"decided": 2, "value": None})], set()),
    # two values in one slot, even if no client ever hears of the second
    ([("note", "n1", None, None, {"decided": 1, "value": X}), ("note", "n3", None, None, {"decided": 1, "value": Y})],
     {"agreement"}),
    # a value no client sent
    ([("note", "n1", None, None, {"decided": 1, "value": Command("c9", 1, "put", "x", "Z")})], {"validity"}),
    # one ballot, two values for one slot - even though nothing was decided
    ([("send", "n1", "n2", None, MAccept(B(1, "n1"), 1, X)), ("send", "n1", "n2", None, MAccept(B(1, "n1"), 1, X)),
      ("send", "n1", "n3", None, MAccept(B(1, "n1"), 1, Y))], {"one value per ballot"}),
    # the same value again in a higher ballot is what a new leader does: fine
    ([("send", "n1", "n2", None, MAccept(B(1, "n1"), 1, X)), ("send", "n2", "n3", None, MAccept(B(2, "n2"), 1, X)),
      ("send", "n2", "n3", None, MAccept(B(2, "n2"), 2, Y))], set()),
])
def test_check_multipaxos_names_each_broken_property(records, broken):
    assert {violated_property(p) for p in check_multipaxos(_trace(*records))} == broken


def test_a_stalled_replica_is_named_with_the_hole_it_waits_behind():
    sim = multipaxos_sim(1, clients=1, ops=4, loss=0.0)
    sim.run(until=1500)
    assert stalled_replicas(sim, grace=100) == []
    lagging = sim.node("n3")
    lagging.applied -= 2  # as if n3 had never applied its last two slots
    assert stalled_replicas(sim, grace=100)[0].startswith(f"catch-up stalled: n3 applied slots up to {lagging.applied},")


# -- the fuzz campaign -----------------------------------------------------------------------------------------


def test_the_campaign_schedule_has_the_steady_loss_and_its_episodes():
    schedule = multipaxos_schedule(7)
    assert schedule[0].at == 0 and schedule[0].loss == 0.15
    assert len(schedule) >= FAULTS and any(f.nodes() and f.nodes()[0].startswith("c")
                                           or any(n.startswith("c") for n in f.nodes()) for f in schedule)


def test_the_campaign_is_safe_and_every_client_is_answered():
    """CI runs 100 seeds; `dsworkbook fuzz multipaxos --seeds 1000` runs the rest (0 violations)."""
    report = fuzz_multipaxos(100, shrink_first=False, processes=default_processes())
    assert report.violations == [] and report.progress == 100, report.violations[:1]


#: variant -> (a seed on which the campaign catches it, the property it breaks there). The seeds are the
#: first failing ones of `dsworkbook fuzz multipaxos --variant V --seeds 1000`.
CAUGHT = {
    "catchup_from_accepted": (1, "catch-up"),
    "reuse_old_ballot": (140, "one value per ballot"),
    "anonymous_acks": (140, "one value per ballot"),
    "no_gap_fill": (0, "catch-up"),
    "no_sessions": (4, "linearizability"),
}


def test_every_broken_variant_has_a_seed_on_which_it_is_caught():
    assert set(CAUGHT) == set(MULTIPAXOS_VARIANTS) - {"correct"}


@pytest.mark.parametrize("variant", sorted(CAUGHT))
def test_the_campaign_catches_each_variant_and_shrinks_it_to_a_schedule_that_replays(variant):
    seed, prop = CAUGHT[variant]
    assert multipaxos_invariant(multipaxos_run(seed, multipaxos_schedule(seed))) is None  # correct: fine there
    report = fuzz_multipaxos([seed], variant=variant, max_shrink_runs=150)
    first = report.first
    assert first is not None and violated_property(first.message) == prop, first
    shrunk = first.shrunk.schedule
    assert len(shrunk) <= 10 < len(first.schedule)
    again = multipaxos_invariant(multipaxos_run(seed, shrunk, variant=variant))
    assert again is not None and violated_property(again) == prop
    assert multipaxos_invariant(multipaxos_run(seed, shrunk)) is None  # the fix holds on the shrunk schedule too


def test_shrinking_keeps_the_property_that_broke():
    seed, prop = CAUGHT["no_sessions"]
    report = fuzz_multipaxos([seed], variant="no_sessions", shrink_first=False)
    shrunk = shrink_violation(report.first, variant="no_sessions", max_runs=60)
    assert violated_property(shrunk.message) == prop and shrunk.shrunk.runs <= 60
