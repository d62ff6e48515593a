"""Draw docs/images/zh-table.png and zh-graph.png: a cell's table and graph in Chinese, as a
browser shows them (headless Chromium, with the notebook's own HTML); and zh-trace.png,
zh-plot.png: --trace with --explain and --plot, from a notebook executed by nbconvert (its HTML,
with the MathJax `make demo` vendors); and zh-step.png: the --step widget at its second step,
its own script run by Chromium on the frames Python computed.

Run from the repository root, with Graphviz, Chromium, Pillow and fonts-noto-cjk installed::

    PYTHONPATH=. python docs/images/make_zh_images.py
"""

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import numpy as np
from PIL import Image, ImageChops

from admagic import differentiate
from admagic.messages import speaking

HERE = Path(__file__).resolve().parent
PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<style>body {{ font-family: "Noto Sans CJK SC", "PingFang SC", sans-serif; font-size: 14px;
margin: 16px; background: white; color: #1d1d1d }}</style></head><body>{body}</body></html>"""


def screenshot(html, path, width=900):
    """`html` as Chromium draws it, cropped to what is drawn, saved as `path`."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("needs chromium")
    with tempfile.TemporaryDirectory() as folder:
        page, picture = Path(folder) / "page.html", Path(folder) / "shot.png"
        page.write_text(PAGE.format(body=html), encoding="utf-8")
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                        "--hide-scrollbars", "--force-device-scale-factor=2",
                        f"--window-size={width},1400", f"--screenshot={picture}", page.as_uri()],
                       check=True, capture_output=True, timeout=120)
        image = Image.open(picture).convert("RGB")
    drawn = ImageChops.difference(image, Image.new("RGB", image.size, "white")).getbbox()
    left, top, right, bottom = drawn
    image.crop((max(left - 16, 0), max(top - 16, 0), right + 16, bottom + 16)).save(path)
    print(f"wrote {path}")


MATHJAX = HERE.parent.parent / "build" / "vendor" / "mathjax"  # make demo vendors it

VIEWS = {  # picture: a %%grad cell, after %config GradMagics.language = 'zh'
    "zh-trace.png": "%%grad x1=2 x2=5 --trace --explain\ny = np.log(x1) + x1 * x2 - np.sin(x2)",
    "zh-plot.png": "%%grad x=1 --plot --order 2 --no-graph\ny = np.sin(x) * x",
}


def notebook_views():
    """Each cell of `VIEWS` executed in a Chinese notebook, converted to HTML by nbconvert as a
    saved notebook without widget state shows (the step-through's static fallback), and drawn by
    Chromium; one picture per cell, its outputs only."""
    if not (MATHJAX / "MathJax.js").exists():
        sys.exit("needs MathJax: run make demo first")
    setup = "%load_ext admagic\n%config GradMagics.language = 'zh'\nimport numpy as np"
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        shutil.copytree(MATHJAX, folder / "mathjax")
        for name, cell in VIEWS.items():
            style = ("<style>.jp-InputArea, .jp-OutputPrompt, .jp-Cell:first-child "
                     "{ display: none }</style>")
            notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(setup),
                                                       nbformat.v4.new_code_cell(cell),
                                                       nbformat.v4.new_markdown_cell(style)])
            nbformat.write(notebook, folder / "views.ipynb")
            subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html",
                            "--execute", "--ExecutePreprocessor.store_widget_state=False",
                            "--HTMLExporter.mathjax_url=mathjax/MathJax.js?config="
                            "TeX-AMS-MML_HTMLorMML-full,Safe",
                            "--HTMLExporter.require_js_url=data:text/javascript,",
                            str(folder / "views.ipynb")], check=True, capture_output=True,
                           timeout=300)
            crop(folder / "views.html", HERE / name)


STEPPER_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<style>{css} body {{ background: white; margin: 16px }}</style></head><body><div id="el"></div>
<script type="module">
import widget from "./stepper.js";
const state = {state};
widget.render({{ model: {{ get: (key) => state[key] }}, el: document.getElementById("el") }});
</script></body></html>"""


def widget_view(step=2):
    """The step-through widget in Chinese at frame `step`: stepper.js run on the widget's own
    state, with a model that only answers `get` (the widget never writes to it)."""
    from admagic import Tape
    from admagic.stepper import STATIC, step_through
    from admagic.traced import new_leaf

    with speaking("zh"), Tape() as tape:
        x, y = new_leaf(tape, 2.0), new_leaf(tape, 3.0)
        u = x * x
        f = u * y + np.sin(x)
        widget = step_through({"f": f}, {"x": x, "y": y}, names={"u": u}, show_trace=True)
    state = {key: getattr(widget, key) for key in ("svg", "frames", "table", "labels", "interval")}
    state["step"] = step
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / "stepper.html"
        shutil.copy(STATIC / "stepper.js", Path(folder) / "stepper.js")
        page.write_text(STEPPER_PAGE.format(css=(STATIC / "stepper.css").read_text(),
                                            state=json.dumps(state)), encoding="utf-8")
        crop(page, HERE / "zh-step.png", width=1150)


def crop(page, path, width=1250):
    """The page `page` as Chromium draws it (MathJax given time), cropped to what is drawn."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    picture = page.with_suffix(".png")
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--force-device-scale-factor=2", "--virtual-time-budget=15000",
                    "--allow-file-access-from-files",  # the widget's page imports its script
                    f"--window-size={width},1600", f"--screenshot={picture}", page.as_uri()],
                   check=True, capture_output=True, timeout=120)
    image = Image.open(picture).convert("RGB")
    left, top, right, bottom = ImageChops.difference(
        image, Image.new("RGB", image.size, "white")).getbbox()
    image.crop((max(left - 16, 0), max(top - 16, 0), right + 16, bottom + 16)).save(path)
    print(f"wrote {path}")


def main():
    with speaking("zh"):
        # A branch that doesn't use x here (a note), and finite differences beside dz/dx.
        table = differentiate("y = max(x, 0.0)\nz = np.sin(x) * np.exp(x)", {"x": -0.5},
                              check=True, graph=False)
        screenshot(table._repr_html_(), HERE / "zh-table.png", width=760)
        cell = differentiate("y = x * x\nz = np.sin(y) + y", {"x": 1.5}, edges=True)
        screenshot(cell._repr_html_(), HERE / "zh-graph.png")
    notebook_views()
    widget_view()

if __name__ == "__main__":
    main()
