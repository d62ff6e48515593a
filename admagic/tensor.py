"""Values a user holds across tapes, in TensorFlow's style and in PyTorch's.

``Variable(3.0)`` and ``constant(3.0)`` work as in TensorFlow: a `Tape` records operations on the
ones it watches (Variables are watched automatically). ``tensor(3.0, requires_grad=True)`` works as
in PyTorch: every operation on it is recorded on the always-on eager tape, and ``y.backward()``
fills in ``.grad``. A `Tensor` is not traced itself: each tape that watches it gives it a traced
stand-in (a leaf of that tape) for as long as the tape records.
"""

import numpy as np

from .tape import EAGER, Tape, current_tape
from .inputs import as_written, in_dtype_of
from .traced import HeldValue, Traced, _recording_error, as_input, new_leaf, plain


class Tensor(HeldValue):
    """A value the user holds across tapes; see `constant`, `Variable` and `tensor`."""

    __slots__ = ("_value", "_given", "trainable", "requires_grad", "grad", "_stand_ins",
                 "__weakref__")

    def __init__(self, value, trainable=False, requires_grad=False):
        self._given = _dtype_holder(value)
        if isinstance(value, (HeldValue, Traced)):
            value = plain(value)
        self._value = as_input(value)
        self.trainable = trainable
        self.requires_grad = requires_grad
        self.grad = None
        self._stand_ins = {}  # tape -> this tensor's traced stand-in on it, for each watching tape
        if requires_grad:
            self._stand_ins[EAGER] = new_leaf(EAGER, self._value, source=self)

    def _current(self):
        """What stands for this tensor now, in this thread: the traced value of the innermost
        recording tape that watches it, or the value itself."""
        innermost = current_tape()
        if self.trainable and innermost is not EAGER:
            self._watched_on_use(innermost)
        stand_ins = self._stand_ins
        if stand_ins:
            tape = innermost
            while tape is not None:  # from the innermost tape down its parents, to EAGER
                stand_in = stand_ins.get(tape)
                if stand_in is not None:
                    return stand_in
                tape = tape.parent
        return self._value

    def _watched_on_use(self, innermost):
        """A Variable is watched by every recording tape that watches what it accesses."""
        chain = []
        tape = innermost
        while tape is not EAGER:
            if tape.watch_accessed_variables and id(self) not in tape._leaves:
                chain.append(tape)
            tape = tape.parent
        for tape in reversed(chain):  # outermost first, so each sees through the one below
            tape.watch(self)

    def _watched_by(self, tape):
        """Called by ``tape.watch(self)``: make this tensor's traced stand-in on `tape`.

        The leaf's value is the stand-in of the nearest tape below that watches this tensor, so
        that tape records through it; and a tape further in that already watches it now sees
        through the new leaf.
        """
        below = tape.parent
        while below is not None and below not in self._stand_ins:
            below = below.parent
        leaf = new_leaf(tape, self._value if below is None else self._stand_ins[below], source=self)
        above, inner = None, current_tape()
        while inner is not None and inner is not tape:
            if inner in self._stand_ins:
                above = inner
            inner = inner.parent
        if above is not None and inner is tape:
            self._stand_ins[above].value = leaf
        self._stand_ins[tape] = leaf
        return leaf

    def _forget(self, tape):
        self._stand_ins.pop(tape, None)

    def _converting(self, what, advice):
        if self._watched():
            raise _recording_error(what, advice)
        return self._value

    def _watched(self):
        """Whether a tape of this thread records this value now, or would at its first use (a
        Variable)."""
        tape = current_tape()
        while tape is not EAGER:
            if tape in self._stand_ins or (self.trainable and tape.watch_accessed_variables):
                return True
            tape = tape.parent
        return False

    def assign(self, value):
        """Set the value (as TensorFlow's ``Variable.assign``); not while a tape watches it."""
        if self._watched():
            raise RuntimeError("Can't assign() while a Tape watches this value; assign after the "
                               "`with` block.")
        self._value = as_input(plain(value))
        if self.requires_grad:
            self._stand_ins = {EAGER: new_leaf(EAGER, self._value, source=self)}
        return self

    def assign_add(self, delta): return self.assign(self._value + plain(delta))
    def assign_sub(self, delta): return self.assign(self._value - plain(delta))

    def _in_own_dtype(self, gradient):
        """A plain gradient (or value) in the dtype this value was given in: float32 in, float32
        out, as in TensorFlow, PyTorch and `grad`. It was worked out in float64 (the value is
        widened when traced), so only this last rounding is float32's."""
        return in_dtype_of(gradient, self._given)

    def _add_to_grad(self, gradient):
        """``.grad += gradient``, kept in this value's dtype as PyTorch keeps it."""
        if self.grad is None:
            self.grad = self._in_own_dtype(gradient)
        elif self._given is None:
            self.grad = self.grad + gradient
        else:  # the sum in float64, then rounded once
            self.grad = self._in_own_dtype(np.add(self.grad, gradient, dtype=np.float64))

    def numpy(self):
        """The value, detached, in the dtype it was given in (TensorFlow's ``.numpy()``)."""
        return self._in_own_dtype(super().numpy())

    def zero_grad(self):
        """Forget the accumulated ``.grad`` (PyTorch: ``x.grad = None``)."""
        self.grad = None

    def detach(self):
        return constant(self._value)

    @property
    def dtype(self):
        """The dtype the value was given in (float32 stays float32, as `numpy()` and `.grad` do)."""
        return self._given.dtype if self._given is not None else np.result_type(self._value)

    def __repr__(self):
        number = as_written(self.numpy())  # 9.0, never np.float64(9.0); a float32 as float32
        if type(self) is Variable:
            return f"Variable({number})"
        if self.requires_grad:
            return f"tensor({number}, requires_grad=True)"
        return f"constant({number})"


class Variable(Tensor):
    """A trainable value, watched automatically by every tape that uses it (TensorFlow's
    ``tf.Variable``).

    >>> from admagic import Tape, Variable
    >>> x = Variable(3.0)
    >>> with Tape() as tape:
    ...     y = x * x
    >>> tape.gradient(y, x).numpy()
    6.0
    """

    __slots__ = ()

    def __init__(self, value):
        super().__init__(value, trainable=True)


def constant(value):
    """A value tapes do not watch unless told to (``tape.watch(c)``), as ``tf.constant``.

    >>> c = constant(3.0)
    """
    return Tensor(value)


def tensor(value, requires_grad=False):
    """A value in PyTorch's style: with ``requires_grad=True`` every operation on it is recorded,
    and ``y.backward()`` fills in ``.grad``.

    >>> x = tensor(3.0, requires_grad=True)
    >>> y = x * x
    >>> y.backward()
    >>> x.grad
    6.0
    """
    return Tensor(value, requires_grad=requires_grad)


def _dtype_holder(value):
    """What `in_dtype_of` rounds this value's gradients by: an empty array (or a zero) of its
    dtype if it is float16 or float32 (a held value passes on its own), else None (float64, ints:
    nothing to round)."""
    if isinstance(value, Tensor):
        return value._given
    dtype = getattr(value, "dtype", None)
    if isinstance(value, Traced) or dtype is None or dtype.kind != "f" or dtype.itemsize >= 8:
        return None
    return np.empty(0, dtype) if isinstance(value, np.ndarray) else dtype.type(0)


def _handed_back(gradient, source):
    # Plain gradients come back from Tape.gradient as constants so `.numpy()` works on them, as
    # in TensorFlow, in the dtype of their source. The tape can't make them: it is built on this.
    if isinstance(source, Tensor):
        return Tensor(source._in_own_dtype(gradient))
    return constant(gradient)


Tape._hand_back = staticmethod(_handed_back)
