"""RegNet, as torchvision builds it (torchvision/models/regnet.py): the RegNetX and RegNetY models of
Radosavovic, Kosaraju, Girshick, He, Dollár 2020 ("Designing Network Design Spaces", arXiv:2003.13678).

A RegNet is given by six numbers (depth d, initial width w_0, slope w_a, log-step w_m, group width g, and
for RegNetY the squeeze-excitation ratio); its per-block widths follow the paper's quantized linear rule
(section 3.3, eqs. 2–4), computed here by :func:`block_widths` and grouped into stages by :func:`stages`.
Every block is a residual bottleneck (1×1, grouped 3×3 [+ SE], 1×1; bottleneck ratio 1) with a 1×1
projection where the shape changes; each stage halves the resolution in its first block.

Layers are named like torchvision's modules (``stem.0``, ``trunk_output.block2.block2-0.f.b.0``,
``…f.se.fc1``, ``…proj.0``): a residual block's body and a squeeze-excitation's layers are rows of the
block itself.
"""

import itertools
import math

from . import TORCHVISION
from .tvblocks import conv_norm_act, squeeze_excitation
from ..layers import (
    AdaptiveAvgPool2d, Flatten, Linear, Network, ReLU, Residual, Sequential,
)

SOURCE = TORCHVISION.format("regnet")

#: RegNet parameters per model: (depth d, w_0, w_a, w_m, group width, SE ratio or None), from torchvision's
#: builder functions (torchvision/models/regnet.py, their ``BlockParams.from_init_params`` calls). Bottleneck
#: ratio 1 and stem width 32 throughout.
PARAMS = {
    "regnet_x_400mf": (22, 24, 24.48, 2.54, 16, None),
    "regnet_x_800mf": (16, 56, 35.73, 2.28, 16, None),
    "regnet_x_1_6gf": (18, 80, 34.01, 2.25, 24, None),
    "regnet_x_3_2gf": (25, 88, 26.31, 2.25, 48, None),
    "regnet_x_8gf": (23, 80, 49.56, 2.88, 120, None),
    "regnet_x_16gf": (22, 216, 55.59, 2.1, 128, None),
    "regnet_x_32gf": (23, 320, 69.86, 2.0, 168, None),
    "regnet_y_400mf": (16, 48, 27.89, 2.09, 8, 0.25),
    "regnet_y_800mf": (14, 56, 38.84, 2.4, 16, 0.25),
    "regnet_y_1_6gf": (27, 48, 20.71, 2.65, 24, 0.25),
    "regnet_y_3_2gf": (21, 80, 42.63, 2.66, 24, 0.25),
    "regnet_y_8gf": (17, 192, 76.82, 2.19, 56, 0.25),
    "regnet_y_16gf": (18, 200, 106.23, 2.48, 112, 0.25),
    "regnet_y_32gf": (20, 232, 115.89, 2.53, 232, 0.25),
    "regnet_y_128gf": (27, 456, 160.83, 2.52, 264, 0.25),
}

#: the paper's labels (RegNetX-1.6GF …) of the torchvision names
_LABELS = {name: "RegNet" + name[7].upper() + "-" + name[9:].replace("_", ".").upper() for name in PARAMS}

STEM_WIDTH = 32
QUANT = 8
#: the default input (the registry's): 224×224, but 384×384 for RegNetY-128GF, whose weights are SWAG's
_INPUT = {"regnet_y_128gf": (384, 384, 3)}


def block_widths(depth, w_0, w_a, w_m):
    """The width of each of the ``depth`` blocks (paper eqs. 2–4).

    u_j = w_0 + w_a·j;  s_j = round(log(u_j / w_0) / log(w_m));  w_j = 8·round(w_0·w_m^s_j / 8).

    torchvision computes this in float32 tensors; Python floats give the same integers for every model
    (no s_j lies within 0.002 of a half), and both round halves to even (RegNetX-1.6GF: 80·2.25 / 8 =
    22.5 → 22, width 176)."""
    widths = []
    for j in range(depth):
        s = round(math.log((w_0 + w_a * j) / w_0) / math.log(w_m))
        widths.append(round(w_0 * w_m ** s / QUANT) * QUANT)
    return widths


def _divisible(value, divisor):
    """``value`` to the nearest multiple of ``divisor`` (halves up), at least ``divisor`` and not more than
    10 % below ``value`` (torchvision's ``_make_divisible``)."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


def stages(depth, w_0, w_a, w_m, group_width):
    """The stages: a list of (width, blocks, group width). A stage is a run of equal block widths; its
    group width is capped at its width, and its width rounded to a multiple of the group width."""
    out = []
    for width, run in itertools.groupby(block_widths(depth, w_0, w_a, w_m)):
        g = min(group_width, width)
        out.append((_divisible(width, g), len(list(run)), g))
    return out


def block(width_in, width_out, stride, group_width, se_ratio, name):
    """ResBottleneckBlock: ``relu(proj(x) + f(x))``, f = 1×1, grouped 3×3 (``width / group_width`` groups,
    stride here), [SE squeezing to ``round(se_ratio · width_in)``], 1×1 without ReLU; proj is a strided 1×1
    conv + BN where the width or the resolution changes."""
    f = [
        conv_norm_act(width_out, 1, name="a"),
        conv_norm_act(width_out, 3, stride, groups=width_out // group_width, name="b"),
    ]
    if se_ratio:
        # the SE's width is relative to the block's input width
        f.append(squeeze_excitation(width_out, int(round(se_ratio * width_in)), name="se"))
    f.append(conv_norm_act(width_out, 1, activation=None, name="c"))
    proj = None
    if width_in != width_out or stride != 1:
        proj = conv_norm_act(width_out, 1, stride, activation=None, name="proj")
    return Residual(Sequential(*f, name="f"), shortcut=proj, post=[ReLU(name="activation")], name=name)


def regnet_layers(depth, w_0, w_a, w_m, group_width, se_ratio=None, classes=1000):
    """The layers of a RegNet: stem (3×3/2 conv to 32, BN, ReLU), the stages ``trunk_output.block1`` …
    (blocks ``block1-0`` …), global average pool, flatten, fc."""
    layers = [conv_norm_act(STEM_WIDTH, 3, 2, name="stem")]
    trunk = []
    width = STEM_WIDTH
    for s, (width_out, count, g) in enumerate(stages(depth, w_0, w_a, w_m, group_width), 1):
        blocks = []
        for i in range(count):
            blocks.append(block(width, width_out, 2 if i == 0 else 1, g, se_ratio, name=f"block{s}-{i}"))
            width = width_out
        trunk.append(Sequential(*blocks, name=f"block{s}"))
    layers += [
        Sequential(*trunk, name="trunk_output"),
        AdaptiveAvgPool2d(1, name="avgpool"),
        Flatten(name="flatten"),
        Linear(classes, name="fc"),
    ]
    return layers


def regnet(name):
    depth, w_0, w_a, w_m, group_width, se_ratio = PARAMS[name]
    shape = stages(depth, w_0, w_a, w_m, group_width)
    widths = ", ".join(str(w) for w, _, _ in shape)
    blocks = ", ".join(str(n) for _, n, _ in shape)
    se = f"; SE ratio {se_ratio} of the block input width" if se_ratio else ""
    return Network(f"torchvision.{name}", regnet_layers(*PARAMS[name]), _INPUT.get(name, (224, 224, 3)),
                   f"torchvision {_LABELS[name]}: stage widths {widths}, blocks {blocks}, group width "
                   f"{group_width}{se}",
                   source=SOURCE, notes=(
                       f"RegNet parameters d = {depth}, w_0 = {w_0}, w_a = {w_a}, w_m = {w_m}, g = {group_width}"
                       f"{f', SE ratio {se_ratio}' if se_ratio else ''} (Radosavovic et al. 2020, "
                       "arXiv:2003.13678); bottleneck ratio 1.",
                       "Block widths u_j = w_0 + w_a·j, quantized to w_0·w_m^round(log(u_j/w_0)/log(w_m)) "
                       "rounded to a multiple of 8; runs of equal width form the stages, whose widths are "
                       "then rounded to a multiple of the group width.",
                       ("The SE's two 1×1 convolutions have biases; every other convolution has none and is "
                        "followed by BatchNorm." if se_ratio else
                        "Convolutions have no bias; BatchNorm follows every convolution."),
                   ))


def regnet_x_400mf():
    return regnet("regnet_x_400mf")


def regnet_x_800mf():
    return regnet("regnet_x_800mf")


def regnet_x_1_6gf():
    return regnet("regnet_x_1_6gf")


def regnet_x_3_2gf():
    return regnet("regnet_x_3_2gf")


def regnet_x_8gf():
    return regnet("regnet_x_8gf")


def regnet_x_16gf():
    return regnet("regnet_x_16gf")


def regnet_x_32gf():
    return regnet("regnet_x_32gf")


def regnet_y_400mf():
    return regnet("regnet_y_400mf")


def regnet_y_800mf():
    return regnet("regnet_y_800mf")


def regnet_y_1_6gf():
    return regnet("regnet_y_1_6gf")


def regnet_y_3_2gf():
    return regnet("regnet_y_3_2gf")


def regnet_y_8gf():
    return regnet("regnet_y_8gf")


def regnet_y_16gf():
    return regnet("regnet_y_16gf")


def regnet_y_32gf():
    return regnet("regnet_y_32gf")


def regnet_y_128gf():
    return regnet("regnet_y_128gf")
