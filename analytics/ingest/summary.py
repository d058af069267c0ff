"""What ingest prints: rejections on stderr always; a summary and a progress bar only when
a person is watching (a terminal, no --quiet). Cron gets plain lines and no colour."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

import click

from analytics.ingest.run import MAX_LOGGED_ERRORS, IngestReport

KIND_LABELS = {
    "src_incidents": "incidents",
    "src_timeline_events": "timeline events",
    "src_action_items": "action items",
    "src_pages": "pages",
    "src_people": "people",
    "src_rotations": "rotation rows",
    "src_tracker_items": "tracker items",
    "src_handoffs": "hand-off notes",
    "src_reviews": "review documents",
    "src_review_lines": "review lines",
}


@contextlib.contextmanager
def progress_bar(enabled: bool) -> Iterator[Callable[[int, int, str], None] | None]:
    """A rich progress bar on stderr, or ``None`` when output is not for a person."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    progress = Progress(
        TextColumn("reading"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=Console(stderr=True),
        transient=True,
    )
    task = progress.add_task("", total=None)

    def update(done: int, total: int, name: str) -> None:
        if total >= 20:
            progress.update(task, completed=done, total=total, description=name[-60:])

    with progress:
        yield update


# Rejection (and warning) lines printed before the rest is summed up in one line.
MAX_PRINTED = 50


def _capped(lines: list[str], report: IngestReport, what: str) -> list[str]:
    """The first :data:`MAX_PRINTED` lines and, when there are more, one line saying where the
    rest are (860 rejections on a terminal help nobody)."""
    if len(lines) <= MAX_PRINTED:
        return lines
    left = len(lines) - MAX_PRINTED
    if report.dry_run:
        where = "a dry run logs nothing: fix these and check again"
    elif any(len(f.errors) + len(f.warnings) > MAX_LOGGED_ERRORS for f in report.files):
        where = f"the first {MAX_LOGGED_ERRORS:,} of each file are in ingest_log"
    else:
        where = "all are in ingest_log"
    return [*lines[:MAX_PRINTED], f"… and {left} more {what}; {where}"]


def print_report(report: IngestReport, *, quiet: bool, rich_output: bool) -> None:
    for line in _capped(report.rejections, report, "rejections"):
        click.echo(line, err=True)
    for line in _capped([f"warning: {w}" for w in report.warnings], report, "warnings"):
        click.echo(line, err=True)
    for line in report.blame:
        click.echo(line)  # to the author only: views and reports hold counts, never matches
    if quiet:
        return
    counts = {f.status: 0 for f in report.files}
    for f in report.files:
        counts[f.status] += 1
    head = "dry run (nothing written)" if report.dry_run else "ingest"
    lines = [
        f"{head}: {len(report.files)} files: "
        + ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    ]
    if report.rows_by_kind:
        lines.append(
            "rows loaded: "
            + ", ".join(f"{n} {KIND_LABELS.get(k, k)}" for k, n in report.rows_by_kind.items())
        )
    if report.rotation:
        lines.append(
            "on-call: {shifts} resolved shifts, {gaps} gaps, {overlaps} overlaps".format(
                **{"shifts": 0, "gaps": 0, "overlaps": 0, **report.rotation}
            )
        )
    lines += [f"moved: {m}" for m in report.moved]
    lines += [f"pruned: {p}" for p in report.pruned]
    lines += [f"rotation finding: {f}" for f in report.findings[:20]]
    if len(report.findings) > 20:
        lines.append(
            f"... and {len(report.findings) - 20} more rotation findings (table rotation_findings)"
        )
    n_rej, n_warn = len(report.rejections), len(report.warnings)
    lines.append(f"{n_rej} rejections, {n_warn} warnings")
    if rich_output:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=head, show_header=True)
        table.add_column("status")
        table.add_column("files", justify="right")
        table.add_column("rows", justify="right")
        table.add_column("rejected", justify="right")
        for status in sorted(counts):
            fs = [f for f in report.files if f.status == status]
            table.add_row(
                status, str(len(fs)), str(sum(f.rows for f in fs)), str(sum(f.rejected for f in fs))
            )
        console = Console()
        console.print(table)
        for line in lines[1:]:
            console.print(line, highlight=False, markup=False)
    else:
        for line in lines:
            click.echo(line)
    sys.stdout.flush()
