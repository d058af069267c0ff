"""The registry of input formats (analytics/ingest/formats) and the staging of parsed rows."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from analytics.ingest.formats import ALL_SRC_TABLES, FORMATS, classify


def test_every_src_table_is_some_formats_table_and_kinds_are_unique():
    assert {t for f in FORMATS for t in f.tables} == set(ALL_SRC_TABLES)
    assert len({f.kind for f in FORMATS}) == len(FORMATS)
    # each format is read one way: DuckDB (spec) or a Python parser (parse)
    assert all((f.spec is None) != (f.parse is None) for f in FORMATS)


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/in/people.csv", "people"),
        ("/in/pages/people.csv", "people"),  # the name wins over the folder
        ("/in/timelines/2026/inc-1.md", "timeline"),
        ("/in/postmortems/inc-1.TXT", "timeline"),
        ("/in/timelines/README.md", None),
        ("/in/handoffs/monday.md", "handoff"),
        ("/in/reviews/INC-1.markdown", "review"),
        ("/in/pages/p.parquet", "pages"),
        ("/in/pages/cal.ics", "ics"),  # a calendar anywhere
        ("/in/rotations/r.csv", "rotations"),
        ("/in/rotations/r.ics", "ics"),
        ("/in/comp_time/c.json", "comp_time"),
        ("/in/jira/export.csv", "tracker"),
        ("/in/action_items/export.parquet", None),  # trackers: CSV or JSON only
        ("/in/pagerduty/x.json", "pagerduty"),
        ("/in/Opsgenie/x.JSON", "opsgenie"),  # folder and suffix in any case
        ("/in/statuspage/x.csv", None),
        ("/in/notes/x.md", None),
    ],
)
def test_a_file_is_classified_by_its_folders_name_and_extension(path, kind):
    fmt = classify(Path(path))
    assert (fmt.kind if fmt else None) == kind


def test_a_file_whose_rows_cannot_be_converted_is_left_out_of_every_table():
    # Two files' rows as one chunk; b's item_no overflows int64 in src_action_items, so b's
    # rows leave both tables (its incident too) and a's stay: 1 incident, 1 item.
    from analytics.ingest.staging import tables_of

    incidents = pa.schema([("incident_id", pa.string()), ("source_file", pa.string())])
    items = pa.schema(
        [("incident_id", pa.string()), ("item_no", pa.int64()), ("source_file", pa.string())]
    )
    schemas = {"src_incidents": incidents, "src_action_items": items}
    rows = [
        ("a.md", {"src_incidents": [{"incident_id": "A"}],
                  "src_action_items": [{"incident_id": "A", "item_no": 1}]}),
        ("b.md", {"src_incidents": [{"incident_id": "B"}],
                  "src_action_items": [{"incident_id": "B", "item_no": 2**70}]}),
    ]  # fmt: skip
    tables, bad = tables_of(rows, schemas)
    assert list(bad) == ["b.md"]
    assert bad["b.md"].startswith("a value cannot be stored in action_items")
    assert tables["src_incidents"].to_pylist() == [{"incident_id": "A", "source_file": "a.md"}]
    assert tables["src_action_items"].to_pylist() == [
        {"incident_id": "A", "item_no": 1, "source_file": "a.md"}
    ]


def test_documents_parsed_by_the_worker_pool_load_as_in_one_process(tmp_path, monkeypatch):
    # 5 documents in chunks of 2 on the pool (3 tasks) against the same 5 parsed in-process:
    # identical rows, and every file hashed by the worker that read it.
    from analytics.db import open_file
    from analytics.ingest import run, staging
    from analytics.policy import DEFAULT_POLICY
    from tests.test_ingest import doc

    raw = tmp_path / "raw" / "timelines"
    raw.mkdir(parents=True)
    for i in range(5):
        (raw / f"inc-{i}.md").write_text(doc(iid=f"INC-{i}", title=f"Outage {i}"))

    def rows(db: Path) -> list:
        con = open_file(db, read_only=True, wait=1)
        try:
            return con.execute(
                "select incident_id, title, parse_filename(source_file) from src_incidents "
                "union all select incident_id, text, parse_filename(source_file) "
                "from src_timeline_events order by all"
            ).fetchall()
        finally:
            con.close()

    serial = run.ingest([raw.parent], db=tmp_path / "one.duckdb", policy=DEFAULT_POLICY)
    monkeypatch.setattr(staging, "PARALLEL_MIN_DOCS", 2)
    monkeypatch.setattr(staging, "CHUNK_DOCS", 2)
    pooled = run.ingest([raw.parent], db=tmp_path / "pool.duckdb", policy=DEFAULT_POLICY)
    assert rows(tmp_path / "pool.duckdb") == rows(tmp_path / "one.duckdb")
    assert len(rows(tmp_path / "pool.duckdb")) > 5
    assert [f.sha256 for f in pooled.files] == [f.sha256 for f in serial.files]
    assert all(len(f.sha256) == 64 for f in pooled.files)


def test_documents_parsed_ahead_while_other_files_are_read_load_as_in_one_process(
    tmp_path, monkeypatch
):
    # The pool starts before the tracker export is read and keeps at most 2 chunks ahead:
    # 5 one-document chunks, so chunks are submitted as earlier ones are taken. Every
    # document's rows arrive, in order, and the tracker's rows load as in one process.
    from analytics.db import open_file
    from analytics.ingest import run, staging
    from analytics.policy import DEFAULT_POLICY
    from tests.test_ingest import doc

    raw = tmp_path / "raw"
    (raw / "timelines").mkdir(parents=True)
    (raw / "action_items").mkdir()
    for i in range(5):
        (raw / "timelines" / f"inc-{i}.md").write_text(doc(iid=f"INC-{i}", title=f"Outage {i}"))
    (raw / "action_items" / "jira.csv").write_text("Issue key,Summary\nOPS-1,Fix it\n")

    def rows(db: Path) -> list:
        con = open_file(db, read_only=True, wait=1)
        try:
            return con.execute(
                "select incident_id, title, parse_filename(source_file) from src_incidents "
                "union all select incident_id, text, parse_filename(source_file) "
                "from src_timeline_events union all select ticket, summary, "
                "parse_filename(source_file) from src_tracker_items order by all"
            ).fetchall()
        finally:
            con.close()

    serial = run.ingest([raw], db=tmp_path / "one.duckdb", policy=DEFAULT_POLICY)
    monkeypatch.setattr(staging, "PARALLEL_MIN_DOCS", 2)
    monkeypatch.setattr(staging, "CHUNK_DOCS", 1)
    monkeypatch.setattr(staging, "AHEAD_CHUNKS", 2)
    pooled = run.ingest([raw], db=tmp_path / "pool.duckdb", policy=DEFAULT_POLICY)
    assert rows(tmp_path / "pool.duckdb") == rows(tmp_path / "one.duckdb")
    assert {r[0] for r in rows(tmp_path / "pool.duckdb")} >= {f"INC-{i}" for i in range(5)}
    assert "OPS-1" in {r[0] for r in rows(tmp_path / "pool.duckdb")}
    assert [(f.status, f.sha256) for f in pooled.files] == [
        (f.status, f.sha256) for f in serial.files
    ]


def test_document_workers_stop_when_the_batch_fails_while_they_parse(tmp_path, monkeypatch):
    # The workers parse while the other files are read: a failure there (an interrupt)
    # shuts them down; none is left parsing on.
    import multiprocessing
    from datetime import UTC, datetime

    from analytics import db as dbmod
    from analytics.ingest import run, staging
    from analytics.policy import DEFAULT_POLICY
    from tests.test_ingest import doc

    monkeypatch.setattr(staging, "PARALLEL_MIN_DOCS", 2)
    monkeypatch.setattr(staging, "CHUNK_DOCS", 1)
    jobs = []
    for i in range(4):
        path = tmp_path / f"inc-{i}.md"
        path.write_text(doc(iid=f"INC-{i}"))
        jobs.append((str(path), path.name, "timeline", True))
    con = dbmod.memory_connection()
    dbmod.create_schema(con)
    schemas = staging.arrow_schemas(con, run.ALL_SRC_TABLES)
    common = staging.Common(DEFAULT_POLICY, None, datetime.now(UTC), None, schemas)
    with pytest.raises(KeyboardInterrupt), staging.document_parser(jobs, common):
        assert len(multiprocessing.active_children()) == 2
        raise KeyboardInterrupt
    assert multiprocessing.active_children() == []


def test_a_vendor_file_rejected_whole_keeps_the_warnings_said_before(tmp_path, monkeypatch):
    # Every incident of the file rejected alone (nothing else to load): the file is rejected
    # whole, and the parser's warning about it is still reported, as before the registry.
    from analytics.errors import InputError
    from analytics.ingest import pagerduty, run
    from analytics.ingest.records import InputWarning
    from analytics.policy import DEFAULT_POLICY

    def parse(data, file, **kw):
        return pagerduty.PagerDutyResult(
            warnings=[InputWarning(file, 3, "incident Q1 repeated")],
            rejections=[InputError(file, 5, "incident Q1: created_at 'yesterday'")],
        )

    monkeypatch.setattr(pagerduty, "parse_pagerduty", parse)
    folder = tmp_path / "raw" / "pagerduty"
    folder.mkdir(parents=True)
    (folder / "x.json").write_text("{}")
    report = run.ingest([tmp_path / "raw"], db=tmp_path / "w.duckdb", policy=DEFAULT_POLICY)
    [res] = report.files
    assert (res.status, res.rows, res.rejected) == ("rejected", 0, 1)
    assert [e.split(": ", 1)[1] for e in res.errors] == ["incident Q1: created_at 'yesterday'"]
    assert [w.split(": ", 1)[1] for w in res.warnings] == ["incident Q1 repeated"]
