"""Bad tabular inputs (pages, rotations, people): each gives its exact `file:line: reason`,
and the ingest still loads the good file that sits beside it."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from tests.conftest import run_cli

CORPUS = Path(__file__).parent / "bad_inputs" / "tabular"
WIDE = (
    "more values than the {n} columns of the header (a value with a comma in it needs "
    'double quotes, e.g. "Chen, Alice"); the row is not loaded'
)
TS = "e.g. 2026-11-03T14:05:00Z, 2026-11-03 14:05 UTC or 2026-11-03T15:05:00+01:00"

EXPECTED = {
    "pages-empty-id.csv": "2: page_id is empty (required)",
    "pages-bad-timestamp.csv": f"2: sent_at 'yesterday' is not a timestamp ({TS})",
    "pages-no-recipient.csv": "2: recipient is empty (required)",
    "pages-no-team.csv": "2: team is empty (required)",
    "pages-repeated-id.csv": "3: page_id 'p1' repeats line 2",
    # lines are the file's own, not record counts: a quoted line break, blank lines
    "pages-line-break-in-cell.csv": f"4: sent_at 'yesterday' is not a timestamp ({TS})",
    "pages-blank-lines.csv": "5: page_id 'p1' repeats line 3",
    "pages-missing-column.csv": "1: missing required column(s) sent_at; the header must name "
    "at least page_id, sent_at, recipient, team (found: page_id, recipient, team)",
    "pages-bad-ack.csv": f"2: acknowledged_at '2026-13-03T14:06:00Z' is not a timestamp ({TS})",
    "pages-empty.csv": "1: file is empty",
    # one line with semicolons: the comma stays the delimiter (not sniffed), so only that line
    # is rejected, not the whole file for "missing" every column its header names
    "pages-semicolon-row.csv": "5: sent_at is empty (required)",
    "rotations-semicolon-row.csv": "3: engineer is empty (required)",
    # DuckDB's sniffer fails on a quote never closed and names no line: the opening line
    "pages-unclosed-quote.csv": "3: cannot read as pages: a quoted value opens on this line "
    'and is never closed (a missing ")',
    # a quote left open in the header: the header is DuckDB's to read and the reader's own
    # error names the line (read in Python, the rest of the file became one column name and
    # nothing loaded, exit 0; a later closing quote gave a three-line message)
    "pages-header-unclosed-quote.csv": "1: cannot read as pages: a quoted value opens on this "
    'line and is never closed (a missing ")',
    "pages-header-quote-closed-later.csv": "3: cannot read as pages: bad quoting (',' expected "
    """after '"'); write a quote inside a value as \"\"""",
    # a blank first line: the sniffer takes the next line for the header, and says what it
    # found (was DuckDB's "read_csv requires at least a single column as input!")
    "pages-header-blank-line.csv": "1: missing required column(s) page_id, sent_at, recipient, "
    "team; the header must name at least page_id, sent_at, recipient, team (found: p1, "
    "2026-11-03T14:05:00Z, Alice, payments)",
    "rotations-end-before-start.csv": "2: end is not after start",
    "rotations-bad-override.csv": "2: override 'maybe' is not true/false",
    "rotations-no-engineer.csv": "2: engineer is empty (required)",
    "rotations-missing-end.csv": "1: missing required column(s) end; the header must name at "
    "least team, engineer, start, end (found: team, engineer, start)",
    "people-bad-timezone.csv": "2: timezone 'Mars/Olympus' is not an IANA time zone "
    "(e.g. Europe/Berlin, America/New_York, UTC)",
    "people-repeated-name.csv": "3: engineer 'alice' repeats line 2",
    # a comma in an unquoted name: more values than the header has columns. It loaded
    # shifted (recipient 'Chen', team 'alice') with exit 0
    "pages-unquoted-comma.csv": f"3: {WIDE.format(n=5)}",
    "rotations-unquoted-comma.csv": f"3: {WIDE.format(n=4)}",
    "people-unquoted-comma.csv": f"3: {WIDE.format(n=4)}",
}

FOLDER = {"pages": "pages", "rotations": "rotations", "people": "."}
GOOD = {
    "pages": "page_id,sent_at,recipient,team\ngood-1,2026-11-03T14:05:00Z,Alice,payments\n",
    "rotations": "team,engineer,start,end\n"
    "payments,Alice,2026-11-02T00:00:00Z,2026-11-09T00:00:00Z\n",
}


def test_the_corpus_is_complete():
    assert sorted(p.name for p in CORPUS.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_row_or_file_is_named_exactly(tmp_path, name):
    kind = name.split("-")[0]
    raw = tmp_path / "raw"
    folder = raw / FOLDER[kind]
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / ("people.csv" if kind == "people" else name)
    shutil.copy(CORPUS / name, target)
    if kind in GOOD:
        (folder / "zz-good.csv").write_text(GOOD[kind])
    db = tmp_path / "w.duckdb"
    result = run_cli("ingest", str(raw), "--db", str(db), "--quiet")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].endswith(f"{target.name}:{EXPECTED[name]}"), lines[0]
    if kind in GOOD:  # the good file of the same batch still loads
        table = {"pages": "pages", "rotations": "oncall_shifts"}[kind]
        con = duckdb.connect(str(db), read_only=True)
        assert con.execute(f"select count(*) from {table}").fetchone()[0] >= 1
        con.close()


@pytest.mark.parametrize(
    ("rows", "reason"),
    [
        (31_000, "is never closed"),  # DuckDB swallowed the 1,000 lines after it silently
        (50_000, "runs on for over 128 KiB"),  # was "internal error (Error)" from csv's limit
    ],
)
def test_unclosed_quote_past_the_sniffer_sample_names_its_line(tmp_path, rows, reason):
    """Past DuckDB's sniffer sample an unclosed quote does not stop the reader: every later
    line became one value, those rows vanished and the row itself was rejected for an empty
    sent_at (or, over csv's field limit, the ingest failed with an internal error)."""
    lines = ["page_id,sent_at,recipient,team"]
    lines += [f"p{i},2026-11-03T14:05:00Z,Alice,payments" for i in range(rows)]
    lines[30_001] = '"p-x,2026-11-03T14:05:00Z,Alice,payments'
    folder = tmp_path / "raw" / "pages"
    folder.mkdir(parents=True)
    (folder / "pages.csv").write_text("\n".join(lines) + "\n")
    result = run_cli("ingest", str(tmp_path / "raw"), "--db", str(tmp_path / "w.duckdb"), "-q")
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.endswith(
        f"pages.csv:30002: cannot read as pages: a quoted value opens on this line and {reason}"
        ' (a missing ")'
    ), line


def _ingest_pages(tmp_path, text: str, name: str = "pages.csv"):
    folder = tmp_path / "raw" / "pages"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)
    db = tmp_path / "w.duckdb"
    result = run_cli("ingest", str(tmp_path / "raw"), "--db", str(db), "-q")
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            "select page_id, recipient, team, line_no from src_pages order by line_no"
        ).fetchall()
    finally:
        con.close()
    return result, rows


HEAD = "page_id,sent_at,recipient,team,service\n"


@pytest.mark.parametrize("rows", [10, 30_000])  # inside and past DuckDB's sniffer sample
def test_a_row_with_more_values_than_the_header_is_rejected_alone(tmp_path, rows):
    """An unquoted comma in a name: the row loaded shifted (recipient 'Chen', team 'alice')
    inside the sniffer's sample and lost its last value past it, with exit 0."""
    lines = [f"p{i},2026-11-03T14:05:00Z,Alice Chen,payments,api" for i in range(rows)]
    at = rows // 2  # line at + 2 of the file
    lines[at] = f"p{at},2026-11-03T14:05:00Z,Chen, Alice,payments,api"
    result, loaded = _ingest_pages(tmp_path, HEAD + "\n".join(lines) + "\n")
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.endswith(f"pages.csv:{at + 2}: {WIDE.format(n=5)}"), line
    assert len(loaded) == rows - 1
    assert f"p{at}" not in {r[0] for r in loaded}
    assert {(r[1], r[2]) for r in loaded} == {("Alice Chen", "payments")}
    # the rows after it keep their own line numbers
    assert [r[3] for r in loaded] == [i + 2 for i in range(rows) if i != at]


def test_more_values_beside_other_bad_rows_and_a_line_break_in_a_cell(tmp_path):
    """The wide row is named at its own line when the file also has a bad cell (read as
    text) and a quoted line break before it; trailing empty values are not 'more'."""
    text = HEAD + (
        'p1,2026-11-03T14:05:00Z,"Alice\nChen",payments,api\n'  # lines 2-3
        "p2,yesterday,Bob,payments,api\n"  # 4: bad timestamp
        "p3,2026-11-03T14:05:00Z,Chen, Alice,payments,api\n"  # 5: one value too many
        "p4,2026-11-03T14:05:00Z,Dana,payments,api,,\n"  # 6: empty extras, loads
        "p5,2026-11-03T14:05:00Z,Eve,payments\n"  # 7: service absent, loads
        "p6,2026-11-03T14:05:00Z,Finn,payments,api,x,y\n"  # 8: two too many
    )
    result, loaded = _ingest_pages(tmp_path, text)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert [line.split("pages.csv:")[1] for line in lines] == [
        f"4: sent_at 'yesterday' is not a timestamp ({TS})",
        f"5: {WIDE.format(n=5)}",
        f"8: {WIDE.format(n=5)}",
    ]
    assert [(r[0], r[3]) for r in loaded] == [("p1", 2), ("p4", 6), ("p5", 7)]


def test_header_names_equal_but_for_case_load(tmp_path):
    """DuckDB's column names are case-insensitive: ``team,Team`` gave its binder error
    "Duplicate named argument" for the whole file; the file loads, as it always did."""
    folder = tmp_path / "raw" / "pages"
    folder.mkdir(parents=True)
    (folder / "p.csv").write_text(
        "page_id,sent_at,recipient,team,Team\np1,2026-11-03T14:05:00Z,Alice,payments,x\n"
    )
    db = tmp_path / "w.duckdb"
    result = run_cli("ingest", str(tmp_path / "raw"), "--db", str(db), "--quiet")
    assert result.returncode == 0, result.stderr
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select page_id, team from pages").fetchall() == [("p1", "payments")]
    con.close()
