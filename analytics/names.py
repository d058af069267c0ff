"""THE team-name rule, in Python: a team (and a service) is named trimmed and lower-cased
wherever it is read, so ``" Web "``, ``"web"`` and ``"WEB"`` are one team (docs/importers.md).

SQL has the same rule as the macro ``team_key`` (``analytics/sql/macros.sql``): the staging
views apply it to people.csv, rotations and hand-off notes, the parsers call :func:`team_key`
on what they read from documents, vendor exports and calendars, and the commands on what people
type (``--team``, a policy's team names). ``tests/test_names.py`` checks that the two agree.
"""

from __future__ import annotations


def team_key(name: str) -> str:
    """The key a team or service name is matched and shown by: trimmed and lower-cased.

    Args:
        name: the name as written.

    Returns:
        The name without leading and trailing whitespace, in lower case.
    """
    return name.strip().lower()
