"""Worked arithmetic: a layer's figures explained step by step by the layer's own rules.

:class:`Worked` is an ``int`` that remembers how it was computed. A kind's ``infer`` and ``counts`` — the very
functions the table uses, and the formulas of :mod:`shapecalc.formulas` they call — run on Worked sizes
and return Worked figures whose text is the arithmetic that produced them, so that an explanation cannot
disagree with its number:

>>> from shapecalc import summary
>>> for line in explain(summary("cnn-39x31")["conv1"]):
...     print(line)
H: 39 − 4 + 1 = 36
W: 31 − 4 + 1 = 28
C: 20
weights: 4 × 4 × 20 = 320
biases: 20
MACs: 36 × 28 × 20 × 4 × 4 = 322,560
>>> print(explain(summary("torchvision.googlenet")["maxpool1"])[0])    # ceil mode
H: ⌈(112 − 3) / 2⌉ + 1 = 56
"""

from .shapes import format_int

__all__ = ["Worked", "explain"]

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
            return Worked(-int(self), f"⌈{_text(a, _PRODUCT)} / {_text(b, _ATOM)}⌉")
        return Worked(-int(self), f"−{_text(self, _PRODUCT + 1)}", _PRODUCT)

    def __repr__(self):
        return f"Worked({int(self)}, {self.text!r})"


def _number(value):
    return str(value) if value >= 0 else f"−{-value}"


def _text(value, precedence):
    """``value``'s text, in parentheses where its operation binds less tightly than ``precedence``."""
    if isinstance(value, Worked):
        return value.text if value.precedence >= precedence else f"({value.text})"
    return _number(int(value))


def _binary(a, b, sign, value, precedence):
    # what adds nothing is left out: x + 0, x − 0, 1 × x; and (x − c) + c is x (a kernel's span D·(F − 1) + 1
    # at dilation 1 is F)
    if sign in ("+", "−") and int(b) == 0 and sign != "−" or sign == "−" and int(b) == 0:
        return a
    if sign == "+" and int(a) == 0:
        return b
    if sign == "×" and int(a) == 1:
        return b
    if sign == "×" and int(b) == 1:
        return a
    if sign == "+" and isinstance(a, Worked) and a.parts and a.parts[0] == "−" and int(a.parts[2]) == int(b) \
            and not isinstance(b, Worked):
        return a.parts[1]
    # a − b needs b in parentheses when b is itself a sum: left-associative text
    right = precedence + 1 if sign in ("−", "mod") else precedence
    parts = (sign, a, b) if precedence == _SUM else None
    return Worked(value, f"{_text(a, precedence)} {sign} {_text(b, right)}", precedence, parts=parts)


def _floor(a, b):
    if int(b) == 1:
        return a  # ⌊a / 1⌋ = a
    value = int(a) // int(b)
    negated = None
    if isinstance(a, Worked) and a.text.startswith("−") and a.precedence == _PRODUCT:
        # ⌊−x / b⌋: remember x, so that the negation of this floor prints as a ceiling
        negated = (_inner(a), b)
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
        setattr(twin, name, _worked(value))
    return twin


def explain(row):
    """The lines that work out ``row``'s output size per axis, and its weights, biases, buffers and MACs
    per sample, by its layer's own rules (a leaf row of a numeric summary)."""
    if not row.leaf:
        from .errors import ConfigError

        raise ConfigError("a block has no rule of its own: explain the layers in it", row.path)
    layer, x, y = row.layer, tuple(row.input_shape), tuple(row.output_shape)
    worked = _worked_layer(layer)
    lines = []
    if not layer.passes and not layer.merges:
        out = worked.infer(_worked(x), _Quiet(), row.path)
        axes = layer.axes or (("H", "W", "C") if len(y) == 3 else ("N", "D") if len(y) == 2 else ("N",))
        for i, (axis, w, v) in enumerate(zip(axes, out, y)):
            # a leading axis that the layer passes through unchanged says nothing (a pointwise layer's H
            # and W; whatever they are called there): the last, the channels, always shows
            unchanged = len(x) == len(y) and not getattr(w, "parts", None) and getattr(w, "text", str(v)) == str(v) \
                and int(x[i]) == v
            if i == len(y) - 1 or not unchanged:
                lines.append(_line(axis, w, v))
    if layer.has_counts:
        figures = worked.counts(_worked(x), _worked(y))
        rule = layer.counts(x, y)
        for name, w, v in zip(("weights", "biases", "buffers", "MACs"), figures, rule):
            if v:
                lines.append(_line(name, w, v))
    return lines


def _line(name, worked, value):
    # the worked figure is the rule's own number: the text can only explain it
    assert int(worked) == value, (name, worked, value)
    text = getattr(worked, "text", None)
    if text is None or text == str(value):
        return f"{name}: {format_int(value)}"
    return f"{name}: {text} = {format_int(value)}"
