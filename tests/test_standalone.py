"""The repository stands alone (issue #12.5): what users read cites the project's own docs.

The product was specified in a document that is not in the repository; a user reading "SPEC §7"
in ``--help``, an error, a doc, a notebook or a view's comment has nowhere to look. Each such
reference is now the project doc that says the rule (docs/metrics.md, docs/payroll.md ...).
And the tests need nothing outside the repository: their fixtures are under tests/fixtures.
"""

from __future__ import annotations

import ast
import json
import re

import click
import duckdb
import pytest

from analytics.cli import main
from tests.conftest import ROOT, run_cli

OUTSIDE_SPEC = re.compile(r"\bSPEC(\.md|\s*§)")


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += _commands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


def test_docs_readme_and_notebooks_cite_no_outside_spec():
    texts = {p: p.read_text("utf-8") for p in [ROOT / "README.md", *ROOT.glob("docs/*.md")]}
    for nb in ROOT.glob("notebooks/*.ipynb"):
        cells = json.loads(nb.read_text("utf-8"))["cells"]
        texts[nb] = "\n".join("".join(c["source"]) for c in cells)
    found = [
        f"{path.relative_to(ROOT)}: {m[0]}"
        for path, text in texts.items()
        for m in OUTSIDE_SPEC.finditer(text)
    ]
    assert found == []


@pytest.mark.parametrize("command", _commands(main), ids=" ".join)
def test_help_cites_no_outside_spec(command):
    result = run_cli(*command, "--help")
    assert result.returncode == 0
    assert not OUTSIDE_SPEC.search(result.stdout), result.stdout


def test_messages_in_the_code_cite_no_outside_spec():
    """Every string literal of the package that is not a docstring (errors, warnings, report
    text, help of options) is text a user may read."""
    found = []
    for path in sorted((ROOT / "analytics").rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
                and OUTSIDE_SPEC.search(node.value)
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []


def test_warehouse_comments_cite_no_outside_spec(sample_warehouse):
    """View, table, column and macro comments (from the SQL file headers) are what
    ``duckdb_columns()`` shows a user exploring the warehouse."""
    con = duckdb.connect(str(sample_warehouse), read_only=True)
    try:
        rows = con.execute(
            "select 'view ' || view_name, comment from duckdb_views() "
            "union all select 'table ' || table_name, comment from duckdb_tables() "
            "union all select table_name || '.' || column_name, comment from duckdb_columns() "
            "union all select 'macro ' || function_name, comment from duckdb_functions() "
            "where comment is not null"
        ).fetchall()
    finally:
        con.close()
    assert [name for name, comment in rows if comment and OUTSIDE_SPEC.search(comment)] == []


def test_tests_need_nothing_outside_the_repository():
    """No test reads a fixture from outside the checkout, so none skips in a fresh clone."""
    outside = re.compile(r"['\"](/work/|/home/|~/)")
    found = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in sorted((ROOT / "tests").glob("*.py"))
        for n, line in enumerate(p.read_text("utf-8").splitlines(), 1)
        if outside.search(line)
    ]
    assert found == []


def test_the_package_source_cites_no_outside_spec():
    """Docstrings (what ``help()`` shows an analyst in JupyterLab), comments and SQL headers
    cite the project's docs too: a reader of the code has the checkout, not the spec."""
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted((ROOT / "analytics").rglob("*"))
        if path.suffix in (".py", ".sql", ".toml", ".tpl", ".j2", ".html")
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if OUTSIDE_SPEC.search(line)
    ]
    assert found == []
