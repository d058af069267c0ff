"""Notebook in, one self-contained HTML file out (docs/reports.md).

:func:`run_report` checks the parameters against the notebook's ``parameters`` cell before
any kernel starts, executes the notebook in-process with papermill on the project's kernel,
keeps the executed notebook beside the HTML, and converts it with nbconvert and the
``offline`` template (``analytics/templates/offline``): code cells hidden, no JavaScript
from a CDN, charts as inline SVG. Every file is written to a temporary name and moved into
place with ``os.replace``, so a reader never sees half a report.

Paths built from parameters (week, period, report names) never leave the output folder.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analytics import config, periods
from analytics.errors import AnalyticsError, UsageError
from analytics.periods import last_complete_week

if TYPE_CHECKING:
    from analytics.context import RunContext

__all__ = [
    "NAME_RE",
    "compensation_report",
    "ensure_kernel",
    "find_notebook",
    "notebook_parameters",
    "output_path",
    "run_report",
    "to_html",
    "weekly_report",
]

NAME_RE = re.compile(r"^[a-z0-9_-]+$")
TEMPLATES = Path(__file__).resolve().parent / "templates"
_LITERAL_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
}


# --------------------------------------------------------------------------- paths


def _check_name(name: str, what: str = "name") -> str:
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise UsageError(f"{what} {name!r} is not a report name: use only a-z, 0-9, '_' and '-'")
    return name


def output_path(out_dir: str | Path, *parts: str) -> Path:
    """``out_dir/part/...`` after checking each part and that the result stays inside.

    The last part may carry one extension (``allhands.html``); every other part must match
    ``^[a-z0-9_-]+$`` (an ISO week is lower-cased for the check only). Symlinks are resolved,
    so a link pointing out of ``out_dir`` is refused too.

    Raises:
        UsageError: naming the offending part or the resolved path.
    """
    if not parts:
        raise UsageError("no output name given")
    for i, part in enumerate(parts):
        stem = part
        if i == len(parts) - 1 and "." in part:
            stem, _, ext = part.rpartition(".")
            _check_name(ext, "file extension")
        _check_name(stem.lower() if re.fullmatch(r"\d{4}-W\d{2}", stem) else stem)
    base = Path(out_dir).resolve()
    target = base.joinpath(*parts).resolve()
    if not target.is_relative_to(base):
        raise UsageError(f"output path {target} is outside the output folder {base}")
    return target


def find_notebook(name: str) -> Path:
    """The notebook ``name``: ``notebooks/<name>.ipynb`` of a checkout, else the packaged copy."""
    _check_name(name, "notebook name")
    candidates = []
    root = config.repo_root()
    if root is not None:
        candidates.append(root / "notebooks" / f"{name}.ipynb")
    candidates.append(config.package_dir() / "notebooks" / f"{name}.ipynb")
    for path in candidates:
        if path.is_file():
            return path
    raise UsageError(
        f"no notebook named {name!r} (looked for {', '.join(str(c) for c in candidates)})"
    )


def _skip_iri_grammar() -> None:
    """Keep jsonschema (imported by nbformat) from loading ``rfc3987_syntax`` here.

    The same ~1 s import the report kernel skips (``_KERNEL_STARTUP``): notebooks are
    validated without IRI formats. A process that already imported jsonschema (JupyterLab)
    is left as it is.
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)


def _code_cells(path: Path) -> list[tuple[list[str], str]]:
    """``(tags, source)`` of each code cell, read as plain JSON (nbformat, and jsonschema with
    it, is imported only once a kernel is starting)."""
    try:
        nb = json.loads(path.read_text("utf-8"))
        return [
            (
                list(cell.get("metadata", {}).get("tags", [])),
                "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"],
            )
            for cell in nb["cells"]
            if cell.get("cell_type") == "code"
        ]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise AnalyticsError(f"{path}: not a notebook ({exc})") from exc


def notebook_parameters(path: Path) -> dict[str, str]:
    """Names and annotated types (``str``, ``int`` ...) of the notebook's parameters cell."""
    for tags, source in _code_cells(path):
        if "parameters" in tags:
            out = {}
            for node in ast.parse(source).body:
                if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                    out[node.target.id] = ast.unparse(node.annotation)
            return out
    raise AnalyticsError(f"{path}: no cell tagged 'parameters'")


def _notebook_imports(path: Path) -> list[str]:
    """The import statements at the top level of the notebook's code cells, as written."""
    out = []
    for tags, source in _code_cells(path):
        if "parameters" in tags:
            continue
        try:
            body = ast.parse(source).body
        except SyntaxError:  # the cell fails when it runs, with the kernel's own message
            continue
        out += [ast.unparse(n) for n in body if isinstance(n, ast.Import | ast.ImportFrom)]
    return out


def _validate(path: Path, parameters: dict[str, Any]) -> None:
    declared = notebook_parameters(path)
    for key, value in parameters.items():
        if key not in declared:
            raise UsageError(
                f"{path.name}: unknown parameter {key!r}; it takes {', '.join(declared)}"
            )
        allowed = _LITERAL_TYPES.get(declared[key])
        bad_bool = isinstance(value, bool) and declared[key] != "bool"
        if allowed is not None and (bad_bool or not isinstance(value, allowed)):
            raise UsageError(
                f"{path.name}: parameter {key}={value!r} is not of type {declared[key]}"
            )


# --------------------------------------------------------------------------- kernel


def _same_python(argv0: str) -> bool:
    return os.path.isabs(argv0) and os.path.abspath(argv0) == os.path.abspath(sys.executable)


def ensure_kernel(name: str = config.KERNEL_NAME) -> str:
    """A kernel name that runs this interpreter (so the kernel imports this ``analytics``).

    Uses ``name`` when it is registered for ``sys.executable`` (``make`` registers it inside
    the venv); otherwise registers it for ``sys.executable`` inside ``sys.prefix`` (or the
    user's Jupyter folder when ``sys.prefix`` is read-only). When a kernel of that name
    exists but runs another interpreter (e.g. a user-level kernel shadowing the venv's), a
    name suffixed with a hash of the interpreter path is used instead.
    """
    import hashlib

    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    ksm = KernelSpecManager()
    candidates = [name, f"{name}-{hashlib.sha256(sys.executable.encode()).hexdigest()[:8]}"]
    for candidate in candidates:
        try:
            spec = ksm.get_kernel_spec(candidate)
        except NoSuchKernel:
            spec = None
        if spec is not None and spec.argv and _same_python(spec.argv[0]):
            return candidate
        if spec is None:
            from ipykernel import kernelspec

            try:
                kernelspec.install(kernel_name=candidate, display_name=name, prefix=sys.prefix)
            except OSError:
                kernelspec.install(kernel_name=candidate, display_name=name, user=True)
            return candidate
    raise AnalyticsError(
        f"kernels {', '.join(candidates)} run another Python; remove them with "
        "`jupyter kernelspec remove` or pass a kernel name"
    )


# Run in the report kernel before the first cell. jsonschema (imported by Altair) imports the
# optional rfc3987_syntax when installed (JupyterLab pulls it in), which compiles a grammar
# for ~1.3 s on import; reports never validate IRIs, so the report kernel does without it.
# And the kernel ends with os._exit as soon as it exits: Python's teardown of a report's
# kernel (ipykernel's exit handlers, then pandas, DuckDB, Altair and the data freed one object
# at a time) took ~1.1 s wall and ~0.4 s CPU at full size, waited for by run_report, and
# keeps nothing: every output has been received by then, the warehouse was read through
# connections already closed, the history is in memory (``hist_file=:memory:``), the
# connection file is removed by the kernel manager, and children were stopped by ipykernel
# when the shutdown was asked for. Interactive JupyterLab kernels are untouched.
_KERNEL_STARTUP = (
    "import sys; sys.modules.setdefault('rfc3987_syntax', None); "
    "__import__('atexit').register(__import__('os')._exit, 0)"
)


def _kernel_startup(path: Path) -> str:
    """What the report kernel runs before the first cell: :data:`_KERNEL_STARTUP`, then the
    notebook's own imports (pandas, Altair, the report's modules: ~0.7 s CPU), so that they
    load while this process is still importing papermill, on the other core."""
    return "; ".join([_KERNEL_STARTUP, *_notebook_imports(path)])


def _start_kernel(name: str, startup: str) -> Any:
    """Launch the kernel ``name`` now (its manager, for ``papermill.execute_notebook(km=)``):
    it starts up while papermill is imported here. :func:`_stop_kernel` shuts it down."""
    from jupyter_core.utils import run_sync

    from analytics.chart_worker import REPORT_KERNEL_ENV

    km = _quiet_kernel_manager()(kernel_name=name)
    run_sync(km.start_kernel)(
        # nbclient's own arguments for a kernel it starts: no history file
        extra_arguments=[
            f"--IPKernelApp.exec_lines={startup}",
            "--HistoryManager.hist_file=:memory:",
        ],
        # charts may be drawn by a helper process while the cells run (charts.setup)
        env={**os.environ, REPORT_KERNEL_ENV: "1"},
    )
    return km


def _stop_kernel(km: Any, *, requested: bool = False) -> None:
    """Shut the kernel down (``requested``: already asked to, by :func:`_request_shutdown`):
    wait for it to exit, kill it after the manager's ``shutdown_wait_time``, and remove its
    connection file."""
    from jupyter_core.utils import run_sync

    if not km.has_kernel:  # never started, or already stopped (nbclient, on a failed start)
        return
    if not requested:
        _request_shutdown(km)
    # polled every 10 ms rather than jupyter_client's 100: the kernel exits at once (os._exit)
    run_sync(km.finish_shutdown)(pollinterval=0.01)
    run_sync(km.cleanup_resources)()


def _request_shutdown(km: Any) -> None:
    """Ask the kernel to shut down, without waiting for it."""
    from jupyter_core.utils import run_sync

    run_sync(km.request_shutdown)()


def _quiet_kernel_manager() -> type:
    """A kernel manager whose kernel writes nothing to our stdout/stderr.

    Cell output and errors come back over the kernel protocol; what the kernel process
    itself prints (transport warnings, "KeyboardInterrupt caught" at shutdown) is noise in
    a cron mail.
    """
    from jupyter_client.manager import AsyncKernelManager

    class QuietKernelManager(AsyncKernelManager):
        async def _async_launch_kernel(self, kernel_cmd, **kw):
            kw.setdefault("stdout", subprocess.DEVNULL)
            kw.setdefault("stderr", subprocess.DEVNULL)
            return await super()._async_launch_kernel(kernel_cmd, **kw)

    return QuietKernelManager


# --------------------------------------------------------------------------- rendering


def _public(path: str | Path) -> None:
    """Give a temp file the mode a plain ``open()`` would (mkstemp makes it 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def _atomic_write(path: Path, data: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(data)
        _public(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# What nbconvert's HTMLExporter does to the page after rendering it, done on the text: its
# BeautifulSoup pass (parse the whole page, 12k tags with the inline SVGs, and print it again)
# only makes each output and input focusable and gives an <img> without alt text one.
_FOCUSABLE_RE = re.compile(
    r'<div (?=[^>]*class="(?:jp-Cell-inputWrapper"|[^"]*\bjp-OutputArea-output\b))'
    r"(?![^>]*\btabindex=)([^>]*)>"
)
_IMG_WITHOUT_ALT_RE = re.compile(r"<img (?![^>]*\balt=)")


def _focusable(html: str) -> str:
    """The page as nbconvert's BeautifulSoup pass leaves it (``tabindex="0"`` on outputs
    and inputs, alt text on images), without parsing it."""
    html = _FOCUSABLE_RE.sub(r'<div \1 tabindex="0">', html)
    return _IMG_WITHOUT_ALT_RE.sub(
        '<img alt="No description has been provided for this image" ', html
    )


def _exporter() -> Any:
    """The HTML exporter of :func:`to_html`: nbconvert's, with the ``offline`` template,
    outputs only, no cell tagged ``remove-cell`` (e.g. the weekly notebook's last, which
    puts the charts in place and shows nothing), and no BeautifulSoup pass over the page
    (~0.3 s CPU for the weekly report: :func:`_focusable` does its work on the text)."""
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
    from traitlets.config import Config

    class OfflineExporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            # HTMLExporter.from_notebook_node up to its BeautifulSoup pass
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            highlight = self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)
            )
            resources = self._init_resources(resources)
            datatype = WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources
            )
            self.register_filter("highlight_code", highlight)
            self.register_filter("filter_data_type", datatype)
            html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            return _focusable(html), resources

    exporter = OfflineExporter(
        config=Config({"TagRemovePreprocessor": {"remove_cell_tags": {"remove-cell"}}}),
        template_name="offline",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.template  # noqa: B018 -- load and compile the templates now
    return exporter


def to_html(nb: Any, title: str | None = None, *, exporter: Any = None) -> str:
    """One self-contained HTML page of an executed notebook: outputs only, no CDN links.

    ``exporter``: one made by :func:`_exporter` beforehand (``run_report`` makes it while the
    kernel runs); default a new one.
    """
    exporter = exporter or _exporter()
    resources = {"metadata": {"name": title or nb.metadata.get("title") or "report"}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return body


def run_report(
    notebook: str,
    parameters: dict[str, Any],
    out_html: Path,
    *,
    kernel: str | None = None,
    title: str | None = None,
) -> Path:
    """Execute ``notebook`` with ``parameters`` and write it as one offline HTML file.

    The executed notebook is kept beside the HTML (``<stem>.ipynb``); when a cell fails it
    is written as ``<stem>.failed.ipynb`` instead, no HTML is written, and the error names
    that file.

    Args:
        notebook: A notebook name (``weekly_allhands``) or a path to an ``.ipynb`` file.
        parameters: Values for the notebook's ``parameters`` cell, checked against its
            names and annotated types before any kernel starts.
        out_html: Where to write the HTML (the caller checks it is where it should be).
        kernel: Kernel name; default: the project's, registered for this interpreter.
        title: The HTML page title (default: the notebook name).

    Returns:
        The path of the HTML file written.

    Raises:
        UsageError: unknown notebook or parameter, or a value of the wrong type.
        AnalyticsError: the notebook failed (the error type of an ``analytics`` error raised
            in the notebook, e.g. ``WarehouseBusy``, is kept so the exit status is right).
    """
    path = Path(notebook) if str(notebook).endswith(".ipynb") else find_notebook(notebook)
    if not path.is_file():
        raise UsageError(f"no notebook at {path}")
    _validate(path, parameters)
    out_html = Path(out_html)
    out_nb = out_html.with_suffix(".ipynb")
    failed_nb = out_html.with_suffix(".failed.ipynb")

    kernel_name = kernel or ensure_kernel()
    km = _start_kernel(kernel_name, _kernel_startup(path))
    requested = False
    try:
        _skip_iri_grammar()
        import nbformat
        import papermill
        from papermill.exceptions import PapermillExecutionError

        # nbconvert loads and compiles its templates while the kernel runs the cells
        exporter = _background(_exporter)
        out_html.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{out_nb.name}.", suffix=".ipynb", dir=out_html.parent)
        os.close(fd)
        try:
            try:
                nb = papermill.execute_notebook(
                    str(path),
                    tmp,
                    parameters=parameters,
                    kernel_name=kernel_name,
                    language="python",
                    progress_bar=False,
                    log_output=False,
                    request_save_on_cell_execute=False,
                    km=km,
                    # the kernel answers once it has run its startup (the notebook's imports),
                    # so allow more than papermill's 60 s on a machine short of memory
                    start_timeout=300,
                )
            except PapermillExecutionError as exc:
                _public(tmp)
                os.replace(tmp, failed_nb)
                raise _notebook_error(exc, failed_nb) from None
            _request_shutdown(km)  # it exits while the page is written
            requested = True
            nb.metadata["title"] = title or path.stem
            html = to_html(nb, title=title or path.stem, exporter=exporter.result())
            _atomic_write(out_html, html)
            nbformat.write(nb, tmp)
            _public(tmp)
            os.replace(tmp, out_nb)
            with contextlib.suppress(OSError):
                failed_nb.unlink()
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    finally:
        _stop_kernel(km, requested=requested)
    return out_html


def _background(work: Any) -> Any:
    """``work()`` started in a thread of its own: a future, ``.result()`` waits for it."""
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="report")
    try:
        return pool.submit(work)
    finally:
        pool.shutdown(wait=False)


def _notebook_error(exc: Any, failed_nb: Path) -> AnalyticsError:
    """The notebook's own error, as the analytics error type it had when there is one."""
    from analytics import errors

    cls = getattr(errors, exc.ename, None)
    message = f"{exc.evalue} (executed notebook: {failed_nb})"
    if isinstance(cls, type) and issubclass(cls, AnalyticsError):
        err = cls.__new__(cls)
        Exception.__init__(err, message)
        return err
    return AnalyticsError(f"report notebook failed: {exc.ename}: {message}")


# --------------------------------------------------------------------------- weekly


def _checked_inputs(run: RunContext) -> None:
    """Check the warehouse before any kernel starts: a missing, busy or outdated one fails
    with its own message (exit 1/3/2) rather than a traceback from inside the kernel. (The
    policy file was read when the context was built: a bad one is already a usage error.)"""
    with run.reader():
        pass


def weekly_report(
    run: RunContext,
    out_dir: Path = config.DEFAULT_REPORTS,
    *,
    weeks_of_trend: int = 12,
    kernel: str | None = None,
) -> Path:
    """Render the weekly all-hands report to ``<out_dir>/weekly/<week>/allhands.html``.

    Args:
        run: The warehouse, report time, policy and ISO week (``run.period``; default the last
            complete week before ``run.as_of``), from :func:`analytics.context.from_options`
            or :func:`~analytics.context.from_parameters`.
        out_dir: The reports folder; the report never lands outside it.
        weeks_of_trend: Weeks in the trend charts.
        kernel: Kernel name (default: the project's).

    Raises:
        UsageError: a period that is not an ISO week or had not begun at ``run.as_of``, or a
            bad output path (before any kernel starts).
        AnalyticsError: missing, busy or outdated warehouse (before any kernel starts), or
            the notebook failed.
    """
    if run.period is None:
        run = run.with_period(periods.week(last_complete_week(run.as_of)))
    if run.period.kind != "week":
        raise UsageError(f"week {run.period.label!r} is not an ISO week like 2026-W47")
    periods.require_begun(run.period, run.as_of)
    week = run.period.label
    if not isinstance(weeks_of_trend, int) or not 1 <= weeks_of_trend <= 104:
        raise UsageError(f"weeks_of_trend {weeks_of_trend!r} is not between 1 and 104")
    out_html = output_path(out_dir, "weekly", week, "allhands.html")
    _checked_inputs(run)
    return run_report(
        "weekly_allhands",
        {**run.parameters(period_as="week"), "weeks_of_trend": weeks_of_trend},
        out_html,
        kernel=kernel,
        title=f"Weekly incident report {week}",
    )


# --------------------------------------------------------------------------- compensation

PAYROLL_DIR = config.DEFAULT_REPORTS / "payroll"


def compensation_report(
    run: RunContext,
    out_dir: Path = PAYROLL_DIR,
    *,
    kernel: str | None = None,
) -> Path:
    """Render the compensation report to ``<out_dir>/compensation-<period>.html``.

    Beside the payroll files by default (``reports/payroll/``): it names people and their
    pay. The report computes the payroll exactly as ``incident-analytics payroll`` does but
    writes no payroll file and records nothing.

    Args:
        run: The warehouse, report time, policy and period (``run.period``: a calendar month,
            whole days, or any period of :func:`analytics.periods.parse_period`; default the
            month before ``run.as_of``).
        out_dir: The folder to write into; the report never lands outside it.
        kernel: Kernel name (default: the project's).

    Raises:
        UsageError: a bad output path (before any kernel starts).
        AnalyticsError: missing, busy or outdated warehouse (before any kernel starts), or
            the notebook failed (e.g. no pay rate in force for part of the period).
    """
    from analytics.compensation import period_name

    if run.period is None:
        run = run.with_period(periods.parse_period("last month", as_of=run.as_of))
    span = run.period
    name = period_name(span.first_day, span.last_day + timedelta(days=1))
    out_html = output_path(out_dir, f"compensation-{name}.html")
    _checked_inputs(run)
    return run_report(
        "oncall_compensation",
        run.parameters(),
        out_html,
        kernel=kernel,
        title=f"On-call compensation {name}",
    )
