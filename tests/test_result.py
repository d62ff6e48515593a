"""`GradResult`: Leibniz keys, lookups by name, and the HTML, text and LaTeX views."""

import base64
import re

import graphviz
import numpy as np
import pytest
from IPython.lib.pretty import pretty

from admagic.cell import differentiate
from admagic.result import GradResult, NotComputed, leibniz
from html_table import table_of


def made(extra=()):
    """A result for outputs y, z of input x, built by hand so that no engine is involved."""
    table = {("z", ("x",)): 108.0, ("z", ("x", "x")): 108.0, ("y", ("x",)): 6.0}
    table.update(extra)
    return GradResult(inputs={"x": 3.0}, outputs={"y": 9.0, "z": 81.0}, order=2,
                      derivatives=table)


# ---- keys -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("output, wrt, key", [
    ("y", ("x",), "dy/dx"),
    ("y", ("x", "x"), "d2y/dx2"),
    ("z", ("x", "y"), "d2z/dxdy"),
    ("z", ("x", "x", "y"), "d3z/dx2dy"),
    ("loss", ("w1",), "dloss/dw1"),
    ("loss", ("w1", "w1"), "d2loss/dw1^2"),
    ("x * 2", ("x",), "d(x * 2)/dx"),
])
def test_leibniz_keys_are_written_as_on_paper(output, wrt, key):
    assert leibniz(output, wrt) == key


def test_lookup_by_key_and_by_names():
    res = made()
    assert res["dy/dx"] == 6.0 and res["dz/dx"] == 108.0 and res["d2z/dx2"] == 108.0
    assert res.d("z", "x", "x") == 108.0 and res.d("z") == 81.0


@pytest.mark.parametrize("spelling", ["d2z/dx2", "d²z/dx²", "∂²z/∂x²", "d^2z/dx^2", "d2 z / dx dx",
                                      "d2z/dxdx"])
def test_other_spellings_of_the_same_key(spelling):
    assert made()[spelling] == 108.0


def test_multi_letter_names_and_names_ending_in_digits():
    res = GradResult(inputs={"w": 1.0, "w1": 2.0}, outputs={"loss": 5.0}, order=2,
                     derivatives={("loss", ("w",)): 2.0, ("loss", ("w1",)): 4.0,
                                  ("loss", ("w", "w")): 2.0, ("loss", ("w", "w1")): 0.5,
                                  ("loss", ("w1", "w1")): 3.0})
    assert res["dloss/dw1"] == 4.0 and res["dloss/dw"] == 2.0
    assert res["d2loss/dw1^2"] == 3.0 and res["d2loss/dw2"] == 2.0
    assert res["d2loss/dwdw1"] == 0.5 and res["d2loss/dw1dw"] == 0.5
    assert list(res) == ["dloss/dw", "dloss/dw1", "d2loss/dw2", "d2loss/dwdw1", "d2loss/dw1^2"]


def test_a_missing_key_lists_the_keys_there_are():
    with pytest.raises(KeyError) as info:
        made()["dq/dx"]
    assert "dy/dx" in str(info.value) and "d2z/dx2" in str(info.value)


def test_asking_above_the_order_says_which_order_to_ask_for():
    with pytest.raises(KeyError, match="--order 3"):
        made()["d3z/dx3"]


def test_mixed_partials_of_arrays_follow_the_order_asked():
    rng = np.random.default_rng(0)
    stored = rng.standard_normal((2, 3, 4))  # d2z/dadb for z of shape (2,), a (3,), b (4,)
    res = GradResult(inputs={"a": np.ones(3), "b": np.ones(4)}, outputs={"z": np.ones(2)},
                     order=2, derivatives={("z", ("a", "b")): stored})
    np.testing.assert_array_equal(res["d2z/dadb"], stored)
    np.testing.assert_array_equal(res["d2z/dbda"], stored.transpose(0, 2, 1))
    np.testing.assert_array_equal(res.d("z", "b", "a"), stored.transpose(0, 2, 1))


def test_mapping_protocol_and_values():
    res = made()
    assert set(res) == {"dy/dx", "dz/dx", "d2z/dx2"} and len(res) == 3
    assert "dy/dx" in res and "dq/dx" not in res
    assert res.values == {"x": 3.0, "y": 9.0, "z": 81.0}


def test_a_derivative_not_computed_is_no_key_and_explains_itself():
    res = GradResult(
        inputs={"w": np.ones(200)}, outputs={"v": np.ones(200)}, order=1,
        derivatives={("v", ("w",)): NotComputed((200, 200), 40_000, 10_000)},
        max_derivative_size=10_000)
    assert list(res) == []
    with pytest.raises(KeyError, match="40,000 numbers"):
        res["dv/dw"]
    assert "Not computed, over max_derivative_size=10,000" in res._repr_html_()
    assert table_of(res._repr_html_())["v"]["d/dw"] == "—"


# ---- the HTML table -------------------------------------------------------------------------------

def test_html_table_has_a_row_per_output_and_a_column_per_derivative():
    res = made({("y", ("x", "x")): 2.0000000000000004})
    table = table_of(res._repr_html_())
    assert table == {"y": {"value": "9", "d/dx": "6", "d²/dx²": "2"},
                     "z": {"value": "81", "d/dx": "108", "d²/dx²": "108"}}


def test_several_inputs_use_partial_signs_in_headers():
    res = differentiate("z = x * y", {"x": 2.0, "y": 5.0}, order=2, graph=False)
    table = table_of(res._repr_html_())
    assert table["z"] == {"value": "10", "∂/∂x": "5", "∂/∂y": "2", "∂²/∂x²": "0",
                          "∂²/∂x∂y": "1", "∂²/∂y²": "0"}


def test_arrays_show_shape_and_a_few_numbers():
    res = differentiate("loss = np.sum(w ** 2)", {"w": np.arange(100.0)}, graph=False)
    cell = table_of(res._repr_html_())["loss"]["d/dw"]
    assert cell.startswith("array(100,)") and "…" in cell and len(cell) < 60


def test_check_columns_show_the_estimate_with_its_error():
    res = differentiate("y = x ** 3", {"x": 2.0}, check=True, graph=False)
    row = table_of(res._repr_html_())["y"]
    estimate, error = row["d/dx by finite differences"].split("error")
    assert float(estimate) == pytest.approx(12.0, rel=1e-8) and float(estimate) != 12.0
    assert 0 < float(error) < 1e-6
    assert row["d/dx"] == "12"


def test_html_embeds_the_graph_as_an_svg_image_that_untrusted_notebooks_show():
    res = differentiate("y = x * x", {"x": 3.0})
    page = res._repr_html_()
    if res.svg is None:
        pytest.skip("no Graphviz layout engine here")
    match = re.search(r'<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', page)
    assert match
    svg = base64.b64decode(match.group(1)).decode("utf-8")
    assert "<svg" in svg and "y = x × x" in svg
    assert "<svg" not in page and "<script" not in page and "<style" not in page


def test_html_uses_no_hard_background_so_dark_themes_read_it():
    page = made()._repr_html_()
    assert not re.search(r"#fff\b|#ffffff|(?<![\w-])white(?!-)", page, re.IGNORECASE)
    assert "color:inherit" in page


def test_without_a_layout_engine_the_dot_source_and_advice_show(monkeypatch):
    monkeypatch.setenv("ADMAGIC_RENDERER", "none")
    res = differentiate("y = x * x", {"x": 3.0})
    page = res._repr_html_()
    assert "<details" in page and "digraph" in page and "pip install" in page
    assert table_of(page)["y"]["d/dx"] == "6"


def test_no_graph_means_no_picture():
    page = differentiate("y = x * x", {"x": 3.0}, graph=False)._repr_html_()
    assert "<img" not in page and "<details" not in page


# ---- text and LaTeX -------------------------------------------------------------------------------

def test_pretty_text_is_an_aligned_table():
    text = pretty(made())
    lines = text.splitlines()
    assert lines[0] == "at x = 3"
    assert re.fullmatch(r"\s+value\s+d/dx\s+d²/dx²", lines[1])
    assert lines[2].split() == ["y", "9", "6"]  # made() has no d2y/dx2: an empty cell
    assert lines[3].split() == ["z", "81", "108", "108"]


def test_latex_writes_fractions():
    latex = made()._repr_latex_()
    assert latex.startswith("$$") and latex.endswith("$$")
    assert r"\frac{dy}{dx} &= 6" in latex
    assert r"\frac{d^{2} z}{dx^{2}} &= 108" in latex


def test_latex_of_mixed_partials_and_arrays():
    res = differentiate("v = w * x", {"w": np.array([1.0, 2.0]), "x": 3.0}, order=2, graph=False)
    latex = res._repr_latex_()
    assert r"\frac{\partial v}{\partial w} &= \begin{bmatrix}3 & 0 \\ 0 & 3\end{bmatrix}" in latex
    assert r"\frac{\partial ^{2} v}{\partial w \partial x}" in latex


def test_repr_is_one_line():
    assert repr(made()) == "<GradResult dy/dx=6, dz/dx=108, d2z/dx2=108>"


# ---- saving ---------------------------------------------------------------------------------------

def test_save_writes_dot_and_svg(tmp_path):
    res = differentiate("y = x * x", {"x": 3.0})
    dot = res.save(tmp_path / "g.dot")
    assert open(dot, encoding="utf-8").read().startswith("digraph")
    if res.svg is not None:
        svg = res.save(tmp_path / "g.svg")
        assert "<svg" in open(svg, encoding="utf-8").read()


def test_save_without_a_graph_says_so(tmp_path):
    with pytest.raises(ValueError, match="no graph"):
        differentiate("y = x * x", {"x": 3.0}, graph=False).save(tmp_path / "g.svg")


def test_graph_is_a_digraph():
    assert isinstance(differentiate("y = x * x", {"x": 3.0}).graph, graphviz.Digraph)
