"""Jira CSV/JSON importer: the real Jira Cloud export (Apache-2.0 copy), go-jira JSON, our CSVs."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.errors import InputError
from analytics.ingest.jira import ITEM_KEYS, parse_jira_csv, parse_jira_json

OURS = Path(__file__).parent / "fixtures" / "importers" / "jira"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def csv_items(name: str, **kwargs) -> dict[str, dict]:
    result = parse_jira_csv((OURS / name).read_bytes(), name, **kwargs)
    assert result.warnings == []
    return {item["ticket"]: item for item in result.items}


def test_jira_cloud_export_fields_and_lines() -> None:
    items = csv_items("planeso_jira_cloud_export_all_fields.csv")
    assert len(items) == 22
    assert all(tuple(i) == ITEM_KEYS for i in items.values())
    tes13 = items["TES-13"]
    assert tes13["status"] == "Done"
    assert tes13["assignee"] == "Saicharan Basireddy"
    assert tes13["created_at"] == utc(2025, 8, 28, 13, 49)  # "28/Aug/25 1:49 PM", no zone → UTC
    assert tes13["resolved_at"] == utc(2025, 9, 19, 9, 3)
    assert tes13["due_date"] == date(2025, 9, 18)  # "18/Sep/25 12:00 AM"
    assert tes13["incident_id"] is None  # no incident column, no labels in this export
    assert items["TES-25"]["assignee"] is None
    assert items["TES-23"]["summary"].startswith('Need to discuss "Login" steps')
    # Records after multi-line Comment cells start on their own physical line.
    expected = {"TES-25": 2, "TES-11": 16, "TES-10": 19, "TES-8": 22, "TES-7": 25, "TES-4": 28}
    assert {k: items[k]["line_no"] for k in expected} == expected


def test_canonical_tracker_csv_with_iso_dates() -> None:
    items = csv_items("canonical_tracker.csv")
    assert items["OPS-101"] == {
        "ticket": "OPS-101",
        "summary": "Add alert on checkout 5xx",
        "status": "Done",
        "assignee": "Alice Ng",
        "due_date": date(2026, 11, 10),
        "created_at": utc(2026, 11, 3, 15),
        "resolved_at": utc(2026, 11, 8, 12, 30),  # naive ISO → UTC
        "incident_id": "2026-11-03-checkout",
        "is_category_done": False,
        "line_no": 2,
    }
    assert items["OPS-102"]["created_at"] == utc(2026, 11, 4, 2)  # +01:00 converted
    assert items["OPS-103"]["created_at"] == utc(2026, 11, 5, 9)  # "... UTC"
    assert (items["OPS-103"]["assignee"], items["OPS-103"]["incident_id"]) == (None, None)


def test_repeated_headers_labels_and_incident_column() -> None:
    items = csv_items("jira_cloud_like.csv")
    sre7, sre8, sre9 = items["SRE-7"], items["SRE-8"], items["SRE-9"]
    assert sre7["summary"] == 'Fix the\nmulti-line "summary"'
    assert sre7["incident_id"] == "INC-2026-11-03"  # label incident:<id>
    assert sre7["due_date"] == date(2026, 11, 12)
    assert sre8["incident_id"] == "INC-42"  # second Labels column
    assert sre9["incident_id"] == "2026-11-03-db"  # Custom field (Incident) wins over labels
    # SRE-7 spans lines 2-3, a blank line 4, then SRE-8 on 5 and SRE-9 on 6.
    assert [sre7["line_no"], sre8["line_no"], sre9["line_no"]] == [2, 5, 6]


# ----------------------------------------------------------------- the exporter's language


def test_spanish_export_with_bom_month_names_and_status_category() -> None:
    items = csv_items("jira_es.csv")
    ops201, ops202, ops203 = items["OPS-201"], items["OPS-202"], items["OPS-203"]
    assert (ops201["summary"], ops201["status"], ops201["assignee"]) == (
        "Añadir alerta de pagos", "Finalizada", "Ana Gómez",
    )  # fmt: skip
    # "21/abr/26 11:37 PM": abr = April (CLDR es), 26 = 2026, 11:37 PM = 23:37; naive → UTC
    assert ops201["created_at"] == utc(2026, 4, 21, 23, 37)
    assert ops201["resolved_at"] == utc(2026, 4, 22, 9, 5)
    assert ops201["due_date"] == date(2026, 4, 30)
    assert ops201["incident_id"] == "2026-04-21-pagos"  # from Etiquetas
    assert ops201["is_category_done"] is True  # Categoría de estado "Listo"
    assert ops202["is_category_done"] is False  # "Por hacer"
    # "sept" (CLDR) and "sep" (a unique prefix) are both September.
    assert (ops202["created_at"], ops202["due_date"]) == (utc(2026, 9, 2, 8), date(2026, 9, 15))
    assert ops202["resolved_at"] is None and ops202["assignee"] is None
    # 12:30 AM is 00:30; "ene/27" is January 2027
    assert (ops203["created_at"], ops203["resolved_at"]) == (
        utc(2026, 12, 31, 0, 30), utc(2027, 1, 1, 12),
    )  # fmt: skip


def test_french_export() -> None:
    items = csv_items("jira_fr.csv")
    assert items["OPS-301"]["created_at"] == utc(2026, 2, 3, 14, 5)  # "03/févr./26 14:05"
    assert items["OPS-301"]["due_date"] == date(2026, 2, 10)
    assert items["OPS-301"]["assignee"] == "Éloïse Martin"
    # a custom status "Validé" in the Terminé category is done
    assert (items["OPS-302"]["status"], items["OPS-302"]["is_category_done"]) == ("Validé", True)
    assert items["OPS-302"]["created_at"] == utc(2026, 12, 12, 23, 59)  # déc.
    # juil. (July) and juin (June) share three letters: each full abbreviation is read exactly.
    assert (items["OPS-303"]["created_at"], items["OPS-303"]["due_date"]) == (
        utc(2026, 7, 1, 10), date(2026, 6, 15),
    )  # fmt: skip
    assert items["OPS-303"]["is_category_done"] is False


def test_german_export() -> None:
    items = csv_items("jira_de.csv")
    # "Erledigt" is the Resolved header here, and a status value too
    assert (items["OPS-401"]["status"], items["OPS-401"]["is_category_done"]) == ("Erledigt", True)
    assert items["OPS-401"]["created_at"] == utc(2026, 3, 5, 10, 15)  # Mär (stand-alone form)
    assert items["OPS-401"]["resolved_at"] == utc(2026, 3, 6, 16, 45)
    assert items["OPS-401"]["assignee"] == "Jörg Weiß"
    assert items["OPS-402"]["created_at"] == utc(2026, 10, 31, 8)  # Okt
    assert items["OPS-402"]["due_date"] == date(2026, 12, 1)  # Dez


def test_portuguese_export() -> None:
    items = csv_items("jira_pt.csv")
    # "out" is outubro (October) in Portuguese; 11:37 PM → 23:37
    assert items["OPS-501"]["created_at"] == utc(2026, 10, 7, 23, 37)
    assert items["OPS-501"]["due_date"] == date(2026, 10, 31)
    assert (items["OPS-501"]["status"], items["OPS-501"]["is_category_done"]) == (
        "Concluído", True,
    )  # fmt: skip
    assert items["OPS-502"]["created_at"] == utc(2026, 9, 1, 9)  # set = setembro
    assert items["OPS-502"]["is_category_done"] is False


def test_english_export_with_status_category() -> None:
    items = csv_items("jira_en.csv")
    assert items["OPS-601"]["created_at"] == utc(2026, 4, 21, 23, 37)
    assert (items["OPS-601"]["status"], items["OPS-601"]["is_category_done"]) == ("Shipped", True)
    assert items["OPS-602"]["is_category_done"] is False


def test_headers_match_case_and_accent_insensitively() -> None:
    text = "CLE DE TICKET,etat,CREATION\nX-1,Termine,03/FEVR./26 14:05\n"
    [item] = parse_jira_csv(text, "x.csv").items
    assert (item["ticket"], item["status"], item["created_at"]) == (
        "X-1", "Termine", utc(2026, 2, 3, 14, 5),
    )  # fmt: skip


def test_column_aliases_add_names() -> None:
    text = "Ärende,Status,Skapad\nX-1,Klar,2026-11-03 10:00\n"
    with pytest.raises(InputError) as err:
        parse_jira_csv(text, "x.csv")
    assert "got ['Ärende', 'Status', 'Skapad']" in err.value.reason
    [item] = parse_jira_csv(
        text, "x.csv", column_aliases={"Issue key": ["ärende"], "Created": ["Skapad"]}
    ).items
    assert (item["ticket"], item["created_at"]) == ("X-1", utc(2026, 11, 3, 10))


def test_naive_times_are_in_the_tracker_timezone() -> None:
    [item] = parse_jira_csv(
        "Clave de incidencia,Creada,Fecha de vencimiento\n"
        "X-1,21/abr/26 11:37 PM,30/abr/26 12:00 AM\n",
        "x.csv",
        timezone="Europe/Madrid",
    ).items
    # 23:37 in Madrid (CEST, UTC+2 in April) = 21:37Z; a due date stays the written day.
    assert (item["created_at"], item["due_date"]) == (utc(2026, 4, 21, 21, 37), date(2026, 4, 30))


def test_every_alias_names_one_column() -> None:
    from analytics.ingest.jira import HEADER_ALIASES, fold

    owner: dict[str, str] = {}
    for english, languages in HEADER_ALIASES.items():
        for names in languages.values():
            for name in names:
                assert owner.setdefault(fold(name), english) == english, name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("21/abr/26 11:37 PM", datetime(2026, 4, 21, 23, 37)),
        ("21/abr/26 11:37 p. m.", datetime(2026, 4, 21, 23, 37)),
        ("1/ENE/99 12:00 AM", datetime(2099, 1, 1, 0, 0)),  # two-digit years are 20yy
        ("21-sept.-2026 7:05", datetime(2026, 9, 21, 7, 5)),
        ("3 déc. 26", datetime(2026, 12, 3)),
        ("29/Feb/25 1:00 PM", None),  # no such day: not a named-month date
        ("21/xyz/26 1:00 PM", None),
        ("21/abr/26 13:00 PM", None),
    ],
)
def test_named_month_dates(text: str, expected: datetime | None) -> None:
    from analytics.ingest.jira import LANGUAGES, _Dates

    dates = _Dates(None, ZoneInfo("UTC"), ("es", *[x for x in LANGUAGES if x != "es"]))
    assert dates._named_month(text) == expected


def test_date_format_option() -> None:
    text = "Issue key,Created,Due date\nX-1,03.11.2026 14:05,20.11.2026 00:00\n"
    [item] = parse_jira_csv(text, "x.csv", date_format="%d.%m.%Y %H:%M").items
    assert (item["created_at"], item["due_date"]) == (utc(2026, 11, 3, 14, 5), date(2026, 11, 20))


def test_repeated_ticket_keeps_last_and_warns() -> None:
    result = parse_jira_csv("Issue key,Status\nX-1,Open\nX-1,Done\n", "x.csv")
    assert [(i["ticket"], i["status"], i["line_no"]) for i in result.items] == [("X-1", "Done", 3)]
    assert "repeated" in result.warnings[0].message


@pytest.mark.parametrize(
    ("text", "needle", "line"),
    [
        ("", "empty file", 1),
        ("Key,Summary\nX-1,a\n", "no issue key column: looked for 'Issue key', 'Clave de", 1),
        ("Issue key,Created\nX-1,2026-11-03\nX-2,tomorrow\n", "Created 'tomorrow'", 3),
        ("Issue key,Summary\nX-1,ok\nX-2," + "a" * 200_000 + "\n", "unreadable CSV", 3),
    ],
)
def test_malformed_csv(text: str, needle: str, line: int) -> None:
    with pytest.raises(InputError) as err:
        parse_jira_csv(text, "x.csv")
    assert needle in err.value.reason
    assert err.value.line == line


def test_rest_search_json() -> None:
    [item] = parse_jira_json((OURS / "go_jira_issues_in_sprint.json").read_bytes(), "g.json").items
    assert item["ticket"] == "AR-86"
    assert item["status"] == "Ready"
    assert item["assignee"] == "mister Morris"
    # "2015-12-02T07:39:15.000-0800": offset without a colon
    assert item["created_at"] == utc(2015, 12, 2, 15, 39, 15)
    assert item["resolved_at"] == utc(2015, 12, 7, 22, 19, 13)
    assert item["due_date"] is None
    assert item["summary"] is None  # this mock has no summary field


def test_rest_json_incident_from_names_and_labels() -> None:
    doc = {
        "names": {"customfield_1": "Incident"},
        "issues": [
            {"key": "A-1", "fields": {"customfield_1": {"value": "INC-9"}, "duedate": "2026-11-20",
                                      "status": {"name": "Done"}, "labels": []}},
            {"key": "A-2", "fields": {"labels": ["x", "incident:2026-11-03-db"]}},
        ],
    }  # fmt: skip
    a1, a2 = parse_jira_json(json.dumps(doc), "s.json").items
    assert (a1["incident_id"], a1["due_date"], a1["status"]) == (
        "INC-9",
        date(2026, 11, 20),
        "Done",
    )
    assert a2["incident_id"] == "2026-11-03-db"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("{", "not valid JSON"),
        ('{"issues": {}}', "expected a Jira REST search result"),
        ('{"issues": [{"key": "A-1"}]}', "without a key and fields"),
        ('{"issues": [{"key": "A-1", "fields": {"created": "now"}}]}', "'now'"),
        ('{"issues": [{"key": "A-1", "fields": {"duedate": "soon"}}]}', "'soon'"),
    ],
)
def test_malformed_json(text: str, needle: str) -> None:
    with pytest.raises(InputError) as err:
        parse_jira_json(text, "s.json")
    assert needle in err.value.reason


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.lists(
            st.sampled_from(["Issue key", "Created", "X-1", "22/Sep/25 9:26 AM", "Labels", "INC-1",
                             "incident:a", '"', "\n", "", "Due date", "2026-13-01"])
            | st.text(max_size=8),
            max_size=5,
        ),
        max_size=5,
    )
)  # fmt: skip
def test_fuzz_csv(rows: list[list[str]]) -> None:
    text = "\n".join(",".join(row) for row in rows)
    with contextlib.suppress(InputError):
        parse_jira_csv(text, "fuzz.csv")


@settings(max_examples=200)
@given(st.binary(max_size=200))
def test_fuzz_bytes(data: bytes) -> None:
    with contextlib.suppress(InputError):
        parse_jira_csv(data, "fuzz.csv")
    with contextlib.suppress(InputError):
        parse_jira_json(data, "fuzz.json")


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda c: st.lists(c, max_size=3)
    | st.dictionaries(st.sampled_from(["issues", "key", "fields", "names", "created", "duedate",
                                       "labels", "status", "name", "assignee", "displayName",
                                       "customfield_1", "value"]), c, max_size=5),
    max_leaves=20,
)  # fmt: skip


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(_json)
def test_fuzz_json(doc: object) -> None:
    with contextlib.suppress(InputError):
        parse_jira_json(json.dumps(doc), "fuzz.json")


def test_a_row_with_more_values_than_the_header_is_rejected_alone() -> None:
    """An unquoted comma in a summary shifted the row's values (status 'the checkout 5xx',
    assignee 'Done', created 'Alice Ng' rejected the whole file for a bad date, or loaded
    wrong when the shifted cell read as a date); now that row alone is rejected, at its line."""
    text = (
        "Issue key,Summary,Status,Assignee\n"
        "OPS-1,Add alert,Done,Alice Ng\n"
        "OPS-2,Add alert, on checkout 5xx,Done,Alice Ng\n"
        "OPS-3,Runbook,Open,,\n"  # an empty value at the end does not count
    )
    result = parse_jira_csv(text, "t.csv")
    assert [i["ticket"] for i in result.items] == ["OPS-1", "OPS-3"]
    assert [(e.line, e.reason) for e in result.rejections] == [
        (
            3,
            "more values than the 4 columns of the header (a value with a comma in it needs "
            'double quotes, e.g. "Chen, Alice"); the row is not loaded',
        )
    ]
