"""One ``report weekly`` process phase by phase: the CLI's side and the kernel's, wall and CPU.

Runs the weekly report once, as the command does (``reports.weekly_report``: checks, kernel
started beside papermill's import, cells, HTML), on a copy of ``notebooks/weekly_allhands.ipynb``
whose code cells first note the time since the process started and the kernel's CPU seconds
so far (its own threads; the chart helper's once it has exited). The notes cost microseconds
and change no output of the cells. Prints one line per cell, then the process's wall and CPU
seconds (the whole tree: the kernel and the chart helper are waited for).

With ``--profile DIR``, the kernel's cells and the command's own process are also run under
cProfile (``DIR/kernel.prof``, ``DIR/parent.prof``; read them with ``python -m pstats``):
cProfile makes Python-heavy steps look 2-3 x slower than they are, so time with it off.

Run: ``.venv/bin/python benchmarks/report_breakdown.py --db <warehouse copy>
[--week 2026-W44] [--as-of 2026-11-02T00:00:00Z] [--profile DIR]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Prepended to each code cell (not the parameters cell): label, seconds since the epoch, the
# kernel's CPU seconds, its waited-for children's (the chart helper's, once finished).
_NOTE = (
    "import time as _t, resource as _r\n"
    "_u, _c = _r.getrusage(_r.RUSAGE_SELF), _r.getrusage(_r.RUSAGE_CHILDREN)\n"
    "with open({log!r}, 'a') as _f:\n"
    "    _f.write('%s %.4f %.4f %.4f\\n' % ({label!r}, _t.time(), _u.ru_utime + _u.ru_stime,"
    " _c.ru_utime + _c.ru_stime))\n"
)

# The command's process: the weekly report as `report weekly` runs it, on the noted notebook.
_PARENT = """
import cProfile, sys, time
from pathlib import Path
log, notebook, db, week, as_of, out, prof = sys.argv[1:8]
with open(log, "a") as f:
    f.write("start %.4f 0 0\\n" % time.time())
profile = cProfile.Profile() if prof else None
if profile:
    profile.enable()
from analytics import context, reports
run = context.from_options(db=db, as_of=as_of, period=week, wait=0, week=True)
reports.find_notebook = lambda name: Path(notebook)
reports.weekly_report(run, Path(out))
if profile:
    profile.disable()
    profile.dump_stats(prof)
with open(log, "a") as f:
    f.write("done %.4f 0 0\\n" % time.time())
"""


def noted_notebook(folder: Path, log: Path, profile: Path | None) -> Path:
    """A copy of the weekly notebook whose code cells note the time and CPU first."""
    nb = json.loads((ROOT / "notebooks" / "weekly_allhands.ipynb").read_text("utf-8"))
    code = [
        c
        for c in nb["cells"]
        if c["cell_type"] == "code" and "parameters" not in c.get("metadata", {}).get("tags", [])
    ]
    for k, cell in enumerate(code):
        source = "".join(cell["source"])
        label = source.strip().splitlines()[-1].replace(" ", "")[:48]
        before = _NOTE.format(log=str(log), label=label)
        after = ""
        if k == 0 and profile:
            before += "import cProfile as _cp\n_prof = _cp.Profile()\n_prof.enable()\n"
        if k == len(code) - 1:
            if profile:
                after += f"\n_prof.disable()\n_prof.dump_stats({str(profile / 'kernel.prof')!r})"
            after += "\n" + _NOTE.format(log=str(log), label="(last-cell-done)")
        cell["source"] = before + source + after
    path = folder / "weekly_allhands.ipynb"
    path.write_text(json.dumps(nb), "utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", type=Path, required=True, help="a warehouse (a copy: reads take a lock)"
    )
    parser.add_argument("--week", default="2026-W44")
    parser.add_argument("--as-of", default="2026-11-02T00:00:00Z")
    parser.add_argument("--profile", type=Path, help="folder for kernel.prof and parent.prof")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        log = folder / "notes.txt"
        if args.profile:
            args.profile = args.profile.resolve()  # the kernel runs elsewhere
            args.profile.mkdir(parents=True, exist_ok=True)
        notebook = noted_notebook(folder, log, args.profile)
        parent_prof = str(args.profile / "parent.prof") if args.profile else ""
        command = [sys.executable, "-c", _PARENT, str(log), str(notebook), str(args.db.resolve())]
        command += [args.week, args.as_of, str(folder / "reports"), parent_prof]
        proc = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        _, status, usage = os.wait4(proc.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"the report failed (exit status {os.waitstatus_to_exitcode(status)})")
        notes = [line.split() for line in log.read_text().splitlines()]
    started = float(notes[0][1])
    print(f"{'cell (its last line), when it starts':50s} {'s':>6s} {'kernel CPU':>10s}")
    previous = None
    for label, at, cpu, children in notes:
        if label == "start":
            continue
        extra = f"  (+ chart helper {float(children):.2f})" if float(children) > 0.005 else ""
        cpu_text = f"{float(cpu):10.2f}" if label != "done" else " " * 10
        print(f"{label:50s} {float(at) - started:6.2f} {cpu_text}{extra}")
        previous = label
    assert previous == "done"
    cpu = usage.ru_utime + usage.ru_stime
    print(f"whole process tree: CPU {cpu:.2f} s, peak RSS {usage.ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
