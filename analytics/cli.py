"""The command line (README, "Command line"). Thin: build the run context from the options
(:mod:`analytics.context`), call the package, map errors to exits.

Heavy libraries are imported inside the commands that need them, so ``--help`` is fast.
Exit status: 0 success; 1 done with rejections or refused; 2 usage error; 3 warehouse busy.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from analytics import __version__
from analytics.config import DEFAULT_RAW, DEFAULT_REPORTS, DEFAULT_WAIT_S, ENV_DB, default_db
from analytics.errors import AnalyticsError

if TYPE_CHECKING:
    from analytics.context import RunContext

PROG = "incident-analytics"


class Ctx:
    """Options every command takes."""

    def __init__(self, db: Path, policy_file: Path | None, wait: float, quiet: bool) -> None:
        self.db = db
        self.policy_file = policy_file
        self.wait = wait
        self.quiet = quiet

    def run(self, **options) -> RunContext:
        """The run's context (warehouse, as_of, policy, period), built once from the options
        (:func:`analytics.context.from_options`): ``as_of``, ``period``, ``date_from`` ..."""
        from analytics.context import from_options

        return from_options(db=self.db, policy=self.policy_file, wait=self.wait, **options)

    @property
    def interactive(self) -> bool:
        return not self.quiet and sys.stderr.isatty()

    def say(self, text: str) -> None:
        if not self.quiet:
            click.echo(text)


ENV_DEBUG = "INCIDENT_ANALYTICS_DEBUG"


def _fail(exc: AnalyticsError) -> None:
    click.echo(f"{PROG}: {exc}", err=True)
    sys.exit(exc.exit_code)


def _unexpected(exc: Exception, db: Path) -> AnalyticsError:
    """Any other failure as one line (docs/design.md, "Faults"): a disk or file fault names
    the file and the cure; anything else is a bug, named with the command and where its
    details are."""
    from analytics.db import fault

    known = fault(exc, db)
    if known is not None:
        return known
    command = " ".join(click.get_current_context().command_path.split()[1:])  # "report weekly"
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return AnalyticsError(
        f"{command}: internal error ({type(exc).__name__}{': ' + detail if detail else ''}); "
        f"this is a bug: run the command again with --debug (or {ENV_DEBUG}=1) for the "
        "traceback, and report it"
    )


_DB_OPTION = click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=f"Warehouse file [default: ${ENV_DB}, else data/warehouse.duckdb of the project].",
)
_POLICY_OPTION = click.option(
    "--policy",
    "policy_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Policy TOML: the playbook numbers to compute with instead of those stored by the "
    "last ingest (ingest stores them; docs/policy.md).",
)
_WAIT_OPTION = click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=DEFAULT_WAIT_S,
    show_default=True,
    help="Seconds to retry while another process holds the warehouse.",
)


def command_options(*, db: bool = True, policy: bool = True, wait: bool = True):
    """Add --db/--policy/--wait (those the command honours), --quiet and --debug to a command,
    and turn our errors into exit codes. A command offers an option only if it uses it."""

    def decorate(func):
        @click.option("--quiet", "-q", is_flag=True, help="No summary or progress; errors only.")
        @click.option(
            "--debug",
            is_flag=True,
            help=f"Show the traceback of an unexpected error (also ${ENV_DEBUG}=1).",
        )
        @functools.wraps(func)
        def wrapper(*args, quiet, debug, **kwargs):
            ctx = Ctx(
                kwargs.pop("db", None) or default_db(),
                kwargs.pop("policy_file", None),
                kwargs.pop("wait", DEFAULT_WAIT_S),
                quiet,
            )
            return _guarded(func, ctx, debug, *args, **kwargs)

        for wanted, option in ((wait, _WAIT_OPTION), (policy, _POLICY_OPTION), (db, _DB_OPTION)):
            if wanted:
                wrapper = option(wrapper)
        return wrapper

    return decorate


def _guarded(func, ctx: Ctx, debug: bool, *args, **kwargs):
    """Run the command; our errors become one line and their exit code (docs/design.md)."""
    try:
        return func(ctx, *args, **kwargs)
    except AnalyticsError as exc:
        _fail(exc)
    except (click.ClickException, click.exceptions.Exit, click.Abort):
        raise  # click's own control flow (Exit and Abort are RuntimeErrors)
    except BrokenPipeError:
        # The reader of stdout went away (`| head`): nothing to say, and nobody to say it
        # to. Point stdout at /dev/null so the interpreter's final flush stays quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except Exception as exc:
        if debug or os.environ.get(ENV_DEBUG):
            raise
        _fail(_unexpected(exc, ctx.db))


common = command_options()  # --db, --policy, --wait, --quiet, --debug


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name=PROG, message="%(prog)s %(version)s")
def main() -> None:
    """Incident records in, numbers people act on.

    Ingest post-mortem timelines, pages and on-call rotations into a DuckDB warehouse;
    compute MTTA/MTTR, response compliance and on-call pay; write the weekly all-hands
    report and the monthly payroll export.

    \b
    Typical use:
      incident-analytics ingest data/raw
      incident-analytics metrics --from 2026-10-01 --to 2026-10-31
      incident-analytics report weekly
      incident-analytics report compensation --period 2026-10
      incident-analytics payroll --period 2026-10
      incident-analytics export --parquet exports/

    Exit status: 0 success; 1 done with rejections, or refused; 2 usage error;
    3 warehouse busy (another process holds it; nothing changed).
    """


# Options several commands share, declared once.
AS_OF_OPTION = click.option(
    "--as-of", "as_of", default=None, help="Report time (default: now), e.g. 2026-11-02T00:00Z."
)
FORMAT_OPTION = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)


@main.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/sample"),
    show_default=True,
    help="Folder to write into.",
)
@click.option("--seed", type=int, default=7, show_default=True, help="Random seed.")
@click.option(
    "--scale",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Make N times more incidents and pages (benchmarks).",
)
@click.option(
    "--pages",
    "bulk_pages",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Also write N noise pages to pages/bulk-pages.csv (benchmarks: millions).",
)
@click.option(
    "--years",
    type=click.FloatRange(min=0, min_open=True, max=50),
    default=None,
    help="Benchmarks: span Y years of weeks ending 2026-11-02 instead of 26 weeks.",
)
@click.option(
    "--engineers",
    type=click.IntRange(min=1),
    default=None,
    help="Benchmarks: N engineers (4 per team) whatever --scale.",
)
@command_options(db=False, policy=False, wait=False)  # writes files; no warehouse, no policy
def sample(
    ctx: Ctx,
    out: Path,
    seed: int,
    scale: int,
    bulk_pages: int,
    years: float | None,
    engineers: int | None,
) -> None:
    """Write synthetic inputs in the formats of docs/inputs.md (deterministic for a seed).

    The default (seed 7, scale 1) is the committed data/sample: 2026-05-04 .. 2026-11-02,
    3 teams, 12 engineers, 150 incidents. OUT must be empty, missing, or a previous sample.
    """
    from analytics.db import usable_folder
    from analytics.sample import generate

    usable_folder(out, "--out")
    counts = generate(
        out, seed=seed, scale=scale, bulk_pages=bulk_pages, years=years, engineers=engineers
    )
    ctx.say(f"wrote sample to {out}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--team",
    default=None,
    help="Team for files that name none (calendar .ics, Statuspage, Opsgenie).",
)
@click.option("--prune", is_flag=True, help="Drop rows whose source file under PATHS is gone.")
@click.option("--dry-run", is_flag=True, help="Parse and check only; write nothing.")
@click.option(
    "--date-format",
    default=None,
    metavar="FMT",
    help="strptime format of dates in Jira CSV exports, e.g. '%d/%m/%Y %H:%M' "
    "(default: ISO, then Jira's English forms such as 22/Sep/25 9:26 AM).",
)
@click.option(
    "--rebuild",
    is_flag=True,
    help="Rebuild the warehouse from the files in its ingest_log (after an upgrade), keeping "
    "its ingest_log and payroll exports; refuses if some are missing unless PATHS name the "
    "folders to read instead.",
)
@common
def ingest(
    ctx: Ctx,
    paths: tuple[Path, ...],
    team: str | None,
    prune: bool,
    dry_run: bool,
    date_format: str | None,
    rebuild: bool,
) -> None:
    """Load incident timelines, pages, rotations and people into the warehouse.

    PATHS are files or folders (default data/raw). Folders are walked: timelines/**/*.md,
    pages/*.csv|json|parquet, rotations/*.csv|ics, people.csv, action_items/*.csv,
    pagerduty/**/*.json, opsgenie/**/*.json, statuspage/**/*.json. One transaction per run:
    a crash leaves the warehouse as it was. Unchanged files are skipped; an edited file
    replaces its rows.
    Each rejection prints as FILE:LINE: REASON and the rest still loads (exit 1).
    """
    from analytics.ingest import run
    from analytics.ingest.summary import print_report, progress_bar
    from analytics.policy import DEFAULT_POLICY

    targets = list(paths) or ([] if rebuild else [DEFAULT_RAW])
    # ingest stores the policy it runs with: --policy, else the built-in defaults
    policy = ctx.run().policy or DEFAULT_POLICY
    with progress_bar(ctx.interactive) as progress:
        if rebuild:
            report = run.rebuild(
                targets,
                db=ctx.db,
                policy=policy,
                team=team,
                wait=ctx.wait,
                progress=progress,
                date_format=date_format,
            )
        else:
            report = run.ingest(
                targets,
                db=ctx.db,
                policy=policy,
                team=team,
                prune=prune,
                dry_run=dry_run,
                wait=ctx.wait,
                progress=progress,
                date_format=date_format,
            )
    print_report(report, quiet=ctx.quiet, rich_output=ctx.interactive)
    sys.exit(report.exit_code)


@main.command()
@click.option("--from", "date_from", required=True, help="First day (YYYY-MM-DD), included.")
@click.option("--to", "date_to", required=True, help="Last day (YYYY-MM-DD), included.")
@click.option(
    "--by",
    type=click.Choice(["severity", "team", "service"]),
    default="severity",
    show_default=True,
    help="Group by.",
)
@AS_OF_OPTION
@FORMAT_OPTION
@click.option("--seed", type=int, default=0, show_default=True, help="Bootstrap seed.")
@click.option(
    "--intervals/--no-intervals",
    default=True,
    show_default=True,
    help="Compute the 90% bootstrap intervals of each mean and median (2,000 resamples per "
    "group and metric; the *_lo_s/*_hi_s columns stay empty without them).",
)
@common
def metrics(
    ctx: Ctx,
    date_from: str,
    date_to: str,
    by: str,
    as_of: str | None,
    fmt: str,
    seed: int,
    intervals: bool,
) -> None:
    """MTTA/MTTR and response compliance for incidents started in [FROM, TO] (whole days).

    CSV columns start: severity, incidents, mtta_mean_s, mtta_median_s, mtta_p90_s,
    mttr_mean_s, mttr_median_s, mttr_p90_s, response_met, response_breached,
    response_pending, response_compliance; then mtta_missing, mttr_missing, intervals ...
    """
    from analytics import metrics as m
    from analytics.banner import data_ends

    run = ctx.run(as_of=as_of, date_from=date_from, date_to=date_to)
    start, end = run.period
    with run.reader() as con:
        # CSV is written from plain rows: pandas is not even imported (docs/scaling.md)
        table = m.summary_rows if fmt == "csv" else m.summary
        result = table(con, start, end, by=by, seed=seed, intervals=intervals)
        ends = data_ends(con, start, end, run.as_of, sources=("incidents",))
    if ends:
        click.echo(ends.warning(), err=True)
    if fmt == "csv":
        from analytics.output import write_rows

        write_rows(*result, by)
    elif fmt == "table":
        from analytics.output import write_metrics

        write_metrics(result, by)
    else:
        from analytics.output import natural_order, write_frame

        write_frame(natural_order(result, by), fmt)


@main.command("comp-time")
@click.option("--engineer", default=None, help="Only this engineer (case-insensitive).")
@click.option("--month", default=None, help="Only this month, YYYY-MM.")
@AS_OF_OPTION
@FORMAT_OPTION
@common
def comp_time(
    ctx: Ctx, engineer: str | None, month: str | None, as_of: str | None, fmt: str
) -> None:
    """The comp-time ledger: hours owed, taken, expired and the balance per engineer and month.

    Columns: engineer, employee_id, team, month, owed_hours, taken_hours, expired_hours,
    balance_hours (docs/payroll.md). JSON is a list of objects with those columns.
    """
    from analytics.comptime import ledger, month_label
    from analytics.output import write_frame

    month_label(month)  # a usage error needs no warehouse
    with ctx.run(as_of=as_of).reader() as con:
        frame = ledger(con, engineer=engineer, month=month)
    if fmt == "json":  # hours as JSON numbers, not strings
        for col in frame.columns:
            if col.endswith("_hours"):
                frame[col] = [float(v) for v in frame[col]]
    write_frame(frame, fmt)


@main.group()
def report() -> None:
    """Write reports (self-contained HTML, charts drawn offline)."""


@report.command("weekly")
@click.option("--week", default=None, help="ISO week, e.g. 2026-W47 (default: last complete week).")
@AS_OF_OPTION
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_REPORTS,
    show_default=True,
    help="Output folder.",
)
@common
def report_weekly(ctx: Ctx, week: str | None, as_of: str | None, out: Path) -> None:
    """The weekly all-hands report: OUT/weekly/<week>/allhands.html (blameless)."""
    from analytics.db import usable_folder
    from analytics.reports import weekly_report

    usable_folder(out, "--out")
    path = weekly_report(
        ctx.run(as_of=as_of, period=week, default_period="last week", week=True), out
    )
    ctx.say(f"weekly report: {path}")


@report.command("compensation")
@click.option(
    "--period",
    default=None,
    help="Calendar month YYYY-MM, or another period of docs/api.md such as 2026-Q3 "
    "(default: the month before --as-of).",
)
@click.option("--from", "date_from", default=None, help="First day (YYYY-MM-DD), included.")
@click.option("--to", "date_to", default=None, help="Last day (YYYY-MM-DD), included.")
@AS_OF_OPTION
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_REPORTS / "payroll",
    show_default=True,
    help="Output folder (beside the payroll files: the report names people).",
)
@common
def report_compensation(
    ctx: Ctx,
    period: str | None,
    date_from: str | None,
    date_to: str | None,
    as_of: str | None,
    out: Path,
) -> None:
    """On-call pay per person with the reasons: OUT/compensation-<period>.html.

    The same figures as `payroll` for the period, with totals, charts of hours and pages per
    person, and the shifts, SEV-1s and pages behind each line. Writes no payroll file and
    records nothing.
    """
    from analytics.db import usable_folder
    from analytics.reports import compensation_report

    usable_folder(out, "--out")
    run = ctx.run(
        as_of=as_of,
        period=period,
        date_from=date_from,
        date_to=date_to,
        default_period="last month",
    )
    path = compensation_report(run, out)
    ctx.say(f"compensation report: {path}")


@main.command()
@click.option(
    "--period", default=None, help="Calendar month YYYY-MM (default: previous month, UTC)."
)
@click.option("--from", "date_from", default=None, help="First day (YYYY-MM-DD), included.")
@click.option("--to", "date_to", default=None, help="Last day (YYYY-MM-DD), included.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="CSV path (default reports/payroll/payroll-<period>.csv).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace a final export (of this period, or sharing days with it) that this one "
    "would pay differently.",
)
@click.option(
    "--provisional",
    is_flag=True,
    help="Write a draft (<stem>.provisional.csv, with its manifest and explanation) whatever "
    "the data covers; records nothing and never touches the final files.",
)
@click.option(
    "--accept-coverage",
    is_flag=True,
    help="Finalise although the data does not cover the whole period (kept in the "
    "manifest's warnings).",
)
@common
def payroll(
    ctx: Ctx,
    period: str | None,
    date_from: str | None,
    date_to: str | None,
    out: Path | None,
    force: bool,
    provisional: bool,
    accept_coverage: bool,
) -> None:
    """Export the on-call stipend CSV for payroll, with manifest and explanation.

    A final export needs a period that is over and fully covered by the data (rotations of
    every expected team, incidents and pages); otherwise it is refused (exit 1), one line per
    team or source, unless --provisional or --accept-coverage.
    """
    from datetime import timedelta

    from analytics import pay, periods
    from analytics.errors import UsageError

    run = ctx.run()  # payroll's period is a calendar month or days (below); its time is now
    if period and (date_from or date_to):
        raise UsageError("give either --period or --from/--to, not both")
    if bool(date_from) != bool(date_to):
        raise UsageError("--from and --to go together")
    if period:
        start, end = pay.month_period(period)
    elif date_from:
        first = periods.parse_date(date_from, what="--from")
        last = periods.parse_date(date_to, what="--to")
        start, end = pay.day_period(first, last)
    else:
        start, end = pay.previous_month(run.as_of.date())
    run = run.with_period(periods.days(start, end - timedelta(days=1)))
    if out is not None:
        from analytics.db import usable_folder

        usable_folder(out.parent, "--out", out)
    try:
        result = pay.export_payroll(
            run, out=out, force=force, provisional=provisional, accept_coverage=accept_coverage
        )
    except pay.CoverageRefused as refused:
        for line in refused.lines:
            click.echo(f"{PROG}: {line}", err=True)
        sys.exit(refused.exit_code)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    kind = "" if result.final else " (provisional)"
    ctx.say(f"payroll{kind} {result.status}: {result.csv_path.resolve()}")  # as report says it


@main.command()
@click.option(
    "--parquet",
    "parquet_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write the public tables into, as Parquet.",
)
@AS_OF_OPTION
@common
def export(ctx: Ctx, parquet_dir: Path, as_of: str | None) -> None:
    """Write the public tables as Parquet, partitioned by month, for Spark/Trino/BigQuery.

    Each file is written to a temporary name and moved into place, so a reader never sees a
    half-written file. Re-running replaces the export.
    """
    from analytics.db import usable_folder
    from analytics.export import export_parquet

    usable_folder(parquet_dir, "--parquet")
    counts = export_parquet(ctx.run(as_of=as_of), parquet_dir)
    ctx.say(f"exported to {parquet_dir}: " + ", ".join(f"{n} {t}" for t, n in counts.items()))


@main.command(context_settings={"ignore_unknown_options": True})
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port for JupyterLab.")
@click.option("--ip", default=None, help="Address to listen on, e.g. 0.0.0.0 in a container.")
@click.option("--no-browser", is_flag=True, help="Do not open a browser.")
@click.option(
    "--allow-root",
    is_flag=True,
    help="Let Jupyter run as root (added by itself when running as root, as in containers).",
)
@click.argument("jupyter_args", nargs=-1, type=click.UNPROCESSED)
@command_options(policy=False, wait=False)  # the notebooks take policy and wait as parameters
def lab(
    ctx: Ctx,
    port: int | None,
    ip: str | None,
    no_browser: bool,
    allow_root: bool,
    jupyter_args: tuple[str, ...],
) -> None:
    """Start JupyterLab on notebooks/ with the project's kernel and this warehouse.

    The notebooks read the warehouse of --db ($INCIDENT_ANALYTICS_DB, else the project's
    data/warehouse.duckdb) wherever their kernel runs. Saving a notebook of notebooks/
    writes it without outputs, as git keeps it; save your own copies in notebooks/scratch/
    (ignored by git) to keep their outputs. Other Jupyter options pass through,
    after `--` or as they are: `incident-analytics lab --ip 0.0.0.0 --no-browser --
    --IdentityProvider.token=secret`.
    """
    from analytics.config import repo_root
    from analytics.reports import ensure_kernel

    root = repo_root()
    folder = root / "notebooks" if root else Path.cwd()
    db = ctx.db.resolve()
    if not db.exists():
        click.echo(
            f"{PROG}: note: no warehouse at {db} yet; run `{PROG} ingest` (the notebooks need one)",
            err=True,
        )
    ensure_kernel()
    args = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={folder}"]
    if root:
        # the shipped notebooks stay source when saved; scratch/ (ignored by git) keeps outputs
        from analytics.lab_hooks import HOOK

        (folder / "scratch").mkdir(exist_ok=True)
        args.append(f"--ContentsManager.pre_save_hook={HOOK}")
    if port:
        args.append(f"--port={port}")
    if ip:
        args.append(f"--ip={ip}")
    if no_browser:
        args.append("--no-browser")
    # Jupyter refuses to start as root without this flag; containers run as root.
    if allow_root or (hasattr(os, "geteuid") and os.geteuid() == 0):
        args.append("--allow-root")
    args += [a for a in jupyter_args if a != "--"]
    os.environ[ENV_DB] = str(db)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, args)


if __name__ == "__main__":  # pragma: no cover
    main()
