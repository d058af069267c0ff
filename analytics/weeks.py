"""ISO weeks and report times given as text: kept as a name for :mod:`analytics.periods`,
which parses every instant, date, week, month and period (``analytics.weekly`` and
``analytics.reports`` import these).
"""

from __future__ import annotations

from analytics.periods import WEEK_RE, last_complete_week, parse_as_of, parse_week

__all__ = ["WEEK_RE", "last_complete_week", "parse_as_of", "parse_week"]
