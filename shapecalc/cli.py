"""The ``shapecalc`` command line.

    shapecalc list
    shapecalc NAME [--table] [--input HxWxC] [--batch N] [--depth N] [--format F] ...
    shapecalc --spec "input 39x31x1 | conv 20 k4 | ..." [options]
    shapecalc compare A B [C] [--plot out.png]
    shapecalc check SUBMISSION --model NAME

Errors print one line on stderr and exit with status 2 (``--debug`` shows the traceback). An exception
outside the ShapecalcError family is a bug: it also prints one line, and exits with status 3.
"""

import gc
import os
import sys
from types import SimpleNamespace

from .errors import ConfigError, ShapecalcError

__all__ = ["main", "build_parser", "parse_args"]

SUBCOMMANDS = ("list", "compare", "check", "explain", "exercise")

#: the cyclic collector's first-generation threshold while a command runs (Python's default: 700). A command
#: allocates mostly objects that live to its end (modules, classes, the network, its rows), so the default's
#: frequent scans of them were wasted work: 3% of `shapecalc torchvision.resnet50 --table`. Cyclic garbage
#: is still collected, every 100,000 allocations (mypy's command line raises the threshold likewise).
GC_THRESHOLD = 100_000


# ---------------------------------------------------------------------------------------------------------
# the commands' options, stated once: argparse is built from these tables (help, errors, anything unusual),
# and the plain invocations (`shapecalc NAME --table`) are read from them without importing argparse, whose
# import, parser construction and gettext look-ups were a third of the command's start-up


def _option(*flags, **kwargs):
    """One ``add_argument`` call, as data: ``(flags, kwargs)``."""
    return flags, kwargs


def _model_options():
    """The options shared by ``shapecalc NAME`` and ``shapecalc compare``."""
    return [
        _option("--input", metavar="HxWxC",
                help="input shape, e.g. 224x224x3 (letters such as HxWx3 switch to symbolic mode)"),
        _option("--batch", type=int, default=1, metavar="N", help="batch size (multiplies MACs and activations)"),
        _option("--no-bias", action="store_true", help="count parameters without biases, as many textbooks do"),
        _option("--strict", action="store_const", const="read", default=False,
                help="make the warnings errors: real input rows that a window never reads"),
        _option("--strict-whole", dest="strict", action="store_const", const="whole",
                help="the textbook rule: also refuse any (H - F + 2P)/S + 1 that is not a whole number"),
        _option("--dtype", default="float32", metavar="D",
                help="element type for activation memory: float32 (default), float16, bfloat16, float64, int8"),
        _option("--convention", default="macs", metavar="C",
                help="what the operations column counts: macs (default), flops, connections, "
                     "or a tool's preset (fvcore, ptflops, torchinfo)"),
        _option("--shortcut", choices=("A", "B", "C"), help="ResNet shortcut option (He et al. 2015)"),
        _option("--format", default="text", metavar="F",
                help="text (default), json, csv, or any tabulate format (github, grid, latex, ...)"),
        _option("--plot", metavar="FILE", help="draw the figure to FILE (.png or .svg; needs matplotlib)"),
        _option("--debug", action="store_true", help="show the traceback of an error"),
    ]


#: command → (prog, description, [(group title or None, [options])]); positionals are options without "--"
COMMANDS = {
    "": ("shapecalc",
         "Exact shapes, parameters, MACs, activation memory and receptive fields of CNNs. "
         "Subcommands: `shapecalc list`, `shapecalc compare A B [C]`, `shapecalc check FILE --model NAME`.",
         [(None, [_option("name", nargs="?", help="a network from `shapecalc list`, or a model file (.onnx, .keras, "
                                                 ".h5, .json) or a spec file"),
                  _option("--version", action="store_true", help="print shapecalc's version and exit")]),
          ("network source (instead of NAME)", [
              _option("--spec", metavar="TEXT", help='a network as text: "input 39x31x1 | conv 20 k4 | maxpool 2 | ..."'),
              _option("--spec-file", metavar="FILE", help="a network spec file (.txt, .toml or .json); read as data"),
              _option("--python", metavar="MODULE:ATTR",
                      help="IMPORTS AND RUNS Python module MODULE and takes its attribute ATTR (a Network, a list "
                           "of layers, or a torch.nn.Module instance, class or function returning one): the only "
                           "option that executes user code"),
          ]),
          ("views", [
              _option("--table", action="store_true", help="the per-layer table (the default view)"),
              _option("--depth", type=int, metavar="N", help="fold the rows below depth N into their blocks"),
              _option("--quiet", action="store_true", help="leave the warnings' lines out of the table (its ⚠ marks "
                                                           "stay; --strict makes them errors)"),
              _option("--channels-first", action="store_true",
                      help="shapes as C×H×W (PyTorch) instead of H×W×C: the table's and --input's"),
              _option("--freeze", metavar="NAME", action="append",
                      help="mark frozen every layer up to and including NAME, or the layers a pattern such as "
                           "'layer1.*' matches (repeat for several)"),
              _option("--trainable", metavar="NAME", action="append",
                      help="with --freeze: the layer or block NAME, or a pattern's layers, stay trainable "
                           "(repeat for several)"),
              _option("--rf", action="store_true", help="receptive field, jump and input region per layer"),
              _option("--export-spec", action="store_true", help="print the network as a text spec"),
              _option("--memory", action="store_true",
                      help="training memory in bytes: parameters, gradients, optimizer state, buffers and the "
                           "activations kept for backward, at --batch and --dtype (docs/memory.md)"),
              _option("--optimizer", metavar="O", choices=("sgd", "momentum", "adam", "adamw", "rmsprop", "adagrad"),
                      help="with --memory: sgd, momentum, adam (default), adamw, rmsprop or adagrad"),
          ]),
          ("symbolic sizes", [
              _option("--subs", metavar="H=224,W=224", help="evaluate a symbolic table at these sizes"),
              _option("--constraints", action="store_true",
                      help="the conditions on the input sizes under which every division is exact"),
              _option("--valid-inputs", action="store_true", help="the input sizes for which the network runs"),
              _option("--range", metavar="LO:HI", help="with --valid-inputs: the sizes to scan (default 1:2048)"),
              _option("--exact", action="store_true",
                      help="with --valid-inputs: only sizes where every (H - F + 2P)/S + 1 is whole (the textbook "
                           "rule; --covered asks the other question)"),
              _option("--covered", action="store_true",
                      help="with --valid-inputs: only sizes where every window reads every real input row (no "
                           "warning; --exact asks the textbook rule instead)"),
          ]),
          ("PyTorch cross-check (needs torch)", [
              _option("--verify", action="store_true", help="build the network in PyTorch and compare every figure"),
              _option("--device", metavar="cpu|cuda", help="device for --verify (default: cuda when available)"),
          ]),
          (None, _model_options())]),
    "compare": ("shapecalc compare", "Two or three networks' totals side by side, with their ratios to the first. "
                "Each network is a zoo name, a model or spec file, or a spec in quotes.",
                [(None, [_option("a", help="first network"), _option("b", help="second network"),
                         _option("c", nargs="?", help="a third network (optional)")]
                  + _model_options())]),
    "list": ("shapecalc list", "Every known network, with its default input.",
             [(None, [_option("--format", default="text", metavar="F",
                              help="text (default), json, csv or a tabulate format"),
                      _option("--debug", action="store_true", help="show the traceback of an error")])]),
    "explain": ("shapecalc explain", "Every figure of a network's layers worked out step by step, as a "
                "textbook would: output sizes, weights, biases, MACs and receptive fields.",
                [(None, [
                    _option("name", nargs="?", help="a network from `shapecalc list`, or a model or spec file"),
                    _option("layers", nargs="*", metavar="LAYER",
                            help="the layers (or blocks) to explain (default: every layer)"),
                    _option("--spec", metavar="TEXT", help="the network as a text spec"),
                    _option("--spec-file", metavar="FILE", help="the network as a spec file"),
                    _option("--python", metavar="MODULE:ATTR", help="a PyTorch module or a network in Python"),
                    _option("--input", metavar="HxWxC", help="input shape (default: the network's)"),
                    _option("--no-bias", action="store_true", help="count parameters without biases"),
                    _option("--format", default="text", metavar="F", help="text (default), markdown or latex"),
                    _option("--debug", action="store_true", help="show the traceback of an error"),
                ])]),
    "exercise": ("shapecalc exercise", "Homework variants of a network for a class: per variant a question "
                 "(exercise.md, exercise.tex), its network (network.spec) and its answer key (key.csv), and "
                 "quiz.xml for Moodle. The same seed gives the same files.",
                 [(None, [
                     _option("--template", default="cnn-39x31", metavar="NAME|FILE",
                             help="a course network (cnn-39x31, lenet5-full, alexnet-1gpu), any zoo network, or a "
                                  "spec file with ranges such as conv {16..32} k{3,5} (default cnn-39x31)"),
                     _option("--seed", metavar="S", help="any number or word: the same seed gives the same files"),
                     _option("--count", type=int, metavar="N", help="N numbered variants (v01, v02, ...)"),
                     _option("--roster", metavar="FILE",
                             help="a CSV of students (an id, student or name column): one variant each"),
                     _option("--out", metavar="DIR", help="the folder to write (new or empty)"),
                     _option("--non-dividing", default="0.25", metavar="SHARE",
                             help="the share of variants with a window that does not tile its input, to be "
                                  "spotted (default 0.25)"),
                     _option("--no-bias", action="store_true", help="layers without biases, as many textbooks count"),
                     _option("--force", action="store_true",
                             help="write into a folder that is not empty: overwrite the exercise's files, keep the rest"),
                     _option("--print-template", action="store_true", help="print the template with its ranges"),
                     _option("--debug", action="store_true", help="show the traceback of an error"),
                 ])]),
    "check": ("shapecalc check", "Check a submitted table (CSV, TSV, Markdown) cell by cell against a network.",
              [(None, [
                  _option("submission", help="a submission file, or a folder of them (writes a summary CSV)"),
                  _option("--model", metavar="NAME", help="the network the table describes"),
                  _option("--spec", metavar="TEXT", help="the network as a text spec"),
                  _option("--spec-file", metavar="FILE", help="the network as a spec file"),
                  _option("--input", metavar="HxWxC", help="input shape (default: the network's)"),
                  _option("--no-bias", action="store_true", help="expected parameters without biases"),
                  _option("--tolerance", metavar="T", default="0",
                          help="relative tolerance for counts, e.g. 0.01 (default 0: exact)"),
                  _option("--columns", metavar="C,C", help="the columns graded, e.g. output,params (default: the "
                          "table's; in a folder, those at least half of the tables have)"),
                  _option("--partial-credit", nargs="?", const="0.5", metavar="F",
                          help="credit F (alone: 0.5) for a cell right from the student's own wrong earlier "
                               "figure (default: none)"),
                  _option("--batch", type=int, default=1, metavar="N",
                          help="the batch size the table's MACs, FLOPs and connections are for (default 1)"),
                  _option("--format", default="text", metavar="F",
                          help="text (default), json, csv or a tabulate format"),
                  _option("--summary", metavar="FILE", help="with a folder: where to write the summary CSV"),
                  _option("--debug", action="store_true", help="show the traceback of an error"),
              ])]),
}


def _columns():
    """The terminal width: $COLUMNS, else the terminal's, else 80 (as ``shutil.get_terminal_size``)."""
    try:
        return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80
    except (AttributeError, ValueError, OSError):
        return 80


def _argparse_parser(command):
    """The argparse parser of ``command`` (a key of COMMANDS), raising ConfigError instead of exiting."""
    import argparse

    class Parser(argparse.ArgumentParser):
        def error(self, message):
            raise ConfigError(message, self.prog)

        def _get_formatter(self):
            # argparse's default formatter imports shutil (and bz2, lzma, zlib) for the terminal width, on
            # every add_argument. The width is read here the way shutil reads it.
            return self.formatter_class(prog=self.prog, width=_columns() - 2)

    prog, description, groups = COMMANDS[command]
    parser = Parser(prog=prog, description=description)
    for title, options in groups:
        target = parser.add_argument_group(title) if title else parser
        for flags, kwargs in options:
            target.add_argument(*flags, **kwargs)
    return parser


def build_parser():
    """The argparse parser of ``shapecalc NAME ...`` (the subcommands have their own)."""
    return _argparse_parser("")


def build_compare_parser():
    return _argparse_parser("compare")


def build_list_parser():
    return _argparse_parser("list")


def build_check_parser():
    return _argparse_parser("check")


def build_explain_parser():
    return _argparse_parser("explain")


def build_exercise_parser():
    return _argparse_parser("exercise")


def _read_plain(command, argv):
    """``argv`` read from the option table, for the plain cases only: long options spelled in full (with
    ``=`` or a following value), flags, ints, choices and the positionals. Anything else (help, a short or
    abbreviated option, a missing or dash-led value, a bad int or choice, one positional too many, ``--``)
    returns None: argparse then reads the command line and gives its help or its error."""
    options, positionals, values = {}, [], {}
    for _, group in COMMANDS[command][2]:
        for flags, kwargs in group:
            if set(kwargs) - {"action", "type", "default", "choices", "metavar", "help", "nargs", "dest", "const"} or \
                    kwargs.get("action", "store") not in ("store", "store_true", "store_const", "append") or \
                    kwargs.get("type", str) not in (str, int):
                return None  # an option this reader does not know how to read: argparse's job
            if flags[0].startswith("-"):
                dest = kwargs.get("dest") or flags[0].lstrip("-").replace("-", "_")
                for flag in flags:
                    options[flag] = (dest, kwargs)
                if dest not in values:  # (two flags may share one dest: the first one's default stands)
                    values[dest] = kwargs.get("default", False if kwargs.get("action") == "store_true" else None)
            else:
                positionals.append((flags[0], kwargs))
                values[flags[0]] = kwargs.get("default")
    given = []
    i = 0
    while i < len(argv):
        token = argv[i]
        i += 1
        if not token.startswith("-") or token == "-":
            given.append(token)
            continue
        flag, eq, value = token.partition("=")
        if flag not in options:
            return None
        dest, kwargs = options[flag]
        if kwargs.get("action") in ("store_true", "store_const"):
            if eq:
                return None
            values[dest] = kwargs.get("const", True)
            continue
        if not eq:
            if i >= len(argv) or argv[i].startswith("-"):
                return None
            value = argv[i]
            i += 1
        if kwargs.get("type") is int:
            try:
                value = int(value)  # what argparse's type=int calls
            except ValueError:
                return None
        if "choices" in kwargs and value not in kwargs["choices"]:
            return None
        # (an "append" option, --freeze: every occurrence, in order, as argparse gathers them)
        values[dest] = (values[dest] or []) + [value] if kwargs.get("action") == "append" else value
    required = [name for name, kwargs in positionals if kwargs.get("nargs") not in ("?", "*")]
    rest = positionals and positionals[-1][1].get("nargs") == "*"
    if len(given) < len(required) or len(given) > len(positionals) and not rest:
        return None
    for k, (name, kwargs) in enumerate(positionals):
        if kwargs.get("nargs") == "*":
            values[name] = given[k:]  # the last positional takes what is left, as a list
        elif k < len(given):
            values[name] = given[k]
    return SimpleNamespace(**values)  # argparse's Namespace without argparse: attributes, ==, repr


def parse_args(command, argv):
    """The options of ``command`` ("" for ``shapecalc NAME``, or a subcommand) in ``argv``."""
    args = _read_plain(command, argv)
    if args is None:
        args = _argparse_parser(command).parse_args(argv)
    return args


# ---------------------------------------------------------------------------------------------------------


def _input(args):
    from .sources import parse_input

    return parse_input(args.input, getattr(args, "channels_first", False))


def load_network(args, name=None):
    """The network a command names: a zoo name, ``--spec``, ``--spec-file`` or ``--python``."""
    from .sources import network

    return network(name, spec=getattr(args, "spec", None), spec_file=getattr(args, "spec_file", None),
                   python=getattr(args, "python", None), shortcut=getattr(args, "shortcut", None),
                   input=_input(args) if getattr(args, "python", None) is not None else None)


def _summary(args, network):
    from .report import summary

    return summary(network, _input(args), batch=args.batch, no_bias=args.no_bias, strict=args.strict,
                   freeze=getattr(args, "freeze", None), trainable=getattr(args, "trainable", None), dtype=args.dtype,
                   convention=args.convention)


def _require(module, what, install):
    """An optional dependency that an option needs: one clear line where it is missing."""
    import importlib.util

    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise ConfigError(f"{what}, which is not installed: {install}", what.split()[0])


def _check_paths(args):
    """Options naming a layer or a file: an empty one, or a plot path that is a folder, is refused (it did
    nothing, or wrote a hidden ``./.png``)."""
    for option in ("freeze", "trainable"):
        for value in getattr(args, option, None) or ():
            if not value.strip():
                raise ConfigError(f"--{option} needs a layer name such as conv3, received an empty one",
                                  f"--{option}")
    plot = getattr(args, "plot", None)
    if plot is not None:
        if not plot.strip():
            raise ConfigError("--plot needs a file name such as net.png, received an empty one", "--plot")
        stem = os.path.basename(os.path.normpath(plot)) if plot not in (".", "..") else ""
        if os.path.isdir(plot) or plot.endswith(("/", os.sep)) or not stem:
            raise ConfigError(f"--plot needs a file name such as net.png, received {plot!r} (a folder)", "--plot")
        if stem.startswith(".") and os.path.splitext(stem)[0] == stem:
            raise ConfigError(f"--plot needs a file name such as net.png, received {plot!r} (an extension alone: "
                              "a hidden file)", "--plot")


#: the views of the main command: one at a time (the table is the default)
_VIEWS = (("--table", "table"), ("--rf", "rf"), ("--export-spec", "export_spec"), ("--verify", "verify"),
          ("--valid-inputs", "valid_inputs"), ("--constraints", "constraints"), ("--memory", "memory"))


def _check_views(args):
    """One view at a time; --depth and --quiet where they change something: refused, not ignored."""
    chosen = [flag for flag, key in _VIEWS if getattr(args, key, False)]
    if len(chosen) > 1:
        raise ConfigError(f"{' and '.join(chosen)} are different views: choose one", chosen[1])
    view = chosen[0] if chosen else "--table"
    if args.depth is not None and view not in ("--table", "--rf"):
        raise ConfigError(f"--depth folds a table's rows; {view} has none to fold", "--depth")
    if args.depth is not None and args.format == "json":
        raise ConfigError("--depth folds a table's rows; --format json lists every layer (its blocks apart, in "
                          "'layers' with their paths): leave --depth out", "--depth")
    if getattr(args, "quiet", False) and view not in ("--table",):
        raise ConfigError(f"--quiet leaves the table's warnings out; {view} prints none", "--quiet")


def _check_pairs(args):
    """Options that only make sense with another one: refuse them alone rather than ignore them silently."""
    for option, value, needs, given in (("--range", args.range, "--valid-inputs", args.valid_inputs),
                                        ("--exact", args.exact, "--valid-inputs", args.valid_inputs),
                                        ("--covered", args.covered, "--valid-inputs", args.valid_inputs),
                                        ("--device", args.device, "--verify", args.verify),
                                        ("--optimizer", getattr(args, "optimizer", None), "--memory",
                                         getattr(args, "memory", False))):
        if value and not given:
            raise ConfigError(f"{option} applies with {needs} only (add {needs}, or leave {option} out)", option)


def run_model(args, out):
    _check_views(args)
    _check_pairs(args)
    _check_paths(args)
    network = load_network(args, args.name)
    if args.export_spec:
        from .specexport import export_spec

        out.write(export_spec(network) + "\n")
        return 0
    if args.verify:
        _require("torch", "--verify runs the network in PyTorch", "pip install torch")
        from .verify import verify

        report = verify(network, input=_input(args), device=args.device, batch=args.batch, no_bias=args.no_bias)
        out.write(report.table(format=args.format) + "\n")
        return 0 if report.ok else 1
    if args.valid_inputs:
        from .validsizes import valid_inputs_command

        out.write(valid_inputs_command(network, args) + "\n")
        return 0
    s = _summary(args, network)
    if args.subs:
        from .symbolic import substitute

        s = substitute(s, args.subs)
    if args.plot:
        s.plot(args.plot)
    if args.constraints:
        from .symbolic import constraints_dict, constraints_text

        if args.format not in ("text", "json"):
            raise ConfigError(f"--constraints prints text or json, not {args.format}", "--format")
        if args.format == "json":
            from .report import dumps

            out.write(dumps(constraints_dict(s)) + "\n")
            return 0
        out.write(constraints_text(s) + "\n")
        return 0
    if args.rf:
        from .rfview import rf_table

        out.write(rf_table(s, depth=args.depth, format=args.format) + "\n")
        return 0
    if args.memory:
        out.write(s.memory(args.optimizer or "adam").table(format=args.format) + "\n")
        return 0
    out.write(s.table(depth=args.depth, format=args.format, channels_first=args.channels_first,
                      warnings=not args.quiet) + "\n")
    if s.partial:
        # the table is out, and its totals say "partial"; the status says it too
        raise ConfigError(s.partial_line(), s.model)
    return 0


def run_list(args, out):
    from . import zoo
    from .report import plain_table, to_csv
    from .shapes import format_shape

    header = ["name", "input", "description"]
    body = []
    aliases = {}
    for alias, target in zoo.ALIASES.items():
        aliases.setdefault(target, []).append(alias)
    if args.format == "json":
        # shapes as lists of ints, as the summary's JSON gives them; the aliases as a list
        from .report import dumps

        listing = [{"name": name, "input": list(shape), "description": description, "aliases": aliases.get(name, [])}
                   for name, (_, _, shape, description) in zoo.ENTRIES.items()]
        out.write(dumps(listing) + "\n")
        return 0
    for name, (_, _, shape, description) in zoo.ENTRIES.items():
        also = f" (also: {', '.join(aliases[name])})" if name in aliases else ""
        body.append([name, format_shape(shape), description + also])
    if args.format == "csv":
        out.write(to_csv(header, body))
    elif args.format == "text":
        out.write(plain_table(header, body) + "\n")
    else:
        from .tables import tabulate_table

        out.write(tabulate_table(header, body, args.format) + "\n")
    return 0


def run_compare(args, out):
    from .comparison import compare

    _check_paths(args)
    networks = [load_network(args, name) for name in (args.a, args.b, args.c) if name is not None]
    c = compare(*networks, input=_input(args), batch=args.batch, no_bias=args.no_bias, strict=args.strict,
                dtype=args.dtype, convention=args.convention)
    if args.plot:
        c.plot(args.plot)
    out.write(c.table(format=args.format) + "\n")
    return 0


def run_explain(args, out):
    from .explain import explain_text
    from .report import summary

    _check_paths(args)
    fmt = {"md": "markdown", "tex": "latex"}.get(args.format, args.format)
    name, layers = args.name, list(args.layers)
    if name is not None and any(getattr(args, o, None) is not None for o in ("spec", "spec_file", "python")):
        # with --spec, --spec-file or --python the positionals are all layers
        name, layers = None, [name, *layers]
    s = summary(load_network(args, name), _input(args), no_bias=args.no_bias)
    out.write(explain_text(s, layers or None, fmt) + "\n")
    return 0


def run_check(args, out):
    from .grading import check_command

    return check_command(args, out)


def run_exercise(args, out):
    from .exercise import exercise_command

    return exercise_command(args, out)


#: the longest error message printed, and the width of a spec excerpt around its caret
MAX_MESSAGE = 1000
EXCERPT_WIDTH = 120


def _clip(text, n):
    """``text`` cut to ``n`` characters, with … where it was cut (a message echoes the user's input, which
    may be megabytes long)."""
    return text if len(text) <= n else text[: n - 1] + "…"


def _window(lines):
    """A spec excerpt (the text, and a caret line under the offending token) cut to a window around the
    caret, the same columns from both lines."""
    if len(lines) != 2 or len(lines[0]) <= EXCERPT_WIDTH:
        return [_clip(line, EXCERPT_WIDTH) for line in lines]
    text, marks = lines
    at = len(marks) - len(marks.lstrip())
    start = max(0, min(at - EXCERPT_WIDTH // 3, len(text) - EXCERPT_WIDTH))
    end = start + EXCERPT_WIDTH
    left = "…" if start else ""
    right = "…" if end < len(text) else ""
    marks = marks[start:end]
    return [left + text[start:end] + right, " " * len(left) + marks.rstrip()]


class _Discard:
    """Where messages go when stderr is closed."""

    def write(self, text):
        return len(text)

    def flush(self):
        pass


def _safe_write(stream, text):
    try:
        stream.write(text)
        stream.flush()
    except (OSError, ValueError):
        pass


#: the errors of writing the output that are the environment's, not a bug: no space (a full disk, /dev/full),
#: a bad or closed descriptor, a quota, an I/O error
_OUTPUT_ERRNOS = {28, 9, 122, 5, 27}


def main(argv=None, out=None, err=None):
    """Run the command line; returns the exit status (0 fine, 1 a check failed, 2 a user error)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    out = out or sys.stdout
    # (a closed stderr, `2>&-`: the status still says what happened)
    err = err or sys.stderr or _Discard()
    debug = "--debug" in argv
    thresholds = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD, *thresholds[1:])
    try:
        if out is None:
            raise ConfigError("cannot write the output: standard output is closed", "shapecalc")
        if argv and argv[0] in SUBCOMMANDS:
            command = argv[0]
            args = parse_args(command, argv[1:])
            status = {"list": run_list, "compare": run_compare, "check": run_check, "explain": run_explain,
                      "exercise": run_exercise}[command](args, out)
        else:
            args = parse_args("", argv)
            if args.version:
                from . import __version__

                out.write(f"shapecalc {__version__}\n")
                return 0
            # "is None": an empty --spec "" is an error to report, not a request for the help text
            if all(v is None for v in (args.name, args.spec, args.spec_file, args.python)):
                build_parser().print_help(out)
                return 2
            status = run_model(args, out)
        # (a full disk or a closed descriptor shows when the output is flushed: here, not at exit)
        out.flush()
        return status
    except BrokenPipeError:
        return 0
    except OSError as exc:
        if not isinstance(exc, (BrokenPipeError, FileNotFoundError, PermissionError)) and exc.errno in _OUTPUT_ERRNOS:
            _safe_write(err, f"shapecalc: error: cannot write the output: {exc.strerror or exc}\n")
            return 2
        if debug:
            raise
        _safe_write(err, f"shapecalc: internal error: {type(exc).__name__}: {' '.join(str(exc).split())} "
                    "(a bug in shapecalc, please report it; --debug shows the traceback)\n")
        return 3
    except ShapecalcError as exc:
        if debug:
            raise
        err.write(f"shapecalc: error: {_clip(' '.join(str(exc).split()), MAX_MESSAGE)}\n")
        for line in _window(list(getattr(exc, "excerpt", ()))):
            # a spec error shows the offending text and a caret under the token
            err.write(f"  {line}\n")
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - the last guard: a bug still prints one line, never a traceback
        if debug:
            raise
        text = " ".join(str(exc).split())
        err.write(f"shapecalc: internal error: {type(exc).__name__}: {text} "
                  f"(a bug in shapecalc, please report it; --debug shows the traceback)\n")
        return 3
    finally:
        gc.set_threshold(*thresholds)


if __name__ == "__main__":
    sys.exit(main())


def main_entry():
    """Console-script and ``python -m shapecalc`` entry point: run main(), then end the process (see end)."""
    before = set(sys.modules)
    end(main(), before)


def shutdown_needed(before):
    """Why this process still needs Python's shutdown (a short reason), or None. ``before``: the names in
    ``sys.modules`` before the command ran. The shutdown runs atexit callbacks (coverage, matplotlib,
    ``weakref.finalize``, a benchmark's probe), joins threads, and lets finalizers flush what code left open;
    a profiler or tracer (cProfile, pyinstrument, a debugger) reports after the program ends. Code that is
    neither shapecalc nor the standard library (user code from ``--python``, which a file path runs without
    a name in ``sys.modules``; torch, numpy) may count on its finalizers, so running any keeps the shutdown."""
    import atexit

    if sys.getprofile() is not None or sys.gettrace() is not None:
        return "a profiler or tracer is active"
    # _ncallbacks is CPython's; elsewhere, assume a callback
    if getattr(atexit, "_ncallbacks", lambda: 1)():
        return "an atexit callback is registered"
    specfiles = sys.modules.get("shapecalc.specfiles")
    if specfiles is not None and specfiles.ran_user_code:
        return "the command ran user code (--python)"
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        return "another thread runs"
    # in sorted order, so that the reason names the same module every time (a set's order changes with
    # each process's string hashing)
    for name in sorted(sys.modules.keys() - before):
        top = name.partition(".")[0]
        if top != "shapecalc" and top not in sys.stdlib_module_names:
            return f"the command imported {name}"
    return None


def end(status, before):
    """End the process with ``status``; without Python's shutdown where nothing needs it (see
    shutdown_needed), as mypy's command line does. The shutdown frees every module, class and row one by
    one: for ``shapecalc torchvision.resnet50 --table`` it cost more than building, walking and printing
    the network (benchmarks/README.md). The output is flushed first; a reader that has gone away (``| head``)
    loses what it did not read either way."""
    for stream in (sys.stdout, sys.stderr):
        if stream is None:
            continue
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 - a reader gone, a full disk (main has said so): what is left goes
            # nowhere, so that the interpreter's own last flush neither fails nor changes the status
            try:
                null = os.open(os.devnull, os.O_WRONLY)
                os.dup2(null, stream.fileno())
            except (OSError, ValueError):
                pass
    if shutdown_needed(before):
        sys.exit(status)
    os._exit(status)
