"""The zoo: every known network, by name.

The registry below is plain data (name, module, factory, default input, one-line description), so that
``shapecalc list`` and name look-ups import no network definition; a network's module is imported only
when that network is asked for.
"""

from ..errors import ConfigError, UnknownModelError

__all__ = ["ENTRIES", "ALIASES", "names", "get", "entry"]

#: name -> (module in shapecalc.zoo, factory function, default input, description)
ENTRIES = {
    # -- the course examples --
    "cnn-39x31": ("course", "cnn_39x31", (39, 31, 1),
                  "DeepID-style worked example: 4 convs (20, 40, 60, 80 filters), 3 max-pools, dense 100, softmax"),
    "conv5x5-28x28x192": ("course", "conv5x5", (28, 28, 192),
                          "a direct 5×5 convolution to 32 channels (the cost the 1×1 bottleneck avoids)"),
    "bottleneck-28x28x192": ("course", "bottleneck", (28, 28, 192),
                             "1×1 convolution to 16 channels, then 5×5 to 32 (the 1×1 bottleneck)"),
    "residual-module": ("course", "residual_module", (256, 256, 3),
                        "residual module: two 3×3 convs of 64 filters, 1×1 projection shortcut, add, ReLU"),
    "inception-naive": ("course", "inception_naive", (28, 28, 192),
                        "naive Inception module: parallel 1×1, 3×3, 5×5 convs and a 3×3 max-pool, concatenated"),
    "inception-3a": ("course", "inception_3a", (28, 28, 192),
                     "Inception module with 1×1 reductions (GoogLeNet 3a widths: 64; 96→128; 16→32; pool→32)"),
    "stack-3x3": ("course", "stack_3x3", (56, 56, 64),
                  "three stacked 3×3 convolutions (receptive field 7×7), 64 channels"),
    "single-7x7": ("course", "single_7x7", (56, 56, 64),
                   "one 7×7 convolution (receptive field 7×7), 64 channels"),
    "stack-3x3x2": ("course", "stack_3x3x2", (56, 56, 64),
                    "two stacked 3×3 convolutions (receptive field 5×5), 64 channels"),
    "single-5x5": ("course", "single_5x5", (56, 56, 64),
                   "one 5×5 convolution (receptive field 5×5), 64 channels"),
}

#: alias -> name
ALIASES = {}


def names():
    """Every network name, in registry order (aliases not included)."""
    return list(ENTRIES)


def entry(name):
    """The registry entry of ``name`` (or of the network an alias points to)."""
    key = ALIASES.get(name, name)
    try:
        return key, ENTRIES[key]
    except KeyError:
        from ..suggest import closest

        raise UnknownModelError(
            f"unknown network{closest(name, list(ENTRIES) + list(ALIASES))} (`shapecalc list` shows them all)",
            name,
        ) from None


def get(name, **options):
    """Build zoo network ``name``; ``options`` (e.g. ``shortcut="A"``) go to its factory."""
    import importlib
    import inspect

    key, (module, factory, _, _) = entry(name)
    build = getattr(importlib.import_module(f"{__name__}.{module}"), factory)
    options = {k: v for k, v in options.items() if v is not None}
    accepted = inspect.signature(build).parameters
    for option in options:
        if option not in accepted:
            raise ConfigError(f"network {key} takes no option {option!r}", key)
    network = build(**options)
    return network
