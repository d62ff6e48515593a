"""The least a reverse-mode tape in pure Python can do, as a yardstick for `engine.py`.

It runs the benchmark's scalar loop (``y = y*x + np.sin(y)*0.5``) and nothing else: Python floats
only, three primitives (+, *, np.sin), one tape, no nesting, no broadcasting, no error handling. Whatever admagic
costs above it is the price of what admagic does and this does not; whatever this costs is the
price of recording and sweeping in Python at all.
"""

import gc
import math


class Value:
    """A float that appends itself to its tape, with its parents and the partial derivatives of
    itself with respect to each (computed at once, as PyTorch saves what its backward needs)."""

    __slots__ = ("value", "tape", "parents", "partials")

    def __init__(self, value, tape, parents=(), partials=()):
        self.value, self.tape, self.parents, self.partials = value, tape, parents, partials
        tape.append(self)

    def __add__(self, other):
        if type(other) is Value:
            return Value(self.value + other.value, self.tape, (self, other), (1.0, 1.0))
        return Value(self.value + other, self.tape, (self,), (1.0,))

    def __mul__(self, other):
        if type(other) is Value:
            partials = (other.value, self.value)
            return Value(self.value * other.value, self.tape, (self, other), partials)
        return Value(self.value * other, self.tape, (self,), (other,))

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if ufunc.__name__ != "sin":
            return NotImplemented
        return Value(math.sin(self.value), self.tape, (self,), (math.cos(self.value),))


def grad(f, x):
    """df/dx at x: record f on a list, then walk the list backwards. The cyclic garbage collector
    pauses meanwhile, as admagic's does."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        tape = []
        leaf = Value(x, tape)
        adjoints = {f(leaf): 1.0}
        for node in reversed(tape):
            g = adjoints.get(node)
            if g is None:
                continue
            for parent, partial in zip(node.parents, node.partials):
                adjoints[parent] = adjoints.get(parent, 0.0) + g * partial
        return adjoints.get(leaf, 0.0)
    finally:
        if was_enabled:
            gc.enable()
