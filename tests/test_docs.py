"""The examples in admagic's docstrings run, and print what they say they print.

Each public module's docstring examples run with `doctest`, in that module's own globals: a name an
example uses (``Tape``, ``constant``, ``np``) must be imported by the module or by the example.
"""

import doctest
import importlib
import pkgutil

import pytest

import admagic

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

PUBLIC_MODULES = ["admagic"] + sorted(
    f"admagic.{m.name}" for m in pkgutil.iter_modules(admagic.__path__) if not m.name.startswith("_")
)


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_docstring_examples_print_what_they_show(name):
    module = importlib.import_module(name)
    failed, attempted = doctest.testmod(module, optionflags=FLAGS, report=True)
    assert failed == 0, f"{failed} of {attempted} docstring examples in {name} failed (see above)"


def test_every_public_module_is_checked():
    # The list is read from the package, so a new module (taylor.py, say) is checked as it lands.
    assert {"admagic", "admagic.api", "admagic.tape", "admagic.traced", "admagic.rules"} <= set(PUBLIC_MODULES)
