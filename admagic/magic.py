"""``%%grad``: the cell magic. It parses its line, calls `admagic.cell.differentiate`, and displays.

>>> %load_ext admagic                                    # doctest: +SKIP
>>> %%grad x=3 --order 2                                 # doctest: +SKIP
... y = x * x

Defaults a user sets once are traitlets: ``%config GradMagics.order = 2``.

When the cell fails, the student sees an ordinary traceback that starts at their cell and ends at
their line, and the error keeps nothing traced alive (IPython keeps the last error for ``%debug``).
"""

import inspect
import keyword
import os
import shlex
import types
from pathlib import Path

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments
from IPython.display import display
from traitlets import Bool, Integer, TraitError, validate

from . import extras, messages, usage
from .language import LanguageSetting
from .cell import DEFAULT_MAX_DERIVATIVE_SIZE, DEFAULT_MAX_NODES, GradUsageError, differentiate
from .namespace import clean_namespace
from .render import FORMATS
from .taylor import MAX_ORDER, check_order

_JOINING_KEYWORDS = {"if", "else", "and", "or", "not", "in", "is", "lambda", "for"}
_PACKAGE = os.path.dirname(os.path.abspath(__file__))


@magics_class
class GradMagics(Magics, LanguageSetting):
    """The ``%%grad`` magic, and the defaults it reads (``%config GradMagics``; ``language`` is
    `language.LanguageSetting`'s)."""

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
        name = proposal["trait"].name
        least = 3 if name == "max_nodes" else 1
        if proposal["value"] < least:
            raise TraitError(messages.text("error.setting_at_least", name=name, least=least))
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
    @argument("--plot", nargs="?", const="", default=None, metavar="LO:HI",
              help="plot each output and its derivatives around the input (x ± 2, or LO:HI); "
                   "needs matplotlib: pip install 'admagic[plot]'")
    @argument("--step", action="store_true",
              help="step through the backward sweep on the graph, one node at a time (previous, "
                   "next, play); needs anywidget: pip install 'admagic[step]'")
    @argument("--edges", action="store_true",
              help="label each edge of the graph with its local partial derivative")
    @argument("--taylor", action="store_true",
              help="also show each output's Taylor polynomial around the input, to --order "
                   "(one input, a number)")
    @argument("--graph", dest="graph_kind", choices=("forward", "backward"), default=None,
              help="draw the cell's own computation (forward, the default) or the one that "
                   "computed the first derivatives (backward)")
    @argument("--method", choices=("auto", "nested"), default="auto",
              help="how orders 2 and up are computed: auto (Taylor mode for numbers, the fast "
                   "way) or nested (nested reverse mode, the way tapes are nested by hand)")
    @argument("--mode", metavar="MODE", default="reverse",
              help="how the first derivatives are computed: reverse (one backward sweep per "
                   "output, the default) or forward (one tangent sweep per input; the graph "
                   "shows each node's tangent)")
    @argument("--trace", action="store_true",
              help="show the evaluation trace under the table: each operation's value, local "
                   "partials, tangent and adjoint, as in the textbooks (stored as _grad.trace)")
    @argument("--seed", metavar="NAME", default=None,
              help="the input whose tangents the trace and the forward-mode graph show "
                   "(default: the first)")
    @argument("--explain", action="store_true",
              help="write out the chain rule with numbers, path by path (stored as "
                   "_grad.explanation)")
    @cell_magic
    def grad(self, line, cell):
        """Run the cell with its inputs traced; show values and derivatives, and the graph.

        Examples:

            %%grad x=3
            y = x * x                  # shows y = 9, dy/dx = 6

            %%grad x=3 --order 2
            y = x * x
            z = y * y                  # dy/dx = 6, d2y/dx2 = 2, dz/dx = 108, d2z/dx2 = 108

            %%grad w=np.array([1.0, 2.0]) --of loss --check
            loss = np.sum(w ** 2)      # dloss/dw = 2w, beside its finite-difference estimate

            %%grad x=3 --order 2 --taylor
            y = x * x                  # also y ≈ 9 + 6(x−3) + (x−3)²

            %%grad x1=2 x2=5 --mode forward --trace
            y = np.log(x1) + x1 * x2 - np.sin(x2)   # the evaluation trace, with tangents

            %%grad x=2 y=3 --explain
            f = x * y + np.sin(x)      # ∂f/∂x = 1 × 3 + 1 × (-0.4161) = 2.584

        Inputs may be written with spaces and separated by commas (x = 3, y = x + 1); an input
        may use the ones before it (x=3 y=x*2).

        With one input that is a number, orders 2 and up come from Taylor mode, so --order 12 is
        instant.

        The result is stored as _grad (and under --out NAME): _grad['dy/dx'],
        _grad.d('z', 'x', 'y'), _grad.values, _grad.graph.
        """
        __tracebackhide__ = True
        args, inputs = self._parse(line)
        if not cell.strip():
            raise UsageError(f"{messages.text('error.no_code')}\n{_usage()}")
        # Cache the cell's text under a name IPython knows, so tracebacks show "Cell In[n]" and
        # its lines; the code is compiled with line 1 = the %%grad line, as the user sees it.
        source = f"%%grad {line}\n{cell}"
        filename = self.shell.compile.cache(source, self._cell_number(), raw_code=source)
        graph = args.graph_kind is not None or (self.graph and not args.no_graph)
        try:
            values = self._input_values(inputs, filename)
            result = differentiate(
                self.shell.transform_cell(cell), values, order=args.order or self.order,
                of=args.of, namespace=self.shell.user_ns, graph=graph, graph_of=args.graph_of,
                edges=args.edges, graph_kind=args.graph_kind or "forward",
                max_nodes=self.max_nodes, max_derivative_size=self.max_derivative_size,
                check=args.check, taylor=args.taylor, mode=args.mode, trace=args.trace,
                seed=args.seed, explain=args.explain, step=args.step, filename=filename,
                first_line=2, name=args.out or "_grad", method=args.method)
        except GradUsageError as error:
            _release(error)
            raise UsageError(f"{error}\n{_usage()}") from None
        except SyntaxError as error:  # shown as the cell's own: its line and a caret, no frames
            raise error.with_traceback(None) from None
        except (Exception, KeyboardInterrupt) as error:
            raise self._as_the_cells_own(error, filename)
        self.shell.user_ns["_grad"] = result
        if args.out:
            self.shell.user_ns[args.out] = result
        if args.step:
            extras.show_stepper(result, show_trace=args.trace, mode=args.mode or "reverse")
        else:
            display(result)
        # Each its own output, so each view stays itself: HTML or text for the trace, LaTeX or
        # text for the polynomial and the chain rule.
        for view in (None if args.step else result.trace, result.explanation, result.taylor):
            if view is not None:
                display(view)
        if args.plot is not None:
            extras.show_plot(self.shell.transform_cell(cell), values, self.shell.user_ns,
                             order=args.order or self.order, span=args.plot, of=args.of,
                             save=args.save)
        if args.save:
            result.save(args.save)

    def _parse(self, line):
        """The line's options, and its inputs as (name, expression) pairs; UsageError if bad."""
        try:
            args = GradMagics.grad.parser.parse_intermixed_args(
                extras.plot_range_joined(_split_line(line)))
        except UsageError as error:
            raise UsageError(f"{error}\n{_usage()}") from None
        except ValueError as error:  # an unclosed quote or bracket
            raise UsageError(f"{messages.text('error.bad_line', problem=error)}\n{_usage()}") from None
        problem = _problem(args)
        if problem:
            raise UsageError(f"{problem}\n{_usage()}")
        inputs = []
        for text in _input_words(args.inputs):
            name, equals, expression = text.partition("=")
            name, expression = name.strip(), expression.strip()
            if not equals:
                expression = name
            problem = _input_problem(text, name, equals, expression)
            if problem:
                raise UsageError(f"{problem}\n{_usage()}")
            if name in (n for n, _ in inputs):
                raise UsageError(f"{messages.text('error.input_twice', name=name)}\n{_usage()}")
            inputs.append((name, expression))
        if not inputs:
            raise UsageError(f"{messages.text('error.no_inputs')}\n{_usage()}")
        problem = extras.plot_problem(args.plot, inputs)
        if problem:
            raise UsageError(f"{problem}\n{_usage()}")
        args.of = [n.strip() for n in args.of.split(",")] if args.of is not None else None
        return args, inputs

    def _input_values(self, inputs, filename):
        """Each input's value, in the line's order: an input sees the ones before it (x=3 y=x*2),
        and otherwise the notebook's names."""
        values = {}
        for name, expression in inputs:
            scope = {**self.shell.user_ns, **values} if values else self.shell.user_ns
            values[name] = eval(compile(expression, filename, "eval"), scope)
        return values

    def _cell_number(self):
        """This cell's execution count: IPython 9 has already counted it when the magic runs,
        IPython 7 and 8 not yet; the result of the cell being run knows, in all."""
        running = getattr(self.shell.displayhook, "exec_result", None)
        number = getattr(running, "execution_count", None)
        return self.shell.execution_count if number is None else number

    def _as_the_cells_own(self, error, filename):
        """`error`, ready to re-raise as if the cell had raised it itself: its traceback runs from
        the cell's first frame to the line that failed, and it holds no traced value."""
        tb = _from_the_cell(error.__traceback__, filename)
        _detrace(error)
        if tb is None:  # admagic failed before the cell ran: show all of it
            _release(error)
            return error
        # IPython shows an exception's _render_traceback_ if it has one (its protocol for
        # exceptions that format themselves): here the frames from the cell on, none of the magic's.
        shown = self.shell.InteractiveTB.structured_traceback(type(error), error, tb, tb_offset=0)
        try:
            error._render_traceback_ = lambda: shown
        except AttributeError:  # an exception class with __slots__: IPython's own view then
            pass
        _release(error)
        return error.with_traceback(tb)


def _from_the_cell(tb, filename):
    """A copy of traceback `tb` from the first frame in the cell's `filename` on, without the
    admagic frames at its end (the line that failed is the student's, not admagic's check that
    noticed). None if the error never reached the cell."""
    entries = []
    while tb is not None:
        if entries or tb.tb_frame.f_code.co_filename == filename:
            entries.append(tb)
        tb = tb.tb_next
    while len(entries) > 1 and _in_admagic(entries[-1].tb_frame):
        entries.pop()
    trimmed = None
    for entry in reversed(entries):
        trimmed = types.TracebackType(trimmed, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    return trimmed


def _in_admagic(frame):
    return os.path.dirname(os.path.abspath(frame.f_code.co_filename)) == _PACKAGE


def _detrace(error):
    """Plain values in `error`'s arguments and attributes (`raise ValueError(y)` in a cell)."""
    holder = {"args": error.args}
    clean_namespace(holder)
    if holder["args"] is not error.args:
        try:
            error.args = holder["args"]
        except (AttributeError, TypeError):
            pass
    if isinstance(getattr(error, "__dict__", None), dict):
        clean_namespace(error.__dict__)


def _release(error):
    """Let go of every traced value `error` and the exceptions chained to it still reach.

    IPython keeps the last error (sys.last_value, sys.last_traceback) for %debug, and a traceback
    keeps its frames' variables alive: admagic's frames hold the tapes, and the student's own
    functions their traced arguments. Finished frames are cleared, except module-level ones (the
    cell's own, whose variables are the notebook's already cleaned names).
    """
    seen, pending = set(), [error]
    while pending:
        exception = pending.pop()
        if exception is None or id(exception) in seen:
            continue
        seen.add(id(exception))
        if exception is not error:
            _detrace(exception)
        tb = exception.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_flags & inspect.CO_NEWLOCALS:  # not module-level code
                _clear(tb.tb_frame)
            tb = tb.tb_next
        pending += [exception.__context__, exception.__cause__]


def _clear(frame):
    """Drop a finished frame's variables, also from the copy of them (f_locals) that a verbose
    traceback took: reading f_locals after clear() brings that copy up to date."""
    try:
        frame.clear()
    except RuntimeError:  # a frame still running: the magic's own, which holds no tape
        return
    frame.f_locals  # noqa: B018


def _split_line(line):
    """The line's words, split at spaces outside brackets and quotes: ``w=np.ones((2, 3)) -n 2``
    gives ``["w=np.ones((2, 3))", "-n", "2"]``. A word that is all one quoted string is unquoted."""
    words = _split(line, str.isspace)
    return [shlex.split(w)[0] if w[0] in "'\"" and len(shlex.split(w)) == 1 else w for w in words]


def _input_words(words):
    """The inputs as the student meant them. A word that can't start an input (``=``, ``+ 1``,
    ``if``) or that follows an operator continues the input before it, so ``x = 3`` is ``x=3`` and
    ``y = x + 1`` one input; commas outside brackets separate inputs (``x=3, y=2``)."""
    joined = []
    for word in words:
        if joined and (_continues(joined[-1]) or not _starts_an_input(word)):
            joined[-1] += " " + word
        else:
            joined.append(word)
    return [piece.strip() for word in joined for piece in _split(word, ",".__eq__) if piece.strip()]


def _starts_an_input(word):
    """`name` or `name=...` (not ``==``), the name not a keyword."""
    name, equals, rest = word.partition("=")
    return (name.isidentifier() and not keyword.iskeyword(name)
            and (not equals or not rest.startswith("=")))


def _continues(text):
    """Whether `text` ends in an operator or keyword, so the next word must belong to it."""
    last = text.split()[-1]
    return last in _JOINING_KEYWORDS or not last.isidentifier() and last[-1] in "=+-*/%@&|^<>~,"


def _split(text, is_separator):
    """`text` cut at the characters `is_separator` accepts, outside brackets and quotes."""
    words, current, depth, quote, i = [], "", 0, None, 0
    while i < len(text):
        char = text[i]
        if quote:
            current += char
            if char == "\\" and i + 1 < len(text):
                current += text[i + 1]
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
        elif is_separator(char) and depth <= 0:
            if current:
                words.append(current)
            current = ""
        else:
            current += char
        i += 1
    if quote:
        raise ValueError(messages.text("error.quote_not_closed", quote=quote))
    if depth > 0:
        raise ValueError(messages.text("error.bracket_not_closed"))
    if current:
        words.append(current)
    return words


def _problem(args):
    """What is wrong with the options, in one line, or None."""
    if args.order is not None:
        try:
            check_order(args.order, 1, MAX_ORDER)
        except ValueError as problem:
            return f"--order {args.order}: {problem}"
    if args.of is not None:
        names = [n.strip() for n in args.of.split(",")]
        bad = [n for n in names if not n.isidentifier() or keyword.iskeyword(n)]
        if bad or not names:
            return messages.text("error.of_not_names", given=args.of)
    for option, name in (("--out", args.out), ("--graph-of", args.graph_of),
                         ("--seed", args.seed)):
        if name is not None and usage.name_problem(option, name):  # --seed params['w'] too
            return usage.name_problem(option, name)
    if args.save is not None:
        if Path(args.save).suffix.lower() not in FORMATS:
            return messages.text("error.save_suffix", path=args.save, suffixes=", ".join(FORMATS))
        folder = Path(args.save).parent
        if not folder.is_dir():
            return messages.text("error.save_folder", path=args.save, folder=folder)
        if args.no_graph and args.graph_kind is None:
            return messages.text("error.save_without_graph")
    return None


def _input_problem(text, name, equals, expression):
    if not name:
        return messages.text("error.input_without_name", text=repr(text))
    if not name.isidentifier() or keyword.iskeyword(name):
        return messages.text("error.input_not_a_name", text=repr(text), name=repr(name))
    if equals and not expression:
        return messages.text("error.input_without_value", text=repr(text), name=name)
    try:
        compile(expression, "<input>", "eval")
    except SyntaxError:
        return messages.text("error.input_not_an_expression", text=repr(text),
                             expression=repr(expression))
    return None


def _usage():
    """The usage lines (IPython's formatter starts them with "::" for its docs; not here)."""
    lines = GradMagics.grad.parser.format_usage().split("::", 1)[-1].strip().splitlines()
    return "\n".join(["usage: " + lines[0]] + [" " * 14 + line.strip() for line in lines[1:]])


def _plain_help(doc):
    """`%%grad?` as plain text: IPython's formatter writes the usage as a reST block ("::")."""
    head, marker, tail = doc.partition("::\n")
    return f"Usage:\n{tail}" if marker and not head.strip() else doc


GradMagics.grad.__doc__ = _plain_help(GradMagics.grad.__doc__)
