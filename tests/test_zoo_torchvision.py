"""The torchvision twins against torchvision 0.29's published weight metadata (num_params, _ops = GMACs).

Source of every figure: torchvision/models/{alexnet,vgg,googlenet,inception,resnet}.py, Weights enum
``IMAGENET1K_V1`` ``meta`` dicts, as collected in tests/published.py (TORCHVISION_META).
"""

import importlib.util
import pathlib

import pytest

from shapecalc import compare, summary
from shapecalc.errors import ConfigError

_spec = importlib.util.spec_from_file_location("zoo_published_tv", pathlib.Path(__file__).with_name("published.py"))
P = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(P)

# [TV] meta["num_params"] and meta["_ops"] (GFLOPS, really GMACs, eval mode: no aux heads)
TV = {
    "alexnet": (61100840, "0.714"),
    "vgg11": (132863336, "7.609"), "vgg11_bn": (132868840, "7.609"),
    "vgg13": (133047848, "11.308"), "vgg13_bn": (133053736, "11.308"),
    "vgg16": (138357544, "15.47"), "vgg16_bn": (138365992, "15.47"),
    "vgg19": (143667240, "19.632"), "vgg19_bn": (143678248, "19.632"),
    "googlenet": (6624904, "1.498"),       # the pretrained builder drops aux1/aux2
    "inception_v3": (27161264, "5.713"),   # the builder keeps AuxLogits: counted in num_params
    "resnet18": (11689512, "1.814"), "resnet34": (21797672, "3.664"), "resnet50": (25557032, "4.089"),
    "resnet101": (44549160, "7.801"), "resnet152": (60192808, "11.514"),
}


@pytest.mark.parametrize("name", list(TV))
def test_num_params(name):
    """Parameters equal torchvision's num_params exactly (inception_v3: with its AuxLogits side head)."""
    t = summary(f"torchvision.{name}").totals
    num_params = TV[name][0]
    assert num_params == P.TORCHVISION_META[name]["num_params"]
    got = t["params_with_side_heads"] if name == "inception_v3" else t["params"]
    assert got == num_params


@pytest.mark.parametrize("name", list(TV))
def test_gflops_metadata(name):
    """MACs (side heads excluded) round to torchvision's _ops at its printed precision."""
    ops = TV[name][1]
    macs = summary(f"torchvision.{name}").totals["macs"]
    decimals = len(ops.split(".")[1])
    assert f"{macs / 1e9:.{decimals}f}" == ops
    assert macs == P.TORCHVISION_MACS_DERIVED[name.replace("_bn", "")]


def test_default_inputs():
    """Default inputs are the weights' crop sizes: 224, and 299 for inception_v3 ([TV] crop_size)."""
    for name in TV:
        assert summary(f"torchvision.{name}").input_shape[:2] == (P.TORCHVISION_META[name]["crop_size"],) * 2


def test_googlenet_with_aux_heads():
    """With aux1/aux2 (training view) GoogLeNet has 13,004,888 params: 2 × (conv 1×1 → 128 + BN, fc 2048→1024,
    fc 1024→1000) on 512 and 528 channels."""
    t = summary("torchvision.googlenet").totals
    aux = lambda c: (c * 128 + 2 * 128) + (2048 * 1024 + 1024) + (1024 * 1000 + 1000)  # noqa: E731
    assert t["side_head_params"] == aux(512) + aux(528)
    assert t["params_with_side_heads"] == P.TORCHVISION_PARAMS_DERIVED["googlenet_with_aux"] == 13004888


def test_googlenet_branch3_is_3x3():
    """torchvision's "5×5" branch uses 3×3 kernels (pytorch/vision#906): 3a branch3 is 16 → 32 by 3·3."""
    s = summary("torchvision.googlenet")
    assert s["inception3a.branch3.1.conv"].params == 3 * 3 * 16 * 32
    assert s["maxpool1"].output_shape == (56, 56, 64)  # ceil mode: ⌈(112 − 3)/2⌉ + 1


def test_inception_v3_shapes_and_aux():
    """Inception v3 stage sizes 35/17/8 and channels 288/768/2048; AuxLogits has 3,326,696 params."""
    s = summary("torchvision.inception_v3")
    assert s["Mixed_5d"].output_shape == (35, 35, 288)
    assert s["Mixed_6e"].output_shape == (17, 17, 768)
    assert s["Mixed_7c"].output_shape == (8, 8, 2048)
    aux = (768 * 128 + 2 * 128) + (128 * 768 * 5 * 5 + 2 * 768) + (768 * 1000 + 1000)
    assert s.totals["side_head_params"] == aux == P.TORCHVISION_INCEPTION_V3["aux_params_derived"]


def test_torchvision_paths():
    """Rows carry torchvision's module paths (features.0, classifier.6, layer1.0 … downsample.0)."""
    assert summary("torchvision.vgg16")["classifier.6"].params == 4096 * 1000 + 1000
    assert summary("torchvision.alexnet")["features.0"].params == 64 * 11 * 11 * 3 + 64
    s = summary("torchvision.resnet50")
    assert s["layer1.0.downsample.0"].params == 64 * 256
    assert s["layer2.0.conv2"].layer.stride == (2, 2)  # v1.5: stride on the 3×3
    # the parameter-holding modules of torchvision's first Bottleneck, in its named_modules() order
    assert [r.path for r in s.rows if r.path.startswith("layer1.0.") and (r.params or r.buffers)] == [
        "layer1.0.conv1", "layer1.0.bn1", "layer1.0.conv2", "layer1.0.bn2", "layer1.0.conv3", "layer1.0.bn3",
        "layer1.0.downsample.0", "layer1.0.downsample.1",
    ]


def test_compare_paper_and_torchvision_resnet50():
    """Same parameters, v1.5 costs 4,089,184,256 − 3,857,973,248 more MACs ([TV] and published.py [DERIVED])."""
    c = compare("resnet50", "torchvision.resnet50")
    assert c.a.totals["params"] == c.b.totals["params"] == 25557032
    assert c.b.totals["macs"] - c.a.totals["macs"] == 4089184256 - P.RESNET_V1_MACS_DERIVED[50]


def test_torchvision_takes_no_shortcut_option():
    """--shortcut applies to the paper ResNets only."""
    with pytest.raises(ConfigError, match="shortcut"):
        summary("torchvision.resnet50", shortcut="A")
