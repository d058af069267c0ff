"""Rotation rows → oncall_shifts and rotation_findings (analytics.rotations, sql/intermediate/).

Expected rows are worked out by hand in the comments; the hypothesis properties compare the SQL
with a brute-force resolver written the obvious way (one elementary interval at a time).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.rotations import derive_rotations

SCHEMA = Path(__file__).resolve().parents[1] / "analytics" / "sql" / "schema.sql"
MON = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday, 00:00 UTC


def h(hours: float) -> datetime:
    """The instant `hours` after Monday 2026-01-05 00:00 UTC."""
    return MON + timedelta(hours=hours)


def warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    con.execute(SCHEMA.read_text(encoding="utf-8"))
    return con


@pytest.fixture
def con():
    con = warehouse()
    yield con
    con.close()


def load(con, rows, source_file="rotations/team.csv"):
    """rows: (team, engineer, start_at, end_at, is_override); line_no = position + 2."""
    if not rows:
        return
    con.executemany(
        "insert into src_rotations "
        "(team, engineer, start_at, end_at, is_override, line_no, source_file) "
        "values ($team, $engineer, $start_at, $end_at, $is_override, $line_no, $source_file)",
        [
            {
                "team": team,
                "engineer": engineer,
                "start_at": start_at,
                "end_at": end_at,
                "is_override": is_override,
                "line_no": i + 2,
                "source_file": source_file,
            }
            for i, (team, engineer, start_at, end_at, is_override) in enumerate(rows)
        ],
    )


def shifts(con):
    return con.execute(
        "select team, engineer, start_at, end_at, is_override from oncall_shifts "
        "order by team, start_at"
    ).fetchall()


def findings(con, kind=None):
    rows = con.execute(
        "select team, kind, start_at, end_at, detail, source_file from rotation_findings "
        "order by team, start_at, kind"
    ).fetchall()
    return [r for r in rows if kind is None or r[1] == kind]


def test_plain_week_is_one_168_hour_shift(con):
    load(con, [("ops", "alice", h(0), h(168), False)])
    assert derive_rotations(con) == {"shifts": 1, "gaps": 0, "overlaps": 0}
    assert shifts(con) == [("ops", "alice", h(0), h(168), False)]
    [(hours,)] = con.execute(
        "select sum(epoch(end_at) - epoch(start_at)) / 3600 from oncall_shifts"
    ).fetchall()
    assert hours == 168


def test_two_consecutive_weeks_hand_over_at_monday_midnight(con):
    load(con, [("ops", "alice", h(0), h(168), False), ("ops", "bob", h(168), h(336), False)])
    assert derive_rotations(con) == {"shifts": 2, "gaps": 0, "overlaps": 0}
    assert shifts(con) == [
        ("ops", "alice", h(0), h(168), False),
        ("ops", "bob", h(168), h(336), False),
    ]


def test_same_engineer_two_weeks_running_is_one_interval(con):
    load(con, [("ops", "alice", h(0), h(168), False), ("ops", "alice", h(168), h(336), False)])
    assert derive_rotations(con)["shifts"] == 1
    assert shifts(con) == [("ops", "alice", h(0), h(336), False)]


def test_override_in_the_middle_of_a_week_splits_it_in_three(con):
    # alice Mon 00:00 → next Mon 00:00; bob overrides Wed 10:00 → Wed 15:00 (5 h):
    # alice [Mon 00:00, Wed 10:00) = 58 h, bob [Wed 10:00, Wed 15:00), alice [Wed 15:00, Mon).
    load(con, [("ops", "alice", h(0), h(168), False), ("ops", "bob", h(58), h(63), True)])
    assert derive_rotations(con) == {"shifts": 3, "gaps": 0, "overlaps": 0}
    wed_10, wed_15 = datetime(2026, 1, 7, 10, tzinfo=UTC), datetime(2026, 1, 7, 15, tzinfo=UTC)
    assert shifts(con) == [
        ("ops", "alice", datetime(2026, 1, 5, tzinfo=UTC), wed_10, False),
        ("ops", "bob", wed_10, wed_15, True),
        ("ops", "alice", wed_15, datetime(2026, 1, 12, tzinfo=UTC), False),
    ]


def test_override_spanning_the_handover(con):
    # alice week 1, bob week 2; carol covers Sun 20:00 → Mon 04:00 across the handover at 168 h.
    load(
        con,
        [
            ("ops", "alice", h(0), h(168), False),
            ("ops", "bob", h(168), h(336), False),
            ("ops", "carol", h(164), h(172), True),
        ],
    )
    assert derive_rotations(con) == {"shifts": 3, "gaps": 0, "overlaps": 0}
    assert shifts(con) == [
        ("ops", "alice", h(0), h(164), False),
        ("ops", "carol", h(164), h(172), True),
        ("ops", "bob", h(172), h(336), False),
    ]


def test_two_overlapping_overrides_later_start_wins(con):
    # alice's week; bob overrides 10 → 20 h, carol 15 → 25 h: carol started later, so she
    # takes 15 → 25 and bob keeps 10 → 15.
    load(
        con,
        [
            ("ops", "alice", h(0), h(168), False),
            ("ops", "bob", h(10), h(20), True),
            ("ops", "carol", h(15), h(25), True),
        ],
    )
    assert derive_rotations(con) == {"shifts": 4, "gaps": 0, "overlaps": 0}
    assert shifts(con) == [
        ("ops", "alice", h(0), h(10), False),
        ("ops", "bob", h(10), h(15), True),
        ("ops", "carol", h(15), h(25), True),
        ("ops", "alice", h(25), h(168), False),
    ]


def test_override_nested_in_a_longer_override_later_start_wins(con):
    # bob overrides 10 → 30 h, carol 12 → 14 h inside it: carol started later.
    load(
        con,
        [
            ("ops", "alice", h(0), h(48), False),
            ("ops", "bob", h(10), h(30), True),
            ("ops", "carol", h(12), h(14), True),
        ],
    )
    derive_rotations(con)
    assert shifts(con) == [
        ("ops", "alice", h(0), h(10), False),
        ("ops", "bob", h(10), h(12), True),
        ("ops", "carol", h(12), h(14), True),
        ("ops", "bob", h(14), h(30), True),
        ("ops", "alice", h(30), h(48), False),
    ]


def test_overrides_starting_together_later_line_wins(con):
    # bob (line 3) and carol (line 4) both override 10 → 20 h: carol's line is later.
    load(
        con,
        [
            ("ops", "alice", h(0), h(48), False),
            ("ops", "bob", h(10), h(20), True),
            ("ops", "carol", h(10), h(20), True),
        ],
    )
    derive_rotations(con)
    assert ("ops", "carol", h(10), h(20), True) in shifts(con)
    assert [r for r in shifts(con) if r[1] == "bob"] == []


def test_overlapping_weeks_later_start_wins_and_is_reported(con):
    # alice's week runs to Mon 168 h but bob's starts Sun 160 h: bob takes over at 160 h.
    load(con, [("ops", "alice", h(0), h(168), False), ("ops", "bob", h(160), h(336), False)])
    assert derive_rotations(con) == {"shifts": 2, "gaps": 0, "overlaps": 1}
    assert shifts(con) == [
        ("ops", "alice", h(0), h(160), False),
        ("ops", "bob", h(160), h(336), False),
    ]
    assert findings(con) == [
        (
            "ops",
            "overlap",
            h(160),
            h(168),
            "alice and bob both on call (non-override); later start wins: bob",
            "rotations/team.csv",
        )
    ]


def test_non_override_rows_starting_together_later_line_wins(con):
    load(con, [("ops", "alice", h(0), h(24), False), ("ops", "bob", h(0), h(24), False)])
    assert derive_rotations(con) == {"shifts": 1, "gaps": 0, "overlaps": 1}
    assert shifts(con) == [("ops", "bob", h(0), h(24), False)]
    [overlap] = findings(con, "overlap")
    assert overlap[4] == "alice and bob both on call (non-override); later start wins: bob"


def test_an_override_over_an_overlap_still_reports_the_overlap(con):
    # alice and bob overlap 160 → 168 h; carol's override covers it all. Overrides overlap by
    # design (no finding for them) but the two plain rows still clash in the data.
    load(
        con,
        [
            ("ops", "alice", h(0), h(168), False),
            ("ops", "bob", h(160), h(336), False),
            ("ops", "carol", h(150), h(170), True),
        ],
    )
    assert derive_rotations(con) == {"shifts": 3, "gaps": 0, "overlaps": 1}
    assert shifts(con) == [
        ("ops", "alice", h(0), h(150), False),
        ("ops", "carol", h(150), h(170), True),
        ("ops", "bob", h(170), h(336), False),
    ]


def test_three_way_overlap_is_one_finding_naming_everyone(con):
    # alice 0 → 100 h, bob 10 → 60 h, carol 50 → 70 h: two or more on call over [10, 70);
    # bob wins 10 → 50 h, carol (latest start) 50 → 70 h, then alice again.
    load(
        con,
        [
            ("ops", "alice", h(0), h(100), False),
            ("ops", "bob", h(10), h(60), False),
            ("ops", "carol", h(50), h(70), False),
        ],
    )
    assert derive_rotations(con) == {"shifts": 4, "gaps": 0, "overlaps": 1}
    assert [r[1:4] for r in shifts(con)] == [
        ("alice", h(0), h(10)),
        ("bob", h(10), h(50)),
        ("carol", h(50), h(70)),
        ("alice", h(70), h(100)),
    ]
    [overlap] = findings(con, "overlap")
    assert overlap[2:5] == (
        h(10),
        h(70),
        "alice, bob and carol all on call (non-override); later start wins: bob, then carol",
    )


def test_short_gap_is_reported_in_minutes(con):
    load(con, [("ops", "alice", h(0), h(24), False), ("ops", "bob", h(24.25), h(48), False)])
    derive_rotations(con)
    assert [r[4] for r in findings(con)] == ["nobody on call for 15.0 min"]


def test_gap_pays_nobody_and_is_reported(con):
    # alice to Sunday 18:00 (162 h), bob from Monday 00:00 (168 h): 6 h with nobody on call.
    load(
        con,
        [("ops", "alice", h(0), h(162), False), ("ops", "bob", h(168), h(336), False)],
        source_file="rotations/ops.csv",
    )
    assert derive_rotations(con) == {"shifts": 2, "gaps": 1, "overlaps": 0}
    assert shifts(con) == [
        ("ops", "alice", h(0), h(162), False),
        ("ops", "bob", h(168), h(336), False),
    ]
    assert findings(con) == [
        ("ops", "gap", h(162), h(168), "nobody on call for 6.0 h", "rotations/ops.csv")
    ]


def test_override_inside_a_gap_fills_only_its_own_hours(con):
    # gap 162 → 168 h; carol's override 164 → 166 h is on call; the gap is reported whole
    # minus her two hours: [162, 164) and [166, 168).
    load(
        con,
        [
            ("ops", "alice", h(0), h(162), False),
            ("ops", "bob", h(168), h(336), False),
            ("ops", "carol", h(164), h(166), True),
        ],
    )
    assert derive_rotations(con) == {"shifts": 3, "gaps": 2, "overlaps": 0}
    assert [(r[2], r[3]) for r in findings(con, "gap")] == [(h(162), h(164)), (h(166), h(168))]
    assert ("ops", "carol", h(164), h(166), True) in shifts(con)


def test_teams_are_resolved_independently(con):
    # db's override does not touch web; web's gap is not db's.
    load(
        con,
        [
            ("db", "alice", h(0), h(168), False),
            ("db", "bob", h(10), h(15), True),
            ("web", "carol", h(0), h(100), False),
            ("web", "dave", h(120), h(168), False),
        ],
    )
    assert derive_rotations(con) == {"shifts": 5, "gaps": 1, "overlaps": 0}
    assert shifts(con) == [
        ("db", "alice", h(0), h(10), False),
        ("db", "bob", h(10), h(15), True),
        ("db", "alice", h(15), h(168), False),
        ("web", "carol", h(0), h(100), False),
        ("web", "dave", h(120), h(168), False),
    ]
    assert [(r[0], r[2], r[3]) for r in findings(con)] == [("web", h(100), h(120))]


def test_zero_length_and_backwards_rows_are_ignored(con):
    load(
        con,
        [
            ("ops", "alice", h(0), h(24), False),
            ("ops", "bob", h(10), h(10), True),
            ("ops", "carol", h(30), h(20), False),
        ],
    )
    assert derive_rotations(con) == {"shifts": 1, "gaps": 0, "overlaps": 0}
    assert shifts(con) == [("ops", "alice", h(0), h(24), False)]


def test_rerun_replaces_rather_than_appends(con):
    load(con, [("ops", "alice", h(0), h(168), False)])
    derive_rotations(con)
    con.execute("delete from src_rotations")
    load(con, [("ops", "bob", h(0), h(24), False), ("ops", "carol", h(30), h(40), False)])
    assert derive_rotations(con) == {"shifts": 2, "gaps": 1, "overlaps": 0}
    assert [r[1] for r in shifts(con)] == ["bob", "carol"]
    assert len(findings(con)) == 1


def test_empty_rotations_give_empty_tables(con):
    assert derive_rotations(con) == {"shifts": 0, "gaps": 0, "overlaps": 0}


def test_runs_inside_the_callers_transaction(con):
    load(con, [("ops", "alice", h(0), h(168), False)])
    derive_rotations(con)
    con.execute("begin")
    con.execute("delete from src_rotations")
    assert derive_rotations(con)["shifts"] == 0
    con.execute("rollback")
    assert shifts(con) == [("ops", "alice", h(0), h(168), False)]


# ---- properties ---------------------------------------------------------------------------

Row = tuple[str, str, int, int, bool]  # team, engineer, start hour, end hour, is_override

rows_strategy = st.lists(
    st.tuples(
        st.sampled_from(["db", "web"]),
        st.sampled_from(["alice", "bob", "carol", "dave"]),
        st.integers(0, 60),
        st.integers(1, 30),
        st.booleans(),
    ).map(lambda r: (r[0], r[1], r[2], r[2] + r[3], r[4])),
    max_size=12,
)


def union(intervals):
    merged = []
    for s, e in sorted(intervals):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [tuple(m) for m in merged]


def reference(rows: list[Row]):
    """Brute force: the winner of every elementary interval, then adjacent runs merged."""
    out = []
    for team in sorted({r[0] for r in rows}):
        team_rows = [(i, r) for i, r in enumerate(rows) if r[0] == team]
        cuts = sorted({r[2] for _, r in team_rows} | {r[3] for _, r in team_rows})
        for s, e in pairwise(cuts):
            covering = [(r[4], r[2], i, r[1]) for i, r in team_rows if r[2] <= s and e <= r[3]]
            if not covering:
                continue
            is_override, _, _, engineer = max(covering)
            if out and out[-1][0:2] == (team, engineer) and out[-1][3:] == (s, is_override):
                out[-1] = (team, engineer, out[-1][2], e, is_override)
            else:
                out.append((team, engineer, s, e, is_override))
    return out


def hours_since_mon(at: datetime) -> int:
    return round((at - MON).total_seconds() / 3600)


def resolved_hours(con):
    return [
        (team, engineer, hours_since_mon(s), hours_since_mon(e), is_override)
        for team, engineer, s, e, is_override in shifts(con)
    ]


PROPERTY_SETTINGS = settings(
    max_examples=50,
    derandomize=True,
    deadline=None,
    # the warehouse is reset by fresh() at the start of every example
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def shared_con():
    # one warehouse for all examples: building the schema costs more than resolving 12 rows
    con = warehouse()
    yield con
    con.close()


def fresh(con, rows):
    con.execute("delete from src_rotations")
    load(con, [(t, n, h(s), h(e), o) for t, n, s, e, o in rows])


@PROPERTY_SETTINGS
@given(rows=rows_strategy)
def test_resolution_properties(shared_con, rows):
    con = shared_con
    fresh(con, rows)
    counts = derive_rotations(con)
    got = resolved_hours(con)
    assert counts["shifts"] == len(got)
    assert got == reference(rows)
    for team in {r[0] for r in rows}:
        team_rows = [r for r in rows if r[0] == team]
        team_shifts = [g for g in got if g[0] == team]
        # resolved shifts never overlap within a team (sorted by start)
        for a, b in pairwise(team_shifts):
            assert a[3] <= b[2]
        # each resolved instant is covered by some input row
        covered = union([(r[2], r[3]) for r in team_rows])
        for g in team_shifts:
            assert any(s <= g[2] and g[3] <= e for s, e in covered)
        # total resolved hours = measure of the union of input rows
        assert sum(g[3] - g[2] for g in team_shifts) == sum(e - s for s, e in covered)
        # an override is on call for every one of its hours: as itself, unless another override
        # covering that hour started later (or at the same time on a later line)
        overrides = [(r[2], i, r) for i, r in enumerate(rows) if r[0] == team and r[4]]
        for start, i, r in overrides:
            for hour in range(r[2], r[3]):
                [owner] = [g for g in team_shifts if g[2] <= hour < g[3]]
                assert owner[4] is True
                rivals = [(s2, i2) for s2, i2, o in overrides if o[2] <= hour < o[3]]
                if max(rivals) == (start, i):
                    assert owner[1] == r[1]


@PROPERTY_SETTINGS
@given(rows=rows_strategy)
def test_findings_properties(shared_con, rows):
    con = shared_con
    fresh(con, rows)
    counts = derive_rotations(con)
    got = [
        (team, kind, hours_since_mon(s), hours_since_mon(e))
        for team, kind, s, e, _, _ in findings(con)
    ]
    assert counts["gaps"] == sum(1 for g in got if g[1] == "gap")
    assert counts["overlaps"] == sum(1 for g in got if g[1] == "overlap")
    expected = []
    for team in sorted({r[0] for r in rows}):
        team_rows = [r for r in rows if r[0] == team]
        covered = union([(r[2], r[3]) for r in team_rows])
        expected += [(team, "gap", a[1], b[0]) for a, b in pairwise(covered)]
        plain = [r for r in team_rows if not r[4]]
        doubled = [
            (hour, hour + 1)
            for hour in range(0, 100)
            if sum(1 for r in plain if r[2] <= hour < r[3]) >= 2
        ]
        expected += [(team, "overlap", s, e) for s, e in union(doubled)]
    assert sorted(got) == sorted(expected)
