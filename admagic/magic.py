"""``%%grad``: the cell magic. It parses its line, calls `admagic.cell.differentiate`, and displays.

>>> %load_ext admagic                                    # doctest: +SKIP
>>> %%grad x=3 --order 2                                 # doctest: +SKIP
... y = x * x

Defaults a user sets once are traitlets: ``%config GradMagics.order = 2``.
"""

import keyword
import shlex
from pathlib import Path

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments
from IPython.display import display
from traitlets import Bool, Integer, TraitError, validate

from . import cell as _cell_module
from .cell import DEFAULT_MAX_DERIVATIVE_SIZE, DEFAULT_MAX_NODES, GradUsageError, differentiate

_SAVE_SUFFIXES = (".svg", ".png", ".pdf", ".dot")
_CELL_FILE = _cell_module.__file__


@magics_class
class GradMagics(Magics):
    """The ``%%grad`` magic, and the defaults it reads (``%config GradMagics``)."""

    order = Integer(
        1, help="Highest order of derivatives to compute (-n/--order).",
    ).tag(config=True)
    graph = Bool(
        True, help="Draw the computation graph under the table (--no-graph turns it off).",
    ).tag(config=True)
    max_nodes = Integer(
        DEFAULT_MAX_NODES, help="Above this many nodes the graph is summarised.",
    ).tag(config=True)
    max_derivative_size = Integer(
        DEFAULT_MAX_DERIVATIVE_SIZE, help="A derivative with more numbers is not computed.",
    ).tag(config=True)

    @validate("order", "max_nodes", "max_derivative_size")
    def _at_least_one(self, proposal):
        least = 3 if proposal["trait"].name == "max_nodes" else 1
        if proposal["value"] < least:
            raise TraitError(f"GradMagics.{proposal['trait'].name} must be {least} or more.")
        return proposal["value"]

    @magic_arguments(name="%grad")  # the help prints it after one "%"
    @argument("inputs", nargs="*", metavar="INPUT",
              help="name=expression (x=3, w=np.ones(3), x=a+1) or a bare name (takes its current "
                   "value): the variables to differentiate with respect to. At least one.")
    @argument("-n", "--order", type=int, default=None, metavar="N",
              help="highest order of derivatives (default 1, or %%config GradMagics.order)")
    @argument("--of", metavar="A,B", default=None,
              help="the outputs to differentiate, comma-separated (default: every name the cell "
                   "binds that depends on an input)")
    @argument("--no-graph", action="store_true", help="don't draw the computation graph")
    @argument("--check", action="store_true",
              help="add central finite differences beside each first derivative")
    @argument("-o", "--out", metavar="NAME", default=None,
              help="also store the result under NAME (it is always in _grad)")
    @argument("--save", metavar="FILE", default=None,
              help="write the graph to FILE: .svg, .png, .pdf or .dot")
    @argument("--graph-of", metavar="NAME", default=None,
              help="the output whose gradients the graph shows (default: the last one)")
    @argument("--edges", action="store_true",
              help="label each edge of the graph with its local partial derivative")
    @argument("--taylor", action="store_true",
              help="also show each output's Taylor polynomial around the input, to --order "
                   "(one input, a number)")
    @argument("--graph", dest="graph_kind", choices=("forward", "backward"), default=None,
              help="draw the cell's own computation (forward, the default) or the one that "
                   "computed the first derivatives (backward)")
    @cell_magic
    def grad(self, line, cell):
        """Run the cell with its inputs traced; show values and derivatives, and the graph.

        Examples::

            %%grad x=3
            y = x * x                  # shows y = 9, dy/dx = 6

            %%grad x=3 --order 2
            y = x * x
            z = y * y                  # dy/dx = 6, d2y/dx2 = 2, dz/dx = 108, d2z/dx2 = 108

            %%grad w=np.array([1.0, 2.0]) --of loss --check
            loss = np.sum(w ** 2)      # dloss/dw = 2w, beside its finite-difference estimate

            %%grad x=3 --order 2 --taylor
            y = x * x                  # also y ≈ 9 + 6(x−3) + (x−3)²

        With one input that is a number, orders 2 and up come from Taylor mode, so
        ``--order 12`` is instant.

        The result is stored as ``_grad`` (and under ``--out NAME``): ``_grad['dy/dx']``,
        ``_grad.d('z', 'x', 'y')``, ``_grad.values``, ``_grad.graph``.
        """
        __tracebackhide__ = True
        args, inputs = self._parse(line)
        if not cell.strip():
            raise UsageError("%%grad needs code in the cell below its line, e.g. y = x * x."
                             f"\n{_usage()}")
        # Cache the cell's text under a name IPython knows, so tracebacks show "Cell In[n]" and
        # its lines; the code is compiled with line 1 = the %%grad line, as the user sees it.
        source = f"%%grad {line}\n{cell}"
        filename = self.shell.compile.cache(source, self._cell_number(), raw_code=source)
        values = {}
        for name, expression in inputs:
            try:
                values[name] = eval(compile(expression, filename, "eval"), self.shell.user_ns)
            except Exception as error:
                self._show_from(error, {filename})
                raise
        graph = args.graph_kind is not None or (self.graph and not args.no_graph)
        try:
            result = differentiate(
                self.shell.transform_cell(cell), values, order=args.order or self.order,
                of=args.of, namespace=self.shell.user_ns, graph=graph, graph_of=args.graph_of,
                edges=args.edges, graph_kind=args.graph_kind or "forward",
                max_nodes=self.max_nodes, max_derivative_size=self.max_derivative_size,
                check=args.check, taylor=args.taylor, filename=filename, first_line=2)
        except GradUsageError as error:
            raise UsageError(f"{error}\n{_usage()}") from None
        except SyntaxError as error:  # shown as the cell's own: its line and a caret, no frames
            raise error.with_traceback(None) from None
        except (Exception, KeyboardInterrupt) as error:
            _forget_internals(error)
            self._show_from(error, {filename})
            raise
        self.shell.user_ns["_grad"] = result
        if args.out:
            self.shell.user_ns[args.out] = result
        display(result)
        if result.taylor is not None:
            display(result.taylor)  # LaTeX in a notebook, plain text in a terminal
        if args.save:
            result.save(args.save)

    def _parse(self, line):
        """The line's options, and its inputs as (name, expression) pairs; UsageError if bad."""
        try:
            args = GradMagics.grad.parser.parse_intermixed_args(split_line(line))
        except UsageError as error:
            raise UsageError(f"{error}\n{_usage()}") from None
        except ValueError as error:  # an unclosed quote or bracket
            raise UsageError(f"can't read the line: {error}\n{_usage()}") from None
        problem = _problem(args)
        if problem:
            raise UsageError(f"{problem}\n{_usage()}")
        inputs = []
        for text in args.inputs:
            name, equals, expression = text.partition("=")
            if not equals:
                expression = name
            problem = _input_problem(text, name, equals, expression)
            if problem:
                raise UsageError(f"{problem}\n{_usage()}")
            if name in (n for n, _ in inputs):
                raise UsageError(f"input {name} is given twice; give each input once.\n{_usage()}")
            inputs.append((name, expression))
        if not inputs:
            raise UsageError("give at least one input to differentiate with respect to, "
                             f"e.g. %%grad x=3\n{_usage()}")
        args.of = [n.strip() for n in args.of.split(",")] if args.of is not None else None
        return args, inputs

    def _cell_number(self):
        """This cell's execution count: IPython 9 has already counted it when the magic runs,
        IPython 8 not yet; the result of the cell being run knows, in both."""
        running = getattr(self.shell.displayhook, "exec_result", None)
        number = getattr(running, "execution_count", None)
        return self.shell.execution_count if number is None else number

    def _show_from(self, error, filenames):
        """Make IPython show `error`'s traceback from the first frame in `filenames` on: the user's
        own lines, not admagic's machinery that ran them."""
        tb = error.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename not in filenames:
            tb = tb.tb_next
        if tb is None or isinstance(error, SyntaxError):
            return
        shown = self.shell.InteractiveTB.structured_traceback(type(error), error, tb)
        try:  # IPython shows what an exception's _render_traceback_ gives, if it has one
            error._render_traceback_ = lambda: shown
        except AttributeError:
            pass


def _forget_internals(error):
    """Clear admagic's own finished frames in the traceback: IPython keeps the last traceback
    (for %debug), and those frames hold the tapes. The user's frames are left as they are."""
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == _CELL_FILE:
            tb.tb_frame.clear()
        tb = tb.tb_next


def split_line(line):
    """The line's words, split at spaces outside brackets and quotes: ``w=np.ones((2, 3)) -n 2``
    gives ``["w=np.ones((2, 3))", "-n", "2"]``. A word that is all one quoted string is unquoted."""
    words, current, depth, quote, i = [], "", 0, None, 0
    while i < len(line):
        char = line[i]
        if quote:
            current += char
            if char == "\\" and i + 1 < len(line):
                current += line[i + 1]
                i += 1
            elif char == quote:
                quote = None
        elif char in "'\"":
            quote = char
            current += char
        elif char in "([{":
            depth += 1
            current += char
        elif char in ")]}":
            depth -= 1
            current += char
        elif char.isspace() and depth <= 0:
            if current:
                words.append(current)
            current = ""
        else:
            current += char
        i += 1
    if quote:
        raise ValueError(f"a quote ({quote}) is never closed")
    if depth > 0:
        raise ValueError("a bracket is never closed")
    if current:
        words.append(current)
    return [shlex.split(w)[0] if w[0] in "'\"" and len(shlex.split(w)) == 1 else w for w in words]


def _problem(args):
    """What is wrong with the options, in one line, or None."""
    if args.order is not None and args.order < 1:
        return f"--order {args.order}: the order must be 1 or more."
    if args.of is not None:
        names = [n.strip() for n in args.of.split(",")]
        bad = [n for n in names if not n.isidentifier() or keyword.iskeyword(n)]
        if bad or not names:
            return f"--of {args.of}: give output names separated by commas, e.g. --of y,z."
    for option, name in (("--out", args.out), ("--graph-of", args.graph_of)):
        if name is not None and (not name.isidentifier() or keyword.iskeyword(name)):
            return f"{option} {name}: that is not a Python name."
    if args.save is not None:
        if Path(args.save).suffix.lower() not in _SAVE_SUFFIXES:
            return f"--save {args.save}: name the file with one of {', '.join(_SAVE_SUFFIXES)}."
        if args.no_graph and args.graph_kind is None:
            return "--save writes the graph, and --no-graph turns it off: drop one of them."
    return None


def _input_problem(text, name, equals, expression):
    if not name:
        return f"input {text!r} has no name: write name=expression, e.g. x=3."
    if not name.isidentifier() or keyword.iskeyword(name):
        return f"input {text!r}: {name!r} is not a Python name to bind the input to."
    if equals and not expression:
        return (f"input {text!r} has no value: write {name}=3, or a bare {name} for its "
                "current value.")
    try:
        compile(expression, "<input>", "eval")
    except SyntaxError:
        return (f"input {text!r}: {expression!r} is not a Python expression (an expression with "
                "spaces needs brackets: x=(a + 1)).")
    return None


def _usage():
    """The usage lines (IPython's formatter starts them with "::" for its docs; not here)."""
    lines = GradMagics.grad.parser.format_usage().split("::", 1)[-1].strip().splitlines()
    return "\n".join(["usage: " + lines[0]] + [" " * 14 + line.strip() for line in lines[1:]])
