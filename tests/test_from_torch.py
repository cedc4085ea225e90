"""A user's own PyTorch module, read statically (shapecalc.from_torch): every torchvision classification
network from its real module against its zoo twin and torchvision's metadata; user modules with functional
calls, unsupported modules (named, never zero), the register plug-in, tied and frozen weights, verify
against the module itself, and the command line's --python.
"""

import subprocess
import sys
import textwrap

import pytest

from tests import tvreal

import shapecalc
from shapecalc.errors import ConfigError
from shapecalc.zoo import ENTRIES

TWINS = sorted(name.split(".", 1)[1] for name in ENTRIES if name.startswith("torchvision."))


@pytest.fixture(autouse=True)
def _torch():
    tvreal.require_torchvision()


@pytest.mark.parametrize("name", TWINS)
def test_every_torchvision_network_imports_as_its_zoo_twin(name):
    """Imported from torchvision's own module (meta device): the same parameters, buffers and MACs as the
    zoo's hand-written twin at its input size, params = torchvision's ``num_params``, and no layer left
    without a rule."""
    twin = shapecalc.summary(f"torchvision.{name}")
    module = tvreal.real_model(name)
    s = shapecalc.summary(module, input=twin.input_shape)
    assert s.partial == []
    for key in ("params", "trainable_params", "buffers", "macs"):
        assert s.totals[key] == twin.totals[key], key
    # the auxiliary classifiers of GoogLeNet and Inception v3 do not run in eval mode: the import does not see
    # them, the twin reports them apart
    everything = s.totals["params"] + twin.totals["side_head_params"]
    assert everything == sum(p.numel() for p in module.parameters())
    published = {w["num_params"] for w in tvreal.weights(name)}
    assert s.totals["params"] in published or everything in published
    # the rows with parameters are the model's own modules, at the paths the user knows
    modules = dict(module.named_modules())
    leaves = [r.path for r in s.rows if r.params]
    assert leaves and all(p in modules or p.rpartition(".")[0] in modules for p in leaves), \
        [p for p in leaves if p not in modules and p.rpartition(".")[0] not in modules]


@pytest.mark.parametrize("name", ["resnet18", "densenet121", "inception_v3", "shufflenet_v2_x0_5", "vit_b_16",
                                  "swin_t", "maxvit_t", "convnext_tiny", "efficientnet_b0", "regnet_y_400mf"])
def test_verify_runs_against_the_users_own_module(name):
    """``verify`` of an import runs the original module (on its meta device: shapes and FLOPs, no memory),
    not a re-realisation: every layer's shape and parameters, and FlopCounterMode's total."""
    from shapecalc.torch import verify

    twin = shapecalc.summary(f"torchvision.{name}")
    s = shapecalc.summary(tvreal.real_model(name), input=twin.input_shape)
    report = verify(s.network)
    assert report.ok, report.mismatches
    assert "imported module itself" in report.model
    assert report.totals["torch_flops"] == 2 * twin.totals["macs"]


def _small():
    import torch
    from torch import nn
    import torch.nn.functional as F

    class Small(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3, padding=1)
            self.bn = nn.BatchNorm2d(8)
            self.branch = nn.Conv2d(8, 8, 1, bias=False)
            self.head = nn.Linear(16, 10)

        def forward(self, x):
            x = F.relu(self.bn(self.conv(x)))
            y = torch.cat([x, self.branch(x)], dim=1)  # concat: 16 channels
            y = F.max_pool2d(y, 2)
            return self.head(torch.flatten(y.mean((2, 3)), 1))

    return Small()


def test_a_users_module_with_functional_calls():
    s = shapecalc.summary(_small(), input=(32, 32, 3))
    assert s.partial == []
    # (torch.flatten of an N×C tensor from dim 1 changes nothing: no row)
    assert [r.path for r in s.rows] == ["input", "conv", "bn", "relu", "branch", "cat", "max_pool2d", "mean",
                                        "head"]
    assert s["cat"].output_shape == (32, 32, 16)
    assert s["max_pool2d"].output_shape == (16, 16, 16)
    # conv 3·3·3·8 + 8; BN γ, β 2·8 (+ 2·8 buffers); branch 1·1·8·8; head 16·10 + 10
    assert s.totals["params"] == 3 * 3 * 3 * 8 + 8 + 2 * 8 + 8 * 8 + 16 * 10 + 10
    assert s.totals["buffers"] == 2 * 8
    # MACs: conv 32·32·8·27, branch 32·32·8·8, head 16·10
    assert s.totals["macs"] == 32 * 32 * 8 * 27 + 32 * 32 * 8 * 8 + 16 * 10


def test_torchinfos_input_size_and_symbolic_sizes():
    module = _small()
    a = shapecalc.summary(module, input_size=(1, 3, 32, 32))
    assert a.input_shape == (32, 32, 3)
    sym = shapecalc.summary(module, input=("H", "W", 3))
    from shapecalc.symbolic import substitute

    assert substitute(sym, "H=32,W=32").totals["macs"] == a.totals["macs"]
    with pytest.raises(ConfigError, match="not both"):
        shapecalc.summary(module, input=(32, 32, 3), input_size=(1, 3, 32, 32))


def _odd():
    from torch import nn

    class Odd(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3)
            self.shuffle = nn.PixelShuffle(2)
            self.proj = nn.Conv2d(1, 2, 1)

        def forward(self, x):
            return self.proj(self.shuffle(self.conv(x)))

    return Odd()


def test_an_unsupported_module_is_named_never_zero():
    s = shapecalc.summary(_odd(), input=(10, 10, 3))
    assert [r.path for r in s.partial] == ["shuffle"]
    assert s["shuffle"].output_shape == (16, 16, 1)  # observed: (10 − 3 + 1) · 2, 4 channels / 2²
    assert "unsupported" in s.table() and "partial: 1 layer(s) without a rule (PixelShuffle)" in s.table()
    assert s.to_dict()["partial"] == ["shuffle"]
    # its output is known only at the traced size: elsewhere, a clear error naming it
    with pytest.raises(shapecalc.ShapeError, match="PixelShuffle.*known only at input 8×8×4"):
        shapecalc.summary(s.network, input=(12, 12, 3))


def test_register_describes_a_users_module_once():
    from torch import nn

    from shapecalc.layers import Conv2d, ReLU

    class ConvReLU(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3, padding=1)

        def forward(self, x):
            return self.conv(x).clamp(min=0)  # clamp: no rule of its own

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.block = ConvReLU()

        def forward(self, x):
            return self.block(x)

    assert shapecalc.summary(Net(), input=(8, 8, 3)).partial  # clamp() is named
    from shapecalc import from_torch

    try:
        shapecalc.register(ConvReLU, lambda m: [("conv", Conv2d(m.conv.out_channels, 3, padding=1)),
                                                ("relu", ReLU())])
        s = shapecalc.summary(Net(), input=(8, 8, 3))
    finally:
        from_torch.MODULES.pop(f"{ConvReLU.__module__}.{ConvReLU.__qualname__}")
    assert s.partial == []
    assert [r.path for r in s.rows] == ["input", "block.conv", "block.relu"]
    assert s.totals["params"] == 3 * 3 * 3 * 4 + 4


def test_tied_weights_count_once_and_frozen_ones_are_not_trainable():
    import torch
    from torch import nn

    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 3, 3, padding=1)
            self.fc = nn.Linear(3, 5)

        def forward(self, x):
            x = self.conv(self.conv(x))  # one module, called twice
            return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))

    m = Tied()
    m.fc.requires_grad_(False)
    s = shapecalc.summary(m, input=(8, 8, 3))
    assert s.totals["params"] == sum(p.numel() for p in m.parameters()) == 3 * 3 * 3 * 3 + 3 + 3 * 5 + 5
    assert s["conv_1"].params == 0 and "weights of conv" in s.table()
    assert s.totals["non_trainable_params"] == 3 * 5 + 5
    assert s["fc"].frozen
    # MACs count both calls: 2 · 8·8·3·27, and fc 3·5
    assert s.totals["macs"] == 2 * 8 * 8 * 3 * 27 + 3 * 5
    from shapecalc.torch import verify

    assert verify(s.network).ok


def test_a_module_fx_cannot_trace_is_one_clear_error():
    from torch import nn

    class Branchy(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 3, 1)

        def forward(self, x):
            if x.sum() > 0:  # control flow on values: fx cannot follow it
                return self.conv(x)
            return x

    with pytest.raises(ConfigError, match="torch.fx cannot trace Branchy"):
        shapecalc.summary(Branchy())


def _cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "shapecalc", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def test_python_option_takes_an_instance_a_class_or_a_function(tmp_path):
    (tmp_path / "mynets.py").write_text(textwrap.dedent("""
        import torchvision
        from torch import nn

        net = torchvision.models.squeezenet1_1()
        Cls = torchvision.models.SqueezeNet
        def make():
            return torchvision.models.squeezenet1_1()
        class Odd(nn.Module):
            def __init__(self):
                super().__init__()
                self.up = nn.PixelShuffle(2)
            def forward(self, x):
                return self.up(x)
        def broken():
            return 1 / 0
    """))
    out = {}
    for attr in ("net", "make"):
        r = _cli("--python", f"mynets.py:{attr}", "--input", "224x224x3", "--format", "json", cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        out[attr] = r.stdout
    assert out["net"].replace('"net"', '"make"', 1) == out["make"]
    assert '"params": 1235496' in out["net"]  # torchvision's num_params for squeezenet1_1
    r = _cli("--python", "mynets.py:Cls", "--input", "224x224x3", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "params: 1,248,424" in r.stdout  # SqueezeNet() is version 1.0: 1,248,424 (torchvision metadata)
    r = _cli("--python", "mynets.py:Odd", "--input", "4x4x12", cwd=tmp_path)
    assert r.returncode == 2 and "8×8×3" in r.stdout
    assert r.stderr.count("\n") == 1 and "partial: 1 layer(s) without a rule (PixelShuffle)" in r.stderr
    r = _cli("--python", "mynets.py:broken", cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert "your code (mynets.py:broken()) raised ZeroDivisionError at mynets.py:16" in r.stderr


def test_python_option_reports_the_users_syntax_error_as_theirs(tmp_path):
    (tmp_path / "bad.py").write_text("def f(:\n    pass\n")
    r = _cli("--python", "bad.py:f", cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert "your code (bad.py) raised SyntaxError at bad.py:1" in r.stderr
    assert "internal error" not in r.stderr


def test_verify_from_the_command_line_runs_the_users_module(tmp_path):
    (tmp_path / "nets.py").write_text("import torchvision\nnet = torchvision.models.resnet18()\n")
    r = _cli("--python", "nets.py:net", "--input", "64x64x3", "--verify", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "the imported module itself" in r.stdout and "all ✓" in r.stdout
