"""Rich display in Jupyter: a summary (or a comparison) as an HTML table, as Markdown, and as a DataFrame.

Jupyter calls ``_repr_html_`` / ``_repr_markdown_`` on the last value of a cell; :class:`~shapecalc.report.Summary`
and :class:`~shapecalc.comparison.Comparison` delegate here. Every cell is escaped, numbers carry thousands
separators, rows with a warning are highlighted and the warnings are listed under the totals.

>>> from shapecalc import summary
>>> s = summary("cnn-39x31")
>>> html = s._repr_html_()
>>> "<td>conv1</td>" in html and ">340<" in html and "64,620" in html
True
>>> print(s._repr_markdown_().splitlines()[2])
| layer | type | output | params | MACs | RF | notes |
"""

import html as _html

from .errors import ConfigError
from .shapes import format_int

__all__ = ["summary_html", "summary_markdown", "summary_dataframe", "comparison_html"]

_STYLE = (
    "<style>"
    ".shapecalc table{border-collapse:collapse;font-size:13px}"
    ".shapecalc th,.shapecalc td{padding:2px 8px;border-bottom:1px solid #ddd}"
    ".shapecalc td.num{text-align:right;font-variant-numeric:tabular-nums}"
    ".shapecalc tr.warn td{background:#fff3cd}"
    ".shapecalc tr.block td{font-weight:bold}"
    ".shapecalc .warnings{color:#8a6d3b}"
    "</style>"
)

# the table columns that hold text (left-aligned); the others hold numbers and shapes
_TEXT = ("layer", "type", "notes")


def _e(value):
    return _html.escape(str(value), quote=True)


def _cell(header, text):
    return f"<td>{_e(text)}</td>" if header in _TEXT else f'<td class="num">{_e(text)}</td>'


def summary_html(summary, depth=None):
    """The layer table, totals and warnings of ``summary`` as one self-contained HTML fragment."""
    header, body = summary.table_data(depth)
    rows = summary.visible_rows(depth)
    out = [_STYLE, '<div class="shapecalc">', f"<p><b>{_e(summary.title())}</b></p>", "<table>", "<thead><tr>"]
    out.extend(f"<th>{_e(h)}</th>" if h in _TEXT else f'<th style="text-align:right">{_e(h)}</th>' for h in header)
    out.append("</tr></thead><tbody>")
    for row, cells in zip(rows, body):
        classes = []
        if row.warnings:
            classes.append("warn")
        if not row.leaf:
            classes.append("block")
        attr = f' class="{" ".join(classes)}"' if classes else ""
        if row.warnings:
            attr += ' style="background:#fff3cd"'  # inline too: some viewers strip <style>
        title = f' title="{_e("; ".join(row.warnings))}"' if row.warnings else ""
        out.append(f"<tr{attr}{title}>" + "".join(_cell(h, c) for h, c in zip(header, cells)) + "</tr>")
    out.append("</tbody></table>")
    out.append("<p>" + "<br>".join(_e(line) for line in summary.totals_lines()) + "</p>")
    warnings = summary.warnings
    if warnings:
        out.append(f'<p class="warnings"><b>warnings: real input that a window never reads ({len(warnings)}; '
                   'strict=True makes them errors):</b></p>')
        out.append('<ul class="warnings">')
        out.extend(f"<li>⚠ <code>{_e(path)}</code>: {_e(text)}</li>" for path, text in warnings)
        out.append("</ul>")
    notes = summary.notes
    if notes:
        out.append(f"<p><b>notes ({len(notes)}; strict='whole' makes them errors):</b></p>")
        out.append("<ul>")
        out.extend(f"<li><code>{_e(path)}</code>: {_e(text)}</li>" for path, text in notes)
        out.append("</ul>")
    out.append("</div>")
    return "\n".join(out)


def _md(text):
    """A Markdown table cell: pipes and asterisks (symbolic products) escaped, no line breaks."""
    return str(text).replace("|", "\\|").replace("*", "\\*").replace("\n", " ")


def summary_markdown(summary, depth=None):
    """The layer table as a GitHub-flavoured Markdown table, with the totals and warnings under it."""
    header, body = summary.table_data(depth)
    align = ["---" if h in _TEXT else "---:" for h in header]
    lines = [f"**{_md(summary.title())}**", ""]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("| " + " | ".join(align) + " |")
    for cells in body:
        lines.append("| " + " | ".join(_md(c) for c in cells) + " |")
    lines.append("")
    lines.extend(f"- {_md(line)}" for line in summary.totals_lines())
    for path, text in summary.warnings:
        lines.append(f"- ⚠ `{path}`: {_md(text)}")
    for path, text in summary.notes:
        lines.append(f"- note `{path}`: {_md(text)}")
    return "\n".join(lines) + "\n"


def summary_dataframe(summary, blocks=False):
    """One row per layer (``blocks``: the aggregate rows of blocks too), indexed by layer path.

    Columns: kind, detail, input_shape, output_shape, weights, biases, params, trainable_params, buffers,
    macs, flops, connections, activations, receptive_field, side_head, frozen, warnings. Needs pandas.
    """
    try:
        import pandas as pd
    except ImportError:
        raise ConfigError("to_dataframe() needs pandas: pip install pandas", "to_dataframe") from None
    rows = summary.all_rows if blocks else summary.rows
    records = []
    for r in rows:
        records.append({
            "layer": r.path,
            "kind": r.kind,
            "detail": r.detail,
            "block": not r.leaf,
            "input_shape": tuple(r.input_shape) if r.input_shape is not None else None,
            "output_shape": tuple(r.output_shape) if r.output_shape is not None else None,
            **r.counts(),
            "activations": r.activations,
            "receptive_field": r.receptive_field,
            "side_head": r.side_head,
            "frozen": r.frozen,
            "warnings": "; ".join(r.warnings),
        })
    frame = pd.DataFrame.from_records(records)
    if not blocks:
        frame = frame.drop(columns=["block"])
    return frame.set_index("layer")


def comparison_html(comparison):
    """The comparison table (figures of every network and their ratios to the first) as HTML."""
    from .comparison import _ratio

    names = comparison.names
    header = ["", *names, *(f"{names[0]} / {name}" for name in names[1:])]
    out = [_STYLE, '<div class="shapecalc">', "<table>", "<thead><tr>"]
    out.extend(f"<th>{_e(h)}</th>" for h in header)
    out.append("</tr></thead><tbody>")
    for key, *values in comparison.rows:
        cells = [f"<td>{_e(key)}</td>"] + [f'<td class="num">{_e(v)}</td>' for v in (
            *(format_int(v) for v in values), *(_ratio(values[0], v) for v in values[1:]))]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    warnings = [(name, p, t) for name, s in zip(names, comparison.summaries) for p, t in s.warnings]
    if warnings:
        out.append('<ul class="warnings">')
        out.extend(f"<li>⚠ {_e(m)} <code>{_e(p)}</code>: {_e(t)}</li>" for m, p, t in warnings)
        out.append("</ul>")
    out.append("</div>")
    return "\n".join(out)

