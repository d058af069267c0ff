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

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from analytics.errors import InputError
from analytics.ingest.readers import line_of, load_json, parse_utc
from analytics.ingest.records import (
    PAGE_COLUMNS,
    Incident,
    InputWarning,
    RotationRow,
    keep_latest,
)
from analytics.names import team_key

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
    # Incidents (or log entries) rejected alone: ``file:line: incident <id>: reason``.
    rejections: list[InputError] = field(default_factory=list)


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
    return team_key(value) if value else None


# --------------------------------------------------------------------------- parsing

# Only a person acknowledges (docs/importers.md): ``user_reference`` in log entries, ``user``
# when the export expanded the reference. Acks by services and integrations (auto-ack, API) are
# ignored.
USER_AGENT_TYPES = frozenset({"user_reference", "user"})
# PagerDuty notifies one person on several channels at once (push, SMS, e-mail): the notify
# entries to the same person for the same incident within this many seconds are one page.
NOTIFY_MERGE_SECONDS = 60
# A priority named like a SEV level maps to it directly: "SEV-1", "Sev 1", "sev_2", "SEV3".
_SEV_NAME = re.compile(r"^sev(?:erity)?[\s_-]*([1-3])$", re.IGNORECASE)
DEFAULT_SEVERITY_BY_URGENCY: Mapping[str, int] = {"high": 3, "low": 3}


@dataclass
class _Collected:
    incidents: list[dict[str, Any]] = field(default_factory=list)
    log_entries: list[dict[str, Any]] = field(default_factory=list)
    schedules: list[dict[str, Any]] = field(default_factory=list)
    oncalls: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Counts:
    """What the file's summary warnings count."""

    from_urgency: int = 0
    ignored_acks: int = 0
    merged_notifies: int = 0


def parse_pagerduty(
    data: bytes | str,
    file: str,
    *,
    severity_by_priority: Mapping[str, int],
    severity_by_urgency: Mapping[str, int] | None = None,
) -> PagerDutyResult:
    """Map a PagerDuty REST v2 export onto pages, incidents and rotation rows.

    Args:
        data: The file's bytes or text (JSON).
        file: The file name used in errors and warnings.
        severity_by_priority: Priority name (``priority.summary``, e.g. ``"P1"``) → severity
            1-3, matched case-insensitively; a name that reads as a SEV level (``SEV-1``) maps
            to it without an entry.
        severity_by_urgency: Urgency (``high``/``low``) → severity, for incidents whose
            priority is null or unmapped (default :data:`DEFAULT_SEVERITY_BY_URGENCY`).

    Returns:
        PagerDutyResult: pages (dicts keyed by ``PAGE_COLUMNS``), incidents, rotations,
        warnings, and the incidents rejected alone (``rejections``).

    Raises:
        InputError: malformed JSON, an unknown shape, the retired v1 format, or a bad
            timestamp in a schedule or on-call.
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
    _adopt_embedded_entries(found)

    result = PagerDutyResult()
    counts = _Counts()
    bad: set[str] = set()  # incidents rejected alone: their pages go too
    entries = _sorted_entries(found.log_entries, file, text, result.rejections, bad)
    versions = _latest_versions(found.incidents, file, text, result, bad)
    result.incidents = _incidents(
        versions,
        entries,
        {name.strip().casefold(): sev for name, sev in severity_by_priority.items()},
        {
            name.strip().casefold(): sev
            for name, sev in (severity_by_urgency or DEFAULT_SEVERITY_BY_URGENCY).items()
        },
        file,
        result,
        bad,
        counts,
    )
    kept = [e for e in entries if _incident_of(e) not in bad]
    good_versions = {iid: inc for iid, inc in versions.items() if iid not in bad}
    result.pages = _pages(kept, good_versions, file, result.warnings, counts)
    result.rotations = _rotations(found, file, text, result.warnings)
    if found.incidents and not found.log_entries:
        result.warnings.append(
            InputWarning(
                file,
                1,
                "incidents without log_entries yield no pages; export log entries too "
                "(embedded in each incident, or a combined {incidents, log_entries} file)",
            )
        )
    result.warnings.extend(_summary_warnings(file, counts))
    return result


def _summary_warnings(file: str, counts: _Counts) -> list[InputWarning]:
    out = []
    if counts.from_urgency:
        out.append(
            InputWarning(
                file,
                1,
                f"{counts.from_urgency} incident(s) took their severity from urgency "
                "([pagerduty] severity_by_urgency): no priority, or one not in "
                "[pagerduty] severity_by_priority",
            )
        )
    if counts.ignored_acks:
        out.append(
            InputWarning(
                file,
                1,
                f"{counts.ignored_acks} acknowledgement(s) by a service or integration "
                "ignored: only a user (agent.type user_reference) acknowledges",
            )
        )
    if counts.merged_notifies:
        out.append(
            InputWarning(
                file,
                1,
                f"{counts.merged_notifies} notify_log_entry(s) merged into an earlier page: "
                f"the same person and incident within {NOTIFY_MERGE_SECONDS} s",
            )
        )
    return out


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


def _adopt_embedded_entries(found: _Collected) -> None:
    """Log entries stored inside their incident (as warehouse collectors keep them) join the
    file's list, each naming its incident; an entry listed twice (embedded and top-level) is
    kept once."""
    for inc in found.incidents:
        inc_id = _s(inc.get("id"))
        for entry in _dicts(inc.get("log_entries")):
            if inc_id and _incident_of(entry) is None:
                entry = {**entry, "incident": {"id": inc_id, "type": "incident_reference"}}
            found.log_entries.append(entry)
    seen: set[str] = set()
    unique = []
    for entry in found.log_entries:
        entry_id = _s(entry.get("id"))
        if entry_id is not None:
            if entry_id in seen:
                continue
            seen.add(entry_id)
        unique.append(entry)
    found.log_entries = unique


def _reject_v1(found: _Collected, file: str, text: str) -> None:
    for inc in found.incidents:
        if "created_at" not in inc and (
            "created_on" in inc or "trigger_summary_data" in inc or "assigned_to_user" in inc
        ):
            raise InputError(file, line_of(text, _s(inc.get("id"))), V1_REJECTION)


def _alone(file: str, exc: InputError, incident_id: str | None) -> InputError:
    """A rejection of one incident of the file (``file:line: incident <id>: reason``)."""
    if incident_id is None:
        return exc
    return InputError(file, exc.line, f"incident {incident_id}: {exc.reason}")


def _sorted_entries(
    entries: list[dict[str, Any]],
    file: str,
    text: str,
    rejections: list[InputError],
    bad: set[str],
) -> list[dict[str, Any]]:
    """Log entries with a parsed ``_at``, oldest first (public samples list newest first).

    A bad entry rejects its incident alone (or itself, when it names none)."""
    out = []
    for entry in entries:
        line = line_of(text, _s(entry.get("id")))
        try:
            if not _s(entry.get("type")):
                raise InputError(file, line, "log entry without a type (e.g. notify_log_entry)")
            at = parse_utc(entry.get("created_at"), file, line, "log entry created_at")
            if at is None:
                raise InputError(file, line, "log entry without created_at")
        except InputError as exc:
            incident_id = _incident_of(entry)
            rejections.append(_alone(file, exc, incident_id))
            if incident_id is not None:  # an entry of no incident is rejected by itself
                bad.add(incident_id)
            continue
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


def _is_user(agent: Any) -> bool:
    return _d(agent).get("type") in USER_AGENT_TYPES


def recipient_from_summary(summary: Any) -> str | None:
    """The person of a notify entry's summary: ``Notified Ann Lee by email.`` → ``Ann Lee``
    (the text between ``Notified `` and the last `` by ``)."""
    text = _s(summary)
    if text is None or not text.startswith("Notified "):
        return None
    person, by, _channel = text.removeprefix("Notified ").rpartition(" by ")
    return _s(person) if by else None


def _pages(
    entries: list[dict[str, Any]],
    incidents_by_id: dict[str, dict[str, Any]],
    file: str,
    warnings: list[InputWarning],
    counts: _Counts,
) -> list[dict[str, Any]]:
    by_incident: dict[str | None, list[dict[str, Any]]] = {}
    for entry in entries:
        by_incident.setdefault(_incident_of(entry), []).append(entry)
    pages: dict[str, dict[str, Any]] = {}
    latest: dict[tuple[str, str], datetime] = {}  # (incident, person) → its last page's sent_at
    for entry in entries:
        if entry["type"] != "notify_log_entry":
            continue
        line, sent_at = entry["_line"], entry["_at"]
        user = _d(entry.get("user"))
        recipient = _name(user) or recipient_from_summary(entry.get("summary"))
        page_id = _s(entry.get("id"))
        if recipient is None or page_id is None:
            missing = "user (nor a 'Notified <name> by' summary)" if recipient is None else "id"
            warnings.append(
                InputWarning(file, line, f"notify_log_entry without {missing}: skipped")
            )
            continue
        if page_id in pages:
            warnings.append(InputWarning(file, line, f"log entry {page_id} repeated: kept once"))
            continue
        incident_id = _incident_of(entry)
        if incident_id is not None:
            key = (incident_id, recipient.casefold())
            first = latest.get(key)
            if first is not None and (sent_at - first).total_seconds() <= NOTIFY_MERGE_SECONDS:
                counts.merged_notifies += 1
                continue
            latest[key] = sent_at
        incident = incidents_by_id.get(incident_id or "", {})
        later = [e for e in by_incident.get(incident_id, []) if e["_at"] >= sent_at]
        acks = [e for e in later if e["type"] in ACK_TYPES and _is_user(e.get("agent"))]
        ack = next(
            (
                e
                for e in acks
                if _same_user(_d(e.get("agent")), user)
                or (_name(e.get("agent")) or "").casefold() == recipient.casefold()
            ),
            None,
        )
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


def _version_at(inc: dict[str, Any], file: str, line: int) -> datetime | None:
    """When this version of the incident was written: ``last_status_change_at``, else
    ``updated_at`` (docs/importers.md: the latest version of an incident wins)."""
    for key in ("last_status_change_at", "updated_at"):
        at = parse_utc(inc.get(key), file, line, key)
        if at is not None:
            return at
    return None


def _latest_versions(
    raw: list[dict[str, Any]],
    file: str,
    text: str,
    result: PagerDutyResult,
    bad: set[str],
) -> dict[str, dict[str, Any]]:
    """One version per incident id: the latest ``last_status_change_at``, ties to the later
    one in the file. Each value carries its ``_line`` and ``_version_at``."""
    versions: dict[str, dict[str, Any]] = {}
    for inc in raw:
        inc_id = _s(inc.get("id"))
        line = line_of(text, inc_id)
        if inc_id is None:
            number = inc.get("incident_number")
            what = f" (incident_number {number})" if isinstance(number, int) else ""
            result.rejections.append(InputError(file, line, f"incident without an id{what}"))
            continue
        try:
            version_at = _version_at(inc, file, line)
        except InputError as exc:
            result.rejections.append(_alone(file, exc, inc_id))
            bad.add(inc_id)
            continue
        candidate = {**inc, "_line": line, "_version_at": version_at}
        keep_latest(
            versions,
            inc_id,
            candidate,
            lambda v: v["_version_at"],
            warnings=result.warnings,
            file=file,
            line=line,
            stamp="last_status_change_at; the later one when equal",
        )
    return versions


def _incidents(
    versions: dict[str, dict[str, Any]],
    entries: list[dict[str, Any]],
    severity_by_priority: Mapping[str, int],
    severity_by_urgency: Mapping[str, int],
    file: str,
    result: PagerDutyResult,
    bad: set[str],
    counts: _Counts,
) -> list[Incident]:
    by_incident: dict[str | None, list[dict[str, Any]]] = {}
    for entry in entries:
        by_incident.setdefault(_incident_of(entry), []).append(entry)
    out: list[Incident] = []
    for inc_id, inc in versions.items():
        if inc_id in bad:
            continue
        try:
            incident = _incident(
                inc_id,
                inc,
                by_incident.get(inc_id, []),
                severity_by_priority,
                severity_by_urgency,
                file,
                result.warnings,
                counts,
            )
        except InputError as exc:
            result.rejections.append(_alone(file, exc, inc_id))
            bad.add(inc_id)
            continue
        if incident is not None:
            out.append(incident)
    return sorted(out, key=lambda i: (i.started_at, i.incident_id))


def _severity(
    inc: dict[str, Any],
    severity_by_priority: Mapping[str, int],
    severity_by_urgency: Mapping[str, int],
) -> tuple[int, str] | None:
    """(severity, severity_source) of an incident, or None when nothing maps (docs/importers.md)."""
    priority = _name(inc.get("priority"))
    if priority is not None:
        if match := _SEV_NAME.match(priority):
            return int(match[1]), "pagerduty_priority"
        if (severity := severity_by_priority.get(priority.casefold())) is not None:
            return int(severity), "pagerduty_priority"
    urgency = _s(inc.get("urgency"))
    if urgency is not None and (severity := severity_by_urgency.get(urgency.casefold())):
        return int(severity), "pagerduty_urgency"
    return None


def _incident(
    inc_id: str,
    inc: dict[str, Any],
    mine: list[dict[str, Any]],
    severity_by_priority: Mapping[str, int],
    severity_by_urgency: Mapping[str, int],
    file: str,
    warnings: list[InputWarning],
    counts: _Counts,
) -> Incident | None:
    """One incident row, None when no severity maps (reported); InputError when it is bad."""
    line = inc["_line"]
    started = parse_utc(inc.get("created_at"), file, line, "created_at")
    if started is None:
        raise InputError(file, line, "no created_at")
    resolved = parse_utc(inc.get("resolved_at"), file, line, "resolved_at")
    if resolved is None:
        resolved = next((e["_at"] for e in mine if e["type"] == "resolve_log_entry"), None)
    if resolved is not None and resolved < started:
        raise InputError(
            file,
            line,
            f"resolved at {resolved:%Y-%m-%d %H:%M:%S}Z, before it was created "
            f"({started:%Y-%m-%d %H:%M:%S}Z)",
        )
    mapped = _severity(inc, severity_by_priority, severity_by_urgency)
    if mapped is None:
        priority = _name(inc.get("priority"))
        urgency = _s(inc.get("urgency"))
        said = f"priority {priority!r}" if priority else "no priority"
        warnings.append(
            InputWarning(
                file,
                line,
                f"incident {inc_id} has {said} that [pagerduty] severity_by_priority maps and "
                f"urgency {urgency!r} is not in [pagerduty] severity_by_urgency: not an incident",
            )
        )
        return None
    severity, source = mapped
    if source == "pagerduty_urgency":
        counts.from_urgency += 1
    ack_at, ack_by = _first_ack(inc, mine, file, line, counts)
    team, service = _team_service(inc)
    return Incident(
        incident_id=inc_id,
        title=_s(inc.get("title")) or _s(inc.get("summary")),
        severity=severity,
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
        severity_source=source,
        source_updated_at=inc["_version_at"],
    )


def _first_ack(
    inc: dict[str, Any], entries: list[dict[str, Any]], file: str, line: int, counts: _Counts
) -> tuple[datetime | None, str | None]:
    """First acknowledgement by a user: log entries first (the history), else
    ``acknowledgements[]``. Acks by services or integrations are counted and ignored."""
    acks = [e for e in entries if e["type"] in ACK_TYPES]
    by_users = [e for e in acks if _is_user(e.get("agent"))]
    counts.ignored_acks += len(acks) - len(by_users)
    if by_users:
        return by_users[0]["_at"], _name(by_users[0].get("agent"))
    if acks:
        return None, None
    found = []
    for item in _dicts(inc.get("acknowledgements")):
        if not _is_user(item.get("acknowledger")):
            counts.ignored_acks += 1
            continue
        at = parse_utc(item.get("at"), file, line, "acknowledgements[].at")
        if at is not None:
            found.append((at, _name(item.get("acknowledger"))))
    return min(found, key=lambda a: a[0]) if found else (None, None)


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
