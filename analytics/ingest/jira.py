"""Jira exports (CSV "Export all fields", REST v2 search JSON) → action-item tracker rows.

Each item is a dict with ``ticket, summary, status, assignee, due_date, created_at,
resolved_at, incident_id, is_category_done, line_no`` (docs/inputs.md, docs/importers.md).
Our canonical tracker CSV (``Issue key, Summary, Status, Assignee, Due date, Created, Resolved,
Incident`` with ISO dates) is the same format with fewer columns. Jira writes headers, statuses
and month names in the exporting user's language: English, Spanish, French, German and
Portuguese are built in (:data:`HEADER_ALIASES`), ``[tracker] column_aliases`` adds more. Month
names come from the Unicode CLDR through Babel. The mapping is in ``docs/importers.md``.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from analytics.errors import InputError
from analytics.ingest.readers import decode_text, line_of, load_json, parse_utc, wide_row_reason
from analytics.ingest.records import InputWarning

ITEM_KEYS = (
    "ticket",
    "summary",
    "status",
    "assignee",
    "due_date",
    "created_at",
    "resolved_at",
    "incident_id",
    "is_category_done",
    "line_no",
)
LANGUAGES = ("en", "es", "fr", "de", "pt")
# Jira's CSV headers in each built-in language, by the English header (docs/importers.md). Matched
# case- and accent-insensitively; ``[tracker] column_aliases`` adds names under the same keys.
HEADER_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "Issue key": {
        "en": ("Issue key",),
        "es": ("Clave de incidencia", "Clave de la incidencia", "Clave"),
        "fr": ("Clé de ticket", "Clé du ticket", "Clé de la demande", "Clé"),
        "de": ("Vorgangsschlüssel", "Schlüssel"),
        "pt": ("Chave do item", "Chave da item", "Chave do ticket", "Chave da issue", "Chave"),
    },
    "Summary": {
        "en": ("Summary",),
        "es": ("Resumen",),
        "fr": ("Résumé",),
        "de": ("Zusammenfassung",),
        "pt": ("Resumo",),
    },
    "Status": {
        "en": ("Status",),
        "es": ("Estado",),
        "fr": ("État", "Statut"),
        "de": ("Status",),
        "pt": ("Status", "Situação", "Estado"),
    },
    "Assignee": {
        "en": ("Assignee",),
        "es": ("Persona asignada", "Responsable", "Asignado a"),
        "fr": ("Responsable", "Personne assignée", "Assigné à"),
        "de": ("Zugewiesene Person", "Bearbeiter", "Verantwortlicher"),
        "pt": ("Responsável", "Pessoa designada", "Atribuído a"),
    },
    "Due date": {
        "en": ("Due date", "Due"),
        "es": ("Fecha de vencimiento", "Vencimiento", "Fecha límite"),
        "fr": ("Date d'échéance", "Échéance"),
        "de": ("Fälligkeitsdatum", "Fällig am", "Fälligkeit"),
        "pt": ("Data de vencimento", "Data limite", "Data de entrega"),
    },
    "Created": {
        "en": ("Created",),
        "es": ("Creada", "Creado", "Fecha de creación"),
        "fr": ("Création", "Créé", "Créée", "Date de création"),
        "de": ("Erstellt", "Erstellungsdatum"),
        "pt": ("Criado", "Criada", "Data de criação"),
    },
    "Resolved": {
        "en": ("Resolved",),
        "es": ("Resuelta", "Resuelto", "Fecha de resolución"),
        "fr": ("Résolue", "Résolu", "Date de résolution"),
        "de": ("Erledigt", "Gelöst", "Lösungsdatum"),
        "pt": ("Resolvido", "Resolvida", "Data de resolução"),
    },
    "Labels": {
        "en": ("Labels",),
        "es": ("Etiquetas",),
        "fr": ("Étiquettes",),
        "de": ("Stichwörter", "Labels"),
        "pt": ("Etiquetas", "Rótulos"),
    },
    "Status Category": {
        "en": ("Status Category",),
        "es": ("Categoría de estado",),
        "fr": ("Catégorie d'état", "Catégorie de statut"),
        "de": ("Statuskategorie",),
        "pt": ("Categoria de status", "Categoria do status"),
    },
}
# The "Done" status category as each language names it: such a row is done whatever its
# status is called (docs/importers.md).
DONE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "en": ("Done", "Complete"),
    "es": ("Listo", "Finalizado", "Finalizada", "Hecho", "Completado"),
    "fr": ("Terminé", "Terminée", "Fait"),
    "de": ("Fertig", "Erledigt", "Abgeschlossen"),
    "pt": ("Concluído", "Concluída", "Itens concluídos", "Feito"),
}
# Our keys of the columns read, by English header.
_KEY_OF = {
    "Issue key": "ticket",
    "Summary": "summary",
    "Status": "status",
    "Assignee": "assignee",
    "Due date": "due_date",
    "Created": "created_at",
    "Resolved": "resolved_at",
    "Labels": "labels",
    "Status Category": "status_category",
}
COLUMNS = (*HEADER_ALIASES, "Incident")  # the names [tracker] column_aliases may extend
# Numeric forms Jira profiles use besides day/month-name/year (tried after ISO-8601).
JIRA_DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y/%m/%d")
# An incident link column: ours ("Incident", "Incident ID") or a custom field in any language
# ("Custom field (Incident)", "Campo personalizado (Incidente)", "Benutzerdefiniertes Feld
# (Vorfall)").
_INCIDENT_COLUMN = re.compile(
    r"^(?:[^()]*\()?(?:incident|incidente|vorfall)(?:[ _-]?(?:id|key))?\)?$", re.IGNORECASE
)
_INCIDENT_LABEL = re.compile(r"^(?:incident:(?P<id>\S+)|(?P<inc>INC-\d+))$", re.IGNORECASE)
# "21/abr/26 11:37 PM", "21-sept.-2026 23:37", "3 déc. 26": day, month name, year, time.
_NAMED_MONTH = re.compile(
    r"^(?P<day>\d{1,2})[/\-. ]\s*(?P<month>[^\W\d_]+\.?)[/\-. ]\s*(?P<year>\d{4}|\d{2})"
    r"(?:[ T,]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"\s*(?P<ampm>[ap]\.?\s?m\.?)?)?$",
    re.IGNORECASE,
)


def fold(text: str) -> str:
    """Case- and accent-insensitive form: ``"  Clé de Ticket "`` → ``"cle de ticket"``."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


@dataclass
class JiraResult:
    """What one Jira export file yields."""

    items: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[InputWarning] = field(default_factory=list)
    rejections: list[InputError] = field(default_factory=list)  # rows left out, each alone


@dataclass(frozen=True)
class _Header:
    """Which column holds what, and the export's language (first in ``languages``)."""

    positions: dict[str, list[int]]
    incident_cols: list[int]
    languages: tuple[str, ...]


@functools.cache
def _folded_aliases() -> dict[str, dict[str, frozenset[str]]]:
    return {
        english: {lang: frozenset(fold(n) for n in names) for lang, names in languages.items()}
        for english, languages in HEADER_ALIASES.items()
    }


def _read_header(
    header: list[str], column_aliases: Mapping[str, Sequence[str]], file: str
) -> _Header:
    aliases = _folded_aliases()
    english_of = {name: english for english, langs in aliases.items() for names in langs.values()
                  for name in names}  # fmt: skip
    for english, names in column_aliases.items():
        english_of.update((fold(name), english) for name in names)
    positions: dict[str, list[int]] = {}
    votes = dict.fromkeys(LANGUAGES, 0)
    incident_cols = []
    for index, raw in enumerate(header):
        name = fold(raw)
        english = english_of.get(name)
        if english == "Incident" or (english is None and _INCIDENT_COLUMN.match(name)):
            incident_cols.append(index)
            continue
        if english is None:
            continue
        positions.setdefault(_KEY_OF[english], []).append(index)
        for lang, names in aliases[english].items():
            votes[lang] += name in names
    if "ticket" not in positions:
        looked_for = [n for names in HEADER_ALIASES["Issue key"].values() for n in names]
        looked_for += list(column_aliases.get("Issue key", ()))
        raise InputError(
            file,
            1,
            "no issue key column: looked for "
            + ", ".join(repr(n) for n in looked_for)
            + ' (any case or accents; add yours with [tracker] column_aliases = { "Issue key" '
            f'= ["..."] }}); got {[h.strip() for h in header[:8]]}',
        )
    # The export's language first (most headers in it; English on a tie), then the others.
    ranked = sorted(LANGUAGES, key=lambda lang: (-votes[lang], LANGUAGES.index(lang)))
    return _Header(positions, incident_cols, tuple(ranked))


def parse_jira_csv(
    data: bytes | str,
    file: str,
    *,
    date_format: str | None = None,
    column_aliases: Mapping[str, Sequence[str]] | None = None,
    timezone: str = "UTC",
) -> JiraResult:
    """Read a Jira CSV export (or our canonical tracker CSV) into tracker items.

    Args:
        data: The file's bytes or text.
        file: The file name used in errors and warnings.
        date_format: A ``strptime`` format for the export's dates (the exporting user's
            profile decides it); tried before ISO-8601 and the day/month-name/year forms.
        column_aliases: English header (one of :data:`COLUMNS`) → more names for it.
        timezone: The IANA zone of naive dates (Jira writes none): ``[tracker] timezone``.

    Returns:
        JiraResult: items (dicts keyed by ``ITEM_KEYS``, ``line_no`` = the record's first
        physical line) and warnings.

    Raises:
        InputError: no issue key column in any known language, a bad date, or unreadable CSV.
    """
    text = decode_text(data, file)
    zone = ZoneInfo(timezone)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise InputError(file, 1, "empty file: expected a header row with 'Issue key'")
        columns = _read_header(header, column_aliases or {}, file)
        positions = columns.positions
        dates = _Dates(date_format, zone, columns.languages)

        result = JiraResult()
        seen: dict[str, int] = {}
        previous_end = reader.line_num
        for row in reader:
            start_line, previous_end = previous_end + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(header) and any(cell.strip() for cell in row[len(header) :]):
                # read by position, its values would land in the wrong columns
                result.rejections.append(InputError(file, start_line, wide_row_reason(len(header))))
                continue

            def first(key: str, row: list[str] = row) -> str | None:
                return next(
                    (v for i in positions.get(key, []) if i < len(row) and (v := row[i].strip())),
                    None,
                )

            ticket = first("ticket")
            if ticket is None:
                result.warnings.append(
                    InputWarning(file, start_line, "row without Issue key: skipped")
                )
                continue
            values = {key: first(key) for key in _KEY_OF.values() if key != "labels"}
            incident = next(
                (v for i in columns.incident_cols if i < len(row) and (v := row[i].strip())), None
            )
            labels = [
                label
                for i in positions.get("labels", [])
                if i < len(row)
                for label in row[i].replace(",", " ").split()
            ]
            item = _item(values, incident, labels, file, start_line, dates)
            if ticket in seen:
                result.warnings.append(
                    InputWarning(
                        file,
                        start_line,
                        f"{ticket} repeated (first on line {seen[ticket]}): kept the last",
                    )
                )
                result.items = [i for i in result.items if i["ticket"] != ticket]
            seen[ticket] = start_line
            result.items.append(item)
    except csv.Error as exc:
        raise InputError(file, reader.line_num or 1, f"unreadable CSV: {exc}") from None
    return result


def parse_jira_json(data: bytes | str, file: str, *, timezone: str = "UTC") -> JiraResult:
    """Read a Jira REST v2 search result (``{"issues": [...]}``) into tracker items.

    Args:
        data: The file's bytes or text (JSON).
        file: The file name used in errors and warnings.
        timezone: The IANA zone of a naive timestamp (REST ones carry an offset).

    Returns:
        JiraResult: items (dicts keyed by ``ITEM_KEYS``; ``line_no`` is the line where the
        issue key first appears) and warnings.

    Raises:
        InputError: malformed JSON, not a search result, or a bad timestamp.
    """
    expected = 'expected a Jira REST search result {"issues": [...]} or one issue'
    doc, text = load_json(data, file, expected)
    names: dict[str, Any] = {}
    if isinstance(doc, dict) and "issues" in doc:
        names = doc.get("names") if isinstance(doc.get("names"), dict) else {}
        issues = doc["issues"]
    elif isinstance(doc, dict) and "fields" in doc:
        issues = [doc]
    else:
        issues = doc
    if not isinstance(issues, list):
        raise InputError(file, 1, expected)
    incident_fields = [
        k for k, v in names.items() if isinstance(v, str) and _INCIDENT_COLUMN.match(fold(v))
    ]
    dates = _Dates(None, ZoneInfo(timezone), LANGUAGES)
    result = JiraResult()
    for issue in issues:
        key = issue.get("key") if isinstance(issue, dict) else None
        fields = issue.get("fields") if isinstance(issue, dict) else None
        if not isinstance(key, str) or not key.strip() or not isinstance(fields, dict):
            line = line_of(text, key if isinstance(key, str) else None)
            raise InputError(file, line, f"issue without a key and fields; {expected}")
        key = key.strip()
        line = line_of(text, key)
        incident = None
        for field_id in incident_fields:
            value = fields.get(field_id)
            if isinstance(value, dict):
                value = value.get("value") or value.get("key") or value.get("name")
            if isinstance(value, str | int) and str(value).strip():
                incident = str(value).strip()
                break
        labels = fields.get("labels")
        status = fields.get("status")
        values = {
            "ticket": key,
            "summary": _text(fields.get("summary")),
            "status": _text(_get(status, "name")),
            "assignee": _text(
                _get(fields.get("assignee"), "displayName") or _get(fields.get("assignee"), "name")
            ),
            "due_date": _text(fields.get("duedate")),
            "created_at": fields.get("created"),
            "resolved_at": fields.get("resolutiondate"),
            # REST names the category by a key that is the same in every language.
            "status_category": "Done"
            if _get(_get(status, "statusCategory"), "key") == "done"
            else None,
        }
        for ts in ("created_at", "resolved_at"):
            values[ts] = parse_utc(values[ts], file, line, f"{key} {ts.replace('_at', '')}")
        label_list = (
            [str(v) for v in labels if isinstance(v, str)] if isinstance(labels, list) else []
        )
        result.items.append(_item(values, incident, label_list, file, line, dates))
    return result


def _get(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, dict) else None


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


@functools.cache
def _done_categories() -> frozenset[str]:
    return frozenset(fold(n) for names in DONE_CATEGORIES.values() for n in names)


def _item(
    values: dict[str, Any],
    incident: str | None,
    labels: list[str],
    file: str,
    line: int,
    dates: _Dates,
) -> dict[str, Any]:
    for label in labels:
        if incident is None and (match := _INCIDENT_LABEL.match(label.strip())):
            incident = match["id"] or match["inc"].upper()
    created, resolved = values["created_at"], values["resolved_at"]
    if not isinstance(created, datetime):
        created = dates.instant(created, file, line, "Created")
    if not isinstance(resolved, datetime):
        resolved = dates.instant(resolved, file, line, "Resolved")
    due = dates.local(values["due_date"], file, line, "Due date")
    category = values.get("status_category")
    return {
        "ticket": values["ticket"],
        "summary": values["summary"],
        "status": values["status"],
        "assignee": values["assignee"],
        "due_date": due.date() if due else None,
        "created_at": created,
        "resolved_at": resolved,
        "incident_id": incident,
        "is_category_done": fold(category) in _done_categories() if category else False,
        "line_no": line,
    }


@functools.cache
def month_names(language: str) -> dict[str, int]:
    """Folded month name (abbreviated and wide, with and without its dot) → month number,
    from the Unicode CLDR through Babel: ``month_names("es")["abr"] == 4``."""
    from babel import Locale  # imported here: only tracker exports with month names need it

    locale = Locale.parse(language)
    names: dict[str, int] = {}
    for context in ("format", "stand-alone"):
        for width in ("abbreviated", "wide"):
            for number, name in locale.months[context][width].items():
                names.setdefault(fold(name).rstrip("."), number)
    return names


@functools.lru_cache(maxsize=1024)
def month_number(token: str, languages: Sequence[str]) -> int | None:
    """The month a (possibly abbreviated) name means, in the first of ``languages`` that knows
    it; a unique prefix of at least three letters (``sep`` for ``sept``) counts too."""
    word = fold(token).rstrip(".")
    for language in languages:
        if (number := month_names(language).get(word)) is not None:
            return number
    if len(word) >= 3:
        for language in languages:
            hits = {n for name, n in month_names(language).items() if name.startswith(word)}
            if len(hits) == 1:
                return hits.pop()
    return None


@dataclass(frozen=True)
class _Dates:
    """How this file's dates are read: an explicit format, ISO-8601, Jira's day/month-name/year
    in the export's languages, numeric forms; naive values are in ``zone``."""

    date_format: str | None
    zone: ZoneInfo
    languages: tuple[str, ...]

    def instant(self, value: str | None, file: str, line: int, column: str) -> datetime | None:
        """A timestamp → UTC (naive ones are in the tracker's zone)."""
        local = self.local(value, file, line, column)
        if local is None:
            return None
        try:
            if local.tzinfo is None:
                local = local.replace(tzinfo=self.zone)
            return local.astimezone(UTC)
        except (OverflowError, ValueError):
            raise InputError(file, line, f"{column} {value!r} is out of range") from None

    def local(self, value: str | None, file: str, line: int, column: str) -> datetime | None:
        """A date or timestamp as written (naive unless it has an offset)."""
        if value is None:
            return None
        parsed = self._read(value.strip())
        if parsed is not None:
            return parsed
        hint = f" or {self.date_format!r}" if self.date_format else "; pass date_format"
        raise InputError(
            file,
            line,
            f"{column} {value!r} is not a date like 22/Sep/25 9:26 AM, 21/abr/26 11:37 PM or "
            f"2026-11-03T14:05:00Z{hint}",
        )

    @functools.lru_cache(maxsize=1 << 16)  # noqa: B019 (few _Dates per process, all kept)
    def _read(self, text: str) -> datetime | None:
        """``text`` read by the first form that fits, else None (an export repeats its dates:
        each is parsed once)."""
        if self.date_format:
            try:
                return datetime.strptime(text, self.date_format)
            except ValueError:
                pass
        iso = text[:-4] + "+00:00" if text.upper().endswith(" UTC") else text
        try:
            return datetime.fromisoformat(iso)
        except ValueError:
            pass
        if (named := self._named_month(text)) is not None:
            return named
        for fmt in JIRA_DATE_FORMATS:
            try:
                return datetime.strptime(text, fmt)
            except ValueError:
                continue
        return None

    def _named_month(self, text: str) -> datetime | None:
        match = _NAMED_MONTH.match(text)
        if match is None:
            return None
        month = month_number(match["month"], self.languages)
        if month is None:
            return None
        year = int(match["year"])
        if len(match["year"]) == 2:
            year += 2000  # Jira's two-digit years are 20yy (docs/importers.md)
        hour, minute = int(match["hour"] or 0), int(match["minute"] or 0)
        if match["ampm"]:
            if not 1 <= hour <= 12:
                return None
            pm = match["ampm"].lower().startswith("p")
            hour = hour % 12 + (12 if pm else 0)
        try:
            return datetime(year, month, int(match["day"]), hour, minute, int(match["second"] or 0))
        except ValueError:
            return None
