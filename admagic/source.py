"""The cell's code: compiled to run, and read as text for what it binds.

`Cell` compiles the code once (its last expression apart: it is an output if it has no name) and
finds, from the text, the names the cell binds and which of them it computes from its inputs. Every
walk over the syntax tree is a loop with a stack, not a recursion: a 500-term sum is an expression
500 levels deep, which plain Python runs.
"""

import ast
import hashlib
import linecache


class Cell:
    """The cell's code, compiled: its statements, its last expression apart, the names it binds."""

    def __init__(self, code, filename, first_line):
        if filename is None:  # named by its text, so running the same code again adds nothing
            digest = hashlib.sha1(f"{first_line}:{code}".encode("utf-8")).hexdigest()[:10]
            filename = f"<grad-cell {digest}>"
        if filename not in linecache.cache:  # so tracebacks can show the cell's lines
            lines = ("\n" * (first_line - 1) + code).splitlines(keepends=True)
            linecache.cache[filename] = (len(code), None, lines, filename)
        # Blank lines in front keep line numbers (in tracebacks, in SyntaxErrors) the user's own.
        tree = ast.parse("\n" * (first_line - 1) + code, filename, "exec")
        self.filename = filename
        self.statements = list(tree.body)
        self.bound = _stored_names(tree)
        self.last_source = None
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = tree.body.pop().value
            if not isinstance(last, ast.Name):
                self.last_source = " ".join(ast.get_source_segment(code, _shifted(last, first_line))
                                            .split()) or "_"
        self.body = compile(tree, filename, "exec")
        self.last = None if last is None else compile(ast.Expression(last), filename, "eval")

    def run(self, namespace):
        """Run the cell in `namespace`; give the value of its last expression (None if none)."""
        exec(self.body, namespace)
        return eval(self.last, namespace) if self.last is not None else None

    def depends(self, inputs):
        """The names the cell computes from `inputs`, going by its text: those bound by a statement
        that reads one of them (or runs under an ``if``/``while`` that does)."""
        related = set(inputs)
        while True:  # again until nothing is added: in a loop, a later line can feed an earlier
            size = len(related)
            pending = [(statement, False) for statement in reversed(self.statements)]
            while pending:
                statement, under = pending.pop()
                if isinstance(statement, (ast.If, ast.While)):
                    under = under or _reads(statement.test, related)
                    inner = statement.body + statement.orelse
                elif isinstance(statement, (ast.For, ast.AsyncFor)):
                    if under or _reads(statement.iter, related):
                        related.update(_stored_names(statement.target))
                    inner = statement.body + statement.orelse
                elif isinstance(statement, (ast.With, ast.AsyncWith)):
                    inner = statement.body
                elif isinstance(statement, ast.Try):
                    inner = (statement.body + [s for h in statement.handlers for s in h.body]
                             + statement.orelse + statement.finalbody)
                else:
                    inner = []
                    if under or _reads(statement, related):
                        related.update(_stored_names(statement))
                pending.extend((s, under) for s in reversed(inner))
            if len(related) == size:
                return related - set(inputs)


def _shifted(node, first_line):
    """A copy of `node`'s position relative to the code as given (without the padding lines)."""
    copy = ast.Expr()
    copy.lineno, copy.end_lineno = node.lineno - first_line + 1, node.end_lineno - first_line + 1
    copy.col_offset, copy.end_col_offset = node.col_offset, node.end_col_offset
    return copy


def _stored_names(tree):
    """Names `tree` binds in its own scope, in the order first bound. A loop with a stack, not a
    recursion: a 500-term sum is an expression 500 deep."""
    names = {}  # a dict keeps the order of first binding
    pending = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Store):
                names.setdefault(node.id, None)
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.setdefault(node.name, None)  # a def binds its name; its body is another scope
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            children = [node.value] + targets if node.value is not None else targets  # value first
        elif isinstance(node, ast.comprehension):  # its loop variable stays inside it
            children = [node.iter] + node.ifs
        else:
            children = list(ast.iter_child_nodes(node))
        pending.extend(reversed(children))
    return list(names)


def _reads(tree, names):
    """Whether `tree` reads any of `names` (`ast.walk` is a loop, not a recursion)."""
    return any(isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in names
               for node in ast.walk(tree))
