"""Every file in tests/bad_inputs/timelines/ is rejected with one exact ``file:line: reason``.

The file name says what is wrong; the expected messages were checked by hand against the files
(line numbers counted in the file; the byte offset in invalid_utf8.md is 21 + 16 + 26 + 12 + 4
= 79).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics.errors import InputError
from analytics.ingest.timelines import parse_timeline

BAD = Path(__file__).parent / "bad_inputs" / "timelines"
FORMS = (
    "2026-11-03 14:05 UTC, 2026-11-03 14:05[:30[.123]], 2026-11-03T14:05:00Z, "
    "2026-11-03T15:05:00+01:00"
)
TS = f"is not a timestamp; accepted: {FORMS}"
SEV = "is not one of SEV-1, SEV-2, SEV-3"
EMPTY = "empty document; expected the incident template (SEVERITY:, STARTED:, ...)"

EXPECTED = {
    "acknowledged_before_started.md": (
        "acknowledged_before_started.md:4: ACKNOWLEDGED '2026-11-02 23:59' is before "
        "STARTED '2026-11-03 14:05 UTC'"
    ),
    "acknowledged_missing_separator.md": (
        "acknowledged_missing_separator.md:4: ACKNOWLEDGED '2026-11-03 14:12 Priya' "
        "has text after the timestamp without a separator; expected <timestamp> — "
        "<details>, timestamp one of "
        f"{FORMS}"
    ),
    "bom_only.md": (f"bom_only.md:1: {EMPTY}"),
    "crlf_resolved_before_started.md": (
        "crlf_resolved_before_started.md:4: RESOLVED '2026-11-03 14:04:59' is before "
        "STARTED '2026-11-03 14:05 UTC'"
    ),
    "detected_before_started.md": (
        "detected_before_started.md:4: DETECTED '2026-11-03 14:00 UTC' is before "
        "STARTED '2026-11-03 14:05 UTC'"
    ),
    "detected_name_instead_of_time.md": (
        f"detected_name_instead_of_time.md:4: DETECTED 'customer report' {TS}"
    ),
    "duplicate_severity.md": "duplicate_severity.md:4: SEVERITY given twice (lines 2 and 4)",
    "duplicate_started.md": "duplicate_started.md:4: STARTED given twice (lines 3 and 4)",
    "empty.md": (f"empty.md:1: {EMPTY}"),
    "invalid_utf8.md": "invalid_utf8.md:5: not valid UTF-8: byte 0xff at byte offset 79",
    "markdown_severity_sev4.md": (f"markdown_severity_sev4.md:3: SEVERITY 'SEV-4' {SEV}"),
    "missing_both_required.md": (  # both reported, in one pass
        "missing_both_required.md:1: SEVERITY is missing; expected a line such as 'SEVERITY: SEV-2'"
        "\nmissing_both_required.md:1: STARTED is missing; expected a line such as "
        "'STARTED: 2026-11-03 14:05 UTC'"
    ),
    "missing_severity.md": (
        "missing_severity.md:1: SEVERITY is missing; expected a line such as 'SEVERITY: SEV-2'"
    ),
    "missing_started.md": (
        "missing_started.md:1: STARTED is missing; expected a line such as 'STARTED: "
        "2026-11-03 14:05 UTC'"
    ),
    "mitigated_before_started_offset.md": (
        "mitigated_before_started_offset.md:4: MITIGATED '2026-11-03T15:00:00+01:00' "
        "is before STARTED '2026-11-03 14:05 UTC'"
    ),
    "postmortem_before_started.md": (
        "postmortem_before_started.md:5: POSTMORTEM '2026-11-01 09:00' is before "
        "STARTED '2026-11-03 14:05 UTC'"
    ),
    "postmortem_date_only.md": (f"postmortem_date_only.md:4: POSTMORTEM '2026-11-05' {TS}"),
    "resolved_bad_day.md": (
        "resolved_bad_day.md:4: RESOLVED '2026-11-31 16:20 UTC' is not a valid "
        "timestamp (day is out of range for month); accepted: "
        f"{FORMS}"
    ),
    "resolved_before_started.md": (
        "resolved_before_started.md:4: RESOLVED '2026-11-03 13:00 UTC' is before "
        "STARTED '2026-11-03 14:05 UTC'"
    ),
    "severity_empty.md": (
        "severity_empty.md:2: SEVERITY has no value; expected one of SEV-1, SEV-2, SEV-3"
    ),
    "severity_p1.md": (f"severity_p1.md:2: SEVERITY 'P1' {SEV}"),
    "severity_sev0.md": (f"severity_sev0.md:2: SEVERITY 'SEV-0' {SEV}"),
    "severity_sev7.md": (f"severity_sev7.md:2: SEVERITY 'SEV-7' {SEV}"),
    "severity_template_placeholder.md": (
        f"severity_template_placeholder.md:2: SEVERITY 'SEV-[1/2/3]' {SEV}"
    ),
    "severity_word_critical.md": (f"severity_word_critical.md:2: SEVERITY 'critical' {SEV}"),
    "started_bad_offset.md": (
        "started_bad_offset.md:3: STARTED '2026-11-03T14:05:00+25:00' is not a valid "
        "timestamp ('+25:00' is not a valid UTC offset); accepted: "
        f"{FORMS}"
    ),
    "started_date_only.md": (f"started_date_only.md:3: STARTED '2026-11-03' {TS}"),
    "started_empty.md": (
        f"started_empty.md:3: STARTED has no value; expected a timestamp such as {FORMS}"
    ),
    "started_hour_25.md": (
        "started_hour_25.md:3: STARTED '2026-11-03 25:05' is not a valid timestamp "
        "(hour must be in 0..23); accepted: "
        f"{FORMS}"
    ),
    "started_month_13.md": (
        "started_month_13.md:3: STARTED '2026-13-03 14:05 UTC' is not a valid "
        "timestamp (month must be in 1..12); accepted: "
        f"{FORMS}"
    ),
    "started_template_placeholder.md": (
        f"started_template_placeholder.md:3: STARTED '[Timestamp UTC]' {TS}"
    ),
    "started_unknown_zone_word.md": (
        "started_unknown_zone_word.md:3: STARTED '2026-11-03 14:05 PST' names an "
        "unknown time zone 'PST'; use UTC, an offset such as +01:00 or a zone name "
        "such as Europe/Copenhagen"
    ),
    "started_us_date.md": (f"started_us_date.md:3: STARTED '11/03/2026 14:05' {TS}"),
    "whitespace_only.md": (f"whitespace_only.md:1: {EMPTY}"),
}


def test_corpus_and_table_agree() -> None:
    assert sorted(p.name for p in BAD.iterdir()) == sorted(EXPECTED)
    assert len(EXPECTED) >= 20


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_timeline_is_rejected_with_exact_message(name: str) -> None:
    with pytest.raises(InputError) as err:
        parse_timeline((BAD / name).read_bytes(), name)
    assert str(err.value) == EXPECTED[name]


def _utf8_names() -> list[str]:
    """The corpus files that decode as UTF-8: a file that does not has no text form to pass."""
    names = []
    for name in sorted(EXPECTED):
        try:
            (BAD / name).read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            continue
        names.append(name)
    return names


@pytest.mark.parametrize("name", _utf8_names())
def test_bad_timeline_is_rejected_as_text_with_a_folder_in_the_name(name: str) -> None:
    text = (BAD / name).read_bytes().decode("utf-8")
    with pytest.raises(InputError) as err:
        parse_timeline(text, f"timelines/{name}")
    assert str(err.value).splitlines() == [f"timelines/{e}" for e in EXPECTED[name].splitlines()]
