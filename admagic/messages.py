"""Every text admagic shows a reader, in each language it speaks: one table per language
(`messages_en.EN`, `messages_zh.ZH`), and the choice of language.

The table's headers and caption, the graph's legend, the hints, the notes and the common errors
are looked up here by key, with their numbers and names filled in; the mathematics (``dy/dx``,
``∂z/∂y``, ``x = 3``) and Python (``_grad['dy/dx']``, ``np.sin(x)``) are the same in every
language, so they are fields or literal text in every table.

>>> text("table.caption", inputs="x = 3")
'at x = 3'
>>> with speaking("zh"):
...     text("table.caption", inputs="x = 3")
'在 x = 3 处'

Which language: inside ``with speaking("zh"):`` that one (per thread and per asyncio task, as
it is a `contextvars.ContextVar`); else the one `set_language` chose for the whole process (what
``%config GradMagics.language = 'zh'`` calls); else the environment variable ``ADMAGIC_LANG``
(``zh``, ``zh_CN.UTF-8`` …); else English.

An entry is a `str.format` template, or, where English needs a plural, a dict of the forms
``{"one": ..., "other": ...}`` chosen by the field ``count``. Every key is in every table with
the same fields: `tests/test_messages.py` fails otherwise.
"""

import contextlib
import contextvars
import os
import string

from .messages_en import EN
from .messages_zh import ZH

LANGUAGES = ("en", "zh")
ENVIRONMENT_VARIABLE = "ADMAGIC_LANG"

TABLES = {"en": EN, "zh": ZH}

_scoped = contextvars.ContextVar("admagic_language", default=None)
_chosen = None  # set_language's choice, for the whole process


def normalised(code):
    """``"zh"`` for ``"zh"``, ``"ZH"``, ``"zh-CN"``, ``"zh_CN.UTF-8"``; ValueError if admagic
    doesn't speak it.

    >>> normalised("zh_CN.UTF-8")
    'zh'
    """
    base = _base(code)
    if base not in TABLES:
        raise ValueError(text("error.unsupported_language", languages=", ".join(LANGUAGES),
                              given=repr(code)))
    return base


def _base(code):
    return str(code).strip().lower().replace("_", "-").split(".")[0].split("-")[0]


def language():
    """The language texts are written in now: ``"en"`` or ``"zh"`` (see the module's docstring)."""
    scoped = _scoped.get()
    if scoped is not None:
        return scoped
    if _chosen is not None:
        return _chosen
    base = _base(os.environ.get(ENVIRONMENT_VARIABLE) or "en")
    return base if base in TABLES else "en"  # a language admagic doesn't speak: English


def set_language(code):
    """Write every text in `code` (``"en"``, ``"zh"``) from now on, in every thread (the whole
    process: one notebook kernel speaks one language). ``None`` goes back to ``ADMAGIC_LANG``,
    else English. For one block, or one thread, use `speaking`.

    >>> set_language("zh")
    >>> text("graph.input")
    '输入'
    >>> set_language(None)
    """
    global _chosen
    _chosen = None if code is None else normalised(code)


@contextlib.contextmanager
def speaking(code):
    """Write texts in `code` inside the ``with`` block only (this thread or task only)."""
    token = _scoped.set(normalised(code))
    try:
        yield
    finally:
        _scoped.reset(token)


def text(key, /, **fields):
    """The text `key` in the current language, its fields filled in.

    >>> text("graph.more_operations", count=1)
    '… 1 more operation …'
    """
    entry = TABLES[language()][key]
    if isinstance(entry, dict):
        entry = entry["one" if fields.get("count") == 1 else "other"]
    return entry.format(**fields)


def listed(names):
    """``a``, ``a and b``, ``a, b and c`` (in Chinese ``a 和 b``…): names joined for a sentence."""
    names = [str(name) for name in names]
    if len(names) < 2:
        return "".join(names)
    return text("note.and", first=("、" if language() == "zh" else ", ").join(names[:-1]),
                last=names[-1])


def fields(template):
    """The names of the fields of `template` (a table entry): ``{"count"}`` for ``"{count} more"``.

    >>> sorted(fields("{header} by {name!r:>5}"))
    ['header', 'name']
    """
    forms = template.values() if isinstance(template, dict) else [template]
    return {name.split(".")[0].split("[")[0]
            for form in forms for _, name, _, _ in string.Formatter().parse(form)
            if name is not None}
