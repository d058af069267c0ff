"""Ingest throughput, timed as whole processes against a bare DuckDB floor.

Generates inputs with ``incident-analytics sample`` (documents with ``--scale``, pages with
``--pages``), then, ``--repeat`` times and interleaved so machine noise hits both alike:

* floor: a bare ``CREATE TABLE AS SELECT * FROM read_csv(...)`` of the same pages CSV, in a
  fresh Python process, into a fresh DuckDB file;
* ``incident-analytics ingest <pages folder>`` into a fresh warehouse;
* ``incident-analytics ingest <timelines folder>`` into a fresh warehouse.

Prints medians, rows/s, documents/s, peak memory of each process and the ratios against the
floor, with the targets of issue #20 (documents >= 5,000/s; pages <= 1.4x the floor).

    python benchmarks/ingest.py                    # 10,050 documents, 1,000,000 pages, 3 runs
    python benchmarks/ingest.py --scale 7 --pages 100000 --repeat 1   # a quick look
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from _processes import READ_CSV_FLOOR, ROOT, cli, fresh, timed

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=67, help="sample scale for documents")
    parser.add_argument("--pages", type=int, default=1_000_000, help="pages to generate")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=HERE / "data" / "ingest")
    opts = parser.parse_args()

    work = opts.workdir
    docs_dir, pages_dir = work / "docs", work / "pages"
    for folder in (docs_dir, pages_dir):
        if folder.exists():
            shutil.rmtree(folder)
    print(f"generating: sample --scale {opts.scale}; sample --pages {opts.pages} ...", flush=True)
    subprocess.run(
        cli("sample", "--out", str(docs_dir), "--scale", str(opts.scale), "--quiet"),
        cwd=ROOT,
        check=True,
    )
    subprocess.run(
        cli("sample", "--out", str(pages_dir), "--pages", str(opts.pages), "--quiet"),
        cwd=ROOT,
        check=True,
    )
    bulk = pages_dir / "pages" / "bulk-pages.csv"
    only_bulk = work / "bulk" / "pages"
    only_bulk.mkdir(parents=True, exist_ok=True)
    shutil.copy(bulk, only_bulk / bulk.name)
    n_docs = sum(1 for _ in (docs_dir / "timelines").rglob("*.md"))
    n_pages = opts.pages
    db = work / "bench.duckdb"

    runs: dict[str, list[tuple[float, float]]] = {"floor": [], "pages": [], "docs": []}
    for i in range(opts.repeat):
        runs["floor"].append(
            timed([sys.executable, "-c", READ_CSV_FLOOR, str(fresh(db)), str(bulk)])
        )
        runs["pages"].append(
            timed(cli("ingest", str(only_bulk.parent), "--db", str(fresh(db)), "--quiet"))
        )
        runs["docs"].append(
            timed(cli("ingest", str(docs_dir / "timelines"), "--db", str(fresh(db)), "--quiet"))
        )
        print(
            f"run {i + 1}/{opts.repeat}: "
            + ", ".join(f"{k} {v[-1][0]:.2f} s" for k, v in runs.items()),
            flush=True,
        )
    fresh(db)

    med = {k: statistics.median(t for t, _ in v) for k, v in runs.items()}
    peak = {k: max(m for _, m in v) for k, v in runs.items()}
    ratio = med["pages"] / med["floor"]
    print()
    print(
        f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; "
        f"median of {opts.repeat} whole processes"
    )
    print(f"{'work':<44}{'median s':>10}{'rate':>18}{'peak MB':>10}")
    print(
        f"{'floor: bare read_csv of ' + f'{n_pages:,} pages':<44}{med['floor']:>10.2f}"
        f"{n_pages / med['floor']:>14,.0f} r/s{peak['floor']:>10.0f}"
    )
    print(
        f"{'ingest ' + f'{n_pages:,} pages':<44}{med['pages']:>10.2f}"
        f"{n_pages / med['pages']:>14,.0f} r/s{peak['pages']:>10.0f}"
    )
    print(
        f"{'ingest ' + f'{n_docs:,} timeline documents':<44}{med['docs']:>10.2f}"
        f"{n_docs / med['docs']:>12,.0f} docs/s{peak['docs']:>10.0f}"
    )
    print()
    print(f"pages vs floor: {ratio:.2f}x (target <= 1.4x: {'met' if ratio <= 1.4 else 'NOT met'})")
    rate = n_docs / med["docs"]
    print(
        f"documents: {med['docs']:.2f} s for {n_docs:,}, {rate:,.0f}/s "
        f"(target >= 5,000/s: {'met' if rate >= 5_000 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
