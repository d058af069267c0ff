"""PagerDuty REST API v2 exports (``pagerduty/*.json``): incidents, pages and rotation rows.
The parser is :mod:`analytics.ingest.pagerduty`; docs/importers.md describes the shapes."""

from __future__ import annotations

from analytics.ingest.formats.base import (
    Context,
    Detect,
    Format,
    Parsed,
    RecordChecks,
    page_rows,
    partly_rejected,
    rotation_rows,
    row,
)
from analytics.ingest.readers import MAX_JSON_BYTES


def parse(data: bytes, ctx: Context) -> Parsed:
    from analytics.ingest.pagerduty import parse_pagerduty

    result = parse_pagerduty(
        data,
        ctx.display,
        severity_by_priority=dict(ctx.policy.pagerduty_severity_by_priority),
        severity_by_urgency=dict(ctx.policy.pagerduty_severity_by_urgency),
    )
    checks = RecordChecks(ctx)
    checks.check(result.incidents, result.pages, result.rotations)
    parsed = Parsed(
        rows={
            "src_incidents": [row(inc) for inc in result.incidents],
            "src_pages": page_rows(result.pages),
            "src_rotations": rotation_rows(result.rotations),
        },
        count=len(result.incidents) + len(result.pages) + len(result.rotations),
        warnings=checks.warnings + [str(w) for w in result.warnings],
    )
    return partly_rejected(parsed, result.rejections)


FORMAT = Format(
    kind="pagerduty",
    detect=Detect(folders=frozenset({"pagerduty"}), suffixes=frozenset({".json"})),
    tables=("src_incidents", "src_pages", "src_rotations"),
    parse=parse,
    max_bytes=MAX_JSON_BYTES,
)
