"""Training memory (shapecalc.memory): hand arithmetic, and PyTorch itself as the oracle.

The oracles: parameters, gradients, optimizer state and buffers are the ``nbytes`` of the tensors a real
``torch.optim`` step leaves; the activations kept for backward are the storages that
``torch.autograd.graph.saved_tensors_hooks`` sees during a training-mode forward pass, each once, the
module's own parameters and buffers apart — on torchvision's own modules where torchvision has them, and on
the realisation of ``shapecalc.torch`` for every kind and zoo network.

Skips without torch; fails instead under SHAPECALC_REQUIRE_TORCH=1 (CI).
"""

import json
import os

import pytest

from shapecalc import ConfigError, summary
from shapecalc.cli import main
from shapecalc.memory import OPTIMIZERS
from shapecalc.spec import parse_spec


def require(*modules):
    """Import ``modules`` (torch first); skip without them, fail under SHAPECALC_REQUIRE_TORCH=1."""
    import importlib

    try:
        found = [importlib.import_module(m) for m in modules]
    except Exception as e:  # torchvision beside a mismatched torch raises RuntimeError, not ImportError
        if os.environ.get("SHAPECALC_REQUIRE_TORCH") == "1":
            pytest.fail(f"{', '.join(modules)} required (SHAPECALC_REQUIRE_TORCH=1): {e}")
        pytest.skip(f"{', '.join(modules)} not installed: {e}")
    found[0].set_num_threads(2)
    return found[0] if len(found) == 1 else found


def torch_saved_bytes(module, x):
    """Bytes of the distinct storages autograd saves while ``module`` (in training mode) runs on ``x``,
    its own parameters and buffers apart."""
    import torch

    module.train()
    owned = {t.untyped_storage()._cdata for t in [*module.parameters(), *module.buffers()]}
    storages = {}

    def pack(t):
        storage = t.untyped_storage()
        if storage._cdata not in owned:
            storages[storage._cdata] = storage.nbytes()
        return t  # (the graph holds the tensor: no storage is freed, and reused, while the pass runs)

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        output = module(x)
    del output
    return sum(storages.values())


def realised(model, input=None, batch=2, meta=False, dtype="float32", **options):
    """shapecalc's summary of ``model``, its PyTorch realisation (shapecalc.torch; frozen rows'
    parameters without gradients) and a zeros input batch."""
    import torch

    from shapecalc.torch import to_torch, torch_shape

    s = summary(model, input, batch=batch, dtype=dtype, **options)
    if meta:
        with torch.device("meta"):
            module = to_torch(model, input, **options)
        module = module.to_empty(device="meta")
    else:
        module = to_torch(model, input, **options)
    module = module.to(getattr(torch, dtype))
    for r in s.rows:
        if r.frozen:
            module.get_submodule(r.path).requires_grad_(False)
    x = torch.zeros((batch,) + torch_shape(s.input_shape), dtype=getattr(torch, dtype),
                    device="meta" if meta else "cpu")
    return s, module, x


# ---------------------------------------------------------------------------------------------------------
# hand arithmetic (no torch)


def test_vgg16_training_bytes_by_hand():
    """VGG-16 at batch 1, float32, Adam: every part as a visible product."""
    m = summary("vgg16").memory("adam")
    params = 138_357_544  # Simonyan & Zisserman's D, torchvision's vgg16: 138,357,544
    assert m.parameter_bytes == params * 4
    assert m.gradient_bytes == params * 4
    # exp_avg and exp_avg_sq per parameter; a float32 step per tensor: 16 weight and 16 bias tensors
    assert m.optimizer_bytes == 2 * params * 4 + 32 * 4
    assert m.buffer_bytes == 0
    relu_outputs = 2 * 224 * 224 * 64 + 2 * 112 * 112 * 128 + 3 * 56 * 56 * 256 + 3 * 28 * 28 * 512 + 3 * 14 * 14 * 512
    pool_outputs = 112 * 112 * 64 + 56 * 56 * 128 + 28 * 28 * 256 + 14 * 14 * 512 + 7 * 7 * 512
    kept = (
        224 * 224 * 3 * 4          # the input batch, kept by conv1_1
        + relu_outputs * 4         # each ReLU keeps its output (and the next conv or pool reads that one)
        + pool_outputs * 4         # each pool's output, kept by the conv (or fc6) after it
        + pool_outputs * 8         # max pooling's argmax indices, int64
        + 4 * 4096 * 4             # relu6, drop6's output, relu7, drop7's output
        + 2 * 4096 * 1             # the dropout masks, bool on CUDA
        + 1000 * 4                 # the softmax keeps its output
    )
    assert m.saved_bytes == kept
    assert m.training_bytes == 4 * params * 4 + 32 * 4 + kept
    # the table's activations line: every layer's output (ReLU, flatten, dropout and softmax included)
    assert m.forward_elements == 28_677_072


def test_batch_scales_activations_not_parameters():
    one, eight = summary("alexnet").memory("sgd"), summary("alexnet", batch=8).memory("sgd")
    assert eight.parameter_bytes == one.parameter_bytes
    assert eight.saved_bytes == 8 * one.saved_bytes
    assert one.optimizer_bytes == 0


def test_dtype_and_device():
    """float16 halves every part; on the CPU a dropout keeps its noise at the dtype, on CUDA a bool mask."""
    s = summary("cnn-39x31")
    full, half = s.memory("momentum", dtype="float32"), s.memory("momentum", dtype="float16")
    assert (half.parameter_bytes, half.optimizer_bytes) == (full.parameter_bytes // 2, full.optimizer_bytes // 2)
    dropout = summary(parse_spec("input 10 | dense 6 | dropout 0.5"), batch=3)
    cuda, cpu = dropout.memory("sgd"), dropout.memory("sgd", device="cpu")
    # dense keeps the input batch (3 · 10 · 4 B); the mask is 3 · 6 elements
    assert cuda.saved_bytes == 3 * 10 * 4 + 3 * 6 * 1
    assert cpu.saved_bytes == 3 * 10 * 4 + 3 * 6 * 4


def test_frozen_layers_have_no_gradients_and_keep_less():
    """VGG-16 frozen up to block4: no gradients there, and autograd records nothing before block5."""
    m = summary("vgg16", freeze="block4").memory("adam")
    backbone = 1_792 + 36_928 + 73_856 + 147_584 + 295_168 + 2 * 590_080 + 1_180_160 + 2 * 2_359_808
    assert m.trainable_params == 138_357_544 - backbone
    assert m.gradient_bytes == (138_357_544 - backbone) * 4
    assert m.saved_bytes == (
        14 * 14 * 512 * 4              # pool4's output, kept by conv5_1 (trainable: its weights' gradient)
        + 3 * 14 * 14 * 512 * 4        # block5's ReLU outputs
        + 7 * 7 * 512 * (4 + 8)        # pool5's output (kept by fc6) and its indices
        + 4 * 4096 * 4 + 2 * 4096 + 1000 * 4  # the classifier, as in the full network
    )


def test_refusals():
    s = summary("cnn-39x31")
    with pytest.raises(ConfigError, match="unknown optimizer"):
        s.memory("lion")
    with pytest.raises(ConfigError, match="floating-point"):
        s.memory(dtype="int8")
    with pytest.raises(ConfigError, match="numeric input"):
        summary("cnn-39x31", input=("H", 31, 1)).memory()


def test_cli(capsys):
    assert main(["lenet5-full", "--memory", "--batch", "8", "--optimizer", "momentum"]) == 0
    text = capsys.readouterr().out
    assert "training total:" in text and "momentum" in text
    assert main(["lenet5-full", "--memory", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["training_bytes"] == (data["parameter_bytes"] + data["gradient_bytes"] + data["optimizer_bytes"]
                                      + data["buffer_bytes"] + data["saved_activation_bytes"])
    assert main(["lenet5-full", "--optimizer", "adam"]) == 2
    assert "applies with --memory only" in capsys.readouterr().err
    assert main(["lenet5-full", "--memory", "--dtype", "int8"]) == 2
    assert main(["lenet5-full", "--memory", "--rf"]) == 2


# ---------------------------------------------------------------------------------------------------------
# parameters, gradients, optimizer state and buffers: a real torch.optim step


BN_NET = ("input 12x10x3 | conv 8 k3 | batchnorm | relu | maxpool 2 | conv 16 k3 p1 nobias | batchnorm | relu "
          "| flatten | dense 10")
TORCH_OPTIMIZERS = {
    "sgd": lambda torch, p: torch.optim.SGD(p, lr=0.1),
    "momentum": lambda torch, p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
    "adam": lambda torch, p: torch.optim.Adam(p),
    "adamw": lambda torch, p: torch.optim.AdamW(p),
    "rmsprop": lambda torch, p: torch.optim.RMSprop(p),
    "adagrad": lambda torch, p: torch.optim.Adagrad(p),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_parameters_gradients_state_and_buffers_match_a_torch_step(optimizer, dtype):
    torch = require("torch")
    s, module, x = realised(parse_spec(BN_NET), batch=4, dtype=dtype, freeze="conv1")
    # the trainable parameters, as fine-tuning recipes pass them (Adam and SGD would skip the frozen ones,
    # gradient-less, by themselves; Adagrad makes its state for every parameter it is given, at once)
    opt = TORCH_OPTIMIZERS[optimizer](torch, [p for p in module.parameters() if p.requires_grad])
    module(x).sum().backward()
    opt.step()
    m = s.memory(optimizer)
    assert m.parameter_bytes == sum(p.nbytes for p in module.parameters())
    assert m.gradient_bytes == sum(p.grad.nbytes for p in module.parameters() if p.grad is not None)
    assert m.optimizer_bytes == sum(t.nbytes for state in opt.state.values() for t in state.values()
                                    if isinstance(t, torch.Tensor))
    assert m.buffer_bytes == sum(b.nbytes for b in module.buffers())


def test_lenet5_fixed_rbf_centres_have_no_state():
    torch = require("torch")
    s, module, x = realised("lenet5", batch=2)
    opt = torch.optim.Adam(module.parameters())
    module(x).sum().backward()
    opt.step()
    m = s.memory("adam")
    assert m.params - m.trainable_params == 84 * 10  # the RBF centres, fixed
    assert m.gradient_bytes == sum(p.grad.nbytes for p in module.parameters() if p.grad is not None)
    assert m.optimizer_bytes == sum(t.nbytes for state in opt.state.values() for t in state.values())


def test_torchinfo_params_size():
    """torchinfo's "Params size (MB)" for VGG-16 is these parameter bytes in decimal megabytes (553.43)."""
    torch, torchvision, torchinfo = require("torch", "torchvision", "torchinfo")
    with torch.device("meta"):
        module = torchvision.models.vgg16()
    stats = torchinfo.summary(module, input_size=(1, 3, 224, 224), device="meta", verbose=0)
    m = summary("torchvision.vgg16").memory()
    assert stats.total_param_bytes == m.parameter_bytes == 553_430_176
    # its "Forward/backward pass size": twice the outputs of the layers that hold parameters (13 convolutions
    # and 3 linear layers), whatever autograd keeps
    convs = 2 * 224 * 224 * 64 + 2 * 112 * 112 * 128 + 3 * 56 * 56 * 256 + 3 * 28 * 28 * 512 + 3 * 14 * 14 * 512
    assert stats.total_output_bytes == 2 * (convs + 4096 + 4096 + 1000) * 4 == 108_453_696


# ---------------------------------------------------------------------------------------------------------
# activations kept for backward: saved_tensors_hooks


def _kind_cases():
    from shapecalc.layers import KINDS

    cases = []
    for kind, cls in KINDS.items():
        head, _, rest = cls.example.partition(" | ")
        dims = head.split()[1].split("x")
        # as given (the input needs no gradient), and behind a trainable layer (its input needs one)
        front = {1: f"dense {dims[0]}", 2: f"conv1d {dims[-1]} k1", 3: f"conv {dims[-1]} k1",
                 4: f"conv3d {dims[-1]} k1"}[len(dims)]
        cases += [pytest.param(cls.example, id=f"{kind}"), pytest.param(f"{head} | {front} | {rest}", id=f"{kind}-grad")]
    return cases


@pytest.mark.parametrize("spec", _kind_cases())
def test_every_kind_keeps_what_torch_saves(spec):
    """Each kind's example, realised by shapecalc.torch and run on the CPU: the same bytes kept for
    backward; and after an Adam step, the same parameters, gradients, state and buffers."""
    torch = require("torch")
    s, module, x = realised(parse_spec(spec), batch=2)
    m = s.memory("adam", device="cpu")
    assert m.saved_bytes == torch_saved_bytes(module, x)
    trainable = [p for p in module.parameters() if p.requires_grad]
    if trainable:
        opt = torch.optim.Adam(trainable)
        y = module(x)
        sum(t.sum() for t in (y if isinstance(y, tuple) else (y,))).backward()
        opt.step()
        assert m.optimizer_bytes == sum(t.nbytes for state in opt.state.values() for t in state.values())
    assert m.parameter_bytes == sum(p.nbytes for p in module.parameters())
    assert m.gradient_bytes == sum(p.nbytes for p in trainable)
    assert m.buffer_bytes == sum(b.nbytes for b in module.buffers())


@pytest.mark.parametrize("name,options", [
    ("lenet5", {}), ("lenet5-full", {}), ("alexnet", {}), ("vgg16", {}), ("googlenet", {}), ("resnet50", {}),
    ("mobilenet-v1", {}), ("efficientnet-b0", {}), ("inception-3a", {}),
    ("vgg16", {"freeze": "block3"}), ("resnet18", {"freeze": "*.bn?"}), ("googlenet", {"freeze": "inception4c"}),
])
def test_zoo_networks_keep_what_torch_saves(name, options):
    """Zoo networks realised by shapecalc.torch, on the meta device (shapes only; its dropout is the CPU's)."""
    require("torch")
    s, module, x = realised(name, batch=2, meta=True, **options)
    assert s.memory(device="cpu").saved_bytes == torch_saved_bytes(module, x)


@pytest.mark.filterwarnings("ignore:The default weight initialization:FutureWarning")
@pytest.mark.parametrize("name", ["alexnet", "vgg16", "vgg16_bn", "resnet18", "resnet50", "googlenet",
                                  "inception_v3", "densenet121", "mobilenet_v2", "mobilenet_v3_large",
                                  "efficientnet_b0", "squeezenet1_1", "shufflenet_v2_x1_0", "convnext_tiny",
                                  "swin_t"])
def test_torchvision_modules_keep_what_the_estimate_says(name):
    """torchvision's own modules (in-place ReLUs, their own forward code), on the meta device."""
    torch, torchvision = require("torch", "torchvision")
    with torch.device("meta"):
        module = getattr(torchvision.models, name)()
    s = summary(f"torchvision.{name}", batch=2)
    h, w, c = s.input_shape
    assert s.memory(device="cpu").saved_bytes == torch_saved_bytes(module, torch.zeros(2, c, h, w, device="meta"))


def test_torchvision_vit_keeps_two_more_token_maps_per_block():
    """The one documented difference: nn.MultiheadAttention on PyTorch's unfused (math) attention keeps V
    as a view of the packed Q, K, V projection: 2 · N · n · D more per encoder block than the realisation
    (where V is a copy of its own)."""
    torch, torchvision = require("torch", "torchvision")
    with torch.device("meta"):
        module = torchvision.models.vit_b_16()
    m = summary("torchvision.vit_b_16", batch=2).memory(device="cpu")
    measured = torch_saved_bytes(module, torch.zeros(2, 3, 224, 224, device="meta"))
    assert measured - m.saved_bytes == 12 * 2 * 2 * 197 * 768 * 4  # blocks · 2 maps · N · tokens · D · 4 B


def test_half_precision_statistics():
    """At float16, BatchNorm keeps its batch statistics in float32 on CUDA (what the meta device computes,
    as CUDA does), and at the dtype (here bfloat16) on the CPU."""
    require("torch")
    s, module, x = realised("torchvision.resnet18", batch=2, meta=True, dtype="float16")
    assert s.memory(device="cuda").saved_bytes == torch_saved_bytes(module, x)
    s, module, x = realised(parse_spec(BN_NET), batch=2, dtype="bfloat16")
    assert s.memory(device="cpu").saved_bytes == torch_saved_bytes(module, x)


def test_cuda_dropout_keeps_a_bool_mask():
    """On CUDA nn.Dropout runs the fused native_dropout, whose backward keeps its bool mask: the op, run
    here on the CPU, keeps 1 byte an element — as the estimate counts for device="cuda"."""
    torch = require("torch")
    x = torch.zeros(3, 6, requires_grad=True).clone()
    sizes = []

    def pack(t):
        sizes.append((t.dtype, t.untyped_storage().nbytes()))
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        torch.native_dropout(x, 0.5, True)
    assert sizes == [(torch.bool, 3 * 6)]
    m = summary(parse_spec("input 6 | dense 6 | dropout 0.5"), batch=3).memory(device="cuda")
    assert m.saved_bytes == 3 * 6 * 4 + 3 * 6 * 1  # dense's input, then the mask
