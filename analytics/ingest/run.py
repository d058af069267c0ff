"""One ingest batch: discover files, parse them, and load them in one transaction.

Guarantees (SPEC §4): idempotent (an unchanged file is skipped, an edited one replaces
exactly its own rows); atomic (one transaction per batch: a crash leaves the warehouse as
it was); honest (every file gets an ``ingest_log`` row; every rejection is reported as
``file:line: reason`` and the good input of the batch still loads).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa

from analytics import db as dbmod
from analytics.countries import write_country_holidays
from analytics.errors import AnalyticsError, InputError, InputErrors, UsageError
from analytics.ingest import tabular
from analytics.ingest.parsing import out_of_range
from analytics.ingest.records import (
    PAGE_COLUMNS,
    ActionItem,
    Incident,
    InputWarning,
    RotationRow,
    TimelineEvent,
)
from analytics.policy import Policy

TIMELINE_EXT = {".md", ".markdown", ".txt"}
TABULAR_EXT = {".csv", ".json", ".parquet"}

# Which src_* tables hold rows of each kind (to replace a file's rows).
KIND_TABLES = {
    "timeline": (
        "src_incidents",
        "src_timeline_events",
        "src_action_items",
        "src_reviews",
        "src_review_lines",
    ),
    "review": ("src_reviews", "src_review_lines", "src_action_items"),
    "pages": ("src_pages",),
    "rotations": ("src_rotations",),
    "ics": ("src_rotations",),
    "people": ("src_people",),
    "tracker": ("src_tracker_items",),
    "pagerduty": ("src_incidents", "src_pages", "src_rotations"),
    "opsgenie": ("src_incidents", "src_pages", "src_page_acks"),
    "statuspage": ("src_incidents", "src_timeline_events"),
    "handoff": ("src_handoffs",),
    "comp_time": ("src_comp_time",),
}
ALL_SRC_TABLES = (
    "src_incidents",
    "src_timeline_events",
    "src_action_items",
    "src_pages",
    "src_page_acks",
    "src_people",
    "src_rotations",
    "src_tracker_items",
    "src_handoffs",
    "src_reviews",
    "src_review_lines",
    "src_comp_time",
)
# Rejections and warnings kept per file in ingest_log.error (the terminal shows fewer).
MAX_LOGGED_ERRORS = 10_000


@dataclass
class FileResult:
    path: Path
    display: str
    kind: str
    sha256: str = ""
    status: str = "pending"  # loaded | unchanged | rejected | pruned
    rows: int = 0
    rejected: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    note: str = ""
    details: str = ""  # an internal error's traceback, for ingest_log.error


@dataclass
class IngestReport:
    files: list[FileResult] = field(default_factory=list)
    rows_by_kind: dict[str, int] = field(default_factory=dict)
    rotation: dict[str, int] = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    dry_run: bool = False
    blame: list[str] = field(default_factory=list)  # dry run: file:line: possible blame: ...

    @property
    def rejections(self) -> list[str]:
        return [e for f in self.files for e in f.errors]

    @property
    def warnings(self) -> list[str]:
        return [w for f in self.files for w in f.warnings]

    @property
    def exit_code(self) -> int:
        return 1 if self.rejections else 0


def display_path(path: Path) -> str:
    """The path as a user would write it: relative to the working directory when inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def classify_file(path: Path) -> str | None:
    """The input kind of a file, from its folder names and extension (SPEC §3)."""
    parts = [p.lower() for p in path.parts[:-1]]
    name, suffix = path.name.lower(), path.suffix.lower()
    if name == "people.csv":
        return "people"
    if suffix in TIMELINE_EXT and "handoffs" in parts and name not in {"readme.md", "manifest.md"}:
        return "handoff"
    if (
        suffix in TIMELINE_EXT
        and name not in {"readme.md", "manifest.md"}
        and ("timelines" in parts or "postmortems" in parts)
    ):
        return "timeline"
    if "reviews" in parts and suffix in TIMELINE_EXT and name not in {"readme.md", "manifest.md"}:
        return "review"
    if "pages" in parts and suffix in TABULAR_EXT:
        return "pages"
    if "comp_time" in parts and suffix in TABULAR_EXT:
        return "comp_time"
    if "rotations" in parts:
        if suffix == ".ics":
            return "ics"
        if suffix in TABULAR_EXT:
            return "rotations"
    if suffix == ".ics":
        return "ics"
    if ("action_items" in parts or "tracker" in parts or "jira" in parts) and suffix in {
        ".csv",
        ".json",
    }:
        return "tracker"
    if "pagerduty" in parts and suffix == ".json":
        return "pagerduty"
    if "opsgenie" in parts and suffix == ".json":
        return "opsgenie"
    if "statuspage" in parts and suffix == ".json":
        return "statuspage"
    return None


def _special(path: Path) -> str | None:
    """What a path is when it is neither a regular file nor a folder (a FIFO would block the
    reader forever, a device never ends), else None."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    for test, what in (
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return what
    return "not a regular file"


def discover(paths: Iterable[Path]) -> tuple[list[tuple[Path, str]], list[str]]:
    """Files to ingest with their kinds, and errors for paths that cannot be used. Special
    files (FIFOs, sockets, devices, dangling links) have the kind ``special``: the batch skips
    them with a warning."""
    found: dict[Path, str] = {}
    errors: list[str] = []
    for given in paths:
        if not given.exists():
            errors.append(f"{given}:1: no such file or folder")
            continue
        if _special(given) is not None:
            found[given.absolute()] = "special"
            continue
        if given.is_file():
            kind = classify_file(given.resolve())
            if kind is None and given.suffix.lower() in TIMELINE_EXT:
                kind = "timeline"
            if kind is None:
                errors.append(
                    f"{given}:1: cannot tell what kind of input this is; put it under a folder "
                    "named timelines/, reviews/, pages/, rotations/, action_items/, handoffs/, "
                    "comp_time/, pagerduty/, opsgenie/ or statuspage/, or name it people.csv"
                )
                continue
            found[given.resolve()] = kind
            continue
        for root, dirs, files in os.walk(given):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if name.startswith("."):
                    continue
                path = (Path(root) / name).resolve()
                kind = classify_file(path)
                if kind is None:
                    continue
                if _special(Path(root) / name) is not None:
                    found[(Path(root) / name).absolute()] = "special"
                    continue
                found[path] = kind
    return sorted(found.items()), errors


# A post-mortem is a few KB; vendor JSON exports can be large but are parsed whole.
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
MAX_JSON_BYTES = 512 * 1024 * 1024


def _file_sha256(path: Path) -> str:
    """sha256 of a file, streamed (a large CSV is never held in memory by Python)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _check_size(res: FileResult) -> None:
    """Refuse a file far larger than any input of its kind (before reading it)."""
    size = res.path.stat().st_size
    limit = MAX_DOCUMENT_BYTES if res.kind in ("timeline", "review", "handoff") else MAX_JSON_BYTES
    if size > limit:
        raise InputError(
            res.display,
            1,
            f"file is {size / 1048576:.1f} MB, larger than any {res.kind} input should be "
            f"(limit {limit // 1048576} MB); is it the right file?",
        )


def _read_small(res: FileResult) -> bytes:
    """The bytes of a file parsed in Python, refusing what cannot be that kind of file."""
    _check_size(res)
    if res.path.suffix.lower() == ".json":
        with res.path.open("rb") as fh:
            head = fh.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
        if head[:1] not in (b"{", b"["):
            raise InputError(res.display, 1, "not JSON: expected '{' or '[' at the start")
    return res.path.read_bytes()


# ---------------------------------------------------------------- record -> Arrow tables


def _arrow(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]):
    """Rows as an Arrow table with the warehouse table's own column types (schema.sql)."""
    schema = con.sql(f"select * from main.{table} limit 0").to_arrow_table().schema
    return pa.Table.from_pylist(rows, schema=schema)


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _row(record) -> dict:
    """A record's fields as a dict (shallow: ``dataclasses.asdict`` deep-copies, 10x slower;
    the field names are looked up once per class: ``fields()`` per row cost more than the copy)."""
    names = _FIELD_NAMES.get(type(record))
    if names is None:
        names = _FIELD_NAMES[type(record)] = tuple(f.name for f in fields(record))
    return {name: getattr(record, name) for name in names}


class _Pending:
    """Rows parsed in Python, collected per table and inserted in bulk at the end."""

    TABLES = tuple(t for t in ALL_SRC_TABLES if t != "src_people")  # people: SQL only

    def __init__(self) -> None:
        self.rows: dict[str, list[dict]] = {t: [] for t in self.TABLES}
        self.staged: set[str] = set()

    def incident(self, inc: Incident, source_file: str) -> None:
        row = _row(inc)
        row["source_file"] = source_file
        self.rows["src_incidents"].append(row)

    def events(self, events: list[TimelineEvent], source_file: str) -> None:
        rows = self.rows["src_timeline_events"]
        for e in events:
            row = _row(e)
            row["source_file"] = source_file
            rows.append(row)

    def items(self, items: list[ActionItem], source_file: str) -> None:
        rows = self.rows["src_action_items"]
        for a in items:
            row = _row(a)
            row["source_file"] = source_file
            rows.append(row)

    def review(self, doc, source_file: str) -> None:
        """A review document (or a timeline document's review part): SPEC §3.8."""
        self.rows["src_reviews"].append({**_row(doc.review), "source_file": source_file})
        for line in doc.lines:
            self.rows["src_review_lines"].append({**_row(line), "source_file": source_file})
        self.items(doc.action_items, source_file)

    def pages(self, pages: list[dict], source_file: str) -> None:
        for i, p in enumerate(pages, start=1):
            row = {k: p.get(k) for k in PAGE_COLUMNS}
            row["team"] = (row.get("team") or "unknown").strip().lower()
            if row.get("service"):
                row["service"] = row["service"].strip().lower()
            row["line_no"] = p.get("line_no", i)
            row["source_file"] = source_file
            self.rows["src_pages"].append(row)

    def page_acks(self, acks: list[dict], source_file: str) -> None:
        self.rows["src_page_acks"].extend({**a, "source_file": source_file} for a in acks)

    def rotations(self, rows: list[RotationRow], source_file: str) -> None:
        for r in rows:
            d = _row(r)
            d["team"] = d["team"].strip().lower()
            self.rows["src_rotations"].append({**d, "source_file": source_file})

    def tracker(self, items: list[dict], source_file: str) -> None:
        from analytics.ingest.jira import ITEM_KEYS

        for i, it in enumerate(items, start=1):
            row = {k: it.get(k) for k in ITEM_KEYS}
            row["line_no"] = it.get("line_no", i)
            row["source_file"] = source_file
            self.rows["src_tracker_items"].append(row)

    def handoff(self, note, source_file: str) -> None:
        self.rows["src_handoffs"].append({**_row(note), "source_file": source_file})

    def stage(self, con: duckdb.DuckDBPyConnection) -> dict[str, str]:
        """Move the queued rows into TEMP staging tables (columnar, may spill to disk), so a
        batch of 100,000 documents never holds all its rows as Python objects.

        Returns:
            Files whose rows the warehouse cannot hold (a number too large for its column, a
            NULL where none is allowed), with the reason; their other rows are still staged:
            the caller rejects and :meth:`discard`s them.
        """
        bad: dict[str, str] = {}
        if not any(self.rows.values()):
            return bad
        for table, rows in self.rows.items():
            if not rows:
                continue
            con.execute(
                f"create temp table if not exists __stage_{table} as "
                f"select * from main.{table} limit 0"
            )
            for arrow in self._arrow_tables(con, table, rows, bad):
                con.register("__pending", arrow)
                try:
                    self._check_not_null(con, table, bad)
                    con.execute(
                        f"insert into __stage_{table} by name select * from __pending "
                        "where source_file not in (select unnest($bad::varchar[]))",
                        {"bad": sorted(bad)},
                    )
                finally:
                    con.unregister("__pending")
            self.staged.add(table)
            rows.clear()
        return bad

    @staticmethod
    def _arrow_tables(con, table: str, rows: list[dict], bad: dict[str, str]) -> list:
        """The rows as Arrow, in one table; when that fails, one per file, and the files that
        cannot be converted go to ``bad``."""
        try:
            return [_arrow(con, table, rows)]
        except (pa.ArrowException, OverflowError, TypeError, ValueError):
            pass
        by_file: dict[str, list[dict]] = {}
        for row in rows:
            by_file.setdefault(row["source_file"], []).append(row)
        tables = []
        for file, file_rows in by_file.items():
            try:
                tables.append(_arrow(con, table, file_rows))
            except (pa.ArrowException, OverflowError, TypeError, ValueError) as exc:
                first = (str(exc).splitlines() or [type(exc).__name__])[0]
                bad.setdefault(file, f"a value cannot be stored in {table[4:]}: {first}")
        return tables

    @staticmethod
    def _check_not_null(con, table: str, bad: dict[str, str]) -> None:
        """Files in ``__pending`` with a NULL in a column the warehouse requires go to ``bad``."""
        required = [
            r[0]
            for r in con.execute(
                "select column_name from duckdb_columns() where database_name = "
                "current_database() and schema_name = 'main' and table_name = $t "
                "and not is_nullable order by column_index",
                {"t": table},
            ).fetchall()
        ]
        if not required:
            return
        which = " ".join(f"when {tabular.quote_ident(c)} is null then '{c}'" for c in required)
        for file, column in con.execute(
            f"select source_file, any_value(case {which} end) from __pending "
            f"where case {which} end is not null group by source_file"
        ).fetchall():
            bad.setdefault(file, f"{column} is empty in a row of {table[4:]} (it needs a value)")

    def discard(self, con: duckdb.DuckDBPyConnection, tables, files: set[str]) -> None:
        """Forget the rows of rejected files, queued or staged."""
        for table in tables:
            self.rows[table] = [r for r in self.rows[table] if r["source_file"] not in files]
            if table in self.staged:
                con.execute(
                    f"delete from __stage_{table} where source_file in (select unnest($files))",
                    {"files": sorted(files)},
                )

    def flush(self, con: duckdb.DuckDBPyConnection) -> dict[str, int]:
        """Insert everything queued and staged into the warehouse; rows per table."""
        self.stage(con)
        counts = {}
        for table in sorted(self.staged):
            (n,) = con.execute(f"select count(*) from __stage_{table}").fetchall()[0]
            con.execute(f"insert into {table} by name select * from __stage_{table}")
            con.execute(f"drop table __stage_{table}")
            if n:  # a table whose staged rows were all of rejected files says nothing
                counts[table] = n
        self.staged.clear()
        return counts


# ---------------------------------------------------------------- parsing one file


@dataclass
class _RecordChecks:
    """The checks of the tabular inputs (SPEC §12, issue 15), applied to the records a Python
    parser made: timestamps in the sane window, shifts that end after they start and are no
    longer than ``[rotations] max_shift_days``. Any problem rejects the file, listing every
    problem with its line (records without a line of their own are line 1). Warnings only: a
    page acknowledged before it was sent (vendors log an acknowledgement by another channel
    before the notification), a long shift in a PagerDuty schedule (rendered by PagerDuty
    itself, not typed by a person)."""

    res: FileResult
    policy: Policy
    now: datetime

    def tracker_rows(self, items: list[dict]) -> list[dict]:
        """The tracker rows in the sane window; each other row is rejected alone, at its line
        (a Jira export is tabular: one bad row does not reject the file)."""
        kept = []
        for item in items:
            why = next(
                (
                    f"{item.get('ticket')}: {name} {reason}"
                    for name in ("created_at", "resolved_at")
                    if isinstance(ts := item.get(name), datetime)
                    and (reason := out_of_range(ts, self.now))
                ),
                None,
            )
            if why is None:
                kept.append(item)
            else:
                self.res.errors.append(f"{self.res.display}:{item.get('line_no') or 1}: {why}")
                self.res.rejected += 1
        return kept

    def check(self, incidents=(), pages=(), rotations=(), notes=()) -> None:
        problems: list[InputError] = []

        def bad(line, what: str, ts) -> None:
            why = out_of_range(ts, self.now, rotations=what in ("start", "end"))
            if why:
                problems.append(InputError(self.res.display, line or 1, f"{what} {why}"))

        for inc in incidents:
            for name in ("started_at", "detected_at", "acknowledged_at", "mitigated_at",
                         "resolved_at", "postmortem_published_at"):  # fmt: skip
                if (ts := getattr(inc, name, None)) is not None:
                    bad(1, f"incident {inc.incident_id}: {name}", ts)
        for page in pages:
            line = page.get("line_no")
            for name in ("sent_at", "acknowledged_at", "escalated_at"):
                if isinstance(ts := page.get(name), datetime):
                    bad(line, f"page {page.get('page_id')}: {name}", ts)
            sent, ack = page.get("sent_at"), page.get("acknowledged_at")
            if isinstance(sent, datetime) and isinstance(ack, datetime) and ack < sent:
                self.res.warnings.append(
                    f"{self.res.display}:{line or 1}: page {page.get('page_id')}: acknowledged "
                    f"at {ack:%Y-%m-%d %H:%M:%S}Z, before it was sent ({sent:%Y-%m-%d %H:%M:%S}Z)"
                )
        longest = timedelta(days=self.policy.rotations_max_shift_days)
        for row in rotations:
            bad(row.line_no, "start", row.start_at)
            bad(row.line_no, "end", row.end_at)
            if row.end_at <= row.start_at:
                problems.append(
                    InputError(self.res.display, row.line_no or 1, "end is not after start")
                )
            elif row.end_at - row.start_at > longest:
                days = (row.end_at - row.start_at).total_seconds() / 86400
                problem = InputError(
                    self.res.display,
                    row.line_no or 1,
                    f"shift of {row.engineer} of {days:.1f} days is longer than [rotations] "
                    f"max_shift_days = {self.policy.rotations_max_shift_days} (a typo in a date?)",
                )
                if self.res.kind == "pagerduty":  # PagerDuty renders what it pages by: real
                    self.res.warnings.append(str(problem))
                else:
                    problems.append(problem)
        for note in notes:
            bad(note.line_no, "WRITTEN", note.written_at)
        if problems:
            raise problems[0] if len(problems) == 1 else InputErrors(problems)


def _parse_python(
    res: FileResult,
    data: bytes,
    policy: Policy,
    team: str | None,
    pending: _Pending,
    date_format: str | None,
    now: datetime,
) -> list[str]:
    """Parse a file whose format needs Python; queue its rows. Returns incident ids."""
    src = str(res.path)
    sane = _RecordChecks(res, policy, now)
    if res.kind == "pagerduty":
        from analytics.ingest.pagerduty import parse_pagerduty

        result = parse_pagerduty(
            data,
            res.display,
            severity_by_priority=dict(policy.pagerduty_severity_by_priority),
            severity_by_urgency=dict(policy.pagerduty_severity_by_urgency),
        )
        sane.check(result.incidents, result.pages, result.rotations)
        res.warnings.extend(str(w) for w in result.warnings)
        for inc in result.incidents:
            pending.incident(inc, src)
        pending.pages(result.pages, src)
        pending.rotations(result.rotations, src)
        res.rows = len(result.incidents) + len(result.pages) + len(result.rotations)
        _partly_rejected(res, result.rejections)
        return []
    if res.kind == "opsgenie":
        from analytics.ingest.opsgenie import parse_opsgenie

        result = parse_opsgenie(
            data,
            res.display,
            severity_by_priority=dict(policy.opsgenie_severity_by_priority),
            team=team,
        )
        sane.check(result.incidents, result.pages)
        res.warnings.extend(str(w) for w in result.warnings)
        for inc in result.incidents:
            pending.incident(inc, src)
        pending.pages(result.pages, src)
        pending.page_acks(result.page_acks, src)
        res.rows = len(result.incidents) + len(result.pages) + len(result.page_acks)
        _partly_rejected(res, result.rejections)
        return []
    if res.kind == "statuspage":
        from analytics.ingest.statuspage import parse_statuspage

        result = parse_statuspage(
            data,
            res.display,
            severity_by_impact=dict(policy.statuspage_severity_by_impact),
            team=policy.statuspage_team or team,
        )
        sane.check(result.incidents)
        res.warnings.extend(str(w) for w in result.warnings)
        for inc in result.incidents:
            pending.incident(inc, src)
        pending.events(result.events, src)
        res.rows = len(result.incidents) + len(result.events)
        _partly_rejected(res, result.rejections)
        return []
    if res.kind == "ics":
        from analytics.ingest.ics import parse_ics

        result = parse_ics(data, res.display, team=team, now=now)
        sane.check(rotations=result.rotations)
        res.warnings.extend(str(w) for w in result.warnings)
        pending.rotations(result.rotations, src)
        res.rows = len(result.rotations)
        return []
    if res.kind == "tracker":
        from analytics.ingest import jira

        if res.path.suffix.lower() == ".json":
            result = jira.parse_jira_json(data, res.display, timezone=policy.tracker_timezone)
        else:
            result = jira.parse_jira_csv(
                data,
                res.display,
                date_format=date_format,
                column_aliases=dict(policy.tracker_column_aliases),
                timezone=policy.tracker_timezone,
            )
        items = sane.tracker_rows(result.items)
        res.warnings.extend(str(w) for w in result.warnings)
        pending.tracker(items, src)
        res.rows = len(items)
        return []
    if res.kind == "handoff":
        from analytics.ingest.handoffs import parse_handoff

        parsed = parse_handoff(data, res.display)
        sane.check(notes=[parsed.note])
        res.warnings.extend(str(w) for w in parsed.warnings)
        pending.handoff(parsed.note, src)
        res.rows = 1
        return []
    if res.kind == "review":
        from analytics.ingest.reviews import parse_review

        doc = parse_review(data, res.display)
        res.warnings.extend(str(w) for w in doc.warnings)
        pending.review(doc, src)
        res.rows = 1 + len(doc.lines) + len(doc.action_items)
        return []
    raise AssertionError(res.kind)


def _partly_rejected(res: FileResult, rejections: list[InputError]) -> None:
    """Vendor records rejected alone (SPEC §13); a file with nothing else to load is rejected
    whole, so it keeps the rows of its last good version."""
    if not rejections:
        return
    if res.rows == 0:
        raise rejections[0] if len(rejections) == 1 else InputErrors(rejections)
    res.errors.extend(str(e) for e in rejections)
    res.rejected = len(rejections)


PARALLEL_MIN_DOCS = 400  # below this, starting worker processes costs more than it saves


STAGE_EVERY_DOCS = 2000  # queued document rows move to DuckDB staging this often


def _parse_document(job: tuple[str, str, Policy, datetime]):
    """Read and parse one document (in a worker process for large batches).

    Returns the document, or a list of ``(file, line, reason)`` for a rejection (picklable).
    """
    from analytics.ingest.reviews import timeline_review
    from analytics.ingest.timelines import parse_timeline

    path, display, policy, now = job
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return (display, 1, f"cannot read: {exc.strerror}")
    try:
        doc = parse_timeline(
            data,
            display,
            classify=policy.classify_event,
            classify_other=policy.classify_event_other,
            now=now,
        )
    except InputError as exc:
        return [(p.file, p.line, p.reason) for p in getattr(exc, "problems", [exc])]
    except Exception as exc:  # an unexpected failure rejects this document alone
        import traceback

        return _InternalError(type(exc).__name__, "".join(traceback.format_exception(exc)))
    try:
        return timeline_review(data, doc)
    except Exception as exc:  # the review part (SPEC §14) must never cost the incident its load
        doc.warnings.append(
            InputWarning(display, 1, f"review sections not read: internal error ({exc!r:.80})")
        )
        return doc


@dataclass(frozen=True)
class _InternalError:
    """What a parsing worker returns for an unexpected failure (picklable, unlike some
    exceptions)."""

    type_name: str
    details: str


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _die_with_parent(parent: int) -> None:
    """Worker initializer: end this worker when the ingest that started it dies.

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


def _parse_documents(jobs: list[tuple[str, str, Policy, datetime]]) -> Iterator:
    """Parsed documents in the order of ``jobs``, on every core for a large batch."""
    workers = min(os.cpu_count() or 1, 4)
    if len(jobs) < PARALLEL_MIN_DOCS or workers < 2:
        yield from map(_parse_document, jobs)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn, not fork: the parent holds DuckDB threads and locks.
    with ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_die_with_parent,
        initargs=(os.getpid(),),
    ) as pool:
        yield from pool.map(_parse_document, jobs, chunksize=max(1, min(64, len(jobs) // 64)))


def _queue_document(res: FileResult, doc, pending: _Pending) -> list[str]:
    if isinstance(doc, list):
        raise InputErrors([InputError(*problem) for problem in doc])
    if isinstance(doc, _InternalError):
        res.status, res.rejected, res.rows = "rejected", 1, 0
        res.errors.append(
            f"{res.display}:1: internal error ({doc.type_name}); details in ingest_log.error"
        )
        res.details = doc.details
        return []
    src = str(res.path)
    res.warnings.extend(str(w) for w in doc.warnings)
    pending.incident(doc.incident, src)
    pending.events(doc.events, src)
    pending.items(doc.action_items, src)
    if doc.review is not None:
        pending.review(doc.review, src)
    res.rows = 1 + len(doc.events) + len(doc.action_items)
    res.status = "loaded"
    return [doc.incident.incident_id]


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


def _delete_file_rows(con: duckdb.DuckDBPyConnection, files: list[str], tables=ALL_SRC_TABLES):
    if not files:
        return
    for table in tables:
        con.execute(
            f"delete from {table} where source_file in (select unnest($files))", {"files": files}
        )


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
        paths: Files or folders; folders are walked for the inputs of SPEC §3.
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
    pending: _Pending = field(default_factory=lambda: _Pending())
    ids_by_file: dict[str, list[str]] = field(default_factory=dict)

    def parse(self, con, *, previous: dict[str, str], prev_policy: str | None) -> None:
        """Phase 1, outside the transaction: read, parse and stage every changed file."""
        tabular.ensure_macros(
            con, now=self.now, max_shift_days=self.policy.rotations_max_shift_days
        )
        reparse_all = prev_policy != self.policy.version
        documents: list[tuple[FileResult, tuple]] = []
        total = len(self.results)
        with ThreadPoolExecutor(max_workers=1) as hasher:
            for n, res in enumerate(self.results, start=1):
                if self.progress is not None:
                    self.progress(n - 1, total, res.display)
                try:
                    self._parse_file(con, res, hasher, previous, reparse_all, documents)
                except Exception as exc:  # one file's failure is its rejection
                    self._internal_error(con, res, exc)
        parsed = _parse_documents([job for _, job in documents])
        for n, ((res, _), doc) in enumerate(zip(documents, parsed, strict=True), start=1):
            if self.progress is not None and n % 100 == 0:
                self.progress(n, len(documents), f"parsed {res.display}")
            try:
                self.ids_by_file[str(res.path)] = _queue_document(res, doc, self.pending)
            except InputError as exc:
                _reject(res, exc)
            except Exception as exc:  # one file's failure is its rejection
                self._internal_error(con, res, exc)
            if n % STAGE_EVERY_DOCS == 0:
                self._stage_pending(con)
        # Everything into staging now, outside the transaction: a row DuckDB cannot store
        # (a number too large, a NULL where none is allowed) rejects its file here.
        self._stage_pending(con)
        if self.progress is not None:
            self.progress(total, total, "")

    def _parse_file(
        self,
        con,
        res: FileResult,
        hasher: ThreadPoolExecutor,
        previous: dict[str, str],
        reparse_all: bool,
        documents: list[tuple[FileResult, tuple]],
    ) -> None:
        """Read one file: stage it (tabular), queue its rows (Python formats) or add it to
        ``documents`` (parsed together, on every core)."""
        if res.kind == "special":
            what = _special(res.path) or "not a regular file"
            res.status = "skipped"
            res.warnings.append(f"{res.display}:1: skipped: {what}; only regular files are read")
            return
        if res.kind in tabular.SPECS and str(res.path) not in previous:
            # Never loaded, so staged whatever its digest: DuckDB reads the file while a
            # thread hashes it (both release the GIL; hashing a GB takes ~0.7 s).
            digest = hasher.submit(_file_sha256, res.path)
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
        try:
            res.sha256 = _file_sha256(res.path)
        except OSError as exc:
            _unreadable(res, exc)
            return
        if not reparse_all and previous.get(str(res.path)) == res.sha256:
            res.status = "unchanged"
            return
        try:
            if res.kind == "timeline":
                _check_size(res)  # read by the parsing worker
                documents.append((res, (str(res.path), res.display, self.policy, self.now)))
                return
            if res.kind in tabular.SPECS:
                _stage_tabular(con, res)
                return
            self.ids_by_file[str(res.path)] = _parse_python(
                res,
                _read_small(res),
                self.policy,
                self.team,
                self.pending,
                self.date_format,
                self.now,
            )
            res.status = "loaded"
        except InputError as exc:
            _reject(res, exc)

    def _internal_error(self, con, res: FileResult, exc: BaseException) -> None:
        """An unexpected failure while reading one file rejects that file alone (SPEC §12);
        the traceback goes to its ``ingest_log.error``."""
        import traceback

        res.status, res.rejected, res.rows = "rejected", 1, 0
        res.errors = [
            f"{res.display}:1: internal error ({type(exc).__name__}); details in ingest_log.error"
        ]
        res.details = "".join(traceback.format_exception(exc, limit=-8)).strip()
        self.ids_by_file.pop(str(res.path), None)
        self.pending.discard(con, KIND_TABLES.get(res.kind, ()), {str(res.path)})

    def _stage_pending(self, con) -> None:
        """Move queued rows to staging; a file whose rows DuckDB cannot store is rejected."""
        by_path = {str(r.path): r for r in self.results}
        for path, reason in sorted(self.pending.stage(con).items()):
            res = by_path[path]
            res.status, res.rejected, res.rows = "rejected", 1, 0
            res.errors.append(f"{res.display}:1: {reason}")
            self.ids_by_file.pop(path, None)
            self.pending.discard(con, KIND_TABLES[res.kind], {path})

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
        """Phase 2, inside the transaction: replace rows, derive, store policy and views, log."""
        report, results = self.report, self.results
        _check_incident_ids(con, results, self.ids_by_file, self.pending, report)
        # Replace the rows of every file that (re)loaded. A rejected file keeps the rows of
        # its last good version, so a typo in an edit never makes an incident vanish.
        _delete_file_rows(con, [str(r.path) for r in results if r.status == "loaded"])
        for res in results:
            if res.status == "loaded" and res.kind in tabular.SPECS:
                _insert_tabular(con, res)
        _check_people(con, results)
        counts = self.pending.flush(con)
        _warn_unlinked(con, results)
        if prune:
            _prune(con, paths, report)
        from analytics.rotations import derive_rotations

        report.rotation = derive_rotations(con)
        report.findings = [
            f"{team}: {kind} {start:%Y-%m-%d %H:%M}–{end:%Y-%m-%d %H:%M} UTC: {detail}"
            for team, kind, start, end, detail in con.execute(
                "select team, kind, start_at, end_at, detail from rotation_findings "
                "order by team, start_at"
            ).fetchall()
        ]
        for res in results:
            if res.status == "loaded" and res.kind in tabular.SPECS:
                counts[f"src_{res.kind}"] = counts.get(f"src_{res.kind}", 0) + res.rows
        report.rows_by_kind = counts
        from analytics.ingest.reviews import review_findings

        review_findings(con, results, lambda f: display_path(Path(f)))
        dbmod.write_policy(con, self.policy)
        write_country_holidays(con)
        dbmod.install_views(con)
        _check_handoff_recipients(con, results)
        _check_comp_time_people(con, results)
        _log(con, report, self.now)


def _warn_unlinked(con, results: list[FileResult]) -> None:
    """A document naming a Statuspage incident that is not loaded keeps its own "status
    page" lines as status updates (SPEC §13); say so, naming the id."""
    loaded = {str(r.path): r for r in results if r.status == "loaded" and r.kind == "timeline"}
    if not loaded:
        return
    rows = con.execute(
        """
        select d.source_file, d.linked_statuspage_id
        from src_incidents as d
        where d.source_kind = 'timeline' and d.linked_statuspage_id is not null
            and d.source_file in (select unnest($files))
            and d.linked_statuspage_id not in (
                select incident_id from src_incidents where source_kind = 'statuspage'
            )
        order by 1
        """,
        {"files": sorted(loaded)},
    ).fetchall()
    for source_file, statuspage_id in rows:
        res = loaded[source_file]
        res.warnings.append(
            f"{res.display}:{_line_naming(res.path, statuspage_id)}: STATUS PAGE "
            f"{statuspage_id} is not loaded (no such incident in statuspage/): the document's "
            "own status-page lines are its status updates"
        )


def _line_naming(path: Path, record_id: str) -> int:
    """The first line of a (small) document that names ``record_id``; 1 when unreadable."""
    try:
        lines = path.read_text("utf-8", errors="replace").splitlines()
    except OSError:
        return 1
    return next((n for n, line in enumerate(lines, start=1) if record_id in line), 1)


def _check_handoff_recipients(con, results: list[FileResult]) -> None:
    """Warn when a loaded hand-off note's TO is not the engineer who took over."""
    loaded = {str(r.path): r for r in results if r.status == "loaded" and r.kind == "handoff"}
    if not loaded:
        return
    mismatches = con.execute(
        "select source_file, line_no, note_to, to_engineer, handover_at from handoff_notes "
        "where source_file in (select unnest($files)) and note_to is not null "
        "and lower(trim(note_to)) <> lower(trim(to_engineer)) order by source_file, handover_at",
        {"files": sorted(loaded)},
    ).fetchall()
    for source_file, line_no, note_to, to_engineer, handover_at in mismatches:
        res = loaded[source_file]
        res.warnings.append(
            f"{res.display}:{line_no}: TO '{note_to}', but {to_engineer} took over at "
            f"{handover_at:%Y-%m-%d %H:%M} UTC"
        )


def _check_comp_time_people(con, results: list[FileResult]) -> None:
    """Warn when comp time was taken by a name people.csv does not know (matched
    case-insensitively after trimming): the ledger keeps it, without employee_id or team."""
    loaded = {str(r.path): r for r in results if r.status == "loaded" and r.kind == "comp_time"}
    if not loaded:
        return
    unknown = con.execute(
        "select source_file, min(line_no), min(trim(engineer)), count(*) from src_comp_time "
        "where source_file in (select unnest($files)) "
        "and lower(trim(engineer)) not in (select name_key from people) "
        "group by source_file, lower(trim(engineer)) order by 1, 2",
        {"files": sorted(loaded)},
    ).fetchall()
    for source_file, line_no, engineer, rows in unknown:
        res = loaded[source_file]
        res.warnings.append(
            f"{res.display}:{line_no}: engineer '{engineer}' is not in people.csv ({rows} "
            "row(s)); the comp-time ledger shows them without employee_id or team"
        )


def _reject(res: FileResult, exc: InputError) -> None:
    res.status, res.rejected, res.rows = "rejected", 1, 0
    res.errors.extend(str(p) for p in getattr(exc, "problems", [exc]))


def _unreadable(res: FileResult, exc: OSError) -> None:
    res.status, res.rejected, res.rows = "rejected", 1, 0
    res.errors.append(f"{res.display}:1: cannot read: {exc.strerror}")


def _stage_tabular(con, res: FileResult) -> None:
    spec = tabular.SPECS[res.kind]
    staged, rejections = tabular.stage(con, spec, res.path, res.display)
    res.errors.extend(rejections)
    res.rejected = len(rejections)
    res.note = staged
    res.rows = con.execute(f"select count(*) from {staged} where __reason is null").fetchone()[0]
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
        dupes = con.execute("select line_no, page_id, other from __dupes order by line_no")
        for line, page_id, other in dupes.fetchall():
            res.errors.append(
                f"{res.display}:{line}: page_id '{page_id}' also in {display_path(Path(other))}"
            )
            res.rejected += 1
            res.rows -= 1
        con.execute(
            f"insert into src_pages by name select r.*, $file as source_file from ({good}) as r "
            "where r.page_id not in (select page_id from __dupes)",
            {"file": str(res.path)},
        )
        con.execute("drop table __dupes")
    else:
        con.execute(
            f"insert into {table} by name select r.*, $file as source_file from ({good}) as r",
            {"file": str(res.path)},
        )
    con.execute(f"drop table {res.note}")


_PERSON_FACTS = ("employee_id", "team", "timezone", "email", "country")


def _check_people(con, results: list[FileResult]) -> None:
    """Two people files that say different things about one person (matched by name, as
    everywhere): a warning on the file of this batch, naming both files. The first file in
    path order wins (the ``people`` view)."""
    loaded = {str(r.path): r for r in results if r.kind == "people" and r.status == "loaded"}
    if not loaded:
        return
    rows = con.execute(
        """
        with p as (
            select lower(trim(engineer)) as k, trim(engineer) as engineer, line_no, source_file,
                [nullif(trim(employee_id), ''), nullif(lower(trim(team)), ''),
                 coalesce(nullif(trim(timezone), ''), 'UTC'), nullif(trim(email), ''),
                 nullif(upper(trim(country)), '')] as facts
            from src_people
        )
        select a.source_file, a.line_no, a.facts, a.engineer,
            b.source_file, b.line_no, b.facts, b.engineer
        from p as a join p as b on a.k = b.k and a.source_file < b.source_file
        where a.facts is distinct from b.facts
            and (a.source_file in (select unnest($files))
                 or b.source_file in (select unnest($files)))
        order by b.source_file, b.line_no
        """,
        {"files": sorted(loaded)},
    ).fetchall()
    for (
        first,
        first_line,
        first_facts,
        first_name,
        later,
        later_line,
        later_facts,
        later_name,
    ) in rows:
        if later in loaded:
            here, line, engineer, mine, there, there_line, theirs = (
                later,
                later_line,
                later_name,
                later_facts,
                first,
                first_line,
                first_facts,
            )
        else:
            here, line, engineer, mine, there, there_line, theirs = (
                first,
                first_line,
                first_name,
                first_facts,
                later,
                later_line,
                later_facts,
            )
        differences = ", ".join(
            f"{name} {_shown(a)} here, {_shown(b)} there"
            for name, a, b in zip(_PERSON_FACTS, mine, theirs, strict=True)
            if a != b
        )
        res = loaded[here]
        res.warnings.append(
            f"{res.display}:{line}: {engineer}: {differences} ({display_path(Path(there))}:"
            f"{there_line}); the people files disagree and {display_path(Path(first))} wins "
            "(first in path order)"
        )


def _shown(value: str | None) -> str:
    return "empty" if value is None else f"'{value}'"


def _check_incident_ids(con, results, ids_by_file, pending: _Pending, report) -> None:
    """One incident_id, one document: duplicates in a batch reject the later file;
    an id whose old document is gone moves to the new file."""
    by_path = {str(r.path): r for r in results}
    batch_files = set(by_path)
    owner: dict[str, str] = {}
    # Unchanged documents keep their ids.
    unchanged = [p for p, r in by_path.items() if r.status == "unchanged" and r.kind == "timeline"]
    if unchanged:
        for iid, f in con.execute(
            "select incident_id, source_file from src_incidents where source_kind = 'timeline' "
            "and source_file in (select unnest($files))",
            {"files": unchanged},
        ).fetchall():
            owner.setdefault(iid, f)
    stored = dict(
        con.execute(
            "select incident_id, any_value(source_file) from src_incidents "
            "where source_kind = 'timeline' group by incident_id"
        ).fetchall()
    )
    rejected_files: set[str] = set()
    for path in sorted(ids_by_file):
        res = by_path[path]
        if res.kind != "timeline":
            continue
        for iid in ids_by_file[path]:
            other = owner.get(iid)
            if other is None and iid in stored and stored[iid] not in batch_files:
                if Path(stored[iid]).exists():
                    other = stored[iid]
                else:
                    report.moved.append(
                        f"{iid}: moved from {display_path(Path(stored[iid]))} to {res.display}"
                    )
                    _delete_file_rows(con, [stored[iid]], KIND_TABLES["timeline"])
            if other is not None and other != path:
                res.status, res.rejected, res.rows = "rejected", 1, 0
                res.errors.append(
                    f"{res.display}:1: incident_id {iid} also in {display_path(Path(other))}"
                )
                rejected_files.add(path)
            else:
                owner[iid] = path
    if rejected_files:
        pending.discard(con, KIND_TABLES["timeline"], rejected_files)


def _prune(con, paths: list[Path], report: IngestReport) -> None:
    roots = [p.resolve() for p in paths]
    sources: set[str] = set()
    for table in ALL_SRC_TABLES:
        sources.update(
            r[0] for r in con.execute(f"select distinct source_file from {table}").fetchall()
        )
    gone = sorted(
        s for s in sources if not Path(s).exists() and any(Path(s).is_relative_to(r) for r in roots)
    )
    for s in gone:
        counts = {
            t: con.execute(f"select count(*) from {t} where source_file = $f", {"f": s}).fetchone()[
                0
            ]
            for t in ALL_SRC_TABLES
        }
        detail = ", ".join(f"{n} {t.removeprefix('src_')}" for t, n in counts.items() if n)
        report.pruned.append(f"{display_path(Path(s))}: {detail}")
        report.files.append(
            FileResult(
                Path(s), display_path(Path(s)), "gone", status="pruned", rows=sum(counts.values())
            )
        )
    _delete_file_rows(con, gone)


def _log(con, report: IngestReport, now: datetime) -> None:
    run_id = uuid.uuid4().hex
    rows = []
    for f in report.files:
        messages = f.errors + [f"warning: {w}" for w in f.warnings]
        if len(messages) > MAX_LOGGED_ERRORS:
            left = len(messages) - MAX_LOGGED_ERRORS
            messages = [*messages[:MAX_LOGGED_ERRORS], f"... and {left} more not logged"]
        if f.details:
            messages.append(f.details)
        rows.append(
            (
                run_id,
                now,
                str(f.path),
                f.sha256 or None,
                f.kind,
                f.rows,
                f.rejected,
                f.status,
                "\n".join(messages) or None,
            )
        )
    if rows:
        # Columns bound as lists and zipped by unnest: one statement, no pandas/Arrow import.
        columns = list(zip(*rows, strict=True))
        con.execute(
            "insert into ingest_log select unnest($1), unnest($2), unnest($3), unnest($4), "
            "unnest($5), unnest($6), unnest($7), unnest($8), unnest($9)",
            [list(c) for c in columns],
        )


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
CARRIED_OVER = ("ingest_log", "payroll_exports")  # history a rebuild must not lose (SPEC §12)


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
