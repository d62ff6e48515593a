"""admagic: see automatic differentiation.

In a notebook::

    %load_ext admagic

    %%grad x=3 --order 2
    y = x * x

From Python::

    >>> import admagic
    >>> admagic.grad(lambda x: x * x)(3.0)
    6.0

The engine is small enough to read: ``tape.py`` (recording and the reverse sweep), ``traced.py``
(how NumPy calls reach the tape), ``primitives.py`` (the few operations admagic defines itself),
``rules.py`` (every derivative, one line each; Taylor mode's table is ``taylor_rules.py``).
"""

from . import functions, linalg_rules, rules, selection, shapes  # fill the engine's tables
from ._version import __version__
from .api import derivative, derivatives, grad, hessian, jacobian, value_and_grad
from .cell import differentiate
from .forward import jvp, vjp
from .render import renderer
from .result import GradResult
from .tape import Tape
from . import linalg_taylor_rules, taylor_rules  # noqa: F401  (fill the Taylor table, taylor.TAYLOR)
from .tensor import Tensor, Variable, constant, tensor
from .traced import Traced

__all__ = [
    "__version__", "grad", "value_and_grad", "derivative", "derivatives", "jacobian", "hessian",
    "jvp", "vjp",
    "Tape", "Variable", "constant", "tensor", "Tensor", "Traced", "renderer", "differentiate",
    "GradResult",
    "load_ipython_extension",
]


def load_ipython_extension(ipython):
    """``%load_ext admagic``: register the ``%%grad`` magic."""
    from .magic import GradMagics

    ipython.register_magics(GradMagics)
