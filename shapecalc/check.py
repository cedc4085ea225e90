"""Homework checking: a submitted table of layers, checked cell by cell against a network.

A submission is a CSV, TSV or Markdown pipe table whose header names columns such as *layer*, *output*
(or *output shape*), *params*, and optionally *MACs*, *FLOPs*, *connections* or *receptive field*. Rows
are matched to the network's layers (by name where the names match, otherwise in order); every filled
cell is compared with the exact figure. Each wrong cell gets the expected value, the layer's formula
written out with its numbers, and a diagnosis where a common mistake explains the submitted value.

>>> from shapecalc.check import parse_count, parse_shape_cell
>>> parse_count("16,100"), parse_count("160K"), parse_count("1.2M"), parse_count("")
((16100, 0), (160000, 500), (1200000, 50000), None)
>>> parse_shape_cell("(36, 28, 20)"), parse_shape_cell("36 × 28 × 20"), parse_shape_cell("(None, 160)")
((36, 28, 20), (36, 28, 20), (160,))
"""

import copy
import re
from decimal import Decimal, localcontext

from .errors import ConfigError, ShapecalcError, SubmissionError
from .shapes import format_int, format_shape

__all__ = ["check", "check_command", "read_submission", "parse_count", "parse_shape_cell", "Report"]

#: the columns that are checked, in display order
CHECKED = ("input", "output", "params", "macs", "flops", "connections", "rf")

_TITLES = {"input": "input", "output": "output", "params": "params", "macs": "MACs", "flops": "FLOPs",
           "connections": "connections", "rf": "RF"}

# ---------------------------------------------------------------------------------------------------------
# reading the submission


class Submission:
    """A table as read: ``columns`` maps a role (layer, type, output, params, …) to a column index;
    ``rows`` are ``(line number, cells)``."""

    def __init__(self, path, header, columns, rows, fmt):
        self.path = path
        self.header = header
        self.columns = columns
        self.rows = rows
        self.format = fmt

    def cell(self, row, role):
        index = self.columns.get(role)
        if index is None or index >= len(row):
            return ""
        return row[index].strip()

    def label(self, row):
        name = self.cell(row, "layer")
        kind = self.cell(row, "type")
        return " ".join(t for t in (name, kind) if t)


def _role(header_cell):
    """The role of a header cell: layer, type, input, output, params, macs, flops, connections, rf."""
    h = re.sub(r"[*_`#]", " ", header_cell.lower()).strip()
    h = re.sub(r"\s+", " ", h)
    if not h:
        return None
    if "receptive" in h or h in ("rf", "r.f.", "rf size"):
        return "rf"
    if "flop" in h:
        return "flops"
    if "mac" in h or "mult" in h or "madd" in h:
        return "macs"
    if "connection" in h:
        return "connections"
    if "param" in h or h in ("weights", "# weights", "learnable weights"):
        return "params"
    if "output" in h or h == "out":
        return "output"
    if "input" in h:
        return "input"
    if any(w in h for w in ("shape", "size", "dim", "volume")):
        return "output"
    if "layer" in h or h in ("name", "layer name", "#", "no", "no.", "step"):
        return "layer"
    if h in ("type", "kind", "operation", "op", "description", "layer type"):
        return "type"
    return None


_MD_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def _md_cells(line):
    text = line.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    cells = re.split(r"(?<!\\)\|", text)
    return [re.sub(r"^\*\*(.*)\*\*$|^`(.*)`$", lambda m: m.group(1) or m.group(2) or "", c.strip()).strip()
            for c in cells]


#: the largest submission file read
MAX_SUBMISSION_BYTES = 16 * 1024 * 1024


def read_submission(path, text=None):
    """Read a CSV, TSV or Markdown table (the first table in the file). Raises SubmissionError."""
    import csv

    if text is None:
        try:
            with open(path, "rb") as f:
                # (a size cap: a submission table is kilobytes; /dev/zero would be read until memory runs out)
                raw = f.read(MAX_SUBMISSION_BYTES + 1)
        except OSError as exc:
            raise SubmissionError(f"cannot read the submission: {exc.strerror}", str(path)) from None
        if len(raw) > MAX_SUBMISSION_BYTES:
            raise SubmissionError(f"the submission is larger than {MAX_SUBMISSION_BYTES:,} bytes: no table of a "
                                  "network's layers is that long", str(path))
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            # UTF-16 with its byte-order mark: Excel's "Unicode text"
            try:
                text = raw.decode("utf-16")
            except UnicodeDecodeError:
                raise SubmissionError("the submission starts as UTF-16 text but is not", str(path)) from None
        else:
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = raw.decode("latin-1")
    lines = text.splitlines()
    header, rows, fmt = None, [], None
    for k in range(1, len(lines)):
        if _MD_RULE.match(lines[k]) and "|" in lines[k - 1] and "-" in lines[k]:
            header, fmt = _md_cells(lines[k - 1]), "markdown"
            for n in range(k + 1, len(lines)):
                if "|" not in lines[n]:
                    if lines[n].strip():
                        break
                    continue
                rows.append((n + 1, _md_cells(lines[n])))
            break
    if header is None:
        header, rows, fmt = _aligned_table(lines)
    if header is None:
        body = [(n + 1, ln) for n, ln in enumerate(lines) if ln.strip() and not ln.lstrip().startswith("#")]
        if not body:
            raise SubmissionError("the submission is empty", str(path))
        first = body[0][1]
        delimiter = "\t" if "\t" in first else ";" if first.count(";") > first.count(",") else ","
        fmt = {"\t": "tsv", ";": "csv", ",": "csv"}[delimiter]
        try:
            parsed = list(csv.reader([ln for _, ln in body], delimiter=delimiter))
        except csv.Error as exc:
            # (a cell longer than the csv module's limit of 131,072 characters, a stray quote at the end)
            raise SubmissionError(f"cannot read the table: {exc}", str(path)) from None
        header = [c.strip() for c in parsed[0]]
        rows = [(n, [c.strip() for c in cells]) for (n, _), cells in zip(body[1:], parsed[1:]) if any(cells)]
    columns = {}
    for i, cell in enumerate(header):
        role = _role(cell)
        if role and role not in columns:
            columns[role] = i
    if not any(role in columns for role in CHECKED):
        shown = ", ".join(repr(h) for h in header[:8]) or "nothing"
        raise SubmissionError(
            f"no column to check: the header ({shown}) names none of output, params, MACs, FLOPs, connections, "
            "receptive field (expected a CSV/TSV header or a Markdown pipe table)", str(path))
    if not rows:
        raise SubmissionError("the table has a header but no rows", str(path))
    if fmt != "markdown" and len(header) > 1:
        rows = [(n, _merge_split_cells(cells, header, columns)) for n, cells in rows]
    return Submission(str(path), header, columns, rows, fmt)


_RULE_LINE = re.compile(r"^\s*[-_=─━+\s]{3,}\s*$")


def _aligned_table(lines):
    """A table aligned with spaces (Keras' ``model.summary()``, shapecalc's own text table): columns are
    separated by two or more spaces. Returns (None, [], None) when the text is not such a table."""
    for k, line in enumerate(lines):
        if not line.strip() or _RULE_LINE.match(line) or "," in line or "\t" in line or "|" in line:
            continue
        header = re.split(r"\s{2,}", line.strip())
        if len(header) < 2 or not any(_role(h) in CHECKED for h in header):
            continue
        rows = []
        for n in range(k + 1, len(lines)):
            text = lines[n]
            if not text.strip() or _RULE_LINE.match(text):
                continue
            cells = re.split(r"\s{2,}(?![^()]*\))", text.strip())
            if len(cells) < 2:
                continue  # a wrapped name ("D)") or a caption
            if re.match(r"(?i)^(total|trainable|non-trainable|params|macs|activations)\b", text.strip()):
                break
            rows.append((n + 1, cells))
        return header, rows, "text"
    return None, [], None


def _merge_split_cells(cells, header, columns):
    """Unquoted commas in a CSV row (``36,28,20``, ``7,200``) split a cell; put the pieces back together."""
    extra = len(cells) - len(header)
    if extra <= 0:
        return cells
    out = list(cells)
    shapes = {columns.get("output"), columns.get("input")}
    counts = {columns.get(r) for r in ("params", "macs", "flops", "connections")}
    i = 0
    while i < len(out) and extra > 0:
        if i in shapes:
            take = 0
            while take < min(extra, 2) and i + take + 1 < len(out) and re.fullmatch(r"\s*\d+\s*\)?\s*",
                                                                                   out[i + take + 1]):
                take += 1
            if take == 2 and re.fullmatch(r"\s*\(?\s*\d+\s*", out[i]):
                out[i:i + take + 1] = [",".join(out[i:i + take + 1])]
                extra -= take
        elif i in counts:
            take = 0
            while take < extra and i + take + 1 < len(out) and re.fullmatch(r"\d{3}", out[i + take + 1].strip()):
                take += 1
            if take and re.fullmatch(r"\d{1,3}", out[i].strip()):
                out[i:i + take + 1] = [",".join(out[i:i + take + 1])]
                extra -= take
        # columns after a merged cell move left: re-map by position
        i += 1
    return out


# ---------------------------------------------------------------------------------------------------------
# reading cells

_BLANK = {"", "-", "–", "—", "?", "n/a", "na", "none", "null", "...", "…"}
_SUFFIX = {"k": 10**3, "thousand": 10**3, "m": 10**6, "mio": 10**6, "million": 10**6, "g": 10**9,
           "b": 10**9, "billion": 10**9, "bn": 10**9}
_NUMBER = re.compile(
    r"(\d{1,3}(?:(?:,|'|’|\u202f|\u00a0|\u2009| )\d{3})+|\d{1,3}(?:\.\d{3}){2,}|\d+)(?:\.(\d+))?\s*"
    r"(thousand|million|billion|mio|bn|[kmgb])?(?![a-z])",
    re.IGNORECASE,
)


def _blank(text):
    return text.strip().lower().strip("*`") in _BLANK


def parse_count(text):
    """A count as written by a student: ``(value, slack)``, or None for a blank cell.

    ``16,100``, ``16 100``, ``16'100``, ``160K`` (slack 500: the rounding a suffix implies), ``1.2M``,
    ``4 × 4 × 1 × 20 = 320`` (the value after the last ``=``), ``4*4*20`` (a product). Raises ValueError
    for text with no number in it.
    """
    if text is None or _blank(text):
        return None
    t = text.strip().strip("*`").replace("−", "-")
    if "=" in t:
        t = t.rsplit("=", 1)[1]
    t = t.strip().lstrip("≈~").strip()
    product = re.fullmatch(r"\(?\s*\d+(?:\s*[x×*·]\s*\d+)+\s*\)?(?:\s*\+\s*\d+)?", t)
    if product:
        parts = re.split(r"\s*\+\s*", t.strip("() "))
        total = 0
        for part in parts:
            value = 1
            for factor in re.split(r"\s*[x×*·]\s*", part.strip("() ")):
                value *= int(factor)
            total += value
        return total, 0
    m = _NUMBER.search(t)
    if not m:
        raise ValueError(text)
    whole = re.sub(r"[^\d]", "", m.group(1))
    decimals = m.group(2) or ""
    suffix = (m.group(3) or "").lower()
    scale = _SUFFIX.get(suffix, 1)
    if not suffix and decimals and len(decimals) == 3 and "." not in m.group(1):
        # a count is whole: 16.100 is the European way of writing 16,100
        return int(whole + decimals), 0
    with localcontext() as ctx:
        # enough digits to stay exact: the default 28 rounded a 30-digit count to another number
        ctx.prec = max(ctx.prec, len(whole) + len(decimals) + 20)
        value = Decimal(f"{whole}.{decimals}" if decimals else whole) * scale
        slack = Decimal(scale) / (2 * 10 ** len(decimals)) if suffix else 0
    return int(value), int(slack)


def parse_shape_cell(text):
    """A shape as written: ``36x28x20``, ``(36, 28, 20)``, ``36 × 28 × 20``, ``36,28,20``, ``(None, 160)``,
    ``2×1×80 = 160`` (the value after ``=``). None for a blank cell; ValueError when no size is found."""
    if text is None or _blank(text):
        return None
    t = text.strip().strip("*`")
    if "=" in t:
        t = t.rsplit("=", 1)[1]
    t = re.sub(r"\b(none|batch|bs|n|b)\b", "", t, flags=re.IGNORECASE)
    m = re.search(r"\d+(?:\s*[x×X*,]\s*\d+)*", t)
    if not m:
        raise ValueError(text)
    parts = re.split(r"\s*[x×X*,]\s*", m.group())
    if len(parts) == 2 and "," in m.group() and len(parts[1]) == 3 and " " not in m.group():
        # 20,160: a thousands separator, not a 2-D shape
        parts = [parts[0] + parts[1]]
    dims = tuple(int(p) for p in parts)
    if len(dims) == 4 and dims[0] == 1:
        dims = dims[1:]
    return dims


def _parse_rf(text):
    if text is None or _blank(text):
        return None
    nums = [int(n) for n in re.findall(r"\d+", text.split("=")[-1])]
    if not nums:
        raise ValueError(text)
    return (nums[0], nums[1] if len(nums) > 1 else nums[0])


# ---------------------------------------------------------------------------------------------------------
# matching rows to layers

_KIND_WORDS = {
    "conv": {"conv", "sparseconv"}, "convolution": {"conv", "sparseconv"}, "convolutional": {"conv", "sparseconv"},
    "pool": {"maxpool", "avgpool", "gap", "gmp", "subsampling", "adaptiveavgpool", "adaptivemaxpool"},
    "pooling": {"maxpool", "avgpool", "gap", "gmp", "subsampling", "adaptiveavgpool", "adaptivemaxpool"},
    "maxpool": {"maxpool", "gmp", "adaptivemaxpool"}, "maxpooling": {"maxpool", "gmp", "adaptivemaxpool"},
    "avgpool": {"avgpool", "gap", "adaptiveavgpool"}, "subsampling": {"subsampling", "avgpool"},
    "fc": {"dense"}, "dense": {"dense"}, "fully": {"dense"}, "linear": {"dense"}, "connected": {"dense"},
    "softmax": {"softmax"}, "relu": {"relu"}, "tanh": {"tanh", "scaledtanh"}, "sigmoid": {"sigmoid"},
    "flatten": {"flatten"}, "input": {"input"}, "dropout": {"dropout"}, "batchnorm": {"batchnorm"},
    "bn": {"batchnorm"}, "lrn": {"lrn"}, "rbf": {"rbf"}, "concat": {"concat"}, "gap": {"gap"},
}
_ACTIVATIONS = {"softmax", "relu", "tanh", "scaledtanh", "sigmoid"}


def _label_kinds(label):
    kinds = set()
    for word in re.findall(r"[a-z]+", label.lower()):
        kinds |= _KIND_WORDS.get(word, set())
    return kinds


def _norm(text):
    return re.sub(r"[\s_\-]+", "", text.lower())


def _trivial(row):
    """A layer a student may leave out: no parameters and the shape unchanged (activations, dropout)."""
    if row.params or row.input_shape is None:
        return False
    return _product(row.output_shape) == _product(row.input_shape)


def _pair_score(label, claims, row):
    """How well a submitted row fits a layer; None when it cannot be that layer."""
    score = 1.0
    name_hit = False
    if label:
        first = _norm(label.split()[0].rstrip(":"))
        if _norm(label) in (_norm(row.path), _norm(row.name)) or first in (_norm(row.path), _norm(row.name)):
            score += 10
            name_hit = True
    kinds = _label_kinds(label)
    params = claims.get("params")
    if kinds and kinds <= _ACTIVATIONS and params and not row.params:
        # "softmax" with parameters is the dense layer the softmax belongs to, not the softmax itself
        return None
    if kinds and not name_hit:
        if row.kind in kinds:
            score += 4
        elif kinds <= _ACTIVATIONS and params and row.kind in ("dense", "conv", "rbf"):
            # "softmax" with parameters: the dense layer the softmax belongs to
            score += 2
        else:
            return None
    if claims.get("output") is not None and _shape_matches(claims["output"], row.output_shape)[0]:
        score += 3
    if params is not None and row.params and params == row.params:
        score += 2
    if params and not row.params and row.kind not in ("batchnorm",):
        score -= 2
    return score


#: the alignment's scores, in tenths (whole numbers: the sums are exact, and so are the ties it breaks):
#: a submitted row left unmatched, a layer left out (a trivial one: an activation, a dropout), and "cannot be"
_SKIP_SUB, _SKIP_TRIVIAL, _SKIP_LAYER, _NEVER = -30, -2, -15, -(10 ** 12)


def _scores(sub, rows, feats):
    """``_pair_score`` of one submitted row against every layer, in tenths, as a numpy vector (``_NEVER``
    where it cannot be that layer): the same rules, on whole columns at once."""
    import numpy as np

    label, claims = sub
    names, kinds_of, params_of, shape_index, shapes, zero, dense_like, batchnorm = feats
    m = len(rows)
    score = np.full(m, 10, dtype=np.int64)
    name_hit = np.zeros(m, dtype=bool)
    if label:
        first = _norm(label.split()[0].rstrip(":"))
        for key in {_norm(label), first}:
            for j in names.get(key, ()):
                name_hit[j] = True
        score[name_hit] += 100
    kinds = _label_kinds(label)
    params = claims.get("params")
    never = np.zeros(m, dtype=bool)
    if kinds and kinds <= _ACTIVATIONS and params:
        never |= zero  # "softmax" with parameters is the dense layer it belongs to, not the softmax itself
    if kinds:
        in_kinds = np.isin(kinds_of, list(kinds))
        other = ~name_hit
        score[other & in_kinds] += 40
        if kinds <= _ACTIVATIONS and params:
            score[other & ~in_kinds & dense_like] += 20
            never |= other & ~in_kinds & ~dense_like
        else:
            never |= other & ~in_kinds
    output = claims.get("output")
    if output is not None:
        fits = np.array([_shape_matches(output, shape)[0] for shape in shapes], dtype=bool)
        score[fits[shape_index]] += 30
    if params is not None:
        score[~zero & (params_of == params)] += 20
    if params:
        score[zero & ~batchnorm] -= 20
    score[never] = _NEVER
    return score


def _align(subs, expected):
    """Order-preserving best match of submitted rows to layer rows: dynamic programming over the rows, each
    row of the table worked out with numpy (a running maximum for the layers left out), so that 2,000 rows
    against ResNet-152 take a fraction of a second."""
    import numpy as np

    n, m = len(subs), len(expected)
    names = {}
    for j, r in enumerate(expected):
        for key in {_norm(r.path), _norm(r.name)}:
            names.setdefault(key, []).append(j)
    shapes = list(dict.fromkeys(tuple(r.output_shape) for r in expected))
    where = {shape: k for k, shape in enumerate(shapes)}
    feats = (
        names,
        np.array([r.kind for r in expected], dtype=object),
        np.array([r.params for r in expected], dtype=object),
        np.array([where[tuple(r.output_shape)] for r in expected], dtype=np.int64),
        shapes,
        np.array([not r.params for r in expected], dtype=bool),
        np.array([r.kind in ("dense", "conv", "rbf") for r in expected], dtype=bool),
        np.array([r.kind == "batchnorm" for r in expected], dtype=bool),
    )
    skip = np.array([_SKIP_TRIVIAL if _trivial(r) else _SKIP_LAYER for r in expected], dtype=np.int64)
    # P[j]: leaving out layers 0 … j−1
    prefix = np.concatenate(([0], np.cumsum(skip)))
    best = np.empty((n + 1, m + 1), dtype=np.int64)
    best[0] = prefix
    scores = []
    for i in range(1, n + 1):
        s = _scores(subs[i - 1][:2], expected, feats)
        scores.append(s)
        cand = best[i - 1] + _SKIP_SUB
        cand[1:] = np.maximum(cand[1:], best[i - 1][:-1] + s)
        # the layers left out before j: best[i][j] = max over k ≤ j of cand[k] + skips k … j−1
        best[i] = prefix + np.maximum.accumulate(cand - prefix)
    pairs, i, j = [], n, m
    while i > 0 or j > 0:
        # (the first of "sub", "exp", "match" that gives the best, as max() over them in that order chose)
        if i > 0 and best[i, j] == best[i - 1, j] + _SKIP_SUB:
            pairs.append((i - 1, None))
            i -= 1
        elif j > 0 and best[i, j] == best[i, j - 1] + skip[j - 1]:
            pairs.append((None, j - 1))
            j -= 1
        else:
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
    return pairs[::-1]


# ---------------------------------------------------------------------------------------------------------
# comparing cells


def _shape_matches(claimed, expected):
    """(right, note): equal, or the same vector written 1×1×N / N×1, or channels first."""
    expected = tuple(expected)
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


def _count_ok(claimed, slack, expected, tolerance):
    if claimed == expected:
        return True
    if slack and abs(claimed - expected) <= slack:
        return True
    return bool(tolerance) and abs(claimed - expected) <= tolerance * abs(expected)


class Cell:
    """One checked cell."""

    def __init__(self, column, text, claimed, expected, ok, note=None):
        self.column = column
        self.text = text
        self.claimed = claimed
        self.expected = expected
        self.ok = ok
        self.note = note
        self.formula = None
        self.diagnoses = []

    def expected_text(self):
        return _show(self.column, self.expected)

    def to_dict(self):
        return {
            "column": self.column,
            "submitted": self.text,
            "value": list(self.claimed) if isinstance(self.claimed, tuple) else self.claimed,
            "expected": list(self.expected) if isinstance(self.expected, tuple) else self.expected,
            "ok": self.ok,
            "note": self.note,
            "formula": self.formula,
            "diagnoses": list(self.diagnoses),
            "mistakes": [_tag(d) for d in self.diagnoses],
        }


def _tag(diagnosis):
    """The mistake's name: the text before its first ':' or '('."""
    return re.split(r":| \(", diagnosis, maxsplit=1)[0].strip()


def _show(column, value):
    if value is None:
        return ""
    if column in ("input", "output"):
        return format_shape(value)
    if column == "rf":
        return f"{value[0]}×{value[1]}"
    return format_int(value)


class CheckedRow:
    def __init__(self, number, line, label, row):
        self.number = number  # 1-based row of the table
        self.line = line
        self.label = label
        self.row = row  # the matched analysis Row, or None for an extra row
        self.cells = []

    def to_dict(self):
        return {
            "row": self.number,
            "line": self.line,
            "submitted": self.label,
            "layer": self.row.path if self.row is not None else None,
            "cells": [c.to_dict() for c in self.cells],
        }


class Report:
    """The result of checking one submission."""

    def __init__(self, submission, summary, tolerance):
        self.submission = submission
        self.summary = summary
        self.tolerance = tolerance
        self.rows = []
        self.missing = []  # analysis rows no submitted row matched
        self.columns = [c for c in CHECKED if c in submission.columns]

    @property
    def cells(self):
        return [c for r in self.rows for c in r.cells]

    @property
    def right(self):
        return sum(1 for c in self.cells if c.ok)

    @property
    def checked(self):
        return len(self.cells)

    @property
    def extra(self):
        return [r for r in self.rows if r.row is None]

    @property
    def missing_layers(self):
        """Layers left out that matter: they have parameters or change the shape."""
        return [r for r in self.missing if not _trivial(r)]

    @property
    def ok(self):
        return self.right == self.checked and not self.extra and not self.missing_layers

    def wrong(self):
        return [(r, c) for r in self.rows for c in r.cells if not c.ok]

    def score_line(self):
        pct = f" ({100 * self.right // self.checked}%)" if self.checked else ""
        return f"score: {self.right}/{self.checked} cells right{pct}"

    def to_dict(self):
        return {
            "file": self.submission.path,
            "model": self.summary.model,
            "input": list(self.summary.input_shape),
            "no_bias": self.summary.no_bias,
            "tolerance": self.tolerance,
            "rows": [r.to_dict() for r in self.rows],
            "extra_rows": [{"row": r.number, "line": r.line, "submitted": r.label} for r in self.extra],
            "missing_layers": [r.path for r in self.missing],
            "right": self.right,
            "checked": self.checked,
            "ok": self.ok,
        }

    def table_data(self):
        header = ["row", "submitted", "layer"] + [_TITLES[c] for c in self.columns]
        body = []
        for r in self.rows:
            cells = {c.column: c for c in r.cells}
            line = [str(r.number), r.label or "", r.row.path if r.row is not None else "(extra row)"]
            for column in self.columns:
                c = cells.get(column)
                if c is None:
                    line.append("")
                elif c.ok:
                    line.append(f"✓ {_show(column, c.claimed) if c.claimed is not None else c.text}")
                else:
                    shown = _show(column, c.claimed) if c.claimed is not None else repr(c.text)
                    line.append(f"✗ {shown} → {c.expected_text()}")
            body.append(line)
        return header, body

    def text(self, format="text"):
        from .report import plain_table

        bias = ", biases not counted" if self.summary.no_bias else ""
        tol = f", tolerance {self.tolerance:g}" if self.tolerance else ""
        lines = [f"{self.submission.path}: checked against {self.summary.model} "
                 f"(input {format_shape(self.summary.input_shape)}{bias}{tol})"]
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
            lines.append(f"✗ row {r.number} {where}: {_TITLES[c.column]} {c.text!r} → expected {c.expected_text()}")
            if c.formula:
                lines.append(f"    {c.formula}")
            for d in c.diagnoses:
                lines.append(f"    diagnosis: {d}")
        for r, c in notes:
            lines.append(f"✓ row {r.number} {r.row.path}: {_TITLES[c.column]} {c.note}")
        if self.extra:
            lines.append("")
            for r in self.extra:
                lines.append(f"? row {r.number} {r.label!r}: matches no layer of {self.summary.model} (extra row)")
        if self.missing:
            important = self.missing_layers
            trivial = [r for r in self.missing if _trivial(r)]
            if important:
                lines.append("")
                lines.append("missing layers: " + ", ".join(f"{r.path} ({r.detail}, output "
                                                             f"{format_shape(r.output_shape)})" for r in important))
            if trivial:
                lines.append("not listed (no parameters, shape unchanged): " + ", ".join(r.path for r in trivial))
        lines.append("")
        lines.append(self.score_line())
        return "\n".join(lines)

    def wrong_summary(self):
        """``row 10 params (factor of 10 slip); row 3 output`` for the folder summary."""
        out = []
        for r, c in self.wrong():
            tag = _tag(c.diagnoses[0]) if c.diagnoses else ""
            out.append(f"row {r.number} {_TITLES[c.column]}" + (f" ({tag})" if tag else ""))
        return "; ".join(out)


# ---------------------------------------------------------------------------------------------------------
# formulas written out with the layer's numbers (each figure comes from the analysis row)


def _fmt(n):
    return format_int(n)


def _conv_factors(layer, x):
    cin = x[2] // layer.groups
    cin_text = f"{x[2]}/{layer.groups}" if layer.groups != 1 else f"{x[2]}"
    return layer.kernel[0], layer.kernel[1], cin, cin_text


def _params_formula(row, no_bias):
    layer, x, y = row.layer, row.input_shape, row.output_shape
    if not row.leaf or x is None:
        return f"params = the sum over the block's layers = {_fmt(row.params)}"
    w = layer.weights(x, y)
    b = layer.biases(x, y)
    kind = row.kind
    if kind == "conv":
        kh, kw, cin, cin_text = _conv_factors(layer, x)
        if kh * kw * cin * layer.filters == w:
            text = f"params = F_h × F_w × C_in × filters = {kh} × {kw} × {cin_text} × {layer.filters} = {_fmt(w)}"
        else:
            text = f"params = {_fmt(w)} weights"
    elif kind == "sparseconv":
        links = layer.connections_per_position()
        text = f"params = {layer.kernel[0]} × {layer.kernel[1]} × {links} table links = {_fmt(w)}"
    elif kind in ("dense", "rbf"):
        text = f"params = N_in × N_out = {_fmt(x[0])} × {_fmt(y[0])} = {_fmt(w)}"
        if kind == "rbf" and not layer.trainable:
            text += ", fixed centres"
    elif kind == "subsampling":
        text = f"params = {x[2]} coefficients"
    elif kind == "batchnorm":
        text = f"params = {x[-1]} γ + {x[-1]} β" if layer.affine else "params = 0 (affine off)"
        if layer.affine:
            text += f" (the {_fmt(layer.buffers(x, y))} running means and variances are buffers)"
        return text + (f" = {_fmt(row.params)}" if layer.affine else "")
    elif w == 0 and b == 0:
        return f"params = 0 ({kind} has no parameters)"
    else:
        text = f"params = {_fmt(w)} weights"
    if b:
        if no_bias:
            text += f" (+ {_fmt(b)} biases = {_fmt(w + b)} with bias)"
        else:
            text += f" + {_fmt(b)} biases = {_fmt(w + b)}"
    return text


def _axis_formula(layer, x, a, out, axis):
    pads = layer.pads(x)[a]
    k, d, s = layer.kernel[a], layer.dilation[a], layer.stride[a]
    from . import formulas as F

    k_eff = F.effective_kernel(k, d)
    pad = "" if pads == (0, 0) else f" + 2×{pads[0]}" if pads[0] == pads[1] else f" + {pads[0]} + {pads[1]}"
    k_text = f"{k_eff}" if d == 1 else f"{k_eff} (kernel {k} dilated {d})"
    lo, hi = ("⌈", "⌉") if layer.ceil_mode else ("⌊", "⌋")
    text = f"{axis} = {lo}({x[a]}{pad} − {k_text})/{s}{hi} + 1"
    if layer.ceil_mode:
        # the rule's own steps (formulas.conv_output_size): the ceiling, less a last window that would start
        # inside the right padding
        up = F.ceil_div(x[a] + pads[0] + pads[1] - k_eff, s) + 1
        if up != out:
            return f"{text} = {up}, less the last window, which would start in the padding: {out}"
    return f"{text} = {out}"


def _output_formula(row):
    layer, x, y = row.layer, row.input_shape, row.output_shape
    if not row.leaf or x is None:
        return f"output = {format_shape(y)} (the block's last layer)"
    kind = row.kind
    if hasattr(layer, "pads") and len(x) == 3:
        h = _axis_formula(layer, x, 0, y[0], "H")
        w = _axis_formula(layer, x, 1, y[1], "W")
        if kind in ("conv", "sparseconv"):
            c = f"C = {y[2]} filters"
        else:
            c = f"C = {y[2]} (pooling keeps the channels)"
        return f"output = H × W × C: {h}, {w}, {c}"
    if kind == "flatten" and len(x) == 3:
        return f"N = H × W × C = {x[0]} × {x[1]} × {x[2]} = {_fmt(y[0])}"
    if kind in ("dense", "rbf"):
        return f"N = {_fmt(y[0])} units"
    if kind in ("gap", "gmp"):
        return f"global pooling keeps one value per channel: {format_shape(y)}"
    if kind == "concat":
        return f"concat adds up the branches' channels: {format_shape(y)}"
    if tuple(x) == tuple(y):
        return f"{kind} keeps the shape: {format_shape(y)}"
    return f"output = {format_shape(y)}"


def _macs_formula(row):
    layer, x, y = row.layer, row.input_shape, row.output_shape
    if not row.leaf or x is None:
        return f"MACs = the sum over the block's layers = {_fmt(row.macs)}"
    if row.kind == "conv":
        kh, kw, _, cin_text = _conv_factors(layer, x)
        return (f"MACs = H_out × W_out × C_out × (F × F × C_in) = {y[0]} × {y[1]} × {y[2]} × "
                f"({kh} × {kw} × {cin_text}) = {_fmt(row.macs)}")
    if row.kind in ("dense", "rbf"):
        return f"MACs = N_in × N_out = {_fmt(x[0])} × {_fmt(y[0])} = {_fmt(row.macs)}"
    if row.macs == 0:
        return f"MACs = 0 ({row.kind} multiplies nothing)"
    return f"MACs = {_fmt(row.macs)}"


def _formula(row, column, no_bias):
    if column == "params":
        return _params_formula(row, no_bias)
    if column == "output":
        return _output_formula(row)
    if column == "input":
        return f"the input of {row.path} is the output of the layer before it: {format_shape(row.input_shape)}"
    if column == "macs":
        return _macs_formula(row)
    if column == "flops":
        return f"FLOPs = 2 × MACs = 2 × {_fmt(row.macs)} = {_fmt(row.flops)}"
    if column == "connections":
        return (f"connections = MACs + bias additions = {_fmt(row.macs)} + {_fmt(row.bias_adds)} = "
                f"{_fmt(row.connections)}")
    if column == "rf":
        rf = row.receptive_field
        return f"receptive field {rf[0]}×{rf[1]} (jump {row.jump[0]}×{row.jump[1]} input pixels per step)"
    return None


# ---------------------------------------------------------------------------------------------------------
# diagnoses: the common mistakes, each tried with the layer's own rules on changed inputs


def _variant_output(layer, x, **changes):
    """The layer's own shape rule, applied after changing some of its settings (None if it fails)."""
    from .analysis import NumericContext

    alt = copy.copy(layer)
    for key, value in changes.items():
        setattr(alt, key, value)
    try:
        return tuple(alt.infer(tuple(x), NumericContext(), "variant"))
    except (ShapecalcError, ZeroDivisionError, TypeError, IndexError):
        return None


def _params_of(layer, x, no_bias):
    """(weights, biases) of ``layer`` on input ``x`` by its own rules, or None if it does not apply."""
    y = _variant_output(layer, x)
    if y is None:
        return None
    return layer.weights(x, y), (0 if no_bias else layer.biases(x, y))


def _tens(claimed, value):
    if not value or not claimed:
        return None
    for k in (1, 2, 3):
        f = 10 ** k
        if claimed == value * f:
            return f"{_fmt(claimed)} is {_fmt(f)} × {_fmt(value)}"
        if claimed * f == value:
            return f"{_fmt(claimed)} is {_fmt(value)} / {_fmt(f)}"
    return None


def _diagnose_params(row, claimed, no_bias, prev_claim):
    layer, x, y = row.layer, row.input_shape, row.output_shape
    out = []
    if not row.leaf or x is None:
        return out
    w, b = layer.weights(x, y), layer.biases(x, y)
    count = getattr(layer, "filters", getattr(layer, "units", x[-1]))
    units = f"{count} " if count else ""
    if not no_bias and b and claimed == w:
        what = "filters" if row.kind.endswith("conv") else "units" if row.kind == "dense" else "maps"
        out.append(f"bias forgotten: {_fmt(claimed)} is the weights alone; the {units}{what} add {_fmt(b)} "
                   f"biases ({_fmt(w)} + {_fmt(b)} = {_fmt(w + b)})")
    if no_bias and b and claimed == w + b:
        out.append(f"bias added: {_fmt(claimed)} = {_fmt(w)} weights + {_fmt(b)} biases, but this table counts "
                   "weights only (--no-bias)")
    if row.kind == "conv" and len(x) == 3:
        expected = row.params
        extra = 0 if no_bias else b
        swapped = copy.copy(layer)
        swapped.filters = x[2]
        used_out = layer.weights((x[0], x[1], layer.filters), y)
        used_in = swapped.weights(x, (y[0], y[1], x[2])) if x[2] % layer.groups == 0 else None
        if claimed != expected and claimed in (used_out, used_out + extra):
            out.append(f"input and output channels confused: {_fmt(claimed)} uses the {layer.filters} output "
                       f"channels as the input depth; the input has {x[2]} channels")
        elif claimed != expected and used_in is not None and claimed in (used_in, used_in + (x[2] if extra else 0)):
            out.append(f"input and output channels confused: {_fmt(claimed)} uses the input's {x[2]} channels as "
                       f"the filter count; the layer has {layer.filters} filters")
    if prev_claim is not None and tuple(prev_claim) != tuple(x):
        pair = _params_of(layer, tuple(prev_claim), no_bias)
        if pair is not None and claimed in (pair[0] + pair[1], pair[0]):
            text = (f"carried over: with your previous output {format_shape(prev_claim)} this layer has "
                    f"{_fmt(claimed)} parameters, so the step itself is right")
            if row.kind == "dense" and len(prev_claim) == 1:
                text = "flatten size wrong (" + text + ")"
            out.append(text)
    if not out:
        for value in (row.params, w, w + b):
            slip = _tens(claimed, value)
            if slip:
                extra = ""
                if value != row.params:
                    extra = " (and the biases forgotten)" if value == w and not no_bias else " (and the biases added)"
                out.append(f"factor of 10 slip: {slip}{extra}")
                break
    return out


def _diagnose_output(row, claimed, prev_claim):
    layer, x, y = row.layer, row.input_shape, row.output_shape
    out = []
    if not row.leaf or x is None:
        return out
    claimed = tuple(claimed)
    if prev_claim is not None and tuple(prev_claim) != tuple(x) and row.kind != "flatten":
        alt = _variant_output(layer, tuple(prev_claim))
        if alt is not None and alt == claimed:
            # the step is right from the student's own (wrong) input: that is the whole story
            return [f"carried over: with your previous output {format_shape(prev_claim)} this layer gives "
                    f"{format_shape(alt)}, so the step itself is right"]
    if hasattr(layer, "pads") and len(x) == 3:
        tries = []
        if layer.padding != "same":
            tries.append((dict(ceil_mode=not layer.ceil_mode),
                          "floor vs ceil: {c} is what rounding {how} gives; this layer rounds {other}"))
        if layer.padding == "same" or layer.padding != (0, 0):
            pad = "'same'" if layer.padding == "same" else "×".join(str(p) for p in sorted(set(layer.padding)))
            tries.append((dict(padding=(0, 0)), "padding ignored: {c} is the size without the padding of " + pad))
        if layer.stride != (1, 1):
            s = "×".join(str(v) for v in sorted(set(layer.stride)))
            tries.append((dict(stride=(1, 1)), "stride ignored: {c} is the size with stride 1; the stride is " + s))
        for changes, template in tries:
            alt = _variant_output(layer, x, **changes)
            if alt is not None and alt != tuple(y) and alt[:2] == claimed[:2]:
                how, other = ("up", "down") if not layer.ceil_mode else ("down", "up")
                out.append(template.format(c=f"{claimed[0]}×{claimed[1]}", how=how, other=other))
        if len(claimed) == 3 and claimed[:2] == tuple(y[:2]) and claimed[2] != y[2]:
            if row.kind in ("conv", "sparseconv") and claimed[2] == x[2]:
                out.append(f"input and output channels confused: the output has one map per filter ({y[2]}), "
                           f"not the input's {x[2]} channels")
    if row.kind == "flatten" and len(x) == 3 and len(claimed) == 1:
        text = f"flatten size wrong: flatten keeps every value of the {format_shape(x)} map, all three sizes multiplied"
        if claimed[0] == x[0] * x[1]:
            text += f"; {_fmt(claimed[0])} = {x[0]} × {x[1]} leaves out the {x[2]} channels"
        elif prev_claim is not None and len(prev_claim) == 3 and claimed[0] == _product(prev_claim):
            text += f"; {_fmt(claimed[0])} follows from your previous output {format_shape(prev_claim)}"
        out.append(text)
    if not out and len(claimed) == len(y):
        for a, (c, e) in enumerate(zip(claimed, y)):
            slip = _tens(c, e)
            if slip and all(cc == ee for b, (cc, ee) in enumerate(zip(claimed, y)) if b != a):
                out.append(f"factor of 10 slip: {slip}")
    return out


def _product(dims):
    n = 1
    for d in dims:
        n *= d
    return n


def _diagnose_ops(row, column, claimed):
    out = []
    if column == "macs":
        if claimed == row.flops and row.macs:
            out.append(f"FLOPs counted instead of MACs: {_fmt(claimed)} = 2 × {_fmt(row.macs)}")
        elif claimed == row.connections and row.bias_adds:
            out.append(f"bias additions counted: {_fmt(claimed)} = {_fmt(row.macs)} MACs + {_fmt(row.bias_adds)}")
    if column == "connections" and claimed == row.macs and row.bias_adds:
        out.append(f"bias forgotten: connections count the {_fmt(row.bias_adds)} bias additions too "
                   f"({_fmt(row.macs)} + {_fmt(row.bias_adds)})")
    if column == "flops" and claimed == row.macs and row.macs:
        out.append(f"MACs counted instead of FLOPs: FLOPs = 2 × MACs = {_fmt(row.flops)}")
    if not out:
        slip = _tens(claimed, {"macs": row.macs, "flops": row.flops, "connections": row.connections}[column])
        if slip:
            out.append(f"factor of 10 slip: {slip}")
    return out


# ---------------------------------------------------------------------------------------------------------
# the check


def check(model, submission, no_bias=False, tolerance=0, input=None):
    """Check ``submission`` (a path, or a :class:`Submission`) against ``model`` (a zoo name or a network).

    Returns a :class:`Report`; ``report.ok`` is True when every checked cell is right and no layer that
    matters is missing.
    """
    import numbers

    from .report import summary

    # a text or a list here used to reach "tolerance * expected" (a string repeated millions of times)
    if isinstance(tolerance, bool) or not isinstance(tolerance, numbers.Real) or not 0 <= tolerance < 1:
        raise ConfigError(f"tolerance must be a number from 0 (exact) to below 1, e.g. 0.01, received {tolerance!r}",
                          "tolerance")
    if not isinstance(submission, Submission):
        submission = read_submission(submission)
    if input is None and not isinstance(model, str):
        shape = getattr(model, "input_shape", None) or ()
        if any(isinstance(d, str) for d in shape):
            raise ConfigError(f"the network's input {format_shape(shape)} has letters: give the numbers to "
                              "check against (--input)", "check")
    s = summary(model, input, no_bias=no_bias)
    report = Report(submission, s, tolerance)
    expected = s.rows

    subs = []
    for line, cells in submission.rows:
        label = submission.label(cells)
        claims = {}
        try:
            claims["output"] = parse_shape_cell(submission.cell(cells, "output"))
        except ValueError:
            pass
        try:
            parsed = parse_count(submission.cell(cells, "params"))
            claims["params"] = parsed[0] if parsed else None
        except ValueError:
            pass
        subs.append((label, claims, line, cells))

    # rows that name a layer or a block (conv1, inception3a.branch2.conv3x3, c5) are matched by name, in
    # any order; the others are aligned in order with the layers left
    named = {}
    taken = set()
    by_name = {}
    for r in s.all_rows:
        for key in {_norm(r.path), _norm(r.name)}:
            by_name.setdefault(key, []).append(r)
    for i, (label, claims, _, _) in enumerate(subs):
        key = _norm(label.split()[0].rstrip(":")) if label else ""
        if not key:
            continue
        hits = by_name.get(key, [])
        if len(hits) != 1 or id(hits[0]) in taken:
            continue
        hit = hits[0]
        if hit.leaf and _pair_score(label, claims, hit) is None:
            continue
        named[i] = hit
        taken.add(id(hit))
        if not hit.leaf:
            taken.update(id(r) for r in s._leaves_under(hit))
    order = [i for i in range(len(subs)) if i not in named]
    rest = [r for r in expected if id(r) not in taken]
    pairs = _align([subs[i] for i in order], rest)
    matched = dict(named)
    missing = []
    for si, ej in pairs:
        if si is not None:
            matched[order[si]] = rest[ej] if ej is not None else None
        elif ej is not None:
            missing.append(rest[ej])
    report.missing = missing

    prev_claim = None
    for i, (label, claims, line, cells) in enumerate(subs):
        row = matched.get(i)
        checked = CheckedRow(i + 1, line, label, row)
        report.rows.append(checked)
        if row is None:
            prev_claim = None
            continue
        for column in report.columns:
            text = submission.cell(cells, column)
            cell = _check_cell(row, column, text, tolerance, no_bias, prev_claim)
            if cell is not None:
                checked.cells.append(cell)
        prev_claim = claims.get("output") if row.leaf else None
    return report


def _check_cell(row, column, text, tolerance, no_bias, prev_claim):
    if _blank(text):
        return None
    if column in ("input", "output"):
        expected = row.input_shape if column == "input" else row.output_shape
        if expected is None:
            return None
        try:
            claimed = parse_shape_cell(text)
        except ValueError:
            cell = Cell(column, text, None, tuple(expected), False)
            cell.diagnoses.append("cannot read a shape here (write it as 36x28x20)")
            cell.formula = _formula(row, column, no_bias)
            return cell
        ok, note = _shape_matches(claimed, expected)
        cell = Cell(column, text, claimed, tuple(expected), ok, note)
        if not ok:
            cell.formula = _formula(row, column, no_bias)
            if column == "output":
                cell.diagnoses = _diagnose_output(row, claimed, prev_claim)
        return cell
    if column == "rf":
        expected = row.receptive_field
        if expected is None:
            return None
        try:
            claimed = _parse_rf(text)
        except ValueError:
            claimed = None
        cell = Cell(column, text, claimed, tuple(expected), claimed == tuple(expected))
        if not cell.ok:
            cell.formula = _formula(row, column, no_bias)
        return cell
    expected = {"params": row.params, "macs": row.macs, "flops": row.flops, "connections": row.connections}[column]
    try:
        parsed = parse_count(text)
    except ValueError:
        cell = Cell(column, text, None, expected, False)
        cell.formula = _formula(row, column, no_bias)
        cell.diagnoses.append("cannot read a number here")
        return cell
    claimed, slack = parsed
    cell = Cell(column, text, claimed, expected, _count_ok(claimed, slack, expected, tolerance))
    if not cell.ok:
        cell.formula = _formula(row, column, no_bias)
        if column == "params":
            cell.diagnoses = _diagnose_params(row, claimed, no_bias, prev_claim)
        else:
            cell.diagnoses = _diagnose_ops(row, column, claimed)
    return cell


# ---------------------------------------------------------------------------------------------------------
# the command

_EXTENSIONS = (".csv", ".tsv", ".md", ".markdown", ".txt", ".tab")


def _load(args):
    from .cli import load_network

    if not (args.model or args.spec or args.spec_file):
        raise ConfigError("name the network the table describes: --model NAME, --spec TEXT or --spec-file FILE",
                          "shapecalc check")
    return load_network(args, args.model)


def _tolerance(text):
    try:
        value = float(str(text).rstrip("%")) / (100 if str(text).endswith("%") else 1)
    except ValueError:
        raise ConfigError(f"expected a relative tolerance such as 0.01 or 1%, received {text!r}",
                          "--tolerance") from None
    if not 0 <= value < 1:
        raise ConfigError(f"the tolerance must be between 0 and 1, received {text!r}", "--tolerance")
    return value


def _render(report, fmt):
    if fmt == "json":
        import json

        return json.dumps(report.to_dict(), indent=2, ensure_ascii=False)
    if fmt == "csv":
        from .report import to_csv

        rows = []
        for r in report.rows:
            for c in r.cells:
                rows.append([r.number, r.label, r.row.path if r.row is not None else "", c.column, c.text,
                             c.expected_text(), "ok" if c.ok else "wrong", c.formula or "", " | ".join(c.diagnoses)])
        return to_csv(["row", "submitted", "layer", "column", "value", "expected", "result", "formula", "diagnosis"],
                      rows).rstrip("\n")
    return report.text(fmt)


def check_command(args, out):
    """``shapecalc check SUBMISSION --model NAME``: 0 when every cell is right, 1 otherwise."""
    import os

    network = _load(args)
    tolerance = _tolerance(args.tolerance)
    from .cli import _input

    input_shape = _input(args)
    if input_shape is not None and any(isinstance(d, str) for d in input_shape):
        raise ConfigError("checking needs a numeric input shape", "--input")
    path = args.submission
    if os.path.isdir(path):
        return _check_folder(network, path, args, tolerance, input_shape, out)
    if args.summary:
        raise ConfigError("--summary applies to a folder of submissions", "--summary")
    report = check(network, path, no_bias=args.no_bias, tolerance=tolerance, input=input_shape)
    out.write(_render(report, args.format) + "\n")
    return 0 if report.ok else 1


def _check_folder(network, folder, args, tolerance, input_shape, out):
    import csv
    import os

    summary_path = args.summary or os.path.join(folder, "summary.csv")
    files = sorted(f for f in os.listdir(folder)
                   if f.lower().endswith(_EXTENSIONS) and os.path.isfile(os.path.join(folder, f))
                   and os.path.abspath(os.path.join(folder, f)) != os.path.abspath(summary_path))
    if not files:
        raise SubmissionError(f"no submissions (files ending {', '.join(_EXTENSIONS)}) in the folder", folder)
    results = []
    all_ok = True
    for name in files:
        path = os.path.join(folder, name)
        try:
            report = check(network, path, no_bias=args.no_bias, tolerance=tolerance, input=input_shape)
        except SubmissionError as exc:
            all_ok = False
            results.append({"file": name, "right": "", "checked": "", "score": "", "wrong_cells": "",
                            "extra_rows": "", "missing_layers": "", "error": exc.detail})
            if args.format != "json":
                out.write(f"{name}: unreadable: {exc.detail}\n")
            continue
        all_ok = all_ok and report.ok
        results.append({
            "file": name, "right": report.right, "checked": report.checked,
            "score": f"{report.right / report.checked:.3f}" if report.checked else "",
            "wrong_cells": report.wrong_summary(),
            "extra_rows": "; ".join(f"row {r.number} {r.label}" for r in report.extra),
            "missing_layers": "; ".join(r.path for r in report.missing_layers), "error": "",
            "_report": report,
        })
        if args.format != "json":
            wrong = report.wrong_summary()
            out.write(f"{name}: {report.right}/{report.checked} cells right" + (f"; wrong: {wrong}" if wrong else "")
                      + (f"; {len(report.extra)} extra rows" if report.extra else "")
                      + (f"; missing {', '.join(r.path for r in report.missing_layers)}"
                         if report.missing_layers else "") + "\n")
    fields = ["file", "right", "checked", "score", "wrong_cells", "extra_rows", "missing_layers", "error"]
    try:
        with open(summary_path, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
            writer.writeheader()
            from .report import spreadsheet_safe

            # (file names and error texts are the students' text)
            writer.writerows({k: spreadsheet_safe(v) for k, v in r.items() if k in fields} for r in results)
    except OSError as exc:
        raise ConfigError(f"cannot write the summary: {exc.strerror}", summary_path) from None
    if args.format == "json":
        import json

        out.write(json.dumps({"summary": summary_path, "files": [
            r["_report"].to_dict() if "_report" in r else {"file": r["file"], "error": r["error"]} for r in results
        ]}, indent=2, ensure_ascii=False) + "\n")
    else:
        out.write(f"summary: {summary_path} ({len(files)} files)\n")
    return 0 if all_ok else 1
