"""Blameless scrubbing of text shown in the weekly all-hands report (docs/reports.md, issue 15.5).

:class:`Scrubber` replaces people's names, chat handles and e-mail addresses in free text with
"someone". Names are matched:

* **accent-insensitively**: text and names are compared with their accents removed (Unicode
  NFKD, combining marks dropped), so "Jose" hides "José" and "JOSÉ" hides "Jose";
* **whole-word**: a match is neither preceded nor followed by a letter, digit or ``_``;
* names and name parts of three letters or more in **any case**; **short** name parts (two
  letters, such as the surname "Wu") only as spelled in the name's capitalisation ("Wu" in
  "Wu's config push" but not "wu" or "Wuhan"), and never when the part is a common English
  word ("Le", "An", "Do": only the full name hides those).

Handles (``@ana.lima``) and e-mail addresses are replaced whoever they belong to: the report
has no reason to show any.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

import pandas as pd

__all__ = ["PERSON", "Scrubber", "fold"]

PERSON = "someone"

# Two-letter words that are also English words: as the part of a name they would hide half
# the sentences of a report ("An outage ..."). The full name still hides such a person.
_COMMON_SHORT_WORDS = frozenset(
    [
        "a",
        "am",
        "an",
        "as",
        "at",
        "be",
        "by",
        "do",
        "go",
        "he",
        "if",
        "in",
        "is",
        "it",
        "me",
        "my",
        "no",
        "of",
        "oh",
        "ok",
        "on",
        "or",
        "so",
        "to",
        "up",
        "us",
        "we",
    ]
)
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# @handle: not part of an e-mail (no word character before the @); a final "." is punctuation
_HANDLE_RE = re.compile(r"(?<![\w@])@\w(?:[\w.-]*\w)?")
# Word sets compiled one pattern each (a few ms) before a scrubber compiles all its words
_MAX_PATTERNS = 16
# A run of word characters of an ASCII text (where \w is [A-Za-z0-9_])
_ASCII_RUN_RE = re.compile(r"\w+", re.ASCII)


def _fold_char(char: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))


def fold(text: str) -> str:
    """``text`` without accents (NFKD, combining marks dropped); case is kept."""
    if text.isascii():
        return text
    return "".join(_fold_char(c) for c in text)


def _fold_with_map(text: str) -> tuple[str, list[int]]:
    """The folded text and, for each of its characters, the index it came from in ``text``.

    The map has one more entry, ``len(text)``, so a match ending at the end maps too; a
    combining mark folds to nothing and is kept with the letter before it.
    """
    out: list[str] = []
    where: list[int] = []
    for i, char in enumerate(text):
        folded = _fold_char(char)
        out.append(folded)
        where.extend([i] * len(folded))
    where.append(len(text))
    return "".join(out), where


def _trie_pattern(words: Iterable[str]) -> str:
    """A regex alternation of ``words`` (matched with IGNORECASE) factored as a trie.

    It matches what ``"|".join(words, longest first)`` matches, longest word first: at
    every branch the longer continuation is tried before stopping. Python's re tries a flat
    alternation word by word at every position (thousands of names: ~0.1 ms per string);
    the trie tests one character per level. Keys are lower-cased, so that words differing
    only in case share one path (a character whose lower case is longer stays as it is).
    """
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            low = char.lower()
            node = node.setdefault(low if len(low) == 1 else char, {})
        node[""] = {}  # a word ends here

    def pattern(node: dict[str, dict]) -> str:
        branches = [re.escape(k) + pattern(child) for k, child in sorted(node.items()) if k]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return "(?:" + body + ")?" if "" in node else body

    return pattern(trie)


def name_words(names: Iterable[str]) -> tuple[set[str], set[str]]:
    """The words that hide people: ``(any_case, as_spelled)``, both accent-folded.

    ``any_case``: every full name of three characters or more, the parts of multi-word names
    of three or more, the local part of an e-mail address. ``as_spelled``: full names shorter
    than three characters, and two-letter alphabetic parts that are not common English words.
    """
    any_case: set[str] = set()
    as_spelled: set[str] = set()
    for raw in names:
        name = " ".join(fold(str(raw or "")).split())
        if not name:
            continue
        (any_case if len(name) >= 3 else as_spelled).add(name)
        parts = name.split(" ")
        if len(parts) > 1:
            for part in parts:
                if len(part) >= 3:
                    any_case.add(part)
                elif len(part) == 2 and part.isalpha() and part.lower() not in _COMMON_SHORT_WORDS:
                    as_spelled.add(part)
        if "@" in name:
            local = name.split("@", 1)[0]
            if len(local) >= 3:
                any_case.add(local)
    return any_case, as_spelled


class Scrubber:
    """Replaces people's names, handles and e-mail addresses in free text with "someone"."""

    def __init__(self, names: Iterable[str]) -> None:
        any_case, as_spelled = name_words(names)
        # The pattern of every word costs ~0.15 s to compile for a few thousand people, and
        # most texts name nobody. So each text gets the pattern of the words it could hold
        # (:meth:`_candidates`); the full one only for a text that is not ASCII once folded.
        self._as_spelled = sorted(as_spelled)
        self._by_run: dict[str, list[str]] = {}
        self._always: list[str] = []
        for word in sorted(any_case):
            run = _ASCII_RUN_RE.match(word) if word.isascii() else None
            if run is None:
                self._always.append(word)
            else:
                self._by_run.setdefault(run.group().lower(), []).append(word)
        self._all = (frozenset(any_case), frozenset(as_spelled))
        self._patterns: dict[tuple[frozenset[str], frozenset[str]], re.Pattern | None] = {}

    def _candidates(self, folded: str) -> tuple[frozenset[str], frozenset[str]]:
        """The words that can match in ``folded`` (a superset: leaving out a word that matches
        nowhere in the text changes no match of the alternation).

        A word of two letters or fewer is matched as spelled: it must appear as it is. An
        any-case word starts after a character that is not a word character, so its first run
        of word characters is a whole run of the text, equal but for case: on an ASCII text,
        where case is ASCII case, only words whose first run is among the text's can match.
        Any other text (and any word that is not ASCII, or starts with no word character)
        keeps them all.
        """
        short = frozenset(w for w in self._as_spelled if w in folded)
        if not folded.isascii():
            return self._all[0], short
        words = set(self._always)
        for run in _ASCII_RUN_RE.findall(folded):
            words.update(self._by_run.get(run.lower(), ()))
        return frozenset(words), short

    def _pattern(self, words: tuple[frozenset[str], frozenset[str]]) -> re.Pattern | None:
        """The compiled alternation of ``(any_case, as_spelled)`` words, or None for none.

        After :data:`_MAX_PATTERNS` word sets (texts naming many different people), every
        further text gets the pattern of all the words: at most what one pattern cost before.
        """
        if words not in self._patterns and len(self._patterns) >= _MAX_PATTERNS:
            words = self._all
        if words not in self._patterns:
            any_case, as_spelled = words
            branches = []
            if any_case:
                branches.append("(?i:" + _trie_pattern(any_case) + ")")
            if as_spelled:
                short = sorted(as_spelled, key=lambda w: (-len(w), w))
                branches.append("|".join(re.escape(w) for w in short))
            self._patterns[words] = (
                re.compile(r"(?<!\w)(?:" + "|".join(branches) + r")(?!\w)") if branches else None
            )
        return self._patterns[words]

    def text(self, value: Any) -> Any:
        """``value`` scrubbed when it is a string; anything else unchanged."""
        if not isinstance(value, str):
            return value
        value = _HANDLE_RE.sub(PERSON, _EMAIL_RE.sub(PERSON, value))
        if value.isascii():
            pattern = self._pattern(self._candidates(value))
            return value if pattern is None else pattern.sub(PERSON, value)
        folded, where = _fold_with_map(value)
        pattern = self._pattern(self._candidates(folded))
        if pattern is None:
            return value
        pieces, last = [], 0
        for match in pattern.finditer(folded):
            begin, end = where[match.start()], where[match.end()]
            pieces += [value[last:begin], PERSON]
            last = end
        return "".join([*pieces, value[last:]])

    def frame(self, df: pd.DataFrame) -> pd.DataFrame:
        """A copy of ``df`` with every text column scrubbed."""
        out = df.copy()
        for col in out.columns:
            if out[col].dtype == "str" or out[col].dtype == object:
                out[col] = out[col].map(self.text)
        return out
