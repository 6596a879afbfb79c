"""Distributed transactions (theme T13), on the simulator, on sqlite and on a real PostgreSQL.

* X01 :mod:`~dsworkbook.transactions.twophase` (two-phase commit with write-ahead logs, recovery,
  cooperative termination, lock-held time against coordinator downtime) and
  :mod:`~dsworkbook.transactions.model` (exhaustive search of Gray & Lamport's TwoPhase
  specification - 288 states with 3 RMs, 8,832 with 5 - with a coordinator crash, and of a 3PC model);
* X02 :mod:`~dsworkbook.transactions.threephase` (three-phase commit with a termination
  protocol among the participants) and :mod:`~dsworkbook.transactions.commit_campaign` (``dsworkbook fuzz commit``);
* X03 :mod:`~dsworkbook.transactions.saga` (orchestrated and choreographed sagas with idempotent
  steps and compensations) and :mod:`~dsworkbook.transactions.saga_campaign` (``dsworkbook fuzz saga``);
* X04 :mod:`~dsworkbook.transactions.outbox` and :mod:`~dsworkbook.transactions.outbox_parts`
  (the transactional outbox on sqlite: producer, relay, broker, idempotent consumer, crash points,
  the dual-write bugs) and :mod:`~dsworkbook.transactions.postgres_outbox` (relays with
  ``FOR UPDATE SKIP LOCKED`` on PostgreSQL);
* X05 :mod:`~dsworkbook.transactions.isolation_model` (the anomalies as interleavings) and
  :mod:`~dsworkbook.transactions.isolation` (a multi-version store at four levels, SSI for
  SERIALIZABLE) and :mod:`~dsworkbook.transactions.postgres_isolation` (the same interleavings on
  PostgreSQL, side by side);
* real 2PC on PostgreSQL: :mod:`~dsworkbook.transactions.postgres_2pc` (``PREPARE TRANSACTION``,
  a coordinator that disappears, ``pg_prepared_xacts`` holding locks, recovery from the log).

Importing this package registers the ``commit`` and ``saga`` campaigns; the PostgreSQL modules
import psycopg only when they are used.
"""

from dsworkbook.transactions import commit_campaign, model, saga, saga_campaign, threephase, twophase
from dsworkbook.transactions.isolation import MVStore, anomaly_matrix, isolation_runs, isolation_table
from dsworkbook.transactions.isolation_model import (LEVELS, SCENARIOS, Abort, Commit, Count, Insert, Read, Scenario,
                                                     ScenarioRun, SerializationFailure, Write, check_level,
                                                     run_scenario)
from dsworkbook.transactions.outbox import (OUTBOX_VARIANTS, CrashAt, OutboxCampaign, OutboxRun, outbox_campaign,
                                            outbox_sweep, run_outbox)
from dsworkbook.transactions.postgres_2pc import (BridgeRun, CoordinatorLog, CrashDemo, PgBridge, PgParticipant,
                                                 coordinator_crash_demo, prepared_xacts, recover,
                                                 simulated_coordinator_crash)
from dsworkbook.transactions.postgres_isolation import PostgresEngine, isolation_comparison, postgres_isolation_runs
from dsworkbook.transactions.postgres_outbox import RelayRun, run_relays
from dsworkbook.transactions.commit_campaign import COMMIT_VARIANTS, commit_run, commit_violation, fuzz_commit
from dsworkbook.transactions.model import TLC_STATE_COUNTS, SearchResult, ThreePhaseModel, TwoPhaseModel, explore
from dsworkbook.transactions.saga import (DEFAULT_STEPS, ChoreoService, Orchestrator, SagaService, SagaStep,
                                          saga_outcomes, saga_sim, saga_violation)
from dsworkbook.transactions.saga_campaign import SAGA_VARIANTS, fuzz_saga, saga_run
from dsworkbook.transactions.threephase import Coordinator3, Participant3, three_pc_sim
from dsworkbook.transactions.twophase import (Coordinator, Participant, ProtocolError, atomicity_violation,
                                              commit_sim, lock_hold_vs_downtime, lock_held, participant_states)

__all__ = [
    "commit_campaign", "model", "saga", "saga_campaign", "threephase", "twophase",
    "COMMIT_VARIANTS", "commit_run", "commit_violation", "fuzz_commit",
    "TLC_STATE_COUNTS", "SearchResult", "ThreePhaseModel", "TwoPhaseModel", "explore",
    "DEFAULT_STEPS", "ChoreoService", "Orchestrator", "SagaService", "SagaStep", "saga_outcomes", "saga_sim",
    "saga_violation", "SAGA_VARIANTS", "fuzz_saga", "saga_run",
    "Coordinator3", "Participant3", "three_pc_sim",
    "Coordinator", "Participant", "ProtocolError", "atomicity_violation", "commit_sim", "lock_hold_vs_downtime",
    "lock_held", "participant_states",
    "OUTBOX_VARIANTS", "CrashAt", "OutboxCampaign", "OutboxRun", "outbox_campaign", "outbox_sweep", "run_outbox",
    "LEVELS", "SCENARIOS", "Scenario", "ScenarioRun", "Read", "Write", "Insert", "Count", "Commit", "Abort",
    "SerializationFailure", "check_level", "run_scenario", "MVStore", "anomaly_matrix", "isolation_runs",
    "isolation_table", "PostgresEngine", "isolation_comparison", "postgres_isolation_runs",
    "PgParticipant", "prepared_xacts", "CoordinatorLog", "recover", "CrashDemo", "coordinator_crash_demo",
    "PgBridge", "BridgeRun", "simulated_coordinator_crash",
    "RelayRun", "run_relays",
]
