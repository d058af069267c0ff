"""Where one `payroll --period YYYY-MM` process spends its time, phase by phase (issue #20).

Runs the phases of the `payroll` command in one fresh process, in the order the command runs
them, and prints wall and CPU seconds of each: imports, opening the warehouse, the coverage
check (``coverage_spans``, the rotation gaps), the payroll itself (its SQL and the
Python that pays the lines), rendering the two CSV files. Recording a final export in
``payroll_exports`` (a read-write open and one insert) is not included. ``--profile`` adds the
heaviest functions of ``compute_payroll`` under cProfile.

    python benchmarks/payroll_breakdown.py --db benchmarks/data/warehouse.duckdb --period 2026-10
"""

from __future__ import annotations

import argparse
import os

from _processes import Laps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--period", default="2026-10")
    parser.add_argument("--profile", action="store_true", help="profile compute_payroll too")
    opts = parser.parse_args()
    lap = Laps()

    import click  # noqa: F401  (what the CLI imports before the command runs)

    import analytics.cli  # noqa: F401

    lap("imports: click and the CLI")
    from analytics import coverage, pay
    from analytics.db import reader

    lap("imports: pay, coverage, duckdb")
    start, end = pay.month_period(opts.period)
    opened = reader(opts.db)  # kept: the connection closes with it
    con = opened.__enter__()
    lap("open the warehouse (read-only, schema and views checked)")
    rows = coverage.read_coverage(con, loads=False)
    lap("coverage: coverage_spans (data_coverage without load times), read once")
    coverage.shortfalls(con, pay._instant(start), pay._instant(end), rows=rows)
    lap("coverage: shortfalls (the rotation gaps of every team, one query)")
    pay.period_coverage(con, start, end)
    lap("coverage: period_coverage as the command runs it (spans read again)")
    if opts.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
    payroll = pay.compute_payroll(con, start, end)
    lap("compute_payroll: pay SQL (shifts, SEV-1s, overnight pages, hash) and Python")
    if opts.profile:
        profiler.disable()
        profile = pstats.Stats(profiler)
    opened.__exit__(None, None, None)
    lap("close")
    pay.render_csv(payroll)
    pay.render_explain(payroll)
    lap(f"render the CSV and the explanation file ({len(payroll.explain):,} rows)")
    print(f"load average {os.getloadavg()[0]:.2f} (interpreter start is not in these: time")
    print("`python -c pass` for it)")
    lap.print(76)
    if opts.profile:
        profile.sort_stats("cumulative").print_stats(r"analytics/", 15)


if __name__ == "__main__":
    main()
