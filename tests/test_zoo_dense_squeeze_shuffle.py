"""The torchvision twins of DenseNet, SqueezeNet, ShuffleNetV2 and Inception v3's flat Mixed blocks, by
hand: each figure below is written as the products that make it (torchvision/models/densenet.py,
squeezenet.py, shufflenetv2.py, inception.py; totals from their Weights enums' ``num_params``).
"""

import pytest

from shapecalc import summary

# -- DenseNet -------------------------------------------------------------------------------------------


def test_densenet121_dense_layer_reads_every_earlier_channel():
    """Dense layer i of block 1 reads 64 + (i − 1)·32 channels: BN on them, 1×1 conv to 4·32 = 128, BN,
    3×3 conv to the growth rate 32; no conv has a bias."""
    s = summary("torchvision.densenet121")
    block = "features.denseblock1"
    for i in range(1, 7):
        c_in = 64 + (i - 1) * 32
        assert s[f"{block}.denselayer{i}.norm1"].params == 2 * c_in
        assert s[f"{block}.denselayer{i}.conv1"].params == c_in * 128
        assert s[f"{block}.denselayer{i}.conv2"].params == 3 * 3 * 128 * 32
        assert s[f"{block}.denselayer{i}"].params == 2 * c_in + c_in * 128 + 2 * 128 + 3 * 3 * 128 * 32
        # the layer's own output is its 32 new channels (as torchvision's module); the concat after it
        # carries the running features
        assert s[f"{block}.denselayer{i}"].output_shape == (56, 56, 32)
        assert s[f"{block}.concat{i}"].output_shape == (56, 56, c_in + 32)
    assert s[block].output_shape == (56, 56, 64 + 6 * 32)


@pytest.mark.parametrize("depth, stem, growth, blocks, params", [
    (121, 64, 32, (6, 12, 24, 16), 7978856),
    (161, 96, 48, (6, 12, 36, 24), 28681000),
    (169, 64, 32, (6, 12, 32, 32), 14149480),
    (201, 64, 32, (6, 12, 48, 32), 20013928),
])
def test_densenet_channels_and_params(depth, stem, growth, blocks, params):
    """Each block adds layers·k channels, each transition halves them (and the map); the classifier is
    one Linear on the last block's channels."""
    s = summary(f"torchvision.densenet{depth}")
    c, size = stem, 56
    for b, count in enumerate(blocks, 1):
        c += count * growth
        assert s[f"features.denseblock{b}"].output_shape == (size, size, c)
        if b < len(blocks):
            c //= 2
            size //= 2
            assert s[f"features.transition{b}.conv"].params == (2 * c) * c
            assert s[f"features.transition{b}"].output_shape == (size, size, c)
    assert s["classifier"].params == c * 1000 + 1000
    assert s.totals["params"] == params


# -- SqueezeNet -----------------------------------------------------------------------------------------


def test_fire_module_params():
    """SqueezeNet 1.0's first Fire (96 → squeeze 16 → expand 64 + 64), every conv with a bias."""
    s = summary("torchvision.squeezenet1_0")
    fire = "features.3"
    assert s[f"{fire}.squeeze"].params == 96 * 16 + 16
    assert s[f"{fire}.expand1x1"].params == 16 * 64 + 64
    assert s[f"{fire}.expand3x3"].params == 3 * 3 * 16 * 64 + 64
    assert s[fire].params == (96 * 16 + 16) + (16 * 64 + 64) + (3 * 3 * 16 * 64 + 64)
    assert s[f"{fire}.squeeze_activation"].output_shape == (54, 54, 16)
    assert s[f"{fire}.expand1x1_activation"].output_shape == (54, 54, 64)
    assert s[f"{fire}.expand3x3"].output_shape == (54, 54, 64)
    assert s[fire].output_shape == (54, 54, 64 + 64)


@pytest.mark.parametrize("version, stem, pooled, params", [
    ("1_0", 3 * 96 * 7 * 7 + 96, 54, 1248424),   # (224 − 7)/2 + 1 = 109; ⌈(109 − 3)/2⌉ + 1 = 54
    ("1_1", 3 * 64 * 3 * 3 + 64, 55, 1235496),   # (224 − 3)/2 + 1 = 111; ⌈(111 − 3)/2⌉ + 1 = 55
])
def test_squeezenet_stem_pools_and_totals(version, stem, pooled, params):
    s = summary(f"torchvision.squeezenet{version}")
    assert s["features.0"].params == stem
    assert s["features.2"].output_shape[:2] == (pooled, pooled)
    # the classifier: a 1×1 conv from 512 channels to the 1000 classes, then a global average pool
    assert s["classifier.1"].params == 512 * 1000 + 1000
    assert s["classifier.3"].output_shape == (1, 1, 1000)
    assert s.totals["params"] == params


# -- ShuffleNetV2 ---------------------------------------------------------------------------------------


def test_shufflenet_units():
    """×1.0, stage 2 (116 channels, 58 per branch). Stride 2 from 24 channels: branch1 is depthwise 3×3,
    BN, 1×1 to 58, BN; branch2 is 1×1 to 58, BN, depthwise 3×3, BN, 1×1, BN. Stride 1: the input is split
    in halves of 58 and only the second goes through branch2. No conv has a bias."""
    s = summary("torchvision.shufflenet_v2_x1_0")
    branch1 = 3 * 3 * 24 + 2 * 24 + 24 * 58 + 2 * 58
    assert s["stage2.0.branch1"].params == branch1
    assert s["stage2.0.branch2"].params == 24 * 58 + 2 * 58 + 3 * 3 * 58 + 2 * 58 + 58 * 58 + 2 * 58
    assert s["stage2.0.branch1"].output_shape == s["stage2.0.branch2"].output_shape == (28, 28, 58)
    assert s["stage2.1.branch1"].params == 0
    assert s["stage2.1.branch1"].output_shape == (28, 28, 58)   # the first half, unchanged
    assert s["stage2.1.branch2.split"].output_shape == (28, 28, 58)
    assert s["stage2.1.branch2"].params == 58 * 58 + 2 * 58 + 3 * 3 * 58 + 2 * 58 + 58 * 58 + 2 * 58
    assert s["stage2.1.shuffle"].output_shape == (28, 28, 116)
    assert s["stage2.1.shuffle"].params == 0


@pytest.mark.parametrize("width, channels, params", [
    ("0_5", (24, 48, 96, 192, 1024), 1366792),
    ("1_0", (24, 116, 232, 464, 1024), 2278604),
    ("1_5", (24, 176, 352, 704, 1024), 3503624),
    ("2_0", (24, 244, 488, 976, 2048), 7393996),
])
def test_shufflenet_stages(width, channels, params):
    s = summary(f"torchvision.shufflenet_v2_x{width}")
    assert s["conv1"].output_shape == (112, 112, 24)
    for stage, (c, size) in enumerate(zip(channels[1:4], (28, 14, 7)), 2):
        assert s[f"stage{stage}"].output_shape == (size, size, c)
    assert s["conv5.0"].params == channels[3] * channels[4]
    assert s["fc"].params == channels[4] * 1000 + 1000
    assert s.totals["params"] == params


# -- Inception v3: flat Mixed blocks --------------------------------------------------------------------


def test_inception_v3_mixed_rows_are_torchvisions():
    """Every BasicConv2d of a Mixed block is a row of the block itself, at torchvision's path."""
    s = summary("torchvision.inception_v3")
    assert s["Mixed_5b.branch5x5_1.conv"].params == 192 * 48
    assert s["Mixed_5b.branch5x5_2.conv"].params == 5 * 5 * 48 * 64
    assert s["Mixed_5b.branch_pool.conv"].params == 192 * 32
    assert s["Mixed_6a.branch3x3.conv"].params == 3 * 3 * 288 * 384
    assert s["Mixed_6b.branch7x7dbl_5.conv"].params == 1 * 7 * 128 * 192
    assert s["Mixed_7a.branch7x7x3_4.conv"].params == 3 * 3 * 192 * 192
    # Inception E forks inside its branches: 2a (1×3) and 2b (3×1) both read branch3x3_1's 384 channels
    assert s["Mixed_7b.branch3x3_2a.conv"].params == 1 * 3 * 384 * 384
    assert s["Mixed_7b.branch3x3_2b.conv"].params == 3 * 1 * 384 * 384
    assert s["Mixed_7b.branch3x3_2ab"].output_shape == (8, 8, 384 + 384)
    assert s["Mixed_7b.branch3x3dbl_3b.conv"].params == 3 * 1 * 384 * 384
    assert s["Mixed_7b"].output_shape == (8, 8, 320 + 768 + 768 + 192)
