"""The comp-time ledger as the ``comp-time`` command and the reports read it (docs/payroll.md).

The figures are the stored view ``comp_time_ledger`` (sql/marts/comp_time_ledger.sql): a
reader given ``--as-of`` or ``--policy`` shadows the report time and the policy with TEMP
tables, so the same view answers for any moment and policy (docs/payroll.md).
"""

from __future__ import annotations

import duckdb

from analytics.errors import UsageError
from analytics.periods import month as parse_month

__all__ = ["LEDGER_COLUMNS", "ledger"]

LEDGER_COLUMNS = (
    "engineer",
    "employee_id",
    "team",
    "month",
    "owed_hours",
    "taken_hours",
    "expired_hours",
    "balance_hours",
)


def month_label(month: str | None) -> str | None:
    """The ``YYYY-MM`` label of ``month`` (None for every month); a :class:`UsageError` naming
    ``--month`` when it is not a calendar month. Needs no warehouse, so the command checks it
    before opening one."""
    try:
        return None if month is None else parse_month(month).label
    except UsageError as exc:
        raise UsageError(f"--month: {exc}") from None


def ledger(
    con: duckdb.DuckDBPyConnection, *, engineer: str | None = None, month: str | None = None
):
    """The ledger rows (a DataFrame, hours as Decimal), by engineer then month.

    Args:
        con: A reader connection (its as_of and policy are the ledger's).
        engineer: Only this engineer, matched case-insensitively after trimming.
        month: Only this calendar month, ``YYYY-MM`` (:func:`analytics.periods.month`).

    Raises:
        UsageError: ``month`` is not a month, or ``engineer`` is neither in people.csv nor
            in the ledger (a typo would otherwise print nothing).
    """
    from analytics.db import query_df, sql_text

    label = month_label(month)
    if engineer is not None:
        known = con.execute(
            sql_text("queries/comptime_engineer_known.sql"), {"name": engineer}
        ).fetchall()[0][0]
        if not known:
            raise UsageError(
                f"--engineer {engineer!r}: no such engineer in people.csv or the comp-time "
                "ledger (names match case-insensitively)"
            )
    return query_df(
        con, sql_text("queries/comptime_ledger.sql"), {"name": engineer, "month": label}
    )
