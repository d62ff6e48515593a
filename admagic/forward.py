"""Forward mode, and the two products every autodiff system is built from: ``jvp`` and ``vjp``.

For f: ℝⁿ → ℝᵐ with Jacobian J at x,

- ``jvp(f, (x,), (v,))`` gives ``(f(x), J v)``: how the output moves when the input moves along v.
  One *forward* sweep, carrying beside every value its tangent v̇. A column of J per sweep: cheap
  when there are few inputs.
- ``vjp(f, x)`` gives ``(f(x), u ↦ uᵀ J)``: how much each input matters to the output weighted by u.
  One *backward* sweep (`tape.backward`). A row of J per sweep: cheap when there are few outputs
  (a loss: one output, so one sweep gives the whole gradient).

The tangent sweep is Taylor mode at order 1: the series ``x(t) = x + t·v`` truncated after t
carries exactly the value and its tangent, so `taylor.derivatives` with order 1 does the work and
Taylor mode's rule table is forward mode's. Both nest under `grad` (and under each other), as the
rules are written in traced NumPy operations.

>>> jvp(lambda x, y: x * y, (3.0, 4.0), (1.0, 0.0))
(12.0, 4.0)
>>> value, pullback = vjp(lambda x, y: x * y, 3.0, 4.0)
>>> value, pullback(1.0)
(12.0, (4.0, 3.0))
"""

import numpy as np

from . import taylor
from .messages import text
from .inputs import in_dtype_of, leaves_of, map_leaves, map_pairs
from .tape import Tape, backward
from .traced import as_input, new_leaf, plain
from .values import plain_copy, zeros_like

__all__ = ["jvp", "vjp", "tangents", "forward_derivatives"]


def jvp(f, primals, tangents):
    """``(f(*primals), J·tangents)``, as ``jax.jvp``: the value, and the directional derivative of
    f at `primals` along `tangents` (one tangent per primal, each of its primal's shape).

    A primal may be a list, tuple or dict of numbers and arrays (nested), as for `grad`: its
    tangent then has the same structure. f may return any such structure too; the tangent it
    gives back has that structure.

    >>> import numpy as np
    >>> jvp(np.sin, (0.0,), (2.0,))
    (0.0, 2.0)
    >>> jvp(lambda w: w ** 2, (np.array([1.0, 2.0]),), (np.array([1.0, 0.0]),))[1]
    array([2., 0.])
    >>> jvp(lambda p: p["a"] * p["b"], ({"a": 2.0, "b": 3.0},), ({"a": 1.0, "b": 0.0},))
    (6.0, 3.0)
    """
    _check_paired(primals, tangents)
    tape = Tape()
    try:
        with tape:
            # One new number t, and every input moved along its tangent: x(t) = x + t·v. At t = 0
            # the values are the primals' own (x + 0·v = x); d/dt at t = 0 is J·v.
            t = new_leaf(tape, 0.0)

            def moved(primal, tangent, path):
                primal, tangent = as_input(primal), as_input(tangent)
                _check_shape(tangent, primal, path, "word.tangent", "word.primal")
                return primal + t * tangent

            what, of = text("word.tangent"), text("word.primal")
            out = f(*(map_pairs(moved, p, v, f"tangents[{i}]", what, of)
                      for i, (p, v) in enumerate(zip(primals, tangents))))
        parts = leaves_of(out)
        series = taylor.derivatives(parts, t, 1)
        values = [_like(v, v) for v in (_one_level_down(part, tape) for part in parts)]
        slopes = [_like(s[1], value) for s, value in zip(series, values)]
    finally:  # a traced value f kept holds no graph from here on, whichever way this ends
        tape.discard()
    return _in_structure(values, out), _in_structure(slopes, out)


def vjp(f, *primals):
    """``(f(*primals), pullback)``, as ``jax.vjp``: ``pullback(u)`` gives uᵀJ, the gradient of
    ``sum(u * f)`` with respect to each primal, as a tuple with one entry per primal.

    f is run once; each call of `pullback` sweeps that record backwards (once for each number or
    array f returns that depends on the primals). A primal may
    be a list, tuple or dict of numbers and arrays (nested): its entry has the same structure,
    each leaf in its dtype (float32 in, float32 out, as `grad`). If f returns such a structure,
    the cotangent u has it too.

    >>> import numpy as np
    >>> value, pullback = vjp(lambda w: w ** 2, np.array([1.0, 2.0]))
    >>> pullback(np.array([1.0, 10.0]))
    (array([ 2., 40.]),)
    >>> vjp(lambda p: p["a"] * p["b"], {"a": 2.0, "b": 3.0})[1](1.0)
    ({'a': 3.0, 'b': 2.0},)
    """
    tape, leaves = Tape(), []

    def leaf(primal):
        leaves.append(new_leaf(tape, primal))
        return leaves[-1]

    try:
        with tape:
            out = f(*(map_leaves(leaf, p) for p in primals))
    except BaseException:
        tape.discard()  # f failed: what it recorded holds no graph (else the pullback needs it)
        raise
    tape.release()
    parts = leaves_of(out)
    value = _in_structure([_one_level_down(part, tape) for part in parts], out)

    def pullback(cotangent):
        seeds = []

        def paired(part, u, path):
            u = as_input(u)
            _check_shape(u, _one_level_down(part, tape), path, "word.cotangent", "word.output")
            seeds.append((tape.own(part), u))

        map_pairs(paired, out, cotangent, "cotangent", text("word.cotangent"), text("word.output"))
        totals = {}
        for traced, u in seeds:
            if traced is not None:  # else this part of f's output does not depend on the inputs
                adjoints = backward(traced, u, keep_interior=False)
                for leaf in leaves:
                    if leaf in adjoints:
                        totals[leaf] = adjoints[leaf] + totals[leaf] if leaf in totals \
                            else adjoints[leaf]
        gradients = iter(_like(totals[leaf], leaf) if leaf in totals else zeros_like(leaf)
                         for leaf in leaves)
        return tuple(map_leaves(lambda original: in_dtype_of(next(gradients), original), p)
                     for p in primals)

    pullback.__name__ = f"vjp_{getattr(f, '__name__', 'f')}"
    return value, pullback


def tangents(values, leaf):
    """The tangent of each value when `leaf` (an input on the tape that recorded them) moves with
    tangent 1 (every element of an array input at once) and every other input stays fixed: one
    forward sweep over the record, Taylor mode at order 1."""
    return [s[1] for s in taylor.derivatives(list(values), leaf, 1)]


def forward_derivatives(outputs, leaves):
    """Every first derivative by forward mode: one tangent sweep per input, over one record.

    `outputs` maps names to values traced by the tape that `leaves` (name -> input leaf) are on.
    Gives ``{(output, (input,)): plain value}``, the keys as `cell.compute_derivatives` makes
    them. Inputs must be numbers: an array input would need one sweep per element, each seeded
    with a unit tangent, and the Taylor sweep moves all of an input's elements together.
    """
    arrays = [name for name, leaf in leaves.items() if np.ndim(plain(leaf)) != 0]
    if arrays:
        raise ValueError(f"Forward mode here takes inputs that are numbers; {', '.join(arrays)} "
                         "is an array. Use reverse mode (the default) for arrays, or "
                         "admagic.jvp(f, (x,), (v,)) for the derivative along one direction v.")
    names, values = list(outputs), list(outputs.values())
    derivatives = {}
    for input_name, leaf in leaves.items():
        with np.errstate(all="ignore"):
            for name, slope in zip(names, tangents(values, leaf)):
                derivatives[(name, (input_name,))] = plain_copy(slope)
    return derivatives


def _check_paired(primals, tangents):
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp(f, primals, tangents) takes a tuple of primals and a tuple of "
                        "tangents, as jax.jvp does: jvp(f, (x,), (v,)), not jvp(f, x, v).")
    if len(primals) != len(tangents):
        raise ValueError(f"jvp got {len(primals)} primal(s) but {len(tangents)} tangent(s): give "
                         "one tangent per primal, each of its primal's shape.")


def _check_shape(given, like, path, what, of):
    if np.shape(plain(given)) != np.shape(plain(like)):
        raise ValueError(text("error.shape_differs", path=path, what=text(what), of=text(of),
                              got=np.shape(plain(given)), wanted=np.shape(plain(like))))


def _in_structure(flat, tree):
    """The values of `flat`, in order, put in the places of `tree`'s leaves."""
    remaining = iter(flat)
    return map_leaves(lambda _: next(remaining), tree)


def _one_level_down(out, tape):
    traced = tape.own(out)
    return traced.value if traced is not None else out


def _like(result, primal):
    """A float for a float primal or output, even where a rule made a 0-d array."""
    if isinstance(result, (np.ndarray, np.floating)) and np.ndim(result) == 0 \
            and not isinstance(plain(primal), np.ndarray):
        return float(result)
    return result
