"""The partitioned log (Q11): key -> partition, offsets, retention, group offsets, ordering."""

import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.messaging.log import (ConsumerGroup, LogCluster, OffsetOutOfRange, PartitionLog, UnknownTopic,
                                      murmur2, ordering_demo, partition_for)


# Kafka's UtilsTest.testMurmur2 vectors: the same key lands in the same partition as a Java producer's
@pytest.mark.parametrize("key, expected", [
    ("21", -973932308), ("foobar", -790332482), ("a-little-bit-long-string", -985981536),
    ("a-little-bit-longer-string", -1486304829), ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971),
    ("abc", 479470107),
])
def test_murmur2_matches_kafkas_vectors(key, expected):
    assert murmur2(key) == expected


def test_partition_for_is_the_positive_hash_mod_p_and_in_range():
    for key in ("21", "foobar", "user-7", ""):
        for p in (1, 3, 16):
            assert partition_for(key, p) == (murmur2(key) & 0x7FFFFFFF) % p
            assert 0 <= partition_for(key, p) < p


def test_one_key_keeps_its_order_while_the_global_order_is_lost():
    demo = ordering_demo()
    assert demo["per_key_order_kept"] is True
    assert demo["global_order_kept"] is False
    assert len(set(demo["partition_of"].values())) == 2  # the keys really span both partitions


def test_one_partition_keeps_global_order_too():
    assert ordering_demo(partitions=1)["global_order_kept"] is True


def test_retention_by_count_moves_the_log_start_and_keeps_offsets():
    log = PartitionLog(retention_count=3)
    offsets = [log.append("k", i) for i in range(5)]
    assert offsets == [0, 1, 2, 3, 4]
    assert (log.log_start, log.log_end) == (2, 5)
    assert [r.value for r in log.read(2)] == [2, 3, 4]
    with pytest.raises(OffsetOutOfRange, match="below the log start"):
        log.read(1)


def test_retention_by_time_drops_records_older_than_retention_ms():
    log = PartitionLog(retention_ms=100)
    log.append("k", "old", now=0)
    log.append("k", "new", now=150)
    assert [r.value for r in log.read(log.log_start)] == ["new"]
    assert log.log_start == 1


@pytest.mark.parametrize("reset, first", [("earliest", 2), ("latest", None)])
def test_reset_policy_decides_where_a_consumer_below_the_log_start_goes(reset, first):
    cluster = LogCluster()
    cluster.create_topic("t", 1, retention_count=3)
    for i in range(5):
        cluster.produce("t", "k", i)
    group = ConsumerGroup(cluster, "g", reset=reset)
    group.seek("t", 0, 0)
    got = [r.value for r in group.poll("t", 0)]
    assert got == ([] if first is None else [2, 3, 4])


def test_reset_none_raises_a_clear_error():
    cluster = LogCluster()
    cluster.create_topic("t", 1, retention_count=1)
    cluster.produce("t", "k", 0)
    cluster.produce("t", "k", 1)
    group = ConsumerGroup(cluster, "g", reset="none")
    group.seek("t", 0, 0)
    with pytest.raises(OffsetOutOfRange, match="reset policy is none"):
        group.poll("t", 0)


def test_committed_offset_survives_a_restart_and_seek_replays():
    cluster = LogCluster()
    cluster.create_topic("t", 1)
    for i in range(4):
        cluster.produce("t", "k", i)
    group = ConsumerGroup(cluster, "g")
    assert [r.value for r in group.poll("t", 0, max_records=2)] == [0, 1]
    group.commit("t", 0)
    group.poll("t", 0)  # read 2, 3 but crash before committing
    group.restart()
    assert [r.value for r in group.poll("t", 0)] == [2, 3]
    group.seek("t", 0, 0)
    assert [r.value for r in group.poll("t", 0)] == [0, 1, 2, 3]


# bad input: each a ConfigError that says what to do
def test_bad_input_is_refused_clearly():
    cluster = LogCluster(brokers=3)
    with pytest.raises(ConfigError, match="partition count >= 1"):
        cluster.create_topic("t", 0)
    with pytest.raises(ConfigError, match="larger than the 3 available brokers"):
        cluster.create_topic("t", 2, replication_factor=4)
    cluster.create_topic("t", 2, replication_factor=3)
    with pytest.raises(UnknownTopic, match="unknown topic 'nope'"):
        cluster.produce("nope", "k", 1)
    group = ConsumerGroup(cluster, "g")
    with pytest.raises(ConfigError, match="int >= 0"):
        group.seek("t", 0, -1)
    with pytest.raises(ConfigError, match="the log ends at 0"):
        group.commit("t", 0, 5)
    with pytest.raises(ConfigError, match="partitions 0..1"):
        group.poll("t", 2)
    with pytest.raises(ConfigError, match="reset policy"):
        ConsumerGroup(cluster, "g", reset="smallest")
    with pytest.raises(ConfigError, match="partition count"):
        partition_for("k", 0)
