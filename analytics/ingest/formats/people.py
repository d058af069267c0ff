"""The people file (``people.csv``, anywhere): employee id, team, time zone, e-mail and
country of each engineer, read and checked by DuckDB (:mod:`analytics.ingest.tabular`)."""

from __future__ import annotations

from analytics.ingest.formats.base import Detect, Format
from analytics.ingest.tabular import Column, TableSpec

SPEC = TableSpec(
    "people",
    (
        Column("engineer", "text", True),
        Column("employee_id", "text"),
        Column("team", "name"),
        Column("timezone", "text", default="UTC"),
        Column("email", "text"),
        Column("country", "code"),
    ),
    key=None,
    example="engineer,employee_id,team,timezone,email,country",
)

FORMAT = Format(
    kind="people",
    detect=Detect(names=frozenset({"people.csv"})),
    tables=("src_people",),
    spec=SPEC,
)
