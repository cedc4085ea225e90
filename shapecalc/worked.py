"""Worked arithmetic: a layer's figures explained step by step by the layer's own rules.

:class:`Worked` is an ``int`` that remembers how it was computed. A kind's ``infer`` and ``counts`` — the very
functions the table uses, and the formulas of :mod:`shapecalc.formulas` they call — run on Worked sizes
and return Worked figures whose text is the arithmetic that produced them, so that an explanation cannot
disagree with its number:

>>> from shapecalc import summary
>>> for line in explain(summary("cnn-39x31")["conv1"]):
...     print(line)
H: (39 − 4)/1 + 1 = 36
W: (31 − 4)/1 + 1 = 28
C: 20
weights: 4 × 4 × 1 × 20 = 320
biases: 20
MACs: 36 × 28 × 20 × 4 × 4 × 1 = 322,560
>>> print(explain(summary("torchvision.googlenet")["maxpool1"])[0])    # ceil mode
H: ⌈(112 − 3) / 2⌉ + 1 = 56
"""

from .shapes import format_int

__all__ = ["Worked", "Figure", "explain", "figures"]


class Figure:
    """One figure of a layer worked out: ``name`` ("H", "weights", "MACs" …), ``text`` (the arithmetic, or
    the number alone where there is none), ``value`` (the rule's number), ``note`` (why a step was taken).

    (A plain record written out rather than a dataclass: the warnings of a plain table build their text with
    this module, and the dataclasses module would bring inspect into every `shapecalc NAME --table`.)"""

    __slots__ = ("name", "text", "value", "note")

    def __init__(self, name: str, text: str, value: int, note: "str | None" = None):
        self.name, self.text, self.value, self.note = name, text, value, note

    def __eq__(self, other):
        return isinstance(other, Figure) and (self.name, self.text, self.value, self.note) == \
            (other.name, other.text, other.value, other.note)

    __hash__ = None

    def __repr__(self):
        return f"Figure(name={self.name!r}, text={self.text!r}, value={self.value!r}, note={self.note!r})"

    @property
    def bare(self):
        """No arithmetic to show: the text is the number itself."""
        return self.text in (str(self.value), format_int(self.value))

    def line(self):
        shown = format_int(self.value)
        body = shown if self.bare else f"{self.text} = {shown}"
        return f"{self.name}: {body}" + (f" ({self.note})" if self.note else "")

# precedence of the text's outermost operation: a sum needs parentheses inside a product, a product inside
# nothing that binds tighter
_SUM, _PRODUCT, _ATOM = 1, 2, 3


class Worked(int):
    """An int with the text of the arithmetic that made it (``text``), kept through ``+ − × ⌊/⌋ mod``."""

    def __new__(cls, value, text=None, precedence=_ATOM, negated=None, parts=None):
        self = super().__new__(cls, value)
        self.text = text if text is not None else _number(int(value))
        self.precedence = precedence
        # (⌊−a / b⌋ only) the a whose negation was floored: its negation prints as ⌈a / b⌉
        self.negated = negated
        # (a sum or difference) (sign, a, b), for the simplifications of _binary
        self.parts = parts
        return self

    # -- the operations the formulas use --
    def __add__(self, other):
        if other is self and int(self):
            # one setting twice (symmetric padding, before + after): the textbook's 2·P
            return Worked(2 * int(self), f"2 × {_text(self, _PRODUCT)}", _PRODUCT)
        return _binary(self, other, "+", int(self) + int(other), _SUM)

    def __radd__(self, other):
        return _binary(other, self, "+", int(other) + int(self), _SUM)

    def __sub__(self, other):
        return _binary(self, other, "−", int(self) - int(other), _SUM)

    def __rsub__(self, other):
        return _binary(other, self, "−", int(other) - int(self), _SUM)

    def __mul__(self, other):
        return _binary(self, other, "×", int(self) * int(other), _PRODUCT)

    def __rmul__(self, other):
        return _binary(other, self, "×", int(other) * int(self), _PRODUCT)

    def __floordiv__(self, other):
        return _floor(self, other)

    def __rfloordiv__(self, other):
        return _floor(other, self)

    def __mod__(self, other):
        return _binary(self, other, "mod", int(self) % int(other), _PRODUCT)

    def __neg__(self):
        if self.negated is not None:
            # −⌊−a / b⌋ = ⌈a / b⌉ (formulas.ceil_div)
            a, b = self.negated
            if int(a) % int(b) == 0:
                return Worked(-int(self), f"{_text(a, _ATOM)}/{_text(b, _ATOM)}", _PRODUCT)  # whole: no ceiling
            return Worked(-int(self), f"⌈{_text(a, _PRODUCT)} / {_text(b, _ATOM)}⌉")
        return Worked(-int(self), f"−{_text(self, _PRODUCT + 1)}", _PRODUCT)

    def __repr__(self):
        return f"Worked({int(self)}, {self.text!r})"

    def with_note(self, note):
        """This number with a word on why the rule took this step (shown after the result)."""
        twin = Worked(int(self), self.text, self.precedence, self.negated, self.parts)
        twin.note = note
        return twin

    note = None


def _number(value):
    # with thousands separators, as the table prints its numbers
    return format_int(value) if value >= 0 else f"−{format_int(-value)}"


def _text(value, precedence):
    """``value``'s text, in parentheses where its operation binds less tightly than ``precedence``."""
    if isinstance(value, Worked):
        return value.text if value.precedence >= precedence else f"({value.text})"
    return _number(int(value))


def _binary(a, b, sign, value, precedence):
    # what adds nothing is left out: x + 0, x − 0, 1 × x; and (x − c) + c is x (a kernel's span D·(F − 1) + 1
    # at dilation 1 is F)
    if sign in ("+", "−") and _zero(b):
        return a
    if sign == "+" and _zero(a):
        return b
    # a factor 1 that is one of the layer's own settings or sizes stays (the course writes 4 × 4 × 1 × 20 for
    # one input channel); a literal 1 of a formula adds nothing
    if sign == "×" and int(a) == 1 and not isinstance(a, Worked):
        return b
    if sign == "×" and int(b) == 1 and not isinstance(b, Worked):
        return a
    if sign == "+" and isinstance(a, Worked) and a.parts and a.parts[0] == "−" and int(a.parts[2]) == int(b) \
            and not isinstance(b, Worked):
        return a.parts[1]
    # a − b needs b in parentheses when b is itself a sum: left-associative text
    right = precedence + 1 if sign in ("−", "mod") else precedence
    parts = (sign, a, b) if precedence == _SUM else None
    return Worked(value, f"{_text(a, precedence)} {sign} {_text(b, right)}", precedence, parts=parts)


def _zero(value):
    """A 0 that the text leaves out: a literal, or a setting (padding 0) — not a 0 the arithmetic reached,
    such as the 2 − 2 of a window as wide as its input."""
    return int(value) == 0 and (not isinstance(value, Worked) or value.precedence == _ATOM)


def _floor(a, b):
    if int(b) == 1 and not isinstance(b, Worked):
        return a  # ⌊a / 1⌋ = a
    value = int(a) // int(b)
    negated = None
    if isinstance(a, Worked) and a.text.startswith("−") and a.precedence == _PRODUCT:
        # ⌊−x / b⌋: remember x, so that the negation of this floor prints as a ceiling
        negated = (_inner(a), b)
    if int(a) % int(b) == 0:
        # a whole quotient is the plain division the textbook writes: (39 − 4)/1 + 1
        return Worked(value, f"{_text(a, _ATOM)}/{_text(b, _ATOM)}", _PRODUCT, negated)
    return Worked(value, f"⌊{_text(a, _PRODUCT)} / {_text(b, _ATOM)}⌋", _ATOM, negated)


def _inner(negative):
    """The x of a Worked −x (its text without the sign and the parentheses the sign needed)."""
    text = negative.text[1:]
    if text.startswith("(") and text.endswith(")"):
        return Worked(-int(negative), text[1:-1], _SUM)
    return Worked(-int(negative), text, _PRODUCT)


class _Quiet:
    """A context for ``infer`` that checks nothing: the table has already checked this layer's input."""

    symbolic = False
    reads = False  # the textbook rule only (ctx.exact), not which input rows are read
    warnings = ()

    def positive(self, value, message, path, *args):
        pass

    def exact(self, numerator, denominator, message, path, *args):
        pass

    def equal(self, a, b, message, path, *args):
        pass


def _worked(value):
    """Ints, and tuples of them, as Worked numbers (bools stay bools)."""
    if type(value) is int:
        return Worked(value)
    if isinstance(value, tuple):
        return tuple(_worked(v) for v in value)
    return value


def _worked_layer(layer):
    """A copy of ``layer`` whose whole-number settings (kernel, stride, filters, units …) are Worked, so that
    they appear by name in the arithmetic rather than already multiplied out."""
    import copy

    twin = copy.copy(layer)
    for name, value in vars(layer).items():
        if name in _NEUTRAL and (value == 1 or isinstance(value, tuple) and set(value) == {1}):
            continue  # groups 1 and dilation 1: the textbook formula leaves them out, and so does the text
        if name == "_pads" and value is not None:
            # equal padding before and after is one P, which the text then shows as 2 × P
            value = tuple((w, w) if pair[0] == pair[1] else _worked(pair)
                          for pair in value for w in (Worked(pair[0]),))
            setattr(twin, name, value)
            continue
        setattr(twin, name, _worked(value))
    return twin


#: settings whose neutral value leaves the arithmetic unchanged (D·(F − 1) + 1 is F; C_in / 1 is C_in)
_NEUTRAL = ("groups", "dilation")


def explain(row):
    """The lines that work out ``row``'s output size per axis, and its weights, biases, buffers and MACs
    per sample, by its layer's own rules (a leaf row of a numeric summary)."""
    return [f.line() for f in figures(row).values()]


def figures(row, shapes=True):
    """``row``'s figures worked out by its layer's own rules, by name: the output axes that the layer
    changes ("H", "W", and always the last, "C" or "D"), then "weights", "biases", "buffers", "MACs" where
    they are not 0 (a leaf row of a numeric summary). ``shapes=False``: the counts alone, for a row whose
    input and output shapes are given rather than the rule's (a student's own shapes, in the checker)."""
    if not row.leaf:
        from .errors import ConfigError

        raise ConfigError("a block has no rule of its own: explain the layers in it", row.path)
    layer, x, y = row.layer, tuple(row.input_shape), tuple(row.output_shape)
    worked = _worked_layer(layer)
    lines = {}
    if shapes and not layer.passes and not layer.merges:
        out = worked.infer(_worked(x), _Quiet(), row.path)
        axes = layer.axes or {4: ("D", "H", "W", "C"), 3: ("H", "W", "C"), 2: ("N", "D")}.get(len(y), ("N",))
        for i, (axis, w, v) in enumerate(zip(axes, out, y)):
            # a leading axis that the layer passes through unchanged says nothing (a pointwise layer's H
            # and W; whatever they are called there): the last, the channels, always shows
            unchanged = len(x) == len(y) and not getattr(w, "parts", None) and getattr(w, "text", str(v)) in (str(v), format_int(v)) \
                and int(x[i]) == v
            if i == len(y) - 1 or not unchanged:
                lines[axis] = _figure(axis, w, v)
    if layer.has_counts:
        figures = worked.counts(_worked(x), _worked(y))
        rule = layer.counts(x, y)
        for name, w, v in zip(("weights", "biases", "buffers", "MACs"), figures, rule):
            if v:
                lines[name] = _figure(name, w, v)
    return lines


def _figure(name, worked, value):
    # the worked figure is the rule's own number: the text can only explain it
    assert int(worked) == value, (name, worked, value)
    text = getattr(worked, "text", None) or str(value)
    return Figure(name, text, int(value), getattr(worked, "note", None))
