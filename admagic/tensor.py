"""Values a user holds across tapes, in TensorFlow's style and in PyTorch's.

``Variable(3.0)`` and ``constant(3.0)`` work as in TensorFlow: a `Tape` records operations on the
ones it watches (Variables are watched automatically). ``tensor(3.0, requires_grad=True)`` works as
in PyTorch: every operation on it is recorded on the always-on eager tape, and ``y.backward()``
fills in ``.grad``. A `Tensor` is not traced itself: each tape that watches it gives it a traced
stand-in (a leaf of that tape) for as long as the tape records.
"""

from .tape import EAGER, active_tapes
from .traced import HeldValue, Traced, _recording_error, as_input, new_leaf, plain


class Tensor(HeldValue):
    """A value the user holds across tapes; see `constant`, `Variable` and `tensor`."""

    __slots__ = ("_value", "trainable", "requires_grad", "grad", "_stand_ins", "__weakref__")

    def __init__(self, value, trainable=False, requires_grad=False):
        if isinstance(value, (HeldValue, Traced)):
            value = plain(value)
        self._value = as_input(value)
        self.trainable = trainable
        self.requires_grad = requires_grad
        self.grad = None
        self._stand_ins = []  # (tape, traced) for each tape that watches this tensor, outer first
        if requires_grad:
            self._stand_ins.append((EAGER, new_leaf(EAGER, self._value, source=self)))

    def _current(self):
        """What stands for this tensor now: the innermost watching tape's traced value, or the value."""
        if self.trainable:
            for tape in active_tapes:
                if tape.watch_accessed_variables and id(self) not in tape._leaves:
                    tape.watch(self)
        return self._stand_ins[-1][1] if self._stand_ins else self._value

    def _watched_by(self, tape):
        """Called by ``tape.watch(self)``: make this tensor's traced stand-in on `tape`."""
        below = [(t, s) for t, s in self._stand_ins if t.level < tape.level]
        above = [(t, s) for t, s in self._stand_ins if t.level > tape.level]
        leaf = new_leaf(tape, below[-1][1] if below else self._value, source=self)
        for _, stand_in in above[:1]:  # a tape further in now sees through this one
            stand_in.value = leaf
        self._stand_ins = below + [(tape, leaf)] + above
        return leaf

    def _forget(self, tape):
        self._stand_ins = [(t, s) for t, s in self._stand_ins if t is not tape]

    def _converting(self, what, advice):
        if self._watched():
            raise _recording_error(what, advice)
        return self._value

    def _watched(self):
        """Whether a tape records this value now, or would at its first use (a Variable)."""
        return any(t is not EAGER for t, _ in self._stand_ins) or (
            self.trainable and any(t.watch_accessed_variables for t in active_tapes))

    def assign(self, value):
        """Set the value (as TensorFlow's ``Variable.assign``); not while a tape watches it."""
        if self._watched():
            raise RuntimeError("Can't assign() while a Tape watches this value; assign after the "
                               "`with` block.")
        self._value = as_input(plain(value))
        if self.requires_grad:
            self._stand_ins = [(EAGER, new_leaf(EAGER, self._value, source=self))]
        return self

    def assign_add(self, delta): return self.assign(self._value + plain(delta))
    def assign_sub(self, delta): return self.assign(self._value - plain(delta))

    def zero_grad(self):
        """Forget the accumulated ``.grad`` (PyTorch: ``x.grad = None``)."""
        self.grad = None

    def detach(self):
        return constant(self._value)

    def __repr__(self):
        if type(self) is Variable:
            return f"Variable({self._value!r})"
        if self.requires_grad:
            return f"tensor({self._value!r}, requires_grad=True)"
        return f"constant({self._value!r})"


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
