"""EfficientNet B0–B7 (Tan & Le 2019, arXiv:1905.11946) and EfficientNetV2 S/M/L (Tan & Le 2021,
arXiv:2104.00298) as torchvision builds them (torchvision/models/efficientnet.py).

Layer paths follow torchvision's module names: ``features.0.0`` (the stem convolution),
``features.1.0.block.0.0`` (a block's first convolution), ``features.1.0.block.1.fc1`` (inside the
squeeze-excitation), ``features.1.0.stochastic_depth``, ``classifier.1``. A block with a residual
connection is a :class:`Residual` whose body rows are ``block`` and ``stochastic_depth`` (torchvision:
``x + stochastic_depth(block(x))``); a block without one (stride 2 or a change of width) is a plain
Sequential holding ``block`` (torchvision's stochastic_depth module there is never called). A squeeze-excitation is a ``Residual`` with ``merge="mul"``: its
``avgpool → fc1 → SiLU → fc2 → sigmoid`` body scales the block's input.
"""

import math

from . import TORCHVISION, tvblocks
from .tvblocks import indexed, make_divisible, squeeze_excitation
from ..layers import (
    AdaptiveAvgPool2d, Dropout, Flatten, Linear, Network, Residual, Sequential, SiLU,
    StochasticDepth,
)

SOURCE = TORCHVISION.format("efficientnet")

#: EfficientNet (v1) stages, Table 1 of the paper (torchvision's _efficientnet_conf):
#: (expand ratio, kernel, stride, input channels, output channels, layers), before width/depth scaling
STAGES_V1 = (
    (1, 3, 1, 32, 16, 1),
    (6, 3, 2, 16, 24, 2),
    (6, 5, 2, 24, 40, 2),
    (6, 3, 2, 40, 80, 3),
    (6, 5, 1, 80, 112, 3),
    (6, 5, 2, 112, 192, 4),
    (6, 3, 1, 192, 320, 1),
)

#: EfficientNetV2 stages, Table 4 of the V2 paper (torchvision's _efficientnet_conf): (block, expand ratio,
#: kernel, stride, input channels, output channels, layers); "fused" = Fused-MBConv, "mb" = MBConv
STAGES_V2 = {
    "s": (
        ("fused", 1, 3, 1, 24, 24, 2),
        ("fused", 4, 3, 2, 24, 48, 4),
        ("fused", 4, 3, 2, 48, 64, 4),
        ("mb", 4, 3, 2, 64, 128, 6),
        ("mb", 6, 3, 1, 128, 160, 9),
        ("mb", 6, 3, 2, 160, 256, 15),
    ),
    "m": (
        ("fused", 1, 3, 1, 24, 24, 3),
        ("fused", 4, 3, 2, 24, 48, 5),
        ("fused", 4, 3, 2, 48, 80, 5),
        ("mb", 4, 3, 2, 80, 160, 7),
        ("mb", 6, 3, 1, 160, 176, 14),
        ("mb", 6, 3, 2, 176, 304, 18),
        ("mb", 6, 3, 1, 304, 512, 5),
    ),
    "l": (
        ("fused", 1, 3, 1, 32, 32, 4),
        ("fused", 4, 3, 2, 32, 64, 7),
        ("fused", 4, 3, 2, 64, 96, 7),
        ("mb", 4, 3, 2, 96, 192, 10),
        ("mb", 6, 3, 1, 192, 224, 19),
        ("mb", 6, 3, 2, 224, 384, 25),
        ("mb", 6, 3, 1, 384, 640, 7),
    ),
}

#: v1 variants (torchvision's builders): width multiplier, depth multiplier, dropout, crop size, and
#: BatchNorm (eps, momentum): B5–B7 (weights ported from TensorFlow) use TensorFlow's 1e-3 and 0.01
VARIANTS_V1 = {
    "b0": (1.0, 1.0, 0.2, 224, (1e-5, 0.1)),
    "b1": (1.0, 1.1, 0.2, 240, (1e-5, 0.1)),
    "b2": (1.1, 1.2, 0.3, 288, (1e-5, 0.1)),
    "b3": (1.2, 1.4, 0.3, 300, (1e-5, 0.1)),
    "b4": (1.4, 1.8, 0.4, 380, (1e-5, 0.1)),
    "b5": (1.6, 2.2, 0.4, 456, (1e-3, 0.01)),
    "b6": (1.8, 2.6, 0.5, 528, (1e-3, 0.01)),
    "b7": (2.0, 3.1, 0.5, 600, (1e-3, 0.01)),
}

#: v2 variants: dropout, crop size; BatchNorm eps 1e-3 (momentum torch's default 0.1); head width 1280
VARIANTS_V2 = {"s": (0.2, 384), "m": (0.3, 480), "l": (0.4, 480)}
V2_NORM = (1e-3, 0.1)
V2_LAST_CHANNEL = 1280

#: torchvision's default: the last block's drop probability approaches this (linear rule below)
STOCHASTIC_DEPTH_PROB = 0.2


def scale_width(channels, multiplier):
    """A width scaled by the width multiplier (or a block's expand ratio): make_divisible(c · m, 8)."""
    return make_divisible(channels * multiplier, 8)


def scale_depth(layers, multiplier):
    """A stage's block count scaled by the depth multiplier: ⌈n · m⌉ (in floating point, as torchvision)."""
    return int(math.ceil(layers * multiplier))


def conv_norm_act(filters, kernel, stride=1, groups=1, norm=(1e-5, 0.1), activation=True, name=None):
    """torchvision's Conv2dNormActivation with EfficientNet's SiLU (``activation=False``: none); ``norm``:
    BatchNorm's (eps, momentum)."""
    eps, momentum = norm
    return tvblocks.conv_norm_act(filters, kernel, stride, groups, SiLU if activation else None,
                                  {"eps": eps, "momentum": momentum}, name)


def _block(layers, residual, drop, name):
    """A block's ``block`` Sequential, then, where torchvision adds the input (stride 1, same width), its
    ``stochastic_depth`` and the sum. Without the addition torchvision still holds a stochastic_depth
    module but never calls it: the twin has no row for it (a row is a step the network takes)."""
    block = indexed(layers, "block")
    if residual:
        return Residual([block, StochasticDepth(drop, "row", name="stochastic_depth")], name=name)
    return Sequential(block, name=name)


def mbconv(in_channels, out_channels, expand, kernel, stride, drop, norm, name=None):
    """MBConv: 1×1 expansion (skipped at ratio 1), depthwise k×k (the stride), squeeze-excitation to
    ⌊in/4⌋ channels, linear 1×1 projection."""
    expanded = scale_width(in_channels, expand)
    layers = []
    if expanded != in_channels:
        layers.append(conv_norm_act(expanded, 1, norm=norm))
    layers += [
        conv_norm_act(expanded, kernel, stride, groups=expanded, norm=norm),
        squeeze_excitation(expanded, max(1, in_channels // 4), SiLU),
        conv_norm_act(out_channels, 1, norm=norm, activation=False),
    ]
    return _block(layers, stride == 1 and in_channels == out_channels, drop, name)


def fused_mbconv(in_channels, out_channels, expand, kernel, stride, drop, norm, name=None):
    """Fused-MBConv (V2): one k×k convolution where MBConv has the 1×1 expansion and the depthwise k×k,
    then a linear 1×1 projection; at ratio 1 the k×k convolution alone (with its SiLU). No squeeze-excitation."""
    expanded = scale_width(in_channels, expand)
    if expanded != in_channels:
        layers = [conv_norm_act(expanded, kernel, stride, norm=norm),
                  conv_norm_act(out_channels, 1, norm=norm, activation=False)]
    else:
        layers = [conv_norm_act(out_channels, kernel, stride, norm=norm)]
    return _block(layers, stride == 1 and in_channels == out_channels, drop, name)


_BLOCKS = {"mb": mbconv, "fused": fused_mbconv}


def efficientnet_layers(stages, dropout, norm, last_channel=None):
    """The layers of an EfficientNet from its (scaled) ``stages``: (block, expand, kernel, stride, in, out,
    layers). Block j of n in all has drop probability 0.2 · j / n (j from 0); a stage's first block has the
    stage's stride and input width, the others stride 1 and the stage's output width."""
    total = sum(stage[-1] for stage in stages)
    features = [conv_norm_act(stages[0][4], 3, 2, norm=norm)]
    block_id = 0
    for kind, expand, kernel, stride, in_channels, out_channels, count in stages:
        blocks = []
        for i in range(count):
            drop = STOCHASTIC_DEPTH_PROB * float(block_id) / total
            c_in, s = (in_channels, stride) if i == 0 else (out_channels, 1)
            blocks.append(_BLOCKS[kind](c_in, out_channels, expand, kernel, s, drop, norm, name=str(i)))
            block_id += 1
        features.append(Sequential(*blocks))
    last_in = stages[-1][5]
    features.append(conv_norm_act(last_channel or 4 * last_in, 1, norm=norm))
    return [
        indexed(features, "features"),
        AdaptiveAvgPool2d(1, name="avgpool"),
        Flatten(name="flatten"),
        indexed([Dropout(dropout), Linear(1000)], "classifier"),
    ]


def efficientnet(variant):
    """torchvision's EfficientNet-``variant`` (b0 … b7): the B0 stages scaled in width and depth."""
    width, depth, dropout, size, norm = VARIANTS_V1[variant]
    stages = [("mb", expand, kernel, stride, scale_width(c_in, width), scale_width(c_out, width),
               scale_depth(n, depth)) for expand, kernel, stride, c_in, c_out, n in STAGES_V1]
    eps, momentum = norm
    return Network(f"torchvision.efficientnet_{variant}", efficientnet_layers(stages, dropout, norm),
                   (size, size, 3),
                   f"torchvision EfficientNet-{variant.upper()} (width ×{width}, depth ×{depth}, "
                   f"{size}×{size}): MBConv with squeeze-excitation, SiLU, stochastic depth",
                   source=SOURCE, notes=(
                       "Widths are rounded to multiples of 8 (make_divisible), stage depths rounded up; "
                       f"BatchNorm eps {eps:g}, momentum {momentum:g}.",
                       "Stochastic depth (drop probability 0.2 · block / blocks) is the identity at inference.",
                   ))


def efficientnet_v2(variant):
    """torchvision's EfficientNetV2-``variant`` (s, m, l): Fused-MBConv stages, then MBConv stages."""
    dropout, size = VARIANTS_V2[variant]
    # no scaling: every width of the table is a multiple of 8 already
    return Network(f"torchvision.efficientnet_v2_{variant}",
                   efficientnet_layers(STAGES_V2[variant], dropout, V2_NORM, V2_LAST_CHANNEL), (size, size, 3),
                   f"torchvision EfficientNetV2-{variant.upper()} ({size}×{size}): Fused-MBConv, then MBConv "
                   "with squeeze-excitation, SiLU, stochastic depth",
                   source=SOURCE, notes=(
                       "BatchNorm eps 1e-3; the head is a 1×1 convolution to 1280 channels.",
                       "Stochastic depth (drop probability 0.2 · block / blocks) is the identity at inference.",
                   ))


def efficientnet_b0():
    return efficientnet("b0")


def efficientnet_b1():
    return efficientnet("b1")


def efficientnet_b2():
    return efficientnet("b2")


def efficientnet_b3():
    return efficientnet("b3")


def efficientnet_b4():
    return efficientnet("b4")


def efficientnet_b5():
    return efficientnet("b5")


def efficientnet_b6():
    return efficientnet("b6")


def efficientnet_b7():
    return efficientnet("b7")


def efficientnet_v2_s():
    return efficientnet_v2("s")


def efficientnet_v2_m():
    return efficientnet_v2("m")


def efficientnet_v2_l():
    return efficientnet_v2("l")
