"""A tiny %%grad cell end to end, table and SVG included, with each renderer (issue 3).

    .venv/bin/python benchmarks/magic_cell.py

Runs the magic in a real IPython shell and reads the display, as a notebook would; the split comes
from the timings `GradResult` keeps (tracing, derivatives, cleaning, drawing, rendering).
"""

import os
import statistics
import time

from IPython.testing.globalipapp import start_ipython

CELL = "y = x * x\nz = y * y\n"
RUNS = 40


def one_renderer(ip, renderer):
    os.environ["ADMAGIC_RENDERER"] = renderer
    totals, parts = [], {}
    for _ in range(RUNS + 3):
        started = time.perf_counter()
        ip.run_cell_magic("grad", "x=3 --order 2", CELL)
        result = ip.user_ns["_grad"]
        html = result._repr_html_()  # what the notebook receives, graph as SVG included
        elapsed = time.perf_counter() - started
        assert "data:image/svg+xml;base64" in html
        totals.append(elapsed)
        for name, seconds in result.timings.items():
            parts.setdefault(name, []).append(seconds)
    totals = totals[3:]  # the first runs warm up the renderer
    return statistics.median(totals), {name: statistics.median(s[3:]) for name, s in parts.items()}


def main():
    ip = start_ipython()
    ip.run_line_magic("load_ext", "admagic")
    ip.display_pub.publish = lambda *args, **kwargs: None  # measure the work, not the terminal
    from admagic.render import renderer

    names = ["tracing", "derivatives", "cleaning", "drawing", "rendering"]
    print(f"median of {RUNS} runs of `%%grad x=3 --order 2` over y = x*x; z = y*y\n")
    print("| renderer | total ms | " + " | ".join(names) + " |")
    print("|---|---:|" + "---:|" * len(names))
    for choice in ("dot", "pygraphviz"):
        os.environ["ADMAGIC_RENDERER"] = choice
        try:
            if renderer() != choice:
                raise RuntimeError
        except Exception:
            print(f"| {choice} | not available here | " + " | ".join("" for _ in names) + " |")
            continue
        total, parts = one_renderer(ip, choice)
        print(f"| {choice} | {total * 1e3:.1f} | "
              + " | ".join(f"{parts.get(n, 0) * 1e3:.2f}" for n in names) + " |")


if __name__ == "__main__":
    main()
