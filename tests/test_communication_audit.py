"""SPEC §14: incident_communication (who was told, where, in time) and severity_audit.

Every expected value is worked out by hand in a comment beside it.
"""

from __future__ import annotations

import json
import textwrap
from datetime import UTC, datetime
from pathlib import Path

from analytics import db
from analytics.ingest import run
from analytics.policy import DEFAULT_POLICY, load_policy
from tests.metrics_helpers import ts, warehouse

NOW = datetime(2026, 12, 1, tzinfo=UTC)

SEV1 = """
ID: INC-1
SEVERITY: SEV-1
STARTED: 2026-11-03 14:00 UTC
DETECTED: 2026-11-03 14:05 UTC — alert
RESOLVED: 2026-11-03 16:00 UTC
TIMELINE:
[14:10] Paged the On-Call SRE
[14:20] Opened #exec-war-room for updates
[14:30] Rollback executed; team leads informed
[15:30] VP Eng joined the call
"""

OPEN_SEV2 = """
ID: INC-2
SEVERITY: SEV-2
STARTED: 2026-11-30 23:20 UTC
DETECTED: 2026-11-30 23:30 UTC — alert
TIMELINE:
[23:40] Summary posted in #engineering
"""


def load(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / "raw" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    db_path = tmp_path / "w.duckdb"
    report = run.ingest([tmp_path / "raw"], db=db_path, policy=DEFAULT_POLICY, now=NOW)
    assert report.rejections == []
    return db_path


def communication(path: Path, as_of: datetime = NOW, policy=None) -> dict:
    with db.reader(path, as_of=as_of, policy=policy) as con:
        got = con.execute(
            "select incident_id, requirement, first_at, status from incident_communication"
        ).fetchall()
    return {(i, r): (f, s) for i, r, f, s in got}


def at(text: str) -> datetime:
    return ts(text)


def test_sev1_requirements_met_late_and_missing(tmp_path):
    path = load(tmp_path, {"timelines/INC-1.md": SEV1})
    # detected 14:05, within 60 min: due 15:05
    assert communication(path) == {
        ("INC-1", "oncall_sre"): (at("2026-11-03 14:10"), "met"),  # "On-Call SRE", any case
        ("INC-1", "exec_channel"): (at("2026-11-03 14:20"), "met"),  # "#exec" in #exec-war-room
        ("INC-1", "team_leads"): (at("2026-11-03 14:30"), "met"),
        ("INC-1", "vp_engineering"): (at("2026-11-03 15:30"), "breached"),  # after 15:05
        ("INC-1", "customer_success"): (None, "breached"),  # never, and 15:05 has passed
    }


def test_exec_does_not_match_executed(tmp_path):
    path = load(tmp_path, {"timelines/INC-1.md": SEV1})
    policy_file = tmp_path / "policy.toml"
    policy_file.write_text('[communication.sev1]\nexec_channel = ["exec"]\n')
    policy = load_policy(policy_file)
    # sev1 now has the one requirement; "executed" (14:30) is no whole-word "exec", and
    # "#exec-war-room" (14:20) is: "#" and "-" are not letters or digits
    assert communication(path, policy=policy) == {
        ("INC-1", "exec_channel"): (at("2026-11-03 14:20"), "met"),
    }
    no_room = SEV1.replace("[14:20] Opened #exec-war-room for updates\n", "")
    path = load(tmp_path / "b", {"timelines/INC-1.md": no_room})
    assert communication(path, policy=policy) == {("INC-1", "exec_channel"): (None, "breached")}


def test_open_incident_inside_its_window_is_pending(tmp_path):
    path = load(tmp_path, {"timelines/INC-2.md": OPEN_SEV2})
    # detected Nov 30 23:30, due Dec 1 00:30; as_of Dec 1 00:00 is inside the window
    assert communication(path) == {
        ("INC-2", "oncall_sre"): (None, "pending"),
        ("INC-2", "team_lead"): (None, "pending"),
        ("INC-2", "engineering_channel"): (at("2026-11-30 23:40"), "met"),
    }
    # pending only while as_of is before the deadline: at 00:30 it is breached
    later = communication(path, as_of=at("2026-12-01 00:30"))
    assert later[("INC-2", "oncall_sre")] == (None, "breached")
    assert later[("INC-2", "engineering_channel")] == (at("2026-11-30 23:40"), "met")


def test_within_minutes_from_the_policy(tmp_path):
    path = load(tmp_path, {"timelines/INC-1.md": SEV1})
    policy_file = tmp_path / "policy.toml"
    policy_file.write_text("[communication]\nwithin_minutes = 90\n")
    got = communication(path, policy=load_policy(policy_file))
    # due 14:05 + 90 min = 15:35: VP Eng at 15:30 is in time now
    assert got[("INC-1", "vp_engineering")] == (at("2026-11-03 15:30"), "met")


def test_imported_incident_is_not_applicable_and_sev3_has_no_rows():
    con = warehouse(
        incidents=[
            {
                "incident_id": "PD-1",
                "severity": 1,
                "started_at": "2026-11-03 14:00",
                "detected_at": "2026-11-03 14:00",
                "source_kind": "pagerduty",
            },
            {"incident_id": "S3", "severity": 3, "started_at": "2026-11-03 14:00"},
        ],
        as_of="2026-12-01 00:00",
    )
    got = con.execute(
        "select incident_id, count(*), min(status), max(status) from incident_communication "
        "group by all"
    ).fetchall()
    # five SEV-1 requirements, all n/a; SEV-3 has no requirement by default: no rows
    assert got == [("PD-1", 5, "n/a", "n/a")]


# ---------------------------------------------------------------- severity audit


def audit(**incidents) -> dict:
    rows = []
    for iid, fields in incidents.items():
        rows.append(
            {
                "incident_id": iid,
                "started_at": "2026-11-03 14:00",
                "data_loss": None,
                **fields,
            }
        )
    con = warehouse(incidents=rows, as_of="2026-12-01 00:00")
    got = con.execute(
        "select incident_id, declared_severity, evidence_severity, evidence, finding "
        "from severity_audit"
    ).fetchall()
    return {i: rest for i, *rest in got}


def test_the_five_findings():
    got = audit(
        A={"severity": 1, "data_loss": True},
        B={"severity": 1, "users_affected_pct": 20.0, "data_loss": False},
        C={"severity": 3, "title": "Complete outage of search"},
        D={"severity": 2, "users_affected_pct": 10.0},
        E={"severity": 2, "users_affected_pct": 75.0},
        F={"severity": 1, "title": "Checkout errors"},
    )
    assert got == {
        "A": [1, 1, "data_loss", "consistent"],
        # 20% and no data lost: evidence 3 for a declared SEV-1
        "B": [1, 3, "recorded impact shows no SEV-1 or SEV-2 fact", "sev1_without_evidence"],
        # a SEV-1 phrase in the title, declared SEV-3
        "C": [3, 1, '"complete outage" in title', "under_declared"],
        "D": [2, 3, "recorded impact shows no SEV-1 or SEV-2 fact", "over_declared"],
        "E": [2, 2, "users_affected_pct = 75 (> 50)", "consistent"],
        # nothing recorded, no phrase in the title
        "F": [1, None, None, "no_impact_recorded"],
    }


def test_phrases_whole_word_in_impact_and_the_strongest_level_wins():
    got = audit(
        G={"severity": 3, "impact_text": "- Corrupt rows in the ledger"},
        H={"severity": 3, "impact_text": "- data corruption in the cache"},
        I={"severity": 2, "impact_text": "- Users affected: all users\n- corrupt index"},
        J={"severity": 1, "users_affected_pct": 100.0, "data_loss": True},
    )
    assert got == {
        "G": [3, 2, '"corrupt" in IMPACT', "under_declared"],
        # "corrupt" is no whole word of "corruption": impact recorded, no SEV-1/2 fact
        "H": [3, 3, "recorded impact shows no SEV-1 or SEV-2 fact", "consistent"],
        # SEV-1 ("all users") beats SEV-2 ("corrupt"); only the deciding level's facts
        "I": [2, 1, '"all users" in IMPACT', "under_declared"],
        "J": [1, 1, "data_loss; users_affected_pct = 100", "consistent"],
    }


def test_impact_text_is_read_from_a_timeline_document(tmp_path):
    text = SEV1.replace(
        "TIMELINE:", "IMPACT:\n- Users affected: 30%\n- Some ledgers corrupt\nTIMELINE:"
    )
    path = load(tmp_path, {"timelines/INC-1.md": text})
    with db.reader(path, as_of=NOW) as con:
        got = con.execute("select evidence_severity, evidence, finding from severity_audit")
        # "corrupt" in IMPACT: evidence 2 for a declared SEV-1
        assert got.fetchall() == [(2, '"corrupt" in IMPACT', "sev1_without_evidence")]


def test_policy_keys_of_the_review_checks(tmp_path):
    import pytest

    from analytics.errors import PolicyError

    good = tmp_path / "good.toml"
    good.write_text(
        "[postmortem]\nmin_whys = 3\nblame_phrases = []\n"
        '[communication]\nwithin_minutes = 30\n[communication.sev3]\nslack = ["#incidents"]\n'
        '[severity_audit]\nsev1_phrases = ["total outage"]\n'
    )
    policy = load_policy(good)
    assert (policy.postmortem_min_whys, policy.postmortem_blame_phrases) == (3, ())
    assert policy.communication_within_minutes == 30.0
    # sev3 replaced whole; sev1 and sev2 keep their defaults
    assert dict(policy.communication)[3] == (("slack", ("#incidents",)),)
    assert dict(policy.communication)[1] == dict(DEFAULT_POLICY.communication)[1]
    assert policy.severity_audit_sev1_phrases == ("total outage",)
    assert policy.version != DEFAULT_POLICY.version
    for text, message in (
        ("[communication]\nsev4 = {}\n", "unknown key 'communication.sev4'"),
        ("[communication.sev1]\nvp = []\n", "communication.sev1.vp = []"),
        ("[postmortem]\nmin_whys = -1\n", "postmortem.min_whys = -1"),
        ("[severity_audit]\nsev3_phrases = []\n", "unknown key 'severity_audit.sev3_phrases'"),
    ):
        bad = tmp_path / "bad.toml"
        bad.write_text(text)
        with pytest.raises(PolicyError, match=message.replace("[", r"\[").replace("]", r"\]")):
            load_policy(bad)


def test_paid_sev1_bonus_without_evidence_says_so(tmp_path):
    import duckdb

    from analytics.pay import export_payroll
    from tests.pay_helpers import build_warehouse, payroll_of, payroll_run

    wh = build_warehouse(
        tmp_path / "w.duckdb",
        people=[("Ann", "E1", "core", "UTC")],
        incidents=[
            ("INC-1", 1, "core", "2026-11-03 12:00", "Ann"),
            ("INC-2", 1, "core", "2026-11-04 12:00", "Ann"),
            ("INC-3", 1, "core", "2026-11-05 12:00", "Ann"),
        ],
    )
    con = duckdb.connect(str(wh))
    # INC-1: 20% of users, nothing lost: sev1_without_evidence. INC-2: data lost: consistent.
    # INC-3: no impact recorded: never flagged.
    con.execute(
        "update src_incidents set users_affected_pct = 20, data_loss = false "
        "where incident_id = 'INC-1'"
    )
    con.execute("update src_incidents set data_loss = true where incident_id = 'INC-2'")
    con.close()
    payroll = payroll_of(wh, datetime(2026, 11, 1).date(), datetime(2026, 12, 1).date())
    (line,) = payroll.lines
    assert (line.sev1_incidents, str(line.sev1_bonus_usd)) == (3, "600.00")  # all still paid
    details = {r["ref"]: r["detail"] for r in payroll.explain if r["kind"] == "sev1"}
    assert details == {
        "INC-1": "acknowledged; SEV-1 without evidence in the recorded impact "
        "(severity_audit): still paid",
        "INC-2": "acknowledged",
        "INC-3": "acknowledged",
    }
    assert payroll.sev1_bonuses_without_evidence == 1
    result = export_payroll(
        payroll_run(wh, datetime(2026, 11, 1).date(), datetime(2026, 12, 1).date(), now=NOW),
        out=tmp_path / "pay.csv",
        provisional=True,  # no rotation at all: payroll can only write a draft
    )
    manifest = json.loads(result.manifest_path.read_text())
    assert manifest["sev1_bonuses_without_evidence"] == 1
    assert b"still paid" in result.explain_path.read_bytes()


def test_sev1_audit_of_the_period_leaves_the_incidents_view_whole(tmp_path):
    """Payroll audits only the period's SEV-1s through a TEMP ``incidents``; afterwards the
    connection sees every incident again, and a caller's own TEMP ``incidents`` is kept."""
    import duckdb

    from analytics import db
    from analytics.pay import compute_payroll
    from tests.pay_helpers import build_warehouse

    wh = build_warehouse(
        tmp_path / "w.duckdb",
        people=[("Ann", "E1", "core", "UTC")],
        incidents=[
            ("INC-1", 1, "core", "2026-11-03 12:00", "Ann"),  # November: paid, audited
            ("INC-2", 1, "core", "2026-10-03 12:00", "Ann"),  # October: outside the period
        ],
    )
    con = duckdb.connect(str(wh))
    # both 20% of users, nothing lost: sev1_without_evidence
    con.execute("update src_incidents set users_affected_pct = 20, data_loss = false")
    con.close()
    nov, dec = datetime(2026, 11, 1).date(), datetime(2026, 12, 1).date()
    with db.reader(wh, wait=0) as con:
        payroll = compute_payroll(con, nov, dec)
        assert payroll.sev1_bonuses_without_evidence == 1  # INC-1 only
        (count,) = con.execute("select count(*) from incidents").fetchone()
        assert count == 2  # the view again, not the period's SEV-1s
        con.execute("create temp table incidents as select * from main.incidents")
        assert compute_payroll(con, nov, dec).sev1_bonuses_without_evidence == 1
        (count,) = con.execute("select count(*) from temp.incidents").fetchone()
        assert count == 2  # the caller's snapshot is still there


def test_metrics_gain_review_communication_and_cadence_rates(tmp_path):
    import math

    from analytics import metrics

    path = load(tmp_path, {"timelines/INC-1.md": SEV1, "timelines/INC-2.md": OPEN_SEV2})
    start, end = metrics.period_bounds(datetime(2026, 11, 1).date(), datetime(2026, 11, 30).date())
    with db.reader(path, as_of=NOW) as con:
        frame = metrics.summary(con, start, end, by="severity", intervals=False)
    columns = list(frame.columns)
    # the existing columns first, the new ones after them
    assert (
        columns[: columns.index("open_incidents") + 1]
        == metrics._summary_columns("severity")[: columns.index("open_incidents") + 1]
    )
    assert columns[-len(metrics.REVIEW_RATE_COLUMNS) :] == list(metrics.REVIEW_RATE_COLUMNS)
    got = frame.set_index("severity")[list(metrics.REVIEW_RATE_COLUMNS)].to_dict("index")
    # SEV-1 INC-1: no review document, resolved Nov 3, deadline passed: review breached.
    # Communication: oncall_sre, exec_channel, team_leads met; vp_engineering late and
    # customer_success missing: 3 met / 5 decided = 0.6.
    assert got[1] == {
        "review_met": 0,
        "review_breached": 1,
        "review_pending": 0,
        "review_rate": 0.0,
        "communication_met": 3,
        "communication_breached": 2,
        "communication_pending": 0,
        "communication_rate": 0.6,
        # no "status page" line: the gaps are detection 14:05 -> resolution 16:00 = 115 min
        # > 15 min: cadence breached, updates from nowhere
        "status_cadence_met": 0,
        "status_cadence_breached": 1,
        "status_cadence_pending": 0,
        "status_cadence_rate": 0.0,
        "status_source_statuspage": 0,
        "status_source_timeline": 0,
        "status_source_none": 1,
    }
    # SEV-2 INC-2: unresolved (review pending); engineering_channel met, two pending: 1/1
    sev2 = got[2]
    assert math.isnan(sev2.pop("review_rate"))
    assert math.isnan(sev2.pop("status_cadence_rate"))
    assert sev2 == {
        "review_met": 0,
        "review_breached": 0,
        "review_pending": 1,
        "communication_met": 1,
        "communication_breached": 0,
        "communication_pending": 2,
        "communication_rate": 1.0,
        # open: detected 23:30, as_of 00:00 = 30 min, not more than 30: cadence pending
        "status_cadence_met": 0,
        "status_cadence_breached": 0,
        "status_cadence_pending": 1,
        "status_source_statuspage": 0,
        "status_source_timeline": 0,
        "status_source_none": 1,
    }
    assert got[3]["communication_met"] == 0 and math.isnan(got[3]["communication_rate"])


def test_documented_communication_defaults_are_the_built_in_ones():
    import tomllib

    text = (Path(__file__).parent.parent / "docs" / "policy.md").read_text(encoding="utf-8")
    block = text.split("[communication.sev1]", 1)[1].split("```", 1)[0]
    documented = tomllib.loads("[communication.sev1]" + block)["communication"]
    built_in = {
        f"sev{severity}": {name: list(phrases) for name, phrases in requirements}
        for severity, requirements in DEFAULT_POLICY.communication
        if requirements
    }
    assert documented == built_in
