"""The playbook's numbers: response targets, business hours, pay rates, keyword rules.

Defaults are built in (docs/policy.md). A TOML file passed as ``--policy FILE`` may set only
some keys; the rest keep their defaults, and a list (``[[pay]]``, ``weekdays``, ``severities``,
a keyword list, ``done_statuses``) or the ``severity_by_priority`` table replaces the default whole.
Every unknown key or bad value is a :class:`~analytics.errors.PolicyError` naming the file, the
key, the value and what would be accepted.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from functools import cached_property
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from analytics.errors import PolicyError
from analytics.names import team_key

__all__ = [
    "DEFAULT_POLICY",
    "EVENT_KINDS",
    "PayRate",
    "Policy",
    "load_policy",
    "pay_policy_version",
]

# Timeline event kinds, in the order their keyword rules are tried; "note" is the fallback.
EVENT_KINDS: tuple[str, ...] = ("status_update", "escalation", "page", "note")

_CENT = Decimal("0.01")

# Done/Closed/Resolved as Jira writes them in English, Spanish, French, German and Portuguese
# (docs/importers.md); matched case- and accent-insensitively.
DEFAULT_DONE_STATUSES: tuple[str, ...] = (
    "Done",
    "Closed",
    "Resolved",
    "Finalizada",
    "Finalizado",
    "Listo",
    "Hecho",
    "Cerrada",
    "Cerrado",
    "Resuelta",
    "Resuelto",
    "Terminé",
    "Terminée",
    "Fait",
    "Fermé",
    "Fermée",
    "Résolu",
    "Résolue",
    "Erledigt",
    "Fertig",
    "Geschlossen",
    "Gelöst",
    "Concluído",
    "Concluída",
    "Feito",
    "Fechado",
    "Fechada",
    "Resolvido",
    "Resolvida",
)


@dataclass(frozen=True)
class PayRate:
    """One effective-dated set of on-call pay rates (docs/payroll.md)."""

    effective_from: date
    weekly_stipend_usd: Decimal
    sev1_bonus_usd: Decimal
    comp_hours_per_overnight_page: Decimal


_DEFAULT_PAY = (PayRate(date(2000, 1, 1), Decimal("500.00"), Decimal("200.00"), Decimal("4")),)

_FLOAT_FIELDS = (
    "response_sev1_minutes",
    "response_sev2_minutes",
    "response_sev3_business_hours",
    "page_ack_minutes",
    "escalate_after_minutes",
    "status_sev1_minutes",
    "status_sev2_minutes",
    "postmortem_deadline_hours",
    "handoff_before_hours",
    "handoff_after_hours",
    "coverage_max_gap_hours",
    "max_offhours_oncall_hours_per_4_weeks",
)


_BLAME_PHRASES = (
    "human error",
    "careless",
    "negligent",
    "should have known",
    "'s fault",
    "to blame",
)
_TEAM_LEADS = ("team lead", "team leads")
_ONCALL_SRE = ("on-call sre", "oncall sre")
# [communication]: per severity, named requirements, each met by any of its phrases
# (docs/metrics.md).
_COMMUNICATION: tuple[tuple[int, tuple[tuple[str, tuple[str, ...]], ...]], ...] = (
    (
        1,
        (
            (
                "vp_engineering",
                ("vp eng", "vp engineering", "vp of eng", "vp of engineering", "vpe"),
            ),
            ("oncall_sre", _ONCALL_SRE),
            ("team_leads", _TEAM_LEADS),
            ("exec_channel", ("#exec", "exec channel", "exec slack")),
            ("customer_success", ("customer success",)),
        ),
    ),
    (
        2,
        (
            ("oncall_sre", _ONCALL_SRE),
            ("team_lead", _TEAM_LEADS),
            ("engineering_channel", ("#engineering", "engineering channel")),
        ),
    ),
    (3, ()),
)
# Fields added after policies were first versioned: hashed only when they differ from the
# default, so every policy written before them keeps its version (and payroll manifests theirs).
_VERSIONED_WHEN_CHANGED = (
    "postmortem_min_whys",
    "postmortem_blame_phrases",
    "communication_within_minutes",
    "communication",
    "severity_audit_sev1_phrases",
    "severity_audit_sev2_phrases",
    "coverage_team_starts",
    "coverage_team_ends",
    "coverage_max_gap_hours",
    "comp_time_expires_after_days",
)


@dataclass(frozen=True)
class Policy:
    """The playbook's numbers; the defaults are the playbook's (docs/policy.md).

    Build one with :func:`load_policy`; ``Policy()`` is the built-in default. ``source`` says
    where the values came from (a file path or ``"<defaults>"``) and is not part of
    :attr:`version`.
    """

    response_sev1_minutes: float = 15.0
    response_sev2_minutes: float = 30.0
    response_sev3_business_hours: float = 4.0
    page_ack_minutes: float = 5.0
    escalate_after_minutes: float = 30.0
    status_sev1_minutes: float = 15.0
    status_sev2_minutes: float = 30.0
    postmortem_deadline_hours: float = 48.0
    postmortem_severities: tuple[int, ...] = (1, 2)
    business_timezone: str = "UTC"
    business_start: time = time(9)
    business_end: time = time(17)
    business_weekdays: tuple[int, ...] = (1, 2, 3, 4, 5)
    holidays_country: str = ""
    overnight_start: time = time(22)
    overnight_end: time = time(7)
    pay: tuple[PayRate, ...] = _DEFAULT_PAY
    timeline_keywords: tuple[tuple[str, tuple[str, ...]], ...] = (
        ("status_update", ("status page",)),
        ("escalation", ("escalat",)),
        ("page", ("paged",)),
    )
    tracker_done_statuses: tuple[str, ...] = DEFAULT_DONE_STATUSES
    # Jira header → extra names for it (docs/importers.md), beyond the built-in languages.
    tracker_column_aliases: tuple[tuple[str, tuple[str, ...]], ...] = ()
    tracker_timezone: str = "UTC"  # naive tracker times are in this zone
    pagerduty_severity_by_priority: tuple[tuple[str, int], ...] = (
        ("P1", 1),
        ("P2", 2),
        ("P3", 3),
        ("P4", 3),
        ("P5", 3),
    )
    # Product default (docs/importers.md): urgency never makes a SEV-1/2 unless the policy says so.
    pagerduty_severity_by_urgency: tuple[tuple[str, int], ...] = (("high", 3), ("low", 3))
    opsgenie_severity_by_priority: tuple[tuple[str, int], ...] = (
        ("P1", 1),
        ("P2", 2),
        ("P3", 3),
        ("P4", 3),
        ("P5", 3),
    )
    statuspage_severity_by_impact: tuple[tuple[str, int], ...] = (
        ("critical", 1),
        ("major", 2),
        ("minor", 3),
        ("none", 3),
    )
    statuspage_team: str = ""  # the team of Statuspage incidents; "" = --team, else none
    rotations_max_shift_days: int = 31  # product default: a longer shift is a typo in a date
    handoff_before_hours: float = 24.0
    handoff_after_hours: float = 4.0
    fairness_weeks: int = 13
    max_consecutive_oncall_days: int = 8
    max_interrupted_nights_per_week: int = 2
    max_offhours_oncall_hours_per_4_weeks: float = 400.0
    # Post-incident review (docs/metrics.md); min_whys and within_minutes are product defaults.
    postmortem_min_whys: int = 5
    postmortem_blame_phrases: tuple[str, ...] = _BLAME_PHRASES
    communication_within_minutes: float = 60.0
    communication: tuple[tuple[int, tuple[tuple[str, tuple[str, ...]], ...]], ...] = _COMMUNICATION
    severity_audit_sev1_phrases: tuple[str, ...] = (
        "security breach",
        "complete outage",
        "all users",
    )
    severity_audit_sev2_phrases: tuple[str, ...] = (
        "data integrity",
        "corrupt",
        "significant feature unavailable",
        "major degradation",
    )
    # [coverage] (docs/payroll.md "Coverage", product defaults): team -> the day (00:00 UTC)
    # or instant its rotation really started / ended
    coverage_team_starts: tuple[tuple[str, date | datetime], ...] = ()
    coverage_team_ends: tuple[tuple[str, date | datetime], ...] = ()
    coverage_max_gap_hours: float = 24.0
    comp_time_expires_after_days: int = 0  # product default: comp time never expires
    source: str = field(default="<defaults>", compare=False)

    def __post_init__(self) -> None:
        # Normalise so that Policy(response_sev1_minutes=15) and a file saying 15 or 15.0 are the
        # same policy with the same version; pay is kept in effective_from order for rate_at.
        for name in _FLOAT_FIELDS:
            object.__setattr__(self, name, float(getattr(self, name)))
        object.__setattr__(self, "pay", tuple(sorted(self.pay, key=lambda r: r.effective_from)))
        object.__setattr__(
            self, "communication_within_minutes", float(self.communication_within_minutes)
        )

    @cached_property
    def version(self) -> str:
        """``sha256:`` and 12 hex digits of a canonical JSON dump of every value but ``source``."""
        dump = json.dumps(self._canonical(), sort_keys=True, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(dump.encode("utf-8")).hexdigest()[:12]

    @cached_property
    def pay_version(self) -> str:
        """The version of the keys that change amounts (``[[pay]]``, ``[overnight]``) alone:
        what payroll finality compares (docs/payroll.md, "Finality"), so other keys never
        touch it."""
        return pay_policy_version(self.pay, self.overnight_start, self.overnight_end)

    @cached_property
    def _folded_rules(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """:attr:`timeline_keywords` case-folded, read once per policy (a timeline entry is
        classified with it: ~1.1 M entries in a full-size ingest)."""
        return _folded_keywords(self.timeline_keywords)

    def _canonical(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name == "source":
                continue
            if f.name in _VERSIONED_WHEN_CHANGED and getattr(self, f.name) == f.default:
                continue
            out[f.name] = _canonical_value(getattr(self, f.name))
        return out

    def rate_at(self, instant: datetime | date) -> PayRate:
        """The pay rate in force at ``instant``.

        Args:
            instant: A datetime (naive means UTC; aware ones are converted to UTC) or a date.

        Returns:
            The rate with the latest ``effective_from`` on or before the instant's UTC date, so
            a new rate applies from 00:00 UTC of its ``effective_from``.

        Raises:
            PolicyError: No rate is in force yet at that instant.
        """
        if isinstance(instant, datetime):
            day = instant.astimezone(UTC).date() if instant.tzinfo else instant.date()
        else:
            day = instant
        found: PayRate | None = None
        for rate in self.pay:
            if rate.effective_from <= day:
                found = rate
            else:
                break
        if found is None:
            first = self.pay[0].effective_from.isoformat() if self.pay else "none"
            raise PolicyError(
                f"{self.source}: no pay rate in force on {day.isoformat()}; "
                f"the earliest [[pay]] effective_from is {first}"
            )
        return found

    def classify_event(self, text: str) -> str:
        """The kind of a timeline event: the first keyword rule that matches, else ``"note"``.

        Rules are case-insensitive substrings, tried in the order status_update, escalation,
        page (docs/metrics.md).
        """
        folded = (text or "").casefold()
        for kind, keywords in self._folded_rules:
            for keyword in keywords:
                if keyword in folded:
                    return kind
        return "note"

    def classify_event_other(self, text: str) -> str:
        """:meth:`classify_event` without the status_update rule: the kind of a document's
        "status page" line when a linked status page supplies the updates (docs/importers.md)."""
        folded = (text or "").casefold()
        for kind, keywords in self._folded_rules:
            if kind != "status_update":
                for keyword in keywords:
                    if keyword in folded:
                        return kind
        return "note"

    def severity_for_priority(self, priority: str | None) -> int | None:
        """The severity a PagerDuty priority maps to, or ``None`` (no or unmapped priority).

        The priority name is matched after trimming, case-insensitively (``" p1 "`` is ``P1``).
        """
        if priority is None:
            return None
        wanted = str(priority).strip().casefold()
        if not wanted:
            return None
        for name, severity in self.pagerduty_severity_by_priority:
            if name.strip().casefold() == wanted:
                return severity
        return None

    def policy_row(self) -> dict[str, Any]:
        """The values of the warehouse ``policy`` table (one row)."""
        return {
            "policy_version": self.version,
            "response_sev1_minutes": self.response_sev1_minutes,
            "response_sev2_minutes": self.response_sev2_minutes,
            "response_sev3_business_hours": self.response_sev3_business_hours,
            "page_ack_minutes": self.page_ack_minutes,
            "escalate_after_minutes": self.escalate_after_minutes,
            "status_sev1_minutes": self.status_sev1_minutes,
            "status_sev2_minutes": self.status_sev2_minutes,
            "postmortem_deadline_hours": self.postmortem_deadline_hours,
            "postmortem_severities": list(self.postmortem_severities),
            "business_timezone": self.business_timezone,
            "business_start": self.business_start,
            "business_end": self.business_end,
            "business_weekdays": list(self.business_weekdays),
            "holidays_country": self.holidays_country,
            "overnight_start": self.overnight_start,
            "overnight_end": self.overnight_end,
            "done_statuses": list(self.tracker_done_statuses),
            "handoff_before_hours": self.handoff_before_hours,
            "handoff_after_hours": self.handoff_after_hours,
            "fairness_weeks": self.fairness_weeks,
            "max_consecutive_oncall_days": self.max_consecutive_oncall_days,
            "max_interrupted_nights_per_week": self.max_interrupted_nights_per_week,
            "max_offhours_oncall_hours_per_4_weeks": self.max_offhours_oncall_hours_per_4_weeks,
            "postmortem_min_whys": self.postmortem_min_whys,
            "blame_phrases": list(self.postmortem_blame_phrases),
            "communication_within_minutes": self.communication_within_minutes,
            "sev1_phrases": list(self.severity_audit_sev1_phrases),
            "sev2_phrases": list(self.severity_audit_sev2_phrases),
            "comp_time_expires_after_days": self.comp_time_expires_after_days,
        }

    def communication_rows(self) -> list[tuple[int, str, list[str]]]:
        """The ``communication_rules`` table: ``(severity, requirement, phrases)`` rows."""
        return [
            (severity, requirement, list(phrases))
            for severity, requirements in self.communication
            for requirement, phrases in requirements
        ]

    def pay_rows(self) -> list[dict[str, Any]]:
        """One row per pay rate, in ``effective_from`` order; ``effective_from`` is 00:00 UTC."""
        return [
            {
                "effective_from": datetime.combine(rate.effective_from, time(0), tzinfo=UTC),
                "weekly_stipend_usd": rate.weekly_stipend_usd,
                "sev1_bonus_usd": rate.sev1_bonus_usd,
                "comp_hours_per_overnight_page": rate.comp_hours_per_overnight_page,
            }
            for rate in self.pay
        ]

    def holiday_dates(self, first_year: int, last_year: int) -> list[tuple[date, str]]:
        """Public holidays of ``holidays_country`` in the years given, both included.

        Returns:
            ``(date, name)`` pairs in date order (observed days included, as the ``holidays``
            package lists them); ``[]`` when no country is set or ``first_year > last_year``.
        """
        if not self.holidays_country or first_year > last_year:
            return []
        from analytics import countries

        if countries.is_accepted(self.holidays_country):
            return [
                (day, name)
                for _, day, name in countries.holiday_rows(
                    self.holidays_country, first_year, last_year
                )
            ]
        import holidays  # imported here: it is slow to import and most commands never need it

        found = holidays.country_holidays(
            self.holidays_country, years=range(first_year, last_year + 1)
        )
        return sorted(found.items())


@functools.lru_cache(maxsize=8)  # one policy's rules, for every timeline entry of an ingest
def _folded_keywords(
    rules: tuple[tuple[str, tuple[str, ...]], ...],
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The keyword rules with each keyword case-folded once."""
    return tuple((kind, tuple(k.casefold() for k in keywords)) for kind, keywords in rules)


def _canonical_value(value: Any) -> Any:
    """A JSON-ready form that depends only on the value (``Decimal("4")`` and ``"4.00"`` agree)."""
    if isinstance(value, PayRate):
        return {f.name: _canonical_value(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [_canonical_value(v) for v in value]
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float):
        return float(value)
    return value


def pay_policy_version(rates: Iterable[PayRate], overnight_start: time, overnight_end: time) -> str:
    """``sha256:`` and 12 hex digits of the pay keys only (:attr:`Policy.pay_version`).

    Also computed from a warehouse's ``pay_rates`` and ``policy`` rows by the payroll, so
    both must give the same text for the same values.
    """
    body = {
        "pay": [_canonical_value(r) for r in sorted(rates, key=lambda r: r.effective_from)],
        "overnight": [_canonical_value(overnight_start), _canonical_value(overnight_end)],
    }
    dump = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(dump.encode("utf-8")).hexdigest()[:12]


DEFAULT_POLICY = Policy()


def load_policy(path: str | Path | None) -> Policy:
    """Read a policy file over the built-in defaults.

    Args:
        path: A TOML file (docs/policy.md), or ``None`` for :data:`DEFAULT_POLICY`.

    Returns:
        The policy, with ``source`` set to the path as given.

    Raises:
        PolicyError: The file is missing or unreadable, is not valid TOML, has an unknown
            section or key, or a value that is not accepted. The message is one line.
    """
    if path is None:
        return DEFAULT_POLICY
    src = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise PolicyError(f"{src}: policy file not found") from None
    except OSError as exc:
        raise PolicyError(f"{src}: cannot read policy file: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise PolicyError(
            f"{src}: invalid TOML: not UTF-8 text (byte {exc.start}, line {line})"
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        last = f"at end of document, line {len(text.splitlines()) or 1}"
        message = str(exc).replace("at end of document", last)
        raise PolicyError(f"{src}: invalid TOML: {message}") from None
    except RecursionError:  # tomllib recurses per nested array or table
        nested = re.search(r"[\[{]{20,}", text)
        line = text.count("\n", 0, nested.start()) + 1 if nested else 1
        raise PolicyError(f"{src}: invalid TOML: values nested too deeply (line {line})") from None
    return _Loader(src, text).build(data)


# --- reading and checking the file ------------------------------------------------------------


class _Bad(Exception):
    """A value is not accepted; carries what would be."""


def _show(value: Any) -> str:
    """A value as the user wrote it, near enough (TOML-ish, one line)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, time) and not (value.second or value.microsecond):
        return value.strftime("%H:%M")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_show(v)}" for k, v in value.items()) + " }"
    return str(value)


def _positive(unit: str) -> Callable[[Any], float]:
    def parse(value: Any) -> float:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or value <= 0
        ):
            raise _Bad(f"expected a number of {unit} > 0")
        return float(value)

    return parse


def _whole_days(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 3660:
        raise _Bad("expected a whole number of days from 1 to 3660")
    return value


def _days_or_never(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 36600:
        raise _Bad("expected a whole number of days from 0 (never) to 36600")
    return value


def _non_negative(unit: str) -> Callable[[Any], float]:
    def parse(value: Any) -> float:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or value < 0
        ):
            raise _Bad(f"expected a number of {unit} >= 0")
        return float(value)

    return parse


def _whole(low: int, what: str) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise _Bad(f"expected a whole number of {what} >= {low}")
        return value

    return parse


_HHMM = re.compile(r"^(\d{2}):(\d{2})$")


def _clock(value: Any) -> time:
    if isinstance(value, time) and value.tzinfo is None:
        return value
    match = _HHMM.match(value) if isinstance(value, str) else None
    if match:
        hour, minute = int(match[1]), int(match[2])
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise _Bad('expected a time "HH:MM" from "00:00" to "23:59"')


def _int_list(low: int, high: int, what: str, *, allow_empty: bool) -> Callable[[Any], tuple]:
    def parse(value: Any) -> tuple[int, ...]:
        accepted = f"expected a list of {what} {low} to {high}"
        if not isinstance(value, list):
            raise _Bad(accepted)
        if not value and not allow_empty:
            raise _Bad(accepted + ", at least one")
        for v in value:
            if isinstance(v, bool) or not isinstance(v, int) or not low <= v <= high:
                raise _Bad(accepted)
        return tuple(sorted(set(value)))

    return parse


def _str_list(what: str, *, allow_empty: bool) -> Callable[[Any], tuple[str, ...]]:
    def parse(value: Any) -> tuple[str, ...]:
        accepted = f"expected a list of non-empty {what}"
        if not isinstance(value, list):
            raise _Bad(accepted)
        if not value and not allow_empty:
            raise _Bad(accepted + ", at least one")
        for v in value:
            if not isinstance(v, str) or not v.strip():
                raise _Bad(accepted)
        return tuple(value)

    return parse


def _count(minimum: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise _Bad(f"expected a whole number >= {minimum}")
        return value

    return parse


def _timezone(value: Any) -> str:
    if isinstance(value, str) and value:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            pass
        else:
            return value
    raise _Bad('expected an IANA time zone name such as "UTC" or "Europe/Berlin"')


def _country(value: Any) -> str:
    if not isinstance(value, str):
        raise _Bad('expected a country code such as "US" or "DE", or "" for none')
    code = value.strip().upper()
    if not code:
        return ""
    from analytics import countries

    if countries.is_accepted(code):  # the people.csv forms, subdivisions included (DE-BY)
        return code
    import holidays  # imported here: it is slow to import and most policies never need it

    try:
        holidays.country_holidays(code)
    except (NotImplementedError, KeyError):
        raise _Bad(
            'expected a country code known to the holidays package such as "US", "DE" or '
            '"DE-BY" (with a subdivision), or "" for none'
        ) from None
    return code


def _money(value: Any) -> Decimal:
    accepted = 'expected an amount in USD >= 0 with at most 2 decimals, such as "500.00"'
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Bad(accepted)
    try:
        # A TOML float goes through str() so 0.1 is 0.1, never 0.1000000000000000055...
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise _Bad(accepted) from None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(_CENT):
        raise _Bad(accepted)
    return amount.quantize(_CENT)


def _hours(value: Any) -> Decimal:
    accepted = "expected a number of hours >= 0 (an integer, a decimal or a decimal string)"
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Bad(accepted)
    try:
        hours = Decimal(str(value).strip())
    except InvalidOperation:
        raise _Bad(accepted) from None
    if not hours.is_finite() or hours < 0:
        raise _Bad(accepted)
    return hours


def _day(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        from analytics.periods import PeriodError, parse_date  # the one parser of days

        try:
            return parse_date(value)
        except PeriodError:
            pass
    raise _Bad('expected a date "YYYY-MM-DD"')


def _priorities(value: Any) -> tuple[tuple[str, int], ...]:
    return _severity_table(value, "priority", "{ P1 = 1, P2 = 2 }")


def _urgencies(value: Any) -> tuple[tuple[str, int], ...]:
    return _severity_table(value, "urgency", "{ high = 2, low = 3 }")


def _impacts(value: Any) -> tuple[tuple[str, int], ...]:
    return _severity_table(value, "impact", "{ critical = 1, major = 2 }")


def _team_name(value: Any) -> str:
    if not isinstance(value, str):
        raise _Bad('expected a team name such as "web", or "" for --team')
    return team_key(value)


def _column_aliases(value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    accepted = (
        "expected a table of Jira header = list of other names, such as "
        '{ "Issue key" = ["Vorgangsschlüssel"] }'
    )
    if not isinstance(value, dict):
        raise _Bad(accepted)
    from analytics.ingest.jira import COLUMNS  # the importer's own list of the columns it reads

    out = []
    for name, aliases in value.items():
        if name not in COLUMNS:
            raise _Bad(f"{accepted}; the headers are {', '.join(COLUMNS)} (unknown {name!r})")
        try:
            out.append((name.strip(), _str_list("names", allow_empty=True)(aliases)))
        except _Bad:
            raise _Bad(accepted) from None
    return tuple(sorted(out))


def _severity_table(value: Any, what: str, example: str) -> tuple[tuple[str, int], ...]:
    accepted = f"expected a table of {what} = severity 1 to 3, such as {example}"
    if not isinstance(value, dict):
        raise _Bad(accepted)
    seen: set[str] = set()
    for name, severity in value.items():
        if isinstance(severity, bool) or not isinstance(severity, int) or not 1 <= severity <= 3:
            raise _Bad(accepted)
        folded = name.strip().casefold()
        if not folded or folded in seen:
            raise _Bad(accepted + f"; {what} names must be distinct and non-empty ({name!r})")
        seen.add(folded)
    # Sorted so that the same table written in another order is the same policy version.
    return tuple(sorted(value.items()))


def _team_days(value: Any) -> tuple[tuple[str, date | datetime], ...]:
    accepted = (
        'expected a table of team = "YYYY-MM-DD" (00:00 UTC) or an instant with its offset, '
        "such as { legacy = 2026-10-15 } or { search = 2026-11-10T09:00:00Z }"
    )
    if not isinstance(value, dict):
        raise _Bad(accepted)
    days: dict[str, date | datetime] = {}
    for team, day in value.items():
        name = team_key(team)  # team names are trimmed and lower-cased (analytics/names.py)
        if not name or name in days:
            raise _Bad(accepted + f"; team names must be distinct and non-empty ({team!r})")
        if isinstance(day, datetime):
            if day.tzinfo is None:
                raise _Bad(accepted)
            days[name] = day.astimezone(UTC)
            continue
        try:
            days[name] = _day(day)
        except _Bad:
            raise _Bad(accepted) from None
    return tuple(sorted(days.items()))


# TOML section -> key -> (Policy field, parser). Pay and timeline_keywords are handled apart.
_SECTIONS: dict[str, dict[str, tuple[str, Callable[[Any], Any]]]] = {
    "response": {
        "sev1_minutes": ("response_sev1_minutes", _positive("minutes")),
        "sev2_minutes": ("response_sev2_minutes", _positive("minutes")),
        "sev3_business_hours": ("response_sev3_business_hours", _positive("business hours")),
        "page_ack_minutes": ("page_ack_minutes", _positive("minutes")),
        "escalate_after_minutes": ("escalate_after_minutes", _positive("minutes")),
    },
    "status_updates": {
        "sev1_minutes": ("status_sev1_minutes", _positive("minutes")),
        "sev2_minutes": ("status_sev2_minutes", _positive("minutes")),
    },
    "postmortem": {
        "deadline_hours": ("postmortem_deadline_hours", _positive("hours")),
        "severities": (
            "postmortem_severities",
            _int_list(1, 3, "severities", allow_empty=True),
        ),
        "min_whys": ("postmortem_min_whys", _count(0)),
        "blame_phrases": (
            "postmortem_blame_phrases",
            _str_list("phrases (whole-word, case-insensitive)", allow_empty=True),
        ),
    },
    "severity_audit": {
        "sev1_phrases": (
            "severity_audit_sev1_phrases",
            _str_list("phrases (whole-word, case-insensitive)", allow_empty=True),
        ),
        "sev2_phrases": (
            "severity_audit_sev2_phrases",
            _str_list("phrases (whole-word, case-insensitive)", allow_empty=True),
        ),
    },
    "business_hours": {
        "timezone": ("business_timezone", _timezone),
        "start": ("business_start", _clock),
        "end": ("business_end", _clock),
        "weekdays": (
            "business_weekdays",
            _int_list(1, 7, "ISO weekdays (Monday = 1)", allow_empty=False),
        ),
        "holidays_country": ("holidays_country", _country),
    },
    "overnight": {
        "start": ("overnight_start", _clock),
        "end": ("overnight_end", _clock),
    },
    "tracker": {
        "done_statuses": ("tracker_done_statuses", _str_list("status names", allow_empty=False)),
        "column_aliases": ("tracker_column_aliases", _column_aliases),
        "timezone": ("tracker_timezone", _timezone),
    },
    "pagerduty": {
        "severity_by_priority": ("pagerduty_severity_by_priority", _priorities),
        "severity_by_urgency": ("pagerduty_severity_by_urgency", _urgencies),
    },
    "opsgenie": {
        "severity_by_priority": ("opsgenie_severity_by_priority", _priorities),
    },
    "statuspage": {
        "severity_by_impact": ("statuspage_severity_by_impact", _impacts),
        "team": ("statuspage_team", _team_name),
    },
    "rotations": {
        "max_shift_days": ("rotations_max_shift_days", _whole_days),
    },
    "handoff": {
        "before_hours": ("handoff_before_hours", _non_negative("hours")),
        "after_hours": ("handoff_after_hours", _non_negative("hours")),
    },
    "working_time": {
        "fairness_weeks": ("fairness_weeks", _whole(1, "weeks")),
        "max_consecutive_oncall_days": (
            "max_consecutive_oncall_days",
            _whole(0, "days (0 = no limit)"),
        ),
        "max_interrupted_nights_per_week": (
            "max_interrupted_nights_per_week",
            _whole(0, "nights (0 = no limit)"),
        ),
        "max_offhours_oncall_hours_per_4_weeks": (
            "max_offhours_oncall_hours_per_4_weeks",
            _non_negative("hours (0 = no limit)"),
        ),
    },
    "coverage": {
        "team_starts": ("coverage_team_starts", _team_days),
        "team_ends": ("coverage_team_ends", _team_days),
        "max_gap_hours": ("coverage_max_gap_hours", _positive("hours")),
    },
    "comp_time": {
        "expires_after_days": ("comp_time_expires_after_days", _days_or_never),
    },
}
_KEYWORD_KINDS = EVENT_KINDS[:-1]
_PAY_KEYS = (
    "effective_from",
    "weekly_stipend_usd",
    "sev1_bonus_usd",
    "comp_hours_per_overnight_page",
)
_PAY_PARSERS: dict[str, Callable[[Any], Any]] = {
    "effective_from": _day,
    "weekly_stipend_usd": _money,
    "sev1_bonus_usd": _money,
    "comp_hours_per_overnight_page": _hours,
}
# In the order of docs/policy.md, for the "accepted sections" list of an error.
_ALL_SECTIONS = (
    "response",
    "status_updates",
    "postmortem",
    "business_hours",
    "overnight",
    "pay",
    "timeline_keywords",
    "tracker",
    "pagerduty",
    "opsgenie",
    "statuspage",
    "rotations",
    "handoff",
    "working_time",
    "communication",
    "severity_audit",
    "coverage",
    "comp_time",
)
_COMMUNICATION_SEVERITIES = ("sev1", "sev2", "sev3")

_HEADER = re.compile(r"^\s*\[\[?\s*([^\[\]#]+?)\s*\]\]?\s*(?:#.*)?$")


class _Loader:
    """Checks one parsed file and builds the Policy; knows the text only to report line numbers."""

    def __init__(self, src: str, text: str) -> None:
        self.src = src
        self.lines = text.splitlines()

    def build(self, data: dict[str, Any]) -> Policy:
        values: dict[str, Any] = {}
        for section, body in data.items():
            if section not in _ALL_SECTIONS:
                self._fail(
                    f"unknown section '{section}'{self._at(section)}; "
                    f"accepted sections: {', '.join(_ALL_SECTIONS)}"
                )
            if section == "pay":
                values["pay"] = self._pay(body)
                continue
            if not isinstance(body, dict):
                self._fail(f"'{section}' must be a table [{section}], not {_show(body)}")
            if section == "timeline_keywords":
                values["timeline_keywords"] = self._keywords(body)
                continue
            if section == "communication":
                values.update(self._communication(body))
                continue
            keys = _SECTIONS[section]
            for key, value in body.items():
                if key not in keys:
                    self._unknown_key(section, key, keys)
                name, parse = keys[key]
                values[name] = self._parse(parse, value, section, key)
        policy = Policy(**values, source=self.src)
        self._check_ranges(policy, data)
        return policy

    def _pay(self, body: Any) -> tuple[PayRate, ...]:
        if not isinstance(body, list) or not all(isinstance(e, dict) for e in body):
            self._fail(f"'pay' must be a list of [[pay]] tables, not {_show(body)}")
        if not body:
            self._fail("pay = []: expected at least one [[pay]] entry")
        rates: list[PayRate] = []
        starts: dict[date, int] = {}
        for n, entry in enumerate(body, start=1):
            label = f"pay[{n}]"
            for key in entry:
                if key not in _PAY_PARSERS:
                    self._fail(
                        f"unknown key '{label}.{key}'{self._at('pay', key, n - 1)}; "
                        f"accepted keys of [[pay]]: {', '.join(_PAY_KEYS)}"
                    )
            missing = [k for k in _PAY_KEYS if k not in entry]
            if missing:
                self._fail(
                    f"{label}{self._at('pay', None, n - 1)}: missing key '{missing[0]}'; "
                    f"each [[pay]] needs {', '.join(_PAY_KEYS)}"
                )
            parsed = {k: self._parse(_PAY_PARSERS[k], entry[k], label, k, n - 1) for k in _PAY_KEYS}
            start = parsed["effective_from"]
            if start in starts:
                self._fail(
                    f"{label}.effective_from = {start.isoformat()}"
                    f"{self._at('pay', 'effective_from', n - 1)}: the same date as "
                    f"pay[{starts[start]}]; each [[pay]] effective_from must be unique"
                )
            starts[start] = n
            rates.append(PayRate(**parsed))
        return tuple(sorted(rates, key=lambda r: r.effective_from))

    def _keywords(self, body: dict[str, Any]) -> tuple[tuple[str, tuple[str, ...]], ...]:
        current = dict(DEFAULT_POLICY.timeline_keywords)
        parse = _str_list("strings (case-insensitive substrings)", allow_empty=True)
        for kind, value in body.items():
            if kind not in _KEYWORD_KINDS:
                self._unknown_key("timeline_keywords", kind, _KEYWORD_KINDS)
            current[kind] = self._parse(parse, value, "timeline_keywords", kind)
        return tuple((kind, current[kind]) for kind in _KEYWORD_KINDS)

    def _communication(self, body: dict[str, Any]) -> dict[str, Any]:
        """``within_minutes``, and per severity a table of requirement = [phrases] that
        replaces that severity's default requirements whole."""
        out: dict[str, Any] = {}
        current = dict(DEFAULT_POLICY.communication)
        phrases = _str_list("phrases (whole-word, case-insensitive)", allow_empty=False)
        for key, value in body.items():
            if key == "within_minutes":
                out["communication_within_minutes"] = self._parse(
                    _positive("minutes"), value, "communication", key
                )
                continue
            if key not in _COMMUNICATION_SEVERITIES:
                self._unknown_key(
                    "communication", key, ("within_minutes", *_COMMUNICATION_SEVERITIES)
                )
            if not isinstance(value, dict):
                self._fail(
                    f"communication.{key} = {_show(value)}{self._at('communication', key)}: "
                    f"expected a table [communication.{key}] of requirement = [phrases]"
                )
            current[int(key[-1])] = tuple(
                (name, self._parse(phrases, listed, f"communication.{key}", name))
                for name, listed in sorted(value.items())
            )
        out["communication"] = tuple(sorted(current.items()))
        return out

    def _check_ranges(self, policy: Policy, data: dict[str, Any]) -> None:
        """Checks that involve two keys, after both have been read (one may be a default)."""
        if policy.business_start >= policy.business_end:
            key = "end" if "end" in data.get("business_hours", {}) else "start"
            value = policy.business_end if key == "end" else policy.business_start
            self._fail(
                f"business_hours.{key} = {_show(value)}{self._at('business_hours', key)}: "
                f"business_hours.end must be after start (got {_show(policy.business_start)} "
                f"to {_show(policy.business_end)})"
            )
        if policy.overnight_start == policy.overnight_end:
            self._fail(
                f"overnight.start = {_show(policy.overnight_start)}"
                f"{self._at('overnight', 'start')}: overnight.start and overnight.end must differ"
            )

    def _parse(
        self,
        parse: Callable[[Any], Any],
        value: Any,
        section: str,
        key: str,
        occurrence: int = 0,
    ) -> Any:
        try:
            return parse(value)
        except _Bad as bad:
            header = "pay" if section.startswith("pay[") else section
            where = self._at(header, key, occurrence)
            self._fail(f"{section}.{key} = {_show(value)}{where}: {bad}")

    def _unknown_key(self, section: str, key: str, accepted: Any) -> NoReturn:
        self._fail(
            f"unknown key '{section}.{key}'{self._at(section, key)}; "
            f"accepted keys of [{section}]: {', '.join(accepted)}"
        )

    def _fail(self, message: str) -> NoReturn:
        raise PolicyError(f"{self.src}: {message}")

    def _at(self, section: str, key: str | None = None, occurrence: int = 0) -> str:
        """`` (line N)`` where the key is written, best effort: else the line of its section's
        header, else '' (dotted or inline forms)."""
        line = self._find_line(section, key, occurrence)
        if line:
            return f" (line {line})"
        header = self._find_line(section, None, occurrence) if key is not None else None
        return f" (in [{section}] at line {header})" if header else ""

    def _find_line(self, section: str, key: str | None, occurrence: int) -> int | None:
        headers = [
            i for i, text in enumerate(self.lines) if (m := _HEADER.match(text)) and m[1] == section
        ]
        if occurrence >= len(headers):
            return None
        start = headers[occurrence]
        if key is None:
            return start + 1
        wanted = re.compile(rf"""^\s*["']?{re.escape(key)}["']?\s*=""")
        for i in range(start + 1, len(self.lines)):
            if _HEADER.match(self.lines[i]):
                break
            if wanted.match(self.lines[i]):
                return i + 1
        return None
