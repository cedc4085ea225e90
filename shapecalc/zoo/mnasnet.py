"""MNASNet (Tan, Chen, Pang, Vasudevan, Sandler, Howard, Le 2019, "MnasNet: Platform-Aware Neural
Architecture Search for Mobile", arXiv:1807.11626), the B1 variant as torchvision builds it
(torchvision/models/mnasnet.py, version 2: the stem scales with the depth multiplier too).

A stem (conv 3×3/2, depthwise-separable 3×3), six stacks of inverted residuals (3×3 or 5×5 depthwise,
expansion 3 or 6), a 1×1 conv to 1280, the spatial mean, dropout and the classifier. Layers are named like
torchvision's modules: everything but the classifier is one Sequential ``layers`` (``layers.0`` …
``layers.16``), a stack is ``layers.8`` … ``layers.13`` and an inverted residual keeps its own layers in
``layers`` too (``layers.8.0.layers.3``).
"""

from . import TORCHVISION
from ..layers import BatchNorm, Conv2d, Dropout, GlobalAvgPool, Linear, Network, ReLU, Residual, Sequential

#: torchvision's BatchNorm momentum: the paper's TensorFlow decay 0.9997 as PyTorch's 1 − decay
BN_MOMENTUM = 1 - 0.9997

#: torchvision's _get_depths: the channels of the stem conv, the stem's projection and the six stacks at α = 1
DEPTHS = (32, 16, 24, 40, 80, 96, 192, 320)

#: torchvision's MNASNet stacks (the B1 variant, its _stack calls): kernel, first stride, expansion, repeats
STACKS = (
    (3, 2, 3, 3),
    (5, 2, 3, 3),
    (5, 2, 6, 3),
    (3, 1, 6, 2),
    (5, 2, 6, 4),
    (3, 1, 6, 1),
)


def round_depth(value, divisor=8):
    """torchvision's ``_round_to_multiple_of`` (round-up bias 0.9): ``value`` rounded to a multiple of
    ``divisor``, at least ``divisor``, never more than 10 % below ``value``."""
    # nearest multiple: ⌊(v + d/2) / d⌋·d; if that is under 0.9·v, one multiple more
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded if rounded >= 0.9 * value else rounded + divisor


def _numbered(layers, name=None):
    """A Sequential whose children are named 0, 1, 2 … like torch.nn.Sequential's."""
    for i, layer in enumerate(layers):
        layer.name = str(i)
    return Sequential(*layers, name=name)


def _bn():
    return BatchNorm(momentum=BN_MOMENTUM)


def inverted_residual(in_channels, out_channels, kernel, stride, expansion, name=None):
    """MNASNet's inverted residual: 1×1 expansion to e·C_in, depthwise k×k (padding k / 2), linear 1×1
    projection; bias-free convs, BatchNorm after each, ReLU after the first two; the identity added back
    where the shape is kept."""
    mid = in_channels * expansion
    body = _numbered([
        Conv2d(mid, 1, bias=False), _bn(), ReLU(),
        Conv2d(mid, kernel, stride=stride, padding=kernel // 2, groups=mid, bias=False), _bn(), ReLU(),
        Conv2d(out_channels, 1, bias=False), _bn(),
    ], "layers")
    if stride == 1 and in_channels == out_channels:
        return Residual(body, name=name)
    return Sequential(body, name=name)


def stack(in_channels, out_channels, kernel, stride, expansion, repeats):
    """``repeats`` inverted residuals; only the first changes the stride or the channels."""
    blocks = [inverted_residual(in_channels, out_channels, kernel, stride, expansion)]
    blocks += [inverted_residual(out_channels, out_channels, kernel, 1, expansion) for _ in range(1, repeats)]
    return _numbered(blocks)


def mnasnet_layers(alpha):
    """torchvision's MNASNet at depth multiplier ``alpha`` (the channels of :data:`DEPTHS` scaled and
    rounded by :func:`round_depth`; the last 1×1 conv stays at 1280)."""
    depths = [round_depth(d * alpha) for d in DEPTHS]
    layers = [
        # first layer: a regular conv
        Conv2d(depths[0], 3, stride=2, padding=1, bias=False), _bn(), ReLU(),
        # depthwise separable, no skip
        Conv2d(depths[0], 3, stride=1, padding=1, groups=depths[0], bias=False), _bn(), ReLU(),
        Conv2d(depths[1], 1, bias=False), _bn(),
    ]
    for (kernel, stride, expansion, repeats), c_in, c_out in zip(STACKS, depths[1:], depths[2:]):
        layers.append(stack(c_in, c_out, kernel, stride, expansion, repeats))
    layers += [Conv2d(1280, 1, bias=False), _bn(), ReLU()]
    return [
        _numbered(layers, "layers"),
        # (x.mean([2, 3]) in its forward: no module)
        GlobalAvgPool(name="mean", call="mean"),
        _numbered([Dropout(0.2), Linear(1000)], "classifier"),
    ]


def mnasnet(alpha, suffix):
    depths = [round_depth(d * alpha) for d in DEPTHS]
    return Network(f"torchvision.mnasnet{suffix}", mnasnet_layers(alpha), (224, 224, 3),
                   f"torchvision MNASNet {alpha}: NAS-found inverted residuals (3×3 and 5×5 depthwise)",
                   source=TORCHVISION.format("mnasnet"), notes=(
                       f"Depth multiplier {alpha}: channels {', '.join(map(str, depths))}, then 1280.",
                       "BatchNorm momentum 1 − 0.9997 (the paper's TensorFlow decay); convolutions have no bias.",
                   ))


def mnasnet0_5():
    return mnasnet(0.5, "0_5")


def mnasnet0_75():
    return mnasnet(0.75, "0_75")


def mnasnet1_0():
    return mnasnet(1.0, "1_0")


def mnasnet1_3():
    return mnasnet(1.3, "1_3")
