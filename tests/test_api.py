"""The analyst's API (analytics.api, exported by `analytics`): values as the CLI takes them,
periods by name, confidence=, hours, errors that say what was expected.

The hand-made warehouse below (as_of 2026-11-02) holds, per team, incidents each resolved in
a fixed time, so every median and every bootstrap interval is known without resampling
(n equal values: median = that value, interval = [value, value]):
  steady: 6 in 2026-Q3 and 6 in 2026-Q2, each 1 h        -> no change we can tell
  slower: 6 in 2026-Q3 of 2 h, 6 in 2026-Q2 of 1 h        -> higher, outside the interval
  rare:   2 in 2026-Q3 of 3 h, 2 in 2026-Q2 of 3 h        -> too few to tell
"""

from __future__ import annotations

import math
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from metrics_helpers import warehouse

import analytics
from analytics import api, db, metrics
from analytics.errors import UsageError
from analytics.periods import PeriodError

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2026-11-02T00:00:00Z"


def _incidents(team: str, quarter_start: date, hours: float, n: int) -> list[dict]:
    rows = []
    for k in range(n):
        # the 3rd of the quarter's first month at 10:00, then weekly
        first = datetime(quarter_start.year, quarter_start.month, 3, 10, tzinfo=UTC)
        start = first + timedelta(weeks=k)
        rows.append(
            {
                "incident_id": f"{team}.{quarter_start:%Y%m}.{k}",
                "severity": 2,
                "team": team,
                "started_at": start,
                "detected_at": start,
                "acknowledged_at": start + timedelta(minutes=10),
                "resolved_at": start + timedelta(hours=hours),
            }
        )
    return rows


@pytest.fixture(scope="module")
def wh(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("api") / "warehouse.duckdb"
    rows = []
    q3, q2 = date(2026, 7, 1), date(2026, 4, 1)
    rows += _incidents("steady", q3, 1, 6) + _incidents("steady", q2, 1, 6)
    rows += _incidents("slower", q3, 2, 6) + _incidents("slower", q2, 1, 6)
    rows += _incidents("rare", q3, 3, 2) + _incidents("rare", q2, 3, 2)
    con = warehouse(incidents=rows, con=duckdb.connect(str(path)))
    con.close()
    return path


def test_everything_in_all_is_there_and_import_is_light():
    for name in analytics.__all__:
        assert getattr(analytics, name) is not None, name
    assert analytics.mttx is api.mttx
    code = "import sys, analytics; print('pandas' in sys.modules, 'duckdb' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_py_typed_ships_with_the_package():
    assert (ROOT / "analytics" / "py.typed").is_file()
    assert '"py.typed"' in (ROOT / "pyproject.toml").read_text()


def test_the_issue_examples_now_work(wh):
    # db.reader(as_of=<ISO text>) raised AttributeError; period_bounds(<text>) a TypeError
    with db.reader(wh, as_of="2026-11-02T00:00:00Z") as con:
        frame = metrics.summary(con, *metrics.period_bounds("2026-07-01", "2026-09-30"))
    assert frame["incidents"].tolist() == [0, 14, 0]  # 6 + 6 + 2 SEV-2 incidents in Q3


def test_mttx_per_team_last_quarter_in_hours(wh):
    frame = api.mttx("last quarter", by="team", as_of=AS_OF, db=wh, units="h")
    frame = frame.set_index("team")
    assert frame.loc["slower", "mttr_median_h"] == 2.0
    assert frame.loc["slower", "mttr_median_lo_h"] == 2.0  # six equal values: [2 h, 2 h]
    assert frame.loc["steady", "mttr_n"] == 6
    assert frame.loc["rare", "mttr_median_h"] == 3.0
    assert frame.loc["steady", "mtta_median_h"] == pytest.approx(10 / 60)
    assert not any(c.endswith("_s") for c in frame.columns)


def test_mttx_equals_the_metrics_summary_at_default_confidence(sample_warehouse):
    # the same period written three ways, and the metrics module as the CLI calls it
    with db.reader(sample_warehouse, as_of=datetime(2026, 11, 2, tzinfo=UTC)) as con:
        expected = metrics.summary(
            con, *metrics.period_bounds(date(2026, 10, 1), date(2026, 10, 31)), by="team"
        )
    for period in ("2026-10", "2026-10-01..2026-10-31", (date(2026, 10, 1), date(2026, 10, 31))):
        got = api.mttx(period, by="team", as_of=AS_OF, db=sample_warehouse)
        pd.testing.assert_frame_equal(got, expected)


def test_a_lower_confidence_gives_nested_intervals(sample_warehouse):
    # same seed, same resamples: a 50% percentile interval lies inside the 90% one
    wide = api.mttx("2026-Q3", by="team", as_of=AS_OF, db=sample_warehouse)
    narrow = api.mttx("2026-Q3", by="team", as_of=AS_OF, db=sample_warehouse, confidence=0.5)
    for stat in ("mttr_median", "mtta_mean"):
        assert (narrow[f"{stat}_lo_s"] >= wide[f"{stat}_lo_s"]).all()
        assert (narrow[f"{stat}_hi_s"] <= wide[f"{stat}_hi_s"]).all()
        assert (narrow[f"{stat}_hi_s"] - narrow[f"{stat}_lo_s"]).sum() < (
            wide[f"{stat}_hi_s"] - wide[f"{stat}_lo_s"]
        ).sum()
    assert (narrow["mttr_median_s"] == wide["mttr_median_s"]).all()


def test_change_against_the_previous_quarter(wh):
    frame = api.change("2026-Q3", by="team", as_of=AS_OF, db=wh, units="h").set_index("team")
    assert frame.loc["slower", "current"] == 2.0 and frame.loc["slower", "previous"] == 1.0
    assert frame.loc["slower", "verdict"] == "higher than 2026-Q2, beyond the noise"
    assert frame.loc["steady", "verdict"] == "no change we can tell from noise (vs 2026-Q2)"
    assert frame.loc["rare", "verdict"].startswith("too few incidents to tell")
    assert (frame["metric"] == "mttr_median").all()
    # against= an explicit period: Q3 against itself cannot differ
    same = api.change("2026-Q3", against="2026-Q3", by="team", as_of=AS_OF, db=wh)
    assert (same["change"] == 0).all()


def test_trend_by_team_has_every_week_and_team(wh):
    frame = api.trend("2026-Q3", by="team", weeks=14, as_of=AS_OF, db=wh)
    # the 14 ISO weeks ending with the week of 30 Sep 2026 (W40 starts Mon 28 Sep): W27..W40
    # (Fri 3 Jul 2026, the first incidents, is in W27), x 3 teams, empty weeks included
    assert frame["iso_week"].iloc[0] == "2026-W27" and frame["iso_week"].iloc[-1] == "2026-W40"
    assert len(frame) == 14 * 3
    assert sorted(set(frame["team"])) == ["rare", "slower", "steady"]
    first = frame[frame["iso_week"] == "2026-W27"].set_index("team")
    assert first["incidents"].to_dict() == {"rare": 1, "slower": 1, "steady": 1}
    assert first.loc["slower", "mttr_median_s"] == 7200


def test_detectable_says_how_often_a_change_would_show(wh):
    frame = api.detectable("2026-Q3", by="team", as_of=AS_OF, db=wh).set_index("team")
    assert frame.loc["slower", "n"] == 6
    # Q3 is 92 days = 13.14 weeks: 6 incidents are 0.46 a week
    assert frame.loc["slower", "per_week"] == pytest.approx(6 / (92 / 7))
    # all six durations equal: a 20% shorter copy is always detected (variance 0, diff > 0)
    assert frame.loc["slower", "detect_period"] == 1.0
    assert math.isnan(frame.loc["slower", "detect_week"])  # under one a week: cannot tell


def test_incidents_drill_down(wh):
    rows = api.incidents("2026-Q3", team=" Slower ", as_of=AS_OF, db=wh, units="h")
    assert len(rows) == 6 and set(rows["team"]) == {"slower"}
    assert (rows["ttr_h"] == 2.0).all()
    assert api.incidents("2026-Q3", severity=1, as_of=AS_OF, db=wh).empty


def test_query_runs_sql_on_the_views_with_bound_values(wh):
    frame = api.query(
        "select team, count(*) as n from incident_metrics where ttr_s > $s group by team "
        "order by team",
        {"s": 3600},
        db=wh,
    )
    # > 1 h: slower's six Q3 ones (2 h) and rare's four (3 h)
    assert frame.to_dict("list") == {"team": ["rare", "slower"], "n": [4, 6]}
    with pytest.raises(UsageError, match=r"query failed: .*no_such_table"):
        api.query("select * from no_such_table", db=wh)


def test_hours_and_format_duration():
    frame = pd.DataFrame({"team": ["a"], "ttr_s": [5400.0], "n": [3]})
    assert api.hours(frame).to_dict("list") == {"team": ["a"], "ttr_h": [1.5], "n": [3]}
    assert "ttr_s" in frame.columns  # the argument is not changed
    # 45 s; 720 s = 12 min; 12,600 s = 3.5 h; 181,440 s = 2.1 d
    assert [api.format_duration(v) for v in (45, 720, 12600, 181440)] == [
        "45 s",
        "12 min",
        "3.5 h",
        "2.1 d",
    ]
    assert api.format_duration(None) == api.format_duration(math.nan) == "—"


@pytest.mark.parametrize(
    ("call", "needle"),
    [
        (lambda wh: api.mttx("2026-Q5", db=wh), "is not one of: 2026-11-02 (a day)"),
        (lambda wh: api.mttx("2026-Q3", by="person", db=wh), "by='person' is not one of"),
        (lambda wh: api.mttx("2026-Q3", confidence=90, db=wh), "between 0 and 1, e.g. 0.90"),
        (lambda wh: api.mttx("2026-Q3", units="min", db=wh), "units='min' is not 's'"),
        (lambda wh: api.mttx("2026-Q3", as_of="yesterday", db=wh), "as_of 'yesterday'"),
        (lambda wh: api.change("2026-Q3", metric="mttr", db=wh), "mttr_median, mttr_mean"),
        (lambda wh: api.incidents("2026-Q3", severity=4, db=wh), "severity=4 is not 1, 2 or 3"),
        (lambda wh: api.trend("2026-Q3", weeks=0, db=wh), "between 1 and 260"),
        (lambda wh: api.mttx("2026-Q3", db=wh.parent / "none.duckdb"), "no warehouse here"),
    ],
)
def test_errors_say_what_was_expected(wh, call, needle):
    with pytest.raises(analytics.AnalyticsError) as info:
        call(wh)
    assert needle in str(info.value)


def test_period_errors_are_value_errors_too():
    with pytest.raises(ValueError):
        analytics.period("soon")
    assert issubclass(PeriodError, UsageError)


def test_default_warehouse_is_the_projects_whatever_the_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("INCIDENT_ANALYTICS_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    assert api.warehouse() == ROOT / "data" / "warehouse.duckdb"
    assert api.warehouse("") == ROOT / "data" / "warehouse.duckdb"  # a notebook's default
    monkeypatch.setenv("INCIDENT_ANALYTICS_DB", str(tmp_path / "env.duckdb"))
    assert api.warehouse() == tmp_path / "env.duckdb"
    assert api.warehouse("mine.duckdb") == tmp_path / "mine.duckdb"  # explicit: as given


def test_the_docs_five_lines_run(sample_warehouse, monkeypatch):
    """docs/api.md's first example, run on the sample: five lines, and the output it shows."""
    text = (ROOT / "docs" / "api.md").read_text("utf-8")
    block = text.split("```python\n", 1)[1].split("```", 1)[0]
    lines = [line for line in block.splitlines() if line.strip()]
    assert len(lines) == 5
    monkeypatch.setenv("INCIDENT_ANALYTICS_DB", str(sample_warehouse))
    namespace: dict = {}
    results = []
    for line in lines:
        try:
            code = compile(line, "docs/api.md", "eval")
        except SyntaxError:  # a statement: import, assignment
            exec(line, namespace)
        else:
            results.append(eval(code, namespace))
    assert namespace["q"].label == "2026-Q3"
    with pd.option_context("display.precision", 2, "display.max_colwidth", 60):
        for frame in results[:2]:
            assert frame.to_string() in text, frame.to_string()
