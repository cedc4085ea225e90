"""ONNX files read as shapecalc networks (shapecalc/from_onnx.py).

Two kinds of test:

- small graphs built here with ``onnx.helper``, each figure written out as the arithmetic it is
  (asymmetric pads, ``auto_pad``, ``ceil_mode``, groups, folded shape arithmetic, an operator no rule
  describes);
- torchvision's classifiers exported by ``torch.onnx.export`` (PyTorch's TorchScript exporter,
  ``dynamo=False``: it runs offline and writes each node's module path into its name), read back and held
  against torchvision's own parameter counts (``tests/data/torchvision_weights.json``), the sizes of the
  file's initializers, the MACs of the zoo's twin and the sizes ``onnx.shape_inference`` gives every tensor.

A representative set runs by default; ``SHAPECALC_ALL_ONNX=1`` runs every classifier of the weights file.
"""

import contextlib
import io
import json
import os
import pathlib
import sys
import warnings

import pytest

if os.environ.get("SHAPECALC_REQUIRE_ONNX") == "1":
    # (CI installs onnx and onnxscript: the ONNX tests are mandatory there)
    import numpy as np
    import onnx
else:
    onnx = pytest.importorskip("onnx")
    np = pytest.importorskip("numpy")

from onnx import TensorProto, helper, numpy_helper  # noqa: E402

import shapecalc  # noqa: E402
from shapecalc.errors import ConfigError, ShapeError  # noqa: E402
from shapecalc.from_onnx import onnx_graph, read_onnx  # noqa: E402

META = json.loads((pathlib.Path(__file__).resolve().parent / "data" / "torchvision_weights.json").read_text())


# ---------------------------------------------------------------------------------------------------------
# hand-made graphs


def _init(name, *dims, value=None):
    """An initializer of shape ``dims`` (its values: ``value`` or 0.5 everywhere)."""
    arr = np.full(dims, 0.5, dtype=np.float32) if value is None else np.asarray(value, dtype=np.float32)
    return numpy_helper.from_array(arr, name)


def _save(tmp_path, nodes, x_dims, inits=(), opset=17, name="m.onnx", output="y"):
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_dims)],
                              [helper.make_tensor_value_info(output, TensorProto.FLOAT, None)], list(inits))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    path = tmp_path / name
    onnx.save(model, str(path))
    return path


def _summary(path, **kw):
    return shapecalc.summary(read_onnx(path, **kw))


def _rows(s):
    return {r.path: r for r in s.all_rows}


def test_conv_with_asymmetric_pads(tmp_path):
    # pads [top, left, bottom, right] = [0, 1, 2, 0]: 9 + 0 + 2 rows, 9 + 1 + 0 columns
    w = _init("w", 8, 3, 3, 3)
    b = _init("b", 8)
    path = _save(tmp_path, [helper.make_node("Conv", ["x", "w", "b"], ["y"], name="conv", kernel_shape=[3, 3],
                                             strides=[2, 2], pads=[0, 1, 2, 0])], [1, 3, 9, 9], [w, b])
    row = _rows(_summary(path))["conv"]
    h = (9 + 0 + 2 - 3) // 2 + 1
    wd = (9 + 1 + 0 - 3) // 2 + 1
    assert row.output_shape == (h, wd, 8) == (5, 4, 8)
    assert row.layer.pads(row.input_shape) == ((0, 2), (1, 0))
    assert row.params == 3 * 3 * 3 * 8 + 8
    assert row.macs == h * wd * 8 * (3 * 3 * 3)
    assert "pad 0+2×1+0" in row.layer.describe()


@pytest.mark.parametrize("auto_pad, before", [("SAME_UPPER", 0), ("SAME_LOWER", 1)])
def test_auto_pad_same_on_an_odd_size(tmp_path, auto_pad, before):
    # 7 rows, kernel 2, stride 2: ⌈7 / 2⌉ = 4 outputs; the padding (4 − 1)·2 + 2 − 7 = 1 row goes after the map
    # (SAME_UPPER) or before it (SAME_LOWER)
    w = _init("w", 16, 4, 2, 2)
    path = _save(tmp_path, [helper.make_node("Conv", ["x", "w"], ["y"], name="conv", kernel_shape=[2, 2],
                                             strides=[2, 2], auto_pad=auto_pad)], [1, 4, 7, 7], [w])
    row = _rows(_summary(path))["conv"]
    assert row.output_shape == (4, 4, 16)
    assert row.layer.pads(row.input_shape) == ((before, 1 - before), (before, 1 - before))
    assert row.params == 2 * 2 * 4 * 16
    assert row.macs == 4 * 4 * 16 * (2 * 2 * 4)
    inferred = onnx.shape_inference.infer_shapes(onnx.load(str(path)))
    assert [d.dim_value for d in inferred.graph.output[0].type.tensor_type.shape.dim] == [1, 16, 4, 4]


def test_auto_pad_valid_and_dilations(tmp_path):
    w = _init("w", 8, 8, 3, 3)
    path = _save(tmp_path, [helper.make_node("Conv", ["x", "w"], ["y"], name="conv", kernel_shape=[3, 3],
                                             dilations=[2, 2], auto_pad="VALID")], [1, 8, 12, 12], [w])
    row = _rows(_summary(path))["conv"]
    span = 2 * (3 - 1) + 1
    assert row.output_shape == (12 - span + 1, 12 - span + 1, 8) == (8, 8, 8)
    assert row.macs == 8 * 8 * 8 * (3 * 3 * 8)


def test_groups_and_depthwise(tmp_path):
    w1 = _init("w1", 32, 16 // 2, 3, 3)  # group 2: each filter sees 8 of the 16 channels
    w2 = _init("w2", 32, 1, 3, 3)  # group 32 = the channels: depthwise
    nodes = [helper.make_node("Conv", ["x", "w1"], ["t"], name="grouped", kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                              group=2),
             helper.make_node("Conv", ["t", "w2"], ["y"], name="depthwise", kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                              group=32)]
    rows = _rows(_summary(_save(tmp_path, nodes, [1, 16, 10, 10], [w1, w2])))
    assert rows["grouped"].kind == "conv" and rows["grouped"].layer.groups == 2
    assert rows["grouped"].params == 3 * 3 * (16 // 2) * 32
    assert rows["grouped"].macs == 10 * 10 * 32 * (3 * 3 * 16 // 2)
    assert rows["depthwise"].kind == "dwconv"
    assert rows["depthwise"].params == 3 * 3 * 32
    assert rows["depthwise"].macs == 10 * 10 * 32 * (3 * 3)


def test_pools_ceil_mode_and_padding(tmp_path):
    nodes = [helper.make_node("MaxPool", ["x"], ["p"], name="maxpool", kernel_shape=[3, 3], strides=[2, 2],
                              ceil_mode=1),
             helper.make_node("AveragePool", ["p"], ["y"], name="avgpool", kernel_shape=[3, 3], strides=[1, 1],
                              pads=[1, 1, 1, 1], count_include_pad=1)]
    rows = _rows(_summary(_save(tmp_path, nodes, [1, 8, 6, 6])))
    # ⌈(6 − 3) / 2⌉ + 1 = 3 (⌊ ⌋ would give 2: the last window is partial)
    assert rows["maxpool"].output_shape == (3, 3, 8)
    assert rows["maxpool"].layer.ceil_mode
    assert rows["avgpool"].output_shape == ((3 + 2 - 3) // 1 + 1, 3, 8) == (3, 3, 8)
    assert rows["avgpool"].layer.count_include_pad


def test_ceil_mode_window_starting_in_the_padding(tmp_path):
    # 5 rows, kernel 2, stride 2, pad 1 each side, ceil: ⌈(5 + 2 − 2) / 2⌉ + 1 = 4 windows, but the 4th would
    # start at row 6 = 5 + 1, inside the bottom padding: 3. onnx's shape inference says so from opset 22
    nodes = [helper.make_node("MaxPool", ["x"], ["y"], name="pool", kernel_shape=[2, 2], strides=[2, 2],
                              pads=[1, 1, 1, 1], ceil_mode=1)]
    path = _save(tmp_path, nodes, [1, 2, 5, 5], opset=22)
    assert _rows(_summary(path))["pool"].output_shape == (3, 3, 2)
    inferred = onnx.shape_inference.infer_shapes(onnx.load(str(path)))
    assert [d.dim_value for d in inferred.graph.output[0].type.tensor_type.shape.dim] == [1, 2, 3, 3]


def test_dense_head_batchnorm_and_activations(tmp_path):
    inits = [_init("s", 4), _init("bb", 4), _init("m", 4), _init("v", 4), _init("fw", 10, 4 * 3 * 3),
             _init("fb", 10), _init("mw", 10, 6), _init("mb", 6)]
    nodes = [
        helper.make_node("BatchNormalization", ["x", "s", "bb", "m", "v"], ["n"], name="bn"),
        helper.make_node("Clip", ["n", "lo", "hi"], ["r"], name="relu6"),
        helper.make_node("Flatten", ["r"], ["f"], name="flatten", axis=1),
        helper.make_node("Gemm", ["f", "fw", "fb"], ["g"], name="fc", transB=1),
        helper.make_node("Sigmoid", ["g"], ["sg"], name="sig"),
        helper.make_node("Mul", ["g", "sg"], ["si"], name="silu"),
        helper.make_node("MatMul", ["si", "mw"], ["mm"], name="proj"),
        helper.make_node("Add", ["mm", "mb"], ["pa"], name="proj_bias"),
        helper.make_node("Softmax", ["pa"], ["y"], name="softmax", axis=-1),
    ]
    inits += [numpy_helper.from_array(np.array(0.0, np.float32), "lo"),
              numpy_helper.from_array(np.array(6.0, np.float32), "hi")]
    s = _summary(_save(tmp_path, nodes, [1, 4, 3, 3], inits))
    rows = _rows(s)
    assert rows["bn"].params == 4 + 4 and rows["bn"].buffers == 4 + 4  # γ, β; running mean, variance
    assert rows["relu6"].kind == "relusix"
    assert rows["flatten"].output_shape == (4 * 3 * 3,)
    assert rows["fc"].kind == "dense" and rows["fc"].params == 36 * 10 + 10 and rows["fc"].macs == 36 * 10
    assert rows["sig"].kind == "silu"  # x · sigmoid(x): one layer, the Mul folded in
    assert rows["proj"].kind == "dense" and rows["proj"].params == 10 * 6 + 6  # MatMul + Add of a bias
    assert s.totals["params"] == 8 + 370 + 66
    # the Clip's bounds are single-value initializers: constants of the graph, not parameters
    assert s.totals["macs"] == 36 * 10 + 10 * 6


def test_shape_arithmetic_is_folded_away(tmp_path):
    # Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), [-1])): a flatten whose target is computed from the
    # input's own size; the size arithmetic has no rows
    consts = [numpy_helper.from_array(np.array(0, np.int64), "zero"),
              numpy_helper.from_array(np.array([0], np.int64), "axes"),
              numpy_helper.from_array(np.array([-1], np.int64), "minus1")]
    nodes = [helper.make_node("Relu", ["x"], ["r"], name="relu"),
             helper.make_node("Shape", ["r"], ["shape"], name="shape"),
             helper.make_node("Gather", ["shape", "zero"], ["batch"], name="gather", axis=0),
             helper.make_node("Unsqueeze", ["batch", "axes"], ["b1"], name="unsqueeze"),
             helper.make_node("Concat", ["b1", "minus1"], ["target"], name="concat", axis=0),
             helper.make_node("Reshape", ["r", "target"], ["y"], name="reshape")]
    s = _summary(_save(tmp_path, nodes, [1, 5, 4, 3], consts))
    assert [r.kind for r in s.all_rows if r.leaf] == ["input", "relu", "flatten"]
    assert s["reshape"].output_shape == (5 * 4 * 3,)
    assert s.totals["params"] == 0  # the int64 constants feed sizes, never data


def test_an_operator_without_a_rule_is_named_not_counted_as_zero(tmp_path):
    w = _init("w", 4, 4, 1, 1)
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv", kernel_shape=[1, 1]),
             helper.make_node("Celu", ["c"], ["e"], name="celu"),
             helper.make_node("Warp", ["e", "grid"], ["y"], name="warp", domain="my.ops")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 6, 6])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [w, _init("grid", 6, 6, 2)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("my.ops", 1)])
    path = tmp_path / "custom.onnx"
    onnx.save(model, str(path))
    rows = {r[0]: r for r in onnx_graph(path)[0]}
    assert rows["celu"][1].describe() == "Celu (unsupported)"
    assert rows["warp"][1].describe() == "Warp (unsupported)"
    assert rows["warp"][1].weights_held == 6 * 6 * 2  # its weight is named and held, not dropped
    # nothing says what size Warp gives: the summary refuses, naming it
    with pytest.raises(ShapeError, match="Warp"):
        shapecalc.summary(read_onnx(path))


def test_unsupported_rows_keep_the_summary_partial(tmp_path):
    nodes = [helper.make_node("Celu", ["x"], ["c"], name="celu"), helper.make_node("Relu", ["c"], ["y"], name="relu")]
    s = _summary(_save(tmp_path, nodes, [1, 3, 8, 8]))
    assert _rows(s)["celu"].output_shape == (8, 8, 3)
    assert s.partial


def test_symbolic_sizes_from_dim_params(tmp_path):
    w = _init("w", 8, 3, 3, 3)
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv", kernel_shape=[3, 3], strides=[2, 2],
                              pads=[1, 1, 1, 1]),
             helper.make_node("GlobalAveragePool", ["c"], ["g"], name="gap"),
             helper.make_node("Flatten", ["g"], ["y"], name="flatten")]
    path = _save(tmp_path, nodes, ["batch", 3, "height", "width"], [w])
    net = read_onnx(path)
    assert net.input_shape == ("height", "width", 3)
    s = shapecalc.summary(net)
    assert str(s["conv"].output_shape[0]) == "floor(height/2 - 1/2) + 1"  # ⌊(height + 2 − 3) / 2⌋ + 1
    numeric = shapecalc.summary(net, input=(33, 17, 3))
    assert numeric["conv"].output_shape == ((33 + 2 - 3) // 2 + 1, (17 + 2 - 3) // 2 + 1, 8)
    assert numeric["conv"].macs == 17 * 9 * 8 * (3 * 3 * 3)


def test_deduplicated_weights_count_once_per_name(tmp_path):
    # PyTorch's exporter keeps one of several equal tensors and names the others through Identity nodes
    # (two BatchNorms at initialisation: γ and the variance ones, β and the mean zeros)
    inits = [_init("s", 4, value=np.ones(4)), _init("z", 4, value=np.zeros(4))]
    names = ["var1", "mean1", "s2", "z2", "var2", "mean2"]
    nodes = [helper.make_node("Identity", ["s" if n[0] in "sv" else "z"], [n], name=f"Identity_{k}")
             for k, n in enumerate(names)]
    nodes += [helper.make_node("BatchNormalization", ["x", "s", "z", "mean1", "var1"], ["n"], name="bn1"),
              helper.make_node("BatchNormalization", ["n", "s2", "z2", "mean2", "var2"], ["y"], name="bn2")]
    s = _summary(_save(tmp_path, nodes, [1, 4, 3, 3], inits))
    rows = _rows(s)
    # the file holds 4 + 4 values; PyTorch's two BatchNorms 2 · (4 + 4) parameters and 2 · (4 + 4) statistics
    assert rows["bn1"].kind == rows["bn2"].kind == "batchnorm"
    assert s.totals["params"] == 2 * (4 + 4) and s.totals["buffers"] == 2 * (4 + 4)


DATA = pathlib.Path(__file__).resolve().parent / "data" / "onnx"


def test_a_torch_export_with_open_sizes():
    # tests/data/onnx/tiny_resnet.onnx (make_files.py): a 3×3/2 stem of 16, two residual blocks of two 3×3
    # convolutions, BatchNorm after each, a dense head of 10, exported with height and width left open
    net = read_onnx(DATA / "tiny_resnet.onnx")
    assert net.input_shape == ("height", "width", 3)
    s = shapecalc.summary(net, input=(64, 64, 3))
    rows = _rows(s)
    assert rows["layer1.0.conv1"].params == 3 * 3 * 16 * 16
    assert rows["layer1.1.bn2"].buffers == 16 + 16
    convs = 3 * 3 * 3 * 16 + 4 * (3 * 3 * 16 * 16)
    assert s.totals["params"] == convs + 5 * (16 + 16) + 16 * 10 + 10
    assert s.totals["macs"] == 32 * 32 * (16 * 3 * 3 * 3 + 4 * 16 * 3 * 3 * 16) + 16 * 10
    # the same figures from the formulas, and every size as onnx's shape inference gives it at 64×64
    symbolic = shapecalc.summary(net)
    from shapecalc.symbolic import substitute

    assert substitute(symbolic, "height=64,width=64").totals["macs"] == s.totals["macs"]
    model = onnx.load(str(DATA / "tiny_resnet.onnx"))
    for axis, size in enumerate((1, 3, 64, 64)):
        model.graph.input[0].type.tensor_type.shape.dim[axis].dim_value = size
    inferred = _inferred(model)
    by_layer = {id(layer): (tensor, layout) for layer, tensor, layout in net.onnx_tensors}
    checked = [row for row in s.all_rows if row.leaf and id(row.layer) in by_layer]
    assert len(checked) == len([r for r in s.all_rows if r.leaf]) - 1  # every layer but the input
    for row in checked:
        tensor, layout = by_layer[id(row.layer)]
        assert tuple(row.output_shape) == _as_shapecalc(inferred[tensor], layout), row.path


def test_corrupt_truncated_and_oversized_files(tmp_path, monkeypatch):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x08\x07\x12\xff\xff this is not protobuf")
    with pytest.raises(ConfigError) as e:
        read_onnx(bad)
    assert "bad.onnx is not a readable ONNX model" in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(ConfigError, match="no ONNX file"):
        read_onnx(tmp_path / "missing.onnx")
    w = _init("w", 8, 3, 3, 3)
    path = _save(tmp_path, [helper.make_node("Conv", ["x", "w"], ["y"], name="conv", kernel_shape=[3, 3])],
                 [1, 3, 8, 8], [w])
    with pytest.raises(ConfigError, match=r"over the limit of 100 bytes"):
        read_onnx(path, max_bytes=100)


def test_without_the_onnx_package(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ConfigError, match="pip install onnx"):
        read_onnx(tmp_path / "any.onnx")


# ---------------------------------------------------------------------------------------------------------
# torchvision's classifiers through torch.onnx.export

REPRESENTATIVE = ["resnet18", "mobilenet_v3_small", "squeezenet1_1", "googlenet", "inception_v3", "densenet121",
                  "efficientnet_b0", "shufflenet_v2_x0_5", "convnext_tiny", "vit_b_16", "swin_t", "maxvit_t"]
ALL = sorted(META["models"])
NAMES = ALL if os.environ.get("SHAPECALC_ALL_ONNX") == "1" else REPRESENTATIVE


def _torchvision():
    from tests import tvreal

    tvreal.require_torchvision()
    import torch
    import torchvision

    return torch, torchvision


@contextlib.contextmanager
def _no_init(torch):
    """Build a model without drawing its random weights (minutes for the largest): the values never matter
    to an export that keeps every weight apart (keep_initializers_as_inputs)."""
    names = ["normal_", "trunc_normal_", "uniform_", "kaiming_normal_", "kaiming_uniform_", "xavier_normal_",
             "xavier_uniform_", "constant_", "zeros_", "ones_", "orthogonal_"]
    saved = {n: getattr(torch.nn.init, n) for n in names}
    try:
        for n in names:
            setattr(torch.nn.init, n, lambda t, *a, **k: t)
        yield
    finally:
        for n, f in saved.items():
            setattr(torch.nn.init, n, f)


def _export(name, path, size, fold=False, dynamic=False, dedup=False):
    """torchvision's ``name`` written to ``path`` by the TorchScript exporter: every BatchNorm kept (PRESERVE,
    no constant folding) and every weight its own initializer, or (``fold``) the exporter's default
    optimisation, BatchNorm folded into the convolutions."""
    torch, torchvision = _torchvision()
    # (an export that shares equal tensors needs the real initial weights: skipped, many could be equal)
    with _no_init(torch) if not dedup else contextlib.nullcontext(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (GoogLeNet's and Inception's notices about their initialisation)
        model = torchvision.models.get_model(name, weights=None).eval()
    x = torch.zeros(1, 3, size, size)
    kw = dict(dynamo=False, input_names=["input"], output_names=["output"])
    if fold:
        kw.update(training=torch.onnx.TrainingMode.EVAL, do_constant_folding=True, keep_initializers_as_inputs=True)
    else:
        kw.update(training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False,
                  keep_initializers_as_inputs=not dedup)
    if dynamic:
        kw["dynamic_axes"] = {"input": {0: "batch", 2: "height", 3: "width"}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (x,), str(path), **kw)
    return model


def _initializer_sizes(path, floats=False):
    """{name: element count} of the file's initializers (``floats``: the floating-point ones of more than one
    value: what can be a weight), and the model."""
    model = onnx.load(str(path), load_external_data=False)
    sizes = {}
    for i in model.graph.initializer:
        n = int(np.prod(i.dims, dtype=np.int64))
        if not floats or (i.data_type in (TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.DOUBLE) and n > 1):
            sizes[i.name] = n
    return sizes, model


def _inferred(model):
    """onnx's own sizes of every tensor: {name: dims} where every dim is known."""
    inferred = onnx.shape_inference.infer_shapes(model, data_prop=True)
    out = {}
    for v in list(inferred.graph.value_info) + list(inferred.graph.output):
        dims = v.type.tensor_type.shape.dim
        if dims and all(d.HasField("dim_value") for d in dims):
            out[v.name] = [d.dim_value for d in dims]
    return out


def _as_shapecalc(dims, layout):
    if layout == "nchw":
        return (dims[2], dims[3], dims[1])
    return tuple(dims[1:])


def _expected_params(name, size=224):
    """torchvision's num_params of its weights at crop ``size`` (a ViT's position embedding grows with it),
    less what an eval-mode export leaves out: Inception v3's auxiliary classifier, which runs in training
    only (torchvision counts it)."""
    params = next(e["num_params"] for e in META["models"][name] if e["crop_size"] == size)
    if name == "inception_v3":
        t = shapecalc.summary("torchvision.inception_v3").totals
        params -= t["params_with_side_heads"] - t["params"]
    return params


@pytest.mark.parametrize("name", NAMES)
def test_torchvision_export_matches_torchvision_and_the_zoo(tmp_path, name):
    _torchvision()
    zoo = shapecalc.summary(f"torchvision.{name}")
    size = zoo.input_shape[0]
    path = tmp_path / f"{name}.onnx"
    _export(name, path, size)
    net = read_onnx(path)
    s = shapecalc.summary(net)
    unsupported = [f"{r.path}: {r.layer.describe()}" for r in s.all_rows if r.kind == "unsupported"]
    assert unsupported == []
    t = s.totals
    # parameters: torchvision's own count, and every value of the file (weights and BatchNorm statistics)
    assert t["params"] == _expected_params(name, size) == zoo.totals["params"]
    sizes, model = _initializer_sizes(path)
    assert t["params"] + t["buffers"] == sum(sizes.values())
    # MACs: the zoo's twin, whose figures are proven against torchvision's published GFLOPS
    assert t["macs"] == zoo.totals["macs"]
    # every layer's output: onnx's shape inference, where it gives the sizes
    inferred = _inferred(model)
    by_layer = {id(layer): (tensor, layout) for layer, tensor, layout in net.onnx_tensors}
    compared = 0
    for row in s.all_rows:
        if not row.leaf or id(row.layer) not in by_layer:
            continue
        tensor, layout = by_layer[id(row.layer)]
        if tensor in inferred:
            assert tuple(row.output_shape) == _as_shapecalc(inferred[tensor], layout), row.path
            compared += 1
    # (onnx's inference loses the sizes behind size arithmetic it cannot follow: ShuffleNet's chunks, Swin's
    # padding to whole windows; ViT, MaxViT, ConvNeXt, the CNNs: every row but a few)
    assert compared > 0
    for f in tmp_path.iterdir():  # (the largest networks write gigabytes of external data)
        f.unlink()


@pytest.mark.parametrize("name", ["resnet18", "mobilenet_v3_small"])
def test_folded_batchnorm_counts_what_the_file_holds(tmp_path, name):
    # the exporter's default optimisation folds each BatchNorm into the convolution before it (which gains a
    # bias): the file holds fewer values than torchvision's module, and shapecalc counts the file's
    torch, _ = _torchvision()
    path = tmp_path / f"{name}.onnx"
    model = _export(name, path, 224, fold=True)
    s = shapecalc.summary(read_onnx(path))
    assert [r.path for r in s.all_rows if r.kind == "unsupported"] == []
    assert not [r for r in s.all_rows if r.kind == "batchnorm"]
    sizes, _ = _initializer_sizes(path, floats=True)
    assert s.totals["params"] == sum(sizes.values()) and s.totals["buffers"] == 0
    # each BatchNorm's γ and β (2 · C) gone, a bias (C) gained by the bias-free convolution before it
    channels = sum(m.num_features for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d))
    assert s.totals["params"] == _expected_params(name) - 2 * channels + channels
    assert s.totals["macs"] == shapecalc.summary(f"torchvision.{name}").totals["macs"]


def test_deduplicated_export_counts_torchvision_parameters(tmp_path):
    # the exporter's default: equal tensors (all the BatchNorm weights of ones at initialisation) stored once
    path = tmp_path / "resnet18.onnx"
    _export("resnet18", path, 224, dedup=True)
    sizes, _ = _initializer_sizes(path)
    s = shapecalc.summary(read_onnx(path))
    assert s.totals["params"] == _expected_params("resnet18")
    assert sum(sizes.values()) < s.totals["params"] + s.totals["buffers"]


def test_the_dynamo_exporter(tmp_path):
    # the torch.export-based exporter (PyTorch's default since 2.9) writes no module paths into the node
    # names and folds BatchNorm in its own optimisation: rows named by the nodes, the file's counts
    torch, torchvision = _torchvision()
    if os.environ.get("SHAPECALC_REQUIRE_ONNX") != "1":
        pytest.importorskip("onnxscript")
    model = torchvision.models.get_model("mobilenet_v3_small", weights=None).eval()
    path = tmp_path / "mobilenet_v3_small.onnx"
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.zeros(1, 3, 224, 224),), str(path), dynamo=True)
    s = shapecalc.summary(read_onnx(path))
    assert s.partial == []
    sizes, _ = _initializer_sizes(path, floats=True)
    assert s.totals["params"] == sum(sizes.values())
    assert s.totals["macs"] == shapecalc.summary("torchvision.mobilenet_v3_small").totals["macs"]


def test_symbolic_export(tmp_path):
    path = tmp_path / "resnet18.onnx"
    _export("resnet18", path, 224, dynamic=True)
    net = read_onnx(path)
    assert net.input_shape == ("height", "width", 3)
    s = shapecalc.summary(net)
    assert s.symbolic
    from shapecalc.symbolic import substitute

    at = substitute(s, "height=224,width=224")
    numeric = shapecalc.summary(net, input=(224, 224, 3))
    assert at.totals["macs"] == numeric.totals["macs"] == shapecalc.summary("torchvision.resnet18").totals["macs"]
    assert [r.output_shape for r in at.all_rows] == [r.output_shape for r in numeric.all_rows]
