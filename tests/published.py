"""Published reference figures for shapecalc's tests.

Data only: plain dicts, tuples and ints, no code. Each figure carries a
comment naming its source. The comments use these provenance tags:

  [TV]      torchvision 0.29.2, read from the wheel on PyPI
            (torchvision/models/<file>.py, in the Weights enum ``meta`` dict
            or the model class). These are primary sources, copied exactly.
  [PAPER]   the paper named in the section header. The papers themselves
            (PDF/arXiv) could not be opened from this workplace. Every
            [PAPER] figure was checked against at least one independent
            transcription of the paper (named where it was used) and against
            the arithmetic in the DERIVED notes. Where no transcription was
            found, the tag says so: [PAPER, unverified].
  [DERIVED] our own arithmetic from the published architecture, not a
            published number. Useful as an exact expected value, but never
            cite it as "published".

Conventions:
  * "MACs" = multiply-accumulates. Both torchvision's ``_ops`` and the
    ResNet/GoogLeNet papers' "FLOPs"/"ops" are multiply-adds (see notes).
  * torchvision ``_ops`` is in GFLOPS (really GMACs): the MACs of Conv2d and
    Linear layers only, at the default crop size, in eval mode (no aux
    heads). Verified: conv+linear MACs reproduce every ``_ops`` value below
    to the printed precision ([DERIVED] totals are given).
  * torchvision ``num_params`` counts every parameter of the model as
    returned by the builder with those weights. For inception_v3 that
    includes the aux head. For googlenet it does NOT: with weights, the
    builder loads the checkpoint into a model with aux heads, then sets
    aux1/aux2 to None unless aux_logits=True was passed.
    BatchNorm running stats are buffers and are never counted.
    CAUTION: without weights, ``googlenet()`` keeps the class default
    aux_logits=True and so HAS the aux heads (13,004,888 params [DERIVED]).
    ``inception_v3()`` always has AuxLogits unless aux_logits=False.
"""

# =============================================================================
# 1. LeNet-5: LeCun, Bottou, Bengio, Haffner 1998, "Gradient-based learning
#    applied to document recognition", Proc. IEEE 86(11), section II.B
#    ("LeNet-5") and Table I.
#    Transcriptions used to check: yohanes.gultom.id/2016/12/12/
#    understanding-lenet-lecun-1998 (C1/S2 figures), and the README of
#    github.com/shrestha1/computer-vision-from-scratch objectClassification/
#    LeNet (C1..F6 figures; that README writes C3 connections as
#    "1516,000", a typo for the paper's 151,600).
# =============================================================================

LENET5_INPUT = (1, 32, 32)  # [PAPER] II.B: "The input is a 32x32 pixel image"

# Per layer: maps, map size, kernel, trainable params, connections.
# [PAPER] II.B states every params/connections figure given below. [DERIVED]
# formulas in the comments reproduce each one exactly.
LENET5_LAYERS = {
    "C1": {
        "type": "conv", "maps": 6, "size": (28, 28), "kernel": 5,
        "params": 156,          # [PAPER] "C1 contains 156 trainable parameters"; (5*5+1)*6
        "connections": 122304,  # [PAPER] "and 122,304 connections"; 156*28*28
    },
    "S2": {
        # Subsampling: the 4 inputs are summed, multiplied by one trainable
        # coefficient, plus a trainable bias, then sigmoid. Windows are 2x2
        # and do not overlap.
        "type": "subsample", "maps": 6, "size": (14, 14), "kernel": 2,
        "params": 12,           # [PAPER] "12 trainable parameters"; (1+1)*6
        "connections": 5880,    # [PAPER] "5,880 connections"; (2*2+1)*6*14*14
    },
    "C3": {
        # Partially connected per Table I (LENET5_C3_TABLE below).
        "type": "conv", "maps": 16, "size": (10, 10), "kernel": 5,
        "params": 1516,         # [PAPER] "1,516 trainable parameters";
                                # 25*(6*3 + 6*4 + 3*4 + 1*6) + 16 = 25*60 + 16
        "connections": 151600,  # [PAPER] "151,600 connections"; 1516*10*10
    },
    "S4": {
        "type": "subsample", "maps": 16, "size": (5, 5), "kernel": 2,
        "params": 32,           # [PAPER] "32 trainable parameters"; (1+1)*16
        "connections": 2000,    # [PAPER] "2,000 connections"; (2*2+1)*16*5*5
    },
    "C5": {
        # A conv layer: 120 maps, each unit sees a 5x5 window on all 16 S4
        # maps. With a 32x32 input its maps are 1x1, so it acts as a fully
        # connected layer. That is why the paper gives connections only.
        "type": "conv", "maps": 120, "size": (1, 1), "kernel": 5,
        "params": 48120,        # [DERIVED] (5*5*16+1)*120 = 48,120 (same as connections)
        "connections": 48120,   # [PAPER] "C5 ... has 48,120 trainable connections"
    },
    "F6": {
        "type": "full", "units": 84,
        "params": 10164,        # [PAPER] "F6 ... has 10,164 trainable parameters"; 84*(120+1)
        "connections": 10164,   # [DERIVED] fully connected: connections = params
    },
    "OUTPUT": {
        # Euclidean RBF units, one per class, each with 84 inputs:
        # y_i = sum_j (x_j - w_ij)^2. The parameter vectors (components
        # +1/-1, stylized 7x12 bitmaps of the characters) "were chosen by
        # hand and kept fixed (at least initially)" [PAPER II.B]. So they are
        # NOT counted as trainable.
        "type": "rbf", "units": 10, "inputs": 84,
        "fixed_params": 840,    # [DERIVED] 10*84, fixed by hand, not trainable
        "params": 0,            # [PAPER] trainable: none (fixed by hand)
    },
}
# [DERIVED] total trainable parameters C1..F6 = 156+12+1516+32+48120+10164 = 60,000 + 0 (RBF fixed)
LENET5_TRAINABLE_TOTAL = 60000  # [DERIVED] sum of the params above (not stated in the paper)
# Squashing function [PAPER II.B / Appendix A]: f(a) = A tanh(S a), A = 1.7159
LENET5_TANH_A = 1.7159          # [PAPER] Appendix A

# Table I [PAPER]: which S2 maps (0..5) feed each C3 map (0..15). Transcribed
# from the X-table: rows are S2 maps, columns are C3 maps. Identical to the
# C3_TABLE in several independent public implementations citing "LeCun et
# al. 1998, Table I" (found with the code-search corpus). Structure: maps
# 0-5 take 3 contiguous S2 maps, 6-11 take 4 contiguous, 12-14 take 4
# non-contiguous, and 15 takes all 6.
LENET5_C3_TABLE = [
    (0, 1, 2),            # C3 map 0
    (1, 2, 3),            # 1
    (2, 3, 4),            # 2
    (3, 4, 5),            # 3
    (0, 4, 5),            # 4
    (0, 1, 5),            # 5
    (0, 1, 2, 3),         # 6
    (1, 2, 3, 4),         # 7
    (2, 3, 4, 5),         # 8
    (0, 3, 4, 5),         # 9
    (0, 1, 4, 5),         # 10
    (0, 1, 2, 5),         # 11
    (0, 1, 3, 4),         # 12
    (1, 2, 4, 5),         # 13
    (0, 2, 3, 5),         # 14
    (0, 1, 2, 3, 4, 5),   # 15
]
# [DERIVED] sum of fan-ins = 6*3+6*4+3*4+6 = 60 input-map connections -> 60*25 weights + 16 biases = 1516. OK.


# =============================================================================
# 2. AlexNet: Krizhevsky, Sutskever, Hinton 2012, "ImageNet Classification
#    with Deep Convolutional Neural Networks", NIPS 2012.
#    Abstract and section 3.5 "Overall Architecture". Abstract text checked
#    against several copies (citegraph.io, scilynk.com, miaokee.com). Layer
#    widths checked against users.ics.aalto.fi/perellm1/thesis/
#    summaries_html/node64.html.
# =============================================================================

ALEXNET_PAPER = {
    "params": 60_000_000,       # [PAPER] abstract: "60 million parameters"
    "neurons": 650_000,         # [PAPER] abstract: "650,000 neurons"
    "conv_layers": 5,           # [PAPER] abstract: "five convolutional layers"
    "fc_layers": 3,             # [PAPER] abstract: "three fully-connected layers with a final 1000-way softmax"
    "input": (3, 224, 224),     # [PAPER] 3.5: "filters the 224x224x3 input image"
    "input_dim": 150528,        # [PAPER] 3.5: "The network's input is 150,528-dimensional" (=224*224*3)
    # [PAPER] 3.5: neurons in the remaining layers, exactly as printed:
    "neurons_per_layer": (253440, 186624, 64896, 64896, 43264, 4096, 4096, 1000),
    # [PAPER] 3.5 kernels: (count, kh, kw, in_depth_per_kernel), stride.
    # In-depths 48 and 192 reflect the 2-GPU split: layers 2, 4, 5 see only
    # the kernel maps on their own GPU, i.e. groups=2.
    "conv": [
        {"out": 96,  "kernel": 11, "in_per_kernel": 3,   "stride": 4},  # conv1 [PAPER] "96 kernels of size 11x11x3 with a stride of 4 pixels"
        {"out": 256, "kernel": 5,  "in_per_kernel": 48},                # conv2 [PAPER] "256 kernels of size 5x5x48" (groups=2)
        {"out": 384, "kernel": 3,  "in_per_kernel": 256},               # conv3 [PAPER] "384 kernels of size 3x3x256" (all maps)
        {"out": 384, "kernel": 3,  "in_per_kernel": 192},               # conv4 [PAPER] "384 kernels of size 3x3x192" (groups=2)
        {"out": 256, "kernel": 3,  "in_per_kernel": 192},               # conv5 [PAPER] "256 kernels of size 3x3x192" (groups=2)
    ],
    "fc": (4096, 4096, 1000),   # [PAPER] 3.5: "The fully-connected layers have 4096 neurons each", 1000-way softmax
    "pool": {"kernel": 3, "stride": 2},   # [PAPER] 3.4 overlapping pooling: z=3, s=2
    "lrn": {"k": 2, "n": 5, "alpha": 1e-4, "beta": 0.75},  # [PAPER] 3.3
    "dropout": 0.5,             # [PAPER] 4.2, applied in the first two FC layers
}
# INCONSISTENCIES in AlexNet 3.5 [DERIVED]:
#  * 224 input with an 11x11 stride-4 unpadded conv gives (224-11)/4+1 = 54.25,
#    which is not an integer. 227 (or 224 + padding) gives 55x55.
#  * The first neuron count 253,440 != 55*55*96 = 290,400 (and != 54*54*96 = 279,936).
#    The others do match: 186,624 = 27*27*256; 64,896 = 13*13*384;
#    43,264 = 13*13*256.
#  * Sum of the 8 printed counts = 622,312 (the abstract rounds this to "650,000").
# [DERIVED] params of the paper's 2-GPU net (weights+biases, groups as above):
#   conv1 34,944; conv2 307,456; conv3 885,120; conv4 663,936; conv5 442,624;
#   fc6 37,752,832 (9216*4096+4096); fc7 16,781,312; fc8 4,097,000.
#   Total 60,965,224 (~"60 million").
ALEXNET_PAPER_PARAMS_DERIVED = 60965224  # [DERIVED], not printed in the paper

# torchvision's AlexNet is NOT the paper's net. It follows "One weird trick
# for parallelizing CNNs" (Krizhevsky 2014, arXiv:1404.5997), as its
# docstring says. [TV] torchvision/models/alexnet.py class AlexNet:
#   Conv(3,64,k11,s4,p2)-ReLU-MaxPool(3,2)-Conv(64,192,k5,p2)-ReLU-MaxPool(3,2)
#   -Conv(192,384,k3,p1)-ReLU-Conv(384,256,k3,p1)-ReLU-Conv(256,256,k3,p1)-ReLU
#   -MaxPool(3,2)-AdaptiveAvgPool(6,6)-Dropout(0.5)-Linear(9216,4096)-ReLU
#   -Dropout(0.5)-Linear(4096,4096)-ReLU-Linear(4096,1000)
#   No LRN, no groups, all convs have bias. At 224 the feature map is 6x6 before the avgpool.


# =============================================================================
# 3. VGG: Simonyan & Zisserman, "Very Deep Convolutional Networks for
#    Large-Scale Image Recognition", arXiv:1409.1556 (ICLR 2015).
#    Table 1 (ConvNet configurations) and Table 2 (number of parameters).
#    [PAPER]. The configurations agree with torchvision's cfgs A/B/D/E
#    ([TV] vgg.py). Table 2 agrees with the [DERIVED] counts below.
# =============================================================================
# Notation follows the paper: "conv3-64" = 3x3 conv, 64 channels, stride 1,
# padding 1 ("the padding is 1 pixel for 3x3 conv. layers"); "conv1-256" =
# 1x1 conv (padding 0); "M" = 2x2 max-pool, stride 2; "LRN" = local
# response normalisation. All configs: input 224x224 RGB, then
# FC-4096, FC-4096, FC-1000, soft-max. Every conv is followed by ReLU.
# Written as (kernel, channels) tuples; "M" = maxpool; "LRN" = LRN layer.
VGG_TABLE1 = {
    # A: 11 weight layers [PAPER Table 1]
    "A": [(3, 64), "M", (3, 128), "M", (3, 256), (3, 256), "M",
          (3, 512), (3, 512), "M", (3, 512), (3, 512), "M"],
    # A-LRN: 11 weight layers, A with LRN after the first conv [PAPER Table 1]
    "A-LRN": [(3, 64), "LRN", "M", (3, 128), "M", (3, 256), (3, 256), "M",
              (3, 512), (3, 512), "M", (3, 512), (3, 512), "M"],
    # B: 13 weight layers [PAPER Table 1]
    "B": [(3, 64), (3, 64), "M", (3, 128), (3, 128), "M", (3, 256), (3, 256), "M",
          (3, 512), (3, 512), "M", (3, 512), (3, 512), "M"],
    # C: 16 weight layers. The ONLY config with 1x1 convs: conv1-256,
    # conv1-512, conv1-512 as the 3rd conv of stages 3, 4, 5 [PAPER Table 1]
    "C": [(3, 64), (3, 64), "M", (3, 128), (3, 128), "M", (3, 256), (3, 256), (1, 256), "M",
          (3, 512), (3, 512), (1, 512), "M", (3, 512), (3, 512), (1, 512), "M"],
    # D: 16 weight layers (VGG-16) [PAPER Table 1]
    "D": [(3, 64), (3, 64), "M", (3, 128), (3, 128), "M", (3, 256), (3, 256), (3, 256), "M",
          (3, 512), (3, 512), (3, 512), "M", (3, 512), (3, 512), (3, 512), "M"],
    # E: 19 weight layers (VGG-19) [PAPER Table 1]
    "E": [(3, 64), (3, 64), "M", (3, 128), (3, 128), "M",
          (3, 256), (3, 256), (3, 256), (3, 256), "M",
          (3, 512), (3, 512), (3, 512), (3, 512), "M",
          (3, 512), (3, 512), (3, 512), (3, 512), "M"],
}
VGG_FC = (4096, 4096, 1000)  # [PAPER Table 1] FC-4096, FC-4096, FC-1000, soft-max
VGG_WEIGHT_LAYERS = {"A": 11, "A-LRN": 11, "B": 13, "C": 16, "D": 16, "E": 19}  # [PAPER Table 1 header]

# [PAPER Table 2] "Number of parameters (in millions)"
VGG_TABLE2_PARAMS_M = {"A": 133, "A-LRN": 133, "B": 133, "C": 134, "D": 138, "E": 144}

# [DERIVED] exact counts (conv weights+biases, FC weights+biases, 224 input, LRN has no params).
# A/B/D/E equal torchvision num_params. All round to Table 2.
VGG_PARAMS_DERIVED = {
    "A": 132863336, "A-LRN": 132863336, "B": 133047848,
    "C": 133638952,   # [DERIVED] only; torchvision has no config C
    "D": 138357544, "E": 143667240,
}
# [DERIVED] MACs at 224 (conv+fc): A 7,609,090,048; B 11,308,466,176;
#   C 11,770,888,192; D 15,470,264,320; E 19,632,062,464.
# INCONSISTENCY: the ResNet paper (He et al. 2015, section 3.3/4.1) quotes
# VGG-16/19 as "15.3/19.6 billion FLOPs". With FC layers: 15.47/19.63.
# Without FC (-123,633,664): 15.35/19.51. So 15.3 fits "no FC" and 19.6 fits
# "with FC". The two figures do not use the same convention.
VGG_FLOPS_QUOTED_BY_RESNET_PAPER = {"D": 15.3e9, "E": 19.6e9}  # [PAPER He et al. 2015, sec. 3.3]


# =============================================================================
# 4. GoogLeNet: Szegedy et al. 2014, "Going deeper with convolutions",
#    arXiv:1409.4842 (CVPR 2015). Table 1: "GoogLeNet incarnation of the
#    Inception architecture".
#    [PAPER] The table rows were checked against two independent
#    transcriptions found in the code corpus (a C++ source comment
#    reproducing all columns except ops; a Python source annotating every
#    inception row with "params ops"). The conv1 "34M" and linear "1M" ops
#    were found in neither transcription: [PAPER, unverified], but both are
#    internally consistent (see notes).
# =============================================================================
# Columns exactly as printed. None = blank cell. params in K, ops in M.
# "depth" = number of conv layers on the longest path.
GOOGLENET_TABLE1_COLUMNS = ("type", "patch_size_stride", "output_size", "depth",
                            "n1x1", "n3x3_reduce", "n3x3", "n5x5_reduce", "n5x5",
                            "pool_proj", "params_K", "ops_M")
GOOGLENET_TABLE1 = [
    ("convolution",    "7x7/2", (112, 112, 64),  1, None, None, None, None, None, None, 2.7,  34),
    ("max pool",       "3x3/2", (56, 56, 64),    0, None, None, None, None, None, None, None, None),
    ("convolution",    "3x3/1", (56, 56, 192),   2, None, 64,   192,  None, None, None, 112,  360),
    ("max pool",       "3x3/2", (28, 28, 192),   0, None, None, None, None, None, None, None, None),
    ("inception (3a)", None,    (28, 28, 256),   2, 64,   96,   128,  16,   32,   32,   159,  128),
    ("inception (3b)", None,    (28, 28, 480),   2, 128,  128,  192,  32,   96,   64,   380,  304),
    ("max pool",       "3x3/2", (14, 14, 480),   0, None, None, None, None, None, None, None, None),
    ("inception (4a)", None,    (14, 14, 512),   2, 192,  96,   208,  16,   48,   64,   364,  73),
    ("inception (4b)", None,    (14, 14, 512),   2, 160,  112,  224,  24,   64,   64,   437,  88),
    ("inception (4c)", None,    (14, 14, 512),   2, 128,  128,  256,  24,   64,   64,   463,  100),
    ("inception (4d)", None,    (14, 14, 528),   2, 112,  144,  288,  32,   64,   64,   580,  119),
    ("inception (4e)", None,    (14, 14, 832),   2, 256,  160,  320,  32,   128,  128,  840,  170),
    ("max pool",       "3x3/2", (7, 7, 832),     0, None, None, None, None, None, None, None, None),
    ("inception (5a)", None,    (7, 7, 832),     2, 256,  160,  320,  32,   128,  128,  1072, 54),
    ("inception (5b)", None,    (7, 7, 1024),    2, 384,  192,  384,  48,   128,  128,  1388, 71),
    ("avg pool",       "7x7/1", (1, 1, 1024),    0, None, None, None, None, None, None, None, None),
    ("dropout (40%)",  None,    (1, 1, 1024),    0, None, None, None, None, None, None, None, None),
    ("linear",         None,    (1, 1, 1000),    1, None, None, None, None, None, None, 1000, 1),
    ("softmax",        None,    (1, 1, 1000),    0, None, None, None, None, None, None, None, None),
]
# Arithmetic check of Table 1 [DERIVED]. Weights only, no biases (the conv2
# row is exact that way). "K" = 1024 fits best: conv2 = 64*64 + 9*64*192 =
# 114,688 = 112.0*1024 exactly; linear = 1024*1000 = 1,024,000 = 1000K.
# ops = weights * output H*W.
#   row   arch weights (5x5 branch)  /1024   table K | ops arch  table M
#   conv1      9,408 (7*7*3*64)       9.2    2.7     | 118.0M    34   <-- MISMATCH
#   conv2    114,688                112.0    112     | 359.7M    360
#   3a       163,328                159.5    159     | 128.0M    128
#   3b       388,096                379.0    380     | 304.3M    304
#   4a       375,552                366.8    364     |  73.6M    73
#   4b       448,512                438.0    437     |  87.9M    88
#   4c       509,440                497.5    463     |  99.9M    100  <-- params MISMATCH (ops fit the arch)
#   4d       604,672                590.5    580     | 118.5M    119
#   4e       867,328                847.0    840     | 170.0M    170
#   5a     1,042,432               1018.0   1072     |  51.1M    54   <-- MISMATCH (table too large)
#   5b     1,442,816               1409.0   1388     |  70.7M    71
#   linear 1,024,000               1000.0   1000     |   1.0M    1
# Inconsistencies:
#  * conv1: 7x7x3x64 = 9,408 weights (9.2K) and 118M MACs at 112x112. The
#    table prints 2.7K / 34M. Those two agree with each other
#    (2.7*1024*112*112 = 34.7M) but not with a 7x7, 3->64 conv.
#  * inception (4c): architecture gives 497.5K. The printed 463K is 34.5K
#    short, yet the printed 100M ops match the architecture (99.9M), not
#    463K*1024*196 = 92.9M.
#  * inception (5a): architecture gives 1018K / 51.1M. The printed
#    1072K / 54M are consistent with each other (1072*1024*49 = 53.8M) but
#    not with the listed branch widths.
#  * 3b/4a/4d/4e/5b params differ from the arithmetic by 1-21K: small
#    transcription or rounding drift in the paper.
#  * Sum of the table's params column = 6,797.7K (~6.8M; 6.96M if K=1024).
#    Sum of the ops column = 1,502M, which agrees with the "1.5 billion
#    multiply-adds" budget below.
GOOGLENET_TABLE1_PARAMS_SUM_K = 6797.7   # [DERIVED] sum of printed params column
GOOGLENET_TABLE1_OPS_SUM_M = 1502        # [DERIVED] sum of printed ops column

GOOGLENET_PAPER = {
    # [PAPER] section 1: "uses 12x fewer parameters than the winning
    # architecture of Krizhevsky et al [9] from two years ago". Verified
    # from a text copy of the paper (download.csdn.net page in the pages corpus).
    "fewer_params_than_alexnet": 12,
    # [PAPER] section 1: "a computational budget of 1.5 billion
    # multiply-adds at inference time".
    "budget_multiply_adds": 1_500_000_000,
    # [PAPER] abstract: "a 22 layers deep network". Section 5: 22 layers
    # counting only layers with parameters, 27 if pooling is counted too.
    # About 100 independent building blocks in all.
    "depth_with_params": 22,
    "depth_with_pooling": 27,
    "input": (3, 224, 224),   # [PAPER] sec. 5: "receptive field ... 224x224 taking RGB color channels with mean subtraction"
    "dropout_main": 0.4,      # [PAPER] Table 1 "dropout (40%)"
}
# [PAPER] section 5, auxiliary classifiers. Two side heads, on the outputs of
# inception (4a) and (4d). Each head is:
#   - average pooling, 5x5 filter, stride 3 -> 4x4x512 for (4a), 4x4x528 for (4d)
#   - 1x1 convolution with 128 filters for dimension reduction, ReLU
#   - fully connected layer with 1024 units, ReLU
#   - dropout with 70% ratio of dropped outputs
#   - linear layer with softmax loss as the classifier (same 1000 classes)
# During training their loss is added with weight 0.3. They are discarded at
# inference. All reduction/projection layers use ReLU.
GOOGLENET_AUX_PAPER = {
    "attach_after": ("inception (4a)", "inception (4d)"),  # [PAPER] sec. 5
    "avgpool": {"kernel": 5, "stride": 3},                 # [PAPER] -> 4x4 from 14x14: (14-5)//3+1 = 4
    "pooled": ((4, 4, 512), (4, 4, 528)),                  # [PAPER]
    "conv1x1_filters": 128,                                # [PAPER]
    "fc_units": 1024,                                      # [PAPER] (input 4*4*128 = 2048 [DERIVED])
    "dropout": 0.7,                                        # [PAPER] "70% ratio of dropped outputs"
    "classes": 1000,                                       # [PAPER]
    "loss_weight": 0.3,                                    # [PAPER]
}


# =============================================================================
# 5. ResNet: He, Zhang, Ren, Sun 2015, "Deep Residual Learning for Image
#    Recognition", arXiv:1512.03385 (CVPR 2016), Table 1 and sections
#    3.3/4.1. The 152-layer and VGG FLOPs sentences were checked against a
#    quote on stats.stackexchange.com/questions/291843. All five FLOPs values
#    were checked against discourse.opengenus.org/t/.../1681.
#    Sec. 3.3: "Our 34-layer baseline has 3.6 billion FLOPs (multiply-adds),
#    which is only 18% of VGG-19 (19.6 billion FLOPs)". So the paper's
#    "FLOPs" ARE multiply-adds (MACs).
# =============================================================================
RESNET_TABLE1_FLOPS = {     # [PAPER Table 1, last row "FLOPs"]
    18: 1.8e9, 34: 3.6e9, 50: 3.8e9, 101: 7.6e9, 152: 11.3e9,
}
RESNET_FLOPS_ARE_MULTIPLY_ADDS = True   # [PAPER sec. 3.3] "3.6 billion FLOPs (multiply-adds)"

# [PAPER Table 1] layer configuration at 224x224 input.
#   conv1   112x112: 7x7, 64, stride 2
#   conv2_x  56x56: 3x3 max pool, stride 2; then blocks
#   conv3_x  28x28, conv4_x 14x14, conv5_x 7x7: blocks
#   then: average pool, 1000-d fc, softmax
# Caption: "Downsampling is performed by conv3_1, conv4_1, and conv5_1 with a stride of 2."
# Basic block (18/34): [3x3, w; 3x3, w]. Bottleneck (50+): [1x1, w; 3x3, w; 1x1, 4w].
RESNET_STAGE_WIDTHS = (64, 128, 256, 512)           # [PAPER Table 1] w per stage
RESNET_TABLE1_BLOCKS = {                             # [PAPER Table 1] blocks per stage
    18: ("basic", (2, 2, 2, 2)),
    34: ("basic", (3, 4, 6, 3)),
    50: ("bottleneck", (3, 4, 6, 3)),
    101: ("bottleneck", (3, 4, 23, 3)),
    152: ("bottleneck", (3, 8, 36, 3)),
}
RESNET_STAGE_OUTPUT = {"conv1": 112, "conv2_x": 56, "conv3_x": 28, "conv4_x": 14, "conv5_x": 7}  # [PAPER Table 1]
# Shortcuts [PAPER sec. 3.3/4.1]. Option A: identity, zero-padding to
# increase dimensions (no extra params; used for the 18/34 plain-vs-residual
# comparison, Table 2/Fig. 4). Option B: 1x1 projection shortcuts only where
# dimensions increase. The 50/101/152 nets "use option B for increasing
# dimensions". Original (v1) bottleneck puts stride 2 on the first 1x1 conv.
#
# [DERIVED] conv+fc MACs at 224:
#   depth  v1: stride on 1x1, proj (B)  | torchvision (v1.5: stride on 3x3, proj) | option A (no proj, torchvision strides)
#   18     -                            | 1,814,073,344                           | 1,794,805,760
#   34     -                            | 3,663,761,408                           | 3,644,493,824
#   50     3,857,973,248  -> "3.8"      | 4,089,184,256                           | -
#   101    7,570,194,432  -> "7.6"      | 7,801,405,440                           | -
#   152   11,282,415,616  -> "11.3"     | 11,513,626,624                          | -
# So the paper's 3.8/7.6/11.3 match the v1 bottleneck exactly when
# rounded. NOTE: for 34 layers the paper's 3.6 matches option A (3.64); with
# projection shortcuts it would be 3.66, which rounds to 3.7.
RESNET_V1_MACS_DERIVED = {50: 3857973248, 101: 7570194432, 152: 11282415616}  # [DERIVED]

# He, Zhang, Ren, Sun 2016, "Identity Mappings in Deep Residual Networks",
# arXiv:1603.05027 (ECCV 2016). [PAPER] The abstract and intro were checked
# against arxiv-vanity.com/papers/1603.05027. The unit-order facts are
# [PAPER, unverified] (from the paper's Fig. 1(b)/Fig. 4(e) and sec. 4,
# recalled; no text copy found).
#  * Residual unit: y_l = h(x_l) + F(x_l, W_l), x_{l+1} = f(y_l). The paper
#    argues for identity h AND identity f (no ReLU after the addition).
#  * "Full pre-activation" unit (Fig. 4(e)): BN -> ReLU -> weight -> BN ->
#    ReLU -> weight, then addition; nothing after the addition.
#    Bottleneck variant: BN-ReLU-conv1x1, BN-ReLU-conv3x3, BN-ReLU-conv1x1.
#  * The first unit (after the stand-alone conv1) takes the activation
#    right after conv1, before the split into two paths. The last unit gets
#    an extra BN-ReLU after its addition, before global average pooling + fc.
#  * Parameter count equals the original ResNet of the same depth, apart
#    from where the BN layers sit. Results: ResNet-1001 on CIFAR-10 (4.62%
#    error) and CIFAR-100; ResNet-200 on ImageNet [PAPER abstract].
PREACT_RESNET = {
    "unit_order": ("bn", "relu", "conv", "bn", "relu", "conv", "add"),   # [PAPER, unverified] Fig. 4(e)
    "after_addition": None,                                              # [PAPER] identity after-addition activation
    "shortcut": "identity",                                              # [PAPER]
    "cifar10_depth": 1001, "cifar10_error_pct": 4.62,                    # [PAPER abstract]
    "imagenet_depth": 200,                                               # [PAPER abstract]
}


# =============================================================================
# 6. torchvision metadata [TV], torchvision 0.29.2 (wheel from PyPI),
#    torchvision/models/{alexnet,vgg,googlenet,inception,resnet}.py.
#    Weights enum IMAGENET1K_V1, meta["num_params"], meta["_ops"],
#    meta["min_size"]. crop/resize come from
#    transforms=partial(ImageClassification, crop_size=..., resize_size=...).
#    ImageClassification's default resize_size is 256
#    (torchvision/transforms/_presets.py). The same values appear in
#    several public copies of vgg.py (code corpus) for older releases.
# =============================================================================
TORCHVISION_META = {
    # name: weights enum, num_params, _ops (GFLOPS = GMACs), min_size, crop (default input), resize
    "alexnet":   {"weights": "AlexNet_Weights.IMAGENET1K_V1",   "num_params": 61100840,  "ops_g": 0.714,  "min_size": (63, 63), "crop_size": 224, "resize_size": 256},
    "vgg11":     {"weights": "VGG11_Weights.IMAGENET1K_V1",     "num_params": 132863336, "ops_g": 7.609,  "min_size": (32, 32), "crop_size": 224, "resize_size": 256},
    "vgg11_bn":  {"weights": "VGG11_BN_Weights.IMAGENET1K_V1",  "num_params": 132868840, "ops_g": 7.609,  "min_size": (32, 32), "crop_size": 224, "resize_size": 256},
    "vgg13":     {"weights": "VGG13_Weights.IMAGENET1K_V1",     "num_params": 133047848, "ops_g": 11.308, "min_size": (32, 32), "crop_size": 224, "resize_size": 256},
    "vgg13_bn":  {"weights": "VGG13_BN_Weights.IMAGENET1K_V1",  "num_params": 133053736, "ops_g": 11.308, "min_size": (32, 32), "crop_size": 224, "resize_size": 256},
    "vgg16":     {"weights": "VGG16_Weights.IMAGENET1K_V1",     "num_params": 138357544, "ops_g": 15.47,  "min_size": (32, 32), "crop_size": 224, "resize_size": 256},
    "vgg16_bn":  {"weights": "VGG16_BN_Weights.IMAGENET1K_V1",  "num_params": 138365992, "ops_g": 15.47,  "min_size": (32, 32), "crop_size": 224, "resize_size": 256},
    "vgg19":     {"weights": "VGG19_Weights.IMAGENET1K_V1",     "num_params": 143667240, "ops_g": 19.632, "min_size": (32, 32), "crop_size": 224, "resize_size": 256},
    "vgg19_bn":  {"weights": "VGG19_BN_Weights.IMAGENET1K_V1",  "num_params": 143678248, "ops_g": 19.632, "min_size": (32, 32), "crop_size": 224, "resize_size": 256},
    "googlenet": {"weights": "GoogLeNet_Weights.IMAGENET1K_V1", "num_params": 6624904,   "ops_g": 1.498,  "min_size": (15, 15), "crop_size": 224, "resize_size": 256},
    "inception_v3": {"weights": "Inception_V3_Weights.IMAGENET1K_V1", "num_params": 27161264, "ops_g": 5.713, "min_size": (75, 75), "crop_size": 299, "resize_size": 342},
    "resnet18":  {"weights": "ResNet18_Weights.IMAGENET1K_V1",  "num_params": 11689512,  "ops_g": 1.814,  "min_size": (1, 1),   "crop_size": 224, "resize_size": 256},
    "resnet34":  {"weights": "ResNet34_Weights.IMAGENET1K_V1",  "num_params": 21797672,  "ops_g": 3.664,  "min_size": (1, 1),   "crop_size": 224, "resize_size": 256},
    "resnet50":  {"weights": "ResNet50_Weights.IMAGENET1K_V1",  "num_params": 25557032,  "ops_g": 4.089,  "min_size": (1, 1),   "crop_size": 224, "resize_size": 256},
    "resnet101": {"weights": "ResNet101_Weights.IMAGENET1K_V1", "num_params": 44549160,  "ops_g": 7.801,  "min_size": (1, 1),   "crop_size": 224, "resize_size": 256},
    "resnet152": {"weights": "ResNet152_Weights.IMAGENET1K_V1", "num_params": 60192808,  "ops_g": 11.514, "min_size": (1, 1),   "crop_size": 224, "resize_size": 256},
}
# [TV] VGG16_Weights also has IMAGENET1K_FEATURES (same num_params 138357544, _ops 15.47).
# [TV] The V2 weights have the same architecture, so num_params and _ops are
# identical; only resize_size changes, to 232:
#   ResNet50_Weights.IMAGENET1K_V2:  num_params 25557032, _ops 4.089  (DEFAULT = V2)
#   ResNet101_Weights.IMAGENET1K_V2: num_params 44549160, _ops 7.801  (DEFAULT = V2)
#   ResNet152_Weights.IMAGENET1K_V2: num_params 60192808, _ops 11.514 (DEFAULT = V2)
TORCHVISION_V2_SAME_PARAMS = {"resnet50": 25557032, "resnet101": 44549160, "resnet152": 60192808}  # [TV]
# [TV] resnet.py _COMMON_META min_size = (1, 1). googlenet.py min_size (15, 15).
# inception.py min_size (75, 75). alexnet.py (63, 63). vgg.py _COMMON_META (32, 32).

# [DERIVED] conv+linear MACs at the default crop, which reproduce ops_g:
#   alexnet 714,188,480; vgg11 7,609,090,048; vgg13 11,308,466,176;
#   vgg16 15,470,264,320; vgg19 19,632,062,464 (the _bn variants are the same);
#   googlenet (no aux, 3x3 "5x5" branch) 1,498,376,192; inception_v3 (no aux)
#   5,713,216,096; resnet18 1,814,073,344; resnet34 3,663,761,408;
#   resnet50 4,089,184,256; resnet101 7,801,405,440; resnet152 11,513,626,624.
TORCHVISION_MACS_DERIVED = {
    "alexnet": 714188480, "vgg11": 7609090048, "vgg13": 11308466176,
    "vgg16": 15470264320, "vgg19": 19632062464, "googlenet": 1498376192,
    "inception_v3": 5713216096, "resnet18": 1814073344, "resnet34": 3663761408,
    "resnet50": 4089184256, "resnet101": 7801405440, "resnet152": 11513626624,
}
# [DERIVED] parameter variants that are not in torchvision's meta:
TORCHVISION_PARAMS_DERIVED = {
    "googlenet_with_aux": 13004888,     # 6,624,904 + 2 heads (conv 512/528->128 no bias + BN, fc 2048->1024, fc 1024->1000)
    "googlenet_true_5x5": 7005832,      # with the paper's 5x5 kernels in branch3 (no aux)
    "inception_v3_no_aux": 23834568,    # meta's 27,161,264 minus AuxLogits 3,326,696
}
# NOTE inception_v3: meta num_params (27,161,264) INCLUDES the AuxLogits head,
# because the builder keeps AuxLogits by default (aux_logits=True). meta
# _ops (5.713) EXCLUDES it: it is measured in eval mode, where the aux
# head does not run. With aux MACs: 5,718,899,296.

# --- torchvision GoogLeNet architecture [TV] googlenet.py --------------------
# How it differs from the paper's Table 1 / section 5:
#  * BasicConv2d = Conv2d(bias=False) -> BatchNorm2d(eps=0.001) -> ReLU.
#    Every conv in the net, aux convs included, is a BasicConv2d. No LRN.
#  * Inception branch3 (the paper's "5x5" branch) uses kernel_size=3,
#    padding=1. The source says "Here, kernel_size=3 instead of
#    kernel_size=5 is a known bug" (pytorch/vision issue #906).
#  * Branch4: MaxPool2d(3, stride=1, padding=1, ceil_mode=True) -> 1x1 conv.
#  * Stem: conv1 = BasicConv2d(3,64,k7,s2,p3); maxpool1 = MaxPool2d(3,2,ceil_mode=True);
#    conv2 = BasicConv2d(64,64,k1); conv3 = BasicConv2d(64,192,k3,p1);
#    maxpool2 = MaxPool2d(3,2,ceil_mode=True).
#  * maxpool3 = MaxPool2d(3,2,ceil_mode=True); maxpool4 = MaxPool2d(2,2,ceil_mode=True)
#    (the paper has 3x3/2 there).
#  * Head: AdaptiveAvgPool2d((1,1)) -> flatten -> Dropout(0.2) -> Linear(1024,1000).
#    The paper has dropout 40%.
#  * Shapes at 224: 112 -> 56 (maxpool1) -> 28 (maxpool2) -> 14 (maxpool3) -> 7 (maxpool4).
#  * Aux heads (InceptionAux), aux1 on the inception4a output (512 ch), aux2
#    on the inception4d output (528 ch):
#    adaptive_avg_pool2d(4,4) -> BasicConv2d(in,128,k1) -> flatten (2048)
#    -> Linear(2048,1024) -> ReLU -> Dropout(0.7) -> Linear(1024,1000).
#  * googlenet(weights=...) sets transform_input=True. It builds with
#    aux_logits=True to load the checkpoint, then sets aux1 = aux2 = None
#    unless aux_logits=True was passed. Hence meta num_params 6,624,904 (no
#    aux). Without weights, GoogLeNet's class default aux_logits=True
#    applies and the model has both aux heads (13,004,888 [DERIVED]).
TORCHVISION_GOOGLENET = {
    "inception_args": [  # (name, in, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj)  [TV]
        ("inception3a", 192, 64, 96, 128, 16, 32, 32),
        ("inception3b", 256, 128, 128, 192, 32, 96, 64),
        ("inception4a", 480, 192, 96, 208, 16, 48, 64),
        ("inception4b", 512, 160, 112, 224, 24, 64, 64),
        ("inception4c", 512, 128, 128, 256, 24, 64, 64),
        ("inception4d", 512, 112, 144, 288, 32, 64, 64),
        ("inception4e", 528, 256, 160, 320, 32, 128, 128),
        ("inception5a", 832, 256, 160, 320, 32, 128, 128),
        ("inception5b", 832, 384, 192, 384, 48, 128, 128),
    ],
    "branch3_kernel": 3,          # [TV] not 5 (known bug)
    "bn_eps": 0.001,              # [TV] BasicConv2d
    "conv_bias": False,           # [TV] BasicConv2d
    "maxpool_ceil_mode": True,    # [TV] all max pools, including the branch4 pool
    "maxpool4_kernel": 2,         # [TV] MaxPool2d(2, stride=2, ceil_mode=True)
    "dropout": 0.2,               # [TV] main head
    "aux": {"attach": ("inception4a", "inception4d"), "in_channels": (512, 528),
            "adaptive_pool": (4, 4), "conv_out": 128, "fc1": (2048, 1024),
            "dropout": 0.7, "fc2": (1024, 1000)},   # [TV] InceptionAux
}

# --- torchvision Inception v3 [TV] inception.py ------------------------------
# Szegedy et al. 2015, "Rethinking the Inception Architecture for Computer
# Vision" (arXiv:1512.00567). The docstring says the model expects N x 3 x
# 299 x 299. Weights transforms: crop 299, resize 342. Every conv is a
# BasicConv2d (Conv bias=False + BN eps=0.001 + ReLU).
# Stem (no padding unless stated):
#   Conv2d_1a_3x3 (3->32, k3, s2)   299 -> 149
#   Conv2d_2a_3x3 (32->32, k3)      149 -> 147
#   Conv2d_2b_3x3 (32->64, k3, p1)  147
#   maxpool1 MaxPool2d(3, 2)        147 -> 73
#   Conv2d_3b_1x1 (64->80, k1)      73
#   Conv2d_4a_3x3 (80->192, k3)     73 -> 71
#   maxpool2 MaxPool2d(3, 2)        71 -> 35
# Mixed_5b/5c/5d = InceptionA(in, pool_features) at 35x35:
#   (192,32) -> 256; (256,64) -> 288; (288,64) -> 288.
#   Branches: 1x1 64 | 1x1 48 -> 5x5 64 (p2) | 1x1 64 -> 3x3 96 (p1) -> 3x3 96 (p1)
#   | avg_pool(3,1,p1) -> 1x1 pool_features.
# Mixed_6a = InceptionB(288): 3x3 384 s2 | 1x1 64 -> 3x3 96 p1 -> 3x3 96 s2
#   | max_pool(3,2). 35 -> 17, channels 384+96+288 = 768.
# Mixed_6b..6e = InceptionC(768, c7) with c7 = 128, 160, 160, 192 at 17x17, out 768:
#   1x1 192 | 1x1 c7 -> 1x7 c7 -> 7x1 192 | 1x1 c7 -> 7x1 c7 -> 1x7 c7 -> 7x1 c7 -> 1x7 192
#   | avg_pool(3,1,p1) -> 1x1 192.
# AuxLogits = InceptionAux(768) on the Mixed_6e output (training only):
#   avg_pool(5, stride 3) 17 -> 5; BasicConv 1x1 768->128; BasicConv 5x5
#   128->768 (5 -> 1); adaptive avg pool 1x1; Linear(768, 1000).
# Mixed_7a = InceptionD(768): 1x1 192 -> 3x3 320 s2 | 1x1 192 -> 1x7 192 -> 7x1 192
#   -> 3x3 192 s2 | max_pool(3,2). 17 -> 8, channels 320+192+768 = 1280.
# Mixed_7b = InceptionE(1280) -> 2048; Mixed_7c = InceptionE(2048) -> 2048, at 8x8:
#   1x1 320 | 1x1 384 -> [1x3 384, 3x1 384] | 1x1 448 -> 3x3 384 p1 -> [1x3 384, 3x1 384]
#   | avg_pool(3,1,p1) -> 1x1 192.  320+768+768+192 = 2048.
# Head: AdaptiveAvgPool2d(1) -> Dropout(0.5) -> flatten -> Linear(2048, 1000).
# The builder keeps aux_logits=True by default (so num_params includes the
# aux head) and sets transform_input=True with weights.
TORCHVISION_INCEPTION_V3 = {
    "input": (3, 299, 299),                 # [TV] docstring + crop_size=299
    "stage_sizes": {"stem_out": 35, "mixed_6": 17, "mixed_7": 8},  # [TV] shape comments in _forward
    "mixed_channels": {"5b": 256, "5c": 288, "5d": 288, "6a": 768, "6b": 768, "6c": 768,
                       "6d": 768, "6e": 768, "7a": 1280, "7b": 2048, "7c": 2048},  # [TV]
    "inception_c_c7": (128, 160, 160, 192),  # [TV] Mixed_6b..6e channels_7x7
    "aux": {"attach": "Mixed_6e", "avgpool": (5, 3), "conv0": (768, 128, 1),
            "conv1": (128, 768, 5), "fc": (768, 1000)},  # [TV] InceptionAux
    "aux_params_derived": 3326696,           # [DERIVED] 27,161,264 - 23,834,568
    "dropout": 0.5,                          # [TV]
    "bn_eps": 0.001, "conv_bias": False,     # [TV] BasicConv2d
}

# --- torchvision ResNet [TV] resnet.py ---------------------------------------
# conv1 = Conv2d(3,64,k7,s2,p3,bias=False) + BN + ReLU;
# maxpool = MaxPool2d(3, stride 2, padding 1); layer1..4 with widths
# 64/128/256/512 and stride 2 on the first block of layers 2-4;
# AdaptiveAvgPool2d(1); Linear(512*expansion, 1000); expansion 1 (basic) / 4 (bottleneck).
# Every conv is bias=False and followed by BN. Downsample = conv1x1(stride) + BN
# whenever stride != 1 or in != out*expansion: option-B projections, used in
# resnet18/34 too (unlike the paper's option-A 18/34 comparison).
# Bottleneck: "places the stride for downsampling at 3x3 convolution(self.conv2)
# while original implementation places the stride at the first 1x1
# convolution(self.conv1)" (ResNet V1.5). This does not change params but
# raises MACs (see the RESNET_V1_MACS_DERIVED comparison above).
