"""Plain values out of traced ones: what admagic hands back to the user.

A derivative or an output leaves the engine as a plain float or an ndarray that owns its memory,
never as a traced value, a NumPy scalar or a read-only broadcast view a student can't write to.

>>> plain_copy(np.float64(2.0)), zeros_like(np.ones(2))
(2.0, array([0., 0.]))
"""

import numpy as np

from .messages import text
from .tape import VJP
from .traced import plain


def plain_copy(value):
    """A plain float, or an ndarray of floats with memory of its own (a 0-d array becomes a float)."""
    value = plain(value)
    if isinstance(value, np.ndarray):
        return value.astype(float) if value.ndim else float(value)
    return float(value) if isinstance(value, (int, float, np.number)) else value


def plain_share(node, argnum, g):
    """What the reverse sweep passes from `node` to its argument `argnum` for the gradient `g`,
    computed on plain values: ``rule(g, ans, *args, **kwargs)`` from the rule table, before it is
    summed down to the argument's shape. None where that argument has no rule. The views that
    write the sweep out (the trace, the graph's edge labels, its round-off yardstick) use it."""
    rule = VJP[node.primitive][argnum]
    if rule is None:
        return None
    args = [plain(a) for a in node.args]
    kwargs = {k: plain(v) for k, v in node.kwargs.items()} if node.kwargs else {}
    return rule(g, plain(node.value), *args, **kwargs)


def zeros_like(value):
    """Zeros shaped like `value`'s plain number or array: 0.0 for a number."""
    value = plain(value)
    return np.zeros(np.shape(value)) if isinstance(value, np.ndarray) else 0.0


class NotComputed:
    """Stands for a derivative that was not computed, because it has too many numbers."""

    def __init__(self, shape, size, limit, reason=None):
        self.shape, self.size, self.limit, self.reason = shape, size, limit, reason

    def explain(self):
        if self.reason:
            return text("hint.not_computed", reason=self.reason)
        return text("hint.not_computed_size", size=f"{self.size:,}", limit=f"{self.limit:,}")

    def __repr__(self):
        return f"<{self.explain()}>"
