"""One cell of a submitted table compared with its layer's exact figure: what counts as right (a shape
written another way, a rounded count, a dash for none), and the record of the comparison (:class:`Cell`)."""

import re
from dataclasses import dataclass, field

from .shapes import format_int, format_shape

__all__ = ["Cell", "TITLES", "expected_value", "shape_matches", "count_ok", "COUNTS"]

#: every column a table can be graded on, in display order, with its title
TITLES = {"input": "input", "output": "output", "params": "params", "weights": "weights", "biases": "biases",
          "macs": "MACs", "flops": "FLOPs", "connections": "connections", "rf": "RF"}

#: the columns that hold counts (the others hold shapes, or the receptive field)
COUNTS = ("params", "weights", "biases", "macs", "flops", "connections")

#: a cell that says "none": right where the figure is 0 (a pool's parameters written "–")
NONE_WRITTEN = {"", "-", "–", "—", "n/a", "na", "none", "null"}


def expected_value(row, column):
    """The analysis row's figure for ``column`` (a shape tuple, a count, an RF pair), or None where the row has
    none (a block's input, a receptive field that cannot be followed)."""
    if column == "input":
        return None if row.input_shape is None else tuple(row.input_shape)
    if column == "output":
        return None if row.output_shape is None else tuple(row.output_shape)
    if column == "rf":
        rf = row.receptive_field
        return None if rf is None else tuple(rf)
    if column in ("params", "weights", "biases", "macs", "flops", "connections"):
        return getattr(row, column)
    return None


def shape_matches(claimed, expected):
    """(right, note): equal, or the same vector written 1×1×N / N×1, or channels first."""
    expected = tuple(expected)
    claimed = tuple(claimed)
    if claimed == expected:
        return True, None
    squeezed = tuple(d for d in claimed if d != 1) or (1,)
    if len(expected) == 1 and squeezed == expected:
        return True, None
    if len(expected) == 3 and expected[:2] == (1, 1) and claimed == (expected[2],):
        return True, None
    if len(expected) == 3 and claimed == (expected[2], expected[0], expected[1]) and expected[2] != expected[0]:
        return True, "written channels first (C×H×W)"
    return False, None


def count_ok(claimed, slack, expected, tolerance):
    """A count is right when it is the figure, or rounds to it (``19.2K``: slack 50), or is within the
    relative ``tolerance`` of it."""
    if claimed == expected:
        return True
    if slack and abs(claimed - expected) <= slack:
        return True
    return bool(tolerance) and abs(claimed - expected) <= tolerance * abs(expected)


@dataclass
class Cell:
    """One graded cell of a submitted row. ``ok``: right. ``blank``: nothing written where the figure is not
    0. ``carried_from``: where the value is wrong but right from the student's own earlier figures, the row
    number of the wrong figure it follows from (the root of the chain)."""

    column: str
    text: str
    claimed: object
    expected: object
    ok: bool
    note: str | None = None
    formula: str | None = None
    diagnoses: list = field(default_factory=list)
    carried_from: int | None = None
    blank: bool = False
    #: (with carried_from) which figure of that row is wrong: "output" or "input"
    root_what: str | None = None

    def expected_text(self):
        return show(self.column, self.expected)

    def to_dict(self):
        return {
            "column": self.column,
            "submitted": self.text,
            "value": list(self.claimed) if isinstance(self.claimed, tuple) else self.claimed,
            "expected": list(self.expected) if isinstance(self.expected, tuple) else self.expected,
            "ok": self.ok,
            "blank": self.blank,
            "note": self.note,
            "formula": self.formula,
            "diagnoses": list(self.diagnoses),
            "mistakes": [tag(d) for d in self.diagnoses],
            "carried_from": self.carried_from,
        }


def tag(diagnosis):
    """The mistake's name: the text before its first ':' or '('."""
    return re.split(r":| \(", diagnosis, maxsplit=1)[0].strip()


def show(column, value):
    if value is None:
        return ""
    if column in ("input", "output"):
        return format_shape(value)
    if column == "rf":
        return "×".join(map(str, value))
    return format_int(value)
