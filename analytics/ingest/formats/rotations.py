"""On-call rotations (``rotations/*.csv``, ``.json`` or ``.parquet``): who held the pager
when, read and checked by DuckDB (:mod:`analytics.ingest.tabular`). An ``.ics`` calendar in
``rotations/`` is the ``ics`` format."""

from __future__ import annotations

from analytics.ingest.formats.base import TABULAR_EXT, Detect, Format
from analytics.ingest.tabular import Column, TableSpec

SPEC = TableSpec(
    "rotations",
    (
        Column("team", "name", True),
        Column("engineer", "text", True),
        Column("start", "ts", True),
        Column("end", "ts", True),
        Column("override", "bool"),
    ),
    key=None,
    example="team,engineer,start,end,override",
)

FORMAT = Format(
    kind="rotations",
    detect=Detect(folders=frozenset({"rotations"}), suffixes=TABULAR_EXT),
    tables=("src_rotations",),
    spec=SPEC,
)
