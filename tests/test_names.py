"""The team-name rule (analytics/names.py): the Python function and the SQL macro team_key
(analytics/sql/macros.sql) give the same key, since a team read by a parser (Python) must match
the same team read from people.csv or a CSV export (SQL)."""

from __future__ import annotations

import re

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


# Every kind of whitespace Python or DuckDB knows, and letters whose lower case is special:
# Σ (Python lower-cases a word-final sigma to ς, DuckDB to σ), İ (Python: i + combining dot,
# DuckDB: i), and ordinary letters of several scripts.
_SPACES = sorted({chr(c) for c in range(0x3001) if chr(c).isspace()} | {"\u1680", "\u2007"})
_LETTERS = "aZİıΣσςΟΔÅßẞǅﬃΩКкĲ-_ 0"


@given(
    lead=st.lists(st.sampled_from(_SPACES), max_size=3).map("".join),
    word=st.text(alphabet=st.sampled_from(_LETTERS) | st.characters(), max_size=12),
    trail=st.lists(st.sampled_from(_SPACES), max_size=3).map("".join),
)
@settings(max_examples=300, deadline=None)
def test_team_key_agrees_with_the_sql_macro(con, lead, word, trail):
    written = lead + word + trail
    assert team_key(written) == _sql(con, [written])[0]


def test_team_key_agrees_with_the_sql_macro_on_every_character(con):
    chars = [chr(c) for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF]
    assert [team_key(c) for c in chars] == _sql(con, chars)


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("ΟΔΟΣ", "οδοσ"),  # not Python's "οδος": one key for the word wherever it stands
        ("İzmir", "izmir"),
        ("\tweb\n", "\tweb\n"),  # DuckDB's trim removes spaces, not tabs or line breaks
    ],
)
def test_team_key_is_duckdbs_rule_where_python_would_differ(con, written, key):
    assert team_key(written) == key
    assert _sql(con, [written]) == [key]
