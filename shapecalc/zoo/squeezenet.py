"""SqueezeNet (Iandola et al. 2016, "SqueezeNet: AlexNet-level accuracy with 50x fewer parameters",
arXiv:1602.07360) as torchvision builds it (torchvision/models/squeezenet.py): versions 1.0 (the paper's)
and 1.1 (a 3×3 stem of 64 filters and earlier pooling: 2.4× fewer MACs, about the same accuracy).

A Fire module: ``squeeze`` (1×1 conv to s channels, ReLU), then two expand convolutions on its output,
``expand1x1`` (1×1 to e1, ReLU) and ``expand3x3`` (3×3, pad 1, to e3, ReLU), concatenated: e1 + e3
channels. Every convolution has a bias. No dense layer: the classifier is a 1×1 convolution to the 1000
classes, ReLU, and a global average pool.

Layer paths are torchvision's (``features.3.squeeze``, ``features.3.expand1x1_activation``,
``classifier.1``), with one difference: the two expand convolutions fork from ``squeeze_activation``'s
output, and a block forks only at its input or as a residual block's body and shortcut, the shortcut a
block of its own. So ``features.3.expand3x3`` is a block (its conv, ``features.3.expand3x3.conv``, and
its ReLU, ``.activation``: torchvision's ``expand3x3_activation``), with the output, parameters and MACs
of torchvision's ``expand3x3`` conv and its activation; the concat (``features.3.concat``) has no
torchvision module either.
"""

from ..layers import AdaptiveAvgPool2d, Conv2d, Dropout, Flatten, MaxPool2d, Network, ReLU, Residual, Sequential
from . import TORCHVISION

SOURCE = TORCHVISION.format("squeezenet")

#: version → stem (filters, kernel), then the features after it: "M" a 3×3/2 max-pool (ceil mode), or a
#: Fire module's (squeeze, expand 1×1, expand 3×3) filters
CONFIGS = {
    "1_0": ((96, 7), ["M", (16, 64, 64), (16, 64, 64), (32, 128, 128), "M", (32, 128, 128), (48, 192, 192),
                      (48, 192, 192), (64, 256, 256), "M", (64, 256, 256)]),
    "1_1": ((64, 3), ["M", (16, 64, 64), (16, 64, 64), "M", (32, 128, 128), (32, 128, 128), "M",
                      (48, 192, 192), (48, 192, 192), (64, 256, 256), (64, 256, 256)]),
}


def fire(squeeze, expand1x1, expand3x3, name=None):
    """squeeze 1×1 + ReLU; expand 1×1 + ReLU and expand 3×3 (pad 1) + ReLU on its output, concatenated."""
    # the fork after squeeze_activation: a flat residual block, concat(body(y), shortcut(y)), whose rows
    # are the Fire module's own; expand3x3 is its shortcut, a block (conv, activation) at torchvision's path
    expand = Residual(
        [Conv2d(expand1x1, 1, name="expand1x1"), ReLU(name="expand1x1_activation")],
        shortcut=Sequential(Conv2d(expand3x3, 3, stride=1, padding=1, name="conv"), ReLU(name="activation"),
                            name="expand3x3"),
        merge="concat", flat=True,
    )
    return Sequential(Conv2d(squeeze, 1, name="squeeze"), ReLU(name="squeeze_activation"), expand, name=name)


def squeezenet(version):
    (stem, kernel), config = CONFIGS[version]
    features = [Conv2d(stem, kernel, stride=2), ReLU()]
    for item in config:
        if item == "M":
            features.append(MaxPool2d(3, 2, ceil_mode=True))
        else:
            features.append(fire(*item))
    for i, layer in enumerate(features):
        layer.name = str(i)
    classifier = [Dropout(0.5), Conv2d(1000, 1), ReLU(), AdaptiveAvgPool2d(1)]
    for i, layer in enumerate(classifier):
        layer.name = str(i)
    layers = [Sequential(*features, name="features"), Sequential(*classifier, name="classifier"),
              Flatten(name="flatten")]
    dotted = version.replace("_", ".")
    return Network(f"torchvision.squeezenet{version}", layers, (224, 224, 3),
                   f"torchvision SqueezeNet {dotted}: Fire modules (squeeze 1×1, expand 1×1 and 3×3), "
                   f"{stem} {kernel}×{kernel}/2 stem, conv classifier",
                   source=SOURCE, notes=(
                       "The max-pools are 3×3/2 in ceil mode: at 224×224 the stem's "
                       + ("109×109 map pools to 54×54 (⌈(109 − 3)/2⌉ + 1)." if version == "1_0"
                          else "111×111 map pools to 55×55 (⌈(111 − 3)/2⌉ + 1)."),
                       "The classifier is dropout, a 1×1 conv to 1000 classes, ReLU and a global average pool; "
                       "the flatten is torch.flatten in torchvision's forward (no module).",
                   ))


def squeezenet1_0():
    return squeezenet("1_0")


def squeezenet1_1():
    return squeezenet("1_1")
