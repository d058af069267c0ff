"""analytics.pay.export_payroll: files, finality (by instant), provisional exports, the three
files replaced as a set, file modes, spreadsheet safety (SPEC §7, §11, §12)."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from datetime import UTC, date, datetime
from decimal import Decimal

import duckdb
import pytest
from pay_helpers import add_rows, build_warehouse, payroll_run

from analytics.errors import AnalyticsError
from analytics.pay import CoverageRefused, export_payroll
from analytics.policy import DEFAULT_POLICY, load_policy

# One week, Monday 2026-11-02 .. Sunday 2026-11-08 (end 2026-11-09 00:00Z), fully covered: the
# platform rotation spans it, and the late page p9 carries the event data past its end.
WEEK = (date(2026, 11, 2), date(2026, 11, 9))
AFTER = datetime(2026, 11, 10, 6, 0, tzinfo=UTC)
PEOPLE = [("Alice", "E1", "platform", "UTC"), ("Bob", "E2", "platform", "UTC")]
SHIFTS = [
    ("platform", "Alice", "2026-11-02 00:00", "2026-11-04 10:00"),
    ("platform", "Bob", "2026-11-04 10:00", "2026-11-04 15:00", True),
    ("platform", "Alice", "2026-11-04 15:00", "2026-11-09 00:00"),
]
HEADER = (
    b"period_start,period_end,employee_id,engineer,team,oncall_hours,stipend_usd,"
    b"sev1_incidents,sev1_bonus_usd,overnight_pages,comp_time_hours,total_pay_usd\n"
)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return build_warehouse(
        tmp_path_factory.mktemp("template") / "w.duckdb",
        people=PEOPLE,
        shifts=SHIFTS,
        incidents=[("INC-1", 1, "platform", "2026-11-03 12:00", None)],
        pages=[
            ("p1", "2026-11-03 02:00", "Bob", "platform", "INC-1"),
            ("p9", "2026-11-09 12:00", "Bob", "platform", None),  # after the week
        ],
    )


@pytest.fixture
def wh(template, tmp_path):
    """A fresh copy of the module's warehouse (building one takes seconds, copying none)."""
    path = tmp_path / "w.duckdb"
    shutil.copyfile(template, path)
    return path


def export(wh, out, period=WEEK, *, now=AFTER, policy=None, **kw):
    return export_payroll(payroll_run(wh, *period, now=now, policy=policy), out=out, **kw)


def ledger(wh) -> list[tuple]:
    con = duckdb.connect(str(wh), read_only=True)
    try:
        return con.execute(
            "select period_start, period_end, csv_sha256, pay_policy_version "
            "from payroll_exports order by exported_at, period_start"
        ).fetchall()
    finally:
        con.close()


def listing(folder) -> dict[str, bytes]:
    """Every file in ``folder`` but the warehouse, by name."""
    return {
        p.name: p.read_bytes()
        for p in sorted(folder.iterdir())
        if p.is_file() and not p.name.startswith("w.duckdb")
    }


def test_export_writes_csv_manifest_and_explain(wh, tmp_path):
    result = export(wh, tmp_path / "out" / "week.csv")
    assert (result.status, result.final) == ("written", True)
    assert result.manifest_path.name == "week.manifest.json"
    assert result.explain_path.name == "week.explain.csv"
    # Alice 163 h -> 485.12 + SEV-1 (on call at detection) 200 = 685.12; Bob 5 h -> 14.88, 1 page
    assert result.csv_path.read_bytes() == HEADER + (
        b"2026-11-02,2026-11-08,E1,Alice,platform,163,485.12,1,200.00,0,0,685.12\n"
        b"2026-11-02,2026-11-08,E2,Bob,platform,5,14.88,0,0.00,1,4,14.88\n"
    )
    manifest = json.loads(result.manifest_path.read_text())
    assert manifest["final"] is True
    assert manifest["rows"] == 2
    assert manifest["totals"]["total_pay_usd"] == "700.00"
    assert manifest["totals"]["oncall_hours"] == "168"
    assert manifest["period_end"] == "2026-11-08"
    assert manifest["policy_version"].startswith("sha256:")
    assert manifest["pay_policy_version"] == DEFAULT_POLICY.pay_version
    assert manifest["spreadsheet_escaped_cells"] == {"csv": 0, "explain": 0}
    assert manifest["warnings"] == []
    assert len(manifest["inputs_sha256"]) == 64
    assert set(manifest["inputs"]) == {
        "shifts",
        "sev1_incidents",
        "overnight_pages",
        "people",
        "pay_rates",
    }
    explain = list(csv.DictReader(io.StringIO(result.explain_path.read_text())))
    assert [(r["engineer"], r["kind"], r["ref"]) for r in explain] == [
        ("Alice", "shift", "platform"),
        ("Alice", "shift", "platform"),
        ("Alice", "sev1", "INC-1"),
        ("Bob", "shift", "platform"),
        ("Bob", "overnight_page", "p1"),
    ]
    alice_shifts = [r for r in explain if r["engineer"] == "Alice" and r["kind"] == "shift"]
    assert sum(Decimal(r["seconds"]) for r in alice_shifts) == 163 * 3600
    con = duckdb.connect(str(wh), read_only=True)
    try:
        rows = con.execute(
            "select period_start, period_end, row_count, total_pay_usd, pay_policy_version "
            "from payroll_exports"
        ).fetchall()
    finally:
        con.close()
    assert rows == [
        (date(2026, 11, 2), date(2026, 11, 8), 2, Decimal("700.00"), DEFAULT_POLICY.pay_version)
    ]


def test_reexport_with_same_inputs_is_byte_identical(wh, tmp_path):
    first = export(wh, tmp_path / "a.csv")
    data = first.csv_path.read_bytes()
    again = export(wh, tmp_path / "a.csv")
    assert again.status == "unchanged"
    assert again.csv_path.read_bytes() == data
    elsewhere = export(wh, tmp_path / "b.csv")
    assert elsewhere.csv_path.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_changed_inputs_are_refused_naming_the_lines(wh, tmp_path):
    out = tmp_path / "week.csv"
    export(wh, out)
    before = listing(tmp_path)
    con = duckdb.connect(str(wh))
    try:
        con.execute("SET TimeZone='UTC'")
        # a late post-mortem: SEV-1 acknowledged by Bob
        add_rows(con, incidents=[("INC-2", 1, "platform", "2026-11-06 03:00", "Bob")])
    finally:
        con.close()
    with pytest.raises(AnalyticsError) as err:
        export(wh, out)
    message = str(err.value)
    assert "\n" not in message
    assert "is final" in message and "--force" in message
    assert "sev1_incidents" in message
    assert "Bob: " in message and "total_pay_usd 14.88 -> 214.88 (+200.00)" in message
    assert "Alice" not in message
    assert listing(tmp_path) == before  # nothing written
    assert len(ledger(wh)) == 1  # nothing recorded
    forced = export(wh, out, force=True)
    assert forced.status == "written"
    assert b"E2,Bob,platform,5,14.88,1,200.00,1,4,214.88" in out.read_bytes()
    assert export(wh, out).status == "unchanged"  # the forced export is the final one now


def test_unrelated_policy_keys_never_make_a_final_period_refuse(wh, tmp_path):
    out = tmp_path / "week.csv"
    data = export(wh, out).csv_path.read_bytes()
    unrelated = tmp_path / "unrelated.toml"
    unrelated.write_text(
        "[response]\nsev1_minutes = 10\n[coverage]\nmax_gap_hours = 12\n"
        "[tracker]\ndone_statuses = ['Shipped']\n"
    )
    policy = load_policy(unrelated)
    assert policy.version != DEFAULT_POLICY.version
    assert policy.pay_version == DEFAULT_POLICY.pay_version
    assert export(wh, out, policy=policy).status == "unchanged"
    # a rate from next year changes the hashed inputs (pay_rates) and the pay policy version,
    # but pays nothing differently in this week: the CSV is byte-identical, so it succeeds
    later_rate = tmp_path / "later.toml"
    later_rate.write_text(
        "[[pay]]\neffective_from = 2000-01-01\nweekly_stipend_usd = '500.00'\n"
        "sev1_bonus_usd = '200.00'\ncomp_hours_per_overnight_page = 4\n"
        "[[pay]]\neffective_from = 2027-01-01\nweekly_stipend_usd = '600.00'\n"
        "sev1_bonus_usd = '200.00'\ncomp_hours_per_overnight_page = 4\n"
    )
    result = export(wh, out, policy=load_policy(later_rate))
    assert result.status == "unchanged"
    assert out.read_bytes() == data
    # a raise inside the week does pay differently: refused, naming the pay policy change
    raise_ = tmp_path / "raise.toml"
    raise_.write_text(
        "[[pay]]\neffective_from = 2000-01-01\nweekly_stipend_usd = '600.00'\n"
        "sev1_bonus_usd = '200.00'\ncomp_hours_per_overnight_page = 4\n"
    )
    with pytest.raises(AnalyticsError, match=r"pay policy sha256:\w+ -> sha256:\w+"):
        export(wh, out, policy=load_policy(raise_))
    assert out.read_bytes() == data


def test_the_policy_versions_are_the_run_policys_and_its_rows_give_the_same(wh, tmp_path):
    # the run's policy object gives the payroll's versions; without one they are read from
    # the rows the reader sees (stored, or TEMP-shadowed by --policy): always the same text
    from analytics import db
    from analytics.pay import compute_payroll

    odd = tmp_path / "odd.toml"
    odd.write_text(
        "[[pay]]\neffective_from = 2000-01-01\nweekly_stipend_usd = '512.5'\n"
        "sev1_bonus_usd = '200'\ncomp_hours_per_overnight_page = 2.25\n"
        "[overnight]\nstart = '23:00'\nend = '06:30'\n[response]\nsev1_minutes = 10\n"
    )
    for policy in (DEFAULT_POLICY, load_policy(odd)):
        shadow = None if policy is DEFAULT_POLICY else policy  # the stored one is the default
        with db.reader(wh, wait=0, policy=shadow) as con:
            from_object = compute_payroll(con, *WEEK, policy=policy)
            from_rows = compute_payroll(con, *WEEK)
        expected = (policy.version, policy.pay_version)
        assert (from_object.policy_version, from_object.pay_policy_version) == expected
        assert (from_rows.policy_version, from_rows.pay_policy_version) == expected


def test_a_warehouse_from_before_pay_policy_version_is_read_and_upgraded(wh, tmp_path):
    con = duckdb.connect(str(wh))
    try:
        con.execute("alter table payroll_exports drop column pay_policy_version")
    finally:
        con.close()
    out = tmp_path / "week.csv"
    assert export(wh, out).status == "written"
    assert export(wh, out).status == "unchanged"
    con = duckdb.connect(str(wh), read_only=True)
    try:
        (comment,) = con.execute(
            "select comment from duckdb_columns() where table_name = 'payroll_exports' "
            "and column_name = 'pay_policy_version'"
        ).fetchone()
    finally:
        con.close()
    assert "finality" in comment
    assert [r[3] for r in ledger(wh)] == [DEFAULT_POLICY.pay_version] * 2


def test_an_old_final_export_without_pay_policy_version_still_compares(wh, tmp_path):
    out = tmp_path / "week.csv"
    export(wh, out)
    con = duckdb.connect(str(wh))
    try:  # as an export by the previous version recorded it
        con.execute("update payroll_exports set pay_policy_version = null")
    finally:
        con.close()
    assert export(wh, out).status == "unchanged"


def test_period_not_over_can_only_be_provisional(wh, tmp_path):
    mid = datetime(2026, 11, 5, tzinfo=UTC)
    for kw in ({}, {"force": True}, {"accept_coverage": True}):
        with pytest.raises(CoverageRefused, match="only a provisional export") as err:
            export(wh, tmp_path / "x.csv", now=mid, **kw)
        assert err.value.lines[0] == (
            "period 2026-11-02 .. 2026-11-08 has not ended: it ends 2026-11-09T00:00:00Z, "
            "after now (2026-11-05T00:00:00Z)"
        )
    assert list(tmp_path.glob("x*")) == []
    result = export(wh, tmp_path / "x.csv", now=mid, provisional=True)
    assert result.csv_path.name == "x.provisional.csv"
    assert result.final is False
    assert ledger(wh) == []


def test_provisional_files_never_touch_the_final_ones(wh, tmp_path):
    final = export(wh, tmp_path / "week.csv")
    before = listing(tmp_path)
    draft = export(wh, tmp_path / "week.csv", provisional=True)
    assert (draft.csv_path.name, draft.manifest_path.name, draft.explain_path.name) == (
        "week.provisional.csv",
        "week.provisional.manifest.json",
        "week.provisional.explain.csv",
    )
    after = listing(tmp_path)
    assert {k: v for k, v in after.items() if k in before} == before
    assert set(after) - set(before) == {
        "week.provisional.csv",
        "week.provisional.manifest.json",
        "week.provisional.explain.csv",
    }
    assert draft.csv_path.read_bytes() == final.csv_path.read_bytes()  # same numbers
    manifest = json.loads(draft.manifest_path.read_text())
    assert manifest["final"] is False
    assert manifest["csv"] == "week.provisional.csv"
    # a draft overlapping a final export says so
    assert manifest["warnings"] == [
        "overlaps the final export of 2026-11-02 .. 2026-11-08 (exported 2026-11-10T06:00:00Z)"
    ]
    assert len(ledger(wh)) == 1  # nothing recorded


def test_provisional_cannot_be_combined_with_force_or_accept(wh, tmp_path):
    from analytics.errors import UsageError

    for kw in ({"force": True}, {"accept_coverage": True}):
        with pytest.raises(UsageError, match="--provisional"):
            export(wh, tmp_path / "x.csv", provisional=True, **kw)


def test_default_paths(wh, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    days = export_payroll(payroll_run(wh, *WEEK, now=AFTER), out=None)
    assert days.csv_path.as_posix() == "reports/payroll/payroll-2026-11-02_2026-11-08.csv"
    assert days.manifest_path.as_posix() == (
        "reports/payroll/payroll-2026-11-02_2026-11-08.manifest.json"
    )
    assert days.explain_path.as_posix() == (
        "reports/payroll/payroll-2026-11-02_2026-11-08.explain.csv"
    )
    assert b",163,485.12," in days.csv_path.read_bytes()
    month = export_payroll(
        payroll_run(wh, date(2026, 11, 1), date(2026, 12, 1), now=AFTER),
        out=None,
        provisional=True,
    )
    assert month.csv_path.as_posix() == "reports/payroll/payroll-2026-11.provisional.csv"
    assert month.manifest_path.as_posix() == (
        "reports/payroll/payroll-2026-11.provisional.manifest.json"
    )
    leftovers = [p for p in (tmp_path / "reports" / "payroll").iterdir() if p.name[0] == "."]
    assert leftovers == []


# --- finality by instant --------------------------------------------------------------------


def test_an_export_sharing_days_with_a_final_one_is_refused_unless_forced(wh, tmp_path):
    export(wh, tmp_path / "week.csv")
    # Thursday 11-05 .. Sunday 11-08 were paid by the final week; 11-09 .. 11-12 were not.
    # Alice is on call all of 11-05 .. 11-08: 96 h -> 500 x 96 / 168 = 285.714... -> 285.71
    con = duckdb.connect(str(wh))
    try:
        con.execute("SET TimeZone='UTC'")
        add_rows(
            con,
            shifts=[("platform", "Bob", "2026-11-09 00:00", "2026-11-13 00:00")],
            pages=[("p10", "2026-11-13 08:00", "Bob", "platform", None)],
        )
    finally:
        con.close()
    later = (date(2026, 11, 5), date(2026, 11, 13))
    with pytest.raises(AnalyticsError) as err:
        export(wh, tmp_path / "shifted.csv", period=later, now=datetime(2026, 11, 14, tzinfo=UTC))
    message = str(err.value)
    assert "shares 2026-11-05 .. 2026-11-08 with the final export of 2026-11-02 .. 2026-11-08" in (
        message
    )
    assert "Alice 96 h 285.71 USD" in message
    assert "--force" in message
    assert not (tmp_path / "shifted.csv").exists()
    assert len(ledger(wh)) == 1
    forced = export(
        wh, tmp_path / "shifted.csv", period=later, now=datetime(2026, 11, 14, tzinfo=UTC),
        force=True,
    )  # fmt: skip
    assert forced.status == "written"
    assert len(ledger(wh)) == 2
    # the week itself, unchanged, still re-exports: it pays nothing differently
    assert export(wh, tmp_path / "week.csv").status == "unchanged"


def test_a_month_containing_a_final_week_is_refused(wh, tmp_path):
    export(wh, tmp_path / "week.csv")
    month = (date(2026, 11, 1), date(2026, 12, 1))
    with pytest.raises(AnalyticsError, match=r"shares 2026-11-02 \.\. 2026-11-08"):
        export(
            wh, tmp_path / "nov.csv", period=month, now=datetime(2026, 12, 2, tzinfo=UTC),
            accept_coverage=True,
        )  # fmt: skip
    assert not (tmp_path / "nov.csv").exists()


def test_exports_that_share_no_day_are_independent(wh, tmp_path):
    export(wh, tmp_path / "week.csv")
    con = duckdb.connect(str(wh))
    try:
        con.execute("SET TimeZone='UTC'")
        add_rows(
            con,
            shifts=[("platform", "Bob", "2026-11-09 00:00", "2026-11-16 00:00")],
            pages=[("p10", "2026-11-16 08:00", "Bob", "platform", None)],
        )
    finally:
        con.close()
    next_week = (date(2026, 11, 9), date(2026, 11, 16))
    result = export(
        wh, tmp_path / "next.csv", period=next_week, now=datetime(2026, 11, 17, tzinfo=UTC)
    )
    assert result.status == "written"
    assert b"E2,Bob,platform,168,500.00," in result.csv_path.read_bytes()


def test_sharing_days_that_pay_nobody_is_not_paying_twice(wh, tmp_path):
    # final 11-08 .. 11-15: Alice's Sunday 11-08 (24 h), then nobody (accepted shortfall)
    con = duckdb.connect(str(wh))
    try:
        con.execute("SET TimeZone='UTC'")
        add_rows(
            con,
            shifts=[("platform", "Bob", "2026-11-16 00:00", "2026-11-21 00:00")],
            pages=[("p10", "2026-11-21 08:00", "Bob", "platform", None)],
        )
    finally:
        con.close()
    later = datetime(2026, 11, 22, tzinfo=UTC)
    first = (date(2026, 11, 8), date(2026, 11, 16))
    assert export(wh, tmp_path / "a.csv", period=first, now=later, accept_coverage=True).final
    # 11-10 .. 11-20 shares 11-10 .. 11-15 with it, when nobody was on call and nothing paged
    second = (date(2026, 11, 10), date(2026, 11, 21))
    result = export(wh, tmp_path / "b.csv", period=second, now=later, accept_coverage=True)
    assert result.status == "written"
    assert b"E2,Bob,platform,120,357.14," in result.csv_path.read_bytes()  # 5 days: 500x120/168
    assert len(ledger(wh)) == 2


# --- the three files as a set ---------------------------------------------------------------


def _grow(wh):
    con = duckdb.connect(str(wh))
    try:
        con.execute("SET TimeZone='UTC'")
        add_rows(con, incidents=[("INC-2", 1, "platform", "2026-11-06 03:00", "Bob")])
    finally:
        con.close()


@pytest.mark.parametrize("failing_call", [1, 2, 3])
def test_a_failed_swap_changes_none_of_the_files_nor_the_ledger(
    wh, tmp_path, monkeypatch, failing_call
):
    import analytics.pay as pay

    out = tmp_path / "week.csv"
    export(wh, out)
    before, recorded = listing(tmp_path), ledger(wh)
    _grow(wh)  # the forced re-export below would change all three files
    real_replace = os.replace
    calls = []

    def flaky(src, dst):
        calls.append(dst)
        if len(calls) == failing_call:
            raise OSError(28, "No space left on device", str(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(pay.os, "replace", flaky)
    with pytest.raises(AnalyticsError) as err:
        export(wh, out, force=True)
    monkeypatch.undo()
    assert "\n" not in str(err.value)
    assert "No space left on device" in str(err.value)
    assert "nothing was written or recorded" in str(err.value)
    assert listing(tmp_path) == before  # no new file, no temp or backup file left, none changed
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*before, "w.duckdb"])
    assert ledger(wh) == recorded
    assert export(wh, out, force=True).status == "written"


def test_a_failure_recording_the_export_puts_the_old_files_back(wh, tmp_path, monkeypatch):
    import analytics.pay as pay

    out = tmp_path / "week.csv"
    export(wh, out)
    before, recorded = listing(tmp_path), ledger(wh)
    _grow(wh)
    real_write_set = pay._write_set

    def failing_record(items, *, then=None):
        def then_fail():
            raise OSError(5, "Input/output error", "w.duckdb.wal")

        return real_write_set(items, then=then_fail)

    monkeypatch.setattr(pay, "_write_set", failing_record)
    with pytest.raises(AnalyticsError, match="Input/output error"):
        export(wh, out, force=True)
    assert listing(tmp_path) == before
    assert ledger(wh) == recorded


def test_a_first_export_that_fails_leaves_no_file_and_no_folder(wh, tmp_path, monkeypatch):
    import analytics.pay as pay

    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pay.os, "replace", boom)
    with pytest.raises(AnalyticsError, match="No space left"):
        export(wh, tmp_path / "new" / "deeper" / "week.csv")
    assert list(tmp_path.iterdir()) == [wh]
    assert ledger(wh) == []


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_file_modes_follow_the_umask(wh, tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        result = export(wh, tmp_path / "week.csv")
        draft = export(wh, tmp_path / "week.csv", provisional=True)
    finally:
        os.umask(old)
    for path in (result.csv_path, result.manifest_path, result.explain_path, draft.csv_path):
        assert path.stat().st_mode & 0o777 == mode, path


# --- spreadsheet safety ---------------------------------------------------------------------


def test_formula_cells_are_escaped_and_counted(tmp_path):
    wh = build_warehouse(
        tmp_path / "w.duckdb",
        people=[
            ('=HYPERLINK("http://x","click")', "-17", "+ops", "UTC"),
            ("@carl", "E3", "platform", "UTC"),
        ],
        shifts=[
            ("+ops", '=HYPERLINK("http://x","click")', "2026-11-02 00:00", "2026-11-09 00:00"),
            ("platform", "@carl", "2026-11-02 00:00", "2026-11-09 00:00"),
        ],
        incidents=[("=cmd|' /C calc'!A0", 1, "platform", "2026-11-03 12:00", "@carl")],
        pages=[("p9", "2026-11-09 12:00", "@carl", "platform", None)],
    )
    result = export(wh, tmp_path / "week.csv")
    rows = list(csv.DictReader(io.StringIO(result.csv_path.read_text())))
    assert [(r["employee_id"], r["engineer"], r["team"]) for r in rows] == [
        ("'-17", """'=HYPERLINK("http://x","click")""", "'+ops"),
        ("E3", "'@carl", "platform"),
    ]
    explain = list(csv.DictReader(io.StringIO(result.explain_path.read_text())))
    assert [(r["engineer"], r["team"], r["kind"], r["ref"], r["source_team"]) for r in explain] == [
        ("""'=HYPERLINK("http://x","click")""", "'+ops", "shift", "'+ops", "'+ops"),
        ("'@carl", "platform", "shift", "platform", "platform"),
        ("'@carl", "platform", "sev1", "'=cmd|' /C calc'!A0", "platform"),
    ]
    # CSV: line 1 has 3 escaped cells, line 2 one (engineer) = 4; explanation: row 1 has
    # engineer, employee_id, team, ref, source_team = 5, row 2 engineer = 1, row 3 engineer
    # and ref = 2: 8
    manifest = json.loads(result.manifest_path.read_text())
    assert manifest["spreadsheet_escaped_cells"] == {"csv": 4, "explain": 8}
    # the computed figures do not change: 168 h each, SEV-1 to @carl
    assert rows[1]["total_pay_usd"] == "700.00"


def test_page_rows_formatted_in_sql_are_written_as_csv_writes_them(tmp_path):
    # The counted pages' explanation rows come from SQL as CSV lines when no cell needs
    # quoting or the spreadsheet-safe prefix, else as cells written by csv: either way the
    # file is what csv writes from the rows read as dicts, safe cells counted.
    from pay_helpers import payroll_of

    from analytics.pay import (
        _EXPLAIN_TEXT,
        EXPLAIN_COLUMNS,
        _ExplainRows,
        _render,
        _render_explain,
    )

    wh = build_warehouse(
        tmp_path / "w.duckdb",
        people=[
            ("Doe, Jane", "E9", "platform", "UTC"),
            ("-dash", "E8", "platform", "UTC"),
            ("Bob", "E2", "platform", "UTC"),
        ],
        shifts=[("platform", "Bob", "2026-11-02 00:00", "2026-11-03 00:00")],
        pages=[
            ("p1", "2026-11-03 02:00", "Doe, Jane", "platform", None),
            ("=p2", "2026-11-03 03:00", "Bob", "platform", None),
            ('p"3', "2026-11-03 04:00", "Bob", "a,b", "INC-1"),
            ("p4", "2026-11-03 05:00", "Bob", "platform", None),
            ("p5", "2026-11-03 02:30:00.5", "-dash", "platform", None),
            ("p6", "2026-11-03 02:30:00", "-dash", "platform", None),
        ],
    )
    payroll = payroll_of(wh, date(2026, 11, 1), date(2026, 12, 1))
    rows = payroll.explain
    assert isinstance(rows, _ExplainRows)
    assert {type(r) for r in rows.rows} == {str, tuple}  # both forms are exercised
    as_dicts = [dict(r) for r in rows]
    assert [(r["engineer"], r["kind"], r["ref"], r["start_at"]) for r in as_dicts] == [
        # by start_at as text, as the other rows are ("." sorts before "Z")
        ("-dash", "overnight_page", "p5", "2026-11-03T02:30:00.500000Z"),
        ("-dash", "overnight_page", "p6", "2026-11-03T02:30:00Z"),
        ("Bob", "shift", "platform", "2026-11-02T00:00:00Z"),
        ("Bob", "overnight_page", "=p2", "2026-11-03T03:00:00Z"),
        ("Bob", "overnight_page", 'p"3', "2026-11-03T04:00:00Z"),
        ("Bob", "overnight_page", "p4", "2026-11-03T05:00:00Z"),
        ("Doe, Jane", "overnight_page", "p1", "2026-11-03T02:00:00Z"),
    ]
    assert list(rows[1:2]) == as_dicts[1:2] and rows[-1] == as_dicts[-1]
    # the -dash rows: engineer escaped twice; =p2: ref; nothing else starts as a formula
    assert _render_explain(rows) == _render(EXPLAIN_COLUMNS, _EXPLAIN_TEXT, as_dicts)
    assert _render_explain(rows)[1] == 3


def test_spreadsheet_safe_prefixes_exactly_the_formula_starts():
    from analytics.pay import spreadsheet_safe

    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert spreadsheet_safe(text) == "'" + text
    for text in ("", "Alice", " =1", "1-2", "a=b", "'=1", "\nx"):
        assert spreadsheet_safe(text) == text


def test_an_out_through_a_missing_folder_and_dot_dot_is_honoured(wh, tmp_path):
    # "new/.." only exists once "new" does: the folders are made one by one
    result = export(wh, tmp_path / "new" / ".." / "new" / "week.csv")
    assert (tmp_path / "new" / "week.csv").read_bytes() == result.csv_path.read_bytes()
    assert sorted(p.name for p in (tmp_path / "new").iterdir()) == [
        "week.csv",
        "week.explain.csv",
        "week.manifest.json",
    ]
