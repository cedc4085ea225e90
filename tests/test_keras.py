"""Keras model files read as data (shapecalc.from_keras), checked against what Keras itself reports.

The fixtures (tests/data/keras, written by tests/gen_keras_fixtures.py with real Keras) come with Keras'
figures in expected.json: ``model.count_params()``, the trainable and non-trainable counts, and every
layer's output shape and ``count_params()``. Keras counts BatchNormalization's moving statistics among the
non-trainable parameters, shapecalc among its buffers: ``keras_totals`` reports them as Keras does.

The tests that build models need Keras (``KERAS_BACKEND=torch``) and skip without it; they build every
``keras.applications`` model with ``weights=None``, save its ``to_json()`` and compare. A representative
subset runs by default; ``SHAPECALC_ALL_KERAS=1`` runs all of them.
"""

import json
import os
import subprocess
import sys
import zipfile

import pytest

import shapecalc
from shapecalc.errors import ConfigError, ShapeError, SpecError
from shapecalc.from_keras import KerasFileError, keras_nodes, keras_totals, load_config, read_keras

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "keras")
with open(os.path.join(DATA, "expected.json")) as _f:
    EXPECTED = json.load(_f)["files"]


def _path(name):
    return os.path.join(DATA, name)


def _summary(name, **kwargs):
    if name.endswith(".h5"):
        _optional("h5py")
    return shapecalc.summary(read_keras(_path(name), **kwargs))


def _keras_figures(s):
    t = keras_totals(s)
    return (t["params"], t["trainable"], t["non_trainable"])


# ---------------------------------------------------------------------------------------------------------
# the fixtures against Keras' own figures


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_figures_are_keras_figures(name):
    """Totals (params, trainable, non-trainable) equal Keras' count_params() and weight counts; every
    Keras layer's output shape and parameter count (buffers included, as Keras counts them) equal
    Keras'; the output is Keras' output shape."""
    expected = EXPECTED[name]
    s = _summary(name)
    assert _keras_figures(s) == (expected["params"], expected["trainable"], expected["non_trainable"])
    assert list(s.rows[0].output_shape) == expected["input"]
    assert list(s.rows[-1].output_shape) == expected["output"]
    for layer, figures in expected["layers"].items():
        row = s[layer]
        assert list(row.output_shape) == figures["output"], layer
        assert row.params + row.buffers == figures["params"], layer


def test_blog_naive_inception_reads_whole():
    """The blog's chained module: each input of the concatenation reads the one before it (conv1 → conv3 →
    conv5, and the pool of the input). The same channels in the same order are nested concatenations, so
    the whole module is read: Keras' 188,640 parameters and its 64 + 128 + 32 + 192 = 416 channels."""
    s = _summary("inception_naive_blog.keras")
    assert s.totals["params"] == (1 * 1 * 192 * 64 + 64) + (3 * 3 * 64 * 128 + 128) + (5 * 5 * 128 * 32 + 32)
    assert s.rows[-1].path == "concat" and s.rows[-1].output_shape == (28, 28, 64 + 128 + 32 + 192)
    assert keras_totals(s)["params"] == EXPECTED["inception_naive_blog.keras"]["params"] == 188_640


def test_blog_naive_inception_chain_counts():
    """The blog's chain conv1 → conv3 → conv5 as Keras counts it: 188,640 parameters against the
    parallel module's 387,296 (the 3×3 sees conv1's 64 channels, the 5×5 conv3's 128)."""
    from shapecalc.graph import to_network

    nodes, title, shape, output, meta = keras_nodes(_path("inception_naive_blog.keras"))
    reads = {n.name: n.inputs for n in nodes}
    assert reads["conv3"] == ("conv1_relu",) and reads["conv5"] == ("conv3_relu",)
    assert reads["pool"] == ("input",)
    assert reads["concat"] == ("conv1_relu", "conv3_relu", "conv5_relu", "pool")
    chain = shapecalc.summary(to_network(nodes, title, shape, output="conv5_relu"))
    blog = (1 * 1 * 192 * 64 + 64) + (3 * 3 * 64 * 128 + 128) + (5 * 5 * 128 * 32 + 32)
    parallel = (1 * 1 * 192 * 64 + 64) + (3 * 3 * 192 * 128 + 128) + (5 * 5 * 192 * 32 + 32)
    assert chain.totals["params"] == blog == 188_640
    # Keras' count_params() of the blog's model (the pool and the concatenation hold nothing)
    assert EXPECTED["inception_naive_blog.keras"]["params"] == blog
    assert EXPECTED["inception_naive.keras"]["params"] == parallel == 387_296
    assert _summary("inception_naive.keras").totals["params"] == parallel


def test_naive_inception_by_hand_and_as_the_zoo_counts_it():
    """The parallel module: 28×28×(64 + 128 + 32 + 192), the MACs of each branch as products, and the same
    figures as shapecalc's own inception-naive."""
    s = _summary("inception_naive.keras")
    assert s["concat"].output_shape == (28, 28, 64 + 128 + 32 + 192)
    assert s["conv1"].macs == 28 * 28 * 64 * (1 * 1 * 192)
    assert s["conv3"].macs == 28 * 28 * 128 * (3 * 3 * 192)
    assert s["conv5"].macs == 28 * 28 * 32 * (5 * 5 * 192)
    zoo = shapecalc.summary("inception-naive")
    assert (s.totals["params"], s.totals["macs"]) == (zoo.totals["params"], zoo.totals["macs"])
    assert s["concat"].receptive_field == (5, 5)


def test_residual_modules():
    """conv-BN-ReLU-conv-BN + identity, ReLU: 2·(3·3·64·64 + 64) weights and biases, γ and β trainable,
    the moving mean and variance of both BatchNorms non-trainable (Keras); the projection module equals
    shapecalc's residual-module in parameters and MACs."""
    s = _summary("residual_identity.keras")
    convs = 2 * (3 * 3 * 64 * 64 + 64)
    assert keras_totals(s) == {"params": convs + 2 * 4 * 64, "trainable": convs + 2 * 2 * 64,
                               "non_trainable": 2 * 2 * 64}
    assert s["add"].output_shape == s["relu"].output_shape == (56, 56, 64)
    proj = _summary("residual_projection.keras")
    zoo = shapecalc.summary("residual-module")
    assert (proj.totals["params"], proj.totals["macs"]) == (zoo.totals["params"], zoo.totals["macs"])
    assert proj.totals["params"] == (3 * 3 * 3 * 64 + 64) + (3 * 3 * 64 * 64 + 64) + (1 * 1 * 3 * 64 + 64)


def test_lenet_in_every_format_it_is_saved_in():
    """The Sequential LeNet as a .keras archive and as Keras 2 JSON (the input size on its first layer):
    the same rows, 61,706 parameters (156 + 2,416 + 48,120 + 10,164 + 850)."""
    a = _summary("lenet.keras")
    b = _summary("lenet_keras2.json")
    assert [(r.path, r.output_shape, r.params) for r in a.rows] == [(r.path, r.output_shape, r.params)
                                                                    for r in b.rows]
    assert a.totals["params"] == (5 * 5 * 1 * 6 + 6) + (5 * 5 * 6 * 16 + 16) + (400 * 120 + 120) + (
        120 * 84 + 84) + (84 * 10 + 10) == 61_706
    assert [r.path for r in a.rows][:3] == ["input", "c1", "c1_tanh"]


def test_mobile_layers_follow_keras_conventions():
    """"same" with stride 2 pads as TensorFlow (the extra row at the bottom), the asymmetric zero padding,
    BatchNorm without γ, a frozen convolution, Normalization's statistics, the hard sigmoid's arithmetic
    as rescalings, the gate, the grouped and dilated convolutions."""
    for name in ("mobile.keras", "mobile.h5", "mobile.json", "mobile_keras2.json"):
        s = _summary(name)
        assert s["pad"].output_shape == (32 + 1 + 2, 32 + 3 + 4, 3)
        assert s["stem"].output_shape == (18, 20, 16)
        # ⌈9 / 2⌉ … 18 → 9: P_total = (9 − 1)·2 + 3 − 18 = 1, all of it after
        assert s["dw"].layer.pads((18, 20, 32)) == ((0, 1), (0, 1))
        assert s["dw"].output_shape == (9, 10, 32) and s["dw"].params == 3 * 3 * 16 * 2 + 32
        assert (s["stem_bn"].params, s["stem_bn"].buffers) == (16, 2 * 16)  # β only, no γ
        assert s["stem"].non_trainable_params == 3 * 3 * 3 * 16  # trainable=False
        assert s["norm"].buffers == 3 + 3 + 1  # mean, variance, count
        assert s["grouped"].params == 3 * 3 * (32 // 4) * 32 + 32
        # dilation 2: F_eff = (3 − 1)·2 + 1 = 5, after two stride-2 layers (jump 2·2): the field grows (5 − 1)·4
        assert s["side"].receptive_field[0] - s["res_add"].receptive_field[0] == (5 - 1) * (2 * 2)
        assert s["se_mul"].output_shape == (9, 10, 32)
        assert s["probs"].output_shape == (10,)
        kinds = [r.kind for r in s.rows]
        assert kinds.count("rescaling") == 3  # 1/127.5 − 1, + 3, × 1/6
    s = _summary("mobile.keras")
    assert [r.path for r in s.rows if r.kind == "rescaling"] == ["rescale", "add", "multiply"]
    assert s["add"].layer.offset == 3.0 and s["multiply"].layer.scale == pytest.approx(1 / 6)


def test_nested_and_frozen_models():
    """A frozen base model inside a transfer-learning model: its layers are rows of a block of its name,
    and all its parameters are non-trainable; the nested augmentation is the identity and a rescaling."""
    s = _summary("transfer.keras")
    assert [r.path for r in s.rows] == ["input", "augment.flip", "augment.scale", "base.base_conv",
                                        "base.base_bn", "base.base_relu", "pool", "head"]
    assert keras_totals(s) == {"params": 45 + (3 * 3 * 3 * 8 + 8) + 4 * 8, "trainable": 5 * 8 + 5,
                               "non_trainable": (3 * 3 * 3 * 8 + 8) + 4 * 8}
    assert _keras_figures(_summary("transfer_keras2.json")) == _keras_figures(s)


def test_versions_and_sources_are_named():
    net = read_keras(_path("lenet_keras2.json"))
    assert net.title == "lenet" and "Keras 2.15.0" in net.description and net.source == "lenet_keras2.json"
    assert read_keras(_path("mobile.keras")).description.startswith("Functional model read from mobile.keras, "
                                                                      "Keras 3")


def test_text_and_dict_and_path_give_the_same_network():
    with open(_path("mobile.json")) as f:
        text = f.read()
    rows = [(r.path, r.output_shape, r.params) for r in _summary("mobile.json").rows]
    assert [(r.path, r.output_shape, r.params) for r in shapecalc.summary(read_keras(text)).rows] == rows
    assert [(r.path, r.output_shape, r.params) for r in shapecalc.summary(read_keras(json.loads(text))).rows] == rows


def test_input_shape_can_be_given():
    """input_shape replaces the file's input size; sizes the file leaves open stay symbols H and W."""
    s = _summary("inception_naive.keras", input_shape=(14, 14, 192))
    assert s["concat"].output_shape == (14, 14, 416)
    with open(_path("mobile.json")) as f:
        config = json.load(f)
    config["config"]["layers"][0]["config"]["batch_shape"] = [None, None, None, 3]
    net = read_keras(config)
    assert net.input_shape == ("H", "W", 3)
    assert _keras_figures(shapecalc.summary(net)) == _keras_figures(_summary("mobile.json"))


# ---------------------------------------------------------------------------------------------------------
# hand-written configs: the mapping, the unsupported, the refused


def _model(*layers, inputs=("x",), outputs=("y",), shape=(8, 8, 4)):
    """A Keras 3 functional config: ``layers`` as (class, name, config, [input names])."""
    entries = [{"class_name": "InputLayer", "name": n, "config": {"name": n, "batch_shape": [None, *shape]},
                "inbound_nodes": []} for n in inputs]
    for cls, name, config, reads in layers:
        args = [{"class_name": "__keras_tensor__", "config": {"shape": None, "keras_history": [r, 0, 0]}}
                for r in reads]
        entries.append({"class_name": cls, "name": name, "config": dict(config, name=name),
                        "inbound_nodes": [{"args": args if len(args) == 1 else [args], "kwargs": {}}]})
    return {"class_name": "Functional", "config": {"name": "m", "layers": entries,
                                                   "input_layers": [[n, 0, 0] for n in inputs],
                                                   "output_layers": [[n, 0, 0] for n in outputs]}}


def test_unknown_class_is_an_unsupported_row_not_a_zero():
    """A class without a rule is a named row; its output shape is what the file recorded, at the input
    size it recorded; without a recorded shape the summary stops at it, naming it."""
    config = _model(("Conv2DTranspose", "up", {"filters": 2, "kernel_size": [2, 2], "strides": [2, 2]}, ["x"]),
                    ("Conv2D", "y", {"filters": 3, "kernel_size": [1, 1]}, ["up"]))
    layers = config["config"]["layers"]
    layers[1]["inbound_nodes"][0]["args"][0]["config"]["shape"] = [None, 8, 8, 4]
    layers[2]["inbound_nodes"][0]["args"][0]["config"]["shape"] = [None, 16, 16, 2]
    s = shapecalc.summary(read_keras(config))
    assert s["up"].kind == "unsupported" and "Conv2DTranspose" in s["up"].detail
    assert s.partial  # its MACs are unknown, not 0
    assert s["y"].output_shape == (16, 16, 3) and s["y"].params == 2 * 3 + 3
    with pytest.raises(ShapeError, match="Conv2DTranspose"):
        shapecalc.summary(read_keras(config, input_shape=(10, 10, 4)))
    layers[2]["inbound_nodes"][0]["args"][0]["config"]["shape"] = None
    with pytest.raises(ShapeError, match="Conv2DTranspose.*unknown"):
        shapecalc.summary(read_keras(config))
    assert "Conv2DTranspose" in read_keras(config).description


def test_elementwise_and_merge_without_rules_are_named():
    """LeakyReLU, an unknown activation and Subtract keep the shape, and are named rows; a Lambda of two
    inputs is an opaque merge."""
    config = _model(("LeakyReLU", "leaky", {"negative_slope": 0.2}, ["x"]),
                    ("Dense", "d", {"units": 4, "activation": "elu"}, ["leaky"]),
                    ("Subtract", "y", {}, ["d", "x"]))
    s = shapecalc.summary(read_keras(config))
    assert [(r.path, r.kind, r.output_shape) for r in s.rows if r.kind == "unsupported"] == [
        ("leaky", "unsupported", (8, 8, 4)), ("d_elu", "unsupported", (8, 8, 4)), ("y", "unsupported", (8, 8, 4))]
    assert s["d"].kind == "pointwise" and s["d"].params == 4 * 4 + 4  # a Dense on a map: per position
    nodes = keras_nodes(_model(("Lambda", "y", {"function": "…"}, ["x", "x"])))[0]
    assert nodes[-1].layer.merges and nodes[-1].inputs == ("x", "x")


def test_a_custom_class_is_described_once(monkeypatch):
    """register: a custom Keras class read by a rule of its config."""
    import shapecalc.from_keras as fk
    from shapecalc.layers import LayerScale

    monkeypatch.setattr(fk, "RULES", dict(fk.RULES))
    config = _model(("MyScale", "y", {"init": 0.5}, ["x"]))
    with pytest.raises(ShapeError, match="MyScale"):
        shapecalc.summary(read_keras(config))
    fk.register("MyScale", lambda c: LayerScale(c["init"]))
    s = shapecalc.summary(read_keras(config))
    assert s["y"].kind == "layerscale" and s["y"].params == 4 and not s.partial


def test_refused_models_say_why():
    two_in = _model(("Add", "y", {}, ["a", "b"]), inputs=("a", "b"))
    with pytest.raises(ConfigError, match="2 inputs"):
        read_keras(two_in)
    two_out = _model(("ReLU", "y", {}, ["x"]), ("ReLU", "z", {}, ["x"]), outputs=("y", "z"))
    with pytest.raises(ConfigError, match="2 outputs"):
        read_keras(two_out)
    shared = _model(("Dense", "y", {"units": 4}, ["x"]))
    node = shared["config"]["layers"][1]["inbound_nodes"][0]
    shared["config"]["layers"][1]["inbound_nodes"].append(node)
    with pytest.raises(ConfigError, match="called 2 times"):
        read_keras(shared)


def test_channels_first_models_read_as_channels_last():
    config = _model(("Conv2D", "c", {"filters": 6, "kernel_size": [3, 3], "data_format": "channels_first",
                                      "padding": "same"}, ["x"]),
                    ("BatchNormalization", "y", {"axis": 1}, ["c"]), shape=(4, 10, 12))
    s = shapecalc.summary(read_keras(config))
    assert s["c"].output_shape == (10, 12, 6) and s["y"].params == 2 * 6


# ---------------------------------------------------------------------------------------------------------
# files that are not what they say


def test_unreadable_files_are_one_line_errors(tmp_path):
    cases = {}
    p = tmp_path / "missing.keras"
    cases[p] = "no such file"
    p = tmp_path / "truncated.keras"
    p.write_bytes(open(_path("mobile.keras"), "rb").read()[:3000])
    cases[p] = "corrupt .keras archive"
    p = tmp_path / "weights.keras"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("model.weights.h5", b"")
    cases[p] = "no config.json"
    p = tmp_path / "text.json"
    p.write_text("{not json")
    cases[p] = "not valid JSON"
    p = tmp_path / "other.json"
    p.write_text('{"a": 1}')
    cases[p] = "not a Keras model"
    p = tmp_path / "picture.png"
    p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    cases[p] = "not a Keras file"
    p = tmp_path / "latin.json"
    p.write_bytes(b'{"class_name": "\xff"}')
    cases[p] = "not UTF-8"
    for path, message in cases.items():
        with pytest.raises(KerasFileError, match=message) as info:
            read_keras(str(path))
        assert "\n" not in str(info.value)
        assert isinstance(info.value, SpecError)
    with pytest.raises(KerasFileError, match="folder"):
        read_keras(str(tmp_path))


def test_oversized_and_bomb_configs_are_refused_unread(tmp_path, monkeypatch):
    """The config is read in pieces up to a cap: a config.json that claims or inflates to more stops there."""
    import shapecalc.from_keras as fk

    monkeypatch.setattr(fk, "MAX_CONFIG_BYTES", 10_000)
    p = tmp_path / "bomb.keras"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("config.json", "{" + " " * 5_000_000 + "}")
    with pytest.raises(KerasFileError, match="more than"):
        read_keras(str(p))
    big = tmp_path / "big.json"
    big.write_text("{" + " " * 20_000 + "}")
    with pytest.raises(KerasFileError, match="larger than"):
        read_keras(str(big))


def test_h5_files(tmp_path, monkeypatch):
    h5py = _optional("h5py")
    p = tmp_path / "weights.h5"
    with h5py.File(p, "w") as f:
        f.create_dataset("w", data=[1.0])
    with pytest.raises(KerasFileError, match="no model_config"):
        read_keras(str(p))
    p = tmp_path / "broken.h5"
    p.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(64))
    with pytest.raises(KerasFileError, match="cannot read the HDF5 file"):
        read_keras(str(p))
    monkeypatch.setitem(sys.modules, "h5py", None)  # h5py not installed
    with pytest.raises(ConfigError, match="pip install h5py"):
        read_keras(_path("mobile.h5"))


def test_reading_imports_neither_keras_nor_torch_nor_numpy():
    """The importer reads data: no deep-learning framework (nor numpy) is imported to read a .keras file,
    a JSON file or to build the network."""
    code = ("import sys; from shapecalc.from_keras import read_keras; "
            f"read_keras({_path('mobile.keras')!r}); read_keras({_path('lenet_keras2.json')!r}); "
            "print(sorted(m for m in ('keras', 'tensorflow', 'torch', 'numpy', 'h5py', 'jax') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert out.stdout.strip() == "[]"


def test_load_config_reads_without_building():
    config, label = load_config(_path("mobile.keras"))
    assert label == "mobile.keras" and config["class_name"] == "Functional"
    assert config["keras_version"].startswith("3.")


# ---------------------------------------------------------------------------------------------------------
# with real Keras: the fixtures as Keras builds them, and keras.applications


def _optional(module):
    """An optional framework for the tests: skipped where it is missing, but a failure under
    SHAPECALC_REQUIRE_KERAS=1 (CI installs keras and h5py)."""
    if os.environ.get("SHAPECALC_REQUIRE_KERAS") == "1":
        import importlib

        return importlib.import_module(module)
    return pytest.importorskip(module)


def _keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return _optional("keras")


def test_fixtures_are_what_keras_builds():
    """expected.json is what Keras reports for the generator's models today (regenerate with
    tests/gen_keras_fixtures.py)."""
    keras = _keras()
    from tests import gen_keras_fixtures as gen

    for stem, (build, _) in gen.MODELS.items():
        keras.utils.clear_session()
        assert gen.figures(build(keras)) == EXPECTED[f"{stem}.keras"], stem


#: every keras.applications model; NASNetMobile cannot be built with the torch backend (Keras raises)
APPLICATIONS = [
    "ConvNeXtBase", "ConvNeXtLarge", "ConvNeXtSmall", "ConvNeXtTiny", "ConvNeXtXLarge", "DenseNet121",
    "DenseNet169", "DenseNet201", "EfficientNetB0", "EfficientNetB1", "EfficientNetB2", "EfficientNetB3",
    "EfficientNetB4", "EfficientNetB5", "EfficientNetB6", "EfficientNetB7", "EfficientNetV2B0",
    "EfficientNetV2B1", "EfficientNetV2B2", "EfficientNetV2B3", "EfficientNetV2L", "EfficientNetV2M",
    "EfficientNetV2S", "InceptionResNetV2", "InceptionV3", "MobileNet", "MobileNetV2", "MobileNetV3Large",
    "MobileNetV3Small", "NASNetLarge", "NASNetMobile", "ResNet101", "ResNet101V2", "ResNet152", "ResNet152V2",
    "ResNet50", "ResNet50V2", "VGG16", "VGG19", "Xception",
]
#: one of each family (every rule of the importer runs; NASNetLarge's cells need graph blocks): the default run
REPRESENTATIVE = {"ConvNeXtTiny", "DenseNet121", "EfficientNetB0", "EfficientNetV2B0", "InceptionResNetV2",
                  "InceptionV3", "MobileNet", "MobileNetV2", "MobileNetV3Small", "NASNetLarge", "ResNet50",
                  "ResNet50V2", "VGG16", "Xception"}
ALL = os.environ.get("SHAPECALC_ALL_KERAS") == "1"


def _application_params():
    for name in APPLICATIONS:
        marks = []
        if name not in REPRESENTATIVE:
            marks.append(pytest.mark.skipif(not ALL, reason="SHAPECALC_ALL_KERAS=1 runs every application"))
        yield pytest.param(name, marks=marks)


@pytest.mark.parametrize("name", list(_application_params()))
def test_keras_applications(name, tmp_path):
    """Each keras.applications model (weights=None, its default input) as model.to_json() writes it:
    shapecalc's totals are count_params(), trainable and non-trainable; every layer's output shape and
    parameters are Keras'; the output is (1000,)."""
    keras = _keras()
    if name == "NASNetMobile" and keras.backend.backend() == "torch":
        pytest.skip("Keras does not build NASNetMobile with the torch backend: "
                    "test_nasnet_mobile_written_by_the_jax_backend reads its JSON as the JAX backend wrote it")
    import math

    keras.utils.clear_session()
    model = getattr(keras.applications, name)(weights=None)
    path = tmp_path / f"{name}.json"
    path.write_text(model.to_json())
    s = shapecalc.summary(read_keras(str(path)))
    trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
    non_trainable = sum(math.prod(w.shape) for w in model.non_trainable_weights)
    assert _keras_figures(s) == (model.count_params(), trainable, non_trainable)
    assert tuple(s.rows[-1].output_shape) == tuple(model.output.shape[1:]) == (1000,)
    if name == "NASNetLarge":
        # its cells read the cell before last: graph blocks; Zoph et al. 2018 (arXiv:1707.07012), Table 2:
        # NASNet-A (6 @ 4032), 88.9 M parameters and 23.8 B multiply-adds
        assert round(s.totals["macs"] / 1e9, 1) == 23.8 and round(model.count_params() / 1e6, 1) == 88.9
        assert s.partial == []
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        row = s[layer.name]
        shape = tuple(layer.output.shape[1:])
        if all(d is not None for d in shape):
            assert tuple(row.output_shape) == shape, layer.name
        assert int(row.params + row.buffers) == layer.count_params(), layer.name


def test_nasnet_mobile_written_by_the_jax_backend(tmp_path):
    """NASNetMobile does not build on Keras' torch backend; its model.to_json() was written with
    KERAS_BACKEND=jax (Keras 3.15.1, weights=None) and gzipped: Keras reported count_params() 5,326,716
    (trainable 5,289,978, non-trainable 36,738). Zoph et al. 2018 (arXiv:1707.07012), Table 3, NASNet-A
    (4 @ 1056): 5.3 M parameters, 564 M multiply-adds. Its cells read the cell before last: graph blocks."""
    import gzip

    path = tmp_path / "nasnet_mobile.json"
    with open(_path("nasnet_mobile_jax.json.gz"), "rb") as f:
        path.write_bytes(gzip.decompress(f.read()))
    s = shapecalc.summary(read_keras(str(path)))
    assert keras_totals(s) == {"params": 5_326_716, "trainable": 5_289_978, "non_trainable": 36_738}
    assert s.partial == [] and s.rows[-1].output_shape == (1000,)
    assert round(s.totals["macs"] / 1e6) == 564
