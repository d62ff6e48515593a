"""Numbers and arrays as a student would write them, for the table and for the graph's labels.

>>> format_number(6.000000000000001)
'6'
"""

import decimal
import math

import numpy as np

from .traced import plain


def format_number(x):
    """A number as a student would write it: ``6`` not ``6.000000000000001``, ~4 significant digits.

    >>> format_number(6.000000000000001), format_number(2 / 3), format_number(12345.67)
    ('6', '0.6667', '12346')
    >>> format_number(1.5e-7), format_number(-2.5e9), format_number(float("nan"))
    ('1.5e-7', '-2.5e9', 'nan')
    """
    x = plain(x)
    if isinstance(x, np.ndarray) and x.ndim == 0:
        x = x[()]
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        if abs(int(x)) < 10**6:
            return str(int(x))
        return _scientific(f"{decimal.Decimal(int(x)):.4g}")  # 10**400 is too big for a float
    if isinstance(x, (complex, np.complexfloating)):
        sign = "-" if x.imag < 0 else "+"
        return f"{format_number(x.real)}{sign}{format_number(abs(x.imag))}j"
    x = float(x)
    if math.isnan(x) or math.isinf(x):
        return str(x)
    if x == 0:
        return "0"  # never "-0", which would puzzle a student
    text = f"{x:.4g}"
    if 1e-4 <= abs(x) < 1e6 and "e" in text:
        return str(round(x))  # 12345.67 -> 12346, not 1.235e+04
    # `g` decides the form after rounding: 0.99999e-4 rounds to 0.0001, written with no "e".
    return _scientific(text)


def _scientific(text):
    """`g`-format text with its exponent as a student writes it: 1.5e-7, not 1.500e-07."""
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"


def format_value(v, items=4):
    """A value in one short line: numbers as `format_number`, arrays as their shape and a few items.

    >>> format_value(np.array([1.0, 2.0, 3.0]))
    'array(3,) [1, 2, 3]'
    >>> format_value(np.arange(12.0).reshape(3, 4))
    'array(3, 4) [0, 1, 2, …, 11]'
    """
    v = plain(v)
    if isinstance(v, np.ndarray) and v.ndim > 0:
        flat = v.ravel()
        shown = list(flat) if flat.size <= items else [*flat[:items - 1], None, flat[-1]]
        numeric = v.dtype.kind in "biufc"
        texts = ["…" if a is None else format_number(a) if numeric else str(a) for a in shown]
        return f"array{v.shape} [{', '.join(texts)}]"
    if isinstance(v, (int, float, complex, np.number, np.bool_, np.ndarray)):
        return format_number(v)
    return shorten(repr(v))


def shorten(text, limit=40):
    return text if len(text) <= limit else text[:limit - 1] + "…"
