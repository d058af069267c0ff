"""The SQL files as a declared graph: each file's header says what it makes and what it reads.

Every file under ``analytics/sql`` opens with a header the code reads (docs/design.md):

.. code-block:: sql

    -- model: incident_metrics
    -- kind: view
    -- layer: marts
    -- depends: incident_responses, params, policy, macros.sql, incident_facts
    -- grain: incident_id
    --
    -- Incident metrics: one row per incident ... (the prose: the view's COMMENT)
    --   incident_id: the document's ID ... (one line per column: its COMMENT)

``model`` is the relation or table macro the file creates (``none`` for a file that creates
several scalar macros, the schema or a query); ``kind`` how it is built (:data:`KINDS`);
``layer`` its folder's layer; ``depends`` every relation it reads and nothing else (models,
the base tables of ``schema.sql``, and ``macros.sql`` for the scalar macros; checked both ways
by :func:`check_depends`); ``grain`` the columns that are
unique together (``none`` when rows are not unique). :func:`install` builds models in the
order their ``depends`` give, so no order is written by hand anywhere.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

# How a file is built:
#   view        create or replace view <model> as <body> (ingest), with COMMENTs from the header
#   macro       the body creates the macro(s) itself, run as written (ingest)
#   table       a stored table of schema.sql, refilled from <body> (ingest, before the views)
#   store       the body creates a table from the views it reads, run as written (ingest, with
#               the views): what does not depend on as_of, stored under the policy_version
#   temp macro  the body creates a TEMP macro, run as written with the tables that use it
#   temp table  create or replace temp table <model> as <body>, per caller, with $parameters
#   query       a parameterised select the code runs itself (never installed)
#   schema      the base tables (db.create_schema runs it)
KINDS = ("view", "macro", "store", "table", "temp macro", "temp table", "query", "schema")
LAYERS = ("none", "staging", "intermediate", "marts", "queries")
# What db.install_views installs; what rotations.derive_rotations installs; what pay builds.
WAREHOUSE_KINDS = ("macro", "view", "store")
DERIVED_KINDS = ("temp macro", "table")

_HEADER_RE = re.compile(r"^-- (?P<key>model|kind|layer|depends|grain): ?(?P<value>.*)$")
_COLUMN_DOC_RE = re.compile(r"^--\s{2,}(?P<col>[a-z_][a-z0-9_]*)\s*:\s*(?P<doc>.+)$")
_SCHEMA_RE = re.compile(r"^create (?:table|view) (?P<name>[a-z_][a-z0-9_]*)", re.MULTILINE)
_PARAM_RE = re.compile(r"\$(?P<name>[a-z_][a-z0-9_]*)")
# What a body reads (reads()): string literals and comments are blanked first; a relation is a
# name after FROM/JOIN (a table macro: the same, followed by "("), unless a CTE of that name
# shadows it; a scalar macro of another file is a call of its name.
_NOISE_RE = re.compile(r"'(?:[^']|'')*'|--[^\n]*")
_REF_RE = re.compile(r"\b(?:from|join)\s+(?:main\.|temp\.)?([a-z_][a-z0-9_]*)", re.IGNORECASE)
_CTE_RE = re.compile(r"\b([a-z_][a-z0-9_]*)\s+as\s*\(", re.IGNORECASE)
_CALL_RE = re.compile(r"\b([a-z_][a-z0-9_]*)\s*\(")
_MACRO_DEF_RE = re.compile(
    r"\bcreate\s+(?:or\s+replace\s+)?(?:temp\s+|temporary\s+)?macro\s+([a-z_][a-z0-9_]*)",
    re.IGNORECASE,
)


class GraphError(ValueError):
    """A SQL file's header is missing or wrong, names an unknown dependency, or the graph
    has a cycle: a bug in the package's SQL, found before anything is installed."""


@dataclass(frozen=True)
class Model:
    """One SQL file of ``analytics/sql`` and what its header declares."""

    path: str  # under analytics/sql, e.g. "marts/incident_metrics.sql"
    model: str | None  # the relation or table macro it creates; None for model-less files
    kind: str
    layer: str
    depends: tuple[str, ...]
    grain: tuple[str, ...]  # () = rows not unique
    doc: str  # the prose: the view's COMMENT
    column_docs: Mapping[str, str]  # column -> its COMMENT
    body: str  # the whole file text

    @property
    def name(self) -> str:
        """The name other files depend on: the model, else the file's path."""
        return self.model or self.path

    @property
    def params(self) -> tuple[str, ...]:
        """The ``$parameters`` the body uses (DuckDB refuses unused ones)."""
        return tuple(dict.fromkeys(m["name"] for m in _PARAM_RE.finditer(self.body)))


def parse(path: str, text: str) -> Model:
    """The model a file declares; :class:`GraphError` naming ``path:line`` when its header is
    incomplete or wrong."""
    lines = text.splitlines()
    header: dict[str, str] = {}
    n = 0  # lines of the header
    while n < len(lines) and (m := _HEADER_RE.match(lines[n])):
        n += 1
        key, value = m["key"], m["value"].strip()
        # depends may run over several lines: each adds to the list
        header[key] = f"{header[key]}, {value}" if key == "depends" and key in header else value
    missing = [k for k in ("model", "kind", "layer", "depends", "grain") if k not in header]
    if missing:
        raise GraphError(
            f"analytics/sql/{path}:{n + 1}: the header lacks {', '.join(missing)}; every SQL "
            "file opens with -- model:, -- kind:, -- layer:, -- depends:, -- grain: lines "
            "(docs/design.md)"
        )
    if header["kind"] not in KINDS:
        raise GraphError(
            f"analytics/sql/{path}: kind '{header['kind']}' is not one of {', '.join(KINDS)}"
        )
    if header["layer"] not in LAYERS:
        raise GraphError(
            f"analytics/sql/{path}: layer '{header['layer']}' is not one of {', '.join(LAYERS)}"
        )
    doc_lines: list[str] = []
    column_docs: dict[str, str] = {}
    for line in lines[n:]:
        if not line.startswith("--"):
            break
        m = _COLUMN_DOC_RE.match(line)
        if m:
            column_docs[m["col"]] = m["doc"].strip()
        elif not column_docs:
            doc_lines.append(line.lstrip("-").strip())
    return Model(
        path=path,
        model=None if header["model"] == "none" else header["model"],
        kind=header["kind"],
        layer=header["layer"],
        depends=_names(header["depends"]),
        grain=_names(header["grain"]),
        doc=" ".join(x for x in doc_lines if x),
        column_docs=column_docs,
        body=text,
    )


def _names(value: str) -> tuple[str, ...]:
    names = tuple(x.strip() for x in value.split(",") if x.strip())
    return () if names == ("none",) else names


def _sql_files() -> list[tuple[str, str]]:
    root = resources.files("analytics").joinpath("sql")
    found: list[tuple[str, str]] = []

    def walk(folder, prefix: str) -> None:
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.is_dir():
                walk(entry, f"{prefix}{entry.name}/")
            elif entry.name.endswith(".sql"):
                found.append((f"{prefix}{entry.name}", entry.read_text("utf-8")))

    walk(root, "")
    return found


@dataclass(frozen=True)
class Graph:
    """Every SQL file's model, and the base tables of ``schema.sql`` they may read."""

    models: Mapping[str, Model]  # by Model.name
    sources: frozenset[str]  # base tables and views created by schema.sql

    def by_path(self, path: str) -> Model:
        """The model of the file ``path`` (under analytics/sql)."""
        for model in self.models.values():
            if model.path == path:
                return model
        raise KeyError(path)

    def ordered(self) -> list[Model]:
        """Every model, each after everything it depends on (ties in path order)."""
        return _topological(self.models)

    def upstream_docs(self, name: str) -> dict[str, str]:
        """Column docs of ``name`` with those of its upstream models filling the gaps (a
        column shown through ``select *`` keeps the doc of where it comes from)."""
        return _docs(self.models, name)


def build(files: Iterable[tuple[str, str]]) -> Graph:
    """The graph of the files ``(path, text)``: headers parsed, every ``depends`` checked
    against the models and base tables, and the order proved free of cycles."""
    models: dict[str, Model] = {}
    sources: set[str] = set()
    for path, text in files:
        model = parse(path, text)
        if model.kind == "schema":
            sources.update(m["name"] for m in _SCHEMA_RE.finditer(text))
        if model.name in models:
            raise GraphError(
                f"analytics/sql/{path}: model {model.name} is also made by "
                f"analytics/sql/{models[model.name].path}"
            )
        models[model.name] = model
    for model in models.values():
        unknown = [d for d in model.depends if d not in models and d not in sources]
        if unknown:
            raise GraphError(
                f"analytics/sql/{model.path}: depends on {', '.join(unknown)}, which no SQL "
                "file makes and schema.sql does not create"
            )
    _topological(models)  # raises on a cycle
    return Graph(models=models, sources=frozenset(sources))


def reads(g: Graph, model: Model) -> set[str]:
    """The models and base tables ``model``'s SQL reads, found in its text: a name after
    FROM or JOIN that is a model or base table (a CTE of that name shadows it, except inside
    the CTE's own body, where the name is still the model's), and the file of every scalar
    macro it calls (``macros.sql``: a call of ``team_key(``)."""
    body = _NOISE_RE.sub(" ", model.body)
    known = set(g.models) | g.sources
    ctes: dict[str, list[tuple[int, int]]] = {}
    for m in _CTE_RE.finditer(body):
        ctes.setdefault(m[1].lower(), []).append((m.end() - 1, _closing(body, m.end() - 1)))
    found = set()
    for m in _REF_RE.finditer(body):
        name = m[1].lower()
        if name not in known or name == model.model:
            continue
        spans = ctes.get(name)
        if spans and not any(start < m.start() < end for start, end in spans):
            continue  # the CTE, not the model
        found.add(name)
    calls = {c.lower() for c in _CALL_RE.findall(body)}
    for other, macros in _scalar_macros(g).items():
        if other != model.name and calls & macros:
            found.add(other)
    return found


def _closing(text: str, open_at: int) -> int:
    """The index of the parenthesis closing the one at ``open_at`` (the end when none)."""
    depth = 0
    for i in range(open_at, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    return len(text)


def _scalar_macros(g: Graph) -> dict[str, set[str]]:
    """Per file of kind macro or temp macro, the macros it creates (a table macro is read
    after FROM like a relation, and is found both ways)."""
    return {
        m.name: {x.lower() for x in _MACRO_DEF_RE.findall(_NOISE_RE.sub(" ", m.body))}
        for m in g.models.values()
        if m.kind in ("macro", "temp macro")
    }


def check_depends(g: Graph) -> None:
    """:class:`GraphError` naming every file whose ``depends`` and SQL disagree, both ways:
    a relation or macro file the SQL reads that ``depends`` does not list (it could be built
    after the file), and a listed name the SQL never reads (a stale dependency, which orders
    the graph for nothing and misleads a reader). ``tests/test_sqlgraph.py`` runs it on the
    package's SQL."""
    problems = []
    for model in sorted(g.models.values(), key=lambda m: m.path):
        read = reads(g, model)
        listed = set(model.depends)
        problems += [
            f"analytics/sql/{model.path}: reads {name}, which its -- depends: does not list"
            for name in sorted(read - listed)
        ]
        problems += [
            f"analytics/sql/{model.path}: -- depends: lists {name}, which its SQL never reads"
            for name in model.depends
            if name not in read
        ]
    if problems:
        raise GraphError("\n".join(problems))


@functools.cache
def graph() -> Graph:
    """The graph of the package's SQL files, parsed once per process."""
    return build(_sql_files())


def _topological(models: Mapping[str, Model]) -> list[Model]:
    order: list[Model] = []
    state: dict[str, str] = {}  # name -> "visiting" | "done"

    def visit(name: str, trail: list[str]) -> None:
        if state.get(name) == "done" or name not in models:
            return
        if state.get(name) == "visiting":
            cycle = [*trail[trail.index(name) :], name]
            raise GraphError(
                f"analytics/sql/{models[name].path}: the depends form a cycle: {' -> '.join(cycle)}"
            )
        state[name] = "visiting"
        for dep in models[name].depends:
            visit(dep, [*trail, name])
        state[name] = "done"
        order.append(models[name])

    for name in sorted(models, key=lambda n: models[n].path):
        visit(name, [])
    return order


def _docs(models: Mapping[str, Model], name: str, seen: frozenset[str] = frozenset()) -> dict:
    model = models[name]
    docs = dict(model.column_docs)
    for dep in model.depends:
        if dep in models and dep not in seen:
            for col, text in _docs(models, dep, seen | {name}).items():
                docs.setdefault(col, text)
    return docs


@functools.cache
def view_names() -> frozenset[str]:
    """The views :func:`install` creates in the warehouse (the public names)."""
    return frozenset(m.model for m in graph().models.values() if m.kind == "view" and m.model)


def install(
    con: duckdb.DuckDBPyConnection,
    kinds: Iterable[str],
    params: Mapping[str, Any] | None = None,
    *,
    under: str = "",
    of: Graph | None = None,
    upstream: bool = False,
) -> list[Model]:
    """Build every model of ``kinds`` (in files under the folder ``under``, when given) on
    ``con``, each after what it depends on.

    Runs in the caller's transaction (no BEGIN/COMMIT here). Views get their COMMENTs;
    ``params`` are bound to the ``$parameters`` each body uses. Returns the models built,
    in order. ``of`` is the graph to use (default: the package's, :func:`graph`).
    ``upstream`` builds first the views and macros those models read, directly or through
    each other (the rotation tables are derived before the other views are installed, and
    read the staging view ``stg_rotations``).
    """
    wanted = set(kinds)
    g = of or graph()
    chosen = {m.name for m in g.models.values() if m.kind in wanted and m.path.startswith(under)}
    if upstream:
        chosen |= _upstream(g, chosen, ("view", "macro"))
    return _build(con, g, chosen, params)


def install_upstream_of(con: duckdb.DuckDBPyConnection, *paths: str) -> list[Model]:
    """Build the views and macros that the files ``paths`` (under analytics/sql, e.g. a query
    run at ingest before the warehouse's views are installed) read, directly or through each
    other, in order; nothing else. Returns the models built."""
    g = graph()
    return _build(con, g, _upstream(g, [g.by_path(p).name for p in paths], ("view", "macro")))


def _build(
    con: duckdb.DuckDBPyConnection,
    g: Graph,
    chosen: set[str],
    params: Mapping[str, Any] | None = None,
) -> list[Model]:
    """Build the models named ``chosen``, in the graph's order."""
    built = [m for m in g.ordered() if m.name in chosen]
    for model in built:
        used = {k: params[k] for k in model.params} if params else {}
        if model.kind in ("macro", "store", "temp macro"):
            con.execute(model.body)
        elif model.kind == "view":
            _install_view(con, g, model)
        elif model.kind == "table":
            # The body is wrapped on its own lines: it opens and may end with "--" comments.
            con.execute(f"delete from {model.model}")
            con.execute(
                f"insert into {model.model} by name\nselect * from (\n{model.body}\n)", used
            )
        elif model.kind == "temp table":
            con.execute(f"create or replace temp table {model.model} as\n{model.body}", used)
        else:
            raise GraphError(f"analytics/sql/{model.path}: a {model.kind} is not installed")
    return built


def _upstream(g: Graph, names: Iterable[str], kinds: tuple[str, ...]) -> set[str]:
    """The models of ``kinds`` that ``names`` read, directly or through each other."""
    found: set[str] = set()
    todo = [d for n in names for d in g.models[n].depends]
    while todo:
        name = todo.pop()
        model = g.models.get(name)
        if model is None or name in found or model.kind not in kinds:
            continue
        found.add(name)
        todo.extend(model.depends)
    return found


def _install_view(con: duckdb.DuckDBPyConnection, g: Graph, model: Model) -> None:
    from analytics.db import quote_literal

    view = model.model
    con.execute(f"create or replace view {view} as\n{model.body}")
    # The view's columns from the catalog (a `select * limit 0` would plan the whole view),
    # and its COMMENTs sent as one batch of statements.
    columns = {
        r[0]
        for r in con.execute(
            "select column_name from duckdb_columns() where table_name = $view "
            "and database_name = current_database() and schema_name = current_schema()",
            {"view": view},
        ).fetchall()
    }
    comments = [f"comment on view {view} is {quote_literal(model.doc)}"] if model.doc else []
    comments += [
        f"comment on column {view}.{col} is {quote_literal(text)}"
        for col, text in g.upstream_docs(model.name).items()
        if col in columns
    ]
    if comments:
        con.execute(";\n".join(comments))


def drop(con: duckdb.DuckDBPyConnection, *, under: str = "") -> None:
    """Drop the TEMP tables :func:`install` built from the files under ``under``."""
    for model in reversed(graph().ordered()):
        if model.kind == "temp table" and model.path.startswith(under):
            con.execute(f"drop table if exists temp.{model.model}")
