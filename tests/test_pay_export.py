"""analytics.pay.export_payroll: files, finality and atomic writes (SPEC §7, §11)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import duckdb
import pytest
from pay_helpers import add_rows, build_warehouse

from analytics.errors import AnalyticsError
from analytics.pay import export_payroll

NOV = (date(2026, 11, 1), date(2026, 12, 1))
AFTER = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
PEOPLE = [("Alice", "E1", "platform", "UTC"), ("Bob", "E2", "platform", "UTC")]
SHIFTS = [
    ("platform", "Alice", "2026-11-02 00:00", "2026-11-04 10:00"),
    ("platform", "Bob", "2026-11-04 10:00", "2026-11-04 15:00", True),
    ("platform", "Alice", "2026-11-04 15:00", "2026-11-09 00:00"),
]


@pytest.fixture
def wh(tmp_path):
    return build_warehouse(
        tmp_path / "w.duckdb",
        people=PEOPLE,
        shifts=SHIFTS,
        incidents=[("INC-1", 1, "platform", "2026-11-03 12:00", None)],
        pages=[("p1", "2026-11-03 02:00", "Bob", "platform", "INC-1")],
    )


def export(wh, out, **kw):
    kw.setdefault("force", False)
    return export_payroll(wh, *NOV, out=out, wait=0, now=AFTER, **kw)


def test_export_writes_csv_manifest_and_explain(wh, tmp_path):
    result = export(wh, tmp_path / "out" / "nov.csv")
    assert result.status == "written"
    assert result.manifest_path.name == "nov.manifest.json"
    assert result.explain_path.name == "nov.explain.csv"
    # Alice 163 h -> 485.12 + SEV-1 (on call at detection) 200 = 685.12; Bob 5 h -> 14.88, 1 page
    assert result.csv_path.read_bytes() == (
        b"period_start,period_end,employee_id,engineer,team,oncall_hours,stipend_usd,"
        b"sev1_incidents,sev1_bonus_usd,overnight_pages,comp_time_hours,total_pay_usd\n"
        b"2026-11-01,2026-11-30,E1,Alice,platform,163,485.12,1,200.00,0,0,685.12\n"
        b"2026-11-01,2026-11-30,E2,Bob,platform,5,14.88,0,0.00,1,4,14.88\n"
    )
    manifest = json.loads(result.manifest_path.read_text())
    assert manifest["rows"] == 2
    assert manifest["totals"]["total_pay_usd"] == "700.00"
    assert manifest["totals"]["oncall_hours"] == "168"
    assert manifest["period_end"] == "2026-11-30"
    assert manifest["policy_version"].startswith("sha256:")
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
            "select period_start, period_end, row_count, total_pay_usd from payroll_exports"
        ).fetchall()
    finally:
        con.close()
    assert rows == [(date(2026, 11, 1), date(2026, 11, 30), 2, Decimal("700.00"))]


def test_reexport_with_same_inputs_is_byte_identical(wh, tmp_path):
    first = export(wh, tmp_path / "a.csv")
    data = first.csv_path.read_bytes()
    again = export(wh, tmp_path / "a.csv")
    assert again.status == "unchanged"
    assert again.csv_path.read_bytes() == data
    elsewhere = export(wh, tmp_path / "b.csv")
    assert elsewhere.csv_path.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []


def test_changed_inputs_are_refused_naming_the_lines(wh, tmp_path):
    out = tmp_path / "nov.csv"
    before = export(wh, out).csv_path.read_bytes()
    con = duckdb.connect(str(wh))
    try:
        con.execute("SET TimeZone='UTC'")
        # a late post-mortem: SEV-1 acknowledged by Bob
        add_rows(con, incidents=[("INC-2", 1, "platform", "2026-11-20 03:00", "Bob")])
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
    assert out.read_bytes() == before  # nothing written
    forced = export(wh, out, force=True)
    assert forced.status == "written"
    assert b"E2,Bob,platform,5,14.88,1,200.00,1,4,214.88" in out.read_bytes()
    assert export(wh, out).status == "unchanged"  # the forced export is the final one now


def test_period_not_over_is_refused_unless_forced(wh, tmp_path):
    mid = datetime(2026, 11, 20, tzinfo=UTC)
    with pytest.raises(AnalyticsError, match="has not ended"):
        export_payroll(wh, *NOV, out=tmp_path / "x.csv", force=False, wait=0, now=mid)
    assert not (tmp_path / "x.csv").exists()
    result = export_payroll(wh, *NOV, out=tmp_path / "x.csv", force=True, wait=0, now=mid)
    assert result.csv_path.exists()


def test_default_paths(wh, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    month = export_payroll(wh, *NOV, out=None, force=False, wait=0, now=AFTER)
    assert month.csv_path.as_posix() == "reports/payroll/payroll-2026-11.csv"
    assert month.manifest_path.as_posix() == "reports/payroll/payroll-2026-11.manifest.json"
    assert month.explain_path.as_posix() == "reports/payroll/payroll-2026-11.explain.csv"
    days = export_payroll(
        wh, date(2026, 11, 2), date(2026, 11, 9), out=None, force=False, wait=0, now=AFTER
    )
    assert days.csv_path.as_posix() == "reports/payroll/payroll-2026-11-02_2026-11-08.csv"
    assert b",163,485.12," in days.csv_path.read_bytes()  # the same week as a --from/--to
    leftovers = [p for p in (tmp_path / "reports" / "payroll").iterdir() if ".tmp" in p.name]
    assert leftovers == []


def test_atomic_write_leaves_no_temp_file_on_failure(wh, tmp_path, monkeypatch):
    import analytics.pay as pay

    out = tmp_path / "nov.csv"

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(pay.os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        export(wh, out)
    assert list(tmp_path.glob("*.tmp")) == [] and not out.exists()
    monkeypatch.undo()
    con = duckdb.connect(str(wh), read_only=True)
    try:
        # the failed export was not recorded: the period is still open for export
        assert con.execute("select count(*) from payroll_exports").fetchone() == (0,)
    finally:
        con.close()
    assert export(wh, out).status == "written"
