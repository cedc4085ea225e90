"""The text spec of a network, written by its user: the layer-kind vocabulary, the tokenizer and the parser
(:func:`parse_spec`). Files (text, TOML, JSON) and, explicitly, Python objects are read by
:mod:`shapecalc.specfiles`; :mod:`shapecalc.specexport` writes a network back as a spec.

The text spec is one layer per item; items are separated by ``|`` or by new lines::

    input 39x31x1 | conv 20 k4 | maxpool 2 | conv 40 k3 | maxpool 2 | conv 60 k3 | maxpool 2
    | conv 80 k2 | flatten | dense 100 | softmax

- an item is ``[NAME:] KIND ARGUMENTS``; ``name=NAME`` works too;
- bare values fill the layer's arguments in order (``conv 20 4`` is 20 filters of 4×4, ``maxpool 3 2`` a
  3×3 window with stride 2); ``k``, ``s``, ``p``, ``d``, ``g`` set kernel, stride, padding, dilation and
  groups (``k3``, ``s2``, ``p1``, ``k1x7``, ``k1x2x2``); ``same`` and ``valid`` set the padding; ``nobias`` drops the
  bias, ``ceil`` the ceil mode; any argument can be written ``field=value`` (``count_include_pad=off``);
- ``branches( A ; B ; C ) concat`` (or ``add``): parallel branches, each a sequence;
- ``residual( BODY ) shortcut( PROJECTION ) post( relu )``: a residual block (identity shortcut when
  ``shortcut(...)`` is left out);
- ``side( LAYERS ) loss_weight=0.3``: a side head (auxiliary classifier); ``block( LAYERS )``: a named group;
- ``network NAME "description"`` and ``input HxWxC`` give the title and the input shape;
- ``#`` starts a comment.

A spec is data: it is parsed, never executed. Only :func:`~shapecalc.specfiles.load_python` imports code,
and only when asked.

>>> net = parse_spec("input 39x31x1 | conv 20 k4 | maxpool 2 | flatten | dense 10")
>>> net.input_shape, [layer.kind for layer in net.layers]
((39, 31, 1), ['conv', 'maxpool', 'flatten', 'dense'])
>>> from shapecalc.specexport import export_spec
>>> print(export_spec(net))
network spec
input 39x31x1
conv 20 k4
maxpool 2
flatten
dense 10
"""

import inspect
import json
import re
from collections.abc import Mapping

from . import layers as L
from .errors import ConfigError, SpecError

# (load_spec_file, load_python, build_structured and export_spec: re-exported from their modules by __getattr__)
__all__ = ["parse_spec", "load_spec_file", "load_python", "export_spec", "build_structured", "KINDS"]  # noqa: F822

# ---------------------------------------------------------------------------------------------------------
# the layer kinds, read from shapecalc.layers (one registry: the classes' own ``kind`` and ``fields``)


class _LeafKinds(Mapping):
    """kind -> layer class: the registry ``shapecalc.layers.KINDS`` less the merges (which a spec writes
    after ``branches( … )``), read live so that a kind registered later is a word of the spec too."""

    def __getitem__(self, kind):
        cls = L.KINDS[kind]
        if cls.merges:
            raise KeyError(kind)
        return cls

    def __iter__(self):
        return (kind for kind, cls in L.KINDS.items() if not cls.merges)

    def __len__(self):
        return sum(1 for _ in self)


#: kind -> layer class (every registered leaf kind)
KINDS = _LeafKinds()

#: other words students use for a kind
ALIASES = {
    "conv2d": "conv", "convolution": "conv", "sparse": "sparseconv", "pool": "maxpool", "max": "maxpool",
    "maxpool2d": "maxpool", "avg": "avgpool", "avgpool2d": "avgpool", "subsample": "subsampling",
    "globalavgpool": "gap", "globalmaxpool": "gmp", "linear": "dense", "fc": "dense",
    "bn": "batchnorm", "batchnorm2d": "batchnorm", "norm": "lrn", "drop": "dropout",
    "relu6": "relusix", "swish": "silu", "depthwise": "dwconv", "depthwiseconv2d": "dwconv",
    "separable": "sepconv", "separableconv2d": "sepconv", "zeropadding2d": "zeropad", "zeropad2d": "zeropad",
    "channelshuffle": "shuffle", "droppath": "stochasticdepth", "multiply": "mul",
}

COMPOSITES = ("branches", "residual", "block", "side")
#: the words that name a merge after ``branches( … )`` or ``residual( … )``
MERGES = ("concat", "add", "mul")

#: deeper nesting is refused (as a SpecError, before Python's recursion limit is reached)
MAX_NESTING = 50
_COMPOSITE_ALIASES = {"sidehead": "side", "sequential": "block", "group": "block", "res": "residual"}

#: one-letter flags: ``k3`` → kernel=3, ``s2x1`` → stride=(2, 1)
SHORT = {"k": "kernel", "s": "stride", "p": "padding", "d": "dilation", "g": "groups"}
_SHORT_RE = re.compile(r"^([kspdg])([0-9]+(?:x[0-9]+)*)$")  # ASCII digits only, as in shapes

_TRUE = ("on", "true", "yes")
_FALSE = ("off", "false", "no")


def _signature(cls):
    return inspect.signature(cls.__init__).parameters


def _fields(cls):
    if cls is L.Input:
        return ("shape",)
    return tuple(cls.fields)


# ---------------------------------------------------------------------------------------------------------
# tokens


class _Token:
    __slots__ = ("type", "text", "line", "col", "line_text")

    def __init__(self, type_, text, line, col, line_text):
        self.type, self.text, self.line, self.col, self.line_text = type_, text, line, col, line_text

    def __repr__(self):
        return f"<{self.type} {self.text!r} {self.line}:{self.col}>"


_TOKEN_RE = re.compile(
    r"""(?P<space>[ \t\r]+)
      | (?P<comment>\#[^\n]*)
      | (?P<nl>\n)
      | (?P<str>"(?:[^"\\\n]|\\.)*")
      | (?P<punct>[|;():=])
      | (?P<list>\[)
      | (?P<word>[^\s|;():="\#\[\],]+)
    """,
    re.VERBOSE,
)


class _Source:
    """The spec text, with what error messages need: where it came from, and its lines."""

    def __init__(self, text, origin):
        self.text = text
        self.origin = origin
        self.lines = text.split("\n")
        self.multiline = len([ln for ln in self.lines if ln.strip()]) > 1

    def error(self, message, token=None, end=None):
        if token is None:
            return SpecError(message, self.origin)
        where = f"line {token.line}, column {token.col}" if self.multiline else f"column {token.col}"
        width = len(token.text)
        if end is not None and end.line == token.line:
            width = max(width, end.col + len(end.text) - token.col)
        exc = SpecError(f"{where}: {message}", self.origin)
        line = token.line_text.expandtabs(1)
        exc.excerpt = [line, " " * (token.col - 1) + "^" * max(1, width)]
        return exc


def _tokenize(src):
    text = src.text
    tokens = []
    pos, line, line_start = 0, 1, 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        col = pos - line_start + 1
        line_text = src.lines[line - 1]
        if not m:
            tok = _Token("bad", text[pos], line, col, line_text)
            raise src.error(f"unexpected character {text[pos]!r}" + (
                " (write shapes as 39x31x1, pairs as 3x5)" if text[pos] == "," else ""), tok)
        kind = m.lastgroup
        if kind == "list":
            # a bracketed list literal, read as JSON data: [[0, 1, 2], [1, 2, 3]]
            depth, end = 0, pos
            while end < len(text):
                if text[end] == "[":
                    depth += 1
                elif text[end] == "]":
                    depth -= 1
                    if depth == 0:
                        break
                elif text[end] == "\n":
                    break
                end += 1
            tok = _Token("list", text[pos:end + 1], line, col, line_text)
            if depth != 0:
                raise src.error("unclosed '[' (a list must end on the same line)", tok)
            tokens.append(tok)
            pos = end + 1
            continue
        value = m.group()
        if kind == "nl":
            tokens.append(_Token("sep", "\n", line, col, line_text))
            line += 1
            line_start = m.end()
        elif kind in ("str", "word"):
            tok = _Token(kind, value, line, col, line_text)
            digits = max(re.findall(r"[0-9]+", value), key=len, default="") if kind == "word" else ""
            if len(digits) > 30:
                # no size has 30 digits, and int() refuses more than 4,300 (a ValueError, not a SpecError)
                raise src.error(f"a number of {len(digits):,} digits is far beyond any size "
                                f"(the limit is 1,000,000,000,000)", tok)
            tokens.append(tok)
        elif kind == "punct":
            tokens.append(_Token(value if value in "():=" else "sep" if value == "|" else ";", value, line, col,
                                 line_text))
        pos = m.end()
    tokens.append(_Token("end", "", line, pos - line_start + 1, src.lines[line - 1]))
    return tokens


# ---------------------------------------------------------------------------------------------------------
# values


def _unquote(tok, src):
    """The text of a quoted token; a bad escape or a control character is a SpecError, not a JSONDecodeError."""
    try:
        return json.loads(tok.text)
    except ValueError as exc:
        raise src.error(f"cannot read the quoted text {tok.text}: {getattr(exc, 'msg', exc)}", tok) from None


def _value(tok, src):
    """A token as a value: int, float, pair (3x5), bool (on/off), list ([...]), string."""
    if tok.type == "str":
        return _unquote(tok, src)
    if tok.type == "list":
        try:
            data = json.loads(tok.text)
        except (ValueError, RecursionError):
            raise src.error(f"cannot read the list {tok.text}: expected numbers such as [[0, 1, 2], [1, 2, 3]]",
                            tok) from None
        try:
            return _tuples(data)
        except SpecError as exc:
            raise src.error(str(exc).split(": ", 1)[-1], tok) from None
    if tok.type != "word":
        raise src.error(f"expected a value, found {_shown(tok)}", tok)
    return _word_value(tok.text)


#: how deeply a list value may nest (a sparse connection table nests 2 levels)
MAX_LIST_NESTING = 16


def _tuples(data, depth=0):
    """JSON lists as tuples, nested at most MAX_LIST_NESTING levels."""
    if isinstance(data, list):
        if depth >= MAX_LIST_NESTING:
            raise SpecError(f"a list nested more than {MAX_LIST_NESTING} levels deep: no layer argument is",
                            "spec")
        return tuple(_tuples(d, depth + 1) for d in data)
    return data


def _word_value(text):
    low = text.lower()
    # [0-9], not \d: \d and int() also take "３" and "٣"; and "-20" stays the int the user wrote
    if re.fullmatch(r"[+-]?[0-9]+", text):
        return int(text)
    if re.fullmatch(r"[0-9]+(?:[x×][0-9]+)+", low):
        return tuple(int(p) for p in re.split("[x×]", low))
    if re.fullmatch(r"[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)(?:e[+-]?[0-9]+)?", low):
        return float(text)
    if low == "none":
        return None
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    return text


def _shown(tok):
    if tok.type == "end":
        return "the end of the spec"
    if tok.type == "sep" and tok.text == "\n":
        return "the end of the line"
    return repr(tok.text)


# ---------------------------------------------------------------------------------------------------------
# the parser


class _Parser:
    def __init__(self, src):
        self.src = src
        self.tokens = _tokenize(src)
        self.i = 0
        self.depth = 0
        self.title = None
        self.description = ""
        self.source = ""
        self.notes = []
        self.input_shape = None

    # -- token helpers --
    def peek(self, k=0):
        return self.tokens[min(self.i + k, len(self.tokens) - 1)]

    def take(self):
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, type_, what):
        tok = self.peek()
        if tok.type != type_:
            raise self.src.error(f"expected {what}, found {_shown(tok)}", tok)
        return self.take()

    def skip_seps(self):
        while self.peek().type == "sep":
            self.take()

    # -- grammar --
    def network(self):
        items = self.sequence(top=True)
        tok = self.peek()
        if tok.type != "end":
            raise self.src.error(f"unexpected {_shown(tok)}" + (
                " (no '(' opened it)" if tok.type == ")" else " (';' separates branches inside branches( ... ))"
                if tok.type == ";" else ""), tok)
        return items

    def sequence(self, top=False):
        """Items separated by '|' or new lines, up to ';', ')' or the end."""
        items = []
        self.skip_seps()
        while self.peek().type not in (";", ")", "end"):
            item = self.item(top)
            if item is not None:
                items.append(item)
            tok = self.peek()
            if tok.type not in ("sep", ";", ")", "end"):
                raise self.src.error(f"unexpected {_shown(tok)} (separate layers with '|' or a new line)", tok)
            self.skip_seps()
        return items

    def item(self, top):
        first = self.peek()
        name = None
        if first.type in ("word", "str") and self.peek(1).type == ":":
            tok = self.take()
            name = tok.text if tok.type == "word" else _unquote(tok, self.src)
            self.take()
        kind_tok = self.peek()
        if kind_tok.type != "word":
            raise self.src.error(f"expected a layer kind (conv, maxpool, dense, ...), found {_shown(kind_tok)}",
                                 kind_tok)
        self.take()
        word = kind_tok.text.lower()
        if word in ("network", "input", "description", "source", "note") and top:
            return self._header(word, name, kind_tok)
        if word in _COMPOSITE_ALIASES:
            word = _COMPOSITE_ALIASES[word]
        if word in COMPOSITES:
            return self.composite(word, name, kind_tok)
        if word in ("concat", "add"):
            raise self.src.error(f"{word} merges branches: write branches( A ; B ) {word}", kind_tok)
        kind = ALIASES.get(word, word)
        if kind not in KINDS:
            from .suggest import closest

            known = sorted(set(KINDS) | set(COMPOSITES) | {"input", "network"})
            raise self.src.error(f"unknown layer kind {kind_tok.text!r}{closest(word, known)}"
                                 + ("" if closest(word, known) else f" (known: {', '.join(known)})"), kind_tok)
        return self.leaf(KINDS[kind], name, kind_tok, first)

    def _args(self):
        """Arguments up to the end of the item: [(key or None, value, token)]."""
        out = []
        while self.peek().type in ("word", "str", "list"):
            tok = self.take()
            if self.peek().type == "=":
                if tok.type != "word":
                    raise self.src.error("expected a field name before '='", tok)
                self.take()
                vtok = self.peek()
                if vtok.type not in ("word", "str", "list"):
                    raise self.src.error(f"expected a value after '{tok.text}=', found {_shown(vtok)}", vtok)
                self.take()
                out.append((tok.text, _value(vtok, self.src), tok))
            else:
                out.append((None, tok, tok))
        if self.peek().type == ":":
            raise self.src.error("a layer name goes first, before the kind ('conv1: conv 20 k4')", self.peek())
        return out

    def leaf(self, cls, name, kind_tok, first):
        fields = _fields(cls)
        params = _signature(cls)
        kwargs = {}
        positional = [f for f in fields]
        last = kind_tok

        def put(field, value, tok):
            if field in kwargs:
                raise self.src.error(f"{cls.kind}: {field} is given twice", tok)
            kwargs[field] = value

        for key, value, tok in self._args():
            last = tok
            if key is not None:
                field = key.lower().replace("-", "_")
                if field == "name":
                    if name is not None:
                        raise self.src.error(f"{cls.kind}: the name is given twice", tok)
                    name = value if isinstance(value, str) else str(value)
                    continue
                if field == "ceil":
                    field = "ceil_mode"
                if field not in fields:
                    raise self.src.error(
                        f"{cls.kind} takes no argument {key!r}"
                        + (f" (it takes: {', '.join(fields)})" if fields else " (it takes no arguments)"), tok)
                put(field, value, tok)
                continue
            # a bare value or word
            if tok.type == "word":
                text = tok.text
                low = text.lower()
                short = _SHORT_RE.match(low)
                if short and SHORT[short.group(1)] in fields:
                    # k3, or a size per axis: k1x7, k1x2x2
                    sizes = tuple(int(v) for v in short.group(2).split("x"))
                    put(SHORT[short.group(1)], sizes[0] if len(sizes) == 1 else sizes, tok)
                    continue
                if low in ("same", "valid") and "padding" in fields:
                    put("padding", low, tok)
                    continue
                if low == "ceil" and "ceil_mode" in fields:
                    put("ceil_mode", True, tok)
                    continue
                if low == "fixed" and "trainable" in fields:
                    put("trainable", False, tok)
                    continue
                flag = low.replace("-", "_")
                bools = [f for f in fields if isinstance(params[f].default, bool)] if cls is not L.Input else []
                if flag in bools:
                    put(flag, True, tok)
                    continue
                if flag.startswith("no") and flag[2:].lstrip("_") in bools:
                    put(flag[2:].lstrip("_"), False, tok)
                    continue
                if short:
                    raise self.src.error(f"{cls.kind} takes no {SHORT[short.group(1)]}" + _hint(cls, fields), tok)
                value = _word_value(text)
                if isinstance(value, str):
                    raise self.src.error(f"{cls.kind}: cannot read {text!r}" + _hint(cls, fields), tok)
            else:
                value = _value(tok, self.src)
            free = [f for f in positional if f not in kwargs]
            if not free:
                raise self.src.error(f"{cls.kind}: too many values ({cls.kind} takes "
                                     + (", ".join(fields) if fields else "no arguments") + ")", tok)
            kwargs[free[0]] = value
            positional.remove(free[0])
        try:
            if cls is L.Input:
                if "shape" not in kwargs:
                    raise ConfigError("input needs a shape, e.g. input 39x31x1", name or "input")
                shape = kwargs["shape"]
                layer = L.Input(*(shape if isinstance(shape, tuple) else (shape,)), name=name)
            else:
                layer = cls(**kwargs, name=name)
        except ConfigError as exc:
            raise self.src.error(f"{cls.kind}: {exc.detail}", first, last) from None
        except TypeError:
            missing = [f for f, p in params.items() if p.default is inspect.Parameter.empty and f != "self"
                       and p.kind == p.POSITIONAL_OR_KEYWORD and f not in kwargs]
            raise self.src.error(f"{cls.kind} needs {', '.join(missing) or 'other arguments'}" + _hint(cls, fields),
                                 first, last) from None
        return layer

    def _header(self, word, name, tok):
        args = self._args()
        if word == "input":
            if len(args) != 1 or args[0][0] is not None or args[0][1].type != "word":
                raise self.src.error("input takes one shape, e.g. input 39x31x1 (or input 784 for a vector)", tok)
            from .shapes import parse_shape

            shape_tok = args[0][1]
            try:
                shape = parse_shape(shape_tok.text, allow_symbols=True, what="input")
            except ConfigError as exc:
                raise self.src.error(exc.detail, shape_tok) from None
            self.input_shape = shape
            if name is not None and name != "input":
                return L.Input(*shape, name=name)
            return None
        if word != "network":
            if len(args) != 1 or args[0][0] is not None or args[0][1].type not in ("str", "word"):
                raise self.src.error(f'{word} takes one quoted text: {word} "..."', tok)
            text = _unquote(args[0][1], self.src) if args[0][1].type == "str" else args[0][1].text
            if word == "note":
                self.notes.append(text)
            else:
                setattr(self, word, text)
            return None
        for key, value, vtok in args:
            if key is None:
                text = value.text if value.type == "word" else _unquote(value, self.src) if value.type == "str" else None
                if text is None:
                    raise self.src.error("expected a network name or a quoted description", vtok)
                if self.title is None:
                    self.title = text
                elif not self.description:
                    self.description = text
                else:
                    raise self.src.error("network takes a name and a description; quote the description", vtok)
            elif key in ("description", "source"):
                setattr(self, key, str(value))
            elif key == "note":
                self.notes.append(str(value))
            else:
                raise self.src.error(f"network takes no argument {key!r} (name, description, source=, note=)", vtok)
        return None

    def group(self, what):
        """``( sequence )``; returns the sequence."""
        self.expect("(", f"'(' after {what}")
        items = self.sequence()
        tok = self.peek()
        if tok.type == ";":
            raise self.src.error(f"';' separates branches, and {what} has one sequence", tok)
        self.expect(")", "')'")
        return items

    def composite(self, word, name, tok):
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise self.src.error(f"more than {MAX_NESTING} nested blocks", tok)
        try:
            return self._composite(word, name, tok)
        finally:
            self.depth -= 1

    def _composite(self, word, name, tok):
        try:
            if word == "block":
                items = self.group("block")
                return L.Sequential(*items, name=name)
            if word == "side":
                items = self.group("side")
                options = {}
                for key, value, vtok in self._args():
                    if key in ("loss_weight", "weight"):
                        options["loss_weight"] = value if not isinstance(value, _Token) else _word_value(value.text)
                    else:
                        raise self.src.error("side( ... ) takes loss_weight=W after the ')'", vtok)
                return L.SideHead(*items, name=name, **options)
            if word == "residual":
                body = self.group("residual")
                shortcut, post = None, []
                while self.peek().type == "word" and self.peek().text.lower() in ("shortcut", "post") \
                        and self.peek(1).type == "(":
                    part = self.take().text.lower()
                    if part == "shortcut":
                        shortcut = self.group("shortcut")
                    else:
                        post = self.group("post")
                merge = self._merge_word("add")
                flat = self.peek().type == "word" and self.peek().text.lower() == "flat"
                if flat:
                    self.take()
                return L.Residual(_unwrap(body), shortcut=None if shortcut is None else _unwrap(shortcut),
                                  post=post, merge=merge, flat=flat, name=name)
            # branches
            self.expect("(", "'(' after branches")
            branches = [self.sequence()]
            while self.peek().type == ";":
                self.take()
                branches.append(self.sequence())
            self.expect(")", "')' or ';'")
            merge = self._merge_word("concat")
            flat = self.peek().type == "word" and self.peek().text.lower() == "flat"
            if flat:
                self.take()
            post = []
            if self.peek().type == "word" and self.peek().text.lower() == "post" and self.peek(1).type == "(":
                self.take()
                post = self.group("post")
            if len(branches) < 2:
                raise self.src.error("branches( ... ) needs at least 2 branches separated by ';'", tok)
            for b, items in enumerate(branches, 1):
                if not items and not flat:
                    raise self.src.error(f"branch {b} is empty (an identity branch: write identity)", tok)
            return L.Branches(*[L.Sequential(*b) if flat else _unwrap(b) for b in branches], merge=merge, post=post,
                              flat=flat, name=name)
        except ConfigError as exc:
            raise self.src.error(f"{word}: {exc.detail}", tok) from None

    def _merge_word(self, default):
        """``[NAME:] concat|add|mul`` after a block's ')': the merge layer, or ``default`` where none is written."""
        mtok = self.peek()
        if not ((mtok.type == "word" and mtok.text.lower() in MERGES) or (
                mtok.type in ("word", "str") and self.peek(1).type == ":")):
            return default
        merge_name = None
        if self.peek(1).type == ":":
            ntok = self.take()
            merge_name = ntok.text if ntok.type == "word" else _unquote(ntok, self.src)
            self.take()
            mtok = self.expect("word", "concat, add or mul after the merge's name")
        else:
            self.take()
        if mtok.text.lower() not in MERGES:
            raise self.src.error("a block merges with concat, add or mul", mtok)
        return L.KINDS[mtok.text.lower()](name=merge_name)


def _unwrap(items):
    """A branch (or a residual's body) written as one ``block( ... )`` is that block itself."""
    if len(items) == 1 and type(items[0]) is L.Sequential:
        return items[0]
    return L.Sequential(*items)


def _hint(cls, fields):
    if not fields:
        return f" ({cls.kind} takes no arguments)"
    return f" ({cls.kind} takes: {', '.join(fields)})"


def parse_spec(text, origin="--spec", title=None):
    """Parse a text spec into a :class:`~shapecalc.layers.Network` (see the module's docstring).

    Errors raise :class:`~shapecalc.errors.SpecError`, whose ``excerpt`` holds the line and a caret under
    the offending token.
    """
    if not isinstance(text, str):
        raise SpecError(f"a spec is text, received {type(text).__name__}", origin)
    src = _Source(text, origin)
    parser = _Parser(src)
    items = parser.network()
    input_shape = parser.input_shape
    if not items and input_shape is None:
        raise src.error("the spec has no layers")
    if input_shape is None and isinstance(items[0], L.Input):
        input_shape = items[0].shape
    if input_shape is None:
        raise src.error("the spec gives no input shape: start it with e.g. 'input 39x31x1'")
    name = parser.title or title or "spec"
    return L.Network(name, items, input_shape, parser.description, parser.source, parser.notes)


# ---------------------------------------------------------------------------------------------------------
# the names that moved: files and Python objects (shapecalc.specfiles), export (shapecalc.specexport)

#: names that live in shapecalc.specfiles and shapecalc.specexport, still importable from here: loaded on
#: first use (``import shapecalc.spec`` imports neither module)
_MOVED = {"load_spec_file": "specfiles", "build_structured": "specfiles", "load_python": "specfiles",
          "MAX_SPEC_CHARS": "specfiles", "ran_user_code": "specfiles", "export_spec": "specexport"}


def __getattr__(name):
    module = _MOVED.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"{__package__}.{module}"), name)


def __dir__():
    return sorted(set(globals()) | set(_MOVED))
