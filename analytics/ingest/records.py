"""The canonical records every parser and importer produces.

Timestamps are timezone-aware UTC ``datetime``; money is ``Decimal``; team and service
names are trimmed and lower-cased (docs/inputs.md); people's names are kept as written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TypeVar


@dataclass(frozen=True)
class InputWarning:
    """Something worth telling the user that does not reject the input."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Incident:
    incident_id: str
    title: str | None
    severity: int
    team: str | None
    service: str | None
    started_at: datetime
    detected_at: datetime | None = None
    detection_method: str | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    mitigated_at: datetime | None = None
    mitigation: str | None = None
    resolved_at: datetime | None = None
    users_affected: int | None = None
    users_affected_pct: float | None = None
    revenue_impact_usd: Decimal | None = None
    data_loss: bool | None = None
    data_loss_detail: str | None = None
    root_cause: str | None = None
    postmortem_published_at: datetime | None = None
    stated_duration_s: float | None = None
    impact_text: str | None = None  # the IMPACT section as written (severity audit phrases)
    source_file: str = ""
    source_kind: str = "timeline"  # "timeline" wins over importers for one incident_id
    # Where the severity came from (docs/importers.md): document, pagerduty_priority,
    # pagerduty_urgency, opsgenie_priority or statuspage_impact.
    severity_source: str = "document"
    # A vendor incident's version time (PagerDuty last_status_change_at, Opsgenie updatedAt,
    # Statuspage updated_at): of one incident found in several files the latest wins.
    source_updated_at: datetime | None = None
    # Vendor records a timeline document names (PAGERDUTY:, OPSGENIE:, STATUS PAGE: headers):
    # they attach to the document and make no incident of their own (docs/importers.md).
    linked_pagerduty_id: str | None = None
    linked_opsgenie_id: str | None = None
    linked_statuspage_id: str | None = None


@dataclass(frozen=True)
class TimelineEvent:
    incident_id: str
    occurred_at: datetime
    kind: str  # status_update | escalation | page | note
    text: str
    line_no: int
    # For a status_update line of a document: its kind by the other rules (escalation, page,
    # else note), used when a linked status page supplies the updates (docs/importers.md).
    other_kind: str | None = None


@dataclass(frozen=True)
class ActionItem:
    incident_id: str
    item_no: int  # 1-based, in document order
    description: str
    owner: str | None
    due_date: date | None
    ticket: str | None
    done: bool
    line_no: int


@dataclass(frozen=True)
class Review:
    """One review document (docs/inputs.md): what its author wrote, counted at parse time."""

    incident_id: str
    title: str | None
    published_at: datetime | None
    sections: tuple[str, ...]  # the template sections present (with content), template order
    whys: int  # why-steps in the root-cause section (docs/inputs.md)
    source_kind: str  # review (a reviews/ document) | timeline (a timeline document's own review)
    line_no: int  # the ID: line (1 for a timeline document)


@dataclass(frozen=True)
class ReviewLine:
    """A content line of a root-cause or improvement section (blame checks run in SQL)."""

    incident_id: str
    section: str  # root_cause | improvements
    line_no: int
    text: str


@dataclass
class ReviewDocument:
    """One parsed review document, or the review part of a timeline document."""

    review: Review
    lines: list[ReviewLine] = field(default_factory=list)
    action_items: list[ActionItem] = field(default_factory=list)
    warnings: list[InputWarning] = field(default_factory=list)


@dataclass
class TimelineDocument:
    """One parsed incident document."""

    incident: Incident
    events: list[TimelineEvent] = field(default_factory=list)
    action_items: list[ActionItem] = field(default_factory=list)
    warnings: list[InputWarning] = field(default_factory=list)
    review: ReviewDocument | None = None  # when it has What went well / What could be improved


PAGE_COLUMNS = (
    "page_id",
    "sent_at",
    "recipient",
    "team",
    "service",
    "incident_id",
    "acknowledged_at",
    "acknowledged_by",
    "escalated_at",
    "urgency",
)
PAGE_REQUIRED = PAGE_COLUMNS[:4]

ROTATION_COLUMNS = ("team", "engineer", "start", "end", "override")
PEOPLE_COLUMNS = ("engineer", "employee_id", "team", "timezone", "email")


@dataclass(frozen=True)
class RotationRow:
    team: str
    engineer: str
    start_at: datetime
    end_at: datetime
    is_override: bool
    line_no: int


_Version = TypeVar("_Version")
_OLDEST = datetime.min.replace(tzinfo=UTC)


def keep_latest(
    chosen: dict[str, _Version],
    key: str,
    candidate: _Version,
    version_at: Callable[[_Version], datetime | None],
    *,
    warnings: list[InputWarning],
    file: str,
    line: int,
    stamp: str,
) -> None:
    """One version of a vendor incident (docs/importers.md): keep ``candidate`` under ``key``
    unless the version already chosen is strictly newer. A version without a time is the oldest;
    of two equal times the later one read wins. A repeat is a warning naming the ``stamp`` compared.
    """
    known = chosen.get(key)
    if known is not None:
        warnings.append(
            InputWarning(file, line, f"incident {key} repeated: kept the latest version ({stamp})")
        )
        if (version_at(known) or _OLDEST) > (version_at(candidate) or _OLDEST):
            return
    chosen[key] = candidate
