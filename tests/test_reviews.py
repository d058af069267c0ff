"""Review documents (SPEC §3.8) and the review checks of SPEC §14: postmortem_reviews.

Every expected value is worked out by hand in a comment beside it.
"""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from analytics import db
from analytics.errors import InputError
from analytics.ingest import run
from analytics.ingest.reviews import SECTIONS, is_placeholder, parse_review
from analytics.policy import DEFAULT_POLICY, load_policy

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def doc(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def parse(text: str):
    return parse_review(doc(text), "reviews/r.md", now=NOW)


# ---------------------------------------------------------------- headings and sections

DRESSED = """
# Post-mortem: checkout outage
INCIDENT ID: INC-1
PUBLISHED: 2026-11-05 10:00 UTC

## 1. Incident Summary
Checkout failed for 40 minutes.

**Timeline of events:**
- 14:05 alert fired

ROOT CAUSE ANALYSIS:
The pool was too small.

### What Went Well?
- Rollback took 4 minutes

**Improvements**
TBD

Follow-ups:
- [ ] Add a pool alert OPS-12 — Owner: Ann Lee — Due: 2026-11-20
"""


def test_headings_in_any_dressing_and_their_aliases():
    review = parse(DRESSED)
    r = review.review
    assert r.incident_id == "INC-1"  # INCIDENT ID: is accepted for ID:
    assert r.published_at == datetime(2026, 11, 5, 10, tzinfo=UTC)
    assert r.title == "Post-mortem: checkout outage"  # the H1, as no INCIDENT: line is given
    # "## 1. Incident Summary" (numbered), "**Timeline of events:**" (bold key), "ROOT CAUSE
    # ANALYSIS:" (upper-case key), "### What Went Well?" (question mark), "Follow-ups:" are
    # present; "**Improvements**" has only TBD: a placeholder, so it is missing.
    assert r.sections == (
        "Incident summary",
        "Timeline",
        "Root cause",
        "What went well",
        "Action items",
    )
    assert [(i.description, i.owner, i.ticket) for i in review.action_items] == [
        ("Add a pool alert OPS-12", "Ann Lee", "OPS-12")
    ]
    # blame checks read the root-cause and improvement lines (the TBD line is no content)
    assert [(x.section, x.line_no, x.text) for x in review.lines] == [
        ("root_cause", 12, "The pool was too small.")
    ]


def test_every_alias_of_every_section():
    aliases = {
        "Summary": "Incident summary",
        "Timeline": "Timeline",
        "Root causes": "Root cause",
        "5 Whys": "Root cause",
        "Went well": "What went well",
        "What could be improved": "What could be improved",
        "Action items": "Action items",
    }
    for heading, section in aliases.items():
        for dressing in (f"## {heading}", f"**{heading}:**", f"{heading.upper()}:", f"{heading}:"):
            r = parse(f"ID: X\n\n{dressing}\nsomething real\n").review
            assert r.sections == (section,), dressing


def test_sections_joined_and_split_by_any_heading():
    r = parse(
        """
        ID: X
        ## Root cause
        ## Five Whys
        Why? because
        ## Appendix
        ## Action items
        - [ ] n/a
        """
    ).review
    # "Root cause" and "Five Whys" are one section (the Why line is its content); "Appendix"
    # ends it; the only action item is a placeholder (n/a), so Action items is missing.
    assert r.sections == ("Root cause",)
    assert r.whys == 1


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("TBD", True),
        ("- TODO: write the root cause", True),
        ("TBD - owner to confirm", True),
        ("Todo lists were stale", False),
        ("N/A", True),
        ("...", True),
        ("…", True),
        ("[Describe what happened and for how long]", True),
        ("<owner>", True),
        ("- [ ] [action] — Owner: [name] — Due: [date]", True),
        ("- [ ]", True),
        ("   ", True),
        ("None of the alerts fired", False),
        ("n/a for customers, but billing lagged", False),  # more than the placeholder
        ("- [ ] Fix the pool — Owner: TBD", False),
    ],
)
def test_placeholders_are_not_content(line, expected):
    assert is_placeholder(line) is expected


def test_document_without_id_is_rejected_at_line_1():
    with pytest.raises(InputError) as err:
        parse("## Summary\nthe database fell over\n")
    assert str(err.value).startswith("reviews/r.md:1: ID is missing")


def test_bad_published_is_rejected_at_its_line():
    with pytest.raises(InputError) as err:
        parse("ID: X\nPUBLISHED: last tuesday\n")
    assert str(err.value).startswith("reviews/r.md:2: PUBLISHED 'last tuesday' is not a timestamp")


def test_published_tbd_is_not_published():
    assert parse("ID: X\nPUBLISHED: TBD\n").review.published_at is None


# ---------------------------------------------------------------- whys


def whys(body: str) -> int:
    return parse("ID: X\n" + doc(body)).review.whys


def test_exactly_five_why_lines():
    body = """
    ## Root cause
    The deploy removed an index.
    1. Why did checkout fail? The query timed out.
    2. **Why 2:** the index was gone.
    - Why? A migration dropped it.
    Why 4: the migration was not reviewed.
    *Why* was it not reviewed? No owner for migrations.
    """
    # five lines begin (after a number, bullet or emphasis) with the word Why: 5
    assert whys(body) == 5


def test_five_plain_bullets_are_not_five_whys():
    body = """
    ## 5 Whys
    - the query timed out
    - the index was gone
    - a migration dropped it
    - the migration was not reviewed
    - no owner for migrations
    """
    # no line begins with Why; bullets are never why-steps: 0
    assert whys(body) == 0


def test_numbered_items_under_a_why_heading_or_lead_in():
    under_heading = """
    ## 5 Whys
    1. the query timed out
    2. the index was gone
    3. a migration dropped it
       1. nested: never counts
    4. the migration was not reviewed
    5. no owner for migrations
    """
    # five top-level numbered items under a heading containing "why"; the nested one is not
    assert whys(under_heading) == 5
    lead_in = """
    ## Root cause
    The index was dropped.

    We asked why five times:
    1. the query timed out
    2. the index was gone
    3. a migration dropped it
    """
    assert whys(lead_in) == 3  # the lead-in contains "why"
    no_lead_in = """
    ## Root cause
    Contributing factors:
    1. the query timed out
    2. the index was gone
    """
    assert whys(no_lead_in) == 0  # numbered, but under no heading or lead-in with "why"


def test_nested_why_lines_do_not_count():
    body = """
    ## Root cause
    - Why did it fail? timeouts
      - Why? nested answer
    - Whyte's law does not apply
    """
    # the nested Why is not counted; "Whyte's" does not begin with the word Why: 1
    assert whys(body) == 1


def test_no_document_content_no_whys():
    assert whys("## Root cause\nTBD\n") == 0
    assert set(SECTIONS) == {
        "Incident summary",
        "Timeline",
        "Root cause",
        "What went well",
        "What could be improved",
        "Action items",
    }


# ---------------------------------------------------------------- loading and the view

TIMELINE = """
ID: INC-1
INCIDENT: Checkout errors
SEVERITY: SEV-1
TEAM: payments
STARTED: 2026-11-03 14:00 UTC
DETECTED: 2026-11-03 14:05 UTC — alert
ACKNOWLEDGED: 2026-11-03 14:08 UTC — Ann Lee
RESOLVED: 2026-11-03 16:00 UTC
POSTMORTEM: 2026-11-06 09:00 UTC
IMPACT:
- Users affected: 20%
ACTION ITEMS:
- [ ] Add pool alert OPS-12 — Owner: Ann Lee — Due: 2026-11-20
- [ ] Write runbook — Owner: Bo Chan
"""

REVIEW = """
ID: INC-1
PUBLISHED: 2026-11-04 12:00 UTC

## Summary
Checkout failed.

## Timeline
- 14:05 alert

## Root cause
Ann pushed the pool config.
Announcement and annual review were late; ann is lower case.
Why 1: pool exhausted
Why 2: config halved
Why 3: no canary
Why 4: no review
Why 5: no owner

## What went well
- No human error in the rollback

## What could be improved
- Bo Chan was careless with the rollout
- Nobody is to blame

## Action items
- [ ] Pool alert again OPS-12 — Owner: Ann Lee — Due: 2026-11-20
- [ ] write RUNBOOK — Owner: Bo Chan
- [ ] Add canary stage — Owner: Bo Chan
"""

PEOPLE = "engineer,employee_id,team,timezone\nAnn Lee,E1,payments,UTC\nBo Chan,E2,payments,UTC\n"


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(doc(text) if name.endswith(".md") else text)
    return root


def load(tmp_path: Path, files: dict[str, str], policy=DEFAULT_POLICY):
    root = write(tmp_path / "raw", files)
    path = tmp_path / "w.duckdb"
    report = run.ingest([root], db=path, policy=policy, now=NOW)
    return path, report


def rows(path: Path, sql: str, as_of: datetime = NOW, params=None):
    with db.reader(path, as_of=as_of) as con:
        return con.execute(sql, params or {}).fetchall()


REVIEW_COLUMNS = (
    "has_document, published_at, timeliness_status, sections_missing, whys, whys_status, "
    "items_without_owner_or_due, blame_mentions, review_status"
)


def test_review_checks_of_an_incident(tmp_path):
    path, report = load(
        tmp_path,
        {
            "timelines/INC-1.md": TIMELINE,
            "reviews/INC-1.md": REVIEW,
            "people.csv": PEOPLE,
        },
    )
    assert report.rejections == []
    (row,) = rows(path, f"select {REVIEW_COLUMNS} from postmortem_reviews")
    assert row == (
        True,
        # PUBLISHED (Nov 4 12:00) wins over the timeline's POSTMORTEM (Nov 6 09:00)
        datetime(2026, 11, 4, 12, tzinfo=UTC),
        "met",  # resolved Nov 3 16:00, due Nov 5 16:00; published Nov 4 12:00
        [],  # all six sections have content
        5,  # Why 1 .. Why 5
        "met",  # 5 >= min_whys 5
        # items: timeline (1) OPS-12 owner+due, (2) runbook no due; review: OPS-12 is the same
        # ticket (left out), "write RUNBOOK" is the same text (left out), (3) canary, no due
        2,
        # root cause: "Ann" (first token of Ann Lee, 3 letters) once; "Announcement",
        # "annual" and "ann" are not the name (whole-word, case-sensitive). Improvements:
        # "Bo Chan" (first token "Bo" has 2 letters: the whole name), "careless", "to blame".
        # "human error" is in What went well: not counted. 1 + 3 = 4
        4,
        "breached",  # blame mentions, and the deadline (Nov 5 16:00) has passed at Dec 1
    )
    items = rows(
        path,
        "select item_no, description, owner, due_date is not null from action_items "
        "order by item_no",
    )
    assert items == [
        (1, "Add pool alert OPS-12", "Ann Lee", True),
        (2, "Write runbook", "Bo Chan", False),
        (3, "Add canary stage", "Bo Chan", False),  # numbered on after the timeline's
    ]
    # postmortem_published_at of incident_metrics is the same PUBLISHED time
    assert rows(
        path, "select postmortem_published_at, postmortem_status from incident_metrics"
    ) == [(datetime(2026, 11, 4, 12, tzinfo=UTC), "met")]


def test_review_status_pending_before_the_deadline_and_met_when_clean(tmp_path):
    clean = REVIEW.replace("Ann pushed the pool config.", "The pool config was halved.")
    clean = clean.replace("Announcement and annual review were late; ann is lower case.", "")
    clean = clean.replace("- Bo Chan was careless with the rollout\n", "- Canary every config\n")
    clean = clean.replace("- Nobody is to blame\n", "")
    path, _ = load(
        tmp_path,
        {"timelines/INC-1.md": TIMELINE, "reviews/INC-1.md": clean, "people.csv": PEOPLE},
    )
    sql = "select blame_mentions, review_status from postmortem_reviews"
    assert rows(path, sql) == [(0, "met")]
    # with a sixth why required the check fails: pending up to resolution + 48 h, then breached
    strict = load_policy(write_policy(tmp_path, "[postmortem]\nmin_whys = 6\n"))
    with db.reader(path, as_of=datetime(2026, 11, 5, 16, tzinfo=UTC), policy=strict) as con:
        assert con.execute(
            "select whys_status, review_status from postmortem_reviews"
        ).fetchall() == [("breached", "pending")]  # exactly at the deadline: not after it
    with db.reader(path, as_of=datetime(2026, 11, 5, 16, 1, tzinfo=UTC), policy=strict) as con:
        assert con.execute("select review_status from postmortem_reviews").fetchall() == [
            ("breached",)
        ]


def write_policy(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text)
    return path


def test_blame_phrases_from_the_policy(tmp_path):
    path, _ = load(
        tmp_path,
        {"timelines/INC-1.md": TIMELINE, "reviews/INC-1.md": REVIEW, "people.csv": PEOPLE},
    )
    # phrases replaced whole: only "human error" (in What went well: not counted) and "rollout"
    policy = load_policy(
        write_policy(tmp_path, '[postmortem]\nblame_phrases = ["human error", "rollout"]\n')
    )
    with db.reader(path, as_of=NOW, policy=policy) as con:
        # names: Ann (1), Bo Chan (1); phrases: "rollout" in improvements (1): 3
        assert con.execute("select blame_mentions from postmortem_reviews").fetchall() == [(3,)]


def test_incident_without_review_document(tmp_path):
    path, _ = load(tmp_path, {"timelines/INC-1.md": TIMELINE})
    (row,) = rows(path, f"select {REVIEW_COLUMNS} from postmortem_reviews")
    assert row == (
        False,
        datetime(2026, 11, 6, 9, tzinfo=UTC),  # the timeline's POSTMORTEM
        "breached",  # Nov 6 09:00 is after the due time Nov 5 16:00
        sorted(SECTIONS),  # all six missing
        0,
        "breached",
        1,  # "Write runbook" has no due date
        0,
        "breached",
    )


def test_sev3_is_not_reviewed(tmp_path):
    path, _ = load(tmp_path, {"timelines/INC-1.md": TIMELINE.replace("SEV-1", "SEV-3")})
    assert rows(
        path, "select whys_status, timeliness_status, review_status from postmortem_reviews"
    ) == [("n/a", "n/a", "n/a")]


def test_unresolved_incident_is_pending(tmp_path):
    open_timeline = TIMELINE.replace("RESOLVED: 2026-11-03 16:00 UTC\n", "")
    path, _ = load(tmp_path, {"timelines/INC-1.md": open_timeline})
    assert rows(path, "select review_status from postmortem_reviews") == [("pending",)]


def test_review_for_an_unknown_incident_is_loaded_and_reported(tmp_path):
    path, report = load(
        tmp_path,
        {"timelines/INC-1.md": TIMELINE, "reviews/INC-404.md": "ID: INC-404\n## Summary\nx\n"},
    )
    assert report.rejections == []
    assert report.warnings == [
        f"{run.display_path(tmp_path / 'raw/reviews/INC-404.md')}:1: incident INC-404 is not in "
        "the warehouse (no timeline document or import with that id): the review is loaded and "
        "counts once the incident arrives"
    ]
    assert rows(path, "select incident_id from src_reviews") == [("INC-404",)]
    # no row of its own in the view (one row per incident), and INC-1 has no document
    assert rows(path, "select incident_id, has_document from postmortem_reviews") == [
        ("INC-1", False)
    ]


def test_earliest_published_review_counts_and_others_are_reported(tmp_path):
    later = "ID: INC-1\nPUBLISHED: 2026-11-05 08:00 UTC\n## Summary\nlater version\n"
    path, report = load(
        tmp_path,
        {"timelines/INC-1.md": TIMELINE, "reviews/a.md": later, "reviews/b.md": REVIEW},
    )
    # b.md (Nov 4 12:00) is earlier than a.md (Nov 5 08:00): b.md counts, a.md is reported
    assert [w for w in report.warnings if "earlier review document" in w] == [
        f"{run.display_path(tmp_path / 'raw/reviews/a.md')}:1: incident INC-1 has an earlier "
        f"review document, {run.display_path(tmp_path / 'raw/reviews/b.md')}: only the "
        "earliest PUBLISHED counts"
    ]
    assert rows(path, "select published_at, whys from postmortem_reviews") == [
        (datetime(2026, 11, 4, 12, tzinfo=UTC), 5)
    ]


def test_review_without_id_is_rejected_and_the_rest_loads(tmp_path):
    path, report = load(
        tmp_path,
        {"timelines/INC-1.md": TIMELINE, "reviews/bad.md": "## Summary\nno id here\n"},
    )
    assert len(report.rejections) == 1
    assert report.rejections[0].endswith(
        "reviews/bad.md:1: ID is missing; a review document "
        "names its incident with a line such as 'ID: "
        "INC-2026-001' (or 'INCIDENT ID: INC-2026-001')"
    )
    assert rows(path, "select count(*) from incidents") == [(1,)]


def test_timeline_document_with_went_well_is_its_own_review(tmp_path):
    combined = TIMELINE + doc(
        """
        ## Summary
        Checkout failed.
        ## What went well
        - quick rollback
        """
    )
    path, _ = load(tmp_path, {"timelines/INC-1.md": combined})
    (row,) = rows(
        path, "select has_document, sections_missing, published_at from postmortem_reviews"
    )
    # ACTION ITEMS and the Summary/What went well headings are there; TIMELINE:, ROOT CAUSE:
    # and What could be improved are not. Published: its own POSTMORTEM line.
    assert row == (
        True,
        ["Root cause", "Timeline", "What could be improved"],
        datetime(2026, 11, 6, 9, tzinfo=UTC),
    )
    # its action items are the timeline's, not counted twice
    assert rows(path, "select count(*) from action_items") == [(2,)]


def test_timeline_document_without_those_sections_is_no_review(tmp_path):
    path, _ = load(tmp_path, {"timelines/INC-1.md": TIMELINE + "## Summary\nsomething\n"})
    assert rows(path, "select count(*) from src_reviews") == [(0,)]


def test_dry_run_shows_the_author_each_possible_blame(tmp_path):
    root = write(
        tmp_path / "raw",
        {"reviews/INC-1.md": REVIEW, "people.csv": PEOPLE},
    )
    report = run.ingest([root], db=tmp_path / "none.duckdb", policy=DEFAULT_POLICY, dry_run=True)
    shown = run.display_path(root / "reviews/INC-1.md")
    # lines of REVIEW: 11 "Ann pushed ...", 23 "Bo Chan was careless ...", 24 "... to blame";
    # line 20 has "human error" but in What went well
    assert report.blame == [
        f"{shown}:11: possible blame: Ann",
        f"{shown}:23: possible blame: Bo Chan",
        f"{shown}:23: possible blame: careless",
        f"{shown}:24: possible blame: to blame",
    ]
    assert not (tmp_path / "none.duckdb").exists()


def test_dry_run_takes_names_from_the_warehouse(tmp_path):
    path, _ = load(tmp_path, {"people.csv": PEOPLE})
    single = tmp_path / "one" / "reviews" / "INC-1.md"
    single.parent.mkdir(parents=True)
    single.write_text(doc(REVIEW))
    report = run.ingest([single], db=path, policy=DEFAULT_POLICY, dry_run=True)
    assert [b.rsplit(": ", 1)[1] for b in report.blame] == [
        "Ann",
        "Bo Chan",
        "careless",
        "to blame",
    ]


def test_views_readable_by_a_plain_read_only_client(tmp_path):
    path, _ = load(
        tmp_path,
        {"timelines/INC-1.md": TIMELINE, "reviews/INC-1.md": REVIEW, "people.csv": PEOPLE},
    )
    plain = duckdb.connect(str(path), read_only=True)
    try:
        for view in ("postmortem_reviews", "incident_communication", "severity_audit"):
            plain.execute(f"select * from {view}").fetchall()
            documented = plain.execute(
                "select count(*) from duckdb_columns() where table_name = $v and comment is null",
                {"v": view},
            ).fetchall()
            assert documented == [(0,)], view  # every column carries a COMMENT
        (types,) = plain.execute(
            "select data_type from duckdb_columns() "
            "where table_name = 'postmortem_reviews' and column_name = 'sections_missing'"
        ).fetchall()
        assert types == ("VARCHAR[]",)
    finally:
        plain.close()


def test_published_line_of_a_timeline_document_that_is_its_own_review(tmp_path):
    combined = TIMELINE + "PUBLISHED: 2026-11-04 08:00 UTC\n## What went well\n- rollback\n"
    path, _ = load(tmp_path, {"timelines/INC-1.md": combined})
    # PUBLISHED (Nov 4 08:00) wins over its own POSTMORTEM (Nov 6 09:00): in time
    assert rows(path, "select published_at, timeliness_status from postmortem_reviews") == [
        (datetime(2026, 11, 4, 8, tzinfo=UTC), "met")
    ]


def test_cli_dry_run_prints_blame_lines_on_stdout(tmp_path):
    from tests.conftest import run_cli

    root = write(tmp_path / "raw", {"reviews/INC-1.md": REVIEW, "people.csv": PEOPLE})
    result = run_cli("ingest", "--dry-run", str(root), "--db", str(tmp_path / "w.duckdb"))
    assert result.returncode == 0, result.stderr
    blame = [line for line in result.stdout.splitlines() if "possible blame" in line]
    # the four matches of test_dry_run_shows_the_author_each_possible_blame, nothing else
    assert [b.split(": ", 1)[0].rsplit(":", 1)[1] for b in blame] == ["11", "23", "23", "24"]
    assert blame[0].endswith("reviews/INC-1.md:11: possible blame: Ann")
    assert "possible blame" not in result.stderr


def test_data_coverage_has_a_reviews_row(tmp_path):
    later = "ID: INC-1\nPUBLISHED: 2026-12-20 08:00 UTC\n## Summary\nx\n"
    draft = "ID: INC-1\n## Summary\nnot published yet\n"
    path, _ = load(
        tmp_path,
        {
            "timelines/INC-1.md": TIMELINE,
            "reviews/a.md": REVIEW,
            "reviews/b.md": later,
            "reviews/c.md": draft,
        },
    )
    got = rows(
        path,
        "select source, first_at, last_at, covered_until, rows from data_coverage "
        "where source in ('incidents', 'reviews') order by source",
    )
    started = datetime(2026, 11, 3, 14, tzinfo=UTC)
    assert got == [
        ("incidents", started, started, started, 1),
        # three documents, two published (Nov 4 and Dec 20); covered_until stays the events'
        (
            "reviews",
            datetime(2026, 11, 4, 12, tzinfo=UTC),
            datetime(2026, 12, 20, 8, tzinfo=UTC),
            started,
            3,
        ),
    ]


@pytest.mark.parametrize("seed", range(3))
def test_any_text_is_a_review_or_a_file_line_rejection(seed):
    import random

    rng = random.Random(seed)
    alphabet = "ID:#*_ -\n\t[]()<>WhyRoot cause5.1)TBD…`~é\r\x00PUBLISHED"
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 120)))
        try:
            parse_review(text, "reviews/r.md", now=NOW)
        except InputError as exc:
            assert exc.file == "reviews/r.md" and exc.line >= 1


STRICT_POLICY = """
[response]
sev1_minutes = 5
sev2_minutes = 10
sev3_business_hours = 1
escalate_after_minutes = 10
[status_updates]
sev1_minutes = 5
sev2_minutes = 10
[postmortem]
deadline_hours = 12
min_whys = 6
blame_phrases = ["rollout"]
[business_hours]
timezone = "Europe/Berlin"
start = "10:00"
end = "16:00"
[communication]
within_minutes = 5
"""


@pytest.mark.parametrize("as_of", [datetime(2026, 11, 3, 15, tzinfo=UTC), NOW])
def test_a_strict_policy_reads_what_ingesting_under_it_computes(tmp_path, as_of):
    # The as_of-independent facts are stored at ingest under the stored policy (#20); a reader
    # given another policy must see exactly the rows of a warehouse ingested under that policy.
    files = {"timelines/INC-1.md": TIMELINE, "reviews/INC-1.md": REVIEW, "people.csv": PEOPLE}
    policy_file = write_policy(tmp_path, STRICT_POLICY)
    strict = load_policy(policy_file)
    root = write(tmp_path / "raw", files)  # one folder: the rows name the same source files
    stored_default, stored_strict = tmp_path / "default.duckdb", tmp_path / "strict.duckdb"
    run.ingest([root], db=stored_default, policy=DEFAULT_POLICY, now=NOW)
    run.ingest([root], db=stored_strict, policy=strict, now=NOW)
    views = {
        "incident_responses": "incident_id",
        "incident_metrics": "incident_id",
        "postmortem_reviews": "incident_id",
        "incident_communication": "incident_id, requirement",
    }
    with db.reader(stored_strict, as_of=as_of) as con:
        expected = {
            v: con.execute(f"select * from {v} order by {k}").fetchall() for v, k in views.items()
        }
    with db.reader(stored_default, as_of=as_of, policy=strict) as con:
        got = {
            v: con.execute(f"select * from {v} order by {k}").fetchall() for v, k in views.items()
        }
    with db.reader(stored_default, as_of=as_of) as con:
        default = {
            v: con.execute(f"select * from {v} order by {k}").fetchall() for v, k in views.items()
        }
    assert got == expected
    assert default != expected  # the policy does change these rows
