"""What a format declares (:class:`Format`), the one typed batch every Python parser returns
(:class:`Parsed`), and the record checks the Python formats share (:class:`RecordChecks`).

A format is either read by DuckDB (``spec``: a :class:`~analytics.ingest.tabular.TableSpec`,
checked and cast in SQL) or parsed in Python (``parse``: bytes in, :class:`Parsed` out). The
documents (``document=True``) are parsed in worker processes, many per task.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analytics.errors import InputError, InputErrors
from analytics.ingest.parsing import out_of_range
from analytics.ingest.records import PAGE_COLUMNS
from analytics.names import team_key

if TYPE_CHECKING:
    from analytics.ingest.tabular import TableSpec
    from analytics.policy import Policy

# File name endings of each family of inputs.
DOCUMENT_EXT = frozenset({".md", ".markdown", ".txt"})
TABULAR_EXT = frozenset({".csv", ".json", ".parquet"})
NOT_DOCUMENTS = frozenset({"readme.md", "manifest.md"})  # a folder's own notes, never inputs


@dataclass(frozen=True)
class Detect:
    """Which files a format reads: a file matches when each given condition holds.

    Attributes:
        folders: Any of these folder names among the file's parent folders (None: anywhere).
        suffixes: Its extension, lower-cased (None: any).
        names: Its whole name, lower-cased (None: any).
        skip_names: Names that never match (a folder's README).
    """

    folders: frozenset[str] | None = None
    suffixes: frozenset[str] | None = None
    names: frozenset[str] | None = None
    skip_names: frozenset[str] = frozenset()

    def matches(self, folders: Iterable[str], name: str, suffix: str) -> bool:
        """Whether a file (its lower-cased parent folder names, name and suffix) matches."""
        return (
            (self.names is None or name in self.names)
            and name not in self.skip_names
            and (self.suffixes is None or suffix in self.suffixes)
            and (self.folders is None or not self.folders.isdisjoint(folders))
        )


@dataclass(frozen=True)
class Context:
    """What a Python parser may use besides the file's bytes."""

    path: Path
    display: str  # the path as the user wrote it: every message names it
    kind: str
    policy: Policy
    team: str | None  # the --team given (ICS and Opsgenie files that name none)
    now: datetime  # for "in the future" checks
    date_format: str | None  # --date-format of tracker CSV exports


@dataclass
class Parsed:
    """One file's rows, ready to stage: the one typed batch every Python parser returns.

    Attributes:
        rows: Per warehouse table (``src_*``), its rows as dicts keyed by column name
            (``source_file`` is added when staged).
        count: The rows the file contributes, as ``ingest_log.rows`` counts them.
        warnings: ``file:line: message`` lines that do not reject anything.
        rejections: Records rejected alone (``file:line: reason``); the file's other rows load.
        incident_ids: The incident ids the file claims (documents: one id, one document).
    """

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    count: int = 0
    warnings: list[str] = field(default_factory=list)
    rejections: list[str] = field(default_factory=list)
    incident_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Format:
    """One input format: how to recognise its files, how to read them, where its rows go.

    Attributes:
        kind: Its name in ``ingest_log.kind`` and in messages.
        detect: The files it reads (the registry tries formats in order; first match wins).
        tables: The ``src_*`` tables its rows go to (an edited file replaces its rows there).
        spec: For a format DuckDB reads: its columns and checks (rows go to ``src_<kind>``).
        parse: For a format parsed in Python: ``parse(data, context) -> Parsed``; raises
            :class:`~analytics.errors.InputError` to reject the whole file.
        document: Parsed in worker processes, many per task (the incident documents).
        max_bytes: Larger files are refused unread (``spec`` formats: no limit).
    """

    kind: str
    detect: Detect
    tables: tuple[str, ...]
    spec: TableSpec | None = None
    parse: Callable[[bytes, Context], Parsed] | None = None
    document: bool = False
    max_bytes: int | None = None


# ---------------------------------------------------------------- records -> rows

_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def row(record: Any) -> dict[str, Any]:
    """A record's fields as a dict (shallow: ``dataclasses.asdict`` deep-copies, 10x slower;
    the field names are looked up once per class: ``fields()`` per row cost more than the copy)."""
    names = _FIELD_NAMES.get(type(record))
    if names is None:
        names = _FIELD_NAMES[type(record)] = tuple(f.name for f in fields(record))
    return {name: getattr(record, name) for name in names}


def page_rows(pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Importer pages as ``src_pages`` rows: team and service trimmed and lower-cased (a page
    without a team is ``unknown``), ``line_no`` the record's line or its position."""
    rows = []
    for i, p in enumerate(pages, start=1):
        r = {k: p.get(k) for k in PAGE_COLUMNS}
        r["team"] = team_key(r.get("team") or "unknown")
        if r.get("service"):
            r["service"] = team_key(r["service"])
        r["line_no"] = p.get("line_no", i)
        rows.append(r)
    return rows


def rotation_rows(rotations: Iterable[Any]) -> list[dict[str, Any]]:
    """Rotation records as ``src_rotations`` rows (team trimmed and lower-cased)."""
    rows = []
    for r in rotations:
        d = row(r)
        d["team"] = team_key(d["team"])
        rows.append(d)
    return rows


def review_rows(doc: Any) -> dict[str, list[dict[str, Any]]]:
    """A review document (or a timeline document's review part) as rows of its three tables."""
    return {
        "src_reviews": [row(doc.review)],
        "src_review_lines": [row(line) for line in doc.lines],
        "src_action_items": [row(a) for a in doc.action_items],
    }


def merge_rows(*parts: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Rows per table of several parts, in order."""
    merged: dict[str, list[dict[str, Any]]] = {}
    for part in parts:
        for table, rows in part.items():
            merged.setdefault(table, []).extend(rows)
    return merged


def partly_rejected(parsed: Parsed, rejections: list[InputError]) -> Parsed:
    """Vendor records rejected alone (docs/importers.md); a file with nothing else to load is
    rejected whole, so it keeps the rows of its last good version."""
    if rejections and parsed.count == 0:
        exc = rejections[0] if len(rejections) == 1 else InputErrors(rejections)
        exc.warnings = list(parsed.warnings)  # said before the rejection: still reported
        raise exc
    parsed.rejections = [str(e) for e in rejections]
    return parsed


# ---------------------------------------------------------------- shared record checks


@dataclass
class RecordChecks:
    """The checks of the tabular inputs (docs/inputs.md, issue 15), applied to the records a Python
    parser made: timestamps in the sane window, shifts that end after they start and are no
    longer than ``[rotations] max_shift_days``. Any problem rejects the file, listing every
    problem with its line (records without a line of their own are line 1). Warnings only: a
    page acknowledged before it was sent (vendors log an acknowledgement by another channel
    before the notification), a long shift in a PagerDuty schedule (rendered by PagerDuty
    itself, not typed by a person)."""

    ctx: Context
    warnings: list[str] = field(default_factory=list)
    rejections: list[str] = field(default_factory=list)

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
                    and (reason := out_of_range(ts, self.ctx.now))
                ),
                None,
            )
            if why is None:
                kept.append(item)
            else:
                self.rejections.append(f"{self.ctx.display}:{item.get('line_no') or 1}: {why}")
        return kept

    def check(self, incidents=(), pages=(), rotations=(), notes=()) -> None:
        problems: list[InputError] = []
        display, now = self.ctx.display, self.ctx.now

        def bad(line, what: str, ts) -> None:
            why = out_of_range(ts, now, rotations=what in ("start", "end"))
            if why:
                problems.append(InputError(display, line or 1, f"{what} {why}"))

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
                self.warnings.append(
                    f"{display}:{line or 1}: page {page.get('page_id')}: acknowledged "
                    f"at {ack:%Y-%m-%d %H:%M:%S}Z, before it was sent ({sent:%Y-%m-%d %H:%M:%S}Z)"
                )
        max_days = self.ctx.policy.rotations_max_shift_days
        longest = timedelta(days=max_days)
        for r in rotations:
            bad(r.line_no, "start", r.start_at)
            bad(r.line_no, "end", r.end_at)
            if r.end_at <= r.start_at:
                problems.append(InputError(display, r.line_no or 1, "end is not after start"))
            elif r.end_at - r.start_at > longest:
                days = (r.end_at - r.start_at).total_seconds() / 86400
                problem = InputError(
                    display,
                    r.line_no or 1,
                    f"shift of {r.engineer} of {days:.1f} days is longer than [rotations] "
                    f"max_shift_days = {max_days} (a typo in a date?)",
                )
                if self.ctx.kind == "pagerduty":  # PagerDuty renders what it pages by: real
                    self.warnings.append(str(problem))
                else:
                    problems.append(problem)
        for note in notes:
            bad(note.line_no, "WRITTEN", note.written_at)
        if problems:
            exc = problems[0] if len(problems) == 1 else InputErrors(problems)
            exc.warnings = list(self.warnings)  # said before the rejection: still reported
            raise exc
