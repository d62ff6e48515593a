"""Lists, tuples and dicts of inputs (nested), wherever a number or an array can be given:
`grad`, `value_and_grad`, `jacobian`, `hessian`, `check_grads`, and ``%%grad params={...}``
with one column per leaf; and the dtype of a gradient, which is its input's.

Every number is checked against central finite differences or a closed form.
"""

import collections
import re

import numpy as np
import pytest
from IPython.testing.globalipapp import start_ipython
from IPython.utils.capture import capture_output

import admagic as am
from admagic.cell import differentiate
from admagic.testing import central_difference, check_grads, numerical_jacobian
from admagic.usage import GradUsageError

Params = collections.namedtuple("Params", "w b")

W = np.array([[0.3, -0.2, 0.5], [0.1, 0.4, -0.6]])
B = np.array([0.2, -0.1])
X = np.array([1.0, 2.0, -1.0])


def loss_of(w, b):
    return np.sum(np.tanh(w @ X + b) ** 2)


def by_differences(f, value):
    """d f / d value by central differences, for a plain function of one array."""
    return numerical_jacobian(f, value)


# ---- the functional API -------------------------------------------------------------------------

def test_grad_of_a_dict_keeps_its_keys_and_matches_finite_differences():
    g = am.grad(lambda p: loss_of(p["w"], p["b"]))({"w": W, "b": B})
    assert list(g) == ["w", "b"]
    np.testing.assert_allclose(g["w"], by_differences(lambda w: loss_of(w, B), W), atol=1e-8)
    np.testing.assert_allclose(g["b"], by_differences(lambda b: loss_of(W, b), B), atol=1e-8)


def test_grad_of_nested_lists_tuples_and_named_tuples_keeps_each_type():
    def f(p):
        (a, (b, c)), named = p["pair"], p["named"]
        return a * b ** 2 + np.sum(np.sin(c)) + named.w * named.b ** 3

    point = {"pair": [2.0, (3.0, np.array([0.5, 1.0]))], "named": Params(1.5, 2.0)}
    g = am.grad(f)(point)
    assert type(g["pair"]) is list and type(g["pair"][1]) is tuple
    assert type(g["named"]) is Params
    a_, (b_, c_) = g["pair"]
    assert a_ == pytest.approx(9.0) and b_ == pytest.approx(12.0)  # b², 2ab
    np.testing.assert_allclose(c_, np.cos([0.5, 1.0]))
    assert g["named"].w == pytest.approx(8.0) and g["named"].b == pytest.approx(18.0)  # b³, 3wb²


def test_value_and_grad_of_a_list_gives_the_value_and_a_list():
    value, g = am.value_and_grad(lambda ws: ws[0] * ws[1])([3.0, 4.0])
    assert value == 12.0 and g == [4.0, 3.0]


def test_empty_containers_have_empty_gradients():
    assert am.grad(lambda d, x: d.get("a", x) ** 2, argnum=(0, 1))({}, 2.0) == ({}, 4.0)
    assert am.grad(lambda nested: 1.0)([[]]) == [[]]


def test_jacobian_takes_and_gives_containers_block_by_block():
    def f(p):
        return {"y": p.w * p.b, "z": [np.sum(p.w ** 2) * p.b]}

    w = np.array([1.0, -2.0])
    J = am.jacobian(f)(Params(w, 3.0))
    np.testing.assert_allclose(J["y"].w, numerical_jacobian(lambda v: v * 3.0, w), atol=1e-8)
    np.testing.assert_allclose(J["y"].b, w)
    np.testing.assert_allclose(J["z"][0].w, 2 * w * 3.0)
    assert J["z"][0].b == pytest.approx(np.sum(w ** 2))


def test_hessian_of_a_dict_is_a_dict_of_dicts_of_second_derivatives():
    H = am.hessian(lambda p: p["a"] ** 2 * p["c"] ** 3)({"a": 2.0, "c": 1.0})
    # d²/da² = 2c³, d²/dadc = 6ac², d²/dc² = 6a²c
    assert H == {"a": {"a": pytest.approx(2.0), "c": pytest.approx(12.0)},
                 "c": {"a": pytest.approx(12.0), "c": pytest.approx(24.0)}}


def test_check_grads_moves_every_leaf_of_a_dict_and_checks_dict_outputs():
    check_grads(lambda p: loss_of(p["w"], p["b"]), {"w": W, "b": B}, order=2)
    check_grads(lambda x: {"a": x, "b": [np.sin(x), 2.0 * x]}, 0.7, order=2)
    check_grads(lambda d, x: d.get("item", x) ** 2, {}, 2.0, argnum=(0, 1))


def test_check_grads_takes_a_list_of_numbers_as_one_array_as_it_always_did():
    check_grads(lambda a, b: np.append(a, b, axis=0), [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]],
                [[7.0, 8.0, 9.0]], argnum=(0, 1))


def test_check_grads_catches_a_leaf_whose_derivative_was_dropped():
    def f(p):  # .item() detaches p["b"]: admagic's gradient for it is 0, the true one is not
        return np.sum(p["w"] ** 2) + p["b"].item() ** 2

    check_grads(lambda p: np.sum(p["w"] ** 2) + p["b"][0] ** 2,
                {"w": np.ones(2), "b": np.array([2.0])}, order=1)
    with pytest.raises(AssertionError, match="central finite differences"):
        check_grads(f, {"w": np.ones(2), "b": np.array([2.0])}, order=1)


def test_grad_of_a_function_returning_true_or_false_is_refused():
    with pytest.raises(TypeError, match="True/False"):
        am.grad(lambda x: np.allclose(x, x * 3.0 / 3.0))(np.array([1.0, 2.0]))


def test_grad_of_a_function_returning_a_dict_is_refused_with_advice():
    with pytest.raises(TypeError, match="jacobian"):
        am.grad(lambda x: {"a": x})(1.0)


# ---- dtypes: float32 in, float32 out (computed in float64) ---------------------------------------

X32 = np.array([0.1, 0.7, -1.3], dtype=np.float32)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_grad_of_a_low_precision_array_has_its_dtype_and_the_float64_numbers(dtype):
    x = X32.astype(dtype)
    g = am.grad(lambda v: np.sum(np.sin(v) * v))(x)
    assert g.dtype == dtype
    exact = np.cos(x.astype(float)) * x.astype(float) + np.sin(x.astype(float))
    np.testing.assert_array_equal(g, exact.astype(dtype))  # float64 work, rounded once


def test_second_derivatives_of_float32_by_reverse_and_by_taylor_mode_are_float32_and_right():
    f = lambda v: np.sum(v ** 3)  # noqa: E731
    by_reverse = am.grad(lambda v: np.sum(am.grad(f)(v)))(X32)
    by_taylor = am.derivative(lambda v: v ** 3, order=2)(X32)
    hess = am.hessian(f)(X32)
    for got in (by_reverse, by_taylor, np.diag(hess)):
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, (6.0 * X32.astype(float)).astype(np.float32))
    assert hess.dtype == np.float32 and am.jacobian(np.sin)(X32).dtype == np.float32


def test_a_cast_inside_the_function_still_gives_the_inputs_dtype():
    x = np.arange(3, dtype="float32")
    assert am.grad(lambda v: np.sum(np.sin(v.astype("float64"))))(x).dtype == np.float32


def test_float64_and_integer_inputs_keep_float64_gradients():
    assert am.grad(lambda v: np.sum(v ** 2))(np.arange(3)).dtype == np.float64
    assert type(am.grad(lambda v: v ** 2)(3)) is float


# ---- %%grad params={...}: one column per leaf ---------------------------------------------------

CELL = "h = np.tanh(params['w'] @ x + params['b'])\nloss = np.sum(h ** 2)"


def run(code, inputs, **options):
    return differentiate(code, inputs, namespace={"np": np, "x": X}, **options)


def test_a_dict_input_is_one_column_per_leaf_with_retrievable_keys():
    res = run(CELL, {"params": {"w": W, "b": B}}, graph=False)
    assert list(res.inputs) == ["params['w']", "params['b']"]
    assert list(res) == ["dh/dparams['w']", "dh/dparams['b']",
                         "dloss/dparams['w']", "dloss/dparams['b']"]
    for key in res:
        res[key]  # noqa: B018  (every key listed can be read back)
    np.testing.assert_allclose(res["dloss/dparams['w']"],
                               by_differences(lambda w: loss_of(w, B), W), atol=1e-8)
    np.testing.assert_allclose(res.d("loss", "params['b']"),
                               by_differences(lambda b: loss_of(W, b), B), atol=1e-8)
    assert res["dloss/d(params['b'])"] is not None  # the parenthesised spelling reads too


def test_the_cell_sees_the_dict_and_afterwards_holds_it_plain_and_the_users_is_untouched():
    mine = {"w": W.copy(), "b": B.copy()}
    namespace = {"np": np, "x": X}
    differentiate(CELL + "\nkinds = sorted(params)", {"params": mine}, namespace=namespace,
                  graph=False)
    assert namespace["kinds"] == ["b", "w"]
    assert type(namespace["params"]) is dict and namespace["params"] is not mine
    assert all(type(v) is np.ndarray for v in namespace["params"].values())
    np.testing.assert_array_equal(mine["w"], W)


def test_check_gives_finite_differences_for_each_leaf():
    res = run(CELL, {"params": {"w": W, "b": B}}, graph=False, check=True)
    for leaf in ("params['w']", "params['b']"):
        np.testing.assert_allclose(res.checks[("loss", leaf)], res.d("loss", leaf), atol=1e-8)


def test_order_two_gives_the_mixed_second_derivatives_of_the_leaves():
    res = run("y = p['a'] ** 2 * p['c'] ** 3", {"p": {"a": 2.0, "c": 1.0}}, order=2,
              graph=False)
    assert res["d2y/dp['a']^2"] == pytest.approx(2.0)
    assert res["d2y/dp['a']dp['c']"] == pytest.approx(12.0)
    assert res["d2y/dp['c']^2"] == pytest.approx(24.0)
    nested = run(CELL, {"params": {"w": W, "b": B}}, order=2, graph=False)
    expected = by_differences(lambda b: am.grad(lambda c: loss_of(W, c))(b), B)
    np.testing.assert_allclose(nested["d2loss/dparams['b']^2"], expected, atol=1e-7)


def test_nested_dicts_lists_and_named_tuples_are_named_by_their_path():
    res = run("y = p['layer'][0] * p['layer'][1].b + p['s']",
              {"p": {"layer": [2.0, Params(0.0, 3.0)], "s": 1.0}}, graph=False)
    assert list(res.inputs) == ["p['layer'][0]", "p['layer'][1][0]", "p['layer'][1][1]",
                                "p['s']"]
    assert res.d("y", "p['layer'][0]") == 3.0 and res.d("y", "p['layer'][1][1]") == 2.0


def test_a_list_of_numbers_is_still_one_array_and_a_list_of_arrays_is_one_input_each():
    assert list(run("y = np.sum(v ** 2)", {"v": [1.0, 2.0]}, graph=False).inputs) == ["v"]
    res = run("y = np.sum(v[0] ** 2) + np.sum(v[1])", {"v": [np.ones(2), [1.0, 2.0, 3.0]]},
              graph=False)
    assert list(res.inputs) == ["v[0]", "v[1]"]
    np.testing.assert_allclose(res.d("y", "v[1]"), np.ones(3))


def test_the_graph_names_each_leaf_box_by_its_path():
    res = run(CELL, {"params": {"w": W, "b": B}})
    source = res.graph.source
    assert "params[&#x27;w&#x27;] = array(2, 3)" in source
    assert "params[&#x27;b&#x27;] = array(2,)" in source


def test_explain_writes_the_chain_rule_for_leaves_that_are_numbers():
    res = run("y = p['a'] ** 2 * p['c']", {"p": {"a": 2.0, "c": 3.0}}, explain=True, graph=False)
    assert "∂y/∂p['a'] = ∂y/∂v1 · ∂v1/∂p['a'] = 3 × 4 = 12" in str(res.explanation)


@pytest.mark.parametrize("options", [{"mode": "forward"}, {"trace": True},
                                     {"graph_kind": "backward", "order": 2}, {"taylor": False,
                                                                              "method": "nested",
                                                                              "order": 2}])
def test_every_way_of_computing_gives_the_same_closed_form_for_dict_leaves(options):
    res = run("y = p['a'] ** 2 * np.sin(p['c'])", {"p": {"a": 2.0, "c": 0.5}}, **options)
    assert res.d("y", "p['a']") == pytest.approx(4.0 * np.sin(0.5))  # 2a sin c
    assert res.d("y", "p['c']") == pytest.approx(4.0 * np.cos(0.5))  # a² cos c
    if options.get("order") == 2:
        assert res.d("y", "p['a']", "p['c']") == pytest.approx(4.0 * np.cos(0.5))  # 2a cos c
        assert res.d("y", "p['c']", "p['c']") == pytest.approx(-4.0 * np.sin(0.5))
    if options.get("trace"):
        assert [row.label for row in res.trace.rows][:2] == ["p['a']", "p['c']"]


def test_taylor_polynomial_of_a_one_number_dict_is_in_its_leaf():
    res = run("y = p['a'] ** 3", {"p": {"a": 2.0}}, order=3, taylor=True, graph=False)
    assert [res.d("y", *["p['a']"] * k) for k in (1, 2, 3)] == [12.0, 12.0, 6.0]  # 3a², 6a, 6
    assert "p['a']" in str(res.taylor)


@pytest.mark.parametrize("inputs, options, message", [
    ({"params": {}}, {}, "input params is an empty dict: there is nothing in it to differentiate"),
    ({"params": {"w": {}}}, {}, "input params['w'] is an empty dict"),
    ({"params": {"w": "abc"}}, {}, "input params['w']: Can't differentiate with respect to str"),
    ({"params": {"w": None}}, {}, "input params['w']: Can't differentiate with respect to "
                                  "NoneType"),
    ({"params": {(1, 2): W}}, {}, "input params has the key (1, 2); %%grad names each entry by "
                                  "its key"),
    ({"params": {"w": W}}, {"explain": True}, "--explain writes the chain rule with numbers, and "
                                              "params['w'] is an array"),
])
def test_bad_container_inputs_are_refused_in_the_students_terms(inputs, options, message):
    with pytest.raises(GradUsageError, match=re.escape(message)):
        run("y = np.sum(params['w'])", inputs, graph=False, **options)


def test_an_empty_list_inside_a_dict_is_an_array_of_no_numbers_as_x_equals_empty_list_is():
    res = run("y = np.sum(params['w']) + np.sum(params['extra'])",
              {"params": {"w": W, "extra": []}}, graph=False)
    assert np.shape(res.d("y", "params['extra']")) == (0,)
    np.testing.assert_array_equal(res.d("y", "params['w']"), np.ones(W.shape))


# ---- a real %%grad cell --------------------------------------------------------------------------

@pytest.fixture
def shell():
    """IPython's shell with admagic loaded, showing every mime type (as a kernel does)."""
    ip = start_ipython() or __import__("IPython").get_ipython()
    ip.run_line_magic("load_ext", "admagic")
    formatter = ip.display_formatter
    active, saved_ns = formatter.active_types, dict(ip.user_ns)
    formatter.active_types = list(formatter.formatters)
    yield ip
    formatter.active_types = active
    ip.user_ns.clear()
    ip.user_ns.update(saved_ns)


def test_a_grad_cell_with_a_dict_input_shows_a_column_per_leaf_and_checks_it(shell):
    shell.user_ns.update(np=np, W=W, b=B, x=X)
    with capture_output() as captured:
        result = shell.run_cell("%%grad params={'w': W, 'b': b} --check --order 2\n" + CELL)
    assert result.error_in_exec is None and result.error_before_exec is None
    html = captured.outputs[0].data["text/html"]
    assert "∂/∂params[&#x27;w&#x27;]" in html and "∂/∂params[&#x27;b&#x27;]" in html
    grad = shell.user_ns["_grad"]
    assert "d2loss/dparams['w']dparams['b']" in list(grad)
    np.testing.assert_allclose(grad["dloss/dparams['w']"],
                               by_differences(lambda w: loss_of(w, B), W), atol=1e-8)
    np.testing.assert_allclose(grad.checks[("loss", "params['b']")],
                               grad["dloss/dparams['b']"], atol=1e-8)
    with capture_output() as captured:
        shell.run_cell("%%grad params={'w': W, 'b': b} --plot\n" + CELL)
    assert "is a dict. Give the number as the input itself" in captured.stderr + captured.stdout


def test_central_difference_agrees_with_the_dict_gradient_along_a_direction():
    # One more independent check, along a random direction through both leaves at once.
    rng = np.random.default_rng(3)
    vw, vb = rng.standard_normal(W.shape), rng.standard_normal(B.shape)
    g = am.grad(lambda p: loss_of(p["w"], p["b"]))({"w": W, "b": B})
    along = central_difference(loss_of, (W, B), (vw, vb))
    assert np.sum(g["w"] * vw) + np.sum(g["b"] * vb) == pytest.approx(along, rel=1e-7)


# ---- in a real Jupyter kernel ---------------------------------------------------------------------

@pytest.mark.notebook
def test_in_a_real_kernel_a_dict_input_gives_its_columns_and_leaves_nothing_traced():
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3", startup_timeout=120)

    def run_in_kernel(code):
        outputs = []
        reply = client.execute_interactive(
            code, timeout=120, allow_stdin=False,
            output_hook=lambda message: outputs.append((message["msg_type"], message["content"])))
        return reply["content"], outputs

    def printed(outputs):
        return "".join(c["text"] for kind, c in outputs if kind == "stream")

    try:
        run_in_kernel("%load_ext admagic\nimport numpy as np\n"
                      "W = np.array([[0.5, -0.3], [0.2, 0.8]]); b = np.array([0.3, -0.2])\n"
                      "x = np.array([1.0, 2.0])")
        reply, outputs = run_in_kernel("%%grad params={'w': W, 'b': b} --check\n"
                                       "h = np.tanh(params['w'] @ x + params['b'])\n"
                                       "loss = np.sum(h ** 2)")
        assert reply["status"] == "ok", reply
        (html,) = [c["data"]["text/html"] for kind, c in outputs if kind == "display_data"]
        assert "∂/∂params[&#x27;w&#x27;] by finite differences" in html
        reply, outputs = run_in_kernel(
            "import gc\nfrom admagic.traced import Traced\ngc.collect()\n"
            "print(sum(type(o) is Traced for o in gc.get_objects()), "
            "type(params['w']).__name__, list(_grad)[-1], "
            "round(float(_grad[\"dloss/dparams['b']\"][0]), 6))")
        z = np.array([[0.5, -0.3], [0.2, 0.8]]) @ np.array([1.0, 2.0]) + np.array([0.3, -0.2])
        expected = 2 * np.tanh(z[0]) * (1 - np.tanh(z[0]) ** 2)  # d(Σ tanh(z)²)/db₀
        assert printed(outputs) == f"0 ndarray dloss/dparams['b'] {round(float(expected), 6)}\n"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


# ---- --seed names an entry of a container input --------------------------------------------------

SEEDED_CELL = "y = p['a'] * p['c'] + np.sin(p['c'])"


@pytest.mark.parametrize("written", ["\"p['c']\"", "'p[\"c\"]'", "p['c']"])
def test_seed_may_name_an_entry_of_a_dict_input_as_the_cell_writes_it(shell, written):
    shell.user_ns.update(np=np)
    with capture_output() as captured:
        result = shell.run_cell(f"%%grad p={{'a': 2.0, 'c': 3.0}} --trace --seed {written}\n"
                                + SEEDED_CELL)
    assert result.error_in_exec is None and result.error_before_exec is None, captured.stderr
    trace = shell.user_ns["_grad"].trace
    assert trace.seed == "p['c']"
    (output,) = [row for row in trace.rows if row.is_output]
    h = 1e-6  # dy/dc by central differences: the tangent seeded by c
    by_differences = ((2.0 * (3 + h) + np.sin(3 + h)) - (2.0 * (3 - h) + np.sin(3 - h))) / (2 * h)
    assert output.tangent == pytest.approx(by_differences, rel=1e-8)
    assert output.tangent == pytest.approx(2.0 + np.cos(3.0), rel=1e-14)


def test_a_seed_that_is_no_input_entry_is_refused_saying_how_to_write_one(shell):
    shell.user_ns.update(np=np)
    with capture_output() as captured:
        shell.run_cell("%%grad p={'a': 2.0, 'c': 3.0} --trace --seed p[c+1]\n" + SEEDED_CELL)
    assert "--seed p[c+1]: give the name of an input" in captured.stderr
    assert "--seed \"params['w']\"" in captured.stderr
    with capture_output() as captured:
        shell.run_cell("%%grad p={'a': 2.0, 'c': 3.0} --trace --seed \"p['z']\"\n" + SEEDED_CELL)
    assert "--seed p['z']: that is not an input here" in captured.stderr
    assert "p['a'], p['c']" in captured.stderr
