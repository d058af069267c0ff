"""Interleaved A/B of whole ``report weekly`` processes: papermill's floor, another checkout, this.

Each round runs three fresh processes, in the order floor, base, this (odd rounds reversed),
each timed with ``os.wait4``: wall seconds, CPU seconds of the tree (the kernel and the chart
helper are waited for) and peak RSS. The floor is ``run_all.py``'s: papermill executing a
one-cell (``pass``) notebook with the same kernel. The base runs this interpreter on the
other checkout's code (``PYTHONPATH``, so its kernel imports that ``analytics`` too). Each
report reads its own copy of the warehouse (reads take a file lock). Prints every run, then
medians and the ratios to the floor's median, and the load average before and after each round.

Run: ``.venv/bin/python benchmarks/report_ab.py --base <checkout> --db <copy> --base-db <copy>
[--rounds 7]`` (under ``chrt -f 10`` to stand in for a quiet machine).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from _processes import timed_tree  # noqa: E402
from run_all import AS_OF, PAPERMILL_FLOOR, WEEK  # noqa: E402


def report(checkout: Path, db: Path, out: Path) -> tuple[float, float, float]:
    command = [sys.executable, "-m", "analytics", "report", "weekly", "--week", WEEK]
    command += ["--as-of", AS_OF, "--db", str(db), "--out", str(out), "-q"]
    return timed_tree(command, cwd=checkout, env={**os.environ, "PYTHONPATH": str(checkout)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True, help="the other checkout")
    parser.add_argument("--db", type=Path, required=True, help="this checkout's warehouse copy")
    parser.add_argument("--base-db", type=Path, required=True, help="the base's warehouse copy")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    from analytics.reports import ensure_kernel

    kernel = ensure_kernel()
    runs: dict[str, list[tuple[float, float, float]]] = {"floor": [], "base": [], "this": []}
    loads = [f"{os.getloadavg()[0]:.1f}"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        floor = [sys.executable, "-c", PAPERMILL_FLOOR, str(folder / "e.ipynb")]
        floor += [str(folder / "e.out.ipynb"), kernel]
        for k in range(args.rounds):
            order = ["floor", "base", "this"] if k % 2 == 0 else ["this", "base", "floor"]
            for what in order:
                if what == "floor":
                    run = timed_tree(floor)
                elif what == "base":
                    run = report(args.base.resolve(), args.base_db.resolve(), folder / "base")
                else:
                    run = report(ROOT, args.db.resolve(), folder / "this")
                runs[what].append(run)
                print(
                    f"round {k + 1} {what:5s} wall {run[0]:.2f} s, CPU {run[1]:.2f} s", flush=True
                )
            loads.append(f"{os.getloadavg()[0]:.1f}")
    floor_s = statistics.median(r[0] for r in runs["floor"])
    for what, done in runs.items():
        wall = statistics.median(r[0] for r in done)
        cpu = statistics.median(r[1] for r in done)
        print(
            f"{what}: wall {wall:.2f} s ({wall / floor_s:.2f} x the floor), CPU {cpu:.2f} s, "
            f"peak {max(r[2] for r in done):.0f} MB; walls {', '.join(f'{r[0]:.2f}' for r in done)}"
        )
    print("load average (1 min) before and after each round:", " ".join(loads))


if __name__ == "__main__":
    main()
