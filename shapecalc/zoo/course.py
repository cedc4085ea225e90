"""The worked examples of the course material this project grew from."""

from ..layers import (
    Branches, Conv2d, Flatten, Linear, MaxPool2d, Network, ReLU, Residual, Softmax,
)


def cnn_39x31():
    return Network("cnn-39x31", [
        Conv2d(20, 4, name="conv1"),
        MaxPool2d(2, name="pool1"),
        Conv2d(40, 3, name="conv2"),
        MaxPool2d(2, name="pool2"),
        Conv2d(60, 3, name="conv3"),
        MaxPool2d(2, name="pool3"),
        Conv2d(80, 2, name="conv4"),
        Flatten(name="flatten"),
        Linear(100, name="dense"),
        Softmax(name="softmax"),
    ], (39, 31, 1), "DeepID-style worked example")


def conv5x5():
    return Network("conv5x5-28x28x192", [Conv2d(32, 5, padding="same", name="conv5x5")], (28, 28, 192),
                   "a direct 5×5 convolution to 32 channels")


def bottleneck():
    return Network("bottleneck-28x28x192", [
        Conv2d(16, 1, name="reduce1x1"),
        Conv2d(32, 5, padding="same", name="conv5x5"),
    ], (28, 28, 192), "1×1 bottleneck to 16 channels, then 5×5 to 32")


def residual_module():
    return Network("residual-module", [
        Residual(
            [Conv2d(64, 3, padding="same", name="conv1"), ReLU(name="relu1"),
             Conv2d(64, 3, padding="same", name="conv2")],
            shortcut=[Conv2d(64, 1, name="proj")],
            post=[ReLU(name="relu")],
            name="res",
        ),
    ], (256, 256, 3), "residual module with a 1×1 projection shortcut")


def inception_naive():
    return Network("inception-naive", [
        Branches(
            [Conv2d(64, 1, name="conv1x1")],
            [Conv2d(128, 3, padding="same", name="conv3x3")],
            [Conv2d(32, 5, padding="same", name="conv5x5")],
            [MaxPool2d(3, stride=1, padding="same", name="pool")],
            name="inception",
        ),
    ], (28, 28, 192), "naive Inception module")


def inception_3a():
    return Network("inception-3a", [
        Branches(
            [Conv2d(64, 1, name="conv1x1")],
            [Conv2d(96, 1, name="reduce3x3"), Conv2d(128, 3, padding="same", name="conv3x3")],
            [Conv2d(16, 1, name="reduce5x5"), Conv2d(32, 5, padding="same", name="conv5x5")],
            [MaxPool2d(3, stride=1, padding="same", name="pool"), Conv2d(32, 1, name="proj")],
            name="inception3a",
        ),
    ], (28, 28, 192), "Inception module with 1×1 reductions (GoogLeNet 3a)")


def _stack(name, kernel, count, description):
    layers = []
    for i in range(1, count + 1):
        layers += [Conv2d(64, kernel, padding="same", name=f"conv{i}"), ReLU(name=f"relu{i}")]
    return Network(name, layers, (56, 56, 64), description)


def stack_3x3():
    return _stack("stack-3x3", 3, 3, "three stacked 3×3 convolutions")


def single_7x7():
    return _stack("single-7x7", 7, 1, "one 7×7 convolution")


def stack_3x3x2():
    return _stack("stack-3x3x2", 3, 2, "two stacked 3×3 convolutions")


def single_5x5():
    return _stack("single-5x5", 5, 1, "one 5×5 convolution")
