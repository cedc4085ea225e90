"""Two networks side by side: totals and their ratio.

>>> c = compare("conv5x5-28x28x192", "bottleneck-28x28x192")
>>> c.a.totals["macs"], c.b.totals["macs"]       # 28·28·32·(5·5·192) vs 28·28·16·192 + 28·28·32·(5·5·16)
(120422400, 12443648)
"""

from .report import plain_table, summary, to_csv
from .shapes import format_int, format_shape

__all__ = ["compare", "Comparison"]


def compare(a, b, input=None, **kwargs):
    """Analyse ``a`` and ``b`` (names, files, networks, modules — or summaries already made) with the same
    options; ``input`` applies to both."""
    from .errors import ConfigError
    from .report import Summary

    made = [isinstance(x, Summary) for x in (a, b)]
    if any(made) and (input is not None or kwargs):
        raise ConfigError("a summary is already analysed: give the options to summary(), not compare()", "compare")
    return Comparison(*(x if is_made else summary(x, input, **kwargs) for x, is_made in zip((a, b), made)))


def _number_ratio(x, y):
    """``x / y`` as a number, or "" where there is none (sizes, a zero)."""
    if not isinstance(x, int) or not isinstance(y, int) or y == 0:
        return ""
    return round(x / y, 6)


def _ratio(x, y):
    if not isinstance(x, int) or not isinstance(y, int):
        return ""
    if y == 0:
        return "—" if x == 0 else "∞"
    return f"{x / y:.2f}×"


class Comparison:
    """Totals of two summaries; ``a`` and ``b`` are the :class:`~shapecalc.report.Summary` objects."""

    FIGURES = ("params", "trainable_params", "buffers", "side_head_params", "macs", "flops", "activations",
               "activation_bytes")

    def __init__(self, a, b):
        self.a, self.b = a, b

    @property
    def rows(self):
        """``(figure, value_a, value_b)`` for the figures of the table (a property, as ``Summary.rows``)."""
        ta, tb = self.a.totals, self.b.totals
        # (the input is no layer)
        layers = [sum(1 for r in s.rows if r.kind != "input") for s in (self.a, self.b)]
        out = [("input", format_shape(self.a.input_shape), format_shape(self.b.input_shape)),
               ("layers", *layers)]
        for key in self.FIGURES:
            if key in ("buffers", "side_head_params") and not (ta[key] or tb[key]):
                continue
            out.append((key, ta[key], tb[key]))
        rfa, rfb = self.a.rows[-1].receptive_field, self.b.rows[-1].receptive_field
        if rfa and rfb:
            out.append(("receptive field", f"{rfa[0]}×{rfa[1]}", f"{rfb[0]}×{rfb[1]}"))
        return out

    def to_dict(self):
        return {"a": self.a.to_dict(), "b": self.b.to_dict()}

    def table(self, format="text"):
        header = ["", self.a.model, self.b.model, f"{self.a.model} / {self.b.model}"]
        body = [[k, format_int(x), format_int(y), _ratio(x, y)] for k, x, y in self.rows]
        if format == "json":
            import json

            return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, default=str)
        if format == "csv":
            # numbers a spreadsheet reads: the ratio as a number (empty where there is none)
            return to_csv(header, [[k, x, y, _number_ratio(x, y)] for k, x, y in self.rows])
        align = ("left", "right", "right", "right")
        if format == "text":
            return plain_table(header, body, align=align)
        from .tables import tabulate_table

        return tabulate_table(header, body, format, align=align)

    def __str__(self):
        return self.table()

    def __repr__(self):
        ta, tb = self.a.totals, self.b.totals
        return (f"<Comparison {self.a.model} vs {self.b.model}: params {format_int(ta['params'])} / "
                f"{format_int(tb['params'])}, macs {format_int(ta['macs'])} / {format_int(tb['macs'])}>")

    def to_dataframe(self):
        """A pandas DataFrame, one row per figure: the two values and their ratio; needs pandas."""
        try:
            import pandas as pd
        except ImportError:
            from .errors import ConfigError

            raise ConfigError("to_dataframe needs pandas: pip install pandas", "to_dataframe") from None
        return pd.DataFrame([(x, y, _number_ratio(x, y)) for _, x, y in self.rows],
                            index=[k for k, _, _ in self.rows], columns=[self.a.model, self.b.model, "ratio"])

    def _repr_html_(self):
        from .notebook import comparison_html

        return comparison_html(self)

    def plot(self, path=None):
        """Both networks' per-layer MACs, params and feature maps overlaid (matplotlib)."""
        from .plot import plot_comparison

        return plot_comparison(self, path)
