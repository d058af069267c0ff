"""`incident-analytics payroll` on the bundled sample and on bad options (SPEC §10, §12).

The sample's rotations, incidents and pages end on 2026-11-02: October is covered, November
is not.
"""

from __future__ import annotations

import hashlib
import json
import shutil

import duckdb
import pytest

from tests.conftest import ROOT, run_cli

# sha256 of what main produced for `payroll --period 2026-10` on the sample without coverage,
# finality by instant and spreadsheet safety: the CSV at e5a956f (unchanged since), the
# explanation at 12bb7ff (whose SEV-1 rows gained the severity audit's "without evidence"
# note). These must not change a covered period's files (the manifest gains fields, so it is
# not compared). Since the sample's SEV-1s state their impact ("complete outage ... for all
# users", #18.6), October's two SEV-1s have evidence and lose that note: the explanation is
# again byte for byte the one of e5a956f; the CSV never changed.
OCTOBER_CSV_SHA256 = "f3ccfa90b85dd1702eae5e2b6eec0166b0ab1506966d18baa441d2c7693dd454"
OCTOBER_EXPLAIN_SHA256 = "4acc8ace435a5dd87c5c97639be2be6eeb30fc3d4c20db5f335144a2b3b32a2a"


@pytest.fixture
def db(sample_warehouse, tmp_path):
    path = tmp_path / "w.duckdb"
    shutil.copyfile(sample_warehouse, path)
    return path


def payroll(db, *args):
    return run_cli("payroll", "--db", str(db), "--wait", "0", *args)


def recorded(db) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("select count(*) from payroll_exports").fetchone()[0]
    finally:
        con.close()


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_october_exports_final_and_byte_identical_to_before(db, tmp_path):
    out = tmp_path / "oct.csv"
    result = payroll(db, "--period", "2026-10", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert sha(out) == OCTOBER_CSV_SHA256
    assert sha(tmp_path / "oct.explain.csv") == OCTOBER_EXPLAIN_SHA256
    manifest = json.loads((tmp_path / "oct.manifest.json").read_text())
    assert manifest["final"] is True and manifest["warnings"] == []
    assert recorded(db) == 1


def test_the_written_path_is_printed_absolute_as_report_prints_its(db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = payroll(db, "--period", "2026-10", "--out", "oct.csv")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"payroll written: {(tmp_path / 'oct.csv').resolve()}\n"


def test_november_is_refused_one_line_per_team_and_source(db, tmp_path):
    out = tmp_path / "nov.csv"
    result = payroll(db, "--period", "2026-11", "--out", str(out))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    # three teams whose rotation data ends 11-02 00:00 (29 days = 696 h before 12-01), then
    # incidents and pages, then the summary
    assert len(lines) == 6
    for team, line in zip(("payments", "platform", "search"), lines, strict=False):
        assert line.startswith(
            f"incident-analytics: team {team}: rotation data ends 2026-11-02T00:00:00Z: "
            "uncovered from 2026-11-02T00:00:00Z to the period end 2026-12-01T00:00:00Z (696 h)"
        )
    assert lines[3].startswith("incident-analytics: incidents: data ends 2026-11-")
    assert lines[4].startswith("incident-analytics: pages: data ends 2026-11-")
    assert "refused" in lines[5] and "5 shortfall(s)" in lines[5]
    assert "--provisional" in lines[5] and "--accept-coverage" in lines[5]
    assert list(tmp_path.iterdir()) == [db]
    assert recorded(db) == 0


def test_november_provisional_writes_the_provisional_files(db, tmp_path):
    result = payroll(db, "--period", "2026-11", "--out", str(tmp_path / "nov.csv"), "--provisional")
    assert result.returncode == 0, result.stderr
    assert "payroll (provisional) written" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "nov.provisional.csv",
        "nov.provisional.explain.csv",
        "nov.provisional.manifest.json",
        "w.duckdb",
    ]
    manifest = json.loads((tmp_path / "nov.provisional.manifest.json").read_text())
    assert manifest["final"] is False
    assert len(manifest["warnings"]) == 5
    assert manifest["warnings"][0].startswith("team payments: rotation data ends 2026-11-02")
    # the shortfall is on stderr too
    assert result.stderr.count("warning: ") == 5
    # Bob's week 10-26 .. 11-02 pays its last 24 h in November: 500 x 24 / 168 = 71.43
    assert ",24,71.43," in (tmp_path / "nov.provisional.csv").read_text()
    assert recorded(db) == 0


def test_november_accept_coverage_finalises_with_the_shortfall_kept(db, tmp_path):
    out = tmp_path / "nov.csv"
    result = payroll(db, "--period", "2026-11", "--out", str(out), "--accept-coverage")
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "nov.manifest.json").read_text())
    assert manifest["final"] is True
    accepted = [w for w in manifest["warnings"] if w.startswith("coverage accepted")]
    assert len(accepted) == 5
    assert recorded(db) == 1


def test_a_month_without_any_rotation_needs_provisional(db, tmp_path):
    out = str(tmp_path / "jan.csv")
    for extra in ((), ("--accept-coverage",), ("--force",)):
        result = payroll(db, "--period", "2026-01", "--out", out, *extra)
        assert result.returncode == 1
        assert "no on-call shift in 2026-01-01 .. 2026-01-31 at all" in result.stderr
    assert payroll(db, "--period", "2026-01", "--out", out, "--provisional").returncode == 0
    assert recorded(db) == 0


def test_paying_october_again_through_a_custom_range_is_refused(db, tmp_path):
    assert payroll(db, "--period", "2026-10", "--out", str(tmp_path / "oct.csv")).returncode == 0
    out = tmp_path / "shifted.csv"
    # the case; the data ends 11-02, so only --accept-coverage gets it past coverage
    args = ("--from", "2026-10-15", "--to", "2026-11-14", "--out", str(out), "--accept-coverage")
    result = payroll(db, *args)
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert "shares 2026-10-15 .. 2026-10-31 with the final export of 2026-10-01 .. 2026-10-31" in (
        line
    )
    assert not out.exists()
    forced = payroll(db, *args, "--force")
    assert forced.returncode == 0, forced.stderr
    assert recorded(db) == 2


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (("--period", "9999-12"), 2, "expected a month from 1970-01 to 9999-11"),
        (("--period", "2026-13"), 2, "expected a calendar month YYYY-MM"),
        (("--period", "1969-12"), 2, "expected a month from 1970-01"),
        (("--from", "2026-10-01", "--to", "9999-12-31"), 2, "expected a day from 1970-01-01"),
        (("--from", "2026-10-02", "--to", "2026-10-01"), 2, "is before --from"),
        (("--period", "2026-10", "--out", "README.md/x.csv"), 2, "is a file, not a folder"),
        (("--period", "2026-10", "--out", "/proc/nope/x.csv"), 2, "cannot create that folder"),
        (("--period", "2026-10", "--provisional", "--force"), 2, "--provisional"),
        (("--period", "2026-10", "--out", "@DB"), 2, "is the warehouse"),
        (("--period", "2026-10", "--out", "/dev/null"), 2, "is not a regular file"),
        (("--period", "2026-10", "--out", "a" * 300 + ".csv"), 2, "File name too long"),
    ],
)
def test_bad_options_are_one_line_and_write_nothing(db, tmp_path, monkeypatch, args, code, says):
    monkeypatch.chdir(ROOT)
    result = payroll(db, *(str(db) if a == "@DB" else a for a in args))
    assert result.returncode == code, result.stderr
    (line,) = result.stderr.splitlines()
    assert says in line and "Traceback" not in line
    assert recorded(db) == 0
    assert list(tmp_path.iterdir()) == [db]
