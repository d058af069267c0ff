"""The weekly report's review sections, displayed: one ``show_*`` per section of
``notebooks/weekly_allhands.ipynb`` over :class:`analytics.weekly_reviews.ReviewWeek`.

Human headers, counts right-aligned, compliance as met / (met + breached) with pending beside
it; each section says plainly when there is nothing, and when the data is missing rather than
zero. Blameless like the rest of the weekly report: teams, services and incidents only.
"""

from __future__ import annotations

import pandas as pd

from analytics import render
from analytics.weekly import WeeklyData, incident_reach
from analytics.weekly_html import NO_DATA
from analytics.weekly_reviews import FINDINGS, ReviewWeek

__all__ = [
    "REQUIREMENTS",
    "communication_table",
    "compliance_share",
    "requirement_label",
    "show_communication",
    "show_handoffs",
    "show_misclassifications",
    "show_postmortems",
    "show_review_checks",
]

# The default policy's requirement names in words; any other name is shown with spaces.
REQUIREMENTS = {
    "vp_engineering": "VP Engineering told",
    "oncall_sre": "on-call SRE paged",
    "team_leads": "team leads told",
    "team_lead": "team lead told",
    "exec_channel": "exec channel updated",
    "customer_success": "customer success told",
    "engineering_channel": "engineering channel updated",
}

_STATUS = {"met": "met", "breached": "breached", "pending": "pending", "n/a": "not reviewed"}


def requirement_label(name: str) -> str:
    """``vp_engineering`` -> ``VP Engineering told``; an unknown name with spaces."""
    return REQUIREMENTS.get(name, str(name).replace("_", " "))


# "2 of 3 (67%)": met over decided (pending left out); "—" when none decided.
compliance_share = render.share


def _reviews(data: WeeklyData) -> ReviewWeek | None:
    return data.reviews


def _nothing(data: WeeklyData, text: str) -> None:
    """``text``, or the no-data sentence when the incidents data does not cover the week."""
    render.show(render.p(NO_DATA if incident_reach(data) == "none" else text))


def show_postmortems(data: WeeklyData) -> None:
    """Post-mortems to present this week: review documents published in the week."""
    reviews = _reviews(data)
    if reviews is None:
        return
    df = reviews.presented
    if df.empty:
        if "reviews" in reviews.not_provided:
            render.show(
                render.p(
                    "No review documents (reviews/**/*.md) are in the warehouse: nothing can "
                    "be said about post-mortems to present."
                )
            )
        else:
            render.show(render.p("No post-mortem was published this week."))
        return
    shown = pd.DataFrame(
        {
            "incident": df["incident_id"],
            "team": df["team"].fillna("—"),
            "service": df["service"].fillna("—"),
            "severity": df["severity"].map(render.severity),
            "title": df["title"].fillna("—"),
            "published": df["published_at"].map(render.timestamp),
            "review checks": df["review_status"].map(lambda s: _STATUS.get(s, "—")),
            "document": df["document"],
        }
    )
    render.show(
        render.table(shown)
        + render.p(
            f"{len(df)} review document(s) published this week, oldest first. Review checks: "
            "met when published in time with every section, enough whys and no blame "
            "(see the next section)."
        )
    )


# (column, header, meaning) of the review-check table, in order.
CHECK_COLUMNS = (
    ("reviews", "post-mortems", "incidents whose post-mortem was published or due this week"),
    ("met", "met", "published in time, every section, enough whys, no blame"),
    ("breached", "breached", "a check fails after the deadline"),
    ("pending", "pending", "a check fails but the deadline has not passed"),
    ("without_document", "no document", "incidents without any review document"),
    ("with_sections_missing", "sections missing", "incidents whose review lacks a section"),
    ("too_few_whys", "too few whys", "root cause with fewer why-steps than the policy asks"),
    (
        "items_without_owner_or_due",
        "action items without owner or due date",
        "the incidents' action items missing either",
    ),
    (
        "blame_mentions",
        "blame mentions",
        "names or blame phrases in root cause and improvements: a count, never shown",
    ),
)


def show_review_checks(data: WeeklyData) -> None:
    """The week's review-check results per team (counts only)."""
    reviews = _reviews(data)
    if reviews is None:
        return
    df = reviews.checks
    if df.empty:
        _nothing(data, "No post-mortem was published or due this week.")
        return
    shown = df[["team", *(c for c, _, _ in CHECK_COLUMNS)]].rename(
        columns={c: header for c, header, _ in CHECK_COLUMNS}
    )
    definitions = "".join(
        f"<li><strong>{render.escape(header)}</strong>: {render.escape(meaning)}.</li>"
        for _, header, meaning in CHECK_COLUMNS
    )
    parts = [render.table(shown), f"<ul>{definitions}</ul>"]
    if "reviews" in reviews.not_provided:
        parts.insert(
            0,
            render.p(
                "No review documents (reviews/**/*.md) are in the warehouse: every post-mortem "
                "below counts as having no document, its sections missing and no whys."
            ),
        )
    render.show("".join(parts))


def communication_table(reviews: ReviewWeek) -> pd.DataFrame:
    """The communication table as shown: severity, requirement in words, counts, compliance."""
    df = reviews.communication
    return pd.DataFrame(
        {
            "severity": df["severity"].map(render.severity),
            "requirement": df["requirement"].map(requirement_label),
            "met": df["met"],
            "breached": df["breached"],
            "pending": df["pending"],
            "compliance": [
                compliance_share(m, b) for m, b in zip(df["met"], df["breached"], strict=True)
            ],
        }
    )


def show_communication(data: WeeklyData) -> None:
    """Communication compliance per severity and requirement (met/breached/pending)."""
    from analytics import charts

    reviews = _reviews(data)
    if reviews is None:
        return
    unchecked = reviews.unchecked_communication
    skipped = (
        render.p(
            f"{unchecked} incident(s) of the week have no timeline document (imported): their "
            "communication is not checked."
        )
        if unchecked
        else ""
    )
    if reviews.communication.empty:
        if incident_reach(data) == "none":
            render.show(render.p(NO_DATA))
        else:
            render.show(
                render.p("No communication requirement applies to this week's incidents.") + skipped
            )
        return
    shown = communication_table(reviews)
    render.show(
        render.table(shown, numbers=["compliance"])
        + render.p(
            "Per incident started this week and requirement of its severity: met when a "
            "timeline line names it within the policy's window after detection. Compliance "
            "= met / (met + breached); pending is shown beside it, not counted."
        )
        + skipped
    )
    df = reviews.communication
    long = (
        df.assign(check=shown["severity"] + " · " + shown["requirement"])
        .melt(
            id_vars=["check"],
            value_vars=["met", "breached", "pending"],
            var_name="status",
            value_name="incidents",
        )
        .query("incidents > 0")
    )
    charts.show(charts.compliance(long, title="Communication this week"))


def show_misclassifications(data: WeeklyData) -> None:
    """Possible misclassifications: severity audit findings other than consistent."""
    reviews = _reviews(data)
    if reviews is None:
        return
    df = reviews.audit
    if df.empty:
        _nothing(data, "Every incident of this week has the severity its recorded impact shows.")
        return
    flagged = df[df["finding"] != "no_impact_recorded"]
    unrecorded = df[df["finding"] == "no_impact_recorded"]
    parts = []
    if flagged.empty:
        parts.append(render.p("No incident of this week looks misclassified."))
    else:
        shown = pd.DataFrame(
            {
                "incident": flagged["incident_id"],
                "team": flagged["team"],
                "service": flagged["service"],
                "declared": flagged["declared_severity"].map(render.severity),
                "impact shows": flagged["evidence_severity"].map(render.severity),
                "evidence": flagged["evidence"].fillna("—"),
                "finding": flagged["finding"].map(lambda f: FINDINGS.get(f, f)),
            }
        )
        parts.append(render.table(shown))
        parts.append(
            render.p(
                "The declared severity against the severity the recorded impact shows (data "
                "lost, share of users affected, the policy's phrases): a question for the "
                "review, not a verdict."
            )
        )
    if not unrecorded.empty:
        ids = ", ".join(unrecorded["incident_id"])
        parts.append(
            render.p(
                f"{len(unrecorded)} incident(s) recorded no impact, so their severity cannot be "
                f"checked: {ids}."
            )
        )
    render.show("".join(parts))


def show_handoffs(data: WeeklyData) -> None:
    """Hand-off compliance per team for the hand-overs of the week."""
    reviews = _reviews(data)
    if reviews is None:
        return
    if "rotations" in reviews.not_provided:
        render.show(
            render.p("No on-call rotations were provided: there are no hand-overs to check.")
        )
        return
    df = reviews.handoffs
    if df.empty:
        render.show(render.p("No hand-over between engineers this week."))
        return
    shown = df.assign(
        compliance=[compliance_share(m, b) for m, b in zip(df["met"], df["breached"], strict=True)]
    )
    parts = []
    if "handoffs" in reviews.not_provided:
        parts.append(
            render.p(
                "No hand-off notes (handoffs/**/*.md) are in the warehouse: every hand-over "
                "below counts as without a note."
            )
        )
    parts.append(render.table(shown, numbers=["compliance"]))
    parts.append(
        render.p(
            "Per hand-over (a change of engineer in a team's rotation, overrides aside): met "
            "when the outgoing engineer wrote a note in the policy's window around it; pending "
            "while the window is open. Compliance = met / (met + breached)."
        )
    )
    render.show("".join(parts))
