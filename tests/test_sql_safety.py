"""No value reaches SQL as text (SPEC §9): a static check of every query built in analytics/.

Every ``.execute(``/``.executemany(``/``.sql(``/``.query(`` call (and the package's helpers
``query_df(con, sql)`` and ``pay._rows(con, sql)``) is read from the AST. Its SQL argument may
be a constant, or a string built (f-string, ``+``, ``%``, ``.format``) only from:

* constants, and local or module names that are themselves built the same way;
* calls to the quoting helpers ``_q(...)``, ``quote_literal(...)``, ``quote_path(...)``;
* SQL files shipped in the package (``sql_text(...)``);
* the reviewed fragments in :data:`ALLOWED`, each with the reason it cannot carry a value.

Anything else (a new f-string with an unreviewed name in it) fails until someone reviews it
and adds it here with a one-line justification.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "analytics"

# call name -> index of its SQL argument
CHECKED_CALLS = {
    "execute": 0,
    "executemany": 0,
    "sql": 0,
    "query": 0,
    "query_df": 1,  # db.query_df(con, sql, params)
    "_rows": 1,  # pay._rows(con, sql, params)
    "_df": 1,  # weekly._df(con, sql, **params)
    "scope_incidents": 1,  # db.scope_incidents(con, sql, params)
    "incidents_only": 1,  # db.incidents_only(con, sql, params)
}
QUOTING_CALLS = {"_q", "quote_ident", "quote_literal", "quote_path"}
SQL_FILE_CALLS = {
    "sql_text": "reads a .sql file shipped in analytics/sql (package data, not input)",
}

# (module, source text of the interpolated expression) -> why it is not a value.
ALLOWED: dict[tuple[str, str], str] = {
    # db.py
    ("db.py", "schema"): "write_policy(schema=): only 'main' or 'temp', passed by db.py itself",
    ("db.py", "', '.join(cols)"): "column names: keys of Policy.policy_row(), our dataclass",
    ("db.py", "', '.join(('$' + c for c in cols))"): "$placeholders named after those keys",
    ("db.py", "table"): "_shadow(): one of the literal tuple ('policy', 'pay_rates', 'holidays')",
    ("db.py", "sql"): "query_df, scope_incidents, incidents_only (con, sql, params): callers "
    "are checked where they call them",
    ("db.py", "view"): "materialize(): a name checked against sqlgraph.view_names()",
    # sqlgraph.py: the runner of the package's own SQL files
    ("sqlgraph.py", "model.model"): "a model name from a shipped SQL file's header (-- model:)",
    ("sqlgraph.py", "model.body"): "the text of a shipped SQL file (package data, not input)",
    ("sqlgraph.py", "view"): "a view's model name from a shipped SQL file's header",
    ("sqlgraph.py", "col"): "column name matched by _COLUMN_DOC_RE [a-z_][a-z0-9_]* in a "
    "shipped file",
    # export.py
    ("export.py", "_STAGE"): "the constant temp table name '__export'",
    ("export.py", "spec.sql"): "ExportSpec.sql: constant SELECTs of export.TABLES",
    # ingest/run.py
    ("ingest/run.py", "table"): "src_* table names: 'src_' + a kind of formats.SPECS",
    ("ingest/run.py", "res.note"): "staging table name returned by tabular.stage(): "
    "'__checked_<kind>_<digits>'",
    ("ingest/run.py", "staged"): "the same staging table name, from tabular.stage()",
    ("ingest/run.py", "good"): "tabular.good_rows(): SELECT of _q()-quoted staging columns",
    # ingest/checks.py
    ("ingest/checks.py", "table"): "src_* table names from the constant ALL_SRC_TABLES or a "
    "format's constant tables tuple",
    ("ingest/checks.py", "t"): "prune(): a name of the constant ALL_SRC_TABLES",
    # ingest/staging.py
    ("ingest/staging.py", "table"): "src_* table names: keys of Staging.schemas, made from "
    "the constant ALL_SRC_TABLES",
    ("ingest/staging.py", "t"): "arrow_schemas(): a name of the constant ALL_SRC_TABLES",
    (
        "ingest/staging.py",
        "' '.join((f\"when {quote_ident(c)} is null then '{c}'\" for c in required))",
    ): "_check_not_null(): CASE over quote_ident()-quoted NOT NULL column names read from "
    "duckdb_columns() of a src_* table",
    # ingest/rebuild.py
    ("ingest/rebuild.py", "table"): "_carry_over(): a name of the constant CARRIED_OVER",
    ("ingest/rebuild.py", "', '.join((tabular._q(c) for c in columns))"): "_carry_over(): "
    "_q()-quoted column names that both warehouses' ingest_log/payroll_exports have "
    "(duckdb_columns() of our own schema)",
    # ingest/tabular.py
    ("ingest/tabular.py", "reader"): "_reader_sql()/_typed_reader_sql(): constant per suffix, "
    "path via quote_path, a CSV header's names as string literals via _literal() in "
    "_csv_columns()",
    ("ingest/tabular.py", "int(line_offset)"): "_reader_sql()'s header offset: the int 1 or 2",
    ("ingest/tabular.py", "', '.join(selects)"): "casts from the constant _CAST applied to "
    "_q()-quoted column names; aliases from TableSpec constants",
    ("ingest/tabular.py", "casts"): "inner SELECT: _CAST constants over _q()-quoted columns, "
    "aliased __r<i>/__v<i>",
    ("ingest/tabular.py", "reason"): "CASE of constant checks over _q()-quoted columns; "
    "the offending value is concatenated in SQL, never in Python",
    ("ingest/tabular.py", "table"): "'__checked_<kind>_<digits>': kind from TableSpec, "
    "digits from abs(hash(display)) % 10**8",
    ("ingest/tabular.py", "key"): "TableSpec.key or 'engineer': constants",
    ("ingest/tabular.py", "good_rows(table, con)"): "good_rows(): SELECT of _q()-quoted "
    "staging columns of the staging table above",
    ("ingest/tabular.py", "key_expr"): "lower(_q(key)) or _q(key)",
    ("ingest/tabular.py", "key_expr.replace(_q(key), 't.' + _q(key))"): "same, with alias t.",
    ("ingest/tabular.py", "_CAST['ts'].format(c='s')"): "constant cast expression",
    # pay.py
    ("pay.py", "sql"): "_rows(con, sql, params): callers are checked where they call it",
    # metrics.py / weekly.py / explore.py: grouping columns and view names
    ("metrics.py", "by"): "checked against GROUPINGS before any SQL is built",
    (
        "metrics.py",
        "', '.join((_duration_aggregates(p, c) for p, c in DURATION_METRICS.items()))",
    ): ("aggregates over the constant DURATION_METRICS columns"),
    ("metrics.py", "_status_counts('response', 'response_status')"): "constant arguments",
    ("metrics.py", "', '.join(DURATION_METRICS.values())"): "constant column names",
    (
        "metrics.py",
        "', '.join((_status_counts(rule, column) for rule, column in STATUS_RULES.items()))",
    ): "counts over the constant STATUS_RULES columns and status literals",
    ("metrics.py", "_summary_sql(by)"): (
        "the summary query: built from the constant summary columns, rules and the grouping "
        "column checked against GROUPINGS (values bound as $start/$end)"
    ),
    (
        "metrics.py",
        "', '.join((f'coalesce(list({c}) filter (where {c} is not null), [])' for c in "
        "DURATION_METRICS.values()))",
    ): "one list per constant DURATION_METRICS column",
    ("weekly.py", "sql"): "_df(con, sql, **params): callers are checked where they call it",
    ("explore.py", "sql"): "example query from the constant EXAMPLES dict (values bound)",
    ("explore.py", "name"): "a key of explore.EXAMPLES (checked before use)",
    ("api.py", "sql"): "api.query(): the analyst's own query, run as given on a read-only "
    "connection with its values bound as $params (that is the function's purpose)",
}


def _rel(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


def _func_name(call: ast.Call) -> str | None:
    f = call.func
    if isinstance(f, ast.Attribute):
        return f.attr
    if isinstance(f, ast.Name):
        return f.id
    return None


class _Module:
    def __init__(self, path: Path) -> None:
        self.rel = _rel(path)
        self.tree = ast.parse(path.read_text("utf-8"))
        self.parents: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node

    def scopes(self, node: ast.AST) -> list[ast.AST]:
        """Enclosing functions, innermost first, then the module."""
        out = []
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Module):
                out.append(node)
        return out

    @staticmethod
    def assignments(scope: ast.AST, name: str) -> list[ast.expr]:
        values = []
        body = scope.body if isinstance(scope, ast.Module) else [scope]
        for stmt in body:
            nodes = [stmt] if isinstance(scope, ast.Module) else ast.walk(stmt)
            for node in nodes:
                if (
                    isinstance(node, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
                ) or (
                    isinstance(node, ast.AnnAssign | ast.AugAssign)
                    and isinstance(node.target, ast.Name)
                    and node.target.id == name
                    and node.value is not None
                ):
                    values.append(node.value)
        return values

    def problems(self, expr: ast.expr, at: ast.AST, seen: frozenset = frozenset()) -> list[str]:
        """Interpolated parts of a SQL string expression that are not reviewed as safe."""
        if isinstance(expr, ast.Constant):
            return []
        if isinstance(expr, ast.JoinedStr):
            return [
                p
                for v in expr.values
                if isinstance(v, ast.FormattedValue)
                for p in self.fragment(v.value, at, seen)
            ]
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            return self.problems(expr.left, at, seen) + self.problems(expr.right, at, seen)
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mod):
            right = expr.right.elts if isinstance(expr.right, ast.Tuple) else [expr.right]
            return self.problems(expr.left, at, seen) + [
                p for r in right for p in self.fragment(r, at, seen)
            ]
        if (
            isinstance(expr, ast.Call)
            and isinstance(expr.func, ast.Attribute)
            and expr.func.attr in ("format", "replace")
        ):
            if (self.rel, ast.unparse(expr)) in ALLOWED:
                return []
            args = list(expr.args) + [k.value for k in expr.keywords]
            if expr.func.attr == "replace":
                args = args[1:2]  # the placeholder replaced is a constant; its replacement not
            return self.problems(expr.func.value, at, seen) + [
                p for a in args for p in self.fragment(a, at, seen)
            ]
        if isinstance(expr, ast.IfExp):
            return self.problems(expr.body, at, seen) + self.problems(expr.orelse, at, seen)
        return self.fragment(expr, at, seen)

    def fragment(self, expr: ast.expr, at: ast.AST, seen: frozenset) -> list[str]:
        """An interpolated expression: quoted, shipped SQL, reviewed, or built from those."""
        text = ast.unparse(expr)
        if isinstance(expr, ast.Constant):
            return []
        if isinstance(expr, ast.Call) and (
            _func_name(expr) in QUOTING_CALLS or _func_name(expr) in SQL_FILE_CALLS
        ):
            return []
        if (self.rel, text) in ALLOWED:
            return []
        if isinstance(expr, ast.Name) and expr.id not in seen:
            for scope in self.scopes(at):
                values = self.assignments(scope, expr.id)
                if values:
                    return [p for v in values for p in self.problems(v, v, seen | {expr.id})]
        if isinstance(expr, ast.JoinedStr | ast.BinOp | ast.IfExp) or (
            isinstance(expr, ast.Call)
            and isinstance(expr.func, ast.Attribute)
            and expr.func.attr in ("format", "replace")
        ):
            return self.problems(expr, at, seen)
        return [text]


def _violations() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _Module(path)
        for node in ast.walk(module.tree):
            if not isinstance(node, ast.Call):
                continue
            index = CHECKED_CALLS.get(_func_name(node) or "")
            if index is None or len(node.args) <= index:
                continue
            for bad in module.problems(node.args[index], node):
                found.append(f"analytics/{module.rel}:{node.lineno}: {{{bad}}} in SQL")
    return found


def test_no_value_is_interpolated_into_sql():
    violations = _violations()
    assert not violations, (
        "SQL built with unreviewed interpolation (bind values as $params; quote identifiers "
        "with _q(); or review and add to ALLOWED with a reason):\n" + "\n".join(violations)
    )


def test_the_checker_catches_an_interpolated_value(tmp_path, monkeypatch):
    bad = tmp_path / "analytics"
    bad.mkdir()
    (bad / "bad.py").write_text(
        "def f(con, team):\n"
        "    con.execute(f\"select * from pages where team = '{team}'\")\n"
        "    sql = 'select * from pages where team = %s' % team\n"
        "    con.sql(sql)\n"
        "    con.execute('select {}'.format(team))\n"
        '    con.execute("select * from " + _q(team))\n'  # quoted identifier: fine
        "    con.execute('select $t', {'t': team})\n"  # bound: fine
    )
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", bad)
    assert [v.split(": ", 1)[1] for v in _violations()] == [
        "{team} in SQL",
        "{team} in SQL",
        "{team} in SQL",
    ]


def test_every_allowlist_entry_is_still_used():
    """A stale entry would silently allow a future value of the same name."""
    used: set[tuple[str, str]] = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _Module(path)
        for node in ast.walk(module.tree):
            if isinstance(node, ast.FormattedValue):
                used.add((module.rel, ast.unparse(node.value)))
            elif isinstance(node, ast.Call | ast.Name | ast.Attribute):
                used.add((module.rel, ast.unparse(node)))
    stale = sorted(set(ALLOWED) - used)
    assert not stale, f"remove these ALLOWED entries, the code no longer has them: {stale}"
