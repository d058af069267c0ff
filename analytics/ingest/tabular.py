"""Set-based loading of the tabular inputs (pages, rotations, people) in DuckDB.

A file is read by DuckDB (``read_csv``/``read_json``/``read_parquet``) into a TEMP staging
table, checked and cast in SQL, and the good rows are returned as a TEMP table ready to
insert. Bad rows become ``file:line: reason`` rejections; the good rows of the same file
still load. No Python loop touches the rows.

A CSV file is read first strictly, its timestamps typed by DuckDB's reader: a record with
more values than the header has columns is left out and named. Only a file with another bad
record or cell is read again with every column as text, for each bad row's exact reason.

Line numbers: for CSV, the physical line (header = line 1), which holds while no quoted
cell spans lines; for JSON and Parquet, the record's 1-based position.
"""

from __future__ import annotations

import contextlib
import csv
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa

from analytics import countries
from analytics.errors import InputError
from analytics.ingest.parsing import time_window
from analytics.ingest.readers import wide_row_reason
from analytics.policy import DEFAULT_POLICY

# Every SQL fragment below is assembled from these constants only; file paths and values
# are always bound parameters.


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # text | name | code | ts | bool | date | hours
    required: bool = False
    default: str | None = None  # what an empty or absent optional cell becomes (docs/inputs.md)


@dataclass(frozen=True)
class TableSpec:
    kind: str
    columns: tuple[Column, ...]
    key: str | None  # unique within the batch (page_id); None for no key
    example: str


TS_FORMS = "e.g. 2026-11-03T14:05:00Z, 2026-11-03 14:05 UTC or 2026-11-03T15:05:00+01:00"

# Casts for one column kind; `{c}` is a quoted column identifier of the staging table.
_CAST = {
    "text": "nullif(trim({c}), '')",
    "name": "nullif(lower(trim({c})), '')",
    "code": "nullif(upper(trim({c})), '')",
    # DuckDB's cast reads Z, +01:00, +0100 and ' UTC'; the regex is only for what it does not.
    "ts": "coalesce(try_cast(trim({c}) as timestamptz), "
    "try_cast(regexp_replace(trim({c}), '\\s*(utc|z)$', '+00:00', 'i') as timestamptz))",
    "date": "try_cast(trim({c}) as date)",
    # a number > 0 with at most 2 decimals (the check below rejects anything else: a cast
    # alone would round 1.234 silently)
    "hours": "case when regexp_full_match(trim({c}), '[0-9]+([.][0-9]{{0,2}})?|[.][0-9]{{1,2}}') "
    "then try_cast(trim({c}) as decimal(9, 2)) end",
    "bool": "case lower(trim(coalesce({c}, ''))) "
    "when '' then false when 'true' then true when 'yes' then true when '1' then true "
    "when 'false' then false when 'no' then false when '0' then false end",
}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


quote_ident = _q


def _literal(text: str) -> str:
    """A constant of this module (a column default) as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def quote_path(path: Path) -> str:
    """A file path as a SQL string literal (views cannot hold bound parameters)."""
    return "'" + str(path).replace("'", "''") + "'"


def literal_glob(path: Path) -> Path:
    """A path DuckDB's readers take literally: they expand ``*``, ``?`` and ``[...]`` as glob
    patterns, so a file named ``p[ab].csv`` would read ``pa.csv`` and ``pb.csv`` instead. Each
    such character becomes a one-character class (``[*]``), which matches only itself."""
    return Path("".join(f"[{c}]" if c in "*?[" else c for c in str(path)))


def ensure_macros(
    con: duckdb.DuckDBPyConnection,
    *,
    now: datetime | None = None,
    max_shift_days: int = DEFAULT_POLICY.rotations_max_shift_days,
) -> None:
    """The timestamp cast macro and the batch's limits (``__ingest_limits``: the sane window
    of timestamps around ``now``, the longest shift) that :func:`stage` checks rows against."""
    con.execute("create or replace temp macro ia_ts(s) as " + _CAST["ts"].format(c="s"))
    lo, hi, hi_rotations = time_window(now or datetime.now(UTC))
    con.execute(
        "create or replace temp table __ingest_limits as select $lo::timestamptz as lo, "
        "$hi::timestamptz as hi, $hi_rot::timestamptz as hi_rotations, "
        "$max_shift::interval as max_shift, $max_days::integer as max_shift_days",
        {
            "lo": lo,
            "hi": hi,
            "hi_rot": hi_rotations,
            "max_shift": timedelta(days=max_shift_days),
            "max_days": max_shift_days,
        },
    )


_CSV_DIALECT = "quote = '\"', escape = '\"', comment = '', encoding = 'utf-8'"
# Rejected records of the strict read (DuckDB's store_rejects): TEMP tables of these names.
_REJECTS = "rejects_table = '__csv_rejects', rejects_scan = '__csv_scans'"


def _csv_columns(names: list[str], types: list[str]) -> str:
    """The ``columns`` struct of read_csv: each header name (as a SQL string) and its type."""
    return "{" + ", ".join(f"{_literal(n)}: '{t}'" for n, t in zip(names, types, strict=True)) + "}"


def _typed_reader_sql(names: list[str], kinds: list[str | None]) -> str:
    """The SELECT of the first, strict read of a CSV file (header ``names``): a timestamp
    column read as TIMESTAMPTZ by DuckDB's own reader, the others as text; a record with more
    values than the header has columns (or fewer, or a timestamp it cannot read) left out and
    named in ``__csv_rejects`` with its byte position, the rest of the file read on.

    The all-text read of :func:`_reader_sql` pads a short record with NULLs (a trailing empty
    optional column may be left out) and reads a longer one positionally, its last value
    dropped: ``p2,...,Chen, Alice,payments`` stored recipient 'Chen' and team 'alice'.
    """
    columns = _csv_columns(names, ["TIMESTAMPTZ" if k == "ts" else "VARCHAR" for k in kinds])
    return (
        "select * from read_csv($path, header = true, delim = ',', auto_detect = false, "
        "strict_mode = true, null_padding = false, store_rejects = true, "
        + _REJECTS
        + ", columns = "
        + columns
        + ", "
        + _CSV_DIALECT
        + ")"
    )


def _reader_sql(
    path: Path, *, parallel: bool = True, names: list[str] | None = None
) -> tuple[str, int]:
    """The SELECT reading a file, and what to add to a staged row's rowid to get its line.

    DuckDB keeps insertion order, so the staging table's rowid is the row's position in the
    file: line numbers for free (a ``row_number() over ()`` would run on one thread) when every
    record is one line; :func:`_fix_line_numbers` corrects them when it is not. DuckDB's
    parallel reader stops at a quoted line break when ``null_padding`` is on; :func:`stage`
    reads such a file again with ``parallel=False``.

    The delimiter is the comma of docs/inputs.md, never sniffed: one line such as ``a;b;c;d``
    made DuckDB's sniffer pick ``;``, read the whole file as one column and reject it for
    "missing" every column its header names. The header of a CSV file is read by
    :func:`_csv_header` and given as ``names``: the sniffer took a short file's record with
    one value too many for its header, or counted a column the header does not name.
    """
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return (
            "select * from read_csv($path, header = true, delim = ',', "
            + (
                "auto_detect = false, columns = " + _csv_columns(names, ["VARCHAR"] * len(names))
                if names is not None
                else "all_varchar = true, auto_detect = true"
            )
            + ", null_padding = true, strict_mode = false, "
            + _CSV_DIALECT
            + ("" if parallel else ", parallel = false")
            + ")",
            2,  # the header is line 1
        )
    if suffix == ".json":
        return "select * from read_json_auto($path)", 1
    if suffix == ".parquet":
        return "select * from read_parquet($path)", 1
    raise InputError(path, 1, f"unsupported file type '{suffix}' (expected .csv, .json, .parquet)")


def _csv_header(path: Path) -> list[str] | None:
    """The column names of a CSV file's header (its first record), as DuckDB names them: an
    empty name is ``column<i>``, a repeated one gets ``_1``, ``_2``.

    None when the header is not one plain line of text: not text, empty, a quote left open
    (the record runs past line 1), or two names equal but for case (DuckDB's column names
    are case-insensitive). DuckDB's sniffer then reads the header, and the reader's own
    errors say what is wrong, at the line where it is."""
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        try:
            header = next(reader, [])
        except (csv.Error, UnicodeDecodeError):
            return None
        if reader.line_num != 1:
            return None
    if not header or any("\x00" in name for name in header):
        return None
    if len({name.lower() for name in header}) < len(set(header)):
        return None
    names: list[str] = []
    for i, name in enumerate(header):
        name = name or f"column{i}"
        base, n = name, 0
        while name in names:
            n += 1
            name = f"{base}_{n}"
        names.append(name)
    return names


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


def _csv_syntax_error(path: Path) -> tuple[int, str] | None:
    """The line and reason of the first quoting error in a CSV file, or None.

    DuckDB only says its reader failed ("Error when sniffing file"), at no line; a quote that
    is opened and never closed is the usual cause. Runs only after such a failure.
    """
    with path.open(newline="", encoding="utf-8", errors="replace") as fh:
        reader = csv.reader(fh, strict=True)
        first = 1
        try:
            for _record in reader:
                first = reader.line_num + 1
        except csv.Error as exc:
            text = str(exc)
            if "end of data" in text or "EOF" in text:
                return first, 'a quoted value opens on this line and is never closed (a missing ")'
            if "field limit" in text:
                return first, (
                    f"a quoted value opens on this line and runs on for over "
                    f'{csv.field_size_limit() // 1024} KiB (a missing ")'
                )
            return reader.line_num, f'bad quoting ({exc}); write a quote inside a value as ""'
    return None


def _unreadable(exc: duckdb.Error, path: Path, display: str, kind: str) -> InputError:
    """The rejection of a whole file DuckDB cannot read: at the line of a CSV quoting error
    when there is one, else at line 1 with DuckDB's first line."""
    where = _csv_syntax_error(path) if path.suffix.lower() == ".csv" else None
    line, reason = where or (1, str(exc).splitlines()[0])
    return InputError(display, line, f"cannot read as {kind}: {reason}")


def _fix_line_numbers(
    con: duckdb.DuckDBPyConnection, table: str, path: Path, display: str, kind: str
) -> None:
    """Make ``rowid + __off`` each record's own first line when a CSV's records are not one
    line each (blank lines, quoted line breaks).

    Called only for a file with rejections: counting its lines is the cheap check, the pass in
    Python that finds where each record starts runs only when the count disagrees.

    Raises:
        InputError: A quote opened and never closed: DuckDB read every line after it as one
            value (those rows silently gone, the row itself rejected for empty columns).
    """
    rows = con.execute(f"select count(*) from {table}").fetchall()[0][0]
    if _count_lines(path) == rows + 1:
        return
    where = _csv_syntax_error(path)
    if where is not None:
        raise InputError(display, where[0], f"cannot read as {kind}: {where[1]}")
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


_BOM = b"\xef\xbb\xbf"


def stage(
    con: duckdb.DuckDBPyConnection, spec: TableSpec, path: Path, display: str
) -> tuple[str, list[str]]:
    """Read and check one file (see :func:`_stage`).

    DuckDB's JSON reader does not skip a UTF-8 byte-order mark (its CSV reader does): such a
    file is read from a copy without it.
    """
    if path.suffix.lower() == ".json":
        with path.open("rb") as fh:
            has_bom = fh.read(3) == _BOM
        if has_bom:
            with tempfile.TemporaryDirectory(prefix="ia-json-") as tmp:
                copy = Path(tmp) / "records.json"
                with path.open("rb") as src, copy.open("wb") as dst:
                    src.seek(3)
                    shutil.copyfileobj(src, dst, 1 << 20)
                return _stage(con, spec, copy, display)
    return _stage(con, spec, path, display)


def _stage(
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
    csv_file = path.suffix.lower() == ".csv"
    names = _csv_header(path) if csv_file else None
    try:
        reader, _ = _reader_sql(path, names=names)
        reader = reader.replace("$path", quote_path(literal_glob(path)))
        raw_cols = [r[0] for r in con.execute(f"select * from ({reader}) limit 0").description]
    except duckdb.Error as exc:
        raise _unreadable(exc, path, display, spec.kind) from exc
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

    spec_kind = {c.name: c.kind for c in spec.columns}
    kinds = [spec_kind.get(c.strip().lower()) for c in raw_cols]
    table = f"__checked_{spec.kind}_{abs(hash(display)) % 10**8}"
    key = spec.key or ("engineer" if spec.kind == "people" else None)
    # CSV: first a strict, typed read, which stops at the first bad row: for a file without
    # one, the staged table and nothing else. Any other file is read again as text, and each
    # bad row gets its reason.
    wide: list[int] | None = None  # first lines of the records with too many values
    if csv_file and names is not None:
        done, wide = _stage_typed(con, spec, path, by_lower, raw_cols, kinds, key)
        if done:
            con.execute(f"alter table __checked rename to {table}")
            return table, []
    source, line_offset = _reader_sql(path, names=names)
    source = source.replace("$path", quote_path(literal_glob(path)))
    try:
        try:
            _check(con, spec, by_lower, source, line_offset)
        except duckdb.Error:
            if not csv_file:
                raise
            # DuckDB's parallel reader stops at a quoted line break (with null_padding):
            # read such a file again, serially
            source, _ = _reader_sql(path, parallel=False, names=names)
            source = source.replace("$path", quote_path(literal_glob(path)))
            _check(con, spec, by_lower, source, line_offset)
    except duckdb.Error as exc:
        raise _unreadable(exc, path, display, spec.kind) from exc
    if csv_file and wide is None:  # the strict read stopped early: a reader of its own
        wide = _wide_records(con, path, raw_cols)
    if wide:
        # read here positionally, their values shifted: rejected at their own lines
        _fix_line_numbers(con, "__checked", path, display, spec.kind)
        _mark_lines(con, "__checked", wide, wide_row_reason(len(raw_cols)))
    con.execute(f"alter table __checked rename to {table}")
    if key:
        _repeated_keys(con, table, key, lower=spec.kind == "people")
    rejections: list[str] = []
    if con.execute(f"select count(*) from {table} where __reason is not null").fetchall()[0][0]:
        if csv_file and not wide:
            _fix_line_numbers(con, table, path, display, spec.kind)
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
    return table, rejections


def _mark_lines(con: duckdb.DuckDBPyConnection, table: str, lines: list[int], why: str) -> None:
    """Reject the rows of a staged table that begin on ``lines`` (their first line) for ``why``,
    whatever else was wrong with them."""
    con.execute(
        f"update {table} set __reason = $why, __first = null "
        "where rowid + __off in (select unnest($lines::bigint[]))",
        {"why": why, "lines": lines},
    )


def _key_expr(key: str, *, lower: bool) -> str:
    """The key as rows are compared on it: lower-cased for people's names."""
    return f"lower({_q(key)})" if lower else _q(key)


def _repeated_keys(con: duckdb.DuckDBPyConnection, table: str, key: str, *, lower: bool) -> None:
    """Mark each row whose key repeats an earlier row's (``__first`` = that row's rowid)."""
    # Repeated keys: a grouped pass finds them (much cheaper than a window over all rows).
    key_expr = _key_expr(key, lower=lower)
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


def _stage_typed(
    con: duckdb.DuckDBPyConnection,
    spec: TableSpec,
    path: Path,
    by_lower: dict[str, str],
    names: list[str],
    kinds: list[str | None],
    key: str | None,
) -> tuple[bool, list[int] | None]:
    """The strict, typed read of a CSV file into ``__checked``: the spec's columns only.

    Returns ``(done, wide)``. ``done``: the file has no bad row (every record read, no check
    failed, no repeated key), ``__checked`` holds it all. Otherwise ``wide`` are the first
    lines of the records with more values than the header has columns, or None when this
    read stopped at a bad row before the end of the file.
    """
    reader = _typed_reader_sql(names, kinds).replace("$path", quote_path(literal_glob(path)))
    with _rejects_tables(con):
        try:
            _check(con, spec, by_lower, reader, 2, typed=True)
        except duckdb.Error:
            return False, None
        rejects = con.execute(
            "select line_byte_position, bool_or(error_type = 'TOO MANY COLUMNS') "
            "from __csv_rejects group by 1 order by 1"
        ).fetchall()
    if rejects:
        con.execute("drop table __checked")  # not held while the file is read again
        return False, _lines_at(path, [pos for pos, too_many in rejects if too_many])
    if key and _has_repeats(con, "__checked", key, lower=spec.kind == "people"):
        con.execute("drop table __checked")
        return False, []
    return True, []


def _has_repeats(con: duckdb.DuckDBPyConnection, table: str, key: str, *, lower: bool) -> bool:
    """Whether a key repeats in a staged table: its 64-bit hashes sorted by numpy (a fraction
    of DuckDB's grouping of 10 M keys); a collision only sends the file to the exact pass."""
    import numpy as np

    key_expr = _key_expr(key, lower=lower)
    # fetchnumpy: pyarrow's to_numpy would import pandas (0.3-0.5 s) for one column
    (hashes,) = (
        con.execute(f"select hash({key_expr}) from {table} where {_q(key)} is not null")
        .fetchnumpy()
        .values()
    )
    hashes = np.sort(hashes)
    return bool((hashes[1:] == hashes[:-1]).any())


def _lines_at(path: Path, positions: list[int]) -> list[int]:
    """The 1-based line of each byte position of a file (ascending positions)."""
    lines: list[int] = []
    if not positions:
        return lines
    count, done = 0, 0
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            end = done + len(chunk)
            while len(lines) < len(positions) and positions[len(lines)] < end:
                lines.append(count + chunk.count(b"\n", 0, positions[len(lines)] - done) + 1)
            if len(lines) == len(positions):
                break
            count += chunk.count(b"\n")
            done = end
    return lines


def _wide_records(con: duckdb.DuckDBPyConnection, path: Path, names: list[str]) -> list[int]:
    """The first lines of a CSV file's records with more values than its header has columns
    (empty values at the end do not count): DuckDB's strict reader, every value as text."""
    reader = _typed_reader_sql(names, [None] * len(names))
    reader = reader.replace("$path", quote_path(literal_glob(path)))
    with _rejects_tables(con):
        try:
            con.execute(f"select count(*) from ({reader})").fetchall()
        except duckdb.Error:
            return []
        positions = [
            pos
            for (pos,) in con.execute(
                "select distinct line_byte_position from __csv_rejects "
                "where error_type = 'TOO MANY COLUMNS' order by 1"
            ).fetchall()
        ]
    return _lines_at(path, positions)


@contextlib.contextmanager
def _rejects_tables(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Empty ``__csv_rejects``/``__csv_scans`` (where a ``store_rejects`` read writes) for one
    strict read, dropped again after it."""
    for table in ("__csv_rejects", "__csv_scans"):
        con.execute(f"drop table if exists {table}")
    try:
        yield
    finally:
        for table in ("__csv_rejects", "__csv_scans"):
            con.execute(f"drop table if exists {table}")


def _check(
    con: duckdb.DuckDBPyConnection,
    spec: TableSpec,
    by_lower: dict[str, str],
    reader: str,
    line_offset: int,
    *,
    typed: bool = False,
) -> None:
    """Read a file (the SELECT ``reader``) into the TEMP table ``__checked``: the spec's
    columns cast and cleaned, ``__reason`` (NULL for a good row), ``__first`` and ``__off``.

    ``typed``: the reader gives the timestamp columns as TIMESTAMPTZ (DuckDB's CSV reader
    parsed them, and left out a record with a value it could not read), and the table has
    the spec's columns only: the first row that fails a check stops the query (an error);
    else every column is text (or a JSON/Parquet type) and is cast here.
    """
    out_name = {"start": "start_at", "end": "end_at", "override": "is_override"}
    # Each present column is cast once, in an inner SELECT (``__r<i>`` its text, ``__v<i>`` its
    # value); the checks below compare those instead of casting again in every branch.
    inner, selects, checks = [], [], []
    raw_of: dict[str, str] = {}
    val_of: dict[str, str] = {}
    for i, col in enumerate(spec.columns):
        src = by_lower.get(col.name)
        if src is None:
            expr = "false" if col.kind == "bool" else "null"
            cast_type = {"ts": "timestamptz", "bool": "boolean"}.get(col.kind, "varchar")
            if col.default is not None:
                expr = _literal(col.default)
            selects.append(f"{expr}::{cast_type} as {_q(out_name.get(col.name, col.name))}")
            continue
        rawc, cast = f"__r{i}", f"__v{i}"
        raw_of[col.name], val_of[col.name] = rawc, cast
        if typed and col.kind == "ts":
            # read as a timestamp: a value (or blank) it is not never reaches this query;
            # __r<i> is only its text for the out-of-range message
            inner.append(f"{_q(src)} as {cast}")
            present = f"{cast} is not null"
            rawc = f"cast({cast} as varchar)"
        else:
            inner.append(f"cast({_q(src)} as varchar) as {rawc}")
            inner.append(f"{_CAST[col.kind].format(c=f'cast({_q(src)} as varchar)')} as {cast}")
            present = f"nullif(trim({rawc}), '') is not null"
            if col.kind in ("text", "name", "code"):
                present = f"{cast} is not null"  # the same test: the value is trimmed text
        value = cast if col.default is None else f"coalesce({cast}, {_literal(col.default)})"
        selects.append(f"{value} as {_q(out_name.get(col.name, col.name))}")
        if col.required:
            checks.append(f"when not ({present}) then '{col.name} is empty (required)'")
        if col.kind == "ts":
            if not typed:
                checks.append(
                    f"when {present} and {cast} is null then '{col.name} ' || "
                    f"'''' || {rawc} || '''' || ' is not a timestamp ({TS_FORMS})'"
                )
            top = "hi_rotations" if spec.kind == "rotations" else "hi"
            checks.append(
                f"when {cast} < $lo "
                f"or {cast} > ${top} then '{col.name} ' || "
                f"'''' || trim({rawc}) || '''' || ' is out of range (' || "
                "strftime($lo, '%Y-%m-%d') || ' .. ' || "
                f"strftime(${top}, '%Y-%m-%d') || ')'"
            )
        if col.kind == "date":
            checks.append(
                f"when {present} and {cast} is null then '{col.name} ' || "
                f"'''' || {rawc} || '''' || ' is not a date (YYYY-MM-DD, e.g. 2026-11-03)'"
            )
            checks.append(
                f"when {cast} < cast(timezone('UTC', $lo) as date) "
                f"or {cast} > cast(timezone('UTC', $hi) as date) "
                f"then '{col.name} ' || "
                f"'''' || trim({rawc}) || '''' || ' is out of range (' || "
                "strftime($lo, '%Y-%m-%d') || ' .. ' || "
                "strftime($hi, '%Y-%m-%d') || ')'"
            )
        if col.kind == "hours":
            checks.append(
                f"when {present} and ({cast} is null or {cast} <= 0) then '{col.name} ' || "
                f"'''' || trim({rawc}) || '''' || "
                "' is not a number of hours > 0 with at most 2 decimals (e.g. 4 or 7.5)'"
            )
        if col.kind == "bool":
            checks.append(
                f"when ({cast}) is null then '{col.name} ' || '''' || {rawc} || '''' || "
                "' is not true/false'"
            )
    if spec.kind == "rotations":
        s, e = val_of["start"], val_of["end"]
        checks.append(f"when {e} <= {s} then 'end is not after start'")
        checks.append(
            f"when {e} - {s} > $max_shift then 'shift of ' || "
            f"round(epoch({e} - {s}) / 86400, 1) || ' days is longer than [rotations] "
            "max_shift_days = ' || $max_shift_days || "
            "' (a typo in a date?)'"
        )
    if spec.kind == "pages" and "acknowledged_at" in val_of:
        sent, ack = val_of["sent_at"], val_of["acknowledged_at"]
        checks.append(
            f"when {ack} < {sent} then 'acknowledged_at ' || strftime({ack}, '%Y-%m-%d %H:%M:%S') "
            f"|| 'Z is before sent_at ' || strftime({sent}, '%Y-%m-%d %H:%M:%S') || 'Z'"
        )
    if spec.kind == "people" and "timezone" in raw_of:
        tz = f"nullif(trim({raw_of['timezone']}), '')"
        checks.append(
            f"when {tz} is not null and {tz} not in (select name from pg_timezone_names()) "
            f"then 'timezone ' || '''' || {tz} || '''' || "
            "' is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)'"
        )
    if spec.kind == "people" and "country" in val_of:
        code, codes = val_of["country"], countries.register_codes(con)
        checks.append(
            f"when {code} is not null and {code} not in (select code from {codes}) "
            f"then 'country ' || '''' || trim({raw_of['country']}) || '''' || "
            f"' is not accepted: {countries.ACCEPTED_FORM}'"
        )
    reason = "case " + " ".join(checks) + " end" if checks else "null"
    casts = ", ".join(inner) or "null as __none"
    # The batch's limits as bound values (constants to the query; a scalar subquery of
    # __ingest_limits in every branch cost ~1 s of 10 M rows)
    limits = con.execute("select * from __ingest_limits").fetchall()[0]
    names = [d[0] for d in con.execute("select * from __ingest_limits limit 0").description]
    used = set(re.findall(r"\$(\w+)", reason))
    params = {n: v for n, v in zip(names, limits, strict=True) if n in used}
    if typed:
        con.execute(
            f"create or replace temp table __checked as select {', '.join(selects)} "
            f"from (select {casts} from ({reader})) "
            f"where case when ({reason}) is null then true else error('a bad row') end",
            params,
        )
        return
    con.execute(
        f"create or replace temp table __checked as select {', '.join(selects)}, "
        f"{reason} as __reason, null::bigint as __first, {int(line_offset)} as __off "
        f"from (select {casts} from ({reader}))",
        params,
    )


def good_rows(table: str, con: duckdb.DuckDBPyConnection) -> str:
    """A SELECT of the good rows of a staged table: its columns and ``line_no``."""
    cols = [r[0] for r in con.execute(f"select * from {table} limit 0").description]
    if "__reason" not in cols:  # a CSV file without a bad row, one line per record
        return f"select {', '.join(_q(c) for c in cols)}, rowid + 2 as line_no from {table}"
    return (
        f"select {', '.join(_q(c) for c in cols if not c.startswith('__'))}, "
        f"rowid + __off as line_no from {table} where __reason is null"
    )


def good_count(table: str, con: duckdb.DuckDBPyConnection) -> int:
    """How many good rows a staged table holds."""
    return con.execute(f"select count(*) from ({good_rows(table, con)})").fetchall()[0][0]
