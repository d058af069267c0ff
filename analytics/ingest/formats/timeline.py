"""Incident documents (``timelines/`` or ``postmortems/``, Markdown or text): the incident,
its timeline events and action items, and its review part when it has one. Parsed in worker
processes, many documents per task (:mod:`analytics.ingest.staging`). The parsers are
:mod:`analytics.ingest.timelines` and :mod:`analytics.ingest.reviews`."""

from __future__ import annotations

from analytics.ingest.formats.base import (
    DOCUMENT_EXT,
    NOT_DOCUMENTS,
    Context,
    Detect,
    Format,
    Parsed,
)
from analytics.ingest.readers import MAX_DOCUMENT_BYTES
from analytics.ingest.records import InputWarning


def parse(data: bytes, ctx: Context) -> Parsed:
    """One document; its rows are the records themselves (turned into columns in bulk).

    Decoded and cut into lines once; the review parser's scan (IMPACT text, review sections)
    and the timeline parser read the same lines."""
    from analytics.ingest import reviews
    from analytics.ingest.timelines import _decode, parse_decoded, split_lines

    body = _decode(data, ctx.display)
    lines = split_lines(body)
    failure: Exception | None = None
    impact = None
    try:
        scan = reviews.scan_lines(lines, ctx.display)
        impact = reviews.impact_text(scan)
    except Exception as exc:  # the review part (docs/inputs.md) never costs the incident its load
        failure = exc
    doc = parse_decoded(
        body,
        lines,
        ctx.display,
        classify=ctx.policy.classify_event,
        classify_other=ctx.policy.classify_event_other,
        now=ctx.now,
        impact_text=impact,
    )
    if failure is None:
        try:
            doc = reviews.add_review(scan, doc)
        except Exception as exc:
            failure = exc
    if failure is not None:
        doc.warnings.append(
            InputWarning(
                ctx.display, 1, f"review sections not read: internal error ({failure!r:.80})"
            )
        )
    rows: dict[str, list] = {
        "src_incidents": [doc.incident],
        "src_timeline_events": doc.events,
        "src_action_items": list(doc.action_items),
    }
    if doc.review is not None:
        rows["src_reviews"] = [doc.review.review]
        rows["src_review_lines"] = doc.review.lines
        rows["src_action_items"].extend(doc.review.action_items)
    return Parsed(
        rows=rows,
        count=1 + len(doc.events) + len(doc.action_items),
        warnings=[str(w) for w in doc.warnings],
        incident_ids=[doc.incident.incident_id],
    )


FORMAT = Format(
    kind="timeline",
    detect=Detect(
        folders=frozenset({"timelines", "postmortems"}),
        suffixes=DOCUMENT_EXT,
        skip_names=NOT_DOCUMENTS,
    ),
    tables=(
        "src_incidents",
        "src_timeline_events",
        "src_action_items",
        "src_reviews",
        "src_review_lines",
    ),
    parse=parse,
    document=True,
    max_bytes=MAX_DOCUMENT_BYTES,
)
