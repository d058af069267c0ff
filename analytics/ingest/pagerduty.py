"""PagerDuty REST API v2 exports → pages, incidents and rotation rows.

Accepted shapes (JSON, UTF-8), see ``docs/importers.md``:

* ``GET /incidents`` envelope ``{"incidents": [...]}``, ``GET /incidents/{id}``
  ``{"incident": {...}}`` or one bare incident object;
* ``GET /log_entries`` or ``GET /incidents/{id}/log_entries``: ``{"log_entries": [...]}``;
* our combined export ``{"incidents": [...], "log_entries": [...]}`` (any of the keys of
  this list may appear together in one object);
* ``GET /schedules/{id}`` ``{"schedule": {...}}`` (also ``{"schedules": [...]}``);
* ``GET /oncalls`` ``{"oncalls": [...]}`` or one bare on-call object;
* a top-level JSON list of any of the bare objects above.

The retired API v1 format is rejected. The functions are pure: bytes in, records out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from analytics.errors import InputError
from analytics.ingest.records import PAGE_COLUMNS, Incident, InputWarning, RotationRow

V1_REJECTION = "PagerDuty API v1 export is not supported; export with REST API v2"
ACK_TYPES = frozenset({"acknowledge_log_entry", "acknowledgement_log_entry"})
_EXPECTED = (
    "expected a PagerDuty REST v2 export: an object with incidents, incident, log_entries, "
    "schedule or oncalls"
)


@dataclass
class PagerDutyResult:
    """What one PagerDuty export file yields."""

    pages: list[dict[str, Any]] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    rotations: list[RotationRow] = field(default_factory=list)
    warnings: list[InputWarning] = field(default_factory=list)


# --------------------------------------------------------------------------- shared helpers
# Used by the other vendor importers too (opsgenie, jira); they are small and dependency-free.


def decode_text(data: bytes | str, file: str) -> str:
    """Return ``data`` as text (UTF-8, BOM stripped), or raise InputError at the bad byte's line."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(file, line, f"not UTF-8 text (byte {data[exc.start]:#04x})") from None


def load_json(data: bytes | str, file: str, expected: str) -> tuple[Any, str]:
    """Parse JSON text; a syntax error becomes InputError at the error's line."""
    text = decode_text(data, file)
    try:
        return json.loads(text), text
    except json.JSONDecodeError as exc:
        raise InputError(
            file, exc.lineno, f"not valid JSON ({exc.msg}, column {exc.colno}); {expected}"
        ) from None
    except RecursionError:
        raise InputError(file, 1, f"JSON nested too deeply; {expected}") from None


def parse_utc(value: Any, file: str, line: int, what: str) -> datetime | None:
    """ISO-8601 text → aware UTC datetime; None stays None. A naive value is UTC (SPEC §3)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InputError(file, line, f"{what} {value!r} is not an ISO-8601 timestamp")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InputError(
            file, line, f"{what} {value!r} is not an ISO-8601 timestamp like 2015-10-06T21:30:42Z"
        ) from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise InputError(file, line, f"{what} {value!r} is out of range") from None


def line_of(text: str, needle: str | None) -> int:
    """1-based line of the first ``"needle"`` in the text (JSON keeps no positions); else 1."""
    if not needle:
        return 1
    pos = text.find(json.dumps(needle))
    return text.count("\n", 0, pos) + 1 if pos >= 0 else 1


def _s(value: Any) -> str | None:
    """A non-empty trimmed string, else None."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _name(ref: Any) -> str | None:
    """``summary`` of a PagerDuty reference, or ``name`` of an expanded object."""
    ref = _d(ref)
    return _s(ref.get("summary")) or _s(ref.get("name"))


def _lower(value: str | None) -> str | None:
    return value.strip().lower() if value else None


# --------------------------------------------------------------------------- parsing


@dataclass
class _Collected:
    incidents: list[dict[str, Any]] = field(default_factory=list)
    log_entries: list[dict[str, Any]] = field(default_factory=list)
    schedules: list[dict[str, Any]] = field(default_factory=list)
    oncalls: list[dict[str, Any]] = field(default_factory=list)


def parse_pagerduty(
    data: bytes | str, file: str, *, severity_by_priority: Mapping[str, int]
) -> PagerDutyResult:
    """Map a PagerDuty REST v2 export onto pages, incidents and rotation rows.

    Args:
        data: The file's bytes or text (JSON).
        file: The file name used in errors and warnings.
        severity_by_priority: Priority name (``priority.summary``, e.g. ``"P1"``) → severity 1-3.

    Returns:
        PagerDutyResult: pages (dicts keyed by ``PAGE_COLUMNS``), incidents, rotations, warnings.

    Raises:
        InputError: malformed JSON, an unknown shape, the retired v1 format, or a bad timestamp.
    """
    doc, text = load_json(data, file, _EXPECTED)
    found = _Collected()
    if isinstance(doc, list):
        for item in doc:
            if not isinstance(item, dict) or not _collect_bare(item, found):
                raise InputError(file, line_of(text, _s(_d(item).get("id"))), _EXPECTED)
    elif isinstance(doc, dict):
        # Bare objects first: a log entry carries an "incident" reference, an on-call a
        # "schedule" one, which would otherwise look like envelopes.
        if not _collect_bare(doc, found) and not _collect_envelope(doc, found, file, text):
            raise InputError(file, 1, _EXPECTED)
    else:
        raise InputError(file, 1, _EXPECTED)
    _reject_v1(found, file, text)

    result = PagerDutyResult()
    incidents_by_id = {inc_id: inc for inc in found.incidents if (inc_id := _s(inc.get("id")))}
    entries = _sorted_entries(found.log_entries, file, text)
    result.pages = _pages(entries, incidents_by_id, file, text, result.warnings)
    result.incidents = _incidents(
        found.incidents, entries, severity_by_priority, file, text, result.warnings
    )
    result.rotations = _rotations(found, file, text, result.warnings)
    if found.incidents and not found.log_entries:
        result.warnings.append(
            InputWarning(
                file,
                1,
                "incidents without log_entries yield no pages; export log entries too "
                "(combined {incidents, log_entries} file) to get pages",
            )
        )
    return result


def _collect_envelope(doc: dict[str, Any], found: _Collected, file: str, text: str) -> bool:
    """Gather the list envelopes of one top-level object; False when it has none."""
    matched = False
    for key, target, single in (
        ("incidents", found.incidents, False),
        ("incident", found.incidents, True),
        ("log_entries", found.log_entries, False),
        ("schedules", found.schedules, False),
        ("schedule", found.schedules, True),
        ("oncalls", found.oncalls, False),
    ):
        if key not in doc:
            continue
        value = doc[key]
        if single and isinstance(value, dict):
            target.append(value)
        elif not single and isinstance(value, list) and all(isinstance(v, dict) for v in value):
            target.extend(value)
        else:
            kind = "an object" if single else "a list of objects"
            raise InputError(file, line_of(text, key), f"{key!r} must be {kind}; {_EXPECTED}")
        matched = True
    return matched


def _collect_bare(item: dict[str, Any], found: _Collected) -> bool:
    """Classify one bare API object (list element). False when it is none of ours."""
    kind = item.get("type")
    if kind == "incident" or "incident_number" in item:
        found.incidents.append(item)
    elif isinstance(kind, str) and kind.endswith("_log_entry"):
        found.log_entries.append(item)
    elif kind == "schedule" or "final_schedule" in item:
        found.schedules.append(item)
    elif "escalation_level" in item and "user" in item:
        found.oncalls.append(item)
    else:
        return False
    return True


def _reject_v1(found: _Collected, file: str, text: str) -> None:
    for inc in found.incidents:
        if "created_at" not in inc and (
            "created_on" in inc or "trigger_summary_data" in inc or "assigned_to_user" in inc
        ):
            raise InputError(file, line_of(text, _s(inc.get("id"))), V1_REJECTION)


def _sorted_entries(entries: list[dict[str, Any]], file: str, text: str) -> list[dict[str, Any]]:
    """Log entries with a parsed ``_at``, oldest first (public samples list newest first)."""
    out = []
    for entry in entries:
        line = line_of(text, _s(entry.get("id")))
        if not _s(entry.get("type")):
            raise InputError(file, line, "log entry without a type (e.g. notify_log_entry)")
        at = parse_utc(entry.get("created_at"), file, line, "log entry created_at")
        if at is None:
            raise InputError(file, line, "log entry without created_at")
        out.append({**entry, "_at": at, "_line": line})
    out.sort(key=lambda e: e["_at"])
    return out


def _incident_of(entry: dict[str, Any]) -> str | None:
    return _s(_d(entry.get("incident")).get("id"))


def _team_service(*sources: dict[str, Any]) -> tuple[str | None, str | None]:
    """Team (first ``teams[].summary``, else the service) and service, both lower-cased."""
    team = service = None
    for src in sources:
        teams = _dicts(src.get("teams"))
        team = team or next((n for t in teams if (n := _name(t))), None)
        service = service or _name(src.get("service"))
    team_l, service_l = _lower(team), _lower(service)
    return team_l or service_l, service_l


def _same_user(agent: dict[str, Any], user: dict[str, Any]) -> bool:
    if _s(agent.get("id")) and _s(agent.get("id")) == _s(user.get("id")):
        return True
    name = _name(agent)
    return name is not None and name == _name(user)


def _pages(
    entries: list[dict[str, Any]],
    incidents_by_id: dict[str, dict[str, Any]],
    file: str,
    text: str,
    warnings: list[InputWarning],
) -> list[dict[str, Any]]:
    by_incident: dict[str | None, list[dict[str, Any]]] = {}
    for entry in entries:
        by_incident.setdefault(_incident_of(entry), []).append(entry)
    pages: dict[str, dict[str, Any]] = {}
    for entry in entries:
        if entry["type"] != "notify_log_entry":
            continue
        line, sent_at = entry["_line"], entry["_at"]
        user = _d(entry.get("user"))
        recipient = _name(user)
        page_id = _s(entry.get("id"))
        if recipient is None or page_id is None:
            missing = "user" if recipient is None else "id"
            warnings.append(
                InputWarning(file, line, f"notify_log_entry without {missing}: skipped")
            )
            continue
        if page_id in pages:
            warnings.append(InputWarning(file, line, f"log entry {page_id} repeated: kept once"))
            continue
        incident_id = _incident_of(entry)
        incident = incidents_by_id.get(incident_id or "", {})
        later = [e for e in by_incident.get(incident_id, []) if e["_at"] >= sent_at]
        acks = [e for e in later if e["type"] in ACK_TYPES]
        ack = next((e for e in acks if _same_user(_d(e.get("agent")), user)), None)
        ack = ack or (acks[0] if acks else None)
        escalated_at = next(
            (e["_at"] for e in later if e["type"] == "escalate_log_entry" and e["_at"] > sent_at),
            None,
        )
        team, service = _team_service(entry, incident)
        urgency = _s(incident.get("urgency"))
        pages[page_id] = dict(
            zip(
                PAGE_COLUMNS,
                (
                    page_id,
                    sent_at,
                    recipient,
                    team or "unknown",
                    service,
                    incident_id,
                    ack["_at"] if ack else None,
                    _name(ack.get("agent")) if ack else None,
                    escalated_at,
                    urgency.lower() if urgency else None,
                ),
                strict=True,
            )
        )
    return sorted(pages.values(), key=lambda p: (p["sent_at"], p["page_id"]))


def _incidents(
    raw: list[dict[str, Any]],
    entries: list[dict[str, Any]],
    severity_by_priority: Mapping[str, int],
    file: str,
    text: str,
    warnings: list[InputWarning],
) -> list[Incident]:
    out: dict[str, Incident] = {}
    for inc in raw:
        inc_id = _s(inc.get("id"))
        line = line_of(text, inc_id)
        if inc_id is None:
            raise InputError(file, line, "incident without an id")
        started = parse_utc(inc.get("created_at"), file, line, f"incident {inc_id} created_at")
        if started is None:
            raise InputError(file, line, f"incident {inc_id} has no created_at")
        priority = _name(inc.get("priority"))
        if priority is None:
            warnings.append(
                InputWarning(file, line, f"incident {inc_id} has no priority: not an incident")
            )
            continue
        severity = severity_by_priority.get(priority)
        if severity is None:
            known = ", ".join(sorted(severity_by_priority)) or "none"
            warnings.append(
                InputWarning(
                    file,
                    line,
                    f"incident {inc_id} priority {priority!r} is not in "
                    f"[pagerduty] severity_by_priority ({known}): not an incident",
                )
            )
            continue
        mine = [e for e in entries if _incident_of(e) == inc_id]
        ack_at, ack_by = _first_ack(inc, mine, file, line)
        resolved = parse_utc(inc.get("resolved_at"), file, line, f"incident {inc_id} resolved_at")
        if resolved is None:
            resolved = next((e["_at"] for e in mine if e["type"] == "resolve_log_entry"), None)
        team, service = _team_service(inc)
        if inc_id in out:
            warnings.append(InputWarning(file, line, f"incident {inc_id} repeated: kept the last"))
        out[inc_id] = Incident(
            incident_id=inc_id,
            title=_s(inc.get("title")) or _s(inc.get("summary")),
            severity=int(severity),
            team=team,
            service=service,
            started_at=started,
            detected_at=started,
            detection_method="pagerduty",
            acknowledged_at=ack_at,
            acknowledged_by=ack_by,
            resolved_at=resolved,
            source_file=file,
            source_kind="pagerduty",
        )
    return sorted(out.values(), key=lambda i: (i.started_at, i.incident_id))


def _first_ack(
    inc: dict[str, Any], entries: list[dict[str, Any]], file: str, line: int
) -> tuple[datetime | None, str | None]:
    """First acknowledgement: log entries first (the history), else ``acknowledgements[]``."""
    ack = next((e for e in entries if e["type"] in ACK_TYPES), None)
    if ack is not None:
        return ack["_at"], _name(ack.get("agent"))
    acks = []
    for item in _dicts(inc.get("acknowledgements")):
        at = parse_utc(item.get("at"), file, line, "acknowledgements[].at")
        if at is not None:
            acks.append((at, _name(item.get("acknowledger"))))
    return min(acks, key=lambda a: a[0]) if acks else (None, None)


def _rotations(
    found: _Collected, file: str, text: str, warnings: list[InputWarning]
) -> list[RotationRow]:
    rows: dict[tuple[str, str, datetime, datetime], RotationRow] = {}

    def add(team: str, user: Any, start: Any, end: Any, is_override: bool, what: str) -> None:
        line = line_of(text, _s(start))
        engineer = _name(user)
        start_at = parse_utc(start, file, line, f"{what} start")
        end_at = parse_utc(end, file, line, f"{what} end")
        if start_at is None or end_at is None:
            warnings.append(
                InputWarning(file, line, f"{what} without start/end (permanent on-call): skipped")
            )
            return
        if engineer is None:
            warnings.append(InputWarning(file, line, f"{what} without a user: skipped"))
            return
        if end_at <= start_at:
            warnings.append(InputWarning(file, line, f"{what} ends before it starts: skipped"))
            return
        key = (team, engineer, start_at, end_at)
        rows.setdefault(key, RotationRow(team, engineer, start_at, end_at, is_override, line))

    for sched in found.schedules:
        team = _schedule_team(sched)
        final = _dicts(_d(sched.get("final_schedule")).get("rendered_schedule_entries"))
        overrides = _dicts(_d(sched.get("overrides_subschedule")).get("rendered_schedule_entries"))
        if not final:
            warnings.append(
                InputWarning(
                    file,
                    line_of(text, _s(sched.get("id"))),
                    f"schedule {_name(sched) or '?'} has no final_schedule"
                    ".rendered_schedule_entries (export with since/until): no rotations",
                )
            )
        for entry in final:
            is_override = any(_same_override(entry, o) for o in overrides)
            add(team, entry.get("user"), entry.get("start"), entry.get("end"), is_override, "entry")
    for oncall in found.oncalls:
        team = _lower(_name(oncall.get("schedule")) or _name(oncall.get("escalation_policy")))
        add(
            team or "unknown",
            oncall.get("user"),
            oncall.get("start"),
            oncall.get("end"),
            False,
            "oncall",
        )
    return sorted(rows.values(), key=lambda r: (r.team, r.start_at, r.engineer))


def _schedule_team(sched: dict[str, Any]) -> str:
    teams: Iterable[dict[str, Any]] = _dicts(sched.get("teams"))
    team = next((n for t in teams if (n := _name(t))), None)
    return _lower(team or _name(sched)) or "unknown"


def _same_override(entry: dict[str, Any], override: dict[str, Any]) -> bool:
    return (
        _same_user(_d(entry.get("user")), _d(override.get("user")))
        and entry.get("start") == override.get("start")
        and entry.get("end") == override.get("end")
    )
