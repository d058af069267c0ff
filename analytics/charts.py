"""One builder per chart, each returning an Altair chart; styling lives in one theme.

Builders take small DataFrames already aggregated in SQL (``analytics.metrics``,
``analytics.weekly``) and only encode them. Durations arrive in seconds and are shown in
hours or minutes, computed here with a ``transform_calculate`` so the frames keep SI units.

Call :func:`setup` once in a notebook: it enables the theme and the ``svg`` renderer, which
draws charts with vl-convert as static inline SVG (no JavaScript, no CDN), so the exported
HTML shows them offline. Altair's ``mimetype`` renderer is avoided on purpose: its vega-lite
v6 mimetype fails papermill's notebook validation (STACK-NOTES).

:func:`show` displays a chart. In a report's kernel, after ``setup(background=True)``, the
drawing is done by a helper process (:mod:`analytics.chart_worker`) while the next cells run,
and :func:`finish`, in the notebook's last cell, puts each SVG in its chart's place: the same
SVG, output and page as drawing it in the cell.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import altair as alt

if TYPE_CHECKING:
    from concurrent.futures import Future

    import pandas as pd

__all__ = [
    "SEVERITY_COLORS",
    "THEME",
    "action_items_by_team",
    "compliance",
    "duration_intervals",
    "fair_share_by_person",
    "finish",
    "hours_and_pages_by_person",
    "incidents_by_severity",
    "oncall_hours_by_person",
    "oncall_load",
    "pages_by_person",
    "setup",
    "show",
    "top_services",
    "ttr_trend",
]

THEME = "incident_analytics"

# Severity is a fixed, ordered domain: SEV-1 is always the same red in every chart.
_SEVERITY_DOMAIN = [1, 2, 3]
_SEVERITY_COLORS = ["#c0392b", "#e67e22", "#2e86c1"]
# The same colours for HTML outside the charts (the weekly headline strip).
SEVERITY_COLORS = dict(zip(_SEVERITY_DOMAIN, _SEVERITY_COLORS, strict=True))


def _count_axis(largest: object) -> alt.Axis:
    """An axis for counts with whole-number ticks only (never "0.2 incidents").

    Vega's ``tickMinStep`` is not kept by every stacked chart, so small ranges list their
    ticks outright.
    """
    try:
        top = int(float(largest))  # NaN (no data) raises ValueError
    except (TypeError, ValueError):
        top = 0
    if top <= 10:
        return alt.Axis(values=list(range(max(top, 1) + 1)), format="d")
    return alt.Axis(tickMinStep=1, format="d")


_STATUS_DOMAIN = ["met", "breached", "pending"]
_STATUS_COLORS = ["#27ae60", "#c0392b", "#95a5a6"]


def _theme() -> alt.theme.ThemeConfig:
    return {
        "config": {
            "view": {"continuousWidth": 520, "continuousHeight": 220, "stroke": None},
            "font": "Helvetica, Arial, sans-serif",
            "title": {"fontSize": 14, "anchor": "start", "offset": 8},
            "axis": {"labelFontSize": 11, "titleFontSize": 12, "grid": True, "gridOpacity": 0.4},
            "legend": {"labelFontSize": 11, "titleFontSize": 12, "orient": "right"},
            "bar": {"cornerRadiusEnd": 1},
            "range": {"category": {"scheme": "tableau10"}},
        }
    }


def setup(*, background: bool = False) -> None:
    """Register and enable the project theme and draw charts as static SVG (offline).

    Args:
        background: In a kernel started by ``analytics.reports.run_report``, let :func:`show`
            draw in a helper process, started now (its engine starts while the data is read);
            the notebook must then call :func:`finish` in its last cell. Elsewhere (an
            interactive kernel) every chart is drawn in the cell that shows it.
    """
    global _worker
    if THEME not in alt.theme.names():
        alt.theme.register(THEME, enable=False)(_theme)
    alt.theme.enable(THEME)
    alt.renderers.enable("svg")
    from analytics.chart_worker import REPORT_KERNEL_ENV

    if background and _worker is None and os.environ.get(REPORT_KERNEL_ENV):
        try:
            _worker = _Worker()
        except OSError:  # drawn in the kernel, as without background
            _worker = None


class _Worker:
    """The helper process of :mod:`analytics.chart_worker`, one request at a time from a
    thread of this process (it waits on the pipe without the GIL)."""

    def __init__(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        from altair.utils._importers import vl_version_for_vl_convert

        self.proc = subprocess.Popen(
            [sys.executable, "-m", "analytics.chart_worker", vl_version_for_vl_convert()],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="charts")

    def submit(self, spec_json: str) -> Future[str]:
        return self.pool.submit(self._draw, spec_json)

    def _draw(self, spec_json: str) -> str:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(spec_json.encode("ascii") + b"\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the chart worker exited")
        reply = json.loads(line)
        if "error" in reply:
            raise RuntimeError(reply["error"])
        return reply["svg"]

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        if self.proc.stdin is not None:
            with contextlib.suppress(OSError):  # it exited already
                self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


_worker: _Worker | None = None
# (display handle, chart, text/plain of the chart, the SVG to come) of each chart shown in
# the background and not yet put in place by finish()
_pending: list[tuple[Any, Any, str, Future[str]]] = []


def show(chart: Any) -> None:
    """Display ``chart`` (an Altair chart) as the cell's output, drawn as SVG.

    After ``setup(background=True)`` in a report's kernel the output is a placeholder that
    :func:`finish` fills with the SVG the helper process draws meanwhile; a chart the helper
    cannot take (or fails to draw) is drawn in this kernel there, as it would have been here.
    """
    from analytics import render

    if _worker is None:
        render.display(chart)
        return
    try:
        spec_json = json.dumps(chart.to_dict(context={"pre_transform": False}), allow_nan=False)
    except Exception:  # Altair shows its own error, as the cell always did
        render.display(chart)
        return
    from IPython import get_ipython
    from IPython.display import display

    plain = get_ipython().display_formatter.formatters["text/plain"](chart)
    handle = display({"text/plain": plain}, raw=True, display_id=True)
    _pending.append((handle, chart, plain, _worker.submit(spec_json)))


def finish() -> None:
    """Put each chart :func:`show` drew in the background in its place, and stop the helper
    process. Call it in the notebook's last cell; it shows nothing of its own."""
    global _worker
    pending = list(_pending)
    _pending.clear()
    for handle, chart, plain, svg in pending:
        try:
            data = {"image/svg+xml": svg.result(), "text/plain": plain}
        except Exception:
            handle.update(chart)
        else:
            handle.update(data, raw=True)
    if _worker is not None:
        _worker.close()
        _worker = None


def _hours(field: str) -> str:
    """Vega expression: seconds to hours, keeping missing values missing (null / 3600 is 0)."""
    return f"isValid(datum.{field}) ? datum.{field} / 3600 : null"


def _severity_color(title: str = "severity") -> alt.Color:
    return alt.Color(
        "severity:O",
        title=title,
        scale=alt.Scale(domain=_SEVERITY_DOMAIN, range=_SEVERITY_COLORS),
        legend=alt.Legend(labelExpr="'SEV-' + datum.label"),
    )


_MISSING_NOTE = "Grey: weeks the data does not cover (missing, not zero)."


def _missing_weeks(df: pd.DataFrame) -> pd.DataFrame | None:
    """One row per week the data does not cover (``covered`` False), or None when none."""
    if "covered" not in df or df["covered"].all():
        return None
    return df.loc[~df["covered"].astype(bool), ["week_start"]].drop_duplicates()


def incidents_by_severity(df: pd.DataFrame) -> alt.Chart | alt.LayerChart:
    """Stacked bars of incidents per ISO week and severity; weeks without data marked so.

    Args:
        df: One row per week and severity: ``week_start`` (date), ``severity`` (1..3),
            ``incidents`` (count, zeros included so every week shows; missing for weeks the
            data does not cover) and optionally ``covered`` (bool).
    """
    # an ordinal time unit gives each week a full-width band (x="...:T" draws hairlines)
    x = alt.X(
        "yearmonthdate(week_start):O",
        title="week starting",
        axis=alt.Axis(format="%d %b", labelAngle=-45, grid=False),
        # a rect layer (the grey weeks) would otherwise take the bars' gaps away
        scale=alt.Scale(paddingInner=0.15),
    )
    bars = (
        alt.Chart(df, title="Incidents per week by severity")
        .mark_bar()
        .encode(
            x=x,
            y=alt.Y(
                "sum(incidents):Q",
                title="incidents",
                axis=_count_axis(df.groupby("week_start")["incidents"].sum().max()),
            ),
            color=_severity_color(),
            order=alt.Order("severity:O", sort="ascending"),
            tooltip=["week_start:T", "severity:O", "incidents:Q"],
        )
    )
    missing = _missing_weeks(df)
    if missing is None:
        return bars
    shade = (
        alt.Chart(missing)
        .mark_rect(color="#bdc3c7", opacity=0.35)
        .encode(x=x, tooltip=[alt.Tooltip("week_start:T", title="no data for the week of")])
    )
    label = (
        alt.Chart(missing)
        .mark_text(text="no data", angle=270, color="#555", fontSize=11, baseline="middle")
        .encode(x=x)
    )
    return alt.layer(shade, label, bars).properties(
        title=_title("Incidents per week by severity", _MISSING_NOTE)
    )


_PER_UNIT_S = {"minutes": 60, "hours": 3600}


def duration_intervals(df: pd.DataFrame, *, metric: str, unit: str = "hours") -> alt.LayerChart:
    """Median per severity with its 90% interval as an error bar.

    Args:
        df: One row per severity: ``severity``, ``median_s``, ``lo_s``, ``hi_s`` (seconds;
            ``lo_s``/``hi_s`` NaN when there is no interval to show) and ``n``.
        metric: ``"MTTA"`` or ``"MTTR"``, used in titles.
        unit: ``"minutes"`` or ``"hours"``: the axis unit (the table's unit for the metric).
    """
    per = _PER_UNIT_S[unit]

    def scaled(field: str) -> str:
        return f"isValid(datum.{field}) ? datum.{field} / {per} : null"

    base = alt.Chart(df, title=f"{metric}: median with 90% interval").transform_calculate(
        median_v=scaled("median_s"),
        lo_v=scaled("lo_s"),
        hi_v=scaled("hi_s"),
        label="'SEV-' + datum.severity + '  (n=' + datum.n + ')'",
    )
    y = alt.Y("label:N", title=None, sort=alt.SortField("severity"))
    bars = base.mark_rule(strokeWidth=2).encode(
        y=y,
        x=alt.X("lo_v:Q", title=unit),
        x2="hi_v:Q",
        color=_severity_color(),
    )
    points = base.mark_point(filled=True, size=70).encode(
        y=y,
        x="median_v:Q",
        color=_severity_color(),
        tooltip=["severity:O", "n:Q", "median_v:Q", "lo_v:Q", "hi_v:Q"],
    )
    return alt.layer(bars, points).properties(height=alt.Step(28), width=260)


def ttr_trend(df: pd.DataFrame) -> alt.LayerChart:
    """Weekly median time to resolve per severity, with its 90% interval as a band.

    Args:
        df: One row per week and severity: ``week_start``, ``severity``, ``mttr_median_s``,
            ``mttr_median_lo_s``, ``mttr_median_hi_s`` (seconds; NaN for weeks without data)
            and optionally ``covered`` (bool): weeks the data does not cover are shaded.
    """
    base = alt.Chart(
        df, title="Median time to resolve, weekly, with 90% interval"
    ).transform_calculate(
        median_h=_hours("mttr_median_s"),
        lo_h=_hours("mttr_median_lo_s"),
        hi_h=_hours("mttr_median_hi_s"),
    )
    import pandas as pd

    weeks = sorted(pd.to_datetime(df["week_start"]).dropna().unique()) if len(df) else []
    # every week labelled, the first one too (Vega's automatic ticks skip it), up to 26 weeks
    labels = (
        [alt.DateTime(year=w.year, month=w.month, date=w.day) for w in map(pd.Timestamp, weeks)]
        if len(weeks) <= 26
        else alt.Undefined
    )
    x = alt.X(
        "week_start:T",
        title="week starting",
        axis=alt.Axis(format="%d %b", values=labels, labelAngle=-45),
    )
    # the band takes the line's colour but no legend entry: the legend shows the lines
    band = base.mark_area(opacity=0.18).encode(
        x=x,
        y=alt.Y("lo_h:Q", title="hours"),
        y2="hi_h:Q",
        color=alt.Color(
            "severity:O",
            scale=alt.Scale(domain=_SEVERITY_DOMAIN, range=_SEVERITY_COLORS),
            legend=None,
        ),
    )
    line = base.mark_line(point=True).encode(
        x=x,
        y="median_h:Q",
        color=_severity_color(),
        tooltip=["week_start:T", "severity:O", "median_h:Q", "lo_h:Q", "hi_h:Q"],
    )
    missing = _missing_weeks(df)
    if missing is None:
        return alt.layer(band, line).resolve_legend(color="independent")
    shade = (
        alt.Chart(missing)
        .transform_calculate(week_end="timeOffset('day', datum.week_start, 7)")
        .mark_rect(color="#bdc3c7", opacity=0.35)
        .encode(x=x, x2="week_end:T")
    )
    return (
        alt.layer(shade, band, line)
        .resolve_legend(color="independent")
        .properties(
            title=_title("Median time to resolve, weekly, with 90% interval", _MISSING_NOTE)
        )
    )


def compliance(df: pd.DataFrame, *, title: str = "Compliance this week") -> alt.Chart:
    """Stacked horizontal bars of met / breached / pending per check.

    Args:
        df: One row per check and status: ``check`` (e.g. "response"), ``status``
            (met, breached, pending) and ``incidents`` (count).
        title: The chart title.
    """
    return (
        alt.Chart(df, title=title)
        .mark_bar()
        .encode(
            y=alt.Y("check:N", title=None, sort=None, axis=alt.Axis(labelLimit=260)),
            x=alt.X(
                "sum(incidents):Q",
                title="incidents",
                axis=_count_axis(df.groupby("check")["incidents"].sum().max()),
            ),
            color=alt.Color(
                "status:N", scale=alt.Scale(domain=_STATUS_DOMAIN, range=_STATUS_COLORS)
            ),
            order=alt.Order("status_order:Q"),
            tooltip=["check:N", "status:N", "incidents:Q"],
        )
        .transform_calculate(status_order="indexof(['met', 'breached', 'pending'], datum.status)")
        .properties(height=alt.Step(30))
    )


def _title(text: str, subtitle: str | None) -> str | alt.TitleParams:
    return text if subtitle is None else alt.TitleParams(text, subtitle=subtitle)


_ITEM_STATES = ["opened", "closed", "open_backlog", "overdue_backlog"]
_ITEM_LABELS = {
    "opened": "opened this week",
    "closed": "closed this week",
    "open_backlog": "open backlog",
    "overdue_backlog": "overdue backlog",
}


def action_items_by_team(df: pd.DataFrame, *, subtitle: str | None = None) -> alt.Chart:
    """Grouped bars per team: items opened and closed this week, open and overdue backlog.

    Args:
        df: One row per team: ``team``, ``opened``, ``closed``, ``open_backlog``,
            ``overdue_backlog`` (counts; ``analytics.weekly_html.ACTION_ITEM_COLUMNS``
            defines them).
        subtitle: A line under the title, e.g. which teams a shortened chart shows.
    """
    labels = ", ".join(f"'{k}': '{v}'" for k, v in _ITEM_LABELS.items())
    return (
        alt.Chart(df, title=_title("Action items by team", subtitle))
        .transform_fold(_ITEM_STATES, as_=["state", "items"])
        .mark_bar()
        .encode(
            x=alt.X("team:N", title=None, axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("state:N", sort=_ITEM_STATES),
            y=alt.Y(
                "items:Q", title="action items", axis=_count_axis(df[_ITEM_STATES].max().max())
            ),
            color=alt.Color(
                "state:N",
                title=None,
                sort=_ITEM_STATES,
                scale=alt.Scale(
                    domain=_ITEM_STATES, range=["#2e86c1", "#27ae60", "#95a5a6", "#c0392b"]
                ),
                legend=alt.Legend(labelExpr="{" + labels + "}[datum.label]"),
            ),
            tooltip=["team:N", "state:N", "items:Q"],
        )
        .properties(width=alt.Step(22))
    )


def top_services(df: pd.DataFrame) -> alt.Chart:
    """Horizontal bars of incidents per service, most first, stacked by severity.

    Args:
        df: One row per service and severity: ``service``, ``severity``, ``incidents``.
    """
    return (
        alt.Chart(df, title="Services with the most incidents this week")
        .mark_bar()
        .encode(
            y=alt.Y("service:N", title=None, sort="-x"),
            x=alt.X(
                "sum(incidents):Q",
                title="incidents",
                axis=_count_axis(df.groupby("service")["incidents"].sum().max()),
            ),
            color=_severity_color(),
            order=alt.Order("severity:O", sort="ascending"),
            tooltip=["service:N", "severity:O", "incidents:Q"],
        )
        .properties(height=alt.Step(24))
    )


def oncall_load(df: pd.DataFrame, *, subtitle: str | None = None) -> alt.Chart:
    """Stacked bars of pages per team by time of day in the recipient's own time zone.

    Args:
        df: One row per team: ``team``, ``business_pages``, ``off_hours_pages``,
            ``sleep_pages`` (counts, as the ``oncall_load`` view defines them).
        subtitle: A line under the title, e.g. which teams a shortened chart shows.
    """
    kinds = ["business_pages", "off_hours_pages", "sleep_pages"]
    return (
        alt.Chart(
            df,
            title=_title("Pages by team and time of day (recipient's local time)", subtitle),
        )
        .transform_fold(kinds, as_=["when", "pages_n"])
        .transform_calculate(when_order=f"indexof({kinds!r}, datum.when)")
        .mark_bar()
        .encode(
            x=alt.X("team:N", title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("sum(pages_n):Q", title="pages", axis=_count_axis(df[kinds].sum(axis=1).max())),
            color=alt.Color(
                "when:N",
                title="sent",
                scale=alt.Scale(domain=kinds, range=["#85c1e9", "#f5b041", "#6c3483"]),
                legend=alt.Legend(
                    labelExpr="{'business_pages': 'business hours', "
                    "'off_hours_pages': 'off hours', 'sleep_pages': 'sleep hours'}[datum.label]"
                ),
            ),
            order=alt.Order("when_order:Q"),
            tooltip=["team:N", "when:N", "pages_n:Q"],
        )
        .properties(width=alt.Step(70))
    )


# --------------------------------------------------------------------------- compensation

_PAGE_KINDS = ["business_pages", "off_hours_pages", "sleep_pages"]
_PAGE_KIND_LABELS = (
    "{'business_pages': 'business hours', 'off_hours_pages': 'off hours', "
    "'sleep_pages': 'sleep hours'}[datum.label]"
)


def _person_axis() -> alt.Y:
    return alt.Y(
        "engineer:N", title=None, sort=alt.SortField("order"), axis=alt.Axis(labelLimit=220)
    )


def oncall_hours_by_person(df: pd.DataFrame) -> alt.Chart:
    """Horizontal bars of hours on call per person in the pay period.

    Args:
        df: One row per person: ``engineer``, ``team``, ``oncall_hours`` (hours) and
            ``order`` (the row's place, top first).
    """
    return (
        alt.Chart(df, title="Hours on call")
        .mark_bar(color="#5d6d7e")
        .encode(
            y=_person_axis(),
            x=alt.X("oncall_hours:Q", title="hours", axis=alt.Axis(tickMinStep=1)),
            tooltip=["engineer:N", "team:N", alt.Tooltip("oncall_hours:Q", format=",.2f")],
        )
        .properties(width=300, height=alt.Step(22))
    )


def pages_by_person(df: pd.DataFrame) -> alt.Chart:
    """Stacked horizontal bars of the pages each person received in the pay period, by time
    of day on their own clock (the colours of :func:`oncall_load`), names on the left.

    Args:
        df: One row per person: ``engineer``, ``order`` and the counts ``business_pages``,
            ``off_hours_pages``, ``sleep_pages``.
    """
    most = int(df[_PAGE_KINDS].sum(axis=1).max()) if len(df) else 0
    return (
        alt.Chart(df, title="Pages received")
        .transform_fold(_PAGE_KINDS, as_=["when", "pages_n"])
        .transform_calculate(when_order=f"indexof({_PAGE_KINDS!r}, datum.when)")
        .mark_bar()
        .encode(
            y=_person_axis(),
            x=alt.X("sum(pages_n):Q", title="pages", axis=_count_axis(most)),
            color=alt.Color(
                "when:N",
                title="sent",
                scale=alt.Scale(domain=_PAGE_KINDS, range=["#85c1e9", "#f5b041", "#6c3483"]),
                legend=alt.Legend(labelExpr=_PAGE_KIND_LABELS),
            ),
            order=alt.Order("when_order:Q"),
            tooltip=["engineer:N", "when:N", "pages_n:Q"],
        )
        .properties(width=300, height=alt.Step(22))
    )


def hours_and_pages_by_person(df: pd.DataFrame) -> alt.ConcatChart:
    """:func:`oncall_hours_by_person` and :func:`pages_by_person` side by side, one row per
    person in both, in the same order."""
    return alt.hconcat(oncall_hours_by_person(df), pages_by_person(df), spacing=32)


def group_intervals(df: pd.DataFrame, *, title: str) -> alt.LayerChart:
    """Median per group (team, service ...) with its interval as a bar, in hours.

    Args:
        df: One row per group: ``group`` (label), ``median_s``, ``lo_s``, ``hi_s`` (seconds;
            ``lo_s``/``hi_s`` may be NaN) and ``n``.
        title: The chart title (names the metric and the interval's level).
    """
    base = alt.Chart(df, title=title).transform_calculate(
        median_h=_hours("median_s"),
        lo_h=_hours("lo_s"),
        hi_h=_hours("hi_s"),
        label="datum.group + '  (n=' + datum.n + ')'",
    )
    y = alt.Y("label:N", title=None, sort=alt.SortField("median_s", order="descending"))
    bars = base.mark_rule(strokeWidth=2, color="#5d6d7e").encode(
        y=y, x=alt.X("lo_h:Q", title="hours"), x2="hi_h:Q"
    )
    points = base.mark_point(filled=True, size=70, color="#1f4e79").encode(
        y=y, x="median_h:Q", tooltip=["group:N", "n:Q", "median_h:Q", "lo_h:Q", "hi_h:Q"]
    )
    return alt.layer(bars, points).properties(height=alt.Step(24), width=360)


def group_trend(df: pd.DataFrame, *, title: str) -> alt.FacetChart:
    """Weekly median time to resolve, one small chart per group, with its interval as a band.

    The hours axis stops at twice the largest weekly median: a week of two incidents can have
    an interval of days, which would flatten every other line (the band is clipped there).

    Args:
        df: One row per week and group: ``week_start``, ``group`` (label),
            ``mttr_median_s``, ``mttr_median_lo_s``, ``mttr_median_hi_s`` (seconds; NaN for
            weeks without data) and ``mttr_n``.
        title: The chart title.
    """
    top = float(df["mttr_median_s"].max())  # NaN when no week has a resolved incident
    top_h = 2 * top / 3600 if top > 0 else 1.0
    y_scale = alt.Scale(domain=[0, top_h], clamp=True)
    # the data sits on the layer, not on its parts, so that it can be faceted
    base = alt.Chart().transform_calculate(
        median_h=_hours("mttr_median_s"),
        lo_h=_hours("mttr_median_lo_s"),
        hi_h=_hours("mttr_median_hi_s"),
    )
    x = alt.X("week_start:T", title="week starting", axis=alt.Axis(format="%d %b"))
    band = base.mark_area(opacity=0.2, clip=True, color="#5d6d7e").encode(
        x=x, y=alt.Y("lo_h:Q", title="hours", scale=y_scale), y2="hi_h:Q"
    )
    line = base.mark_line(point=True, clip=True, color="#1f4e79").encode(
        x=x,
        y=alt.Y("median_h:Q", scale=y_scale),
        tooltip=["week_start:T", "group:N", "mttr_n:Q", "median_h:Q", "lo_h:Q", "hi_h:Q"],
    )
    return (
        alt.layer(band, line, data=df)
        .properties(width=520, height=90)
        .facet(row=alt.Row("group:N", title=None, header=alt.Header(labelAngle=0)), title=title)
    )


def fair_share_by_person(df: pd.DataFrame) -> alt.LayerChart:
    """Horizontal bars of each person's on-call hours in the fairness window, with a tick at
    their team's fair share (what a member present the whole window would carry).

    Args:
        df: One row per person and team: ``engineer``, ``team``, ``team_members`` (n),
            ``window_hours``, ``fair_share_hours`` (hours; NaN without a fair share) and
            ``order`` (the row's place, top first).
    """
    base = alt.Chart(
        df,
        title=alt.TitleParams(
            "On-call hours in the fairness window",
            subtitle="bars: the person's hours; orange mark: the team's fair share",
        ),
    )
    y = _person_axis()
    tooltip = [
        "engineer:N",
        "team:N",
        alt.Tooltip("team_members:Q", title="members (n)"),
        alt.Tooltip("window_hours:Q", title="hours in window", format=",.1f"),
        alt.Tooltip("fair_share_hours:Q", title="fair share", format=",.1f"),
    ]
    bars = base.mark_bar(color="#5d6d7e").encode(
        y=y, x=alt.X("window_hours:Q", title="hours"), tooltip=tooltip
    )
    ticks = (
        base.transform_filter("isValid(datum.fair_share_hours)")
        .mark_tick(color="#e67e22", thickness=3, size=18)
        .encode(y=y, x="fair_share_hours:Q", tooltip=tooltip)
    )
    return alt.layer(bars, ticks).properties(width=420, height=alt.Step(22))
