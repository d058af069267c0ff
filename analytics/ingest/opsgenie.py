"""Opsgenie alerts (``GET /v2/alerts``, ``GET /v2/alerts/{id}``) → page rows.

Accepted shapes: the ``{"data": [alert, ...], "took", "requestId"}`` list envelope, the
``{"data": {alert}}`` single-alert envelope, a bare JSON list of alerts, or one bare alert.
The mapping is in ``docs/importers.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from analytics.errors import InputError
from analytics.ingest.pagerduty import line_of, load_json, parse_utc
from analytics.ingest.records import PAGE_COLUMNS, InputWarning

_EXPECTED = 'expected Opsgenie alerts: {"data": [alert, ...]}, a list of alerts or one alert'
# Opsgenie's report names automatic actions "System"; that is not a person who responded.
NOT_A_PERSON = frozenset({"system"})
# Opsgenie P1-P5 onto the high/low urgency PagerDuty pages use.
URGENCY_BY_PRIORITY = {"P1": "high", "P2": "high", "P3": "low", "P4": "low", "P5": "low"}


@dataclass
class OpsgenieResult:
    """What one Opsgenie export file yields."""

    pages: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[InputWarning] = field(default_factory=list)


def _s(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def parse_opsgenie(data: bytes | str, file: str) -> OpsgenieResult:
    """Map an Opsgenie alert export onto page rows, one per alert.

    Args:
        data: The file's bytes or text (JSON).
        file: The file name used in errors and warnings.

    Returns:
        OpsgenieResult: pages (dicts keyed by ``PAGE_COLUMNS``) and warnings.

    Raises:
        InputError: malformed JSON, not an alert export, or an alert without id/createdAt.
    """
    doc, text = load_json(data, file, _EXPECTED)
    if isinstance(doc, dict) and "data" in doc:
        doc = doc["data"]
    alerts = doc if isinstance(doc, list) else [doc]
    result = OpsgenieResult()
    pages: dict[str, dict[str, Any]] = {}
    id_only_teams: set[str] = set()
    for alert in alerts:
        if not isinstance(alert, dict) or "createdAt" not in alert:
            line = line_of(text, _s(_d(alert).get("id")))
            raise InputError(file, line, f"not an Opsgenie alert (no createdAt); {_EXPECTED}")
        if "impactStartDate" in alert or "impactedServices" in alert:
            line = line_of(text, _s(alert.get("id")))
            raise InputError(
                file, line, f"an Opsgenie incident, not an alert; {_EXPECTED} (GET /v2/alerts)"
            )
        page = _page(alert, file, text, result.warnings, id_only_teams)
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
    return result


def _page(
    alert: dict[str, Any],
    file: str,
    text: str,
    warnings: list[InputWarning],
    id_only_teams: set[str],
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
                team.lower() if team else "unknown",
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
