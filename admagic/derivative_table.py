"""Every derivative a cell asks for, from the record its traced run left: the cell's engine.

Two ways, chosen by `admagic.cell`:

- `nested_reverse`: the inputs are leaves of `order` nested tapes. A reverse sweep on the innermost
  tape gives the first derivatives; the tapes further out recorded that sweep, so sweeping them in
  turn gives the second derivatives, and so on. Any number of inputs; cost grows about 2.8x per
  order (measured, see `too_costly`).
- `elementwise_reverse`: outputs that depend on array inputs elementwise (``y = np.sin(x) * x``,
  `depends_elementwise`): each derivative is kept as its diagonal, the shape of x, and one sweep
  seeded with ones gives it (the gradient of sum(y) is y' at every point): a million points cost
  a few sweeps over arrays, never a million-by-million Jacobian.
- `taylor_mode`: one scalar input. One forward pass of truncated power series over the record
  (`taylor.py`) gives every order at once, about order² work per operation.

Both give ``{(output, (input, ...)): value}``: the key of ``d2z/dxdy`` is ``("z", ("x", "y"))``,
and a value is plain, shaped ``output.shape + input1.shape + ...``, or a `NotComputed` when it
has more than `max_size` numbers.
"""

import math

import numpy as np

from . import taylor
from .tape import ancestors, backward
from .traced import Traced, plain
from .values import NotComputed, plain_copy, zeros_like

NESTED_REVERSE_BUDGET = 1.2e6
"""`too_costly`'s limit on C(n + k, k)·2.8^k for n inputs at order k (about 3 s for a cell of ten
operations; measured on this machine: 2 inputs reach it between orders 9 and 10, 3 between 8 and 9,
5 between 7 and 8)."""


def too_costly(input_count, order):
    """Why nested reverse mode at `order` with `input_count` inputs would take too long, or None.

    Each order multiplies the recorded graph by about 2.8 (each sweep is recorded by the tapes
    outside it), and there are C(n + k, k) derivatives of order up to k to sweep for: measured
    on a cell of ten operations, 2 inputs took 0.8 s at order 8, 2.7 s at 9 and 9.1 s at 10.
    """
    def affordable(k):  # in logarithms: at order 1000 the cost itself is past the largest float
        return (math.log(math.comb(input_count + k, k)) + k * math.log(2.8)
                <= math.log(NESTED_REVERSE_BUDGET))

    if affordable(order):
        return None
    highest = max((k for k in range(1, min(order, 100)) if affordable(k)), default=1)
    inputs = f"{input_count} input{'s' if input_count > 1 else ''}"
    return (f"--order {order} with {inputs} would take minutes or more (every order costs about "
            f"2.8 times the one before); with {inputs} the highest order admagic computes is "
            f"{highest}. With one input that is a number (and the forward graph), Taylor mode "
            f"reaches order {taylor.MAX_ORDER}.")


class _Blocks:
    """A derivative tensor of shape ``prefix + block_shape``, kept as its blocks (one per index
    of `prefix`), each traced on the same tape: a reverse sweep from one block touches only what
    that block depends on."""

    def __init__(self, prefix, blocks, block_shape):
        self.prefix, self.blocks, self.block_shape = prefix, blocks, block_shape
        self.size = math.prod(prefix) * math.prod(block_shape)

    def value(self):
        """The plain numbers, shaped ``prefix + block_shape``."""
        if not self.prefix:
            return plain_copy(self.blocks[0])
        if not self.blocks:  # an empty input or output: no block to stack
            return np.zeros(self.prefix + self.block_shape)
        stacked = np.stack([np.asarray(plain(b), dtype=float) for b in self.blocks])
        return stacked.reshape(self.prefix + self.block_shape)

    def traced(self):
        """The same tensor as one traced value, for drawing."""
        if not self.prefix:
            return self.blocks[0]
        if not self.blocks:
            return np.zeros(self.prefix + self.block_shape)
        return np.reshape(np.stack(self.blocks), self.prefix + self.block_shape)


def taylor_mode(outputs, leaves, order, max_size):
    """Every derivative of every output with respect to the one scalar input, up to `order`, from
    one Taylor-mode sweep over the record; and each output's Taylor coefficients.

    `leaves` is ``{name: leaf}`` for the one input. Gives
    ``({(output, (input,) * k): value}, {output: [c_0, ..., c_order]})``; an array output has
    its derivatives elementwise (the input is one number).
    """
    (name, leaf), = leaves.items()
    coefficients = taylor.taylor_coefficients(list(outputs.values()), leaf, order)
    results, polynomials = {}, {}
    for out, c in zip(outputs, coefficients):
        polynomials[out] = [plain_copy(c_k) for c_k in c]
        size = int(np.size(c[0]))
        for k in range(1, order + 1):
            results[(out, (name,) * k)] = (NotComputed(np.shape(c[0]), size, max_size)
                                           if size > max_size else
                                           plain_copy(taylor.times_factorial(c[k], k)))
    return results, polynomials


def nested_reverse(outputs, leaves, order, max_size, keep_first=False):
    """Every derivative of every output, up to `order`, by nested reverse sweeps.

    `outputs` maps names to values traced on the innermost tape; ``leaves[i][name]`` is input
    `name` on tape ``i`` (0 = outermost). Mixed partials are taken once, inputs in `leaves`'
    order (``d2z/dydx`` is read from ``d2z/dxdy`` by the result). With `keep_first`, also gives
    the first derivatives as traced values (for drawing the backward pass), else ``{}``.
    """
    names = list(leaves[0])
    shapes = {name: np.shape(plain(leaves[0][name])) for name in names}
    results, first = {}, {}
    frontier = {(out, ()): _Blocks((), [value], np.shape(plain(value)))
                for out, value in outputs.items()}
    too_big = {}  # (out, wrt) -> size, for derivatives not computed (nor those above them)
    for k in range(1, order + 1):
        level_leaves = leaves[-k]
        tape = next(iter(level_leaves.values())).tape
        grown, grown_too_big = {}, {}
        for (out, wrt), size in too_big.items():
            for name in names[names.index(wrt[-1]):]:
                grown_too_big[(out, wrt + (name,))] = size * math.prod(shapes[name])
        for (out, wrt), tensor in frontier.items():
            targets = names[names.index(wrt[-1]):] if wrt else names
            wanted = []
            for name in targets:
                size = tensor.size * math.prod(shapes[name])
                if size > max_size:
                    grown_too_big[(out, wrt + (name,))] = size
                else:
                    wanted.append(name)
            if wanted:
                jacobians = _jacobian(tensor, tape, [level_leaves[n] for n in wanted])
                for name, blocks in zip(wanted, jacobians):
                    grown[(out, wrt + (name,))] = _Blocks(tensor.prefix + tensor.block_shape,
                                                         blocks, shapes[name])
        for key, tensor in grown.items():
            results[key] = tensor.value()
            if k == 1 and keep_first:
                first[key] = tensor.traced()
        for (out, wrt), size in grown_too_big.items():
            shape = np.shape(plain(outputs[out])) + sum((shapes[n] for n in wrt), ())
            results[(out, wrt)] = NotComputed(shape, size, max_size)
        frontier, too_big = grown, grown_too_big
    return results, first


def depends_elementwise(value, tape, leaves):
    """Whether `value` (traced on `tape`) depends on every input in `leaves` elementwise: element
    i of it is a function of element i of each input, and of constants only.

    Sound from the record alone: every input and every recorded value on the way to `value` has
    the same shape, and every operation is a plain elementwise ufunc (``np.sin``, ``*``, ``+``,
    ...), other arguments being constants that broadcast. No reduction, reshape, indexing or
    matrix product; any of those, and the full Jacobian is computed instead.
    """
    shape = np.shape(plain(value))
    node = tape.own(value) if type(value) is Traced else None
    if node is None or math.prod(shape) < 2 or any(np.shape(plain(leaf)) != shape
                                                   for leaf in leaves):  # 0 or 1 numbers: as before
        return False
    for step in ancestors(node):
        primitive = step.primitive
        if step.parents and not (isinstance(primitive, np.ufunc) and primitive.signature is None
                                 and primitive.nout == 1 and not step.kwargs
                                 and np.shape(plain(step.value)) == shape):
            return False
    return True


def elementwise_reverse(outputs, leaves, order, keep_first=False):
    """Every derivative up to `order` of outputs that depend on every input elementwise (see
    `depends_elementwise`), each as its diagonal: ``d2y/dx2[i]`` is d²y_i/dx_i², shaped like y.

    Why one sweep is enough: y_i depends on x_i alone, so the gradient of sum(y) (a sweep seeded
    with ones) is dy_i/dx_i at every i; and dy/dx is again elementwise in x, so the tape outside
    differentiates it the same way. `leaves` as for `nested_reverse`; gives ``(results, first)``.
    """
    names = list(leaves[0])
    results, first = {}, {}
    frontier = {(out, ()): value for out, value in outputs.items()}
    for k in range(1, order + 1):
        level_leaves = leaves[-k]
        tape = next(iter(level_leaves.values())).tape
        grown = {}
        for (out, wrt), value in frontier.items():
            traced = tape.own(value) if type(value) is Traced else None
            adjoints = backward(traced, np.ones(np.shape(plain(value)))) if traced is not None else {}
            for name in names[names.index(wrt[-1]):] if wrt else names:
                leaf = level_leaves[name]
                grown[(out, wrt + (name,))] = adjoints.get(leaf, np.zeros(np.shape(plain(leaf))))
        for key, value in grown.items():
            results[key] = plain_copy(value)
            if k == 1 and keep_first:
                first[key] = value
        frontier = grown
    return results, first


def reverse_mode(outputs, leaves, order, max_size, keep_first=False):
    """`elementwise_reverse` for the outputs that depend on every input elementwise, and
    `nested_reverse` for the others: ``(results, first, elementwise)``, `elementwise` the names of
    the outputs whose derivatives are diagonals (``GradResult.jacobian`` gives the full ones)."""
    inner = leaves[-1]
    tape = next(iter(inner.values())).tape
    elementwise = [out for out, value in outputs.items()
                   if depends_elementwise(value, tape, inner.values())]
    results, first = nested_reverse({o: v for o, v in outputs.items() if o not in elementwise},
                                    leaves, order, max_size, keep_first)
    if elementwise:
        more, more_first = elementwise_reverse({o: outputs[o] for o in elementwise}, leaves,
                                               order, keep_first)
        results.update(more)
        first.update(more_first)
    return results, first, elementwise


def _jacobian(tensor, tape, leaves):
    """For each leaf, the blocks of d(tensor)/d(leaf): one reverse sweep per number in `tensor`."""
    jacobians = [[] for _ in leaves]
    zeros = [zeros_like(leaf) for leaf in leaves]
    for block in tensor.blocks:
        traced = tape.own(block) if type(block) is Traced else None
        for index in np.ndindex(*tensor.block_shape):
            adjoints = {}
            if traced is not None:
                seed = np.float64(1.0)  # not Python's 1.0: x / 0.0 must give inf, not raise
                if tensor.block_shape:
                    seed = np.zeros(tensor.block_shape)
                    seed[index] = 1.0
                adjoints = backward(traced, seed)
            for blocks, leaf, zero in zip(jacobians, leaves, zeros):
                blocks.append(adjoints.get(leaf, zero))
    return jacobians
