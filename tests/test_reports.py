"""Weekly report: parameter and path validation, data assembly, and the HTML it renders.

The warehouse is built by hand here (a dozen rows) so the expectations can be worked out
by reading the rows: week 2026-W44 is Mon 26 Oct – Sun 1 Nov 2026.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics import db, reports, weekly
from analytics.errors import UsageError
from analytics.policy import DEFAULT_POLICY

AS_OF = "2026-11-02T00:00:00Z"
WEEK = "2026-W44"
# Every name below is a person: none may appear in the weekly report.
PEOPLE = [
    ("Zebedee Quartermaine", "E1", "payments", "Europe/Lisbon"),
    ("Ottoline Brackenbury", "E2", "payments", "America/New_York"),
    ("Ignatius Fairweather", "E3", "search", "UTC"),
]
PEOPLE_NAMES = [
    "Zebedee",
    "Quartermaine",
    "Ottoline",
    "Brackenbury",
    "Ignatius",
    "Fairweather",
    "Pemberton",
]  # Pemberton: an acknowledger missing from people


def _t(day: int, hour: int = 0, minute: int = 0, month: int = 10) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def build_warehouse(path: Path) -> Path:
    """A small warehouse: 4 incidents in W44, 2 in the weeks before, pages, rotations."""
    con = duckdb.connect(str(path))
    con.execute("SET TimeZone='UTC'")
    db.create_schema(con)
    db.write_policy(con, DEFAULT_POLICY)
    for i, (name, emp, team, tz) in enumerate(PEOPLE, 1):
        con.execute(
            "insert into src_people (engineer, employee_id, team, timezone, email, line_no, "
            "source_file) values ($1, $2, $3, $4, null, $5, 'people.csv')",
            [name, emp, team, tz, i + 1],
        )
    incidents = [
        # id, title, sev, team, service, started, detected, acked, acked_by, mitigated,
        # resolved, postmortem
        (
            "2026-10-26-db",
            "Zebedee restarted the primary database",
            1,
            "payments",
            "ledger",
            _t(26, 10),
            _t(26, 10, 5),
            _t(26, 10, 15),
            "zebedee quartermaine",
            _t(26, 11),
            _t(26, 12),
            _t(27, 9),
        ),
        (
            "2026-10-27-api",
            "API latency after deploy by Brackenbury",
            2,
            "search",
            "search-api",
            _t(27, 14),
            _t(27, 14, 2),
            _t(27, 14, 50),
            "Ottoline Brackenbury",
            _t(27, 15),
            _t(27, 16),
            None,
        ),
        (
            "2026-10-29-cache",
            "Cache stampede",
            3,
            "search",
            "search-api",
            _t(29, 9),
            _t(29, 9, 10),
            _t(29, 9, 30),
            "Pemberton",
            _t(29, 10),
            _t(29, 11),
            None,
        ),
        (
            "2026-10-31-open",
            "Queue backlog still open",
            2,
            "payments",
            "queue",
            _t(31, 20),
            _t(31, 20, 1),
            None,
            None,
            None,
            None,
            None,
        ),
        (
            "2026-10-20-old",
            "Earlier outage",
            1,
            "payments",
            "ledger",
            _t(20, 3),
            _t(20, 3, 1),
            _t(20, 3, 10),
            "Ignatius Fairweather",
            _t(20, 4),
            _t(20, 5),
            _t(21, 5),
        ),
        (
            "2026-10-13-older",
            "Older slowness",
            2,
            "search",
            "search-api",
            _t(13, 3),
            _t(13, 3, 1),
            _t(13, 3, 10),
            "Ignatius Fairweather",
            _t(13, 4),
            _t(13, 8),
            _t(14, 5),
        ),
    ]
    for row in incidents:
        con.execute(
            "insert into src_incidents (incident_id, title, severity, team, service, started_at,"
            " detected_at, acknowledged_at, acknowledged_by, mitigated_at, resolved_at,"
            " postmortem_published_at, source_file, source_kind)"
            " values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'timeline')",
            [*row, f"timelines/{row[0]}.md"],
        )
    con.execute(
        "insert into src_action_items values"
        " ('2026-10-26-db', 1, 'Add failover drill (owner Zebedee Quartermaine)',"
        "  'Zebedee Quartermaine', '2026-10-30', 'OPS-1', false, 10, 'timelines/2026-10-26-db.md'),"
        " ('2026-10-26-db', 2, 'Alert on replica lag', 'Ottoline Brackenbury', '2026-11-20',"
        "  'OPS-2', true, 11, 'timelines/2026-10-26-db.md')"
    )
    pages = [
        (
            "p1",
            _t(26, 10, 5),
            "Zebedee Quartermaine",
            "payments",
            "ledger",
            "2026-10-26-db",
            _t(26, 10, 8),
        ),
        (
            "p2",
            _t(28, 23, 30),
            "Ignatius Fairweather",
            "search",
            "search-api",
            None,
            _t(28, 23, 40),
        ),
    ]
    for p in pages:
        con.execute(
            "insert into src_pages values ($1, $2, $3, $4, $5, $6, $7, $3, null, 'high', 1,"
            " 'pages.csv')",
            list(p),
        )
    con.execute(
        "insert into oncall_shifts values"
        " ('payments', 'Zebedee Quartermaine', $1, $2, false),"
        " ('search', 'Ignatius Fairweather', $1, $3, false)",
        [_t(19), _t(2, month=11), _t(30)],
    )
    con.execute(
        "insert into rotation_findings values ('search', 'gap', $1, $2,"
        " 'nobody after Ignatius Fairweather', 'rotations.csv')",
        [_t(30), _t(2, month=11)],
    )
    run = _t(2, 1, month=11)
    con.execute(
        "insert into ingest_log (run_id, run_started_at, file, sha256, kind, rows, status, error)"
        " values ('r1', $1, '/data/raw/timelines/2026-10-26-db.md', 'x', 'timeline', 1,"
        "  'loaded', null),"
        " ('r1', $1, '/data/raw/timelines/bad.md', 'y', 'timeline', 0, 'rejected',"
        "  '/data/raw/timelines/bad.md:4: SEVERITY ''SEV-7'' is not one of SEV-1, SEV-2, SEV-3')",
        [run],
    )
    db.install_views(con)
    con.close()
    return path


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("wh") / "warehouse.duckdb")


# ----------------------------------------------------------------- validation before a kernel


@pytest.fixture
def no_kernel(monkeypatch):
    """Fail the test if anything tries to start a kernel or run papermill."""

    def boom(*args, **kwargs):
        raise AssertionError("a kernel was started before the parameters were validated")

    import papermill

    monkeypatch.setattr(papermill, "execute_notebook", boom)
    monkeypatch.setattr(reports, "ensure_kernel", boom)


@pytest.mark.parametrize("week", ["2026-W60", "2026-W00", "2026W44", "../x", "2026-W4", "2025-W53"])
def test_bad_week_is_a_usage_error_naming_the_value(week, tmp_path, warehouse, no_kernel):
    with pytest.raises(UsageError, match=re.escape(repr(week))) as info:
        reports.weekly_report(week, None, tmp_path, warehouse, 0)
    assert info.value.exit_code == 2
    assert not any(tmp_path.iterdir())


def test_week_53_of_a_long_year_is_accepted():
    start, end = weekly.parse_week("2026-W53")
    assert start == datetime(2026, 12, 28, tzinfo=UTC)
    assert end - start == timedelta(days=7)


@pytest.mark.parametrize("name", ["../x", "a/b", "Weekly", "", "x y", ".."])
def test_report_names_outside_the_pattern_are_refused(name, tmp_path, no_kernel):
    with pytest.raises(UsageError, match="name"):
        reports.output_path(tmp_path, name, "allhands.html")


def test_output_path_refuses_a_symlink_leaving_the_folder(tmp_path, no_kernel):
    outside = tmp_path / "outside"
    outside.mkdir()
    out_dir = tmp_path / "reports"
    out_dir.mkdir()
    (out_dir / "weekly").symlink_to(outside, target_is_directory=True)
    with pytest.raises(UsageError, match="outside"):
        reports.output_path(out_dir, "weekly", "2026-W44", "allhands.html")


def test_run_report_refuses_unknown_and_mistyped_parameters(tmp_path, no_kernel):
    with pytest.raises(UsageError, match="colour"):
        reports.run_report("weekly_allhands", {"colour": "red"}, tmp_path / "x.html")
    with pytest.raises(UsageError, match="weeks_of_trend"):
        reports.run_report("weekly_allhands", {"weeks_of_trend": "12"}, tmp_path / "x.html")
    with pytest.raises(UsageError, match="nope"):
        reports.run_report("nope", {}, tmp_path / "x.html")
    with pytest.raises(UsageError, match="Weekly/"):
        reports.run_report("Weekly/", {}, tmp_path / "x.html")


def test_bad_as_of_is_a_usage_error(tmp_path, warehouse, no_kernel):
    with pytest.raises(UsageError, match="yesterday"):
        reports.weekly_report(WEEK, "yesterday", tmp_path, warehouse, 0)


def test_missing_warehouse_fails_before_a_kernel(tmp_path, no_kernel):
    with pytest.raises(Exception, match="no warehouse"):
        reports.weekly_report(WEEK, AS_OF, tmp_path, tmp_path / "missing.duckdb", 0)


@pytest.mark.parametrize(
    ("as_of", "week"),
    [
        ("2026-11-02T00:00:00Z", "2026-W44"),  # Monday 00:00: W44 has just ended
        ("2026-11-08T23:59:00Z", "2026-W44"),  # Sunday night: W45 is not complete yet
        ("2026-11-09T00:00:00Z", "2026-W45"),
        ("2027-01-04T09:00:00Z", "2026-W53"),  # 2026 has 53 ISO weeks
    ],
)
def test_default_week_is_the_last_complete_one(as_of, week):
    assert weekly.last_complete_week(weekly.parse_as_of(as_of)) == week


# ----------------------------------------------------------------- data assembly


def test_load_week_reads_the_week_and_scrubs_names(warehouse):
    data = weekly.load_week(warehouse, WEEK, AS_OF, 12, wait=0)
    # 4 incidents started in W44: one SEV-1, two SEV-2, one SEV-3
    assert sorted(data.incidents["severity"]) == [1, 2, 2, 3]
    titles = " ".join(data.incidents["title"])
    assert "someone restarted the primary database" in titles
    assert "deploy by someone" in titles
    assert len(data.weekly_counts) == 12 * 3
    lines = weekly.headline(data)
    # SEV-1: 1 this week; the 11 weeks before hold one SEV-1 (W43): 1/11 = 0.1
    assert lines[0] == "1 SEV-1 this week; average of the previous 11 weeks 0.1."
    assert any("still open" in x for x in lines)
    assert data.footer["policy_version"] == DEFAULT_POLICY.version
    assert len(data.rejected) == 1
    assert list(data.rotation_gaps["team"]) == ["search"]


def test_load_week_applies_a_policy_file(warehouse, tmp_path):
    # the SEV-2 of 27 Oct was acknowledged 48 min after detection: breached at 30, met at 60
    policy = tmp_path / "policy.toml"
    policy.write_text("[response]\nsev2_minutes = 60\n", encoding="utf-8")
    default = weekly.load_week(warehouse, WEEK, AS_OF, 4, wait=0)
    relaxed = weekly.load_week(warehouse, WEEK, AS_OF, 4, wait=0, policy=policy)

    def status(data):
        rows = data.incidents.set_index("incident_id")
        return rows.loc["2026-10-27-api", "response_status"]

    assert (status(default), status(relaxed)) == ("breached", "met")


def test_bad_policy_file_fails_before_a_kernel(tmp_path, warehouse, no_kernel):
    policy = tmp_path / "policy.toml"
    policy.write_text("[response]\nsev9_minutes = 1\n", encoding="utf-8")
    with pytest.raises(UsageError, match="sev9"):
        reports.weekly_report(WEEK, AS_OF, tmp_path / "out", warehouse, 0, policy=policy)


def test_scrubber_matches_whole_words_in_any_case():
    s = weekly.Scrubber(["Ana Lima", "Bo"])
    assert s.text("ANA LIMA paged; lima too; Bob stays; bo went") == (
        "someone paged; someone too; Bob stays; someone went"
    )


def test_scrubber_takes_the_longest_name_that_ends_at_a_word_edge():
    s = weekly.Scrubber(["Ana Lima", "ana.lima@example.com"])
    # words: "Ana Lima", "Ana", "Lima", the address and its local part "ana.lima"
    assert s.text("Ana Lima's note; ana.lima@example.com; ana.lima; Ana Limax; Anabel") == (
        "someone's note; someone; someone; someone Limax; Anabel"
    )
    # single words shorter than three letters are not names on their own
    assert weekly.Scrubber(["Bo Li"]).text("Bo went; bo li went") == "Bo went; someone went"


_ALPHABET = "abAB .-@'"


@settings(max_examples=300, deadline=None)
@given(
    names=st.lists(st.text(_ALPHABET, min_size=1, max_size=8), max_size=8),
    text=st.text(_ALPHABET + "x_", max_size=40),
)
def test_scrubber_replaces_what_one_alternation_of_all_words_would(names, text):
    # the trie-shaped pattern against the plain one: every word, longest first
    words = set()
    for raw in names:
        name = " ".join(raw.split())
        if name:
            words.add(name)
            if " " in name:
                words.update(p for p in name.split(" ") if len(p) >= 3)
            if "@" in name:
                words.add(name.split("@", 1)[0])
    expected = text
    if words:
        alternatives = sorted((re.escape(w) for w in words), key=len, reverse=True)
        plain = re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)
        expected = plain.sub("someone", text)
    assert weekly.Scrubber(names).text(text) == expected


def test_team_charts_keep_the_teams_with_the_most_and_say_so():
    teams = pd.DataFrame(
        {
            "team": [f"t{i:02d}" for i in range(25)],
            # t00 has 0 pages, t01 1, ... t24 24, except t03 with 20
            "pages": [20 if i == 3 else i for i in range(25)],
        }
    )
    shown, subtitle = weekly.top_teams(teams, ["pages"], "pages", limit=20)
    # t24..t21 (4 teams), t03 and t20 at 20 (2), t19..t06 (14): t05 and below are left out;
    # the rows keep their order
    assert shown["team"].tolist() == ["t03", *[f"t{i:02d}" for i in range(6, 25)]]
    assert subtitle == "The 20 of 25 teams with the most pages; the table lists every team."
    few, none = weekly.top_teams(teams.head(20), ["pages"], "pages", limit=20)
    assert few.equals(teams.head(20))
    assert none is None


# ----------------------------------------------------------------- end to end (papermill)


def _run_weekly(warehouse: Path, out_dir: Path) -> Path:
    return reports.weekly_report(WEEK, AS_OF, out_dir, warehouse, 0)


@pytest.fixture(scope="module")
def weekly_html(warehouse, tmp_path_factory) -> Path:
    return _run_weekly(warehouse, tmp_path_factory.mktemp("reports"))


def test_weekly_report_smoke(weekly_html):
    """Default tier: the weekly notebook runs in-process and gives one offline HTML file."""
    assert weekly_html.name == "allhands.html"
    assert weekly_html.parent.name == WEEK
    assert (weekly_html.parent / "allhands.ipynb").exists()
    text = weekly_html.read_text("utf-8")
    # at least 3 charts drawn as inline SVG, each with marks
    charts = re.findall(r"<svg.*?</svg>", text, flags=re.S)
    drawn = [c for c in charts if "role-mark" in c and "<path" in c]
    assert len(drawn) >= 3, f"{len(drawn)} charts with marks"
    # nothing loaded from the network
    external = re.findall(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", text, flags=re.I)
    assert external == []
    assert "<script src" not in text
    # blameless: no person's name anywhere
    for name in PEOPLE_NAMES:
        assert name.lower() not in text.lower(), name
    # code cells are hidden
    assert "load_week" not in text
    assert "Traceback" not in text


@pytest.mark.slow
def test_weekly_report_rerun_replaces_files_atomically(warehouse, tmp_path):
    first = _run_weekly(warehouse, tmp_path)
    second = _run_weekly(warehouse, tmp_path)
    assert first == second
    assert sorted(p.name for p in first.parent.iterdir()) == ["allhands.html", "allhands.ipynb"]


@pytest.mark.slow
def test_weekly_report_on_an_empty_week(warehouse, tmp_path):
    html = reports.weekly_report("2026-W30", AS_OF, tmp_path, warehouse, 0).read_text("utf-8")
    assert "No incidents started this week." in html


def _chromium() -> str | None:
    return shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )


@pytest.mark.slow
@pytest.mark.skipif(_chromium() is None, reason="chromium not installed (apt-get install chromium)")
def test_weekly_report_draws_offline_in_headless_chromium(weekly_html, tmp_path):
    result = subprocess.run(
        [
            _chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=8000",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost",
            "--dump-dom",
            weekly_html.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    dom = result.stdout
    charts = re.findall(r"<svg.*?</svg>", dom, flags=re.S)
    assert len([c for c in charts if "role-mark" in c and "<path" in c]) >= 3
    assert "Error loading script" not in dom


def test_notebook_errors_keep_the_analytics_exit_status(tmp_path):
    from papermill.exceptions import PapermillExecutionError

    from analytics.errors import WarehouseBusy

    busy = PapermillExecutionError(3, 1, "x", "WarehouseBusy", "held by PID 7", [])
    err = reports._notebook_error(busy, tmp_path / "a.failed.ipynb")
    assert isinstance(err, WarehouseBusy)
    assert err.exit_code == 3
    assert "PID 7" in str(err)
    other = reports._notebook_error(
        PapermillExecutionError(3, 1, "x", "KeyError", "'x'", []), tmp_path / "a.failed.ipynb"
    )
    assert type(other).__name__ == "AnalyticsError"
    assert "a.failed.ipynb" in str(other)


@pytest.mark.slow
def test_a_failing_cell_keeps_the_failed_notebook_and_writes_no_html(tmp_path):
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(
        cells=[
            new_code_cell('x: str = "a"  # a value', metadata={"tags": ["parameters"]}),
            new_code_cell("raise ValueError(x)"),
        ]
    )
    source = tmp_path / "broken.ipynb"
    nbformat.write(nb, source)
    out = tmp_path / "out" / "broken.html"
    with pytest.raises(Exception, match="ValueError: zz"):
        reports.run_report(str(source), {"x": "zz"}, out)
    assert not out.exists()
    assert (tmp_path / "out" / "broken.failed.ipynb").exists()
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["broken.failed.ipynb"]
