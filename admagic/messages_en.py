"""The English table of `messages.py`: every text admagic shows a reader, by key.

`messages_zh.py` has the same keys in the same order, with the same ``{fields}``; the
mathematics (``dy/dx``, ``∂z/∂y``) and the Python (``np.sin(x)``, ``--of``) are the same in both.
An entry is a `str.format` template, or a dict ``{"one": ..., "other": ...}`` where English needs
a plural, chosen by the field ``count``.
"""

# In the same order as messages_zh.ZH, key for key: a reader checks one against the other.
EN = {
    # ---- the result's table (table.py) ----
    "table.caption":            "at {inputs}",
    "table.caption_by":         "{at} · by {method}",
    "method.taylor":            "Taylor mode",
    "method.interpolation":     "Taylor interpolation",
    "method.reverse":           "reverse mode",
    "method.nested":            "nested reverse mode",
    "method.forward":           "forward mode",
    "method.forward_then":      "forward mode (order 1), {higher} (higher)",
    "table.value":              "value",
    "table.by_finite_differences": "{header} by finite differences",
    "table.finite_differences": "finite diff.",
    "table.error":              "error {error}",
    "table.elementwise":        " (elementwise)",
    "table.elementwise_note":   "elementwise",
    "table.failed":             "failed: {error}",
    "table.no_outputs":         ("No output depends on the inputs: assign something computed "
                                 "from them, e.g. y = x * x."),
    "table.graph_line":         ("graph: {name}.graph; {name}.save('graph.svg') writes it (or "
                                 ".png, .pdf, .dot)"),
    # ---- the tooltips of the table's numbers (result.py) ----
    "hint.check_raised":        "at {name} ± h the cell raised {error}",
    "hint.not_computed":        "not computed: {reason}",
    "hint.not_computed_size":   ("not computed: {size} numbers, over the limit of {limit} "
                                 "(max_derivative_size)"),
    # ---- notes under the table (cell.py, table.py) ----
    "note.constant": {
        "one":   ("{names} does not depend on {inputs} at this point: the branch the cell took "
                  "here (an if, a max or a min) doesn't use {inputs}, so the derivatives shown "
                  "are 0."),
        "other": ("{names} do not depend on {inputs} at this point: the branch the cell took "
                  "here (an if, a max or a min) doesn't use {inputs}, so the derivatives shown "
                  "are 0."),
    },
    "note.container":           ("{name} is a {kind}; admagic differentiates numbers and arrays, "
                                 "so its items are not shown: write np.stack({name}) for one "
                                 "array (or name the items, y0, y1 = ...)."),
    "note.not_computed":        ("Not computed, over max_derivative_size={limit} numbers: {keys}. "
                                 "Ask for less with --of NAME or a lower --order, or raise it: "
                                 "%config GradMagics.max_derivative_size = N."),
    "note.no_graph":            "No output depends on the inputs, so there is no graph to draw.",
    "note.graph_failed":        "The graph could not be drawn: {error}",
    "note.and":                 "{first} and {last}",
    # ---- the graph's legend and labels (graph.py, render.py) ----
    "graph.input":              "input",
    "graph.operation":          "operation",
    "graph.output":             "output",
    "graph.gradients":          "∂{output}/∂(node): gradients of {output}",
    "graph.tangents":           "∂(node)/∂{seed}: tangents, forward mode seeded by {seed}",
    "graph.no_gradients":       "no output depends on the inputs: no gradients",
    "graph.edge_partials":      "on the edges: local partial derivatives",
    "graph.copies":             ("dashed boxes ({names}): the same value again, drawn beside each "
                                 "further use to keep the picture small"),
    "graph.roundoff_gradient":  ("{line}{value} as computed: round-off, shown as 0 (the terms summed "
                                 "into it cancel)"),
    "graph.roundoff_value":     ("{line} = {value} as computed: round-off, shown as 0 (the terms "
                                 "summed cancel)"),
    "graph.summarised":         "summarised: {shown} of {total} values drawn (max_nodes={max_nodes})",
    "graph.more_operations": {
        "one":   "… {count} more operation …",
        "other": "… {count} more operations …",
    },
    "graph.more_steps":         "… {steps} more steps …",
    "graph.steps_of":           "{count} operations, {period} a step",
    "graph.more_inputs": {
        "one":   "and {count} more input",
        "other": "and {count} more inputs",
    },
    "graph.backward_title":     "the backward pass: how the first derivatives were computed",
    "graph.picture":            "the computation graph",
    "graph.plain_text":         ("<the computation graph: a notebook shows it; .save('graph.svg') "
                                 "writes it, or .png, .pdf, .dot>"),
    "graph.install":            ('To draw the graph, install a layout engine: pip install '
                                 '"admagic[render]" (or Graphviz itself: apt install graphviz, '
                                 'brew install graphviz, or conda install graphviz).'),
    "graph.no_gradient_for":    ("{name} does not depend on the inputs, so it has no gradient to "
                                 "show. Choose one of: {names}."),
    "graph.no_output_called":   ("There is no output called {name}; the outputs that depend on the "
                                 "inputs are: {names}."),
    "graph.none":               "(none)",
    "error.max_nodes":          "max_nodes={max_nodes} leaves no room for a picture; give 3 or more.",
    "graph.dot_source":         ("the computation graph, as DOT source (no layout engine here to "
                                 "draw it)"),
    "graph.no_graph_to_save":   ("This result has no graph to save (it was made without one, or "
                                 "nothing in the cell depends on the inputs)."),
    # ---- errors: the %%grad line (magic.py) ----
    "error.bad_line":           "can't read the line: {problem}",
    "error.quote_not_closed":   "a quote ({quote}) is never closed",
    "error.bracket_not_closed": "a bracket is never closed",
    "error.no_code":            "%%grad needs code in the cell below its line, e.g. y = x * x.",
    "error.no_inputs":          ("give at least one input to differentiate with respect to, "
                                 "e.g. %%grad x=3"),
    "error.input_twice":        "input {name} is given twice; give each input once.",
    "error.input_without_name": "input {text} has no name: write name=expression, e.g. x=3.",
    "error.input_not_a_name":   "input {text}: {name} is not a Python name to bind the input to.",
    "error.input_without_value": ("input {text} has no value: write {name}=3, or a bare {name} "
                                  "for its current value."),
    "error.input_not_an_expression": ("input {text}: {expression} is not a Python expression (an "
                                      "expression with spaces needs brackets: x=(a + 1))."),
    "error.of_not_names":       "--of {given}: give output names separated by commas, e.g. --of y,z.",
    "error.not_a_python_name":  "{option} {name}: that is not a Python name.",
    "error.save_suffix":        "--save {path}: name the file with one of {suffixes}.",
    "error.save_folder":        ("--save {path}: the folder {folder} doesn't exist; create it "
                                 "first (os.makedirs) or save into a folder that exists."),
    "error.save_without_graph": ("--save writes the graph, and --no-graph turns it off: drop one "
                                 "of them."),
    # ---- errors: the cell and its names (cell.py, result.py) ----
    "error.no_input":           "Give at least one input to differentiate with respect to, e.g. x=3.",
    "error.not_set_by_cell":    "{name} is not set by the cell (it sets: {names}).",
    "error.cell_did_not_set":   "The cell did not set {missing}; it set: {names}.",
    "error.nothing":            "nothing",
    "error.not_a_number":       ("{name} is a {kind}, not a number or array, so it has no "
                                 "derivative."),
    "error.taylor_one_input":   ("--taylor writes a polynomial in one variable: give exactly one "
                                 "input, a number (e.g. x=3)."),
    "error.graph_of_not_an_output": ("--graph-of {name}: that is not an output here; the outputs "
                                     "are: {outputs}."),
    "error.unknown_output":     "{name} is not an output here; the outputs are: {outputs}.",
    "error.no_such_key":        "No derivative {key} here. The keys are: {keys}.",
    "error.no_trace":           ("{name} has no trace: run the cell with --trace to see the "
                                 "reverse sweep step by step."),
    "error.unknown_input":      "{name} is not an input here; the inputs are: {inputs}.",
    "error.order_too_high":     ("{key} is a derivative of order {order}, but this result has "
                                 "order {result_order}: run it with --order {order}."),
    "error.was_not_computed":   ("{key} was {reason}. Ask for less (fewer outputs with --of, a "
                                 "lower --order) or raise max_derivative_size."),
    # ---- errors: a traced value used where its derivative would be lost (traced.py) ----
    "error.drops_derivative":   ("{what} would drop the derivative: this value is being traced. "
                                 "{advice} (To read the number anyway, use .numpy(), which "
                                 "detaches it.)"),
    "error.as_index":           "Using it as an index or int",
    "error.array_of_traced":    "np.array()/np.asarray() of a traced value",
    "error.array_or_dot":       "np.array()/np.asarray() (or a plain array's A.dot(x))",
    "error.exact_arithmetic":   "Exact arithmetic (statistics, fractions)",
    "error.use_numpy_functions": ("Inside traced code use NumPy functions on it, e.g. np.sin(x) "
                                  "instead of math.sin(x); to put traced values in an array, build "
                                  "it with np.array([x, y]), not a[i] = x."),
    "error.use_np_stack":       ("NumPy can't see traced values in a list: make it an array first, "
                                 "np.sum(np.array([x, y])) for np.sum([x, y]); for a plain array A, "
                                 "write A @ x or np.dot(A, x), not A.dot(x)."),
    "error.use_numpy_statistics": ("Use NumPy instead: np.mean(np.stack([x, 2 * x])) for "
                                   "statistics.mean([x, 2 * x])."),
    "error.keep_it_an_array":   "Keep it an array: index it (w[0]) or loop over it (for wi in w).",
    "error.tape_used":          ("This Tape already answered gradient() once. To ask for several "
                                 "gradients, record with Tape(persistent=True)."),
    "error.changed_in_place":   ("Traced arrays can't be changed in place (w[i] = ...). Build a "
                                 "new array instead, e.g. with np.where(mask, new, w) or np.concatenate."),
    "error.unsupported_language": ("admagic speaks {languages}; {given} is not one of them."),
}
