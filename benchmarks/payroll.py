"""Benchmark: one month's payroll for 1,000 engineers, a year of rotations, 10 million pages.

Synthesises the warehouse directly in DuckDB with ``range()`` (no Python loops), then times
:func:`analytics.pay.compute_payroll` for October 2026, the month ``run_all.py`` exports, and
prints seconds and peak memory (the process's maximum resident set size). Target: < 5 s.

    .venv/bin/python benchmarks/payroll.py [--pages 10000000] [--pages-in-month] [--keep DIR]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb

from analytics import db
from analytics.pay import compute_payroll, render_csv, render_explain
from analytics.policy import DEFAULT_POLICY

ENGINEERS = 1_000
TEAM_SIZE = 10
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney"]
# the month timed: October 2026, as run_all.py's payroll (a whole month of the data)
PERIOD = (date(2026, 10, 1), date(2026, 11, 1))


def build(path: Path, pages: int, pages_in_month: bool) -> None:
    con = duckdb.connect(str(path))
    con.execute("SET TimeZone='UTC'")
    db.create_schema(con)
    db.write_policy(con, DEFAULT_POLICY)
    teams = ENGINEERS // TEAM_SIZE
    con.execute(
        """
        insert into src_people (engineer, employee_id, team, timezone, email, line_no, source_file)
        select
            'Engineer ' || i, 'E' || lpad(i::varchar, 5, '0'), 'team-' || (i // $size),
            ($zones)[1 + i % len($zones)], null, i + 1, 'people.csv'
        from range($n) as t(i)
        where i % 97 <> 0  -- about 1% missing from people.csv
        """,
        {"n": ENGINEERS, "size": TEAM_SIZE, "zones": ZONES},
    )
    # weekly hand-overs, Monday 2025-12-29 onwards, 53 weeks per team; member w % 10 is on call
    con.execute(
        """
        insert into oncall_shifts
        select
            'team-' || t, 'Engineer ' || (t * $size + w % $size),
            timestamptz '2025-12-29 00:00:00+00' + to_weeks(w),
            timestamptz '2025-12-29 00:00:00+00' + to_weeks(w + 1), false
        from range($teams) as a(t), range(53) as b(w)
        """,
        {"teams": teams, "size": TEAM_SIZE},
    )
    con.execute(
        """
        insert into src_incidents (incident_id, severity, team, started_at, detected_at,
                                   acknowledged_by, source_file, source_kind)
        select
            'INC-' || i, 1 + i % 3, 'team-' || (i % $teams),
            timestamptz '2026-01-01 00:00:00+00' + to_minutes(i * 29),
            timestamptz '2026-01-01 00:00:00+00' + to_minutes(i * 29 + 5),
            case when i % 2 = 0 then 'Engineer ' || (i * 7 % $n) end,
            'INC-' || i, 'timeline'
        from range(18000) as t(i)
        """,
        {"teams": teams, "n": ENGINEERS},
    )
    month_s = (PERIOD[1] - PERIOD[0]).days * 86400
    span_s = month_s if pages_in_month else 365 * 86400
    start = f"{PERIOD[0]} 00:00:00+00" if pages_in_month else "2026-01-01 00:00:00+00"
    con.execute(
        """
        insert into src_pages (page_id, sent_at, recipient, team, incident_id, line_no,
                               source_file)
        select
            'P' || i,
            $start::timestamptz + to_seconds((i * 7919) % $span),
            'Engineer ' || (i % $n),
            'team-' || ((i % $n) // $size),
            case when i % 4 = 0 then null else 'INC-' || (((i * 7919) % $span) // 1740) end,
            i, 'pages.csv'
        from range($pages) as t(i)
        """,
        {"start": start, "span": span_s, "n": ENGINEERS, "size": TEAM_SIZE, "pages": pages},
    )
    db.install_views(con)
    con.execute("checkpoint")
    con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10_000_000)
    parser.add_argument("--pages-in-month", action="store_true", help="all pages in the month")
    parser.add_argument("--keep", type=Path, help="build the warehouse here and keep it")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="payroll-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bench.duckdb"
    if not path.exists():
        t0 = time.perf_counter()
        build(path, args.pages, args.pages_in_month)
        print(f"built {path} in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    with db.reader(path, wait=0) as con:
        payroll = compute_payroll(con, *PERIOD)
    t1 = time.perf_counter()
    csv_bytes, explain_bytes = render_csv(payroll), render_explain(payroll)
    t2 = time.perf_counter()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    counted = sum(x.overnight_pages for x in payroll.lines)
    print(
        f"compute_payroll: {t1 - t0:.2f} s; render csv+explain: {t2 - t1:.2f} s; "
        f"peak RSS {peak_mb:.0f} MB; {len(payroll.lines)} lines, {counted} counted overnight "
        f"pages, {len(payroll.explain)} explanation rows, CSV {len(csv_bytes)} B, "
        f"explain {len(explain_bytes) / 1e6:.1f} MB, {len(payroll.warnings)} warnings"
    )


if __name__ == "__main__":
    main()
