"""A JupyterLab kernel holding the warehouse while cron jobs run (SPEC §9, issue #8).

The holder is another process with an idle connection, read-only or read-write, as a
notebook kernel would keep it. Every scheduled command runs as a real process with
``--wait 1`` and either succeeds or exits 3 with one stderr line naming the holder's PID;
afterwards the warehouse is unchanged and no half-written output exists.

DuckDB (STACK-NOTES): many read-only processes may share the file; a read-write one excludes
everyone. So under a read-only holder the readers (metrics, report, export) succeed and the
writers (ingest, payroll, which records its export) exit 3; under a read-write holder all
exit 3.
"""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import SAMPLE, hold_warehouse, run_process, table_rows


@pytest.fixture
def warehouse(sample_warehouse, tmp_path) -> Path:
    db = tmp_path / "w.duckdb"
    shutil.copy(sample_warehouse, db)
    return db


class Holder:
    def __init__(self, db: Path, mode: str) -> None:
        self.proc = hold_warehouse(db, mode)
        self.pid = self.proc.pid

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


def _commands(db: Path, out: Path) -> dict[str, list[str]]:
    common = ["--db", str(db), "--wait", "1", "--quiet"]
    return {
        "ingest": ["ingest", str(SAMPLE), *common],
        "metrics": ["metrics", "--from", "2026-10-01", "--to", "2026-10-31", *common],
        "payroll": ["payroll", "--period", "2026-10", "--out", str(out / "payroll.csv"), *common],
        "export": ["export", "--parquet", str(out / "parquet"), *common],
    }


def _run_all(commands: dict[str, list[str]]) -> dict:
    with ThreadPoolExecutor(len(commands)) as pool:
        futures = {name: pool.submit(run_process, *args) for name, args in commands.items()}
        return {name: f.result() for name, f in futures.items()}


def _assert_busy(result, holder: Holder, name: str) -> None:
    assert result.returncode == 3, (name, result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, (name, result.stderr)
    assert f"PID {holder.pid}" in lines[0] and "busy" in lines[0], (name, lines[0])


@pytest.mark.parametrize("mode", ["ro", "rw"])
def test_cron_commands_under_an_idle_kernel_connection(warehouse, tmp_path, mode):
    before = table_rows(warehouse)
    out = tmp_path / "out"
    out.mkdir()
    holder = Holder(warehouse, mode)
    try:
        results = _run_all(_commands(warehouse, out))
    finally:
        holder.stop()
    readers = {"metrics", "export"}
    for name, result in results.items():
        if mode == "ro" and name in readers:
            assert result.returncode == 0, (name, result.stderr)
        else:
            _assert_busy(result, holder, name)
    if mode == "ro":
        assert "severity" in results["metrics"].stdout
        assert (out / "parquet" / "incidents").is_dir()
    else:
        assert not (out / "parquet").exists() or not any((out / "parquet").rglob("*"))
    # payroll needs the writer to record its export: refused, and it left no files behind
    assert sorted(p.name for p in out.iterdir() if p.name != "parquet") == []
    assert table_rows(warehouse) == before


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["ro", "rw"])
def test_weekly_report_under_an_idle_kernel_connection(warehouse, tmp_path, mode):
    before = table_rows(warehouse)
    out = tmp_path / "reports"
    holder = Holder(warehouse, mode)
    try:
        result = run_process(
            "report", "weekly", "--week", "2026-W44", "--as-of", "2026-11-02T00:00:00Z",
            "--out", str(out), "--db", str(warehouse), "--wait", "1", "--quiet", timeout=300,
        )  # fmt: skip
    finally:
        holder.stop()
    html = out / "weekly" / "2026-W44" / "allhands.html"
    if mode == "ro":
        assert result.returncode == 0, result.stderr
        assert html.is_file() and html.stat().st_size > 0
    else:
        _assert_busy(result, holder, "report")
        assert not out.exists() or not [p for p in out.rglob("*") if p.is_file()]
    assert table_rows(warehouse) == before


def test_a_writer_gets_through_once_the_kernel_lets_go(warehouse, tmp_path):
    """The wait is a real wait: a holder that closes within --wait does not fail the job."""
    proc = hold_warehouse(warehouse, "rw", seconds=1.0)
    try:
        result = run_process(
            "payroll", "--period", "2026-10", "--out", str(tmp_path / "p.csv"),
            "--db", str(warehouse), "--wait", "20", "--quiet",
        )  # fmt: skip
    finally:
        proc.wait()
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "p.csv").is_file()


# ---------------------------------------------------------------- parsing with the file closed

_OPEN_RO = "import sys, duckdb; duckdb.connect(sys.argv[1], read_only=True).close()"

PAGED_DOC = (
    "INCIDENT: Checkout errors\nSEVERITY: SEV-2\nSTARTED: 2026-11-03 14:00 UTC\n"
    "DETECTED: 2026-11-03 14:05 UTC — alert\nRESOLVED: 2026-11-03 15:00 UTC\n\n"
    "TIMELINE:\n[14:20] Paged the database team\n"
)


def _small_raw(tmp_path: Path, n: int) -> Path:
    raw = tmp_path / "raw"
    (raw / "timelines").mkdir(parents=True, exist_ok=True)
    for i in range(1, n + 1):
        (raw / "timelines" / f"inc-{i}.md").write_text(PAGED_DOC)
    return raw


def test_ingest_parses_with_the_warehouse_closed(tmp_path):
    """While an ingest reads and parses its files, other processes can open the warehouse:
    it is opened read-write only to load (issue #15.3)."""
    import subprocess
    import sys

    from analytics.ingest import run
    from analytics.policy import DEFAULT_POLICY

    raw = _small_raw(tmp_path, 1)
    db = tmp_path / "w.duckdb"
    run.ingest([raw], db=db, policy=DEFAULT_POLICY)
    (raw / "timelines" / "inc-2.md").write_text(PAGED_DOC)
    opened: list[int] = []

    def progress(done: int, total: int, file: str) -> None:
        if not opened:  # during the parse of the batch: another process opens the file
            opened.append(subprocess.run([sys.executable, "-c", _OPEN_RO, str(db)]).returncode)

    report = run.ingest([raw], db=db, policy=DEFAULT_POLICY, progress=progress)
    assert opened == [0]
    assert {f.display.rsplit("/", 1)[-1]: f.status for f in report.files} == {
        "inc-1.md": "unchanged",
        "inc-2.md": "loaded",
    }


def test_an_ingest_committed_during_the_parse_makes_the_parse_start_again(tmp_path):
    """A parses under policy P taking every file as unchanged; meanwhile B ingests under a
    policy whose `page` keywords differ (re-parsing every file). A must not store P over
    rows classified by B's policy: it sees the stored state moved and parses again."""
    from analytics.ingest import run
    from analytics.policy import DEFAULT_POLICY

    raw = _small_raw(tmp_path, 2)
    db = tmp_path / "w.duckdb"
    run.ingest([raw], db=db, policy=DEFAULT_POLICY)
    other = tmp_path / "other.toml"
    other.write_text('[timeline_keywords]\npage = ["zzz"]\n')
    ran: list = []

    def progress(done: int, total: int, file: str) -> None:
        if not ran:
            ran.append(run_process("ingest", str(raw), "--db", str(db), "--policy", str(other),
                                   "--wait", "5", "--quiet"))  # fmt: skip

    report = run.ingest([raw], db=db, policy=DEFAULT_POLICY, progress=progress)
    assert ran[0].returncode == 0, ran[0].stderr
    assert {f.status for f in report.files} == {"loaded"}  # parsed again, under P
    rows = table_rows(db, ["src_timeline_events"])["src_timeline_events"]
    # "Paged the database team" is a `page` under the default keywords (["paged"]), a `note`
    # under B's (["zzz"]): both documents hold it once, so two page events.
    assert sum("'page'" in r for r in rows) == 2, rows


def test_a_file_taken_as_unchanged_whose_stored_version_moved_makes_the_parse_stale():
    """The sha256 half of the check above, on the decision itself: a file skipped as
    unchanged (sha 'a') while another ingest stored version 'b' of it must not be logged as
    unchanged; a file this batch parses is replaced anyway, whatever was stored meanwhile."""
    from analytics.ingest.run import FileResult, _Batch
    from analytics.policy import DEFAULT_POLICY

    p = DEFAULT_POLICY.version
    batch = _Batch(policy=DEFAULT_POLICY, team=None, now=None, progress=None)  # type: ignore[arg-type]
    batch.results = [
        FileResult(Path("/r/x.md"), "x.md", "timeline", sha256="a", status="unchanged"),
        FileResult(Path("/r/y.md"), "y.md", "timeline", sha256="c", status="loaded"),
    ]
    parsed_with = ({"/r/x.md": "a", "/r/y.md": "old"}, p)
    assert not batch.stale({"/r/x.md": "a", "/r/y.md": "d"}, p, parsed_with=parsed_with)
    assert batch.stale({"/r/x.md": "b", "/r/y.md": "old"}, p, parsed_with=parsed_with)
    assert batch.stale({"/r/y.md": "old"}, p, parsed_with=parsed_with)  # x pruned meanwhile
    assert batch.stale({"/r/x.md": "a"}, "other", parsed_with=parsed_with)  # policy moved
    # parsed everything (the stored policy differed): any stored policy is fine afterwards
    everything = ({}, "older")
    batch.results[0].status = "loaded"
    assert not batch.stale({}, "other", parsed_with=everything)
