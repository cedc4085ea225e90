"""The result of checking one submission (:class:`Report`): its rows and cells, the score over every
expected cell of the network, and its renderings (text, a tabulate format, JSON, CSV)."""

from dataclasses import dataclass, field

from .cells import TITLES, show, tag
from .shapes import format_shape

__all__ = ["Report", "CheckedRow", "Graded", "percent_text"]


@dataclass
class CheckedRow:
    """A submitted row: ``number`` (1-based row of the table), ``line`` (of the file), ``label``, ``row`` (the
    matched analysis Row; None for an extra or duplicate row), ``cells``, ``duplicate_of`` (the row number it
    repeats), ``optional`` (its layer is one the score leaves out: checked, not scored)."""

    number: int
    line: int
    label: str
    row: object = None
    cells: list = field(default_factory=list)
    duplicate_of: int | None = None
    optional: bool = False

    def to_dict(self):
        return {
            "row": self.number,
            "line": self.line,
            "submitted": self.label,
            "layer": self.row.path if self.row is not None else None,
            "duplicate_of": self.duplicate_of,
            "scored": self.row is not None and not self.optional,
            "cells": [c.to_dict() for c in self.cells],
        }


#: what a graded cell can be, and the points it earns ("carried" earns the partial credit)
STATUSES = ("right", "carried", "wrong", "blank", "not listed", "no column")


@dataclass
class Graded:
    """One expected cell of the network: ``layer`` (a leaf row that the score counts), ``column``, the
    submitted ``cell`` that answers it (None where nothing does), the table's ``row`` number, ``status``."""

    layer: object
    column: str
    cell: object
    row: int | None
    status: str


def percent_text(value):
    """94.4, 95, 100: one decimal where it is not whole."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _points_text(value):
    return str(int(value)) if value == int(value) else f"{value:g}"


class Report:
    """The result of checking one submission.

    ``right`` and ``checked`` count the cells the table fills (``checked``: every cell compared, ``right``:
    those that are right). The grade is over every expected cell of the network instead (``graded``: each
    layer that the score counts, times each graded column): ``points`` of ``out_of``, the same ``out_of`` for
    every table checked against one network on one set of columns. Cells right from the student's own wrong
    figures earn ``partial_credit`` each (default 0: strict)."""

    def __init__(self, submission, summary, tolerance, columns, partial_credit=0, batch=1, columns_given=False):
        self.submission = submission
        self.summary = summary
        self.tolerance = tolerance
        self.columns = list(columns)
        self.columns_given = columns_given
        self.partial_credit = partial_credit
        self.batch = batch
        self.rows = []
        self.missing = []  # leaf rows that no submitted row lists or stands for
        self.graded = []  # Graded, one per expected cell

    # -- the cells the table fills --
    @property
    def cells(self):
        return [c for r in self.rows for c in r.cells]

    @property
    def right(self):
        return sum(1 for c in self.cells if c.ok)

    @property
    def checked(self):
        return sum(1 for c in self.cells if not c.blank)

    @property
    def extra(self):
        return [r for r in self.rows if r.row is None and r.duplicate_of is None]

    @property
    def duplicates(self):
        return [r for r in self.rows if r.duplicate_of is not None]

    @property
    def missing_layers(self):
        """Layers left out that the score counts: they have parameters or change the shape."""
        from .matching import optional

        return [r for r in self.missing if not optional(r)]

    @property
    def absent_columns(self):
        """Graded columns that the table does not have."""
        return [c for c in self.columns if c not in self.submission.columns]

    # -- the grade --
    def count(self, status):
        return sum(1 for g in self.graded if g.status == status)

    @property
    def out_of(self):
        return len(self.graded)

    @property
    def points(self):
        # right cells, and the partial credit of each cell right from the student's own wrong figures
        return self.count("right") + self.partial_credit * self.count("carried")

    @property
    def percent(self):
        return 100 * self.points / self.out_of if self.out_of else 0.0

    @property
    def ok(self):
        """Every cell right, every expected cell answered, no extra or duplicate row."""
        return (all(c.ok for c in self.cells) and self.count("right") == self.out_of and not self.extra
                and not self.duplicates)

    def wrong(self):
        return [(r, c) for r in self.rows for c in r.cells if not c.ok]

    def score_line(self):
        notes = [f"{percent_text(self.percent)}%"]
        carried = self.count("carried")
        what = "cells right"
        if carried and self.partial_credit:
            what = "points"
            notes.append(f"{self.count('right')} cells right, {carried} carried over at {self.partial_credit:g}")
        elif carried:
            notes.append(f"{carried} carried over, not credited")
        for status, text in (("not listed", "in layers not listed"), ("blank", "left blank"),
                             ("no column", "in columns the table lacks")):
            n = self.count(status)
            if n:
                notes.append(f"{n} {text}")
        return f"score: {_points_text(self.points)}/{self.out_of} {what} ({'; '.join(notes)})"

    def mistakes(self):
        """``[(mistake, where)]``: the name of each mistake this table makes, and where (``conv1 params``), one
        entry per cell, row or layer: for a class's tally."""
        out = []
        for r, c in self.wrong():
            where = f"{r.row.path} {TITLES[c.column]}"
            if c.blank:
                out.append(("left blank", where))
            elif c.diagnoses:
                out.extend((tag(d), where) for d in c.diagnoses)
            else:
                out.append(("wrong, no diagnosis", where))
        out.extend(("duplicate row", f"row {r.number}") for r in self.duplicates)
        out.extend(("extra row", f"row {r.number}") for r in self.extra)
        out.extend(("layer not listed", r.path) for r in self.missing_layers)
        out.extend(("column missing", TITLES[c]) for c in self.absent_columns)
        return out

    def to_dict(self):
        return {
            "file": self.submission.path,
            "model": self.summary.model,
            "input": list(self.summary.input_shape),
            "no_bias": self.summary.no_bias,
            "tolerance": self.tolerance,
            "batch": self.batch,
            "columns": self.columns,
            "rows": [r.to_dict() for r in self.rows],
            "extra_rows": [{"row": r.number, "line": r.line, "submitted": r.label} for r in self.extra],
            "duplicate_rows": [{"row": r.number, "line": r.line, "submitted": r.label, "duplicate_of": r.duplicate_of}
                               for r in self.duplicates],
            "missing_layers": [r.path for r in self.missing_layers],
            "not_listed": [r.path for r in self.missing],
            "right": self.right,
            "checked": self.checked,
            "score": {"points": self.points, "out_of": self.out_of, "percent": round(self.percent, 1),
                      "partial_credit": self.partial_credit,
                      **{status.replace(" ", "_"): self.count(status) for status in STATUSES}},
            "mistakes": [{"mistake": m, "where": w} for m, w in self.mistakes()],
            "ok": self.ok,
        }

    # -- rendering --
    def table_data(self):
        header = ["row", "submitted", "layer"] + [TITLES[c] for c in self.columns]
        body = []
        for r in self.rows:
            cells = {c.column: c for c in r.cells}
            if r.duplicate_of is not None:
                layer = f"(duplicate of row {r.duplicate_of})"
            elif r.row is None:
                layer = "(extra row)"
            else:
                layer = r.row.path + (" (not scored)" if r.optional else "")
            line = [str(r.number), r.label or "", layer]
            for column in self.columns:
                c = cells.get(column)
                if c is None:
                    line.append("")
                elif c.ok:
                    line.append(f"✓ {show(column, c.claimed) if c.claimed is not None else c.text}")
                else:
                    shown = "blank" if c.blank else show(column, c.claimed) if c.claimed is not None else repr(c.text)
                    line.append(f"✗ {shown} → {c.expected_text()}")
            body.append(line)
        return header, body

    def text(self, format="text"):
        from .report import plain_table

        s = self.summary
        bias = ", biases not counted" if s.no_bias else ""
        tol = f", tolerance {self.tolerance:g}" if self.tolerance else ""
        batch = f", batch {self.batch}" if self.batch != 1 else ""
        graded = f"; graded: {', '.join(TITLES[c] for c in self.columns)}" if self.columns_given else ""
        lines = [f"{self.submission.path}: checked against {s.model} "
                 f"(input {format_shape(s.input_shape)}{bias}{tol}{batch}){graded}"]
        header, body = self.table_data()
        if format == "text":
            lines.append(plain_table(header, body))
        else:
            from .tables import tabulate_table

            lines.append(tabulate_table(header, body, format))
        notes = [(r, c) for r in self.rows for c in r.cells if c.ok and c.note]
        wrong = self.wrong()
        if wrong or notes:
            lines.append("")
        for r, c in wrong:
            where = f"{r.row.path} ({r.row.detail})"
            what = "left blank" if c.blank else repr(c.text)
            lines.append(f"✗ row {r.number} {where}: {TITLES[c.column]} {what} → expected {c.expected_text()}"
                         + (" (not scored)" if r.optional else ""))
            if c.formula:
                lines.append(f"    {c.formula}")
            for d in c.diagnoses:
                lines.append(f"    diagnosis: {d}")
        for r, c in notes:
            lines.append(f"✓ row {r.number} {r.row.path}: {TITLES[c.column]} {c.note}")
        if self.extra or self.duplicates:
            lines.append("")
            for r in self.rows:
                if r.duplicate_of is not None:
                    first = self.rows[r.duplicate_of - 1]
                    layer = f" ({first.row.path})" if first.row is not None else ""
                    lines.append(f"? row {r.number} {r.label!r}: a duplicate of row {r.duplicate_of}{layer}")
                elif r.row is None:
                    lines.append(f"? row {r.number} {r.label!r}: matches no layer of {s.model} (extra row)")
        important = self.missing_layers
        optional = [r for r in self.missing if r not in important]
        if important or optional or self.absent_columns:
            lines.append("")
        if important:
            lines.append("missing layers: " + ", ".join(f"{r.path} ({r.detail}, output "
                                                         f"{format_shape(r.output_shape)})" for r in important))
        if optional:
            lines.append("not listed (optional: no parameters, shape unchanged): " + ", ".join(r.path for r in optional))
        for c in self.absent_columns:
            n = sum(1 for g in self.graded if g.column == c)
            lines.append(f"no {TITLES[c]} column: its {n} cells count as not answered")
        lines.append("")
        lines.append(self.score_line())
        return "\n".join(lines)

    def csv_rows(self):
        """One line per cell: every submitted cell, then every expected cell that no row answers."""
        header = ["row", "submitted", "layer", "column", "value", "expected", "result", "formula", "diagnosis"]
        body = []
        for r in self.rows:
            for c in r.cells:
                result = "ok" if c.ok else "blank" if c.blank else "carried over" if c.carried_from else "wrong"
                body.append([r.number, r.label, r.row.path if r.row is not None else "", c.column, c.text,
                             c.expected_text(), result, c.formula or "", " | ".join(c.diagnoses)])
        for g in self.graded:
            if g.status in ("not listed", "no column"):
                body.append(["", "", g.layer.path, g.column, "", show(g.column, _expected(g)), g.status, "", ""])
        return header, body

    def wrong_summary(self):
        """``row 10 params (factor of 10 slip); row 3 output`` for the folder summary."""
        out = []
        for r, c in self.wrong():
            name = "left blank" if c.blank else tag(c.diagnoses[0]) if c.diagnoses else ""
            out.append(f"row {r.number} {TITLES[c.column]}" + (f" ({name})" if name else ""))
        return "; ".join(out)


def _expected(graded):
    from .cells import expected_value

    return expected_value(graded.layer, graded.column)
