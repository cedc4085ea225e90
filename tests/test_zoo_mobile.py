"""torchvision's MobileNetV2, MobileNetV3 and MNASNet twins (shapecalc/zoo/mobilenet.py, mnasnet.py): the
channel rounding and a few figures by hand. Their agreement with torchvision's own modules and weight
metadata is tests/test_zoo_tv_real.py's.
"""


import pytest

from shapecalc import summary
from shapecalc.layers import Network
from shapecalc.zoo.mnasnet import DEPTHS, round_depth
from shapecalc.zoo.mobilenet import make_divisible, mobilenet_v2_layers, mobilenet_v3_layers

from tests import tvreal


@pytest.mark.parametrize("value, rounded", [
    (16, 16), (4, 8),     # at least the divisor
    (30, 32), (60, 64),   # the nearest multiple
    (18, 24), (36, 40),   # 18 → 16 and 36 → 32 would lose over 10 %: one multiple up
    (41.6, 40),           # 40 ≥ 0.9 · 41.6
])
def test_make_divisible(value, rounded):
    assert make_divisible(value) == rounded


def test_mnasnet_depths():
    """torchvision's _get_depths by hand: e.g. α = 0.75: 24 · 0.75 = 18 rounds to 16 < 16.2, so 24;
    α = 1.3: 192 · 1.3 = 249.6 → ⌊253.6 / 8⌋ · 8 = 248."""
    assert [round_depth(d * 0.5) for d in DEPTHS] == [16, 8, 16, 24, 40, 48, 96, 160]
    assert [round_depth(d * 0.75) for d in DEPTHS] == [24, 16, 24, 32, 64, 72, 144, 240]
    assert [round_depth(d * 1.0) for d in DEPTHS] == list(DEPTHS)
    assert [round_depth(d * 1.3) for d in DEPTHS] == [40, 24, 32, 56, 104, 128, 248, 416]


def test_mobilenet_v2_by_hand():
    s = summary("torchvision.mobilenet_v2")
    # t = 1, 32 → 16: depthwise 3·3·32 + BN 2·32, then 1×1 32·16 + BN 2·16, no expansion
    assert s["features.1"].params == 288 + 64 + 512 + 32
    # the stride-2 depthwise 3×3 of block 2 (96 channels): 56·56·96·9 MACs
    assert s["features.2.conv.1.0"].output_shape == (56, 56, 96)
    assert s["features.2.conv.1.0"].macs == 56 * 56 * 96 * 9
    # the identity is added where stride 1 keeps the channels: the repeats after each stage's first
    residual = [i for i in range(19) if s[f"features.{i}"].kind == "residual"]
    assert residual == [3, 5, 6, 8, 9, 10, 12, 13, 15, 16]
    assert s["features.18.0"].output_shape == (7, 7, 1280)


def test_mobilenet_v3_squeeze_excitation():
    """Large, block 4 (72 → 40, 5×5/2, SE): squeeze to make_divisible(72 / 4) = 24, 1×1 convs with bias."""
    s = summary("torchvision.mobilenet_v3_large")
    assert s["features.4.block.2.fc1"].params == 72 * 24 + 24
    assert s["features.4.block.2.fc2"].params == 24 * 72 + 72
    assert s["features.4.block.2.fc1"].output_shape == (1, 1, 24)
    assert s["features.4.block.2.mul"].output_shape == (28, 28, 72)
    assert s["features.4.block.3.0"].output_shape == (28, 28, 40)
    # the last conv widens 160 six times; the classifier's hidden layer is 1280
    assert s["features.16.0"].output_shape == (7, 7, 960)
    assert s["classifier.0"].params == 960 * 1280 + 1280


def test_mobilenet_v3_small_first_block():
    """Small's first bneck has no expansion (16 → 16) but SE (squeeze 8) and stride 2: no residual."""
    s = summary("torchvision.mobilenet_v3_small")
    assert s["features.1"].kind != "residual"
    assert s["features.1.block.1.fc1"].output_shape == (1, 1, 8)
    assert s["features.1.block.2.0"].output_shape == (56, 56, 16)


def test_mnasnet_by_hand():
    s = summary("torchvision.mnasnet1_0")
    # stack 1 (16 → 24, 3×3/2, expansion 3): its first block has no skip, the others do
    assert s["layers.8.0"].kind != "residual"
    assert s["layers.8.1"].kind == "residual"
    assert s["layers.8.0.layers.3"].output_shape == (56, 56, 48)
    assert s["layers.16"].output_shape == (7, 7, 1280)
    assert s["mean"].output_shape == (1280,)
    assert s["classifier.1"].params == 1280 * 1000 + 1000


@pytest.mark.parametrize("width", [0.5, 0.75, 1.4])
def test_width_multipliers_against_torchvision(width):
    """The builders' width multipliers (unused by the zoo entries) give torchvision's parameter counts."""
    tvreal.require_torchvision()
    import torch
    import torchvision.models as M

    def count(model):
        return sum(p.numel() for p in model.parameters())

    with torch.device("meta"):
        v2 = M.mobilenet_v2(width_mult=width)
        v3 = {"large": M.mobilenet_v3_large(width_mult=width), "small": M.mobilenet_v3_small(width_mult=width)}
    assert summary(Network("v2", mobilenet_v2_layers(width), (224, 224, 3))).totals["params"] == count(v2)
    for arch, model in v3.items():
        ours = summary(Network("v3", mobilenet_v3_layers(arch, width), (224, 224, 3))).totals["params"]
        assert ours == count(model)
