"""Why reverse mode's derivative through np.where can be nan: the branch it didn't take.

``y = np.where(x > 0, np.sqrt(x), 0.0)`` at x = -1 is 0 near x = -1, so dy/dx = 0. Both branches
run, though, and np.sqrt(-1) is nan. Reverse mode sends the branch np.where took the gradient and
the other branch 0. The chain rule then multiplies that 0 by np.sqrt's local partial at -1,
1/(2·sqrt(-1)) = nan, and 0 × nan is nan. np.nan_to_num is an np.where in admagic, so the same
happens there. Forward and Taylor mode don't have this problem: np.where chooses between the two
branches' tangents, so the nan of the branch not taken is dropped.

Giving reverse mode the 0 in general would need each gradient to know which of its zeros are
structural (set by np.where, so that 0 × nan may be 0), and to carry that through every rule.
Elementwise rules could do it, but a matrix product or a sum mixes a structural zero with other
elements. So instead `unchosen_branch_notes` finds where it happened, and the table says why the
number is nan and what to write instead.

>>> from admagic import Tape
>>> from admagic.traced import new_leaf
>>> with Tape() as tape:
...     x = new_leaf(tape, -1.0)
...     with np.errstate(invalid="ignore"):
...         y = np.where(x > 0, np.sqrt(x), 0.0)
>>> unchosen_branches([y], {"x": x})
['x']
"""

import numpy as np

from .messages import listed, text
from .notation import leibniz
from .tape import ancestors, backward
from .traced import plain

__all__ = ["unchosen_branches", "unchosen_branch_notes"]


def unchosen_branches(outputs, inputs):
    """The names of the `inputs` (name -> leaf) that reach an np.where in the record of `outputs`
    through one of its branches, at elements where that branch was not taken and where that
    branch's derivative is not a number (nan or ±inf): through them, reverse mode gives 0 × nan."""
    leaves = {leaf: name for name, leaf in inputs.items()}
    found = []
    seen = set()
    for out in outputs:
        for node in ancestors(out):
            if node.primitive is not np.where or node in seen:
                continue
            seen.add(node)
            for name in _unchosen(node, leaves):
                if name not in found:
                    found.append(name)
    return found


def _unchosen(node, leaves):
    """Inputs whose derivative through a branch of np.where `node`, at the elements it didn't
    take, is nan or infinite: a reverse sweep from the branch, seeded with 1 there and 0 elsewhere."""
    condition = np.broadcast_to(plain(node.args[0]), np.shape(plain(node.value)))
    names = []
    for argnum, not_taken in ((1, ~condition), (2, condition)):
        branch = node.parents[argnum] if argnum < len(node.parents) else None
        if branch is None or np.shape(plain(branch.value)) != condition.shape or not not_taken.any():
            continue  # a constant branch, or one broadcast against the condition: not elementwise
        with np.errstate(all="ignore"):
            adjoints = backward(branch, np.where(not_taken, 1.0, 0.0), keep_interior=False)
        for leaf, g in adjoints.items():
            if leaf in leaves and not np.all(np.isfinite(plain(g))):
                names.append(leaves[leaf])
    return names


def unchosen_branch_notes(outputs, inputs, derivatives):
    """The table's note when a first derivative in `derivatives` (``{(output, (input,)): value}``)
    is nan through a branch np.where didn't take (see the module's docstring), else ``[]``."""
    nan = [(output, wrt) for (output, wrt), value in derivatives.items()
           if len(wrt) == 1 and output in outputs and _has_nan(value)]
    if not nan:
        return []
    names = unchosen_branches([outputs[o] for o in dict.fromkeys(o for o, _ in nan)], inputs)
    keys = [leibniz(output, wrt) for output, wrt in nan if wrt[0] in names]
    if not keys:
        return []
    return [text("note.unchosen_branch", keys=listed(keys), count=len(keys))]


def _has_nan(value):
    try:
        return bool(np.any(np.isnan(plain(value))))
    except TypeError:  # not a number: a derivative the table says was not computed
        return False
