"""The compensation report's display: each ``show_*`` renders one section of
:class:`analytics.compensation.CompensationData` as HTML in the notebook.

Written for the people who read it (engineering managers, the payroll clerk, the engineers
paid): human headers, money as ``$1,234.56``, hours as ``163 h``, dates as ``1 Oct 2026``,
text left-aligned and numbers right-aligned, and no instructions meant for whoever runs the
notebook. The report names people (it is about their pay); the weekly report never does.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analytics.compensation import CompensationData, fairness_frame, people_frame

if TYPE_CHECKING:
    from analytics.context import RunContext

__all__ = [
    "export_payroll",
    "show_charts",
    "show_comp_time",
    "show_explanations",
    "show_export",
    "show_fairness",
    "show_footer",
    "show_handoffs",
    "show_lines",
    "show_period",
    "show_totals",
    "show_warnings",
]

# One small style block, scoped to the report's own elements (nbconvert's lab CSS
# right-aligns every table cell and has no card or note styles).
_STYLE = """<style>
/* hidden code cells that print nothing (parameters, imports, loading) take no room */
.jp-Cell.jp-mod-noInput.jp-mod-noOutputs { display: none; }
.comp-period { margin: 0 0 .6rem; color: #333; }
.comp-foot { color: #566573; font-size: .85rem; }
.comp-note { border-left: 4px solid #e67e22; background: #fdf2e9; padding: .5rem .8rem;
  margin: .6rem 0; }
.comp-ok { border-left-color: #27ae60; background: #eafaf1; }
.comp-cards { display: flex; flex-wrap: wrap; gap: .6rem; margin: .4rem 0 .8rem; }
.comp-card { border: 1px solid #d5d8dc; border-radius: 6px; padding: .5rem .8rem;
  min-width: 9rem; }
.comp-card .v { font-size: 1.4rem; font-weight: 600; }
.comp-card .k { color: #566573; font-size: .85rem; }
/* the lab CSS right-aligns every cell with :not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon td */
.jp-RenderedHTMLCommon table.comp-table { border-collapse: collapse; margin: .3rem 0 .8rem;
  max-width: 100%; }
.jp-RenderedHTMLCommon table.comp-table th, .jp-RenderedHTMLCommon table.comp-table td {
  padding: .25rem .6rem; text-align: left; border-bottom: 1px solid #e5e8e8;
  vertical-align: top; }
.jp-RenderedHTMLCommon table.comp-table th { border-bottom: 2px solid #aab7b8; }
.jp-RenderedHTMLCommon table.comp-table .num { text-align: right;
  font-variant-numeric: tabular-nums; white-space: nowrap; }
.jp-RenderedHTMLCommon table.comp-table tr.total td { font-weight: 600;
  border-top: 2px solid #aab7b8; }
.comp-person { margin: .8rem 0 1rem; }
.comp-person h3 { margin: 0 0 .2rem; font-size: 1.05rem; }
.comp-person ul { margin: .2rem 0 .3rem 1.2rem; padding: 0; }
.comp-person details summary { cursor: pointer; color: #2e4053; }
@media print { .comp-person { break-inside: avoid; } }
</style>"""

_KIND = {"shift": "On call", "sev1": "SEV-1", "overnight_page": "Overnight page"}


def _html(text: str) -> None:
    from IPython.display import HTML, display

    display(HTML(text))


def _e(value: Any) -> str:
    return html.escape(str(value))


def _money(value: Decimal | str) -> str:
    return f"${Decimal(value).quantize(Decimal('0.01')):,.2f}"


def _hours(value: Decimal | float | str) -> str:
    """Hours as in the payroll file (up to two decimals), with a thousands separator."""
    from analytics.pay import format_hours

    whole, dot, frac = format_hours(Decimal(str(value))).partition(".")
    return f"{int(whole):,}{dot}{frac} h"


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _day(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


def _instant(value: datetime | str, *, year: int | None = None) -> str:
    """``2 Nov 2026 00:00 UTC``; without the year when it is ``year``."""
    if isinstance(value, str):
        if not value:
            return ""
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    shown = f"{value.day} {value:%b}" if value.year == year else f"{value.day} {value:%b %Y}"
    return f"{shown} {value:%H:%M} UTC"


_PAGE_DETAIL = re.compile(r"^local (\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}):\d{2}(?:\.\d+)? (\S+); (.*)$")
_HANDLED = {
    "acknowledged": "bonus: acknowledged it",
    "on call at detection (no acknowledger)": "bonus: on call when it was detected "
    "(nobody acknowledged)",
}


def _page_detail(detail: str) -> str:
    """pay's ``local 2026-10-15 23:41:00 Europe/Berlin; first overnight page of incident X``
    as ``23:41 on 15 Oct, Europe/Berlin time; first overnight page of incident X``."""
    m = _PAGE_DETAIL.match(detail)
    if m is None:
        return detail
    day = date.fromisoformat(m[1])
    why = "a page without an incident" if m[4] == "no incident" else m[4]
    return f"{m[2]} on {day.day} {day:%b}, {m[3]} time; {why}"


def _table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    numeric: Iterable[int] = (),
    total: Sequence[Any] | None = None,
) -> str:
    """An HTML table; the columns at ``numeric`` positions are right-aligned."""
    right = set(numeric)

    def cells(values: Sequence[Any], tag: str) -> str:
        return "".join(
            f'<{tag} class="num">{_e(v)}</{tag}>' if i in right else f"<{tag}>{_e(v)}</{tag}>"
            for i, v in enumerate(values)
        )

    body = "".join(f"<tr>{cells(r, 'td')}</tr>" for r in rows)
    if total is not None:
        body += f'<tr class="total">{cells(total, "td")}</tr>'
    return (
        f'<table class="comp-table"><thead><tr>{cells(headers, "th")}</tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


def _period_label(data: CompensationData) -> str:
    first, last = data.start, data.last_day
    if first.day == 1 and data.period == f"{first:%Y-%m}":
        return f"{first:%B %Y} ({first.day}–{_day(last)})"
    return f"{_day(first)} – {_day(last)}"


# --------------------------------------------------------------------------- sections


def show_period(data: CompensationData) -> None:
    """The pay period, the report time, and a note when the period has not ended."""
    parts = [
        _STYLE,
        f'<p class="comp-period"><strong>Pay period:</strong> {_e(_period_label(data))}, '
        f"days in UTC · <strong>report time:</strong> {_e(_instant(data.as_of))}</p>",
    ]
    if data.provisional:
        parts.append(
            '<p class="comp-note"><strong>Provisional.</strong> The period had not ended at the '
            "report time: on-call time, SEV-1s and pages still to come are not included, and "
            "every figure can still change.</p>"
        )
    _html("\n".join(parts))


def show_totals(data: CompensationData) -> None:
    """The period's totals as a strip of figures."""
    lines = data.payroll.lines
    if not lines:
        _html("<p>Nobody was on call, handled a SEV-1 or was paged overnight in this period.</p>")
        return
    totals = data.payroll.totals()
    cards = [
        ("Total pay", _money(totals["total_pay_usd"])),
        ("On-call stipends", _money(totals["stipend_usd"])),
        (
            f"SEV-1 bonuses ({_count(totals['sev1_incidents'], 'incident')})",
            _money(totals["sev1_bonus_usd"]),
        ),
        ("Hours on call", _hours(totals["oncall_hours"])),
        (
            f"Comp time ({_count(totals['overnight_pages'], 'overnight page')})",
            _hours(totals["comp_time_hours"]),
        ),
        ("People paid", str(len(lines))),
    ]
    _html(
        '<div class="comp-cards">'
        + "".join(
            f'<div class="comp-card"><div class="v">{_e(v)}</div><div class="k">{_e(k)}</div></div>'
            for k, v in cards
        )
        + "</div>"
    )


def show_lines(data: CompensationData) -> None:
    """One row per person: the payroll line's figures, with a total row."""
    lines = data.payroll.lines
    if not lines:
        _html("<p>No payroll lines for this period.</p>")
        return
    totals = data.payroll.totals()
    headers = [
        "Engineer",
        "Team",
        "Employee ID",
        "Hours on call",
        "Stipend",
        "SEV-1s",
        "SEV-1 bonus",
        "Overnight pages",
        "Comp time",
        "Total pay",
    ]
    rows = [
        [
            x.engineer,
            x.team or "(no team)",
            x.employee_id or "(missing)",
            _hours(x.oncall_hours),
            _money(x.stipend_usd),
            x.sev1_incidents,
            _money(x.sev1_bonus_usd),
            x.overnight_pages,
            _hours(x.comp_time_hours),
            _money(x.total_pay_usd),
        ]
        for x in lines
    ]
    total = [
        "Total",
        "",
        "",
        _hours(totals["oncall_hours"]),
        _money(totals["stipend_usd"]),
        totals["sev1_incidents"],
        _money(totals["sev1_bonus_usd"]),
        totals["overnight_pages"],
        _hours(totals["comp_time_hours"]),
        _money(totals["total_pay_usd"]),
    ]
    _html(
        _table(headers, rows, numeric=range(3, 10), total=total)
        + "<p>Total pay is the stipend plus SEV-1 bonuses; comp time is time off, not money.</p>"
    )


def show_charts(data: CompensationData) -> None:
    """Hours on call and pages received per person, side by side."""
    from IPython.display import display

    from analytics import charts

    people = people_frame(data)
    if people.empty:
        _html("<p>No on-call time or pages in this period.</p>")
        return
    charts.setup()
    display(charts.hours_and_pages_by_person(people))
    _html(
        "<p>Pages received counts every page, day and night, repeats included; comp time "
        "counts only each incident's first overnight page (see each person below).</p>"
    )


def _row_cells(row: dict[str, str], year: int) -> list[str]:
    kind = row["kind"]
    when = _instant(row["start_at"], year=year)
    if kind == "shift":
        hours = _hours(Decimal(row["seconds"]) / Decimal(3600))
        return [
            _KIND[kind],
            f"{row['ref']} rotation",
            f"{when} – {_instant(row['end_at'], year=year)}",
            f"{hours} at {_money(row['rate'])} a week",
            _money(row["amount_usd"]),
        ]
    if kind == "sev1":
        detail = _HANDLED.get(row["detail"], row["detail"])
        return [_KIND[kind], row["ref"], when, detail, _money(row["amount_usd"])]
    return [
        _KIND.get(kind, kind),
        row["ref"],
        when,
        _page_detail(row["detail"]),
        f"{_hours(row['comp_time_hours'])} comp time",
    ]


def show_explanations(data: CompensationData) -> None:
    """Per person: each figure in a sentence, and the shifts, SEV-1s and pages behind it."""
    if not data.explanations:
        _html("<p>No payroll lines for this period.</p>")
        return
    blocks = [
        "<p><strong>Stipend:</strong> the weekly rate prorated by the hour on call (a week is "
        "168 h); time on call for two teams at once counts once. <strong>SEV-1 bonus:</strong> "
        "for each SEV-1 the person acknowledged, or was on call for when nobody acknowledged. "
        "<strong>Comp time:</strong> for each page sent overnight on the person's own clock, "
        "counting only the first overnight page of an incident; it is time off, not money.</p>"
    ]
    for item in data.explanations:
        headers = ["What", "Reference", "When", "How it counts", "Amount"]
        rows = [_row_cells(r, data.start.year) for r in item.rows]
        blocks.append(
            '<div class="comp-person">'
            f"<h3>{_e(item.engineer)} · {_e(item.team or '(no team)')} · "
            f"{_e(_money(item.total_pay_usd))}</h3>"
            "<ul>" + "".join(f"<li>{_e(s)}</li>" for s in item.sentences) + "</ul>"
            f"<details><summary>The {len(rows)} shifts, SEV-1s and pages behind this line"
            "</summary>"
            + _table(headers, rows, numeric=[4])
            + "<p>Each shift's amount is shown to the cent; the line adds the exact amounts "
            "and rounds once.</p></details></div>"
        )
    _html("\n".join(blocks))


def _share(value: float) -> str:
    return "—" if value != value else f"{value:.0%}"


def show_fairness(data: CompensationData) -> None:
    """Fairness and working time per person: hours in the fairness window against the team's
    fair share, nights interrupted and the working-time limits exceeded, with n per team."""
    from IPython.display import display

    from analytics import charts

    df = fairness_frame(data)
    if df.empty:
        _html("<p>Nobody was on call or paged in this period: nothing to compare.</p>")
        return
    weeks = int(data.limits.get("fairness_weeks", 13))
    headers = [
        "Engineer",
        "Team (n)",
        "Hours on call, period",
        f"Hours on call, {weeks} weeks",
        "Team's fair share",
        "Share of fair",
        "In rotation, share of window",
        "Pages",
        "Nights interrupted",
    ]
    rows = []
    for r in df.to_dict("records"):
        n = r["team_members"]
        share = "only member" if n == 1 else _share(r["share_of_fair"])
        rows.append(
            [
                r["engineer"],
                f"{r['team']} ({n})",
                _hours(round(r["oncall_hours"], 2)),
                _hours(round(r["window_hours"], 1)),
                "—"
                if r["fair_share_hours"] != r["fair_share_hours"]
                else _hours(round(r["fair_share_hours"], 1)),
                share,
                f"{r['present_share']:.0%}" if r["present_share"] else "not a member",
                r["pages"],
                r["nights_interrupted"],
            ]
        )
    # the limits as a list under the table: a tenth column made it wider than the page
    exceeded = [r for r in df.to_dict("records") if r["limits"]]
    flagged = len(exceeded)
    small = sorted({t for t, n in zip(df["team"], df["team_members"], strict=True) if n < 3})
    notes = [
        f"<p>The fairness window is the {weeks} weeks ending at the end of the period. A "
        "team's fair share is its on-call hours in the window divided among its members (n: "
        "members with a shift of their own in the window), weighted by how much of the window "
        "each was in the rotation: what a member there the whole window would carry. Share "
        "of fair = the person's hours in the window / that fair share (100% = fair); someone "
        "who joined or left during the window has a smaller share for that reason alone, "
        "shown under <em>In rotation, share of window</em>.</p>",
        "<p>Shares are noisy: over "
        f"{weeks} weeks each person carries only a few shifts, so one shift more or less "
        "moves a share a lot, the more so in small teams"
        + (f" ({_e(', '.join(small))} with fewer than 3 members)" if small else "")
        + ". Read a share as a reason to look, not as a verdict.</p>",
        f"<p>{flagged} {'person' if flagged == 1 else 'people'} exceeded a working-time "
        "limit of the policy (nights interrupted: distinct nights with an overnight page, "
        "on the person's own clock)" + (":</p>" if exceeded else ".</p>"),
    ]
    if exceeded:
        notes.append(
            "<ul>"
            + "".join(
                f"<li>{_e(r['engineer'])} ({_e(r['team'])}): {_e('; '.join(r['limits']))}</li>"
                for r in exceeded
            )
            + "</ul>"
        )
    _html(_table(headers, rows, numeric=[2, 3, 4, 5, 6, 7, 8]) + "".join(notes))
    charts.setup()
    display(charts.fair_share_by_person(df))


def _signed_hours(value: float) -> str:
    """``_hours`` with a real minus sign for a debt: ``−4 h``."""
    return f"\u2212{_hours(round(-value, 2))}" if value < 0 else _hours(round(value, 2))


def show_comp_time(data: CompensationData) -> None:
    """The comp-time ledger lines of the period's months: owed, taken, expired, balance."""
    df = data.comp_time
    if df is None or df.empty:
        _html(
            "<p>No comp time was owed or taken in this period, and nobody carries a balance "
            "into it.</p>"
        )
        return
    rows = [
        [
            r["engineer"],
            r["team"] if isinstance(r["team"], str) and r["team"] else "(no team)",
            r["month"],
            _hours(round(float(r["owed_hours"]), 2)),
            _hours(round(float(r["taken_hours"]), 2)),
            _hours(round(float(r["expired_hours"]), 2)),
            _signed_hours(float(r["balance_hours"])),
        ]
        for r in df.to_dict("records")
    ]
    debts = int((df["balance_hours"] < 0).sum())
    note = (
        f" {debts} line(s) end below zero: comp time taken before it was owed, a debt the "
        "next hours owed repay first."
        if debts
        else ""
    )
    _html(
        _table(
            ["Engineer", "Team", "Month", "Owed", "Taken", "Expired", "Balance"],
            rows,
            numeric=range(3, 7),
        )
        + "<p>Owed: comp time earned in the month (the final payroll export's hours when the "
        "month was exported); taken: the hours recorded in comp_time/*.csv; expired: hours not "
        "taken in time under the policy's [comp_time] rule, oldest first; balance: what is left "
        f"at the end of the month, carried into the next.{_e(note)}</p>"
    )


def show_handoffs(data: CompensationData) -> None:
    """Hand-off notes per person as the outgoing engineer: hand-overs, met, breached, pending."""
    df = data.handoffs
    if df is None or df.empty:
        _html("<p>No hand-over between engineers in this period.</p>")
        return
    rows = []
    for r in df.to_dict("records"):
        decided = r["met"] + r["breached"]
        rate = f"{r['met'] / decided:.0%}" if decided else "—"
        rows.append(
            [r["engineer"], r["team"], r["handovers"], r["met"], r["breached"], r["pending"], rate]
        )
    _html(
        _table(
            [
                "Outgoing engineer",
                "Team",
                "Hand-overs",
                "Note in time",
                "No note (breached)",
                "Pending",
                "Compliance",
            ],
            rows,
            numeric=range(2, 7),
        )
        + "<p>Each hand-over of the period (a change of engineer in the team's rotation, "
        "overrides aside) asks the outgoing engineer for a written note in the policy's window "
        "around it. Compliance = notes in time / (notes in time + breached); pending hand-overs "
        "are still inside their window.</p>"
    )


def show_warnings(data: CompensationData) -> None:
    """What was noticed in the data while computing the payroll."""
    warnings = data.payroll.warnings
    if not warnings:
        _html('<p class="comp-note comp-ok">No data problems were found.</p>')
        return
    _html("<ul>" + "".join(f"<li>{_e(w)}</li>" for w in warnings) + "</ul>")


def show_export(data: CompensationData) -> None:
    """Whether this period's payroll file was exported, and whether it has these figures."""
    record = data.export
    if record is None:
        _html(
            "<p>The payroll file for this period has not been exported yet; these figures are "
            "what it would contain now.</p>"
        )
        return
    name = Path(record.file).name if record.file else "the payroll file"
    when = _instant(record.exported_at)
    if record.same_figures:
        _html(
            f'<p class="comp-note comp-ok">These figures are exactly those of {_e(name)}, '
            f"exported {_e(when)} ({record.rows} lines, total "
            f"{_e(_money(record.total_pay_usd))}).</p>"
        )
    else:
        _html(
            f'<p class="comp-note">{_e(name)} was exported {_e(when)} ({record.rows} lines, '
            f"total {_e(_money(record.total_pay_usd))}) and differs from these figures: the "
            "data or the policy changed after the export. The exported file is what payroll "
            "received.</p>"
        )


def show_footer(data: CompensationData) -> None:
    """What the figures were computed with: policy, package version, report time."""
    from analytics import __version__

    _html(
        f'<p class="comp-foot">Computed with policy {_e(data.payroll.policy_version or "default")}'
        f" · incident-analytics {_e(__version__)} · report time {_e(_instant(data.as_of))} · "
        f"inputs checksum {_e(data.payroll.inputs_sha256[:12])}</p>"
    )


def export_payroll(run: RunContext, *, export: bool) -> None:
    """With ``export`` true (an analyst in JupyterLab), write the payroll CSV, manifest and
    explanation of ``run``'s period under ``run``'s policy, as ``incident-analytics payroll
    --policy`` does, and list the files; otherwise nothing (the report command never exports).
    """
    if not export:
        return
    from analytics import pay

    start, end = run.period.start.date(), run.period.end.date()  # pay days: 00:00 UTC
    result = pay.export_payroll(
        run.db, start, end, out=None, force=False, wait=run.wait, policy=run.policy
    )
    files = [result.csv_path, result.manifest_path, result.explain_path]
    _html(
        f"<p>Payroll export {_e(result.status)}:</p>" + _table(["File"], [[str(f)] for f in files])
    )
