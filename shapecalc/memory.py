"""Memory of a network in bytes: parameters, gradients, optimizer state, buffers, and the activations a
training step keeps for the backward pass — exact integers, per batch, at one dtype.

>>> import shapecalc
>>> m = shapecalc.summary("cnn-39x31").memory(optimizer="adam")
>>> m.parameter_bytes == 4 * m.params            # float32: 4 bytes per parameter
True
>>> m.optimizer_bytes == 2 * 4 * m.trainable_params + 4 * m.parameter_tensors   # Adam: 2 moments + a step
True

What is counted (docs/memory.md says it with the numbers):

- **parameters**: every parameter, side heads included (they are trained), at the dtype;
- **gradients**: one per *trainable* parameter (a frozen or fixed parameter has none);
- **optimizer state**: per trainable parameter, SGD 0 tensors, SGD with momentum 1 (``momentum_buffer``),
  Adam and AdamW 2 (``exp_avg``, ``exp_avg_sq``), RMSprop 1 (``square_avg``), Adagrad 1 (``sum``); and
  PyTorch's ``step``, a float32 scalar per parameter tensor, for the last four;
- **buffers**: BatchNorm's running mean and variance at the dtype, and the int64 ``num_batches_tracked``
  PyTorch keeps per BatchNorm layer;
- **activations kept for backward**: the tensors autograd saves during a training-mode forward pass, each
  storage once — which layer keeps what is the table :data:`KEEPS` (each rule checked against PyTorch's
  ``saved_tensors_hooks`` in tests/test_memory.py);
- **forward activations**: every layer's output summed, the table's "activations" line: what the lecture
  notes add up. It is neither what training keeps nor the peak of an inference pass.

Nothing here imports numpy, sympy or torch.
"""

from dataclasses import dataclass, field

from .errors import ConfigError
from .shapes import DTYPE_BYTES, format_int, format_shape

__all__ = ["estimate", "MemoryEstimate", "LayerMemory", "OPTIMIZERS", "KEEPS"]


#: optimizer → (state tensors per trainable parameter, a step counter per parameter tensor, what they are);
#: as torch.optim keeps them after its first step (defaults: no amsgrad, RMSprop without momentum or centring)
OPTIMIZERS = {
    "sgd": (0, False, "plain SGD keeps no state"),
    "momentum": (1, False, "SGD with momentum: 1 momentum buffer per parameter"),
    "adam": (2, True, "Adam: 2 moments (exp_avg, exp_avg_sq) per parameter"),
    "adamw": (2, True, "AdamW: 2 moments (exp_avg, exp_avg_sq) per parameter"),
    "rmsprop": (1, True, "RMSprop: 1 running average of squares per parameter"),
    "adagrad": (1, True, "Adagrad: 1 running sum of squares per parameter"),
}

#: bytes of PyTorch's per-parameter-tensor ``step`` (a float32 scalar tensor: Adam, AdamW, RMSprop, Adagrad)
STEP_BYTES = 4
#: bytes of BatchNorm's ``num_batches_tracked`` (an int64 scalar buffer per layer)
COUNTER_BYTES = 8
#: bytes per element of max pooling's argmax indices (int64, whatever the dtype)
INDEX_BYTES = 8
#: the devices whose rules differ: dropout's mask is CUDA's fused kernel's bool (1 byte an element), on the
#: CPU the noise tensor that ``input * noise`` keeps, at the activations' dtype; BatchNorm's and LayerNorm's
#: statistics are float32 on CUDA at 16-bit dtypes, at the dtype on the CPU
DEVICES = ("cuda", "cpu")

#: the dtypes a training step runs at (int8 and uint8 hold no gradients)
TRAINING_DTYPES = ("float64", "float32", "float16", "bfloat16")


# ---------------------------------------------------------------------------------------------------------
# the records


@dataclass
class LayerMemory:
    """One layer: its output in the forward pass, and the bytes kept for the backward pass that it
    produced — its output where a later layer (or itself) saves it, and what it saves of its own (max
    pooling's indices, a dropout mask, BatchNorm's batch statistics)."""

    path: str
    kind: str
    detail: str
    output_shape: tuple
    forward_elements: int
    forward_bytes: int
    kept_bytes: int
    kept: list = field(default_factory=list)
    #: False where the kind has no rule in KEEPS (its input and output are counted as kept)
    modelled: bool = True


@dataclass
class MemoryEstimate:
    """Memory of one network at one batch and dtype: exact bytes for each part (see the module's text)."""

    model: str
    input_shape: tuple
    batch: int
    dtype: str
    bytes_per_element: int
    optimizer: str
    device: str
    #: parameters (side heads included), those with a gradient, the tensors that hold those, buffers
    params: int
    trainable_params: int
    parameter_tensors: int
    buffers: int
    parameter_bytes: int
    gradient_bytes: int
    optimizer_bytes: int
    buffer_bytes: int
    #: every layer's output on the main path, the table's "activations" (elements over the batch)
    forward_elements: int
    forward_bytes: int
    #: what autograd keeps for the backward pass, each storage once, over the batch (the input batch
    #: itself where the first layer keeps it)
    saved_bytes: int
    layers: list = field(default_factory=list)

    @property
    def training_bytes(self):
        """Parameters + gradients + optimizer state + buffers + activations kept for backward."""
        # the sum of what one training step holds at the end of its forward pass
        return (self.parameter_bytes + self.gradient_bytes + self.optimizer_bytes + self.buffer_bytes
                + self.saved_bytes)

    @property
    def unmodelled(self):
        """The layers whose kind has no rule in :data:`KEEPS`: their input and output are counted as
        kept, an estimate, not PyTorch's own figure (``[]`` where every layer is modelled)."""
        return [layer.path for layer in self.layers if not layer.modelled]

    def to_dict(self):
        """The JSON structure (docs/memory.md)."""
        return {
            "model": self.model,
            "input": list(self.input_shape),
            "batch": self.batch,
            "dtype": self.dtype,
            "bytes_per_element": self.bytes_per_element,
            "optimizer": self.optimizer,
            "device": self.device,
            "params": self.params,
            "trainable_params": self.trainable_params,
            "parameter_tensors": self.parameter_tensors,
            "buffers": self.buffers,
            "parameter_bytes": self.parameter_bytes,
            "gradient_bytes": self.gradient_bytes,
            "optimizer_bytes": self.optimizer_bytes,
            "buffer_bytes": self.buffer_bytes,
            "saved_activation_bytes": self.saved_bytes,
            "training_bytes": self.training_bytes,
            "forward_activations": self.forward_elements,
            "forward_activation_bytes": self.forward_bytes,
            "unmodelled": self.unmodelled,
            "layers": [{
                "name": layer.path,
                "kind": layer.kind,
                "output_shape": list(layer.output_shape),
                "forward_elements": layer.forward_elements,
                "forward_bytes": layer.forward_bytes,
                "kept_bytes": layer.kept_bytes,
                "kept": list(layer.kept),
                "modelled": layer.modelled,
            } for layer in self.layers],
        }

    def to_json(self, indent=2):
        from .report import dumps

        return dumps(self.to_dict(), indent)

    # -- text --
    def table_data(self, raw=False):
        """Header and rows of the per-layer table: text cells, or (``raw``) plain numbers for CSV."""
        number = (lambda v: v) if raw else format_int
        header = ["layer", "type", "output", "forward B", "kept B", "kept for backward"]
        body = [[layer.path, layer.detail, format_shape(layer.output_shape), number(layer.forward_bytes),
                 number(layer.kept_bytes), ", ".join(layer.kept) + ("" if layer.modelled else " (no rule)")]
                for layer in self.layers]
        return header, body

    def title(self):
        return (f"{self.model} — training memory, input {format_shape(self.input_shape)}, batch {self.batch}, "
                f"{self.dtype} ({self.bytes_per_element} B), {self.optimizer}")

    def totals_lines(self):
        """The parts with their arithmetic, one a line."""
        from .report import format_bytes

        b = self.bytes_per_element
        slots, step, what = OPTIMIZERS[self.optimizer]
        frozen = self.params - self.trainable_params
        steps = f" + {format_int(self.parameter_tensors)} steps × {STEP_BYTES} B" if step else ""
        lines = [
            f"parameters:  {format_int(self.params)} × {b} B = {format_bytes(self.parameter_bytes)}",
            f"gradients:   {format_int(self.trainable_params)} trainable × {b} B = {format_bytes(self.gradient_bytes)}"
            + (f" ({format_int(frozen)} frozen or fixed: none)" if frozen else ""),
            f"optimizer:   {slots} × {format_int(self.trainable_params)} × {b} B{steps} = "
            f"{format_bytes(self.optimizer_bytes)} ({what})",
        ]
        if self.buffer_bytes:
            lines.append(f"buffers:     {format_int(self.buffers)} (statistics × {b} B; counters, indices × 8 B) = "
                         f"{format_bytes(self.buffer_bytes)}")
        lines += [
            f"activations kept for backward (batch {self.batch}): {format_bytes(self.saved_bytes)}",
            f"training total: {format_bytes(self.training_bytes)}",
            f"forward activations (every layer's output, the table's figure): {format_int(self.forward_elements)} "
            f"× {b} B = {format_bytes(self.forward_bytes)}",
        ]
        if self.unmodelled:
            kinds = list(dict.fromkeys(layer.kind for layer in self.layers if not layer.modelled))
            lines.append(f"estimate: {len(self.unmodelled)} layer(s) of kinds without a rule ({', '.join(kinds)}) "
                         "are counted as keeping their input and output")
        return lines

    def table(self, format="text"):
        """The per-layer table and the totals: "text" (default), "json", "csv" or a tabulate format."""
        from .report import _ALIGN, plain_table, to_csv

        if format == "json":
            return self.to_json()
        if format == "csv":
            return to_csv(*self.table_data(raw=True))
        header, body = self.table_data()
        align = _ALIGN[:3] + ("right", "right", "left")
        if format == "text":
            grid = plain_table(header, body, align=align)
        else:
            from .tables import tabulate_table

            grid = tabulate_table(header, body, format, align=align)
        return "\n".join([self.title(), grid, ""] + self.totals_lines())

    def __str__(self):
        return self.table()


# ---------------------------------------------------------------------------------------------------------
# what autograd keeps: one rule per kind


class _Tensor:
    """A tensor of the forward pass: its storage's bytes, whether it needs a gradient, the row that made
    its storage (a view shares its base's), and whether it is kept."""

    __slots__ = ("bytes", "grad", "owner", "kept")

    def __init__(self, size, grad, owner):
        self.bytes = size
        self.grad = grad
        self.owner = owner
        self.kept = False


class _Step:
    """One layer in the flow: its row, its input tensors, its output, and what it keeps."""

    __slots__ = ("row", "inputs", "output", "trainable", "flow")

    def __init__(self, flow, row, inputs, trainable):
        self.flow = flow
        self.row = row
        self.inputs = inputs
        self.trainable = trainable
        self.output = None

    @property
    def x(self):
        return self.inputs[0]

    @property
    def grad(self):
        # autograd records an operation when one of its inputs or parameters needs a gradient
        return self.trainable or any(t.grad for t in self.inputs)

    def keep(self, tensor):
        """Autograd saves ``tensor`` (an input or the output): its storage is kept, once, and
        charged to the layer that wrote it (the input row for the input batch)."""
        if not tensor.kept:
            tensor.kept = True
            self.flow.charge(tensor.owner, tensor.bytes, "input batch" if tensor.owner.kind == "input" else "output")

    def extra(self, elements, bytes_per_element, what):
        """Autograd saves a tensor of this layer's own (indices, a mask, statistics)."""
        # elements × bytes per element
        self.flow.charge(self.row, elements * bytes_per_element, what)

    def out_elements(self):
        """The output's elements over the batch."""
        return self.row.activations


def _keep_window_input(step):
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


def _saves_input(step):
    if step.grad:
        step.keep(step.x)


def _saves_output(step):
    if step.grad:
        step.keep(step.output)


def _conv(step):
    # convolution_backward reads the input (for the weights' gradient) and the weights (for the input's)
    if step.grad:
        _keep_window_input(step)


def _sepconv(step):
    # a depthwise convolution, then a 1×1 one: each keeps its input, the first the layer's, the second the
    # depthwise output, H_out · W_out · C · multiplier per sample
    if step.grad:
        _keep_window_input(step)
        h, w, _ = step.row.output_shape
        step.extra(step.flow.batch * h * w * step.row.input_shape[2] * step.row.layer.multiplier,
                   step.flow.bytes_per_element, "depthwise output")


def _avgpool(step):
    if step.grad:
        _keep_window_input(step)


def _dense(step):
    # the weights' gradient is xᵀ·g: the input is kept where the weights have a gradient; the input's
    # gradient g·W reads only the weights
    if step.trainable:
        step.keep(step.x)


def _maxpool(step):
    if step.grad:
        _keep_window_input(step)
        # the argmax of each window, one int64 per output element
        step.extra(step.out_elements(), INDEX_BYTES, "indices (int64)")


def _batchnorm(step):
    if step.grad:
        step.keep(step.x)
        # the batch mean and inverse standard deviation, one each per channel
        step.extra(2 * step.row.input_shape[-1], step.flow.statistics_bytes(), "batch statistics")


def _groupnorm(step):
    if step.grad:
        step.keep(step.x)
        # mean and inverse standard deviation per sample and group
        step.extra(2 * step.flow.batch * step.row.layer.groups, step.flow.bytes_per_element, "group statistics")


def _layernorm(step):
    if step.grad:
        step.keep(step.x)
        shape = step.row.input_shape
        # mean and inverse standard deviation per normalised vector: N · H · W (a map), N · tokens, N
        positions = step.flow.batch
        for d in shape[:-1]:
            positions *= d
        step.extra(2 * positions, step.flow.statistics_bytes(), "statistics")


def _lrn(step):
    # F.local_response_norm: x·x (keeps x), avg_pool3d over the channels zero-padded by size − 1 (keeps that
    # padded square), ·α + k, ^β (keeps its base), x / div (keeps div): its input, 2 maps of its output's
    # size and the padded square, N · (C + size − 1) · H · W
    if step.grad:
        step.keep(step.x)
        h, w, c = step.row.input_shape
        b = step.flow.bytes_per_element
        step.extra(2 * step.out_elements(), b, "2 intermediates")
        step.extra(step.flow.batch * (c + step.row.layer.size - 1) * h * w, b, "padded square")


def _dropout(step):
    if step.grad and step.row.layer.p > 0:
        flow = step.flow
        # CUDA's fused kernel keeps a bool mask, 1 byte an element; the CPU's input · noise the noise tensor
        step.extra(step.out_elements(), 1 if flow.device == "cuda" else flow.bytes_per_element,
                   "mask (bool)" if flow.device == "cuda" else "noise")


def _mul(step):
    # x · y: the gradient of each factor is the other factor (a broadcast gate is kept at its own size)
    if len(step.inputs) == 2:
        a, b = step.inputs
        if b.grad:
            step.keep(a)
        if a.grad:
            step.keep(b)


def _layerscale(step):
    # γ · x: the gradient of γ reads x
    if step.trainable:
        step.keep(step.x)


def _stochasticdepth(step):
    # x · keep / (1 − p): the per-sample keep tensor (N values) is saved by the product
    if step.grad and step.row.layer.p > 0:
        step.extra(step.flow.batch, step.flow.bytes_per_element, "keep (per sample)")


def _scaledtanh(step):
    # A · tanh(S · x): tanh keeps its own output (a tensor of the output's size), the scalings nothing
    if step.grad:
        step.extra(step.out_elements(), step.flow.bytes_per_element, "tanh output")


def _adaptiveavgpool(step):
    # to 1×1 PyTorch takes the mean (sizes only); to a larger grid _adaptive_avg_pool2d keeps its input
    if step.grad and tuple(step.row.output_shape[:2]) != (1, 1):
        step.keep(step.x)


def _sparseconv(step):
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


def _rescaling(step):
    # x · scale + offset: the product keeps its scale (one value, or one per channel)
    if step.grad:
        scale = step.row.layer.scale
        step.extra(len(scale) if isinstance(scale, list) else 1, step.flow.bytes_per_element, "scale")


def _normalization(step):
    # (x − mean) / √variance: the quotient keeps √variance, one value per kept axis position
    if step.grad:
        layer, x = step.row.layer, step.row.input_shape
        n = 1
        for a in layer._kept(x):
            n *= x[a]
        step.extra(n, step.flow.bytes_per_element, "√variance")


def _attention(step):
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


def _relativeattention(step):
    # MaxViT's attention in each group, on the input permuted to channels-last: the projection keeps that
    # permuted copy, then as _attention: 5 · N · A · B · C, and N · A · heads · B² weights (A groups of B)
    if step.grad:
        groups, n, c = step.row.input_shape
        layer = step.row.layer
        batch, b = step.flow.batch, step.flow.bytes_per_element
        step.extra(5 * batch * groups * n * c, b, "input copy, Q, Kᵀ, V, merged heads")
        step.extra(batch * groups * (c // layer.head_dim) * n * n, b, "attention weights")


def _windowattention(step):
    # Swin: the map padded to whole windows and cut into them (a copy, kept by the projection), then as
    # _attention within each window: 5 · N · H_pad · W_pad · C, and N · windows · heads · n² weights
    if not step.grad:
        return
    layer = step.row.layer
    h, w, c = step.row.input_shape
    wh, ww = layer.size
    rows, cols = -(-h // wh), -(-w // ww)  # ⌈H / wh⌉, ⌈W / ww⌉ windows
    n = wh * ww
    batch, b = step.flow.batch, step.flow.bytes_per_element
    windows = batch * rows * wh * cols * ww * c  # N · H_pad · W_pad · C
    weights = batch * rows * cols * layer.heads * n * n
    step.extra(5 * windows, b, "windows, Q, Kᵀ, V, merged heads")
    step.extra(weights, b, "attention weights")
    if step.row.kind == "cosinewindowattention":
        # V2: the projection's output (3 · windows) that F.normalize reads, the norms of Q and K and their
        # clamped copies (4 · N · windows · heads · n), the scores the logit scale multiplies (as many as the
        # weights), and once per pass, not per sample: exp(logit scale), the position MLP's hidden layer over
        # the (2wh − 1)(2ww − 1) offsets, and 16·σ of the bias, heads · n²
        step.extra(3 * windows, b, "QKV")
        step.extra(4 * batch * rows * cols * layer.heads * n, b, "norms")
        step.extra(weights, b, "scaled scores")
        step.extra(layer.heads + (2 * wh - 1) * (2 * ww - 1) * layer.hidden + layer.heads * n * n, b,
                   "position bias")


def _nothing(step):
    """Views, sums, concatenations, pads, crops, copies: autograd keeps no tensor."""


def _unmodelled(step):
    # a kind without a rule: counted as keeping its input and its output, and said so
    if step.grad:
        for t in step.inputs:
            step.keep(t)
        step.keep(step.output)


#: kind → the rule for what autograd keeps of it in a training-mode forward pass, as PyTorch's own
#: modules and shapecalc's realisation (shapecalc.torch) run it. Each is checked against
#: torch.autograd.graph.saved_tensors_hooks in tests/test_memory.py
KEEPS = {
    "input": _nothing,
    "conv": _conv,
    "dwconv": _conv,
    # LeNet-5's subsampling: a depthwise convolution whose kernel is the coefficient repeated (a view)
    "subsampling": _conv,
    "sparseconv": _sparseconv,
    "sepconv": _sepconv,
    "maxpool": _maxpool,
    "gmp": _maxpool,
    "adaptivemaxpool": _maxpool,
    "avgpool": _avgpool,
    "conv1d": _conv,
    "conv3d": _conv,
    "maxpool1d": _maxpool,
    "maxpool3d": _maxpool,
    "avgpool1d": _avgpool,
    "avgpool3d": _avgpool,
    # adaptive average pooling and mean() keep only sizes
    "gap": _nothing,
    "adaptiveavgpool": _adaptiveavgpool,
    "flatten": _nothing,
    "dense": _dense,
    # |x|² − 2·x·wᵀ + |w|²: x · x keeps x
    "rbf": _saves_input,
    "pointwise": _dense,
    "batchnorm": _batchnorm,
    "groupnorm": _groupnorm,
    "layernorm": _layernorm,
    "lrn": _lrn,
    "dropout": _dropout,
    # the derivative from the output: max(x, 0), tanh, σ, softmax
    "relu": _saves_output,
    "tanh": _saves_output,
    "sigmoid": _saves_output,
    "softmax": _saves_output,
    "scaledtanh": _scaledtanh,
    # the derivative from the input
    "relusix": _saves_input,
    "hardswish": _saves_input,
    "hardsigmoid": _saves_input,
    "silu": _saves_input,
    "gelu": _saves_input,
    "identity": _nothing,
    "padshortcut": _nothing,
    "zeropad": _nothing,
    "crop": _nothing,
    "stochasticdepth": _stochasticdepth,
    "shuffle": _nothing,
    "chunk": _nothing,
    "layerscale": _layerscale,
    "permute": _nothing,
    "rescaling": _rescaling,
    "normalization": _normalization,
    "reshape": _nothing,
    "tokens": _nothing,
    "classtoken": _nothing,
    "posembed": _nothing,
    "selecttoken": _nothing,
    "spacetodepth": _nothing,
    "upsample": _nothing,
    "concat": _nothing,
    "add": _nothing,
    "mul": _mul,
    "attention": _attention,
    "relativeattention": _relativeattention,
    "windowattention": _windowattention,
    "cosinewindowattention": _windowattention,
    # reshapes and permutes (copies or views): nothing kept
    "partition": _nothing,
    "departition": _nothing,
    "swapaxes": _nothing,
}

#: kinds whose output is a view of their input (the same storage): flatten, permute, a crop, a channel
#: chunk, tokens, a selected token, swapped axes, the identity (and a reshape of a vector: see _Flow.leaf)
VIEWS = frozenset({"input", "flatten", "identity", "crop", "chunk", "permute", "tokens", "selecttoken", "swapaxes"})


class _Flow:
    """The network's tensors in execution order: which storage each layer reads, writes and keeps."""

    def __init__(self, summary, bytes_per_element, device):
        self.batch = summary.batch
        self.bytes_per_element = bytes_per_element
        self.device = device
        self.rows = iter(summary.rows)
        self.kept = {}
        self.what = {}

    def statistics_bytes(self):
        """Bytes per element of BatchNorm's and LayerNorm's saved statistics: CUDA computes them in float32
        for 16-bit activations (their accumulation type), the CPU at the activations' dtype."""
        if self.device == "cuda":
            return max(self.bytes_per_element, 4)
        return self.bytes_per_element

    def charge(self, row, size, what):
        self.kept[row.path] = self.kept.get(row.path, 0) + size
        self.what.setdefault(row.path, []).append(what)

    def next_row(self, layer):
        row = next(self.rows)
        if row.layer is not layer:
            raise ConfigError(f"the rows do not follow the network's layers ({row.path}): memory needs the "
                              "summary of this very network", row.path)
        return row

    # -- the structure: the plan's steps (shapecalc.plan), as the walk ran them --
    def run(self, plan, x):
        """Every layer on its inputs' tensors; ``x`` the input batch's, which the input layer passes on."""
        from .plan import CLOSE, OPEN

        tensors = [None] * len(plan.steps)
        for i, step in enumerate(plan.steps):
            if step.op is OPEN:
                tensors[i] = tensors[step.inputs[0]]
            elif step.op is CLOSE:
                tensors[i] = tensors[step.passes_on]
            elif i == 0:
                self.next_row(step.node)  # the input layer: its row writes nothing
                tensors[i] = x
            else:
                tensors[i] = self.leaf(step.node, [tensors[j] for j in step.inputs])

    def leaf(self, layer, inputs):
        row = self.next_row(layer)
        trainable = row.trainable_params > 0
        step = _Step(self, row, inputs, trainable)
        kind = row.kind
        if kind in VIEWS or (kind == "reshape" and len(row.input_shape) != 3):
            # (a reshape of a map goes through channels-last, Keras' order: a copy)
            step.output = inputs[0]
        else:
            # a new storage: the output's elements × bytes
            step.output = _Tensor(row.activations * self.bytes_per_element, step.grad, row)
        KEEPS.get(kind, _unmodelled)(step)
        return step.output


def parameter_tensors(row, no_bias=False):
    """The parameter tensors of a layer's PyTorch module (the optimizers' step counters are one per tensor):
    one for the weights and one for the biases (nn.Conv2d, nn.Linear, nn.BatchNorm2d), except where
    shapecalc.torch realises a kind as several modules."""
    layer, kind = row.layer, row.kind
    bias = int(bool(getattr(layer, "bias", False)) and not no_bias)
    if kind == "sparseconv":
        return len(layer.table) * (1 + bias)  # a convolution per output map
    if kind == "sepconv":
        return 2 + bias  # depthwise weights; pointwise weights and biases
    if kind == "attention":
        return 2 * (1 + bias)  # in_proj_weight, in_proj_bias, out_proj's weight and bias
    if kind in ("windowattention", "relativeattention"):
        return 1 + 2 * (1 + bias)  # the position bias table; the QKV and output projections
    if kind == "cosinewindowattention":
        # the logit scale; the projections; the position MLP: 2 weights and a bias
        return 1 + 2 * (1 + bias) + 2 + (not no_bias)
    return (row.weights > 0) + (row.biases > 0)


def buffer_bytes(row, bytes_per_element):
    """Bytes of a layer's buffers as its PyTorch module holds them: floating-point statistics at the
    dtype, counters and position indices as int64."""
    n, kind = row.buffers, row.kind
    if not n:
        return 0
    if kind == "batchnorm":
        # running mean and variance, and the int64 num_batches_tracked
        return n * bytes_per_element + COUNTER_BYTES
    if kind == "normalization":
        # mean and variance, and Keras' int64 count (one of the n)
        return (n - 1) * bytes_per_element + COUNTER_BYTES
    if kind in ("windowattention", "relativeattention"):
        return n * INDEX_BYTES  # the relative position index, int64
    if kind == "cosinewindowattention":
        tokens = row.layer.size[0] * row.layer.size[1]
        # the index (n² int64) and the relative coordinates (2 per offset, at the dtype)
        return tokens * tokens * INDEX_BYTES + (n - tokens * tokens) * bytes_per_element
    return n * bytes_per_element


def estimate(summary, optimizer="adam", dtype=None, device="cuda"):
    """The :class:`MemoryEstimate` of an analysed network (a :class:`~shapecalc.report.Summary`): for
    training with ``optimizer`` at ``dtype`` (default: the summary's) on ``device`` ("cuda" or "cpu":
    only dropout's mask differs), at the summary's batch."""
    if not isinstance(optimizer, str) or optimizer.lower() not in OPTIMIZERS:
        raise ConfigError(f"unknown optimizer {optimizer!r}; expected one of: {', '.join(OPTIMIZERS)}", "--optimizer")
    optimizer = optimizer.lower()
    dtype = summary.dtype if dtype is None else dtype
    if dtype not in TRAINING_DTYPES:
        raise ConfigError(f"memory is estimated for training at a floating-point dtype ({', '.join(TRAINING_DTYPES)}); "
                          f"received {dtype!r}", "--dtype")
    if device not in DEVICES:
        raise ConfigError(f"device must be 'cuda' or 'cpu', received {device!r}", "device")
    if not all(type(d) is int for d in summary.input_shape):
        raise ConfigError(f"memory needs a numeric input, received {format_shape(summary.input_shape)} (give --subs)",
                          summary.model)
    b = DTYPE_BYTES[dtype]
    rows = summary.rows
    # parameters over every layer, side heads included: a training step holds and updates them all
    params = trainable = tensors = buffers = buffer_size = 0
    for r in rows:
        params += r.params
        buffers += r.buffers
        buffer_size += buffer_bytes(r, b)
        if r.trainable_params:
            trainable += r.trainable_params
            tensors += parameter_tensors(r, summary.no_bias)
    slots, step, _ = OPTIMIZERS[optimizer]

    flow = _Flow(summary, b, device)

    # the input batch: N · H · W · C elements, no gradient; kept where the first layer keeps its input
    x = _Tensor(_elements(summary.input_shape, summary.batch) * b, False, rows[0])
    flow.run(summary.plan, x)

    layer_records = []
    for r in rows:
        layer_records.append(LayerMemory(
            path=r.path, kind=r.kind, detail=r.detail, output_shape=tuple(r.output_shape),
            forward_elements=r.activations, forward_bytes=r.activations * b,
            kept_bytes=flow.kept.get(r.path, 0), kept=flow.what.get(r.path, []), modelled=r.kind in KEEPS,
        ))
    forward = summary.totals["activations"]
    return MemoryEstimate(
        model=summary.model, input_shape=tuple(summary.input_shape), batch=summary.batch, dtype=dtype,
        bytes_per_element=b, optimizer=optimizer, device=device,
        params=params, trainable_params=trainable, parameter_tensors=tensors, buffers=buffers,
        parameter_bytes=params * b,  # every parameter × bytes
        gradient_bytes=trainable * b,  # a gradient per trainable parameter
        optimizer_bytes=slots * trainable * b + (STEP_BYTES * tensors if step else 0),  # slots × trainable × bytes + steps
        buffer_bytes=buffer_size,
        forward_elements=forward, forward_bytes=forward * b,
        saved_bytes=sum(flow.kept.values()),
        layers=layer_records,
    )


def _elements(shape, batch):
    n = batch
    for d in shape:
        n *= d
    return n
