"""Printing result frames as a table, CSV or JSON (stdout)."""

from __future__ import annotations

import json
import math
import sys


def _plain(value):
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _cell(value) -> str:
    value = _plain(value)
    if value is None:
        return ""
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def human_seconds(value) -> str:
    """A duration for people: 45s, 12m, 3.5h, 2.1d ('' when missing)."""
    value = _plain(value)
    if value is None:
        return ""
    if value < 60:
        return f"{value:.0f}s"
    if value < 3600:
        return f"{value / 60:.0f}m"
    if value < 86400 * 2:
        return f"{value / 3600:.1f}h"
    return f"{value / 86400:.1f}d"


def metrics_digest(frame, by: str):
    """The summary as people read it in a terminal: n, medians with intervals, p90, compliance."""
    import pandas as pd

    rows = []
    for rec in frame.to_dict("records"):
        row = {by: "" if _plain(rec[by]) is None else str(rec[by]), "incidents": rec["incidents"]}
        for m in ("mtta", "mttr"):
            lo, hi = rec.get(f"{m}_median_lo_s"), rec.get(f"{m}_median_hi_s")
            interval = (
                f" ({human_seconds(lo)}–{human_seconds(hi)})" if _plain(lo) is not None else ""
            )
            row[f"{m.upper()} n"] = rec.get(f"{m}_n", "")
            row[f"{m.upper()} median (90% CI)"] = human_seconds(rec[f"{m}_median_s"]) + interval
            row[f"{m.upper()} p90"] = human_seconds(rec[f"{m}_p90_s"])
            row[f"{m.upper()} missing"] = rec.get(f"{m}_missing", "")
        rate = _plain(rec["response_compliance"])
        row["response met/breached/pending"] = (
            f"{rec['response_met']}/{rec['response_breached']}/{rec['response_pending']}"
        )
        row["compliance"] = "" if rate is None else f"{rate:.0%}"
        rows.append(row)
    return pd.DataFrame(rows)


def _rounded(frame):
    """Seconds to 0.1 s and rates to 4 places: float noise is not information."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype.kind == "f":
            out[col] = out[col].round(1 if col.endswith("_s") else 4)
    return out


def write_frame(frame, fmt: str, stream=None) -> None:
    """Write a DataFrame: ``csv`` (empty cells for missing), ``json`` (records), ``table``."""
    stream = stream or sys.stdout
    if fmt != "table":
        frame = _rounded(frame)
    if fmt == "csv":
        frame.to_csv(stream, index=False, lineterminator="\n")
    elif fmt == "json":
        records = [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]
        json.dump(records, stream, indent=2, default=str)
        stream.write("\n")
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(show_header=True)
        for col in frame.columns:
            table.add_column(str(col), justify="right")
        for row in frame.itertuples(index=False):
            table.add_row(*(_cell(v) for v in row))
        Console(file=stream, width=max(100, 14 * len(frame.columns))).print(table)
