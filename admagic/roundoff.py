"""Telling round-off from a small number, so the graph can draw the 0 a computation stands for.

A softmax's gradient with respect to the ``max(x)`` it subtracts is 0 (softmax ignores shifts),
but floating point computes it as a sum of terms that cancel and leaves ``2.8e-17``. A number is
round-off when it is within a few dozen machine epsilons of 0 *relative to the terms summed into
it*: ``1e-20 · x`` has a gradient of 1e-20, small but exact, because its one term is that small.

>>> without_roundoff(2.8e-17, scale=0.74), without_roundoff(1e-20, scale=1e-20)
(0.0, 1e-20)
"""

import numpy as np

from .tape import unbroadcast
from .traced import plain
from .values import plain_share

ROUNDOFF = 64 * np.finfo(float).eps
"""A value smaller than this, relative to the terms summed into it, is round-off: drawn as 0, with
the raw number as a tooltip."""

ROUNDOFF_USES = 1000
"""A value with more uses than this (a loop's input) is not checked for round-off: too many
terms to look at."""


def without_roundoff(value, scale):
    """`value` with the parts within round-off of 0, relative to `scale`, set to 0; `value` itself
    (the same object) if there are none, or if `scale` is None."""
    if scale is None:
        return value
    numbers, scale = np.asarray(plain(value)), np.asarray(scale)
    if numbers.dtype.kind != "f" or scale.dtype.kind not in "fiu":  # complex, say: left as it is
        return value
    noise = (numbers != 0) & (np.abs(numbers) <= ROUNDOFF * scale)
    if not np.any(noise):
        return value
    return np.where(noise, 0.0, numbers) if numbers.ndim else 0.0


def gradient_scale(node, children, adjoints):
    """How big the terms summed into `node`'s gradient are (|each|, summed, elementwise): each use
    (a child, with its adjoint in `adjoints`) passes back ``rule(g, ...)``, from the rule table.
    None for a value used too often to look at every use, or a rule that can't run plainly."""
    if len(children) > ROUNDOFF_USES:
        return None
    scale = 0.0
    for child in children:
        g = adjoints.get(child)
        if g is None:
            continue
        for argnum, parent in child.in_edges():
            if parent is not node:
                continue
            try:
                with np.errstate(all="ignore"):
                    term = plain_share(child, argnum, g)
                if term is None:
                    continue
                scale = scale + unbroadcast(np.abs(plain(term)), plain(child.args[argnum]))
            except Exception:  # a rule that can't run on plain numbers: no yardstick
                return None
    return scale


def sum_scale(node):
    """For a sum (``a + b``, ``a − b``, ``Σ a``), how big the terms summed are, elementwise: the
    yardstick for round-off in its value (``0.1·x + 0.2·x − 0.3·x`` is 0, computed as 5.6e-17).
    None for any other operation."""
    args = [np.asarray(plain(a)) for a in node.args]
    try:
        if node.primitive in (np.add, np.subtract) and len(args) == 2:
            return np.abs(args[0]) + np.abs(args[1])
        if node.primitive is np.sum and len(args) >= 1 and not node.kwargs:
            return np.sum(np.abs(args[0]), *[a[()] for a in args[1:2]])
    except (TypeError, ValueError):  # not numbers (or an axis we can't read): no yardstick
        return None
    return None
