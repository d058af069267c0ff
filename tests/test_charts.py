"""charts.show: a chart drawn by the helper process is the very output drawn in the cell.

An IPython shell in this process stands in for the report kernel; its display publisher
records what a kernel would send (the placeholder, then the update that fills it).
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from analytics import charts
from analytics.chart_worker import REPORT_KERNEL_ENV


class _Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[dict, dict | None, bool]] = []

    def publish(self, data, metadata=None, source=None, *, transient=None, update=False):
        self.sent.append((data, transient, update))


@pytest.fixture
def shell(monkeypatch):
    from IPython.core.interactiveshell import InteractiveShell

    sh = InteractiveShell.instance()
    recorder = _Recorder()
    monkeypatch.setattr(sh, "display_pub", recorder)
    yield recorder
    charts.finish()  # a test that failed midway leaves no helper process behind


def _frames() -> list[pd.DataFrame]:
    weeks = pd.to_datetime(["2026-10-12", "2026-10-19", "2026-10-26"])
    counts = pd.DataFrame(
        {
            "week_start": weeks.repeat(3),
            "severity": [1, 2, 3] * 3,
            "incidents": [0, 2, 5, 1, 0, 4, 2, 3, 6],
            "covered": [True] * 6 + [False] * 3,
        }
    )
    services = pd.DataFrame(
        {"service": ["ledger", "search", "ledger"], "severity": [1, 2, 3], "incidents": [2, 1, 4]}
    )
    return [charts.incidents_by_severity(counts), charts.top_services(services)]


def _drawn_in_the_cell(chart) -> dict:
    charts.setup()
    return {
        "image/svg+xml": chart._repr_mimebundle_()["image/svg+xml"],
        "text/plain": repr(chart),
    }


def _renumbered(data: dict) -> dict:
    """The output with vl-convert's clip-path ids counted from 1: an engine numbers them
    across every chart it has drawn, and this test process has drawn others before."""
    ids: dict[str, str] = {}
    svg = re.sub(
        r"\bclip\d+\b", lambda m: ids.setdefault(m[0], f"clip{len(ids) + 1}"), data["image/svg+xml"]
    )
    return {**data, "image/svg+xml": svg}


def test_charts_drawn_in_the_background_are_those_drawn_in_the_cell(shell, monkeypatch):
    monkeypatch.setenv(REPORT_KERNEL_ENV, "1")
    built = _frames()
    charts.setup(background=True)
    assert charts._worker is not None
    for chart in built:
        charts.show(chart)
    # placeholders so far, each with its own display id
    assert [update for _, _, update in shell.sent] == [False, False]
    ids = [transient["display_id"] for _, transient, _ in shell.sent]
    assert len(set(ids)) == 2
    assert all("image/svg+xml" not in data for data, _, _ in shell.sent)
    worker = charts._worker.proc
    charts.finish()
    assert worker.poll() == 0 and charts._worker is None
    updates = shell.sent[2:]
    assert [(t["display_id"], u) for _, t, u in updates] == [(i, True) for i in ids]
    for (data, _, _), chart in zip(updates, built, strict=True):
        assert _renumbered(data) == _renumbered(_drawn_in_the_cell(chart))
    # the helper's warm-up drew no clip path: its charts are numbered as a new kernel's
    assert 'id="clip1"' in updates[0][0]["image/svg+xml"]


def test_a_chart_the_helper_cannot_draw_is_drawn_in_the_kernel(shell, monkeypatch):
    monkeypatch.setenv(REPORT_KERNEL_ENV, "1")
    chart = _frames()[1]
    charts.setup(background=True)

    def fails(spec_json):
        raise RuntimeError("the chart worker exited")

    monkeypatch.setattr(charts._worker, "_draw", fails)
    charts.show(chart)
    charts.finish()
    data, _, update = shell.sent[-1]
    assert update and _renumbered(data) == _renumbered(_drawn_in_the_cell(chart))


def test_outside_a_report_kernel_each_chart_is_drawn_at_once(shell, monkeypatch):
    monkeypatch.delenv(REPORT_KERNEL_ENV, raising=False)
    chart = _frames()[1]
    charts.setup(background=True)  # JupyterLab: no helper, nothing left for finish()
    assert charts._worker is None
    charts.show(chart)
    [(data, transient, update)] = shell.sent
    assert not update and not transient
    assert _renumbered(data) == _renumbered(_drawn_in_the_cell(chart))
