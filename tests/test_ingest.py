"""Ingestion guarantees (SPEC §4, §11): idempotent, atomic, honest about rejections."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import CONTENT_TABLES, run_cli, table_rows

DOC = """INCIDENT: {title}
ID: {iid}
SEVERITY: SEV-{sev}
TEAM: Payments
SERVICE: checkout-api
STARTED: 2026-11-03 14:00 UTC
DETECTED: 2026-11-03 14:05 UTC — alert
ACKNOWLEDGED: 2026-11-03 14:10 UTC — Alice
RESOLVED: 2026-11-03 15:00 UTC

TIMELINE:
[14:05] — Alert fired
[14:20] — Status page updated

ACTION ITEMS:
- [ ] Add a connection pool alarm OPS-12 — Owner: Alice — Due: 2026-11-20
"""


def doc(iid: str = "INC-1", title: str = "Checkout errors", sev: int = 2) -> str:
    return DOC.format(iid=iid, title=title, sev=sev)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def snapshot(db: Path) -> dict[str, list]:
    """Every row of every content table (contents, not counts)."""
    return table_rows(db, CONTENT_TABLES)


def ingest(*args: str):
    return run_cli("ingest", *args)


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    root = tmp_path / "raw"
    write(root / "timelines" / "inc-1.md", doc())
    write(
        root / "pages" / "pages.csv",
        "page_id,sent_at,recipient,team\np1,2026-11-03T14:05:00Z,Alice,payments\n",
    )
    write(
        root / "rotations" / "r.csv",
        "team,engineer,start,end\npayments,Alice,2026-11-02T00:00:00Z,2026-11-09T00:00:00Z\n",
    )
    write(
        root / "people.csv", "engineer,employee_id,team,timezone\nAlice,E1,payments,Europe/Berlin\n"
    )
    return root


def test_document_without_severity_is_rejected_at_line_1_and_the_rest_loads(tmp_path, raw):
    bad = write(raw / "timelines" / "no-sev.md", "INCIDENT: x\nSTARTED: 2026-11-03 14:00\n")
    db = tmp_path / "w.duckdb"
    result = ingest(str(raw), "--db", str(db), "--quiet")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert lines[0].startswith(f"{bad}:1: ") or lines[0].startswith(
        f"{os.path.relpath(bad)}:1: "
    ), lines
    assert "SEVERITY" in lines[0]
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select incident_id from incidents").fetchall() == [("INC-1",)]
    assert con.execute("select status from ingest_log where file like '%no-sev.md'").fetchone() == (
        "rejected",
    )
    con.close()


def test_ingesting_again_changes_nothing(tmp_path, raw):
    db = tmp_path / "w.duckdb"
    assert ingest(str(raw), "--db", str(db), "--quiet").returncode == 0
    first = snapshot(db)
    again = ingest(str(raw), "--db", str(db))
    assert again.returncode == 0
    assert "unchanged" in again.stdout
    assert snapshot(db) == first


def test_an_edited_file_replaces_exactly_its_own_rows(tmp_path, raw):
    db = tmp_path / "w.duckdb"
    write(raw / "timelines" / "inc-2.md", doc("INC-2", "Search slow", 3))
    assert ingest(str(raw), "--db", str(db), "--quiet").returncode == 0
    before = snapshot(db)
    write(raw / "timelines" / "inc-1.md", doc(title="Checkout errors (edited)"))
    assert ingest(str(raw), "--db", str(db), "--quiet").returncode == 0
    after = snapshot(db)
    assert after["src_pages"] == before["src_pages"]
    inc2 = [r for r in after["src_incidents"] if "'INC-2'" in r]
    assert inc2 == [r for r in before["src_incidents"] if "'INC-2'" in r]
    titles = [r for r in after["src_incidents"] if "(edited)" in r]
    assert len(titles) == 1 and len(after["src_incidents"]) == 2
    assert len(after["src_timeline_events"]) == len(before["src_timeline_events"])


def test_one_incident_id_in_two_files_of_a_batch_rejects_the_second(tmp_path, raw):
    write(raw / "timelines" / "z-copy.md", doc())
    db = tmp_path / "w.duckdb"
    result = ingest(str(raw), "--db", str(db), "--quiet")
    assert result.returncode == 1
    assert "z-copy.md:1: incident_id INC-1 also in " in result.stderr
    assert "inc-1.md" in result.stderr
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select count(*) from src_incidents").fetchone() == (1,)
    con.close()


def test_a_renamed_file_moves_its_incident(tmp_path, raw):
    db = tmp_path / "w.duckdb"
    assert ingest(str(raw), "--db", str(db), "--quiet").returncode == 0
    (raw / "timelines" / "inc-1.md").rename(raw / "timelines" / "renamed.md")
    result = ingest(str(raw), "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert "moved: INC-1: moved from" in result.stdout
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("select incident_id, source_file from src_incidents").fetchall()
    con.close()
    assert len(rows) == 1 and rows[0][1].endswith("renamed.md")


def test_prune_lists_and_drops_rows_of_vanished_files(tmp_path, raw):
    db = tmp_path / "w.duckdb"
    write(raw / "timelines" / "inc-2.md", doc("INC-2"))
    assert ingest(str(raw), "--db", str(db), "--quiet").returncode == 0
    (raw / "timelines" / "inc-2.md").unlink()
    kept = ingest(str(raw), "--db", str(db), "--quiet")
    assert kept.returncode == 0
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select count(*) from src_incidents").fetchone() == (2,)
    con.close()
    pruned = ingest(str(raw), "--db", str(db), "--prune")
    assert pruned.returncode == 0
    assert "pruned:" in pruned.stdout and "inc-2.md" in pruned.stdout
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select incident_id from src_incidents").fetchall() == [("INC-1",)]
    con.close()


def test_dry_run_checks_without_writing(tmp_path, raw):
    bad = write(
        tmp_path / "check" / "timelines" / "bad.md",
        "INCIDENT: x\nSEVERITY: SEV-9\nSTARTED: 2026-11-03 14:00\n",
    )
    db = tmp_path / "w.duckdb"
    result = ingest(str(bad), "--dry-run", "--db", str(db))
    assert result.returncode == 1
    assert "bad.md:2: " in result.stderr
    ok = ingest(str(raw / "timelines" / "inc-1.md"), "--dry-run", "--db", str(db))
    assert ok.returncode == 0, ok.stderr
    assert "dry run" in ok.stdout
    assert not db.exists()


def test_a_page_id_in_two_files_rejects_the_later_row(tmp_path, raw):
    write(
        raw / "pages" / "z-more.csv",
        "page_id,sent_at,recipient,team\np2,2026-11-03T15:00:00Z,Alice,payments\n"
        "p1,2026-11-03T16:00:00Z,Alice,payments\n",
    )
    db = tmp_path / "w.duckdb"
    result = ingest(str(raw), "--db", str(db), "--quiet")
    assert result.returncode == 1
    assert "z-more.csv:3: page_id 'p1' also in" in result.stderr
    con = duckdb.connect(str(db), read_only=True)
    assert sorted(con.execute("select page_id from pages").fetchall()) == [("p1",), ("p2",)]
    con.close()


def test_a_broken_edit_keeps_the_last_good_version(tmp_path, raw):
    db = tmp_path / "w.duckdb"
    assert ingest(str(raw), "--db", str(db), "--quiet").returncode == 0
    before = snapshot(db)
    write(raw / "timelines" / "inc-1.md", doc().replace("SEVERITY: SEV-2", "SEVERITY: SEV-7"))
    for _ in range(2):  # rejected again on re-run, and nothing else changes
        result = ingest(str(raw), "--db", str(db), "--quiet")
        assert result.returncode == 1
        assert "inc-1.md:3: " in result.stderr and "SEV-7" in result.stderr
        assert snapshot(db) == before


KILLER = """
import sys, time
from pathlib import Path
from analytics.ingest.run import ingest
from analytics.policy import DEFAULT_POLICY

def hold():
    print("written", flush=True)
    time.sleep(60)

ingest([Path(sys.argv[1])], db=Path(sys.argv[2]), policy=DEFAULT_POLICY, before_commit=hold)
"""


def test_a_kill_inside_the_batch_leaves_the_warehouse_as_it_was(tmp_path, raw):
    db = tmp_path / "w.duckdb"
    assert ingest(str(raw), "--db", str(db), "--quiet").returncode == 0
    before = snapshot(db)
    write(raw / "timelines" / "inc-2.md", doc("INC-2"))
    write(
        raw / "pages" / "pages.csv",
        "page_id,sent_at,recipient,team\np9,2026-11-03T14:05:00Z,Bob,search\n",
    )
    child = subprocess.Popen(
        [sys.executable, "-c", KILLER, str(raw), str(db)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parent.parent,
    )
    assert child.stdout.readline().strip() == "written"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert snapshot(db) == before
    # A re-run then equals a clean ingest of the same inputs.
    assert ingest(str(raw), "--db", str(db), "--quiet").returncode == 0
    clean = tmp_path / "clean.duckdb"
    assert ingest(str(raw), "--db", str(clean), "--quiet").returncode == 0
    assert snapshot(db) == snapshot(clean)


def test_pages_load_from_json_and_parquet_with_record_numbers(tmp_path):
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    raw = tmp_path / "raw" / "pages"
    raw.mkdir(parents=True)
    records = [
        {
            "page_id": "j1",
            "sent_at": "2026-11-03T14:05:00Z",
            "recipient": "Alice",
            "team": "Payments",
            "acknowledged_at": "2026-11-03T15:06:00+01:00",  # 14:06Z, after sent_at
        },
        {"page_id": "j2", "sent_at": "not a time", "recipient": "Bob", "team": "search"},
    ]
    (raw / "a.json").write_text(json.dumps(records))
    pq.write_table(
        pa.Table.from_pylist(
            [
                {
                    "page_id": "q1",
                    "sent_at": "2026-11-03 14:05 UTC",
                    "recipient": "Carol",
                    "team": "search",
                }
            ]
        ),
        raw / "b.parquet",
    )
    db = tmp_path / "w.duckdb"
    result = ingest(str(raw.parent), "--db", str(db), "--quiet")
    assert result.returncode == 1
    assert "a.json:2: sent_at 'not a time' is not a timestamp" in result.stderr
    con = duckdb.connect(str(db), read_only=True)
    con.execute("SET TimeZone='UTC'")
    rows = con.execute(
        "select page_id, team, sent_at::varchar, acknowledged_at::varchar "
        "from pages order by page_id"
    ).fetchall()
    con.close()
    assert rows == [
        ("j1", "payments", "2026-11-03 14:05:00+00", "2026-11-03 14:06:00+00"),
        ("q1", "search", "2026-11-03 14:05:00+00", None),
    ]


def test_an_unreadable_csv_does_not_abort_the_batch(tmp_path, raw):
    # DuckDB aborts a whole transaction on any error: reading must happen outside it.
    (raw / "pages" / "garbage.csv").write_bytes(bytes(range(256)) * 64)
    db = tmp_path / "w.duckdb"
    result = ingest(str(raw), "--db", str(db), "--quiet")
    assert result.returncode == 1
    assert "garbage.csv:1: cannot read as pages" in result.stderr
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select page_id from pages").fetchall() == [("p1",)]
    assert con.execute("select incident_id from incidents").fetchall() == [("INC-1",)]
    con.close()


def test_dry_run_finds_duplicate_ids_in_the_batch(tmp_path, raw):
    write(raw / "timelines" / "z-copy.md", doc())
    result = ingest(str(raw / "timelines"), "--dry-run", "--db", str(tmp_path / "w.duckdb"))
    assert result.returncode == 1
    assert "z-copy.md:1: incident_id INC-1 also in" in result.stderr


def test_a_rejected_duplicate_leaves_nothing_in_staging(tmp_path, raw, monkeypatch):
    from analytics.ingest import staging

    monkeypatch.setattr(staging, "CHUNK_DOCS", 1)  # every document staged before the checks
    write(raw / "timelines" / "z-copy.md", doc(title="The duplicate"))
    db = tmp_path / "w.duckdb"
    result = ingest(str(raw), "--db", str(db), "--quiet")
    assert result.returncode == 1
    con = duckdb.connect(str(db), read_only=True)
    for table in ("src_incidents", "src_timeline_events", "src_action_items"):
        files = con.execute(f"select distinct source_file from {table}").fetchall()
        assert [Path(f).name for (f,) in files] == ["inc-1.md"], table
    assert con.execute("select title from incidents").fetchall() == [("Checkout errors",)]
    con.close()


def test_a_file_that_cannot_be_read_is_one_rejection_and_the_rest_loads(tmp_path, raw, monkeypatch):
    # a new CSV is staged while a thread hashes it: when the read fails, one line says so
    from analytics.ingest import readers, run
    from analytics.policy import DEFAULT_POLICY

    unreadable = write(raw / "pages" / "locked.csv", "page_id,sent_at,recipient,team\n")
    real = readers.file_sha256

    def sha256(path: Path) -> str:
        if path == unreadable:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(readers, "file_sha256", sha256)
    report = run.ingest([raw], db=tmp_path / "w.duckdb", policy=DEFAULT_POLICY)
    assert [r.split(":1: ")[1] for r in report.rejections] == ["cannot read: Permission denied"]
    assert report.rejections[0].endswith("locked.csv:1: cannot read: Permission denied")
    assert report.exit_code == 1
    loaded = {f.display for f in report.files if f.status == "loaded"}
    assert any(name.endswith("pages.csv") for name in loaded)
    assert any(name.endswith("inc-1.md") for name in loaded)
