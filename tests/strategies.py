"""Hypothesis strategies shared by the property tests.

Import from a test with ``from tests import strategies`` (``tests`` is a package; pytest's ``pythonpath``
setting in pyproject.toml puts the checkout's root on the path).
"""

from hypothesis import strategies as st

# ---------------------------------------------------------------------------------------------------------
# reliability (issue 9): valid chains built by construction, invalid ones by one deliberate mistake, and
# text for the parsers. Shapes are tracked here with the textbook formula written independently of
# shapecalc.formulas: ⌊(H + 2P − D·(F − 1) − 1) / S⌋ + 1.


def _out(size, kernel, pad, stride, dilation=1):
    return (size + 2 * pad - dilation * (kernel - 1) - 1) // stride + 1


def _divisors(n):
    return [d for d in range(1, n + 1) if n % d == 0]


@st.composite
def conv_on(draw, shape):
    """A Conv2d that fits ``shape`` (H, W, C), and its output shape."""
    from shapecalc.layers import Conv2d

    h, w, c = shape
    pad = draw(st.integers(0, 2))
    dilation = draw(st.integers(1, 2))
    # the dilated kernel must fit the padded input: D·(F − 1) + 1 ≤ min(H, W) + 2P
    largest = (min(h, w) + 2 * pad - 1) // dilation + 1
    kernel = draw(st.integers(1, max(1, min(5, largest))))
    stride = draw(st.integers(1, 3))
    filters = draw(st.integers(1, 12))
    common = [g for g in _divisors(c) if filters % g == 0]
    groups = draw(st.sampled_from(common))
    bias = draw(st.booleans())
    layer = Conv2d(filters, kernel, stride=stride, padding=pad, dilation=dilation, groups=groups, bias=bias)
    return layer, (_out(h, kernel, pad, stride, dilation), _out(w, kernel, pad, stride, dilation), filters)


@st.composite
def pool_on(draw, shape):
    """A MaxPool2d or AvgPool2d that fits ``shape``, and its output shape."""
    from shapecalc.layers import AvgPool2d, MaxPool2d

    h, w, c = shape
    kernel = draw(st.integers(1, max(1, min(3, h, w))))
    pad = draw(st.integers(0, kernel // 2))
    stride = draw(st.integers(1, kernel))
    cls = draw(st.sampled_from([MaxPool2d, AvgPool2d]))
    return cls(kernel, stride=stride, padding=pad), (_out(h, kernel, pad, stride), _out(w, kernel, pad, stride), c)


@st.composite
def concat_on(draw, shape):
    """Branches merged by concatenation ("same" convolutions and a "same" pool keep H×W), and the output:
    the channels of the branches added up."""
    from shapecalc.layers import Branches, Conv2d, MaxPool2d

    h, w, c = shape
    branches, channels = [], 0
    for _ in range(draw(st.integers(2, 3))):
        if draw(st.integers(0, 3)) == 0:
            branches.append([MaxPool2d(3, stride=1, padding="same")])
            channels += c
        else:
            filters = draw(st.integers(1, 8))
            branches.append([Conv2d(filters, draw(st.sampled_from([1, 3, 5])), padding="same")])
            channels += filters
    return Branches(*branches), (h, w, channels)


@st.composite
def residual_on(draw, shape):
    """A residual block: identity shortcut, or a strided 1×1 projection; and its output shape."""
    from shapecalc.layers import BatchNorm, Conv2d, ReLU, Residual

    h, w, c = shape
    if draw(st.booleans()):
        body = [Conv2d(c, 3, padding=1), BatchNorm(), ReLU(), Conv2d(c, 3, padding=1), BatchNorm()]
        return Residual(body, post=[ReLU()]), shape
    filters = draw(st.integers(1, 8))
    # body and shortcut both give ⌊(H − 1)/2⌋ + 1: (H + 2 − 3)//2 + 1 and (H − 1)//2 + 1
    body = [Conv2d(filters, 3, stride=2, padding=1), ReLU(), Conv2d(filters, 3, padding=1)]
    shortcut = [Conv2d(filters, 1, stride=2, bias=False), BatchNorm()]
    return Residual(body, shortcut=shortcut, post=[ReLU()]), ((h - 1) // 2 + 1, (w - 1) // 2 + 1, filters)


@st.composite
def map_layer_on(draw, shape):
    """A layer that fits the map ``shape`` and its output shape: a convolution (3 in 7), a pool (2 in 7),
    branches merged by concatenation or a residual block (1 in 7 each)."""
    pick = draw(st.integers(0, 6))
    if pick <= 2:
        return draw(conv_on(shape))
    if pick <= 4:
        return draw(pool_on(shape))
    if pick == 5:
        return draw(concat_on(shape))
    return draw(residual_on(shape))


@st.composite
def valid_chains(draw, max_layers=7):
    """``(layers, input_shape, output_shape)``: a chain that fits its input by construction."""
    from shapecalc.layers import BatchNorm, Dropout, Flatten, GlobalAvgPool, Linear, ReLU

    shape = (draw(st.integers(1, 40)), draw(st.integers(1, 40)), draw(st.integers(1, 6)))
    start, layers = shape, []
    for _ in range(draw(st.integers(1, max_layers))):
        if draw(st.integers(0, 9)) <= 6:
            layer, shape = draw(map_layer_on(shape))
        else:
            layer = draw(st.sampled_from([ReLU(), BatchNorm(), Dropout(0.5)]))
        layers.append(layer)
    tail = draw(st.integers(0, 2))
    if tail == 1:
        units = draw(st.integers(1, 10))
        layers += [Flatten(), Linear(units)]
        shape = (units,)
    elif tail == 2:
        units = draw(st.integers(1, 10))
        layers += [GlobalAvgPool(), Linear(units)]
        shape = (units,)
    return layers, start, shape


@st.composite
def square_chains(draw):
    """``(layers, n, c)``: a chain that fits an n×n×c input with n > 256 (Python shares no int object that
    large: two equal sizes can be two objects), mostly square windows, sometimes a rectangular one."""
    from shapecalc.layers import Conv2d, MaxPool2d

    n = draw(st.integers(257, 3000))
    c = draw(st.integers(1, 6))
    shape, layers = (n, n, c), []
    for _ in range(draw(st.integers(1, 6))):
        pick = draw(st.integers(0, 9))
        if pick <= 7:
            layer, shape = draw(map_layer_on(shape))
        elif pick == 8:
            # a pool whose windows do not tile the input (a warning per axis) or a "same" one
            layer = draw(st.sampled_from([MaxPool2d(2, ceil_mode=True), MaxPool2d(3, stride=2, padding="same")]))
            shape = (-(-shape[0] // 2), -(-shape[1] // 2), shape[2])
        else:
            # H and W apart from here on: a 3×1 window, padded on H only
            layer = Conv2d(draw(st.integers(1, 6)), (3, 1), padding=(1, 0))
            shape = (shape[0], shape[1], layer.filters)
        layers.append(layer)
        if min(shape[:2]) < 4:
            break
    return layers, n, c


@st.composite
def invalid_chains(draw):
    """``(layers, input_shape, what)``: a valid chain followed by one mistake that must be refused."""
    from shapecalc.layers import Add, Branches, Conv2d, Linear, MaxPool2d

    layers, start, shape = draw(valid_chains(max_layers=4))
    if len(shape) == 1:
        # after the classifier: a convolution on a vector
        return layers + [Conv2d(4, 1)], start, "conv on a vector"
    h, w, c = shape
    mistake = draw(st.sampled_from(["kernel", "dense", "concat", "add", "groups", "pool"]))
    if mistake == "kernel":
        pad = draw(st.integers(0, 2))
        # a kernel one wider than the padded input
        return layers + [Conv2d(4, min(h, w) + 2 * pad + 1, padding=pad)], start, mistake
    if mistake == "dense":
        return layers + [Linear(10)], start, mistake
    if mistake == "concat":
        if min(h, w) >= 3:
            # a 1×1 keeps H, a 3×3 gives H − 2
            return layers + [Branches([Conv2d(2, 1)], [Conv2d(2, 3)])], start, mistake
        if max(h, w) >= 2:
            # stride 2 turns a side of 2 into ⌊(2 − 1)/2⌋ + 1 = 1
            return layers + [Branches([Conv2d(2, 1)], [Conv2d(2, 1, stride=2)])], start, mistake
        return layers + [Linear(3)], start, "dense"
    if mistake == "add":
        return layers + [Branches([Conv2d(c + 1, 1)], [Conv2d(c + 2, 1)], merge=Add())], start, mistake
    if mistake == "groups":
        # groups c + 1 cannot divide c input channels; filters a multiple of it so the layer builds
        return layers + [Conv2d(c + 1, 1, groups=c + 1)], start, mistake
    return layers + [MaxPool2d(min(h, w) + 1)], start, mistake


#: values that layer arguments must refuse or accept, but never crash on
wild_values = st.one_of(
    st.integers(-3, 4), st.integers(10**12 - 1, 10**12 + 1), st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(), st.none(), st.text(max_size=4), st.tuples(st.integers(-1, 3), st.integers(-1, 3)),
    st.lists(st.integers(0, 3), max_size=3), st.just(b"3"), st.just({"k": 3}),
)

#: words of the text spec, glued into plausible-looking and broken specs
SPEC_WORDS = [
    "input", "network", "conv", "maxpool", "avgpool", "dense", "flatten", "relu", "bn", "gap", "fc", "pool", "lrn",
    "branches(", "residual(", "shortcut(", "post(", "side(", "block(", ")", ";", "|", "\n", "concat", "add", "k3",
    "k0", "s2", "p1", "d2", "g2", "k1x7", "same", "valid", "nobias", "ceil", "=", ":", "#", "20", "0", "-3", "2.5",
    "1e3", "39x31x1", "28x28x1", "39x", "3x3x0", "[[0],[1]]", "[", "]", '"', '"title"', "name=", "loss_weight=0.3",
    "kernel=3", "sparseconv", "dropout", "rbf", "on", "off", "٣", "\x00", "\t",
]

spec_soup = st.lists(st.sampled_from(SPEC_WORDS), max_size=25).map(" ".join)

#: cells and separators of a submission table
SUBMISSION_PIECES = ["layer", "output", "params", "MACs", "RF", "conv1", "pool1", "dense", "36x28x20", "(36, 28, 20)",
                     "340", "16,100", "1.2M", "160K", "4*4*20", "= 320", ",", "\t", "|", "---", "\n", " ", "-", "x",
                     '"', "١", "None", "?"]

submission_soup = st.lists(st.sampled_from(SUBMISSION_PIECES), max_size=40).map("".join)


# ---------------------------------------------------------------------------------------------------------
# PyTorch realisation (issue 4): random valid architectures of every kind the realisation supports, with
# random kernels, strides, paddings ("same" included), dilations, groups and ceil mode. Each candidate
# block is tried on the current shape with shapecalc and dropped if it does not fit; whether shapecalc's
# figures are right is what the tests then check against PyTorch.


def _net_output(block, shape):
    """The shape after ``block`` on ``shape`` (SideHead: unchanged), or None if it does not fit."""
    from shapecalc.analysis import walk
    from shapecalc.errors import ShapecalcError
    from shapecalc.layers import Sequential, SideHead

    try:
        rows = walk(Sequential(block), shape)
    except ShapecalcError:
        return None
    if isinstance(block, SideHead):
        return shape
    return rows[-1].output_shape if not isinstance(block, (list, tuple)) else None


def _net_top(rows):
    return [r for r in rows if r.depth == 0][-1]


_net_kernels = st.one_of(st.integers(1, 5), st.tuples(st.integers(1, 4), st.integers(1, 4)))
_net_strides = st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3)))
_net_paddings = st.one_of(st.integers(0, 2), st.tuples(st.integers(0, 2), st.integers(0, 2)),
                          st.sampled_from(["same", "valid"]))


@st.composite
def _net_conv(draw, c, stride=None, padding=None, filters=None):
    from shapecalc.layers import Conv2d

    groups = draw(st.sampled_from(_divisors(c)))
    if filters is None:
        filters = groups * draw(st.integers(1, max(1, 8 // groups)))
    elif filters % groups:
        groups = 1
    return Conv2d(filters, draw(_net_kernels), stride=draw(_net_strides) if stride is None else stride,
                  padding=draw(_net_paddings) if padding is None else padding, dilation=draw(st.integers(1, 3)),
                  groups=groups, bias=draw(st.booleans()))


@st.composite
def _net_pool(draw, stride=None, padding=None):
    from shapecalc.layers import AvgPool2d, MaxPool2d

    kernel = draw(_net_kernels)
    if padding is None:
        # PyTorch: padding at most half the kernel
        smallest = min(kernel) if isinstance(kernel, tuple) else kernel
        padding = draw(st.one_of(st.integers(0, smallest // 2), st.just("same")))
    ceil = padding != "same" and draw(st.booleans())
    stride = draw(st.one_of(st.none(), _net_strides)) if stride is None else stride
    if draw(st.booleans()):
        return MaxPool2d(kernel, stride, padding, ceil_mode=ceil, dilation=draw(st.integers(1, 2)))
    return AvgPool2d(kernel, stride, padding, ceil, count_include_pad=draw(st.booleans()))


@st.composite
def _net_block(draw, shape):
    """One candidate block (a layer or a composite) for a feature map ``shape``."""
    from shapecalc.layers import (
        AdaptiveAvgPool2d, AdaptiveMaxPool2d, BatchNorm, Branches, ChannelPadShortcut, Conv2d, Dropout,
        GlobalAvgPool, Identity, Linear, LocalResponseNorm, ReLU, Residual, ScaledTanh, SideHead, Sigmoid,
        SparseConv2d, Subsampling, Tanh,
    )

    h, w, c = shape
    pick = draw(st.sampled_from(["conv", "conv", "conv", "pool", "pool", "bn", "act", "lrn", "branches",
                                 "branches", "residual", "side", "sparse", "subsampling", "adaptive"]))
    if pick == "conv":
        return draw(_net_conv(c))
    if pick == "pool":
        return draw(_net_pool())
    if pick == "bn":
        return BatchNorm(affine=draw(st.booleans()))
    if pick == "act":
        return draw(st.sampled_from([ReLU, Tanh, Sigmoid, ScaledTanh, Identity, Dropout]))()
    if pick == "lrn":
        return LocalResponseNorm(draw(st.integers(1, 5)))
    if pick == "sparse":
        outs = draw(st.integers(1, 6))
        table = [draw(st.lists(st.integers(0, c - 1), min_size=1, max_size=c, unique=True)) for _ in range(outs)]
        return SparseConv2d(table, draw(_net_kernels), stride=draw(st.integers(1, 2)),
                            padding=draw(st.integers(0, 1)), bias=draw(st.booleans()))
    if pick == "subsampling":
        return Subsampling(draw(st.integers(1, 3)))
    if pick == "adaptive":
        cls = draw(st.sampled_from([AdaptiveAvgPool2d, AdaptiveMaxPool2d]))
        return cls((draw(st.integers(1, max(1, h))), draw(st.integers(1, max(1, w)))))
    if pick == "side":
        return SideHead(GlobalAvgPool(), Linear(draw(st.integers(1, 5))), loss_weight=0.3)
    if pick == "branches":
        # "same" padding with one common stride: every branch gives ⌈H/S⌉ × ⌈W/S⌉
        stride = draw(st.integers(1, 2))
        merge = draw(st.sampled_from(["concat", "add"]))
        filters = draw(st.integers(1, 6)) if merge == "add" else None
        branches = []
        for _ in range(draw(st.integers(2, 3))):
            if merge == "concat" and draw(st.integers(0, 3)) == 0:
                branches.append([draw(_net_pool(stride=stride, padding="same"))])
            else:
                branches.append([draw(_net_conv(c, stride=stride, padding="same", filters=filters))])
        return Branches(*branches, merge=merge)
    # residual: post-activation (BN, ReLU after the sum) or pre-activation (BN, ReLU first, nothing after)
    stride = draw(st.integers(1, 2))
    filters = draw(st.integers(1, 8))
    pre = draw(st.booleans())
    body = [Conv2d(filters, 3, stride=stride, padding="same"), BatchNorm(), ReLU(),
            Conv2d(filters, draw(st.sampled_from([1, 3])), padding="same")]
    if pre:
        body = [BatchNorm(), ReLU()] + body
    if stride == 1 and filters == c:
        shortcut = None
    elif filters >= c and draw(st.booleans()):
        shortcut = [ChannelPadShortcut(filters, stride)]
    else:
        shortcut = [Conv2d(filters, 1, stride=stride, bias=False), BatchNorm()]
    return Residual(body, shortcut=shortcut, post=[] if pre else [ReLU()])


@st.composite
def networks(draw, max_blocks=5, max_size=24, max_channels=6):
    """A random valid :class:`~shapecalc.layers.Network` on a small input (at most ``max_size`` a side):
    convolutions (grouped, dilated, strided, "same"), pooling (ceil mode, padding), BatchNorm, LRN,
    activations, sparse convolutions, subsampling, adaptive pooling, branches (concat and add), residual
    blocks (projection, zero-pad or identity shortcut; pre- or post-activation), side heads, then
    optionally a classifier (flatten or global pooling, dense, BatchNorm1d, dropout, softmax or RBF)."""
    from shapecalc.layers import (
        RBF, BatchNorm, Dropout, Flatten, GlobalAvgPool, GlobalMaxPool, Linear, Network, ReLU, Softmax,
    )

    shape = (draw(st.integers(1, max_size)), draw(st.integers(1, max_size)), draw(st.integers(1, max_channels)))
    start, layers = shape, []
    from shapecalc.errors import ShapecalcError

    for _ in range(draw(st.integers(1, max_blocks))):
        try:
            block = draw(_net_block(shape))
        except ShapecalcError:
            # arguments PyTorch refuses too (pool padding over half the window): drawn again next turn
            continue
        out = _net_output(block, shape)
        if out is not None and len(out) == 3:
            layers.append(block)
            shape = out
    tail = draw(st.integers(0, 3))
    if tail:
        layers.append([Flatten(), GlobalAvgPool(), GlobalMaxPool()][tail - 1])
        layers.append(Linear(draw(st.integers(1, 8)), bias=draw(st.booleans())))
        for extra in draw(st.lists(st.sampled_from(["bn", "relu", "dropout"]), max_size=2)):
            layers.append({"bn": BatchNorm, "relu": ReLU, "dropout": Dropout}[extra]())
        last = draw(st.sampled_from(["none", "softmax", "rbf"]))
        if last == "softmax":
            layers.append(Softmax())
        elif last == "rbf":
            layers.append(RBF(draw(st.integers(1, 4))))
    if not layers:
        layers.append(ReLU())
    return Network("random", layers, start)


# command lines: every option of the commands' tables, with values good and bad, spelled in full, with "=",
# abbreviated, and the tokens argparse treats specially (-h, --, -, negative numbers, empty values)
def _command_tokens():
    from shapecalc.cli import COMMANDS

    tokens = {"-h", "--help", "--", "-", "-3", "--ta", "--no", "x", "alexnet", "cnn-39x31", ""}
    for _, _, groups in COMMANDS.values():
        for _, options in groups:
            for flags, kwargs in options:
                flag = flags[0]
                if not flag.startswith("-"):
                    continue
                tokens.update({flag, flag + "=", flag + "=x"})
                if kwargs.get("type") is int:
                    tokens.update({"2", " 7 ", "1_000", "-2", "+4", "٣", flag + "=2", flag + "=-1", flag + "=x1"})
                for choice in kwargs.get("choices", ()):
                    tokens.update({choice, flag + "=" + choice})
    return sorted(tokens)


command_lines = st.lists(st.sampled_from(_command_tokens()), max_size=6)
