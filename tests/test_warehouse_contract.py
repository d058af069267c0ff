"""SPEC §5: the public tables carry the named columns, each with a COMMENT, readable by a
plain DuckDB client that never imports analytics."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from tests.conftest import run_cli

CONTRACT = {
    "incidents": "incident_id title severity team service started_at detected_at "
    "detection_method acknowledged_at acknowledged_by mitigated_at mitigation resolved_at "
    "users_affected users_affected_pct revenue_impact_usd data_loss root_cause "
    "postmortem_published_at source_file",
    "timeline_events": "incident_id occurred_at kind text",
    "action_items": "incident_id item_no description owner due_date ticket done resolved_at",
    "pages": "page_id sent_at recipient team service incident_id acknowledged_at "
    "acknowledged_by escalated_at urgency",
    "people": "engineer employee_id team timezone email country",
    "oncall_shifts": "team engineer start_at end_at is_override",
    "rotation_findings": "team kind start_at end_at detail source_file",
    "ingest_log": "file sha256 kind rows status error",
    "payroll_exports": "period_start period_end exported_at csv_sha256 inputs_sha256 "
    "policy_version",
    "warehouse_meta": "key value",
    "incident_metrics": "incident_id severity ttd_s tta_s ttm_s ttr_s response_target_s "
    "response_elapsed_s response_status status_update_interval_s status_update_max_gap_s "
    "status_cadence_status postmortem_due_at postmortem_status escalation_status",
    "page_metrics": "page_id ack_s ack_status recipient_local_time is_overnight",
    "action_item_status": "incident_id item_no is_done is_overdue has_owner has_due "
    "has_ticket days_to_close",
    "oncall_load": "team oncall_hours pages pages_per_oncall_hour business_pages "
    "off_hours_pages sleep_pages",
    "oncall_fairness": "engineer team month oncall_hours offhours_oncall_hours "
    "weekend_oncall_hours holiday_oncall_hours pages nights_interrupted "
    "max_consecutive_oncall_days window_hours team_fair_share_hours share_of_fair limit_flags",
    "country_holidays": "country holiday_date name",
    "data_coverage": "source team first_at last_at covered_until rows last_ingested_at",
    # SPEC §14
    "postmortem_reviews": "incident_id has_document published_at timeliness_status "
    "sections_missing whys whys_status items_without_owner_or_due blame_mentions review_status",
    "incident_communication": "incident_id requirement first_at status",
    "severity_audit": "incident_id declared_severity evidence_severity evidence finding",
}


@pytest.fixture(scope="module")
def columns(sample_warehouse):
    con = duckdb.connect(str(sample_warehouse), read_only=True)
    try:
        rows = con.execute(
            "select table_name, column_name, comment from duckdb_columns() "
            "where schema_name = 'main'"
        ).fetchall()
        tables = dict(
            con.execute(
                "select table_name, comment from duckdb_tables() union all "
                "select view_name, comment from duckdb_views() where not internal"
            ).fetchall()
        )
    finally:
        con.close()
    by_table: dict[str, dict[str, str | None]] = {}
    for table, column, comment in rows:
        by_table.setdefault(table, {})[column] = comment
    return by_table, tables


@pytest.mark.parametrize("table", sorted(CONTRACT))
def test_public_table_has_its_columns_each_with_a_comment(columns, table):
    by_table, tables = columns
    assert tables.get(table), f"{table} has no COMMENT"
    present = by_table[table]
    missing = [c for c in CONTRACT[table].split() if c not in present]
    assert not missing, f"{table} lacks {missing}"
    undocumented = [c for c, comment in present.items() if not comment]
    assert not undocumented, f"{table}: no COMMENT on {undocumented}"


def test_the_views_read_in_a_plain_client(sample_warehouse):
    con = duckdb.connect(str(sample_warehouse), read_only=True)
    try:
        for view in (
            "incident_metrics",
            "page_metrics",
            "action_item_status",
            "oncall_load",
            "oncall_fairness",
            "data_coverage",
            "postmortem_reviews",
            "incident_communication",
            "severity_audit",
        ):
            assert con.execute(f"select count(*) from {view}").fetchone()[0] > 0, view
    finally:
        con.close()


def test_views_of_another_version_are_refused_until_an_ingest_reinstalls_them(
    sample_warehouse, tmp_path
):
    # a warehouse whose views an older incident-analytics installed (here: an older digest)
    db = tmp_path / "old.duckdb"
    shutil.copyfile(sample_warehouse, db)
    with duckdb.connect(str(db)) as con:
        con.execute("update warehouse_meta set value = 'older' where key = 'views_version'")
    period = ["--from", "2026-10-01", "--to", "2026-10-31", "--db", str(db)]
    refused = run_cli("metrics", *period)
    assert refused.returncode == 2
    assert f"run `incident-analytics ingest --db {db}`" in refused.stderr
    assert "Traceback" not in refused.stderr
    empty = tmp_path / "nothing-new"
    empty.mkdir()
    ingest = run_cli("ingest", str(empty), "--db", str(db), "-q")
    assert ingest.returncode == 0, ingest.stderr
    assert run_cli("metrics", *period).returncode == 0
