"""The zoo's torchvision twins against the real torchvision modules, built on the ``meta`` device (no
memory, no arithmetic: even the 600 M-parameter networks cost nothing), and against torchvision's weight
metadata.

Use from a test module::

    from tests import tvreal

    tvreal.require_torchvision()
    assert tvreal.differences("mobilenet_v2") == []
"""

import json
import os
import pathlib

import pytest

import shapecalc

META = json.loads((pathlib.Path(__file__).resolve().parent / "data" / "torchvision_weights.json").read_text())


def require_torchvision():
    """Skip without torchvision; fail instead under SHAPECALC_REQUIRE_TORCHVISION=1 (CI installs it)."""
    try:
        import torch  # noqa: F401
        import torchvision  # noqa: F401
    except Exception as e:  # torchvision beside a mismatched torch raises RuntimeError, not ImportError
        if os.environ.get("SHAPECALC_REQUIRE_TORCHVISION") == "1":
            pytest.fail(f"torchvision is required (SHAPECALC_REQUIRE_TORCHVISION=1): {e}")
        pytest.skip(f"torchvision not installed: {e}")


def weights(name):
    """torchvision's weight entries of model ``name``: dicts of weights, num_params, gflops, crop_size."""
    return META["models"][name]


def gflops_match(macs, gflops):
    """torchvision's ``_ops`` is GMACs rounded to 3 decimals (and printed without trailing zeros)."""
    return round(macs / 1e9, 3) == float(gflops)


def real_model(name):
    """torchvision's model ``name`` (random-free: on the meta device), in eval mode."""
    import contextlib
    from unittest import mock

    import torch
    import torchvision.models as M

    patch = contextlib.nullcontext()
    if name.startswith("regnet"):
        # RegNet works its widths out with torch.arange(...).tolist(), which a meta tensor cannot give: that
        # arithmetic alone runs on the CPU
        from torchvision.models import regnet

        widths = regnet.BlockParams.from_init_params.__func__

        def on_cpu(cls, *args, **kwargs):
            with torch.device("cpu"):
                return widths(cls, *args, **kwargs)

        patch = mock.patch.object(regnet.BlockParams, "from_init_params", classmethod(on_cpu))
    with patch, torch.device("meta"):
        model = M.get_model(name, weights=None)
    return model.eval()


def real_outputs(model, size):
    """Output shapes of every module of ``model`` on a 1×3×size×size input: {path: [shape, …]}, one per call
    (torchvision's ResNets call one ReLU module three times in a block)."""
    import torch

    seen = {}
    handles = []
    for path, module in model.named_modules():
        def hook(_m, _i, out, path=path):
            if isinstance(out, (tuple, list)):
                out = out[0]
            if hasattr(out, "shape"):
                seen.setdefault(path, []).append(tuple(out.shape))
        handles.append(module.register_forward_hook(hook))
    with torch.no_grad():
        model(torch.zeros((1, 3, size, size), device="meta"))
    for h in handles:
        h.remove()
    return seen


def _as_ours(shape):
    """A torch output shape (batch first) as shapecalc's per-sample shape: N×C×H×W → (H, W, C)."""
    shape = tuple(int(d) for d in shape[1:])
    return (shape[1], shape[2], shape[0]) if len(shape) == 3 else shape


def _inside_a_layer(path, rows):
    """Whether a layer row stands for a module above ``path`` (nn.MultiheadAttention's ``out_proj`` is part
    of the attention layer's row, which counts its parameters)."""
    parts = path.split(".")
    return any(rows.get(".".join(parts[:i])) is not None and rows[".".join(parts[:i])].leaf
               for i in range(1, len(parts)))


def differences(name, size=None):
    """Every disagreement between ``torchvision.NAME`` in the zoo and torchvision's own module at input
    ``size`` (default: the zoo entry's): a list of strings, empty when they agree.

    - every module of torchvision that holds parameters or buffers of its own has a row at its path (names
      are the module paths users know), or a row at each of its parameters' qualified names (a ViT's
      ``class_token``, ``encoder.pos_embedding``);
    - every row at a torchvision module's path has that module's output shape and parameter count
      (recursive, so a block row is checked too) and its buffers;
    - the parameter total equals torchvision's (side heads included: torchvision builds aux heads too).
    """
    model = real_model(name)
    s = shapecalc.summary(f"torchvision.{name}", input=None if size is None else (size, size, 3))
    size = s.input_shape[0]
    outputs = real_outputs(model, size)
    modules = dict(model.named_modules())
    rows = {r.path: r for r in s.all_rows}
    problems = []
    for path, module in modules.items():
        own = list(module.parameters(recurse=False)) + list(module.buffers(recurse=False))
        if own and path not in rows and not _inside_a_layer(path, rows) and not all(
                (f"{path}.{name}" if path else name) in rows for name, _ in module.named_parameters(recurse=False)):
            problems.append(f"{path}: torchvision's {type(module).__name__} has no row")
        for name, p in module.named_parameters(recurse=False):
            # a parameter outside a layer module (a ViT's class_token, its encoder's pos_embedding) may also
            # have a row of its own, at its qualified name, with its size
            qualified = f"{path}.{name}" if path else name
            if qualified in rows and rows[qualified].params != p.numel():
                problems.append(f"{qualified}: params {rows[qualified].params:,}, torchvision {p.numel():,}")
    for path, row in rows.items():
        module = modules.get(path)
        if module is None or row.kind == "input":
            continue
        params = sum(p.numel() for p in module.parameters())
        buffers = sum(b.numel() for n, b in module.named_buffers() if not n.endswith("num_batches_tracked"))
        if params != row.params:
            problems.append(f"{path}: params {row.params:,}, torchvision {params:,}")
        if buffers != row.buffers:
            problems.append(f"{path}: buffers {row.buffers:,}, torchvision {buffers:,}")
        if path in outputs and not row.side_head:
            theirs = [_as_ours(shape) for shape in outputs[path]]
            ours = tuple(row.output_shape)
            # a channels-last module (ConvNeXt's Linear after a Permute) gives N×H×W×C: the same sizes
            if ours not in theirs and not (len(ours) == 3 and (ours[1], ours[2], ours[0]) in theirs):
                problems.append(f"{path}: output {ours}, torchvision {' or '.join(map(str, theirs))}")
    total = sum(p.numel() for p in model.parameters())
    ours = s.totals["params_with_side_heads"]
    if total != ours:
        problems.append(f"total params {ours:,}, torchvision {total:,}")
    return problems


def metadata_differences(name):
    """For every weights entry of ``name``: at its crop size, params equal ``num_params`` and MACs round to
    its GFLOPS. A list of strings, empty when all agree."""
    problems = []
    for entry in weights(name):
        size = entry["crop_size"]
        t = shapecalc.summary(f"torchvision.{name}", input=(size, size, 3)).totals
        params = t["params_with_side_heads"] if name == "inception_v3" else t["params"]
        if params != entry["num_params"]:
            problems.append(f"{entry['weights']}: params {params:,}, num_params {entry['num_params']:,}")
        if not gflops_match(t["macs"], entry["gflops"]):
            problems.append(f"{entry['weights']} at {size}: MACs {t['macs']:,}, GFLOPS {entry['gflops']}")
    return problems
