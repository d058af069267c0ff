"""Hostile input (issue #8, SPEC §9): fuzzed files, SQL injection, path traversal, garbage.

* fuzzing: the tabular loaders raise nothing but InputError, and never lose a good row;
* injection: hostile text in every input and option that reaches SQL comes back literally as
  data, and the warehouse's tables and row counts are unchanged otherwise;
* paths: a week or a name never leaves its output folder; an explicit --out is honoured;
* garbage: 200 MB of random bytes is rejected quickly, in bounded memory (slow tier).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from analytics import db as dbmod
from analytics.errors import InputError
from analytics.ingest import tabular
from analytics.ingest.formats import SPECS
from tests.conftest import CONTENT_TABLES, ROOT, run_cli

HOSTILE = "x'); drop table incidents; --"
HOSTILE_ID = "INC-'; delete from src_incidents; --"


# ------------------------------------------------------------------------- fuzzing


_CON: list[duckdb.DuckDBPyConnection] = []
# The fuzzed files are checked as if ingested at this instant: timestamps from 1970-01-01 to
# two years later (rotations: five) are in range.
FUZZ_NOW = __import__("datetime").datetime(2026, 12, 1, tzinfo=__import__("datetime").UTC)


def _con() -> duckdb.DuckDBPyConnection:
    """One in-memory warehouse for all fuzz examples (a new one each costs ~50 ms)."""
    if not _CON:
        con = duckdb.connect()
        con.execute("SET TimeZone='UTC'")
        dbmod.create_schema(con)
        tabular.ensure_macros(con, now=FUZZ_NOW)
        _CON.append(con)
    return _CON[0]


def _stage(kind: str, path: Path):
    con = _con()
    table, rejections = tabular.stage(con, SPECS[kind], path, path.name)
    try:
        return con.execute(tabular.good_rows(table, con)).fetchall(), rejections
    finally:
        con.execute(f"drop table if exists {table}")


FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # shrinking CSV dialects takes minutes
)


@FUZZ
@given(data=st.binary(max_size=400), kind=st.sampled_from(sorted(SPECS)))
def test_random_csv_bytes_raise_only_input_error(tmp_path_factory, data, kind):
    path = tmp_path_factory.mktemp("fuzz") / f"{kind}.csv"
    path.write_bytes(data)
    with contextlib.suppress(InputError):
        _stage(kind, path)


_HEADERS = {
    "pages": "page_id,sent_at,recipient,team\n",
    "rotations": "team,engineer,start,end,override\n",
    "people": "engineer,employee_id,team,timezone\n",
    "comp_time": "engineer,taken_on,hours\n",
}


@FUZZ
@given(
    body=st.text(
        alphabet=st.sampled_from([*",\"'\n\r;-x1:TZ ", "é", "\x00", "—", "\t"]),
        max_size=200,
    ),
    kind=st.sampled_from(sorted(SPECS)),
)
def test_csv_text_under_a_good_header_raises_only_input_error(tmp_path_factory, body, kind):
    path = tmp_path_factory.mktemp("fuzz") / f"{kind}.csv"
    path.write_text(_HEADERS[kind] + body, encoding="utf-8")
    with contextlib.suppress(InputError):
        _stage(kind, path)


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=10,
)


@FUZZ
@given(
    value=st.one_of(
        _JSON_VALUES,
        st.lists(
            st.fixed_dictionaries(
                {"page_id": _JSON_VALUES, "sent_at": _JSON_VALUES},
                optional={"recipient": _JSON_VALUES, "team": _JSON_VALUES},
            ),
            max_size=4,
        ),
    )
)
def test_random_json_raises_only_input_error(tmp_path_factory, value):
    path = tmp_path_factory.mktemp("fuzz") / "pages.json"
    path.write_text(json.dumps(value))
    with contextlib.suppress(InputError):
        _stage("pages", path)


# Rows that must load, and rows that must not; mixed in any order. A leading '#' included:
# the reader turns comment sniffing off, so such a row is data (test below).
_TEXT = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc", "Zl", "Zp"),
        blacklist_characters="\x85\u0130",
        max_codepoint=0x24F,  # Latin: Python's and DuckDB's lower() agree here
    ),
    min_size=1,
    max_size=12,
).filter(lambda s: s.strip() != "")
_TS = st.datetimes(
    min_value=__import__("datetime").datetime(2000, 1, 1),
    max_value=__import__("datetime").datetime(2028, 11, 1),  # within FUZZ_NOW + 2 years
).map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ"))
_GOOD_PAGE = st.tuples(_TEXT, _TS, _TEXT, _TEXT)
_BAD_PAGE = st.one_of(
    st.tuples(st.just(""), _TS, _TEXT, _TEXT),  # empty page_id
    st.tuples(_TEXT, st.sampled_from(["yesterday", "2026-13-01", "14:05"]), _TEXT, _TEXT),
    st.tuples(_TEXT, _TS, st.just("   "), _TEXT),  # blank recipient
)


@FUZZ
@given(
    rows=st.lists(st.tuples(st.booleans(), _GOOD_PAGE, _BAD_PAGE), min_size=1, max_size=12).map(
        lambda xs: [(g, good if g else bad) for g, good, bad in xs]
    )
)
def test_no_good_page_row_is_lost_among_bad_ones(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("fuzz") / "pages.csv"
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(["page_id", "sent_at", "recipient", "team"])
    seen: set[str] = set()
    expected = []
    for is_good, (page_id, sent_at, recipient, team) in rows:
        if is_good and page_id.strip() in seen:
            continue  # a repeated page_id is (rightly) rejected: keep the generator honest
        out.writerow([page_id, sent_at, recipient, team])
        if is_good:
            seen.add(page_id.strip())
            expected.append((page_id.strip(), recipient.strip(), team.strip().lower()))
        elif page_id.strip():
            seen.add(page_id.strip())
    path.write_text(buf.getvalue(), encoding="utf-8")
    good, rejections = _stage("pages", path)
    staged = {(r[0], r[2], r[3]) for r in good}
    missing = [e for e in expected if e not in staged]
    assert not missing, (missing, rejections)
    assert len(good) == len(expected), (good, expected, rejections)


@FUZZ
@given(
    rows=st.lists(
        st.tuples(st.booleans(), _TEXT, _TEXT, _TS, st.integers(1, 500)), min_size=1, max_size=10
    )
)
def test_no_good_rotation_row_is_lost_among_bad_ones(tmp_path_factory, rows):
    from datetime import datetime, timedelta

    path = tmp_path_factory.mktemp("fuzz") / "rotations.csv"
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(["team", "engineer", "start", "end", "override"])
    expected = []
    for is_good, team, engineer, start, hours in rows:
        begin = datetime.strptime(start, "%Y-%m-%dT%H:%M:%SZ")
        end = (begin + timedelta(hours=hours if is_good else -hours)).strftime("%Y-%m-%dT%H:%M:%SZ")
        out.writerow([team, engineer, start, end, "false"])
        if is_good:
            expected.append((team.strip().lower(), engineer.strip()))
    path.write_text(buf.getvalue(), encoding="utf-8")
    good, rejections = _stage("rotations", path)
    assert sorted((r[0], r[1]) for r in good) == sorted(expected), rejections
    assert len(rejections) == len(rows) - len(expected)


# Regression: DuckDB 2.0.1 kept doubled quotes ("a""b" -> a""b) until the reader named
# quote and escape explicitly.
@pytest.mark.parametrize(
    "body, expected",
    [
        ('0,2000-01-01T00:00:00Z,0,"a""b"\n', ("0", "0", 'a"b')),
        ('0,2000-01-01T00:00:00Z,0,""""\n', ("0", "0", '"')),
    ],
)
def test_a_quote_inside_a_csv_cell_loads_as_written(tmp_path, body, expected):
    path = tmp_path / "pages.csv"
    path.write_text("page_id,sent_at,recipient,team\n" + body)
    good, rejections = _stage("pages", path)
    assert rejections == []
    assert [(r[0], r[2], r[3]) for r in good] == [expected]


@pytest.mark.parametrize("kind", ["pages", "rotations"])
def test_a_row_starting_with_hash_is_loaded_not_silently_dropped(tmp_path, kind):
    path = tmp_path / f"{kind}.csv"
    if kind == "pages":
        path.write_text(
            "page_id,sent_at,recipient,team\n#1,2026-11-03T14:05:00Z,Alice,payments\n"
            "2,2026-11-03T14:06:00Z,Bob,payments\n"
        )
    else:
        path.write_text(
            "team,engineer,start,end\n#sre,Bob,2026-11-02T00:00:00Z,2026-11-09T00:00:00Z\n"
            "0,0,2000-01-01T00:00:00Z,1999-12-31T23:00:00Z\n"
        )
    good, rejections = _stage(kind, path)
    assert len(good) + len(rejections) == 2, (good, rejections)
    assert good[0][0] in ("#1", "#sre")


# ------------------------------------------------------------------------- injection

CONTENT = (*CONTENT_TABLES, "payroll_exports", "warehouse_meta")


def _inventory(db: Path) -> tuple[list[str], dict[str, int]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'main' "
                "union all select view_name from duckdb_views() "
                "where schema_name = 'main' and not internal order by 1"
            ).fetchall()
        ]
        counts = {t: con.execute(f'select count(*) from "{t}"').fetchone()[0] for t in CONTENT}
        return names, counts
    finally:
        con.close()


DOC = """INCIDENT: {title}
ID: {iid}
SEVERITY: SEV-2
TEAM: {team}
SERVICE: {team}
STARTED: 2026-11-03 14:00 UTC
DETECTED: 2026-11-03 14:05 UTC — alert
ACKNOWLEDGED: 2026-11-03 14:10 UTC — {team}
RESOLVED: 2026-11-03 15:00 UTC

TIMELINE:
[14:05] — {title}

ACTION ITEMS:
- [ ] {title} OPS-1 — Owner: {team} — Due: 2026-11-20
"""


@pytest.fixture
def base(tmp_path: Path) -> tuple[Path, Path]:
    raw = tmp_path / "raw"
    (raw / "timelines").mkdir(parents=True)
    (raw / "timelines" / "inc-1.md").write_text(
        DOC.format(title="Checkout errors", iid="INC-1", team="payments")
    )
    db = tmp_path / "w.duckdb"
    assert run_cli("ingest", str(raw), "--db", str(db), "--quiet").returncode == 0
    return raw, db


def _ingest(path: Path, db: Path):
    return run_cli("ingest", str(path), "--db", str(db), "--quiet")


def test_hostile_team_in_rotations_and_pages_is_data(tmp_path, base):
    _, db = base
    names, counts = _inventory(db)
    batch = tmp_path / "hostile"
    (batch / "rotations").mkdir(parents=True)
    (batch / "pages").mkdir()
    with (batch / "rotations" / "r.csv").open("w", newline="") as fh:
        csv.writer(fh).writerows(
            [
                ["team", "engineer", "start", "end", "override"],
                [HOSTILE, HOSTILE, "2026-11-02T00:00:00Z", "2026-11-09T00:00:00Z", "false"],
            ]
        )
    with (batch / "pages" / "p.csv").open("w", newline="") as fh:
        csv.writer(fh).writerows(
            [
                ["page_id", "sent_at", "recipient", "team", "service", "incident_id"],
                [HOSTILE, "2026-11-03T14:05:00Z", HOSTILE, HOSTILE, HOSTILE, HOSTILE_ID],
            ]
        )
    result = _ingest(batch, db)
    assert result.returncode == 0, result.stderr
    after_names, after_counts = _inventory(db)
    assert after_names == names
    assert after_counts == {
        **counts,
        "src_rotations": counts["src_rotations"] + 1,
        "src_pages": counts["src_pages"] + 1,
        "oncall_shifts": counts["oncall_shifts"] + 1,
    }
    with dbmod.reader(db) as con:
        assert con.execute("select team, engineer from oncall_shifts").fetchall() == [
            (HOSTILE, HOSTILE)
        ]
        assert con.execute(
            "select page_id, recipient, team, service, incident_id from pages"
        ).fetchall() == [(HOSTILE, HOSTILE, HOSTILE, HOSTILE, HOSTILE_ID)]
        assert con.execute("select count(*) from page_metrics").fetchone() == (1,)


def test_hostile_incident_id_title_and_team_in_a_timeline_are_data(tmp_path, base):
    _, db = base
    names, counts = _inventory(db)
    title = "Quotes ' \" ; -- and $1 {x} %s"
    doc = tmp_path / "hostile" / "timelines" / "evil.md"
    doc.parent.mkdir(parents=True)
    doc.write_text(DOC.format(title=title, iid=HOSTILE_ID, team=HOSTILE))
    result = _ingest(doc, db)
    assert result.returncode == 0, result.stderr
    after_names, after_counts = _inventory(db)
    assert after_names == names
    assert after_counts == {
        **counts,
        "src_incidents": counts["src_incidents"] + 1,
        "src_timeline_events": counts["src_timeline_events"] + 1,
        "src_action_items": counts["src_action_items"] + 1,
    }
    with dbmod.reader(db) as con:
        row = con.execute(
            "select title, team, service, acknowledged_by from incidents where incident_id = $i",
            {"i": HOSTILE_ID},
        ).fetchone()
        assert row == (title, HOSTILE, HOSTILE, HOSTILE)
        assert con.execute(
            "select text from timeline_events where incident_id = $i", {"i": HOSTILE_ID}
        ).fetchall() == [(title,)]
        assert con.execute(
            "select count(*) from incident_metrics where incident_id = $i", {"i": HOSTILE_ID}
        ).fetchone() == (1,)
    # And the metrics grouped by that team print it back literally.
    out = run_cli(
        "metrics", "--from", "2026-11-01", "--to", "2026-11-30", "--by", "team",
        "--format", "json", "--as-of", "2026-11-27", "--db", str(db),
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert HOSTILE in {r["team"] for r in json.loads(out.stdout)}


@pytest.mark.parametrize(
    "args",
    [
        ["metrics", "--from", "2026-11-01", "--to", "2026-11-30",
         "--as-of", "2026-11-01'; drop table incidents; --"],
        ["metrics", "--from", "2026-11-01", "--to", "2026-11-30", "--by", "severity; drop"],
        ["metrics", "--from", "2026-11-01'; drop table incidents; --", "--to", "2026-11-30"],
        ["metrics", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "csv; drop"],
        ["payroll", "--period", "2026-10'; drop table incidents; --"],
        ["payroll", "--from", "2026-10-01", "--to", "2026-10-31') --"],
        ["report", "weekly", "--week", "2026-W44'; drop table incidents; --"],
        ["report", "weekly", "--week", "2026-W44", "--as-of", "x'); drop table incidents; --"],
    ],
)  # fmt: skip
def test_hostile_option_values_are_usage_errors_naming_the_value(base, args):
    _, db = base
    names, counts = _inventory(db)
    result = run_cli(*args, "--db", str(db), "--wait", "1")
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    hostile = next(a for a in args if "'" in a or ";" in a)
    assert hostile in result.stderr, "the message names the offending value"
    assert _inventory(db) == (names, counts)


def test_a_file_whose_name_has_a_quote_loads(tmp_path, base):
    _, db = base
    names, _ = _inventory(db)
    folder = tmp_path / "it's; a dir" / "pages"
    folder.mkdir(parents=True)
    page = folder / "o'brien'); drop table incidents; --.csv"
    page.write_text("page_id,sent_at,recipient,team\nq1,2026-11-03T14:05:00Z,Alice,payments\n")
    doc = tmp_path / "it's; a dir" / "timelines" / "o'hara.md"
    doc.parent.mkdir()
    doc.write_text(DOC.format(title="quoted path", iid="INC-Q", team="payments"))
    result = _ingest(tmp_path / "it's; a dir", db)
    assert result.returncode == 0, result.stderr
    assert _inventory(db)[0] == names
    with dbmod.reader(db) as con:
        assert con.execute("select page_id, source_file from pages").fetchall() == [
            ("q1", str(page.resolve()))
        ]
        assert con.execute(
            "select source_file from incidents where incident_id = 'INC-Q'"
        ).fetchone() == (str(doc.resolve()),)
    # Re-ingesting the quoted path is recognised as unchanged.
    again = run_cli("ingest", str(page), "--db", str(db))
    assert again.returncode == 0 and "unchanged" in again.stdout


def test_a_db_path_with_quotes_works(tmp_path, base):
    raw, _ = base
    db = tmp_path / "o'neil\"; drop" / "w'; --.duckdb"
    result = _ingest(raw, db)
    assert result.returncode == 0, result.stderr
    out = run_cli(
        "metrics", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "csv",
        "--as-of", "2026-11-27", "--db", str(db),
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert any(line.startswith("2,1,") for line in out.stdout.splitlines())
    parquet = run_cli("export", "--parquet", str(tmp_path / "p'q"), "--db", str(db))
    assert parquet.returncode == 0, parquet.stderr


# ------------------------------------------------------------------------- paths


def _reports_module():
    return pytest.importorskip("analytics.reports", reason="report module not there yet")


@pytest.mark.parametrize("week", ["../../etc", "2026-W60", "2026-W44/../../x", "..", "2026-w4"])
def test_report_week_that_is_not_an_iso_week_is_refused_naming_it(base, tmp_path, week):
    _reports_module()
    _, db = base
    out = tmp_path / "reports"
    result = run_cli("report", "weekly", "--week", week, "--out", str(out), "--db", str(db))
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert week in result.stderr and "Traceback" not in result.stderr
    assert not out.exists() or not any(out.rglob("*.html"))


def test_report_output_path_never_leaves_its_folder(tmp_path):
    reports = _reports_module()
    from analytics.errors import UsageError

    base = tmp_path / "reports"
    base.mkdir()
    (base / "weekly").symlink_to(tmp_path)  # a link pointing out of the folder
    for parts in (("..", "x.html"), ("weekly", "..", "..", "x.html"), ("a/b", "x.html")):
        with pytest.raises(UsageError):
            reports.output_path(base, *parts)
    with pytest.raises(UsageError, match="outside"):
        reports.output_path(base, "weekly", "2026-W44", "allhands.html")
    inside = reports.output_path(tmp_path / "r2", "weekly", "2026-W44", "allhands.html")
    assert inside == (tmp_path / "r2" / "weekly" / "2026-W44" / "allhands.html").resolve()


def test_payroll_explicit_out_absolute_path_is_honoured(tmp_path):
    from analytics import context, pay

    db = tmp_path / "w.duckdb"
    assert _ingest(ROOT / "data" / "sample", db).returncode == 0
    target = tmp_path / "elsewhere" / "../elsewhere/my payroll's.csv"
    run = context.from_parameters(db=db, period="2026-10", as_of="2026-11-27T00:00Z", wait=1)
    result = pay.export_payroll(run, out=target, force=False)
    assert result.csv_path == target
    assert (tmp_path / "elsewhere" / "my payroll's.csv").is_file()


# ------------------------------------------------------------------------- garbage

PEAK_RSS = """
import os, resource, subprocess, sys, time
start = time.monotonic()
child = subprocess.Popen([sys.executable, "-m", "analytics", *sys.argv[1:]],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
out, err = b"", b""
import threading
def pump(src, buf):
    buf.append(src.read())
o, e = [], []
threads = [threading.Thread(target=pump, args=(child.stdout, o)),
           threading.Thread(target=pump, args=(child.stderr, e))]
for t in threads: t.start()
_, status, usage = os.wait4(child.pid, 0)
for t in threads: t.join()
import json
print(json.dumps({"rc": os.waitstatus_to_exitcode(status), "maxrss_kb": usage.ru_maxrss,
                  "s": time.monotonic() - start, "stderr": e[0].decode(errors="replace"),
                  "stdout": o[0].decode(errors="replace")}))
"""


def _random_file(path: Path, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    chunk = 1 << 22
    with path.open("wb") as fh:
        for _ in range(size // chunk):
            fh.write(os.urandom(chunk))


def _measured_ingest(batch: Path, db: Path) -> dict:
    run = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, "ingest", str(batch), "--db", str(db), "--quiet"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    return json.loads(run.stdout)


@pytest.mark.slow
@pytest.mark.parametrize("where", ["pages/garbage.csv", "timelines/garbage.md"])
def test_200mb_garbage_is_rejected_fast_in_bounded_memory(tmp_path, where):
    batch = tmp_path / "batch"
    (batch / "timelines").mkdir(parents=True)
    (batch / "timelines" / "good.md").write_text(
        DOC.format(title="good one", iid="INC-G", team="payments")
    )
    (batch / "pages").mkdir()
    (batch / "pages" / "good.csv").write_text(
        "page_id,sent_at,recipient,team\ng1,2026-11-03T14:05:00Z,Alice,payments\n"
    )
    _random_file(batch / where, 200 * 1024 * 1024)
    db = tmp_path / "w.duckdb"
    started = time.monotonic()
    m = _measured_ingest(batch, db)
    assert time.monotonic() - started <= 60
    assert m["rc"] == 1, m
    assert m["s"] <= 30, m
    assert m["maxrss_kb"] <= 500 * 1024, f"peak RSS {m['maxrss_kb'] / 1024:.0f} MB"
    assert "garbage" in m["stderr"] and len(m["stderr"].strip().splitlines()) == 1, m["stderr"]
    with dbmod.reader(db) as con:
        assert con.execute("select incident_id from incidents").fetchall() == [("INC-G",)]
        assert con.execute("select page_id from pages").fetchall() == [("g1",)]
