"""The SQL files as a declared graph (analytics/sqlgraph.py): headers, order, errors, and the
declarations checked against the SQL itself and against the sample warehouse."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pytest

from analytics import db, sqlgraph
from analytics.sqlgraph import GraphError


def _file(model: str, depends: str, body: str, *, kind: str = "view", grain: str = "none"):
    header = (
        f"-- model: {model}\n-- kind: {kind}\n-- layer: marts\n-- depends: {depends}\n"
        f"-- grain: {grain}\n--\n"
    )
    return header + body


SCHEMA = ("schema.sql", _file("none", "none", "create table src_t (x int);\n", kind="schema"))


def test_order_follows_depends_not_file_names():
    # a_top reads b_mid, which reads c_low: path order would be a, b, c; the graph gives c, b, a
    files = [
        SCHEMA,
        ("marts/a.sql", _file("a_top", "b_mid", "select * from b_mid\n")),
        ("marts/b.sql", _file("b_mid", "c_low", "select * from c_low\n")),
        ("marts/c.sql", _file("c_low", "src_t", "select x from src_t\n")),
    ]
    g = sqlgraph.build(files)
    assert [m.name for m in g.ordered() if m.kind == "view"] == ["c_low", "b_mid", "a_top"]


def test_a_cycle_is_an_error_naming_it():
    files = [
        SCHEMA,
        ("marts/a.sql", _file("a_top", "b_mid", "select * from b_mid\n")),
        ("marts/b.sql", _file("b_mid", "a_top", "select * from a_top\n")),
    ]
    with pytest.raises(GraphError, match=r"cycle: a_top -> b_mid -> a_top"):
        sqlgraph.build(files)


def test_an_unknown_dependency_is_an_error_naming_the_file():
    files = [SCHEMA, ("marts/a.sql", _file("a_top", "src_t, nowhere", "select 1\n"))]
    with pytest.raises(GraphError, match=r"analytics/sql/marts/a.sql: depends on nowhere"):
        sqlgraph.build(files)


def test_a_missing_header_is_an_error_naming_what_is_missing():
    files = [SCHEMA, ("marts/a.sql", "-- model: a_top\n-- kind: view\nselect 1\n")]
    with pytest.raises(GraphError, match=r"marts/a.sql:3: the header lacks layer, depends, grain"):
        sqlgraph.build(files)


def test_two_files_making_one_model_is_an_error():
    files = [
        SCHEMA,
        ("marts/a.sql", _file("a_top", "src_t", "select x from src_t\n")),
        ("marts/b.sql", _file("a_top", "src_t", "select x from src_t\n")),
    ]
    with pytest.raises(GraphError, match=r"model a_top is also made by analytics/sql/marts/a"):
        sqlgraph.build(files)


def test_install_builds_in_order_and_a_select_star_column_inherits_its_upstream_doc():
    files = [
        SCHEMA,
        # a_top shows b_mid's columns through select * and documents only `extra`
        (
            "marts/a.sql",
            _file(
                "a_top",
                "b_mid",
                "-- Top.\n--   extra: its own doc\nselect *, 1 as extra from b_mid\n",
            ),
        ),
        (
            "marts/b.sql",
            _file("b_mid", "src_t", "-- Mid.\n--   x: the x, units\nselect x from src_t\n"),
        ),
    ]
    g = sqlgraph.build(files)
    con = duckdb.connect()
    con.execute("create table src_t (x int)")
    built = sqlgraph.install(con, ("view",), of=g)
    assert [m.name for m in built] == ["b_mid", "a_top"]
    docs = dict(
        con.execute(
            "select column_name, comment from duckdb_columns() where table_name = 'a_top'"
        ).fetchall()
    )
    assert docs == {"x": "the x, units", "extra": "its own doc"}
    [(comment,)] = con.execute(
        "select comment from duckdb_views() where view_name = 'a_top'"
    ).fetchall()
    assert comment == "Top."  # the header lines are not part of the view's doc


def test_install_upstream_builds_first_the_views_the_chosen_models_read():
    # a table derived before the views are installed (oncall_shifts from stg_rotations)
    files = [
        SCHEMA,
        ("marts/a.sql", _file("a_top", "c_low", "select x from c_low\n", kind="table")),
        ("marts/b.sql", _file("b_mid", "src_t", "select x from src_t\n")),
        ("marts/c.sql", _file("c_low", "src_t", "select x from src_t\n")),
    ]
    g = sqlgraph.build(files)
    con = duckdb.connect()
    con.execute("create table src_t (x int); insert into src_t values (7)")
    con.execute("create table a_top (x int)")
    with pytest.raises(duckdb.CatalogException, match="c_low"):
        sqlgraph.install(con, ("table",), of=g)
    built = sqlgraph.install(con, ("table",), of=g, upstream=True)
    assert [m.name for m in built] == ["c_low", "a_top"]  # not b_mid: a_top does not read it
    assert con.execute("select x from a_top").fetchall() == [(7,)]


def test_install_upstream_of_builds_what_a_query_reads_and_nothing_else():
    # countries' queries run at ingest before install_views: only their upstream is built
    from analytics import db

    con = duckdb.connect()
    db.create_schema(con)
    built = {m.name for m in sqlgraph.install_upstream_of(con, "queries/countries_codes.sql")}
    assert "stg_people" in built and "incident_metrics" not in built
    views = {
        r[0] for r in con.sql("select view_name from duckdb_views() where not internal").fetchall()
    }
    assert "stg_people" in views and "incident_metrics" not in views and "pages" not in views
    assert con.execute(db.sql_text("queries/countries_codes.sql")).fetchall() == []


def test_the_package_graph_declares_every_file():
    g = sqlgraph.graph()
    # the folder is the layer; pay/ holds payroll's per-period intermediate TEMP tables,
    # metrics/ the metrics summary's per-call TEMP scope
    folder_layer = {"pay": "intermediate", "metrics": "intermediate"}
    for m in g.models.values():
        if "/" in m.path:
            folder = m.path.split("/")[0]
            assert m.layer == folder_layer.get(folder, folder), m.path
            assert (m.kind == "query") == (m.layer == "queries"), m.path


def test_staging_reads_base_tables_only_and_nothing_else_reads_a_staged_one():
    # staging (stg_*) cleans a base table; the layers above read the stg_ model, never the
    # base table behind it, so a cleaning rule has one place (docs/design.md, "Layers")
    g = sqlgraph.graph()
    staging = [m for m in g.models.values() if m.layer == "staging"]
    staged = {d for m in staging if m.name.startswith("stg_") for d in m.depends if d in g.sources}
    # every input table has its staging model (the logs and derived tables are not inputs)
    assert {s for s in g.sources if s.startswith("src_")} <= staged
    wrong = [
        f"{m.path}: {d}"
        for m in staging
        for d in m.depends
        if d not in g.sources and d != "macros.sql"
    ]
    wrong += [
        f"{m.path}: {d}"
        for m in g.models.values()
        if m.layer != "staging" and m.kind != "schema"
        for d in m.depends
        if d in staged
    ]
    assert not wrong, "layers read past staging:\n" + "\n".join(wrong)


def test_every_relation_a_file_reads_is_in_its_depends_and_every_listed_one_is_read():
    # both ways: a read not listed could be built after the file; a listed name never read
    # orders the graph for nothing (and hands its column docs to select * columns)
    sqlgraph.check_depends(sqlgraph.graph())


def test_a_listed_dependency_the_sql_never_reads_is_an_error_naming_file_and_name():
    files = [
        SCHEMA,
        ("marts/a.sql", _file("a_top", "b_mid, c_low", "select * from b_mid\n")),
        ("marts/b.sql", _file("b_mid", "src_t", "select x from src_t\n")),
        ("marts/c.sql", _file("c_low", "src_t", "select x from src_t\n")),
    ]
    with pytest.raises(
        GraphError,
        match=r"analytics/sql/marts/a.sql: -- depends: lists c_low, which its SQL never reads",
    ):
        sqlgraph.check_depends(sqlgraph.build(files))


def test_a_read_the_depends_do_not_list_is_an_error_naming_file_and_name():
    files = [
        SCHEMA,
        ("marts/a.sql", _file("a_top", "b_mid", "select * from b_mid join c_low using (x)\n")),
        ("marts/b.sql", _file("b_mid", "src_t", "select x from src_t\n")),
        ("marts/c.sql", _file("c_low", "src_t", "select x from src_t\n")),
    ]
    with pytest.raises(
        GraphError, match=r"analytics/sql/marts/a.sql: reads c_low, which its -- depends: does"
    ):
        sqlgraph.check_depends(sqlgraph.build(files))


def test_what_a_file_reads_skips_ctes_strings_and_comments_and_counts_macro_calls():
    macros = _file(
        "none", "none", "create or replace macro twice(x) as 2 * x;\n", kind="macro"
    ).replace("-- layer: marts", "-- layer: none")
    body = (
        "-- from c_low (a comment)\n"
        "with b_mid as (select x from b_mid),\n"  # inside its own body: the model b_mid
        "c_low as (select 'from c_low' as x)\n"  # a string, then a CTE that shadows c_low
        "select twice(b.x) from b_mid as b join c_low using (x)\n"
    )
    files = [
        SCHEMA,
        ("macros.sql", macros),
        ("marts/a.sql", _file("a_top", "b_mid, macros.sql", body)),
        ("marts/b.sql", _file("b_mid", "src_t", "select x from src_t\n")),
        ("marts/c.sql", _file("c_low", "src_t", "select x from src_t\n")),
    ]
    g = sqlgraph.build(files)
    assert sqlgraph.reads(g, g.models["a_top"]) == {"b_mid", "macros.sql"}
    sqlgraph.check_depends(g)


def _duplicates(con, relation: str, grain: tuple[str, ...]) -> int:
    cols = ", ".join(grain)
    [(n,)] = con.execute(
        f"select count(*) from (select {cols} from {relation} group by all having count(*) > 1)"
    ).fetchall()
    return n


def test_every_declared_grain_is_unique_on_the_sample(sample_warehouse):
    g = sqlgraph.graph()
    checked = []
    bounds = {
        "period_start": datetime(2026, 10, 1, tzinfo=UTC),
        "period_end": datetime(2026, 11, 1, tzinfo=UTC),
        "trend_start": datetime(2026, 8, 1, tzinfo=UTC),  # queries/weekly_*.sql
        # the comp-time queries: the period's months, every engineer and month
        "first_month": "2026-10",
        "last_month": "2026-10",
        "name": None,
        "month": None,
    }
    bounds["grouping"] = "team"  # the metrics queries' grouping (sql/metrics, metrics_*.sql)
    with db.reader(sample_warehouse, as_of="2026-11-02T00:00:00Z") as con:
        sqlgraph.install(con, ("temp table",), bounds, under="pay/")
        sqlgraph.install(con, ("temp table",), bounds, under="metrics/")
        for m in g.ordered():
            if not m.grain:
                continue
            if m.kind in ("view", "table", "temp table"):
                assert _duplicates(con, m.model, m.grain) == 0, (m.path, m.grain)
                checked.append(m.name)
            elif m.kind == "query":
                used = {k: bounds[k] for k in m.params}
                con.execute(f"create temp table __q as {m.body}", used)
                assert _duplicates(con, "__q", m.grain) == 0, (m.path, m.grain)
                con.execute("drop table __q")
                checked.append(m.name)
    # the public marts and the pay tables are among them
    assert {"incident_metrics", "page_metrics", "oncall_load", "pay_engineers"} <= set(checked)


def test_every_view_and_each_of_its_columns_has_a_comment(sample_warehouse):
    # the header's prose and column lines (or the upstream column's doc) become COMMENTs
    views = sqlgraph.view_names()
    con = duckdb.connect(str(sample_warehouse), read_only=True)
    try:
        undocumented = con.execute(
            "select table_name, column_name from duckdb_columns() "
            "where schema_name = 'main' and comment is null and list_contains($views, table_name)",
            {"views": sorted(views)},
        ).fetchall()
        uncommented = con.execute(
            "select view_name from duckdb_views() "
            "where not internal and comment is null and list_contains($views, view_name)",
            {"views": sorted(views)},
        ).fetchall()
    finally:
        con.close()
    assert not undocumented
    assert not uncommented
