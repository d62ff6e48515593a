"""When a ``%%grad`` cell ends, its tapes discard their record (`Tape.discard`): a traced value
the namespace cleaner can't reach (a generator's suspended frame, a module attribute, a library
object's insides) holds no graph afterwards, and a later cell sees it as the plain number it is,
a constant. The table, the graph, the trace, the steps and the chain rule are all made before
that, and stay right; errors and Ctrl-C discard too.

How much of a graph is alive is measured directly: every `Node` the garbage collector can find
that was made after the test started, and what each still points at."""

import gc
import math
import os
import signal
import sys
import types

import numpy as np
import pytest

import admagic as am
from admagic.cell import differentiate
from admagic.tape import Node, Tape, ancestors
from admagic.traced import Traced, new_leaf

LOOP = "y = x\nfor i in range(50):\n    y = np.sin(y) * 1.01\n"  # 101 nodes on each tape


def first_new_number():
    """The number the next Node will get: every node numbered above it was made by the test."""
    with Tape() as tape:
        marker = new_leaf(tape, 0.0)
    tape.discard()
    return marker.number + 1


def nodes_since(number):
    """Every Node still alive that was made at or after `number`."""
    gc.collect()
    return [o for o in gc.get_objects() if isinstance(o, Node) and o.number >= number]


def assert_no_graph(since):
    """No node made since `since` still knows how it was made, so none keeps another alive."""
    alive = nodes_since(since)
    with_a_graph = [n for n in alive if n.parents or n.args or n.primitive is not None]
    assert with_a_graph == [], f"{len(with_a_graph)} of {len(alive)} nodes still hold a graph"
    return alive


@pytest.fixture
def stash():
    """A module the cell can import and keep things in, out of the cleaner's reach."""
    module = types.ModuleType("stash_for_test_discard")
    module.kept = []
    sys.modules[module.__name__] = module
    yield module
    del sys.modules[module.__name__]


def sin_loop(x):
    y = x
    for _ in range(50):
        y = math.sin(y) * 1.01
    return y


def sin_loop_derivative(x):
    """d/dx of 50 steps of y -> 1.01·sin(y): the product of each step's 1.01·cos(y)."""
    y, slope = x, 1.0
    for _ in range(50):
        slope *= 1.01 * math.cos(y)
        y = math.sin(y) * 1.01
    return slope


# ---- escaped values hold no graph, and are constants later --------------------------------------

def test_a_value_kept_in_a_generators_frame_holds_no_graph_and_is_a_constant_later():
    since = first_new_number()
    ns = {"np": np}
    code = LOOP + "def gen():\n    v = y * 3.0\n    yield v\n    yield v\ng = gen()\nfirst = next(g)\n"
    res = differentiate(code, {"x": 1.0}, namespace=ns, graph=False)
    assert res["dfirst/dx"] == pytest.approx(3 * sin_loop_derivative(1.0), rel=1e-12)
    kept = next(ns["g"])  # the frame's v: the cleaner can't reach into a suspended generator
    assert type(kept) is Traced and len(ancestors(kept)) == 1
    alive = assert_no_graph(since)
    assert len(alive) <= 2  # v and the y it was made from, each alone
    later = differentiate("z = x * c", {"x": 2.0}, namespace={"np": np, "c": kept}, graph=False)
    assert later["dz/dx"] == pytest.approx(3 * sin_loop(1.0), rel=1e-12)  # c is a constant
    assert later.values["z"] == pytest.approx(6 * sin_loop(1.0), rel=1e-12)


def test_a_value_kept_in_a_module_attribute_holds_no_graph_and_is_a_constant_later(stash):
    since = first_new_number()
    ns = {"np": np}
    differentiate(LOOP + f"import {stash.__name__} as s\ns.kept.append(y)\n", {"x": 0.5},
                  namespace=ns, graph=False)
    (kept,) = stash.kept
    assert len(ancestors(kept)) == 1 and float(kept) == pytest.approx(sin_loop(0.5), rel=1e-12)
    assert len(assert_no_graph(since)) == 1
    later = differentiate(f"import {stash.__name__} as s\nz = x * x + s.kept[0]", {"x": 3.0},
                          namespace={"np": np}, graph=False)
    assert later["dz/dx"] == 6.0  # 2x: the kept value adds nothing to the derivative
    assert later.values["z"] == pytest.approx(9.0 + sin_loop(0.5), rel=1e-12)


def test_values_inside_library_objects_hold_no_graph():
    """A C iterator, a queue and an lru_cache each keep the value where the cleaner can't write."""
    since = first_new_number()
    ns = {"np": np}
    code = LOOP + ("import itertools, queue, functools\nr = itertools.repeat(y)\n"
                   "q = queue.Queue()\nq.put(y * 2.0)\n"
                   "@functools.lru_cache\ndef cached(a):\n    return a\ncached(y)\n")
    differentiate(code, {"x": 1.0}, namespace=ns, graph=False)
    repeated, queued = next(ns["r"]), ns["q"].get()
    assert type(repeated) is Traced and type(queued) is Traced  # the cleaner didn't get these...
    assert len(ancestors(repeated)) == 1 and len(ancestors(queued)) == 1  # ...but no graph
    assert_no_graph(since)
    assert float(queued * 1.0) == pytest.approx(2 * sin_loop(1.0), rel=1e-12)


def test_nested_tapes_are_discarded_at_every_level(stash):
    """At order 2 (two tapes, by nested reverse mode) the kept value wraps the outer tape's: both
    hold no graph."""
    since = first_new_number()
    res = differentiate(LOOP + f"import {stash.__name__} as s\ns.kept.append(y)\n",
                        {"x": np.array([0.3, 0.6])}, order=2, namespace={"np": np}, graph=False)
    assert res["dy/dx"] == pytest.approx([sin_loop_derivative(0.3), sin_loop_derivative(0.6)],
                                         rel=1e-12)
    value, levels = stash.kept[0], 0
    while type(value) is Traced:
        assert len(ancestors(value)) == 1
        value, levels = value.value, levels + 1
    assert levels == 2
    assert_no_graph(since)


# ---- every way a cell ends discards -------------------------------------------------------------

@pytest.mark.parametrize("ending, error", [
    ("raise ValueError('stop')", ValueError),
    ("raise KeyboardInterrupt", KeyboardInterrupt),
    ("q = 1 // 0", ZeroDivisionError),
])
def test_a_cell_that_fails_midway_discards_its_record(stash, ending, error):
    since = first_new_number()
    with pytest.raises(error):
        differentiate(LOOP + f"import {stash.__name__} as s\ns.kept.append(y)\n{ending}\n",
                      {"x": 1.0}, namespace={"np": np}, graph=False)
    assert len(ancestors(stash.kept[0])) == 1
    assert_no_graph(since)


def test_a_request_refused_after_the_run_discards_its_record(stash):
    """--of a name that turns out not to be a number is refused once the cell has run: its record
    goes too."""
    since = first_new_number()
    with pytest.raises(am.usage.GradUsageError, match="label"):
        differentiate(LOOP + f"import {stash.__name__} as s\ns.kept.append(y)\nlabel = 'y'\n",
                      {"x": 1.0}, of=["label"], namespace={"np": np}, graph=False)
    assert len(stash.kept) == 1
    assert_no_graph(since)


def test_a_real_ctrl_c_mid_cell_discards_its_record(stash):
    """SIGINT, as Jupyter's interrupt sends it, in the middle of the cell's loop."""
    since = first_new_number()
    code = (f"import {stash.__name__} as s, os, signal\n" + LOOP + "s.kept.append(y)\n"
            "for i in range(10**6):\n    y = y * 1.0\n    if i == 100:\n"
            "        os.kill(os.getpid(), signal.SIGINT)\n")
    with pytest.raises(KeyboardInterrupt):
        differentiate(code, {"x": 1.0}, namespace={"np": np}, graph=False)
    assert_no_graph(since)


def test_a_ctrl_c_while_discarding_waits_until_every_tape_is_discarded(monkeypatch, stash):
    """The interrupt is held back while the tapes discard, then raised: no tape is left half
    discarded."""
    since, discarded = first_new_number(), []
    original = Tape.discard

    def interrupted_discard(tape):
        if not discarded:
            os.kill(os.getpid(), signal.SIGINT)  # arrives while the first tape discards
        discarded.append(tape)
        original(tape)

    monkeypatch.setattr(Tape, "discard", interrupted_discard)
    with pytest.raises(KeyboardInterrupt):
        differentiate(LOOP + f"import {stash.__name__} as s\ns.kept.append(y)\n",
                      {"x": np.array([1.0, 2.0])}, order=3, namespace={"np": np}, graph=False)
    assert len(discarded) == 3  # one tape per order, all discarded before the Ctrl-C went up
    assert_no_graph(since)


def test_a_cell_run_twice_for_want_of_a_taylor_rule_discards_both_runs(stash):
    """pinv has no Taylor rule: the cell runs again by nested reverse mode; the first run's record
    goes as well as the second's. y = 1/x as pinv of [[x]]: d2y/dx2 = 2/x³."""
    since = first_new_number()
    res = differentiate(f"import {stash.__name__} as s\ny = np.linalg.pinv(np.array([[x]]))[0, 0]"
                        "\ns.kept.append(y)\n", {"x": 2.0}, order=2, namespace={"np": np},
                        graph=False)
    assert "no Taylor rule" in " ".join(res.notes)
    assert res["d2y/dx2"] == pytest.approx(2 / 2.0 ** 3, rel=1e-9)
    assert len(stash.kept) == 2
    assert_no_graph(since)


# ---- what reads the record is made before the discard, and is right ----------------------------

def test_graph_trace_steps_and_chain_rule_are_right_though_the_record_is_gone(stash):
    """z = y², y = x² at x = 3: z = 81, dz/dy = 2y = 18, dy/dx = 2x = 6, dz/dx = 4x³ = 108."""
    since = first_new_number()
    res = differentiate(f"import {stash.__name__} as s\ny = x * x\nz = y * y\ns.kept.append(z)\n",
                        {"x": 3.0}, namespace={"np": np}, trace=True, explain=True, step=True)
    assert_no_graph(since)  # the trace still holds its nodes, each alone
    assert res["dz/dx"] == 108.0 and res["dy/dx"] == 6.0
    rows = {row.label: row for row in res.trace.rows}
    assert (rows["x"].value, rows["y"].value, rows["z"].value) == (3.0, 9.0, 81.0)
    assert (rows["x"].adjoint, rows["y"].adjoint, rows["z"].adjoint) == (108.0, 18.0, 1.0)
    assert (rows["x"].tangent, rows["y"].tangent, rows["z"].tangent) == (1.0, 6.0, 108.0)
    steps = res.steps  # made now, from the trace's own copy of the sweep
    assert [step.adjoint for step in steps] == [1.0, 18.0]  # z first, then y
    assert steps[-1].adjoints == {"z": 1.0, "y": 18.0, "x": 108.0}  # named as the graph draws them
    assert "18 × 6 = 108" in str(res.explanation)
    labels = " ".join(res.graph.source.split())
    assert "81" in labels and "108" in labels  # z's value, and dz/dx on the input


def test_the_backward_graph_is_drawn_before_the_record_goes(stash):
    """--graph backward draws the first derivatives' own graph: dy/dx = cos(x)·x + sin(x)."""
    since = first_new_number()
    res = differentiate(f"import {stash.__name__} as s\ny = np.sin(x) * x\ns.kept.append(y)\n",
                        {"x": 1.0}, namespace={"np": np}, graph_kind="backward")
    assert res.graph is not None and "cos" in res.graph.source
    assert res["dy/dx"] == pytest.approx(math.cos(1.0) + math.sin(1.0), rel=1e-15)
    assert_no_graph(since)


# ---- the functional API discards too; a Tape the user holds keeps its record -------------------

def logged_sin_loop(log):
    def f(x):
        y = x
        for _ in range(50):
            y = np.sin(y) * 1.01
        log.append(y)  # a training loop's log: it outlives the call
        return y
    return f


@pytest.mark.parametrize("call", [
    lambda f: am.grad(f)(0.7),
    lambda f: am.value_and_grad(f)(0.7)[1],
    lambda f: am.derivative(f)(0.7),
    lambda f: am.jacobian(f)(0.7),
    lambda f: am.derivatives(f, 1)(0.7)["df/dx"],
    lambda f: am.jvp(f, (0.7,), (1.0,))[1],
], ids=["grad", "value_and_grad", "derivative", "jacobian", "derivatives", "jvp"])
def test_a_value_a_function_keeps_holds_no_graph_once_the_api_returns(call):
    since, log = first_new_number(), []
    assert call(logged_sin_loop(log)) == pytest.approx(sin_loop_derivative(0.7), rel=1e-12)
    assert len(ancestors(log[0])) == 1 and float(log[0]) == pytest.approx(sin_loop(0.7), rel=1e-12)
    assert_no_graph(since)


def test_nested_grad_is_right_and_its_inner_logs_hold_no_graph():
    """d²/dx² of x³ = 6x; the inner function logs its value at each call."""
    since, log = first_new_number(), []

    def cube(x):
        log.append(x * x * x)
        return log[-1]

    assert am.grad(am.grad(cube))(2.0) == 12.0
    assert am.hessian(lambda w: np.sum(cube(w)))(np.array([1.0, 2.0])).tolist() == [[6.0, 0.0],
                                                                                    [0.0, 12.0]]
    assert_no_graph(since)


def test_a_function_that_fails_leaves_no_graph():
    since, log = first_new_number(), []

    def fails(x):
        logged_sin_loop(log)(x)
        raise ValueError("stop")

    with pytest.raises(ValueError, match="stop"):
        am.grad(fails)(0.7)
    assert len(log) == 1
    assert_no_graph(since)


def test_only_admagics_own_tapes_discard_a_tape_the_user_holds_keeps_its_record():
    """GradientTape semantics: a persistent tape answers again after grad() and %%grad have run
    and discarded theirs; y = x³ + x at x = 2: dy/dx = 3x² + 1 = 13."""
    x, log = am.Variable(2.0), []
    with am.Tape(persistent=True) as tape:
        y = x * x * x + x
    assert am.grad(logged_sin_loop(log))(0.7) == pytest.approx(sin_loop_derivative(0.7), rel=1e-12)
    ns = {"np": np}
    differentiate("import itertools\nz = w * w\nr = itertools.repeat(z)", {"w": 1.0},
                  namespace=ns, graph=False)
    assert len(ancestors(log[0])) == 1 and len(ancestors(next(ns["r"]))) == 1
    assert len(ancestors(y)) == 4  # x, x·x, x·x·x and y: the user's record is all there
    assert float(tape.gradient(y, x)) == 13.0 and float(tape.gradient(y, x)) == 13.0


@pytest.mark.parametrize("branch", ["y = np.sin(x) * x", "y = np.sin(x) * x if x > 0 else x"],
                         ids=["all points at once", "point by point"])
def test_the_runs_plot_makes_discard_their_records(stash, branch):
    """--plot runs the cell again over many points (at once, or one by one for a branch)."""
    from admagic.plot import evaluate

    since, xs = first_new_number(), np.linspace(0.5, 1.5, 5)
    curves = evaluate(f"import {stash.__name__} as s\n{branch}\ns.kept.append(y)\n", "x", xs,
                      order=1)
    assert curves["y"][1] == pytest.approx(np.cos(xs) * xs + np.sin(xs), rel=1e-12)
    assert stash.kept
    assert_no_graph(since)


# ---- through %%grad itself ---------------------------------------------------------------------

def test_through_the_magic_a_kept_value_holds_no_graph_and_the_next_cell_is_right():
    """Two real %%grad cells: the first leaves y = x³ at x = 2 in a generator's frame; the second
    uses it as the constant 8: z = 8·u, dz/du = 8."""
    from IPython.testing import globalipapp
    from IPython.utils.capture import capture_output

    shell = globalipapp.start_ipython() or globalipapp.get_ipython()
    shell.run_line_magic("load_ext", "admagic")
    since = first_new_number()
    try:
        with capture_output():
            first = shell.run_cell("%%grad x=2 --trace\ny = x * x * x\n"
                                   "def keep():\n    v = y\n    while True:\n        yield v\n"
                                   "kept = keep()\nnext(kept)")
            second = shell.run_cell("%%grad u=1.5 --no-graph\nz = u * next(kept)")
        assert first.success and second.success
        assert shell.user_ns["_grad"]["dz/du"] == 8.0 and shell.user_ns["_grad"].values["z"] == 12.0
        value = next(shell.user_ns["kept"])
        assert type(value) is Traced and float(value) == 8.0
        assert_no_graph(since)
    finally:
        for name in ("kept", "keep", "x", "y", "u", "z", "_grad"):
            shell.user_ns.pop(name, None)


def _stop(y):
    raise TypeError("stop")


def _logged_then(log, ending):
    """f logs a traced value (50 steps of graph), then returns `ending(y)`: something refused."""
    def f(x):
        logged_sin_loop(log)(x)
        return ending(log[-1])
    return f


@pytest.mark.parametrize("call, ending, message", [
    (lambda f: am.grad(f)(0.7), lambda y: y * np.ones(2), "returned shape \\(2,\\)"),
    (lambda f: am.value_and_grad(f)(0.7), lambda y: {"y": y}, "returned a dict"),
    (lambda f: am.grad(f)(0.7), lambda y: y > 0, "True/False"),
    (lambda f: am.derivative(f)(0.7), lambda y: np.stack([y, y]), "returned shape \\(2,\\)"),
    (lambda f: am.derivative(f, order=3)(0.7), lambda y: np.stack([y, y]),
     "returned shape \\(2,\\)"),
    (lambda f: am.jvp(f, (0.7,), (1.0,)), _stop, "stop"),
    (lambda f: am.vjp(f, 0.7), _stop, "stop"),
    (lambda f: am.derivatives(f, 2)(0.7), _stop, "stop"),
], ids=["grad-shape", "value_and_grad-dict", "grad-bool", "derivative-shape",
        "derivative3-shape", "jvp-fails", "vjp-fails", "derivatives-fails"])
def test_a_refused_output_leaves_no_graph_in_what_f_kept(call, ending, message):
    since, log = first_new_number(), []
    with pytest.raises(TypeError, match=message):
        call(_logged_then(log, ending))
    assert len(log) == 1 and float(log[0]) == pytest.approx(sin_loop(0.7), rel=1e-12)
    assert_no_graph(since)
