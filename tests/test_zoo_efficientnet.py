"""The torchvision EfficientNet twins (shapecalc/zoo/efficientnet.py) by hand arithmetic: the width and
depth rounding, one block of each kind counted by hand, the block structure (residual or not), the
stochastic-depth rule and the BatchNorm settings. torchvision itself is compared in test_zoo_tv_real.py.
"""

import pytest

from shapecalc import summary
from shapecalc.zoo.efficientnet import make_divisible, scale_depth, scale_width


def test_make_divisible():
    # to the nearest multiple of 8: 35.2 + 4 → 39 → 32 (32 ≥ 0.9 · 35.2 = 31.68)
    assert make_divisible(32 * 1.1) == 32
    # 44.8 + 4 → 48
    assert make_divisible(32 * 1.4) == 48
    # at least 8
    assert make_divisible(3) == 8
    # 11.9 + 4 → 15 → 8, which is below 0.9 · 11.9 = 10.71: one step up, 16
    assert make_divisible(11.9) == 16
    # an expand ratio: 40 · 6 = 240, already a multiple of 8
    assert scale_width(40, 6) == 240


def test_scale_depth_rounds_up_in_floating_point():
    # 3 · 1.1 = 3.3000000000000003 → 4; 1 · 3.1 → 4; 4 · 3.1 = 12.4 → 13; 2 · 1.0 → 2
    assert [scale_depth(3, 1.1), scale_depth(1, 3.1), scale_depth(4, 3.1), scale_depth(2, 1.0)] == [4, 4, 13, 2]


def test_b0_first_block_by_hand():
    """features.1.0 (expand 1, 3×3, 32 → 16): no expansion; depthwise 32·9 = 288, BN 2·32 = 64; SE to
    ⌊32/4⌋ = 8: 32·8 + 8 = 264 and 8·32 + 32 = 288; projection 32·16 = 512, BN 2·16 = 32: 1,448."""
    s = summary("torchvision.efficientnet_b0")
    assert s["features.1.0.block.0.0"].params == 288
    assert s["features.1.0.block.1.fc1"].params == 264
    assert s["features.1.0.block.1.fc2"].params == 288
    assert s["features.1.0.block.2.0"].params == 512
    assert s["features.1.0"].params == 288 + 64 + 264 + 288 + 512 + 32 == 1448
    assert s["features.1.0"].output_shape == (112, 112, 16)


def test_b0_expanded_block_by_hand():
    """features.2.1 (expand 6, 3×3, 24 → 24): 1×1 to 144: 24·144 = 3,456; depthwise 144·9 = 1,296; SE to
    ⌊24/4⌋ = 6: 144·6 + 6 = 870, 6·144 + 144 = 1,008; projection 144·24 = 3,456; BN 2·(144 + 144 + 24)."""
    s = summary("torchvision.efficientnet_b0")
    assert s["features.2.1.block.0.0"].params == 3456
    assert s["features.2.1.block.2.fc1"].params == 870
    assert s["features.2.1.block.2.fc2"].params == 1008
    assert s["features.2.1"].params == 3456 + 1296 + 870 + 1008 + 3456 + 2 * (144 + 144 + 24) == 10710


@pytest.mark.parametrize("name", ["torchvision.efficientnet_b0", "torchvision.efficientnet_v2_s"])
def test_residual_only_where_shape_stays(name):
    """A stage's first block (stride 2 or a new width) has no addition: a plain block holding block (the
    stochastic_depth module torchvision keeps there is never called: no row); the others add the input
    back after their stochastic depth."""
    s = summary(name)
    paths = {r.path for r in s.all_rows}
    assert s["features.2.0"].kind == "sequential"
    assert "features.2.0.add" not in paths and "features.2.0.stochastic_depth" not in paths
    assert s["features.2.1"].kind == "residual"
    assert s["features.2.1.add"].output_shape == s["features.2.1.block"].output_shape
    assert s["features.2.1.stochastic_depth"].kind == "stochasticdepth"


def test_stochastic_depth_rule():
    """Block j of n (j from 0) drops with 0.2 · j / n: B0 has 1 + 2 + 2 + 3 + 3 + 4 + 1 = 16 blocks."""
    s = summary("torchvision.efficientnet_b0")
    # block 2 (stage 2's second) and block 14 (stage 6's fourth: 1 + 2 + 2 + 3 + 3 = 11 blocks before it, + 3)
    assert s["features.2.1.stochastic_depth"].layer.p == 0.2 * 2 / 16
    assert s["features.6.3.stochastic_depth"].layer.p == 0.2 * 14 / 16


def test_v2_s_fused_blocks_by_hand():
    """features.1.0 (Fused, expand 1, 24 → 24): one 3×3 conv 24·24·9 = 5,184 and BN 48, SiLU.
    features.2.0 (Fused, expand 4, 24 → 48, stride 2): 3×3 to 96: 24·96·9 = 20,736, BN 192; 1×1 to 48:
    96·48 = 4,608, BN 96."""
    s = summary("torchvision.efficientnet_v2_s")
    assert s["features.1.0"].params == 5184 + 48
    assert s["features.1.0.block.0.2"].kind == "silu"
    assert s["features.2.0"].params == 20736 + 192 + 4608 + 96
    assert s["features.2.0"].output_shape == (96, 96, 48)
    # the head: 1×1 from 256 to 1280 channels, not 4 · 256
    assert s["features.7.0"].output_shape == (12, 12, 1280)


def test_batchnorm_settings():
    """B0–B4: torch's defaults; B5–B7: eps 1e-3, momentum 0.01; V2: eps 1e-3, momentum 0.1."""
    for name, eps, momentum in (("b0", 1e-5, 0.1), ("b5", 1e-3, 0.01), ("v2_s", 1e-3, 0.1)):
        bn = summary(f"torchvision.efficientnet_{name}")["features.0.1"].layer
        assert (bn.eps, bn.momentum) == (eps, momentum), name


@pytest.mark.parametrize("name,size,stem,head,blocks", [
    ("b0", 224, 32, 1280, 16),
    ("b3", 300, 40, 1536, 26),
    ("b7", 600, 64, 2560, 55),
    ("v2_l", 480, 32, 1280, 79),
])
def test_scaled_widths_and_depths(name, size, stem, head, blocks):
    """Stem width make_divisible(32 · w), head 4 × the last stage's width (v1) or 1280 (v2), and the
    block count Σ ⌈n · d⌉ (B3, w 1.2, d 1.4: stem make_divisible(38.4) = 40, head 4 · 384, blocks
    2 + 3 + 3 + 5 + 5 + 6 + 2 = 26; B7, d 3.1: 4 + 7 + 7 + 10 + 10 + 13 + 4 = 55;
    V2-L: 4 + 7 + 7 + 10 + 19 + 25 + 7 = 79)."""
    s = summary(f"torchvision.efficientnet_{name}")
    assert s.input_shape == (size, size, 3)
    assert s["features.0.0"].output_shape[2] == stem
    last = max(int(r.path.split(".")[1]) for r in s.all_rows if r.path.startswith("features."))
    assert s[f"features.{last}"].output_shape[2] == head
    count = sum(1 for r in s.all_rows if r.path.count(".") == 2 and r.path.startswith("features.")
                and r.path.split(".")[1] not in ("0", str(last)))
    assert count == blocks
