"""Opsgenie exports → page rows, incident rows and acknowledgements from alert logs.

Accepted shapes (the mapping is in ``docs/importers.md``):

* alerts: ``{"data": [alert, ...], "took", "requestId"}`` (``GET /v2/alerts``), the
  ``{"data": {alert}}`` single-alert envelope, a bare JSON list of alerts, or one bare alert;
* incidents (``GET /v1/incidents``, they carry ``impactStartDate`` or ``impactedServices``),
  in the same envelopes, alone or mixed with alerts;
* alert logs (``GET /v2/alerts/{id}/logs``): ``{"alertId": "<id>", "data": [log, ...]}``, or
  the plain ``{"data": [...]}`` response saved as ``<alert id>.logs.json``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import PurePath
from typing import Any

from analytics.errors import InputError
from analytics.ingest.readers import line_of, load_json, parse_utc
from analytics.ingest.records import PAGE_COLUMNS, Incident, InputWarning, keep_latest
from analytics.names import team_key

_EXPECTED = (
    'expected Opsgenie alerts or incidents ({"data": [...]}, a list, or one object) or an '
    'alert log ({"alertId": "<id>", "data": [...]} or <alert id>.logs.json)'
)
# Opsgenie's report names automatic actions "System"; that is not a person who responded.
NOT_A_PERSON = frozenset({"system"})
# Opsgenie P1-P5 onto the high/low urgency PagerDuty pages use.
URGENCY_BY_PRIORITY = {"P1": "high", "P2": "high", "P3": "low", "P4": "low", "P5": "low"}
DEFAULT_SEVERITY_BY_PRIORITY: Mapping[str, int] = {"P1": 1, "P2": 2, "P3": 3, "P4": 3, "P5": 3}
LOGS_SUFFIX = ".logs.json"
# Opsgenie ids are UUIDs; a team or service given only so is reported, never stored as a name.
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
# "Alert acknowledged via web", type "Acknowledge"; not "unacknowledged".
_ACK = re.compile(r"(?<![a-z])acknowledged?(?![a-z])", re.I)


@dataclass
class OpsgenieResult:
    """What one Opsgenie export file yields."""

    pages: list[dict[str, Any]] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    # From alert logs: {page_id, acknowledged_at, acknowledged_by, line_no}; the pages view
    # uses one when its alert has no report.ackTime.
    page_acks: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[InputWarning] = field(default_factory=list)
    # Incidents rejected alone: ``file:line: incident <id>: reason``.
    rejections: list[InputError] = field(default_factory=list)


def _s(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _is_incident(item: dict[str, Any]) -> bool:
    return "impactStartDate" in item or "impactedServices" in item


def parse_opsgenie(
    data: bytes | str,
    file: str,
    *,
    severity_by_priority: Mapping[str, int] | None = None,
    team: str | None = None,
) -> OpsgenieResult:
    """Map an Opsgenie export onto page rows (alerts), incidents and alert-log acks.

    Args:
        data: The file's bytes or text (JSON).
        file: The file name used in errors and warnings (``<alert id>.logs.json`` names the
            alert of a plain log response).
        severity_by_priority: Incident priority → severity 1-3 (default P1→1, P2→2, P3-P5→3).
        team: The team of incidents and alerts that name none (``ingest --team``).

    Returns:
        OpsgenieResult: pages (dicts keyed by ``PAGE_COLUMNS``), incidents, page_acks,
        warnings, and the incidents rejected alone.

    Raises:
        InputError: malformed JSON, none of the shapes above, or a bad alert.
    """
    doc, text = load_json(data, file, _EXPECTED)
    result = OpsgenieResult()
    name = PurePath(file).name
    if isinstance(doc, dict) and "alertId" in doc:
        _logs(_s(doc.get("alertId")), doc.get("data"), file, text, result)
        return result
    if name.lower().endswith(LOGS_SUFFIX):
        logs = doc.get("data") if isinstance(doc, dict) else doc
        _logs(_s(name[: -len(LOGS_SUFFIX)]), logs, file, text, result)
        return result
    if isinstance(doc, dict) and "data" in doc:
        doc = doc["data"]
    items = doc if isinstance(doc, list) else [doc]
    pages: dict[str, dict[str, Any]] = {}
    incidents: list[dict[str, Any]] = []
    id_only_teams: set[str] = set()
    for item in items:
        if isinstance(item, dict) and _is_incident(item):
            incidents.append(item)
            continue
        if not isinstance(item, dict) or "createdAt" not in item:
            line = line_of(text, _s(_d(item).get("id")))
            raise InputError(
                file,
                line,
                "neither an alert (no createdAt) nor an incident (no impactStartDate or "
                f"impactedServices); {_EXPECTED}",
            )
        page = _page(item, file, text, result.warnings, id_only_teams, team)
        if page["page_id"] in pages:
            line = line_of(text, page["page_id"])
            result.warnings.append(
                InputWarning(file, line, f"alert {page['page_id']} repeated: kept the last")
            )
        pages[page["page_id"]] = page
    if id_only_teams:
        result.warnings.append(
            InputWarning(
                file,
                1,
                "teams[] carry only ids, kept as the team name: "
                + ", ".join(sorted(id_only_teams)),
            )
        )
    result.pages = sorted(pages.values(), key=lambda p: (p["sent_at"], p["page_id"]))
    by_priority = {
        k.strip().casefold(): v
        for k, v in (severity_by_priority or DEFAULT_SEVERITY_BY_PRIORITY).items()
    }
    result.incidents = _incidents(incidents, by_priority, team, file, text, result)
    return result


# --------------------------------------------------------------------------- incidents


def _incidents(
    raw: list[dict[str, Any]],
    by_priority: Mapping[str, int],
    team: str | None,
    file: str,
    text: str,
    result: OpsgenieResult,
) -> list[Incident]:
    """One row per incident id: the latest ``updatedAt`` wins, ties to the later in the file."""
    chosen: dict[str, Incident] = {}
    ids_only: set[str] = set()
    for item in raw:
        inc_id = _s(item.get("id"))
        line = line_of(text, inc_id)
        if inc_id is None:
            result.rejections.append(InputError(file, line, "incident without an id"))
            continue
        try:
            incident = _incident(inc_id, item, by_priority, team, file, line, ids_only)
        except InputError as exc:
            result.rejections.append(InputError(file, exc.line, f"incident {inc_id}: {exc.reason}"))
            continue
        if incident is None:
            priority = _s(item.get("priority"))
            result.warnings.append(
                InputWarning(
                    file,
                    line,
                    f"incident {inc_id} priority {priority!r} is not in [opsgenie] "
                    "severity_by_priority: not an incident",
                )
            )
            continue
        keep_latest(
            chosen,
            inc_id,
            incident,
            lambda i: i.source_updated_at,
            warnings=result.warnings,
            file=file,
            line=line,
            stamp="updatedAt",
        )
    if ids_only:
        result.warnings.append(
            InputWarning(
                file,
                1,
                "teams or services named only by id are not stored (pass --team for the team): "
                + ", ".join(sorted(ids_only)),
            )
        )
    return sorted(chosen.values(), key=lambda i: (i.started_at, i.incident_id))


def _incident(
    inc_id: str,
    item: dict[str, Any],
    by_priority: Mapping[str, int],
    default_team: str | None,
    file: str,
    line: int,
    ids_only: set[str],
) -> Incident | None:
    created = parse_utc(item.get("createdAt"), file, line, "createdAt")
    if created is None:
        raise InputError(file, line, "no createdAt")
    impact_start = parse_utc(item.get("impactStartDate"), file, line, "impactStartDate")
    impact_end = parse_utc(item.get("impactEndDate"), file, line, "impactEndDate")
    updated = parse_utc(item.get("updatedAt"), file, line, "updatedAt")
    started = impact_start or created
    status = (_s(item.get("status")) or "").casefold()
    resolved = impact_end if status in {"resolved", "closed"} else None
    if resolved is not None and resolved < started:
        raise InputError(
            file,
            line,
            f"impactEndDate {resolved:%Y-%m-%d %H:%M:%S}Z is before it started "
            f"({started:%Y-%m-%d %H:%M:%S}Z)",
        )
    priority = _s(item.get("priority"))
    severity = by_priority.get(priority.casefold()) if priority else None
    if severity is None:
        return None
    team = _named(
        [
            r.get("name") or r.get("id")
            for r in _dicts(item.get("responders"))
            if r.get("type") == "team"
        ]
        + [item.get("ownerTeam")],
        ids_only,
    )
    service = _named(
        [_d(s).get("name") or _d(s).get("id") if isinstance(s, dict) else s
         for s in (item.get("impactedServices") or [])],
        ids_only,
    )  # fmt: skip
    return Incident(
        incident_id=inc_id,
        title=_s(item.get("message")),
        severity=int(severity),
        team=team_key(team or _s(default_team) or "") or None,
        service=team_key(service) if service else None,
        started_at=started,
        detected_at=created,
        detection_method="opsgenie",
        resolved_at=resolved,
        source_kind="opsgenie",
        source_file=file,
        severity_source="opsgenie_priority",
        source_updated_at=updated,
    )


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _named(candidates: list[Any], ids_only: set[str]) -> str | None:
    """The first candidate that is a name; ids (UUIDs) are collected for the report."""
    for value in candidates:
        text = _s(value)
        if text is None:
            continue
        if _UUID.match(text):
            ids_only.add(text)
            continue
        return text
    return None


# --------------------------------------------------------------------------- alert logs


def _logs(alert_id: str | None, logs: Any, file: str, text: str, result: OpsgenieResult) -> None:
    """The first acknowledge log of the alert → one page ack (docs/importers.md)."""
    if alert_id is None or not isinstance(logs, list):
        raise InputError(file, 1, f"an alert log needs an alertId and a data list; {_EXPECTED}")
    acks = []
    for entry in logs:
        if not isinstance(entry, dict):
            raise InputError(file, 1, f"alert log entries must be objects; {_EXPECTED}")
        said = " ".join(filter(None, (_s(entry.get("type")), _s(entry.get("log")))))
        if not _ACK.search(said) or "unacknowledged" in said.lower():
            continue
        line = line_of(text, _s(entry.get("offset")) or _s(entry.get("createdAt")))
        at = parse_utc(entry.get("createdAt"), file, line, "alert log createdAt")
        if at is not None:
            acks.append((at, str(entry.get("offset") or ""), line, entry))
    if not acks:
        result.warnings.append(
            InputWarning(file, 1, f"alert {alert_id}: no acknowledge log: nothing to add")
        )
        return
    at, _offset, line, entry = min(acks, key=lambda a: (a[0], a[1]))
    owner = _s(entry.get("owner"))
    if owner and owner.lower() in NOT_A_PERSON:
        owner = None
    result.page_acks.append(
        {"page_id": alert_id, "acknowledged_at": at, "acknowledged_by": owner, "line_no": line}
    )


# --------------------------------------------------------------------------- alerts


def _page(
    alert: dict[str, Any],
    file: str,
    text: str,
    warnings: list[InputWarning],
    id_only_teams: set[str],
    default_team: str | None,
) -> dict[str, Any]:
    page_id = _s(alert.get("id"))
    line = line_of(text, page_id)
    if page_id is None:
        raise InputError(file, line, "alert without an id")
    sent_at = parse_utc(alert.get("createdAt"), file, line, f"alert {page_id} createdAt")
    if sent_at is None:
        raise InputError(file, line, f"alert {page_id} has an empty createdAt")

    report = _d(alert.get("report"))
    acked_by = _s(report.get("acknowledgedBy"))
    if acked_by and acked_by.lower() in NOT_A_PERSON:
        warnings.append(
            InputWarning(
                file,
                line,
                f"alert {page_id} acknowledged by {acked_by!r}, not a person: "
                "acknowledged_by left empty",
            )
        )
        acked_by = None
    ack_ms = report.get("ackTime")
    acknowledged_at = None
    if ack_ms is not None:
        if isinstance(ack_ms, bool) or not isinstance(ack_ms, int | float) or ack_ms < 0:
            raise InputError(
                file,
                line,
                f"alert {page_id} report.ackTime {ack_ms!r} is not a duration in milliseconds",
            )
        try:
            acknowledged_at = sent_at + timedelta(milliseconds=ack_ms)
        except (OverflowError, ValueError):
            reason = f"alert {page_id} report.ackTime {ack_ms!r} is out of range"
            raise InputError(file, line, reason) from None

    recipient = acked_by or _s(alert.get("owner")) or _user_responder(alert)
    if recipient is None:
        warnings.append(
            InputWarning(
                file,
                line,
                f"alert {page_id} names no person (no acknowledgedBy, owner or named user "
                "responder): recipient 'unknown'",
            )
        )
    team = None
    teams = alert.get("teams")
    for t in teams if isinstance(teams, list) else []:
        team = _s(_d(t).get("name"))
        if team is None and (team := _s(_d(t).get("id"))):
            id_only_teams.add(team)
        if team:
            break
    priority = _s(alert.get("priority"))
    return dict(
        zip(
            PAGE_COLUMNS,
            (
                page_id,
                sent_at,
                recipient or "unknown",
                team_key(team or _s(default_team) or "unknown"),
                None,
                None,
                acknowledged_at,
                acked_by,
                None,
                URGENCY_BY_PRIORITY.get(priority.upper()) if priority else None,
            ),
            strict=True,
        )
    )


def _user_responder(alert: dict[str, Any]) -> str | None:
    """The first user responder's name or username (responders usually carry only ids)."""
    responders = alert.get("responders")
    for resp in responders if isinstance(responders, list) else []:
        resp = _d(resp)
        if resp.get("type") == "user" and (
            name := _s(resp.get("name")) or _s(resp.get("username"))
        ):
            return name
    return None
