"""Readers every format shares: text decoding, JSON with line numbers, ISO timestamps, and
the file-level checks made before a file is parsed (its digest, its size, its first bytes).

Pure and dependency-free (the standard library only), so a parsing worker imports them cheaply.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analytics.errors import InputError


def decode_text(data: bytes | str, file: str) -> str:
    """Return ``data`` as text (UTF-8, BOM stripped), or raise InputError at the bad byte's line."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(file, line, f"not UTF-8 text (byte {data[exc.start]:#04x})") from None


def load_json(data: bytes | str, file: str, expected: str) -> tuple[Any, str]:
    """Parse JSON text; a syntax error becomes InputError at the error's line."""
    text = decode_text(data, file)
    try:
        return json.loads(text), text
    except json.JSONDecodeError as exc:
        raise InputError(
            file, exc.lineno, f"not valid JSON ({exc.msg}, column {exc.colno}); {expected}"
        ) from None
    except RecursionError:
        raise InputError(file, 1, f"JSON nested too deeply; {expected}") from None


def wide_row_reason(columns: int) -> str:
    """Why a CSV record with more values than its header's ``columns`` is rejected: read by
    position, its values would land in the wrong columns (docs/inputs.md)."""
    return (
        f"more values than the {columns} columns of the header (a value with a comma in it "
        'needs double quotes, e.g. "Chen, Alice"); the row is not loaded'
    )


def parse_utc(value: Any, file: str, line: int, what: str) -> datetime | None:
    """ISO-8601 text → aware UTC datetime; None stays None. A naive value is UTC (docs/inputs.md)"""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InputError(file, line, f"{what} {value!r} is not an ISO-8601 timestamp")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InputError(
            file, line, f"{what} {value!r} is not an ISO-8601 timestamp like 2015-10-06T21:30:42Z"
        ) from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise InputError(file, line, f"{what} {value!r} is out of range") from None


_JSON_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')


@functools.lru_cache(maxsize=2)
def _string_lines(text: str) -> dict[str, int]:
    """Every JSON string literal of the text → the 1-based line of its first occurrence (one
    pass, so a file of thousands of records is not searched once per record)."""
    lines: dict[str, int] = {}
    line, pos = 1, 0
    for match in _JSON_STRING.finditer(text):
        line += text.count("\n", pos, match.start())
        pos = match.start()
        lines.setdefault(match.group(), line)
    return lines


def line_of(text: str, needle: str | None) -> int:
    """1-based line of the first ``"needle"`` in the text (JSON keeps no positions); else 1."""
    if not needle:
        return 1
    lines = _string_lines(text)
    return lines.get(json.dumps(needle)) or lines.get(json.dumps(needle, ensure_ascii=False)) or 1


# A post-mortem is a few KB; vendor JSON exports can be large but are parsed whole.
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
MAX_JSON_BYTES = 512 * 1024 * 1024


def file_sha256(path: Path) -> str:
    """sha256 of a file, streamed (a large CSV is never held in memory by Python)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_size(path: Path, display: str, kind: str, limit: int) -> None:
    """Refuse a file far larger than any input of its kind (before reading it)."""
    size = path.stat().st_size
    if size > limit:
        raise InputError(
            display,
            1,
            f"file is {size / 1048576:.1f} MB, larger than any {kind} input should be "
            f"(limit {limit // 1048576} MB); is it the right file?",
        )


def read_small(path: Path, display: str, kind: str, limit: int) -> bytes:
    """The bytes of a file parsed in Python, refusing what cannot be that kind of file."""
    check_size(path, display, kind, limit)
    if path.suffix.lower() == ".json":
        with path.open("rb") as fh:
            head = fh.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
        if head[:1] not in (b"{", b"["):
            raise InputError(display, 1, "not JSON: expected '{' or '[' at the start")
    return path.read_bytes()
