"""Delivery statistics from a trace: what the network did to the messages of a run.

``delivery_stats(trace.messages())`` gives one row per directed link (src -> dst):

=============  ===================================================================
sent           distinct messages sent on the link (a duplicated message counts once)
delivered      copies delivered, duplicates included
lost           messages none of whose copies arrived (dropped, or still in flight)
duplicates     extra deliveries: copies delivered beyond the first of each message
p50, p99       latency of delivered copies, ms (NaN when nothing was delivered)
=============  ===================================================================

and a final ``all`` row over every link. Exercise ``01-trace-stats`` asks the reader to
write this function; this is the reference the check compares with.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from dsworkbook.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["delivery_stats", "STATS_COLUMNS"]

STATS_COLUMNS = ["sent", "delivered", "lost", "duplicates", "p50", "p99"]
_NEEDED = {"msg_id", "src", "dst", "latency", "outcome"}


def _row(sent_ids: set, copies: dict, latencies: list[float]) -> list[Any]:
    """A row of the table from one group's message ids, copies delivered per message and latencies."""
    import numpy as np

    sent, delivered, arrived = len(sent_ids), len(latencies), len(copies)
    # pandas' Series.quantile is numpy's percentile with linear interpolation: the same numbers
    p50, p99 = np.percentile(latencies, [50.0, 99.0], method="linear") if latencies else (math.nan, math.nan)
    return [sent, delivered, sent - arrived, delivered - arrived, float(p50), float(p99)]


def delivery_stats(messages: "pd.DataFrame") -> "pd.DataFrame":
    """Per-link delivery statistics of ``trace.messages()`` (see the module docstring).

    One pass over the columns as Python lists rather than pandas group-bys: the network playground
    recomputes this on every control change, and for a few hundred messages the group-bys' own
    cost was most of the time (about 6x).
    """
    import pandas as pd

    missing = _NEEDED - set(getattr(messages, "columns", ()))
    if missing:
        raise ConfigError(f"delivery_stats needs the DataFrame from trace.messages(); missing columns {sorted(missing)}")
    links: dict[tuple[Any, Any], tuple[set, dict, list[float]]] = {}
    everything: tuple[set, dict, list[float]] = (set(), {}, [])
    columns = [messages[c].tolist() for c in ("src", "dst", "msg_id", "outcome", "latency")]
    for src, dst, msg_id, outcome, latency in zip(*columns):
        link = links.get((src, dst))
        if link is None:
            link = links[(src, dst)] = (set(), {}, [])
        for sent_ids, copies, latencies in (link, everything):
            sent_ids.add(msg_id)
            if outcome == "delivered":
                copies[msg_id] = copies.get(msg_id, 0) + 1
                latencies.append(float(latency))
    keys = sorted(links)
    rows = [_row(*links[k]) for k in keys] + [_row(*everything)]
    df = pd.DataFrame(rows, columns=STATS_COLUMNS, index=pd.MultiIndex.from_tuples([*keys, ("all", "all")],
                                                                                   names=["src", "dst"]))
    return df.astype({"sent": "int64", "delivered": "int64", "lost": "int64", "duplicates": "int64",
                      "p50": "float64", "p99": "float64"})
