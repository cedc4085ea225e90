"""Homework checking: a submitted table of layers, checked cell by cell against a network.

A submission is a CSV, TSV or Markdown pipe table whose header names columns such as *layer*, *output*
(or *output shape*), *params*, and optionally *MACs*, *FLOPs*, *connections* or *receptive field*. Rows
are matched to the network's layers (by name where the names match, otherwise in order); every filled
cell is compared with the exact figure. Each wrong cell gets the expected value, the layer's formula
written out with its numbers, and a diagnosis where a common mistake explains the submitted value. The
score is over every expected cell of the network (see :func:`check`).

This module is :func:`check`; the rest lives along its seams: reading the table (:mod:`.submission`),
matching rows to layers (:mod:`.matching`), comparing a cell (:mod:`.cells`), the working under a wrong
cell (:mod:`.cellformulas`), the diagnoses (:mod:`.diagnose`), the report (:mod:`.checkreport`), and the
command with its folder grading (:mod:`.grading`).

>>> from shapecalc.check import parse_count, parse_shape_cell
>>> parse_count("16,100"), parse_count("160K"), parse_count("1.2M"), parse_count("")
((16100, 0), (160000, 500), (1200000, 50000), None)
>>> parse_shape_cell("(36, 28, 20)"), parse_shape_cell("36 × 28 × 20"), parse_shape_cell("(None, 160)")
((36, 28, 20), (36, 28, 20), (160,))
"""

import re

from .cellformulas import formula
from .cells import COUNTS, NONE_WRITTEN, TITLES, Cell, count_ok, expected_value, shape_matches
from .checkreport import CheckedRow, Graded, Report
from .diagnose import Given, carried_over, mistakes
from .errors import ConfigError
from .matching import _align, _norm, _pair_score, _trivial, match, optional  # noqa: F401 (_align … : re-exported)
from .shapes import format_shape
from .submission import (  # noqa: F401 (re-exported: the reading half lives in submission.py)
    CHECKED, MAX_SUBMISSION_BYTES, Submission, _blank, _parse_rf, _role, parse_count, parse_shape_cell,
    read_submission,
)

__all__ = ["check", "parse_columns", "read_submission", "parse_count", "parse_shape_cell", "Report"]

# ---------------------------------------------------------------------------------------------------------
# the check


def check(model, submission, no_bias=False, tolerance=0, input=None, columns=None, partial_credit=0, batch=1):
    """Check ``submission`` (a path, or a :class:`Submission`) against ``model`` (a zoo name or a network).

    ``columns``: the columns graded (``"output,params"`` or a list; default: the checkable columns the table
    has). ``partial_credit``: the credit, from 0 (strict, the default) to 1, of a cell that is wrong only
    because an earlier figure of the student's was (right from their own previous row). ``batch``: the batch
    size the table's MACs, FLOPs and connections are for.

    Returns a :class:`Report`: the score is over every expected cell of the network (each layer that has
    parameters or changes the shape, times each graded column), so that every table checked against one
    network on the same columns has the same denominator; ``report.ok`` is True when it is all right.
    """
    import numbers

    from .report import summary

    # a text or a list here used to reach "tolerance * expected" (a string repeated millions of times)
    if isinstance(tolerance, bool) or not isinstance(tolerance, numbers.Real) or not 0 <= tolerance < 1:
        raise ConfigError(f"tolerance must be a number from 0 (exact) to below 1, e.g. 0.01, received {tolerance!r}",
                          "tolerance")
    if isinstance(partial_credit, bool) or not isinstance(partial_credit, numbers.Real) \
            or not 0 <= partial_credit <= 1:
        raise ConfigError(f"partial_credit must be a number from 0 (none) to 1 (full), received {partial_credit!r}",
                          "partial_credit")
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise ConfigError(f"batch must be a whole number of at least 1, received {batch!r}", "batch")
    given_columns = columns is not None
    columns = parse_columns(columns) if given_columns else None
    if not isinstance(submission, Submission):
        submission = read_submission(submission)
    if columns is None:
        columns = [c for c in TITLES if c in submission.columns]
    if input is None and not isinstance(model, str):
        shape = getattr(model, "input_shape", None) or ()
        if any(isinstance(d, str) for d in shape):
            raise ConfigError(f"the network's input {format_shape(shape)} has letters: give the numbers to "
                              "check against (--input)", "check")
    if no_bias and submission.counts_biases:
        no_bias = False  # the header says the biases are counted: a Biases column, "with bias", Keras' Param #
    s = summary(model, input, no_bias=no_bias, batch=batch)
    report = Report(submission, s, tolerance, columns, partial_credit, batch, given_columns)

    subs = []
    for _, cells in submission.rows:
        label = submission.label(cells)
        claims = {}
        try:
            claims["output"] = parse_shape_cell(submission.cell(cells, "output"))
        except ValueError:
            pass
        claims["params"] = submission.params_claim(cells, no_bias)
        subs.append((label, claims, _content(submission, cells, label)))
    matching = match(subs, s)
    report.missing = matching.missing
    for i, (line, cells) in enumerate(submission.rows):
        row = matching.layers.get(i)
        duplicate = matching.duplicates.get(i)
        report.rows.append(CheckedRow(i + 1, line, subs[i][0], row,
                                      duplicate_of=duplicate + 1 if duplicate is not None else None,
                                      optional=row is not None and row.leaf and optional(row)))
    by_layer = {id(r.row): r for r in report.rows if r.row is not None}
    present = [c for c in columns if c in submission.columns]

    # the layers in network order, so that each knows the student's own figures before it
    leaves = s.rows
    mine = {}  # id(leaf) → (the student's output shape, their row number, the root of its error or None)
    for k, leaf in enumerate(leaves):
        checked = by_layer.get(id(leaf))
        if checked is None:
            continue
        given = _given(leaves, k, mine)
        cells = submission.rows[checked.number - 1][1]
        if "input" in present:
            cell = _check_cell(leaf, "input", submission.cell(cells, "input"), report, given)
            if cell is not None:
                checked.cells.append(cell)
                given = _given_input(given, cell, checked.number)
        output = None
        if "output" in present:
            output = _check_cell(leaf, "output", submission.cell(cells, "output"), report, given)
            if output is not None:
                checked.cells.append(output)
        mine[id(leaf)] = _student_output(leaf, output, checked.number)
        if output is not None and not output.ok and not output.blank and output.claimed is not None:
            given.output, given.output_row = tuple(output.claimed), checked.number
            given.output_root = mine[id(leaf)][2]
        for column in present:
            if column in ("input", "output"):
                continue
            cell = _check_columns(leaf, column, cells, report, given)
            if cell is not None:
                checked.cells.append(cell)
        _check_sum(checked)
        if checked.optional:
            # a layer the score leaves out: what is written is checked, what is not is no fault
            checked.cells = [c for c in checked.cells if not c.blank]
        checked.cells.sort(key=lambda c: columns.index(c.column))
    for checked in report.rows:
        if checked.row is not None and not checked.row.leaf:
            cells = submission.rows[checked.number - 1][1]
            for column in present:
                cell = _check_cell(checked.row, column, submission.cell(cells, column), report, Given())
                if cell is not None:
                    checked.cells.append(cell)

    # the grade: every expected cell of every layer that the score counts
    for leaf in leaves:
        if optional(leaf):
            continue
        checked = by_layer.get(id(leaf))
        if checked is None and id(leaf) in matching.covered:
            checked = report.rows[matching.covered[id(leaf)]]  # the block row that stands for it
        answers = {c.column: c for c in checked.cells} if checked is not None else {}
        for column in columns:
            if expected_value(leaf, column) is None:
                continue
            cell = answers.get(column)
            if column not in submission.columns:
                status = "no column"
            elif checked is None:
                status = "not listed"
            elif cell is None:
                status = "not listed"  # (a block row without this figure: its layers' go unanswered)
            else:
                status = ("right" if cell.ok else "blank" if cell.blank else
                          "carried" if cell.carried_from is not None else "wrong")
            report.graded.append(Graded(leaf, column, cell, checked.number if checked else None, status))
    return report


def parse_columns(value):
    """The graded columns from ``"output,params"`` (or a list of names): in display order; titles (``MACs``)
    and any case are accepted. Raises ConfigError naming the valid columns."""
    names = value.split(",") if isinstance(value, str) else list(value)
    by_name = {}
    for column, title in TITLES.items():
        by_name[column] = by_name[title.lower()] = column
    by_name.update({"receptive field": "rf", "parameters": "params", "output shape": "output", "shape": "output"})
    chosen = set()
    for name in names:
        key = " ".join(str(name).lower().split())
        if key not in by_name:
            raise ConfigError(f"unknown column {str(name).strip()!r}: the columns are {', '.join(TITLES)}",
                              "--columns")
        chosen.add(by_name[key])
    if not chosen:
        raise ConfigError(f"name at least one column: {', '.join(TITLES)}", "--columns")
    return [c for c in TITLES if c in chosen]


def _content(submission, cells, label):
    """A row's text, normalised, to recognise a repeated row: the label without a row number, and every
    checkable cell. Empty for a row with no figure."""
    figures = tuple(_norm(submission.cell(cells, c)) for c in TITLES)
    if not any(figures):
        return ()
    words = label.split()
    while words and words[0].rstrip(".:)").isdigit():
        words = words[1:]
    return (_norm(" ".join(words)),) + figures


def _given(leaves, k, mine):
    """The student's input to leaves[k]: the output they wrote for the layer before it (the layers they left
    out in between keep the shape), where it is wrong."""
    layer = leaves[k]
    j = k - 1
    while j >= 0 and id(leaves[j]) not in mine:
        before = leaves[j]
        if before.input_shape is None or tuple(before.input_shape) != tuple(before.output_shape):
            return Given()
        j -= 1
    if j < 0 or tuple(leaves[j].output_shape) != tuple(layer.input_shape):
        return Given()
    shape, number, root = mine[id(leaves[j])]
    if shape is None or root is None:
        return Given()
    return Given(input=shape, input_row=number, input_root=root)


def _given_input(given, cell, number):
    """The student's input column on this row: their input from here on where it is wrong."""
    if cell.ok or cell.blank or cell.claimed is None:
        return Given() if cell.ok else given
    if cell.carried_from is not None:
        return given  # (their previous row's output, copied: the chain goes on from there)
    return Given(input=tuple(cell.claimed), input_row=number, input_root=(number, "input"))


def _student_output(leaf, cell, number):
    """(the output the student wrote, normalised; their row; the root of its error, None where right)."""
    if cell is None or cell.blank or cell.claimed is None:
        return (None, number, None)
    if cell.ok:
        return (tuple(leaf.output_shape), number, None)
    root = (cell.carried_from, cell.root_what) if cell.carried_from is not None else (number, "output")
    return (tuple(cell.claimed), number, root)


def _check_cell(row, column, text, report, given):
    expected = _expected(row, column, report.submission)
    if expected is None:
        return None
    no_bias, batch, tolerance = report.summary.no_bias, report.batch, report.tolerance
    if _blank(text):
        if column in COUNTS and expected == 0 and text.strip().lower().strip("*`") in NONE_WRITTEN:
            return Cell(column, text, 0, 0, True)  # "–" for none, where there is none
        return Cell(column, text, None, expected, False, formula=formula(row, column, no_bias, batch), blank=True)
    if column in ("input", "output"):
        try:
            claimed = parse_shape_cell(text)
        except ValueError:
            return Cell(column, text, None, expected, False, formula=formula(row, column, no_bias, batch),
                        diagnoses=["cannot read a shape here (write it as 36x28x20)"])
        ok, note = shape_matches(claimed, expected)
        cell = Cell(column, text, claimed, expected, ok, note)
        slack = 0
    elif column == "rf":
        from .report import sees_whole_input

        if re.fullmatch(r"(the )?(whole|entire|full) (input|image)|global", text.strip().lower()) \
                and sees_whole_input(row.rf, report.summary.input_shape):
            return Cell(column, text, expected, expected, True)  # (shapecalc's own table says so)
        try:
            claimed = _parse_rf(text, len(expected) if expected else 2)
        except ValueError:
            claimed = None
        cell = Cell(column, text, claimed, expected, claimed == expected)
        if not cell.ok:
            cell.formula = formula(row, column, no_bias, batch)
        return cell
    else:
        try:
            parsed = parse_count(text)
        except ValueError:
            return Cell(column, text, None, expected, False, formula=formula(row, column, no_bias, batch),
                        diagnoses=["cannot read a number here"])
        claimed, slack = parsed
        cell = Cell(column, text, claimed, expected, count_ok(claimed, slack, expected, tolerance))
    if cell.ok:
        return cell
    cell.formula = _keras_formula(formula(row, column, no_bias, batch), row, column, report.submission)
    if column == "input":
        if given.input is not None and shape_matches(claimed, given.input)[0]:
            cell.carried_from, cell.root_what = given.input_root
            root = f"row {given.input_root[0]}'s wrong {given.input_root[1]}"
            cell.diagnoses = [f"carried over: your input is {root}" if given.input_row == given.input_root[0] else
                              f"carried over: your input is your row {given.input_row} output, which follows from {root}"]
        return cell
    carried = carried_over(row, column, claimed, slack, given, no_bias, batch)
    if carried is not None:
        (cell.carried_from, cell.root_what), text_ = carried
        cell.diagnoses = [text_]
    else:
        cell.diagnoses = mistakes(row, column, claimed, slack, text, no_bias, batch)
        if column in ("weights", "biases"):
            cell.diagnoses = _bias_mistakes(row, column, claimed) + cell.diagnoses
    return cell


# ---------------------------------------------------------------------------------------------------------
# columns whose header qualifies the figure: Keras' Param #, weights and biases apart, a figure given twice


def _expected(row, column, submission):
    """The figure ``column`` holds for ``row``: the analysis row's (:func:`expected_value`), and in a Keras
    summary's *Param #* the buffers too (Keras counts BatchNormalization's moving mean and variance among
    its non-trainable parameters)."""
    expected = expected_value(row, column)
    if column == "params" and expected is not None and submission.qualifier("params") == "keras":
        expected += row.buffers  # Param # = params + moving means and variances
    return expected


def _keras_formula(text, row, column, submission):
    if text and column == "params" and row.buffers and submission.qualifier("params") == "keras":
        text += (f" + {row.buffers:,} moving means and variances (Keras' Param # counts them) = "
                 f"{row.params + row.buffers:,}")
    return text


def _check_columns(row, column, cells, report, given):
    """The cell of ``column``, checked; where the table has two columns of it (``Params`` and ``Params
    (total)``), both are read: the figure is right only where both are."""
    submission = report.submission
    found = []
    for field in submission.columns_of(column):
        cell = _check_cell(row, column, submission.text(cells, field), report, given)
        if cell is not None:
            found.append(cell)
    if len(found) < 2:
        return found[0] if found else None
    written = [c for c in found if not c.blank]
    worst = next((c for c in written if not c.ok), written[0] if written else found[0])
    if len({c.claimed for c in written}) > 1:
        shown = " and ".join(repr(c.text) for c in written)
        worst.diagnoses = [f"written twice, differently: {shown}"] + list(worst.diagnoses)
    return worst


def _layer_biases(row):
    """The layer's biases by its own rule (the analysis row's are 0 where biases are not counted)."""
    if row.biases or not row.leaf or row.input_shape is None or getattr(row.layer, "shares", None) is not None:
        return row.biases
    return row.layer.biases(tuple(row.input_shape), tuple(row.output_shape))


def _bias_mistakes(row, column, claimed):
    """The mistakes of a weights or a biases column: the biases added to the weights, or left out; one bias
    per weight or per input channel instead of one per filter."""
    weights, biases = row.weights, _layer_biases(row)
    y = row.output_shape
    units = y[-1] if y else 0
    if column == "weights":
        if biases and claimed == weights + biases:
            return [f"bias added: {claimed:,} = {weights:,} weights + {biases:,} biases; this column counts the "
                    "weights alone"]
        return []
    out = []
    if biases and claimed == 0:
        out.append(f"bias forgotten: the layer has {biases:,} biases, one per output channel")
    elif not biases and claimed and claimed == units:
        out.append(f"no bias here: {row.detail} has no bias term (0 biases)")
    elif biases and weights and claimed in (weights, weights + biases) and claimed != biases:
        out.append(f"weights counted as biases: {claimed:,} is the {'weights' if claimed == weights else 'parameters'};"
                   f" a layer has one bias per output channel ({biases:,})")
    elif biases and row.input_shape and claimed == row.input_shape[-1] and claimed != biases:
        out.append(f"input and output channels confused: one bias per output channel ({biases:,}), not one per "
                   f"input channel ({claimed:,})")
    return out


def _check_sum(checked):
    """A row with weights, biases and their total: a wrong total that is the student's own weights plus
    biases is carried over from them; one that is not their sum is an addition slip."""
    cells = {c.column: c for c in checked.cells}
    w, b, t = cells.get("weights"), cells.get("biases"), cells.get("params")
    if w is None or b is None or t is None or t.ok or t.carried_from is not None:
        return
    if any(c.blank or not isinstance(c.claimed, int) for c in (w, b, t)):
        return
    total = w.claimed + b.claimed
    if total == t.claimed and not (w.ok and b.ok):
        wrong = "weights" if not w.ok else "biases"
        t.carried_from, t.root_what = checked.number, wrong
        t.diagnoses = [f"carried over: {t.claimed:,} = your {w.claimed:,} weights + {b.claimed:,} biases: the sum is "
                       f"right, the {wrong} are not"]
    elif total != t.claimed:
        t.diagnoses = [f"sum wrong: your weights and biases add up to {w.claimed:,} + {b.claimed:,} = {total:,}, not "
                       f"{t.claimed:,}"] + [d for d in t.diagnoses if not d.startswith("sum wrong")]


def __getattr__(name):
    # the command (grading.py) is imported when asked for: `from shapecalc.check import check_command`
    if name == "check_command":
        from .grading import check_command

        return check_command
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
