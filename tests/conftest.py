"""Shared fixtures: tiny warehouses and the committed sample."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
SHARED_FIXTURES = ROOT.parent / "shared" / "fixtures"

settings.register_profile("default", derandomize=True, deadline=None, max_examples=100)
settings.load_profile("default")


class Result:
    """What a CLI run gave: ``returncode``, ``stdout``, ``stderr`` (like CompletedProcess)."""

    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


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
