"""The one door to DuckDB.

Every connection goes through here: ``SET TimeZone='UTC'``, values only as bound
parameters, and DuckDB's file lock handled the same way everywhere (STACK-NOTES):

* writers hold the file only while they write (:func:`writer`);
* readers open read-only per use and close at once (:func:`reader`);
* while another process holds the file, both retry with backoff for up to ``wait``
  seconds, then raise :class:`~analytics.errors.WarehouseBusy` naming the holder's PID.

The public views of docs/warehouse.md are stored in the warehouse, built from the SQL files in
``analytics/sql``. They read the report time from ``params`` and the playbook numbers from
``policy``/``pay_rates``/``holidays``. A reader given ``as_of`` or a policy creates TEMP
tables of the same names, which shadow the stored ones for that connection only: nothing
stored is rewritten, and a plain ``duckdb.connect(path, read_only=True)`` sees ``now()``
and the policy of the last ingest.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import os
import re
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from analytics import __version__, sqlgraph
from analytics.config import default_db
from analytics.errors import AnalyticsError, SchemaError, UsageError, WarehouseBusy
from analytics.periods import parse_instant

if TYPE_CHECKING:
    from analytics.policy import Policy

# 3 (docs/importers.md): src_incidents.severity_source, source_updated_at and linked_*_id,
# src_timeline_events.other_kind, src_page_acks, src_tracker_items.is_category_done;
# 4 (docs/metrics.md): src_reviews, src_review_lines, src_incidents.impact_text, communication_rules
# 5 (docs/metrics.md): src_comp_time, policy.comp_time_expires_after_days
SCHEMA_VERSION = 5

_LOCK_RE = re.compile(r"Conflicting lock is held in (?P<proc>.*?) \(PID (?P<pid>\d+)\)")


def sql_text(name: str) -> str:
    """The text of a SQL file shipped in ``analytics/sql`` (e.g. ``"marts/pages.sql"``)."""
    return resources.files("analytics").joinpath("sql", *name.split("/")).read_text("utf-8")


def resolve_path(db: str | Path | None) -> Path:
    """``db`` as given, or the configured warehouse (:func:`~analytics.config.default_db`)
    when it is None or empty (a notebook parameter left at its default)."""
    if db is None or (isinstance(db, str) and not db.strip()):
        return default_db()
    return Path(db)


def quote_literal(text: str) -> str:
    """A SQL string literal for statements that take no parameters (COMMENT ON).

    Only for text shipped with the package (SQL file headers); user values are always bound.
    """
    return "'" + text.replace("'", "''") + "'"


def memory_connection(temp_directory: Path | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the same settings as the warehouse connections.

    ``temp_directory`` is where large intermediate results spill (DuckDB's default is
    ``.tmp`` in the working directory).
    """
    config = {"temp_directory": str(temp_directory)} if temp_directory is not None else {}
    con = duckdb.connect(config=config)
    con.execute("SET TimeZone='UTC'")
    _no_progress_bar(con)
    return con


def _no_progress_bar(con: duckdb.DuckDBPyConnection) -> None:
    """DuckDB draws its own progress bar on long queries: never in cron output (docs/reports.md).

    Inside a Jupyter kernel DuckDB refuses to change the setting unless ipywidgets is
    installed; it cannot draw the bar there either, so that refusal is harmless.
    """
    with contextlib.suppress(duckdb.Error):
        con.execute("SET enable_progress_bar = false")


def _holder(message: str) -> str:
    m = _LOCK_RE.search(message)
    if not m:
        return "another process"
    return f"PID {m['pid']} ({m['proc']})"


_DAMAGED = (
    "corrupt",
    "checksum",
    "could not read enough bytes",
    "not a valid duckdb",
    "invalid database",
    "unable to read",
)
_FULL = ("no space left", "file too large", "disk quota")


def _one_line(exc: BaseException) -> str:
    """An exception's message on one line (DuckDB's run over two or three: join them)."""
    lines = [x.strip() for x in str(exc).splitlines() if x.strip()]
    text = " ".join(lines) if len(lines) <= 3 else lines[0]
    return text or type(exc).__name__


def fault(exc: BaseException, path: Path) -> AnalyticsError | None:
    """A disk, file-system or damaged-file failure around the warehouse ``path`` as one line
    naming the file and the cure (exit 1); ``None`` for anything else (a bug, say)."""
    detail = _one_line(exc)
    low = detail.lower()
    errno_full = isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
    if errno_full or any(word in low for word in _FULL):
        where = exc.filename if isinstance(exc, OSError) and exc.filename else path
        if "checkpoint" in low:
            return AnalyticsError(
                f"{path}: the batch was committed (kept in {path}.wal) but could not be "
                f"written into the file ({detail}); free disk space, and the next ingest or "
                "payroll export on it finishes the write"
            )
        return AnalyticsError(
            f"{where}: out of disk space ({detail}); free space on that disk (for the "
            f"warehouse: its folder, and {path}.tmp where large batches spill) and run it "
            "again; the warehouse is as it was before this command"
        )
    if isinstance(exc, duckdb.Error) and any(word in low for word in _DAMAGED):
        return AnalyticsError(
            f"{path}: the warehouse file is damaged ({detail}); restore it from a backup, or "
            "move it aside and run `incident-analytics ingest` to build a new one (the "
            "payroll exports recorded in it are then lost); nothing was changed"
        )
    if isinstance(exc, OSError):
        where = exc.filename if exc.filename is not None else path
        return AnalyticsError(
            f"{where}: {exc.strerror or detail}; check that path, its folder and their "
            "permissions, then run it again"
        )
    if isinstance(exc, duckdb.IOException):
        return AnalyticsError(
            f"{path}: cannot read or write the warehouse ({detail}); check the file, its "
            "folder and the free disk space, then run it again"
        )
    return None


def _retrying(path: Path, wait: float, open_once):
    """``open_once()``, retried with backoff while another process holds the file's lock."""
    deadline = time.monotonic() + max(0.0, wait)
    delay = 0.05
    while True:
        try:
            return open_once()
        except duckdb.IOException as exc:
            message = str(exc)
            if "lock" not in message.lower():
                raise fault(exc, path) or AnalyticsError(
                    f"{path}: cannot open the warehouse: {_one_line(exc)}"
                ) from exc
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"{path}: warehouse busy: held by {_holder(message)}; "
                    f"close that process's connection (e.g. shut down the JupyterLab kernel) "
                    f"or retry with a longer --wait (waited {wait:g} s); nothing was changed"
                ) from exc
            time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 2, 1.0)
        except duckdb.Error as exc:
            raise fault(exc, path) or AnalyticsError(
                f"{path}: cannot open the warehouse: {_one_line(exc)}"
            ) from exc


def open_file(path: Path, *, read_only: bool, wait: float) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file, retrying with backoff while another process holds its lock.

    No schema check: :func:`reader` and :func:`writer` add that; ``ingest --rebuild`` needs
    to open a warehouse of any version.
    """
    con = _retrying(path, wait, lambda: duckdb.connect(str(path), read_only=read_only))
    con.execute("SET TimeZone='UTC'")
    _no_progress_bar(con)
    return con


def _has_schema(con: duckdb.DuckDBPyConnection) -> bool:
    # fetchall, not fetchone: a result left half-read blocks the connection's next query.
    rows = con.execute(
        "select count(*) from duckdb_tables() where database_name = current_database() "
        "and schema_name = 'main' and table_name = 'warehouse_meta'"
    ).fetchall()
    return bool(rows[0][0])


def schema_version(con: duckdb.DuckDBPyConnection) -> int | None:
    """The schema version recorded in the warehouse, or ``None`` for an empty file."""
    if not _has_schema(con):
        return None
    rows = con.execute(
        "select value from main.warehouse_meta where key = 'schema_version'"
    ).fetchall()
    try:
        return int(rows[0][0]) if rows else 0
    except ValueError:
        return 0


def check_schema(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Refuse a warehouse of another schema version with a message that names the fix."""
    version = schema_version(con)
    if version is None:
        raise AnalyticsError(
            f"{path}: the warehouse is empty; run `incident-analytics ingest` first"
        )
    if version != SCHEMA_VERSION:
        raise SchemaError(
            f"{path}: warehouse schema version {version}, this incident-analytics "
            f"{__version__} reads version {SCHEMA_VERSION}; run "
            f"`incident-analytics ingest --rebuild --db {path}` to rebuild it from its input files"
        )


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the base tables of an empty warehouse and record its versions."""
    con.execute(sql_text("schema.sql"))
    con.executemany(
        "insert into warehouse_meta values ($1, $2)",
        [
            ("schema_version", str(SCHEMA_VERSION)),
            ("package_version", __version__),
            ("created_at", datetime.now(UTC).isoformat()),
        ],
    )


@functools.cache
def views_version() -> str:
    """A digest of the macros and view definitions of this package (:func:`install_views`)."""
    digest = hashlib.sha256()
    for model in sqlgraph.graph().ordered():
        if model.kind in sqlgraph.WAREHOUSE_KINDS:
            digest.update(f"\0{model.path}\0".encode())
            digest.update(model.body.encode())
    return digest.hexdigest()[:16]


def check_views(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Refuse views installed by another version of the package (their logic, or their set,
    differs from this one's) with a message that names the fix: any ``ingest`` reinstalls them.
    """
    rows = con.execute(
        "select value from main.warehouse_meta where key = 'views_version'"
    ).fetchall()
    if not rows or rows[0][0] != views_version():
        raise SchemaError(
            f"{path}: its views and macros were installed by another version of "
            f"incident-analytics; run `incident-analytics ingest --db {path}` (unchanged files "
            "are skipped) to reinstall this version's"
        )


def install_views(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create the macros and public views, with their COMMENTs, from the SQL files, in
    the order their headers' ``depends`` give (:mod:`analytics.sqlgraph`).

    Records :func:`views_version` in ``warehouse_meta``, which readers check.
    """
    sqlgraph.install(con, sqlgraph.WAREHOUSE_KINDS)
    con.execute("delete from warehouse_meta where key = 'views_version'")
    con.execute("insert into warehouse_meta values ('views_version', $1)", [views_version()])


def store_facts(con: duckdb.DuckDBPyConnection) -> None:
    """Compute and store the :data:`FACT_TABLES` and ``event_coverage`` again from the rows as
    they are now.

    :func:`install_views` does this (every ingest); call it after changing source rows or the
    stored policy some other way (tests that insert rows directly).
    """
    for table in (*FACT_TABLES, "event_coverage"):
        con.execute(sql_text(f"marts/{table}_store.sql"))


def write_policy(con: duckdb.DuckDBPyConnection, policy: Policy, *, schema: str = "main") -> None:
    """Replace the stored (or, with ``schema='temp'``, the shadowing) policy tables."""
    row = policy.policy_row()
    cols = list(row)
    con.execute(f"delete from {schema}.policy")
    con.execute(
        f"insert into {schema}.policy ({', '.join(cols)}) "
        f"values ({', '.join('$' + c for c in cols)})",
        row,
    )
    con.execute(f"delete from {schema}.pay_rates")
    for rate in policy.pay_rows():
        con.execute(
            f"insert into {schema}.pay_rates values ($effective_from, $weekly_stipend_usd, "
            "$sev1_bonus_usd, $comp_hours_per_overnight_page)",
            rate,
        )
    con.execute(f"delete from {schema}.communication_rules")
    rules = policy.communication_rows()
    if rules:
        con.executemany(f"insert into {schema}.communication_rules values ($1, $2, $3)", rules)
    con.execute(f"delete from {schema}.holidays")
    holidays = policy.holiday_dates(2000, 2045)
    if holidays:
        con.executemany(f"insert into {schema}.holidays values ($1, $2)", holidays)


def _shadow(con: duckdb.DuckDBPyConnection, as_of: datetime | None, policy: Policy | None) -> None:
    """TEMP tables that take precedence over the stored params/policy for this connection."""
    if as_of is not None:
        if as_of.tzinfo is None:
            raise ValueError("as_of must be timezone-aware")
        con.execute(
            "create or replace temp table params as select $as_of::timestamptz as as_of",
            {"as_of": as_of},
        )
    if policy is not None:
        for table in ("policy", "pay_rates", "holidays", "communication_rules"):
            con.execute(
                f"create or replace temp table {table} as select * from main.{table} limit 0"
            )
        write_policy(con, policy, schema="temp")
        _shadow_facts(con, policy.version)


# Tables of what does not depend on as_of, stored at every ingest under the stored policy by
# the `*_store.sql` files (kind `store` in the SQL graph) from the live view `<table>_live`
# (docs/warehouse.md).
FACT_TABLES: tuple[str, ...] = ("incident_facts", "review_facts", "communication_facts")


def _shadow_facts(con: duckdb.DuckDBPyConnection, version: str) -> None:
    """Facts stored at ingest under another policy are computed again for this connection.

    Each table of :data:`FACT_TABLES` holds what does not depend on ``as_of`` under the policy
    of the last ingest; under any other policy a TEMP table of the same name, computed from its
    live view with this connection's policy, shadows it.
    """
    for table in FACT_TABLES:
        stale = con.execute(
            f"select count(*) from main.{table} where policy_version <> $version",
            {"version": version},
        ).fetchall()[0][0]
        if stale:
            con.execute(f"create or replace temp table {table} as select * from {table}_live")


def scope_incidents(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> None:
    """Narrow this reader to some incidents: the views built on the :data:`FACT_TABLES`
    (``incident_responses``, ``incident_metrics``, ``postmortem_reviews``,
    ``incident_communication``) then hold only the incidents ``sql`` selects.

    Each of those views computes an incident's row from that incident's facts alone, so its
    rows are the same, only fewer: a report that reads a few weeks computes them for those
    weeks instead of for every incident (the stored facts, or the reader's own under another
    policy, are shadowed by TEMP subsets). Call it before :func:`materialize`.

    Args:
        con: A reader connection (its ``as_of`` and policy already bound).
        sql: A query with one column ``incident_id``: the incidents to keep.
        params: Its bound parameters.
    """
    con.execute(f"create or replace temp table reader_incidents as {sql}", params)
    for table in FACT_TABLES:
        # unqualified: the reader's own TEMP facts (another policy) when there are some
        con.execute(
            f"create or replace temp table {table} as select * from {table} "
            "where incident_id in (select incident_id from reader_incidents)"
        )


@contextlib.contextmanager
def incidents_only(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> Iterator[None]:
    """For the block: a TEMP ``incidents`` of the incidents ``sql`` selects shadows the view.

    For a view that judges each incident on its own row (``severity_audit``: phrase matching
    over every title and IMPACT, ~0.3 s CPU at 100k incidents) read for a few incidents: it
    then computes those rows only. Dropped when the block ends, so every other view (action
    items read ``incidents`` too) sees every incident again. A reader whose ``incidents`` is
    already shadowed (its own snapshot) is left as it is.

    Args:
        con: A reader connection.
        sql: A query with one column ``incident_id``: the incidents to keep.
        params: Its bound parameters.
    """
    (shadowed,) = con.execute(
        "select count(*) from duckdb_tables() where temporary and table_name = 'incidents'"
    ).fetchall()[0]
    if shadowed:
        yield
        return
    # the ids fetched first and bound as a list: a filter on a list reaches below the view's
    # winner-picking window (a subquery does not), so only these incidents are computed
    ids = [r[0] for r in con.execute(sql, params).fetchall()]
    con.execute(
        "create temp table incidents as select * from main.incidents "
        "where incident_id = any($ids::varchar[])",
        {"ids": ids},
    )
    try:
        yield
    finally:
        con.execute("drop table if exists temp.incidents")


def materialize(con: duckdb.DuckDBPyConnection, *views: str) -> None:
    """Compute views once for this reader: TEMP tables of the same names shadow them.

    A reader's ``as_of`` and policy are fixed, so the rows cannot change under it; every
    later query (and every view built on these) reads the snapshot instead of recomputing.
    """
    for view in views:
        if view not in sqlgraph.view_names():
            raise ValueError(f"not a public view: {view}")
        con.execute(f"create or replace temp table {view} as select * from main.{view}")


def connect_reader(
    db: str | Path | None = None,
    *,
    wait: float = 30.0,
    as_of: datetime | date | str | None = None,
    policy: Policy | None = None,
    materialized: tuple[str, ...] = (),
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-only; the caller closes it (prefer :func:`reader`).

    Args:
        db: Warehouse path; default ``$INCIDENT_ANALYTICS_DB`` or ``data/warehouse.duckdb``.
        wait: Seconds to retry while another process holds the file read-write.
        as_of: Report time the views use: a datetime (naive = UTC), a date or ISO 8601 text
            (:func:`analytics.periods.parse_instant`); default now, as the stored views do.
        policy: Playbook numbers the views use (default: those of the last ingest).
        materialized: Views to compute once up front (see :func:`materialize`): worth it
            when the caller queries them several times.
    """
    path = resolve_path(db)
    if not path.exists():
        raise AnalyticsError(
            f"{path}: no warehouse here; run `incident-analytics ingest` first (or pass --db)"
        )
    moment = None if as_of is None else parse_instant(as_of, what="as_of")
    con = open_file(path, read_only=True, wait=wait)
    try:
        check_schema(con, path)
        check_views(con, path)
        _shadow(con, moment, policy)
        materialize(con, *materialized)
    except BaseException:
        con.close()
        raise
    return con


@contextlib.contextmanager
def reader(
    db: str | Path | None = None,
    *,
    wait: float = 30.0,
    as_of: datetime | date | str | None = None,
    policy: Policy | None = None,
    materialized: tuple[str, ...] = (),
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection, closed when the block ends so cron jobs are never blocked."""
    con = connect_reader(db, wait=wait, as_of=as_of, policy=policy, materialized=materialized)
    try:
        yield con
    finally:
        con.close()


@contextlib.contextmanager
def writer(
    db: str | Path | None = None, *, wait: float = 30.0
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to a warehouse of this schema version (created if absent).

    The caller runs its batch inside one transaction (``begin`` ... ``commit``); if the
    process dies before the commit DuckDB rolls the batch back on next open.
    """
    path = resolve_path(db)
    folder_for_new(path)
    con = open_file(path, read_only=False, wait=wait)
    try:
        _ensure_schema(con, path)
        yield con
    finally:
        con.close()


def _ensure_schema(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Create the schema in a new warehouse; refuse one of another schema version."""
    if schema_version(con) is None:
        con.execute("begin")
        create_schema(con)
        con.execute("commit")
    else:
        check_schema(con, path)


def usable_folder(folder: Path, option: str, given: Path | None = None) -> Path:
    """Check that output named by ``option`` (whose value was ``given``, a file in ``folder``,
    if not the folder itself) can be written in ``folder``, or raise a :class:`UsageError`
    (exit 2) saying why not: a bad output path is a bad option, caught before any work.

    Missing folders are created to prove they can be, then removed again: a command that
    fails later leaves nothing behind.
    """
    option = f"{option} {given}: its folder" if given is not None else option
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    blocker = next((p for p in (folder, *folder.parents) if p.exists()), None)
    cannot = f"{option} {folder}: cannot create that folder"
    if blocker is not None and not blocker.is_dir():
        raise UsageError(f"{cannot} ({blocker} is a file, not a folder); name a folder")
    try:
        for part in reversed(missing):
            part.mkdir()
    except OSError as exc:
        raise UsageError(
            f"{cannot} ({exc.strerror or exc}); name a folder you can write to"
        ) from exc
    finally:
        for part in missing:  # deepest first
            with contextlib.suppress(OSError):
                part.rmdir()
    writable = os.access(folder if folder.exists() else missing[-1].parent, os.W_OK | os.X_OK)
    if not writable:
        raise UsageError(
            f"{option} {folder}: that folder is not writable; name one you can write to"
        )
    return folder


def folder_for_new(path: Path) -> None:
    """A warehouse that does not exist yet needs a folder it can be created in."""
    if not path.exists():
        usable_folder(path.parent, "--db", path)
        path.parent.mkdir(parents=True, exist_ok=True)


WRITE_ALIAS = "warehouse"


@contextlib.contextmanager
def attached_writer(
    con: duckdb.DuckDBPyConnection, db: str | Path | None = None, *, wait: float = 30.0
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Attach the warehouse read-write to ``con`` (an in-memory connection) and make it the
    default database, for as long as the block runs: the file lock is held only then.

    Whatever ``con`` staged before (TEMP tables, its own in-memory tables) stays readable,
    so an ingest parses with the file closed and opens it only to load (docs/design.md).
    Unqualified names and ``main.<table>`` mean the warehouse's tables inside the block.
    """
    path = resolve_path(db)
    folder_for_new(path)
    _retrying(
        path, wait, lambda: con.execute(f"attach $path as {WRITE_ALIAS}", {"path": str(path)})
    )
    try:
        con.execute(f"use {WRITE_ALIAS}")
        _ensure_schema(con, path)
        yield con
    except BaseException:
        with contextlib.suppress(duckdb.Error):  # the first error is the one to report
            con.execute("use memory")
            con.execute(f"detach {WRITE_ALIAS}")
        raise
    con.execute("use memory")
    con.execute(f"detach {WRITE_ALIAS}")  # checkpoints: may fail, e.g. on a full disk


def query_df(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None):
    """Run a query with bound parameters and return a pandas DataFrame (via Arrow)."""
    return con.sql(sql, params=params or {}).to_arrow_table().to_pandas()
