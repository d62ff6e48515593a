"""The course notebooks: each runs in a real Jupyter kernel, shows the numbers the mathematics
says (checked against closed forms computed here), and its saved outputs show the graphs.

A notebook that raises, or writes anything to stderr (a warning, a renderer's noise), fails.
"""

import base64
import functools
import math
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
COURSE = ["01-tour", "02-gradient-tape", "02-gradient-tape.zh", "03-chain-rule",
          "04-higher-order", "05-arrays-and-a-tiny-network", "06-forward-and-reverse"]
NOTEBOOKS = [NOTEBOOK_DIR / f"{name}.ipynb" for name in COURSE]


def test_every_course_notebook_is_there():
    missing = [path.name for path in NOTEBOOKS if not path.exists()]
    assert not missing, f"missing notebooks: {missing}"


def _outputs(notebook):
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            yield index, cell, output


@functools.lru_cache(maxsize=None)
def _executed(name):
    """The notebook, run afresh in a real kernel (once per test session)."""
    from nbclient import NotebookClient

    notebook = nbformat.read(NOTEBOOK_DIR / f"{name}.ipynb", as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK_DIR)}}).execute()
    return notebook


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=COURSE)
def test_notebook_runs_in_a_real_kernel_without_errors_or_stderr(path):
    notebook = _executed(path.stem)
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


# ---- the numbers the notebooks show, against closed forms ------------------------------------

def _cell(notebook, start):
    """The one code cell whose source starts with `start`."""
    found = [c for c in notebook.cells if c.cell_type == "code" and c.source.startswith(start)]
    assert len(found) == 1, f"{len(found)} cells start with {start!r}"
    return found[0]


def _text(cell):
    """What the cell showed as text: its printed output and the plain text of its results."""
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            parts.append(output.text)
        elif "text/plain" in output.get("data", {}):
            parts.append(output.data["text/plain"])
    return "\n".join(parts)


_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?|[-+]?inf|nan"


def _numbers(text):
    text = re.sub(r"array\([\d, ]*\)", " ", text).replace("−", "-")  # drop shapes: array(3,)
    return [float(n) for n in re.findall(_NUMBER, text)]


def _row(cell, name):
    """The numbers on the table's row for output `name`."""
    rows = [line for line in _text(cell).splitlines() if line.split()[:1] == [name]]
    assert len(rows) == 1, f"no single row {name!r} in {_text(cell)!r}"
    return _numbers(rows[0][len(name):])


def _array(cell):
    return np.array(eval(_text(cell), {"array": np.array}))  # the repr of an ndarray


def assert_shown(shown, exact):
    """Shown to the four significant digits the table prints (or exactly, where printed fully)."""
    assert len(shown) == len(exact), (shown, exact)
    for s, e in zip(shown, exact):
        assert abs(s - e) <= 5e-4 * abs(e) + 1e-12, (shown, exact)


@pytest.mark.notebook
def test_the_tour_shows_the_derivatives_of_x_squared_and_x_to_the_fourth_at_three():
    notebook, x = _executed("01-tour"), 3.0
    table = _cell(notebook, "%%grad x=3 --order 2")
    assert_shown(_row(table, "y"), [x**2, 2 * x, 2])
    assert_shown(_row(table, "z"), [x**4, 4 * x**3, 12 * x**2])
    assert_shown(_numbers(_text(_cell(notebook, '_grad["dz/dx"]'))), [4 * x**3, 12 * x**2])
    w = np.array([1.0, 2.0, 3.0])
    assert_shown(_row(_cell(notebook, "%%grad w=np.array"), "loss"), [np.sum(w**2), *(2 * w)])


@pytest.mark.notebook
def test_the_tape_notebook_shows_nested_persistent_and_accumulated_gradients():
    notebook, x = _executed("02-gradient-tape"), 3.0
    assert_shown(_numbers(_text(_cell(notebook, "x = am.Variable(3.0)\nwith am.Tape() as outer"))),
                 [2 * x, 2])
    assert_shown(_numbers(_text(_cell(notebook, "with am.Tape(persistent=True)"))),
                 [4 * x**3, 2 * x])
    assert_shown(_numbers(_text(_cell(notebook, "(x * x).backward()"))), [2 * (2 * x)])
    assert_shown(_row(_cell(notebook, "%%grad x=3 a"), "y"), [2 * x * x, 2 * 2 * x, x * x])


@pytest.mark.notebook
def test_the_chinese_tape_notebook_shows_the_same_numbers():
    notebook, x = _executed("02-gradient-tape.zh"), 3.0
    assert_shown(_numbers(_text(_cell(notebook, "x = am.Variable(3.0)\nwith am.Tape() as tape:\n"
                                                "    y = x * x\ntape.gradient"))), [2 * x])
    assert _text(_cell(notebook, "with am.Tape() as tape:\n    y = c * c")).strip() == "None"
    assert_shown(_row(_cell(notebook, "%%grad x=3\ny = a * x * x"), "y"), [2 * x * x, 2 * 2 * x])
    assert_shown(_row(_cell(notebook, "%%grad x=3 a"), "y"), [2 * x * x, 2 * 2 * x, x * x])
    assert_shown(_numbers(_text(_cell(notebook, "x = am.Variable(3.0)\nwith am.Tape() as outer"))),
                 [2 * x, 2])
    assert_shown(_row(_cell(notebook, "%%grad x=3 --order 2"), "y"), [x * x, 2 * x, 2])
    assert_shown(_numbers(_text(_cell(notebook, "with am.Tape(persistent=True)"))),
                 [4 * x**3, 2 * x])
    assert_shown(_row(_cell(notebook, "%%grad x=3\ny = x * x\nz = y * y"), "z"),
                 [x**4, 4 * x**3])
    assert_shown(_numbers(_text(_cell(notebook, "(x * x).backward()"))), [2 * (2 * x)])
    assert_shown(_numbers(_text(_cell(notebook, "x.zero_grad()"))), [2 * x])
    # In Chinese: the caption, the header and the refusal; the mathematics as in English.
    table = _text(_cell(notebook, "%%grad x=3 --order 2"))
    assert table.startswith("在 x = 3 处") and "值" in table and "d²/dx²" in table
    assert "已经回答过一次" in _text(_cell(notebook, "x = am.Variable(3.0)\nwith am.Tape() as tape:\n"
                                                "    y = x * x\n    z = y * y"))


@pytest.mark.notebook
def test_the_chain_rule_notebook_shows_the_chain_rule_by_hand_and_by_admagic_agree():
    notebook = _executed("03-chain-rule")
    by_hand, by_admagic = _numbers(_text(_cell(notebook, "print(3 + np.cos(2.0))")))
    assert by_hand == by_admagic and abs(by_admagic - (3 + math.cos(2))) < 1e-12
    s = math.sin(0.5)
    assert_shown(_row(_cell(notebook, "%%grad x=0.5 --edges"), "f"),
                 [s * s + s, math.cos(0.5) * (2 * s + 1)])
    assert_shown(_row(_cell(notebook, "%%grad x=2 y=3\n"), "f"),
                 [6 + math.sin(2), 3 + math.cos(2), 2])


@pytest.mark.notebook
def test_the_higher_order_notebook_shows_derivatives_of_sine_and_a_hessian():
    notebook, x = _executed("04-higher-order"), math.pi / 6
    assert_shown(_row(_cell(notebook, "%%grad x=np.pi/6 --order 4"), "y"),
                 [math.sin(x), math.cos(x), -math.sin(x), -math.cos(x), math.sin(x)])
    # d^n/dx^n e^x sin x = 2^(n/2) e^x sin(x + n pi/4)
    series = [2 ** (n / 2) * math.exp(0.5) * math.sin(0.5 + n * math.pi / 4) for n in range(9)]
    assert_shown(_row(_cell(notebook, "%%grad x=0.5 --order 8"), "y"), series)
    x, y = 2.0, 1.5  # z = x^2 y^3
    exact = [[2 * y**3, 6 * x * y**2], [6 * x * y**2, 6 * x**2 * y]]
    assert np.allclose(_array(_cell(notebook, "def f(v):")), exact, rtol=1e-12)


@pytest.mark.notebook
def test_the_arrays_notebook_shows_the_jacobian_of_a_matrix_product_and_a_fit_that_converges():
    notebook = _executed("05-arrays-and-a-tiny-network")
    A = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    assert np.array_equal(_array(_cell(notebook, "am.jacobian(lambda w: A @ w)")), A)
    data = {"np": np}
    exec(_cell(notebook, "rng = np.random.default_rng(0)").source, data)  # the notebook's data
    x, y = data["x"], data["y"]
    lines = _text(_cell(notebook, "def loss(w, b):")).splitlines()
    step, loss, w, b = _numbers(lines[0])
    # The first step from w = b = 0: loss mean(y^2), gradient (-2 mean(xy), -2 mean(y)), rate 0.1.
    assert step == 0 and abs(loss - np.mean(y**2)) <= 0.5e-5  # printed as {L:.5f}, {w:.3f}
    assert abs(w - 0.2 * np.mean(x * y)) <= 0.5e-3 and abs(b - 0.2 * np.mean(y)) <= 0.5e-3
    step, loss, w, b = _numbers(lines[-1])
    (w_best, b_best), *_ = np.linalg.lstsq(np.stack([x, np.ones_like(x)], axis=1), y, rcond=None)
    assert step == 100 and abs(w - w_best) < 0.005 and abs(b - b_best) < 0.005
    assert abs(loss - np.mean((w_best * x + b_best - y) ** 2)) < 1e-4


def test_notebook_06_was_saved_with_the_surveys_two_tables():
    """Baydin et al. (JMLR 18, 2018), tables 2 and 3, as the saved outputs of notebook 06: the
    tangents seeded ẋ1 = 1 end in ∂y/∂x1 = 5.5, and x2's adjoint arrives in two increments."""
    notebook = nbformat.read(NOTEBOOK_DIR / "06-forward-and-reverse.ipynb", as_version=4)
    texts = {}
    for _, cell, output in _outputs(notebook):
        plain = output.get("data", {}).get("text/plain", "")
        texts.setdefault(cell.source.splitlines()[0], []).append(plain)
    forward = "\n".join(texts["%%grad x1=2 x2=5 --mode forward --trace"])
    assert "by forward mode" in forward
    assert "= 1 × 5.5 + (-1) × 0 = 5.5" in forward  # v̇5, the survey's last tangent
    reverse = "\n".join(texts["%%grad x1=2 x2=5 --trace"])
    assert "by reverse mode" in reverse
    assert "v̄₀ += v̄2·∂v2/∂v₀ = 1 × 2 = 2" in reverse and "→ v̄₀ = 1.716" in reverse
