"""The Makefile checks the Python version before making .venv, and rebuilds a .venv that
another (too old, or vanished) interpreter made. Run on a copy of the Makefile with fake
interpreters (shell scripts), so nothing is installed."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Answers --version, -c (the version test: exit 0 for 3.11+) and -m venv/pip/ipykernel.
FAKE = """#!/bin/sh
case "$1" in
  --version) echo "Python {version}" ;;
  -c) exit {c_exit} ;;
  -m) if [ "$2" = venv ]; then mkdir -p "$3/bin" && cp "$0" "$3/bin/python"; fi ;;
esac
exit 0
"""

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def _fake(path: Path, version: str) -> Path:
    major_minor = tuple(int(x) for x in version.split(".")[:2])
    path.write_text(FAKE.format(version=version, c_exit=0 if major_minor >= (3, 11) else 1))
    path.chmod(0o755)
    return path


@pytest.fixture
def project(tmp_path) -> Path:
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def _make(project: Path, python: Path, *targets: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    return subprocess.run(
        ["make", "--no-print-directory", *targets, f"PYTHON={python}"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_too_old_python_is_refused_in_one_line(project, tmp_path):
    old = _fake(tmp_path / "python3.10", "3.10.12")
    result = _make(project, old, "install")
    assert result.returncode != 0
    message = [line for line in result.stderr.splitlines() if "needs Python" in line]
    assert message == [
        f"incident-analytics needs Python 3.11 or newer, but {old} is Python 3.10.12: "
        "run make PYTHON=python3.11 (or newer)"
    ]
    assert not (project / ".venv").exists()


def test_missing_python_is_refused_too(project, tmp_path):
    result = _make(project, tmp_path / "no-such-python", "install")
    assert result.returncode != 0
    assert "needs Python 3.11 or newer" in result.stderr and "not found" in result.stderr


def test_a_venv_made_by_a_wrong_interpreter_is_rebuilt(project, tmp_path):
    good = _fake(tmp_path / "python3.11", "3.11.9")
    # what a first `make` with python3.10 left: a .venv with 3.10 in it, even a fresh stamp
    bin_dir = project / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    _fake(bin_dir / "python", "3.10.12")
    (project / ".venv" / ".installed").touch()
    result = _make(project, good, "install")
    assert result.returncode == 0, result.stderr
    assert ".venv was made by another Python (Python 3.10.12): recreating it" in result.stdout
    version = subprocess.run([bin_dir / "python", "--version"], capture_output=True, text=True)
    assert version.stdout.strip() == "Python 3.11.9"
    # and a good .venv with a fresh stamp is left alone
    again = _make(project, good, "install")
    assert again.returncode == 0
    assert "recreating" not in again.stdout and "venv" not in again.stdout
