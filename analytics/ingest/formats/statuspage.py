"""Atlassian Statuspage exports (``statuspage/*.json``): incidents and their status updates.
The parser is :mod:`analytics.ingest.statuspage`."""

from __future__ import annotations

from analytics.ingest.formats.base import (
    Context,
    Detect,
    Format,
    Parsed,
    RecordChecks,
    partly_rejected,
    row,
)
from analytics.ingest.readers import MAX_JSON_BYTES


def parse(data: bytes, ctx: Context) -> Parsed:
    from analytics.ingest.statuspage import parse_statuspage

    result = parse_statuspage(
        data,
        ctx.display,
        severity_by_impact=dict(ctx.policy.statuspage_severity_by_impact),
        team=ctx.policy.statuspage_team or ctx.team,
    )
    checks = RecordChecks(ctx)
    checks.check(result.incidents)
    parsed = Parsed(
        rows={
            "src_incidents": [row(inc) for inc in result.incidents],
            "src_timeline_events": [row(e) for e in result.events],
        },
        count=len(result.incidents) + len(result.events),
        warnings=checks.warnings + [str(w) for w in result.warnings],
    )
    return partly_rejected(parsed, result.rejections)


FORMAT = Format(
    kind="statuspage",
    detect=Detect(folders=frozenset({"statuspage"}), suffixes=frozenset({".json"})),
    tables=("src_incidents", "src_timeline_events"),
    parse=parse,
    max_bytes=MAX_JSON_BYTES,
)
