"""Derivatives of Python functions, in the functional style of JAX and HIPS autograd.

>>> grad(lambda x: x * x)(3.0)
6.0
>>> derivative(np.sin, order=2)(np.pi / 2)
-1.0

Each function runs `f` once on a fresh `Tape` with the chosen arguments traced, then runs the
tape backwards. Called inside another tape (or inside another `grad`), the backward pass is
recorded by that tape, so these compose: ``grad(grad(f))`` is the second derivative.
"""

import functools
import inspect

import numpy as np

from . import interpolation, taylor
from .arrays import element_assignment_explained
from .inputs import in_dtype_of, is_container, map_leaves
from .values import plain_copy, zeros_like
from .notation import leibniz
from .tape import Tape, backward
from .traced import Traced, new_leaf, plain


def _traced_call(f, args, kwargs, argnums, containers=False):
    """Run f with args[argnums] traced on a new tape; give (tape, leaves, output).

    With `containers`, an argument may be a list, tuple or dict (nested) of numbers and arrays:
    each of them is a leaf, and `_like_arguments` puts their gradients back in that shape."""
    args = list(args)
    for i in argnums:
        if not -len(args) <= i < len(args):
            raise TypeError(f"argnum {i} is out of range: the function was called with "
                            f"{len(args)} positional argument(s).")
    tape = Tape()
    try:
        with tape:
            leaves = []

            def leaf(value):
                leaves.append(new_leaf(tape, value))
                return leaves[-1]

            for i in argnums:
                args[i] = map_leaves(leaf, args[i]) if containers else leaf(args[i])
            with element_assignment_explained():
                out = f(*args, **kwargs)
    except BaseException:
        tape.discard()  # what f recorded before it failed holds no graph (see Tape.discard)
        raise
    return tape, leaves, out


def _like_arguments(gradients, args, argnums):
    """The flat list of leaves' gradients, in the shape of each argument differentiated, each in
    its leaf's dtype (`inputs.in_dtype_of`: float32 in, float32 out)."""
    remaining = iter(gradients)
    return [map_leaves(lambda original: in_dtype_of(next(remaining), original), args[i])
            for i in argnums]


def _one_level_down(out, tape):
    """The output as the tape's caller sees it: the tape's own wrapper removed."""
    traced = tape.own(out)
    return traced.value if traced is not None else out


def _argnums(argnum):
    return tuple(argnum) if isinstance(argnum, (tuple, list)) else (argnum,)


def _gradients(tape, leaves, out, seed):
    traced = tape.own(out)
    if traced is None:
        return [zeros_like(leaf) for leaf in leaves]
    adjoints = backward(traced, seed, keep_interior=False)
    return [_like_input(adjoints[leaf], leaf) if leaf in adjoints else zeros_like(leaf)
            for leaf in leaves]


def _like_input(gradient, leaf):
    # A float input gets a float gradient, even where a rule (np.where, say) made a 0-d array.
    if isinstance(gradient, (np.ndarray, np.floating)) and np.ndim(gradient) == 0 \
            and not isinstance(plain(leaf), np.ndarray):
        return float(gradient)
    return gradient


def value_and_grad(f, argnum=0):
    """Like `grad`, but the new function returns ``(f(*args), gradient)``.

    >>> value_and_grad(lambda x: x ** 3)(2.0)
    (8.0, 12.0)
    """
    argnums = _argnums(argnum)

    def value_and_gradient(*args, **kwargs):
        tape, leaves, out = _traced_call(f, args, kwargs, argnums, containers=True)
        try:
            value = _one_level_down(out, tape)
            _check_one_number(value)
            shape = np.shape(plain(value))
            if np.size(plain(value)) != 1:  # shape (1,) or (1, 1) is one number, as in autograd
                raise TypeError(
                    f"grad() needs a function that returns one number; this one returned shape "
                    f"{shape}. Use jacobian(f) for array outputs, or reduce the "
                    "output first, e.g. np.sum(...).")
            grads = _like_arguments(_gradients(tape, leaves, out, np.ones(shape) if shape else 1.0),
                                    args, argnums)
        finally:  # refused or not, a traced value f kept (a log, a closure) holds no graph now
            tape.discard()
        if isinstance(value, (np.floating, np.ndarray)) and not shape:
            value = float(value)  # a number, not a 0-d array
        return value, (tuple(grads) if isinstance(argnum, (tuple, list)) else grads[0])

    value_and_gradient.__name__ = f"value_and_grad_{getattr(f, '__name__', 'f')}"
    return value_and_gradient


def _check_one_number(value):
    """Refuse an output that is no number: a container, or a yes/no (np.allclose, x > 0)."""
    if is_container(value):
        raise TypeError(f"grad() needs a function that returns one number; this one returned a "
                        f"{type(value).__name__}. Use jacobian(f), which takes lists, tuples and "
                        "dicts of outputs, or add up what you want to minimise, e.g. "
                        "sum(out.values()).")
    value = plain(value)
    if isinstance(value, (bool, np.bool_)) or getattr(getattr(value, "dtype", None), "kind", "") == "b":
        raise TypeError("grad() needs a function that returns a number; this one returned "
                        "True/False (a comparison, np.allclose, np.any ...), which has no "
                        "derivative. Differentiate the number behind it instead, e.g. "
                        "np.sum((a - b) ** 2) rather than np.allclose(a, b).")


def grad(f, argnum=0):
    """The gradient of a scalar-valued function, as a new function.

    `argnum` picks the argument to differentiate (an int), or several (a tuple, giving a tuple).
    An argument may be a list, tuple or dict of numbers and arrays (nested): its gradient has the
    same shape and keys. f may return a number, or an array holding one (shape (1,) or (1, 1)).

    >>> grad(lambda x, y: x * y, argnum=(0, 1))(3.0, 4.0)
    (4.0, 3.0)
    >>> grad(lambda p: p["w"] * p["b"] ** 2)({"w": 3.0, "b": 2.0})
    {'w': 4.0, 'b': 12.0}
    """
    value_and_gradient = value_and_grad(f, argnum)

    def gradient(*args, **kwargs):
        return value_and_gradient(*args, **kwargs)[1]

    gradient.__name__ = f"grad_{getattr(f, '__name__', 'f')}"
    return gradient


def derivative(f, order=1):
    """The `order`-th derivative of a function of one number (applied elementwise to arrays).

    >>> derivative(lambda x: x ** 4, order=3)(1.0)
    24.0
    >>> derivative(np.sin, order=2)(np.pi / 2)
    -1.0

    On an array, f must act elementwise (element i of the output depends on element i of the
    input only), or map the array to one number (then order 1 is the gradient, and order k each
    ∂ᵏf/∂xᵢᵏ). Where f mixes elements, the answer would not be what it claims to be, so it is
    refused (checked at the point, along a random direction): use `jacobian` or `hessian`.

    f is recorded once and the record replayed in Taylor mode (`taylor.py`), which costs about
    order² per operation; nesting reverse mode `order` times would cost about 2^order.
    """
    order = taylor.check_order(order, 0, taylor.MAX_ORDER)
    if order == 0:
        return f

    def df(x):
        tape, (leaf,), out = _traced_call(f, (x,), {}, (0,))
        try:
            shape, in_shape = np.shape(plain(_one_level_down(out, tape))), np.shape(plain(leaf))
            if shape not in ((), in_shape):
                raise TypeError(f"derivative() needs f to map a number to a number (or act "
                                f"elementwise); it returned shape {shape} for input shape "
                                f"{in_shape}. Use jacobian(f).")
            if shape != in_shape:  # array in, one number out: the gradient, as reverse mode means
                answer = _nested_reverse(f, order)(x)
            else:
                (series,) = taylor.derivatives([out], leaf, order)
                answer = _like_input(series[order], leaf)
        finally:  # every way out, a refusal too
            tape.discard()
        if np.size(plain(leaf)) > 1 and (shape == in_shape or order > 1):
            _check_elementwise(f, plain(leaf), plain(answer), order, one_number=shape != in_shape)
        return in_dtype_of(answer, x)

    df.__name__ = f"derivative_{order}_{getattr(f, '__name__', 'f')}"
    return df


def _check_elementwise(f, x, answer, order, one_number):
    """Refuse `answer` if f mixes the elements of x at x. Along a direction v, the order-k
    derivative of t -> f(x + t·v) is ``answer · vᵏ`` (elementwise), or ``Σ answer · vᵏ`` (one
    number out), exactly when no mixed partial of order k is there; a random v finds any."""
    rng = np.random.default_rng(0)
    v = rng.uniform(0.5, 1.5, np.shape(x)) * rng.choice([-1.0, 1.0], np.shape(x))
    along = lambda t: f(x + t * v)  # noqa: E731
    if one_number:
        got, expected = _nested_reverse(along, order)(0.0), np.sum(answer * v ** order)
    else:
        tape, (leaf,), out = _traced_call(along, (0.0,), {}, (0,))
        try:
            got = plain(taylor.derivatives([out], leaf, order)[0][order])
        finally:
            tape.discard()
        expected = answer * v ** order
    got, expected = np.asarray(plain(got), dtype=float), np.asarray(expected, dtype=float)
    finite = np.isfinite(got) & np.isfinite(expected)
    scale = max(1.0, float(np.max(np.abs(expected[finite]), initial=0.0)))
    if not np.allclose(got[finite], expected[finite], rtol=1e-6, atol=1e-9 * scale):
        which = "hessian(f) for every second derivative" if order == 2 else \
            "jacobian(f) (nested for higher orders) for every mixed derivative"
        raise TypeError(f"derivative() gives each element's own derivative, with respect to "
                        f"the same element of the input, but this f mixes the elements: at this "
                        f"point its order-{order} derivatives with respect to other elements are "
                        f"not 0, so that answer would be wrong. Use {which}.")


def _nested_reverse(f, order):
    for _ in range(order):
        f = _elementwise_derivative(f)
    return f


def _elementwise_derivative(f):
    def df(x):
        tape, (leaf,), out = _traced_call(f, (x,), {}, (0,))
        try:
            value = plain(_one_level_down(out, tape))
            if np.shape(value) not in ((), np.shape(plain(leaf))):
                raise TypeError(f"derivative() needs f to map a number to a number (or act "
                                f"elementwise); it returned shape {np.shape(value)} for input "
                                f"shape {np.shape(plain(leaf))}. Use jacobian(f).")
            seed = 1.0 if np.ndim(value) == 0 else np.ones(np.shape(value))
            (gradient,) = _gradients(tape, [leaf], out, seed)
        finally:
            tape.discard()
        return in_dtype_of(gradient, x)

    return df


def jacobian(f, argnum=0):
    """The Jacobian of f, shaped ``output.shape + input.shape``.

    >>> jacobian(lambda w: w * 3.0)(np.ones(2))
    array([[3., 0.],
           [0., 3.]])

    Inputs and outputs may be lists, tuples and dicts (nested) of numbers and arrays, as in JAX:
    then the answer has the output's shape, and in place of each output leaf, the input's shape
    holding that leaf's blocks. ``jacobian(f)({"w": w})["y"]["w"]`` is dy/dw for f giving {"y": y}.
    """
    argnums = _argnums(argnum)

    def jacobian_of_f(*args, **kwargs):
        tape, leaves, out = _traced_call(f, args, kwargs, argnums, containers=True)

        def of_output(y):
            found = _like_arguments(_jacobian_blocks(tape, leaves, y), args, argnums)
            return tuple(found) if isinstance(argnum, (tuple, list)) else found[0]

        try:
            return map_leaves(of_output, out)
        finally:
            tape.discard()

    return jacobian_of_f


def _jacobian_blocks(tape, leaves, out):
    """For each leaf, d(out)/d(leaf) shaped ``out.shape + leaf.shape``: one sweep per number."""
    out_shape = np.shape(plain(out))
    rows = [[] for _ in leaves]
    for index in np.ndindex(*out_shape):
        seed = np.zeros(out_shape)
        seed[index] = 1.0
        for row, g in zip(rows, _gradients(tape, leaves, out, seed if out_shape else 1.0)):
            row.append(g)
    blocks = []
    for leaf, row in zip(leaves, rows):
        if not out_shape:
            blocks.append(row[0])
        elif not row:  # an empty output: no gradient to stack
            blocks.append(np.zeros(out_shape + np.shape(plain(leaf))))
        else:
            blocks.append(np.reshape(np.stack(row), out_shape + np.shape(plain(leaf))))
    return blocks


def hessian(f, argnum=0):
    """The matrix of second derivatives of a scalar function: ``jacobian(grad(f))``.

    >>> hessian(lambda w: np.sum(w ** 3))(np.array([1.0, 2.0]))
    array([[ 6.,  0.],
           [ 0., 12.]])
    """
    return jacobian(grad(f, argnum), argnum)


def derivatives(f, order):
    """Every partial derivative of f up to `order`, as a new function of f's numbers, giving a
    dict keyed as the ``%%grad`` table is: first derivatives, then second, ...

    >>> derivatives(lambda x, y: x * y + y, 2)(3.0, 2.0)
    {'df/dx': 2.0, 'df/dy': 4.0, 'd2f/dx2': 0.0, 'd2f/dxdy': 1.0, 'd2f/dy2': 0.0}

    The inputs are numbers (f may return an array: its partials are then elementwise); the value
    f itself is not in the dict. The partials come from univariate Taylor series along
    C(order+k-1, order) directions; where a primitive has no Taylor rule, from nested reverse mode.
    An order above `interpolation.MAX_ORDER` for this many inputs, or more than `interpolation.MAX_PARTIALS` partials, is
    refused with a ValueError.
    """
    order = taylor.check_order(order, 1)
    output_name = getattr(f, "__name__", "f")
    output_name = output_name if output_name.isidentifier() else "f"
    parameters = _parameter_names(f)

    def all_partials(*xs):
        if not xs:
            raise TypeError("derivatives(f, order) needs the numbers to differentiate at, "
                            "e.g. derivatives(f, 2)(1.0, 2.0).")
        names = _input_names(parameters, len(xs))
        for name, x in zip(names, xs):
            if type(x) is not float and np.ndim(plain(x)) != 0:
                raise TypeError(f"derivatives() takes numbers; {name} has shape "
                                f"{np.shape(plain(x))}. For an array input use jacobian() or "
                                "hessian().")
        interpolation.check_request(len(xs), order)
        tape = Tape()
        try:
            with tape:
                leaves = [new_leaf(tape, x) for x in xs]
                with element_assignment_explained():
                    out = f(*leaves)
            try:
                (found,) = interpolation.partials([out], leaves, order)
            except NotImplementedError:
                found = _by_nested_reverse(f, xs, order)
        finally:
            tape.discard()
        keys = _partial_keys(output_name, names, order)
        return {keys[wrt]: value if type(value) in (float, Traced)  # an outer tape's, kept
                else plain_copy(value) for wrt, value in found.items()}

    all_partials.__name__ = f"derivatives_{order}_{output_name}"
    return all_partials


def _parameter_names(f):
    """f's positional parameter names (none for a builtin or ufunc without a signature)."""
    if inspect.isfunction(f) and "__wrapped__" not in f.__dict__ \
            and "__signature__" not in f.__dict__:  # what inspect.signature reads, read directly
        return f.__code__.co_varnames[:f.__code__.co_argcount]
    try:
        return tuple(p.name for p in inspect.signature(f).parameters.values()
                     if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))
    except (TypeError, ValueError):
        return ()


def _input_names(parameters, count):
    """The names of the first `count` arguments: f's `parameters`, or x1, x2, ... where it has
    too few."""
    if len(parameters) >= count:
        return parameters[:count]
    return tuple(f"x{a + 1}" for a in range(count))


@functools.lru_cache(maxsize=256)
def _partial_keys(output_name, names, order):
    """``{wrt: "d2f/dxdy", ...}`` for every partial up to `order` (wrt as `interpolation.partials`
    gives it), so a call does not spell the same keys again."""
    return {wrt: leibniz(output_name, tuple(names[a] for a in wrt))
            for wrt in interpolation.every_wrt(len(names), order)}


def _by_nested_reverse(f, xs, order):
    """The same partials by nesting `jacobian` (exponential in the order; a fallback only)."""
    found, frontier = {}, {(): f}
    for _ in range(order):
        grown = {}
        for wrt, g in frontier.items():
            for a in range(wrt[-1] if wrt else 0, len(xs)):
                grown[wrt + (a,)] = jacobian(g, argnum=a)
        for wrt, g in grown.items():
            found[wrt] = g(*xs)
        frontier = grown
    return found


__all__ = ["grad", "value_and_grad", "derivative", "derivatives", "jacobian", "hessian", "Traced"]
