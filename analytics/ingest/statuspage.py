"""Status-page history (Atlassian Statuspage API v2 exports) → incidents and status updates.

Accepted shapes (the mapping is in ``docs/importers.md``):
``{"incidents": [...]}`` (``GET /incidents.json``), ``{"incident": {...}}``,
``{"page": {...}, "incident": {...}}`` (one incident per file, as a status-page archive keeps
them), a bare incident object, or a JSON list of incidents.

Every ``incident_updates[]`` element becomes a ``status_update`` timeline event: the page's
own record of when the public was told, which the playbook's cadence rule is about.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from analytics.errors import InputError
from analytics.ingest.readers import line_of, load_json, parse_utc
from analytics.ingest.records import Incident, InputWarning, TimelineEvent, keep_latest
from analytics.names import team_key

_EXPECTED = (
    'expected a Statuspage export: {"incidents": [...]}, {"incident": {...}}, '
    '{"page": ..., "incident": {...}}, a list of incidents or one incident'
)
DEFAULT_SEVERITY_BY_IMPACT: Mapping[str, int] = {"critical": 1, "major": 2, "minor": 3, "none": 3}
MITIGATED_STATUS = "monitoring"  # the first update in this status mitigates the incident


@dataclass
class StatuspageResult:
    """What one Statuspage export file yields."""

    incidents: list[Incident] = field(default_factory=list)
    events: list[TimelineEvent] = field(default_factory=list)
    warnings: list[InputWarning] = field(default_factory=list)
    # Incidents rejected alone: ``file:line: incident <id>: reason``.
    rejections: list[InputError] = field(default_factory=list)
    maintenance: int = 0  # scheduled maintenances skipped
    zero_duration: int = 0  # resolved at the instant they started: recorded after the fact


def _s(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _is_incident(item: Any) -> bool:
    return isinstance(item, dict) and (
        "incident_updates" in item or ("impact" in item and "id" in item)
    )


def parse_statuspage(
    data: bytes | str,
    file: str,
    *,
    severity_by_impact: Mapping[str, int] | None = None,
    team: str | None = None,
) -> StatuspageResult:
    """Map a Statuspage export onto incidents and their status updates.

    Args:
        data: The file's bytes or text (JSON).
        file: The file name used in errors and warnings.
        severity_by_impact: Impact (critical, major, minor, none) → severity 1-3
            (default :data:`DEFAULT_SEVERITY_BY_IMPACT`).
        team: The team of the incidents (``[statuspage] team``, else ``ingest --team``).

    Returns:
        StatuspageResult: incidents, ``status_update`` events, warnings, the incidents
        rejected alone, and the counts of maintenances skipped and zero-duration incidents.

    Raises:
        InputError: malformed JSON or none of the shapes above.
    """
    doc, text = load_json(data, file, _EXPECTED)
    if isinstance(doc, dict) and isinstance(doc.get("incidents"), list):
        raw = doc["incidents"]
    elif isinstance(doc, dict) and isinstance(doc.get("incident"), dict):
        raw = [doc["incident"]]
    elif isinstance(doc, list):
        raw = doc
    elif _is_incident(doc):
        raw = [doc]
    else:
        raw = None
    if raw is None or not all(_is_incident(item) for item in raw):
        bad = next((i for i in raw or [] if not _is_incident(i)), None)
        line = line_of(text, _s(bad.get("id")) if isinstance(bad, dict) else None)
        raise InputError(file, line, _EXPECTED)
    by_impact = {
        k.strip().casefold(): v
        for k, v in (severity_by_impact or DEFAULT_SEVERITY_BY_IMPACT).items()
    }
    result = StatuspageResult()
    chosen: dict[str, tuple[Incident, list[TimelineEvent]]] = {}
    for item in raw:
        inc_id = _s(item.get("id"))
        line = line_of(text, inc_id)
        if inc_id is None:
            result.rejections.append(InputError(file, line, "incident without an id"))
            continue
        try:
            parsed = _incident(inc_id, item, by_impact, team, file, text, line, result)
        except InputError as exc:
            result.rejections.append(InputError(file, exc.line, f"incident {inc_id}: {exc.reason}"))
            continue
        if parsed is None:
            continue
        keep_latest(
            chosen,
            inc_id,
            parsed,
            lambda p: p[0].source_updated_at,
            warnings=result.warnings,
            file=file,
            line=line,
            stamp="updated_at",
        )
    for incident, events in sorted(
        chosen.values(), key=lambda p: (p[0].started_at, p[0].incident_id)
    ):
        result.incidents.append(incident)
        result.events.extend(events)
        if incident.resolved_at == incident.started_at:
            result.zero_duration += 1
    if result.maintenance:
        result.warnings.append(
            InputWarning(
                file,
                1,
                f"{result.maintenance} scheduled maintenance(s) skipped: not incidents",
            )
        )
    return result


def _incident(
    inc_id: str,
    item: dict[str, Any],
    by_impact: Mapping[str, int],
    team: str | None,
    file: str,
    text: str,
    line: int,
    result: StatuspageResult,
) -> tuple[Incident, list[TimelineEvent]] | None:
    impact = _s(item.get("impact_override")) or _s(item.get("impact"))
    if (impact or "").casefold() == "maintenance" or _s(item.get("scheduled_for")):
        result.maintenance += 1
        return None
    created = parse_utc(item.get("created_at"), file, line, "created_at")
    started = parse_utc(item.get("started_at"), file, line, "started_at") or created
    if started is None:
        raise InputError(file, line, "no started_at or created_at")
    resolved = parse_utc(item.get("resolved_at"), file, line, "resolved_at")
    updated = parse_utc(item.get("updated_at"), file, line, "updated_at")
    if resolved is not None and resolved < started:
        raise InputError(
            file,
            line,
            f"resolved at {resolved:%Y-%m-%d %H:%M:%S}Z, before it started "
            f"({started:%Y-%m-%d %H:%M:%S}Z)",
        )
    severity = by_impact.get(impact.casefold()) if impact else None
    if severity is None:
        result.warnings.append(
            InputWarning(
                file,
                line,
                f"incident {inc_id} impact {impact!r} is not in [statuspage] severity_by_impact: "
                "not an incident",
            )
        )
        return None
    if resolved is not None and resolved == started:
        result.warnings.append(
            InputWarning(
                file,
                line,
                f"incident {inc_id} resolved at the instant it started (recorded after the "
                "fact): loaded, left out of MTTR, MTTM and cadence",
            )
        )
    events = []
    for update in _dicts(item.get("incident_updates")):
        update_line = line_of(text, _s(update.get("id")))
        at = parse_utc(update.get("display_at"), file, update_line, "incident_updates[].display_at")
        at = at or parse_utc(
            update.get("created_at"), file, update_line, "incident_updates[].created_at"
        )
        if at is None:
            raise InputError(
                file, update_line, "an incident update without display_at or created_at"
            )
        status = _s(update.get("status")) or "update"
        body = _s(update.get("body")) or ""
        events.append(
            TimelineEvent(inc_id, at, "status_update", f"{status}: {body}".strip(), update_line)
        )
    events.sort(key=lambda e: (e.occurred_at, e.line_no))
    mitigated = next(
        (e.occurred_at for e in events if e.text.casefold().startswith(MITIGATED_STATUS + ":")),
        None,
    )
    components = _dicts(item.get("components"))
    service = next((name for c in components if (name := _s(c.get("name")))), None)
    incident = Incident(
        incident_id=inc_id,
        title=_s(item.get("name")),
        severity=int(severity),
        team=team_key(_s(team) or "") or None,
        service=team_key(service) if service else None,
        started_at=started,
        detected_at=None,
        detection_method="status page",
        mitigated_at=mitigated,
        mitigation="monitoring" if mitigated else None,
        resolved_at=resolved,
        source_kind="statuspage",
        source_file=file,
        severity_source="statuspage_impact",
        source_updated_at=updated,
    )
    return incident, events
