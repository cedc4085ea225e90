"""DenseNet-BC (Huang, Liu, van der Maaten, Weinberger 2017, "Densely Connected Convolutional Networks",
arXiv:1608.06993) as torchvision builds it (torchvision/models/densenet.py).

A dense layer (torchvision's ``_DenseLayer``) is BN-ReLU-conv 1×1 (to ``bn_size · k`` = 4k channels),
BN-ReLU-conv 3×3 (to the growth rate k), all convolutions without bias; its k new channels are concatenated
after everything before them in the block, so that dense layer i of a block reads
``C_0 + (i − 1) · k`` channels. A transition halves the channels (BN-ReLU-conv 1×1) and the map (2×2/2
average pool). After the last block: BN (``features.norm5``), ReLU, global average pool, one Linear.

Layer paths are torchvision's (``features.denseblock1.denselayer1.conv1``, ``features.transition1.conv``).
A dense layer is a block of its own with k channels out, as torchvision's ``_DenseLayer`` module; after it
the block's running features and the layer's k new ones are concatenated (``denseblock1.concat1``, input
first), a row without a torchvision module: its ``_DenseBlock`` concatenates all of them once, at its end,
which has the same parameters, MACs and outputs (every dense layer reads the same channels, in the same
order).
"""

from ..layers import (
    AdaptiveAvgPool2d, AvgPool2d, BatchNorm, Concat, Conv2d, Flatten, Linear, MaxPool2d, Network, ReLU, Residual,
    Sequential,
)
from . import TORCHVISION

SOURCE = TORCHVISION.format("densenet")

#: name → (growth rate k, dense layers per block, channels of the stem's convolution)
CONFIGS = {
    121: (32, (6, 12, 24, 16), 64),
    161: (48, (6, 12, 36, 24), 96),
    169: (32, (6, 12, 32, 32), 64),
    201: (32, (6, 12, 48, 32), 64),
}
#: the bottleneck's width is BN_SIZE · k
BN_SIZE = 4


def dense_layer(growth, index):
    """Dense layer ``index`` of a block: BN-ReLU-conv 1×1 (4k), BN-ReLU-conv 3×3 (k), a block of its own
    (``denselayer{index}``, k channels out, as torchvision's module); then its input and its k new
    channels concatenated (``concat{index}``; torchvision: ``torch.cat(features, 1)``, input first)."""
    new = Sequential(
        BatchNorm(name="norm1"), ReLU(name="relu1"), Conv2d(BN_SIZE * growth, 1, bias=False, name="conv1"),
        BatchNorm(name="norm2"), ReLU(name="relu2"), Conv2d(growth, 3, stride=1, padding=1, bias=False, name="conv2"),
        name=f"denselayer{index}",
    )
    # concat(body(x), shortcut(x)) with the identity as the body and the dense layer beside it: the input's
    # channels first, as torchvision orders them; flat, so that the dense layer is a row of the dense block
    return Residual(Sequential(), shortcut=new, merge=Concat(name=f"concat{index}"), flat=True)


def transition(channels, name):
    """BN-ReLU-conv 1×1 to ``channels``, average pool 2×2/2."""
    return Sequential(BatchNorm(name="norm"), ReLU(name="relu"), Conv2d(channels, 1, bias=False, name="conv"),
                      AvgPool2d(2, 2, name="pool"), name=name)


def densenet(depth):
    growth, blocks, stem = CONFIGS[depth]
    features = [
        Conv2d(stem, 7, stride=2, padding=3, bias=False, name="conv0"),
        BatchNorm(name="norm0"),
        ReLU(name="relu0"),
        MaxPool2d(3, 2, 1, name="pool0"),
    ]
    channels = stem
    for b, count in enumerate(blocks, 1):
        features.append(Sequential(*[dense_layer(growth, i) for i in range(1, count + 1)],
                                   name=f"denseblock{b}"))
        channels += count * growth
        if b < len(blocks):
            channels //= 2
            features.append(transition(channels, f"transition{b}"))
    features.append(BatchNorm(name="norm5"))
    layers = [
        Sequential(*features, name="features"),
        # F.relu and F.adaptive_avg_pool2d in DenseNet.forward: no modules of their own
        ReLU(call="functional", name="relu"),
        AdaptiveAvgPool2d(1, name="avgpool", call="functional"),
        Flatten(name="flatten"),
        Linear(1000, name="classifier"),
    ]
    return Network(f"torchvision.densenet{depth}", layers, (224, 224, 3),
                   f"torchvision DenseNet-{depth}: growth {growth}, blocks {'/'.join(map(str, blocks))}, "
                   f"{stem}-channel stem, BN-ReLU-conv layers concatenated",
                   source=SOURCE, notes=(
                       f"Dense layer i of a block reads C_0 + (i − 1)·{growth} channels: BN, ReLU, 1×1 conv to "
                       f"{BN_SIZE * growth}, BN, ReLU, 3×3 conv to {growth}; no conv has a bias.",
                       "Each dense layer's new channels are concatenated after the block's running features "
                       "(concat1, concat2 …); torchvision's _DenseBlock concatenates them all once, at its end: "
                       "the same channels, in the same order.",
                       "The ReLU and pooling after features.norm5 are F.relu and F.adaptive_avg_pool2d calls "
                       "in torchvision's forward (no modules).",
                   ))


def densenet121():
    return densenet(121)


def densenet161():
    return densenet(161)


def densenet169():
    return densenet(169)


def densenet201():
    return densenet(201)
