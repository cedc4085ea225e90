"""MobileNetV2 (Sandler, Howard, Zhu, Zhmoginov, Chen 2018, arXiv:1801.04381) and MobileNetV3 (Howard et
al. 2019, arXiv:1905.02244) as torchvision builds them (torchvision/models/mobilenetv2.py, mobilenetv3.py).

Both are stacks of inverted residuals: a 1×1 expansion, a depthwise k×k convolution, a linear 1×1
projection, and the identity added back where the block keeps its shape. V3 adds squeeze-excitation gates
(hardsigmoid) and hardswish. Layers are named like torchvision's modules: torchvision's Conv2dNormActivation
is a Sequential of conv ``0``, BatchNorm ``1`` and activation ``2`` (``features.0.0``); an inverted
residual keeps its layers in ``conv`` (V2) or ``block`` (V3), so ``features.2.conv.1.0`` and
``features.4.block.2.fc1``.
"""

import functools

from . import TORCHVISION, tvblocks
from .papers_mobile import MOBILENET_V2_BOTTLENECKS
from .tvblocks import indexed, make_divisible, squeeze_excitation
from ..layers import (
    AdaptiveAvgPool2d, BatchNorm, Conv2d, Dropout, Flatten, Hardsigmoid, Hardswish, Linear, Network, ReLU, ReLU6,
    Residual, Sequential,
)

#: torchvision's Conv2dNormActivation as MobileNet uses it: ReLU6 unless told otherwise
conv_norm_act = functools.partial(tvblocks.conv_norm_act, activation=ReLU6)


def _maybe_residual(body, in_channels, out_channels, stride, name):
    """The identity is added back where the block keeps its shape (stride 1, as many channels out as in);
    otherwise the block is its body alone."""
    if stride == 1 and in_channels == out_channels:
        return Residual(body, name=name)
    return Sequential(body, name=name)


# --------------------------------------------------------------------------------------------------------
# MobileNetV2

#: torchvision's inverted_residual_setting is the paper's Table 2 (expansion t, channels c, repeats n, stride s
#: of the first repeat): the table the paper-faithful MobileNetV2 reads
V2_SETTING = MOBILENET_V2_BOTTLENECKS


def v2_block(in_channels, out_channels, stride, expansion, name=None):
    """MobileNetV2's inverted residual: 1×1 expansion to t·C_in (none when t = 1), depthwise 3×3, linear
    1×1 projection (BatchNorm, no activation); ReLU6 after the first two."""
    hidden = in_channels * expansion
    layers = [conv_norm_act(hidden, 1)] if expansion != 1 else []
    layers += [conv_norm_act(hidden, 3, stride, groups=hidden), Conv2d(out_channels, 1, bias=False), BatchNorm()]
    return _maybe_residual(indexed(layers, "conv"), in_channels, out_channels, stride, name)


def mobilenet_v2_layers(width_mult=1.0):
    """torchvision's MobileNetV2 at width multiplier ``width_mult`` (channels rounded by
    :func:`make_divisible`; the last conv never narrower than 1280)."""
    channels = make_divisible(32 * width_mult)
    last = make_divisible(1280 * max(1.0, width_mult))
    features = [conv_norm_act(channels, 3, 2)]
    for t, c, n, s in V2_SETTING:
        out = make_divisible(c * width_mult)
        for i in range(n):
            features.append(v2_block(channels, out, s if i == 0 else 1, t))
            channels = out
    features.append(conv_norm_act(last, 1))
    return [
        indexed(features, "features"),
        # (its forward calls adaptive_avg_pool2d and flatten: no modules of their own)
        AdaptiveAvgPool2d(1, name="avgpool", call="functional"),
        Flatten(name="flatten"),
        indexed([Dropout(0.2), Linear(1000)], "classifier"),
    ]


def mobilenet_v2():
    return Network("torchvision.mobilenet_v2", mobilenet_v2_layers(), (224, 224, 3),
                   "torchvision MobileNetV2: inverted residuals (1×1 expand, depthwise 3×3, 1×1 linear), ReLU6",
                   source=TORCHVISION.format("mobilenetv2"), notes=(
                       "Convolutions have no bias; BatchNorm follows every one; the projection is linear "
                       "(no ReLU6).",
                       "avgpool and flatten are functional calls in torchvision's forward, not modules.",
                   ))


# --------------------------------------------------------------------------------------------------------
# MobileNetV3

#: torchvision's BatchNorm for MobileNetV3 (the TensorFlow reference's defaults)
V3_NORM = {"eps": 0.001, "momentum": 0.01}

#: torchvision's _mobilenet_v3_conf (the paper's Tables 1 and 2): input channels, kernel, expanded
#: channels, output channels, squeeze-excitation, activation (RE: ReLU, HS: hardswish), stride
V3_LARGE = (
    (16, 3, 16, 16, False, "RE", 1),
    (16, 3, 64, 24, False, "RE", 2),
    (24, 3, 72, 24, False, "RE", 1),
    (24, 5, 72, 40, True, "RE", 2),
    (40, 5, 120, 40, True, "RE", 1),
    (40, 5, 120, 40, True, "RE", 1),
    (40, 3, 240, 80, False, "HS", 2),
    (80, 3, 200, 80, False, "HS", 1),
    (80, 3, 184, 80, False, "HS", 1),
    (80, 3, 184, 80, False, "HS", 1),
    (80, 3, 480, 112, True, "HS", 1),
    (112, 3, 672, 112, True, "HS", 1),
    (112, 5, 672, 160, True, "HS", 2),
    (160, 5, 960, 160, True, "HS", 1),
    (160, 5, 960, 160, True, "HS", 1),
)
V3_SMALL = (
    (16, 3, 16, 16, True, "RE", 2),
    (16, 3, 72, 24, False, "RE", 2),
    (24, 3, 88, 24, False, "RE", 1),
    (24, 5, 96, 40, True, "HS", 2),
    (40, 5, 240, 40, True, "HS", 1),
    (40, 5, 240, 40, True, "HS", 1),
    (40, 5, 120, 48, True, "HS", 1),
    (48, 5, 144, 48, True, "HS", 1),
    (48, 5, 288, 96, True, "HS", 2),
    (96, 5, 576, 96, True, "HS", 1),
    (96, 5, 576, 96, True, "HS", 1),
)
#: the width of the classifier's hidden layer (the paper's C5 / "NBN" 1×1)
V3_LAST = {"large": 1280, "small": 1024}

_ACTIVATIONS = {"RE": ReLU, "HS": Hardswish}


def v3_block(in_channels, kernel, expanded, out_channels, se, activation, stride, name=None):
    """MobileNetV3's bneck: 1×1 expansion (none when it would not widen), depthwise k×k, a
    squeeze-excitation gate to ``make_divisible(expanded / 4)`` channels where ``se``, linear 1×1
    projection; ReLU or hardswish after the first two."""
    act = _ACTIVATIONS[activation]
    layers = [conv_norm_act(expanded, 1, activation=act, norm=V3_NORM)] if expanded != in_channels else []
    layers.append(conv_norm_act(expanded, kernel, stride, groups=expanded, activation=act, norm=V3_NORM))
    if se:
        layers.append(squeeze_excitation(expanded, make_divisible(expanded // 4), ReLU, Hardsigmoid))
    layers.append(conv_norm_act(out_channels, 1, activation=None, norm=V3_NORM))
    return _maybe_residual(indexed(layers, "block"), in_channels, out_channels, stride, name)


def mobilenet_v3_layers(arch, width_mult=1.0):
    """torchvision's MobileNetV3-Large or -Small (``arch``: "large" or "small"); every channel count of
    the setting scaled by ``width_mult`` and rounded by :func:`make_divisible`."""
    setting = V3_LARGE if arch == "large" else V3_SMALL
    scaled = [(make_divisible(i * width_mult), k, make_divisible(e * width_mult), make_divisible(o * width_mult),
               se, act, s) for i, k, e, o, se, act, s in setting]
    features = [conv_norm_act(scaled[0][0], 3, 2, activation=Hardswish, norm=V3_NORM)]
    features += [v3_block(*config) for config in scaled]
    # the last 1×1 widens six times
    lastconv = 6 * scaled[-1][3]
    features.append(conv_norm_act(lastconv, 1, activation=Hardswish, norm=V3_NORM))
    return [
        indexed(features, "features"),
        AdaptiveAvgPool2d(1, name="avgpool"),
        # (a functional torch.flatten in its forward)
        Flatten(name="flatten"),
        indexed([Linear(make_divisible(V3_LAST[arch] * width_mult)), Hardswish(), Dropout(0.2), Linear(1000)],
                  "classifier"),
    ]


def _mobilenet_v3(arch):
    title = arch.capitalize()
    return Network(f"torchvision.mobilenet_v3_{arch}", mobilenet_v3_layers(arch), (224, 224, 3),
                   f"torchvision MobileNetV3-{title}: inverted residuals, squeeze-excitation (hardsigmoid), "
                   "hardswish", source=TORCHVISION.format("mobilenetv3"), notes=(
                       "BatchNorm eps 0.001, momentum 0.01; convolutions have no bias except the "
                       "squeeze-excitation's fc1 and fc2.",
                       "Squeeze width: make_divisible(expanded / 4, 8), e.g. 72 → 24 (18 rounds to 16, more "
                       "than 10 % down, so up to 24).",
                   ))


def mobilenet_v3_large():
    return _mobilenet_v3("large")


def mobilenet_v3_small():
    return _mobilenet_v3("small")
