"""Taylor mode: every derivative of a function of one number, up to any order, in one forward sweep.

Nesting reverse mode n times costs time exponential in n. Taylor mode costs O(n²) per operation:
put ``x(t) = x0 + t`` into the function and carry, for every value, the first n+1 coefficients of
its power series in t (Griewank & Walther, *Evaluating Derivatives*, ch. 13)::

    y(t) = y_0 + y_1 t + y_2 t² + ... + y_n tⁿ,     y_k = f⁽ᵏ⁾(x0) / k!

A product's coefficients are a Cauchy product; ``exp``, ``sin``, ``log``, ... have recurrences
that come from the differential equation each one satisfies (``y' = y·x'`` for ``y = exp(x)``):
`series.py` holds that arithmetic.

Nothing is run twice: `taylor_coefficients` replays a tape that has already recorded the function
(first order, one `Tape`), visiting its nodes in the order they were made and applying each
primitive's rule from `TAYLOR`. The rules are a table of their own, one line per primitive, in
`taylor_rules.py` (as the reverse-mode rules are in `rules.py`); this module holds the sweep and
the registry the table fills. An argument that does not depend on the input is a constant: its
coefficients beyond the 0th are 0.

At a point where the function or a derivative is infinite or undefined (``1/x``, ``log(x)``,
``sqrt(x)`` at 0) the answers are NumPy's: inf or nan, never an exception; where the derivatives
there are finite (``x ** 2.5`` at 0: 0, 0, 0, then inf) they are exact. Orders go up to
`MAX_ORDER`: beyond it, k! overflows a float64.

Rules are written in NumPy operations, so when an outer tape records, they record too, and the
Taylor derivatives can themselves be differentiated (``grad`` of a Taylor-mode derivative).

>>> from admagic import Tape
>>> from admagic.traced import new_leaf
>>> with Tape() as tape:
...     x = new_leaf(tape, 3.0)
...     y = x * x
>>> derivatives([y], x, order=3)
[[9.0, 6.0, 2.0, 0.0]]
"""

import math

import numpy as np

from .keywords import TAYLOR_MODE, call_name, honoured_keywords, keywords_named
from .series import Series
from .tape import ancestors, by_number
from .traced import Traced
from .values import plain_copy

__all__ = ["TAYLOR", "MAX_ORDER", "Series", "deftaylor", "check_order", "taylor_coefficients",
           "derivatives", "taylor_polynomial", "nodes_to_sweep", "times_factorial", "cast_to_dtype"]

TAYLOR = {}  # primitive -> rule(ans, *args, **kwargs) -> Series; traced args arrive as Series

#: The highest order Taylor mode computes: 171! overflows a float64 (it is about 1.2e309), so the
#: derivative k!·c_k could not be formed beyond it even where it is finite.
MAX_ORDER = 170


def deftaylor(primitive, rule):
    """Register the Taylor rule of `primitive` (see `taylor_rules.py` for the table).

    The rule gets ``(ans, *args, **kwargs)`` as recorded, each argument that moves replaced by its
    `Series`, and returns the Series of ``ans``. The keywords it names are the ones it honours,
    or all of them if it takes ``**kwargs`` (it passes them on to NumPy); keywords.py's policy,
    the reverse rules' too, refuses the rest. For example, the rule of ``np.negative``::

        deftaylor(np.negative, lambda ans, x: -x)
    """
    TAYLOR[primitive] = rule


def check_order(order, minimum=0, maximum=None):
    """`order` if it is a whole number from `minimum` up (to `maximum`, if given), else ValueError
    in words a student can act on.

    >>> check_order(2, 1)
    2
    >>> check_order(0, 1)
    Traceback (most recent call last):
    ...
    ValueError: The order of a derivative must be a whole number, 1 or more (e.g. 2); got 0.
    """
    if not isinstance(order, (int, np.integer)) or isinstance(order, (bool, np.bool_)) \
            or order < minimum:
        raise ValueError(f"The order of a derivative must be a whole number, {minimum} or more "
                         f"(e.g. 2); got {order!r}.")
    if maximum is not None and order > maximum:
        raise ValueError(f"Order {order} is more than admagic can compute: beyond order "
                         f"{maximum}, k! overflows a float64 (171! is about 1.2e309). Ask for "
                         f"--order {maximum} or less.")
    return int(order)


# ---- the sweep ------------------------------------------------------------------------------------

def taylor_coefficients(output_nodes, input_node, order):
    """For each output, its Taylor coefficients around the input's value, as one array per output
    with a leading axis of length ``order + 1`` (coefficient k has the output's shape).

    `input_node` is a leaf on the tape that recorded the outputs; along ``x(t) = x0 + t`` (every
    element of an array input moves together). Outputs that do not depend on it are constants.
    """
    return [_stacked(s.c) for s in _sweep(output_nodes, input_node, order)]


def derivatives(output_nodes, input_node, order):
    """For each output, ``[f, f', f'', ..., f⁽ᵒʳᵈᵉʳ⁾]`` at the input's value (f⁽ᵏ⁾ = k!·c_k).

    Values are as the tape's caller sees them: plain numbers and arrays, or (inside an outer tape)
    values that tape traces, so the derivatives can be differentiated further.
    """
    series = _sweep(output_nodes, input_node, order)
    with np.errstate(over="ignore"):  # inf exactly where the derivative overflows a float64
        return [[times_factorial(c, k) for k, c in enumerate(s.c)] for s in series]


def taylor_polynomial(output, input_node, order):
    """The plain coefficients ``[c_0, ..., c_order]`` of ``output ≈ Σ c_k (x - x0)^k`` around x0.

    >>> from admagic import Tape
    >>> from admagic.traced import new_leaf
    >>> with Tape() as tape:
    ...     x = new_leaf(tape, 3.0)
    ...     y = x * x
    >>> taylor_polynomial(y, x, 2)
    [9.0, 6.0, 1.0]
    """
    (series,) = _sweep([output], input_node, order)
    return [plain_copy(c) for c in series.c]


def _sweep(output_nodes, input_node, order, nodes=None):
    """The `Series` of every output: one forward pass over the recorded nodes, oldest first.

    `input_node` is one leaf, moving as ``x0 + t``, or a dict ``{leaf: d}`` moving each leaf
    along its direction, ``x0 + d·t``: d a number, an array of the leaf's shape, or (when every
    value is a number) an array of several directions, swept side by side. `nodes`, if given, is
    `nodes_to_sweep` of the outputs (a caller that walked them already).
    """
    order = check_order(order, 0, MAX_ORDER)
    directions = input_node if isinstance(input_node, dict) else {input_node: 1.0}
    tape = next(iter(directions)).tape
    outputs = [tape.own(out) if getattr(out, "tape", None) is not None else None
               for out in output_nodes]
    if nodes is None:
        nodes = nodes_to_sweep(outputs)
    series = {leaf: _seed(leaf.value, d, order) for leaf, d in directions.items()}
    # The user saw NumPy's warnings when the values were computed; inf and nan in the
    # coefficients follow from those, so the sweep adds no warnings of its own.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        for node in nodes:  # oldest first
            if node.primitive is None:
                continue  # a leaf: the input, or another input that stays constant here
            args = list(node.args)
            moving = False
            for argnum, parent in enumerate(node.parents):  # a None parent has no series
                s = series.get(parent)
                if s is not None:
                    args[argnum] = s
                    moving = True
            if moving:  # else it depends on no input that moves: a constant
                series[node] = _apply_rule(node, args)
    answers = []
    for out, node in zip(output_nodes, outputs):
        s = series.get(node) if node is not None else None
        if s is None:
            value = node.value if node is not None else out
            s = Series.constant(value, order)
        answers.append(s)
    return answers


def nodes_to_sweep(output_nodes):
    """The nodes the outputs (nodes, or None for a value no tape traced) depend on, oldest first."""
    if len(output_nodes) == 1:
        return ancestors(output_nodes[0])[::-1] if output_nodes[0] is not None else []
    nodes = set()
    for node in output_nodes:
        if node is not None and node not in nodes:
            nodes.update(ancestors(node))
    return sorted(nodes, key=by_number)


def _apply_rule(node, args):
    """The Series of `node` from its arguments' (`args`, the moving ones as Series)."""
    primitive = node.primitive
    rule = TAYLOR.get(primitive)
    if rule is None:
        raise NotImplementedError(f"{call_name(primitive)} has no Taylor rule in "
                                  "admagic/taylor_rules.py yet; ask for --order 1.")
    kwargs = _honoured_keywords(primitive, rule, node.kwargs) if node.kwargs else {}
    value = node.value
    try:
        result = rule(value, *args, **kwargs) if kwargs else rule(value, *args)
    except (ZeroDivisionError, OverflowError):  # Python floats raise where NumPy gives inf/nan
        result = rule(_numpy_float(value), *[_numpy_float(a) for a in args], **kwargs)
    if type(value) is not float:
        result = _cast_like(result, value)
    if result.rows is None:  # (set_value, inline for a series of numbers and side by side)
        result.c[0] = value
    elif type(value) is float:
        result.rows[0] = value
    else:
        result.set_value(value)
    return result


def _seed(x0, direction, order):
    """The series of an input moving along its direction: ``x0 + direction·t``."""
    return Series.line(x0, direction, order)


def _numpy_float(value):
    """A Python float as np.float64 (and a Series of them), whose 1/0 is inf, not an exception."""
    if isinstance(value, Series):
        return Series([_numpy_float(c) for c in value.c])
    return np.float64(value) if type(value) is float else value


# ---- keywords: the policy of keywords.py, with Taylor's rules -------------------------------------

_ACCEPTED = {}  # rule -> the keywords it names (None: it takes **kwargs and passes them to NumPy)


def _honoured_keywords(primitive, rule, kwargs):
    """The keywords to call `rule` with, or TypeError (see keywords.py: the reverse rules' policy)."""
    accepted = _ACCEPTED.get(rule, False)
    if accepted is False:
        accepted = _ACCEPTED[rule] = keywords_named(rule, primitive)
    return honoured_keywords(primitive, kwargs, accepted, TAYLOR_MODE)


def _cast_like(result, value):
    """A float32 (or float16) value, from a dtype= NumPy honoured, gets coefficients of its dtype."""
    dtype = getattr(value, "dtype", None) if type(value) is not Traced else None
    if dtype is None or dtype == np.float64 or dtype.kind != "f":
        return result
    return cast_to_dtype(result, dtype)


def cast_to_dtype(series, dtype):
    """The Series with every coefficient in `dtype` (a ufunc's ``dtype=``; traced ones stay)."""
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"dtype={dtype.name} makes the result other than a real float, which "
                        "Taylor mode can't differentiate; use dtype=np.float64 or leave it out.")
    if dtype == np.float64:
        return series
    return Series([c if type(c) is Traced else np.asarray(c, dtype=dtype)[()] for c in series.c])


def times_factorial(c, k):
    """The k-th derivative from the k-th Taylor coefficient: ``k!·c``, for k up to `MAX_ORDER`
    (inf only where that derivative itself overflows a float64).

    >>> times_factorial(0.5, 3)
    3.0
    """
    return c if k < 2 else float(math.factorial(k)) * c


def _stacked(coefficients):
    if all(type(c) in (float, int) for c in coefficients):
        return np.array(coefficients)
    return np.stack(coefficients)
