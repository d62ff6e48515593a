"""Variables and tensors given in float32 (or float16) have gradients in that dtype, as in
TensorFlow and PyTorch, and as `grad` gives them; the derivative itself is worked out in float64
(nested tapes keep every digit), and only the answer handed back is rounded, once."""

import numpy as np
import pytest

import admagic as am

X32 = np.array([0.1, 0.7, -1.3], dtype=np.float32)


def _central_difference(f, x, h=1e-6):
    """d(sum f)/dx elementwise, by central differences in float64 (f is elementwise)."""
    x = np.asarray(x, dtype=np.float64)
    return (f(x + h) - f(x - h)) / (2 * h)


def _exact_first(x):  # d/dx (sin(x) * x)
    x = np.asarray(x, dtype=np.float64)
    return np.cos(x) * x + np.sin(x)


def _exact_second(x):  # d2/dx2 (sin(x) * x)
    x = np.asarray(x, dtype=np.float64)
    return 2 * np.cos(x) - np.sin(x) * x


def test_the_closed_forms_agree_with_float64_finite_differences():
    # the truth the tests below round, checked itself against independent numbers
    f = lambda v: np.sin(v) * v  # noqa: E731
    np.testing.assert_allclose(_exact_first(X32), _central_difference(f, X32), rtol=1e-8)
    np.testing.assert_allclose(_exact_second(X32), _central_difference(_exact_first, X32), rtol=1e-8)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_tape_gradient_of_a_low_precision_variable_has_its_dtype_and_float64_digits(dtype):
    x = am.Variable(X32.astype(dtype))
    with am.Tape() as tape:
        y = np.sum(np.sin(x) * x)
    g = tape.gradient(y, x).numpy()
    assert g.dtype == dtype
    np.testing.assert_array_equal(g, _exact_first(X32.astype(dtype)).astype(dtype))


def test_tape_gradient_of_a_float32_scalar_variable_is_a_float32_scalar():
    x = am.Variable(np.float32(0.7))
    with am.Tape() as tape:
        y = np.sin(x) * x
    g = tape.gradient(y, x).numpy()
    assert type(g) is np.float32 and g == np.float32(_exact_first(np.float32(0.7)))


def test_a_float32_variable_reads_back_as_float32_and_a_float64_one_is_unchanged():
    assert am.Variable(X32).numpy().dtype == np.float32
    np.testing.assert_array_equal(am.Variable(X32).numpy(), X32)
    x = am.Variable(np.array([0.1, 0.7]))
    with am.Tape() as tape:
        y = np.sum(x * x)
    assert tape.gradient(y, x).numpy().dtype == np.float64


def test_nested_tapes_on_a_float32_variable_keep_float64_digits_until_the_answer():
    x = am.Variable(X32)
    with am.Tape() as outer:
        with am.Tape() as inner:
            y = np.sum(np.sin(x) * x)
        first = inner.gradient(y, x)  # traced by the outer tape: not rounded
        total = np.sum(first)
    second = outer.gradient(total, x).numpy()
    assert second.dtype == np.float32
    np.testing.assert_array_equal(second, _exact_second(X32).astype(np.float32))


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_backward_fills_a_low_precision_tensors_grad_in_its_dtype(dtype):
    t = am.tensor(X32.astype(dtype), requires_grad=True)
    np.sum(np.sin(t) * t).backward()
    assert t.grad.dtype == dtype
    np.testing.assert_array_equal(t.grad, _exact_first(X32.astype(dtype)).astype(dtype))


def test_backward_accumulates_a_float32_grad_in_float32():
    t = am.tensor(np.float32(0.7), requires_grad=True)
    (t * t).backward()
    (np.sin(t) * t).backward()
    x = float(np.float32(0.7))
    assert type(t.grad) is np.float32
    # the first gradient rounded, then the sum rounded: PyTorch keeps .grad in float32 too
    assert t.grad == np.float32(float(np.float32(2 * x)) + _exact_first(x))


def test_a_float32_value_says_float32_and_shows_its_own_digits():
    v = am.Variable(np.float32(0.7))
    t = am.tensor(np.array([0.7, 1.5], dtype=np.float32), requires_grad=True)
    assert v.dtype == np.float32 and t.dtype == np.float32
    assert repr(v) == "Variable(0.7)"  # float32's shortest digits, not 0.699999988079071
    assert repr(t) == "tensor(array([0.7, 1.5], dtype=float32), requires_grad=True)"
    assert am.Variable(3.0).dtype == np.float64 and repr(am.Variable(3.0)) == "Variable(3.0)"
