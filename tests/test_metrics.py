"""The Python API of analytics.metrics over tiny warehouses (expected values by hand)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
from metrics_helpers import ts, warehouse

from analytics import metrics


def inc(incident_id: str, severity: int, started: str, **kw) -> dict:
    return {"incident_id": incident_id, "severity": severity, "started_at": started, **kw}


def _minutes(start: str, minutes: float) -> datetime:
    return ts(start) + timedelta(minutes=minutes)


@pytest.fixture
def november():
    """Four SEV-1 with tta 5, 10, 20 min and one never acknowledged; one open; one SEV-3."""
    rows = []
    for n, (tta, ttr) in enumerate([(5, 60), (10, 120), (20, 240)]):
        rows.append(
            inc(
                f"s1-{n}",
                1,
                "2026-11-02 10:00",
                detected_at="2026-11-02 10:00",
                acknowledged_at=_minutes("2026-11-02 10:00", tta),
                resolved_at=_minutes("2026-11-02 10:00", ttr),
                team="core",
                service="db",
            )
        )
    # no acknowledgement, still open at as_of: missing from MTTA and MTTR, breached response
    rows.append(
        inc(
            "s1-open",
            1,
            "2026-11-03 10:00",
            detected_at="2026-11-03 10:00",
            team="web",
            service="api",
        )
    )
    rows.append(
        inc(
            "s3",
            3,
            "2026-11-04 10:00",
            detected_at="2026-11-04 10:00",
            acknowledged_at="2026-11-04 11:00",
            resolved_at="2026-11-04 12:00",
            team="web",
            service="api",
        )
    )
    # outside the period
    rows.append(
        inc(
            "old",
            2,
            "2026-10-30 10:00",
            detected_at="2026-10-30 10:00",
            acknowledged_at="2026-10-30 10:01",
            resolved_at="2026-10-30 11:00",
        )
    )
    items = [
        {"incident_id": "s1-0", "item_no": 1, "due_date": date(2026, 11, 10), "ticket": "OPS-1"},
        {"incident_id": "s1-0", "item_no": 2, "due_date": date(2026, 12, 10), "done": True},
        {"incident_id": "s3", "item_no": 1, "owner": None},
        {"incident_id": "old", "item_no": 1, "due_date": date(2026, 11, 1)},
    ]
    return warehouse(incidents=rows, items=items, as_of="2026-11-20 00:00")


def test_period_bounds_include_both_days():
    assert metrics.period_bounds(date(2026, 11, 1), date(2026, 11, 30)) == (
        datetime(2026, 11, 1, tzinfo=UTC),
        datetime(2026, 12, 1, tzinfo=UTC),
    )
    assert metrics.period_bounds(date(2026, 11, 3), date(2026, 11, 3))[1] == datetime(
        2026, 11, 4, tzinfo=UTC
    )
    with pytest.raises(ValueError, match="before"):
        metrics.period_bounds(date(2026, 11, 3), date(2026, 11, 2))


def test_iso_week_bounds():
    # 2026-W47 is Monday 2026-11-16 .. Monday 2026-11-23; 2026-W01 starts 2025-12-29
    assert metrics.iso_week_bounds("2026-W47") == (
        datetime(2026, 11, 16, tzinfo=UTC),
        datetime(2026, 11, 23, tzinfo=UTC),
    )
    assert metrics.iso_week_bounds("2026-W01")[0] == datetime(2025, 12, 29, tzinfo=UTC)
    for bad in ("2026-47", "2026-W7", "2026-W54", "W47", "2026-w47x", ""):
        with pytest.raises(ValueError):
            metrics.iso_week_bounds(bad)


def test_summary_by_severity(november):
    start, end = metrics.period_bounds(date(2026, 11, 1), date(2026, 11, 30))
    frame = metrics.summary(november, start, end, resamples=500)
    assert list(frame.columns[:12]) == [
        "severity",
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
    ]
    assert list(frame.columns[12:16]) == ["mtta_missing", "mttr_missing", "mtta_n", "mttr_n"]
    assert frame["severity"].tolist() == [1, 2, 3]
    assert frame["severity"].dtype == "int64"
    s1 = frame.iloc[0]
    # tta 300, 600, 1200 s: mean 700, median 600, p90 = 600 + 0.8 * (1200 - 600) = 1080
    assert s1["incidents"] == 4
    assert s1["mtta_mean_s"] == pytest.approx(700)
    assert s1["mtta_median_s"] == 600
    assert s1["mtta_p90_s"] == pytest.approx(1080)
    assert (s1["mtta_n"], s1["mtta_missing"]) == (3, 1)
    # ttr 3600, 7200, 14400: mean 8400, median 7200, p90 = 7200 + 0.8 * 7200 = 12960
    assert s1["mttr_mean_s"] == pytest.approx(8400)
    assert s1["mttr_p90_s"] == pytest.approx(12960)
    assert (s1["mttr_n"], s1["mttr_missing"]) == (3, 1)
    # acks at 5 and 10 min met, 20 min breached, the open one breached by as_of: 2 / 4
    assert (s1["response_met"], s1["response_breached"], s1["response_pending"]) == (2, 2, 0)
    assert s1["response_compliance"] == pytest.approx(0.5)
    assert s1["mtta_median_lo_s"] <= 600 <= s1["mtta_median_hi_s"]
    assert s1["mtta_mean_lo_s"] <= 700 <= s1["mtta_mean_hi_s"]
    assert s1["open_incidents"] == 1
    # no SEV-2 started in the period: a zero row, compliance undefined
    s2 = frame.iloc[1]
    assert s2["incidents"] == 0 and math.isnan(s2["response_compliance"])
    assert frame.iloc[2]["mttd_mean_s"] == 0


def test_summary_is_reproducible_and_intervals_optional(november):
    start, end = metrics.period_bounds(date(2026, 11, 1), date(2026, 11, 30))
    a = metrics.summary(november, start, end, seed=7, resamples=300)
    b = metrics.summary(november, start, end, seed=7, resamples=300)
    pd.testing.assert_frame_equal(a, b)
    plain = metrics.summary(november, start, end, intervals=False)
    assert list(plain.columns) == list(a.columns)
    assert plain["mtta_mean_lo_s"].isna().all()


def test_summary_by_team_and_service(november):
    start, end = metrics.period_bounds(date(2026, 11, 1), date(2026, 11, 30))
    by_team = metrics.summary(november, start, end, by="team", intervals=False)
    assert by_team["team"].tolist() == ["core", "web"]
    assert by_team["incidents"].tolist() == [3, 2]
    by_service = metrics.summary(november, start, end, by="service", intervals=False)
    assert by_service["service"].tolist() == ["api", "db"]
    with pytest.raises(ValueError):
        metrics.summary(november, start, end, by="severity; drop table x")


@pytest.mark.parametrize("by", metrics.GROUPINGS)
def test_summary_is_summary_rows_as_a_frame(november, by):
    # one body: the frame is the rows, NaN where a row has None, with the dtypes of the
    # columns (int64 counts and severity, float64 numbers, text for a team or service)
    start, end = metrics.period_bounds(date(2026, 11, 1), date(2026, 11, 30))
    for period in ((start, end), metrics.period_bounds(date(2020, 1, 1), date(2020, 1, 31))):
        frame = metrics.summary(november, *period, by=by, seed=3, resamples=200)
        columns, rows = metrics.summary_rows(november, *period, by=by, seed=3, resamples=200)
        assert columns == list(frame.columns) == metrics._summary_columns(by)
        assert len(rows) == len(frame) == (3 if by == "severity" else len(rows))
        for column in columns:
            dtype = str(frame[column].dtype)
            if column == by:
                assert dtype == ("int64" if by == "severity" else "str")
            else:
                assert dtype == ("int64" if metrics._counted(column) else "float64"), column
        for row, (_, got) in zip(rows, frame.iterrows(), strict=True):
            for column, value in zip(columns, row, strict=True):
                if value is None:
                    assert pd.isna(got[column]), column
                else:
                    assert got[column] == value, column
    assert [r[0] for r in rows] == ([1, 2, 3] if by == "severity" else [])
    if by == "severity":
        assert all(type(r[0]) is int for r in rows)


def test_action_items_summary_by_severity_is_numeric(november):
    start, end = metrics.period_bounds(date(2026, 11, 1), date(2026, 11, 30))
    frame = metrics.action_items_summary(november, start, end, by="severity")
    assert str(frame["severity"].dtype) == "Int64"
    # severity 2: only the October incident's item, open in the backlog
    assert frame["severity"].tolist() == [1, 2, 3]
    assert frame["opened"].tolist() == [2, 0, 1]
    assert frame["open_backlog"].tolist() == [1, 1, 1]
    with pytest.raises(ValueError):
        metrics.action_items_summary(november, start, end, by="engineer")


def test_compliance(november):
    start, end = metrics.period_bounds(date(2026, 11, 1), date(2026, 11, 30))
    frame = metrics.compliance(november, start, end).set_index("severity")
    assert frame.loc[1, "response_met"] == 2
    assert frame.loc[1, "response_breached"] == 2
    assert frame.loc[1, "response_rate"] == pytest.approx(0.5)
    # SEV-1 post-mortems: 3 resolved 2026-11-02, unpublished, far past 48 h -> breached;
    # the open one -> pending
    assert frame.loc[1, "postmortem_breached"] == 3
    assert frame.loc[1, "postmortem_pending"] == 1
    assert frame.loc[3, "postmortem_n_a"] == 1
    assert frame.loc[3, "status_cadence_n_a"] == 1
    assert frame.loc[2, "incidents"] == 0
    assert math.isnan(frame.loc[2, "escalation_rate"])


def test_action_items_summary(november):
    start, end = metrics.period_bounds(date(2026, 11, 1), date(2026, 11, 30))
    frame = metrics.action_items_summary(november, start, end).set_index("team")
    core = frame.loc["core"]
    # s1-0: item 1 open, due 11-10 < as_of 11-20 -> overdue; item 2 done, no ticket
    assert (core["opened"], core["closed"], core["open"], core["overdue"]) == (2, 1, 1, 1)
    assert core["completion_rate"] == 0.5
    # only item 1 has owner, due date and ticket
    assert core["rule3_rate"] == 0.5
    web = frame.loc["web"]
    assert (web["opened"], web["open"], web["overdue"], web["rule3_rate"]) == (1, 1, 0, 0.0)
    # the October incident's item is overdue too: in the backlog, not in the period's counts
    assert core["overdue_backlog"] == 2
    # open backlog: every item not done, whatever its incident's date: core s1-0 item 1 and
    # old item 1 (both overdue); web s3 item 1 (no due date, so not overdue)
    assert (core["open_backlog"], web["open_backlog"], web["overdue_backlog"]) == (2, 1, 0)


def test_weekly_trend_has_every_week_and_severity(november):
    end = datetime(2026, 11, 23, tzinfo=UTC)
    frame = metrics.weekly_trend(november, end, weeks=4, resamples=300)
    assert len(frame) == 12
    assert frame["week_start"].unique().tolist() == [
        date(2026, 10, 26),
        date(2026, 11, 2),
        date(2026, 11, 9),
        date(2026, 11, 16),
    ]
    w45 = frame[(frame["iso_week"] == "2026-W45") & (frame["severity"] == 1)].iloc[0]
    assert (w45["incidents"], w45["mtta_n"], w45["mtta_missing"]) == (4, 3, 1)
    assert w45["mtta_median_s"] == 600
    assert w45["mtta_median_lo_s"] <= 600 <= w45["mtta_median_hi_s"]
    empty = frame[frame["iso_week"] == "2026-W47"]
    assert empty["incidents"].tolist() == [0, 0, 0]
    assert empty["mtta_median_s"].isna().all()


def test_incidents_in_and_oncall_load(november):
    start, end = metrics.period_bounds(date(2026, 11, 1), date(2026, 11, 30))
    frame = metrics.incidents_in(november, start, end)
    assert frame["incident_id"].tolist() == ["s1-0", "s1-1", "s1-2", "s1-open", "s3"]
    assert "response_status" in frame.columns
    load = metrics.oncall_load(november, start, end)
    assert list(load.columns[:9]) == [
        "team",
        "week_start",
        "iso_week",
        "oncall_hours",
        "pages",
        "pages_per_oncall_hour",
        "business_pages",
        "off_hours_pages",
        "sleep_pages",
    ]


def test_oncall_load_keeps_weeks_overlapping_the_period():
    con = warehouse(
        shifts=[
            {
                "team": "core",
                "engineer": "a",
                "start_at": "2026-10-26 00:00",
                "end_at": "2026-11-16 00:00",
            }
        ],
        as_of="2026-12-01 00:00",
    )
    # November 2026 starts on a Sunday: its first ISO week starts Monday 2026-10-26
    start, end = metrics.period_bounds(date(2026, 11, 1), date(2026, 11, 30))
    frame = metrics.oncall_load(con, start, end)
    assert frame["week_start"].tolist() == [
        date(2026, 10, 26),
        date(2026, 11, 2),
        date(2026, 11, 9),
    ]
    assert frame["oncall_hours"].tolist() == [168.0, 168.0, 168.0]


def test_compare_periods_flags_changes_inside_the_interval():
    current = pd.DataFrame(
        {
            "severity": [1, 2],
            "mtta_median_s": [600.0, 900.0],
            "mtta_median_lo_s": [500.0, 850.0],
            "mtta_median_hi_s": [700.0, 950.0],
            "mtta_n": [10, 12],
        }
    )
    previous = pd.DataFrame(
        {"severity": [1, 2], "mtta_median_s": [650.0, 1200.0], "mtta_n": [9, 11]}
    )
    frame = metrics.compare_periods(current, previous)
    assert frame["severity"].tolist() == [1, 2]
    assert frame["metric"].tolist() == ["mtta_median_s", "mtta_median_s"]
    # 650 lies in [500, 700]: not distinguishable; 1200 outside [850, 950]: a real change
    assert frame["not_distinguishable"].tolist() == [True, False]
    assert frame["change"].tolist() == [-50.0, -300.0]
    assert frame["n_previous"].tolist() == [9, 11]
    # a group absent last period: unknown, never claimed as a change
    lonely = metrics.compare_periods(current, previous.iloc[:1])
    assert lonely["not_distinguishable"].isna().tolist() == [False, True]
