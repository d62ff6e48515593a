"""Arrays built from traced values and lists of them given to NumPy's functions (arrays.py),
containers of inputs, outputs of size 1, and the Python builtins that mean mathematics: each
checked against finite differences or closed forms."""

import collections
import threading
import types
import zlib

import numpy as np
import pytest

import admagic as am
from admagic import arrays
from admagic.cell import differentiate
from admagic.tape import EAGER, Tape, current_tape
from admagic.taylor import derivatives
from admagic.testing import central_difference, check_grads, numerical_jacobian
from admagic.traced import DerivativeDroppedError, new_leaf

W = np.array([0.3, -1.1, 0.7])
M = np.array([[0.5, -0.2], [1.3, 0.4]])


def numpy_is_numpys_own():
    return (all(type(module) is types.ModuleType for module in arrays.MODULES)
            and all(getattr(np, name) is own for name, own in arrays.NUMPY.items()))


@pytest.fixture(autouse=True)
def _no_wrapper_leaks_out_of_any_test():
    assert numpy_is_numpys_own()
    yield
    assert numpy_is_numpys_own(), "a wrapper stayed on numpy after every tape ended"


# ---- np.array and friends, against finite differences (reverse mode, orders 1 and 2) -------------

def _det2(a):
    return a[0, 0] * a[1, 1] - a[0, 1] * a[1, 0]


SCALAR_IDIOMS = {
    "np.array of numbers": lambda x: np.sum(np.array([x, x * x, 2.0]) ** 2),
    "np.asarray of a tuple": lambda x: np.prod(np.asarray((x, np.sin(x), 3.0))),
    "np.asanyarray": lambda x: np.sum(np.asanyarray([np.exp(x), x]) ** 3),
    "nested lists": lambda x: np.sum(np.array([[x, 1.0], [2.0, x ** 2]]) @ np.array([1.5, -x])),
    "a 2x2 determinant": lambda x: _det2(np.array([[x, 1.0], [2.0, x ** 3]])),
    "a cast to float": lambda x: np.sum(np.array(x * W, dtype=float) ** 2),
    "np.asarray of a traced array": lambda x: np.sum(np.asarray(np.sin(x * W))),
    "ndmin": lambda x: np.sum(np.array(x ** 2, ndmin=2) @ np.ones((1, 2))),
    "np.r_": lambda x: np.sum(np.r_[x, 1.0, x * W] ** 2),
    "np.r_ with a slice": lambda x: np.sum(np.r_[0:3, x ** 2] * np.arange(4.0)),
    "np.c_": lambda x: np.sum(np.c_[x * W, W ** 2, np.cos(x * W)] @ np.array([1.0, 2.0, -1.0])),
    "np.c_ of numbers": lambda x: np.sum(np.c_[x, 2.0, x ** 2] ** 2),
    "np.append of a list": lambda x: np.sum(np.append(W, [x, x ** 2]) ** 2),
    "np.append to a traced array": lambda x: np.sum(np.append(x * W, x ** 3) ** 2),
    "np.append on an axis": lambda x: np.sum(np.append(x * M, M ** 2, axis=0) ** 3),
    "rows of traced arrays": lambda x: np.sum(np.array([x * W, np.sin(x * W)]) ** 2),
}


@pytest.mark.parametrize("name", SCALAR_IDIOMS)
def test_arrays_built_from_traced_values_have_right_first_and_second_derivatives(name):
    check_grads(SCALAR_IDIOMS[name], 0.7, order=2)


@pytest.mark.parametrize("name", ["np.array of numbers", "nested lists", "np.r_", "np.c_",
                                  "np.append of a list", "rows of traced arrays"])
def test_taylor_mode_gives_the_same_second_derivative_as_finite_differences(name):
    f = SCALAR_IDIOMS[name]
    expected = central_difference(am.grad(f), 0.7)  # the first derivative checked above
    assert am.derivative(f, order=2)(0.7) == pytest.approx(expected, rel=1e-6)


def test_a_two_by_two_matrix_of_two_inputs_by_reverse_and_by_taylor_mode():
    def f(x, y):
        A = np.array([[x, 1.0], [2.0, y]])
        return np.sum(A @ A @ np.array([x, y]))
    check_grads(f, 0.4, -1.3, argnum=(0, 1), order=2)
    partials = am.derivatives(f, 2)(0.4, -1.3)  # mixed partials by Taylor interpolation
    hessian = numerical_jacobian(lambda v: np.array(am.grad(f, argnum=(0, 1))(*v)),
                                 np.array([0.4, -1.3]))
    assert partials["d2f/dx2"] == pytest.approx(hessian[0, 0], rel=1e-6)
    assert partials["d2f/dxdy"] == pytest.approx(hessian[0, 1], rel=1e-6)
    assert partials["d2f/dy2"] == pytest.approx(hessian[1, 1], rel=1e-6)


def test_an_array_input_built_into_a_matrix():
    check_grads(lambda w: np.sum(np.array([w, w ** 2, [1.0, 2.0, 3.0]]) ** 2), W, order=2)
    check_grads(lambda w: np.sum(np.asarray(w) * np.array([w[0], w[1], 1.0])), W, order=2)


def test_np_array_of_traced_values_equals_numpys_array_of_their_numbers():
    with Tape() as tape:
        x = new_leaf(tape, 0.5)
        built = np.array([[x, 1], [2, x * 3]])
    assert built.shape == (2, 2)
    np.testing.assert_array_equal(built.numpy(), [[0.5, 1.0], [2.0, 1.5]])


# ---- refusals --------------------------------------------------------------------------------------

def test_a_cast_to_integers_is_refused_saying_what_to_write():
    with pytest.raises(DerivativeDroppedError, match=r"(?s)dtype=int64.*np\.round\(w\)"):
        am.grad(lambda x: np.sum(np.array([x, 2 * x], dtype=int)))(1.5)


def test_np_r_with_a_directive_string_is_refused_saying_what_to_use():
    with pytest.raises(DerivativeDroppedError, match=r"directive string.*np\.concatenate"):
        am.grad(lambda x: np.sum(np.r_["0,2", x * W, W]))(1.5)


def test_ragged_lists_give_numpys_own_error():
    with pytest.raises(ValueError):
        am.grad(lambda x: np.sum(np.array([x * W, [1.0, x]])))(1.5)


def test_writing_a_traced_value_into_a_plain_array_says_to_build_it_instead():
    def f(x):
        a = np.zeros(2)
        a[0] = x
        return np.sum(a)
    with pytest.raises(DerivativeDroppedError, match=r"(?s)a\[i\] = x can't store.*np\.array\(\[x, y\]\)"):
        am.grad(f)(1.0)
    with pytest.raises(DerivativeDroppedError, match=r"a\[i\] = x can't store"):
        differentiate("a = np.zeros(2)\na[1] = x\ny = np.sum(a)", {"x": 1.0}, graph=False)


def test_other_value_errors_pass_through_unchanged():
    def f(x):
        raise ValueError("the student's own")
    with pytest.raises(ValueError, match="the student's own"):
        am.grad(f)(1.0)


# ---- the wrapper is there only while a tape records ----------------------------------------------

def test_numpy_array_is_numpys_own_again_after_every_tape_ends():
    assert numpy_is_numpys_own()
    with Tape():
        assert np.array is not arrays.NUMPY["array"]
        with Tape():
            pass
        assert np.array is not arrays.NUMPY["array"]  # the outer tape still records
    assert numpy_is_numpys_own()
    with pytest.raises(ZeroDivisionError):
        with Tape():
            1 / 0
    assert numpy_is_numpys_own()
    am.grad(am.grad(lambda x: np.sum(np.array([x, x]) ** 3)))(1.0)
    assert numpy_is_numpys_own()


def test_the_wrapper_answers_plain_calls_as_numpy_does():
    with Tape():
        assert np.array is not arrays.NUMPY["array"]
        assert np.array([1, 2]).dtype == np.dtype(int)
        assert np.array("text").dtype.kind == "U"
        assert np.asarray([[1.0], [2.0]], dtype=np.float32).dtype == np.float32
        assert np.array([1, 2], ndmin=3).shape == (1, 1, 2)
        np.testing.assert_array_equal(np.r_[1:4, 7], [1, 2, 3, 7])
        np.testing.assert_array_equal(np.c_[np.ones(2), np.zeros(2)], [[1, 0], [1, 0]])
        np.testing.assert_array_equal(np.append([1, 2], 3), [1, 2, 3])
        a = np.ones(3)
        assert np.asarray(a) is a  # no copy, as NumPy


def test_a_thread_with_no_tape_sees_numpys_behaviour_while_another_records():
    started, finish = threading.Event(), threading.Event()
    seen = {}

    def record_in_a_thread():
        with Tape() as tape:
            x = new_leaf(tape, 2.0)
            seen["traced"] = x * 3.0
            started.set()
            finish.wait(10)
            seen["built"] = np.array([x, 1.0])

    def plain_thread():
        assert current_tape() is EAGER
        seen["plain"] = np.array([[1, 2], [3, 4]])
        try:
            np.array([seen["traced"], 1.0])  # a value another thread records: NumPy refuses it
        except DerivativeDroppedError:
            seen["refused"] = True

    recorder = threading.Thread(target=record_in_a_thread)
    recorder.start()
    assert started.wait(10)
    assert np.array is not arrays.NUMPY["array"]  # installed, process-wide, while it records
    worker = threading.Thread(target=plain_thread)
    worker.start()
    worker.join(10)
    finish.set()
    recorder.join(10)
    assert seen["plain"].dtype == np.dtype(int) and seen["refused"]
    assert seen["built"].shape == (2,)
    assert numpy_is_numpys_own()


def test_two_threads_recording_at_once_each_get_their_own_derivatives():
    results, errors = {}, []

    def work(k):
        try:
            for _ in range(30):
                results[k] = am.grad(lambda x: np.sum(np.array([x, k * x]) ** 2))(1.0)
        except Exception as error:  # noqa: BLE001  (reported by the assertion below)
            errors.append(error)

    threads = [threading.Thread(target=work, args=(k,)) for k in (1.0, 2.0, 3.0)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    for k in (1.0, 2.0, 3.0):
        assert results[k] == pytest.approx(2 + 2 * k * k)  # d/dx (x² + k²x²) at 1
    assert numpy_is_numpys_own()


# ---- NumPy's functions given lists and tuples of traced values: np.mean([x, y]) -------------------
# Each is checked over several shapes of x, at orders 1 and 2, by reverse mode (check_grads) and by
# Taylor mode (along a random line, against central differences of the plain NumPy call).

LIST_IDIOMS = {
    "np.mean of a list": lambda x: np.mean([x, x ** 2]),
    "np.mean of a tuple, on an axis": lambda x: np.mean((x, 2.0 * x + 1.0, np.sin(x)), axis=0),
    "np.std of a list": lambda x: np.std([x, x * x, 1.0 - x], axis=0),
    "np.var with ddof": lambda x: np.var([x, np.cos(x)], axis=0, ddof=1),
    "np.linalg.norm of a list": lambda x: np.linalg.norm([np.sum(x), np.prod(x), 1.0]),
    "np.linalg.norm of a list of arrays": lambda x: np.linalg.norm([x, x ** 2]),
    "np.max on an axis": lambda x: np.max([x, 1.2 - x], axis=0),
    "np.sum of nested lists": lambda x: np.sum([[x, np.ones_like(x)], [np.exp(x), x * x]], axis=1),
    "np.prod of a list given as a=": lambda x: np.prod(a=[x, x + 1.5]),
    "np.clip of a list": lambda x: np.clip([x, -2.0 * x], -0.5, 0.5),
    "np.cumsum of a list": lambda x: np.cumsum([x, x ** 2, x ** 3], axis=0),
    "np.dot of two lists": lambda x: np.dot([np.sum(x), 2.0], [np.prod(x), np.sum(x ** 2)]),
    "np.linalg.det of a nested list": lambda x: np.linalg.det([[np.sum(x), 1.0], [2.0, np.prod(x) ** 2]]),
    "np.where of lists": lambda x: np.where([True, False], [np.sum(x), 1.0], [2.0, np.prod(x)]),
    "np.argmax of a list, no derivative": lambda x: x * np.argmax([np.sum(x), 10.0]),
    # sequences of arrays: each item is one array, and they may differ in shape
    "np.concatenate of a ragged list": lambda x: np.concatenate([[np.sum(x), 2.0], np.ravel(x)]),
    "np.hstack of a tuple": lambda x: np.hstack(([np.prod(x)], np.ravel(x), 1.0)),
    "np.vstack of a list and an array": lambda x: np.vstack([[np.sum(x)] * np.size(x), np.ravel(x)]),
    "np.stack of lists": lambda x: np.stack([[np.sum(x), 1.0], [2.0, np.prod(x)]], axis=1),
    "np.select with a list of choices": lambda x: np.select(
        [np.ravel(x) > 0.5, np.ravel(x) <= 0.5], [np.ravel(x) ** 2, [np.sum(x)] * np.size(x)]),
}
LIST_SHAPES = [(), (3,), (2, 3)]


def _list_case_point(name, shape):
    rng = np.random.default_rng(zlib.crc32(f"{name}{shape}".encode()))
    x = rng.uniform(0.2, 0.9, shape)  # positive, away from the kinks of max and clip
    return float(x) if shape == () else x


@pytest.mark.parametrize("shape", LIST_SHAPES, ids=str)
@pytest.mark.parametrize("name", LIST_IDIOMS)
def test_numpy_functions_given_lists_of_traced_values_by_reverse_mode(name, shape):
    check_grads(lambda x: np.tanh(LIST_IDIOMS[name](x)), _list_case_point(name, shape), order=2)


@pytest.mark.parametrize("shape", LIST_SHAPES, ids=str)
@pytest.mark.parametrize("name", LIST_IDIOMS)
def test_numpy_functions_given_lists_of_traced_values_by_taylor_mode(name, shape):
    f, x = LIST_IDIOMS[name], _list_case_point(name, shape)
    rng = np.random.default_rng(1)
    v = rng.standard_normal(np.shape(x)) if np.ndim(x) else float(rng.standard_normal())
    u = rng.standard_normal(np.shape(f(x)))

    def line(t):
        return float(np.sum(u * np.tanh(f(x + t * v))))

    with Tape() as tape:
        t = new_leaf(tape, 0.0)
        y = np.sum(u * np.tanh(f(x + t * v)))
    taylor = derivatives([y], t, 2)[0]
    h1, h2 = 1e-5, 1e-3
    assert taylor[0] == pytest.approx(line(0.0), rel=1e-12, abs=1e-12)
    assert taylor[1] == pytest.approx((line(h1) - line(-h1)) / (2 * h1), rel=1e-6, abs=1e-7)
    assert taylor[2] == pytest.approx((line(h2) - 2 * line(0.0) + line(-h2)) / h2 ** 2,
                                      rel=1e-4, abs=1e-5)


def test_a_sequence_of_arrays_makes_each_item_one_array_not_the_whole_list():
    with Tape() as tape:
        x = new_leaf(tape, 1.0)
        w = x * np.ones(2)
        before = len(tape.nodes)
        joined = np.concatenate([[x, 2.0], w])
    assert [node.primitive.__name__ for node in tape.nodes[before:]] == ["stack", "concatenate"]
    np.testing.assert_array_equal(joined.numpy(), [1.0, 2.0, 1.0, 1.0])


def test_np_mean_of_a_list_is_the_closed_form():
    assert am.grad(lambda x: np.mean([x, x + 2]))(0.0) == 1.0
    assert am.grad(lambda x: np.std((x, x + 2)))(0.0) == 0.0  # symmetric about the mean
    assert am.grad(lambda x: np.linalg.norm([x, x + 2]))(0.0) == pytest.approx(1.0)  # 2/√4


def test_a_numpy_function_taken_before_the_tape_still_refuses_lists_with_advice():
    mean = np.mean  # NumPy's own: the name was read before any tape recorded
    with pytest.raises(DerivativeDroppedError, match=r"np\.sum\(np\.array\(\[x, y\]\)\)"):
        am.grad(lambda x: mean([x, 2 * x]))(1.0)


def test_while_recording_numpy_functions_answer_plain_calls_as_numpy_does():
    with Tape():
        assert np.mean is not vars(np)["mean"]
        assert np.mean([1, 2]) == 1.5
        with pytest.raises(np.exceptions.AxisError):
            np.sum([1.0, 2.0], axis=3)
        with pytest.raises(ValueError):
            np.mean([[1.0], [2.0, 3.0]])  # ragged: NumPy's own error
        assert np.linalg.norm([3.0, 4.0]) == 5.0


def test_admagic_itself_always_reads_numpys_own_functions():
    from admagic import rules  # any admagic module: they all read NumPy through the same module
    in_rules = compile("np.sum, np.linalg.norm", rules.__file__, "eval")  # code from rules.py
    with Tape():
        assert np.sum is not vars(np)["sum"]  # a user's code gets the wrapper
        assert eval(in_rules, vars(rules)) == (vars(np)["sum"], vars(np.linalg)["norm"])
        assert eval("np.sum", vars(rules)) is not vars(np)["sum"]  # not admagic's file: a user's


def test_an_assignment_to_a_numpy_function_while_recording_wins_and_stays():
    own = vars(np)["mean"]

    def mine(a, *args, **kwargs):
        return "mine"
    try:
        with Tape():
            np.mean = mine
            assert np.mean is mine
        assert np.mean is mine
    finally:
        np.mean = own
    assert np.mean is own


def test_a_thread_that_is_not_recording_gets_numpys_refusal_for_a_list():
    started, finish = threading.Event(), threading.Event()
    seen = {}

    def record_in_a_thread():
        with Tape() as tape:
            seen["traced"] = new_leaf(tape, 2.0) * 3.0
            started.set()
            finish.wait(10)

    def plain_thread():
        seen["plain"] = np.mean([1.0, 2.0])
        try:
            np.mean([seen["traced"], 1.0])  # another thread's traced value: refused, as NumPy
        except DerivativeDroppedError:
            seen["refused"] = True

    recorder = threading.Thread(target=record_in_a_thread)
    recorder.start()
    assert started.wait(10)
    worker = threading.Thread(target=plain_thread)
    worker.start()
    worker.join(10)
    finish.set()
    recorder.join(10)
    assert seen["plain"] == 1.5 and seen["refused"]


# ---- outputs of size 1 -----------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(1,), (1, 1)])
def test_an_output_of_size_one_counts_as_a_number(shape):
    f = lambda x: np.reshape(x ** 3, shape)  # noqa: E731
    assert am.grad(f)(2.0) == pytest.approx(12.0)
    assert am.grad(am.grad(f))(2.0) == pytest.approx(12.0)
    value, gradient = am.value_and_grad(lambda w: np.sum(w ** 2, keepdims=True).reshape(shape))(W)
    assert np.shape(value) == shape and value.item() == pytest.approx(np.sum(W ** 2))
    np.testing.assert_allclose(gradient, 2 * W)
    with pytest.raises(TypeError, match="returns one number"):
        am.grad(lambda w: w * 2)(W)


# ---- containers of inputs --------------------------------------------------------------------------

def _loss(params):
    return (np.sum(np.tanh(M @ params["w"] + params["b"]) ** 2)
            + params["extra"][0] * np.sum(params["extra"][1][0] ** 2))


PARAMS = {"w": np.array([0.2, -0.4]), "b": 0.5, "extra": [1.5, (np.array([0.3, 0.1]),)]}


def _numerical_gradient_of_leaf(f, params, path):
    """d f / d(the leaf at `path`), by central differences, changing only that leaf."""
    def replaced(tree, path, value):
        if not path:
            return value
        head, rest = path[0], path[1:]
        if isinstance(tree, dict):
            return {**tree, head: replaced(tree[head], rest, value)}
        items = list(tree)
        items[head] = replaced(tree[head], rest, value)
        return type(tree)(items)

    leaf = params
    for key in path:
        leaf = leaf[key]
    return numerical_jacobian(lambda v: f(replaced(params, path, v)), np.asarray(leaf, dtype=float))


def test_grad_of_a_dict_of_parameters_gives_a_dict_with_the_same_keys_and_nesting():
    g = am.grad(_loss)(PARAMS)
    assert list(g) == ["w", "b", "extra"] and isinstance(g["extra"], list)
    assert isinstance(g["extra"][1], tuple) and isinstance(g["b"], float)
    for path in [("w",), ("b",), ("extra", 0), ("extra", 1, 0)]:
        got = g
        for key in path:
            got = got[key]
        np.testing.assert_allclose(got, _numerical_gradient_of_leaf(_loss, PARAMS, path),
                                   rtol=1e-7, atol=1e-9)


def test_value_and_grad_of_a_list_and_of_a_named_tuple():
    value, g = am.value_and_grad(lambda ws: np.sum(ws[0] * ws[1]))([W, W ** 2])
    assert value == pytest.approx(np.sum(W ** 3))
    np.testing.assert_allclose(g[0], W ** 2)
    np.testing.assert_allclose(g[1], W)
    Params = collections.namedtuple("Params", "w b")
    g = am.grad(lambda p: np.sum(p.w ** 2) * p.b)(Params(W, 3.0))
    assert type(g) is Params
    np.testing.assert_allclose(g.w, 6 * W)
    assert g.b == pytest.approx(np.sum(W ** 2))


def test_second_derivatives_through_a_dict():
    # d/db of (d/dw of w² b³) = d/db (2 w b³) = 6 w b²
    inner = lambda w, b: am.grad(lambda p: p["w"] ** 2 * p["b"] ** 3)({"w": w, "b": b})["w"]  # noqa: E731
    assert am.grad(inner, argnum=1)(1.5, 2.0) == pytest.approx(6 * 1.5 * 4.0)


# ---- Python builtins where they mean mathematics ---------------------------------------------------

BUILTINS = {
    "sum": (lambda x: sum([x, x ** 2, np.sin(x)]), lambda x: 1 + 2 * x + np.cos(x), lambda x: 2 - np.sin(x)),
    "max": (lambda x: max(x ** 2, 3 * x), lambda x: 2 * x, lambda x: 2.0),  # x² wins at x = 3.5
    "min": (lambda x: min(x ** 2, 3 * x), lambda x: 3.0, lambda x: 0.0),
    "abs": (lambda x: abs(x ** 3 - 50.0), lambda x: -3 * x ** 2, lambda x: -6 * x),  # x³ < 50
    "round": (lambda x: round(x) * x ** 2, lambda x: 2 * round(x) * x, lambda x: 2.0 * round(x)),
}


@pytest.mark.parametrize("name", BUILTINS)
def test_python_builtins_have_right_derivatives_by_reverse_and_taylor_mode(name):
    f, df, d2f = BUILTINS[name]
    x = 3.4
    assert am.grad(f)(x) == pytest.approx(df(x), rel=1e-12)
    assert am.grad(am.grad(f))(x) == pytest.approx(d2f(x), rel=1e-12, abs=1e-12)
    assert am.derivative(f, order=2)(x) == pytest.approx(d2f(x), rel=1e-12, abs=1e-12)
    if name != "round":  # round is a step: finite differences see its derivative 0 away from .5
        check_grads(f, x, order=2)


def test_round_has_derivative_zero():
    assert am.grad(lambda x: round(x))(2.3) == 0.0
    assert am.derivative(lambda x: round(x) + x, order=1)(2.3) == pytest.approx(1.0)


# ---- what courses write, inside %%grad cells (differentiate) ---------------------------------------

SOFTMAX_CROSS_ENTROPY = """
m = np.max(Z, axis=1, keepdims=True)
e = np.exp(Z - m)
p = e / np.sum(e, axis=1, keepdims=True)
loss = -np.mean(np.log(p[np.arange(2), [0, 2]]))
"""


def _softmax_loss(Z):
    e = np.exp(Z - np.max(Z, axis=1, keepdims=True))
    p = e / np.sum(e, axis=1, keepdims=True)
    return -np.mean(np.log(p[np.arange(2), [0, 2]]))


def test_softmax_cross_entropy_in_a_cell_matches_finite_differences():
    Z = np.array([[0.1, 0.5, -0.3], [1.0, 0.2, 0.0]])
    res = differentiate(SOFTMAX_CROSS_ENTROPY, {"Z": Z}, of=["loss"], graph=False)
    np.testing.assert_allclose(res["dloss/dZ"], numerical_jacobian(_softmax_loss, Z), rtol=1e-6, atol=1e-9)


def test_log_sum_exp_of_an_array_of_traced_numbers_in_a_cell_at_order_two():
    cell = "z = np.array([x, y, 1.0])\nm = np.max(z)\nlse = m + np.log(np.sum(np.exp(z - m)))"
    res = differentiate(cell, {"x": 0.3, "y": -1.2}, order=2, of=["lse"], graph=False)
    e = np.exp([0.3, -1.2, 1.0])
    p = e / e.sum()  # d lse/dz = softmax; d² lse/dz² = diag(p) - p pᵀ
    assert res["dlse/dx"] == pytest.approx(p[0], rel=1e-10)
    assert res["dlse/dy"] == pytest.approx(p[1], rel=1e-10)
    assert res["d2lse/dx2"] == pytest.approx(p[0] - p[0] ** 2, rel=1e-8)
    assert res["d2lse/dxdy"] == pytest.approx(-p[0] * p[1], rel=1e-8)
    assert res["d2lse/dy2"] == pytest.approx(p[1] - p[1] ** 2, rel=1e-8)


def test_cross_entropy_built_from_np_array_in_a_cell_matches_finite_differences():
    cell = ("logits = np.array([x, 2 * y, x * y])\nq = np.exp(logits) / np.sum(np.exp(logits))\n"
            "loss = -np.log(q[1])")

    def loss(v):
        logits = np.array([v[0], 2 * v[1], v[0] * v[1]])
        return -np.log(np.exp(logits[1]) / np.sum(np.exp(logits)))

    res = differentiate(cell, {"x": 0.6, "y": -0.4}, order=2, of=["loss"], graph=False)
    v = np.array([0.6, -0.4])
    gradient = numerical_jacobian(loss, v)
    assert [res["dloss/dx"], res["dloss/dy"]] == pytest.approx(list(gradient), rel=1e-7)
    hessian = numerical_jacobian(lambda u: np.array(am.grad(lambda a, b: loss(np.stack([a, b])),
                                                            argnum=(0, 1))(*u)), v)
    assert res["d2loss/dxdy"] == pytest.approx(hessian[0, 1], rel=1e-6)
    assert res["d2loss/dy2"] == pytest.approx(hessian[1, 1], rel=1e-6)


# ---- inside a real %%grad cell ---------------------------------------------------------------------

@pytest.fixture
def shell():
    """IPython's test shell (one per process, shared with other test modules), left as found."""
    from IPython.testing import globalipapp
    ip = globalipapp.start_ipython() or globalipapp.get_ipython()
    saved = dict(ip.user_ns)
    ip.run_line_magic("load_ext", "admagic")
    ip.run_cell("import numpy as np")
    yield ip
    ip.user_ns.clear()
    ip.user_ns.update(saved)


def test_a_grad_cell_differentiates_np_array_of_its_inputs_and_leaves_plain_arrays(shell):
    from IPython.utils.capture import capture_output
    cell = ("%%grad x=0.3 y=-1.2 --order 2 --no-graph\n"
            "z = np.array([x, y, 1.0])\n"
            "m = np.max(z)\n"
            "lse = m + np.log(np.sum(np.exp(z - m)))\n")
    with capture_output():
        result = shell.run_cell(cell)
    assert result.error_in_exec is None
    e = np.exp([0.3, -1.2, 1.0])
    p = e / e.sum()
    grads = shell.user_ns["_grad"]
    assert grads["dlse/dx"] == pytest.approx(p[0], rel=1e-10)
    assert grads["d2lse/dxdy"] == pytest.approx(-p[0] * p[1], rel=1e-8)
    assert type(shell.user_ns["z"]) is np.ndarray  # the namespace holds plain values afterwards
    assert numpy_is_numpys_own()


def test_a_grad_cell_writing_into_a_plain_array_says_what_to_write(shell):
    from IPython.utils.capture import capture_output
    with capture_output():
        result = shell.run_cell("%%grad x=2.0 --no-graph\na = np.zeros(3)\na[0] = x\ny = np.sum(a)\n")
    assert isinstance(result.error_in_exec, DerivativeDroppedError)
    assert "np.array([x, y])" in str(result.error_in_exec)
    assert numpy_is_numpys_own()
