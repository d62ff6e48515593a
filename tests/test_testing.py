"""`admagic.testing`: the one central difference, the Jacobian built from it, and check_grads,
against closed forms (they are the yardstick every other test uses, so they are checked on their own)."""

import numpy as np
import pytest

from admagic.tape import VJP
from admagic.testing import central_difference, check_grads, numerical_jacobian

STEP = np.cbrt(np.finfo(float).eps)


@pytest.mark.parametrize("x", [-3.0, -0.5, 0.0, 0.7, 2.0])
def test_central_difference_of_sine_is_cosine_to_ten_digits(x):
    assert central_difference(np.sin, x) == pytest.approx(np.cos(x), rel=1e-10, abs=1e-11)


def test_central_difference_of_a_cubic_is_exact_up_to_its_known_truncation_term():
    # (f(x+h) - f(x-h)) / 2h = 3x² + h² exactly, for f = x³
    x = 1.5
    h = STEP * x
    assert central_difference(lambda t: t ** 3, x) == pytest.approx(3 * x ** 2 + h ** 2, rel=1e-10)


@pytest.mark.parametrize("x", [1e4, -3e5])
def test_the_step_scales_with_x_so_large_inputs_keep_ten_digits(x):
    # a fixed step of 1e-6 gives ~1e-6 relative error at x = 1e4 (rounding in f(x ± h))
    assert central_difference(lambda t: t ** 3, x) == pytest.approx(3 * x ** 2, rel=1e-9)
    assert numerical_jacobian(lambda w: w ** 3, np.array([x, 1.0])) == pytest.approx(
        np.diag([3 * x ** 2, 3.0]), rel=1e-9, abs=1e-9)


def test_central_difference_along_a_direction_of_several_arguments():
    f = lambda a, b: a * np.sum(b ** 2)  # noqa: E731
    a, b = 2.0, np.array([1.0, -1.0, 3.0])
    va, vb = 0.5, np.array([1.0, 0.0, -2.0])
    exact = va * np.sum(b ** 2) + a * np.sum(2 * b * vb)
    assert central_difference(f, (a, b), (va, vb)) == pytest.approx(exact, rel=1e-9)


def test_a_given_step_is_used_as_it_is():
    h = 0.1
    assert central_difference(lambda t: t ** 3, 1.0, step=h) == pytest.approx(3 + h ** 2, rel=1e-12)


def test_numerical_jacobian_has_shape_out_plus_in_and_matches_a_closed_form():
    W = np.array([[1.0, 2.0], [0.5, -1.0], [3.0, 0.0]])
    x = np.array([0.2, -0.4])
    J = numerical_jacobian(lambda v: np.tanh(W @ v), x)
    assert J.shape == (3, 2)
    np.testing.assert_allclose(J, (1 - np.tanh(W @ x) ** 2)[:, None] * W, rtol=1e-9)


@pytest.mark.parametrize("shape", [(0,), (0, 2)])
def test_numerical_jacobian_of_an_empty_input_is_empty(shape):
    assert numerical_jacobian(lambda w: 2 * w, np.zeros(shape)).shape == shape + shape


def test_check_grads_passes_right_rules_and_catches_a_wrong_one(monkeypatch):
    check_grads(np.sin, 0.4, order=3)
    check_grads(lambda x, y: np.sum(np.sin(x) * y), np.ones(2), np.arange(2.0), argnum=(0, 1))
    right = VJP[np.sin]
    wrong = (lambda g, ans, x: right[0](g, ans, x) * 1.001,) + tuple(right[1:])
    monkeypatch.setitem(VJP, np.sin, wrong)
    with pytest.raises(AssertionError, match="order-1 derivative of sin"):
        check_grads(np.sin, 0.4, order=1)
