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
    """The configured warehouse: ``$INCIDENT_ANALYTICS_DB``, else the project's.

    The project's is ``data/warehouse.duckdb`` of the checkout this package runs from, whatever
    the working folder (a notebook's kernel runs in ``notebooks/``, a papermill run anywhere);
    a pip-installed package has no checkout and uses ``data/warehouse.duckdb`` of the working
    folder.
    """
    env = os.environ.get(ENV_DB)
    if env:
        return Path(env)
    root = repo_root()
    return root / DEFAULT_DB if root is not None else DEFAULT_DB


def package_dir() -> Path:
    return Path(__file__).resolve().parent


def repo_root() -> Path | None:
    """The source checkout this package runs from, if any (``None`` when pip-installed)."""
    root = package_dir().parent
    return root if (root / "pyproject.toml").exists() and (root / "notebooks").is_dir() else None
