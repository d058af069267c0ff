"""The command line: fast help, versions, usage errors, exit codes (SPEC §10)."""

from __future__ import annotations

import io
import subprocess
import sys

import pandas as pd
import pytest

from analytics import __version__
from tests.conftest import run_cli

SUBCOMMANDS = [
    "sample",
    "ingest",
    "metrics",
    "report",
    "report weekly",
    "report compensation",
    "payroll",
    "lab",
    "export",
]


def test_help_imports_nothing_heavy():
    # How fast --help is, is measured by benchmarks/run_all.py (a timed assertion here failed
    # on a loaded machine); what this test holds is the reason it is fast: no heavy import.
    code = (
        "import sys; from analytics.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('pandas', 'altair', 'papermill', 'duckdb', 'nbconvert') "
        "if m in sys.modules]\n"
        "print(heavy, file=sys.stderr)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stderr.strip() == "[]"
    assert "Exit status" in result.stdout


def test_metrics_csv_imports_neither_pandas_nor_pyarrow(sample_warehouse):
    # `metrics --format csv` is written from plain rows (docs/scaling.md): metrics.summary_rows
    code = (
        "import sys; from analytics.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "print([m for m in ('pandas', 'pyarrow') if m in sys.modules], file=sys.stderr)"
    )
    args = ["metrics", "--db", str(sample_warehouse), "--format", "csv"]
    args += ["--from", "2026-05-04", "--to", "2026-11-01", "--as-of", "2026-11-02T00:00:00Z"]
    for intervals in ("--intervals", "--no-intervals"):
        result = subprocess.run(
            [sys.executable, "-c", code, *args, intervals],
            capture_output=True,
            text=True,
        )
        assert result.stderr.strip().splitlines()[-1] == "[]", result.stderr
        assert result.stdout.startswith("severity,incidents,")


def test_a_pages_ingest_does_not_import_pandas(tmp_path):
    # pyarrow's to_numpy imported pandas (0.3-0.5 s) for the repeated-key hashes of a CSV
    folder = tmp_path / "raw" / "pages"
    folder.mkdir(parents=True)
    (folder / "pages.csv").write_text(
        "page_id,sent_at,recipient,team\np1,2026-11-03T14:05:00Z,Alice,payments\n"
    )
    code = (
        "import sys; from analytics.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "print([m for m in ('pandas',) if m in sys.modules], file=sys.stderr)"
    )
    args = ["ingest", str(tmp_path / "raw"), "--db", str(tmp_path / "w.duckdb"), "--quiet"]
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    assert result.stderr.strip().splitlines()[-1] == "[]", result.stderr


def test_version():
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"incident-analytics {__version__}"


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_subcommand_explains_itself(command):
    result = run_cli(*command.split(), "--help")
    assert result.returncode == 0
    assert "Usage:" in result.stdout
    # every command offers --quiet; --db, --policy and --wait only where they are used
    # (tests/test_run_context.py checks that each offered --policy changes the output)
    offered = {"--quiet": True, **dict.fromkeys(("--db", "--policy", "--wait"), True)}
    if command == "sample":  # writes files: no warehouse, no policy
        offered.update({"--db": False, "--policy": False, "--wait": False})
    if command == "lab":  # the notebooks take policy and wait as their own parameters
        offered.update({"--policy": False, "--wait": False})
    if command != "report":
        for option, expected in offered.items():
            assert (option in result.stdout) == expected, (command, option)


def test_python_dash_m_is_the_same_program():
    result = subprocess.run(
        [sys.executable, "-m", "analytics", "--version"], capture_output=True, text=True
    )
    assert result.stdout.strip() == f"incident-analytics {__version__}"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["metrics", "--from", "2026-13-01", "--to", "2026-11-30"], "--from '2026-13-01'"),
        (["metrics", "--from", "2026-11-30", "--to", "2026-11-01"], "is before --from"),
        (
            ["metrics", "--from", "2026-11-01", "--to", "2026-11-30", "--as-of", "soon"],
            "--as-of 'soon'",
        ),
        (["metrics", "--from", "2026-11-01"], "--to"),
        (["ingest", "--wait", "-1"], "--wait"),
        (
            ["payroll", "--period", "2026-11", "--from", "2026-11-01", "--to", "2026-11-02"],
            "not both",
        ),
        (["payroll", "--from", "2026-11-01"], "go together"),
        (["bogus"], "No such command"),
    ],
)
def test_usage_errors_exit_2_with_one_line(tmp_path, args, needle):
    result = run_cli(*args, "--db", str(tmp_path / "none.duckdb"))
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert needle in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_policy_file_exits_2_naming_the_key(tmp_path):
    policy = tmp_path / "p.toml"
    policy.write_text("[response]\nsev4_minutes = 3\n")
    result = run_cli(
        "ingest", str(tmp_path), "--policy", str(policy), "--db", str(tmp_path / "w.duckdb")
    )
    assert result.returncode == 2
    assert "response.sev4_minutes" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_reading_a_missing_warehouse_says_what_to_do(tmp_path):
    result = run_cli(
        "metrics",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        "--db",
        str(tmp_path / "none.duckdb"),
    )
    assert result.returncode == 1
    assert "run `incident-analytics ingest` first" in result.stderr


def test_metrics_without_intervals_gives_the_same_numbers_and_empty_intervals(sample_warehouse):
    args = ["metrics", "--from", "2026-09-01", "--to", "2026-10-31", "--by", "team"]
    args += ["--format", "csv", "--as-of", "2026-11-02T00:00:00Z", "--db", str(sample_warehouse)]
    full, bare = run_cli(*args), run_cli(*args, "--no-intervals")
    assert full.returncode == bare.returncode == 0, full.stderr + bare.stderr
    with_ = pd.read_csv(io.StringIO(full.stdout))
    without = pd.read_csv(io.StringIO(bare.stdout))
    bounds = [c for c in with_.columns if c.endswith(("_lo_s", "_hi_s"))]
    assert len(bounds) == 16 and len(with_) > 1
    assert with_[bounds].notna().any().all()
    assert without[bounds].isna().all().all()
    pd.testing.assert_frame_equal(with_.drop(columns=bounds), without.drop(columns=bounds))
