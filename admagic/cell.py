"""Running a cell of ordinary Python with some of its variables traced, and differentiating it.

This is what ``%%grad`` does, as a plain function that works without IPython:

>>> res = differentiate("y = x * x\\nz = y * y", {"x": 3.0}, order=2, graph=False)
>>> res["dy/dx"], res["dz/dx"], res["d2z/dx2"]
(6.0, 108.0, 108.0)

How: the cell is compiled (`source.py`); the inputs become leaves of the tapes that record it, the cell
runs once, and every traced value it binds is an output (`_run_traced`). The derivatives are taken
from that record by `derivative_table.py`; the graph is drawn from it (`graph.py`); ``check`` runs the
cell again on plain numbers for central differences (`testing.py`).

Whatever happens in the cell, its namespace is left holding plain numbers and arrays, never a
traced value (`clean_namespace`), and no tape is left recording.
"""

import contextlib
import dataclasses
import itertools
import re
import sys
import time
import warnings

import numpy as np

from . import derivative_table as engine
from . import interpolation
from . import taylor as taylor_mode
from .derivative_table import plain_copy
from .namespace import clean_namespace
from .polynomial import TaylorPolynomials
from .result import GradResult, leibniz
from .source import Cell
from .tape import Tape, ancestors
from .taylor import MAX_ORDER, check_order
from .testing import check_cell
from .traced import Traced, as_input, new_leaf, plain

DEFAULT_MAX_DERIVATIVE_SIZE = 10_000
DEFAULT_MAX_NODES = 150
MAX_ELEMENT_ROWS = 10
"""A list, tuple or dict the cell binds with at most this many items is shown item by item."""


class GradUsageError(ValueError):
    """The arguments make no sense (an unknown output, an input that is no number); nothing ran."""


@dataclasses.dataclass
class _Request:
    """What a call of `differentiate` asks for, in one place."""
    cell: Cell
    values: dict  # input name -> plain float or array
    namespace: dict
    of: list  # the outputs asked for, or None for every one found
    order: int
    graph: bool
    graph_of: str
    edges: bool
    graph_kind: str  # "forward" or "backward"
    max_nodes: int
    max_size: int  # a derivative with more numbers is not computed
    taylor: bool
    method: str  # "auto" (the fastest exact method) or "nested" (nested reverse mode)
    mode: str = "reverse"  # how the first derivatives are computed: "reverse" or "forward"
    trace: bool = False  # build the evaluation trace (evaltrace.py)
    seed: str = None  # the input whose tangents the trace and the picture show
    explain: bool = False  # write out the chain rule (chainrule.py)

    @property
    def backward_graph(self):
        return self.graph and self.graph_kind == "backward"

    @property
    def one_number(self):
        return len(self.values) == 1 and np.ndim(next(iter(self.values.values()))) == 0

    @property
    def by_taylor(self):
        """One input, a number: Taylor mode gives orders 2 and up in one sweep."""
        return self.one_number and not self.backward_graph and (
            self.taylor or (self.order > 1 and self.method == "auto"))

    @property
    def by_interpolation(self):
        """Several inputs, all numbers: every mixed partial from univariate Taylor series."""
        return (len(self.values) > 1 and self.order > 1 and self.method == "auto"
                and not self.backward_graph and all(np.ndim(v) == 0 for v in self.values.values()))

    @property
    def levels(self):
        """How many nested tapes record the cell."""
        if self.by_taylor or self.by_interpolation:
            return 1
        return max(self.order, 2 if self.backward_graph else 1)

    @property
    def method_name(self):
        """How the numbers are computed, in the words the table's caption uses."""
        if self.by_taylor:
            higher = "Taylor mode"
        elif self.by_interpolation:
            higher = "Taylor interpolation"
        else:
            higher = "reverse mode" if self.order == 1 else "nested reverse mode"
        if self.mode != "forward":
            return higher
        return "forward mode" if self.order == 1 else f"forward mode (order 1), {higher} (higher)"


@dataclasses.dataclass
class _Run:
    """What the traced run left: its outputs (traced), their derivatives, and notes on them."""
    traced: dict
    named: dict  # every output the cell named (differs from `traced` under `of`)
    derivatives: dict
    first: dict  # first derivatives as traced values (to draw the backward pass), or {}
    leaves: list  # leaves[i][name]: the input as tape i (0 = outermost) sees it
    polynomials: dict
    notes: list
    trace: object = None  # an EvaluationTrace (--trace), or None
    explanation: object = None  # a chainrule.Explanation (--explain), or None
    tangents: dict = None  # node -> its tangent v̇, for the picture under --mode forward


def differentiate(code, inputs, *, order=1, of=None, namespace=None, graph=True, graph_of=None,
                  edges=False, graph_kind="forward", max_nodes=DEFAULT_MAX_NODES,
                  max_derivative_size=DEFAULT_MAX_DERIVATIVE_SIZE, check=False, taylor=False,
                  mode="reverse", trace=False, seed=None, explain=False,
                  filename=None, first_line=1, name="_grad", method="auto"):
    """Run `code` with `inputs` traced; give a `GradResult` with every derivative up to `order`.

    `inputs` maps names to numbers or arrays (integers become floats). The outputs are the names
    `of` lists, or else every name the code binds whose value depends on an input, in the order
    bound, then the last expression's value if it is traced and has no name. A name computed from
    an input that came out constant here (``max(x, 0)`` at x = -1) is shown with derivative 0;
    a short list, tuple or dict of such values, item by item (``ys[0]``). `namespace` is the
    dict the code runs in (a fresh one with ``np`` when None); afterwards it holds plain values.

    `graph` draws the computation graph (``graph_kind="backward"`` draws the first derivatives'
    own graph instead); `graph_of` picks the output whose gradients it shows. A derivative with more
    than `max_derivative_size` numbers is not computed. `check` adds central finite differences.
    `taylor` adds each output's Taylor polynomial around the input (one scalar input only).

    ``mode="forward"`` computes the first derivatives by forward mode: one tangent sweep per
    input over the same record (`forward.py`; inputs that are numbers); higher orders are computed
    as always. `trace` adds the evaluation trace (`evaltrace.py`: the Wengert list with values,
    local partials, tangents and adjoints) as ``result.trace``; `seed` names the input whose
    tangents it shows (default the first). `explain` writes out the chain rule, path by path, as
    ``result.explanation`` (`chainrule.py`; outputs that are numbers or arrays of a few numbers).
    `filename`/`first_line` say where tracebacks should point (``%%grad`` passes IPython's);
    `name` is what the result will be called, for the hints it shows (``_grad``, or ``--out``'s).

    With one scalar input, derivatives of order 2 and up come from Taylor mode (`taylor.py`): one
    recording, then about order² work per operation, instead of `order` nested tapes. With several
    inputs that are numbers, every mixed partial comes from Taylor series along several directions
    (`interpolation.py`). ``method="nested"`` uses nested reverse mode instead, as does a cell
    with an operation Taylor mode has no rule for (the cell is then run a second time).

    >>> differentiate("loss = np.sum(w ** 2)", {"w": np.array([1.0, 2.0])}, graph=False)["dloss/dw"]
    array([2., 4.])
    """
    try:
        order = check_order(order, 1)
    except ValueError as problem:
        raise GradUsageError(str(problem)) from None
    if graph_kind not in ("forward", "backward"):
        raise GradUsageError(f"graph_kind must be 'forward' or 'backward' (got {graph_kind!r}).")
    if method not in ("auto", "nested"):
        raise GradUsageError(f"method must be 'auto' or 'nested' (got {method!r}).")
    values = _input_values(inputs)
    request = _Request(_compiled(code, filename, first_line), values,
                       {"np": np} if namespace is None else namespace, of, int(order), graph,
                       graph_of, edges, graph_kind, max_nodes, max_derivative_size, taylor,
                       method, mode, trace, seed, explain)
    _check_request(request)
    before = dict(request.namespace) if check else None
    timings = {}
    try:
        run = _run_traced(request, timings)
    except _NoTaylorRule as missing:
        clean_namespace(request.namespace)
        request.method = "nested"
        _check_request(request)
        run = _run_traced_cleaned(request, timings)
        run.notes.append(f"{missing} has no Taylor rule, so the cell ran a second time, and the "
                         "derivatives are by nested reverse mode.")
    finally:
        started = time.perf_counter()
        clean_namespace(request.namespace)
        timings["cleaning"] = time.perf_counter() - started
    outputs = {name: plain_copy(value) for name, value in run.traced.items()}
    picture = None
    if graph:
        started = time.perf_counter()
        picture = _draw(request, run)
        timings["drawing"] = time.perf_counter() - started
    checks = {}
    if check:
        started = time.perf_counter()
        checks = check_cell(request.cell, before, values, outputs, max_derivative_size, run.notes)
        timings["checking"] = time.perf_counter() - started
    polynomials = None
    if taylor:
        (name, x0), = values.items()
        polynomials = TaylorPolynomials(run.polynomials, name, plain_copy(x0))
    return GradResult(inputs={n: plain_copy(v) for n, v in values.items()}, outputs=outputs,
                      derivatives=run.derivatives, order=order, checks=checks, graph=picture,
                      notes=run.notes, max_derivative_size=max_derivative_size, timings=timings,
                      taylor=polynomials, name=name, method=request.method_name, trace=run.trace,
                      explanation=run.explanation)


class _NoTaylorRule(Exception):
    """The cell used a primitive Taylor mode has no rule for: take the derivatives another way."""


def _run_traced_cleaned(request, timings):
    try:
        return _run_traced(request, timings)
    finally:
        clean_namespace(request.namespace)


# ---- refused before anything runs ----------------------------------------------------------------

def _compiled(code, filename, first_line):
    try:
        return Cell(code, filename, first_line)
    except SyntaxError as error:
        if "outside" in str(error.msg) and ("await" in error.msg or "async" in error.msg):
            raise GradUsageError(
                f"line {error.lineno}: %%grad runs the cell as plain Python, where "
                f"{error.msg.split(' outside')[0]} can't be used at the top level. Await the "
                "value in a cell before (v = await f()) and use v here.") from None
        raise


# IPython's own names: binding one as an input would break every later cell or magic.
_IPYTHON_NAMES = {"get_ipython", "exit", "quit", "In", "Out", "_ih", "_oh", "_dh", "_", "__",
                  "___", "_i", "_ii", "_iii"}


def _input_values(inputs):
    if not inputs:
        raise GradUsageError("Give at least one input to differentiate with respect to, e.g. x=3.")
    values = {}
    for name, value in inputs.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise GradUsageError(f"{name!r} can't be an input: inputs are Python names, "
                                 "like x or w1.")
        if len(name) > 4 and name.startswith("__") and name.endswith("__"):
            raise GradUsageError(f"{name} can't be an input: names with two underscores on each "
                                 "side belong to Python itself, and binding one would break the "
                                 "cells after this one. Choose another name, like x or w1.")
        if name in _IPYTHON_NAMES or re.fullmatch(r"_i?\d+", name):
            raise GradUsageError(f"{name} can't be an input: IPython keeps its own things under "
                                 "that name, and binding it would break the notebook. Choose "
                                 "another name, like x or w1.")
        try:
            values[name] = as_input(plain(value))
        except TypeError as error:
            raise GradUsageError(f"input {name}: {error}") from None
        except OverflowError:
            shown = (f"a whole number of about {int(value.bit_length() * 0.30103) + 1:,} digits"
                     if isinstance(value, int) else f"{value!r:.40}")
            raise GradUsageError(f"input {name}: {shown} is too large for a float (the largest "
                                 "is about 1.8e308), and admagic computes in floats. Rescale it, "
                                 "e.g. work in units of 1e300.") from None
    return values


def _check_request(request):
    """Refuse at once, before anything runs, what makes no sense or can't be done in time."""
    cell, values = request.cell, request.values
    _check_textbook_options(request)
    known = set(cell.bound) | set(request.namespace) | set(values)
    named = list(request.of or ())
    if request.graph_of is not None and request.graph_of.isidentifier():  # not a key like dy/dx
        named.append(request.graph_of)
    for name in named:
        if name not in known and name != cell.last_source:
            raise GradUsageError(f"{name!r} is not set by the cell (it sets: "
                                 f"{', '.join(cell.bound) or 'nothing'}).")
    if request.taylor and not request.one_number:
        raise GradUsageError("--taylor writes a polynomial in one variable: give exactly one "
                             "input, a number (e.g. x=3).")
    if request.by_taylor:
        try:
            check_order(request.order, 1, MAX_ORDER)
        except ValueError as problem:
            raise GradUsageError(str(problem)) from None
    if request.by_interpolation:
        try:
            interpolation.check_request(len(values), request.order)
        except ValueError as problem:
            raise GradUsageError(f"{problem} Or ask for --method nested.") from None
    elif not request.by_taylor:
        problem = engine.too_costly(len(values), request.levels)
        if problem:
            raise GradUsageError(problem)


def _check_textbook_options(request):
    """--mode, --seed, --trace and --explain: what each can be used with."""
    values = request.values
    if request.mode not in ("forward", "reverse"):
        raise GradUsageError(f"--mode {request.mode}: the modes are forward (one tangent sweep "
                             "per input) and reverse (one backward sweep per output, the "
                             "default); write --mode forward or --mode reverse.")
    if request.mode == "forward":
        arrays = [name for name, value in values.items() if np.ndim(value) != 0]
        if arrays:
            raise GradUsageError(f"--mode forward takes inputs that are numbers, and "
                                 f"{_listed(arrays)} {'is an array' if len(arrays) == 1 else 'are arrays'}"
                                 ": an array input would need one sweep per element. Drop "
                                 "--mode forward (reverse mode handles arrays), or use "
                                 "admagic.jvp(f, (x,), (v,)) for the derivative along one "
                                 "direction v.")
    if request.seed is not None and request.seed not in values:
        raise GradUsageError(f"--seed {request.seed}: that is not an input here; the inputs are: "
                             f"{', '.join(values)}. Write e.g. --seed {next(iter(values))}.")
    if request.seed is not None and not (request.trace or
                                         (request.mode == "forward" and request.graph)):
        raise GradUsageError(f"--seed {request.seed} picks whose tangents the trace or the "
                             "graph shows: add --trace, or --mode forward.")
    if request.trace and request.backward_graph:
        raise GradUsageError("--trace shows the evaluation trace of the cell's own computation, "
                             "and --graph backward draws the computation of its derivatives "
                             "instead: drop --graph backward (or --trace).")
    if request.explain:
        arrays = [name for name, value in values.items() if np.ndim(value) != 0]
        if arrays:
            raise GradUsageError(f"--explain writes the chain rule with numbers, and "
                                 f"{_listed(arrays)} {'is an array' if len(arrays) == 1 else 'are arrays'}"
                                 ", whose local partials are matrices. Give inputs that are "
                                 "numbers (e.g. w0=1.0 w1=2.0), or drop --explain.")


# ---- running it, traced --------------------------------------------------------------------------

def _run_traced(request, timings):
    """Run the cell inside nested tapes, and differentiate it while they still record."""
    tapes = [Tape(persistent=True, watch_accessed_variables=False) for _ in range(request.levels)]
    try:
        with contextlib.ExitStack() as stack:
            leaves = []
            for tape in tapes:
                stack.enter_context(tape)
                leaves.append({name: new_leaf(tape, leaves[-1][name] if leaves else value)
                               for name, value in request.values.items()})
            request.namespace.update(leaves[-1])
            started = time.perf_counter()
            with _warnings_at_the_cells_lines(request.cell.filename):
                last = request.cell.run(request.namespace)
            timings["tracing"] = time.perf_counter() - started
            notes = []
            traced = _outputs(request, last, tapes[-1], notes, request.of)
            named = _outputs(request, last, tapes[-1], [], None) if request.of else traced
            started = time.perf_counter()
            with np.errstate(all="ignore"):  # the cell's own run has warned about any inf or nan
                polynomials, first = {}, {}
                if request.by_taylor or request.by_interpolation:
                    _check_taylor_rules(tapes[-1])
                if request.mode == "forward" and request.order == 1 and not request.by_taylor:
                    found = {}  # forward mode alone computes them, below
                elif request.by_taylor:
                    found, polynomials = engine.taylor_mode(traced, leaves[-1], request.order,
                                                            request.max_size)
                elif request.by_interpolation:
                    try:
                        found = interpolation.derivative_table(traced, leaves[-1], request.order,
                                                               request.max_size)
                    except ValueError as problem:  # too many outputs for the partials asked
                        raise GradUsageError(str(problem)) from None
                else:
                    found, first = engine.nested_reverse(traced, leaves, request.order,
                                                         request.max_size, request.backward_graph)
                if request.mode == "forward":
                    found.update(_forward_mode(traced, leaves[-1]))
            timings["derivatives"] = time.perf_counter() - started
        # The tapes have stopped recording, but still hold the record: the textbook views read it.
        run = _Run(traced, named, found, first, leaves, polynomials, notes)
        _textbook_views(request, run, timings)
    finally:
        for tape in tapes:  # the one place the cell's tapes let go of their record, on every path
            tape.release()
    return run


def _explained(outputs, leaves, named, notes):
    """The chain rule for every output that is a number (`notes` says which arrays are left
    out); a GradUsageError if none is."""
    from . import chainrule

    numbers = {name: v for name, v in outputs.items() if np.ndim(plain(v)) == 0}
    arrays = [name for name in outputs if name not in numbers]
    if not numbers:
        raise GradUsageError(
            f"--explain writes the chain rule with numbers, and {_listed(arrays)} "
            f"{'is an array' if len(arrays) == 1 else 'are arrays'}: along a path through an "
            "array operation each local partial is a matrix (a Jacobian), not a number, so "
            "the paths can't be written out with numbers. Compute what you want explained as "
            "numbers (a0 = ...; a1 = ...) and name them with --of, or drop --explain.")
    explanation = chainrule.explain(numbers, leaves, names=named)
    if arrays:
        notes.append(f"--explain: {_listed(arrays)} {'is an array' if len(arrays) == 1 else 'are arrays'}"
                     ", so not explained (the local partials of array operations are matrices).")
    return explanation


def _forward_mode(traced, leaves):
    """The first derivatives again, by one tangent sweep per input (`forward.py`)."""
    from . import forward

    try:
        return forward.forward_derivatives(traced, leaves)
    except ValueError as problem:
        raise GradUsageError(str(problem)) from None


def _textbook_views(request, run, timings):
    """--trace, --explain, and the tangents --mode forward draws: each from the same record."""
    from . import chainrule, evaltrace, forward

    leaves, outputs = run.leaves[-1], run.traced
    if not any(_on(v, next(iter(leaves.values())).tape) for v in outputs.values()):
        if (request.trace or request.explain) and not run.notes:
            run.notes.append("No output depends on the inputs, so there is no trace or chain "
                             "rule to show.")
        return
    started = time.perf_counter()
    with np.errstate(all="ignore"):
        if request.trace:
            graph_of = request.graph_of if request.graph_of in outputs else None
            try:
                run.trace = evaltrace.evaluation_trace(outputs, leaves, names=run.named,
                                                       gradient_of=graph_of, seed=request.seed)
            except ValueError as problem:
                raise GradUsageError(str(problem)) from None
            timings["trace"] = time.perf_counter() - started
        if request.explain:
            run.explanation = _explained(outputs, leaves, run.named, run.notes)
            timings["explaining"] = time.perf_counter() - started - timings.get("trace", 0.0)
        if request.mode == "forward" and request.graph and request.graph_kind == "forward":
            seed = leaves[request.seed or next(iter(leaves))]
            drawn = [v for v in outputs.values() if type(v) is Traced]
            nodes = list({node: None for v in drawn for node in ancestors(seed.tape.own(v))})
            run.tangents = dict(zip(nodes, forward.tangents(nodes, seed)))


def _check_taylor_rules(tape):
    """Raise `_NoTaylorRule` if the tape holds an operation Taylor mode can't replay."""
    for node in tape.nodes or ():
        if node.primitive is not None and node.primitive not in taylor_mode.TAYLOR:
            raise _NoTaylorRule(getattr(node.primitive, "__name__", str(node.primitive)))


def _outputs(request, last, tape, notes, of):
    """The outputs (those in `of`, else those found), name -> value as the cell left it (traced
    when it depends on an input); `notes` gets what the table should say about them."""
    cell, namespace, values = request.cell, request.namespace, request.values
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
    computed = cell.depends(values)
    chosen, constant = {}, []
    for name in cell.bound:
        if name in values or name not in namespace:
            continue
        value = namespace[name]
        if _on(value, tape):
            chosen[name] = value
        elif name in computed and _is_number(value):
            chosen[name] = value  # computed from an input, by a branch that didn't use it
            constant.append(name)
        elif isinstance(value, (list, tuple, dict)):
            _items_as_rows(name, value, tape, chosen, notes)
    if cell.last_source is not None and _on(last, tape):
        chosen.setdefault(cell.last_source, last)
    if constant:
        them = _listed(values)
        notes.append(f"{_listed(constant)} {'does' if len(constant) == 1 else 'do'} not depend "
                     f"on {them} at this point: the branch the cell took here (an if, a max or a "
                     f"min) doesn't use {them}, so the derivatives shown are 0.")
    return chosen


def _items_as_rows(name, container, tape, chosen, notes):
    """A list, tuple or dict holding traced values: its items as rows ``ys[0]``, or a note."""
    items = container.items() if isinstance(container, dict) else enumerate(container)
    items = list(itertools.islice(items, MAX_ELEMENT_ROWS + 1))  # a long list: its first items
    if not any(_on(item, tape) for _, item in items):
        return
    kind = type(container).__name__
    simple = all(isinstance(key, int) or (isinstance(key, str) and key.isidentifier())
                 for key, _ in items)
    if len(items) > MAX_ELEMENT_ROWS or not simple or \
            not all(_on(item, tape) or _is_number(item) for _, item in items):
        notes.append(f"{name} is a {kind}; admagic differentiates numbers and arrays, so its "
                     f"items are not shown: write np.stack({name}) for one array (or name the "
                     "items, y0, y1 = ...).")
        return
    for key, item in items:
        chosen[f"{name}[{key!r}]"] = item


def _listed(names):
    names = list(names)
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]


def _on(value, tape):
    return type(value) is Traced and tape.own(value) is not None


def _is_numeric(value):
    return (isinstance(value, (int, float, np.number, np.ndarray))
            and np.asarray(value).dtype.kind in "biuf")


def _is_number(value):
    """A number or numeric array, not a flag: what can be shown with derivative 0."""
    return _is_numeric(value) and not isinstance(value, (bool, np.bool_)) and \
        np.asarray(value).dtype.kind != "b"


@contextlib.contextmanager
def _warnings_at_the_cells_lines(filename):
    """NumPy's RuntimeWarnings (divide by zero, overflow, invalid) point at the cell's own line,
    not at admagic's call of the primitive, once per line and run (a loop that divides by zero
    10,000 times warns once). Settings other than "warn" are left as they are."""
    shown = {}  # the warnings registry of this run

    def warn(kind, flag):
        frame, primitive = sys._getframe(1), None
        while frame is not None and frame.f_code.co_filename != filename:
            primitive = primitive or getattr(frame.f_locals.get("primitive"), "__name__", None)
            frame = frame.f_back
        message = f"{kind} encountered" + (f" in {primitive}" if primitive else "")
        if frame is None:
            warnings.warn(message, RuntimeWarning, stacklevel=2)
        else:
            warnings.warn_explicit(message, RuntimeWarning, filename, frame.f_lineno,
                                   registry=shown, module_globals=frame.f_globals)

    warned = {kind: "call" for kind, how in np.geterr().items() if how == "warn"}
    with np.errstate(call=warn, **warned):
        yield


# ---- the graph -----------------------------------------------------------------------------------

def _draw(request, run):
    from . import graph

    graph_of = request.graph_of
    if request.graph_kind == "backward":
        outputs = {leibniz(out, wrt): value for (out, wrt), value in run.first.items()}
        if graph_of is not None and graph_of in run.traced:  # the gradients of that output only
            outputs = {leibniz(out, wrt): v for (out, wrt), v in run.first.items()
                       if out == graph_of}
            graph_of = None
        inputs = run.leaves[-2]
        title = "the backward pass: how the first derivatives were computed"
    else:
        outputs, inputs, title = run.traced, run.leaves[-1], None
    if not any(type(v) is Traced for v in outputs.values()):
        if not run.notes:  # a note has said already why nothing depends on the inputs
            run.notes.append("No output depends on the inputs, so there is no graph to draw.")
        return None
    if graph_of is not None and graph_of not in outputs:
        raise GradUsageError(f"--graph-of {graph_of}: that is not an output here; the outputs "
                             f"are: {', '.join(outputs)}.")
    try:
        return graph.draw(outputs, inputs, gradient_of=graph_of, edges=request.edges,
                          max_nodes=request.max_nodes, title=title,
                          names=run.named if request.graph_kind == "forward" else None,
                          tangents=run.tangents, seed=request.seed or next(iter(request.values)))
    except Exception as error:  # the numbers are right even if the picture fails: show them
        run.notes.append(f"The graph could not be drawn: {type(error).__name__}: {error}")
        return None
