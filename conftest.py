"""pytest set-up for the whole checkout (doctests of shapecalc/ included)."""

collect_ignore = []
try:
    import torch  # noqa: F401
except ImportError:
    # its module classes subclass torch's: without torch there is nothing to collect
    collect_ignore.append("shapecalc/torchmodules.py")
