"""Review documents (docs/inputs.md): the playbook's post-mortem template as people write it.

A review document (``reviews/**/*.md``) names its incident with ``ID:`` (or ``INCIDENT ID:``),
may carry ``INCIDENT:`` (title) and ``PUBLISHED:``, and has the template's six sections in any
order, each a Markdown heading or a ``KEY:`` line in any dressing (``## What went well``,
``**Root cause:**``, ``ROOT CAUSE ANALYSIS:``, ``### 3. Follow-ups``). A section runs to the next
heading or key line; it is *present* when its body has a line that is not a placeholder (TBD,
TODO, N/A, ``...``, a bracketed template hint such as ``[describe the impact]``).

What is counted here, once per document, is what its author wrote: the sections present, the
why-steps of the root cause, its action items, and the lines of the root-cause and improvement
sections. Everything that depends on the policy (``min_whys``, blame phrases), on people.csv
(names) or on the report time is computed in SQL (``sql/marts/postmortem_reviews.sql``), so a
reader's ``--policy`` and ``--as-of`` apply to it like to every other view.

A timeline document (§3.1) with a ``What went well`` or ``What could be improved`` heading is
also its own review document: :func:`timeline_review` reads that part of it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from analytics.errors import InputError
from analytics.ingest.parsing import TIMESTAMP_FORMS, unwrap
from analytics.ingest.records import (
    ActionItem,
    InputWarning,
    Review,
    ReviewDocument,
    ReviewLine,
    TimelineDocument,
)
from analytics.ingest.timelines import (
    _SCALARS as TIMELINE_KEYS,
)
from analytics.ingest.timelines import (
    _SECTIONS as TIMELINE_SECTIONS,
)
from analytics.ingest.timelines import (
    _action_items,
    _decode,
    _timestamp_field,
    split_lines,
)

# The template's sections, in the playbook's order (docs/inputs.md names them so).
SECTIONS: tuple[str, ...] = (
    "Incident summary",
    "Timeline",
    "Root cause",
    "What went well",
    "What could be improved",
    "Action items",
)
_ALIASES: dict[str, str] = {
    "incident summary": "Incident summary",
    "summary": "Incident summary",
    "timeline": "Timeline",
    "timeline of events": "Timeline",
    "root cause": "Root cause",
    "root causes": "Root cause",
    "root cause analysis": "Root cause",
    "5 whys": "Root cause",
    "five whys": "Root cause",
    "what went well": "What went well",
    "went well": "What went well",
    "what could be improved": "What could be improved",
    "improvements": "What could be improved",
    "action items": "Action items",
    "action item": "Action items",
    "follow ups": "Action items",
    "followups": "Action items",
}
_HEADERS: dict[str, str] = {
    "id": "ID",
    "incident id": "ID",
    "incident": "INCIDENT",
    "title": "INCIDENT",
    "incident title": "INCIDENT",
    "published": "PUBLISHED",
    "published at": "PUBLISHED",
}
# Keys of the timeline template that end a section in a document that mixes both templates.
_OTHER_KEYS = (set(TIMELINE_KEYS) | set(TIMELINE_SECTIONS)) - set(_ALIASES) - set(_HEADERS)
_IMPACT_FIELDS = {
    "users affected",
    "affected users",
    "customers affected",
    "revenue impact",
    "data loss",
}
_BLAME_SECTIONS = {"Root cause": "root_cause", "What could be improved": "improvements"}

_HEADING_RE = re.compile(r"\s{0,3}#{1,6}(?:\s+|(?=[A-Za-z0-9*_]))(?P<text>.*?)\s*#*\s*")
_BOLD_LINE_RE = re.compile(r"\s*(?:\*\*|__)(?P<text>[^*_]+?)(?:\*\*|__)\s*:?\s*")
# A key line is r"\s*[*_]*\s*(?P<key>KEY)\s*[*_]*\s*:[*_]*\s*(?P<rest>.*)": its colon can only
# be the line's first (nothing before it matches one), so the part before it is matched once
# per distinct text (:func:`_key_before_colon`) and the rest is stripped without a pattern.
_KEY_HEAD_RE = re.compile(r"\s*[*_]*\s*(?P<key>[A-Za-z0-9][A-Za-z0-9 ()/&_-]*?)\s*[*_]*\s*", re.S)
_NUMBERING_RE = re.compile(r"^(?:[0-9]+|[ivx]+|[a-z])[.)]\s+|^(?:section|part)\s+[0-9]+\s+")
_PLACEHOLDER_WORD_RE = re.compile(r"(?<![A-Za-z0-9])(?:TBD|TODO|N/A|n/a)(?![A-Za-z0-9])", re.I)
_HINT_RE = re.compile(r"\[[^\]]*\]|<[^>]*>|\{\{[^}]*\}\}|\.{3,}|…")
_LABEL_RE = re.compile(r"\b(?:owner|assignee|due(?: date)?|ticket|date|name)\b", re.I)
_LIST_RE = re.compile(r"(?P<marker>[-*+]|(?P<number>[0-9]+)[.)])\s+(?P<rest>.*)", re.S)
_WHY_LINE_RE = re.compile(r"[*_`\s]*why(?![A-Za-z0-9])", re.I)
_WHY_WORD_RE = re.compile(r"why", re.I)
_TITLE_RE = re.compile(r"\s{0,3}#\s")
_TODO_RE = re.compile(r"(?:[-*+]\s+|[0-9]+[.)]\s+)?[*_]*(?:TODO|TBD)[*_]*\s*(?:$|[:.!(—–-])", re.I)
_LEADING_ITEM_RE = re.compile(r"^\s*(?:[-*+]|[0-9]+[.)])\s+")
_WORD_CHAR_RE = re.compile(r"[^\W_]")
_NOT_KEY_CHARS_RE = re.compile(r"[^a-z0-9]+")
_TRAILING_PAREN_RE = re.compile(r"\([^)]*\)\s*:?\s*$")
_NOT_LETTERS_RE = re.compile(r"[^A-Za-z]")
_DIGITS = frozenset("0123456789")
_CONTENT_START = frozenset(("", "-", "+", ">", "|", "["))  # first characters of content lines
_TAB = 4


@dataclass
class _Block:
    """One heading or key line of a section and the lines under it."""

    heading: str
    line: int
    lines: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class _Scan:
    fields: dict[str, tuple[int, str]]
    blocks: dict[str, list[_Block]]
    impact: list[str]
    title: str | None


def parse_review(text: str | bytes, file: str, *, now: datetime | None = None) -> ReviewDocument:
    """Parse one review document (docs/inputs.md).

    Args:
        text: The document; bytes are decoded as UTF-8 (a BOM is dropped).
        file: The name shown in errors and warnings.
        now: PUBLISHED later than two years after this is out of range (default: wall clock).

    Returns:
        The review (sections present, why-steps), the lines of its root-cause and improvement
        sections, its action items and any warnings.

    Raises:
        InputError: ``file:line: reason``: no ``ID:`` (line 1), an ID given twice or empty, a
            PUBLISHED that is not a timestamp or out of range.
    """
    now = now or datetime.now(UTC)
    lines = split_lines(_decode(text, file))
    scan = _scan(lines, file)
    if "ID" not in scan.fields:
        raise InputError(
            file,
            1,
            "ID is missing; a review document names its incident with a line such as "
            "'ID: INC-2026-001' (or 'INCIDENT ID: INC-2026-001')",
        )
    id_line, incident_id = scan.fields["ID"]
    incident_id = unwrap(incident_id)
    if not incident_id:
        raise InputError(file, id_line, "ID has no value; expected the incident's id")
    published = None
    if "PUBLISHED" in scan.fields:
        line, value = scan.fields["PUBLISHED"]
        try:
            published, _ = _timestamp_field("PUBLISHED", unwrap(value))
        except ValueError as exc:
            raise InputError(file, line, f"PUBLISHED {exc}") from None
        if published is not None and not (
            datetime(1970, 1, 1, tzinfo=UTC) <= published <= now + timedelta(days=731)
        ):
            raise InputError(
                file,
                line,
                f"PUBLISHED '{unwrap(value)}' is out of range (before 1970 or more than 2 years "
                f"from now); accepted: {TIMESTAMP_FORMS}",
            )
    title = unwrap(scan.fields["INCIDENT"][1]) if "INCIDENT" in scan.fields else scan.title
    warnings: list[InputWarning] = []

    def warn(line: int, message: str) -> None:
        warnings.append(InputWarning(file, line, message))

    items_lines = [
        (no, line)
        for block in scan.blocks.get("Action items", [])
        for no, line in block.lines
        if not is_placeholder(line)
    ]
    items = _action_items(items_lines, incident_id, warn)
    return _document(
        scan, incident_id, title or None, published, "review", id_line, items, warnings
    )


def timeline_review(text: str | bytes, doc: TimelineDocument) -> TimelineDocument:
    """Add the review part of a timeline document, and its IMPACT text, to ``doc``.

    A timeline document is its own review document when it has a ``What went well`` or
    ``What could be improved`` heading (docs/inputs.md); its action items are already the
    document's, and its publication time is its ``PUBLISHED:`` line when it has one, else its
    ``POSTMORTEM:`` (already on the incident).
    """
    from dataclasses import replace

    file = doc.incident.source_file
    scan = scan_lines(split_lines(_decode(text, file)), file)
    impact = impact_text(scan)
    if impact:
        doc.incident = replace(doc.incident, impact_text=impact)
    return add_review(scan, doc)


def scan_lines(lines: list[str], file: str) -> _Scan:
    """A document's review sections, header fields and IMPACT lines (its lines as
    :func:`~analytics.ingest.timelines.split_lines` cut them).

    Raises:
        InputError: ``file:line: reason`` for an ID, INCIDENT or PUBLISHED given twice.
    """
    return _scan(lines, file)


def impact_text(scan: _Scan) -> str | None:
    """The IMPACT section of a scanned document as written (its non-blank lines, stripped)."""
    return "\n".join(line.strip() for line in scan.impact if line.strip()) or None


def add_review(scan: _Scan, doc: TimelineDocument) -> TimelineDocument:
    """:func:`timeline_review` of a scanned document, its IMPACT text already on ``doc``."""
    file = doc.incident.source_file
    if "What went well" in scan.blocks or "What could be improved" in scan.blocks:
        iid = doc.incident.incident_id
        published = None
        if "PUBLISHED" in scan.fields:  # a PUBLISHED: line wins over POSTMORTEM: here too
            line, value = scan.fields["PUBLISHED"]
            try:
                published, _ = _timestamp_field("PUBLISHED", unwrap(value))
            except ValueError as exc:
                doc.warnings.append(InputWarning(file, line, f"PUBLISHED {exc}; not used"))
        doc.review = _document(scan, iid, doc.incident.title, published, "timeline", 1, [], [])
    return doc


def _document(
    scan: _Scan,
    incident_id: str,
    title: str | None,
    published: datetime | None,
    kind: str,
    line_no: int,
    items: list[ActionItem],
    warnings: list[InputWarning],
) -> ReviewDocument:
    present = tuple(
        s
        for s in SECTIONS
        if any(not is_placeholder(line) for b in scan.blocks.get(s, []) for _, line in b.lines)
    )
    review_lines = [
        ReviewLine(incident_id, name, no, line.strip())
        for section, name in _BLAME_SECTIONS.items()
        for block in scan.blocks.get(section, [])
        for no, line in block.lines
        if not is_placeholder(line)
    ]
    review = Review(
        incident_id=incident_id,
        title=title,
        published_at=published,
        sections=present,
        whys=count_whys(scan.blocks.get("Root cause", [])),
        source_kind=kind,
        line_no=line_no,
    )
    return ReviewDocument(review, review_lines, items, sorted(warnings, key=lambda w: w.line))


_NUMBERED_RE = re.compile(r"[0-9]+[.)]\s")  # "1. " or "2) ": a numbered list item


@functools.lru_cache(maxsize=4096)  # headings and keys repeat in every document
def _norm(text: str) -> str:
    """A heading or key as a lookup key: lower case, no numbering, punctuation or emphasis."""
    s = unwrap(text).lower().replace("’", "'")
    s = _NUMBERING_RE.sub("", s.strip())
    s = _NOT_KEY_CHARS_RE.sub(" ", s).strip()
    return s


@functools.lru_cache(maxsize=4096)
def _lookup(text: str) -> str | None:
    """The canonical name of a section or header key, trying ``text`` without a trailing
    parenthetical too (``Root cause (5 Whys)``)."""
    for candidate in (text, _TRAILING_PAREN_RE.sub("", text)):
        key = _norm(candidate)
        if key in _ALIASES:
            return _ALIASES[key]
        if key in _HEADERS:
            return _HEADERS[key]
        if key in _IMPACT_FIELDS:
            return "impact field"
        if key == "impact":
            return "Impact"
        if key in _OTHER_KEYS:
            return "other"
    return None


def _key_line(text: str) -> tuple[str, str] | None:
    """``(key as written, value stripped)`` of a ``key: value`` line, or None."""
    colon = text.find(":")
    key = _key_before_colon(text[:colon]) if colon >= 0 else None
    if key is None:
        return None
    return key, text[colon + 1 :].lstrip("*_").strip()


@functools.lru_cache(maxsize=4096)
def _key_before_colon(head: str) -> str | None:
    """The key (as written) of a key line whose text before its first colon is ``head``."""
    m = _KEY_HEAD_RE.fullmatch(head)
    return m["key"] if m else None


def _classify(line: str, s: str) -> tuple[str, str, str] | None:
    """``(name, heading text, rest)`` when ``line`` opens a section or is a header line.

    ``name`` is a section of :data:`SECTIONS`, a header (ID, INCIDENT, PUBLISHED), ``Impact``,
    ``impact field``, ``other`` (a known key of the timeline template) or ``heading`` (any
    other Markdown heading or bold-only line: it ends the section before it). ``s`` is
    ``line`` stripped.
    """
    if not s:
        return None
    # Each pattern is tried only on the lines whose first characters it needs.
    heading = _HEADING_RE.fullmatch(line) if s[0] == "#" else None
    if heading:
        text = heading["text"]
        kv = _key_line(text)
        if kv and _lookup(kv[0]) not in (None, "other", "impact field"):
            return _lookup(kv[0]), kv[0], kv[1]  # type: ignore[return-value]
        return _lookup(text) or "heading", text, ""
    bold = _BOLD_LINE_RE.fullmatch(line) if s.startswith(("**", "__")) else None
    if bold:
        return _lookup(bold["text"]) or "heading", bold["text"], ""
    if (
        s[0] in "-+>|["
        or (s[0] in _DIGITS and _NUMBERED_RE.match(s))
        or (s[0] == "*" and s[1:2] == " ")
    ):
        return None  # list items and quotes are content
    kv = _key_line(s)
    if not kv:
        return None
    key, rest = kv
    name = _lookup(key)
    if name is not None:
        return name, key, rest
    key = key.strip()
    letters = _NOT_LETTERS_RE.sub("", key)
    if (
        not rest
        and key.isupper()
        and len(letters) >= 4
        and not _PLACEHOLDER_WORD_RE.fullmatch(key)
        and not _WHY_LINE_RE.match(key)
    ):
        return "heading", key, ""  # LESSONS LEARNED: an unknown section of the document
    return None


def _scan(lines: list[str], file: str) -> _Scan:
    fields: dict[str, tuple[int, str]] = {}
    blocks: dict[str, list[_Block]] = {}
    impact: list[str] = []
    current: str | None = None
    title: str | None = None
    fence = False
    comment = False
    for no, raw in enumerate(lines, 1):
        line = raw.rstrip()
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            fence = not fence
            continue
        if comment or stripped.startswith("<!--"):
            comment = "-->" not in stripped
            continue  # an HTML comment is a template hint, never content
        # list items, quotes and table rows (most lines) are content: no pattern is tried
        got = None if fence or stripped[:1] in _CONTENT_START else _classify(line, stripped)
        if got is None:
            if current == "Impact":
                impact.append(line)
            elif current is not None:
                blocks[current][-1].lines.append((no, line))
            continue
        name, text, rest = got
        if name in SECTIONS:
            current = name
            blocks.setdefault(name, []).append(_Block(text, no))
            if rest:
                blocks[name][-1].lines.append((no, rest))
        elif name in ("ID", "INCIDENT", "PUBLISHED"):
            if name in fields and current not in SECTIONS:
                raise InputError(file, no, f"{name} given twice (lines {fields[name][0]} and {no})")
            if name in fields:  # "Incident: ..." as prose inside a section
                blocks[current][-1].lines.append((no, line))  # type: ignore[index]
                continue
            fields[name] = (no, rest)
            current = None
        elif name == "Impact":
            current = "Impact"
            if rest:
                impact.append(rest)
        elif name == "impact field":  # "Users affected: 20%": IMPACT's, else content
            if current in SECTIONS:
                blocks[current][-1].lines.append((no, line))  # type: ignore[index]
            else:
                impact.append(line)
        else:
            if name == "heading" and title is None and _TITLE_RE.match(line):
                title = unwrap(text) or None
            current = None
    return _Scan(fields, blocks, impact, title)


def is_placeholder(line: str) -> bool:
    """True for a line that carries no content: blank, TBD, TODO, N/A, ``...``, a bracketed
    template hint (``[describe the impact]``, ``<owner>``), an empty checkbox or bullet, or
    such pieces joined by template labels (``- [ ] [action] — Owner: [name] — Due: [date]``)."""
    s = line.strip()
    if not s:
        return True
    if _TODO_RE.match(s):
        return True  # "TODO: write the root cause", but not "Todo lists were stale"
    s = _HINT_RE.sub(" ", s)
    s = _PLACEHOLDER_WORD_RE.sub(" ", s)
    s = _LABEL_RE.sub(" ", s)
    s = _LEADING_ITEM_RE.sub(" ", s)
    return not _WORD_CHAR_RE.search(s)


def count_whys(blocks: list[_Block]) -> int:
    """Why-steps of the root-cause section (docs/inputs.md).

    Lines that begin, after any bullet, number or emphasis, with the word ``Why`` (``Why?``,
    ``Why 1:``, ``1. Why did ...``) are counted when there are any; otherwise the top-level
    numbered items under a heading or lead-in that contains "why". Plain bullets and nested
    items (indented under the section's top level) never count.
    """
    entries = [(b, no, line) for b in blocks for no, line in b.lines if line.strip()]
    if not entries:
        return 0
    base = min(_indent(line) for _, _, line in entries)
    why_lines = 0
    numbered = 0
    for block in blocks:
        context = bool(_WHY_WORD_RE.search(block.heading))
        after_item = False
        previous_blank = True
        for _, line in block.lines:
            if not line.strip():
                previous_blank = True
                continue
            nested = _indent(line) - base >= 2
            item = _LIST_RE.fullmatch(line.strip())
            rest = item["rest"] if item else line.strip()
            if not nested and _WHY_LINE_RE.match(rest) and not is_placeholder(line):
                why_lines += 1
            if not nested and item and item["number"] and context:
                numbered += 1
            if not nested and not item and (previous_blank or not after_item):
                context = bool(_WHY_WORD_RE.search(line))  # a lead-in starts a new context
            if not nested:
                after_item = bool(item) or (after_item and not previous_blank)
            previous_blank = False
    return why_lines or numbered


def _indent(line: str) -> int:
    expanded = line.expandtabs(_TAB)
    return len(expanded) - len(expanded.lstrip())


# ---------------------------------------------------------------- the batch's reports


def review_findings(con, files: list, display: Callable[[str], str]) -> None:
    """Warnings, per review file loaded in this batch, that need the warehouse to see:
    its incident is unknown, or another review document of the incident was published
    earlier (only the earliest counts). Appended to each file's ``warnings``."""
    by_path = {str(f.path): f for f in files if f.status == "loaded" and f.kind == "review"}
    if not by_path:
        return
    rows = con.execute(
        """
        with reviews as (
            select r.incident_id, r.source_file, r.published_at, r.line_no,
                row_number() over (
                    partition by r.incident_id
                    order by r.published_at nulls last, r.source_kind = 'timeline', r.source_file
                ) as rank_in_incident,
                first(r.source_file) over (
                    partition by r.incident_id
                    order by r.published_at nulls last, r.source_kind = 'timeline', r.source_file
                ) as counted_file,
            from src_reviews as r
        )
        select r.source_file, r.incident_id, r.line_no,
            r.incident_id not in (select incident_id from src_incidents) as is_unknown,
            r.rank_in_incident, r.counted_file,
        from reviews as r
        where r.source_file in (select unnest($files))
        order by r.source_file
        """,
        {"files": sorted(by_path)},
    ).fetchall()
    for source_file, iid, line, unknown, rank, counted in rows:
        res = by_path[source_file]
        if unknown:
            res.warnings.append(
                f"{res.display}:{line}: incident {iid} is not in the warehouse (no timeline "
                "document or import with that id): the review is loaded and counts once the "
                "incident arrives"
            )
        elif rank > 1:
            res.warnings.append(
                f"{res.display}:{line}: incident {iid} has an earlier review document, "
                f"{display(counted)}: only the earliest PUBLISHED counts"
            )


def possible_blame(con, files: list, db=None) -> list[str]:
    """``file:line: possible blame: <match>`` for every blame match in the review lines of
    the batch's files (``ingest --dry-run``; views hold counts only).

    People's names come from the batch's people.csv, else from the warehouse at ``db``
    when it can be read (a busy or missing warehouse leaves only the phrases).
    """
    display = {str(f.path): f.display for f in files if f.status == "loaded"}
    if not display:
        return []
    (people,) = con.execute("select count(*) from src_people").fetchone()
    if not people and db is not None:
        con.execute(
            "insert into src_people (engineer, timezone, source_file) "
            "select unnest($names), 'UTC', '<warehouse>'",
            {"names": _warehouse_names(db)},
        )
    rows = con.execute(
        """
        select source_file, line_no, match,
        from blame_matches()
        where source_file in (select unnest($files))
        order by source_file, line_no, match
        """,
        {"files": sorted(display)},
    ).fetchall()
    return [f"{display[f]}:{line}: possible blame: {match}" for f, line, match in rows]


def _warehouse_names(db) -> list[str]:
    """People's names stored in the warehouse at ``db``; none when it cannot be read now."""
    from pathlib import Path

    import duckdb

    from analytics import db as dbmod
    from analytics.errors import AnalyticsError

    if db is None or not Path(db).exists():
        return []
    try:
        con = dbmod.open_file(Path(db), read_only=True, wait=0)
    except AnalyticsError:
        return []
    try:
        return [r[0] for r in con.execute("select engineer from src_people").fetchall()]
    except duckdb.Error:  # another schema version: names are a courtesy here, not a requirement
        return []
    finally:
        con.close()
