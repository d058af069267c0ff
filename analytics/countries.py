"""People's countries and their public holidays (docs/metrics.md "One calendar per person").

``people.csv`` may name a ``country`` per person: an ISO 3166-1 alpha-2 code, optionally with a
subdivision (``DE-BY``), as the ``holidays`` package knows them. Codes are matched and stored
upper-cased (``de-by`` is ``DE-BY``). At the end of each ingest :func:`write_country_holidays`
writes the public holidays of every country named, for the years the shifts and pages span, into
the ``country_holidays`` table; the person-calendar macros (``sql/macros.sql``) read it, and fall
back to the policy's ``holidays`` for a person without a country.
"""

from __future__ import annotations

import functools
from datetime import date

import duckdb

from analytics import sqlgraph
from analytics.db import sql_text

__all__ = [
    "ACCEPTED_FORM",
    "country_codes",
    "holiday_rows",
    "is_accepted",
    "register_codes",
    "write_country_holidays",
]

ACCEPTED_FORM = (
    "expected an ISO 3166-1 country code known to the holidays package, optionally with a "
    "subdivision, such as US, DE or DE-BY"
)

# Pages and shifts near a year's edge fall on a local date of the next or previous year in
# some zone (UTC 31 Dec 23:00 is already 1 Jan in Berlin), so one year more on each side.
_YEAR_MARGIN = 1


@functools.cache
def _supported() -> dict[str, tuple[str, str | None]]:
    """Every accepted code, upper-cased, to the (country, subdivision) the package spells."""
    import holidays  # imported here: it is slow to import and most commands never need it

    codes: dict[str, tuple[str, str | None]] = {}
    for country, subdivisions in holidays.list_supported_countries(include_aliases=False).items():
        codes[country.upper()] = (country, None)
        for subdivision in subdivisions:
            codes[f"{country}-{subdivision}".upper()] = (country, subdivision)
    return codes


def is_accepted(code: str) -> bool:
    """Whether ``code`` (any case, trimmed) is an accepted ``country`` value."""
    return code.strip().upper() in _supported()


def country_codes() -> list[str]:
    """The accepted ``country`` values, upper-cased (``DE``, ``DE-BY``, ...), sorted."""
    return sorted(_supported())


def register_codes(con: duckdb.DuckDBPyConnection) -> str:
    """A TEMP table of the accepted codes on ``con`` (one column ``code``); returns its name."""
    table = "__country_codes"
    exists = con.execute(
        "select count(*) from duckdb_tables() where temporary and table_name = $name",
        {"name": table},
    ).fetchone()[0]
    if not exists:
        con.execute(
            f"create temp table {table} as select unnest($codes::varchar[]) as code",
            {"codes": country_codes()},
        )
    return table


def holiday_rows(code: str, first_year: int, last_year: int) -> list[tuple[str, date, str]]:
    """Public holidays of one accepted ``code`` in the years given, both included.

    Returns:
        ``(code, date, name)`` in date order; ``[]`` for an unknown code or an empty range.
    """
    found = _supported().get(code.strip().upper())
    if found is None or first_year > last_year:
        return []
    import holidays

    country, subdivision = found
    calendar = holidays.country_holidays(
        country, subdiv=subdivision, years=range(first_year, last_year + 1)
    )
    return [(code.strip().upper(), day, name) for day, name in sorted(calendar.items())]


_CODES, _YEARS = "queries/countries_codes.sql", "queries/countries_years.sql"


def write_country_holidays(con: duckdb.DuckDBPyConnection) -> int:
    """Replace ``country_holidays`` with the holidays of every country in people.csv.

    The years are those of the on-call shifts and pages stored, one more on each side; nothing
    is written when there are none. Returns the number of rows written.
    """
    con.execute("delete from country_holidays")
    # The holidays are written before install_views (the facts it stores read them), so the
    # views these queries read are built first; install_views builds them again with the rest.
    sqlgraph.install_upstream_of(con, _CODES, _YEARS)
    codes = [r[0] for r in con.execute(sql_text(_CODES)).fetchall()]
    if not codes:
        return 0
    [(first_year, last_year)] = con.execute(sql_text(_YEARS)).fetchall()
    if first_year is None:
        return 0
    rows = [
        row
        for code in codes
        for row in holiday_rows(code, first_year - _YEAR_MARGIN, last_year + _YEAR_MARGIN)
    ]
    if rows:
        con.executemany("insert into country_holidays values ($1, $2, $3)", rows)
    return len(rows)
