"""iCalendar on-call schedules (``*.ics``, anywhere): rotation rows. The parser is
:mod:`analytics.ingest.ics`."""

from __future__ import annotations

from analytics.ingest.formats.base import (
    Context,
    Detect,
    Format,
    Parsed,
    RecordChecks,
    rotation_rows,
)
from analytics.ingest.readers import MAX_JSON_BYTES


def parse(data: bytes, ctx: Context) -> Parsed:
    from analytics.ingest.ics import parse_ics

    result = parse_ics(data, ctx.display, team=ctx.team, now=ctx.now)
    checks = RecordChecks(ctx)
    checks.check(rotations=result.rotations)
    return Parsed(
        rows={"src_rotations": rotation_rows(result.rotations)},
        count=len(result.rotations),
        warnings=checks.warnings + [str(w) for w in result.warnings],
    )


FORMAT = Format(
    kind="ics",
    detect=Detect(suffixes=frozenset({".ics"})),
    tables=("src_rotations",),
    parse=parse,
    max_bytes=MAX_JSON_BYTES,
)
