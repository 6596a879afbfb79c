"""Trade-off questions for T13, distributed transactions (notebook 13).

Interviewers ask how two-phase commit survives crashes (its two log records), what a partition
does to 2PC and to 3PC, which isolation level stops which anomaly, how to update a database and
publish an event atomically, and when a saga beats an atomic commit. Each question links the
section of ``notebooks/13_transactions.ipynb`` that runs the answer; claims cite Gray and Lamport,
Skeen, Berenson et al., the PostgreSQL documentation and Richardson.
"""

from __future__ import annotations

from dsworkbook.interview.questions import Question

__all__ = ["QUESTIONS"]

_NB = "notebooks/13_transactions.ipynb#"
_GRAY_LAMPORT = 'Gray and Lamport, "Consensus on Transaction Commit", ACM TODS, 2006'
_PG_ISO = 'PostgreSQL documentation, 13.2 "Transaction Isolation", https://www.postgresql.org/docs/current/transaction-iso.html'

QUESTIONS = [
    Question(
        id="T13-2pc-log-records",
        theme="T13",
        kind="choice",
        prompt=(
            "Which rules must a two-phase commit implementation keep for every crash to end the same way at "
            "every participant? Choose all that apply."
        ),
        choices={
            "a": "A participant makes its work and a 'prepared' record durable before it votes yes.",
            "b": "The coordinator makes its decision durable before it sends the first Commit.",
            "c": "A participant that voted yes and hears nothing for a while commits on its own.",
            "d": "A participant logs its yes vote right after sending it, to save a disk write on the critical path.",
        },
        answer=("a", "b"),
        reasons={
            "a": "Writing ahead makes 2PC non-blocking: with the logs, participants can always finish without the coordinator.",
            "b": "A yes vote is a promise that must survive the participant's crash, and a decision some participant may already have applied must survive the coordinator's crash; with no decision logged, recovery aborts (presumed abort).",
            "c": "Participants should decide by timeout so that a slow coordinator never holds their locks.",
        },
        reason="b",
        rubric=(
            "participant: log prepared before the yes vote",
            "coordinator: log the decision before sending it",
            "no decision in the log means abort (presumed abort)",
            "a prepared participant never decides alone: it asks and waits",
        ),
        reference=(
            "Rules a and b. A participant that votes yes has promised to commit if told to, so its work and its "
            "prepared state must be on disk before the vote leaves; otherwise it can restart as never-voted and "
            "abort what the coordinator commits. The coordinator must log its decision before the first Commit; "
            "otherwise it can crash halfway through sending Commit, restart knowing nothing and abort what some "
            "participants already committed. Because Commit is only ever sent after the decision record, a "
            "coordinator that finds no decision can safely abort. A participant that commits on a timeout breaks "
            "atomicity. Notebook 13 crashes every handler after every prefix of its effects and every run ends "
            "atomic, while the no-wal, vote-before-persist and presumed-commit-on-timeout variants are each "
            "caught by the commit campaign."
        ),
        links=(
            _NB + "The idea: two-phase commit with write-ahead logs (X01)",
            _NB + "Break it: a crash at every step, and recovery from the logs (X01)",
        ),
        sources=(_GRAY_LAMPORT + ", §3",),
    ),
    Question(
        id="T13-partition-2pc-3pc",
        theme="T13",
        kind="choice",
        prompt=(
            "A network partition cuts one participant off from the coordinator and the other participants "
            "after it voted yes. Which statements are true? Choose all that apply."
        ),
        choices={
            "a": "Under 2PC the cut-off participant blocks, holding its locks, and stays consistent with the others.",
            "b": "Under 2PC the two sides of the partition can decide differently.",
            "c": "Under 3PC the cut-off participant can abort on its own while the other side commits.",
            "d": "3PC is non-blocking and consistent under partitions as well as crashes.",
        },
        answer=("a", "c"),
        reasons={
            "a": "A prepared 2PC participant may neither commit nor abort alone, so it waits; 3PC's termination rule decides from whichever participants it can reach, and a silent node looks crashed.",
            "b": "3PC's extra round trip gives every participant enough information to decide safely under any failure.",
            "c": "2PC participants abort after a timeout, so the cut-off one aborts while the others commit.",
        },
        reason="a",
        rubric=(
            "2PC gives up availability, not consistency: a cut-off participant blocks",
            "3PC is non-blocking only under crash-stop with reliable failure detection",
            "under a partition 3PC can commit on one side and abort on the other",
            "non-blocking commit in practice: replicate the coordinator with consensus (Paxos Commit; Spanner runs 2PC over Paxos groups)",
        ),
        reference=(
            "Statements a and c. A 2PC participant that voted yes is uncertain: it may not commit, since another "
            "may have voted no, and may not abort, since the coordinator may have decided commit, so cut off it "
            "simply waits with its locks held; 2PC loses availability under a partition, not consistency. 3PC "
            "adds a precommit phase and a termination protocol so that participants can decide without the "
            "coordinator, which is safe when a silent node really has crashed. Under a partition a silent node "
            "is alive, so the majority side can commit while a lone participant, by the same rule, aborts. "
            "Notebook 13's model check shows 3PC with no blocked state under crashes, and its fuzzer finds and "
            "shrinks a one-partition run that splits 3PC while the same schedule leaves 2PC consistent."
        ),
        links=(
            _NB + "Blocking, shown and measured (X01)",
            _NB + "Three-phase commit: non-blocking under crashes, split by a partition (X02)",
        ),
        sources=(
            'Skeen, "Nonblocking Commit Protocols", SIGMOD 1981',
            _GRAY_LAMPORT,
            'Corbett et al., "Spanner: Google\'s Globally-Distributed Database", OSDI 2012',
        ),
    ),
    Question(
        id="T13-write-skew",
        theme="T13",
        kind="choice",
        prompt=(
            "Two doctors are on call. Each, in their own transaction, checks that at least two doctors are on "
            "call and then takes themself off call. On PostgreSQL, which settings stop both from going off "
            "call? Choose all that apply."
        ),
        choices={
            "a": "READ COMMITTED",
            "b": "REPEATABLE READ",
            "c": "SERIALIZABLE, retrying a transaction that fails with SQLSTATE 40001",
            "d": "REPEATABLE READ, with SELECT ... FOR UPDATE on the on-call rows the check reads",
        },
        answer=("c", "d"),
        reasons={
            "a": "REPEATABLE READ prevents every anomaly the SQL standard names, so it also prevents this one.",
            "b": "Only READ UNCOMMITTED allows two transactions to act on each other's unfinished state, so any higher level is enough.",
            "c": "This is write skew: each transaction reads an overlapping set and writes a different row. Snapshot isolation only catches two writes to the same row, so it takes serializable checking or explicit locks on what was read.",
        },
        reason="c",
        rubric=(
            "the anomaly is write skew (reads overlap, writes differ)",
            "PostgreSQL's REPEATABLE READ is snapshot isolation: it lets write skew through",
            "SERIALIZABLE (SSI) aborts one transaction with 40001; the application retries",
            "locking the rows read (FOR UPDATE) turns it into a write-write conflict",
        ),
        reference=(
            "SERIALIZABLE with retries, or explicit locks on the rows read. Each transaction reads both doctors' "
            "rows and updates a different one, so no two transactions write the same row: this is write skew, "
            "which snapshot isolation, PostgreSQL's REPEATABLE READ, lets through. SERIALIZABLE in PostgreSQL "
            "detects the dangerous pattern and aborts one transaction with SQLSTATE 40001, which the application "
            "must retry. Locking the rows the check reads with SELECT ... FOR UPDATE makes the second "
            "transaction wait for the first and then fail, turning the skew into a conflict the database sees. "
            "Notebook 13 runs this schedule against its multi-version store at every level and, when PostgreSQL "
            "is installed, on a real server."
        ),
        links=(_NB + "Isolation levels as interleavings (X05)", _NB + "On a real PostgreSQL (+)"),
        sources=(
            'Berenson et al., "A Critique of ANSI SQL Isolation Levels", SIGMOD 1995',
            _PG_ISO,
            "Kleppmann, Designing Data-Intensive Applications, ch. 7",
        ),
    ),
    Question(
        id="T13-outbox",
        theme="T13",
        kind="choice",
        prompt=(
            "An order service must insert an order and publish an OrderCreated event. Which designs never lose "
            "the event of a committed order and never publish one for a rolled-back order? Choose all that apply."
        ),
        choices={
            "a": "Commit the order, then publish the event",
            "b": "Publish the event, then commit the order",
            "c": "Insert the event into an outbox table in the same transaction; a relay publishes it, then marks it published; consumers de-duplicate by event id",
            "d": "Outbox table, but the relay marks a row published before it publishes it",
            "e": "Capture committed outbox rows from the database's transaction log and publish them, de-duplicating at the consumers",
        },
        answer=("c", "e"),
        reasons={
            "a": "A retry loop around the publish makes the two writes atomic.",
            "b": "The event is written in the same local transaction as the order, so it exists exactly when the order committed; relaying it is at-least-once, and the consumer's de-duplication makes the effect once.",
            "c": "A message broker takes part in the database transaction, so either order of the two writes is atomic.",
        },
        reason="b",
        rubric=(
            "the dual write has no shared transaction: a crash between the two writes loses or invents an event",
            "outbox row in the same local transaction as the business row",
            "relay publishes then marks: at-least-once, so consumers de-duplicate",
            "several relays claim rows with FOR UPDATE SKIP LOCKED; log tailing is the alternative relay",
        ),
        reference=(
            "Designs c and e. Committing and then publishing loses the event if the process dies between the "
            "two; publishing first announces orders that may then roll back; a relay that marks before it "
            "publishes loses events the same way. Writing the event into an outbox table in the same local "
            "transaction as the order makes the two exist together, and a relay that publishes and only then "
            "marks, or a reader of the database's transaction log, delivers every event at least once, so the "
            "consumers de-duplicate by event id. Notebook 13 runs the outbox on sqlite3 under random crashes "
            "and catches each shortcut: both dual writes, the relay that marks first and the consumer without "
            "a de-dup table. On PostgreSQL it shows that relays without row locks publish the same rows twice, "
            "and FOR UPDATE SKIP LOCKED fixes it."
        ),
        links=(_NB + "The transactional outbox on sqlite3 (X04)", _NB + "On a real PostgreSQL (+)"),
        sources=(
            'Richardson, microservices.io, "Pattern: Transactional outbox", https://microservices.io/patterns/data/transactional-outbox.html',
            'Richardson, microservices.io, "Pattern: Transaction log tailing", https://microservices.io/patterns/data/transaction-log-tailing.html',
            'PostgreSQL documentation, SELECT, "The Locking Clause"',
        ),
    ),
    Question(
        id="T13-saga-or-2pc",
        theme="T13",
        kind="open",
        prompt=(
            "Placing an order touches three services - orders, stock and payments - each with its own database. "
            "Would you use two-phase commit or a saga? Defend the choice and say what it costs."
        ),
        rubric=(
            "2PC: atomic and isolated, but blocking: prepared participants hold locks through the coordinator's downtime",
            "2PC needs every participant to support prepare (XA or PREPARE TRANSACTION) and couples the services' availability",
            "saga: local commits with compensations run in reverse order on failure",
            "a saga has no isolation: intermediate states are visible (countermeasures: pending states, ordering the steps)",
            "steps and compensations idempotent; orchestration versus choreography; publish with an outbox",
        ),
        reference=(
            "Across independently owned services I would use a saga, and keep 2PC for databases that support "
            "prepared transactions and share an operator. 2PC gives atomicity and isolation, but a participant "
            "that voted yes holds its locks until it hears the decision, so the services' availability is tied "
            "to the coordinator's: notebook 13 measures lock-held time growing one for one with the "
            "coordinator's downtime. A saga commits each step locally and, when a later step fails, runs the "
            "compensations of the earlier steps in reverse order, so nothing is locked across services. The "
            "price is that intermediate states are visible, such as an order created before the card is "
            "charged, so you add pending states and put the steps that can fail before the ones that cannot be "
            "undone. Every step and compensation must be idempotent, because commands are retried and "
            "duplicated, and the notebook's saga campaign catches a compensation that refunds twice. An "
            "orchestrator keeps the flow in one place; choreography spreads it across the services' event "
            "handlers."
        ),
        links=(
            _NB + "Sagas: compensate instead of lock (X03)",
            _NB + "Blocking, shown and measured (X01)",
            _NB + "What interviewers ask",
        ),
        sources=(
            'Garcia-Molina and Salem, "Sagas", SIGMOD 1987',
            "Richardson, Microservices Patterns, 2018",
            _GRAY_LAMPORT,
        ),
    ),
    Question(
        id="T13-coordinator-crash",
        theme="T13",
        kind="open",
        prompt=(
            "The coordinator of a two-phase commit crashes right after every participant voted yes. What do the "
            "participants do, what does it cost, and how do production systems avoid it?"
        ),
        rubric=(
            "participants are uncertain: they may neither commit nor abort alone, and they hold their locks",
            "on restart the coordinator resends a logged decision, or aborts if none was logged (presumed abort)",
            "cooperative termination helps only if some participant already knows the outcome",
            "lock-held time grows one for one with the coordinator's downtime",
            "avoid it by replicating the coordinator's decision with consensus (Paxos Commit; Spanner's 2PC over Paxos groups)",
        ),
        reference=(
            "Every participant is prepared and uncertain: it cannot commit, since it does not know the others' "
            "votes were all yes, and cannot abort, since the coordinator may have decided commit, so it asks and "
            "waits with its locks held. Asking the other participants does not help here, because none of them "
            "knows the outcome either. When the coordinator restarts it reads its log: a logged decision is "
            "resent, and no decision means abort, which is safe because Commit is only sent after the decision "
            "record. The cost is that other transactions wait on those locks for the whole outage; notebook 13 "
            "measures lock-held time growing one for one with the coordinator's downtime, and its model check, "
            "with cooperative termination, finds blocked states exactly where every participant is prepared. On PostgreSQL the prepared "
            "transactions survive the coordinator and keep their row locks until it, or an operator reading its "
            "log, finishes them. Production systems avoid the single point by replicating the coordinator's state "
            "with consensus, as in Gray and Lamport's Paxos Commit or Spanner's two-phase commit across Paxos "
            "groups."
        ),
        links=(
            _NB + "Blocking, shown and measured (X01)",
            _NB + "Every state of the small model, searched (X01, X02)",
            _NB + "On a real PostgreSQL (+)",
        ),
        sources=(
            _GRAY_LAMPORT + ", §3; Paxos Commit in the same paper",
            "Bernstein, Hadzilacos and Goodman, Concurrency Control and Recovery in Database Systems, 1987",
            "PostgreSQL documentation, PREPARE TRANSACTION, https://www.postgresql.org/docs/current/sql-prepare-transaction.html",
            'Corbett et al., "Spanner: Google\'s Globally-Distributed Database", OSDI 2012',
        ),
    ),
]
