"""Error types. Each carries the exit status of README "Command line" and prints as one line."""

from __future__ import annotations

from pathlib import Path


class AnalyticsError(Exception):
    """Base class: a failure we understand and can explain in one line."""

    exit_code = 1


class UsageError(AnalyticsError):
    """A bad option or value (exit 2)."""

    exit_code = 2


class PolicyError(UsageError):
    """A policy file with an unknown key or a bad value (exit 2)."""


class SchemaError(AnalyticsError):
    """The warehouse was written by another schema version (exit 2: the user must act)."""

    exit_code = 2


class WarehouseBusy(AnalyticsError):
    """Another process holds the warehouse (exit 3); nothing was changed."""

    exit_code = 3


class InputError(AnalyticsError):
    """Bad input, located at ``file:line``.

    Args:
        file: The file as the user named it (or its path relative to the ingest root).
        line: 1-based line number; 1 when a required header is missing altogether.
        reason: What is wrong, naming the value and what would be accepted.
    """

    def __init__(self, file: str | Path, line: int, reason: str) -> None:
        self.file = str(file)
        self.line = int(line)
        self.reason = reason
        super().__init__(f"{self.file}:{self.line}: {reason}")


class InputErrors(InputError):
    """Every problem found in one file, each ``file:line: reason`` (a document reports all its
    problems in one pass, not only the first). Prints one problem per line."""

    def __init__(self, problems: list[InputError]) -> None:
        first = problems[0]
        super().__init__(first.file, first.line, first.reason)
        self.problems = list(problems)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)
