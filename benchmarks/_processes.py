"""What the whole-process benchmarks share: running a timed process, the CLI's command line,
a fresh warehouse path, and the floors: the bare ``read_csv`` of an ingest and the bare
read-only open of a ``metrics`` process (imported by ``ingest.py`` and ``run_all.py``, which
run with this folder on ``sys.path``)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The floor of any CSV ingest: DuckDB reading each file into a table, nothing else.
# argv: the database, then the CSV files.
READ_CSV_FLOOR = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
for k, path in enumerate(sys.argv[2:]):
    con.execute(f"create table pages_{k} as select * from read_csv($p)", {"p": path})
con.close()
"""

# The floor of any process that reads the warehouse (each `metrics` process): start Python,
# import duckdb, open the file read-only and run one query. argv: the database.
OPEN_FLOOR = """
import sys, duckdb
duckdb.connect(sys.argv[1], read_only=True).execute("select 1").fetchall()
"""


def timed(args: list[str], stdout: Path | None = None, ok: tuple[int, ...] = (0,)):
    """Run a process; return (wall seconds, peak resident MB of it and its reaped children)."""
    wall, _, peak = timed_tree(args, stdout=stdout, ok=ok)
    return wall, peak


def timed_tree(
    args: list[str],
    *,
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
    stdout: Path | None = None,
    ok: tuple[int, ...] = (0,),
) -> tuple[float, float, float]:
    """Run a process; return (wall seconds, CPU seconds, peak resident MB) of it and the
    children it reaped (a report's kernel and chart helper)."""
    out = stdout.open("wb") if stdout else subprocess.DEVNULL
    try:
        started = time.perf_counter()
        proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=out, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
    finally:
        if stdout:
            out.close()
    code = os.waitstatus_to_exitcode(status)
    if code not in ok:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"failed ({code}): {' '.join(args)}\n{err[-3000:]}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def cli(*args: str) -> list[str]:
    """The command line of ``incident-analytics ARGS`` with this interpreter."""
    return [sys.executable, "-m", "analytics", *args]


def fresh(path: Path) -> Path:
    """``path`` with no database (or WAL) left from an earlier run."""
    for p in (path, Path(str(path) + ".wal")):
        p.unlink(missing_ok=True)
    return path


class Laps:
    """Wall and CPU seconds of the consecutive phases of this process (the breakdown scripts):
    call it with a phase's name when the phase ends, then :meth:`print` the table."""

    def __init__(self) -> None:
        self.phases: list[tuple[str, float, float]] = []
        self._mark = (time.perf_counter(), time.process_time())

    def __call__(self, name: str) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        self.phases.append((name, now - self._mark[0], cpu - self._mark[1]))
        self._mark = (now, cpu)

    def print(self, width: int) -> None:
        print(f"{'phase':<{width}} {'wall s':>7} {'cpu s':>7}")
        for name, wall, cpu in self.phases:
            print(f"{name:<{width}} {wall:7.3f} {cpu:7.3f}")
        wall, cpu = sum(p[1] for p in self.phases), sum(p[2] for p in self.phases)
        print(f"{'total in-process':<{width}} {wall:7.3f} {cpu:7.3f}")
