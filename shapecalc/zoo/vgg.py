"""VGG, Simonyan & Zisserman 2014 ("Very Deep Convolutional Networks for Large-Scale Image
Recognition", arXiv:1409.1556), Table 1 configurations A, A-LRN, B, C, D, E.

A config is a list of ``(kernel, channels)`` convolutions, ``"M"`` (2×2 max-pool, stride 2) and
``"LRN"``. 3×3 convs pad 1, 1×1 convs pad 0, every conv is followed by ReLU.
"""

from ..layers import (
    Conv2d, Dropout, Flatten, Linear, LocalResponseNorm, MaxPool2d, Network, ReLU, Sequential, Softmax,
)

SOURCE = "Simonyan & Zisserman 2014, arXiv:1409.1556, Table 1 (configurations) and Table 2 (parameters)"

#: Table 1, written column by column
CONFIGS = {
    "A": [(3, 64), "M", (3, 128), "M", (3, 256), (3, 256), "M", (3, 512), (3, 512), "M", (3, 512), (3, 512), "M"],
    "A-LRN": [(3, 64), "LRN", "M", (3, 128), "M", (3, 256), (3, 256), "M", (3, 512), (3, 512), "M",
              (3, 512), (3, 512), "M"],
    "B": [(3, 64), (3, 64), "M", (3, 128), (3, 128), "M", (3, 256), (3, 256), "M", (3, 512), (3, 512), "M",
          (3, 512), (3, 512), "M"],
    "C": [(3, 64), (3, 64), "M", (3, 128), (3, 128), "M", (3, 256), (3, 256), (1, 256), "M",
          (3, 512), (3, 512), (1, 512), "M", (3, 512), (3, 512), (1, 512), "M"],
    "D": [(3, 64), (3, 64), "M", (3, 128), (3, 128), "M", (3, 256), (3, 256), (3, 256), "M",
          (3, 512), (3, 512), (3, 512), "M", (3, 512), (3, 512), (3, 512), "M"],
    "E": [(3, 64), (3, 64), "M", (3, 128), (3, 128), "M", (3, 256), (3, 256), (3, 256), (3, 256), "M",
          (3, 512), (3, 512), (3, 512), (3, 512), "M", (3, 512), (3, 512), (3, 512), (3, 512), "M"],
}
#: Table 1: FC-4096, FC-4096, FC-1000, soft-max
FCS = (4096, 4096, 1000)


def _stages(config):
    """Split a config at its pools: one Sequential per stage, Caffe names conv{stage}_{i}."""
    stages, layers, stage, i = [], [], 1, 1
    for item in config:
        if item == "M":
            layers.append(MaxPool2d(2, 2, name=f"pool{stage}"))
            stages.append(Sequential(*layers, name=f"block{stage}"))
            layers, stage, i = [], stage + 1, 1
        elif item == "LRN":
            # the LRN of Krizhevsky et al. 2012 (section 2.3 of the VGG paper)
            layers.append(LocalResponseNorm(5, 1e-4, 0.75, 2.0, name="norm1"))
        else:
            kernel, channels = item
            layers += [Conv2d(channels, kernel, stride=1, padding=kernel // 2, name=f"conv{stage}_{i}"),
                       ReLU(name=f"relu{stage}_{i}")]
            i += 1
    return stages


def vgg(letter, title):
    config = CONFIGS[letter]
    layers = _stages(config) + [Flatten(name="flatten")]
    for i, units in enumerate(FCS, 6):
        if i < 8:
            # section 3.1: dropout 0.5 on the first two fully-connected layers
            layers.append(Sequential(Linear(units, name=f"fc{i}"), ReLU(name=f"relu{i}"),
                                     Dropout(0.5, name=f"drop{i}"), name=f"fc{i}"))
        else:
            layers.append(Linear(units, name=f"fc{i}"))
    layers.append(Softmax(name="softmax"))
    weight_layers = sum(1 for c in config if isinstance(c, tuple)) + len(FCS)
    return Network(title, layers, (224, 224, 3),
                   f"VGG configuration {letter} (Simonyan & Zisserman 2014), {weight_layers} weight layers",
                   source=SOURCE)


def vgg_a():
    return vgg("A", "vgg-a")


def vgg_a_lrn():
    return vgg("A-LRN", "vgg-a-lrn")


def vgg_b():
    return vgg("B", "vgg-b")


def vgg_c():
    return vgg("C", "vgg-c")


def vgg_d():
    return vgg("D", "vgg-d")


def vgg_e():
    return vgg("E", "vgg-e")
