"""The ndarray methods of a traced value: NumPy functions in disguise.

``w.sum(axis=0)`` is ``np.sum(w, axis=0)``, ``w.dot(v)`` is ``np.dot(w, v)``: each method here
calls its NumPy function with the arguments as given, so it meets traced values through NumPy's
dispatch exactly as the function does (same rule, same keywords, same refusals). The methods
that change an array in place (``w.sort()``, ``w.fill(0)``) are refused: a traced value never
changes, so they say what to write instead.

This module imports nothing of admagic; `traced.py` mixes `ArrayMethods` into every traced value.

>>> import admagic
>>> admagic.grad(lambda w: w.cumprod()[-1])(np.array([2.0, 3.0]))
array([3., 2.])
"""

import numpy as np


def _in_place(method, instead):
    def refused(self, *args, **kwargs):
        raise TypeError(f"w.{method}() changes w in place, and a traced value can't change: "
                        f"build a new value instead, {instead}.")
    refused.__name__ = method
    return refused


class ArrayMethods:
    """ndarray's methods, each a call of the NumPy function of the same name."""

    __slots__ = ()

    T = property(lambda self: np.transpose(self))
    real = property(lambda self: self)  # traced values are real
    imag = property(lambda self: np.zeros(np.shape(self)))

    def transpose(self, *axes):
        if not axes or axes == (None,):
            return np.transpose(self)
        return np.transpose(self, axes[0] if len(axes) == 1 else axes)

    def reshape(self, *shape, **kwargs):
        return np.reshape(self, shape[0] if len(shape) == 1 else shape, **kwargs)

    def ravel(self, *args, **kwargs): return np.ravel(self, *args, **kwargs)
    def flatten(self, *args, **kwargs): return np.ravel(self, *args, **kwargs)  # never shares memory
    def squeeze(self, *args, **kwargs): return np.squeeze(self, *args, **kwargs)
    def swapaxes(self, axis1, axis2): return np.swapaxes(self, axis1, axis2)
    def sum(self, *args, **kwargs): return np.sum(self, *args, **kwargs)
    def mean(self, *args, **kwargs): return np.mean(self, *args, **kwargs)
    def prod(self, *args, **kwargs): return np.prod(self, *args, **kwargs)
    def max(self, *args, **kwargs): return np.max(self, *args, **kwargs)
    def min(self, *args, **kwargs): return np.min(self, *args, **kwargs)
    def var(self, *args, **kwargs): return np.var(self, *args, **kwargs)
    def std(self, *args, **kwargs): return np.std(self, *args, **kwargs)
    def cumsum(self, *args, **kwargs): return np.cumsum(self, *args, **kwargs)
    def cumprod(self, *args, **kwargs): return np.cumprod(self, *args, **kwargs)
    def dot(self, b, *args, **kwargs): return np.dot(self, b, *args, **kwargs)
    def clip(self, min=None, max=None, *args, **kwargs): return np.clip(self, min, max, *args, **kwargs)
    def round(self, *args, **kwargs): return np.round(self, *args, **kwargs)
    def trace(self, *args, **kwargs): return np.trace(self, *args, **kwargs)
    def diagonal(self, *args, **kwargs): return np.diagonal(self, *args, **kwargs)
    def repeat(self, *args, **kwargs): return np.repeat(self, *args, **kwargs)
    def take(self, *args, **kwargs): return np.take(self, *args, **kwargs)
    def compress(self, condition, *args, **kwargs): return np.compress(condition, self, *args, **kwargs)
    def conj(self): return np.conjugate(self)
    def conjugate(self): return np.conjugate(self)
    def any(self, *args, **kwargs): return np.any(self, *args, **kwargs)
    def all(self, *args, **kwargs): return np.all(self, *args, **kwargs)
    def argmax(self, *args, **kwargs): return np.argmax(self, *args, **kwargs)
    def argmin(self, *args, **kwargs): return np.argmin(self, *args, **kwargs)
    def argsort(self, *args, **kwargs): return np.argsort(self, *args, **kwargs)
    def nonzero(self): return np.nonzero(self)

    sort = _in_place("sort", "w = np.sort(w)")
    partition = _in_place("partition", "w = np.partition(w, kth)")
    fill = _in_place("fill", "w = np.full_like(w, value)")
    put = _in_place("put", "w = np.where(mask, new, w)")
    itemset = _in_place("itemset", "w = np.where(mask, new, w)")
    resize = _in_place("resize", "w = w.reshape(shape)")
