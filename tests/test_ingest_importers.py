"""Vendor exports through `ingest`: folder names pick the importer; a post-mortem wins."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from tests.conftest import run_cli

FIXTURES = Path(__file__).parent / "fixtures" / "importers"

POSTMORTEM = """INCIDENT: Checkout outage (post-mortem)
ID: PINC001
SEVERITY: SEV-2
TEAM: payments
STARTED: 2026-11-03 13:55 UTC
DETECTED: 2026-11-03 14:00 UTC — alert
RESOLVED: 2026-11-03 15:00 UTC
"""


def test_vendor_exports_load_by_folder_and_a_postmortem_wins(tmp_path):
    raw = tmp_path / "raw"
    for sub, name in [
        ("pagerduty", "combined_export.json"),
        ("opsgenie", "alerts_envelope.json"),
        ("rotations", "weekly_rrule_exdate_edit.ics"),
        ("action_items", "canonical_tracker.csv"),
    ]:
        (raw / sub).mkdir(parents=True)
        src = next(FIXTURES.rglob(name))
        shutil.copy(src, raw / sub / name)
    db = tmp_path / "w.duckdb"
    first = run_cli("ingest", str(raw), "--db", str(db), "--team", "platform", "--quiet")
    assert first.returncode == 0, first.stderr
    con = duckdb.connect(str(db), read_only=True)
    (kind, _title, severity) = con.execute(
        "select source_kind, title, severity from incidents where incident_id = 'PINC001'"
    ).fetchone()
    assert kind == "pagerduty" and severity == 1
    assert con.execute(
        "select count(*) from pages where source_file like '%combined_export.json'"
    ).fetchone() == (5,)
    assert (
        con.execute("select count(*) from oncall_shifts where team = 'platform'").fetchone()[0] > 0
    )
    con.close()

    (raw / "timelines").mkdir()
    (raw / "timelines" / "pinc001.md").write_text(POSTMORTEM)
    second = run_cli("ingest", str(raw), "--db", str(db), "--team", "platform", "--quiet")
    assert second.returncode == 0, second.stderr
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute(
        "select source_kind, title, severity from incidents where incident_id = 'PINC001'"
    ).fetchall()
    con.close()
    assert rows == [("timeline", "Checkout outage (post-mortem)", 2)]


def test_an_ics_without_team_is_rejected_naming_the_option(tmp_path):
    raw = tmp_path / "raw" / "rotations"
    raw.mkdir(parents=True)
    src = FIXTURES / "ics" / "weekly_rrule_exdate_edit.ics"
    text = "\n".join(x for x in src.read_text().splitlines() if not x.startswith("X-WR-CALNAME"))
    (raw / "cal.ics").write_text(text)
    result = run_cli("ingest", str(raw.parent), "--db", str(tmp_path / "w.duckdb"), "--quiet")
    assert result.returncode == 1
    assert "cal.ics:1: " in result.stderr and "--team" in result.stderr


def test_jira_dates_in_a_locale_format_follow_date_format(tmp_path):
    raw = tmp_path / "raw" / "action_items"
    raw.mkdir(parents=True)
    (raw / "jira.csv").write_text(
        "Issue key,Summary,Status,Assignee,Due date,Created,Resolved\n"
        "OPS-1,Fix it,Done,Alice,03/11/2026 00:00,01/11/2026 09:30,02/11/2026 17:45\n"
    )
    db = tmp_path / "w.duckdb"
    result = run_cli(
        "ingest", str(raw.parent), "--db", str(db), "--quiet", "--date-format", "%d/%m/%Y %H:%M"
    )
    assert result.returncode == 0, result.stderr
    con = duckdb.connect(str(db), read_only=True)
    con.execute("SET TimeZone='UTC'")
    row = con.execute(
        "select due_date::varchar, created_at::varchar, resolved_at::varchar from src_tracker_items"
    ).fetchone()
    con.close()
    assert row == ("2026-11-03", "2026-11-01 09:30:00+00", "2026-11-02 17:45:00+00")
