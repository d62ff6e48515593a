"""NumPy's options given by position: ``np.var(w, None, None, None, 1)`` is ``np.var(w, ddof=1)``,
and ``np.var(w, None, None, out)`` is ``np.var(w, out=out)``. Both rule tables read options by
name, so the arguments from ``out`` on become keywords at the call (`keywords.py`): the derivative is
the same whichever way an option is written, in reverse and in Taylor mode, and ``out`` is refused
however it is given. Checked against central differences of the plain NumPy call."""

import numpy as np
import pytest

import admagic as am
from admagic.cell import differentiate

W = np.array([[1.0, 2.0, 4.0], [0.5, -1.0, 3.0]])  # no ties, away from 0 and from the clip bounds
V = np.array([[1.0, 0.5, -1.0], [0.3, 0.2, -0.7]])  # the direction Taylor mode moves along

CALLS = {
    "np.sum(w, 0, None, None, True)":         lambda w: np.sum(w, 0, None, None, True),
    "np.sum(w, 1, None, None, False, 2.0)":   lambda w: np.sum(w, 1, None, None, False, 2.0),
    "np.mean(w, 1, None, None, True)":        lambda w: np.mean(w, 1, None, None, True),
    "np.var(w, None, None, None, 1)":         lambda w: np.var(w, None, None, None, 1),
    "np.var(w, 0, None, None, 1, True)":      lambda w: np.var(w, 0, None, None, 1, True),
    "np.std(w, 1, None, None, 1)":            lambda w: np.std(w, 1, None, None, 1),
    "np.prod(w, 0, None, None, False, 2.0)":  lambda w: np.prod(w, 0, None, None, False, 2.0),
    "np.max(w, 1, None, True)":               lambda w: np.max(w, 1, None, True),
    "np.min(w, None, None, False, -5.0)":     lambda w: np.min(w, None, None, False, -5.0),
    "np.min(w, 0, None, False, 10.0)":        lambda w: np.min(w, 0, None, False, 10.0),
    "np.cumsum(w, 1, None, None)":            lambda w: np.cumsum(w, 1, None, None),
    "np.trace(w, 0, 0, 1, None, None)":       lambda w: np.trace(w, 0, 0, 1, None, None),
    "np.clip(w, 0.0, 2.5, None)":             lambda w: np.clip(w, 0.0, 2.5, None),
    "np.round(w, 1, None) * 0 + w":           lambda w: np.round(w, 1, None) * 0 + w,
}


def along(f):
    """t -> Σ f(W + t·V): one number of one number, for Taylor mode and for the differences."""
    return lambda t: np.sum(f(W + t * V))


def central(g, order, h=1e-3):
    if order == 1:
        return (g(h) - g(-h)) / (2 * h)
    return (g(h) - 2 * g(0.0) + g(-h)) / h ** 2


@pytest.mark.parametrize("written", list(CALLS))
def test_options_given_by_position_give_the_derivative_in_reverse_mode(written):
    f = CALLS[written]
    gradient = am.grad(lambda w: np.sum(f(w)))(W)
    assert np.sum(gradient * V) == pytest.approx(central(along(f), 1), rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("written", list(CALLS))
def test_options_given_by_position_give_the_derivatives_in_taylor_mode(written, order):
    f = CALLS[written]
    assert am.derivative(along(f), order=order)(0.0) == pytest.approx(
        central(along(f), order), rel=1e-4, abs=1e-6)


OUT_CALLS = {
    "np.var(w, None, None, out)":  lambda w, out: np.var(w, None, None, out),
    "np.std(w, None, None, out)":  lambda w, out: np.std(w, None, None, out),
    "np.mean(w, None, None, out)": lambda w, out: np.mean(w, None, None, out),
    "np.sum(w, None, None, out)":  lambda w, out: np.sum(w, None, None, out),
    "np.max(w, None, out)":        lambda w, out: np.max(w, None, out),
}


@pytest.mark.parametrize("written", list(OUT_CALLS))
def test_out_given_by_position_is_refused_in_both_modes_as_out_is(written):
    f, out = OUT_CALLS[written], np.empty(())
    name = written.split("(")[0]
    message = rf"{name}\(\.\.\., out=\.\.\.\) isn't supported"
    with pytest.raises(TypeError, match=message):
        am.grad(lambda w: f(w, out))(W)
    with pytest.raises(TypeError, match=message):
        am.derivative(lambda t: f(W + t * V, out), order=2)(0.0)
    assert out.shape == ()  # and nothing was computed into it with a traced value


def test_a_cell_with_ddof_by_position_at_order_2_is_right():
    """y = var(x·v, ddof=1) = x²·var(v, ddof=1): dy/dx = 2x·s², d²y/dx² = 2s², by Taylor mode."""
    v = np.array([1.0, 0.5, -1.0])
    s2 = np.var(v, ddof=1)
    res = differentiate("y = np.var(x * v, None, None, None, 1)", {"x": 3.0},
                        namespace={"np": np, "v": v}, order=2, graph=False)
    assert res.method == "Taylor mode"
    assert res["dy/dx"] == pytest.approx(6 * s2, rel=1e-14)
    assert res["d2y/dx2"] == pytest.approx(2 * s2, rel=1e-14)
