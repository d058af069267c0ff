"""Post-incident review documents (``reviews/*.md``): the review, its root-cause and
improvement lines, its action items. The parser is :mod:`analytics.ingest.reviews`."""

from __future__ import annotations

from analytics.ingest.formats.base import (
    DOCUMENT_EXT,
    NOT_DOCUMENTS,
    Context,
    Detect,
    Format,
    Parsed,
    review_rows,
)
from analytics.ingest.readers import MAX_DOCUMENT_BYTES


def parse(data: bytes, ctx: Context) -> Parsed:
    from analytics.ingest.reviews import parse_review

    doc = parse_review(data, ctx.display)
    return Parsed(
        rows=review_rows(doc),
        count=1 + len(doc.lines) + len(doc.action_items),
        warnings=[str(w) for w in doc.warnings],
    )


FORMAT = Format(
    kind="review",
    detect=Detect(folders=frozenset({"reviews"}), suffixes=DOCUMENT_EXT, skip_names=NOT_DOCUMENTS),
    tables=("src_reviews", "src_review_lines", "src_action_items"),
    parse=parse,
    max_bytes=MAX_DOCUMENT_BYTES,
)
