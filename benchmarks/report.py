"""Benchmark: the weekly report end to end against the floor of papermill itself.

Builds the sample inputs (``analytics.sample``) into a throw-away warehouse, then times,
with the same kernel:

1. the floor: papermill executing an empty one-cell notebook (kernel start, one round trip,
   shutdown), the least any papermill report can cost;
2. the weekly report (validation, papermill, the notebook's imports, queries and bootstrap,
   eight SVG charts, nbconvert, atomic writes).

Both are measured warm (in this process: ``papermill.execute_notebook`` against
``analytics.reports.weekly_report``, papermill already imported) and cold (a fresh process
each: ``python -c "import papermill; ..."`` against ``python -m analytics report weekly``,
what cron pays). Prints the medians and ratios. Target on 2 cores (issue #20): the cold
ratio <= 1.6x.
Run: ``.venv/bin/python benchmarks/report.py [--repeat 3] [--week 2026-W43]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import nbformat

from analytics import context, reports


def build_warehouse(folder: Path) -> Path:
    """Sample inputs ingested into ``folder/warehouse.duckdb`` through the CLI's code path."""
    import subprocess
    import sys

    raw, db = folder / "raw", folder / "warehouse.duckdb"
    subprocess.run([sys.executable, "-m", "analytics", "sample", "--out", str(raw)], check=True)
    # exit 1 = loaded, with some sample files rejected on purpose
    done = subprocess.run(
        [sys.executable, "-m", "analytics", "ingest", str(raw), "--db", str(db), "--quiet"]
    )
    if done.returncode not in (0, 1):
        raise SystemExit(f"ingest failed with exit status {done.returncode}")
    return db


def time_floor(folder: Path, kernel: str) -> float:
    import papermill

    empty = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("pass")])
    empty.metadata["kernelspec"] = {"name": kernel, "display_name": kernel, "language": "python"}
    path = folder / "empty.ipynb"
    nbformat.write(empty, path)
    start = time.perf_counter()
    papermill.execute_notebook(
        str(path),
        str(folder / "empty.out.ipynb"),
        kernel_name=kernel,
        progress_bar=False,
        kernel_manager_class=reports._quiet_kernel_manager(),
    )
    return time.perf_counter() - start


def time_report(folder: Path, db: Path, week: str, as_of: str, kernel: str) -> float:
    start = time.perf_counter()
    run = context.from_options(db=db, as_of=as_of, period=week, wait=0, week=True)
    reports.weekly_report(run, folder / "reports", kernel=kernel)
    return time.perf_counter() - start


_COLD_FLOOR = (
    "import sys, papermill; "
    "papermill.execute_notebook(sys.argv[1], sys.argv[2], kernel_name=sys.argv[3], "
    "progress_bar=False)"
)


def time_cold(folder: Path, db: Path, week: str, as_of: str, kernel: str) -> tuple[float, float]:
    """Fresh-process floor and CLI report, seconds."""
    import subprocess
    import sys

    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-c",
            _COLD_FLOOR,
            str(folder / "empty.ipynb"),
            str(folder / "empty.cold.ipynb"),
            kernel,
        ],
        check=True,
        capture_output=True,
    )
    floor = time.perf_counter() - start
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "analytics",
            "report",
            "weekly",
            "--db",
            str(db),
            "--week",
            week,
            "--as-of",
            as_of,
            "--out",
            str(folder / "cold"),
            "--quiet",
        ],
        check=True,
    )
    return floor, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--week", default="2026-W43")
    parser.add_argument("--as-of", default="2026-11-02T00:00:00Z")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = build_warehouse(folder)
        kernel = reports.ensure_kernel()
        floor, report, cold_floor, cold_report = [], [], [], []
        for _ in range(args.repeat):
            floor.append(time_floor(folder, kernel))
            report.append(time_report(folder, db, args.week, args.as_of, kernel))
            cf, cr = time_cold(folder, db, args.week, args.as_of, kernel)
            cold_floor.append(cf)
            cold_report.append(cr)
        html = folder / "reports" / "weekly" / args.week / "allhands.html"
        size_kb = html.stat().st_size / 1024
    f, r = statistics.median(floor), statistics.median(report)
    runs_f = ", ".join(f"{x:.2f}" for x in floor)
    runs_r = ", ".join(f"{x:.2f}" for x in report)
    print(f"papermill floor (empty notebook): {f:6.2f} s  (runs: {runs_f})")
    print(f"weekly report end to end:         {r:6.2f} s  (runs: {runs_r})")
    print(f"warm ratio: {r / f:.2f}x")
    cf, cr = statistics.median(cold_floor), statistics.median(cold_report)
    print(f"cold papermill floor (new process): {cf:6.2f} s")
    print(f"cold weekly report (CLI):           {cr:6.2f} s")
    print(f"cold ratio: {cr / cf:.2f}x (target <= 1.6x); HTML {size_kb:.0f} KB")


if __name__ == "__main__":
    main()
