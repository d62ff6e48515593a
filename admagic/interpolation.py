"""Every mixed partial of a function of several numbers, from univariate Taylor series.

Taylor mode (`taylor.py`) moves one input along a line, ``x(t) = x0 + t``. Move k inputs along a
direction instead, ``x(t) = x0 + j·t``, and coefficient p of the output's series is a homogeneous
polynomial of degree p in the direction: ``f_p(j) = Σ_(|i|=p) ∂ⁱf · jⁱ / i!`` (multi-index
notation: ``i! = i_1!·…·i_k!``, ``jⁱ = j_1^(i_1)·…·j_k^(i_k)``). Propagate along every integer
direction with ``|j| = j_1 + … + j_k = n`` — there are C(n+k-1, n) of them — and each partial of
order p ≤ n is a fixed combination of those coefficients (Griewank, Utke & Walther, "Evaluating
higher derivative tensors by forward propagation of univariate Taylor series", Math. Comp. 69,
2000)::

    ∂ⁱf = Σ_(|j|=n) c_ij · f_p(j),   c_ij = Σ_(0<m≤i) (-1)^|i-m| C(i, m) C(n·m/|m|, j) (|m|/n)^p

with ``|i| = p`` and each C(a, b) a product of binomials, one per input (the first argument may
be a fraction). Why it holds: an i-th finite difference of a homogeneous polynomial of degree
|i| at 0 picks out its coefficient of ``sⁱ`` times i!; that difference needs the polynomial at the
points m ≤ i, and homogeneity moves each point onto the simplex ``|s| = n`` where Lagrange
interpolation through the integer points j is exact. The weights are exact fractions
(`fractions.Fraction`), rounded to floats once.

No nesting: the cost is C(n+k-1, n) sweeps of O(n²) per operation, polynomial in n where nested
reverse mode grows exponentially. When every value in the cell is one number, the directions go
through a single sweep side by side (each coefficient an array with one entry per direction), so
NumPy does the C(n+k-1, n) in one call per operation. The price is rounding: the weights grow with
n, and digits are lost (see `MAX_ORDER`, measured in benchmarks/interpolation_digits.py).

>>> derivatives(lambda x, y: x * x * y, 2)(3.0, 2.0)
{'df/dx': 12.0, 'df/dy': 9.0, 'd2f/dx2': 4.0, 'd2f/dxdy': 6.0, 'd2f/dy2': 0.0}
"""

import functools
import inspect
import itertools
import math
from fractions import Fraction

import numpy as np

from . import taylor
from .result import NotComputed, leibniz
from .tape import Tape, ancestors
from .traced import Traced, new_leaf, plain

__all__ = ["derivatives", "hessian", "partials", "derivative_table", "check_request",
           "MAX_ORDER", "MAX_PARTIALS"]

# The highest order allowed for each number of inputs: measured (benchmarks/interpolation_digits.py,
# against 40-digit values; the table is in docs/how-it-works.md) to leave at least 7 significant
# digits in every partial table, with a first call (weights included) of at most about 3 s.
MAX_ORDER = {2: 22, 3: 14, 4: 10, 5: 8, 6: 6}
MAX_PARTIALS = 5000  # partial derivatives in one request (every output, every order)


# ---- the weights --------------------------------------------------------------------------------

@functools.lru_cache(maxsize=256)
def multi_indices(k, n):
    """The multi-indices of total order n in k inputs, in the order %%grad lists partials:
    ``(2, 0), (1, 1), (0, 2)`` for d²/dx², d²/dxdy, d²/dy²."""
    return [tuple(wrt.count(a) for a in range(k))
            for wrt in itertools.combinations_with_replacement(range(k), n)]


@functools.lru_cache(maxsize=64)
def weights(k, n):
    """The directions (every j with |j| = n) and, for each order p = 1..n, the float matrix of
    weights c_ij (rows: `multi_indices(k, p)`, columns: the directions)."""
    directions = multi_indices(k, n)
    matrices = {}
    for p in range(1, n + 1):
        rows = multi_indices(k, p)
        matrix = np.zeros((len(rows), len(directions)))
        for r, i in enumerate(rows):
            support = [a for a in range(k) if i[a]]
            for c, j in enumerate(directions):
                # c_ij = 0 unless j moves only inputs i differentiates (C(0, j_a) = 0 for j_a > 0),
                # and it is unchanged by reordering the inputs: so cache it by the sorted pairs.
                if all(j[a] == 0 or i[a] for a in range(k)):
                    matrix[r, c] = _weight(tuple(sorted((i[a], j[a]) for a in support)), n)
        matrices[p] = matrix
    return directions, matrices


@functools.lru_cache(maxsize=None)
def _falling(x, s, j):
    """x (x - s) (x - 2s) ... (x - (j-1)s), a whole number."""
    return math.prod(x - t * s for t in range(j))


@functools.lru_cache(maxsize=None)
def _weight(pairs, n):
    """c_ij for the pairs (i_a, j_a) of the inputs i differentiates, as a float rounded once.

    With s = |m|, C(n·m_a/s, j_a) = Π_(t<j_a) (n·m_a - t·s) / (s^(j_a)·j_a!), so
    c_ij = Σ_s (-1)^(p-s) s^(p-n) / (n^p·j!) · Σ_(m≤i, |m|=s) C(i, m)·Π_a Π_(t<j_a) (n·m_a - t·s):
    whole numbers inside, one fraction per s."""
    i = [i_a for i_a, _ in pairs]
    p = sum(i)
    by_size = [0] * (p + 1)
    for m in itertools.product(*(range(i_a + 1) for i_a in i)):
        s = sum(m)
        if s:
            term = 1
            for (i_a, j_a), m_a in zip(pairs, m):
                term *= math.comb(i_a, m_a) * _falling(n * m_a, s, j_a)
            by_size[s] += term
    total = sum(Fraction((-1) ** (p - s) * by_size[s], s ** (n - p)) for s in range(1, p + 1))
    return float(total / (n ** p * math.prod(math.factorial(j_a) for _, j_a in pairs)))


# ---- limits -------------------------------------------------------------------------------------

def max_order(inputs):
    """The highest order allowed for this many inputs (None: no limit, as for one input)."""
    if inputs in MAX_ORDER:
        return MAX_ORDER[inputs]
    fewer = [order for k, order in MAX_ORDER.items() if k < inputs]
    return min(fewer) if fewer else None  # more inputs than measured: the last one's limit


def check_request(inputs, order, outputs=1):
    """Refuse, at once, an order interpolation cannot give accurately or a table too big to want.

    Raises ValueError saying the limit; returns the number of partials otherwise.
    """
    if not isinstance(order, (int, np.integer)) or isinstance(order, bool) or order < 1:
        raise ValueError(f"order must be a whole number, 1 or more (got {order!r}).")
    limit = max_order(inputs)
    if limit is not None and order > limit:
        raise ValueError(
            f"Order {order} in {inputs} inputs is beyond what Taylor interpolation gives "
            f"accurately and quickly: the highest order for {inputs} inputs is {limit} "
            f"(measured to keep 7 or more digits right). Ask for order {limit} or less.")
    count = outputs * (math.comb(order + inputs, inputs) - 1)
    if count > MAX_PARTIALS:
        raise ValueError(
            f"That is {count:,} partial derivatives ({outputs} output(s), {inputs} inputs, every "
            f"order up to {order}), over the limit of {MAX_PARTIALS:,}. Ask for a lower order or "
            "fewer inputs or outputs.")
    return count


# ---- partials from a recorded tape --------------------------------------------------------------

def partials(outputs, leaves, order):
    """Every partial of every output up to `order`, with respect to scalar `leaves` on the tape
    that recorded the outputs: for each output a dict ``{wrt: value}``, wrt a tuple of leaf
    positions in nondecreasing order (``(0, 0, 1)`` is ∂³/∂x²∂y), as `cell.compute_derivatives`
    keys them. Array outputs have their partials elementwise.

    Raises NotImplementedError where a primitive has no Taylor rule (the caller falls back to
    nested reverse mode).
    """
    k = len(leaves)
    directions, matrices = weights(k, order)
    if _numbers_only(outputs, leaves):
        # Every value is one number: all the directions go through one sweep, side by side along
        # a new axis of the coefficients (coefficient p of an output holds f_p(j) for every j).
        along = np.array(directions, dtype=float)
        series = taylor._sweep(outputs, {leaf: along[:, a] for a, leaf in enumerate(leaves)}, order)
        columns = [[np.broadcast_to(s.c[p], len(directions)) for p in range(order + 1)]
                   for s in series]
    else:
        along = [taylor._sweep(outputs, {leaf: float(j_l) for leaf, j_l in zip(leaves, j) if j_l},
                               order) for j in directions]
        columns = [[[s[position].c[p] for s in along] for p in range(order + 1)]
                   for position in range(len(outputs))]
    answers = []
    for position in range(len(outputs)):
        found = {}
        for p in range(1, order + 1):
            column = columns[position][p]
            for i, value in zip(multi_indices(k, p), _combine(matrices[p], column)):
                found[_wrt(i)] = value
        answers.append(found)
    return answers


def _wrt(i):
    """A multi-index as the inputs differentiated by, in order: (2, 1) -> (0, 0, 1)."""
    return tuple(a for a, i_a in enumerate(i) for _ in range(i_a))


def _numbers_only(outputs, leaves):
    """True when the leaves, the outputs and everything between are plain numbers (not arrays,
    not traced by an outer tape) made by ufuncs, which act elementwise: then an extra axis in the
    coefficients cannot meet a reduction or a reshape."""
    seen = set()
    for out in outputs:
        node = leaves[0].tape.own(out) if type(out) is Traced else None
        if node is None or node in seen:
            continue
        for ancestor in ancestors(node):
            if ancestor in seen:
                continue
            seen.add(ancestor)
            if type(ancestor.value) is Traced or isinstance(ancestor.value, np.ndarray) \
                    or np.ndim(ancestor.value) != 0:
                return False
            if ancestor.primitive is not None and not isinstance(ancestor.primitive, np.ufunc):
                return False
    return True


def _combine(matrix, column):
    """The rows of ``matrix @ column``, column holding one number or array per direction."""
    if any(type(c) is Traced for c in column):  # an outer tape records: combine in traced ops
        return [taylor._total(w * c for w, c in zip(row, column) if w) for row in matrix]
    stacked = np.asarray(column, dtype=float)
    combined = np.tensordot(matrix, stacked, axes=1)
    if combined.ndim == 1:  # one number per partial
        return [float(v) for v in combined]
    return list(combined)


def derivative_table(outputs, leaves, order, max_size):
    """What `cell.compute_derivatives` gives, by interpolation: ``{(output, (input, ...)):
    value}`` for every partial up to `order`, `NotComputed` where an output has more than
    `max_size` numbers. `outputs` maps names to traced values, `leaves` names to scalar leaves.
    """
    check_request(len(leaves), order, len(outputs))
    names = list(leaves)
    found = partials(list(outputs.values()), list(leaves.values()), order)
    results = {}
    for out, by_wrt in zip(outputs, found):
        size = int(np.size(plain(outputs[out])))
        for wrt, value in by_wrt.items():
            key = (out, tuple(names[a] for a in wrt))
            results[key] = (NotComputed(np.shape(plain(outputs[out])), size, max_size)
                            if size > max_size else _plain_copy(value))
    return results


def _plain_copy(value):
    value = plain(value)
    return value.copy() if isinstance(value, np.ndarray) else value


# ---- the functions users call -------------------------------------------------------------------

def derivatives(f, order):
    """Every partial derivative of f up to `order`, as a new function of f's numbers, giving a
    dict keyed as the ``%%grad`` table is: first derivatives, then second, ...

    >>> derivatives(lambda x, y: x * y + y, 2)(3.0, 2.0)
    {'df/dx': 2.0, 'df/dy': 4.0, 'd2f/dx2': 0.0, 'd2f/dxdy': 1.0, 'd2f/dy2': 0.0}

    The inputs are numbers (f may return an array: its partials are then elementwise); the value
    f itself is not in the dict. The partials come from univariate Taylor series along
    C(order+k-1, order) directions; where a primitive has no Taylor rule, from nested reverse mode.
    An order above `MAX_ORDER` for this many inputs, or more than `MAX_PARTIALS` partials, is
    refused with a ValueError.
    """
    if not isinstance(order, (int, np.integer)) or isinstance(order, bool) or order < 1:
        raise ValueError(f"order must be a whole number, 1 or more (got {order!r}).")
    output_name = getattr(f, "__name__", "f")
    output_name = output_name if output_name.isidentifier() else "f"

    def all_partials(*xs):
        if not xs:
            raise TypeError("derivatives(f, order) needs the numbers to differentiate at, "
                            "e.g. derivatives(f, 2)(1.0, 2.0).")
        names = _input_names(f, len(xs))
        for name, x in zip(names, xs):
            if np.ndim(plain(x)) != 0:
                raise TypeError(f"derivatives() takes numbers; {name} has shape "
                                f"{np.shape(plain(x))}. For an array input use jacobian() or "
                                "hessian().")
        check_request(len(xs), order)
        with Tape() as tape:
            leaves = [new_leaf(tape, x) for x in xs]
            out = f(*leaves)
        tape.release()  # the sweeps walk the graph, not the tape's list
        try:
            (found,) = partials([out], leaves, order)
        except NotImplementedError:
            found = _by_nested_reverse(f, xs, order)
        return {leibniz(output_name, tuple(names[a] for a in wrt)):
                value if type(value) is Traced else _plain_copy(value)  # an outer tape's, kept
                for wrt, value in found.items()}

    all_partials.__name__ = f"derivatives_{order}_{output_name}"
    return all_partials


def _input_names(f, count):
    """f's parameter names for its first `count` arguments (x1, x2, ... where it has none)."""
    try:
        parameters = [p.name for p in inspect.signature(f).parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):  # a builtin or ufunc without a signature
        parameters = []
    if len(parameters) >= count:
        return parameters[:count]
    return [f"x{a + 1}" for a in range(count)]


def _by_nested_reverse(f, xs, order):
    """The same partials by nesting `jacobian` (exponential in the order; a fallback only)."""
    from .api import jacobian

    found, frontier = {}, {(): f}
    for _ in range(order):
        grown = {}
        for wrt, g in frontier.items():
            for a in range(wrt[-1] if wrt else 0, len(xs)):
                grown[wrt + (a,)] = jacobian(g, argnum=a)
        for wrt, g in grown.items():
            found[wrt] = g(*xs)
        frontier = grown
    return found


# Measured (benchmarks/taylor.py): Taylor interpolation is about 1.5× faster for one number, even
# for two, and slower beyond (C(N+1, 2) sweeps of small arrays against N reverse sweeps).
HESSIAN_TAYLOR_MAX_SIZE = 1


def hessian(f, argnum=0):
    """The matrix of second derivatives of a scalar function, as `api.hessian` gives it, from
    order-2 Taylor series along C(N+1, 2) directions when the argument has at most
    `HESSIAN_TAYLOR_MAX_SIZE` numbers (no nested tapes), else by nested reverse mode.

    >>> hessian(lambda w: np.sum(w ** 3))(np.array([1.0, 2.0]))
    array([[ 6.,  0.],
           [ 0., 12.]])
    """
    from . import api

    nested = api.hessian(f, argnum)

    def hessian_of_f(*args, **kwargs):
        if isinstance(argnum, (tuple, list)) or not -len(args) <= argnum < len(args):
            return nested(*args, **kwargs)
        w = plain(args[argnum])
        if np.size(w) > HESSIAN_TAYLOR_MAX_SIZE or np.size(w) == 0:
            return nested(*args, **kwargs)
        args = list(args)
        with Tape() as tape:
            leaf = args[argnum] = new_leaf(tape, w)
            out = f(*args, **kwargs)
        tape.release()
        if np.ndim(plain(out)) != 0:
            return nested(*args[:argnum], w, *args[argnum + 1:], **kwargs)  # its error message
        try:
            matrix = _second_partials(out, leaf)
        except NotImplementedError:
            return nested(*args[:argnum], w, *args[argnum + 1:], **kwargs)
        return float(matrix[0, 0]) if np.ndim(w) == 0 else matrix.reshape(np.shape(w) * 2)

    hessian_of_f.__name__ = f"hessian_{getattr(f, '__name__', 'f')}"
    return hessian_of_f


def _second_partials(out, leaf):
    """The N×N matrix of second partials of `out` in the N numbers of array `leaf`."""
    shape = np.shape(plain(leaf))
    size = math.prod(shape)
    directions, matrices = weights(size, 2)
    column = []
    for j in directions:
        direction = np.reshape(np.array(j, dtype=float), shape) if shape else float(j[0])
        (series,) = taylor._sweep([out], {leaf: direction}, 2)
        column.append(plain(series.c[2]))
    matrix = np.empty((size, size))
    for i, value in zip(multi_indices(size, 2), matrices[2] @ np.asarray(column, dtype=float)):
        a, b = [axis for axis, i_a in enumerate(i) for _ in range(i_a)]
        matrix[a, b] = matrix[b, a] = value
    return matrix
