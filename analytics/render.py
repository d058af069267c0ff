"""How reports show things to people: the one formatting and HTML module.

Every report (weekly, its review sections, compensation, exploration) and the terminal
digest of ``metrics`` shape their figures here, so each unit has one spelling:

* durations: :func:`duration` — ``45 s``, ``12 min``, ``3.5 h``, ``2.1 d`` (the unit with a
  space, as docs/metrics.md writes them); ``—`` when missing;
* shares: :func:`percent` (``67%``), :func:`fraction` and :func:`share` (``2 of 3 (67%)``);
* money: :func:`money` (``$1,234.56``); payroll hours: :func:`hours` (``1,234.25 h``, the
  payroll file's figure with a thousands separator);
* moments: :func:`timestamp` (``Mon 02 Nov 2026 00:00 UTC``), :func:`instant`
  (``2 Nov 2026 00:00 UTC``), :func:`day` (``2 Nov 2026``).

The HTML pieces (:func:`escape`, :func:`p`, :func:`bullets`, :func:`table`,
:func:`rows_table`, :func:`figure_strip`, :func:`cards`, :func:`banner`) take text and
escape it; :func:`show` and :func:`display` put them in a notebook. Machine outputs (metrics
CSV/JSON, the payroll CSV and its explanation) never come here: they keep their own exact
formats.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from html import escape as _escape
from typing import Any, NamedTuple

import pandas as pd

__all__ = [
    "MISSING",
    "Figure",
    "banner",
    "bullets",
    "cards",
    "count",
    "day",
    "display",
    "duration",
    "duration_unit",
    "escape",
    "figure_strip",
    "fraction",
    "hours",
    "instant",
    "is_missing",
    "money",
    "p",
    "percent",
    "rows_table",
    "severity",
    "share",
    "show",
    "signed_hours",
    "table",
    "timestamp",
]

# What a cell without a value shows.
MISSING = "—"
# A real minus sign: a hyphen before a figure reads as a dash.
MINUS = "\u2212"


def is_missing(value: Any) -> bool:
    """None, NaN, ``pd.NA`` and ``NaT`` (one test for every kind of missing value)."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or array is a value
        return False


# --------------------------------------------------------------------------- durations

_UNIT_S = {"s": 1, "min": 60, "h": 3600, "d": 86400}
_DIGITS = {"s": 0, "min": 0, "h": 1, "d": 1}


def duration_unit(seconds: float) -> str:
    """The unit a duration reads best in: ``s`` below a minute, ``min`` below an hour,
    ``h`` below two days, else ``d``; chosen on the figure as shown, so 3,599 s is
    ``1.0 h``, not ``60 min``."""
    value = abs(float(seconds))
    if round(value) < 60:
        return "s"
    if round(value / 60) < 60:
        return "min"
    return "h" if round(value / 3600, 1) < 48 else "d"


def duration(seconds: Any, unit: str | None = None, *, missing: str = MISSING) -> str:
    """A duration for people: ``0 s``, ``59 s``, ``12 min``, ``25.0 h``, ``2.1 d``.

    Args:
        seconds: The duration in seconds (int, float, Decimal, numpy scalar); None, NaN or
            NaT is missing.
        unit: Force one unit (``s``, ``min``, ``h``, ``d``), so that the figures of one row
            read side by side; default the one :func:`duration_unit` picks.
        missing: What a missing duration shows (the terminal digest leaves the cell empty).

    A negative duration (a clock error in the data) is shown, with a minus sign, not hidden.

    Raises:
        ValueError: for a unit not in ``s``, ``min``, ``h``, ``d``.
    """
    if is_missing(seconds):
        return missing
    value = float(seconds)
    if math.isnan(value):
        return missing
    unit = unit or duration_unit(value)
    if unit not in _UNIT_S:
        raise ValueError(f"duration unit {unit!r} is not one of {', '.join(_UNIT_S)}")
    text = f"{abs(value) / _UNIT_S[unit]:.{_DIGITS[unit]}f}"
    sign = MINUS if value < 0 and text.strip("0.") else ""
    return f"{sign}{text} {unit}"


# --------------------------------------------------------------------------- numbers


def percent(value: Any) -> str:
    """``0.667`` as ``67%``; ``—`` when missing."""
    return MISSING if is_missing(value) else f"{float(value):.0%}"


def fraction(part: int, whole: int) -> str:
    """``"2 of 3 (67%)"``; ``"—"`` when the whole is nothing."""
    part, whole = int(part), int(whole)
    return f"{part} of {whole} ({part / whole:.0%})" if whole else MISSING


def severity(value: Any) -> str:
    """``SEV-1``; ``—`` when missing."""
    return MISSING if is_missing(value) else f"SEV-{int(value)}"


def share(met: int, breached: int) -> str:
    """``"2 of 3 (67%)"``: met over decided (pending left out); ``"—"`` when none decided."""
    return fraction(met, int(met) + int(breached))


def count(n: int, word: str) -> str:
    """``1 incident``, ``2 incidents``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def money(value: Decimal | str | int) -> str:
    """``$1,234.56`` (to the cent, as the payroll file)."""
    return f"${Decimal(value).quantize(Decimal('0.01')):,.2f}"


def hours(value: Decimal | float | str) -> str:
    """Payroll hours as in the payroll file (up to two decimals), with a thousands
    separator: ``1,234.25 h``. A sum of hours paid, not a duration: it is read against the
    file, so it keeps the file's precision."""
    from analytics.pay import format_hours

    whole, dot, frac = format_hours(Decimal(str(value))).partition(".")
    return f"{int(whole):,}{dot}{frac} h"


def signed_hours(value: float) -> str:
    """:func:`hours` with a real minus sign for a debt: ``−4 h``."""
    return f"{MINUS}{hours(round(-value, 2))}" if value < 0 else hours(round(value, 2))


# --------------------------------------------------------------------------- moments


def timestamp(value: Any) -> str:
    """``Mon 02 Nov 2026 00:00 UTC``; ``—`` when missing."""
    if is_missing(value):
        return MISSING
    return pd.Timestamp(value).tz_convert("UTC").strftime("%a %d %b %Y %H:%M UTC")


def day(value: date) -> str:
    """``1 Oct 2026``."""
    return f"{value.day} {value:%b %Y}"


def instant(value: datetime | str, *, year: int | None = None) -> str:
    """``2 Nov 2026 00:00 UTC``; without the year when it is ``year``; ISO text accepted."""
    if isinstance(value, str):
        if not value:
            return ""
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    shown = f"{value.day} {value:%b}" if value.year == year else f"{value.day} {value:%b %Y}"
    return f"{shown} {value:%H:%M} UTC"


# --------------------------------------------------------------------------- HTML


def escape(value: Any) -> str:
    """Any value as HTML text."""
    return _escape(str(value))


def p(text: str) -> str:
    """A paragraph of plain text."""
    return f"<p>{escape(text)}</p>"


def bullets(items: Iterable[str]) -> str:
    """A list of plain-text items."""
    return "<ul>" + "".join(f"<li>{escape(x)}</li>" for x in items) + "</ul>"


_TABLES = itertools.count(1)


def table(df: pd.DataFrame, numbers: Iterable[str] = ()) -> str:
    """``df`` as an HTML table: text columns left-aligned, numbers right-aligned.

    Columns of a numeric dtype are numbers; ``numbers`` names text columns that hold them
    ("9 min", "2 of 3 (67%)"). The notebook's stylesheet right-aligns every cell, so the
    table carries a rule of its own for its text columns; missing cells show ``—``.
    """
    right = set(numbers)
    text = [
        i
        for i, col in enumerate(df.columns, start=1)
        if col not in right and not pd.api.types.is_numeric_dtype(df[col])
    ]
    name = f"ia-table-{next(_TABLES)}"
    body = df.to_html(
        index=False, escape=True, border=0, na_rep=MISSING, classes=f"dataframe {name}"
    )
    if not text:
        return body
    cells = ", ".join(f".{name} td:nth-child({i}), .{name} th:nth-child({i})" for i in text)
    return f"<style>{cells} {{ text-align: left; }}</style>{body}"


def rows_table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    numeric: Iterable[int] = (),
    total: Sequence[Any] | None = None,
    css_class: str = "comp-table",
) -> str:
    """A table of rows already formatted; the columns at ``numeric`` positions are
    right-aligned (class ``num``), ``total`` is a last row in bold (class ``total``)."""
    right = set(numeric)

    def cells(values: Sequence[Any], tag: str) -> str:
        return "".join(
            f'<{tag} class="num">{escape(v)}</{tag}>'
            if i in right
            else f"<{tag}>{escape(v)}</{tag}>"
            for i, v in enumerate(values)
        )

    body = "".join(f"<tr>{cells(r, 'td')}</tr>" for r in rows)
    if total is not None:
        body += f'<tr class="total">{cells(total, "td")}</tr>'
    return (
        f'<table class="{css_class}"><thead><tr>{cells(headers, "th")}</tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


class Figure(NamedTuple):
    """One box of a figure strip: ``"63"``, ``"open SEV-1/2 action items"``, ``"55 overdue"``."""

    figure: str
    what: str
    detail: str
    colour: str | None = None  # of the figure (a severity's colour); default near-black


def figure_strip(boxes: Iterable[Figure]) -> str:
    """:class:`Figure` boxes in a row: the weekly report's headline figures (inline styles:
    the report has no stylesheet of its own)."""
    cells = "".join(
        '<div style="border: 1px solid #d5d8dc; border-radius: 4px; padding: 6px 14px; '
        'min-width: 130px;">'
        f'<div style="font-size: 1.9em; font-weight: 600; color: {colour or "#1a1a1a"};">'
        f"{escape(figure)}</div><div>{escape(what)}</div>"
        f'<div style="color: #555; font-size: 0.9em;">{escape(detail)}</div></div>'
        for figure, what, detail, colour in boxes
    )
    return (
        '<div class="headline-strip" style="display: flex; flex-wrap: wrap; gap: 10px; '
        f'margin: 0.4em 0 0.8em;">{cells}</div>'
    )


def cards(items: Iterable[tuple[str, str]]) -> str:
    """Cards of ``(what, figure)``: the compensation report's totals (its stylesheet's
    ``comp-cards`` classes)."""
    return (
        '<div class="comp-cards">'
        + "".join(
            f'<div class="comp-card"><div class="v">{escape(v)}</div>'
            f'<div class="k">{escape(k)}</div></div>'
            for k, v in items
        )
        + "</div>"
    )


def banner(lines: Sequence[str]) -> str:
    """The "data is missing" banner that opens a report (empty text without lines)."""
    if not lines:
        return ""
    items = "".join(f"<li>{escape(line)}</li>" for line in lines)
    return (
        '<div class="data-ends" role="alert" style="border: 2px solid #c0392b; '
        "background: #fdecea; color: #1a1a1a; padding: 0.6em 1em; margin: 0.5em 0 1em; "
        'border-radius: 4px; font-size: 1.05em;"><strong>Some data is missing for this '
        f'period.</strong><ul style="margin: 0.4em 0 0;">{items}</ul></div>'
    )


# --------------------------------------------------------------------------- notebook


def display(obj: Any) -> None:
    """Show ``obj`` (a chart, a frame) as the notebook's output."""
    from IPython.display import display as ipython_display

    ipython_display(obj)


def show(text: str) -> None:
    """Show an HTML fragment as the notebook's output."""
    from IPython.display import HTML

    display(HTML(text))
