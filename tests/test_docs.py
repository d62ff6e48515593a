"""The documentation says what admagic does: its examples run, its API page documents every public
name with directives that point at real objects, and its links lead somewhere.

Each public module's docstring examples run with `doctest`, in that module's own globals: a name an
example uses (``Tape``, ``constant``, ``np``) must be imported by the module or by the example. The
code cells of each MyST page run in order in an IPython shell, as the docs build runs them.
"""

import ast
import doctest
import importlib
import pkgutil
import re
from pathlib import Path

import numpy as np
import pytest

import admagic

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))

PUBLIC_MODULES = ["admagic"] + sorted(
    f"admagic.{m.name}" for m in pkgutil.iter_modules(admagic.__path__)
    if not m.name.startswith("_")
)


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_docstring_examples_print_what_they_show(name):
    module = importlib.import_module(name)
    failed, attempted = doctest.testmod(module, optionflags=FLAGS, report=True)
    assert failed == 0, f"{failed} of {attempted} docstring examples in {name} failed (see above)"


# ---- the API page ------------------------------------------------------------------------------

_DIRECTIVE = re.compile(r"^\.\. auto(function|class|method|attribute|module):: ([\w.]+)(\(\))?"
                        r"((?:\n +:[\w-]+:.*)*)", re.MULTILINE)


def _directives():
    """(kind, dotted name, {option: value}) for every autodoc directive in docs/api.md."""
    text = (DOCS / "api.md").read_text()
    found = []
    for kind, name, _, options in _DIRECTIVE.findall(text):
        parsed = dict(re.findall(r":([\w-]+):\s*(.*)", options))
        found.append((kind, name, parsed))
    return found


def _resolve(dotted):
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for attribute in parts[split:]:
            obj = getattr(obj, attribute)
        return obj
    raise ImportError(dotted)


def test_every_public_name_is_documented_on_the_api_page():
    documented = {name for _, name, _ in _directives()}
    not_api = {"__version__", "load_ipython_extension"}  # the version; `%load_ext`'s entry point
    missing = [name for name in admagic.__all__
               if name not in not_api and f"admagic.{name}" not in documented]
    assert not missing, f"in admagic.__all__ but not in docs/api.md: {missing}"


@pytest.mark.parametrize("kind, name, options", _directives(), ids=lambda v: str(v)[:40])
def test_each_api_directive_names_something_that_exists_with_a_docstring(kind, name, options):
    obj = _resolve(name)  # raises if renamed or removed
    assert (obj.__doc__ or "").strip(), f"{name} has no docstring, so its entry would be empty"
    members = [m.strip() for m in options.get("members", "").split(",") if m.strip()]
    for member in members:
        assert hasattr(obj, member), f"docs/api.md lists {name}.{member}, which doesn't exist"


# ---- links between pages ----------------------------------------------------------------------

_LINK = re.compile(r"\]\(([^)\s]+)\)")


def _slug(heading):
    """The anchor MyST gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[`*]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _anchors(path):
    lines = path.read_text().splitlines()
    return {_slug(line.lstrip("#")) for line in lines if line.startswith("#")}


@pytest.mark.parametrize("page", PAGES + [ROOT / "README.md"], ids=lambda p: p.name)
def test_links_to_other_pages_and_files_resolve(page):
    broken = []
    for target in _LINK.findall(page.read_text()):
        if re.match(r"[a-z]+:", target):  # http:, https:, mailto:
            continue
        file, _, anchor = target.partition("#")
        path = (page.parent / file).resolve() if file else page
        if not path.exists():
            broken.append(target)
        elif anchor and path.suffix == ".md" and anchor not in _anchors(path):
            broken.append(target)
    assert not broken, f"{page.name} links to what isn't there: {broken}"


def test_every_page_in_the_table_of_contents_exists_and_every_page_is_in_it():
    text = (DOCS / "index.md").read_text()
    toctree = re.search(r"```\{toctree\}\n(.*?)```", text, re.DOTALL).group(1)
    entries = [line.strip() for line in toctree.splitlines()
               if line.strip() and not line.startswith(":")]
    generated = {"notebooks/index"}  # written by conf.py from ../notebooks
    assert all((DOCS / f"{entry}.md").exists() for entry in entries if entry not in generated)
    assert sorted(ROOT.glob("notebooks/*.ipynb")), "conf.py builds notebooks/index from these"
    listed = {f"{entry}.md" for entry in entries} | {"index.md"}
    assert not {page.name for page in PAGES} - listed, "a page no reader can reach"


# ---- the pages' code --------------------------------------------------------------------------

_CODE_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
_PYTHON_BLOCK = re.compile(r"^( *)```python\n(.*?)^\1```", re.MULTILINE | re.DOTALL)
MYST_PAGES = [page for page in PAGES if _CODE_CELL.search(page.read_text())]


def _dedent(block, indent):
    return "\n".join(line[len(indent):] for line in block.splitlines())


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_python_block_is_valid_python(page):
    from IPython.core.inputtransformer2 import TransformerManager

    for indent, block in _PYTHON_BLOCK.findall(page.read_text()):
        source = TransformerManager().transform_cell(_dedent(block, indent))  # %config, %%grad
        ast.parse(source, f"{page.name}: {source[:40]!r}")


@pytest.mark.notebook
def test_the_code_cells_of_every_page_run_in_order_in_a_real_kernel(tmp_path):
    """As the docs build runs them; one kernel for all pages, its namespace reset between them."""
    import nbformat
    from nbclient import NotebookClient

    cells = []
    for page in MYST_PAGES:
        cells.append(nbformat.v4.new_code_cell("%reset -f"))
        for source in _CODE_CELL.findall(page.read_text()):
            cells.append(nbformat.v4.new_code_cell(source, metadata={"page": page.name}))
    notebook = nbformat.v4.new_notebook(cells=cells)
    NotebookClient(notebook, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    failed = [f"{cell.metadata.get('page')}: {cell.source[:50]!r} raised {output.ename}"
              for cell in notebook.cells for output in cell.outputs
              if output.output_type == "error"]
    assert not failed, failed


def test_the_pages_that_run_code_are_found():
    assert {"getting-started.md", "magic.md", "graph.md", "how-it-works.md"} <= {
        page.name for page in MYST_PAGES}


# ---- the page of supported functions (generated) -------------------------------------------------

def test_the_supported_functions_page_is_what_the_rule_tables_say():
    from admagic import _support

    committed = (DOCS / "supported.md").read_text()
    assert committed == _support.markdown(), (
        "docs/supported.md is behind the rule tables; run "
        "`python -m admagic._support > docs/supported.md` and commit it")


def test_the_supported_functions_page_has_a_row_for_every_rule_and_says_which_have_taylor_rules():
    from admagic import _support
    from admagic.taylor import TAYLOR
    from admagic.tape import VJP

    rows = _support.rows()
    assert len(rows) == len(VJP)
    by_name = {row[0].split("`")[1]: row for row in rows}
    assert by_name["np.sin"][2] == "✓" and np.sin in TAYLOR
    without_taylor = [p for p in VJP if p not in TAYLOR]
    assert sum(row[2] != "✓" for row in rows) == len(without_taylor)
    assert "`axis`" in by_name["np.sum"][1] and "`keepdims`" in by_name["np.sum"][1]
