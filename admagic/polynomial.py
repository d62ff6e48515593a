"""A Taylor polynomial, written out: LaTeX for a notebook, plain text for a terminal.

``%%grad x=3 --taylor --order 2`` over ``y = x * x`` shows ``y ≈ 9 + 6(x−3) + (x−3)²``: the
coefficients come from Taylor mode (`taylor.py`), the writing from here.
"""

import math
from fractions import Fraction

import numpy as np

from .notation import latex_name, superscript
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
    """Plain text for ``Σ c_k (var - x0)^k``, for a terminal; a coefficient that is a fraction
    (1/6, but not a rounded decimal) is written as one.

    >>> polynomial_text([9.0, 6.0, 1.0], "x", 3.0)
    '9 + 6(x−3) + (x−3)²'
    >>> polynomial_text([0.0, 1.0, 0.0, -1/6, 0.0, 1/120], "x", 0.0)
    'x − x³/6 + x⁵/120'
    >>> polynomial_text([1.0, 1.0, 0.5, 1/6], "x", 0.0)  # with one fraction, 0.5 is one too
    '1 + x + x²/2 + x³/6'
    >>> polynomial_text([0.5403023058681398, -0.8414709848078965], "x", 1.0)
    '0.540302 − 0.841471(x−1)'
    """
    base = var if x0 == 0 else f"({var}{_MINUS}{_text_number(x0, digits)})" if x0 > 0 \
        else f"({var}+{_text_number(-x0, digits)})"

    short = _fractions_written(coeffs)

    def term(c, k):
        power = base + superscript(k) if k > 1 else base if k else ""
        fraction = exact_fraction(c, short) if short is not None else None
        if fraction is None:
            magnitude = _text_number(c, digits)
            return power or magnitude if magnitude == "1" else magnitude + power
        top = "" if fraction.numerator == 1 and power else str(fraction.numerator)
        return f"{top}{power}/{fraction.denominator}"

    return _written(coeffs, term, lambda c: _text_number(c, digits), _MINUS)


def polynomial_latex(coeffs, var="x", x0=0.0, digits=6):
    """LaTeX (math mode, without the $ signs) for ``Σ c_k (var - x0)^k``, for a notebook.

    >>> polynomial_latex([9.0, 6.0, 1.0], "x", 3.0)
    '9 + 6 (x - 3) + (x - 3)^{2}'
    >>> polynomial_latex([0.0, 1.0, 0.0, -1/6], "x", 0.0)
    'x - \\\\frac{1}{6} x^{3}'
    """
    var = latex_name(var)
    base = var if x0 == 0 else f"({var} - {_latex_number(x0, digits)})" if x0 > 0 \
        else f"({var} + {_latex_number(-x0, digits)})"

    short = _fractions_written(coeffs)

    def term(c, k):
        power = base + (f"^{{{k}}}" if k > 1 else "") if k else ""
        fraction = exact_fraction(c, short) if short is not None else None
        if fraction is None:
            magnitude = _latex_number(c, digits)
            if magnitude == "1":
                return power or magnitude
            return " ".join(filter(None, [magnitude, power]))
        written = rf"\frac{{{fraction.numerator}}}{{{fraction.denominator}}}"
        return " ".join(filter(None, [written, power]))

    return _written(coeffs, term, lambda c: _latex_number(c, digits), "-", " ")


def exact_fraction(c, short=False, max_denominator=10**6, ulps=4):
    """`c` as the fraction it is, when its decimal would be rounded (1/6, 1/120, 5/24), else None:
    the fraction must give `c` back within a few ulps. A short decimal (0.5, 2.5e-5) stays one,
    unless `short` (when other coefficients are fractions, 0.5 is written 1/2 too).

    >>> exact_fraction(1 / 6), exact_fraction(0.5), exact_fraction(0.5403023058681398)
    (Fraction(1, 6), None, None)
    """
    c = abs(float(c))
    if not math.isfinite(c) or c == 0 or (not short and _digits(c) <= 6):
        return None
    fraction = Fraction(c).limit_denominator(max_denominator)
    if fraction.denominator == 1 or abs(float(fraction) - c) > ulps * math.ulp(c):
        return None
    return fraction


def _digits(c):
    """The significant digits of the shortest decimal that reads back as `c`."""
    return len(repr(c).split("e")[0].replace(".", "").strip("0"))


def _fractions_written(coeffs):
    """None if no coefficient is written as a fraction; else True: short decimals are too."""
    scalars = [plain(c) for c in coeffs if np.ndim(plain(c)) == 0]
    return True if any(exact_fraction(c) is not None for c in scalars) else None


def _written(coeffs, term, number, minus, space=""):
    """Join the nonzero terms ``term(|c_k|, k)`` with their signs; an array output's coefficients
    are written as arrays, all joined by +."""
    terms = []
    for k, c in enumerate(coeffs):
        c = plain(c)
        if np.ndim(c):
            if np.any(c != 0):
                terms.append(("+", _array_text(c, number) + (space + term(1.0, k) if k else "")))
            continue
        if c == 0:
            continue
        terms.append((minus if c < 0 else "+", term(abs(c), k)))
    if not terms:
        return "0"
    first_sign, first = terms[0]
    written = (minus if first_sign == minus else "") + first
    for sign, text in terms[1:]:
        written += f" {sign} {text}"
    return written


_MINUS = "\u2212"


def _text_number(c, digits):
    return f"{float(c):.{digits}g}".replace("-", _MINUS)


def _latex_number(c, digits):
    mantissa, _, exponent = f"{float(c):.{digits}g}".partition("e")
    return f"{mantissa} \\cdot 10^{{{int(exponent)}}}" if exponent else mantissa


def _array_text(c, number):
    return "[" + ", ".join(number(v) for v in np.ravel(c)) + "]" if np.ndim(c) == 1 else \
        "[" + ", ".join(_array_text(row, number) for row in c) + "]"
