"""incident-analytics: incident records in, numbers people act on.

The analyst's API (``docs/api.md``) is importable from here: ``analytics.mttx("2026-Q3",
by="team")``. Light at import time: the API's functions and their heavy libraries (pandas,
DuckDB) load on first use, so ``incident-analytics --help`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from datetime import date, datetime
    from pathlib import Path

    import duckdb

    from analytics.api import (
        action_items,
        change,
        compliance,
        detectable,
        format_duration,
        hours,
        incidents,
        mttx,
        oncall_fairness,
        oncall_load,
        period,
        query,
        tables,
        trend,
        warehouse,
    )
    from analytics.errors import AnalyticsError, UsageError, WarehouseBusy
    from analytics.periods import Period, PeriodError
    from analytics.policy import Policy

__all__ = [
    "AnalyticsError",
    "Period",
    "PeriodError",
    "UsageError",
    "WarehouseBusy",
    "__version__",
    "action_items",
    "change",
    "compliance",
    "connect",
    "detectable",
    "format_duration",
    "hours",
    "incidents",
    "mttx",
    "oncall_fairness",
    "oncall_load",
    "period",
    "query",
    "tables",
    "trend",
    "warehouse",
]

_HOMES = {
    "AnalyticsError": "analytics.errors",
    "UsageError": "analytics.errors",
    "WarehouseBusy": "analytics.errors",
    "Period": "analytics.periods",
    "PeriodError": "analytics.periods",
}


def __getattr__(name: str) -> Any:
    """Load the API on first use (PEP 562)."""
    if name in __all__ and name not in ("__version__", "connect"):
        from importlib import import_module

        value = getattr(import_module(_HOMES.get(name, "analytics.api")), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'analytics' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def connect(
    db: str | Path | None = None,
    *,
    wait: float = 30.0,
    as_of: datetime | date | str | None = None,
    policy: Policy | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-only for analysis; close it when done (or use ``with``).

    Args:
        db: Warehouse file (default ``$INCIDENT_ANALYTICS_DB``, else the project's).
        wait: Seconds to retry while another process writes the warehouse.
        as_of: Report time the views compute at (datetime, date or ISO text; default now).
        policy: Playbook numbers the views use (default: the last ingest's).
    """
    from analytics.db import connect_reader

    return connect_reader(db, wait=wait, as_of=as_of, policy=policy)
