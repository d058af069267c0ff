"""Publish the public tables as Parquet, partitioned by month (docs/scaling.md).

``out/<table>/month=YYYY-MM/part-0.parquet`` (Hive-style partitions, which Spark, Trino,
BigQuery external tables and DuckDB's ``hive_partitioning`` read as a ``month`` column), or
``out/<table>/part-0.parquet`` for a table with no time column (``people``).

How an export stays safe to read while it runs:

* the warehouse is opened read-only (:func:`analytics.db.reader`) once, so every table comes
  from the same state and at the same ``as_of``, and closed at the end;
* every file is first written under a hidden temporary name in its own folder; only when all
  of them are written are they moved into place with ``os.replace`` (atomic per file), so a
  failure while writing leaves the previous export exactly as it was, and no reader ever sees
  a half-written file;
* then month folders of a previous export that no longer hold rows are removed.

Paths in ``COPY ... TO`` cannot be bound parameters: they are built here only (from the
output folder, a table name of :data:`TABLES` and a month checked against ``YYYY-MM``) and
quoted as SQL literals. Every value in a query is bound.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from analytics.ingest.tabular import quote_path

if TYPE_CHECKING:
    from analytics.context import RunContext

PART = "part-0.parquet"
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"  # Hive's name for a NULL partition value
_MONTH_RE = re.compile(r"^\d{4,6}-\d{2}$")
LEFTOVER_AGE_S = 3600.0  # a temp file this old belongs to an export that died
_TMP_RE = re.compile(r"^\.part-0\.parquet\.[0-9a-f]+\.tmp$")


@dataclass(frozen=True)
class ExportSpec:
    """One public table and the SELECT that adds its partition month (``__month``)."""

    table: str
    sql: str  # a constant: selects the table's columns plus ``__month`` (NULL: unpartitioned)
    partitioned: bool = True


def _by(table: str, column: str) -> ExportSpec:
    return ExportSpec(table, f"select *, strftime({column}, '%Y-%m') as __month from {table}")


def _by_incident(table: str) -> ExportSpec:
    """A table partitioned by the month its incident started (the earliest version's start)."""
    return ExportSpec(
        table,
        f"select t.*, strftime(i.started_at, '%Y-%m') as __month from {table} as t "
        "left join (select incident_id, min(started_at) as started_at from incidents "
        "group by incident_id) as i using (incident_id)",
    )


# The public tables and views of docs/warehouse.md, in the order they are exported.
TABLES: tuple[ExportSpec, ...] = (
    _by("incidents", "started_at"),
    _by("timeline_events", "occurred_at"),
    _by_incident("action_items"),
    _by("pages", "sent_at"),
    ExportSpec("people", "select *, null::varchar as __month from people", partitioned=False),
    _by("oncall_shifts", "start_at"),
    _by("rotation_findings", "start_at"),
    _by("incident_metrics", "started_at"),
    _by("page_metrics", "sent_at"),
    _by_incident("action_item_status"),
    _by("oncall_load", "week_start"),
    _by("oncall_fairness", "period_start"),
    ExportSpec(
        "data_coverage", "select *, null::varchar as __month from data_coverage", partitioned=False
    ),
)

_STAGE = "__export"
_COPY_MONTH = (
    "copy (select * exclude (__month) from __export where __month is not distinct from $month "
    "order by all) to {path} (format parquet)"
)
_COPY_ALL = (
    "copy (select * exclude (__month) from __export order by all) to {path} (format parquet)"
)


def _partition_dir(month: str | None) -> str:
    if month is None:
        return f"month={NULL_PARTITION}"
    if not _MONTH_RE.match(month):  # strftime gives digits only; refuse anything else
        raise AssertionError(f"unexpected partition month {month!r}")
    return f"month={month}"


def _tmp_name(final: Path) -> Path:
    return final.with_name(f".{final.name}.{secrets.token_hex(8)}.tmp")


def _copy(con, path: Path, month: str | None, *, partitioned: bool) -> None:
    """Write the staged rows (of one month) to ``path`` as Parquet."""
    if partitioned:
        con.execute(_COPY_MONTH.format(path=quote_path(path)), {"month": month})
    else:
        con.execute(_COPY_ALL.format(path=quote_path(path)))


def _stale(table_dir: Path, keep: set[Path]) -> list[Path]:
    """Files of a previous export of this table that this export does not rewrite."""
    found: list[Path] = []
    if not table_dir.is_dir():
        return found
    unpartitioned = table_dir / PART
    if unpartitioned.is_file() and unpartitioned not in keep:
        found.append(unpartitioned)
    for sub in sorted(table_dir.iterdir()):
        if sub.is_dir() and sub.name.startswith("month="):
            part = sub / PART
            if part.is_file() and part not in keep:
                found.append(part)
    return found


def _leftover_tmp(table_dir: Path) -> list[Path]:
    """Temporary files a killed export left behind: ours only (by their exact name form),
    and only old ones, so a second export running at the same time keeps its own."""
    if not table_dir.is_dir():
        return []
    cutoff = time.time() - LEFTOVER_AGE_S
    dirs = [table_dir, *(d for d in table_dir.iterdir() if d.is_dir())]
    return [
        f
        for d in dirs
        for f in d.iterdir()
        if _TMP_RE.match(f.name) and f.is_file() and f.stat().st_mtime < cutoff
    ]


def export_parquet(run: RunContext, out: Path) -> dict[str, int]:
    """Write every public table as Parquet under ``out``, partitioned by month.

    Args:
        run: The warehouse, the report time of the metric views (one instant for the whole
            export) and the policy they compute with (``None``: the stored one), as
            :func:`analytics.context.from_options` builds them from ``export``'s options.
        out: Output folder (created if missing); ``out/<table>/...`` is replaced.

    Returns:
        Rows written per table, in the order of :data:`TABLES`.

    Raises:
        WarehouseBusy: Another process held the warehouse for longer than ``run.wait``.
        AnalyticsError: No warehouse, or one of another schema version.
        OSError: The output folder cannot be written (the previous export is left as it was).
    """
    out = Path(out)
    counts: dict[str, int] = {}
    # (temporary file, final file) of every file written, moved into place at the end.
    written: list[tuple[Path, Path]] = []
    created_dirs: list[Path] = []
    try:
        with run.reader() as con:
            for spec in TABLES:
                con.execute(f"create or replace temp table {_STAGE} as {spec.sql}")
                table_dir = out / spec.table
                if spec.partitioned:
                    months = [
                        r[0]
                        for r in con.execute(
                            "select distinct __month from __export order by 1"
                        ).fetchall()
                    ]
                    targets = [(table_dir / _partition_dir(m), m) for m in months]
                else:
                    targets = [(table_dir, None)]
                for folder, month in targets:
                    if not folder.is_dir():
                        folder.mkdir(parents=True, exist_ok=True)
                        created_dirs.append(folder)
                    final = folder / PART
                    tmp = _tmp_name(final)
                    written.append((tmp, final))
                    _copy(con, tmp, month, partitioned=spec.partitioned)
                (counts[spec.table],) = con.execute("select count(*) from __export").fetchone()
                con.execute(f"drop table {_STAGE}")
    except BaseException:
        for tmp, _ in written:
            with contextlib.suppress(OSError):
                tmp.unlink()
        for folder in reversed(created_dirs):
            with contextlib.suppress(OSError):
                folder.rmdir()  # only if empty: a previous export's files stay
        raise

    keep = {final for _, final in written}
    for tmp, final in written:
        os.replace(tmp, final)
    for spec in TABLES:
        table_dir = out / spec.table
        for old in _stale(table_dir, keep) + _leftover_tmp(table_dir):
            old.unlink()
            if old.parent != table_dir:
                with contextlib.suppress(OSError):
                    old.parent.rmdir()
    return counts
