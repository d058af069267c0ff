"""The analyst's Python API: one call per question, on the configured warehouse.

Every function opens the warehouse read-only for its own query and closes it at once
(:func:`analytics.db.reader`), so a JupyterLab kernel never blocks a scheduled ingest. They
take the same values as the command line, parsed by :mod:`analytics.periods`:

* ``period``: ``"2026-Q3"``, ``"2026-10"``, ``"2026-W44"``, ``"2026-10-01..2026-10-31"``,
  ``"last quarter"`` (counted from ``as_of``), a ``(first day, last day)`` pair or a
  :class:`~analytics.periods.Period`;
* ``as_of``: the report time statuses are computed at, a ``datetime``, ``date`` or ISO 8601 text
  (default now);
* ``db``: the warehouse file (default ``$INCIDENT_ANALYTICS_DB``, else the project's
  ``data/warehouse.duckdb``); ``policy``: a policy TOML file (default: the last ingest's);
* ``confidence``: the level of the bootstrap intervals (default 0.90, as everywhere);
* ``units``: ``"s"`` (seconds, the warehouse's unit: columns ``*_s``) or ``"h"`` (hours:
  the same columns as ``*_h``).

Results are pandas DataFrames whose columns are documented in ``docs/api.md``.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from analytics import periods, render
from analytics.context import from_parameters
from analytics.errors import UsageError
from analytics.names import team_key
from analytics.periods import Period
from analytics.stats import DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES

if TYPE_CHECKING:
    import pandas as pd

    from analytics.policy import Policy

__all__ = [
    "Period",
    "action_items",
    "change",
    "compliance",
    "detectable",
    "format_duration",
    "hours",
    "incidents",
    "mttx",
    "oncall_fairness",
    "oncall_load",
    "period",
    "query",
    "tables",
    "trend",
    "warehouse",
]

PeriodLike = Period | str | date | tuple | list
Instant = datetime | date | str | None
Units = Literal["s", "h"]
_BY = ("severity", "team", "service")
_METRICS = ("mtta", "mttr", "mttd", "mttm")
# Below this many incidents in either period a bootstrap interval says little (with one
# incident it is a single point): change() says so instead of calling a difference real.
MIN_N_TO_COMPARE = 5


# --------------------------------------------------------------------------- values


def period(value: PeriodLike, *, as_of: Instant = None) -> Period:
    """The :class:`~analytics.periods.Period` a value names (``"last quarter"`` from ``as_of``).

    Raises:
        PeriodError: naming the value and every accepted form.
    """
    return periods.parse_period(value, as_of=as_of)


def warehouse(db: str | Path | None = None) -> Path:
    """The warehouse file the functions read: ``db``, else ``$INCIDENT_ANALYTICS_DB``, else the
    project's ``data/warehouse.duckdb`` (absolute)."""
    from analytics.db import resolve_path

    return resolve_path(db).resolve()


def format_duration(seconds: float | None) -> str:
    """A duration for people: ``45 s``, ``12 min``, ``3.5 h``, ``2.1 d``; ``—`` when missing.

    The one spelling of every report (:func:`analytics.render.duration`).
    """
    return render.duration(seconds)


def hours(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every ``*_s`` column (seconds) as ``*_h`` (hours)."""
    out = frame.copy()
    renames = {c: c[:-2] + "_h" for c in out.columns if isinstance(c, str) and c.endswith("_s")}
    for column in renames:
        out[column] = out[column].astype("float64") / 3600
    return out.rename(columns=renames)


def _units(frame: pd.DataFrame, units: Units) -> pd.DataFrame:
    _units_check(units)
    return hours(frame) if units == "h" else frame


def _units_check(units: Units) -> None:
    if units not in ("s", "h"):
        raise UsageError(f"units={units!r} is not 's' (seconds) or 'h' (hours)")


def _check(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise UsageError(f"{what}={value!r} is not one of {', '.join(allowed)}")
    return value


def _confidence(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        raise UsageError(f"confidence={value!r} is not a level between 0 and 1, e.g. 0.90")
    return float(value)


def _reader(db: str | Path | None, as_of: Instant, policy: Any, wait: float, **kw: Any):
    """A reader for one call: the same context a notebook builds from its parameters."""
    return from_parameters(db=db, as_of=as_of, policy=policy, wait=wait).reader(**kw)


# --------------------------------------------------------------------------- questions


def mttx(
    period: PeriodLike,
    *,
    by: str = "severity",
    as_of: Instant = None,
    db: str | Path | None = None,
    policy: str | Path | Policy | None = None,
    confidence: float = DEFAULT_CONFIDENCE,
    intervals: bool = True,
    seed: int = 0,
    resamples: int = DEFAULT_RESAMPLES,
    units: Units = "s",
    wait: float = 30.0,
) -> pd.DataFrame:
    """MTTA, MTTR, MTTD, MTTM and response compliance per group of the incidents started in
    the period: mean, median, p90, bootstrap intervals of the mean and median, ``n``.

    The same numbers as ``incident-analytics metrics`` (``analytics.metrics.summary``).

    Args:
        period: The period (see the module docs); ``"last quarter"`` counts from ``as_of``.
        by: ``severity`` (rows 1, 2, 3 always), ``team`` or ``service``.
        as_of: Report time (default now).
        db: Warehouse file (default: the configured one).
        policy: Policy TOML file or ``Policy`` (default: the one stored by the last ingest).
        confidence: Level of the intervals (default 0.90).
        intervals: Compute the intervals (False is faster; their columns are then NaN).
        seed: Bootstrap seed: the same data and seed give the same intervals.
        resamples: Bootstrap resamples.
        units: ``"s"`` (``*_s`` columns) or ``"h"`` (``*_h`` columns, hours).
        wait: Seconds to wait while another process writes the warehouse.

    Returns:
        One row per group: ``<by>, incidents, mtta_mean_s, mtta_median_s, mtta_p90_s, ...,
        mtta_n, mttr_n, mtta_median_lo_s, mtta_median_hi_s, ...`` (``docs/metrics.md``).
    """
    from analytics import metrics

    span = periods.parse_period(period, as_of=as_of)
    _check(by, _BY, "by")
    level = _confidence(confidence)
    with _reader(db, as_of, policy, wait) as con:
        frame = metrics.summary(
            con,
            *span,
            by=by,
            seed=seed,
            resamples=resamples,
            intervals=intervals,
            confidence=level,
        )
    return _units(frame, units)


def change(
    period: PeriodLike,
    *,
    against: PeriodLike | None = None,
    by: str = "severity",
    metric: str = "mttr_median",
    as_of: Instant = None,
    db: str | Path | None = None,
    policy: str | Path | Policy | None = None,
    confidence: float = DEFAULT_CONFIDENCE,
    seed: int = 0,
    resamples: int = DEFAULT_RESAMPLES,
    units: Units = "s",
    wait: float = 30.0,
) -> pd.DataFrame:
    """Is it changing? A metric in the period against an earlier period, per group.

    A change is told from noise the honest way (``docs/metrics.md``): when the earlier value
    lies inside this period's bootstrap interval, the two cannot be told apart.

    Args:
        period: This period.
        against: The period to compare with (default the one just before: the previous
            quarter of a quarter, the previous week of a week, as many days before a range).
        by: ``severity``, ``team`` or ``service``.
        metric: ``mtta|mttr|mttd|mttm`` then ``_median`` or ``_mean`` (``mttr_median``).
        units: ``"s"`` or ``"h"`` for ``current, previous, change, lo, hi``.
        as_of, db, policy, confidence, seed, resamples, wait: as for :func:`mttx`.

    Returns:
        One row per group: ``<by>, metric, current, previous, change, change_pct, lo, hi``
        (this period's interval), ``n_current, n_previous``, ``not_distinguishable`` (True:
        the earlier value is inside the interval; NA when unknown) and ``verdict`` in words
        ("too few incidents to tell" when either period has fewer than 5).
    """
    from analytics import metrics

    prefix, _, stat = metric.partition("_")
    if prefix not in _METRICS or stat not in ("median", "mean"):
        raise UsageError(
            f"metric={metric!r} is not one of "
            + ", ".join(f"{p}_{s}" for p in _METRICS for s in ("median", "mean"))
        )
    _units_check(units)
    current = periods.parse_period(period, as_of=as_of)
    before = current.previous() if against is None else periods.parse_period(against, as_of=as_of)
    _check(by, _BY, "by")
    level = _confidence(confidence)
    with _reader(db, as_of, policy, wait) as con:
        frames = [
            metrics.summary(con, *span, by=by, seed=seed, resamples=resamples, confidence=level)
            for span in (current, before)
        ]
    frame = metrics.compare_periods(*frames, by=by, metrics=[f"{metric}_s"])
    frame["verdict"] = [_verdict(row, before.label) for row in frame.to_dict("records")]
    frame["metric"] = metric
    if units == "h":
        for column in ("current", "previous", "change", "lo", "hi"):
            frame[column] = frame[column] / 3600
    return frame


def _verdict(row: dict, before: str) -> str:
    import pandas as pd

    same = row["not_distinguishable"]
    if pd.isna(same) or min(row["n_current"], row["n_previous"]) < MIN_N_TO_COMPARE:
        return f"too few incidents to tell (fewer than {MIN_N_TO_COMPARE} in a period)"
    if same:
        return f"no change we can tell from noise (vs {before})"
    return f"{'higher' if row['change'] > 0 else 'lower'} than {before}, beyond the noise"


def trend(
    period: PeriodLike,
    *,
    weeks: int = 12,
    by: str = "severity",
    as_of: Instant = None,
    db: str | Path | None = None,
    policy: str | Path | Policy | None = None,
    confidence: float = DEFAULT_CONFIDENCE,
    seed: int = 0,
    resamples: int = DEFAULT_RESAMPLES,
    units: Units = "s",
    wait: float = 30.0,
) -> pd.DataFrame:
    """Weekly median MTTA and MTTR with intervals and ``n``: the ``weeks`` ISO weeks ending with
    the week that holds the period's last day.

    Returns:
        One row per week and group (weeks without incidents included): ``week_start,
        iso_week, <by>, incidents``, then for mtta and mttr ``*_median_s, *_median_lo_s,
        *_median_hi_s, *_n, *_missing``.
    """
    from analytics import metrics

    span = periods.parse_period(period, as_of=as_of)
    _check(by, _BY, "by")
    if isinstance(weeks, bool) or not isinstance(weeks, int) or not 1 <= weeks <= 260:
        raise UsageError(f"weeks={weeks!r} is not a number of weeks between 1 and 260")
    level = _confidence(confidence)
    with _reader(db, as_of, policy, wait) as con:
        frame = metrics.weekly_trend(
            con, span.end, weeks=weeks, by=by, seed=seed, resamples=resamples, confidence=level
        )
    return _units(frame, units)


def detectable(
    period: PeriodLike,
    *,
    effect: float = 0.20,
    by: str = "severity",
    metric: str = "mttr",
    as_of: Instant = None,
    db: str | Path | None = None,
    policy: str | Path | Policy | None = None,
    wait: float = 30.0,
) -> pd.DataFrame:
    """Could a real improvement show at all with this many incidents? (Davidovič's test.)

    For each group, how often a real ``effect`` (0.20 = 20% faster) would be detected
    comparing two periods as long as this one, and comparing two single weeks, at the volume
    of incidents the group had in the period (``analytics.stats.detectable_change``).

    Returns:
        One row per group: ``<by>, n`` (incidents with the duration), ``per_week`` (their
        weekly average), ``detect_period`` and ``detect_week`` (0..1; NaN with fewer than two;
        below ~0.8 a change of that size is usually invisible).
    """
    import pandas as pd

    from analytics import stats

    span = periods.parse_period(period, as_of=as_of)
    _check(by, _BY, "by")
    _check(metric, _METRICS, "metric")
    if not 0 < effect < 1:
        raise UsageError(f"effect={effect!r} is not a fraction between 0 and 1, e.g. 0.20")
    column = {"mtta": "tta_s", "mttr": "ttr_s", "mttd": "ttd_s", "mttm": "ttm_s"}[metric]
    rows = incidents(span, as_of=as_of, db=db, policy=policy, wait=wait)
    weeks_long = (span.end - span.start).total_seconds() / (7 * 86400)
    out = []
    for group, part in rows.groupby(by, sort=True):
        values = part[column].dropna().to_numpy(dtype=float)
        per_week = len(values) / weeks_long
        out.append(
            {
                by: group,
                "n": len(values),
                "per_week": per_week,
                "detect_period": stats.detectable_change(values, effect),
                "detect_week": stats.detectable_change(values, effect, n=round(per_week)),
            }
        )
    return pd.DataFrame(out, columns=[by, "n", "per_week", "detect_period", "detect_week"])


def compliance(
    period: PeriodLike,
    *,
    as_of: Instant = None,
    db: str | Path | None = None,
    policy: str | Path | Policy | None = None,
    wait: float = 30.0,
) -> pd.DataFrame:
    """Per severity, each playbook check's met / breached / pending / n/a counts and rate.

    Returns:
        ``severity, incidents`` then for response, postmortem, status_cadence, escalation:
        ``<check>_met, _breached, _pending, _n_a, _rate`` (met / decided; NaN if none).
    """
    from analytics import metrics

    span = periods.parse_period(period, as_of=as_of)
    with _reader(db, as_of, policy, wait) as con:
        return metrics.compliance(con, *span)


def incidents(
    period: PeriodLike,
    *,
    team: str | None = None,
    service: str | None = None,
    severity: int | None = None,
    as_of: Instant = None,
    db: str | Path | None = None,
    policy: str | Path | Policy | None = None,
    units: Units = "s",
    wait: float = 30.0,
) -> pd.DataFrame:
    """The incidents behind a number: ``incident_metrics`` rows started in the period.

    Args:
        team, service: Only this team's / service's (names as stored: trimmed, lower-case).
        severity: Only this severity (1, 2 or 3).

    Returns:
        Every column of ``incident_metrics`` (``docs/warehouse.md``), ordered by start.
    """
    from analytics import metrics

    span = periods.parse_period(period, as_of=as_of)
    if severity is not None and severity not in (1, 2, 3):
        raise UsageError(f"severity={severity!r} is not 1, 2 or 3")
    with _reader(db, as_of, policy, wait) as con:
        frame = metrics.incidents_in(con, *span)
    if team is not None:
        frame = frame[frame["team"] == team_key(team)]
    if service is not None:
        frame = frame[frame["service"] == team_key(service)]
    if severity is not None:
        frame = frame[frame["severity"] == severity]
    return _units(frame.reset_index(drop=True), units)


def oncall_load(
    period: PeriodLike,
    *,
    as_of: Instant = None,
    db: str | Path | None = None,
    policy: str | Path | Policy | None = None,
    wait: float = 30.0,
) -> pd.DataFrame:
    """Per team and ISO week overlapping the period: on-call hours and pages by time of day
    in the recipient's zone (``oncall_load`` view). Teams, never people."""
    from analytics import metrics

    span = periods.parse_period(period, as_of=as_of)
    with _reader(db, as_of, policy, wait) as con:
        return metrics.oncall_load(con, *span)


def oncall_fairness(
    period: PeriodLike,
    *,
    as_of: Instant = None,
    db: str | Path | None = None,
    policy: str | Path | Policy | None = None,
    wait: float = 30.0,
) -> pd.DataFrame:
    """Per engineer and team, the period's on-call, off-hours, weekend and holiday hours on
    each person's calendar, pages, nights interrupted, longest run of on-call days, share of
    the team's fair share over the trailing window and the working-time limits exceeded
    (``oncall_fairness`` view, docs/metrics.md "Fairness and working time"). A calendar month
    is the view's month; any other period is computed as one. It names people: keep it out of
    all-hands material."""
    from analytics import metrics

    span = periods.parse_period(period, as_of=as_of)
    with _reader(db, as_of, policy, wait) as con:
        return metrics.oncall_fairness(con, *span)


def action_items(
    period: PeriodLike,
    *,
    by: str = "team",
    as_of: Instant = None,
    db: str | Path | None = None,
    policy: str | Path | Policy | None = None,
    wait: float = 30.0,
) -> pd.DataFrame:
    """Action items per group: opened, closed, open, overdue, completion and rule-3 rates."""
    from analytics import metrics

    span = periods.parse_period(period, as_of=as_of)
    _check(by, _BY, "by")
    with _reader(db, as_of, policy, wait) as con:
        return metrics.action_items_summary(con, *span, by=by)


def query(
    sql: str,
    params: dict[str, Any] | None = None,
    *,
    as_of: Instant = None,
    db: str | Path | None = None,
    policy: str | Path | Policy | None = None,
    wait: float = 30.0,
) -> pd.DataFrame:
    """Run your own SQL on the public views, read-only, values bound as ``$name``.

    Example: ``query("select team, count(*) as n from incidents where severity = $sev
    group by team", {"sev": 1})``. The views compute at ``as_of`` under ``policy``.
    """
    import duckdb

    from analytics.db import query_df

    if not isinstance(sql, str) or not sql.strip():
        raise UsageError("sql must be the text of one query, e.g. 'select * from incidents'")
    with _reader(db, as_of, policy, wait) as con:
        try:
            return query_df(con, sql, params or {})
        except duckdb.Error as exc:  # the user's SQL: say what DuckDB said, in one line
            raise UsageError(f"query failed: {exc}") from None


def tables(*, db: str | Path | None = None, wait: float = 30.0) -> pd.DataFrame:
    """The public tables and views: ``table, rows, what it is`` (one row per name)."""
    from analytics import explore

    return explore.overview(db, wait=wait)
