"""The working shown under a wrong cell: the layer's figure written out with its numbers.

Every text is generated from the layer's own rules (:func:`shapecalc.worked.figures` runs the kind's
``infer`` and ``counts`` on numbers that remember their arithmetic), so that it cannot disagree with the
figure it explains:

>>> from shapecalc import summary
>>> s = summary("cnn-39x31")
>>> print(formula(s["conv1"], "output"))
output = H × W × C: H = (39 − 4)/1 + 1 = 36, W = (31 − 4)/1 + 1 = 28, C = 20
>>> print(formula(s["conv1"], "params"))
params = weights + biases = 4 × 4 × 1 × 20 + 20 = 320 + 20 = 340
>>> print(formula(s["flatten"], "output"))
N = 2 × 1 × 80 = 160
"""

from .shapes import format_int, format_shape

__all__ = ["formula", "figures_of"]

#: the figures of :func:`shapecalc.worked.figures` that are counts, not output axes
_COUNT_FIGURES = ("weights", "biases", "buffers", "MACs")


def figures_of(row):
    """``shapecalc.worked.figures(row)``: {name: Figure}, or None for a row without a rule of its own (a block,
    a row without shapes)."""
    from .errors import ShapecalcError
    from .worked import figures

    if not row.leaf or row.input_shape is None or row.output_shape is None:
        return None
    try:
        return figures(row)
    except ShapecalcError:
        return None


def _body(figure):
    """``4 × 4 × 1 × 20 = 320``, or ``20`` where there is no arithmetic, with the rule's note."""
    shown = format_int(figure.value)
    text = shown if figure.bare else f"{figure.text} = {shown}"
    return text + (f" ({figure.note})" if figure.note else "")


def _term(figure):
    """A figure's arithmetic as one term of a sum: in parentheses where it is a sum itself."""
    text = figure.text
    return f"({text})" if (" + " in text or " − " in text) and not figure.bare else text


def _axes(row):
    y = row.output_shape
    return row.layer.axes or (("H", "W", "C") if len(y) == 3 else ("N", "D") if len(y) == 2 else ("N",))


def _output(row, figs):
    x, y = tuple(row.input_shape), tuple(row.output_shape)
    axes = {name: f for name, f in figs.items() if name not in _COUNT_FIGURES}
    if axes:
        if len(y) == 1:
            (figure,) = axes.values()
            return f"{figure.name} = {_body(figure)}"
        names = _axes(row)
        parts = [f"{name} = {_body(axes[name])}" if name in axes else f"{name} = {format_int(v)} (unchanged)"
                 for name, v in zip(names, y)]
        return f"output = {' × '.join(names)}: " + ", ".join(parts)
    if row.layer.merges:
        return f"output = {format_shape(y)} ({row.kind} of its inputs)"
    if x == y:
        return f"{row.kind} keeps the shape: {format_shape(y)}"
    return f"output = {format_shape(y)}"


def _sum(name, parts):
    """``name = a-text + b-text = a + b = total``: the arithmetic, then the numbers, then the total."""
    texts = " + ".join(_term(f) for f in parts)
    numbers = " + ".join(format_int(f.value) for f in parts)
    total = format_int(sum(f.value for f in parts))
    steps = [texts] + ([numbers] if numbers != texts else []) + ([total] if total != numbers else [])
    return f"{name} = " + " = ".join(steps)


def _params(row, figs, no_bias):
    weights, biases, buffers = figs.get("weights"), figs.get("biases"), figs.get("buffers")
    if row.layer.shares is not None:
        return f"params = 0 here: this layer's parameters are counted at {row.layer.shares}"
    if not weights and not biases:
        return f"params = 0 ({row.kind} has no parameters)"
    counted = [f for f in (weights, None if no_bias else biases) if f]
    if sum(f.value for f in counted) != row.params:
        return None  # (a figure the rules do not give alone: the plain number is said instead)
    names = " + ".join(n for n, f in (("weights", weights), ("biases", biases)) if f in counted)
    text = _sum(f"params = {names}", counted)
    if no_bias and biases:
        text += f" (+ {format_int(biases.value)} biases = {format_int(row.params + biases.value)} with biases)"
    if buffers:
        text += f"; the {format_int(buffers.value)} {row.layer.buffers_are} are buffers, not parameters"
    return text


def _macs(row, figs, batch):
    macs = figs.get("MACs")
    if not macs:
        return f"MACs = 0 ({row.kind} multiplies nothing)" if not row.macs else None
    if row.macs == macs.value:
        return f"MACs = {_body(macs)}"
    if row.macs == batch * macs.value:
        return f"MACs = batch × MACs per sample = {batch} × ({macs.text}) = {format_int(row.macs)}"
    return None


def formula(row, column, no_bias=False, batch=1):
    """The text that works out ``row``'s figure for ``column`` (output, input, params, weights, biases, MACs,
    FLOPs, connections, rf) with the layer's numbers."""
    figs = figures_of(row)
    text = None
    if column == "input":
        return f"the input of {row.path} is the output of the layer before it: {format_shape(row.input_shape)}"
    if column == "output":
        if figs is None:
            return f"output = {format_shape(row.output_shape)} (the output of the block's last layer)"
        return _output(row, figs)
    if column in ("params", "weights", "biases", "macs") and figs is None:
        what = "MACs" if column == "macs" else column
        return f"{what} = the sum over the block's layers = {format_int(getattr(row, column))}"
    if column == "params":
        text = _params(row, figs, no_bias)
    elif column in ("weights", "biases"):
        figure = figs.get(column)
        if not figure:
            return f"{column} = 0"
        text = f"{column} = {_body(figure)}" if figure.value == getattr(row, column) else None
    elif column == "macs":
        text = _macs(row, figs, batch)
    elif column == "flops":
        # FLOPs = 2 · MACs: a multiply and an add
        return f"FLOPs = 2 × MACs = 2 × {format_int(row.macs)} = {format_int(row.flops)}"
    elif column == "connections":
        # LeNet-5's count: the multiplications and the bias additions
        return (f"connections = MACs + bias additions = {format_int(row.macs)} + {format_int(row.bias_adds)} = "
                f"{format_int(row.connections)}")
    elif column == "rf":
        rf = row.receptive_field
        return (f"receptive field {'×'.join(map(str, rf))} (jump {'×'.join(map(str, row.jump))} input pixels per "
                "step)")
    if text is None:
        # (a figure the worked rules do not give alone: the plain number)
        return f"{'MACs' if column == 'macs' else column} = {format_int(getattr(row, column))}"
    return text
