"""What `differentiate` refuses before anything runs: `GradUsageError`, and the checks behind it.

A cell that can't give what it is asked for (an unknown output, an input that is no number, a name
that belongs to Python or IPython, an order that would take minutes) is refused here, at once and
in words that say what to write instead, so nothing has run and the namespace is untouched.
"""

import ast
import keyword
import re

import numpy as np

from . import derivative_table, interpolation
from .messages import listed, text
from .source import Cell
from .taylor import MAX_ORDER, check_order
from .inputs import leaf_names
from .traced import as_input, plain


class GradUsageError(ValueError):
    """The arguments make no sense (an unknown output, an input that is no number); nothing ran."""


def compiled(code, filename, first_line):
    try:
        return Cell(code, filename, first_line)
    except SyntaxError as error:
        if "outside" in str(error.msg) and ("await" in error.msg or "async" in error.msg):
            raise GradUsageError(text("error.await", line=error.lineno,
                                      what=error.msg.split(" outside")[0])) from None
        raise


# IPython's own names: binding one as an input would break every later cell or magic.
_IPYTHON_NAMES = {"get_ipython", "exit", "quit", "In", "Out", "_ih", "_oh", "_dh", "_", "__",
                  "___", "_i", "_ii", "_iii"}


def input_values(inputs):
    if not inputs:
        raise GradUsageError(text("error.no_input"))
    values = {}
    for name, value in inputs.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise GradUsageError(text("error.input_not_identifier", name=repr(name)))
        if len(name) > 4 and name.startswith("__") and name.endswith("__"):
            raise GradUsageError(text("error.input_dunder", name=name))
        if name in _IPYTHON_NAMES or re.fullmatch(r"_i?\d+", name):
            raise GradUsageError(text("error.input_ipython", name=name))
        try:
            named = leaf_names(name, value)
        except TypeError as problem:
            raise GradUsageError(text("error.input_container", problem=problem)) from None
        for leaf_name, leaf in (named or {name: value}).items():
            values[leaf_name] = _number(leaf_name, leaf)
    return values


def input_containers(inputs):
    """The inputs that are lists, tuples or dicts, ``{name: container}``: `input_values` has
    made each leaf an input of its own (``params['w']``), and the cell sees the container rebuilt
    around them (`inputs.with_leaves`)."""
    return {name: value for name, value in inputs.items() if leaf_names(name, value) is not None}


def _number(name, value):
    """One input as admagic differentiates with respect to it (a float or a float array)."""
    try:
        return as_input(plain(value))
    except TypeError as error:
        raise GradUsageError(text("error.input_problem", name=name, problem=error)) from None
    except OverflowError:
        shown = (text("error.digits", digits=f"{int(value.bit_length() * 0.30103) + 1:,}")
                 if isinstance(value, int) else f"{value!r:.40}")
        raise GradUsageError(text("error.too_large", name=name, shown=shown)) from None


def input_name(written):
    """`written` (``x``, ``params['w']``, ``params["layers"][0]``) spelt as the cell's inputs are
    named (`inputs.leaf_names`: each key by its repr), or None if it is neither a Python name
    nor an entry of one by text or whole-number keys.

    >>> input_name('params["w"]'), input_name("params[w]")
    ("params['w']", None)
    """
    try:
        node = ast.parse(written.strip(), mode="eval").body
    except SyntaxError:
        return None
    keys = []
    while isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        keys.append(node.slice.value)
        node = node.value
    if not isinstance(node, ast.Name) or \
            any(isinstance(key, bool) or not isinstance(key, (str, int)) for key in keys):
        return None
    return node.id + "".join(f"[{key!r}]" for key in reversed(keys))


def name_problem(option, name):
    """What is wrong with `name` given to `option`, or None: --out and --graph-of take a Python
    name; --seed an input, which may be an entry of a container input (``params['w']``)."""
    if option == "--seed":
        return None if input_name(name) else text("error.seed_not_a_name", name=name)
    if name.isidentifier() and not keyword.iskeyword(name):
        return None
    return text("error.not_a_python_name", option=option, name=name)


def check_request(request):
    """Refuse at once, before anything runs, what makes no sense or can't be done in time."""
    cell, values = request.cell, request.values
    _check_textbook_options(request)
    known = set(cell.bound) | set(request.namespace) | set(values)
    named = list(request.of or ())
    if request.graph_of is not None and request.graph_of.isidentifier():  # not a key like dy/dx
        named.append(request.graph_of)
    for name in named:
        if name not in known and name != cell.last_source:
            raise GradUsageError(text("error.not_set_by_cell", name=repr(name),
                                      names=", ".join(cell.bound) or text("error.nothing")))
    if request.taylor and not request.one_number:
        raise GradUsageError(text("error.taylor_one_input"))
    if request.by_taylor:
        try:
            check_order(request.order, 1, MAX_ORDER)
        except ValueError as problem:
            raise GradUsageError(str(problem)) from None
    if request.by_interpolation:
        try:
            interpolation.check_request(len(values), request.order)
        except ValueError as problem:
            raise GradUsageError(text("error.or_nested", problem=problem)) from None
    elif not request.by_taylor:
        problem = derivative_table.too_costly(len(values), request.levels)
        if problem:
            raise GradUsageError(problem)


def _check_textbook_options(request):
    """--mode, --seed, --trace and --explain: what each can be used with."""
    values = request.values
    if request.mode not in ("forward", "reverse"):
        raise GradUsageError(text("error.mode", mode=request.mode))
    if request.mode == "forward":
        arrays = [name for name, value in values.items() if np.ndim(value) != 0]
        if arrays:
            raise GradUsageError(text("error.forward_arrays", names=listed(arrays),
                                      count=len(arrays)))
    if request.seed is not None:  # params["w"] is the input params['w']
        request.seed = input_name(request.seed) or request.seed
    if request.seed is not None and request.seed not in values:
        raise GradUsageError(text("error.seed_not_an_input", seed=request.seed,
                                  inputs=", ".join(values), first=next(iter(values))))
    if request.seed is not None and not (request.trace or
                                         (request.mode == "forward" and request.graph)):
        raise GradUsageError(text("error.seed_alone", seed=request.seed))
    if request.trace and request.backward_graph:
        raise GradUsageError(text("error.trace_backward"))
    if request.explain:
        arrays = [name for name, value in values.items() if np.ndim(value) != 0]
        if arrays:
            raise GradUsageError(text("error.explain_array_inputs", names=listed(arrays),
                                      count=len(arrays)))
