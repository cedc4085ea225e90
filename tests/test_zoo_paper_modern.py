"""The paper-faithful modern zoo (MobileNet v1, MobileNetV2, SqueezeNet v1.0, EfficientNet-B0) against the
figures their papers publish.

Every expected number is a published figure (the dict PUBLISHED below, its source beside it), or hand
arithmetic from the paper's architecture table, written out as products. Tags, as in tests/published.py:
[PAPER] the paper named; [TV] torchvision's weights meta (tests/data/torchvision_weights.json, read from
torchvision 0.29.1), a second, independent count of the same architecture; [DERIVED] our arithmetic.

Page numbers are those of the arXiv PDFs as recalled (the PDFs could not be opened from this workplace);
the table numbers and the figures were checked against the arithmetic below.
"""

import math
from fractions import Fraction

import pytest

from shapecalc import summary, zoo
from shapecalc.layers import Conv2d, GlobalAvgPool, Linear, Network

PUBLISHED = {
    # Howard et al. 2017, "MobileNets", arXiv:1704.04861
    "mobilenet-v1": {
        "params_M": 4.2,       # [PAPER] Table 8, p. 6 (and Tables 4, 6, 7): 1.0 MobileNet-224, "4.2" million parameters
        "mult_adds_M": 569,    # [PAPER] Table 8, p. 6 (and Tables 4, 6, 7): 1.0 MobileNet-224, "569" million mult-adds
        # [PAPER] Table 6, p. 5: width multiplier α -> (million mult-adds, million parameters), at 224
        "width": {0.75: (325, 2.6), 0.5: (149, 1.3), 0.25: (41, 0.5)},
        # [PAPER] Table 7, p. 5: input resolution -> million mult-adds, α = 1 (parameters 4.2 at each)
        "resolution": {192: 418, 160: 290, 128: 186},
        # [PAPER] Table 2, p. 4, "Resource per layer type": (% of mult-adds, % of parameters)
        "per_type": {"conv1x1": (94.86, 74.59), "dw3x3": (3.06, 1.06), "conv3x3": (1.19, 0.02), "fc": (0.18, 24.33)},
        # [PAPER] Table 4, p. 5: "Conv MobileNet" (full 3×3 convolutions): million mult-adds, million parameters
        "conv_mobilenet": (4866, 29.3),
    },
    # Sandler et al. 2018, "MobileNetV2", arXiv:1801.04381
    "mobilenet-v2": {
        "params_M": 3.4,       # [PAPER] section 4, p. 5 ("uses 3.4 million parameters") and Table 4, p. 7
        "mult_adds_M": 300,    # [PAPER] section 4, p. 5 ("300 million multiply-adds") and Table 4, p. 7
        "tv_params": 3504872,  # [TV] mobilenet_v2 IMAGENET1K_V1 num_params
        "tv_gmacs": 0.301,     # [TV] mobilenet_v2 IMAGENET1K_V1 _ops (GFLOPS: conv + linear MACs)
    },
    # Iandola et al. 2016, "SqueezeNet", arXiv:1602.07360
    "squeezenet": {
        "params": 1248424,     # [PAPER] Table 1, p. 6, "#parameter before pruning", total row
        "model_MB": 4.8,       # [PAPER] Table 2, p. 7, SqueezeNet, no compression, 32 bit: "4.8MB"
        "tv_params": 1248424,  # [TV] squeezenet1_0 IMAGENET1K_V1 num_params
        "tv_gmacs": 0.819,     # [TV] squeezenet1_0 IMAGENET1K_V1 _ops at 224×224
    },
    # Tan & Le 2019, "EfficientNet", arXiv:1905.11946
    "efficientnet-b0": {
        "params_M": 5.3,       # [PAPER] Table 2, p. 6, EfficientNet-B0 "#Params 5.3M"
        "flops_B": 0.39,       # [PAPER] Table 2, p. 6, EfficientNet-B0 "#FLOPs 0.39B" (multiply-adds)
        "tv_params": 5288548,  # [TV] efficientnet_b0 IMAGENET1K_V1 num_params
        "tv_gmacs": 0.386,     # [TV] efficientnet_b0 IMAGENET1K_V1 _ops
    },
}


def _bn_params(s):
    """BatchNorm's γ and β: counted as parameters here (as Keras and PyTorch do); the papers' weight counts
    may leave them out."""
    return sum(r.params for r in s.rows if r.kind == "batchnorm")


# --------------------------------------------------------------------------------------------------
# MobileNet v1: Howard et al. 2017, Table 1


def _mnv1_table1():
    """[PAPER] Table 1, p. 4, "MobileNet Body Architecture": our row, Type / Stride, Filter Shape, Input Size.
    Table 1 prints the two 14×14×512 rows once, marked "5×"; they are written out here."""
    rows = [
        ("conv1.conv", "Conv / s2", (3, 3, 3, 32), (224, 224, 3)),
        ("sep1.dw", "Conv dw / s1", (3, 3, 32), (112, 112, 32)),
        ("sep1.pw", "Conv / s1", (1, 1, 32, 64), (112, 112, 32)),
        ("sep2.dw", "Conv dw / s2", (3, 3, 64), (112, 112, 64)),
        ("sep2.pw", "Conv / s1", (1, 1, 64, 128), (56, 56, 64)),
        ("sep3.dw", "Conv dw / s1", (3, 3, 128), (56, 56, 128)),
        ("sep3.pw", "Conv / s1", (1, 1, 128, 128), (56, 56, 128)),
        ("sep4.dw", "Conv dw / s2", (3, 3, 128), (56, 56, 128)),
        ("sep4.pw", "Conv / s1", (1, 1, 128, 256), (28, 28, 128)),
        ("sep5.dw", "Conv dw / s1", (3, 3, 256), (28, 28, 256)),
        ("sep5.pw", "Conv / s1", (1, 1, 256, 256), (28, 28, 256)),
        ("sep6.dw", "Conv dw / s2", (3, 3, 256), (28, 28, 256)),
        ("sep6.pw", "Conv / s1", (1, 1, 256, 512), (14, 14, 256)),
    ]
    for i in range(7, 12):  # "5×"
        rows += [(f"sep{i}.dw", "Conv dw / s1", (3, 3, 512), (14, 14, 512)),
                 (f"sep{i}.pw", "Conv / s1", (1, 1, 512, 512), (14, 14, 512))]
    rows += [
        ("sep12.dw", "Conv dw / s2", (3, 3, 512), (14, 14, 512)),
        ("sep12.pw", "Conv / s1", (1, 1, 512, 1024), (7, 7, 512)),
        # sic "s2": its input is 7×7×1024 and so is the next row's, so its stride is 1 (shapecalc uses 1)
        ("sep13.dw", "Conv dw / s2", (3, 3, 1024), (7, 7, 1024)),
        ("sep13.pw", "Conv / s1", (1, 1, 1024, 1024), (7, 7, 1024)),
        ("avgpool", "Avg Pool / s1", (7, 7), (7, 7, 1024)),
        ("fc", "FC / s1", (1024, 1000), (1, 1, 1024)),
        ("softmax", "Softmax / s1", None, (1, 1, 1000)),
    ]
    return rows


MNV1_TABLE1 = _mnv1_table1()
#: the same table as (stride, input channels, output channels) of the 13 depthwise separable layers
MNV1_SEPARABLE = [(1, 32, 64), (2, 64, 128), (1, 128, 128), (2, 128, 256), (1, 256, 256), (2, 256, 512)] + \
    [(1, 512, 512)] * 5 + [(2, 512, 1024), (1, 1024, 1024)]


@pytest.fixture(scope="module")
def mnv1():
    return summary("mobilenet-v1")


def test_mobilenet_v1_table1_rows(mnv1):
    """Every Table 1 row: the input size it prints, and the filter shape's product as the layer's weights."""
    for path, _, filters, input_size in MNV1_TABLE1:
        row = mnv1[path]
        got = row.input_shape if path not in ("fc", "softmax") else (1, 1) + row.input_shape
        assert got == input_size, path
        if filters and path != "avgpool":
            assert row.weights == math.prod(filters), path
            assert row.biases == (1000 if path == "fc" else 0), path
    assert mnv1["softmax"].output_shape == (1000,)


def test_mobilenet_v1_depthwise_separable_layer_by_hand(mnv1):
    """sep1 (3×3 depthwise on 112×112×32, then 1×1 to 64): weights, BN, MACs, and the cost ratio of eq. (5)."""
    sep1 = mnv1["sep1"]
    assert mnv1["sep1.dw"].weights + mnv1["sep1.pw"].weights == 3 * 3 * 32 + 32 * 64 == 2336
    assert sep1.params == 3 * 3 * 32 + 32 * 64 + 2 * 32 + 2 * 64 == 2528  # + γ and β of both BatchNorms
    assert sep1.buffers == 2 * 32 + 2 * 64                                # running mean and variance
    assert sep1.macs == 112 * 112 * 32 * 3 * 3 + 112 * 112 * 32 * 64 == 29302784
    # [PAPER] section 3.1, eq. (5): separable / full cost = 1/N + 1/D_K² (N = 64 outputs, D_K = 3)
    full = 112 * 112 * 3 * 3 * 32 * 64
    assert Fraction(sep1.macs, full) == Fraction(1, 64) + Fraction(1, 3 ** 2)
    # a stride-2 layer: sep2's depthwise conv works at the output size 56×56
    assert mnv1["sep2"].macs == 56 * 56 * 64 * 3 * 3 + 56 * 56 * 64 * 128


def _mnv1_by_hand(size=224, alpha=1.0):
    """[DERIVED] Table 1 in plain arithmetic: conv+FC weights, BatchNorm γ/β, and MACs at ``size``."""
    def w(c):
        return int(c * alpha)

    h = -(-size // 2)  # 'same' padding: ⌈H/s⌉
    weights = 3 * 3 * 3 * w(32)
    bn = 2 * w(32)
    macs = h * h * 3 * 3 * 3 * w(32)
    for stride, cin, cout in MNV1_SEPARABLE:
        h = -(-h // stride)
        weights += 3 * 3 * w(cin) + w(cin) * w(cout)
        bn += 2 * w(cin) + 2 * w(cout)
        macs += h * h * 3 * 3 * w(cin) + h * h * w(cin) * w(cout)
    fc = w(1024) * 1000
    return weights + fc, bn, 1000, macs + fc


def test_mobilenet_v1_totals(mnv1):
    """4,231,976 parameters (4.2M) and 568,740,352 mult-adds (569M), as Table 8."""
    weights, bn, fc_bias, macs = _mnv1_by_hand()
    t = mnv1.totals
    assert t["params"] == weights + bn + fc_bias == 4231976
    assert weights == 4209088 and bn == 21888
    assert round(t["params"] / 1e6, 1) == PUBLISHED["mobilenet-v1"]["params_M"]
    # (the paper counts weights: 4,209,088 rounds to 4.2 as well)
    assert round(weights / 1e6, 1) == PUBLISHED["mobilenet-v1"]["params_M"]
    assert t["macs"] == macs == 568740352
    assert round(t["macs"] / 1e6) == PUBLISHED["mobilenet-v1"]["mult_adds_M"]
    assert mnv1.warnings == []  # 'same' padding tiles every layer exactly


@pytest.mark.parametrize("alpha", [0.75, 0.5, 0.25])
def test_mobilenet_v1_width_multiplier(alpha):
    """Table 6: α = 0.75, 0.5, 0.25 at 224 (every width × α is a whole number)."""
    mult_adds, params = PUBLISHED["mobilenet-v1"]["width"][alpha]
    s = summary("mobilenet-v1", alpha=alpha)
    weights, bn, fc_bias, macs = _mnv1_by_hand(alpha=alpha)
    assert s.totals["params"] == weights + bn + fc_bias
    assert s.totals["macs"] == macs
    assert round(s.totals["params"] / 1e6, 1) == params
    assert round(s.totals["macs"] / 1e6) == mult_adds


def test_mobilenet_v1_resolution_multiplier():
    """Table 7: 192 → 418M and 128 → 186M; 160 gives 290,675,200, printed 290 (cut, not rounded: 290.68)."""
    published = PUBLISHED["mobilenet-v1"]["resolution"]
    got = {r: summary("mobilenet-v1", input=(r, r, 3)).totals["macs"] for r in published}
    assert got == {r: _mnv1_by_hand(r)[3] for r in published}
    assert got == {192: 418121728, 160: 290675200, 128: 186400768}
    assert round(got[192] / 1e6) == published[192]
    assert round(got[128] / 1e6) == published[128]
    # the paper's 290 is the count truncated (every other figure of Tables 6-8 is rounded): assert the truth
    assert round(got[160] / 1e6) == published[160] + 1 and int(got[160] / 1e6) == published[160]
    # parameters do not depend on the resolution (Table 7: 4.2 at every size)
    assert summary("mobilenet-v1", input=(128, 128, 3)).totals["params"] == 4231976


def test_mobilenet_v1_resource_per_layer_type(mnv1):
    """Table 2: shares of mult-adds and of (weight) parameters per layer type, to the printed 0.01%.

    The "Conv 3×3" mult-adds share is printed 1.19%; the count is 10,838,016 of 568,740,352 = 1.91% (digits
    transposed: the printed column sums to 99.29%, with 1.91 to 100.01%)."""
    kinds = {"conv1x1": [], "dw3x3": [], "conv3x3": [], "fc": []}
    for r in mnv1.rows:
        if r.kind == "conv":
            kinds["conv1x1" if r.layer.kernel == (1, 1) else "conv3x3"].append(r)
        elif r.kind == "dwconv":
            kinds["dw3x3"].append(r)
        elif r.kind == "dense":
            kinds["fc"].append(r)
    macs = sum(r.macs for rows in kinds.values() for r in rows)
    weights = sum(r.weights for rows in kinds.values() for r in rows)  # the conv and FC weights, no BN
    assert (macs, weights) == (568740352, 4209088)
    share = {k: (round(100 * sum(r.macs for r in rows) / macs, 2),
                 round(100 * sum(r.weights for r in rows) / weights, 2)) for k, rows in kinds.items()}
    published = PUBLISHED["mobilenet-v1"]["per_type"]
    for kind in ("conv1x1", "dw3x3", "fc"):
        assert share[kind] == published[kind], kind
    assert share["conv3x3"] == (1.91, published["conv3x3"][1])
    assert mnv1["conv1.conv"].macs == 112 * 112 * 3 * 3 * 3 * 32 == 10838016
    assert round(sum(v[0] for v in published.values()), 2) == 99.29


def test_mobilenet_v1_full_convolution_twin():
    """Table 4's "Conv MobileNet" (each separable layer a full 3×3 conv): 29.3M parameters; 4,867M mult-adds,
    printed 4866 (the count without the FC layer's 1.024M is 4,866.3M; Table 8's 569 includes it)."""
    layers = [Conv2d(32, 3, stride=2, padding="same", bias=False)]
    layers += [Conv2d(cout, 3, stride=stride, padding="same", bias=False) for stride, _, cout in MNV1_SEPARABLE]
    layers += [GlobalAvgPool(), Linear(1000, bias=False)]
    t = summary(Network("conv-mobilenet", layers, (224, 224, 3))).totals
    weights = 3 * 3 * 3 * 32 + sum(3 * 3 * cin * cout for _, cin, cout in MNV1_SEPARABLE) + 1024 * 1000
    assert t["params"] == weights == 29281120
    mult_adds, params = PUBLISHED["mobilenet-v1"]["conv_mobilenet"]
    assert round(t["params"] / 1e6, 1) == params
    assert t["macs"] == 4867293184
    assert round((t["macs"] - 1024 * 1000) / 1e6) == mult_adds


def test_mobilenet_v1_alpha_is_checked():
    from shapecalc.errors import ConfigError

    with pytest.raises(ConfigError):
        zoo.get("mobilenet-v1", alpha=1.5)


# --------------------------------------------------------------------------------------------------
# MobileNetV2: Sandler et al. 2018, Table 2

#: [PAPER] Table 2, p. 5: Input, Operator, t, c, n, s; our row for each line
MNV2_TABLE2 = [
    ("conv1", (224, 224, 3), "conv2d", None, 32, 1, 2),
    ("bottleneck1", (112, 112, 32), "bottleneck", 1, 16, 1, 1),
    ("bottleneck2", (112, 112, 16), "bottleneck", 6, 24, 2, 2),
    ("bottleneck3", (56, 56, 24), "bottleneck", 6, 32, 3, 2),
    ("bottleneck4", (28, 28, 32), "bottleneck", 6, 64, 4, 2),
    ("bottleneck5", (14, 14, 64), "bottleneck", 6, 96, 3, 1),
    ("bottleneck6", (14, 14, 96), "bottleneck", 6, 160, 3, 2),
    ("bottleneck7", (7, 7, 160), "bottleneck", 6, 320, 1, 1),
    ("conv2", (7, 7, 320), "conv2d 1x1", None, 1280, 1, 1),
    ("avgpool", (7, 7, 1280), "avgpool 7x7", None, None, 1, None),
    ("classifier", (1, 1, 1280), "conv2d 1x1", None, 1000, None, None),  # "k" classes: 1000 for ImageNet
]


@pytest.fixture(scope="module")
def mnv2():
    return summary("mobilenet-v2")


def test_mobilenet_v2_table2_rows(mnv2):
    """Each Table 2 line: its input size, its n blocks, and the c channels it ends with."""
    net = zoo.get("mobilenet-v2")
    blocks = {layer.name: layer for layer in net.layers}
    for path, input_size, operator, t, c, n, s in MNV2_TABLE2:
        row = mnv2[path]
        assert row.input_shape == input_size, path
        if c is not None:
            assert row.output_shape[-1] == c, path
        if operator == "bottleneck":
            assert len(blocks[path].layers) == n, path
            h = input_size[0] // s
            assert row.output_shape == (h, h, c), path
    assert mnv2["softmax"].output_shape == (1000,)


def test_mobilenet_v2_residuals_where_stride_1_and_same_channels(mnv2):
    """Figure 4(d): a shortcut on every stride-1 block whose input and output channels agree: the n − 1
    later blocks of each line, and no first block (each line changes c): 0+1+2+3+2+2+0 = 10."""
    residual = [r.path for r in mnv2.all_rows if r.kind == "residual"]
    expected = [f"bottleneck{line}.{i}" for line, n in enumerate((1, 2, 3, 4, 3, 3, 1), 1) for i in range(1, n)]
    assert residual == expected and len(residual) == 10


def test_mobilenet_v2_bottleneck_by_hand(mnv2):
    """Table 1's bottleneck for bottleneck2.0 (112×112×16 → 56×56×24, t = 6, s = 2): 1×1 to 6·16 = 96,
    3×3 depthwise stride 2, linear 1×1 to 24; BatchNorm after each."""
    b = mnv2["bottleneck2.0"]
    assert b.params == 16 * 96 + 3 * 3 * 96 + 96 * 24 + 2 * (96 + 96 + 24) == 5136
    assert b.macs == 112 * 112 * 16 * 96 + 56 * 56 * 96 * 3 * 3 + 56 * 56 * 96 * 24 == 29202432
    # the t = 1 line has no expansion conv: depthwise on the 32 channels, then the linear 1×1 to 16
    assert mnv2["bottleneck1"].params == 3 * 3 * 32 + 32 * 16 + 2 * (32 + 16)
    assert mnv2["bottleneck1"].macs == 112 * 112 * 32 * 3 * 3 + 112 * 112 * 32 * 16


def _mnv2_by_hand():
    """[DERIVED] Table 2 in plain arithmetic: conv weights + classifier, BatchNorm γ/β, MACs."""
    h, cin = 112, 32
    weights, bn, macs = 3 * 3 * 3 * 32, 2 * 32, 112 * 112 * 3 * 3 * 3 * 32
    for _, _, op, t, c, n, s in MNV2_TABLE2[1:8]:
        for i in range(n):
            stride = s if i == 0 else 1
            mid = t * cin
            if t != 1:
                weights, bn, macs = weights + cin * mid, bn + 2 * mid, macs + h * h * cin * mid
            h = h // stride
            weights += 3 * 3 * mid + mid * c
            bn += 2 * mid + 2 * c
            macs += h * h * 3 * 3 * mid + h * h * mid * c
            cin = c
    weights, bn, macs = weights + 320 * 1280, bn + 2 * 1280, macs + 7 * 7 * 320 * 1280
    return weights + 1280 * 1000, bn, 1000, macs + 1280 * 1000


def test_mobilenet_v2_totals(mnv2):
    """3,504,872 parameters (3,470,760 without BatchNorm) and 300,774,272 multiply-adds.

    The paper prints 3.4M and 300M: both are the exact counts cut, not rounded (3.47M, 300.77M); no
    faithful reading gives less (a literal 1×1 32→32 'expansion' in the t = 1 line would add 1,024
    weights and 12.8M MACs). torchvision's build of the same architecture counts the same."""
    weights, bn, bias, macs = _mnv2_by_hand()
    t = mnv2.totals
    assert t["params"] == weights + bn + bias == 3504872
    assert bn == _bn_params(mnv2) == 34112
    assert t["params"] - bn == 3470760
    assert t["macs"] == macs == 300774272
    paper = PUBLISHED["mobilenet-v2"]
    assert int((t["params"] - bn) / 1e5) / 10 == paper["params_M"]   # 3.47 cut to 3.4
    assert round((t["params"] - bn) / 1e6, 2) == 3.47
    assert int(t["macs"] / 1e6) == paper["mult_adds_M"]              # 300.77 cut to 300
    assert t["params"] == paper["tv_params"]
    assert round(t["macs"] / 1e9, 3) == paper["tv_gmacs"]
    assert mnv2.warnings == []


# --------------------------------------------------------------------------------------------------
# SqueezeNet v1.0: Iandola et al. 2016, Table 1

#: [PAPER] Table 1, p. 6: layer, output size (as printed), s1x1, e1x1, e3x3, #parameter before pruning
SQUEEZENET_TABLE1 = [
    ("conv1", (111, 111, 96), None, None, None, 14208),
    ("maxpool1", (55, 55, 96), None, None, None, 0),
    ("fire2", (55, 55, 128), 16, 64, 64, 11920),
    ("fire3", (55, 55, 128), 16, 64, 64, 12432),
    ("fire4", (55, 55, 256), 32, 128, 128, 45344),
    ("maxpool4", (27, 27, 256), None, None, None, 0),
    ("fire5", (27, 27, 256), 32, 128, 128, 49440),
    ("fire6", (27, 27, 384), 48, 192, 192, 104880),
    ("fire7", (27, 27, 384), 48, 192, 192, 111024),
    ("fire8", (27, 27, 512), 64, 256, 256, 188992),
    ("maxpool8", (13, 13, 512), None, None, None, 0),
    ("fire9", (13, 13, 512), 64, 256, 256, 197184),
    ("conv10", (13, 13, 1000), None, None, None, 513000),
    ("avgpool10", (1, 1, 1000), None, None, None, 0),
]


@pytest.fixture(scope="module")
def squeeze():
    return summary("squeezenet")


def test_squeezenet_table1_parameters(squeeze):
    """Every Table 1 row's parameter count (weights and biases) and the Fire widths."""
    for name, _, s1, e1, e3, params in SQUEEZENET_TABLE1:
        assert squeeze[name].params == params, name
        if s1 is not None:
            assert squeeze[f"{name}.squeeze1x1"].output_shape[-1] == s1
            assert squeeze[f"{name}.expand.expand1x1"].output_shape[-1] == e1
            assert squeeze[f"{name}.expand.expand3x3"].output_shape[-1] == e3
    assert sum(row[-1] for row in SQUEEZENET_TABLE1) == PUBLISHED["squeezenet"]["params"]
    assert squeeze.totals["params"] == PUBLISHED["squeezenet"]["params"] == PUBLISHED["squeezenet"]["tv_params"]


def test_squeezenet_fire_by_hand(squeeze):
    """fire2 on 96 channels: squeeze 1×1 to 16, expand 1×1 to 64 and 3×3 to 64, each with its biases."""
    assert squeeze["fire2"].params == (96 * 16 + 16) + (16 * 64 + 64) + (3 * 3 * 16 * 64 + 64) == 11920
    assert squeeze["conv1"].params == 7 * 7 * 3 * 96 + 96 == 14208
    assert squeeze["conv10"].params == 512 * 1000 + 1000 == 513000
    # at 224×224 fire2 works on 54×54 maps
    assert squeeze["fire2"].macs == 54 * 54 * (96 * 16 + 16 * 64 + 3 * 3 * 16 * 64)


def test_squeezenet_table1_sizes_are_those_of_227():
    """Table 1 says "input image 224x224x3" but conv1 "111x111x96": (227 − 7)/2 + 1 = 111, the Caffe model's
    227×227 crop. At 227 every printed output size is ours, with no rounding anywhere."""
    s = summary("squeezenet", input=(227, 227, 3))
    for name, size, *_ in SQUEEZENET_TABLE1:
        got = s[name].output_shape
        assert (got if len(got) == 3 else (1, 1) + got) == size, name
    assert s.warnings == []


def test_squeezenet_at_224(squeeze):
    """At the stated 224×224: conv1 (224 − 7)/2 + 1 = 109.5 → 109, then 54 → 27 (pools round up, as
    Caffe's) → 13; the same network as torchvision's squeezenet1_0, and the same MACs."""
    assert [squeeze[n].output_shape[:2] for n in ("conv1", "maxpool1", "maxpool4", "maxpool8")] == [
        (109, 109), (54, 54), (27, 27), (13, 13)]
    # conv1 never reads row and column 223 (windows start at 0, 2, …, 216 and the last ends at 222); the
    # ceil-mode pool on 54 reads every row, its last window partial
    assert [path for path, _ in squeeze.warnings] == ["conv1", "conv1"]
    assert [path for path, _ in squeeze.notes] == ["maxpool4", "maxpool4"]
    assert squeeze.totals["macs"] == 818924576
    assert round(squeeze.totals["macs"] / 1e9, 3) == PUBLISHED["squeezenet"]["tv_gmacs"]


def test_squeezenet_model_size(squeeze):
    """Table 2: 4.8MB at 32 bits per parameter (MiB: 1,248,424 · 4 bytes = 4,993,696 B = 4.76 MiB)."""
    size = squeeze.totals["params"] * 4
    assert size == 1248424 * 4 == 4993696
    assert round(size / 2 ** 20, 1) == PUBLISHED["squeezenet"]["model_MB"]


# --------------------------------------------------------------------------------------------------
# EfficientNet-B0: Tan & Le 2019, Table 1

#: [PAPER] Table 1, p. 5: stage, operator, kernel, resolution (the stage's input), channels, layers
EFFNET_TABLE1 = [
    (1, "Conv3x3", 3, 224, 32, 1),
    (2, "MBConv1", 3, 112, 16, 1),
    (3, "MBConv6", 3, 112, 24, 2),
    (4, "MBConv6", 5, 56, 40, 2),
    (5, "MBConv6", 3, 28, 80, 3),
    (6, "MBConv6", 5, 14, 112, 3),
    (7, "MBConv6", 5, 14, 192, 4),
    (8, "MBConv6", 3, 7, 320, 1),
    (9, "Conv1x1 & Pooling & FC", 1, 7, 1280, 1),
]


@pytest.fixture(scope="module")
def effnet():
    return summary("efficientnet-b0")


def test_efficientnet_b0_table1_rows(effnet):
    """Each stage: its input resolution, its channels, its layers, and each MBConv's expansion and kernel."""
    net = zoo.get("efficientnet-b0")
    stages = {layer.name: layer for layer in net.layers}
    for stage, op, kernel, resolution, channels, layers in EFFNET_TABLE1:
        row = effnet[f"stage{stage}"]
        assert row.input_shape[:2] == (resolution, resolution), stage
        if op.startswith("MBConv"):
            assert row.output_shape[-1] == channels and len(stages[f"stage{stage}"].layers) == layers, stage
            t = int(op[len("MBConv"):])
            for i in range(layers):
                dw = effnet[f"stage{stage}.{i}.dw"]
                assert dw.layer.kernel == (kernel, kernel)
                block_in = effnet[f"stage{stage}.{i}"].input_shape[-1]
                assert dw.input_shape[-1] == t * block_in
    assert effnet["stage1.conv"].output_shape == (112, 112, 32)
    assert effnet["stage9.conv"].output_shape == (7, 7, 1280)
    assert effnet["softmax"].output_shape == (1000,)


def test_efficientnet_b0_mbconv_by_hand(effnet):
    """stage3.0, MBConv6 k3×3 from 112×112×16 to 56×56×24: expand 16 → 96, depthwise 3×3 stride 2,
    squeeze-excitation 96 → int(0.25 · 16) = 4 → 96 (with biases), project 96 → 24; BatchNorm γ/β."""
    b = effnet["stage3.0"]
    se = (96 * 4 + 4) + (4 * 96 + 96)
    assert effnet["stage3.0.se"].params == se == 868
    assert b.params == 16 * 96 + 3 * 3 * 96 + se + 96 * 24 + 2 * (96 + 96 + 24) == 6004
    assert b.macs == 112 * 112 * 16 * 96 + 56 * 56 * 96 * 3 * 3 + (96 * 4 + 4 * 96) + 56 * 56 * 96 * 24
    # every squeeze is a quarter of its block's input channels
    for r in effnet.rows:
        if r.path.endswith(".se.reduce"):
            block_in = effnet[r.path[: -len(".se.reduce")]].input_shape[-1]
            assert r.output_shape[-1] == int(block_in * 0.25), r.path


def _effnet_by_hand():
    """[DERIVED] Table 1 in plain arithmetic: params (with BatchNorm γ/β) and MACs."""
    params, macs = 3 * 3 * 3 * 32 + 2 * 32, 112 * 112 * 3 * 3 * 3 * 32
    h, cin = 112, 32
    for stage, op, k, resolution, c, n in EFFNET_TABLE1[1:8]:
        t = int(op[len("MBConv"):])
        for i in range(n):
            stride = 2 if i == 0 and EFFNET_TABLE1[stage][3] < resolution else 1
            mid, squeeze = t * cin, int(cin * 0.25)
            if t != 1:
                params, macs = params + cin * mid + 2 * mid, macs + h * h * cin * mid
            h = h // stride
            params += k * k * mid + 2 * mid + (mid * squeeze + squeeze) + (squeeze * mid + mid) + mid * c + 2 * c
            macs += h * h * k * k * mid + 2 * mid * squeeze + h * h * mid * c
            cin = c
    params += 320 * 1280 + 2 * 1280 + 1280 * 1000 + 1000
    macs += 7 * 7 * 320 * 1280 + 1280 * 1000
    return params, macs


def test_efficientnet_b0_totals(effnet):
    """5,288,548 parameters (5.3M) and 385,814,752 multiply-adds (0.39B), as Table 2 and torchvision.

    The 5.3M counts BatchNorm's γ and β (Keras' trainable count): without them it is 5,246,532, 5.2M."""
    params, macs = _effnet_by_hand()
    t = effnet.totals
    assert t["params"] == params == 5288548
    assert t["macs"] == macs == 385814752
    paper = PUBLISHED["efficientnet-b0"]
    assert round(t["params"] / 1e6, 1) == paper["params_M"]
    assert round(t["macs"] / 1e9, 2) == paper["flops_B"]
    assert t["params"] - _bn_params(effnet) == 5246532
    assert round((t["params"] - _bn_params(effnet)) / 1e6, 1) == 5.2
    assert t["params"] == paper["tv_params"]
    assert round(t["macs"] / 1e9, 3) == paper["tv_gmacs"]
    assert effnet.warnings == []


# --------------------------------------------------------------------------------------------------
# all four


@pytest.mark.parametrize("name", ["mobilenet-v1", "mobilenet-v2", "squeezenet", "efficientnet-b0"])
def test_modern_zoo_entries(name):
    """Each network is registered, built by papers_mobile, and cites its paper."""
    key, (module, _, shape, _) = zoo.entry(name)
    net = zoo.get(name)
    assert module == "papers_mobile" and shape == (224, 224, 3) == net.input_shape
    assert net.title == name and "arXiv:" in net.source
