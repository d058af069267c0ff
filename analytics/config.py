"""Paths and defaults. No side effects at import time."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DB = Path("data/warehouse.duckdb")
DEFAULT_RAW = Path("data/raw")
DEFAULT_REPORTS = Path("reports")
DEFAULT_WAIT_S = 30.0
ENV_DB = "INCIDENT_ANALYTICS_DB"
KERNEL_NAME = "incident-analytics"


def default_db() -> Path:
    """The warehouse path: ``$INCIDENT_ANALYTICS_DB`` or ``data/warehouse.duckdb``."""
    return Path(os.environ.get(ENV_DB) or DEFAULT_DB)


def package_dir() -> Path:
    return Path(__file__).resolve().parent


def repo_root() -> Path | None:
    """The source checkout this package runs from, if any (``None`` when pip-installed)."""
    root = package_dir().parent
    return root if (root / "pyproject.toml").exists() and (root / "notebooks").is_dir() else None
