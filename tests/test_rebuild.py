"""`ingest --rebuild` (SPEC §5, §12; issue #15.1): a new warehouse built beside the old one,
swapped in only when complete, refusing when its inputs are gone, keeping the history."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from analytics.db import SCHEMA_VERSION
from tests.conftest import CONTENT_TABLES, run_cli, table_rows

DOC = (
    "INCIDENT: Checkout errors\nSEVERITY: SEV-2\nTEAM: payments\n"
    "STARTED: 2026-10-03 14:00 UTC\nDETECTED: 2026-10-03 14:05 UTC — alert\n"
    "ACKNOWLEDGED: 2026-10-03 14:10 UTC — Alice\nRESOLVED: 2026-10-03 15:00 UTC\n"
)
ROTATION = "team,engineer,start,end\npayments,Alice,2026-10-01T00:00:00Z,2026-11-01T00:00:00Z\n"


@pytest.fixture
def built(tmp_path) -> tuple[Path, Path]:
    """A warehouse from two documents and a rotation, with October 2026 exported."""
    raw = tmp_path / "raw"
    (raw / "timelines").mkdir(parents=True)
    (raw / "rotations").mkdir()
    (raw / "timelines" / "inc-1.md").write_text(DOC)
    (raw / "timelines" / "inc-2.md").write_text(DOC.replace("Checkout", "Login"))
    (raw / "rotations" / "payments.csv").write_text(ROTATION)
    db = tmp_path / "w.duckdb"
    assert run_cli("ingest", str(raw), "--db", str(db), "--quiet").returncode == 0
    con = duckdb.connect(str(db))
    con.execute(  # as the payroll export records a final month (SPEC §5)
        "insert into payroll_exports (period_start, period_end, exported_at, csv_sha256, "
        "inputs_sha256, policy_version) values ('2026-10-01', '2026-11-01', "
        "'2026-11-02 09:00+00', 'c0ffee', 'beef', 'p1')"
    )
    con.close()
    return raw, db


def _count(db: Path, sql: str):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_rebuild_refuses_when_its_inputs_are_gone(built, tmp_path):
    """The attack: the input folder renamed, `ingest --rebuild` exited 0 with 0 incidents."""
    raw, db = built
    before = table_rows(db, (*CONTENT_TABLES, "payroll_exports", "ingest_log"))
    raw.rename(tmp_path / "moved")
    result = run_cli("ingest", "--rebuild", "--db", str(db))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    # 3 files were loaded (2 documents, 1 rotation CSV), all gone; one line says what to do,
    # then one line per missing file
    assert "3 of the 3 files" in lines[0] and "--rebuild FOLDER" in lines[0], lines[0]
    assert "nothing was changed" in lines[0]
    assert sorted(x.split("/")[-1] for x in lines[1:]) == ["inc-1.md", "inc-2.md", "payments.csv"]
    assert "Traceback" not in result.stderr
    assert table_rows(db, (*CONTENT_TABLES, "payroll_exports", "ingest_log")) == before
    assert not list(tmp_path.glob("w.duckdb.rebuild-tmp*"))


def test_rebuild_reads_the_folders_given_instead_and_logs_the_missing_as_pruned(built, tmp_path):
    raw, db = built
    moved = tmp_path / "moved"
    raw.rename(moved)
    result = run_cli("ingest", "--rebuild", str(moved), "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert _count(db, "select count(*) from src_incidents") == [(2,)]
    assert _count(db, "select count(*) from src_rotations") == [(1,)]
    # the old paths: last entry 'pruned', so a file put back there is read again
    last = _count(
        db,
        "select file, status from (select file, status, row_number() over (partition by file "
        "order by run_started_at desc) as rn from ingest_log) where rn = 1 order by file",
    )
    assert {Path(f).parent.parent.name: s for f, s in last} == {"moved": "loaded", "raw": "pruned"}
    assert result.stdout.count("pruned: ") == 3


def test_rebuild_carries_over_payroll_exports_and_the_ingest_history(built):
    _, db = built
    exports = table_rows(db, ("payroll_exports",))
    (log_rows,) = _count(db, "select count(*) from ingest_log")[0]  # 3 files, one run
    result = run_cli("ingest", "--rebuild", "--db", str(db), "--quiet")
    assert result.returncode == 0, result.stderr
    assert table_rows(db, ("payroll_exports",)) == exports
    # the old run's 3 rows kept, plus the rebuild's own 3
    assert _count(db, "select count(*) from ingest_log") == [(log_rows + 3,)]
    assert _count(db, "select count(distinct run_id) from ingest_log") == [(2,)]
    assert _count(db, "select count(*) from src_incidents") == [(2,)]


def test_a_failed_rebuild_leaves_the_old_warehouse(built, tmp_path, monkeypatch):
    """The new file is swapped in only when complete: a failure while carrying the history
    over (after the rebuild's ingest) leaves the old file as it was and no temp file."""
    from analytics.ingest import rebuild, run
    from analytics.policy import DEFAULT_POLICY

    raw, db = built
    before = table_rows(db, (*CONTENT_TABLES, "payroll_exports", "ingest_log"))
    (raw / "timelines" / "inc-3.md").write_text(DOC.replace("Checkout", "Search"))

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(rebuild, "_carry_over", boom)
    with pytest.raises(OSError):
        run.rebuild([raw], db=db, policy=DEFAULT_POLICY, team=None, wait=1)
    assert table_rows(db, (*CONTENT_TABLES, "payroll_exports", "ingest_log")) == before
    assert not list(tmp_path.glob("w.duckdb.rebuild-tmp*"))


def test_rebuild_of_an_old_schema_keeps_its_exports(built):
    """The cure after an upgrade: an older schema version is rebuilt, exports kept."""
    raw, db = built
    con = duckdb.connect(str(db))
    con.execute("update warehouse_meta set value = '0' where key = 'schema_version'")
    con.close()
    assert run_cli("metrics", "--from", "2026-10-01", "--to", "2026-10-31", "--db", str(db)
                   ).returncode == 2  # fmt: skip
    result = run_cli("ingest", "--rebuild", "--db", str(db), "--quiet")
    assert result.returncode == 0, result.stderr
    version = _count(db, "select value from warehouse_meta where key = 'schema_version'")
    assert version == [(str(SCHEMA_VERSION),)]
    assert _count(db, "select csv_sha256 from payroll_exports") == [("c0ffee",)]
    shutil.rmtree(raw)  # nothing of the rebuilt warehouse depends on the old file
    assert _count(db, "select count(*) from incident_metrics") == [(2,)]


def test_a_file_whose_last_edit_was_rejected_is_read_again_and_reported(built):
    """Its last good rows are in the old warehouse; the rebuild cannot recover them from the
    broken file, so it must at least read it and say so (exit 1), never drop it silently."""
    raw, db = built
    (raw / "timelines" / "inc-2.md").write_text(DOC.replace("SEVERITY: SEV-2\n", ""))
    assert run_cli("ingest", str(raw), "--db", str(db), "--quiet").returncode == 1
    result = run_cli("ingest", "--rebuild", "--db", str(db), "--quiet")
    assert result.returncode == 1
    assert "inc-2.md:1:" in result.stdout + result.stderr
