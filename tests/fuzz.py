"""Fuzz shapecalc with random inputs and report every exception outside the ShapecalcError family.

    python tests/fuzz.py --count 100000            # all targets, in turn
    python tests/fuzz.py --count 5000 --only spec  # one target: cli, api, spec, file, structured, submission
    python tests/fuzz.py --count 100000 --seed 7 --report fuzz-report.txt

A standalone script, run by hand outside CI (pytest collects only ``test_*.py``; importing this module
runs nothing). Each input is one call: the command line (``main()``), ``summary()`` on randomly built
layers, ``parse_spec()`` on mutated and random text, ``load_spec_file()`` on random bytes,
``build_structured()`` on random JSON-like data, and ``check()`` of the homework checker on mutated and
random submissions. A call may succeed or raise a ShapecalcError; anything else — another exception, a
command line that exits with status 3 or prints more than its one line of error — is a finding, grouped by
exception type and source line, with the first input that caused it. An input still running after
``--hang`` seconds is stopped and listed apart (slow, not wrong). The exit status is 1 when there is any
finding.
"""

import argparse
import io
import json
import os
import random
import signal
import sys
import tempfile
import time
import traceback
from collections import Counter

TARGETS = ("cli", "api", "spec", "file", "structured", "submission")


class Hang(BaseException):
    """An input ran longer than --hang seconds (a BaseException: no ``except Exception`` of the code under
    test, the command line's last guard included, swallows it)."""


class CliError(Exception):
    """The command line reported a user error properly (exit 2, one line): counted with the family."""


def _alarm(signum, frame):
    raise Hang("ran longer than the time limit")


# ---------------------------------------------------------------------------------------------------------
# random values: mostly plausible, often wrong

SMALL = [1, 2, 3, 4, 5, 7, 8, 16, 32, 64]
WILD = [0, -1, -7, 10**12, 10**12 + 1, 10**30, 2**63, 0.5, 2.0, float("nan"), float("inf"), True, False, None,
        "", "3", "x", "same", "valid", "３", "٣", "\x00", "1e3", [], [3], [3, 3], [3, 3, 3], (0, 1), {}, {"a": 1},
        b"\xff", -0.0, 1j]
NAMES = [None, None, None, "a", "conv1", "x.y", "", " a", "name with space", 5, "ü"]


#: how often value() picks a plausible value; set per input so that some inputs are entirely plausible
PLAUSIBLE = [0.8]


def value(rng, good=None):
    """A value for a layer argument: one of ``good`` (plausible) most of the time, else a wild one."""
    if good is not None and rng.random() < PLAUSIBLE[0]:
        return rng.choice(good)
    return rng.choice(WILD)


def text_piece(rng):
    pieces = ["x", "×", "X", "*", ",", " ", "(", ")", "[", "]", "-", "+", ".", "e", "H", "W", "_", "\t", "\n",
              "0", "1", "3", "9", "39", "224", "١", "３", "½", "\x00", "é", "→", "|", ";", ":", "=", "#", '"']
    return "".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))


def shape_text(rng):
    r = rng.random()
    if r < 0.5:
        return "x".join(str(rng.choice(SMALL + [1, 13, 39, 224])) for _ in range(rng.choice((1, 3, 3, 3, 2, 4))))
    if r < 0.7:
        return "x".join(str(value(rng, SMALL)) for _ in range(3))
    return text_piece(rng)


# ---------------------------------------------------------------------------------------------------------
# layers and networks, built from random arguments

def random_layer(rng, depth=0):
    import shapecalc.layers as L

    k = rng.randrange(22 if depth < 2 else 18)
    name = rng.choice(NAMES)
    pad = ["same", "valid", 0, 1, 2, (1, 0)]
    if k == 0:
        return L.Conv2d(value(rng, SMALL), value(rng, [1, 2, 3, 5, (1, 3)]), stride=value(rng, [1, 1, 2]),
                        padding=value(rng, pad), dilation=value(rng, [1, 1, 2]), groups=value(rng, [1, 1, 2]),
                        bias=value(rng, [True, False]), name=name)
    if k == 1:
        return L.MaxPool2d(value(rng, [2, 3]), stride=value(rng, [None, 1, 2]), padding=value(rng, [0, 1]),
                           ceil_mode=value(rng, [False, True]), name=name)
    if k == 2:
        return L.AvgPool2d(value(rng, [2, 3]), stride=value(rng, [None, 1, 2]), padding=value(rng, [0, 1]),
                           ceil_mode=value(rng, [False, True]), name=name)
    if k == 3:
        return L.ReLU(name=name)
    if k == 4:
        return L.BatchNorm(eps=value(rng, [1e-5, 1e-3]), momentum=value(rng, [0.1, None]), name=name)
    if k == 5:
        return L.Flatten(name=name)
    if k == 6:
        return L.Linear(value(rng, SMALL), bias=value(rng, [True, False]), name=name)
    if k == 7:
        return L.GlobalAvgPool(keepdims=value(rng, [False, True]), name=name)
    if k == 8:
        return L.AdaptiveAvgPool2d(value(rng, [1, 2, (2, 3), 7]), name=name)
    if k == 9:
        return L.Dropout(value(rng, [0.0, 0.5]), name=name)
    if k == 10:
        return L.LocalResponseNorm(value(rng, [3, 5]), alpha=value(rng, [1e-4]), name=name)
    if k == 11:
        return L.SparseConv2d(value(rng, [[(0,), (0, 1)], [(0, 1, 2)], [[0], [1]]]), value(rng, [1, 3, 5]), name=name)
    if k == 12:
        return L.Subsampling(value(rng, [2]), name=name)
    if k == 13:
        return L.ChannelPadShortcut(value(rng, SMALL), stride=value(rng, [1, 2]), name=name)
    if k == 14:
        return L.RBF(value(rng, [10, 84]), name=name)
    if k == 15:
        return L.Softmax(name=name)
    if k == 16:
        return L.Input(*[value(rng, SMALL) for _ in range(rng.choice((1, 3)))], name=name)
    if k == 17:
        return L.GlobalMaxPool(name=name)
    if k in (18, 19):
        branches = [random_chain(rng, depth + 1, 3) for _ in range(rng.choice((1, 2, 2, 3)))]
        return L.Branches(*branches, merge=value(rng, ["concat", "add"]), name=name)
    if k == 20:
        short = None if rng.random() < 0.5 else random_chain(rng, depth + 1, 2)
        return L.Residual(random_chain(rng, depth + 1, 3), shortcut=short, post=[L.ReLU()], name=name)
    return L.SideHead(*random_chain(rng, depth + 1, 3), name=name)


def random_chain(rng, depth=0, longest=6):
    return [random_layer(rng, depth) for _ in range(rng.randint(1, longest))]


def random_input(rng):
    r = rng.random()
    if r < 0.6:
        return (rng.randint(1, 64), rng.randint(1, 64), rng.choice((1, 2, 3, 4, 16)))
    if r < 0.7:
        return (rng.randint(1, 512),)
    if r < 0.78:
        # symbolic mode: letters for some sizes
        return tuple(rng.choice(["H", "W", "C", "N", rng.randint(1, 64)]) for _ in range(rng.choice((1, 3, 3))))
    if r < 0.88:
        return shape_text(rng)
    return value(rng, [(28, 28, 1)])


def grown_chain(rng, shape):
    """A chain that analyses: random layers, each kept only if the chain still fits ``shape``."""
    import shapecalc
    from shapecalc.errors import ShapecalcError

    chain = []
    for _ in range(rng.randint(1, 10)):
        try:
            layer = random_layer(rng)
            shapecalc.summary(chain + [layer], shape)
        except ShapecalcError:
            continue
        chain.append(layer)
    return chain


def call_api(rng):
    import shapecalc

    shape = random_input(rng)
    r = rng.random()
    if r < 0.4 and isinstance(shape, tuple):
        PLAUSIBLE[0] = 1.0
        model = grown_chain(rng, shape)
        PLAUSIBLE[0] = rng.choice((0.8, 0.97, 1.0))
    elif r < 0.9:
        model = random_chain(rng)
    else:
        model = rng.choice(["cnn-39x31", "lenet5", "nope", 5, None])
    s = shapecalc.summary(model, shape, batch=value(rng, [1, 1, 2, 8]), no_bias=rng.random() < 0.2,
                          strict=rng.random() < 0.2, dtype=value(rng, ["float32", "float16", "int8"]),
                          convention=value(rng, ["macs", "flops", "connections"]),
                          freeze=value(rng, [None, None, "conv1", "relu1", "nope"]))
    s.totals
    s.table(depth=value(rng, [None, None, 1, 2]), format=value(rng, ["text", "text", "csv", "json", "github"]),
            channels_first=rng.random() < 0.3)
    return s


# ---------------------------------------------------------------------------------------------------------
# spec text

SEED_SPECS = [
    "input 39x31x1 | conv 20 k4 | maxpool 2 | conv 40 k3 | maxpool 2 | conv 60 k3 | maxpool 2 | conv 80 k2"
    " | flatten | dense 100 | softmax",
    "network tiny \"a tiny net\"\ninput 28x28x1\nconv1: conv 6 k5 p2\nrelu\nmaxpool 2\nflatten\ndense 10",
    "input 28x28x192 | branches( conv 64 k1 ; conv 96 k1 | conv 128 k3 p1 ; conv 16 k1 | conv 32 k5 p2 ;"
    " maxpool 3 s1 p1 | conv 32 k1 ) concat",
    "input 56x56x64 | residual( conv 64 k3 same | bn | relu | conv 64 k3 same | bn ) post( relu )",
    "input 32x32x3 | conv 16 k3 s2 same nobias | bn | relu | side( gap | dense 10 ) loss_weight=0.3 | gap | fc 10",
    "input 8x8x4 | conv 8 k1x3 p0 d2 g2 | maxpool 2 ceil | avgpool 2 s1 count_include_pad=off | lrn 5 | dropout 0.5",
    "input 32x32x1 | sparseconv [[0], [0, 1]] k5 | subsampling 2 | rbf 10",
    "input 784 | dense 300 | tanh | dense 10 | sigmoid",
]
WORDS = ["input", "network", "conv", "maxpool", "avgpool", "dense", "flatten", "relu", "bn", "gap", "fc", "pool",
         "branches(", "residual(", "shortcut(", "post(", "side(", "block(", ")", ";", "|", "\n", "concat", "add",
         "k3", "k0", "s2", "s0", "p1", "p-1", "d2", "g2", "k1x7", "same", "valid", "nobias", "ceil", "=", ":", "#",
         "20", "0", "-3", "1e3", "2.5", "99999999999999999999", "39x31x1", "39x", "x31x1", "3x3x0", "[[0],[1]]",
         "[", "]", "[[", '"', '"text"', "name=", "loss_weight=0.3", "kernel=3", "stride=(2,2)", "rbf", "lrn",
         "sparseconv", "dropout", "1.5", "on", "off", "\x00", "٣", "→", "\t", "((", "))", "note", "source"]


def mutate(rng, text):
    """Delete, duplicate, insert or replace a few characters or words of ``text``."""
    chars = list(text)
    for _ in range(rng.choice((0, 1, 1, 1, 2, 3))):
        op = rng.random()
        at = rng.randrange(len(chars) + 1)
        if op < 0.3 and chars:
            del chars[at:at + rng.randint(1, 6)]
        elif op < 0.5:
            chars[at:at] = list(" " + rng.choice(WORDS) + " ")
        elif op < 0.7:
            chars[at:at] = list(text_piece(rng))
        elif op < 0.85 and chars:
            chars[at:at] = chars[max(0, at - 10):at]
        elif chars:
            chars[min(at, len(chars) - 1)] = chr(rng.choice((rng.randrange(32, 127), rng.randrange(0, 0x3000))))
    return "".join(chars)


def spec_text(rng):
    r = rng.random()
    if r < 0.6:
        return mutate(rng, rng.choice(SEED_SPECS))
    if r < 0.9:
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 20)))
    return "".join(chr(rng.randrange(0, 0x800)) for _ in range(rng.randint(0, 60)))


def call_spec(rng):
    from shapecalc.spec import parse_spec

    import shapecalc

    net = parse_spec(spec_text(rng))
    return shapecalc.summary(net).table()


# ---------------------------------------------------------------------------------------------------------
# files: random bytes, mutated JSON and TOML

def file_bytes(rng, ext):
    r = rng.random()
    if r < 0.2:
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 80)))
    if r < 0.3:
        return b"" if rng.random() < 0.5 else b"\xef\xbb\xbf"
    if ext == ".json":
        data = {"name": "n", "input": value(rng, ["28x28x1", [28, 28, 1]]),
                "layers": [value(rng, ["conv 6 k5", "relu", {"kind": "maxpool", "kernel": 2}]) for _ in range(3)]}
        text = json.dumps(data, default=str)
    elif ext == ".toml":
        text = f'name = "n"\ninput = "{shape_text(rng)}"\nlayers = ["conv 6 k5", {{ kind = "maxpool", kernel = 2 }}]\n'
    else:
        text = rng.choice(SEED_SPECS)
    return mutate(rng, text).encode("utf-8", "surrogatepass") if rng.random() < 0.8 else text.encode()


def call_file(rng, folder):
    from shapecalc.spec import load_spec_file

    import shapecalc

    ext = rng.choice([".txt", ".json", ".toml", "", ".spec"])
    path = os.path.join(folder, "spec" + ext)
    with open(path, "wb") as f:
        f.write(file_bytes(rng, ext))
    return shapecalc.summary(load_spec_file(path)).table()


def random_structure(rng, depth=0):
    r = rng.random()
    if depth > 3 or r < 0.4:
        return value(rng, ["conv 8 k3", "relu", "maxpool 2", "28x28x1", 3, "concat", "flatten", "dense 10"])
    if r < 0.7:
        return [random_structure(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    keys = ["kind", "name", "kernel", "filters", "stride", "padding", "layers", "branches", "merge", "body",
            "shortcut", "post", "units", "input", "spec", "type", "loss_weight", "bogus"]
    table = {rng.choice(keys): random_structure(rng, depth + 1) for _ in range(rng.randint(0, 4))}
    if rng.random() < 0.7:
        table["kind"] = rng.choice(["conv", "maxpool", "branches", "residual", "block", "side", "dense", "bogus",
                                    "input", "relu"])
    return table


def call_structured(rng):
    from shapecalc.spec import build_structured

    import shapecalc

    data = {"name": "fuzz", "input": value(rng, ["28x28x1", [28, 28, 1], "784"]),
            "layers": [random_structure(rng) for _ in range(rng.randint(0, 5))]}
    if rng.random() < 0.2:
        data = random_structure(rng)
    return shapecalc.summary(build_structured(data)).table()


# ---------------------------------------------------------------------------------------------------------
# the command line

ZOO_SMALL = ["cnn-39x31", "single-5x5", "inception-3a", "residual-module", "lenet5", "alexnet", "nope", "vgg16",
             "torchvision.resnet18", "resnet50", "googlenet"]


def cli_argv(rng, folder):
    r = rng.random()
    if r < 0.08:
        return ["list"] + rng.choice([[], ["--format", str(value(rng, ["json", "csv", "text", "github"]))],
                                      ["--bogus"]])
    if r < 0.14:
        path = os.path.join(folder, "cli-sub" + rng.choice([".csv", ".md"]))
        with open(path, "w", encoding="utf-8", errors="surrogatepass") as f:
            f.write(mutate(rng, rng.choice(SUBMISSION_SEEDS)))
        return ["check", path, "--model", rng.choice(ZOO_SMALL)] + rng.choice(
            [[], ["--no-bias"], ["--tolerance", str(value(rng, ["0.01", "1%", "2", "x"]))],
             ["--format", str(value(rng, ["json", "csv"]))], ["--input", shape_text(rng)]])
    if r < 0.2:
        argv = ["compare", rng.choice(ZOO_SMALL), rng.choice(ZOO_SMALL)]
    elif r < 0.3:
        argv = ["--spec", spec_text(rng)]
    elif r < 0.35:
        path = os.path.join(folder, "cli" + rng.choice([".txt", ".json", ".toml"]))
        with open(path, "wb") as f:
            f.write(file_bytes(rng, os.path.splitext(path)[1]))
        argv = ["--spec-file", path]
    else:
        argv = [rng.choice(ZOO_SMALL)]
    options = [
        ["--input", shape_text(rng)], ["--batch", str(value(rng, [1, 2, 64]))], ["--depth", str(value(rng, [1, 2]))],
        ["--format", value(rng, ["text", "json", "csv", "github", "latex", "nope"])], ["--no-bias"], ["--strict"],
        ["--dtype", value(rng, ["float32", "int8", "float8"])], ["--channels-first"],
        ["--convention", value(rng, ["macs", "flops", "connections", "fvcore", "x"])],
        ["--shortcut", value(rng, ["A", "B", "C", "D"])], ["--freeze", value(rng, ["conv1", "nope", "relu1"])],
        ["--rf"], ["--export-spec"], ["--table"], [text_piece(rng)], ["--subs", "H=224,W=224"], ["--constraints"],
        ["--input", rng.choice(["HxWx3", "Hx31x1", "HxHx1", "HxWxC", "N", "Hx", "H1xW2x3"])],
        ["--subs", rng.choice(["H=39", "H=39,W=31", "H=0", "H=x", "Q=3", "H=10000000000000", "", "H=3,H=4"])],
        ["--valid-inputs", "--range", rng.choice(["1:64", "20:40", "5:1", "0:3", "x", "1:100000000000"])],
        ["--valid-inputs", "--exact", "--range", "1:128"],
    ]
    for _ in range(rng.randint(0, 3)):
        argv += [str(a) for a in rng.choice(options)]
    return argv


def call_cli(rng, folder):
    from shapecalc.cli import main

    argv = cli_argv(rng, folder)
    out, err = io.StringIO(), io.StringIO()
    try:
        code = main(argv, out=out, err=err)
    except SystemExit:  # --help and friends
        return None
    text = err.getvalue()
    lines = text.splitlines()
    # a user error is one line (a spec error may add its excerpt: the line and a caret, indented)
    one_line = code != 2 or (lines and lines[0].startswith("shapecalc: error: ")
                             and all(line.startswith("  ") for line in lines[1:]))
    if code == 3 or not one_line or "Traceback" in text:
        # a bug: run it again with --debug to get the exception itself
        main(argv + ["--debug"], out=io.StringIO(), err=io.StringIO())
        raise AssertionError(f"exit {code} with stderr {text!r}")
    if code == 2:
        raise CliError(lines[0])
    return code


# ---------------------------------------------------------------------------------------------------------
# the homework checker's submission reader (if it is there)

SUBMISSION_SEEDS = [
    "layer,output,params,macs\nconv1,36x28x20,340,342720\npool1,18x14x20,0,0\n",
    "| layer | output | params |\n|---|---|---|\n| conv1 | 36×28×20 | 340 |\n",
    "layer\toutput\tparams\nconv1\t36x28x20\t340\n",
]


def submission_reader():
    """``check(model, path)`` of shapecalc.check (reads the table, then checks every cell), or None."""
    try:
        from shapecalc.check import check
    except ImportError:
        return None
    return check


def call_submission(rng, folder, reader):
    if rng.random() < 0.7:
        text = mutate(rng, rng.choice(SUBMISSION_SEEDS))
    else:
        text = "".join(rng.choice([",", "\t", "|", "\n", "-", "x", "1", "22", "conv1", " ", '"', "١", "\x00"])
                       for _ in range(rng.randint(0, 40)))
    path = os.path.join(folder, "sub" + rng.choice([".csv", ".tsv", ".md", ".txt"]))
    with open(path, "wb") as f:
        f.write(text.encode("utf-8", "surrogatepass") if rng.random() < 0.9 else bytes(rng.randrange(256) for _ in range(30)))
    report = reader(rng.choice(["cnn-39x31", "cnn-39x31", "lenet5", "single-5x5"]), path,
                    no_bias=rng.random() < 0.3, tolerance=value(rng, [0, 0, 0.01]))
    return report.text(format=rng.choice(["text", "json", "csv", "github"]))


# ---------------------------------------------------------------------------------------------------------


def where(exc):
    frames = traceback.extract_tb(exc.__traceback__)
    frames = [f for f in frames if "shapecalc" in f.filename and not f.filename.endswith("fuzz.py")] or frames
    f = frames[-1] if frames else None
    return f"{os.path.relpath(f.filename)}:{f.lineno} in {f.name}" if f else "?"


def attempt(target, rng, folder, reader, hang):
    """Run one generated input; returns the exception it raised, or None."""
    result = None
    signal.setitimer(signal.ITIMER_REAL, hang)
    try:
        try:
            if target == "cli":
                call_cli(rng, folder)
            elif target == "api":
                call_api(rng)
            elif target == "spec":
                call_spec(rng)
            elif target == "file":
                call_file(rng, folder)
            elif target == "structured":
                call_structured(rng)
            else:
                call_submission(rng, folder, reader)
        except (Exception, Hang) as exc:  # noqa: BLE001 - sorted by the caller: the family, or a finding
            result = exc
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except Hang as exc:
        # the alarm went off during a long C-level step and was delivered in a handler above
        result = exc
    return result


def run(count, seed, only, hang, report):
    from shapecalc.errors import ShapecalcError

    rng = random.Random(seed)
    reader = submission_reader()
    targets = [t for t in (only or TARGETS) if t != "submission" or reader is not None]
    skipped = [t for t in (only or TARGETS) if t not in targets]
    counts, raised, findings, examples, slow = Counter(), Counter(), Counter(), {}, []
    signal.signal(signal.SIGALRM, _alarm)
    start = time.time()
    with tempfile.TemporaryDirectory() as folder:
        for i in range(count):
            target = targets[i % len(targets)]
            case_rng = random.Random(rng.getrandbits(64))
            counts[target] += 1
            PLAUSIBLE[0] = case_rng.choice((0.8, 0.97, 1.0))
            exc = attempt(target, case_rng, folder, reader, hang)
            if isinstance(exc, (ShapecalcError, CliError)):
                raised[target] += 1
                if not str(exc).strip():
                    key = (target, "empty message", type(exc).__name__, where(exc))
                    findings[key] += 1
                    examples.setdefault(key, i)
            elif isinstance(exc, Hang):
                slow.append((i, target, where(exc)))
            elif exc is not None:
                key = (target, type(exc).__name__, " ".join(str(exc).split())[:100], where(exc))
                findings[key] += 1
                examples.setdefault(key, i)
            if report and (i + 1) % 10000 == 0:
                print(f"  {i + 1:,} inputs, {time.time() - start:.0f} s, {sum(findings.values())} findings",
                      file=sys.stderr, flush=True)
    elapsed = time.time() - start
    lines = [f"shapecalc fuzz: {count:,} inputs, seed {seed}, {elapsed:.1f} s "
             f"({count / elapsed:,.0f} inputs/s)"]
    fine = {t: counts[t] - raised[t] - sum(n for k, n in findings.items() if k[0] == t)
            - sum(1 for _, target, _ in slow if target == t) for t in targets}
    for t in targets:
        lines.append(f"  {t:<11} {counts[t]:>8,} inputs, {raised[t]:>8,} ShapecalcError, "
                     f"{fine[t]:>8,} fine")
    for t in skipped:
        lines.append(f"  {t:<11} skipped (no submission reader in shapecalc.check yet)")
    total = sum(findings.values())
    lines.append(f"inputs slower than {hang:g} s (stopped; not errors, listed to look at): {len(slow)}")
    for i, target, place in slow[:20]:
        lines.append(f"  input #{i} [{target}] stopped at {place}")
    lines.append(f"exceptions outside the ShapecalcError family: {total}")
    for key, n in findings.most_common():
        lines.append(f"  {n:>6} × [{key[0]}] {key[1]}: {key[2]} at {key[3]} (first at input #{examples[key]})")
    return "\n".join(lines), total


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10000, help="number of generated inputs (default 10,000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0: reproducible)")
    parser.add_argument("--only", help=f"comma-separated targets among {', '.join(TARGETS)}")
    parser.add_argument("--hang", type=float, default=60.0,
                        help="seconds after which an input is stopped and listed as slow (default 60)")
    parser.add_argument("--report", metavar="FILE", help="also write the summary to FILE")
    args = parser.parse_args(argv)
    only = [t.strip() for t in args.only.split(",")] if args.only else None
    if only and any(t not in TARGETS for t in only):
        parser.error(f"--only takes {', '.join(TARGETS)}")
    text, total = run(args.count, args.seed, only, args.hang, True)
    print(text)
    if args.report:
        with open(args.report, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
