"""Every notebook is thin, parameterised and committed clean (STYLE rules 8-10).

- no outputs and no execution counts (built outputs are not source);
- one cell tagged ``parameters`` holding only annotated literal assignments, each with a
  comment (papermill injects values after it; nothing may be derived there);
- no ``def``, ``class``, SQL or ``sys.path`` in any cell: logic lives in the package;
- the kernel is the project's (``incident-analytics``).
The weekly notebook is executed end to end in tests/test_reports.py; the other two are
executed here in the slow tier.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import nbformat
import pytest

from analytics.config import KERNEL_NAME

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
# SQL text, or DuckDB used directly (the word in a file name such as warehouse.duckdb is fine)
SQL = re.compile(
    r"\bselect\b[\s\S]*\bfrom\b|\bimport\s+duckdb\b|\bduckdb\s*\.\s*\w+\s*\("
    r"|\bcreate\s+(table|view)\b|\b(insert\s+into|delete\s+from)\b",
    re.I,
)


def _ids(path: Path) -> str:
    return path.stem


def test_the_three_notebooks_exist():
    assert {p.stem for p in NOTEBOOKS} >= {"weekly_allhands", "explore", "oncall_compensation"}


@pytest.fixture(params=NOTEBOOKS, ids=_ids)
def nb(request):
    return nbformat.read(request.param, as_version=4)


def test_committed_without_outputs(nb):
    nbformat.validate(nb)
    assert nb.nbformat == 4
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], cell.source
            assert cell.execution_count is None, cell.source
        assert "papermill" not in cell.metadata


def test_kernel_is_the_projects(nb):
    assert nb.metadata.kernelspec.name == KERNEL_NAME
    assert "papermill" not in nb.metadata


def _comments_by_line(source: str) -> dict[int, str]:
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return {t.start[0]: t.string for t in tokens if t.type == tokenize.COMMENT}


def test_parameters_cell_holds_only_commented_annotated_literals(nb):
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    cell = tagged[0]
    assert cell.cell_type == "code"
    body = ast.parse(cell.source).body
    assert body, "empty parameters cell"
    comments = _comments_by_line(cell.source)
    for node in body:
        assert isinstance(node, ast.AnnAssign), ast.unparse(node)
        assert isinstance(node.target, ast.Name)
        assert ast.unparse(node.annotation) in {"str", "int", "float", "bool"}
        assert isinstance(node.value, ast.Constant), f"not a literal: {ast.unparse(node)}"
        assert isinstance(node.value.value, str | int | float | bool)
        assert node.lineno in comments, f"no comment on {node.target.id}"
    assert all(line in {n.lineno for n in body} for line in comments), "stray comment line"


def test_papermill_reads_every_parameter(nb):
    """papermill's own parser (``--help-notebook``, injection warnings) sees each parameter with
    its type; it gives up on a line whose comment holds ``=``."""
    from papermill.translators import PythonTranslator

    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    declared = {
        node.target.id: ast.unparse(node.annotation)
        for node in ast.parse(cell.source).body
        if isinstance(node, ast.AnnAssign)
    }
    inferred = {p.name: p.inferred_type_name for p in PythonTranslator.inspect(cell)}
    assert inferred == declared


def test_no_logic_sql_or_path_hacks_in_cells(nb):
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        for node in ast.walk(tree):
            assert not isinstance(
                node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda
            ), cell.source
        assert not SQL.search(cell.source), cell.source
        assert "sys.path" not in cell.source


def test_thin_sections_one_call_each(nb):
    """After the parameters: imports once, then each code cell is a single statement."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    imports = [c for c in code if "import" in c.source]
    assert len(imports) == 1
    for cell in code:
        if cell in imports or "parameters" in cell.metadata.get("tags", []):
            continue
        assert len(ast.parse(cell.source).body) == 1, cell.source


def test_weekly_sections_are_all_there():
    path = next(p for p in NOTEBOOKS if p.stem == "weekly_allhands")
    text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
    for call in (
        "show_headline",
        "show_incidents",
        "show_incidents_by_severity",
        "show_mttx",
        "show_trend",
        "show_compliance",
        "show_action_items",
        "show_top_services",
        "show_oncall_load",
        "show_freshness",
        "show_footer",
    ):
        assert f"weekly_html.{call}(data)" in text
    # the review sections (issues 18.5, 19.1), in the order of docs/reports.md
    calls = [
        "show_postmortems",
        "show_review_checks",
        "show_communication",
        "show_misclassifications",
        "show_handoffs",
    ]
    places = [text.index(f"weekly_reviews_html.{call}(data)") for call in calls]
    assert places == sorted(places)
    assert text.index("weekly_html.show_compliance(data)") < places[0]
    assert text.index("weekly_html.show_oncall_load(data)") < places[-1]


def test_compensation_sections_are_all_there():
    path = next(p for p in NOTEBOOKS if p.stem == "oncall_compensation")
    text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
    for call in ("show_fairness", "show_handoffs"):
        assert f"compensation_html.{call}(data)" in text


@pytest.mark.slow
@pytest.mark.parametrize("name", ["explore", "oncall_compensation"])
def test_other_notebooks_run(name, tmp_path):
    from test_reports import build_warehouse

    from analytics import reports

    db = build_warehouse(tmp_path / "warehouse.duckdb")
    params = {"db": str(db)}
    if name == "oncall_compensation":
        params["period"] = "2026-10"
    if name == "explore":  # the period of the warehouse's incidents, so every section has rows
        params |= {"period": "2026-10", "as_of": "2026-11-02T00:00:00Z", "team": "payments"}
    out = reports.run_report(name, params, tmp_path / f"{name}.html")
    text = out.read_text("utf-8")
    assert "Traceback" not in text
    assert re.findall(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", text, flags=re.I) == []
    if name == "oncall_compensation":
        # October of that warehouse: incidents begin Tue 13 Oct, pages Mon 26 Oct, and the
        # rotations (payments, search) start Mon 19 Oct 00:00: the banner opens the report
        assert "Some data is missing for this period." in text
        assert "Incidents: the data begins on Tue 13 Oct 2026" in text
        assert "On-call rotations (payments, search): the data begins at Mon 19 Oct 2026" in text
        assert "DataEnds(" not in text


@pytest.fixture(scope="module")
def small_warehouse(tmp_path_factory) -> Path:
    from test_reports import build_warehouse

    return build_warehouse(tmp_path_factory.mktemp("nb") / "warehouse.duckdb")


def _run_with_defaults(path: Path, out: Path, cwd: Path) -> nbformat.NotebookNode:
    """papermill with no parameters: the kernel's working folder is ``cwd``, as in JupyterLab."""
    import papermill

    from analytics import reports

    return papermill.execute_notebook(
        str(path),
        str(out),
        parameters={},
        kernel_name=reports.ensure_kernel(),
        cwd=str(cwd),
        progress_bar=False,
        log_output=False,
    )


# From notebooks/ in the fast tier (where JupyterLab runs a kernel); from another folder in
# the slow one (three more kernel starts, ~30 s on the reference machine).
@pytest.mark.parametrize("where", ["notebooks", pytest.param("elsewhere", marks=pytest.mark.slow)])
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids)
def test_every_notebook_runs_with_default_parameters_wherever_the_kernel_runs(
    path, where, small_warehouse, tmp_path, monkeypatch
):
    """Left at its default, `db` is the configured warehouse ($INCIDENT_ANALYTICS_DB here), not
    a path relative to the kernel's folder (JupyterLab runs it in notebooks/)."""
    monkeypatch.setenv("INCIDENT_ANALYTICS_DB", str(small_warehouse))
    cwd = path.parent if where == "notebooks" else tmp_path
    monkeypatch.chdir(cwd)
    nb = _run_with_defaults(path, tmp_path / path.name, cwd)
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert errors == []
    text = "\n".join(
        str(o.get("data", {}).get("text/html", "")) for c in nb.cells for o in c.get("outputs", [])
    )
    assert "no warehouse here" not in text
    if path.stem == "explore":
        assert str(small_warehouse) in text  # the scope line names the warehouse it read
    assert not (cwd / "data").exists()  # nothing looked for or made beside the kernel


def test_kernel_display_name_is_the_one_registered(nb):
    """JupyterLab rewrites a notebook's kernelspec when its display name differs from the
    registered kernel's, so every notebook opened modified (a dot on its tab) with the
    Makefile's former "Python (incident-analytics)". make and ``ensure_kernel`` (display name
    = kernel name) must register what the notebooks carry."""
    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text()
    kernel = re.search(r"^KERNEL\s*:=\s*(\S+)", makefile, re.M).group(1)
    registered = re.search(r'--display-name\s+"([^"]+)"', makefile).group(1)
    assert kernel == KERNEL_NAME
    assert registered.replace("$(KERNEL)", kernel) == nb.metadata.kernelspec.display_name
    assert nb.metadata.kernelspec.display_name == KERNEL_NAME  # what ensure_kernel registers


def test_the_weekly_compliance_heading_names_every_check_its_table_shows():
    from analytics import weekly

    nb = nbformat.read(NOTEBOOKS[[p.stem for p in NOTEBOOKS].index("weekly_allhands")], 4)
    (heading,) = [
        c.source for c in nb.cells if c.cell_type == "markdown" and "Compliance" in c.source
    ]
    named = [n.strip() for n in heading.split(":", 1)[1].split(",")]
    assert named == list(weekly._CHECKS.values())
