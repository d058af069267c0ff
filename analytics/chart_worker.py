"""Draw Vega-Lite specs as SVG in a process of its own, for :func:`analytics.charts.show`.

vl-convert holds the GIL for the whole of a drawing (and for its engine's start, ~0.4 s CPU),
so a thread in the report kernel cannot draw while the next cells run; this process can, on
the other core. It imports vl-convert only (no pandas, no Altair), starts the engine at once
(while the kernel still reads the report's data), then answers one line per request: a spec as
one line of JSON in, ``{"svg": ...}`` or ``{"error": ...}`` as one line of JSON out. It exits
when its input closes (the kernel finished, or died).

Run by :mod:`analytics.charts` as ``python -m analytics.chart_worker <vl_version>``.
"""

from __future__ import annotations

import json
import sys

# Set in the environment of the kernel that ``analytics.reports.run_report`` starts: charts
# may then be drawn here while the cells run (``charts.setup(background=True)``). Interactive
# kernels (JupyterLab) draw each chart at once, in the cell that shows it.
REPORT_KERNEL_ENV = "INCIDENT_ANALYTICS_REPORT_KERNEL"

# Drawn once at start-up so that the engine is ready for the first real chart. It has no
# clip path: the engine numbers those across all it draws, so the report's charts keep the
# ids (and bytes) they get when drawn in a new kernel.
_WARM_UP = {
    "data": {"values": [{"a": "x", "b": 1}]},
    "mark": "bar",
    "encoding": {
        "x": {"field": "a", "type": "nominal"},
        "y": {"field": "b", "type": "quantitative"},
    },
}


def main(vl_version: str) -> None:
    import vl_convert as vlc

    vlc.vegalite_to_svg(_WARM_UP, vl_version=vl_version)
    out = sys.stdout.buffer
    for line in sys.stdin.buffer:
        try:
            reply = {"svg": vlc.vegalite_to_svg(line.decode("utf-8"), vl_version=vl_version)}
        except Exception as exc:  # the kernel draws that chart itself, showing the error
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        out.write(json.dumps(reply).encode("ascii") + b"\n")
        out.flush()


if __name__ == "__main__":
    main(sys.argv[1])
