"""admagic's own primitives: operations NumPy has no single function for, so each gets one rule.

``w[1:3]`` becomes `getitem`, whose derivative puts the gradient back with `untake`;
``np.concatenate([x, y])`` and ``np.stack([x, y])`` become `concatenate` and `stack`, which take
their arrays as separate arguments so the tape can trace each one. Their derivative rules are in
`rules.py` with all the others. The einsum subscript parsing shared by `traced.py` (to refuse what
has no derivative before it runs) and `rules.py` (the einsum rule) is here too.

This module imports nothing of admagic: the functions are plain NumPy.
"""

import string

import numpy as np


def getitem(x, index):
    """x[index], as a primitive.

    >>> getitem(np.arange(4.0), slice(1, 3))
    array([1., 2.])
    """
    return x[index]


def untake(g, index, shape):
    """The adjoint of x[index]: zeros of `shape` with g added at `index` (repeats add up).

    >>> untake(np.array([1.0, 1.0]), [0, 0], (3,))
    array([2., 0., 0.])
    """
    out = np.zeros(shape, dtype=np.result_type(g, np.float64))
    np.add.at(out, index, g)
    return out


def concatenate(*arrays, axis=0):
    """np.concatenate with its arrays as separate arguments, so each can be traced."""
    return np.concatenate(arrays, axis=axis)


def stack(*arrays, axis=0):
    """np.stack with its arrays as separate arguments, so each can be traced."""
    return np.stack(arrays, axis=axis)


def _parse_einsum(subscripts, n_operands):
    """'ij,jk->ik' -> (['ij', 'jk'], 'ik'); the implicit form gets NumPy's implicit output."""
    subscripts = subscripts.replace(" ", "")
    if "." in subscripts:
        raise NotImplementedError("einsum with '...' is not differentiable in admagic yet; "
                                  "write the axes out, e.g. 'bij,bjk->bik'.")
    inputs, _, output = subscripts.partition("->")
    terms = inputs.split(",")
    if "->" not in subscripts:
        letters = "".join(terms)
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    if len(terms) != n_operands:
        raise ValueError(f"einsum subscripts {subscripts!r} name {len(terms)} operands, got {n_operands}.")
    for term in terms:
        if len(set(term)) != len(term):
            raise NotImplementedError(
                f"einsum with a repeated index in one operand ({term!r}) is not differentiable in "
                "admagic yet; use np.trace or np.diagonal.")
    return terms, output


def _tensordot_subscripts(a_ndim, b_ndim, axes=2):
    """The einsum spelling of np.tensordot(a, b, axes)."""
    if isinstance(axes, int):
        a_axes, b_axes = list(range(a_ndim - axes, a_ndim)), list(range(axes))
    else:
        a_axes, b_axes = ([axes[0]] if isinstance(axes[0], int) else list(axes[0]),
                          [axes[1]] if isinstance(axes[1], int) else list(axes[1]))
    a_axes = [a % a_ndim for a in a_axes]
    b_axes = [b % b_ndim for b in b_axes]
    letters = iter(string.ascii_letters)
    a_sub = [next(letters) for _ in range(a_ndim)]
    b_sub = [next(letters) for _ in range(b_ndim)]
    for i, j in zip(a_axes, b_axes):
        b_sub[j] = a_sub[i]
    out = [c for i, c in enumerate(a_sub) if i not in a_axes] + \
          [c for j, c in enumerate(b_sub) if j not in b_axes]
    return "".join(a_sub) + "," + "".join(b_sub) + "->" + "".join(out)


# ---- the pieces of np.linalg's functions that give several arrays --------------------------------
# np.linalg.eigh, svd and slogdet each return a tuple; the tape records arrays, so each piece is a
# primitive of its own with its own rule (linalg_rules.py), and linalg.py puts the tuple together.

def eigh_values(a, UPLO="L"):
    """The eigenvalues of the symmetric matrix (or stack) a, ascending: np.linalg.eigh(a)[0]."""
    return np.linalg.eigvalsh(a, UPLO)


def eigh_vectors(a, UPLO="L"):
    """The eigenvectors of the symmetric matrix (or stack) a, as columns: np.linalg.eigh(a)[1]."""
    return np.linalg.eigh(a, UPLO)[1]


def svd_u(a):
    """U of the reduced SVD a = U @ diag(s) @ Vh: np.linalg.svd(a, full_matrices=False)[0]."""
    return np.linalg.svd(a, full_matrices=False)[0]


def svd_s(a):
    """The singular values of a, descending: np.linalg.svd(a, compute_uv=False)."""
    return np.linalg.svd(a, compute_uv=False)


def svd_vh(a):
    """Vh of the reduced SVD a = U @ diag(s) @ Vh: np.linalg.svd(a, full_matrices=False)[2]."""
    return np.linalg.svd(a, full_matrices=False)[2]


def slogdet_logabsdet(a):
    """log |det a|: np.linalg.slogdet(a)[1] (the sign, a step, has no derivative)."""
    return np.linalg.slogdet(a)[1]
