"""What `metrics` prints for people: a table that fits the terminal, plain columns in a pipe.

The summary frames are made by hand (only the columns the digest reads), so each expected
cell can be read off the row: 900 s is "15 min", 7380 s is "2.0 h", 0.913 is "91%".
"""

from __future__ import annotations

import io
import math

import pandas as pd
import pytest
from rich.console import Console

from analytics import output
from tests.conftest import run_cli

NAN = math.nan


def _row(key, incidents, mtta_n, mttr_n, met, breached, pending, rate):
    return {
        "key": key,
        "incidents": incidents,
        "mtta_n": mtta_n,
        "mtta_median_s": 900.0,  # 15m
        "mtta_median_lo_s": 660.0,  # 11m
        "mtta_median_hi_s": 1200.0,  # 20m
        "mtta_p90_s": 4584.0,  # 1.3h
        "mttr_n": mttr_n,
        "mttr_median_s": 7380.0,  # 2.0h
        "mttr_median_lo_s": 5280.0,  # 1.5h
        "mttr_median_hi_s": 11040.0,  # 3.1h
        "mttr_p90_s": 49740.0,  # 13.8h
        "response_met": met,
        "response_breached": breached,
        "response_pending": pending,
        "response_compliance": rate,
    }


def _summary(by: str, keys: list) -> pd.DataFrame:
    rows = [_row(k, 46, 45, 46, 42, 4, 0, 0.913) for k in keys]
    return pd.DataFrame(rows).rename(columns={"key": by})


SERVICES = ["search-api", "postgres-primary", None, "kafka", "svc-10", "svc-2", "Billing-worker"]


def _console(width: int, *, terminal: bool = True) -> Console:
    return Console(
        width=width, file=io.StringIO(), force_terminal=terminal, color_system=None, _environ={}
    )


# ----------------------------------------------------------------- order and names


def test_natural_order_numbers_in_names_case_and_missing_last():
    keys = ["svc-10", None, "beta", "svc-2", "Alpha", "svc-1"]
    assert sorted(keys, key=output.natural_key) == [
        "Alpha",
        "beta",
        "svc-1",
        "svc-2",
        "svc-10",
        None,
    ]
    # severities are numbers: 1, 2, 3 (not 1, 10, 2 ...)
    assert sorted([3, 1, 2], key=output.natural_key) == [1, 2, 3]


def test_digest_sorts_names_the_no_team_group_and_puts_it_last():
    digest = output.metrics_digest(_summary("team", ["search", None, "payments"]), "team")
    assert digest["team"].tolist() == ["payments", "search", "(no team)"]
    services = output.metrics_digest(_summary("service", SERVICES), "service")["service"]
    assert services.tolist() == [
        "Billing-worker",
        "kafka",
        "postgres-primary",
        "search-api",
        "svc-2",
        "svc-10",
        "(no service)",
    ]


def test_digest_cells_read_as_people_write_them():
    digest = output.metrics_digest(_summary("severity", [3, 1, 2]), "severity")
    assert digest["severity"].tolist() == ["SEV-1", "SEV-2", "SEV-3"]
    first = digest.iloc[0].to_dict()
    assert first["incidents"] == "46"
    assert first["MTTA n"] == "45"  # one incident never acknowledged is left out
    assert first["MTTA median (90% CI)"] == "15 min (11 min–20 min)"
    assert first["MTTA p90"] == "1.3 h"
    assert first["MTTR median (90% CI)"] == "2.0 h (1.5 h–3.1 h)"
    assert first["MTTR p90"] == "13.8 h"
    assert first["response met / breached / pending"] == "42/4/0"
    assert first["response compliance"] == "91%"


def test_digest_of_a_group_without_intervals_or_decisions():
    frame = _summary("team", ["ops"])
    frame.loc[0, ["mtta_median_lo_s", "mtta_median_hi_s", "response_compliance"]] = NAN
    row = output.metrics_digest(frame, "team").iloc[0]
    assert row["MTTA median (90% CI)"] == "15 min"  # no interval, no empty brackets
    assert row["response compliance"] == ""


def test_digest_without_any_interval_does_not_promise_one_in_its_heading():
    frame = _summary("severity", [1, 2, 3])
    frame[[c for c in frame.columns if c.endswith(("_lo_s", "_hi_s"))]] = NAN
    digest = output.metrics_digest(frame, "severity")  # as `metrics --no-intervals` gives it
    assert "MTTA median" in digest.columns and "MTTR median" in digest.columns
    assert not any("CI" in c for c in digest.columns)
    assert digest.iloc[0]["MTTA median"] == "15 min"


# ----------------------------------------------------------------- in a terminal


def _printed(width: int, keys=SERVICES) -> str:
    console = _console(width)
    output.write_metrics(_summary("service", keys), "service", console=console)
    return console.file.getvalue()


@pytest.mark.parametrize("width", [80, 120, 160])
def test_terminal_table_fits_and_keeps_every_word_whole(width):
    text = _printed(width)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width
    words = set(text.split())
    digest = output.metrics_digest(_summary("service", SERVICES), "service")
    # nothing is cut: every word of every header and cell is printed whole somewhere
    expected = {w for col in digest.columns for w in col.split()}
    expected |= {w for cell in digest.to_numpy().ravel() for w in str(cell).split()}
    assert expected - words == set()
    # the key column is never wrapped: each service whole on its own row, in order
    starts = [line.split("  ")[0] for line in lines if line[:1].strip()]
    names = [s for s in starts if s in set(digest["service"])]
    tables = sum(1 for line in lines if line.startswith("service "))
    assert names == digest["service"].tolist() * tables


def test_a_wide_terminal_gets_one_table_a_narrow_one_two():
    wide, narrow = _printed(160), _printed(80)

    def headers(text):
        return sum(1 for line in text.splitlines() if line.startswith("service "))

    assert headers(wide) == 1
    assert headers(narrow) == 2  # times, then response compliance, both keyed
    assert "postgres-primary" in narrow and "…" not in narrow


def test_a_very_narrow_terminal_folds_cells_but_keeps_the_key_whole():
    text = _printed(50)
    assert "postgres-primary" in text
    assert max(len(line) for line in text.splitlines()) <= 50


# ----------------------------------------------------------------- not a terminal


def test_piped_output_is_plain_aligned_columns_whatever_the_width():
    console = _console(40, terminal=False)
    output.write_metrics(_summary("team", ["search", None, "payments"]), "team", console=console)
    lines = console.file.getvalue().splitlines()
    assert len(lines) == 4  # header + 3 teams, no rule, no wrapping
    assert not any(ch in "".join(lines) for ch in "─━│┃┏╇")
    assert lines[0].startswith("team ")
    assert [line.split("  ")[0].strip() for line in lines[1:]] == [
        "payments",
        "search",
        "(no team)",
    ]
    # right-aligned numbers end in the same column as their header
    compliance_end = len(lines[0])
    assert all(line.endswith("91%") and len(line) == compliance_end for line in lines[1:])
    assert max(len(line) for line in lines) > 40  # never squeezed to a terminal width


def test_metrics_command_in_a_pipe_prints_plain_columns(sample_warehouse):
    result = run_cli(
        "metrics", "--from", "2026-05-01", "--to", "2026-10-31", "--by", "service",
        "--as-of", "2026-11-02T00:00:00Z", "--no-intervals", "--db", str(sample_warehouse),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:2] == ["service", "incidents"]
    services = [line.split("  ")[0].strip() for line in lines[1:]]
    assert "postgres-primary" in services
    named = [s for s in services if not s.startswith("(")]
    assert named == sorted(named, key=output.natural_key)
    assert not any(ch in result.stdout for ch in "─━│┃")


def test_a_period_without_incidents_says_so_instead_of_a_bare_header():
    stream = io.StringIO()
    output.write_metrics(_summary("team", []), "team", stream)
    assert stream.getvalue() == "No incidents started in the period.\n"
