"""The Tape API (TensorFlow's GradientTape) and PyTorch's backward(), on the classic lesson's numbers.

Every expected value is worked out by hand in the test's comment or name: y = x² has dy/dx = 2x,
z = y² = x⁴ has dz/dx = 4x³, and so on.
"""

import gc

import numpy as np
import pytest

import admagic
from admagic import Tape, Variable, constant, tensor


def test_variable_is_watched_automatically_and_d_x_squared_is_6_at_3():
    x = Variable(3.0)
    with Tape() as tape:
        y = x * x
    assert tape.gradient(y, x).numpy() == 6.0


def test_watched_constant_gives_6_at_3():
    x = constant(3.0)
    with Tape() as tape:
        tape.watch(x)
        y = x * x
    assert tape.gradient(y, x).numpy() == 6.0


def test_unwatched_constant_gives_none():
    x = constant(3.0)
    with Tape() as tape:
        y = x * x
    assert tape.gradient(y, x) is None


def test_variable_not_watched_when_watch_accessed_variables_is_false():
    x = Variable(3.0)
    with Tape(watch_accessed_variables=False) as tape:
        y = x * x
    assert tape.gradient(y, x) is None


def test_nested_tapes_give_the_second_derivative_2():
    x = Variable(3.0)
    with Tape() as outer:
        with Tape() as inner:
            y = x * x
        dy_dx = inner.gradient(y, x)  # 2x, recorded by the outer tape
    assert dy_dx.numpy() == 6.0
    assert outer.gradient(dy_dx, x).numpy() == 2.0


def test_three_nested_tapes_give_the_third_derivative_of_x_cubed_6():
    x = constant(0.7)
    with Tape() as t3:
        t3.watch(x)
        with Tape() as t2:
            t2.watch(x)
            with Tape() as t1:
                t1.watch(x)
                y = x ** 3
            d1 = t1.gradient(y, x)  # 3x²
        d2 = t2.gradient(d1, x)     # 6x
    d3 = t3.gradient(d2, x)         # 6
    assert np.isclose(d1.numpy(), 3 * 0.7**2)
    assert np.isclose(d2.numpy(), 6 * 0.7)
    assert np.isclose(d3.numpy(), 6.0)


def test_persistent_tape_gives_dz_dx_108_and_dy_dx_6():
    x = constant(3.0)
    with Tape(persistent=True) as tape:
        tape.watch(x)
        y = x * x   # dy/dx = 2x = 6
        z = y * y   # dz/dx = 4x³ = 108
    assert tape.gradient(z, x).numpy() == 108.0
    assert tape.gradient(y, x).numpy() == 6.0


def test_second_gradient_of_a_non_persistent_tape_raises_runtime_error():
    x = Variable(3.0)
    with Tape() as tape:
        y = x * x
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match="persistent=True"):
        tape.gradient(y, x)


def test_sources_as_list_tuple_and_dict_come_back_in_the_same_form():
    a, b = Variable(2.0), Variable(5.0)
    with Tape(persistent=True) as tape:
        y = a * a * b   # dy/da = 2ab = 20, dy/db = a² = 4
    as_list = tape.gradient(y, [a, b])
    as_tuple = tape.gradient(y, (a, b))
    as_dict = tape.gradient(y, {"a": a, "b": b})
    assert [g.numpy() for g in as_list] == [20.0, 4.0]
    assert [g.numpy() for g in as_tuple] == [20.0, 4.0]
    assert set(as_dict) == {"a", "b"}
    assert (as_dict["a"].numpy(), as_dict["b"].numpy()) == (20.0, 4.0)


def test_unconnected_source_gives_none():
    a, unused = Variable(2.0), Variable(1.0)
    with Tape() as tape:
        tape.watch(unused)
        y = a * 3.0
    da, d_unused = tape.gradient(y, [a, unused])
    assert da.numpy() == 3.0 and d_unused is None


def test_gradient_numpy_gives_a_plain_float_or_array():
    x, w = Variable(3.0), Variable(np.array([1.0, 2.0]))
    with Tape() as tape:
        y = x * np.sum(w ** 2)   # dy/dx = |w|² = 5, dy/dw = 2xw
    dx, dw = tape.gradient(y, [x, w])
    assert type(dx.numpy()) in (float, np.float64) and dx.numpy() == 5.0
    assert isinstance(dw.numpy(), np.ndarray)
    np.testing.assert_allclose(dw.numpy(), [6.0, 12.0])


def test_gradient_of_an_array_target_is_the_gradient_of_its_sum():
    w = Variable(np.array([1.0, 2.0, 3.0]))
    with Tape() as tape:
        y = w ** 2
    np.testing.assert_allclose(tape.gradient(y, w).numpy(), [2.0, 4.0, 6.0])


def test_output_gradients_weight_an_array_target():
    w = Variable(np.array([1.0, 2.0, 3.0]))
    with Tape() as tape:
        y = w ** 2
    g = tape.gradient(y, w, output_gradients=np.array([1.0, 0.0, -1.0]))
    np.testing.assert_allclose(g.numpy(), [2.0, 0.0, -6.0])


def test_watch_of_a_plain_number_raises_type_error_saying_to_wrap_it():
    with Tape() as tape:
        with pytest.raises(TypeError, match=r"admagic\.constant"):
            tape.watch(3.0)


def test_watch_outside_the_with_block_raises_runtime_error():
    tape = Tape()
    with pytest.raises(RuntimeError, match="with"):
        tape.watch(constant(1.0))


def test_watched_variables_lists_what_the_tape_watched_in_order():
    a, b = Variable(1.0), constant(2.0)
    with Tape() as tape:
        tape.watch(b)
        a * b  # using a Variable inside the tape watches it
    assert tape.watched_variables() == (b, a)


def test_variable_value_is_unchanged_and_usable_after_the_tape():
    x = Variable(3.0)
    with Tape() as tape:
        y = x * x
    assert float(x) == 3.0 and float(y) == 9.0
    x.assign(4.0)
    with Tape() as tape:
        y = x * x
    assert tape.gradient(y, x).numpy() == 8.0


# ---- PyTorch's style -------------------------------------------------------------------------------

def test_backward_fills_grad_with_6_at_3():
    x = tensor(3.0, requires_grad=True)
    y = x * x
    y.backward()
    assert x.grad == 6.0


def test_backward_accumulates_into_grad_until_zeroed():
    x = tensor(3.0, requires_grad=True)
    (x * x).backward()
    (x * x).backward()
    assert x.grad == 12.0   # 6 + 6, as PyTorch accumulates
    x.zero_grad()
    assert x.grad is None
    (x ** 3).backward()
    assert x.grad == 27.0   # 3x² at 3, from zero again


def test_backward_leaves_grad_none_for_tensors_that_do_not_require_it():
    x = tensor(3.0, requires_grad=True)
    c = tensor(2.0)
    (x * c).backward()
    assert x.grad == 2.0 and c.grad is None


def test_backward_of_an_array_needs_its_weights():
    w = tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = w * w
    with pytest.raises(RuntimeError, match="gradient="):
        y.backward()
    y.backward(gradient=np.array([1.0, 1.0]))
    np.testing.assert_allclose(w.grad, [2.0, 4.0])


# ---- perturbation confusion and deep graphs ----------------------------------------------------

def test_nested_tapes_avoid_perturbation_confusion():
    # d/dx [x · d/dy (x + y)] = d/dx [x · 1] = 1 at x = 1. A confused engine counts the inner
    # tape's x as a variable of the inner derivative too, and answers 2.
    x = Variable(1.0)
    with Tape() as outer:
        y = Variable(5.0)
        with Tape() as inner:
            z = x + y
        dz_dy = inner.gradient(z, y)
        w = x * dz_dy
    assert dz_dy.numpy() == 1.0
    assert outer.gradient(w, x).numpy() == 1.0


def test_inner_derivative_that_depends_on_the_outer_variable():
    # d/dx [x · d/dy (x · y)] = d/dx [x²] = 2x = 2 at x = 1.
    x = Variable(1.0)
    with Tape() as outer:
        y = Variable(5.0)
        with Tape() as inner:
            z = x * y
        w = x * inner.gradient(z, y)
    assert outer.gradient(w, x).numpy() == 2.0


N_STEPS = 100_000


def test_a_100000_step_python_loop_differentiates_without_recursion_error():
    # y = x + N·sin(x) after N steps, so dy/dx = 1 + N·cos(x).
    x = Variable(0.3)
    with Tape() as tape:
        y = x
        for _ in range(N_STEPS):
            y = y + np.sin(x)
    assert tape.gradient(y, x).numpy() == pytest.approx(1.0 + N_STEPS * np.cos(0.3), rel=1e-9)


def test_a_100000_step_chain_differentiates_through_grad():
    # Each step multiplies by 1: y = x·1·1·... so dy/dx = 1, through a chain N nodes deep.
    def chain(x):
        y = x
        for _ in range(N_STEPS):
            y = y * 1.0
        return y
    assert admagic.grad(chain)(2.0) == 1.0


# ---- the tape's list of nodes, which the reverse sweep reads backwards --------------------------

def test_the_tape_lists_its_nodes_in_the_order_they_were_made():
    x = Variable(0.5)
    with Tape() as tape:
        y = np.sin(x)
        z = y * x
    assert [node.primitive for node in tape.nodes] == [None, np.sin, np.multiply]
    assert tape.nodes[1] is y and tape.nodes[2] is z
    assert tape.nodes[2].in_edges() == [(0, y), (1, tape.nodes[0])]


def test_parents_line_up_with_the_arguments_and_none_marks_an_untraced_one():
    x = constant(2.0)
    with Tape() as tape:
        tape.watch(x)
        y = 3.0 - x
    assert y.args == (3.0, 2.0)
    assert y.parents == (None, tape.nodes[0])
    assert y.in_edges() == [(1, tape.nodes[0])]


def test_a_released_tape_walks_the_graph_instead_and_gives_the_same_gradient():
    # z = sin(x²)·x², so dz/dx = 2x·(cos(x²)·x² + sin(x²)).
    x = Variable(0.7)
    with Tape(persistent=True) as tape:
        y = x * x
        z = np.sin(y) * y
    from_the_list = tape.gradient(z, x).numpy()
    tape.release()
    assert tape.nodes is None
    assert tape.gradient(z, x).numpy() == from_the_list
    assert from_the_list == pytest.approx(2 * 0.7 * (np.cos(0.49) * 0.49 + np.sin(0.49)), rel=1e-14)


def test_a_non_persistent_tape_lets_go_of_its_list_after_its_gradient():
    x = Variable(3.0)
    with Tape() as tape:
        y = x * x
    assert len(tape.nodes) == 2
    tape.gradient(y, x)
    assert tape.nodes is None


def test_the_eager_tape_keeps_no_list_so_nothing_piles_up():
    from admagic.tape import EAGER

    x = tensor(3.0, requires_grad=True)
    for _ in range(3):
        y = x * x
    y.backward()
    assert EAGER.nodes is None
    assert x.grad == 6.0


def test_a_100000_step_chain_of_eager_tensors_walks_without_recursion_error():
    # The eager tape has no list: backward() finds the nodes by walking the graph, in a loop.
    x = tensor(2.0, requires_grad=True)
    y = x
    for _ in range(N_STEPS):
        y = y * 1.0
    y.backward()
    assert x.grad == 1.0


def _operations_left_for_the_collector(call):
    from admagic.tape import Node

    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)  # what the collector frees stays in gc.garbage, to count
    try:
        call()
        gc.collect()
        return sum(isinstance(o, Node) and o.primitive is not None for o in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


def _loop(x):
    y = x
    for _ in range(50):
        y = y * x + np.sin(y)
    return y


def _non_persistent_tape_gradient():
    x = Variable(0.3)
    with Tape() as tape:
        y = _loop(x)
    tape.gradient(y, x)


@pytest.mark.parametrize("call", [
    lambda: admagic.grad(_loop)(0.3),
    lambda: admagic.value_and_grad(_loop)(0.3),
    lambda: admagic.jacobian(lambda w: np.sin(w) * w)(np.ones(3)),
    lambda: admagic.hessian(lambda w: np.sum(w ** 3))(np.ones(2)),
    lambda: admagic.derivative(_loop, 2)(0.3),
    lambda: admagic.differentiate("y = x\nfor _ in range(50):\n    y = y * x + np.sin(y)",
                                  {"x": 0.3}, order=2),
    _non_persistent_tape_gradient,
], ids=["grad", "value_and_grad", "jacobian", "hessian", "derivative", "differentiate",
        "Tape.gradient"])
def test_the_record_is_freed_at_once_not_left_to_the_cyclic_collector(call):
    # The tape lists its nodes and each node names its tape: a cycle, unless the tape lets go of
    # its list once it has answered. Otherwise every record would wait for the cyclic collector.
    assert _operations_left_for_the_collector(call) == 0


def test_backward_can_keep_only_the_inputs_adjoints():
    # y = sin(x)·x, so dy/dx = cos(x)·x + sin(x).
    from admagic.tape import backward

    x = Variable(0.5)
    with Tape(persistent=True) as tape:
        y = np.sin(x) * x
    leaf = tape.nodes[0]
    every = backward(y, 1.0)
    inputs_only = backward(y, 1.0, keep_interior=False)
    assert set(every) == set(tape.nodes)
    assert list(inputs_only) == [leaf]
    assert inputs_only[leaf] == every[leaf] == pytest.approx(np.cos(0.5) * 0.5 + np.sin(0.5))


# ---- backward() sees every path, through tapes too (issue 11, item 3) -------------------------


def test_backward_sees_the_path_through_a_tape_and_a_variable():
    # y = v * t, so dy/dt = v = 2 (PyTorch gives 2.0 too).
    v, t = Variable(2.0), tensor(3.0, requires_grad=True)
    with Tape():
        y = v * t
    y.backward()
    assert t.grad == 2.0


def test_backward_inside_the_tape_block_sees_the_path_too():
    v, t = Variable(2.0), tensor(3.0, requires_grad=True)
    with Tape():
        y = v * t * t   # dy/dt = 2 v t = 12
        y.backward()
    assert t.grad == 12.0


def test_backward_counts_a_tensor_a_tape_watches_once():
    t = tensor(3.0, requires_grad=True)
    with Tape() as tape:
        tape.watch(t)
        y = t * t
    y.backward()
    assert t.grad == 6.0
    assert tape.gradient(y, t).numpy() == 6.0


def test_backward_inside_grad_accumulates_every_call_to_the_right_total():
    # y = t x and u = 2 t: dy/dt + du/dt = x + 2 = 4 at x = 2, a plain number.
    t = tensor(1.0, requires_grad=True)

    def f(x):
        y = t * x
        y.backward()
        u = t * 2.0
        u.backward()
        return x * x

    assert admagic.grad(f)(2.0) == 4.0
    assert t.grad == 4.0 and type(t.grad) is float


def test_backward_of_a_value_with_no_tensor_that_requires_grad_changes_nothing():
    v, t = Variable(2.0), tensor(3.0)
    with Tape():
        y = v * t
    y.backward()
    assert t.grad is None


# ---- discard(): a tape lets go of its whole record --------------------------------------------


def test_discard_leaves_every_node_without_a_graph_and_escaped_values_plain():
    x = Variable(3.0)
    escaped = []
    with Tape() as tape:
        z = x * x
        escaped.append(np.sin(z) + z)
    nodes = list(tape.nodes)
    tape.discard()
    assert tape.nodes is None and tape.watched_variables() == ()
    for node in nodes:
        assert (node.primitive, node.args, node.kwargs, node.parents) == (None, (), None, ())
    y = escaped[0]
    assert float(y) == np.sin(9.0) + 9.0
    doubled = y * 2.0
    assert type(doubled) is not admagic.Traced and doubled == 2 * (np.sin(9.0) + 9.0)


def test_discard_frees_the_record_at_once():
    import weakref

    class Marker(np.ndarray):  # an array that can be watched for being freed
        pass

    x = Variable(2.0)
    with Tape() as tape:
        big = x * np.ones(1000).view(Marker)
        alive = weakref.ref(big.args[1])
        kept = np.sum(big)   # `kept` escapes; `big` is only in the record
    del big
    assert alive() is not None   # the record holds it
    tape.discard()
    assert alive() is None       # without the cyclic collector's help
    assert float(kept) == 2000.0


def test_discard_inside_the_with_block_is_refused():
    with Tape() as tape:
        with pytest.raises(RuntimeError, match="after its `with` block"):
            tape.discard()


# ---- what a student reads: each value shows as the number it is ---------------------------------

def test_a_gradient_shows_as_a_constant_holding_the_plain_number():
    x = Variable(3.0)
    with Tape() as tape:
        y = x * x
    assert repr(tape.gradient(y, x)) == "constant(6.0)"  # d(x²)/dx = 2x at 3


def test_after_nested_tapes_close_both_derivatives_show_as_constants():
    x = Variable(3.0)
    with Tape() as outer:
        with Tape() as inner:
            y = x * x * x
        dy_dx = inner.gradient(y, x)
        assert repr(dy_dx) == "traced(27.0)"  # 3x², still recorded by the outer tape
    d2y_dx2 = outer.gradient(dy_dx, x)
    assert (repr(dy_dx), repr(d2y_dx2)) == ("constant(27.0)", "constant(18.0)")  # 6x = 18


def test_a_traced_value_never_shows_numpys_scalar_type():
    t = tensor(3.0, requires_grad=True)
    assert repr(t * t) == "traced(9.0)"
    assert repr(t) == "tensor(3.0, requires_grad=True)"
    assert repr(Variable(np.float64(2.0))) == "Variable(2.0)"
    assert repr(constant(np.array([1.0, 2.0]))) == "constant(array([1., 2.]))"
    with Tape() as tape:
        w = Variable(np.array([1.0, 2.0]))
        assert repr(w * 2.0) == "traced(array([2., 4.]))"
