"""Rotation rows in, resolved on-call shifts and rotation findings out (docs/inputs.md).

The resolution is set-based DuckDB SQL in ``sql/intermediate/`` (``rotation_pieces``,
``oncall_shifts``, ``rotation_findings``: the models of kind ``table``, which
:func:`analytics.sqlgraph.install` refills from ``stg_rotations`` in their declared order).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from analytics import sqlgraph

if TYPE_CHECKING:
    import duckdb


def derive_rotations(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rebuild ``oncall_shifts`` and ``rotation_findings`` from ``src_rotations`` (through the
    staging view ``stg_rotations``).

    Runs inside the caller's transaction (no BEGIN/COMMIT here), so a failed ingest leaves the
    previous shifts in place. The result does not depend on the session time zone; the
    connection should still have ``SET TimeZone='UTC'`` like every warehouse connection.

    Args:
        con: An open read-write connection to a warehouse created from ``sql/schema.sql``.

    Returns:
        ``{"shifts": rows in oncall_shifts, "gaps": gap findings, "overlaps": overlap
        findings}``.
    """
    # rotation_pieces(with_overrides), the decomposition both tables share, is a TEMP macro:
    # it needs no schema change and exists on a warehouse's first ingest too. It reads the
    # staging view stg_rotations, built here (with the macros it uses) before the other views.
    sqlgraph.install(con, sqlgraph.DERIVED_KINDS, upstream=True)
    # fetchall, not fetchone: duckdb 2 refuses further work while a result is unfinished.
    [(shifts,)] = con.execute("select count(*) from oncall_shifts").fetchall()
    [(gaps, overlaps)] = con.execute(
        "select count(*) filter (where kind = 'gap'), count(*) filter (where kind = 'overlap')"
        " from rotation_findings"
    ).fetchall()
    return {"shifts": shifts, "gaps": gaps, "overlaps": overlaps}
