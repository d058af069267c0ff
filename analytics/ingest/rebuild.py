"""``ingest --rebuild``: the warehouse built again from the files in its ``ingest_log``, beside
the old file, and moved over it only when complete (payroll history carried over)."""

from __future__ import annotations

import contextlib
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from analytics import db as dbmod
from analytics.errors import AnalyticsError, UsageError
from analytics.ingest import tabular
from analytics.ingest.report import FileResult, IngestReport, display_path
from analytics.policy import Policy


def files_in_log(db: Path, wait: float) -> dict[str, str]:
    """The files a warehouse was built from, with their sha256 as last loaded (``--rebuild``):
    every file loaded once and not pruned since, whatever the warehouse's schema version."""
    con = dbmod.open_file(db, read_only=True, wait=wait)
    try:
        return _logged_files(con, db)
    finally:
        con.close()


def _logged_files(con: duckdb.DuckDBPyConnection, db: Path) -> dict[str, str]:
    try:
        # A file whose last version was rejected still has rows of an earlier good version
        # in the warehouse: it is read again too (its rejection is then reported again).
        rows = con.execute(
            """
            select file,
                arg_max(sha256, run_started_at) filter (status in ('loaded', 'unchanged'))
            from main.ingest_log
            group by file
            having arg_max(status, run_started_at) in ('loaded', 'unchanged', 'rejected')
                and count(*) filter (status in ('loaded', 'unchanged')) > 0
            order by file
            """
        ).fetchall()
    except duckdb.Error as exc:
        raise AnalyticsError(
            f"{db}: cannot read its ingest_log to rebuild ({str(exc).splitlines()[0]}); "
            "delete the file and ingest the inputs again"
        ) from exc
    return dict(rows)


MAX_LISTED_MISSING = 20
CARRIED_OVER = ("ingest_log", "payroll_exports")  # history a rebuild must not lose (docs/design.md)


def rebuild(
    paths: list[Path],
    *,
    db: Path,
    policy: Policy,
    team: str | None,
    wait: float,
    progress=None,
    date_format: str | None = None,
    now: datetime | None = None,
) -> IngestReport:
    """Rebuild the warehouse from the files in its ingest_log (plus ``paths``), atomically.

    A new file is built beside the old one and moved over it only when complete, with the
    old ``ingest_log`` and ``payroll_exports`` copied in (payroll finality survives).
    Refuses when files the old warehouse was built from are missing, unless ``paths`` say
    where to read instead; the missing files are then logged ``pruned``.
    """
    if not db.exists():
        raise UsageError(f"{db}: no warehouse to rebuild")
    logged = files_in_log(db, wait)
    missing = [f for f in logged if not Path(f).exists()]
    if missing and not paths:
        listed = [f"  missing: {display_path(Path(f))}" for f in missing[:MAX_LISTED_MISSING]]
        if len(missing) > MAX_LISTED_MISSING:
            listed.append(f"  ... and {len(missing) - MAX_LISTED_MISSING} more")
        raise AnalyticsError(
            f"{db}: refusing to rebuild: {len(missing)} of the {len(logged)} files it was "
            "built from are missing (listed below); restore them, or name the folders to "
            f"read instead: `incident-analytics ingest --rebuild FOLDER ... --db {db}`; "
            "nothing was changed\n" + "\n".join(listed)
        )
    tmp = db.with_name(db.name + ".rebuild-tmp")
    for leftover in (tmp, Path(str(tmp) + ".wal")):
        leftover.unlink(missing_ok=True)
    now = now or datetime.now(UTC)
    from analytics.ingest.run import ingest

    try:
        report = ingest(
            [Path(f) for f in logged if f not in missing] + list(paths),
            db=tmp,
            policy=policy,
            team=team,
            wait=wait,
            progress=progress,
            date_format=date_format,
            now=now,
        )
        for n, f in enumerate(missing):
            shown = display_path(Path(f))
            report.files.append(FileResult(Path(f), shown, "gone", logged[f], status="pruned"))
            if n < MAX_LISTED_MISSING:
                report.pruned.append(f"{shown}: missing; its rows are not in the rebuilt warehouse")
        if len(missing) > MAX_LISTED_MISSING:
            report.pruned.append(
                f"... and {len(missing) - MAX_LISTED_MISSING} more missing files (status "
                "'pruned' in ingest_log)"
            )
        # Hold the old file while copying its history and swapping, so no writer is
        # mid-batch on it and nothing it records meanwhile is lost.
        holder = dbmod.open_file(db, read_only=False, wait=wait)
        try:
            if _logged_files(holder, db) != logged:
                raise AnalyticsError(
                    f"{db}: another ingest changed the warehouse during the rebuild; run the "
                    "rebuild again; nothing was changed"
                )
            _carry_over(holder, tmp, missing, logged, now)
            holder.execute("checkpoint")  # no WAL of the old file may outlive it
            os.replace(tmp, db)
        finally:
            holder.close()
    finally:
        tmp.unlink(missing_ok=True)
    return report


def _carry_over(
    old: duckdb.DuckDBPyConnection, tmp: Path, missing: list[str], logged: dict, now: datetime
) -> None:
    """Copy the old warehouse's history into the rebuilt one (columns both have, by name)."""
    old.execute("attach $path as rebuilt", {"path": str(tmp)})
    try:
        old.execute("begin")
        for table in CARRIED_OVER:
            columns = [
                r[0]
                for r in old.execute(
                    "select column_name from duckdb_columns() where schema_name = 'main' "
                    "and table_name = $t and database_name = current_database() "
                    "and column_name in (select column_name from duckdb_columns() "
                    "where database_name = 'rebuilt' and schema_name = 'main' "
                    "and table_name = $t) order by column_index",
                    {"t": table},
                ).fetchall()
            ]
            if columns:
                names = ", ".join(tabular._q(c) for c in columns)
                old.execute(
                    f"insert into rebuilt.main.{table} ({names}) select {names} from main.{table}"
                )
        if missing:
            run_id = uuid.uuid4().hex
            old.executemany(
                "insert into rebuilt.main.ingest_log values ($1, $2, $3, $4, 'gone', 0, 0, "
                "'pruned', 'missing at rebuild: its rows are not in the rebuilt warehouse')",
                [(run_id, now, f, logged[f]) for f in missing],
            )
        old.execute("commit")
        old.execute("checkpoint rebuilt")
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            old.execute("rollback")
        raise
    finally:
        old.execute("detach rebuilt")
