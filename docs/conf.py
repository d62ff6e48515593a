"""Sphinx configuration for admagic's documentation (MyST Markdown and MyST-NB notebooks)."""

import runpy
import shutil
from pathlib import Path

DOCS = Path(__file__).parent
NOTEBOOKS = DOCS.parent / "notebooks"

project = "admagic"
author = "the admagic authors"
# Read, not imported: the docs must not depend on the package importing cleanly.
release = runpy.run_path(str(DOCS.parent / "admagic" / "_version.py"))["__version__"]

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
]
exclude_patterns = ["_build", "**/.ipynb_checkpoints"]
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3  # links to a heading of another page (graph.md#plots), as on GitHub

autodoc_member_order = "bysource"

# Every notebook is run at build time, so the docs show what the code does today.
nb_execution_mode = "force"
nb_execution_timeout = 300
nb_execution_raise_on_error = True
nb_execution_show_tb = True

# MathJax from build/vendor/mathjax (`make docs` vendors it there from a PyPI package), so the
# pages show formulas with no network; Sphinx copies it into _static/. Without it, the CDN.
MATHJAX = DOCS.parent / "build" / "vendor"
if (MATHJAX / "mathjax" / "MathJax.js").exists():
    html_static_path = [str(MATHJAX)]
    mathjax_path = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"
    # MathJax 2 (the package's) reads this; MyST-NB's own setting is written for MathJax 3. A
    # notebook's page is marked tex2jax_ignore, so its math and outputs are processed by class.
    mathjax2_config = {"tex2jax": {"processClass": "tex2jax_process|mathjax_process|math|output_area"}}

html_theme = "furo"
html_title = f"admagic {release}"


def _write_if_changed(path: Path, text: str) -> None:
    # An unchanged mtime keeps Sphinx from re-reading (and re-executing) the page.
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def _copy_course_notebooks() -> None:
    """Mirror ../notebooks/*.ipynb into docs/notebooks/ (gitignored), with an index page.

    Sphinx reads sources only under docs/, and a symlink would not survive every checkout.
    """
    target = DOCS / "notebooks"
    target.mkdir(exist_ok=True)
    sources = sorted(NOTEBOOKS.glob("*.ipynb"))
    for stale in set(target.glob("*.ipynb")) - {target / s.name for s in sources}:
        stale.unlink()
    for source in sources:
        copy = target / source.name
        if not copy.exists() or copy.read_bytes() != source.read_bytes():
            shutil.copy2(source, copy)

    entries = "\n".join(source.stem for source in sources)
    toctree = f"```{{toctree}}\n:maxdepth: 1\n\n{entries}\n```\n" if sources else "None yet.\n"
    index = "# Notebooks\n\nThe course notebooks, run afresh each time the docs are built.\n\n"
    _write_if_changed(target / "index.md", index + toctree)


_copy_course_notebooks()
