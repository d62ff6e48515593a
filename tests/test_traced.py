"""Traced values: Python operators, NumPy's protocols, control flow, formatting and conversions.

Derivatives are checked with `check_grads` (finite differences) or against closed forms worked out
in the comments; errors are checked for what they tell the student to write instead.
"""

import math
import operator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

from admagic import Tape, Traced, Variable, constant, grad, jacobian, tensor, value_and_grad
from admagic.testing import check_grads

# ---- operators, with Python numbers and NumPy arrays on either side ---------------------------

OPERATORS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
             "**": operator.pow}
OTHERS = {
    "int": 3,
    "float": 1.5,
    "numpy-float64": np.float64(1.5),
    "0-d-array": np.array(1.5),
    "array": np.array([0.5, 1.5, 2.5]),
}


@pytest.mark.parametrize("op", OPERATORS)
@pytest.mark.parametrize("other", OTHERS)
def test_operator_with_the_traced_value_on_the_left(op, other):
    x = np.array([0.7, 1.3, 2.1]) if np.ndim(OTHERS[other]) else 1.3
    check_grads(lambda x: OPERATORS[op](x, OTHERS[other]), x)


@pytest.mark.parametrize("op", OPERATORS)
@pytest.mark.parametrize("other", OTHERS)
def test_operator_with_the_traced_value_on_the_right(op, other):
    x = np.array([0.7, 1.3, 2.1]) if np.ndim(OTHERS[other]) else 1.3
    check_grads(lambda x: OPERATORS[op](OTHERS[other], x), x)


@pytest.mark.parametrize("op", OPERATORS)
def test_operator_between_two_traced_values(op):
    check_grads(lambda x, y: OPERATORS[op](x, y), 1.3, 0.6, argnum=(0, 1))


def test_matmul_operator_with_an_array_on_either_side():
    a = np.array([[1.0, 2.0], [0.5, -1.0]])
    check_grads(lambda w: a @ w, np.array([[0.3, 0.1], [0.2, -0.4]]))
    check_grads(lambda w: w @ a, np.array([[0.3, 0.1], [0.2, -0.4]]))
    check_grads(lambda v: v @ a @ v, np.array([0.3, -0.7]))


def test_unary_minus_abs_and_pow():
    assert grad(lambda x: -x)(2.0) == -1.0
    assert grad(lambda x: abs(x))(-2.0) == -1.0
    assert grad(lambda x: pow(x, 3))(2.0) == 12.0            # 3x²
    assert grad(lambda x: pow(2.0, x))(1.0) == pytest.approx(2.0 * np.log(2.0))


def test_builtin_sum_of_a_list_of_traced_values():
    assert grad(lambda x: sum([x, x * x, 1.0]))(3.0) == 7.0    # 1 + 2x


def test_operators_give_the_same_values_as_plain_numpy():
    w = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
    f = lambda w: (2.0 - w) * w / 3.0 + w ** 2 - np.ones(2) @ w
    value, _ = value_and_grad(lambda w: np.sum(f(w)))(w)
    assert value == np.sum(f(w))


@settings(max_examples=25, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
       op=st.sampled_from(["+", "-", "*", "/"]), traced_on_left=st.booleans(),
       seed=st.integers(0, 2**32 - 1))
def test_operators_broadcast_against_arrays_of_any_compatible_shape(shapes, op, traced_on_left, seed):
    (x_shape, other_shape), _ = shapes
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.5, 2.0, x_shape)
    other = rng.uniform(0.5, 2.0, other_shape)
    if traced_on_left:
        check_grads(lambda x: OPERATORS[op](x, other), x)
    else:
        check_grads(lambda x: OPERATORS[op](other, x), x)


# ---- shapes, indexing and slicing ------------------------------------------------------------------

def test_shape_ndim_size_and_len_read_the_value():
    seen = {}

    def f(w):
        seen.update(shape=w.shape, ndim=w.ndim, size=w.size, len=len(w), T=w.T.shape)
        return np.sum(w)

    grad(f)(np.ones((2, 3)))
    assert seen == {"shape": (2, 3), "ndim": 2, "size": 6, "len": 2, "T": (3, 2)}


def test_len_of_a_traced_scalar_raises_type_error():
    with pytest.raises(TypeError, match="len"):
        grad(lambda x: len(x))(1.0)


def test_indexing_and_slicing_pick_out_the_derivative():
    w = np.arange(6.0).reshape(2, 3)
    # d/dw of w[1, 2]: one at (1, 2).
    np.testing.assert_array_equal(grad(lambda w: w[1, 2])(w), [[0, 0, 0], [0, 0, 1]])
    # d/dw of sum(w[:, 1:]²) = 2w on columns 1 and 2.
    np.testing.assert_array_equal(grad(lambda w: np.sum(w[:, 1:] ** 2))(w),
                                  [[0, 2, 4], [0, 8, 10]])
    check_grads(lambda w: w[::-1, [0, 0, 2]] * w[0], w)


def test_transpose_attribute_and_iteration_over_rows():
    w = np.array([[1.0, 2.0], [3.0, 4.0]])
    check_grads(lambda w: w.T * w, w)
    np.testing.assert_array_equal(grad(lambda w: sum(row[0] for row in w))(w), [[1, 0], [1, 0]])


def test_clip_method_takes_the_bounds_by_position():
    np.testing.assert_array_equal(grad(lambda w: np.sum(w.clip(0.0, 2.0)))(np.array([-1.0, 1.0, 3.0])),
                                  [0.0, 1.0, 0.0])


def test_clip_method_takes_numpys_keyword_names():
    np.testing.assert_array_equal(grad(lambda w: np.sum(w.clip(max=2.0)))(np.array([1.0, 3.0])),
                                  [1.0, 0.0])


def test_writing_into_a_traced_array_raises_type_error_suggesting_np_where():
    def f(w):
        w[0] = 1.0
        return np.sum(w)
    with pytest.raises(TypeError, match=r"np\.where"):
        grad(f)(np.ones(2))


# ---- comparisons and control flow ------------------------------------------------------------------

def test_comparisons_give_plain_booleans():
    seen = []

    def f(x):
        seen.extend([x > 1, x < 1, x >= 2, x <= 2, x == 2, x != 2])
        return x

    grad(f)(2.0)
    assert seen == [True, False, True, True, True, False]
    assert all(isinstance(b, (bool, np.bool_)) for b in seen)


def test_array_comparisons_give_plain_boolean_arrays():
    seen = []
    grad(lambda w: (seen.append(w > 0), np.sum(w))[1])(np.array([-1.0, 2.0]))
    assert type(seen[0]) is np.ndarray and seen[0].dtype == bool
    np.testing.assert_array_equal(seen[0], [False, True])


def test_if_picks_the_branch_by_value():
    def f(x):
        if x > 0:
            return x * x   # 2x
        return -3.0 * x    # -3
    assert grad(f)(3.0) == 6.0
    assert grad(f)(-1.0) == -3.0


def test_while_loop_runs_on_values():
    def f(x):
        y = x
        while y < 100.0:
            y = y * x
        return y
    # At x = 3 the loop stops at y = 3⁵ = 243, so dy/dx = 5x⁴ = 405.
    assert grad(f)(3.0) == 405.0


def test_for_loop_over_a_count_from_the_value_after_reading_it_with_item():
    def f(x):
        y = 1.0
        for _ in range(int(x.item())):
            y = y * x
        return y
    assert grad(f)(3.0) == 27.0   # x³ at 3: 3x² = 27


# ---- formatting and printing -----------------------------------------------------------------------

def test_format_and_print_show_the_value(capsys):
    shown = []

    def f(x):
        y = x * x
        shown.append(f"{y:.3f}")
        print(y)
        return y

    grad(f)(1.5)
    assert shown == ["2.250"]
    assert capsys.readouterr().out.strip() == "2.25"


# ---- inputs: integers are promoted, complex numbers refused ----------------------------------

def test_integer_inputs_are_promoted_to_float64():
    dtypes = []
    grad(lambda x: (dtypes.append(x.dtype), x * x)[1])(3)
    grad(lambda w: (dtypes.append(w.dtype), np.sum(w / 2))[1])(np.array([1, 2]))
    assert dtypes == [np.float64, np.float64]
    assert grad(lambda x: x / 2)(3) == 0.5       # not integer division
    assert Variable(3).numpy() == 3.0 and isinstance(Variable(3).numpy(), float)
    assert tensor(np.array([1, 2])).numpy().dtype == np.float64


@pytest.mark.parametrize("make", [
    lambda: grad(lambda x: x * x)(1 + 2j),
    lambda: grad(lambda w: np.sum(w))(np.array([1.0 + 1j, 2.0])),
    lambda: Variable(1j),
    lambda: constant(np.array([1j])),
    lambda: tensor(2j, requires_grad=True),
], ids=["grad-complex", "grad-complex-array", "Variable", "constant", "tensor"])
def test_complex_inputs_raise_a_clear_type_error(make):
    with pytest.raises(TypeError, match="Complex numbers are not supported"):
        make()


def test_boolean_and_text_inputs_raise_type_error():
    with pytest.raises(TypeError, match="boolean"):
        grad(lambda x: x)(True)
    with pytest.raises(TypeError, match="number"):
        grad(lambda x: x)("3")


# ---- conversions that would drop the derivative ----------------------------------------------

FLOAT_ADVICE = r"np\.sin\(x\)"
LIST_ADVICE = r"np\.sum\(np\.array\(\[x, y\]\)\) for np\.sum\(\[x, y\]\)"

CONVERSIONS = {
    "float": (lambda x: float(x), "float()", FLOAT_ADVICE),
    "int": (lambda x: int(x), "int()", FLOAT_ADVICE),
    "math.sin": (lambda x: math.sin(x), "", FLOAT_ADVICE),
    # np.array([x, y]) and np.sum([x, y]) work while a tape records (tests/test_arrays.py); a ufunc
    # still can't see traced values inside a list.
    "np.sin-of-a-list": (lambda x: np.sin([x, x * 2]), r"np\.array\(\)/np\.asarray\(\)", LIST_ADVICE),
}


@pytest.mark.parametrize("name", CONVERSIONS)
def test_conversion_inside_grad_raises_type_error_saying_what_to_write(name):
    convert, what, advice = CONVERSIONS[name]
    with pytest.raises(TypeError, match=f"(?s){what}.*drop the derivative.*{advice}"):
        grad(lambda x: convert(x * 1.0))(2.0)


@pytest.mark.parametrize("name", CONVERSIONS)
def test_conversion_inside_a_tape_raises_type_error_saying_what_to_write(name):
    convert, what, advice = CONVERSIONS[name]
    x = Variable(2.0)
    with Tape():
        y = x * x
        with pytest.raises(TypeError, match=f"(?s){what}.*drop the derivative.*{advice}"):
            convert(y)
        with pytest.raises(TypeError, match=f"(?s){what}.*drop the derivative.*{advice}"):
            convert(x)   # x is watched now that the tape has used it


@pytest.mark.parametrize("name", ["float", "int"])
def test_conversion_of_a_variable_inside_a_tape_raises_even_before_its_first_use(name):
    convert, what, advice = CONVERSIONS[name]
    x = Variable(2.0)
    with Tape():
        with pytest.raises(TypeError, match="drop the derivative"):
            convert(x)


def test_after_the_tape_stops_values_convert_freely():
    x = Variable(2.0)
    w = Variable(np.array([1.0, 2.0]))
    with Tape():
        y = x * x
        v = w * 3.0
    assert float(y) == 4.0 and int(y) == 4 and math.sqrt(y) == 2.0
    assert y.numpy() == 4.0
    np.testing.assert_array_equal(np.asarray(v), [3.0, 6.0])
    np.testing.assert_array_equal(v.numpy(), [3.0, 6.0])
    np.testing.assert_array_equal(np.array([y, y]), [4.0, 4.0])
    assert float(x) == 2.0


def test_numpy_detaches_on_purpose_inside_a_trace():
    # .numpy() is the documented way to read the number; the result is a constant.
    assert grad(lambda x: x * x.numpy())(3.0) == 3.0


def test_nothing_traced_leaks_out_of_grad_or_jacobian():
    results = [grad(lambda x: x * x)(2.0), grad(lambda w: np.sum(w * w))(np.ones(2)),
               jacobian(lambda w: w * 2.0)(np.ones(2)), value_and_grad(np.sin)(0.3)[0]]
    assert not any(isinstance(r, Traced) for r in results)


# ---- Python floats take math/operator twins of the primitives: they must agree with NumPy -----

EDGES = [
    ("1/0", np.divide, 1.0, 0.0), ("-1/0", np.divide, -1.0, 0.0), ("0/0", np.divide, 0.0, 0.0),
    ("log 0", np.log, 0.0), ("log -1", np.log, -1.0), ("sqrt -1", np.sqrt, -1.0),
    ("(-8)^(1/3)", np.power, -8.0, 1.0 / 3.0), ("0^-1", np.power, 0.0, -1.0),
    ("10^400", np.power, 10.0, 400.0), ("(-2)^3", np.power, -2.0, 3.0),
    ("exp 1000", np.exp, 1000.0), ("cosh 1000", np.cosh, 1000.0), ("sinh -1000", np.sinh, -1000.0),
    ("1e200 squared", np.multiply, 1e200, 1e200), ("int exponent", np.power, 1.5, 2),
]


@pytest.mark.parametrize("primitive, a, rest", [(e[1], e[2], e[3:]) for e in EDGES],
                         ids=[e[0] for e in EDGES])
def test_python_floats_give_what_numpy_gives_even_at_the_edges(primitive, a, rest):
    with np.errstate(all="ignore"):
        expected = primitive(a, *rest)
        traced_first, _ = value_and_grad(lambda t: primitive(t, *rest))(a)
        values = [traced_first]
        if rest:  # and traced as the second argument
            values.append(value_and_grad(lambda t: primitive(a, t))(float(rest[0]))[0])
    for value in values:
        assert isinstance(value, float)  # never complex, as Python's own ** would make (-8) ** (1/3)
        np.testing.assert_allclose(value, expected, rtol=1e-15)


# ---- nothing is silently detached (issue 11, items 2 and 16) ----------------------------------


def test_full_like_with_a_traced_fill_value_passes_the_derivative_to_it():
    # sum(full_like(w, w[0])) = 3 * w[0], so the gradient is [3, 0, 0].
    w = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(grad(lambda w: np.sum(np.full_like(w, w[0])))(w), [3.0, 0.0, 0.0])
    np.testing.assert_allclose(grad(lambda w: np.sum(np.full_like(w, w[0], shape=(2, 2))))(w),
                               [4.0, 0.0, 0.0])
    check_grads(lambda w: np.full_like(w, w[1]) * w, w)


def test_full_like_with_a_plain_fill_value_is_a_constant():
    assert np.all(grad(lambda w: np.sum(np.full_like(w, 7.0) * w))(np.ones(2)) == 7.0)


def test_full_like_of_an_integer_array_with_a_traced_fill_is_refused():
    with pytest.raises(TypeError, match=r"fill_value \* np\.ones"):
        grad(lambda w: np.sum(np.full_like(w, w[0], dtype=int)))(np.ones(2))


def test_tolist_inside_grad_is_refused_saying_to_keep_an_array():
    with pytest.raises(TypeError, match=r"(?s)\.tolist\(\).*drop the derivative.*w\[0\]"):
        grad(lambda w: sum(w.tolist()))(np.array([1.0, 2.0]))


def test_tolist_after_the_tape_gives_the_plain_list():
    w = Variable(np.array([1.0, 2.0]))
    with Tape():
        v = w * 2.0
    assert v.tolist() == [2.0, 4.0]


def test_pow_with_a_modulus_is_refused_as_python_refuses_it_for_floats():
    with pytest.raises(TypeError):
        pow(3.0, 2, 5)  # Python's own refusal, which the traced value follows
    with pytest.raises(TypeError, match=r"modulus.*\(x \*\* 2\) % 5"):
        grad(lambda x: pow(x, 2, 5))(3.0)


def test_astype_float_is_the_value_itself_and_keeps_the_derivative():
    w = np.array([1.0, -2.0])
    np.testing.assert_allclose(grad(lambda w: np.sum(w.astype(float) ** 2))(w), 2 * w)
    np.testing.assert_allclose(grad(lambda w: np.sum(w.astype(np.float64) * 3.0))(w), [3.0, 3.0])


def test_astype_int_inside_grad_is_refused():
    with pytest.raises(TypeError, match=r"astype\(int64\).*drop the derivative"):
        grad(lambda w: np.sum(w.astype(int)))(np.array([1.0, 2.0]))


# ---- a traced value given by keyword (issue 11, item 11) -------------------------------------

KEYWORD_CALLS = {
    # f(w), and its gradient at w = [0.2, 0.4, 0.9] worked out by hand
    "np.sum(a=w)": (lambda w: np.sum(a=w), [1.0, 1.0, 1.0]),
    "np.mean(a=w)": (lambda w: np.mean(a=w), [1 / 3, 1 / 3, 1 / 3]),
    "np.clip(a=w, a_min=0, a_max=.5)": (lambda w: np.sum(np.clip(a=w, a_min=0, a_max=0.5)),
                                        [1.0, 1.0, 0.0]),
    "np.sum(a=w, axis=0)": (lambda w: np.sum(a=w, axis=0), [1.0, 1.0, 1.0]),
    "np.max(a=w)": (lambda w: np.max(a=w), [0.0, 0.0, 1.0]),
    "np.prod(w, keepdims=True)": (lambda w: np.prod(w, keepdims=True)[0], [0.36, 0.18, 0.08]),
}


@pytest.mark.parametrize("call", KEYWORD_CALLS)
def test_a_traced_array_given_by_keyword_is_differentiated(call):
    f, expected = KEYWORD_CALLS[call]
    np.testing.assert_allclose(grad(f)(np.array([0.2, 0.4, 0.9])), expected)


def test_a_traced_bound_given_by_keyword_is_differentiated():
    # clip(x, lo, hi) with hi traced: where x > hi the value is hi, so d/dhi counts those.
    f = lambda hi: np.sum(np.clip(np.array([0.1, 0.7, 0.9]), a_min=0.0, a_max=hi))
    assert grad(f)(0.5) == 2.0


def test_a_traced_value_for_a_keyword_only_parameter_is_refused_by_name():
    with pytest.raises(TypeError, match=r"np\.clip\(\.\.\., min=<traced value>\).*by position"):
        grad(lambda w: np.sum(np.clip(w, min=w[0])))(np.array([1.0, 2.0]))
    with pytest.raises(TypeError, match=r"initial=<traced value>"):
        grad(lambda w: np.sum(w, initial=w[0]))(np.array([1.0, 2.0]))


# ---- a traced value meeting a plain array (issue 11, item 16) ---------------------------------


def test_augmented_assignment_into_a_plain_array_says_to_write_a_new_value():
    def f(x):
        a = np.zeros(2)
        a += x
        return np.sum(a)
    with pytest.raises(TypeError, match=r"a \+= x.*a = a \+ x"):
        grad(f)(1.0)

    def g(x):
        a = np.ones(2)
        a *= x
        return np.sum(a)
    with pytest.raises(TypeError, match=r"a \*= x.*a = a \* x"):
        grad(g)(1.0)


def test_a_plain_arrays_dot_method_says_to_write_matmul():
    A = np.eye(2)
    with pytest.raises(TypeError, match=r"A @ x or np\.dot\(A, x\)"):
        grad(lambda w: np.sum(A.dot(w)))(np.ones(2))
    np.testing.assert_allclose(grad(lambda w: np.sum(A @ w))(np.ones(2)), [1.0, 1.0])


def test_statistics_mean_of_traced_values_says_to_use_numpy():
    import statistics

    with pytest.raises(TypeError, match=r"np\.mean\(np\.stack"):
        grad(lambda x: statistics.mean([x, 2 * x]))(1.0)
    # and what it suggests gives d/dx mean(x, 2x) = 3/2
    assert grad(lambda x: np.mean(np.stack([x, 2 * x])))(1.0) == 1.5
