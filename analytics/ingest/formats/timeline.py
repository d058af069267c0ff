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
    """One document; its rows are the records themselves (turned into columns in bulk)."""
    from analytics.ingest.reviews import timeline_review
    from analytics.ingest.timelines import parse_timeline

    doc = parse_timeline(
        data,
        ctx.display,
        classify=ctx.policy.classify_event,
        classify_other=ctx.policy.classify_event_other,
        now=ctx.now,
    )
    try:
        doc = timeline_review(data, doc)
    except Exception as exc:  # the review part (SPEC §14) must never cost the incident its load
        doc.warnings.append(
            InputWarning(ctx.display, 1, f"review sections not read: internal error ({exc!r:.80})")
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
