"""AlexNet as trained in Krizhevsky, Sutskever, Hinton 2012 ("ImageNet Classification with Deep
Convolutional Neural Networks", section 3.5): two-GPU layout as ``groups=2`` on conv2, conv4, conv5."""

from ..layers import (
    Conv2d, Dropout, Flatten, Linear, LocalResponseNorm, MaxPool2d, Network, ReLU, Softmax,
)

SOURCE_2012 = "Krizhevsky, Sutskever, Hinton 2012, NIPS, section 3.5 and Figure 2"

#: conv layers: (name, filters, kernel, stride, padding, groups in the two-GPU layout, LRN after, pool after)
CONVS = (
    ("conv1", 96, 11, 4, 0, 1, True, True),
    ("conv2", 256, 5, 1, 2, 2, True, True),
    ("conv3", 384, 3, 1, 1, 1, False, False),
    ("conv4", 384, 3, 1, 1, 2, False, False),
    ("conv5", 256, 3, 1, 1, 2, False, True),
)
FCS = (4096, 4096, 1000)


def _alexnet(title, two_gpu, description):
    layers = []
    for i, (name, filters, kernel, stride, pad, groups, lrn, pool) in enumerate(CONVS, 1):
        layers += [Conv2d(filters, kernel, stride=stride, padding=pad, groups=groups if two_gpu else 1, name=name),
                   ReLU(name=f"relu{i}")]
        if lrn:
            # section 3.3: k = 2, n = 5, alpha = 1e-4, beta = 0.75
            layers.append(LocalResponseNorm(5, 1e-4, 0.75, 2.0, name=f"norm{i}"))
        if pool:
            # section 3.4: overlapping pooling, z = 3, s = 2
            layers.append(MaxPool2d(3, 2, name=f"pool{i}"))
    layers.append(Flatten(name="flatten"))
    for i, units in enumerate(FCS, 6):
        layers.append(Linear(units, name=f"fc{i}"))
        if i < 8:
            # section 4.2: dropout 0.5 in the first two fully-connected layers
            layers += [ReLU(name=f"relu{i}"), Dropout(0.5, name=f"drop{i}")]
    layers.append(Softmax(name="softmax"))
    return Network(title, layers, (227, 227, 3), description, source=SOURCE_2012, notes=(
        "Input 227×227: the paper's 224×224 gives (224 − 11)/4 + 1 = 54.25 for conv1 (try --input 224x224x3).",
        "The abstract's \"60 million parameters\" is the rounded total 60,965,224.",
    ))


def alexnet():
    return _alexnet("alexnet", True,
                    "AlexNet (Krizhevsky et al. 2012) as trained: conv2/4/5 split over two GPUs (groups=2), LRN")


def alexnet_1gpu():
    return _alexnet("alexnet-1gpu", False, "AlexNet (Krizhevsky et al. 2012) on one GPU: no groups, LRN")
