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
# - ptflops (pytorch backend): module hooks on the nn classes it knows (looked up by exact type: a subclass
#   is not hooked), plus patched functionals and tensor functions (F.relu, F.*pool*, F.softmax, torch.matmul
#   and Tensor.matmul, torch.mul, torch.add …; not F.linear, F.conv2d, F.layer_norm, torch.einsum, nor the
#   operators @, *, +). Conv and Linear add their bias (one addition per output element); BatchNorm as
#   fvcore; an nn.ReLU counts twice its output (the nn.ReLU hook and the patched F.relu it calls), a bare
#   F.relu once; pooling likewise twice or once its input; x.mean() nothing; softmax once (patched F.softmax
#   only); LRN: its mul, mul, add (3 per element) and the avg_pool3d over the channel-padded tensor.
#   F.conv2d is not patched (subsampling: 0).
# - torchinfo: leaf modules that run only, from their parameter counts alone: a module whose class name
#   holds "Conv" counts params × N·H_out·W_out (weights · positions = the MACs, biases · positions = the bias
#   additions); any other module params × N (the first size of its output); only parameters named "weight"
#   or "bias" count (a layer_scale, class_token or pos_embedding does not); parameter-free layers 0.


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


def upsample_fvcore(row):
    # fvcore: 1 per output element for nearest upsampling, 4 for bilinear
    return (4 if row.layer.mode == "bilinear" else 1) * row.activations


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
    return all(before == after and 2 * before <= k for (before, after), k in zip(layer.pads(x), layer.kernel))


def pooled(row):
    """Elements entering the pooling operator itself: the input, after the explicit padding where the pool
    cannot pad itself (see :func:`pool_pads_itself`)."""
    layer = row.layer
    x = row.input_shape
    if pool_pads_itself(layer, x):
        return in_numel(row)
    # the padded input: Π (size + before + after) over the axes, × C
    n = x[-1] * _batch(row)
    for size, (before, after) in zip(x, layer.pads(x)):
        n = n * (size + before + after)
    return n


def twice_pooled(row):
    """Two counts per element entering the pooling module itself (its hook and the patched functional)."""
    return 2 * pooled(row)


#: what ptflops counts per element, by the way the network's forward calls a layer (the layer's ``call``):
#: an nn module that it hooks and whose forward calls a functional that it patches ("module": both count),
#: the bare functional (``F.relu(x)``, ``F.avg_pool2d(x, …)``: its patch only), a tensor method
#: (``x.mean([2, 3])``: neither)
PTFLOPS_PER_CALL = {"module": 2, "functional": 1, "mean": 0}


def _per_call(row):
    return PTFLOPS_PER_CALL[row.layer.call]


def called_out(row):
    """ptflops on an activation, by its ``call``: twice its output as a module, once as a functional."""
    return _per_call(row) * row.activations


def called_in(row):
    """ptflops on an adaptive or global pool, by its ``call``: twice its input as a module, once as a
    functional, never as ``x.mean``."""
    return _per_call(row) * in_numel(row)


def called_pooled(row):
    """ptflops on a max or average pool, by its ``call``: twice the elements entering it as a module, once
    as a functional (see :func:`pooled`)."""
    return _per_call(row) * pooled(row)


def averaged_in(row):
    """fvcore on a global average pool: aten::adaptive_avg_pool2d, 1 per input element (module or
    functional); ``x.mean`` is aten::mean and a volume's pool aten::adaptive_avg_pool3d, which fvcore has no
    handle for: 0."""
    return 0 if row.layer.call == "mean" or len(row.input_shape) == 4 else in_numel(row)


def normalised(row):
    # x̂ (1 op per element), then γ·x̂ + β (a second) when affine
    return in_numel(row) * (2 if row.layer.affine else 1)


def group_normalised(row):
    # fvcore's group and layer norm: 5 per input element with γ and β (mean, variance, normalise, scale,
    # shift), 4 without
    return in_numel(row) * (5 if row.layer.affine else 4)


def attention_ptflops(row):
    # ptflops, as its hook on nn.MultiheadAttention counts: the projections with their biases, the scaling of
    # Q (N·D), the two products and the softmax over the H·N² scores (shapecalc's realisation computes them
    # with torch.matmul, torch.add, torch.mul and F.softmax, which ptflops patches: the same figure; without
    # biases, the realisation adds none, where the hook on an nn.MultiheadAttention(bias=False) still counts
    # N·D for the output projection's)
    n, d = row.input_shape
    return row.macs + row.bias_adds + (row.layer.heads * n * n + n * d) * _batch(row)


def window_attention_ptflops(row):
    # ptflops: the projections are F.linear calls (torchvision's shifted_window_attention), which it does not
    # patch: 0; Q·Kᵀ through the patched Tensor.matmul (Swin V2: the @ operator, not patched), A·V likewise,
    # N²·C per window each; the patched softmax over the heads·N² scores of each window; and (Swin V2) the
    # position-bias MLP on its table of T relative positions: its Linear hooks with their biases, and its
    # ReLU over the T·hidden values, counted twice (nn.ReLU's hook and the patched F.relu). ptflops runs a
    # batch of 1: the preset at batch B is B times its figure, the MLP included
    layer = row.layer
    windows, n = layer.windows(row.input_shape)
    c = row.input_shape[2]
    hidden = getattr(layer, "hidden", 0)
    products = 1 if hidden else 2
    out = (products * n * n * c + layer.heads * n * n) * windows
    if hidden:
        t = layer.table()
        mlp_bias = t * hidden if row.biases else 0
        out += t * (2 * hidden + hidden * layer.heads) + mlp_bias + 2 * t * hidden
    return out * _batch(row)


def relative_attention_ptflops(row):
    # ptflops: the projections' Linear hooks with their biases and the patched softmax over the heads·N²
    # scores of each of the G groups; Q·Kᵀ and A·V are torch.einsum calls, which it does not patch
    groups, n, c = row.input_shape
    products = 2 * groups * n * n * c * _batch(row)
    return row.macs - products + row.bias_adds + row.layer.heads(row.input_shape) * groups * n * n * _batch(row)


def einsum_fvcore(products):
    """fvcore's count of a two-operand ``torch.einsum`` of ``products`` multiply-accumulates: numpy's
    ``einsum_path`` reports its FLOPs, 2 × products, printed as ``%.3e`` (4 significant digits), which fvcore
    reads back, halves and floors. An exact int; a symbolic size has no such formula: an error."""
    import numbers

    if not isinstance(products, numbers.Integral):
        from .errors import ConfigError

        raise ConfigError("fvcore counts a torch.einsum from numpy's FLOP figure printed to 4 significant digits, "
                          "which has no formula in symbolic sizes: give a numeric input for this convention",
                          "--convention")
    return int(float(f"{2 * int(products):.3e}")) // 2


def relative_attention_fvcore(row):
    # fvcore: the projections' linear MACs, and Q·Kᵀ and A·V, two einsums of G·heads·N²·head_dim = G·N²·C
    # MACs each, counted as einsum_fvcore rounds them
    groups, n, c = row.input_shape
    products = groups * n * n * c * _batch(row)
    return row.macs - 2 * products + 2 * einsum_fvcore(products)


def window_attention_torchinfo(row):
    # torchinfo: the projections are F.linear calls on the weights of nn.Linear modules that never run: no
    # rows of theirs; the bias table and logit scale sit on the attention module itself, which has children:
    # not counted. Only Swin V2's position-bias MLP runs, on one table (first size 1): its parameters once
    # per forward pass
    layer = row.layer
    hidden = getattr(layer, "hidden", 0)
    if not hidden:
        return 0
    return 2 * hidden + (hidden if row.biases else 0) + hidden * layer.heads


def relative_attention_torchinfo(row):
    # torchinfo: the projections' parameters once per sample (their output's first size is the batch); the
    # bias table sits on the attention module itself, which has children: not counted
    c = row.input_shape[2]
    return (4 * c * c + (4 * c if row.biases else 0)) * _batch(row)


def lrn_ptflops(row):
    # 3 · N·C·H·W + N·(C + size − 1)·H·W: mul, mul, add per element, and the avg_pool3d over the padded channels
    h, w, c = row.input_shape
    return 3 * in_numel(row) + (c + row.layer.size - 1) * h * w * _batch(row)


def layernorm_ptflops(row):
    # ptflops hooks nn.LayerNorm (1 per input element; its affine attribute is named elementwise_affine, so
    # no second count) and does not patch F.layer_norm: a subclass (torchvision's LayerNorm2d, the
    # realisation of ``channels_first``) is not hooked: 0
    return 0 if row.layer.channels_first else in_numel(row)


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
