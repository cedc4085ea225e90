"""ResNet, He, Zhang, Ren, Sun 2015 ("Deep Residual Learning for Image Recognition", arXiv:1512.03385,
Table 1), original (v1) layout, and the full pre-activation variant of He et al. 2016 ("Identity
Mappings in Deep Residual Networks", arXiv:1603.05027); and torchvision's v1.5 builds (here rather than in
:mod:`shapecalc.zoo.tv`, so that a torchvision ResNet loads no other network's definitions).

Layers are named like torchvision's modules (``layer1.0.conv1``, ``layer2.0.downsample.0``): a residual
block's body layers are rows of the block itself.
"""

from ..errors import ConfigError
from . import TORCHVISION
from ..layers import (
    AdaptiveAvgPool2d, BatchNorm, ChannelPadShortcut, Conv2d, Flatten, GlobalAvgPool, Linear, MaxPool2d, Network,
    ReLU, Residual, Sequential, Softmax,
)

SOURCE_2015 = "He, Zhang, Ren, Sun 2015, arXiv:1512.03385, Table 1 and sections 3.3/4.1"
SOURCE_2016 = "He, Zhang, Ren, Sun 2016, arXiv:1603.05027, Figure 4(e) (full pre-activation)"

#: Table 1: block kind and blocks per stage (conv2_x … conv5_x)
DEPTHS = {
    18: ("basic", (2, 2, 2, 2)),
    34: ("basic", (3, 4, 6, 3)),
    50: ("bottleneck", (3, 4, 6, 3)),
    101: ("bottleneck", (3, 4, 23, 3)),
    152: ("bottleneck", (3, 8, 36, 3)),
}
#: Table 1: width of each stage; bottlenecks expand the last 1×1 conv by 4
WIDTHS = (64, 128, 256, 512)
EXPANSION = {"basic": 1, "bottleneck": 4}


def _check_shortcut(shortcut):
    if shortcut not in ("A", "B", "C"):
        raise ConfigError(f"shortcut must be 'A', 'B' or 'C', received {shortcut!r}", "--shortcut")


def _shortcut(option, in_channels, out_channels, stride, preact):
    """Section 3.3: A = identity, zero-padded channels; B = 1×1 projection where the shape changes;
    C = projection on every block."""
    changes = stride != 1 or in_channels != out_channels
    if option == "A":
        return ChannelPadShortcut(out_channels, stride, name="downsample") if changes else None
    if option == "B" and not changes:
        return None
    layers = [Conv2d(out_channels, 1, stride=stride, bias=False, name="0")]
    if not preact:
        layers.append(BatchNorm(name="1"))
    return Sequential(*layers, name="downsample")


def _convs(kind, width, stride, v1, groups=1, width_per_group=64):
    """The (filters, kernel, stride, padding, groups) of a block's convolutions. ResNeXt and Wide ResNet
    (torchvision) widen the bottleneck's inner convolutions to ``width · width_per_group / 64 · groups``
    and group the 3×3."""
    if kind == "basic":
        return [(width, 3, stride, 1, 1), (width, 3, 1, 1, 1)]
    # v1 (paper): stride on the first 1×1; v1.5 (torchvision): stride on the 3×3
    first, middle = (stride, 1) if v1 else (1, stride)
    inner = width * width_per_group // 64 * groups
    return [(inner, 1, first, 0, 1), (inner, 3, middle, 1, groups), (4 * width, 1, 1, 0, 1)]


def block(kind, in_channels, width, stride, shortcut="B", v1=True, preact=False, name=None, groups=1,
          width_per_group=64):
    """One residual block: post-activation (conv-BN-ReLU …, add, ReLU) or full pre-activation
    (BN-ReLU-conv …, add)."""
    body = []
    convs = _convs(kind, width, stride, v1, groups, width_per_group)
    for i, (filters, kernel, s, pad, g) in enumerate(convs, 1):
        conv = Conv2d(filters, kernel, stride=s, padding=pad, groups=g, bias=False, name=f"conv{i}")
        if preact:
            body += [BatchNorm(name=f"bn{i}"), ReLU(name=f"relu{i}"), conv]
        else:
            body += [conv, BatchNorm(name=f"bn{i}")]
            if i < len(convs):
                body.append(ReLU(name=f"relu{i}"))
    out_channels = width * EXPANSION[kind]
    return Residual(body,
                    shortcut=_shortcut(shortcut, in_channels, out_channels, stride, preact),
                    post=[] if preact else [ReLU(name="relu")], name=name)


def resnet_layers(depth, shortcut="B", v1=True, preact=False, groups=1, width_per_group=64):
    """The layers of a ResNet of ``depth`` (18, 34, 50, 101, 152) at 224×224; v1.5 (``v1=False``) is
    torchvision's, with its ``AdaptiveAvgPool2d((1, 1))`` (a 1×1×C map, flattened in its forward)."""
    _check_shortcut(shortcut)
    kind, counts = DEPTHS[depth]
    layers = [
        Conv2d(64, 7, stride=2, padding=3, bias=False, name="conv1"),
        BatchNorm(name="bn1"),
        ReLU(name="relu"),
        MaxPool2d(3, 2, 1, name="maxpool"),
    ]
    channels = 64
    for stage, (width, count) in enumerate(zip(WIDTHS, counts), 1):
        blocks = []
        for i in range(count):
            stride = 2 if stage > 1 and i == 0 else 1
            blocks.append(block(kind, channels, width, stride, shortcut, v1, preact, name=str(i), groups=groups,
                                width_per_group=width_per_group))
            channels = width * EXPANSION[kind]
        layers.append(Sequential(*blocks, name=f"layer{stage}"))
    if preact:
        # the last unit's sum gets one more BN-ReLU before pooling
        layers += [BatchNorm(name="bn_final"), ReLU(name="relu_final")]
    pool = GlobalAvgPool(name="avgpool") if v1 else AdaptiveAvgPool2d(1, name="avgpool")
    layers += [pool, Flatten(name="flatten"), Linear(1000, name="fc")]
    return layers


_SHORTCUTS = {"A": "identity + zero-padded channels", "B": "projection where the shape changes",
              "C": "projection on every block"}


def resnet(depth, shortcut="B"):
    """The paper's ResNet-``depth`` (v1: in bottlenecks the stride is on the first 1×1 conv)."""
    layers = resnet_layers(depth, shortcut) + [Softmax(name="softmax")]
    return Network(f"resnet{depth}", layers, (224, 224, 3),
                   f"ResNet-{depth} (He et al. 2015, Table 1), v1 strides, option {shortcut} shortcuts",
                   source=SOURCE_2015, notes=(
                       f"Shortcut option {shortcut}: {_SHORTCUTS[shortcut]}.",
                       "Convolutions have no bias; BatchNorm follows every convolution.",
                   ))


def preact_resnet(depth, shortcut="B"):
    """ResNet-``depth`` with full pre-activation units (He et al. 2016): BN-ReLU-conv, nothing after the add."""
    layers = resnet_layers(depth, shortcut, preact=True) + [Softmax(name="softmax")]
    return Network(f"preact-resnet{depth}", layers, (224, 224, 3),
                   f"ResNet-{depth} with full pre-activation units (He et al. 2016), option {shortcut} shortcuts",
                   source=SOURCE_2016, notes=(
                       "Each unit is BN-ReLU-conv (×2 or ×3) then the addition, with no ReLU after it; "
                       "projections take the block input (same counts as taking the pre-activated input).",
                   ))


def resnet18(shortcut="B"):
    return resnet(18, shortcut)


def resnet34(shortcut="B"):
    return resnet(34, shortcut)


def resnet50(shortcut="B"):
    return resnet(50, shortcut)


def resnet101(shortcut="B"):
    return resnet(101, shortcut)


def resnet152(shortcut="B"):
    return resnet(152, shortcut)


def preact_resnet18(shortcut="B"):
    return preact_resnet(18, shortcut)


def preact_resnet34(shortcut="B"):
    return preact_resnet(34, shortcut)


def preact_resnet50(shortcut="B"):
    return preact_resnet(50, shortcut)


def preact_resnet101(shortcut="B"):
    return preact_resnet(101, shortcut)


def preact_resnet152(shortcut="B"):
    return preact_resnet(152, shortcut)


# --------------------------------------------------------------------------------------------------------
# torchvision's ResNet v1.5: stride on the 3×3 conv of the bottleneck, projection (option B) shortcuts


def tv_resnet(depth):
    return Network(f"torchvision.resnet{depth}", resnet_layers(depth, "B", v1=False), (224, 224, 3),
                   f"torchvision ResNet-{depth} (v1.5: bottleneck stride on the 3×3 conv; projection shortcuts)",
                   source=TORCHVISION.format("resnet"), notes=(
                       "v1.5 moves the bottleneck's stride from the first 1×1 to the 3×3 conv: same params, "
                       "more MACs.",
                   ))


def tv_resnet18():
    return tv_resnet(18)


def tv_resnet34():
    return tv_resnet(34)


def tv_resnet50():
    return tv_resnet(50)


def tv_resnet101():
    return tv_resnet(101)


def tv_resnet152():
    return tv_resnet(152)


# ResNeXt (Xie et al. 2017) and Wide ResNet (Zagoruyko & Komodakis 2016) as torchvision builds them: the
# v1.5 bottleneck with its inner width scaled (width_per_group / 64 · groups) and the 3×3 grouped


def _tv_wider(name, depth, groups, width_per_group, description):
    return Network(f"torchvision.{name}", resnet_layers(depth, "B", v1=False, groups=groups,
                                                       width_per_group=width_per_group),
                   (224, 224, 3), description, source=TORCHVISION.format("resnet"))


def tv_resnext50_32x4d():
    return _tv_wider("resnext50_32x4d", 50, 32, 4, "torchvision ResNeXt-50 32×4d (grouped 3×3, cardinality 32)")


def tv_resnext101_32x8d():
    return _tv_wider("resnext101_32x8d", 101, 32, 8, "torchvision ResNeXt-101 32×8d (grouped 3×3, cardinality 32)")


def tv_resnext101_64x4d():
    return _tv_wider("resnext101_64x4d", 101, 64, 4, "torchvision ResNeXt-101 64×4d (grouped 3×3, cardinality 64)")


def tv_wide_resnet50_2():
    return _tv_wider("wide_resnet50_2", 50, 1, 128, "torchvision Wide ResNet-50-2 (bottleneck inner width ×2)")


def tv_wide_resnet101_2():
    return _tv_wider("wide_resnet101_2", 101, 1, 128, "torchvision Wide ResNet-101-2 (bottleneck inner width ×2)")
