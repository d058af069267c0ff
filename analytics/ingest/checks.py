"""Phase 2's checks across files, run inside the transaction once every file's rows are in
place (one incident id one document, people files that disagree, documents naming what is not
loaded, hand-off recipients, comp time of unknown people), and the batch's bookkeeping
(deleting a file's rows, pruning files that are gone, the ``ingest_log``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path

import duckdb

from analytics.ingest.formats import ALL_SRC_TABLES, BY_KIND
from analytics.ingest.report import MAX_LOGGED_ERRORS, FileResult, IngestReport, display_path
from analytics.ingest.staging import Staging


def delete_file_rows(con: duckdb.DuckDBPyConnection, files: list[str], tables=ALL_SRC_TABLES):
    """Delete the rows of ``files`` from ``tables`` (every ``src_*`` table by default)."""
    if not files:
        return
    # The list is bound once, into a TEMP table: bound again in each of the 12 deletes, 100,000
    # paths cost 0.7 s of CPU even with every table empty (a first ingest); this, 0.04 s.
    con.execute(
        "create or replace temp table __delete_files as select unnest($files) as source_file",
        {"files": files},
    )
    for table in tables:
        con.execute(
            f"delete from {table} where source_file in (select source_file from __delete_files)"
        )
    con.execute("drop table __delete_files")  # a failed delete rolls it back with the rest


_PERSON_FACTS = ("employee_id", "team", "timezone", "email", "country")


def check_people(con, results: list[FileResult]) -> None:
    """Two people files that say different things about one person (matched by name, as
    everywhere): a warning on the file of this batch, naming both files. The first file in
    path order wins (the ``people`` view)."""
    loaded = {str(r.path): r for r in results if r.kind == "people" and r.status == "loaded"}
    if not loaded:
        return
    rows = con.execute(
        """
        with p as (
            select lower(trim(engineer)) as k, trim(engineer) as engineer, line_no, source_file,
                [nullif(trim(employee_id), ''), nullif(lower(trim(team)), ''),
                 coalesce(nullif(trim(timezone), ''), 'UTC'), nullif(trim(email), ''),
                 nullif(upper(trim(country)), '')] as facts
            from src_people
        )
        select a.source_file, a.line_no, a.facts, a.engineer,
            b.source_file, b.line_no, b.facts, b.engineer
        from p as a join p as b on a.k = b.k and a.source_file < b.source_file
        where a.facts is distinct from b.facts
            and (a.source_file in (select unnest($files))
                 or b.source_file in (select unnest($files)))
        order by b.source_file, b.line_no
        """,
        {"files": sorted(loaded)},
    ).fetchall()
    for (
        first,
        first_line,
        first_facts,
        first_name,
        later,
        later_line,
        later_facts,
        later_name,
    ) in rows:
        if later in loaded:
            here, line, engineer, mine, there, there_line, theirs = (
                later,
                later_line,
                later_name,
                later_facts,
                first,
                first_line,
                first_facts,
            )
        else:
            here, line, engineer, mine, there, there_line, theirs = (
                first,
                first_line,
                first_name,
                first_facts,
                later,
                later_line,
                later_facts,
            )
        differences = ", ".join(
            f"{name} {_shown(a)} here, {_shown(b)} there"
            for name, a, b in zip(_PERSON_FACTS, mine, theirs, strict=True)
            if a != b
        )
        res = loaded[here]
        res.warnings.append(
            f"{res.display}:{line}: {engineer}: {differences} ({display_path(Path(there))}:"
            f"{there_line}); the people files disagree and {display_path(Path(first))} wins "
            "(first in path order)"
        )


def _shown(value: str | None) -> str:
    return "empty" if value is None else f"'{value}'"


def check_incident_ids(con, results, ids_by_file, staging: Staging, report) -> None:
    """One incident_id, one document: duplicates in a batch reject the later file;
    an id whose old document is gone moves to the new file."""
    by_path = {str(r.path): r for r in results}
    batch_files = set(by_path)
    owner: dict[str, str] = {}
    # Unchanged documents keep their ids.
    unchanged = [p for p, r in by_path.items() if r.status == "unchanged" and r.kind == "timeline"]
    if unchanged:
        for iid, f in con.execute(
            "select incident_id, source_file from src_incidents where source_kind = 'timeline' "
            "and source_file in (select unnest($files))",
            {"files": unchanged},
        ).fetchall():
            owner.setdefault(iid, f)
    stored = dict(
        con.execute(
            "select incident_id, any_value(source_file) from src_incidents "
            "where source_kind = 'timeline' group by incident_id"
        ).fetchall()
    )
    rejected_files: set[str] = set()
    for path in sorted(ids_by_file):
        res = by_path[path]
        if res.kind != "timeline":
            continue
        for iid in ids_by_file[path]:
            other = owner.get(iid)
            if other is None and iid in stored and stored[iid] not in batch_files:
                if Path(stored[iid]).exists():
                    other = stored[iid]
                else:
                    report.moved.append(
                        f"{iid}: moved from {display_path(Path(stored[iid]))} to {res.display}"
                    )
                    delete_file_rows(con, [stored[iid]], BY_KIND["timeline"].tables)
            if other is not None and other != path:
                res.status, res.rejected, res.rows = "rejected", 1, 0
                res.errors.append(
                    f"{res.display}:1: incident_id {iid} also in {display_path(Path(other))}"
                )
                rejected_files.add(path)
            else:
                owner[iid] = path
    if rejected_files:
        staging.discard(BY_KIND["timeline"].tables, rejected_files)


def warn_unlinked(con, results: list[FileResult]) -> None:
    """A document naming a Statuspage incident that is not loaded keeps its own "status
    page" lines as status updates (docs/importers.md); say so, naming the id."""
    loaded = {str(r.path): r for r in results if r.status == "loaded" and r.kind == "timeline"}
    if not loaded:
        return
    rows = con.execute(
        """
        select d.source_file, d.linked_statuspage_id
        from src_incidents as d
        where d.source_kind = 'timeline' and d.linked_statuspage_id is not null
            and d.source_file in (select unnest($files))
            and d.linked_statuspage_id not in (
                select incident_id from src_incidents where source_kind = 'statuspage'
            )
        order by 1
        """,
        {"files": sorted(loaded)},
    ).fetchall()
    for source_file, statuspage_id in rows:
        res = loaded[source_file]
        res.warnings.append(
            f"{res.display}:{_line_naming(res.path, statuspage_id)}: STATUS PAGE "
            f"{statuspage_id} is not loaded (no such incident in statuspage/): the document's "
            "own status-page lines are its status updates"
        )


def _line_naming(path: Path, record_id: str) -> int:
    """The first line of a (small) document that names ``record_id``; 1 when unreadable."""
    try:
        lines = path.read_text("utf-8", errors="replace").splitlines()
    except OSError:
        return 1
    return next((n for n, line in enumerate(lines, start=1) if record_id in line), 1)


def check_handoff_recipients(con, results: list[FileResult]) -> None:
    """Warn when a loaded hand-off note's TO is not the engineer who took over."""
    loaded = {str(r.path): r for r in results if r.status == "loaded" and r.kind == "handoff"}
    if not loaded:
        return
    mismatches = con.execute(
        "select source_file, line_no, note_to, to_engineer, handover_at from handoff_notes "
        "where source_file in (select unnest($files)) and note_to is not null "
        "and lower(trim(note_to)) <> lower(trim(to_engineer)) order by source_file, handover_at",
        {"files": sorted(loaded)},
    ).fetchall()
    for source_file, line_no, note_to, to_engineer, handover_at in mismatches:
        res = loaded[source_file]
        res.warnings.append(
            f"{res.display}:{line_no}: TO '{note_to}', but {to_engineer} took over at "
            f"{handover_at:%Y-%m-%d %H:%M} UTC"
        )


def check_comp_time_people(con, results: list[FileResult]) -> None:
    """Warn when comp time was taken by a name people.csv does not know (matched
    case-insensitively after trimming): the ledger keeps it, without employee_id or team."""
    loaded = {str(r.path): r for r in results if r.status == "loaded" and r.kind == "comp_time"}
    if not loaded:
        return
    unknown = con.execute(
        "select source_file, min(line_no), min(trim(engineer)), count(*) from src_comp_time "
        "where source_file in (select unnest($files)) "
        "and lower(trim(engineer)) not in (select name_key from people) "
        "group by source_file, lower(trim(engineer)) order by 1, 2",
        {"files": sorted(loaded)},
    ).fetchall()
    for source_file, line_no, engineer, rows in unknown:
        res = loaded[source_file]
        res.warnings.append(
            f"{res.display}:{line_no}: engineer '{engineer}' is not in people.csv ({rows} "
            "row(s)); the comp-time ledger shows them without employee_id or team"
        )


def prune(con, paths: list[Path], report: IngestReport) -> None:
    roots = [p.resolve() for p in paths]
    sources: set[str] = set()
    for table in ALL_SRC_TABLES:
        sources.update(
            r[0] for r in con.execute(f"select distinct source_file from {table}").fetchall()
        )
    gone = sorted(
        s for s in sources if not Path(s).exists() and any(Path(s).is_relative_to(r) for r in roots)
    )
    for s in gone:
        counts = {
            t: con.execute(f"select count(*) from {t} where source_file = $f", {"f": s}).fetchone()[
                0
            ]
            for t in ALL_SRC_TABLES
        }
        detail = ", ".join(f"{n} {t.removeprefix('src_')}" for t, n in counts.items() if n)
        report.pruned.append(f"{display_path(Path(s))}: {detail}")
        report.files.append(
            FileResult(
                Path(s), display_path(Path(s)), "gone", status="pruned", rows=sum(counts.values())
            )
        )
    delete_file_rows(con, gone)


def log(con, report: IngestReport, now: datetime) -> None:
    run_id = uuid.uuid4().hex
    rows = []
    for f in report.files:
        messages = f.errors + [f"warning: {w}" for w in f.warnings]
        if len(messages) > MAX_LOGGED_ERRORS:
            left = len(messages) - MAX_LOGGED_ERRORS
            messages = [*messages[:MAX_LOGGED_ERRORS], f"... and {left} more not logged"]
        if f.details:
            messages.append(f.details)
        rows.append(
            (
                run_id,
                now,
                str(f.path),
                f.sha256 or None,
                f.kind,
                f.rows,
                f.rejected,
                f.status,
                "\n".join(messages) or None,
            )
        )
    if rows:
        # Columns bound as lists and zipped by unnest: one statement, no pandas/Arrow import.
        columns = list(zip(*rows, strict=True))
        con.execute(
            "insert into ingest_log select unnest($1), unnest($2), unnest($3), unnest($4), "
            "unnest($5), unnest($6), unnest($7), unnest($8), unnest($9)",
            [list(c) for c in columns],
        )
