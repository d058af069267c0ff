"""One ingest batch: discover files, parse them, and load them in one transaction.

Guarantees (docs/inputs.md): idempotent (an unchanged file is skipped, an edited one replaces
exactly its own rows); atomic (one transaction per batch: a crash leaves the warehouse as
it was); honest (every file gets an ``ingest_log`` row; every rejection is reported as
``file:line: reason`` and the good input of the batch still loads).

The two phases:

1. **Parse, outside the lock** (:meth:`_Batch.parse`): each file's format comes from the
   registry (:mod:`analytics.ingest.formats`); tabular files are read and checked by DuckDB
   into TEMP tables, the documents are parsed in worker processes, the other formats in
   Python; every row ends in a TEMP staging table of an in-memory DuckDB.
2. **Load, inside one transaction** on the attached warehouse (:meth:`_Batch.load`): the
   checks across files (:mod:`analytics.ingest.checks`), each loaded file's rows replaced,
   then the post-load steps (:func:`_after_load`: derived rotations, policy, views, log).
"""

from __future__ import annotations

import contextlib
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from analytics import db as dbmod
from analytics.countries import write_country_holidays
from analytics.errors import InputError, InputErrors, UsageError
from analytics.ingest import checks, readers, tabular
from analytics.ingest.discover import discover, special
from analytics.ingest.formats import ALL_SRC_TABLES, BY_KIND, SPECS
from analytics.ingest.formats.base import Context
from analytics.ingest.rebuild import files_in_log, rebuild
from analytics.ingest.report import MAX_LOGGED_ERRORS, FileResult, IngestReport, display_path
from analytics.ingest.staging import Common, Outcome, ParsedChunk, Staging, document_parser
from analytics.policy import Policy

__all__ = [
    "ALL_SRC_TABLES",
    "MAX_LOGGED_ERRORS",
    "FileResult",
    "IngestReport",
    "display_path",
    "files_in_log",
    "ingest",
    "rebuild",
]


# ---------------------------------------------------------------- the batch


def _previous_state(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, str], str | None]:
    """sha256 of each file as last loaded, and the policy version the rows were parsed with."""
    rows = con.execute(
        """
        select file, sha256 from (
            select file, sha256, status,
                row_number() over (partition by file order by run_started_at desc) as rn
            from ingest_log where status in ('loaded', 'unchanged', 'rejected', 'pruned')
        ) where rn = 1 and status in ('loaded', 'unchanged')
        """
    ).fetchall()
    version = con.execute("select any_value(policy_version) from policy").fetchone()
    return dict(rows), (version[0] if version else None)


def ingest(
    paths: list[Path],
    *,
    db: Path,
    policy: Policy,
    team: str | None = None,
    prune: bool = False,
    dry_run: bool = False,
    wait: float = 30.0,
    progress: Callable[[int, int, str], None] | None = None,
    now: datetime | None = None,
    before_commit: Callable[[], None] | None = None,
    date_format: str | None = None,
) -> IngestReport:
    """Ingest files or folders into the warehouse as one batch (see module docstring).

    Args:
        paths: Files or folders; folders are walked for the inputs of docs/inputs.md.
        db: Warehouse path.
        policy: The policy in force (keyword rules, priority map, stored for the views).
        team: Team for ICS files that name none.
        prune: Also delete rows whose source file under ``paths`` no longer exists.
        dry_run: Parse and check only; the warehouse is not opened.
        wait: Seconds to retry while another process holds the warehouse.
        progress: Called as ``progress(done, total, file)`` while files are parsed.
        now: Wall clock for "timestamp in the future" warnings (tests).
        before_commit: Test hook, called inside the open transaction just before commit.
        date_format: ``strptime`` format of the dates in tracker (Jira) CSV exports, whose
            dates follow the exporting user's locale (default: ISO, then Jira's English forms
            such as ``22/Sep/25 9:26 AM``).
    """
    absent = [p for p in paths if not p.exists()]
    if absent:  # a typo in the command line: nothing is read, nothing is created
        raise UsageError(
            f"{absent[0]}: no such file or folder"
            + (f" (nor {len(absent) - 1} more of the paths given)" if len(absent) > 1 else "")
            + "; name the files or folders to ingest; nothing was read"
        )
    found, errors = discover(paths)

    def new_batch() -> _Batch:
        batch = _Batch(
            policy=policy,
            team=team,
            now=now or datetime.now(UTC),
            progress=progress,
            date_format=date_format,
        )
        batch.report.dry_run = dry_run
        for err in errors:
            file = err.partition(":1: ")[0]
            batch.report.files.append(
                FileResult(Path(file), file, "unknown", status="rejected", rejected=1, errors=[err])
            )
        batch.results = [FileResult(p, display_path(p), kind) for p, kind in found]
        batch.report.files.extend(batch.results)
        return batch

    if dry_run:
        batch = new_batch()
        con = dbmod.memory_connection()
        try:
            dbmod.create_schema(con)
            batch.parse(con, previous={}, prev_policy=None)
            batch.load(con, prune=False, paths=paths)  # batch checks, on a throwaway database
            from analytics.ingest.reviews import possible_blame

            batch.report.blame = possible_blame(con, batch.results, db)
        finally:
            con.close()
        return batch.report
    dbmod.folder_for_new(db)  # a bad --db is a usage error before any parsing
    # Parse with the warehouse closed: read what was loaded before (a short read-only open),
    # parse and stage into an in-memory DuckDB, then attach the file read-write only to load.
    # If another ingest committed in between and changed what "unchanged" meant, parse again;
    # the last attempt parses with the file attached, so a busy warehouse cannot starve it.
    for attempt in range(PARSE_ATTEMPTS):
        batch = new_batch()
        under_lock = attempt == PARSE_ATTEMPTS - 1
        con = dbmod.memory_connection(temp_directory=Path(str(db) + ".tmp"))
        _bounded(con)
        try:
            dbmod.create_schema(con)  # the in-memory copy gives staging its column types
            if under_lock:
                with dbmod.attached_writer(con, db, wait=wait):
                    previous, prev_policy = _previous_state(con)
                    batch.parse(con, previous=previous, prev_policy=prev_policy)
                    _load(con, batch, prune=prune, paths=paths, before_commit=before_commit)
                return batch.report
            previous, prev_policy = _stored_state(db, wait)
            batch.parse(con, previous=previous, prev_policy=prev_policy)
            with dbmod.attached_writer(con, db, wait=wait):
                if batch.stale(*_previous_state(con), parsed_with=(previous, prev_policy)):
                    continue
                _load(con, batch, prune=prune, paths=paths, before_commit=before_commit)
            return batch.report
        finally:
            con.close()
    raise AssertionError("unreachable")  # the last attempt returns or raises


PARSE_ATTEMPTS = 3
STAGE_ROWS = 200_000  # parsed document rows held before they move into DuckDB in one insert


def _bounded(con: duckdb.DuckDBPyConnection) -> None:
    """Cap DuckDB's share of an ingest's memory at 768 MB: beyond it, staging spills to
    ``<db>.tmp`` (10 M pages staged in memory took the process to 2.5 GB, and 1.6 GB with a
    1 GB cap, Python's own objects on top; the target is 1.5 GB for the whole process tree).
    Insertion order stays preserved: a staged row's rowid is its line in the file."""
    con.execute("set memory_limit = '768MB'")


def _stored_state(db: Path, wait: float) -> tuple[dict[str, str], str | None]:
    """:func:`_previous_state` of the warehouse file, read with a short read-only open."""
    if not db.exists():
        return {}, None
    con = dbmod.open_file(db, read_only=True, wait=wait)
    try:
        if dbmod.schema_version(con) is None:
            return {}, None
        dbmod.check_schema(con, db)
        return _previous_state(con)
    finally:
        con.close()


def _load(con, batch: _Batch, *, prune: bool, paths: list[Path], before_commit) -> None:
    """Phase 2: one transaction on the attached warehouse."""
    # Parsing and staging only created TEMP tables (never the file), and any DuckDB error
    # inside a transaction aborts all of it: so they ran before BEGIN.
    con.execute("begin transaction")
    try:
        batch.load(con, prune=prune, paths=paths)
        if before_commit is not None:
            before_commit()
        con.execute("commit")
    except BaseException:
        # A failed COMMIT has already ended the transaction: then there is nothing to undo.
        with contextlib.suppress(duckdb.Error):
            con.execute("rollback")
        raise


@dataclass
class _Batch:
    policy: Policy
    team: str | None
    now: datetime
    progress: Callable[[int, int, str], None] | None
    date_format: str | None = None
    results: list[FileResult] = field(default_factory=list)
    report: IngestReport = field(default_factory=IngestReport)
    staging: Staging | None = None
    ids_by_file: dict[str, list[str]] = field(default_factory=dict)

    def parse(self, con, *, previous: dict[str, str], prev_policy: str | None) -> None:
        """Phase 1, outside the transaction: read, parse and stage every changed file."""
        tabular.ensure_macros(
            con, now=self.now, max_shift_days=self.policy.rotations_max_shift_days
        )
        self.staging = Staging(con, ALL_SRC_TABLES)
        reparse_all = prev_policy != self.policy.version
        documents: list[FileResult] = []
        total = len(self.results)
        done = 0

        def read(files: list[FileResult], hasher: ThreadPoolExecutor) -> None:
            nonlocal done
            for res in files:
                if self.progress is not None:
                    self.progress(done, total, res.display)
                done += 1
                try:
                    self._parse_file(con, res, hasher, previous, reparse_all, documents)
                except Exception as exc:  # one file's failure is its rejection
                    self._internal_error(res, exc)

        # The documents' workers start first and parse while this process reads the other
        # files (a tracker export is ~3 s of Python, the CSVs DuckDB's): a core no longer
        # waits. Their rows are still staged after the other files' rows, as before.
        with ThreadPoolExecutor(max_workers=1) as hasher:
            read([res for res in self.results if _is_document(res)], hasher)
            with document_parser(self._document_jobs(documents), self._common()) as parsed:
                read([res for res in self.results if not _is_document(res)], hasher)
                self._parse_documents(documents, parsed)
        # Everything into staging now, outside the transaction: a row DuckDB cannot store
        # (a number too large, a NULL where none is allowed) rejects its file here.
        self._rejected_at_staging(self.staging.stage())
        if self.progress is not None:
            self.progress(total, total, "")

    def _parse_file(
        self,
        con,
        res: FileResult,
        hasher: ThreadPoolExecutor,
        previous: dict[str, str],
        reparse_all: bool,
        documents: list[FileResult],
    ) -> None:
        """Read one file: stage it (tabular), stage its rows (Python formats) or add it to
        ``documents`` (parsed together, on every core)."""
        if res.kind == "special":
            what = special(res.path) or "not a regular file"
            res.status = "skipped"
            res.warnings.append(f"{res.display}:1: skipped: {what}; only regular files are read")
            return
        fmt = BY_KIND[res.kind]
        if fmt.spec is not None and str(res.path) not in previous:
            # Never loaded, so staged whatever its digest: DuckDB reads the file while a
            # thread hashes it (both release the GIL; hashing a GB takes ~0.7 s).
            digest = hasher.submit(readers.file_sha256, res.path)
            try:
                _stage_tabular(con, res)
            except InputError as exc:
                _reject(res, exc)
            try:
                res.sha256 = digest.result()
            except OSError as exc:
                res.errors.clear()  # DuckDB's message for the same failure
                _unreadable(res, exc)
            return
        if fmt.document and str(res.path) not in previous:
            # Never loaded: parsed whatever its digest, which the worker takes from the
            # bytes it parses (the file is read once).
            try:
                readers.check_size(res.path, res.display, res.kind, fmt.max_bytes)
                documents.append(res)
            except OSError as exc:
                _unreadable(res, exc)
            except InputError as exc:
                with contextlib.suppress(OSError):  # logged with its digest, as any rejection
                    res.sha256 = readers.file_sha256(res.path)
                _reject(res, exc)
            return
        try:
            res.sha256 = readers.file_sha256(res.path)
        except OSError as exc:
            _unreadable(res, exc)
            return
        if not reparse_all and previous.get(str(res.path)) == res.sha256:
            res.status = "unchanged"
            return
        try:
            if fmt.spec is not None:
                _stage_tabular(con, res)
            elif fmt.document:
                readers.check_size(res.path, res.display, res.kind, fmt.max_bytes)
                documents.append(res)  # read by the parsing worker
            else:
                data = readers.read_small(res.path, res.display, res.kind, fmt.max_bytes)
                ctx = Context(res.path, res.display, res.kind, self.policy, self.team,
                              self.now, self.date_format)  # fmt: skip
                parsed = fmt.parse(data, ctx)
                self._parsed(res, parsed)
                self.staging.add(str(res.path), parsed.rows)
                # Into DuckDB now, not at the end: a large export's rows as Python objects
                # would stay in memory while the pages and documents are read.
                self._rejected_at_staging(self.staging.stage())
        except InputError as exc:
            res.warnings.extend(getattr(exc, "warnings", ()))
            _reject(res, exc)

    def _common(self) -> Common:
        """What every document of the batch is parsed with."""
        return Common(self.policy, self.team, self.now, self.date_format, self.staging.schemas)

    @staticmethod
    def _document_jobs(documents: list[FileResult]) -> list[tuple[str, str, str, bool]]:
        """The parsing workers' jobs: a document new to the warehouse is hashed by its worker."""
        return [(str(r.path), r.display, r.kind, not r.sha256) for r in documents]

    def _parse_documents(self, documents: list[FileResult], parsed: Iterator[ParsedChunk]) -> None:
        """Take the documents' parsed chunks (:func:`document_parser`); their rows are staged
        every :data:`STAGE_ROWS` rows, in one insert per table."""
        if not documents:
            return
        by_path = {str(r.path): r for r in documents}
        held: dict[str, list[pa.Table]] = {}
        done = 0
        for chunk, outcomes, tables in parsed:
            for (path, *_), outcome in zip(chunk, outcomes, strict=True):
                res = by_path[path]
                res.sha256 = outcome.sha256 or res.sha256
                try:
                    self._document(res, outcome)
                except InputError as exc:
                    _reject(res, exc)
                except Exception as exc:  # one file's failure is its rejection
                    self._internal_error(res, exc)
            # rows that cannot be converted were left out by the worker: reject their files
            unstorable = zip((job[0] for job in chunk), outcomes, strict=True)
            self._rejected_at_staging({p: o.unstorable for p, o in unstorable if o.unstorable})
            for table, arrow in tables.items():
                held.setdefault(table, []).append(arrow)
            if sum(t.num_rows for parts in held.values() for t in parts) >= STAGE_ROWS:
                self._stage_held(held)
            done += len(chunk)
            if self.progress is not None:
                self.progress(done, len(documents), f"parsed {by_path[chunk[-1][0]].display}")
        self._stage_held(held)

    def _stage_held(self, held: dict[str, list[pa.Table]]) -> None:
        """Stage the documents' rows held so far (one insert per table), without the rows of
        files rejected meanwhile, and empty ``held``."""
        tables = {table: pa.concat_tables(parts) for table, parts in held.items()}
        held.clear()
        rejected = [str(r.path) for r in self.results if r.status == "rejected"]
        if rejected:
            gone = pa.array(rejected)
            tables = {
                table: arrow.filter(pc.invert(pc.is_in(arrow["source_file"], value_set=gone)))
                for table, arrow in tables.items()
            }
        self._rejected_at_staging(self.staging.stage_arrow(tables))

    def _document(self, res: FileResult, outcome: Outcome) -> None:
        if outcome.problems:
            raise InputErrors([InputError(*problem) for problem in outcome.problems])
        if outcome.internal is not None:
            type_name, details = outcome.internal
            res.status, res.rejected, res.rows = "rejected", 1, 0
            res.errors.append(
                f"{res.display}:1: internal error ({type_name}); details in ingest_log.error"
            )
            res.details = details
            return
        self._parsed(res, outcome.parsed)

    def _parsed(self, res: FileResult, parsed) -> None:
        """A file parsed in Python: its counts, warnings and partial rejections."""
        res.warnings.extend(parsed.warnings)
        res.rows = parsed.count
        if parsed.rejections:
            res.errors.extend(parsed.rejections)
            res.rejected = len(parsed.rejections)
        self.ids_by_file[str(res.path)] = parsed.incident_ids
        res.status = "loaded"

    def _internal_error(self, res: FileResult, exc: BaseException) -> None:
        """An unexpected failure while reading one file rejects that file alone (docs/inputs.md);
        the traceback goes to its ``ingest_log.error``."""
        res.status, res.rejected, res.rows = "rejected", 1, 0
        res.errors = [
            f"{res.display}:1: internal error ({type(exc).__name__}); details in ingest_log.error"
        ]
        res.details = "".join(traceback.format_exception(exc, limit=-8)).strip()
        self.ids_by_file.pop(str(res.path), None)
        self.staging.discard(BY_KIND[res.kind].tables if res.kind in BY_KIND else (),
                             {str(res.path)})  # fmt: skip

    def _rejected_at_staging(self, bad: dict[str, str]) -> None:
        """Files whose rows DuckDB cannot store are rejected, their staged rows discarded."""
        if not bad:
            return
        by_path = {str(r.path): r for r in self.results}
        for path, reason in sorted(bad.items()):
            res = by_path[path]
            res.status, res.rejected, res.rows = "rejected", 1, 0
            res.errors.append(f"{res.display}:1: {reason}")
            self.ids_by_file.pop(path, None)
            self.staging.discard(BY_KIND[res.kind].tables, {path})

    def stale(
        self,
        previous: dict[str, str],
        prev_policy: str | None,
        *,
        parsed_with: tuple[dict[str, str], str | None],
    ) -> bool:
        """Whether another ingest, committed since ``parsed_with`` was read, invalidated this
        parse: the policy the unchanged files were parsed with, or a file taken as unchanged."""
        if parsed_with[1] == self.policy.version and prev_policy != self.policy.version:
            return True  # "unchanged" meant parsed with this policy; no longer so
        return any(
            previous.get(str(r.path)) != r.sha256 for r in self.results if r.status == "unchanged"
        )

    def load(self, con, *, prune: bool, paths: list[Path]) -> None:
        """Phase 2, inside the transaction: check across files, replace rows, then the
        post-load steps."""
        report, results = self.report, self.results
        checks.check_incident_ids(con, results, self.ids_by_file, self.staging, report)
        # Replace the rows of every file that (re)loaded. A rejected file keeps the rows of
        # its last good version, so a typo in an edit never makes an incident vanish.
        checks.delete_file_rows(con, [str(r.path) for r in results if r.status == "loaded"])
        tabular_loaded = [r for r in results if r.status == "loaded" and r.kind in SPECS]
        for res in tabular_loaded:
            _insert_tabular(con, res)
        checks.check_people(con, results)
        counts = self.staging.flush()
        checks.warn_unlinked(con, results)
        if prune:
            checks.prune(con, paths, report)
        for res in tabular_loaded:
            counts[f"src_{res.kind}"] = counts.get(f"src_{res.kind}", 0) + res.rows
        report.rows_by_kind = counts
        _after_load(con, self)


def _after_load(con, batch: _Batch) -> None:
    """The post-load steps, in the transaction, once every file's rows are in place: what is
    derived from the rows, the policy and views the readers use, the checks that read the
    views, and the log. A step added here runs on every ingest (and on a dry run)."""
    from analytics.ingest.reviews import review_findings
    from analytics.rotations import derive_rotations

    report, results = batch.report, batch.results
    report.rotation = derive_rotations(con)
    report.findings = [
        f"{team}: {kind} {start:%Y-%m-%d %H:%M}–{end:%Y-%m-%d %H:%M} UTC: {detail}"
        for team, kind, start, end, detail in con.execute(
            "select team, kind, start_at, end_at, detail from rotation_findings "
            "order by team, start_at"
        ).fetchall()
    ]
    review_findings(con, results, lambda f: display_path(Path(f)))
    dbmod.write_policy(con, batch.policy)
    write_country_holidays(con)
    dbmod.install_views(con)
    checks.check_handoff_recipients(con, results)
    checks.check_comp_time_people(con, results)
    checks.log(con, report, batch.now)


def _is_document(res: FileResult) -> bool:
    """Whether a file is parsed by the documents' workers (when it needs parsing)."""
    return res.kind in BY_KIND and BY_KIND[res.kind].document


def _reject(res: FileResult, exc: InputError) -> None:
    res.status, res.rejected, res.rows = "rejected", 1, 0
    res.errors.extend(str(p) for p in getattr(exc, "problems", [exc]))


def _unreadable(res: FileResult, exc: OSError) -> None:
    res.status, res.rejected, res.rows = "rejected", 1, 0
    res.errors.append(f"{res.display}:1: cannot read: {exc.strerror}")


def _stage_tabular(con, res: FileResult) -> None:
    spec = SPECS[res.kind]
    staged, rejections = tabular.stage(con, spec, res.path, res.display)
    res.errors.extend(rejections)
    res.rejected = len(rejections)
    res.note = staged
    res.rows = tabular.good_count(staged, con)
    res.status = "loaded"


def _insert_tabular(con, res: FileResult) -> None:
    table = f"src_{res.kind}"
    good = tabular.good_rows(res.note, con)
    if res.kind == "pages":
        # A page_id already loaded from another file of the warehouse is rejected here. One
        # join with src_pages finds them (this file's own old rows are deleted already); the
        # insert then leaves out just those few page_ids.
        con.execute(
            f"""
            create or replace temp table __dupes as
            select r.line_no, r.page_id, any_value(s.source_file) as other
            from ({good}) as r join src_pages as s using (page_id)
            group by all
            """
        )
        dupes = con.execute(
            "select line_no, page_id, other from __dupes order by line_no"
        ).fetchall()
        for line, page_id, other in dupes:
            res.errors.append(
                f"{res.display}:{line}: page_id '{page_id}' also in {display_path(Path(other))}"
            )
            res.rejected += 1
            res.rows -= 1
        # Without duplicates (the common case) no anti-join over millions of rows.
        leave_out = "where r.page_id not in (select page_id from __dupes)" if dupes else ""
        con.execute(
            f"insert into src_pages by name select r.*, $file as source_file from ({good}) as r "
            + leave_out,
            {"file": str(res.path)},
        )
        con.execute("drop table __dupes")
    else:
        con.execute(
            f"insert into {table} by name select r.*, $file as source_file from ({good}) as r",
            {"file": str(res.path)},
        )
    con.execute(f"drop table {res.note}")
