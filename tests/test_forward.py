"""Forward mode and the two products (`admagic.forward`) against independent truth.

- `jvp` and `vjp` against `admagic.jacobian` (J·v and uᵀJ) and against central differences
  (`admagic.testing.numerical_jacobian`), on functions of several array arguments with broadcasting.
- uᵀ(J v) = (uᵀJ)·v for every case of `tests/test_rules.py`: forward and reverse agree.
- Nesting: `grad` of a jvp-based (and of a vjp-based) derivative is the second derivative, checked
  by second differences; jvp over jvp gives the third derivative (closed form).
- `forward_derivatives` (one tangent sweep per input over one record) against closed forms.
"""

import math
import zlib

import numpy as np
import pytest

from admagic import Tape, grad, jacobian
from admagic.forward import forward_derivatives, jvp, tangents, vjp
from admagic.testing import numerical_jacobian
from admagic.traced import new_leaf
from test_rules import CASES

RNG = np.random.default_rng(7)
W = RNG.standard_normal((3, 4))
B = RNG.standard_normal(3)


def layer(w, b):
    return np.tanh(w @ np.array([0.3, -1.0, 0.5, 2.0]) + b)


def mixed(x, w):
    return np.sum(np.sin(x) * w ** 2, axis=1) + x[0] / (1.0 + np.exp(-w[:, 0]))


FUNCTIONS = [
    ("layer", layer, (W, B)),
    ("mixed", mixed, (RNG.standard_normal(4), RNG.standard_normal((2, 4)))),
    ("scalar", lambda x, y: np.log(x) + x * y - np.sin(y), (2.0, 5.0)),
]


def _flat_jacobian(f, args, i):
    """J with respect to argument i, as a matrix (output size × input size), by central differences."""
    def of_i(a):
        moved = list(args)
        moved[i] = a
        return f(*moved)
    out_size = int(np.size(f(*args)))
    return numerical_jacobian(of_i, args[i]).reshape(out_size, int(np.size(args[i])))


@pytest.mark.parametrize("name, f, args", FUNCTIONS, ids=[n for n, _, _ in FUNCTIONS])
def test_jvp_is_the_jacobian_times_the_tangent(name, f, args):
    directions = tuple(RNG.standard_normal(np.shape(a)) if np.ndim(a) else 0.7 for a in args)
    value, slope = jvp(f, args, directions)
    np.testing.assert_allclose(value, f(*args), rtol=1e-15)
    by_fd = sum(_flat_jacobian(f, args, i) @ np.ravel(v) for i, v in enumerate(directions))
    by_reverse = sum(np.reshape(jacobian(f, argnum=i)(*args), (np.size(value), -1)) @ np.ravel(v)
                     for i, v in enumerate(directions))
    np.testing.assert_allclose(np.ravel(slope), by_fd, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(np.ravel(slope), by_reverse, rtol=1e-12, atol=1e-14)
    assert np.shape(slope) == np.shape(value)


@pytest.mark.parametrize("name, f, args", FUNCTIONS, ids=[n for n, _, _ in FUNCTIONS])
def test_vjp_is_the_cotangent_times_the_jacobian(name, f, args):
    value, pullback = vjp(f, *args)
    u = RNG.standard_normal(np.shape(value)) if np.ndim(value) else 1.3
    gradients = pullback(u)
    assert len(gradients) == len(args)
    for i, g in enumerate(gradients):
        assert np.shape(g) == np.shape(args[i])
        expected = np.ravel(u) @ _flat_jacobian(f, args, i)
        np.testing.assert_allclose(np.ravel(g), expected, rtol=1e-7, atol=1e-9)
        reverse = np.ravel(u) @ np.reshape(jacobian(f, argnum=i)(*args), (np.size(value), -1))
        np.testing.assert_allclose(np.ravel(g), reverse, rtol=1e-12, atol=1e-14)


def test_the_survey_example_by_jvp_and_vjp():
    f = FUNCTIONS[2][1]
    assert jvp(f, (2.0, 5.0), (1.0, 0.0)) == (pytest.approx(11.652, abs=5e-4), pytest.approx(5.5))
    value, pullback = vjp(f, 2.0, 5.0)
    assert pullback(1.0) == (pytest.approx(5.5), pytest.approx(2.0 - math.cos(5.0)))


@pytest.mark.parametrize("primitive, call, inputs, argnum", CASES)
def test_forward_and_reverse_agree_on_every_rule_case(request, primitive, call, inputs, argnum):
    rng = np.random.default_rng(zlib.crc32(request.node.callspec.id.encode()))
    args = [domain(rng, shape) for domain, shape in inputs]

    def of_differentiable(*chosen):
        full = list(args)
        for i, a in zip(argnum, chosen):
            full[i] = a
        return call(*full)

    chosen = [args[i] for i in argnum]
    directions = tuple(rng.standard_normal(np.shape(a)) for a in chosen)
    value, slope = jvp(of_differentiable, tuple(chosen), directions)
    u = rng.standard_normal(np.shape(value))
    _, pullback = vjp(of_differentiable, *chosen)
    forward = float(np.sum(u * slope))
    reverse = sum(float(np.sum(g * v)) for g, v in zip(pullback(u), directions))
    assert forward == pytest.approx(reverse, rel=1e-9, abs=1e-12)


def second_difference(f, x, h=1e-4):
    return (f(x + h) - 2 * f(x) + f(x - h)) / h ** 2


def g(x):
    return np.sin(x) * x ** 3 + np.exp(-x * x)


def test_grad_of_a_jvp_derivative_is_the_second_derivative():
    first = lambda x: jvp(g, (x,), (1.0,))[1]  # noqa: E731
    for x in (-0.8, 0.3, 1.7):
        assert grad(first)(x) == pytest.approx(second_difference(g, x), rel=1e-6)


def test_grad_of_a_vjp_derivative_is_the_second_derivative():
    first = lambda x: vjp(g, x)[1](1.0)[0]  # noqa: E731
    for x in (-0.8, 0.3, 1.7):
        assert grad(first)(x) == pytest.approx(second_difference(g, x), rel=1e-6)


def test_jvp_over_jvp_over_jvp_is_the_third_derivative():
    def d(f):
        return lambda x: jvp(f, (x,), (1.0,))[1]
    # d³/dx³ (x⁴ sin x) = 24x sin x + 36x² cos x − 12x³ sin x − x⁴ cos x
    f = lambda x: x ** 4 * np.sin(x)  # noqa: E731
    for x in (0.4, 2.0):
        truth = (24 * x * math.sin(x) + 36 * x**2 * math.cos(x) - 12 * x**3 * math.sin(x)
                 - x**4 * math.cos(x))
        assert d(d(d(f)))(x) == pytest.approx(truth, rel=1e-12)


def test_a_hessian_vector_product_by_forward_over_reverse():
    def loss(w):
        return np.sum(np.tanh(w) ** 2 * np.arange(1.0, 4.0))

    w, v = np.array([0.3, -0.7, 1.1]), np.array([1.0, 0.5, -2.0])
    _, hv = jvp(grad(loss), (w,), (v,))
    by_fd = numerical_jacobian(grad(loss), w) @ v
    np.testing.assert_allclose(hv, by_fd, rtol=1e-6)


def test_tuple_outputs_give_tuple_tangents():
    value, slope = jvp(lambda x: (x * x, np.sin(x)), (0.5,), (2.0,))
    assert value == (0.25, pytest.approx(math.sin(0.5)))
    assert slope == (pytest.approx(2.0), pytest.approx(2 * math.cos(0.5)))


def test_a_function_that_ignores_its_input_has_zero_derivatives():
    assert jvp(lambda x: 3.0, (1.0,), (1.0,)) == (3.0, 0.0)
    assert vjp(lambda x: np.ones(2), np.zeros(3))[1](np.ones(2))[0].tolist() == [0.0, 0.0, 0.0]


def test_forward_derivatives_of_a_record_one_sweep_per_input():
    with Tape() as tape:
        x, y = new_leaf(tape, 2.0), new_leaf(tape, 3.0)
        f = x * y + np.sin(x)
        h = np.array([1.0, 2.0]) * x * x
    found = forward_derivatives({"f": f, "h": h}, {"x": x, "y": y})
    assert found[("f", ("x",))] == pytest.approx(3.0 + math.cos(2.0))
    assert found[("f", ("y",))] == pytest.approx(2.0) and type(found[("f", ("y",))]) is float
    np.testing.assert_allclose(found[("h", ("x",))], [4.0, 8.0])
    np.testing.assert_allclose(found[("h", ("y",))], [0.0, 0.0])
    assert tangents([f], y) == [pytest.approx(2.0)]


def test_forward_derivatives_refuse_array_inputs_and_say_what_to_use():
    with Tape() as tape:
        w = new_leaf(tape, np.ones(3))
        s = np.sum(w)
    with pytest.raises(ValueError, match="w is an array.*reverse mode.*jvp"):
        forward_derivatives({"s": s}, {"w": w})


def test_jvp_arguments_are_checked():
    with pytest.raises(TypeError, match=r"jvp\(f, \(x,\), \(v,\)\)"):
        jvp(np.sin, 1.0, 1.0)
    with pytest.raises(ValueError, match="one tangent per primal"):
        jvp(np.add, (1.0, 2.0), (1.0,))
    with pytest.raises(ValueError, match="has shape \\(2,\\), but the primal has shape \\(3,\\)"):
        jvp(np.sin, (np.zeros(3),), (np.zeros(2),))
    with pytest.raises(ValueError, match=r"cotangent has shape \(\), but the output has shape \(3,\)"):
        vjp(np.sin, np.zeros(3))[1](1.0)
