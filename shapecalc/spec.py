"""Networks written by their users: a text spec, TOML or JSON files, and (explicitly) Python objects.

The text spec is one layer per item; items are separated by ``|`` or by new lines::

    input 39x31x1 | conv 20 k4 | maxpool 2 | conv 40 k3 | maxpool 2 | conv 60 k3 | maxpool 2
    | conv 80 k2 | flatten | dense 100 | softmax

- an item is ``[NAME:] KIND ARGUMENTS``; ``name=NAME`` works too;
- bare values fill the layer's arguments in order (``conv 20 4`` is 20 filters of 4×4, ``maxpool 3 2`` a
  3×3 window with stride 2); ``k``, ``s``, ``p``, ``d``, ``g`` set kernel, stride, padding, dilation and
  groups (``k3``, ``s2``, ``p1``, ``k1x7``); ``same`` and ``valid`` set the padding; ``nobias`` drops the
  bias, ``ceil`` the ceil mode; any argument can be written ``field=value`` (``count_include_pad=off``);
- ``branches( A ; B ; C ) concat`` (or ``add``): parallel branches, each a sequence;
- ``residual( BODY ) shortcut( PROJECTION ) post( relu )``: a residual block (identity shortcut when
  ``shortcut(...)`` is left out);
- ``side( LAYERS ) loss_weight=0.3``: a side head (auxiliary classifier); ``block( LAYERS )``: a named group;
- ``network NAME "description"`` and ``input HxWxC`` give the title and the input shape;
- ``#`` starts a comment.

A spec is data: it is parsed, never executed. Only :func:`load_python` imports code, and only when asked.

>>> net = parse_spec("input 39x31x1 | conv 20 k4 | maxpool 2 | flatten | dense 10")
>>> net.input_shape, [layer.kind for layer in net.layers]
((39, 31, 1), ['conv', 'maxpool', 'flatten', 'dense'])
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
from .errors import ConfigError, ShapecalcError, SpecError, UserCodeError

__all__ = ["parse_spec", "load_spec_file", "load_python", "export_spec", "build_structured", "KINDS"]

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
_SHORT_RE = re.compile(r"^([kspdg])([0-9]+)(?:x([0-9]+))?$")  # ASCII digits only, as in shapes

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
                    a, b = int(short.group(2)), short.group(3)
                    put(SHORT[short.group(1)], a if b is None else (a, int(b)), tok)
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
# files: text, TOML, JSON


#: the longest spec file read (a hand-written spec of the largest zoo network is under 100,000 characters)
MAX_SPEC_CHARS = 16 * 1024 * 1024


def load_spec_file(path):
    """A network from a file: ``.toml`` and ``.json`` hold the structured form, anything else the text spec.

    The file is read as data; nothing in it is executed.
    """
    import os

    try:
        with open(path, encoding="utf-8-sig") as f:
            # (a size cap: /dev/zero, or a file that is no spec, would be read until memory runs out)
            text = f.read(MAX_SPEC_CHARS + 1)
        if len(text) > MAX_SPEC_CHARS:
            raise SpecError(f"the spec file is larger than {MAX_SPEC_CHARS:,} characters: no network spec is that "
                            "long", str(path))
    except OSError as exc:
        raise SpecError(f"cannot read the spec file: {exc.strerror}", str(path)) from None
    except UnicodeDecodeError:
        raise SpecError("the spec file is not UTF-8 text", str(path)) from None
    ext = os.path.splitext(str(path))[1].lower()
    stem = os.path.splitext(os.path.basename(str(path)))[0]
    if ext == ".toml":
        try:
            import tomllib
        except ImportError:  # Python 3.10
            raise ConfigError("reading TOML needs Python 3.11 or later (tomllib); use a .json or text spec",
                              str(path)) from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SpecError(f"not valid TOML: {exc}", str(path)) from None
        except RecursionError:
            raise SpecError("nested too deeply", str(path)) from None
        return build_structured(data, str(path), stem)
    if ext == ".json":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise SpecError(f"not valid JSON: {exc}", str(path)) from None
        except RecursionError:
            raise SpecError("nested too deeply", str(path)) from None
        return build_structured(data, str(path), stem)
    return parse_spec(text, origin=str(path), title=stem)


def build_structured(data, origin="spec", title="spec"):
    """A network from the structured form (a dict, as read from TOML or JSON)::

        name = "cnn-39x31"
        input = "39x31x1"            # or [39, 31, 1]
        layers = [
          "conv1: conv 20 k4",        # a text item (or several: "conv 20 k4 | maxpool 2")
          { kind = "maxpool", kernel = 2, name = "pool1" },
          { kind = "branches", branches = [["conv 64 k1"], ["conv 96 k1", "conv 128 k3 p1"]], merge = "concat" },
        ]

    A ``spec = "..."`` key holds a whole text spec instead of ``layers``.
    """
    if not isinstance(data, dict):
        raise SpecError(f"expected a table of name, input and layers, received {type(data).__name__}", origin)
    known = {"name", "title", "network", "description", "source", "notes", "input", "layers", "spec"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise SpecError(f"unknown key {unknown[0]!r} (expected: {', '.join(sorted(known))})", origin)
    name = data.get("name") or data.get("title") or data.get("network") or title
    if "spec" in data:
        if "layers" in data:
            raise SpecError("give either spec = \"...\" or layers = [...], not both", origin)
        net = parse_spec(str(data["spec"]), origin=origin, title=name)
        layers, input_shape = net.layers, net.input_shape
        if "input" in data:
            input_shape = _input_value(data["input"], origin)
    else:
        if "layers" not in data:
            raise SpecError("no layers: expected layers = [...] (or spec = \"...\")", origin)
        if "input" not in data:
            raise SpecError("no input shape: expected input = \"39x31x1\" (or [39, 31, 1])", origin)
        input_shape = _input_value(data["input"], origin)
        layers = _structured_layers(data["layers"], f"{origin}: layers")
    notes = data.get("notes", ())
    return L.Network(str(name), layers, input_shape, str(data.get("description", "")), str(data.get("source", "")),
                     tuple(notes) if isinstance(notes, (list, tuple)) else (str(notes),))


def _shown_value(value):
    """A value as the user wrote it: JSON for JSON's own (true, null), Python's repr for the rest (a TOML
    date, bytes from the API)."""
    try:
        return _clip_text(json.dumps(value))
    except (TypeError, ValueError):
        return _clip_text(repr(value))


def _clip_text(text, n=80):
    return text if len(text) <= n else text[: n - 1] + "…"


def _input_value(value, origin):
    from .shapes import parse_shape

    try:
        if isinstance(value, (list, tuple)):
            # a size is a whole number or a name such as "H": true, 31.5 or null are no sizes (str(True) would
            # make a symbolic size named True)
            for v in value:
                if isinstance(v, bool) or not isinstance(v, (int, str)):
                    raise SpecError(f"an input size must be a whole number or a name such as \"H\", received "
                                    f"{_shown_value(v)}", f"{origin}: input")
            value = "x".join(str(v) for v in value)
        elif not isinstance(value, str):
            raise SpecError(f"input must be a shape such as \"39x31x1\" or [39, 31, 1], received "
                            f"{_shown_value(value)}", f"{origin}: input")
        return parse_shape(str(value), allow_symbols=True, what="input")
    except ConfigError as exc:
        raise SpecError(exc.detail, f"{origin}: input") from None


def _structured_layers(items, where):
    if where.count("[") > 2 * MAX_NESTING:
        raise SpecError(f"more than {MAX_NESTING} nested blocks", where.split(":")[0])
    if isinstance(items, str):
        items = [items]
    if not isinstance(items, list):
        raise SpecError(f"expected a list of layers, received {type(items).__name__}", where)
    out = []
    for i, item in enumerate(items):
        here = f"{where}[{i}]"
        if isinstance(item, str):
            src = _Source(item, here)
            parser = _Parser(src)
            parsed = parser.network()
            out.extend(parsed)
        elif isinstance(item, dict):
            out.append(_structured_layer(item, here))
        elif isinstance(item, list):
            out.append(L.Sequential(*_structured_layers(item, here)))
        else:
            raise SpecError(f"expected a layer (text or table), received {item!r}", here)
    return out


def _structured_layer(item, where):
    item = dict(item)
    kind = str(item.pop("kind", item.pop("type", ""))).lower()
    if not kind:
        raise SpecError("a layer table needs kind = \"conv\" (or another kind)", where)
    name = item.pop("name", None)
    kind = _COMPOSITE_ALIASES.get(kind, ALIASES.get(kind, kind))
    try:
        if kind == "block":
            return L.Sequential(*_structured_layers(item.pop("layers", []), f"{where}.layers"), name=name)
        if kind == "side":
            return L.SideHead(*_structured_layers(item.pop("layers", []), f"{where}.layers"), name=name,
                              loss_weight=item.pop("loss_weight", None))
        if kind == "residual":
            body = _structured_layers(item.pop("body", []), f"{where}.body")
            shortcut = item.pop("shortcut", None)
            post = _structured_layers(item.pop("post", []), f"{where}.post")
            if shortcut is not None:
                shortcut = _unwrap(_structured_layers(shortcut, f"{where}.shortcut"))
            return L.Residual(_unwrap(body), shortcut=shortcut, post=post, merge=item.pop("merge", "add"),
                              flat=item.pop("flat", False), name=name)
        if kind == "branches":
            branches = item.pop("branches", [])
            if not isinstance(branches, list):
                raise SpecError("branches = [[...], [...]] lists the branches", where)
            post = _structured_layers(item.pop("post", []), f"{where}.post")
            flat = item.pop("flat", False)
            parts = [_structured_layers(b, f"{where}.branches[{j}]") for j, b in enumerate(branches)]
            return L.Branches(*[L.Sequential(*p) if flat is True else _unwrap(p) for p in parts],
                              merge=item.pop("merge", "concat"), post=post, flat=flat, name=name)
        if kind not in KINDS:
            from .suggest import closest

            raise SpecError(f"unknown layer kind {kind!r}{closest(kind, sorted(KINDS))}", where)
        cls = KINDS[kind]
        fields = _fields(cls)
        for key in item:
            if key not in fields:
                raise SpecError(f"{kind} takes no argument {key!r}" + _hint(cls, fields), where)
        kwargs = {k: _tuples(v) if isinstance(v, list) else v for k, v in item.items()}
        if cls is L.Input:
            shape = _input_value(kwargs.get("shape", ""), where)
            return L.Input(*shape, name=name)
        return cls(**kwargs, name=name)
    except ConfigError as exc:
        raise SpecError(exc.detail, where) from None
    except TypeError:
        cls = KINDS.get(kind)
        raise SpecError(f"{kind} is missing an argument" + (_hint(cls, _fields(cls)) if cls else ""), where) from None


# ---------------------------------------------------------------------------------------------------------
# Python objects (the only path that runs user code)


#: True once load_python has run a user's module in this process: the command line then ends with Python's
#: full shutdown, which that code may count on (a file it left open is flushed by its finalizer)
ran_user_code = False


def load_python(target):
    """Import ``module:attr`` (or ``path/to/file.py:attr``) and return the network it names.

    THIS RUNS THE MODULE'S CODE: it is the explicit ``--python`` option, never implied by a spec file.
    ``attr`` may be a :class:`~shapecalc.layers.Network`, a list of layers, a layer, or a function of no
    arguments returning one of those.
    """
    import importlib
    import importlib.util
    import os
    import sys

    if not isinstance(target, str) or ":" not in target:
        raise ConfigError(f"expected MODULE:ATTR (e.g. mynets:small_cnn), received {target!r}", "--python")
    module_name, _, attr = target.rpartition(":")
    if not module_name or not attr:
        raise ConfigError(f"expected MODULE:ATTR (e.g. mynets:small_cnn), received {target!r}", "--python")
    global ran_user_code
    ran_user_code = True
    where = module_name
    try:
        if module_name.endswith(".py") or os.sep in module_name:
            spec = importlib.util.spec_from_file_location(os.path.splitext(os.path.basename(module_name))[0],
                                                          module_name)
            if spec is None or not os.path.exists(module_name):
                raise ConfigError(f"no such file {module_name!r}", "--python")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        else:
            if os.getcwd() not in sys.path and "" not in sys.path:
                sys.path.insert(0, os.getcwd())
            module = importlib.import_module(module_name)
    except ShapecalcError:
        raise
    except ModuleNotFoundError as exc:
        if exc.name and module_name.split(".")[0] == exc.name:
            raise ConfigError(f"cannot import {module_name!r}: {exc}", "--python") from None
        raise _user_error(exc, where) from None
    except BaseException as exc:  # the user's code: a SyntaxError, an exception, a recursion, a SystemExit
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise _user_error(exc, where) from None
    try:
        obj = getattr(module, attr)
    except AttributeError:
        from .suggest import closest

        raise ConfigError(f"module {module_name!r} has no attribute {attr!r}"
                          f"{closest(attr, [n for n in dir(module) if not n.startswith('_')])}", "--python") from None
    torch = sys.modules.get("torch")
    is_module_class = torch is not None and isinstance(obj, type) and issubclass(obj, torch.nn.Module)
    if is_module_class or (callable(obj) and not isinstance(obj, (L.Layer, L.Composite)) and not isinstance(obj, type)
                           and not (torch is not None and isinstance(obj, torch.nn.Module))):
        try:
            obj = _construct(obj, torch) if is_module_class else obj()
        except ShapecalcError:
            raise
        except TypeError as exc:
            if is_module_class and "required positional argument" in str(exc):
                raise UserCodeError(f"{obj.__name__}() needs arguments ({exc}): give an instance (net = "
                                    f"{obj.__name__}(…)) or a function of no arguments that returns one",
                                    "--python") from None
            raise _user_error(exc, f"{where}:{attr}()") from None
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            raise _user_error(exc, f"{where}:{attr}()") from None
        torch = sys.modules.get("torch")
    if torch is not None and isinstance(obj, torch.nn.Module):
        return obj  # read by shapecalc.from_torch at the command's input size
    if isinstance(obj, L.Network):
        return obj
    if isinstance(obj, (list, tuple)) and obj and isinstance(obj[0], L.Input):
        return L.Network(attr, list(obj[1:]), obj[0].shape)
    if isinstance(obj, (list, tuple)):
        return L.Sequential(*obj)
    if isinstance(obj, (L.Layer, L.Composite)):
        return obj
    raise ConfigError(f"{target} is a {type(obj).__name__}, not a Network, a list of layers or a torch.nn.Module",
                      "--python")


def _construct(cls, torch):
    """An instance of a module class, without arguments: on the meta device (no memory, no random
    initialisation) where its constructor allows, else on the CPU."""
    try:
        with torch.device("meta"):
            module = cls()
        # (ours to move: --verify puts it on the device asked for)
        module._shapecalc_constructed = True
        return module
    except TypeError:
        raise
    except Exception:
        return cls()


def _user_error(exc, where):
    """An error raised by the user's own ``--python`` code: theirs to fix, reported as such (exit 2)."""
    import traceback

    text = " ".join(str(exc).split())
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if "/shapecalc/" not in f.filename.replace("\\", "/") and not f.filename.startswith("<frozen")]
    at = f" at {frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}" if frames else ""
    if isinstance(exc, SyntaxError) and exc.lineno:
        at = f" at {str(exc.filename).rsplit('/', 1)[-1]}:{exc.lineno}"
        text = exc.msg
    if isinstance(exc, RecursionError):
        text = "maximum recursion depth exceeded"
    return UserCodeError(f"your code ({where}) raised {type(exc).__name__}{at}: {text[:300]}", "--python")


# ---------------------------------------------------------------------------------------------------------
# export


def _format_value(value):
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, tuple) and value and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return "x".join(str(v) for v in value)
    if isinstance(value, (tuple, list)):
        return json.dumps(_lists(value), separators=(",", ""))
    if isinstance(value, str):
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.\-]*", value) and not isinstance(_word_value(value), (bool, int, float)):
            return value
        return json.dumps(value, ensure_ascii=False)
    raise ConfigError(f"cannot write {value!r} in a spec", "export")


def _name_text(name):
    """A layer name as written in a spec: a plain word, or quoted when it holds spaces or symbols."""
    if re.fullmatch(r"[^\s|;():=\"#\[\],]+", name) and not _SHORT_RE.match(name):
        return name
    return json.dumps(name, ensure_ascii=False)


def _lists(value):
    if isinstance(value, (tuple, list)):
        return [_lists(v) for v in value]
    return value


def _leaf_text(layer):
    cls = type(layer)
    kind = layer.kind
    if kind not in KINDS or not isinstance(layer, KINDS[kind]):
        raise ConfigError(f"layer class {cls.__name__} has no spec kind", "export")
    # a leaf must come back as the same class: exported through its kind, it would otherwise change class
    if KINDS[kind] is not cls:
        raise ConfigError(f"layer class {cls.__name__} (kind {kind}) cannot be written as a spec", "export")
    if isinstance(layer, L.Input):
        parts = ["input", "x".join(str(d) for d in layer.shape)]
    else:
        config = layer.config()
        fields = _fields(cls)
        parts = [kind]
        first = True
        for field in fields:
            if field not in config:
                first = False
                continue
            value = config[field]
            if first and not isinstance(value, bool) and not isinstance(value, str):
                first = False
                parts.append(_format_value(value))
                continue
            first = False
            if field in SHORT.values() and not isinstance(value, str):
                letter = [k for k, v in SHORT.items() if v == field][0]
                parts.append(letter + _format_value(value))
            elif field == "padding" and value in ("same", "valid"):
                parts.append(value)
            elif field == "bias" and value is False:
                parts.append("nobias")
            elif field == "ceil_mode" and value is True:
                parts.append("ceil")
            else:
                parts.append(f"{field}={_format_value(value)}")
    return (f"{_name_text(layer.name)}: " if layer.name else "") + " ".join(parts)


def _block_lines(items, indent):
    lines = []
    for item in items:
        lines.extend(_item_lines(item, indent))
    return lines


def _branch_items(seq):
    """The items that write out a branch (or a body): its layers, or the block itself when it is named."""
    if seq.name or (len(seq.layers) == 1 and type(seq.layers[0]) is L.Sequential):
        return [seq]
    return seq.layers


def _item_lines(item, indent):
    pad = "  " * indent
    named = f"{_name_text(item.name)}: " if item.name else ""
    if isinstance(item, L.Layer):
        return [pad + _leaf_text(item)]
    if isinstance(item, L.Branches):
        lines = [f"{pad}{named}branches("]
        for b, branch in enumerate(item.branches):
            body = _block_lines(branch.layers if item.flat else _branch_items(branch), indent + 1)
            if b:
                # (an empty branch of a flat block: the ';' alone)
                body = [pad + ";" + body[0][len(pad) + 1:]] + body[1:] if body else [pad + ";"]
            lines.extend(body)
        merge = item.merge
        tail = (f"{_name_text(merge.name)}: " if merge.name else "") + merge.kind + (" flat" if item.flat else "")
        if item.post:
            lines.append(f"{pad}) {tail} post(")
            lines.extend(_block_lines(item.post, indent + 1))
            tail = ""
        lines.append(f"{pad}) {tail}".rstrip())
        return lines
    if isinstance(item, L.Residual):
        lines = [f"{pad}{named}residual("] + _block_lines(_branch_items(item.body), indent + 1)
        if item.shortcut is not None:
            lines.append(f"{pad}) shortcut(")
            lines.extend(_block_lines(_branch_items(item.shortcut), indent + 1))
        if item.post:
            lines.append(f"{pad}) post(")
            lines.extend(_block_lines(item.post, indent + 1))
        merge = item.merge
        tail = (f"{_name_text(merge.name)}: " if merge.name else "") + merge.kind
        tail = "" if tail == "add" else " " + tail
        lines.append(f"{pad}){tail}" + (" flat" if item.flat else ""))
        return lines
    if isinstance(item, L.SideHead):
        weight = f" loss_weight={_format_value(item.loss_weight)}" if item.loss_weight is not None else ""
        return [f"{pad}{named}side("] + _block_lines(item.body.layers, indent + 1) + [f"{pad}){weight}"]
    if isinstance(item, L.Sequential):
        return [f"{pad}{named}block("] + _block_lines(item.layers, indent + 1) + [f"{pad})"]
    raise ConfigError(f"cannot write {type(item).__name__} as a spec", "export")


def export_spec(network):
    """The text spec of ``network``, one item per line: :func:`parse_spec` reads it back to the same table."""
    lines = []
    title = getattr(network, "title", None)
    if title is not None:
        head = "network " + _format_value(str(title))
        if network.description:
            head += " " + json.dumps(network.description, ensure_ascii=False)
        lines.append(head)
        if network.source:
            lines.append("source " + json.dumps(network.source, ensure_ascii=False))
        for note in network.notes:
            lines.append("note " + json.dumps(note, ensure_ascii=False))
        lines.append("input " + "x".join(str(d) for d in network.input_shape))
        layers = network.layers
    else:
        layers = network.layers if isinstance(network, L.Sequential) else [network]
    lines.extend(_block_lines(layers, 0))
    return "\n".join(lines)
