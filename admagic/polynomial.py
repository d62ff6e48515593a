"""A Taylor polynomial, written out: LaTeX for a notebook, plain text for a terminal.

``%%grad x=3 --taylor --order 2`` over ``y = x * x`` shows ``y ≈ 9 + 6(x−3) + (x−3)²``: the
coefficients come from Taylor mode (`taylor.py`), the writing from here.
"""

import numpy as np

from .notation import latex_name
from .traced import plain


class TaylorPolynomials:
    """The Taylor polynomial of each output around the input point, ready to display.

    >>> TaylorPolynomials({"y": [9.0, 6.0, 1.0]}, "x", 3.0)
    y ≈ 9 + 6(x−3) + (x−3)²
    """

    def __init__(self, coefficients, var, x0):
        self.coefficients = dict(coefficients)  # output name -> [c_0, c_1, ..., c_n]
        self.var, self.x0 = var, x0

    def text(self, name):
        """The polynomial of output `name`, as plain text."""
        return polynomial_text(self.coefficients[name], self.var, self.x0)

    def latex(self, name):
        """The polynomial of output `name`, as LaTeX math (no $ signs)."""
        return polynomial_latex(self.coefficients[name], self.var, self.x0)

    def __str__(self):
        return "\n".join(f"{name} ≈ {self.text(name)}" for name in self.coefficients)

    __repr__ = __str__

    def _repr_pretty_(self, printer, cycle):
        printer.text(str(self))

    def _repr_latex_(self):
        rows = " \\\\ ".join(f"{latex_name(name)} &\\approx {self.latex(name)}"
                              for name in self.coefficients)
        return f"$$\\begin{{aligned}} {rows} \\end{{aligned}}$$"


def polynomial_text(coeffs, var="x", x0=0.0, digits=6):
    """Plain text for ``Σ c_k (var - x0)^k``, for a terminal.

    >>> polynomial_text([9.0, 6.0, 1.0], "x", 3.0)
    '9 + 6(x−3) + (x−3)²'
    >>> polynomial_text([0.0, 1.0, 0.0, -1/6], "x", 0.0)
    'x − 0.166667x³'
    """
    base = var if x0 == 0 else f"({var}{_MINUS}{_text_number(x0, digits)})" if x0 > 0 \
        else f"({var}+{_text_number(-x0, digits)})"
    return _written(coeffs, lambda k: base + (str(k).translate(_SUPERSCRIPTS) if k > 1 else ""),
                    lambda c: _text_number(c, digits), _MINUS, "")


def polynomial_latex(coeffs, var="x", x0=0.0, digits=6):
    """LaTeX (math mode, without the $ signs) for ``Σ c_k (var - x0)^k``, for a notebook.

    >>> polynomial_latex([9.0, 6.0, 1.0], "x", 3.0)
    '9 + 6 (x - 3) + (x - 3)^{2}'
    """
    var = latex_name(var)
    base = var if x0 == 0 else f"({var} - {_latex_number(x0, digits)})" if x0 > 0 \
        else f"({var} + {_latex_number(-x0, digits)})"
    return _written(coeffs, lambda k: base + (f"^{{{k}}}" if k > 1 else ""),
                    lambda c: _latex_number(c, digits), "-", " ")


def _written(coeffs, power, number, minus, space):
    """Join the nonzero terms: ``c_0 + c_1·power(1) + ...``; a ±1 in front of a power is left out."""
    terms = []
    for k, c in enumerate(coeffs):
        c = plain(c)
        if np.ndim(c):  # an array output: its coefficients written as arrays, all joined by +
            if np.any(c != 0):
                terms.append(("+", _array_text(c, number) + (space + power(k) if k else "")))
            continue
        if c == 0:
            continue
        sign = minus if c < 0 else "+"
        magnitude = number(abs(c))
        if k == 0:
            terms.append((sign, magnitude))
        elif magnitude == "1":
            terms.append((sign, power(k)))
        else:
            terms.append((sign, magnitude + space + power(k)))
    if not terms:
        return "0"
    first_sign, first = terms[0]
    written = (minus if first_sign == minus else "") + first
    for sign, term in terms[1:]:
        written += f" {sign} {term}"
    return written


_MINUS = "\u2212"
_SUPERSCRIPTS = str.maketrans("0123456789", "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079")


def _text_number(c, digits):
    return f"{float(c):.{digits}g}".replace("-", _MINUS)


def _latex_number(c, digits):
    mantissa, _, exponent = f"{float(c):.{digits}g}".partition("e")
    return f"{mantissa} \\cdot 10^{{{int(exponent)}}}" if exponent else mantissa


def _array_text(c, number):
    return "[" + ", ".join(number(v) for v in np.ravel(c)) + "]" if np.ndim(c) == 1 else \
        "[" + ", ".join(_array_text(row, number) for row in c) + "]"
