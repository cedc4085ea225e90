"""The zoo: every known network, by name.

The registry below is plain data (name, module, factory, default input, one-line description), so that
``shapecalc list`` and name look-ups import no network definition; a network's module is imported only
when that network is asked for.
"""

from ..errors import ConfigError, UnknownModelError

__all__ = ["ENTRIES", "ALIASES", "names", "get", "entry"]

#: where the torchvision builds come from (the modules tv and resnet fill in the file's name)
TORCHVISION = "torchvision 0.29 (torchvision/models/{}.py)"

#: name -> (module in shapecalc.zoo, factory function, default input, description)
ENTRIES = {
    # -- the course examples --
    "cnn-39x31": ("course", "cnn_39x31", (39, 31, 1),
                  "DeepID-style worked example: 4 convs (20, 40, 60, 80 filters), 3 max-pools, dense 100, softmax"),
    "conv5x5-28x28x192": ("course", "conv5x5", (28, 28, 192),
                          "a direct 5×5 convolution to 32 channels (the cost the 1×1 bottleneck avoids)"),
    "bottleneck-28x28x192": ("course", "bottleneck", (28, 28, 192),
                             "1×1 convolution to 16 channels, then 5×5 to 32 (the 1×1 bottleneck)"),
    "residual-module": ("course", "residual_module", (256, 256, 3),
                        "residual module: two 3×3 convs of 64 filters, 1×1 projection shortcut, add, ReLU"),
    "inception-naive": ("course", "inception_naive", (28, 28, 192),
                        "naive Inception module: parallel 1×1, 3×3, 5×5 convs and a 3×3 max-pool, concatenated"),
    "inception-3a": ("course", "inception_3a", (28, 28, 192),
                     "Inception module with 1×1 reductions (GoogLeNet 3a widths: 64; 96→128; 16→32; pool→32)"),
    "stack-3x3": ("course", "stack_3x3", (56, 56, 64),
                  "three stacked 3×3 convolutions (receptive field 7×7), 64 channels"),
    "single-7x7": ("course", "single_7x7", (56, 56, 64),
                   "one 7×7 convolution (receptive field 7×7), 64 channels"),
    "stack-3x3x2": ("course", "stack_3x3x2", (56, 56, 64),
                    "two stacked 3×3 convolutions (receptive field 5×5), 64 channels"),
    "single-5x5": ("course", "single_5x5", (56, 56, 64),
                   "one 5×5 convolution (receptive field 5×5), 64 channels"),
    # -- the classic zoo, paper-faithful (see docs/zoo.md) --
    "lenet5": ("lenet", "lenet5", (32, 32, 1),
               "LeNet-5 (LeCun et al. 1998): sparse C3 (Table I), trainable subsampling, fixed RBF output"),
    "lenet5-full": ("lenet", "lenet5_full", (32, 32, 1),
                    "LeNet-5 as in textbooks/Keras: full C3, average pooling, dense 10 + softmax"),
    "alexnet": ("alexnet", "alexnet", (227, 227, 3),
                "AlexNet (Krizhevsky et al. 2012) as trained: conv2/4/5 in two groups (two GPUs), LRN"),
    "alexnet-1gpu": ("alexnet", "alexnet_1gpu", (227, 227, 3),
                     "AlexNet (Krizhevsky et al. 2012) without groups (one GPU), LRN"),
    "vgg-a": ("vgg", "vgg_a", (224, 224, 3), "VGG configuration A (Simonyan & Zisserman 2014), 11 weight layers"),
    "vgg-a-lrn": ("vgg", "vgg_a_lrn", (224, 224, 3), "VGG configuration A-LRN: A with LRN after the first conv"),
    "vgg-b": ("vgg", "vgg_b", (224, 224, 3), "VGG configuration B, 13 weight layers"),
    "vgg-c": ("vgg", "vgg_c", (224, 224, 3), "VGG configuration C, 16 weight layers (with 1×1 convs)"),
    "vgg-d": ("vgg", "vgg_d", (224, 224, 3), "VGG configuration D, 16 weight layers"),
    "vgg-e": ("vgg", "vgg_e", (224, 224, 3), "VGG configuration E, 19 weight layers"),
    "googlenet": ("googlenet", "googlenet", (224, 224, 3),
                  "GoogLeNet (Szegedy et al. 2014, Table 1): true 5×5 branches, LRN, aux1/aux2 as side heads"),
    "resnet18": ("resnet", "resnet18", (224, 224, 3), "ResNet-18 (He et al. 2015), basic blocks, --shortcut A|B|C"),
    "resnet34": ("resnet", "resnet34", (224, 224, 3), "ResNet-34 (He et al. 2015), basic blocks, --shortcut A|B|C"),
    "resnet50": ("resnet", "resnet50", (224, 224, 3),
                 "ResNet-50 (He et al. 2015), bottlenecks with the stride on the first 1×1, --shortcut A|B|C"),
    "resnet101": ("resnet", "resnet101", (224, 224, 3),
                  "ResNet-101 (He et al. 2015), bottlenecks with the stride on the first 1×1, --shortcut A|B|C"),
    "resnet152": ("resnet", "resnet152", (224, 224, 3),
                  "ResNet-152 (He et al. 2015), bottlenecks with the stride on the first 1×1, --shortcut A|B|C"),
    "preact-resnet18": ("resnet", "preact_resnet18", (224, 224, 3),
                        "ResNet-18 with full pre-activation units (He et al. 2016)"),
    "preact-resnet34": ("resnet", "preact_resnet34", (224, 224, 3),
                        "ResNet-34 with full pre-activation units (He et al. 2016)"),
    "preact-resnet50": ("resnet", "preact_resnet50", (224, 224, 3),
                        "ResNet-50 with full pre-activation units (He et al. 2016)"),
    "preact-resnet101": ("resnet", "preact_resnet101", (224, 224, 3),
                         "ResNet-101 with full pre-activation units (He et al. 2016)"),
    "preact-resnet152": ("resnet", "preact_resnet152", (224, 224, 3),
                         "ResNet-152 with full pre-activation units (He et al. 2016)"),
    "mobilenet-v1": ("papers_mobile", "mobilenet_v1", (224, 224, 3),
                     "MobileNet v1 (Howard et al. 2017, Table 1), α = 1: depthwise separable convolutions"),
    "mobilenet-v2": ("papers_mobile", "mobilenet_v2", (224, 224, 3),
                     "MobileNetV2 (Sandler et al. 2018, Table 2): inverted residuals with linear bottlenecks"),
    "squeezenet": ("papers_mobile", "squeezenet", (224, 224, 3),
                   "SqueezeNet (Iandola et al. 2016, Table 1): Fire modules, no dense layers"),
    "efficientnet-b0": ("papers_mobile", "efficientnet_b0", (224, 224, 3),
                        "EfficientNet-B0 (Tan & Le 2019, Table 1): MBConv stages with squeeze-excitation"),
    # -- the same networks as torchvision builds them --
    "torchvision.alexnet": ("tv", "alexnet", (224, 224, 3),
                            "torchvision AlexNet (one-weird-trick layout: 64/192/384/256/256, no LRN, no groups)"),
    "torchvision.vgg11": ("tv", "vgg11", (224, 224, 3), "torchvision VGG-11 (configuration A)"),
    "torchvision.vgg11_bn": ("tv", "vgg11_bn", (224, 224, 3), "torchvision VGG-11 with BatchNorm"),
    "torchvision.vgg13": ("tv", "vgg13", (224, 224, 3), "torchvision VGG-13 (configuration B)"),
    "torchvision.vgg13_bn": ("tv", "vgg13_bn", (224, 224, 3), "torchvision VGG-13 with BatchNorm"),
    "torchvision.vgg16": ("tv", "vgg16", (224, 224, 3), "torchvision VGG-16 (configuration D)"),
    "torchvision.vgg16_bn": ("tv", "vgg16_bn", (224, 224, 3), "torchvision VGG-16 with BatchNorm"),
    "torchvision.vgg19": ("tv", "vgg19", (224, 224, 3), "torchvision VGG-19 (configuration E)"),
    "torchvision.vgg19_bn": ("tv", "vgg19_bn", (224, 224, 3), "torchvision VGG-19 with BatchNorm"),
    "torchvision.googlenet": ("tv", "googlenet", (224, 224, 3),
                              "torchvision GoogLeNet: BatchNorm, bias-free convs, 3×3 \"5×5\" branch, aux side heads"),
    "torchvision.inception_v3": ("tv", "inception_v3", (299, 299, 3),
                                 "torchvision Inception v3, 299×299, AuxLogits as a side head"),
    "torchvision.resnet18": ("resnet", "tv_resnet18", (224, 224, 3), "torchvision ResNet-18 (projection shortcuts)"),
    "torchvision.resnet34": ("resnet", "tv_resnet34", (224, 224, 3), "torchvision ResNet-34 (projection shortcuts)"),
    "torchvision.resnet50": ("resnet", "tv_resnet50", (224, 224, 3),
                             "torchvision ResNet-50 v1.5 (bottleneck stride on the 3×3 conv)"),
    "torchvision.resnet101": ("resnet", "tv_resnet101", (224, 224, 3),
                              "torchvision ResNet-101 v1.5 (bottleneck stride on the 3×3 conv)"),
    "torchvision.resnet152": ("resnet", "tv_resnet152", (224, 224, 3),
                              "torchvision ResNet-152 v1.5 (bottleneck stride on the 3×3 conv)"),
    # -- torchvision's modern classification networks (default input: the IMAGENET1K_V1 crop size; the ViTs
    # at 224, the image size of torchvision's builder, which vit_h_14's SWAG weights raise to 518) --
    "torchvision.vit_b_16": ("vit", "vit_b_16", (224, 224, 3),
                           "torchvision ViT-B/16: 12 encoder layers, 12 heads, D = 768, 16×16 patches"),
    "torchvision.vit_b_32": ("vit", "vit_b_32", (224, 224, 3),
                           "torchvision ViT-B/32: 12 encoder layers, 12 heads, D = 768, 32×32 patches"),
    "torchvision.vit_l_16": ("vit", "vit_l_16", (224, 224, 3),
                           "torchvision ViT-L/16: 24 encoder layers, 16 heads, D = 1024, 16×16 patches"),
    "torchvision.vit_l_32": ("vit", "vit_l_32", (224, 224, 3),
                           "torchvision ViT-L/32: 24 encoder layers, 16 heads, D = 1024, 32×32 patches"),
    "torchvision.vit_h_14": ("vit", "vit_h_14", (224, 224, 3),
                           "torchvision ViT-H/14: 32 encoder layers, 16 heads, D = 1280, 14×14 patches"),
    "torchvision.swin_t": ("swin", "swin_t", (224, 224, 3),
                         "torchvision Swin-T: 7×7 shifted window attention, blocks 2/2/6/2, C = 96, patch merging"),
    "torchvision.swin_s": ("swin", "swin_s", (224, 224, 3),
                         "torchvision Swin-S: 7×7 shifted window attention, blocks 2/2/18/2, C = 96, patch merging"),
    "torchvision.swin_b": ("swin", "swin_b", (224, 224, 3),
                         "torchvision Swin-B: 7×7 shifted window attention, blocks 2/2/18/2, C = 128, patch merging"),
    "torchvision.swin_v2_t": ("swin", "swin_v2_t", (256, 256, 3),
                            "torchvision Swin V2-T: 8×8 windows, cosine attention, continuous position bias, 2/2/6/2"),
    "torchvision.swin_v2_s": ("swin", "swin_v2_s", (256, 256, 3),
                            "torchvision Swin V2-S: 8×8 windows, cosine attention, continuous position bias, 2/2/18/2"),
    "torchvision.swin_v2_b": ("swin", "swin_v2_b", (256, 256, 3),
                            "torchvision Swin V2-B: 8×8 windows, cosine attention, continuous position bias, C = 128"),
    "torchvision.maxvit_t": ("maxvit", "maxvit_t", (224, 224, 3),
                           "torchvision MaxViT-T: MBConv with squeeze-excitation, 7×7 block and grid attention"),
    "torchvision.convnext_tiny": ("convnext", "convnext_tiny", (224, 224, 3),
                                "torchvision ConvNeXt-T: 7×7 depthwise, LayerNorm, 4× pointwise MLP, layer scale"),
    "torchvision.convnext_small": ("convnext", "convnext_small", (224, 224, 3),
                                "torchvision ConvNeXt-S: 7×7 depthwise, LayerNorm, 4× pointwise MLP, layer scale"),
    "torchvision.convnext_base": ("convnext", "convnext_base", (224, 224, 3),
                                "torchvision ConvNeXt-B: 7×7 depthwise, LayerNorm, 4× pointwise MLP, layer scale"),
    "torchvision.convnext_large": ("convnext", "convnext_large", (224, 224, 3),
                                "torchvision ConvNeXt-L: 7×7 depthwise, LayerNorm, 4× pointwise MLP, layer scale"),
    "torchvision.resnext50_32x4d": ("resnet", "tv_resnext50_32x4d", (224, 224, 3),
                                   "torchvision ResNeXt-50 32×4d: v1.5 bottlenecks, grouped 3×3 (cardinality 32)"),
    "torchvision.resnext101_32x8d": ("resnet", "tv_resnext101_32x8d", (224, 224, 3),
                                    "torchvision ResNeXt-101 32×8d: v1.5 bottlenecks, grouped 3×3 (cardinality 32)"),
    "torchvision.resnext101_64x4d": ("resnet", "tv_resnext101_64x4d", (224, 224, 3),
                                    "torchvision ResNeXt-101 64×4d: v1.5 bottlenecks, grouped 3×3 (cardinality 64)"),
    "torchvision.wide_resnet50_2": ("resnet", "tv_wide_resnet50_2", (224, 224, 3),
                                   "torchvision Wide ResNet-50-2: v1.5 bottlenecks, inner width ×2"),
    "torchvision.wide_resnet101_2": ("resnet", "tv_wide_resnet101_2", (224, 224, 3),
                                    "torchvision Wide ResNet-101-2: v1.5 bottlenecks, inner width ×2"),
    "torchvision.squeezenet1_0": ("squeezenet", "squeezenet1_0", (224, 224, 3),
                                 "torchvision SqueezeNet 1.0: Fire modules (squeeze 1×1, expand 1×1 and 3×3), conv classifier"),
    "torchvision.squeezenet1_1": ("squeezenet", "squeezenet1_1", (224, 224, 3),
                                 "torchvision SqueezeNet 1.1: 3×3 stem of 64, earlier pooling, 2.4× fewer MACs"),
    "torchvision.densenet121": ("densenet", "densenet121", (224, 224, 3),
                               "torchvision DenseNet-121: growth 32, blocks 6/12/24/16, BN-ReLU-conv layers concatenated"),
    "torchvision.densenet161": ("densenet", "densenet161", (224, 224, 3),
                               "torchvision DenseNet-161: growth 48, blocks 6/12/36/24, 96-channel stem"),
    "torchvision.densenet169": ("densenet", "densenet169", (224, 224, 3),
                               "torchvision DenseNet-169: growth 32, blocks 6/12/32/32"),
    "torchvision.densenet201": ("densenet", "densenet201", (224, 224, 3),
                               "torchvision DenseNet-201: growth 32, blocks 6/12/48/32"),
    "torchvision.shufflenet_v2_x0_5": ("shufflenet", "shufflenet_v2_x0_5", (224, 224, 3),
                                      "torchvision ShuffleNetV2 ×0.5: channel split, depthwise 3×3, concat, channel shuffle"),
    "torchvision.shufflenet_v2_x1_0": ("shufflenet", "shufflenet_v2_x1_0", (224, 224, 3),
                                      "torchvision ShuffleNetV2 ×1.0: channel split, depthwise 3×3, concat, channel shuffle"),
    "torchvision.shufflenet_v2_x1_5": ("shufflenet", "shufflenet_v2_x1_5", (224, 224, 3),
                                      "torchvision ShuffleNetV2 ×1.5: channel split, depthwise 3×3, concat, channel shuffle"),
    "torchvision.shufflenet_v2_x2_0": ("shufflenet", "shufflenet_v2_x2_0", (224, 224, 3),
                                      "torchvision ShuffleNetV2 ×2.0: channel split, depthwise 3×3, concat, channel shuffle"),
    "torchvision.mobilenet_v2": ("mobilenet", "mobilenet_v2", (224, 224, 3),
                                "torchvision MobileNetV2: inverted residuals (1×1 expand, depthwise 3×3, 1×1 linear), ReLU6"),
    "torchvision.mobilenet_v3_large": ("mobilenet", "mobilenet_v3_large", (224, 224, 3),
                                      "torchvision MobileNetV3-Large: inverted residuals, squeeze-excitation (hardsigmoid), hardswish"),
    "torchvision.mobilenet_v3_small": ("mobilenet", "mobilenet_v3_small", (224, 224, 3),
                                      "torchvision MobileNetV3-Small: inverted residuals, squeeze-excitation (hardsigmoid), hardswish"),
    "torchvision.mnasnet0_5": ("mnasnet", "mnasnet0_5", (224, 224, 3),
                              "torchvision MNASNet 0.5: NAS-found inverted residuals (3×3 and 5×5 depthwise)"),
    "torchvision.mnasnet0_75": ("mnasnet", "mnasnet0_75", (224, 224, 3),
                               "torchvision MNASNet 0.75: NAS-found inverted residuals (3×3 and 5×5 depthwise)"),
    "torchvision.mnasnet1_0": ("mnasnet", "mnasnet1_0", (224, 224, 3),
                              "torchvision MNASNet 1.0: NAS-found inverted residuals (3×3 and 5×5 depthwise)"),
    "torchvision.mnasnet1_3": ("mnasnet", "mnasnet1_3", (224, 224, 3),
                              "torchvision MNASNet 1.3: NAS-found inverted residuals (3×3 and 5×5 depthwise)"),
    "torchvision.efficientnet_b0": ("efficientnet", "efficientnet_b0", (224, 224, 3),
                                   "torchvision EfficientNet-B0: MBConv with squeeze-excitation, SiLU, stochastic depth"),
    "torchvision.efficientnet_b1": ("efficientnet", "efficientnet_b1", (240, 240, 3),
                                   "torchvision EfficientNet-B1: MBConv with squeeze-excitation, SiLU, stochastic depth"),
    "torchvision.efficientnet_b2": ("efficientnet", "efficientnet_b2", (288, 288, 3),
                                   "torchvision EfficientNet-B2: MBConv with squeeze-excitation, SiLU, stochastic depth"),
    "torchvision.efficientnet_b3": ("efficientnet", "efficientnet_b3", (300, 300, 3),
                                   "torchvision EfficientNet-B3: MBConv with squeeze-excitation, SiLU, stochastic depth"),
    "torchvision.efficientnet_b4": ("efficientnet", "efficientnet_b4", (380, 380, 3),
                                   "torchvision EfficientNet-B4: MBConv with squeeze-excitation, SiLU, stochastic depth"),
    "torchvision.efficientnet_b5": ("efficientnet", "efficientnet_b5", (456, 456, 3),
                                   "torchvision EfficientNet-B5: MBConv with squeeze-excitation, SiLU, stochastic depth"),
    "torchvision.efficientnet_b6": ("efficientnet", "efficientnet_b6", (528, 528, 3),
                                   "torchvision EfficientNet-B6: MBConv with squeeze-excitation, SiLU, stochastic depth"),
    "torchvision.efficientnet_b7": ("efficientnet", "efficientnet_b7", (600, 600, 3),
                                   "torchvision EfficientNet-B7: MBConv with squeeze-excitation, SiLU, stochastic depth"),
    "torchvision.efficientnet_v2_s": ("efficientnet", "efficientnet_v2_s", (384, 384, 3),
                                     "torchvision EfficientNetV2-S: Fused-MBConv then MBConv with squeeze-excitation, SiLU"),
    "torchvision.efficientnet_v2_m": ("efficientnet", "efficientnet_v2_m", (480, 480, 3),
                                     "torchvision EfficientNetV2-M: Fused-MBConv then MBConv with squeeze-excitation, SiLU"),
    "torchvision.efficientnet_v2_l": ("efficientnet", "efficientnet_v2_l", (480, 480, 3),
                                     "torchvision EfficientNetV2-L: Fused-MBConv then MBConv with squeeze-excitation, SiLU"),
    "torchvision.regnet_x_400mf": ("regnet", "regnet_x_400mf", (224, 224, 3),
                                  "torchvision RegNetX-400MF: residual bottlenecks with grouped 3×3 (group width), no SE"),
    "torchvision.regnet_x_800mf": ("regnet", "regnet_x_800mf", (224, 224, 3),
                                  "torchvision RegNetX-800MF: residual bottlenecks with grouped 3×3 (group width), no SE"),
    "torchvision.regnet_x_1_6gf": ("regnet", "regnet_x_1_6gf", (224, 224, 3),
                                  "torchvision RegNetX-6GF: residual bottlenecks with grouped 3×3 (group width), no SE"),
    "torchvision.regnet_x_3_2gf": ("regnet", "regnet_x_3_2gf", (224, 224, 3),
                                  "torchvision RegNetX-2GF: residual bottlenecks with grouped 3×3 (group width), no SE"),
    "torchvision.regnet_x_8gf": ("regnet", "regnet_x_8gf", (224, 224, 3),
                                "torchvision RegNetX-8GF: residual bottlenecks with grouped 3×3 (group width), no SE"),
    "torchvision.regnet_x_16gf": ("regnet", "regnet_x_16gf", (224, 224, 3),
                                 "torchvision RegNetX-16GF: residual bottlenecks with grouped 3×3 (group width), no SE"),
    "torchvision.regnet_x_32gf": ("regnet", "regnet_x_32gf", (224, 224, 3),
                                 "torchvision RegNetX-32GF: residual bottlenecks with grouped 3×3 (group width), no SE"),
    "torchvision.regnet_y_400mf": ("regnet", "regnet_y_400mf", (224, 224, 3),
                                  "torchvision RegNetY-400MF: residual bottlenecks with grouped 3×3 and squeeze-excitation"),
    "torchvision.regnet_y_800mf": ("regnet", "regnet_y_800mf", (224, 224, 3),
                                  "torchvision RegNetY-800MF: residual bottlenecks with grouped 3×3 and squeeze-excitation"),
    "torchvision.regnet_y_1_6gf": ("regnet", "regnet_y_1_6gf", (224, 224, 3),
                                  "torchvision RegNetY-1.6GF: residual bottlenecks with grouped 3×3 and squeeze-excitation"),
    "torchvision.regnet_y_3_2gf": ("regnet", "regnet_y_3_2gf", (224, 224, 3),
                                  "torchvision RegNetY-3.2GF: residual bottlenecks with grouped 3×3 and squeeze-excitation"),
    "torchvision.regnet_y_8gf": ("regnet", "regnet_y_8gf", (224, 224, 3),
                                "torchvision RegNetY-8GF: residual bottlenecks with grouped 3×3 and squeeze-excitation"),
    "torchvision.regnet_y_16gf": ("regnet", "regnet_y_16gf", (224, 224, 3),
                                 "torchvision RegNetY-16GF: residual bottlenecks with grouped 3×3 and squeeze-excitation"),
    "torchvision.regnet_y_32gf": ("regnet", "regnet_y_32gf", (224, 224, 3),
                                 "torchvision RegNetY-32GF: residual bottlenecks with grouped 3×3 and squeeze-excitation"),
    "torchvision.regnet_y_128gf": ("regnet", "regnet_y_128gf", (384, 384, 3),
                                  "torchvision RegNetY-128GF: residual bottlenecks with grouped 3×3 and squeeze-excitation"),
}

#: alias -> name
ALIASES = {
    "vgg11": "vgg-a",
    "vgg13": "vgg-b",
    "vgg16": "vgg-d",
    "vgg19": "vgg-e",
}


def names():
    """Every network name, in registry order (aliases not included)."""
    return list(ENTRIES)


def entry(name):
    """The registry entry of ``name`` (or of the network an alias points to)."""
    key = ALIASES.get(name, name)
    if key not in ENTRIES and isinstance(name, str):
        # names are case-insensitive: ResNet50, VGG16 and Alexnet are resnet50, vgg16 and alexnet
        folded = name.lower()
        key = ALIASES.get(folded, folded)
        if key not in ENTRIES:
            key = next((k for k in list(ENTRIES) + list(ALIASES) if k.lower() == folded), key)
            key = ALIASES.get(key, key)
    try:
        return key, ENTRIES[key]
    except KeyError:
        from ..suggest import closest

        raise UnknownModelError(
            f"unknown network{closest(name, list(ENTRIES) + list(ALIASES))} (`shapecalc list` shows them all)",
            name,
        ) from None


def get(name, **options):
    """Build zoo network ``name``; ``options`` (e.g. ``shortcut="A"``) go to its factory."""
    key, (module, factory, _, _) = entry(name)
    # __import__ with a fromlist returns the submodule itself (importlib would import warnings as well)
    build = getattr(__import__(f"{__name__}.{module}", fromlist=[factory]), factory)
    options = {k: v for k, v in options.items() if v is not None}
    if options:
        import inspect  # only here: importing inspect costs about a third of a bare interpreter's start-up

        accepted = inspect.signature(build).parameters
        for option in options:
            if option not in accepted:
                # (options of the views, given to the analysis: say where they go)
                where = {"depth": "s.table(depth=…)", "format": "s.table(format=…)",
                         "channels_first": "s.table(channels_first=…)"}.get(option)
                raise ConfigError(f"network {key} takes no option {option!r}"
                                  + (f": it is an option of the table, {where}" if where else ""), key)
    network = build(**options)
    if isinstance(name, str) and name.lower() in ALIASES:
        # the well-known name the user typed (vgg16), in the title and the JSON; the paper's configuration
        # (VGG configuration D, the zoo's vgg-d) stays in the description
        network.title = name.lower()
    return network
