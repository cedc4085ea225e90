"""shapecalc: exact shapes, parameters, MACs, activations and receptive fields of convolutional networks,
computed statically, and proven against PyTorch.

>>> import shapecalc
>>> s = shapecalc.summary("cnn-39x31")
>>> s["dense"].params                       # 160 · 100 weights + 100 biases
16100
"""

from .errors import (
    ConfigError, DivisibilityError, ShapecalcError, ShapeError, SpecError, SubmissionError, UnknownModelError,
)

__version__ = "0.1.0"

__all__ = [
    "summary", "compare", "sweep", "register", "layers", "ShapecalcError", "ShapeError", "DivisibilityError",
    "ConfigError", "SpecError", "SubmissionError", "UnknownModelError", "__version__",
]

# The functions compare() and sweep() live in the submodules ``comparison`` and ``sweeps``: a submodule
# named like a function of the package would replace it on its first import ("'module' object is not
# callable"), and importing them up front to prevent that made every command import the analysis twice over.


def summary(model, input=None, **kwargs):
    """Analyse a network; see :func:`shapecalc.report.summary`."""
    from .report import summary as _summary

    return _summary(model, input, **kwargs)


def compare(a, b, *more, **kwargs):
    """Analyse two or three networks side by side; see :func:`shapecalc.comparison.compare`."""
    from .comparison import compare as _compare

    return _compare(a, b, *more, **kwargs)


def register(module_class, rule):
    """Describe a PyTorch module class of your own for the importer; see :func:`shapecalc.from_torch.register`."""
    from .from_torch import register as _register

    return _register(module_class, rule)


def sweep(model, **sizes):
    """Per-layer sizes, MACs and validity over arrays of input sizes; see :mod:`shapecalc.sweeps`."""
    from .sweeps import sweep as _sweep

    return _sweep(model, **sizes)


def __getattr__(name):
    if name == "layers":
        # import_module, not ``from . import layers``: the latter asks this very __getattr__ again and
        # recursed forever when ``from shapecalc import layers`` came first
        import importlib

        return importlib.import_module(".layers", __name__)
    raise AttributeError(f"module 'shapecalc' has no attribute {name!r}")
