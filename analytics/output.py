"""Printing result frames: a table that fits the terminal, plain columns, CSV or JSON (stdout).

``metrics`` prints a human digest of its summary (:func:`metrics_digest`) with
:func:`write_table`: in a terminal a rich table that rich measures against the terminal's own
width (never a forced width); when that is too narrow for one table, the same columns as two
tables (times, then response compliance); when stdout is not a terminal (a pipe, a file, a
cron mail) plain space-aligned columns with no box characters and no width limit. The key
column (severity, team, service) is never wrapped or cut. CSV and JSON print every column of
the summary for programs.
"""

from __future__ import annotations

import json
import math
import re
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console
    from rich.table import Table

__all__ = [
    "NO_GROUP",
    "human_seconds",
    "metrics_digest",
    "natural_key",
    "natural_order",
    "plain_columns",
    "write_frame",
    "write_metrics",
    "write_rows",
    "write_table",
]

# What the digest calls the group of rows without a team or service (a NULL key).
NO_GROUP = {"team": "(no team)", "service": "(no service)", "severity": "(no severity)"}
# The digest's columns about response compliance: the second table when one does not fit.
_RESPONSE_COLUMNS = ("response met / breached / pending", "response compliance")
_DIGITS = re.compile(r"(\d+)")


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
    """A duration for people: 45 s, 12 min, 3.5 h, 2.1 d ('' when missing), spelled as in
    every report (:func:`analytics.render.duration`)."""
    from analytics import render

    return render.duration(value, missing="")


# --------------------------------------------------------------------------- order


def natural_key(value: Any) -> tuple:
    """Sort key: numbers by value, text case-insensitively with digit runs as numbers
    (``svc-2`` before ``svc-10``), missing values last."""
    value = _plain(value)
    if value is None:
        return (2,)
    if isinstance(value, int | float):
        return (0, value)
    parts = _DIGITS.split(str(value).casefold())
    return (1, tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts if p), value)


def natural_order(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """``frame`` sorted by its ``by`` column with :func:`natural_key` (a new frame)."""
    if by not in frame.columns or frame.empty:
        return frame
    order = sorted(range(len(frame)), key=lambda i: natural_key(frame[by].iloc[i]))
    return frame.iloc[order].reset_index(drop=True)


# --------------------------------------------------------------------------- the digest


def _group_label(value: Any, by: str) -> str:
    value = _plain(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        return NO_GROUP.get(by, "(none)")
    return f"SEV-{value}" if by == "severity" else str(value)


def _count(value: Any) -> str:
    value = _plain(value)
    return "" if value is None else str(int(value))


def metrics_digest(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """The summary as people read it: per group n, median with its 90% interval and p90 of
    MTTA and MTTR, and response compliance, every cell a string; groups in natural order, the
    group without a team or service named ``(no team)`` / ``(no service)`` and last.

    The median columns are headed ``median (90% CI)`` when the frame has intervals, and
    ``median`` when it has none at all (``metrics --no-intervals``).

    ``MTTA n``/``MTTR n`` count the incidents that have the timestamps the measure needs; the
    others (never acknowledged, still open) are left out of it.
    """
    import pandas as pd

    interval_columns = [c for c in frame.columns if c.endswith(("_lo_s", "_hi_s"))]
    median = (
        "median (90% CI)"
        if len(frame) and frame[interval_columns].notna().to_numpy().any()
        else "median"
    )
    rows = []
    for rec in natural_order(frame, by).to_dict("records"):
        row = {by: _group_label(rec[by], by), "incidents": _count(rec["incidents"])}
        for m in ("mtta", "mttr"):
            lo, hi = rec.get(f"{m}_median_lo_s"), rec.get(f"{m}_median_hi_s")
            interval = (
                f" ({human_seconds(lo)}–{human_seconds(hi)})" if _plain(lo) is not None else ""
            )
            row[f"{m.upper()} n"] = _count(rec.get(f"{m}_n"))
            row[f"{m.upper()} {median}"] = human_seconds(rec[f"{m}_median_s"]) + interval
            row[f"{m.upper()} p90"] = human_seconds(rec[f"{m}_p90_s"])
        rate = _plain(rec["response_compliance"])
        row[_RESPONSE_COLUMNS[0]] = "/".join(
            _count(rec[f"response_{s}"]) or "0" for s in ("met", "breached", "pending")
        )
        row[_RESPONSE_COLUMNS[1]] = "" if rate is None else f"{rate:.0%}"
        rows.append(row)
    columns = [by, "incidents"]
    for m in ("MTTA", "MTTR"):
        columns += [f"{m} n", f"{m} {median}", f"{m} p90"]
    return pd.DataFrame(rows, columns=[*columns, *_RESPONSE_COLUMNS])


# --------------------------------------------------------------------------- tables


def plain_columns(frame: pd.DataFrame) -> str:
    """``frame`` as plain text columns: two spaces apart, the first column left-aligned and
    the others right-aligned, nothing cut or wrapped, no box characters or colour."""
    header = [str(c) for c in frame.columns]
    body = [[_cell(v) for v in row] for row in frame.itertuples(index=False)]
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest]).rstrip() + "\n"

    return "".join(line(r) for r in [header, *body])


_GAP = 2  # characters between two columns: a blank separator and one space of padding


def _cells(frame: pd.DataFrame) -> list[list[str]]:
    return [[str(c) for c in frame.columns]] + [
        [_cell(v) for v in row] for row in frame.itertuples(index=False)
    ]


def _widths(frame: pd.DataFrame, room: int, *, between_words: bool = True) -> list[int] | None:
    """Column widths that fit ``room`` characters, or None when they cannot.

    Each column starts at its widest cell; while the table is too wide, the widest column
    that can still narrow gives up one character. With ``between_words`` no column goes below
    its widest word (text wraps only between words), else down to one character (rich folds
    words). The key column (the first) never narrows: two service names cut to the same
    prefix would make two rows look alike.
    """
    cells = _cells(frame)
    widths = [max(len(row[i]) for row in cells) for i in range(len(frame.columns))]
    floors = [widths[0]] + [
        max(len(word) for row in cells for word in row[i].split() or [""]) if between_words else 1
        for i in range(1, len(widths))
    ]
    excess = sum(widths) + _GAP * (len(widths) - 1) - room
    while excess > 0:
        shrinkable = [i for i, w in enumerate(widths) if w > floors[i]]
        if not shrinkable:
            return None
        widest = max(shrinkable, key=lambda i: (widths[i], -i))
        widths[widest] -= 1
        excess -= 1
    return widths


def _rich_table(frame: pd.DataFrame, widths: list[int]) -> Table:
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 0, 0, 1))
    for i, (col, width) in enumerate(zip(frame.columns, widths, strict=True)):
        table.add_column(
            str(col),
            width=width,
            justify="left" if i == 0 else "right",
            no_wrap=i == 0,
            overflow="fold",
        )
    for row in _cells(frame)[1:]:
        table.add_row(*row)
    return table


def write_table(
    frame: pd.DataFrame,
    stream: Any = None,
    *,
    console: Console | None = None,
    split: tuple[str, ...] = (),
) -> None:
    """Print ``frame`` for people: a table fitted to the terminal, else plain columns.

    Rich measures the terminal (``console.width``, which follows a resized window and
    ``$COLUMNS``); the columns then take their natural widths and, when that is too wide, the
    widest ones wrap between words. When even that does not fit, the ``split`` columns go into
    a second table with the key; on a terminal narrower still, rich folds the cells that do not
    fit (the key column stays whole).

    Args:
        frame: Cells to print (the first column is the key).
        stream: Where to write (default stdout); ignored when ``console`` is given.
        console: A rich console (tests pass one with a fixed width); by default one on
            ``stream`` that measures the terminal itself.
        split: Columns that go into a second table (with the key) when one table cannot fit.
    """
    from rich.console import Console

    console = console or Console(file=stream or sys.stdout)
    if not console.is_terminal:
        console.file.write(plain_columns(frame))
        return
    room = console.width
    parts = [frame]
    widths = _widths(frame, room)
    if widths is None and split:
        key = frame.columns[0]
        parts = [
            frame[[c for c in frame.columns if c not in split]],
            frame[[key, *(c for c in frame.columns if c in split)]],
        ]
    for n, part in enumerate(parts):
        if n:
            console.print()
        fitted = _widths(part, room) or _widths(part, room, between_words=False)
        if fitted is None:  # narrower than the key column itself: let rich crop the rest
            fitted = _widths(part, 10_000, between_words=False)
        console.print(_rich_table(part, fitted))


def write_metrics(
    frame: pd.DataFrame, by: str, stream: Any = None, *, console: Console | None = None
) -> None:
    """The ``metrics`` table: :func:`metrics_digest` printed with :func:`write_table`; one
    sentence instead of a table of headers when no incident started in the period."""
    if frame.empty:
        out = console.file if console is not None else stream or sys.stdout
        out.write("No incidents started in the period.\n")
        return
    write_table(metrics_digest(frame, by), stream, console=console, split=_RESPONSE_COLUMNS)


def _rounded(frame):
    """Seconds to 0.1 s and rates to 4 places: float noise is not information."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype.kind == "f":
            out[col] = out[col].round(1 if col.endswith("_s") else 4)
    return out


def _round_half_even(value: float, digits: int) -> float:
    """``value`` rounded as numpy (hence pandas' ``round``) does: scaled, rounded half to even
    on the binary value, scaled back, so rows and frames print the same digits."""
    scale = 10.0**digits
    return round(value * scale) / scale


def write_rows(columns: list[str], rows: list[list[Any]], by: str, stream=None) -> None:
    """CSV of plain rows (``None`` for missing), in :func:`natural_order` of the ``by`` column:
    byte for byte what :func:`write_frame` writes for the same table as a frame, without
    pandas (``metrics --format csv``; seconds to 0.1 s, other decimals to 4 places)."""
    import csv

    stream = stream or sys.stdout
    at = columns.index(by)
    digits = [1 if c.endswith("_s") else 4 for c in columns]
    out = csv.writer(stream, lineterminator="\n")
    out.writerow(columns)
    for row in sorted(rows, key=lambda r: natural_key(r[at])):
        out.writerow(
            _round_half_even(v, d) if isinstance(v, float) else v
            for v, d in zip(row, digits, strict=True)
        )


def write_frame(frame, fmt: str, stream=None) -> None:
    """Write a DataFrame: ``csv`` (empty cells for missing), ``json`` (records), ``table``."""
    stream = stream or sys.stdout
    if fmt == "table":
        write_table(frame, stream)
        return
    frame = _rounded(frame)
    if fmt == "csv":
        frame.to_csv(stream, index=False, lineterminator="\n")
    else:
        records = [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]
        json.dump(records, stream, indent=2, default=str)
        stream.write("\n")
