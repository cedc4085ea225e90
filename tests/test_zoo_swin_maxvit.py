"""The Swin Transformer and MaxViT twins, worked by hand: window attention, patch merging and MaxViT's
partitioned attention, each figure written as the product it is; the totals at torchvision's crop sizes; and,
with torchvision installed, the MACs at sizes that the windows do not tile (zero padding) against
torchvision's own modules under ``FlopCounterMode``."""


import pytest

import shapecalc
from shapecalc.errors import ShapeError

from tests import tvreal


def test_swin_t_window_attention_by_hand():
    """features.1.0.attn: a 56×56×96 map in 8·8 windows of 7·7 = 49 tokens, 3 heads."""
    row = shapecalc.summary("torchvision.swin_t")["features.1.0.attn"]
    assert row.output_shape == (56, 56, 96)
    # Q, K, V and output projections, and the (2·7 − 1)² × 3 relative position bias table
    assert row.params == 4 * 96 * 96 + 4 * 96 + 13 * 13 * 3
    assert row.buffers == 49 * 49  # the index into the table
    # per window: 4·N·C² (projections) + 2·N²·C (Q·Kᵀ and A·V)
    assert row.macs == 8 * 8 * (4 * 49 * 96 * 96 + 2 * 49 * 49 * 96)


def test_swin_t_pads_to_whole_windows():
    """At 256 the first map is 64×64: ⌈64/7⌉ = 10 windows per axis, the padded ones counted too."""
    row = shapecalc.summary("torchvision.swin_t", input=(256, 256, 3))["features.1.0.attn"]
    assert row.macs == 10 * 10 * (4 * 49 * 96 * 96 + 2 * 49 * 49 * 96)


def test_swin_t_patch_merging_by_hand():
    """features.2: 56×56×96 → 2×2 neighbours 28×28×384 → LayerNorm → 384 → 192 without bias."""
    s = shapecalc.summary("torchvision.swin_t")
    assert s["features.2.gather"].output_shape == (28, 28, 4 * 96)
    assert s["features.2.norm"].params == 2 * 384
    assert s["features.2.reduction"].params == 384 * 192
    assert s["features.2.reduction"].macs == 28 * 28 * 384 * 192
    # an odd map is zero-padded to even: 29 → 15
    odd = shapecalc.summary("torchvision.swin_t", input=(232, 232, 3))
    assert odd["features.4.gather"].output_shape == (15, 15, 4 * 192)


def test_swin_v2_t_cosine_attention_by_hand():
    """features.1.0.attn at 256: 64×64×96 in 8·8 windows of 8·8 = 64 tokens, 3 heads, and the position-bias
    MLP 2 → 512 → 3 over the 15·15 relative positions."""
    row = shapecalc.summary("torchvision.swin_v2_t")["features.1.0.attn"]
    # projections, logit scale (one per head), MLP (2·512 + 512 biases, 512·3)
    assert row.params == 4 * 96 * 96 + 4 * 96 + 3 + 2 * 512 + 512 + 512 * 3
    assert row.buffers == 64 * 64 + 15 * 15 * 2  # the index and the relative coordinates
    assert row.macs == 8 * 8 * (4 * 64 * 96 * 96 + 2 * 64 * 64 * 96) + 15 * 15 * (2 * 512 + 512 * 3)


def test_maxvit_partitioned_attention_by_hand():
    """blocks.0.layers.0: a 56×56×64 map (224 halved by the stem and by the first MBConv); block partition
    (56/7)² = 64 groups of 7·7, grid partition 7·7 cells of 8·8 positions swapped to 64 groups of 49; heads
    of 32: 2 heads."""
    s = shapecalc.summary("torchvision.maxvit_t")
    base = "blocks.0.layers.0.layers."
    assert s[base + "window_attention.partition_op"].output_shape == ((56 // 7) ** 2, 7 * 7, 64)
    assert s[base + "grid_attention.partition_op"].output_shape == (7 * 7, (56 // 7) ** 2, 64)
    assert s[base + "grid_attention.partition_swap"].output_shape == ((56 // 7) ** 2, 7 * 7, 64)
    assert s[base + "grid_attention.departition_op"].output_shape == (56, 56, 64)
    attn = s[base + "window_attention.attn_layer.1"]
    assert attn.params == 4 * 64 * 64 + 4 * 64 + 13 * 13 * 2
    assert attn.buffers == 49 * 49
    assert attn.macs == 64 * (4 * 49 * 64 * 64 + 2 * 49 * 49 * 64)


def test_maxvit_runs_square_multiples_of_seven_only():
    """torchvision's MaxViT partitions square maps whose side 7 divides (225: the first block's map is 57)."""
    assert shapecalc.summary("torchvision.maxvit_t", input=(448, 448, 3)).totals["params"] == 30919624
    with pytest.raises(ShapeError):
        shapecalc.summary("torchvision.maxvit_t", input=(225, 225, 3))
    with pytest.raises(ShapeError):
        shapecalc.summary("torchvision.maxvit_t", input=(224, 448, 3))


@pytest.mark.parametrize("name,macs", [
    # torchvision's FlopCounterMode FLOPs / 2 at the crop size: the published GFLOPS, unrounded
    ("swin_t", 4_490_566_656),
    ("swin_s", 8_740_875_264),
    ("swin_b", 15_430_946_816),
    ("swin_v2_t", 5_939_690_496),
    ("swin_v2_s", 11_545_857_024),
    ("swin_v2_b", 20_325_134_336),
    ("maxvit_t", 5_558_046_720),
])
def test_totals_at_the_crop_size(name, macs):
    s = shapecalc.summary(f"torchvision.{name}")
    assert s.totals["macs"] == macs
    assert s.totals["params"] == tvreal.weights(name)[0]["num_params"]


@pytest.mark.parametrize("name,size", [("swin_t", 197), ("swin_t", 232), ("swin_v2_t", 100), ("swin_v2_t", 250),
                                       ("maxvit_t", 448)])
def test_macs_equal_torchvisions_at_untiled_sizes(name, size):
    """Sizes whose maps the windows do not tile (Swin pads them): our MACs = FlopCounterMode / 2 on
    torchvision's own module (built on the meta device; MaxViT built for that size)."""
    tvreal.require_torchvision()
    import torch
    import torchvision.models as M
    from torch.utils.flop_counter import FlopCounterMode

    options = {"input_size": (size, size)} if name == "maxvit_t" else {}
    with torch.device("meta"):
        model = M.get_model(name, weights=None, **options).eval()
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        model(torch.zeros((1, 3, size, size), device="meta"))
    macs = shapecalc.summary(f"torchvision.{name}", input=(size, size, 3)).totals["macs"]
    assert 2 * macs == counter.get_total_flops()
