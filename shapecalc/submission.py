"""Reading a homework submission: a table of layers as a student wrote it, or as Keras printed it.

:func:`read_submission` finds the table in a file — a Markdown pipe table (prose around it is ignored), a
CSV (comma or semicolon) or TSV file, a table aligned with spaces (shapecalc's own text table), or a pasted
Keras ``model.summary()`` in either of its layouts: Keras 3's box drawing (``┏━┃┡│└``) or Keras 2's plain
text (``___``, ``===``) — at any terminal width: a cell that Keras wrapped over several lines (a long layer
name, a shape's last size, the inputs of an ``Add``) is put back together.

Each column gets a role from what its header means (:func:`column_role`), not from the first word that
looks familiar: ``Weights`` are the parameters without the biases, ``Biases`` the biases, ``Total`` (or
``params (with bias)``) both, ``params (no bias)`` the weights; ``Param #`` in a Keras summary is Keras'
count, which includes BatchNormalization's moving mean and variance. A unit in the header (``MACs (M)``,
``GFLOPs``, ``Params [K]``) scales the numbers under it.

>>> column_role("params (no bias)"), column_role("Biases"), column_role("Total"), column_role("MACs (M)")
(('weights', 'no bias', 1), ('biases', None, 1), ('params', 'total', 1), ('macs', None, 1000000))
>>> column_role("Kernel size"), column_role("Output shape"), column_role("Connected to")
(None, ('output', None, 1), ('connected', None, 1))
>>> parse_count("16,100"), parse_count("160K"), parse_count("1.2M"), parse_count("")
((16100, 0), (160000, 500), (1200000, 50000), None)
>>> parse_shape_cell("(36, 28, 20)"), parse_shape_cell("36 × 28 × 20"), parse_shape_cell("(None, 160)")
((36, 28, 20), (36, 28, 20), (160,))
"""

import re
from dataclasses import dataclass
from decimal import Decimal, localcontext

from .errors import SubmissionError

__all__ = ["Submission", "Column", "read_submission", "column_role", "parse_count", "parse_shape_cell",
           "CHECKED", "MAX_SUBMISSION_BYTES"]

#: the roles a column can be checked in, in display order (the others: layer, type, connected)
CHECKED = ("input", "output", "params", "weights", "biases", "macs", "flops", "connections", "rf")

#: the roles that hold counts
COUNT_ROLES = ("params", "weights", "biases", "macs", "flops", "connections")

# ---------------------------------------------------------------------------------------------------------
# what a column's header means


@dataclass
class Column:
    """One column of the table: its ``index``, its ``header`` as written, its ``role`` (``layer``, ``type``,
    ``input``, ``output``, ``params``, ``weights``, ``biases``, ``macs``, ``flops``, ``connections``, ``rf``,
    ``connected`` — Keras' *Connected to* — or None for a column that is not read), the ``qualifier`` its
    header adds (``"no bias"``, ``"with bias"``, ``"total"``, ``"keras"``: Keras' *Param #*, which counts
    the non-trainable weights such as BatchNormalization's moving mean and variance), and the ``scale`` of
    a unit in the header (``MACs (M)``: 10**6)."""

    index: int
    header: str
    role: str | None
    qualifier: str | None = None
    scale: int = 1

    @property
    def checked(self) -> bool:
        return self.role in CHECKED


_UNITS = {"k": 10**3, "thousand": 10**3, "thousands": 10**3, "m": 10**6, "mio": 10**6, "million": 10**6,
          "millions": 10**6, "g": 10**9, "b": 10**9, "bn": 10**9, "billion": 10**9, "billions": 10**9}
_POWERS = {"3": 10**3, "6": 10**6, "9": 10**9}
_SUFFIX_OF = {10**3: "K", 10**6: "M", 10**9: "G"}

# words of a header that make it no figure to check: the student's working, or a layer's settings
_NOTES = re.compile(r"\b(notes?|comments?|remarks?|formula|formulas|calculation|calculations|working|workings|"
                    r"explanation|derivation|how|why)\b")
_SETTINGS = re.compile(r"\b(kernel|kernels|filter size|window|stride|strides|padding|pad|dilation|groups|"
                       r"filters|# filters|channels|depth|units|neurons|activation function|nonlinearity|"
                       r"trainable)$|\b(kernel|stride|padding|dilation|filter size|window size)\b")
_FIGURES = re.compile(r"param|weight|bias|mac|flop|mult|output|input|shape|connection|receptive")
_NO_BIAS = re.compile(r"\b(no|without|w/o|excl\.?|excluding|minus|not counting|not incl\.?)\s+(the\s+)?bias"
                      r"|bias(es)?\s+(excluded|not counted|ignored)|weights?[ -]only|only weights")
_WITH_BIAS = re.compile(r"\b(with|incl\.?|including|plus|w/|and|\+|&)\s*(the\s+)?bias|bias(es)?\s+(included|counted)"
                        r"|\bw\s*\+\s*b\b|weights?\s*(\+|and|&)\s*bias")


def _unit(h):
    """The scale a unit in a header gives: ``(M)``, ``[K]``, ``in millions``, ``×10^6``, ``GFLOPs``."""
    for m in re.finditer(r"[(\[]\s*(?:in\s+)?([a-z]+)\s*[)\]]|\bin\s+(thousands|millions|billions)\b", h):
        word = m.group(1) or m.group(2)
        if word in _UNITS:
            return _UNITS[word]
    m = re.search(r"(?:x|×|\*)?\s*10\s*(?:\^|\*\*)\s*([369])\b|(?:x|×)\s*1e([369])\b|10([³⁶⁹])", h)
    if m:
        digit = m.group(1) or m.group(2) or {"³": "3", "⁶": "6", "⁹": "9"}[m.group(3)]
        return _POWERS[digit]
    m = re.search(r"\b([kmg])(?:flops?|macs?|mult-?adds?|params?)\b", h)
    if m:
        return _UNITS[m.group(1)]
    return 1


def column_role(header):
    """``(role, qualifier, scale)`` for a header cell, or None for a column that holds no figure to check
    and no layer name (notes, working, a layer's kernel size or stride)."""
    h = re.sub(r"[*_`]", " ", header.lower().replace("\u00a0", " "))
    h = re.sub(r"\s+", " ", h).strip()
    if not h:
        return None
    if _NOTES.search(h):
        return None
    if "connected to" in h or h in ("inbound", "inbound layers", "inputs from"):
        return ("connected", None, 1)
    if "receptive" in h or re.search(r"\br\.?f\.?\b", h):
        return ("rf", None, 1)
    if _SETTINGS.search(h) and not _FIGURES.search(h.replace("filter size", "")):
        return None
    if re.fullmatch(r"(# ?|no\.? of |number of )?(output |out |input |in )?(channels|filters|feature maps|maps|depth)"
                    r"( out| in)?", h):
        return None  # (a channel count, "Output channels": not the output's shape)
    scale = _unit(h)
    if "flop" in h:
        return ("flops", None, scale)
    if re.search(r"(?<![a-z])[kmg]?macs?\b|mult|madd|multiply", h):
        return ("macs", None, scale)
    if "connection" in h:
        return ("connections", None, scale)
    if "bias" in h or re.search(r"\bw\s*\+\s*b\b", h):
        if _NO_BIAS.search(h):
            return ("weights", "no bias", scale)
        if _WITH_BIAS.search(h):
            return ("params", "with bias", scale)
        return ("biases", None, scale)
    if re.search(r"\b(non-?trainable|frozen|fixed)\b", h):
        return None  # (a count that no layer row of shapecalc's holds for every network)
    if re.search(r"\bweights?\b", h) and not re.search(r"\b(trainable|learnable)\b", h):
        return ("weights", None, scale)
    if "param" in h or re.search(r"\b(trainable|learnable) weights?\b", h):
        return ("params", "total" if "total" in h else None, scale)
    if re.fullmatch(r"(the )?(total|sum|total count|count)( \(.*\))?", h):
        return ("params", "total", scale)
    if "output" in h or h in ("out", "out shape"):
        return ("output", None, 1)
    if "input" in h or h in ("in", "in shape"):
        return ("input", None, 1)
    if any(w in h for w in ("shape", "size", "dim", "volume", "feature map", "activation map")):
        return ("output", None, 1)
    if "layer" in h or h in ("name", "layer name", "#", "no", "no.", "nr", "nr.", "step", "index"):
        return ("layer", None, 1)
    if h in ("type", "kind", "operation", "op", "description", "layer type", "class"):
        return ("type", None, 1)
    return None


def _role(header_cell):
    """The role of a header cell (see :func:`column_role`), or None."""
    found = column_role(header_cell)
    return found[0] if found else None


def _columns(header, keras=False):
    """The :class:`Column` of each header cell. In a Keras summary, *Param #* is Keras' count."""
    out = []
    for i, text in enumerate(header):
        role, qualifier, scale = column_role(text) or (None, None, 1)
        if keras and role == "params" and re.fullmatch(r"param\s*#|# ?params", text.strip().lower()):
            qualifier = "keras"
        out.append(Column(i, text, role, qualifier, scale))
    return out


def _is_keras_header(header):
    cells = {re.sub(r"\s+", " ", c.strip().lower()) for c in header}
    return "layer (type)" in cells and "param #" in cells


# ---------------------------------------------------------------------------------------------------------
# the table as read


class Submission:
    """A table as read: ``fields``, one :class:`Column` per header cell; ``columns`` maps each role to the
    index of its (first) column; ``rows`` are ``(line number, cells)``; ``format`` is ``markdown``, ``csv``,
    ``tsv``, ``text``, ``keras`` (Keras 3's box drawing) or ``keras2`` (Keras 2's plain layout)."""

    def __init__(self, path, header, columns, rows, fmt):
        self.path = path
        self.header = header
        if isinstance(columns, dict):  # (the older form: role → index)
            columns = [Column(i, header[i] if i < len(header) else "", role)
                       for role, i in sorted(columns.items(), key=lambda item: item[1])]
        self.fields = list(columns)
        self.columns = {}
        for column in self.fields:
            if column.role is not None:
                self.columns.setdefault(column.role, column.index)
        self.rows = rows
        self.format = fmt

    def column(self, role):
        """The (first) :class:`Column` of ``role``, or None."""
        return next((c for c in self.fields if c.role == role), None)

    def columns_of(self, role):
        """Every :class:`Column` of ``role`` (a table may have two: ``Params`` and ``Params (check)``)."""
        return [c for c in self.fields if c.role == role]

    def qualifier(self, role):
        column = self.column(role)
        return column.qualifier if column is not None else None

    def text(self, row, column):
        """The cell of ``row`` in ``column`` (a :class:`Column`), with the header's unit written out
        (``1.2`` under ``MACs (M)`` reads ``1.2M``)."""
        if column.index >= len(row):
            return ""
        text = row[column.index].strip()
        if column.scale != 1 and re.fullmatch(r"[\d.,'’ ]*\d", text):
            text += _SUFFIX_OF[column.scale]
        return text

    def cell(self, row, role):
        """The cell of ``row`` in the (first) column of ``role``; "" where there is none."""
        column = self.column(role)
        return "" if column is None else self.text(row, column)

    def label(self, row):
        name = self.cell(row, "layer")
        kind = self.cell(row, "type")
        return " ".join(t for t in (name, kind) if t)

    @property
    def counts_biases(self):
        """True where the header itself says the biases are counted (a *Biases* column, *params (with
        bias)*, a *Total* beside the weights, Keras' *Param #*): such a table is checked with the biases
        whatever ``--no-bias`` says. None where the header leaves it open."""
        for column in self.fields:
            if column.role == "biases" or column.role == "params" and column.qualifier in ("with bias", "keras"):
                return True
            if column.role == "params" and column.qualifier == "total" and self.column("weights") is not None:
                return True
        return None

    def params_claim(self, row, no_bias=False):
        """The parameters ``row`` claims, counted as the network's rows count them (``no_bias``: the weights
        alone), for matching rows to layers: the params column, or the weights and biases added up. None
        where the row claims none (or it cannot be read)."""
        def count(role):
            try:
                parsed = parse_count(self.cell(row, role))
            except ValueError:
                return None
            return parsed[0] if parsed else None

        if "params" in self.columns and (not no_bias or self.qualifier("params") is None):
            return count("params")
        weights = count("weights")
        if no_bias or weights is None:
            return weights
        biases = count("biases")
        return weights + biases if biases is not None else None


# ---------------------------------------------------------------------------------------------------------
# reading the file


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


def _decode(path):
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
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise SubmissionError("the submission starts as UTF-16 text but is not", str(path)) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def read_submission(path, text=None):
    """Read the first table of a file (see the module's text); ``text``: the file's text, given. Raises
    SubmissionError for a file with no table to check."""
    if text is None:
        text = _decode(path)
    lines = text.splitlines()
    header, rows, fmt = _keras3_table(lines)
    if header is None:
        header, rows, fmt = _markdown_table(lines)
    if header is None:
        header, rows, fmt = _keras2_table(lines)
    if header is None:
        header, rows, fmt = _aligned_table(lines)
    if header is None:
        header, rows, fmt = _delimited_table(lines, path)
    columns = _columns(header, keras=fmt in ("keras", "keras2") or _is_keras_header(header))
    if not any(c.checked for c in columns):
        shown = ", ".join(repr(h) for h in header[:8]) or "nothing"
        raise SubmissionError(
            f"no column to check: the header ({shown}) names none of output, params, weights, biases, MACs, "
            "FLOPs, connections, receptive field (expected a CSV/TSV header, a Markdown pipe table or a "
            "Keras model.summary())", str(path))
    if not rows:
        raise SubmissionError("the table has a header but no rows", str(path))
    if fmt in ("csv", "tsv", "text") and len(header) > 1:
        roles = {}
        for c in columns:
            if c.role is not None:
                roles.setdefault(c.role, c.index)
        rows = [(n, _merge_split_cells(cells, header, roles)) for n, cells in rows]
    return Submission(str(path), header, columns, rows, fmt)


def _markdown_table(lines):
    for k in range(1, len(lines)):
        if _MD_RULE.match(lines[k]) and "|" in lines[k - 1] and "-" in lines[k]:
            rows = []
            for n in range(k + 1, len(lines)):
                if "|" not in lines[n]:
                    if lines[n].strip():
                        break
                    continue
                rows.append((n + 1, _md_cells(lines[n])))
            return _md_cells(lines[k - 1]), rows, "markdown"
    return None, [], None


def _delimited_table(lines, path):
    import csv

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
    return header, rows, fmt


# -- Keras' model.summary() --------------------------------------------------------------------------------

# the joins of a cell's pieces: Keras 3 (rich) wraps at spaces, so the pieces are words; Keras 2 cut a cell at
# its column's width wherever that fell, so the pieces are parts of one string
_NAME_CLASS = re.compile(r"\s*\(")


def _join_keras3(role, pieces):
    text = " ".join(p for p in pieces if p)
    if role == "layer":
        text = text.replace("└", " ").strip()  # (a layer of a nested model, expand_nested=True)
    return text


def _join_keras2(role, pieces):
    if role == "connected":
        return " ".join(p for p in pieces if p)
    text = "".join(pieces)
    if role == "layer":
        text = _NAME_CLASS.sub(" (", text.strip("|").strip(), count=1)  # "max_pooling2d " + "(MaxPooling2D)"
    return text


def _keras3_table(lines):
    """Keras 3's box-drawn summary: ``┃`` separates the header's cells, ``│`` a row's, ``├──┼`` lines the
    rows; a row's cells continue over the lines up to the next rule."""
    k = next((i for i, ln in enumerate(lines) if ln.strip().startswith("┃") and "layer" in ln.lower()), None)
    if k is None:
        return None, [], None
    heads = []
    n = k
    while n < len(lines) and lines[n].strip().startswith("┃"):
        heads.append([c.strip() for c in lines[n].strip().strip("┃").split("┃")])
        n += 1
    header = [" ".join(h[i] for h in heads if i < len(h) and h[i]) for i in range(len(heads[0]))]
    roles = [_role(h) for h in header]
    records = []
    current = None
    for n in range(n, len(lines)):
        text = lines[n].strip()
        if not text or text[0] in "┡├┢╞╟":
            current = None
            continue
        if text[0] in "└┗╘":
            break
        if text[0] != "│":
            break
        cells = [c.strip() for c in text.strip("│").split("│")]
        if current is None:
            current = (n + 1, [[] for _ in header])
            records.append(current)
        for i, c in enumerate(cells[:len(header)]):
            current[1][i].append(c)
    rows = [(line, [_join_keras3(roles[i], pieces) for i, pieces in enumerate(cells)]) for line, cells in records]
    return header, rows, "keras"


_RULE_LINE = re.compile(r"^\s*[-_=─━+\s]{3,}\s*$")


def _keras2_table(lines):
    """Keras 2's plain summary: a header with *Layer (type)* and *Output Shape*, a ``===`` line, then the
    rows, separated by blank or ``___`` lines; each column starts where its title does, and a cell too long
    for its column goes on in the same column of the next lines."""
    for k, line in enumerate(lines):
        if "Layer (type)" not in line or "Output Shape" not in line or "┃" in line or "|" in line.strip()[:1]:
            continue
        nxt = next((ln for ln in lines[k + 1:] if ln.strip()), "")
        if not re.fullmatch(r"\s*=+\s*", nxt):
            continue
        spans = [(m.start(), m.group()) for m in re.finditer(r"\S+(?: \S+)*", line)]
        header = [title for _, title in spans]
        starts = [0] + [s for s, _ in spans[1:]]
        roles = [_role(h) for h in header]
        records = []
        current = None
        seen_rule = False
        for n in range(k + 1, len(lines)):
            text = lines[n]
            stripped = text.strip()
            if re.fullmatch(r"=+", stripped):
                if seen_rule:
                    break  # (the rule under the last row)
                seen_rule = True
                continue
            if re.match(r"(?i)(total|trainable|non-trainable) params", stripped):
                break
            if not stripped.strip("|") or re.fullmatch(r"\|*[_¯ ]+\|*", stripped):
                current = None
                continue
            pieces = [text[a:b].strip() for a, b in zip(starts, starts[1:] + [len(text)])]
            if current is None:
                current = (n + 1, [[] for _ in header])
                records.append(current)
            for i, piece in enumerate(pieces):
                current[1][i].append(piece)
        rows = [(ln, [_join_keras2(roles[i], p) for i, p in enumerate(cells)]) for ln, cells in records]
        return header, rows, "keras2"
    return None, [], None


def _aligned_table(lines):
    """A table aligned with spaces (shapecalc's own text table): columns are separated by two or more
    spaces. Returns (None, [], None) when the text is not such a table."""
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
    """Unquoted commas in a CSV row (``36,28,20``, ``7,200``) split a cell; put the pieces back together.
    ``columns``: role → index."""
    extra = len(cells) - len(header)
    if extra <= 0:
        return cells
    out = list(cells)
    shapes = {columns.get("output"), columns.get("input")}
    counts = {columns.get(r) for r in COUNT_ROLES}
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


def _parse_rf(text, axes=2):
    """A receptive-field cell: ``5×5`` (``3×5×5`` of a volume, ``9`` of a sequence); one number alone is the
    same along each of the ``axes``."""
    if text is None or _blank(text):
        return None
    nums = [int(n) for n in re.findall(r"\d+", text.split("=")[-1])]
    if not nums:
        raise ValueError(text)
    return tuple(nums) if len(nums) > 1 else (nums[0],) * axes


