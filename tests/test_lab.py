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


# ----------------------------------------------------------------- saving a notebook


def _notebook_with_outputs() -> dict:
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"display_name": "incident-analytics", "language": "python",
                           "name": "incident-analytics"},
            "language_info": {"name": "python", "version": "3.11.7", "mimetype": "text/x-python",
                              "file_extension": ".py", "codemirror_mode": {"name": "ipython"}},
        },
        "cells": [
            {"cell_type": "markdown", "id": "a1", "metadata": {}, "source": "# Title"},
            {"cell_type": "code", "id": "b2", "metadata": {"tags": ["parameters"]},
             "execution_count": 7, "source": "x = 1\nx",
             "outputs": [{"output_type": "execute_result", "execution_count": 7,
                          "data": {"text/plain": "1"}, "metadata": {}}]},
        ],
    }  # fmt: skip


def test_the_save_hook_strips_a_shipped_notebook_and_leaves_a_scratch_one():
    from analytics.lab_hooks import strip_shipped_notebook

    shipped = {"type": "notebook", "content": _notebook_with_outputs()}
    strip_shipped_notebook(model=shipped, path="explore.ipynb", contents_manager=None)
    code = shipped["content"]["cells"][1]
    assert code["outputs"] == [] and code["execution_count"] is None
    assert code["source"] == "x = 1\nx" and code["metadata"] == {"tags": ["parameters"]}
    assert shipped["content"]["metadata"]["language_info"] == {"name": "python"}
    assert shipped["content"]["metadata"]["kernelspec"]["name"] == "incident-analytics"

    scratch = {"type": "notebook", "content": _notebook_with_outputs()}
    strip_shipped_notebook(model=scratch, path="scratch/mine.ipynb", contents_manager=None)
    assert scratch["content"] == _notebook_with_outputs()
    text = {"type": "file", "content": "select 1", "format": "text"}
    strip_shipped_notebook(model=text, path="query.sql", contents_manager=None)
    assert text["content"] == "select 1"


def test_lab_installs_the_save_hook_and_makes_scratch(exec_args, tmp_path, monkeypatch):
    # a checkout of its own, so the scratch folder is made by this run (the real one may
    # exist from an earlier run)
    import analytics.config

    (tmp_path / "notebooks").mkdir()
    monkeypatch.setattr(analytics.config, "repo_root", lambda: tmp_path)
    assert run_cli("lab").returncode == 0
    assert (
        "--ContentsManager.pre_save_hook=analytics.lab_hooks.strip_shipped_notebook"
        in (exec_args["args"])
    )
    assert f"--ServerApp.root_dir={tmp_path / 'notebooks'}" in exec_args["args"]
    assert (tmp_path / "notebooks" / "scratch").is_dir()
    assert "notebooks/scratch/" in (ROOT / ".gitignore").read_text().splitlines()


def test_a_real_jupyter_server_saves_a_shipped_notebook_without_outputs(tmp_path, exec_args):
    """The hook as `lab` passes it, in a real Jupyter server: a notebook PUT through the
    contents API lands on disk stripped at the top of the root, whole in a subfolder."""
    assert run_cli("lab").returncode == 0
    hook = next(a for a in exec_args["args"] if a.startswith("--ContentsManager.pre_save_hook="))
    root = tmp_path / "root"
    (root / "scratch").mkdir(parents=True)
    port = _free_port()
    env = {
        **os.environ,
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "server", f"--port={port}", "--ip=127.0.0.1",
         "--ServerApp.port_retries=0", "--IdentityProvider.token=t0k", "--allow-root",
         "--no-browser", f"--ServerApp.root_dir={root}", hook],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip

    def put(path: str) -> int:
        body = json.dumps({"type": "notebook", "content": _notebook_with_outputs()}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/contents/{path}", data=body, method="PUT",
            headers={"Authorization": "token t0k", "Content-Type": "application/json"},
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status

    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, proc.stdout.read()
            assert time.monotonic() < deadline, "Jupyter did not answer"
            try:
                assert put("explore.ipynb") in (200, 201)
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        assert put("scratch/mine.ipynb") in (200, 201)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    shipped = json.loads((root / "explore.ipynb").read_text())
    assert [c.get("outputs") for c in shipped["cells"]] == [None, []]
    assert shipped["metadata"]["language_info"] == {"name": "python"}
    mine = json.loads((root / "scratch" / "mine.ipynb").read_text())
    assert "".join(mine["cells"][1]["outputs"][0]["data"]["text/plain"]) == "1"


def test_lab_help_shows_jupyters_current_token_option():
    # ServerApp.token is deprecated since jupyter-server 2.0 and ignored beside a newer setting
    text = run_cli("lab", "--help").stdout
    assert "--IdentityProvider.token=" in text and "ServerApp.token" not in text
