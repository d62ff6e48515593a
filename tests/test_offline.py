"""`make demo`'s page shows its formulas with no network: MathJax is vendored beside it.

The page is built by the Makefile's own recipe (into a temporary folder, from a notebook with a
``--taylor`` cell, whose polynomial is LaTeX), then opened in headless Chromium from file://, where
nothing but the folder can be reached, and MathJax must have typeset the polynomial.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [pytest.mark.slow, pytest.mark.notebook]

_SCRIPT_SRC = re.compile(r"<script\b[^>]*\bsrc\s*=\s*[\"']?([^\"' >]+)", re.IGNORECASE)
_LINK_HREF = re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']?([^\"' >]+)", re.IGNORECASE)


@pytest.fixture(scope="module")
def demo_page(tmp_path_factory):
    """`make demo`, with this interpreter's venv and a notebook that shows a Taylor polynomial."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    folder = tmp_path_factory.mktemp("demo")
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("%load_ext admagic"),
        nbformat.v4.new_code_cell("%%grad x=3 --order 2 --taylor --no-graph\ny = x * x"),
    ])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    source = folder / "taylor.ipynb"
    nbformat.write(notebook, source)
    stamp = folder / "installed"  # this venv is installed already: skip the Makefile's install
    stamp.touch()
    venv = Path(sys.executable).parent.parent
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    run = subprocess.run(
        ["make", "-s", "demo", f"VENV={venv}", f"PY={sys.executable}", f"STAMP={stamp}",
         f"DEMO={folder / 'out'}", f"DEMO_NOTEBOOK={source}"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    return folder / "out" / "taylor.html"


def test_the_demo_page_loads_no_script_or_style_from_the_network(demo_page):
    page = demo_page.read_text(encoding="utf-8")
    urls = _SCRIPT_SRC.findall(page) + _LINK_HREF.findall(page)
    remote = [url for url in urls if re.match(r"(https?:)?//", url)]
    assert not remote, f"the page loads from the network: {remote}"
    mathjax = [url for url in urls if "MathJax.js" in url]
    assert mathjax, "the page loads no MathJax"
    local = demo_page.parent / mathjax[0].split("?")[0]
    assert local.is_file(), f"{local} is not there beside the page"


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium to open the page in")
def test_the_taylor_polynomial_is_typeset_offline(demo_page):
    page = demo_page.read_text(encoding="utf-8")
    assert r"\begin{aligned}" in page, "the notebook's polynomial is not in the page as LaTeX"
    dom = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=15000",
         "--dump-dom", demo_page.as_uri()],
        capture_output=True, text=True, timeout=120).stdout
    assert "MathJax_Display" in dom, "MathJax did not typeset the polynomial"
    # MathJax keeps the source only inside <script type="math/tex">; outside, no raw LaTeX is left.
    shown = re.sub(r"<script\b.*?</script>", "", dom, flags=re.DOTALL | re.IGNORECASE)
    assert r"\begin{aligned}" not in shown, "the polynomial is still shown as raw LaTeX"
