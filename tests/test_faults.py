"""Faults end in one line naming the file and the cure (issue #15.6, #16.4; SPEC §9, §12):
exit 1 (2 for a bad option), the warehouse untouched, never a traceback."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CONTENT_TABLES, ROOT, SAMPLE, run_cli, table_rows

SEED = (
    "INCIDENT: Seed\nSEVERITY: SEV-3\nSTARTED: 2026-04-01 10:00 UTC\n"
    "RESOLVED: 2026-04-01 11:00 UTC\n"
)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _one_line(result, code: int) -> str:
    assert result.returncode == code, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def warehouse(sample_warehouse, tmp_path) -> Path:
    db = tmp_path / "w.duckdb"
    shutil.copy(sample_warehouse, db)
    return db


# ---------------------------------------------------------------- damaged warehouse files


def _corrupt_block(db: Path) -> None:
    """Flip bytes inside a data block (past DuckDB's 3 headers of 4 KiB): its checksum fails."""
    with db.open("r+b") as fh:
        fh.seek(20_000)
        fh.write(b"\xff\xff\xff\xff")


def _truncate_half(db: Path) -> None:
    os.truncate(db, db.stat().st_size // 2)


@pytest.mark.parametrize("damage", [_corrupt_block, _truncate_half], ids=["checksum", "half"])
@pytest.mark.parametrize(
    "command",
    [
        ["metrics", "--from", "2026-10-01", "--to", "2026-10-31"],
        ["ingest", str(SAMPLE)],
    ],
    ids=["metrics", "ingest"],
)
def test_a_damaged_warehouse_is_one_line_naming_the_cure(warehouse, damage, command):
    damage(warehouse)
    digest = _sha(warehouse)
    line = _one_line(run_cli(*command, "--db", str(warehouse), "--wait", "0"), 1)
    assert str(warehouse) in line and "damaged" in line and "backup" in line, line
    assert _sha(warehouse) == digest  # untouched


# ---------------------------------------------------------------- disk full

_LIMITED = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
sys.argv = ["incident-analytics", *sys.argv[2:]]
from analytics.cli import main
main()
"""


def _ingest_with_file_size_limit(limit: int, db: Path):
    """``ingest`` of the sample where no file may grow past ``limit`` bytes: the disk
    "fills up" for every file the warehouse writes, as ENOSPC would (EFBIG here)."""
    return subprocess.run(
        [sys.executable, "-c", _LIMITED, str(limit), "ingest", str(SAMPLE), "--db", str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def seeded(tmp_path) -> Path:
    (tmp_path / "seed" / "timelines").mkdir(parents=True)
    (tmp_path / "seed" / "timelines" / "seed.md").write_text(SEED)
    db = tmp_path / "w.duckdb"
    assert run_cli("ingest", str(tmp_path / "seed"), "--db", str(db), "--quiet").returncode == 0
    return db


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX resource limits")
def test_disk_full_during_the_commit_is_one_line_and_changes_nothing(seeded):
    """The attack's last line was "cannot rollback - no transaction is active". The sample's
    batch writes ~0.8 MB of WAL at COMMIT; at 200 kB per file that write fails."""
    before = table_rows(seeded, CONTENT_TABLES, read_only=False)
    line = _one_line(_ingest_with_file_size_limit(200_000, seeded), 1)
    assert str(seeded) in line and "disk space" in line and "as it was" in line, line
    assert "rollback" not in line
    assert table_rows(seeded, CONTENT_TABLES, read_only=False) == before


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX resource limits")
def test_disk_full_while_checkpointing_says_the_batch_is_committed(seeded, tmp_path):
    """The WAL fits (~0.8 MB under a 1 MB margin over the file's size) but merging it into the
    file does not: the batch is committed, and the line says so rather than 'nothing changed'."""
    after = tmp_path / "after.duckdb"
    shutil.copy(seeded, after)
    assert run_cli("ingest", str(SAMPLE), "--db", str(after), "--quiet").returncode == 0
    limit = seeded.stat().st_size + 1_000_000
    line = _one_line(_ingest_with_file_size_limit(limit, seeded), 1)
    assert "committed" in line and str(seeded) in line, line
    assert table_rows(seeded, ("src_incidents", "src_pages"), read_only=False) == table_rows(
        after, ("src_incidents", "src_pages")
    )


# ---------------------------------------------------------------- bad output paths: exit 2


def test_report_out_under_proc_is_a_usage_error(warehouse):
    line = _one_line(run_cli("report", "weekly", "--out", "/proc/nope", "--db", str(warehouse)), 2)
    assert line.startswith("incident-analytics: --out /proc/nope:"), line


def test_payroll_out_under_a_file_is_a_usage_error(warehouse, tmp_path):
    result = run_cli(
        "payroll", "--period", "2026-10", "--out", str(ROOT / "README.md" / "x.csv"),
        "--db", str(warehouse),
    )  # fmt: skip
    line = _one_line(result, 2)
    assert "README.md is a file, not a folder" in line, line
    assert table_rows(warehouse, ("payroll_exports",)) == {"payroll_exports": []}


def test_export_folder_under_a_file_is_a_usage_error(warehouse):
    line = _one_line(
        run_cli("export", "--parquet", str(ROOT / "README.md" / "x"), "--db", str(warehouse)), 2
    )
    assert "--parquet" in line and "README.md" in line, line


def test_sample_out_under_a_file_is_a_usage_error():
    line = _one_line(run_cli("sample", "--out", str(ROOT / "README.md" / "s")), 2)
    assert "README.md is a file, not a folder" in line, line


def test_a_new_warehouse_where_no_folder_can_be_made_is_a_usage_error(tmp_path):
    (tmp_path / "seed" / "timelines").mkdir(parents=True)
    (tmp_path / "seed" / "timelines" / "seed.md").write_text(SEED)
    blocker = tmp_path / "file"
    blocker.write_text("")
    line = _one_line(
        run_cli("ingest", str(tmp_path / "seed"), "--db", str(blocker / "w.duckdb")), 2
    )
    assert line.startswith(f"incident-analytics: --db {blocker / 'w.duckdb'}:"), line
    assert "is a file, not a folder" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "seed"]  # nothing created


def test_a_new_warehouse_under_a_read_only_folder_is_a_usage_error(tmp_path, monkeypatch):
    (tmp_path / "seed" / "timelines").mkdir(parents=True)
    (tmp_path / "seed" / "timelines" / "seed.md").write_text(SEED)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    if os.geteuid() == 0:  # root writes anywhere: deny it as the kernel would anyone else
        from analytics import db

        real = os.access
        monkeypatch.setattr(db.os, "access", lambda p, m: Path(p) != locked and real(p, m))
    try:
        result = run_cli("ingest", str(tmp_path / "seed"), "--db", str(locked / "w.duckdb"))
    finally:
        locked.chmod(0o755)
    line = _one_line(result, 2)
    assert "not writable" in line and str(locked) in line, line
    assert not list(locked.iterdir())


# ---------------------------------------------------------------- bugs: one line, --debug


def test_an_unexpected_error_is_one_line_naming_the_command(warehouse, monkeypatch):
    from analytics import metrics

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(metrics, "summary", broken)
    args = ("metrics", "--from", "2026-10-01", "--to", "2026-10-31", "--db", str(warehouse))
    line = _one_line(run_cli(*args), 1)
    assert "incident-analytics: metrics: internal error (RuntimeError: boom)" in line, line
    assert "--debug" in line
    with pytest.raises(RuntimeError, match="boom"):  # the traceback, when asked for
        run_cli(*args, "--debug")
    with pytest.raises(RuntimeError, match="boom"):
        run_cli(*args, env={"INCIDENT_ANALYTICS_DEBUG": "1"})


def test_ingest_of_a_path_that_does_not_exist_is_a_usage_error_and_creates_nothing(tmp_path):
    """#16.4: it exited 1 with a bogus ':1' and created an empty 1 MB warehouse."""
    db = tmp_path / "new.duckdb"
    line = _one_line(run_cli("ingest", str(tmp_path / "nope"), "--db", str(db)), 2)
    assert line.startswith(f"incident-analytics: {tmp_path / 'nope'}: no such file or folder")
    assert not list(tmp_path.iterdir())
