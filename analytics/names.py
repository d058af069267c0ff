"""THE team-name rule, in Python: a team (and a service) is named trimmed and lower-cased
wherever it is read, so ``" Web "``, ``"web"`` and ``"WEB"`` are one team (docs/importers.md).

SQL has the same rule as the macro ``team_key`` (``analytics/sql/macros.sql``, DuckDB's
``lower(trim(t))``): the staging views apply it to people.csv, rotations and hand-off notes, CSV
exports are read with it, the parsers call :func:`team_key` on what they read from documents,
vendor exports and calendars, and the commands on what people type (``--team``, a policy's team
names). The two must give the same key, so this function follows DuckDB's definitions, which
differ from Python's ``str.strip().lower()`` in three ways (``tests/test_names.py`` checks every
character):

* trimmed means the Unicode space separators (category Zs: the space, the no-break space,
  ``U+2000``-``U+200A``, the ideographic space, ...), not tabs, line breaks or other control
  characters;
* each character is lower-cased on its own: ``"ΟΔΟΣ"`` is ``"οδοσ"`` (Python's ``lower``
  writes a word-final sigma as ``ς``);
* ``"İ"`` (capital I with dot above) is ``"i"`` (Python: ``"i"`` and a combining dot).
"""

from __future__ import annotations

# What DuckDB's trim() removes: the characters of Unicode category Zs.
_SPACES = (
    "\u0020\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u202f\u205f\u3000"
)


def _lower(char: str) -> str:
    # the simple (one-character) lower case: only U+0130 has a longer full one in Python
    low = char.lower()
    return low if len(low) == 1 else low[0]


def team_key(name: str) -> str:
    """The key a team or service name is matched and shown by: trimmed and lower-cased, as the
    SQL macro ``team_key`` computes it.

    Args:
        name: the name as written.

    Returns:
        The name without leading and trailing spaces, each character in lower case.
    """
    trimmed = name.strip(_SPACES)
    if trimmed.isascii():
        return trimmed.lower()
    return "".join(map(_lower, trimmed))
