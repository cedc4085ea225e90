"""What autograd keeps of each layer kind in a training-mode forward pass, as PyTorch's own modules and
shapecalc's realisation (shapecalc.torch) run it: one rule per kind, which the kind names as its ``saves``
(each checked against ``torch.autograd.graph.saved_tensors_hooks`` in tests/test_memory.py).

A rule receives the layer's step in :mod:`shapecalc.memory`'s flow: ``step.keep(tensor)`` (an input or the
output is saved: its storage counts once), ``step.extra(elements, bytes, what)`` (a tensor of the layer's
own: indices, a mask, statistics), ``step.grad`` (autograd records the operation), ``step.trainable``.
"""

#: bytes of BatchNorm's ``num_batches_tracked`` (an int64 scalar buffer per layer)
COUNTER_BYTES = 8
#: bytes per element of max pooling's argmax indices and of position indices (int64, whatever the dtype)
INDEX_BYTES = 8


def window_input(step):
    """A sliding window keeps what it reads: its input, or, where PyTorch's layer cannot pad it itself
    (asymmetric padding, such as "same" at stride 2; a pool's padding over half its window), the padded
    copy that a padding module makes first, N · (H + top + bottom) · (W + left + right) · C."""
    layer, x = step.row.layer, step.row.input_shape
    if not hasattr(layer, "pads"):
        # (global and adaptive pools: no padding)
        step.keep(step.x)
        return
    from .conventions import pool_pads_itself
    from .layers import _Pool

    pads = layer.pads(x)
    if (pool_pads_itself(layer, x) if isinstance(layer, _Pool) else all(a == b for a, b in pads)):
        step.keep(step.x)
    else:
        # N · Π (size + before + after) · C
        n = step.flow.batch * x[-1]
        for size, (before, after) in zip(x, pads):
            n = n * (size + before + after)
        step.extra(n, step.flow.bytes_per_element, "padded input")


def saves_input(step):
    if step.grad:
        step.keep(step.x)


def saves_output(step):
    if step.grad:
        step.keep(step.output)


def conv(step):
    # convolution_backward reads the input (for the weights' gradient) and the weights (for the input's)
    if step.grad:
        window_input(step)


def sepconv(step):
    # a depthwise convolution, then a 1×1 one: each keeps its input, the first the layer's, the second the
    # depthwise output, H_out · W_out · C · multiplier per sample
    if step.grad:
        window_input(step)
        h, w, _ = step.row.output_shape
        step.extra(step.flow.batch * h * w * step.row.input_shape[2] * step.row.layer.multiplier,
                   step.flow.bytes_per_element, "depthwise output")


def avgpool(step):
    if step.grad:
        window_input(step)


def dense(step):
    # the weights' gradient is xᵀ·g: the input is kept where the weights have a gradient; the input's
    # gradient g·W reads only the weights
    if step.trainable:
        step.keep(step.x)


def maxpool(step):
    if step.grad:
        window_input(step)
        # the argmax of each window, one int64 per output element
        step.extra(step.out_elements(), INDEX_BYTES, "indices (int64)")


def batchnorm(step):
    if step.grad:
        step.keep(step.x)
        # the batch mean and inverse standard deviation, one each per channel
        step.extra(2 * step.row.input_shape[-1], step.flow.statistics_bytes(), "batch statistics")


def groupnorm(step):
    if step.grad:
        step.keep(step.x)
        # mean and inverse standard deviation per sample and group
        step.extra(2 * step.flow.batch * step.row.layer.groups, step.flow.bytes_per_element, "group statistics")


def layernorm(step):
    if step.grad:
        step.keep(step.x)
        shape = step.row.input_shape
        # mean and inverse standard deviation per normalised vector: N · H · W (a map), N · tokens, N
        positions = step.flow.batch
        for d in shape[:-1]:
            positions *= d
        step.extra(2 * positions, step.flow.statistics_bytes(), "statistics")


def lrn(step):
    # F.local_response_norm: x·x (keeps x), avg_pool3d over the channels zero-padded by size − 1 (keeps that
    # padded square), ·α + k, ^β (keeps its base), x / div (keeps div): its input, 2 maps of its output's
    # size and the padded square, N · (C + size − 1) · H · W
    if step.grad:
        step.keep(step.x)
        h, w, c = step.row.input_shape
        b = step.flow.bytes_per_element
        step.extra(2 * step.out_elements(), b, "2 intermediates")
        step.extra(step.flow.batch * (c + step.row.layer.size - 1) * h * w, b, "padded square")


def dropout(step):
    if step.grad and step.row.layer.p > 0:
        flow = step.flow
        # CUDA's fused kernel keeps a bool mask, 1 byte an element; the CPU's input · noise the noise tensor
        step.extra(step.out_elements(), 1 if flow.device == "cuda" else flow.bytes_per_element,
                   "mask (bool)" if flow.device == "cuda" else "noise")


def mul(step):
    # x · y: the gradient of each factor is the other factor (a broadcast gate is kept at its own size)
    if len(step.inputs) == 2:
        a, b = step.inputs
        if b.grad:
            step.keep(a)
        if a.grad:
            step.keep(b)


def layerscale(step):
    # γ · x: the gradient of γ reads x
    if step.trainable:
        step.keep(step.x)


def stochasticdepth(step):
    # x · keep / (1 − p): the per-sample keep tensor (N values) is saved by the product
    if step.grad and step.row.layer.p > 0:
        step.extra(step.flow.batch, step.flow.bytes_per_element, "keep (per sample)")


def scaledtanh(step):
    # A · tanh(S · x): tanh keeps its own output (a tensor of the output's size), the scalings nothing
    if step.grad:
        step.extra(step.out_elements(), step.flow.bytes_per_element, "tanh output")


def adaptiveavgpool(step):
    # to 1×1 PyTorch takes the mean (sizes only); to a larger grid _adaptive_avg_pool2d keeps its input
    if step.grad and tuple(step.row.output_shape[:2]) != (1, 1):
        step.keep(step.x)


def sparseconv(step):
    # shapecalc.torch realises a connection table as one convolution per output map over x[:, table[j]]:
    # each gathers its input maps into a tensor of its own (kept by its convolution), and the gather keeps
    # its int64 indices where the input needs a gradient
    if not step.grad:
        return
    layer = step.row.layer
    (top, bottom), (left, right) = layer.pads(step.row.input_shape)
    h, w, _ = step.row.input_shape
    b = step.flow.bytes_per_element
    for maps in layer.table:
        # N · |table_j| · H_padded · W_padded per output map j
        step.extra(step.flow.batch * len(maps) * (h + top + bottom) * (w + left + right), b, "gathered input")
        if step.x.grad:
            step.extra(len(maps), INDEX_BYTES, "indices (int64)")


def rescaling(step):
    # x · scale + offset: the product keeps its scale (one value, or one per channel)
    if step.grad:
        scale = step.row.layer.scale
        step.extra(len(scale) if isinstance(scale, list) else 1, step.flow.bytes_per_element, "scale")


def normalization(step):
    # (x − mean) / √variance: the quotient keeps √variance, one value per kept axis position
    if step.grad:
        layer, x = step.row.layer, step.row.input_shape
        n = 1
        for a in layer._kept(x):
            n *= x[a]
        step.extra(n, step.flow.bytes_per_element, "√variance")


def attention(step):
    # shapecalc.torch writes attention out (torch.matmul, F.softmax; no fused kernel): the input projection
    # keeps the input; Q·Kᵀ copies of Q and Kᵀ, A·V the weights A (softmax's output) and a copy of V, the
    # output projection the heads merged back: 4 · N · n · D and N · heads · n² (n tokens of D)
    if step.grad:
        n, d = step.row.input_shape
        batch, b = step.flow.batch, step.flow.bytes_per_element
        if step.trainable:
            step.keep(step.x)
        step.extra(4 * batch * n * d, b, "Q, Kᵀ, V, merged heads")
        step.extra(batch * step.row.layer.heads * n * n, b, "attention weights")


def relativeattention(step):
    # MaxViT's attention in each group, on the input permuted to channels-last: the projection keeps that
    # permuted copy, then as attention: 5 · N · A · B · C, and N · A · heads · B² weights (A groups of B)
    if step.grad:
        groups, n, c = step.row.input_shape
        layer = step.row.layer
        batch, b = step.flow.batch, step.flow.bytes_per_element
        step.extra(5 * batch * groups * n * c, b, "input copy, Q, Kᵀ, V, merged heads")
        step.extra(batch * groups * (c // layer.head_dim) * n * n, b, "attention weights")


def _windows(step):
    """Swin's windows on this layer's input: (layer, batch, bytes, window elements, attention weights)."""
    layer = step.row.layer
    h, w, c = step.row.input_shape
    wh, ww = layer.size
    rows, cols = -(-h // wh), -(-w // ww)  # ⌈H / wh⌉, ⌈W / ww⌉ windows
    n = wh * ww
    batch = step.flow.batch
    windows = batch * rows * wh * cols * ww * c  # N · H_pad · W_pad · C
    weights = batch * rows * cols * layer.heads * n * n
    return layer, batch, step.flow.bytes_per_element, windows, weights, rows * cols


def windowattention(step):
    # Swin: the map padded to whole windows and cut into them (a copy, kept by the projection), then as
    # attention within each window: 5 · N · H_pad · W_pad · C, and N · windows · heads · n² weights
    if not step.grad:
        return
    _, _, b, windows, weights, _ = _windows(step)
    step.extra(5 * windows, b, "windows, Q, Kᵀ, V, merged heads")
    step.extra(weights, b, "attention weights")


def cosinewindowattention(step):
    # V2, besides V1's: the projection's output (3 · windows) that F.normalize reads, the norms of Q and K
    # and their clamped copies (4 · N · windows · heads · n), the scores the logit scale multiplies (as many
    # as the weights), and once per pass, not per sample: exp(logit scale), the position MLP's hidden layer
    # over the (2wh − 1)(2ww − 1) offsets, and 16·σ of the bias, heads · n²
    if not step.grad:
        return
    windowattention(step)
    layer, batch, b, windows, weights, count = _windows(step)
    wh, ww = layer.size
    n = wh * ww
    step.extra(3 * windows, b, "QKV")
    step.extra(4 * batch * count * layer.heads * n, b, "norms")
    step.extra(weights, b, "scaled scores")
    step.extra(layer.heads + (2 * wh - 1) * (2 * ww - 1) * layer.hidden + layer.heads * n * n, b, "position bias")


def nothing(step):
    """Views, sums, concatenations, pads, crops, copies: autograd keeps no tensor."""


def unmodelled(step):
    # a kind without a rule: counted as keeping its input and its output, and said so
    if step.grad:
        for t in step.inputs:
            step.keep(t)
        step.keep(step.output)
