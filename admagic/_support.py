"""The page of supported functions (docs/supported.md), generated from the rule tables themselves.

Each row comes from a table the engine runs on, so the page can't say more than the code does:
`tape.VJP` (reverse mode: `rules.py`), `taylor.TAYLOR` (Taylor mode: `taylor_rules.py`), and
`traced.FUNCTIONS` / `UNTRACED_FUNCTIONS` / `UNTRACED_UFUNCS` (NumPy functions written in terms of
other primitives, or whose answer has no derivative: `functions.py`). The keywords listed are the
ones a rule's signature names: a rule honours what it names. `tests/test_docs.py` fails when the
committed page differs from what this module writes; to bring it up to date, run

    python -m admagic._support > docs/supported.md
"""

import inspect

import numpy as np

from . import functions, primitives, rules, taylor_rules  # noqa: F401  (they fill the tables)
from .tape import VJP, _EveryArgument
from .taylor import TAYLOR, VALUE_NEUTRAL_KEYWORDS, _keywords_named
from .traced import FUNCTIONS, UNTRACED_FUNCTIONS, UNTRACED_UFUNCS

_NAMESPACES = [("np", np), ("np.linalg", np.linalg), ("np.fft", np.fft)]
_NESTED = "no: nested reverse"
_EVERY = "any"


def _public_names():
    """{id(obj): [names users type for it]} over NumPy's namespaces, canonical name first."""
    names = {}
    for prefix, namespace in _NAMESPACES:
        for attribute in sorted(dir(namespace)):
            if attribute.startswith("_"):
                continue
            obj = getattr(namespace, attribute, None)
            if callable(obj) and not isinstance(obj, type):
                names.setdefault(id(obj), []).append(f"{prefix}.{attribute}")
    for found in names.values():
        found.sort(key=lambda n: (n.rsplit(".", 1)[1] != _own_name(n), n.count("."), n))
    return names


def _own_name(dotted):
    obj = _NAMESPACES_BY_PREFIX[dotted.rsplit(".", 1)[0]]
    return getattr(getattr(obj, dotted.rsplit(".", 1)[1]), "__name__", None)


_NAMESPACES_BY_PREFIX = dict(_NAMESPACES)


def _name(function, names):
    """How a user types `function` (``np.sin``), with its aliases; admagic's own by their name."""
    typed = names.get(id(function))
    if typed:
        return f"`{typed[0]}`" + "".join(f" (`{alias}`)" for alias in typed[1:])
    what = (function.__doc__ or "").strip().splitlines()[0].rstrip(".")
    return f"`{function.__module__.replace('admagic.', '')}.{function.__name__}` ({what})"


def _reverse_keywords(rules_of):
    """The keywords the vjp rules of one primitive name, and whether one takes **kwargs."""
    found = [rules_of.rule] if isinstance(rules_of, _EveryArgument) else \
        [r for r in rules_of if r is not None]
    named, open_ended = set(), False
    for rule in found:
        for p in inspect.signature(rule).parameters.values():
            if p.kind is p.VAR_KEYWORD:
                open_ended = True
            elif p.kind is p.KEYWORD_ONLY or (p.default is not p.empty and p.name != "g"):
                named.add(p.name)
    return named, open_ended


def _taylor_keywords(rule):
    """The keywords a Taylor rule names (None: it takes **kwargs), less its positional arguments."""
    if _keywords_named(rule) is None:
        return None
    return {p.name for p in inspect.signature(rule).parameters.values()
            if p.kind is p.KEYWORD_ONLY
            or (p.kind is p.POSITIONAL_OR_KEYWORD and p.default is not p.empty)}


def _listed(keywords):
    return ", ".join(f"`{k}`" for k in sorted(keywords)) or "none"


def rows():
    """One row per primitive with a reverse rule: (name, reverse keywords, Taylor column,
    Taylor keywords), sorted by name. Keywords a ufunc takes from NumPy are left out of the lists
    (the page's introduction says how those are treated)."""
    names = _public_names()
    table = []
    for primitive, rules_of in VJP.items():
        named, open_ended = _reverse_keywords(rules_of)
        reverse = _listed(named) + ("; others not read by the rule" if open_ended else "")
        rule = TAYLOR.get(primitive)
        if rule is None:
            taylor, taylor_kw = _NESTED, ""
        else:
            accepted = _taylor_keywords(rule)
            taylor = "✓"
            taylor_kw = "passed to NumPy" if accepted is None else (
                _listed(accepted) + (", others refused" if accepted else " (others refused)"))
        if isinstance(primitive, np.ufunc) and rule is not None:
            taylor_kw = "a ufunc's (above)"
        table.append((_name(primitive, names), reverse, taylor, taylor_kw))
    return sorted(table, key=_by_name)


def _by_name(row):
    return row[0].strip("`").split("`")[0].lower()


def _dispatch_rows():
    """NumPy functions that `functions.py` writes in terms of primitives (or refuses)."""
    names = _public_names()
    table = []
    for function, how in FUNCTIONS.items():
        refused = getattr(how, "__name__", "").endswith("_refused")
        what = "refused, with what to write instead" if refused else "written with the primitives"
        table.append((_name(function, names), what))
    return sorted(table, key=_by_name)


def markdown():
    """The text of docs/supported.md."""
    lines = [
        "# Supported functions",
        "",
        "<!-- Generated by admagic/_support.py from the rule tables; "
        "don't edit: run `python -m admagic._support > docs/supported.md`. -->",
        "",
        "Every NumPy function admagic differentiates, read from the tables the engine runs on "
        "(`tape.VJP`, filled by `admagic/rules.py`; `taylor.TAYLOR`, filled by "
        "`admagic/taylor_rules.py`). **Reverse** mode gives first derivatives (and higher ones by "
        "nesting); **Taylor** mode gives the derivatives of order 2 and up of a function of one "
        "number in one sweep. Where a function has no Taylor rule, higher orders come from nested "
        "reverse mode instead (slower, the same numbers).",
        "",
        "The keyword columns list the keywords each rule's signature names: those it honours "
        "(positional arguments aside). \"passed to NumPy\": the Taylor rule takes any keyword "
        "and hands it on to the NumPy function it calls; \"others not read by the rule\": the "
        "reverse rule accepts other keywords without reading them. In Taylor mode a keyword the "
        "rule doesn't name is refused, with a message. For ufuncs (`np.sin`, `np.add`, ...) in "
        "Taylor mode, `out=`, `where=` and `signature=` are refused, `dtype=` must be a float "
        f"type, and {', '.join(f'`{k}=`' for k in sorted(VALUE_NEUTRAL_KEYWORDS))} change no "
        "number.",
        "",
        "| function | reverse: keywords | Taylor | Taylor: keywords |",
        "|---|---|:-:|---|",
    ]
    lines += [f"| {' | '.join(row)} |" for row in rows()]
    lines += [
        "",
        "## Written in terms of the functions above",
        "",
        "These NumPy functions reach the tape through `admagic/functions.py`, which calls the "
        "primitives above (so their modes are those of the primitives they use), or refuses "
        "them with what to write instead.",
        "",
        "| function | how |",
        "|---|---|",
    ]
    lines += [f"| {' | '.join(row)} |" for row in _dispatch_rows()]
    names = _public_names()
    untraced = sorted((_name(f, names) for f in UNTRACED_FUNCTIONS | UNTRACED_UFUNCS),
                      key=lambda name: _by_name((name,)))
    lines += [
        "",
        "## No derivative: these see plain values",
        "",
        "Their answer is a shape, an index, a truth value or a count, which has no derivative, "
        "so they are called on the plain numbers and give plain results: "
        + ", ".join(untraced) + ".",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown(), end="")
