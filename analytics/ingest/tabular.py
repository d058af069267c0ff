"""Set-based loading of the tabular inputs (pages, rotations, people) in DuckDB.

A file is read by DuckDB (``read_csv``/``read_json``/``read_parquet``) into a TEMP staging
table with every column as text, checked and cast in SQL, and the good rows are returned
as a TEMP table ready to insert. Bad rows become ``file:line: reason`` rejections; the
good rows of the same file still load. No Python loop touches the rows.

Line numbers: for CSV, the physical line (header = line 1), which holds while no quoted
cell spans lines; for JSON and Parquet, the record's 1-based position.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from analytics import countries
from analytics.errors import InputError

# Every SQL fragment below is assembled from these constants only; file paths and values
# are always bound parameters.


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # text | name | code | ts | bool
    required: bool = False


@dataclass(frozen=True)
class TableSpec:
    kind: str
    columns: tuple[Column, ...]
    key: str | None  # unique within the batch (page_id); None for no key
    example: str


PAGES = TableSpec(
    "pages",
    (
        Column("page_id", "text", True),
        Column("sent_at", "ts", True),
        Column("recipient", "text", True),
        Column("team", "name", True),
        Column("service", "name"),
        Column("incident_id", "text"),
        Column("acknowledged_at", "ts"),
        Column("acknowledged_by", "text"),
        Column("escalated_at", "ts"),
        Column("urgency", "text"),
    ),
    key="page_id",
    example="page_id,sent_at,recipient,team",
)

ROTATIONS = TableSpec(
    "rotations",
    (
        Column("team", "name", True),
        Column("engineer", "text", True),
        Column("start", "ts", True),
        Column("end", "ts", True),
        Column("override", "bool"),
    ),
    key=None,
    example="team,engineer,start,end,override",
)

PEOPLE = TableSpec(
    "people",
    (
        Column("engineer", "text", True),
        Column("employee_id", "text"),
        Column("team", "name"),
        Column("timezone", "text"),
        Column("email", "text"),
        Column("country", "code"),
    ),
    key=None,
    example="engineer,employee_id,team,timezone,email,country",
)

SPECS = {spec.kind: spec for spec in (PAGES, ROTATIONS, PEOPLE)}

TS_FORMS = "e.g. 2026-11-03T14:05:00Z, 2026-11-03 14:05 UTC or 2026-11-03T15:05:00+01:00"

# Casts for one column kind; `{c}` is a quoted column identifier of the staging table.
_CAST = {
    "text": "nullif(trim({c}), '')",
    "name": "nullif(lower(trim({c})), '')",
    "code": "nullif(upper(trim({c})), '')",
    # DuckDB's cast reads Z, +01:00, +0100 and ' UTC'; the regex is only for what it does not.
    "ts": "coalesce(try_cast(trim({c}) as timestamptz), "
    "try_cast(regexp_replace(trim({c}), '\\s*(utc|z)$', '+00:00', 'i') as timestamptz))",
    "bool": "case lower(trim(coalesce({c}, ''))) "
    "when '' then false when 'true' then true when 'yes' then true when '1' then true "
    "when 'false' then false when 'no' then false when '0' then false end",
}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_path(path: Path) -> str:
    """A file path as a SQL string literal (views cannot hold bound parameters)."""
    return "'" + str(path).replace("'", "''") + "'"


def ensure_macros(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create or replace temp macro ia_ts(s) as " + _CAST["ts"].format(c="s"))


def _reader_sql(path: Path, *, parallel: bool = True) -> tuple[str, int]:
    """The SELECT reading a file, and what to add to a staged row's rowid to get its line.

    DuckDB keeps insertion order, so the staging table's rowid is the row's position in the
    file: line numbers for free (a ``row_number() over ()`` would run on one thread) when every
    record is one line; :func:`_fix_line_numbers` corrects them when it is not. DuckDB's
    parallel reader stops at a quoted line break when ``null_padding`` is on; :func:`stage`
    reads such a file again with ``parallel=False``.
    """
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return (
            "select * from read_csv($path, header = true, "
            "all_varchar = true, auto_detect = true, null_padding = true, "
            "strict_mode = false, quote = '\"', escape = '\"', comment = '', encoding = 'utf-8'"
            + ("" if parallel else ", parallel = false")
            + ")",
            2,  # the header is line 1
        )
    if suffix == ".json":
        return "select * from read_json_auto($path)", 1
    if suffix == ".parquet":
        return "select * from read_parquet($path)", 1
    raise InputError(path, 1, f"unsupported file type '{suffix}' (expected .csv, .json, .parquet)")


def _count_lines(path: Path) -> int:
    """Physical lines of a file (a last line without its newline counts)."""
    count, last = 0, b"\n"
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n")


def _record_lines(path: Path) -> list[int]:
    """The first line of every data record of a CSV file, as DuckDB reads it: a blank line is
    no record, a quoted cell may span lines."""
    starts: list[int] = []
    with path.open(newline="", encoding="utf-8", errors="replace") as fh:
        reader = csv.reader(fh)
        consumed = 0
        for record in reader:
            first, consumed = consumed + 1, reader.line_num
            if record:
                starts.append(first)
    return starts[1:]  # the header is a record too


def _fix_line_numbers(con: duckdb.DuckDBPyConnection, table: str, path: Path) -> None:
    """Make ``rowid + __off`` each record's own first line when a CSV's records are not one
    line each (blank lines, quoted line breaks).

    Called only for a file with rejections: counting its lines is the cheap check, the pass in
    Python that finds where each record starts runs only when the count disagrees.
    """
    rows = con.execute(f"select count(*) from {table}").fetchall()[0][0]
    if _count_lines(path) == rows + 1:
        return
    starts = _record_lines(path)
    if len(starts) != rows:  # not the records DuckDB read: keep the numbers as they are
        return
    mapping = pa.table(
        {"rid": pa.array(range(rows), pa.int64()), "line": pa.array(starts, pa.int64())}
    )
    con.register("__record_lines", mapping)
    try:
        con.execute(
            f"update {table} as t set __off = m.line - m.rid "
            "from __record_lines as m where t.rowid = m.rid"
        )
    finally:
        con.unregister("__record_lines")


def stage(
    con: duckdb.DuckDBPyConnection, spec: TableSpec, path: Path, display: str
) -> tuple[str, list[str]]:
    """Read and check one file; return (TEMP staging table, rejection lines).

    The staging table has the spec's columns (cast, cleaned), ``__reason`` (NULL for a good
    row; :func:`good_rows` selects those, with ``line_no``) and ``__off`` (rowid to line).
    Columns ``start``/``end``/``override`` of rotations are renamed ``start_at``/``end_at``/
    ``is_override``.

    Raises:
        InputError: The whole file is unusable (unreadable, empty, missing required columns).
    """
    if path.stat().st_size == 0:
        raise InputError(display, 1, "file is empty")
    try:
        # A view, not a table: the file is read once, by the checking pass below.
        reader, line_offset = _reader_sql(path)
        reader = reader.replace("$path", quote_path(path))
        con.execute(f"create or replace temp view __raw as {reader}")
        con.execute("select * from __raw limit 0")
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0]
        raise InputError(display, 1, f"cannot read as {spec.kind}: {first}") from exc

    raw_cols = [r[0] for r in con.execute("select * from __raw limit 0").description]
    by_lower = {c.strip().lower(): c for c in raw_cols}
    missing = [c.name for c in spec.columns if c.required and c.name not in by_lower]
    if missing:
        raise InputError(
            display,
            1,
            f"missing required column(s) {', '.join(missing)}; the header must name at least "
            f"{', '.join(c.name for c in spec.columns if c.required)} (found: "
            f"{', '.join(raw_cols) or 'nothing'})",
        )

    out_name = {"start": "start_at", "end": "end_at", "override": "is_override"}
    selects, checks = [], []
    for col in spec.columns:
        src = by_lower.get(col.name)
        if src is None:
            expr = "false" if col.kind == "bool" else "null"
            cast_type = {"ts": "timestamptz", "bool": "boolean"}.get(col.kind, "varchar")
            selects.append(f"{expr}::{cast_type} as {_q(out_name.get(col.name, col.name))}")
            continue
        rawc = f"cast({_q(src)} as varchar)"
        cast = _CAST[col.kind].format(c=rawc)
        selects.append(f"{cast} as {_q(out_name.get(col.name, col.name))}")
        present = f"nullif(trim({rawc}), '') is not null"
        if col.required:
            checks.append(f"when not ({present}) then '{col.name} is empty (required)'")
        if col.kind == "ts":
            checks.append(
                f"when {present} and {cast} is null then '{col.name} ' || "
                f"'''' || {rawc} || '''' || ' is not a timestamp ({TS_FORMS})'"
            )
        if col.kind == "bool":
            checks.append(
                f"when ({cast}) is null then '{col.name} ' || '''' || {rawc} || '''' || "
                "' is not true/false'"
            )
    if spec.kind == "rotations":
        s, e = (
            _CAST["ts"].format(c=f"cast({_q(by_lower['start'])} as varchar)"),
            _CAST["ts"].format(c=f"cast({_q(by_lower['end'])} as varchar)"),
        )
        checks.append(f"when {e} <= {s} then 'end is not after start'")
    if spec.kind == "people" and "timezone" in by_lower:
        tz = f"nullif(trim(cast({_q(by_lower['timezone'])} as varchar)), '')"
        checks.append(
            f"when {tz} is not null and {tz} not in (select name from pg_timezone_names()) "
            f"then 'timezone ' || '''' || {tz} || '''' || "
            "' is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)'"
        )
    if spec.kind == "people" and "country" in by_lower:
        raw_country = f"cast({_q(by_lower['country'])} as varchar)"
        code = _CAST["code"].format(c=raw_country)
        codes = countries.register_codes(con)
        checks.append(
            f"when {code} is not null and {code} not in (select code from {codes}) "
            f"then 'country ' || '''' || trim({raw_country}) || '''' || ' is not accepted: "
            f"{countries.ACCEPTED_FORM}'"
        )
    reason = "case " + " ".join(checks) + " end" if checks else "null"

    def check() -> None:
        con.execute(
            f"create or replace temp table __checked as select {', '.join(selects)}, "
            f"{reason} as __reason, null::bigint as __first, {int(line_offset)} as __off "
            "from __raw"
        )

    try:
        try:
            check()
        except duckdb.Error:
            if path.suffix.lower() != ".csv":
                raise
            # DuckDB's parallel reader stops at a quoted line break (with null_padding):
            # read such a file again, serially
            reader, _ = _reader_sql(path, parallel=False)
            reader = reader.replace("$path", quote_path(path))
            con.execute(f"create or replace temp view __raw as {reader}")
            check()
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0]
        raise InputError(display, 1, f"cannot read as {spec.kind}: {first}") from exc
    table = f"__checked_{spec.kind}_{abs(hash(display)) % 10**8}"
    con.execute(f"alter table __checked rename to {table}")
    key = spec.key or ("engineer" if spec.kind == "people" else None)
    if key:
        # Repeated keys: a grouped pass finds them (much cheaper than a window over all rows).
        key_expr = f"lower({_q(key)})" if spec.kind == "people" else _q(key)
        con.execute(
            f"""
            update {table} as t
            set __reason = '{key} ''' || t.{_q(key)} || ''' repeats line ',
                __first = d.first_row
            from (
                select {key_expr} as k, min(rowid) as first_row
                from {table} where {_q(key)} is not null
                group by 1 having count(*) > 1
            ) as d
            where {key_expr.replace(_q(key), "t." + _q(key))} = d.k
                and t.rowid > d.first_row and t.__reason is null
            """
        )
    rejections: list[str] = []
    if con.execute(f"select count(*) from {table} where __reason is not null").fetchall()[0][0]:
        if path.suffix.lower() == ".csv":
            _fix_line_numbers(con, table, path)
        rejections = [
            f"{display}:{line}: {reason}{'' if first is None else first}"
            for line, reason, first in con.execute(
                f"""
                select t.rowid + t.__off, t.__reason, f.rowid + f.__off
                from {table} as t
                left join {table} as f on f.rowid = t.__first
                where t.__reason is not null
                order by t.rowid
                """
            ).fetchall()
        ]
    con.execute("drop view __raw")
    return table, rejections


def good_rows(table: str, con: duckdb.DuckDBPyConnection) -> str:
    """A SELECT of the good rows of a staged table: its columns and ``line_no``."""
    cols = [r[0] for r in con.execute(f"select * from {table} limit 0").description]
    return (
        f"select {', '.join(_q(c) for c in cols if not c.startswith('__'))}, "
        f"rowid + __off as line_no from {table} where __reason is null"
    )
