"""`incident-analytics lab`: JupyterLab on notebooks/ with the project's kernel and warehouse.

It must start as root (containers run as root; Jupyter refuses without --allow-root) and pass
Jupyter's own options through.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import run_cli

from analytics.config import ENV_DB

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def exec_args(monkeypatch):
    """The command line `lab` would exec, and the warehouse it exports, without starting it."""
    seen: dict = {}

    def fake_execv(path, args):
        seen["args"] = args
        seen["db"] = os.environ.get(ENV_DB)
        raise SystemExit(0)

    monkeypatch.setattr(os, "execv", fake_execv)
    monkeypatch.delenv(ENV_DB, raising=False)
    return seen


def test_lab_passes_jupyter_options_through(exec_args, tmp_path, monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)  # not root: no --allow-root by itself
    db = tmp_path / "w.duckdb"
    result = run_cli(
        "lab", "--db", str(db), "--port", "9999", "--ip", "0.0.0.0", "--no-browser",
        "--", "--ServerApp.token=abc", "--LabApp.dev_mode=False",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    args = exec_args["args"]
    assert args[1:4] == ["-m", "jupyter", "lab"]
    assert f"--ServerApp.root_dir={ROOT / 'notebooks'}" in args
    for expected in ("--port=9999", "--ip=0.0.0.0", "--no-browser", "--ServerApp.token=abc"):
        assert expected in args
    assert "--LabApp.dev_mode=False" in args
    assert "--allow-root" not in args
    assert "--" not in args
    # the notebooks' default `db` resolves to this warehouse, as an absolute path
    assert exec_args["db"] == str(db.resolve())
    assert "no warehouse at" in result.stderr  # told, not refused


def test_lab_as_root_allows_root(exec_args, monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert run_cli("lab").returncode == 0
    assert "--allow-root" in exec_args["args"]
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert run_cli("lab", "--allow-root").returncode == 0
    assert "--allow-root" in exec_args["args"]


def test_lab_explicit_db_wins_over_the_environment(exec_args, tmp_path):
    db = tmp_path / "mine.duckdb"
    run_cli("lab", "--db", str(db), env={ENV_DB: str(tmp_path / "other.duckdb")})
    assert exec_args["db"] == str(db.resolve())
    run_cli("lab", env={ENV_DB: str(tmp_path / "other.duckdb")})
    assert exec_args["db"] == str(tmp_path / "other.duckdb")


def test_lab_starts_serves_api_and_stops(tmp_path):
    """The real thing, as the current user (root in CI): GET /api, then stop it."""
    port = _free_port()
    env = {
        **os.environ,
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        ENV_DB: str(tmp_path / "w.duckdb"),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "analytics", "lab", "--port", str(port), "--ip", "127.0.0.1",
         "--no-browser", "--", "--ServerApp.port_retries=0"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        body = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api", timeout=2) as resp:
                    body = json.loads(resp.read())
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        assert proc.poll() is None, proc.stdout.read()
        assert body is not None and "version" in body, "JupyterLab did not answer /api"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode is not None


def test_lab_help_shows_jupyters_current_token_option():
    # ServerApp.token is deprecated since jupyter-server 2.0 and ignored beside a newer setting
    text = run_cli("lab", "--help").stdout
    assert "--IdentityProvider.token=" in text and "ServerApp.token" not in text
