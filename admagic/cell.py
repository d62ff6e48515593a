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
traced value (`clean_namespace`), no tape is left recording, and once the table, the graph and the
textbook views are made the tapes discard their record (`_discard`): a traced value the cleaner
could not reach holds no graph, and later cells see it as its plain value.
"""

import contextlib
import dataclasses
import itertools
import sys
import time
import warnings

import numpy as np

from . import derivative_table as engine
from . import branches, interpolation, textbook, usage
from . import taylor as taylor_mode
from .arrays import element_assignment_explained
from .inputs import bound
from .messages import listed, text
from .values import plain_copy
from .namespace import clean_namespace, interrupts_held_back
from .polynomial import TaylorPolynomials
from .result import GradResult, leibniz
from .tape import Tape
from .taylor import check_order
from .testing import check_cell
from .usage import GradUsageError
from .traced import Traced, new_leaf, plain

DEFAULT_MAX_DERIVATIVE_SIZE = 10_000
DEFAULT_MAX_NODES = 150
MAX_ELEMENT_ROWS = 10
"""A list, tuple or dict the cell binds with at most this many items is shown item by item."""




@dataclasses.dataclass
class _Request:
    """What a call of `differentiate` asks for, in one place."""
    cell: object  # the compiled code: a source.Cell
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
    step: bool = False  # make the trace and the roomier picture --step steps through (stepper.py)
    containers: dict = dataclasses.field(default_factory=dict)  # name -> a dict/list input as given

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
    elementwise: list = ()  # outputs whose derivatives are kept as diagonals (derivative_table)


def differentiate(code, inputs, *, order=1, of=None, namespace=None, graph=True, graph_of=None,
                  edges=False, graph_kind="forward", max_nodes=DEFAULT_MAX_NODES,
                  max_derivative_size=DEFAULT_MAX_DERIVATIVE_SIZE, check=False, taylor=False,
                  mode="reverse", trace=False, seed=None, explain=False, step=False,
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
    than `max_derivative_size` numbers is not computed (an elementwise one, see `GradResult`, is
    no bigger than its output, and always is). `check` adds central finite differences.
    `taylor` adds each output's Taylor polynomial around the input (one scalar input only).

    ``mode="forward"`` computes the first derivatives by forward mode: one tangent sweep per
    input over the same record (`forward.py`; inputs that are numbers); higher orders are computed
    as always. `trace` adds the evaluation trace (`evaltrace.py`: the Wengert list with values,
    local partials, tangents and adjoints) as ``result.trace``; `seed` names the input whose
    tangents it shows (default the first). `explain` writes out the chain rule, path by path, as
    ``result.explanation`` (`chainrule.py`; outputs that are numbers or arrays of a few numbers).
    `step` readies the result for `stepper.stepper`, the step-through of the sweep: it has the
    trace (``result.steps``) and a picture with room on its edges for the shares written there.
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
    if step and graph_kind == "backward":
        raise GradUsageError("--step steps through the sweep on the cell's own graph, and "
                             "--graph backward draws another one: drop one of them.")
    values = usage.input_values(inputs)
    request = _Request(usage.compiled(code, filename, first_line), values,
                       {"np": np} if namespace is None else namespace, of, int(order), graph,
                       graph_of, edges, graph_kind, max_nodes, max_derivative_size, taylor,
                       method, mode, trace or step, seed, explain, step,
                       containers=usage.input_containers(inputs))
    usage.check_request(request)
    before = dict(request.namespace) if check else None
    timings = {}
    tapes = []  # every tape the cell's runs make: what they recorded is let go of at the end
    try:
        run = _run(request, tapes, timings)
        outputs = {name: plain_copy(value) for name, value in run.traced.items()}
        textbook.views(request, run, timings)  # --trace, --explain and forward mode's tangents
        run.notes.extend(branches.unchosen_branch_notes(run.traced, run.leaves[-1], run.derivatives))
        picture = _draw_timed(request, run, timings) if graph else None
    finally:
        started = time.perf_counter()
        _discard(tapes)
        timings["discarding"] = time.perf_counter() - started
    checks = {}
    if check:
        started = time.perf_counter()
        checks = check_cell(request.cell, before, values, outputs, max_derivative_size, run.notes,
                            request.containers)
        timings["checking"] = time.perf_counter() - started
    polynomials = None
    if taylor:
        (name, x0), = values.items()
        polynomials = TaylorPolynomials(run.polynomials, name, plain_copy(x0))
    return GradResult(inputs={n: plain_copy(v) for n, v in values.items()}, outputs=outputs,
                      derivatives=run.derivatives, order=order, checks=checks, graph=picture,
                      notes=run.notes, max_derivative_size=max_derivative_size, timings=timings,
                      taylor=polynomials, name=name, method=request.method_name, trace=run.trace,
                      explanation=run.explanation, elementwise=run.elementwise)


class _NoTaylorRule(Exception):
    """The cell used a primitive Taylor mode has no rule for: take the derivatives another way."""


def _run(request, tapes, timings):
    """The cell's traced run (by nested reverse mode, run again, if Taylor mode lacks a rule),
    with its namespace cleaned afterwards, however the run ends. `tapes` gets every tape made."""
    try:
        try:
            return _run_traced(request, tapes, timings)
        except _NoTaylorRule as missing:
            clean_namespace(request.namespace)
            _discard(tapes)  # the first run's record is of no more use
            request.method = "nested"
            usage.check_request(request)
            run = _run_traced(request, tapes, timings)
            run.notes.append(f"{missing} has no Taylor rule, so the cell ran a second time, and "
                             "the derivatives are by nested reverse mode.")
            return run
    finally:
        started = time.perf_counter()
        clean_namespace(request.namespace)
        timings["cleaning"] = time.perf_counter() - started


def _discard(tapes):
    """Every node the cell's tapes made forgets how it was made, so a traced value the cleaner
    could not reach (in a generator's frame, a library's object) holds no graph and acts as its
    plain value. A Ctrl-C waits until this is done: half a discard would leave graphs alive."""
    with interrupts_held_back():
        for tape in tapes:
            tape.discard()


# ---- running it, traced --------------------------------------------------------------------------

def _run_traced(request, made, timings):
    """Run the cell inside nested tapes, and differentiate it while they still record. The tapes
    go in `made`: `differentiate` discards them once everything that reads the record is done."""
    tapes = [Tape(persistent=True, watch_accessed_variables=False) for _ in range(request.levels)]
    made.extend(tapes)
    with contextlib.ExitStack() as stack:
        leaves = []
        for tape in tapes:
            stack.enter_context(tape)
            leaves.append({name: new_leaf(tape, leaves[-1][name] if leaves else value)
                           for name, value in request.values.items()})
        request.namespace.update(bound(leaves[-1], request.containers))
        started = time.perf_counter()
        with _warnings_at_the_cells_lines(request.cell.filename), element_assignment_explained():
            last = request.cell.run(request.namespace)
        timings["tracing"] = time.perf_counter() - started
        notes = []
        traced = _outputs(request, last, tapes[-1], notes, request.of)
        named = _outputs(request, last, tapes[-1], [], None) if request.of else traced
        started = time.perf_counter()
        with np.errstate(all="ignore"):  # the cell's own run has warned about any inf or nan
            polynomials, first, elementwise = {}, {}, []
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
            else:  # outputs elementwise in the inputs get their derivatives as diagonals
                found, first, elementwise = engine.reverse_mode(
                    traced, leaves, request.order, request.max_size, request.backward_graph)
            if request.mode == "forward":
                found.update(textbook.forward_mode(traced, leaves[-1]))
        timings["derivatives"] = time.perf_counter() - started
    return _Run(traced, named, found, first, leaves, polynomials, notes, elementwise=elementwise)


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
            done = ", ".join(n for n in cell.bound if n in namespace) or text("error.nothing")
            raise GradUsageError(text("error.cell_did_not_set", missing=", ".join(missing),
                                      names=done))
        chosen = {name: last if name == cell.last_source else namespace[name] for name in of}
        for name, value in chosen.items():
            if not _is_numeric(plain(value)):
                raise GradUsageError(text("error.not_a_number", name=name,
                                          kind=type(plain(value)).__name__))
        return chosen
    computed = cell.depends([*values, *request.containers])
    chosen, constant = {}, []
    for name in cell.bound:
        if name in values or name in request.containers or name not in namespace:
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
        notes.append(text("note.constant", count=len(constant), names=listed(constant),
                          inputs=listed(values)))
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
        notes.append(text("note.container", name=name, kind=kind))
        return
    for key, item in items:
        chosen[f"{name}[{key!r}]"] = item


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

def _draw_timed(request, run, timings):
    started = time.perf_counter()
    picture = _draw(request, run)
    if request.step and picture is not None:
        from .stepper import SHARE_ROOM
        picture.attr(ranksep=SHARE_ROOM)  # room on each edge for the shares written there
    timings["drawing"] = time.perf_counter() - started
    return picture


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
        title = text("graph.backward_title")
    else:
        outputs, inputs, title = run.traced, run.leaves[-1], None
    if not any(type(v) is Traced for v in outputs.values()):
        if not run.notes:  # a note has said already why nothing depends on the inputs
            run.notes.append(text("note.no_graph"))
        return None
    if graph_of is not None and graph_of not in outputs:
        raise GradUsageError(text("error.graph_of_not_an_output", name=graph_of,
                                  outputs=", ".join(outputs)))
    try:
        return graph.draw(outputs, inputs, gradient_of=graph_of, edges=request.edges,
                          max_nodes=request.max_nodes, title=title,
                          names={**request.namespace, **run.named}
                          if request.graph_kind == "forward" else None,
                          tangents=run.tangents, seed=request.seed or next(iter(request.values)))
    except Exception as error:  # the numbers are right even if the picture fails: show them
        run.notes.append(text("note.graph_failed", error=f"{type(error).__name__}: {error}"))
        return None
