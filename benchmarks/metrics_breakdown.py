"""Where one `metrics --format csv` process spends its time, phase by phase (issue #20).

Runs the phases of the `metrics` command in one fresh process, in the order the command runs
them, and prints wall and CPU seconds of each: imports, opening the warehouse, the summary SQL,
the bootstrap intervals (and, within them, the bootstrap itself), the coverage banner, writing
the CSV. CPU seconds count every thread of the process (DuckDB's and the bootstrap's too).
Interpreter start is not among them: time `python -c pass` for it.

    python benchmarks/metrics_breakdown.py --db benchmarks/data/warehouse.duckdb --by team
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import threading
import time

from _processes import Laps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--by", default="severity")
    parser.add_argument("--from", dest="first", default="2021-11-01")
    parser.add_argument("--to", dest="last", default="2026-11-02")
    parser.add_argument("--as-of", dest="as_of", default="2026-11-02T00:00:00Z")
    opts = parser.parse_args()
    lap = Laps()

    import click  # noqa: F401  (what the CLI imports before the command runs)

    import analytics.cli

    lap("imports: click and the CLI")
    import duckdb  # noqa: F401

    lap("imports: duckdb")
    from analytics import metrics as m
    from analytics.banner import data_ends
    from analytics.db import reader
    from analytics.output import write_rows
    from analytics.periods import parse_date, parse_instant

    lap("imports: the metrics modules (no pandas, no numpy)")
    start, end = m.period_bounds(parse_date(opts.first), parse_date(opts.last))
    moment = parse_instant(opts.as_of)
    opened = reader(opts.db, as_of=moment)  # kept: the connection closes with it
    con = opened.__enter__()
    lap("open the warehouse (read-only, schema and views checked, as_of bound)")
    m.summary_rows(con, start, end, by=opts.by, intervals=False)
    lap("summary SQL (as --no-intervals)")
    import numpy  # noqa: F401

    import analytics.stats

    lap("imports: numpy and the bootstrap (intervals only)")
    # The bootstrap's own share of the next phase, timed around the one call metrics makes
    # (the rest is the summary SQL again and fetching every group's durations).
    bootstrap_many = analytics.stats.bootstrap_many
    spent = [0.0, 0.0]

    def timed_bootstrap(*args, **kwargs):
        if threading.current_thread() is not threading.main_thread():
            return bootstrap_many(*args, **kwargs)  # its own worker threads: counted already
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return bootstrap_many(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - wall
            spent[1] += time.process_time() - cpu

    analytics.stats.bootstrap_many = timed_bootstrap
    columns, rows = m.summary_rows(con, start, end, by=opts.by, intervals=True)
    analytics.stats.bootstrap_many = bootstrap_many
    lap("summary again with the intervals (SQL again, durations, bootstrap)")
    ends = data_ends(con, start, end, moment, sources=("incidents",))
    lap("coverage banner (data_coverage)")
    opened.__exit__(None, None, None)
    lap("close")
    write_rows(columns, rows, opts.by, io.StringIO())
    lap("write the CSV")
    heavy = sorted(name for name in ("pandas", "pyarrow") if name in sys.modules)
    print(f"load average {os.getloadavg()[0]:.2f}; imported: {', '.join(heavy) or 'no pandas'}")
    lap.print(72)
    print(f"  of which stats.bootstrap_many: {spent[0]:.3f} s wall, {spent[1]:.3f} s CPU")
    del ends


if __name__ == "__main__":
    main()
