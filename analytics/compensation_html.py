"""The compensation report's display: each ``show_*`` renders one section of
:class:`analytics.compensation.CompensationData` as HTML in the notebook.

Written for the people who read it (engineering managers, the payroll clerk, the engineers
paid): human headers, money as ``$1,234.56``, hours as ``163 h``, dates as ``1 Oct 2026``,
text left-aligned and numbers right-aligned, and no instructions meant for whoever runs the
notebook. The report names people (it is about their pay); the weekly report never does.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from analytics import render
from analytics.compensation import CompensationData, fairness_frame, people_frame
from analytics.render import escape as esc

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


def _period_label(data: CompensationData) -> str:
    first, last = data.start, data.last_day
    if first.day == 1 and data.period == f"{first:%Y-%m}":
        return f"{first:%B %Y} ({first.day}–{render.day(last)})"
    return f"{render.day(first)} – {render.day(last)}"


# --------------------------------------------------------------------------- sections


def show_period(data: CompensationData) -> None:
    """The pay period, the report time, and a note when the period has not ended."""
    parts = [
        _STYLE,
        f'<p class="comp-period"><strong>Pay period:</strong> {esc(_period_label(data))}, '
        f"days in UTC · <strong>report time:</strong> {esc(render.instant(data.as_of))}</p>",
    ]
    if data.provisional:
        parts.append(
            '<p class="comp-note"><strong>Provisional.</strong> The period had not ended at the '
            "report time: on-call time, SEV-1s and pages still to come are not included, and "
            "every figure can still change.</p>"
        )
    render.show("\n".join(parts))


def show_totals(data: CompensationData) -> None:
    """The period's totals as a strip of figures."""
    lines = data.payroll.lines
    if not lines:
        render.show(
            "<p>Nobody was on call, handled a SEV-1 or was paged overnight in this period.</p>"
        )
        return
    totals = data.payroll.totals()
    cards = [
        ("Total pay", render.money(totals["total_pay_usd"])),
        ("On-call stipends", render.money(totals["stipend_usd"])),
        (
            f"SEV-1 bonuses ({render.count(totals['sev1_incidents'], 'incident')})",
            render.money(totals["sev1_bonus_usd"]),
        ),
        ("Hours on call", render.hours(totals["oncall_hours"])),
        (
            f"Comp time ({render.count(totals['overnight_pages'], 'overnight page')})",
            render.hours(totals["comp_time_hours"]),
        ),
        ("People paid", str(len(lines))),
    ]
    render.show(render.cards(cards))


def show_lines(data: CompensationData) -> None:
    """One row per person: the payroll line's figures, with a total row."""
    lines = data.payroll.lines
    if not lines:
        render.show("<p>No payroll lines for this period.</p>")
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
            render.hours(x.oncall_hours),
            render.money(x.stipend_usd),
            x.sev1_incidents,
            render.money(x.sev1_bonus_usd),
            x.overnight_pages,
            render.hours(x.comp_time_hours),
            render.money(x.total_pay_usd),
        ]
        for x in lines
    ]
    total = [
        "Total",
        "",
        "",
        render.hours(totals["oncall_hours"]),
        render.money(totals["stipend_usd"]),
        totals["sev1_incidents"],
        render.money(totals["sev1_bonus_usd"]),
        totals["overnight_pages"],
        render.hours(totals["comp_time_hours"]),
        render.money(totals["total_pay_usd"]),
    ]
    render.show(
        render.rows_table(headers, rows, numeric=range(3, 10), total=total)
        + "<p>Total pay is the stipend plus SEV-1 bonuses; comp time is time off, not money.</p>"
    )


def show_charts(data: CompensationData) -> None:
    """Hours on call and pages received per person, side by side."""
    from analytics import charts

    people = people_frame(data)
    if people.empty:
        render.show("<p>No on-call time or pages in this period.</p>")
        return
    charts.setup()
    render.display(charts.hours_and_pages_by_person(people))
    render.show(
        "<p>Pages received counts every page, day and night, repeats included; comp time "
        "counts only each incident's first overnight page (see each person below).</p>"
    )


def _row_cells(row: dict[str, str], year: int) -> list[str]:
    kind = row["kind"]
    when = render.instant(row["start_at"], year=year)
    if kind == "shift":
        hours = render.hours(Decimal(row["seconds"]) / Decimal(3600))
        return [
            _KIND[kind],
            f"{row['ref']} rotation",
            f"{when} – {render.instant(row['end_at'], year=year)}",
            f"{hours} at {render.money(row['rate'])} a week",
            render.money(row["amount_usd"]),
        ]
    if kind == "sev1":
        detail = _HANDLED.get(row["detail"], row["detail"])
        return [_KIND[kind], row["ref"], when, detail, render.money(row["amount_usd"])]
    return [
        _KIND.get(kind, kind),
        row["ref"],
        when,
        _page_detail(row["detail"]),
        f"{render.hours(row['comp_time_hours'])} comp time",
    ]


def show_explanations(data: CompensationData) -> None:
    """Per person: each figure in a sentence, and the shifts, SEV-1s and pages behind it."""
    if not data.explanations:
        render.show("<p>No payroll lines for this period.</p>")
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
            f"<h3>{esc(item.engineer)} · {esc(item.team or '(no team)')} · "
            f"{esc(render.money(item.total_pay_usd))}</h3>"
            "<ul>" + "".join(f"<li>{esc(s)}</li>" for s in item.sentences) + "</ul>"
            f"<details><summary>The {len(rows)} shifts, SEV-1s and pages behind this line"
            "</summary>"
            + render.rows_table(headers, rows, numeric=[4])
            + "<p>Each shift's amount is shown to the cent; the line adds the exact amounts "
            "and rounds once.</p></details></div>"
        )
    render.show("\n".join(blocks))


def show_fairness(data: CompensationData) -> None:
    """Fairness and working time per person: hours in the fairness window against the team's
    fair share, nights interrupted and the working-time limits exceeded, with n per team."""
    from analytics import charts

    df = fairness_frame(data)
    if df.empty:
        render.show("<p>Nobody was on call or paged in this period: nothing to compare.</p>")
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
        share = "only member" if n == 1 else render.percent(r["share_of_fair"])
        rows.append(
            [
                r["engineer"],
                f"{r['team']} ({n})",
                render.hours(round(r["oncall_hours"], 2)),
                render.hours(round(r["window_hours"], 1)),
                "—"
                if r["fair_share_hours"] != r["fair_share_hours"]
                else render.hours(round(r["fair_share_hours"], 1)),
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
        + (f" ({esc(', '.join(small))} with fewer than 3 members)" if small else "")
        + ". Read a share as a reason to look, not as a verdict.</p>",
        f"<p>{flagged} {'person' if flagged == 1 else 'people'} exceeded a working-time "
        "limit of the policy (nights interrupted: distinct nights with an overnight page, "
        "on the person's own clock)" + (":</p>" if exceeded else ".</p>"),
    ]
    if exceeded:
        notes.append(
            "<ul>"
            + "".join(
                f"<li>{esc(r['engineer'])} ({esc(r['team'])}): {esc('; '.join(r['limits']))}</li>"
                for r in exceeded
            )
            + "</ul>"
        )
    render.show(render.rows_table(headers, rows, numeric=[2, 3, 4, 5, 6, 7, 8]) + "".join(notes))
    charts.setup()
    render.display(charts.fair_share_by_person(df))


def show_comp_time(data: CompensationData) -> None:
    """The comp-time ledger lines of the period's months: owed, taken, expired, balance."""
    df = data.comp_time
    if df is None or df.empty:
        render.show(
            "<p>No comp time was owed or taken in this period, and nobody carries a balance "
            "into it.</p>"
        )
        return
    rows = [
        [
            r["engineer"],
            r["team"] if isinstance(r["team"], str) and r["team"] else "(no team)",
            r["month"],
            render.hours(round(float(r["owed_hours"]), 2)),
            render.hours(round(float(r["taken_hours"]), 2)),
            render.hours(round(float(r["expired_hours"]), 2)),
            render.signed_hours(float(r["balance_hours"])),
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
    render.show(
        render.rows_table(
            ["Engineer", "Team", "Month", "Owed", "Taken", "Expired", "Balance"],
            rows,
            numeric=range(3, 7),
        )
        + "<p>Owed: comp time earned in the month (the final payroll export's hours when the "
        "month was exported); taken: the hours recorded in comp_time/*.csv; expired: hours not "
        "taken in time under the policy's [comp_time] rule, oldest first; balance: what is left "
        f"at the end of the month, carried into the next.{esc(note)}</p>"
    )


def show_handoffs(data: CompensationData) -> None:
    """Hand-off notes per person as the outgoing engineer: hand-overs, met, breached, pending."""
    df = data.handoffs
    if df is None or df.empty:
        render.show("<p>No hand-over between engineers in this period.</p>")
        return
    rows = []
    for r in df.to_dict("records"):
        decided = r["met"] + r["breached"]
        rate = render.percent(r["met"] / decided if decided else None)
        rows.append(
            [r["engineer"], r["team"], r["handovers"], r["met"], r["breached"], r["pending"], rate]
        )
    render.show(
        render.rows_table(
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
        render.show('<p class="comp-note comp-ok">No data problems were found.</p>')
        return
    render.show("<ul>" + "".join(f"<li>{esc(w)}</li>" for w in warnings) + "</ul>")


def show_export(data: CompensationData) -> None:
    """Whether this period's payroll file was exported, and whether it has these figures."""
    record = data.export
    if record is None:
        render.show(
            "<p>The payroll file for this period has not been exported yet; these figures are "
            "what it would contain now.</p>"
        )
        return
    name = Path(record.file).name if record.file else "the payroll file"
    when = render.instant(record.exported_at)
    if record.same_figures:
        render.show(
            f'<p class="comp-note comp-ok">These figures are exactly those of {esc(name)}, '
            f"exported {esc(when)} ({record.rows} lines, total "
            f"{esc(render.money(record.total_pay_usd))}).</p>"
        )
    else:
        render.show(
            f'<p class="comp-note">{esc(name)} was exported {esc(when)} ({record.rows} lines, '
            f"total {esc(render.money(record.total_pay_usd))}) and differs from these figures: the "
            "data or the policy changed after the export. The exported file is what payroll "
            "received.</p>"
        )


def show_footer(data: CompensationData) -> None:
    """What the figures were computed with: policy, package version, report time."""
    from analytics import __version__

    render.show(
        f'<p class="comp-foot">Computed with policy {esc(data.payroll.policy_version or "default")}'
        f" · incident-analytics {esc(__version__)} · "
        f"report time {esc(render.instant(data.as_of))} · "
        f"inputs checksum {esc(data.payroll.inputs_sha256[:12])}</p>"
    )


def export_payroll(run: RunContext, *, export: bool) -> None:
    """With ``export`` true (an analyst in JupyterLab), write the payroll CSV, manifest and
    explanation of ``run``'s period under ``run``'s policy, as ``incident-analytics payroll
    --policy`` does, and list the files; otherwise nothing (the report command never exports).
    """
    if not export:
        return
    from dataclasses import replace
    from datetime import UTC, datetime

    from analytics import pay

    # an export is judged (is the period over?) and recorded at the time it is written, not
    # at the report's as_of
    result = pay.export_payroll(replace(run, as_of=datetime.now(UTC)))
    files = [result.csv_path, result.manifest_path, result.explain_path]
    render.show(
        f"<p>Payroll export {esc(result.status)}:</p>"
        + render.rows_table(["File"], [[str(f)] for f in files])
    )
