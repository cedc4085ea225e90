"""The corpus of bad inputs: each raises one ShapecalcError subclass whose message names the numbers.

Nothing else may escape: ``pytest.raises(ShapecalcError)`` lets any other exception fail the test. The
command-line cases check the exit status 2, a single line on stderr and no traceback.
"""

import io
import os
import subprocess
import sys

import pytest

import shapecalc
import shapecalc.layers as L
from shapecalc.cli import main
from shapecalc.errors import (
    ConfigError,
    DivisibilityError,
    ShapecalcError,
    ShapeError,
    SpecError,
    SubmissionError,
    UnknownLayerError,
    UnknownModelError,
)
from shapecalc.shapes import parse_shape

LIMIT = "1,000,000,000,000"  # shapes.MAX_SIZE = 10**12, printed with separators


def _summary(model, input=None, **kw):
    return lambda: shapecalc.summary(model, input, **kw)


# ---------------------------------------------------------------------------------------------------------
# layer arguments: refused when the layer is built, before any shape is known

LAYER_ARGUMENTS = {
    "conv-zero-filters": (lambda: L.Conv2d(0, 3), "filters must be a whole number ≥ 1, received 0"),
    "conv-negative-filters": (lambda: L.Conv2d(-3, 3), "received -3"),
    "conv-float-filters": (lambda: L.Conv2d(2.0, 3), "received 2.0"),
    "conv-bool-filters": (lambda: L.Conv2d(True, 3), "filters must be a whole number ≥ 1, received True"),
    "conv-text-filters": (lambda: L.Conv2d("3", 3), "received '3'"),
    "conv-huge-filters": (lambda: L.Conv2d(10**13, 3), f"filters 10000000000000 is larger than the limit {LIMIT}"),
    "conv-zero-kernel": (lambda: L.Conv2d(2, 0), "kernel must be at least 1, received 0"),
    "conv-float-kernel": (lambda: L.Conv2d(2, 3.5), "kernel must be a whole number or a pair of them, received 3.5"),
    "conv-bool-kernel": (lambda: L.Conv2d(2, True), "kernel must be a whole number or a pair of them, received True"),
    "conv-3d-kernel": (lambda: L.Conv2d(2, (3, 3, 3)), "received (3, 3, 3)"),
    "conv-huge-kernel": (lambda: L.Conv2d(2, 10**13), f"kernel 10000000000000 is larger than the limit {LIMIT}"),
    "conv-zero-stride": (lambda: L.Conv2d(2, 3, stride=0), "stride must be at least 1, received 0"),
    "conv-negative-stride": (lambda: L.Conv2d(2, 3, stride=(1, -2)), "stride must be at least 1, received (1, -2)"),
    "conv-zero-dilation": (lambda: L.Conv2d(2, 3, dilation=0), "dilation must be at least 1, received 0"),
    "conv-negative-padding": (lambda: L.Conv2d(2, 3, padding=-1), "padding must be at least 0, received -1"),
    "conv-unknown-padding": (lambda: L.Conv2d(2, 3, padding="full"), "'valid' or 'same', received 'full'"),
    "conv-zero-groups": (lambda: L.Conv2d(2, 3, groups=0), "groups must be a whole number ≥ 1, received 0"),
    "conv-groups-filters": (lambda: L.Conv2d(3, 3, groups=2), "groups 2 must divide the 3 filters (remainder 1)"),
    "conv-text-bias": (lambda: L.Conv2d(2, 3, bias="no"), "bias must be True or False, received 'no'"),
    "conv-dotted-name": (lambda: L.Conv2d(2, 3, name="a.b"), "without dots, received 'a.b'"),
    "pool-padding-over-half": (lambda: L.MaxPool2d(2, padding=2), "padding 2 must be at most half the window 2"),
    "pool-ceil-same": (lambda: L.MaxPool2d(2, padding="same", ceil_mode=True), "ceil_mode cannot be combined"),
    "pool-text-ceil": (lambda: L.MaxPool2d(2, ceil_mode="yes"), "ceil_mode must be True or False, received 'yes'"),
    "avgpool-text-include-pad": (lambda: L.AvgPool2d(2, count_include_pad="False"),
                                 "count_include_pad must be True or False, received 'False'"),
    "dropout-one": (lambda: L.Dropout(1.0), "must be in [0, 1), received 1.0"),
    "dropout-nan": (lambda: L.Dropout(float("nan")), "received nan"),
    "dropout-negative": (lambda: L.Dropout(-0.1), "received -0.1"),
    "batchnorm-zero-eps": (lambda: L.BatchNorm(eps=0), "eps must be greater than 0, received 0"),
    "batchnorm-text-eps": (lambda: L.BatchNorm(eps="1e-5"), "eps must be a finite number, received '1e-5'"),
    "batchnorm-inf-momentum": (lambda: L.BatchNorm(momentum=float("inf")), "momentum must be a finite number, received inf"),
    "lrn-zero-size": (lambda: L.LocalResponseNorm(size=0), "size must be a whole number ≥ 1, received 0"),
    "lrn-text-alpha": (lambda: L.LocalResponseNorm(alpha="x"), "alpha must be a finite number, received 'x'"),
    "dense-zero-units": (lambda: L.Linear(0), "units must be a whole number ≥ 1, received 0"),
    "dense-float-units": (lambda: L.Linear(2.5), "received 2.5"),
    "rbf-text-trainable": (lambda: L.RBF(10, trainable="no"), "trainable must be True or False, received 'no'"),
    "sparse-empty-row": (lambda: L.SparseConv2d([[0], []], 5), "table row 1 must be a non-empty list"),
    "sparse-repeated-map": (lambda: L.SparseConv2d([[0, 0]], 5), "table row 0 names an input map twice: [0, 0]"),
    "sparse-negative-map": (lambda: L.SparseConv2d([[-1]], 5), "received [-1]"),
    "adaptive-zero": (lambda: L.AdaptiveAvgPool2d(0), "output size must be at least 1, received 0"),
    "gap-text-keepdims": (lambda: L.GlobalAvgPool(keepdims="no"), "keepdims must be True or False, received 'no'"),
    "padshortcut-zero": (lambda: L.ChannelPadShortcut(0), "channels must be a whole number ≥ 1, received 0"),
    "branches-one": (lambda: L.Branches([L.ReLU()]), "branches need at least 2 branches, received 1"),
    "branches-unknown-merge": (lambda: L.Branches([L.ReLU()], [L.ReLU()], merge="max"), "received 'max'"),
    "branches-object-merge": (lambda: L.Branches([L.ReLU()], [L.ReLU()], merge=5),
                              "merge must be one of 'concat', 'add', 'mul', received 5"),
    "residual-unknown-merge": (lambda: L.Residual([L.ReLU()], merge="sub"),
                               "merge must be one of 'concat', 'add', 'mul', received 'sub'"),
    "sequential-number": (lambda: L.Sequential(5), "expected a layer, received 5"),
    "sequential-text": (lambda: L.Sequential("conv"), "expected a layer, received 'conv'"),
    "sidehead-empty": (lambda: L.SideHead(), "a side head needs at least one layer"),
    "input-zero": (lambda: L.Input(0, 3, 3), "every input size must be a whole number ≥ 1, received 0"),
    "input-five-sizes": (lambda: L.Input(3, 3, 3, 3, 3), "input expects 3 sizes H, W, C (a map), 2 (L, C: a "
                         "sequence, or tokens N, D), 4 (D, H, W, C: a volume) or one size N, received (3, 3, 3, 3, 3)"),
    "input-garbage-size": (lambda: L.Input("3x", 3, 3), "received '3x'"),
    "network-no-list": (lambda: L.Network("n", None, (3, 3, 3)), "layers must be a list of layers, received NoneType"),
    "network-number-input": (lambda: L.Network("n", [L.ReLU()], 5), "input_shape must be a tuple"),
}


@pytest.mark.parametrize("make, fragment", LAYER_ARGUMENTS.values(), ids=LAYER_ARGUMENTS.keys())
def test_layer_arguments(make, fragment):
    """A bad layer argument is a ConfigError that quotes the value received."""
    with pytest.raises(ShapecalcError) as info:
        make()
    assert type(info.value) is ConfigError
    assert fragment in str(info.value)


# ---------------------------------------------------------------------------------------------------------
# shapes that do not fit, through the Python API

SHAPES = {
    "kernel-larger-than-input": (
        _summary("cnn-39x31", "3x3x1"), ShapeError,
        "conv1: kernel 4×4 is larger than the padded input 3×3 (input 3×3, padding 0): the output would be 0"),
    "kernel-larger-padded": (
        _summary([L.Conv2d(1, 9, padding=1)], (5, 5, 1)), ShapeError,
        "kernel 9×9 is larger than the padded input 7×7 (input 5×5, padding 1)"),
    "dilated-kernel-too-wide": (
        # span D·(F − 1) + 1 = 3 · (3 − 1) + 1 = 7 > 6
        _summary([L.Conv2d(1, 3, dilation=3)], (6, 6, 1)), ShapeError, "dilation 3×3 makes it span 7×7"),
    "pool-on-tiny-map": (
        # (1 − 2)/2 + 1 floors to 0
        _summary([L.MaxPool2d(2)], (1, 1, 4)), ShapeError, "the output would be 0"),
    "groups-input-channels": (
        _summary([L.Conv2d(4, 3, groups=2)], (5, 5, 3)), ShapeError,
        "conv1: groups 2 must divide the 3 input channels (remainder 1)"),
    "concat-spatial-mismatch": (
        _summary([L.Branches([L.Conv2d(2, 3)], [L.Conv2d(2, 1)])], (5, 5, 1)), ShapeError,
        "branches1.concat: concat expects equal spatial sizes; branch 1 gives 3×3, branch 2 gives 5×5"),
    "concat-map-and-vector": (
        # flatten: 5 · 5 · 1 = 25
        _summary([L.Branches([L.Flatten()], [L.ReLU()])], (5, 5, 1)), ShapeError,
        "branch 1 gives 25, branch 2 gives 5×5×1"),
    "add-channel-mismatch": (
        _summary([L.Branches([L.Conv2d(2, 3, padding=1)], [L.Conv2d(3, 1)], merge="add")], (5, 5, 1)), ShapeError,
        "add expects equal shapes; input 1 is 5×5×2, input 2 is 5×5×3"),
    "residual-mismatch": (
        _summary([L.Residual([L.Conv2d(2, 3)])], (5, 5, 1)), ShapeError,
        "residual1.add: add expects equal shapes; input 1 is 3×3×2, input 2 is 5×5×1"),
    "dense-on-map": (
        _summary([L.Dense(3)], (5, 5, 4)), ShapeError, "dense expects a vector, received the feature map 5×5×4"),
    "conv-on-vector-input": (
        _summary([L.Conv2d(3, 1)], (5,)), ShapeError, "received a vector of 5 (a vector comes from a flatten"),
    "gap-after-flatten": (
        _summary([L.Flatten(), L.GlobalAvgPool()], (2, 2, 3)), ShapeError,
        "gap expects a feature map H×W×C, received a vector of 12"),
    "sparse-table-too-wide": (
        _summary([L.SparseConv2d([[0], [5]], 1)], (4, 4, 3)), ShapeError,
        "the connection table names input map 5, but the input has 3 maps"),
    "padshortcut-fewer-channels": (
        _summary([L.ChannelPadShortcut(2)], (5, 5, 4)), ShapeError, "cannot pad 4 channels down to 2"),
    "strict-inexact-pool": (
        # (37 − 2)/2 + 1 = 18.5
        _summary("cnn-39x31", "40x31x1", strict=True), DivisibilityError,
        "pool1: H: 1 of 37 input rows never read by this layer (row 36"),
    "duplicate-names": (
        _summary([L.ReLU(name="a"), L.ReLU(name="a")], (5, 5, 1)), ConfigError,
        "two layers in the same block are both named 'a'"),
    "duplicate-names-in-a-block": (
        _summary([L.Sequential(L.ReLU(name="a"), L.ReLU(name="a"), name="blk")], (5, 5, 1)), ConfigError,
        "blk.a: two layers in the same block are both named 'a'"),
    "residual-body-layer-named-add": (
        # the body's layers are rows of the block, beside its sum
        _summary([L.Residual([L.ReLU(name="add")], name="r")], (5, 5, 1)), ConfigError,
        "r.add: two parts of the same residual block are both named 'add'"),
    "residual-shortcut-named-like-a-body-layer": (
        _summary([L.Residual([L.Conv2d(2, 1, name="p")], shortcut=L.Sequential(L.Conv2d(2, 1), name="p"))],
                 (5, 5, 1)), ConfigError,
        "residual1.p: two parts of the same residual block are both named 'p'"),
    "residual-shortcut-named-like-the-sum": (
        _summary([L.Residual([L.ReLU()], shortcut=L.Sequential(L.ReLU(), name="add"))], (5, 5, 1)), ConfigError,
        "residual1.add: two parts of the same residual block are both named 'add'"),
    "residual-body-and-post-share-a-name": (
        _summary([L.Residual([L.ReLU(name="act")], post=[L.ReLU(name="act")])], (5, 5, 1)), ConfigError,
        "residual1.act: two layers in the same block are both named 'act'"),
    "bare-composite": (
        _summary([L.Composite(name="mine")], (5, 5, 1)), ConfigError,
        "mine: a composite must be a Sequential, Branches, Residual, Graph or SideHead, received Composite"),
    "name-taken-by-generated": (
        # the unnamed relu is called relu1 too
        _summary([L.ReLU(), L.ReLU(name="relu1")], (5, 5, 1)), ConfigError,
        "two layers in the same block are both named 'relu1'"),
    "input-layer-not-first": (
        _summary([L.ReLU(), L.Input(3, 3, 3)], (5, 5, 1)), ConfigError,
        "an input layer can only come first; here it receives 5×5×1"),
}


@pytest.mark.parametrize("make, kind, fragment", SHAPES.values(), ids=SHAPES.keys())
def test_shapes(make, kind, fragment):
    """A network that does not fit its input names the layer path and the sizes."""
    with pytest.raises(ShapecalcError) as info:
        make()
    assert type(info.value) is kind
    assert fragment in str(info.value)


# ---------------------------------------------------------------------------------------------------------
# summary() arguments, input shapes and names

API = {
    "unknown-model": (_summary("alexnett"), UnknownModelError, "alexnett: unknown network"),
    "close-model": (_summary("cnn-39x32"), UnknownModelError, "did you mean cnn-39x31"),
    "model-number": (_summary(5), ConfigError, "a zoo name, a Network or a list of layers, received int"),
    "model-option": (_summary("cnn-39x31", foo=1), ConfigError, "network cnn-39x31 takes no option 'foo'"),
    "shape-trailing-x": (_summary("cnn-39x31", "39x"), ConfigError, "received an empty part in '39x'"),
    "shape-leading-x": (_summary("cnn-39x31", "x31x1"), ConfigError, "received an empty part in 'x31x1'"),
    "shape-zero-channels": (_summary("cnn-39x31", "39x31x0"), ConfigError,
                            "every size must be at least 1, received 0 in '39x31x0'"),
    "shape-exponent": (_summary("cnn-39x31", "1e3x2"), ConfigError, "received '1e3' in '1e3x2'"),
    "shape-unicode-digits": (_summary("cnn-39x31", "３９x31x1"), ConfigError, "received '３９' in '３９x31x1'"),
    "shape-float": (_summary("cnn-39x31", "39x31x1.5"), ConfigError, "received '1.5' in '39x31x1.5'"),
    "shape-empty": (_summary("cnn-39x31", ""), ConfigError, "received an empty string"),
    # (two sizes are a sequence L×C, four a volume D×H×W×C: the first convolution names what it received)
    "shape-four-sizes": (_summary("cnn-39x31", "39x31x1x1"), ShapeError,
                         "conv expects a feature map H×W×C, received a volume 39×31×1×1"),
    "shape-five-sizes": (_summary("cnn-39x31", "39x31x1x1x1"), ConfigError, "received 5 in '39x31x1x1x1'"),
    "shape-huge-text": (_summary("cnn-39x31", "10000000000000x3x1"), ConfigError,
                        f"size 10000000000000 in '10000000000000x3x1' is larger than the limit {LIMIT}"),
    "shape-huge-tuple": (_summary([L.ReLU()], (10**13, 3, 1)), ConfigError,
                         f"size 10000000000000 in (10000000000000, 3, 1) is larger than the limit {LIMIT}"),
    "shape-float-tuple": (_summary("cnn-39x31", (39.0, 31, 1)), ConfigError, "received (39.0, 31, 1)"),
    "shape-bool-tuple": (_summary("cnn-39x31", (True, 31, 1)), ConfigError, "received (True, 31, 1)"),
    "shape-negative-tuple": (_summary("cnn-39x31", (-39, 31, 1)), ConfigError, "received (-39, 31, 1)"),
    "shape-two-sizes": (_summary("cnn-39x31", (39, 31)), ShapeError,
                        "received tokens or a sequence 39×31 (an input of two sizes is a sequence L×C: a map has three"),
    "shape-int": (_summary("cnn-39x31", 39), ConfigError, "received 39"),
    "shape-dict": (_summary("cnn-39x31", {"H": 39}), ConfigError, "received {'H': 39}"),
    "no-default-input": (_summary([L.ReLU()]), ConfigError, "this model has no default input"),
    "batch-zero": (_summary("cnn-39x31", batch=0), ConfigError, "batch must be a whole number ≥ 1, received 0"),
    "batch-float": (_summary("cnn-39x31", batch=1.5), ConfigError, "received 1.5"),
    "batch-bool": (_summary("cnn-39x31", batch=True), ConfigError, "received True"),
    "batch-huge": (_summary("cnn-39x31", batch=10**13), ConfigError,
                   f"batch 10000000000000 is larger than the limit {LIMIT}"),
    "dtype-unknown": (_summary("cnn-39x31", dtype="float8"), ConfigError, "unknown dtype 'float8'"),
    "dtype-list": (_summary("cnn-39x31", dtype=["float32"]), ConfigError, "unknown dtype ['float32']"),
    "convention-unknown": (_summary("cnn-39x31", convention="gops"), ConfigError, "unknown convention 'gops'"),
    "convention-list": (_summary("cnn-39x31", convention=["macs"]), ConfigError, "received ['macs']"),
    "freeze-unknown": (_summary("cnn-39x31", freeze="convv1"), ConfigError, "no layer named 'convv1'; did you mean conv1"),
    "freeze-number": (_summary("cnn-39x31", freeze=3), ConfigError, "freeze expects a layer name such as 'conv3', a pattern such as 'layer1.*', or a list of them, received 3"),
    "depth-zero": (lambda: shapecalc.summary("cnn-39x31").table(depth=0), ConfigError,
                   "depth must be a whole number ≥ 1, received 0"),
    "format-unknown": (lambda: shapecalc.summary("cnn-39x31").table(format="nope"), ConfigError,
                       "unknown table format 'nope'"),
    "row-unknown": (lambda: shapecalc.summary("cnn-39x31")["conv9"], UnknownLayerError, "no layer named 'conv9'"),
    "compare-unknown": (lambda: shapecalc.compare("cnn-39x31", "nope"), UnknownModelError, "nope: unknown network"),
    "kind-ends-in-digit": (lambda: type("Conv3", (L.Layer,), {"kind": "conv3"}), ConfigError,
                           "Conv3: a layer kind must be a word that does not end in a digit, received 'conv3'"),
    "composite-kind-number": (lambda: type("Block", (L.Sequential,), {"kind": 3}), ConfigError,
                              "a layer kind must be a word that does not end in a digit, received 3"),
    "parse-shape-none": (lambda: parse_shape(None), ConfigError, "expected a shape such as 224x224x3, received None"),
}


@pytest.mark.parametrize("make, kind, fragment", API.values(), ids=API.keys())
def test_api(make, kind, fragment):
    """A bad summary() argument is the expected ShapecalcError, quoting the value received."""
    with pytest.raises(ShapecalcError) as info:
        make()
    assert type(info.value) is kind
    assert fragment in str(info.value)


def test_unknown_row_is_also_a_key_error():
    """summary[name] with an unknown name is a KeyError too, as a mapping look-up should be."""
    s = shapecalc.summary("cnn-39x31")
    with pytest.raises(KeyError) as info:
        s["conv9"]
    # the message itself, not KeyError's quoted repr of it
    assert str(info.value).startswith("cnn-39x31: no layer named 'conv9'; did you mean conv")


def test_layers_attribute_import():
    """`from shapecalc import layers` as the first import works (it used to recurse forever)."""
    code = "from shapecalc import layers; print(layers.Conv2d.kind)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-300:]
    assert done.stdout.strip() == "conv"


# ---------------------------------------------------------------------------------------------------------
# the command line: exit status 2, one line on stderr, no traceback

CLI = {
    "unknown-name": (["alexnett"], "alexnett: unknown network"),
    "input-trailing-x": (["cnn-39x31", "--input", "39x"], "--input: expected whole numbers separated by 'x'"),
    "input-leading-x": (["cnn-39x31", "--input", "x31x1"], "received an empty part in 'x31x1'"),
    "input-zero": (["cnn-39x31", "--input", "39x31x0"], "received 0 in '39x31x0'"),
    "input-exponent": (["cnn-39x31", "--input", "1e3x2"], "received '1e3' in '1e3x2'"),
    "input-unicode": (["cnn-39x31", "--input", "٣٩x31x1"], "received '٣٩' in '٣٩x31x1'"),
    "input-negative": (["cnn-39x31", "--input=-39x31x1"], "received '-39' in '-39x31x1'"),
    "input-huge": (["cnn-39x31", "--input", "100000000000000x3x1"], f"is larger than the limit {LIMIT}"),
    "input-too-small": (["cnn-39x31", "--input", "3x3x1"], "conv1: kernel 4×4 is larger than the padded input 3×3"),
    "input-vector": (["cnn-39x31", "--input", "5"], "conv1: conv expects a feature map H×W×C, received a vector of 5"),
    "batch-zero": (["cnn-39x31", "--batch", "0"], "--batch: batch must be a whole number ≥ 1, received 0"),
    "batch-text": (["cnn-39x31", "--batch", "x"], "argument --batch: invalid int value: 'x'"),
    "batch-huge": (["cnn-39x31", "--batch", "99999999999999999999"], "batch 99999999999999999999 is larger than"),
    "depth-negative": (["cnn-39x31", "--depth", "-1"], "depth must be a whole number ≥ 1, received -1"),
    "format-unknown": (["cnn-39x31", "--format", "nope"], "unknown table format 'nope'"),
    "dtype-unknown": (["cnn-39x31", "--dtype", "float8"], "unknown dtype 'float8'"),
    "convention-unknown": (["cnn-39x31", "--convention", "x"], "unknown convention 'x'"),
    "freeze-unknown": (["cnn-39x31", "--freeze", "nope"], "--freeze: no layer named 'nope'"),
    "shortcut-not-resnet": (["cnn-39x31", "--shortcut", "A"], "network cnn-39x31 takes no option 'shortcut'"),
    "shortcut-unknown": (["cnn-39x31", "--shortcut", "D"], "invalid choice: 'D'"),
    "strict": (["cnn-39x31", "--strict", "--input", "40x31x1"], "(37 − 2)/2 + 1 = 18.5 is not whole, floored to 18"),
    "unknown-option": (["cnn-39x31", "--bogus"], "unrecognized arguments: --bogus"),
    "two-sources": (["cnn-39x31", "--spec", "input 3x3x1"], "name exactly one network"),
    "list-unknown-option": (["list", "--bogus"], "unrecognized arguments: --bogus"),
    "compare-one-name": (["compare", "cnn-39x31"], "the following arguments are required: b"),
    "compare-unknown": (["compare", "cnn-39x31", "nope"], "nope: unknown network"),
    "check-no-file": (["check"], "the following arguments are required: submission"),
    "range-alone": (["cnn-39x31", "--range", "1:5"], "--range applies with --valid-inputs only"),
    "exact-alone": (["cnn-39x31", "--exact"], "--exact applies with --valid-inputs only"),
    "device-alone": (["cnn-39x31", "--device", "cpu"], "--device applies with --verify only"),
    "range-reversed": (["cnn-39x31", "--valid-inputs", "--range", "5:1"], "expected 1 ≤ LO ≤ HI, received 5:1"),
    "subs-numeric": (["cnn-39x31", "--subs", "H=3"], "--subs needs a symbolic input"),
    "subs-zero": (["cnn-39x31", "--input", "HxWx1", "--subs", "H=0,W=31"], "H must be at least 1, received 0"),
    "python-module-object": (["--python", "os:path"], "os:path is a module, not a Network"),
    "check-bad-tolerance": (["check", "x.csv", "--model", "cnn-39x31", "--tolerance", "nan"],
                            "the tolerance must be between 0 and 1, received 'nan'"),
}


def _run(argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("argv, fragment", CLI.values(), ids=CLI.keys())
def test_cli(argv, fragment):
    """A bad command line exits 2 with one line on stderr naming the numbers, and prints nothing else."""
    code, out, err = _run(argv)
    assert code == 2
    assert out == ""
    assert err.startswith("shapecalc: error: ") and err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    assert fragment in err


@pytest.mark.parametrize("argv", [CLI["unknown-name"][0], CLI["input-zero"][0], CLI["batch-text"][0]])
def test_cli_debug_raises(argv):
    """--debug lets the ShapecalcError through, so that Python prints its traceback."""
    with pytest.raises(ShapecalcError):
        _run(argv + ["--debug"])


def _shapecalc(*argv):
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    return subprocess.run([sys.executable, "-m", "shapecalc", *argv], capture_output=True, text=True, timeout=60,
                          env=env)


def test_cli_process_one_line():
    """As a process: exit status 2, one line on stderr, no traceback."""
    done = _shapecalc("cnn-39x31", "--input", "39x31x0")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == "shapecalc: error: --input: every size must be at least 1, received 0 in '39x31x0'\n"


def test_cli_process_debug_traceback():
    """As a process with --debug: the traceback is shown, ending with the same message."""
    done = _shapecalc("cnn-39x31", "--input", "39x31x0", "--debug")
    assert done.returncode == 1
    assert "Traceback (most recent call last)" in done.stderr
    assert done.stderr.rstrip().endswith(
        "shapecalc.errors.ConfigError: --input: every size must be at least 1, received 0 in '39x31x0'")


def test_cli_internal_error_is_one_line(monkeypatch):
    """A bug (an exception outside the family) still prints one line, exit status 3, no traceback."""
    import shapecalc.report

    def broken(*args, **kwargs):
        raise ZeroDivisionError("integer division or modulo by zero")

    monkeypatch.setattr(shapecalc.report, "summary", broken)
    code, out, err = _run(["cnn-39x31"])
    assert code == 3
    assert err == ("shapecalc: internal error: ZeroDivisionError: integer division or modulo by zero "
                   "(a bug in shapecalc, please report it; --debug shows the traceback)\n")
    with pytest.raises(ZeroDivisionError):
        _run(["cnn-39x31", "--debug"])


def test_help_says_python_imports_code():
    """--help warns that --python imports and runs user code, and that spec files are read as data."""
    from shapecalc.cli import build_parser

    text = " ".join(build_parser().format_help().split())
    assert "IMPORTS AND RUNS Python module MODULE" in text
    assert "the only option that executes user code" in text
    assert "read as data" in text


def test_huge_adaptive_pool_is_instant():
    """AdaptiveAvgPool2d to 10^12 cells answers at once (a loop over the cells used to hang)."""
    s = shapecalc.summary([L.AdaptiveAvgPool2d(10**12)], (7, 7, 3))
    row = s.rows[-1]
    assert row.output_shape == (10**12, 10**12, 3)
    # 7 = 0 · 10^12 + 7 and 7 does not divide 10^12: windows of 1 and 2 inputs, the widest 2
    assert row.receptive_field == (2, 2)


def test_compare_and_sweep_stay_functions():
    """shapecalc.compare and shapecalc.sweep stay callable after their modules are imported (the CLI does)."""
    code = ("import io, shapecalc\n"
            "from shapecalc.cli import main\n"
            "main(['compare', 'cnn-39x31', 'single-5x5'], out=io.StringIO())\n"
            "import shapecalc.sweeps, shapecalc.comparison\n"
            "shapecalc.compare('cnn-39x31', 'single-5x5')\n"
            "shapecalc.compare('cnn-39x31', 'single-5x5')\n"
            "print(callable(shapecalc.compare), callable(shapecalc.sweep))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-300:]
    assert done.stdout.split() == ["True", "True"]


def test_empty_spec_is_an_error():
    """--spec "" is reported as an empty spec (it used to print the help), and NAME "" as an unknown name."""
    code, out, err = _run(["--spec", ""])
    assert (code, out) == (2, "")
    assert err.startswith("shapecalc: error: --spec: the spec has no layers")
    code, out, err = _run([""])
    assert (code, out) == (2, "")
    assert "unknown network" in err


# ---------------------------------------------------------------------------------------------------------
# specs: parsed as data; a mistake is a SpecError with the column, or the layer's own error on analysis

SPECS = {
    "spec-empty": ("", SpecError, "the spec has no layers"),
    "spec-comment-only": ("   # only a comment", SpecError, "the spec has no layers"),
    "spec-no-input": ("conv 20 k4", SpecError, "the spec gives no input shape"),
    "spec-unknown-kind": ("input 8x8x3 | convv 4 k3", SpecError, "column 15: unknown layer kind 'convv'; did you mean conv, dwconv, conv3d?"),
    "spec-trailing-x": ("input 39x | conv 20 k4", SpecError, "received an empty part in '39x'"),
    "spec-leading-x": ("input x31x1 | relu", SpecError, "received an empty part in 'x31x1'"),
    "spec-zero-channels": ("input 39x31x0 | relu", SpecError, "every size must be at least 1, received 0 in '39x31x0'"),
    "spec-exponent": ("input 1e3x2 | relu", SpecError, "received '1e3' in '1e3x2'"),
    "spec-unicode-shape": ("input ３９x31x1 | relu", SpecError, "received '３９' in '３９x31x1'"),
    "spec-unicode-filters": ("input 8x8x3 | conv ３ k3", SpecError, "conv: cannot read '３'"),
    "spec-unicode-kernel": ("input 8x8x3 | conv 3 k٣", SpecError, "conv: cannot read 'k٣'"),
    "spec-negative-filters": ("input 39x31x1 | conv -20 k4", SpecError,
                              "conv: filters must be a whole number ≥ 1, received -20"),
    "spec-float-filters": ("input 8x8x3 | conv 2.5 k3", SpecError, "received 2.5"),
    "spec-zero-kernel": ("input 39x31x1 | conv 20 k0", SpecError, "conv: kernel must be at least 1, received 0"),
    "spec-zero-stride": ("input 39x31x1 | conv 20 k4 s0", SpecError, "conv: stride must be at least 1, received 0"),
    "spec-zero-dilation": ("input 39x31x1 | conv 20 k4 d0", SpecError, "dilation must be at least 1, received 0"),
    "spec-groups-filters": ("input 39x31x1 | conv 20 k4 g3", SpecError, "groups 3 must divide the 20 filters (remainder 2)"),
    "spec-kernel-twice": ("input 39x31x1 | conv 20 k4 k5", SpecError, "column 28: conv: kernel is given twice"),
    "spec-huge-filters": ("input 8x8x3 | conv 10000000000000 k1", SpecError,
                          f"filters 10000000000000 is larger than the limit {LIMIT}"),
    "spec-5000-digits": ("input 8x8x3 | conv " + "9" * 5000 + " k1", SpecError,
                         "a number of 5,000 digits is far beyond any size"),
    "spec-pool-padding": ("input 8x8x3 | maxpool 2 p2", SpecError, "padding 2 must be at most half the window 2"),
    "spec-dropout": ("input 8x8x3 | dropout 1.5", SpecError, "must be in [0, 1), received 1.5"),
    "spec-one-branch": ("input 8x8x3 | branches( conv 4 k1 )", SpecError, "needs at least 2 branches"),
    "spec-open-paren": ("input 8x8x3 | conv 4 k3 (", SpecError, "column 25: unexpected '('"),
    "spec-close-paren": ("input 8x8x3 | conv 4 k3 )", SpecError, "unexpected ')' (no '(' opened it)"),
    "spec-unclosed-list": ("input 8x8x3 | sparseconv [[0], [1 k3", SpecError, "unclosed '['"),
    "spec-nul": ("input 8x8x3 | relu \x00", SpecError, "relu: cannot read '\\x00'"),
    "spec-unterminated-text": ('network "unterminated | input 8x8x3', SpecError, "unexpected character '\"'"),
    "spec-control-in-text": ('network "a\tb" | input 3x3x1 | relu', SpecError, "Invalid control character"),
    "spec-bad-escape": ('note "\\u12" | input 3x3x1 | relu', SpecError, "Invalid \\uXXXX escape"),
    # a quoted layer or merge name goes through the same reader as a quoted value (found by hypothesis)
    "spec-control-char-name": ('input 3x3x1 | "a\x00": relu', SpecError,
                               "cannot read the quoted text \"a\x00\": Invalid control character"),
    "spec-control-char-merge-name": ('input 3x3x1 | branches( relu ; relu ) "m\x01": concat', SpecError,
                                     "cannot read the quoted text \"m\x01\": Invalid control character"),
    "spec-kernel-too-big": ("input 39x31x1 | conv 20 k99", ShapeError,
                            "conv1: kernel 99×99 is larger than the padded input 39×31 (input 39×31, padding 0)"),
    "spec-concat-mismatch": ("input 8x8x3 | branches( conv 4 k3 ; conv 4 k1 ) concat", ShapeError,
                             "branch 1 gives 6×6, branch 2 gives 8×8"),
    "spec-add-mismatch": ("input 8x8x3 | branches( conv 4 k1 ; conv 5 k1 ) add", ShapeError,
                          "input 1 is 8×8×4, input 2 is 8×8×5"),
    "spec-residual-mismatch": ("input 8x8x3 | residual( conv 4 k3 p1 )", ShapeError,
                               "input 1 is 8×8×4, input 2 is 8×8×3"),
    "spec-groups-input": ("input 8x8x3 | conv 4 k3 groups=2", ShapeError,
                          "groups 2 must divide the 3 input channels (remainder 1)"),
    "spec-sparse-table": ("input 8x8x3 | sparseconv [[0], [7]] k3", ShapeError, "names input map 7, but the input has 3"),
    "spec-conv-after-gap": ("input 8x8x3 | gap | conv 4 k1", ShapeError, "received a vector of 3"),
    "spec-duplicate-names": ("input 8x8x3 | conv1: conv 4 k3 | conv1: conv 4 k3", ConfigError, "both named 'conv1'"),
}


@pytest.mark.parametrize("text, kind, fragment", SPECS.values(), ids=SPECS.keys())
def test_specs(text, kind, fragment):
    """A bad text spec is a SpecError with its column (or, once parsed, the layer's own error)."""
    from shapecalc.spec import parse_spec

    with pytest.raises(ShapecalcError) as info:
        shapecalc.summary(parse_spec(text))
    assert type(info.value) is kind
    assert fragment in str(info.value)


SPEC_FILES = {
    "empty.txt": (b"", "the spec has no layers"),
    "bom-only.txt": (b"\xef\xbb\xbf", "the spec has no layers"),
    "binary.txt": (bytes(range(256)), "the spec file is not UTF-8 text"),
    "latin1.txt": ("input 8x8x3 | relu # café".encode("latin-1"), "the spec file is not UTF-8 text"),
    "nul.txt": (b"input 8x8x3\x00 | relu", "column 7: expected whole numbers separated by 'x' (e.g. 224x224x3), "
                                          "received '3\\x00' in '8x8x3\\x00'"),
    "empty.json": (b"", "not valid JSON"),
    "list.json": (b"[1, 2, 3]", "expected a table of name, input and layers, received list"),
    "no-input.json": (b'{"layers": ["relu"]}', "no input shape"),
    "no-layers.json": (b'{"input": "8x8x3"}', "no layers"),
    "unknown-key.json": (b'{"input": "8x8x3", "layers": [], "colour": 1}', "unknown key 'colour'"),
    "bad-input.json": (b'{"input": [8, 8, 0], "layers": ["relu"]}', "received 0 in '8x8x0'"),
    "bad-layer.json": (b'{"input": "8x8x3", "layers": [{"kind": "conv", "filters": 4, "kernel": 0}]}',
                       "kernel must be at least 1, received 0"),
    "unknown-kind.json": (b'{"input": "8x8x3", "layers": [{"kind": "convolution3d"}]}',
                          "unknown layer kind 'convolution3d'"),
    "bad.toml": (b"input = [8, 8", "not valid TOML"),
}


@pytest.mark.parametrize("name", SPEC_FILES, ids=SPEC_FILES.keys())
def test_spec_files(tmp_path, name):
    """A bad spec file (empty, binary, not UTF-8, malformed JSON/TOML, missing keys) is a SpecError."""
    from shapecalc.spec import load_spec_file

    data, fragment = SPEC_FILES[name]
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ShapecalcError) as info:
        shapecalc.summary(load_spec_file(str(path)))
    assert type(info.value) is SpecError
    assert fragment in str(info.value)


def test_spec_file_missing(tmp_path):
    """A spec file that is not there is a SpecError naming the path."""
    from shapecalc.spec import load_spec_file

    with pytest.raises(SpecError) as info:
        load_spec_file(str(tmp_path / "nope.txt"))
    assert "nope.txt: cannot read the spec file: No such file or directory" in str(info.value)


# ---------------------------------------------------------------------------------------------------------
# homework submissions: read as data

SUBMISSIONS = {
    "empty.csv": (b"", "the submission is empty"),
    "bom-only.csv": (b"\xef\xbb\xbf", "the submission is empty"),
    "blank.csv": (b"\n\n  \n", "the submission is empty"),
    "comments.csv": (b"# nothing here\n", "the submission is empty"),
    "binary.csv": (bytes(range(256)), "no column to check"),
    "no-columns.csv": (b"layer,colour\nconv1,red\n", "the header ('layer', 'colour') names none of output, params"),
    "header-only.csv": (b"layer,output,params\n", "the table has a header but no rows"),
    "header-only.md": (b"| layer | params |\n|---|---|\n", "the table has a header but no rows"),
}


@pytest.mark.parametrize("name", SUBMISSIONS, ids=SUBMISSIONS.keys())
def test_submissions(tmp_path, name):
    """An unreadable submission (empty, binary, no checkable column, no rows) is a SubmissionError."""
    from shapecalc.check import check

    data, fragment = SUBMISSIONS[name]
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ShapecalcError) as info:
        check("cnn-39x31", str(path))
    assert type(info.value) is SubmissionError
    assert fragment in str(info.value)


def test_submission_missing_file(tmp_path):
    """A submission that is not there is a SubmissionError naming the path."""
    from shapecalc.check import check

    with pytest.raises(SubmissionError) as info:
        check("cnn-39x31", str(tmp_path / "nope.csv"))
    assert "nope.csv: cannot read the submission: No such file or directory" in str(info.value)


@pytest.mark.parametrize("tolerance", ["x", [0.1], float("nan"), 1, -0.5, True])
def test_submission_tolerance(tmp_path, tolerance):
    """check(tolerance=…) must be a number in [0, 1): a text used to be repeated millions of times."""
    from shapecalc.check import check

    path = tmp_path / "ok.csv"
    path.write_text("layer,params\nconv1,340\n")
    with pytest.raises(ConfigError) as info:
        check("cnn-39x31", str(path), tolerance=tolerance)
    assert f"received {tolerance!r}" in str(info.value)


def test_submission_long_count_is_exact():
    """A 30-digit count is read exactly (decimal's default 28 digits rounded it to another number)."""
    from shapecalc.check import parse_count

    assert parse_count("1" * 30) == (int("1" * 30), 0)


def test_submission_huge_count(tmp_path):
    """A 5,000-digit count is marked wrong, shown by its digit count (int-to-text stops at 4,300 digits)."""
    from shapecalc.check import check

    path = tmp_path / "huge.csv"
    path.write_text("layer,output,params\nconv1,36x28x20," + "9" * 5000 + "\n")
    text = check("cnn-39x31", str(path)).text()
    # conv1 of cnn-39x31: 4 · 4 · 1 · 20 weights + 20 biases
    assert f"a 5,000-digit number → {4 * 4 * 1 * 20 + 20}" in text


def test_shape_with_5000_digits():
    """A 5,000-digit size is refused by its length (int() would raise ValueError past 4,300 digits)."""
    with pytest.raises(ConfigError) as info:
        parse_shape("9" * 5000 + "x1x1")
    assert "a size of 5,000 digits in '999" in str(info.value)
    assert f"is larger than the limit {LIMIT}" in str(info.value)


CLI_FILES = {
    "spec-file-binary": ("spec.txt", bytes(range(256)), ["--spec-file"], "the spec file is not UTF-8 text"),
    "spec-file-empty": ("spec.json", b"", ["--spec-file"], "not valid JSON"),
    "check-empty": ("sub.csv", b"", ["check", "--model", "cnn-39x31"], "the submission is empty"),
    "check-no-columns": ("sub.csv", b"layer,colour\nconv1,red\n", ["check", "--model", "cnn-39x31"],
                         "no column to check"),
    "check-bad-tolerance": ("sub.csv", b"layer,params\nconv1,340\n",
                            ["check", "--model", "cnn-39x31", "--tolerance", "2"],
                            "the tolerance must be between 0 and 1, received '2'"),
}


@pytest.mark.parametrize("name", CLI_FILES, ids=CLI_FILES.keys())
def test_cli_files(tmp_path, name):
    """Bad files on the command line: exit 2 and one line on stderr."""
    filename, data, argv, fragment = CLI_FILES[name]
    path = tmp_path / filename
    path.write_bytes(data)
    argv = argv + [str(path)] if argv[0] != "check" else ["check", str(path)] + argv[1:]
    code, out, err = _run(argv)
    assert code == 2
    lines = err.splitlines()
    assert lines[0].startswith("shapecalc: error: ") and "Traceback" not in err
    # a spec error may add its excerpt (the line and a caret), indented
    assert all(line.startswith("  ") for line in lines[1:])
    assert fragment in lines[0]


@pytest.mark.parametrize("layer, kind", [(L.ChannelPadShortcut(8), "padshortcut"),
                                         (L.SparseConv2d([[0], [1]], 3), "sparseconv")])
def test_symbolic_channels_refused(layer, kind):
    """A letter for the channels reaching a channel check is a ConfigError (it was a sympy TypeError)."""
    with pytest.raises(ShapecalcError) as info:
        shapecalc.summary([layer], ("H", "W", "C"))
    assert type(info.value) is ConfigError
    assert f"{kind}1: {kind} needs a whole-number channel count, received C" in str(info.value)


def test_symbolic_branch_fields_that_no_comparison_decides():
    """Branches whose receptive fields depend on H (an adaptive pool) analyse symbolically (was a TypeError)."""
    s = shapecalc.summary([L.Branches([L.AdaptiveAvgPool2d(7)], [L.MaxPool2d(3, stride=1, padding=1)])],
                          ("H", "W", 3))
    from shapecalc.symbolic import substitute

    # the concatenation holds at 7×7 only: adaptive windows of 7/7 = 1 input, the max-pool's of 3
    assert substitute(s, "H=7,W=7").rows[-1].receptive_field == (3, 3)
