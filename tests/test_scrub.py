"""Blameless scrubbing (analytics.scrub): names, accents, short names, handles, e-mails.

Every expectation is worked out by reading the names and the text: "someone" replaces each
match, nothing else changes.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.scrub import Scrubber, fold, name_words


def test_matches_whole_words_in_any_case():
    s = Scrubber(["Ana Lima", "Bob Ng"])
    # "Ana Lima", "Ana", "Lima", "Bob" in any case; "Ng" only as spelled
    assert s.text("ANA LIMA paged; lima too; Bobby stays; bob went; ng stays; Ng went") == (
        "someone paged; someone too; Bobby stays; someone went; ng stays; someone went"
    )


def test_takes_the_longest_name_that_ends_at_a_word_edge():
    s = Scrubber(["Ana Lima", "ana.lima@example.com"])
    # words: "Ana Lima", "Ana", "Lima", the local part "ana.lima"; the address is an e-mail
    assert s.text("Ana Lima's note; ana.lima@example.com; ana.lima; Ana Limax; Anabel") == (
        "someone's note; someone; someone; someone Limax; Anabel"
    )


def test_accents_do_not_hide_a_name():
    s = Scrubber(["José Núñez"])
    # the name folds to "Jose Nunez": "Jose", "Nunez" and the whole name, accented or not,
    # composed (é) or decomposed (e + U+0301)
    assert s.text("Jose restarted it; JOSÉ again; Nunez too; José Núñez here") == (
        "someone restarted it; someone again; someone too; someone here"
    )
    assert s.text("Jose\u0301's deploy") == "someone's deploy"
    # the text around a non-ASCII match keeps its own accents
    assert s.text("Café: José paged") == "Café: someone paged"
    # a name written without accents hides the accented spelling too
    assert Scrubber(["Zoe Muller"]).text("Zoë Müller's push") == "someone's push"


def test_two_letter_surnames_are_whole_words_as_spelled():
    s = Scrubber(["Chen Wu"])
    # "Wu" hides "Wu's" (an apostrophe is not a letter) but not "Wuhan" or "wu" in a word
    assert s.text("Wu's config push; the Wuhan region; WU; wu") == (
        "someone's config push; the Wuhan region; WU; wu"
    )


def test_short_common_words_hide_only_the_full_name():
    s = Scrubber(["An Le", "Do Tran"])
    # "An" and "Do" are English words: they stay; "Le" is not: it is a name part; "Tran" and
    # the full names are names
    assert s.text("An outage: Do not restart. Le paged, An Le and Do Tran too; Tran") == (
        "An outage: Do not restart. someone paged, someone and someone too; someone"
    )


def test_a_short_full_name_is_matched_as_spelled():
    # "Jo" is a whole name of two letters: hidden when written "Jo", kept in "jo" or "Joe"
    assert Scrubber(["Jo"]).text("Jo paged; jo; Joe") == "someone paged; jo; Joe"


def test_handles_and_email_addresses_are_dropped_whoever_they_are():
    s = Scrubber([])
    assert s.text("ping @ana.lima and @bob_99. Mail x.y+z@corp.example.org or a@b.io") == (
        "ping someone and someone. Mail someone or someone"
    )
    # an "@" that starts no handle stays
    assert s.text("2 @ 3; foo@; email@") == "2 @ 3; foo@; email@"


def test_non_text_values_are_unchanged():
    s = Scrubber(["Ana Lima"])
    assert s.text(None) is None
    assert s.text(3) == 3


def test_fold_strips_accents_and_keeps_case():
    assert fold("Ñúñez ÉCOLE") == "Nunez ECOLE"


_ALPHABET = "abAB .-@'"


def _plain_scrub(names: list[str], text: str) -> str:
    """What one plain alternation of all the words, longest first, replaces in ``text`` (a
    text that folds to itself); handles and e-mails go first."""
    any_case, as_spelled = name_words(names)
    expected = re.sub(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", "someone", text)
    expected = re.sub(r"(?<![\w@])@\w(?:[\w.-]*\w)?", "someone", expected)
    branches = []
    if any_case:
        words = sorted((re.escape(w) for w in any_case), key=len, reverse=True)
        branches.append("(?i:" + "|".join(words) + ")")
    if as_spelled:
        branches.append("|".join(sorted((re.escape(w) for w in as_spelled), key=len)[::-1]))
    if branches:
        plain = re.compile(r"(?<!\w)(?:" + "|".join(branches) + r")(?!\w)")
        expected = plain.sub("someone", expected)
    return expected


@settings(max_examples=300, deadline=None)
@given(
    names=st.lists(st.text(_ALPHABET, min_size=1, max_size=8), max_size=8),
    text=st.text(_ALPHABET + "x_", max_size=40),
)
def test_replaces_what_one_plain_alternation_of_all_words_would(names, text):
    # the trie-shaped pattern against the plain one
    assert Scrubber(names).text(text) == _plain_scrub(names, text)


# Letters that fold to themselves but are not ASCII: "ı" matches "i" and "I" in any case
# (Python's re), "ø" and "Ø" are one letter in two cases, "’" is no word character.
_WIDE_ALPHABET = "abiAIB .-@'ıøØ’"


@settings(max_examples=200, deadline=None)
@given(
    names=st.lists(st.text(_WIDE_ALPHABET, min_size=1, max_size=6), max_size=10),
    texts=st.lists(st.text(_WIDE_ALPHABET + "x_", max_size=30), max_size=40),
)
def test_one_scrubber_replaces_in_each_text_what_the_plain_alternation_would(names, texts):
    # each text gets the pattern of the words it could hold (a text with a letter that is
    # not ASCII, all of them; after 16 word sets, all of them too): the same replacements
    assert all(fold(t) == t for t in texts)
    scrubber = Scrubber(names)
    assert [scrubber.text(t) for t in texts] == [_plain_scrub(names, t) for t in texts]


def test_a_text_naming_nobody_compiles_no_pattern_of_names():
    # thousands of people make a pattern that takes ~0.15 s to compile: a text whose words
    # are nobody's needs none
    scrubber = Scrubber([f"Person{k} Surname{k}" for k in range(3000)])
    assert scrubber.text("Disk full on db-7; failover took 4 min") == (
        "Disk full on db-7; failover took 4 min"
    )
    assert scrubber.text("Person12 paged surname7") == "someone paged someone"
    # "Person12", "Person12 Surname12" and "Surname7", never the 9,000 words
    assert max(len(any_case) for any_case, _ in scrubber._patterns) == 3
