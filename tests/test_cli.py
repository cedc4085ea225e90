"""The command line: tables, formats, compare, list, and one-line errors with exit status 2."""

import csv
import io
import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shapecalc.cli import main

from tests import strategies


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_table_cnn_39x31():
    """The default table lists every layer with shape, params and MACs, then the totals."""
    code, out, err = run("cnn-39x31", "--table")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "cnn-39x31 — input 39×31×1, batch 1"
    conv1 = next(line for line in lines if line.startswith("conv1"))
    assert "36×28×20" in conv1 and f"{4 * 4 * 20 + 20:,}" in conv1 and f"{36 * 28 * 20 * 16:,}" in conv1
    dense = next(line for line in lines if line.startswith("dense"))
    assert f"{160 * 100 + 100:,}" in dense
    total = 340 + (9 * 20 * 40 + 40) + (9 * 40 * 60 + 60) + (4 * 60 * 80 + 80) + 16100
    assert f"params: {total:,} (trainable {total:,}, non-trainable 0)" in out


def test_no_bias_rows():
    """--no-bias: the conv rows read 320, 7,200, 21,600 and 19,200 as in the course table."""
    code, out, _ = run("cnn-39x31", "--no-bias", "--format", "csv")
    rows = {r["layer"]: r for r in csv.DictReader(io.StringIO(out))}
    assert [int(rows[n]["params"]) for n in ("conv1", "conv2", "conv3", "conv4")] == [320, 7200, 21600, 19200]


def test_json_format_is_parseable():
    """--format json prints the documented structure."""
    code, out, _ = run("inception-3a", "--format", "json")
    data = json.loads(out)
    assert data["layers"][-1]["name"] == "inception3a.concat"
    assert data["layers"][-1]["output_shape"] == [28, 28, 64 + 128 + 32 + 32]


def test_tabulate_formats():
    """Any tabulate format works (github pipes here)."""
    code, out, _ = run("cnn-39x31", "--format", "github")
    assert code == 0 and "| conv1 " in out


def test_channels_first():
    """--channels-first prints C×H×W."""
    _, out, _ = run("cnn-39x31", "--channels-first")
    assert "20×36×28" in out


def test_depth_and_batch():
    """--depth 1 folds the block; --batch multiplies MACs."""
    _, out, _ = run("inception-3a", "--depth", "1")
    assert "inception3a.branch1" not in out and "inception3a " in out
    _, out1, _ = run("cnn-39x31", "--format", "json")
    _, out4, _ = run("cnn-39x31", "--format", "json", "--batch", "4")
    assert json.loads(out4)["totals"]["macs"] == 4 * json.loads(out1)["totals"]["macs"]


def test_compare_bottleneck_saves_ten_times():
    """compare prints both totals and the ratio: the bottleneck saves ~9.7× of the MACs."""
    code, out, _ = run("compare", "conv5x5-28x28x192", "bottleneck-28x28x192")
    assert code == 0
    macs = next(line for line in out.splitlines() if line.startswith("macs"))
    direct = 28 * 28 * 32 * (5 * 5 * 192)
    reduced = 28 * 28 * 16 * 192 + 28 * 28 * 32 * (5 * 5 * 16)
    assert f"{direct:,}" in macs and f"{reduced:,}" in macs and f"{direct / reduced:.2f}×" in macs


def test_compare_stacked_3x3_vs_7x7():
    """Three 3×3 convs and one 7×7 see 7×7; the stack needs 27C² vs 49C² weights."""
    _, out, _ = run("compare", "stack-3x3", "single-7x7")
    params = next(line for line in out.splitlines() if line.startswith("params"))
    assert f"{3 * (9 * 64 * 64 + 64):,}" in params and f"{49 * 64 * 64 + 64:,}" in params
    rf = next(line for line in out.splitlines() if line.startswith("receptive field"))
    assert rf.count("7×7") == 2


def test_list_shows_every_network():
    """`shapecalc list` names every network with its default input."""
    from shapecalc import zoo

    _, out, _ = run("list")
    for name in zoo.ENTRIES:
        assert name in out
    assert "39×31×1" in out


def test_typo_suggests_closest():
    """cnn-39x30 is unknown: the error suggests cnn-39x31, on one line, exit 2."""
    code, out, err = run("cnn-39x30")
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert "cnn-39x30: unknown network; did you mean cnn-39x31?" in err


def test_errors_are_one_line_exit_2():
    """A shape error prints one line on stderr and exits 2."""
    code, _, err = run("cnn-39x31", "--input", "5x5x1")
    assert code == 2 and err.count("\n") == 1
    assert "conv2: kernel 3×3 is larger than the padded input 1×1 (input 1×1, padding 0)" in err


def test_strict_makes_warning_an_error():
    """--strict turns the warning into an error: a 2×2/2 pool on 37 rows never reads row 36."""
    code, _, err = run("cnn-39x31", "--input", "40x40x1", "--strict")
    assert code == 2 and "pool1: H: 1 of 37 input rows never read by this layer (row 36" in err
    assert "(37 − 2)/2 + 1 = 18.5 is not whole, floored to 18" in err


def test_bad_option_value_is_one_line():
    """argparse errors are ShapecalcErrors too: one line, exit 2."""
    code, _, err = run("cnn-39x31", "--batch", "two")
    assert code == 2 and err.startswith("shapecalc: error: ") and err.count("\n") == 1


def test_freeze_unknown_layer_suggests():
    """--freeze with a misspelt name suggests the real one."""
    code, _, err = run("cnn-39x31", "--freeze", "conv9")
    assert code == 2 and "did you mean" in err


def test_module_entry_point_runs():
    """`python -m shapecalc NAME` works as a process and exits 0."""
    proc = subprocess.run([sys.executable, "-m", "shapecalc", "cnn-39x31", "--table"], capture_output=True, text=True)
    assert proc.returncode == 0 and "conv4" in proc.stdout and proc.stderr == ""


def test_process_error_has_no_traceback():
    """A failing process prints no traceback."""
    proc = subprocess.run([sys.executable, "-m", "shapecalc", "nosuchnet"], capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1


@settings(max_examples=400)
@given(command=st.sampled_from(["", "compare", "list", "check"]), argv=strategies.command_lines)
def test_plain_reader_agrees_with_argparse(command, argv):
    """Where the argparse-free reader reads a command line, argparse reads the same options from it."""
    from shapecalc.cli import _argparse_parser, _read_plain

    mine = _read_plain(command, argv)
    if mine is None:
        return  # argparse's case: help, errors, abbreviations …
    assert vars(mine) == vars(_argparse_parser(command).parse_args(argv))


def test_plain_reader_reads_the_usual_command_lines():
    """The everyday command lines are read without argparse; help, abbreviations and errors go to argparse."""
    from shapecalc.cli import _read_plain

    args = _read_plain("", ["alexnet", "--table", "--batch", "8", "--input=227x227x3", "--no-bias"])
    assert (args.name, args.table, args.batch, args.input, args.no_bias, args.depth) == (
        "alexnet", True, 8, "227x227x3", True, None)
    assert _read_plain("compare", ["vgg-a", "vgg-e", "--format", "json"]).b == "vgg-e"
    for argv in (["-h"], ["alexnet", "--tab"], ["alexnet", "--batch", "x"], ["alexnet", "--shortcut", "D"],
                 ["alexnet", "vgg-a"], ["alexnet", "--depth"], ["alexnet", "--table=1"], ["--", "alexnet"]):
        assert _read_plain("", argv) is None, argv


@pytest.mark.parametrize("format", ["text", "json"])
def test_process_prints_all_of_it(format):
    """`python -m shapecalc` prints what main() writes in process, to the last byte (the JSON: 4 pipes' worth)."""
    _, expected, _ = run("torchvision.resnet152", "--table", "--format", format)
    proc = subprocess.run([sys.executable, "-m", "shapecalc", "torchvision.resnet152", "--table", "--format", format],
                          capture_output=True, text=True)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, expected, "")


# A process that ends through cli.end() with a witness whose finalizer writes "finalized": Python's shutdown
# runs it, the fast exit does not. It writes shutdown_needed()'s reason on stderr first. argv: setup code to
# run first, and the exit status.
_WITNESS = """
import atexit, os, sys
# (a clean slate: a site .pth hook or sitecustomize may have registered callbacks before this line; end()'s
# decision is tested on the state each case sets up)
atexit._clear()
import shapecalc.cli as cli
class Witness:
    def __del__(self, write=os.write):
        write(1, b"finalized")
witness = Witness()
before = set(sys.modules)
exec(sys.argv[1])
os.write(2, str(cli.shutdown_needed(before)).encode())
cli.end(int(sys.argv[2]), before)
"""


@pytest.mark.parametrize("setup, reason", [
    ("pass", "None"),
    ("import shapecalc.report, json, csv", "None"),  # shapecalc and the standard library need no shutdown
    ("import atexit; atexit.register(int)", "an atexit callback is registered"),
    ("import threading, time; threading.Thread(target=time.sleep, args=(0.2,)).start()", "another thread runs"),
    ("import cProfile; cProfile.Profile().enable()", "a profiler or tracer is active"),
    # neither shapecalc nor the standard library (hypothesis brings _hypothesis_globals, which sorts first)
    ("import hypothesis", "the command imported _hypothesis_globals"),
    ("import shapecalc.specfiles as s; s.ran_user_code = True", "the command ran user code (--python)"),
])
def test_end_keeps_the_shutdown_only_where_needed(setup, reason):
    """end() skips Python's shutdown unless an atexit callback, a thread, a profiler or foreign code needs it."""
    proc = subprocess.run([sys.executable, "-c", _WITNESS, setup, "7"], capture_output=True, text=True)
    assert proc.returncode == 7 and proc.stderr.startswith(reason)
    assert proc.stdout == ("" if reason == "None" else "finalized")


@pytest.mark.parametrize("form", ["module", "file"])
def test_python_option_keeps_the_shutdown(tmp_path, form):
    """A --python module's file left open is still flushed when the command ends (the shutdown runs for it)."""
    (tmp_path / "mynet.py").write_text(
        "log = open('log.txt', 'w')\n"
        "log.write('imported')\n"  # buffered, never closed: only the shutdown's finalizer writes it out
        "from shapecalc.layers import Conv2d, Input\n"
        "net = [Input(8, 8, 1), Conv2d(4, 3)]\n")
    target = "mynet:net" if form == "module" else str(tmp_path / "mynet.py") + ":net"
    proc = subprocess.run([sys.executable, "-m", "shapecalc", "--python", target, "--table"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "log.txt").read_text() == "imported"
