"""Incident timeline documents (docs/inputs.md): the playbook template, as people really write it.

One document per incident. Header keys may be in any case and in Markdown dressing
(``**STARTED:**``, ``## TIMELINE``, ``- **Severity**: SEV-2``); separators may be ``—``, ``–``,
``--`` or ``-``. DFDS-style post-mortems (``## Timeline``, "All times in CET.", a
``| YYYY-MM-DD HH:mm | event |`` table) are read too, as long as SEVERITY and STARTED are there.

A document that cannot be trusted is rejected with ``InputError(file, line, reason)``; anything
merely odd becomes an ``InputWarning`` and the document still loads.
"""

from __future__ import annotations

import functools
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import pairwise
from pathlib import PurePosixPath

from analytics.errors import InputError, InputErrors
from analytics.ingest.parsing import (
    DATE_FORMS,
    TIMESTAMP_FORMS,
    UNKNOWN_WORDS,
    match_timestamp,
    out_of_range,
    parse_bool_detail,
    parse_clock,
    parse_count,
    parse_date,
    parse_duration,
    parse_money,
    parse_percent,
    time_window,
    unwrap,
    zone,
)
from analytics.ingest.records import (
    ActionItem,
    Incident,
    InputWarning,
    TimelineDocument,
    TimelineEvent,
)

EVENT_KINDS = ("status_update", "escalation", "page", "note")
SEVERITY_FORMS = "SEV-1, SEV-2, SEV-3"

# Normalised key (lower case, single spaces) -> canonical field name.
_SCALARS = {
    "incident": "INCIDENT",
    "title": "INCIDENT",
    "incident title": "INCIDENT",
    "id": "ID",
    "incident id": "ID",
    "severity": "SEVERITY",
    "sev": "SEVERITY",
    "started": "STARTED",
    "started at": "STARTED",
    "start time": "STARTED",
    "detected": "DETECTED",
    "detected at": "DETECTED",
    "acknowledged": "ACKNOWLEDGED",
    "acknowledged at": "ACKNOWLEDGED",
    "acked": "ACKNOWLEDGED",
    "mitigated": "MITIGATED",
    "mitigated at": "MITIGATED",
    "resolved": "RESOLVED",
    "resolved at": "RESOLVED",
    "duration": "DURATION",
    "total duration": "DURATION",
    "team": "TEAM",
    "service": "SERVICE",
    "postmortem": "POSTMORTEM",
    "post mortem": "POSTMORTEM",
    "postmortem published": "POSTMORTEM",
    "post mortem published": "POSTMORTEM",
    "users affected": "Users affected",
    "affected users": "Users affected",
    "customers affected": "Users affected",
    "revenue impact": "Revenue impact",
    "data loss": "Data loss",
    "pagerduty": "PAGERDUTY",
    "pager duty": "PAGERDUTY",
    "opsgenie": "OPSGENIE",
    "status page": "STATUS PAGE",
    "statuspage": "STATUS PAGE",
}
# Headers naming the vendor records of the same incident (docs/importers.md) → Incident field.
_LINKS = {
    "PAGERDUTY": "linked_pagerduty_id",
    "OPSGENIE": "linked_opsgenie_id",
    "STATUS PAGE": "linked_statuspage_id",
}
_VENDOR_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]*")
_SECTIONS = {
    "impact": "IMPACT",
    "root cause": "ROOT CAUSE",
    "root causes": "ROOT CAUSE",
    "timeline": "TIMELINE",
    "timeline of events": "TIMELINE",
    "action items": "ACTION ITEMS",
    "action item": "ACTION ITEMS",
}
_SECTION_NAMES = frozenset(_SECTIONS.values())
_IMPACT_FIELDS = ("Users affected", "Revenue impact", "Data loss")
_TIMESTAMP_FIELDS = ("STARTED", "DETECTED", "ACKNOWLEDGED", "MITIGATED", "RESOLVED", "POSTMORTEM")
_OPEN_WORDS = UNKNOWN_WORDS | {"none", "ongoing", "open", "not yet", "unresolved", "pending"}

_BULLET = r"(?:[-*+]|[0-9]+[.)])\s+"
_BULLET_RE = re.compile(_BULLET)
_KEY = r"[A-Za-z][A-Za-z _-]*?"
# A "key: value" line is r"[*_]*\s*(?P<key>KEY)\s*[*_]*\s*:[*_]*\s*(?P<rest>.*)". Its colon can
# only be the line's first (nothing before it matches one): the part before it is matched
# once per distinct text (the template's keys repeat), the rest is stripped without a pattern.
_KEY_HEAD_RE = re.compile(rf"[*_]*\s*(?P<key>{_KEY})\s*[*_]*\s*", re.S)
_KEY_ONLY_RE = re.compile(rf"[*_]*\s*(?P<key>{_KEY})[\s*_:]*", re.S)
_HEADING_RE = re.compile(r"\s*(?P<hashes>#{1,6})(?:\s+|(?=[A-Za-z*_]))(?P<text>.*?)\s*#*\s*")
# The separator before an entry's or a field's detail, r"\s*(?:—|–|--|-|:|\||,|;)?\s*", is read
# without a pattern (_strip_separator): "--" or one of these characters.
_SEPARATOR_CHARS = frozenset("—–-:|,;")
_ZONE_DECL_RE = re.compile(
    r"[*_]*\s*all\s+times\s+(?:are\s+)?(?:in\s+)?(?P<zone>[A-Za-z][A-Za-z0-9/_+:-]*)\s*\.?\s*[*_]*",
    re.I,
)
_TABLE_HEAD_RE = re.compile(r"(?:time|when|timestamp|date|date/time|datetime)(?:\s*\(.*\))?", re.I)
_TICKET_RE = re.compile(r"(?<![A-Za-z0-9])[A-Z][A-Z0-9]+-[0-9]+(?![0-9])", re.A)
_SEV_KEY_RE = re.compile(r"SEV-[0-9]+")
_ITEM_RE = re.compile(rf"(?:{_BULLET})?\[(?P<box>[ xX]?)\]\s*(?P<rest>.*)", re.S)
_ITEM_KEY_RE = re.compile(
    r"(?:\s*(?:—|–|--|-|\||,|;|\()\s*|\s+)[*_]*(?P<key>owner|assignee|due|due date|ticket)"
    r"[*_]*\s*:[*_]*\s*",
    re.I,
)
_KEY_SPACES_RE = re.compile(r"[\s_-]+")
_SEVERITY_RE = re.compile(
    r"(?:sev(?:erity)?)?[\s_-]*([0-9]{1,3})(?:\s*[-—–:(,]\s*.*|\s+.*)?", re.I | re.A | re.S
)
_ZONE_WORD_RE = re.compile(r"\s+([A-Z]{2,5})(?![A-Za-z0-9])")
_DETAIL_SEPARATOR_RE = re.compile(r"\s*(?:—|–|--|-|\||,|;|\()")
_PERCENT_RE = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*%", re.A)
_AFTER_PERCENT_RE = re.compile(r"^[\s)]*(?:of\s+\w+)?[\s,;(~≈]*")
_DIGIT_RE = re.compile(r"[0-9]", re.A)
_RULE_RE = re.compile(r"[-*_=]{3,}")  # a horizontal rule: ---, ***, ___, ===
_RULE_START = frozenset("-*_=")
_NOT_CONTINUATION_RE = re.compile(rf"\s*(?:{_BULLET}|\[|\|)")
_TABLE_RULE_RE = re.compile(r":?-*:?")
_BAD_TIMESTAMP_RE = re.compile(
    r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}[Tt ]+[0-9:.,]+(?:[Zz]|[+-][0-9:]+)?"
)
_CLOCK_ENTRY_RE = re.compile(
    r"[*_]*([0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?(?:\s*(?:UTC|Z))?)[*_]*", re.A
)
_EXPLICIT_UTC_RE = re.compile(r"\s*(?:UTC|Z)$")
_DONE_RE = re.compile(r"\((?:done|completed)\)\s*$", re.I)
_TRAILING_SEPARATOR_RE = re.compile(r"\s*(?:—|–|--|-|\||,|;)$")
# First characters that let a line be what a pattern needs: cheap tests that skip the
# pattern on the other lines (most of a document), never changing what matches.
_BULLET_START = frozenset("-*+0123456789")


def default_classify(text: str) -> str:
    """Classify a timeline event by the playbook's keyword rules (docs/inputs.md).

    Case-insensitive substring, first match in the order: "status page" -> ``status_update``,
    "escalat" -> ``escalation``, "paged" -> ``page``, else ``note``.
    """
    if "status page" in text.lower():
        return "status_update"
    return default_classify_other(text)


def default_classify_other(text: str) -> str:
    """:func:`default_classify` without the status_update rule (a linked status page's own
    updates replace the document's "status page" lines, docs/importers.md)."""
    low = text.lower()
    if "escalat" in low:
        return "escalation"
    if "paged" in low:
        return "page"
    return "note"


@dataclass
class _Field:
    name: str
    value: str
    line: int


@dataclass
class _Scan:
    fields: dict[str, _Field]
    root_cause: list[tuple[int, str]]
    timeline: list[tuple[int, str]]
    actions: list[tuple[int, str]]
    heading_title: str | None


def parse_timeline(
    text: str | bytes,
    file: str,
    *,
    classify: Callable[[str], str] | None = None,
    classify_other: Callable[[str], str] | None = None,
    now: datetime | None = None,
) -> TimelineDocument:
    """Parse one incident timeline document.

    Args:
        text: The document; bytes are decoded as UTF-8 (a BOM is dropped).
        file: The name shown in errors and kept as ``source_file``; its bare stem is the
            incident_id when the document has no ``ID:`` line.
        classify: Maps an event's text to status_update | escalation | page | note; defaults
            to ``default_classify`` (the policy's keyword rules).
        classify_other: The same without the status_update rule, for ``other_kind`` of
            status_update events; defaults to ``default_classify_other``.
        now: Timestamps later than this are warned about; defaults to the wall clock.

    Returns:
        The incident, its timeline events, its action items and any warnings.

    Raises:
        InputError: ``file:line: reason`` for a document that cannot be loaded.
    """
    body = _decode(text, file)
    return parse_decoded(
        body, split_lines(body), file, classify=classify, classify_other=classify_other, now=now
    )


def parse_decoded(
    body: str,
    lines: list[str],
    file: str,
    *,
    classify: Callable[[str], str] | None = None,
    classify_other: Callable[[str], str] | None = None,
    now: datetime | None = None,
    impact_text: str | None = None,
) -> TimelineDocument:
    """:func:`parse_timeline` of a document already decoded (``body``, and ``lines`` as
    :func:`split_lines` cut it), with its IMPACT text as the review parser read it."""
    classify = classify or default_classify
    classify_other = classify_other or default_classify_other
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    if not body.strip():
        raise InputError(
            file, 1, "empty document; expected the incident template (SEVERITY:, STARTED:, ...)"
        )
    # Every problem is collected and reported together (file:line each), so one round trip
    # shows them all; the document is rejected when there is any.
    problems: list[InputError] = []
    scan = _scan(lines, file, problems)
    warnings: list[InputWarning] = []

    def warn(line: int, message: str) -> None:
        warnings.append(InputWarning(file, line, message))

    for required, example in (
        ("SEVERITY", "SEVERITY: SEV-2"),
        ("STARTED", "STARTED: 2026-11-03 14:05 UTC"),
    ):
        if required not in scan.fields:
            problems.append(
                InputError(file, 1, f"{required} is missing; expected a line such as '{example}'")
            )

    values: dict[str, object] = {}
    for f in sorted(scan.fields.values(), key=lambda f: f.line):
        try:
            _read_field(f, values, warn)
        except ValueError as exc:
            problems.append(InputError(file, f.line, f"{f.name} {exc}"))
    earliest, latest, _ = time_window(now)
    for name in _TIMESTAMP_FIELDS:
        ts = values.get(name)
        if not isinstance(ts, datetime) or earliest <= ts <= latest:
            continue  # in the sane window (most): no message to build
        if why := out_of_range(ts, now):
            f = scan.fields[name]
            problems.append(InputError(file, f.line, f"{name} '{_ts_text(f.value)}': {why}"))
            values[name] = None  # checked no further
    if not isinstance(values.get("STARTED"), datetime):
        _raise(problems)

    started: datetime = values["STARTED"]  # type: ignore[assignment]
    _check_order(scan.fields, values, file, warn, problems)
    for name in _TIMESTAMP_FIELDS:
        ts = values.get(name)
        if isinstance(ts, datetime) and ts > now:
            warn(scan.fields[name].line, f"{name} {_show(ts)} is later than now ({_show(now)})")

    stated = values.get("DURATION")
    resolved = values.get("RESOLVED")
    if isinstance(stated, float) and isinstance(resolved, datetime):
        actual = (resolved - started).total_seconds()
        if abs(stated - actual) > 60:
            f = scan.fields["DURATION"]
            warn(
                f.line,
                f"DURATION '{unwrap(f.value)}' ({_fmt_duration(stated)}) differs from "
                f"RESOLVED − STARTED ({_fmt_duration(actual)}) by more than 1 minute",
            )

    incident_id = str(values.get("ID") or "") or PurePosixPath(file.replace("\\", "/")).stem
    events = _events(
        scan.timeline, incident_id, started, (classify, classify_other), now, warn, problems, file
    )
    items = _action_items(scan.actions, incident_id, warn)
    _raise(problems)
    incident = Incident(
        incident_id=incident_id,
        title=values.get("INCIDENT") or scan.heading_title,  # type: ignore[arg-type]
        severity=values["SEVERITY"],  # type: ignore[arg-type]
        team=values.get("TEAM"),  # type: ignore[arg-type]
        service=values.get("SERVICE"),  # type: ignore[arg-type]
        started_at=started,
        detected_at=values.get("DETECTED"),  # type: ignore[arg-type]
        detection_method=values.get("DETECTED detail"),  # type: ignore[arg-type]
        acknowledged_at=values.get("ACKNOWLEDGED"),  # type: ignore[arg-type]
        acknowledged_by=values.get("ACKNOWLEDGED detail"),  # type: ignore[arg-type]
        mitigated_at=values.get("MITIGATED"),  # type: ignore[arg-type]
        mitigation=values.get("MITIGATED detail"),  # type: ignore[arg-type]
        resolved_at=values.get("RESOLVED"),  # type: ignore[arg-type]
        users_affected=values.get("users"),  # type: ignore[arg-type]
        users_affected_pct=values.get("users pct"),  # type: ignore[arg-type]
        revenue_impact_usd=values.get("Revenue impact"),  # type: ignore[arg-type]
        data_loss=values.get("Data loss"),  # type: ignore[arg-type]
        data_loss_detail=values.get("Data loss detail"),  # type: ignore[arg-type]
        root_cause=_root_cause(scan.root_cause),
        postmortem_published_at=values.get("POSTMORTEM"),  # type: ignore[arg-type]
        stated_duration_s=stated if isinstance(stated, float) else None,
        impact_text=impact_text,
        source_file=file,
        **{field: values[name] for name, field in _LINKS.items() if values.get(name)},
    )
    warnings.sort(key=lambda w: w.line)
    return TimelineDocument(incident=incident, events=events, action_items=items, warnings=warnings)


def split_lines(body: str) -> list[str]:
    """The lines of a document; CRLF, CR and LF each end one (``re.split(r"\r\n|\r|\n")``,
    without a regular expression)."""
    if "\r" in body:
        body = body.replace("\r\n", "\n").replace("\r", "\n")
    return body.split("\n")


def _raise(problems: list[InputError]) -> None:
    """Reject the document with every problem found, in line order."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise InputErrors(sorted(problems, key=lambda p: p.line))


def _decode(text: str | bytes, file: str) -> str:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = text.count(b"\n", 0, exc.start) + 1
            byte = text[exc.start]
            raise InputError(
                file, line, f"not valid UTF-8: byte 0x{byte:02x} at byte offset {exc.start}"
            ) from None
    if "\x00" in text:  # a binary or damaged file: its lines would be misread, not rejected
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise InputError(file, line, "NUL byte: not text; expected the incident template")
    return text.removeprefix("\ufeff")


@functools.lru_cache(maxsize=4096)  # the template's few keys, in every document
def _norm_key(key: str) -> str:
    return _KEY_SPACES_RE.sub(" ", key.strip()).lower()


@functools.lru_cache(maxsize=4096)
def _key_before_colon(head: str) -> str | None:
    """The normalised key of a ``key:`` line whose text before its first colon is ``head``
    (:data:`_KEY_HEAD_RE`), or None when ``head`` is not a key."""
    m = _KEY_HEAD_RE.fullmatch(head)
    return _norm_key(m["key"]) if m else None


def _key_value(s: str) -> tuple[str, str] | None:
    """``(normalised key, value)`` of a ``key: value`` line (:data:`_KEY_HEAD_RE`), or None."""
    colon = s.find(":")
    key = _key_before_colon(s[:colon]) if colon >= 0 else None
    if key is None:
        return None
    return key, s[colon + 1 :].lstrip("*_").lstrip()  # [*_]*\s*(?P<rest>.*)


def _header(s: str) -> tuple[str, str] | None:
    """Return ``(canonical_key, value)`` when ``s`` (a stripped line) is a header line of the
    template."""
    if not s or s[0] in "|[>":
        return None
    heading = _HEADING_RE.fullmatch(s) if s[0] == "#" else None
    bullet = False
    if heading:
        s = heading["text"]
    elif s[0] in _BULLET_START:
        m = _BULLET_RE.match(s)
        if m:
            s, bullet = s[m.end() :], True
    kv = _key_value(s)
    if kv is not None:
        key, rest = kv
    else:
        # A key alone: after any emphasis and spaces, it starts with an ASCII letter.
        first = s.lstrip("*_").lstrip()[:1]
        m = _KEY_ONLY_RE.fullmatch(s) if first.isascii() and first.isalpha() else None
        if not m:
            return None
        key, rest = _norm_key(m["key"]), ""
        if key not in _SECTIONS:
            return None  # a bare word is a header only for sections ("## Timeline")
    if key in _SCALARS:
        return _SCALARS[key], rest
    if key in _SECTIONS and not bullet:
        return _SECTIONS[key], rest
    return None


def _scan(lines: list[str], file: str, problems: list[InputError]) -> _Scan:
    fields: dict[str, _Field] = {}
    sections: dict[str, list[tuple[int, str]]] = {
        "ROOT CAUSE": [],
        "TIMELINE": [],
        "ACTION ITEMS": [],
    }
    section: str | None = None
    title: str | None = None
    for no, raw in enumerate(lines, 1):
        line = raw.rstrip()
        stripped = line.lstrip()
        if stripped.startswith(("```", "~~~")):
            continue
        first = stripped[:1]
        # a timeline entry ("[14:05] ..."), a table row or a quote is never a header
        hdr = _header(stripped) if first and first not in "|[>" else None
        if hdr:
            name, value = hdr
            if name in _SECTION_NAMES:
                section = name
                if value.strip() and name in sections:
                    sections[name].append((no, value))
                continue
            if name in fields and section == "ROOT CAUSE":
                # prose that starts like a header ("Detected: only by a customer, because
                # ..."): the field was given already, so this line is the root cause's text
                sections[section].append((no, line))
                continue
            if name in fields:
                problems.append(
                    InputError(file, no, f"{name} given twice (lines {fields[name].line} and {no})")
                )
                continue
            fields[name] = _Field(name, value, no)
            if name not in _IMPACT_FIELDS:
                section = None
            continue
        heading = _HEADING_RE.fullmatch(line) if first == "#" else None
        if heading:
            if title is None and len(heading["hashes"]) == 1 and heading["text"].strip():
                title = unwrap(heading["text"])
            section = "OTHER"
            continue
        if section in sections:
            sections[section].append((no, line))
    return _Scan(
        fields, sections["ROOT CAUSE"], sections["TIMELINE"], sections["ACTION ITEMS"], title
    )


def _read_field(f: _Field, values: dict[str, object], warn: Callable[[int, str], None]) -> None:
    value = unwrap(f.value)
    name = f.name
    if name == "SEVERITY":
        values[name] = _severity(value)
    elif name in _TIMESTAMP_FIELDS:
        ts, detail = _timestamp_field(name, value)
        values[name] = ts
        values[f"{name} detail"] = detail
    elif name == "DURATION":
        try:
            values[name] = parse_duration(value)
        except ValueError as exc:
            warn(f.line, f"DURATION {exc}; not checked")
    elif name in ("TEAM", "SERVICE"):
        values[name] = value.lower() or None
    elif name in ("INCIDENT", "ID"):
        values[name] = value or None
    elif name in _LINKS:
        if _VENDOR_ID_RE.fullmatch(value):
            values[name] = value
        elif value:
            warn(f.line, f"{name} '{value}' is not one record id; not linked")
    elif name == "Users affected":
        try:
            values["users"], values["users pct"] = _users(value)
        except ValueError as exc:
            warn(f.line, f"{name} {exc}; kept as unknown")
    elif name == "Revenue impact":
        try:
            values[name] = parse_money(value)
        except ValueError as exc:
            warn(f.line, f"{name} {exc}; kept as unknown")
    elif name == "Data loss":
        try:
            values[name], values[f"{name} detail"] = parse_bool_detail(value)
        except ValueError as exc:
            warn(f.line, f"{name} {exc}; kept as unknown")
            values[f"{name} detail"] = value or None


def _severity(value: str) -> int:
    if not value:
        raise ValueError(f"has no value; expected one of {SEVERITY_FORMS}")
    m = _SEVERITY_RE.fullmatch(value)
    if m and 1 <= int(m[1]) <= 3:
        return int(m[1])
    raise ValueError(f"'{value}' is not one of {SEVERITY_FORMS}")


def _timestamp_field(name: str, value: str) -> tuple[datetime | None, str | None]:
    if not value:
        if name == "STARTED":
            raise ValueError(f"has no value; expected a timestamp such as {TIMESTAMP_FORMS}")
        return None, None
    if value.lower() in _OPEN_WORDS and name != "STARTED":
        return None, None
    got = match_timestamp(value)
    if got is None:
        raise ValueError(f"'{value}' is not a timestamp; accepted: {TIMESTAMP_FORMS}")
    ts, end = got
    if end == len(value):
        return ts, None  # nothing after the timestamp (most header lines)
    rest = value[end:]
    word = _ZONE_WORD_RE.match(rest)
    if word and word[1] not in {"UTC", "GMT"}:
        raise ValueError(
            f"'{value}' names an unknown time zone '{word[1]}'; use UTC, an offset such as "
            "+01:00 or a zone name such as Europe/Copenhagen"
        )
    if rest.strip() and not _DETAIL_SEPARATOR_RE.match(rest):
        raise ValueError(
            f"'{value}' has text after the timestamp without a separator; "
            f"expected <timestamp> — <details>, timestamp one of {TIMESTAMP_FORMS}"
        )
    detail = _strip_separator(rest)
    return ts, detail or None


def _strip_separator(rest: str) -> str:
    # spaces, an optional separator (_SEPARATOR_CHARS or '--'), spaces: on every entry
    detail = rest.lstrip()
    if detail.startswith("--"):
        detail = detail[2:]
    elif detail[:1] in _SEPARATOR_CHARS:
        detail = detail[1:]
    detail = detail.strip()
    if detail.startswith("(") and detail.endswith(")"):
        detail = detail[1:-1].strip()
    elif detail.startswith("(") and ")" not in detail:
        detail = detail[1:].strip()
    return unwrap(detail) if detail else ""


def _users(value: str) -> tuple[int | None, float | None]:
    pm = _PERCENT_RE.search(value)
    if not pm:
        return parse_count(value), None
    pct = parse_percent(value[pm.start() : pm.end()])
    count = None
    before = value[: pm.start()].strip(" (~≈,")
    after = _AFTER_PERCENT_RE.sub("", value[pm.end() :]).rstrip(" )")
    if _DIGIT_RE.search(before):
        count = parse_count(before)
    elif _DIGIT_RE.match(after):
        count = parse_count(after)  # "12% (~1,200 users)"
    return count, pct


def _check_order(
    fields: dict[str, _Field],
    values: dict[str, object],
    file: str,
    warn: Callable[[int, str], None],
    problems: list[InputError],
) -> None:
    started = values["STARTED"]
    assert isinstance(started, datetime)
    for name in ("DETECTED", "ACKNOWLEDGED", "MITIGATED", "RESOLVED", "POSTMORTEM"):
        ts = values.get(name)
        if isinstance(ts, datetime) and ts < started:
            shown = unwrap(fields["STARTED"].value)
            f = fields[name]
            problems.append(
                InputError(
                    file,
                    f.line,
                    f"{name} '{_ts_text(f.value)}' is before STARTED '{_ts_text(shown)}'",
                )
            )
    # Later steps out of order are odd but not impossible to load: warn.
    chain = [n for n in ("DETECTED", "ACKNOWLEDGED", "MITIGATED", "RESOLVED") if values.get(n)]
    for earlier, later in pairwise(chain):
        a, b = values[earlier], values[later]
        if isinstance(a, datetime) and isinstance(b, datetime) and b < a:
            warn(fields[later].line, f"{later} {_show(b)} is before {earlier} {_show(a)}")


def _ts_text(value: str) -> str:
    text = unwrap(value)
    got = match_timestamp(text)
    return text[: got[1]].strip() if got else text


def _root_cause(lines: list[tuple[int, str]]) -> str | None:
    text = "\n".join(line for _, line in lines)
    if any(line[:1] in (" ", "\t") for _, line in lines):  # else dedent changes nothing
        text = textwrap.dedent(text)
    return text.strip() or None


def _events(
    lines: list[tuple[int, str]],
    incident_id: str,
    started: datetime,
    classifiers: tuple[Callable[[str], str], Callable[[str], str]],
    now: datetime,
    warn: Callable[[int, str], None],
    problems: list[InputError],
    file: str,
) -> list[TimelineEvent]:
    """The timeline's entries as events; ``classifiers`` are ``(classify, classify_other)``:
    a status_update's ``other_kind`` is read from its whole text (continuation lines too)."""
    classify, classify_other = classifiers
    events: list[TimelineEvent] = []
    tz: tzinfo = UTC
    day: date = started.date()
    prev_clock: time | None = None
    earliest, latest, _ = time_window(now)
    for no, line in lines:
        s = line.strip()
        if not s or (s[0] in _RULE_START and _RULE_RE.fullmatch(s)):
            continue
        # "All times in CET.": after any emphasis and spaces, an "a" (no other letter folds to it)
        decl = _ZONE_DECL_RE.fullmatch(s) if s.lstrip("*_").lstrip()[:1] in "aA" else None
        if decl:
            try:
                tz = zone(decl["zone"])
                day = started.astimezone(tz).date() if prev_clock is None else day
            except ValueError as exc:
                warn(no, f"TIMELINE {exc}; times kept as UTC")
            continue
        if line[:1].isspace() and events and not _NOT_CONTINUATION_RE.match(line):
            last = events[-1]  # an indented line continues the previous entry's text
            text = f"{last.text} {s}"
            other = classify_other(text) if last.kind == "status_update" else None
            events[-1] = TimelineEvent(
                last.incident_id, last.occurred_at, last.kind, text, last.line_no, other
            )
            continue
        entry = _split_entry(s)
        if entry is None:
            continue  # a table's header or rule row
        stamp, text = entry
        if stamp is None:
            warn(no, f"TIMELINE entry '{_clip(s)}' skipped: no time; expected [HH:MM] — event")
            continue
        if not text:
            warn(no, f"TIMELINE entry '{_clip(s)}' skipped: no event text")
            continue
        try:
            got = _entry_time(stamp, tz, day, prev_clock)
        except (ValueError, OverflowError) as exc:
            warn(no, f"TIMELINE entry '{_clip(s)}' skipped: {exc}")
            continue
        if got is None:
            warn(
                no,
                f"TIMELINE entry '{_clip(s)}' skipped: '{stamp}' is not a time "
                "(expected HH:MM or YYYY-MM-DD HH:MM)",
            )
            continue
        occurred, day, prev_clock = got
        if not earliest <= occurred <= latest and (why := out_of_range(occurred, now)):
            problems.append(InputError(file, no, f"TIMELINE entry '{_clip(s)}': {why}"))
            continue
        if occurred > now:
            warn(no, f"TIMELINE entry at {_show(occurred)} is later than now ({_show(now)})")
        kind = classify(text)
        other = classify_other(text) if kind == "status_update" else None
        events.append(TimelineEvent(incident_id, occurred, kind, text, no, other))
    return events


def _split_entry(s: str) -> tuple[str | None, str] | None:
    """Split a timeline line into ``(time text, event text)``; None for table furniture."""
    m = _BULLET_RE.match(s) if s[0] in _BULLET_START else None
    if m and not s.startswith("|"):
        s = s[m.end() :]
    if s.startswith("|"):
        cells = [c.strip() for c in s.strip().strip("|").split("|")]
        if all(_TABLE_RULE_RE.fullmatch(c) for c in cells):
            return None
        if _TABLE_HEAD_RE.fullmatch(unwrap(cells[0])):
            return None
        text = " | ".join(c for c in cells[1:] if c)
        return unwrap(cells[0]), unwrap(text) if text else ""
    if s.startswith("["):
        close = s.find("]")
        if close < 0:
            return None, ""
        return unwrap(s[1:close]), _strip_separator(s[close + 1 :])
    try:
        got = match_timestamp(s)
    except ValueError:  # a timestamp's shape with impossible values: let _entry_time say why
        bad = _BAD_TIMESTAMP_RE.match(s)
        return (bad[0], _strip_separator(s[bad.end() :])) if bad else (None, s)
    if got:
        return s[: got[1]], _strip_separator(s[got[1] :])
    m = _CLOCK_ENTRY_RE.match(s)
    if m and (m.end() == len(s) or not s[m.end()].isalnum()):
        return m[1], _strip_separator(s[m.end() :])
    return None, s


def _entry_time(
    stamp: str, tz: tzinfo, day: date, prev_clock: time | None
) -> tuple[datetime, date, time | None] | None:
    """Place one entry's time; returns (UTC instant, date now in force, clock now in force)."""
    # a timestamp starts YYYY-: a bare clock time ("14:05", most entries) skips the pattern
    got = match_timestamp(stamp, default_tz=tz) if stamp[4:5] == "-" else None
    if got and got[1] == len(stamp):
        local = got[0].astimezone(tz)
        return got[0], local.date(), local.time().replace(tzinfo=None)
    explicit_utc = _EXPLICIT_UTC_RE.search(stamp)
    clock = parse_clock(stamp[: explicit_utc.start()] if explicit_utc else stamp)
    if clock is None:
        return None
    entry_tz = UTC if explicit_utc else tz
    if prev_clock is not None and clock < prev_clock:
        day = day + timedelta(days=1)  # the clock went backwards: past midnight
    local_dt = datetime.combine(day, clock, tzinfo=entry_tz)
    return local_dt.astimezone(UTC), day, clock


def _action_items(
    lines: list[tuple[int, str]], incident_id: str, warn: Callable[[int, str], None]
) -> list[ActionItem]:
    items: list[ActionItem] = []
    for no, line in lines:
        s = line.strip()
        if not s or s.startswith("|") or (s[0] in _RULE_START and _RULE_RE.fullmatch(s)):
            continue
        m = _ITEM_RE.fullmatch(s)
        if m:
            done, rest = m["box"] in ("x", "X"), m["rest"]
        else:
            b = _BULLET_RE.match(s)
            if not b:
                if s.startswith(("-", "*", "+")) and not s.strip("-*+ "):
                    continue  # an empty bullet, as in a blank template
                warn(
                    no, f"ACTION ITEMS line '{_clip(s)}' is not an item; expected - [ ] description"
                )
                continue
            rest = s[b.end() :]
            done = bool(_DONE_RE.search(rest))
        rest = rest.strip()
        parts = list(_ITEM_KEY_RE.finditer(rest))
        description = (rest[: parts[0].start()] if parts else rest).strip()
        description = _TRAILING_SEPARATOR_RE.sub("", description).strip()
        owner = due = None
        due_text = None
        for i, p in enumerate(parts):
            end = parts[i + 1].start() if i + 1 < len(parts) else len(rest)
            value = rest[p.end() : end].strip().rstrip(")").strip()
            key = p["key"].lower()
            if key in ("owner", "assignee"):
                owner = unwrap(value) or None
            elif key.startswith("due"):
                due_text = unwrap(value)
        if due_text and due_text.lower() not in _OPEN_WORDS:
            try:
                due = parse_date(due_text)
            except ValueError:
                warn(
                    no,
                    f"ACTION ITEMS due date '{due_text}' is not a date; accepted: {DATE_FORMS}; "
                    "kept without a due date",
                )
        if not description:
            if not rest:
                continue
            description = rest
        ticket = next((t for t in _TICKET_RE.findall(rest) if not _SEV_KEY_RE.fullmatch(t)), None)
        items.append(
            ActionItem(
                incident_id=incident_id,
                item_no=len(items) + 1,
                description=description,
                owner=owner,
                due_date=due,
                ticket=ticket,
                done=done,
                line_no=no,
            )
        )
    return items


def _show(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _clip(s: str, width: int = 60) -> str:
    return s if len(s) <= width else s[: width - 1] + "…"


def _fmt_duration(seconds: float) -> str:
    sign = "-" if seconds < 0 else ""
    total = round(abs(seconds))
    d, rem = divmod(total, 86400)
    h, rem = divmod(rem, 3600)
    m, s = divmod(rem, 60)
    parts = [f"{d}d" if d else "", f"{h}h" if h else "", f"{m}m" if m else "", f"{s}s" if s else ""]
    return sign + (" ".join(p for p in parts if p) or "0m")
