"""`admagic.derivative_table`: the two ways a cell's derivatives are taken agree with each other and with
closed forms; sizes over the limit are not computed; empty tensors; the cost limit."""

import contextlib
import math

import numpy as np
import pytest

from admagic.derivative_table import NESTED_REVERSE_BUDGET, _Blocks, nested_reverse, taylor_mode, too_costly
from admagic.result import NotComputed
from admagic.taylor import MAX_ORDER
from admagic.tape import Tape
from admagic.traced import new_leaf


@contextlib.contextmanager
def recorded(f, inputs, levels):
    """f traced on `levels` nested tapes, still recording: (outputs, leaves) as the engine takes
    them (its sweeps must be recorded by the tapes further out)."""
    with contextlib.ExitStack() as stack:
        leaves = []
        for _ in range(levels):
            tape = stack.enter_context(Tape(persistent=True, watch_accessed_variables=False))
            leaves.append({n: new_leaf(tape, leaves[-1][n] if leaves else v)
                           for n, v in inputs.items()})
        yield f(**leaves[-1]), leaves


def _sin_times_exp(x):
    return {"y": np.sin(x) * np.exp(x)}


def _closed_form(x, k):
    # (sin x · e^x)^(k) = 2^(k/2) e^x sin(x + kπ/4)
    return 2 ** (k / 2) * np.exp(x) * np.sin(x + k * np.pi / 4)


@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_nested_reverse_and_taylor_mode_agree_with_the_closed_form(order):
    x = 0.6
    with recorded(_sin_times_exp, {"x": x}, order) as (outputs, leaves):
        nested, _ = nested_reverse(outputs, leaves, order, 100)
    with recorded(_sin_times_exp, {"x": x}, 1) as (outputs, leaves):
        by_taylor, coefficients = taylor_mode(outputs, leaves[0], order, 100)
    for k in range(1, order + 1):
        key = ("y", ("x",) * k)
        assert nested[key] == pytest.approx(_closed_form(x, k), rel=1e-12)
        assert by_taylor[key] == pytest.approx(_closed_form(x, k), rel=1e-12)
        assert coefficients["y"][k] == pytest.approx(_closed_form(x, k) / math.factorial(k))


def test_mixed_partials_are_taken_once_in_the_inputs_order():
    z = lambda x, y: {"z": x ** 2 * y ** 3}  # noqa: E731
    with recorded(z, {"x": 2.0, "y": 1.5}, 2) as (outputs, leaves):
        found, _ = nested_reverse(outputs, leaves, 2, 100)
    assert set(found) == {("z", ("x",)), ("z", ("y",)), ("z", ("x", "x")), ("z", ("x", "y")),
                          ("z", ("y", "y"))}
    assert found[("z", ("x", "y"))] == pytest.approx(6 * 2.0 * 1.5 ** 2)


def test_a_derivative_over_the_size_limit_and_those_above_it_are_not_computed():
    with recorded(lambda w: {"v": w * 2.0}, {"w": np.ones(5)}, 2) as (outputs, leaves):
        found, _ = nested_reverse(outputs, leaves, 2, 30)
    np.testing.assert_array_equal(found[("v", ("w",))], 2 * np.eye(5))  # 25 numbers
    assert isinstance(found[("v", ("w", "w"))], NotComputed)             # 125
    assert found[("v", ("w", "w"))].shape == (5, 5, 5)


def test_blocks_of_an_empty_tensor_are_an_empty_array_of_the_full_shape():
    assert _Blocks((0,), [], (3,)).value().shape == (0, 3)
    assert _Blocks((2, 0), [], (0,)).traced().shape == (2, 0, 0)


def test_the_cost_limit_grows_with_fewer_inputs_and_names_the_highest_order():
    highest = {n: max(k for k in range(1, 30) if too_costly(n, k) is None) for n in (1, 2, 3, 5)}
    assert highest == {1: 11, 2: 9, 3: 8, 5: 7}
    for n, k in highest.items():
        assert math.comb(n + k, k) * 2.8 ** k <= NESTED_REVERSE_BUDGET
        assert f"highest order admagic computes is {k}" in too_costly(n, k + 1)
    assert str(MAX_ORDER) in too_costly(2, 10**6)
