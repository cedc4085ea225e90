"""Four efficient networks as their papers define them: MobileNet v1 (Howard et al. 2017), MobileNetV2
(Sandler et al. 2018), SqueezeNet v1.0 (Iandola et al. 2016) and EfficientNet-B0 (Tan & Le 2019).

The top level has one entry per row of each paper's architecture table (``--depth 1`` reads like the
table), named after it: ``conv1``, ``sep1`` … ``sep13`` for MobileNet v1's Table 1; ``bottleneck1`` …
``bottleneck7`` for the lines of MobileNetV2's Table 2; ``conv1``, ``maxpool1``, ``fire2`` … ``fire9``,
``conv10``, ``avgpool10`` for SqueezeNet's Table 1; ``stage1`` … ``stage9`` for EfficientNet-B0's Table 1.

Padding. MobileNet v1, MobileNetV2 and EfficientNet were built in TensorFlow with ``SAME`` padding, and
their tables give only output sizes (each ⌈H/s⌉): their windows use ``padding="same"``, TensorFlow's
rule, which pads a stride-2 window on an even input by one row/column at the bottom/right only (PyTorch
realises it as a ZeroPad2d before the convolution). PyTorch's symmetric ``padding = k // 2`` gives the
same output sizes at 224×224 (so the same parameters and MACs), but leaves the last input row unused at
every stride-2 window (shapecalc then warns); ``same`` tiles every input exactly. SqueezeNet was built
in Caffe: its convolutions pad as its Caffe model does (conv1 none, the expand 3×3 one each side), and its
max-pools round up (Caffe's pooling, ``ceil_mode=True``).
"""

from ..errors import ConfigError
from ..layers import (
    BatchNorm, Branches, Conv2d, DepthwiseConv2d, Dropout, Flatten, GlobalAvgPool, Linear, MaxPool2d, Network,
    ReLU, ReLU6, Residual, Sequential, Sigmoid, SiLU, Softmax,
)

SOURCE_MOBILENET_V1 = "Howard et al. 2017, arXiv:1704.04861, Table 1 (body) and section 3.2"
SOURCE_MOBILENET_V2 = "Sandler et al. 2018, arXiv:1801.04381, Table 1 (bottleneck block) and Table 2 (body)"
SOURCE_SQUEEZENET = "Iandola et al. 2016, arXiv:1602.07360, Table 1 and section 3.2 (Fire module), Figure 2"
SOURCE_EFFICIENTNET = "Tan & Le 2019, arXiv:1905.11946, Table 1 (EfficientNet-B0) and section 4"

# --------------------------------------------------------------------------------------------------------
# MobileNet v1


#: Table 1, the 13 depthwise separable layers: (stride of the 3×3 depthwise conv, filters of the 1×1
#: pointwise conv). Table 1 prints the 13th depthwise conv as "Conv dw / s2" on a 7×7×1024 input with a
#: 7×7×1024 output: the sizes (and the authors' code) say stride 1, which is used here.
MOBILENET_V1_BODY = (
    (1, 64), (2, 128), (1, 128), (2, 256), (1, 256), (2, 512),
    (1, 512), (1, 512), (1, 512), (1, 512), (1, 512),
    (2, 1024), (1, 1024),
)


def _width(channels, alpha):
    # section 3.3: the width multiplier α thins every layer uniformly (M → αM, N → αN)
    return max(1, int(channels * alpha))


def depthwise_separable(filters, stride, name):
    """Figure 3 (right): 3×3 depthwise conv, BN, ReLU, then 1×1 pointwise conv, BN, ReLU; no conv biases."""
    return Sequential(
        DepthwiseConv2d(3, stride, "same", bias=False, name="dw"), BatchNorm(name="bn_dw"), ReLU(name="relu_dw"),
        Conv2d(filters, 1, bias=False, name="pw"), BatchNorm(name="bn_pw"), ReLU(name="relu_pw"),
        name=name,
    )


def mobilenet_v1(alpha=1.0):
    """MobileNet v1 (Table 1) with width multiplier ``alpha`` (section 3.3; 1.0, 0.75, 0.5, 0.25 in
    Table 6). Every convolution is followed by BatchNorm and ReLU and has no bias (section 3.2, Figure 3);
    the final average pool is global (the paper's "Pool 7×7" at 224×224, and what its resolution
    multiplier of section 3.4 needs at 192, 160 and 128); the FC layer has its bias."""
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha <= 1:
        raise ConfigError(f"alpha (the width multiplier) must be in (0, 1], received {alpha!r}", "alpha")
    layers = [Sequential(Conv2d(_width(32, alpha), 3, stride=2, padding="same", bias=False, name="conv"),
                         BatchNorm(name="bn"), ReLU(name="relu"), name="conv1")]
    for i, (stride, filters) in enumerate(MOBILENET_V1_BODY, 1):
        layers.append(depthwise_separable(_width(filters, alpha), stride, f"sep{i}"))
    layers += [
        GlobalAvgPool(name="avgpool"),
        Linear(1000, name="fc"),
        Softmax(name="softmax"),
    ]
    width = "" if alpha == 1 else f", α = {alpha}"
    return Network("mobilenet-v1", layers, (224, 224, 3),
                   f"MobileNet v1 (Howard et al. 2017, Table 1){width}: depthwise separable convolutions",
                   source=SOURCE_MOBILENET_V1, notes=(
                       "Each sepN is one depthwise separable layer: 3×3 depthwise + 1×1 pointwise, each with "
                       "BatchNorm and ReLU, no conv biases.",
                       "Table 1's last 'Conv dw / s2' maps 7×7 to 7×7: stride 1 here.",
                       "'same' padding (TensorFlow's), as the authors' code; the average pool is global.",
                   ))


# --------------------------------------------------------------------------------------------------------
# MobileNetV2


#: Table 2, one line per sequence of bottlenecks: expansion t, output channels c, repeats n, first stride s
MOBILENET_V2_BOTTLENECKS = (
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
)


def inverted_residual(in_channels, t, out_channels, stride, name):
    """Table 1's bottleneck: 1×1 expansion to t·k (BN, ReLU6), 3×3 depthwise with stride s (BN, ReLU6),
    linear 1×1 projection to k' (BN, no activation); a residual where s = 1 and k = k' (Figure 4(d)).
    With t = 1 there is no expansion convolution (the authors' code: a 1×1 conv from k to k channels
    would be no expansion at all)."""
    body = []
    if t != 1:
        body += [Conv2d(t * in_channels, 1, bias=False, name="expand"), BatchNorm(name="bn_expand"),
                 ReLU6(name="relu_expand")]
    body += [
        DepthwiseConv2d(3, stride, "same", bias=False, name="dw"), BatchNorm(name="bn_dw"), ReLU6(name="relu_dw"),
        Conv2d(out_channels, 1, bias=False, name="project"), BatchNorm(name="bn_project"),
    ]
    if stride == 1 and in_channels == out_channels:
        return Residual(body, name=name)
    return Sequential(*body, name=name)


def mobilenet_v2():
    """MobileNetV2 1.0 at 224 (Table 2): a 3×3/2 conv of 32, 17 bottlenecks in 7 sequences, a 1×1 conv to
    1280, global average pool, and a 1×1 conv to the 1000 classes (with its bias). BatchNorm after every
    convolution, ReLU6 after all but the projections (linear bottlenecks); no conv biases but the last."""
    layers = [Sequential(Conv2d(32, 3, stride=2, padding="same", bias=False, name="conv"), BatchNorm(name="bn"),
                         ReLU6(name="relu"), name="conv1")]
    channels = 32
    for line, (t, c, n, s) in enumerate(MOBILENET_V2_BOTTLENECKS, 1):
        blocks = []
        for i in range(n):
            blocks.append(inverted_residual(channels, t, c, s if i == 0 else 1, str(i)))
            channels = c
        layers.append(Sequential(*blocks, name=f"bottleneck{line}"))
    layers += [
        Sequential(Conv2d(1280, 1, bias=False, name="conv"), BatchNorm(name="bn"), ReLU6(name="relu"),
                   name="conv2"),
        GlobalAvgPool(keepdims=True, name="avgpool"),
        Conv2d(1000, 1, name="classifier"),
        Flatten(name="flatten"),
        Softmax(name="softmax"),
    ]
    return Network("mobilenet-v2", layers, (224, 224, 3),
                   "MobileNetV2 (Sandler et al. 2018, Table 2): inverted residuals with linear bottlenecks",
                   source=SOURCE_MOBILENET_V2, notes=(
                       "bottleneckN is line N of Table 2 (t, c, n, s); its blocks are 0 … n−1.",
                       "The t = 1 bottleneck has no expansion convolution (as the authors' code).",
                       "'same' padding (TensorFlow's), as the authors' code; the average pool is global.",
                   ))


# --------------------------------------------------------------------------------------------------------
# SqueezeNet v1.0


#: Table 1: name, s1x1 (squeeze), e1x1 and e3x3 (expand); max-pools 3×3/2 after conv1, fire4 and fire8
FIRES = (
    ("fire2", 16, 64, 64),
    ("fire3", 16, 64, 64),
    ("fire4", 32, 128, 128),
    ("fire5", 32, 128, 128),
    ("fire6", 48, 192, 192),
    ("fire7", 48, 192, 192),
    ("fire8", 64, 256, 256),
    ("fire9", 64, 256, 256),
)
POOL_AFTER = {"fire4": "maxpool4", "fire8": "maxpool8"}


def fire(name, s1x1, e1x1, e3x3):
    """Section 3.2, Figure 1: a 1×1 squeeze conv (s1x1 filters), then 1×1 (e1x1) and 3×3 (e3x3, padded 1)
    expand convs side by side, concatenated; ReLU after each conv; biases (Caffe)."""
    return Sequential(
        Conv2d(s1x1, 1, name="squeeze1x1"), ReLU(name="relu_squeeze1x1"),
        Branches(
            [Conv2d(e1x1, 1, name="expand1x1"), ReLU(name="relu_expand1x1")],
            [Conv2d(e3x3, 3, padding=1, name="expand3x3"), ReLU(name="relu_expand3x3")],
            flat=True, name="expand",
        ),
        name=name,
    )


def squeezenet():
    """SqueezeNet v1.0 (Table 1), as the authors' Caffe model: 7×7/2 conv of 96, 3×3/2 max-pools rounding
    up, eight Fire modules, dropout 50% after fire9 (section 3.3.1), a 1×1 conv to 1000 with ReLU, and
    a global average pool into the softmax. No dense layers."""
    layers = [
        Conv2d(96, 7, stride=2, name="conv1"), ReLU(name="relu_conv1"),
        MaxPool2d(3, 2, ceil_mode=True, name="maxpool1"),
    ]
    for name, s1x1, e1x1, e3x3 in FIRES:
        layers.append(fire(name, s1x1, e1x1, e3x3))
        if name in POOL_AFTER:
            layers.append(MaxPool2d(3, 2, ceil_mode=True, name=POOL_AFTER[name]))
    layers += [
        Dropout(0.5, name="drop9"),
        Conv2d(1000, 1, name="conv10"), ReLU(name="relu_conv10"),
        GlobalAvgPool(name="avgpool10"),
        Softmax(name="softmax"),
    ]
    return Network("squeezenet", layers, (224, 224, 3),
                   "SqueezeNet (Iandola et al. 2016, Table 1): Fire modules, no dense layers",
                   source=SOURCE_SQUEEZENET, notes=(
                       "Table 1's sizes (conv1 111×111, fire2-4 55×55) are those of a 227×227 input, the "
                       "Caffe model's crop; at 224×224 conv1 gives 109×109 and the maps are 54, 27, 13.",
                       "Max-pools round up (Caffe); convolutions carry biases.",
                   ))


# --------------------------------------------------------------------------------------------------------
# EfficientNet-B0


#: Table 1, stages 2-8: expansion (MBConv1/MBConv6), kernel, stride of the first layer, channels, layers.
#: The strides are read off the resolution column (each stage's input size; 112 → 56 means stride 2).
EFFICIENTNET_B0_STAGES = (
    (1, 3, 1, 16, 1),
    (6, 3, 2, 24, 2),
    (6, 5, 2, 40, 2),
    (6, 3, 2, 80, 3),
    (6, 5, 1, 112, 3),
    (6, 5, 2, 192, 4),
    (6, 3, 1, 320, 1),
)
#: squeeze-excitation: the squeeze width is 0.25 of the block's input channels (the authors' code)
SE_RATIO = 0.25


def squeeze_excitation(channels, squeeze):
    """Hu et al.'s gate: global average pool, 1×1 conv to ``squeeze`` (bias), swish, 1×1 conv back to
    ``channels`` (bias), sigmoid, scaling the input channel by channel."""
    return Residual([GlobalAvgPool(keepdims=True, name="pool"), Conv2d(squeeze, 1, name="reduce"),
                     SiLU(name="act"), Conv2d(channels, 1, name="expand"), Sigmoid(name="gate")],
                    merge="mul", name="se")


def mbconv(in_channels, t, kernel, stride, out_channels, name):
    """MBConv (MnasNet's mobile inverted bottleneck with squeeze-excitation): 1×1 expansion to t·k (BN,
    swish; none when t = 1), k×k depthwise (BN, swish), squeeze-excitation, linear 1×1 projection (BN);
    an identity residual where the stride is 1 and the channels do not change. No conv biases."""
    expanded = t * in_channels
    body = []
    if t != 1:
        body += [Conv2d(expanded, 1, bias=False, name="expand"), BatchNorm(name="bn_expand"), SiLU(name="act_expand")]
    body += [
        DepthwiseConv2d(kernel, stride, "same", bias=False, name="dw"), BatchNorm(name="bn_dw"), SiLU(name="act_dw"),
        squeeze_excitation(expanded, max(1, int(in_channels * SE_RATIO))),
        Conv2d(out_channels, 1, bias=False, name="project"), BatchNorm(name="bn_project"),
    ]
    if stride == 1 and in_channels == out_channels:
        return Residual(body, name=name)
    return Sequential(*body, name=name)


def efficientnet_b0():
    """EfficientNet-B0 (Table 1): stage 1 a 3×3/2 conv of 32; stages 2-8 MBConv blocks; stage 9 a 1×1 conv
    to 1280, global average pool, dropout 0.2 (section 5.2) and FC 1000. BatchNorm after every conv, swish
    (SiLU) activations."""
    layers = [Sequential(Conv2d(32, 3, stride=2, padding="same", bias=False, name="conv"), BatchNorm(name="bn"),
                         SiLU(name="act"), name="stage1")]
    channels = 32
    for stage, (t, kernel, stride, c, n) in enumerate(EFFICIENTNET_B0_STAGES, 2):
        blocks = []
        for i in range(n):
            blocks.append(mbconv(channels, t, kernel, stride if i == 0 else 1, c, str(i)))
            channels = c
        layers.append(Sequential(*blocks, name=f"stage{stage}"))
    layers += [
        Sequential(Conv2d(1280, 1, bias=False, name="conv"), BatchNorm(name="bn"), SiLU(name="act"),
                   GlobalAvgPool(name="pool"), Dropout(0.2, name="dropout"), Linear(1000, name="fc"),
                   name="stage9"),
        Softmax(name="softmax"),
    ]
    return Network("efficientnet-b0", layers, (224, 224, 3),
                   "EfficientNet-B0 (Tan & Le 2019, Table 1): MBConv stages with squeeze-excitation",
                   source=SOURCE_EFFICIENTNET, notes=(
                       "stageN is row N of Table 1; MBConv blocks carry squeeze-excitation with a squeeze "
                       "width of 0.25 × the block's input channels.",
                       "'same' padding (TensorFlow's), as the authors' code. Stochastic depth (training "
                       "only, no counts) is left out.",
                   ))
