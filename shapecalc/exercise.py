"""``shapecalc exercise``: homework variants for a class, each with its answer key.

A *template* is a network whose numbers may be ranges (``conv {16..32} k{3,5}``); every variant draws its
numbers from them with ``random.Random`` seeded by the seed and the variant (or the student), so the same
seed gives the same files, byte for byte. Each variant is written as

- ``exercise.md`` — the question: the input, the layers in words, and a blank table to fill in;
- ``exercise.tex`` — the same question as a LaTeX document;
- ``network.spec`` — the variant's network (``shapecalc --spec-file network.spec`` shows its table);
- ``key.csv`` — the answer key, which ``shapecalc check key.csv --spec-file network.spec`` passes;

and ``quiz.xml`` holds every variant as one Moodle cloze question. A share of the variants
(``--non-dividing``) has a window that does not tile its input — (H − F + 2P)/S + 1 is not whole — for the
student to spot; the key says which layers and axes.

>>> template = parse_template("input {s=28..36}x{s}x1 | conv {6,8} k5 | maxpool 2", "example")
>>> [r.text for r in template.ranges]
['{s=28..36}', '{s}', '{6,8}']
>>> text = draw_text(template, random.Random("seed 1/variant 1"))
>>> size = int(text.split()[1].split("x")[0])
>>> 28 <= size <= 36 and text.startswith(f"input {size}x{size}x1 | conv ")
True
>>> text == draw_text(template, random.Random("seed 1/variant 1"))  # the same seed, the same draw
True
"""

import copy
import os
import random
import re
from dataclasses import dataclass, field

from .errors import ConfigError, ShapecalcError, ShapeError, SpecError
from .shapes import format_int, format_shape

__all__ = ["TEMPLATES", "Template", "Range", "Untiled", "Variant", "parse_template", "load_template",
           "draw_text", "make_variants", "read_roster", "render_files", "exercise_command"]

#: the course networks with ranges: their structure stays, their numbers vary (``--print-template`` shows one)
TEMPLATES = {
    "cnn-39x31": """\
network cnn-39x31 "DeepID-style worked example"
input {36..48}x{28..40}x{1,3}
conv1: conv {16,20,24,32} k{3,4,5}
pool1: maxpool 2
conv2: conv {32,40,48} k3 p{0,1}
pool2: maxpool {2,3} s2
conv3: conv {48,60,64} k{2,3}
pool3: maxpool 2
conv4: conv {64,80,96} k{1,2}
flatten: flatten
dense: dense {64,100,128}
softmax: softmax
""",
    "lenet5-full": """\
network lenet5-full "LeNet-5 as in textbooks: full C3, average pooling, dense 10 softmax"
input {s=28..36}x{s}x1
c1: conv {6,8} k5 p{0,2}
tanh1: tanh
"s2": avgpool 2
c3: conv {12,16} k{3,5}
tanh3: tanh
"s4": avgpool 2
c5: conv {100,120} k{3,5}
tanh5: tanh
flatten: flatten
f6: dense {64,84}
tanh6: tanh
output: dense 10
softmax: softmax
""",
    "alexnet-1gpu": """\
network alexnet-1gpu "AlexNet (Krizhevsky et al. 2012) on one GPU: no groups, LRN"
input {s=219..235}x{s}x3
conv1: conv {64,96} k{7,11} s{2,4} p{0,2}
relu1: relu
norm1: lrn
pool1: maxpool 3 s2
conv2: conv {192,256} k5 p2
relu2: relu
norm2: lrn
pool2: maxpool 3 s2
conv3: conv 384 k3 p1
relu3: relu
conv4: conv {256,384} k3 p1
relu4: relu
conv5: conv 256 k3 p{0,1}
relu5: relu
pool5: maxpool 3 s2
flatten: flatten
fc6: dense {2048,4096}
relu6: relu
drop6: dropout
fc7: dense {2048,4096}
relu7: relu
drop7: dropout
fc8: dense 1000
softmax: softmax
""",
}

#: the default template
DEFAULT_TEMPLATE = "cnn-39x31"
#: draws tried for one variant before giving up with an error (each is a parse and a numeric walk)
MAX_DRAWS = 5000
#: the draws of the wanted kind after which the best so far is taken (a new network with one layer that does
#: not divide is best)
GOOD_ENOUGH = 200
#: the most variants one command writes
MAX_VARIANTS = 2000
#: the most values one ``{LO..HI}`` range may hold
MAX_RANGE = 1_000_000
#: the columns of the key and of the blank tables
COLUMNS = ("layer", "type", "output", "params", "divides")
#: what the divides column holds for a layer without windows
NOT_APPLICABLE = "n/a"


# ---------------------------------------------------------------------------------------------------------
# templates: a spec text with ranges


@dataclass
class Range:
    """One ``{…}`` of a template: where it is, and what it draws from."""

    start: int
    end: int
    text: str
    #: the values it draws from, as text; empty for a reference to a named range
    choices: tuple[str, ...] = ()
    #: (lo, hi) of a ``{LO..HI}`` range (drawn with randint, not listed)
    span: tuple[int, int] | None = None
    #: the name it defines (``{s=28..36}``) or refers to (``{s}``)
    name: str | None = None
    reference: bool = False


@dataclass
class Template:
    """A network template: its spec text with ranges, and where it came from."""

    name: str
    text: str
    origin: str
    ranges: list[Range] = field(default_factory=list)


_BRACES = re.compile(r"[{}]")
_CHOICE = re.compile(r"[A-Za-z0-9_.+-]+")
_INTERVAL = re.compile(r"(\d+)\s*\.\.\s*(\d+)")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def _where(text, at):
    """``line L, column C`` of offset ``at`` in ``text`` (both from 1)."""
    line = text.count("\n", 0, at) + 1
    return f"line {line}, column {at - (text.rfind(chr(10), 0, at) + 1) + 1}"


def parse_template(text: str, origin: str) -> Template:
    """A :class:`Template` from a spec text with ranges. Ranges: ``{LO..HI}`` (whole numbers from LO to
    HI), ``{A,B,C}`` (one of these values), ``{NAME=…}`` (either, named) and ``{NAME}`` (the value NAME
    drew). Raises ConfigError naming the line and column of a malformed range."""
    ranges, named = [], set()
    opened = None
    for m in _BRACES.finditer(text):
        if m.group() == "{":
            if opened is not None:
                raise ConfigError(f"{_where(text, m.start())}: a range cannot hold another '{{'", origin)
            opened = m.start()
            continue
        if opened is None:
            raise ConfigError(f"{_where(text, m.start())}: '}}' without its '{{'", origin)
        ranges.append(_range(text, opened, m.end(), named, origin))
        opened = None
    if opened is not None:
        raise ConfigError(f"{_where(text, opened)}: '{{' without its '}}'", origin)
    return Template(origin, text, origin, ranges)


def _range(text, start, end, named, origin):
    body = text[start + 1:end - 1].strip()
    shown = text[start:end]
    where = _where(text, start)
    name = None
    head, eq, rest = body.partition("=")
    if eq:
        name, body = head.strip(), rest.strip()
        if not _NAME.fullmatch(name):
            raise ConfigError(f"{where}: {shown!r}: a range's name is a word such as s or size, received {name!r}",
                              origin)
        if name in named:
            raise ConfigError(f"{where}: {shown!r}: the range {name!r} is named twice (refer to it as {{{name}}})",
                              origin)
        named.add(name)
    elif _NAME.fullmatch(body):
        if body not in named:
            raise ConfigError(f"{where}: {shown!r} refers to no earlier range named {body!r} (name one: "
                              f"{{{body}=28..36}}, then refer to it: {{{body}}})", origin)
        return Range(start, end, shown, name=body, reference=True)
    interval = _INTERVAL.fullmatch(body)
    if interval:
        lo, hi = int(interval.group(1)), int(interval.group(2))
        if lo > hi:
            raise ConfigError(f"{where}: {shown!r}: the range runs from {lo} down to {hi}; write {{{hi}..{lo}}}",
                              origin)
        if hi - lo >= MAX_RANGE:
            raise ConfigError(f"{where}: {shown!r}: a range holds at most {MAX_RANGE:,} values", origin)
        return Range(start, end, shown, span=(lo, hi), name=name)
    choices = tuple(c.strip() for c in body.split(","))
    if not body or ".." in body or not all(_CHOICE.fullmatch(c) for c in choices):
        raise ConfigError(f"{where}: {shown!r} is not a range: write {{LO..HI}} (whole numbers), {{A,B,C}} (a "
                          "choice of values) or {NAME=…} and {NAME}", origin)
    return Range(start, end, shown, choices=choices, name=name)


def _substitute(template, pick):
    """The template's text with every range replaced by ``pick(range)`` (a reference by its name's value),
    in text order; and the spans ``(start, end)`` that each range's value takes in that text."""
    parts, values, spans, at, length = [], {}, [], 0, 0
    for r in template.ranges:
        value = values[r.name] if r.reference else pick(r)
        if r.name is not None:
            values[r.name] = value
        before = template.text[at:r.start]
        length += len(before)
        spans.append((length, length + len(value)))
        length += len(value)
        parts += [before, value]
        at = r.end
    parts.append(template.text[at:])
    return "".join(parts), spans


def draw_text(template: Template, rng: random.Random) -> str:
    """The template's text with every range replaced by a value drawn with ``rng`` (in text order)."""
    return _substitute(template, lambda r: str(rng.randint(*r.span)) if r.span is not None
                       else rng.choice(r.choices))[0]


def _template_offset(template, spans, offset):
    """Where ``offset`` of a substituted text was in the template: inside a value, its range's start."""
    shift = 0
    for r, (start, end) in zip(template.ranges, spans):
        if offset < start:
            break
        if offset < end:
            return r.start
        shift = r.end - end
    return offset + shift


def validate(template: Template):
    """The template's network with every range at its first value, as a check before drawing: a spec error
    names the template's line and column."""
    text, spans = _substitute(template, lambda r: str(r.span[0]) if r.span is not None else r.choices[0])
    try:
        return _parse(text, template.origin, template.name, whole=True)
    except ConfigError as exc:
        found = re.match(r"(?:line (\d+), )?column (\d+): ", exc.detail)
        if not found:
            raise
        lines = text.split("\n")
        line = int(found.group(1) or 1)
        offset = sum(len(ln) + 1 for ln in lines[:line - 1]) + int(found.group(2)) - 1
        where = _where(template.text, _template_offset(template, spans, offset))
        raise ConfigError(f"{where}: {exc.detail[found.end():]}", template.origin) from None


def _spread(n):
    """The sizes an input length ``n`` varies over in a template without ranges: n ± n // 5 (±20 %), at
    least n … n + 2."""
    return max(1, n - n // 5), max(n + 2, n + n // 5)


def _varied_input(text, shape, origin):
    """``text`` (an exported spec) with its input line replaced by ranges around ``shape``."""
    if len(shape) == 3:
        (hl, hh), (wl, wh) = _spread(shape[0]), _spread(shape[1])
        line = (f"input {{s={hl}..{hh}}}x{{s}}x{shape[2]}" if shape[0] == shape[1]
                else f"input {{{hl}..{hh}}}x{{{wl}..{wh}}}x{shape[2]}")
    elif len(shape) == 1:
        lo, hi = _spread(shape[0])
        line = f"input {{{lo}..{hi}}}"
    else:
        raise ConfigError(f"an exercise needs an input H×W×C or a vector N, the template's is "
                          f"{format_shape(shape)}", origin)
    old = "input " + "x".join(str(d) for d in shape)
    lines = text.split("\n")
    if old not in lines:
        raise ConfigError("the template has no input line to vary: give its input with ranges, e.g. "
                          "input {32..48}x{28..40}x1", origin)
    lines[lines.index(old)] = line
    return "\n".join(lines)


def _read_text(path):
    """A template file's text (UTF-8, at most a few megabytes)."""
    from .specfiles import MAX_SPEC_CHARS

    try:
        with open(path, encoding="utf-8-sig") as f:
            text = f.read(MAX_SPEC_CHARS + 1)
    except UnicodeDecodeError:
        raise ConfigError("the template is not UTF-8 text", path) from None
    except OSError as exc:
        raise ConfigError(f"cannot read the template: {exc.strerror}", path) from None
    if len(text) > MAX_SPEC_CHARS:
        raise ConfigError(f"the template is larger than {MAX_SPEC_CHARS:,} characters", path)
    return text


def load_template(name: str) -> Template:
    """The template ``--template NAME`` names: a course network of TEMPLATES, a spec file with ranges, or any
    network (a zoo name, a spec or model file) whose input size then varies by ±20 %."""
    from .sources import MODEL_FILES, is_path

    if not isinstance(name, str) or not name.strip():
        raise ConfigError("--template needs a zoo name such as cnn-39x31 or a spec file, received an empty one",
                          "--template")
    if name in TEMPLATES:
        template = parse_template(TEMPLATES[name], name)
        template.name = name
        validate(template)
        return template
    origin = name
    ext = os.path.splitext(name)[1].lower()
    if is_path(name) and ext not in MODEL_FILES and ext not in (".json", ".toml"):
        if os.path.isdir(name):
            raise ConfigError(f"{name!r} is a folder, not a template file", name)
        if not os.path.exists(name):
            raise ConfigError(f"no such file {name!r}", name)
        template = parse_template(_read_text(name), origin)
        stem = os.path.splitext(os.path.basename(name))[0]
        if template.ranges:
            template.name = stem
            template.name = validate(template).title or stem
            return template
        network = _parse(template.text, origin, stem, whole=True)
    else:
        from .report import resolve

        network = resolve(name)
    _plain_sequence(network, origin)
    from .specexport import export_spec

    shape = network.input_shape or ()
    if any(isinstance(d, str) for d in shape) or not shape:
        raise ConfigError(f"an exercise needs a numeric input, the template's is {format_shape(shape) or 'missing'}",
                          origin)
    network = copy.copy(network)  # (the zoo's object stays as it is)
    network.source, network.notes = "", ()
    template = parse_template(_varied_input(export_spec(network), shape, origin), origin)
    template.name = str(network.title) if getattr(network, "title", None) else origin
    validate(template)
    return template


def _parse(text, origin, title, whole=False):
    """The network of a drawn text. A spec error becomes one line (no excerpt: the drawn text is not the
    template's); ``whole``: the template's own check, which also refuses branches and blocks."""
    from .spec import parse_spec

    try:
        network = parse_spec(text, origin=origin, title=title)
    except SpecError as exc:
        raise ConfigError(exc.detail, origin) from None
    if whole:
        _plain_sequence(network, origin)
        if any(isinstance(d, str) for d in network.input_shape or ()) or not network.input_shape:
            raise ConfigError("an exercise needs a numeric input: give the template an input line such as "
                              "input {32..48}x{28..40}x1", origin)
    return network


def _plain_sequence(network, origin):
    from .layers import Composite

    for item in getattr(network, "layers", [network]):
        if isinstance(item, Composite):
            what = {"sequential": "block", "side": "side head"}.get(item.kind, item.kind)
            named = f" {item.name!r}" if item.name else ""
            raise ConfigError(f"an exercise is a plain sequence of layers; the template has a {what}{named} "
                              "(branches, residual blocks, side heads and blocks are not asked)", origin)


# ---------------------------------------------------------------------------------------------------------
# variants


@dataclass
class Untiled:
    """One axis of one layer whose windows do not tile the input: (size − F + P)/S + 1 is not whole."""

    path: str
    axis: str
    size: int
    kernel: int
    padding: tuple[int, int]
    stride: int
    output: int

    @property
    def value(self) -> float:
        # (H − F + 2P)/S + 1, the textbook formula, as a decimal
        return (self.size - self.kernel + sum(self.padding)) / self.stride + 1

    #: the textbook formula with the layer's numbers, by the layer's own rule (layers.textbook_formula)
    text: str = ""

    def formula(self, minus: str = "−") -> str:
        # ASCII for the CSV key (minus "-"): − as -, × as *
        return self.text if minus == "−" else self.text.replace("−", minus).replace("×", "*")


def untiled(row) -> list[Untiled]:
    """The axes along which ``row``'s windows do not tile its input (empty for a layer without windows, or
    where (H − F + 2P)/S + 1 is whole along both axes). F is the span of the (dilated) kernel."""
    from .layers import textbook_formula

    layer, x = row.layer, row.input_shape
    if not getattr(layer, "slides", False) or x is None or len(x) != 3:
        return []
    pads = layer.pads(x)
    found = []
    for a in (0, 1):
        size, span, stride = x[a], layer.span[a], layer.stride[a]
        before, after = pads[a]
        # whole when S divides H − F + P_top + P_bottom
        if (size - span + before + after) % stride:
            found.append(Untiled(row.path, "HW"[a], size, span, (before, after), stride, row.output_shape[a],
                                 textbook_formula(layer, a, tuple(x), pads)))
    return found


def has_windows(row) -> bool:
    return bool(getattr(row.layer, "slides", False)) and row.input_shape is not None and len(row.input_shape) == 3


@dataclass
class Variant:
    """One drawn exercise: its folder name, the student (roster) or number, its network and figures."""

    name: str
    label: str
    network: object
    summary: object
    spec: str
    non_dividing: bool
    untiled: list[Untiled] = field(default_factory=list)
    duplicate_of: str | None = None


def _share(text):
    try:
        value = float(str(text).rstrip("%")) / (100 if str(text).endswith("%") else 1)
    except ValueError:
        raise ConfigError(f"expected a share such as 0.25 or 25%, received {text!r}", "--non-dividing") from None
    if not 0 <= value <= 1:
        raise ConfigError(f"the share of non-dividing variants is from 0 to 1 (0% to 100%), received {text!r}",
                          "--non-dividing")
    return value


def _dividing_plan(count, share, seed):
    """Which of variants 1…count are non-dividing: spread evenly, floor(k × share + phase) steps, the phase
    drawn from the seed: round(count × share) of them (exactly, where count × share is whole), and adding
    variants does not change the earlier ones."""
    phase = random.Random(f"{seed}/phase").random()
    return [int(k * share + phase) - int((k - 1) * share + phase) == 1 for k in range(1, count + 1)]


def _verdict(template, text, cache):
    """How many layers of the network of a drawn text have a window that does not tile its input (0: every
    division is whole), or the error that refuses it; ``cache`` keeps every text's verdict, so that a text
    drawn again is a look-up."""
    from .report import summary

    if text not in cache:
        try:
            s = summary(_parse(text, template.origin, template.name))
            cache[text] = sum(1 for r in s.rows if untiled(r))
        except ShapecalcError as exc:
            cache[text] = exc
    return cache[text]


def _draw(template, rng, want_untiled, name, seed, no_bias, seen, cache):
    """A variant's network: draws until one fits (every output ≥ 1; windows that do not tile their input in
    exactly one layer when ``want_untiled``, in none otherwise), at most MAX_DRAWS times. Of the networks that
    fit, a new one (not in ``seen``, the earlier variants') is preferred, and where no draw gives exactly one
    layer that does not divide, the fewest such layers; the search for these ends after GOOD_ENOUGH fits."""
    from .report import summary
    from .specexport import export_spec

    best, last_error, fits, matches = None, None, 0, 0
    target = (False, 1 if want_untiled else 0)
    for _ in range(MAX_DRAWS):
        text = draw_text(template, rng)
        verdict = _verdict(template, text, cache)
        if isinstance(verdict, ShapecalcError):
            last_error = verdict
            continue
        fits += 1
        if (verdict > 0) != want_untiled:
            continue
        matches += 1
        rank = (text in seen, verdict)
        if best is None or rank < best[0]:
            best = (rank, text)
        if rank == target or matches >= GOOD_ENOUGH:
            break
    chosen = best[1] if best is not None else None
    if chosen is None:
        _no_variant(template, want_untiled, fits, last_error)
    network = _parse(chosen, template.origin, template.name)
    if no_bias:
        for layer in network.layers:
            if getattr(layer, "bias", None) is True:
                layer.bias = False
    s = summary(network)
    network.title = f"{template.name}-{name}"
    network.description = f"exercise {name}, seed {seed}" + (f": {network.description}"
                                                             if network.description else "")
    network.source, network.notes = "", ()
    found = [u for r in s.rows for u in untiled(r)]
    variant = Variant(name, name, network, s, export_spec(network) + "\n", want_untiled, found)
    variant.duplicate_of = seen.get(chosen)
    seen.setdefault(chosen, name)
    return variant


def _no_variant(template, want_untiled, fits, last_error):
    where = f"--template {template.origin}"
    if not fits:
        why = f"every draw fails (the last: {last_error})"
        if isinstance(last_error, ShapeError):
            why = f"every draw makes a layer's output smaller than 1 or breaks a rule (the last: {last_error})"
        raise ConfigError(f"no variant in {MAX_DRAWS:,} draws: {why}", where)
    if want_untiled:
        raise ConfigError(f"no draw in {MAX_DRAWS:,} gives a window that does not tile its input ((H − F + 2P)/S + 1 "
                          "is whole every time): give the template a stride or size range, or --non-dividing 0",
                          where)
    raise ConfigError(f"no draw in {MAX_DRAWS:,} gives windows that tile every input ((H − F + 2P)/S + 1 is not "
                      "whole somewhere every time): widen the template's ranges, or --non-dividing 1", where)


def make_variants(template: Template, seed, count: int | None = None, students: list | None = None,
                  share: float = 0.25, no_bias: bool = False) -> list[Variant]:
    """The variants: ``count`` numbered ones (v01, v02 …), or one per student of ``students`` (a list of
    ``(folder name, id)``). A student's variant depends on the seed and the id only; a numbered one on the
    seed, its number and (to differ from them where the template allows) the variants before it: adding
    variants or students never changes the others."""
    seed = str(seed)
    variants, seen, cache = [], {}, {}
    if students is None:
        width = max(2, len(str(count)))
        plan = _dividing_plan(count, share, seed)
        for k in range(1, count + 1):
            rng = random.Random(f"{seed}/variant {k}")
            name = f"v{k:0{width}d}"
            variants.append(_draw(template, rng, plan[k - 1], name, seed, no_bias, seen, cache))
    else:
        for folder, student in students:
            rng = random.Random(f"{seed}/student {student}")
            want = rng.random() < share
            variant = _draw(template, rng, want, folder, seed, no_bias, {}, cache)
            variant.label = student
            variants.append(variant)
    return variants


# ---------------------------------------------------------------------------------------------------------
# the roster


_ID_COLUMNS = ("id", "student id", "student_id", "studentid", "student number", "matriculation", "username",
               "login", "student", "name", "student name")
_SAFE = re.compile(r"[\w.@+-]+")
_RESERVED = {"con", "prn", "aux", "nul", "quiz.xml"} | {f"com{i}" for i in range(1, 10)} | {f"lpt{i}" for i in
                                                                                             range(1, 10)}
MAX_ROSTER_BYTES = 4 * 1024 * 1024


def read_roster(path: str) -> list[tuple[str, str]]:
    """``(folder name, id)`` of every student of a roster CSV (its id, student or name column), in order.
    Raises ConfigError naming the row of an empty, repeated or unsafe id."""
    import csv
    import io

    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_ROSTER_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read the roster: {exc.strerror}", path) from None
    if len(raw) > MAX_ROSTER_BYTES:
        raise ConfigError(f"the roster is larger than {MAX_ROSTER_BYTES:,} bytes", path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError("the roster is not UTF-8 text (save it as CSV UTF-8)", path) from None
    first = next((line for line in text.splitlines() if line.strip()), None)
    if first is None:
        raise ConfigError("the roster is empty: expected a CSV with a header such as id,name", path)
    delimiter = "\t" if "\t" in first else ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    try:
        rows = [(reader.line_num, cells) for cells in reader]
    except csv.Error as exc:
        raise ConfigError(f"row {reader.line_num}: cannot read the roster as CSV: {exc}", path) from None
    rows = [(n, cells) for n, cells in rows if any(c.strip() for c in cells)]
    header = [re.sub(r"\s+", " ", c.strip().lower()) for c in rows[0][1]]
    column = next((header.index(name) for name in _ID_COLUMNS if name in header), None)
    if column is None:
        shown = ", ".join(repr(c) for c in rows[0][1][:6])
        raise ConfigError(f"the roster's header ({shown}) has no id, student or name column", path)
    students, taken = [], {}
    for n, cells in rows[1:]:
        student = cells[column].strip() if column < len(cells) else ""
        if not student:
            raise ConfigError(f"row {n}: the {rows[0][1][column].strip()} is empty", path)
        folder = re.sub(r"\s+", "_", student)
        bad = sorted(set(_SAFE.sub("", folder)))
        if bad:
            raise ConfigError(f"row {n}: the id {student!r} has characters that are not safe in a folder name "
                              f"({' '.join(repr(c) for c in bad)}): use letters, digits, _ - . @ +", path)
        if folder.startswith((".", "-")) or folder.lower() in _RESERVED or len(folder) > 100:
            raise ConfigError(f"row {n}: the id {student!r} cannot name a folder (it starts with a dot or a dash, "
                              "is a reserved name, or is longer than 100 characters)", path)
        key = folder.casefold()
        if key in taken:
            raise ConfigError(f"row {n}: the id {student!r} repeats row {taken[key]}'s (as a folder name, "
                              "letter case aside)", path)
        taken[key] = n
        students.append((folder, student))
    if not students:
        raise ConfigError("the roster lists no students (a header, no rows)", path)
    if len(students) > MAX_VARIANTS:
        raise ConfigError(f"the roster lists {len(students):,} students; at most {MAX_VARIANTS:,}", path)
    return students


# ---------------------------------------------------------------------------------------------------------
# the files


def _words(layer):
    """A layer in words, for the question (× and − are plain text here; each format renders them): its
    kind's ``in_words``."""
    return layer.in_words()


def _ascii(text):
    return text.replace("×", "x").replace("−", "-").replace("⌊", "").replace("⌋", "")


def _divides_answer(row, found):
    """The key's divides cell: yes, or no with the arithmetic of each axis that does not divide."""
    if not has_windows(row):
        return ""
    if not found:
        return "yes"
    return "no: " + "; ".join(f"{u.axis} {u.formula('-')} -> {u.output}" for u in found)


def key_rows(variant: Variant) -> list[list[str]]:
    """The key's rows: layer, type, output, params, divides (every layer, the input first)."""
    by_path = {}
    for u in variant.untiled:
        by_path.setdefault(u.path, []).append(u)
    rows = []
    for r in variant.summary.rows:
        rows.append([r.path, _ascii(r.detail), "x".join(str(d) for d in r.output_shape), str(r.params),
                     _divides_answer(r, by_path.get(r.path, []))])
    return rows


def _blank_rows(variant):
    """The question's table: the input row given; layer and type given, the rest blank."""
    rows = []
    for r in variant.summary.rows:
        if r.kind == "input":
            rows.append([r.path, r.detail, format_shape(r.output_shape), "0", NOT_APPLICABLE])
        else:
            rows.append([r.path, r.detail, "", "", "" if has_windows(r) else NOT_APPLICABLE])
    return rows


def _question(variant):
    """The question's parts: the opening sentence, the layers in words, and the instructions."""
    s = variant.summary
    shape = s.input_shape
    what = (f"a {format_shape(shape)} input (height × width × channels)" if len(shape) == 3
            else f"an input vector of {shape[0]} values")
    opening = f"A network takes {what} and applies these layers, in order:"
    layers = [(r.path, _words(r.layer)) for r in s.rows if r.kind != "input"]
    rounding = ("down" if not any(getattr(r.layer, "ceil_mode", False) for r in s.rows)
                else "down (up where a layer rounds up)")
    steps = [
        "output: the layer's output shape, H×W×C (a vector: its length N);",
        "params: the number of parameters, weights and biases;",
        "divides: for each convolution and pooling layer, yes where (H − F + 2P)/S + 1 is a whole number along "
        f"both H and W, no where the windows do not tile the input; the layer's output is then rounded {rounding}, "
        "as PyTorch does: carry on with that size.",
    ]
    return opening, layers, steps


def _markdown_cell(text):
    return text.replace("|", "\\|")


def exercise_markdown(variant: Variant) -> str:
    opening, layers, steps = _question(variant)
    lines = [f"# Exercise {variant.name}: shapes and parameters", ""]
    if variant.label != variant.name:
        lines += [f"Student: {variant.label}", ""]
    lines += [opening, ""]
    lines += [f"{i}. `{path}`: {words}" for i, (path, words) in enumerate(layers, 1)]
    lines += ["", "Fill in the table:", ""]
    lines += [f"- **{step.split(':', 1)[0]}**:{step.split(':', 1)[1]}" for step in steps]
    lines += ["", "| " + " | ".join(COLUMNS) + " |", "|" + "|".join("---" for _ in COLUMNS) + "|"]
    for row in _blank_rows(variant):
        lines.append("| " + " | ".join(_markdown_cell(c) for c in row) + " |")
    return "\n".join(lines) + "\n"


_TEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
        "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "<": r"\textless{}",
        ">": r"\textgreater{}", "|": r"\textbar{}", "×": r"$\times$", "−": r"$-$", "—": "---", "–": "--",
        "…": r"\ldots{}", "→": r"$\to$", "≥": r"$\geq$", "≤": r"$\leq$", "⌊": r"$\lfloor$", "⌋": r"$\rfloor$",
        "·": r"$\cdot$", "'": "'", '"': "''"}


def tex_escape(text: str) -> str:
    r"""``text`` as LaTeX source: its special characters escaped, × and − as math.

    >>> tex_escape("conv 3×3, 20 (H − F + 2P)/S & 50% of my_net")
    'conv 3$\\times$3, 20 (H $-$ F + 2P)/S \\& 50\\% of my\\_net'
    """
    return "".join(_TEX.get(c, c) for c in text)


def exercise_latex(variant: Variant) -> str:
    opening, layers, steps = _question(variant)
    t = tex_escape
    lines = [
        r"\documentclass[a4paper]{article}",
        r"\usepackage[utf8]{inputenc}",
        r"\usepackage[margin=2cm]{geometry}",
        r"\begin{document}",
        r"\section*{" + t(f"Exercise {variant.name}: shapes and parameters") + "}",
    ]
    if variant.label != variant.name:
        lines += [t(f"Student: {variant.label}"), ""]
    lines += [t(opening), r"\begin{enumerate}"]
    lines += [r"\item \texttt{" + t(path) + "}: " + t(words) for path, words in layers]
    lines += [r"\end{enumerate}", "", "Fill in the table:", r"\begin{itemize}"]
    lines += [r"\item \textbf{" + t(step.split(":", 1)[0]) + "}:" + t(step.split(":", 1)[1]) for step in steps]
    lines += [r"\end{itemize}", "", r"\renewcommand{\arraystretch}{1.5}",
              r"\begin{tabular}{|l|l|p{3.2cm}|p{2.6cm}|p{2.2cm}|}", r"\hline",
              " & ".join(r"\textbf{" + c + "}" for c in COLUMNS) + r" \\", r"\hline"]
    for row in _blank_rows(variant):
        lines.append(" & ".join(t(c) for c in row) + r" \\ \hline")
    lines += [r"\end{tabular}", r"\end{document}"]
    return "\n".join(lines) + "\n"


def _cloze_escape(text):
    # the characters a Moodle cloze answer escapes with a backslash
    return re.sub(r"([}#~/\"\\])", r"\\\1", text)


def _cloze_shape(shape):
    """A SHORTANSWER blank for a shape: 36x28x20, 36×28×20 and the same with spaces are all right."""
    if len(shape) == 1:
        return f"{{1:SHORTANSWER:={shape[0]}}}"
    forms = ["x".join(map(str, shape)), "×".join(map(str, shape)), " x ".join(map(str, shape)),
             " × ".join(map(str, shape))]
    return "{1:SHORTANSWER:" + "~".join("=" + _cloze_escape(f) for f in forms) + "}"


def _html(text):
    import html

    return html.escape(text, quote=False)


def cloze_text(variant: Variant) -> str:
    """The Moodle cloze question (HTML) of a variant: every output shape, count and divides a blank."""
    opening, layers, steps = _question(variant)
    parts = [f"<p>{_html(opening)}</p>", "<ol>"]
    parts += [f"<li><code>{_html(path)}</code>: {_html(words)}</li>" for path, words in layers]
    parts += ["</ol>", "<p>Fill in the table:</p>", "<ul>"]
    parts += [f"<li><b>{_html(step.split(':', 1)[0])}</b>:{_html(step.split(':', 1)[1])}</li>" for step in steps]
    parts += ["</ul>", '<table border="1">',
              "<tr>" + "".join(f"<th>{c}</th>" for c in COLUMNS) + "</tr>"]
    by_path = {u.path for u in variant.untiled}
    for r in variant.summary.rows:
        cells = [_html(r.path), _html(r.detail)]
        if r.kind == "input":
            cells += [_html(format_shape(r.output_shape)), "0", NOT_APPLICABLE]
        else:
            divides = ("{1:MULTICHOICE:" + ("yes~=no" if r.path in by_path else "=yes~no") + "}"
                       if has_windows(r) else NOT_APPLICABLE)
            cells += [_cloze_shape(r.output_shape), f"{{1:NUMERICAL:={r.params}:0}}", divides]
        parts.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    parts.append("</table>")
    return "\n".join(parts)


def quiz_xml(variants: list[Variant], template: Template, seed) -> str:
    """Every variant as one Moodle XML cloze question, in a category of their own."""
    import xml.etree.ElementTree as ET

    quiz = ET.Element("quiz")
    category = ET.SubElement(ET.SubElement(quiz, "question", type="category"), "category")
    ET.SubElement(category, "text").text = f"$course$/top/shapecalc exercise {template.name} seed {seed}"
    for v in variants:
        q = ET.SubElement(quiz, "question", type="cloze")
        ET.SubElement(ET.SubElement(q, "name"), "text").text = f"{template.name} {v.name}"
        ET.SubElement(ET.SubElement(q, "questiontext", format="html"), "text").text = cloze_text(v)
        ET.SubElement(ET.SubElement(q, "generalfeedback", format="html"), "text").text = ""
        ET.SubElement(q, "penalty").text = "0.3333333"
        ET.SubElement(q, "hidden").text = "0"
        ET.SubElement(q, "idnumber").text = v.name
    ET.indent(quiz)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode") + "\n"


def render_files(variants: list[Variant], template: Template, seed) -> dict[str, str]:
    """Every file of the exercise, as ``{relative path: text}``, in the order written."""
    from .report import to_csv

    files = {}
    for v in variants:
        files[f"{v.name}/exercise.md"] = exercise_markdown(v)
        files[f"{v.name}/exercise.tex"] = exercise_latex(v)
        files[f"{v.name}/network.spec"] = v.spec
        files[f"{v.name}/key.csv"] = to_csv(list(COLUMNS), key_rows(v))
    files["quiz.xml"] = quiz_xml(variants, template, seed)
    return files


# ---------------------------------------------------------------------------------------------------------
# writing: all or nothing


def _prepare_out(out, force):
    if not isinstance(out, str) or not out.strip():
        raise ConfigError("--out needs a folder name, received an empty one", "--out")
    if os.path.exists(out) and not os.path.isdir(out):
        raise ConfigError(f"{out!r} is a file, not a folder", "--out")
    try:
        crowded = os.path.isdir(out) and bool(os.listdir(out))
    except OSError as exc:
        raise ConfigError(f"cannot read the folder: {exc.strerror}", out) from None
    if crowded and not force:
        raise ConfigError(f"the folder {out!r} is not empty: choose a new one, or add --force to overwrite the "
                          "exercise's files in it", "--out")


def write_files(files: dict[str, str], out: str, force: bool = False) -> None:
    """Write ``files`` into the folder ``out``: first into a new folder beside it, then moved into place, so
    that an error leaves nothing half written. With ``force`` and a folder that is not empty, each file
    replaces the file of its name there; other files and folders stay as they are."""
    import shutil
    import tempfile

    target = os.path.abspath(out)
    parent = os.path.dirname(target)
    staging = None
    try:
        os.makedirs(parent, exist_ok=True)
        staging = tempfile.mkdtemp(prefix=".shapecalc-exercise-", dir=parent)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(staging, 0o777 & ~mask)  # (mkdtemp makes it private; the exercise is the teacher's folder)
        for relative, text in files.items():
            path = os.path.join(staging, relative)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
        if os.path.isdir(target) and not os.listdir(target):
            os.rmdir(target)
        if not os.path.exists(target):
            os.rename(staging, target)
            staging = None
            return
        # --force: file by file, each replaced at once (os.replace); nothing else in the folder is touched
        for relative in files:
            dest = os.path.join(target, relative)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            os.replace(os.path.join(staging, relative), dest)
    except OSError as exc:
        raise ConfigError(f"cannot write the exercise: {exc.strerror or exc}", out) from None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)


# ---------------------------------------------------------------------------------------------------------
# the command


def summary_line(variant: Variant) -> str:
    """One line per variant for the terminal: its input, parameter count and what does not divide."""
    s = variant.summary
    axes = {}
    for u in variant.untiled:
        axes.setdefault(u.path, []).append(u.axis)
    where = ("does not divide: " + ", ".join(f"{path} ({', '.join(a)})" for path, a in axes.items()) if axes
             else "every window tiles its input")
    label = variant.name if variant.label == variant.name else f"{variant.name} ({variant.label})"
    twin = f"; the same network as {variant.duplicate_of}" if variant.duplicate_of else ""
    return f"{label}: input {format_shape(s.input_shape)}, {format_int(s.totals['params'])} params; {where}{twin}"


def exercise_command(args, out) -> int:
    """``shapecalc exercise --seed S --count N --out DIR`` (or ``--roster FILE``)."""
    template = load_template(args.template if args.template is not None else DEFAULT_TEMPLATE)
    if args.print_template:
        out.write(template.text.rstrip("\n") + "\n")
        return 0
    if args.seed is None or not args.seed.strip():
        raise ConfigError("give a seed, e.g. --seed 2024: the same seed gives the same exercises", "--seed")
    if (args.count is None) == (args.roster is None):
        raise ConfigError("give either --count N (numbered variants) or --roster FILE (one per student)",
                          "exercise")
    if args.count is not None and not 1 <= args.count <= MAX_VARIANTS:
        raise ConfigError(f"the count is from 1 to {MAX_VARIANTS:,}, received {args.count}", "--count")
    if args.out is None:
        raise ConfigError("name the folder to write to: --out DIR", "--out")
    share = _share(args.non_dividing)
    students = read_roster(args.roster) if args.roster is not None else None
    _prepare_out(args.out, args.force)
    variants = make_variants(template, args.seed, count=args.count, students=students, share=share,
                             no_bias=args.no_bias)
    files = render_files(variants, template, args.seed)
    write_files(files, args.out, force=args.force)
    for v in variants:
        out.write(summary_line(v) + "\n")
    untiled_count = sum(1 for v in variants if v.untiled)
    plural = "s" if len(variants) != 1 else ""
    out.write(f"wrote {len(variants)} variant{plural} of {template.name} ({untiled_count} not dividing) to "
              f"{args.out}: exercise.md, exercise.tex, network.spec, key.csv each; quiz.xml (Moodle)\n")
    return 0
