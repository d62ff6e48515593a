"""``%%grad`` driven in a real IPython shell: what it displays, what it leaves in the namespace, how
it reports a bad line or a failing cell, and that it keeps no memory from cell to cell."""

import gc
import re
import sys
import tracemalloc

import numpy as np
import pytest
from IPython.core.error import UsageError
from IPython.testing import globalipapp
from IPython.testing.globalipapp import start_ipython
from IPython.utils.capture import capture_output

from admagic.magic import GradMagics, _split_line
from admagic.result import GradResult
from admagic.traced import Traced
from html_table import table_of


@pytest.fixture(scope="module")
def shell():
    ip = start_ipython() or globalipapp.get_ipython()  # another test module may have started it
    ip.run_line_magic("load_ext", "admagic")
    return ip


@pytest.fixture
def ip(shell):
    """The shell, showing every mime type (as a kernel does), with a fresh namespace for the test
    and GradMagics' settings restored afterwards."""
    formatter = shell.display_formatter
    active, saved_ns = formatter.active_types, dict(shell.user_ns)
    formatter.active_types = list(formatter.formatters)
    magics = magics_of(shell)
    settings = {name: getattr(magics, name) for name in magics.trait_names() if name in
                ("order", "graph", "max_nodes", "max_derivative_size")}
    shell.run_cell("import numpy as np")
    yield shell
    formatter.active_types = active
    for name, value in settings.items():
        setattr(magics, name, value)
    shell.user_ns.clear()
    shell.user_ns.update(saved_ns)


def magics_of(shell):
    return shell.magics_manager.registry["GradMagics"]


class Ran:
    """What one cell did: its ExecutionResult, its displayed bundles, and what it printed."""

    def __init__(self, shell, source):
        with capture_output() as captured:
            self.result = shell.run_cell(source)
        self.bundles = [output.data for output in captured.outputs]
        self.stdout, self.stderr = captured.stdout, captured.stderr
        self.error = self.result.error_in_exec or self.result.error_before_exec

    @property
    def html(self):
        (bundle,) = self.bundles
        return bundle["text/html"]

    def table(self):
        """{row: {column: text}} read from the displayed HTML table."""
        return table_of(self.html)


def cell_header(line, number=r"\d+"):
    """How a traceback names the cell's frame: "Cell In[5], line 3" from IPython 8 on, and
    "<ipython-input-5-...> in <module>" in IPython 7 (whose arrow alone gives the line)."""
    return rf"(Cell In\[{number}\], line {line}\b|<ipython-input-{number}-[0-9a-f]+> in <module>)"


def traced_in(namespace):
    """Names whose values are (or hold, inside containers) admagic traced values."""
    def holds(value, depth=0):
        if type(value) is Traced:
            return True
        if depth > 5:
            return False
        if isinstance(value, dict):
            return any(holds(v, depth + 1) for v in value.values())
        if isinstance(value, (list, tuple, set)):
            return any(holds(v, depth + 1) for v in value)
        return False
    return [k for k, v in namespace.items() if not k.startswith("_") and holds(v)]


# ---- the classic lesson ---------------------------------------------------------------------------

def test_square_at_three_shows_six(ip):
    ran = Ran(ip, "%%grad x=3\ny = x * x\n")
    assert ran.error is None
    assert ran.table() == {"y": {"value": "9", "d/dx": "6"}}
    assert ip.user_ns["_grad"]["dy/dx"] == 6.0
    assert ip.user_ns["x"] == 3.0 and isinstance(ip.user_ns["x"], float) and ip.user_ns["y"] == 9.0


def test_order_two_shows_six_and_two(ip):
    ran = Ran(ip, "%%grad x=3 --order 2\ny = x * x\n")
    assert ran.table()["y"] == {"value": "9", "d/dx": "6", "d²/dx²": "2"}


def test_y_then_z_shows_6_and_108(ip):
    ran = Ran(ip, "%%grad x=3 -n 2\ny = x * x\nz = y * y\n")
    table = ran.table()
    assert table["y"]["d/dx"] == "6" and table["z"]["d/dx"] == "108"
    assert table["z"]["d²/dx²"] == "108"
    res = ip.user_ns["_grad"]
    assert (res["dz/dx"], res["d2z/dx2"], res["d2y/dx2"]) == (108.0, 108.0, 2.0)


def test_the_bundle_has_html_latex_and_text_and_the_graph_as_an_image(ip):
    ran = Ran(ip, "%%grad x=3\ny = x * x\n")
    (bundle,) = ran.bundles
    assert {"text/html", "text/latex", "text/plain"} <= set(bundle)
    assert r"\frac{dy}{dx} &= 6" in bundle["text/latex"]
    assert "d/dx" in bundle["text/plain"]
    if ip.user_ns["_grad"].svg is not None:
        assert '<img src="data:image/svg+xml;base64,' in bundle["text/html"]


def test_arrays_loss_gives_2w_and_scaling_gives_3_identity(ip):
    Ran(ip, "w0 = np.array([1.0, 2.0, 3.0])")
    ran = Ran(ip, "%%grad w=w0\nloss = np.sum(w ** 2)\nv = w * 3\n")
    assert ran.error is None
    res = ip.user_ns["_grad"]
    np.testing.assert_allclose(res["dloss/dw"], [2.0, 4.0, 6.0])
    np.testing.assert_allclose(res.jacobian("v", "w"), 3 * np.eye(3))
    assert ran.table()["loss"]["d/dw"] == "array(3,) [2, 4, 6]"
    assert type(ip.user_ns["v"]) is np.ndarray and type(ip.user_ns["w"]) is np.ndarray


def test_several_inputs_give_mixed_partials_matching_finite_differences(ip):
    ran = Ran(ip, "%%grad x=0.5 y=-1.2 --order 2\nf = np.exp(x * y) * np.sin(x)\n")
    assert ran.error is None
    res = ip.user_ns["_grad"]

    def f(x, y):
        return np.exp(x * y) * np.sin(x)

    h = 1e-4
    x, y = 0.5, -1.2
    fd_xy = (f(x + h, y + h) - f(x + h, y - h) - f(x - h, y + h) + f(x - h, y - h)) / (4 * h * h)
    fd_xx = (f(x + h, y) - 2 * f(x, y) + f(x - h, y)) / (h * h)
    assert res["d2f/dxdy"] == pytest.approx(fd_xy, rel=1e-6)
    assert res["d2f/dx2"] == pytest.approx(fd_xx, rel=1e-6)


# ---- the line -------------------------------------------------------------------------------------

def test_inputs_are_expressions_or_bare_names(ip):
    Ran(ip, "a = 2\nb = 4")
    ran = Ran(ip, "%%grad x=a+1 b w=np.ones((2, 3))\ny = x * b + np.sum(w)\n")
    assert ran.error is None
    res = ip.user_ns["_grad"]
    assert res.values["x"] == 3.0 and res.values["b"] == 4.0 and res["dy/dx"] == 4.0
    assert res["dy/dw"].shape == (2, 3)


@pytest.mark.parametrize("line", ["x=3, y=2", "x = 3 y = 2", "x= 3, y =2", "x=3 , y=2"])
def test_inputs_may_be_separated_by_commas_and_spaced_around_equals(ip, line):
    ran = Ran(ip, f"%%grad {line}\nz = x * y\n")
    assert ran.error is None, ran.stdout
    res = ip.user_ns["_grad"]
    assert (ip.user_ns["x"], ip.user_ns["y"]) == (3.0, 2.0)
    assert type(ip.user_ns["x"]) is float and type(ip.user_ns["y"]) is float  # not x = (3,)
    assert (res["dz/dx"], res["dz/dy"]) == (2.0, 3.0)


@pytest.mark.parametrize("line, values", [
    ("x = 3, y = x + 1", {"x": 3.0, "y": 4.0}),
    ("x=2 y = x ** 2 - 1", {"x": 2.0, "y": 3.0}),
    ("x=3 y=x if x > 5 else 1.5", {"x": 3.0, "y": 1.5}),
    ("x=True * 3. y=2", {"x": 3.0, "y": 2.0}),
    ("x=3 b", {"x": 3.0, "b": 4.0}),
])
def test_an_expression_with_spaces_is_one_input(ip, line, values):
    Ran(ip, "b = 4.0")
    ran = Ran(ip, f"%%grad {line}\nz = x * y if 'y' in dir() else x * b\n")
    assert ran.error is None, ran.stdout
    res = ip.user_ns["_grad"]
    assert {name: res.values[name] for name in res.inputs} == values


def test_an_input_sees_the_inputs_before_it_not_the_old_value(ip):
    Ran(ip, "x = 100.0")
    ran = Ran(ip, "%%grad x=3 y=x*2 w=np.array([x * k for k in range(3)])\nz = x * y\n")
    assert ran.error is None, ran.stdout
    res = ip.user_ns["_grad"]
    assert res.values["y"] == 6.0
    np.testing.assert_array_equal(res.values["w"], [0.0, 3.0, 6.0])
    assert res["dz/dx"] == 6.0 and res["dz/dy"] == 3.0  # y is an input of its own


def test_options_in_any_order_and_quoted_paths(tmp_path, ip):
    path = tmp_path / "my graph.dot"
    ran = Ran(ip, f'%%grad --order 2 x=1 --save "{path}" --no-graph --graph forward\ny = x ** 3\n')
    assert ran.error is None, ran.stderr
    assert ip.user_ns["_grad"]["d2y/dx2"] == 6.0
    assert path.read_text(encoding="utf-8").startswith("digraph")


def test_of_picks_outputs(ip):
    ran = Ran(ip, "%%grad x=2 --of z,y\ny = x * x\nz = y + 1\nq = y * 3\n")
    assert list(ran.table()) == ["z", "y"]


def test_out_stores_the_result_under_a_name_too(ip):
    Ran(ip, "%%grad x=2 -o first\ny = x * x\n")
    Ran(ip, "%%grad x=5 --out second\ny = x * x\n")
    assert ip.user_ns["first"]["dy/dx"] == 4.0 and ip.user_ns["second"]["dy/dx"] == 10.0
    assert ip.user_ns["_grad"] is ip.user_ns["second"]


def test_no_graph_and_graph_options(ip):
    assert "<img" not in Ran(ip, "%%grad x=3 --no-graph\ny = x * x\n").html
    res = Ran(ip, "%%grad x=3 --edges --graph-of y\ny = x * x\nz = y * y\n") and ip.user_ns["_grad"]
    assert "∂y/∂x = 6" in res.graph.source
    Ran(ip, "%%grad x=3 --graph backward\ny = x * x\n")
    assert "backward" in ip.user_ns["_grad"].graph.source


def test_check_adds_a_finite_difference_column(ip):
    table = Ran(ip, "%%grad x=2 --check\ny = x ** 3\n").table()
    estimate, error = table["y"]["d/dx by finite differences"].split("error")
    assert float(estimate) == pytest.approx(12.0, rel=1e-8) and float(error) < 1e-6


def test_save_writes_the_graph(tmp_path, ip):
    Ran(ip, f"%%grad x=3 --save {tmp_path / 'g.svg'}\ny = x * x\n")
    if ip.user_ns["_grad"].svg is not None:
        assert "<svg" in (tmp_path / "g.svg").read_text(encoding="utf-8")


def test_help_lists_every_option_with_examples(ip):
    help_text = ip.find_cell_magic("grad").__doc__
    for option in ("--order", "--of", "--no-graph", "--check", "--out", "--save", "--graph-of",
                   "--edges", "--graph", "Examples", "%%grad x=3"):
        assert option in help_text


def test_help_reads_as_plain_text(ip):
    help_text = ip.find_cell_magic("grad").__doc__
    assert "::" not in help_text and "``" not in help_text
    assert help_text.startswith("Usage:\n") and "%%grad [-n N]" in help_text.splitlines()[2]


def test_the_line_splits_at_spaces_but_keeps_brackets_and_quotes_together():
    assert _split_line("w=np.ones((2, 3)) s='a b' -n 2 --save 'x y.svg'") == [
        "w=np.ones((2, 3))", "s='a b'", "-n", "2", "--save", "x y.svg"]


BAD_LINES = [
    ("", "at least one input"),
    ("--order 2", "at least one input"),
    ("x=", "has no value"),
    ("3=x", "not a Python name"),
    ("x=1 x=2", "given twice"),
    ("x=1 --bogus", "unrecognized arguments: --bogus"),
    ("x=1 --order 0", "--order 0"),
    ("x=1 --order two", "invalid int value: 'two'"),
    ("x=1 --of 3a", "--of 3a"),
    ("x=1 --save graph.txt", "--save graph.txt"),
    ("x=1 --save nodir/g.png", "the folder nodir doesn't exist"),
    ("x = ", "has no value"),
    ("x=1 --graph sideways", "invalid choice"),
    ("x=(1", "bracket is never closed"),
    ("x=1+", "not a Python expression"),
    ("x='text'", "input x"),
    ("x=1 --of nothing_here", "not set by the cell"),
]


@pytest.mark.parametrize("line, reason", BAD_LINES)
def test_a_bad_line_is_a_usage_error_with_reason_and_usage_and_runs_nothing(ip, line, reason):
    ran = Ran(ip, f"%%grad {line}\nran_it = True\ny = x * x\n")
    assert isinstance(ran.error, UsageError)
    first, *rest = str(ran.error).splitlines()
    assert reason in first
    assert rest[0].startswith("usage: %%grad")
    assert "ran_it" not in ip.user_ns and "_grad" not in ip.user_ns


@pytest.mark.parametrize("name", ["__builtins__", "get_ipython", "__name__"])
def test_an_input_that_shadows_the_interpreter_is_refused_and_later_cells_work(ip, name):
    ran = Ran(ip, f"%%grad {name}=3\nran_it = True\ny = {name} * 2\n")
    assert isinstance(ran.error, UsageError)
    first, *rest = str(ran.error).splitlines()
    assert name in first and rest[0].startswith("usage: %%grad")
    assert "ran_it" not in ip.user_ns
    assert Ran(ip, "print(1)").stdout == "1\n"
    ran = Ran(ip, "%%grad x=3\ny = x * x\n")
    assert ran.error is None and ip.user_ns["_grad"]["dy/dx"] == 6.0
    assert traced_in(ip.user_ns) == []


def test_an_input_that_fails_shows_its_own_error(ip):
    ran = Ran(ip, "%%grad x=missing_name+1\ny = x * x\n")
    assert isinstance(ran.error, NameError) and "missing_name" in str(ran.error)
    assert "----> 1 %%grad x=missing_name+1" in _plain(ran.stdout)


# ---- traitlets ------------------------------------------------------------------------------------

def test_config_sets_defaults(ip):
    ip.run_line_magic("config", "GradMagics.order = 2")
    assert "d²/dx²" in Ran(ip, "%%grad x=3\ny = x * x\n").table()["y"]
    ip.run_line_magic("config", "GradMagics.graph = False")
    assert "<img" not in Ran(ip, "%%grad x=3\ny = x * x\n").html
    ip.run_line_magic("config", "GradMagics.max_derivative_size = 10")
    ran = Ran(ip, "%%grad w=np.ones(4) -n 1\nv = w * np.sum(w)\n")
    assert ran.table()["v"]["d/dw"] == "—" and "max_derivative_size" in ran.html


def test_config_refuses_order_zero(ip):
    with pytest.raises(Exception, match="order must be 1 or more"):
        magics_of(ip).order = 0


# ---- faults: an ordinary traceback at the cell's line, and a clean namespace -----------------------

FAULTS = [
    ("y = x * x\nraise ValueError('boom')\n", ValueError, 3),
    ("y = x * x\nraise KeyboardInterrupt\n", KeyboardInterrupt, 3),
    ("y = x * x\nq = 1 // 0\n", ZeroDivisionError, 3),
    ("y = x * x\nys = [y, {'k': (y,)}]\nq = int(y)\n", TypeError, 4),
    ("ys = [x]\nd = {'a': x * 2}\n\nnot_defined\n", NameError, 5),
]


@pytest.mark.parametrize("body, error, line", FAULTS)
def test_a_failing_cell_shows_a_traceback_at_its_line_and_leaves_plain_values(ip, body, error, line):
    ran = Ran(ip, f"%%grad x=3\n{body}")
    assert isinstance(ran.error, error)
    text = _plain(ran.stdout)
    failing = body.splitlines()[line - 2]
    assert re.search(cell_header(line), text), text
    assert f"----> {line} {failing}" in text
    assert "run_cell_magic" not in text and "admagic/cell.py" not in text
    assert traced_in(ip.user_ns) == []
    assert ip.user_ns["x"] == 3.0
    if "y" in ip.user_ns:
        assert ip.user_ns["y"] == 9.0


def test_the_traceback_names_the_cell_by_its_own_number(ip):
    with capture_output() as captured:
        result = ip.run_cell("%%grad x=3\nraise ValueError('boom')\n", store_history=True)
    assert result.execution_count is not None
    text = _plain(captured.stdout)
    assert re.search(cell_header(2, result.execution_count), text) and "----> 2 raise" in text


@pytest.mark.filterwarnings("ignore:divide by zero")
def test_dividing_by_zero_shows_inf_and_leaves_plain_values(ip):
    ran = Ran(ip, "%%grad x=3\ny = x / 0.0\n")
    assert ran.error is None
    assert ran.table()["y"] == {"value": "inf", "d/dx": "inf"}
    assert ip.user_ns["y"] == np.inf and traced_in(ip.user_ns) == []


def test_a_failing_cell_leaves_no_tape_alive(ip):
    Ran(ip, "%%grad x=3\ny = x * x\nraise ValueError('boom')\n")
    gc.collect()
    assert [o for o in gc.get_objects() if type(o) is Traced] == []


def _traced_objects():
    gc.collect()
    return sum(type(o) is Traced for o in gc.get_objects())


def _last_error_holds_traced_values():
    """Whether IPython's kept error (sys.last_value, sys.last_traceback) reaches a traced value."""
    seen, pending = set(), [sys.last_value]
    while pending:
        error = pending.pop()
        if error is None or id(error) in seen:
            continue
        seen.add(id(error))
        if traced_in({"args": error.args, **vars(error)}):
            return True
        pending += [error.__context__, error.__cause__]
    tb = sys.last_traceback
    while tb is not None:
        if traced_in({k: v for k, v in tb.tb_frame.f_locals.items() if not k.startswith("_")}):
            return True
        tb = tb.tb_next
    return False


LOOP_THEN_INT = "y = x\nfor i in range(10000):\n    y = y * 1.0001\nk = int(y)\n"


def test_an_error_admagic_raises_ends_at_the_students_line_and_keeps_no_record(ip):
    before = _traced_objects()  # values an earlier test's cell may have left
    ran = Ran(ip, f"%%grad x=3\n{LOOP_THEN_INT}")
    assert isinstance(ran.error, TypeError) and "int() would drop the derivative" in str(ran.error)
    text = _plain(ran.stdout)
    assert "----> 5 k = int(y)" in text and "traced.py" not in text and "admagic" not in text
    assert _traced_objects() <= before
    assert not _last_error_holds_traced_values()


def test_an_error_in_the_students_function_shows_its_frame_and_keeps_no_record(ip):
    before = _traced_objects()  # values an earlier test's cell may have left
    ip.run_line_magic("xmode", "Verbose")  # which reads each frame's variables
    try:
        ran = Ran(ip, "%%grad x=3\ndef f(a):\n    b = a * 2\n    raise ValueError(b)\ny = f(x)\n")
    finally:
        ip.run_line_magic("xmode", "Context")
    assert isinstance(ran.error, ValueError)
    text = _plain(ran.stdout)
    assert "----> 5 y = f(x)" in text and "----> 4     raise ValueError(b)" in text
    assert ran.error.args == (6.0,) and type(ran.error.args[0]) is not Traced
    assert _traced_objects() <= before
    assert not _last_error_holds_traced_values()


def test_a_usage_error_found_after_the_run_keeps_no_record(ip):
    before = _traced_objects()  # values an earlier test's cell may have left
    ran = Ran(ip, "%%grad x=3 --of z\ny = x\nfor i in range(1000):\n    y = y * 1.0\n"
                  "if x > 5:\n    z = y\n")
    assert isinstance(ran.error, UsageError) and "did not set z" in str(ran.error)
    assert _traced_objects() <= before
    assert not _last_error_holds_traced_values()


def test_a_failure_of_admagic_before_the_cell_runs_shows_all_its_frames(ip, monkeypatch):
    def broken(code, inputs, **options):
        raise RuntimeError("admagic itself failed")

    monkeypatch.setattr("admagic.magic.differentiate", broken)
    ran = Ran(ip, "%%grad x=3\ny = x * x\n")
    assert isinstance(ran.error, RuntimeError)
    text = _plain(ran.stdout)
    assert 'raise RuntimeError("admagic itself failed")' in text  # where it failed, to report


def test_a_syntax_error_points_at_its_line_and_runs_nothing(ip):
    ran = Ran(ip, "%%grad x=3\nran_it = 1\ny = x *\n")
    assert isinstance(ran.error, SyntaxError) and ran.error.lineno == 3
    assert "ran_it" not in ip.user_ns


def test_values_built_in_containers_are_plain(ip):
    Ran(ip, "%%grad x=2\nys = [x * k for k in range(3)]\npair = (x, {'sq': x * x})\n")
    assert ip.user_ns["ys"] == [0.0, 2.0, 4.0] and ip.user_ns["pair"] == (2.0, {"sq": 4.0})
    assert traced_in(ip.user_ns) == []


# ---- nothing is kept from cell to cell ------------------------------------------------------------

def test_the_magic_returns_nothing_and_output_history_stays_empty(ip):
    result = ip.run_cell("%%grad x=3\ny = x * x\n", store_history=True)
    assert result.result is None
    assert not any(isinstance(v, GradResult) for v in ip.user_ns["Out"].values())


@pytest.mark.slow
def test_hundreds_of_cells_keep_memory_flat(ip):
    published = []
    original = ip.display_pub.publish
    ip.display_pub.publish = lambda data, *a, **k: published.append(len(data["text/html"]))
    tracemalloc.start()  # before the warm-up, so that what caches free is counted too
    try:
        cell = "%%grad x=3 --order 2\ny = x * x\nz = np.sin(y) * y\nys = [y, z]\n"
        # Warm up: Python's and IPython's caches (the type attribute cache, linecache, formatter
        # lookups) fill over the first couple of hundred cells and then stay put.
        for _ in range(200):
            ip.run_cell(cell)
        gc.collect()
        alive_before = {id(o) for o in gc.get_objects() if type(o) is Traced}
        start = tracemalloc.get_traced_memory()[0]
        for _ in range(300):
            ip.run_cell(cell)
        gc.collect()
        growth = tracemalloc.get_traced_memory()[0] - start
    finally:
        tracemalloc.stop()
        ip.display_pub.publish = original
    assert len(published) == 500 and all(size > 0 for size in published)
    alive = [o for o in gc.get_objects() if type(o) is Traced and id(o) not in alive_before]
    assert alive == []
    # A result or a tape kept per cell would be several kilobytes each: ~1 MB over 300 cells.
    assert growth < 64 * 1024, f"memory grew by {growth:,} bytes over 300 cells"


def _plain(text):
    """Text without terminal colour codes."""
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def test_magics_class_is_registered_with_its_traits():
    assert set(GradMagics.class_trait_names(config=True)) >= {
        "order", "graph", "max_nodes", "max_derivative_size"}


# ---- high orders and the Taylor polynomial (Taylor mode, one scalar input) -----------------------

def test_order_8_of_one_input_matches_the_closed_form(ip):
    # d⁸/dx⁸ (sin x · eˣ) = 2⁴ eˣ sin(x + 2π) = 16 eˣ sin x
    ran = Ran(ip, "%%grad x=0.5 --order 8 --no-graph\ny = np.sin(x) * np.exp(x)")
    assert ran.error is None
    res = ip.user_ns["_grad"]
    for k in range(1, 9):
        closed_form = 2 ** (k / 2) * np.exp(0.5) * np.sin(0.5 + k * np.pi / 4)
        assert res[f"d{k}y/dx{k}" if k > 1 else "dy/dx"] == pytest.approx(closed_form, rel=1e-12)


def test_an_array_output_of_one_input_gets_elementwise_high_derivatives(ip):
    ran = Ran(ip, "%%grad x=2 --order 3 --no-graph\nv = np.array([1.0, 2.0, 3.0]) * x ** 3")
    assert ran.error is None
    np.testing.assert_allclose(ip.user_ns["_grad"]["d3v/dx3"], [6.0, 12.0, 18.0])
    np.testing.assert_allclose(ip.user_ns["_grad"]["d2v/dx2"], [12.0, 24.0, 36.0])


def test_taylor_shows_the_polynomial_as_latex_and_as_text(ip):
    ran = Ran(ip, "%%grad x=3 --order 2 --taylor --no-graph\ny = x * x")
    assert ran.error is None
    table, polynomial = ran.bundles
    assert "y ≈ 9 + 6(x−3) + (x−3)²" in polynomial["text/plain"]
    assert r"y &\approx 9 + 6 (x - 3) + (x - 3)^{2}" in polynomial["text/latex"]
    assert ip.user_ns["_grad"].taylor.coefficients["y"] == [9.0, 6.0, 1.0]


def test_taylor_needs_one_input_that_is_a_number(ip):
    for line in ("x=1 y=2 --taylor", "w=np.ones(2) --taylor"):
        ran = Ran(ip, f"%%grad {line}\nz = np.sum(x * 2) if 'x' in dir() else np.sum(w)")
        assert isinstance(ran.error, UsageError)
        assert "--taylor writes a polynomial in one variable" in str(ran.error)


def test_method_nested_forces_nested_reverse_mode_and_the_caption_says_which(ip):
    ip.run_cell_magic("grad", "x=2 y=3 --order 2 --no-graph", "z = x * x * y")
    fast = ip.user_ns["_grad"]
    ip.run_cell_magic("grad", "x=2 y=3 --order 2 --no-graph --method nested", "z = x * x * y")
    nested = ip.user_ns["_grad"]
    assert "by Taylor interpolation" in str(fast) and "by nested reverse mode" in str(nested)
    for key, want in {"d2z/dx2": 2 * 3, "d2z/dxdy": 2 * 2, "d2z/dy2": 0, "dz/dx": 12}.items():
        assert fast[key] == pytest.approx(want, abs=1e-12) and nested[key] == want, key


# ---- the textbook view: --trace, --mode forward, --seed, --explain --------------------------------

SURVEY_CELL = "y = np.log(x1) + x1 * x2 - np.sin(x2)\n"


def _by_definition(trace):
    return {row.definition.split(" = ", 1)[1]: row for row in trace.rows}


def test_trace_shows_the_survey_tables_under_the_derivative_table(ip):
    """Baydin et al., JMLR 18 (2018), tables 2 and 3: values, tangents (ẋ1 = 1) and adjoints."""
    ran = Ran(ip, f"%%grad x1=2 x2=5 --mode forward --trace\n{SURVEY_CELL}")
    assert ran.error is None
    table, trace = ran.bundles
    assert "forward mode" in table["text/html"] and "forward mode" in table["text/plain"]
    assert {"text/html", "text/plain"} <= set(trace)
    assert "v₋₁ = x1" in trace["text/plain"] and "v̄₀ = 1.716" in trace["text/plain"]
    assert "v₋₁ × v₀" in trace["text/html"]
    rows = _by_definition(ip.user_ns["_grad"].trace)
    paper = {"x1": (2, 1, 5.5), "x2": (5, 0, 1.716), "ln v₋₁": (0.693, 0.5, 1),
             "v₋₁ × v₀": (10, 5, 1), "sin v₀": (-0.959, 0, -1), "v1 + v2": (10.693, 5.5, 1),
             "v3 − v4": (11.652, 5.5, 1)}
    assert set(rows) == set(paper)
    for definition, (value, tangent, adjoint) in paper.items():
        row = rows[definition]
        assert (row.value, row.tangent, row.adjoint) == pytest.approx(
            (value, tangent, adjoint), abs=5e-4), definition


def test_trace_in_reverse_mode_matches_finite_differences(ip):
    ran = Ran(ip, f"%%grad x1=2 x2=5 --trace --no-graph\n{SURVEY_CELL}")
    assert ran.error is None and len(ran.bundles) == 2
    res = ip.user_ns["_grad"]
    f = lambda a, b: np.log(a) + a * b - np.sin(b)
    h = 1e-6
    fd = ((f(2 + h, 5) - f(2 - h, 5)) / (2 * h), (f(2, 5 + h) - f(2, 5 - h)) / (2 * h))
    inputs = res.trace.rows[:2]
    assert (inputs[0].adjoint, inputs[1].adjoint) == pytest.approx(fd, rel=1e-8)
    assert "reverse mode" in ran.bundles[0]["text/plain"]
    assert (res.steps[0].node, res.steps[0].row) == ("y", "v5")  # as drawn; its row in the trace
    assert res.steps[-1].adjoints["x2"] == pytest.approx(fd[1])


def test_seed_picks_whose_tangents_the_trace_shows(ip):
    ran = Ran(ip, f"%%grad x1=2 x2=5 --mode forward --seed x2 --trace --no-graph\n{SURVEY_CELL}")
    assert ran.error is None
    rows = _by_definition(ip.user_ns["_grad"].trace)
    assert rows["x2"].tangent == 1.0 and rows["x1"].tangent == 0.0
    assert rows["v3 − v4"].tangent == pytest.approx(2 - np.cos(5.0))
    assert "d(·)/dx2" in ran.bundles[1]["text/plain"]


@pytest.mark.parametrize("cell", [
    SURVEY_CELL,
    "y = x1 * x1\nz = np.exp(y) * x2\n",
    "h = x1\nfor _ in range(4):\n    h = np.tanh(h * x2 + x1)\n",
])
def test_forward_and_reverse_agree_through_the_magic(ip, cell):
    for line in ("x1=0.7 x2=-1.3 --no-graph", "x1=0.7 x2=-1.3 --no-graph --order 2"):
        Ran(ip, f"%%grad {line} --mode forward\n{cell}")
        forward = ip.user_ns["_grad"]
        Ran(ip, f"%%grad {line}\n{cell}")
        reverse = ip.user_ns["_grad"]
        assert list(forward) == list(reverse)
        for key in reverse:
            assert forward[key] == pytest.approx(reverse[key], rel=1e-12, abs=1e-15), key


def test_explain_shows_the_chain_rule_as_latex_and_text(ip):
    ran = Ran(ip, "%%grad x=2 y=3 --explain --no-graph\nf = x * y + np.sin(x)\n")
    assert ran.error is None
    table, explanation = ran.bundles
    assert "1 × 3 + 1 × (-0.4161)" in explanation["text/plain"]
    assert r"\frac{\partial f}{\partial x}" in explanation["text/latex"]
    assert ip.user_ns["_grad"].explanation.rules[0].total == pytest.approx(3 + np.cos(2.0))


@pytest.mark.parametrize("line, message", [
    ("x=2 --mode sideways", "the modes are forward"),
    ("x=2 --trace --graph backward", "drop --graph backward"),
    ("x=2 --trace --seed q", "--seed q: that is not an input here; the inputs are: x"),
    ("x=2 --trace --seed 3", "--seed 3: give the name of an input, as --seed x"),
    ("x=2 --seed x", "add --trace, or --mode forward"),
    ("w=np.ones(2) --mode forward", "--mode forward takes inputs that are numbers"),
])
def test_bad_textbook_options_give_a_usage_error_and_run_nothing(ip, line, message):
    ip.user_ns.pop("y", None)
    ran = Ran(ip, f"%%grad {line}\ny = x * x\n")
    assert isinstance(ran.error, UsageError)
    assert message in str(ran.error) and "usage: %%grad" in str(ran.error)
    assert "y" not in ip.user_ns


def test_explain_of_an_array_output_gives_a_usage_error_saying_why(ip):
    ran = Ran(ip, "%%grad x=2 --explain\nu = np.stack([x, x * x])\n")
    assert isinstance(ran.error, UsageError)
    assert "u is an array" in str(ran.error) and "Jacobian" in str(ran.error)


# ---- --plot ---------------------------------------------------------------------------------------

@pytest.fixture
def figures(monkeypatch):
    """The matplotlib figures --plot draws, as they go to PNG: their lines are what is drawn."""
    pytest.importorskip("matplotlib")
    import admagic.plot

    drawn, png = [], admagic.plot.png
    monkeypatch.setattr(admagic.plot, "png", lambda figure, **kw: drawn.append(figure) or
                        png(figure, **kw))
    return drawn


def _lines(axes):
    """{legend label: (x data, y data)} of one panel."""
    return {line.get_label(): (np.asarray(line.get_xdata()), np.asarray(line.get_ydata()))
            for line in axes.get_lines() if not line.get_label().startswith("_")}


def test_plot_draws_the_output_and_its_derivatives_over_the_range_as_a_png(ip, figures):
    ran = Ran(ip, "%%grad x=1 --order 2 --plot -3:3\ny = np.sin(x) * x\n")
    assert ran.error is None
    table, image = ran.bundles
    assert table["text/plain"].count("d/dx") >= 1 and image["image/png"][:4] in (b"\x89PNG", "iVBO")
    (axes,) = figures[0].axes
    lines = _lines(axes)
    xs = lines["y"][0]
    assert (xs[0], xs[-1], len(xs)) == (-3, 3, 200)
    np.testing.assert_allclose(lines["y"][1], np.sin(xs) * xs, rtol=1e-12)
    np.testing.assert_allclose(lines["dy/dx"][1], np.sin(xs) + xs * np.cos(xs), atol=1e-13)
    np.testing.assert_allclose(lines["d²y/dx²"][1], 2 * np.cos(xs) - xs * np.sin(xs), atol=1e-13)
    slope = np.sin(1) + np.cos(1)
    np.testing.assert_allclose(lines["tangent at x = 1"][1], np.sin(1) + slope * (xs - 1))
    assert ip.user_ns["y"] == pytest.approx(np.sin(1.0)) and not traced_in(ip.user_ns)


def test_a_bare_plot_before_an_array_input_draws_y_and_dy_dx_at_its_points(ip, figures):
    ran = Ran(ip, "%%grad --plot x=np.linspace(-1, 1, 21)\ny = x ** 3\n")
    assert ran.error is None and "image/png" in ran.bundles[-1]
    lines = _lines(figures[0].axes[0])
    xs = np.linspace(-1, 1, 21)
    np.testing.assert_allclose(lines["y"][0], xs)
    np.testing.assert_allclose(lines["y"][1], xs ** 3, atol=1e-15)
    np.testing.assert_allclose(lines["dy/dx"][1], 3 * xs ** 2, atol=1e-14)


def test_plot_and_save_write_the_graph_and_the_plot_beside_it(ip, figures, tmp_path):
    ran = Ran(ip, f"%%grad x=0.5 --plot --save {tmp_path / 'sq.svg'}\ny = x * x\n")
    assert ran.error is None
    assert (tmp_path / "sq.svg").read_text().lstrip().startswith(("<?xml", "<svg")) or \
        ip.user_ns["_grad"].svg is None
    assert (tmp_path / "sq-plot.svg").read_text().count("<svg") == 1
    assert _lines(figures[0].axes[0])["y"][0][[0, -1]].tolist() == [-1.5, 2.5]  # 0.5 ± 2


@pytest.mark.parametrize("words, joined", [
    (["x=1", "--plot"], ["x=1", "--plot="]),
    (["--plot", "x=1"], ["--plot=", "x=1"]),
    (["--plot", "-3:3", "x=1"], ["--plot=-3:3", "x=1"]),
    (["x=1", "--plot", "0.5:2.5", "-n", "2"], ["x=1", "--plot=0.5:2.5", "-n", "2"]),
])
def test_plots_range_is_read_however_the_line_places_it(words, joined):
    from admagic.extras import plot_range_joined

    assert plot_range_joined(words) == joined


@pytest.mark.parametrize("line, message", [
    ("x=1 y=2 --plot", "--plot draws a function of one input, and this line gives two (x, y)"),
    ("x=1 --plot 3:1", "3:1"),
    ("x=1 --plot=a:b", "--plot takes a range as LO:HI, like --plot -3:3 (got 'a:b')"),
])
def test_a_plot_that_cant_be_drawn_is_a_usage_error_saying_why_and_runs_nothing(ip, line, message):
    ip.user_ns.pop("f", None)
    ran = Ran(ip, f"%%grad {line}\nf = x * 2\n")
    assert isinstance(ran.error, UsageError) and message in str(ran.error)
    assert "usage: %%grad" in str(ran.error) and "f" not in ip.user_ns and not ran.bundles


def test_an_array_input_with_a_plot_range_is_a_usage_error_saying_why(ip, figures):
    ran = Ran(ip, "%%grad --plot -1:1 x=np.linspace(0, 1, 5)\ny = x * 2\n")
    assert isinstance(ran.error, UsageError) and "takes no range" in str(ran.error)


def test_plot_without_matplotlib_says_what_to_install(ip, monkeypatch):
    import admagic.plot

    def missing():
        raise ImportError(admagic.plot.INSTALL)
    monkeypatch.setattr(admagic.plot, "_matplotlib_figure", missing)
    ran = Ran(ip, "%%grad x=1 --plot\ny = x * x\n")
    assert isinstance(ran.error, UsageError) and "pip install 'admagic[plot]'" in str(ran.error)


# ---- --step ---------------------------------------------------------------------------------------

STEP_CELL = "a = x * y\nf = a + np.sin(x) * a\n"  # a is used twice


@pytest.fixture
def widgets(monkeypatch):
    """The step-through widgets --step makes."""
    pytest.importorskip("anywidget")
    from admagic import stepper

    made, make = [], stepper.stepper
    monkeypatch.setattr(stepper, "stepper",
                        lambda *a, **kw: made.append(make(*a, **kw)) or made[-1])
    return made


def test_step_shows_the_widget_carrying_the_static_table_and_graph(ip, widgets):
    ran = Ran(ip, f"%%grad x=2 y=3 --step\n{STEP_CELL}")
    assert ran.error is None
    (bundle,) = ran.bundles  # the trace is in the widget's data, not shown under it
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == widgets[0].model_id
    res = ip.user_ns["_grad"]
    assert bundle["text/html"] == res._repr_html_() and bundle["text/plain"] == str(res)
    assert table_of(bundle["text/html"])["f"]["∂/∂y"] == f"{2 * (1 + np.sin(2)):.4g}"
    assert len(widgets[0].frames) == len(res.steps) + 2
    if res.graph is not None:
        assert "data-node=" in widgets[0].svg and "ranksep=1.1" in res.graph.source


def test_steps_add_up_to_the_gradients_and_a_value_used_twice_gets_two_shares(ip, widgets):
    Ran(ip, f"%%grad x=2 y=3 --step --no-graph\n{STEP_CELL}")
    res = ip.user_ns["_grad"]
    row = {r.label: r.drawn for r in res.trace.rows if r.label}  # steps name values as drawn
    received = {}
    for step in res.steps:
        for parent, amount in step.sent:
            received.setdefault(parent, []).append(amount)
    assert len(received[row["a"]]) == 2
    f = lambda x, y: x * y + np.sin(x) * x * y
    h = 1e-6
    fd = {"x": (f(2 + h, 3) - f(2 - h, 3)) / (2 * h), "y": (f(2, 3 + h) - f(2, 3 - h)) / (2 * h)}
    final = res.steps[-1].adjoints
    for name in ("x", "y"):
        assert sum(received[row[name]]) == pytest.approx(final[row[name]], rel=1e-14)
        assert final[row[name]] == pytest.approx(fd[name], rel=1e-8)
    assert sum(received[row["a"]]) == pytest.approx(1 + np.sin(2.0), rel=1e-14)


def test_step_in_forward_mode_steps_the_tangent_sweep(ip, widgets):
    ran = Ran(ip, "%%grad x=2 y=3 --step --mode forward --trace\nf = x * y + np.sin(x)\n")
    assert ran.error is None
    frames = widgets[0].frames
    assert "adds up what its in-edges bring" in frames[1]["caption"][0]
    assert "tangents, forward mode seeded by x" in widgets[0].svg
    (output,) = [gid for gid, text in frames[0]["bands"].items() if text.startswith("∂f/∂x")]
    assert frames[0]["bands"][output] == "∂f/∂x = ?"  # the output's tangent comes last
    assert frames[-2]["bands"] == {output: f"∂f/∂x = {3 + np.cos(2):.4g}"}  # ∂f/∂x = y + cos x
    assert "Evaluation trace" in ran.bundles[0]["text/html"]  # --trace: beside it, and in its fallback


def test_without_anywidget_step_shows_the_static_result_and_says_what_to_install(ip, monkeypatch):
    from admagic import stepper

    def missing():
        raise ImportError(stepper.INSTALL_ADVICE)
    monkeypatch.setattr(stepper, "_widget_class", missing)
    ran = Ran(ip, f"%%grad x=2 y=3 --step\n{STEP_CELL}")
    assert ran.error is None
    (bundle,) = ran.bundles
    assert "application/vnd.jupyter.widget-view+json" not in bundle
    assert table_of(bundle["text/html"])["f"]["value"] == f"{6 + np.sin(2) * 6:.4g}"
    assert ran.stdout.strip() == f"--step: {stepper.INSTALL_ADVICE}"


def test_a_sweep_too_long_to_watch_shows_the_static_result_and_what_to_do(ip, monkeypatch):
    pytest.importorskip("anywidget")
    from admagic import stepper

    monkeypatch.setattr(stepper, "MAX_STEPS", 3)
    ran = Ran(ip, f"%%grad x=2 y=3 --step --trace\n{STEP_CELL}")
    assert ran.error is None
    table, trace = ran.bundles
    assert "Evaluation trace" in trace["text/html"]
    assert "more than the 3 the step-through shows" in ran.stdout
    assert "smaller case" in ran.stdout and ran.stdout.count("\n") == 1


def test_step_with_the_backward_graph_is_refused(ip):
    ran = Ran(ip, "%%grad x=2 --step --graph backward\ny = x * x\n")
    assert isinstance(ran.error, UsageError) and "drop one of them" in str(ran.error)
