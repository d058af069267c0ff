"""One calendar per person and oncall_fairness (SPEC §15): every figure hand-computed.

Dates used: 2026-10-25 is the last Sunday of October (Europe/Berlin falls back from CEST, UTC+2,
to CET, UTC+1, at 03:00 local: that local date holds 25 hours); 2026-03-29 the last Sunday of
March (springs forward: 23 hours). 2026-01-06 (a Tuesday) is Epiphany, a public holiday in
Bavaria (DE-BY) but not in Germany as a whole (DE). Unless a person is in `people`, they are
on UTC with the policy's holidays.
"""

from __future__ import annotations

import csv
import dataclasses
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from metrics_helpers import one, ts, warehouse

import analytics
from analytics import db, metrics
from analytics.policy import DEFAULT_POLICY
from tests.conftest import SAMPLE, run_cli

BERLIN = "Europe/Berlin"


def fair(con: duckdb.DuckDBPyConnection, engineer: str, month: str, team: str | None = None):
    """The oncall_fairness row of one engineer and month (and team, when several)."""
    rel = con.execute(
        "select * from oncall_fairness where engineer = $e and month = $m "
        "and ($t is null or team = $t)",
        {"e": engineer, "m": month, "t": team},
    )
    names = [d[0] for d in rel.description]
    rows = rel.fetchall()
    assert len(rows) == 1, rows
    return dict(zip(names, rows[0], strict=True))


def shift(engineer: str, start: str, end: str, team: str = "core", **extra) -> dict:
    return {"team": team, "engineer": engineer, "start_at": start, "end_at": end, **extra}


def page(page_id: str, sent_at: str, recipient: str, team: str = "core") -> dict:
    return {"page_id": page_id, "sent_at": sent_at, "recipient": recipient, "team": team}


# ----------------------------------------------------------------------------- DST


def test_a_dst_weekend_on_the_persons_clock():
    con = warehouse(
        people=[{"engineer": "Ann", "timezone": BERLIN}],
        shifts=[
            # Fri 23 Oct 00:00 CEST (22:00Z) to Tue 27 Oct 00:00 CET (23:00Z): local dates
            # Fri 23 (24 h), Sat 24 (24 h), Sun 25 (25 h: 02:00-03:00 twice), Mon 26 (24 h)
            shift("Ann", "2026-10-22 22:00", "2026-10-26 23:00"),
            # Sat 28 Mar 00:00 CET (27th 23:00Z) to Mon 30 Mar 00:00 CEST (29th 22:00Z):
            # Sat 28 (24 h) and Sun 29 (23 h: 02:00-03:00 never happens)
            shift("Ann", "2026-03-27 23:00", "2026-03-29 22:00"),
        ],
    )
    october = fair(con, "Ann", "2026-10")
    assert (
        october["oncall_hours"] == 97
    )  # 24 + 24 + 25 + 24 = 22:00Z on the 22nd to 23:00Z on the 26th
    # business hours: Fri 09-17 CEST (07-15Z) and Mon 09-17 CET (08-16Z): 8 + 8
    assert october["offhours_oncall_hours"] == 97 - 16
    assert october["weekend_oncall_hours"] == 24 + 25  # Saturday and the long Sunday
    assert october["holiday_oncall_hours"] == 0
    assert october["max_consecutive_oncall_days"] == 4  # Fri, Sat, Sun, Mon
    march = fair(con, "Ann", "2026-03")
    assert march["oncall_hours"] == 24 + 23
    assert march["weekend_oncall_hours"] == 47
    assert march["offhours_oncall_hours"] == 47
    assert march["max_consecutive_oncall_days"] == 2


def test_the_night_the_clocks_go_back_is_one_night():
    con = warehouse(
        people=[{"engineer": "Ann", "timezone": BERLIN}],
        pages=[
            page("p1", "2026-10-24 20:30", "Ann"),  # Sat 22:30 CEST: the night of the 24th
            page("p2", "2026-10-25 00:30", "Ann"),  # 02:30 CEST, first time round: same night
            page("p3", "2026-10-25 01:30", "Ann"),  # 02:30 CET, second time round: same night
            page("p4", "2026-10-25 05:59", "Ann"),  # 06:59 CET (07:59 had it been CEST): same
            page("p5", "2026-10-25 06:00", "Ann"),  # 07:00 CET: daytime
            page("p6", "2026-10-25 20:59", "Ann"),  # 21:59 CET: daytime
            page("p7", "2026-10-25 21:00", "Ann"),  # 22:00 CET: the night of the 25th
        ],
    )
    row = fair(con, "Ann", "2026-10")
    assert row["pages"] == 7  # every page, daytime and repeats included
    assert row["nights_interrupted"] == 2  # the nights of the 24th (10 h long) and the 25th
    assert row["max_week_nights_interrupted"] == 2  # both in ISO week 2026-W43
    assert row["oncall_hours"] == 0  # paged without a shift: a row all the same
    assert row["limit_flags"] == []  # 2 nights a week is the limit, not over it


# ----------------------------------------------------------------------- holidays


def _holiday_warehouse(policy=None):
    """Ann (Bavaria) and Bob (no country: the policy's, DE) both in Berlin, each on call for
    a team on Christmas Day 2025 and on Epiphany 2026, both whole local days."""
    return warehouse(
        policy=policy or dataclasses.replace(DEFAULT_POLICY, holidays_country="DE"),
        people=[
            {"engineer": "Ann", "timezone": BERLIN, "country": "DE-BY", "team": "core"},
            {"engineer": "Bob", "timezone": BERLIN, "team": "ops"},
        ],
        shifts=[
            # Thu 25 Dec 2025 and Tue 6 Jan 2026, 00:00-24:00 CET (23:00Z the day before)
            shift("Ann", "2025-12-24 23:00", "2025-12-25 23:00"),
            shift("Bob", "2025-12-24 23:00", "2025-12-25 23:00", team="ops"),
            shift("Ann", "2026-01-05 23:00", "2026-01-06 23:00"),
            shift("Bob", "2026-01-05 23:00", "2026-01-06 23:00", team="ops"),
        ],
        pages=[
            # Tue 6 Jan 10:00 CET, to each
            page("ann-epiphany", "2026-01-06 09:00", "Ann"),
            page("bob-epiphany", "2026-01-06 09:00", "Bob", team="ops"),
        ],
    )


def test_a_holiday_of_one_persons_country_and_not_the_policys():
    con = _holiday_warehouse()
    ann, bob = fair(con, "Ann", "2026-01"), fair(con, "Bob", "2026-01")
    # Epiphany is Ann's holiday (DE-BY): no business hours that Tuesday
    assert (ann["oncall_hours"], ann["holiday_oncall_hours"]) == (24, 24)
    assert ann["offhours_oncall_hours"] == 24
    # not Bob's (DE): 09:00-17:00 CET are business hours, 24 - 8 off hours
    assert (bob["oncall_hours"], bob["holiday_oncall_hours"]) == (24, 0)
    assert bob["offhours_oncall_hours"] == 16
    # Christmas Day is a holiday of both calendars (a Thursday: not a weekend)
    for name in ("Ann", "Bob"):
        december = fair(con, name, "2025-12")
        assert december["holiday_oncall_hours"] == 24
        assert december["offhours_oncall_hours"] == 24
        assert december["weekend_oncall_hours"] == 0
    # the same calendar classifies pages, and so oncall_load's business pages
    classes = dict(con.execute("select page_id, hour_class from page_metrics").fetchall())
    assert classes == {"ann-epiphany": "off", "bob-epiphany": "business"}
    load = dict(
        con.execute(
            "select team, (business_pages, off_hours_pages) from oncall_load "
            "where iso_week = '2026-W02'"
        ).fetchall()
    )
    assert load == {"core": (0, 1), "ops": (1, 0)}


def test_the_person_calendar_macros():
    con = _holiday_warehouse()
    epiphany_10_cet = "timestamptz '2026-01-06 09:00:00+00'"
    assert (
        one(con, f"select is_business_local_for({epiphany_10_cet}, '{BERLIN}', 'DE-BY')") is False
    )
    assert one(con, f"select is_business_local_for({epiphany_10_cet}, '{BERLIN}', null)") is True
    assert one(con, "select is_holiday_for(date '2026-01-06', 'DE-BY')") is True
    assert one(con, "select is_holiday_for(date '2026-01-06', '')") is False  # policy: DE
    assert one(con, "select is_holiday_for(date '2025-12-25', null)") is True
    assert one(con, "select is_weekend(date '2026-01-10')") is True  # a Saturday
    assert one(con, "select is_business_day_for(date '2026-01-07', 'DE-BY')") is True
    assert one(con, "select hour_class_local_for(timestamp '2026-01-06 10:00', 'DE-BY')") == "off"
    # the SEV-3 clock keeps the policy's own calendar
    assert one(con, "select is_business_day(date '2026-01-06')") is True
    # nights are labelled by the local date of their 22:00 start
    assert one(con, "select night_of_local(timestamp '2026-01-07 06:59')") == date(2026, 1, 6)
    assert one(con, "select night_of_local(timestamp '2026-01-06 22:00')") == date(2026, 1, 6)


def test_a_policy_shadow_moves_the_policy_country_only():
    con = _holiday_warehouse()
    # a reader given --policy without holidays: Bob's Christmas becomes a working Thursday
    # (09-17 CET business: 16 off hours); Ann's country still has it
    db._shadow(con, None, DEFAULT_POLICY)
    assert fair(con, "Bob", "2025-12")["offhours_oncall_hours"] == 16
    assert fair(con, "Bob", "2025-12")["holiday_oncall_hours"] == 0
    assert fair(con, "Ann", "2025-12")["holiday_oncall_hours"] == 24


# ------------------------------------------------------------------- runs of days


def test_the_longest_run_crosses_the_month_boundary_whole():
    con = warehouse(
        shifts=[
            # Oct 28 .. Nov 4 whole days, and 4 h of Nov 5 (>= 4 h: an on-call day): 9 days
            shift("ann", "2026-10-28 00:00", "2026-11-05 04:00"),
            # Nov 10 .. Nov 17 whole days, and 3 h 59 min of Nov 18 (not one): 8 days
            shift("bob", "2026-11-10 00:00", "2026-11-18 03:59"),
            # two runs of 2 days, one free day between them
            shift("cat", "2026-11-20 00:00", "2026-11-22 00:00"),
            shift("cat", "2026-11-23 00:00", "2026-11-25 00:00"),
        ]
    )
    october, november = fair(con, "ann", "2026-10"), fair(con, "ann", "2026-11")
    assert (october["oncall_hours"], november["oncall_hours"]) == (96, 100)  # 4 d | 4 d + 4 h
    # the same run of 9 days, counted whole in both months, over the limit of 8
    assert october["max_consecutive_oncall_days"] == november["max_consecutive_oncall_days"] == 9
    assert october["limit_flags"] == november["limit_flags"] == ["max_consecutive_oncall_days"]
    bob = fair(con, "bob", "2026-11")
    assert bob["max_consecutive_oncall_days"] == 8  # exactly at the limit: no flag
    assert bob["limit_flags"] == []
    assert fair(con, "cat", "2026-11")["max_consecutive_oncall_days"] == 2


# ----------------------------------------------------------------------- fair share


def _fair_share_warehouse():
    """fairness_weeks = 4: February 2026's window is February itself (28 days, 672 h)."""
    policy = dataclasses.replace(DEFAULT_POLICY, fairness_weeks=4)
    return warehouse(
        policy=policy,
        shifts=[
            shift("bob", "2026-01-18 00:00", "2026-01-25 00:00"),
            # ann's week and a bit, split by dan's one-day override (a swap)
            shift("ann", "2026-01-25 00:00", "2026-02-03 00:00"),
            shift("dan", "2026-02-03 00:00", "2026-02-04 00:00", is_override=True),
            shift("ann", "2026-02-04 00:00", "2026-02-08 00:00"),
            shift("bob", "2026-02-08 00:00", "2026-02-15 00:00"),
            # cat joins the rotation on Feb 15, half-way through the window
            shift("cat", "2026-02-15 00:00", "2026-02-22 00:00"),
            shift("ann", "2026-02-22 00:00", "2026-03-08 00:00"),
            shift("bob", "2026-03-08 00:00", "2026-03-15 00:00"),
            shift("cat", "2026-03-15 00:00", "2026-03-22 00:00"),
        ],
    )


def test_fair_share_with_a_member_who_joined_mid_window():
    con = _fair_share_warehouse()
    rows = {r["engineer"]: r for r in (fair(con, e, "2026-02") for e in ("ann", "bob", "cat"))}
    dan = fair(con, "dan", "2026-02")
    # window hours: ann Feb 1-3 (48) + Feb 4-8 (96) + Feb 22-Mar 1 (168); bob Feb 8-15; cat
    # Feb 15-22; dan his override day
    assert [rows[e]["window_hours"] for e in ("ann", "bob", "cat")] == [312, 168, 168]
    assert dan["window_hours"] == 24
    assert rows["ann"]["team_window_hours"] == 672  # every hour of February, overrides included
    # weights: ann (Jan 25 .. Mar 8) and bob (Jan 18 .. Mar 15) span the window: 1;
    # cat Feb 15 .. (Mar 22, clipped to) Mar 1 = 14 of 28 days; dan is no member
    assert [rows[e]["member_weight"] for e in ("ann", "bob", "cat")] == [1, 1, 0.5]
    assert (dan["is_member"], dan["member_weight"]) == (False, 0)
    assert (rows["ann"]["team_members"], rows["ann"]["team_member_weight"]) == (3, 2.5)
    # fair share 672 / 2.5 = 268.8 h; shares 312 / 268.8, 168 / 268.8
    assert rows["cat"]["team_fair_share_hours"] == pytest.approx(268.8)
    assert rows["ann"]["share_of_fair"] == pytest.approx(312 / 268.8)  # 1.1607
    assert rows["bob"]["share_of_fair"] == pytest.approx(0.625)
    assert rows["cat"]["share_of_fair"] == pytest.approx(0.625)
    assert dan["share_of_fair"] == pytest.approx(24 / 268.8)
    assert rows["ann"]["window_start_at"] == ts("2026-02-01 00:00")
    assert rows["ann"]["window_end_at"] == ts("2026-03-01 00:00")


def test_a_member_of_the_window_gets_a_row_with_no_hours_in_the_month():
    # the default 13-week window of October 2026: [Aug 2, Nov 1), 91 days
    con = warehouse(
        shifts=[
            shift("fay", "2026-08-03 00:00", "2026-08-10 00:00", team="ops"),
            shift("gus", "2026-08-10 00:00", "2026-11-02 00:00", team="ops"),
        ]
    )
    fay, gus = fair(con, "fay", "2026-10"), fair(con, "gus", "2026-10")
    assert (fay["oncall_hours"], fay["window_hours"], fay["is_member"]) == (0, 168, True)
    assert fay["member_weight"] == pytest.approx(7 / 91)
    assert gus["window_hours"] == 83 * 24  # Aug 10 .. Nov 1
    assert gus["member_weight"] == pytest.approx(83 / 91)
    # 90 days covered (Aug 2-3 is a gap) over weights 90/91: a whole window's 2184 h
    assert gus["team_fair_share_hours"] == pytest.approx(2184)
    assert fay["share_of_fair"] == pytest.approx(168 / 2184)


# ------------------------------------------------------------------- limit flags


def test_interrupted_nights_per_iso_week_of_the_nights_dates():
    con = warehouse(
        shifts=[shift("cat", "2026-10-10 00:00", "2026-10-11 00:00")],
        pages=[
            # ann: 22:30 and 02:00 are one night (the 5th), then the night of the 6th: 2
            page("a1", "2026-10-05 22:30", "ann"),
            page("a2", "2026-10-06 02:00", "ann"),
            page("a3", "2026-10-06 23:00", "ann"),
            # bob: the nights of the 5th, 6th and 7th (06:30 on the 8th): 3 in W41
            page("b1", "2026-10-05 23:00", "bob"),
            page("b2", "2026-10-06 23:00", "bob"),
            page("b3", "2026-10-08 06:30", "bob"),
            # dan: Fri 9th, Sat 10th, and 03:00 on Monday the 12th, the night of Sunday the
            # 11th: 3 nights in W41 (by the page's own date, 2 in W41 and 1 in W42)
            page("d1", "2026-10-09 23:00", "dan"),
            page("d2", "2026-10-10 23:00", "dan"),
            page("d3", "2026-10-12 03:00", "dan"),
            # cat: the nights of Sep 28, 29, 30, in W40 (Sep 28 - Oct 4), a week that
            # touches October too
            page("c1", "2026-09-28 23:00", "cat"),
            page("c2", "2026-09-29 23:00", "cat"),
            page("c3", "2026-09-30 23:00", "cat"),
        ],
    )
    ann = fair(con, "ann", "2026-10")
    assert (ann["pages"], ann["nights_interrupted"], ann["max_week_nights_interrupted"]) == (
        3,
        2,
        2,
    )
    assert ann["limit_flags"] == []  # exactly at the limit of 2
    bob = fair(con, "bob", "2026-10")
    assert (bob["nights_interrupted"], bob["limit_flags"]) == (
        3,
        ["max_interrupted_nights_per_week"],
    )
    dan = fair(con, "dan", "2026-10")
    assert dan["max_week_nights_interrupted"] == 3
    assert dan["limit_flags"] == ["max_interrupted_nights_per_week"]
    # cat's October: no page, yet W40 touches October 1-4
    cat = fair(con, "cat", "2026-10")
    assert (cat["pages"], cat["nights_interrupted"], cat["max_week_nights_interrupted"]) == (
        0,
        0,
        3,
    )
    assert cat["limit_flags"] == ["max_interrupted_nights_per_week"]
    assert fair(con, "cat", "2026-09")["limit_flags"] == ["max_interrupted_nights_per_week"]


def test_offhours_in_any_28_days():
    # a limit of 64 h (the default 400 needs months of rows); teams apart, one person each
    policy = dataclasses.replace(DEFAULT_POLICY, max_offhours_oncall_hours_per_4_weeks=64)
    con = warehouse(
        policy=policy,
        shifts=[
            # Fri Oct 2 17:00 .. Mon Oct 5 09:00: 7 + 24 + 24 + 9 = 64 off hours, exactly
            shift("ann", "2026-10-02 17:00", "2026-10-05 09:00", team="t1"),
            # Fri 16:00 .. Mon 10:00: 66 h, of which Fri 16-17 and Mon 09-10 business: 64 off
            shift("bob", "2026-10-02 16:00", "2026-10-05 10:00", team="t2"),
            # the same 64 and Thu Oct 1 23:00-24:00: 65
            shift("cat", "2026-10-01 23:00", "2026-10-02 00:00", team="t3"),
            shift("cat", "2026-10-02 17:00", "2026-10-05 09:00", team="t3"),
            # 64 over Sep 25-28 and 64 over Oct 2-5: the 28 days to Oct 5 (Sep 8 .. Oct 5)
            # hold both; no 28 days ending in September hold more than the first
            shift("eve", "2026-09-25 17:00", "2026-09-28 09:00", team="t4"),
            shift("eve", "2026-10-02 17:00", "2026-10-05 09:00", team="t4"),
        ],
    )
    ann, bob, cat = (fair(con, e, "2026-10") for e in ("ann", "bob", "cat"))
    assert (ann["offhours_oncall_hours"], ann["max_offhours_oncall_hours_28_days"]) == (64, 64)
    assert ann["limit_flags"] == []
    assert (bob["oncall_hours"], bob["offhours_oncall_hours"]) == (66, 64)
    assert bob["limit_flags"] == []
    assert cat["max_offhours_oncall_hours_28_days"] == 65
    assert cat["limit_flags"] == ["max_offhours_oncall_hours_per_4_weeks"]
    eve_october, eve_september = fair(con, "eve", "2026-10"), fair(con, "eve", "2026-09")
    assert eve_october["offhours_oncall_hours"] == 64  # the month's own
    assert eve_october["max_offhours_oncall_hours_28_days"] == 128
    assert eve_october["limit_flags"] == ["max_offhours_oncall_hours_per_4_weeks"]
    assert eve_september["max_offhours_oncall_hours_28_days"] == 64
    assert eve_september["limit_flags"] == []


def test_a_limit_of_zero_is_off():
    policy = dataclasses.replace(
        DEFAULT_POLICY,
        max_consecutive_oncall_days=0,
        max_interrupted_nights_per_week=0,
        max_offhours_oncall_hours_per_4_weeks=0,
    )
    con = warehouse(
        policy=policy,
        shifts=[shift("ann", "2026-10-01 00:00", "2026-10-31 00:00")],  # 30 days, 720 h
        pages=[page(f"n{d}", f"2026-10-{d:02d} 23:00", "ann") for d in range(5, 10)],
    )
    row = fair(con, "ann", "2026-10")
    assert row["max_consecutive_oncall_days"] == 30
    assert row["max_week_nights_interrupted"] == 5
    assert row["limit_flags"] == []


# ------------------------------------------------------------------ custom periods


def test_a_calendar_month_through_the_python_api_is_the_views_month():
    con = _fair_share_warehouse()
    api = metrics.oncall_fairness(con, ts("2026-02-01 00:00"), ts("2026-03-01 00:00"))
    view = con.execute(
        "select * from oncall_fairness where month = '2026-02' order by team, engineer"
    ).df()
    assert list(api["engineer"]) == ["ann", "bob", "cat", "dan"]
    assert api.equals(view)


def test_a_custom_period_is_one_period_with_its_own_window():
    con = _fair_share_warehouse()
    # [Feb 8, Feb 22): window [Jan 25, Feb 22) (4 weeks): ann Jan 25-Feb 3 (216) + Feb 4-8
    # (96) = 312, dan 24, bob 168, cat 168: 672. Weights ann 1 (Jan 25 .. Mar 8), bob 1, cat
    # Feb 15 .. Feb 22 = 7/28. Fair share 672 / 2.25 = 298.67 h.
    frame = metrics.oncall_fairness(con, ts("2026-02-08 00:00"), ts("2026-02-22 00:00"))
    rows = {r["engineer"]: r for r in frame.to_dict("records")}
    # dan's override day is in the window, not the period: he is no member, so no row
    assert sorted(rows) == ["ann", "bob", "cat"]
    assert pd.isna(rows["ann"]["month"])  # not a calendar month
    assert rows["ann"]["oncall_hours"] == 0  # a member with no hours in the period
    assert (rows["bob"]["oncall_hours"], rows["cat"]["oncall_hours"]) == (168, 168)
    assert rows["cat"]["member_weight"] == pytest.approx(0.25)
    assert rows["cat"]["team_fair_share_hours"] == pytest.approx(672 / 2.25)
    assert rows["cat"]["share_of_fair"] == pytest.approx(168 / (672 / 2.25))
    with pytest.raises(ValueError):
        metrics.oncall_fairness(con, ts("2026-02-08 00:00"), ts("2026-02-08 00:00"))


def test_the_view_reads_in_a_plain_client(tmp_path):
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    warehouse(
        people=[{"engineer": "Ann", "timezone": BERLIN, "country": "DE-BY"}],
        shifts=[shift("Ann", "2026-01-05 23:00", "2026-01-06 23:00")],
        con=con,
    )
    con.close()
    plain = duckdb.connect(str(path), read_only=True)
    try:
        assert plain.execute(
            "select holiday_oncall_hours from oncall_fairness where month = '2026-01'"
        ).fetchall() == [(24,)]
        comments = plain.execute(
            "select count(*) from duckdb_columns() where table_name = 'oncall_fairness' "
            "and comment is null"
        ).fetchone()[0]
        assert comments == 0
    finally:
        plain.close()
    # the analyst's API: the same month, by name
    frame = analytics.oncall_fairness("2026-01", db=path)
    assert frame[["engineer", "holiday_oncall_hours"]].values.tolist() == [["Ann", 24]]


# -------------------------------------------------------------------------- ingest


PEOPLE = """engineer,employee_id,team,timezone,email,country
Ann,E1,core,Europe/Berlin,,de-by
Bob,E2,core,Europe/Berlin,,
Cat,E3,core,UTC,,XX
Dan,E4,core,UTC,, DE-ZZ
"""
ROTATION = "team,engineer,start,end\ncore,Ann,2026-01-05T23:00:00Z,2026-01-06T23:00:00Z\n"


def test_ingest_validates_and_stores_the_country_and_writes_its_holidays(tmp_path: Path):
    raw = tmp_path / "raw"
    (raw / "rotations").mkdir(parents=True)
    (raw / "people.csv").write_text(PEOPLE)
    (raw / "rotations" / "core.csv").write_text(ROTATION)
    db_path = tmp_path / "w.duckdb"
    result = run_cli("ingest", str(raw), "--db", str(db_path))
    assert result.returncode == 1  # done, with rejections
    accepted = (
        "expected an ISO 3166-1 country code known to the holidays package, optionally with "
        "a subdivision, such as US, DE or DE-BY"
    )
    out = result.stdout + result.stderr
    assert f"people.csv:4: country 'XX' is not accepted: {accepted}" in out
    assert f"people.csv:5: country 'DE-ZZ' is not accepted: {accepted}" in out
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        assert con.execute("select engineer, country from people order by 1").fetchall() == [
            ("Ann", "DE-BY"),  # upper-cased
            ("Bob", None),  # blank: the policy's country
        ]
        # the years the shifts span (2026), one more each side
        years = con.execute(
            "select min(year(holiday_date)), max(year(holiday_date)), count(distinct country) "
            "from country_holidays"
        ).fetchone()
        assert years == (2025, 2027, 1)
        assert con.execute(
            "select name from country_holidays where country = 'DE-BY' "
            "and holiday_date = date '2026-01-06'"
        ).fetchall() == [("Epiphany",)]
        assert con.execute(
            "select holiday_oncall_hours from oncall_fairness where engineer = 'Ann'"
        ).fetchall() == [(24,)]
    finally:
        con.close()


def test_the_bundled_sample_has_a_row_per_member_and_month(sample_warehouse):
    con = duckdb.connect(str(sample_warehouse), read_only=True)
    try:
        # every (team, engineer, month) once; hours never negative; shares of members only
        dupes, bad = con.execute(
            "select count(*) - count(distinct (team, engineer, month)), "
            "count(*) filter (where offhours_oncall_hours > oncall_hours + 1e-9 "
            "or weekend_oncall_hours > oncall_hours + 1e-9 or oncall_hours < 0) "
            "from oncall_fairness"
        ).fetchone()
        assert (dupes, bad) == (0, 0)
        # on-call hours per team over all months are the shifts' hours
        assert (
            con.execute(
                "select count(*) from (select team, sum(oncall_hours) as h "
                "from oncall_fairness group by all) as f "
                "full join (select team, sum(epoch(end_at - start_at)) / 3600 as h "
                "from oncall_shifts group by all) as s "
                "using (team) where abs(f.h - s.h) > 1e-6 or f.h is null or s.h is null"
            ).fetchone()[0]
            == 0
        )
    finally:
        con.close()


def test_month_and_bounds_are_utc():
    con = warehouse(shifts=[shift("ann", "2026-10-31 23:00", "2026-11-01 01:00")])
    # one hour in each UTC month, whatever the engineer's clock
    assert fair(con, "ann", "2026-10")["oncall_hours"] == 1
    november = fair(con, "ann", "2026-11")
    assert november["oncall_hours"] == 1
    assert november["period_start"] == datetime(2026, 11, 1, tzinfo=UTC)


# Countries for the sample's people, as a later sample could give them: holidays then fall in
# on-call weeks (e.g. Columbus Day, Mon 2026-10-12, in Elena's week; Corpus Christi, Thu
# 2026-06-04, in Alice's).
SAMPLE_COUNTRIES = {
    "Alice Chen": "DE-BY",
    "Bruno Okafor": "DE-BE",
    "Chloe Martin": "GB-ENG",
    "Dev Patel": "AU-NSW",
    "Elena Rossi": "US",
    "Farid Haddad": "US-NY",
    "Hiro Tanaka": "DE",
    "Ines Garcia": "IN",
    "Jonas Becker": "IN",
    "Kavya Iyer": "US",
    "Liam Murphy": "IE",
}


def test_countries_change_no_payroll_byte(sample_warehouse, tmp_path: Path):
    plain = tmp_path / "plain.duckdb"
    shutil.copy(sample_warehouse, plain)
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE, raw)
    people = list(csv.DictReader((raw / "people.csv").open(encoding="utf-8")))
    with (raw / "people.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=[*people[0], "country"])
        writer.writeheader()
        for person in people:
            writer.writerow({**person, "country": SAMPLE_COUNTRIES.get(person["engineer"], "")})
    with_countries = tmp_path / "countries.duckdb"
    assert run_cli("ingest", str(raw), "--db", str(with_countries), "--quiet").returncode == 0
    csvs = []
    for name, path in (("plain", plain), ("countries", with_countries)):
        out = tmp_path / f"{name}.csv"
        result = run_cli("payroll", "--period", "2026-10", "--db", str(path), "--out", str(out))
        assert result.returncode == 0, result.stderr
        csvs.append(out.read_bytes())
    assert csvs[0] == csvs[1]
    con = duckdb.connect(str(with_countries), read_only=True)
    try:
        # Columbus Day in Elena's week: 24 holiday hours in her October
        assert con.execute(
            "select holiday_oncall_hours from oncall_fairness "
            "where engineer = 'Elena Rossi' and month = '2026-10'"
        ).fetchall() == [(24,)]
    finally:
        con.close()


def test_people_files_that_disagree_about_a_country_warn(tmp_path: Path):
    raw = tmp_path / "raw"
    (raw / "a").mkdir(parents=True)
    (raw / "b").mkdir()
    (raw / "a" / "people.csv").write_text("engineer,timezone,country\nAnn,Europe/Berlin,DE-BY\n")
    (raw / "b" / "people.csv").write_text("engineer,timezone,country\nann,Europe/Berlin,de\n")
    result = run_cli("ingest", str(raw), "--db", str(tmp_path / "w.duckdb"))
    assert result.returncode == 0, result.stderr
    out = (result.stdout + result.stderr).replace(str(raw) + "/", "")
    assert "b/people.csv:2: ann: country 'DE' here, 'DE-BY' there (a/people.csv:2)" in out
