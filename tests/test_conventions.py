"""Counting conventions: each preset's rule by hand arithmetic, and exact equality with the real tools
(fvcore, ptflops, torchinfo, FlopCounterMode) on to_torch realisations of zoo and random networks.

Tests that run the tools skip when they are missing, and fail instead when SHAPECALC_REQUIRE_TORCH=1 (CI).
"""

import io
import os

import pytest
from hypothesis import given, settings

from tests import published, strategies

from shapecalc import summary
from shapecalc.conventions import CONVENTIONS, DESCRIPTIONS, count
from shapecalc.layers import (
    AdaptiveAvgPool2d, AvgPool2d, BatchNorm, ClassToken, Conv2d, GlobalAvgPool, LayerNorm, LayerScale, Linear,
    LocalResponseNorm, MaxPool2d, MultiheadAttention, Network, Partition, PositionEmbedding, RelativeAttention,
    ReLU, Softmax, SparseConv2d, Subsampling, Tokens,
)

PRESETS = ("fvcore", "ptflops", "torchinfo")


def require_tools():
    """torch and the three tools; skip without them (fail under SHAPECALC_REQUIRE_TORCH=1)."""
    try:
        import fvcore  # noqa: F401
        import ptflops  # noqa: F401
        import torch
        import torchinfo  # noqa: F401
    except ImportError as e:
        if os.environ.get("SHAPECALC_REQUIRE_TORCH") == "1":
            pytest.fail(f"the counting tools are required (SHAPECALC_REQUIRE_TORCH=1): {e}")
        pytest.skip(f"counting tools not installed: {e}")
    torch.set_num_threads(2)


def last(layer, input_shape, batch=1):
    """The row of ``layer`` applied to ``input_shape``."""
    return summary(Network("one", [layer], input_shape), batch=batch).rows[-1]


def presets(row):
    return {name: count(row, name) for name in PRESETS}


# ---------------------------------------------------------------------------------------------------------
# the rules, by hand


def test_registry():
    """The presets are registered conventions with a heading and a description."""
    for name in PRESETS + ("macs", "flops", "connections"):
        assert name in CONVENTIONS and len(DESCRIPTIONS[name]) == 2


def test_conv_rule():
    """3×3 conv 3 → 16 on 32×32 (pad 1): fvcore MACs, ptflops + bias, torchinfo params × positions."""
    row = last(Conv2d(16, 3, padding=1), (32, 32, 3))
    macs = 32 * 32 * 16 * (3 * 3 * 3)
    assert presets(row) == {
        "fvcore": macs,
        "ptflops": macs + 32 * 32 * 16,
        "torchinfo": (3 * 3 * 3 * 16 + 16) * (32 * 32),
    }
    assert count(row, "flops") == 2 * macs


def test_dense_rule_with_batch():
    """Dense 3072 → 10 at batch 4: the bias counts for ptflops and torchinfo, not for fvcore."""
    row = last(Linear(10), (3072,), batch=4)
    assert presets(row) == {
        "fvcore": 4 * 3072 * 10,
        "ptflops": 4 * (3072 * 10 + 10),
        "torchinfo": 4 * (3072 * 10 + 10),
    }


def test_batchnorm_rule():
    """BatchNorm on 16×16×8: normalise + scale-shift per element (fvcore, ptflops); torchinfo params."""
    row = last(BatchNorm(), (16, 16, 8))
    assert presets(row) == {"fvcore": 2 * 16 * 16 * 8, "ptflops": 2 * 16 * 16 * 8, "torchinfo": 2 * 8}
    row = last(BatchNorm(affine=False), (16, 16, 8))
    assert presets(row) == {"fvcore": 16 * 16 * 8, "ptflops": 16 * 16 * 8, "torchinfo": 0}


def test_activation_and_pooling_rules():
    """ReLU: ptflops 2 per output; softmax 1; pools 2 per input; fvcore only adaptive average pooling."""
    assert presets(last(ReLU(), (16, 16, 8))) == {"fvcore": 0, "ptflops": 2 * 16 * 16 * 8, "torchinfo": 0}
    assert presets(last(Softmax(), (10,))) == {"fvcore": 0, "ptflops": 10, "torchinfo": 0}
    assert presets(last(MaxPool2d(2), (32, 32, 3))) == {"fvcore": 0, "ptflops": 2 * 32 * 32 * 3, "torchinfo": 0}
    assert presets(last(AvgPool2d(3, 2, 1), (16, 16, 8)))["ptflops"] == 2 * 16 * 16 * 8
    assert presets(last(GlobalAvgPool(), (7, 7, 2048))) == {
        "fvcore": 7 * 7 * 2048, "ptflops": 2 * 7 * 7 * 2048, "torchinfo": 0}
    assert presets(last(AdaptiveAvgPool2d(7), (10, 10, 8)))["fvcore"] == 10 * 10 * 8


def test_functional_calls_and_mean():
    """A layer that the forward computes with a bare functional counts once for ptflops (the patched
    F.relu / F.*pool*, no module hook); x.mean([2, 3]) counts for neither fvcore nor ptflops."""
    out = 16 * 16 * 8
    assert presets(last(ReLU(call="functional"), (16, 16, 8))) == {"fvcore": 0, "ptflops": out, "torchinfo": 0}
    assert presets(last(MaxPool2d(2, call="functional"), (16, 16, 8)))["ptflops"] == out
    assert presets(last(AvgPool2d(3, 1, 1, call="functional"), (16, 16, 8)))["ptflops"] == out
    assert presets(last(AdaptiveAvgPool2d(1, call="functional"), (16, 16, 8))) == {
        "fvcore": out, "ptflops": out, "torchinfo": 0}
    assert presets(last(GlobalAvgPool(call="functional"), (16, 16, 8))) == {"fvcore": out, "ptflops": out,
                                                                           "torchinfo": 0}
    assert presets(last(GlobalAvgPool(call="mean"), (16, 16, 8))) == {"fvcore": 0, "ptflops": 0, "torchinfo": 0}
    # the shapes, parameters and MACs do not depend on the call
    for a, b in ((ReLU(), ReLU(call="functional")), (GlobalAvgPool(), GlobalAvgPool(call="mean"))):
        ra, rb = last(a, (16, 16, 8)), last(b, (16, 16, 8))
        assert (ra.output_shape, ra.params, ra.macs) == (rb.output_shape, rb.params, rb.macs)


def test_call_is_checked():
    """Each kind accepts only the ways it can be called."""
    from shapecalc.errors import ConfigError

    for make in (lambda: ReLU(call="mean"), lambda: MaxPool2d(2, call="mean"), lambda: GlobalAvgPool(call="sum"),
                 lambda: AdaptiveAvgPool2d(1, call=True)):
        with pytest.raises(ConfigError, match="call must be"):
            make()


def test_channels_first_layernorm():
    """ConvNeXt's LayerNorm2d (``channels_first``): ptflops hooks nn.LayerNorm by its exact class, so counts
    nothing for the subclass; fvcore and torchinfo count it as any LayerNorm."""
    plain, first = last(LayerNorm(), (7, 7, 96)), last(LayerNorm(channels_first=True), (7, 7, 96))
    assert presets(plain) == {"fvcore": 5 * 7 * 7 * 96, "ptflops": 7 * 7 * 96, "torchinfo": 2 * 96}
    assert presets(first) == {"fvcore": 5 * 7 * 7 * 96, "ptflops": 0, "torchinfo": 2 * 96}
    from shapecalc.errors import ShapeError

    with pytest.raises(ShapeError, match="expects a feature map"):
        summary(Network("n", [LayerNorm(channels_first=True)], (96,)))


def test_parameters_outside_weight_and_bias():
    """torchinfo counts only parameters named "weight" or "bias": layer scale, class token and position
    embedding count for no tool."""
    net = Network("n", [Conv2d(8, 4, stride=4), Tokens(), ClassToken(), PositionEmbedding()], (16, 16, 3))
    for row in summary(net).rows[3:]:
        assert row.params > 0 and presets(row) == {"fvcore": 0, "ptflops": 0, "torchinfo": 0}
    assert presets(last(LayerScale(), (7, 7, 8))) == {"fvcore": 0, "ptflops": 0, "torchinfo": 0}


def test_attention_rules():
    """ViT's attention, N = 50 tokens of D = 768, 12 heads: ptflops as its nn.MultiheadAttention hook (the
    projections with their biases, the scaling of Q, both products, the softmax); torchinfo nothing (the
    module has a child and is no leaf)."""
    net = Network("n", [Conv2d(768, 32, stride=32), Tokens(), ClassToken(), MultiheadAttention(12)], (224, 224, 3))
    row = summary(net).rows[-1]
    n, d = 50, 768
    assert row.macs == 4 * n * d * d + 2 * n * n * d
    assert presets(row) == {"fvcore": row.macs, "ptflops": row.macs + 4 * n * d + n * d + 12 * n * n,
                            "torchinfo": 0}


def test_einsum_rounding():
    """fvcore counts MaxViT's two einsums from numpy's FLOP figure printed to 4 significant digits."""
    from shapecalc.conventions import einsum_fvcore

    assert einsum_fvcore(1234) == 1234                   # 2468: exact
    assert einsum_fvcore(1234567) == 1234500             # 2469134 → 2.469e+06
    assert einsum_fvcore(1234789) == 1235000             # 2469578 → 2.470e+06: rounded up
    # MaxViT-T's first block at 224: 784 groups of 49 tokens of 64 channels
    s = summary(Network("n", [Partition(7), RelativeAttention(32, 7)], (196, 196, 64)))
    row = s.rows[-1]
    products = 784 * 49 * 49 * 64
    assert count(row, "fvcore") == row.macs - 2 * products + 2 * (int(float(f"{2 * products:.3e}")) // 2)
    assert count(row, "fvcore") != row.macs


def test_same_pool_counts_the_padded_input():
    """ptflops counts a pool's own input: after the explicit asymmetric padding of 'same' (8 → 9)."""
    # max pool 2/2 'same' on 7×7: (⌈7/2⌉ − 1)·2 + 2 − 7 = 1 extra row and column, after
    assert count(last(MaxPool2d(2, 2, padding="same"), (7, 7, 4)), "ptflops") == 2 * 8 * 8 * 4


def test_lrn_rule():
    """LRN size 5 on 16×16×8: ptflops counts 3 ops per element and the channel-padded average pool."""
    row = last(LocalResponseNorm(5), (16, 16, 8))
    assert presets(row) == {"fvcore": 0, "ptflops": 3 * 16 * 16 * 8 + (8 + 5 - 1) * 16 * 16, "torchinfo": 0}


def test_lenet_layers():
    """LeNet C3 (sparse) and S2 (subsampling): per the paper's connection table and coefficients."""
    c3 = last(SparseConv2d(published.LENET5_C3_TABLE, 5), (14, 14, 6))
    # 60 links of 5×5 per position over 10×10 positions, plus 16 biases per position
    assert presets(c3) == {
        "fvcore": 10 * 10 * 25 * 60,
        "ptflops": 10 * 10 * 25 * 60 + 10 * 10 * 16,
        "torchinfo": published.LENET5_LAYERS["C3"]["connections"],
    }
    s2 = last(Subsampling(2), (28, 28, 6))
    assert presets(s2) == {"fvcore": 14 * 14 * 6 * 4, "ptflops": 0, "torchinfo": 6 + 6}


def test_resnet50_four_figures():
    """ResNet-50: the paper's 3.8 G (v1), torchvision's 4.09 G, fvcore's 4.11 G (+ BN, pool), 8.2 G FLOPs."""
    paper = sum(r.macs for r in summary("resnet50").rows)
    assert paper == published.RESNET_V1_MACS_DERIVED[50]
    # Table 1's "3.8 × 10⁹" is 3.86 G cut (not rounded) to one decimal
    assert paper // 10**8 == published.RESNET_TABLE1_FLOPS[50] // 10**8
    s = summary("torchvision.resnet50")
    macs = sum(r.macs for r in s.rows)
    assert macs == published.TORCHVISION_MACS_DERIVED["resnet50"]
    assert round(macs / 1e9, 3) == published.TORCHVISION_META["resnet50"]["ops_g"]
    fv = sum(count(r, "fvcore") for r in s.rows)
    # fvcore adds 2 per BatchNorm input element and the 7·7·2048 inputs of the global average pool
    bn_inputs = sum(r.activations for r in s.rows if r.kind == "batchnorm")
    assert fv == macs + 2 * bn_inputs + 7 * 7 * 2048
    assert round(fv / 1e9, 2) == 4.11
    assert round(sum(count(r, "flops") for r in s.rows) / 1e9, 1) == 8.2


def test_cli_convention():
    """`--convention fvcore` heads the operations column 'fvcore' and totals it."""
    from shapecalc.cli import main

    out = io.StringIO()
    assert main(["cnn-39x31", "--convention", "fvcore"], out=out, err=io.StringIO()) == 0
    assert "fvcore" in out.getvalue()


# ---------------------------------------------------------------------------------------------------------
# the real tools

TOOL_NETWORKS = [
    ("cnn-39x31", None, {}),
    ("lenet5", None, {}),                       # sparse C3, subsampling, RBF, scaled tanh
    ("lenet5-full", None, {}),
    ("alexnet", (96, 96, 3), {}),               # grouped convolutions, LRN
    ("inception-3a", None, {}),
    ("googlenet", None, {}),                    # side heads, 'same' pooling, LRN
    ("resnet18", (64, 64, 3), {"shortcut": "A"}),   # zero-padded identity shortcuts
    ("preact-resnet18", (64, 64, 3), {}),
    ("torchvision.resnet50", None, {}),         # the 3.8 / 4.09 / 4.11 / 8.2 of docs/conventions.md
    # the twins' functional calls, x.mean, LayerNorm2d, layer scale, attention and window attention (the
    # presets equal the tools on torchvision's own modules too: tests/test_conventions_torchvision.py)
    ("torchvision.googlenet", (96, 96, 3), {}),     # F.relu, aux F.adaptive_avg_pool2d
    ("torchvision.inception_v3", None, {}),         # F.relu, F.avg_pool2d, F.max_pool2d
    ("torchvision.densenet121", (64, 64, 3), {}),   # F.relu, F.adaptive_avg_pool2d
    ("torchvision.mobilenet_v2", (64, 64, 3), {}),
    ("torchvision.mnasnet0_5", (64, 64, 3), {}),    # x.mean([2, 3])
    ("torchvision.shufflenet_v2_x0_5", (64, 64, 3), {}),
    ("torchvision.convnext_tiny", (64, 64, 3), {}),  # LayerNorm2d, layer scale
    ("torchvision.vit_b_32", (64, 64, 3), {}),      # attention, class token, position embedding
    ("torchvision.swin_t", (64, 64, 3), {}),        # F.linear projections
    ("torchvision.swin_v2_t", (64, 64, 3), {}),     # and @ for Q·Kᵀ
    ("torchvision.maxvit_t", None, {}),             # torch.einsum, rounded by fvcore
]


def check_tools(model, input=None, **options):
    from shapecalc.torch import tool_counts

    s = summary(model, input, **options)
    got = tool_counts(model, input, **options)
    # every leaf, side heads included: the realisation runs them and returns their outputs
    expected = {name: sum(count(r, name) for r in s.rows) for name in PRESETS}
    expected["flopcounter"] = sum(count(r, "flops") for r in s.rows)
    assert got == expected


@pytest.mark.parametrize("name,input,options", TOOL_NETWORKS, ids=[n for n, _, _ in TOOL_NETWORKS])
def test_presets_equal_the_tools_on_zoo_networks(name, input, options):
    """fvcore, ptflops, torchinfo and FlopCounterMode report exactly the presets' totals."""
    require_tools()
    check_tools(name, input, **options)


@settings(max_examples=30)
@given(strategies.networks(max_blocks=4))
def test_presets_equal_the_tools_on_random_networks(net):
    """On random valid networks the presets equal the tools, number for number."""
    require_tools()
    check_tools(net)
