"""Phase 1's second half: the rows Python parsed, turned into Arrow columns and staged in
TEMP tables of the in-memory DuckDB (columnar, may spill to disk), and the worker processes
that parse the incident documents in chunks.

A worker parses a chunk of documents and returns, per table, one Arrow table of the whole
chunk (a ``source_file`` column says whose each row is) and one small outcome per document:
few, large messages instead of one pickled record per row.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import traceback
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, is_dataclass
from datetime import datetime
from itertools import islice
from operator import attrgetter
from pathlib import Path

import duckdb
import pyarrow as pa

from analytics.errors import InputError
from analytics.ingest.formats.base import Context, Format, Parsed
from analytics.ingest.tabular import quote_ident
from analytics.policy import Policy

_CONVERT_ERRORS = (pa.ArrowException, OverflowError, TypeError, ValueError)


def arrow_schemas(con: duckdb.DuckDBPyConnection, tables) -> dict[str, pa.Schema]:
    """The Arrow schema of each warehouse table (its own column types, schema.sql)."""
    return {t: con.sql(f"select * from main.{t} limit 0").to_arrow_table().schema for t in tables}


def to_arrow(records: list, files: list[str], schema: pa.Schema) -> pa.Table:
    """Records (dataclasses or dicts) as one Arrow table of ``schema``, column by column; a
    column a record lacks is NULL, ``source_file`` is ``files``."""
    kind = type(records[0]) if records else None
    if kind is not None and is_dataclass(kind) and all(type(r) is kind for r in records):
        # One class (the usual case): its fields read in one pass, a tuple per record.
        names = [f.name for f in schema if f.name != "source_file" and hasattr(records[0], f.name)]
        columns: dict[str, Sequence] = {}
        if len(names) > 1:
            columns = dict(
                zip(names, zip(*map(attrgetter(*names), records), strict=True), strict=True)
            )
        elif names:  # attrgetter of one name gives the value, not a 1-tuple
            columns = {names[0]: [getattr(r, names[0]) for r in records]}
        nulls = [None] * len(records)
        arrays = [
            pa.array(files if f.name == "source_file" else columns.get(f.name, nulls), type=f.type)
            for f in schema
        ]
        return pa.Table.from_arrays(arrays, schema=schema)
    if records and is_dataclass(records[0]):

        def take(name: str) -> list:
            return [getattr(r, name, None) for r in records]
    else:

        def take(name: str) -> list:
            return [r.get(name) for r in records]

    arrays = [
        pa.array(files if f.name == "source_file" else take(f.name), type=f.type) for f in schema
    ]
    return pa.Table.from_arrays(arrays, schema=schema)


def tables_of(
    rows_by_file: list[tuple[str, dict[str, list]]], schemas: dict[str, pa.Schema]
) -> tuple[dict[str, pa.Table], dict[str, str]]:
    """The rows of several files as one Arrow table per warehouse table, and the files whose
    rows cannot be converted (a number too large for its column), with the reason: those are
    left out (the conversion is retried file by file to find them)."""
    bad: dict[str, str] = {}
    out: dict[str, pa.Table] = {}
    names = {t for _, rows in rows_by_file for t, r in rows.items() if r}
    for table in sorted(names):
        records: list = []
        files: list[str] = []
        for file, rows in rows_by_file:
            got = rows.get(table) or ()
            records.extend(got)
            files.extend([file] * len(got))
        try:
            out[table] = to_arrow(records, files, schemas[table])
            continue
        except _CONVERT_ERRORS:
            pass
        parts = []
        for file, rows in rows_by_file:
            got = rows.get(table)
            if not got or file in bad:
                continue
            try:
                parts.append(to_arrow(got, [file] * len(got), schemas[table]))
            except _CONVERT_ERRORS as exc:
                first = (str(exc).splitlines() or [type(exc).__name__])[0]
                bad[file] = f"a value cannot be stored in {table[4:]}: {first}"
        out[table] = pa.concat_tables(parts) if parts else schemas[table].empty_table()
    if bad:  # a bad file's rows of the other tables go too
        import pyarrow.compute as pc  # rare; a parsing worker does without it (~0.1 s)

        keep = pa.array(sorted(bad))
        for table, arrow in out.items():
            mask = pc.invert(pc.is_in(arrow["source_file"], value_set=keep))
            out[table] = arrow.filter(mask)
    return out, bad


class Staging:
    """Rows parsed in Python, queued per table and moved in bulk into TEMP tables
    ``__stage_<table>``; :meth:`flush` inserts them into the warehouse inside the transaction."""

    def __init__(self, con: duckdb.DuckDBPyConnection, tables) -> None:
        self.con = con
        self.schemas = arrow_schemas(con, tables)
        self.queued: list[tuple[str, dict[str, list]]] = []
        self.staged: set[str] = set()
        self._not_null: dict[str, list[str]] = {}

    def add(self, source_file: str, rows: dict[str, list]) -> None:
        """Queue one file's rows (staged by the next :meth:`stage`)."""
        self.queued.append((source_file, rows))

    def stage(self) -> dict[str, str]:
        """Stage the queued rows. Returns the files whose rows the warehouse cannot hold (a
        number too large for its column, a NULL where none is allowed), with the reason;
        their other rows are still staged: the caller rejects and :meth:`discard`s them."""
        if not self.queued:
            return {}
        tables, bad = tables_of(self.queued, self.schemas)
        self.queued = []
        return {**bad, **self.stage_arrow(tables)}

    def stage_arrow(self, tables: dict[str, pa.Table]) -> dict[str, str]:
        """Stage Arrow tables (a worker's chunk); returns files with a NULL where none is
        allowed, with the reason (their rows are not staged)."""
        bad: dict[str, str] = {}
        con = self.con
        for table, arrow in tables.items():
            con.execute(
                f"create temp table if not exists __stage_{table} as "
                f"select * from main.{table} limit 0"
            )
            con.register("__pending", arrow)
            try:
                self._check_not_null(table, arrow, bad)
                if bad:
                    con.execute(
                        f"insert into __stage_{table} by name select * from __pending "
                        "where source_file not in (select unnest($bad::varchar[]))",
                        {"bad": sorted(bad)},
                    )
                else:
                    con.execute(f"insert into __stage_{table} by name select * from __pending")
            finally:
                con.unregister("__pending")
            self.staged.add(table)
        return bad

    def _check_not_null(self, table: str, arrow: pa.Table, bad: dict[str, str]) -> None:
        """Files in ``__pending`` with a NULL in a column the warehouse requires go to ``bad``
        (Arrow counts a column's NULLs as it builds it: a query runs only when there are)."""
        required = [c for c in self._required(table) if arrow.column(c).null_count]
        if not required:
            return
        which = " ".join(f"when {quote_ident(c)} is null then '{c}'" for c in required)
        for file, column in self.con.execute(
            f"select source_file, any_value(case {which} end) from __pending "
            f"where case {which} end is not null group by source_file"
        ).fetchall():
            bad.setdefault(file, f"{column} is empty in a row of {table[4:]} (it needs a value)")

    def _required(self, table: str) -> list[str]:
        """The columns of a warehouse table declared NOT NULL (schema.sql)."""
        if table in self._not_null:
            return self._not_null[table]
        self._not_null[table] = [
            r[0]
            for r in self.con.execute(
                "select column_name from duckdb_columns() where database_name = "
                "current_database() and schema_name = 'main' and table_name = $t "
                "and not is_nullable order by column_index",
                {"t": table},
            ).fetchall()
        ]
        return self._not_null[table]

    def discard(self, tables, files: set[str]) -> None:
        """Forget the rows of rejected files, queued or staged."""
        self.queued = [(f, rows) for f, rows in self.queued if f not in files]
        for table in tables:
            if table in self.staged:
                self.con.execute(
                    f"delete from __stage_{table} where source_file in (select unnest($files))",
                    {"files": sorted(files)},
                )

    def flush(self) -> dict[str, int]:
        """Insert everything queued and staged into the warehouse; rows per table."""
        self.stage()
        counts = {}
        for table in sorted(self.staged):
            (n,) = self.con.execute(f"select count(*) from __stage_{table}").fetchall()[0]
            self.con.execute(f"insert into {table} by name select * from __stage_{table}")
            self.con.execute(f"drop table __stage_{table}")
            if n:  # a table whose staged rows were all of rejected files says nothing
                counts[table] = n
        self.staged.clear()
        return counts


# ---------------------------------------------------------------- parsing documents


@dataclass
class Outcome:
    """What became of one document (picklable): parsed (``parsed`` without its rows),
    rejected (``problems``: ``(file, line, reason)``), or an internal error."""

    parsed: Parsed | None = None
    problems: list[tuple[str, int, str]] = field(default_factory=list)
    internal: tuple[str, str] | None = None  # (exception type name, traceback)
    unstorable: str | None = None  # why its rows cannot be stored (rejects the file)
    sha256: str | None = None  # of the bytes parsed, when the job asked for it


@dataclass(frozen=True)
class Common:
    """What every document of a batch is parsed with (sent to each worker once)."""

    policy: Policy
    team: str | None
    now: datetime
    date_format: str | None
    schemas: dict[str, pa.Schema]


_COMMON: Common | None = None  # a worker's copy, set by its initializer


def parse_chunk(
    jobs: list[tuple[str, str, str, bool]], common: Common | None = None
) -> tuple[list[Outcome], dict[str, pa.Table]]:
    """Read and parse documents ``(path, display, kind, hash it)``: each one's outcome, and
    the rows of them all as Arrow tables (``source_file`` = the path). A new file is hashed
    here, from the bytes parsed, instead of being read once more by the parent."""
    from analytics.ingest.formats import BY_KIND

    common = common or _COMMON
    outcomes: list[Outcome] = []
    rows_by_file: list[tuple[str, dict[str, list]]] = []
    for path, display, kind, digest in jobs:
        fmt: Format = BY_KIND[kind]
        outcome = _parse_one(fmt, path, display, common, digest)
        if outcome.parsed is not None:
            rows_by_file.append((path, outcome.parsed.rows))
            outcome.parsed.rows = {}
        outcomes.append(outcome)
    tables, bad = tables_of(rows_by_file, common.schemas)
    if bad:
        for (path, *_), outcome in zip(jobs, outcomes, strict=True):
            outcome.unstorable = bad.get(path)
    return outcomes, tables


def _parse_one(fmt: Format, path: str, display: str, common: Common, digest: bool) -> Outcome:
    try:
        with open(path, "rb", buffering=0) as file:  # one read of the whole file, unbuffered
            data = file.readall()
    except OSError as exc:
        return Outcome(problems=[(display, 1, f"cannot read: {exc.strerror}")])
    outcome = Outcome(sha256=hashlib.sha256(data).hexdigest() if digest else None)
    ctx = Context(Path(path), display, fmt.kind, common.policy, common.team, common.now,
                  common.date_format)  # fmt: skip
    try:
        outcome.parsed = fmt.parse(data, ctx)
    except InputError as exc:
        problems = getattr(exc, "problems", [exc])
        outcome.problems = [(p.file, p.line, p.reason) for p in problems]
    except Exception as exc:  # an unexpected failure rejects this document alone
        outcome.internal = (type(exc).__name__, "".join(traceback.format_exception(exc)))
    return outcome


PARALLEL_MIN_DOCS = 400  # below this, starting worker processes costs more than it saves
CHUNK_DOCS = 250  # documents per worker task: few messages, yet a progress bar that moves
AHEAD_CHUNKS = 64  # chunks parsed ahead of the caller: ~750 KiB each, ~2.5 s of 2 workers

ParsedChunk = tuple[list[tuple[str, str, str, bool]], list[Outcome], dict[str, pa.Table]]


@contextlib.contextmanager
def document_parser(
    jobs: list[tuple[str, str, str, bool]], common: Common
) -> Iterator[Iterator[ParsedChunk]]:
    """Start parsing documents ``(path, display, kind, hash it)`` and give an iterator of the
    parsed chunks in the order of ``jobs``: ``(the chunk's jobs, their outcomes, their rows as
    Arrow tables)``.

    A large batch is parsed on every core, by worker processes started at once: the caller
    can read its other files before it iterates, while the workers parse up to
    :data:`AHEAD_CHUNKS` chunks ahead (so the rows waiting stay a few dozen MB)."""
    chunks = [jobs[i : i + CHUNK_DOCS] for i in range(0, len(jobs), CHUNK_DOCS)]
    workers = min(os.cpu_count() or 1, 4)
    if len(jobs) < PARALLEL_MIN_DOCS or workers < 2:
        yield ((chunk, *parse_chunk(chunk, common)) for chunk in chunks)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn, not fork: the parent holds DuckDB threads and locks.
    pool = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(os.getpid(), common),
    )
    try:
        todo = iter(chunks)
        waiting = deque((c, pool.submit(parse_chunk, c)) for c in islice(todo, AHEAD_CHUNKS))

        def in_order() -> Iterator[ParsedChunk]:
            while waiting:
                chunk, future = waiting.popleft()
                for more in islice(todo, 1):
                    waiting.append((more, pool.submit(parse_chunk, more)))
                yield (chunk, *future.result())

        yield in_order()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _start_worker(parent: int, common: Common) -> None:
    global _COMMON
    _COMMON = common
    _die_with_parent(parent)
    if "pandas" not in sys.modules:
        sys.meta_path.insert(0, _NoPandas())


class _NoPandas:
    """An import hook of the parsing workers: pandas cannot be imported.

    pyarrow imports pandas, when installed, at its first array built from a Python list (to
    ask whether the list is a pandas object): ~0.5 s of CPU per worker, for nothing a worker
    needs. Told it is not there, pyarrow builds the same arrays without it."""

    def find_spec(self, name: str, path=None, target=None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"no pandas in a parsing worker: {name}", name=name)


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _die_with_parent(parent: int) -> None:
    """End this worker when the ingest that started it dies.

    A SIGKILLed parent cannot shut its pool down, and its workers would parse on as orphans
    (~60 MB each). On Linux the kernel sends SIGKILL at the parent's death (prctl
    PR_SET_PDEATHSIG); elsewhere, or should that call fail, a thread polls the parent PID.
    """
    import signal
    import sys
    import threading
    import time

    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    # Also covers a parent that died before prctl took effect (then getppid() differs now).
    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()
