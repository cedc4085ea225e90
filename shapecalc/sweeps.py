"""``shapecalc.sweep()`` (this module: ``shapecalc.sweeps``): every layer's figures over arrays of input sizes, for cost-versus-resolution plots.

The walk of the numeric table (:func:`shapecalc.analysis.walk`) runs once with numpy arrays as the input
sizes; the layer rules are the same lines of code, and a :class:`~shapecalc.validsizes.NumpyContext` marks
the sizes at which the network does not run instead of raising.

>>> import numpy as np
>>> from shapecalc import sweep
>>> s = sweep("cnn-39x31", H=np.array([30, 39, 47]), W=np.array([31, 31, 31]))
>>> s.valid.tolist()                 # 31 is the smallest height that gives an output
[False, True, True]
>>> s["conv1"].output_shape[0].tolist()   # H − 4 + 1; 0 where the network does not run
[0, 36, 44]
>>> s["dense"].macs.tolist()         # (2 × 1 × 80) × 100 at H = 39, (3 × 1 × 80) × 100 at H = 47
[0, 16000, 24000]
"""

from .errors import ConfigError
from .layers import Input, Sequential

__all__ = ["sweep", "Sweep", "LayerSweep"]


class LayerSweep:
    """One layer over the swept sizes: ``output_shape`` (a tuple of arrays or ints), ``params``, ``macs``,
    ``flops``, ``activations`` (arrays, or ints where they do not depend on the size)."""

    def __init__(self, row, valid):
        self.path = row.path
        self.kind = row.kind
        self.leaf = row.leaf
        self.output_shape = tuple(_masked(d, valid) for d in row.output_shape) if row.output_shape else None
        self.params = _masked(row.params, valid)
        self.macs = _masked(row.macs, valid)
        self.flops = _masked(2 * row.macs, valid)
        self.activations = _masked(row.activations, valid)
        rf = row.receptive_field
        self.receptive_field = None if rf is None else tuple(_masked(v, valid) for v in rf)

    def __repr__(self):
        return f"LayerSweep({self.path!r}, {self.kind})"


def _masked(value, valid):
    """Arrays keep their values where the network runs and 0 where it does not (plain ints stay ints)."""
    if isinstance(value, int):
        return value
    import numpy as np

    return np.where(valid, value, 0)


class Sweep:
    """The result of :func:`sweep`: ``H``, ``W`` (the swept sizes), ``valid`` (the network gives an output
    there; side heads included), ``exact`` (and every division is exact), ``layers`` (one
    :class:`LayerSweep` per row, blocks included), ``totals`` (dict of arrays: params, macs, flops,
    activations, activation_bytes) and ``s["conv1"]``. Figures are 0 where ``valid`` is False."""

    def __init__(self, model, H, W, valid, exact, layers, totals):
        self.model, self.H, self.W = model, H, W
        self.valid, self.exact = valid, exact
        self.layers = layers
        self.totals = totals

    def __getitem__(self, name):
        for layer in self.layers:
            if layer.path == name:
                return layer
        matches = [layer for layer in self.layers if layer.path.rsplit(".", 1)[-1] == name]
        if len(matches) == 1:
            return matches[0]
        raise KeyError(f"no layer named {name!r}" if not matches else f"{name!r} is ambiguous")

    def __len__(self):
        return len(self.H)

    def __repr__(self):
        return f"<Sweep {self.model}: {len(self)} sizes, {int(self.valid.sum())} valid>"


def sweep(model, H=None, W=None, C=None, batch=1, no_bias=False, dtype="float32", **options):
    """Per-layer output sizes, MACs, parameters and validity over arrays of input sizes.

    ``H`` and ``W`` are arrays (or ints) of sizes, broadcast together; a missing one is the same as the
    other (square inputs). ``C`` defaults to the network's input channels. Extra ``options`` go to a zoo
    network's factory.
    """
    import numpy as np

    from .analysis import walk
    from .report import Summary, _check_options, resolve
    from .validsizes import NumpyContext

    network = resolve(model, **options)
    default = getattr(network, "input_shape", None)
    if H is None and W is None:
        raise ConfigError("give the sizes to sweep: sweep(model, H=array, W=array)", "sweep")
    H = W if H is None else H
    W = H if W is None else W
    if C is None:
        if default is None or len(default) != 3:
            raise ConfigError("this network has no default feature-map input: give C=channels", "sweep")
        C = default[2]
    _check_options((1, 1, C), batch, dtype, "macs")
    H, W = np.broadcast_arrays(np.asarray(H), np.asarray(W))
    if H.ndim != 1 or not np.issubdtype(H.dtype, np.integer) or not np.issubdtype(W.dtype, np.integer):
        raise ConfigError("H and W must be 1-D arrays of whole numbers", "sweep")
    if H.size and (H.min() < 1 or W.min() < 1):
        raise ConfigError(f"sizes must be at least 1, received {min(H.min(), W.min())}", "sweep")
    # int64 holds every figure while H·W stays below 10^7; beyond that, exact Python integers (slower)
    big = H.size and int(H.max()) * int(W.max()) > 10**7
    h = np.array([int(v) for v in H], dtype=object) if big else H.astype(np.int64)
    w = np.array([int(v) for v in W], dtype=object) if big else W.astype(np.int64)
    layers = list(network.layers) if isinstance(network, Sequential) else [network]
    if layers and isinstance(layers[0], Input):
        layers = layers[1:]
    ctx = NumpyContext()
    rows = walk(Sequential(*layers), (h, w, C), ctx, batch=batch, no_bias=no_bias)
    n = H.size
    fail = np.broadcast_to(np.asarray(ctx.fail | ctx.side_fail, dtype=bool), (n,))
    inexact = np.broadcast_to(np.asarray(ctx.inexact | ctx.side_inexact, dtype=bool), (n,))
    valid = ~fail
    exact = valid & ~inexact
    name = getattr(network, "title", None) or (model if isinstance(model, str) else type(network).__name__)
    totals = Summary(name, (1, 1, C), rows, batch=batch, dtype=dtype, no_bias=no_bias).totals
    totals = {k: _masked(v, valid) for k, v in totals.items()}
    return Sweep(name, H, W, valid, exact, [LayerSweep(r, valid) for r in rows], totals)

