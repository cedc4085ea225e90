"""Swin Transformers (Liu et al. 2021, "Swin Transformer: Hierarchical Vision Transformer using Shifted
Windows", arXiv:2103.14030) and Swin Transformer V2 (Liu et al. 2022, arXiv:2111.09883) as torchvision
builds them (torchvision/models/swin_transformer.py).

A 4×4/4 patch embedding (convolution, permute to channels-last, LayerNorm), then four stages of Swin blocks
with a patch merging between stages. A block is two residual sums side by side in one module, as in
torchvision: ``x + stochastic_depth(attn(norm1(x)))`` and ``x + stochastic_depth(mlp(norm2(x)))`` (V2 puts
the norm after: ``x + stochastic_depth(norm1(attn(x)))``); the attention works in windows of 7×7 (V2: 8×8),
shifted by half a window in every second block. A patch merging concatenates each 2×2 neighbourhood
(4C channels, the map zero-padded to even sizes), normalises and projects to 2C (V2: projects, then
normalises). A final LayerNorm, global average pooling and the classifier ``head``. Rows carry torchvision's
module paths (``features.1.0.attn``, ``features.2.reduction``); the gathering of a patch merging, a function
call in torchvision, is a row of its own (``features.2.gather``).
"""

from ..layers import (
    AdaptiveAvgPool2d, Add, Conv2d, CosineWindowAttention, Dropout, Flatten, GELU, LayerNorm, Linear, Network,
    Permute, PointwiseLinear, Residual, Sequential, SpaceToDepth, StochasticDepth, WindowAttention,
)
from . import TORCHVISION

#: embedding width C, blocks per stage, heads per stage, stochastic depth rate (torchvision's builders; the
#: paper's Swin-T (C = 96; 2, 2, 6, 2), Swin-S (96; 2, 2, 18, 2), Swin-B (128; 2, 2, 18, 2))
CONFIGS = {
    "t": (96, (2, 2, 6, 2), (3, 6, 12, 24), 0.2),
    "s": (96, (2, 2, 18, 2), (3, 6, 12, 24), 0.3),
    "b": (128, (2, 2, 18, 2), (4, 8, 16, 32), 0.5),
}
#: the window: 7×7 (Swin), 8×8 (torchvision's Swin V2 weights)
WINDOW = {False: 7, True: 8}
#: the MLP's hidden width, × C
MLP_RATIO = 4


def swin_block(dim, heads, window, shift, drop, v2, name):
    """One Swin block: the attention sum and the MLP sum, each a flat residual (its layers are the block's
    own rows)."""
    if v2:
        attn = CosineWindowAttention(heads, window, shift, name="attn")
        attention = [attn, LayerNorm(name="norm1")]
    else:
        attention = [LayerNorm(name="norm1"), WindowAttention(heads, window, shift, name="attn")]
    mlp = Sequential(PointwiseLinear(MLP_RATIO * dim, name="0"), GELU(name="1"), Dropout(0.0, name="2"),
                     PointwiseLinear(dim, name="3"), Dropout(0.0, name="4"), name="mlp")
    feedforward = [mlp, LayerNorm(name="norm2")] if v2 else [LayerNorm(name="norm2"), mlp]
    # torchvision calls one stochastic_depth module in both sums: the second call is a row of its own
    return Sequential(
        Residual(attention + [StochasticDepth(drop, "row", name="stochastic_depth")], merge=Add(name="add_1"),
                 flat=True),
        Residual(feedforward + [StochasticDepth(drop, "row", name="stochastic_depth_2")], merge=Add(name="add_2"),
                 flat=True),
        name=name,
    )


def patch_merging(dim, v2, name):
    """2×2 neighbours → 4C (zero-padded to even H and W), LayerNorm and a bias-free projection to 2C (V2:
    the projection first, then LayerNorm over 2C)."""
    gather = SpaceToDepth(2, name="gather")
    reduction = PointwiseLinear(2 * dim, bias=False, name="reduction")
    if v2:
        return Sequential(gather, reduction, LayerNorm(name="norm"), name=name)
    return Sequential(gather, LayerNorm(name="norm"), reduction, name=name)


def swin(size, v2=False):
    embed, depths, heads, drop_rate = CONFIGS[size]
    window = WINDOW[v2]
    total = sum(depths)
    features = [Sequential(Conv2d(embed, 4, stride=4, name="0"), Permute((0, 2, 3, 1), name="1"), LayerNorm(name="2"),
                           name="0")]
    index = 0
    for stage, (count, h) in enumerate(zip(depths, heads)):
        dim = embed * 2 ** stage
        blocks = []
        for i in range(count):
            # every second block shifts its windows by half a window; the drop rate grows linearly over all
            # blocks: rate · index / (blocks − 1)
            shift = 0 if i % 2 == 0 else window // 2
            blocks.append(swin_block(dim, h, window, shift, drop_rate * float(index) / (total - 1), v2, str(i)))
            index += 1
        features.append(Sequential(*blocks, name=str(len(features))))
        if stage + 1 < len(depths):
            features.append(patch_merging(dim, v2, str(len(features))))
    version = "V2-" if v2 else "-"
    return Network(f"torchvision.swin_{'v2_' if v2 else ''}{size}", [
        Sequential(*features, name="features"),
        LayerNorm(name="norm"),
        Permute((0, 3, 1, 2), name="permute"),
        AdaptiveAvgPool2d(1, name="avgpool"),
        Flatten(name="flatten"),
        Linear(1000, name="head"),
    ], (256, 256, 3) if v2 else (224, 224, 3),
        f"torchvision Swin{version}{size.upper()}: {window}×{window} shifted windows, "
        f"blocks {'/'.join(map(str, depths))}, C = {embed}" + (", cosine attention" if v2 else ""),
        source=TORCHVISION.format("swin_transformer"))


def swin_t():
    return swin("t")


def swin_s():
    return swin("s")


def swin_b():
    return swin("b")


def swin_v2_t():
    return swin("t", v2=True)


def swin_v2_s():
    return swin("s", v2=True)


def swin_v2_b():
    return swin("b", v2=True)
