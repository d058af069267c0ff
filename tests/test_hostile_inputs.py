"""The hostile-input suite (issue 16 point 5, SPEC §12 "Never a crash on input").

Hostile and malformed files are generated in code for EVERY accepted format (timeline
documents, hand-off notes, CSV/JSON/Parquet pages, rotations CSV and ICS, people.csv, Jira CSV,
PagerDuty and Opsgenie JSON; policy files at the end), in every category: empty and blank cells
in every column, invalid UTF-8, a BOM, CRLF, NUL bytes, a 10 MB line, a huge file, years 1900
and 9999, spreadsheet formulas in names, ids repeated from another file, ids with quotes and
path separators, garbage, truncation. Each is mixed into a batch with one good file of every
format.

For every case: no exception escapes (no traceback), the exit code is 0 or 1, every row of the
good files is loaded exactly as when they are ingested alone, nothing of a rejected file is
loaded, each rejection or warning names ``file:line``, and the file ends as the case expects
(``loaded``, ``partial`` = loaded with rows rejected, ``rejected``, ``skipped``) where the
format's rules decide it (``any`` where the importer's own policy does, e.g. a vendor field).

The cases of one format share one ingest (the batch is the good files plus all of them), so the
suite runs in seconds; ids are prefixed per case so cases never collide except where they mean to.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analytics.errors import PolicyError
from analytics.ingest import run
from analytics.policy import DEFAULT_POLICY, load_policy
from tests.conftest import run_cli

NOW = datetime(2026, 12, 1, tzinfo=UTC)  # the ingest clock: 1900 and 9999 are out of range
SRC_TABLES = run.ALL_SRC_TABLES
TEN_MB = "x" * (10 * 1024 * 1024)
FORMULA = '=HYPERLINK("http://evil.example/","Click me")'
QUOTED_ID = "INC-\"q'/..\\x"  # quotes and both path separators


@dataclass(frozen=True)
class Case:
    fmt: str
    name: str
    rel: str  # path under the batch folder
    data: bytes | Callable[[], bytes]  # a callable for the big ones, made when written
    expect: str  # loaded | partial | rejected | skipped | any

    def payload(self) -> bytes:
        return self.data() if callable(self.data) else self.data


# ---------------------------------------------------------------- the good files


def _csv(header: list[str], rows: list[list[str]], *, crlf: bool = False) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n" if crlf else "\n").writerows([header, *rows])
    return buf.getvalue().encode("utf-8")


def _doc(fields: dict[str, str], *, crlf: bool = False) -> bytes:
    lines = [f"{k}: {v}" if v is not None else k for k, v in fields.items()]
    return ("\r\n" if crlf else "\n").join(lines).encode("utf-8") + b"\n"


def doc_fields(p: str) -> dict[str, str]:
    return {
        "INCIDENT": f"{p} checkout errors",
        "ID": f"{p}-INC",
        "SEVERITY": "SEV-2",
        "TEAM": "payments",
        "SERVICE": "checkout",
        "STARTED": "2026-11-03 14:00 UTC",
        "DETECTED": "2026-11-03 14:05 UTC — alert",
        "ACKNOWLEDGED": "2026-11-03 14:10 UTC — Alice Chen",
        "MITIGATED": "2026-11-03 14:40 UTC — rollback",
        "RESOLVED": "2026-11-03 15:00 UTC",
        "DURATION": "1h",
        "POSTMORTEM": "2026-11-04 10:00 UTC",
        "\nIMPACT:": None,
        "- Users affected": "1,200",
        "- Revenue impact": "$1,000",
        "- Data loss": "no",
        "\nTIMELINE:": None,
        "[14:05] — alert fired; paged": None,
        "\nACTION ITEMS:": None,
        "- [ ] Add alarm OPS-1 — Owner: Alice Chen — Due: 2026-11-20": None,
    }


PAGE_HEADER = ["page_id", "sent_at", "recipient", "team", "service", "incident_id",
               "acknowledged_at", "acknowledged_by", "escalated_at", "urgency"]  # fmt: skip


def page_rows(p: str) -> list[list[str]]:
    return [
        [f"{p}-1", "2026-11-03T14:05:00Z", "Alice Chen", "payments", "checkout", f"{p}-INC",
         "2026-11-03T14:06:00Z", "Alice Chen", "", "high"],
        [f"{p}-2", "2026-11-03T15:05:00Z", "Bob Okafor", "payments", "checkout", "",
         "", "", "", "low"],
    ]  # fmt: skip


ROT_HEADER = ["team", "engineer", "start", "end", "override"]


def rot_rows(p: str) -> list[list[str]]:
    return [
        [f"{p}-team", "Alice Chen", "2026-11-02T00:00:00Z", "2026-11-09T00:00:00Z", "false"],
        [f"{p}-team", "Bob Okafor", "2026-11-04T09:00:00Z", "2026-11-04T14:00:00Z", "true"],
    ]


PEOPLE_HEADER = ["engineer", "employee_id", "team", "timezone", "email"]


def people_rows(p: str) -> list[list[str]]:
    return [
        [f"{p} Alice", f"{p}-E1", "payments", "Europe/Berlin", "alice@example.com"],
        [f"{p} Bob", f"{p}-E2", "search", "UTC", ""],
    ]


JIRA_HEADER = ["Issue key", "Summary", "Status", "Assignee", "Due date", "Created", "Resolved",
               "Incident"]  # fmt: skip


def jira_rows(p: str) -> list[list[str]]:
    key = re.sub(r"[^A-Z]", "", p.upper())[:6] or "X"
    return [
        [f"{key}-1", "Add alarm", "Done", "Alice Chen", "2026-11-20", "2026-11-04T10:00:00Z",
         "2026-11-10 12:00", f"{p}-INC"],
        [f"{key}-2", "Runbook", "To Do", "Bob Okafor", "2026-11-25", "2026-11-04T11:00:00Z",
         "", f"{p}-INC"],
    ]  # fmt: skip


def ics_events(p: str) -> list[dict[str, str]]:
    return [
        {"UID": f"{p}-1", "SUMMARY": "Alice Chen", "DTSTART": "20261102T000000Z",
         "DTEND": "20261109T000000Z"},
        {"UID": f"{p}-2", "SUMMARY": "Bob Okafor", "DTSTART": "20261109T000000Z",
         "DTEND": "20261116T000000Z"},
    ]  # fmt: skip


def _ics(p: str, events: list[dict[str, str]], *, crlf: bool = False) -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"X-WR-CALNAME:{p}-cal"]
    for event in events:
        lines += ["BEGIN:VEVENT", *(f"{k}:{v}" for k, v in event.items()), "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return (("\r\n" if crlf else "\n").join(lines) + "\n").encode("utf-8")


def pd_export(p: str) -> dict:
    return {
        "incidents": [
            {"id": f"{p}-PD1", "type": "incident", "title": "Checkout errors",
             "created_at": "2026-11-03T14:00:00Z", "status": "resolved", "urgency": "high",
             "resolved_at": "2026-11-03T15:00:00Z", "service": {"summary": "Checkout"},
             "teams": [{"summary": "Payments"}], "priority": {"summary": "P1"},
             "acknowledgements": [], "assignments": []},
        ],
        "log_entries": [
            {"id": f"{p}-L1", "type": "notify_log_entry", "created_at": "2026-11-03T14:01:00Z",
             "incident": {"id": f"{p}-PD1"}, "channel": {"type": "sms"},
             "user": {"id": "U1", "type": "user_reference", "summary": "Alice Chen"}},
            {"id": f"{p}-L2", "type": "acknowledge_log_entry",
             "created_at": "2026-11-03T14:03:00Z", "incident": {"id": f"{p}-PD1"},
             "agent": {"id": "U1", "type": "user_reference", "summary": "Alice Chen"}},
        ],
    }  # fmt: skip


def og_export(p: str) -> dict:
    return {
        "data": [
            {"id": f"{p}-og1", "tinyId": "1", "message": "Checkout 5xx", "status": "closed",
             "acknowledged": True, "createdAt": "2026-11-03T14:00:00Z", "owner": "alice@x.io",
             "priority": "P1", "teams": [{"id": "t1", "name": "Payments"}], "responders": [],
             "report": {"ackTime": 60000, "acknowledgedBy": "bob@x.io"}},
            {"id": f"{p}-og2", "message": "Disk full", "status": "open", "acknowledged": False,
             "createdAt": "2026-11-04T02:00:00Z", "owner": "", "priority": "P3", "teams": [],
             "responders": []},
        ]
    }  # fmt: skip


def handoff_fields(p: str) -> dict[str, str]:
    return {
        "# Hand-off": None,
        "TEAM": f"{p}-team",
        "FROM": "Alice Chen",
        "TO": "Bob Okafor",
        "WRITTEN": "2026-11-09 08:40 UTC",
        "\n- the replica lag alert is noisy": None,
        f"- {p} OPS-812 waits on the vendor": None,
    }


def _parquet(header: list[str], rows: list[list[str | None]]) -> bytes:
    table = pa.table({c: pa.array([r[i] for r in rows], pa.string()) for i, c in
                      enumerate(header)})  # fmt: skip
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


def _records(header: list[str], rows: list[list[str]]) -> bytes:
    return json.dumps([dict(zip(header, r, strict=True)) for r in rows]).encode()


# Each format: where its files go, and how to write a file from a prefix (for the good file).
FORMATS: dict[str, tuple[str, Callable[[str], bytes]]] = {
    "timeline": ("timelines/{}.md", lambda p: _doc(doc_fields(p))),
    "handoff": ("handoffs/{}.md", lambda p: _doc(handoff_fields(p))),
    "pages_csv": ("pages/{}.csv", lambda p: _csv(PAGE_HEADER, page_rows(p))),
    "pages_json": ("pages/{}.json", lambda p: _records(PAGE_HEADER, page_rows(p))),
    "pages_parquet": ("pages/{}.parquet", lambda p: _parquet(PAGE_HEADER, page_rows(p))),
    "rotations_csv": ("rotations/{}.csv", lambda p: _csv(ROT_HEADER, rot_rows(p))),
    "rotations_ics": ("rotations/{}.ics", lambda p: _ics(p, ics_events(p))),
    "people": ("{}/people.csv", lambda p: _csv(PEOPLE_HEADER, people_rows(p))),
    "jira": ("action_items/{}.csv", lambda p: _csv(JIRA_HEADER, jira_rows(p))),
    "pagerduty": ("pagerduty/{}.json", lambda p: json.dumps(pd_export(p)).encode()),
    "opsgenie": ("opsgenie/{}.json", lambda p: json.dumps(og_export(p)).encode()),
}


# ---------------------------------------------------------------- the hostile cases


def _tabular_cases(fmt: str, header, rows_of, render, required: set[str]) -> Iterator[tuple]:
    """Cases common to the row formats: a blank cell in every column, hostile values."""
    for i, column in enumerate(header):
        for blank in ("", "   "):
            what = "empty" if blank == "" else "blank"
            rows = rows_of(f"{what}{i}")
            rows[0][i] = blank
            yield (
                f"{what}_{column}",
                render(header, rows),
                ("partial" if column in required else "loaded"),
            )
    ts_cols = [i for i, c in enumerate(header) if c in ("sent_at", "start", "Created")]
    for year in ("1900", "9999"):
        rows = rows_of(f"y{year}")
        for i in ts_cols:
            rows[0][i] = rows[0][i].replace("2026", year)
        if not ts_cols:  # people.csv has no timestamp: a date where an id belongs is data
            rows[0][1] = f"{year}-01-01"
        expect = "loaded" if fmt == "people" else "partial"
        yield f"year_{year}", render(header, rows), expect
    name_col = next(i for i, c in enumerate(header) if c in ("recipient", "engineer", "Assignee"))
    rows = rows_of("formula")
    rows[0][name_col] = FORMULA
    yield "formula_name", render(header, rows), "loaded"
    rows = rows_of("quoted")
    rows[0][0] = QUOTED_ID
    yield "quoted_id", render(header, rows), "loaded"
    rows = rows_of("nul")
    rows[0][name_col] = "Ali\x00ce"
    yield "nul_in_cell", render(header, rows), "any"
    rows = rows_of("ten_mb")
    rows[0][name_col] = TEN_MB
    yield "ten_mb_cell", lambda r=rows: render(header, r), "any"


def _text_variants(good_of: Callable[[str], bytes]) -> Iterator[tuple[str, bytes, str]]:
    """Cases on the bytes of a good file (ids prefixed by the case): encodings, line ends,
    damage."""
    yield "empty_file", b"", "rejected"
    yield "blank_file", b"  \n\n\t\n", "rejected"
    yield "bom", b"\xef\xbb\xbf" + good_of("bom"), "loaded"
    yield "crlf", good_of("crlf").replace(b"\n", b"\r\n"), "loaded"
    yield "invalid_utf8", good_of("utf").replace(b"e", b"\xff\xfe", 1), "any"
    yield "nul_bytes", good_of("nul").replace(b"\n", b"\n\x00", 1), "any"
    good = good_of("trunc")
    yield "truncated", good[: len(good) // 2], "any"
    yield "garbage", bytes(range(256)) * 8, "rejected"
    yield "ten_mb_line", lambda: good_of("ten") + b"\n" + TEN_MB.encode() + b"\n", "any"


def cases(only: str | None = None) -> list[Case]:
    """The cases of one format (``only``), or of all."""
    out: list[Case] = []

    def want(fmt: str) -> bool:
        return only is None or only == fmt

    def add(fmt: str, name: str, data, expect: str, ext: str | None = None) -> None:
        pattern = FORMATS[fmt][0]
        rel = pattern.format(f"{fmt}_{name}")
        if ext:
            rel = rel.rsplit(".", 1)[0] + ext
        out.append(Case(fmt, name, rel, data, expect))

    # -- timeline documents
    if want("timeline"):
        for name, data, expect in _text_variants(lambda v: FORMATS["timeline"][1](f"tv{v}")):
            add("timeline", name, data, "rejected" if name == "nul_bytes" else expect)
        for key in [k for k, v in doc_fields("x").items() if v is not None]:
            for blank in ("", "   "):
                fields = doc_fields(f"blank{len(blank)}{key[:6].strip('- ')}")
                fields[key] = blank
                expect = "rejected" if key in ("SEVERITY", "STARTED") else "loaded"
                add("timeline", f"blank{len(blank)}_{key.strip('- ').replace(' ', '_')}",
                    _doc(fields), expect)  # fmt: skip
        for year in ("1900", "9999"):
            fields = doc_fields(f"y{year}")
            fields["STARTED"] = f"{year}-11-03 14:00 UTC"
            add("timeline", f"year_{year}_started", _doc(fields), "rejected")
            fields = doc_fields(f"r{year}")
            fields["RESOLVED"] = f"{year}-11-03 15:00 UTC"
            add("timeline", f"year_{year}_resolved", _doc(fields), "rejected")
        fields = doc_fields("formula")
        fields["ACKNOWLEDGED"] = f"2026-11-03 14:10 UTC — {FORMULA}"
        add("timeline", "formula_name", _doc(fields), "loaded")
        fields = doc_fields("quoted")
        fields["ID"] = QUOTED_ID
        add("timeline", "quoted_id", _doc(fields), "loaded")
        fields = doc_fields("good_timeline")  # the good document's incident_id, in a later file
        add("timeline", "duplicate_id", _doc(fields), "rejected")
        add(
            "timeline",
            "huge_file",
            lambda: _doc(doc_fields("huge")) + b"\n" * (6 * 1024 * 1024),
            "rejected",
        )
        fields = doc_fields("many")
        fields["SEVERITY"], fields["STARTED"], fields["RESOLVED"] = "SEV-9", "soon", "never ever"
        add("timeline", "many_mistakes", _doc(fields), "rejected")
        fields = doc_fields("big")
        fields["- Users affected"] = "9" * 30
        fields["- Revenue impact"] = "$" + "9" * 30
        add("timeline", "numbers_too_large", _doc(fields), "loaded")

    # -- hand-off notes
    if want("handoff"):
        for name, data, expect in _text_variants(lambda v: _doc(handoff_fields(f"ho{v}"))):
            add("handoff", name, data, expect)
        for key in ("TEAM", "FROM", "TO", "WRITTEN"):
            for blank in ("", "   "):
                fields = handoff_fields(f"hb{len(blank)}{key}")
                fields[key] = blank
                expect = "loaded" if key == "TO" else "rejected"
                add("handoff", f"blank{len(blank)}_{key}", _doc(fields), expect)
        for year in ("1900", "9999"):
            fields = handoff_fields(f"hy{year}")
            fields["WRITTEN"] = f"{year}-11-09 08:40 UTC"
            add("handoff", f"year_{year}", _doc(fields), "rejected")
        fields = handoff_fields("hformula")
        fields["FROM"] = FORMULA
        add("handoff", "formula_name", _doc(fields), "loaded")
        fields = handoff_fields("hquoted")
        fields["TEAM"] = QUOTED_ID
        add("handoff", "quoted_id", _doc(fields), "loaded")
        add("handoff", "duplicate_id", _doc(handoff_fields("good_handoff")), "loaded")
        fields = handoff_fields("hten")
        fields["FROM"] = TEN_MB
        add("handoff", "ten_mb_cell", lambda f=fields: _doc(f), "rejected")  # over 5 MB
        add("handoff", "huge_file", lambda: _doc(handoff_fields("hh")) + b"\n" * (6 << 20),
            "rejected")  # fmt: skip
        fields = handoff_fields("hnul")
        fields["FROM"] = "Ali\x00ce"
        add("handoff", "nul_in_cell", _doc(fields), "any")

    # -- pages: CSV, JSON, Parquet
    for fmt, render in (
        ("pages_csv", _csv),
        ("pages_json", _records),
        ("pages_parquet", _parquet),
    ):
        if not want(fmt):
            continue
        for name, data, expect in _tabular_cases(
            fmt, PAGE_HEADER, lambda p, f=fmt: page_rows(f"{f}-{p}"), render,
            {"page_id", "sent_at", "recipient", "team"},
        ):  # fmt: skip
            add(fmt, name, data, expect)
        # The good file's first page id again, in a later file, beside a new one.
        rows = [page_rows(f"good_{fmt}")[0], page_rows(f"{fmt}-dup")[1]]
        add(fmt, "duplicate_id", render(PAGE_HEADER, rows), "partial")
        rows = page_rows(f"{fmt}-ackfirst")
        rows[0][6] = "2026-11-03T13:00:00Z"  # acknowledged before sent
        add(fmt, "ack_before_sent", render(PAGE_HEADER, rows), "partial")
        rows = [[f"{fmt}-huge-{i}", *page_rows("h")[1][1:]] for i in range(60_000)]
        add(fmt, "huge_file", lambda r=render, rows=rows: r(PAGE_HEADER, rows), "loaded")
        add(fmt, "no_required_columns", render(["page_id", "urgency"], [["x", "y"]]), "rejected")
        if fmt != "pages_parquet":
            good = lambda v, r=render, f=fmt: r(PAGE_HEADER, page_rows(f"{f}-tv{v}"))  # noqa: E731
            for name, data, expect in _text_variants(good):
                add(fmt, name, data, expect)
        else:
            add(fmt, "empty_file", b"", "rejected")
            add(fmt, "garbage", b"PAR1" + bytes(range(256)) * 8, "rejected")
            good = _parquet(PAGE_HEADER, page_rows(f"{fmt}-tr"))
            add(fmt, "truncated", good[: len(good) // 2], "rejected")
            # The text-file categories, inside cells (Parquet has no lines or encodings).
            for name, value, expect in (
                ("bom_in_cell", "\ufeffAlice Chen", "loaded"),
                ("crlf_in_cell", "Alice\r\nChen", "loaded"),
            ):
                rows = page_rows(f"{fmt}-{name}")
                rows[0][2] = value
                add(fmt, name, _parquet(PAGE_HEADER, rows), expect)
            table = pa.table({"page_id": pa.array([b"pq-bad\xff"], pa.binary()),
                              "sent_at": ["2026-11-03T14:05:00Z"], "recipient": ["A"],
                              "team": ["t"]})  # fmt: skip
            buf = io.BytesIO()
            pq.write_table(table, buf)
            add(fmt, "invalid_utf8_binary_cell", buf.getvalue(), "any")
    if want("pages_json"):
        add("pages_json", "deeply_nested", b"[" * 100_000 + b"]" * 100_000, "rejected")
        add("pages_json", "not_records", b'{"page_id": 1, "x": [1, 2]}', "any")

    # -- rotations CSV
    if want("rotations_csv"):
        for name, data, expect in _tabular_cases(
            "rotations_csv", ROT_HEADER, lambda p: rot_rows(f"rc-{p}"), _csv,
            {"team", "engineer", "start", "end"},
        ):  # fmt: skip
            add("rotations_csv", name, data, expect)
        for name, data, expect in _text_variants(lambda v: _csv(ROT_HEADER, rot_rows(f"rc-tv{v}"))):
            add("rotations_csv", name, data, expect)
        rows = rot_rows("rc-back")
        rows[0][3] = "2026-11-01T00:00:00Z"  # ends before it starts
        add("rotations_csv", "end_before_start", _csv(ROT_HEADER, rows), "partial")
        rows = rot_rows("rc-long")
        rows[0][3] = "2027-11-09T00:00:00Z"  # a year: longer than max_shift_days
        add("rotations_csv", "too_long", _csv(ROT_HEADER, rows), "partial")
        hours = [datetime(2026, 1, 1, tzinfo=UTC) + i * timedelta(hours=1) for i in
                 range(20_001)]  # fmt: skip
        rows = [["rc-huge", f"E{i % 7}", f"{a:%Y-%m-%dT%H:%M:%SZ}", f"{b:%Y-%m-%dT%H:%M:%SZ}", ""]
                for i, (a, b) in enumerate(itertools.pairwise(hours))]  # fmt: skip
        add("rotations_csv", "huge_file", lambda r=rows: _csv(ROT_HEADER, r), "loaded")
        add(
            "rotations_csv",
            "duplicate_id",
            _csv(ROT_HEADER, rot_rows("good_rotations_csv")),
            "loaded",
        )

    # -- rotations ICS
    if want("rotations_ics"):
        for name, data, expect in _text_variants(
            lambda v: _ics(f"it{v}", ics_events(f"ics-tv{v}"))
        ):
            add("rotations_ics", name, data, expect)
        for key in ("UID", "SUMMARY", "DTSTART", "DTEND"):
            for blank in ("", "   "):
                events = ics_events(f"ics-b{len(blank)}{key}")
                events[0][key] = blank
                expect = "rejected" if key == "DTSTART" else "any"
                add("rotations_ics", f"blank{len(blank)}_{key}", _ics(f"ib{key}", events), expect)
        for year in ("1900", "9999"):
            events = ics_events(f"ics-{year}")
            events[0]["DTSTART"] = events[0]["DTSTART"].replace("2026", year)
            events[0]["DTEND"] = events[0]["DTEND"].replace("2026", year)
            add("rotations_ics", f"year_{year}", _ics(f"iy{year}", events), "rejected")
        events = ics_events("ics-formula")
        events[0]["SUMMARY"] = FORMULA
        add("rotations_ics", "formula_name", _ics("iformula", events), "loaded")
        events = ics_events("ics-quoted")
        events[0]["UID"] = QUOTED_ID
        add("rotations_ics", "quoted_id", _ics("iquoted", events), "loaded")
        add(
            "rotations_ics",
            "duplicate_id",
            _ics("idup", ics_events("good_rotations_ics")),
            "loaded",
        )
        events = ics_events("ics-back")
        events[0]["DTEND"] = "20261101T000000Z"
        add("rotations_ics", "end_before_start", _ics("iback", events), "rejected")
        events = ics_events("ics-nul")
        events[0]["SUMMARY"] = "Ali\x00ce"
        add("rotations_ics", "nul_in_cell", _ics("inul", events), "any")
        events = ics_events("ics-ten")
        events[0]["SUMMARY"] = TEN_MB
        add("rotations_ics", "ten_mb_cell", lambda e=events: _ics("iten", e), "any")
        events = [{"UID": f"ics-huge-{i}", "SUMMARY": "A", "DTSTART": f"2026{1 + i // 28 % 12:02d}"
                   f"{1 + i % 28:02d}T{i % 24:02d}0000Z", "DTEND": f"2026{1 + i // 28 % 12:02d}"
                   f"{1 + i % 28:02d}T{i % 24:02d}3000Z"} for i in range(3000)]  # fmt: skip
        add("rotations_ics", "huge_file", lambda e=events: _ics("ihuge", e), "loaded")
        add("rotations_ics", "secondly_rule", _ics("isec", [{**ics_events("ics-sec")[0],
            "RRULE": "FREQ=SECONDLY;COUNT=200000"}]), "rejected")  # fmt: skip

    # -- people
    if want("people"):
        for name, data, expect in _tabular_cases(
            "people", PEOPLE_HEADER, lambda p: people_rows(f"pe-{p}"), _csv, {"engineer"}
        ):
            add("people", name, data, expect)
        for name, data, expect in _text_variants(
            lambda v: _csv(PEOPLE_HEADER, people_rows(f"pe-tv{v}"))
        ):
            add("people", name, data, expect)
        rows = people_rows("good_people")  # the same people with other facts: a warning
        rows[0][1] = "OTHER"
        add("people", "duplicate_id_other_facts", _csv(PEOPLE_HEADER, rows), "loaded")
        rows = [[f"pe-huge-{i}", f"E{i}", "t", "UTC", ""] for i in range(60_000)]
        add("people", "huge_file", lambda r=rows: _csv(PEOPLE_HEADER, r), "loaded")
        rows = people_rows("pe-tz")
        rows[0][3] = "Mars/Olympus"
        add("people", "unknown_timezone", _csv(PEOPLE_HEADER, rows), "partial")

    # -- Jira
    if want("jira"):
        for name, data, expect in _tabular_cases(
            "jira", JIRA_HEADER, lambda p: jira_rows(f"ji-{p}"), _csv, set()
        ):
            add("jira", name, data, expect if not name.startswith(("empty", "blank")) else "any")
        for name, data, expect in _text_variants(
            lambda v: _csv(JIRA_HEADER, jira_rows(f"ji-tv{v}"))
        ):
            add("jira", name, data, expect)
        add("jira", "duplicate_id", _csv(JIRA_HEADER, jira_rows("good_jira")), "any")
        rows = [[f"HUGE-{i}", "s", "Done", "A", "2026-11-20", "2026-11-04T10:00:00Z", "", "x"]
                for i in range(20_000)]  # fmt: skip
        add("jira", "huge_file", lambda r=rows: _csv(JIRA_HEADER, r), "loaded")

    # -- PagerDuty and Opsgenie: a blank in every field we map, hostile values
    for fmt, export, paths in (
        ("pagerduty", pd_export, [("incidents", 0, "id"), ("incidents", 0, "title"),
                                  ("incidents", 0, "created_at"), ("incidents", 0, "status"),
                                  ("incidents", 0, "urgency"), ("incidents", 0, "resolved_at"),
                                  ("log_entries", 0, "created_at"), ("log_entries", 0, "type"),
                                  ("log_entries", 1, "created_at")]),
        ("opsgenie", og_export, [("data", 0, "id"), ("data", 0, "message"),
                                 ("data", 0, "createdAt"), ("data", 0, "owner"),
                                 ("data", 0, "priority"), ("data", 0, "status")]),
    ):  # fmt: skip
        if not want(fmt):
            continue
        for section, index, key in paths:
            for blank in ("", "   ", None):
                doc = export(f"{fmt}-b{key}{blank!r}")
                doc[section][index][key] = blank
                add(fmt, f"blank_{section}{index}_{key}_{blank!r}".replace("'", ""),
                    json.dumps(doc).encode(), "any")  # fmt: skip
        ts_key = "created_at" if fmt == "pagerduty" else "createdAt"
        first = "incidents" if fmt == "pagerduty" else "data"
        for year in ("1900", "9999"):
            doc = export(f"{fmt}-y{year}")
            doc[first][0][ts_key] = f"{year}-11-03T14:00:00Z"
            add(fmt, f"year_{year}", json.dumps(doc).encode(), "rejected")
        doc = export(f"{fmt}-formula")
        if fmt == "pagerduty":
            doc["log_entries"][0]["user"]["summary"] = FORMULA
        else:
            doc["data"][0]["report"]["acknowledgedBy"] = FORMULA
        add(fmt, "formula_name", json.dumps(doc).encode(), "loaded")
        doc = export(f"{fmt}-quoted")
        doc[first][0]["id"] = QUOTED_ID
        add(fmt, "quoted_id", json.dumps(doc).encode(), "any")
        add(fmt, "duplicate_id", json.dumps(export(f"good_{fmt}")).encode(), "any")
        doc = export(f"{fmt}-ten")
        doc[first][0]["title" if fmt == "pagerduty" else "message"] = TEN_MB
        add(fmt, "ten_mb_value", lambda d=doc: json.dumps(d).encode(), "any")
        doc = export(f"{fmt}-huge")
        doc[first] = [{**doc[first][0], "id": f"{fmt}-huge-{i}"} for i in range(2000)]
        add(fmt, "huge_file", lambda d=doc: json.dumps(d).encode(), "any")
        doc = export(f"{fmt}-types")
        doc[first][0][ts_key] = 12345
        doc[first][0]["id"] = ["not", "a", "string"]
        add(fmt, "wrong_types", json.dumps(doc).encode(), "any")
        add(fmt, "deeply_nested", b"[" * 100_000 + b"]" * 100_000, "rejected")
        add(fmt, "big_number", json.dumps({first: [{"id": 10**400}]}).encode(), "any")
        for name, data, expect in _text_variants(
            lambda v, e=export, f=fmt: json.dumps(e(f"{f}-tv{v}")).encode()
        ):
            add(fmt, name, data, expect)
    return out


FORMAT_NAMES = sorted(FORMATS)


def test_the_suite_has_at_least_150_cases_covering_every_category_of_every_format():
    by_format = {fmt: {c.name for c in cases(fmt)} for fmt in FORMAT_NAMES}
    assert sum(len(names) for names in by_format.values()) + len(policy_cases()) >= 150
    assert all(len(names) >= 15 for names in by_format.values()), by_format
    for fmt, names in by_format.items():
        text = " ".join(sorted(names))
        for category in (
            "empty_file",
            "bom",
            "crlf",
            "invalid_utf8",
            "nul",
            "ten_mb",
            "huge",
            "1900",
            "9999",
            "formula",
            "duplicate_id",
            "quoted_id",
            "blank",
        ):
            assert category in text, (fmt, category)  # fmt: skip


# ---------------------------------------------------------------- running them


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> tuple[Path, dict[str, list[str]]]:
    """The good files (one per format) and their rows, ingested alone."""
    root = tmp_path_factory.mktemp("hostile") / "good"
    for fmt, (pattern, make) in FORMATS.items():
        path = root / pattern.format("good")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(make(f"good_{fmt}"))  # the prefix of the ids the cases repeat
    db = root.parent / "good.duckdb"
    report = _run([root], db)
    assert report.rejections == [] and report.exit_code == 0, report.rejections
    rows = _rows_by_file(db)
    assert all(rows.get(str(p)) for p in root.rglob("*") if p.is_file()), rows.keys()
    return root, rows


def _run(paths: list[Path], db: Path) -> run.IngestReport:
    return run.ingest(paths, db=db, policy=DEFAULT_POLICY, wait=1, now=NOW)


def _rows_by_file(db: Path) -> dict[str, list[str]]:
    """Every src row, by source_file (as repr, for comparing)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out: dict[str, list[str]] = {}
        for table in SRC_TABLES:
            cur = con.execute(f"select * from {table}")
            names = [d[0] for d in cur.description]
            for row in cur.fetchall():
                record = dict(zip(names, row, strict=True))
                out.setdefault(record["source_file"], []).append(f"{table}: {record!r}")
        return {k: sorted(v) for k, v in out.items()}
    finally:
        con.close()


_LOCATED = re.compile(r"^(?P<file>.+?):(?P<line>[0-9]+): ")


def _slow(case: Case) -> bool:
    """The 10 MB cases take seconds each (DuckDB's JSON type detection on a 10 MB string
    alone ~9 s): they run in the slow tier."""
    return "ten_mb" in case.name


@pytest.mark.parametrize("fmt", FORMAT_NAMES)
def test_hostile_inputs_of_a_format_never_crash_nor_lose_good_rows(
    fmt, good, tmp_path, monkeypatch
):
    from analytics.ingest import ics

    # The calendar that expands forever is refused at this bound (100,000 in production,
    # which takes ~10 s to reach): the same code path, in a fraction of the time.
    monkeypatch.setattr(ics, "MAX_SHIFTS", 5_000)
    _check_format(fmt, [c for c in cases(fmt) if not _slow(c)], good, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", FORMAT_NAMES)
def test_ten_mb_hostile_inputs_of_a_format(fmt, good, tmp_path):
    _check_format(fmt, [c for c in cases(fmt) if _slow(c)], good, tmp_path)


def _check_format(fmt: str, mine: list[Case], good, tmp_path: Path) -> None:
    assert mine
    good_root, good_rows = good
    batch = tmp_path / "zz_hostile"  # after good/ in path order: repeated ids hit the hostile file
    for case in mine:
        path = batch / case.rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(case.payload())
    db = tmp_path / "w.duckdb"

    report = _run([good_root, batch], db)  # raises nothing: no traceback

    assert report.exit_code in (0, 1)
    rows = _rows_by_file(db)
    for file, expected in good_rows.items():
        assert rows.get(file) == expected, f"good rows of {file} changed"
    by_path = {str(f.path): f for f in report.files}
    problems = []
    for case in mine:
        path = str((batch / case.rel).resolve())
        res = by_path[path]
        messages = res.errors + res.warnings
        unlocated = [m for m in messages if not (_LOCATED.match(m) and
                     _LOCATED.match(m)["file"] == res.display)]  # fmt: skip
        if unlocated:
            problems.append(f"{case.name}: message without file:line: {unlocated[:2]}")
        if res.status == "rejected" and rows.get(path):
            problems.append(f"{case.name}: rejected, yet {len(rows[path])} rows loaded")
        if res.status == "rejected" and not res.errors:
            problems.append(f"{case.name}: rejected without a message")
        outcome = {
            "rejected": res.status == "rejected",
            "skipped": res.status == "skipped",
            "loaded": res.status == "loaded" and not res.errors and bool(rows.get(path)),
            "partial": res.status == "loaded" and bool(res.errors) and bool(rows.get(path)),
            "any": True,
        }[case.expect]
        if not outcome:
            problems.append(
                f"{case.name}: expected {case.expect}, got {res.status} with "
                f"{len(rows.get(path, []))} rows; {[m[-160:] for m in messages[:3]]}"
            )
    assert not problems, "\n".join(problems)


CLI_CATEGORIES = ("empty_file", "invalid_utf8", "nul_bytes", "year_9999", "formula_name",
                  "quoted_id", "duplicate_id", "garbage")  # fmt: skip


def test_hostile_inputs_of_every_format_at_once_through_the_command_line(good, tmp_path):
    """A category of every format in one batch through the CLI: exit 1, no traceback, each
    problem a line naming its file and line; the good files load."""
    good_root, good_rows = good
    batch = tmp_path / "zz_hostile"
    for case in (c for fmt in FORMAT_NAMES for c in cases(fmt) if c.name in CLI_CATEGORIES):
        path = batch / case.rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(case.payload())
    db = tmp_path / "w.duckdb"
    result = run_cli("ingest", str(good_root), str(batch), "--db", str(db), "--quiet")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    for line in result.stderr.strip().splitlines():
        assert _LOCATED.match(line.removeprefix("warning: ")) or line.startswith("… and "), line
    rows = _rows_by_file(db)
    for file, expected in good_rows.items():
        assert rows.get(file) == expected


# ---------------------------------------------------------------- policy files


def policy_cases() -> list[tuple[str, bytes]]:
    good = (
        b'[response]\nsev1_minutes = 10\n\n[tracker]\ndone_statuses = ["Done"]\n\n'
        b'[[pay]]\neffective_from = "2000-01-01"\nweekly_stipend_usd = "500.00"\n'
        b'sev1_bonus_usd = "200.00"\ncomp_hours_per_overnight_page = 4\n'
    )
    out = [
        ("empty_file", b""),
        ("blank_file", b"  \n\n"),
        ("bom", b"\xef\xbb\xbf" + good),
        ("crlf", good.replace(b"\n", b"\r\n")),
        ("invalid_utf8", good.replace(b"Done", b"D\xffne")),
        ("nul_bytes", good.replace(b"\n", b"\n\x00", 1)),
        ("ten_mb_line", good + b"# " + TEN_MB.encode() + b"\n"),
        ("ten_mb_value", good.replace(b'"Done"', b'"' + TEN_MB.encode() + b'"')),
        ("huge_file", good + b"# comment\n" * 600_000),
        ("year_1900", good.replace(b"2000-01-01", b"1900-01-01")),
        ("year_9999", good.replace(b"2000-01-01", b"9999-12-31")),
        ("formula", good.replace(b'"Done"', b'"' + FORMULA.replace('"', "'").encode() + b'"')),
        ("duplicate_key", good + b"\n[response]\nsev1_minutes = 5\n"),
        ("quoted_key", b'[response]\n"sev1\\"_/minutes" = 10\n'),
        ("path_key", b"[../../etc]\nx = 1\n"),
        ("garbage", bytes(range(256)) * 8),
        ("truncated", good[: len(good) // 2]),
        ("big_number", b"[response]\nsev1_minutes = 1e400\n"),
        ("huge_int", b"[response]\nsev1_minutes = 99999999999999999999999\n"),
        ("deeply_nested", b"x = " + b"[" * 5000 + b"]" * 5000 + b"\n"),
    ]
    for section, keys in (
        ("response", ["sev1_minutes", "sev2_minutes", "sev3_business_hours", "page_ack_minutes",
                      "escalate_after_minutes"]),
        ("status_updates", ["sev1_minutes", "sev2_minutes"]),
        ("postmortem", ["deadline_hours", "severities"]),
        ("business_hours", ["timezone", "start", "end", "weekdays", "holidays_country"]),
        ("overnight", ["start", "end"]),
        ("tracker", ["done_statuses"]),
        ("pagerduty", ["severity_by_priority"]),
        ("rotations", ["max_shift_days"]),
    ):  # fmt: skip
        for key in keys:
            out.append((f"blank_{section}_{key}", f'[{section}]\n{key} = ""\n'.encode()))
    return out


@pytest.mark.parametrize(("name", "data"), policy_cases(), ids=[c[0] for c in policy_cases()])
def test_hostile_policy_files_are_a_policy_or_one_line_naming_file_and_line(name, data, tmp_path):
    path = tmp_path / f"{name}.toml"
    path.write_bytes(data)
    try:
        policy = load_policy(path)
    except PolicyError as exc:
        message = str(exc)
        assert message.startswith(f"{path}: ") and "\n" not in message, message
        assert re.search(r"\bline [0-9]+", message), message
    else:
        assert policy.version.startswith("sha256:")


def test_a_hostile_policy_mixed_with_good_files_is_a_usage_error_loading_nothing(good, tmp_path):
    good_root, _ = good
    path = tmp_path / "policy.toml"
    path.write_bytes(b'[response]\nsev1_minutes = ""\n')
    db = tmp_path / "w.duckdb"
    result = run_cli("ingest", str(good_root), "--db", str(db), "--policy", str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and f"{path}: " in result.stderr
    assert not db.exists()
