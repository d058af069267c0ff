"""Issue-tracker exports (``action_items/``, ``tracker/`` or ``jira/``; Jira CSV or JSON):
the tickets of action items. The parser is :mod:`analytics.ingest.jira`."""

from __future__ import annotations

from analytics.ingest.formats.base import Context, Detect, Format, Parsed, RecordChecks
from analytics.ingest.readers import MAX_JSON_BYTES


def parse(data: bytes, ctx: Context) -> Parsed:
    from analytics.ingest import jira

    if ctx.path.suffix.lower() == ".json":
        result = jira.parse_jira_json(data, ctx.display, timezone=ctx.policy.tracker_timezone)
    else:
        result = jira.parse_jira_csv(
            data,
            ctx.display,
            date_format=ctx.date_format,
            column_aliases=dict(ctx.policy.tracker_column_aliases),
            timezone=ctx.policy.tracker_timezone,
        )
    checks = RecordChecks(ctx)
    items = checks.tracker_rows(result.items)
    rows = []
    for i, it in enumerate(items, start=1):
        r = {k: it.get(k) for k in jira.ITEM_KEYS}
        r["line_no"] = it.get("line_no", i)
        rows.append(r)
    return Parsed(
        rows={"src_tracker_items": rows},
        count=len(items),
        warnings=[str(w) for w in result.warnings],
        rejections=[str(e) for e in result.rejections] + checks.rejections,
    )


FORMAT = Format(
    kind="tracker",
    detect=Detect(
        folders=frozenset({"action_items", "tracker", "jira"}),
        suffixes=frozenset({".csv", ".json"}),
    ),
    tables=("src_tracker_items",),
    parse=parse,
    max_bytes=MAX_JSON_BYTES,
)
