"""Tests for analytics.policy: defaults, partial files, validation, versions, lookups."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics.errors import PolicyError, UsageError
from analytics.policy import (
    DEFAULT_DONE_STATUSES,
    DEFAULT_POLICY,
    EVENT_KINDS,
    PayRate,
    Policy,
    load_policy,
)

# The defaults of SPEC §3.6, written out once more by hand.
SPEC_DEFAULTS = textwrap.dedent(
    """
    [response]
    sev1_minutes = 15
    sev2_minutes = 30
    sev3_business_hours = 4
    page_ack_minutes = 5
    escalate_after_minutes = 30

    [status_updates]
    sev1_minutes = 15
    sev2_minutes = 30

    [postmortem]
    deadline_hours = 48
    severities = [1, 2]

    [business_hours]
    timezone = "UTC"
    start = "09:00"
    end = "17:00"
    weekdays = [1, 2, 3, 4, 5]
    holidays_country = ""

    [overnight]
    start = "22:00"
    end = "07:00"

    [[pay]]
    effective_from = "2000-01-01"
    weekly_stipend_usd = "500.00"
    sev1_bonus_usd = "200.00"
    comp_hours_per_overnight_page = 4

    [timeline_keywords]
    status_update = ["status page"]
    escalation = ["escalat"]
    page = ["paged"]

    [tracker]
    # SPEC §3.6's three, amended by §13 with the other languages' names (DEFAULT_DONE_STATUSES)
    timezone = "UTC"

    [pagerduty]
    severity_by_priority = { P1 = 1, P2 = 2, P3 = 3, P4 = 3, P5 = 3 }
    severity_by_urgency = { high = 3, low = 3 }

    [opsgenie]
    severity_by_priority = { P1 = 1, P2 = 2, P3 = 3, P4 = 3, P5 = 3 }
    """
)

TWO_RATES = """
[[pay]]
effective_from = "2026-11-01"
weekly_stipend_usd = "600.00"
sev1_bonus_usd = "250.00"
comp_hours_per_overnight_page = 5

[[pay]]
effective_from = "2000-01-01"
weekly_stipend_usd = "500.00"
sev1_bonus_usd = "200.00"
comp_hours_per_overnight_page = 4
"""


def write(tmp_path: Path, text: str, name: str = "policy.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def load_text(tmp_path: Path, text: str) -> Policy:
    return load_policy(write(tmp_path, text))


def error_for(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    message = str(info.value)
    assert message.startswith(f"{path}: "), message
    assert "\n" not in message
    return message


# --- defaults -----------------------------------------------------------------------------------


def test_defaults_equal_the_spec() -> None:
    p = DEFAULT_POLICY
    assert (p.response_sev1_minutes, p.response_sev2_minutes) == (15, 30)
    assert p.response_sev3_business_hours == 4
    assert (p.page_ack_minutes, p.escalate_after_minutes) == (5, 30)
    assert (p.status_sev1_minutes, p.status_sev2_minutes) == (15, 30)
    assert p.postmortem_deadline_hours == 48
    assert p.postmortem_severities == (1, 2)
    assert p.business_timezone == "UTC"
    assert (p.business_start, p.business_end) == (time(9), time(17))
    assert p.business_weekdays == (1, 2, 3, 4, 5)
    assert p.holidays_country == ""
    assert (p.overnight_start, p.overnight_end) == (time(22), time(7))
    assert p.pay == (PayRate(date(2000, 1, 1), Decimal("500.00"), Decimal("200.00"), Decimal("4")),)
    assert p.timeline_keywords == (
        ("status_update", ("status page",)),
        ("escalation", ("escalat",)),
        ("page", ("paged",)),
    )
    # SPEC §13 adds the Spanish, French, German and Portuguese names after §3.6's three.
    assert p.tracker_done_statuses[:3] == ("Done", "Closed", "Resolved")
    assert {"Finalizada", "Listo", "Terminé", "Erledigt", "Concluído"} <= set(
        p.tracker_done_statuses
    )
    assert (p.tracker_column_aliases, p.tracker_timezone) == ((), "UTC")
    assert dict(p.pagerduty_severity_by_priority) == {"P1": 1, "P2": 2, "P3": 3, "P4": 3, "P5": 3}
    assert dict(p.pagerduty_severity_by_urgency) == {"high": 3, "low": 3}
    assert dict(p.opsgenie_severity_by_priority) == {"P1": 1, "P2": 2, "P3": 3, "P4": 3, "P5": 3}
    assert p.source == "<defaults>"
    # [working_time]: product defaults (SPEC §15)
    assert p.fairness_weeks == 13
    assert (p.max_consecutive_oncall_days, p.max_interrupted_nights_per_week) == (8, 2)
    assert p.max_offhours_oncall_hours_per_4_weeks == 400
    assert Policy() == DEFAULT_POLICY
    assert load_policy(None) is DEFAULT_POLICY


def test_the_spec_file_is_the_defaults(tmp_path: Path) -> None:
    policy = load_text(tmp_path, SPEC_DEFAULTS)
    assert policy == DEFAULT_POLICY
    assert policy.version == DEFAULT_POLICY.version
    assert policy.source == str(tmp_path / "policy.toml")


def test_empty_file_is_the_defaults(tmp_path: Path) -> None:
    assert load_text(tmp_path, "# nothing to change\n") == DEFAULT_POLICY


def test_money_is_decimal_and_minutes_are_float() -> None:
    rate = DEFAULT_POLICY.pay[0]
    amounts = (rate.weekly_stipend_usd, rate.sev1_bonus_usd, rate.comp_hours_per_overnight_page)
    assert all(isinstance(amount, Decimal) for amount in amounts)
    assert isinstance(DEFAULT_POLICY.response_sev1_minutes, float)
    assert isinstance(Policy(response_sev1_minutes=10).response_sev1_minutes, float)


# --- partial files ------------------------------------------------------------------------------


def test_partial_override_keeps_other_defaults(tmp_path: Path) -> None:
    policy = load_text(
        tmp_path,
        """
        [response]
        sev1_minutes = 10

        [business_hours]
        timezone = "Europe/Berlin"
        start = "08:30"
        holidays_country = "de"
        """,
    )
    assert policy.response_sev1_minutes == 10.0
    assert policy.response_sev2_minutes == 30.0  # same section, not set: default
    assert policy.business_timezone == "Europe/Berlin"
    assert policy.business_start == time(8, 30)
    assert policy.business_end == time(17)
    assert policy.holidays_country == "DE"  # country codes are upper-cased
    assert policy.status_sev1_minutes == 15.0
    assert policy.pay == DEFAULT_POLICY.pay
    assert policy.timeline_keywords == DEFAULT_POLICY.timeline_keywords


def test_lists_replace_the_default_whole(tmp_path: Path) -> None:
    policy = load_text(
        tmp_path,
        """
        [postmortem]
        severities = [1]

        [business_hours]
        weekdays = [7, 1, 2, 3, 4]

        [timeline_keywords]
        page = ["pinged", "paged via"]

        [tracker]
        done_statuses = ["Shipped"]

        [pagerduty]
        severity_by_priority = { P0 = 1, P1 = 2 }

        [[pay]]
        effective_from = 2026-01-01
        weekly_stipend_usd = 700
        sev1_bonus_usd = 150.5
        comp_hours_per_overnight_page = "2.5"
        """,
    )
    assert policy.postmortem_severities == (1,)
    assert policy.business_weekdays == (1, 2, 3, 4, 7)
    assert dict(policy.timeline_keywords) == {
        "status_update": ("status page",),  # other kinds keep their defaults
        "escalation": ("escalat",),
        "page": ("pinged", "paged via"),
    }
    assert policy.tracker_done_statuses == ("Shipped",)
    assert dict(policy.pagerduty_severity_by_priority) == {"P0": 1, "P1": 2}
    assert policy.severity_for_priority("P3") is None
    assert policy.pay == (
        PayRate(date(2026, 1, 1), Decimal("700.00"), Decimal("150.50"), Decimal("2.5")),
    )


def test_pay_list_is_sorted_by_effective_from(tmp_path: Path) -> None:
    policy = load_text(tmp_path, TWO_RATES)
    assert [r.effective_from for r in policy.pay] == [date(2000, 1, 1), date(2026, 11, 1)]
    rows = policy.pay_rows()
    assert rows[1] == {
        "effective_from": datetime(2026, 11, 1, tzinfo=UTC),
        "weekly_stipend_usd": Decimal("600.00"),
        "sev1_bonus_usd": Decimal("250.00"),
        "comp_hours_per_overnight_page": Decimal("5"),
    }
    assert rows[0]["effective_from"].tzinfo is not None


def test_policy_row_has_exactly_the_warehouse_columns() -> None:
    row = DEFAULT_POLICY.policy_row()
    assert list(row) == [
        "policy_version",
        "response_sev1_minutes",
        "response_sev2_minutes",
        "response_sev3_business_hours",
        "page_ack_minutes",
        "escalate_after_minutes",
        "status_sev1_minutes",
        "status_sev2_minutes",
        "postmortem_deadline_hours",
        "postmortem_severities",
        "business_timezone",
        "business_start",
        "business_end",
        "business_weekdays",
        "holidays_country",
        "overnight_start",
        "overnight_end",
        "done_statuses",
        "handoff_before_hours",
        "handoff_after_hours",
        "fairness_weeks",
        "max_consecutive_oncall_days",
        "max_interrupted_nights_per_week",
        "max_offhours_oncall_hours_per_4_weeks",
        "postmortem_min_whys",
        "blame_phrases",
        "communication_within_minutes",
        "sev1_phrases",
        "sev2_phrases",
    ]
    assert row["policy_version"] == DEFAULT_POLICY.version
    assert row["postmortem_severities"] == [1, 2]
    assert row["business_weekdays"] == [1, 2, 3, 4, 5]
    assert row["business_start"] == time(9)
    assert row["done_statuses"] == list(DEFAULT_DONE_STATUSES)


# --- errors -------------------------------------------------------------------------------------


def test_policy_error_is_a_usage_error_with_exit_code_2() -> None:
    assert issubclass(PolicyError, UsageError)
    assert PolicyError.exit_code == 2


def test_unknown_key_names_it_and_lists_the_accepted(tmp_path: Path) -> None:
    message = error_for(tmp_path, "[response]\nsev1_minutes = 10\nsev4_minutes = 90\n")
    assert "unknown key 'response.sev4_minutes'" in message
    assert "(line 3)" in message
    assert "sev1_minutes, sev2_minutes, sev3_business_hours" in message


def test_unknown_section_names_it(tmp_path: Path) -> None:
    message = error_for(tmp_path, "[responses]\nsev1_minutes = 10\n")
    assert "unknown section 'responses'" in message
    assert "response, status_updates" in message


def test_unknown_keyword_kind_and_pay_key(tmp_path: Path) -> None:
    message = error_for(tmp_path, '[timeline_keywords]\nmitigation = ["rolled back"]\n')
    assert "unknown key 'timeline_keywords.mitigation'" in message
    message = error_for(tmp_path, TWO_RATES + 'currency = "EUR"\n')
    assert "unknown key 'pay[2].currency'" in message


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("[response]\nsev1_minutes = -5\n", "response.sev1_minutes", "-5"),
        ("[response]\npage_ack_minutes = 0\n", "response.page_ack_minutes", "0"),
        ('[response]\nsev2_minutes = "30"\n', "response.sev2_minutes", "'30'"),
        ("[response]\nsev3_business_hours = nan\n", "response.sev3_business_hours", "nan"),
        ("[status_updates]\nsev1_minutes = true\n", "status_updates.sev1_minutes", "true"),
        ("[postmortem]\ndeadline_hours = -1\n", "postmortem.deadline_hours", "-1"),
        ('[business_hours]\nstart = "25:00"\n', "business_hours.start", "'25:00'"),
        ('[business_hours]\nend = "5pm"\n', "business_hours.end", "'5pm'"),
        ('[overnight]\nstart = "9:00"\n', "overnight.start", "'9:00'"),
        ('[business_hours]\ntimezone = "Mars/Olympus"\n', "business_hours.timezone", "Mars"),
        ("[business_hours]\nweekdays = [0, 1]\n", "business_hours.weekdays", "[0, 1]"),
        ("[business_hours]\nweekdays = [1, 8]\n", "business_hours.weekdays", "[1, 8]"),
        ("[business_hours]\nweekdays = []\n", "business_hours.weekdays", "[]"),
        ("[postmortem]\nseverities = [1, 4]\n", "postmortem.severities", "[1, 4]"),
        ('[business_hours]\nholidays_country = "XX"\n', "business_hours.holidays_country", "XX"),
        ("[tracker]\ndone_statuses = []\n", "tracker.done_statuses", "[]"),
        ('[timeline_keywords]\npage = [""]\n', "timeline_keywords.page", "['']"),
        (
            "[pagerduty]\nseverity_by_priority = { P1 = 4 }\n",
            "pagerduty.severity_by_priority",
            "P1 = 4",
        ),
        ("[working_time]\nfairness_weeks = 0\n", "working_time.fairness_weeks", "0"),
        ("[working_time]\nfairness_weeks = 4.5\n", "working_time.fairness_weeks", "4.5"),
        (
            "[working_time]\nmax_consecutive_oncall_days = -1\n",
            "working_time.max_consecutive_oncall_days",
            "-1",
        ),
        (
            '[working_time]\nmax_interrupted_nights_per_week = "2"\n',
            "working_time.max_interrupted_nights_per_week",
            "'2'",
        ),
        (
            "[working_time]\nmax_offhours_oncall_hours_per_4_weeks = -0.5\n",
            "working_time.max_offhours_oncall_hours_per_4_weeks",
            "-0.5",
        ),
    ],
)
def test_bad_value_names_key_and_value(tmp_path: Path, text: str, key: str, value: str) -> None:
    message = error_for(tmp_path, text)
    assert f"{key} = " in message
    assert value in message
    assert "expected" in message


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        ("weekly_stipend_usd", '"500.001"', "'500.001'"),
        ("weekly_stipend_usd", '"-1.00"', "'-1.00'"),
        ("weekly_stipend_usd", '"five hundred"', "'five hundred'"),
        ("sev1_bonus_usd", "200.123", "200.123"),  # a TOML float with 3 decimals
        ("sev1_bonus_usd", "-200", "-200"),
        ("comp_hours_per_overnight_page", "-4", "-4"),
        ("effective_from", '"2026-13-01"', "'2026-13-01'"),
    ],
)
def test_bad_pay_value(tmp_path: Path, field: str, value: str, shown: str) -> None:
    entry = {
        "effective_from": '"2026-01-01"',
        "weekly_stipend_usd": '"500.00"',
        "sev1_bonus_usd": '"200.00"',
        "comp_hours_per_overnight_page": "4",
    }
    entry[field] = value
    text = "[[pay]]\n" + "".join(f"{k} = {v}\n" for k, v in entry.items())
    message = error_for(tmp_path, text)
    assert f"pay[1].{field} = {shown}" in message
    assert "expected" in message


def test_money_as_toml_float_is_converted_via_str(tmp_path: Path) -> None:
    policy = load_text(
        tmp_path,
        """
        [[pay]]
        effective_from = "2026-01-01"
        weekly_stipend_usd = 500.1
        sev1_bonus_usd = 0.1
        comp_hours_per_overnight_page = 0.5
        """,
    )
    rate = policy.pay[0]
    assert rate.weekly_stipend_usd == Decimal("500.10")
    assert rate.sev1_bonus_usd == Decimal("0.10")  # not 0.1000000000000000055511151231257827
    assert rate.comp_hours_per_overnight_page == Decimal("0.5")


def test_duplicate_pay_effective_from(tmp_path: Path) -> None:
    message = error_for(tmp_path, TWO_RATES.replace("2000-01-01", "2026-11-01"))
    assert "pay[2].effective_from = 2026-11-01" in message
    assert "unique" in message


def test_empty_pay_list(tmp_path: Path) -> None:
    message = error_for(tmp_path, "pay = []\n")
    assert "pay = []" in message
    assert "at least one" in message


def test_pay_entry_missing_a_key(tmp_path: Path) -> None:
    message = error_for(tmp_path, '[[pay]]\neffective_from = "2026-01-01"\n')
    assert "pay[1]" in message
    assert "missing key 'weekly_stipend_usd'" in message


def test_pay_must_be_a_list_of_tables(tmp_path: Path) -> None:
    message = error_for(tmp_path, '[pay]\neffective_from = "2026-01-01"\n')
    assert "'pay' must be a list of [[pay]] tables" in message


def test_section_must_be_a_table(tmp_path: Path) -> None:
    message = error_for(tmp_path, "response = 15\n")
    assert "'response' must be a table" in message


def test_business_end_must_be_after_start(tmp_path: Path) -> None:
    message = error_for(tmp_path, '[business_hours]\nend = "08:00"\n')
    assert "business_hours.end" in message
    assert "after start" in message


def test_overnight_start_and_end_must_differ(tmp_path: Path) -> None:
    message = error_for(tmp_path, '[overnight]\nstart = "07:00"\n')
    assert "overnight.start" in message


def test_invalid_toml_names_the_line(tmp_path: Path) -> None:
    message = error_for(tmp_path, "[response]\nsev1_minutes = = 15\n")
    assert "invalid TOML" in message
    assert "line 2" in message


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(PolicyError, match=r"nope\.toml: policy file not found"):
        load_policy(path)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_bytes(b'[business_hours]\ntimezone = "\xff"\n')
    with pytest.raises(PolicyError, match="invalid TOML: not UTF-8"):
        load_policy(path)


# --- version ------------------------------------------------------------------------------------


def test_version_format_and_stability(tmp_path: Path) -> None:
    version = DEFAULT_POLICY.version
    assert version.startswith("sha256:")
    assert len(version) == len("sha256:") + 12
    assert Policy().version == version
    # The source is not part of the version; nor is how a value was spelled.
    respelled = load_text(
        tmp_path,
        """
        [response]
        sev1_minutes = 15.0
        [business_hours]
        weekdays = [5, 4, 3, 2, 1]
        [pagerduty]
        severity_by_priority = { P5 = 3, P4 = 3, P3 = 3, P2 = 2, P1 = 1 }
        [[pay]]
        effective_from = 2000-01-01
        weekly_stipend_usd = 500
        sev1_bonus_usd = "200"
        comp_hours_per_overnight_page = "4.0"
        """,
    )
    assert respelled.version == version


def test_version_is_stable_across_processes() -> None:
    code = "from analytics.policy import DEFAULT_POLICY; print(DEFAULT_POLICY.version)"
    runs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed},
            cwd=Path(__file__).resolve().parents[1],
        ).stdout.strip()
        for seed in ("1", "2")
    }
    assert runs == {DEFAULT_POLICY.version}


@pytest.mark.parametrize(
    "text",
    [
        "[response]\nsev1_minutes = 14\n",
        '[business_hours]\ntimezone = "America/New_York"\n',
        '[business_hours]\nholidays_country = "US"\n',
        '[timeline_keywords]\npage = ["paged", "pinged"]\n',
        '[tracker]\ndone_statuses = ["Done"]\n',
        TWO_RATES,
    ],
)
def test_version_changes_when_a_value_changes(tmp_path: Path, text: str) -> None:
    assert load_text(tmp_path, text).version != DEFAULT_POLICY.version


# --- rate_at ------------------------------------------------------------------------------------


def test_rate_at_with_two_effective_dated_rates(tmp_path: Path) -> None:
    policy = load_text(tmp_path, TWO_RATES)
    old, new = policy.pay
    boundary = datetime(2026, 11, 1, tzinfo=UTC)
    assert policy.rate_at(boundary) == new  # the boundary instant is the new rate's
    assert policy.rate_at(boundary - timedelta(microseconds=1)) == old
    assert policy.rate_at(date(2026, 11, 1)) == new
    assert policy.rate_at(date(2026, 10, 31)) == old
    assert policy.rate_at(datetime(2026, 11, 1)) == new  # naive means UTC
    # 00:30 in Berlin is still 23:30 UTC the day before: the old rate.
    berlin = timezone(timedelta(hours=1))
    assert policy.rate_at(datetime(2026, 11, 1, 0, 30, tzinfo=berlin)) == old
    assert policy.rate_at(datetime(2030, 1, 1, tzinfo=UTC)).weekly_stipend_usd == Decimal("600.00")


def test_rate_at_before_any_rate_is_an_error(tmp_path: Path) -> None:
    policy = load_text(
        tmp_path,
        """
        [[pay]]
        effective_from = "2026-01-01"
        weekly_stipend_usd = "500.00"
        sev1_bonus_usd = "200.00"
        comp_hours_per_overnight_page = 4
        """,
    )
    with pytest.raises(PolicyError, match="no pay rate in force on 2025-12-31"):
        policy.rate_at(datetime(2025, 12, 31, 23, 59, tzinfo=UTC))


# --- classify_event and severity_for_priority ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Escalated to DB team; status page updated", "status_update"),  # first rule wins
        ("Posted to the STATUS PAGE", "status_update"),
        ("ESCALATION to vendor", "escalation"),
        ("escalated after paged twice", "escalation"),
        ("Paged the secondary", "page"),
        ("Rolled back deploy 4411", "note"),
        ("", "note"),
    ],
)
def test_classify_event(text: str, kind: str) -> None:
    assert DEFAULT_POLICY.classify_event(text) == kind


@given(st.text())
def test_classify_event_always_returns_a_known_kind(text: str) -> None:
    assert DEFAULT_POLICY.classify_event(text) in EVENT_KINDS
    assert set(EVENT_KINDS) == {"status_update", "escalation", "page", "note"}


def test_severity_for_priority() -> None:
    p = DEFAULT_POLICY
    assert [p.severity_for_priority(f"P{n}") for n in range(1, 6)] == [1, 2, 3, 3, 3]
    assert p.severity_for_priority(" p1 ") == 1
    assert p.severity_for_priority(None) is None
    assert p.severity_for_priority("") is None
    assert p.severity_for_priority("P9") is None


# --- holidays -----------------------------------------------------------------------------------


def test_holiday_dates_us_has_thanksgiving_2026(tmp_path: Path) -> None:
    policy = load_text(tmp_path, '[business_hours]\nholidays_country = "US"\n')
    found = policy.holiday_dates(2026, 2027)
    assert (date(2026, 11, 26), "Thanksgiving Day") in found
    assert found == sorted(found)
    assert {d.year for d, _ in found} == {2026, 2027}


def test_working_time_limits_can_be_switched_off_with_zero(tmp_path: Path) -> None:
    policy = load_text(
        tmp_path,
        """
        [working_time]
        fairness_weeks = 4
        max_consecutive_oncall_days = 0
        max_offhours_oncall_hours_per_4_weeks = 120.5
        """,
    )
    assert policy.fairness_weeks == 4
    assert policy.max_consecutive_oncall_days == 0  # 0 = off
    assert policy.max_interrupted_nights_per_week == 2  # the default kept
    assert policy.max_offhours_oncall_hours_per_4_weeks == 120.5
    assert policy.version != DEFAULT_POLICY.version
    row = policy.policy_row()
    assert (row["fairness_weeks"], row["max_consecutive_oncall_days"]) == (4, 0)


def test_holidays_country_may_name_a_subdivision(tmp_path: Path) -> None:
    policy = load_text(tmp_path, '[business_hours]\nholidays_country = "de-by"\n')
    assert policy.holidays_country == "DE-BY"
    # Epiphany (Jan 6) is a Bavarian holiday, not a German one
    assert (date(2026, 1, 6), "Epiphany") in policy.holiday_dates(2026, 2026)
    german = load_text(tmp_path, '[business_hours]\nholidays_country = "DE"\n')
    assert date(2026, 1, 6) not in dict(german.holiday_dates(2026, 2026))
    message = error_for(tmp_path, '[business_hours]\nholidays_country = "DE-XX"\n')
    assert "business_hours.holidays_country = 'DE-XX'" in message
    assert '"DE-BY" (with a subdivision)' in message


def test_holiday_dates_without_country_is_empty() -> None:
    assert DEFAULT_POLICY.holiday_dates(2026, 2026) == []


def test_the_example_in_docs_loads(tmp_path: Path) -> None:
    docs = Path(__file__).resolve().parents[1] / "docs" / "policy.md"
    example = docs.read_text(encoding="utf-8").split("```toml\n", 1)[1].split("```", 1)[0]
    policy = load_text(tmp_path, example)
    assert policy.response_sev1_minutes == 10.0
    assert policy.holidays_country == "DE"
    assert policy.rate_at(date(2026, 11, 1)).weekly_stipend_usd == Decimal("600.00")


def test_importer_keys_of_section_13(tmp_path: Path) -> None:
    policy = load_text(
        tmp_path,
        """
        [tracker]
        column_aliases = { "Issue key" = ["Ärende"], Created = ["Skapad", "Skapat"] }
        timezone = "Europe/Stockholm"

        [pagerduty]
        severity_by_urgency = { high = 2 }

        [opsgenie]
        severity_by_priority = { P1 = 1, P2 = 1 }
        """,
    )
    assert policy.tracker_column_aliases == (
        ("Created", ("Skapad", "Skapat")),
        ("Issue key", ("Ärende",)),
    )
    assert policy.tracker_timezone == "Europe/Stockholm"
    assert dict(policy.pagerduty_severity_by_urgency) == {"high": 2}  # replaces the table whole
    assert dict(policy.opsgenie_severity_by_priority) == {"P1": 1, "P2": 1}


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('[tracker]\ncolumn_aliases = { Key = ["K"] }', "the headers are Issue key, Summary"),
        ('[tracker]\ncolumn_aliases = { "Issue key" = "K" }', "expected a table of Jira header"),
        ('[tracker]\ntimezone = "Mars/Base"', "expected an IANA time zone"),
        ("[pagerduty]\nseverity_by_urgency = { high = 4 }", "urgency = severity 1 to 3"),
        ("[opsgenie]\nseverity_by_priority = []", "priority = severity 1 to 3"),
        ("[opsgenie]\nseverity_by_impact = {}", "accepted keys of [opsgenie]"),
    ],
)
def test_importer_keys_reject_bad_values(tmp_path: Path, text: str, needle: str) -> None:
    with pytest.raises(PolicyError) as err:
        load_text(tmp_path, text)
    assert needle in str(err.value)
