"""analytics.periods: the one parser of instants, days, weeks, months, quarters and periods.

Calendar facts used below: 2026-11-02 is a Monday (ISO 2026-W45 starts that day; W44 is
Mon 26 Oct .. Sun 1 Nov); 2026 has 53 ISO weeks (W53 = Mon 28 Dec 2026 .. Sun 3 Jan 2027);
2026-W01 starts Mon 29 Dec 2025.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pandas as pd
import pytest

from analytics import periods
from analytics.errors import UsageError
from analytics.periods import Period, PeriodError, parse_instant, parse_period


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-02", utc(2026, 11, 2)),
        ("2026-11-02T09:30", utc(2026, 11, 2, 9, 30)),  # naive text means UTC
        ("2026-11-02T09:30:00Z", utc(2026, 11, 2, 9, 30)),
        ("2026-11-02 09:30 UTC", utc(2026, 11, 2, 9, 30)),
        ("2026-11-02T10:30:00+01:00", utc(2026, 11, 2, 9, 30)),  # 10:30 at +01:00 = 09:30Z
        (date(2026, 11, 2), utc(2026, 11, 2)),
        (datetime(2026, 11, 2, 9, 30), utc(2026, 11, 2, 9, 30)),
        (
            datetime(2026, 11, 2, 4, 30, tzinfo=timezone(timedelta(hours=-5))),
            utc(2026, 11, 2, 9, 30),
        ),
        (pd.Timestamp("2026-11-02T09:30Z"), utc(2026, 11, 2, 9, 30)),
    ],
)
def test_every_instant_form_means_the_same_utc_time(value, expected):
    moment = parse_instant(value)
    assert moment == expected
    assert moment.utcoffset() == timedelta(0)


@pytest.mark.parametrize("bad", ["soon", "2026-13-01", "", 20261102, None])
def test_a_bad_instant_names_the_value_and_the_accepted_forms(bad):
    with pytest.raises(PeriodError, match="as_of") as info:
        parse_instant(bad, what="as_of")
    assert repr(bad) in str(info.value)
    assert "2026-11-02" in str(info.value)
    # one error type for the CLI (exit 2) and for Python callers
    assert isinstance(info.value, UsageError) and isinstance(info.value, ValueError)
    assert info.value.exit_code == 2


def test_as_of_empty_is_now():
    before = datetime.now(UTC)
    assert before <= periods.parse_as_of("") <= datetime.now(UTC)
    assert periods.parse_as_of("2026-11-02") == utc(2026, 11, 2)


def test_parse_date():
    assert periods.parse_date("2026-11-02") == date(2026, 11, 2)
    assert periods.parse_date(date(2026, 11, 2)) == date(2026, 11, 2)
    # 23:30 at -05:00 is 04:30Z the next day: the UTC day counts
    late = datetime(2026, 11, 2, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert periods.parse_date(late) == date(2026, 11, 3)
    with pytest.raises(PeriodError, match=r"--from '2026-02-30' is not a date \(YYYY-MM-DD\)"):
        periods.parse_date("2026-02-30", what="--from")


@pytest.mark.parametrize(
    ("text", "start", "end", "label", "kind"),
    [
        ("2026-11-02", utc(2026, 11, 2), utc(2026, 11, 3), "2026-11-02", "days"),
        (
            "2026-10-01..2026-10-31",
            utc(2026, 10, 1),
            utc(2026, 11, 1),
            "2026-10-01..2026-10-31",
            "days",
        ),
        ("2026-W44", utc(2026, 10, 26), utc(2026, 11, 2), "2026-W44", "week"),
        ("2026-W53", utc(2026, 12, 28), utc(2027, 1, 4), "2026-W53", "week"),
        ("2026-W01", utc(2025, 12, 29), utc(2026, 1, 5), "2026-W01", "week"),
        ("2026-10", utc(2026, 10, 1), utc(2026, 11, 1), "2026-10", "month"),
        ("2026-12", utc(2026, 12, 1), utc(2027, 1, 1), "2026-12", "month"),
        ("2026-Q3", utc(2026, 7, 1), utc(2026, 10, 1), "2026-Q3", "quarter"),
        ("2026-q4", utc(2026, 10, 1), utc(2027, 1, 1), "2026-Q4", "quarter"),
        ("2026", utc(2026, 1, 1), utc(2027, 1, 1), "2026", "year"),
    ],
)
def test_period_forms(text, start, end, label, kind):
    period = parse_period(text)
    assert (period.start, period.end, period.label, period.kind) == (start, end, label, kind)
    assert tuple(period) == (start, end)  # unpacks as start, end
    assert period.last_day == (end - timedelta(days=1)).date()


def test_relative_periods_count_from_as_of():
    # as_of Mon 2026-11-02 09:00: last quarter is Q3 (Jul-Sep); this month is November;
    # last week is W44 (26 Oct - 1 Nov); last month October; last year 2025
    as_of = "2026-11-02T09:00:00Z"
    assert parse_period("last quarter", as_of=as_of).label == "2026-Q3"
    assert parse_period("this month", as_of=as_of).label == "2026-11"
    assert parse_period("last week", as_of=as_of).label == "2026-W44"
    assert parse_period("last_month", as_of=as_of).label == "2026-10"
    assert parse_period("last year", as_of=as_of).label == "2025"
    # 1 Jan 2027: last quarter is 2026-Q4, crossing the year
    assert parse_period("last quarter", as_of=date(2027, 1, 1)).label == "2026-Q4"


def test_pairs_and_dates_are_whole_days():
    period = parse_period((date(2026, 10, 1), "2026-10-31"))
    assert (period.start, period.end) == (utc(2026, 10, 1), utc(2026, 11, 1))
    assert parse_period(date(2026, 11, 2)).end == utc(2026, 11, 3)
    assert parse_period(period) is period


def test_previous_period_of_each_kind():
    assert parse_period("2026-Q1").previous().label == "2025-Q4"
    assert parse_period("2026-01").previous().label == "2025-12"
    assert parse_period("2026-W01").previous().label == "2025-W52"  # 2025 has 52 weeks
    assert parse_period("2026").previous().label == "2025"
    # 31 days (1..31 Oct) -> the 31 days before: 31 Aug .. 30 Sep
    assert parse_period("2026-10-01..2026-10-31").previous().label == "2026-08-31..2026-09-30"


@pytest.mark.parametrize(
    ("bad", "needle"),
    [
        ("2026-W54", "is not an ISO week like 2026-W47"),
        ("2026-W4", "is not an ISO week like 2026-W47"),
        ("2025-W53", "2025 has no ISO week 53"),
        ("2026-13", "is not a calendar month YYYY-MM"),
        ("2026-Q5", "is not one of"),
        ("2026-11-30..2026-11-01", "--to 2026-11-01 is before --from 2026-11-30"),
        ("next tuesday", "is not one of: 2026-11-02 (a day)"),
        (3, "is not one of"),
    ],
)
def test_bad_periods_say_what_was_expected(bad, needle):
    with pytest.raises(PeriodError, match=None) as info:
        parse_period(bad)
    assert needle in str(info.value)


def test_a_period_must_be_aware_and_not_empty():
    with pytest.raises(PeriodError, match="timezone-aware"):
        Period(datetime(2026, 1, 1), datetime(2026, 1, 2), "x")
    with pytest.raises(PeriodError, match="empty period"):
        Period(utc(2026, 1, 2), utc(2026, 1, 1), "x")


def test_the_old_entry_points_use_the_one_parser():
    from analytics import context, db, metrics, weeks

    assert metrics.period_bounds("2026-07-01", date(2026, 9, 30)) == tuple(parse_period("2026-Q3"))
    assert metrics.iso_week_bounds("2026-W44") == tuple(parse_period("2026-W44"))
    assert weeks.parse_as_of("2026-11-02T00:00:00Z") == utc(2026, 11, 2)
    cli = context.from_options(as_of="2026-11-02 UTC", date_from="2026-11-02", date_to="2026-11-02")
    assert cli.as_of == utc(2026, 11, 2)
    assert cli.period == parse_period("2026-11-02")
    notebook = context.from_parameters(as_of="2026-11-02 UTC", period="2026-11-02")
    assert (notebook.as_of, notebook.period) == (cli.as_of, cli.period)
    assert db.connect_reader.__annotations__["as_of"].count("str")


def test_metrics_functions_take_instants_as_the_cli_does(sample_warehouse):
    from analytics import db, metrics

    with db.reader(sample_warehouse, as_of="2026-11-02") as con:
        by_text = metrics.summary(con, "2026-10-01", "2026-11-01", intervals=False)
        by_date = metrics.summary(con, date(2026, 10, 1), date(2026, 11, 1), intervals=False)
        naive = metrics.compliance(con, datetime(2026, 10, 1), datetime(2026, 11, 1))
        aware = metrics.compliance(con, utc(2026, 10, 1), utc(2026, 11, 1))
        with pytest.raises(PeriodError, match="empty period"):
            metrics.incidents_in(con, "2026-11-01", "2026-10-01")
        with pytest.raises(PeriodError, match="end 'soon' is not a date or timestamp"):
            metrics.weekly_trend(con, "soon")
    assert by_text.equals(by_date)
    assert naive.equals(aware)  # naive means UTC, as on the command line
