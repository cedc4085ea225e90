"""The layer-by-layer verification of a network's PyTorch realisation, and the counting tools run for real.

:func:`verify` builds the :func:`~shapecalc.torch.to_torch` module (or takes the user's own, imported),
runs one forward pass on zeros, records every layer's output shape with hooks and the whole pass's FLOPs
with ``torch.utils.flop_counter.FlopCounterMode``, and compares them, with the parameter counts, to
shapecalc's static figures; :func:`tool_counts` and :func:`run_tool` run fvcore, ptflops, torchinfo and
``FlopCounterMode`` on a module. torch is imported inside the functions only.
"""

from dataclasses import dataclass
from typing import Optional

from .errors import ConfigError
from .shapes import format_int, format_shape
from .torch import _build, shape_from_torch, torch_shape

__all__ = ["verify", "VerifyReport", "VerifyRow", "available_memory", "tool_counts", "run_tool", "TOOLS"]


# ---------------------------------------------------------------------------------------------------------
# verification


@dataclass(slots=True, kw_only=True)
class VerifyRow:
    """One leaf layer: shapecalc's figures next to PyTorch's (a ``torch_`` figure None where PyTorch has none of
    its own to compare: a functional call of an imported model, a module whose parameters another row holds)."""

    path: str
    kind: str
    detail: str
    side_head: bool
    shape: tuple
    torch_shape: Optional[tuple]
    params: int
    torch_params: Optional[int] = None
    trainable: Optional[int] = None
    torch_trainable: Optional[int] = None
    buffers: Optional[int] = None
    torch_buffers: Optional[int] = None
    flops: Optional[int] = None
    torch_flops: Optional[int] = None
    #: False for a layer whose output PyTorch does not show apart (see _verify_imported)
    observable: bool = True

    @property
    def shape_ok(self):
        if not self.observable:
            return True  # (nothing of PyTorch's to compare: see _verify_imported)
        return self.torch_shape is not None and tuple(self.shape) == tuple(self.torch_shape)

    @property
    def params_ok(self):
        # (None: a row without a module of its own, an imported model's functional call; the totals check it)
        return self.torch_params is None or (self.params, self.trainable, self.buffers) == (
            self.torch_params, self.torch_trainable, self.torch_buffers)

    @property
    def flops_ok(self):
        return self.torch_flops is None or self.flops == self.torch_flops

    @property
    def ok(self):
        return self.shape_ok and self.params_ok and self.flops_ok

    def to_dict(self):
        out = {k: getattr(self, k) for k in self.__slots__}
        out["shape"] = list(self.shape)
        out["torch_shape"] = None if self.torch_shape is None else list(self.torch_shape)
        out.update(shape_ok=self.shape_ok, params_ok=self.params_ok, flops_ok=self.flops_ok)
        return out


class VerifyReport:
    """The result of :func:`verify`: ``ok``, per-layer ``rows``, totals, and ``table(format=...)``."""

    def __init__(self, model, input_shape, batch, device, rows, totals):
        self.model = model
        self.input_shape = tuple(input_shape)
        self.batch = batch
        self.device = device
        self.rows = rows
        self.totals = totals

    @property
    def mismatches(self):
        """Paths of the layers whose shape or parameters differ, and ``FLOPs`` / ``side head FLOPs``."""
        bad = [r.path for r in self.rows if not r.ok]
        t = self.totals
        if t["flops"] != t["torch_flops"]:
            bad.append("FLOPs")
        if t["side_head_flops"] != t["torch_side_head_flops"]:
            bad.append("side head FLOPs")
        return bad

    @property
    def ok(self):
        return not self.mismatches

    def to_dict(self):
        return {"model": self.model, "input": list(self.input_shape), "batch": self.batch, "device": self.device,
                "ok": self.ok, "layers": [r.to_dict() for r in self.rows], "totals": dict(self.totals)}

    def table(self, format="text"):
        """The per-layer table (✓/✗ for shape and for parameters) and the totals. ``format``: "text",
        "json", "csv" or a tabulate format."""
        if format == "json":
            import json

            return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)
        mark = {True: "✓", False: "✗"}
        header = ["layer", "type", "shapecalc", "PyTorch", "shape", "params", "PyTorch params", "params ok",
                  "FLOPs ok"]
        body = []
        for r in self.rows:
            theirs = ("(inside a module)" if not r.observable else "—") if r.torch_shape is None \
                else format_shape(r.torch_shape)
            if r.torch_params is None:
                body.append([r.path, r.detail, format_shape(r.shape), theirs, mark[r.shape_ok], format_int(r.params),
                             "— (no module)", "", ""])
                continue
            tparams = format_int(r.torch_params)
            if r.torch_trainable != r.torch_params:
                tparams += f" ({format_int(r.torch_params - r.torch_trainable)} fixed)"
            if r.torch_buffers:
                tparams += f" +{format_int(r.torch_buffers)} buffers"
            body.append([r.path + (" (side head)" if r.side_head else ""), r.detail, format_shape(r.shape),
                         theirs, mark[r.shape_ok], format_int(r.params), tparams, mark[r.params_ok],
                         mark[r.flops_ok]])
        if format == "csv":
            from .report import to_csv

            return to_csv(header, body)
        align = ("left", "left", "right", "right", "center", "right", "right", "center", "center")
        if format == "text":
            from .report import plain_table

            grid = plain_table(header, body, align=align)
        else:
            from .tables import tabulate_table

            grid = tabulate_table(header, body, format, align=align)
        t = self.totals
        lines = [
            f"{self.model} — input {format_shape(self.input_shape)}, batch {self.batch}, verified with PyTorch "
            f"on {self.device}",
            grid,
            "",
            f"params{' (side heads included)' if any(r.side_head for r in self.rows) else ''}: "
            f"shapecalc {format_int(t['params'])}, PyTorch {format_int(t['torch_params'])} "
            f"(trainable {format_int(t['trainable_params'])} / {format_int(t['torch_trainable_params'])}) "
            f"{mark[(t['params'], t['trainable_params']) == (t['torch_params'], t['torch_trainable_params'])]}",
            f"FLOPs: shapecalc 2 × {format_int(t['flops'] // 2)} MACs = {format_int(t['flops'])}, "
            f"FlopCounterMode {format_int(t['torch_flops'])} {mark[t['flops'] == t['torch_flops']]}",
        ]
        if t["side_head_flops"] or t["torch_side_head_flops"]:
            lines.append(
                f"side heads (apart): shapecalc {format_int(t['side_head_flops'])} FLOPs, FlopCounterMode "
                f"{format_int(t['torch_side_head_flops'])} "
                f"{mark[t['side_head_flops'] == t['torch_side_head_flops']]}"
            )
        bad = self.mismatches
        n = len(self.rows)
        lines.append(f"all ✓: {n} layers agree" if not bad else f"✗ {len(bad)} mismatch(es): {', '.join(bad)}")
        if format != "text":
            # (LaTeX: the title a caption, the lines below the table paragraphs; others as text)
            from .tables import framed

            return framed(lines[0], lines[1], lines[3:], format)
        return "\n".join(lines)

    def __str__(self):
        return self.table()

    def __repr__(self):
        return f"<VerifyReport {self.model} ok={self.ok} layers={len(self.rows)}>"


def _submodule(module, path):
    """The submodule at a row path, through ``_modules`` (``get_submodule`` goes through ``getattr``, which
    finds ``Module.train`` before a layer named "train")."""
    for part in path.split("."):
        module = module._modules[part]
    return module


def _build_empty(s, no_bias, device):
    """The module on ``device`` in eval mode, its parameters zero instead of randomly initialised (a
    forward pass on zeros needs no values; skipping the initialisation of VGG's 124 M dense weights saves
    seconds)."""
    import torch

    with torch.device("meta"):
        module = _build(s, no_bias)
    module = module.to_empty(device=device).eval()
    with torch.no_grad():
        for p in module.parameters():
            p.zero_()
        for name, b in module.named_buffers():
            b.fill_(1 if name.endswith("running_var") else 0)
    return module


def _device(device):
    import torch

    if device is None:
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device not in ("cpu", "cuda", "meta") and not str(device).startswith("cuda:"):
        raise ConfigError(f"device must be cpu or cuda (or meta: shapes only, no arithmetic), received {device!r}",
                          "--device")
    if str(device).startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError("device cuda was asked for, but PyTorch sees no CUDA device", "--device")
    return str(device)


def verify(model, input=None, device=None, batch=1, no_bias=False, **options):
    """Build ``model`` in PyTorch, run one forward pass on zeros and compare, layer by layer, the output
    shape and the parameters (trainable and fixed, buffers apart), and in total the FLOPs counted by
    ``FlopCounterMode`` (side heads apart), with shapecalc's figures. Returns a :class:`VerifyReport`.

    ``device``: "cpu" or "cuda" (default: cuda when available).
    """
    from .report import summary

    s = summary(model, input, batch=batch, no_bias=no_bias, **options)
    if any(not isinstance(d, int) for d in s.input_shape):
        raise ConfigError(f"verify needs a numeric input, received {format_shape(s.input_shape)}", "--verify")
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    original = getattr(s.network, "imported_module", None)
    if original is not None:
        return _verify_imported(s, original, device, batch, no_bias)
    device = _device(device)
    _check_memory(s, device)
    module = _build_empty(s, no_bias, device)

    leaves = {r.path: r for r in s.all_rows if r.leaf}
    seen = {}
    handles = []
    for name, sub in module.named_modules():
        if name in leaves:
            def hook(_module, _inputs, output, name=name):
                seen.setdefault(name, tuple(output.shape))
            handles.append(sub.register_forward_hook(hook))

    x = torch.zeros((batch,) + torch_shape(s.input_shape), device=device)
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        module(x)
    for h in handles:
        h.remove()
    counts = counter.get_flop_counts()
    prefix = type(module).__name__ + "."
    heads = [r.path for r in s.all_rows if not r.leaf and r.kind == "sidehead"]
    outermost = [p for p in heads if not any(p.startswith(q + ".") for q in heads)]
    # FlopCounterMode also tallies per module, named "<root class>.<path>"
    torch_side = sum(sum(counts.get(prefix + p, {}).values()) for p in outermost)

    rows = []
    for r in s.rows:
        sub = _submodule(module, r.path)
        params = list(sub.parameters())
        buffers = [b for n, b in sub.named_buffers() if not n.endswith("num_batches_tracked")]
        measured = seen.get(r.path)
        if measured is not None:
            ok_batch = measured[0] == batch
            measured = shape_from_torch(measured) if ok_batch else tuple(measured)
        rows.append(VerifyRow(
            path=r.path, kind=r.kind, detail=r.detail, side_head=r.side_head,
            shape=tuple(r.output_shape), torch_shape=measured,
            params=r.params, torch_params=sum(p.numel() for p in params),
            trainable=r.trainable_params, torch_trainable=sum(p.numel() for p in params if p.requires_grad),
            buffers=r.buffers, torch_buffers=sum(b.numel() for b in buffers),
            # FLOPs = 2 · MACs, against what FlopCounterMode tallied inside this layer's module
            flops=r.flops, torch_flops=sum(counts.get(prefix + r.path, {}).values()),
        ))
    main = [r for r in s.rows if not r.side_head]
    side = [r for r in s.rows if r.side_head]
    all_params = list(module.parameters())
    totals = {
        "params": sum(r.params for r in s.rows),
        "trainable_params": sum(r.trainable_params for r in s.rows),
        "torch_params": sum(p.numel() for p in all_params),
        "torch_trainable_params": sum(p.numel() for p in all_params if p.requires_grad),
        # FLOPs = 2 · MACs, the main path; side heads apart
        "flops": sum(r.flops for r in main),
        "torch_flops": counter.get_total_flops() - torch_side,
        "side_head_flops": sum(r.flops for r in side),
        "torch_side_head_flops": torch_side,
        "torch_version": torch.__version__,
    }
    return VerifyReport(s.model, s.input_shape, batch, device, rows, totals)


def _numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def available_memory(device):
    """Bytes that a run on ``device`` may allocate: CUDA's free memory, or Linux's MemAvailable (None where
    neither is known)."""
    if device == "meta":
        return None
    if str(device).startswith("cuda"):
        import torch

        return torch.cuda.mem_get_info(torch.device(device))[0]
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _check_memory(s, device):
    """Refuse, before allocating anything, a run that cannot fit: at the least, the parameters and buffers,
    and one layer's input and output at once (float32, the whole batch)."""
    free = available_memory(device)
    if free is None:
        return
    held = s.totals["params_with_side_heads"] + s.totals["buffers"]
    widest = max((_numel(r.input_shape) + _numel(r.output_shape) for r in s.rows), default=0) * s.batch
    need = 4 * (held + widest)
    if need > free:
        from .report import format_bytes

        raise ConfigError(f"--verify on {format_shape(s.input_shape)} would need at least {format_bytes(need)} on "
                          f"{device} (parameters and the largest layer's input and output), and "
                          f"{format_bytes(free)} is available: --device meta checks shapes and FLOPs without memory",
                          "--verify")


def _layouts(shape):
    """The per-sample sizes of a shapecalc map in PyTorch's two layouts: N×C×H×W and N×H×W×C."""
    h, w, c = shape
    return {(c, h, w), (h, w, c)}


def _verify_imported(s, module, device, batch, no_bias):
    """:func:`verify` against the user's own module (an import, :mod:`shapecalc.from_torch`): one forward pass
    on zeros, on the device its parameters are on (``meta``: shapes and FLOPs only). Each row that is a
    module of the model is compared with it (output shape, parameters, FLOPs); a row that is a functional
    call (an addition, a concatenation) has no module of its own: its shape comes from the traced run, and the
    totals compare everything."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    if no_bias:
        raise ConfigError("--no-bias changes the network; the imported module has its biases: verify without it",
                          "--verify")
    if s.partial:
        raise ConfigError(f"{s.partial_line()}: nothing to verify them against", "--verify")
    here = next((p.device for p in module.parameters()), torch.device("cpu"))
    if here.type == "meta" and getattr(module, "_shapecalc_constructed", False) and device not in (None, "meta"):
        # a class that --python built on the meta device: built again, empty, where it is to run
        module = module.to_empty(device=_device(device))
        with torch.no_grad():
            for p in module.parameters():
                p.zero_()
            for name, b in module.named_buffers():
                b.fill_(1 if name.endswith("running_var") else 0)
        here = next((p.device for p in module.parameters()), torch.device("cpu"))
    if device is not None and torch.device(device).type != here.type:
        raise ConfigError(f"the module's parameters are on {here}; --verify runs it there (move the module, or "
                          f"leave --device out), received --device {device}", "--device")
    modules = dict(module.named_modules())
    rows = {r.path: r for r in s.rows}
    seen, handles = {}, []
    for path in rows:
        if path in modules:
            def hook(_m, _i, output, path=path):
                if isinstance(output, (tuple, list)):
                    output = output[0]
                seen.setdefault(path, tuple(output.shape))
            handles.append(modules[path].register_forward_hook(hook))
    shape = torch_shape(s.input_shape)
    if getattr(s.network, "input_form", None) == "sequence":
        shape = shape[::-1]  # (a module that reads its sequence channels first, N×C×L)
    x = torch.zeros((batch,) + shape, device=here)
    counter = FlopCounterMode(display=False)
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad(), counter:
            module(x)
    finally:
        module.train(was_training)
        for h in handles:
            h.remove()
    counts = counter.get_flop_counts()
    prefix = type(module).__name__ + "."
    observed = getattr(s.network, "observed_shapes", {})
    repeated = getattr(s.network, "repeated_modules", set())
    out = []
    for r in s.rows:
        sub = modules.get(r.path)
        measured = seen.get(r.path)
        observable = True
        if measured is not None:
            # a map may be N×C×H×W or N×H×W×C (after a permute): PyTorch's sizes in either layout
            if len(measured) == 4 and len(r.output_shape) == 3 and tuple(measured[1:]) in _layouts(r.output_shape):
                measured = tuple(r.output_shape)
            elif len(measured) == 3 and len(r.output_shape) == 2 and tuple(measured[1:]) == tuple(r.output_shape)[::-1]:
                measured = tuple(r.output_shape)  # a sequence, N×C×L in PyTorch
            else:
                measured = shape_from_torch(measured) if len(measured) in (4, 5) else tuple(measured[1:])
        elif sub is None and r.path in observed and batch == 1:
            measured = tuple(observed[r.path])
        elif sub is None:
            # a row inside what the model computes in one module (a patch merging's gathering): no output of
            # its own to observe; the module's own output and the totals are compared
            observable = False
        fields = dict(path=r.path, kind=r.kind, detail=r.detail, side_head=r.side_head, shape=tuple(r.output_shape),
                      torch_shape=measured, params=r.params, trainable=r.trainable_params, buffers=r.buffers,
                      flops=r.flops, observable=observable)
        if sub is not None and not any(p.startswith(r.path + ".") for p in rows):
            params = list(sub.parameters())
            buffers = [b for n, b in sub.named_buffers() if not n.endswith("num_batches_tracked")]
            if r.layer.shares is None:
                # (a module whose parameters another row holds: the totals compare them, once)
                fields.update(torch_params=sum(p.numel() for p in params),
                              torch_trainable=sum(p.numel() for p in params if p.requires_grad),
                              torch_buffers=sum(b.numel() for b in buffers))
            if r.path not in repeated:
                # (a module called more than once: FlopCounterMode sums its calls; the totals compare them)
                fields["torch_flops"] = sum(counts.get(prefix + r.path, {}).values())
        out.append(VerifyRow(**fields))
    all_params = list(module.parameters())
    totals = {
        "params": s.totals["params"],
        "trainable_params": s.totals["trainable_params"],
        "torch_params": sum(p.numel() for p in all_params),
        "torch_trainable_params": sum(p.numel() for p in all_params if p.requires_grad),
        "flops": 2 * s.totals["macs"],
        "torch_flops": counter.get_total_flops(),
        "side_head_flops": 0,
        "torch_side_head_flops": 0,
        "torch_version": torch.__version__,
    }
    return VerifyReport(s.model + " (the imported module itself)", s.input_shape, batch, str(here), out, totals)


# ---------------------------------------------------------------------------------------------------------
# the counting tools, run for real (for the convention presets)

TOOLS = ("fvcore", "ptflops", "torchinfo", "flopcounter")


def tool_counts(model, input=None, tools=TOOLS, **options):
    """What fvcore, ptflops, torchinfo and ``FlopCounterMode`` report for the
    :func:`~shapecalc.torch.to_torch` module of ``model`` at batch 1 on CPU (eval mode, zero weights):
    ``{"fvcore": int, ...}``. The tools must be installed; the presets ``convention="fvcore"`` etc. reproduce
    these numbers statically."""
    from .report import summary

    s = summary(model, input, **options)

    shape = torch_shape(s.input_shape)
    out = {}
    for tool in tools:
        if tool not in TOOLS:
            raise ConfigError(f"unknown tool {tool!r}; expected one of: {', '.join(TOOLS)}", "tools")
        out[tool] = run_tool(tool, _build_empty(s, False, "cpu"), shape, s.model)
    return out


def run_tool(tool, module, shape, what="the module"):
    """What ``tool`` (one of :data:`TOOLS`) reports for ``module`` — any ``torch.nn.Module``, shapecalc's
    realisation or torchvision's own — on a batch of one zeros input of ``shape`` (C, H, W, or the sizes
    after the batch), under ``torch.no_grad()`` as an inference measurement, the tool's printing silenced."""
    import contextlib
    import io
    import warnings

    import torch

    x = torch.zeros((1,) + tuple(shape))
    quiet = io.StringIO()
    with torch.no_grad(), warnings.catch_warnings(), contextlib.redirect_stdout(quiet), \
            contextlib.redirect_stderr(quiet):
        warnings.simplefilter("ignore")
        if tool == "fvcore":
            from fvcore.nn import FlopCountAnalysis

            analysis = FlopCountAnalysis(module, x)
            analysis.unsupported_ops_warnings(False).uncalled_modules_warnings(False).tracer_warnings("none")
            value = analysis.total()
        elif tool == "ptflops":
            from ptflops import get_model_complexity_info

            value, _ = get_model_complexity_info(module, tuple(shape), print_per_layer_stat=False,
                                                 as_strings=False, backend="pytorch")
        elif tool == "torchinfo":
            import torchinfo

            value = torchinfo.summary(module, input_data=x, verbose=0).total_mult_adds
        elif tool == "flopcounter":
            from torch.utils.flop_counter import FlopCounterMode

            counter = FlopCounterMode(display=False)
            with counter:
                module(x)
            value = counter.get_total_flops()
        else:
            raise ConfigError(f"unknown tool {tool!r}; expected one of: {', '.join(TOOLS)}", "tools")
    if value is None:
        raise RuntimeError(f"{tool} failed on {what}: {quiet.getvalue().strip()[-500:]}")
    return int(value)
