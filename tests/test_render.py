"""The one spelling of each unit shown to people (analytics.render), by hand-written cases."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from analytics import api, output, render


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0, "0 s"),
        (59, "59 s"),
        (59.4, "59 s"),
        (59.6, "1 min"),  # rounds to 60 s: a minute, never "60 s"
        (60, "1 min"),
        (720, "12 min"),
        (3599, "1.0 h"),  # 59.98 min rounds to 60: an hour, never "60 min"
        (3600, "1.0 h"),
        (12600, "3.5 h"),  # 3 h 30 min
        (90000, "25.0 h"),  # 25 h: hours up to two days
        (172619, "47.9 h"),  # 47.95 h
        (172700, "2.0 d"),  # 47.97 h rounds to 48.0 h: two days, never "48.0 h"
        (181440, "2.1 d"),  # 50.4 h
        (np.int64(1620), "27 min"),  # numpy scalars, as pandas hands them out
        (Decimal("5400"), "1.5 h"),
    ],
)
def test_duration_reads_as_people_write_it(seconds, shown):
    assert render.duration(seconds) == shown


@pytest.mark.parametrize("missing", [None, math.nan, np.nan, pd.NA, pd.NaT, float("nan")])
def test_a_missing_duration_is_a_dash_or_what_the_caller_asks(missing):
    assert render.duration(missing) == "—"
    assert render.duration(missing, missing="") == ""


def test_a_negative_duration_is_shown_with_a_minus_sign_not_hidden():
    # a clock error in the data (resolved before started) stays visible
    assert render.duration(-90) == "\u22122 min"  # 1.5 min, rounded half to even
    assert render.duration(-7200) == "\u22122.0 h"
    assert render.duration(-0.2) == "0 s"  # rounds to nothing: no "−0 s"


def test_one_unit_for_a_row():
    # the weekly report shows a median, its interval and p90 in the median's unit
    assert render.duration(4500, "min") == "75 min"  # not "1.2 h"
    assert render.duration(200000, "h") == "55.6 h"  # not "2.3 d"
    assert render.duration(30, "min") == "0 min"
    with pytest.raises(ValueError, match="not one of s, min, h, d"):
        render.duration(30, "hours")


def test_every_caller_spells_durations_the_same():
    for seconds in (45, 720, 12600, 181440):
        assert api.format_duration(seconds) == render.duration(seconds)
        assert output.human_seconds(seconds) == render.duration(seconds)
    assert output.human_seconds(None) == ""  # the terminal digest leaves the cell empty


def test_shares_money_and_payroll_hours():
    assert render.percent(2 / 3) == "67%"
    assert render.percent(None) == render.percent(math.nan) == "—"
    assert render.share(2, 1) == "2 of 3 (67%)"  # met / (met + breached)
    assert render.share(0, 0) == "—"
    assert render.fraction(2, 3) == "2 of 3 (67%)"  # 2 of the 3 opened items
    assert render.fraction(0, 0) == "—"
    assert render.money(Decimal("1234.5")) == "$1,234.50"
    assert render.money(12) == "$12.00"
    # payroll hours keep the file's two decimals: 1,234.25 h is 1,234 h 15 min, to the cent
    assert render.hours(Decimal("1234.25")) == "1,234.25 h"
    assert render.hours(Decimal("168.00")) == "168 h"
    assert render.signed_hours(-4.0) == "\u22124 h"
    assert render.severity(2) == "SEV-2"
    assert render.severity(None) == "—"
    assert render.count(1, "incident") == "1 incident"
    assert render.count(2, "incident") == "2 incidents"


def test_moments():
    moment = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)
    assert render.timestamp(moment) == "Mon 02 Nov 2026 00:00 UTC"
    assert render.timestamp(None) == "—"
    assert render.instant(moment) == "2 Nov 2026 00:00 UTC"
    assert render.instant("2026-11-02T00:00:00Z", year=2026) == "2 Nov 00:00 UTC"
    assert render.day(date(2026, 10, 1)) == "1 Oct 2026"


def test_html_pieces_escape_their_text():
    assert render.p("a < b & c") == "<p>a &lt; b &amp; c</p>"
    assert render.bullets(["<x>"]) == "<ul><li>&lt;x&gt;</li></ul>"
    table = render.rows_table(["who", "n"], [["<b>", 2]], numeric=[1], total=["all", 2])
    assert '<td>&lt;b&gt;</td><td class="num">2</td>' in table
    assert '<tr class="total"><td>all</td><td class="num">2</td></tr>' in table
    frame = render.table(pd.DataFrame({"team": ["<core>"], "pages": [3]}))
    assert "&lt;core&gt;" in frame
    # the text column (1st) is left-aligned by a rule of the table's own; the number is not
    assert "td:nth-child(1)" in frame and "td:nth-child(2)" not in frame
    strip = render.figure_strip([render.Figure("63", "open items", "55 overdue")])
    assert "color: #1a1a1a;" in strip  # no colour given: near-black
    assert render.banner(()) == ""
    assert "<li>Pages &lt;x&gt;: ends</li>" in render.banner(["Pages <x>: ends"])
