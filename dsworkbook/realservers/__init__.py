"""Real Redis, ZooKeeper, PostgreSQL and etcd beside the simulation.

``from dsworkbook import realservers``:

================  ==================================================================================
module            what it holds
================  ==================================================================================
``servers``       ``redis_servers(n)``, ``zookeeper_server()``, ``postgres_server()``: loopback
                  servers started and stopped
``redis_lock``    the single-instance lock on Redis (SET NX PX, compare-and-delete / -extend), INCR tokens
``redlock``       the Redlock client over N Redis servers and its pure decision arithmetic
``zk``            kazoo's Lock and Election recipes on a real ZooKeeper, the lock node's czxid
``pause``         the process-pause experiment on both, with and without fencing tokens
``streams``       a consumer killed between its effect and its XACK on Redis Streams: at-most-once
                  loses, at-least-once duplicates, an idempotent consumer does neither
``child``         a client in a child process, frozen or killed at an exact point of its work
``etcd``          ``etcd_cluster(n)``: a private etcd cluster on loopback ports, its HTTP JSON API
``jepsen_etcd``   clients and a nemesis (pause, kill) recording a Jepsen-style history of etcd,
                  and the serializable-read probe the checker catches (M05)
================  ==================================================================================

The servers come from the system's packages (Debian: ``redis-server``, ``zookeeper``,
``postgresql``, ``etcd-server``); when one is missing, :func:`install_hint` says how to install it.
"""

from dsworkbook.realservers.pause import (PauseResult, Storage, Write, redis_pause_experiment,
                                          zookeeper_pause_experiment)
from dsworkbook.realservers.redis_lock import (EXTEND_SCRIPT, RELEASE_SCRIPT, FencingCounter, NotLockOwner,
                                               RedisLockServer, new_token)
from dsworkbook.realservers.redlock import Lease, Redlock, drift_allowance_ms, majority, redlock_decision
from dsworkbook.realservers.child import ChildProcess
from dsworkbook.realservers.etcd import EtcdCluster, EtcdMember, etcd_available, etcd_call, etcd_cluster
from dsworkbook.realservers.jepsen_etcd import EtcdRun, etcd_test, run_etcd_test
from dsworkbook.realservers.stream_consumer import DEDUP_SCRIPT, Entry, StreamConsumer, StreamKeys
from dsworkbook.realservers.streams import (StreamCrash, StreamRunResult, claim_stale, crash_consumer, crash_point,
                                            delivery_table, pending_by_consumer, produce, recover,
                                            stream_delivery_experiment)
from dsworkbook.realservers.zk import (ContentionResult, ElectionResult, Hold, check_path, contend, elect,
                                       lock_czxid)
from dsworkbook.realservers.servers import (INSTALL, PostgresServer, RedisServer, ServerUnavailable, ZooKeeperServer,
                                            free_port, install_hint, postgres_available, postgres_server,
                                            redis_available, redis_servers, zookeeper_available, zookeeper_server)

__all__ = [
    "redis_servers", "zookeeper_server", "redis_available", "zookeeper_available", "install_hint",
    "free_port", "INSTALL", "RedisServer", "ZooKeeperServer", "ServerUnavailable",
    "PostgresServer", "postgres_available", "postgres_server",
    "RedisLockServer", "FencingCounter", "NotLockOwner", "new_token", "RELEASE_SCRIPT", "EXTEND_SCRIPT",
    "Redlock", "Lease", "majority", "drift_allowance_ms", "redlock_decision",
    "contend", "elect", "lock_czxid", "check_path", "Hold", "ContentionResult", "ElectionResult",
    "Storage", "Write", "PauseResult", "redis_pause_experiment", "zookeeper_pause_experiment", "ChildProcess",
    "StreamKeys", "Entry", "StreamConsumer", "DEDUP_SCRIPT", "StreamCrash", "StreamRunResult", "crash_point",
    "produce", "crash_consumer", "claim_stale", "pending_by_consumer", "recover", "stream_delivery_experiment",
    "delivery_table",
    "etcd_cluster", "etcd_available", "etcd_call", "EtcdCluster", "EtcdMember", "EtcdRun", "run_etcd_test", "etcd_test",
]
