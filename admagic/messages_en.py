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
    # ---- a nan through a branch np.where didn't take (branches.py) ----
    "note.unchosen_branch": {
        "one":   ("{keys} is nan here because of a branch np.where did not take (np.nan_to_num is "
                  "an np.where too): that branch still ran, at a point where it has no derivative "
                  "(like np.sqrt(x) at x = -1), and reverse mode multiplies the 0 it sends that "
                  "branch by the nan there: 0 × nan = nan. The derivative you want is the taken "
                  "branch's: keep the other branch finite where it is not taken, e.g. "
                  "np.sqrt(np.where(x > 0, x, 1.0)) for np.sqrt(x), or, with inputs that are "
                  "numbers, add --mode forward, whose tangents np.where chooses between."),
        "other": ("{keys} are nan here because of a branch np.where did not take (np.nan_to_num "
                  "is an np.where too): that branch still ran, at a point where it has no "
                  "derivative (like np.sqrt(x) at x = -1), and reverse mode multiplies the 0 it "
                  "sends that branch by the nan there: 0 × nan = nan. The derivatives you want are "
                  "the taken branch's: keep the other branch finite where it is not taken, e.g. "
                  "np.sqrt(np.where(x > 0, x, 1.0)) for np.sqrt(x), or, with inputs that are "
                  "numbers, add --mode forward, whose tangents np.where chooses between."),
    },
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
    "error.seed_not_a_name":    ("--seed {name}: give the name of an input, as --seed x, or an "
                                 "entry of a list or dict input as the cell reads it, with text "
                                 "keys in quotes: --seed \"params['w']\" or --seed \"layers[0]\"."),
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
    # ---- the setting %config GradMagics.order and friends (magic.py) ----
    "error.setting_at_least":   "GradMagics.{name} must be {least} or more.",
    # ---- refusals before a run: inputs, --mode, --seed, --trace, --explain (usage.py) ----
    "error.await":              ("line {line}: %%grad runs the cell as plain Python, where {what} "
                                 "can't be used at the top level. Await the value in a cell before "
                                 "(v = await f()) and use v here."),
    "error.input_not_identifier": "{name} can't be an input: inputs are Python names, like x or w1.",
    "error.input_dunder":       ("{name} can't be an input: names with two underscores on each side "
                                 "belong to Python itself, and binding one would break the cells "
                                 "after this one. Choose another name, like x or w1."),
    "error.input_ipython":      ("{name} can't be an input: IPython keeps its own things under that "
                                 "name, and binding it would break the notebook. Choose another "
                                 "name, like x or w1."),
    "error.input_problem":      "input {name}: {problem}",
    "error.input_container":    "input {problem}",
    "error.boolean_input":      "Can't differentiate with respect to a boolean; give a number.",
    "error.complex_input":      ("Complex numbers are not supported yet; differentiate the real and "
                                 "imaginary parts as two real inputs."),
    "error.not_numeric":        ("Can't differentiate with respect to {kind} (dtype {dtype}); give a "
                                 "number or a numeric array."),
    "error.empty_container":    ("{path} is an empty {kind}: there is nothing in it to differentiate "
                                 "with respect to. Leave it out of the inputs, or put a number or "
                                 "array in it."),
    "error.container_key":      ("{path} has the key {key}; %%grad names each entry by its key, as "
                                 "{path}['w'] or {path}[0], so keys must be text or whole numbers. "
                                 "Use admagic.grad(f) for other keys."),
    "error.structure_kind":     ("{path} is a {got}, but the {of} is a {wanted}: a {what} has the "
                                 "structure of the {of} it goes with, the same containers with the "
                                 "same keys, and a number or array of the same shape for each "
                                 "number or array."),
    "error.structure_keys":     ("{path} has the keys {got}, but the {of} has the keys {wanted}: a "
                                 "{what} has the structure of the {of} it goes with, the same keys "
                                 "and lengths."),
    "error.structure_length":   ("{path} has the length {got}, but the {of} has the length {wanted}: "
                                 "a {what} has the structure of the {of} it goes with, the same keys "
                                 "and lengths."),
    "error.shape_differs":      ("{path} has shape {got}, but the {of} has shape {wanted}: a {what} "
                                 "is shaped like the {of} it goes with."),
    "word.tangent":             "tangent",
    "word.primal":              "primal",
    "word.cotangent":           "cotangent",
    "word.output":              "output",
    "error.digits":             "a whole number of about {digits} digits",
    "error.too_large":          ("input {name}: {shown} is too large for a float (the largest is "
                                 "about 1.8e308), and admagic computes in floats. Rescale it, e.g. "
                                 "work in units of 1e300."),
    "error.mode":               ("--mode {mode}: the modes are forward (one tangent sweep per "
                                 "input) and reverse (one backward sweep per output, the default); "
                                 "write --mode forward or --mode reverse."),
    "error.forward_arrays": {
        "one":   ("--mode forward takes inputs that are numbers, and {names} is an array: an array "
                  "input would need one sweep per element. Drop --mode forward (reverse mode "
                  "handles arrays), or use admagic.jvp(f, (x,), (v,)) for the derivative along "
                  "one direction v."),
        "other": ("--mode forward takes inputs that are numbers, and {names} are arrays: an array "
                  "input would need one sweep per element. Drop --mode forward (reverse mode "
                  "handles arrays), or use admagic.jvp(f, (x,), (v,)) for the derivative along "
                  "one direction v."),
    },
    "error.seed_not_an_input":  ("--seed {seed}: that is not an input here; the inputs are: "
                                 "{inputs}. Write e.g. --seed {first}."),
    "error.seed_alone":         ("--seed {seed} picks whose tangents the trace or the graph shows: "
                                 "add --trace, or --mode forward."),
    "error.trace_backward":     ("--trace shows the evaluation trace of the cell's own computation, "
                                 "and --graph backward draws the computation of its derivatives "
                                 "instead: drop --graph backward (or --trace)."),
    "error.explain_array_inputs": {
        "one":   ("--explain writes the chain rule with numbers, and {names} is an array, whose "
                  "local partials are matrices. Give inputs that are numbers (e.g. w0=1.0 "
                  "w1=2.0), or drop --explain."),
        "other": ("--explain writes the chain rule with numbers, and {names} are arrays, whose "
                  "local partials are matrices. Give inputs that are numbers (e.g. w0=1.0 "
                  "w1=2.0), or drop --explain."),
    },
    "error.or_nested":          "{problem} Or ask for --method nested.",
    # ---- --trace and --explain after the run (textbook.py) ----
    "error.explain_array_outputs": {
        "one":   ("--explain writes the chain rule with numbers, and {names} is an array: along a "
                  "path through an array operation each local partial is a matrix (a Jacobian), "
                  "not a number, so the paths can't be written out with numbers. Compute what you "
                  "want explained as numbers (a0 = ...; a1 = ...) and name them with --of, or "
                  "drop --explain."),
        "other": ("--explain writes the chain rule with numbers, and {names} are arrays: along a "
                  "path through an array operation each local partial is a matrix (a Jacobian), "
                  "not a number, so the paths can't be written out with numbers. Compute what you "
                  "want explained as numbers (a0 = ...; a1 = ...) and name them with --of, or "
                  "drop --explain."),
    },
    "note.explain_arrays": {
        "one":   ("--explain: {names} is an array, so not explained (the local partials of array "
                  "operations are matrices)."),
        "other": ("--explain: {names} are arrays, so not explained (the local partials of array "
                  "operations are matrices)."),
    },
    "note.no_trace":            ("No output depends on the inputs, so there is no trace or chain "
                                 "rule to show."),
    # ---- the evaluation trace, --trace (evaltrace.py, tracetable.py) ----
    "trace.title":              ("Evaluation trace: {rows} rows; tangents seeded by {seed}, "
                                 "adjoints of {of}"),
    "trace.caption":            ("Evaluation trace ({rows} rows): tangents seeded by {seed} "
                                 "(d{seed} = 1), adjoints of {of} (seed v̄ = 1)"),
    "trace.row":                "row",
    "trace.cells_name":         "cell's name",
    "trace.definition":         "definition",
    "trace.value":              "value",
    "trace.partials":           "local partials",
    "trace.tangent":            "tangent v̇ = d(·)/d{seed}",
    "trace.adjoint":            "adjoint v̄ = d{of}/d(·)",
    "trace.input":              "input",
    "trace.seed":               " (seed)",
    "trace.matrix":             "(matrix)",
    "trace.more_rows": {
        "one":   "… {count} more row …",
        "other": "… {count} more rows …",
    },
    "trace.more_shares": {
        "one":   "… {count} more share …",
        "other": "… {count} more shares …",
    },
    "trace.no_output":          "No output depends on the inputs, so there is no trace to show.",
    "trace.no_output_called":   ("There is no output called {name} that depends on the inputs; "
                                 "choose one of: {names}."),
    "trace.no_seed":            ("There is no input called {name} to seed the tangents with; the "
                                 "inputs are: {names}."),
    # ---- the chain rule, --explain (chainrule.py) ----
    "explain.no_path":          "({output} does not depend on {input})",
    "explain.by_tangents":      ("(by a tangent sweep: the paths pass through arrays, whose local "
                                 "partials are matrices, so they are not written out)"),
    "explain.more_factors":     "… ({count} more) …",
    "explain.paths":            "{count} paths from {input} to {output}",
    "explain.sum":              "Σ over the {paths} of the product of the local partials along each",
    "explain.first":            "(the first: {example})",
    "error.explain_numbers": {
        "one":   ("The chain rule is written out for numbers; {names} is an array. Explain one "
                  "element at a time: name it in the cell, e.g. {first}0 = {first}[0], and give "
                  "number inputs."),
        "other": ("The chain rule is written out for numbers; {names} are arrays. Explain one "
                  "element at a time: name it in the cell, e.g. {first}0 = {first}[0], and give "
                  "number inputs."),
    },
    # ---- --plot (plot.py, extras.py) ----
    "plot.install":             ("--plot draws with matplotlib, which is not installed here. Install "
                                 "it with: pip install 'admagic[plot]'   (or: pip install "
                                 "matplotlib)"),
    "plot.count_words":         "zero, one, two, three, four",
    "plot.one_input_line":      ("--plot draws a function of one input, and this line gives {count} "
                                 "({names}): give one, e.g. %%grad x=1 --plot."),
    "plot.one_input":           ("--plot draws a function of one input; this cell has {count} "
                                 "({names}). Give one, e.g. %%grad x=1 --plot."),
    "plot.container":           ("--plot draws against one number or 1-D array, and {name} is a "
                                 "{kind}. Give the number as the input itself, e.g. "
                                 "%%grad a={name}['a'] --plot."),
    "plot.shape":               ("--plot draws against a number or a 1-D array; {name} has shape "
                                 "{shape}. Give {name}=np.linspace(-1, 1, 50) or a number."),
    "plot.order":               "order must be a whole number, 1 or more (got {order}).",
    "plot.low_to_high":         ("The range to plot must go from low to high: got {lo}:{hi}; write "
                                 "it as --plot {low}:{high}."),
    "plot.array_no_range":      ("{name} is an array: the plot is drawn at its points, so it takes "
                                 "no range. Leave the range out, or give a number."),
    "plot.raised":              "it raised {error} with every point at once",
    "plot.not_elementwise":     "{output} at {point} alone is not what it is with all points at once",
    "plot.needs_elementwise":   ("--plot with an array input needs a cell that works elementwise "
                                 "(y[i] from {name}[i] alone), but {why}. Give {name} as a number "
                                 "to plot around it instead."),
    "plot.no_output_short":     "no output depends on {name}",
    "plot.shape_differs":       "an output has shape {shape}, not the points' {points}",
    "plot.no_output":           ("No output of the cell depends on {name}, so there is nothing to "
                                 "plot. Assign something computed from it, e.g. y = x * x."),
    "plot.numbers_only":        ("--plot draws outputs that are numbers; {output} has shape "
                                 "{shape}. Pick one with --of NAME."),
    "plot.range_syntax":        "--plot takes a range as LO:HI, like --plot -3:3 (got {text}).",
    "plot.tangent_at":          "tangent at {point}",
    "plot.title_around": {
        "one":   "{output} and its derivative around {point}",
        "other": "{output} and its derivatives around {point}",
    },
    "plot.title_at": {
        "one":   "{output} and its derivative at the points of {name}",
        "other": "{output} and its derivatives at the points of {name}",
    },
    # ---- --step: the step-through's captions and buttons (stepper.py, static/stepper.js) ----
    "step.install":             ('Stepping through the sweep needs the anywidget package: pip '
                                 'install "admagic[step]" (or pip install anywidget), then restart '
                                 'the kernel.'),
    "step.too_many":            ("This sweep has {steps} steps, more than the {limit} the "
                                 "step-through shows; step through a smaller case (fewer loop "
                                 "iterations, a shorter array) to watch it."),
    "step.before":              ("Before the sweep: {band} = 1, the seed; every other gradient is "
                                 "still unknown ({blank})."),
    "step.how":                 ("Each step takes the latest node not yet visited and sends its "
                                 "gradient back to its inputs."),
    "step.step":                ("Step {k} of {n}: {name} has {band} = {value}; it sends "
                                 "g × ∂{name}/∂(input) back along each in-edge."),
    "step.to":                  "to {name}: {how}  →  {band} = {sum}",
    "step.final":               "  (final)",
    "step.done":                ("Done: every gradient is final. This is the graph %%grad draws: "
                                 "each input's gradient is the sum of the shares it received."),
    "step.sends":               "sends {amount}",
    "step.forward_before":      ("Before the sweep: the tangents of the inputs, ∂{seed}/∂{seed} = 1 "
                                 "(the seed) and 0 for every other input; the rest are still "
                                 "unknown ({blank})."),
    "step.forward_how":         ("Each step takes the next operation in the order they ran and adds "
                                 "up what its in-edges bring: local partial × that input's "
                                 "tangent."),
    "step.forward_step":        "Step {k} of {n}: {name} adds up what its in-edges bring: {band} = {sum}.",
    "step.from":                "from {name}: {how}",
    "step.forward_done":        ("Done: every tangent is known. The output's is its derivative with "
                                 "respect to {seed}, the same number reverse mode finds as {seed}'s "
                                 "gradient."),
    "step.start":               "« start",
    "step.start_title":         "Before the sweep",
    "step.previous":            "◀ previous",
    "step.previous_title":      "Previous step (←)",
    "step.play":                "▶ play",
    "step.pause":               "⏸ pause",
    "step.play_title":          "Play the sweep",
    "step.next":                "next ▶",
    "step.next_title":          "Next step (→)",
    "step.slider_title":        "Drag to any step",
}
