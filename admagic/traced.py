"""Traced values: numbers and arrays that write what is done to them on a tape.

Users write plain NumPy (``np.sin(x)``, ``X @ W``, ``w[1:3]``, ``np.sum(w ** 2)``). A `Traced` value
takes part through Python's operators and NumPy's two dispatch protocols (``__array_ufunc__`` for
ufuncs, ``__array_function__`` for the rest); all three end in one call, `record()`, which runs the
operation and leaves a `Node` on the tape.

Values a user holds across tapes (``Variable``, ``constant``, ``tensor``) are in `tensor.py`; how
NumPy functions beyond the derivative rules meet traced values, in `functions.py`.
"""

import inspect
import math
import operator

import numpy as np

from .inputs import as_float, as_written
from .keywords import out_and_after_as_keywords, out_position, rule_keywords
from .messages import EN, text
from .methods import ArrayMethods
from .primitives import getitem
from .tape import EAGER, VJP, Node, backward


def record(primitive, *args, **kwargs):
    """Run ``primitive(*args, **kwargs)``, and record it on the innermost tape among the arguments.

    That tape's traced arguments are unwrapped one level and the primitive is called again through
    `record`, so tapes further out record the same operation. Untraced calls are plain NumPy.

    >>> from admagic import Tape, Variable
    >>> x = Variable(3.0)
    >>> with Tape() as tape:
    ...     y = record(np.sin, x)          # what np.sin(x) does
    >>> y.primitive is np.sin, y.args      # one level down: the plain 3.0
    (True, (3.0,))
    >>> print(record(np.sin, 0.0))         # nothing traced: plain NumPy
    0.0
    """
    args = _live(args)
    top = None
    for a in args:
        if type(a) is Traced and (top is None or a.tape.level > top.level):
            top = a.tape
    if top is None:
        return primitive(*args, **kwargs)
    inner_args = list(args)
    parents = [None] * len(args)
    for argnum, a in enumerate(args):
        if type(a) is Traced and a.tape is top:
            inner_args[argnum] = a.value
            parents[argnum] = a
    kept = rule_keywords(primitive, kwargs) if kwargs else None  # or refused here; NumPy gets all
    ans = record(primitive, *inner_args, **kwargs)
    return Traced(ans, top, primitive, tuple(inner_args), kept or None, tuple(parents))


# The same as `record`, for one or two arguments of which the traced ones are on one live tape:
# the case of nearly every operation in a loop, taken without building argument lists. Python
# floats go through the `math`/`operator` twin of the primitive (NumPy takes ~1 µs per scalar call).
_CONSTANTS = {float, int, np.float64, np.ndarray}  # untraced arguments the fast paths take
_PYTHON_NUMBERS = {float, int}
_SCALAR_TWINS = {
    np.add: operator.add, np.subtract: operator.sub, np.multiply: operator.mul,
    np.divide: operator.truediv, np.negative: operator.neg, np.sin: math.sin, np.cos: math.cos,
    np.tan: math.tan, np.exp: math.exp, np.log: math.log, np.tanh: math.tanh,
    np.sqrt: math.sqrt, np.sinh: math.sinh, np.cosh: math.cosh, np.arctan: math.atan,
    np.power: math.pow,  # not operator.pow, which makes (-8.0) ** (1/3) complex: math.pow refuses
}


def record_unary(primitive, a):
    """`record(primitive, a)`, fast."""
    if type(a) is not Traced or not a.tape.recording:
        return record(primitive, a)
    args = (a.value,)
    twin = _SCALAR_TWINS.get(primitive) if type(args[0]) is float else None
    return Traced(_compute(primitive, twin, args), a.tape, primitive, args, None, (a,))


def record_binary(primitive, a, b):
    """`record(primitive, a, b)`, fast."""
    if type(a) is Traced:
        tape = a.tape
        if type(b) is Traced:
            if b.tape is not tape or not tape.recording:
                return record(primitive, a, b)
            av, bv, parents = a.value, b.value, (a, b)
        elif type(b) in _CONSTANTS and tape.recording:
            av, bv, parents = a.value, b, (a, None)
        else:
            return record(primitive, a, b)
    elif type(b) is Traced and type(a) in _CONSTANTS and b.tape.recording:
        tape = b.tape
        av, bv, parents = a, b.value, (None, b)
    else:
        return record(primitive, a, b)
    args = (av, bv)
    both_numbers = type(av) in _PYTHON_NUMBERS and type(bv) in _PYTHON_NUMBERS
    twin = _SCALAR_TWINS.get(primitive) if both_numbers else None
    return Traced(_compute(primitive, twin, args), tape, primitive, args, None, parents)


def _compute(primitive, twin, args):
    """primitive(*args) on arguments one level down: by its twin on Python numbers, through
    `record` when an outer tape traces an argument, else plainly."""
    if twin is not None:
        try:
            return twin(*args)
        except (ArithmeticError, ValueError):  # 1/0, log(0), ...: NumPy gives inf/nan as usual
            pass
    for a in args:
        if type(a) is Traced:
            return record(primitive, *args)
    return primitive(*args)


def _live(args):
    """Replace tensors by what currently stands for them, and strip stopped tapes' wrappers."""
    for a in args:
        if isinstance(a, HeldValue) or (type(a) is Traced and not a.tape.recording):
            break
    else:
        return args
    return tuple(_live_value(a) for a in args)


def _live_value(a):
    if isinstance(a, HeldValue):
        a = a._current()
    while type(a) is Traced and not a.tape.recording:
        a = a.value
    return a


def plain(x):
    """The number or array inside `x`, through every level of tracing."""
    while True:
        if type(x) is Traced:
            x = x.value
        elif isinstance(x, HeldValue):
            x = x._value
        else:
            return x


def as_input(value):
    """A value fit to differentiate with respect to: traced as it is, else `inputs.as_float`."""
    value = _live_value(value)
    return value if type(value) is Traced else as_float(value)


def new_leaf(tape, value, source=None):
    """A traced input on `tape`: the start of what the tape will differentiate."""
    value = as_input(value)
    return Traced(value, tape, None, (), None, (), source)


class DerivativeDroppedError(TypeError):
    """A conversion refused while a tape records the value. A subclass, since NumPy replaces a
    plain TypeError from float() with "setting an array element with a sequence"."""


def _recording_error(what, advice):
    """`what` was refused; `advice` says what to write instead. Each is a key of `messages.EN`
    (written in the current language) or text as it is (code, like ``float()``)."""
    what, advice = (text(words) if words in EN else words for words in (what, advice))
    return DerivativeDroppedError(text("error.drops_derivative", what=what, advice=advice))


# What to write instead: keys of `messages.EN`, written out in the current language when raised.
_FLOAT_ADVICE = "error.use_numpy_functions"
_STATISTICS_ADVICE = "error.use_numpy_statistics"
_LIST_ADVICE = "error.keep_it_an_array"
_ARRAY_ADVICE = "error.use_np_stack"


class _Arithmetic(ArrayMethods):
    """Python operators, each one `record()` call; ndarray's methods are in `methods.py`."""

    __slots__ = ()
    __array_priority__ = 100.0

    def __add__(self, other): return record_binary(np.add, self, other)
    def __radd__(self, other): return record_binary(np.add, other, self)
    def __sub__(self, other): return record_binary(np.subtract, self, other)
    def __rsub__(self, other): return record_binary(np.subtract, other, self)
    def __mul__(self, other): return record_binary(np.multiply, self, other)
    def __rmul__(self, other): return record_binary(np.multiply, other, self)
    def __truediv__(self, other): return record_binary(np.divide, self, other)
    def __rtruediv__(self, other): return record_binary(np.divide, other, self)
    def __floordiv__(self, other): return record_binary(np.floor_divide, self, other)
    def __rfloordiv__(self, other): return record_binary(np.floor_divide, other, self)
    def __mod__(self, other): return record_binary(np.remainder, self, other)
    def __rmod__(self, other): return record_binary(np.remainder, other, self)
    def __pow__(self, other, modulo=None):
        if modulo is not None:  # as Python refuses pow(2.0, 2, 5)
            raise TypeError("pow() with a third argument (a modulus) needs integers, and a traced "
                            "value is a float; write (x ** 2) % 5 if that is what you mean.")
        return record_binary(np.power, self, other)
    def __rpow__(self, other): return record_binary(np.power, other, self)
    def __matmul__(self, other): return record_binary(np.matmul, self, other)
    def __rmatmul__(self, other): return record_binary(np.matmul, other, self)
    def __neg__(self): return record_unary(np.negative, self)
    def __pos__(self): return self
    def __abs__(self): return record_unary(np.absolute, self)

    def __round__(self, ndigits=None):
        return record(np.round, self) if ndigits is None else record(np.round, self, ndigits)

    def __getitem__(self, index):
        return record(getitem, self, _plain_index(index))

    def __setitem__(self, index, value):
        raise TypeError(text("error.changed_in_place"))

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("A traced scalar is not iterable.")
        return (self[i] for i in range(len(self)))

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of a traced scalar.")
        return self.shape[0]

    # Comparisons read the values and give plain booleans, so `if`/`while` on them just work.
    def __lt__(self, other): return np.less(plain(self), plain(other))
    def __le__(self, other): return np.less_equal(plain(self), plain(other))
    def __gt__(self, other): return np.greater(plain(self), plain(other))
    def __ge__(self, other): return np.greater_equal(plain(self), plain(other))
    def __eq__(self, other): return np.equal(plain(self), plain(other))
    def __ne__(self, other): return np.not_equal(plain(self), plain(other))
    __hash__ = object.__hash__

    def __bool__(self):
        return bool(plain(self))

    shape = property(lambda self: np.shape(plain(self)))
    ndim = property(lambda self: np.ndim(plain(self)))
    size = property(lambda self: np.size(plain(self)))
    dtype = property(lambda self: np.result_type(plain(self)))
    def tolist(self): return np.asarray(self._converting(".tolist()", _LIST_ADVICE)).tolist()

    def astype(self, dtype, *args, **kwargs):
        """A float cast changes nothing (traced values are float64), so it is the value itself;
        a cast to integers or booleans would drop the derivative, so it is refused while traced."""
        if np.dtype(dtype).kind == "f":
            return self
        return np.asarray(self._converting(f".astype({np.dtype(dtype).name})", _FLOAT_ADVICE)).astype(
            dtype, *args, **kwargs)

    def item(self):
        """The value as a Python number; like PyTorch's ``.item()``, it detaches."""
        return np.asarray(plain(self)).item()

    def numpy(self):
        """The plain value (float or ndarray), detached from every tape, as in TensorFlow."""
        value = plain(self)
        return value.copy() if isinstance(value, np.ndarray) else value

    # Conversions that would drop the derivative are refused while a tape records this value;
    # each subclass says when that is, in `_converting`.
    def __float__(self): return float(self._converting("float()", _FLOAT_ADVICE))
    def __int__(self): return int(self._converting("int()", _FLOAT_ADVICE))
    def __index__(self): return int(self._converting("error.as_index", _FLOAT_ADVICE))
    def __complex__(self): return complex(self._converting("complex()", _FLOAT_ADVICE))
    def as_integer_ratio(self):  # what statistics.mean and fractions.Fraction ask for
        return float(self._converting("error.exact_arithmetic", _STATISTICS_ADVICE)
                     ).as_integer_ratio()

    def __array__(self, dtype=None, copy=None):
        value = np.asarray(self._converting("error.array_or_dot", _ARRAY_ADVICE), dtype=dtype)
        return value.copy() if copy else value

    def __format__(self, spec): return format(plain(self), spec)
    def __str__(self): return str(plain(self))

    # NumPy's protocols: everything NumPy does to a traced value comes here.
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if not kwargs and method == "__call__" and ufunc in VJP:  # the common case, first
            if len(inputs) == 1:
                return record_unary(ufunc, inputs[0])
            return record_binary(ufunc, *inputs)
        if kwargs.get("out") is not None:
            raise TypeError(_out_refused(ufunc, inputs, kwargs["out"]))
        kwargs.pop("out", None)
        if method != "__call__":
            raise TypeError(f"np.{ufunc.__name__}.{method} isn't supported on traced values; call "
                            "the function plainly, e.g. np.sum(x) for np.add.reduce(x).")
        if ufunc in VJP:
            return record(ufunc, *inputs, **kwargs)
        if ufunc in UNTRACED_UFUNCS:
            return ufunc(*[plain(x) for x in inputs], **kwargs)
        raise TypeError(f"np.{ufunc.__name__} has no derivative rule in admagic yet "
                        "(see admagic/rules.py for the ones there are).")

    def __array_function__(self, func, types, args, kwargs):
        if kwargs and any(isinstance(v, _Arithmetic) for v in kwargs.values()):
            args, kwargs = _traced_keywords_by_position(func, args, kwargs)
        if len(args) > out_position(func):
            args, kwargs = out_and_after_as_keywords(func, args, kwargs)
        how = FUNCTIONS.get(func)
        if how is not None:
            return how(*args, **kwargs)
        if func in VJP:
            return record(func, *args, **kwargs)
        if func in UNTRACED_FUNCTIONS:
            return func(*[plain(a) for a in args], **{k: plain(v) for k, v in kwargs.items()})
        raise TypeError(f"{_numpy_name(func)} isn't supported on traced values yet "
                        "(see admagic/rules.py for the functions there are).")


def _numpy_name(func):
    """np.sum, np.linalg.inv: the name a user typed."""
    module = getattr(func, "__module__", None) or "numpy"
    return module.replace("numpy", "np", 1) + "." + func.__name__


def _plain_index(index):
    return tuple(plain(i) for i in index) if isinstance(index, tuple) else plain(index)


def _out_refused(ufunc, inputs, out):
    if any(o is i for o in out for i in inputs) and ufunc in _AUGMENTED:  # a += x, a an array
        return (f"`a {_AUGMENTED[ufunc]}= x` would write a traced value into the plain array a, which "
                f"can't hold its derivative; write a = a {_AUGMENTED[ufunc]} x instead (a new value).")
    return (f"np.{ufunc.__name__}(..., out=) would write a traced value into a plain array, which "
            "can't hold its derivative; use the returned value instead: y = np.add(a, x).")


_AUGMENTED = {np.add: "+", np.subtract: "-", np.multiply: "*", np.divide: "/", np.power: "**",
              np.matmul: "@", np.floor_divide: "//", np.remainder: "%"}


# How NumPy's functions meet traced values: functions.py fills these, as rules.py fills tape.VJP.
FUNCTIONS = {}              # function -> what to call instead: those that need a word first
UNTRACED_FUNCTIONS = set()  # functions whose answer has no derivative: they see plain values
UNTRACED_UFUNCS = set()     # the same, for ufuncs (comparisons, isnan, ...)
_SIGNATURES = {}


def _traced_keywords_by_position(func, args, kwargs):
    """np.sum(a=w) as np.sum(w): a traced value given by keyword moves to its place among the
    positional arguments, where `record` sees it (as a keyword it would go unseen, and NumPy would
    call back here forever). A traced value for a keyword-only parameter is refused."""
    signature = _SIGNATURES.get(func)
    if signature is None:
        signature = _SIGNATURES[func] = inspect.signature(func)
    bound = signature.bind(*args, **kwargs)
    for name, value in bound.kwargs.items():
        if isinstance(value, _Arithmetic):
            raise TypeError(f"{_numpy_name(func)}(..., {name}=<traced value>): admagic follows traced "
                            f"values given by position, not as {name}=; pass it by position (e.g. "
                            "np.clip(x, lo, hi)), or make it a plain number.")
    return bound.args, bound.kwargs


class Traced(Node, _Arithmetic):
    """A value recorded on a tape: a `Node` of the record that user code can compute with.

    ``value`` is what it holds one level down (a number, an array, or the value as traced by an
    outer tape); ``tape`` is the tape that recorded it; the rest says how it was made.
    """

    __slots__ = ()

    def _converting(self, what, advice):
        if _recording(self):
            raise _recording_error(what, advice)
        return plain(self)

    def backward(self, gradient=None):
        """Add d(self)/d(t) into ``t.grad`` for every ``tensor(..., requires_grad=True)`` t it uses.

        As PyTorch's ``backward()``: gradients accumulate across calls; set ``t.grad = None`` (or
        call ``t.zero_grad()``) to start again. A non-scalar value needs `gradient`, its weights.

        >>> from admagic import tensor
        >>> t = tensor(3.0, requires_grad=True)
        >>> y = t * t
        >>> y.backward()
        >>> t.grad
        6.0
        """
        if gradient is None:
            if self.ndim != 0:
                raise RuntimeError(f"backward() on a value of shape {self.shape} needs "
                                   "gradient=<array of that shape>; or reduce it first, e.g. np.sum(y).")
            gradient = 1.0
        # Tensors that require grad are leaves of the eager tape, which records every operation
        # on them, whatever other tapes record: so every path from them to this value is there.
        eager = self
        while type(eager) is Traced and eager.tape is not EAGER:
            eager = eager.value
        if type(eager) is not Traced:
            return  # no tensor(..., requires_grad=True) went into this value
        for node, g in backward(eager, gradient).items():
            tensor = node.source
            if tensor is not None and tensor.requires_grad:
                tensor._add_to_grad(plain(g))  # in the tensor's dtype (float32 stays float32)

    def __repr__(self):  # traced(9.0) while a tape records it; constant(6.0) once none does
        kind = "traced" if _recording(self, eager=True) else "constant"
        return f"{kind}({as_written(plain(self))})"


def _recording(value, eager=False):
    while type(value) is Traced:
        if value.tape.recording and (eager or value.tape is not EAGER):
            return True
        value = value.value
    return False


class HeldValue(_Arithmetic):
    """Base of `tensor.Tensor`, values a user holds across tapes. Not traced themselves: `record()`
    asks each what stands for it now, ``_current()`` (a tape's traced stand-in, or the value)."""

    __slots__ = ()
