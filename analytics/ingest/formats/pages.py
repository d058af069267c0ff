"""Pages (``pages/*.csv``, ``.json`` or ``.parquet``): one row per notification sent to a
person, read and checked by DuckDB (:mod:`analytics.ingest.tabular`)."""

from __future__ import annotations

from analytics.ingest.formats.base import TABULAR_EXT, Detect, Format
from analytics.ingest.tabular import Column, TableSpec

SPEC = TableSpec(
    "pages",
    (
        Column("page_id", "text", True),
        Column("sent_at", "ts", True),
        Column("recipient", "text", True),
        Column("team", "name", True),
        Column("service", "name"),
        Column("incident_id", "text"),
        Column("acknowledged_at", "ts"),
        Column("acknowledged_by", "text"),
        Column("escalated_at", "ts"),
        Column("urgency", "text"),
    ),
    key="page_id",
    example="page_id,sent_at,recipient,team",
)

FORMAT = Format(
    kind="pages",
    detect=Detect(folders=frozenset({"pages"}), suffixes=TABULAR_EXT),
    tables=("src_pages",),
    spec=SPEC,
)
