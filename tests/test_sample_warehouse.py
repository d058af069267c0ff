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
    # 150 documents, pages, rotations, people, the Jira export and 62 hand-off notes
    assert dict(statuses) == {"loaded": 216}
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
