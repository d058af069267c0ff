"""Benchmark of the marts, the metric summaries and the bootstrap.

Builds a warehouse file directly with DuckDB-generated synthetic rows (100,000 incidents,
10 M pages by default; no Python loops), then times:

1. each mart alone, computed in full (``count`` of every column: nothing stored);
2. the whole block as the product runs it, on a fresh read-only connection each time: every
   mart in full, ``incident_metrics`` materialized once (as the weekly report does), then the
   summaries of :mod:`analytics.metrics` without intervals over one year;
3. the bootstrap (mean + median, 2,000 resamples) at n = 10,000 and n = 100,000.

Each timing is the median of three runs.
Run: ``.venv/bin/python benchmarks/metrics.py [--incidents N] [--pages N] [--keep FILE]``.
Targets (2 cores): marts + summaries <= 5 s and <= 4 GB; bootstrap n=10k <= 0.5 s, n=100k <= 5 s.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np

from analytics import db, metrics
from analytics.policy import DEFAULT_POLICY
from analytics.stats import bootstrap

MARTS = (
    "business_windows",
    "incident_metrics",
    "page_metrics",
    "action_item_status",
    "oncall_load",
)
TEAMS = 20
PEOPLE = 400
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney"]


def peak_rss_gb() -> float:
    """Peak resident memory of this process so far (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def build(path: Path, incidents: int, pages: int) -> None:
    """A warehouse of synthetic rows spread over two years from 2025-01-01."""
    con = duckdb.connect(str(path))
    con.execute("SET TimeZone='UTC'")
    db.create_schema(con)
    db.write_policy(con, DEFAULT_POLICY)
    con.execute(
        """
        insert into src_people (engineer, employee_id, team, timezone, email, line_no, source_file)
        select
            'engineer ' || i, 'E' || i, 'team' || (i % $teams),
            $zones[1 + (i % len($zones))], null, i, 'people.csv'
        from range($people) as t(i)
        """,
        {"teams": TEAMS, "people": PEOPLE, "zones": ZONES},
    )
    con.execute(
        """
        insert into src_incidents (
            incident_id, title, severity, team, service, started_at, detected_at,
            detection_method, acknowledged_at, acknowledged_by, mitigated_at, mitigation,
            resolved_at, users_affected, users_affected_pct, revenue_impact_usd, data_loss,
            data_loss_detail, root_cause, postmortem_published_at, stated_duration_s,
            source_file, source_kind
        )
        select
            'INC-' || i, 'incident ' || i, 1 + (hash(i) % 3)::int,
            'team' || (i % $teams), 'service' || (i % 50),
            started, started + to_seconds(60 + hash(i, 1) % 1800),
            'alert',
            case when hash(i, 2) % 50 = 0 then null
                 else started + to_seconds(600 + hash(i, 3) % 20000) end,
            'engineer ' || (i % $people),
            started + to_seconds(1800 + hash(i, 4) % 30000), 'rollback',
            case when hash(i, 5) % 100 = 0 then null
                 else started + to_seconds(3600 + hash(i, 6) % 200000) end,
            hash(i, 7) % 10000, null, null, false, null, 'cause',
            case when hash(i, 8) % 3 = 0 then null
                 else started + to_seconds(3600 + hash(i, 9) % 400000) end,
            null, 'timelines/INC-' || i || '.md', 'timeline'
        from (
            select i, timestamptz '2025-01-01 00:00:00+00'
                + to_seconds((hash(i, 0) % (730 * 86400))::bigint) as started
            from range($n) as t(i)
        )
        """,
        {"n": incidents, "teams": TEAMS, "people": PEOPLE},
    )
    con.execute(
        """
        insert into src_timeline_events (incident_id, occurred_at, kind, text, line_no, source_file)
        select
            i.incident_id,
            i.detected_at + to_seconds(k * (300 + hash(i.incident_id, k) % 900)),
            case when k % 3 = 2 then 'escalation' else 'status_update' end,
            'Status page updated', k, i.source_file
        from src_incidents as i, range(1, 5) as t(k)
        """
    )
    con.execute(
        """
        insert into src_action_items (
            incident_id, item_no, description, owner, due_date, ticket, done, line_no, source_file
        )
        select
            i.incident_id, k, 'fix OPS-' || hash(i.incident_id, k) % 100000,
            case when k = 3 then null else 'engineer ' || hash(i.incident_id) % $people end,
            (i.started_at + interval 14 day)::date, 'OPS-' || hash(i.incident_id, k) % 100000,
            hash(i.incident_id, k, 1) % 2 = 0, k, i.source_file
        from src_incidents as i, range(1, 4) as t(k)
        """,
        {"people": PEOPLE},
    )
    con.execute(
        """
        insert into src_pages (
            page_id, sent_at, recipient, team, service, incident_id, acknowledged_at,
            acknowledged_by, escalated_at, urgency, line_no, source_file
        )
        select
            'P' || i,
            sent,
            'engineer ' || (i % $people),
            'team' || (i % $teams),
            'service' || (i % 50),
            case when i % 4 = 0 then 'INC-' || (i // 4) % $incidents end,
            case when i % 20 = 0 then null else sent + to_seconds(10 + i % 900) end,
            'engineer ' || (i % $people),
            case when i % 10 = 0 then sent + to_seconds(600) end,
            'high', i, 'pages.csv'
        from (
            select i, timestamptz '2025-01-01 00:00:00+00'
                + to_seconds((hash(i) % (730 * 86400))::bigint) as sent
            from range($n) as t(i)
        )
        """,
        {"n": pages, "teams": TEAMS, "people": PEOPLE, "incidents": incidents},
    )
    con.execute(
        """
        insert into oncall_shifts
        select
            'team' || t, 'engineer ' || ((t + 20 * w) % $people),
            timestamptz '2024-12-30 00:00:00+00' + to_days(7 * w),
            timestamptz '2024-12-30 00:00:00+00' + to_days(7 * w + 7),
            false
        from range($teams) as a(t), range(106) as b(w)
        """,
        {"teams": TEAMS, "people": PEOPLE},
    )
    db.install_views(con)
    con.execute("checkpoint")
    con.close()


def full_scan(con: duckdb.DuckDBPyConnection, view: str) -> None:
    """Compute every column of every row of a view, storing nothing."""
    columns = [d[0] for d in con.execute(f"select * from {view} limit 0").description]
    counts = ", ".join(f'count("{c}")' for c in columns)
    con.execute(f"select count(*), {counts} from {view}").fetchall()


def timed(label: str, fn, repeat: int = 3) -> float:
    """Median wall time of ``repeat`` runs (the machine is shared; one run is noisy)."""
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    elapsed = statistics.median(runs)
    print(f"  {label:<40} {elapsed:7.3f} s  (runs: {', '.join(f'{r:.3f}' for r in runs)})")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=10_000_000)
    parser.add_argument("--keep", type=Path, help="write the warehouse here and keep it")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "bench.duckdb"
        if path.exists():
            path.unlink()
        t0 = time.perf_counter()
        build(path, args.incidents, args.pages)
        print(
            f"built {path} ({args.incidents:,} incidents, {args.pages:,} pages) "
            f"in {time.perf_counter() - t0:.1f} s"
        )
        as_of = datetime(2027, 1, 15, tzinfo=UTC)
        start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
        rss_before = peak_rss_gb()

        # As the product computes them, each repeat on a fresh reader (no warm shadows):
        # every mart computed in full (count of every column: nothing stored), except
        # incident_metrics, which the reader materializes once as the weekly report does;
        # then the summaries, which read that snapshot.
        def marts_and_summaries() -> None:
            with db.reader(path, as_of=as_of) as con:
                for view in MARTS:
                    if view == "incident_metrics":
                        db.materialize(con, view)
                    else:
                        full_scan(con, view)
                metrics.summary(con, start, end, intervals=False)
                metrics.summary(con, start, end, by="team", intervals=False)
                metrics.compliance(con, start, end)
                metrics.action_items_summary(con, start, end)
                metrics.oncall_load(con, start, end)
                metrics.incidents_in(con, start, end)

        print("one fresh reader: every mart in full, then the summaries (no intervals):")
        with db.reader(path, as_of=as_of) as con:
            for view in MARTS:
                timed(f"  {view} alone", lambda v=view, c=con: full_scan(c, v), repeat=1)
        total = timed("marts + summaries", marts_and_summaries)
        peak = peak_rss_gb()
        print(
            f"marts + summaries = {total:.2f} s "
            f"(target <= 5 s); peak RSS {peak:.2f} GB (before queries {rss_before:.2f} GB; "
            f"target <= 4 GB)"
        )

    print("bootstrap, mean + median, 2000 resamples:")
    rng = np.random.default_rng(1)
    boot = {}
    for n in (10_000, 100_000):
        sample = rng.lognormal(7, 1.2, n)
        boot[n] = timed(f"n = {n:,}", lambda s=sample: bootstrap(s))
    print(
        f"bootstrap n=10k {boot[10_000]:.3f} s (target <= 0.5 s), "
        f"n=100k {boot[100_000]:.3f} s (target <= 5 s); peak RSS {peak_rss_gb():.2f} GB"
    )
    ok = total <= 5 and peak <= 4 and boot[10_000] <= 0.5 and boot[100_000] <= 5
    print("all targets met" if ok else "SOME TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
