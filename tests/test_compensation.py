"""The compensation report: periods, its data, each line in words, the command, the HTML.

The warehouse is test_reports' hand-built one; for October 2026 its pay works out by hand:
- Zebedee (payments, Europe/Lisbon) on call 19 Oct 00:00 -> 2 Nov, clipped to 1 Nov: 13 days =
  312 h -> 500 x 312 / 168 = 928.571... -> $928.57; acknowledged SEV-1 2026-10-26-db -> $200;
  his page on Mon 26 Oct 10:05Z is 10:05 in Lisbon (summer time ended 25 Oct): business hours,
  not overnight. Total $1,128.57.
- Ignatius (search, UTC) on call 19 Oct -> 30 Oct: 11 days = 264 h -> 500 x 264 / 168 =
  785.714... -> $785.71; acknowledged SEV-1 2026-10-20-old -> $200; page 28 Oct 23:30 UTC is
  overnight -> 1 page, 4 h comp time. Total $985.71.
- Totals: 576 h, stipends $1,714.28, bonuses $400.00, total $2,114.28.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from test_reports import build_warehouse
from test_weekly_reviews import add_review_rows

from analytics import compensation, compensation_html, context, pay, render, reports
from analytics.errors import UsageError
from tests.conftest import compensation_report, run_cli

AS_OF = "2026-11-02T00:00:00Z"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("comp") / "warehouse.duckdb")


# ----------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("text", "first", "end"),
    [
        ("2026-10", date(2026, 10, 1), date(2026, 11, 1)),
        ("2026-12", date(2026, 12, 1), date(2027, 1, 1)),
        ("2028-02", date(2028, 2, 1), date(2028, 3, 1)),
        (" 2026-10-01..2026-10-15 ", date(2026, 10, 1), date(2026, 10, 16)),
        ("2026-10-07..2026-10-07", date(2026, 10, 7), date(2026, 10, 8)),  # one day
        ("last month", date(2026, 10, 1), date(2026, 11, 1)),  # before as_of 2 Nov
    ],
)
def test_pay_periods_are_whole_days_from_any_period_form(text, first, end):
    assert compensation.pay_days(text, AS_OF) == (first, end)


@pytest.mark.parametrize(
    "text",
    [
        "2026-13",
        "2026-00",
        "26-10",
        "2026-10-15..2026-10-01",
        "2026-02-30..2026-03-01",
        "october",
        "",
    ],
)
def test_bad_periods_are_usage_errors_naming_the_value(text):
    with pytest.raises(UsageError):
        compensation.pay_days(text, AS_OF)


def test_period_names_match_the_payroll_files():
    assert compensation.period_name(date(2026, 10, 1), date(2026, 11, 1)) == "2026-10"
    assert compensation.period_name(date(2026, 12, 1), date(2027, 1, 1)) == "2026-12"
    assert (
        compensation.period_name(date(2026, 10, 1), date(2026, 10, 16)) == "2026-10-01_2026-10-15"
    )
    # a quarter is three months: named by its days, as payroll names a --from/--to export
    assert compensation.period_name(date(2026, 7, 1), date(2026, 10, 1)) == "2026-07-01_2026-09-30"


# ----------------------------------------------------------------- each line in words


def test_a_rate_change_is_explained_per_rate_and_the_stipend_is_the_lines():
    # docs/payroll.md: Chen's week pays 72 h x 500/168 + 96 h x 700/168 = 614.2857 -> 614.29,
    # and his two SEV-1s pay $200 and $250.
    line = pay.PayrollLine(
        date(2026, 11, 1), date(2026, 11, 30), "E7", "Chen", "db", Decimal("168.00"),
        Decimal("614.29"), 2, Decimal("450.00"), 1, Decimal("4.00"), Decimal("1064.29"),
    )  # fmt: skip
    rows = [
        {"kind": "shift", "seconds": str(72 * 3600), "rate": "500.00"},
        {"kind": "shift", "seconds": str(96 * 3600), "rate": "700.00"},
        {"kind": "sev1", "ref": "INC-4", "detail": "acknowledged"},
        {"kind": "sev1", "ref": "INC-6", "detail": "on call at detection (no acknowledger)"},
        {"kind": "overnight_page", "ref": "P-1", "detail": "local ..."},
    ]
    payroll = pay.Payroll(
        date(2026, 11, 1), date(2026, 12, 1), [line],
        [{"engineer": "Chen", "team": "db", **r} for r in rows], [], "x", "v1",
    )  # fmt: skip
    (item,) = compensation.explain_lines(payroll)
    assert item.sentences == [
        "On call 168 h: 72 h at $500.00 a week and 96 h at $700.00 a week: stipend $614.29.",
        "2 SEV-1 incidents, INC-4 (acknowledged); INC-6 (on call at detection (no "
        "acknowledger)): bonus $450.00.",
        "1 overnight page counted: 4 h of comp time.",
        "Total pay $1,064.29 = stipend $614.29 + SEV-1 bonus $450.00.",
    ]
    assert len(item.rows) == 5


# ----------------------------------------------------------------- the data


def test_load_gives_the_payroll_lines_pages_and_no_export(warehouse):
    data = compensation.load(
        context.from_parameters(db=warehouse, period="2026-10", as_of=AS_OF, wait=0)
    )
    lines = {x.engineer: x for x in data.payroll.lines}
    assert [x.engineer for x in data.payroll.lines] == [
        "Zebedee Quartermaine",
        "Ignatius Fairweather",
    ]
    zeb, ign = lines["Zebedee Quartermaine"], lines["Ignatius Fairweather"]
    assert (zeb.oncall_hours, zeb.stipend_usd, zeb.sev1_bonus_usd) == (312, Decimal("928.57"), 200)
    assert (zeb.overnight_pages, zeb.total_pay_usd) == (0, Decimal("1128.57"))
    assert (ign.oncall_hours, ign.stipend_usd, ign.overnight_pages) == (264, Decimal("785.71"), 1)
    assert data.payroll.totals()["total_pay_usd"] == "2114.28"
    assert data.period == "2026-10" and not data.provisional and data.export is None
    people = compensation.people_frame(data).set_index("engineer")
    assert people.loc["Zebedee Quartermaine", ["business_pages", "sleep_pages"]].tolist() == [1, 0]
    assert people.loc["Ignatius Fairweather", ["business_pages", "sleep_pages"]].tolist() == [0, 1]
    assert people["order"].tolist() == [0, 1]  # payments before search, as the lines


def test_a_period_not_ended_at_the_report_time_is_provisional(warehouse):
    data = compensation.load(
        context.from_parameters(
            db=warehouse, period="2026-10", as_of="2026-10-31T23:59:59Z", wait=0
        )
    )
    assert data.provisional


def test_export_status_says_whether_the_file_has_these_figures(warehouse, tmp_path):
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse, db)
    out = tmp_path / "payroll" / "payroll-2026-10.csv"
    # this small warehouse does not cover all of October: the export is finalised anyway
    # (the coverage refusal itself is tested in test_pay_coverage/test_pay_cli)
    pay.export_payroll(
        context.from_parameters(db=db, period="2026-10", wait=0), out=out, accept_coverage=True
    )
    data = compensation.load(context.from_parameters(db=db, period="2026-10", as_of=AS_OF, wait=0))
    assert data.export is not None
    assert data.export.same_figures
    assert (data.export.rows, data.export.total_pay_usd) == (2, Decimal("2114.28"))
    # a shift added after the export: the report's figures no longer match the file
    con = duckdb.connect(str(db))
    con.execute(
        "insert into oncall_shifts values ('search', 'Ignatius Fairweather', "
        "'2026-10-30 00:00:00+00', '2026-10-31 00:00:00+00', false)"
    )
    con.close()
    changed = compensation.load(
        context.from_parameters(db=db, period="2026-10", as_of=AS_OF, wait=0)
    )
    assert changed.export is not None and not changed.export.same_figures
    assert changed.payroll.totals()["total_pay_usd"] == "2185.71"  # + 500 x 24 / 168 = 71.43


# ----------------------------------------------------------------- the command


def test_usage_errors_exit_2_before_a_kernel(warehouse, tmp_path):
    cases = [
        (["--period", "2026-13"], "--period '2026-13'"),
        (["--period", "2026-10", "--from", "2026-10-01", "--to", "2026-10-02"], "not both"),
        (["--from", "2026-10-01"], "go together"),
        (["--from", "2026-10-05", "--to", "2026-10-01"], "is before --from"),
        (["--as-of", "soon"], "--as-of 'soon'"),
    ]
    for args, needle in cases:
        result = run_cli(
            "report", "compensation", *args, "--db", str(warehouse), "--out", str(tmp_path)
        )
        assert result.returncode == 2, (args, result.stderr)
        assert needle in result.stderr and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert not any(tmp_path.iterdir())


def test_an_out_folder_that_cannot_be_made_is_a_usage_error(warehouse):
    result = run_cli(
        "report", "compensation", "--period", "2026-10", "--out", "/proc/nope",
        "--db", str(warehouse),
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.startswith("incident-analytics: --out /proc/nope:"), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_missing_warehouse_exits_1_with_one_line(tmp_path):
    result = run_cli(
        "report", "compensation", "--period", "2026-10", "--db", str(tmp_path / "no.duckdb")
    )
    assert result.returncode == 1
    assert "run `incident-analytics ingest` first" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_report_name_is_built_from_the_period_inside_the_folder(tmp_path, monkeypatch):
    seen = {}

    def fake_run(notebook, parameters, out_html, **kw):
        seen.update(notebook=notebook, parameters=parameters, out=out_html)
        return out_html

    monkeypatch.setattr(reports, "run_report", fake_run)
    monkeypatch.setattr("analytics.db.reader", lambda *a, **k: _Nothing())
    compensation_report("2026-10-01..2026-10-15", AS_OF, tmp_path)
    assert seen["out"] == tmp_path.resolve() / "compensation-2026-10-01_2026-10-15.html"
    assert seen["parameters"]["period"] == "2026-10-01..2026-10-15"
    assert seen["parameters"]["as_of"] == AS_OF
    compensation_report(None, AS_OF, tmp_path)  # default: the month before as_of
    assert seen["out"].name == "compensation-2026-10.html"


class _Nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


# ----------------------------------------------------------------- the HTML (runs the notebook)


@pytest.fixture(scope="module")
def report_html(warehouse, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("payroll")
    return compensation_report("2026-10", AS_OF, out, warehouse, 0)


def test_report_smoke_offline_html_with_people_charts_and_no_instructions(report_html, warehouse):
    assert report_html.name == "compensation-2026-10.html"
    # the command writes the report and its executed notebook, and no payroll file
    assert sorted(p.name for p in report_html.parent.iterdir()) == [
        "compensation-2026-10.html",
        "compensation-2026-10.ipynb",
    ]
    text = report_html.read_text("utf-8")
    for expected in (
        "$2,114.28",
        "$1,128.57",
        "$985.71",
        "Zebedee Quartermaine",
        "576 h",
        "SEV-1 bonuses (2 incidents)",
        "Comp time (1 overnight page)",  # one page, not "1 overnight pages"
    ):
        assert expected in text, expected
    assert "On call 312 h at $500.00 a week: stipend $928.57." in text
    # fairness and hand-off sections (issue 19.1, 19.4): Zebedee alone in payments, 14 days
    # on call in a row (19 Oct - 1 Nov on his Lisbon calendar) against a limit of 8
    for expected in (
        "Fairness and working time",
        "fair share",
        "only member",
        "14 consecutive days on call (limit 8)",
        "Shares are noisy",
        "Hand-off notes",
        "No hand-over between engineers in this period.",
    ):
        assert expected in text, expected
    charts = re.findall(r"<svg.*?</svg>", text, flags=re.S)
    assert len([c for c in charts if "role-mark" in c and "<path" in c]) >= 1
    assert re.findall(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", text, flags=re.I) == []
    for developer_text in ("export = True", "export=True", "Traceback", "compensation.load"):
        assert developer_text not in text
    # nothing recorded: the period has no export
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("select count(*) from payroll_exports").fetchone() == (0,)
    finally:
        con.close()


# ----------------------------------------------------------------- headless Chromium (slow)


def _chromium() -> str | None:
    return shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )


def _chromium_args(profile: Path) -> list[str]:
    return [
        _chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=8000",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost",
    ]


# Run in the page after load: how wide the document is against the 1280 px window, and every
# header a reader sees (table headers and chart texts), so the test reads them from the DOM.
_PROBE = """<script>
window.addEventListener("load", () => {
  const probe = document.createElement("pre");
  probe.id = "layout-probe";
  probe.textContent = JSON.stringify({
    scroll_width: document.documentElement.scrollWidth,
    window_width: window.innerWidth,
    headers: [...document.querySelectorAll("th, svg text, h1, h2, h3, summary")]
      .map(e => e.textContent.trim()),
  });
  document.body.appendChild(probe);
});
</script>"""


@pytest.mark.slow
@pytest.mark.skipif(_chromium() is None, reason="chromium not installed (apt-get install chromium)")
def test_compensation_report_reads_well_in_headless_chromium(sample_warehouse, tmp_path):
    """The sample's October 2026, rendered at 1280 px wide with no network: charts drawn, no
    horizontal scrolling, no snake_case header, no developer instruction; a screenshot for
    docs/ (written there when $SCREENSHOT_DIR is set, e.g. SCREENSHOT_DIR=docs)."""
    html = compensation_report("2026-10", AS_OF, tmp_path / "payroll", sample_warehouse, 0)
    probed = tmp_path / "probed.html"
    probed.write_text(html.read_text("utf-8").replace("</body>", _PROBE + "</body>"), "utf-8")
    args = [*_chromium_args(tmp_path / "p1"), "--window-size=1280,1000", "--dump-dom"]
    dom = subprocess.run(
        [*args, probed.as_uri()], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    probe = json.loads(
        re.search(r'<pre id="layout-probe">(.*?)</pre>', dom, flags=re.S)[1]
        .replace("&quot;", '"')
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
    )
    assert probe["window_width"] == 1280
    assert probe["scroll_width"] <= 1280, "the page scrolls sideways at 1280 px"
    charts = re.findall(r"<svg.*?</svg>", dom, flags=re.S)
    assert len([c for c in charts if "role-mark" in c and "<path" in c]) >= 1
    assert "Error loading script" not in dom
    raw = [h for h in probe["headers"] if re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", h)]
    assert raw == [], f"raw column names shown: {raw}"
    for header in (
        "Hours on call",
        "Pages received",
        "Total pay",
        "Comp time",
        "Team's fair share",  # fairness (issue 19.4)
        "Nights interrupted",
        "Outgoing engineer",  # hand-off notes per person (issue 19.1)
    ):
        assert header in probe["headers"], header
    assert "export = True" not in dom and "export=True" not in dom

    shot = tmp_path / "compensation-report.png"
    subprocess.run(
        [*_chromium_args(tmp_path / "p2"), "--window-size=1280,1330",
         "--force-device-scale-factor=0.75", f"--screenshot={shot}", html.as_uri()],
        capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    target = _screenshot_dir()
    if target is not None:
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, target / "compensation-report.png")


def _screenshot_dir() -> Path | None:
    import os

    name = os.environ.get("SCREENSHOT_DIR")
    return None if not name else (ROOT / name if not Path(name).is_absolute() else Path(name))


# ----------------------------------------------------------------- charts


@pytest.mark.parametrize(("most", "labels"), [(1, ["0", "1"]), (3, ["0", "1", "2", "3"])])
def test_page_counts_have_whole_ticks(most, labels):
    import pandas as pd
    import vl_convert as vlc

    from analytics import charts

    df = pd.DataFrame(
        {
            "engineer": ["Ann", "Bo"],
            "order": [0, 1],
            "business_pages": [0, 0],
            "off_hours_pages": [most, 0],
            "sleep_pages": [0, 0],
        }
    )
    svg = vlc.vegalite_to_svg(charts.pages_by_person(df).to_dict())
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert texts[: texts.index("pages")] == labels


# ----------------------------------------------------------------- fairness and hand-offs


@pytest.fixture(scope="module")
def handoff_data(tmp_path_factory) -> compensation.CompensationData:
    """October 2026 of test_weekly_reviews' warehouse: search hands over Ignatius -> Ottoline
    on Fri 30 Oct 00:00 (note 12 h before: met) and Ottoline -> Ignatius on Sat 31 Oct 00:00
    (no note: breached)."""
    path = add_review_rows(build_warehouse(tmp_path_factory.mktemp("fair") / "w.duckdb"))
    return compensation.load(context.from_parameters(db=path, period="2026-10", as_of=AS_OF))


def test_fairness_per_person_against_the_team_fair_share(handoff_data):
    df = compensation.fairness_frame(handoff_data).set_index("engineer")
    # The window: the 13 weeks (91 days) ending 1 Nov 00:00, i.e. from 2 Aug.
    # payments: Zebedee alone, 19 Oct -> 1 Nov = 13 days = 312 h; in the rotation 13/91 = 1/7
    # of the window, so the fair share is 312 / (1/7) = 2184 h and his share 312 / 2184 = 1/7.
    z = df.loc["Zebedee Quartermaine"]
    assert (z["team"], z["team_members"], z["window_hours"]) == ("payments", 1, 312.0)
    assert z["fair_share_hours"] == pytest.approx(2184.0)
    assert z["share_of_fair"] == pytest.approx(1 / 7)
    assert z["present_share"] == pytest.approx(13 / 91)
    assert z["limits"] == ["14 consecutive days on call (limit 8)"]
    # search: Ignatius 19 -> 30 Oct (264 h) and 31 Oct -> 1 Nov (24 h) = 288 h, Ottoline 24 h;
    # weights 13/91 and 1/91, sum 14/91 = 2/13: fair share (288 + 24) / (2/13) = 2028 h.
    i, o = df.loc["Ignatius Fairweather"], df.loc["Ottoline Brackenbury"]
    assert (i["window_hours"], o["window_hours"]) == (288.0, 24.0)
    assert i["fair_share_hours"] == o["fair_share_hours"] == pytest.approx(2028.0)
    assert i["share_of_fair"] == pytest.approx(288 / 2028)
    assert o["share_of_fair"] == pytest.approx(24 / 2028)
    assert (i["team_members"], o["team_members"]) == (2, 2)
    # Ignatius: 19..29 Oct = 11 days in a row; his 23:30 UTC page on 28 Oct broke one night
    assert i["limits"] == ["11 consecutive days on call (limit 8)"]
    assert (i["nights_interrupted"], o["nights_interrupted"]) == (1, 0)
    assert o["limits"] == []
    assert df["order"].tolist() == [0, 1, 2]  # payments, then search by name


def test_limit_breaches_in_words_from_the_view_flags():
    row = {
        "limit_flags": ["max_interrupted_nights_per_week", "max_offhours_oncall_hours_per_4_weeks"],
        "max_week_nights_interrupted": 3,
        "max_offhours_oncall_hours_28_days": 412.5,
    }
    limits = {
        "max_interrupted_nights_per_week": 2.0,
        "max_offhours_oncall_hours_per_4_weeks": 400.0,
    }
    assert compensation.limit_breaches(row, limits) == [
        "3 interrupted nights in one week (limit 2)",
        "412.5 off-hours on-call hours in 28 days (limit 400)",
    ]
    assert compensation.limit_breaches({"limit_flags": None}, limits) == []


def test_handoffs_per_outgoing_engineer(handoff_data, monkeypatch):
    assert handoff_data.handoffs.to_dict("records") == [
        {"engineer": "Ignatius Fairweather", "team": "search", "handovers": 1, "met": 1,
         "breached": 0, "pending": 0},
        {"engineer": "Ottoline Brackenbury", "team": "search", "handovers": 1, "met": 0,
         "breached": 1, "pending": 0},
    ]  # fmt: skip
    shown: list[str] = []
    monkeypatch.setattr(render, "show", shown.append)
    compensation_html.show_handoffs(handoff_data)
    text = re.sub(r"<[^>]+>", "|", shown[0])
    assert "|Ignatius Fairweather||search||1||1||0||0||100%|" in text
    assert "|Ottoline Brackenbury||search||1||0||1||0||0%|" in text
    assert "Outgoing engineer" in text


def test_comp_time_ledger_lines_show_a_debt_as_negative(monkeypatch):
    import pandas as pd

    ledger = pd.DataFrame(
        [
            # 8 h owed, none taken: balance 8 h
            {"engineer": "Ann", "team": "core", "month": "2026-10", "owed_hours": 8.0,
             "taken_hours": 0.0, "expired_hours": 0.0, "balance_hours": 8.0},
            # 4 h taken before anything was owed: a debt of 4 h
            {"engineer": "Bo", "team": None, "month": "2026-10", "owed_hours": 0.0,
             "taken_hours": 4.0, "expired_hours": 0.0, "balance_hours": -4.0},
        ]
    )  # fmt: skip
    data = compensation.CompensationData.__new__(compensation.CompensationData)
    object.__setattr__(data, "comp_time", ledger)
    shown: list[str] = []
    monkeypatch.setattr(render, "show", shown.append)
    compensation_html.show_comp_time(data)
    text = re.sub(r"<[^>]+>", "|", shown[0])
    assert "|Ann||core||2026-10||8 h||0 h||0 h||8 h|" in text
    assert "|Bo||(no team)||2026-10||0 h||4 h||0 h||\u22124 h|" in text
    assert "1 line(s) end below zero" in text


class _Stop(Exception):
    pass


def test_the_notebooks_payroll_export_pays_under_its_policy(monkeypatch, tmp_path):
    """``export = True`` in the notebook used to export under the stored policy whatever its
    ``policy`` parameter said: the report showed one amount and the file paid another. The
    export now takes the notebook's context, policy included."""
    policy = tmp_path / "p.toml"
    policy.write_text(
        '[[pay]]\neffective_from = "2000-01-01"\nweekly_stipend_usd = "1000.00"\n'
        'sev1_bonus_usd = "200.00"\ncomp_hours_per_overnight_page = 4\n'
    )
    seen = {}

    def fake(run, **kw):
        seen.update(run=run, **kw)
        raise _Stop

    monkeypatch.setattr(pay, "export_payroll", fake)
    run = context.from_parameters(
        db=tmp_path / "w.duckdb", period="2026-10", as_of=AS_OF, policy=str(policy), wait=0
    )
    with pytest.raises(_Stop):
        compensation_html.export_payroll(run, export=True)
    exported = seen["run"]
    assert exported.policy.pay[0].weekly_stipend_usd == Decimal("1000.00")
    assert (exported.db, exported.period) == (tmp_path / "w.duckdb", run.period)
    # written now, not at the report's as_of: that is when the export is judged and recorded
    assert exported.as_of > run.as_of
    compensation_html.export_payroll(run, export=False)  # the report command never exports
