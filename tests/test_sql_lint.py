"""The SQL files pass sqlfluff (duckdb dialect) as configured in .sqlfluff, the project's SQL
style (also `make lint`). Slow tier: sqlfluff parses every file (~40 s)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def test_the_sql_files_pass_sqlfluff():
    pytest.importorskip("sqlfluff")
    result = subprocess.run(
        [sys.executable, "-m", "sqlfluff", "lint", "analytics/sql"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
