"""The course notebooks: each runs in a real Jupyter kernel, and its saved outputs show the graphs.

A notebook that raises, or writes anything to stderr (a warning, a renderer's noise), fails.
"""

import base64
import re
from pathlib import Path

import nbformat
import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
COURSE = ["01-tour", "02-gradient-tape", "03-chain-rule", "04-higher-order",
          "05-arrays-and-a-tiny-network"]
NOTEBOOKS = [NOTEBOOK_DIR / f"{name}.ipynb" for name in COURSE]


def test_every_course_notebook_is_there():
    missing = [path.name for path in NOTEBOOKS if not path.exists()]
    assert not missing, f"missing notebooks: {missing}"


def _outputs(notebook):
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            yield index, cell, output


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=COURSE)
def test_notebook_runs_in_a_real_kernel_without_errors_or_stderr(path):
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK_DIR)}}).execute()
    for index, cell, output in _outputs(notebook):
        where = f"{path.name}, cell {index}: {cell.source[:60]!r}"
        assert output.output_type != "error", f"{where} raised {output.get('ename')}"
        if output.output_type == "stream":
            assert output.name != "stderr", f"{where} wrote to stderr: {output.text[:300]}"


_EMBEDDED_SVG = re.compile(r'<img [^>]*src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"')


@pytest.mark.parametrize("path", NOTEBOOKS, ids=COURSE)
def test_saved_graphs_render_in_an_untrusted_notebook(path):
    """JupyterLab shows a bare image/svg+xml output of an untrusted notebook as text; an SVG
    inside an <img> in text/html, or a PNG, still renders. Every %%grad cell with a graph must
    have been saved in one of those forms."""
    notebook = nbformat.read(path, as_version=4)
    grad_cells = [cell for cell in notebook.cells
                  if cell.cell_type == "code" and cell.source.lstrip().startswith("%%grad")
                  and "--no-graph" not in cell.source.splitlines()[0]]
    assert grad_cells, f"{path.name} has no %%grad cell with a graph"
    for cell in grad_cells:
        pictures = []
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            pictures += _EMBEDDED_SVG.findall(data.get("text/html", ""))
            if "image/png" in data:
                pictures.append(data["image/png"])
        assert pictures, f"{path.name}: no picture saved for cell {cell.source[:60]!r}"
        for picture in pictures:
            decoded = base64.b64decode(picture)
            assert decoded.startswith((b"<?xml", b"<svg", b"\x89PNG")), decoded[:40]
