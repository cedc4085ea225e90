"""Counting conventions: what the "operations" column of a table counts.

Every convention is a function of one leaf :class:`~shapecalc.analysis.Row` (its layer, input and
output shapes and figures) returning an exact integer. The row's own rules give the MACs; a convention
only decides what else a tool would add (bias, normalisation, pooling, activations) and whether it
reports multiply-accumulates or FLOPs.

- ``macs`` (default): multiply-accumulates of convolutions and fully-connected layers, bias excluded —
  the convention of the papers and of torchvision's published "GFLOPS".
- ``flops``: 2 × MACs, PyTorch's ``torch.utils.flop_counter.FlopCounterMode``.
- ``connections``: MACs plus bias additions, the LeNet-5 paper's "connections".
- ``fvcore``, ``ptflops``, ``torchinfo``: what each tool reports for the :func:`shapecalc.torch.to_torch`
  module of the network, number for number (fvcore 0.1.5 ``FlopCountAnalysis.total()``, ptflops 0.7.5
  ``get_model_complexity_info`` with its default ``pytorch`` backend, torchinfo 1.8.0
  ``total_mult_adds``; modules in eval mode). docs/conventions.md shows what each counts and why.

>>> from shapecalc import summary
>>> conv1 = summary("cnn-39x31")["conv1"]          # 4×4 conv, 1 → 20 maps of 36×28
>>> conv1.macs == 36 * 28 * 20 * (4 * 4 * 1)
True
>>> count(conv1, "ptflops") == conv1.macs + 36 * 28 * 20      # + one bias addition per output element
True
>>> count(conv1, "torchinfo") == (4 * 4 * 1 * 20 + 20) * 36 * 28   # params × output positions
True
"""

__all__ = ["ADDITIVE", "CONVENTIONS", "DESCRIPTIONS", "count", "get"]


def _macs(row):
    return row.macs


def _flops(row):
    # a multiply-accumulate is two floating-point operations
    return 2 * row.macs


def _connections(row):
    return row.macs + row.bias_adds


# ---------------------------------------------------------------------------------------------------------
# the tools' rules. Each layer kind lists, in its class (``Layer.tools``), which of these rules each tool
# applies to it: the rules are here, the choice is the kind's. What each tool counts and why is in
# docs/conventions.md:
# - fvcore: one "flop" per multiply-accumulate of conv/linear/matmul (bias ignored), plus BatchNorm (eval:
#   1 or 2 per input element) and adaptive average pooling (1 per input element); every other operator
#   (pooling, activations, LRN, add, cat) is unsupported or ignored: 0.
# - ptflops (pytorch backend): module hooks on the nn classes it knows, plus patched functionals. Conv and
#   Linear add their bias (one addition per output element); BatchNorm as fvcore; ReLU counts twice its
#   output (the nn.ReLU hook and the patched F.relu it calls); pooling twice its input (hook and patched
#   F.*pool*); softmax once (patched F.softmax only); LRN: its mul, mul, add (3 per element) and the
#   avg_pool3d over the channel-padded tensor. F.conv2d is not patched (subsampling: 0).
# - torchinfo: leaf modules only, from their parameter counts alone: a module whose class name holds "Conv"
#   counts params × N·H_out·W_out (weights · positions = the MACs, biases · positions = the bias additions);
#   any other module params × N; parameter-free layers 0.


def _numel(shape):
    n = 1
    for d in shape:
        n = n * d
    return n


def _batch(row):
    # the row's figures are per batch; its shapes are per sample
    size = _numel(row.output_shape)
    return row.activations // size if size else 1


def ZERO(row):
    """The tool counts nothing for this kind."""
    return 0


#: the entry of a kind that no tool counts (no parameters, no arithmetic that any tool sees)
NONE = {"fvcore": ZERO, "ptflops": ZERO, "torchinfo": ZERO}


def macs(row):
    return row.macs


def macs_and_bias(row):
    # MACs + one bias addition per output element
    return row.macs + row.bias_adds


def params_per_sample(row):
    # torchinfo's rule for a module without "Conv" in its class name: params × N
    return row.params * _batch(row)


def in_numel(row):
    """Elements entering the layer, whole batch."""
    return _numel(row.input_shape) * _batch(row)


def out_numel(row):
    return row.activations


def twice_in(row):
    # a hook and a patched functional, one count each per input element
    return 2 * in_numel(row)


def twice_out(row):
    # a hook and a patched functional, one count each per output element
    return 2 * row.activations


def pool_pads_itself(layer, x):
    """Whether PyTorch's pooling can apply ``layer``'s padding on input ``x`` itself: symmetric and at
    most half the kernel. Otherwise (asymmetric or dilated "same") the realisation pads first, in a
    padding module of its own."""
    (top, bottom), (left, right) = layer.pads(x)
    return top == bottom and left == right and 2 * top <= layer.kernel[0] and 2 * left <= layer.kernel[1]


def twice_pooled(row):
    """Two counts per element entering the pooling module itself: the input, after the explicit padding
    where the pool cannot pad itself (see :func:`pool_pads_itself`)."""
    layer = row.layer
    (top, bottom), (left, right) = layer.pads(row.input_shape)
    h, w, c = row.input_shape
    if pool_pads_itself(layer, row.input_shape):
        return 2 * in_numel(row)
    return 2 * (h + top + bottom) * (w + left + right) * c * _batch(row)


def normalised(row):
    # x̂ (1 op per element), then γ·x̂ + β (a second) when affine
    return in_numel(row) * (2 if row.layer.affine else 1)


def group_normalised(row):
    # fvcore's group and layer norm: 5 per input element with γ and β (mean, variance, normalise, scale,
    # shift), 4 without
    return in_numel(row) * (5 if row.layer.affine else 4)


def attention_ptflops(row):
    # ptflops: its projections' Linear hooks with their biases, the two patched matmuls, and the patched
    # softmax over the H·N² scores
    n, d = row.input_shape
    return row.macs + row.bias_adds + row.layer.heads * n * n * _batch(row)


def window_attention_ptflops(row):
    # ptflops: the projections' Linear hooks with their biases, the two patched matmuls, the patched softmax
    # over the heads·N² scores of each window, and (Swin V2) the position-bias MLP's ReLU over its T·hidden
    # values, counted twice (nn.ReLU's hook and the patched F.relu)
    layer = row.layer
    windows, n = layer.windows(row.input_shape)
    out = row.macs + row.bias_adds + layer.heads * windows * n * n * _batch(row)
    hidden = getattr(layer, "hidden", 0)
    return out + 2 * layer.table() * hidden * _batch(row) if hidden else out


def relative_attention_ptflops(row):
    # ptflops: the projections' Linear hooks with their biases, the two patched matmuls, and the patched
    # softmax over the heads·N² scores of each of the G groups
    groups, n, _ = row.input_shape
    return row.macs + row.bias_adds + row.layer.heads(row.input_shape) * groups * n * n * _batch(row)


def window_attention_torchinfo(row):
    # torchinfo: each leaf module's parameters times the first size of its output, which for the projections
    # is batch · windows (the windows stacked as a batch); the position-bias MLP (Swin V2) runs on one table:
    # its parameters once per sample; the bias table and logit scale sit on the attention module itself,
    # which has children: not counted
    layer = row.layer
    c = row.input_shape[2]
    windows, _ = layer.windows(row.input_shape)
    projections = 4 * c * c + (4 * c if layer.bias and row.biases else 0)
    hidden = getattr(layer, "hidden", 0)
    mlp = 2 * hidden + (hidden if row.biases else 0) + hidden * layer.heads if hidden else 0
    return (projections * windows + mlp) * _batch(row)


def relative_attention_torchinfo(row):
    # torchinfo: the projections' parameters once per sample (their output's first size is the batch); the
    # bias table sits on the attention module itself, which has children: not counted
    c = row.input_shape[2]
    return (4 * c * c + (4 * c if row.biases else 0)) * _batch(row)


def lrn_ptflops(row):
    # 3 · N·C·H·W + N·(C + size − 1)·H·W: mul, mul, add per element, and the avg_pool3d over the padded channels
    h, w, c = row.input_shape
    return 3 * in_numel(row) + (c + row.layer.size - 1) * h * w * _batch(row)


def _tool(name):
    """The counter of tool ``name``: the rule the row's kind lists for it."""
    def counter(row):
        rule = row.layer.tools.get(name)
        if rule is None:
            from .errors import ConfigError

            raise ConfigError(f"the layer kind {row.kind!r} has no rule for the {name} convention (its class lists "
                              f"none in `tools`): shapecalc cannot say what {name} reports for it", row.path)
        return rule(row)
    counter.__name__ = name
    return counter


CONVENTIONS = {
    "macs": _macs,
    "flops": _flops,
    "connections": _connections,
    "fvcore": _tool("fvcore"),
    "ptflops": _tool("ptflops"),
    "torchinfo": _tool("torchinfo"),
}

#: the conventions that count from a row's ``macs`` and ``bias_adds`` alone, linearly: a network's total is
#: the convention applied to the summed figures (``Summary.totals`` needs no call per row for them)
ADDITIVE = ("macs", "flops", "connections")

#: column heading and one-line meaning of each convention
DESCRIPTIONS = {
    "macs": ("MACs", "multiply-accumulates of conv and dense layers, bias excluded (papers, torchvision GFLOPS)"),
    "flops": ("FLOPs", "2 × MACs (PyTorch FlopCounterMode)"),
    "connections": ("connections", "MACs + bias additions (LeNet-5 paper)"),
    "fvcore": ("fvcore", "fvcore FlopCountAnalysis: MACs + BatchNorm + adaptive avg pool"),
    "ptflops": ("ptflops", "ptflops MACs: + bias, BatchNorm, ReLU, pooling, softmax, LRN"),
    "torchinfo": ("torchinfo", "torchinfo mult-adds: params × positions (conv), params × batch (others)"),
}


def get(name):
    """The counting function of convention ``name``."""
    from .errors import ConfigError

    try:
        return CONVENTIONS[name]
    except KeyError:
        known = ", ".join(sorted(CONVENTIONS))
        raise ConfigError(f"unknown convention {name!r}; expected one of: {known}", "--convention") from None


def count(row, convention="macs"):
    """``row``'s operations under ``convention``."""
    return get(convention)(row)
