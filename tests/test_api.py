"""The functional API (grad, value_and_grad, derivative, jacobian, hessian) against closed forms
and finite differences."""

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

from admagic import derivative, grad, hessian, jacobian, value_and_grad
from admagic.testing import numerical_jacobian

# ---- grad and value_and_grad -------------------------------------------------------------------


def test_grad_of_x_squared_is_6_at_3():
    assert grad(lambda x: x * x)(3.0) == 6.0


def test_grad_picks_the_argument_named_by_an_int_argnum():
    f = lambda x, y: x * y ** 2           # df/dx = y², df/dy = 2xy
    assert grad(f)(2.0, 3.0) == 9.0
    assert grad(f, argnum=1)(2.0, 3.0) == 12.0
    assert grad(f, argnum=-1)(2.0, 3.0) == 12.0


def test_grad_with_a_tuple_argnum_gives_a_tuple():
    f = lambda x, y, z: x * y ** 2 + z    # (y², 2xy, 1)
    assert grad(f, argnum=(0, 1))(2.0, 3.0, 7.0) == (9.0, 12.0)
    assert grad(f, argnum=(2, 0))(2.0, 3.0, 7.0) == (1.0, 9.0)


def test_grad_of_an_array_argument_has_its_shape():
    w = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, 1.0]])
    g = grad(lambda w: np.sum(w ** 3))(w)
    assert isinstance(g, np.ndarray) and g.shape == (2, 3)
    np.testing.assert_allclose(g, 3 * w ** 2)


def test_grad_returns_plain_numbers_and_arrays_not_traced_values():
    g = grad(lambda x, w: x * np.sum(w), argnum=(0, 1))(2.0, np.ones(3))
    assert type(g[0]) in (float, np.float64)
    assert type(g[1]) is np.ndarray


def test_grad_passes_keyword_arguments_through():
    f = lambda x, power=2: x ** power
    assert grad(f)(2.0, power=3) == 12.0


def test_grad_of_a_function_that_ignores_its_argument_is_zero_of_its_shape():
    assert grad(lambda x, y: y * 2.0)(1.0, 5.0) == 0.0
    np.testing.assert_array_equal(grad(lambda w: 4.0)(np.ones((2, 2))), np.zeros((2, 2)))


def test_grad_promotes_integer_inputs_to_float():
    assert grad(lambda x: x ** 3)(2) == 12.0
    np.testing.assert_allclose(grad(lambda w: np.sum(w ** 2 / 2))(np.array([1, 2])), [1.0, 2.0])


def test_grad_of_a_non_scalar_output_raises_type_error_suggesting_jacobian():
    with pytest.raises(TypeError, match=r"returned shape \(3,\).*jacobian"):
        grad(lambda w: w * 2.0)(np.ones(3))


def test_grad_with_an_argnum_out_of_range_raises_type_error():
    with pytest.raises(TypeError, match="argnum 2 is out of range"):
        grad(lambda x: x, argnum=2)(1.0)


def test_value_and_grad_gives_the_value_and_the_gradient():
    value, g = value_and_grad(lambda x: x ** 3)(2.0)
    assert (value, g) == (8.0, 12.0)
    value, (gx, gy) = value_and_grad(lambda x, y: x ** 3 * y, argnum=(0, 1))(2.0, 5.0)
    assert (value, gx, gy) == (40.0, 60.0, 8.0)


def test_grad_of_grad_is_the_second_derivative():
    assert grad(grad(lambda x: x ** 4))(2.0) == 48.0   # 12x²


def test_four_nested_grads_give_four_distinct_derivatives_of_sin():
    # Each level is built from the one before, unlike a test that sets df = ddf = grad(f).
    d1 = grad(np.sin)
    d2 = grad(d1)
    d3 = grad(d2)
    d4 = grad(d3)
    x = 0.5
    assert [d(x) for d in (d1, d2, d3, d4)] == pytest.approx(
        [np.cos(x), -np.sin(x), -np.cos(x), np.sin(x)], rel=1e-14)


# ---- derivative, orders 1 to 4, against closed forms ------------------------------------------

def _tanh_derivatives(x):
    t = np.tanh(x)
    return [1 - t**2, -2 * t * (1 - t**2), -2 * (1 - 3 * t**2) * (1 - t**2),
            8 * t * (2 - 3 * t**2) * (1 - t**2)]


CLOSED_FORMS = {
    "sin": (np.sin, lambda x: [np.cos(x), -np.sin(x), -np.cos(x), np.sin(x)]),
    "exp": (np.exp, lambda x: [np.exp(x)] * 4),
    "log": (np.log, lambda x: [1 / x, -1 / x**2, 2 / x**3, -6 / x**4]),
    "x**5": (lambda x: x ** 5, lambda x: [5 * x**4, 20 * x**3, 60 * x**2, 120 * x]),
    "sqrt": (np.sqrt, lambda x: [0.5 * x**-0.5, -0.25 * x**-1.5, 0.375 * x**-2.5,
                                 -0.9375 * x**-3.5]),
    "tanh": (np.tanh, _tanh_derivatives),
    "1/(1+x²)": (lambda x: 1 / (1 + x * x),
                 lambda x: [-2 * x / (1 + x**2)**2, (6 * x**2 - 2) / (1 + x**2)**3,
                            24 * x * (1 - x**2) / (1 + x**2)**4,
                            24 * (5 * x**4 - 10 * x**2 + 1) / (1 + x**2)**5]),
    "x·sin(x)": (lambda x: x * np.sin(x),
                 lambda x: [np.sin(x) + x * np.cos(x), 2 * np.cos(x) - x * np.sin(x),
                            -3 * np.sin(x) - x * np.cos(x), -4 * np.cos(x) + x * np.sin(x)]),
}


@pytest.mark.parametrize("name", CLOSED_FORMS)
@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_derivative_matches_the_closed_form(name, order):
    f, derivatives = CLOSED_FORMS[name]
    for x in (0.3, 1.7):
        assert derivative(f, order=order)(x) == pytest.approx(derivatives(x)[order - 1], rel=1e-12)


@pytest.mark.parametrize("name", CLOSED_FORMS)
def test_derivative_acts_elementwise_on_arrays(name):
    f, derivatives = CLOSED_FORMS[name]
    x = np.array([0.3, 0.9, 1.7])
    np.testing.assert_allclose(derivative(f, order=2)(x), derivatives(x)[1], rtol=1e-12)


def test_derivative_of_order_zero_is_the_function_itself():
    assert derivative(np.sin, order=0)(0.5) == np.sin(0.5)


def test_derivative_refuses_an_order_that_is_not_a_whole_number():
    with pytest.raises(ValueError, match="order"):
        derivative(np.sin, order=1.5)
    with pytest.raises(ValueError, match="order"):
        derivative(np.sin, order=-1)


def test_derivative_of_a_function_that_is_not_elementwise_raises_type_error_suggesting_jacobian():
    with pytest.raises(TypeError, match="jacobian"):
        derivative(lambda x: np.stack([x, x]))(1.0)


# ---- jacobian and hessian, against finite differences ------------------------------------------

W = np.array([[1.0, 2.0, -1.0], [0.5, 0.0, 3.0]])

JACOBIAN_CASES = {
    "elementwise": (lambda x: np.sin(x) * x, np.array([0.1, 0.5, -1.2])),
    "matrix-vector": (lambda x: np.tanh(W @ x), np.array([0.3, -0.2, 0.5])),
    "matrix-to-vector": (lambda m: np.sum(m ** 2, axis=1), np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]])),
    "matrix-to-matrix": (lambda m: m.T @ m, np.array([[1.0, 2.0], [0.5, -1.0], [2.0, 0.3]])),
    "scalar-to-vector": (lambda t: np.stack([np.cos(t), np.sin(t), t ** 2]), 0.7),
    "vector-to-scalar": (lambda x: np.sum(np.exp(x)), np.array([0.1, 0.2])),
    "scalar-to-scalar": (lambda t: t ** 3, 2.0),
}


@pytest.mark.parametrize("name", JACOBIAN_CASES)
def test_jacobian_has_shape_out_plus_in_and_matches_finite_differences(name):
    f, x = JACOBIAN_CASES[name]
    got = jacobian(f)(x)
    assert np.shape(got) == np.shape(f(x)) + np.shape(x)
    np.testing.assert_allclose(got, numerical_jacobian(f, x), rtol=1e-6, atol=1e-8)


def test_jacobian_of_the_identity_is_the_identity():
    np.testing.assert_array_equal(jacobian(lambda x: x)(np.zeros((2, 2))),
                                  np.eye(4).reshape(2, 2, 2, 2))


def test_jacobian_with_a_tuple_argnum_gives_one_jacobian_per_argument():
    a, b = np.array([1.0, 2.0]), np.array([3.0, 4.0, 5.0])
    ja, jb = jacobian(np.outer, argnum=(0, 1))(a, b)
    assert ja.shape == (2, 3, 2) and jb.shape == (2, 3, 3)
    np.testing.assert_allclose(ja, numerical_jacobian(lambda a: np.outer(a, b), a), atol=1e-8)
    np.testing.assert_allclose(jb, numerical_jacobian(lambda b: np.outer(a, b), b), atol=1e-8)


@settings(max_examples=20, deadline=None)
@given(shape=array_shapes(min_dims=0, max_dims=3, max_side=3), seed=st.integers(0, 2**32 - 1))
def test_jacobian_of_an_elementwise_function_over_shapes(shape, seed):
    x = np.random.default_rng(seed).uniform(-2, 2, shape)
    f = lambda x: np.tanh(x) * x
    got = jacobian(f)(x)
    assert np.shape(got) == shape + shape
    np.testing.assert_allclose(got, numerical_jacobian(f, x), rtol=1e-6, atol=1e-8)


HESSIAN_CASES = {
    "rosenbrock": (lambda v: (1 - v[0]) ** 2 + 100 * (v[1] - v[0] ** 2) ** 2, np.array([0.5, -0.3])),
    "softplus-sum": (lambda v: np.sum(np.log1p(np.exp(v))) * v[0], np.array([0.2, -1.0, 0.7])),
    "matrix": (lambda m: np.sum(np.sin(m @ m)), np.array([[0.1, 0.4], [-0.3, 0.2]])),
}


@pytest.mark.parametrize("name", HESSIAN_CASES)
def test_hessian_matches_finite_differences_of_the_gradient(name):
    f, x = HESSIAN_CASES[name]
    got = hessian(f)(x)
    assert got.shape == x.shape + x.shape
    np.testing.assert_allclose(got, numerical_jacobian(grad(f), x), rtol=1e-6, atol=1e-6)
    flat = got.reshape(x.size, x.size)
    np.testing.assert_allclose(flat, flat.T, atol=1e-12)


def test_hessian_of_a_quadratic_form_is_its_symmetric_matrix():
    a = np.array([[2.0, 1.0, 0.0], [1.0, 3.0, -1.0], [0.0, -1.0, 4.0]])
    f = lambda x: 0.5 * x @ a @ x
    np.testing.assert_allclose(hessian(f)(np.array([0.3, -1.0, 2.0])), a)


def test_hessian_of_a_second_argument():
    f = lambda a, b: np.sum(a * b ** 3)   # d²/db² = diag(6ab)
    a, b = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    np.testing.assert_allclose(hessian(f, argnum=1)(a, b), np.diag(6 * a * b))


def test_the_public_api_works_without_ipython():
    # Block IPython's import in a fresh interpreter: the engine must not need it.
    code = ("import sys; sys.modules['IPython'] = None; import admagic; "
            "assert admagic.grad(lambda x: x * x)(3.0) == 6.0")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_nested_reverse_mode_gives_zero_not_nan_past_the_degree_of_a_power_at_zero():
    # d³/dx³ x² = 0 and d⁴/dx⁴ x³ = 0 everywhere; at 0 the rule's 0 · 0**-1 must not become nan.
    from admagic import grad
    third = grad(grad(grad(lambda x: x ** 2)))
    fourth = grad(grad(grad(grad(lambda x: x ** 3))))
    assert third(0.0) == 0.0 and fourth(0.0) == 0.0
    assert grad(grad(lambda x: x ** 3))(2.0) == 12.0


# ---- derivative refuses what it can't promise; empty inputs ------------------------------------

@pytest.mark.parametrize("f, x, order", [
    (lambda w: w[0] * w[1], np.array([2.0, 3.0]), 2),           # Hessian [[0, 1], [1, 0]]
    (lambda w: np.cumsum(w), np.array([1.0, 2.0]), 1),           # output 1 reads input 0
    (lambda w: w * np.sum(w), np.array([1.0, 2.0, 0.5]), 2),
    (lambda w: np.sum(w ** 2) * w[0], np.array([1.0, 2.0]), 3),
])
def test_derivative_refuses_a_function_that_mixes_elements_and_points_to_jacobian_or_hessian(
        f, x, order):
    with pytest.raises(TypeError, match="hessian" if order == 2 else "jacobian"):
        derivative(f, order=order)(x)


def test_derivative_of_a_sum_of_elementwise_terms_is_each_elements_own_derivative():
    # f = Σ sin(wᵢ) + wᵢ⁴: ∂³f/∂wᵢ³ = -cos(wᵢ) + 24 wᵢ, the diagonal of the third derivative
    w = np.array([0.3, -0.9, 1.7])
    got = derivative(lambda w: np.sum(np.sin(w) + w ** 4), order=3)(w)
    np.testing.assert_allclose(got, -np.cos(w) + 24 * w, rtol=1e-12)


def test_derivative_of_one_element_array_is_never_refused():
    assert derivative(lambda w: w * w[0], order=2)(np.array([3.0])) == pytest.approx([2.0])


@pytest.mark.parametrize("shape", [(0,), (0, 3), (2, 0)])
def test_jacobian_of_an_empty_input_is_empty_of_the_right_shape(shape):
    w = np.zeros(shape)
    assert jacobian(lambda w: w * 2.0)(w).shape == shape + shape
    assert grad(lambda w: np.sum(w ** 2))(w).shape == shape
    assert jacobian(lambda w: np.ones(2) * np.sum(w))(w).shape == (2,) + shape


ELEMENTWISE = {"sin·x": lambda x: np.sin(x) * x, "exp-tanh": lambda x: np.exp(np.tanh(x)),
               "cubic": lambda x: x ** 3 - 2 * x}
# each has a mixed partial of every order 1 to 3 that is not 0 where x > 0
MIXING = {"w·w[0]³": lambda x: x * x[0] ** 3, "reversed": lambda x: np.exp(x[::-1]) * x,
          "sum-scaled": lambda x: x * np.sum(x ** 3)}


@settings(max_examples=25, deadline=None)
@given(shape=array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=3),
       name=st.sampled_from(sorted(ELEMENTWISE)), order=st.integers(1, 3),
       seed=st.integers(0, 2**32 - 1))
def test_derivative_of_an_elementwise_function_over_shapes_is_never_refused(shape, name, order,
                                                                             seed):
    x = np.random.default_rng(seed).uniform(-1.5, 1.5, shape)
    f = ELEMENTWISE[name]
    got = derivative(f, order=order)(x)
    assert np.shape(got) == shape
    for index in np.ndindex(*shape):  # element by element, as a function of one number
        one = derivative(f, order=order)(float(x[index]))
        assert got[index] == pytest.approx(one, rel=1e-9, abs=1e-12)


@settings(max_examples=25, deadline=None)
@given(size=st.integers(2, 6), name=st.sampled_from(sorted(MIXING)), order=st.integers(1, 3),
       seed=st.integers(0, 2**32 - 1))
def test_derivative_of_a_function_that_mixes_elements_is_always_refused(size, name, order, seed):
    x = np.random.default_rng(seed).uniform(0.5, 1.5, size)  # away from where a mixed term is 0
    with pytest.raises(TypeError, match="mixes the elements"):
        derivative(MIXING[name], order=order)(x)
