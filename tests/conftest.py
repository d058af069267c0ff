"""Shared fixtures: tiny warehouses and the committed sample."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"

settings.register_profile("default", derandomize=True, deadline=None, max_examples=100)
settings.load_profile("default")


class Result:
    """What a CLI run gave: ``returncode``, ``stdout``, ``stderr`` (like CompletedProcess)."""

    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


_HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "ro")
con.execute("select count(*) from warehouse_meta").fetchall()
print("holding", flush=True)
time.sleep(float(sys.argv[3]))
"""


def hold_warehouse(db: Path, mode: str, seconds: float = 120.0) -> subprocess.Popen:
    """A process holding the warehouse open, as an idle JupyterLab kernel would.

    ``mode`` is ``ro`` or ``rw``; returns once the file is held (the caller kills it).
    """
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(db), mode, str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "holding"
    return proc


# What an ingest writes: the base tables and the tables derived from them at its end.
CONTENT_TABLES = (
    "src_incidents",
    "src_timeline_events",
    "src_action_items",
    "src_pages",
    "src_page_acks",
    "src_people",
    "src_rotations",
    "src_tracker_items",
    "src_reviews",
    "src_review_lines",
    "oncall_shifts",
    "rotation_findings",
)


def table_rows(db: Path, tables=None, *, read_only: bool = True) -> dict[str, list[str]]:
    """Every row of the tables (default: all base tables), sorted: contents, not counts.

    ``read_only=False`` opens as the next writer would, so DuckDB replays or discards what a
    killed process left in the WAL.
    """
    con = duckdb.connect(str(db), read_only=read_only)
    try:
        if tables is None:
            tables = [
                r[0]
                for r in con.execute(
                    "select table_name from duckdb_tables() where schema_name = 'main' order by 1"
                ).fetchall()
            ]
        return {
            t: sorted(map(repr, con.execute(f'select * from "{t}"').fetchall())) for t in tables
        }
    finally:
        con.close()


def run_cli(*args: str, env: dict | None = None) -> Result:
    """Run the CLI in this process (fast); stdout and stderr kept apart."""
    from click.testing import CliRunner

    from analytics.cli import main

    runner = CliRunner()
    result = runner.invoke(
        main, list(args), env={"INCIDENT_ANALYTICS_DB": None, **(env or {})}, catch_exceptions=False
    )
    return Result(result.exit_code, result.stdout, result.stderr)


def run_process(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 120):
    """Run ``python -m analytics ARGS`` in a child process; returns CompletedProcess."""
    full_env = {**os.environ, **(env or {})}
    full_env.pop("INCIDENT_ANALYTICS_DB", None)
    return subprocess.run(
        [sys.executable, "-m", "analytics", *args],
        cwd=cwd or ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory) -> Path:
    """The committed sample ingested once per test session (read-only use, please)."""
    db = tmp_path_factory.mktemp("sample") / "warehouse.duckdb"
    result = run_cli("ingest", str(SAMPLE), "--db", str(db), "--quiet")
    assert result.returncode == 0, result.stderr
    return db


def week_run(**parameters):
    """A weekly report's context from notebook parameters, as its notebook builds it."""
    from analytics import context

    return context.from_parameters(week=True, **parameters)


def weekly_report(week, as_of, out, db=None, wait=30.0, *, policy=None, **kw):
    """``report weekly``: the context built from the options as the CLI builds it."""
    from analytics import context, reports

    run = context.from_options(
        db=db, as_of=as_of, period=week, policy=policy, wait=wait, week=True,
        default_period="last week",
    )  # fmt: skip
    return reports.weekly_report(run, out, **kw)


def compensation_report(period, as_of, out, db=None, wait=30.0, *, policy=None, **kw):
    """``report compensation``: the context built from the options as the CLI builds it."""
    from analytics import context, reports

    run = context.from_options(
        db=db, as_of=as_of, period=period, policy=policy, wait=wait, default_period="last month"
    )
    return reports.compensation_report(run, out, **kw)
