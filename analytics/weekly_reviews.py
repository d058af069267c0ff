"""The weekly report's review sections (docs/reports.md): data only, typed, no HTML.

What the all-hands shares about the post-incident review process and hand-offs, for one ISO
week ``[start, end)``:

- post-mortems to present: review documents published in the week;
- review checks per team: the incidents whose post-mortem was published or due in the week;
- communication per severity and requirement: the incidents started in the week;
- possible misclassifications: ``severity_audit`` findings other than ``consistent`` of the
  incidents started in the week;
- hand-offs per team: the hand-overs of the week (``handoff_compliance``).

Blameless: teams, services and incidents only. Titles, evidence and document paths go
through the report's :class:`analytics.scrub.Scrubber`; blame mentions are counts; the
engineers of a hand-over are never read. :mod:`analytics.weekly_reviews_html` displays it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import pandas as pd

from analytics import coverage
from analytics.db import incidents_only, query_df, sql_text
from analytics.scrub import Scrubber

if TYPE_CHECKING:
    import duckdb

__all__ = ["ReviewWeek", "document_path", "load_review_week"]

# The sections' queries are analytics/sql/queries/reviews_*.sql (each file's header says what
# it reads, its parameters and its columns), each with $period_start and $period_end.
_PRESENTED_SQL = sql_text("queries/reviews_presented.sql")
_CHECKS_SQL = sql_text("queries/reviews_checks.sql")
_COMMUNICATION_SQL = sql_text("queries/reviews_communication.sql")
_UNCHECKED_SQL = sql_text("queries/reviews_unchecked.sql")
_WEEK_INCIDENTS_SQL = sql_text("queries/reviews_week_incidents.sql")
_AUDIT_SQL = sql_text("queries/reviews_audit.sql")
_HANDOFF_SQL = sql_text("queries/reviews_handoffs.sql")

# Finding -> what the reader is told (severity audit, docs/metrics.md).
FINDINGS = {
    "under_declared": "under-declared: the impact recorded is more severe",
    "over_declared": "over-declared: the impact recorded is less severe",
    "sev1_without_evidence": "SEV-1 without evidence of SEV-1 impact (the bonus is still paid)",
    "no_impact_recorded": "no impact recorded: the severity cannot be checked",
}


@dataclass(frozen=True)
class ReviewWeek:
    """The review sections of one week's report (every frame already scrubbed).

    Frames:
        presented: one row per review document published in the week: ``incident_id, team,
            service, severity, title, document`` (path from ``reviews/`` or ``timelines/``),
            ``published_at`` (UTC), ``review_status``.
        checks: one row per team: ``reviews`` (incidents whose post-mortem was published or
            due in the week), ``met, breached, pending`` (review_status), ``without_document,
            with_sections_missing, too_few_whys`` (incidents), ``items_without_owner_or_due``
            (action items), ``blame_mentions`` (matches, never shown as text).
        communication: one row per severity and requirement: ``met, breached, pending``
            (incidents started in the week).
        audit: one row per incident started in the week whose finding is not consistent:
            ``incident_id, team, service, declared_severity, evidence_severity`` (NaN when
            none), ``evidence, finding``.
        handoffs: one row per team: ``met, breached, pending`` (hand-overs in the week).
        unchecked_communication: incidents of the week without a timeline (not checked).
        not_provided: the sources of these sections with no rows at all in the warehouse
            (``reviews``, ``handoffs``, ``rotations``): their sections say so instead of zero.
    """

    presented: pd.DataFrame
    checks: pd.DataFrame
    communication: pd.DataFrame
    audit: pd.DataFrame
    handoffs: pd.DataFrame
    unchecked_communication: int = 0
    not_provided: tuple[str, ...] = ()


def document_path(source_file: str) -> str:
    """A document's path as the team knows it: from its ``reviews/`` or ``timelines/``
    folder on (``/data/raw/reviews/2026/db.md`` -> ``reviews/2026/db.md``), else its name."""
    parts = str(source_file).replace("\\", "/").split("/")
    for i in range(len(parts) - 1, -1, -1):
        if parts[i] in ("reviews", "timelines"):
            return "/".join(parts[i:])
    return parts[-1]


def load_review_week(
    con: duckdb.DuckDBPyConnection,
    start: datetime,
    end: datetime,
    scrubber: Scrubber,
    *,
    covered: list[coverage.Coverage] | None = None,
) -> ReviewWeek:
    """Read the review sections of the week ``[start, end)`` from an open warehouse.

    Args:
        con: A connection with the views installed (the weekly report's reader).
        start: Start of the week (UTC, included).
        end: End of the week (UTC, excluded).
        scrubber: The report's scrubber: people's names in titles, evidence and paths become
            "someone".
        covered: The ``data_coverage`` rows when the caller has read them already
            (:func:`analytics.coverage.read_coverage`: the view costs a second at 10 M pages).
    """
    params = {"period_start": start, "period_end": end}
    presented = query_df(con, _PRESENTED_SQL, params)
    presented.insert(
        presented.columns.get_loc("source_file"),
        "document",
        [document_path(f) for f in presented["source_file"]],
    )
    presented = presented.drop(columns="source_file")
    unchecked = query_df(con, _UNCHECKED_SQL, params)
    with incidents_only(con, _WEEK_INCIDENTS_SQL, params):  # severity_audit: the week only
        audit = query_df(con, _AUDIT_SQL, params)
    rows = coverage.read_coverage(con) if covered is None else covered
    return ReviewWeek(
        presented=scrubber.frame(presented),
        checks=scrubber.frame(query_df(con, _CHECKS_SQL, params)),
        communication=query_df(con, _COMMUNICATION_SQL, params),
        audit=scrubber.frame(audit),
        handoffs=scrubber.frame(query_df(con, _HANDOFF_SQL, params)),
        unchecked_communication=int(unchecked["incidents"].iloc[0]) if len(unchecked) else 0,
        not_provided=tuple(
            s for s in coverage.not_provided(rows) if s in ("reviews", "handoffs", "rotations")
        ),
    )
