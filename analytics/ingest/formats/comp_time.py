"""Compensatory time taken (``comp_time/*.csv``, ``.json`` or ``.parquet``): engineer, day and
hours, read and checked by DuckDB (:mod:`analytics.ingest.tabular`)."""

from __future__ import annotations

from analytics.ingest.formats.base import TABULAR_EXT, Detect, Format
from analytics.ingest.tabular import Column, TableSpec

SPEC = TableSpec(
    "comp_time",
    (
        Column("engineer", "text", True),
        Column("taken_on", "date", True),
        Column("hours", "hours", True),
    ),
    key=None,
    example="engineer,taken_on,hours",
)

FORMAT = Format(
    kind="comp_time",
    detect=Detect(folders=frozenset({"comp_time"}), suffixes=TABULAR_EXT),
    tables=("src_comp_time",),
    spec=SPEC,
)
