"""The one exception family of shapecalc.

Every user error is a :class:`ShapecalcError`; its message names the layer path and the numbers involved,
in the form ``path: what went wrong (expected …, received …)``. The command line prints it as one line on
stderr and exits with status 2.
"""

__all__ = [
    "ShapecalcError",
    "ShapeError",
    "ConfigError",
    "SpecError",
    "SubmissionError",
    "UnknownModelError",
    "UnknownLayerError",
    "DivisibilityError",
    "UserCodeError",
]


class ShapecalcError(Exception):
    """Base class of every error shapecalc raises for bad input."""

    def __init__(self, message, path=None):
        self.path = path
        self.detail = message
        super().__init__(f"{path}: {message}" if path else message)


class ShapeError(ShapecalcError):
    """A layer cannot be applied to its input shape (output < 1, mismatched concat or add, …)."""


class DivisibilityError(ShapeError):
    """``--strict``: a window does not tile its input exactly."""


class ConfigError(ShapecalcError):
    """A layer, network or option was given arguments it cannot accept."""


class UserCodeError(ConfigError):
    """The user's own code (``--python``) raised: an error of theirs, reported with their file and line."""


class UnknownModelError(ConfigError):
    """A network name that is not in the zoo; the message suggests the closest names."""


class UnknownLayerError(ConfigError, KeyError):
    """``summary[name]`` with a name that is not a layer (also a KeyError, as a mapping look-up should be)."""

    __str__ = Exception.__str__


class SpecError(ShapecalcError):
    """A network spec (text, TOML or JSON) cannot be parsed."""


class SubmissionError(ShapecalcError):
    """A homework submission table cannot be read."""
