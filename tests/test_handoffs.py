"""Hand-off notes: the parser, the hand-overs of oncall_shifts and handoff_compliance."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from conftest import run_cli
from metrics_helpers import set_as_of, ts, warehouse

from analytics.errors import InputError
from analytics.ingest.handoffs import parse_handoff
from analytics.policy import Policy

NOTE = """\
# Hand-off, payments, week 42

**TEAM:** Payments
**FROM:** Ana Lima
- TO: Bo Chen
## WRITTEN: 2026-10-12T10:40:00+02:00

- the ledger replica lag alert is noisy; silenced until Wednesday
- OPS-812 waits on the vendor
"""


# ------------------------------------------------------------------------------- parser


def test_a_note_in_markdown_dressing():
    note = parse_handoff(NOTE.encode(), "h.md").note
    assert (note.team, note.from_engineer, note.to_engineer) == ("payments", "Ana Lima", "Bo Chen")
    assert note.written_at == ts("2026-10-12 08:40")  # +02:00 converted to UTC
    assert (note.body_lines, note.line_no) == (2, 6)


def test_to_is_optional():
    text = "TEAM: core\nFROM: ann\nWRITTEN: 2026-10-12 08:00\n\nall quiet\n"
    assert parse_handoff(text, "h.md").note.to_engineer is None


def test_missing_written_is_rejected_at_line_1():
    with pytest.raises(InputError) as err:
        parse_handoff("TEAM: core\nFROM: ann\n\nall quiet\n", "h.md")
    assert str(err.value).startswith("h.md:1: WRITTEN: is missing")


def test_every_problem_of_a_note_in_one_pass():
    text = "TEAM: core\nFROM:\nWRITTEN: yesterday\n"
    with pytest.raises(InputError) as err:
        parse_handoff(text, "h.md")
    # FROM empty (line 2), WRITTEN not a timestamp (line 3), no body (after line 3)
    assert err.value.line == 2
    assert "FROM: is empty" in err.value.reason
    assert "line 3: WRITTEN 'yesterday' is not a timestamp" in err.value.reason
    assert "line 3: no body" in err.value.reason


def test_invalid_utf8_names_its_line():
    with pytest.raises(InputError) as err:
        parse_handoff(b"TEAM: core\nFROM: \xff\n", "h.md")
    assert err.value.line == 2


# -------------------------------------------------------------------------- the view


def _notes(con: duckdb.DuckDBPyConnection, rows: list[tuple[str, str, str | None, str]]) -> None:
    for n, (team, writer, to, written) in enumerate(rows, start=1):
        con.execute(
            "insert into src_handoffs values ($1, $2, $3, $4, 1, 3, $5)",
            [team, writer, to, ts(written), f"handoffs/{n}.md"],
        )


SHIFTS = [
    # core: weekly shifts at Monday 09:00; an override (cat) splits bob's week
    {
        "team": "core",
        "engineer": "ann",
        "start_at": "2026-10-05 09:00",
        "end_at": "2026-10-12 09:00",
    },
    {
        "team": "core",
        "engineer": "bob",
        "start_at": "2026-10-12 09:00",
        "end_at": "2026-10-14 00:00",
    },
    {
        "team": "core",
        "engineer": "cat",
        "start_at": "2026-10-14 00:00",
        "end_at": "2026-10-15 00:00",
        "is_override": True,
    },
    {
        "team": "core",
        "engineer": "bob",
        "start_at": "2026-10-15 00:00",
        "end_at": "2026-10-19 09:00",
    },
    {
        "team": "core",
        "engineer": "dan",
        "start_at": "2026-10-19 09:00",
        "end_at": "2026-10-26 09:00",
    },
    {
        "team": "core",
        "engineer": "eve",
        "start_at": "2026-10-26 09:00",
        "end_at": "2026-11-02 09:00",
    },
    # ops: fay's week ends under an override (gus) before hal takes over
    {
        "team": "ops",
        "engineer": "fay",
        "start_at": "2026-10-05 00:00",
        "end_at": "2026-10-12 00:00",
    },
    {
        "team": "ops",
        "engineer": "gus",
        "start_at": "2026-10-12 00:00",
        "end_at": "2026-10-12 12:00",
        "is_override": True,
    },
    {
        "team": "ops",
        "engineer": "hal",
        "start_at": "2026-10-12 12:00",
        "end_at": "2026-10-19 00:00",
    },
]


def _compliance(con) -> dict[tuple[str, object], tuple]:
    rows = con.execute(
        "select team, handover_at, from_engineer, to_engineer, note_at, status "
        "from handoff_compliance order by team, handover_at"
    ).fetchall()
    return {(r[0], r[1]): r[2:] for r in rows}


@pytest.fixture
def con():
    con = warehouse(shifts=SHIFTS)
    _notes(
        con,
        [
            # ann -> bob at 10-12 09:00: written 25 h before (window opens 24 h before): late
            ("core", "Ann", "bob", "2026-10-11 08:00"),
            # bob -> dan at 10-19 09:00: written at exactly handover + 4 h: counts
            ("Core ", "bob", "dan", "2026-10-19 13:00"),
            # a note of another team's engineer never counts for core
            ("ops", "dan", None, "2026-10-26 09:00"),
            # ops fay -> hal at 10-12 12:00: the override engineer in between writes it
            ("ops", "gus", "hal", "2026-10-12 11:00"),
        ],
    )
    return con


def test_handovers_are_changes_of_engineer_between_non_override_pieces(con):
    set_as_of(con, "2026-10-26 12:00")
    got = _compliance(con)
    # no hand-over at the override's edges (bob before and after cat's override)
    assert list(got) == [
        ("core", ts("2026-10-12 09:00")),
        ("core", ts("2026-10-19 09:00")),
        ("core", ts("2026-10-26 09:00")),
        ("ops", ts("2026-10-12 12:00")),
    ]
    assert got["core", ts("2026-10-12 09:00")] == ("ann", "bob", None, "breached")
    assert got["core", ts("2026-10-19 09:00")] == ("bob", "dan", ts("2026-10-19 13:00"), "met")
    # dan -> eve: no note yet, window open until 10-26 13:00
    assert got["core", ts("2026-10-26 09:00")] == ("dan", "eve", None, "pending")
    assert got["ops", ts("2026-10-12 12:00")] == ("fay", "hal", ts("2026-10-12 11:00"), "met")


def test_pending_until_the_window_closes_then_breached(con):
    set_as_of(con, "2026-10-26 13:00")  # exactly the window's end: a note could still count
    assert _compliance(con)["core", ts("2026-10-26 09:00")][-1] == "pending"
    set_as_of(con, "2026-10-26 13:00:01")
    assert _compliance(con)["core", ts("2026-10-26 09:00")][-1] == "breached"


def test_rows_only_once_the_window_has_opened(con):
    # eve's hand-over at 11-02 09:00 does not exist (no next piece); dan -> eve's window opens
    # at 10-25 09:00
    set_as_of(con, "2026-10-25 08:59")
    assert ("core", ts("2026-10-26 09:00")) not in _compliance(con)
    set_as_of(con, "2026-10-25 09:00")
    assert _compliance(con)["core", ts("2026-10-26 09:00")][-1] == "pending"


def test_the_policy_window_is_configurable():
    con = warehouse(shifts=SHIFTS, policy=Policy(handoff_before_hours=26.0))
    _notes(con, [("core", "ann", "bob", "2026-10-11 08:00")])  # 25 h before
    set_as_of(con, "2026-11-01 00:00")
    assert _compliance(con)["core", ts("2026-10-12 09:00")][-1] == "met"


# ------------------------------------------------------------------------- ingest


def _write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_ingest_loads_notes_warns_on_a_wrong_to_and_rejects_a_bad_one(tmp_path):
    raw = tmp_path / "raw"
    _write(
        raw,
        "rotations/core.csv",
        "team,engineer,start,end,override\n"
        "core,ann,2026-10-05 09:00,2026-10-12 09:00,false\n"
        "core,bob,2026-10-12 09:00,2026-10-19 09:00,false\n",
    )
    _write(
        raw, "handoffs/w42.md", "TEAM: core\nFROM: ann\nTO: cat\nWRITTEN: 2026-10-12 08:00\n\nok\n"
    )
    _write(raw, "handoffs/bad.md", "TEAM: core\nFROM: ann\n\nno date\n")
    db = tmp_path / "w.duckdb"
    result = run_cli("ingest", str(raw), "--db", str(db))
    assert result.returncode == 1, result.stderr
    assert "handoffs/bad.md:1: WRITTEN: is missing" in result.stdout + result.stderr
    assert "handoffs/w42.md:4: TO 'cat', but bob took over at 2026-10-12 09:00 UTC" in (
        result.stdout + result.stderr
    )
    with duckdb.connect(str(db), read_only=True) as c:
        assert c.execute("select count(*) from src_handoffs").fetchone()[0] == 1
        rows = c.execute("select status, note_at from handoff_compliance").fetchall()
        assert rows == [("met", ts("2026-10-12 08:00"))]
        cov = c.execute(
            "select first_at, rows from data_coverage where source = 'handoffs'"
        ).fetchall()
        assert cov == [(ts("2026-10-12 08:00"), 1)]
