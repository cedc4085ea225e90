"""ShuffleNet V2 (Ma, Zhang, Zheng, Sun 2018, "ShuffleNet V2: Practical Guidelines for Efficient CNN
Architecture Design", arXiv:1807.11164) as torchvision builds it (torchvision/models/shufflenetv2.py).

A unit (torchvision's ``InvertedResidual``) is two branches, concatenated, then a channel shuffle of 2:

- stride 2 (the first unit of a stage): ``branch1`` (depthwise 3×3/2, BN, 1×1, BN, ReLU) and ``branch2``
  (1×1, BN, ReLU, depthwise 3×3/2, BN, 1×1, BN, ReLU) both read the whole input;
- stride 1: the input's channels are split in two (``x.chunk(2)``): the first half passes unchanged
  (``branch1``: only the chunk, torchvision's empty ``nn.Sequential``), the second goes through ``branch2``.

Layer paths are torchvision's (``stage2.0.branch1.0``, ``stage3.4.branch2.5``); the chunks are rows of
their own (``stage2.1.branch2.split``) that torchvision has no module for (no parameters). The global pool
is torchvision's ``x.mean([2, 3])`` (no module either).
"""

from ..layers import (
    BatchNorm, Branches, ChannelShuffle, Chunk, Conv2d, DepthwiseConv2d, GlobalAvgPool, Linear, MaxPool2d, Network,
    ReLU, Sequential,
)
from . import TORCHVISION
from .tvblocks import indexed

SOURCE = TORCHVISION.format("shufflenetv2")

#: units per stage (stage2, stage3, stage4)
REPEATS = (4, 8, 4)
#: width → output channels of conv1, stage2, stage3, stage4, conv5
WIDTHS = {
    "0_5": (24, 48, 96, 192, 1024),
    "1_0": (24, 116, 232, 464, 1024),
    "1_5": (24, 176, 352, 704, 1024),
    "2_0": (24, 244, 488, 976, 2048),
}


def _branch2(half, stride):
    """1×1, BN, ReLU, depthwise 3×3 (stride), BN, 1×1, BN, ReLU: ``half`` channels throughout."""
    return [
        Conv2d(half, 1, bias=False), BatchNorm(), ReLU(),
        DepthwiseConv2d(3, stride, 1, bias=False), BatchNorm(),
        Conv2d(half, 1, bias=False), BatchNorm(), ReLU(),
    ]


def unit(out_channels, stride, name):
    """One unit (torchvision's InvertedResidual) to ``out_channels``: concat(branch1, branch2), shuffle 2."""
    half = out_channels // 2
    if stride > 1:
        branch1 = indexed([DepthwiseConv2d(3, stride, 1, bias=False), BatchNorm(),
                            Conv2d(half, 1, bias=False), BatchNorm(), ReLU()], "branch1")
        branch2 = indexed(_branch2(half, stride), "branch2")
    else:
        # x1, x2 = x.chunk(2): x1 as it is, x2 through branch2
        branch1 = Sequential(Chunk(2, 0, name="split"), name="branch1")
        branch2 = Sequential(Chunk(2, 1, name="split"), *indexed(_branch2(half, 1)).layers, name="branch2")
    return Branches(branch1, branch2, merge="concat", post=[ChannelShuffle(2, name="shuffle")], name=name)


def shufflenet_v2(width):
    channels = WIDTHS[width]
    layers = [
        indexed([Conv2d(channels[0], 3, stride=2, padding=1, bias=False), BatchNorm(), ReLU()], "conv1"),
        MaxPool2d(3, 2, 1, name="maxpool"),
    ]
    for stage, (repeats, out_channels) in enumerate(zip(REPEATS, channels[1:4]), 2):
        layers.append(Sequential(*[unit(out_channels, 2 if i == 0 else 1, str(i)) for i in range(repeats)],
                                 name=f"stage{stage}"))
    layers += [
        indexed([Conv2d(channels[4], 1, bias=False), BatchNorm(), ReLU()], "conv5"),
        GlobalAvgPool(name="globalpool", call="mean"),  # x.mean([2, 3]) in its forward: no module
        Linear(1000, name="fc"),
    ]
    multiplier = width.replace("_", ".")
    return Network(f"torchvision.shufflenet_v2_x{width}", layers, (224, 224, 3),
                   f"torchvision ShuffleNetV2 ×{multiplier}: channel split, depthwise 3×3, concat, channel shuffle "
                   f"(stages {'/'.join(map(str, channels[1:4]))}, conv5 {channels[4]})",
                   source=SOURCE, notes=(
                       "A stride-1 unit splits its input's channels in two (x.chunk(2)): the first half passes "
                       "unchanged, the second goes through branch2; the chunks are rows without a torchvision "
                       "module.",
                       "Depthwise convolutions and the 1×1s around them have no bias (BatchNorm follows); "
                       "branch1's depthwise 3×3 and branch2's are followed by BN with no ReLU.",
                   ))


def shufflenet_v2_x0_5():
    return shufflenet_v2("0_5")


def shufflenet_v2_x1_0():
    return shufflenet_v2("1_0")


def shufflenet_v2_x1_5():
    return shufflenet_v2("1_5")


def shufflenet_v2_x2_0():
    return shufflenet_v2("2_0")
