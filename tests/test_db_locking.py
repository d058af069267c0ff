"""The warehouse under DuckDB's file lock, with real processes (SPEC §9, STACK-NOTES)."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest

from analytics import db
from analytics.errors import SchemaError, WarehouseBusy
from tests.conftest import hold_warehouse, run_cli, run_process, table_rows


@pytest.fixture
def small_inputs(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    (raw / "timelines").mkdir(parents=True)
    (raw / "timelines" / "inc-1.md").write_text(
        "INCIDENT: Checkout errors\nSEVERITY: SEV-2\nSTARTED: 2026-11-03 14:00 UTC\n"
        "DETECTED: 2026-11-03 14:05 UTC — alert\nACKNOWLEDGED: 2026-11-03 14:10 UTC — Alice\n"
        "RESOLVED: 2026-11-03 15:00 UTC\n"
    )
    return raw


@pytest.mark.parametrize("mode", ["ro", "rw"])
def test_ingest_waits_then_exits_3_naming_the_holder(tmp_path, small_inputs, mode):
    wh = tmp_path / "w.duckdb"
    assert run_cli("ingest", str(small_inputs), "--db", str(wh), "--quiet").returncode == 0
    before = table_rows(wh)
    holder = hold_warehouse(wh, mode)
    try:
        started = time.monotonic()
        result = run_process("ingest", str(small_inputs), "--db", str(wh), "--wait", "1.5")
        elapsed = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 3, result.stderr
    assert f"PID {holder.pid}" in result.stderr
    assert "busy" in result.stderr and "--wait" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, "one line, no traceback"
    assert elapsed >= 1.5
    assert table_rows(wh) == before


def test_writer_succeeds_once_the_reader_closes(tmp_path, small_inputs):
    wh = tmp_path / "w.duckdb"
    assert run_cli("ingest", str(small_inputs), "--db", str(wh), "--quiet").returncode == 0
    holder = hold_warehouse(wh, "ro", seconds=1.0)
    try:
        result = run_process(
            "ingest", str(small_inputs), "--db", str(wh), "--wait", "20", "--quiet"
        )
    finally:
        holder.wait()
    assert result.returncode == 0, result.stderr


def test_reader_waits_for_a_writer_then_reports_busy(tmp_path, small_inputs):
    wh = tmp_path / "w.duckdb"
    assert run_cli("ingest", str(small_inputs), "--db", str(wh), "--quiet").returncode == 0
    holder = hold_warehouse(wh, "rw")
    try:
        with pytest.raises(WarehouseBusy, match=f"PID {holder.pid}"):
            db.connect_reader(wh, wait=0.3)
    finally:
        holder.kill()
        holder.wait()


def test_old_schema_is_refused_with_the_fix(tmp_path, small_inputs):
    wh = tmp_path / "w.duckdb"
    assert run_cli("ingest", str(small_inputs), "--db", str(wh), "--quiet").returncode == 0
    con = duckdb.connect(str(wh))
    con.execute("update warehouse_meta set value = '0' where key = 'schema_version'")
    con.close()
    with pytest.raises(SchemaError, match="ingest --rebuild"):
        db.connect_reader(wh)
    result = run_cli("metrics", "--from", "2026-11-01", "--to", "2026-11-30", "--db", str(wh))
    assert result.returncode == 2
    assert "--rebuild" in result.stderr and "Traceback" not in result.stderr
    # --rebuild re-reads the files in ingest_log and gives a current warehouse.
    rebuilt = run_cli("ingest", "--rebuild", "--db", str(wh), "--quiet")
    assert rebuilt.returncode == 0, rebuilt.stderr
    with db.reader(wh) as con:
        assert con.execute("select count(*) from incidents").fetchone()[0] == 1


def test_readers_see_as_of_and_policy_as_temp_shadows(tmp_path, small_inputs):
    from datetime import UTC, datetime

    wh = tmp_path / "w.duckdb"
    assert run_cli("ingest", str(small_inputs), "--db", str(wh), "--quiet").returncode == 0
    as_of = datetime(2026, 11, 4, tzinfo=UTC)
    with db.reader(wh, as_of=as_of) as con:
        assert con.execute("select as_of from params").fetchone()[0] == as_of
    # The stored view was not rewritten: a plain client still sees now().
    plain = duckdb.connect(str(wh), read_only=True)
    try:
        (stored,) = plain.execute("select as_of from params").fetchone()
    finally:
        plain.close()
    assert stored.year >= 2026 and stored != as_of
