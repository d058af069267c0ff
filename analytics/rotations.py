"""Rotation rows in, resolved on-call shifts and rotation findings out (SPEC §3.3, §5, §11).

The resolution is set-based DuckDB SQL in ``sql/derive/``; this module only runs it against
``src_rotations`` and replaces ``oncall_shifts`` and ``rotation_findings`` with the result.
"""

from __future__ import annotations

from importlib.resources import files
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

_DERIVE = files("analytics") / "sql" / "derive"


def _derive_sql(name: str) -> str:
    return (_DERIVE / name).read_text(encoding="utf-8")


def derive_rotations(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rebuild ``oncall_shifts`` and ``rotation_findings`` from ``src_rotations``.

    Runs inside the caller's transaction (no BEGIN/COMMIT here), so a failed ingest leaves the
    previous shifts in place. The result does not depend on the session time zone; the
    connection should still have ``SET TimeZone='UTC'`` like every warehouse connection.

    Args:
        con: An open read-write connection to a warehouse created from ``sql/schema.sql``.

    Returns:
        ``{"shifts": rows in oncall_shifts, "gaps": gap findings, "overlaps": overlap
        findings}``.
    """
    # rotation_pieces(with_overrides): the decomposition both files share (a TEMP macro,
    # so it needs no schema change and exists on a warehouse's first ingest too).
    con.execute(_derive_sql("rotation_pieces.sql"))
    shifts_sql = _derive_sql("oncall_shifts.sql")
    findings_sql = _derive_sql("rotation_findings.sql")
    # The file text is wrapped on its own lines: it opens and may end with "--" comments.
    con.execute("delete from oncall_shifts")
    con.execute(
        "insert into oncall_shifts (team, engineer, start_at, end_at, is_override)\n"
        "select * from (\n" + shifts_sql + "\n)"
    )
    con.execute("delete from rotation_findings")
    con.execute(
        "insert into rotation_findings (team, kind, start_at, end_at, detail, source_file)\n"
        "select * from (\n" + findings_sql + "\n)"
    )
    # fetchall, not fetchone: duckdb 2 refuses further work while a result is unfinished.
    [(shifts,)] = con.execute("select count(*) from oncall_shifts").fetchall()
    [(gaps, overlaps)] = con.execute(
        "select count(*) filter (where kind = 'gap'), count(*) filter (where kind = 'overlap')"
        " from rotation_findings"
    ).fetchall()
    return {"shifts": shifts, "gaps": gaps, "overlaps": overlaps}
