"""`admagic.formatting`: every float, array and integer is shown as a short number that reads back
as the true value to about four significant digits, and never crashes the table."""

import decimal
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from admagic.cell import differentiate
from admagic.formatting import format_number, format_value

RELATIVE = decimal.Decimal("5e-4")  # half a unit in the fourth significant digit, relative to |x|


def assert_shows(x, text):
    """`text` is a plain number that reads back as `x` to within the precision it displays."""
    assert text == text.strip() and " " not in text, text
    if math.isnan(x):
        assert text == "nan"
        return
    shown = float(text)  # parses as a plain number, or this raises
    if math.isinf(x):
        assert shown == x
        return
    exact = decimal.Decimal(x)  # exact, also for subnormals: no rounding in the check itself
    error = abs(decimal.Decimal(text) - exact)
    assert error <= RELATIVE * abs(exact), f"{x!r} shown as {text!r}"
    if x != 0:
        assert text.startswith("-") == (x < 0), f"{x!r} shown with the wrong sign as {text!r}"


def assert_in_order(xs):
    """Neighbours in order are shown in order: rounding may merge them, never swap them."""
    shown = [float(format_number(x)) for x in xs]
    assert shown == sorted(shown), list(zip(xs, shown))


def test_a_number_just_under_one_ten_thousandth_shows_instead_of_crashing():
    # f"{x:.4g}" writes 0.99999e-4 as "0.0001", with no "e" to split on.
    assert format_number(0.99999e-4) == "0.0001"
    assert format_number(-0.99999e-4) == "-0.0001"
    assert format_number(0.99999e-4 * 1e-10) == "1e-14"


def test_the_table_shows_a_cell_whose_value_is_just_under_one_ten_thousandth():
    res = differentiate("y = 0.99999e-4 * x", {"x": 1.0}, graph=False)
    assert res["dy/dx"] == 0.99999e-4
    assert "0.0001" in str(res) and "0.0001" in res._repr_html_()


def test_the_graph_labels_an_intermediate_value_just_under_one_ten_thousandth():
    res = differentiate("v = 0.99999e-4 * x\ny = v * v", {"x": 1.0})
    assert "0.0001" in res.graph.source  # in the label of v


@pytest.mark.parametrize("x, text", [
    (6.000000000000001, "6"), (2 / 3, "0.6667"), (12345.67, "12346"), (9999.7, "10000"),
    (1.5e-7, "1.5e-7"),
    (-2.5e9, "-2.5e9"), (-0.0, "0"), (0.0, "0"), (float("inf"), "inf"), (float("-inf"), "-inf"),
    (5e-324, "4.941e-324"), (1e-4, "0.0001"), (999999.7, "1000000"), (1e6, "1e6"),
    pytest.param(10**400, "1e400", id="10**400"), (-(10**7) + 1, "-1e7"), (123456, "123456"),
    (True, "True"),
    (np.float32(0.1), "0.1"), (np.int64(-3), "-3"), (np.array(2.5), "2.5"), (2 - 3j, "2-3j"),
])
def test_numbers_read_as_a_student_would_write_them(x, text):
    assert format_number(x) == text


@settings(max_examples=2000, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True))
def test_every_float_is_shown_as_a_number_that_reads_back_as_itself(x):
    assert_shows(x, format_number(x))


@settings(max_examples=300, deadline=None)
@given(st.floats(width=32, allow_subnormal=True))
def test_every_float32_reads_back_as_itself(x):
    assert_shows(float(np.float32(x)), format_number(np.float32(x)))


@settings(max_examples=500, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False), st.integers(1, 4))
def test_neighbouring_floats_are_never_shown_out_of_order(x, steps):
    xs = [x]
    with np.errstate(over="ignore"):  # the largest float's neighbour is inf
        for _ in range(steps):
            xs.append(float(np.nextafter(xs[-1], math.inf)))
    assert_in_order(xs)


@settings(max_examples=300, deadline=None)
@given(st.integers(-(10**500), 10**500))
def test_every_integer_reads_back_as_itself(n):
    text = format_number(n)
    error = abs(decimal.Decimal(text) - n)
    assert error <= RELATIVE * abs(n), (n, text)


def _around(centre, steps=3):
    """`centre` and its `steps` float neighbours on each side, in increasing order."""
    below, above = [centre], [centre]
    for _ in range(steps):
        below.append(float(np.nextafter(below[-1], -math.inf)))
        above.append(float(np.nextafter(above[-1], math.inf)))
    return below[:0:-1] + above


def test_every_power_of_ten_and_every_rounding_boundary_reads_back_and_keeps_order():
    # The form of the text changes where rounding to four digits crosses a power of ten: at
    # 9.9995 * 10**k (where 9.999e.. becomes 1e..), and at 10**k itself. Check both sides of each.
    for k in range(-330, 310):
        for centre in (f"1e{k}", f"9.9995e{k - 1}", f"9.99949999e{k - 1}"):
            xs = [x for x in _around(float(centre)) if math.isfinite(x) and x != 0]
            for x in xs + [-x for x in xs]:
                assert_shows(x, format_number(x))
            assert_in_order(xs)
            assert_in_order([-x for x in reversed(xs)])


def test_the_edges_of_the_plain_integer_form_keep_order():
    for centre in (1e4, 9999.95, 999999.5, 1e6, 1e-4):
        xs = _around(centre, steps=5)
        for x in xs:
            assert_shows(x, format_number(x))
        assert_in_order(xs)


float64_arrays = hnp.arrays(
    np.float64, hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4),
    elements=st.floats(allow_subnormal=True))


@settings(max_examples=300, deadline=None)
@given(float64_arrays)
def test_every_float64_array_is_shown_with_its_shape_and_its_items_read_back(a):
    text = format_value(a)
    if a.ndim == 0:
        assert_shows(float(a), text)
        return
    assert text.startswith(f"array{a.shape} [") and text.endswith("]")
    items = text[len(f"array{a.shape} ["):-1]
    shown = items.split(", ") if items else []
    flat = a.ravel()
    if flat.size <= 4:
        expected = list(flat)
    else:  # the first three, an ellipsis, the last
        assert shown[3] == "…"
        expected, shown = [*flat[:3], flat[-1]], shown[:3] + shown[4:]
    assert len(shown) == len(expected)
    for x, item in zip(expected, shown):
        assert_shows(float(x), item)
