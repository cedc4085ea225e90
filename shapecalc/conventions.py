"""Counting conventions: what the "operations" column of a table counts.

Every convention is a function of one leaf :class:`~shapecalc.analysis.Row` (its layer, input and
output shapes and figures) returning an exact integer. The row's own rules give the MACs; a convention
only decides what else a tool would add (bias, normalisation, pooling, activations) and whether it
reports multiply-accumulates or FLOPs.

- ``macs`` (default): multiply-accumulates of convolutions and fully-connected layers, bias excluded —
  the convention of the papers and of torchvision's published "GFLOPS".
- ``flops``: 2 × MACs, PyTorch's ``torch.utils.flop_counter.FlopCounterMode``.
- ``connections``: MACs plus bias additions, the LeNet-5 paper's "connections".
"""

__all__ = ["CONVENTIONS", "DESCRIPTIONS", "count", "get"]


def _macs(row):
    return row.macs


def _flops(row):
    # a multiply-accumulate is two floating-point operations
    return 2 * row.macs


def _connections(row):
    return row.macs + row.bias_adds


CONVENTIONS = {
    "macs": _macs,
    "flops": _flops,
    "connections": _connections,
}

#: column heading and one-line meaning of each convention
DESCRIPTIONS = {
    "macs": ("MACs", "multiply-accumulates of conv and dense layers, bias excluded (papers, torchvision GFLOPS)"),
    "flops": ("FLOPs", "2 × MACs (PyTorch FlopCounterMode)"),
    "connections": ("connections", "MACs + bias additions (LeNet-5 paper)"),
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
