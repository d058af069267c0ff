"""Typed functions over the marts (docs/metrics.md), returning pandas DataFrames.

Every function takes a reader connection whose ``as_of`` and policy are already bound (see
:func:`analytics.db.reader`): the statuses come from the views, which read ``params`` and
``policy``. Periods are half-open UTC instants ``[start, end)``; an incident belongs to the
period its ``started_at`` falls in. The SQL is in files, ``sql/queries/metrics_*.sql`` and the
summary's TEMP scope ``sql/metrics/summary_scope.sql``: nothing is spliced into it, values
(the grouping too, checked against a fixed list first) are bound ``$params``.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from analytics import periods, sqlgraph
from analytics.db import query_df, sql_text
from analytics.stats import DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES

if TYPE_CHECKING:  # pandas and numpy are imported where used: `metrics --format csv` needs neither
    import duckdb
    import pandas as pd

__all__ = [
    "DURATION_METRICS",
    "GROUPINGS",
    "action_items_summary",
    "compare_periods",
    "compliance",
    "incidents_in",
    "iso_week_bounds",
    "oncall_fairness",
    "oncall_load",
    "period_bounds",
    "summary",
    "summary_rows",
    "weekly_trend",
]

# metric prefix -> duration column of incident_metrics
DURATION_METRICS: dict[str, str] = {
    "mtta": "tta_s",
    "mttr": "ttr_s",
    "mttd": "ttd_s",
    "mttm": "ttm_s",
}
GROUPINGS: tuple[str, ...] = ("severity", "team", "service")
SEVERITIES: tuple[int, ...] = (1, 2, 3)
STATUS_RULES: dict[str, str] = {
    "response": "response_status",
    "postmortem": "postmortem_status",
    "status_cadence": "status_cadence_status",
    "escalation": "escalation_status",
}
_ACTION_GROUPINGS = ("team", "service", "severity")


# --- periods --------------------------------------------------------------------------------


def period_bounds(
    date_from: date | datetime | str, date_to: date | datetime | str
) -> tuple[datetime, datetime]:
    """Whole days, both included: ``[date_from 00:00Z, date_to + 1 day 00:00Z)`` (docs/metrics.md).

    Days are ``date``, ``datetime`` (its UTC day) or ``YYYY-MM-DD`` text
    (:func:`analytics.periods.days`).

    Raises:
        ValueError: a value is not a day, or ``date_to`` is before ``date_from``.
    """
    return tuple(periods.days(date_from, date_to))  # type: ignore[return-value]


def iso_week_bounds(week: str) -> tuple[datetime, datetime]:
    """``"2026-W47"`` -> ``[Monday 00:00Z, next Monday 00:00Z)``.

    Raises:
        ValueError: Not of the form ``YYYY-Www``, or a week the year does not have.
    """
    return periods.parse_week(week)


def _check_period(start: datetime, end: datetime) -> dict[str, datetime]:
    """The bound ``$period_start``/``$period_end`` of ``[start, end)``; instants as
    :mod:`analytics.periods` reads them (a datetime, naive meaning UTC, a date or ISO text).

    Raises:
        ValueError: a bound is not an instant, or the period is empty.
    """
    first = periods.parse_instant(start, what="start")
    after = periods.parse_instant(end, what="end")
    if after <= first:
        raise periods.PeriodError(
            f"empty period: end {after.isoformat()} is not after {first.isoformat()}"
        )
    return {"period_start": first, "period_end": after}


def _check_by(by: str, allowed: Sequence[str]) -> str:
    if by not in allowed:
        raise ValueError(f"by={by!r} is not one of {', '.join(allowed)}")
    return by


def _rate(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    num = numerator.astype("float64")
    den = denominator.astype("float64")
    return (num / den).where(den > 0)


# --- MTTx -----------------------------------------------------------------------------------


def _summary_columns(by: str) -> list[str]:
    head = [
        by,
        "incidents",
        "mtta_mean_s",
        "mtta_median_s",
        "mtta_p90_s",
        "mttr_mean_s",
        "mttr_median_s",
        "mttr_p90_s",
        "response_met",
        "response_breached",
        "response_pending",
        "response_compliance",
        "mtta_missing",
        "mttr_missing",
        "mtta_n",
        "mttr_n",
    ]
    for prefix in ("mtta", "mttr"):
        for stat in ("mean", "median"):
            head += [f"{prefix}_{stat}_lo_s", f"{prefix}_{stat}_hi_s"]
    for prefix in ("mttd", "mttm"):
        head += [
            f"{prefix}_mean_s",
            f"{prefix}_median_s",
            f"{prefix}_p90_s",
            f"{prefix}_n",
            f"{prefix}_missing",
        ]
        for stat in ("mean", "median"):
            head += [f"{prefix}_{stat}_lo_s", f"{prefix}_{stat}_hi_s"]
    head += ["response_n_a", "open_incidents", "zero_duration"]
    return head + list(REVIEW_RATE_COLUMNS)


# Rates after the summary's own columns (docs/metrics.md): post-mortem reviews (one per incident
# of the policy's severities) and communication requirements (one per incident and requirement); the
# status-page cadence (one per SEV-1/2 incident) and where each incident's status updates came
# from (statuspage, timeline or none), docs/importers.md.
RULE_RATES: tuple[str, ...] = ("review", "communication", "status_cadence")
STATUS_SOURCES: tuple[str, ...] = ("statuspage", "timeline", "none")
REVIEW_RATE_COLUMNS: tuple[str, ...] = tuple(
    f"{rule}_{part}" for rule in RULE_RATES for part in ("met", "breached", "pending", "rate")
) + tuple(f"status_source_{source}" for source in STATUS_SOURCES)


def summary(
    con: duckdb.DuckDBPyConnection,
    start: datetime,
    end: datetime,
    *,
    by: str = "severity",
    seed: int = 0,
    resamples: int = DEFAULT_RESAMPLES,
    intervals: bool = True,
    confidence: float = DEFAULT_CONFIDENCE,
) -> pd.DataFrame:
    """MTTA/MTTR/MTTD/MTTM and response compliance per group of the incidents started in the period.

    Args:
        con: A reader connection (as_of and policy bound).
        start: Period start (aware, included).
        end: Period end (aware, excluded).
        by: ``severity`` (always the rows 1, 2, 3, zeros included), ``team`` or ``service``.
        seed: Seed of the bootstrap.
        resamples: Bootstrap resamples per statistic.
        intervals: Compute the bootstrap intervals (the ``*_lo_s``/``*_hi_s`` columns are
            NaN when False).
        confidence: Two-sided level of the intervals (0.90: the 5th to 95th percentiles).

    Returns:
        One row per group, sorted by group, columns in docs/metrics.md's order first:
        ``<by>, incidents, mtta_mean_s, mtta_median_s, mtta_p90_s, mttr_mean_s, mttr_median_s,
        mttr_p90_s, response_met, response_breached, response_pending, response_compliance``,
        then ``mtta_missing, mttr_missing, mtta_n, mttr_n``, the intervals, MTTD/MTTM and
        ``response_n_a, open_incidents, zero_duration`` (status-page incidents resolved at the
        instant they started: left out of MTTR and MTTM, not counted as missing).
        ``incidents`` counts every incident started in the
        period; each MTTx leaves out the incidents missing its timestamp and counts them in
        ``*_missing``. ``response_compliance`` = met / (met + breached), NaN when none decided.
        Counts (and ``severity``) are int64, the other numbers float64 with NaN for a missing
        value, ``team``/``service`` text with NaN for a missing one.
    """
    import pandas as pd

    columns, rows = summary_rows(
        con,
        start,
        end,
        by=by,
        seed=seed,
        resamples=resamples,
        intervals=intervals,
        confidence=confidence,
    )
    return pd.DataFrame(
        {
            column: pd.Series([r[at] for r in rows], dtype=_summary_dtype(column, by))
            for at, column in enumerate(columns)
        }
    )


def summary_rows(
    con: duckdb.DuckDBPyConnection,
    start: datetime,
    end: datetime,
    *,
    by: str = "severity",
    seed: int = 0,
    resamples: int = DEFAULT_RESAMPLES,
    intervals: bool = True,
    confidence: float = DEFAULT_CONFIDENCE,
) -> tuple[list[str], list[list[object]]]:
    """:func:`summary` as column names and rows of plain Python values, without pandas.

    :func:`summary` is made from these rows: a missing value is ``None`` where the frame has
    NaN. What ``metrics --format csv`` writes (:func:`analytics.output.write_rows`); neither
    pandas nor pyarrow is imported here (numpy only for the intervals).
    """
    params = {**_check_period(start, end), "grouping": _check_by(by, GROUPINGS)}
    with _summary_scope(con, params):
        result = con.execute(sql_text("queries/metrics_summary.sql"), {"grouping": by})
        columns = [d[0] for d in result.description]
        rows = [list(r) for r in result.fetchall()]
        if intervals and rows:
            filled = _interval_values(
                con, [r[0] for r in rows], seed=seed, resamples=resamples, confidence=confidence
            )
            for column, values in filled.items():
                at = columns.index(column)
                for r, value in zip(rows, values, strict=True):
                    r[at] = None if math.isnan(value) else value
    # the query's group column is text (grp): it takes the grouping's name, and a severity
    # its number back
    columns[0] = by
    if by == "severity":
        for r in rows:
            r[0] = int(r[0])
    return columns, rows


def _summary_dtype(column: str, by: str) -> str:
    """The dtype of a :func:`summary` column: int64 for the counts and severity, text for a
    team or service, float64 for the rest (durations, rates, intervals)."""
    if column == by:
        return "int64" if by == "severity" else "str"
    return "int64" if _counted(column) else "float64"


@contextlib.contextmanager
def _summary_scope(con: duckdb.DuckDBPyConnection, params: dict[str, object]) -> Iterator[None]:
    """The TEMP table ``summary_scope`` (``sql/metrics/summary_scope.sql``) of the period
    ``$period_start``/``$period_end``, grouped by ``$grouping`` (one of :data:`GROUPINGS`):
    the period's rows, only the columns used, evaluated once; the summary and the bootstrap
    both read it."""
    sqlgraph.install(con, ("temp table",), params, under="metrics/")
    try:
        yield
    finally:
        sqlgraph.drop(con, under="metrics/")


def _counted(column: str) -> bool:
    """Is a summary column a count (0 for a group without rows)?"""
    return (
        column in ("incidents", "open_incidents", "zero_duration")
        or column.endswith(("_n", "_missing", "_met", "_breached", "_pending", "_n_a"))
        or column.startswith("status_source_")
    )


def _interval_values(
    con: duckdb.DuckDBPyConnection,
    keys: list[object],
    *,
    seed: int,
    resamples: int,
    confidence: float,
) -> dict[str, list[float]]:
    """The bootstrap interval columns of the groups ``keys`` (in that order, as the text
    ``grp`` of ``summary_scope``): ``<prefix>_{mean,median}_{lo,hi}_s`` lists, NaN for an
    empty group."""
    import numpy as np

    from analytics.stats import bootstrap_many

    # grp, then one list per DURATION_METRICS column, in that order
    values = {
        grp: parts
        for grp, *parts in con.execute(sql_text("queries/metrics_summary_samples.sql")).fetchall()
    }
    # Every group's every duration in one call: samples of one size share their draws,
    # whichever group they come from, and run on every core; an absent group is empty (NaN).
    empty = [[] for _ in DURATION_METRICS]
    samples = [
        np.asarray(sample, dtype=np.float64) for key in keys for sample in values.get(key, empty)
    ]
    results = iter(
        bootstrap_many(
            samples,
            resamples=resamples,
            confidence=confidence,
            seed=seed,
            workers=min(4, os.cpu_count() or 1),
        )
    )
    filled: dict[str, list[float]] = {}
    for _ in keys:
        for prefix in DURATION_METRICS:
            result = next(results)
            for stat in ("mean_lo", "mean_hi", "median_lo", "median_hi"):
                filled.setdefault(f"{prefix}_{stat}_s", []).append(getattr(result, stat))
    return filled


def weekly_trend(
    con: duckdb.DuckDBPyConnection,
    end: datetime,
    *,
    weeks: int = 12,
    seed: int = 0,
    resamples: int = DEFAULT_RESAMPLES,
    by: str = "severity",
    confidence: float = DEFAULT_CONFIDENCE,
) -> pd.DataFrame:
    """Per ISO week and group, the median MTTA/MTTR with bootstrap intervals and ``n``.

    Args:
        con: A reader connection.
        end: End of the trend (aware, excluded); the last week is the one containing the
            instant just before ``end`` (for a weekly report, the report week's end).
        weeks: Number of ISO weeks, the last one included.
        seed: Seed of the bootstrap.
        resamples: Bootstrap resamples.
        by: ``severity`` (rows 1, 2, 3 every week), ``team`` or ``service`` (every group that
            has an incident in the window, every week).
        confidence: Two-sided level of the intervals (default 0.90).

    Returns:
        ``weeks x groups`` rows (zero-incident weeks included) sorted by week_start then group:
        ``week_start`` (date), ``iso_week``, ``<by>``, ``incidents``, and for mtta and mttr
        ``*_median_s``, ``*_median_lo_s``, ``*_median_hi_s``, ``*_n``, ``*_missing``.
    """
    import numpy as np
    import pandas as pd

    from analytics.stats import bootstrap_many

    end = periods.parse_instant(end, what="end")
    if weeks < 1:
        raise ValueError(f"weeks must be >= 1, got {weeks}")
    by = _check_by(by, GROUPINGS)
    last_day = (end.astimezone(UTC) - timedelta(microseconds=1)).date()
    last_monday = last_day - timedelta(days=last_day.weekday())
    mondays = [last_monday - timedelta(weeks=k) for k in range(weeks - 1, -1, -1)]
    start = datetime.combine(mondays[0], time(0), tzinfo=UTC)
    raw = query_df(
        con,
        sql_text("queries/metrics_weekly_trend.sql"),
        {"period_start": start, "period_end": end},
    ).rename(columns={by: "grp"})
    raw["week_start"] = pd.to_datetime(raw["week_start"]).dt.date
    grouped = dict(tuple(raw.groupby(["week_start", "grp"], sort=False)))
    groups = SEVERITIES if by == "severity" else sorted(raw["grp"].dropna().unique().tolist())
    cells = [
        (monday, group, grouped.get((monday, group))) for monday in mondays for group in groups
    ]
    # Every week's and group's MTTA and MTTR in one call: samples of one size share their
    # draws (72 samples for 12 weeks by severity), each median interval equal to its own
    # bootstrap()'s; the mean's intervals, not shown, are drawn but not gathered
    samples = [
        np.array([]) if part is None else part[DURATION_METRICS[prefix]].to_numpy(dtype=float)
        for _, _, part in cells
        for prefix in ("mtta", "mttr")
    ]
    results = iter(
        bootstrap_many(samples, resamples=resamples, confidence=confidence, seed=seed, means=False)
    )
    rows = []
    for monday, group, part in cells:
        row: dict[str, object] = {
            "week_start": monday,
            "iso_week": f"{monday.isocalendar().year}-W{monday.isocalendar().week:02d}",
            by: group,
            "incidents": 0 if part is None else len(part),
        }
        for prefix in ("mtta", "mttr"):
            result = next(results)
            row[f"{prefix}_median_s"] = result.median
            row[f"{prefix}_median_lo_s"] = result.median_lo
            row[f"{prefix}_median_hi_s"] = result.median_hi
            row[f"{prefix}_n"] = result.n
            row[f"{prefix}_missing"] = row["incidents"] - result.n
        rows.append(row)
    columns = ["week_start", "iso_week", by, "incidents"]
    for prefix in ("mtta", "mttr"):
        columns += [f"{prefix}_median_s", f"{prefix}_median_lo_s", f"{prefix}_median_hi_s"]
        columns += [f"{prefix}_n", f"{prefix}_missing"]
    frame = pd.DataFrame(rows, columns=columns)
    counts = ["incidents", "mtta_n", "mtta_missing", "mttr_n", "mttr_missing"]
    for column in ([by] if by == "severity" else []) + counts:
        frame[column] = frame[column].astype("int64")
    return frame


# --- compliance, action items, on-call load -------------------------------------------------


def compliance(con: duckdb.DuckDBPyConnection, start: datetime, end: datetime) -> pd.DataFrame:
    """Per severity (rows 1, 2, 3), the counts and rates of each playbook rule.

    Returns:
        ``severity, incidents`` then for each rule in response, postmortem, status_cadence,
        escalation: ``<rule>_met, <rule>_breached, <rule>_pending, <rule>_n_a, <rule>_rate``
        (rate = met / (met + breached), NaN when nothing is decided); then where the status
        updates came from: ``status_source_statuspage, status_source_timeline,
        status_source_none`` (incidents, docs/importers.md).
    """
    frame = query_df(con, sql_text("queries/metrics_compliance.sql"), _check_period(start, end))
    frame = frame.fillna({c: 0 for c in frame.columns if c != "severity"})
    columns = ["severity", "incidents"]
    for rule in STATUS_RULES:
        parts = [f"{rule}_{s}" for s in ("met", "breached", "pending", "n_a")]
        frame[f"{rule}_rate"] = _rate(
            frame[f"{rule}_met"], frame[f"{rule}_met"] + frame[f"{rule}_breached"]
        )
        columns += [*parts, f"{rule}_rate"]
    columns += [f"status_source_{source}" for source in STATUS_SOURCES]
    int_columns = [c for c in columns if not c.endswith("_rate")]
    frame[int_columns] = frame[int_columns].astype("int64")
    return frame[columns]


def action_items_summary(
    con: duckdb.DuckDBPyConnection,
    start: datetime,
    end: datetime,
    *,
    by: str = "team",
) -> pd.DataFrame:
    """Action items per group (the incident's team, service or severity).

    Returns:
        One row per group, sorted: ``opened`` (items of incidents started in the period),
        ``closed`` (of those, done), ``open``, ``overdue`` (open and due before as_of's date),
        ``completion_rate`` = closed / opened, ``rule3_rate`` = items with an owner and a due
        date and a ticket / opened, the three parts ``with_owner, with_due, with_ticket``,
        ``closed_in_period`` (any incident's items the tracker resolved in the period),
        ``open_backlog`` (every item not done at as_of, whatever its incident's date) and
        ``overdue_backlog`` (of those, the overdue ones).
    """
    import pandas as pd

    params = _check_period(start, end)
    by = _check_by(by, _ACTION_GROUPINGS)
    frame = query_df(
        con, sql_text("queries/metrics_action_items.sql"), {**params, "grouping": by}
    ).rename(columns={"grp": by})
    counts = [
        "opened",
        "closed",
        "open",
        "overdue",
        "rule3",
        "with_owner",
        "with_due",
        "with_ticket",
        "closed_in_period",
        "open_backlog",
        "overdue_backlog",
    ]
    frame[counts] = frame[counts].fillna(0).astype("int64")
    if by == "severity":  # the query's group is text
        frame["severity"] = pd.array(
            [None if pd.isna(v) else int(v) for v in frame["severity"]], dtype="Int64"
        )
    frame["completion_rate"] = _rate(frame["closed"], frame["opened"])
    frame["rule3_rate"] = _rate(frame["rule3"], frame["opened"])
    return frame[
        [
            by,
            "opened",
            "closed",
            "open",
            "overdue",
            "completion_rate",
            "rule3_rate",
            "with_owner",
            "with_due",
            "with_ticket",
            "closed_in_period",
            "open_backlog",
            "overdue_backlog",
        ]
    ]


def oncall_load(con: duckdb.DuckDBPyConnection, start: datetime, end: datetime) -> pd.DataFrame:
    """Rows of the ``oncall_load`` view for the ISO weeks overlapping ``[start, end)``.

    Returns:
        One row per team and week, sorted by team then week_start: ``team, week_start,
        iso_week, oncall_hours, pages, pages_per_oncall_hour, business_pages, off_hours_pages,
        sleep_pages`` and the view's other columns. Teams, never people (blameless).
    """
    import pandas as pd

    params = _check_period(start, end)
    # the view's own logic with the period pushed down to the pages it reads (macros.sql)
    frame = query_df(con, sql_text("queries/metrics_oncall_load.sql"), params)
    frame["week_start"] = pd.to_datetime(frame["week_start"]).dt.date
    return frame


def oncall_fairness(con: duckdb.DuckDBPyConnection, start: datetime, end: datetime) -> pd.DataFrame:
    """Fairness and working time per engineer and team for the period ``[start, end)``.

    The ``oncall_fairness`` view's logic (docs/metrics.md) for one period: a calendar month gives
    exactly the view's rows of that month; any other period (a pay period, a quarter) is
    computed as one period, its window the ``[working_time] fairness_weeks`` weeks ending at
    ``end``. It names people: for the compensation report, never the all-hands report.

    Returns:
        One row per engineer and team, sorted by team then engineer, with the view's columns
        (``oncall_hours``, ``offhours_oncall_hours``, ``weekend_oncall_hours``,
        ``holiday_oncall_hours``, ``pages``, ``nights_interrupted``,
        ``max_consecutive_oncall_days``, ``window_hours``, ``team_fair_share_hours``,
        ``share_of_fair``, ``limit_flags``, ...).
    """
    return query_df(con, sql_text("queries/metrics_oncall_fairness.sql"), _check_period(start, end))


def incidents_in(con: duckdb.DuckDBPyConnection, start: datetime, end: datetime) -> pd.DataFrame:
    """The ``incident_metrics`` rows of the incidents started in ``[start, end)``, by start."""
    return query_df(con, sql_text("queries/metrics_incidents_in.sql"), _check_period(start, end))


# --- period over period ---------------------------------------------------------------------


def compare_periods(
    current: pd.DataFrame,
    previous: pd.DataFrame,
    *,
    by: str | None = None,
    metrics: Sequence[str] | None = None,
) -> pd.DataFrame:
    """This period's statistics against the previous period's, flagging changes that may be noise.

    Args:
        current: A :func:`summary` frame of this period (with intervals).
        previous: A :func:`summary` frame of the previous period, same ``by``.
        by: The grouping column; default the first column of ``current``.
        metrics: Columns to compare; default every ``*_mean_s``/``*_median_s`` that has its
            ``*_lo_s``/``*_hi_s`` interval in ``current``.

    Returns:
        One row per group and metric: ``<by>, metric, current, previous, change`` (current -
        previous), ``change_pct``, ``lo, hi`` (this period's 90% interval), ``n_current,
        n_previous`` and ``not_distinguishable``: True when the previous value lies inside this
        period's interval (docs/metrics.md), False when outside, NA when either value or the
        interval is missing.
    """
    import pandas as pd

    by = by or str(current.columns[0])
    if metrics is None:
        metrics = [
            c
            for c in current.columns
            if c.endswith(("_mean_s", "_median_s"))
            and f"{c[:-2]}_lo_s" in current.columns
            and f"{c[:-2]}_hi_s" in current.columns
        ]
    prev = previous.set_index(by) if by in previous.columns else pd.DataFrame()
    rows = []
    # iterate keys apart from rows: iterrows would turn an int severity into a float
    for key, (_, row) in zip(current[by].tolist(), current.iterrows(), strict=True):
        prev_row = prev.loc[key] if key in prev.index else None
        for metric in metrics:
            prefix = metric.split("_", 1)[0]
            cur = _num(row.get(metric))
            before = _num(None if prev_row is None else prev_row.get(metric))
            lo = _num(row.get(f"{metric[:-2]}_lo_s"))
            hi = _num(row.get(f"{metric[:-2]}_hi_s"))
            known = not any(math.isnan(v) for v in (cur, before, lo, hi))
            rows.append(
                {
                    by: key,
                    "metric": metric,
                    "current": cur,
                    "previous": before,
                    "change": cur - before,
                    "change_pct": (cur - before) / before if before else math.nan,
                    "lo": lo,
                    "hi": hi,
                    "n_current": _num(row.get(f"{prefix}_n")),
                    "n_previous": _num(None if prev_row is None else prev_row.get(f"{prefix}_n")),
                    "not_distinguishable": (lo <= before <= hi) if known else pd.NA,
                }
            )
    frame = pd.DataFrame(
        rows,
        columns=[
            by,
            "metric",
            "current",
            "previous",
            "change",
            "change_pct",
            "lo",
            "hi",
            "n_current",
            "n_previous",
            "not_distinguishable",
        ],
    )
    frame["not_distinguishable"] = frame["not_distinguishable"].astype("boolean")
    return frame


def _num(value: object) -> float:
    import pandas as pd

    if value is None or value is pd.NA:
        return math.nan
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
