"""The committed sample, ingested: it loads cleanly and has the shape the demo relies on."""

from __future__ import annotations

import duckdb


def q(db, sql: str):
    con = duckdb.connect(str(db), read_only=True)
    try:
        con.execute("SET TimeZone='UTC'")
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_sample_ingests_cleanly(sample_warehouse):
    statuses = q(sample_warehouse, "select status, count(*) from ingest_log group by 1")
    # 150 documents, pages, rotations, people, the Jira export, 62 hand-off notes and (since
    # the sample gained the review process, #18.6) 48 review documents: 150 + 4 + 62 + 48
    assert dict(statuses) == {"loaded": 265}  # + comp_time/taken.csv, now an input kind
    assert q(sample_warehouse, "select count(*) from ingest_log where error is not null") == [(0,)]


def test_severity_counts_fall_with_severity(sample_warehouse):
    counts = dict(q(sample_warehouse, "select severity, count(*) from incidents group by 1"))
    assert counts[3] > counts[2] > counts[1] > 0


def test_durations_are_heavy_tailed(sample_warehouse):
    ((median, p90),) = q(
        sample_warehouse,
        "select quantile_cont(ttr_s, 0.5), quantile_cont(ttr_s, 0.9) from incident_metrics",
    )
    assert p90 / median >= 3


def test_people_span_time_zones_and_rotations_have_overrides(sample_warehouse):
    assert q(sample_warehouse, "select count(distinct timezone) from people")[0][0] >= 3
    assert q(sample_warehouse, "select count(*) from oncall_shifts where is_override")[0][0] >= 1


def test_overnight_pages_in_the_recipients_own_time_zone(sample_warehouse):
    ((n,),) = q(
        sample_warehouse,
        """
        select count(*) from pages as p join people as e on e.engineer = p.recipient
        where hour(timezone(e.timezone, p.sent_at)) >= 22
           or hour(timezone(e.timezone, p.sent_at)) < 7
        """,
    )
    assert n >= 5


def test_a_sev1_was_acknowledged_by_someone_not_on_call(sample_warehouse):
    rows = q(
        sample_warehouse,
        """
        select i.incident_id from incidents as i
        left join oncall_shifts as s
            on s.team = i.team and i.detected_at >= s.start_at and i.detected_at < s.end_at
        where i.severity = 1 and i.acknowledged_by is not null
          and lower(i.acknowledged_by) <> lower(coalesce(s.engineer, ''))
        """,
    )
    assert len(rows) >= 1


def test_every_spelling_variant_of_the_spec_appears(sample_warehouse):
    from tests.conftest import SAMPLE

    texts = [p.read_text() for p in (SAMPLE / "timelines").rglob("*.md")]
    blob = "\n".join(texts)
    for variant in [
        "SEV-1",
        "SEV1",
        "Sev 1",
        "sev-1",
        " — ",
        " – ",
        " -- ",
        "**STARTED:**",
        "## TIMELINE",
        "- [x]",
        "- [X]",
        " UTC\n",
    ]:
        assert variant in blob, variant
    import re

    assert re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", blob)  # ISO with Z
    assert re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", blob)  # offset
    assert re.search(r"^STARTED: \d{4}-\d\d-\d\d \d\d:\d\d$", blob, re.M)  # naive
    assert any(
        " - " in line and line.startswith(("DETECTED", "Detected", "detected"))
        for t in texts
        for line in t.splitlines()
    )


# --- the review process and on-call health (#18.6, #19.5): what `make demo` shows ---------


def test_reviews_in_realistic_variety_and_two_to_present_in_the_demo_week(sample_warehouse):
    rows = q(
        sample_warehouse,
        """
        select review_status, whys, blame_mentions > 0, len(sections_missing)
        from postmortem_reviews where has_document
        """,
    )
    whys = {r[1] for r in rows}
    assert {0, 3, 5} <= whys  # plain bullets or TBD, three whys, five whys
    assert any(r[2] for r in rows)  # blame phrasing
    assert any(r[3] == 5 for r in rows) and any(0 < r[3] < 5 for r in rows)  # drafts, gaps
    assert {r[0] for r in rows} >= {"met", "breached"}
    week = q(
        sample_warehouse,
        """
        select incident_id, review_status from postmortem_reviews
        where published_at >= '2026-10-26' and published_at < '2026-11-02' order by 1
        """,
    )
    # the demo week 2026-W44: one complete review, one with three whys (MANIFEST.md)
    assert week == [("INC-2026-0148", "met"), ("INC-2026-0149", "breached")]


def test_communication_rules_met_and_missed(sample_warehouse):
    statuses = dict(
        q(sample_warehouse, "select status, count(*) from incident_communication group by 1")
    )
    assert statuses["met"] > statuses["breached"] > 0
    missed = q(
        sample_warehouse,
        """
        select c.incident_id, c.requirement from incident_communication as c
        join incidents as i using (incident_id)
        where i.detected_at >= '2026-10-26' and c.status = 'breached'
        """,
    )
    assert missed == [("INC-2026-0150", "team_lead")]  # the demo week's planted miss


def test_severity_audit_has_findings(sample_warehouse):
    findings = dict(q(sample_warehouse, "select finding, count(*) from severity_audit group by 1"))
    assert findings["consistent"] > 100
    assert findings["sev1_without_evidence"] >= 1 and findings["over_declared"] >= 1
    assert q(
        sample_warehouse,
        "select incident_id from severity_audit where declared_severity = 3 and "
        "finding = 'under_declared'",
    ) == [("INC-2026-0116",)]  # data loss filed as SEV-3 (MANIFEST.md, planted cases)


def test_public_holidays_fall_inside_on_call_weeks(sample_warehouse):
    hours = dict(
        q(
            sample_warehouse,
            "select engineer, sum(holiday_oncall_hours) from oncall_fairness group by 1",
        )
    )
    # Bruno (DE-BE): Ascension 14 May and 3 Oct fall in his on-call weeks, 24 h each
    assert hours["Bruno Okafor"] == 48
    assert hours["Grace Kim"] == 0  # no country, and the policy names none
    assert sum(1 for h in hours.values() if h > 0) >= 8


def test_comp_time_taken_is_in_the_sample():
    from tests.conftest import SAMPLE

    lines = (SAMPLE / "comp_time" / "taken.csv").read_text("utf-8").splitlines()
    assert lines[0] == "engineer,taken_on,hours" and len(lines) > 5
