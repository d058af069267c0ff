"""Round trip: generate an incident, write it as a person might, parse it back, compare.

The writer varies what SPEC §3.1 says people vary: severity spellings, separators, key case and
Markdown dressing, timestamp forms and offsets, [HH:MM] timelines crossing midnight, [x]/[X]
items, blank lines, CRLF and a BOM. A second property feeds arbitrary text and bytes: the parser
either succeeds or raises InputError, never anything else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from analytics.errors import InputError
from analytics.ingest import reviews, timelines
from analytics.ingest.parsing import unwrap
from analytics.ingest.timelines import default_classify, parse_timeline

SETTINGS = settings(
    max_examples=200,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
NOW = datetime(2100, 1, 1, tzinfo=UTC)
SEPARATORS = [" — ", " – ", " -- ", " - "]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)
phrase = st.lists(words, min_size=1, max_size=5).map(" ".join)
name = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=7).map(str.capitalize),
    min_size=1,
    max_size=3,
).map(" ".join)
starts = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 12, 31)).map(
    lambda d: d.replace(tzinfo=UTC)
)
offsets = st.integers(min_value=-12 * 4, max_value=14 * 4).map(lambda q: timedelta(minutes=15 * q))
fractions = st.text(alphabet="0123456789", min_size=1, max_size=9)
TS_FORMS = ("utc_minute", "naive_minute", "naive_seconds", "iso_z", "iso_offset", "iso_compact")


def _offset_text(delta: timedelta, colon: bool) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    h, m = divmod(abs(minutes), 60)
    return f"{sign}{h:02d}:{m:02d}" if colon else f"{sign}{h:02d}{m:02d}"


@st.composite
def timestamps(draw: st.DrawFn, at: datetime) -> tuple[str, datetime]:
    """Render ``at`` in one of the accepted forms; return (text, the instant the text means)."""
    form = draw(st.sampled_from(TS_FORMS))
    if form in ("utc_minute", "naive_minute"):
        exact = at.replace(second=0, microsecond=0)
        text = exact.strftime("%Y-%m-%d %H:%M") + (" UTC" if form == "utc_minute" else "")
        return text, exact
    if form == "naive_seconds":
        exact = at.replace(microsecond=0)
        return exact.strftime("%Y-%m-%d %H:%M:%S"), exact
    frac = draw(st.none() | fractions)
    exact = at.replace(microsecond=int(frac[:6].ljust(6, "0")) if frac else 0)
    tail = f".{frac}" if frac else ""
    if form == "iso_z":
        return exact.strftime("%Y-%m-%dT%H:%M:%S") + tail + "Z", exact
    delta = draw(offsets)
    local = exact.astimezone(timezone(delta))
    body = local.strftime("%Y-%m-%dT%H:%M:%S") + tail
    return body + _offset_text(delta, colon=form == "iso_offset"), exact


@st.composite
def key(draw: st.DrawFn, word: str, bullet_ok: bool = True) -> str:
    """Render a header key with a colon in one of the dressings people use."""
    cased = draw(st.sampled_from([word.upper(), word.lower(), word.title()]))
    styles = ["{k}:", "**{k}:**", "**{k}**:", "__{k}__:", "## {k}:"]
    if bullet_ok:
        styles += ["- **{k}**:", "* {k}:"]
    return draw(st.sampled_from(styles)).format(k=cased)


@st.composite
def section(draw: st.DrawFn, word: str) -> str:
    cased = draw(st.sampled_from([word.upper(), word.lower(), word.title()]))
    return draw(st.sampled_from(["{k}:", "## {k}", "### {k}", "**{k}:**", "# {k}:"])).format(
        k=cased
    )


@dataclass
class Expected:
    incident: dict
    events: list[tuple[datetime, str, str]]
    items: list[tuple[str, str | None, date | None, str | None, bool]]


@st.composite
def documents(draw: st.DrawFn) -> tuple[str | bytes, Expected]:
    lines: list[str] = []
    exp: dict = {}

    def blank() -> None:
        lines.extend([""] * draw(st.integers(0, 2)))

    def header(word: str, value: str) -> None:
        lines.append(f"{draw(key(word))} {value}")
        blank()

    if draw(st.booleans()):
        ident = draw(st.from_regex(r"[A-Z][A-Z0-9]{1,5}-[0-9]{1,5}", fullmatch=True))
        header("ID", ident)
        exp["incident_id"] = ident
    else:
        exp["incident_id"] = "generated-doc"
    title = draw(st.none() | phrase)
    if title:
        header("INCIDENT", title)
    exp["title"] = title

    sev = draw(st.integers(1, 3))
    spelling = draw(st.sampled_from(["SEV-{}", "SEV{}", "Sev {}", "sev-{}", "SEV {}", "sev_{}"]))
    header("SEVERITY", spelling.format(sev))
    exp["severity"] = sev

    for field in ("team", "service"):
        value = draw(st.none() | words)
        if value:
            cased = draw(st.sampled_from([value, value.upper(), value.title()]))
            header(field.upper(), f"  {cased} ")
        exp[field] = value

    started_text, started = draw(timestamps(draw(starts)))
    header("STARTED", started_text)
    exp["started_at"] = started

    # DETECTED <= ACKNOWLEDGED <= MITIGATED <= RESOLVED, each after STARTED.
    at = started
    steps = [
        ("DETECTED", "detected_at", "detection_method", phrase),
        ("ACKNOWLEDGED", "acknowledged_at", "acknowledged_by", name),
        ("MITIGATED", "mitigated_at", "mitigation", phrase),
        ("RESOLVED", "resolved_at", None, None),
    ]
    for word, at_field, detail_field, details in steps:
        exp[at_field] = None
        if detail_field:
            exp[detail_field] = None
        if not draw(st.booleans()):
            continue
        at = at + timedelta(seconds=draw(st.integers(0, 2 * 86400)))
        text, exact = draw(timestamps(at))
        assume(exact >= started and exact >= (exp.get("detected_at") or started))
        for earlier in ("detected_at", "acknowledged_at", "mitigated_at"):
            assume(exp.get(earlier) is None or exact >= exp[earlier] or earlier == at_field)
        detail = draw(st.none() | details) if details is not None else None
        if detail:
            text += draw(st.sampled_from(SEPARATORS)) + detail
        header(word, text)
        exp[at_field] = exact
        if detail_field:
            exp[detail_field] = detail

    exp["stated_duration_s"] = None
    if exp["resolved_at"] is not None and draw(st.booleans()):
        minutes = int((exp["resolved_at"] - started).total_seconds() // 60)
        h, m = divmod(minutes, 60)
        form = draw(st.sampled_from(["{h}h {m}m", "{t} minutes", "{h}:{m:02d}", "{t}m"]))
        header("DURATION", form.format(h=h, m=m, t=minutes))
        exp["stated_duration_s"] = float(minutes * 60)

    # IMPACT
    exp.update(
        users_affected=None,
        users_affected_pct=None,
        revenue_impact_usd=None,
        data_loss=None,
        data_loss_detail=None,
    )
    if draw(st.booleans()):
        lines.append(draw(section("IMPACT")))
        kind = draw(st.sampled_from(["count", "thousands", "pct", "unknown"]))
        if kind == "count":
            n = draw(st.integers(0, 10**7))
            lines.append(
                f"- Users affected: {n:,}" if draw(st.booleans()) else f"- Users affected: {n}"
            )
            exp["users_affected"] = n
        elif kind == "thousands":
            k = draw(st.integers(1, 999))
            lines.append(f"- Users affected: ~{k}k")
            exp["users_affected"] = k * 1000
        elif kind == "pct":
            tenths = draw(st.integers(0, 1000))
            lines.append(f"- users affected: {tenths / 10:g}%")
            exp["users_affected_pct"] = tenths / 10
        else:
            lines.append("- Users affected: unknown")
        cents = draw(st.none() | st.integers(0, 10**10))
        if cents is None:
            lines.append("- Revenue impact: unknown")
        else:
            amount = Decimal(cents) / 100
            lines.append(f"- **Revenue impact**: ${amount:,.2f}")
            exp["revenue_impact_usd"] = amount.quantize(Decimal("0.01"))
        loss = draw(st.none() | st.tuples(st.booleans(), st.none() | phrase))
        if loss is not None:
            flag, detail = loss
            text = ("yes" if flag else "no") + (f", {detail}" if detail else "")
            lines.append(f"- Data loss: {text}")
            exp["data_loss"], exp["data_loss_detail"] = flag, detail
        blank()

    cause = draw(st.lists(st.none() | phrase, max_size=4))
    exp["root_cause"] = None
    if any(cause):
        lines.append(draw(section("ROOT CAUSE")))
        body = [f"The {c}" if c else "" for c in cause]
        while body and not body[0]:
            body.pop(0)
        while body and not body[-1]:
            body.pop()
        lines.extend(body)
        exp["root_cause"] = "\n".join(body)
        lines.append("")

    events: list[tuple[datetime, str, str]] = []
    n_events = draw(st.integers(0, 6))
    if n_events:
        lines.append(draw(section("TIMELINE")))
        day_start = started.replace(hour=0, minute=0, second=0, microsecond=0)
        at = day_start + timedelta(minutes=draw(st.integers(0, 1439)))
        for i in range(n_events):
            if i:
                at += timedelta(minutes=draw(st.integers(0, 1439)))  # < 1 day: one roll at most
            text = draw(
                st.sampled_from(["Status page updated", "Escalated to dba", "Ana paged"]) | phrase
            )
            sep = draw(st.sampled_from([*SEPARATORS, " "]))
            style = draw(st.sampled_from(["bracket", "bare", "bullet", "full", "iso"]))
            clock = at.strftime("%H:%M")
            if style == "bracket":
                lines.append(f"[{clock}]{sep}{text}")
            elif style == "bare":
                lines.append(f"{clock}{draw(st.sampled_from(SEPARATORS))}{text}")
            elif style == "bullet":
                lines.append(f"- [{clock}]{sep}{text}")
            elif style == "full":
                lines.append(f"[{at:%Y-%m-%d %H:%M}]{sep}{text}")
            else:
                lines.append(f"[{at:%Y-%m-%dT%H:%M}Z] {text}")
            events.append((at, default_classify(text), text))
        blank()

    items = []
    n_items = draw(st.integers(0, 4))
    if n_items:
        lines.append(draw(section("ACTION ITEMS")))
        for _ in range(n_items):
            desc = draw(phrase)
            ticket = draw(
                st.none() | st.from_regex(r"[A-Z][A-Z0-9]{1,4}-[0-9]{1,4}", fullmatch=True)
            )
            assume(ticket is None or not ticket.startswith("SEV-"))
            if draw(st.booleans()):
                desc = f"{desc} SEV-{draw(st.integers(1, 3))}"  # never a ticket
            if ticket:
                desc = f"{desc} {ticket}"
            owner = draw(st.none() | name)
            due = draw(st.none() | st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 1, 1)))
            box = draw(st.sampled_from([" ", "x", "X"]))
            line = f"{draw(st.sampled_from(['-', '*']))} [{box}] {desc}"
            sep = draw(st.sampled_from(SEPARATORS))
            if owner:
                line += f"{sep}Owner: {owner}"
            if due:
                if draw(st.booleans()):
                    line += f"{sep}Due: {due.isoformat()}"
                else:
                    line += f"{sep}Due: {MONTHS[due.month - 1]} {due.day}, {due.year}"
            lines.append(line)
            items.append((desc, owner, due, ticket, box != " "))

    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(lines) + newline
    if draw(st.booleans()):
        text = "\ufeff" + text
    doc: str | bytes = text.encode("utf-8") if draw(st.booleans()) else text
    return doc, Expected(exp, events, items)


@SETTINGS
@given(documents())
def test_round_trip(case: tuple[str | bytes, Expected]) -> None:
    doc, exp = case
    file = "timelines/2026/generated-doc.md"
    parsed = parse_timeline(doc, file, now=NOW)
    inc = parsed.incident
    got = {k: getattr(inc, k) for k in exp.incident}
    assert got == exp.incident
    assert inc.source_file == file
    assert [(e.occurred_at, e.kind, e.text) for e in parsed.events] == exp.events
    assert [
        (a.description, a.owner, a.due_date, a.ticket, a.done) for a in parsed.action_items
    ] == exp.items
    assert [a.item_no for a in parsed.action_items] == list(range(1, len(exp.items) + 1))
    assert parsed.warnings == []


@SETTINGS
@given(st.text() | st.binary())
def test_arbitrary_input_is_parsed_or_rejected(data: str | bytes) -> None:
    try:
        parse_timeline(data, "fuzz.md", now=NOW)
    except InputError as err:
        assert str(err).startswith("fuzz.md:")


HEADERS = st.sampled_from(
    [
        "SEVERITY: SEV-2",
        "STARTED: 2026-11-03 14:05",
        "RESOLVED: 2026-11-03 16:05",
        "DURATION: 2h",
        "TIMELINE:",
        "ACTION ITEMS:",
        "IMPACT:",
        "ROOT CAUSE:",
        "- Users affected: ~3k",
        "- Revenue impact: $1.5M",
        "[23:59] — x",
        "[00:01] — y",
        "| 2026-11-03 14:05 | z |",
        "- [x] do — Owner: a — Due: 2026-11-10",
        "All times in CET.",
    ]
)


@SETTINGS
@given(st.lists(HEADERS | st.text(max_size=30), max_size=12))
def test_template_shaped_noise_is_parsed_or_rejected(parts: list[str]) -> None:
    try:
        doc = parse_timeline("\n".join(parts), "noise.md", now=NOW)
    except InputError as err:
        assert str(err).startswith("noise.md:")
    else:
        assert doc.incident.severity in (1, 2, 3)
        assert doc.incident.started_at.tzinfo is UTC


# The line readers that replaced a regular expression (for speed) read what it read.
_PIECES = st.lists(
    st.sampled_from(
        [
            " ",
            "\t",
            "\u00a0",
            "\n",
            "—",
            "–",
            "-",
            "--",
            ":",
            "|",
            ",",
            ";",
            "(",
            ")",
            "*",
            "**",
            "_",
            "`",
            "a",
            "Due",
            "x y",
            "9",
            "/",
            "&",
        ]
    ),
    max_size=10,
).map("".join)
_KEY_LINES = st.tuples(
    _PIECES, st.sampled_from(["a", "Due", "x y", "9a", ""]), _PIECES, st.just(":"), _PIECES
).map("".join)
_READERS = settings(SETTINGS, max_examples=2000)
_KEY_VALUE = re.compile(
    r"[*_]*\s*(?P<key>[A-Za-z][A-Za-z _-]*?)\s*[*_]*\s*:[*_]*\s*(?P<rest>.*)", re.S
)
_REVIEW_KEY_LINE = re.compile(
    r"\s*[*_]*\s*(?P<key>[A-Za-z0-9][A-Za-z0-9 ()/&_-]*?)\s*[*_]*\s*:[*_]*\s*(?P<rest>.*)", re.S
)
_SEPARATOR = re.compile(r"\s*(?:—|–|--|-|:|\||,|;)?\s*")


@_READERS
@given(_KEY_LINES | _PIECES)
def test_key_lines_are_read_as_their_patterns_read_them(s: str) -> None:
    m = _KEY_VALUE.fullmatch(s)
    assert timelines._key_value(s) == ((timelines._norm_key(m["key"]), m["rest"]) if m else None)
    m = _REVIEW_KEY_LINE.fullmatch(s)
    assert reviews._key_line(s) == ((m["key"], m["rest"].strip()) if m else None)


@_READERS
@given(_PIECES)
def test_a_detail_separator_is_read_as_its_pattern_reads_it(s: str) -> None:
    detail = s[_SEPARATOR.match(s).end() :].strip()  # type: ignore[union-attr]
    if detail.startswith("(") and detail.endswith(")"):
        detail = detail[1:-1].strip()
    elif detail.startswith("(") and ")" not in detail:
        detail = detail[1:].strip()
    assert timelines._strip_separator(s) == (unwrap(detail) if detail else "")
