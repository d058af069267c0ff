"""Hand-off notes (``handoffs/**/*.md``): the written summary the playbook asks the outgoing
on-call to leave for the next one (docs/inputs.md, "Hand-off notes").

A note is a few header lines and a body::

    TEAM: payments
    FROM: Ana Lima
    TO: Bo Chen
    WRITTEN: 2026-10-12 08:40 UTC

    - the ledger replica lag alert is noisy; silenced until Wednesday
    - OPS-812 is waiting on the vendor

Headers may be dressed as Markdown (``**TEAM:**``, ``## FROM: …``, ``- TO: …``) and in any case.
``TEAM``, ``FROM`` and ``WRITTEN`` are required (without them the note cannot be matched to a
hand-over), ``TO`` is optional (a ``TO`` that names someone other than the incoming engineer is
a warning at ingest), and at least one non-blank body line is required: an empty note is not a
summary. Every problem of a note is reported in one pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from analytics.errors import InputError
from analytics.ingest.parsing import TIMESTAMP_FORMS, parse_timestamp
from analytics.ingest.records import InputWarning
from analytics.names import team_key

__all__ = ["HandoffNote", "ParsedHandoff", "parse_handoff"]

_KEYS = ("team", "from", "to", "written")
_REQUIRED = ("team", "from", "written")
# "**TEAM:** x", "## From: x", "- to: x", "__Written__: x"
_HEADER_RE = re.compile(
    r"\s*(?:#{1,6}\s*|[-*+]\s+)?[*_]*\s*(?P<key>team|from|to|written)\s*[*_]*\s*:\s*[*_]*\s*"
    r"(?P<value>.*?)\s*[*_]*\s*$",
    re.I,
)


@dataclass(frozen=True)
class HandoffNote:
    """One hand-off note as the warehouse stores it (``src_handoffs``)."""

    team: str
    from_engineer: str
    to_engineer: str | None
    written_at: datetime
    body_lines: int
    line_no: int = 1


@dataclass
class ParsedHandoff:
    note: HandoffNote
    warnings: list[InputWarning] = field(default_factory=list)


def _decode(data: bytes | str, file: str) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(file, line, f"not valid UTF-8 (byte offset {exc.start})") from None


def parse_handoff(data: bytes | str, file: str) -> ParsedHandoff:
    """Parse one hand-off note.

    Args:
        data: The file's bytes (UTF-8, a BOM allowed) or text.
        file: The file as the user named it, for messages.

    Returns:
        The note (team lower-cased, names trimmed) and its warnings.

    Raises:
        InputError: at the first problem's line, its reason listing every problem of the note
            (``WRITTEN missing (line 1); no body …``), so one round trip fixes them all.
    """
    text = _decode(data, file)
    if "\x00" in text:
        raise InputError(file, text[: text.index("\x00")].count("\n") + 1, "NUL byte: not text")
    values: dict[str, tuple[str, int]] = {}
    problems: list[tuple[int, str]] = []
    body = 0
    for n, line in enumerate(text.splitlines(), start=1):
        m = _HEADER_RE.fullmatch(line)
        if m and body == 0:
            key = m["key"].lower()
            if key in values:
                problems.append((n, f"{key.upper()} given twice (first on line {values[key][1]})"))
            else:
                values[key] = (m["value"].strip(), n)
            continue
        if body == 0 and not values and line.lstrip().startswith("#"):
            continue  # a Markdown title above the headers
        if line.strip():
            body += 1
    for key in _REQUIRED:
        value, line = values.get(key, ("", 1))
        if not value:
            where = "is empty" if key in values else "is missing"
            problems.append(
                (line, f"{key.upper()}: {where}; a hand-off note needs TEAM, FROM, WRITTEN")
            )
    written = None
    if values.get("written", ("", 0))[0]:
        value, line = values["written"]
        try:
            written = parse_timestamp(value)
        except ValueError:
            problems.append(
                (line, f"WRITTEN '{value}' is not a timestamp; accepted: {TIMESTAMP_FORMS}")
            )
    if body == 0:
        last = max((line for _, line in values.values()), default=1)
        problems.append((last, "no body: a hand-off note needs at least one line of summary"))
    if problems:
        problems.sort()
        line, first = problems[0]
        rest = [f"line {n}: {reason}" for n, reason in problems[1:]]
        raise InputError(file, line, "; ".join([first, *rest]))
    assert written is not None
    to = values.get("to", ("", 0))[0] or None
    note = HandoffNote(
        team=team_key(values["team"][0]),
        from_engineer=values["from"][0].strip(),
        to_engineer=to.strip() if to else None,
        written_at=written,
        body_lines=body,
        line_no=values["written"][1],
    )
    return ParsedHandoff(note)
