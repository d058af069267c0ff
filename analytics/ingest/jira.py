"""Jira exports (CSV "Export all fields", REST v2 search JSON) → action-item tracker rows.

Each item is a dict with ``ticket, summary, status, assignee, due_date, created_at,
resolved_at, incident_id, line_no`` (SPEC §3.5). Our canonical tracker CSV (``Issue key,
Summary, Status, Assignee, Due date, Created, Resolved, Incident`` with ISO dates) is the same
format with fewer columns. The mapping is in ``docs/importers.md``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from analytics.errors import InputError
from analytics.ingest.pagerduty import decode_text, line_of, load_json, parse_utc
from analytics.ingest.records import InputWarning

ITEM_KEYS = (
    "ticket",
    "summary",
    "status",
    "assignee",
    "due_date",
    "created_at",
    "resolved_at",
    "incident_id",
    "line_no",
)
# Jira's CSV dates follow the exporting user's profile; these are the common English ones.
JIRA_DATE_FORMATS = (
    "%d/%b/%y %I:%M %p",
    "%d/%b/%Y %I:%M %p",
    "%d/%b/%y %H:%M",
    "%d/%b/%Y %H:%M",
    "%d/%b/%y",
    "%d/%b/%Y",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
)
_COLUMNS = {
    "ticket": "issue key",
    "summary": "summary",
    "status": "status",
    "assignee": "assignee",
    "due_date": "due date",
    "created_at": "created",
    "resolved_at": "resolved",
}
_INCIDENT_COLUMN = re.compile(r"^(custom field \()?incident([ _-]?(id|key))?\)?$", re.IGNORECASE)
_INCIDENT_LABEL = re.compile(r"^(?:incident:(?P<id>\S+)|(?P<inc>INC-\d+))$", re.IGNORECASE)


@dataclass
class JiraResult:
    """What one Jira export file yields."""

    items: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[InputWarning] = field(default_factory=list)


def parse_jira_csv(data: bytes | str, file: str, *, date_format: str | None = None) -> JiraResult:
    """Read a Jira CSV export (or our canonical tracker CSV) into tracker items.

    Args:
        data: The file's bytes or text.
        file: The file name used in errors and warnings.
        date_format: A ``strptime`` format for the export's dates (the exporting user's
            profile decides it); tried before ISO-8601 and ``JIRA_DATE_FORMATS``.

    Returns:
        JiraResult: items (dicts keyed by ``ITEM_KEYS``, ``line_no`` = the record's first
        physical line) and warnings.

    Raises:
        InputError: no ``Issue key`` header, a bad date, or unreadable CSV.
    """
    text = decode_text(data, file)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise InputError(file, 1, "empty file: expected a header row with 'Issue key'")
        names = [h.strip().lower() for h in header]
        if "issue key" not in names:
            raise InputError(
                file, 1, f"no 'Issue key' column; expected a Jira CSV export, got {header[:8]}"
            )
        positions: dict[str, list[int]] = {}
        for index, name in enumerate(names):
            positions.setdefault(name, []).append(index)
        incident_cols = [i for i, n in enumerate(names) if _INCIDENT_COLUMN.match(n)]
        label_cols = positions.get("labels", [])

        result = JiraResult()
        seen: dict[str, int] = {}
        previous_end = reader.line_num
        for row in reader:
            start_line, previous_end = previous_end + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue

            def first(name: str, row: list[str] = row) -> str | None:
                return next(
                    (v for i in positions.get(name, []) if i < len(row) and (v := row[i].strip())),
                    None,
                )

            ticket = first("issue key")
            if ticket is None:
                result.warnings.append(
                    InputWarning(file, start_line, "row without Issue key: skipped")
                )
                continue
            values = {key: first(column) for key, column in _COLUMNS.items()}
            incident = next(
                (v for i in incident_cols if i < len(row) and (v := row[i].strip())), None
            )
            labels = [
                label
                for i in label_cols
                if i < len(row)
                for label in row[i].replace(",", " ").split()
            ]
            item = _item(values, incident, labels, file, start_line, date_format)
            if ticket in seen:
                result.warnings.append(
                    InputWarning(
                        file,
                        start_line,
                        f"{ticket} repeated (first on line {seen[ticket]}): kept the last",
                    )
                )
                result.items = [i for i in result.items if i["ticket"] != ticket]
            seen[ticket] = start_line
            result.items.append(item)
    except csv.Error as exc:
        raise InputError(file, reader.line_num or 1, f"unreadable CSV: {exc}") from None
    return result


def parse_jira_json(data: bytes | str, file: str) -> JiraResult:
    """Read a Jira REST v2 search result (``{"issues": [...]}``) into tracker items.

    Args:
        data: The file's bytes or text (JSON).
        file: The file name used in errors and warnings.

    Returns:
        JiraResult: items (dicts keyed by ``ITEM_KEYS``; ``line_no`` is the line where the
        issue key first appears) and warnings.

    Raises:
        InputError: malformed JSON, not a search result, or a bad timestamp.
    """
    expected = 'expected a Jira REST search result {"issues": [...]} or one issue'
    doc, text = load_json(data, file, expected)
    names: dict[str, Any] = {}
    if isinstance(doc, dict) and "issues" in doc:
        names = doc.get("names") if isinstance(doc.get("names"), dict) else {}
        issues = doc["issues"]
    elif isinstance(doc, dict) and "fields" in doc:
        issues = [doc]
    else:
        issues = doc
    if not isinstance(issues, list):
        raise InputError(file, 1, expected)
    incident_fields = [
        k for k, v in names.items() if isinstance(v, str) and _INCIDENT_COLUMN.match(v)
    ]
    result = JiraResult()
    for issue in issues:
        key = issue.get("key") if isinstance(issue, dict) else None
        fields = issue.get("fields") if isinstance(issue, dict) else None
        if not isinstance(key, str) or not key.strip() or not isinstance(fields, dict):
            line = line_of(text, key if isinstance(key, str) else None)
            raise InputError(file, line, f"issue without a key and fields; {expected}")
        key = key.strip()
        line = line_of(text, key)
        incident = None
        for field_id in incident_fields:
            value = fields.get(field_id)
            if isinstance(value, dict):
                value = value.get("value") or value.get("key") or value.get("name")
            if isinstance(value, str | int) and str(value).strip():
                incident = str(value).strip()
                break
        labels = fields.get("labels")
        values = {
            "ticket": key,
            "summary": _text(fields.get("summary")),
            "status": _text(_get(fields.get("status"), "name")),
            "assignee": _text(
                _get(fields.get("assignee"), "displayName") or _get(fields.get("assignee"), "name")
            ),
            "due_date": _text(fields.get("duedate")),
            "created_at": fields.get("created"),
            "resolved_at": fields.get("resolutiondate"),
        }
        for ts in ("created_at", "resolved_at"):
            values[ts] = parse_utc(values[ts], file, line, f"{key} {ts.replace('_at', '')}")
        label_list = (
            [str(v) for v in labels if isinstance(v, str)] if isinstance(labels, list) else []
        )
        result.items.append(_item(values, incident, label_list, file, line, None))
    return result


def _get(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, dict) else None


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _item(
    values: dict[str, Any],
    incident: str | None,
    labels: list[str],
    file: str,
    line: int,
    date_format: str | None,
) -> dict[str, Any]:
    for label in labels:
        if incident is None and (match := _INCIDENT_LABEL.match(label.strip())):
            incident = match["id"] or match["inc"].upper()
    created, resolved = values["created_at"], values["resolved_at"]
    if not isinstance(created, datetime):
        created = _timestamp(created, file, line, "Created", date_format)
    if not isinstance(resolved, datetime):
        resolved = _timestamp(resolved, file, line, "Resolved", date_format)
    due = _timestamp(values["due_date"], file, line, "Due date", date_format)
    return {
        "ticket": values["ticket"],
        "summary": values["summary"],
        "status": values["status"],
        "assignee": values["assignee"],
        "due_date": due.date() if due else None,
        "created_at": created,
        "resolved_at": resolved,
        "incident_id": incident,
        "line_no": line,
    }


def _timestamp(
    value: str | None, file: str, line: int, column: str, date_format: str | None
) -> datetime | None:
    """A Jira date or ISO timestamp → UTC. Jira CSV dates carry no zone: they are read as UTC."""
    if value is None:
        return None
    text = value.strip()
    if date_format:
        try:
            return _as_utc(datetime.strptime(text, date_format))
        except ValueError:
            pass
    iso = text[:-4] if text.upper().endswith(" UTC") else text
    try:
        return _as_utc(datetime.fromisoformat(iso))
    except ValueError:
        pass
    for fmt in JIRA_DATE_FORMATS:
        try:
            return _as_utc(datetime.strptime(text, fmt))
        except ValueError:
            continue
    hint = f" or {date_format!r}" if date_format else "; pass date_format"
    raise InputError(
        file,
        line,
        f"{column} {value!r} is not a date like 22/Sep/25 9:26 AM or 2026-11-03T14:05:00Z{hint}",
    )


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{value} is out of range") from None
