"""The tape: how admagic records a computation and runs it backwards.

Every operation on a traced value leaves a `Node`: which primitive ran, on which arguments, with
what result, and which earlier nodes it was computed from. Nodes point back at their parents, so
they form a DAG; and the `Tape` keeps a list of its nodes in the order they were made.

A `Tape` is one *level* of recording. Tapes nest: an operation is recorded by the innermost tape
among its arguments, which then unwraps its own level and lets the operation run again one level
down, where outer tapes record it too. That is the whole of higher-order derivatives, and what keeps
nested tapes from confusing each other's variables (perturbation confusion).

`backward()` below is reverse mode: walk the tape backwards, from the output to the inputs, and
at each node apply the chain rule with the primitive's vector-Jacobian product from `VJP` (which
`rules.py` fills). Each thread has its own innermost tape; each tape knows its `parent`, the tape
innermost when it was entered (as JAX's traces do), down to `EAGER`, the always-on tape of
PyTorch-style tensors. It imports only `collector.py`: the rest of admagic is built on it.
"""

import itertools
import operator
import threading

import numpy as np

from .collector import pause_cyclic_gc, resume_cyclic_gc
from .messages import text

_node_numbers = itertools.count()  # next() on a count is atomic, so numbers stay unique across threads
_tape_levels = itertools.count(1)

# ---- the registry of derivative rules (rules.py fills it) ----------------------------------------

VJP = {}  # primitive -> its rules, one per argument (None where an argument has no derivative)


def defvjp(primitive, *rules):
    """Register the vector-Jacobian product of each argument of `primitive`.

    A rule gets ``(g, ans, *args, **kwargs)`` and returns g times d(ans)/d(that argument):

    >>> def cube(x): return x ** 3
    >>> defvjp(cube, lambda g, ans, x: g * 3 * x ** 2)
    >>> VJP[cube][0](1.0, 8.0, 2.0)  # g = 1 at x = 2: 3 * 2 ** 2
    12.0
    >>> del VJP[cube]
    """
    VJP[primitive] = rules


class _EveryArgument:
    """Rules for a primitive with any number of array arguments: rule(argnum, g, ans, *args)."""

    def __init__(self, rule):
        self.rule = rule

    def __getitem__(self, argnum):
        return lambda g, ans, *args, **kwargs: self.rule(argnum, g, ans, *args, **kwargs)


def defvjp_every(primitive, rule):
    """Register one rule for every argument of `primitive`; it gets the argument's number first."""
    VJP[primitive] = _EveryArgument(rule)


def _shape_of(x):
    return getattr(x, "shape", ())


def unbroadcast(gradient, like):
    """Sum `gradient` down to the shape of `like`, undoing NumPy's broadcasting (and the reverse).

    >>> unbroadcast(np.ones((2, 3)), np.zeros(3))  # x of shape (3,) was used in two rows
    array([2., 2., 2.])
    """
    target = _shape_of(like)
    shape = _shape_of(gradient)
    if shape == target:
        return gradient
    extra = len(shape) - len(target)
    if extra > 0:
        gradient = np.sum(gradient, axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(target) if n == 1 and _shape_of(gradient)[i] != 1)
    if stretched:
        gradient = np.sum(gradient, axis=stretched, keepdims=True)
    if _shape_of(gradient) != target:
        gradient = np.broadcast_to(gradient, target)
    return gradient


# ---- the record -----------------------------------------------------------------------------------

class Node:
    """One recorded operation: ``value = primitive(*args, **kwargs)``, recorded by `tape`.

    Every traced value is a node (`Traced` adds arithmetic to this class), so the values a
    program holds are the record itself, as in micrograd. ``args`` and ``value`` are one level down
    from the tape: plain numbers, or values traced by an outer tape. ``parents`` lines up with
    ``args``: ``parents[i]`` is the node argument i came from, or None where this tape did not
    trace that argument. A leaf (an input) has no primitive and no parents; ``source`` is the
    user's `Tensor` it stands for, if any. ``number`` grows with every node, so it orders them in
    time.
    """

    __slots__ = ("value", "tape", "primitive", "args", "kwargs", "parents", "number", "source")

    def __init__(self, value, tape, primitive, args, kwargs, parents, source=None):
        self.value = value
        self.tape = tape
        self.primitive = primitive
        self.args = args
        self.kwargs = kwargs
        self.parents = parents
        self.number = next(_node_numbers)
        self.source = source
        if tape.nodes is not None:
            tape.nodes.append(self)

    def in_edges(self):
        """``(argnum, parent)`` for each argument this tape traced: the edges into this node."""
        return [(argnum, p) for argnum, p in enumerate(self.parents) if p is not None]

    def __repr__(self):
        name = getattr(self.primitive, "__name__", "input")
        return f"<Node #{self.number} {name}>"


def ancestors(output_node):
    """All nodes `output_node` depends on (itself included), latest first.

    Nodes are numbered in the order they were made, and an operation is always made after its
    inputs, so sorting by number is a topological order. The walk is a loop with a stack, not a
    recursion, so a 100,000-step chain is no problem.
    """
    seen = {output_node}
    stack = [output_node]
    while stack:
        node = stack.pop()
        for parent in node.parents:
            if parent is not None and parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return sorted(seen, key=by_number, reverse=True)


by_number = operator.attrgetter("number")  # the order nodes were made in: a topological order


def backward(output_node, seed, keep_interior=True):
    """Reverse mode: the adjoint d(output)/d(node), times `seed`, for every node the output needs.

    Returns ``{node: adjoint}``. For y = x * x + x at x = 3, dy/dx = 2x + 1 = 7:

    >>> from admagic import Tape, Variable
    >>> x = Variable(3.0)
    >>> with Tape() as tape:
    ...     y = x * x + x
    >>> adjoints = backward(y, 1.0)
    >>> adjoints[tape.nodes[0]]  # the tape's first node is its leaf for x
    7.0

    When an outer tape is recording, the adjoints are traced values of that tape, so the
    derivative can itself be differentiated. With ``keep_interior=False`` only the inputs'
    adjoints are kept, each other one dropped as soon as it is passed on.
    """
    adjoints = {output_node: seed}
    take = adjoints.get if keep_interior else adjoints.pop
    pause_cyclic_gc()  # see collector.py
    try:
        for node in output_node.tape.latest_first(output_node):
            primitive = node.primitive
            if primitive is None:  # an input: nothing to pass on
                continue
            g = take(node, None)
            if g is None:  # not on the way to the output
                continue
            rules, args, kwargs, ans = VJP[primitive], node.args, node.kwargs, node.value
            for argnum, parent in enumerate(node.parents):
                if parent is None:
                    continue
                rule = rules[argnum]
                if rule is None:  # an argument with no derivative, like np.where's condition
                    continue
                # The chain rule: what flows to the parent is g times d(node)/d(parent).
                try:
                    contribution = rule(g, ans, *args, **kwargs) if kwargs else rule(g, ans, *args)
                except ZeroDivisionError:  # Python floats raise where NumPy gives inf: be NumPy
                    g = np.float64(g)
                    contribution = rule(g, ans, *args, **kwargs) if kwargs else rule(g, ans, *args)
                if type(contribution) is not float or type(args[argnum]) is not float:
                    contribution = _shaped_like(contribution, args[argnum])
                earlier = adjoints.get(parent)
                adjoints[parent] = contribution if earlier is None else earlier + contribution
    finally:
        resume_cyclic_gc()
    return adjoints


def _shaped_like(gradient, arg):
    """The gradient of `arg` in arg's shape (see `unbroadcast`); a Python float for a float arg,
    though a rule's np.cos(x) gives an np.float64, whose arithmetic is about three times slower."""
    if type(gradient) is np.float64 and type(arg) is float:
        return float(gradient)
    return unbroadcast(gradient, arg)


_state = threading.local()  # .innermost: this thread's innermost recording tape, once it has one

#: (on_start, on_end) pairs called when a thread's first tape is entered and when it is left:
#: arrays.py lets np.array take traced values while any thread records.
RECORDING_HOOKS = []


def current_tape():
    """The innermost tape recording in this thread (`EAGER` when no ``with Tape()`` is open).

    >>> from admagic import Tape
    >>> with Tape() as outer, Tape() as inner:
    ...     current_tape() is inner and inner.parent is outer and outer.parent is EAGER
    True
    """
    return getattr(_state, "innermost", EAGER)


class Tape:
    """Records operations on the values it watches, to differentiate them afterwards.

    Used like TensorFlow's ``GradientTape``:

    >>> from admagic import Tape, constant
    >>> x = constant(3.0)
    >>> with Tape() as tape:
    ...     tape.watch(x)
    ...     y = x * x
    >>> tape.gradient(y, x)
    constant(6.0)

    `Variable` values are watched automatically when used inside the tape
    (``watch_accessed_variables=True``). A tape answers ``gradient()`` once unless
    ``persistent=True``. Tapes nest: an outer tape records the inner tape's ``gradient()``, which
    gives second derivatives. A tape records in the thread that entered it; ``parent`` is the tape
    that was innermost in that thread when it was entered.
    """

    #: How `gradient()` hands back a plain (untraced) gradient. tensor.py makes it `constant`, so
    #: ``.numpy()`` works on the answer as in TensorFlow, in the source's dtype; a traced gradient
    #: (an outer tape is recording) is handed back as it is, in float64, so that it can be
    #: differentiated again without losing digits.
    _hand_back = staticmethod(lambda gradient, source: gradient)

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self.persistent = persistent
        self.watch_accessed_variables = watch_accessed_variables
        self.level = None  # given on entry: inner tapes are entered later, so get higher levels
        self.parent = None  # the tape this one records above, given on entry
        self.recording = False
        self._leaves = {}  # id(tensor) -> (tensor, leaf node) for what this tape watched
        self._used = False
        self.nodes = []  # every node recorded, in the order they were made: the tape itself

    def __enter__(self):
        if self.level is not None:
            raise RuntimeError("A Tape can only be used in one `with` block; make a new Tape().")
        self.level = next(_tape_levels)
        self.parent = current_tape()
        if self.parent is EAGER:  # the first tape of this thread
            pause_cyclic_gc()
            for on_start, _ in RECORDING_HOOKS:
                on_start()
        self.recording = True
        _state.innermost = self
        return self

    def __exit__(self, *exc_info):
        self.recording = False
        inner = current_tape()
        if inner is self:
            _state.innermost = self.parent
        else:  # left before a tape entered inside it (an ExitStack can do that): unlink it
            while inner is not None and inner.parent is not self:
                inner = inner.parent
            if inner is not None:
                inner.parent = self.parent
        if self.parent is EAGER:
            resume_cyclic_gc()
            for _, on_end in RECORDING_HOOKS:
                on_end()
        for tensor, _ in self._leaves.values():
            tensor._forget(self)
        return False

    def watch(self, tensor):
        """Record operations on `tensor` (an `admagic.constant`, `Variable` or `tensor`) from now on.

        Accepts one tensor or a list/tuple of them.
        """
        if isinstance(tensor, (list, tuple)):
            for each in tensor:
                self.watch(each)
            return
        if not self.recording:
            raise RuntimeError("watch() only works inside the tape's `with` block.")
        watched_by = getattr(tensor, "_watched_by", None)
        if watched_by is None:
            raise TypeError(
                f"Tape.watch() needs an admagic value, not {type(tensor).__name__}. "
                "Wrap it first: x = admagic.constant(3.0), then tape.watch(x)."
            )
        if id(tensor) not in self._leaves:
            self._leaves[id(tensor)] = (tensor, watched_by(self))

    def watched_variables(self):
        """The tensors this tape watched, in the order it started watching them."""
        return tuple(tensor for tensor, _ in self._leaves.values())

    def gradient(self, target, sources, output_gradients=None):
        """d(target)/d(source) for each source, as TensorFlow's ``GradientTape.gradient``.

        `sources` may be one tensor, a list or tuple, or a dict; the answer has the same form. A
        source the target does not depend on, or that the tape never watched, gives ``None``.
        For an array target the gradient is that of its sum, unless `output_gradients` (an array
        of the target's shape) weights it.
        """
        if self._used and not self.persistent:
            raise RuntimeError(text("error.tape_used"))
        self._used = True
        target = self.own(target)
        adjoints = {}
        if target is not None:
            seed = output_gradients
            if seed is None:
                shape = np.shape(target.value)
                seed = np.ones(shape) if shape else 1.0
            adjoints = backward(target, seed)
        if not self.persistent:
            self.release()

        def answer(source):
            node = self._leaf_of(source)
            g = adjoints.get(node) if node is not None else None
            if g is None or isinstance(g, Node):
                return g
            return self._hand_back(g, source)

        if isinstance(sources, dict):
            return {key: answer(s) for key, s in sources.items()}
        if isinstance(sources, (list, tuple)):
            return [answer(s) for s in sources]
        return answer(sources)

    def latest_first(self, output):
        """The nodes a reverse sweep from `output` visits: the tape read backwards.

        A tape that keeps no list (the eager tape, or one released) finds `output`'s ancestors by
        walking the graph instead, which gives them in the same order.
        """
        if self.nodes is None:
            return ancestors(output)
        return reversed(self.nodes)

    def release(self):
        """Let go of the list of nodes, once no more gradients will be asked of this tape.

        Nodes point at their tape, and the tape at its nodes: a reference cycle, which only the
        cyclic garbage collector would free. Values still held keep their own part of the
        record, and `gradient()` still works, walking the graph instead of the list:

        >>> from admagic import Tape, Variable
        >>> x = Variable(3.0)
        >>> with Tape(persistent=True) as tape:
        ...     y = x * x
        >>> tape.release()
        >>> tape.gradient(y, x)
        constant(6.0)

        A non-persistent tape's ``gradient()`` and `vjp` (whose pullback sweeps the record later)
        release their tapes themselves. ``grad``, ``jacobian`` and the rest, and ``%%grad``, let go
        of the record itself instead: see `discard`.
        """
        self.nodes = None

    def discard(self):
        """Let go of the whole record: every node this tape made forgets how it was made.

        Afterwards a value the tape traced holds no graph, only its value, so one that escaped
        into a list or a closure keeps nothing alive and behaves as that plain value:

        >>> from admagic import Tape, Variable
        >>> x = Variable(3.0)
        >>> with Tape() as tape:
        ...     y = x * x
        >>> tape.discard()
        >>> print(y.parents, y.args, y * 2)
        () () 18.0

        Call it instead of `release` when nothing more will be asked of the tape (``%%grad`` does
        when a cell ends, and ``grad`` and the rest once their numbers are read): a released tape
        no longer knows its nodes.
        """
        if self.recording:
            raise RuntimeError("discard() a Tape after its `with` block, not inside it.")
        for node in self.nodes or ():
            node.primitive, node.args, node.kwargs, node.parents = None, (), None, ()
        self.nodes = None
        self._leaves = {}

    def own(self, value):
        """`value` as this tape traced it, looking through inner tapes' wrappers (an inner tape's
        value is also one of this tape, one level down); None if this tape did not trace it."""
        while getattr(value, "tape", None) is not None:
            if value.tape is self:
                return value
            if self.level is None or value.tape.level < self.level:
                return None
            value = value.value
        return None

    def _leaf_of(self, source):
        entry = self._leaves.get(id(source))
        if entry is not None and entry[0] is source:
            return entry[1]
        return self.own(source)

    def __repr__(self):
        state = "recording" if self.recording else "stopped"
        return f"<Tape level={self.level} {state}{' persistent' if self.persistent else ''}>"


class _EagerTape(Tape):
    """The always-on tape under every other, in every thread: it records operations on
    ``tensor(..., requires_grad=True)`` the way PyTorch does, with no ``with`` block."""

    def __init__(self):
        super().__init__(persistent=True, watch_accessed_variables=False)
        self.level = 0
        self.recording = True
        self.nodes = None  # it never ends, so a list would only grow: its sweeps walk the graph

    def __enter__(self):
        raise RuntimeError("The eager tape is always on; use admagic.Tape() for a `with` block.")


EAGER = _EagerTape()
