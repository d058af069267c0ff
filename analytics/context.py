"""One run's context: the warehouse, the report time, the policy and the period, read once.

Every command and every notebook computes against the same four things: which warehouse
(``db``), at which instant (``as_of``), under which playbook numbers (``policy``: a loaded
:class:`~analytics.policy.Policy`, or ``None`` for the policy stored by the last ingest) and,
for most, over which period. They are read once, at the edge, by one of two functions that
share one body:

* :func:`from_options`: the CLI's ``--db``, ``--as-of``, ``--policy``, ``--period``/``--week``,
  ``--from``/``--to`` and ``--wait``;
* :func:`from_parameters`: a notebook's papermill parameters (``db``, ``as_of``, ``policy``,
  ``period`` or ``week``, ``wait``), where an empty text means the default.

The :class:`RunContext` then travels to metrics, reports, payroll, export and the comp-time
ledger; :meth:`RunContext.parameters` hands it to a report's notebook, whose first cell builds
the same context again with :func:`from_parameters`. Times and periods are read by
:mod:`analytics.periods` (the one parser); a policy in any shape a caller may hold (a file
path, a ``Policy``, ``None`` or ``""``) by :func:`policy_of`.

Light at import time (no pandas, no DuckDB): the CLI builds the context before loading more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analytics import periods
from analytics.config import DEFAULT_WAIT_S, default_db
from analytics.errors import UsageError

if TYPE_CHECKING:
    from analytics.policy import Policy

__all__ = ["RunContext", "from_options", "from_parameters", "policy_of"]

_RELATIVE = re.compile(r"^(last|this|previous|current)\b", re.I)


@dataclass(frozen=True)
class RunContext:
    """What one run computes against; frozen, so every part of the run sees the same values.

    Attributes:
        db: The warehouse file: ``--db`` as given, else ``$INCIDENT_ANALYTICS_DB``, else the
            project's ``data/warehouse.duckdb``.
        as_of: The report time, aware UTC: the given one, or the moment the context was built.
        policy: The playbook numbers in force for this run, or ``None`` for the policy stored
            by the last ingest (what the views use without ``--policy``).
        period: The period the run reports on, or ``None`` for a command that has none.
        wait: Seconds to retry while another process holds the warehouse.
    """

    db: Path
    as_of: datetime
    policy: Policy | None = None
    period: periods.Period | None = None
    wait: float = DEFAULT_WAIT_S

    def reader(self, **kw: Any):
        """A read-only connection at this ``as_of`` under this policy (:func:`~analytics.db.reader`;
        keywords such as ``materialized`` pass through)."""
        from analytics.db import reader

        return reader(self.db, wait=self.wait, as_of=self.as_of, policy=self.policy, **kw)

    def with_period(self, period: periods.Period) -> RunContext:
        """The same run over another period."""
        return replace(self, period=period)

    @property
    def policy_file(self) -> str:
        """The policy file as an absolute path, ``""`` for the stored policy."""
        if self.policy is None:
            return ""
        path = Path(self.policy.source)
        if not path.is_file():
            raise UsageError(
                f"the policy ({self.policy.source}) was not read from a file, so a notebook "
                "cannot be given it: write it to a TOML file and pass that"
            )
        return str(path.resolve())

    def parameters(self, period_as: str = "period") -> dict[str, str | float]:
        """The context as papermill parameters, read back by :func:`from_parameters`;
        ``period_as`` names the notebook's period parameter (the weekly report's ``week``)."""
        params: dict[str, str | float] = {
            "db": str(self.db.resolve()),
            "as_of": self.as_of.isoformat().replace("+00:00", "Z"),
            "wait": float(self.wait),
            "policy": self.policy_file,
        }
        if self.period is not None:
            params[period_as] = self.period.label
        return params


def policy_of(value: Policy | str | Path | None) -> Policy | None:
    """The policy a caller means: a ``Policy`` as it is, a TOML file loaded, and ``None`` or
    ``""`` for the one stored by the last ingest (``None``).

    Raises:
        PolicyError: the file is missing or not a valid policy (exit 2, one line).
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str | Path):
        from analytics.policy import load_policy

        return load_policy(Path(value))
    return value


def _build(
    *,
    db: str | Path | None,
    as_of: datetime | date | str | None,
    policy: Policy | str | Path | None,
    period: periods.Period | str | None,
    wait: float,
    names: dict[str, str],
    default_period: str | None,
    week: bool,
) -> RunContext:
    """The one body of :func:`from_options` and :func:`from_parameters`; ``names`` are what the
    user typed each value as (``--as-of`` or ``as_of``), for the error messages."""
    if isinstance(wait, bool) or not isinstance(wait, int | float) or wait < 0:
        raise UsageError(f"{names['wait']} {wait!r} is not a number of seconds >= 0")
    moment = periods.parse_as_of(as_of, what=names["as_of"])
    span = None
    if period is None or (isinstance(period, str) and not period.strip()):
        period = default_period
    if period is not None:
        try:
            if week and isinstance(period, str) and not _RELATIVE.match(period.strip()):
                span = periods.week(period)  # names the ISO week form in its message
            else:
                span = periods.parse_period(period, as_of=moment, what=names["period"])
        except periods.PeriodError as exc:
            if str(exc).startswith(names["period"]):
                raise
            # "month '2026-13' is not ..." -> "--period '2026-13': month '2026-13' is not ..."
            raise periods.PeriodError(f"{names['period']} {period!r}: {exc}") from None
        if week and span.kind != "week":
            raise UsageError(f"{names['period']} {period!r} is not an ISO week like 2026-W47")
    path = Path(db) if db not in (None, "") else default_db()
    return RunContext(
        db=path, as_of=moment, policy=policy_of(policy), period=span, wait=float(wait)
    )


def from_options(
    *,
    db: Path | None = None,
    as_of: str | None = None,
    policy: Path | None = None,
    period: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    wait: float = DEFAULT_WAIT_S,
    default_period: str | None = None,
    week: bool = False,
) -> RunContext:
    """The context of a command, from its options as click gives them.

    Args:
        db, as_of, policy, wait: ``--db``, ``--as-of``, ``--policy`` (a file; ``None``: the
            stored policy) and ``--wait``.
        period: ``--period`` (any form of :func:`analytics.periods.parse_period`), or with
            ``week`` true ``--week`` (an ISO week such as ``2026-W44``).
        date_from, date_to: ``--from``/``--to`` (whole days, both included), instead of
            ``period``.
        default_period: The period when none is given (``"last month"``, ``"last week"``: the
            last complete one before ``as_of``); ``None`` for none.

    Raises:
        UsageError: a bad or contradictory value, naming the option (exit 2).
    """
    if date_from is not None or date_to is not None:
        if period is not None:
            raise UsageError("give either --period or --from/--to, not both")
        if date_from is None or date_to is None:
            raise UsageError("--from and --to go together")
        period = periods.days(date_from, date_to)  # names --from/--to in its messages
    names = {
        "as_of": "--as-of",
        "period": "--week" if week else "--period",
        "wait": "--wait",
    }
    return _build(
        db=db,
        as_of=as_of,
        policy=policy,
        period=period,
        wait=wait,
        names=names,
        default_period=default_period,
        week=week,
    )


def from_parameters(
    *,
    db: str | Path | None = "",
    as_of: datetime | date | str | None = "",
    policy: Policy | str | Path | None = "",
    period: periods.Period | str | None = "",
    wait: float = DEFAULT_WAIT_S,
    week: bool = False,
) -> RunContext:
    """The context of a notebook, from its papermill parameters (empty text: the default).

    Args:
        db: Warehouse file; empty: ``--db`` of ``lab``, ``$INCIDENT_ANALYTICS_DB`` or the
            project's ``data/warehouse.duckdb``.
        as_of: Report time, ISO 8601; empty: now.
        policy: Policy TOML file; empty: the policy stored by the last ingest.
        period: The period (any form of :func:`analytics.periods.parse_period`); with ``week``
            true an ISO week such as ``2026-W44``; empty: none.
        wait: Seconds to retry while another process holds the warehouse.

    Raises:
        UsageError: a bad value, naming the parameter (a ``ValueError`` in Python).
    """
    return _build(
        db=db,
        as_of=as_of,
        policy=policy,
        period=period,
        wait=wait,
        names={"as_of": "as_of", "period": "week" if week else "period", "wait": "wait"},
        default_period=None,
        week=week,
    )
