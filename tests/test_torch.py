"""shapecalc.torch: the PyTorch realisation of every layer kind and zoo network, and verify().

Tests that need torch skip when it is missing, and fail instead when SHAPECALC_REQUIRE_TORCH=1 (CI).
"""

import io
import json
import math
import os
import subprocess
import sys
import time

import pytest
from hypothesis import given, settings

from tests import published, strategies

from shapecalc import ConfigError, summary, zoo
from shapecalc.layers import (
    RBF, BatchNorm, ChannelPadShortcut, Conv2d, Flatten, GlobalAvgPool, Linear, MaxPool2d, Network, ReLU,
    ScaledTanh, SideHead, SparseConv2d, Subsampling,
)


def require_torch():
    """torch, with 2 threads; skip without it (fail under SHAPECALC_REQUIRE_TORCH=1)."""
    try:
        import torch
    except ImportError:
        if os.environ.get("SHAPECALC_REQUIRE_TORCH") == "1":
            pytest.fail("torch is required (SHAPECALC_REQUIRE_TORCH=1) but does not import")
        pytest.skip("torch is not installed")
    torch.set_num_threads(2)
    return torch


@pytest.fixture
def torch():
    return require_torch()


def one(layer, input_shape, **kw):
    """verify() of a one-layer network."""
    from shapecalc.torch import verify

    return verify(Network("one", [layer], input_shape), device="cpu", **kw)


# ---------------------------------------------------------------------------------------------------------
# the module


def test_import_does_not_import_torch():
    """Importing shapecalc.torch leaves torch unimported."""
    code = "import sys, shapecalc.torch; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_modules_are_named_by_row_paths(torch):
    """Every leaf row of Inception 3a is a submodule at its row path."""
    from shapecalc.torch import to_torch

    module = to_torch("inception-3a")
    s = summary("inception-3a")
    for row in s.rows:
        module.get_submodule(row.path)
    conv = module.get_submodule("inception3a.branch2.conv3x3")
    # 3×3 conv from the 96-channel reduction to 128 maps (GoogLeNet Table 1, 3a)
    assert tuple(conv.weight.shape) == (128, 96, 3, 3)


def test_layer_names_that_shadow_module_attributes(torch):
    """Layers named like nn.Module methods ("train", "type", "forward") are verified all the same."""
    net = Network("odd", [Conv2d(2, 3, name="train"), ReLU(name="type"), Flatten(name="forward"),
                          Linear(3, name="kind")], (5, 5, 1))
    r = one_network(net)
    assert r.ok and [row.path for row in r.rows] == ["input", "train", "type", "forward", "kind"]


def one_network(net):
    from shapecalc.torch import verify

    return verify(net, device="cpu")


def test_forward_gives_the_static_shape(torch):
    """to_torch(...)(zeros) has shapecalc's output shape, in NCHW."""
    from shapecalc.torch import to_torch

    module = to_torch("cnn-39x31").eval()
    with torch.no_grad():
        y = module(torch.zeros(2, 1, 39, 31))
    assert tuple(y.shape) == (2, 100)


def test_grouped_convolution(torch):
    """AlexNet conv2 (two GPUs: groups 2): weight 256 × 48 × 5 × 5, as shapecalc counts."""
    r = one(Conv2d(256, 5, padding=2, groups=2), (27, 27, 96))
    assert r.ok
    assert r.rows[1].torch_params == 5 * 5 * (96 // 2) * 256 + 256


def test_same_padding_with_stride_pads_asymmetrically(torch):
    """'same' with stride 2 on 8×8: pad 0 before, 1 after (explicit ZeroPad2d), output 4×4."""
    from shapecalc.torch import to_torch

    module = to_torch(Network("s", [Conv2d(8, 3, stride=2, padding="same", name="c")], (8, 8, 3)))
    padded = module.get_submodule("c")
    # (⌈8/2⌉ − 1)·2 + 3 − 8 = 1: nothing before, one row/column after; PyTorch order (left, right, top, bottom)
    assert tuple(padded.pad.padding) == (0, 1, 0, 1)
    r = one(Conv2d(8, 3, stride=2, padding="same"), (8, 8, 3))
    assert r.ok and r.rows[1].torch_shape == (4, 4, 8)


def test_same_max_pool_with_dilation(torch):
    """'same' max pooling wider than PyTorch's P ≤ F/2 is padded explicitly (with −inf)."""
    r = one(MaxPool2d(3, 1, padding="same", dilation=2), (5, 5, 2))
    assert r.ok and r.rows[1].torch_shape == (5, 5, 2)


def test_ceil_mode_pooling(torch):
    """Max pool 3/2 in ceil mode on 10×10: ⌈(10 − 3)/2⌉ + 1 = 5 (floor mode would give 4)."""
    r = one(MaxPool2d(3, 2, ceil_mode=True), (10, 10, 4))
    assert r.ok and r.rows[1].torch_shape == (5, 5, 4)


def test_subsampling_is_coefficient_times_sum_plus_bias(torch):
    """LeNet S2: 6 coefficients + 6 biases; output = coefficient · (sum of the 2×2 window) + bias."""
    from shapecalc.torch import to_torch

    module = to_torch(Network("s2", [Subsampling(2, name="s2")], (28, 28, 6))).eval()
    s2 = module.get_submodule("s2")
    assert sum(p.numel() for p in s2.parameters()) == published.LENET5_LAYERS["S2"]["params"]
    with torch.no_grad():
        s2.weight.fill_(2.0)
        s2.bias.fill_(1.0)
        y = module(torch.ones(1, 6, 28, 28))
    assert tuple(y.shape) == (1, 6, 14, 14)
    # 2 · (1 + 1 + 1 + 1) + 1
    assert torch.all(y == 2 * 4 + 1)


def test_sparse_connection_table(torch):
    """LeNet C3: exactly the paper's 1,516 parameters, and map j depends only on its table's input maps."""
    from shapecalc.torch import to_torch

    table = published.LENET5_C3_TABLE
    module = to_torch(Network("c3", [SparseConv2d(table, 5, name="c3")], (14, 14, 6))).eval()
    c3 = module.get_submodule("c3")
    assert sum(p.numel() for p in c3.parameters()) == published.LENET5_LAYERS["C3"]["params"]
    torch.manual_seed(0)
    for p in c3.parameters():
        torch.nn.init.normal_(p)
    x = torch.randn(1, 6, 14, 14)
    with torch.no_grad():
        base = module(x)
        for i in range(6):
            bumped = x.clone()
            bumped[:, i] += 1.0
            changed = (module(bumped) - base).abs().flatten(2).amax(2)[0] > 0
            assert [bool(c) for c in changed] == [i in row for row in table]


def test_rbf_has_fixed_parameters_and_computes_distances(torch):
    """LeNet output: 840 fixed centres (requires_grad False); y_i = Σ_j (x_j − w_ij)²."""
    from shapecalc.torch import to_torch

    module = to_torch(Network("rbf", [RBF(10, name="out")], (84,))).eval()
    rbf = module.get_submodule("out")
    assert rbf.weight.numel() == published.LENET5_LAYERS["OUTPUT"]["fixed_params"]
    assert not rbf.weight.requires_grad
    torch.manual_seed(1)
    with torch.no_grad():
        rbf.weight.copy_(torch.randn(10, 84))
        x = torch.randn(3, 84)
        y = module(x)
    expected = ((x[:, None, :] - rbf.weight[None]) ** 2).sum(-1)
    assert torch.allclose(y, expected, atol=1e-3)
    r = one(RBF(10), (84,))
    assert r.ok and (r.rows[1].torch_params, r.rows[1].torch_trainable) == (84 * 10, 0)


def test_scaled_tanh(torch):
    """ScaledTanh is 1.7159 · tanh(2x/3) (LeNet-5, Appendix A)."""
    from shapecalc.torch import to_torch

    module = to_torch(Network("t", [ScaledTanh()], (3,))).eval()
    with torch.no_grad():
        y = module(torch.tensor([[1.5, 0.0, -3.0]]))
    for got, x in zip(y[0].tolist(), (1.5, 0.0, -3.0)):
        assert got == pytest.approx(published.LENET5_TANH_A * math.tanh(2 * x / 3), rel=1e-5)


def test_side_heads_run_and_are_counted_apart(torch):
    """A side head runs in the forward pass (returned after the main output); its FLOPs are apart."""
    from shapecalc.torch import to_torch, verify

    net = Network("aux", [Conv2d(4, 3, name="conv"), SideHead(GlobalAvgPool(), Linear(3), name="aux"),
                          Flatten(), Linear(2)], (6, 6, 2))
    module = to_torch(net).eval()
    with torch.no_grad():
        main, side = module(torch.zeros(1, 2, 6, 6))
        assert (tuple(main.shape), tuple(side.shape)) == ((1, 2), (1, 3))
        module.run_side_heads = False
        assert tuple(module(torch.zeros(1, 2, 6, 6)).shape) == (1, 2)
    r = verify(net, device="cpu")
    assert r.ok
    # side head: dense 4 → 3, 2 FLOPs per MAC; main: conv 4·4·4·(3·3·2) MACs + dense 64 → 2
    assert r.totals["torch_side_head_flops"] == 2 * (4 * 3)
    assert r.totals["torch_flops"] == 2 * (4 * 4 * 4 * (3 * 3 * 2) + 64 * 2)


def test_channel_pad_shortcut(torch):
    """Option A shortcut: every 2nd position, channels 4 → 8 with zeros."""
    from shapecalc.torch import to_torch

    module = to_torch(Network("a", [ChannelPadShortcut(8, 2)], (8, 8, 4))).eval()
    x = torch.arange(4 * 8 * 8, dtype=torch.float32).reshape(1, 4, 8, 8)
    with torch.no_grad():
        y = module(x)
    assert tuple(y.shape) == (1, 8, 4, 4)
    assert torch.equal(y[:, :4], x[:, :, ::2, ::2])
    assert torch.count_nonzero(y[:, 4:]) == 0


@pytest.mark.parametrize("body", ["layers", "named block"])
def test_residual_block_computes_post_of_body_plus_shortcut(torch, body):
    """relu(relu(x) + x), with the body's layers as the block's own modules or as one named block."""
    from shapecalc.layers import Residual, Sequential
    from shapecalc.torch import to_torch

    inner = [ReLU()] if body == "layers" else Sequential(ReLU(), name="main")
    module = to_torch(Network("r", [Residual(inner, post=[ReLU()], name="res")], (4, 4, 2))).eval()
    module.get_submodule("res.relu1" if body == "layers" else "res.main.relu1")
    x = torch.arange(2 * 4 * 4, dtype=torch.float32).reshape(1, 2, 4, 4) - 16
    with torch.no_grad():
        assert torch.equal(module(x), torch.relu(torch.relu(x) + x))


def test_batchnorm_buffers(torch):
    """BatchNorm on 8 channels: 16 parameters (γ, β) and 16 buffers (running mean and variance)."""
    r = one(BatchNorm(), (4, 4, 8))
    row = r.rows[1]
    assert r.ok and (row.torch_params, row.torch_buffers) == (2 * 8, 2 * 8)
    r = one(BatchNorm(affine=False), (5,))
    assert r.ok and (r.rows[1].torch_params, r.rows[1].torch_buffers) == (0, 2 * 5)


def test_per_layer_flops(torch):
    """FlopCounterMode's tally inside conv1 of cnn-39x31 is 2 × 36·28·20·(4·4·1); nothing in the pools."""
    from shapecalc.torch import verify

    r = verify("cnn-39x31", device="cpu")
    by_path = {row.path: row for row in r.rows}
    assert by_path["conv1"].torch_flops == 2 * 36 * 28 * 20 * (4 * 4 * 1)
    assert by_path["pool1"].torch_flops == 0
    assert all(row.flops_ok for row in r.rows)


def test_no_bias(torch):
    """--no-bias: the modules have no biases, and the counts still agree (conv1: 4·4·1·20)."""
    from shapecalc.torch import to_torch, verify

    assert verify("cnn-39x31", device="cpu", no_bias=True).ok
    module = to_torch("cnn-39x31", no_bias=True)
    assert sum(p.numel() for p in module.get_submodule("conv1").parameters()) == 4 * 4 * 1 * 20


def test_batch_multiplies_flops(torch):
    """Batch 3: every shape is still per sample and the FLOPs triple."""
    from shapecalc.torch import verify

    one_sample = verify("inception-naive", device="cpu")
    three = verify("inception-naive", device="cpu", batch=3)
    assert three.ok and three.totals["torch_flops"] == 3 * one_sample.totals["torch_flops"]


def test_a_mismatch_shows_and_fails(torch, monkeypatch):
    """A differing count gives ✗, ok False, and exit status 1 from the command line."""
    import shapecalc.verify as st
    from shapecalc.cli import main

    report = st.verify("cnn-39x31", device="cpu")
    assert report.ok and "✗" not in report.table()
    report.rows[1].torch_params += 1
    assert not report.ok and report.mismatches == [report.rows[1].path]
    assert "✗" in report.table()
    monkeypatch.setattr(st, "verify", lambda *a, **k: report)
    assert main(["cnn-39x31", "--verify"], out=io.StringIO(), err=io.StringIO()) == 1


def test_cli_verify(torch):
    """`shapecalc lenet5 --verify --device cpu` prints all ✓ and exits 0."""
    from shapecalc.cli import main

    out = io.StringIO()
    assert main(["lenet5", "--verify", "--device", "cpu"], out=out, err=io.StringIO()) == 0
    text = out.getvalue()
    assert "all ✓" in text and "✗" not in text


def test_table_formats(torch):
    """verify tables: JSON parses, CSV has a header, tabulate formats work."""
    from shapecalc.torch import verify

    r = verify("single-5x5", device="cpu")
    data = json.loads(r.table(format="json"))
    assert data["ok"] and data["totals"]["flops"] == data["totals"]["torch_flops"]
    assert r.table(format="csv").splitlines()[0].startswith("layer,type")
    assert "|" in r.table(format="github")


def test_bad_device(torch):
    """An unknown device, or cuda without one, is a ConfigError naming --device."""
    from shapecalc.torch import verify

    with pytest.raises(ConfigError, match="--device"):
        verify("single-5x5", device="tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match="cuda"):
            verify("single-5x5", device="cuda")


def test_cuda_when_present(torch):
    """On a CUDA machine, the default device is cuda and everything agrees there too."""
    from shapecalc.torch import verify

    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    r = verify("googlenet")
    assert r.device == "cuda" and r.ok, r.table()


# ---------------------------------------------------------------------------------------------------------
# random architectures and the zoo


@settings(max_examples=300)
@given(strategies.networks())
def test_random_architectures_agree_with_pytorch(net):
    """Random valid networks: every layer's shape and parameters, and the FLOPs, equal PyTorch's."""
    require_torch()
    from shapecalc.torch import verify

    r = verify(net, device="cpu")
    assert r.ok, r.table()


ZOO_TIMES = {}


#: above this many MACs a zoo network is verified on the meta device (shapes, parameters and
#: FlopCounterMode's FLOPs, without the arithmetic: RegNetY-128GF's forward pass takes a minute on 2 cores)
CPU_MACS = 5 * 10**9


@pytest.mark.parametrize("name", zoo.names())
def test_zoo_network_verifies(name, torch):
    """Every zoo network at its default input: all ✓ on CPU (on meta for the largest)."""
    from shapecalc import summary
    from shapecalc.torch import verify

    start = time.perf_counter()
    r = verify(name, device="cpu" if summary(name).totals["macs"] < CPU_MACS else "meta")
    ZOO_TIMES[name] = time.perf_counter() - start
    assert r.ok, r.table()
