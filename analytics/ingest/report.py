"""What an ingest batch reports: one :class:`FileResult` per file, and the whole
:class:`IngestReport`."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

# Rejections and warnings kept per file in ingest_log.error (the terminal shows fewer).
MAX_LOGGED_ERRORS = 10_000


@dataclass
class FileResult:
    path: Path
    display: str
    kind: str
    sha256: str = ""
    status: str = "pending"  # loaded | unchanged | rejected | pruned
    rows: int = 0
    rejected: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    note: str = ""
    details: str = ""  # an internal error's traceback, for ingest_log.error


@dataclass
class IngestReport:
    files: list[FileResult] = field(default_factory=list)
    rows_by_kind: dict[str, int] = field(default_factory=dict)
    rotation: dict[str, int] = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    dry_run: bool = False
    blame: list[str] = field(default_factory=list)  # dry run: file:line: possible blame: ...

    @property
    def rejections(self) -> list[str]:
        return [e for f in self.files for e in f.errors]

    @property
    def warnings(self) -> list[str]:
        return [w for f in self.files for w in f.warnings]

    @property
    def exit_code(self) -> int:
        return 1 if self.rejections else 0


def display_path(path: Path) -> str:
    """The path as a user would write it: relative to the working directory when inside it."""
    # Plain string work (``Path.relative_to`` is lexical too, and 50x slower per call).
    text, cwd = str(path), os.getcwd()
    if text == cwd:
        return "."
    prefix = cwd if cwd.endswith(os.sep) else cwd + os.sep
    return text[len(prefix) :] if text.startswith(prefix) else text
