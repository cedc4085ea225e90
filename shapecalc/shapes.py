"""Shapes, their parsing from the command line and their printing.

A shape is a plain tuple: ``(H, W, C)`` for a feature map, ``(N,)`` for a vector. Sizes are Python
integers, or sympy expressions in symbolic mode. The batch size is not part of the shape: it multiplies
MACs and activations in the analysis.

>>> parse_shape("39x31x1")
(39, 31, 1)
>>> parse_shape("(36, 28, 20)")
(36, 28, 20)
>>> format_shape((55, 55, 96))
'55×55×96'
>>> format_shape((55, 55, 96), channels_first=True)
'96×55×55'
>>> format_int(60965224)
'60,965,224'
"""

from .errors import ConfigError

__all__ = ["parse_shape", "format_shape", "format_int", "is_map", "DTYPE_BYTES", "MAX_SIZE"]

#: bytes per element of each supported ``--dtype``
DTYPE_BYTES = {
    "float64": 8,
    "float32": 4,
    "float16": 2,
    "bfloat16": 2,
    "int8": 1,
    "uint8": 1,
}

#: sizes above this are refused as typos (a 10^12-pixel side is not an image)
MAX_SIZE = 10**12

# patterns, compiled (and cached by re) on first use: the plain table path never parses a shape, and does
# not import re (with enum, functools and collections, re is a third of a bare interpreter's start-up)
_SEPARATORS = r"\s*(?:[x×X*,]|\s)\s*"
_SYMBOL = r"[A-Za-z][A-Za-z0-9_]*"


def is_map(shape):
    """True for a feature map ``(H, W, C)``, False for a vector ``(N,)``."""
    return len(shape) == 3


def parse_shape(text, allow_symbols=False, what="input"):
    """Parse ``HxWxC`` (also ``H×W×C``, ``(H, W, C)``, ``H,W,C``) or a single ``N`` into a tuple.

    With ``allow_symbols``, a part made of letters (``H``, ``W``) stays a string: the symbolic mode's name.
    """
    if not isinstance(text, str):
        raise ConfigError(f"expected a shape such as 224x224x3, received {text!r}", what)
    raw = text.strip()
    body = raw.strip("()[] ")
    if not body:
        raise ConfigError("expected a shape such as 224x224x3, received an empty string", what)
    import re

    parts = re.split(_SEPARATORS, body)
    if len(parts) not in (1, 2, 3, 4):
        raise ConfigError(
            f"expected 3 sizes H×W×C (2 for a sequence L×C, 4 for a volume D×H×W×C, one for a vector), received "
            f"{len(parts)} in {raw!r}", what
        )
    dims = []
    for part in parts:
        if part.isdigit() and part.isascii():
            if len(part) > 30:
                # int() refuses more than 4,300 digits; no need to convert what is over the limit anyway
                raise ConfigError(f"a size of {len(part):,} digits in {_clip(raw)} is larger than the limit "
                                  f"{MAX_SIZE:,}", what)
            value = int(part)
            if value < 1:
                raise ConfigError(f"every size must be at least 1, received {value} in {raw!r}", what)
            if value > MAX_SIZE:
                raise ConfigError(f"size {value} in {raw!r} is larger than the limit {MAX_SIZE:,}", what)
            dims.append(value)
        elif allow_symbols and re.fullmatch(_SYMBOL, part):
            dims.append(part)
        else:
            shown = repr(part) if part else "an empty part"
            raise ConfigError(
                f"expected whole numbers separated by 'x' (e.g. 224x224x3), received {shown} in {raw!r}", what
            )
    return tuple(dims)


def _clip(text, limit=60):
    """``repr(text)``, shortened in the middle when long (an error message stays readable)."""
    shown = repr(text)
    return shown if len(shown) <= limit else shown[: limit // 2] + "…" + shown[-limit // 2:]


def format_int(value):
    """Thousands separators for integers; other values (sympy expressions) as their text."""
    if isinstance(value, int):
        try:
            return f"{value:,}"
        except ValueError:
            # over Python's 4,300-digit int-to-text limit (a submitted "count" can be anything): say how
            # many digits, exactly: 10^(d−1) ≤ |value| < 10^d
            digits = int(value.bit_length() * 0.30103)
            while abs(value) >= 10**digits:
                digits += 1
            while abs(value) < 10 ** (digits - 1):
                digits -= 1
            return f"a {digits:,}-digit number"
    return str(value)


def format_shape(shape, channels_first=False):
    """``H×W×C`` (or ``C×H×W`` with ``channels_first``; ``C×D×H×W`` for a volume); a vector prints as its
    length."""
    if shape is None:
        return ""
    if len(shape) in (3, 4) and channels_first:
        return "×".join(map(str, (shape[-1],) + tuple(shape[:-1])))
    return "×".join(map(str, shape))
