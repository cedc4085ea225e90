"""The counting presets against the real tools run on torchvision's OWN modules (not on shapecalc's
realisation, which tests/test_conventions.py covers).

For each network below: ``torchvision.models.get_model(NAME, weights=None)`` built on the CPU, eval mode,
batch 1, a 1×3×H×W zeros input at the zoo entry's default size, under ``torch.no_grad()``; fvcore
(``FlopCountAnalysis.total()``), ptflops (``get_model_complexity_info``, pytorch backend), torchinfo
(``summary(...).total_mult_adds``) and ``torch.utils.flop_counter.FlopCounterMode`` run once each, quietly,
and are compared with ``summary("torchvision.NAME", convention=C).totals["operations"]``, C the tool's
preset (``flops`` for FlopCounterMode).

- ``test_preset_equals_the_tool_on_torchvisions_module``: every (network, tool) pair where the preset is
  exactly the tool's figure;
- ``test_known_difference``: every pair where it is not, pinned to its reason, worked out from the rows by
  :func:`explained` (ViT's nn.MultiheadAttention runs its fused fast path under ``no_grad``, which neither
  fvcore nor FlopCounterMode counts). When shapecalc changes its realisation or rules so that a pair agrees,
  move it from ``DIFFERENT`` to the equal pairs;
- ``test_twin_calls_its_layers_as_torchvision_does``: the twins say how torchvision's forward computes each
  layer where the tools see a difference — a bare functional (``F.relu``, ``F.avg_pool2d`` …) or ``x.mean``
  where the twin's layer has ``call="functional"`` or ``"mean"``, an nn module elsewhere; ConvNeXt's
  LayerNorm2d (a subclass of nn.LayerNorm, which ptflops does not hook) where ``channels_first=True``.

A representative subset, at least one network per torchvision family, the smallest of each (a bigger
sibling has the same layer kinds, only more or wider): AlexNet (not VGG: the same kinds, 7.6–19.6 GMACs),
GoogLeNet, Inception v3, ResNet-18, ResNeXt-50, SqueezeNet 1.1, DenseNet-121, ShuffleNetV2 ×0.5,
MobileNetV2, MobileNetV3-Small, MNASNet 0.5, EfficientNet-B0, EfficientNetV2-S, RegNetX/Y-400MF,
ConvNeXt-T, ViT-B/32, Swin-T, Swin-V2-T, MaxViT-T: 80 tool tests and 20 twin tests, about 30 s of CPU in
all (one thread), each network built and measured once; the first also pays for importing torchvision and
the tools.

Skips without torch, torchvision or the tools; fails instead under SHAPECALC_REQUIRE_TORCHVISION=1.
"""

import functools
import os
import warnings

import pytest

from shapecalc import summary

TOOLS = ("fvcore", "ptflops", "torchinfo", "flopcounter")
#: the convention that reproduces each tool
PRESET = {"fvcore": "fvcore", "ptflops": "ptflops", "torchinfo": "torchinfo", "flopcounter": "flops"}

NETWORKS = (
    "alexnet", "googlenet", "inception_v3", "resnet18", "resnext50_32x4d", "squeezenet1_1", "densenet121",
    "shufflenet_v2_x0_5", "mobilenet_v2", "mobilenet_v3_small", "mnasnet0_5", "efficientnet_b0",
    "efficientnet_v2_s", "regnet_x_400mf", "regnet_y_400mf", "convnext_tiny", "vit_b_32", "swin_t", "swin_v2_t",
    "maxvit_t",
)

#: the pairs where the preset is not the tool's figure on torchvision's module, and why (see explained()).
#: Agree since shapecalc's twins and realisation do what torchvision does (each was a difference before):
#: the bare F.relu / F.*pool* calls of GoogLeNet, Inception v3, DenseNet and MobileNetV2 (ptflops), the
#: x.mean([2, 3]) of MNASNet and ShuffleNetV2 (fvcore, ptflops), ConvNeXt's LayerNorm2d (ptflops) and
#: layer_scale (torchinfo), ViT's attention (ptflops, torchinfo) and class_token / pos_embedding
#: (torchinfo), Swin's F.linear projections and V2's @ (ptflops, torchinfo), MaxViT's torch.einsum (ptflops;
#: fvcore, which counts an einsum from numpy's FLOP figure printed to 4 significant digits)
DIFFERENT = {
    # nn.MultiheadAttention in eval mode under no_grad: its fused fast path, one
    # aten::_native_multi_head_attention, which neither fvcore nor FlopCounterMode counts
    ("vit_b_32", "fvcore"): "attention fast path",
    ("vit_b_32", "flopcounter"): "attention fast path",
}

EQUAL = [(n, t) for n in NETWORKS for t in TOOLS if (n, t) not in DIFFERENT]


def require_tools():
    """torch, torchvision and the counting tools; skip without them (fail instead under
    SHAPECALC_REQUIRE_TORCHVISION=1)."""
    try:
        import fvcore  # noqa: F401
        import ptflops  # noqa: F401
        import torch
        import torchinfo  # noqa: F401
        import torchvision  # noqa: F401
    except Exception as e:  # torchvision beside a mismatched torch raises RuntimeError, not ImportError
        if os.environ.get("SHAPECALC_REQUIRE_TORCHVISION") == "1":
            pytest.fail(f"torchvision and the counting tools are required (SHAPECALC_REQUIRE_TORCHVISION=1): "
                        f"{e}")
        pytest.skip(f"torchvision or the counting tools not installed: {e}")
    torch.set_num_threads(1)


def _tool(tool, module, shape):
    """What ``tool`` reports for ``module`` on a 1×C×H×W zeros input (``shape``: C, H, W), quietly, under
    no_grad (an inference measurement: nn.MultiheadAttention then takes its fused fast path)."""
    from shapecalc.torch import run_tool

    return run_tool(tool, module, shape)


#: per network, how torchvision's forward computes the rows that it computes without a module of their own:
#: a bare functional ("functional") or a tensor method ("mean"); None for a module (or a row of another kind)
FORWARD_CALLS = {
    # BasicConv2d.forward: F.relu(self.bn(self.conv(x)), inplace=True); InceptionAux.forward:
    # F.adaptive_avg_pool2d(x, (4, 4)) … F.relu(self.fc1(x))
    "googlenet": lambda r: "functional" if r.kind == "relu" or (r.kind == "adaptiveavgpool" and r.side_head)
    else None,
    # the same, the Mixed blocks' F.avg_pool2d(x, 3, 1, 1) and F.max_pool2d(x, 3, 2), and InceptionAux's
    # F.avg_pool2d(x, 5, 3) and F.adaptive_avg_pool2d(x, (1, 1))
    "inception_v3": lambda r: "functional" if r.kind == "relu" or (
        r.kind in ("avgpool", "maxpool", "adaptiveavgpool")
        and (r.path.startswith("Mixed_") or r.path.startswith("AuxLogits."))) else None,
    # DenseNet.forward: F.relu(features), F.adaptive_avg_pool2d(out, (1, 1))
    "densenet121": lambda r: "functional" if r.path in ("relu", "avgpool") else None,
    # MobileNetV2._forward_impl: nn.functional.adaptive_avg_pool2d(x, (1, 1))
    "mobilenet_v2": lambda r: "functional" if r.path == "avgpool" else None,
    # MNASNet.forward and ShuffleNetV2._forward_impl: x.mean([2, 3])
    "mnasnet0_5": lambda r: "mean" if r.path == "mean" else None,
    "shufflenet_v2_x0_5": lambda r: "mean" if r.path == "globalpool" else None,
}


@functools.lru_cache(maxsize=None)
def torchvision_model(name):
    """torchvision's model ``name``, built on the CPU (seed 0), in eval mode."""
    import torch
    import torchvision.models as M

    torch.manual_seed(0)
    with warnings.catch_warnings():
        # GoogLeNet's and Inception v3's notice about their default weight initialisation
        warnings.simplefilter("ignore")
        return M.get_model(name, weights=None).eval()


@functools.lru_cache(maxsize=None)
def measured(name):
    """``(presets, tools, explained)`` of network ``name``: the four presets, the four tools' figures on
    torchvision's module, and :func:`explained`'s differences."""
    s = summary(f"torchvision.{name}")
    h, w, c = s.input_shape
    presets = {t: summary(f"torchvision.{name}", convention=PRESET[t]).totals["operations"] for t in TOOLS}
    model = torchvision_model(name)
    tools = {t: _tool(t, model, (c, h, w)) for t in TOOLS}
    return presets, tools, explained(name, s, model)


def explained(name, s, model):
    """``{tool: preset − tool}`` as the reasons predict them, from summary ``s``'s rows and torchvision's
    ``model``: where torchvision's module computes what shapecalc's realisation cannot (nn.MultiheadAttention's
    fused fast path)."""
    from torch import nn

    modules = dict(model.named_modules())
    diff = dict.fromkeys(TOOLS, 0)
    for r in s.rows:
        if not r.leaf or r.side_head:
            continue
        module = modules.get(r.path)
        if r.kind == "attention" and isinstance(module, nn.MultiheadAttention):
            # eval + no_grad: the fast path, one aten::_native_multi_head_attention, which neither fvcore
            # nor FlopCounterMode counts (with grad enabled both would count the projections, 4·N·D², and
            # miss the 2·N²·D of scaled_dot_product_attention); ptflops counts it with a hook of its own on
            # nn.MultiheadAttention, and torchinfo not at all (a module with a child, out_proj, is no leaf):
            # the realisation gives both those figures
            diff["fvcore"] += r.macs
            diff["flopcounter"] += 2 * r.macs
    return diff


@pytest.mark.parametrize("name,tool", EQUAL, ids=[f"{n}-{t}" for n, t in EQUAL])
def test_preset_equals_the_tool_on_torchvisions_module(name, tool):
    """The preset is, number for number, what the tool reports on torchvision's own module."""
    require_tools()
    presets, tools, why = measured(name)
    assert presets[tool] == tools[tool]
    assert why[tool] == 0


@pytest.mark.parametrize("name,tool", sorted(DIFFERENT), ids=[f"{n}-{t}" for n, t in sorted(DIFFERENT)])
def test_known_difference(name, tool):
    """The preset differs from the tool on torchvision's module by exactly the reason given (a pair that
    now agrees belongs with the equal pairs: remove it from DIFFERENT)."""
    require_tools()
    presets, tools, why = measured(name)
    assert presets[tool] != tools[tool], f"{name}/{tool} now agrees: move it out of DIFFERENT"
    assert presets[tool] - tools[tool] == why[tool], DIFFERENT[name, tool]


@pytest.mark.parametrize("name", NETWORKS)
def test_twin_calls_its_layers_as_torchvision_does(name):
    """Where the tools tell a module from a functional, the twin says what torchvision's forward does: a
    layer with ``call="functional"`` or ``"mean"`` exactly where torchvision has no module and calls
    F.relu, F.*pool* or x.mean (side heads included); ``channels_first`` LayerNorms exactly at torchvision's
    LayerNorm2d (a subclass of nn.LayerNorm)."""
    require_tools()
    from torch import nn

    model = torchvision_model(name)
    modules = dict(model.named_modules())
    forward = FORWARD_CALLS.get(name, lambda r: None)
    for r in summary(f"torchvision.{name}").all_rows:
        if not r.leaf:
            continue
        module = modules.get(r.path)
        way = forward(r)
        if hasattr(r.layer, "call"):
            assert r.layer.call == (way or "module"), r.path
            if way is not None:
                assert module is None, f"{r.path}: torchvision has a module there"
            elif r.kind != "relu":
                # (a ResNet block calls one nn.ReLU module twice: its second ReLU row has no module of its own)
                assert module is not None, f"{r.path}: no torchvision module"
        else:
            assert way is None, r.path
        if r.kind == "layernorm":
            assert isinstance(module, nn.LayerNorm), r.path
            assert r.layer.channels_first == (type(module) is not nn.LayerNorm), r.path
