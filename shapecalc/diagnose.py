"""Diagnoses: the common mistakes behind a wrong cell, each tried with the layer's own rules on changed
settings or on the student's own figures, and reported only when it reproduces the submitted number.

Two kinds:

- a mistake in the step itself (bias forgotten, padding ignored, + 1 forgotten, FLOPs for MACs …):
  :func:`mistakes`;
- a step that is right from the student's own wrong figures (their previous row's output, or their own
  output on this row): :func:`carried_over`. The cell is wrong, but the error was made earlier, at the row
  the diagnosis names (the root of the chain).
"""

import copy
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .cells import shape_matches
from .errors import ShapecalcError
from .shapes import format_int, format_shape

__all__ = ["Given", "carried_over", "mistakes", "variant_output"]

#: the batch sizes tried where a count looks multiplied by a batch that the table does not state
_BATCHES = (8, 16, 32, 64, 128, 256, 512)


@dataclass
class Given:
    """What the student's own table says a layer works on, where it is not the true figure: ``input``, the
    input shape (their previous row's output, or their input column) from row ``input_row``; ``output``,
    their output on this row (row ``output_row``). Each root is ``(row number, "output" or "input")``: the
    wrong figure the shape follows from. None where the table agrees with the network (or says nothing)."""

    input: tuple | None = None
    input_row: int | None = None
    input_root: tuple | None = None
    output: tuple | None = None
    output_row: int | None = None
    output_root: tuple | None = None


def _fmt(n):
    return format_int(n)


def _near(claimed, slack, value):
    """The submitted count is ``value``, or rounds to it (``16K`` for 16,100 has slack 500)."""
    return value is not None and abs(claimed - value) <= slack


# ---------------------------------------------------------------------------------------------------------
# the layer's rules on other settings or other shapes


class _Variant:
    """A row-like record for :func:`shapecalc.worked.figures`: the layer on the student's shapes."""

    leaf = True

    def __init__(self, row, x, y):
        self.layer, self.path, self.kind = row.layer, row.path, row.kind
        self.input_shape, self.output_shape = tuple(x), tuple(y)


def variant_output(layer, x, **changes):
    """The layer's own shape rule on input ``x``, after changing some of its settings (None if it fails)."""
    from .analysis import NumericContext

    alt = copy.copy(layer)
    if hasattr(layer, "_set_window") and changes:
        window = dict(kernel=layer.kernel, stride=layer.stride, padding=layer.padding, dilation=layer.dilation,
                      ceil_mode=layer.ceil_mode)
        window.update(changes)
        try:
            alt._set_window(**window)
        except ShapecalcError:
            return None
    else:
        for key, value in changes.items():
            setattr(alt, key, value)
    try:
        return tuple(alt.infer(tuple(x), NumericContext(), "variant"))
    except (ShapecalcError, ZeroDivisionError, TypeError, IndexError, ValueError):
        return None


def _counts(row, x, y, no_bias, batch):
    """{column: figure} of ``row``'s layer on shapes ``x`` → ``y`` (the analysis' arithmetic on other
    shapes), or None where the rule does not apply to them."""
    layer = row.layer
    try:
        weights, biases, _, macs, bias_adds = layer.counts(tuple(x), tuple(y))
        once_macs, once_adds = layer.once_per_pass(tuple(x), tuple(y))
    except (ShapecalcError, ZeroDivisionError, TypeError, IndexError, ValueError):
        return None
    if layer.shares is not None:
        weights = biases = 0
    if no_bias:
        biases = bias_adds = once_adds = 0
    # per batch, as the analysis counts them: the work done once per pass is not multiplied
    macs = (macs - once_macs) * batch + once_macs
    bias_adds = (bias_adds - once_adds) * batch + once_adds
    return {"params": weights + biases, "weights": weights, "biases": biases, "macs": macs, "flops": 2 * macs,
            "connections": macs + bias_adds}


def _worked_text(row, x, y, column, no_bias=False):
    """The arithmetic of ``column`` for the layer on the student's shapes, from its own rules."""
    from .cellformulas import formula

    variant = _Variant(row, x, y)
    if column == "output":
        return _axes_text(variant) or formula(variant, "output")
    from .worked import figures

    try:
        figs = figures(variant, shapes=False)  # the counts on the student's shapes
    except (ShapecalcError, AssertionError, ZeroDivisionError, TypeError, IndexError, ValueError):
        return None
    if column in ("macs", "flops", "connections"):
        fig = figs.get("MACs")
    elif column == "weights":
        fig = figs.get("weights")
    elif column == "biases":
        fig = figs.get("biases")
    else:
        from .cellformulas import _term

        parts = [f for f in (figs.get("weights"), None if no_bias else figs.get("biases")) if f]
        return " + ".join(_term(f) for f in parts) or None
    return None if fig is None or fig.bare else fig.text


def _axes_text(variant):
    """The output axes that the layer works out, one equation per distinct arithmetic:
    ``H = W = ⌈(29 − 2) / 2⌉ + 1 = 15``."""
    from .cellformulas import _COUNT_FIGURES, _body, figures_of

    figs = figures_of(variant)
    if not figs:
        return None
    groups = {}
    for name, figure in figs.items():
        if name not in _COUNT_FIGURES and not figure.bare:
            groups.setdefault((figure.text, figure.value, figure.note), []).append(figure)
    return ", ".join(" = ".join(f.name for f in group) + " = " + _body(group[0]) for group in groups.values()) or None


# ---------------------------------------------------------------------------------------------------------
# carried over: right from the student's own figures


def carried_over(row, column, claimed, slack, given, no_bias=False, batch=1):
    """``(root, diagnosis)`` (root: ``(row number, "output" or "input")``) where the wrong ``claimed`` value is what the layer gives on the student's own
    shapes (``given``), else None."""
    x, y = tuple(row.input_shape), tuple(row.output_shape)
    if not row.leaf or row.layer.merges:
        return None
    if column == "output":
        if given.input is None:
            return None
        alt = variant_output(row.layer, given.input)
        if alt is None or not shape_matches(claimed, alt)[0]:
            return None
        working = _worked_text(row, given.input, alt, "output")
        gives = working if working and len(alt) == 1 else format_shape(alt) + (f" ({working})" if working else "")
        return given.input_root, (
            f"carried over: follows from {_root(given.input_root)}{_through(given)}; from your "
            f"{format_shape(given.input)} this layer gives {gives}, so the step itself is right")
    if column in ("input", "rf"):
        return None
    sx = given.input if given.input is not None else x
    sy = given.output if given.output is not None else (
        variant_output(row.layer, sx) if given.input is not None else y)
    if sy is None or (tuple(sx) == x and tuple(sy) == y):
        return None
    alt = _counts(row, sx, sy, no_bias, batch)
    if alt is None or column not in alt or not _near(claimed, slack, alt[column]):
        return None
    from_output = column in ("macs", "flops", "connections") and given.output is not None
    if from_output or given.input is None:
        root, where = given.output_root, f"your output {format_shape(given.output)} (row {given.output_row})"
    else:
        root, where = given.input_root, f"your input {format_shape(given.input)} (row {given.input_row})"
    working = _worked_text(row, sx, sy, column, no_bias)
    figure = f"{working} = {_fmt(alt[column])}" if working and working != _fmt(alt[column]) else _fmt(alt[column])
    if batch != 1 and column in ("macs", "flops", "connections"):
        figure = _fmt(alt[column])
    what = {"params": "parameters", "macs": "MACs", "flops": "FLOPs"}.get(column, column)
    name = "MACs from your own shape" if column in ("macs", "flops", "connections") else "carried over"
    return root, (f"{name}: follows from {_root(root)}; with {where} this layer has {figure} "
                  f"{what}, as you wrote, so the step itself is right")


def _root(root):
    return f"row {root[0]}'s wrong {root[1]}"


def _through(given):
    return f" (through row {given.input_row})" if given.input_row != given.input_root[0] else ""


# ---------------------------------------------------------------------------------------------------------
# mistakes in the step itself


def mistakes(row, column, claimed, slack=0, text="", no_bias=False, batch=1):
    """The diagnoses of a wrong cell (``claimed``: a shape for output, a count otherwise) that are mistakes
    of this layer's step: each reproduces the submitted value exactly (or within its rounding)."""
    if not row.leaf or row.input_shape is None:
        if column in ("params", "weights", "biases", "macs", "flops", "connections"):
            return _units(claimed, slack, text, getattr(row, column)) or _slip(claimed, getattr(row, column))
        return []
    if column == "output":
        return _output_mistakes(row, tuple(claimed))
    if column == "params":
        return _params_mistakes(row, claimed, slack, text, no_bias, batch)
    if column in ("macs", "flops", "connections", "weights", "biases"):
        return _ops_mistakes(row, column, claimed, slack, text, batch)
    return []


def _slip(claimed, value, extra=""):
    """A factor of 10, 100 or 1,000 (a zero too many or too few)."""
    if not value or not claimed:
        return []
    for k in (1, 2, 3):
        f = 10 ** k
        if claimed == value * f:
            return [f"factor of 10 slip: {_fmt(claimed)} is {_fmt(f)} × {_fmt(value)}{extra}"]
        if claimed * f == value:
            return [f"factor of 10 slip: {_fmt(claimed)} is {_fmt(value)} / {_fmt(f)}{extra}"]
    return []


_SUFFIX = re.compile(r"(\d+(?:\.\d+)?)\s*(thousand|million|billion|mio|bn|[kmgb])(?![a-z])", re.IGNORECASE)
_POWERS = {"k": 1, "thousand": 1, "m": 2, "mio": 2, "million": 2, "g": 3, "b": 3, "bn": 3, "billion": 3}


def _units(claimed, slack, text, value):
    """1,024 vs 1,000: a count written with K (M, G) taken as 1,024 (1,024², 1,024³), as memory sizes are."""
    m = _SUFFIX.search(text or "")
    if not m or not value:
        return []
    power = _POWERS[m.group(2).lower()]
    try:
        mantissa = Decimal(m.group(1))
    except InvalidOperation:
        return []
    binary = mantissa * 1024 ** power
    # the rounding the written digits imply, in binary units
    half = Decimal(1024 ** power) / (2 * 10 ** max(0, -mantissa.as_tuple().exponent))
    if abs(binary - value) > half or abs(Decimal(claimed) - value) <= slack:
        return []
    unit = m.group(2)
    decimal_text = _scaled(value, power, unit)
    sign = "=" if binary == int(binary) else "≈"
    return [f"1,024 vs 1,000: {m.group(0)} takes {unit} as {_fmt(1024 ** power)} ({m.group(1)} × "
            f"{_fmt(1024 ** power)} {sign} {_fmt(int(binary))}); a count's {unit} is {_fmt(1000 ** power)}: "
            f"{_fmt(value)} is {decimal_text}"]


def _scaled(value, power, unit):
    """``value`` in units of 1,000^power, with as many decimals as it takes to show it (up to 3)."""
    scaled = Decimal(value) / 1000 ** power
    for places in range(4):
        shown = round(scaled, places)
        if shown == scaled or places == 3:
            return f"{shown:.{places}f}{unit}"
    return f"{scaled}{unit}"


def _output_mistakes(row, claimed):
    layer, x, y = row.layer, tuple(row.input_shape), tuple(row.output_shape)
    out = []
    if hasattr(layer, "pads") and len(x) == 3 and len(claimed) == 3:
        seen = f"{claimed[0]}×{claimed[1]}"
        tries = []
        if layer.padding != "same":
            how, other = ("up", "down") if not layer.ceil_mode else ("down", "up")
            tries.append((dict(ceil_mode=not layer.ceil_mode),
                          f"floor vs ceil: {seen} is what rounding {how} gives; this layer rounds {other}"))
        if layer.padding == "same" or layer.padding != (0, 0):
            pad = "'same'" if layer.padding == "same" else "×".join(
                str(p) for p in sorted({p for pair in layer.pads(x) for p in pair}))
            tries.append((dict(padding=(0, 0), ceil_mode=False if layer.padding == "same" else layer.ceil_mode),
                          f"padding ignored: {seen} is the size without the padding of {pad}"))
        if layer.stride != (1, 1):
            s = "×".join(str(v) for v in sorted(set(layer.stride)))
            tries.append((dict(stride=(1, 1)), f"stride ignored: {seen} is the size with stride 1; the stride is {s}"))
        for changes, text in tries:
            alt = variant_output(layer, x, **changes)
            if alt is not None and alt != y and alt[:2] == claimed[:2]:
                out.append(text)
        if not out:
            out += _plus_one(row, claimed)
        if not out and row.kind in ("maxpool", "avgpool", "subsampling") and claimed[:2] != y[:2]:
            out += _pool_window(row, claimed)
        if claimed[:2] == y[:2] and claimed[2] != y[2] and row.kind in ("conv", "sparseconv") and claimed[2] == x[2]:
            out.append(f"input and output channels confused: the output has one map per filter ({y[2]}), "
                       f"not the input's {x[2]} channels")
    if row.kind == "flatten" and len(x) == 3 and len(claimed) == 1:
        text = f"flatten size wrong: flatten keeps every value of the {format_shape(x)} map, all three sizes multiplied"
        if claimed[0] == x[0] * x[1]:
            text += f"; {_fmt(claimed[0])} = {x[0]} × {x[1]} leaves out the {x[2]} channels"
        elif claimed[0] == x[2]:
            text += f"; {_fmt(claimed[0])} is the channels alone"
        out.append(text)
    if not out and len(claimed) == len(y):
        for a, (c, e) in enumerate(zip(claimed, y)):
            slip = _slip(c, e)
            if slip and all(cc == ee for b, (cc, ee) in enumerate(zip(claimed, y)) if b != a):
                out += slip
    return out


def _plus_one(row, claimed):
    """+ 1 forgotten: (H − F + 2P)/S without the + 1 that counts the first window's position."""
    y = row.output_shape
    if not all(c == e - 1 for c, e in zip(claimed[:2], y[:2])) or claimed[2] != y[2]:
        return []
    from .cellformulas import figures_of

    figs = figures_of(row) or {}
    steps = []
    for axis, c in zip(("H", "W"), claimed[:2]):
        figure = figs.get(axis)
        step = f"{figure.text[:-4]} = {c}" if figure and not figure.note and figure.text.endswith(" + 1") else f"{c}"
        if step not in steps:
            steps.append(step)
    return [f"+1 forgotten: {claimed[0]}×{claimed[1]} is {' and '.join(steps)}, without the + 1 that counts the "
            "first window's position"]


def _pool_window(row, claimed):
    """Wrong pooling window: the size another (common) window gives, with its own stride or this one's."""
    layer, x, y = row.layer, tuple(row.input_shape), tuple(row.output_shape)
    k, s = layer.kernel, layer.stride
    for size in range(2, 8):
        if (size, size) == k:
            continue
        for stride in ((size, size), s):
            alt = variant_output(layer, x, kernel=(size, size), stride=stride, padding=(0, 0)
                                 if layer.padding == "same" else layer.padding)
            if alt is not None and alt[:2] == claimed[:2] and alt[:2] != y[:2]:
                this = f"{k[0]}×{k[1]} with stride {s[0]}" if s[0] == s[1] else f"{k[0]}×{k[1]} with stride {s[0]}×{s[1]}"
                return [f"wrong pooling window: {claimed[0]}×{claimed[1]} is what a {size}×{size} window with stride "
                        f"{stride[0]} gives; this pool is {this}"]
    return []


def _params_mistakes(row, claimed, slack, text, no_bias, batch):
    layer, x, y = row.layer, tuple(row.input_shape), tuple(row.output_shape)
    out = []
    w, b = layer.weights(x, y), layer.biases(x, y)
    count = getattr(layer, "filters", getattr(layer, "units", x[-1]))
    units = f"{count} " if count else ""
    if not no_bias and b and _near(claimed, slack, w):
        what = "filters" if row.kind.endswith("conv") else "units" if row.kind == "dense" else "maps"
        out.append(f"bias forgotten: {_fmt(claimed)} is the weights alone; the {units}{what} add {_fmt(b)} "
                   f"biases ({_fmt(w)} + {_fmt(b)} = {_fmt(w + b)})")
    if no_bias and b and _near(claimed, slack, w + b):
        out.append(f"bias added: {_fmt(claimed)} = {_fmt(w)} weights + {_fmt(b)} biases, but this table counts "
                   "weights only (--no-bias)")
    if row.kind == "conv" and len(x) == 3 and x[2] != layer.filters:
        expected = row.params
        extra = 0 if no_bias else b
        swapped = copy.copy(layer)
        swapped.filters = x[2]
        used_out = layer.weights((x[0], x[1], layer.filters), y)
        used_in = swapped.weights(x, (y[0], y[1], x[2])) if x[2] % layer.groups == 0 else None
        if claimed != expected and claimed in (used_out, used_out + extra):
            out.append(f"input and output channels confused: {_fmt(claimed)} uses the {layer.filters} output "
                       f"channels as the input depth; the input has {x[2]} channels")
        elif claimed != expected and used_in is not None and claimed in (used_in, used_in + (x[2] if extra else 0)):
            out.append(f"input and output channels confused: {_fmt(claimed)} uses the input's {x[2]} channels as "
                       f"the filter count; the layer has {layer.filters} filters")
    buffers = layer.buffers(x, y)
    if buffers and _near(claimed, slack, row.params + buffers):
        out.append(f"buffers counted: {_fmt(claimed)} = {_fmt(row.params)} parameters + {_fmt(buffers)} "
                   f"{layer.buffers_are}, which are kept, not learned (Keras lists them as non-trainable "
                   "parameters)")
    if row.params:
        out += _per_batch(claimed, row.params, batch, "parameters are shared by every sample: their count does not "
                                                      "grow with the batch", "params per batch")
    if not out:
        out += _units(claimed, slack, text, row.params)
    if not out:
        for value in (row.params, w, w + b):
            extra = ""
            if value != row.params:
                extra = " (and the biases forgotten)" if value == w and not no_bias else " (and the biases added)"
            slip = _slip(claimed, value, extra)
            if slip:
                out += slip
                break
    return out


def _per_batch(claimed, value, batch, why, name):
    """A count multiplied by the batch size (the one the table states, else a usual one)."""
    for n in ((batch,) if batch > 1 else _BATCHES):
        if n > 1 and claimed == value * n:
            return [f"{name}: {_fmt(claimed)} is {n} × {_fmt(value)}; the {why}"]
    return []


def _ops_mistakes(row, column, claimed, slack, text, batch):
    out = []
    macs = row.macs
    if column == "macs":
        if macs and _near(claimed, slack, 2 * macs):
            out.append(f"FLOPs counted instead of MACs: {_fmt(claimed)} = 2 × {_fmt(macs)}; a MAC is one multiply "
                       "and one add, counted once")
        elif row.bias_adds and _near(claimed, slack, row.connections):
            out.append(f"bias additions counted: {_fmt(claimed)} = {_fmt(macs)} MACs + {_fmt(row.bias_adds)}")
    if column == "connections" and row.bias_adds and _near(claimed, slack, macs):
        out.append(f"bias forgotten: connections count the {_fmt(row.bias_adds)} bias additions too "
                   f"({_fmt(macs)} + {_fmt(row.bias_adds)})")
    if column == "flops" and macs and _near(claimed, slack, macs):
        out.append(f"MACs counted instead of FLOPs: {_fmt(claimed)} is the MACs; FLOPs = 2 × MACs = {_fmt(row.flops)}")
    expected = {"macs": macs, "flops": row.flops, "connections": row.connections, "weights": row.weights,
                "biases": row.biases}[column]
    if column in ("macs", "flops", "connections") and expected:
        if batch > 1 and expected % batch == 0 and _near(claimed, slack, expected // batch):
            out.append(f"per sample, not per batch: {_fmt(claimed)} is one sample's; the batch of {batch} does "
                       f"{batch} × {_fmt(expected // batch)} = {_fmt(expected)}")
        elif batch == 1:
            for n in _BATCHES:
                if claimed == expected * n:
                    out.append(f"per batch, not per sample: {_fmt(claimed)} is {n} × {_fmt(expected)}; the check "
                               f"counts one sample (--batch {n} where the homework asks per batch)")
                    break
    if not out:
        out += _units(claimed, slack, text, expected)
    if not out:
        out += _slip(claimed, expected)
    return out
