"""analytics.pay.period_coverage: what a pay period's data covers (SPEC §12), by hand.

November 2026 throughout: [2026-11-01 00:00Z, 2026-12-01 00:00Z), 30 days = 720 h.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pay_helpers import memory_warehouse

from analytics.pay import period_coverage
from analytics.policy import load_policy

NOV = (date(2026, 11, 1), date(2026, 12, 1))
AFTER = datetime(2026, 12, 2, tzinfo=UTC)
LATE_PAGE = [("p-late", "2026-12-01 06:00", "Alice", "platform", None)]  # events reach past Nov
OLD_INCIDENT = [("INC-0", 3, "platform", "2026-10-01 00:00", None)]  # incidents are provided
FULL = [
    ("platform", "Alice", "2026-10-26 00:00", "2026-11-15 00:00"),
    ("platform", "Bob", "2026-11-15 00:00", "2026-12-07 00:00"),
]


def coverage(
    rotations, *, pages=LATE_PAGE, incidents=OLD_INCIDENT, policy=None, now=AFTER, period=NOV
):
    """The coverage of ``period`` after ingesting these rotation rows (resolved as ingest does:
    overrides cut into the shifts they cover, gaps found) and pages."""
    con = memory_warehouse(rotations=rotations, pages=pages, incidents=incidents)
    try:
        return period_coverage(con, *period, now=now, policy=policy)
    finally:
        con.close()


def policy_file(tmp_path, text):
    path = tmp_path / "policy.toml"
    path.write_text(text)
    return load_policy(path)


def levels(result):
    return [(f.level, f.source, f.team) for f in result.findings]


def test_a_fully_covered_period_has_no_finding():
    result = coverage(FULL)
    assert result.findings == ()
    assert result.complete and result.shortfalls == [] and result.warnings == []


def test_an_override_that_fills_a_gap_covers_it():
    shifts = [
        ("platform", "Alice", "2026-11-01 00:00", "2026-11-10 00:00"),
        ("platform", "Bob", "2026-11-10 00:00", "2026-11-11 00:00", True),
        ("platform", "Alice", "2026-11-11 00:00", "2026-12-01 00:00"),
    ]
    assert coverage(shifts).findings == ()


def test_a_short_interior_gap_is_a_warning():
    # Alice until 11-15 10:00, Bob from 16:00: 6 h with nobody on call, under 24 h
    shifts = [
        ("platform", "Alice", "2026-11-01 00:00", "2026-11-15 10:00"),
        ("platform", "Bob", "2026-11-15 16:00", "2026-12-01 00:00"),
    ]
    result = coverage(shifts)
    assert result.complete
    assert result.warnings == [
        "team platform: nobody on call from 2026-11-15T10:00:00Z to 2026-11-15T16:00:00Z "
        "(6 h): nobody is paid for it"
    ]


def test_a_gap_of_exactly_max_gap_hours_is_a_warning_and_one_longer_a_shortfall():
    exactly = [
        ("platform", "Alice", "2026-11-01 00:00", "2026-11-15 00:00"),
        ("platform", "Bob", "2026-11-16 00:00", "2026-12-01 00:00"),
    ]
    assert levels(coverage(exactly)) == [("warning", "rotations", "platform")]
    # 11-15 00:00 .. 11-16 06:00 = 30 h > 24
    longer = [
        ("platform", "Alice", "2026-11-01 00:00", "2026-11-15 00:00"),
        ("platform", "Bob", "2026-11-16 06:00", "2026-12-01 00:00"),
    ]
    result = coverage(longer)
    assert not result.complete
    assert result.shortfalls == [
        "team platform: nobody on call from 2026-11-15T00:00:00Z to 2026-11-16T06:00:00Z "
        "(30 h, longer than [coverage] max_gap_hours = 24)"
    ]


def test_max_gap_hours_comes_from_the_policy(tmp_path):
    shifts = [
        ("platform", "Alice", "2026-11-01 00:00", "2026-11-15 10:00"),
        ("platform", "Bob", "2026-11-15 16:00", "2026-12-01 00:00"),
    ]
    strict = policy_file(tmp_path, "[coverage]\nmax_gap_hours = 4.5\n")
    assert coverage(shifts, policy=strict).shortfalls == [
        "team platform: nobody on call from 2026-11-15T10:00:00Z to 2026-11-15T16:00:00Z "
        "(6 h, longer than [coverage] max_gap_hours = 4.5)"
    ]


def test_a_gap_across_the_period_start_is_an_interior_gap():
    # the rotation runs on both sides of a 5 h gap 10-31 22:00 .. 11-01 03:00; November sees
    # the 3 h of it after 00:00
    shifts = [
        ("platform", "Alice", "2026-10-20 00:00", "2026-10-31 22:00"),
        ("platform", "Bob", "2026-11-01 03:00", "2026-12-01 00:00"),
    ]
    assert coverage(shifts).warnings == [
        "team platform: nobody on call from 2026-11-01T00:00:00Z to 2026-11-01T03:00:00Z "
        "(3 h): nobody is paid for it"
    ]


def test_rotation_data_that_stops_inside_the_period_is_a_shortfall(tmp_path):
    # 11-20 00:00 .. 12-01 00:00 = 11 days = 264 h
    shifts = [("platform", "Alice", "2026-11-01 00:00", "2026-11-20 00:00")]
    assert coverage(shifts).shortfalls == [
        "team platform: rotation data ends 2026-11-20T00:00:00Z: uncovered from "
        "2026-11-20T00:00:00Z to the period end 2026-12-01T00:00:00Z (264 h); ingest the later "
        "rotation, or declare [coverage] team_ends if it stopped"
    ]
    # the rotation stopped on 11-20: expected until 11-20 00:00, covered
    ended = policy_file(tmp_path, '[coverage]\nteam_ends = { platform = "2026-11-20" }\n')
    assert coverage(shifts, policy=ended).findings == ()
    # declared a day later than the data: 24 h short of the declared end
    later = policy_file(tmp_path, '[coverage]\nteam_ends = { " Platform " = 2026-11-21 }\n')
    assert coverage(shifts, policy=later).shortfalls == [
        "team platform: rotation data ends 2026-11-20T00:00:00Z: uncovered from "
        "2026-11-20T00:00:00Z to its declared end (team_ends) 2026-11-21T00:00:00Z (24 h); "
        "ingest the later rotation, or declare [coverage] team_ends if it stopped"
    ]


def test_a_team_that_starts_inside_the_period_is_a_shortfall_unless_declared(tmp_path):
    # 11-01 00:00 .. 11-10 09:00 = 9 x 24 + 9 = 225 h
    shifts = [*FULL, ("search", "Chen", "2026-11-10 09:00", "2026-12-01 00:00")]
    assert coverage(shifts).shortfalls == [
        "team search: first shift starts 2026-11-10T09:00:00Z: uncovered from the period start "
        "2026-11-01T00:00:00Z to 2026-11-10T09:00:00Z (225 h); ingest the earlier rotation, "
        "or declare [coverage] team_starts if it began then"
    ]
    # began at that instant: expected from then on, covered
    began = policy_file(tmp_path, "[coverage]\nteam_starts = { search = 2026-11-10T09:00:00Z }\n")
    assert coverage(shifts, policy=began).findings == ()
    # a day is 00:00 UTC: declared as beginning on 11-10, the 9 h before the first shift remain
    day = policy_file(tmp_path, '[coverage]\nteam_starts = { search = "2026-11-10" }\n')
    assert coverage(shifts, policy=day).shortfalls == [
        "team search: first shift starts 2026-11-10T09:00:00Z: uncovered from its declared "
        "start (team_starts) 2026-11-10T00:00:00Z to 2026-11-10T09:00:00Z (9 h); ingest the "
        "earlier rotation, or declare [coverage] team_starts if it began then"
    ]
    assert (
        coverage(
            [*FULL, ("search", "Chen", "2026-11-10 00:00", "2026-12-01 00:00")], policy=day
        ).findings
        == ()
    )


def test_a_team_that_stopped_before_the_period_is_expected_unless_declared(tmp_path):
    shifts = [*FULL, ("legacy", "Dana", "2026-09-01 00:00", "2026-10-20 00:00")]
    assert coverage(shifts).shortfalls == [
        "team legacy: rotation data ends 2026-10-20T00:00:00Z: uncovered from "
        "2026-11-01T00:00:00Z to the period end 2026-12-01T00:00:00Z (720 h); ingest the later "
        "rotation, or declare [coverage] team_ends if it stopped"
    ]
    ended = policy_file(tmp_path, '[coverage]\nteam_ends = { legacy = "2026-10-20" }\n')
    assert coverage(shifts, policy=ended).findings == ()


def test_a_team_whose_rotation_starts_after_the_period_is_not_expected():
    shifts = [*FULL, ("future", "Eve", "2026-12-05 00:00", "2026-12-12 00:00")]
    assert coverage(shifts).findings == ()


def test_a_team_that_paused_for_the_whole_period_is_one_long_interior_gap():
    shifts = [
        *FULL,
        ("db", "Dana", "2026-10-01 00:00", "2026-11-01 00:00"),
        ("db", "Dana", "2026-12-01 00:00", "2026-12-08 00:00"),
    ]
    assert coverage(shifts).shortfalls == [
        "team db: nobody on call from 2026-11-01T00:00:00Z to 2026-12-01T00:00:00Z "
        "(720 h, longer than [coverage] max_gap_hours = 24)"
    ]


def test_incidents_and_pages_must_reach_the_period_end():
    pages = [("p1", "2026-11-20 06:30", "Alice", "platform", None)]
    # 11-20 06:30 .. 12-01 00:00 = 10 days 17.5 h = 257.5 h
    result = coverage(FULL, pages=pages)
    assert [f.source for f in result.findings] == ["incidents", "pages"]
    assert result.shortfalls[1] == (
        "pages: data ends 2026-11-20T06:30:00Z, 257.5 h before the period end "
        "2026-12-01T00:00:00Z; ingest the later pages"
    )
    assert result.findings[1].start_at == datetime(2026, 11, 20, 6, 30, tzinfo=UTC)


def test_no_event_data_at_all_is_a_shortfall():
    result = coverage(FULL, pages=[], incidents=[])
    assert result.shortfalls == [
        "incidents: no data in the warehouse, so none before 2026-12-01T00:00:00Z; ingest the "
        "incidents",
        "pages: no data in the warehouse, so none before 2026-12-01T00:00:00Z; ingest the pages",
    ]


@pytest.mark.parametrize(
    ("now", "complete"),
    [
        (datetime(2026, 12, 1, tzinfo=UTC), True),
        (datetime(2026, 11, 30, 23, 59, tzinfo=UTC), False),
    ],
)
def test_a_period_not_over_is_a_blocker(now, complete):
    result = coverage(FULL, now=now)
    assert result.complete is complete
    if not complete:
        assert result.blockers == [
            "period 2026-11-01 .. 2026-11-30 has not ended: it ends 2026-12-01T00:00:00Z, "
            "after now (2026-11-30T23:59:00Z)"
        ]


def test_a_period_with_no_shift_at_all_is_a_blocker():
    # the sample's rotations begin in May: January has none, and nothing is expected in it
    shifts = [("platform", "Alice", "2026-05-04 00:00", "2026-11-02 00:00")]
    result = coverage(shifts, period=(date(2026, 1, 1), date(2026, 2, 1)))
    assert result.blockers == [
        "rotations: no on-call shift in 2026-01-01 .. 2026-01-31 at all "
        "(2026-01-01T00:00:00Z to 2026-02-01T00:00:00Z)"
    ]
    assert coverage([], pages=LATE_PAGE).blockers[0].startswith("rotations: no on-call shift")


def test_findings_come_in_a_stable_order():
    shifts = [
        ("search", "Chen", "2026-11-01 00:00", "2026-11-20 00:00"),
        ("db", "Dana", "2026-11-01 00:00", "2026-11-10 00:00"),
        ("db", "Dana", "2026-11-12 00:00", "2026-11-25 00:00"),
    ]
    result = coverage(shifts, pages=[("p", "2026-11-28 00:00", "Chen", "search", None)])
    assert levels(result) == [
        ("shortfall", "rotations", "db"),  # 11-10 .. 11-12, 48 h
        ("shortfall", "rotations", "db"),  # after 11-25
        ("shortfall", "rotations", "search"),  # after 11-20
        ("shortfall", "incidents", None),
        ("shortfall", "pages", None),
    ]


# --- the [coverage] policy keys and the pay version -----------------------------------------


def test_coverage_keys_parse_days_and_instants(tmp_path):
    policy = policy_file(
        tmp_path,
        "[coverage]\n"
        'team_ends = { " Legacy " = "2026-10-15", db = 2026-10-20 }\n'
        "team_starts = { search = 2026-11-10T10:00:00+01:00 }\n"
        "max_gap_hours = 12\n",
    )
    assert policy.coverage_team_ends == (("db", date(2026, 10, 20)), ("legacy", date(2026, 10, 15)))
    # +01:00 is stored as the UTC instant
    assert policy.coverage_team_starts == (("search", datetime(2026, 11, 10, 9, tzinfo=UTC)),)
    assert policy.coverage_max_gap_hours == 12.0


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (
            "max_gap_hours = 0",
            "coverage.max_gap_hours = 0 (line 2): expected a number of hours > 0",
        ),
        ("max_gap_hours = 'x'", "expected a number of hours > 0"),
        ('team_ends = { a = "soon" }', "expected a table of team ="),
        ("team_ends = { a = 2026-10-15T00:00:00 }", "an instant with its offset"),
        ('team_starts = { A = 2026-10-15, " a" = 2026-10-16 }', "must be distinct"),
        ("team_starts = 3", "expected a table of team ="),
        ("gap_hours = 3", "unknown key 'coverage.gap_hours'"),
    ],
)
def test_bad_coverage_keys_are_policy_errors(tmp_path, text, says):
    from analytics.errors import PolicyError

    with pytest.raises(PolicyError, match=r"policy\.toml: ") as err:
        policy_file(tmp_path, f"[coverage]\n{text}\n")
    assert says in str(err.value)


def test_the_pay_version_hashes_the_pay_keys_only(tmp_path):
    from analytics.policy import DEFAULT_POLICY

    others = policy_file(
        tmp_path,
        "[response]\nsev1_minutes = 10\n[coverage]\nmax_gap_hours = 6\n"
        "[business_hours]\ntimezone = 'Europe/Berlin'\n",
    )
    assert others.version != DEFAULT_POLICY.version
    assert others.pay_version == DEFAULT_POLICY.pay_version
    overnight = policy_file(tmp_path, "[overnight]\nstart = '23:00'\n")
    assert overnight.pay_version != DEFAULT_POLICY.pay_version
    respelled = policy_file(
        tmp_path,
        "[[pay]]\neffective_from = 2000-01-01\nweekly_stipend_usd = 500\n"
        "sev1_bonus_usd = '200.00'\ncomp_hours_per_overnight_page = '4.0'\n",
    )
    assert respelled.pay_version == DEFAULT_POLICY.pay_version
    raised = policy_file(
        tmp_path,
        "[[pay]]\neffective_from = 2000-01-01\nweekly_stipend_usd = 501\n"
        "sev1_bonus_usd = '200.00'\ncomp_hours_per_overnight_page = 4\n",
    )
    assert raised.pay_version != DEFAULT_POLICY.pay_version
