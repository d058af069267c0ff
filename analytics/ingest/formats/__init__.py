"""The registry of input formats: one module per format, each declaring which files it reads
(:class:`~analytics.ingest.formats.base.Detect`), how it reads them (DuckDB for tabular
files, a Python parser returning one :class:`~analytics.ingest.formats.base.Parsed` batch for
the others) and the ``src_*`` tables its rows go to. :mod:`analytics.ingest.run` iterates
:data:`FORMATS`; adding a format is adding a module and a line here.
"""

from __future__ import annotations

import functools
from pathlib import Path, PurePath

from analytics.ingest.formats import (
    comp_time,
    handoff,
    ics,
    opsgenie,
    pagerduty,
    pages,
    people,
    review,
    rotations,
    statuspage,
    timeline,
    tracker,
)
from analytics.ingest.formats.base import DOCUMENT_EXT, Format

# In the order files are matched (the first format whose detection matches reads the file):
# people.csv anywhere; documents by their folder; tabular files by their folder; a calendar
# anywhere; vendor exports by their folder.
FORMATS: tuple[Format, ...] = (
    people.FORMAT,
    handoff.FORMAT,
    timeline.FORMAT,
    review.FORMAT,
    pages.FORMAT,
    comp_time.FORMAT,
    rotations.FORMAT,
    ics.FORMAT,
    tracker.FORMAT,
    pagerduty.FORMAT,
    opsgenie.FORMAT,
    statuspage.FORMAT,
)
BY_KIND: dict[str, Format] = {f.kind: f for f in FORMATS}
# The formats DuckDB reads, with their column specs (rows go to ``src_<kind>``).
SPECS = {f.kind: f.spec for f in FORMATS if f.spec is not None}
# A document named on the command line outside any known folder is an incident document.
LOOSE_DOCUMENT = timeline.FORMAT

ALL_SRC_TABLES = (
    "src_incidents",
    "src_timeline_events",
    "src_action_items",
    "src_pages",
    "src_page_acks",
    "src_people",
    "src_rotations",
    "src_tracker_items",
    "src_handoffs",
    "src_reviews",
    "src_review_lines",
    "src_comp_time",
)


def classify(path: Path) -> Format | None:
    """The format of a file, from its folder names, name and extension (docs/inputs.md)."""
    return classify_in(str(path.parent), path.name)


@functools.lru_cache(maxsize=64)
def _folder_names(folder: str) -> frozenset[str]:
    return frozenset(p.lower() for p in Path(folder).parts)


def classify_in(folder: str, name: str) -> Format | None:
    """:func:`classify` of the file ``name`` in ``folder`` (its folder names read once)."""
    folders = _folder_names(folder)
    lower = name.lower()
    suffix = PurePath(lower).suffix
    return next((f for f in FORMATS if f.detect.matches(folders, lower, suffix)), None)


def loose_document(path: Path) -> Format | None:
    """The format of a file named on the command line that no detection matched."""
    return LOOSE_DOCUMENT if path.suffix.lower() in DOCUMENT_EXT else None
