"""The chain rule written out (`admagic.chainrule`): its numbers against closed forms, its sum of
path products against reverse mode, its path counts against counting by hand, its LaTeX escaped."""

import math

import numpy as np
import pytest

from admagic import Tape, grad
from admagic.chainrule import explain
from admagic.traced import new_leaf


def test_one_path_is_the_product_of_its_partials():
    """y = x², z = y² at 3: ∂z/∂y = 2y = 18, ∂y/∂x = 2x = 6, dz/dx = 4x³ = 108."""
    with Tape() as tape:
        x = new_leaf(tape, 3.0)
        y = x * x
        z = y * y
    (dy, dz) = explain({"y": y, "z": z}, {"x": x}).rules
    assert dz.text == "dz/dx = ∂z/∂y · ∂y/∂x = 18 × 6 = 108"
    assert dz.partials == [[pytest.approx(18.0), pytest.approx(6.0)]] and dz.total == 108.0
    assert dy.text == "dy/dx = ∂y/∂x = 6"


def test_two_paths_are_summed():
    """f = x·y + sin x at (2, 3): ∂f/∂x = y + cos x."""
    with Tape() as tape:
        x, y = new_leaf(tape, 2.0), new_leaf(tape, 3.0)
        f = x * y + np.sin(x)
    dfdx, dfdy = explain({"f": f}, {"x": x, "y": y}).rules
    assert dfdx.count == 2 and dfdx.products == [pytest.approx(3.0), pytest.approx(math.cos(2))]
    assert dfdx.total == pytest.approx(3.0 + math.cos(2.0), rel=1e-15)
    assert dfdx.text == ("∂f/∂x = ∂f/∂v1 · ∂v1/∂x + ∂f/∂v2 · ∂v2/∂x = 1 × 3 + 1 × (-0.4161) "
                         "= 3 + (-0.4161) = 2.584")
    assert dfdy.text == "∂f/∂y = ∂f/∂v1 · ∂v1/∂y = 1 × 2 = 2"


def test_many_paths_are_counted_and_summed_not_listed():
    """h ← h·x + sin h, ten times from h = x: x·x is one edge (partial 2x), so 2 paths after one
    step and P(n) = 2·P(n−1) + 1 after that: P(n) = 3·2ⁿ⁻¹ − 1."""
    def f(x):
        h = x
        for _ in range(10):
            h = h * x + np.sin(h)
        return h

    with Tape() as tape:
        x = new_leaf(tape, 0.5)
        h = f(x)
    (rule,) = explain({"h": h}, {"x": x}).rules
    assert rule.count == 3 * 2 ** 9 - 1
    assert rule.total == pytest.approx(grad(f)(0.5), rel=1e-12)
    assert rule.text.startswith("dh/dx = Σ over the 1,535 paths from x to h")
    assert "(16 more)" in rule.text and len(rule.text) < 300


def test_sum_of_path_products_is_the_gradient_on_a_few_functions():
    functions = [
        lambda a, b: np.exp(a * b) / (1.0 + a * a) - np.tanh(b - a),
        lambda a, b: np.sqrt(a * a + b * b) * np.cos(a) ** 2,
        lambda a, b: (a - b) * (a + b) * np.log(a + 2.0),
    ]
    for f in functions:
        with Tape() as tape:
            a, b = new_leaf(tape, 0.7), new_leaf(tape, -0.4)
            out = f(a, b)
        da, db = explain({"out": out}, {"a": a, "b": b}).rules
        assert da.total == pytest.approx(grad(f, argnum=0)(0.7, -0.4), rel=1e-12)
        assert db.total == pytest.approx(grad(f, argnum=1)(0.7, -0.4), rel=1e-12)
        for rule in (da, db):
            if rule.count <= rule.max_paths:
                assert sum(rule.products) == pytest.approx(rule.total, rel=1e-12)


def test_an_output_that_ignores_an_input_says_so():
    with Tape() as tape:
        x, y = new_leaf(tape, 1.0), new_leaf(tape, 2.0)
        f = np.sin(x)
    assert explain({"f": f}, {"x": x, "y": y}).rules[1].text == \
        "∂f/∂y = 0 (f does not depend on y)"


def test_latex_escapes_names_and_writes_fractions():
    with Tape() as tape:
        x = new_leaf(tape, 3.0)
        loss_1 = x * x
        total_cost = loss_1 * loss_1
    latex = explain({"total_cost": total_cost}, {"x": x}, names={"loss_1": loss_1})._repr_latex_()
    assert latex.startswith("$") and latex.endswith("$")
    assert (r"\frac{d\mathit{total\_cost}}{dx} = \frac{\partial \mathit{total\_cost}}"
            r"{\partial \mathit{loss\_1}}\,\frac{\partial \mathit{loss\_1}}{\partial x} "
            r"= 18 \times 6 = 108") in latex


def test_array_outputs_are_refused_with_what_to_write_instead():
    with Tape() as tape:
        x = new_leaf(tape, 3.0)
        y = x * np.ones(3)
    with pytest.raises(ValueError, match=r"y is an array.*y0 = y\[0\]"):
        explain({"y": y}, {"x": x})


def test_paths_through_arrays_give_the_number_but_say_why_not_written_out():
    with Tape() as tape:
        x = new_leaf(tape, 3.0)
        s = np.sum(x * np.arange(3.0))
    (rule,) = explain({"s": s}, {"x": x}).rules
    assert rule.total == pytest.approx(0.0 + 1.0 + 2.0)
    assert rule.text.startswith("ds/dx = 3 (by a tangent sweep") and "matrices" in rule.text
