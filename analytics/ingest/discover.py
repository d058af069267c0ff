"""Which files a batch reads: the paths given, walked, each file's format from the registry
(:mod:`analytics.ingest.formats`), special files (FIFOs, sockets, devices, dangling links)
set apart."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from analytics.ingest.formats import classify, classify_in, loose_document


def special(path: Path) -> str | None:
    """What a path is when it is neither a regular file nor a folder (a FIFO would block the
    reader forever, a device never ends), else None."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    for test, what in (
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return what
    return "not a regular file"


def discover(paths: Iterable[Path]) -> tuple[list[tuple[Path, str]], list[str]]:
    """Files to ingest with their kinds, and errors for paths that cannot be used. Special
    files (FIFOs, sockets, devices, dangling links) have the kind ``special``: the batch skips
    them with a warning."""
    found: dict[Path, str] = {}
    errors: list[str] = []
    for given in paths:
        if not given.exists():
            errors.append(f"{given}:1: no such file or folder")
            continue
        if special(given) is not None:
            found[given.absolute()] = "special"
            continue
        if given.is_file():
            fmt = classify(given.resolve()) or loose_document(given)
            if fmt is None:
                errors.append(
                    f"{given}:1: cannot tell what kind of input this is; put it under a folder "
                    "named timelines/, reviews/, pages/, rotations/, action_items/, handoffs/, "
                    "comp_time/, pagerduty/, opsgenie/ or statuspage/, or name it people.csv"
                )
                continue
            found[given.resolve()] = fmt.kind
            continue
        for folder, entry in _walk(str(given.resolve())):
            if entry.is_file(follow_symlinks=False):  # the common case: no syscall at all
                fmt = classify_in(folder, entry.name)
                if fmt is not None:
                    found[Path(folder, entry.name)] = fmt.kind
                continue
            path = Path(entry.path)
            fmt = classify(path.resolve())
            if fmt is None:
                continue
            if special(path) is not None:
                found[path.absolute()] = "special"
            else:  # a link to a regular file
                found[path.resolve()] = fmt.kind
    return sorted(found.items()), errors


def _walk(folder: str) -> Iterator[tuple[str, os.DirEntry]]:
    """Every entry but folders under ``folder``, as ``(its folder, entry)``, like ``os.walk``
    (hidden names skipped, linked folders not entered, unreadable folders skipped). The folder
    is resolved once, so only a linked file needs resolving; the entry's type comes with the
    listing, so a regular file costs no ``stat``."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if not is_dir:
            yield folder, entry
        elif not entry.is_symlink():
            yield from _walk(entry.path)
