"""Parquet export of the public tables (issue #8): partitions, round trip, atomic replace."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from analytics import context, export
from analytics import db as dbmod
from tests.conftest import run_cli

AS_OF = datetime(2026, 11, 2, tzinfo=UTC)

MONTH_COLUMN = {
    "incidents": "started_at",
    "timeline_events": "occurred_at",
    "pages": "sent_at",
    "oncall_shifts": "start_at",
    "rotation_findings": "start_at",
    "incident_metrics": "started_at",
    "page_metrics": "sent_at",
    "oncall_load": "week_start",
    "oncall_fairness": "period_start",
}


def _run(db: Path, as_of: datetime) -> context.RunContext:
    return context.from_parameters(db=db, as_of=as_of, wait=5)


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _table_rows(db: Path, table: str) -> list[str]:
    with dbmod.reader(db, as_of=AS_OF) as con:
        return sorted(map(repr, con.execute(f"select * from {table}").fetchall()))


def _parquet_rows(out: Path, table: str, *, own_month: bool = False) -> list[str]:
    """The exported rows; ``own_month``: the table has a ``month`` column of its own
    (oncall_fairness), the partition's value, which reading with hive_partitioning keeps."""
    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    try:
        glob = str(out / table / "**" / "*.parquet")
        rel = con.sql(
            "select * from read_parquet($g, hive_partitioning = true)", params={"g": glob}
        )
        cols = [c for c in rel.columns if c != "month" or own_month]
        rows = con.execute(
            f"select {', '.join(cols)} from read_parquet($g, hive_partitioning = true)",
            {"g": glob},
        ).fetchall()
        return sorted(map(repr, rows))
    finally:
        con.close()


@pytest.fixture(scope="module")
def exported(sample_warehouse, tmp_path_factory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("export") / "parquet"
    counts = export.export_parquet(_run(sample_warehouse, AS_OF), out)
    return out, counts


def test_every_public_table_is_written_with_its_row_count(sample_warehouse, exported):
    _, counts = exported
    assert list(counts) == [spec.table for spec in export.TABLES]
    with dbmod.reader(sample_warehouse, as_of=AS_OF) as con:
        for table, n in counts.items():
            assert con.execute(f"select count(*) from {table}").fetchone()[0] == n, table
    assert counts["incidents"] == 150 and counts["pages"] > 0


def test_one_file_per_month_of_the_main_timestamp(sample_warehouse, exported):
    out, _ = exported
    with dbmod.reader(sample_warehouse, as_of=AS_OF) as con:
        for table, column in MONTH_COLUMN.items():
            months = {
                r[0]
                for r in con.execute(
                    f"select distinct strftime({column}, '%Y-%m') from {table}"
                ).fetchall()
            }
            found = {p.parent.name.removeprefix("month=") for p in (out / table).glob("*/*")}
            assert found == months, table
            for month in months:
                assert (out / table / f"month={month}" / "part-0.parquet").is_file()
        # Action items go by their incident's start.
        months = {
            r[0]
            for r in con.execute(
                "select distinct strftime(i.started_at, '%Y-%m') from action_items "
                "join incidents as i using (incident_id)"
            ).fetchall()
        }
    for table in ("action_items", "action_item_status"):
        assert {p.parent.name for p in (out / table).glob("*/part-0.parquet")} == {
            f"month={m}" for m in months
        }
    assert sorted(p.name for p in (out / "people").iterdir()) == ["part-0.parquet"]


@pytest.mark.parametrize("table", [spec.table for spec in export.TABLES])
def test_reading_the_export_back_gives_the_same_rows(sample_warehouse, exported, table):
    out, _ = exported
    expected = _table_rows(sample_warehouse, table)
    if not expected:
        assert not list((out / table).rglob("*.parquet")) if (out / table).exists() else True
        return
    with dbmod.reader(sample_warehouse, as_of=AS_OF) as con:
        names = [d[0] for d in con.execute(f"select * from {table} limit 0").description]
    assert _parquet_rows(out, table, own_month="month" in names) == expected


def test_money_stays_decimal_and_timestamps_stay_utc(exported):
    out, _ = exported
    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    glob = str(out / "incidents" / "**" / "*.parquet")
    types = dict(
        con.execute(
            "select column_name, column_type from (describe select * from "
            "read_parquet($g, hive_partitioning = true))",
            {"g": glob},
        ).fetchall()
    )
    assert types["revenue_impact_usd"] == "DECIMAL(18,2)"
    assert types["started_at"] == "TIMESTAMP WITH TIME ZONE"
    total = con.execute(
        "select sum(revenue_impact_usd) from read_parquet($g, hive_partitioning = true)",
        {"g": glob},
    ).fetchone()[0]
    con.close()
    assert isinstance(total, Decimal)


def test_a_re_export_is_identical_and_leaves_no_temp_files(sample_warehouse, exported, tmp_path):
    out, _ = exported
    again = tmp_path / "again"
    export.export_parquet(_run(sample_warehouse, AS_OF), again)
    assert _files(again) == _files(out)
    # In place too: the same files, byte for byte, and nothing else.
    export.export_parquet(_run(sample_warehouse, AS_OF), again)
    assert _files(again) == _files(out)
    assert not [p for p in again.rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"]


def test_partitions_that_no_longer_exist_are_removed(sample_warehouse, exported, tmp_path):
    out = tmp_path / "out"
    stale = out / "incidents" / "month=1999-01" / "part-0.parquet"
    stale.parent.mkdir(parents=True)
    duckdb.sql(f"copy (select 1 as x) to '{stale}' (format parquet)")
    mine = out / "README.txt"
    mine.write_text("not ours")
    export.export_parquet(_run(sample_warehouse, AS_OF), out)
    assert not stale.exists() and not stale.parent.exists()
    assert mine.read_text() == "not ours"
    assert _files(out) == {**_files(exported[0]), "README.txt": b"not ours"}


def test_a_failure_mid_export_leaves_the_previous_files_intact(
    sample_warehouse, exported, tmp_path, monkeypatch
):
    out = tmp_path / "out"
    export.export_parquet(_run(sample_warehouse, AS_OF), out)
    before = _files(out)
    real_copy = export._copy
    calls = []

    def failing_copy(con, path, month, *, partitioned):
        calls.append(path)
        if len(calls) == 20:
            raise OSError(28, "No space left on device")
        real_copy(con, path, month, partitioned=partitioned)

    monkeypatch.setattr(export, "_copy", failing_copy)
    # A later as_of changes the metric views: any file replaced would differ.
    with pytest.raises(OSError, match="No space"):
        export.export_parquet(_run(sample_warehouse, datetime(2027, 1, 1, tzinfo=UTC)), out)
    assert len(calls) == 20
    assert _files(out) == before, "previous export changed, or temp files left behind"


def test_cli_export_prints_counts_and_honours_the_folder(sample_warehouse, tmp_path):
    out = tmp_path / "it's here"
    result = run_cli("export", "--parquet", str(out), "--db", str(sample_warehouse))
    assert result.returncode == 0, result.stderr
    assert "150 incidents" in result.stdout
    assert (out / "people" / "part-0.parquet").is_file()


def test_cli_export_of_a_missing_warehouse_is_one_line(tmp_path):
    result = run_cli("export", "--parquet", str(tmp_path / "o"), "--db", str(tmp_path / "no.db"))
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "no warehouse" in result.stderr
    assert not (tmp_path / "o").exists()


def test_cli_export_honours_policy(sample_warehouse, tmp_path):
    """`export --policy` computes the exported marts under that file's numbers, as `metrics
    --policy` does: with SEV-1s due in 1 minute instead of 15, the sample's 15 SEV-1s are 1 met
    and 14 breached (13 met and 2 breached under the stored policy: 13 of them were acknowledged
    within 15 minutes, and only one within a minute)."""
    strict = tmp_path / "strict.toml"
    strict.write_text("[response]\nsev1_minutes = 1\n")
    counts = {}
    for name, extra in (("stored", []), ("strict", ["--policy", str(strict)])):
        out = tmp_path / name
        result = run_cli("export", "--parquet", str(out), "--db", str(sample_warehouse), *extra)
        assert result.returncode == 0, result.stderr
        counts[name] = dict(
            duckdb.execute(
                "select response_status, count(*) from read_parquet($g) where severity = 1 "
                "group by all",
                {"g": str(out / "incident_metrics" / "**" / "*.parquet")},
            ).fetchall()
        )
    assert counts["stored"] == {"met": 13, "breached": 2}
    assert counts["strict"] == {"met": 1, "breached": 14}
