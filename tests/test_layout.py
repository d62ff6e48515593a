"""admagic's layout: its modules import one another one way only, and each stays small.

The import graph is read from the source with `ast`, so an import inside a function counts as much
as one at the top of a module: either way, the module can't be read without the one it imports.
"""

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "admagic"

#: Every module is held to the size limit: past it, a module is probably two ideas.
SIZED_MODULES = sorted(path.name for path in PACKAGE.glob("*.py"))
MAX_LINES = 450


def imports_of(source, module):
    """The admagic modules `source` (the text of admagic/`module`.py) imports, anywhere in it."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0:
                if node.module and node.module.split(".")[0] == "admagic":
                    parts = node.module.split(".")[1:]
                    found.update([parts[0]] if parts else [a.name for a in node.names])
            elif node.level == 1:
                if node.module:  # from .tape import X
                    found.add(node.module.split(".")[0])
                else:  # from . import tape, rules
                    found.update(a.name for a in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "admagic" and len(parts) > 1:
                    found.add(parts[1])
    found.discard(module)
    return found


def import_graph(package=PACKAGE):
    """{module: the admagic modules it imports} for every module of the package."""
    modules = {path.stem: path for path in package.glob("*.py")}
    graph = {}
    for name, path in modules.items():
        graph[name] = {m for m in imports_of(path.read_text(), name) if m in modules}
    graph.pop("__init__", None)  # the package's front door imports everything, and nothing imports it
    for imported in graph.values():
        imported.discard("__init__")
    return graph


def find_cycle(graph):
    """A list of modules that import each other round in a circle, or None. Iterative."""
    state = {}  # module -> "open" while on the current path, "done" after
    for start in graph:
        if start in state:
            continue
        path, iterators = [start], [iter(sorted(graph[start]))]
        state[start] = "open"
        while path:
            step = next(iterators[-1], None)
            if step is None:
                state[path.pop()] = "done"
                iterators.pop()
            elif state.get(step) == "open":
                return path[path.index(step):] + [step]
            elif step not in state:
                state[step] = "open"
                path.append(step)
                iterators.append(iter(sorted(graph.get(step, ()))))
    return None


def test_find_cycle_finds_a_cycle_through_a_function_level_import():
    # The checker itself: a lower module importing a higher one inside a function is a cycle.
    tape = "import numpy\n"
    traced = "from .tape import Node\n"
    rules = "from .traced import record\n"
    tape_with_late_import = "def f():\n    from .rules import VJP\n"
    graph = {"tape": imports_of(tape, "tape"), "traced": imports_of(traced, "traced"),
             "rules": imports_of(rules, "rules")}
    assert find_cycle(graph) is None
    graph["tape"] = imports_of(tape_with_late_import, "tape")
    assert find_cycle(graph) == ["tape", "rules", "traced", "tape"]


def test_imports_of_reads_every_spelling():
    source = ("from . import tape, rules\nfrom .traced import plain\nimport admagic.graph\n"
              "from admagic.result import GradResult\nfrom admagic import render\n")
    assert imports_of(source, "x") == {"tape", "rules", "traced", "graph", "result", "render"}


def test_the_admagic_import_graph_has_no_cycle():
    graph = import_graph()
    assert "tape" in graph and "rules" in graph  # it read the package
    assert find_cycle(graph) is None, f"import cycle: {' -> '.join(find_cycle(graph))}"


def test_the_engine_imports_nothing_above_it():
    graph = import_graph()
    for bottom in ("collector", "messages_en", "messages_zh", "methods", "primitives",
                   "reductions"):
        assert graph[bottom] == set(), f"{bottom}.py imports {graph[bottom]}"
    assert graph["inputs"] <= {"messages"}  # the words of its refusals only
    assert graph["messages"] <= {"messages_en", "messages_zh"}  # its tables, one per language
    assert graph["tape"] <= {"collector", "messages"}
    assert graph["keywords"] <= {"tape"}
    assert graph["traced"] <= {"tape", "inputs", "keywords", "methods", "primitives", "messages"}
    assert graph["functions"] <= {"traced", "primitives", "linalg"}
    assert graph["linalg"] <= {"traced", "primitives"}  # np.linalg's dispatch, beside functions.py
    assert graph["rules"] <= {"tape", "primitives", "traced", "reductions"}
    assert graph["tensor"] <= {"tape", "traced", "inputs"}


@pytest.mark.parametrize("module", SIZED_MODULES)
def test_module_is_at_most_450_lines(module):
    lines = len((PACKAGE / module).read_text().splitlines())
    assert lines <= MAX_LINES, f"admagic/{module} has {lines} lines (limit {MAX_LINES}): two ideas?"


def test_every_module_is_in_the_picture_of_the_layout_in_how_it_works():
    text = (PACKAGE.parent / "docs" / "how-it-works.md").read_text()
    section = text[text.index("## How the modules import each other"):]
    picture = section[section.index("```"):section.index("```", section.index("```") + 3)]
    names = {word for line in picture.splitlines() for word in line.split()[:6]}
    missing = sorted(set(import_graph()) - {"_version"} - names)
    assert not missing, f"docs/how-it-works.md's module picture lacks {missing}"
