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
  :func:`explained` (e.g. torchvision's GoogLeNet calls ``F.relu``, which ptflops counts once, where
  shapecalc's realisation has an ``nn.ReLU`` module, which ptflops counts twice). When shapecalc changes its
  realisation or rules so that a pair agrees, move it from ``DIFFERENT`` to the equal pairs.

A representative subset, at least one network per torchvision family, the smallest of each (a bigger
sibling has the same layer kinds, only more or wider): AlexNet (not VGG: the same kinds, 7.6–19.6 GMACs),
GoogLeNet, Inception v3, ResNet-18, ResNeXt-50, SqueezeNet 1.1, DenseNet-121, ShuffleNetV2 ×0.5,
MobileNetV2, MobileNetV3-Small, MNASNet 0.5, EfficientNet-B0, EfficientNetV2-S, RegNetX/Y-400MF,
ConvNeXt-T, ViT-B/32, Swin-T, Swin-V2-T, MaxViT-T: 80 tests, about 30 s of CPU in all (one thread), each
network built and measured once; the first also pays for importing torchvision and the tools.

Skips without torch, torchvision or the tools; fails instead under SHAPECALC_REQUIRE_TORCHVISION=1.
"""

import contextlib
import functools
import io
import math
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

#: the pairs where the preset is not the tool's figure on torchvision's module, and why (see explained())
DIFFERENT = {
    # F.relu in BasicConv2d: ptflops counts its patched F.relu once, not the nn.ReLU hook + F.relu twice
    ("googlenet", "ptflops"): "functional relu",
    # the same, and the F.avg_pool2d / F.max_pool2d of the Mixed blocks
    ("inception_v3", "ptflops"): "functional relu and pools",
    # F.relu and F.adaptive_avg_pool2d after features.norm5
    ("densenet121", "ptflops"): "functional relu and pool",
    # F.adaptive_avg_pool2d in forward
    ("mobilenet_v2", "ptflops"): "functional pool",
    # x.mean([2, 3]): counted by neither fvcore nor ptflops
    ("mnasnet0_5", "fvcore"): "mean",
    ("mnasnet0_5", "ptflops"): "mean",
    ("shufflenet_v2_x0_5", "fvcore"): "mean",
    ("shufflenet_v2_x0_5", "ptflops"): "mean",
    # LayerNorm2d (a subclass of nn.LayerNorm: ptflops hooks exact types only)
    ("convnext_tiny", "ptflops"): "LayerNorm2d",
    # layer_scale is a parameter of CNBlock (not a leaf): torchinfo counts leaves only
    ("convnext_tiny", "torchinfo"): "layer scale",
    # nn.MultiheadAttention: fvcore and FlopCounterMode 0 (fast path), ptflops +N·D (Q scaling), torchinfo
    # 0 (not a leaf); class_token and pos_embedding are parameters of non-leaf modules (torchinfo)
    ("vit_b_32", "fvcore"): "attention",
    ("vit_b_32", "flopcounter"): "attention",
    ("vit_b_32", "ptflops"): "attention",
    ("vit_b_32", "torchinfo"): "attention, class token, position embedding",
    # shifted_window_attention calls F.linear with qkv.weight and proj.weight: the nn.Linear modules never
    # run, so ptflops misses the projections and torchinfo their parameters; V2 also computes Q·Kᵀ with the
    # @ operator, which ptflops does not patch (V1's q.matmul it does)
    ("swin_t", "ptflops"): "window attention projections",
    ("swin_t", "torchinfo"): "window attention projections",
    ("swin_v2_t", "ptflops"): "window attention projections and Q·Kᵀ",
    ("swin_v2_t", "torchinfo"): "window attention projections",
    # torch.einsum for Q·Kᵀ and A·V: ptflops does not patch it; fvcore counts it from numpy's einsum_path
    # report, printed to 4 significant digits
    ("maxvit_t", "fvcore"): "einsum rounded",
    ("maxvit_t", "ptflops"): "einsum",
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
    """What ``tool`` reports for ``module`` on a 1×C×H×W zeros input (``shape``: C, H, W), quietly."""
    import torch

    x = torch.zeros((1,) + shape)
    quiet = io.StringIO()
    with torch.no_grad(), warnings.catch_warnings(), contextlib.redirect_stdout(quiet), \
            contextlib.redirect_stderr(quiet):
        warnings.simplefilter("ignore")
        if tool == "fvcore":
            from fvcore.nn import FlopCountAnalysis

            analysis = FlopCountAnalysis(module, x)
            analysis.unsupported_ops_warnings(False).uncalled_modules_warnings(False).tracer_warnings("none")
            value = analysis.total()
        elif tool == "ptflops":
            from ptflops import get_model_complexity_info

            value, _ = get_model_complexity_info(module, shape, print_per_layer_stat=False, as_strings=False,
                                                 backend="pytorch")
        elif tool == "torchinfo":
            import torchinfo

            value = torchinfo.summary(module, input_data=x, verbose=0).total_mult_adds
        else:
            from torch.utils.flop_counter import FlopCounterMode

            counter = FlopCounterMode(display=False)
            with counter:
                module(x)
            value = counter.get_total_flops()
    assert value is not None, f"{tool} failed: {quiet.getvalue().strip()[-500:]}"
    return int(value)


#: per network, the rows that torchvision computes with a functional call or a tensor method in its forward
#: (no module of its own), where shapecalc's realisation has a module
FUNCTIONAL = {
    # BasicConv2d.forward: F.relu(self.bn(self.conv(x)), inplace=True)
    "googlenet": lambda r: r.kind == "relu",
    # the same, and the Mixed blocks' F.avg_pool2d(x, 3, 1, 1) and F.max_pool2d(x, 3, 2)
    "inception_v3": lambda r: r.kind == "relu" or (r.kind in ("avgpool", "maxpool")
                                                   and r.path.startswith("Mixed_")),
    # DenseNet.forward: F.relu(features), F.adaptive_avg_pool2d(out, (1, 1))
    "densenet121": lambda r: r.path in ("relu", "avgpool"),
    # MobileNetV2._forward_impl: nn.functional.adaptive_avg_pool2d(x, (1, 1))
    "mobilenet_v2": lambda r: r.path == "avgpool",
    # MNASNet.forward and ShuffleNetV2._forward_impl: x.mean([2, 3])
    "mnasnet0_5": lambda r: r.path == "mean",
    "shufflenet_v2_x0_5": lambda r: r.path == "globalpool",
}


@functools.lru_cache(maxsize=None)
def measured(name):
    """``(presets, tools, explained)`` of network ``name``: the four presets, the four tools' figures on
    torchvision's module, and :func:`explained`'s differences."""
    import torch
    import torchvision.models as M

    s = summary(f"torchvision.{name}")
    h, w, c = s.input_shape
    presets = {t: summary(f"torchvision.{name}", convention=PRESET[t]).totals["operations"] for t in TOOLS}
    torch.manual_seed(0)
    with warnings.catch_warnings():
        # GoogLeNet's and Inception v3's notice about their default weight initialisation
        warnings.simplefilter("ignore")
        model = M.get_model(name, weights=None).eval()
    tools = {t: _tool(t, model, (c, h, w)) for t in TOOLS}
    return presets, tools, explained(name, s, model)


def explained(name, s, model):
    """``{tool: preset − tool}`` as the reasons predict them, from summary ``s``'s rows and torchvision's
    ``model``: where torchvision's module differs from shapecalc's realisation (a functional call or a
    tensor method where the realisation has an nn.ReLU, nn.MaxPool2d … module; a subclass of nn.LayerNorm;
    nn.MultiheadAttention; a parameter of a non-leaf module)."""
    from torch import nn

    from shapecalc.conventions import in_numel

    modules = dict(model.named_modules())
    functional = FUNCTIONAL.get(name, lambda r: False)
    diff = dict.fromkeys(TOOLS, 0)
    for r in s.rows:
        if not r.leaf or r.side_head:
            continue
        module = modules.get(r.path)
        if functional(r):
            assert module is None, f"{r.path}: torchvision has a module there"
            if r.kind == "relu":
                # F.relu: ptflops's patched functional only (1 per output), no nn.ReLU hook (a second)
                diff["ptflops"] += r.activations
            elif r.kind in ("maxpool", "avgpool", "adaptiveavgpool"):
                # F.max_pool2d / F.avg_pool2d / F.adaptive_avg_pool2d: 1 per input, no module hook
                diff["ptflops"] += in_numel(r)
            elif r.kind == "gap":
                # x.mean([2, 3]): aten::mean has no fvcore handle, Tensor.mean no ptflops patch
                diff["fvcore"] += in_numel(r)
                diff["ptflops"] += 2 * in_numel(r)
        elif r.kind in ("layerscale", "classtoken", "posembed") and module is None:
            # a parameter of a module with children (CNBlock.layer_scale, VisionTransformer.class_token,
            # Encoder.pos_embedding): torchinfo counts leaf modules only
            diff["torchinfo"] += r.params * s.batch
        elif r.kind == "layernorm" and module is not None and type(module) is not nn.LayerNorm:
            # ConvNeXt's LayerNorm2d: ptflops looks hooks up by exact type, and does not patch F.layer_norm
            diff["ptflops"] += in_numel(r)
        elif r.kind == "attention" and isinstance(module, nn.MultiheadAttention):
            n, d = r.input_shape
            # eval + no_grad: the fast path, one aten::_native_multi_head_attention, which neither fvcore
            # nor FlopCounterMode counts (with grad enabled both would count the projections, 4·N·D², and
            # miss the 2·N²·D of scaled_dot_product_attention)
            diff["fvcore"] += r.macs
            diff["flopcounter"] += 2 * r.macs
            # ptflops's nn.MultiheadAttention hook also counts the scaling of Q: N·D more
            diff["ptflops"] -= n * d * s.batch
            # in_proj_weight/bias belong to the MultiheadAttention, which has a child (out_proj) and so is
            # no leaf; out_proj is never called as a module
            diff["torchinfo"] += r.params * s.batch
        elif r.kind in ("windowattention", "cosinewindowattention") and type(module).__name__.startswith(
                "ShiftedWindowAttention"):
            windows, n = r.layer.windows(r.input_shape)
            c = r.input_shape[2]
            bias = r.layer.bias and r.biases > 0
            # F.linear(x, self.qkv.weight, …) and F.linear(x, self.proj.weight, …): no Linear hook fires, and
            # ptflops does not patch F.linear: the 4·N·C² MACs (and 4·N·C bias additions) of every window
            diff["ptflops"] += windows * n * (4 * c * c + (4 * c if bias else 0)) * s.batch
            if r.kind == "cosinewindowattention":
                # V2: normalize(q) @ normalize(k).transpose(-2, -1), the operator: N²·C per window
                diff["ptflops"] += windows * n * n * c * s.batch
            # torchinfo: the Linear modules never run (no row of theirs), and the attention module has
            # children: the projections' parameters × (batch · windows) go uncounted
            diff["torchinfo"] += (4 * c * c + (4 * c if bias else 0)) * windows * s.batch
        elif r.kind == "relativeattention" and type(module).__name__ == "RelativePositionalMultiHeadAttention":
            groups, n, c = r.input_shape
            products = groups * n * n * c * s.batch  # MACs of each einsum, Q·Kᵀ and A·V
            # ptflops patches torch.matmul, not torch.einsum
            diff["ptflops"] += 2 * products
            # fvcore: einsum_flop_jit reads numpy's "Optimized FLOP count: %.3e" (2 per MAC), halves and floors
            diff["fvcore"] += 2 * (products - math.floor(float(f"{2 * products:.3e}") / 2))
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
