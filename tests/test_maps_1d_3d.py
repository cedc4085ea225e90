"""Sequences L×C and volumes D×H×W×C: Conv1d/Conv3d and their pools, by the rule of H on each axis.

Figures by hand (visible products), and the shapes of PyTorch's own layers built on the meta device (no
memory, no arithmetic) as the independent oracle.
"""

import pytest

import shapecalc
from shapecalc.errors import ConfigError, ShapeError
from shapecalc.layers import Conv1d, Conv3d, Flatten, Input, Linear, MaxPool1d, MaxPool3d, Network
from shapecalc.spec import export_spec, parse_spec


def test_conv1d_by_hand():
    s = shapecalc.summary(parse_spec("input 50x8 | conv1d 16 k5 s2 p1 | maxpool1d 3 2 ceil | flatten | dense 4"))
    conv = s["conv1d1"]
    # L = ⌊(50 − 5 + 2·1)/2⌋ + 1 = 24
    assert conv.output_shape == (24, 16)
    assert conv.params == 5 * 8 * 16 + 16
    assert conv.macs == 24 * 16 * (5 * 8)
    # ceil: ⌈(24 − 3)/2⌉ + 1 = 12
    assert s["maxpool1d1"].output_shape == (12, 16)
    assert s["flatten1"].output_shape == (12 * 16,)
    assert s["dense1"].params == 12 * 16 * 4 + 4


def test_conv3d_by_hand():
    s = shapecalc.summary(parse_spec("input 9x12x10x3 | conv3d 8 k3 s2 p1 | maxpool3d 2 2 ceil"))
    conv = s["conv3d1"]
    # D = (9 − 3 + 2)/2 + 1 = 5, H = ⌊(12 − 3 + 2)/2⌋ + 1 = 6, W = ⌊(10 − 3 + 2)/2⌋ + 1 = 5
    assert conv.output_shape == (5, 6, 5, 8)
    assert conv.params == 3 * 3 * 3 * 3 * 8 + 8
    assert conv.macs == 5 * 6 * 5 * 8 * (3 * 3 * 3 * 3)
    # ceil on 5: ⌈(5 − 2)/2⌉ + 1 = 3; on 6: 3
    assert s["maxpool3d1"].output_shape == (3, 3, 3, 8)


def test_a_kernel_per_axis_and_same_padding():
    # C3D's pool1 keeps the frames: 1×2×2; "same" pads each axis by Keras' rule
    s = shapecalc.summary(Network("c3d-head", [Conv3d(64, 3, padding=1), MaxPool3d((1, 2, 2)),
                                               Conv3d(128, (3, 1, 1), padding="same")], (16, 112, 112, 3)))
    assert s["conv3d1"].output_shape == (16, 112, 112, 64)
    assert s["conv3d1"].params == 3 * 3 * 3 * 3 * 64 + 64
    assert s["maxpool3d1"].output_shape == (16, 56, 56, 64)
    assert s["conv3d2"].output_shape == (16, 56, 56, 128)
    assert s["conv3d2"].params == 3 * 1 * 1 * 64 * 128 + 128


def test_spec_round_trip():
    text = "input 50x8 | conv1d 16 k5 s2 p1 d2 groups=4 | maxpool1d 3 2 ceil | avgpool1d 3 2 p1"
    net = parse_spec(text)
    again = parse_spec(export_spec(net))
    assert [r.output_shape for r in shapecalc.summary(again).all_rows] == [
        r.output_shape for r in shapecalc.summary(net).all_rows]


def test_wrong_rank_is_one_clear_error():
    with pytest.raises(ShapeError, match="conv1d expects a sequence L×C, received 8×8×3"):
        shapecalc.summary(Network("x", [Conv1d(4, 3)], (8, 8, 3)))
    with pytest.raises(ShapeError, match="conv3d expects a volume D×H×W×C, received 8×8×3"):
        shapecalc.summary(Network("x", [Conv3d(4, 3)], (8, 8, 3)))
    with pytest.raises(ConfigError, match="kernel must be a whole number or 3 of them"):
        Conv3d(4, (3, 3))
    with pytest.raises(ShapeError, match="kernel 7 is larger than the padded input 5"):
        shapecalc.summary(Network("x", [Conv1d(4, 7)], (5, 2)))


def test_pytorch_order_is_refused_with_its_translation():
    with pytest.raises(ConfigError, match=r"Conv1d\(3, 16, 5\).*Conv1d\(16, 5\)"):
        Conv1d(3, 16, 5)


def test_receptive_fields_by_hand():
    s = shapecalc.summary(parse_spec("input 40x3 | conv1d 4 k5 s2 p1 | maxpool1d 3 2 ceil | conv1d 4 k3 d2 | "
                                     "avgpool1d 2 p1"))
    # r_out = r_in + (F_eff − 1)·j_in, j_out = j_in·S: 5 (j 2); 5 + 2·2 = 9 (j 4); the dilated 3 spans 5:
    # 9 + 4·4 = 25 (j 4); 25 + 1·4 = 29 (j 8)
    assert [r.receptive_field for r in s.rows[1:]] == [(5,), (9,), (25,), (29,)]
    assert s.rows[-1].jump == (2 * 2 * 1 * 2,)
    v = shapecalc.summary(parse_spec("input 7x12x10x2 | conv3d 3 k3 s2 p1 | maxpool3d k1x2x2"))
    # D: 3 (j 2), then a window of 1: 3; H and W: 3, then 3 + 1·2 = 5
    assert v.rows[-1].receptive_field == (3, 5, 5) and v.rows[-1].jump == (2, 4, 4)


@pytest.mark.parametrize("layers, shape", [
    ([Conv1d(16, 5, stride=2, padding=1), MaxPool1d(3, 2, ceil_mode=True), Conv1d(8, 3, padding="same",
                                                                                 dilation=2)], (50, 8)),
    ([Conv3d(8, 3, stride=2, padding=1), MaxPool3d(2, ceil_mode=True), Conv3d(4, (1, 3, 3), padding="same")],
     (9, 12, 10, 3)),
])
def test_shapes_equal_pytorchs_own_layers(layers, shape):
    """PyTorch's own Conv1d/Conv3d and pools on the meta device, channels first, give the same shapes."""
    torch = pytest.importorskip("torch")
    nn = torch.nn
    s = shapecalc.summary(Network("x", [Input(shape)] + layers, shape))
    x = torch.empty((1, shape[-1]) + shape[:-1], device="meta")
    for layer, row in zip(layers, s.rows[1:]):
        n = len(shape) - 1
        kind = type(layer).__name__
        if kind.startswith("Conv"):
            pad = "same" if layer.padding == "same" else layer.padding
            module = getattr(nn, f"Conv{n}d")(x.shape[1], layer.filters, layer.kernel, layer.stride, pad,
                                              layer.dilation, device="meta")
        else:
            module = getattr(nn, kind)(layer.kernel, layer.stride, layer.padding, ceil_mode=layer.ceil_mode)
        x = module(x)
        assert (x.shape[2:] + x.shape[1:2]) == row.output_shape, (kind, tuple(x.shape))
        assert sum(p.numel() for p in module.parameters()) == row.params


def test_flatten_then_dense_on_a_sequence():
    s = shapecalc.summary(Network("x", [Conv1d(4, 3), Flatten(), Linear(2)], (10, 3)))
    # L = 10 − 3 + 1 = 8: a vector of 8 · 4
    assert s["flatten1"].output_shape == (8 * 4,)
    assert s["dense1"].params == 8 * 4 * 2 + 2


#: torchvision 0.29's video classification weights: num_params and GFLOPS (multiply-accumulates, G) at
#: 16 frames of 112×112 (R3D_18_Weights, MC3_18_Weights, R2Plus1D_18_Weights .KINETICS400_V1.meta)
VIDEO_RESNETS = {
    "r3d_18": (33_371_472, 40.697),
    "mc3_18": (11_695_440, 43.343),
    "r2plus1d_18": (31_505_325, 40.519),
}


@pytest.mark.parametrize("name", sorted(VIDEO_RESNETS))
def test_torchvision_video_resnets_import_exactly(name):
    """A volume network imported from PyTorch (built on the meta device): every layer's shape is checked
    against the module's own run by the importer, the totals against torchvision's published metadata."""
    from tests import tvreal

    tvreal.require_torchvision()
    import torch
    from torchvision.models import get_model_weights, video

    params, gflops = VIDEO_RESNETS[name]
    with torch.device("meta"):
        module = getattr(video, name)()
    s = shapecalc.summary(module, input=(1, 3, 16, 112, 112))  # torchinfo's (1, C, D, H, W)
    assert s.input_shape == (16, 112, 112, 3)
    assert s.totals["params"] == params == sum(p.numel() for p in module.parameters())
    assert round(s.totals["macs"] / 1e9, 3) == gflops
    meta = get_model_weights(name).DEFAULT.meta
    assert (meta["num_params"], meta["_ops"]) == (params, gflops)
    # the same import from a text shape in shapecalc's order (--input 16x112x112x3)
    assert shapecalc.summary(module, input="16x112x112x3").totals["macs"] == s.totals["macs"]
    # and the module's own run (on the meta device: shapes and FlopCounterMode's FLOPs), row by row
    from shapecalc.verify import verify

    assert verify(s.network).ok


def _keras_model(keras, which):
    layers = keras.layers
    if which == "sequence":
        # a 1-D CNN over 100 steps of 8 channels, as a course's text or signal classifier writes it
        return keras.Sequential([
            keras.Input((100, 8)),
            layers.Conv1D(16, 5, strides=2, padding="same", activation="relu", name="c1"),
            layers.MaxPooling1D(3, strides=2, name="p1"),
            layers.Conv1D(32, 3, dilation_rate=2, name="c2"),
            layers.AveragePooling1D(2, padding="same", name="p2"),
            layers.Flatten(name="flat"),
            layers.Dense(4, name="out"),
        ], name="seq")
    return keras.Sequential([
        keras.Input((8, 32, 32, 3)),
        layers.Conv3D(8, (3, 5, 5), strides=(1, 2, 2), padding="same", name="c1"),
        layers.MaxPooling3D((1, 2, 2), name="p1"),
        layers.Conv3D(16, 3, name="c2"),
        layers.AveragePooling3D(2, padding="same", name="p2"),
        layers.GlobalAveragePooling3D(name="gap"),
        layers.Dense(5, name="out"),
    ], name="vol")


@pytest.mark.parametrize("which", ["sequence", "volume"])
def test_keras_sequence_and_volume_models(which, tmp_path):
    """Keras' Conv1D/Conv3D and their pools (channels last, as shapecalc's sequences and volumes are), read
    from model.to_json(): every layer's output shape and parameters are Keras' own."""
    import math
    import os

    from tests.test_keras import _keras

    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = _keras()
    from shapecalc.from_keras import read_keras

    keras.utils.clear_session()
    model = _keras_model(keras, which)
    path = tmp_path / "model.json"
    path.write_text(model.to_json())
    s = shapecalc.summary(read_keras(str(path)))
    assert s.totals["params"] == model.count_params()
    assert s.totals["params"] == sum(math.prod(w.shape) for w in model.weights)
    for layer in model.layers:
        row = s[layer.name]
        assert tuple(row.output_shape) == tuple(layer.output.shape[1:]), layer.name
        assert row.params == layer.count_params(), layer.name


@pytest.mark.parametrize("spec", [
    "input 40x3 | conv1d 4 k5 s2 p1 | maxpool1d 3 2 ceil | conv1d 4 k3 d2 | avgpool1d 2 p1",
    "input 7x12x10x2 | conv3d 3 k3 s2 p1 | maxpool3d k1x2x2 | conv3d 2 k2x3x1 | avgpool3d 1",
])
def test_receptive_fields_are_what_the_output_depends_on(spec):
    """The oracle: PyTorch's own realisation with positive weights on an input of ones, one input position
    raised far above the rest at a time (one batch). An output unit changes exactly when the raised position
    lies in its receptive field (clipped to the input: the rest is padding) — max pooling included, as a
    window's raised element becomes its maximum."""
    torch = pytest.importorskip("torch")
    from shapecalc.torch import to_torch

    net = parse_spec(spec)
    s = shapecalc.summary(net)
    last = s.rows[-1]
    shape = net.input_shape
    spatial = shape[:-1]
    module = to_torch(net).eval()
    with torch.no_grad():
        for p in module.parameters():
            p.fill_(0.1)
        positions = [tuple(int(i) for i in idx) for idx in torch.cartesian_prod(
            *[torch.arange(n) for n in spatial]).reshape(-1, len(spatial))]
        # shapecalc's layout in PyTorch: (batch, L, C) for a sequence, (batch, C, D, H, W) for a volume
        x = torch.ones((len(positions) + 1,) + ((spatial + (shape[-1],)) if len(spatial) == 1 else
                                                ((shape[-1],) + spatial)))
        for b, p in enumerate(positions, 1):
            if len(spatial) == 1:
                x[b, p[0], :] += 100
            else:
                x[(b, slice(None)) + p] += 100
        y = module(x)
    # output unit 0 along every axis, all channels
    unit0 = y[:, 0, :] if len(spatial) == 1 else y[(slice(None), slice(None)) + (0,) * len(spatial)]
    changed = {p for b, p in enumerate(positions, 1) if not torch.equal(unit0[b], unit0[0])}
    box = [range(max(start, 0), min(start + size - 1, n - 1) + 1)
           for size, start, n in zip(last.receptive_field, last.start, spatial)]
    expected = {p for p in positions if all(i in r for i, r in zip(p, box))}
    assert changed == expected


def _m5(torch):
    nn, F = torch.nn, torch.nn.functional

    class M5(nn.Module):
        """Dai et al. 2017's M5 over raw audio, as torchaudio's speech-command tutorial writes it."""

        def __init__(self, n_output=35, channels=32):
            super().__init__()
            self.conv1 = nn.Conv1d(1, channels, kernel_size=80, stride=16)
            self.bn1 = nn.BatchNorm1d(channels)
            self.pool1 = nn.MaxPool1d(4)
            self.conv2 = nn.Conv1d(channels, channels, kernel_size=3)
            self.bn2 = nn.BatchNorm1d(channels)
            self.pool2 = nn.MaxPool1d(4)
            self.conv3 = nn.Conv1d(channels, 2 * channels, kernel_size=3)
            self.bn3 = nn.BatchNorm1d(2 * channels)
            self.pool3 = nn.MaxPool1d(4)
            self.fc1 = nn.Linear(2 * channels * 7, n_output)

        def forward(self, x):
            x = self.pool1(F.relu(self.bn1(self.conv1(x))))
            x = self.pool2(F.relu(self.bn2(self.conv2(x))))
            x = self.pool3(F.relu(self.bn3(self.conv3(x))))
            return self.fc1(torch.flatten(x, 1))

    class Hybrid(nn.Module):
        """A 1-D convolution, then its sequence transposed to tokens for a per-position dense layer."""

        def __init__(self):
            super().__init__()
            self.conv = nn.Conv1d(8, 16, 3, padding=1)
            self.mix = nn.Linear(16, 16)

        def forward(self, x):
            return self.mix(self.conv(x).transpose(1, 2))

    return M5(), Hybrid()


def test_pytorch_sequence_modules_import():
    """A module whose 1-D layers read N×C×L: two sizes are tried as tokens N×D first, then as a sequence
    read channels first. Every layer's shape is checked against the module's run by the importer, and
    verify compares each row with the module's own output."""
    torch = pytest.importorskip("torch")
    from shapecalc.verify import verify

    m5, hybrid = _m5(torch)
    s = shapecalc.summary(m5, input="8000x1")
    # L: (8000 − 80)/16 + 1 = 496; /4 = 124; − 2 = 122; ⌊122/4⌋ = 30; − 2 = 28; /4 = 7
    assert [r.output_shape for r in s.rows if r.kind in ("conv1d", "maxpool1d")] == [
        (496, 32), (124, 32), (122, 32), (30, 32), (28, 64), (7, 64)]
    assert s.totals["params"] == sum(p.numel() for p in m5.parameters()) == (
        (80 * 1 * 32 + 32) + (3 * 32 * 32 + 32) + (3 * 32 * 64 + 64) + 2 * (32 + 32 + 64) + (448 * 35 + 35))
    assert verify(s.network).ok
    nn = torch.nn
    pools = nn.Sequential(nn.Conv1d(3, 4, 3), nn.AvgPool1d(2, padding=1), nn.MaxPool1d(3, 2, ceil_mode=True),
                          nn.Flatten())
    p = shapecalc.summary(pools, input="30x3")
    # L: 30 − 2 = 28; ⌊(28 + 2 − 2)/2⌋ + 1 = 15; ⌈(15 − 3)/2⌉ + 1 = 7
    assert [r.output_shape for r in p.rows[1:]] == [(28, 4), (15, 4), (7, 4), (7 * 4,)] and verify(p.network).ok
    cube = nn.Sequential(nn.Conv3d(3, 4, 3), nn.AvgPool3d((1, 2, 2)), nn.MaxPool3d(2, ceil_mode=True),
                         nn.AdaptiveAvgPool3d(1), nn.Flatten())
    c = shapecalc.summary(cube, input="8x16x16x3")
    # 6×14×14, then 6×7×7, then ceil: 3×4×4, then one cell per channel
    assert [r.output_shape for r in c.rows[1:]] == [(6, 14, 14, 4), (6, 7, 7, 4), (3, 4, 4, 4), (1, 1, 1, 4), (4,)]
    assert verify(c.network).ok
    t = shapecalc.summary(hybrid, input="20x8")
    assert [r.kind for r in t.rows] == ["input", "conv1d", "pointwise"]
    assert t["mix"].output_shape == (20, 16) and verify(t.network).ok
