"""Vendor exports through `ingest`: folder names pick the importer; a post-mortem wins."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

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


def _pagerduty_raw(tmp_path: Path, *names: str) -> Path:
    raw = tmp_path / "raw"
    (raw / "pagerduty").mkdir(parents=True)
    for name in names:
        shutil.copy(FIXTURES / "pagerduty" / name, raw / "pagerduty" / name)
    return raw


def test_collector_export_hand_computed_metrics_and_severity_source(tmp_path):
    raw = _pagerduty_raw(tmp_path, "collector_incidents.json")
    db = tmp_path / "w.duckdb"
    result = run_cli("ingest", str(raw), "--db", str(db), "--quiet")
    assert result.returncode == 0, result.stderr
    assert "took their severity from urgency" in result.stderr
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute(
        "select incident_id, severity, severity_source, tta_s, ttr_s from incident_metrics "
        "order by incident_id"
    ).fetchall()
    pages = con.execute("select count(*) from pages").fetchone()[0]
    con.close()
    # Q1AAA: 10:00:00 → ack 10:00:12 → resolved 10:06:20: tta 12 s, ttr 380 s.
    # Q2BBB: 02:00:00 → Bo's ack 02:00:40 (40 s) → resolved 03:10:00 (70 min = 4200 s).
    # Q3CCC: open, never acknowledged.
    assert rows == [
        ("Q1AAA", 3, "pagerduty_urgency", 12.0, 380.0),
        ("Q2BBB", 2, "pagerduty_priority", 40.0, 4200.0),
        ("Q3CCC", 1, "pagerduty_priority", None, None),
    ]
    assert pages == 3  # RA2 (RA4, RA5 merged), RB2, RB7; RC2 names nobody


def test_the_latest_version_of_an_incident_wins_across_files(tmp_path):
    raw = _pagerduty_raw(tmp_path, "collector_incidents.json", "collector_later_version.json")
    db = tmp_path / "w.duckdb"
    assert run_cli("ingest", str(raw), "--db", str(db), "--quiet").returncode == 0
    con = duckdb.connect(str(db), read_only=True)
    got = con.execute(
        "select source_file, acknowledged_at is not null, ttr_s from incident_metrics "
        "where incident_id = 'Q3CCC'"
    ).fetchone()
    # The later export (last_status_change_at 08:20 > 07:50) wins although its path sorts first:
    # resolved 08:20 − created 07:50 = 1800 s.
    assert got[0].endswith("collector_later_version.json") and got[1:] == (True, 1800.0)
    # Its notify entry RC2 is in both files (and names nobody): no page, none duplicated.
    assert con.execute("select count(*), count(distinct page_id) from pages").fetchone() == (3, 3)
    con.close()


def test_equal_versions_tie_to_the_later_path(tmp_path):
    raw = _pagerduty_raw(tmp_path, "collector_incidents.json")
    doc = json.loads((FIXTURES / "pagerduty" / "collector_incidents.json").read_text())
    copy = dict(doc[0], title="Invoices stuck (z copy)")
    (raw / "pagerduty" / "z_copy.json").write_text(json.dumps([copy]))
    db = tmp_path / "w.duckdb"
    assert run_cli("ingest", str(raw), "--db", str(db), "--quiet").returncode == 0
    con = duckdb.connect(str(db), read_only=True)
    title, pages = con.execute(
        "select title, (select count(*) from pages where incident_id = 'Q1AAA') from incidents "
        "where incident_id = 'Q1AAA'"
    ).fetchone()
    con.close()
    assert (title, pages) == ("Invoices stuck (z copy)", 1)


def test_a_bad_incident_is_rejected_alone_by_ingest(tmp_path):
    raw = _pagerduty_raw(tmp_path)
    doc = json.loads((FIXTURES / "pagerduty" / "collector_incidents.json").read_text())
    doc[1]["created_at"] = "yesterday"
    (raw / "pagerduty" / "mixed.json").write_text(json.dumps(doc, indent=2))
    db = tmp_path / "w.duckdb"
    result = run_cli("ingest", str(raw), "--db", str(db), "--quiet")
    assert result.returncode == 1
    assert "mixed.json:" in result.stderr and ": incident Q2BBB: created_at 'yesterday'" in (
        result.stderr
    )
    con = duckdb.connect(str(db), read_only=True)
    ids = con.execute("select incident_id from incidents order by 1").fetchall()
    con.close()
    assert ids == [("Q1AAA",), ("Q3CCC",)]


def test_opsgenie_incidents_and_alert_logs_through_ingest(tmp_path):
    raw = tmp_path / "raw" / "opsgenie"
    raw.mkdir(parents=True)
    for name in (
        "incidents_envelope.json",
        "alert_logs.json",
        "d1d1d1d1-aaaa-bbbb-cccc-000000000002.logs.json",
        "alerts_without_report_ack.json",
    ):
        shutil.copy(FIXTURES / "opsgenie" / name, raw / name)
    db = tmp_path / "w.duckdb"
    result = run_cli("ingest", str(raw.parent), "--db", str(db), "--team", "Ops", "--quiet")
    assert result.returncode == 0, result.stderr
    con = duckdb.connect(str(db), read_only=True)
    incidents = con.execute(
        "select title, severity, severity_source, team, ttd_s, tta_s, ttr_s, response_status "
        "from incident_metrics order by started_at"
    ).fetchall()
    pages = con.execute(
        "select page_id, team, acknowledged_at::varchar, acknowledged_by from pages order by 1"
    ).fetchall()
    con.close()
    assert incidents == [
        # 09:00 impact start, created 09:05:30.5 (ttd 330.5 s), resolved 09:47:00.25 (2820.25 s)
        ("Payments API 5xx", 1, "opsgenie_priority", "payments", 330.5, None, 2820.25, "n/a"),
        # open: created 13:00Z, impact from 12:50 (ttd 600 s); team from --team
        ("Slow search", 3, "opsgenie_priority", "ops", 600.0, None, None, "n/a"),
        # created 08:00:00.000001 (no impact start), closed at 08:25: 1499.999999 s
        (
            "Cron backlog",
            3,
            "opsgenie_priority",
            "batch",
            0.0,
            None,
            pytest.approx(1499.999999),
            "n/a",
        ),
    ]
    # Neither alert has report.ackTime: each takes the first acknowledge of its alert log.
    assert pages == [
        ("d1d1d1d1-aaaa-bbbb-cccc-000000000001-1763370000000", "ops",
         "2026-11-17 09:01:30+00", "al@example.com"),
        ("d1d1d1d1-aaaa-bbbb-cccc-000000000002", "ops",
         "2026-11-17 09:04:10.2+00", "bea@example.com"),
    ]  # fmt: skip


TRACKED = """INCIDENT: Payments down
ID: 2026-04-21-pagos
SEVERITY: SEV-2
STARTED: 2026-04-21 22:00 UTC
RESOLVED: 2026-04-21 23:00 UTC
ACTION ITEMS:
- [ ] Alert OPS-201 — Owner: Ana — Due: 2026-04-30
- [ ] Runbook OPS-202 — Owner: Ana — Due: 2026-09-15
- [ ] Gap OPS-203 — Owner: Luis — Due: 2026-12-31
- [ ] Probe OPS-302 — Owner: Eloise — Due: 2026-12-31
- [ ] Alarm OPS-401 — Owner: Jorg — Due: 2026-03-20
- [ ] Alert OPS-501 — Owner: Joao — Due: 2026-10-31
- [ ] Alarm OPS-502 — Owner: Joao — Due: 2026-10-31
"""


def test_localised_trackers_decide_done_through_ingest(tmp_path):
    raw = tmp_path / "raw"
    (raw / "action_items").mkdir(parents=True)
    (raw / "timelines").mkdir()
    (raw / "timelines" / "pagos.md").write_text(TRACKED)
    for lang in ("es", "fr", "de", "pt"):
        shutil.copy(FIXTURES / "jira" / f"jira_{lang}.csv", raw / "action_items")
    # "Concluido" without its accent and in capitals is still a done status.
    pt = raw / "action_items" / "jira_pt.csv"
    pt.write_text(
        pt.read_text().replace("OPS-502,Em andamento,Em andamento", "OPS-502,CONCLUIDO,x")
    )
    db = tmp_path / "w.duckdb"
    result = run_cli("ingest", str(raw), "--db", str(db), "--quiet")
    assert result.returncode == 0, result.stderr
    con = duckdb.connect(str(db), read_only=True)
    done = dict(con.execute("select ticket, done from action_items").fetchall())
    con.close()
    assert done == {
        "OPS-201": True,  # Finalizada
        "OPS-202": False,  # Tareas por hacer
        "OPS-203": True,  # Cerrado
        "OPS-302": True,  # "Validé", status category Terminé
        "OPS-401": True,  # Erledigt
        "OPS-501": True,  # Concluído
        "OPS-502": True,  # CONCLUIDO
    }


LINKED = """INCIDENT: Search degraded
ID: 2026-11-23-search
SEVERITY: SEV-2
TEAM: search
SERVICE: search
STARTED: 2026-11-23 07:55 UTC
DETECTED: 2026-11-23 07:58 UTC — alert
RESOLVED: 2026-11-23 08:55 UTC
STATUS PAGE: sp-arch-1
PAGERDUTY: PSRCH1
TIMELINE:
[08:00] Status page updated: investigating
[08:10] Escalated to the database team
"""


def _search_pagerduty() -> str:
    user = {"id": "PANN01", "type": "user_reference", "summary": "Ann Lee"}
    service = {"id": "PSVC7", "type": "service_reference", "summary": "Search"}

    def entry(entry_id: str, kind: str, at: str, agent: dict, **more) -> dict:
        return {"id": entry_id, "type": kind, "created_at": at, "agent": agent, **more}

    return json.dumps(
        [
            {
                "id": "PSRCH1", "type": "incident", "incident_number": 7, "title": "Search slow",
                "created_at": "2026-11-23T07:58:00Z", "urgency": "high", "priority": None,
                "resolved_at": None, "service": service, "teams": [],
                "log_entries": [
                    entry("S4", "resolve_log_entry", "2026-11-23T08:55:00Z", user),
                    entry("S3", "acknowledge_log_entry", "2026-11-23T08:01:00Z", user),
                    entry("S2", "notify_log_entry", "2026-11-23T07:58:05Z", service,
                          summary="Notified Ann Lee by email."),
                    entry("S1", "trigger_log_entry", "2026-11-23T07:58:00Z", service),
                ],
            }
        ]
    )  # fmt: skip


UNLINKED = """INCIDENT: Checkout outage
ID: 2026-11-20-checkout
SEVERITY: SEV-1
SERVICE: checkout
STARTED: 2026-11-20 10:10 UTC
DETECTED: 2026-11-20 10:12 UTC — alert
RESOLVED: 2026-11-20 10:45 UTC
STATUS PAGE: sp-missing-9
TIMELINE:
[10:20] Status page updated
"""


def test_status_page_history_linked_and_alone(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(FIXTURES / "statuspage", raw / "statuspage")
    (raw / "pagerduty").mkdir()
    (raw / "pagerduty" / "search.json").write_text(_search_pagerduty())
    (raw / "timelines").mkdir()
    (raw / "timelines" / "search.md").write_text(LINKED)
    (raw / "timelines" / "checkout.md").write_text(UNLINKED)
    db = tmp_path / "w.duckdb"
    result = run_cli("ingest", str(raw), "--db", str(db), "--team", "Web", "--quiet", "--wait", "5")
    assert result.returncode == 0, result.stderr
    assert "1 scheduled maintenance(s) skipped" in result.stderr
    assert "sp-zero-1 resolved at the instant it started" in result.stderr
    # the header is line 8 of the checkout document
    assert "checkout.md:8: STATUS PAGE sp-missing-9 is not loaded" in result.stderr
    con = duckdb.connect(str(db), read_only=True)
    ids = {r[0] for r in con.execute("select incident_id from incidents").fetchall()}
    # the linked records (sp-arch-1, PSRCH1) make no incident of their own
    assert {"sp-arch-1", "PSRCH1"}.isdisjoint(ids)
    assert {"2026-11-23-search", "sp-crit-1", "sp-major-1", "sp-zero-1"} <= ids
    assert "sp-maint-1" not in ids
    rows = con.execute(
        "select incident_id, severity, team, ttm_s, ttr_s, tta_s, response_status, "
        "escalation_status, status_update_max_gap_s, status_cadence_status, status_source, "
        "is_zero_duration from incident_metrics "
        "where incident_id in ('sp-crit-1', 'sp-zero-1', '2026-11-23-search', "
        "'2026-11-20-checkout') order by incident_id"
    ).fetchall()
    events = con.execute(
        "select occurred_at::varchar, kind, text from timeline_events "
        "where incident_id = '2026-11-23-search' order by occurred_at, kind"
    ).fetchall()
    page = con.execute(
        "select incident_id, acknowledged_by from pages where page_id = 'S2'"
    ).fetchone()
    duplicates = con.execute(
        "select incident_id, other_incident_id, started_apart_s, same_service "
        "from incident_duplicates"
    ).fetchall()
    con.close()
    assert rows == [
        # Its own document lines (sp-missing-9 is not loaded): points 10:12, 10:20, 10:45 →
        # largest gap 25 min = 1500 s > 15 min. Never acknowledged: response breached.
        ("2026-11-20-checkout", 1, None, None, 2100.0, None, "breached", "n/a", 1500.0,
         "breached", "timeline", False),
        # Linked: the document has no ACKNOWLEDGED, PSRCH1's user ack 08:01 fills it: tta
        # 08:01 - 07:58 = 180 s <= 30 min → met; escalated 08:10 <= 08:01 + 30 min → met.
        # Cadence points: detection 07:58, the status page's updates 08:00 and 08:55, the end
        # 08:55: largest gap 55 min = 3300 s > 30 min → breached.
        ("2026-11-23-search", 2, "search", None, 3600.0, 180.0, "met", "met", 3300.0,
         "breached", "statuspage", False),
        # Status page alone: starts 10:00 (the 09:58 draft is shown, not counted), 10:05, 10:18,
        # 10:31, 10:40, end 10:40: 13 min = 780 s <= 15 min. ttm 31 min, ttr 40 min.
        ("sp-crit-1", 1, "web", 1860.0, 2400.0, None, "n/a", "n/a", 780.0, "met",
         "statuspage", False),
        # Zero duration: out of MTTR and cadence.
        ("sp-zero-1", 3, "web", None, None, None, "n/a", "n/a", None, "n/a", "statuspage",
         True),
    ]  # fmt: skip
    assert events == [
        ("2026-11-23 08:00:00+00", "note", "Status page updated: investigating"),
        ("2026-11-23 08:00:00+00", "status_update", "investigating: Search is slow."),
        ("2026-11-23 08:10:00+00", "escalation", "Escalated to the database team"),
        ("2026-11-23 08:55:00+00", "status_update", "resolved: Search is back."),
    ]
    assert page == ("2026-11-23-search", "Ann Lee")  # PSRCH1's page attaches to the document
    # checkout document 10:10 and the status page's sp-crit-1 10:00, service checkout
    assert duplicates == [("sp-crit-1", "2026-11-20-checkout", 600.0, True)]


def test_metrics_count_zero_duration_apart(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(FIXTURES / "statuspage", raw / "statuspage")
    db = tmp_path / "w.duckdb"
    assert run_cli("ingest", str(raw), "--db", str(db), "--quiet").returncode == 0
    result = run_cli(
        "metrics", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "json",
        "--db", str(db), "--as-of", "2026-12-01T00:00:00Z",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = {r["severity"]: r for r in json.loads(result.stdout)}
    # SEV-3: sp-zero-1 only: left out of MTTR, not missing; counted as zero_duration.
    assert (rows[3]["incidents"], rows[3]["zero_duration"], rows[3]["mttr_missing"]) == (1, 1, 0)
    # SEV-2: sp-major-1 (open) and sp-arch-1 (55 - 0 = 60 min: 07:55 → 08:55).
    assert rows[2]["incidents"] == 2 and rows[2]["mttr_median_s"] == 3600.0


def test_compliance_says_where_status_updates_came_from(tmp_path):
    from datetime import UTC, datetime

    from analytics import metrics
    from analytics.db import reader

    raw = tmp_path / "raw"
    shutil.copytree(FIXTURES / "statuspage", raw / "statuspage")
    (raw / "timelines").mkdir()
    (raw / "timelines" / "checkout.md").write_text(UNLINKED)
    db = tmp_path / "w.duckdb"
    assert run_cli("ingest", str(raw), "--db", str(db), "--quiet").returncode == 0
    start, end = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
    with reader(db, wait=5, as_of=end) as con:
        frame = metrics.compliance(con, start, end).set_index("severity")
    # SEV-1: sp-crit-1 (its status page) and the checkout document (its own lines).
    assert frame.loc[1, ["status_source_statuspage", "status_source_timeline"]].tolist() == [1, 1]
    assert frame.loc[1, "status_cadence_met"] == 1  # sp-crit-1: largest gap 13 min
    # SEV-2: sp-major-1 and sp-arch-1, both from their status pages
    assert frame.loc[2, "status_source_statuspage"] == 2


def test_weekly_report_says_where_each_incidents_status_updates_came_from(tmp_path):
    from analytics import weekly, weekly_html

    raw = tmp_path / "raw"
    shutil.copytree(FIXTURES / "statuspage", raw / "statuspage")
    (raw / "timelines").mkdir()
    (raw / "timelines" / "checkout.md").write_text(UNLINKED)
    db = tmp_path / "w.duckdb"
    assert run_cli("ingest", str(raw), "--db", str(db), "--quiet").returncode == 0
    data = weekly.load_week(db, "2026-W47", "2026-11-30T00:00:00Z", 12, wait=5)
    table = weekly_html.incidents_table(data).set_index("incident")
    assert table.loc["sp-crit-1", "status updates"] == "met (from status page)"
    assert table.loc["2026-11-20-checkout", "status updates"] == "breached (from post-mortem)"
    assert table.loc["sp-zero-1", "status updates"] == "n/a (from status page)"
