"""The team-name rule (analytics/names.py): the Python function and the SQL macro team_key
(analytics/sql/macros.sql) give the same key, since a team read by a parser (Python) must match
the same team read from people.csv or a CSV export (SQL)."""

from __future__ import annotations

import re

import duckdb
import pytest

from analytics import sqlgraph
from analytics.names import team_key


@pytest.fixture(scope="module")
def con():
    # only the team_key macro of macros.sql: the others read tables this connection lacks
    body = sqlgraph.graph().models["macros.sql"].body
    [macro] = re.findall(r"^create or replace macro team_key\(.*?;$", body, re.MULTILINE)
    c = duckdb.connect()
    c.execute(macro)
    yield c
    c.close()


def _sql(con, names: list[str]) -> list[str]:
    return [r[0] for r in con.execute("select team_key(unnest($n))", {"n": names}).fetchall()]


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("web", "web"),
        (" Web ", "web"),
        ("PAYMENTS-API", "payments-api"),
        ("\u00a0Search\u3000", "search"),  # no-break and ideographic spaces are trimmed
        ("data platform", "data platform"),  # inner spaces stay
        ("", ""),
    ],
)
def test_team_key_trims_and_lower_cases(con, written, key):
    assert team_key(written) == key
    assert _sql(con, [written]) == [key]
