"""`--plot`: the curves drawn are the function and its derivatives, checked against closed forms.

Every test reads the numbers back from the matplotlib figure's lines (what is drawn), and checks
them against derivatives worked out by hand, never against what the plot drew before.
"""

import sys

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from admagic.plot import parse_span, plot_cell, png  # noqa: E402


def _lines(axes):
    """{legend label: (x data, y data)} of one panel."""
    return {line.get_label(): (np.asarray(line.get_xdata()), np.asarray(line.get_ydata()))
            for line in axes.get_lines() if not line.get_label().startswith("_")}


def test_one_number_draws_the_output_its_derivatives_and_the_tangent_around_the_point():
    x0 = 1.0
    figure = plot_cell("y = np.sin(x) * np.exp(-x / 4)", {"x": x0}, order=2)
    (axes,) = figure.axes
    lines = _lines(axes)
    assert set(lines) == {"y", "dy/dx", "d²y/dx²", "tangent at x = 1"}
    xs = lines["y"][0]
    assert xs[0] == x0 - 2 and xs[-1] == x0 + 2 and len(xs) == 200  # ± 2 by default
    f = lambda x: np.sin(x) * np.exp(-x / 4)
    df = lambda x: (np.cos(x) - np.sin(x) / 4) * np.exp(-x / 4)
    d2f = lambda x: (-np.sin(x) - np.cos(x) / 2 + np.sin(x) / 16) * np.exp(-x / 4)
    np.testing.assert_allclose(lines["y"][1], f(xs), rtol=1e-12)
    np.testing.assert_allclose(lines["dy/dx"][1], df(xs), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(lines["d²y/dx²"][1], d2f(xs), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(lines["tangent at x = 1"][1], f(x0) + df(x0) * (xs - x0), rtol=1e-12)
    assert axes.get_title() == "y and its derivatives around x = 1"


def test_a_range_given_is_the_range_drawn_and_every_output_has_a_panel():
    figure = plot_cell("y = np.tanh(x)\nz = x ** 3 / 6", {"x": 0.5}, order=3,
                       span=parse_span("-3:3"))
    y_axes, z_axes = figure.axes
    y, z = _lines(y_axes), _lines(z_axes)
    xs = y["y"][0]
    assert (xs[0], xs[-1]) == (-3.0, 3.0)
    np.testing.assert_allclose(y["dy/dx"][1], 1 / np.cosh(xs) ** 2, rtol=1e-12)
    np.testing.assert_allclose(z["d³z/dx³"][1], np.ones_like(xs))
    np.testing.assert_allclose(z["dz/dx"][1], xs ** 2 / 2, atol=1e-15)


def test_an_array_input_over_an_elementwise_cell_draws_y_and_dy_dx_at_its_points():
    xs = np.linspace(-2, 2, 9)[::-1]  # drawn left to right, whatever order the points come in
    figure = plot_cell("y = np.sin(x) ** 2", {"x": xs})
    lines = _lines(figure.axes[0])
    assert set(lines) == {"y", "dy/dx"}
    drawn_x = lines["y"][0]
    np.testing.assert_array_equal(drawn_x, np.sort(xs))
    np.testing.assert_allclose(lines["dy/dx"][1], np.sin(2 * drawn_x), atol=1e-15)


def test_an_array_input_over_a_cell_that_mixes_its_elements_is_refused():
    with pytest.raises(ValueError, match="works elementwise"):
        plot_cell("y = x - np.mean(x)", {"x": np.linspace(0, 1, 5)})


@pytest.mark.parametrize("code, f, df", [
    ("y = x if x > 0 else -x", np.abs, np.sign),  # an `if` can't take every point at once
    ("s = np.sum(x)\ny = x * s", lambda x: x * x, lambda x: 2 * x),  # a sum over x: y = x² here
])
def test_a_cell_that_is_not_elementwise_is_drawn_right_point_by_point(code, f, df):
    (axes,) = plot_cell(code, {"x": 0.5}, of=["y"]).axes
    lines = _lines(axes)
    xs = lines["y"][0]
    np.testing.assert_allclose(lines["y"][1], f(xs), rtol=1e-12)
    np.testing.assert_allclose(lines["dy/dx"][1], df(xs), rtol=1e-12)


def test_an_elementwise_cell_runs_once_for_all_points_not_once_per_point():
    runs = []
    namespace = {"np": np, "runs": runs}
    plot_cell("runs.append(1)\ny = np.exp(x) * x", {"x": 0.0}, namespace, order=2)
    assert len(runs) <= 4  # one traced run, and a few single points to check it: not 201
    assert namespace == {"np": np, "runs": runs}  # nothing new in the namespace


def test_nothing_traced_is_left_in_what_the_cell_built():
    kept = []
    plot_cell("kept.append(x * 2)\ny = x * 2", {"x": 1.0}, {"np": np, "kept": kept})
    assert kept and all(type(v) in (float, np.float64, np.ndarray) for v in kept)


def test_without_matplotlib_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"pip install 'admagic\[plot\]'"):
        plot_cell("y = x * x", {"x": 1.0})


@pytest.mark.parametrize("text, message", [("3:-3", "from low to high.*--plot -3:3"),
                                           ("3", "LO:HI"), ("a:b", "LO:HI")])
def test_a_range_that_makes_no_sense_says_how_to_write_one(text, message):
    with pytest.raises(ValueError, match=message):
        parse_span(text)


def test_several_inputs_are_refused_with_what_to_write():
    with pytest.raises(ValueError, match="one input.*x=1 --plot"):
        plot_cell("y = x * w", {"x": 1.0, "w": 2.0})


def test_the_figure_is_a_png():
    assert png(plot_cell("y = x * x", {"x": 1.0})).startswith(b"\x89PNG")
