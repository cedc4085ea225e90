"""Symbolic input sizes: every figure as a formula in H and W (sympy).

``summary(model, input=("H", "W", 3))`` (or ``--input HxWx3``) walks the network with sympy symbols for
the letters: the same layer rules as the numeric table (:mod:`shapecalc.layers`, :mod:`shapecalc.formulas`)
produce floor expressions for every output size, parameter count, MAC count and receptive field. The checks
a layer asks for (output ≥ 1, exact division, equal branch shapes) cannot be decided for a symbol, so the
:class:`SymbolicContext` *records* them as constraints instead of raising or warning.

- :func:`substitute` puts numbers in for the symbols and gives the numeric mode's summary;
- :func:`constraints_text` turns the recorded constraints into conditions per axis, e.g.
  ``H ≡ 31 (mod 32), H ≥ 63``.

Every size expression is *quasi-linear*: along one axis, a composition of ``⌊(x + a)/s⌋``, ``⌈x/s⌉``
and sums, so it grows by exactly ``M/S`` when the input grows by ``M``, the product of the strides (the
jump). The conditions are therefore periodic with period ``M`` and a single period decides them for every
size: :func:`axis_conditions` evaluates them exactly (sympy integers, never floats) over one period.

>>> from shapecalc import summary
>>> s = summary("cnn-39x31", input=("H", "W", 1))
>>> s["conv1"].output_shape
(H - 3, W - 3, 20)
>>> pretty(s["pool1"].output_shape[0])          # pool 2×2/2 on H − 3
'⌊(H - 5)/2⌋ + 1'
>>> print(axis_conditions(s)["H"].text())
H: runs for H ≥ 31; every division exact for H ≡ 7 (mod 8), H ≥ 31 (smallest 31)
>>> substitute(s, "H=39,W=31")["conv4"].output_shape
(2, 1, 80)
"""

import functools

from .analysis import walk
from .errors import ConfigError, ShapeError
from .report import Summary, apply_freeze, format_bytes
from .shapes import format_int

__all__ = [
    "SymbolicContext", "SymbolicSummary", "Constraint", "symbolic_summary", "substitute", "constraints_text",
    "axis_conditions", "pretty", "polynomial",
]


def _sympy():
    import sympy

    return sympy


def _plain(value):
    return isinstance(value, int)


class Constraint:
    """One condition a layer asked for: ``kind`` is "positive" (expr ≥ 1), "exact" (den divides num) or
    "equal" (a = b)."""

    __slots__ = ("kind", "path", "exprs", "side")

    def __init__(self, kind, path, *exprs):
        self.kind, self.path, self.exprs = kind, path, exprs
        self.side = False   # in a side head (an auxiliary classifier: training only)

    @property
    def free_symbols(self):
        out = set()
        for e in self.exprs:
            out |= getattr(e, "free_symbols", set())
        return out

    def holds(self, values):
        """True where the condition holds at ``values`` ({symbol: int})."""
        sympy = _sympy()
        subs = {k: sympy.Integer(v) for k, v in values.items()}
        ev = [_evaluate(e, subs) for e in self.exprs]
        if self.kind == "positive":
            return ev[0] >= 1
        if self.kind == "exact":
            return ev[0] % ev[1] == 0
        return ev[0] == ev[1]

    def text(self):
        """The condition as a formula: ``⌊(H − 11)/4⌋ + 1 ≥ 1``, ``4 | H − 11``, ``a = b``."""
        if self.kind == "positive":
            return f"{pretty(self.exprs[0])} ≥ 1"
        if self.kind == "exact":
            return f"{pretty(self.exprs[1])} | {pretty(self.exprs[0])}"
        return f"{pretty(self.exprs[0])} = {pretty(self.exprs[1])}"

    def __repr__(self):
        return f"Constraint({self.path}: {self.text()})"


class SymbolicContext:
    """The checks on sympy sizes: what cannot be decided is recorded in ``constraints``; what fails for
    every size (a plain-number mismatch, an output that is never ≥ 1) raises as in the numeric mode."""

    symbolic = True
    reads = False  # the textbook rule only (ctx.exact), not which input rows are read

    def __init__(self):
        self.warnings = []
        self.constraints = []
        self.checked = set()   # paths with a recorded condition: substitute() re-checks them

    def take_warnings(self):
        out, self.warnings = self.warnings, []
        return out

    def _record(self, kind, path, *exprs):
        self.constraints.append(Constraint(kind, path, *exprs))
        self.checked.add(path)

    def positive(self, value, message, path, *args):
        sympy = _sympy()
        if _plain(value) or getattr(value, "is_Integer", False):
            if value < 1:
                raise ShapeError(f"{message(*args)}: the output would be {value}", path)
            return
        sign = sign_everywhere(value - 1)
        decided = sympy.Ge(value, 1) if sign is None else None
        if sign is not None and sign >= 0 or decided == sympy.true:
            return
        if sign == -1 or decided == sympy.false:
            raise ShapeError(f"{message(*args)}: the output would be {pretty(value)} for every input size", path)
        self._record("positive", path, value)

    def exact(self, numerator, denominator, message, path, *args):
        sympy = _sympy()
        if _plain(denominator) and denominator == 1:
            return
        left = sympy.Mod(numerator, denominator)
        if left == 0:
            return
        # a nonzero constant remainder is inexact for every size; it is recorded all the same, so that
        # substitute() gives the numeric mode's warning
        self._record("exact", path, sympy.sympify(numerator), sympy.sympify(denominator))

    def equal(self, a, b, message, path, *args):
        sympy = _sympy()
        for u, v in zip(a, b):
            if _plain(u) and _plain(v):
                if u != v:
                    raise ShapeError(message(*args), path)
                continue
            difference = u - v
            if difference == 0:
                continue
            if difference.is_number:
                raise ShapeError(message(*args) + " for every input size", path)
            self._record("equal", path, sympy.sympify(u), sympy.sympify(v))


# ---------------------------------------------------------------------------------------------------------
# max and where on sizes, decided where one period of the size decides them


def _quasi_linear(expr):
    """True for sums of constant multiples of a symbol, ⌊·⌋, ⌈·⌉ and Mod of such (no products of sizes)."""
    if expr.is_Number or expr.is_Symbol:
        return True
    if expr.is_Add:
        return all(_quasi_linear(a) for a in expr.args)
    if expr.is_Mul:
        variable = [a for a in expr.args if not a.is_Number]
        return len(variable) <= 1 and all(_quasi_linear(a) for a in variable)
    name = type(expr).__name__
    if name in ("floor", "ceiling"):
        return _quasi_linear(expr.args[0])
    if name == "Mod":
        return expr.args[1].is_Integer and _quasi_linear(expr.args[0])
    return False


def _period_growth(expr, cache):
    """(P, g): ``expr(n + P) = expr(n) + g`` for every integer n, P as small as the structure allows.

    A symbol is (1, 1); a sum takes the lcm of the periods; ⌊A⌋ repeats once A has grown by a whole
    number: P_A times the denominator of g_A.
    """
    import math

    sympy = _sympy()
    if expr in cache:
        return cache[expr]
    if expr.is_Number:
        out = (1, sympy.Integer(0))
    elif expr.is_Symbol:
        out = (1, sympy.Integer(1))
    elif expr.is_Add:
        parts = [_period_growth(a, cache) for a in expr.args]
        period = 1
        for p, _ in parts:
            period = math.lcm(period, p)
        out = (period, sum((g * (period // p) for p, g in parts), sympy.Integer(0)))
    elif expr.is_Mul:
        constant = sympy.Integer(1)
        variable = None
        for a in expr.args:
            if a.is_Number:
                constant *= a
            else:
                variable = a
        p, g = _period_growth(variable, cache)
        out = (p, constant * g)
    elif type(expr).__name__ in ("floor", "ceiling"):
        p, g = _period_growth(expr.args[0], cache)
        q = int(sympy.Rational(g).q)
        out = (p * q, g * q)
    elif type(expr).__name__ == "Mod":
        a, m = expr.args
        pa, ga = _period_growth(a, cache)
        q = int(sympy.Rational(ga / m).q)
        period = pa * q
        out = (period, ga * q - m * (ga / m) * q)
    else:
        raise ValueError(expr)
    cache[expr] = out
    return out


def sign_everywhere(d, limit=4096):
    """+1 if ``d ≥ 0`` for every size ≥ 1, −1 if ``d < 0`` for every size, 0 if ``d = 0`` for every size,
    None if it depends on the size or cannot be told.

    ``d`` is quasi-linear in one symbol: over a period P it grows by a constant, so its values on one
    period and that growth decide its sign for every size (exact integer arithmetic, no sampling).
    """
    sympy = _sympy()
    d = sympy.sympify(d)
    if d.is_Number:
        return 0 if d == 0 else (1 if d > 0 else -1)
    symbols = d.free_symbols
    if len(symbols) != 1 or not _quasi_linear(d):
        return None
    (h,) = symbols
    period, _ = _period_growth(d, {})
    if period > limit:
        return None
    values = [d.xreplace({h: sympy.Integer(n)}) for n in range(1, period + 2)]
    if not all(v.is_Number for v in values):
        return None
    growth = values[-1] - values[0]
    values = values[:-1]
    if growth == 0 and all(v == 0 for v in values):
        return 0
    if growth >= 0 and min(values) >= 0:
        return 1
    if growth <= 0 and max(values) < 0:
        return -1
    return None


_FUNCTIONS = {}


def _functions():
    if not _FUNCTIONS:
        sympy = _sympy()
        from sympy.core.logic import fuzzy_and as _fuzzy_and

        class maximum_(sympy.Function):
            """max(a, b) of two sizes; stays unevaluated only where the larger one depends on the size."""

            nargs = 2

            @classmethod
            def eval(cls, a, b):
                sign = sign_everywhere(a - b)
                if sign is not None:
                    return a if sign >= 0 else b
                return None

            def _eval_is_integer(self):
                return _fuzzy_and(arg.is_integer for arg in self.args)

        class where_(sympy.Function):
            """``a if condition else b``; stays unevaluated only where the answer depends on the size."""

            nargs = 3

            @classmethod
            def eval(cls, condition, a, b):
                if condition == sympy.true:
                    return a
                if condition == sympy.false:
                    return b
                if isinstance(condition, (sympy.GreaterThan, sympy.StrictGreaterThan, sympy.LessThan,
                                          sympy.StrictLessThan)):
                    big, small = (condition.lhs, condition.rhs) if isinstance(
                        condition, (sympy.GreaterThan, sympy.StrictGreaterThan)) else (condition.rhs, condition.lhs)
                    strict = isinstance(condition, (sympy.StrictGreaterThan, sympy.StrictLessThan))
                    sign = sign_everywhere(big - small - (1 if strict else 0))
                    if sign is not None:
                        return a if sign >= 0 else b
                if a == b:
                    return a
                return None

            def _eval_is_integer(self):
                return _fuzzy_and(arg.is_integer for arg in self.args[1:])

        maximum_.__name__ = "maximum"
        where_.__name__ = "where"
        _FUNCTIONS["maximum"] = maximum_
        _FUNCTIONS["where"] = where_
    return _FUNCTIONS


def maximum(a, b):
    """max(a, b) on sympy sizes (formulas.maximum's symbolic branch)."""
    sympy = _sympy()
    return _functions()["maximum"](sympy.sympify(a), sympy.sympify(b))


def where(condition, a, b):
    """``a if condition else b`` on sympy sizes (formulas.where's symbolic branch)."""
    sympy = _sympy()
    return _functions()["where"](condition, sympy.sympify(a), sympy.sympify(b))


# ---------------------------------------------------------------------------------------------------------
# printing


def pretty(value):
    """An expression as text with ⌊ ⌋ and ⌈ ⌉: ``⌊(H − 11)/4⌋ + 1``; integers with thousands separators."""
    if _plain(value):
        return format_int(value)
    if getattr(value, "is_Integer", False):
        return format_int(int(value))
    return _pretty(value)


@functools.lru_cache(maxsize=4096)
def _numer_denom(arg):
    # a floor's argument over one denominator: (H − 11)/4 rather than H/4 − 11/4
    return _sympy().together(arg).as_numer_denom()


@functools.lru_cache(maxsize=4096)
def _pretty(value):
    """pretty() of a sympy expression, remembered: a deep network's fields repeat the same nested floors in
    row after row (GoogLeNet's symbolic --rf printed them 3,000 times, 13 s of sympy.together)."""
    from sympy.printing.str import StrPrinter

    class _Printer(StrPrinter):
        def _fraction(self, arg):
            numerator, denominator = _numer_denom(arg)
            if denominator == 1:
                return self._print(numerator)
            inner = self._print(numerator)
            if not (numerator.is_Symbol or numerator.is_Number or numerator.is_Function):
                inner = f"({inner})"
            return f"{inner}/{self._print(denominator)}"

        def _print_floor(self, expr):
            return f"⌊{self._fraction(expr.args[0])}⌋"

        def _print_ceiling(self, expr):
            return f"⌈{self._fraction(expr.args[0])}⌉"

    value = _tidy(value)
    return _Printer().doprint(value).replace("**", "^")


def _tidy(value):
    """⌊−A⌋ as −⌈A⌉ and ⌈−A⌉ as −⌊A⌋, innermost first: formulas.ceil_div writes ⌈a/b⌉ as −⌊−a/b⌋ (so that
    ints and numpy arrays work too), which prints as floors of negative numbers. The value is unchanged."""
    sympy = _sympy()
    if not hasattr(value, "args") or not value.args:
        return value
    args = [_tidy(a) for a in value.args]
    if isinstance(value, (sympy.floor, sympy.ceiling)):
        inner = args[0]
        if inner.could_extract_minus_sign():
            other = sympy.ceiling if isinstance(value, sympy.floor) else sympy.floor
            return -other(-inner)
        return type(value)(inner)
    if args == list(value.args):
        return value
    return value.func(*args)


def _evaluate(expr, subs):
    """An expression at integer values, exactly (sympy rationals), as a Python int."""
    if _plain(expr):
        return expr
    sympy = _sympy()
    value = sympy.sympify(expr).xreplace(subs)
    if not value.is_Integer:
        value = sympy.simplify(value.doit())
    if not value.is_Integer:
        raise ConfigError(f"cannot evaluate {expr} at {subs}: received {value}", "--subs")
    return int(value)


# ---------------------------------------------------------------------------------------------------------
# the summary


class SymbolicSummary(Summary):
    """A :class:`~shapecalc.report.Summary` whose figures are sympy expressions in the input's symbols."""

    symbolic = True

    def __init__(self, model, input_shape, all_rows, symbols, constraints, checked, network, **kw):
        super().__init__(model, input_shape, all_rows, **kw)
        self.symbols = symbols
        self.constraints = constraints
        self.checked = checked
        self.network = network

    def title(self, channels_first=False):
        return super().title(channels_first) + " (symbolic)"

    def table_data(self, depth=None, channels_first=False, raw=False):
        header, body = super().table_data(depth, channels_first, raw=True)
        if raw:
            # sympy text (machine-readable), each size of a shape in parentheses where it is a sum
            out = []
            for row, r in zip(body, self.visible_rows(depth)):
                row = [str(c) if not isinstance(c, (int, str)) else c for c in row]
                shape = r.output_shape
                if shape is not None:
                    if channels_first and len(shape) == 3:
                        shape = (shape[2], shape[0], shape[1])
                    row[2] = "×".join(str(d) if _plain(d) or getattr(d, "is_Atom", False) else f"({d})"
                                      for d in shape)
                out.append(row)
            return header, out
        for row, r in zip(body, self.visible_rows(depth)):
            shape = r.output_shape
            if channels_first and shape is not None and len(shape) == 3:
                shape = (shape[2], shape[0], shape[1])
            row[2] = "" if shape is None else "×".join(_dim(d) for d in shape)
            row[3], row[4] = pretty(row[3]), pretty(row[4])
            rf = r.receptive_field
            row[5] = "" if rf is None else "×".join(_dim(v) for v in rf)
        return header, body

    def totals_lines(self):
        t = self.totals
        lines = [
            f"params: {pretty(t['params'])} (trainable {pretty(t['trainable_params'])})",
            f"MACs: {pretty(t['macs'])}",
            f"activations: {pretty(t['activations'])} elements, "
            f"{format_bytes(t['activation_bytes']) if _plain(t['activation_bytes']) else pretty(t['activation_bytes']) + ' B'} "
            f"at {self.dtype}",
        ]
        if t["side_head_params"]:
            lines.insert(1, f"side heads: {pretty(t['side_head_params'])} params")
        if self.constraints:
            lines.append(f"{len(self.constraints)} conditions on the input sizes: see --constraints")
        return lines


def _dim(d):
    text = pretty(d)
    return f"({text})" if not _plain(d) and not getattr(d, "is_Atom", False) else text


def _symbols_for(input):
    sympy = _sympy()
    table = {}
    shape = []
    for d in input:
        if isinstance(d, str):
            if d not in table:
                table[d] = sympy.Symbol(d, integer=True, positive=True)
            shape.append(table[d])
        else:
            if isinstance(d, bool) or not isinstance(d, int) or d < 1:
                raise ConfigError(f"input sizes must be whole numbers ≥ 1 or names, received {d!r}", "input")
            shape.append(d)
    if len(shape) not in (1, 2, 3, 4):
        raise ConfigError(f"input must be (H, W, C), (L, C), (D, H, W, C) or (N,), received {tuple(input)!r}", "input")
    return tuple(shape), table


def symbolic_summary(network, input, batch=1, no_bias=False, freeze=None, dtype="float32", convention="macs",
                     trainable=None):
    """Walk ``network`` on ``input`` with letters as sympy symbols (``("H", "W", 3)``)."""
    from .report import _check_options

    shape, symbols = _symbols_for(input)
    _check_options((1, 1, 1), batch, dtype, convention)
    ctx = SymbolicContext()
    rows = walk(network, shape, ctx, batch=batch, no_bias=no_bias)
    if freeze:
        apply_freeze(rows, freeze, trainable)
    side = {r.path for r in rows if r.side_head}
    for c in ctx.constraints:
        c.side = c.path in side
    name = getattr(network, "title", None) or type(network).__name__
    return SymbolicSummary(name, shape, rows, symbols, ctx.constraints, ctx.checked, network, batch=batch,
                           dtype=dtype, convention=convention, no_bias=no_bias)


# ---------------------------------------------------------------------------------------------------------
# substitution


def parse_values(text, symbols):
    """``"H=224,W=224"`` → {Symbol H: 224, Symbol W: 224}; every symbol must be given."""
    if isinstance(text, dict):
        items = list(text.items())
    else:
        items = []
        for part in str(text).replace(";", ",").split(","):
            if not part.strip():
                continue
            if "=" not in part:
                raise ConfigError(f"expected NAME=VALUE pairs such as H=224,W=224, received {part.strip()!r}", "--subs")
            key, value = part.split("=", 1)
            items.append((key.strip(), value.strip()))
    import re

    from .shapes import MAX_SIZE

    values = {}
    for key, value in items:
        if key not in symbols:
            raise ConfigError(f"no symbol {key!r} in the input (symbols: {', '.join(symbols) or 'none'})", "--subs")
        if symbols[key] in values:
            raise ConfigError(f"{key} is given twice: give each size once", "--subs")
        # the typo guards of --input: ASCII digits only (int() also reads "٣٩" and "３９"), no bool, and at most
        # the size limit
        if isinstance(value, bool) or not (isinstance(value, int) or (
                isinstance(value, str) and re.fullmatch(r"[+-]?[0-9]+", value))):
            raise ConfigError(f"{key} must be a whole number, received {value!r}", "--subs")
        if isinstance(value, str) and len(value.lstrip("+-")) > len(str(MAX_SIZE)):
            raise ConfigError(f"{key} = {value} is larger than the limit {MAX_SIZE:,}", "--subs")
        number = int(value)
        if number < 1:
            raise ConfigError(f"{key} must be at least 1, received {number}", "--subs")
        if number > MAX_SIZE:
            raise ConfigError(f"{key} = {number} is larger than the limit {MAX_SIZE:,}", "--subs")
        values[symbols[key]] = number
    missing = [name for name, sym in symbols.items() if sym not in values]
    if missing:
        raise ConfigError(f"give a value for {', '.join(missing)} (e.g. {missing[0]}=224)", "--subs")
    return values


def _eval_tree(value, subs):
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, tuple):
        return tuple(_eval_tree(v, subs) for v in value)
    return _evaluate(value, subs)


def substitute(summary, values, strict=False):
    """The numeric :class:`~shapecalc.report.Summary` at ``values`` (``"H=224,W=224"`` or a dict).

    Every figure is the symbolic formula evaluated exactly; each layer with a recorded condition is
    checked again with the numbers (its own rule, as the numeric mode does), which gives the numeric mode's
    warnings, and its errors where a size is too small.
    """
    if not getattr(summary, "symbolic", False):
        raise ConfigError("--subs needs a symbolic input such as --input HxWx3", "--subs")
    import copy

    from .analysis import NumericContext

    sympy = _sympy()
    values = parse_values(values, summary.symbols)
    subs = {k: sympy.Integer(v) for k, v in values.items()}
    rows = []
    for r in summary.all_rows:
        n = copy.copy(r)
        for field in ("input_shape", "output_shape", "rf"):
            setattr(n, field, _eval_tree(getattr(r, field), subs))
        for field in ("weights", "biases", "buffers", "macs", "bias_adds", "activations"):
            setattr(n, field, _evaluate(getattr(r, field), subs))
        n.warnings = list(r.warnings)
        rows.append(n)
    # re-check every layer that asked for a condition, with its own rule on the numbers
    for n in rows:
        # a window asks which real rows it reads even where its textbook formula is whole for every size
        if not n.leaf or n.path not in summary.checked and not getattr(n.layer, "slides", False):
            continue
        if getattr(n.layer, "merges", False):
            for c in summary.constraints:
                if c.path == n.path and not c.holds(values):
                    a, b = (_evaluate(e, subs) for e in c.exprs)
                    raise ShapeError(f"{n.layer.kind} expects equal sizes, received {a} and {b} "
                                     f"({c.text()} does not hold)", n.path)
            continue
        ctx = NumericContext(strict=strict)
        n.layer.infer(n.input_shape, ctx, n.path)
        n.warnings = ctx.take_warnings()
        n.notes = ctx.take_notes()
    _reaggregate_warnings(rows)
    shape = _eval_tree(summary.input_shape, subs)
    return Summary(summary.model, shape, rows, batch=summary.batch, dtype=summary.dtype,
                   convention=summary.convention, no_bias=summary.no_bias)


def _reaggregate_warnings(rows):
    for i, row in enumerate(rows):
        if row.leaf:
            continue
        prefix = row.path + "."
        row.warnings = [w for c in rows if c.leaf and c.path.startswith(prefix) for w in c.warnings]
        row.notes = [w for c in rows if c.leaf and c.path.startswith(prefix) for w in c.notes]


# ---------------------------------------------------------------------------------------------------------
# conditions per axis


def _period(summary, symbol):
    """M: a common multiple of the strides along the axes that ``symbol`` sizes (the jumps), and of the
    periods of the conditions on ``symbol`` (MaxViT's partition asks for a map side that 7 divides: the
    stride 32 alone would miss it)."""
    import math

    sympy = _sympy()
    axes = [a for a, d in enumerate(summary.input_shape[:2]) if d == symbol] if len(summary.input_shape) == 3 else []
    period = 1
    for r in summary.all_rows:
        if not r.leaf or r.rf is None:
            continue
        for a in axes:
            jump = r.rf[a][1]
            if _plain(jump) or getattr(jump, "is_Integer", False):
                period = math.lcm(period, int(jump))
    cache = {}
    for c in getattr(summary, "constraints", ()):
        if c.kind == "positive" or symbol not in c.free_symbols:
            continue
        exprs = [sympy.sympify(e) for e in c.exprs]
        if len(c.free_symbols) != 1 or not all(_quasi_linear(e) for e in exprs):
            continue
        for e in exprs:
            p, g = _period_growth(e, cache)
            if c.kind == "exact" and e is exprs[0] and exprs[1].is_Integer:
                # den | num(n): num grows by g each p, so the remainder repeats within den · q periods of p
                p *= int(exprs[1]) * int(sympy.Rational(g).q)
            period = math.lcm(period, p)
    return period


def _smallest(predicate, limit=2**40):
    """The smallest n ≥ 1 with ``predicate(n)`` for a predicate that stays true once true (None: never)."""
    if not predicate(limit):
        return None
    lo, hi = 1, limit
    while lo < hi:
        mid = (lo + hi) // 2
        if predicate(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


def _reduce(period, residues):
    """The smallest period m | M that describes the same residue set, and the residues mod m."""
    for m in range(1, period + 1):
        if period % m:
            continue
        small = {r % m for r in residues}
        if all((r % period) in residues for s in small for r in range(s, period, m)):
            return m, sorted(small)
    return period, sorted(residues)


class AxisConditions:
    """The conditions on one symbol: ``smallest`` size that runs; from there on, the sizes that run are
    those ≡ ``runs`` (mod ``runs_period``), and the exact ones those ≡ ``exact`` (mod ``exact_period``)."""

    def __init__(self, symbol, smallest, runs_period, runs, exact_period, exact, smallest_exact, per_layer):
        self.symbol = symbol
        self.smallest = smallest
        self.runs_period, self.runs = runs_period, runs
        self.exact_period, self.exact = exact_period, exact
        self.smallest_exact = smallest_exact
        self.per_layer = per_layer

    def congruence(self, period, residues):
        if period == 1:
            return ""
        return _congruence(str(self.symbol), period, residues)

    def text(self):
        name = str(self.symbol)
        if self.smallest is None:
            return f"{name}: no size gives an output"
        runs = ", ".join(p for p in (self.congruence(self.runs_period, self.runs), f"{name} ≥ {self.smallest}") if p)
        exact_rule = self.congruence(self.exact_period, self.exact)
        if self.smallest_exact is None:
            exact = "no size divides exactly"
        else:
            exact = ", ".join(p for p in (exact_rule, f"{name} ≥ {self.smallest_exact}") if p)
            exact += f" (smallest {self.smallest_exact})"
        side = getattr(self, "smallest_with_side_heads", self.smallest)
        tail = f"; with the side heads (training) from {name} = {side}" if side != self.smallest else ""
        return f"{name}: runs for {runs}; every division exact for {exact}{tail}"


def _decide(summary, symbol, constraints):
    """(smallest running size, runs period, runs residues, exact period, exact residues, smallest exact)."""
    unique = {}
    for c in constraints:
        unique.setdefault((c.kind, c.exprs), c)
    positive = [c for c in unique.values() if c.kind == "positive"]
    equal = [c for c in unique.values() if c.kind == "equal"]
    exact = [c for c in unique.values() if c.kind == "exact"]
    cache = {}

    def holds(c, n):
        key = (id(c), n)
        if key not in cache:
            cache[key] = c.holds({symbol: n})
        return cache[key]

    smallest = _smallest(lambda n: all(holds(c, n) for c in positive)) if positive else 1
    if smallest is None:
        return None, 1, [], 1, [], None
    period = _period(summary, symbol)
    window = range(smallest, smallest + period)
    runs_ok = {n % period for n in window if all(holds(c, n) for c in equal)}
    exact_ok = {n % period for n in window if n % period in runs_ok and all(holds(c, n) for c in exact)}
    runs_period, runs = _reduce(period, runs_ok) if runs_ok else (period, [])
    exact_period, exact_res = _reduce(period, exact_ok) if exact_ok else (period, [])
    smallest_runs = next((n for n in window if n % period in runs_ok), None)
    smallest_exact = next((n for n in window if n % period in exact_ok), None)
    return smallest_runs, runs_period, runs, exact_period, exact_res, smallest_exact


def axis_conditions(summary):
    """{symbol name: :class:`AxisConditions`} from the recorded constraints, decided exactly.

    Side heads (auxiliary classifiers, which run in training only) are left out, as in torchvision's
    ``min_size``; ``smallest_with_side_heads`` includes them.
    """
    out = {}
    for name, symbol in summary.symbols.items():
        mine = [c for c in summary.constraints if c.free_symbols == {symbol}]
        main = _decide(summary, symbol, [c for c in mine if not c.side])
        cond = AxisConditions(symbol, main[0], main[1], main[2], main[3], main[4], main[5], mine)
        cond.smallest_with_side_heads = (
            _decide(summary, symbol, mine)[0] if any(c.side for c in mine) else cond.smallest)
        out[name] = cond
    return out


def _single_condition(c, symbol, period):
    """One recorded constraint as a condition on the input size: ``H ≥ 11`` or ``H ≡ 3 (mod 4)``."""
    name = str(symbol)
    if c.kind == "positive":
        n = _smallest(lambda v: c.holds({symbol: v}))
        return f"{name} ≥ {n}" if n is not None else "never"
    ok = {v for v in range(period, 2 * period) if c.holds({symbol: v})}
    m, residues = _reduce(period, {v % period for v in ok})
    if m == 1:
        return "always" if residues else "never"
    return _congruence(name, m, residues)


def _congruence(name, period, residues):
    """``H ≡ 3 (mod 32)``, ``H mod 8 ∈ {3…6}`` or ``never``, for a period above 1."""
    if not residues:
        return "never"
    if len(residues) == 1:
        return f"{name} ≡ {residues[0]} (mod {period})"
    return f"{name} mod {period} ∈ {{{_residues(residues)}}}"


def _residues(residues):
    """{3, 4, 5, 6, 9} as "3…6, 9"."""
    parts, i = [], 0
    while i < len(residues):
        j = i
        while j + 1 < len(residues) and residues[j + 1] == residues[j] + 1:
            j += 1
        parts.append(str(residues[i]) if j - i < 2 else f"{residues[i]}…{residues[j]}")
        if j - i == 1:
            parts.append(str(residues[j]))
        i = j + 1
    return ", ".join(parts)


def constraints_text(summary, per_layer=True):
    """The conditions on the input sizes under which the network runs and every division is exact."""
    if not getattr(summary, "symbolic", False):
        raise ConfigError("--constraints needs a symbolic input such as --input HxWx3", "--constraints")
    shape = "×".join(str(d) for d in summary.input_shape)
    lines = [f"{summary.model} — input {shape}"]
    conditions = axis_conditions(summary)
    for name, cond in conditions.items():
        lines.append(cond.text())
    from .coverage import NOTION

    lines.append(NOTION)
    mixed = [c for c in summary.constraints if len(c.free_symbols) > 1]
    for c in mixed:
        lines.append(f"also {c.path}: {c.text()}")
    if per_layer and summary.constraints:
        lines.append("")
        lines.append("per layer (the formula, and the same as a condition on the input size; a condition that")
        lines.append("several layers share is listed once, at the first):")
        groups = {}
        for c in summary.constraints:
            groups.setdefault((c.kind, c.exprs), []).append(c)
        for same in groups.values():
            c = same[0]
            symbols = c.free_symbols
            rule = ""
            if len(symbols) == 1:
                symbol = next(iter(symbols))
                rule = _single_condition(c, symbol, _period(summary, symbol))
            others = len({x.path for x in same}) - 1
            more = f"  (and {others} more layer{'s' if others > 1 else ''})" if others else ""
            side = "  [side head]" if all(x.side for x in same) else ""
            lines.append(f"  {c.path}: {c.text()}" + (f"  ⇔  {rule}" if rule else "") + more + side)
    return "\n".join(lines)


def constraints_dict(summary):
    """``--constraints --format json``: what :func:`constraints_text` prints, as data (docs/json.md)."""
    if not getattr(summary, "symbolic", False):
        raise ConfigError("--constraints needs a symbolic input such as --input HxWx3", "--constraints")
    axes = {}
    for name, cond in axis_conditions(summary).items():
        axes[name] = {
            "smallest": cond.smallest,
            "runs": {"period": cond.runs_period, "residues": list(cond.runs)},
            "smallest_exact": cond.smallest_exact,
            "exact": {"period": cond.exact_period, "residues": list(cond.exact)},
            "smallest_with_side_heads": getattr(cond, "smallest_with_side_heads", cond.smallest),
            "text": cond.text(),
        }
    layers, rules = [], {}
    for c in summary.constraints:
        symbols = c.free_symbols
        rule = None
        if len(symbols) == 1:
            # (one answer per distinct condition, as the text lists it once)
            key = (c.kind, c.exprs)
            if key not in rules:
                symbol = next(iter(symbols))
                rules[key] = _single_condition(c, symbol, _period(summary, symbol))
            rule = rules[key]
        layers.append({"layer": c.path, "kind": c.kind, "formula": c.text(), "condition": rule,
                       "symbols": sorted(str(s) for s in symbols), "side_head": c.side})
    return {"schema": "shapecalc.constraints/1", "model": summary.model,
            "input": [d if isinstance(d, int) else str(d) for d in summary.input_shape], "axes": axes,
            "layers": layers}


def polynomial(summary, figure="macs", residues=None):
    """A total as a polynomial in the symbols on one residue class (default: the smallest exact sizes).

    With ``H = M·k + r`` the floors become linear in ``k``, so the total is a polynomial there; the answer
    holds for every size ≡ r (mod M) from the smallest exact size on. Returns (expression, {symbol: (r, M)}).
    """
    sympy = _sympy()
    expr = sympy.sympify(summary.totals[figure])
    conditions = axis_conditions(summary)
    classes = {}
    for name, symbol in summary.symbols.items():
        cond = conditions[name]
        period = _period(summary, symbol)
        if residues and name in residues:
            r = residues[name] % period
        elif cond.smallest_exact is not None:
            r = cond.smallest_exact % period
        else:
            return None, {}
        k = sympy.Symbol(f"k_{name}", integer=True, nonnegative=True)
        expr = expr.xreplace({symbol: period * k + r})
        expr = sympy.simplify(expr)
        expr = expr.xreplace({k: (symbol - r) / period})
        classes[name] = (r, period)
    return sympy.expand(expr), classes
