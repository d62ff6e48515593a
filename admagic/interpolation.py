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

`api.derivatives` is the function users call:

>>> from admagic import derivatives
>>> derivatives(lambda x, y: x * x * y, 2)(3.0, 2.0)
{'df/dx': 12.0, 'df/dy': 9.0, 'd2f/dx2': 4.0, 'd2f/dxdy': 6.0, 'd2f/dy2': 0.0}
"""

import functools
import itertools
import math
from fractions import Fraction

import numpy as np

from . import taylor
from .series import total
from .traced import Traced, plain
from .values import NotComputed, plain_copy

__all__ = ["partials", "derivative_table", "check_request", "weights", "stacked_weights",
           "every_wrt", "MAX_ORDER", "MAX_PARTIALS"]

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


@functools.lru_cache(maxsize=64)
def stacked_weights(k, n):
    """Every partial of orders 1..n at once: the weight matrices of `weights` stacked (rows: every
    partial, first order first), the order of each row, and each row's partial as `partials`
    keys it (`every_wrt`). Row r of the partials is then
    ``Σ_j matrix[r, j] · f_(order[r])(j)``, one NumPy call for the whole table."""
    directions, matrices = weights(k, n)
    matrix = np.concatenate([matrices[p] for p in range(1, n + 1)])
    order = np.concatenate([np.full(len(matrices[p]), p) for p in range(1, n + 1)])
    return matrix, order, every_wrt(k, n)


@functools.lru_cache(maxsize=256)
def every_wrt(k, n):
    """Every partial of orders 1..n in k inputs as `partials` keys it, in the table's order:
    ``(0,), (1,), (0, 0), (0, 1), (1, 1)`` for k = n = 2."""
    return tuple(_wrt(i) for p in range(1, n + 1) for i in multi_indices(k, p))


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
    taylor.check_order(order, 1)
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
    nodes = _numbers_only(outputs, leaves)
    if nodes is not None:
        # Every value is one number: all the directions go through one sweep, side by side along
        # a new axis of the coefficients (coefficient p of an output holds f_p(j) for every j).
        along, matrix, orders, wrts = _side_by_side(k, order)
        series = taylor._sweep(outputs, {leaf: along[a] for a, leaf in enumerate(leaves)}, order,
                               nodes)
        answers = []
        for s in series:
            coefficients = s.rows  # (series.py: "small arrays side by side")
            if coefficients is None or coefficients.shape != (order + 1, matrix.shape[1]):
                coefficients = np.empty((order + 1, matrix.shape[1]))
                for p, c in enumerate(s.c):
                    coefficients[p] = c  # a number (as a constant's are) stands for every direction
            found = _row_sums(matrix, coefficients.take(orders, axis=0))
            answers.append(dict(zip(wrts, found.tolist())))
        return answers
    directions, matrices = weights(k, order)
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


@functools.lru_cache(maxsize=64)
def _side_by_side(k, n):
    """What one sweep of every direction side by side needs, made once per (k, n): for each input,
    how far it moves along each direction (row a of the directions' matrix), and
    `stacked_weights`."""
    return (list(np.array(multi_indices(k, n), dtype=float).T),) + stacked_weights(k, n)


def _row_sums(matrix, coefficients):
    """Row r of ``Σ_j matrix[r, j] · coefficients[r, j]``."""
    if _VECDOT is not None:
        return _VECDOT(matrix, coefficients)
    return np.einsum("rj,rj->r", matrix, coefficients)


_VECDOT = getattr(np, "vecdot", None)  # NumPy 2


def _wrt(i):
    """A multi-index as the inputs differentiated by, in order: (2, 1) -> (0, 0, 1)."""
    return tuple(a for a, i_a in enumerate(i) for _ in range(i_a))


def _numbers_only(outputs, leaves):
    """The nodes between the leaves and the outputs, oldest first (`taylor.nodes_to_sweep`), when
    they all are plain numbers (not arrays, not traced by an outer tape) made by ufuncs, which act
    elementwise: then an extra axis in the coefficients cannot meet a reduction or a reshape.
    Else None."""
    tape = leaves[0].tape
    nodes = taylor.nodes_to_sweep([tape.own(out) if type(out) is Traced else None
                                   for out in outputs])
    for node in nodes:
        value = node.value
        if not isinstance(value, float) and (  # float and np.float64: numbers (and fast)
                type(value) is Traced or isinstance(value, np.ndarray) or np.ndim(value) != 0):
            return None
        if node.primitive is not None and not isinstance(node.primitive, np.ufunc):
            return None
    return nodes


def _combine(matrix, column):
    """The rows of ``matrix @ column``, column holding one number or array per direction."""
    if any(type(c) is Traced for c in column):  # an outer tape records: combine in traced ops
        return [total(w * c for w, c in zip(row, column) if w) for row in matrix]
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
                            if size > max_size else plain_copy(value))
    return results
