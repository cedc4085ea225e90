"""LeNet-5 (LeCun, Bottou, Bengio, Haffner 1998, "Gradient-based learning applied to document
recognition", section II.B and Table I), and the common textbook variant.

Layers are named as in the paper (c1, s2, c3, s4, c5, f6, output) so the table reads like it.
"""

from ..layers import (
    AvgPool2d, Conv2d, Flatten, Linear, Network, RBF, ScaledTanh, Softmax, SparseConv2d, Subsampling, Tanh,
)

#: Table I of the paper: the S2 maps (0-5) each C3 map (0-15) is connected to.
C3_TABLE = (
    (0, 1, 2), (1, 2, 3), (2, 3, 4), (3, 4, 5), (0, 4, 5), (0, 1, 5),
    (0, 1, 2, 3), (1, 2, 3, 4), (2, 3, 4, 5), (0, 3, 4, 5), (0, 1, 4, 5), (0, 1, 2, 5),
    (0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5),
    (0, 1, 2, 3, 4, 5),
)

SOURCE_1998 = "LeCun, Bottou, Bengio, Haffner 1998, Proc. IEEE 86(11), section II.B and Table I"


def lenet5():
    """LeNet-5 exactly as in the 1998 paper: sparse C3, trainable subsampling, fixed RBF output."""
    return Network("lenet5", [
        Conv2d(6, 5, name="c1"),
        ScaledTanh(name="squash1"),
        Subsampling(2, name="s2"),
        ScaledTanh(name="squash2"),
        SparseConv2d(C3_TABLE, 5, name="c3"),
        ScaledTanh(name="squash3"),
        Subsampling(2, name="s4"),
        ScaledTanh(name="squash4"),
        Conv2d(120, 5, name="c5"),
        ScaledTanh(name="squash5"),
        Flatten(name="flatten"),
        Linear(84, name="f6"),
        ScaledTanh(name="squash6"),
        RBF(10, trainable=False, name="output"),
    ], (32, 32, 1), "LeNet-5 (LeCun et al. 1998): sparse C3 (Table I), trainable subsampling, fixed RBF output",
        source=SOURCE_1998,
        notes=(
            "Every layer up to F6 is followed by the paper's squashing function 1.7159·tanh(2a/3) (rows squash1-6).",
            "The 840 RBF centres of the output layer were chosen by hand and kept fixed: counted as "
            "non-trainable parameters, so the trainable total is 60,000.",
            "Connections (the paper's second count) are MACs plus bias additions (convention 'connections').",
        ))


def lenet5_full():
    """The textbook/Keras LeNet-5: full C3, plain average pooling, dense softmax output."""
    return Network("lenet5-full", [
        Conv2d(6, 5, name="c1"),
        Tanh(name="tanh1"),
        AvgPool2d(2, name="s2"),
        Conv2d(16, 5, name="c3"),
        Tanh(name="tanh3"),
        AvgPool2d(2, name="s4"),
        Conv2d(120, 5, name="c5"),
        Tanh(name="tanh5"),
        Flatten(name="flatten"),
        Linear(84, name="f6"),
        Tanh(name="tanh6"),
        Linear(10, name="output"),
        Softmax(name="softmax"),
    ], (32, 32, 1), "LeNet-5 as in textbooks/Keras: full C3, average pooling without coefficients, dense 10 softmax",
        source="common textbook variant of " + SOURCE_1998,
        notes=(
            "C3 sees all 6 S2 maps (2,416 params instead of 1,516); S2/S4 are plain average pools (no "
            "coefficient, no bias); the output is a trainable dense layer with softmax instead of fixed RBF units.",
        ))
