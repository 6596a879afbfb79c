"""Consistency checkers: histories, data-type models, linearizability and the weaker models (theme 03).

``from dsworkbook.checkers import ...`` (or ``dw.checkers``) reaches the whole API:

============================================  =====================================================================
``Operation``, ``History``                    a history of client operations, outcomes ok / fail / unknown (M01)
``from_sim_history``, ``parse_timeline``      ... from the simulator, or from a small ASCII drawing
``parse_edn``, ``parse_jsonl``, ``to_edn``    Jepsen-style history files, read and written
``RegisterModel`` ... ``CounterModel``        sequential specifications (register, cas-register, kv, set, counter)
``check_linearizable``                        linearizability: search + per-key split + zones fast path (M02)
``check_sequential``, ``check_causal``        the weaker models, one check each (M03)
``check_read_your_writes``, ...
``classify``                                  the strongest model a history satisfies, with evidence per level
``gallery``, ``workloads``, ``replicas``      named histories, random histories, a gossip store on the simulator
============================================  =====================================================================
"""

from dsworkbook.checkers import gallery, replicas, workloads
from dsworkbook.checkers.classify import LADDER, Classification, classify
from dsworkbook.checkers.datatypes import (ILLEGAL, MODELS, CasRegisterModel, CounterModel, KVModel, Model,
                                           RegisterModel, SetModel, resolve_model)
from dsworkbook.checkers.formats import parse_edn, parse_jsonl, read_history, to_edn, to_jsonl
from dsworkbook.checkers.history import (History, HistoryParseError, Operation, from_sim_history,
                                         parse_timeline)
from dsworkbook.checkers.linearizability import check_linearizable
from dsworkbook.checkers.models import (check_causal, check_convergence, check_monotonic_reads,
                                        check_read_your_writes, check_sequential)
from dsworkbook.checkers.result import CheckResult, LinearizabilityResult

__all__ = [
    "Operation", "History", "HistoryParseError", "from_sim_history", "parse_timeline", "parse_edn", "parse_jsonl",
    "read_history", "to_edn", "to_jsonl",
    "Model", "RegisterModel", "CasRegisterModel", "KVModel", "SetModel", "CounterModel", "MODELS", "ILLEGAL",
    "resolve_model",
    "check_linearizable", "LinearizabilityResult", "CheckResult",
    "check_sequential", "check_causal", "check_read_your_writes", "check_monotonic_reads", "check_convergence",
    "classify", "Classification", "LADDER",
    "gallery", "workloads", "replicas",
]
