"""Keywords: each one a derivative rule honours, or a refusal at the call, the same in both modes.

``np.sum(x, where=m)``, ``np.var(x, correction=1)``, ``np.add(x, 1.0, dtype=np.float64)``: a
keyword can change the numbers, so a rule that let one through unread would give a wrong
derivative with confidence. The policy here is one for the reverse table (`rules.py`, checked by
`traced.record` when the call is recorded) and the Taylor table (`taylor_rules.py`, checked by
the sweep in `taylor.py`):

- a rule honours exactly the keywords its signature names; a rule that takes ``**kwargs`` passes
  them on to the same NumPy function, coefficient by coefficient (Taylor's linear rules);
- the keywords in `VALUE_NEUTRAL_KEYWORDS` change how NumPy computes, not what: dropped when the
  rule doesn't name them (``np.reshape``'s rule names ``order``, which there changes the numbers);
- ``out=`` is refused (it writes into an array admagic can't follow); ``dtype=`` of integers,
  booleans or complex numbers is refused (it rounds or converts: no derivative); a float
  ``dtype=`` of a ufunc (or ``np.clip``) is dropped: NumPy has cast the value, and the derivative
  of a cast between floats is 1;
- a ufunc's ``where=`` is refused: without ``out=``, NumPy leaves the masked-out elements unset;
- the arguments a NumPy function is given by position from ``out`` on (``np.var(w, None, None,
  None, 1)``) are keywords (`out_and_after_as_keywords`), so each rule reads them by name and
  this policy sees ``out`` however it was given;
- anything else is refused, with a TypeError that names the call as the student wrote it.

>>> honoured_keywords(np.add, {"dtype": np.float64, "casting": "same_kind"}, frozenset())
{}
>>> honoured_keywords(np.sin, {"where": np.array([True, False])}, frozenset())
Traceback (most recent call last):
...
TypeError: np.sin(..., where=...) isn't supported on traced values: without out=, NumPy leaves the elements where the mask is False unset. Instead, write np.where(mask, f(x), other).
"""

import inspect

import numpy as np

from .tape import VJP

__all__ = ["VALUE_NEUTRAL_KEYWORDS", "honoured_keywords", "keywords_named", "out_and_after_as_keywords",
           "out_position", "reverse_keywords", "rule_keywords"]

#: Keywords that change how NumPy computes a result (memory layout, casting checks, subclasses,
#: the contraction order of einsum, copying), never a number of it.
VALUE_NEUTRAL_KEYWORDS = frozenset({"casting", "order", "subok", "optimize", "copy"})

_REVERSE = "on traced values"
TAYLOR_MODE = "in Taylor mode (derivatives of order 2 and up)"


def honoured_keywords(primitive, kwargs, accepted, mode=_REVERSE):
    """The keywords of a call of `primitive` to hand its rule, which names `accepted` (None: it
    takes them all); or TypeError, in the student's terms, for a keyword it can't honour."""
    kept = {}
    elementwise = isinstance(primitive, np.ufunc) or primitive is np.clip
    for name, value in kwargs.items():
        if name == "out":
            if value is not None:
                raise _refused(primitive, name, mode, "it writes into an array admagic can't follow",
                               "assign the result: y = f(x)")
        elif name == "dtype" and value is not None and np.dtype(value).kind != "f":
            raise _refused(primitive, name, mode, f"dtype={np.dtype(value).name} rounds or converts "
                           "the result, which has no derivative", "use dtype=np.float64 or leave it out")
        elif elementwise and name in ("where", "signature", "dtype"):
            if name == "where" and value is not True:
                raise _refused(primitive, name, mode, "without out=, NumPy leaves the elements where "
                               "the mask is False unset", "write np.where(mask, f(x), other)")
            if name == "signature" and value is not None:
                raise _refused(primitive, name, mode, "it changes the loop NumPy runs",
                               "cast the inputs instead")
        elif accepted is None or name in accepted:
            kept[name] = value
        elif name not in VALUE_NEUTRAL_KEYWORDS:
            raise _refused(primitive, name, mode, "admagic's derivative rule has no "
                           f"{name}= yet", "leave it out, or write the computation another way")
    return kept


def keywords_named(rule, primitive=None):
    """The keywords `rule` names, or None if it takes ``**kwargs`` (to pass them on to NumPy).
    A ufunc's rule gets only what it names: a gufunc's ``axes=`` can't be passed on blindly."""
    parameters = inspect.signature(rule).parameters.values()
    if any(p.kind is p.VAR_KEYWORD for p in parameters) and not isinstance(primitive, np.ufunc):
        return None
    return frozenset(p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))


def rule_keywords(primitive, kwargs):
    """What `traced.record` keeps of a call's keywords: those the reverse rules read (or TypeError).

    >>> rule_keywords(np.sum, {"axis": 0, "out": None, "where": True})
    {'axis': 0, 'where': True}
    """
    return honoured_keywords(primitive, kwargs, reverse_keywords(primitive))


def out_position(func):
    """Where NumPy function `func` takes ``out`` by position, or a position past any call's
    arguments if it doesn't (np.einsum takes it only by keyword).

    >>> out_position(np.var), out_position(np.max), out_position(np.where) > 100
    (3, 2, True)
    """
    position = _out_positions.get(func)
    if position is None:
        position = _out_positions[func] = _NO_OUT
        try:
            parameters = inspect.signature(func).parameters.values()
        except (TypeError, ValueError):
            parameters = ()
        for index, parameter in enumerate(parameters):
            if parameter.kind not in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
                break
            if parameter.name == "out":
                position = _out_positions[func] = index
                break
    return position


_out_positions = {}
_NO_OUT = 1 << 30


def out_and_after_as_keywords(func, args, kwargs):
    """A call's arguments from ``out`` on as the keywords they are. The arguments after ``out``
    are options, never values to differentiate; rules name them, but their positional parameters
    may stop before ``out`` (Taylor rules don't take it).

    >>> out_and_after_as_keywords(np.var, ("w", None, None, None, 1), {})
    (('w', None, None), {'out': None, 'ddof': 1})
    """
    position, signature = out_position(func), inspect.signature(func)
    signature.bind(*args, **kwargs)  # a TypeError, as NumPy's own, for a call NumPy would refuse
    names = list(signature.parameters)
    return args[:position], {**dict(zip(names[position:], args[position:])), **kwargs}


_reverse_cache = {}  # primitive -> (its rules in VJP, the keywords all of them name)


def reverse_keywords(primitive):
    """The keywords every reverse rule of `primitive` names (None: each passes them all on)."""
    rules = VJP.get(primitive)
    if rules is None:  # no rule: the sweep will say so
        return None
    cached = _reverse_cache.get(primitive)
    if cached is not None and cached[0] is rules:
        return cached[1]
    named = None
    for rule in _rules_of(rules):
        mine = keywords_named(getattr(rule, "rule", rule), primitive)
        named = mine if named is None else (named if mine is None else named & mine)
    _reverse_cache[primitive] = (rules, named)
    return named


def _rules_of(rules):
    if hasattr(rules, "rule"):  # one rule for every argument (tape.defvjp_every)
        return [rules]
    return [rule for rule in rules if rule is not None]


def _refused(primitive, keyword, mode, why, instead):
    return TypeError(f"{call_name(primitive)}(..., {keyword}=...) isn't supported {mode}: {why}. "
                     f"Instead, {instead}.")


def call_name(primitive):
    """np.sum, np.add: the name the student typed (admagic's own primitives by their name)."""
    name = getattr(primitive, "__name__", repr(primitive))
    module = getattr(primitive, "__module__", None) or ""
    return f"np.{name}" if isinstance(primitive, np.ufunc) or module.startswith("numpy") else name
