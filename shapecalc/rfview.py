"""``shapecalc NAME --rf``: receptive field, jump and the input region a single output unit sees, per layer.

The figures are the walk's own (``Row.rf``: per axis size ``r``, jump ``J`` and start ``s`` from
:func:`shapecalc.formulas.rf_step`): output unit ``(i, j)`` of a layer sees
input rows ``s + J·i … s + J·i + r − 1`` (0-based; below 0 or past the edge is padding). In symbolic mode
(``--input HxWx3``) they are formulas.

>>> from shapecalc import summary
>>> print(rf_table(summary("stack-3x3")).splitlines()[6])     # two 3×3 convs: 3 + (3 − 1) = 5
conv2  conv 3×3, same, 64  56×56×64  5×5  1×1   rows -2…2, cols -2…2  rows i-2…i+2, cols j-2…j+2
"""

from .report import sees_whole_input
from .shapes import format_int, format_shape

__all__ = ["rf_table", "rf_rows"]


def _text(value, symbolic):
    if symbolic:
        from .symbolic import pretty

        return pretty(value)
    return format_int(value) if isinstance(value, int) else str(value)


def _affine(start, jump, var, symbolic):
    """``start + jump·var`` as short text: ``2i-3``, ``i+1``, ``s``."""
    if isinstance(jump, int) and jump == 0:
        return _text(start, symbolic)
    j = "" if isinstance(jump, int) and jump == 1 else _wrap(_text(jump, symbolic), jump)
    term = f"{j}{var}"
    if isinstance(start, int):
        if start == 0:
            return term
        return f"{term}{start:+d}"
    return f"{term}+{_wrap(_text(start, symbolic), start)}"


def _wrap(text, value):
    return text if isinstance(value, int) or getattr(value, "is_Atom", False) else f"({text})"


#: per number of axes: what the positions along each are called, and the output unit's index along each
_AXES = {1: (("positions",), ("i",)), 2: (("rows", "cols"), ("i", "j")), 3: (("slices", "rows", "cols"), ("k", "i", "j"))}


def rf_rows(summary, depth=None):
    """One dict per visible row: name, type, output, rf, jump, start, region of unit 0, region of unit (i, j)."""
    symbolic = getattr(summary, "symbolic", False)
    out = []
    for r in summary.visible_rows(depth):
        item = {"name": r.path, "type": r.detail, "output": list(r.output_shape) if r.output_shape else None,
                "receptive_field": None, "jump": None, "start": None, "unit0": None, "unit_ij": None,
                "sees_whole_input": sees_whole_input(r.rf, summary.input_shape)}
        if r.rf is not None:
            words, letters = _AXES[len(r.rf)]
            item["receptive_field"] = [a[0] for a in r.rf]
            item["jump"] = [a[1] for a in r.rf]
            item["start"] = [a[2] for a in r.rf]
            item["unit0"] = [[s, s + size - 1] for size, _, s, _ in r.rf]
            grid = ", ".join(f"{word} {_affine(s, j, v, symbolic)}…{_affine(s + size - 1, j, v, symbolic)}"
                             for word, v, (size, j, s, _) in zip(words, letters, r.rf))
            shared = len(r.rf) == 1 and r.rf[0][3] == 1 and r.output_shape is not None and r.output_shape[0] != 1
            if r.output_shape is not None and len(r.output_shape) == len(r.rf) + 1 and not shared:
                item["unit_ij"] = grid
            elif r.output_shape is not None and len(r.output_shape) == 2:
                # tokens: one per position of the map they came from, until a layer that sees the whole map
                # (attention: the state's extent is then 1)
                whole = all(a[3] == 1 for a in r.rf)
                item["unit_ij"] = "(tokens: each sees all of it)" if whole else f"(tokens: position (i,j)'s sees {grid})"
            else:
                # a vector (after a flatten or a dense layer): no grid of units, each unit sees that region
                item["unit_ij"] = "(a vector: every unit)"
        out.append(item)
    return out


def rf_table(summary, depth=None, format="text"):
    """The ``--rf`` view: text (default), json, csv, or a tabulate format."""
    symbolic = getattr(summary, "symbolic", False)
    items = rf_rows(summary, depth)
    if format == "json":
        import json

        return json.dumps({"schema": "shapecalc.receptive-fields/1", "model": summary.model,
                           "input": list(summary.input_shape), "layers": items},
                          indent=2, ensure_ascii=False, default=str)
    header = ["layer", "type", "output", "RF", "jump", "unit (0,0) sees", "unit (i,j) sees"]
    body = []
    for item, r in zip(items, summary.visible_rows(depth)):
        if item["receptive_field"] is None:
            body.append([item["name"], item["type"], format_shape(r.output_shape), "", "", "", ""])
            continue
        t = lambda v: _text(v, symbolic)  # noqa: E731
        words = _AXES[len(item["unit0"])][0]
        if symbolic:
            from .symbolic import _dim

            shape = "×".join(_dim(x) for x in r.output_shape)
        else:
            shape = format_shape(r.output_shape)
        body.append([
            item["name"], item["type"], shape,
            "whole input" if item["sees_whole_input"] else "×".join(t(v) for v in item["receptive_field"]),
            "×".join(t(v) for v in item["jump"]),
            ", ".join(f"{word} {t(a)}…{t(b)}" for word, (a, b) in zip(words, item["unit0"])), item["unit_ij"],
        ])
    if format == "csv":
        from .report import to_csv

        return to_csv(header, body)
    title = (f"{summary.model} — receptive fields, input {format_shape(summary.input_shape)}"
             + (" (symbolic)" if symbolic else ""))
    note = ("RF: the input pixels one output unit depends on (whole input: every unit of the layer depends on "
            "every input pixel); jump: the input distance between neighbouring output units (the product of the "
            "strides); rows/cols are 0-based input positions, below 0 or past the edge is padding.")
    if format == "text":
        from .report import plain_table

        grid = plain_table(header, body)
    else:
        from .tables import tabulate_table

        grid = tabulate_table(header, body, format)
    from .tables import framed

    return framed(title, grid, [note], format)
