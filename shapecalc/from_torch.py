"""A user's own PyTorch module read as shapecalc's layers, without computing anything.

:func:`from_module` traces the module's forward with ``torch.fx`` (the modules shapecalc knows are leaves
of the trace; the others are traced through, so that their additions, concatenations and products are seen),
runs the traced graph on *fake* tensors (shapes only: no memory, no arithmetic, the parameters untouched,
on whatever device they are) and maps each module and each functional call to a layer kind. The graph then
becomes shapecalc's blocks (:mod:`shapecalc.graph`), named by the module paths the user knows
(``layer1.0.conv1``), and every view works on it: the table, symbolic sizes, valid input sizes, receptive
fields, ``verify`` against the user's own module.

What no rule describes is *named, never counted as zero*: an :class:`~shapecalc.layers.Unsupported` row that
holds the module's parameters and its observed output shape, and leaves the summary partial. A user describes
such a module once with :func:`register`.

Each import is checked against the module itself: the output shape shapecalc's rules give for every layer at
the traced input must equal the one the fake run observed, or the import is refused, naming the layer.
"""

import math
import operator

from .errors import ConfigError, ShapecalcError
from .graph import Node, to_network
from .layers import (
    AdaptiveAvgPool2d, AdaptiveMaxPool2d, Add, AvgPool1d, AvgPool2d, AvgPool3d, BatchNorm, ChannelShuffle, Chunk, ClassToken,
    Concat, Conv1d, Conv2d, Conv3d, CosineWindowAttention, Crop2d, Departition, Dropout, Flatten, GELU, GlobalAvgPool,
    GlobalMaxPool, GroupNorm, Hardsigmoid, Hardswish, Identity, Layer, LayerNorm, LayerScale, Linear, LocalResponseNorm,
    MaxPool1d, MaxPool2d, MaxPool3d, MultiheadAttention,
    Multiply, Partition, Permute, PointwiseLinear, PositionEmbedding, RelativeAttention, ReLU, ReLU6, SelectToken,
    Sigmoid, SiLU, Softmax, SpaceToDepth, StochasticDepth, SwapAxes, Tanh, Tokens, Unsupported, Upsample,
    WindowAttention, ZeroPad2d,
)
from .shapes import format_shape

__all__ = ["from_module", "module_network", "register", "input_shape"]


# ---------------------------------------------------------------------------------------------------------
# what a module or a call is, by its class or function name


#: module rules: ``rule(module, call) -> Layer | [(suffix, Layer), …] | None`` by the module's class, looked
#: up along its MRO by "module.qualname" and by bare class name (user registrations)
MODULES = {}
#: call rules: ``rule(call) -> Layer | None`` by the function's or method's name
CALLS = {}


class Call:
    """What a rule knows of one call: the module (or None), its arguments (fx nodes stand for tensors), the
    shapecalc shapes of its tensor inputs and of its output, and their layouts ("map" N×C×H×W, "last"
    N×H×W×C, "tokens", "vector")."""

    def __init__(self, node, module, args, kwargs, inputs, shape, forms, form):
        self.node, self.module, self.args, self.kwargs = node, module, args, kwargs
        self.inputs = inputs  # the input shapes (shapecalc), in order
        self.shape = shape  # the output shape (shapecalc)
        self.forms = forms  # the layouts of the tensor inputs
        self.form = form  # the output's layout

    def arg(self, i, key, default=None):
        if len(self.args) > i:
            return self.args[i]
        return self.kwargs.get(key, default)


def register(module_class, rule):
    """Describe a module class of your own for the importer, once: ``rule(module)`` returns a shapecalc layer
    (for example ``Conv2d(module.out_channels, 3, padding=1)``) or a list of ``(name, layer)`` pairs that
    stand for it in order. ``module_class``: the class itself or its name."""
    name = module_class if isinstance(module_class, str) else f"{module_class.__module__}.{module_class.__qualname__}"
    if not callable(rule):
        raise ConfigError(f"register expects a function of the module, received {rule!r}", "register")
    MODULES[name] = lambda m, call: rule(m)


def _module_rule(module):
    for cls in type(module).__mro__:
        for key in (f"{cls.__module__}.{cls.__qualname__}", cls.__qualname__):
            rule = MODULES.get(key)
            if rule is not None:
                return rule
        if cls.__module__.startswith("torch.nn.modules") and cls.__qualname__ in ("Module", "Sequential", "ModuleList"):
            break
    return None


def _rule_of(table, *names):
    """A decorator that files its function in ``table`` under each of ``names``."""
    def add(rule):
        for name in names:
            table[name] = rule
        return rule
    return add


def _modules(*names):
    return _rule_of(MODULES, *names)


def _calls(*names):
    return _rule_of(CALLS, *names)


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


# -- modules of torch.nn --

@_modules("torch.nn.modules.conv.Conv2d")
def _conv(m, call):
    if m.padding_mode != "zeros":
        return None
    padding = m.padding if isinstance(m.padding, str) else _pair(m.padding)
    return Conv2d(m.out_channels, _pair(m.kernel_size), stride=_pair(m.stride), padding=padding,
                  dilation=_pair(m.dilation), groups=m.groups, bias=m.bias is not None)


#: the layout a 1-D or 3-D layer reads: a sequence N×C×L, a volume N×C×D×H×W
_MAP_FORMS = {1: "sequence", 3: "volume"}


def _sizes(v, n):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


def _map_conv(n, cls):
    """The rule of nn.Conv1d or nn.Conv3d: shapecalc's ``cls`` over ``n`` axes."""
    def rule(m, call):
        if m.padding_mode != "zeros" or call.forms[0] != _MAP_FORMS[n]:
            return None
        return cls(m.out_channels, _sizes(m.kernel_size, n), stride=_sizes(m.stride, n),
                   padding=m.padding if isinstance(m.padding, str) else _sizes(m.padding, n),
                   dilation=_sizes(m.dilation, n), groups=m.groups, bias=m.bias is not None)
    return rule


def _map_pool(n, cls):
    """The rule of nn.MaxPool1d/3d or nn.AvgPool1d/3d: shapecalc's ``cls`` over ``n`` axes."""
    def rule(m, call):
        if getattr(m, "return_indices", False) or getattr(m, "divisor_override", None) is not None or \
                call.forms[0] != _MAP_FORMS[n]:
            return None
        window = (_sizes(m.kernel_size, n), _sizes(m.stride or m.kernel_size, n), _sizes(m.padding, n))
        if hasattr(m, "count_include_pad"):
            return cls(*window, m.ceil_mode, m.count_include_pad)
        return cls(*window, ceil_mode=m.ceil_mode, dilation=_sizes(m.dilation, n))
    return rule


_modules("torch.nn.modules.conv.Conv1d")(_map_conv(1, Conv1d))
_modules("torch.nn.modules.conv.Conv3d")(_map_conv(3, Conv3d))
_modules("torch.nn.modules.pooling.MaxPool1d")(_map_pool(1, MaxPool1d))
_modules("torch.nn.modules.pooling.MaxPool3d")(_map_pool(3, MaxPool3d))
_modules("torch.nn.modules.pooling.AvgPool1d")(_map_pool(1, AvgPool1d))
_modules("torch.nn.modules.pooling.AvgPool3d")(_map_pool(3, AvgPool3d))


@_modules("torch.nn.modules.pooling.AdaptiveAvgPool3d", "torch.nn.modules.pooling.AdaptiveMaxPool3d")
def _adaptive3d(m, call):
    # to one cell: a global pool over D×H×W, the volume kept (1×1×1×C) as the module keeps it
    if call.forms[0] != "volume" or _sizes(m.output_size, 3) != (1, 1, 1) or getattr(m, "return_indices", False):
        return None
    return (GlobalMaxPool if "Max" in type(m).__name__ else GlobalAvgPool)(keepdims=True)


@_modules("torch.nn.modules.linear.Linear")
def _linear(m, call):
    bias = m.bias is not None
    if call.forms[0] == "sequence":
        return None  # (over N×C×L PyTorch's Linear mixes the positions L: no kind of shapecalc's)
    return Linear(m.out_features, bias=bias) if call.forms[0] == "vector" else PointwiseLinear(m.out_features, bias)


@_modules("torch.nn.modules.batchnorm.BatchNorm2d", "torch.nn.modules.batchnorm.BatchNorm1d",
          "torch.nn.modules.batchnorm.BatchNorm3d")
def _batchnorm(m, call):
    if not m.track_running_stats or call.forms[0] not in ("map", "vector", "volume", "sequence"):
        return None
    return BatchNorm(eps=m.eps, momentum=m.momentum if m.momentum is not None else 0.1, affine=m.affine)


@_modules("torch.nn.modules.normalization.LayerNorm")
def _layernorm(m, call):
    if len(m.normalized_shape) != 1 or (m.elementwise_affine and getattr(m, "bias", True) is None):
        return None
    return LayerNorm(eps=m.eps, affine=m.elementwise_affine)


@_modules("torchvision.models.convnext.LayerNorm2d")
def _layernorm2d(m, call):
    return LayerNorm(eps=m.eps, affine=m.elementwise_affine, channels_first=True)


@_modules("torch.nn.modules.normalization.GroupNorm")
def _groupnorm(m, call):
    return GroupNorm(m.num_groups, eps=m.eps, affine=m.affine)


@_modules("torch.nn.modules.normalization.LocalResponseNorm")
def _lrn(m, call):
    return LocalResponseNorm(m.size, m.alpha, m.beta, m.k)


@_modules("torch.nn.modules.pooling.MaxPool2d")
def _maxpool(m, call):
    if m.return_indices:
        return None
    return MaxPool2d(_pair(m.kernel_size), _pair(m.stride), _pair(m.padding), ceil_mode=m.ceil_mode,
                     dilation=_pair(m.dilation))


@_modules("torch.nn.modules.pooling.AvgPool2d")
def _avgpool(m, call):
    if m.divisor_override is not None:
        return None
    return AvgPool2d(_pair(m.kernel_size), _pair(m.stride), _pair(m.padding), m.ceil_mode, m.count_include_pad)


def _adaptive(cls, size, call="module"):
    if size is None or (isinstance(size, (tuple, list)) and None in size):
        return None
    return cls(tuple(size) if isinstance(size, (tuple, list)) else size, call=call)


@_modules("torch.nn.modules.pooling.AdaptiveAvgPool2d")
def _adaptive_avg(m, call):
    return _adaptive(AdaptiveAvgPool2d, m.output_size)


@_modules("torch.nn.modules.pooling.AdaptiveMaxPool2d")
def _adaptive_max(m, call):
    return None if m.return_indices else _adaptive(AdaptiveMaxPool2d, m.output_size)


@_modules("torch.nn.modules.padding.ZeroPad2d")
def _zeropad(m, call):
    left, right, top, bottom = m.padding
    sides = (left, right, top, bottom)
    if all(p >= 0 for p in sides):
        return ZeroPad2d(((top, bottom), (left, right)))
    if all(p <= 0 for p in sides):
        return Crop2d(((-top, -bottom), (-left, -right)))  # (negative padding crops)
    return None


@_modules("torch.nn.modules.flatten.Flatten")
def _flatten(m, call):
    return Flatten() if m.start_dim == 1 and m.end_dim == -1 and call.forms[0] in ("map", "volume", "sequence") else None


def _simple(cls):
    return lambda m, call: cls()


for _name, _cls in [("activation.ReLU", ReLU), ("activation.ReLU6", ReLU6), ("activation.Hardswish", Hardswish),
                    ("activation.Hardsigmoid", Hardsigmoid), ("activation.SiLU", SiLU),
                    ("activation.Sigmoid", Sigmoid), ("activation.Tanh", Tanh), ("linear.Identity", Identity)]:
    MODULES[f"torch.nn.modules.{_name}"] = _simple(_cls)


@_modules("torch.nn.modules.activation.GELU")
def _gelu(m, call):
    return GELU() if m.approximate == "none" else None


@_modules("torch.nn.modules.activation.Softmax")
def _softmax(m, call):
    return Softmax() if call.forms[0] == "vector" and m.dim in (1, -1, None) else None


@_modules("torch.nn.modules.dropout.Dropout", "torch.nn.modules.dropout.Dropout2d")
def _dropout(m, call):
    return Dropout(m.p)


def _upsample(call, mode, align_corners):
    """Upsampling by whole factors (read off the sizes), nearest or bilinear without align_corners."""
    if mode not in ("nearest", "bilinear") or align_corners or call.forms[0] != "map":
        return None
    (h, w, c), (oh, ow, oc) = call.inputs[0], call.shape
    if oc != c or oh % h or ow % w:
        return None
    return Upsample(scale=(oh // h, ow // w), mode=mode)


@_modules("torch.nn.modules.upsampling.Upsample")
def _upsample_module(m, call):
    return _upsample(call, m.mode, m.align_corners)


@_calls("interpolate", "upsample")
def _f_interpolate(call):
    return _upsample(call, call.arg(3, "mode", "nearest"), call.arg(4, "align_corners"))


@_modules("torch.nn.modules.channelshuffle.ChannelShuffle")
def _shuffle(m, call):
    return ChannelShuffle(m.groups)


@_modules("torch.nn.modules.activation.MultiheadAttention")
def _mha(m, call):
    if not m.batch_first or not m._qkv_same_embed_dim or m.bias_k is not None or call.forms[0] != "tokens":
        return None
    inputs = [a for a in call.args[:3]]
    if len(inputs) < 3 or len(set(inputs)) != 1:  # self-attention only: query = key = value
        return None
    return MultiheadAttention(m.num_heads, bias=m.in_proj_bias is not None)


# -- torchvision's modules that shapecalc's kinds describe as a whole --

@_modules("torchvision.ops.stochastic_depth.StochasticDepth")
def _stochastic_depth(m, call):
    return StochasticDepth(m.p, m.mode)


@_modules("torchvision.ops.misc.Permute")
def _permute_module(m, call):
    return Permute(tuple(m.dims))


@_modules("torchvision.models.swin_transformer.ShiftedWindowAttention")
def _window_attention(m, call):
    return WindowAttention(m.num_heads, tuple(m.window_size), tuple(m.shift_size), m.qkv.bias is not None)


@_modules("torchvision.models.swin_transformer.ShiftedWindowAttentionV2")
def _cosine_window_attention(m, call):
    hidden = m.cpb_mlp[0].out_features
    return CosineWindowAttention(m.num_heads, tuple(m.window_size), tuple(m.shift_size), m.qkv.bias is not None,
                                 hidden)


@_modules("torchvision.models.swin_transformer.PatchMerging")
def _patch_merging(m, call):
    return [("gather", SpaceToDepth(2)), ("norm", LayerNorm(eps=m.norm.eps, affine=m.norm.elementwise_affine)),
            ("reduction", PointwiseLinear(m.reduction.out_features, m.reduction.bias is not None))]


@_modules("torchvision.models.swin_transformer.PatchMergingV2")
def _patch_merging_v2(m, call):
    return [("gather", SpaceToDepth(2)), ("reduction", PointwiseLinear(m.reduction.out_features,
                                                                       m.reduction.bias is not None)),
            ("norm", LayerNorm(eps=m.norm.eps, affine=m.norm.elementwise_affine))]


@_modules("torchvision.models.maxvit.WindowPartition")
def _partition(m, call):
    p = call.arg(1, "p")
    if not isinstance(p, int):
        return None
    # torchvision's p is the block size (window) or the number of cells along an axis (grid): the grid
    # partition's groups are the p² cells
    h, w, c = call.inputs[0]
    groups, tokens = call.shape[0], call.shape[1]
    if tokens == p * p:
        return Partition(p, grid=False)
    return Partition(h // p, grid=True) if groups == p * p else None


@_modules("torchvision.models.maxvit.WindowDepartition")
def _departition(m, call):
    return Departition()


@_modules("torchvision.models.maxvit.SwapAxes")
def _swapaxes(m, call):
    return SwapAxes() if (m.a, m.b) in ((-2, -3), (-3, -2), (1, 2), (2, 1)) else None


@_modules("torchvision.models.maxvit.RelativePositionalMultiHeadAttention")
def _relative_attention(m, call):
    return RelativeAttention(m.head_dim, m.size, m.to_qkv.bias is not None)


# -- functional calls and tensor methods --

@_calls("relu", "relu_")
def _f_relu(call):
    return ReLU(call="functional")


for _name, _cls in [("relu6", ReLU6), ("hardswish", Hardswish), ("hardsigmoid", Hardsigmoid), ("silu", SiLU),
                    ("sigmoid", Sigmoid), ("tanh", Tanh)]:
    CALLS[_name] = (lambda cls: lambda call: cls())(_cls)


@_calls("gelu")
def _f_gelu(call):
    return GELU() if call.kwargs.get("approximate", "none") == "none" else None


@_calls("softmax")
def _f_softmax(call):
    return Softmax() if call.forms[0] == "vector" else None


@_calls("dropout")
def _f_dropout(call):
    return Dropout(call.arg(1, "p", 0.5))


@_calls("stochastic_depth")
def _f_stochastic_depth(call):
    return StochasticDepth(call.arg(1, "p"), call.arg(2, "mode"))


@_calls("adaptive_avg_pool2d")
def _f_adaptive_avg(call):
    return _adaptive(AdaptiveAvgPool2d, call.arg(1, "output_size"), call="functional")


@_calls("adaptive_max_pool2d")
def _f_adaptive_max(call):
    return _adaptive(AdaptiveMaxPool2d, call.arg(1, "output_size"), call="functional")


@_calls("max_pool2d")
def _f_max_pool(call):
    k = call.arg(1, "kernel_size")
    s = call.arg(2, "stride") or k
    return MaxPool2d(_pair(k), _pair(s), _pair(call.arg(3, "padding", 0)), ceil_mode=call.arg(5, "ceil_mode", False),
                     dilation=_pair(call.arg(4, "dilation", 1)), call="functional")


@_calls("avg_pool2d")
def _f_avg_pool(call):
    k = call.arg(1, "kernel_size")
    s = call.arg(2, "stride") or k
    if call.arg(6, "divisor_override") is not None:
        return None
    return AvgPool2d(_pair(k), _pair(s), _pair(call.arg(3, "padding", 0)), call.arg(4, "ceil_mode", False),
                     call.arg(5, "count_include_pad", True), call="functional")


@_calls("mean")
def _f_mean(call):
    dims = call.arg(1, "dim")
    keep = call.arg(2, "keepdim", False)
    if call.forms[0] == "map" and isinstance(dims, (tuple, list)) and sorted(d % 4 for d in dims) == [2, 3]:
        return GlobalAvgPool(keepdims=keep, call="mean")
    return None


# ---------------------------------------------------------------------------------------------------------
# layouts: shapecalc's shapes from the traced tensors' sizes


def _shape(size, form):
    """shapecalc's shape of a tensor of ``size`` (batch first) in layout ``form``."""
    size = tuple(int(d) for d in size)
    if form == "map":
        return (size[2], size[3], size[1])
    if form in ("volume", "sequence"):
        return size[2:] + size[1:2]  # N×C×D×H×W → (D, H, W, C); N×C×L → (L, C)
    return size[1:]


def _default_form(size, before=None):
    rank = len(size)
    if rank == 4:
        return before if before in ("map", "last") else "map"
    if rank == 3 and before == "sequence":
        return "sequence"
    return {5: "volume", 3: "tokens", 2: "vector"}.get(rank)


#: the element-wise merges and concatenations, by function or method name
_ARITH = {"add": "add", "add_": "add", "iadd": "add", "__add__": "add", "__radd__": "add",
          "mul": "mul", "mul_": "mul", "imul": "mul", "__mul__": "mul", "__rmul__": "mul",
          "cat": "cat", "concat": "cat", "concatenate": "cat"}
#: the changes of layout, read by what they do to the sizes
_LAYOUT = ("view", "reshape", "permute", "transpose", "flatten", "swapaxes")


def _holds_tensor(value):
    return _is_tensor(value) or (isinstance(value, (tuple, list)) and any(_is_tensor(v) for v in value))


def _is_tensor(value):
    import torch

    return isinstance(value, torch.Tensor)


# ---------------------------------------------------------------------------------------------------------
# the import


def input_shape(input):
    """(H, W, C), (N, D) or (N,) from shapecalc's order or from torchinfo's ``(1, 3, 224, 224)`` (batch first,
    channels before the map): a 4-tuple is read as torchinfo's, and a 5-tuple as torchinfo's volume
    ``(1, C, D, H, W)``."""
    input = tuple(input)
    if len(input) == 4:
        return (input[2], input[3], input[1])
    if len(input) == 5:
        return input[2:] + input[1:2]
    return input


def _torch_input(shape):
    if len(shape) in (3, 4) and not isinstance(shape[-1], str):
        return (1, shape[-1]) + tuple(shape[:-1])  # N×C×H×W, N×C×D×H×W
    return (1,) + tuple(shape)


class _Traced:
    """A traced forward: the module and the graph (no GraphModule: its generated code is not needed)."""

    def __init__(self, root, graph):
        self.root, self.graph = root, graph

    def named_modules(self):
        return self.root.named_modules()

    def graph_module(self):
        import torch.fx

        return torch.fx.GraphModule(self.root, self.graph)


class _Tracer:
    """fx tracing with shapecalc's known modules as leaves."""

    def __init__(self):
        import torch.fx

        class Tracer(torch.fx.Tracer):
            def is_leaf_module(self, m, qualname):
                return _module_rule(m) is not None or super().is_leaf_module(m, qualname)

        self.tracer = Tracer()

    def trace(self, module):
        graph = self.tracer.trace(module)
        return _Traced(self.tracer.root, graph)


def from_module(module, input=(224, 224, 3), title=None):
    """The :class:`~shapecalc.layers.Network` of a PyTorch ``module`` on ``input`` ((H, W, C), tokens (N, D),
    a vector (N,), or torchinfo's ``(1, C, H, W)`` or ``(1, C, D, H, W)``)."""
    return module_network(module, input_shape(input), title)


def module_network(module, shape, title=None):
    """:func:`from_module` on ``shape`` in shapecalc's order, as given ((D, H, W, C) is a volume here, never
    torchinfo's (1, C, H, W)): what ``--input`` and ``summary(module, "16x112x112x3")`` mean."""
    import torch

    if not isinstance(module, torch.nn.Module):
        raise ConfigError(f"expected a torch.nn.Module, received {type(module).__name__}", "module")
    shape = tuple(shape)
    if any(not isinstance(d, int) or isinstance(d, bool) or d < 1 for d in shape):
        raise ConfigError(f"a PyTorch module is read at whole-number sizes, received {format_shape(shape)} "
                          "(analyse the imported network symbolically afterwards)", "input")
    title = title or type(module).__name__
    was_training = module.training
    if was_training:
        module.eval()
    try:
        try:
            gm = _Tracer().trace(module)
        except ShapecalcError:
            raise
        except Exception as e:  # torch.fx's TraceError, or the user's forward failing on a Proxy
            raise ConfigError(f"torch.fx cannot trace {title}: {type(e).__name__}: {_clip(str(e))} (write the "
                              "module that fails as a leaf with shapecalc.register)", title) from None
        inputs = [n for n in gm.graph.nodes if n.op == "placeholder" and not n.args]
        if len(inputs) > 1:
            raise ConfigError(f"{title}'s forward takes {len(inputs)} inputs ({', '.join(n.target for n in inputs)}): "
                              "shapecalc analyses a network of one input", title)
        input_form = None
        try:
            _propagate(gm, _torch_input(shape), title)
        except ConfigError:
            if len(shape) != 2:
                raise
            # two sizes: tokens N×D (as a transformer reads them), else a sequence that PyTorch's 1-D layers
            # read channels first, N×C×L
            try:
                _propagate(gm, (1, shape[1], shape[0]), title)
            except ConfigError:
                pass
            else:
                input_form = "sequence"
            if input_form is None:
                raise
        converter = _Converter(gm, title, input_form)
        nodes, observed = converter.convert()
    finally:
        if was_training:
            module.train()
    network = to_network(nodes, title, shape, source=f"imported from the PyTorch module {type(module).__name__}")
    for old, new in network.renamed.items():
        observed[new] = observed.pop(old)
    observed["input"] = shape
    _check_shapes(network, shape, observed, title)
    #: the user's module itself, for verify(); the output shapes the traced run gave, by row path; the layout
    #: its input is read in ("sequence": N×C×L)
    network.imported_module = module
    network.input_form = input_form
    network.observed_shapes = observed
    #: the rows whose parameters the module has frozen (requires_grad=False)
    network.frozen_paths = {network.renamed.get(p, p) for p in converter.frozen}
    #: the modules the forward calls more than once (their rows share one module's FLOP tally)
    network.repeated_modules = {p for p, n in converter.calls.items() if n > 1}
    return network


def _clip(text, n=160):
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _propagate(gm, size, title):
    """Every node's value as a tensor without data (``node.meta["val"]``): the module's forward on shapes
    only. The parameters are swapped for ``meta`` tensors for the run (the user's module is left as it was);
    where an operation has no meta kernel, fake tensors (slower) stand in."""
    import torch

    try:
        _meta_run(gm, size)
        return
    except ShapecalcError:
        raise
    except Exception:
        pass
    from torch._subclasses.fake_tensor import FakeTensorMode
    from torch.fx.passes.fake_tensor_prop import FakeTensorProp

    device = next((p.device for p in gm.root.parameters()), torch.device("cpu"))
    gm = gm.graph_module()
    mode = FakeTensorMode(allow_non_fake_inputs=True)
    with mode:
        x = torch.empty(size, device=device)
    try:
        FakeTensorProp(gm, mode).propagate(x)
    except ShapecalcError:
        raise
    except Exception as e:
        raise ConfigError(f"{title} does not run on input {tuple(size)} (N×C×H×W): {type(e).__name__}: "
                          f"{_clip(str(e))}", title) from None


def _meta_run(gm, size):
    import itertools

    import torch
    import torch.fx

    nn = torch.nn
    # modules whose output is their input's shape: not run (BatchNorm on meta tensors goes through slow
    # decompositions), but a BatchNorm's channels are checked as its own forward would
    same = (nn.ReLU, nn.ReLU6, nn.SiLU, nn.GELU, nn.Hardswish, nn.Hardsigmoid, nn.Sigmoid, nn.Tanh, nn.Dropout,
            nn.Identity)

    binary = {operator.add, operator.mul, operator.iadd, operator.imul, torch.add, torch.mul}

    class Recorder(torch.fx.Interpreter):
        def run_node(self, n):
            value = super().run_node(n)
            n.meta["val"] = value
            return value

        def call_function(self, target, args, kwargs):
            # an element-wise sum or product of two tensors: the broadcast of their shapes (meta tensors'
            # element-wise kernels go through Python reference implementations, slowly)
            if target in binary and len(args) == 2 and not kwargs and all(isinstance(a, torch.Tensor) for a in args):
                a, b = args
                if a.dtype == b.dtype and a.device == b.device:
                    return torch.empty(torch.broadcast_shapes(a.shape, b.shape), dtype=a.dtype, device=a.device)
            return super().call_function(target, args, kwargs)

        def call_module(self, target, args, kwargs):
            m = self.fetch_attr(target)
            x = args[0] if args else None
            if type(m) in same and not kwargs and len(args) == 1:
                return x
            if type(m) in (nn.BatchNorm2d, nn.BatchNorm1d) and len(args) == 1 and x.dim() in (2, 4) \
                    and x.shape[1] == m.num_features:
                return x
            return super().call_module(target, args, kwargs)

    class Run(torch.nn.Module):
        def __init__(self, root, graph):
            super().__init__()
            self.root = root
            self.graph = graph

        def forward(self, x):
            return Recorder(self.root, graph=self.graph).run(x)

    runner = Run(gm.root, gm.graph)
    state = {name: torch.empty_like(t, device="meta") for name, t in itertools.chain(
        runner.named_parameters(remove_duplicate=False), runner.named_buffers(remove_duplicate=False))}
    with torch.no_grad():
        torch.func.functional_call(runner, state, (torch.empty(size, device="meta"),), tie_weights=False)


class _Converter:
    def __init__(self, gm, title, input_form=None):
        self.gm = gm
        self.title = title
        self.input_form = input_form  # "sequence" where the module reads a sequence as N×C×L
        self.modules = dict(gm.named_modules())
        self.nodes = []  # shapecalc graph nodes
        self.names = {}  # fx node → the shapecalc node name that holds its value
        self.forms = {}  # fx node → layout
        self.consts = {}  # fx node → the parameter numel it derives from (parameters, buffers, their views)
        self.tuples = {}  # fx node → ("chunk", parts, source) for tuple-valued calls
        self.taken = set()
        self.dependent = set()  # the fx nodes computed from the input
        self.params_seen = {}  # id(parameter) → the row that counts it
        self.frozen = set()  # the rows whose parameters are all frozen
        self.cats = []  # (the names of a channel concatenation's inputs, its fx node)
        self.origins = {}  # fx node half-way through a layout pattern → where the pattern started
        self.calls = {}  # module path → times called
        self.observed = {}  # shapecalc node name → shape observed on the fake run

    # -- naming --
    def _unique(self, name):
        base, n = name, 1
        while name in self.taken:
            name = f"{base}_{n}"
            n += 1
        self.taken.add(name)
        return name

    def _scope(self, node):
        stack = node.meta.get("nn_module_stack") or {}
        if not stack:
            return ""
        last = list(stack.keys())[-1]
        return last.split("@")[0]

    def _func_name(self, node):
        scope = self._scope(node)
        base = node.target if isinstance(node.target, str) else getattr(node.target, "__name__", "op")
        base = base.strip("_") or "op"
        return self._unique(f"{scope}.{base}" if scope else base)

    # -- values --
    def _val(self, node):
        return node.meta.get("val")

    def _tensor_inputs(self, node):
        out = []
        for a in node.all_input_nodes:
            if a in self.names and a not in out:
                out.append(a)
        return out

    def add(self, name, layer, inputs, node, form=None):
        self.nodes.append(Node(name, layer, tuple(self.names[i] for i in inputs)))
        val = self._val(node)
        form = form or self._form(layer, inputs, val.shape)
        self.names[node] = name
        self.forms[node] = form
        self.observed[name] = _shape(val.shape, form)
        return name

    def _form(self, layer, inputs, size):
        """The layout of a layer's output: a 4-D tensor is N×C×H×W or N×H×W×C (a permute, a partition), as the
        layer's own rule says (the reading of the tensor that equals what the rule gives)."""
        before = self.forms.get(inputs[0]) if inputs else None
        if len(size) == 4 and before in ("map", "last") and not layer.merges and not layer.uncounted:
            from .analysis import NumericContext

            x = _shape(self._val(inputs[0]).shape, before)
            try:
                y = tuple(layer.infer(x, NumericContext(), "") if not layer.passes else x)
            except Exception:
                y = None
            for form in (before, "last" if before == "map" else "map"):
                if _shape(size, form) == y:
                    return form
        return _default_form(size, before)

    def alias(self, node, source, form=None):
        self.names[node] = self.names[source]
        self.forms[node] = form or self.forms[source]
        if source in self.origins:
            self.origins[node] = self.origins[source]

    def convert(self):
        output = None
        for node in self.gm.graph.nodes:
            if node.op == "placeholder":
                val = self._val(node)
                if not _is_tensor(val) or self.nodes:
                    continue
                form = self.input_form or _default_form(val.shape)
                self.nodes.append(Node("input", None, ()))
                self.taken.add("input")
                self.names[node], self.forms[node] = "input", form
                self.dependent.add(node)
            elif node.op == "get_attr":
                val = self._val(node)
                if _is_tensor(val):
                    self.consts[node] = val.numel()
            elif node.op == "output":
                output = self._output(node.args[0])
            else:
                self._call(node)
        if output is None:
            raise ConfigError(f"{self.title}'s forward returns no tensor computed from its input", self.title)
        return self.nodes, self.observed

    def _output(self, value):
        if isinstance(value, (tuple, list)):
            for v in value:
                found = self._output(v)
                if found is not None:
                    return found
            return None
        if isinstance(value, dict):
            return self._output(list(value.values()))
        if hasattr(value, "op") and value in self.names:
            # the output is the last node: move it to the end where a side value came after it
            name = self.names[value]
            i = next(k for k, n in enumerate(self.nodes) if n.name == name)
            if i != len(self.nodes) - 1:
                raise ConfigError(f"{self.title}'s output {name} is not its last layer: shapecalc reads one output",
                                  self.title)
            return name
        return None

    def _call(self, node):
        val = self._val(node)
        inputs = self._tensor_inputs(node)
        const_inputs = [a for a in node.all_input_nodes if a in self.consts]
        if any(a in self.dependent and _holds_tensor(self._val(a)) for a in node.all_input_nodes):
            # (through tensors: a size read off the input, x.shape[0], carries no data)
            self.dependent.add(node)
        if not inputs:
            if node in self.dependent and (_is_tensor(val) or isinstance(val, (tuple, list))):
                # computed from the input, but from nothing this import follows: never dropped silently
                raise ConfigError(f"{self._scope(node) or self.title}: cannot follow {node.format_node()}",
                                  self.title)
            if const_inputs and _is_tensor(val):
                self.consts[node] = max(self.consts[a] for a in const_inputs)
            return  # shape arithmetic, assertions, constants: not layers
        if node.op == "call_function" and node.target is operator.getitem:
            return self._getitem(node, inputs)
        if isinstance(val, (tuple, list)) and any(_is_tensor(v) for v in val):
            return self._tuple(node, inputs)
        if not _is_tensor(val):
            return  # x.size(), x.dim(), …
        if node.op == "call_module":
            return self._module(node, inputs)
        name = node.target if isinstance(node.target, str) else getattr(node.target, "__name__", "")
        if name in ("contiguous", "clone", "detach", "float", "to", "type_as"):
            return self.alias(node, inputs[0])
        op = _ARITH.get(name)
        if op is not None:
            return self._arith(node, op, inputs, const_inputs)
        if name in _LAYOUT:
            return self._layout(node, inputs, name.strip("_"))
        rule = CALLS.get(name)
        call = self._make_call(node, None, inputs)
        layer = rule(call) if rule is not None else None
        if layer is None:
            layer = self._unsupported(f"{name}()", call)
        self.add(self._func_name(node), layer, inputs, node)

    def _make_call(self, node, module, inputs):
        val = self._val(node)
        forms = [self.forms[i] for i in inputs]
        inshapes = [_shape(self._val(i).shape, self.forms[i]) if _is_tensor(self._val(i)) else None for i in inputs]
        form = _default_form(val.shape, forms[0]) if _is_tensor(val) else None
        shape = _shape(val.shape, form) if _is_tensor(val) and form else None
        return Call(node, module, node.args, node.kwargs, inshapes, shape, forms, form)

    def _unsupported(self, what, call, module=None):
        weights = buffers = 0
        if module is not None:
            weights = sum(p.numel() for p in module.parameters())
            buffers = sum(b.numel() for b in module.buffers())
        return Unsupported(what, call.shape, weights, buffers, at=call.inputs[0] if call.inputs else None)

    def _module(self, node, inputs):
        path = node.target
        module = self.modules[path]
        n = self.calls.get(path, 0)
        self.calls[path] = n + 1
        name = self._unique(path if n == 0 else f"{path}_{n}")
        call = self._make_call(node, module, inputs)
        rule = _module_rule(module)
        try:
            made = rule(module, call) if rule is not None else None
        except ShapecalcError:
            raise
        except Exception as e:
            raise ConfigError(f"{path}: the rule for {type(module).__name__} failed: {type(e).__name__}: "
                              f"{_clip(str(e))}", self.title) from None
        if made is None:
            made = self._unsupported(type(module).__name__, call, module)
        params = list(module.parameters())
        owner = self._owner(params, name)
        if owner is not None:
            for layer in [made] if isinstance(made, Layer) else [m for _, m in made]:
                layer.shares = owner
        self._frozen(params, [name] if isinstance(made, Layer) else [f"{name}.{suffix}" for suffix, _ in made])
        if isinstance(made, Layer):
            self.add(name, made, inputs[:1] if not made.merges else inputs, node)
            return
        # a list of (suffix, layer): one row each, in order, under the module's path
        previous = inputs[:1]
        for i, (suffix, layer) in enumerate(made):
            last = i == len(made) - 1
            sub = self._unique(f"{name}.{suffix}")
            self.nodes.append(Node(sub, layer, tuple(self.names[p] if not isinstance(p, str) else p
                                                     for p in previous)))
            previous = [sub]
            if last:
                val = self._val(node)
                form = self._form_chain(made, inputs[0], val.shape)
                self.names[node], self.forms[node] = sub, form
                self.observed[sub] = _shape(val.shape, form)

    def _form_chain(self, layers, source, size):
        """The layout after several layers standing for one module (a patch merging)."""
        from .analysis import NumericContext

        form = self.forms[source]
        if len(size) != 4 or form not in ("map", "last"):
            return _default_form(size, form)
        x = _shape(self._val(source).shape, form)
        try:
            for _, layer in layers:
                x = tuple(layer.infer(x, NumericContext(), "")) if not layer.passes else x
        except Exception:
            return form
        return form if _shape(size, form) == x else ("last" if form == "map" else "map")

    def _frozen(self, params, rows):
        """Rows of a module whose parameters (``params``) are all frozen (``requires_grad=False``)."""
        if params and not any(p.requires_grad for p in params):
            self.frozen.update(rows)

    def _owner(self, params, name):
        """Where a module's parameters (``params``) were first counted, when they were (a module called twice,
        or tied weights); None for the first use. Parameters shared only in part are refused: no row could say
        it."""
        params = [id(p) for p in params]
        if not params:
            return None
        owners = {self.params_seen.get(p) for p in params}
        if owners == {None}:
            for p in params:
                self.params_seen[p] = name
            return None
        if None in owners or len(owners) > 1:
            raise ConfigError(f"{name}: shares some of its parameters with {sorted(o for o in owners if o)[0]} and "
                              "not others; shapecalc counts a module's parameters as a whole", self.title)
        return owners.pop()

    def _tuple(self, node, inputs):
        name = node.target if isinstance(node.target, str) else getattr(node.target, "__name__", "")
        if node.op == "call_module":
            # a module returning a tuple (nn.MultiheadAttention: output and weights): its first value
            module = self.modules[node.target]
            val = self._val(node)
            call = self._make_call(node, module, inputs)
            call.shape = _shape(val[0].shape, _default_form(val[0].shape, call.forms[0]))
            rule = _module_rule(module)
            layer = rule(module, call) if rule is not None else None
            if layer is None or not isinstance(layer, Layer):
                layer = self._unsupported(type(module).__name__, call, module)
            n = self.calls.get(node.target, 0)
            self.calls[node.target] = n + 1
            path = self._unique(node.target if n == 0 else f"{node.target}_{n}")
            params = list(module.parameters())
            layer.shares = self._owner(params, path)
            self._frozen(params, [path])
            self.nodes.append(Node(path, layer, (self.names[inputs[0]],)))
            form = _default_form(val[0].shape, call.forms[0])
            self.tuples[node] = ("first", path, form, val[0].shape)
            self.names[node], self.forms[node] = path, form
            return
        if name in ("chunk", "split") and len(inputs) == 1:
            parts = node.args[1] if len(node.args) > 1 else node.kwargs.get("chunks")
            dim = node.args[2] if len(node.args) > 2 else node.kwargs.get("dim", 0)
            val = self._val(node)
            if name == "split":
                sizes = [v.shape[dim] for v in val]
                parts = len(val) if len(set(sizes)) == 1 else None
            if self.forms[inputs[0]] == "map" and dim % 4 == 1 and isinstance(parts, int):
                self.tuples[node] = ("chunk", parts, inputs[0], self._scope(node))
                self.names[node], self.forms[node] = self.names[inputs[0]], "tuple"
                return
        call = self._make_call(node, None, inputs)
        raise ConfigError(f"{self._scope(node) or self.title}: {name}() returns several tensors, which shapecalc "
                          f"reads only as torch.chunk over the channels (received input {call.inputs[0]})", self.title)

    def _getitem(self, node, inputs):
        source, index = node.args
        if source in self.tuples:
            record = self.tuples[source]
            if record[0] == "first":
                if index != 0 and (not _is_tensor(self._val(node)) or not node.users):
                    return  # (attention weights not asked for, or not used)
                if index != 0:
                    raise ConfigError(f"{record[1]}: only its first output is read by shapecalc", self.title)
                self.names[node], self.forms[node] = record[1], record[2]
                return
            _, parts, src, scope = record
            name = self._unique(f"{scope}.chunk" if scope else "chunk")
            self.add(name, Chunk(parts, index), [src], node)
            return
        if source in self.consts:
            self.consts[node] = self.consts[source]
            return
        form = self.forms.get(source)
        if form == "tokens" and isinstance(index, tuple) and len(index) == 2 and index[0] == slice(None) \
                and isinstance(index[1], int):
            self.add(self._func_name(node), SelectToken(index[1]), [source], node, form="vector")
            return
        call = self._make_call(node, None, inputs)
        self.add(self._func_name(node), Unsupported(f"indexing [{index}]", call.shape, at=call.inputs[0]), inputs,
                 node)

    def _arith(self, node, op, inputs, consts):
        """add, mul, cat: merges of several tensors, or a parameter added, multiplied or concatenated."""
        val = self._val(node)
        name = self._func_name(node)
        if op == "cat" or op == "concat":
            seq = node.args[0] if node.args else node.kwargs.get("tensors")
            dim = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim", 0)
            parts = [a for a in seq]
            tensors = [a for a in parts if a in self.names]
            constants = [a for a in parts if a in self.consts]
            form = self.forms[tensors[0]]
            rank = len(val.shape)
            channels = {"map": 1, "last": 3, "tokens": 2, "vector": 1}.get(form)
            if len(tensors) == 1 and not constants:
                return self.alias(node, tensors[0])
            if len(tensors) >= 2 and not constants and dim % rank == channels:
                # cat(x, y1, y2) after cat(x, y1) is cat(cat(x, y1), y2) (DenseNet's growing list): the same
                # channels in the same order, and the graph a nest of blocks again
                keys = tuple(self.names[t] for t in tensors)
                best = None
                for prefix, earlier in self.cats:
                    if 2 <= len(prefix) < len(keys) and keys[:len(prefix)] == prefix and (
                            best is None or len(prefix) > len(best[0])):
                        best = (prefix, earlier)
                if best is not None:
                    tensors = [best[1]] + tensors[len(best[0]):]
                self.cats.append((keys, node))
                return self.add(name, Concat(), tensors, node)
            if form == "tokens" and len(tensors) == 1 and len(constants) == 1 and dim % rank == 1 \
                    and parts[0] is constants[0] and self.consts[constants[0]] == val.shape[2]:
                return self.add(name, ClassToken(), tensors, node)
            call = self._make_call(node, None, tensors)
            return self.add(name, Unsupported(f"cat(dim={dim})", call.shape, at=call.inputs[0]), tensors, node)
        others = [a for a in node.args if not hasattr(a, "op")]
        operands = [a for a in node.args if a in self.names]  # (x + x: the same tensor twice)
        if len(operands) >= 2:
            return self.add(name, Add() if op == "add" else Multiply(), operands, node)
        form = self.forms[inputs[0]]
        if consts:
            numel = self.consts[consts[0]]
            shape = _shape(val.shape, form)
            if op == "add" and form == "tokens" and numel == shape[0] * shape[1]:
                return self.add(name, PositionEmbedding(), inputs, node)
            if op == "mul" and numel == shape[-1]:
                return self.add(name, LayerScale(), inputs, node)
            call = self._make_call(node, None, inputs)
            return self.add(name, Unsupported(f"{op} of a parameter", call.shape, numel, at=call.inputs[0]), inputs,
                            node)
        if others and all(isinstance(a, (int, float)) for a in others):
            # arithmetic with a plain number: no parameters, no multiply-accumulate, no row
            return self.alias(node, inputs[0])
        call = self._make_call(node, None, inputs)
        return self.add(name, Unsupported(op, call.shape, at=call.inputs[0]), inputs, node)

    def _layout(self, node, inputs, op):
        """view, reshape, permute, transpose, flatten: a change of layout, read by what it does to the sizes."""
        src = inputs[0]
        form = self.forms[src]
        before = tuple(self._val(src).shape)
        after = tuple(self._val(node).shape)
        name_of = self._func_name
        # (layouts half-way through a known pattern: "flat_spatial", N×C×(H·W) before a transpose makes
        # tokens; "shuffle_split" and "shuffled", a channel shuffle's view and transpose before its last view)
        if op == "permute":
            dims = tuple(d % len(before) for d in (node.args[1:] if len(node.args) > 2 or not isinstance(
                node.args[1], (tuple, list)) else node.args[1]))
            if form == "map" and dims == (0, 2, 3, 1):
                return self.add(name_of(node), Permute(dims), [src], node, form="last")
            if form == "last" and dims == (0, 3, 1, 2):
                return self.add(name_of(node), Permute(dims), [src], node, form="map")
            if form == "flat_spatial" and dims == (0, 2, 1):
                return self.add(name_of(node), Tokens(), [self.origins[src]], node, form="tokens")
        if op in ("transpose", "swapaxes", "permute") and form in ("sequence", "tokens") and len(before) == 3 and \
                tuple(after) == (before[0], before[2], before[1]):
            # N×C×L ↔ N×L×C: shapecalc's L×C either way, read by the other layout
            return self.alias(node, src, form="tokens" if form == "sequence" else "sequence")
        if op in ("transpose", "swapaxes"):
            a, b = sorted(d % len(before) for d in node.args[1:3])
            if form == "flat_spatial" and (a, b) == (1, 2):
                return self.add(name_of(node), Tokens(), [self.origins[src]], node, form="tokens")
            if form == "shuffle_split" and (a, b) == (1, 2):
                self.alias(node, src, form="shuffled")
                self.origins[node] = self.origins[src]
                return
        if op in ("view", "reshape", "flatten"):
            if form == "map" and len(after) == 3 and after[:2] == before[:2] and after[2] == before[2] * before[3]:
                # N×C×H×W → N×C×(H·W): the first half of "to tokens"
                self.alias(node, src, form="flat_spatial")
                self.origins[node] = src
                return
            if form == "map" and len(after) == 2 and after[1] == before[1] * before[2] * before[3]:
                return self.add(name_of(node), Flatten(), [src], node, form="vector")
            if form in ("volume", "sequence") and len(after) == 2 and after[1] == math.prod(before[1:]):
                return self.add(name_of(node), Flatten(), [src], node, form="vector")
            if form == "map" and len(after) == 5 and after[3:] == before[2:] and after[1] * after[2] == before[1]:
                self.alias(node, src, form="shuffle_split")
                self.origins[node] = (src, after[1])
                return
            if form == "shuffled" and len(after) == 4:
                origin, groups = self.origins[src]
                return self.add(name_of(node), ChannelShuffle(groups), [origin], node, form="map")
            if after == before:
                return self.alias(node, src)
        call = self._make_call(node, None, inputs)
        layer = Unsupported(f"{op} {tuple(before[1:])} → {tuple(after[1:])}", call.shape, at=call.inputs[0])
        return self.add(name_of(node), layer, [src], node, form=_default_form(after, form) or "vector")


def _check_shapes(network, shape, observed, title):
    """Every layer's output by shapecalc's rules equals the one the module gave on the fake run."""
    from .analysis import NumericContext, walk

    rows = walk(network, shape, NumericContext())
    for row in rows:
        if row.leaf and row.path in observed and tuple(row.output_shape) != tuple(observed[row.path]):
            raise ConfigError(
                f"{row.path}: shapecalc's rule for {row.kind} gives {format_shape(row.output_shape)}, the module "
                f"gives {format_shape(observed[row.path])}: the import would be wrong, so it stops here (please "
                "report it, or describe the module with shapecalc.register)", title)
