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
# the tools' rules: each a table keyed by layer kind; kinds not listed count 0 for that tool


def _numel(shape):
    n = 1
    for d in shape:
        n = n * d
    return n


def _batch(row):
    # the row's figures are per batch; its shapes are per sample
    size = _numel(row.output_shape)
    return row.activations // size if size else 1


def _in_numel(row):
    """Elements entering the layer, whole batch."""
    return _numel(row.input_shape) * _batch(row)


def _out_numel(row):
    return row.activations


def pool_pads_itself(layer, x):
    """Whether PyTorch's pooling can apply ``layer``'s padding on input ``x`` itself: symmetric and at
    most half the kernel. Otherwise (asymmetric or dilated "same") the realisation pads first, in a
    padding module of its own."""
    (top, bottom), (left, right) = layer.pads(x)
    return top == bottom and left == right and 2 * top <= layer.kernel[0] and 2 * left <= layer.kernel[1]


def _pooled_numel(row):
    """Elements entering the pooling module itself: the input, after the explicit padding where the
    pool cannot pad itself (see :func:`pool_pads_itself`)."""
    layer = row.layer
    (top, bottom), (left, right) = layer.pads(row.input_shape)
    h, w, c = row.input_shape
    if pool_pads_itself(layer, row.input_shape):
        return _in_numel(row)
    return (h + top + bottom) * (w + left + right) * c * _batch(row)


def _affine(row):
    # BatchNorm: x̂ (1 op per element), then γ·x̂ + β (a second) when affine
    return 2 if row.layer.affine else 1


#: fvcore: one "flop" per multiply-accumulate of conv/linear/matmul (bias ignored), plus BatchNorm
#: (eval: 1 or 2 per input element) and adaptive average pooling (1 per input element); every other
#: operator (pooling, activations, LRN, add, cat) is unsupported or ignored: 0.
FVCORE = {
    "conv": lambda r: r.macs,
    "sparseconv": lambda r: r.macs,
    "subsampling": lambda r: r.macs,          # realised as a depthwise convolution
    "dense": lambda r: r.macs,
    "rbf": lambda r: r.macs,                  # the x·wᵀ matrix product
    "batchnorm": lambda r: _in_numel(r) * _affine(r),
    "adaptiveavgpool": _in_numel,
    "gap": _in_numel,                         # AdaptiveAvgPool2d(1)
}

#: ptflops (pytorch backend): module hooks on the nn classes it knows, plus patched functionals.
#: Conv and Linear add their bias (one addition per output element); BatchNorm as fvcore; ReLU counts
#: twice its output (the nn.ReLU hook and the patched F.relu it calls); pooling twice its input (hook
#: and patched F.*pool*); softmax once (patched F.softmax only); LRN: its mul, mul, add (3 per element)
#: and the avg_pool3d over the channel-padded tensor. F.conv2d is not patched (subsampling: 0).
PTFLOPS = {
    "conv": lambda r: r.macs + r.bias_adds,
    "sparseconv": lambda r: r.macs + r.bias_adds,
    "dense": lambda r: r.macs + r.bias_adds,
    "rbf": lambda r: r.macs,                  # torch.mm is patched
    "batchnorm": lambda r: _in_numel(r) * _affine(r),
    "relu": lambda r: 2 * _out_numel(r),
    "softmax": _out_numel,
    "maxpool": lambda r: 2 * _pooled_numel(r),
    "avgpool": lambda r: 2 * _pooled_numel(r),
    "adaptiveavgpool": lambda r: 2 * _in_numel(r),
    "adaptivemaxpool": lambda r: 2 * _in_numel(r),
    "gap": lambda r: 2 * _in_numel(r),
    "gmp": lambda r: 2 * _in_numel(r),
    # 3 · N·C·H·W + N·(C + size − 1)·H·W
    "lrn": lambda r: 3 * _in_numel(r)
    + (r.input_shape[2] + r.layer.size - 1) * r.input_shape[0] * r.input_shape[1] * _batch(r),
}


def _torchinfo(row):
    """torchinfo: leaf modules only, from their parameter counts alone: a module whose class name holds
    "Conv" counts params × N·H_out·W_out (weights · positions = the MACs, biases · positions = the bias
    additions); any other module params × N; parameter-free layers 0."""
    if row.kind in ("conv", "sparseconv"):
        return row.macs + row.bias_adds
    return row.params * _batch(row)


def _table(rules):
    def counter(row):
        rule = rules.get(row.kind)
        return rule(row) if rule else 0
    return counter


CONVENTIONS = {
    "macs": _macs,
    "flops": _flops,
    "connections": _connections,
    "fvcore": _table(FVCORE),
    "ptflops": _table(PTFLOPS),
    "torchinfo": _torchinfo,
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
