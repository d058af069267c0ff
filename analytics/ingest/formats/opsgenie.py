"""Opsgenie alert and incident exports (``opsgenie/*.json``): incidents, pages and their
acknowledgements. The parser is :mod:`analytics.ingest.opsgenie`."""

from __future__ import annotations

from analytics.ingest.formats.base import (
    Context,
    Detect,
    Format,
    Parsed,
    RecordChecks,
    page_rows,
    partly_rejected,
    row,
)
from analytics.ingest.readers import MAX_JSON_BYTES


def parse(data: bytes, ctx: Context) -> Parsed:
    from analytics.ingest.opsgenie import parse_opsgenie

    result = parse_opsgenie(
        data,
        ctx.display,
        severity_by_priority=dict(ctx.policy.opsgenie_severity_by_priority),
        team=ctx.team,
    )
    checks = RecordChecks(ctx)
    checks.check(result.incidents, result.pages)
    parsed = Parsed(
        rows={
            "src_incidents": [row(inc) for inc in result.incidents],
            "src_pages": page_rows(result.pages),
            "src_page_acks": [dict(a) for a in result.page_acks],
        },
        count=len(result.incidents) + len(result.pages) + len(result.page_acks),
        warnings=checks.warnings + [str(w) for w in result.warnings],
    )
    return partly_rejected(parsed, result.rejections)


FORMAT = Format(
    kind="opsgenie",
    detect=Detect(folders=frozenset({"opsgenie"}), suffixes=frozenset({".json"})),
    tables=("src_incidents", "src_pages", "src_page_acks"),
    parse=parse,
    max_bytes=MAX_JSON_BYTES,
)
