"""The comp-time ledger (SPEC §15, docs/payroll.md "Comp-time ledger"): hand-computed months.

Every counted overnight page is a lot of the pay rate's hours (4 by default), owed in the UTC
month it was sent and dated by its local date; takes consume the oldest unexpired lots first;
a debt is repaid by the next lots first; a remainder expires at the start of local date + N + 1.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import duckdb
import pytest
from conftest import run_cli
from pay_helpers import build_warehouse, memory_warehouse, payroll_run, ts

from analytics import db
from analytics.pay import export_payroll
from analytics.policy import DEFAULT_POLICY, PayRate, Policy

D = Decimal


def _takes(con, *rows: tuple[str, str, str]) -> None:
    for n, (engineer, taken_on, hours) in enumerate(rows, start=2):
        con.execute(
            "insert into src_comp_time values ($1, $2, $3, $4, 'comp_time/taken.csv')",
            [engineer, date.fromisoformat(taken_on), D(hours), n],
        )


def _ledger(con, as_of: str, engineer: str | None = None) -> dict[str, tuple]:
    """month -> (owed, taken, expired, balance) of one engineer (the only one by default)."""
    db._shadow(con, ts(as_of), None)
    rows = con.execute(
        "select engineer, month, owed_hours, taken_hours, expired_hours, balance_hours "
        "from comp_time_ledger order by engineer, month"
    ).fetchall()
    names = {r[0] for r in rows}
    assert engineer in names if engineer else len(names) <= 1, names
    return {r[1]: tuple(r[2:]) for r in rows if engineer is None or r[0] == engineer}


def _policy(days: int, **kw) -> Policy:
    return Policy(comp_time_expires_after_days=days, **kw)


PEOPLE_UTC = [("Ana", "E1", "payments", "UTC"), ("Bo", "E2", "payments", "UTC")]


def test_taken_before_owed_is_a_negative_balance_and_quiet_months_are_rows():
    con = memory_warehouse(
        people=PEOPLE_UTC,
        pages=[
            ("p1", "2026-01-20 23:00", "Ana", "payments", None),  # 23:00 UTC: overnight, 4 h
            ("p2", "2026-04-05 23:30", "Ana", "payments", None),  # 4 h
            ("day", "2026-04-06 12:00", "Ana", "payments", None),  # daytime: no lot
        ],
    )
    _takes(con, ("  ana ", "2026-01-10", "6"))  # matched case-insensitively after trimming
    # Jan: owed 4, taken 6 -> -2 (taken before owed: a debt, shown); Feb, Mar: no activity,
    # still -2; Apr: owed 4 -> +2; May (as_of): 2
    assert _ledger(con, "2026-05-15 12:00") == {
        "2026-01": (D(4), D(6), D(0), D(-2)),
        "2026-02": (D(0), D(0), D(0), D(-2)),
        "2026-03": (D(0), D(0), D(0), D(-2)),
        "2026-04": (D(4), D(0), D(0), D(2)),
        "2026-05": (D(0), D(0), D(0), D(2)),
    }
    row = con.execute("select engineer, employee_id, team from comp_time_ledger limit 1")
    assert row.fetchall() == [("Ana", "E1", "payments")]


def test_a_debt_is_repaid_by_the_next_lot_before_its_remainder_can_expire():
    con = memory_warehouse(
        _policy(30),
        people=PEOPLE_UTC,
        pages=[
            ("p1", "2026-01-20 23:00", "Ana", "payments", None),  # lot 4 h, expires 02-20
            ("p2", "2026-04-05 23:30", "Ana", "payments", None),  # lot 4 h, expires 05-06
        ],
    )
    _takes(con, ("Ana", "2026-01-10", "6"))
    # the take of 6 on 01-10 is a debt of 6; lot 1 (01-20) repays 4 of it, nothing of it is
    # left to expire on 02-20; lot 2 (04-05) repays the last 2 first, and only its remaining
    # 2 h expire at the start of 04-05 + 30 + 1 = 05-06 (4 h would be wrong: the debt first)
    got = _ledger(con, "2026-05-15 12:00")
    assert got["2026-02"] == (D(0), D(0), D(0), D(-2))
    assert got["2026-04"] == (D(4), D(0), D(0), D(2))
    assert got["2026-05"] == (D(0), D(0), D(2), D(0))


def test_expiry_inside_a_month_of_a_partly_consumed_lot_oldest_first():
    con = memory_warehouse(
        _policy(10),
        people=PEOPLE_UTC,
        pages=[
            ("p1", "2026-03-02 23:00", "Bo", "payments", None),  # lot 4 h, expires 03-13
            ("p2", "2026-03-05 23:00", "Bo", "payments", None),  # lot 4 h, expires 03-16
            ("p3", "2026-03-28 23:00", "Bo", "payments", None),  # lot 4 h, expires 04-08
        ],
    )
    _takes(con, ("Bo", "2026-03-10", "3"), ("Bo", "2026-03-14", "2"))
    # 03-10: 3 h from lot 1 (1 h left); 03-13: lot 1's 1 h expires; 03-14: 2 h from lot 2
    # (lot 1 is gone), 2 h left; 03-16: lot 2's 2 h expire. March: owed 12, taken 5,
    # expired 1 + 2 = 3, balance 12 - 5 - 3 = 4 (lot 3). April: lot 3 expires on 04-08.
    assert _ledger(con, "2026-04-20 00:00") == {
        "2026-03": (D(12), D(5), D(3), D(4)),
        "2026-04": (D(0), D(0), D(4), D(0)),
    }
    # the day before lot 3 expires it is still owed
    assert _ledger(con, "2026-04-07 23:59")["2026-04"] == (D(0), D(0), D(0), D(4))


def test_takes_after_as_of_are_not_yet_taken():
    con = memory_warehouse(
        people=PEOPLE_UTC, pages=[("p1", "2026-03-02 23:00", "Bo", "payments", None)]
    )
    _takes(con, ("Bo", "2026-03-20", "1"))
    assert _ledger(con, "2026-03-19 12:00") == {"2026-03": (D(4), D(0), D(0), D(4))}
    assert _ledger(con, "2026-03-20 00:00") == {"2026-03": (D(4), D(1), D(0), D(3))}


def test_a_dst_night_page_is_a_lot_of_its_local_date():
    # Berlin springs forward on 2026-03-29 (02:00 CET -> 03:00 CEST). A page at 23:30 UTC on
    # 03-28 is 00:30 CET on 03-29 (overnight, a lot dated 03-29, owed in March by its UTC
    # month). With expires_after_days = 1 it expires at the start of 03-29 + 2 = 03-31, local.
    con = memory_warehouse(
        _policy(1),
        people=[("Cy", "E3", "search", "Europe/Berlin")],
        pages=[("p1", "2026-03-28 23:30", "Cy", "search", None)],
    )
    # 2026-03-29 23:00 UTC is 03-30 01:00 CEST: not expired (dated by the UTC date, 03-28, it
    # would have expired at the start of 03-30)
    assert _ledger(con, "2026-03-29 23:00") == {"2026-03": (D(4), D(0), D(0), D(4))}
    # 2026-03-30 22:00 UTC is 03-31 00:00 CEST: expired
    assert _ledger(con, "2026-03-30 22:00") == {"2026-03": (D(4), D(0), D(4), D(0))}


def test_owed_month_is_the_utc_month_of_the_page_not_its_local_date():
    # 2026-03-31 22:30 UTC is 00:30 CEST on 04-01 in Berlin: owed in March (the pay period that
    # counts it), a lot dated 04-01 (it cannot be taken before that local date)
    con = memory_warehouse(
        people=[("Cy", "E3", "search", "Europe/Berlin")],
        pages=[("p1", "2026-03-31 22:30", "Cy", "search", None)],
    )
    _takes(con, ("Cy", "2026-03-31", "4"))
    # the take on 03-31 comes before the lot (a debt the lot repays): balance 0 in March all
    # the same (owed 4, taken 4)
    assert _ledger(con, "2026-04-02 00:00") == {
        "2026-03": (D(4), D(4), D(0), D(0)),
        "2026-04": (D(0), D(0), D(0), D(0)),
    }


def test_owed_hours_use_the_rate_in_force_at_each_page_and_the_pay_count_rule():
    policy = Policy(
        pay=(
            PayRate(date(2000, 1, 1), D("500"), D("200"), D("4")),
            PayRate(date(2026, 2, 1), D("500"), D("200"), D("6")),
        )
    )
    con = memory_warehouse(
        policy,
        people=PEOPLE_UTC,
        pages=[
            ("p1", "2026-01-31 23:00", "Ana", "payments", None),  # 4 h rate
            ("p2", "2026-02-01 23:00", "Ana", "payments", "INC-1"),  # 6 h rate
            ("p3", "2026-02-02 01:00", "Ana", "payments", "INC-1"),  # same incident: once
        ],
    )
    assert _ledger(con, "2026-02-10 00:00") == {
        "2026-01": (D(4), D(0), D(0), D(4)),
        "2026-02": (D(6), D(0), D(0), D(10)),
    }


def test_no_rows_before_the_first_activity_and_nothing_after_as_of():
    con = memory_warehouse(
        people=PEOPLE_UTC, pages=[("p1", "2026-03-02 23:00", "Bo", "payments", None)]
    )
    assert _ledger(con, "2026-02-27 00:00") == {}  # the page is after as_of: no lot yet


@pytest.fixture
def exported(tmp_path):
    """Feb 2026 exported (two counted pages of Ana: 8 h) on 2026-03-02; then a third February
    page arrives late."""
    path = build_warehouse(
        tmp_path / "wh.duckdb",
        people=[("Ana", "E1", "payments", "UTC")],
        shifts=[("payments", "Ana", "2026-02-01 00:00", "2026-03-01 00:00")],
        pages=[
            ("p1", "2026-02-03 23:00", "Ana", "payments", None),
            ("p2", "2026-02-10 23:00", "Ana", "payments", None),
        ],
    )
    export_payroll(
        payroll_run(path, date(2026, 2, 1), date(2026, 3, 1), now=ts("2026-03-02 09:00")),
        out=tmp_path / "feb.csv",
        accept_coverage=True,  # no incidents here: final all the same
    )
    con = duckdb.connect(str(path))
    con.execute(
        "insert into src_pages (page_id, sent_at, recipient, team, line_no, source_file) "
        "values ('p3', $1, 'Ana', 'payments', 3, 'late.csv')",
        [ts("2026-02-20 23:00")],
    )
    con.close()
    return path


def test_a_final_exports_comp_time_hours_win_over_a_recount(exported):
    with db.reader(exported, wait=0, as_of="2026-03-10T00:00:00Z") as con:
        rows = con.execute(
            "select month, owed_hours, balance_hours from comp_time_ledger"
        ).fetchall()
    # the export said 8 h; a recount would say 12 (three pages): the export wins
    assert rows == [("2026-02", D(8), D(8)), ("2026-03", D(0), D(8))]
    # before the export was written the month is a recount
    with db.reader(exported, wait=0, as_of="2026-03-01T12:00:00Z") as con:
        rows = con.execute("select month, owed_hours from comp_time_ledger").fetchall()
    assert rows == [("2026-02", D(12)), ("2026-03", D(0))]


def test_the_view_reads_with_a_plain_read_only_connection(exported):
    con = duckdb.connect(str(exported), read_only=True)
    try:
        cols = [r[0] for r in con.execute("select * from comp_time_ledger limit 0").description]
        months = con.execute("select month from comp_time_ledger order by month").fetchall()
    finally:
        con.close()
    assert cols == [
        "engineer",
        "employee_id",
        "team",
        "month",
        "owed_hours",
        "taken_hours",
        "expired_hours",
        "balance_hours",
    ]
    assert months[0] == ("2026-02",)


def test_default_policy_never_expires():
    assert DEFAULT_POLICY.comp_time_expires_after_days == 0


def _raw(tmp_path):
    raw = tmp_path / "raw"
    (raw / "pages").mkdir(parents=True)
    (raw / "comp_time").mkdir()
    (raw / "people.csv").write_text(
        "engineer,employee_id,team,timezone\nAna Lima,E1,payments,UTC\nBo Chen,E2,search,UTC\n"
    )
    (raw / "pages" / "pages.csv").write_text(
        "page_id,sent_at,recipient,team\n"
        "p1,2026-01-20T23:00:00Z,Ana Lima,payments\n"
        "p2,2026-02-05T23:00:00Z,Bo Chen,search\n"
    )
    (raw / "comp_time" / "taken.csv").write_text(
        "engineer,taken_on,hours\n"
        " ana LIMA ,2026-01-25,2.5\n"  # line 2: good, matched after trimming, any case
        "Bo Chen,2026-02-30,1\n"  # line 3: no such date
        "Bo Chen,2026-02-10,1.255\n"  # line 4: three decimals
        "Bo Chen,2026-02-10,0\n"  # line 5: not > 0
        "Bo Chen,2026-02-10,four\n"  # line 6: not a number
        ",2026-02-10,1\n"  # line 7: no engineer
        "Bo Chen,2026-02-11,.5\n"  # line 8: good
        "Zoe Park,2026-02-12,1\n"  # line 9: loads, with a warning (not in people.csv)
    )
    return raw


def test_ingest_loads_comp_time_and_rejects_bad_rows_at_file_line(tmp_path):
    raw, wh = _raw(tmp_path), tmp_path / "wh.duckdb"
    result = run_cli("ingest", str(raw), "--db", str(wh))
    assert result.returncode == 1  # done with rejections
    taken = str(raw / "comp_time" / "taken.csv")
    lines = [x for x in result.stderr.splitlines() + result.stdout.splitlines() if "taken" in x]
    for n, what in ((3, "taken_on"), (4, "hours"), (5, "hours"), (6, "hours"), (7, "engineer")):
        assert any(x.startswith(f"{taken}:{n}: {what} ") for x in lines), (n, lines)
    con = duckdb.connect(str(wh), read_only=True)
    try:
        rows = con.execute(
            "select engineer, taken_on, hours, line_no from src_comp_time order by line_no"
        ).fetchall()
    finally:
        con.close()
    assert rows == [
        ("ana LIMA", date(2026, 1, 25), D("2.50"), 2),
        ("Bo Chen", date(2026, 2, 11), D("0.50"), 8),
        ("Zoe Park", date(2026, 2, 12), D("1.00"), 9),
    ]
    assert f"{taken}:9: engineer 'Zoe Park' is not in people.csv (1 row(s))" in (
        result.stdout + result.stderr
    )


def test_comp_time_command_prints_the_ledger_as_json_csv_and_table(tmp_path):
    raw, wh = _raw(tmp_path), tmp_path / "wh.duckdb"
    run_cli("ingest", str(raw), "--db", str(wh))
    base = ("comp-time", "--db", str(wh), "--as-of", "2026-02-15T00:00:00Z")
    out = run_cli(*base, "--format", "json", "--engineer", "ANA LIMA")
    assert out.returncode == 0, out.stderr
    # Ana: Jan owed 4 (p1), taken 2.5 -> 1.5; Feb nothing -> 1.5
    assert json.loads(out.stdout) == [
        {
            "engineer": "Ana Lima",
            "employee_id": "E1",
            "team": "payments",
            "month": "2026-01",
            "owed_hours": 4.0,
            "taken_hours": 2.5,
            "expired_hours": 0.0,
            "balance_hours": 1.5,
        },
        {
            "engineer": "Ana Lima",
            "employee_id": "E1",
            "team": "payments",
            "month": "2026-02",
            "owed_hours": 0.0,
            "taken_hours": 0.0,
            "expired_hours": 0.0,
            "balance_hours": 1.5,
        },
    ]
    csv_out = run_cli(*base, "--format", "csv", "--month", "2026-02")
    assert csv_out.stdout.splitlines() == [
        "engineer,employee_id,team,month,owed_hours,taken_hours,expired_hours,balance_hours",
        "Ana Lima,E1,payments,2026-02,0.00,0.00,0.00,1.50",
        "Bo Chen,E2,search,2026-02,4.00,0.50,0.00,3.50",  # p2 4 h, 0.5 taken
        "Zoe Park,,,2026-02,0.00,1.00,0.00,-1.00",  # not in people.csv: kept, a debt
    ]
    table = run_cli(*base, "--engineer", "bo chen")
    assert table.returncode == 0 and "Bo Chen" in table.stdout and "3.50" in table.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--month", "2026-13"), "--month: month '2026-13' is not a calendar month"),
        (("--engineer", "Zed"), "--engineer 'Zed': no such engineer"),
        (("--as-of", "soon"), "--as-of 'soon' is not a date or timestamp"),
    ],
)
def test_comp_time_usage_errors_are_one_line_exit_2(tmp_path, args, message):
    raw, wh = _raw(tmp_path), tmp_path / "wh.duckdb"
    run_cli("ingest", str(raw), "--db", str(wh))
    out = run_cli("comp-time", "--db", str(wh), *args)
    assert out.returncode == 2 and out.stdout == ""
    assert len(out.stderr.splitlines()) == 1 and message in out.stderr, out.stderr


def test_a_bad_month_is_a_usage_error_before_any_warehouse_is_opened(tmp_path):
    # a typo in --month needs no warehouse: exit 2 naming the month, not "no warehouse here"
    out = run_cli("comp-time", "--db", str(tmp_path / "none.duckdb"), "--month", "2026-13")
    assert out.returncode == 2 and out.stdout == ""
    assert "--month: month '2026-13' is not a calendar month" in out.stderr, out.stderr
    assert not (tmp_path / "none.duckdb").exists()


def test_comp_time_without_a_warehouse_is_one_line(tmp_path):
    out = run_cli("comp-time", "--db", str(tmp_path / "none.duckdb"))
    assert out.returncode == 1 and len(out.stderr.splitlines()) == 1
    assert "run `incident-analytics ingest` first" in out.stderr


def test_the_worked_example_of_the_docs_across_the_spring_dst_change():
    # docs/payroll.md "Comp-time ledger": Cy in Europe/Berlin, expires_after_days = 30
    con = memory_warehouse(
        _policy(30),
        people=[("Cy", "E3", "search", "Europe/Berlin")],
        pages=[
            # 00:30 CET on 03-29, the night clocks spring forward: lot A, dated 03-29
            ("a", "2026-03-28 23:30", "Cy", "search", None),
            # 07:30 CEST on 03-29 (06:30 in winter time): not overnight, no lot
            ("c", "2026-03-29 05:30", "Cy", "search", None),
            # 00:30 CEST on 04-01: owed in March (its UTC month), lot B dated 04-01
            ("b", "2026-03-31 22:30", "Cy", "search", None),
        ],
    )
    _takes(con, ("Cy", "2026-03-30", "6"), ("Cy", "2026-04-20", "1"))
    # 03-30: 4 h of lot A, 2 h a debt (lot B is dated 04-01); 04-01: lot B repays the 2 h;
    # 04-20: 1 h of lot B; 04-29 (03-29 + 30 + 1): lot A, all taken, expires nothing;
    # 05-02 (04-01 + 31): lot B's last 1 h expires
    assert _ledger(con, "2026-05-10 00:00") == {
        "2026-03": (D(8), D(6), D(0), D(2)),
        "2026-04": (D(0), D(1), D(0), D(1)),
        "2026-05": (D(0), D(0), D(1), D(0)),
    }
    # lot B expires at 00:00 CEST on 05-02, which is 22:00 UTC on 05-01
    assert _ledger(con, "2026-05-01 21:59")["2026-05"] == (D(0), D(0), D(0), D(1))
    assert _ledger(con, "2026-05-01 22:00")["2026-05"] == (D(0), D(0), D(1), D(0))


def test_owed_hours_are_the_payroll_count_month_by_month(tmp_path):
    # one rule for both: an incident's first overnight page ever counts (a repeat in the next
    # month counts nothing), pages without an incident each; New York's clock (EST -> EDT on
    # 03-08) decides what is overnight
    from pay_helpers import payroll_of

    pages = [
        ("a1", "2026-02-28 04:00", "Ann", "payments", "INC-1"),  # 23:00 EST: counts (Feb)
        ("a2", "2026-03-01 04:30", "Ann", "payments", "INC-1"),  # repeat, next month: no
        ("a3", "2026-03-08 10:30", "Ann", "payments", None),  # 06:30 EDT: counts (Mar)
        ("a4", "2026-03-08 11:30", "Ann", "payments", None),  # 07:30 EDT: no
        ("a5", "2026-03-09 02:30", "Ann", "payments", "INC-2"),  # 22:30 EDT: counts (Mar)
    ]
    path = build_warehouse(
        tmp_path / "wh.duckdb", people=[("Ann", "E9", "payments", "America/New_York")], pages=pages
    )
    paid = {
        month: payroll_of(path, start, end).lines[0].comp_time_hours
        for month, start, end in (
            ("2026-02", date(2026, 2, 1), date(2026, 3, 1)),
            ("2026-03", date(2026, 3, 1), date(2026, 4, 1)),
        )
    }
    assert paid == {"2026-02": D(4), "2026-03": D(8)}
    with db.reader(path, wait=0, as_of="2026-03-31T12:00:00Z") as con:
        owed = dict(con.execute("select month, owed_hours from comp_time_ledger").fetchall())
    assert owed == paid


def _record_export(con, month_start: str, month_end: str, at: str, lines: dict) -> None:
    con.execute(
        "insert into payroll_exports (period_start, period_end, exported_at, csv_sha256, "
        "inputs_sha256, policy_version, lines_json) values ($1, $2, $3, 'x', 'x', 'x', $4)",
        [
            date.fromisoformat(month_start),
            date.fromisoformat(month_end),
            ts(at),
            json.dumps({"inputs": {}, "lines": lines}),
        ],
    )


def test_export_hours_beyond_the_counted_pages_are_a_lot_on_the_months_last_day():
    con = memory_warehouse(
        _policy(20),
        people=PEOPLE_UTC,
        pages=[("p1", "2026-02-03 23:00", "Ana", "payments", None)],  # recount: 4 h
    )
    _record_export(
        con, "2026-02-01", "2026-02-28", "2026-03-02 09:00", {"Ana": {"comp_time_hours": "12"}}
    )
    # lots: 4 h dated 02-03 (expires 02-03 + 21 = 02-24) and 12 - 4 = 8 h dated 02-28
    # (expires 03-21); nothing taken: February owes 12 and loses 4, March loses 8
    assert _ledger(con, "2026-03-25 00:00") == {
        "2026-02": (D(12), D(0), D(4), D(8)),
        "2026-03": (D(0), D(0), D(8), D(0)),
    }


def test_a_broken_export_record_does_not_break_the_ledger():
    con = memory_warehouse(
        people=PEOPLE_UTC, pages=[("p1", "2026-02-03 23:00", "Ana", "payments", None)]
    )
    con.execute(
        "insert into payroll_exports (period_start, period_end, exported_at, csv_sha256, "
        "inputs_sha256, policy_version, lines_json) values "
        "(DATE '2026-02-01', DATE '2026-02-28', $1, 'x', 'x', 'x', '{\"lines\": [1, 2]}')",
        [ts("2026-03-02 09:00")],
    )
    # lines that are not an object by engineer: the month is left to the recount (4 h)
    assert _ledger(con, "2026-03-10 00:00") == {
        "2026-02": (D(4), D(0), D(0), D(4)),
        "2026-03": (D(0), D(0), D(0), D(4)),
    }
