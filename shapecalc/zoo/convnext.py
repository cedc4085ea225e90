"""ConvNeXt (Liu et al. 2022, "A ConvNet for the 2020s", arXiv:2201.03545) as torchvision builds it
(torchvision/models/convnext.py).

A 4×4/4 "patchify" stem, four stages of ConvNeXt blocks — a 7×7 depthwise convolution, then, channels-last,
LayerNorm, a pointwise dense layer to 4C, GELU and one back to C, scaled per channel (layer scale) and added
to the input — with a LayerNorm and a 2×2/2 convolution between stages. Rows carry torchvision's module
paths (``features.1.0.block.3``); the permutes to channels-last and back are rows of their own, as they are
modules in torchvision, though in shapecalc's H×W×C shapes they change nothing.
"""

from ..layers import (
    AdaptiveAvgPool2d, Conv2d, Flatten, GELU, LayerNorm, LayerScale, Linear, Network, Permute, PointwiseLinear,
    Residual, Sequential, StochasticDepth,
)
from . import TORCHVISION

#: (channels, blocks) per stage and the stochastic depth rate, from torchvision's builders (the paper's
#: section 3: T (96; 3, 3, 9, 3), S (96; 3, 3, 27, 3), B (128; …), L (192; …))
CONFIGS = {
    "tiny": ((96, 192, 384, 768), (3, 3, 9, 3), 0.1),
    "small": ((96, 192, 384, 768), (3, 3, 27, 3), 0.4),
    "base": ((128, 256, 512, 1024), (3, 3, 27, 3), 0.5),
    "large": ((192, 384, 768, 1536), (3, 3, 27, 3), 0.5),
}
#: LayerNorm's epsilon throughout, and the initial layer scale
EPS = 1e-6
LAYER_SCALE = 1e-6


def cn_block(channels, drop, name):
    """One ConvNeXt block: input + stochastic_depth(γ · block(input))."""
    block = Sequential(
        Conv2d(channels, 7, stride=1, padding=3, groups=channels, name="0"),  # depthwise 7×7
        Permute((0, 2, 3, 1), name="1"),
        LayerNorm(eps=EPS, name="2"),
        PointwiseLinear(4 * channels, name="3"),
        GELU(name="4"),
        PointwiseLinear(channels, name="5"),
        Permute((0, 3, 1, 2), name="6"),
        name="block",
    )
    return Residual([block, LayerScale(LAYER_SCALE, name="layer_scale"),
                     StochasticDepth(drop, "row", name="stochastic_depth")], name=name)


def convnext(size):
    widths, depths, drop_rate = CONFIGS[size]
    total = sum(depths)
    # torchvision's LayerNorm2d (stem, downsampling, classifier): on N×C×H×W, a subclass of nn.LayerNorm
    features = [Sequential(Conv2d(widths[0], 4, stride=4, name="0"), LayerNorm(eps=EPS, channels_first=True, name="1"),
                           name="0")]
    index = 0
    for stage, (channels, count) in enumerate(zip(widths, depths)):
        blocks = []
        for i in range(count):
            # the drop rate grows linearly over all blocks: rate · index / (blocks − 1)
            blocks.append(cn_block(channels, drop_rate * index / (total - 1.0), str(i)))
            index += 1
        features.append(Sequential(*blocks, name=str(len(features))))
        if stage + 1 < len(widths):
            features.append(Sequential(LayerNorm(eps=EPS, channels_first=True, name="0"),
                                       Conv2d(widths[stage + 1], 2, stride=2, name="1"), name=str(len(features))))
    classifier = Sequential(LayerNorm(eps=EPS, channels_first=True, name="0"), Flatten(name="1"),
                            Linear(1000, name="2"), name="classifier")
    return Network(f"torchvision.convnext_{size}", [
        Sequential(*features, name="features"),
        AdaptiveAvgPool2d(1, name="avgpool"),
        classifier,
    ], (224, 224, 3), f"torchvision ConvNeXt-{size[0].upper()}: 7×7 depthwise, LayerNorm, 4× pointwise MLP, "
                      "layer scale", source=TORCHVISION.format("convnext"))


def convnext_tiny():
    return convnext("tiny")


def convnext_small():
    return convnext("small")


def convnext_base():
    return convnext("base")


def convnext_large():
    return convnext("large")
