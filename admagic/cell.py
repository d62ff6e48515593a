"""Running a cell of ordinary Python with some of its variables traced, and differentiating it.

This is what ``%%grad`` does, as a plain function that works without IPython:

>>> res = differentiate("y = x * x\\nz = y * y", {"x": 3.0}, order=2, graph=False)
>>> res["dy/dx"], res["dz/dx"], res["d2z/dx2"]
(6.0, 108.0, 108.0)

How: the inputs become leaves of `order` nested tapes (one more when the backward pass is to be
drawn), the cell runs once, and every traced value it binds is an output. The first derivatives
come from a reverse sweep on the innermost tape; because the tapes further out recorded that sweep,
sweeping them in turn gives the second derivatives, and so on (`compute_derivatives`).

Whatever happens in the cell, its namespace is left holding plain numbers and arrays, never a
traced value (`clean_namespace`).
"""

import ast
import contextlib
import hashlib
import io
import linecache
import math
import time
import warnings

import numpy as np

from .result import GradResult, NotComputed, leibniz
from .tape import Tape, backward
from . import taylor
from .namespace import clean_namespace
from .polynomial import TaylorPolynomials
from .traced import Traced, as_input, new_leaf, plain

DEFAULT_MAX_DERIVATIVE_SIZE = 10_000
DEFAULT_MAX_NODES = 150


class GradUsageError(ValueError):
    """The arguments make no sense (an unknown output, an input that is no number); nothing ran."""


def differentiate(code, inputs, *, order=1, of=None, namespace=None, graph=True, graph_of=None,
                  edges=False, graph_kind="forward", max_nodes=DEFAULT_MAX_NODES,
                  max_derivative_size=DEFAULT_MAX_DERIVATIVE_SIZE, check=False, taylor=False,
                  filename=None, first_line=1):
    """Run `code` with `inputs` traced; give a `GradResult` with every derivative up to `order`.

    `inputs` maps names to numbers or arrays (integers become floats). The outputs are the names
    `of` lists, or else every name the code binds whose value depends on an input, in the order
    bound, then the last expression's value if it is traced and has no name. `namespace` is the
    dict the code runs in (a fresh one with ``np`` when None); afterwards it holds plain values.

    `graph` draws the computation graph (``graph_kind="backward"`` draws the first derivatives'
    own graph instead); `graph_of` picks the output whose gradients it shows. A derivative with more
    than `max_derivative_size` numbers is not computed. `check` adds central finite differences.
    `taylor` adds each output's Taylor polynomial around the input (one scalar input only).
    `filename`/`first_line` say where tracebacks should point (``%%grad`` passes IPython's).

    With one scalar input, derivatives of order 2 and up come from Taylor mode (`taylor.py`): one
    recording, then about order² work per operation, instead of `order` nested tapes.

    >>> differentiate("loss = np.sum(w ** 2)", {"w": np.array([1.0, 2.0])}, graph=False)["dloss/dw"]
    array([2., 4.])
    """
    if not isinstance(order, (int, np.integer)) or isinstance(order, bool) or order < 1:
        raise GradUsageError(f"order must be a whole number, 1 or more (got {order!r}).")
    if graph_kind not in ("forward", "backward"):
        raise GradUsageError(f"graph_kind must be 'forward' or 'backward' (got {graph_kind!r}).")
    cell = _Cell(code, filename, first_line)
    values = _input_values(inputs)
    namespace = {"np": np} if namespace is None else namespace
    _check_names(of, graph_of, cell, values, namespace)
    one_number = len(values) == 1 and np.ndim(next(iter(values.values()))) == 0
    if taylor and not one_number:
        raise GradUsageError("--taylor writes a polynomial in one variable: give exactly one "
                             "input, a number (e.g. x=3).")
    backward_graph = graph and graph_kind == "backward"
    by_taylor = one_number and not backward_graph and (order > 1 or taylor)
    before = dict(namespace) if check else None
    levels = 1 if by_taylor else max(order, 2 if backward_graph else 1)
    timings = {}
    try:
        traced, named, derivatives, first, leaves, polynomials = _run_traced(
            cell, values, namespace, of, levels, order, max_derivative_size, backward_graph,
            by_taylor, timings)
    finally:
        started = time.perf_counter()
        clean_namespace(namespace)
        timings["cleaning"] = time.perf_counter() - started
    outputs = {name: _plain_copy(value) for name, value in traced.items()}
    notes = []
    picture = None
    if graph:
        started = time.perf_counter()
        picture = _draw(traced, named, leaves, first, graph_kind, graph_of, edges, max_nodes,
                        notes)
        timings["drawing"] = time.perf_counter() - started
    checks = {}
    if check:
        started = time.perf_counter()
        checks = finite_differences(cell, before, values, outputs, max_derivative_size)
        timings["checking"] = time.perf_counter() - started
    if taylor:
        (name, x0), = values.items()
        polynomials = TaylorPolynomials(polynomials, name, _plain_copy(x0))
    return GradResult(inputs={n: _plain_copy(v) for n, v in values.items()}, outputs=outputs,
                      derivatives=derivatives, order=order, checks=checks, graph=picture,
                      notes=notes, max_derivative_size=max_derivative_size, timings=timings,
                      taylor=polynomials if taylor else None)


# ---- the cell ------------------------------------------------------------------------------------

class _Cell:
    """The cell's code, compiled: its statements, its last expression apart, the names it binds."""

    def __init__(self, code, filename, first_line):
        if filename is None:  # named by its text, so running the same code again adds nothing
            digest = hashlib.sha1(f"{first_line}:{code}".encode("utf-8")).hexdigest()[:10]
            filename = f"<grad-cell {digest}>"
        if filename not in linecache.cache:  # so tracebacks can show the cell's lines
            lines = ("\n" * (first_line - 1) + code).splitlines(keepends=True)
            linecache.cache[filename] = (len(code), None, lines, filename)
        # Blank lines in front keep line numbers (in tracebacks, in SyntaxErrors) the user's own.
        tree = ast.parse("\n" * (first_line - 1) + code, filename, "exec")
        self.filename = filename
        self.bound = _bound_names(tree)
        self.last_source = None
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = tree.body.pop().value
            if not isinstance(last, ast.Name):
                self.last_source = " ".join(ast.get_source_segment(code, _shifted(last, first_line))
                                            .split()) or "_"
        self.body = compile(tree, filename, "exec")
        self.last = compile(ast.Expression(last), filename, "eval") if last is not None else None

    def run(self, namespace):
        """Run the cell in `namespace`; give the value of its last expression (None if none)."""
        exec(self.body, namespace)
        return eval(self.last, namespace) if self.last is not None else None


def _shifted(node, first_line):
    """A copy of `node`'s position relative to the code as given (without the padding lines)."""
    copy = ast.Expr()
    copy.lineno, copy.end_lineno = node.lineno - first_line + 1, node.end_lineno - first_line + 1
    copy.col_offset, copy.end_col_offset = node.col_offset, node.end_col_offset
    return copy


def _bound_names(tree):
    """Names the cell binds at its top level, in the order they are first bound."""
    binder = _Binder()
    binder.visit(tree)
    return list(binder.names)


class _Binder(ast.NodeVisitor):
    def __init__(self):
        self.names = {}  # a dict keeps the order of first binding

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Store):
            self.names.setdefault(node.id, None)

    def visit_FunctionDef(self, node):  # a def binds its name; its body is another scope
        self.names.setdefault(node.name, None)

    visit_AsyncFunctionDef = visit_ClassDef = visit_FunctionDef

    def visit_Lambda(self, node):
        pass

    def visit_Assign(self, node):  # the value is computed first, then the targets bound
        self.visit(node.value)
        for target in node.targets:
            self.visit(target)

    def visit_AugAssign(self, node):
        self.visit(node.value)
        self.visit(node.target)

    def visit_comprehension(self, node):  # its loop variable stays inside the comprehension
        self.visit(node.iter)
        for condition in node.ifs:
            self.visit(condition)


def _input_values(inputs):
    if not inputs:
        raise GradUsageError("Give at least one input to differentiate with respect to, e.g. x=3.")
    values = {}
    for name, value in inputs.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise GradUsageError(f"{name!r} can't be an input: inputs are Python names, "
                                 "like x or w1.")
        try:
            values[name] = as_input(plain(value))
        except TypeError as error:
            raise GradUsageError(f"input {name}: {error}") from None
    return values


def _check_names(of, graph_of, cell, values, namespace):
    known = set(cell.bound) | set(namespace) | set(values)
    named = list(of or ())
    if graph_of is not None and graph_of.isidentifier():  # not a key like "dy/dx"
        named.append(graph_of)
    for name in named:
        if name not in known and name != cell.last_source:
            raise GradUsageError(f"{name!r} is not set by the cell (it sets: "
                                 f"{', '.join(cell.bound) or 'nothing'}).")


# ---- running it, traced --------------------------------------------------------------------------

def _run_traced(cell, values, namespace, of, levels, order, max_size, keep_first, by_taylor,
                timings):
    """Run the cell inside `levels` nested tapes, and differentiate it while they still record."""
    with contextlib.ExitStack() as stack:
        leaves = []  # leaves[i][name]: the input as tape i (0 = outermost) sees it
        for level in range(levels):
            tape = stack.enter_context(Tape(persistent=True, watch_accessed_variables=False))
            stack.callback(tape.release)  # once the derivatives are taken, or on error
            leaves.append({name: new_leaf(tape, leaves[-1][name] if leaves else value)
                           for name, value in values.items()})
        namespace.update(leaves[-1])
        started = time.perf_counter()
        last = cell.run(namespace)
        timings["tracing"] = time.perf_counter() - started
        tape = leaves[-1][next(iter(values))].tape
        traced = _outputs(cell, namespace, values, of, last, tape)
        named = _outputs(cell, namespace, values, None, last, tape) if of else traced
        started = time.perf_counter()
        with np.errstate(all="ignore"):  # the cell's own run has warned about any inf or nan
            if by_taylor:
                (derivatives, polynomials), first = taylor_derivatives(traced, leaves[-1], order,
                                                                       max_size), {}
            else:
                polynomials = {}
                derivatives, first = compute_derivatives(traced, leaves, order, max_size,
                                                         keep_first)
        timings["derivatives"] = time.perf_counter() - started
    return traced, named, derivatives, first, leaves, polynomials


def _outputs(cell, namespace, values, of, last, tape):
    """The outputs, name -> value as the cell left it (traced when it depends on an input)."""
    if of:
        missing = [name for name in of if name not in namespace and name != cell.last_source]
        if missing:
            done = ", ".join(n for n in cell.bound if n in namespace) or "nothing"
            raise GradUsageError(f"The cell did not set {', '.join(missing)}; it set: {done}.")
        chosen = {name: last if name == cell.last_source else namespace[name] for name in of}
        for name, value in chosen.items():
            if not _is_numeric(plain(value)):
                raise GradUsageError(f"{name} is a {type(plain(value)).__name__}, not a number or "
                                     "array, so it has no derivative.")
        return chosen
    chosen = {name: namespace[name] for name in cell.bound
              if name not in values and name in namespace and _on(namespace[name], tape)}
    if cell.last_source is not None and _on(last, tape):
        chosen.setdefault(cell.last_source, last)
    return chosen


def _on(value, tape):
    return type(value) is Traced and tape.own(value) is not None


def _is_numeric(value):
    return (isinstance(value, (int, float, np.number, np.ndarray))
            and np.asarray(value).dtype.kind in "biuf")


# ---- the derivatives -----------------------------------------------------------------------------

class _Blocks:
    """A derivative tensor of shape ``prefix + block_shape``, kept as its blocks (one per index
    of `prefix`), each traced on the same tape: a reverse sweep from one block touches only what
    that block depends on."""

    def __init__(self, prefix, blocks, block_shape):
        self.prefix, self.blocks, self.block_shape = prefix, blocks, block_shape
        self.size = math.prod(prefix) * math.prod(block_shape)

    def value(self):
        """The plain numbers, shaped ``prefix + block_shape``."""
        if not self.prefix:
            return _plain_copy(self.blocks[0])
        stacked = np.stack([np.asarray(plain(b), dtype=float) for b in self.blocks])
        return stacked.reshape(self.prefix + self.block_shape)

    def traced(self):
        """The same tensor as one traced value, for drawing."""
        if not self.prefix:
            return self.blocks[0]
        return np.reshape(np.stack(self.blocks), self.prefix + self.block_shape)


def taylor_derivatives(outputs, leaves, order, max_size):
    """Every derivative of every output with respect to the one scalar input, up to `order`, from
    one Taylor-mode sweep over the record; and each output's Taylor coefficients.

    Gives ``({(output, (input,) * k): value}, {output: [c_0, ..., c_order]})``; an array output
    has its derivatives elementwise (the input is one number), `NotComputed` above `max_size`.
    """
    (name, leaf), = leaves.items()
    coefficients = taylor.taylor_coefficients(list(outputs.values()), leaf, order)
    results, polynomials = {}, {}
    for out, c in zip(outputs, coefficients):
        polynomials[out] = [_plain_copy(c_k) for c_k in c]
        size = int(np.size(c[0]))
        for k in range(1, order + 1):
            results[(out, (name,) * k)] = (NotComputed(np.shape(c[0]), size, max_size)
                                           if size > max_size else
                                           _plain_copy(math.factorial(k) * c[k]))
    return results, polynomials


def compute_derivatives(outputs, leaves, order, max_size, keep_first=False):
    """Every derivative of every output, up to `order`, by nested reverse sweeps.

    `outputs` maps names to values traced on the innermost tape; ``leaves[i][name]`` is input
    `name` on tape ``i`` (0 = outermost). The answer maps ``(output, (input, ...))`` — inputs in
    `leaves`' order, as ``d2z/dxdy`` is ``("z", ("x", "y"))`` — to a plain value shaped
    ``output.shape + input1.shape + ...``, or to `NotComputed` above `max_size` numbers. With
    `keep_first`, also the first derivatives as traced values (for drawing), else ``{}``.

    This is the one place derivatives are taken: a faster method for some case can go here.
    """
    names = list(leaves[0])
    shapes = {name: np.shape(plain(leaves[0][name])) for name in names}
    results, first = {}, {}
    frontier = {(out, ()): _Blocks((), [value], np.shape(plain(value)))
                for out, value in outputs.items()}
    too_big = {}  # (out, wrt) -> size, for derivatives not computed (nor those above them)
    for k in range(1, order + 1):
        level_leaves = leaves[-k]
        tape = next(iter(level_leaves.values())).tape
        grown, grown_too_big = {}, {}
        for (out, wrt), size in too_big.items():
            for name in names[names.index(wrt[-1]):]:
                grown_too_big[(out, wrt + (name,))] = size * math.prod(shapes[name])
        for (out, wrt), tensor in frontier.items():
            targets = names[names.index(wrt[-1]):] if wrt else names
            wanted = []
            for name in targets:
                size = tensor.size * math.prod(shapes[name])
                if size > max_size:
                    grown_too_big[(out, wrt + (name,))] = size
                else:
                    wanted.append(name)
            if wanted:
                jacobians = _jacobian(tensor, tape, [level_leaves[n] for n in wanted])
                for name, blocks in zip(wanted, jacobians):
                    grown[(out, wrt + (name,))] = _Blocks(tensor.prefix + tensor.block_shape,
                                                         blocks, shapes[name])
        for key, tensor in grown.items():
            results[key] = tensor.value()
            if k == 1 and keep_first:
                first[key] = tensor.traced()
        for (out, wrt), size in grown_too_big.items():
            shape = np.shape(plain(outputs[out])) + sum((shapes[n] for n in wrt), ())
            results[(out, wrt)] = NotComputed(shape, size, max_size)
        frontier, too_big = grown, grown_too_big
    return results, first


def _jacobian(tensor, tape, leaves):
    """For each leaf, the blocks of d(tensor)/d(leaf): one reverse sweep per number in `tensor`."""
    jacobians = [[] for _ in leaves]
    zeros = [np.zeros(np.shape(plain(leaf))) if np.ndim(plain(leaf)) else 0.0 for leaf in leaves]
    for block in tensor.blocks:
        traced = tape.own(block) if type(block) is Traced else None
        for index in np.ndindex(*tensor.block_shape):
            adjoints = {}
            if traced is not None:
                seed = np.float64(1.0)  # not Python's 1.0: x / 0.0 must give inf, not raise
                if tensor.block_shape:
                    seed = np.zeros(tensor.block_shape)
                    seed[index] = 1.0
                adjoints = backward(traced, seed)
            for blocks, leaf, zero in zip(jacobians, leaves, zeros):
                blocks.append(adjoints.get(leaf, zero))
    return jacobians


# ---- the graph -----------------------------------------------------------------------------------

def _draw(traced, named, leaves, first, graph_kind, graph_of, edges, max_nodes, notes):
    from . import graph

    if graph_kind == "backward":
        outputs = {leibniz(out, wrt): value for (out, wrt), value in first.items()}
        if graph_of is not None and graph_of in traced:  # the gradients of that output only
            outputs = {leibniz(out, wrt): v for (out, wrt), v in first.items() if out == graph_of}
            graph_of = None
        inputs = leaves[-2]
        title = "the backward pass: how the first derivatives were computed"
    else:
        outputs, inputs, title = traced, leaves[-1], None
    if not any(type(v) is Traced for v in outputs.values()):
        notes.append("No output depends on the inputs, so there is no graph to draw.")
        return None
    if graph_of is not None and graph_of not in outputs:
        raise GradUsageError(f"--graph-of {graph_of}: that is not an output here; the outputs "
                             f"are: {', '.join(outputs)}.")
    try:
        return graph.draw(outputs, inputs, gradient_of=graph_of, edges=edges,
                          max_nodes=max_nodes, title=title,
                          names=named if graph_kind == "forward" else None)
    except Exception as error:  # the numbers are right even if the picture fails: show them
        notes.append(f"The graph could not be drawn: {type(error).__name__}: {error}")
        return None


# ---- checking with finite differences ------------------------------------------------------------

MAX_CHECK_RUNS = 1000
"""--check runs the cell twice per number in an input; an input with more numbers isn't checked."""


def finite_differences(cell, namespace, inputs, outputs, max_size):
    """Central differences (f(x+h) - f(x-h)) / 2h for every output and input: the cell run again
    on plain values, twice per input number, in a copy of `namespace`, with its printing hidden.

    `outputs` maps names to their (plain) values. Gives ``{(output, input): estimate}``, where an
    estimate may instead be a `NotComputed` (too big) or the exception the cell raised at x ± h.
    """
    checks = {}
    for name, value in inputs.items():
        count = int(np.size(value))
        wanted = []
        for out, out_value in outputs.items():
            size = int(np.size(out_value)) * count
            if size > max_size or 2 * count > MAX_CHECK_RUNS:
                runs = None if size > max_size else f"checking needs {2 * count:,} runs of the cell"
                checks[(out, name)] = NotComputed(np.shape(out_value) + np.shape(value), size,
                                                  max_size, reason=runs)
            else:
                wanted.append(out)
        if not wanted:
            continue
        try:
            columns = _central_differences(cell, namespace, inputs, name, wanted)
        except Exception as error:  # the cell may fail at x ± h: the table says so
            checks.update({(out, name): error for out in wanted})
            continue
        for out in wanted:
            estimate = np.moveaxis(np.stack(columns[out]), 0, -1)  # input index last
            estimate = estimate.reshape(np.shape(outputs[out]) + np.shape(value))
            checks[(out, name)] = float(estimate) if estimate.ndim == 0 else estimate
    return checks


def _central_differences(cell, namespace, inputs, name, outputs):
    value = inputs[name]
    flat = np.ravel(np.asarray(value, dtype=float))
    columns = {out: [] for out in outputs}
    for i in range(flat.size):
        # h ~ cube root of machine epsilon balances truncation error against rounding error.
        step = np.cbrt(np.finfo(float).eps) * max(1.0, abs(flat[i]))
        ends = []
        for sign in (1.0, -1.0):
            moved = flat.copy()
            moved[i] += sign * step
            moved = moved.reshape(np.shape(value)) if np.ndim(value) else np.float64(moved[0])
            ends.append(_rerun(cell, namespace, {**inputs, name: moved}, outputs))
        for out in outputs:
            columns[out].append((ends[0][out] - ends[1][out]) / (2 * step))
    return columns


def _rerun(cell, namespace, inputs, outputs):
    scratch = dict(namespace)
    scratch.update({name: np.float64(v) if np.ndim(v) == 0 else v for name, v in inputs.items()})
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), \
            warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        last = cell.run(scratch)
    return {out: np.asarray(plain(last if out == cell.last_source else scratch[out]), dtype=float)
            for out in outputs}


# ---- namespace hygiene ---------------------------------------------------------------------------

def _plain_copy(value):
    """A plain float or an ndarray that owns its memory (never a read-only broadcast view)."""
    value = plain(value)
    if isinstance(value, np.ndarray):
        return value.astype(float) if value.ndim else float(value)
    return float(value) if isinstance(value, (int, float, np.number)) else value
