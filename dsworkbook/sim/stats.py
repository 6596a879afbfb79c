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


_COUNTS = ["sent", "delivered", "lost", "duplicates"]


def _summarise(messages: "pd.DataFrame", keys: list[str]) -> "pd.DataFrame":
    """The statistics of every group of ``keys`` (one group per link), computed column by column.

    Whole-column group-bys rather than a Python function per link: the network playground
    recomputes this on every control change (about 4x less time for 20 links).
    """
    import pandas as pd

    if messages["latency"].dtype != "float64":  # an empty trace's columns are untyped
        messages = messages.astype({"latency": "float64"})
    links = messages.groupby(keys, sort=True)
    delivered = messages[messages["outcome"] == "delivered"]
    copies = delivered.groupby(keys, sort=True)
    per_msg = delivered.groupby([*keys, "msg_id"], sort=True).size()  # copies delivered of each message
    by_link = per_msg.groupby(level=list(range(len(keys))))
    out = pd.DataFrame({"sent": links["msg_id"].nunique()})
    out["delivered"] = copies.size()
    out["lost"] = out["sent"] - by_link.size()  # sent, minus the messages of which a copy arrived
    out["duplicates"] = (per_msg - 1).groupby(level=list(range(len(keys)))).sum()
    out[_COUNTS] = out[_COUNTS].fillna({"delivered": 0, "lost": out["sent"], "duplicates": 0}).astype("int64")
    out["p50"] = copies["latency"].quantile(0.5)
    out["p99"] = copies["latency"].quantile(0.99)
    return out[STATS_COLUMNS].astype({"p50": "float64", "p99": "float64"})


def delivery_stats(messages: "pd.DataFrame") -> "pd.DataFrame":
    """Per-link delivery statistics of ``trace.messages()`` (see the module docstring)."""
    import pandas as pd

    missing = _NEEDED - set(getattr(messages, "columns", ()))
    if missing:
        raise ConfigError(f"delivery_stats needs the DataFrame from trace.messages(); missing columns {sorted(missing)}")
    per_link = _summarise(messages, ["src", "dst"])
    delivered = messages[messages["outcome"] == "delivered"]
    latency = delivered["latency"].astype("float64")
    sent, arrived = messages["msg_id"].nunique(), delivered["msg_id"].nunique()
    overall = pd.DataFrame([[sent, len(delivered), sent - arrived, len(delivered) - arrived,
                             latency.quantile(0.5) if len(latency) else float("nan"),
                             latency.quantile(0.99) if len(latency) else float("nan")]],
                           columns=STATS_COLUMNS, index=pd.MultiIndex.from_tuples([("all", "all")]))
    df = pd.concat([per_link, overall.astype(per_link.dtypes.to_dict())]) if len(per_link) else overall
    df.index = pd.MultiIndex.from_tuples(list(df.index), names=["src", "dst"])
    return df
