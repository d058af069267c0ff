"""The weekly report's review sections (SPEC §14, §15; issues 18.5 and 19.1): data and HTML.

The warehouse is tests/test_reports.py's (week 2026-W44 = Mon 26 Oct – Sun 1 Nov 2026,
report time Mon 2 Nov 00:00 UTC) plus, by hand: review documents, timeline lines, an impact
and hand-overs with notes, so every figure below can be worked out by reading the rows.
"""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from test_reports import AS_OF, PEOPLE_NAMES, WEEK, _visible_text, build_warehouse

from analytics import db, weekly, weekly_reviews, weekly_reviews_html
from tests.conftest import week_run, weekly_report


def _t(day: int, hour: int = 0, minute: int = 0, month: int = 10) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


ALL_SECTIONS = [
    "Incident summary",
    "Timeline",
    "Root cause",
    "What went well",
    "What could be improved",
    "Action items",
]


def add_review_rows(path: Path) -> Path:
    con = duckdb.connect(str(path))
    con.execute("SET TimeZone='UTC'")
    # 2026-10-26-db (SEV-1 payments): a complete review published Tue 27 Oct 09:00 (in W44),
    # with a person's name in its root cause (one blame mention). 2026-10-20-old: published
    # Wed 21 Oct, the week before: not presented this week.
    con.execute(
        "insert into src_reviews values"
        " ('2026-10-26-db', 'Failover after Zebedee restarted the primary', $1, $3, 5,"
        "  'review', 1, '/data/raw/reviews/2026/db.md'),"
        " ('2026-10-20-old', 'Old one', $2, $3, 5, 'review', 1, 'reviews/old.md')",
        [_t(27, 9), _t(21, 5), ALL_SECTIONS],
    )
    con.execute(
        "insert into src_review_lines values ('2026-10-26-db', 'Root cause', 12,"
        " 'Zebedee Quartermaine restarted the wrong node', '/data/raw/reviews/2026/db.md')"
    )
    # Communication of 2026-10-26-db (detected Mon 26 Oct 10:05, 60 min window: due 11:05):
    # the on-call SRE at 10:10 (met); #exec-war-room at 12:00 (late: breached).
    con.execute(
        "insert into src_timeline_events values"
        " ('2026-10-26-db', $1, 'event', 'Paged the on-call SRE', 20, 'timelines/2026-10-26-db.md',"
        "  null),"
        " ('2026-10-26-db', $2, 'event', 'Posted in #exec-war-room', 21,"
        "  'timelines/2026-10-26-db.md', null)",
        [_t(26, 10, 10), _t(26, 12)],
    )
    # 2026-10-29-cache is declared SEV-3 but 100% of users were affected: under-declared.
    con.execute(
        "update src_incidents set users_affected_pct = 100 where incident_id = '2026-10-29-cache'"
    )
    # search: Ignatius until Fri 30 Oct 00:00, Ottoline until Sat 31 Oct 00:00, Ignatius again
    # (the fixture's Ignatius shift ends Fri 30 Oct). Hand-overs: Fri 30 Oct 00:00 (from
    # Ignatius, note Thu 29 Oct 12:00: 12 h before, inside the 24 h window: met) and Sat 31 Oct
    # 00:00 (from Ottoline, no note; window closed Sat 04:00 < report time: breached).
    con.execute(
        "insert into oncall_shifts values"
        " ('search', 'Ottoline Brackenbury', $1, $2, false),"
        " ('search', 'Ignatius Fairweather', $2, $3, false)",
        [_t(30), _t(31), _t(2, month=11)],
    )
    con.execute(
        "insert into src_handoffs values ('search', 'Ignatius Fairweather',"
        " 'Ottoline Brackenbury', $1, 5, 1, 'handoffs/2026-10-30.md')",
        [_t(29, 12)],
    )
    db.store_facts(con)  # as an ingest does after loading rows
    con.close()
    return path


@pytest.fixture(scope="module")
def review_warehouse(tmp_path_factory) -> Path:
    return add_review_rows(build_warehouse(tmp_path_factory.mktemp("wh") / "warehouse.duckdb"))


@pytest.fixture(scope="module")
def week(review_warehouse) -> weekly.WeeklyData:
    return weekly.load_week(week_run(db=review_warehouse, period=WEEK, as_of=AS_OF))


def test_postmortems_to_present_are_the_documents_published_in_the_week(week):
    presented = week.reviews.presented
    # 2026-10-20-old was published the week before: only 2026-10-26-db
    assert presented["incident_id"].tolist() == ["2026-10-26-db"]
    row = presented.iloc[0]
    assert (row["team"], row["service"], row["severity"]) == ("payments", "ledger", 1)
    assert row["title"] == "Failover after someone restarted the primary"  # scrubbed
    assert row["document"] == "reviews/2026/db.md"
    assert row["review_status"] == "breached"  # a blame mention, the deadline (28 Oct) passed


def test_reviews_of_incidents_older_than_the_trend_are_still_shown(review_warehouse, tmp_path):
    # The report computes the incident views for the incidents it shows only (the trend
    # window, and the post-mortems published or due in the week): with a one-week trend,
    # 2026-10-13-older (W42) gets a review published Wed 28 Oct, and 2026-10-05-late (W41,
    # resolved Sun 25 Oct 12:00) is due Tue 27 Oct 12:00 (48 h) and unpublished. Both are
    # this week's, whatever the trend's length.
    path = tmp_path / "w.duckdb"
    shutil.copy(review_warehouse, path)
    con = duckdb.connect(str(path))
    con.execute("SET TimeZone='UTC'")
    con.execute(
        "insert into src_reviews values ('2026-10-13-older', 'Older slowness review', $1, $2,"
        " 5, 'review', 1, 'reviews/older.md')",
        [_t(28, 9), ALL_SECTIONS],
    )
    con.execute(
        "insert into src_incidents (incident_id, title, severity, team, service, started_at,"
        " detected_at, acknowledged_at, mitigated_at, resolved_at, source_file, source_kind)"
        " values ('2026-10-05-late', 'Slow drift', 2, 'search', 'search-api', $1, $1, $1, $2,"
        " $2, 'timelines/2026-10-05-late.md', 'timeline')",
        [_t(5, 3), _t(25, 12)],
    )
    db.store_facts(con)
    con.close()
    one, twelve = (
        weekly.load_week(week_run(db=path, period=WEEK, as_of=AS_OF), weeks) for weeks in (1, 12)
    )
    assert "2026-10-13-older" in one.reviews.presented["incident_id"].tolist()
    pd.testing.assert_frame_equal(one.reviews.presented, twelve.reviews.presented)
    pd.testing.assert_frame_equal(one.reviews.checks, twelve.reviews.checks)
    # search: 2026-10-13-older (published in W44), 2026-10-05-late and 2026-10-27-api (due)
    assert one.reviews.checks.set_index("team").loc["search", "reviews"] == 3
    pd.testing.assert_frame_equal(one.previous_summary, twelve.previous_summary)


def test_a_document_published_after_the_report_time_is_not_presented(review_warehouse):
    # as of Tue 27 Oct 08:00, the 09:00 publication of 2026-10-26-db has not happened yet
    early = weekly.load_week(
        week_run(db=review_warehouse, period=WEEK, as_of="2026-10-27T08:00:00Z")
    )
    assert early.reviews.presented.empty


def test_review_checks_per_team_count_published_or_due_in_the_week(week):
    checks = week.reviews.checks.set_index("team")
    # payments: 2026-10-26-db published in W44: every section, 5 whys, 1 blame mention;
    # 2026-10-31-open is unresolved (no due date) and unpublished: not in this week's checks.
    assert checks.loc["payments"].to_dict() == {
        "reviews": 1,
        "met": 0,
        "breached": 1,
        "pending": 0,
        "without_document": 0,
        "with_sections_missing": 0,
        "too_few_whys": 0,
        "items_without_owner_or_due": 0,
        "blame_mentions": 1,
    }
    # search: 2026-10-27-api due Thu 29 Oct 16:00, no document: 6 sections missing, 0 whys
    assert checks.loc["search"].to_dict() == {
        "reviews": 1,
        "met": 0,
        "breached": 1,
        "pending": 0,
        "without_document": 1,
        "with_sections_missing": 1,
        "too_few_whys": 1,
        "items_without_owner_or_due": 0,
        "blame_mentions": 0,
    }


def test_communication_per_severity_and_requirement(week):
    comm = week.reviews.communication.set_index(["severity", "requirement"])
    # SEV-1 (one incident): on-call SRE met at 10:10; #exec-war-room at 12:00 is after 11:05
    assert comm.loc[(1, "oncall_sre")].tolist() == [1, 0, 0]
    assert comm.loc[(1, "exec_channel")].tolist() == [0, 1, 0]
    # SEV-2: 2026-10-27-api and 2026-10-31-open, no lines: both breached per requirement
    assert comm.loc[(2, "team_lead")].tolist() == [0, 2, 0]
    assert len(comm) == 5 + 3  # five SEV-1 requirements, three SEV-2 ones
    shown = weekly_reviews_html.communication_table(week.reviews)
    assert shown.columns.tolist() == [
        "severity",
        "requirement",
        "met",
        "breached",
        "pending",
        "compliance",
    ]
    sre = shown[(shown["severity"] == "SEV-1") & (shown["requirement"] == "on-call SRE paged")]
    assert sre["compliance"].tolist() == ["1 of 1 (100%)"]


def test_possible_misclassifications_name_teams_and_incidents_only(week):
    audit = week.reviews.audit.set_index("incident_id")
    assert audit.loc["2026-10-29-cache", "finding"] == "under_declared"
    assert audit.loc["2026-10-29-cache", "evidence_severity"] == 1
    assert audit.loc["2026-10-29-cache", "team"] == "search"
    # the other three of W44 recorded no impact
    others = audit.drop(index="2026-10-29-cache")["finding"]
    assert sorted(others.index) == ["2026-10-26-db", "2026-10-27-api", "2026-10-31-open"]
    assert set(others) == {"no_impact_recorded"}
    assert "engineer" not in " ".join(audit.columns)


def test_handoffs_per_team_in_the_week(week):
    # search: Fri 30 Oct met (note 12 h before), Sat 31 Oct breached; payments: one engineer
    assert week.reviews.handoffs.to_dict("records") == [
        {"team": "search", "met": 1, "breached": 1, "pending": 0}
    ]
    assert weekly_reviews_html.compliance_share(1, 1) == "1 of 2 (50%)"
    assert weekly_reviews_html.compliance_share(0, 0) == "—"
    assert week.reviews.not_provided == ()  # reviews, hand-off notes and rotations all given


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("/data/raw/reviews/2026/db.md", "reviews/2026/db.md"),
        ("timelines/2026-10-26-db.md", "timelines/2026-10-26-db.md"),
        ("C:\\work\\reviews\\x.md", "reviews/x.md"),
        ("/elsewhere/x.md", "x.md"),
    ],
)
def test_document_path_starts_at_its_folder(source, shown):
    assert weekly_reviews.document_path(source) == shown


def test_requirement_labels_are_words():
    assert weekly_reviews_html.requirement_label("vp_engineering") == "VP Engineering told"
    assert weekly_reviews_html.requirement_label("status_page_posted") == "status page posted"


def test_a_warehouse_without_reviews_or_notes_says_so(tmp_path):
    data = weekly.load_week(
        week_run(db=build_warehouse(tmp_path / "w.duckdb"), period=WEEK, as_of=AS_OF)
    )
    assert set(data.reviews.not_provided) == {"reviews", "handoffs"}
    assert data.reviews.presented.empty
    assert data.reviews.handoffs.empty


@pytest.fixture(scope="module")
def review_html(review_warehouse, tmp_path_factory) -> str:
    out = weekly_report(WEEK, AS_OF, tmp_path_factory.mktemp("out"), review_warehouse, 0)
    return out.read_text("utf-8")


def test_the_weekly_report_shows_the_review_sections(review_html):
    text = re.sub(r"\s+", " ", _visible_text(review_html))
    for heading in (
        "Post-mortems to present",
        "Post-mortem review checks by team",
        "Communication by severity",
        "Possible misclassifications",
        "Hand-offs by team",
    ):
        assert heading in text, heading
    assert "reviews/2026/db.md" in text
    assert "Failover after someone restarted the primary" in text
    assert "on-call SRE paged" in text
    assert "under-declared" in text
    assert "1 of 2 (50%)" in text  # search hand-offs
    # blameless: no name of anyone, not even the blamed one or the note's author
    for name in PEOPLE_NAMES:
        assert name.lower() not in review_html.lower(), name
    # human headers only
    raw = [
        "without_document",
        "too_few_whys",
        "items_without_owner_or_due",
        "blame_mentions",
        "declared_severity",
        "evidence_severity",
        "review_status",
        "oncall_sre",
    ]
    assert [h for h in raw if h in text] == []
    assert "Traceback" not in review_html


def test_empty_sections_say_so_plainly(tmp_path):
    html = weekly_report(
        WEEK, AS_OF, tmp_path, build_warehouse(tmp_path / "w.duckdb"), 0
    ).read_text("utf-8")
    text = re.sub(r"\s+", " ", _visible_text(html))
    assert "No review documents (reviews/**/*.md) are in the warehouse" in text
    assert "No hand-off notes (handoffs/**/*.md) are in the warehouse" not in text  # no hand-over
    assert "No hand-over between engineers this week." in text
