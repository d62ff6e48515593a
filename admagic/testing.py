"""Gradient checking: admagic's derivatives against central finite differences.

A derivative rule can be wrong in ways no example catches by eye, so check it against arithmetic
that knows nothing of the rule. For a function ``f`` and a point ``x``, pick random directions
``v`` (in the input) and ``u`` (in the output). Then the vector-Jacobian product admagic computes
must satisfy

    u · J(x) v  ≈  u · (f(x + h·v) - f(x - h·v)) / (2·h)

(central differences: error of order h², not h; `central_difference` is the one admagic uses
everywhere, ``%%grad --check`` included). For higher orders, the gradient function
``x -> ∇(u · f)(x)`` is itself a function of ``x``, so it is checked the same way, and so on:
order 2 checks the derivative of admagic's backward pass, which is where second derivatives come
from.

>>> import numpy as np
>>> check_grads(np.sin, 0.5)
>>> check_grads(lambda x: np.sum(np.tanh(x) ** 2), np.array([0.1, -0.4]), order=3)
"""

import ast
import contextlib
import io
import warnings

import numpy as np

from .api import value_and_grad
from .inputs import bound, is_container, is_written_array, leaves_of, map_leaves
from .traced import as_input, plain
from .values import NotComputed

__all__ = ["check_grads", "central_difference", "numerical_jacobian"]

# The step: truncation error shrinks like h², rounding error grows like eps/h, and their sum is
# least near h = cbrt(eps) (about 6e-6), scaled with |x| so that x ± h still differ from x in
# their leading digits: the textbook optimum for central differences. Error then ~ eps^(2/3),
# about 4e-11 relative.
_STEP = float(np.cbrt(np.finfo(float).eps))


def central_difference(f, x, direction=1.0, step=None):
    """The derivative of f at x along `direction`: ``(f(x + h·v) - f(x - h·v)) / (2·h)``.

    `x` and `direction` are a number or an array (or tuples of them, for a function of several
    arguments, called as ``f(*x)``). `f` may return a number or an array. The step h is
    ``cbrt(eps)·max(1, |x|) / max|v|`` unless `step` gives it.

    >>> round(central_difference(np.sin, 0.0), 9)
    1.0
    >>> round(central_difference(lambda a, b: a * b, (2.0, 3.0), (1.0, 0.0)), 9)
    3.0
    """
    several = isinstance(x, tuple)
    parts, directions = (x, direction) if several else ((x,), (direction,))
    if step is None:
        size = max((float(np.max(np.abs(v), initial=0.0)) for v in directions), default=0.0)
        scale = max((float(np.max(np.abs(p), initial=0.0)) for p in parts), default=0.0)
        step = _STEP * max(1.0, scale) / (size or 1.0)

    def at(t):
        moved = tuple(np.asarray(p, dtype=float) + t * np.asarray(v, dtype=float)
                      if np.ndim(p) else float(p) + t * v for p, v in zip(parts, directions))
        return np.asarray(f(*moved), dtype=float)

    estimate = (at(step) - at(-step)) / (2.0 * step)
    return float(estimate) if estimate.ndim == 0 else estimate


def check_grads(f, *args, order=2, argnum=0, eps=None, rtol=1e-5, atol=1e-6, seed=0):
    """Check admagic's derivatives of ``f(*args)`` against central finite differences, up to `order`.

    `argnum` picks the argument(s) to differentiate (an int or a tuple); the others stay fixed.
    Inputs and outputs may be numbers, arrays, or lists, tuples and dicts of them (nested). At each order,
    admagic's vector-Jacobian product along random directions must match `central_difference`
    within ``atol + rtol·|finite difference|`` (`eps`, if given, is its step instead of the rule).
    Returns None; raises AssertionError saying which function, which order, and both numbers.

    >>> import numpy as np
    >>> check_grads(np.exp, 1.0, order=3)
    >>> check_grads(lambda x, y: np.sum(x * y), np.ones(3), np.arange(3.0), argnum=(0, 1))
    """
    argnums = tuple(argnum) if isinstance(argnum, (tuple, list)) else (argnum,)
    args = list(args)
    for i in argnums:
        # ints become floats, as admagic does with its inputs; a list of numbers is an array
        args[i] = as_input(args[i]) if is_written_array(args[i]) else map_leaves(as_input, args[i])
    rng = np.random.default_rng(seed)
    name = getattr(f, "__name__", None) or repr(f)
    for k in range(1, order + 1):
        f = _check_one_order(f, args, argnums, k, name, eps, rtol, atol, rng)


def _check_one_order(f, args, argnums, k, name, eps, rtol, atol, rng):
    """Check f's vjp at `args`; return the gradient function, whose derivative is the next order.
    An argument may be a list, tuple or dict of arrays: its leaves are moved, one flat list."""
    what = f"the order-{k} derivative of {name} (with respect to argument {_listed(argnums)})"
    out = f(*args)
    u = _random_like(out, rng)
    flat = [leaf for i in argnums for leaf in leaves_of(args[i])]
    v = [_random_like(leaf, rng) for leaf in flat]

    def rebuilt(chosen):
        remaining, moved = iter(chosen), list(args)
        for i in argnums:
            moved[i] = map_leaves(lambda _: next(remaining), args[i])
        return moved

    def along(*chosen):
        return _dot(u, f(*rebuilt(chosen)))

    expected = central_difference(along, tuple(flat), tuple(v), eps)

    def projected(*a):
        return _dot(u, f(*a))

    try:
        value, gradients = value_and_grad(projected, argnum=argnums)(*args)
    except Exception as error:  # say where in the check it happened, keep the original error
        error.add_note(f"check_grads: raised while computing {what}.")
        raise
    _assert_close(plain(value), _dot(u, out), f"{what}: the value computed while tracing",
                  "the plain call", rtol=1e-10, atol=1e-12)
    flat_gradients = leaves_of(list(gradients))
    for g, leaf in zip(flat_gradients, flat):
        if np.shape(plain(g)) != np.shape(leaf):
            raise AssertionError(f"{what}: the gradient has shape {np.shape(plain(g))}, but the "
                                 f"argument has shape {np.shape(leaf)}.")
    got = sum(float(np.sum(plain(g) * direction)) for g, direction in zip(flat_gradients, v))
    _assert_close(got, expected, f"{what}: admagic's vector-Jacobian product",
                  "central finite differences", rtol, atol)

    def gradient(*a):
        g = value_and_grad(projected, argnum=argnums)(*a)[1]
        return g[0] if len(argnums) == 1 else g

    gradient.__name__ = f"grad({name})"
    return gradient


def _assert_close(got, expected, what, against, rtol, atol):
    allowed = atol + rtol * abs(expected)
    if not abs(got - expected) <= allowed:  # written so that NaN fails too
        raise AssertionError(
            f"{what} disagrees with {against}:\n"
            f"  expected {float(expected)!r}\n"
            f"  got      {float(got)!r}\n"
            f"  (difference {abs(got - expected):.3g}, allowed {allowed:.3g})")


def _listed(argnums):
    return str(argnums[0]) if len(argnums) == 1 else ", ".join(map(str, argnums))


def _random_like(x, rng):
    """A random direction shaped like x: a float for a number, an array for an array, and the
    same list, tuple or dict for a container of them."""
    def one(leaf):
        leaf = plain(leaf)
        return float(rng.standard_normal()) if np.ndim(leaf) == 0 else \
            rng.standard_normal(np.shape(leaf))
    return map_leaves(one, x)


def _dot(u, y):
    """The sum of u * y, over every element (and every leaf of a container); traced if y is."""
    if is_container(y):
        return sum((np.sum(a * b) for a, b in zip(leaves_of(u), leaves_of(y))), 0.0)
    return np.sum(u * y)


def numerical_jacobian(f, x, eps=None):
    """The Jacobian of f at x by central differences, shaped ``f(x).shape + x.shape``.

    Slow (two calls of f per input element) but independent of admagic: use it to check
    `admagic.jacobian` on small inputs. Each column is a `central_difference`, with step `eps`
    if given, else the rule there for that element.

    >>> numerical_jacobian(lambda w: w ** 2, np.array([1.0, 2.0])).round(6)
    array([[2., 0.],
           [0., 4.]])
    """
    x = np.asarray(as_input(x), dtype=float)
    columns = []
    for index in np.ndindex(*x.shape):
        direction = np.zeros(x.shape)
        direction[index] = 1.0
        step = eps if eps is not None else _STEP * max(1.0, abs(float(x[index])))
        columns.append(central_difference(f, x, direction, step))
    out_shape = np.shape(f(x))
    if not columns:
        return np.zeros(out_shape + x.shape)
    return np.moveaxis(np.array(columns), 0, -1).reshape(out_shape + x.shape)


# ---- checking a %%grad cell ----------------------------------------------------------------------

MAX_CHECK_RUNS = 1000
"""--check runs the cell twice per number in an input; an input with more numbers isn't checked."""


def check_cell(cell, namespace, inputs, outputs, max_size, notes, containers=None):
    """``%%grad --check``: central differences for every output and input of `cell` (an
    `admagic.source.Cell`), run again on plain values, twice per input number, in a copy of
    `namespace`, with its printing hidden. `outputs` maps names to the values the traced run gave.

    Gives ``{(output, input): estimate}``, where an estimate may instead be a `NotComputed` (too
    big, or the cell gives other values each run) or the exception the cell raised at x ± h; a
    cell that doesn't reproduce its own values gets a note in `notes`.
    """

    checks = {}
    try:  # once more at the point itself: a cell that draws random numbers can't be checked
        again = _rerun(cell, namespace, inputs, outputs, containers)
    except Exception:
        again = {}
    unstable = [out for out in again if not np.allclose(again[out], outputs[out], rtol=1e-9,
                                                        atol=0.0, equal_nan=True)]
    if unstable:
        notes.append("Not checked: run again at the same inputs, the cell gave "
                     f"{', '.join(unstable)} other values (random numbers?), so finite differences would mean nothing. "
                     "Seed the generator in the cell, e.g. rng = np.random.default_rng(0).")
    for name, value in inputs.items():
        count = int(np.size(value))
        wanted = []
        for out, out_value in outputs.items():
            size, shape = int(np.size(out_value)) * count, np.shape(out_value) + np.shape(value)
            if out in unstable:
                checks[(out, name)] = NotComputed(shape, size, max_size, reason="the cell gives "
                                                  "other values each time it runs")
            elif size > max_size or 2 * count > MAX_CHECK_RUNS:
                runs = None if size > max_size else f"checking needs {2 * count:,} runs of the cell"
                checks[(out, name)] = NotComputed(shape, size, max_size, reason=runs)
            else:
                wanted.append(out)
        if wanted:
            checks.update(_cell_differences(cell, namespace, inputs, name, wanted, outputs,
                                            containers))
    return checks


def _cell_differences(cell, namespace, inputs, name, wanted, outputs, containers):
    """d(output)/d(input `name`) for each wanted output: `numerical_jacobian` of the cell run as a
    function of that input, its outputs flattened one after another."""
    value = inputs[name]

    def outputs_at(moved):
        moved = moved.reshape(np.shape(value)) if np.ndim(value) else np.float64(moved[0])
        ends = _rerun(cell, namespace, {**inputs, name: moved}, wanted, containers)
        return np.concatenate([np.ravel(ends[out]) for out in wanted])

    try:
        jacobian = numerical_jacobian(outputs_at, np.ravel(np.asarray(value, dtype=float)))
    except Exception as error:  # the cell may fail at x ± h: the table says so
        return {(out, name): error for out in wanted}
    checks, start = {}, 0
    for out in wanted:
        rows = int(np.size(outputs[out]))
        estimate = jacobian[start:start + rows].reshape(np.shape(outputs[out]) + np.shape(value))
        checks[(out, name)] = float(estimate) if estimate.ndim == 0 else estimate
        start += rows
    return checks


def _rerun(cell, namespace, inputs, outputs, containers):
    """The outputs of one plain run of `cell` in a copy of `namespace`, printing and warnings
    hidden."""
    scratch = dict(namespace)
    scratch.update(bound({name: np.float64(v) if np.ndim(v) == 0 else v
                          for name, v in inputs.items()}, containers))
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), \
            warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        last = cell.run(scratch)
    return {out: np.asarray(plain(_output_value(cell, scratch, last, out)), dtype=float)
            for out in outputs}


def _output_value(cell, namespace, last, out):
    """The value of output `out` after a run: a name, the last expression, or an item ys[0]."""
    if out == cell.last_source:
        return last
    if out in namespace:
        return namespace[out]
    container, key = out.split("[", 1)
    return namespace[container][ast.literal_eval(key[:-1])]
