"""A thin PyTorch realisation of any shapecalc network.

:func:`to_torch` builds one small ``torch.nn.Module`` per shapecalc leaf, and one container per composite,
named by the row paths of the analysis: ``module.get_submodule("inception3a.branch2.conv3x3")`` is the
layer that ``summary(...)["inception3a.branch2.conv3x3"]`` describes. Its layer-by-layer verification
(:func:`~shapecalc.verify.verify`) and the counting tools run for real (:func:`~shapecalc.verify.tool_counts`)
are in :mod:`shapecalc.verify`; ``from shapecalc.torch import verify`` still works.

How the unusual layers are realised (faithfully: same parameters, same outputs, same multiply-adds):

- ``"same"`` padding that is asymmetric (stride > 1, or an even kernel) is an explicit ``ZeroPad2d``
  (``-inf`` padding for max pooling) before the unpadded layer;
- LeNet-5's subsampling (one coefficient and one bias per map) is a depthwise convolution whose kernel
  is the map's coefficient repeated over the window: exactly ``coefficient · Σ window + bias``;
- a sparse connection table (LeNet-5's C3) is one small convolution per output map over the input maps
  it is connected to, so the parameters are exactly those of the table;
- the RBF output holds its centres as a parameter with ``requires_grad=False`` and computes
  ``Σ_j (x_j − w_ij)² = |x|² − 2 x·w_i + |w_i|²``;
- side heads run in the forward pass (hooks and FLOP counters see them) and their outputs come back
  after the main one: ``(main, side1, side2, …)``; ``module.run_side_heads = False`` gives the
  inference module (main output only);
- a layer that the network's forward computes without a module of its own (``call="functional"``:
  ``F.relu(x)``, ``F.avg_pool2d(x, …)``; ``call="mean"``: ``x.mean([2, 3])``) is a parameter-free module
  that makes that call; ConvNeXt's LayerNorm2d (``channels_first``) a subclass of nn.LayerNorm; the
  attention kinds call what torchvision's call (``F.linear`` on the projections' weights in Swin, ``@`` in
  Swin V2, ``torch.einsum`` in MaxViT) and the parameters are named as torchvision names them
  (``layer_scale``, ``class_token``, ``pos_embedding``, ``in_proj_weight``): the counting tools see what
  they see on torchvision's own modules.

torch is imported inside the functions only: ``import shapecalc.torch`` does not import it.
"""

from .errors import ConfigError

# (verify, VerifyReport and VerifyRow: re-exported from shapecalc.verify by __getattr__)
__all__ = ["to_torch", "verify", "VerifyReport", "VerifyRow", "torch_shape", "shape_from_torch"]  # noqa: F822


# ---------------------------------------------------------------------------------------------------------
# shapes


def torch_shape(shape):
    """PyTorch's per-sample layout of a shapecalc shape: a map (H, W, C) → (C, H, W), a volume (D, H, W, C)
    → (C, D, H, W); tokens or a sequence (N, D) and a vector (N,) unchanged."""
    shape = tuple(shape)
    if len(shape) in (3, 4):
        return (shape[-1],) + shape[:-1]
    return shape


def shape_from_torch(size):
    """shapecalc's per-sample shape of a PyTorch tensor size: (N, C, H, W) → (H, W, C), (N, C, D, H, W) →
    (D, H, W, C); (N, F) → (F,)."""
    size = tuple(int(d) for d in size)
    if len(size) in (4, 5):
        return size[2:] + size[1:2]
    return size[1:]


# ---------------------------------------------------------------------------------------------------------
# module classes: in shapecalc.torchmodules, imported on first use (it imports torch)


def _classes():
    """The module of shapecalc's PyTorch module classes, with torch and nn (:mod:`shapecalc.torchmodules`):
    what a layer kind's ``to_torch`` receives as ``T``."""
    from . import torchmodules

    return torchmodules


# ---------------------------------------------------------------------------------------------------------
# leaves


def _leaf(row, no_bias):
    """The PyTorch module of one leaf row: its kind's own (``Layer.to_torch``), on the row's input shape."""
    return row.layer.to_torch(row.input_shape, no_bias, _classes())


# ---------------------------------------------------------------------------------------------------------
# composites


def _build(s, no_bias):
    """The module tree of summary ``s``: a block module per composite row, which runs its children as the
    plan (:mod:`shapecalc.plan`) routes them, and every leaf's own module at its row path."""
    from .plan import CLOSE, OPEN

    plan = s.plan
    K = _classes()
    state = K.SideHeadState()
    root = K.Network(s.model, "", state)
    root.result = plan.output
    blocks = {-1: root}
    rows = iter(s.all_rows)
    for i, step in enumerate(plan.steps):
        if step.op is CLOSE:
            blocks[step.block].result = step.inputs[0]
            continue
        row = next(rows)
        if row.path != step.path:
            raise ConfigError(f"the rows do not follow the network's layers ({row.path}): the module needs the "
                              "summary of this very network", row.path)
        parent = blocks[step.block]
        if step.op is OPEN:
            blocks[i] = module = K.Block(row.kind, row.path, i, state if step.node.side_output else None)
            parent.put(row.name, module, step.end, step.inputs)
        else:
            parent.put(row.name, _leaf(row, no_bias), i, step.inputs)
    root.rows = s.all_rows
    return root


def to_torch(model, input=None, no_bias=False, **options):
    """A ``torch.nn.Module`` realising ``model`` (a zoo name, a Network, a layer or a list of layers) on
    ``input`` (default: the network's own), with every layer at its row path.

    The module takes NCHW tensors (or N×F for vector inputs). ``module.rows`` holds shapecalc's rows.
    """
    from .report import summary

    s = summary(model, input, no_bias=no_bias, **options)
    module = _build(s, no_bias)
    module.input_shape = s.input_shape
    return module


# ---------------------------------------------------------------------------------------------------------
# the names that moved to shapecalc.verify (the verification, the counting tools), still importable from
# here: loaded on first use (``import shapecalc.torch`` imports neither shapecalc.verify nor torch)

_MOVED = ("verify", "VerifyReport", "VerifyRow", "available_memory", "tool_counts", "run_tool", "TOOLS")


def __getattr__(name):
    if name not in _MOVED:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"{__package__}.verify"), name)


def __dir__():
    return sorted(set(globals()) | set(_MOVED))
