"""analytics.pay: payroll lines computed by hand (SPEC §7, §11)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pay_helpers import add_rows, build_warehouse, line_of, memory_warehouse, payroll_of

from analytics.errors import UsageError
from analytics.pay import compute_payroll, format_hours, month_period, previous_month, render_csv
from analytics.policy import DEFAULT_POLICY, PayRate, Policy

NOV = (date(2026, 11, 1), date(2026, 12, 1))
PEOPLE = [
    ("Alice", "E1", "Platform", "Europe/Berlin"),
    ("Bob", "E2", "platform", "UTC"),
    ("Chen", "E3", "db", "America/New_York"),
]


def test_periods():
    assert previous_month(date(2026, 12, 1)) == (date(2026, 11, 1), date(2026, 12, 1))
    assert previous_month(date(2027, 1, 15)) == (date(2026, 12, 1), date(2027, 1, 1))
    assert month_period("2026-11") == (date(2026, 11, 1), date(2026, 12, 1))
    assert month_period("2026-12") == (date(2026, 12, 1), date(2027, 1, 1))
    for bad in ("2026-13", "2026-1", "nov", "2026-11-01", "../x"):
        with pytest.raises(UsageError, match="YYYY-MM"):
            month_period(bad)


def test_format_hours():
    assert [format_hours(Decimal(x)) for x in ("168.00", "5.50", "12.25", "0", "0.005")] == [
        "168",
        "5.5",
        "12.25",
        "0",
        "0.01",
    ]


def test_full_week_is_168_hours_and_500(tmp_path):
    # Mon 2026-11-02 00:00Z .. Mon 2026-11-09 00:00Z = 7 x 24 = 168 h; 500 x 168/168 = 500.00
    wh = build_warehouse(
        tmp_path / "w.duckdb",
        people=PEOPLE,
        shifts=[("platform", "Alice", "2026-11-02 00:00", "2026-11-09 00:00")],
    )
    payroll = payroll_of(wh, *NOV)
    (line,) = payroll.lines
    assert (line.engineer, line.employee_id, line.team) == ("Alice", "E1", "platform")
    assert line.oncall_hours == Decimal("168")
    assert line.stipend_usd == Decimal("500.00")
    assert line.total_pay_usd == Decimal("500.00")
    assert render_csv(payroll) == (
        b"period_start,period_end,employee_id,engineer,team,oncall_hours,stipend_usd,"
        b"sev1_incidents,sev1_bonus_usd,overnight_pages,comp_time_hours,total_pay_usd\n"
        b"2026-11-01,2026-11-30,E1,Alice,platform,168,500.00,0,0.00,0,0,500.00\n"
    )
    assert payroll.warnings == []


def test_override_of_five_hours_mid_week(tmp_path):
    # oncall_shifts after resolution: Alice, Bob's 5 h override (Wed 10:00-15:00), Alice again.
    # Alice: 168 - 5 = 163 h -> 500 x 163/168 = 485.1190... -> 485.12
    # Bob:   5 h            -> 500 x 5/168   =  14.8809... ->  14.88   (sum 500.00)
    wh = build_warehouse(
        tmp_path / "w.duckdb",
        people=PEOPLE,
        shifts=[
            ("platform", "Alice", "2026-11-02 00:00", "2026-11-04 10:00"),
            ("platform", "Bob", "2026-11-04 10:00", "2026-11-04 15:00", True),
            ("platform", "Alice", "2026-11-04 15:00", "2026-11-09 00:00"),
        ],
    )
    payroll = payroll_of(wh, *NOV)
    alice, bob = line_of(payroll, "Alice"), line_of(payroll, "Bob")
    assert (alice.oncall_hours, alice.stipend_usd) == (Decimal("163"), Decimal("485.12"))
    assert (bob.oncall_hours, bob.stipend_usd) == (Decimal("5"), Decimal("14.88"))
    assert [x.engineer for x in payroll.lines] == ["Alice", "Bob"]  # same team: by engineer


def test_shift_across_the_month_boundary_is_split(tmp_path):
    # Mon 2026-10-26 .. Mon 2026-11-02: October holds 6 days = 144 h -> 500 x 144/168 = 428.5714
    # -> 428.57; November holds 24 h -> 500 x 24/168 = 71.4285 -> 71.43. Together 500.00.
    wh = build_warehouse(
        tmp_path / "w.duckdb",
        people=PEOPLE,
        shifts=[("platform", "Bob", "2026-10-26 00:00", "2026-11-02 00:00")],
    )
    october = line_of(payroll_of(wh, date(2026, 10, 1), date(2026, 11, 1)), "Bob")
    november = line_of(payroll_of(wh, *NOV), "Bob")
    assert (october.oncall_hours, october.stipend_usd) == (Decimal("144"), Decimal("428.57"))
    assert (november.oncall_hours, november.stipend_usd) == (Decimal("24"), Decimal("71.43"))
    assert october.period_end == date(2026, 10, 31)


def test_rate_change_mid_shift(tmp_path):
    # 700/week from Thu 2026-11-05 00:00Z. Shift Mon 11-02 .. Mon 11-09:
    # 72 h at 500 = 214.285714..., 96 h at 700 = 400.00 -> 614.285714... -> 614.29.
    # SEV-1 on 11-04 pays 200, on 11-06 the new 250 -> 450.00 bonus.
    policy = Policy(
        pay=(
            PayRate(date(2000, 1, 1), Decimal("500.00"), Decimal("200.00"), Decimal("4")),
            PayRate(date(2026, 11, 5), Decimal("700.00"), Decimal("250.00"), Decimal("2.5")),
        )
    )
    wh = build_warehouse(
        tmp_path / "w.duckdb",
        people=PEOPLE,
        shifts=[("db", "Chen", "2026-11-02 00:00", "2026-11-09 00:00")],
        incidents=[
            ("INC-A", 1, "db", "2026-11-04 12:00", None),
            ("INC-B", 1, "db", "2026-11-06 12:00", None),
        ],
        # New York 23:00 EST on 11-03 (4 h) and on 11-06 (2.5 h) -> 6.5 h comp time
        pages=[
            ("p1", "2026-11-04 04:00", "Chen", "db", None),
            ("p2", "2026-11-07 04:00", "Chen", "db", None),
        ],
        policy=policy,
    )
    line = line_of(payroll_of(wh, *NOV), "Chen")
    assert line.stipend_usd == Decimal("614.29")
    assert (line.sev1_incidents, line.sev1_bonus_usd) == (2, Decimal("450.00"))
    assert (line.overnight_pages, line.comp_time_hours) == (2, Decimal("6.5"))
    assert line.total_pay_usd == Decimal("1064.29")
    # a --policy given to the reader shadows the stored one
    shadowed = line_of(payroll_of(wh, *NOV, policy=DEFAULT_POLICY), "Chen")
    assert shadowed.stipend_usd == Decimal("500.00")


def test_overnight_pages_across_dst_changes(tmp_path):
    # Europe/Berlin, spring forward Sun 2026-03-29 (01:00Z):
    #   04:30Z = 06:30 CEST overnight; 05:30Z = 07:30 CEST not (a fixed +1 would say 06:30).
    # Berlin, fall back Sun 2026-10-25: 20:30Z = 21:30 CET not overnight (CEST would say 22:30).
    # America/New_York, spring forward Sun 2026-03-08 (07:00Z):
    #   10:30Z = 06:30 EDT overnight; 11:30Z = 07:30 EDT not (EST would say 06:30);
    #   03-09 02:30Z = 22:30 EDT on the 8th overnight (EST would say 21:30).
    wh = build_warehouse(
        tmp_path / "w.duckdb",
        people=PEOPLE,
        pages=[
            ("b1", "2026-03-29 04:30", "Alice", "platform", None),
            ("b2", "2026-03-29 05:30", "Alice", "platform", None),
            ("b3", "2026-10-25 20:30", "Alice", "platform", None),
            ("n1", "2026-03-08 10:30", "Chen", "db", None),
            ("n2", "2026-03-08 11:30", "Chen", "db", None),
            ("n3", "2026-03-09 02:30", "Chen", "db", None),
        ],
    )
    march = payroll_of(wh, date(2026, 3, 1), date(2026, 4, 1))
    alice, chen = line_of(march, "Alice"), line_of(march, "Chen")
    assert (alice.overnight_pages, alice.comp_time_hours) == (1, Decimal("4"))
    assert (chen.overnight_pages, chen.comp_time_hours) == (2, Decimal("8"))
    assert {r["ref"] for r in march.explain} == {"b1", "n1", "n3"}
    # pages and comp time alone give a line with no money
    assert (alice.stipend_usd, alice.total_pay_usd) == (Decimal("0.00"), Decimal("0.00"))
    assert payroll_of(wh, date(2026, 10, 1), date(2026, 11, 1)).lines == []


def test_page_storm_counts_once(tmp_path):
    # 30 overnight pages for INC-9 to Bob (UTC) -> one credit, 4 h. A page of INC-9 sent by day
    # before the storm does not count (the first *overnight* one does). INC-8: first overnight
    # page on Oct 31 -> counted in October; its November pages count nothing.
    storm = [(f"s{n}", f"2026-11-10 23:{n:02d}", "bob", "platform", "INC-9") for n in range(30)]
    wh = build_warehouse(
        tmp_path / "w.duckdb",
        people=PEOPLE,
        pages=[
            ("day", "2026-11-10 15:00", "Bob", "platform", "INC-9"),
            *storm,
            ("o1", "2026-10-31 23:30", "Bob", "platform", "INC-8"),
            ("o2", "2026-11-01 00:30", "Bob", "platform", "INC-8"),
            ("o3", "2026-11-01 01:30", "Bob", "platform", "INC-8"),
        ],
    )
    bob = line_of(payroll_of(wh, *NOV), "Bob")
    assert (bob.overnight_pages, bob.comp_time_hours) == (1, Decimal("4"))
    october = line_of(payroll_of(wh, date(2026, 10, 1), date(2026, 11, 1)), "Bob")
    assert october.overnight_pages == 1
    counted = [r["ref"] for r in payroll_of(wh, *NOV).explain]
    assert counted == ["s0"]


def test_a_sev1_is_judged_on_its_winning_version(tmp_path):
    # pay reads the incidents some loaded version of which is a SEV-1 of the period (a TEMP
    # shadow of the view, for speed): the winning version (the timeline's) still decides
    import duckdb

    wh = build_warehouse(
        tmp_path / "w.duckdb",
        people=PEOPLE,
        shifts=[("platform", "Bob", "2026-11-01 00:00", "2026-12-01 00:00")],
        incidents=[
            ("INC-7", 2, "platform", "2026-11-03 12:00", "Bob"),
            ("INC-8", 1, "platform", "2026-11-04 12:00", "Bob"),
        ],
    )
    con = duckdb.connect(str(wh))
    con.execute(
        "insert into src_incidents (incident_id, severity, team, started_at, detected_at, "
        "acknowledged_by, source_file, source_kind) values "
        "('INC-7', 1, 'platform', '2026-11-03 11:00Z', '2026-11-03 12:00Z', 'Bob', "
        "'pd/INC-7.json', 'pagerduty'), "
        "('INC-8', 3, 'platform', '2026-10-04 11:00Z', '2026-10-04 12:00Z', 'Bob', "
        "'pd/INC-8.json', 'pagerduty')"
    )
    con.close()
    assert [r["ref"] for r in payroll_of(wh, *NOV).explain if r["kind"] == "sev1"] == ["INC-8"]
    october = payroll_of(wh, date(2026, 10, 1), date(2026, 11, 1))
    assert [r for r in october.explain if r["kind"] == "sev1"] == []


def test_sev1_bonus_goes_to_the_acknowledger_or_the_on_call(tmp_path):
    # INC-1: acknowledged by Chen, who is not on call for platform -> Chen 200.
    # INC-2: nobody acknowledged; Alice on call for platform at detection -> Alice 200.
    # INC-3: nobody acknowledged, detected in a gap of the platform rotation -> no bonus + warning.
    # INC-4 is SEV-2: no bonus. INC-5 detected in December: not this period.
    wh = build_warehouse(
        tmp_path / "w.duckdb",
        people=PEOPLE,
        shifts=[("platform", "Alice", "2026-11-02 00:00", "2026-11-09 00:00")],
        incidents=[
            ("INC-1", 1, "platform", "2026-11-03 12:00", "chen"),
            ("INC-2", 1, "platform", "2026-11-04 12:00", None),
            ("INC-3", 1, "platform", "2026-11-20 12:00", None),
            ("INC-4", 2, "platform", "2026-11-04 13:00", None),
            ("INC-5", 1, "platform", "2026-12-01 00:00", None),
        ],
    )
    payroll = payroll_of(wh, *NOV)
    chen, alice = line_of(payroll, "Chen"), line_of(payroll, "Alice")
    assert (chen.sev1_incidents, chen.sev1_bonus_usd, chen.team) == (1, Decimal("200.00"), "db")
    assert (chen.oncall_hours, chen.total_pay_usd) == (Decimal("0"), Decimal("200.00"))
    assert (alice.sev1_incidents, alice.total_pay_usd) == (1, Decimal("700.00"))
    assert len(payroll.warnings) == 1
    assert "INC-3" in payroll.warnings[0] and "no bonus" in payroll.warnings[0]


def test_handler_missing_from_people_keeps_a_line(tmp_path):
    # Dana is in no people.csv: her SEV-1 bonus (team of the incident) and her overnight page
    # (UTC, team of the page) still pay: line with empty employee_id + a warning.
    wh = build_warehouse(
        tmp_path / "w.duckdb",
        people=PEOPLE,
        incidents=[("INC-7", 1, "payments", "2026-11-12 09:00", "Dana")],
        pages=[("d1", "2026-11-13 06:59", "dana", "payments", None)],
    )
    payroll = payroll_of(wh, *NOV)
    (line,) = payroll.lines
    assert (line.engineer, line.employee_id, line.team) == ("Dana", "", "payments")
    assert (line.sev1_bonus_usd, line.overnight_pages) == (Decimal("200.00"), 1)
    assert any("Dana is not in people.csv" in w for w in payroll.warnings)
    assert b"\n2026-11-01,2026-11-30,,Dana,payments,0,0.00,1,200.00,1,4,200.00\n" in render_csv(
        payroll
    )


def test_same_person_on_two_rotations_is_paid_once(tmp_path):
    # Alice on platform Mon 11-02 .. Mon 11-09 and (spelled "alice ") on db Thu 11-05 .. Thu 11-12.
    # Union 11-02 .. 11-12 = 10 days = 240 h (72 h overlap paid once): 500 x 240/168 = 714.2857
    # -> 714.29. Her team is people.csv's (platform), not the db rotation's.
    wh = build_warehouse(
        tmp_path / "w.duckdb",
        people=PEOPLE,
        shifts=[
            ("platform", "Alice", "2026-11-02 00:00", "2026-11-09 00:00"),
            ("db", "alice ", "2026-11-05 00:00", "2026-11-12 00:00"),
        ],
    )
    payroll = payroll_of(wh, *NOV)
    (line,) = payroll.lines
    assert (line.engineer, line.team) == ("Alice", "platform")
    assert (line.oncall_hours, line.stipend_usd) == (Decimal("240"), Decimal("714.29"))
    (piece,) = [r for r in payroll.explain if r["kind"] == "shift"]
    assert piece["source_team"] == "db,platform"


def test_lines_sorted_by_team_then_engineer(tmp_path):
    wh = build_warehouse(
        tmp_path / "w.duckdb",
        people=[*PEOPLE, ("aaron", "E4", "platform", "UTC")],
        shifts=[
            ("platform", "Bob", "2026-11-02 00:00", "2026-11-03 00:00"),
            ("platform", "aaron", "2026-11-03 00:00", "2026-11-04 00:00"),
            ("db", "Chen", "2026-11-02 00:00", "2026-11-03 00:00"),
        ],
    )
    payroll = payroll_of(wh, *NOV)
    assert [(x.team, x.engineer) for x in payroll.lines] == [
        ("db", "Chen"),
        ("platform", "aaron"),
        ("platform", "Bob"),
    ]


def test_explain_rebuilds_every_line(tmp_path):
    # Only from the explanation rows: stipend = sum(rate x seconds / 604800) rounded once,
    # bonus = sum of SEV-1 amounts, comp time = sum of page hours.
    from fractions import Fraction

    from analytics.pay import _round_half_up

    wh = build_warehouse(
        tmp_path / "w.duckdb",
        people=PEOPLE,
        shifts=[
            ("platform", "Alice", "2026-11-02 00:00", "2026-11-04 10:00"),
            ("platform", "Bob", "2026-11-04 10:00", "2026-11-04 15:00", True),
            ("platform", "Alice", "2026-11-04 15:00", "2026-11-09 00:00"),
        ],
        incidents=[("INC-1", 1, "platform", "2026-11-03 12:00", "Bob")],
        pages=[("p1", "2026-11-03 02:00", "Bob", "platform", "INC-1")],
    )
    payroll = payroll_of(wh, *NOV)
    for line in payroll.lines:
        rows = [r for r in payroll.explain if r["engineer"] == line.engineer]
        shifts = [r for r in rows if r["kind"] == "shift"]
        stipend = sum(
            (
                Fraction(Decimal(r["rate"])) * Fraction(Decimal(r["seconds"])) / 604800
                for r in shifts
            ),
            Fraction(0),
        )
        hours = sum((Fraction(Decimal(r["seconds"])) for r in shifts), Fraction(0)) / 3600
        bonus = sum((Decimal(r["amount_usd"]) for r in rows if r["kind"] == "sev1"), Decimal(0))
        comp = sum(
            (Decimal(r["comp_time_hours"]) for r in rows if r["kind"] == "overnight_page"),
            Decimal(0),
        )
        assert _round_half_up(stipend) == line.stipend_usd
        assert _round_half_up(hours) == line.oncall_hours
        assert bonus == line.sev1_bonus_usd
        assert comp == line.comp_time_hours
        assert line.sev1_incidents == sum(r["kind"] == "sev1" for r in rows)
        assert line.overnight_pages == sum(r["kind"] == "overnight_page" for r in rows)
        assert line.total_pay_usd == line.stipend_usd + line.sev1_bonus_usd


def test_empty_or_reversed_period_is_a_usage_error(tmp_path):
    wh = build_warehouse(tmp_path / "w.duckdb", people=PEOPLE)
    with pytest.raises(UsageError):
        payroll_of(wh, date(2026, 11, 2), date(2026, 11, 2))


# --- properties --------------------------------------------------------------------------------

HOUR = st.integers(min_value=0, max_value=24 * 40)


@st.composite
def rotations(draw):
    """Up to 6 shifts (2 teams, 3 people) in Nov 2026 .. early Dec, on the quarter hour."""
    shifts = []
    for _ in range(draw(st.integers(1, 6))):
        start = draw(HOUR) * 4 + draw(st.integers(0, 3))
        length = draw(st.integers(1, 24 * 4 * 9))
        who = draw(st.sampled_from(["Alice", "Bob", "chen"]))
        team = draw(st.sampled_from(["platform", "db"]))
        shifts.append((team, who, start, start + length))
    return shifts


def _quarter(n: int) -> str:
    h, q = divmod(n, 4)
    day, hour = divmod(h, 24)
    return (
        f"2026-11-{day + 1:02d} {hour:02d}:{q * 15:02d}"
        if day < 30
        else (f"2026-12-{day - 29:02d} {hour:02d}:{q * 15:02d}")
    )


# One in-memory warehouse (its views installed once, ~0.5 s) for all the examples of a
# worker; each example replaces its shifts.
_SHARED: list = []


def _warehouse(shifts):
    # per team, keep shifts non-overlapping as oncall_shifts is (later starts win)
    rows, taken = [], {}
    for team, who, a, b in sorted(shifts, key=lambda s: s[2]):
        a = max(a, taken.get(team, 0))
        if a < b:
            rows.append((team, who, _quarter(a), _quarter(b)))
            taken[team] = b
    if not _SHARED:
        _SHARED.append(memory_warehouse(people=PEOPLE))
    con = _SHARED[0]
    con.execute("delete from oncall_shifts")
    add_rows(con, shifts=rows)
    return con


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rotations(), st.integers(min_value=2, max_value=30))
def test_adjacent_periods_add_up(shifts, split_day):
    con = _warehouse(shifts)
    start, mid, end = date(2026, 11, 1), date(2026, 11, split_day), date(2026, 12, 10)
    whole = compute_payroll(con, start, end)
    first = compute_payroll(con, start, mid)
    second = compute_payroll(con, mid, end)
    for line in whole.lines:
        parts = [x for p in (first, second) for x in p.lines if x.engineer == line.engineer]
        split = sum((x.stipend_usd for x in parts), Decimal(0))
        assert abs(split - line.stipend_usd) <= Decimal("0.01")
    for payroll in (whole, first, second):
        for line in payroll.lines:
            for value in (line.oncall_hours, line.stipend_usd, line.total_pay_usd):
                assert value >= 0
        assert sum((x.total_pay_usd for x in payroll.lines), Decimal(0)) == Decimal(
            payroll.totals()["total_pay_usd"]
        )
        assert sum(x.sev1_incidents for x in payroll.lines) == payroll.totals()["sev1_incidents"]
        # paid once: nobody has more hours than the period holds
        hours = (payroll.period_end_exclusive - payroll.period_start).days * 24
        assert all(x.oncall_hours <= hours for x in payroll.lines)


def test_people_warnings_follow_the_lines_order_not_the_engineers_grouping():
    """The engineers come from a GROUP BY without ORDER BY: the manifest's warnings were in
    that order, which DuckDB's threads may change from one run to the next."""
    from datetime import date
    from fractions import Fraction

    from analytics.pay import _payroll_lines, _Tally

    def engineer(name: str, team: str) -> dict:
        return {
            "employee_id": None,
            "engineer": name,
            "team": team,
            "in_people": False,
            "timezone_known": True,
            "timezone": "UTC",
        }

    engineers = {k: engineer(k, team) for k, team in [("zoe", "b"), ("ann", "b"), ("bob", "a")]}
    tally = {k: _Tally(us=3_600_000_000, stipend=Fraction(10)) for k in engineers}
    warnings: list[str] = []
    lines, _ = _payroll_lines(date(2026, 10, 1), date(2026, 10, 31), engineers, tally, warnings)
    assert [line.engineer for line in lines] == ["bob", "ann", "zoe"]
    assert [w.split(" ")[0] for w in warnings] == ["bob", "ann", "zoe"]
