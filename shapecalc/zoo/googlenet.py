"""GoogLeNet, Szegedy et al. 2014 ("Going deeper with convolutions", arXiv:1409.4842), Table 1 and
section 5 (auxiliary classifiers).

The top level has one entry per Table 1 row (``--depth 1``), plus the two auxiliary classifiers as
side heads. Convolutions have biases and ReLU (the paper's Caffe model); padding keeps Table 1's sizes.
"""

from ..layers import (
    AvgPool2d, Branches, Conv2d, Dropout, Flatten, Linear, LocalResponseNorm, MaxPool2d, Network, ReLU,
    Sequential, SideHead, Softmax,
)

SOURCE = "Szegedy et al. 2014, arXiv:1409.4842, Table 1 and section 5"

#: Table 1: name, #1×1, #3×3 reduce, #3×3, #5×5 reduce, #5×5, pool proj
INCEPTIONS = (
    ("inception3a", 64, 96, 128, 16, 32, 32),
    ("inception3b", 128, 128, 192, 32, 96, 64),
    ("inception4a", 192, 96, 208, 16, 48, 64),
    ("inception4b", 160, 112, 224, 24, 64, 64),
    ("inception4c", 128, 128, 256, 24, 64, 64),
    ("inception4d", 112, 144, 288, 32, 64, 64),
    ("inception4e", 256, 160, 320, 32, 128, 128),
    ("inception5a", 256, 160, 320, 32, 128, 128),
    ("inception5b", 384, 192, 384, 48, 128, 128),
)
#: section 5: auxiliary classifiers after these modules
AUX_AFTER = {"inception4a": "aux1", "inception4d": "aux2"}
#: max-pools 3×3/2 after these modules (Table 1)
POOL_AFTER = {"inception3b": "pool3", "inception4e": "pool4"}


def _conv(filters, kernel, name):
    return [Conv2d(filters, kernel, padding=kernel // 2, name=name), ReLU(name=f"relu_{name}")]


def inception(name, n1, r3, n3, r5, n5, proj):
    """One Inception module with dimension reductions (Figure 2(b))."""
    return Branches(
        Sequential(*_conv(n1, 1, "conv1x1"), name="branch1"),
        Sequential(*_conv(r3, 1, "reduce3x3"), *_conv(n3, 3, "conv3x3"), name="branch2"),
        Sequential(*_conv(r5, 1, "reduce5x5"), *_conv(n5, 5, "conv5x5"), name="branch3"),
        Sequential(MaxPool2d(3, 1, padding=1, name="pool"), *_conv(proj, 1, "proj"), name="branch4"),
        name=name,
    )


def aux_head(name):
    """Section 5: avg pool 5×5/3, 1×1 conv 128, FC 1024, dropout 70%, linear 1000 (loss weight 0.3)."""
    return SideHead(
        AvgPool2d(5, 3, name="avgpool"),
        Conv2d(128, 1, name="conv"), ReLU(name="relu_conv"),
        Flatten(name="flatten"),
        Linear(1024, name="fc1"), ReLU(name="relu_fc1"),
        Dropout(0.7, name="dropout"),
        Linear(1000, name="fc2"),
        Softmax(name="softmax"),
        loss_weight=0.3, name=name,
    )


def googlenet():
    # the paper's max-pools are 3×3/2 with Table 1's output sizes: "same" padding (as Caffe's ceil mode)
    lrn = dict(size=5, alpha=1e-4, beta=0.75, k=1.0)
    layers = [
        Sequential(Conv2d(64, 7, stride=2, padding=3, name="conv"), ReLU(name="relu"), name="conv1"),
        Sequential(MaxPool2d(3, 2, padding="same", name="pool"), LocalResponseNorm(**lrn, name="norm"),
                   name="pool1"),
        Sequential(*_conv(64, 1, "reduce"), *_conv(192, 3, "conv"), LocalResponseNorm(**lrn, name="norm"),
                   name="conv2"),
        MaxPool2d(3, 2, padding="same", name="pool2"),
    ]
    for args in INCEPTIONS:
        layers.append(inception(*args))
        if args[0] in AUX_AFTER:
            layers.append(aux_head(AUX_AFTER[args[0]]))
        if args[0] in POOL_AFTER:
            layers.append(MaxPool2d(3, 2, padding="same", name=POOL_AFTER[args[0]]))
    layers += [
        AvgPool2d(7, 1, name="avgpool"),
        Dropout(0.4, name="dropout"),
        Sequential(Flatten(name="flatten"), Linear(1000, name="fc"), name="linear"),
        Softmax(name="softmax"),
    ]
    return Network("googlenet", layers, (224, 224, 3),
                   "GoogLeNet (Szegedy et al. 2014, Table 1): true 5×5 branches, LRN, aux heads aux1/aux2 as side heads",
                   source=SOURCE, notes=(
                       "Convolutions carry biases (the paper's Caffe model); Table 1 counts weights only.",
                       "The auxiliary classifiers are side heads: excluded from the inference totals.",
                       "Max-pools use 'same' padding (the paper gives only the output sizes; Caffe ceils).",
                   ))
