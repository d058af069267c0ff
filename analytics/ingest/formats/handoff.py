"""Hand-off notes (``handoffs/*.md``): one note per file. The parser is
:mod:`analytics.ingest.handoffs`."""

from __future__ import annotations

from analytics.ingest.formats.base import (
    DOCUMENT_EXT,
    NOT_DOCUMENTS,
    Context,
    Detect,
    Format,
    Parsed,
    RecordChecks,
    row,
)
from analytics.ingest.readers import MAX_DOCUMENT_BYTES


def parse(data: bytes, ctx: Context) -> Parsed:
    from analytics.ingest.handoffs import parse_handoff

    parsed = parse_handoff(data, ctx.display)
    checks = RecordChecks(ctx)
    checks.check(notes=[parsed.note])
    return Parsed(
        rows={"src_handoffs": [row(parsed.note)]},
        count=1,
        warnings=checks.warnings + [str(w) for w in parsed.warnings],
    )


FORMAT = Format(
    kind="handoff",
    detect=Detect(folders=frozenset({"handoffs"}), suffixes=DOCUMENT_EXT, skip_names=NOT_DOCUMENTS),
    tables=("src_handoffs",),
    parse=parse,
    max_bytes=MAX_DOCUMENT_BYTES,
)
