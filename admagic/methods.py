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

    def _numpy(self, function, *args, **kwargs):
        """function(self, *args, **kwargs), handed straight to the value's NumPy dispatch (NumPy's
        own dispatcher would only find its way back there, a few microseconds later)."""
        return self.__array_function__(function, (type(self),), (self,) + args, kwargs)

    T = property(lambda self: self._numpy(np.transpose))
    real = property(lambda self: self)  # traced values are real
    imag = property(lambda self: np.zeros(np.shape(self)))

    def transpose(self, *axes):
        if not axes or axes == (None,):
            return self._numpy(np.transpose)
        return self._numpy(np.transpose, axes[0] if len(axes) == 1 else axes)

    def reshape(self, *shape, **kwargs):
        return self._numpy(np.reshape, shape[0] if len(shape) == 1 else shape, **kwargs)

    def ravel(self, *args, **kwargs): return self._numpy(np.ravel, *args, **kwargs)
    def flatten(self, *args, **kwargs): return self._numpy(np.ravel, *args, **kwargs)  # values never change
    def squeeze(self, *args, **kwargs): return self._numpy(np.squeeze, *args, **kwargs)
    def swapaxes(self, axis1, axis2): return self._numpy(np.swapaxes, axis1, axis2)
    def sum(self, *args, **kwargs): return self._numpy(np.sum, *args, **kwargs)
    def mean(self, *args, **kwargs): return self._numpy(np.mean, *args, **kwargs)
    def prod(self, *args, **kwargs): return self._numpy(np.prod, *args, **kwargs)
    def max(self, *args, **kwargs): return self._numpy(np.max, *args, **kwargs)
    def min(self, *args, **kwargs): return self._numpy(np.min, *args, **kwargs)
    def var(self, *args, **kwargs): return self._numpy(np.var, *args, **kwargs)
    def std(self, *args, **kwargs): return self._numpy(np.std, *args, **kwargs)
    def cumsum(self, *args, **kwargs): return self._numpy(np.cumsum, *args, **kwargs)
    def cumprod(self, *args, **kwargs): return self._numpy(np.cumprod, *args, **kwargs)
    def dot(self, b, *args, **kwargs): return self._numpy(np.dot, b, *args, **kwargs)
    def clip(self, min=None, max=None, *args, **kwargs):
        return self._numpy(np.clip, min, max, *args, **kwargs)
    def round(self, *args, **kwargs): return self._numpy(np.round, *args, **kwargs)
    def trace(self, *args, **kwargs): return self._numpy(np.trace, *args, **kwargs)
    def diagonal(self, *args, **kwargs): return self._numpy(np.diagonal, *args, **kwargs)
    def repeat(self, *args, **kwargs): return self._numpy(np.repeat, *args, **kwargs)
    def take(self, *args, **kwargs): return self._numpy(np.take, *args, **kwargs)
    def compress(self, condition, *args, **kwargs): return np.compress(condition, self, *args, **kwargs)
    def conj(self): return np.conjugate(self)  # a ufunc: NumPy's other protocol
    def conjugate(self): return np.conjugate(self)
    def any(self, *args, **kwargs): return self._numpy(np.any, *args, **kwargs)
    def all(self, *args, **kwargs): return self._numpy(np.all, *args, **kwargs)
    def argmax(self, *args, **kwargs): return self._numpy(np.argmax, *args, **kwargs)
    def argmin(self, *args, **kwargs): return self._numpy(np.argmin, *args, **kwargs)
    def argsort(self, *args, **kwargs): return self._numpy(np.argsort, *args, **kwargs)
    def nonzero(self): return self._numpy(np.nonzero)

    sort = _in_place("sort", "w = np.sort(w)")
    partition = _in_place("partition", "w = np.partition(w, kth)")
    fill = _in_place("fill", "w = np.full_like(w, value)")
    put = _in_place("put", "w = np.where(mask, new, w)")
    itemset = _in_place("itemset", "w = np.where(mask, new, w)")
    resize = _in_place("resize", "w = w.reshape(shape)")
