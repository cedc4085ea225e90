"""MaxViT (Tu et al. 2022, "MaxViT: Multi-Axis Vision Transformer", arXiv:2204.01697) as torchvision builds
it (torchvision/models/maxvit.py).

A stem of two 3×3 convolutions (the first stride 2), then four blocks of MaxViT layers. A layer is an MBConv
(BatchNorm first, 1×1 expansion ×4, 3×3 depthwise — stride 2 in a block's first layer —, squeeze-excitation
to C/4, 1×1 projection; the shortcut average-pools and projects where the shape changes), then block
attention and grid attention. Each attention layer partitions the map into groups of 7×7 = 49 tokens
(``partition_op``: 7×7 blocks of neighbours, or 7×7 positions spread over the map as a grid, whose groups a
swap of axes forms), adds ``attn_layer`` (LayerNorm, multi-head attention with a relative position bias,
heads of 32) and ``mlp_layer`` (LayerNorm, 4× MLP with GELU) to the tokens, and puts them back on the map
(``departition_op``). Global average pooling, LayerNorm, a dense layer with tanh and the bias-free
classifier.

The rows between a partition and its departition have torchvision's shapes, G groups × N tokens × C
(``window_attention.attn_layer.0``: 16×49×64 on a 28×28 map). torchvision's MaxViT runs square inputs only,
a multiple of 7 after the five halvings (224, 448 …): its grid partition counts its cells along H for both
axes. Rows carry torchvision's module paths (``blocks.0.layers.0.layers.MBconv.layers.conv_b.0``).
"""

from ..layers import (
    AdaptiveAvgPool2d, Add, AvgPool2d, BatchNorm, Conv2d, Departition, Dropout, Flatten, GELU, Identity,
    LayerNorm, Linear, Network, Partition, PointwiseLinear, RelativeAttention, Residual, Sequential, SiLU,
    Sigmoid, StochasticDepth, SwapAxes, Tanh,
)
from . import TORCHVISION

#: maxvit_t (torchvision's builder): stem width, block widths, layers per block, heads of 32, 7×7 partitions,
#: stochastic depth rate
STEM = 64
WIDTHS = (64, 128, 256, 512)
LAYERS = (2, 2, 5, 2)
HEAD_DIM = 32
PARTITION = 7
DROP_RATE = 0.2
#: MBConv: expansion ×4, squeeze-excitation to ⌊C_out / 4⌋; MLP ×4
EXPANSION = 4
SQUEEZE = 0.25
MLP_RATIO = 4
#: BatchNorm (TensorFlow's): eps 1e-3, momentum 0.01
NORM = (1e-3, 0.01)


def _bn(name):
    return BatchNorm(eps=NORM[0], momentum=NORM[1], name=name)


def _drops(total, rate):
    """numpy.linspace(0, rate, total): i · rate / (total − 1), the last exactly ``rate``."""
    step = rate / (total - 1)
    return [i * step for i in range(total - 1)] + [rate]


def mbconv(in_channels, out_channels, stride, drop):
    """MBConv: ``proj(x) + stochastic_depth(layers(x))``; torchvision's stochastic_depth is the identity at
    drop rate 0, its proj the identity where stride and width stay."""
    mid = int(out_channels * EXPANSION)
    squeeze = int(out_channels * SQUEEZE)
    layers = Sequential(
        _bn("pre_norm"),
        Sequential(Conv2d(mid, 1, bias=False, name="0"), _bn("1"), GELU(name="2"), name="conv_a"),
        Sequential(Conv2d(mid, 3, stride=stride, padding=1, groups=mid, bias=False, name="0"), _bn("1"), GELU(name="2"),
                   name="conv_b"),
        Residual([
            AdaptiveAvgPool2d(1, name="avgpool"),
            Conv2d(squeeze, 1, name="fc1"),
            SiLU(name="activation"),
            Conv2d(mid, 1, name="fc2"),
            Sigmoid(name="scale_activation"),
        ], merge="mul", name="squeeze_excitation"),
        Conv2d(out_channels, 1, name="conv_c"),
        name="layers",
    )
    depth = StochasticDepth(drop, "row", name="stochastic_depth") if drop else Identity(name="stochastic_depth")
    shortcut = None
    if stride != 1 or in_channels != out_channels:
        project = [Conv2d(out_channels, 1, name="1" if stride == 2 else "0")]
        if stride == 2:
            project.insert(0, AvgPool2d(3, 2, 1, name="0"))
        shortcut = Sequential(*project, name="proj")
    return Residual([layers, depth], shortcut=shortcut, name="MBconv")


def partition_attention(channels, grid, drop):
    """Partition, ``x + stochastic_dropout(attn_layer(x))``, ``x + stochastic_dropout(mlp_layer(x))``,
    departition; the grid partition's groups formed (and undone) by a swap of axes."""
    attn = Sequential(LayerNorm(name="0"), RelativeAttention(HEAD_DIM, PARTITION, name="1"), Dropout(0.0, name="2"),
                      name="attn_layer")
    mlp = Sequential(LayerNorm(name="0"), PointwiseLinear(MLP_RATIO * channels, name="1"), GELU(name="2"),
                     PointwiseLinear(channels, name="3"), Dropout(0.0, name="4"), name="mlp_layer")
    layers = [Partition(PARTITION, grid, name="partition_op")]
    if grid:
        layers.append(SwapAxes(name="partition_swap"))
    # torchvision calls one stochastic_dropout module in both sums: the second call is a row of its own
    layers += [
        Residual([attn, StochasticDepth(drop, "row", name="stochastic_dropout")], merge=Add(name="add_1"), flat=True),
        Residual([mlp, StochasticDepth(drop, "row", name="stochastic_dropout_2")], merge=Add(name="add_2"),
                 flat=True),
    ]
    if grid:
        layers.append(SwapAxes(name="departition_swap"))
    layers.append(Departition(name="departition_op"))
    return Sequential(*layers, name="grid_attention" if grid else "window_attention")


def maxvit_layer(in_channels, out_channels, stride, drop, name):
    return Sequential(Sequential(
        mbconv(in_channels, out_channels, stride, drop),
        partition_attention(out_channels, False, drop),
        partition_attention(out_channels, True, drop),
        name="layers",
    ), name=name)


def maxvit_t():
    drops = _drops(sum(LAYERS), DROP_RATE)
    stem = Sequential(
        Sequential(Conv2d(STEM, 3, stride=2, padding=1, bias=False, name="0"), _bn("1"), GELU(name="2"), name="0"),
        Sequential(Conv2d(STEM, 3, stride=1, padding=1, name="0"), name="1"),
        name="stem",
    )
    blocks = []
    index = 0
    in_channels = STEM
    for b, (width, count) in enumerate(zip(WIDTHS, LAYERS)):
        layers = []
        for i in range(count):
            layers.append(maxvit_layer(in_channels if i == 0 else width, width, 2 if i == 0 else 1, drops[index],
                                       str(i)))
            index += 1
        blocks.append(Sequential(Sequential(*layers, name="layers"), name=str(b)))
        in_channels = width
    classifier = Sequential(
        AdaptiveAvgPool2d(1, name="0"),
        Flatten(name="1"),
        LayerNorm(name="2"),
        Linear(WIDTHS[-1], name="3"),
        Tanh(name="4"),
        Linear(1000, bias=False, name="5"),
        name="classifier",
    )
    return Network("torchvision.maxvit_t", [stem, Sequential(*blocks, name="blocks"), classifier], (224, 224, 3),
                   "torchvision MaxViT-T: MBConv, then 7×7 block and grid attention, layers 2/2/5/2, C = 64…512",
                   source=TORCHVISION.format("maxvit"))
