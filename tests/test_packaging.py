"""`pip install .` must carry everything the commands read at run time (issue: reports work
without a checkout): SQL files, the nbconvert template and the notebooks."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_the_wheel_ships_sql_templates_and_notebooks(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(ROOT), "-w", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"analytics/notebooks/{p.name}" for p in (ROOT / "notebooks").glob("*.ipynb")}
    expected |= {
        "analytics/" + str(p.relative_to(ROOT / "analytics"))
        for p in (ROOT / "analytics" / "sql").rglob("*.sql")
    }
    expected |= {
        "analytics/templates/offline/index.html.j2",
        "analytics/templates/offline/conf.json",
        "analytics/py.typed",  # the API is typed (PEP 561)
    }
    assert len(expected) > 20
    assert expected <= names, sorted(expected - names)
