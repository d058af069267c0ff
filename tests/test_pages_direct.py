"""Pages CSV files read straight into the warehouse (docs/design.md, "Ingest"; issue #20).

A pages CSV file with a plain header is not staged: its rows are read by DuckDB inside the
load's transaction. The rows must be exactly those staging gives, and a file with any bad
row must end as a staged file does: each bad row named at its line, the good rows loaded
once, nothing of the failed read left behind.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from analytics.ingest import tabular
from tests.conftest import run_cli

HEAD = "page_id,sent_at,recipient,team,service,incident_id,acknowledged_at,acknowledged_by\n"

# Rows in the shapes real exports have: offsets, microseconds, blank optional cells, names
# and teams to clean, a cell quoted with a comma in it.
CLEAN = HEAD + (
    "p1,2026-11-03T14:05:00Z,Alice Chen,payments,api,INC-1,2026-11-03T14:07:00Z,Alice Chen\n"
    "p2,2026-11-03T16:05:00+02:00,  Bob ,Payments , API ,,,\n"
    'p3,2026-11-03T14:05:00.123456Z,"Chen, Alice",platform,,INC-2,,\n'
    "p4,2026-11-03 15:00:00,Dana,platform,db,,2026-11-03T15:00:00Z,Dana\n"
)


@pytest.fixture
def staged(monkeypatch) -> list[str]:
    """The files staged (read into TEMP tables) during the test, by name."""
    names: list[str] = []
    original = tabular.stage

    def stage(con, spec, path, display):
        names.append(Path(path).name)
        return original(con, spec, path, display)

    monkeypatch.setattr(tabular, "stage", stage)
    return names


def _ingest(raw: Path, db: Path):
    return run_cli("ingest", str(raw), "--db", str(db), "--quiet")


def _pages(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "select * exclude (source_file), parse_filename(source_file) from src_pages "
            "order by source_file, line_no"
        ).fetchall()
    finally:
        con.close()


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)
    return folder / name


def test_a_clean_file_is_read_straight_in_with_the_rows_staging_gives(
    tmp_path, staged, monkeypatch
):
    _write(tmp_path / "raw" / "pages", "pages.csv", CLEAN)
    direct = _ingest(tmp_path / "raw", tmp_path / "direct.duckdb")
    assert direct.returncode == 0, direct.stderr
    assert staged == []  # read straight in

    # as before: staged, then copied in
    monkeypatch.setattr(tabular, "loads_directly", lambda *args: False)
    as_staged = _ingest(tmp_path / "raw", tmp_path / "staged.duckdb")
    assert as_staged.returncode == 0, as_staged.stderr
    assert staged == ["pages.csv"]

    rows = _pages(tmp_path / "direct.duckdb")
    assert rows == _pages(tmp_path / "staged.duckdb")
    assert [(r[0], r[-2], r[-1]) for r in rows] == [
        ("p1", 2, "pages.csv"),
        ("p2", 3, "pages.csv"),
        ("p3", 4, "pages.csv"),
        ("p4", 5, "pages.csv"),
    ]
    by_id = {r[0]: r for r in rows}
    assert by_id["p2"][2:5] == ("Bob", "payments", "api")  # cleaned as staging cleans
    assert by_id["p3"][2] == "Chen, Alice"


def test_a_bad_row_in_one_file_stages_every_file_and_loads_the_good_rows_once(tmp_path, staged):
    """The check fails inside the transaction (DuckDB then aborts it): rolled back, both
    files staged, the bad row named at its line, every good row loaded once."""
    raw = tmp_path / "raw" / "pages"
    _write(raw, "a.csv", CLEAN)
    _write(
        raw,
        "b.csv",
        HEAD + "q1,2026-11-03T14:05:00Z,Eve,payments,,,,\n"
        "q2,2026-11-03T14:05:00Z,Eve,payments,,,2026-11-03T13:00:00Z,Eve\n"
        "q3,2026-11-03T14:05:00Z,Eve,payments,,,,\n",
    )
    db = tmp_path / "w.duckdb"
    result = _ingest(tmp_path / "raw", db)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert "b.csv:3: acknowledged_at 2026-11-03 13:00:00Z is before sent_at" in line, line
    assert staged == ["a.csv", "b.csv"]
    assert [(r[0], r[-2], r[-1]) for r in _pages(db)] == [
        ("p1", 2, "a.csv"),
        ("p2", 3, "a.csv"),
        ("p3", 4, "a.csv"),
        ("p4", 5, "a.csv"),
        ("q1", 2, "b.csv"),
        ("q3", 4, "b.csv"),
    ]
    con = duckdb.connect(str(db), read_only=True)
    logged = con.execute(
        "select parse_filename(file), status, rows, rejected from ingest_log order by file"
    ).fetchall()
    con.close()
    assert logged == [("a.csv", "loaded", 4, 0), ("b.csv", "loaded", 2, 1)]


@pytest.mark.parametrize(
    "bad",
    [
        "p9,2026-11-03T14:05:00Z,Alice Chen,payments,api,,,,extra\n",  # DuckDB leaves it out
        "p1,2026-11-03T14:05:00Z,Alice Chen,payments,api,,,\n",  # p1 again
    ],
    ids=["too-many-values", "repeated-page-id"],
)
def test_a_row_the_read_leaves_out_or_repeats_stages_the_file(tmp_path, staged, bad):
    _write(tmp_path / "raw" / "pages", "pages.csv", CLEAN + bad)
    db = tmp_path / "w.duckdb"
    result = _ingest(tmp_path / "raw", db)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert "pages.csv:6: " in line, line
    assert staged == ["pages.csv"]
    assert [r[0] for r in _pages(db)] == ["p1", "p2", "p3", "p4"]


def test_a_page_id_another_loaded_file_has_is_rejected_at_its_line(tmp_path, staged):
    """A later batch: the warehouse holds other files' pages (the check joins with them)."""
    raw = tmp_path / "raw" / "pages"
    _write(raw, "a.csv", CLEAN)
    db = tmp_path / "w.duckdb"
    assert _ingest(tmp_path / "raw", db).returncode == 0
    _write(raw, "b.csv", HEAD + "q1,2026-11-03T14:05:00Z,Eve,payments,,,,\n"
           "p3,2026-11-03T14:05:00Z,Eve,payments,,,,\n")  # fmt: skip
    result = _ingest(tmp_path / "raw", db)
    assert result.returncode == 1
    assert "b.csv:3: page_id 'p3' also in" in result.stderr
    assert staged == ["b.csv"]  # a.csv is unchanged, b.csv failed the direct read
    assert [(r[0], r[-1]) for r in _pages(db)] == [
        ("p1", "a.csv"),
        ("p2", "a.csv"),
        ("p3", "a.csv"),
        ("p4", "a.csv"),
        ("q1", "b.csv"),
    ]
    # and a clean later file goes straight in beside the stored ones
    _write(raw, "c.csv", HEAD + "r1,2026-11-03T14:05:00Z,Eve,payments,,,,\n")
    assert _ingest(tmp_path / "raw", db).returncode == 0  # b.csv is unchanged: skipped
    assert staged == ["b.csv"]
    assert ("r1", "c.csv") in [(r[0], r[-1]) for r in _pages(db)]


def test_an_edited_file_replaces_its_rows(tmp_path, staged):
    raw = tmp_path / "raw" / "pages"
    _write(raw, "pages.csv", CLEAN)
    db = tmp_path / "w.duckdb"
    assert _ingest(tmp_path / "raw", db).returncode == 0
    _write(raw, "pages.csv", HEAD + "p2,2026-11-03T14:05:00Z,Bob,payments,,,,\n")
    assert _ingest(tmp_path / "raw", db).returncode == 0
    assert staged == []
    assert [(r[0], r[-2]) for r in _pages(db)] == [("p2", 2)]


def test_a_dry_run_stages_the_file(tmp_path, staged):
    _write(tmp_path / "raw" / "pages", "pages.csv", CLEAN)
    db = tmp_path / "w.duckdb"
    result = run_cli("ingest", str(tmp_path / "raw"), "--db", str(db), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert staged == ["pages.csv"] and not db.exists()
