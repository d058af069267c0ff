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


def write_frame(frame, fmt: str, stream=None) -> None:
    """Write a DataFrame: ``csv`` (empty cells for missing), ``json`` (records), ``table``."""
    stream = stream or sys.stdout
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
