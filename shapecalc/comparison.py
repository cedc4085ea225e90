"""Two or three networks side by side: totals and their ratios to the first.

>>> c = compare("conv5x5-28x28x192", "bottleneck-28x28x192")
>>> c.a.totals["macs"], c.b.totals["macs"]       # 28·28·32·(5·5·192) vs 28·28·16·192 + 28·28·32·(5·5·16)
(120422400, 12443648)
"""

from .report import plain_table, summary, to_csv
from .shapes import format_int, format_shape

__all__ = ["compare", "Comparison", "SCHEMA"]

#: the ``schema`` of the comparison's JSON: ``a``, ``b`` (and ``c``) are summaries as docs/json.md describes
SCHEMA = "shapecalc.comparison/1"

#: how many networks one comparison sets side by side
MOST = 3


def compare(a, b, *more, input=None, **kwargs):
    """Analyse ``a``, ``b`` and an optional third network (names, specs, files, networks, modules — or
    summaries already made) with the same options; ``input`` applies to all of them."""
    from .errors import ConfigError
    from .report import Summary

    models = (a, b, *more)
    if len(models) > MOST:
        raise ConfigError(f"compare sets two or three networks side by side, received {len(models)}", "compare")
    made = [isinstance(x, Summary) for x in models]
    if any(made) and (input is not None or kwargs):
        raise ConfigError("a summary is already analysed: give the options to summary(), not compare()", "compare")
    return Comparison(*(x if is_made else summary(x, input, **kwargs) for x, is_made in zip(models, made)))


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


def _rf_text(s):
    """The last layer's receptive field as the table shows it."""
    from .report import sees_whole_input

    row = s.rows[-1]
    if row.rf is None:
        return None
    if sees_whole_input(row.rf, s.input_shape):
        return "whole input"
    return "×".join(map(str, row.receptive_field))


class Comparison:
    """Totals of two or three summaries: ``a``, ``b`` and ``c`` (None for two) are the
    :class:`~shapecalc.report.Summary` objects, ``summaries`` all of them; ratios are to the first."""

    FIGURES = ("params", "trainable_params", "buffers", "side_head_params", "macs", "flops", "activations",
               "activation_bytes")

    def __init__(self, a, b, *more):
        self.summaries = (a, b, *more)

    @property
    def a(self):
        return self.summaries[0]

    @property
    def b(self):
        return self.summaries[1]

    @property
    def c(self):
        return self.summaries[2] if len(self.summaries) > 2 else None

    @property
    def names(self):
        """The column names: each network's name, ``spec (2)`` for the second of two that share one."""
        names, seen = [], {}
        for s in self.summaries:
            seen[s.model] = seen.get(s.model, 0) + 1
            names.append(s.model if seen[s.model] == 1 else f"{s.model} ({seen[s.model]})")
        return names

    @property
    def rows(self):
        """``(figure, value_a, value_b[, value_c])`` for the figures of the table (a property, as
        ``Summary.rows``)."""
        totals = [s.totals for s in self.summaries]
        # (the input is no layer)
        out = [("input", *(format_shape(s.input_shape) for s in self.summaries)),
               ("layers", *(sum(1 for r in s.rows if r.kind != "input") for s in self.summaries))]
        for key in self.FIGURES:
            if key in ("buffers", "side_head_params") and not any(t[key] for t in totals):
                continue
            out.append((key, *(t[key] for t in totals)))
        fields = [_rf_text(s) for s in self.summaries]
        if all(fields):
            out.append(("receptive field", *fields))
        return out

    def _ratio_header(self):
        names = self.names
        return [f"{names[0]} / {name}" for name in names[1:]]

    def lines(self):
        """What the table's figures depend on besides the networks, as text lines below it: the batch, the
        biases left out, the dtype; each network's warnings (real input that a window never reads), its
        notes (only padding left over) as a count, and what a partial analysis lacks."""
        out = []
        settings = [(s.batch, s.no_bias, s.dtype) for s in self.summaries]
        if any(setting != (1, False, "float32") for setting in settings):
            if len(set(settings)) == 1:
                out.append(_settings(*settings[0]))
            else:
                out.extend(f"{name}: {_settings(*setting)}" for name, setting in zip(self.names, settings))
        for name, s in zip(self.names, self.summaries):
            found = s.warnings
            if found:
                out.append(f"warnings of {name}: real input that a window never reads ({len(found)}; --strict "
                           "makes them errors):")
                out.extend(f"  ⚠ {path}: {text}" for path, text in found)
            noted = getattr(s, "notes", ())
            if noted:
                out.append(f"notes of {name} ({len(noted)}): (H − F + 2P)/S + 1 not whole, only padding left over "
                           f"(its own table lists them; --strict-whole makes them errors)")
            partial = s.partial_line()
            if partial:
                out.append(f"{name}: {partial}")
        return out

    def to_dict(self):
        out = {"schema": SCHEMA, "networks": self.names}
        for key, s in zip("abc", self.summaries):
            out[key] = s.to_dict()
        return out

    def table(self, format="text"):
        names = self.names
        header = ["", *names, *self._ratio_header()]
        if format == "json":
            from .report import dumps

            return dumps(self.to_dict())
        if format == "csv":
            # numbers a spreadsheet reads: the ratios as numbers (empty where there are none)
            return to_csv(header, [[k, *values, *(_number_ratio(values[0], v) for v in values[1:])]
                                   for k, *values in self.rows])
        body = [[k, *(format_int(v) for v in values), *(_ratio(values[0], v) for v in values[1:])]
                for k, *values in self.rows]
        align = ("left",) + ("right",) * (len(header) - 1)
        if format == "text":
            grid = plain_table(header, body, align=align)
        else:
            from .tables import tabulate_table

            grid = tabulate_table(header, body, format, align=align)
        lines = self.lines()
        if format != "text":
            from .tables import LATEX_FORMATS, framed

            if format in LATEX_FORMATS:
                return framed(" vs ".join(names), grid, lines, format)
        return "\n".join([grid, "", *lines]) if lines else grid

    def __str__(self):
        return self.table()

    def __repr__(self):
        names = " vs ".join(self.names)
        totals = [s.totals for s in self.summaries]
        return (f"<Comparison {names}: params {' / '.join(format_int(t['params']) for t in totals)}, "
                f"macs {' / '.join(format_int(t['macs']) for t in totals)}>")

    def to_dataframe(self):
        """A pandas DataFrame, one row per figure: each network's value and the ratios to the first (for two
        networks the one ratio is the column ``ratio``); needs pandas."""
        try:
            import pandas as pd
        except ImportError:
            from .errors import ConfigError

            raise ConfigError("to_dataframe needs pandas: pip install pandas", "to_dataframe") from None
        ratios = ["ratio"] if len(self.summaries) == 2 else self._ratio_header()
        return pd.DataFrame([(*values, *(_number_ratio(values[0], v) for v in values[1:])) for _, *values in self.rows],
                            index=[k for k, *_ in self.rows], columns=[*self.names, *ratios])

    def _repr_html_(self):
        from .notebook import comparison_html

        return comparison_html(self)

    def plot(self, path=None):
        """The networks' totals, per-layer MACs and feature maps overlaid (matplotlib)."""
        from .plot import plot_comparison

        return plot_comparison(self, path)


def _settings(batch, no_bias, dtype):
    """The options that change the figures, in words."""
    parts = []
    if batch != 1:
        parts.append(f"batch {batch}: macs, flops and activations count the whole batch")
    if no_bias:
        parts.append("biases not counted (--no-bias)")
    if dtype != "float32":
        parts.append(f"activation_bytes at {dtype}")
    return "; ".join(parts) if parts else "batch 1, biases counted, float32"
