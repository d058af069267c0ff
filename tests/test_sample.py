"""The synthetic sample: deterministic, in the formats of SPEC §3, with the promised shape.

Shape checks read the written files with a deliberately small parser of their own (regexes
below), not with ``analytics.ingest``, so they hold whatever the real parser does.
"""

from __future__ import annotations

import csv
import itertools
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from analytics.errors import UsageError
from analytics.sample import SPAN_END, SPAN_START, generate

COMMITTED = Path(__file__).resolve().parents[1] / "data" / "sample"
HEADER_KEYS = {
    "INCIDENT",
    "ID",
    "SEVERITY",
    "TEAM",
    "SERVICE",
    "STARTED",
    "DETECTED",
    "ACKNOWLEDGED",
    "MITIGATED",
    "RESOLVED",
    "DURATION",
    "POSTMORTEM",
}
_KEY_RE = re.compile(r"^([A-Za-z][A-Za-z ]*):(?:\*\*)?\s*(.*)$")
_SEP_RE = re.compile(r"\s+(?:—|–|--|-)\s+")
_CLOCK_RE = re.compile(r"^\[(\d\d):(\d\d)\]")


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _ts(s: str) -> datetime:
    dt = datetime.fromisoformat(s.strip().removesuffix(" UTC"))
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _headers(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        m = _KEY_RE.match(line.lstrip("*# "))
        if m and m.group(1).upper() in HEADER_KEYS:
            out.setdefault(m.group(1).upper(), m.group(2).strip())
    return out


def _severity(value: str) -> int:
    m = re.fullmatch(r"sev[- ]?([123])", value, re.IGNORECASE)
    assert m, value
    return int(m.group(1))


def _duration_minutes(value: str) -> int:
    if m := re.fullmatch(r"(\d+) minutes", value):
        return int(m.group(1))
    units = {"d": 1440, "h": 60, "m": 1}
    parts = re.findall(r"(\d+)([dhm])", value)
    assert parts and "".join(n + u for n, u in parts) == value.replace(" ", ""), value
    return sum(int(n) * units[u] for n, u in parts)


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _z(s: str) -> datetime:
    assert s.endswith("Z"), s
    return datetime.fromisoformat(s)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    generate(out, seed=7)
    return out


@pytest.fixture(scope="module")
def docs(sample: Path) -> dict[str, tuple[str, dict[str, str]]]:
    """stem -> (text, headers) of every timeline document."""
    return {
        p.stem: (p.read_text("utf-8"), _headers(p.read_text("utf-8")))
        for p in sorted((sample / "timelines").rglob("*.md"))
    }


@pytest.fixture(scope="module")
def people(sample: Path) -> dict[str, dict[str, str]]:
    return {r["engineer"].strip().lower(): r for r in _csv(sample / "people.csv")}


def _oncall(rotations: list[dict[str, str]], team: str, at: datetime) -> str:
    """An override row covering ``at`` wins over the weekly row (SPEC §3.3)."""
    found = None
    for r in rotations:
        if r["team"] == team and _z(r["start"]) <= at < _z(r["end"]):
            if r["override"] == "true":
                return r["engineer"]
            found = r["engineer"]
    assert found, (team, at)
    return found


# --- determinism --------------------------------------------------------------------------


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", seed=11)
    b = generate(tmp_path / "b", seed=11)
    assert a == b
    files_a, files_b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert files_a.keys() == files_b.keys()
    assert all(files_a[k] == files_b[k] for k in files_a)


def test_another_seed_gives_another_sample(tmp_path: Path) -> None:
    generate(tmp_path / "a", seed=1)
    generate(tmp_path / "b", seed=2)
    a = (tmp_path / "a/pages/pages.csv").read_bytes()
    assert a != (tmp_path / "b/pages/pages.csv").read_bytes()


def test_committed_sample_is_what_generate_writes(tmp_path: Path) -> None:
    generate(tmp_path, seed=7)
    fresh, committed = _files(tmp_path), _files(COMMITTED)
    fix = "regenerate with: python -c 'from analytics.sample import generate; "
    fix += 'from pathlib import Path; generate(Path("data/sample"))\''
    assert fresh.keys() == committed.keys(), fix
    changed = sorted(k for k in fresh if fresh[k] != committed[k])
    assert not changed, f"{changed[:5]} differ; {fix}"
    assert sum(len(b) for b in committed.values()) < 2_000_000


def test_regenerating_over_a_previous_sample_replaces_it(tmp_path: Path) -> None:
    generate(tmp_path, seed=3)
    stale = tmp_path / "timelines" / "2026" / "stale.md"
    stale.write_text("INCIDENT: old\n", encoding="utf-8")
    generate(tmp_path, seed=7)
    assert not stale.exists()


def test_refuses_a_folder_that_is_not_a_sample(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(UsageError, match="not a previous sample"):
        generate(tmp_path)
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize("scale", [0, -1, 1.5])
def test_rejects_a_bad_scale(tmp_path: Path, scale: object) -> None:
    with pytest.raises(UsageError, match="scale"):
        generate(tmp_path, scale=scale)  # type: ignore[arg-type]


def test_counts_are_returned_and_scale_is_linear(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    one = generate(tmp_path / "one", progress=lambda done, total: calls.append((done, total)))
    two = generate(tmp_path / "two", scale=2)
    assert one["timelines"] == 150 and two["timelines"] == 300
    assert len(list((tmp_path / "two" / "timelines").rglob("*.md"))) == 300
    assert one["people"] == 12 and two["people"] == 24
    assert 1.6 < two["pages"] / one["pages"] < 2.4
    assert calls[-1] == (155, 155)


@pytest.mark.slow
def test_scale_100_is_fast_enough(tmp_path: Path) -> None:
    t0 = time.perf_counter()
    counts = generate(tmp_path, scale=100)
    assert counts["timelines"] == 15_000
    assert time.perf_counter() - t0 < 90


# --- shape of the default sample ----------------------------------------------------------


def test_severity_mix(docs: dict[str, tuple[str, dict[str, str]]]) -> None:
    sev = [_severity(h["SEVERITY"]) for _, h in docs.values()]
    assert len(sev) == 150
    assert sev.count(3) > sev.count(2) > sev.count(1) > 0


def test_ttr_is_heavy_tailed(docs: dict[str, tuple[str, dict[str, str]]]) -> None:
    ttr = [(_ts(h["RESOLVED"]) - _ts(h["STARTED"])).total_seconds() for _, h in docs.values()]
    median, p90 = np.quantile(ttr, [0.5, 0.9])
    assert p90 / median >= 3


def test_documents_are_valid(
    docs: dict[str, tuple[str, dict[str, str]]], people: dict[str, dict[str, str]]
) -> None:
    ids = set()
    for stem, (text, h) in docs.items():
        ids.add(h.get("ID", stem))
        started, resolved = _ts(h["STARTED"]), _ts(h["RESOLVED"])
        detected = _ts(_SEP_RE.split(h["DETECTED"], maxsplit=1)[0])
        assert SPAN_START <= started <= detected <= resolved < SPAN_END, stem
        assert _duration_minutes(h["DURATION"]) * 60 == (resolved - started).total_seconds()
        if "ACKNOWLEDGED" in h:
            at, who = _SEP_RE.split(h["ACKNOWLEDGED"], maxsplit=1)
            assert detected <= _ts(at) <= resolved, stem
            assert who.strip().lower() in people, stem
        if "MITIGATED" in h:
            assert detected <= _ts(_SEP_RE.split(h["MITIGATED"], maxsplit=1)[0]) <= resolved
        if "POSTMORTEM" in h:
            assert resolved <= _ts(h["POSTMORTEM"]) < SPAN_END, stem
        for owner in re.findall(r"Owner: ([^—–-]+?)(?:\s+(?:—|–|--|-)\s+|$)", text, re.M):
            assert owner.strip().lower() in people, (stem, owner)
        assert stem.startswith(started.strftime("%Y-%m-%d")), stem
    assert len(ids) == len(docs)


def test_people_span_time_zones(people: dict[str, dict[str, str]]) -> None:
    zones = {r["timezone"] for r in people.values()}
    assert len(zones) >= 3
    assert {"Europe/Berlin", "America/New_York", "UTC"} <= zones
    assert zones & {"Asia/Kolkata", "Australia/Sydney"}
    for z in zones:
        ZoneInfo(z)
    assert len({r["team"] for r in people.values()}) == 3
    assert len({r["employee_id"] for r in people.values()}) == len(people) == 12


def test_rotations_cover_every_week_with_overrides(
    sample: Path, people: dict[str, dict[str, str]]
) -> None:
    rows = _csv(sample / "rotations" / "rotations.csv")
    overrides = [r for r in rows if r["override"] == "true"]
    assert overrides
    for team in {r["team"] for r in people.values()}:
        weekly = [r for r in rows if r["team"] == team and r["override"] == "false"]
        assert [_z(r["start"]) for r in weekly] == [
            SPAN_START + timedelta(weeks=w) for w in range(26)
        ]
        assert all(_z(r["end"]) - _z(r["start"]) == timedelta(weeks=1) for r in weekly)
        assert all(_z(r["start"]).weekday() == 0 for r in weekly)
    for o in overrides:
        assert people[o["engineer"].lower()]["team"] == o["team"]
        assert timedelta(hours=1) <= _z(o["end"]) - _z(o["start"]) <= timedelta(days=1)
        scheduled = [
            r["engineer"]
            for r in rows
            if r["team"] == o["team"]
            and r["override"] == "false"
            and _z(r["start"]) <= _z(o["start"]) < _z(r["end"])
        ]
        assert scheduled and scheduled[0] != o["engineer"]


def test_pages(sample: Path, people: dict[str, dict[str, str]]) -> None:
    pages = _csv(sample / "pages" / "pages.csv")
    assert list(pages[0]) == [
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
    ]
    assert len({p["page_id"] for p in pages}) == len(pages)
    overnight = late = 0
    for p in pages:
        sent = _z(p["sent_at"])
        assert SPAN_START <= sent < SPAN_END
        assert p["recipient"].lower() in people
        local = sent.astimezone(ZoneInfo(people[p["recipient"].lower()]["timezone"]))
        overnight += local.hour >= 22 or local.hour < 7
        if p["acknowledged_at"]:
            assert sent <= _z(p["acknowledged_at"]) < SPAN_END
            late += _z(p["acknowledged_at"]) - sent > timedelta(minutes=5)
    assert overnight >= 5
    assert late >= 1
    assert any(not p["acknowledged_at"] for p in pages)
    assert any(not p["incident_id"] for p in pages)
    assert any(p["escalated_at"] for p in pages)
    per_incident: dict[str, int] = {}
    for p in pages:
        if p["incident_id"]:
            per_incident[p["incident_id"]] = per_incident.get(p["incident_id"], 0) + 1
    assert max(per_incident.values()) >= 8  # a page storm


def test_a_sev1_is_acknowledged_by_someone_off_rotation(
    sample: Path, docs: dict[str, tuple[str, dict[str, str]]]
) -> None:
    rotations = _csv(sample / "rotations" / "rotations.csv")
    off_rotation = []
    for stem, (_, h) in docs.items():
        if _severity(h["SEVERITY"]) != 1:
            continue
        detected = _ts(_SEP_RE.split(h["DETECTED"], maxsplit=1)[0])
        who = _SEP_RE.split(h["ACKNOWLEDGED"], maxsplit=1)[1].strip()
        if who.lower() != _oncall(rotations, h["TEAM"], detected).lower():
            off_rotation.append(stem)
    assert 1 <= len(off_rotation) < 15


def test_jira_export_matches_action_items(
    sample: Path, docs: dict[str, tuple[str, dict[str, str]]]
) -> None:
    rows = _csv(sample / "action_items" / "jira_export.csv")
    assert rows and {r["Status"] for r in rows} == {"Done", "In Progress", "To Do"}
    tickets = {t for text, _ in docs.values() for t in re.findall(r"\(([A-Z]+-\d+)\)", text)}
    assert {r["Issue key"] for r in rows} <= tickets
    assert all(
        re.fullmatch(r"\d\d/[A-Z][a-z]{2}/\d\d \d{1,2}:\d\d [AP]M", r["Created"]) for r in rows
    )


def test_every_variant_appears(docs: dict[str, tuple[str, dict[str, str]]]) -> None:
    texts = [text for text, _ in docs.values()]
    heads = [h for _, h in docs.values()]

    def some(pattern: str, flags: int = re.M) -> bool:
        return any(re.search(pattern, t, flags) for t in texts)

    for sep in ("—", "–", "--", "-"):
        assert some(rf"^\S*DETECTED:\S* \S+(?: \S+)?(?: UTC)? {re.escape(sep)} ", re.M | re.I), sep
        assert some(rf"^\[\d\d:\d\d\] {re.escape(sep)} "), sep
    for sev in ("SEV-1", "SEV1", "Sev 1", "sev-1"):
        form = re.escape(sev[:-1])
        assert some(rf"^\W*severity:\W* {form}[123]$", re.M | re.I), sev
    for key in (r"^STARTED: ", r"^Started: ", r"^started: ", r"^\*\*STARTED:\*\* "):
        assert some(key), key
    assert some(r"^\*\*Started:\*\* ")
    assert some(r"^## TIMELINE$") and some(r"^## Timeline$") and some(r"^TIMELINE:$")
    assert some(r"^- \[x\] ") and some(r"^- \[X\] ") and some(r"^- \[ \] ")
    assert some(r"\n\n\n")
    for key in ("MITIGATED", "IMPACT", "ACTION ITEMS", "ID", "TEAM", "ACKNOWLEDGED"):
        assert any(not re.search(rf"^\W*{key}\W", t, re.M | re.I) for t in texts), key
    stamps = [h["STARTED"] for h in heads] + [h["RESOLVED"] for h in heads]
    for form in (
        r"\d{4}-\d\d-\d\d \d\d:\d\d UTC",
        r"\d{4}-\d\d-\d\d \d\d:\d\d",
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ",
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d",
    ):
        assert any(re.fullmatch(form, s) for s in stamps), form
    assert any(re.search(r"\+0[1-9]:00|\+05:30|\+1\d:00", s) for s in stamps)
    assert some(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d\] ")  # full timestamps in brackets
    for impact in (
        r"Users affected: \d{1,3}(,\d{3})+$",
        r"Users affected: ~\d+k$",
        r"Users affected: \d+%$",
        r"Users affected: unknown$",
        r"Revenue impact: \$\d{1,3}(,\d{3})+$",
        r"Revenue impact: ~\$\d+k$",
        r"Revenue impact: unknown$",
        r"Data loss: no$",
        r"Data loss: yes, \d+ rows of ",
    ):
        assert some(impact), impact
    for event in (r"Status page updated", r"Escalated to ", r"Paged "):
        assert some(rf"^\[[\d :-]+\] \S+ {event}"), event
    ackers = [_SEP_RE.split(h["ACKNOWLEDGED"], maxsplit=1)[1] for h in heads if "ACKNOWLEDGED" in h]
    assert any(a == a.lower() for a in ackers)  # names match case-insensitively (SPEC §3.4)
    assert any(re.search(r"\d+ minutes$", h["DURATION"]) for h in heads)
    assert any(re.search(r"^\d+d", h["DURATION"]) for h in heads)


def test_a_timeline_crosses_midnight(docs: dict[str, tuple[str, dict[str, str]]]) -> None:
    def goes_backwards(text: str) -> bool:
        clocks = [
            int(m.group(1)) * 60 + int(m.group(2))
            for line in text.splitlines()
            if (m := _CLOCK_RE.match(line))
        ]
        return any(b < a for a, b in itertools.pairwise(clocks))

    assert any(goes_backwards(text) for text, _ in docs.values())
