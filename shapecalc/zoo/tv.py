"""The networks as torchvision builds them (torchvision/models/{alexnet,vgg,googlenet,inception}.py; its
ResNets are in :mod:`shapecalc.zoo.resnet`, beside the paper's).

Layer paths follow torchvision's module names (``features.0``, ``classifier.6``, ``inception3a.branch2.0.conv``,
``layer1.0.conv1``) so that :mod:`shapecalc.torch` can map rows to modules. Aux classifiers are side
heads: excluded from the inference totals, as torchvision's ``_ops`` metadata is measured in eval mode.
"""

from ..layers import (
    AdaptiveAvgPool2d, AvgPool2d, BatchNorm, Branches, Concat, Conv2d, Dropout, Flatten, Linear, MaxPool2d,
    Network, ReLU, Residual, Sequential, SideHead,
)
from . import TORCHVISION as SOURCE
from .tvblocks import indexed


# --------------------------------------------------------------------------------------------------------
# AlexNet: "One weird trick" (Krizhevsky 2014) layout


def alexnet():
    features = [
        Conv2d(64, 11, stride=4, padding=2), ReLU(), MaxPool2d(3, 2),
        Conv2d(192, 5, stride=1, padding=2), ReLU(), MaxPool2d(3, 2),
        Conv2d(384, 3, stride=1, padding=1), ReLU(),
        Conv2d(256, 3, stride=1, padding=1), ReLU(),
        Conv2d(256, 3, stride=1, padding=1), ReLU(), MaxPool2d(3, 2),
    ]
    classifier = [Dropout(0.5), Linear(4096), ReLU(), Dropout(0.5), Linear(4096), ReLU(), Linear(1000)]
    return Network("torchvision.alexnet", [
        indexed(features, "features"),
        AdaptiveAvgPool2d(6, name="avgpool"),
        Flatten(name="flatten"),
        indexed(classifier, "classifier"),
    ], (224, 224, 3), "torchvision AlexNet (\"one weird trick\" layout: 64/192/384/256/256, no LRN, no groups)",
        source=SOURCE.format("alexnet"), notes=(
            "Not the 2012 paper's net: 64 and 192 filters in conv1/conv2, no LRN, no groups.",
            "At the 224×224 crop conv1 computes (224 − 11 + 2·2)/4 + 1 = 55.25, floored to 55.",
        ))


# --------------------------------------------------------------------------------------------------------
# VGG: configurations A, B, D, E; classifier 25088 → 4096 → 4096 → 1000

_VGG = {"vgg11": "A", "vgg13": "B", "vgg16": "D", "vgg19": "E"}


def vgg(name, batch_norm=False):
    from .vgg import CONFIGS  # here, not at the top: AlexNet, GoogLeNet and Inception do not load the paper VGGs

    features = []
    for item in CONFIGS[_VGG[name]]:
        if item == "M":
            features.append(MaxPool2d(2, 2))
        else:
            features.append(Conv2d(item[1], 3, stride=1, padding=1))
            if batch_norm:
                features.append(BatchNorm())
            features.append(ReLU())
    classifier = [Linear(4096), ReLU(), Dropout(0.5), Linear(4096), ReLU(), Dropout(0.5), Linear(1000)]
    suffix = "_bn" if batch_norm else ""
    return Network(f"torchvision.{name}{suffix}", [
        indexed(features, "features"),
        AdaptiveAvgPool2d(7, name="avgpool"),
        Flatten(name="flatten"),
        indexed(classifier, "classifier"),
    ], (224, 224, 3), f"torchvision {name.upper()}{' with BatchNorm' if batch_norm else ''} "
                      f"(configuration {_VGG[name]})", source=SOURCE.format("vgg"))


def vgg11():
    return vgg("vgg11")


def vgg11_bn():
    return vgg("vgg11", True)


def vgg13():
    return vgg("vgg13")


def vgg13_bn():
    return vgg("vgg13", True)


def vgg16():
    return vgg("vgg16")


def vgg16_bn():
    return vgg("vgg16", True)


def vgg19():
    return vgg("vgg19")


def vgg19_bn():
    return vgg("vgg19", True)


# --------------------------------------------------------------------------------------------------------
# GoogLeNet and Inception v3: BasicConv2d = conv (no bias) → BatchNorm(eps 0.001) → ReLU, the ReLU an
# F.relu call in its forward (no module of its own): ``call="functional"``, as are the functional pools of
# their forwards below


def basic_conv(filters, kernel, stride=1, padding=0, name=None):
    return Sequential(Conv2d(filters, kernel, stride=stride, padding=padding, bias=False, name="conv"),
                      BatchNorm(eps=0.001, name="bn"), ReLU(call="functional", name="relu"), name=name)


def _googlenet_inception(name, n1, r3, n3, r5, n5, proj):
    # branch3 uses a 3×3 kernel where the paper has 5×5 ("a known bug", pytorch/vision#906)
    return Branches(
        basic_conv(n1, 1, name="branch1"),
        Sequential(basic_conv(r3, 1, name="0"), basic_conv(n3, 3, padding=1, name="1"), name="branch2"),
        Sequential(basic_conv(r5, 1, name="0"), basic_conv(n5, 3, padding=1, name="1"), name="branch3"),
        Sequential(MaxPool2d(3, 1, 1, ceil_mode=True, name="0"), basic_conv(proj, 1, name="1"), name="branch4"),
        name=name,
    )


def _googlenet_aux(name):
    # InceptionAux.forward: F.adaptive_avg_pool2d(x, (4, 4)) … F.relu(self.fc1(x))
    return SideHead(
        AdaptiveAvgPool2d(4, name="avgpool", call="functional"),
        basic_conv(128, 1, name="conv"),
        Flatten(name="flatten"),
        Linear(1024, name="fc1"), ReLU(call="functional", name="relu"),
        Dropout(0.7, name="dropout"),
        Linear(1000, name="fc2"),
        loss_weight=0.3, name=name,
    )


def googlenet():
    from .googlenet import INCEPTIONS

    layers = [
        basic_conv(64, 7, 2, 3, name="conv1"),
        MaxPool2d(3, 2, ceil_mode=True, name="maxpool1"),
        basic_conv(64, 1, name="conv2"),
        basic_conv(192, 3, padding=1, name="conv3"),
        MaxPool2d(3, 2, ceil_mode=True, name="maxpool2"),
    ]
    for args in INCEPTIONS:
        layers.append(_googlenet_inception(*args))
        if args[0] == "inception4a":
            layers.append(_googlenet_aux("aux1"))
        elif args[0] == "inception4d":
            layers.append(_googlenet_aux("aux2"))
        elif args[0] == "inception3b":
            layers.append(MaxPool2d(3, 2, ceil_mode=True, name="maxpool3"))
        elif args[0] == "inception4e":
            layers.append(MaxPool2d(2, 2, ceil_mode=True, name="maxpool4"))
    layers += [AdaptiveAvgPool2d(1, name="avgpool"), Flatten(name="flatten"), Dropout(0.2, name="dropout"),
               Linear(1000, name="fc")]
    return Network("torchvision.googlenet", layers, (224, 224, 3),
                   "torchvision GoogLeNet: BatchNorm, bias-free convs, 3×3 in the \"5×5\" branch, ceil-mode pools",
                   source=SOURCE.format("googlenet"), notes=(
                       "The pretrained builder drops aux1/aux2; here they are side heads (training view).",
                       "branch3 has 3×3 kernels where the paper has 5×5 (pytorch/vision#906); no LRN; "
                       "maxpool4 is 2×2/2; dropout 0.2.",
                   ))


# Inception v3's Mixed blocks keep every branch's BasicConv2d as a module of the block itself
# (``Mixed_5b.branch5x5_1``): flat branches. The pools inside them are F.avg_pool2d / F.max_pool2d calls,
# rows without a torchvision module (``Mixed_5b.avgpool``, ``Mixed_6a.maxpool``).


def _pool_branch(pool_features):
    return [AvgPool2d(3, 1, 1, name="avgpool", call="functional"), basic_conv(pool_features, 1, name="branch_pool")]


def inception_a(name, pool_features):
    return Branches(
        [basic_conv(64, 1, name="branch1x1")],
        [basic_conv(48, 1, name="branch5x5_1"), basic_conv(64, 5, padding=2, name="branch5x5_2")],
        [basic_conv(64, 1, name="branch3x3dbl_1"), basic_conv(96, 3, padding=1, name="branch3x3dbl_2"),
         basic_conv(96, 3, padding=1, name="branch3x3dbl_3")],
        _pool_branch(pool_features),
        flat=True, name=name,
    )


def inception_b(name):
    return Branches(
        [basic_conv(384, 3, 2, name="branch3x3")],
        [basic_conv(64, 1, name="branch3x3dbl_1"), basic_conv(96, 3, padding=1, name="branch3x3dbl_2"),
         basic_conv(96, 3, 2, name="branch3x3dbl_3")],
        [MaxPool2d(3, 2, name="maxpool", call="functional")],
        flat=True, name=name,
    )


def inception_c(name, c7):
    return Branches(
        [basic_conv(192, 1, name="branch1x1")],
        [basic_conv(c7, 1, name="branch7x7_1"),
         basic_conv(c7, (1, 7), padding=(0, 3), name="branch7x7_2"),
         basic_conv(192, (7, 1), padding=(3, 0), name="branch7x7_3")],
        [basic_conv(c7, 1, name="branch7x7dbl_1"),
         basic_conv(c7, (7, 1), padding=(3, 0), name="branch7x7dbl_2"),
         basic_conv(c7, (1, 7), padding=(0, 3), name="branch7x7dbl_3"),
         basic_conv(c7, (7, 1), padding=(3, 0), name="branch7x7dbl_4"),
         basic_conv(192, (1, 7), padding=(0, 3), name="branch7x7dbl_5")],
        _pool_branch(192),
        flat=True, name=name,
    )


def inception_d(name):
    return Branches(
        [basic_conv(192, 1, name="branch3x3_1"), basic_conv(320, 3, 2, name="branch3x3_2")],
        [basic_conv(192, 1, name="branch7x7x3_1"),
         basic_conv(192, (1, 7), padding=(0, 3), name="branch7x7x3_2"),
         basic_conv(192, (7, 1), padding=(3, 0), name="branch7x7x3_3"),
         basic_conv(192, 3, 2, name="branch7x7x3_4")],
        [MaxPool2d(3, 2, name="maxpool", call="functional")],
        flat=True, name=name,
    )


def _split(prefix):
    # torchvision: cat([prefix + "a"(y), prefix + "b"(y)]) on the branch's last output y. A flat block forks
    # only at its input, so the fork inside the branch is a flat residual block: concat(body(y), shortcut(y))
    # with "a" as the body and "b" (a BasicConv2d, a block) as the shortcut: both rows of the Mixed block
    # (``Mixed_7b.branch3x3_2a``, ``Mixed_7b.branch3x3_2b``), in torchvision's order; the concat is
    # ``Mixed_7b.branch3x3_2ab``, a row without a torchvision module
    return Residual([basic_conv(384, (1, 3), padding=(0, 1), name=f"{prefix}a")],
                    shortcut=basic_conv(384, (3, 1), padding=(1, 0), name=f"{prefix}b"),
                    merge=Concat(name=f"{prefix}ab"), flat=True)


def inception_e(name):
    return Branches(
        [basic_conv(320, 1, name="branch1x1")],
        [basic_conv(384, 1, name="branch3x3_1"), _split("branch3x3_2")],
        [basic_conv(448, 1, name="branch3x3dbl_1"), basic_conv(384, 3, padding=1, name="branch3x3dbl_2"),
         _split("branch3x3dbl_3")],
        _pool_branch(192),
        flat=True, name=name,
    )


def inception_v3():
    layers = [
        basic_conv(32, 3, 2, name="Conv2d_1a_3x3"),
        basic_conv(32, 3, name="Conv2d_2a_3x3"),
        basic_conv(64, 3, padding=1, name="Conv2d_2b_3x3"),
        MaxPool2d(3, 2, name="maxpool1"),
        basic_conv(80, 1, name="Conv2d_3b_1x1"),
        basic_conv(192, 3, name="Conv2d_4a_3x3"),
        MaxPool2d(3, 2, name="maxpool2"),
        inception_a("Mixed_5b", 32),
        inception_a("Mixed_5c", 64),
        inception_a("Mixed_5d", 64),
        inception_b("Mixed_6a"),
        inception_c("Mixed_6b", 128),
        inception_c("Mixed_6c", 160),
        inception_c("Mixed_6d", 160),
        inception_c("Mixed_6e", 192),
        # InceptionAux.forward: F.avg_pool2d(x, 5, 3) … F.adaptive_avg_pool2d(x, (1, 1))
        SideHead(AvgPool2d(5, 3, name="avgpool", call="functional"), basic_conv(128, 1, name="conv0"),
                 basic_conv(768, 5, name="conv1"), AdaptiveAvgPool2d(1, name="adaptive_avgpool", call="functional"),
                 Flatten(name="flatten"), Linear(1000, name="fc"), name="AuxLogits"),
        inception_d("Mixed_7a"),
        inception_e("Mixed_7b"),
        inception_e("Mixed_7c"),
        AdaptiveAvgPool2d(1, name="avgpool"),
        Dropout(0.5, name="dropout"),
        Flatten(name="flatten"),
        Linear(1000, name="fc"),
    ]
    return Network("torchvision.inception_v3", layers, (299, 299, 3),
                   "torchvision Inception v3 (Szegedy et al. 2015), 299×299, AuxLogits as a side head",
                   source=SOURCE.format("inception"), notes=(
                       "torchvision's num_params includes AuxLogits (the builder keeps it); its _ops does not.",
                   ))
