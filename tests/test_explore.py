"""The exploration notebook's sections (analytics.explore), run in-process on the sample.

Each section answers a manager's question; these check that each shows its answer with n and
intervals, and the API call giving the same numbers. The sample's 2026-Q3 holds 70 incidents
(9 SEV-1, 20 SEV-2, 41 SEV-3), counted by `incident-analytics metrics --from 2026-07-01
--to 2026-09-30`.
"""

from __future__ import annotations

import pytest

from analytics import context, explore, render
from analytics.errors import UsageError

AS_OF = "2026-11-02T00:00:00Z"


@pytest.fixture
def shown(monkeypatch) -> list[str]:
    """What the helpers display, as HTML text (charts as their spec's title)."""
    out: list[str] = []
    monkeypatch.setattr(render, "show", out.append)
    monkeypatch.setattr(render, "display", lambda chart: out.append(f"<chart {chart.to_dict()}>"))
    return out


@pytest.fixture
def scope(sample_warehouse, shown):
    s = explore.scope(
        context.from_parameters(db=str(sample_warehouse), period="2026-Q3", as_of=AS_OF)
    )
    shown.clear()
    return s


def test_scope_reads_the_parameters_once(sample_warehouse, shown):
    s = explore.scope(
        context.from_parameters(db=str(sample_warehouse), period="last quarter", as_of=AS_OF),
        confidence=0.8,
    )
    assert s.period.label == "2026-Q3" and s.confidence == 0.8
    assert "Wed 01 Jul 2026 – Wed 30 Sep 2026" in shown[0]
    assert str(sample_warehouse) in shown[0]
    with pytest.raises(UsageError, match="is not one of"):
        explore.scope(
            context.from_parameters(db=str(sample_warehouse), period="Q3 please", as_of=AS_OF)
        )


def test_glance_compares_with_the_period_before(scope, shown):
    explore.show_glance(scope)
    html = shown[0]
    assert "2026-Q3" in html and "2026-Q2" in html
    assert "70 (9 / 20 / 41)" in html
    assert "n = 70" in html  # every incident of Q3 is resolved by as_of
    assert "analytics.mttx(&#x27;2026-Q3&#x27;" in html


def test_mttx_per_team_has_intervals_n_and_a_chart(scope, shown):
    explore.show_mttx(scope, by="team")
    table, chart, text = shown
    for team in ("payments", "platform", "search"):
        assert team in table
    assert " – " in table  # median (lo – hi)
    assert "n (resolved)" in table
    assert "median and 90% interval" in chart
    assert "units=&#x27;h&#x27;" in text


def test_trend_says_whether_a_change_can_be_told_from_noise(scope, shown):
    explore.show_trend(scope, by="team", weeks=12)
    chart, html = shown
    assert "Median time to resolve per week by team" in chart
    assert "2026-Q2" in html and "verdict" in html
    assert "from noise" in html or "beyond the noise" in html
    assert "a real 20% gain shows" in html


def test_compliance_by_check(scope, shown):
    explore.show_compliance(scope)
    for check in ("response", "postmortem", "status cadence", "escalation"):
        assert check in shown[0]


def test_drill_down_defaults_to_the_slowest_team(scope, shown):
    explore.show_incidents(scope)
    # payments has the slowest median time to resolve in 2026-Q3 (1.9 h, against 1.8 h)
    assert "incidents of team payments in 2026-Q3" in shown[0]
    shown.clear()
    explore.show_incidents(scope, team="Search", severity=1)
    assert "of team search SEV-1 in 2026-Q3" in shown[0]


def test_oncall_load_and_own_sql(scope, shown):
    explore.show_oncall_load(scope)
    assert "share in sleep hours" in shown[0]
    shown.clear()
    explore.show_sql(scope)
    assert "incident_metrics" in shown[0] and "analytics.query(sql" in shown[0]
    with pytest.raises(UsageError, match="not a public table"):
        explore.show_sql(scope, "src_incidents")


def test_an_empty_period_says_so(sample_warehouse, shown):
    s = explore.scope(
        context.from_parameters(db=str(sample_warehouse), period="2020-Q1", as_of=AS_OF)
    )
    shown.clear()
    for show in (explore.show_mttx, explore.show_trend, explore.show_incidents):
        show(s)
    explore.show_glance(s)
    assert "No incidents" in shown[0] and "No incidents" in shown[1]
    assert "No resolved incidents" in shown[2]
    assert "0 (0 / 0 / 0)" in shown[3]


def test_scope_says_when_the_data_or_the_period_falls_short(sample_warehouse, shown):
    """Missing is not zero: before the data began the context line is followed by the reports'
    banner (it read "0 (0 / 0 / 0)" and "No incidents" with no word of the data), a period not
    over at the report time says so, and one not begun is refused (all of it zeros before)."""
    explore.scope(context.from_parameters(db=str(sample_warehouse), period="2020-Q1", as_of=AS_OF))
    assert "Incidents, pages and action items: the data begins on Mon 04 May 2026" in shown[1]
    assert "had not ended" not in "".join(shown)
    shown.clear()
    explore.scope(context.from_parameters(db=str(sample_warehouse), period="2026-Q4", as_of=AS_OF))
    assert "<b>2026-Q4 had not ended at the report time</b>" in shown[-1]
    with pytest.raises(UsageError, match="nothing in it has happened yet"):
        explore.scope(
            context.from_parameters(db=str(sample_warehouse), period="2027-Q1", as_of=AS_OF)
        )
