"""Derivatives written as on paper: Leibniz keys (``d2z/dxdy``), read back, and names in LaTeX.

One place for how admagic spells a derivative, so that the result's keys, the table's headers, the
graph's ∂ labels and the Taylor polynomial all write a name the same way.

>>> leibniz("z", ("x", "x", "y")), latex_name("w1"), operand("dz/dx")
('d3z/dx2dy', 'w_{1}', '(dz/dx)')
"""

import math
import re

import numpy as np

# ---- writing -------------------------------------------------------------------------------------


def operand(name):
    """A name as it reads after ``d`` or ``∂``: ``x``, but ``(dz/dx)`` or ``(x * 2)``."""
    return name if name.isidentifier() else f"({name})"


def leibniz(output, wrt):
    """The key of d^k output / d wrt[0] ... d wrt[-1]: ``leibniz("z", ("x", "x", "y"))`` is
    ``"d3z/dx2dy"``. A name ending in a digit takes its power after ``^``: ``d2loss/dw1^2``; so
    does an entry of a container input: ``d2loss/dp['w']^2``."""
    order = len(wrt)
    top = f"d{order if order > 1 else ''}{operand(output)}"
    return f"{top}/" + "".join(f"d{name}{_power(name, p)}" for name, p in grouped(wrt))


def _power(name, power):
    if power == 1:
        return ""
    return f"^{power}" if name[-1].isdigit() or not name.isidentifier() else str(power)


def grouped(wrt):
    """Runs of the same name with their lengths: ``("x", "x", "y")`` -> ``[("x", 2), ("y", 1)]``."""
    groups = []
    for name in wrt:
        if groups and groups[-1][0] == name:
            groups[-1][1] += 1
        else:
            groups.append([name, 1])
    return [tuple(g) for g in groups]


def superscript(n):
    """``superscript(2)`` is ``"²"``."""
    return str(n).translate(_TO_SUPERSCRIPT)


_TO_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_FROM_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")

def typed_number(x, digits=10):
    """A number the user typed (an input, a constant in the code), with every digit they typed, so
    that ``1.0001`` is not drawn ``1`` beside its neighbour ``1``; at most `digits` significant
    digits, for numbers no one types (``1/3``). Other values give None.

    >>> typed_number(1.0001), typed_number(3.0), typed_number(2.5e9), typed_number(1 / 3)
    ('1.0001', '3', '2.5e9', '0.3333333333')
    """
    if isinstance(x, np.ndarray) and x.ndim == 0:
        x = x[()]
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, float, np.integer, np.floating)):
        return None
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if not isinstance(x, np.floating):
        x = float(x)  # an np.float32 keeps its type: its own shortest digits, 0.1 not 0.1000000015
    if not math.isfinite(x):
        return str(float(x))
    if x == 0:
        return "0"
    shortest = np.format_float_scientific(x, unique=True, trim="-")
    mantissa, exponent = shortest.split("e")
    if len(mantissa.lstrip("-").replace(".", "")) > digits:
        mantissa, exponent = np.format_float_scientific(
            x, precision=digits - 1, unique=False, trim="-").split("e")
    exponent = int(exponent)
    if -4 <= exponent < 6:  # written out, as Python would: 0.001, 123456.5
        return np.format_float_positional(type(x)(f"{mantissa}e{exponent}"), unique=True, trim="-")
    return f"{mantissa}e{exponent}"


# ---- reading -------------------------------------------------------------------------------------


def readings(key, outputs, inputs):
    """Every way to read `key` as a derivative of one of `outputs` by `inputs`, as
    ``(output, (input, ...))`` pairs; several when the spelling is ambiguous, none when it names
    nothing here.

    >>> readings("d2y/dx2", ["y"], ["x", "x2"])
    [('y', ('x', 'x'))]

    ``∂``, superscripts (``d²y/dx²``), ``^`` before a power, spaces and a name in parentheses
    (``d2y/dxd(x2)``) are accepted. The order written in front must match the inputs counted.
    """
    text = _normal(key)
    found = []
    for output in outputs:
        for spelled in {_normal(operand(output)), _normal(output)}:
            match = re.fullmatch(r"d(?:\^?(\d+))?" + re.escape(spelled) + r"/(.+)", text)
            if match is None:
                continue
            stated = int(match.group(1)) if match.group(1) else 1
            for wrt in _denominators(match.group(2), inputs):
                if len(wrt) == stated and (output, wrt) not in found:
                    found.append((output, wrt))
    return found


def _normal(text):
    text = re.sub(r"[⁰¹²³⁴⁵⁶⁷⁸⁹]+", lambda m: "^" + m.group().translate(_FROM_SUPERSCRIPT), text)
    return "".join(text.replace("∂", "d").split())


def _denominators(text, names):
    """Every reading of ``"dx2dy"`` as names with powers: ``[("x", "x", "y")]`` (here, with inputs
    x and y). Iterative: a list of (what is read so far, what is left)."""
    spellings = [(name, spelled) for name in names
                 for spelled in {_normal(name), f"({_normal(name)})"}]
    done, pending = [], [((), text)]
    while pending:
        read, rest = pending.pop()
        if not rest:
            if read:
                done.append(read)
            continue
        for name, spelled in spellings:
            if not rest.startswith("d" + spelled):
                continue
            after = rest[1 + len(spelled):]
            pending.append((read + (name,), after))
            power = re.match(r"\^?(\d+)", after)
            if power and int(power.group(1)) >= 2:
                pending.append((read + (name,) * int(power.group(1)), after[power.end():]))
    return sorted(set(done))


# ---- LaTeX ---------------------------------------------------------------------------------------


def latex_name(name):
    """A name in LaTeX math: ``x``, ``w_{1}``, ``x_{1}``, ``\\mathrm{loss}``, ``x_{\\mathrm{in}}``;
    anything else (an expression, an odd identifier) escaped character by character, so that no
    name can run a command or end the formula.

    >>> print(latex_name("w1"), latex_name("loss"), latex_name("x_in"), latex_name("$a + 1"))
    w_{1} \\mathrm{loss} x_{\\mathrm{in}} \\mathtt{\\$a\\ +\\ 1}
    """
    match = re.fullmatch(r"([A-Za-z]+)(?:_?(\d+)|_([A-Za-z]+))?", name)
    if match:
        head, digits, letters = match.groups()
        sub = digits or letters
        written = _latex_word(head)
        return f"{written}_{{{_latex_word(sub)}}}" if sub else written
    escaped = latex_text(name)
    return rf"\mathrm{{{escaped}}}" if name.isidentifier() else rf"\mathtt{{{escaped}}}"


def _latex_word(word):
    return word if len(word) == 1 or word.isdigit() else rf"\mathrm{{{word}}}"


_LATEX_SPECIALS = {"\\": r"\backslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
                   "#": r"\#", "%": r"\%", "_": r"\_", "^": r"\hat{}", "~": r"\sim{}",
                   "…": r"\ldots{}", " ": r"\ ", "\n": r"\ ", "\r": r"\ "}


def latex_text(text):
    """`text` with every LaTeX special character escaped, for math mode (inside ``\\mathrm{}`` or
    ``\\mathtt{}``; text mode is avoided, as MathJax reads no escapes there):
    ``latex_text("50% of $x")`` is ``50\\%\\ of\\ \\$x``."""
    return "".join(_LATEX_SPECIALS.get(c, c) for c in str(text))
