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
  storage once — which layer keeps what is its kind's rule (``saves``, :mod:`shapecalc.saved`; each checked against PyTorch's
  ``saved_tensors_hooks`` in tests/test_memory.py);
- **forward activations**: every layer's output summed, the table's "activations" line: what the lecture
  notes add up. It is neither what training keeps nor the peak of an inference pass.

Nothing here imports numpy, sympy or torch.
"""

from dataclasses import dataclass, field

from . import saved
from .errors import ConfigError
from .saved import COUNTER_BYTES, INDEX_BYTES  # noqa: F401 (the memory figures' units, as before)
from .shapes import DTYPE_BYTES, format_int, format_shape

__all__ = ["estimate", "MemoryEstimate", "LayerMemory", "OPTIMIZERS"]


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
    #: False where the kind names no rule (``saves``) (its input and output are counted as kept)
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
        """The layers whose kind names no rule (``saves``): their input and output are counted as
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
        if layer.output_is_view(row.input_shape):
            step.output = inputs[0]
        else:
            # a new storage: the output's elements × bytes
            step.output = _Tensor(row.activations * self.bytes_per_element, step.grad, row)
        # (read from the class: the rule is a plain function, not a method of the layer)
        (type(layer).saves or saved.unmodelled)(step)
        return step.output


def parameter_tensors(row, no_bias=False):
    """The parameter tensors of a layer's PyTorch module (the optimizers' step counters are one per tensor):
    its kind's ``parameter_tensors``."""
    return row.layer.parameter_tensors(row, no_bias)


def buffer_bytes(row, bytes_per_element):
    """Bytes of a layer's buffers as its PyTorch module holds them: its kind's ``buffer_bytes``."""
    return row.layer.buffer_bytes(row, bytes_per_element) if row.buffers else 0


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
            kept_bytes=flow.kept.get(r.path, 0), kept=flow.what.get(r.path, []), modelled=type(r.layer).saves is not None,
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
