"""`GradResult`: Leibniz keys, lookups by name, and the HTML, text and LaTeX views."""

import base64
import html
import itertools
import re

import graphviz
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from IPython.lib.pretty import pretty

from admagic import render
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


def every_derivative(inputs, outputs, order):
    """A result holding every derivative up to `order`, each a different number, so that reading
    the wrong one back shows; what each key should give is worked out here, not by GradResult."""
    numbers = itertools.count(1.0)
    table = {(o, wrt): next(numbers) for o in outputs for k in range(1, order + 1)
             for wrt in itertools.combinations_with_replacement(inputs, k)}
    res = GradResult(inputs={n: 1.0 for n in inputs}, outputs={o: 0.0 for o in outputs},
                     order=order, derivatives=table)
    return res, table


def test_inputs_x_and_x2_at_order_2_every_key_is_retrievable():
    """Issue 11.8: list(res) had d2y/dx2, and res["d2y/dx2"] raised a KeyError listing it."""
    res, table = every_derivative(["x", "x2"], ["y"], 2)
    assert list(res) == ["dy/dx", "dy/dx2", "d2y/dx2", "d2y/dxdx2", "d2y/dx2^2"]
    assert res["d2y/dx2"] == table[("y", ("x", "x"))]
    assert res["dy/dx2"] == table[("y", ("x2",))]
    assert res["d2y/dx2^2"] == res["d²y/dx2²"] == table[("y", ("x2", "x2"))]


NAMES = ["x", "x2", "xx", "x_1", "y", "w", "w1", "w11", "dx", "xd", "d", "z2", "x22", "ddx"]


@settings(max_examples=150, deadline=None)
@given(inputs=st.lists(st.sampled_from(NAMES), min_size=1, max_size=3, unique=True),
       outputs=st.lists(st.sampled_from(NAMES + ["loss", "y2", "dy"]), min_size=1, max_size=2,
                        unique=True),
       order=st.integers(1, 3))
def test_every_key_listed_reads_back_as_its_own_derivative(inputs, outputs, order):
    res, table = every_derivative(inputs, outputs, order)
    keys = list(res)
    assert len(keys) == len(set(keys)) == len(table)
    for key, (output, wrt) in zip(keys, res._ordered()):
        assert res[key] == table[(output, wrt)], (key, output, wrt)
        assert key in res
        for other in set(itertools.permutations(wrt)):  # any order of the inputs, by name
            assert res.d(output, *other) == table[(output, wrt)]


def test_an_ambiguous_spelling_is_refused_with_the_readings():
    res, table = every_derivative(["x", "xdx"], ["y"], 3)
    with pytest.raises(KeyError) as info:
        res["d2y/dxdxdx"]  # d²y/dx d(xdx), or d²y/d(xdx) dx
    message = str(info.value)
    assert "d2y/d(x)d(xdx)" in message and "d2y/d(xdx)d(x)" in message
    assert res["d2y/d(x)d(xdx)"] == table[("y", ("x", "xdx"))]
    assert res["d3y/dx3"] == table[("y", ("x", "x", "x"))]
    assert "d2y/d(x)d(xdx)" in list(res)  # the listed key is the unambiguous one


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
    # The estimate shown is the one computed, to 12 digits, and close to 3x² = 12 ...
    assert float(estimate) == pytest.approx(res.checks[("y", "x")], rel=1e-12)
    assert float(estimate) == pytest.approx(12.0, rel=1e-6)
    # ... and the error beside it is its distance from the exact value in the next column.
    assert row["d/dx"] == "12"
    assert float(error) == pytest.approx(abs(res.checks[("y", "x")] - 12.0), rel=1e-3)


def test_html_embeds_the_graph_as_an_svg_image_that_untrusted_notebooks_show():
    res = differentiate("y = x * x", {"x": 3.0})
    page = res._repr_html_()
    if res.render() is None:
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
    if res.render() is not None:
        svg = res.save(tmp_path / "g.svg")
        assert "<svg" in open(svg, encoding="utf-8").read()


def test_save_without_a_graph_says_so(tmp_path):
    with pytest.raises(ValueError, match="no graph"):
        differentiate("y = x * x", {"x": 3.0}, graph=False).save(tmp_path / "g.svg")


def test_graph_is_a_digraph_that_admagic_draws():
    graph = differentiate("y = x * x", {"x": 3.0}).graph
    assert isinstance(graph, graphviz.Digraph) and isinstance(graph, render.Digraph)


def test_showing_the_result_changes_nothing_in_it():
    """Issue 10.6: showing the HTML once used to add a note that the text then showed too."""
    res = differentiate("y = x * x", {"x": 3.0})
    res.graph.body.append("\tthis is { not DOT\n")  # Graphviz will refuse to draw it
    if render.renderer() is None:
        pytest.skip("no Graphviz layout engine here")
    text, notes = str(res), list(res.notes)
    page = res._repr_html_()
    assert "The graph could not be drawn" in page and "<img" not in page
    assert table_of(page)["y"]["d/dx"] == "6"
    assert str(res) == text and res.notes == notes
    assert res._repr_html_() == page


def test_render_is_the_explicit_step_and_keeps_its_picture():
    res = differentiate("y = x * x", {"x": 3.0})
    if render.renderer() is None:
        assert res.render() is None
        return
    svg = res.render()
    assert "y = x × x" in svg and res.render() is svg and "rendering" in res.timings
    assert res.render_problem is None



# ---- names: hints, LaTeX and HTML escaping ---------------------------------------------------------

def test_hints_use_the_results_own_name():
    """Issue 15.9: the hints said res.values['y'] and res.graph, but the result is _grad."""
    res = differentiate("y = x * x", {"x": 3.0})
    assert "_grad.graph" in str(res) and "_grad.save('graph.svg')" in str(res)
    assert 'title="_grad[&#x27;dy/dx&#x27;]"' in res._repr_html_()
    assert 'title="_grad.values[&#x27;y&#x27;]"' in res._repr_html_()
    named = GradResult(inputs={"x": 3.0}, outputs={"y": 9.0}, order=1,
                       derivatives={("y", ("x",)): 6.0}, graph=res.graph, name="first")
    assert "first.graph" in str(named) and "_grad" not in str(named)
    assert "first[&#x27;dy/dx&#x27;]" in named._repr_html_() and "_grad" not in named._repr_html_()


def test_a_name_is_written_the_same_in_the_table_and_in_the_taylor_polynomial():
    res = differentiate("y1 = w1 * w1", {"w1": 3.0}, order=2, taylor=True, graph=False)
    table_latex, taylor_latex = res._repr_latex_(), res.taylor._repr_latex_()
    assert r"\frac{dy_{1}}{dw_{1}} &= 6" in table_latex
    assert r"y_{1} &\approx 9 + 6 (w_{1} - 3) + (w_{1} - 3)^{2}" in taylor_latex


HOSTILE = r'\href{javascript:alert(1)}{click} $x$ <b>&</b> 50% #1 {a}_^~'


def _latex_is_inert(latex, hostile=HOSTILE):
    """No command but admagic's own, and no $ or brace of the name's own that isn't escaped."""
    body = latex[2:-2]  # inside the $$ ... $$
    assert "$" not in body.replace(r"\$", ""), latex
    assert r"\href" not in latex, latex
    commands = set(re.findall(r"\\([A-Za-z]+)", body))
    assert commands <= {"begin", "end", "frac", "mathrm", "mathtt", "partial", "backslash",
                        "hat", "sim", "approx", "ldots", "times", "infty", "cdot"}, commands
    assert body.count("{") - body.count(r"\{") == body.count("}") - body.count(r"\}")


def test_latex_escapes_hostile_names_in_the_table_and_the_taylor_polynomial():
    """Issue 11.17: --taylor's LaTeX escaped nothing, and the table's didn't escape $."""
    code = f"x * 2 + len({HOSTILE!r})"  # the last expression is an output, named by its text
    res = differentiate(code, {"x": 3.0}, order=2, taylor=True, graph=False)
    (name,) = res.outputs
    assert "href" in name
    _latex_is_inert(res._repr_latex_())
    _latex_is_inert(res.taylor._repr_latex_())
    by_hand = GradResult(inputs={"x": 1.0}, outputs={"$y$": np.array(["$", "\\"]), "a_b%": 2.0},
                         order=1, derivatives={("a_b%", ("x",)): 1.0})
    _latex_is_inert(by_hand._repr_latex_())


def test_html_escapes_hostile_names_and_values_everywhere():
    code = f"x * 2 + len({HOSTILE!r})"
    res = differentiate(code, {"x": 3.0}, check=True)
    page = res._repr_html_()
    assert "<b>" not in page and "&lt;b&gt;" in page  # the name's markup is text, escaped
    (name,) = res.outputs
    assert name in table_of(page)  # and it reads back exactly, as the student wrote it
    for title in re.findall(r'title="([^"]*)"', page):
        assert "<" not in title and ">" not in title
    graph_page = res.graph._repr_mimebundle_()["text/html"]
    assert "<b>" not in graph_page


# ---- digits and fractions, as a teacher writes them ----------------------------------------------


def test_the_header_shows_the_point_with_every_digit_typed():
    res = differentiate("y = x * 1.00001", {"x": 1.0001}, graph=False)
    assert str(res).splitlines()[0] == "at x = 1.0001 · by reverse mode"  # "x = 1" is elsewhere
    assert "at x = 1.0001 · by reverse mode</caption>" in res._repr_html_()


@pytest.mark.parametrize("code, sympy_f, x0, order", [
    ("y = np.exp(x)", "exp(t)", 0.0, 6),
    ("y = np.sin(x)", "sin(t)", 0.0, 7),
    ("y = np.cos(x)", "cos(t)", 0.0, 6),
    ("y = np.log(1 + x)", "log(1 + t)", 0.0, 5),
    ("y = x ** 3 / 3", "(t + 2)**3 / 3", 2.0, 3),
])
def test_taylor_coefficients_that_are_fractions_are_written_as_fractions(code, sympy_f, x0, order):
    import sympy
    t = sympy.Symbol("t")  # t = x - x0
    series = sympy.series(sympy.sympify(sympy_f), t, 0, order + 1).removeO()
    exact = [sympy.Rational(series.coeff(t, k)) for k in range(order + 1)]
    res = differentiate(code, {"x": x0}, order=order, taylor=True, graph=False)
    text, latex = res.taylor.text("y"), res.taylor.latex("y")
    base = "x" if x0 == 0 else f"(x−{x0:g})"
    for k, c in enumerate(exact):
        if c.q == 1:
            continue
        power = "" if k == 0 else base + (str(k).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")) if k > 1 else "")
        top = "" if abs(c.p) == 1 and power else str(abs(c.p))
        assert f"{top}{power}/{c.q}" in text, (text, c)
        assert rf"\frac{{{abs(c.p)}}}{{{c.q}}}" in latex, (latex, c)
    assert "." not in text  # not a decimal left: 0.166667 was x³/6


def test_a_coefficient_that_is_no_fraction_stays_a_decimal():
    res = differentiate("y = np.sin(x)", {"x": 1.0}, order=3, taylor=True, graph=False)
    text = res.taylor.text("y")
    assert text.startswith(f"{np.sin(1.0):.6g} + {np.cos(1.0):.6g}(x−1)") and "/" not in text


# ---- arrays: elementwise derivatives and small matrices in full -----------------------------------

def test_an_elementwise_derivative_is_headed_elementwise_with_every_point_shown():
    x = np.linspace(-1, 1, 5)  # y' = cos(x)·x + sin(x): ±1.382, ±0.9182, 0
    res = differentiate("y = np.sin(x) * x", {"x": x}, graph=False)
    cells = table_of(res._repr_html_())
    assert cells["y"]["d/dx (elementwise)"] == "array(5,) [-1.382, -0.9182, 0, 0.9182, 1.382]"
    lines = str(res).splitlines()
    assert lines[0] == "at x = array(5,) [-1, -0.5, 0, 0.5, 1] · by reverse mode"
    assert lines[1].split() == ["value", "d/dx", "(elementwise)"]
    assert lines[2].split("  ")[-1] == "array(5,) [-1.382, -0.9182, 0, 0.9182, 1.382]"


def test_in_a_column_of_both_kinds_only_the_elementwise_cell_says_so():
    x = np.array([0.0, np.pi])  # y' = cos x = 1, -1
    res = differentiate("y = np.sin(x)\ns = np.sum(y)", {"x": x}, graph=False)
    cells = table_of(res._repr_html_())
    assert cells["y"]["d/dx"] == "array(2,) [1, -1]elementwise"  # the note, a line below
    assert cells["s"]["d/dx"] == "array(2,) [1, -1]"
    text = {line.split()[0]: line for line in str(res).splitlines()[2:4]}
    assert text["y"].endswith("[1, -1] (elementwise)") and text["s"].endswith("[1, -1]")


def test_a_small_hessian_is_shown_in_full_in_html_and_text():
    w = np.array([1.0, 2.0, 3.0])  # the Hessian of Σw³ is diag(6w)
    res = differentiate("loss = np.sum(w ** 3)", {"w": w}, order=2, graph=False)
    assert table_of(res._repr_html_())["loss"]["d²/dw²"] == "[[6,  0,  0],\n [0, 12,  0],\n [0,  0, 18]]"
    assert 'white-space:pre;' in res._repr_html_()
    lines = str(res).splitlines()
    start = lines[2].index("[[")
    assert [line[start:] for line in lines[2:5]] == ["[[6,  0,  0],", " [0, 12,  0],",
                                                     " [0,  0, 18]]"]


def test_a_jacobian_over_six_by_six_is_summarised_as_before():
    A = np.arange(1.0, 50.0).reshape(7, 7)  # d(A @ x)/dx = A, 7 × 7
    res = differentiate("y = A @ x", {"x": np.ones(7)}, namespace={"np": np, "A": A}, graph=False)
    assert table_of(res._repr_html_())["y"]["d/dx"] == "array(7, 7) [1, 2, 3, …, 49]"


def test_jacobian_of_a_result_built_by_hand_spreads_the_diagonal():
    res = GradResult(inputs={"x": np.array([1.0, 2.0])}, outputs={"y": np.array([1.0, 8.0])},
                     order=2, derivatives={("y", ("x",)): np.array([3.0, 12.0]),
                                           ("y", ("x", "x")): np.array([6.0, 12.0])},
                     elementwise=["y"])  # y = x³
    np.testing.assert_array_equal(res.jacobian("y", "x"), [[3.0, 0.0], [0.0, 12.0]])
    hessian = res.jacobian("y", "x", "x")
    assert hessian.shape == (2, 2, 2) and hessian[0, 0, 0] == 6.0 and hessian[1, 1, 1] == 12.0
    assert np.count_nonzero(hessian) == 2
    assert res.jacobian("y") is res.outputs["y"]
