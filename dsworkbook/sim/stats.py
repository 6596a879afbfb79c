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

from typing import TYPE_CHECKING

from dsworkbook.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["delivery_stats", "STATS_COLUMNS"]

STATS_COLUMNS = ["sent", "delivered", "lost", "duplicates", "p50", "p99"]
_NEEDED = {"msg_id", "src", "dst", "latency", "outcome"}


def _summarise(group: "pd.DataFrame") -> dict:
    delivered = group[group["outcome"] == "delivered"]
    per_msg = delivered.groupby("msg_id").size()
    sent = group["msg_id"].nunique()
    lat = delivered["latency"]
    return {
        "sent": int(sent),
        "delivered": int(len(delivered)),
        "lost": int(sent - len(per_msg)),
        "duplicates": int((per_msg - 1).sum()),
        "p50": float(lat.quantile(0.5)) if len(lat) else float("nan"),
        "p99": float(lat.quantile(0.99)) if len(lat) else float("nan"),
    }


def delivery_stats(messages: "pd.DataFrame") -> "pd.DataFrame":
    """Per-link delivery statistics of ``trace.messages()`` (see the module docstring)."""
    import pandas as pd

    missing = _NEEDED - set(getattr(messages, "columns", ()))
    if missing:
        raise ConfigError(f"delivery_stats needs the DataFrame from trace.messages(); missing columns {sorted(missing)}")
    rows = {(src, dst): _summarise(g) for (src, dst), g in messages.groupby(["src", "dst"], sort=True)}
    rows[("all", "all")] = _summarise(messages)
    df = pd.DataFrame.from_dict(rows, orient="index", columns=STATS_COLUMNS)
    df.index = pd.MultiIndex.from_tuples(list(rows), names=["src", "dst"])
    return df
