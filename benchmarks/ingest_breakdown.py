"""Where one `ingest` process spends its time, step by step (issue #20).

Runs ``incident-analytics ingest PATHS --db DB -q`` in this process, with timers around the
steps of :mod:`analytics.ingest.run` (discovery, the parse with its workers and the parent's
staging, the attach, the checks and inserts under the lock, ``_after_load`` model by model,
the log, the commit, the detach), and prints wall and CPU seconds of each, nested; "rest"
rows are the part of a step outside the steps timed inside it. CPU is this process's (every
thread: DuckDB's too); "children CPU" is the parsing workers', counted when the pool is shut
down (so at the end of the parse, start-up and imports included). Interpreter start is not
included: time ``python -c pass`` for it.

    python benchmarks/ingest_breakdown.py --db /tmp/x.duckdb /work/bench/sample
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import resource
import sys
import time
from pathlib import Path


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Steps:
    """Nested timers: wall, CPU of this process, CPU of reaped children, calls."""

    def __init__(self) -> None:
        self.totals: dict[tuple[str, ...], list[float]] = {}
        self.stack: list[str] = []

    @contextlib.contextmanager
    def step(self, name: str):
        self.stack.append(name)
        key = tuple(self.stack)
        row = self.totals.setdefault(key, [0.0, 0.0, 0.0, 0])  # listed in the order started
        start = (time.perf_counter(), time.process_time(), _children_cpu())
        try:
            yield
        finally:
            end = (time.perf_counter(), time.process_time(), _children_cpu())
            for i in range(3):
                row[i] += end[i] - start[i]
            row[3] += 1
            self.stack.pop()

    def wrap(self, owner, attr: str, name: str) -> None:
        """Time every call of ``owner.attr`` as the step ``name``."""
        original = getattr(owner, attr)

        @functools.wraps(original)
        def timed(*args, **kwargs):
            with self.step(name):
                return original(*args, **kwargs)

        setattr(owner, attr, timed)

    def print(self) -> None:
        width = max(2 * len(k) + len(k[-1]) for k in self.totals) + 2
        print(f"{'step':<{width}} {'calls':>6} {'wall s':>8} {'CPU s':>8} {'children CPU s':>15}")
        keys = list(self.totals)

        def line(key: tuple[str, ...], label: str, row) -> None:
            indent = "  " * (len(key) - 1)
            print(
                f"{indent + label:<{width}} {row[3]:>6} {row[0]:8.2f} {row[1]:8.2f} {row[2]:15.2f}"
            )

        def show(prefix: tuple[str, ...]) -> None:
            below = [k for k in keys if k[:-1] == prefix]
            below.sort(key=lambda k: order[k])
            for key in below:
                row = self.totals[key]
                line(key, key[-1], row)
                inner = [self.totals[k] for k in keys if k[:-1] == key]
                if inner:
                    show(key)
                    rest = [row[i] - sum(r[i] for r in inner) for i in range(3)]
                    if max(abs(v) for v in rest) >= 0.01:
                        line((*key, ""), "rest", [*rest, ""])

        order = {k: i for i, k in enumerate(keys)}
        show(())


def _instrument(steps: Steps) -> None:
    """Timers around the steps of an ingest (module attributes, looked up at call time)."""
    import analytics.rotations
    from analytics import countries, sqlgraph
    from analytics import db as dbmod
    from analytics.ingest import checks, reviews, run, staging, tabular

    wrap = steps.wrap
    wrap(run, "discover", "discovery (walk, classify)")
    wrap(run, "_stored_state", "previous state (read-only open)")
    wrap(run._Batch, "parse", "parse (outside the lock)")
    wrap(run, "_stage_tabular", "CSVs: typed read and checks into TEMP tables")
    wrap(tabular, "ensure_macros", "macros")
    wrap(staging.Staging, "__init__", "staging: schemas")
    wrap(staging.Staging, "stage", "staging: Python rows (rotations, people, tracker)")
    wrap(run._Batch, "_parse_documents", "documents: parsed chunks taken and staged")
    wrap(run._Batch, "_stage_held", "parent: Arrow tables into TEMP staging")
    wrap(run._Batch, "_document", "parent: outcomes")
    wrap(run, "_load", "load (under the lock, one transaction)")
    wrap(checks, "check_incident_ids", "check: incident ids across files")
    wrap(checks, "delete_file_rows", "delete the loaded files' old rows")
    wrap(run, "_insert_tabular", "insert: CSVs' staged rows")
    wrap(checks, "check_people", "check: people")
    wrap(staging.Staging, "flush", "insert: documents' and Python rows (flush)")
    wrap(checks, "warn_unlinked", "check: unlinked")
    wrap(run, "_after_load", "_after_load")
    wrap(analytics.rotations, "derive_rotations", "derived rotations")
    wrap(reviews, "review_findings", "review findings")
    wrap(dbmod, "write_policy", "policy tables")
    wrap(run, "write_country_holidays", "country holidays")
    wrap(dbmod, "install_views", "install_views (views, macros, facts)")
    wrap(checks, "check_handoff_recipients", "check: handoff recipients")
    wrap(checks, "check_comp_time_people", "check: comp-time people")
    wrap(checks, "log", "ingest_log rows")

    build = sqlgraph._build

    def build_each(con, g, chosen, params=None):
        built = []
        for model in [m for m in g.ordered() if m.name in chosen]:
            label = f"{model.kind} {model.name}" if model.kind in ("store", "table") else None
            with steps.step(label) if label else contextlib.nullcontext():
                built += build(con, g, {model.name}, params)
        return built

    sqlgraph._build = build_each

    writer = dbmod.attached_writer

    @contextlib.contextmanager
    def attached(con, db=None, *, wait=30.0):
        manager = writer(con, db, wait=wait)
        with steps.step("attach the warehouse (lock, schema)"):
            got = manager.__enter__()
        try:
            yield got
        except BaseException:
            if not manager.__exit__(*sys.exc_info()):
                raise
        else:
            with steps.step("detach (checkpoint)"):
                manager.__exit__(None, None, None)

    dbmod.attached_writer = attached

    if hasattr(run, "document_parser"):  # the workers start before the other files are read
        parser = run.document_parser

        @contextlib.contextmanager
        def pool(jobs, common):
            manager = parser(jobs, common)
            with steps.step("documents: workers started"):
                got = manager.__enter__()
            try:
                yield got
            finally:
                with steps.step("documents: workers shut down (their CPU counted)"):
                    manager.__exit__(*sys.exc_info())

        run.document_parser = pool

    memory = dbmod.memory_connection

    def connection(*args, **kwargs):
        return _Timed(memory(*args, **kwargs), steps)

    dbmod.memory_connection = connection
    del countries  # imported so that run's own import of it is done before timing


class _Timed:
    """A DuckDB connection whose ``commit`` is a step of its own."""

    def __init__(self, con, steps: Steps) -> None:
        self._con, self._steps = con, steps

    def execute(self, sql, *args, **kwargs):
        if isinstance(sql, str) and sql.strip().lower() == "commit":
            with self._steps.step("commit"):
                return self._con.execute(sql, *args, **kwargs)
        return self._con.execute(sql, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._con, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="warehouse to create (must not exist)")
    parser.add_argument("paths", nargs="+")
    opts = parser.parse_args()
    if Path(opts.db).exists():
        parser.error(f"{opts.db} exists; give a fresh path")
    steps = Steps()
    with steps.step("imports: the CLI, duckdb, pyarrow, the ingest modules"):
        import analytics.cli
        import analytics.ingest.run
        import analytics.ingest.summary
    _instrument(steps)
    with steps.step("the ingest command"):
        try:
            analytics.cli.main(["ingest", *opts.paths, "--db", opts.db, "-q"])
        except SystemExit as exc:
            code = exc.code
    print(f"exit {code}; load average {os.getloadavg()[0]:.2f} at the end", file=sys.stderr)
    steps.print()


if __name__ == "__main__":
    main()
